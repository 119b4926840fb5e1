"""nansum, nanmean, aminmax, cummax, cummin, logcumsumexp and diff against torch: values, dtypes,
return types, gradients (float64 gradchecks), NaN/tie rows, grad_fn names and error parity."""
import numpy as np
import pytest

import autograd_gpu as ag
from helpers import assert_torch_wording, check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()


def _with_nans(rng, shape):
    data = random_array(rng, shape)
    data[rng.random(shape) < 0.3] = np.nan
    data.flat[0] = 1.5  # never all NaN
    return data


def _distinct(rng, shape):
    """Values with no ties (cummax/cummin/aminmax gradients are then unambiguous)."""
    n = int(np.prod(shape))
    return (rng.permutation(n).reshape(shape) * 0.37 - n * 0.1 + rng.uniform(0, 0.1, shape)) \
        .astype("float32")


CASES = {  # name: (fn, sampler)
    "nansum": (lambda t, x: t.nansum(x), _with_nans),
    "nansum_dim": (lambda t, x: t.nansum(x, 1), _with_nans),
    "nansum_dims_keepdim": (lambda t, x: x.nansum((0, -1), keepdim=True), _with_nans),
    "nansum_dtype": (lambda t, x: t.nansum(x, dtype=t.float64), _with_nans),
    "nanmean": (lambda t, x: t.nanmean(x), _with_nans),
    "nanmean_dim": (lambda t, x: x.nanmean(dim=0, keepdim=True), _with_nans),
    "aminmax": (lambda t, x: tuple(t.aminmax(x)), _distinct),
    "aminmax_dim": (lambda t, x: tuple(t.aminmax(x, dim=1)), _distinct),
    "aminmax_keepdim": (lambda t, x: tuple(x.aminmax(dim=-1, keepdim=True)), _distinct),
    "cummax": (lambda t, x: tuple(t.cummax(x, 1)), _distinct),
    "cummax_dim0": (lambda t, x: tuple(x.cummax(0)), _distinct),
    "cummin": (lambda t, x: tuple(t.cummin(x, -1)), _distinct),
    "logcumsumexp": (lambda t, x: t.logcumsumexp(x, 1), random_array),
    "logcumsumexp_dim0": (lambda t, x: x.logcumsumexp(0), random_array),
    "diff": (lambda t, x: t.diff(x), random_array),
    "diff_n2_dim0": (lambda t, x: t.diff(x, n=2, dim=0), random_array),
    "diff_prepend_append": (lambda t, x: x.diff(dim=1, prepend=x[:, :1] * 2, append=x), random_array),
    "diff_n0": (lambda t, x: t.diff(x, n=0), random_array),
    "diff_large_n": (lambda t, x: t.diff(x, n=7), random_array),
}
NAN_GRADS = {"nansum", "nansum_dim", "nansum_dims_keepdim", "nansum_dtype", "nanmean",
             "nanmean_dim"}


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 5)], ids=str)
@pytest.mark.parametrize("name", CASES)
def test_parity(name, shape, device, rng):
    fn, sample = CASES[name]
    check_parity(fn, sample(rng, shape), device=device, rng=rng)


@pytest.mark.parametrize("name", CASES)
def test_gradcheck(name, device, rng):
    fn, sample = CASES[name]
    if name in NAN_GRADS:  # the finite-difference check needs finite values
        sample = random_array
    check_grad(fn, sample(rng, (3, 4)), device=device)


@pytest.mark.parametrize("name", CASES)
def test_grad_fn_names(name, rng):
    fn, sample = CASES[name]
    x = sample(rng, (3, 4))
    names = []
    for lib in (torch, ag):
        out = fn(lib, lib.tensor(x, requires_grad=True))
        names.append([o.grad_fn.name() for o in (out if isinstance(out, tuple) else (out,))
                      if o.grad_fn is not None])
    assert names[1] == names[0]


@pytest.mark.parametrize("op", ["cummax", "cummin"])
def test_cummax_cummin_ties_and_nans_as_torch(op, device):
    data = np.array([[3.0, 1.0, 3.0, 1.0, np.nan, 0.0, np.nan, 5.0],
                     [1.0, 1.0, 2.0, 2.0, 0.0, -1.0, 7.0, 7.0]], "float32")
    check_parity(lambda t, x: tuple(getattr(t, op)(x, 1)), data, device=device)
    ints = np.array([[2, 5, 5, 1, 5, 0]])
    check_parity(lambda t, x: tuple(getattr(t, op)(x, 1)), ints, device=device, grad=False)
    bools = np.array([[False, True, True, False]])
    check_parity(lambda t, x: tuple(getattr(t, op)(x, -1)), bools, device=device, grad=False)


def test_return_types_print_as_torch(rng):
    x = _distinct(rng, (2, 3))
    for fn in (lambda t, a: t.cummax(a, 1), lambda t, a: t.cummin(a, 0), lambda t, a: t.aminmax(a),
               lambda t, a: t.aminmax(a, dim=0)):
        ours, theirs = fn(ag, ag.tensor(x)), fn(torch, torch.tensor(x))
        assert type(ours).__name__ == type(theirs).__name__
        assert ours._fields == tuple(f for f in ("values", "indices", "min", "max")
                                     if hasattr(theirs, f))
        assert_torch_wording(repr(ours), repr(theirs))


def test_aminmax_ties_share_the_gradient(device):
    data = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0]], "float32")
    check_parity(lambda t, x: tuple(t.aminmax(x)), data, device=device)
    check_parity(lambda t, x: tuple(t.aminmax(x, dim=1)), data, device=device)


def test_zero_dim_and_empty_inputs(device):
    scalar = np.array(1.5, "float32")
    for fn in (lambda t, x: tuple(t.cummax(x, 0)), lambda t, x: tuple(t.cummin(x, -1)),
               lambda t, x: t.logcumsumexp(x, 0), lambda t, x: t.nansum(x),
               lambda t, x: t.nanmean(x), lambda t, x: tuple(t.aminmax(x)),
               lambda t, x: tuple(t.aminmax(x, dim=0))):
        check_parity(fn, scalar, device=device)
    empty = np.zeros((2, 0), "float32")
    for fn in (lambda t, x: tuple(t.cummax(x, 1)), lambda t, x: t.logcumsumexp(x, 1),
               lambda t, x: t.nansum(x, 1), lambda t, x: t.nanmean(x, 1), lambda t, x: t.diff(x)):
        check_parity(fn, empty, device=device)


def test_nan_rows(device):
    data = np.array([[np.nan, np.nan, np.nan], [1.0, np.nan, 2.0]], "float32")
    for fn in (lambda t, x: t.nansum(x, 1), lambda t, x: t.nanmean(x, 1), lambda t, x: t.nanmean(x)):
        check_parity(fn, data, device=device)


def test_logcumsumexp_extremes(device):
    data = np.array([[-1000.0, 0.0, 1000.0, -np.inf], [np.inf, 1.0, -np.inf, 2.0],
                     [-np.inf, -np.inf, 3.0, 80.0]], "float32")
    check_parity(lambda t, x: t.logcumsumexp(x, 1), data, device=device, grad=False)
    wide = np.array([-30.0, 40.0, -20.0, 35.0], "float64")
    check_parity(lambda t, x: t.logcumsumexp(x, 0), wide, device=device)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("name", ["nansum", "nanmean", "aminmax", "cummax", "logcumsumexp",
                                  "diff"])
def test_integer_and_bool_inputs(name, dtype, device, rng):
    data = rng.integers(0, 5, size=(3, 4)).astype(dtype)
    fns = {"nansum": lambda t, x: t.nansum(x, 1), "nanmean": lambda t, x: t.nanmean(x),
           "aminmax": lambda t, x: tuple(t.aminmax(x, dim=0)),
           "cummax": lambda t, x: tuple(t.cummax(x, 1)), "logcumsumexp": lambda t, x:
           t.logcumsumexp(x, 0), "diff": lambda t, x: t.diff(x, dim=0)}
    outcomes = []
    for lib, dev in ((torch, "cpu"), (ag, device)):
        try:
            out = fns[name](lib, lib.tensor(data, device=dev))
            outcomes.append([(str(o.dtype), o.cpu().numpy())
                             for o in (out if isinstance(out, tuple) else (out,))])
        except (RuntimeError, NotImplementedError) as err:
            outcomes.append((type(err), str(err).split("\n")[0].replace("_cuda", "_out_cpu")))
    if isinstance(outcomes[0], tuple):
        assert outcomes[1] == outcomes[0]
        return
    for (dt_o, v_o), (dt_t, v_t) in zip(outcomes[1], outcomes[0]):
        assert dt_o == dt_t
        np.testing.assert_array_equal(v_o, v_t)


def test_diff_prepend_promotes_as_torch(device, rng):
    x = random_array(rng, (3, 4))
    check_parity(lambda t, a, b: t.diff(a, prepend=b), x, random_array(rng, (3, 2), "float64"),
                 device=device)


ERRORS = {
    "nanmean_int": lambda t, x: t.nanmean(t.tensor([1, 2])),
    "nanmean_int_dtype": lambda t, x: t.nanmean(t.tensor([1, 2]), dtype=t.float32),
    "nansum_dim": lambda t, x: t.nansum(x, 2),
    "cummax_dim": lambda t, x: t.cummax(x, 2),
    "cummin_dim": lambda t, x: t.cummin(x, -3),
    "cummax_list": lambda t, x: t.cummax([1.0], 0),
    "logcumsumexp_dim": lambda t, x: t.logcumsumexp(x, 3),
    "logcumsumexp_int": lambda t, x: t.logcumsumexp(t.tensor([1, 2]), 0),
    "logcumsumexp_bool": lambda t, x: t.logcumsumexp(x > 0, 0),
    "aminmax_empty": lambda t, x: t.aminmax(t.ones(0)),
    "aminmax_empty_dim": lambda t, x: t.aminmax(t.ones(2, 0), dim=1),
    "aminmax_dim": lambda t, x: t.aminmax(x, dim=5),
    "diff_0d": lambda t, x: t.diff(t.tensor(1.0)),
    "diff_negative_n": lambda t, x: t.diff(x, n=-1),
    "diff_prepend_shape": lambda t, x: t.diff(x, prepend=t.ones(2, 2)),
    "diff_prepend_ndim": lambda t, x: t.diff(x, prepend=t.ones(3)),
    "diff_append_shape": lambda t, x: t.diff(x, dim=0, append=t.ones(1, 3)),
    "diff_dim": lambda t, x: t.diff(x, dim=2),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_match_torch_and_leave_inputs(name, rng):
    arr = random_array(rng, (3, 4))
    caught = []
    for lib in (torch, ag):
        x = lib.tensor(arr)
        with pytest.raises(Exception) as info:
            ERRORS[name](lib, x)
        np.testing.assert_array_equal(x.numpy(), arr)
        caught.append(info.value)
    assert type(caught[1]) is type(caught[0])
    assert_torch_wording(str(caught[1]), str(caught[0]))
