"""kernels/pooling.cu under the CPU CUDA emulator, launched with the very plans (outputs, grids,
argument lists) the cuda backend runs (``conv_pool_args``), against the cpu backend's primitives
(themselves checked against torch in tests/ops/test_pooling.py).

Max pooling: values and argmax indices with ties, -inf and NaN (the first maximum wins, a NaN
beats every number), padding, dilation and ceil_mode; its backward where windows overlap.
Average pooling: count_include_pad, divisor_override and ceil_mode windows that run past the
padding. Odd sizes, element counts of 1, 255, 257 and thousands, grids smaller than the work
(``max_blocks`` 2: the kernels stride), float16/32/64.
"""
import numpy as np
import pytest

from autograd_gpu.backend import conv_pool_args as plans
from autograd_gpu.backend.cpu import numpy_backend
from autograd_gpu.ops.pooling import _window

emulator = pytest.importorskip("cuda_emulator")

GRIDS = [2, 1024]  # max_blocks: fewer threads than elements (grid-stride loops), and plenty

# x shape, kernel, stride, padding, dilation, ceil_mode
CASES = {
    "k2": ((2, 3, 8, 6), (2, 2), (2, 2), (0, 0), (1, 1), False),
    "k3_s1_p1_overlap": ((3, 4, 7, 9), (3, 3), (1, 1), (1, 1), (1, 1), False),
    "k3_s2_p1": ((2, 5, 7, 9), (3, 3), (2, 2), (1, 1), (1, 1), False),
    "ceil_mode": ((2, 3, 7, 9), (3, 3), (2, 2), (0, 0), (1, 1), True),
    "ceil_mode_pad": ((2, 3, 8, 7), (2, 2), (2, 2), (1, 1), (1, 1), True),
    "k2x3_s2x1_p1": ((2, 3, 9, 8), (2, 3), (2, 1), (1, 1), (1, 1), False),
    "dilation2": ((2, 3, 9, 9), (3, 3), (2, 2), (1, 1), (2, 2), False),
    "dilation2_ceil": ((1, 2, 5, 6), (2, 2), (2, 2), (1, 1), (2, 2), True),
    "one_output": ((1, 1, 1, 1), (1, 1), (1, 1), (0, 0), (1, 1), False),
    "row_255": ((1, 1, 1, 255), (1, 1), (1, 1), (0, 0), (1, 1), False),
    "row_257": ((1, 1, 1, 257), (1, 1), (1, 1), (0, 0), (1, 1), False),
    "large": ((2, 3, 33, 40), (3, 3), (2, 2), (1, 1), (1, 1), False),
}
AVG_CASES = [name for name, case in CASES.items() if case[4] == (1, 1)]  # no dilation in avg_pool2d
TOLERANCE = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-12, atol=1e-14),
             "float16": dict(rtol=1e-3, atol=1e-3)}


def window(case):
    shape, kernel, stride, padding, dilation, ceil_mode = case
    return _window(shape, kernel, stride, padding, dilation, ceil_mode)


run = emulator.run_launches


def max_pool_input(rng, shape, dtype, values):
    """Random values; "ties" draws from a few integers, "specials" adds -inf and NaN and makes
    the first plane all -inf (each window keeps its first element inside the input)."""
    if values == "ties":
        return rng.integers(-2, 3, size=shape).astype(dtype)
    x = rng.standard_normal(shape).astype(dtype)
    if values == "specials":
        flat = x.reshape(-1)
        picks = rng.permutation(flat.size)
        flat[picks[: max(1, flat.size // 7)]] = -np.inf
        flat[picks[flat.size // 7: flat.size // 7 + max(1, flat.size // 11)]] = np.nan
        x[0, 0] = -np.inf
    return x


@pytest.mark.parametrize("max_blocks", GRIDS)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("values", ["random", "ties", "specials"])
@pytest.mark.parametrize("name", CASES)
def test_max_pool2d_matches_cpu_primitive(name, values, dtype, max_blocks, rng):
    case = CASES[name]
    win = window(case)
    x = max_pool_input(rng, case[0], dtype, values)
    y, indices, launches = plans.max_pool2d(np, x, win, max_blocks)
    assert [launch.name for launch in launches] == ["max_pool2d_forward"]
    run(launches)
    expected_y, expected_indices = numpy_backend.max_pool2d(x, win, True)
    np.testing.assert_array_equal(y, expected_y)  # NaN compares equal to NaN here
    np.testing.assert_array_equal(indices, expected_indices)

    gy = rng.standard_normal(y.shape).astype(dtype)
    gx, launches = plans.max_pool2d_backward(np, gy, indices, x.shape, win, max_blocks)
    assert [launch.name for launch in launches] == ["max_pool2d_backward"]
    run(launches)
    wide = gy.astype(np.float64) if dtype == "float16" else gy  # the kernel sums in float32
    expected = numpy_backend.max_pool2d_backward(wide, indices, x.shape, win)
    np.testing.assert_allclose(gx, expected, **TOLERANCE[dtype])


@pytest.mark.parametrize("max_blocks", GRIDS)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("divisor", [(True, None), (False, None), (True, 5)],
                         ids=["count_pad", "no_pad_count", "override5"])
@pytest.mark.parametrize("name", AVG_CASES)
def test_avg_pool2d_matches_cpu_primitive(name, divisor, dtype, max_blocks, rng):
    case = CASES[name]
    win = window(case)
    count_include_pad, divisor_override = divisor
    x = rng.standard_normal(case[0]).astype(dtype)
    y, launches = plans.avg_pool2d(np, x, win, count_include_pad, divisor_override, max_blocks)
    assert [launch.name for launch in launches] == ["avg_pool2d_forward"]
    run(launches)
    expected = numpy_backend.avg_pool2d(x, win, count_include_pad, divisor_override)
    np.testing.assert_allclose(y, expected, **TOLERANCE[dtype])

    gy = rng.standard_normal(y.shape).astype(dtype)
    gx, launches = plans.avg_pool2d_backward(np, gy, win, count_include_pad, divisor_override,
                                             x.shape, max_blocks)
    assert [launch.name for launch in launches] == ["avg_pool2d_backward"]
    run(launches)
    wide = gy.astype(np.float64) if dtype == "float16" else gy
    expected = numpy_backend.avg_pool2d_backward(wide, win, count_include_pad, divisor_override,
                                                 x.shape)
    np.testing.assert_allclose(gx, expected, **TOLERANCE[dtype])


def test_empty_batch_plans_no_launch():
    win = window(((0, 3, 6, 6), (2, 2), (2, 2), (0, 0), (1, 1), False))
    x = np.empty((0, 3, 6, 6), dtype=np.float32)
    y, indices, launches = plans.max_pool2d(np, x, win, 1024)
    assert y.shape == indices.shape == (0, 3, 3, 3) and launches == ()
    assert plans.max_pool2d_backward(np, y, indices, x.shape, win, 1024)[1] == ()
    assert plans.avg_pool2d(np, x, win, True, None, 1024)[1] == ()
    assert plans.avg_pool2d_backward(np, y, win, True, None, x.shape, 1024)[1] == ()
