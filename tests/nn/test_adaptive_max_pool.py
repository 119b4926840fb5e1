"""adaptive_max_pool2d / adaptive_max_pool1d and AdaptiveMaxPool2d / AdaptiveMaxPool1d against
torch: values, indices, gradients (overlapping windows accumulate, NaN wins), float64 gradchecks,
grad_fn names, reprs and errors."""
import numpy as np
import pytest

import autograd_gpu as ag
from helpers import assert_torch_wording, check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()


def _distinct(rng, shape, dtype="float32"):
    """No ties: the index of a tied maximum is each library's choice."""
    n = int(np.prod(shape))
    return (rng.permutation(n).reshape(shape) * 0.05 - n * 0.02).astype(dtype)


SIZES = [(3, 4), 4, (2, None), (None, 3), (7, 9), (10, 12), (1, 1), (5, 2)]


@pytest.mark.parametrize("size", SIZES, ids=str)
@pytest.mark.parametrize("shape", [(2, 3, 7, 9), (3, 7, 9)], ids=["4d", "3d"])
def test_adaptive_max_pool2d(size, shape, device, rng):
    x = _distinct(rng, shape)
    fn = lambda t, v: t.nn.functional.adaptive_max_pool2d(v, size, return_indices=True)  # noqa: E731
    values, indices = check_parity(fn, x, device=device, rng=rng)
    assert str(indices.dtype) == "torch.int64" and not indices.requires_grad
    assert values.grad_fn.name() == "AdaptiveMaxPool2DBackward0"


@pytest.mark.parametrize("size", [(3, 4), (10, 12), 2], ids=str)
def test_adaptive_max_pool2d_gradcheck(size, device, rng):
    check_grad(lambda t, v: t.nn.functional.adaptive_max_pool2d(v, size),
               _distinct(rng, (2, 2, 5, 7)), device=device)


def test_adaptive_max_pool2d_nan_and_dtypes(device, rng):
    x = _distinct(rng, (1, 2, 6, 6))
    x[0, 0, 1, 2] = x[0, 1, 4, 4] = np.nan
    fn = lambda t, v: t.nn.functional.adaptive_max_pool2d(v, (4, 3), True)  # noqa: E731
    check_parity(fn, x, device=device, rng=rng)
    check_parity(fn, x.astype("float64"), device=device, rng=rng)
    check_parity(fn, _distinct(rng, (1, 2, 6, 6), "float16"), device=device, rng=rng, atol=1e-3)


@pytest.mark.parametrize("size", [3, 4, 8, (2,)], ids=str)
@pytest.mark.parametrize("shape", [(2, 3, 8), (3, 7)], ids=["3d", "2d"])
def test_adaptive_max_pool1d(size, shape, device, rng):
    x = _distinct(rng, shape)
    fn = lambda t, v: t.nn.functional.adaptive_max_pool1d(v, size, return_indices=True)  # noqa: E731
    values, _ = check_parity(fn, x, device=device, rng=rng)
    assert values.grad_fn.name() == "SqueezeBackward1"
    check_parity(lambda t, v: t.nn.AdaptiveMaxPool1d(size)(v), x, device=device, rng=rng)


@pytest.mark.parametrize("args", [((2, None),), ((3, 4), True), (5,), ((None, 2), False)], ids=str)
def test_module_forward_and_repr(args, device, rng):
    x = _distinct(rng, (2, 3, 6, 7))
    check_parity(lambda t, v: t.nn.AdaptiveMaxPool2d(*args)(v), x, device=device, rng=rng)
    assert_torch_wording(repr(ag.nn.AdaptiveMaxPool2d(*args)), repr(torch.nn.AdaptiveMaxPool2d(*args)))
    assert_torch_wording(repr(ag.nn.AdaptiveMaxPool1d(3, True)), repr(torch.nn.AdaptiveMaxPool1d(3, True)))


def test_zero_sized_output_and_batch(device, rng):
    x = _distinct(rng, (2, 3, 5, 6))
    for call in (lambda t, v: t.nn.functional.adaptive_max_pool2d(v, (0, 2)),
                 lambda t, v: t.nn.functional.adaptive_max_pool2d(v[:0], 2, True)):
        check_parity(call, x, device=device, grad=False)


@pytest.mark.parametrize("call", [
    lambda t, x: t.nn.functional.adaptive_max_pool2d(x, (-1, 2)),
    lambda t, x: t.nn.functional.adaptive_max_pool2d(x[0, 0], 2),
    lambda t, x: t.nn.functional.adaptive_max_pool2d(x.unsqueeze(0), 2),
    lambda t, x: t.nn.functional.adaptive_max_pool2d(x[:, :, :0], 2),
    lambda t, x: t.nn.functional.adaptive_max_pool2d(x.long(), 2),
    lambda t, x: t.nn.functional.adaptive_max_pool2d(x > 0, 2),
    lambda t, x: t.nn.functional.adaptive_max_pool2d(x, (2, 2, 2)),
    lambda t, x: t.nn.functional.adaptive_max_pool1d(x, 2),
    lambda t, x: t.nn.functional.adaptive_max_pool1d(x[0], (2, 2))],
    ids=["negative", "2d", "5d", "empty", "long", "bool", "three_sizes", "1d_4d", "1d_two_sizes"])
def test_errors_as_torch(call, device, rng):
    a = random_array(rng, (2, 3, 4, 5))
    try:
        call(torch, torch.tensor(a))
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)) as ours:
            call(ag, ag.tensor(a, device=device))
        assert_torch_wording(str(ours.value), str(e))
        return
    pytest.fail("torch accepted it")
