"""``autograd_gpu.fuse`` against torch eager: values and every input gradient of fused expressions
(an 8-op chain, the GELU-tanh and BCE-with-logits formulas, broadcasting, 0-d tensors, scalar
arguments, float16/32/64 and their promotion), float64 gradcheck and gradgradcheck, the one graph
node and its name, tracing once per signature, and the TypeError for what cannot be fused."""
import math
from functools import partial

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu.fusion import erf, fuse
from fusion.chains import chain8
from helpers import check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()


def gelu_tanh(t, x):
    k = math.sqrt(2.0 / math.pi)
    return 0.5 * x * (1.0 + t.tanh(k * (x + 0.044715 * (x * x * x))))


def bce_with_logits(t, x, y):
    """The formula of torch's binary_cross_entropy_with_logits (reduction='none'): no overflow for
    large |x|, and its gradient at x = 0 is torch's, sigmoid(0) - y."""
    m = t.clamp(-x, min=0)
    return (1 - y) * x + m + t.log(t.exp(-m) + t.exp(-x - m))


def mixed(t, x, y, s):
    """Comparisons, where, maximum/minimum, clamp, pow, division, abs, sqrt and a scalar."""
    m = t.where(x > y, x * s, y - s)
    return t.maximum(m, x.clamp(-0.5, 0.75)) + t.minimum(x, y) ** 2 / (1 + y.abs().sqrt())


FUSED = {
    "chain8": fuse(lambda x, y: chain8(ag, x, y)),
    "gelu_tanh": fuse(lambda x: gelu_tanh(ag, x)),
    "bce_with_logits": fuse(lambda x, y: bce_with_logits(ag, x, y)),
    "mixed": fuse(lambda x, y, s: mixed(ag, x, y, s)),
}
EAGER = {
    "chain8": lambda x, y: chain8(torch, x, y),
    "gelu_tanh": lambda x: torch.nn.functional.gelu(x, approximate="tanh"),
    "bce_with_logits": lambda x, y: torch.nn.functional.binary_cross_entropy_with_logits(
        x, y, reduction="none"),
    "mixed": lambda x, y, s: mixed(torch, x, y, s),
}
ARITY = {"chain8": 2, "gelu_tanh": 1, "bce_with_logits": 2, "mixed": 2}
SCALARS = {"mixed": (1.75,)}


def versus_torch(name):
    scalars = SCALARS.get(name, ())
    return lambda t, *xs: (FUSED[name] if t is ag else EAGER[name])(*xs, *scalars)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", FUSED)
def test_parity_with_torch(name, dtype, device, rng):
    arrays = [random_array(rng, (4, 5), dtype) for _ in range(ARITY[name])]
    tol = dict(atol=1e-5, rtol=1e-4) if dtype == "float32" else dict(atol=1e-12, rtol=1e-10)
    check_parity(versus_torch(name), *arrays, device=device, rng=rng, **tol)


@pytest.mark.parametrize("shapes", [((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((), (3, 2)),
                                    ((5, 1, 3), (1, 2, 1)), ((), ())], ids=str)
@pytest.mark.parametrize("name", ["chain8", "bce_with_logits", "mixed"])
def test_broadcasting_parity(name, shapes, device, rng):
    """torch's own BCE takes one shape only: its formula in torch ops is the reference here."""
    formula = {"chain8": chain8, "bce_with_logits": bce_with_logits, "mixed": mixed}[name]
    scalars = SCALARS.get(name, ())
    arrays = [random_array(rng, s, "float64") for s in shapes]
    check_parity(lambda t, *xs: (FUSED[name] if t is ag else partial(formula, t))(*xs, *scalars),
                 *arrays, device=device, rng=rng, atol=1e-12, rtol=1e-10)


def test_large_logits_stay_finite(device, rng):
    """The BCE formula's log(1 + exp(-|x|)) never overflows, as in torch's kernel."""
    x = np.array([-1e4, -50.0, 0.0, 50.0, 1e4], dtype="float32")
    y = random_array(rng, (5,), "float32", low=0.0, high=1.0)
    out = check_parity(versus_torch("bce_with_logits"), x, y, device=device, rng=rng)
    assert np.isfinite(out[0].detach().cpu().numpy()).all()


@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("float16", "float32"),
                                    ("float16", "float16")], ids=str)
def test_dtype_promotion_follows_torch(dtypes, device, rng):
    arrays = [random_array(rng, (3, 4), d) for d in dtypes]
    tol = dict(atol=2e-3, rtol=2e-2) if "float16" in dtypes else dict(atol=1e-5, rtol=1e-4)
    out = check_parity(versus_torch("chain8"), *arrays, device=device, rng=rng, **tol)
    assert out[0].dtype is torch_to_ag(torch.promote_types(*(getattr(torch, d) for d in dtypes)))


def torch_to_ag(dtype):
    return getattr(ag, str(dtype).replace("torch.", ""))


def test_zero_dim_tensor_does_not_promote(device, rng):
    """A 0-d float64 tensor joins a float32 tensor as float32, as in torch."""
    x, s = random_array(rng, (3, 4)), np.array(1.5)
    out = check_parity(versus_torch("chain8"), x, s, device=device, rng=rng)
    assert out[0].dtype is ag.float32


SCALAR_FNS = {  # name: (fn(t, x, *scalars), scalars)
    "float": (lambda t, x, a, b: x * a + b, (0.25, -3.5)),
    "int": (lambda t, x, n: x * n - n, (3,)),
    "bool": (lambda t, x, flag: x * flag + x, (True,)),
    "pow": (lambda t, x, p: x.abs() ** p, (1.5,)),
    "clamp": (lambda t, x, lo, hi: t.clamp(x, lo, hi), (-0.5, 0.5)),
    "rpow": (lambda t, x: 2.0 ** x + 3 / (x.abs() + 1), ()),
}


@pytest.mark.parametrize("name", SCALAR_FNS)
def test_python_scalars(name, device, rng):
    fn, scalars = SCALAR_FNS[name]
    fused = fuse(lambda x, *s: fn(ag, x, *s))
    x = random_array(rng, (3, 4), "float64")
    check_parity(lambda t, v: fused(v, *scalars) if t is ag else fn(t, v, *scalars), x,
                 device=device, rng=rng, atol=1e-12, rtol=1e-10)


def test_scalar_values_are_parameters_not_constants(device, rng):
    fused = fuse(lambda x, a: x * a)
    x = ag.tensor(random_array(rng, (4,)), device=device)
    for a in (0.5, -2.0, 7.25):
        np.testing.assert_allclose(fused(x, a).cpu().numpy(), x.cpu().numpy() * np.float32(a))
    assert fused.trace_count == 1


def test_traced_once_per_signature(device, rng):
    calls = []

    def body(x, y):
        calls.append(1)
        return x * y + y

    fused = fuse(body)
    a, b = (ag.tensor(random_array(rng, (3, 4)), device=device) for _ in range(2))
    fused(a, b)
    fused(b, a)
    fused(ag.tensor(random_array(rng, (5, 2)), device=device),
          ag.tensor(random_array(rng, (5, 1)), device=device))  # another shape: the same program
    assert fused.trace_count == 1 and len(calls) == 1
    fused(a.double(), b)  # another dtype: traced again
    fused(a, ag.tensor(1.5, device=device))  # a 0-d tensor promotes differently: traced again
    assert fused.trace_count == 3 and len(calls) == 3


def test_one_graph_node_with_a_torch_style_name(rng):
    x, y = (ag.tensor(random_array(rng, (3,)), requires_grad=True) for _ in range(2))
    z = FUSED["chain8"](x, y)
    assert z.grad_fn.name() == "FusedBackward"
    assert repr(z.grad_fn).startswith("<FusedBackward object at 0x")
    assert [type(f).__name__ for f, _ in z.grad_fn.next_functions] == ["AccumulateGrad"] * 2
    named = fuse(lambda v: v * 2, name="MyOpBackward0")(x)
    assert named.grad_fn.name() == "MyOpBackward0"


def test_inputs_that_need_no_grad(device, rng):
    x = ag.tensor(random_array(rng, (3, 4)), device=device, requires_grad=True)
    y = ag.tensor(random_array(rng, (3, 4)), device=device)
    FUSED["chain8"](x, y).sum().backward()
    assert y.grad is None
    xt = torch.tensor(x.detach().cpu().numpy(), requires_grad=True)
    chain8(torch, xt, torch.tensor(y.cpu().numpy())).sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_backward_saves_only_the_inputs_it_reads(rng):
    x, y = (ag.tensor(random_array(rng, (3,)), requires_grad=True) for _ in range(2))
    z = fuse(lambda a, b: a * 2 + b)(x, y)
    assert z.grad_fn.saved_tensors == (None, None)
    z = fuse(lambda a, b: a * b)(x, y)
    assert z.grad_fn.saved_tensors == (x, y)


def test_gradient_of_an_input_used_only_in_a_mask_is_none(rng):
    x, y = (ag.tensor(random_array(rng, (3,)), requires_grad=True) for _ in range(2))
    fuse(lambda a, b: ag.where(a > 0, b, 0.0))(x, y).sum().backward()
    assert x.grad is None and y.grad is not None


@pytest.mark.parametrize("name", FUSED)
def test_gradcheck_and_gradgradcheck(name, device, rng):
    scalars = SCALARS.get(name, ())
    arrays = [random_array(rng, (2, 3), "float64") for _ in range(ARITY[name])]
    if name == "mixed":  # keep central differences off the kinks of where/maximum/clamp
        arrays[1] = arrays[0] + np.where(rng.random((2, 3)) > 0.5, 0.7, -0.7)
        arrays[0][np.abs(arrays[0] + 0.5) < 0.05] = 0.2
        arrays[0][np.abs(arrays[0] - 0.75) < 0.05] = 0.2
    check_grad(lambda t, *xs: FUSED[name](*xs, *scalars), *arrays, device=device)


def test_gradcheck_with_broadcasting(device, rng):
    check_grad(lambda t, x, y: FUSED["chain8"](x, y), random_array(rng, (3, 1), "float64"),
               random_array(rng, (1, 4), "float64"), device=device)


def test_double_backward_is_fused_too(rng):
    x = ag.tensor(random_array(rng, (3,), "float64"), requires_grad=True)
    y = FUSED["gelu_tanh"](x)
    (g,) = ag.autograd.grad(y.sum(), x, create_graph=True)
    assert g.grad_fn.name() == "FusedBackwardBackward"
    (gg,) = ag.autograd.grad(g.sum(), x)
    xt = torch.tensor(x.detach().numpy(), requires_grad=True)
    (gt,) = torch.autograd.grad(gelu_tanh(torch, xt).sum(), xt, create_graph=True)
    (ggt,) = torch.autograd.grad(gt.sum(), xt)
    np.testing.assert_allclose(gg.numpy(), ggt.numpy(), rtol=1e-10, atol=1e-12)


def test_several_outputs(device, rng):
    def both(t, x, y):
        s = t.sigmoid(x * y)
        return s * x, s - y

    fused = fuse(lambda x, y: both(ag, x, y))
    arrays = [random_array(rng, (3, 4), "float64") for _ in range(2)]
    check_parity(lambda t, x, y: fused(x, y) if t is ag else both(t, x, y), *arrays,
                 device=device, rng=rng, atol=1e-12, rtol=1e-10)
    check_grad(lambda t, x, y: fused(x, y), *arrays, device=device)


def test_output_shape_is_that_of_the_inputs_it_uses(device, rng):
    fused = fuse(lambda x, y: x.exp())
    out = fused(ag.tensor(random_array(rng, (4,)), device=device),
                ag.tensor(random_array(rng, (3, 4)), device=device))
    assert out.shape == (4,)


def test_bool_tensor_argument(device, rng):
    fused = fuse(lambda x, mask: ag.where(mask, x * 2, -x))
    x = random_array(rng, (3, 4), "float64")
    mask = rng.random((3, 4)) > 0.5
    check_parity(lambda t, v, m: fused(v, m) if t is ag else t.where(m, v * 2, -v), x, mask,
                 device=device, rng=rng)


def test_explicit_casts_round_as_in_torch(device, rng):
    """Arithmetic on float16 is computed in float32, but ``.half()`` rounds as torch does."""
    def casts(t, x):
        return (x * 3.1).half().float() + x.double() * 0.1

    fused = fuse(lambda x: casts(ag, x))
    out = check_parity(lambda t, x: fused(x) if t is ag else casts(t, x),
                       random_array(rng, (3, 4)), device=device, rng=rng, atol=1e-12, rtol=1e-12)
    assert out[0].dtype is ag.float64


def test_comparison_output_is_a_bool_tensor(device, rng):
    x = ag.tensor(random_array(rng, (5,)), device=device, requires_grad=True)
    mask = fuse(lambda v: (v > 0) & (v < 1))(x)
    assert mask.dtype is ag.bool and not mask.requires_grad
    expected = (x.detach().cpu().numpy() > 0) & (x.detach().cpu().numpy() < 1)
    np.testing.assert_array_equal(mask.cpu().numpy(), expected)


def test_in_place_ops_on_intermediates(device, rng):
    def body(t, x):
        y = x * 2
        y += 1
        y.mul_(x)
        return y

    fused = fuse(lambda x: body(ag, x))
    check_parity(lambda t, x: fused(x) if t is ag else body(t, x),
                 random_array(rng, (3, 4), "float64"), device=device, rng=rng)


def test_fused_functions_nest(device, rng):
    inner = FUSED["gelu_tanh"]
    outer = fuse(lambda x: inner(x) * 3 + ag.nn.functional.gelu(x))
    x = ag.tensor(random_array(rng, (6,)), device=device, requires_grad=True)
    y = outer(x)
    assert y.grad_fn.name() == "FusedBackward" and inner.trace_count >= 1
    xt = torch.tensor(x.detach().cpu().numpy())
    expected = gelu_tanh(torch, xt) * 3 + torch.nn.functional.gelu(xt)
    np.testing.assert_allclose(y.detach().cpu().numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)


def test_erf_matches_torch(device, rng):
    x = np.concatenate([random_array(rng, (50,), "float64", low=-6, high=6),
                        [-1e-10, 0.0, 3e-9, 0.49, -0.51, 30.0, -30.0]])
    check_parity(lambda t, v: (erf if t is ag else torch.erf)(v), x, device=device, rng=rng,
                 atol=1e-15, rtol=1e-14)
    check_parity(lambda t, v: (erf if t is ag else torch.erf)(v), x.astype("float32"),
                 device=device, rng=rng, atol=1e-6, rtol=1e-5)
    check_grad(lambda t, v: erf(v), random_array(rng, (5,), "float64"), device=device)
    assert erf(ag.tensor([0.5], requires_grad=True)).grad_fn.name() == "ErfBackward0"


def test_erf_inside_fused_function(device, rng):
    fused = fuse(lambda x: x * 0.5 * (1.0 + erf(x * math.sqrt(0.5))))
    check_parity(lambda t, v: fused(v) if t is ag else torch.nn.functional.gelu(v),
                 random_array(rng, (4, 5), "float64"), device=device, rng=rng, atol=1e-14,
                 rtol=1e-12)


UNSUPPORTED = {  # what the function does: (fn, a word the error names)
    "sum": (lambda x: x.sum() * 2, "sum"),
    "matmul": (lambda x: x @ x, "matmul"),
    "reshape": (lambda x: x.reshape(-1) + 1, "reshape"),
    "indexing": (lambda x: x[0] + 1, "indexing"),
    "branch": (lambda x: x if float(x.sum()) > 0 else -x, "sum"),
    "item": (lambda x: x * x.max().item(), "max"),
    "softmax": (lambda x: ag.nn.functional.softmax(x, dim=0), "max"),
    "captured": (lambda x: x * CAPTURED, "not an argument"),
    "inplace_arg": (lambda x: x.mul_(2), "modify an argument"),
    "creation": (lambda x: x + ag.ones_like(x), "not an argument"),
}
CAPTURED = ag.ones(3)


@pytest.mark.parametrize("name", UNSUPPORTED)
def test_unsupported_ops_raise_a_type_error_naming_them(name, rng):
    fn, word = UNSUPPORTED[name]
    with pytest.raises(TypeError, match=f"fuse\\(.*{word}"):
        fuse(fn)(ag.tensor(random_array(rng, (3,))))


def test_a_value_read_raises(rng):
    with pytest.raises(TypeError, match="values cannot be read"):
        fuse(lambda x: x * 2 if x > 0 else x)(ag.tensor([1.0]))
    with pytest.raises(TypeError, match="values cannot be read"):
        fuse(lambda x: x * float(x))(ag.tensor(2.0))


def test_bad_arguments(rng):
    fused = fuse(lambda x, y: x + y)
    with pytest.raises(RuntimeError, match="must match the size of tensor b"):
        fused(ag.ones(3), ag.ones(4))
    with pytest.raises(TypeError, match="dtype torch.int64"):
        fused(ag.arange(3), ag.ones(3))
    with pytest.raises(TypeError, match="positional"):
        fused(ag.ones(3), y=ag.ones(3))
    with pytest.raises(TypeError, match="must return a Tensor"):
        fuse(lambda x: 3.0)(ag.ones(2))
    with pytest.raises(RuntimeError, match="different shapes"):
        fuse(lambda x, y: (x * 2, y * 2))(ag.ones(3), ag.ones(2, 3))
