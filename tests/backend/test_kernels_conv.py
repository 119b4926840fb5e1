"""kernels/conv.cu under the CPU CUDA emulator, launched with the very plans (outputs, grids,
argument lists) the cuda backend runs (``conv_pool_args``), against the cpu backend's primitives;
then the column strategy the cuda backend builds on those kernels (``conv_pool.conv2d_by_columns``
and its two adjoints, here with the emulated kernels and numpy's products) against the cpu
backend's convolution.

Odd sizes, 1x1, 2x3 and 3x3 kernels, blocks over several small images, strides, asymmetric padding ('same' with an even kernel),
dilation, groups, element counts of 1, 255, 257 and tens of thousands, grids smaller than the
work (``max_blocks`` 2: the kernels stride), float16/32/64.
"""
import numpy as np
import pytest

from autograd_gpu.backend import conv_pool
from autograd_gpu.backend import conv_pool_args as plans
from autograd_gpu.backend.conv_pool_args import ConvGeometry
from autograd_gpu.backend.cpu import numpy_backend

emulator = pytest.importorskip("cuda_emulator")

GRIDS = [2, 1024]  # max_blocks: fewer threads than elements (grid-stride loops), and plenty

# x shape, kernel (h, w), stride, padding (top, bottom, left, right), dilation, groups
CASES = {
    "3x3": ((2, 3, 7, 9), (3, 3), (1, 1), (0, 0, 0, 0), (1, 1), 1),
    "3x3_pad1": ((3, 4, 7, 9), (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1),
    "1x1": ((2, 5, 7, 9), (1, 1), (1, 1), (0, 0, 0, 0), (1, 1), 1),
    "1x1_stride2_pad1": ((3, 3, 7, 9), (1, 1), (2, 2), (1, 1, 1, 1), (1, 1), 1),
    "2x3_stride2_pad2_dilation2": ((3, 3, 9, 7), (2, 3), (2, 2), (2, 2, 2, 2), (2, 2), 1),
    "3x3_stride2x1_dilation1x2_groups2": ((2, 4, 7, 9), (3, 3), (2, 1), (1, 1, 2, 2), (1, 2), 2),
    "same_even_kernel": ((2, 3, 6, 7), (2, 2), (1, 1), (0, 1, 0, 1), (1, 1), 1),
    "depthwise_stride2": ((2, 5, 8, 9), (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), 5),
    "one_element": ((1, 1, 1, 1), (1, 1), (1, 1), (0, 0, 0, 0), (1, 1), 1),
    "row_255": ((1, 1, 1, 255), (1, 1), (1, 1), (0, 0, 0, 0), (1, 1), 1),
    "row_257": ((1, 1, 1, 257), (1, 1), (1, 1), (0, 0, 0, 0), (1, 1), 1),
    "large": ((2, 3, 29, 31), (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1),
    # 32 images of a 7x9 plane a block: two groups, the second partial
    "many_small_images": ((40, 2, 7, 9), (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1),
}
TOLERANCE = {"float32": dict(rtol=1e-5, atol=1e-5), "float64": dict(rtol=1e-12, atol=1e-12),
             "float16": dict(rtol=1e-3, atol=1e-3)}


def geometry(case):
    _, _, stride, padding, dilation, groups = case
    return ConvGeometry(stride, padding, dilation, groups)


run = emulator.run_launches


def emulated_im2col(max_blocks):
    """An ``im2col`` primitive that runs the cuda backend's plan on the emulator."""
    def im2col(x, kernel_hw, geom):
        cols, launches = plans.im2col(np, np.ascontiguousarray(x), kernel_hw, geom, max_blocks)
        run(launches)
        return cols
    return im2col


def emulated_col2im(max_blocks):
    def col2im(cols, x_shape, kernel_hw, geom):
        x, launches = plans.col2im(np, np.ascontiguousarray(cols), x_shape, kernel_hw, geom,
                                   max_blocks)
        run(launches)
        return x
    return col2im


@pytest.mark.parametrize("max_blocks", GRIDS)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("name", CASES)
def test_im2col_matches_cpu_primitive(name, dtype, max_blocks, rng):
    case = CASES[name]
    x = rng.standard_normal(case[0]).astype(dtype)
    cols, launches = plans.im2col(np, x, case[1], geometry(case), max_blocks)
    assert [launch.name for launch in launches] == ["im2col"]
    run(launches)
    np.testing.assert_array_equal(cols, numpy_backend.im2col(x, case[1], geometry(case)))


@pytest.mark.parametrize("max_blocks", GRIDS)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("name", CASES)
def test_col2im_matches_cpu_primitive(name, dtype, max_blocks, rng):
    """Overlapping windows (stride < kernel) sum several column entries into one element."""
    case = CASES[name]
    x_shape, kernel_hw, geom = case[0], case[1], geometry(case)
    positions = x_shape[0] * np.prod(geom.output_size(x_shape[2:], kernel_hw))
    cols = rng.standard_normal((x_shape[1] * kernel_hw[0] * kernel_hw[1], positions)).astype(dtype)
    x, launches = plans.col2im(np, cols, x_shape, kernel_hw, geom, max_blocks)
    assert [launch.name for launch in launches] == ["col2im"]
    run(launches)
    # float16: the kernel sums in float32 and rounds once; compare with the float64 sum
    expected = numpy_backend.col2im(cols.astype(np.float64) if dtype == "float16" else cols,
                                    x_shape, kernel_hw, geom)
    assert x.dtype == cols.dtype
    np.testing.assert_allclose(x, expected, **TOLERANCE[dtype])


@pytest.mark.parametrize("max_blocks", [3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", CASES)
def test_column_strategy_matches_cpu_convolution(name, dtype, max_blocks, rng):
    """The cuda backend's conv2d, conv2d_input_grad and conv2d_weight_grad (with groups)."""
    case = CASES[name]
    x_shape, (kh, kw), geom = case[0], case[1], geometry(case)
    channels, groups = x_shape[1], geom.groups
    out_channels = 2 * groups
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal((out_channels, channels // groups, kh, kw)).astype(dtype)
    gy = rng.standard_normal((x_shape[0], out_channels) + geom.output_size(x_shape[2:], (kh, kw)))
    gy = gy.astype(dtype)

    y = conv_pool.conv2d_by_columns(np, x, w, geom, emulated_im2col(max_blocks))
    np.testing.assert_allclose(y, numpy_backend.conv2d(x, w, geom), **TOLERANCE[dtype])
    gx = conv_pool.conv2d_input_grad_by_columns(np, gy, w, geom, x_shape, emulated_col2im(max_blocks))
    np.testing.assert_allclose(gx, numpy_backend.conv2d_input_grad(gy, w, geom, x_shape),
                               **TOLERANCE[dtype])
    gw = conv_pool.conv2d_weight_grad_by_columns(np, x, gy, geom, w.shape, emulated_im2col(max_blocks))
    np.testing.assert_allclose(gw, numpy_backend.conv2d_weight_grad(x, gy, geom, w.shape),
                               **TOLERANCE[dtype])
    assert y.flags.c_contiguous and gx.flags.c_contiguous and gw.flags.c_contiguous


def test_empty_batch_plans_no_launch():
    geom = ConvGeometry((1, 1), (1, 1, 1, 1), (1, 1), 1)
    x = np.empty((0, 3, 5, 5), dtype=np.float32)
    cols, launches = plans.im2col(np, x, (3, 3), geom, 1024)
    assert cols.shape == (27, 0) and launches == ()
    gx, launches = plans.col2im(np, cols, x.shape, (3, 3), geom, 1024)
    assert gx.shape == x.shape and launches == ()


@pytest.mark.parametrize("x_shape, kernel_hw, grid, images", [
    ((1, 1, 1, 257), (1, 1), (1, 1, 1), 1),           # one short row: one block
    ((5, 3, 56, 56), (3, 3), (27, 5, 7), 1),          # 135 blocks: each plane in 7 parts
    ((64, 64, 56, 56), (3, 3), (576, 64, 1), 1),      # ResNet-18's layer 1: enough blocks
    ((64, 512, 7, 7), (3, 3), (4608, 2, 1), 41),      # small planes: 2048 // 49 images a block
    ((2, 70000, 2, 2), (1, 1), (70000, 1, 1), 2),     # every image of a tiny plane in one block
])
def test_plan_groups_small_planes_splits_few_blocks_and_caps_the_grid(x_shape, kernel_hw, grid,
                                                                      images):
    geom = ConvGeometry((1, 1), (1, 1, 1, 1) if kernel_hw == (3, 3) else (0, 0, 0, 0), (1, 1), 1)
    x = np.empty(x_shape, dtype=np.float32)
    (launch,) = plans.im2col(np, x, kernel_hw, geom, 1 << 20)[1]
    assert (launch.block, launch.grid, launch.args[-1]) == (plans.BLOCK, grid, images)
    (launch,) = plans.im2col(np, x, kernel_hw, geom, 1)[1]
    assert launch.grid == (1, 1, 1)


def test_plane_kernels_refuse_planes_past_32_bit_offsets():
    geom = ConvGeometry((1, 1), (0, 0, 0, 0), (1, 1), 1)
    assert plans.plane_kernels_apply((2, 3, 224, 224), (3, 3), geom)
    assert not plans.plane_kernels_apply((1, 1, 2**16, 2**16), (1, 1), geom)
