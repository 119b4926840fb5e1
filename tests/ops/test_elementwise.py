"""Elementwise ops against torch: values and gradients (float32, broadcasting), float64 gradcheck and
gradgradcheck, grad_fn graphs, dtype promotion, errors, float16 activations."""
import re

import numpy as np
import pytest

import autograd_gpu as ag
from helpers import check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()


def graph(node):
    """A grad_fn and everything under it, as nested (name, ((child, output_nr), ...))."""
    if node is None:
        return None
    return (node.name().split("::")[-1], tuple((graph(f), nr) for f, nr in node.next_functions))


def assert_same_graph(fn, *arrays, device="cpu"):
    ours = [ag.tensor(a, device=device, requires_grad=a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    o, t = fn(ag, *ours), fn(torch, *theirs)
    assert graph(o.grad_fn) == graph(t.grad_fn)





def inputs(rng, shapes, positive=()):
    return [random_array(rng, s, positive=i in positive) for i, s in enumerate(shapes)]


# -- binary ops on two tensors: parity (broadcasting, 0-d), gradcheck, graph -----------------------

BINARY = {  # name: (fn, indices of inputs that must be positive)
    "add": (lambda t, x, y: t.add(x, y), ()),
    "add_op": (lambda t, x, y: x + y, ()),
    "add_alpha": (lambda t, x, y: t.add(x, y, alpha=2.5), ()),
    "sub": (lambda t, x, y: x - y, ()),
    "sub_alpha": (lambda t, x, y: t.sub(x, y, alpha=-1.5), ()),
    "mul": (lambda t, x, y: x * y, ()),
    "div": (lambda t, x, y: x / y, (1,)),
    "div_fn": (lambda t, x, y: t.div(x, y), (1,)),
    "pow": (lambda t, x, y: x ** y, (0,)),
    "pow_fn": (lambda t, x, y: t.pow(x, y), (0,)),
    "maximum": (lambda t, x, y: t.maximum(x, y), ()),
    "minimum": (lambda t, x, y: t.minimum(x, y), ()),
    "clamp_tensors": (lambda t, x, y: t.clamp(x, min=y, max=y + 0.5), ()),
    "clamp_tensor_min": (lambda t, x, y: t.clamp(x, min=y), ()),
    "clamp_tensor_max": (lambda t, x, y: x.clamp(max=y), ()),
}
BROADCAST = [((3, 4), (3, 4)), ((3, 1, 4), (2, 4)), ((2, 3), ()), ((), (2, 3)), ((4, 1), (1, 5)),
             ((), ())]


@pytest.mark.parametrize("shapes", BROADCAST, ids=str)
@pytest.mark.parametrize("name", BINARY)
def test_binary_parity(name, shapes, device, rng):
    fn, positive = BINARY[name]
    check_parity(fn, *inputs(rng, shapes, positive), device=device, rng=rng)


@pytest.mark.parametrize("shapes", [((2, 3), (2, 3)), ((2, 1, 3), (3,)), ((), (2,))], ids=str)
@pytest.mark.parametrize("name", BINARY)
def test_binary_gradcheck(name, shapes, device, rng):
    fn, positive = BINARY[name]
    check_grad(fn, *inputs(rng, shapes, positive), device=device)


@pytest.mark.parametrize("name", BINARY)
def test_binary_graph(name, rng):
    fn, positive = BINARY[name]
    assert_same_graph(fn, *inputs(rng, [(2, 3), (3,)], positive))


# -- a tensor and a Python scalar (either side, reflected operators) -------------------------------

SCALAR = {  # name: (fn, positive input)
    "x+2": (lambda t, x: x + 2, False),
    "2+x": (lambda t, x: 2 + x, False),
    "x+2.5": (lambda t, x: x + 2.5, False),
    "x-2": (lambda t, x: x - 2, False),
    "2-x": (lambda t, x: 2 - x, False),
    "2.5-x": (lambda t, x: 2.5 - x, False),
    "3*x": (lambda t, x: 3 * x, False),
    "x*0.5": (lambda t, x: x * 0.5, False),
    "x/3": (lambda t, x: x / 3, False),
    "2/x": (lambda t, x: 2 / x, True),
    "x**2": (lambda t, x: x ** 2, False),
    "x**3": (lambda t, x: x ** 3, False),
    "x**0.5": (lambda t, x: x ** 0.5, True),
    "x**-1.5": (lambda t, x: x ** -1.5, True),
    "x**0": (lambda t, x: x ** 0, False),
    "x**1": (lambda t, x: x ** 1, False),
    "2**x": (lambda t, x: 2 ** x, False),
    "2.5**x": (lambda t, x: 2.5 ** x, False),
    "pow_fn": (lambda t, x: t.pow(x, 2.5), True),
    "add_alpha": (lambda t, x: t.add(x, 2, alpha=3), False),
    "sub_alpha": (lambda t, x: t.sub(x, 1.5, alpha=2), False),
    "mul_fn": (lambda t, x: t.mul(x, -1.5), False),
    "div_fn": (lambda t, x: t.div(x, 4), False),
    "x*True": (lambda t, x: x * True, False),
}


@pytest.mark.parametrize("shape", [(3, 4), ()], ids=str)
@pytest.mark.parametrize("name", SCALAR)
def test_scalar_parity(name, shape, device, rng):
    fn, positive = SCALAR[name]
    check_parity(fn, random_array(rng, shape, positive=positive), device=device, rng=rng)


@pytest.mark.parametrize("name", SCALAR)
def test_scalar_gradcheck(name, device, rng):
    fn, positive = SCALAR[name]
    check_grad(fn, random_array(rng, (2, 3), positive=positive), device=device)


@pytest.mark.parametrize("name", SCALAR)
def test_scalar_graph(name, rng):
    fn, positive = SCALAR[name]
    assert_same_graph(fn, random_array(rng, (2, 3), positive=positive))


def test_scalar_operand_next_functions(device):
    x = ag.ones(2, 3, device=device, requires_grad=True)
    for y in (x + 2, 3 * x, x - 1.5, x / 2):
        (first, nr), (const, const_nr) = y.grad_fn.next_functions
        assert (first.name(), nr, const, const_nr) == ("torch::autograd::AccumulateGrad", 0, None, 0)
        assert first.variable is x


@pytest.mark.parametrize("exponent,data", [(2, [0.0, -2.0, 1.5, -0.5]), (3, [0.0, -2.0, 1.5, -0.5]),
                                           (0, [0.0, -2.0, 1.5]), (0.5, [0.0, 2.0, 1.5, 0.5]),
                                           (-1.0, [0.0, 2.0, 1.5, 0.5])])
def test_pow_at_zero_and_negative_base(exponent, data, device):
    check_parity(lambda t, x: x ** exponent, np.array(data, "float32"), device=device)


@pytest.mark.parametrize("base", [0, 0.0, -2.0])
def test_rpow_at_zero_and_negative_base(base, device):
    check_parity(lambda t, x: base ** x, np.array([-1.0, 0.0, 0.5, 2.0], "float32"), device=device)


def test_pow_tensor_exponent_at_zero_base(device):
    # d/db 0^b = 0 for b >= 0 (torch's convention), not nan
    base, exp = np.array([0.0, 0.0, 2.0], "float32"), np.array([2.0, 0.5, 1.5], "float32")
    check_parity(lambda t, x, y: x ** y, base, exp, device=device)


# -- unary math and activations ----------------------------------------------------------------------

UNARY = {  # name: (fn, positive input)
    "neg": (lambda t, x: -x, False),
    "neg_fn": (lambda t, x: t.neg(x), False),
    "abs": (lambda t, x: t.abs(x), False),
    "abs_op": (lambda t, x: abs(x), False),
    "exp": (lambda t, x: t.exp(x), False),
    "log": (lambda t, x: t.log(x), True),
    "sqrt": (lambda t, x: t.sqrt(x), True),
    "sin": (lambda t, x: t.sin(x), False),
    "cos": (lambda t, x: x.cos(), False),
    "tanh": (lambda t, x: t.tanh(x), False),
    "sigmoid": (lambda t, x: t.sigmoid(x), False),
    "relu": (lambda t, x: t.relu(x), False),
    "clamp_min": (lambda t, x: t.clamp(x, min=-0.5), False),
    "clamp_max": (lambda t, x: t.clamp(x, max=0.3), False),
    "clamp_both": (lambda t, x: t.clamp(x, -0.5, 0.5), False),
    "clip": (lambda t, x: x.clip(-1, 1), False),
    "clone": (lambda t, x: x.clone(), False),
    "to_float64": (lambda t, x: x.to(t.float64), False),
    "double": (lambda t, x: x.double(), False),
    "to_float16": (lambda t, x: x.to(t.float16), False),
    "floor": (lambda t, x: t.floor(x), False),
    "ceil": (lambda t, x: x.ceil(), False),
    "round": (lambda t, x: t.round(x), False),
    "round_decimals": (lambda t, x: t.round(x, decimals=1), False),
    "round_negative_decimals": (lambda t, x: x.round(decimals=-1) + x, False),
    "trunc": (lambda t, x: t.trunc(x), False),
    "fix": (lambda t, x: x.fix(), False),
    "frac": (lambda t, x: t.frac(x), False),
    "log1p": (lambda t, x: t.log1p(x), True),
    "expm1": (lambda t, x: x.expm1(), False),
    "square": (lambda t, x: t.square(x), False),
    "reciprocal": (lambda t, x: t.reciprocal(x), True),
    "sinh": (lambda t, x: t.sinh(x), False),
    "cosh": (lambda t, x: x.cosh(), False),
    "softmax": (lambda t, x: t.softmax(x, -1), False),
    "softmax_method": (lambda t, x: x.softmax(0), False),
    "log_softmax": (lambda t, x: t.log_softmax(x, -1), False),
    "log_softmax_method": (lambda t, x: x.log_softmax(dim=0), False),
    "softmax_dtype": (lambda t, x: t.softmax(x, 0, t.float64), False),
}


@pytest.mark.parametrize("shape", [(3, 4), (2, 1, 3), ()], ids=str)
@pytest.mark.parametrize("name", UNARY)
def test_unary_parity(name, shape, device, rng):
    fn, positive = UNARY[name]
    tol = 1e-3 if name == "to_float16" else 1e-5
    check_parity(fn, random_array(rng, shape, positive=positive, low=-3, high=3), device=device,
                 rng=rng, atol=tol, rtol=tol)


@pytest.mark.parametrize("shape", [(2, 3), ()], ids=str)
@pytest.mark.parametrize("name", [n for n in UNARY if n != "to_float16"])
def test_unary_gradcheck(name, shape, device, rng):
    fn, positive = UNARY[name]
    check_grad(fn, random_array(rng, shape, positive=positive), device=device)


@pytest.mark.parametrize("name", UNARY)
def test_unary_graph(name, rng):
    fn, positive = UNARY[name]
    assert_same_graph(fn, random_array(rng, (2, 3), positive=positive))


FLOAT16_OK = ["neg", "abs", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu",
              "clamp_both", "floor", "ceil", "round", "round_decimals", "trunc", "frac", "log1p",
              "expm1", "square", "reciprocal", "sinh", "cosh"]


@pytest.mark.parametrize("name", FLOAT16_OK)
def test_unary_float16_forward(name, device, rng):
    fn, positive = UNARY[name]
    x = random_array(rng, (4, 5), "float16", positive=positive, low=-3, high=3)
    check_parity(fn, x, device=device, grad=False, atol=2e-3, rtol=2e-3)


def test_sigmoid_tanh_exp_extremes_finite(device):
    x = np.array([-1000.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0], dtype="float32")
    for fn in (lambda t, v: t.sigmoid(v), lambda t, v: t.tanh(v)):
        out = check_parity(fn, x, device=device)[0]
        assert np.isfinite(out.detach().cpu().numpy()).all()
    check_parity(lambda t, v: t.sigmoid(v), x.astype("float16"), device=device, grad=False)
    check_parity(lambda t, v: t.exp(v), x[1:-1], device=device, grad=False)


def test_special_values(device):
    # inf, nan and zero behave as in torch (no spurious nan in relu/abs/clamp gradients)
    x = np.array([0.0, -0.0, np.inf, -np.inf, 1.0, -1.0], dtype="float32")
    for fn in (lambda t, v: t.relu(v), lambda t, v: t.clamp(v, -0.5, 0.5), lambda t, v: t.abs(v),
               lambda t, v: t.sigmoid(v), lambda t, v: t.tanh(v)):
        check_parity(fn, x, device=device)
    check_parity(lambda t, v: t.log(v), np.abs(x), device=device, grad=False)
    check_parity(lambda t, v: t.sqrt(v), np.abs(x), device=device, grad=False)


def test_integer_inputs_to_float_ops(device):
    x = np.array([[1, 2, 3], [4, 5, 6]], dtype="int64")
    for fn in (lambda t, v: t.exp(v), lambda t, v: t.log(v), lambda t, v: t.sqrt(v),
               lambda t, v: t.sin(v), lambda t, v: t.sigmoid(v), lambda t, v: t.tanh(v),
               lambda t, v: v / 4, lambda t, v: 2 / v, lambda t, v: v ** 0.5, lambda t, v: v ** 2,
               lambda t, v: 2 ** v, lambda t, v: t.abs(-v), lambda t, v: t.relu(v - 3),
               lambda t, v: t.clamp(v, 2, 4), lambda t, v: t.clamp(v, min=2.5),
               lambda t, v: t.clamp(v, min=t.tensor(2.5, device=v.device)), lambda t, v: v.clone(),
               lambda t, v: v.to(t.float32), lambda t, v: t.log1p(v), lambda t, v: t.expm1(v),
               lambda t, v: t.sinh(v), lambda t, v: t.cosh(v), lambda t, v: t.reciprocal(v),
               lambda t, v: t.square(v), lambda t, v: t.floor(v), lambda t, v: t.ceil(-v),
               lambda t, v: t.round(v), lambda t, v: t.trunc(v),
               lambda t, v: t.softmax(v, 1, dtype=t.float64)):
        check_parity(fn, x, device=device, grad=False)
        check_parity(fn, x.astype("int32"), device=device, grad=False)


@pytest.mark.parametrize("fn", [lambda t, x: x * 2, lambda t, x: x + x, lambda t, x: -x,
                                lambda t, x: x.exp(), lambda t, x: t.where(x > 0, x, 1.0),
                                lambda t, x: x.clamp(0, 1), lambda t, x: t.maximum(x, x),
                                lambda t, x: 2 / x, lambda t, x: x ** 2, lambda t, x: 2 ** x],
                         ids=["mul", "add", "neg", "exp", "where", "clamp", "maximum", "rdiv",
                              "pow", "rpow"])
def test_zero_d_results_take_inplace_writes(fn, device):
    # a 0-d result is a real tensor: in-place ops on it work and read back as in torch
    results = []
    for t, dev in ((ag, device), (torch, "cpu")):
        y = fn(t, t.tensor(0.75, device=dev))
        y.mul_(3)
        y += 1
        results.append(float(y))
    assert results[0] == pytest.approx(results[1], rel=1e-6)


# -- ties, where, clamp bounds ------------------------------------------------------------------------

@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum_ties_split_gradient(op, device):
    a = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, -1.0]], dtype="float32")
    b = np.array([1.0, 0.0, 3.0], dtype="float32")
    check_parity(lambda t, x, y: getattr(t, op)(x, y), a, b, device=device)


def test_clamp_tensor_bounds_at_ties_and_crossed(device):
    x = np.array([0.0, 1.0, 2.0, 3.0, -1.0], dtype="float32")
    lo = np.array([0.0, 0.5, 2.5, 2.0, 1.0], dtype="float32")
    hi = np.array([1.0, 1.0, 3.0, 3.0, 0.0], dtype="float32")  # last: min > max gives max
    check_parity(lambda t, v, a, b: t.clamp(v, a, b), x, lo, hi, device=device)
    check_parity(lambda t, v, a: t.clamp(v, min=a), x, lo, device=device)
    check_parity(lambda t, v, b: t.clamp(v, max=b), x, hi, device=device)


def test_clamp_scalar_bounds_inclusive_and_crossed(device):
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0], dtype="float32")
    check_parity(lambda t, v: t.clamp(v, -0.5, 0.5), x, device=device)
    check_parity(lambda t, v: t.clamp(v, 0.5, -0.5), x, device=device)


WHERE = [((3, 4), (3, 4), (3, 4)), ((3, 1), (1, 4), (4,)), ((2, 3), (), (2, 3)),
         ((2, 1, 3), (2, 3), (1,)), ((), (2,), (2,))]


@pytest.mark.parametrize("shapes", WHERE, ids=str)
def test_where_parity(shapes, device, rng):
    c = random_array(rng, shapes[0], "bool")
    a, b = random_array(rng, shapes[1]), random_array(rng, shapes[2])
    check_parity(lambda t, m, x, y: t.where(m, x, y), c, a, b, device=device, rng=rng)
    check_grad(lambda t, m, x, y: t.where(m, x, y), c, a, b, device=device)


@pytest.mark.parametrize("fn", [lambda t, m, x: t.where(m, x, 0.0), lambda t, m, x: t.where(m, 2, x),
                                lambda t, m, x: x.where(m, -1.5), lambda t, m, x: t.where(m, x, 1)],
                         ids=["b=0.0", "a=2", "method", "b=1"])
def test_where_scalar_operand(fn, device, rng):
    c, x = random_array(rng, (3, 4), "bool"), random_array(rng, (4,))
    check_parity(fn, c, x, device=device, rng=rng)
    check_grad(fn, c, x, device=device)
    assert_same_graph(fn, c, x)


@pytest.mark.parametrize("a,b", [(1, 2), (1, 2.5), (True, 0), (1.5, 2.5)], ids=str)
def test_where_scalars_dtype(a, b):
    c = np.array([True, False])
    ours, theirs = ag.where(ag.tensor(c), a, b), torch.where(torch.tensor(c), a, b)
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# -- comparisons and logic: bool results, no graph ----------------------------------------------------

COMPARE = {
    "eq": lambda t, x, y: x == y, "ne": lambda t, x, y: x != y, "lt": lambda t, x, y: x < y,
    "le": lambda t, x, y: x <= y, "gt": lambda t, x, y: x > y, "ge": lambda t, x, y: x >= y,
    "eq_fn": lambda t, x, y: t.eq(x, y), "ne_fn": lambda t, x, y: t.ne(x, y),
    "lt_fn": lambda t, x, y: t.lt(x, y), "le_fn": lambda t, x, y: t.le(x, y),
    "gt_fn": lambda t, x, y: t.gt(x, y), "ge_fn": lambda t, x, y: x.ge(y),
}


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 1, 4), (2, 4)), ((2, 3), ())], ids=str)
@pytest.mark.parametrize("name", COMPARE)
def test_compare_parity(name, shapes, device, rng):
    # small integers as floats: plenty of equal pairs
    a, b = (random_array(rng, s, integers=(0, 3)) for s in shapes)
    check_parity(COMPARE[name], a, b, device=device, grad=False)
    res = COMPARE[name](ag, ag.tensor(a, device=device, requires_grad=True), ag.tensor(b, device=device))
    assert str(res.dtype) == "torch.bool" and not res.requires_grad and res.grad_fn is None


@pytest.mark.parametrize("scalar", [1, 1.0, 1.5, True])
@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_compare_scalar(name, scalar, device, rng):
    a = random_array(rng, (3, 4), integers=(0, 3))
    check_parity(lambda t, x: COMPARE[name](t, x, scalar), a, device=device, grad=False)
    check_parity(lambda t, x: COMPARE[name](t, x, scalar), a.astype("int64"), device=device)


LOGICAL = {
    "logical_and": lambda t, x, y: t.logical_and(x, y),
    "logical_or": lambda t, x, y: t.logical_or(x, y),
    "logical_xor": lambda t, x, y: t.logical_xor(x, y),
    "logical_not": lambda t, x, y: t.logical_not(x),
}
OPERATORS = {"and": lambda t, x, y: x & y, "or": lambda t, x, y: x | y,
             "xor": lambda t, x, y: x ^ y, "not": lambda t, x, y: ~x}


def _int_pair(rng, dtype):
    if dtype == "bool":
        return random_array(rng, (3, 4), "bool"), random_array(rng, (4,), "bool")
    return tuple(random_array(rng, s, dtype, integers=(-3, 4)) for s in [(3, 4), (4,)])


@pytest.mark.parametrize("dtype", ["bool", "int32", "int64", "float32"])
@pytest.mark.parametrize("name", LOGICAL)
def test_logical_parity(name, dtype, device, rng):
    a, b = _int_pair(rng, "int64" if dtype == "float32" else dtype)
    check_parity(LOGICAL[name], a.astype(dtype), b, device=device, grad=False)


@pytest.mark.parametrize("dtype", ["bool", "int32", "int64"])
@pytest.mark.parametrize("name", ["and", "or", "xor"])
def test_bitwise_operators(name, dtype, device, rng):
    check_parity(OPERATORS[name], *_int_pair(rng, dtype), device=device, grad=False)


@pytest.mark.parametrize("dtype", ["bool", "int32", "int64"])
def test_invert_operator(dtype, device, rng):
    check_parity(OPERATORS["not"], *_int_pair(rng, dtype), device=device, grad=False)


@pytest.mark.parametrize("other", ["tensor", 1, True])
@pytest.mark.parametrize("dtype", ["bool", "int32", "int64"])
@pytest.mark.parametrize("name", ["and", "or", "xor"])
def test_bitwise_functions(name, dtype, other, device, rng):
    from autograd_gpu.ops import elementwise as E

    a, b = _int_pair(rng, dtype)
    if other != "tensor":
        b = other
    ours = getattr(E, f"bitwise_{name}")(ag.tensor(a, device=device),
                                        ag.tensor(b, device=device) if other == "tensor" else b)
    theirs = getattr(torch, f"bitwise_{name}")(torch.tensor(a),
                                               torch.tensor(b) if other == "tensor" else b)
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_array_equal(ours.cpu().numpy(), theirs.numpy())


@pytest.mark.parametrize("form", ["operator", "method"])
@pytest.mark.parametrize("dtype", ["bool", "int32", "int64"])
@pytest.mark.parametrize("name", ["and", "or", "xor"])
def test_bitwise_in_place_writes_into_the_tensor_and_its_views(name, dtype, form, device, rng):
    """``x &= y`` and ``x.bitwise_and_(y)`` change x itself: a view of it sees the result."""
    a, b = _int_pair(rng, dtype)
    results = []
    for lib, dev in ((ag, device), (torch, "cpu")):
        x, y = lib.tensor(a, device=dev), lib.tensor(b, device=dev)
        view = x[1]
        if form == "operator":
            before = x
            x = {"and": x.__iand__, "or": x.__ior__, "xor": x.__ixor__}[name](y)
            assert x is before
        else:
            assert getattr(x, f"bitwise_{name}_")(y) is x
        results.append((x.cpu().numpy(), view.cpu().numpy(), str(x.dtype)))
    (x_ours, view_ours, dt_ours), (x_torch, view_torch, dt_torch) = results
    np.testing.assert_array_equal(x_ours, x_torch)
    np.testing.assert_array_equal(view_ours, view_torch)
    assert dt_ours == dt_torch


def test_bitwise_in_place_refuses_a_wider_result_and_floats_as_torch(device):
    for call in (lambda t, d: t.ones(2, dtype=t.bool, device=d).__iand__(
                     t.ones(2, dtype=t.int64, device=d)),
                 lambda t, d: t.ones(2, device=d).bitwise_or_(t.ones(2, device=d)),
                 lambda t, d: t.ones(2, dtype=t.int64, device=d).bitwise_not_().add_(0.5)):
        with pytest.raises(Exception) as theirs:
            call(torch, "cpu")
        with pytest.raises(type(theirs.value)) as ours:
            call(ag, device)
        assert str(ours.value).replace("_cuda", "_cpu") == str(theirs.value)


def test_bitwise_functions_are_exported_as_torchs(device, rng):
    a, b = _int_pair(rng, "int64")
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
        np.testing.assert_array_equal(
            getattr(ag, name)(ag.tensor(a, device=device), ag.tensor(b, device=device)).cpu()
            .numpy(), getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy())
    np.testing.assert_array_equal(ag.bitwise_not(ag.tensor(a, device=device)).cpu().numpy(),
                                  torch.bitwise_not(torch.tensor(a)).numpy())


def test_bitwise_on_floats_raises_as_torch(device):
    """torch's bitwise kernels have no floating version (NotImplementedError naming the kernel and
    the result dtype); its ~ operator refuses floats itself (TypeError)."""
    kernel = device.split(":")[0]
    cases = [(lambda t, d: t.ones(2, device=d).bitwise_and(t.ones(2, device=d)),
              NotImplementedError, f'"bitwise_and_{kernel}" not implemented for \'Float\''),
             (lambda t, d: t.ones(2, dtype=t.int64, device=d)
              | t.ones(2, dtype=t.float64, device=d),
              NotImplementedError, f'"bitwise_or_{kernel}" not implemented for \'Double\''),
             (lambda t, d: t.ones(2, dtype=t.float16, device=d) ^ 1,
              NotImplementedError, f'"bitwise_xor_{kernel}" not implemented for \'Half\''),
             (lambda t, d: t.ones(2, device=d).bitwise_not(),
              NotImplementedError, f'"bitwise_not_{kernel}" not implemented for \'Float\''),
             (lambda t, d: ~t.ones(2, device=d),
              TypeError, "~ (operator.invert) is only implemented on integer and Boolean-type "
                         "tensors")]
    for call, exc, message in cases:
        with pytest.raises(exc, match=f"^{re.escape(message)}$"):
            call(torch, "cpu")  # the oracle's class and words
        with pytest.raises(exc, match=f"^{re.escape(message)}\n"):  # then our note: op, shapes
            call(ag, device)


# -- casts and clone -----------------------------------------------------------------------------------

@pytest.mark.parametrize("src", ["float32", "float64", "float16"])
@pytest.mark.parametrize("dst", ["float32", "float64", "float16", "int64", "int32", "bool"])
def test_cast(src, dst, device, rng):
    x = random_array(rng, (3, 4), src, low=-3, high=3)
    check_parity(lambda t, v: v.to(getattr(t, dst)) * 1, x, device=device, rng=rng, atol=1e-3,
                 rtol=1e-3)
    y = ag.tensor(x, device=device, requires_grad=True).to(getattr(ag, dst))
    if dst in ("int64", "int32", "bool"):
        assert not y.requires_grad and y.grad_fn is None
    elif dst != src:
        assert y.grad_fn.name() == "ToCopyBackward0"
    else:
        assert y.grad_fn is None  # same dtype: to() returns the tensor itself


@pytest.mark.parametrize("dst", ["float64", "float16"])
def test_cast_double_backward(dst, device, rng):
    # a cast's backward is a cast back (ToCopyBackward0 again): second derivatives flow through it
    x = random_array(rng, (2, 3))
    results = []
    for t, dev in ((ag, device), (torch, "cpu")):
        v = t.tensor(x, device=dev, requires_grad=True)
        y = (v.to(getattr(t, dst)) ** 3).sum()
        (g,) = t.autograd.grad(y, v, create_graph=True)
        assert g.grad_fn is not None and str(g.dtype) == "torch.float32"
        (gg,) = t.autograd.grad((g * g).sum(), v)
        results.append([g.detach().cpu().numpy(), gg.cpu().numpy()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-2 if dst == "float16" else 1e-5)


def test_clone_is_a_copy(device, rng):
    x = ag.tensor(random_array(rng, (2, 3)), device=device)
    y = x.clone()
    y.add_(1)
    np.testing.assert_allclose(y.cpu().numpy() - x.cpu().numpy(), 1.0, rtol=1e-6)


# -- dtype promotion -------------------------------------------------------------------------------

DTYPES = ["bool", "int32", "int64", "float16", "float32", "float64"]
PROMOTE_OPS = {"add": lambda x, y: x + y, "mul": lambda x, y: x * y, "div": lambda x, y: x / y,
               "eq": lambda x, y: x == y, "lt": lambda x, y: x < y}


def _both(fn, a, b):
    """(dtype string or exception type) from torch and from us."""
    results = []
    for lib in (torch, ag):
        args = [lib.tensor(v) if isinstance(v, np.ndarray) else v for v in (a, b)]
        try:
            results.append(str(fn(*args).dtype))
        except (RuntimeError, TypeError) as e:
            results.append(type(e).__name__)
    return results


@pytest.mark.parametrize("op", PROMOTE_OPS)
@pytest.mark.parametrize("db", DTYPES)
@pytest.mark.parametrize("da", DTYPES)
def test_promotion_tensor_tensor(da, db, op):
    fn = PROMOTE_OPS[op]
    for sa, sb in [((2,), (2,)), ((2,), ()), ((), (2,)), ((), ())]:
        a, b = np.ones(sa, dtype=da), np.ones(sb, dtype=db)
        theirs, ours = _both(fn, a, b)
        assert ours == theirs, f"{da}{sa} {op} {db}{sb}"


@pytest.mark.parametrize("op", PROMOTE_OPS)
@pytest.mark.parametrize("scalar", [True, 2, 2.5])
@pytest.mark.parametrize("dt", DTYPES)
def test_promotion_tensor_scalar(dt, scalar, op):
    fn = PROMOTE_OPS[op]
    for shape in [(2,), ()]:
        a = np.ones(shape, dtype=dt)
        theirs, ours = _both(fn, a, scalar)
        assert ours == theirs, f"{dt}{shape} {op} {scalar!r}"
        if op in ("add", "mul", "div"):
            theirs, ours = _both(fn, scalar, a)
            assert ours == theirs, f"{scalar!r} {op} {dt}{shape}"


def test_promotion_default_dtype_follows_set_default_dtype():
    old = ag.get_default_dtype()
    try:
        ag.set_default_dtype(ag.float64)
        assert (ag.tensor([1, 2]) * 0.5).dtype is ag.float64
        assert (ag.tensor([1, 2]) / 2).dtype is ag.float64
        assert (ag.tensor([1.0], dtype=ag.float32) * 0.5).dtype is ag.float32
    finally:
        ag.set_default_dtype(old)


def test_promotion_gradient_dtype(device):
    # a float32 leaf mixed with float64 gets a float32 gradient (cast back centrally)
    x = ag.ones(3, device=device, requires_grad=True)
    y = ag.ones(3, device=device, dtype=ag.float64, requires_grad=True)
    (x * y).sum().backward()
    assert x.grad.dtype is ag.float32 and y.grad.dtype is ag.float64


# -- errors ------------------------------------------------------------------------------------------

SHAPE_ERROR_OPS = {
    "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y, "pow": lambda x, y: x ** y, "maximum": lambda x, y: ag.maximum(x, y),
    "minimum": lambda x, y: ag.minimum(x, y), "eq": lambda x, y: x == y, "lt": lambda x, y: x < y,
}


@pytest.mark.parametrize("name", SHAPE_ERROR_OPS)
def test_shape_mismatch(name, device, rng):
    a, b = random_array(rng, (3, 4), positive=True), random_array(rng, (2, 5), positive=True)
    x, y = ag.tensor(a, device=device, requires_grad=True), ag.tensor(b, device=device)
    with pytest.raises(RuntimeError, match=rf"(?s){name}.*3, 4.*2, 5"):
        SHAPE_ERROR_OPS[name](x, y)
    np.testing.assert_array_equal(x.detach().cpu().numpy(), a)
    np.testing.assert_array_equal(y.cpu().numpy(), b)
    assert x.grad is None and x._version[0] == 0 and y._version[0] == 0


def test_where_shape_mismatch(device, rng):
    c = ag.tensor(random_array(rng, (3,), "bool"), device=device)
    with pytest.raises(RuntimeError, match=r"(?s)where.*\(3,\).*2, 2"):
        ag.where(c, ag.ones(2, 2, device=device), 0.0)


def test_inplace_shape_mismatch_leaves_input(device, rng):
    a = random_array(rng, (3, 4))
    x = ag.tensor(a, device=device)
    with pytest.raises(RuntimeError):
        x.add_(ag.ones(2, 5, device=device))
    with pytest.raises(RuntimeError):
        x.mul_(ag.ones(3, 4, 1, device=device))  # broadcasts to (3, 3, 4): not x's shape
    np.testing.assert_array_equal(x.cpu().numpy(), a)


BAD_OPERANDS = {
    "x+str": lambda x: x + "a", "str+x": lambda x: "a" + x, "x*None": lambda x: x * None,
    "None*x": lambda x: None * x, "x-list": lambda x: x - [1], "x/str": lambda x: x / "a",
    "x**str": lambda x: x ** "a", "x<str": lambda x: x < "a", "x*complex": lambda x: x * 1j,
    "add(x, None)": lambda x: ag.add(x, None), "where": lambda x: ag.where(x > 0, x, "a"),
    "maximum(x, 1)": lambda x: ag.maximum(x, 1.0), "exp(list)": lambda x: ag.exp([1.0]),
    "clamp str": lambda x: ag.clamp(x, min="a"),
}


@pytest.mark.parametrize("name", BAD_OPERANDS)
def test_non_number_operand_type_error(name, device):
    x = ag.ones(2, device=device)
    with pytest.raises(TypeError):
        BAD_OPERANDS[name](x)


def test_bool_negation_and_subtraction_errors(device):
    b = ag.tensor([True, False], device=device)
    with pytest.raises(RuntimeError, match="logical_not"):
        -b
    with pytest.raises(RuntimeError, match="Subtraction"):
        b - b
    with pytest.raises(RuntimeError, match="Subtraction"):
        ag.tensor([1, 2], device=device) - True


def test_integer_pow_negative_and_float_alpha(device):
    with pytest.raises(RuntimeError, match="negative integer powers"):
        ag.tensor([1, 2], device=device) ** -1
    with pytest.raises(RuntimeError, match="alpha"):
        ag.add(ag.tensor([1], device=device), 1, alpha=0.5)


def test_clamp_needs_a_bound(device):
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max'"):
        ag.clamp(ag.ones(2, device=device))


@pytest.mark.skipif(not ag.cuda.is_available(), reason="needs cuda")
@pytest.mark.parametrize("name", ["add", "mul", "div", "pow", "maximum", "eq", "where"])
def test_device_mixing(name):
    x, y = ag.ones(3, device="cuda"), ag.ones(3)
    fn = (lambda a, b: ag.where(a > 0, a, b)) if name == "where" else SHAPE_ERROR_OPS[name]
    for a, b in ((x, y), (y, x)):
        with pytest.raises(RuntimeError, match=r"(?s)cuda.*cpu|cpu.*cuda"):
            fn(a, b)
    # a 0-d cpu tensor may join a cuda tensor, as in torch
    assert (x + ag.tensor(2.0)).device.type == "cuda"


# -- rounding, frac, log1p, expm1, square, reciprocal, sinh, cosh: dtypes, in place, zeros --------

ROUNDING = ["floor", "ceil", "round", "trunc", "frac"]
FLOAT_ONLY = ["log1p", "expm1", "reciprocal", "sinh", "cosh"]


def _outcome(call):
    """(dtype, values) of a call, or (exception type, message)."""
    try:
        out = call()
    except Exception as e:  # noqa: BLE001 - the oracle's class is what we compare
        return type(e), str(e).split("\n")[0]
    return str(out.dtype), out.detach().cpu().numpy()


@pytest.mark.parametrize("dtype", ["bool", "int32", "int64", "float16"])
@pytest.mark.parametrize("name", ROUNDING + FLOAT_ONLY + ["square"])
def test_new_unary_dtypes_as_torch(name, dtype, device):
    """Integers keep their dtype through floor/ceil/round/trunc (bool has no kernel), frac has
    none for integers, the float-only ops promote to the default dtype, square squares bool into
    int64; the same for the in-place forms (an integer tensor refuses a float result)."""
    data = np.array([[1, 0, 3], [-2, 1, 0]]).astype(dtype)
    for method in (name, name + "_"):
        ours = _outcome(lambda: getattr(ag.tensor(data, device=device), method)())
        theirs = _outcome(lambda: getattr(torch.tensor(data), method)())
        assert ours[0] == theirs[0]
        if isinstance(theirs[0], str):
            np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-3)
        elif device == "cpu":  # the cpu kernel's name in torch's words
            assert ours[1] == theirs[1]


def test_round_half_to_even_and_decimals(device):
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 1.25, 1.35, 125.0, 135.0, 1e38], "float32")
    for kw in ({}, {"decimals": 1}, {"decimals": 2}, {"decimals": -1}, {"decimals": 0}):
        check_parity(lambda t, v: t.round(v, **kw), x, device=device)
    with pytest.raises(NotImplementedError, match="round"):
        ag.round(ag.tensor([1, 2], device=device), decimals=1)
    with pytest.raises(TypeError):
        ag.round(ag.tensor([1.0], device=device), decimals=1.5)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_remainder_zero_keeps_the_dividends_sign(dtype, device, rng):
    """torch's remainder is fmod moved to the divisor's sign: -5 % 2.5 is -0.0 (numpy's +0.0)."""
    torch = torch_or_skip()
    divisor = rng.choice([-2.5, -0.75, 0.5, 2.0], size=40).astype(dtype)
    dividend = (divisor * rng.integers(-4, 5, size=40) + rng.choice([0, 0.25], size=40))
    dividend = dividend.astype(dtype)
    for ours, theirs in [
        (ag.tensor(dividend, device=device) % ag.tensor(divisor, device=device),
         torch.tensor(dividend) % torch.tensor(divisor)),
        (ag.remainder(ag.tensor(dividend, device=device), -2.5),
         torch.remainder(torch.tensor(dividend), -2.5)),
        (3.0 % ag.tensor(divisor, device=device), 3.0 % torch.tensor(divisor))]:
        assert ours.cpu().numpy().tobytes() == theirs.numpy().tobytes()
        assert repr(ours.cpu()) == repr(theirs)


def test_rounding_graph_and_zero_gradient(device, rng):
    for name, node in (("floor", "FloorBackward0"), ("ceil", "CeilBackward0"),
                       ("round", "RoundBackward0"), ("trunc", "TruncBackward0"),
                       ("frac", "FracBackward0"), ("log1p", "Log1PBackward0"),
                       ("expm1", "Expm1Backward0"), ("square", "PowBackward0"),
                       ("sinh", "SinhBackward0"), ("cosh", "CoshBackward0"),
                       ("reciprocal", "ReciprocalBackward0")):
        x = ag.tensor(random_array(rng, (2, 3), positive=True), device=device, requires_grad=True)
        y = getattr(ag, name)(x)
        assert y.grad_fn.name() == node == type(getattr(torch, name)(
            torch.ones(1, requires_grad=True)).grad_fn).__name__
    x = ag.tensor(random_array(rng, (2, 3)), device=device, requires_grad=True)
    assert ag.round(x, decimals=2).grad_fn.name() == "RoundBackward1"
    (g,) = ag.autograd.grad(ag.floor(x).sum(), x, create_graph=True)
    assert not g.requires_grad and not g.cpu().numpy().any()


INPLACE_NEW = ["floor_", "ceil_", "round_", "trunc_", "frac_", "log1p_", "expm1_", "square_",
               "reciprocal_", "sinh_", "cosh_", "fix_"]


@pytest.mark.parametrize("name", INPLACE_NEW)
def test_new_inplace_values_version_and_leaf(name, device, rng):
    a = random_array(rng, (3, 4), positive=True)
    ours, theirs = ag.tensor(a, device=device), torch.tensor(a)
    assert getattr(ours, name)() is ours
    getattr(theirs, name)()
    assert ours._version[0] == 1
    np.testing.assert_allclose(ours.cpu().numpy(), theirs.numpy(), rtol=1e-6)
    leaf = ag.tensor(a, device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(leaf, name)()
    np.testing.assert_array_equal(leaf.detach().cpu().numpy(), a)
    # recorded on a non-leaf: the gradient flows through the in-place op as torch's does
    results = []
    for lib, dev in ((ag, device), (torch, "cpu")):
        x = lib.tensor(a, device=dev, requires_grad=True)
        y = x * 1.5
        getattr(y, name)()
        (y * y).sum().backward()
        results.append(x.grad.cpu().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-6)


def test_round_inplace_decimals(device):
    x = ag.tensor([1.26, 2.35, -0.55], device=device)
    x.round_(decimals=1)
    np.testing.assert_allclose(x.cpu().numpy(), torch.tensor([1.26, 2.35, -0.55]).round_(
        decimals=1).numpy())


def test_softmax_requires_dim_and_casts_integers(device):
    with pytest.raises(TypeError):
        ag.softmax(ag.ones(3, device=device))
    with pytest.raises(NotImplementedError, match="softmax"):
        ag.softmax(ag.tensor([1, 2], device=device), 0)
    check_parity(lambda t, v: t.log_softmax(v, 0, dtype=t.float32), np.array([1, 2, 3]),
                 device=device)


# -- atan2, hypot, lerp, isclose, nan_to_num ---------------------------------------------------------

NEW_BINARY = [
    ("atan2", lambda t, a, b: t.atan2(a, b), [(2, 3), (3,)], "Atan2Backward0"),
    ("arctan2", lambda t, a, b: t.arctan2(a, b), [(3, 1), (1, 4)], "Atan2Backward0"),
    ("atan2_method", lambda t, a, b: a.atan2(b), [(2, 3), (2, 3)], "Atan2Backward0"),
    ("hypot", lambda t, a, b: t.hypot(a, b), [(2, 3), (3,)], "HypotBackward0"),
    ("hypot_method", lambda t, a, b: a.hypot(b), [(4, 1), (1, 2)], "HypotBackward0"),
    ("lerp_scalar", lambda t, a, b: t.lerp(a, b, 0.3), [(2, 3), (3,)], "LerpBackward0"),
    ("lerp_scalar_high", lambda t, a, b: t.lerp(a, b, 0.8), [(3,), (2, 3)], "LerpBackward0"),
    ("lerp_method", lambda t, a, b: a.lerp(b, -1.5), [(2, 3), (2, 3)], "LerpBackward0"),
    ("lerp_tensor", lambda t, a, b, w: t.lerp(a, b, w), [(2, 3), (3,), (2, 1)], "LerpBackward1"),
    ("lerp_tensor_0d", lambda t, a, b, w: t.lerp(a, b, w), [(2, 3), (2, 3), ()], "LerpBackward1"),
    ("nan_to_num", lambda t, a: t.nan_to_num(a), [(2, 3)], "NanToNumBackward0"),
    ("nan_to_num_args", lambda t, a: a.nan_to_num(nan=1.0, posinf=2.0, neginf=-2.0), [(4,)],
     "NanToNumBackward0"),
]


@pytest.mark.parametrize("fn,shapes,name", [pytest.param(f, s, n, id=i) for i, f, s, n in NEW_BINARY])
def test_new_ops_parity(device, rng, fn, shapes, name):
    (y,) = check_parity(lambda *a: (fn(*a),), *[random_array(rng, s) for s in shapes],
                        device=device, rng=rng)
    assert y.grad_fn.name() == name
    check_grad(fn, *[random_array(rng, s, "float64") for s in shapes], device=device)


@pytest.mark.parametrize("op", ["atan2", "hypot"])
@pytest.mark.parametrize("dtypes", [("float64", "float32"), ("float16", "float16"),
                                    ("int64", "float32"), ("float32", "float64")])
def test_atan2_hypot_promote(device, rng, op, dtypes):
    arrays = [random_array(rng, (2, 3), d, integers=(1, 4) if d == "int64" else None)
              for d in dtypes]
    check_parity(lambda t, a, b: getattr(t, op)(a, b), *arrays, device=device, rng=rng,
                 atol=1e-3 if "float16" in dtypes else 1e-5)


def test_atan2_integers_give_default_float(device, rng):
    arrays = [random_array(rng, (5,), d, integers=(-3, 4)) for d in ("int64", "int32")]
    check_parity(lambda t, a, b: t.atan2(a, b), *arrays, device=device, rng=rng)
    check_parity(lambda t, a, b: t.atan2(a, b), np.array([True, False]), np.array([True, True]),
                 device=device, rng=rng)


def test_atan2_hypot_at_the_origin(device):
    """atan2's gradient at (0, 0) is 0 in torch (not NaN); hypot's is NaN."""
    for op in ("atan2", "hypot"):
        grads = []
        for lib, dev in ((torch, "cpu"), (ag, device)):
            a = lib.zeros(2, device=dev, requires_grad=True)
            b = lib.tensor([0.0, 1.0], device=dev, requires_grad=True)
            getattr(lib, op)(a, b).sum().backward()
            grads.append((a.grad.cpu().numpy(), b.grad.cpu().numpy()))
        for ours, theirs in zip(grads[1], grads[0]):
            np.testing.assert_array_equal(ours, theirs)


def test_nan_to_num_values(device):
    x = np.array([np.nan, np.inf, -np.inf, 1.5, -2.0], "float32")
    for kwargs in ({}, {"nan": 1.5, "posinf": 2.0, "neginf": -3.0}, {"posinf": 1e300},
                   {"neginf": 5}):
        for dt in ("float32", "float64", "float16"):
            ours = ag.nan_to_num(ag.tensor(x.astype(dt), device=device), **kwargs)
            theirs = torch.nan_to_num(torch.tensor(x.astype(dt)), **kwargs)
            assert str(ours.dtype) == str(theirs.dtype)
            np.testing.assert_array_equal(ours.cpu().numpy(), theirs.numpy())


def test_nan_to_num_gradient_only_where_finite(device):
    x = np.array([np.nan, np.inf, -np.inf, 1.5], "float32")
    check_parity(lambda t, a: t.nan_to_num(a * 1.0), x, device=device)


@pytest.mark.parametrize("dt", ["int64", "bool"])
def test_nan_to_num_integers_copy(device, dt):
    x = ag.tensor(np.array([1, 0, 1]).astype(dt), device=device)
    y = ag.nan_to_num(x)
    assert y.dtype is x.dtype and y._data is not x._data
    np.testing.assert_array_equal(y.cpu().numpy(), x.cpu().numpy())


def test_nan_to_num_in_place(device):
    x = np.array([np.nan, np.inf, 1.0], "float32")
    ours, theirs = ag.tensor(x, device=device), torch.tensor(x)
    assert ours.nan_to_num_(posinf=7.0) is ours
    theirs.nan_to_num_(posinf=7.0)
    np.testing.assert_array_equal(ours.cpu().numpy(), theirs.numpy())
    leaf = ag.tensor(x, device=device, requires_grad=True)
    y = leaf * 2
    y.nan_to_num_()
    assert y.grad_fn.name() == "NanToNumBackward0"
    y.sum().backward()
    np.testing.assert_array_equal(leaf.grad.cpu().numpy(), [0.0, 0.0, 2.0])


@pytest.mark.parametrize("op", ["atan2_", "arctan2_", "hypot_"])
def test_atan2_hypot_in_place(device, rng, op):
    a, b = random_array(rng, (2, 3)), random_array(rng, (3,))
    ours, theirs = ag.tensor(a, device=device), torch.tensor(a)
    getattr(ours, op)(ag.tensor(b, device=device))
    getattr(theirs, op)(torch.tensor(b))
    np.testing.assert_allclose(ours.cpu().numpy(), theirs.numpy(), rtol=1e-6)


def test_isclose(device):
    a = np.array([1.0, np.nan, np.inf, 2.0, -np.inf, 0.0], "float32")
    b = np.array([1.0 + 1e-6, np.nan, np.inf, 2.1, np.inf, 1e-9], "float32")
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 0.1}, {"atol": 0.0, "rtol": 0.0}):
        ours = ag.isclose(ag.tensor(a, device=device), ag.tensor(b, device=device), **kwargs)
        theirs = torch.isclose(torch.tensor(a), torch.tensor(b), **kwargs)
        assert ours.dtype is ag.bool and ours.shape == theirs.shape
        np.testing.assert_array_equal(ours.cpu().numpy(), theirs.numpy())
        assert ag.allclose(ag.tensor(a, device=device), ag.tensor(b, device=device),
                           **kwargs) == torch.allclose(torch.tensor(a), torch.tensor(b), **kwargs)
    ours = ag.ones(2, 1, device=device).isclose(ag.ones(3, device=device))
    assert ours.shape == (2, 3) and bool(ours.all())
    ints = ag.isclose(ag.tensor([1, 5], device=device), ag.tensor([1, 6], device=device), rtol=0.2)
    assert ints.cpu().numpy().tolist() == [True, True]


@pytest.mark.parametrize("call", [
    lambda t: t.isclose(t.ones(2), t.ones(2, dtype=t.float64)),
    lambda t: t.isclose(t.ones(2), t.ones(2), rtol=-1),
    lambda t: t.isclose(t.ones(2), t.ones(2), atol=-0.5),
    lambda t: t.allclose(t.ones(2), t.ones(2), rtol=-1),
    lambda t: t.lerp(t.ones(2), t.ones(2, dtype=t.float64), 0.5),
    lambda t: t.lerp(t.ones(2), t.ones(2), t.ones(2, dtype=t.float64)),
    lambda t: t.lerp(t.ones(2, dtype=t.int64), t.ones(2, dtype=t.int64), 1),
    lambda t: t.lerp(t.ones(2, 3), t.ones(4), 0.5),
    lambda t: t.lerp(t.ones(2, 3), t.ones(3), t.ones(2, 2)),
    lambda t: t.hypot(t.ones(2, dtype=t.int64), t.ones(2, dtype=t.int64)),
    lambda t: t.hypot(t.ones(2, dtype=t.bool), t.ones(2, dtype=t.bool)),
    lambda t: t.atan2(t.ones(2), 2.0),
    lambda t: t.hypot(1.0, t.ones(2)),
    lambda t: t.arctan2(t.ones(2), 2.0),
    lambda t: t.nan_to_num([1.0]),
    lambda t: t.nan_to_num(t.ones(2), nan="a"),
    lambda t: t.ones(2, dtype=t.int64).atan2_(t.ones(2)),
])
def test_new_ops_errors_match_torch(call):
    from helpers import assert_torch_wording

    messages = []
    for lib in (torch, ag):
        with pytest.raises((RuntimeError, TypeError)) as info:
            call(lib)
        messages.append((type(info.value), str(info.value)))
    assert messages[1][0] is messages[0][0]
    assert_torch_wording(messages[1][1], messages[0][1])


def test_sign_is_recorded_with_a_zero_gradient(device, rng):
    """torch records SignBackward0 (gradient zeros), so a graph through sign still backpropagates."""
    values = random_array(rng, (3, 4)).astype(np.float64)
    values[0, :2] = [0.0, np.nan]
    grads = []
    for lib, dev in ((torch, "cpu"), (ag, device)):
        x = lib.tensor(values, device=dev, requires_grad=True)
        y = x.sign()
        assert y.grad_fn.name() == "SignBackward0"
        (y * x).sum().backward()
        grads.append((y.detach().cpu().numpy(), x.grad.cpu().numpy()))
    np.testing.assert_array_equal(grads[1][0], grads[0][0])
    np.testing.assert_array_equal(grads[1][1], grads[0][1])
