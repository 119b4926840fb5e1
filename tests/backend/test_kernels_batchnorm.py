"""kernels/batchnorm.cu under the CPU CUDA emulator, launched with the very plans the cuda backend
runs (``softmax_norm_args``), against the cpu backend's primitives.

(N, C) inputs (one element per sample and channel), spatial ones, channels split over several
blocks (more than MIN_CHUNK elements each), grids smaller than the work (``max_blocks`` 2),
with and without weight and bias, float16/32/64. float16 statistics are float32.
"""
import numpy as np
import pytest

from autograd_gpu.backend import softmax_norm_args as plans
from autograd_gpu.backend.cpu import numpy_backend
from helpers import reference_inputs

emulator = pytest.importorskip("cuda_emulator")

GRIDS = [2, 1024]
DTYPES = ["float32", "float64", "float16"]
TOLERANCE = {"float32": {"rtol": 2e-5, "atol": 2e-5}, "float64": {"rtol": 1e-11, "atol": 1e-12},
             "float16": {"rtol": 4e-3, "atol": 4e-3}}
EPS = 1e-5

# (N, C, *): count per channel = N * spatial. (5, 2, 100): a thread's stride crosses samples;
# (3, 2, 1500): each channel split over two blocks, the split inside a sample
SHAPES = [(4, 5), (300, 3), (3, 2, 7, 9), (5, 2, 100), (3, 2, 1500)]


run = emulator.run_launches


def inputs(rng, shape, dtype, affine):
    channels = shape[1]
    # an offset per channel, so that the statistics are not all near 0 and 1
    offset = rng.uniform(-5, 5, size=(1, channels) + (1,) * (len(shape) - 2))
    x = (rng.standard_normal(shape) * 2 + offset).astype(dtype)
    weight = rng.uniform(0.5, 2, size=channels).astype(dtype) if affine in ("both", "weight") \
        else None
    bias = rng.uniform(-1, 1, size=channels).astype(dtype) if affine in ("both", "bias") else None
    return x, weight, bias


@pytest.mark.parametrize("max_blocks", GRIDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("affine", ["both", "none", "weight", "bias"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_train_forward(shape, affine, dtype, max_blocks, rng):
    x, weight, bias = inputs(rng, shape, dtype, affine)
    (y, mean, var, invstd), launches = plans.batch_norm_train(np, x, weight, bias, EPS,
                                                              max_blocks)
    run(launches)
    expected = numpy_backend.batch_norm_train(*reference_inputs(dtype, x, weight, bias), EPS)
    stat_dtype = np.float32 if dtype == "float16" else np.dtype(dtype)
    assert y.dtype == x.dtype and mean.dtype == var.dtype == invstd.dtype == stat_dtype
    tolerance = TOLERANCE["float32" if dtype == "float16" else dtype]
    for got, want in zip((mean, var, invstd), expected[1:]):
        np.testing.assert_allclose(got, want, **tolerance)
    np.testing.assert_allclose(y, expected[0], **TOLERANCE[dtype])


@pytest.mark.parametrize("max_blocks", GRIDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("affine", ["both", "none"])
@pytest.mark.parametrize("shape", SHAPES[:4], ids=str)
def test_eval_forward(shape, affine, dtype, max_blocks, rng):
    x, weight, bias = inputs(rng, shape, dtype, affine)
    stat_dtype = np.float32 if dtype == "float16" else np.dtype(dtype)
    mean = rng.uniform(-3, 3, size=shape[1]).astype(stat_dtype)
    invstd = rng.uniform(0.3, 2, size=shape[1]).astype(stat_dtype)
    y, launches = plans.batch_norm_eval(np, x, weight, bias, mean, invstd, max_blocks)
    run(launches)
    xr, wr, br, mr, ir = reference_inputs(dtype, x, weight, bias, mean, invstd)
    np.testing.assert_allclose(y, numpy_backend.batch_norm_eval(xr, wr, br, mr, ir),
                               **TOLERANCE[dtype])


@pytest.mark.parametrize("max_blocks", GRIDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("affine", ["both", "none"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_backward(shape, affine, dtype, max_blocks, rng):
    x, weight, _ = inputs(rng, shape, dtype, affine)
    gy = rng.uniform(-1, 1, size=shape).astype(dtype)
    (_, mean, _, invstd), launches = plans.batch_norm_train(np, x, weight, None, EPS, max_blocks)
    run(launches)
    (gx, grad_weight), launches = plans.batch_norm_backward(np, x, weight, gy, mean, invstd,
                                                            max_blocks)
    run(launches)
    xr, wr, gr, mr, ir = reference_inputs(dtype, x, weight, gy, mean, invstd)
    expected_gx, expected_gw = numpy_backend.batch_norm_backward(xr, wr, gr, mr, ir)
    np.testing.assert_allclose(gx, expected_gx, **TOLERANCE[dtype])
    if weight is None:
        assert grad_weight is None
    else:
        assert grad_weight.dtype == x.dtype
        np.testing.assert_allclose(grad_weight, expected_gw, **TOLERANCE[dtype])


@pytest.mark.parametrize("count", [2, 2047, 4096, 4097, 10**6, 10**8 + 7])
def test_channel_splits_cover_each_channel_exactly(count):
    splits, chunk = plans.channel_splits(count)
    assert 1 <= splits <= plans.MAX_SPLITS
    assert (splits - 1) * chunk < count <= splits * chunk  # every chunk holds elements
    assert splits == 1 or chunk >= plans.MIN_CHUNK


def test_shapes_split_a_channel_over_blocks():
    """SHAPES' last entry takes the path that merges several blocks' partial results."""
    n, _, spatial = SHAPES[-1]
    assert plans.channel_splits(n * spatial)[0] > 1
