"""Reductions against torch (median, kthvalue, std_mean, var_mean and count_nonzero too): values,
indices and gradients (dims int/tuple/negative, keepdim, correction), float64 gradcheck and second-order checks, grad_fn graphs, ties, dtypes, errors."""
import numpy as np
import pytest

import autograd_gpu as ag
from helpers import assert_torch_wording, check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()


def graph(node):
    if node is None:
        return None
    return (node.name().split("::")[-1], tuple((graph(f), nr) for f, nr in node.next_functions))


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)



REDUCE = {
    "sum": lambda t, x: x.sum(),
    "sum_fn": lambda t, x: t.sum(x),
    "sum0": lambda t, x: x.sum(0),
    "sum-1": lambda t, x: t.sum(x, -1),
    "sum(0,2)": lambda t, x: x.sum((0, 2)),
    "sum(-1,0)keep": lambda t, x: x.sum((-1, 0), keepdim=True),
    "sum[1]": lambda t, x: x.sum([1]),
    "sum1keep": lambda t, x: x.sum(dim=1, keepdim=True),
    "sum_dtype": lambda t, x: x.sum(-1, dtype=t.float64),
    "mean": lambda t, x: x.mean(),
    "mean1": lambda t, x: t.mean(x, 1),
    "mean(0,-1)": lambda t, x: x.mean((0, -1)),
    "mean-2keep": lambda t, x: x.mean(-2, keepdim=True),
    "var": lambda t, x: x.var(),
    "var0": lambda t, x: x.var(0),
    "var_biased": lambda t, x: x.var(unbiased=False),
    "var(1,2)keep": lambda t, x: t.var(x, (1, 2), keepdim=True),
    "var_positional": lambda t, x: t.var(x, -1, False, True),
    "var_correction0": lambda t, x: x.var(dim=-1, correction=0),
    "var_correction2": lambda t, x: x.var(dim=(0, 2), correction=2),
    "std": lambda t, x: x.std(),
    "std1": lambda t, x: t.std(x, 1),
    "std_biased": lambda t, x: x.std(dim=(0, 1), unbiased=False),
    "std-1keep": lambda t, x: x.std(-1, keepdim=True),
    "std_correction2": lambda t, x: x.std(dim=2, correction=2),
    "max": lambda t, x: x.max(),
    "min": lambda t, x: t.min(x),
    "max_dim": lambda t, x: x.max(1),
    "max_dim-1keep": lambda t, x: t.max(x, dim=-1, keepdim=True),
    "min_dim": lambda t, x: x.min(0),
    "min_dim_keep": lambda t, x: t.min(x, 2, True),
    "amax": lambda t, x: x.amax(),
    "amax0": lambda t, x: t.amax(x, 0),
    "amax(0,2)keep": lambda t, x: x.amax((0, 2), keepdim=True),
    "amin": lambda t, x: t.amin(x),
    "amin-1": lambda t, x: x.amin(-1),
    "amin(1,0)": lambda t, x: x.amin((1, 0)),
    "logsumexp0": lambda t, x: x.logsumexp(0),
    "logsumexp(0,2)": lambda t, x: t.logsumexp(x, (0, 2)),
    "logsumexp-1keep": lambda t, x: x.logsumexp(-1, keepdim=True),
    "logsumexp_all": lambda t, x: t.logsumexp(x, (0, 1, 2)),
    "prod": lambda t, x: x.prod(),
    "prod_fn1": lambda t, x: t.prod(x, 1),
    "prod-1keep": lambda t, x: x.prod(-1, keepdim=True),
    "prod_dtype": lambda t, x: x.prod(0, dtype=t.float64),
    "cumsum0": lambda t, x: x.cumsum(0),
    "cumsum-1": lambda t, x: t.cumsum(x, -1),
    "cumsum_dtype": lambda t, x: x.cumsum(1, dtype=t.float64),
    "cumprod1": lambda t, x: x.cumprod(1),
    "cumprod-1": lambda t, x: t.cumprod(x, -1),
    "norm": lambda t, x: x.norm(),
    "norm_fn_fro1": lambda t, x: t.norm(x, "fro", 1),
    "norm2(0,2)keep": lambda t, x: x.norm(2, (0, 2), True),
    "norm1": lambda t, x: x.norm(1, -1),
    "norm_inf": lambda t, x: t.norm(x, float("inf"), 1),
    "norm_-inf": lambda t, x: x.norm(float("-inf"), (0, 1)),
    "norm3.5": lambda t, x: x.norm(3.5, 2),
    "norm1.5": lambda t, x: x.norm(1.5),
    "norm0.5": lambda t, x: x.norm(0.5, 0),
    "norm_neg": lambda t, x: x.norm(-2, 1),
    "norm0": lambda t, x: x.norm(0, 1),
}
ZERO_D = {  # reductions that are defined on a 0-d tensor
    "sum": lambda t, x: x.sum(), "sum0": lambda t, x: x.sum(0), "mean": lambda t, x: x.mean(),
    "mean-1keep": lambda t, x: x.mean(-1, keepdim=True), "max": lambda t, x: x.max(),
    "max_dim": lambda t, x: x.max(0), "min_dim": lambda t, x: x.min(-1, keepdim=True),
    "amax": lambda t, x: x.amax(), "amin0": lambda t, x: x.amin(0),
    "logsumexp": lambda t, x: x.logsumexp(0), "var_biased": lambda t, x: x.var(correction=0),
    "std_biased": lambda t, x: x.std(0, unbiased=False),
    "prod": lambda t, x: x.prod(), "prod0": lambda t, x: x.prod(0, keepdim=True),
    "cumsum": lambda t, x: x.cumsum(0), "cumprod": lambda t, x: x.cumprod(-1),
    "norm": lambda t, x: x.norm(), "norm_inf0": lambda t, x: x.norm(float("inf"), 0),
}


@pytest.mark.parametrize("name", REDUCE)
def test_reduce_parity(name, device, rng):
    check_parity(REDUCE[name], random_array(rng, (3, 4, 5)), device=device, rng=rng)


@pytest.mark.parametrize("name", ZERO_D)
def test_reduce_0d_parity(name, device, rng):
    check_parity(ZERO_D[name], random_array(rng, ()), device=device, rng=rng)


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "max", "amax", "logsumexp_all"])
def test_reduce_1d_parity(name, device, rng):
    fn = REDUCE[name] if name != "logsumexp_all" else (lambda t, x: x.logsumexp(0))
    check_parity(fn, random_array(rng, (7,)), device=device, rng=rng)


@pytest.mark.parametrize("name", REDUCE)
def test_reduce_gradcheck(name, device, rng):
    check_grad(REDUCE[name], random_array(rng, (2, 3, 3)), device=device)


@pytest.mark.parametrize("name", ["sum0", "mean1", "var0", "std1", "max_dim", "amax(0,2)keep",
                                  "logsumexp(0,2)", "max"])
def test_reduce_of_broadcast_gradcheck(name, device, rng):
    # a broadcasting product feeding the reduction: gradients summed back to each input's shape
    fn = REDUCE[name]
    a, b = random_array(rng, (2, 1, 3)), random_array(rng, (3, 3))
    check_parity(lambda t, x, y: fn(t, x * y), a, b, device=device, rng=rng)
    check_grad(lambda t, x, y: fn(t, x * y), a, b, device=device)


@pytest.mark.parametrize("name", REDUCE)
def test_reduce_graph(name, rng):
    x = random_array(rng, (2, 3, 3))
    ours = _as_tuple(REDUCE[name](ag, ag.tensor(x, requires_grad=True)))[0]
    theirs = _as_tuple(REDUCE[name](torch, torch.tensor(x, requires_grad=True)))[0]
    assert graph(ours.grad_fn) == graph(theirs.grad_fn)


@pytest.mark.parametrize("fn", [lambda t, x: x.max(1), lambda t, x: t.min(x, dim=0, keepdim=True)],
                         ids=["max", "min"])
def test_max_min_dim_named_tuple(fn, device, rng):
    x = random_array(rng, (3, 4))
    ours, theirs = fn(ag, ag.tensor(x, device=device)), fn(torch, torch.tensor(x))
    values, indices = ours
    assert values is ours.values and indices is ours.indices and ours[0] is ours.values
    assert type(ours).__name__ == type(theirs).__name__
    assert str(ours.indices.dtype) == "torch.int64" and not ours.indices.requires_grad
    np.testing.assert_array_equal(ours.indices.cpu().numpy(), theirs.indices.numpy())
    np.testing.assert_allclose(ours.values.cpu().numpy(), theirs.values.numpy())


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "max", "amax", "logsumexp_all"])
def test_full_reduction_takes_inplace_writes(name, device, rng):
    x = random_array(rng, (2, 3, 4))
    results = []
    for t, dev in ((ag, device), (torch, "cpu")):
        y = REDUCE[name](t, t.tensor(x, device=dev))
        y.mul_(3)
        y -= 1
        results.append(float(y))
    assert results[0] == pytest.approx(results[1], rel=1e-5)


@pytest.mark.parametrize("name", ["max", "amax0", "amax(0,2)keep", "amin", "logsumexp0", "std1"])
def test_inplace_write_into_result_fails_backward(name, device, rng):
    # ops that read their own result in backward refuse it once modified in place, as torch's do
    for t, dev in ((torch, "cpu"), (ag, device)):
        x = t.tensor(random_array(rng, (2, 3, 4)), device=dev, requires_grad=True)
        y = _as_tuple(REDUCE[name](t, x))[0]
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_max_dim_values_written_in_place_still_backward(device, rng):
    # max(dim) saves only its indices: its values may be modified in place (torch)
    def fn(t, x):
        values = x.max(1).values
        values.mul_(2)
        return values
    check_parity(fn, random_array(rng, (3, 4)), device=device, rng=rng)


# -- ties ----------------------------------------------------------------------------------------

TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [-1.0, 0.5, -1.0, 0.5]], "float32")
TIE_OPS = {
    "max": lambda t, x: x.max(), "min": lambda t, x: x.min(),
    "max_dim": lambda t, x: x.max(1), "min_dim": lambda t, x: x.min(1),
    "max_dim0": lambda t, x: x.max(0), "min_dim0_keep": lambda t, x: x.min(0, keepdim=True),
    "amax": lambda t, x: x.amax(), "amax1": lambda t, x: x.amax(1), "amin0": lambda t, x: x.amin(0),
    "amin(0,1)": lambda t, x: x.amin((0, 1)), "amax_keep": lambda t, x: x.amax(-1, keepdim=True),
}


@pytest.mark.parametrize("name", TIE_OPS)
def test_ties(name, device):
    # max()/amax/amin share the gradient evenly among ties; max(dim) gives it to the index returned
    check_parity(TIE_OPS[name], TIES, device=device, rng=np.random.default_rng(0))


@pytest.mark.parametrize("fn", [lambda t, x: x.argmax(), lambda t, x: x.argmin(),
                                lambda t, x: t.argmax(x, 1), lambda t, x: x.argmin(dim=0),
                                lambda t, x: x.argmax(-1, keepdim=True),
                                lambda t, x: t.argmin(x, dim=1, keepdim=True),
                                lambda t, x: x.argmax(keepdim=True)],
                         ids=["all", "all_min", "dim1", "min_dim0", "keep", "min_keep", "all_keep"])
@pytest.mark.parametrize("data", ["ties", "random", "int", "bool"])
def test_argmax_argmin(fn, data, device, rng):
    x = {"ties": TIES, "random": random_array(rng, (3, 4)),
         "int": random_array(rng, (3, 4), "int64", integers=(-2, 3)),
         "bool": random_array(rng, (3, 4), "bool")}[data]
    if data == "bool":
        with pytest.raises(RuntimeError, match="bool"):
            fn(ag, ag.tensor(x, device=device))
        return
    out = check_parity(fn, x, device=device, grad=False)[0]
    assert str(out.dtype) == "torch.int64"


@pytest.mark.parametrize("fn", [lambda t, x: x.argmax(), lambda t, x: x.argmin(0),
                                lambda t, x: x.argmax(0, keepdim=True)], ids=["all", "dim", "keep"])
def test_argmax_0d(fn, device, rng):
    check_parity(fn, random_array(rng, ()), device=device, grad=False)


# -- logsumexp: large values and infinities -------------------------------------------------------

def test_logsumexp_large_and_infinite(device):
    x = np.array([[1000.0, 999.0, -1000.0], [-np.inf, 2.0, 1.0], [-np.inf, -np.inf, -np.inf],
                  [-1e30, 0.0, 1e-3], [np.inf, 1.0, 0.0]], "float32")
    check_parity(lambda t, v: v.logsumexp(1), x, device=device, rng=np.random.default_rng(0))
    check_parity(lambda t, v: t.logsumexp(v[:2], 0, keepdim=True), x, device=device,
                 rng=np.random.default_rng(0))
    with np.errstate(over="ignore"):  # -1e30 * 1e300 is -inf, on purpose
        huge = x.astype("float64") * 1e300
    check_parity(lambda t, v: v.logsumexp(1), huge, device=device, grad=False)


# -- dtypes ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["bool", "int32", "int64", "uint8", "int8", "int16"])
@pytest.mark.parametrize("fn", [lambda t, x: x.sum(), lambda t, x: x.sum(0),
                                lambda t, x: t.sum(x, (0, 1), keepdim=True),
                                lambda t, x: x.sum(1, dtype=t.float32),
                                lambda t, x: x.max(), lambda t, x: x.amax(0), lambda t, x: x.min(1),
                                lambda t, x: x.logsumexp(1)],
                         ids=["sum", "sum0", "sum_keep", "sum_dtype", "max", "amax", "min_dim", "lse"])
def test_integer_and_bool_reductions(fn, dtype, device, rng):
    x = random_array(rng, (3, 4), "bool") if dtype == "bool" else \
        random_array(rng, (3, 4), dtype, integers=(0, 100))
    check_parity(fn, x, device=device, grad=False)


@pytest.mark.parametrize("fn", [lambda t, x: x.sum(), lambda t, x: x.sum(1), lambda t, x: x.mean(),
                                lambda t, x: x.mean(0), lambda t, x: x.var(1), lambda t, x: x.std(),
                                lambda t, x: x.amax(1), lambda t, x: x.max(0),
                                lambda t, x: x.logsumexp(1)],
                         ids=["sum", "sum1", "mean", "mean0", "var1", "std", "amax", "max_dim", "lse"])
def test_float16_reductions(fn, device, rng):
    # torch accumulates half in float32: long rows of ones and random values
    x = random_array(rng, (4, 600), "float16", low=0.5, high=1.5)
    check_parity(fn, x, device=device, grad=False, atol=1e-2, rtol=2e-3)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_mean_dtype_argument(dtype, device, rng):
    x = random_array(rng, (3, 4), "int64", integers=(0, 9))
    fn = lambda t, v: v.mean(1, dtype=getattr(t, dtype))  # noqa: E731
    if dtype == "int64":
        with pytest.raises(RuntimeError, match="mean"):
            fn(ag, ag.tensor(x, device=device))
    else:
        check_parity(fn, x, device=device, grad=False)


# -- errors ------------------------------------------------------------------------------------------

ERRORS = {
    "sum_dim_out_of_range": (lambda x: x.sum(3), IndexError, "Dimension out of range"),
    "mean_dim_out_of_range": (lambda x: x.mean(-4), IndexError, "Dimension out of range"),
    "max_dim_out_of_range": (lambda x: x.max(5), IndexError, "Dimension out of range"),
    "argmax_dim_out_of_range": (lambda x: x.argmax(3), IndexError, "Dimension out of range"),
    "amax_repeated_dim": (lambda x: x.amax((0, -3)), RuntimeError, "multiple times"),
    "sum_repeated_dim": (lambda x: x.sum((1, 1)), RuntimeError, "multiple times"),
    "mean_of_int": (lambda x: x.long().mean(), RuntimeError, "mean"),
    "var_of_int": (lambda x: x.long().var(), RuntimeError, "floating point"),
    "max_of_empty": (lambda x: x[:0].max(), RuntimeError, "numel"),
    "argmax_of_empty": (lambda x: x[:0].argmax(), IndexError, "numel"),  # torch's class
    "max_dim_of_empty": (lambda x: x[:0].max(0), IndexError, "non-zero size"),
    "sum_of_list": (lambda x: ag.sum([1.0, 2.0]), TypeError, "Tensor"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors(name, device, rng):
    fn, exc, match = ERRORS[name]
    x = ag.tensor(random_array(rng, (2, 3, 4)), device=device)
    with pytest.raises(exc, match=match):
        fn(x)


def test_empty_reductions(device):
    x = np.zeros((0, 3), "float32")
    for fn in (lambda t, v: v.sum(), lambda t, v: v.sum(0), lambda t, v: v.amax(1),
               lambda t, v: v.max(1), lambda t, v: v.logsumexp(0)):
        check_parity(fn, x, device=device)


# -- prod, cumsum, cumprod, norm: zeros, dtypes, errors -------------------------------------------

def _with_zeros(rng, count):
    x = random_array(rng, (3, 4))
    x[1, 2] = 0
    if count > 1:
        x[1, 0] = 0
        x[2, 3] = 0  # a second row with one zero
    if count > 2:
        x[0, :3] = 0
    return x


PROD_ZERO_OPS = {"prod": lambda t, x: x.prod(), "prod1": lambda t, x: x.prod(1),
                 "prod0keep": lambda t, x: t.prod(x, 0, keepdim=True),
                 "cumprod1": lambda t, x: x.cumprod(1), "cumprod0": lambda t, x: t.cumprod(x, 0)}


@pytest.mark.parametrize("zeros", [1, 2, 3])
@pytest.mark.parametrize("name", PROD_ZERO_OPS)
def test_prod_cumprod_with_zeros(name, zeros, device, rng):
    """One zero: the product of the others at it; two or more in a slice: 0 (torch's
    prod_backward / cumprod_backward), not the NaN of y / x."""
    x = _with_zeros(rng, zeros)
    check_parity(PROD_ZERO_OPS[name], x, device=device, rng=rng)
    check_grad(PROD_ZERO_OPS[name], x, device=device, second_order=name.startswith("prod"))


def test_prod_one_zero_gradient_is_product_of_others(device):
    x = ag.tensor([2.0, 0.0, 3.0, 4.0], device=device, requires_grad=True)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.cpu().numpy(), [0.0, 24.0, 0.0, 0.0])
    x = ag.tensor([2.0, 0.0, 3.0, 0.0], device=device, requires_grad=True)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.cpu().numpy(), [0.0, 0.0, 0.0, 0.0])


@pytest.mark.parametrize("p", ["fro", 2, 1, float("inf"), 3.0, 1.5])
def test_norm_at_zero(p, device):
    """The gradient at a zero norm is 0, not NaN (torch's masked_fill)."""
    x = np.zeros((2, 3), "float32")
    x[1] = [1.0, -2.0, 0.5]  # one zero row, one not: dim=1 has a zero norm and a nonzero one
    check_parity(lambda t, v: t.norm(v, p, 1), x, device=device)
    check_parity(lambda t, v: t.norm(v * 0, p), x, device=device)
    out = ag.tensor(np.zeros(3, "float32"), device=device, requires_grad=True)
    ag.norm(out, p).backward()
    assert np.isfinite(out.grad.cpu().numpy()).all()


def test_norm_0_has_no_gradient(device, rng):
    x = ag.tensor(random_array(rng, (2, 3)), device=device, requires_grad=True)
    ag.norm(x, 0).backward()
    t = torch.tensor(random_array(rng, (2, 3)), requires_grad=True)
    torch.norm(t, 0).backward()
    assert t.grad is None and (x.grad is None or not x.grad.cpu().numpy().any())


@pytest.mark.parametrize("dtype", ["bool", "int32", "int64", "float16", "float64"])
@pytest.mark.parametrize("call", [lambda t, x: x.prod(), lambda t, x: x.prod(1),
                                  lambda t, x: x.cumsum(0), lambda t, x: t.cumprod(x, 1),
                                  lambda t, x: x.prod(dtype=t.float32),
                                  lambda t, x: x.cumsum(1, dtype=t.int32), lambda t, x: x.norm(),
                                  lambda t, x: x.norm(3, 1), lambda t, x: x.norm(dtype=t.float64)],
                         ids=["prod", "prod1", "cumsum", "cumprod", "prod_dtype", "cumsum_dtype",
                              "norm", "norm3", "norm_dtype"])
def test_reduction_dtypes_as_torch(call, dtype, device):
    x = np.array([[1, 0, 3], [2, 1, 2]]).astype(dtype)
    try:
        theirs = call(torch, torch.tensor(x))
    except Exception as e:  # noqa: BLE001 - the oracle's class and words
        with pytest.raises(type(e)) as ours:
            call(ag, ag.tensor(x, device=device))
        assert str(ours.value) == str(e)
        return
    ours = call(ag, ag.tensor(x, device=device))
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_allclose(ours.cpu().numpy().astype("float64"),
                               theirs.numpy().astype("float64"), rtol=1e-3)


@pytest.mark.parametrize("call", [
    lambda t, x: x.prod((0, 1)), lambda t, x: x.cumsum(2), lambda t, x: t.norm(x, "abc"),
    lambda t, x: t.norm(x.unsqueeze(0), "fro", (0, 1, 2)),
    lambda t, x: x.prod(1, dtype=t.int64), lambda t, x: x.cumsum(0, dtype=t.int64),
    lambda t, x: x.norm(float("inf"), 0) if x.shape[0] else x[:0].norm(float("inf")),
    lambda t, x: x[:0].norm(float("inf")), lambda t, x: x[:0].norm(-1, 0)],
    ids=["prod_tuple", "cumsum_dim", "norm_order", "fro_3_dims", "prod_int_grad",
         "cumsum_int_grad", "norm_inf_ok", "norm_inf_empty", "norm_neg_empty_dim"])
def test_reduction_errors_as_torch(call, device, rng):
    a = random_array(rng, (2, 3))
    try:
        theirs = call(torch, torch.tensor(a, requires_grad=True))
    except Exception as e:  # noqa: BLE001
        x = ag.tensor(a, device=device, requires_grad=True)
        with pytest.raises(type(e)):
            call(ag, x)
        np.testing.assert_array_equal(x.detach().cpu().numpy(), a)
        return
    ours = call(ag, ag.tensor(a, device=device, requires_grad=True))
    np.testing.assert_allclose(ours.detach().cpu().numpy(), theirs.detach().numpy(), rtol=1e-5)


# -- median, kthvalue, std_mean / var_mean, count_nonzero ----------------------------------------

def _distinct(rng, shape, dtype="float32"):
    """Random values without ties (the index of a tied median or kthvalue is unspecified)."""
    n = int(np.prod(shape))
    return (rng.permutation(n).reshape(shape) * 0.37 - n * 0.1 + rng.uniform(0, 0.1)).astype(dtype)


SELECT = {
    "median": lambda t, x: x.median(),
    "median_fn": lambda t, x: t.median(x),
    "median_even": lambda t, x: x[:, :2].median(),
    "median1": lambda t, x: x.median(1),
    "median0keep": lambda t, x: t.median(x, 0, keepdim=True),
    "median-1": lambda t, x: x.median(dim=-1),
    "kthvalue": lambda t, x: x.kthvalue(2),
    "kthvalue0": lambda t, x: t.kthvalue(x, 3, 0),
    "kthvalue1keep": lambda t, x: x.kthvalue(4, dim=1, keepdim=True),
    "kthvalue_last": lambda t, x: x.kthvalue(x.shape[-1]),
    "std_mean": lambda t, x: t.std_mean(x),
    "std_mean1": lambda t, x: t.std_mean(x, 1),
    "std_mean_keep": lambda t, x: t.std_mean(x, (0, 2), keepdim=True, correction=0),
    "var_mean": lambda t, x: t.var_mean(x),
    "var_mean-1": lambda t, x: t.var_mean(x, -1, unbiased=False),
    "var_mean_keep": lambda t, x: t.var_mean(x, dim=[0, 1], keepdim=True, correction=2),
}


@pytest.mark.parametrize("name", SELECT)
def test_select_reductions(name, device, rng):
    x = _distinct(rng, (3, 5, 4))
    outs = check_parity(SELECT[name], x, device=device, rng=rng)
    theirs = _as_tuple(SELECT[name](torch, torch.tensor(x, requires_grad=True)))
    assert ([o.grad_fn and o.grad_fn.name() for o in outs]
            == [t.grad_fn and t.grad_fn.name() for t in theirs])
    assert type(SELECT[name](ag, ag.tensor(x))).__name__ == type(SELECT[name](torch, torch.tensor(x))).__name__


@pytest.mark.parametrize("name", ["median", "median_even", "median1", "kthvalue0", "std_mean1",
                                  "var_mean_keep"])
def test_select_reductions_gradcheck(name, device, rng):
    check_grad(SELECT[name], _distinct(rng, (3, 5, 4)), device=device,
               second_order=name.startswith(("std", "var")))


def test_median_kthvalue_named_tuples(device, rng):
    x = _distinct(rng, (3, 4))
    for call in (lambda t, v: v.median(1), lambda t, v: t.kthvalue(v, 2, 0, keepdim=True)):
        ours, theirs = call(ag, ag.tensor(x, device=device)), call(torch, torch.tensor(x))
        values, indices = ours
        assert values is ours.values and indices is ours.indices and ours[1] is ours.indices
        assert type(ours).__name__ == type(theirs).__name__
        assert str(ours.indices.dtype) == "torch.int64"
        np.testing.assert_array_equal(ours.indices.cpu().numpy(), theirs.indices.numpy())
        assert_torch_wording(repr(call(ag, ag.tensor([[1.0, 2.0], [4.0, 3.0]]))),
                             repr(call(torch, torch.tensor([[1.0, 2.0], [4.0, 3.0]]))))


NAN_ROWS = np.array([[3.0, 1.0, 2.0, 5.0, 4.0], [np.nan, 1.5, 0.0, 2.0, 7.0],
                     [1.0, 6.0, np.nan, 2.5, 0.5]], "float32")


@pytest.mark.parametrize("call", [lambda t, x: x.median(), lambda t, x: x[0].median(),
                                  lambda t, x: x.median(1), lambda t, x: x.median(0),
                                  lambda t, x: x.kthvalue(5, 1), lambda t, x: x.kthvalue(2, 1),
                                  lambda t, x: x.kthvalue(1, 0)],
                         ids=["all", "row", "dim1", "dim0", "k_last", "k2", "dim0k1"])
def test_median_kthvalue_nan(call, device, rng):
    # a slice with one NaN: the median and the last kthvalue are that NaN (NaN counts largest)
    check_parity(call, NAN_ROWS, device=device, rng=rng)


@pytest.mark.parametrize("call", [lambda t, x: x.median(), lambda t, x: x.median(0),
                                  lambda t, x: x.kthvalue(1, 0), lambda t, x: x.kthvalue(2),
                                  lambda t, x: x.count_nonzero(),
                                  lambda t, x: t.var_mean(x, correction=0)],
                         ids=["median", "median0", "kthvalue", "kthvalue_out_of_range",
                              "count_nonzero", "var_mean"])
def test_select_reductions_0d(call, device, rng):
    x = random_array(rng, ())
    try:
        theirs = call(torch, torch.tensor(x))
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)) as ours:
            call(ag, ag.tensor(x, device=device))
        assert_torch_wording(str(ours.value), str(e))
        return
    check_parity(call, x, device=device, rng=rng, grad=not isinstance(theirs, torch.Tensor)
                 or theirs.dtype.is_floating_point)


@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_median_kthvalue_integers(dtype, device, rng):
    x = (rng.permutation(24).reshape(4, 6) - 12).astype(dtype)
    for call in (lambda t, v: v.median(), lambda t, v: v.median(1), lambda t, v: v.kthvalue(3, 0),
                 lambda t, v: t.median(v[:, :4], 0, keepdim=True)):
        check_parity(call, x, device=device, grad=False)


@pytest.mark.parametrize("call", [
    lambda t, x: x.count_nonzero(), lambda t, x: t.count_nonzero(x, 1),
    lambda t, x: t.count_nonzero(x, dim=(0, 2)), lambda t, x: x.count_nonzero(-1),
    lambda t, x: (x > 0).count_nonzero(0), lambda t, x: x.long().count_nonzero((1,))],
    ids=["all", "dim", "dims", "neg", "bool", "int"])
def test_count_nonzero(call, device, rng):
    x = random_array(rng, (3, 4, 5), integers=(-1, 2))
    out = check_parity(call, x, device=device, grad=False)[0]
    assert str(out.dtype) == "torch.int64" and not out.requires_grad


@pytest.mark.parametrize("call", [
    lambda t, x: x.kthvalue(0), lambda t, x: x.kthvalue(4, 0), lambda t, x: x.kthvalue(4, 1),
    lambda t, x: x.kthvalue(1, 2), lambda t, x: x.median(-3), lambda t, x: x[:, :0].median(1),
    lambda t, x: x[:, :0].kthvalue(1), lambda t, x: x[:0].median(),
    lambda t, x: (x > 0).median(), lambda t, x: (x > 0).median(0),
    lambda t, x: t.var_mean(x.long()), lambda t, x: t.std_mean(x, (0, 0)),
    lambda t, x: t.count_nonzero(x, (1, 1)), lambda t, x: t.count_nonzero(x, 2)],
    ids=["k0", "k_big", "k_ok", "kdim", "median_dim", "median_empty_dim", "kthvalue_empty_dim",
         "median_empty", "median_bool", "median_bool_dim", "var_mean_long", "std_mean_repeat",
         "count_repeat", "count_dim"])
def test_select_reduction_errors_as_torch(call, device, rng):
    a = _distinct(rng, (3, 4))
    try:
        theirs = call(torch, torch.tensor(a, requires_grad=True))
    except Exception as e:  # noqa: BLE001
        x = ag.tensor(a, device=device, requires_grad=True)
        with pytest.raises(type(e)) as ours:
            call(ag, x)
        assert_torch_wording(str(ours.value), str(e))
        np.testing.assert_array_equal(x.detach().cpu().numpy(), a)
        return
    ours = call(ag, ag.tensor(a, device=device, requires_grad=True))
    for o, t in zip(_as_tuple(ours), _as_tuple(theirs)):
        assert str(o.dtype) == str(t.dtype)
        np.testing.assert_allclose(o.detach().cpu().numpy(), t.detach().numpy(), rtol=1e-5)


@pytest.mark.parametrize("op", ["std_mean", "var_mean"])
def test_spread_mean_without_degrees_of_freedom_warns_as_torch(op, device, rng):
    a = _distinct(rng, (3, 4))
    found = []
    for t, dev in ((torch, "cpu"), (ag, device)):
        with pytest.warns(UserWarning, match="degrees of freedom is <= 0") as record:
            out = getattr(t, op)(t.tensor(a, device=dev), 0, correction=3)
        found.append((str(record[0].message).split(" (Triggered")[0],
                      [o.cpu().numpy() for o in out]))
    assert_torch_wording(found[1][0], found[0][0])
    for o, t in zip(found[1][1], found[0][1]):
        np.testing.assert_allclose(o, t, rtol=1e-5)


SCANS_AND_SPREADS = {
    "cumsum": lambda t, x, d: t.cumsum(x, d),
    "cumsum_half": lambda t, x, d: t.cumsum(x.half(), d),
    "cumprod": lambda t, x, d: t.cumprod(1 + x / 100, d),
    "var": lambda t, x, d: x.var(d),
    "std": lambda t, x, d: x.std(d, correction=0),
    "var_mean": lambda t, x, d: t.var_mean(x, d)[0],
    "std_mean": lambda t, x, d: t.std_mean(x, d)[0],
    "var_half": lambda t, x, d: x.half().var(d),
}


@pytest.mark.parametrize("name", SCANS_AND_SPREADS)
@pytest.mark.parametrize("shape, dim", [((3000,), 0), ((200, 64), 0), ((64, 200), 1),
                                        ((2, 700, 3), 1)])
def test_scans_and_spreads_accumulate_as_torchs_cpu(name, shape, dim, rng):
    """torch's CPU cumsum/cumprod/var/std accumulate float32 in float64 (float16 in float32) and
    round once: the same bits, where a float32 running sum of 3000 values is off by ~1e-5."""
    x = random_array(rng, shape) + 0.3
    ours = SCANS_AND_SPREADS[name](ag, ag.tensor(x), dim)
    theirs = SCANS_AND_SPREADS[name](torch, torch.tensor(x), dim)
    assert str(ours.dtype) == str(theirs.dtype)
    assert ours.detach().numpy().tobytes() == theirs.detach().numpy().tobytes()
