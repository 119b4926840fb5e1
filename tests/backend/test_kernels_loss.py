"""kernels/loss.cu (nll, the half of cross-entropy after log_softmax, and BCE with logits) under the
CPU CUDA emulator, launched with the very plans the cuda backend runs (``softmax_norm_args``),
against the cpu backend's primitives.

Sample counts not a multiple of the block, grids smaller than the work (``max_blocks`` 2), class
weights, ignore_index present among the targets, spatial inputs, pos_weight and upstream gradients
broadcast (a trailing block, a single value, or materialised), logits of +-100 and +-1e4,
float16/32/64.
"""
import numpy as np
import pytest

from autograd_gpu.backend import softmax_norm_args as plans
from autograd_gpu.backend.cpu import numpy_backend
from helpers import reference_inputs

emulator = pytest.importorskip("cuda_emulator")

GRIDS = [2, 1024]
DTYPES = ["float32", "float64", "float16"]
TOLERANCE = {"float32": {"rtol": 1e-5, "atol": 1e-6}, "float64": {"rtol": 1e-12, "atol": 1e-14},
             "float16": {"rtol": 2e-3, "atol": 2e-3}}


run = emulator.run_launches


# -- nll -------------------------------------------------------------------------------------------

NLL_SHAPES = [(300, 7), (5, 4), (2, 4, 3, 5), (3, 6, 1, 90)]  # (N, C, *)


def nll_inputs(rng, shape, dtype, ignore, weighted):
    classes = shape[1]
    x = rng.uniform(-3, 0, size=shape).astype(dtype)
    target = rng.integers(0, classes, size=(shape[0],) + shape[2:])
    ignore_index = None
    if ignore:
        ignore_index = -100 if ignore == "outside" else 2
        flat = target.reshape(-1)
        flat[rng.choice(flat.size, size=max(1, flat.size // 3), replace=False)] = ignore_index
    weight = rng.uniform(0.5, 2, size=classes).astype(dtype) if weighted else None
    return x, target, weight, ignore_index


@pytest.mark.parametrize("max_blocks", GRIDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("ignore", [None, "outside", "a_class"],
                         ids=["all_counted", "ignore_-100", "ignore_class_2"])
@pytest.mark.parametrize("shape", NLL_SHAPES, ids=str)
def test_nll_forward(shape, ignore, weighted, dtype, max_blocks, rng):
    x, target, weight, ignore_index = nll_inputs(rng, shape, dtype, ignore, weighted)
    bad_target = np.zeros(4, np.int64)
    (losses, sample_weight), launches = plans.nll_forward(np, x, target, weight, ignore_index,
                                                          bad_target, max_blocks)
    run(launches)
    assert not bad_target.any()
    x_ref, w_ref = reference_inputs(dtype, x, weight)
    expected_losses, expected_weight = numpy_backend.nll_forward(x_ref, target, w_ref,
                                                                 ignore_index)
    np.testing.assert_allclose(losses, expected_losses, **TOLERANCE[dtype])
    if expected_weight is None:
        assert sample_weight is None
    else:
        np.testing.assert_allclose(sample_weight, expected_weight, **TOLERANCE[dtype])


@pytest.mark.parametrize("has_ignore", [False, True])
@pytest.mark.parametrize("bad", [-1, 7, 1 << 40])
def test_nll_forward_reports_a_target_out_of_range_without_reading_past_the_input(bad, has_ignore,
                                                                                   rng):
    """The emulator's poisoned margins fail a read outside x; the kernel records (1, target,
    classes, ignore_index) for the host (device_errors) and writes NaN for that sample only."""
    x, target, weight, _ = nll_inputs(rng, (300, 7), "float32", None, False)
    target[[5, 250]] = bad
    ignore_index = -100 if has_ignore else None
    bad_target = np.zeros(4, np.int64)
    (losses, _), launches = plans.nll_forward(np, x, target, weight, ignore_index, bad_target, 2)
    run(launches)
    assert bad_target.tolist() == [1, bad, 7, -100 if has_ignore else 0]
    assert np.isnan(losses[[5, 250]]).all() and np.isfinite(np.delete(losses, [5, 250])).all()


@pytest.mark.parametrize("max_blocks", GRIDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("per_sample", [False, True], ids=["one_coef", "per_sample_coef"])
@pytest.mark.parametrize("ignore", [None, "a_class"], ids=["all_counted", "ignore_class_2"])
@pytest.mark.parametrize("shape", NLL_SHAPES, ids=str)
def test_nll_backward(shape, ignore, per_sample, dtype, max_blocks, rng):
    _, target, _, ignore_index = nll_inputs(rng, shape, dtype, ignore, False)
    coef = rng.uniform(-2, -0.5, size=target.shape).astype(dtype) if per_sample else -0.375
    out, launches = plans.nll_backward(np, shape, target, coef, ignore_index, np.dtype(dtype),
                                       max_blocks)
    run(launches)
    expected = numpy_backend.nll_backward(shape, target, coef, ignore_index, np.dtype(dtype))
    np.testing.assert_array_equal(out, expected)
    assert np.count_nonzero(out) == (target != ignore_index).sum()


# -- binary cross-entropy with logits --------------------------------------------------------------

BCE_SHAPE = (3, 257)
# pos_weight / upstream-gradient shapes: a trailing block read as i % period, a single value, or
# one that must be materialised to the input's shape
BROADCASTS = {"none": None, "trailing": (257,), "row": (1, 257), "single": (), "column": (3, 1),
              "full": BCE_SHAPE}


def bce_inputs(rng, dtype, extreme=False):
    x = rng.uniform(-6, 6, size=BCE_SHAPE).astype(dtype)
    if extreme:
        x.reshape(-1)[:8] = [100, -100, 1e4, -1e4, 80, -90, 1e4, -1e4]
    t = rng.uniform(0, 1, size=BCE_SHAPE).astype(dtype)
    return x, t


def operand(rng, name, dtype):
    shape = BROADCASTS[name]
    return None if shape is None else rng.uniform(0.5, 3, size=shape).astype(dtype)


@pytest.mark.parametrize("max_blocks", GRIDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("pos_weight", list(BROADCASTS))
def test_bce_with_logits_forward(pos_weight, dtype, max_blocks, rng):
    x, t = bce_inputs(rng, dtype)
    pw = operand(rng, pos_weight, dtype)
    loss, launches = plans.bce_with_logits(np, x, t, pw, max_blocks)
    run(launches)
    np.testing.assert_allclose(loss, numpy_backend.bce_with_logits(*reference_inputs(dtype, x, t, pw)),
                               **TOLERANCE[dtype])


@pytest.mark.parametrize("max_blocks", GRIDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("g", ["single", "trailing", "column", "full"])
@pytest.mark.parametrize("pos_weight", ["none", "trailing", "column"])
def test_bce_with_logits_backward(pos_weight, g, dtype, max_blocks, rng):
    x, t = bce_inputs(rng, dtype)
    pw, grad = operand(rng, pos_weight, dtype), operand(rng, g, dtype)
    gx, launches = plans.bce_with_logits_backward(np, x, t, grad, pw, max_blocks)
    run(launches)
    xr, tr, gr, pwr = reference_inputs(dtype, x, t, grad, pw)
    np.testing.assert_allclose(gx, numpy_backend.bce_with_logits_backward(xr, tr, gr, pwr),
                               **TOLERANCE[dtype])
    gt, launches = plans.bce_with_logits_target_backward(np, x, grad, pw, max_blocks)
    run(launches)
    np.testing.assert_allclose(gt, numpy_backend.bce_with_logits_target_backward(xr, gr, pwr),
                               **TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("pos_weight", ["none", "trailing"])
def test_bce_with_logits_extreme_logits_are_finite(pos_weight, dtype, rng):
    x, t = bce_inputs(rng, dtype, extreme=True)
    pw, grad = operand(rng, pos_weight, dtype), operand(rng, "full", dtype)
    loss, launches = plans.bce_with_logits(np, x, t, pw, 1024)
    run(launches)
    gx, launches = plans.bce_with_logits_backward(np, x, t, grad, pw, 1024)
    run(launches)
    gt, launches = plans.bce_with_logits_target_backward(np, x, grad, pw, 1024)
    run(launches)
    for got, expected in ((loss, numpy_backend.bce_with_logits(x, t, pw)),
                          (gx, numpy_backend.bce_with_logits_backward(x, t, grad, pw)),
                          (gt, numpy_backend.bce_with_logits_target_backward(x, grad, pw))):
        assert np.isfinite(got).all()
        np.testing.assert_allclose(got, expected, **TOLERANCE[dtype])


@pytest.mark.parametrize("name, period", [("trailing", 257), ("row", 257), ("single", 1),
                                          ("column", 3 * 257), ("full", 3 * 257)])
def test_trailing_period(name, period, rng):
    a = operand(rng, name, "float32")
    array, got = plans.trailing_period(np, a, BCE_SHAPE)
    assert got == period
    flat = np.broadcast_to(a, BCE_SHAPE).reshape(-1)
    np.testing.assert_array_equal(array.reshape(-1)[np.arange(flat.size) % period], flat)
