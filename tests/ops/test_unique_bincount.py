"""unique and bincount against torch: values, inverse indices, counts, dtypes, the nodes torch
records (whose backward raises), NaNs, empty inputs and errors."""
import numpy as np
import pytest

import autograd_gpu as ag
from helpers import assert_torch_wording, check_parity, random_array, torch_or_skip

torch = torch_or_skip()

UNIQUE = {
    "plain": lambda t, x: t.unique(x),
    "method": lambda t, x: x.unique(),
    "unsorted": lambda t, x: x.unique(sorted=False),
    "inverse": lambda t, x: t.unique(x, return_inverse=True),
    "counts": lambda t, x: x.unique(return_counts=True),
    "both": lambda t, x: t.unique(x, sorted=True, return_inverse=True, return_counts=True),
    "dim0": lambda t, x: t.unique(x, dim=0, return_inverse=True, return_counts=True),
    "dim1": lambda t, x: x.unique(dim=1, return_counts=True),
    "dim-1": lambda t, x: t.unique(x, return_inverse=True, dim=-1),
}


@pytest.mark.parametrize("name", UNIQUE)
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_unique(name, dtype, device, rng):
    x = random_array(rng, (6, 5, 4), dtype, integers=None if dtype != "int64" else (-3, 3))
    if dtype == "float32":
        x = np.round(x)  # repeats to find
    x[3] = x[1]  # a repeated slice along dim 0
    x[:, 4] = x[:, 0]  # and along dim 1
    check_parity(UNIQUE[name], x, device=device, grad=False)


@pytest.mark.parametrize("shape", [(), (0,), (0, 3), (7,)])
def test_unique_shapes(shape, device, rng):
    x = np.round(random_array(rng, shape))
    check_parity(UNIQUE["both"], x, device=device, grad=False)
    if len(shape) > 1:
        check_parity(UNIQUE["dim0"], x, device=device, grad=False)


def test_unique_nans_are_distinct(device):
    x = np.array([np.nan, 1.0, np.nan, -2.0, 1.0], "float32")
    check_parity(UNIQUE["both"], x, device=device, grad=False)


@pytest.mark.parametrize("name", ["plain", "dim0"])
def test_unique_records_torch_node_without_derivative(name, device, rng):
    x = np.round(random_array(rng, (4, 3)))
    ours = UNIQUE[name](ag, ag.tensor(x, device=device, requires_grad=True))
    theirs = UNIQUE[name](torch, torch.tensor(x, requires_grad=True))
    ours, theirs = (ours if isinstance(ours, tuple) else (ours,)), (
        theirs if isinstance(theirs, tuple) else (theirs,))
    assert ours[0].grad_fn.name() == theirs[0].grad_fn.name()
    assert all(not o.requires_grad for o in ours[1:])
    with pytest.raises(NotImplementedError) as expected:
        theirs[0].sum().backward()
    with pytest.raises(NotImplementedError) as got:
        ours[0].sum().backward()
    assert_torch_wording(str(got.value), str(expected.value))


@pytest.mark.parametrize("call", [
    lambda t, x: t.unique(x[0, 0, 0], dim=0), lambda t, x: t.unique(x[0, 0, 0], dim=-1),
    lambda t, x: x.unique(dim=3), lambda t, x: t.unique(x[:, :0], dim=0),
    lambda t, x: t.unique(x[:0], dim=0)],
    ids=["0d_dim", "0d_dim_neg", "dim_range", "zero_sized_other_dim", "zero_sized_dim"])
def test_unique_errors_as_torch(call, device, rng):
    a = random_array(rng, (2, 3, 4))
    try:
        theirs = call(torch, torch.tensor(a))
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)) as ours:
            call(ag, ag.tensor(a, device=device))
        assert_torch_wording(str(ours.value), str(e))
        return
    ours = call(ag, ag.tensor(a, device=device))
    assert tuple(ours.shape) == tuple(theirs.shape)


BINCOUNT = {
    "plain": lambda t, x, w: t.bincount(x),
    "method": lambda t, x, w: x.bincount(minlength=20),
    "weights": lambda t, x, w: t.bincount(x, w),
    "weights64": lambda t, x, w: x.bincount(weights=w.double(), minlength=3),
    "int_weights": lambda t, x, w: t.bincount(x, weights=(w * 4).long()),
    "empty": lambda t, x, w: t.bincount(x[:0]),
    "empty_min": lambda t, x, w: t.bincount(x[:0], w[:0], minlength=4),
}


@pytest.mark.parametrize("name", BINCOUNT)
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
def test_bincount(name, dtype, device, rng):
    x = rng.integers(0, 9, size=12).astype(dtype)
    w = random_array(rng, (12,))
    out = check_parity(BINCOUNT[name], x, w, device=device, grad=False)[0]
    assert not out.requires_grad


def test_bincount_weights_node_without_derivative(device, rng):
    x, w = rng.integers(0, 5, size=6), random_array(rng, (6,))
    ours = ag.bincount(ag.tensor(x, device=device), ag.tensor(w, device=device, requires_grad=True))
    theirs = torch.bincount(torch.tensor(x), torch.tensor(w, requires_grad=True))
    assert ours.grad_fn.name() == theirs.grad_fn.name()
    with pytest.raises(RuntimeError) as expected:
        theirs.sum().backward()
    with pytest.raises(RuntimeError) as got:
        ours.sum().backward()
    assert_torch_wording(str(got.value), str(expected.value))


@pytest.mark.parametrize("call", [
    lambda t, x, w: t.bincount(x - 3), lambda t, x, w: t.bincount(x.reshape(3, 4)),
    lambda t, x, w: t.bincount(x.float()), lambda t, x, w: t.bincount(x > 2),
    lambda t, x, w: t.bincount(x, minlength=-1), lambda t, x, w: t.bincount(x.float(), minlength=-1),
    lambda t, x, w: t.bincount(x.reshape(3, 4) - 5, minlength=-1),
    lambda t, x, w: t.bincount(x, w[:5]), lambda t, x, w: t.bincount(x, w.reshape(3, 4)),
    lambda t, x, w: t.bincount(x[0])],
    ids=["negative", "2d", "float", "bool", "minlength", "float_minlength", "2d_minlength",
         "weights_short", "weights_2d", "0d"])
def test_bincount_errors_as_torch(call, device, rng):
    x, w = rng.integers(0, 5, size=12), random_array(rng, (12,))
    try:
        call(torch, torch.tensor(x), torch.tensor(w))
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)) as ours:
            call(ag, ag.tensor(x, device=device), ag.tensor(w, device=device))
        assert_torch_wording(str(ours.value), str(e))
        return
    pytest.fail("torch accepted it")
