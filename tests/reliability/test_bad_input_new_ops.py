"""Bad input through the ops and layers merged from math_ops and nn_more (issue 5), with torch as
the oracle (bad_input_oracle.compare): torch's result value for value, or an exception that
torch's class catches, ours naming the op or the arguments; no argument changes.

Explicit rows (wrong dtype, shape mismatch, bad dims, empty and 0-d tensors, NaN/Inf, Python
objects that are not tensors, layers of the wrong size, rank, dtype or construction) and
hypothesis properties over drawn tensors. Every op is called as an attribute of the library
argument ``t`` (or as a method of a tensor), so that its name appears in the source."""
import re
from collections import namedtuple

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reliability.bad_input_oracle import Array, compare

SETTINGS = settings(max_examples=15, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=True)

F32 = "float32"
NAN_INF = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5]


def a(*shape, dtype=F32, layout="contiguous", grad=False, values=None):
    """An Array of fixed, non-trivial values (seeded by shape), or of ``values``."""
    if values is not None:
        return Array(np.asarray(values, dtype=dtype), layout, grad)
    rng = np.random.default_rng(sum(shape) + len(shape))
    if dtype == "bool":
        v = rng.random(shape) > 0.5
    elif dtype.startswith("int"):
        v = rng.integers(0, 3, size=shape).astype(dtype)
    else:
        v = rng.uniform(-2, 2, size=shape).astype(dtype)
    return Array(np.asarray(v), layout, grad)


def special(dtype=F32):
    return a(dtype=dtype, values=NAN_INF)


def layer(t, name, *args, **kwargs):
    """A freshly seeded layer (both libraries seeded alike)."""
    t.manual_seed(0)
    return getattr(t.nn, name)(*args, **kwargs)


# -- drawn operands ------------------------------------------------------------------------------

DTYPES = ("float16", "float32", "float64", "int32", "int64", "bool")
NOT_NUMBERS = (None, "a", object(), [1, "x"])
NUMBERS = (0, 2, -3, 2.5, -0.5, True, float("nan"), float("inf"))
SPECIALS = (float("nan"), float("inf"), float("-inf"), 0.0, -0.0)
shapes = st.lists(st.integers(0, 3), min_size=0, max_size=3).map(tuple)


@st.composite
def arrays(draw, shape=None, dtypes=DTYPES):
    shape = draw(shapes) if shape is None else shape
    dtype = draw(st.sampled_from(dtypes))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    if dtype == "bool":
        values = rng.random(shape) > 0.5
    elif dtype.startswith("int"):
        values = rng.integers(-3, 4, size=shape).astype(dtype)
    else:
        values = rng.uniform(-3, 3, size=shape).astype(dtype)
        if draw(st.booleans()) and values.size:
            picks = rng.integers(0, values.size, size=max(1, values.size // 3))
            values.flat[picks] = rng.choice(SPECIALS, size=picks.size)
    layout = draw(st.sampled_from(("contiguous", "transposed", "strided")))
    return Array(np.asarray(values), layout, requires_grad=draw(st.booleans()))


@st.composite
def operands(draw, like=None):
    kind = draw(st.sampled_from(("tensor",) * 6 + ("number", "object")))
    if kind == "number":
        return draw(st.sampled_from(NUMBERS))
    if kind == "object":
        return draw(st.sampled_from(NOT_NUMBERS))
    if isinstance(like, Array) and draw(st.booleans()):
        out = [1 if draw(st.booleans()) else s for s in like.values.shape]
        return draw(arrays(shape=tuple(out[draw(st.integers(0, len(out))):])))
    return draw(arrays())


# -- pointwise, drawn ----------------------------------------------------------------------------

UNARY = {
    "log2": lambda t, x: t.log2(x), "log10": lambda t, x: t.log10(x),
    "exp2": lambda t, x: t.exp2(x), "asin": lambda t, x: t.asin(x),
    "acos": lambda t, x: t.acos(x), "atan": lambda t, x: t.atan(x),
    "asinh": lambda t, x: t.asinh(x), "acosh": lambda t, x: t.acosh(x),
    "atanh": lambda t, x: t.atanh(x), "arcsin": lambda t, x: t.arcsin(x),
    "arccos": lambda t, x: t.arccos(x), "arctan": lambda t, x: t.arctan(x),
    "arcsinh": lambda t, x: t.arcsinh(x), "arccosh": lambda t, x: t.arccosh(x),
    "arctanh": lambda t, x: t.arctanh(x), "erfc": lambda t, x: t.erfc(x),
    "erfinv": lambda t, x: t.erfinv(x), "sgn": lambda t, x: t.sgn(x),
    "signbit": lambda t, x: t.signbit(x), "deg2rad": lambda t, x: t.deg2rad(x),
    "rad2deg": lambda t, x: t.rad2deg(x), "logit": lambda t, x: t.logit(x),
    "logit_eps": lambda t, x: t.logit(x, eps=0.1),
    "negative": lambda t, x: t.negative(x), "absolute": lambda t, x: t.absolute(x),
    "positive": lambda t, x: t.positive(x), "is_floating_point": lambda t, x: t.is_floating_point(x),
    "nansum": lambda t, x: t.nansum(x), "nanmean": lambda t, x: t.nanmean(x),
    "aminmax": lambda t, x: t.aminmax(x), "atleast_1d": lambda t, x: t.atleast_1d(x),
    "atleast_2d": lambda t, x: t.atleast_2d(x), "atleast_3d": lambda t, x: t.atleast_3d(x),
}

METHODS = {
    "log2": lambda t, x: x.log2(), "log10": lambda t, x: x.log10(), "exp2": lambda t, x: x.exp2(),
    "asin": lambda t, x: x.asin(), "acos": lambda t, x: x.acos(), "atan": lambda t, x: x.atan(),
    "asinh": lambda t, x: x.asinh(), "acosh": lambda t, x: x.acosh(),
    "atanh": lambda t, x: x.atanh(), "arcsin": lambda t, x: x.arcsin(),
    "arccos": lambda t, x: x.arccos(), "arctan": lambda t, x: x.arctan(),
    "arcsinh": lambda t, x: x.arcsinh(), "arccosh": lambda t, x: x.arccosh(),
    "arctanh": lambda t, x: x.arctanh(), "erfc": lambda t, x: x.erfc(),
    "erfinv": lambda t, x: x.erfinv(), "sgn": lambda t, x: x.sgn(),
    "signbit": lambda t, x: x.signbit(), "deg2rad": lambda t, x: x.deg2rad(),
    "rad2deg": lambda t, x: x.rad2deg(), "logit": lambda t, x: x.logit(),
    "negative": lambda t, x: x.negative(), "absolute": lambda t, x: x.absolute(),
    "positive": lambda t, x: x.positive(), "is_floating_point": lambda t, x: x.is_floating_point(),
    "nansum": lambda t, x: x.nansum(), "nanmean": lambda t, x: x.nanmean(),
    "aminmax": lambda t, x: x.aminmax(),
}

INPLACE_UNARY = {
    "log2_": lambda t, x: x.log2_(), "log10_": lambda t, x: x.log10_(),
    "exp2_": lambda t, x: x.exp2_(), "asin_": lambda t, x: x.asin_(),
    "acos_": lambda t, x: x.acos_(), "atan_": lambda t, x: x.atan_(),
    "asinh_": lambda t, x: x.asinh_(), "acosh_": lambda t, x: x.acosh_(),
    "atanh_": lambda t, x: x.atanh_(), "arcsin_": lambda t, x: x.arcsin_(),
    "arccos_": lambda t, x: x.arccos_(), "arctan_": lambda t, x: x.arctan_(),
    "arcsinh_": lambda t, x: x.arcsinh_(), "arccosh_": lambda t, x: x.arccosh_(),
    "arctanh_": lambda t, x: x.arctanh_(), "erfc_": lambda t, x: x.erfc_(),
    "erfinv_": lambda t, x: x.erfinv_(), "sgn_": lambda t, x: x.sgn_(),
    "deg2rad_": lambda t, x: x.deg2rad_(), "rad2deg_": lambda t, x: x.rad2deg_(),
    "logit_": lambda t, x: x.logit_(), "negative_": lambda t, x: x.negative_(),
    "absolute_": lambda t, x: x.absolute_(),
}


@pytest.mark.parametrize("name", UNARY)
@SETTINGS
@given(x=operands())
def test_unary(name, x):
    compare(UNARY[name], [x], (name.split("_")[0], name))


@pytest.mark.parametrize("name", METHODS)
@SETTINGS
@given(x=arrays())
def test_unary_method(name, x):
    compare(METHODS[name], [x], (name,))


@pytest.mark.parametrize("name", INPLACE_UNARY)
@SETTINGS
@given(x=arrays())
def test_unary_inplace(name, x):
    compare(INPLACE_UNARY[name], [x], (name.rstrip("_"), name), inplace=True)


BINARY = {
    "fmod": lambda t, x, y: t.fmod(x, y), "copysign": lambda t, x, y: t.copysign(x, y),
    "logaddexp": lambda t, x, y: t.logaddexp(x, y), "logaddexp2": lambda t, x, y: t.logaddexp2(x, y),
    "xlogy": lambda t, x, y: t.xlogy(x, y), "fmax": lambda t, x, y: t.fmax(x, y),
    "fmin": lambda t, x, y: t.fmin(x, y), "float_power": lambda t, x, y: t.float_power(x, y),
    "clamp_min": lambda t, x, y: t.clamp_min(x, y), "clamp_max": lambda t, x, y: t.clamp_max(x, y),
}

INPLACE_BINARY = {
    "fmod_": lambda t, x, y: x.fmod_(y), "copysign_": lambda t, x, y: x.copysign_(y),
    "xlogy_": lambda t, x, y: x.xlogy_(y), "float_power_": lambda t, x, y: x.float_power_(y),
    "clamp_min_": lambda t, x, y: x.clamp_min_(y), "clamp_max_": lambda t, x, y: x.clamp_max_(y),
}


BINARY_METHODS = {
    "fmod": lambda t, x, y: x.fmod(y), "copysign": lambda t, x, y: x.copysign(y),
    "logaddexp": lambda t, x, y: x.logaddexp(y), "logaddexp2": lambda t, x, y: x.logaddexp2(y),
    "xlogy": lambda t, x, y: x.xlogy(y), "fmax": lambda t, x, y: x.fmax(y),
    "fmin": lambda t, x, y: x.fmin(y), "float_power": lambda t, x, y: x.float_power(y),
    "clamp_min": lambda t, x, y: x.clamp_min(y), "clamp_max": lambda t, x, y: x.clamp_max(y),
    "kron": lambda t, x, y: x.kron(y), "cross": lambda t, x, y: x.cross(y),
    "masked_select": lambda t, x, y: x.masked_select(y),
    "addcmul": lambda t, x, y: x.addcmul(y, y, value=2), "addcdiv": lambda t, x, y: x.addcdiv(y, y),
    "addcmul_": lambda t, x, y: x.clone().addcmul_(y, y), "addcdiv_": lambda t, x, y: x.clone().addcdiv_(y, y),
    "kron_fn": lambda t, x, y: t.kron(x, y), "cross_fn": lambda t, x, y: t.cross(x, y, dim=-1),
    "masked_select_fn": lambda t, x, y: t.masked_select(x, y),
    "addcmul_fn": lambda t, x, y: t.addcmul(x, y, x), "addcdiv_fn": lambda t, x, y: t.addcdiv(x, y, x),
    "tensordot": lambda t, x, y: t.tensordot(x, y, dims=1),
    "searchsorted": lambda t, x, y: t.searchsorted(x, y),
    "bucketize": lambda t, x, y: t.bucketize(x, y),
    "take_along_dim": lambda t, x, y: t.take_along_dim(x, y),
}


@pytest.mark.parametrize("name", BINARY_METHODS)
@SETTINGS
@given(data=st.data())
def test_binary_method(name, data):
    x = data.draw(arrays())
    y = data.draw(operands(like=x))
    if "kron" in name:  # torch's kron views a non-contiguous operand and fails; we take it
        assume(x.layout == "contiguous" and getattr(y, "layout", "contiguous") == "contiguous")
    compare(BINARY_METHODS[name], [x, y], (name.split("_fn")[0].rstrip("_"), name))


@pytest.mark.parametrize("name", BINARY)
@SETTINGS
@given(data=st.data())
def test_binary(name, data):
    x = data.draw(operands())
    y = data.draw(operands(like=x))
    compare(BINARY[name], [x, y], (name.split("_")[0], name))


@pytest.mark.parametrize("name", INPLACE_BINARY)
@SETTINGS
@given(data=st.data())
def test_binary_inplace(name, data):
    x = data.draw(arrays())
    y = data.draw(operands(like=x))
    compare(INPLACE_BINARY[name], [x, y], (name.rstrip("_"), name.split("_")[0]), inplace=True)


# -- scans and reductions along a dim, drawn -----------------------------------------------------

DIM_OPS = {
    "cummax": lambda t, x, d: t.cummax(x, d), "cummin": lambda t, x, d: t.cummin(x, d),
    "logcumsumexp": lambda t, x, d: t.logcumsumexp(x, d), "diff": lambda t, x, d: t.diff(x, dim=d),
    "nansum": lambda t, x, d: t.nansum(x, d), "nanmean": lambda t, x, d: t.nanmean(x, d),
    "aminmax": lambda t, x, d: t.aminmax(x, dim=d), "swapaxes": lambda t, x, d: t.swapaxes(x, d, 0),
    "swapdims": lambda t, x, d: t.swapdims(x, 0, d),
    "cummax_method": lambda t, x, d: x.cummax(d), "cummin_method": lambda t, x, d: x.cummin(d),
    "logcumsumexp_method": lambda t, x, d: x.logcumsumexp(d), "diff_method": lambda t, x, d: x.diff(dim=d),
    "swapaxes_method": lambda t, x, d: x.swapaxes(d, 0), "swapdims_method": lambda t, x, d: x.swapdims(0, d),
}


@pytest.mark.parametrize("name", DIM_OPS)
@SETTINGS
@given(x=operands(), dim=st.integers(-4, 3))
def test_dim_op(name, x, dim):
    assume(isinstance(x, Array) or not name.endswith("_method"))  # an int has no methods
    compare(lambda t, a: DIM_OPS[name](t, a, dim), [x], (name.split("_")[0], name))


# -- stacking, drawn -----------------------------------------------------------------------------

STACKS = {
    "hstack": lambda t, xs: t.hstack(xs), "vstack": lambda t, xs: t.vstack(xs),
    "dstack": lambda t, xs: t.dstack(xs), "column_stack": lambda t, xs: t.column_stack(xs),
    "broadcast_tensors": lambda t, xs: t.broadcast_tensors(*xs),
    "meshgrid": lambda t, xs: t.meshgrid(*xs, indexing="ij"),
    "atleast_1d": lambda t, xs: t.atleast_1d(*xs), "atleast_2d": lambda t, xs: t.atleast_2d(xs),
    "atleast_3d": lambda t, xs: t.atleast_3d(*xs),
}


@pytest.mark.parametrize("name", STACKS)
@SETTINGS
@given(xs=st.lists(arrays(), min_size=1, max_size=3))
def test_stack(name, xs):
    compare(STACKS[name], [xs], (name,))


INT_ARGS = {
    "tril_indices": lambda t, r, c, o: t.tril_indices(r, c, o),
    "triu_indices": lambda t, r, c, o: t.triu_indices(r, c, o),
    "diff_n": lambda t, r, c, o: t.diff(t.arange(6.0).reshape(2, 3), n=r, dim=c),
    "swapaxes": lambda t, r, c, o: t.swapaxes(t.ones(2, 3), r, c),
    "pixel_shuffle": lambda t, r, c, o: t.nn.functional.pixel_shuffle(t.ones(1, 4, 2, 2), r),
    "pixel_unshuffle": lambda t, r, c, o: t.nn.functional.pixel_unshuffle(t.ones(1, 1, 4, 4), r),
    "glu": lambda t, r, c, o: t.nn.functional.glu(t.ones(2, 4), r),
    "softmin": lambda t, r, c, o: t.nn.functional.softmin(t.ones(2, 3), r),
    "cummax": lambda t, r, c, o: t.cummax(t.ones(2, 3), r),
    "logcumsumexp": lambda t, r, c, o: t.logcumsumexp(t.ones(2, 3), r),
    "pad": lambda t, r, c, o: t.nn.functional.pad(t.ones(1, 2, 3), (r, c), mode="reflect"),
    "CircularPad1d": lambda t, r, c, o: t.nn.CircularPad1d((r, c))(t.ones(1, 2, 3)),
    "ReplicationPad1d": lambda t, r, c, o: t.nn.ReplicationPad1d((r, c))(t.ones(1, 2, 3)),
    "MultiheadAttention": lambda t, r, c, o: t.nn.MultiheadAttention(r, c).num_heads,
}

# (True as a dim or size: torch refuses a bool where an int is asked; autograd_gpu, library-wide,
# takes it as 1 -- not drawn here, see the report of this file's branch)
int_args = st.one_of(st.integers(-4, 5), st.sampled_from((2.0, None, "2")))


@pytest.mark.parametrize("name", INT_ARGS)
@SETTINGS
@given(r=int_args, c=int_args, o=st.integers(-3, 3))
def test_int_arguments(name, r, c, o):
    """Sizes, dims, factors and paddings drawn from bad integers and things that are not."""
    underlying = {"swapaxes": "transpose", "softmin": "softmax"}  # the op the note names
    names = (name.split("_n")[0], name, underlying.get(name, name)) + (("pad",) if "Pad" in name else ())
    compare(lambda t: INT_ARGS[name](t, r, c, o), [], names)


# -- explicit rows -------------------------------------------------------------------------------

Case = namedtuple("Case", "op case call args")

CASES = [
    # pointwise: dtypes, specials, non-tensors
    Case("log2", "int", lambda t, x: t.log2(x), [a(3, dtype="int64")]),
    Case("log2", "bool", lambda t, x: t.log2(x), [a(3, dtype="bool")]),
    Case("log2", "nan_inf", lambda t, x: t.log2(x), [special()]),
    Case("log10", "nan_inf", lambda t, x: t.log10(x), [special("float64")]),
    Case("exp2", "int", lambda t, x: t.exp2(x), [a(2, 2, dtype="int32")]),
    Case("asin", "nan_inf", lambda t, x: t.asin(x), [special()]),
    Case("acos", "0-d", lambda t, x: t.acos(x), [a(values=2.0)]),
    Case("atan", "empty", lambda t, x: t.atan(x), [a(0, 3)]),
    Case("asinh", "list", lambda t, x: t.asinh(x), [[1.0, 2.0]]),
    Case("acosh", "nan_inf", lambda t, x: t.acosh(x), [special()]),
    Case("atanh", "nan_inf", lambda t, x: t.atanh(x), [special()]),
    Case("erfc", "none", lambda t, x: t.erfc(x), [None]),
    Case("erfinv", "nan_inf", lambda t, x: t.erfinv(x), [special()]),
    Case("erfinv", "int", lambda t, x: t.erfinv(x), [a(3, dtype="int64")]),
    Case("sgn", "bool", lambda t, x: t.sgn(x), [a(3, dtype="bool")]),
    Case("signbit", "nan_inf", lambda t, x: t.signbit(x), [special()]),
    Case("signbit", "str", lambda t, x: t.signbit(x), ["a"]),
    Case("deg2rad", "int", lambda t, x: t.deg2rad(x), [a(3, dtype="int64")]),
    Case("rad2deg", "bool", lambda t, x: t.rad2deg(x), [a(3, dtype="bool")]),
    Case("logit", "eps str", lambda t, x: t.logit(x, eps="a"), [a(3)]),
    Case("logit", "nan_inf", lambda t, x: t.logit(x, 1e-6), [special()]),
    Case("negative", "bool", lambda t, x: t.negative(x), [a(3, dtype="bool")]),
    Case("negative_", "bool", lambda t, x: x.negative_(), [a(3, dtype="bool")]),
    Case("absolute", "bool", lambda t, x: t.absolute(x), [a(3, dtype="bool")]),
    Case("positive", "bool", lambda t, x: t.positive(x), [a(3, dtype="bool")]),
    Case("log2_", "int", lambda t, x: x.log2_(), [a(3, dtype="int64")]),
    Case("exp2_", "int", lambda t, x: x.exp2_(), [a(3, dtype="int64")]),
    Case("sgn_", "bool", lambda t, x: x.sgn_(), [a(3, dtype="bool")]),
    Case("acos_", "grad leaf", lambda t, x: x.acos_(), [a(3, grad=True)]),
    # binary
    Case("fmod", "no broadcast", lambda t, x, y: t.fmod(x, y), [a(3, 4), a(2, 5)]),
    Case("fmod", "int by zero", lambda t, x, y: t.fmod(x, y), [a(3, dtype="int64"), a(values=[0, 1, 2], dtype="int64")]),
    Case("fmod", "nan_inf", lambda t, x, y: t.fmod(x, y), [special(), special()]),
    Case("fmod_", "grows self", lambda t, x, y: x.fmod_(y), [a(3), a(2, 3)]),
    Case("fmod_", "float into int", lambda t, x, y: x.fmod_(y), [a(3, dtype="int64"), a(3)]),
    Case("fmod", "str", lambda t, x, y: t.fmod(x, y), [a(3), "a"]),
    Case("copysign", "no broadcast", lambda t, x, y: t.copysign(x, y), [a(3), a(4)]),
    Case("copysign", "nan_inf", lambda t, x, y: t.copysign(x, y), [special(), a(8)]),
    Case("copysign_", "int self", lambda t, x, y: x.copysign_(y), [a(3, dtype="int64"), a(3)]),
    Case("logaddexp", "int", lambda t, x, y: t.logaddexp(x, y), [a(3, dtype="int64"), a(3, dtype="int64")]),
    Case("logaddexp", "no broadcast", lambda t, x, y: t.logaddexp(x, y), [a(2, 3), a(3, 2)]),
    Case("logaddexp", "nan_inf", lambda t, x, y: t.logaddexp(x, y), [special(), special()]),
    Case("logaddexp2", "number", lambda t, x, y: t.logaddexp2(x, y), [a(3), 2.0]),
    Case("logaddexp2", "bool", lambda t, x, y: t.logaddexp2(x, y), [a(3, dtype="bool"), a(3)]),
    Case("xlogy", "no broadcast", lambda t, x, y: t.xlogy(x, y), [a(3), a(2)]),
    Case("xlogy", "nan_inf", lambda t, x, y: t.xlogy(x, y), [special(), special()]),
    Case("xlogy", "number self", lambda t, x, y: t.xlogy(x, y), [2.0, a(3)]),
    Case("xlogy_", "int self", lambda t, x, y: x.xlogy_(y), [a(3, dtype="int64"), a(3)]),
    Case("fmax", "no broadcast", lambda t, x, y: t.fmax(x, y), [a(3), a(2)]),
    Case("fmax", "number", lambda t, x, y: t.fmax(x, y), [a(3), 1.0]),
    Case("fmin", "nan_inf", lambda t, x, y: t.fmin(x, y), [special(), a(8)]),
    Case("fmin", "bool", lambda t, x, y: t.fmin(x, y), [a(3, dtype="bool"), a(3, dtype="bool")]),
    Case("float_power", "no broadcast", lambda t, x, y: t.float_power(x, y), [a(3), a(2)]),
    Case("float_power", "int", lambda t, x, y: t.float_power(x, y), [a(3, dtype="int64"), 2]),
    Case("float_power_", "float32 self", lambda t, x, y: x.float_power_(y), [a(3), 2.0]),
    Case("float_power", "str", lambda t, x, y: t.float_power(x, y), [a(3), "a"]),
    Case("clamp_min", "no broadcast", lambda t, x, y: t.clamp_min(x, y), [a(3), a(2)]),
    Case("clamp_min", "none", lambda t, x, y: t.clamp_min(x, y), [a(3), None]),
    Case("clamp_max", "nan", lambda t, x, y: t.clamp_max(x, y), [a(3), float("nan")]),
    Case("clamp_max", "bool", lambda t, x, y: t.clamp_max(x, y), [a(3, dtype="bool"), True]),
    Case("clamp_min_", "float into int", lambda t, x, y: x.clamp_min_(y), [a(3, dtype="int64"), 0.5]),
    Case("clamp_max_", "tensor grows self", lambda t, x, y: x.clamp_max_(y), [a(3), a(2, 3)]),
    Case("addcmul", "no broadcast", lambda t, x, y, z: t.addcmul(x, y, z), [a(3), a(4), a(3)]),
    Case("addcmul", "value str", lambda t, x, y, z: t.addcmul(x, y, z, value="a"), [a(3), a(3), a(3)]),
    Case("addcmul", "float value, int", lambda t, x, y, z: t.addcmul(x, y, z, value=0.5),
         [a(3, dtype="int64"), a(3, dtype="int64"), a(3, dtype="int64")]),
    Case("addcmul_", "grows self", lambda t, x, y, z: x.addcmul_(y, z), [a(3), a(2, 3), a(2, 3)]),
    Case("addcdiv", "int", lambda t, x, y, z: t.addcdiv(x, y, z),
         [a(3, dtype="int64"), a(3, dtype="int64"), a(3, dtype="int64")]),
    Case("addcdiv", "nan_inf", lambda t, x, y, z: t.addcdiv(x, y, z), [special(), special(), special()]),
    Case("addcdiv", "none", lambda t, x, y, z: t.addcdiv(x, y, z), [a(3), None, a(3)]),
    Case("addcdiv_", "no broadcast", lambda t, x, y, z: x.addcdiv_(y, z), [a(3), a(4), a(4)]),
    # scans, reductions
    Case("nansum", "int", lambda t, x: t.nansum(x), [a(3, dtype="int64")]),
    Case("nansum", "bool", lambda t, x: t.nansum(x), [a(3, dtype="bool")]),
    Case("nansum", "dim out of range", lambda t, x: t.nansum(x, 2), [a(3, 2)]),
    Case("nansum", "nan_inf", lambda t, x: t.nansum(x), [special()]),
    Case("nansum", "dtype", lambda t, x: t.nansum(x, dtype=t.float64), [special()]),
    Case("nanmean", "int", lambda t, x: t.nanmean(x), [a(3, dtype="int64")]),
    Case("nanmean", "all nan", lambda t, x: t.nanmean(x), [a(values=[np.nan, np.nan])]),
    Case("nanmean", "empty", lambda t, x: t.nanmean(x, 0), [a(0, 3)]),
    Case("aminmax", "empty", lambda t, x: t.aminmax(x), [a(0)]),
    Case("aminmax", "empty dim", lambda t, x: t.aminmax(x, dim=0), [a(0, 3)]),
    Case("aminmax", "dim out of range", lambda t, x: t.aminmax(x, dim=3), [a(2, 2)]),
    Case("aminmax", "0-d", lambda t, x: t.aminmax(x, dim=0), [a(values=1.5)]),
    Case("aminmax", "nan", lambda t, x: t.aminmax(x), [special()]),
    Case("cummax", "no dim", lambda t, x: t.cummax(x), [a(3)]),
    Case("cummax", "dim out of range", lambda t, x: t.cummax(x, 1), [a(3)]),
    Case("cummax", "nan", lambda t, x: t.cummax(x, 0), [special()]),
    Case("cummin", "bool", lambda t, x: t.cummin(x, 0), [a(4, dtype="bool")]),
    Case("cummin", "0-d", lambda t, x: t.cummin(x, 0), [a(values=3.0)]),
    Case("cummin", "dim str", lambda t, x: t.cummin(x, "a"), [a(3)]),
    Case("logcumsumexp", "int", lambda t, x: t.logcumsumexp(x, 0), [a(3, dtype="int64")]),
    Case("logcumsumexp", "nan_inf", lambda t, x: t.logcumsumexp(x, 0), [special()]),
    Case("logcumsumexp", "empty", lambda t, x: t.logcumsumexp(x, 1), [a(2, 0)]),
    Case("diff", "0-d", lambda t, x: t.diff(x), [a(values=1.0)]),
    Case("diff", "n negative", lambda t, x: t.diff(x, n=-1), [a(4)]),
    Case("diff", "prepend shape", lambda t, x, p: t.diff(x, dim=0, prepend=p), [a(3, 2), a(1, 3)]),
    Case("diff", "append dtype", lambda t, x, p: t.diff(x, append=p), [a(3), a(2, dtype="int64")]),
    Case("diff", "bool", lambda t, x: t.diff(x), [a(4, dtype="bool")]),
    Case("diff", "n larger", lambda t, x: t.diff(x, n=5), [a(3)]),
    Case("diff", "dim out of range", lambda t, x: t.diff(x, dim=2), [a(3, 2)]),
    # stacking
    Case("hstack", "empty list", lambda t: t.hstack([]), []),
    Case("hstack", "mixed rank", lambda t, x, y: t.hstack([x, y]), [a(2, 3), a(3)]),
    Case("hstack", "not a list", lambda t, x: t.hstack(x), [a(2, 3)]),
    Case("vstack", "width", lambda t, x, y: t.vstack([x, y]), [a(2, 3), a(2, 4)]),
    Case("vstack", "dtypes", lambda t, x, y: t.vstack([x, y]), [a(3), a(3, dtype="int64")]),
    Case("dstack", "height", lambda t, x, y: t.dstack([x, y]), [a(2, 3), a(3, 3)]),
    Case("dstack", "none", lambda t, x: t.dstack([x, None]), [a(2)]),
    Case("column_stack", "lengths", lambda t, x, y: t.column_stack([x, y]), [a(3), a(4)]),
    Case("column_stack", "0-d", lambda t, x, y: t.column_stack([x, y]), [a(values=1.0), a(values=2.0)]),
    Case("atleast_1d", "list", lambda t, x: t.atleast_1d(x), [[1.0]]),
    Case("atleast_2d", "none", lambda t: t.atleast_2d(None), []),
    Case("atleast_3d", "str", lambda t: t.atleast_3d("a"), []),
    Case("swapaxes", "dim out of range", lambda t, x: t.swapaxes(x, 0, 2), [a(2, 3)]),
    Case("swapdims", "0-d", lambda t, x: t.swapdims(x, 0, -1), [a(values=1.0)]),
    Case("swapdims", "float dim", lambda t, x: t.swapdims(x, 0.5, 1), [a(2, 3)]),
    Case("broadcast_tensors", "no broadcast", lambda t, x, y: t.broadcast_tensors(x, y), [a(3), a(4)]),
    Case("broadcast_tensors", "list", lambda t, x: t.broadcast_tensors(x, [1.0]), [a(3)]),
    Case("meshgrid", "2-d", lambda t, x, y: t.meshgrid(x, y, indexing="ij"), [a(2, 2), a(3)]),
    Case("meshgrid", "bad indexing", lambda t, x, y: t.meshgrid(x, y, indexing="yx"), [a(2), a(3)]),
    Case("meshgrid", "dtypes", lambda t, x, y: t.meshgrid(x, y, indexing="xy"), [a(2), a(3, dtype="int64")]),
    Case("meshgrid", "empty", lambda t, x, y: t.meshgrid(x, y, indexing="ij"), [a(0), a(3)]),
    Case("tril_indices", "negative", lambda t: t.tril_indices(-1, 3), []),
    Case("tril_indices", "float", lambda t: t.tril_indices(2.5, 3), []),
    Case("tril_indices", "float dtype", lambda t: t.tril_indices(3, 3, dtype=t.float32), []),
    Case("triu_indices", "offset", lambda t: t.triu_indices(3, 4, 10), []),
    Case("triu_indices", "negative col", lambda t: t.triu_indices(3, -2), []),
    Case("triu_indices", "str", lambda t: t.triu_indices("3", 3), []),
    Case("take_along_dim", "float indices", lambda t, x, i: t.take_along_dim(x, i, 0), [a(3), a(3)]),
    Case("take_along_dim", "out of range", lambda t, x, i: t.take_along_dim(x, i, 0),
         [a(3), a(values=[5], dtype="int64")]),
    Case("take_along_dim", "rank", lambda t, x, i: t.take_along_dim(x, i, 0),
         [a(3, 2), a(values=[0], dtype="int64")]),
    Case("take_along_dim", "dim out of range", lambda t, x, i: t.take_along_dim(x, i, 3),
         [a(3), a(values=[0], dtype="int64")]),
    Case("take_along_dim", "no dim", lambda t, x, i: t.take_along_dim(x, i),
         [a(2, 3), a(values=[0, 5], dtype="int64")]),
    Case("take_along_dim", "method", lambda t, x, i: x.take_along_dim(i, 0),
         [a(3), a(values=[-1, 0], dtype="int64")]),
    Case("masked_select", "float mask", lambda t, x, m: t.masked_select(x, m), [a(3), a(3)]),
    Case("masked_select", "no broadcast", lambda t, x, m: t.masked_select(x, m), [a(3), a(2, dtype="bool")]),
    Case("masked_select", "empty", lambda t, x, m: t.masked_select(x, m), [a(0, 2), a(2, dtype="bool")]),
    Case("masked_select", "method", lambda t, x, m: x.masked_select(m), [a(2, 3), a(3, dtype="bool")]),
    Case("cross", "size 2", lambda t, x, y: t.cross(x, y, dim=0), [a(2), a(2)]),
    Case("cross", "shapes", lambda t, x, y: t.cross(x, y, dim=1), [a(2, 3), a(4, 3)]),
    Case("cross", "dim out of range", lambda t, x, y: t.cross(x, y, dim=2), [a(2, 3), a(2, 3)]),
    Case("cross", "dtypes", lambda t, x, y: t.cross(x, y, dim=0), [a(3), a(3, dtype="int64")]),
    Case("cross", "no size 3", lambda t, x, y: t.cross(x, y), [a(2, 2), a(2, 2)]),
    Case("cross", "method nan", lambda t, x, y: x.cross(y, dim=0), [a(values=[np.nan, 1, np.inf]), a(3)]),
    Case("kron", "dtypes", lambda t, x, y: t.kron(x, y), [a(2), a(2, dtype="int64")]),
    Case("kron", "0-d", lambda t, x, y: t.kron(x, y), [a(values=2.0), a(2, 2)]),
    Case("kron", "number", lambda t, x: t.kron(x, 2.0), [a(2)]),
    Case("kron", "empty", lambda t, x, y: t.kron(x, y), [a(0, 2), a(2, 3)]),
    Case("tensordot", "sizes", lambda t, x, y: t.tensordot(x, y, dims=1), [a(2, 3), a(4, 2)]),
    Case("tensordot", "negative dims", lambda t, x, y: t.tensordot(x, y, dims=-1), [a(2, 3), a(3, 2)]),
    Case("tensordot", "too many dims", lambda t, x, y: t.tensordot(x, y, dims=3), [a(2, 3), a(2, 3)]),
    Case("tensordot", "dim lists", lambda t, x, y: t.tensordot(x, y, dims=([0], [0, 1])), [a(2, 3), a(2, 3)]),
    Case("tensordot", "dtypes", lambda t, x, y: t.tensordot(x, y, dims=1), [a(2, 3), a(3, dtype="int64")]),
    Case("tensordot", "dim out of range", lambda t, x, y: t.tensordot(x, y, dims=([5], [0])), [a(2, 3), a(2, 3)]),
    Case("searchsorted", "dtypes", lambda t, s, v: t.searchsorted(s, v), [a(values=[1, 2, 3]), a(2, dtype="int64")]),
    Case("searchsorted", "rank", lambda t, s, v: t.searchsorted(s, v), [a(2, 3), a(3)]),
    Case("searchsorted", "side", lambda t, s, v: t.searchsorted(s, v, side="middle"), [a(values=[1, 2, 3]), a(2)]),
    Case("searchsorted", "side and right", lambda t, s, v: t.searchsorted(s, v, side="left", right=True),
         [a(values=[1, 2, 3]), a(2)]),
    Case("searchsorted", "nan", lambda t, s, v: t.searchsorted(s, v), [a(values=[1, 2, 3]), special()]),
    Case("searchsorted", "scalar", lambda t, s: t.searchsorted(s, 2.5), [a(values=[1, 2, 3])]),
    Case("searchsorted", "sorter shape", lambda t, s, v, o: t.searchsorted(s, v, sorter=o),
         [a(values=[3, 1, 2]), a(2), a(values=[1, 2], dtype="int64")]),
    Case("searchsorted", "0-d", lambda t, s, v: t.searchsorted(s, v), [a(values=1.0), a(2)]),
    Case("bucketize", "2-d boundaries", lambda t, x, b: t.bucketize(x, b), [a(3), a(2, 2)]),
    Case("bucketize", "dtypes", lambda t, x, b: t.bucketize(x, b), [a(3, dtype="int64"), a(values=[0.5, 1.5])]),
    Case("bucketize", "number", lambda t, b: t.bucketize(1.0, b), [a(values=[0.5, 1.5])]),
    Case("bucketize", "nan_inf", lambda t, x, b: t.bucketize(x, b, right=True), [special(), a(values=[0.0, 1.0])]),
    Case("is_floating_point", "list", lambda t: t.is_floating_point([1.0]), []),
    Case("is_floating_point", "0-d int", lambda t, x: t.is_floating_point(x), [a(values=1, dtype="int64")]),
    Case("finfo", "int dtype", lambda t: t.finfo(t.int32), []),
    Case("finfo", "str", lambda t: t.finfo("float32"), []),
    Case("finfo", "eps", lambda t: t.finfo(t.float16).eps, []),
    Case("finfo", "default", lambda t: t.finfo().tiny, []),
    Case("iinfo", "float dtype", lambda t: t.iinfo(t.float32), []),
    Case("iinfo", "bool", lambda t: t.iinfo(t.bool), []),
    Case("iinfo", "max", lambda t: t.iinfo(t.int64).max, []),
]


def _case_id(c):
    return f"{c.op}-{c.case}".replace(" ", "_")


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_case(case):
    compare(case.call, case.args, (case.op.rstrip("_"), case.op))


def test_rows_are_unique():
    ids = [_case_id(c) for c in CASES + NN_CASES]
    assert len(set(ids)) == len(ids)


# -- nn.functional and layers --------------------------------------------------------------------

F_UNARY = {
    "celu": lambda t, x: t.nn.functional.celu(x), "selu": lambda t, x: t.nn.functional.selu(x),
    "glu": lambda t, x: t.nn.functional.glu(x), "hardshrink": lambda t, x: t.nn.functional.hardshrink(x),
    "hardsigmoid": lambda t, x: t.nn.functional.hardsigmoid(x),
    "hardswish": lambda t, x: t.nn.functional.hardswish(x),
    "logsigmoid": lambda t, x: t.nn.functional.logsigmoid(x),
    "softmin": lambda t, x: t.nn.functional.softmin(x, dim=0),
    "softshrink": lambda t, x: t.nn.functional.softshrink(x),
    "softsign": lambda t, x: t.nn.functional.softsign(x),
    "tanhshrink": lambda t, x: t.nn.functional.tanhshrink(x),
    "threshold": lambda t, x: t.nn.functional.threshold(x, 0.5, -1.0),
    "CELU": lambda t, x: t.nn.CELU()(x), "SELU": lambda t, x: t.nn.SELU()(x),
    "GLU": lambda t, x: t.nn.GLU()(x), "Hardshrink": lambda t, x: t.nn.Hardshrink()(x),
    "Hardsigmoid": lambda t, x: t.nn.Hardsigmoid()(x), "Hardswish": lambda t, x: t.nn.Hardswish()(x),
    "LogSigmoid": lambda t, x: t.nn.LogSigmoid()(x), "Softmin": lambda t, x: t.nn.Softmin(dim=-1)(x),
    "Softshrink": lambda t, x: t.nn.Softshrink()(x), "Softsign": lambda t, x: t.nn.Softsign()(x),
    "Tanhshrink": lambda t, x: t.nn.Tanhshrink()(x),
    "Threshold": lambda t, x: t.nn.Threshold(0.1, 20.0)(x),
}


@pytest.mark.parametrize("name", F_UNARY)
@SETTINGS
@given(x=operands())
def test_activation(name, x):
    compare(F_UNARY[name], [x], (name.lower(), name))


F_BINARY = {
    "pairwise_distance": lambda t, x, y: t.nn.functional.pairwise_distance(x, y),
    "margin_ranking_loss": lambda t, x, y: t.nn.functional.margin_ranking_loss(x, y, y),
    "cosine_embedding_loss": lambda t, x, y: t.nn.functional.cosine_embedding_loss(x, x, y),
    "triplet_margin_loss": lambda t, x, y: t.nn.functional.triplet_margin_loss(x, y, y),
    "scaled_dot_product_attention": lambda t, x, y: t.nn.functional.scaled_dot_product_attention(x, y, y),
    "pixel_shuffle": lambda t, x, y: t.nn.functional.pixel_shuffle(x, 2),
    "pixel_unshuffle": lambda t, x, y: t.nn.functional.pixel_unshuffle(x, 1),
    "instance_norm": lambda t, x, y: t.nn.functional.instance_norm(x),
    "pad_reflect": lambda t, x, y: t.nn.functional.pad(x, (1, 0), mode="reflect"),
    "pad_replicate": lambda t, x, y: t.nn.functional.pad(x, (0, 1, 1, 0), mode="replicate"),
    "pad_circular": lambda t, x, y: t.nn.functional.pad(x, (1, 1), mode="circular"),
    "PairwiseDistance": lambda t, x, y: t.nn.PairwiseDistance(p=1.0)(x, y),
    "MarginRankingLoss": lambda t, x, y: t.nn.MarginRankingLoss()(x, y, x),
}


@pytest.mark.parametrize("name", F_BINARY)
@SETTINGS
@given(data=st.data())
def test_nn_drawn(name, data):
    x = data.draw(arrays(dtypes=("float32", "float64", "int64", "bool")))
    y = data.draw(operands(like=x))
    compare(F_BINARY[name], [x, y], (name.split("_")[0] if name.startswith("pad") else name,
                                     re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()))


NN_CASES = [
    # activations: dtypes, shapes, specials, arguments
    Case("celu", "alpha 0", lambda t, x: t.nn.functional.celu(x, alpha=0.0), [a(3)]),
    Case("celu", "int", lambda t, x: t.nn.functional.celu(x), [a(3, dtype="int64")]),
    Case("celu", "inplace nan", lambda t, x: t.nn.functional.celu(x.clone(), inplace=True), [special()]),
    Case("selu", "bool", lambda t, x: t.nn.functional.selu(x), [a(3, dtype="bool")]),
    Case("selu", "nan_inf", lambda t, x: t.nn.functional.selu(x), [special()]),
    Case("glu", "odd", lambda t, x: t.nn.functional.glu(x), [a(3)]),
    Case("glu", "0-d", lambda t, x: t.nn.functional.glu(x), [a(values=1.0)]),
    Case("glu", "dim out of range", lambda t, x: t.nn.functional.glu(x, dim=2), [a(2, 4)]),
    Case("glu", "int", lambda t, x: t.nn.functional.glu(x), [a(4, dtype="int64")]),
    Case("hardshrink", "int", lambda t, x: t.nn.functional.hardshrink(x), [a(3, dtype="int64")]),
    Case("hardshrink", "lambd str", lambda t, x: t.nn.functional.hardshrink(x, "a"), [a(3)]),
    Case("hardsigmoid", "int", lambda t, x: t.nn.functional.hardsigmoid(x), [a(3, dtype="int64")]),
    Case("hardswish", "bool", lambda t, x: t.nn.functional.hardswish(x), [a(3, dtype="bool")]),
    Case("logsigmoid", "int", lambda t, x: t.nn.functional.logsigmoid(x), [a(3, dtype="int64")]),
    Case("logsigmoid", "nan_inf", lambda t, x: t.nn.functional.logsigmoid(x), [special()]),
    Case("softmin", "dim out of range", lambda t, x: t.nn.functional.softmin(x, dim=2), [a(2, 3)]),
    Case("softmin", "int", lambda t, x: t.nn.functional.softmin(x, dim=0), [a(3, dtype="int64")]),
    Case("softmin", "int dtype arg", lambda t, x: t.nn.functional.softmin(x, 0, dtype=t.float64),
         [a(3, dtype="int64")]),
    Case("softshrink", "negative lambd", lambda t, x: t.nn.functional.softshrink(x, -1.0), [a(3)]),
    Case("softshrink", "int", lambda t, x: t.nn.functional.softshrink(x), [a(3, dtype="int64")]),
    Case("softsign", "int", lambda t, x: t.nn.functional.softsign(x), [a(3, dtype="int64")]),
    Case("tanhshrink", "int", lambda t, x: t.nn.functional.tanhshrink(x), [a(3, dtype="int64")]),
    Case("threshold", "int", lambda t, x: t.nn.functional.threshold(x, 1, 0), [a(3, dtype="int64")]),
    Case("threshold", "none", lambda t, x: t.nn.functional.threshold(x, None, 0.0), [a(3)]),
    Case("threshold", "nan", lambda t, x: t.nn.functional.threshold(x, 0.0, float("nan")), [special()]),
    Case("Softmin", "no dim 3-d", lambda t, x: t.nn.Softmin()(x), [a(2, 2, 2)]),
    Case("GLU", "odd dim", lambda t, x: t.nn.GLU(dim=0)(x), [a(3, 2)]),
    Case("Threshold", "missing value", lambda t: t.nn.Threshold(0.1), []),
    # losses and distances
    Case("cosine_embedding_loss", "target shape", lambda t, x, y, z: t.nn.functional.cosine_embedding_loss(x, y, z),
         [a(3, 4), a(3, 4), a(values=[1.0, -1.0])]),
    Case("cosine_embedding_loss", "input shapes", lambda t, x, y, z: t.nn.functional.cosine_embedding_loss(x, y, z),
         [a(3, 4), a(3, 5), a(values=[1.0, -1.0, 1.0])]),
    Case("cosine_embedding_loss", "3-d", lambda t, x, y, z: t.nn.functional.cosine_embedding_loss(x, y, z),
         [a(2, 3, 4), a(2, 3, 4), a(values=[1.0, -1.0])]),
    Case("cosine_embedding_loss", "reduction", lambda t, x, y, z: t.nn.functional.cosine_embedding_loss(x, y, z, reduction="all"),
         [a(3, 4), a(3, 4), a(values=[1.0, -1.0, 1.0])]),
    Case("cosine_embedding_loss", "int", lambda t, x, y, z: t.nn.functional.cosine_embedding_loss(x, y, z),
         [a(3, 4, dtype="int64"), a(3, 4, dtype="int64"), a(values=[1, -1, 1], dtype="int64")]),
    Case("cosine_embedding_loss", "1-d zero", lambda t, x, y, z: t.nn.functional.cosine_embedding_loss(x, y, z),
         [a(values=[0.0, 0.0]), a(2), a(values=1.0)]),
    Case("margin_ranking_loss", "shapes", lambda t, x, y, z: t.nn.functional.margin_ranking_loss(x, y, z),
         [a(3), a(4), a(3)]),
    Case("margin_ranking_loss", "target shape", lambda t, x, y, z: t.nn.functional.margin_ranking_loss(x, y, z),
         [a(3), a(3), a(2)]),
    Case("margin_ranking_loss", "int", lambda t, x, y, z: t.nn.functional.margin_ranking_loss(x, y, z),
         [a(3, dtype="int64"), a(3, dtype="int64"), a(3, dtype="int64")]),
    Case("margin_ranking_loss", "nan", lambda t, x, y, z: t.nn.functional.margin_ranking_loss(x, y, z),
         [special(), a(8), a(8)]),
    Case("margin_ranking_loss", "reduction", lambda t, x, y, z: t.nn.functional.margin_ranking_loss(x, y, z, reduction="x"),
         [a(3), a(3), a(3)]),
    Case("margin_ranking_loss", "empty", lambda t, x, y, z: t.nn.functional.margin_ranking_loss(x, y, z),
         [a(0), a(0), a(0)]),
    Case("pairwise_distance", "shapes", lambda t, x, y: t.nn.functional.pairwise_distance(x, y), [a(3, 4), a(3, 5)]),
    Case("pairwise_distance", "int", lambda t, x, y: t.nn.functional.pairwise_distance(x, y),
         [a(3, 4, dtype="int64"), a(3, 4, dtype="int64")]),
    Case("pairwise_distance", "0-d", lambda t, x, y: t.nn.functional.pairwise_distance(x, y), [a(values=1.0), a(values=2.0)]),
    Case("pairwise_distance", "negative p", lambda t, x, y: t.nn.functional.pairwise_distance(x, y, p=-1),
         [a(3, 4), a(3, 4)]),
    Case("pairwise_distance", "nan", lambda t, x, y: t.nn.functional.pairwise_distance(x, y), [special(), a(8)]),
    Case("pairwise_distance", "3-d", lambda t, x, y: t.nn.functional.pairwise_distance(x, y), [a(2, 3, 4), a(3, 4)]),
    Case("triplet_margin_loss", "shapes", lambda t, x, y, z: t.nn.functional.triplet_margin_loss(x, y, z),
         [a(3, 4), a(3, 4), a(3, 5)]),
    Case("triplet_margin_loss", "ranks", lambda t, x, y, z: t.nn.functional.triplet_margin_loss(x, y, z),
         [a(3, 4), a(3, 4), a(4)]),
    Case("triplet_margin_loss", "margin 0", lambda t, x, y, z: t.nn.functional.triplet_margin_loss(x, y, z, margin=0.0),
         [a(3, 4), a(3, 4), a(3, 4)]),
    Case("triplet_margin_loss", "negative margin", lambda t, x, y, z: t.nn.functional.triplet_margin_loss(x, y, z, margin=-1.0),
         [a(3, 4), a(3, 4), a(3, 4)]),
    Case("triplet_margin_loss", "int", lambda t, x, y, z: t.nn.functional.triplet_margin_loss(x, y, z),
         [a(3, 4, dtype="int64"), a(3, 4, dtype="int64"), a(3, 4, dtype="int64")]),
    Case("triplet_margin_loss", "nan", lambda t, x, y, z: t.nn.functional.triplet_margin_loss(x, y, z, swap=True),
         [a(2, 4, values=[[np.nan, 1, 2, 3], [np.inf, 0, 0, 0]]), a(2, 4), a(2, 4)]),
    Case("MarginRankingLoss", "shapes", lambda t, x, y, z: t.nn.MarginRankingLoss(margin=0.5)(x, y, z),
         [a(3), a(2), a(3)]),
    Case("CosineEmbeddingLoss", "target", lambda t, x, y, z: t.nn.CosineEmbeddingLoss()(x, y, z),
         [a(2, 3), a(2, 3), a(3)]),
    Case("TripletMarginLoss", "p 0", lambda t, x, y, z: t.nn.TripletMarginLoss(p=0)(x, y, z),
         [a(2, 3), a(2, 3), a(2, 3)]),
    Case("TripletMarginLoss", "reduction", lambda t, x: t.nn.TripletMarginLoss(reduction="bad")(x, x, x), [a(2, 3)]),
    Case("PairwiseDistance", "shapes", lambda t, x, y: t.nn.PairwiseDistance()(x, y), [a(2, 3), a(4, 3)]),
    Case("PairwiseDistance", "keepdim 1-d", lambda t, x, y: t.nn.PairwiseDistance(keepdim=True)(x, y), [a(3), a(3)]),
    # pixel shuffle
    Case("pixel_shuffle", "channels", lambda t, x: t.nn.functional.pixel_shuffle(x, 2), [a(1, 3, 2, 2)]),
    Case("pixel_shuffle", "rank", lambda t, x: t.nn.functional.pixel_shuffle(x, 2), [a(4, 2)]),
    Case("pixel_shuffle", "factor 0", lambda t, x: t.nn.functional.pixel_shuffle(x, 0), [a(1, 4, 2, 2)]),
    Case("pixel_shuffle", "factor float", lambda t, x: t.nn.functional.pixel_shuffle(x, 2.0), [a(1, 4, 2, 2)]),
    Case("pixel_shuffle", "int", lambda t, x: t.nn.functional.pixel_shuffle(x, 2), [a(1, 4, 1, 1, dtype="int64")]),
    Case("pixel_shuffle", "empty", lambda t, x: t.nn.functional.pixel_shuffle(x, 2), [a(0, 4, 2, 2)]),
    Case("pixel_unshuffle", "size", lambda t, x: t.nn.functional.pixel_unshuffle(x, 2), [a(1, 1, 3, 4)]),
    Case("pixel_unshuffle", "rank", lambda t, x: t.nn.functional.pixel_unshuffle(x, 2), [a(4, 4)]),
    Case("pixel_unshuffle", "negative", lambda t, x: t.nn.functional.pixel_unshuffle(x, -2), [a(1, 1, 4, 4)]),
    Case("PixelShuffle", "channels", lambda t, x: t.nn.PixelShuffle(3)(x), [a(1, 4, 2, 2)]),
    Case("PixelUnshuffle", "size", lambda t, x: t.nn.PixelUnshuffle(3)(x), [a(1, 1, 4, 4)]),
    # padding
    Case("pad", "reflect too wide", lambda t, x: t.nn.functional.pad(x, (3, 3), mode="reflect"), [a(1, 2, 3)]),
    Case("pad", "reflect 1-d", lambda t, x: t.nn.functional.pad(x, (1, 1), mode="reflect"), [a(3)]),
    Case("pad", "replicate empty", lambda t, x: t.nn.functional.pad(x, (1, 1), mode="replicate"), [a(1, 2, 0)]),
    Case("pad", "circular too wide", lambda t, x: t.nn.functional.pad(x, (4, 0), mode="circular"), [a(1, 2, 3)]),
    Case("pad", "bad mode", lambda t, x: t.nn.functional.pad(x, (1, 1), mode="wrap"), [a(1, 2, 3)]),
    Case("pad", "odd pad", lambda t, x: t.nn.functional.pad(x, (1, 1, 1), mode="reflect"), [a(1, 2, 3)]),
    Case("pad", "value with reflect", lambda t, x: t.nn.functional.pad(x, (1, 1), mode="reflect", value=1.0),
         [a(1, 2, 3)]),
    Case("pad", "reflect int", lambda t, x: t.nn.functional.pad(x, (1, 1), mode="reflect"), [a(1, 2, 3, dtype="int64")]),
    Case("pad", "replicate too many", lambda t, x: t.nn.functional.pad(x, (1, 1, 1, 1, 1, 1), mode="replicate"),
         [a(1, 2, 3)]),
    Case("pad", "circular negative", lambda t, x: t.nn.functional.pad(x, (-1, 1), mode="circular"), [a(1, 2, 3)]),
    Case("pad", "constant negative", lambda t, x: t.nn.functional.pad(x, (-4, 0)), [a(1, 2, 3)]),
    Case("pad", "float pad", lambda t, x: t.nn.functional.pad(x, (1.5, 1)), [a(1, 2, 3)]),
    Case("ZeroPad1d", "rank", lambda t, x: t.nn.ZeroPad1d(1)(x), [a(values=1.0)]),
    Case("ZeroPad2d", "tuple of 3", lambda t, x: t.nn.ZeroPad2d((1, 1, 1))(x), [a(1, 2, 2)]),
    Case("ZeroPad3d", "rank", lambda t, x: t.nn.ZeroPad3d(1)(x), [a(2, 2)]),
    Case("ConstantPad1d", "value str", lambda t, x: t.nn.ConstantPad1d(1, "a")(x), [a(1, 3)]),
    Case("ConstantPad2d", "int value on float", lambda t, x: t.nn.ConstantPad2d(1, 2)(x), [a(1, 2, 2, dtype="int64")]),
    Case("ConstantPad3d", "rank", lambda t, x: t.nn.ConstantPad3d(1, 0.0)(x), [a(2, 2)]),
    Case("ReflectionPad1d", "too wide", lambda t, x: t.nn.ReflectionPad1d(3)(x), [a(1, 2, 3)]),
    Case("ReflectionPad2d", "rank", lambda t, x: t.nn.ReflectionPad2d(1)(x), [a(3, 3)]),
    Case("ReflectionPad3d", "too wide", lambda t, x: t.nn.ReflectionPad3d(2)(x), [a(1, 2, 2, 2)]),
    Case("ReplicationPad1d", "empty", lambda t, x: t.nn.ReplicationPad1d(1)(x), [a(1, 0)]),
    Case("ReplicationPad2d", "rank", lambda t, x: t.nn.ReplicationPad2d(1)(x), [a(3)]),
    Case("ReplicationPad3d", "int", lambda t, x: t.nn.ReplicationPad3d(1)(x), [a(1, 2, 2, 2, dtype="int64")]),
    Case("CircularPad1d", "too wide", lambda t, x: t.nn.CircularPad1d(4)(x), [a(1, 3)]),
    Case("CircularPad2d", "rank", lambda t, x: t.nn.CircularPad2d(1)(x), [a(2)]),
    Case("CircularPad3d", "nan", lambda t, x: t.nn.CircularPad3d(1)(x), [a(1, 2, 2, 2, values=np.full((1, 2, 2, 2), np.nan))]),
    # instance norm
    Case("instance_norm", "one value", lambda t, x: t.nn.functional.instance_norm(x), [a(2, 3, 1)]),
    Case("instance_norm", "weight size", lambda t, x, w: t.nn.functional.instance_norm(x, weight=w), [a(2, 3, 4), a(2)]),
    Case("instance_norm", "running size", lambda t, x, m, v: t.nn.functional.instance_norm(x, m, v, use_input_stats=False),
         [a(2, 3, 4), a(2), a(2)]),
    Case("instance_norm", "int", lambda t, x: t.nn.functional.instance_norm(x), [a(2, 3, 4, dtype="int64")]),
    Case("instance_norm", "1-d", lambda t, x: t.nn.functional.instance_norm(x), [a(4)]),
    Case("instance_norm", "nan", lambda t, x: t.nn.functional.instance_norm(x), [a(1, 2, 4, values=[[[np.nan, 1, 2, 3], [np.inf, 1, 2, 3]]])]),
    Case("instance_norm", "no stats", lambda t, x: t.nn.functional.instance_norm(x, use_input_stats=False), [a(2, 3, 4)]),
    Case("InstanceNorm1d", "rank", lambda t, x: t.nn.InstanceNorm1d(3)(x), [a(2, 3, 4, 5)]),
    Case("InstanceNorm1d", "channels", lambda t, x: t.nn.InstanceNorm1d(3, affine=True)(x), [a(2, 4, 5)]),
    Case("InstanceNorm2d", "rank", lambda t, x: t.nn.InstanceNorm2d(3)(x), [a(2, 3, 4)]),
    Case("InstanceNorm2d", "channels tracked", lambda t, x: t.nn.InstanceNorm2d(3, track_running_stats=True)(x),
         [a(1, 2, 3, 3)]),
    Case("InstanceNorm3d", "rank", lambda t, x: t.nn.InstanceNorm3d(2)(x), [a(2, 3, 4)]),
    Case("InstanceNorm3d", "dtype", lambda t, x: t.nn.InstanceNorm3d(2, affine=True)(x), [a(1, 2, 2, 2, 2, dtype="float64")]),
    # attention
    Case("scaled_dot_product_attention", "dims", lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q, k, v),
         [a(2, 3, 4), a(2, 3, 5), a(2, 3, 4)]),
    Case("scaled_dot_product_attention", "lengths", lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q, k, v),
         [a(2, 3, 4), a(2, 5, 4), a(2, 3, 4)]),
    Case("scaled_dot_product_attention", "dtypes", lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q, k, v),
         [a(2, 3, 4), a(2, 3, 4, dtype="float64"), a(2, 3, 4)]),
    Case("scaled_dot_product_attention", "int", lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q, k, v),
         [a(2, 3, 4, dtype="int64"), a(2, 3, 4, dtype="int64"), a(2, 3, 4, dtype="int64")]),
    Case("scaled_dot_product_attention", "mask shape", lambda t, q, k, v, m: t.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m),
         [a(2, 3, 4), a(2, 3, 4), a(2, 3, 4), a(2, 2, dtype="bool")]),
    Case("scaled_dot_product_attention", "mask and causal", lambda t, q, k, v, m: t.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m, is_causal=True),
         [a(2, 3, 4), a(2, 3, 4), a(2, 3, 4), a(3, 3, dtype="bool")]),
    Case("scaled_dot_product_attention", "1-d", lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q, k, v),
         [a(4), a(4), a(4)]),
    Case("scaled_dot_product_attention", "all masked", lambda t, q, k, v, m: t.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m),
         [a(1, 2, 4), a(1, 2, 4), a(1, 2, 4), a(2, 2, values=np.zeros((2, 2), bool), dtype="bool")]),
    Case("scaled_dot_product_attention", "int mask", lambda t, q, k, v, m: t.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m),
         [a(1, 2, 4), a(1, 2, 4), a(1, 2, 4), a(2, 2, dtype="int64")]),
    Case("scaled_dot_product_attention", "empty", lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q, k, v),
         [a(0, 3, 4), a(0, 3, 4), a(0, 3, 4)]),
    Case("multi_head_attention_forward", "embed dim", lambda t, q, w, b, o, ob: t.nn.functional.multi_head_attention_forward(
        q, q, q, 4, 2, w, b, None, None, False, 0.0, o, ob, need_weights=False), [a(3, 1, 5), a(12, 4), a(12), a(4, 4), a(4)]),
    Case("multi_head_attention_forward", "heads", lambda t, q, w, b, o, ob: t.nn.functional.multi_head_attention_forward(
        q, q, q, 4, 3, w, b, None, None, False, 0.0, o, ob, need_weights=False), [a(3, 1, 4), a(12, 4), a(12), a(4, 4), a(4)]),
    Case("multi_head_attention_forward", "key shape", lambda t, q, k, w, b, o, ob: t.nn.functional.multi_head_attention_forward(
        q, k, q, 4, 2, w, b, None, None, False, 0.0, o, ob, need_weights=False), [a(3, 1, 4), a(2, 1, 4), a(12, 4), a(12), a(4, 4), a(4)]),
    Case("MultiheadAttention", "not divisible", lambda t: t.nn.MultiheadAttention(5, 2), []),
    Case("MultiheadAttention", "zero heads", lambda t: t.nn.MultiheadAttention(4, 0), []),
    Case("MultiheadAttention", "embed 0", lambda t: t.nn.MultiheadAttention(0, 1), []),
    Case("MultiheadAttention", "input size", lambda t, x: layer(t, "MultiheadAttention", 4, 2)(x, x, x)[0], [a(3, 1, 5)]),
    Case("MultiheadAttention", "rank", lambda t, x: layer(t, "MultiheadAttention", 4, 2)(x, x, x)[0], [a(4)]),
    Case("MultiheadAttention", "int", lambda t, x: layer(t, "MultiheadAttention", 4, 2)(x, x, x)[0],
         [a(3, 1, 4, dtype="int64")]),
    Case("MultiheadAttention", "dtype", lambda t, x: layer(t, "MultiheadAttention", 4, 2)(x, x, x)[0],
         [a(3, 1, 4, dtype="float64")]),
    Case("MultiheadAttention", "mask shape", lambda t, x, m: layer(t, "MultiheadAttention", 4, 2)(x, x, x, attn_mask=m)[0],
         [a(3, 1, 4), a(2, 2, dtype="bool")]),
    Case("MultiheadAttention", "padding mask", lambda t, x, m: layer(t, "MultiheadAttention", 4, 2, batch_first=True)(x, x, x, key_padding_mask=m)[0],
         [a(2, 3, 4), a(2, 4, dtype="bool")]),
    Case("MultiheadAttention", "key value lengths", lambda t, x, k, v: layer(t, "MultiheadAttention", 4, 2)(x, k, v)[0],
         [a(3, 1, 4), a(2, 1, 4), a(5, 1, 4)]),
    Case("MultiheadAttention", "kdim", lambda t, x, k: layer(t, "MultiheadAttention", 4, 2, kdim=3, vdim=3)(x, k, k)[0],
         [a(3, 1, 4), a(2, 1, 5)]),
    Case("TransformerEncoderLayer", "not divisible", lambda t: t.nn.TransformerEncoderLayer(5, 2), []),
    Case("TransformerEncoderLayer", "bad activation", lambda t: t.nn.TransformerEncoderLayer(4, 2, activation="swish"), []),
    Case("TransformerEncoderLayer", "input size", lambda t, x: layer(t, "TransformerEncoderLayer", 4, 2, 8, 0.0)(x),
         [a(3, 1, 6)]),
    Case("TransformerEncoderLayer", "int", lambda t, x: layer(t, "TransformerEncoderLayer", 4, 2, 8, 0.0)(x),
         [a(3, 1, 4, dtype="int64")]),
    Case("TransformerEncoderLayer", "mask shape", lambda t, x, m: layer(t, "TransformerEncoderLayer", 4, 2, 8, 0.0)(x, src_mask=m),
         [a(3, 1, 4), a(2, 2, dtype="bool")]),
    Case("TransformerEncoder", "input size", lambda t, x: t.nn.TransformerEncoder(
        layer(t, "TransformerEncoderLayer", 4, 2, 8, 0.0), 2, enable_nested_tensor=False)(x), [a(3, 1, 5)]),
    Case("TransformerDecoderLayer", "memory size", lambda t, x, m: layer(t, "TransformerDecoderLayer", 4, 2, 8, 0.0)(x, m),
         [a(3, 1, 4), a(2, 1, 5)]),
    Case("TransformerDecoderLayer", "not divisible", lambda t: t.nn.TransformerDecoderLayer(6, 4), []),
    Case("TransformerDecoderLayer", "batch", lambda t, x, m: layer(t, "TransformerDecoderLayer", 4, 2, 8, 0.0)(x, m),
         [a(3, 1, 4), a(2, 2, 4)]),
    Case("TransformerDecoder", "tgt mask", lambda t, x, m, k: t.nn.TransformerDecoder(
        layer(t, "TransformerDecoderLayer", 4, 2, 8, 0.0), 1)(x, m, tgt_mask=k), [a(3, 1, 4), a(2, 1, 4), a(2, 2)]),
    Case("Transformer", "not divisible", lambda t: t.nn.Transformer(d_model=6, nhead=4), []),
    Case("Transformer", "batch mismatch", lambda t, s, g: layer(t, "Transformer", 4, 2, 1, 1, 8, 0.0)(s, g),
         [a(3, 2, 4), a(2, 3, 4)]),
    Case("Transformer", "feature size", lambda t, s, g: layer(t, "Transformer", 4, 2, 1, 1, 8, 0.0)(s, g),
         [a(3, 1, 4), a(2, 1, 6)]),
    Case("Transformer", "float64", lambda t, s, g: layer(t, "Transformer", 4, 2, 1, 1, 8, 0.0)(s, g),
         [a(3, 1, 4, dtype="float64"), a(2, 1, 4, dtype="float64")]),
    Case("Transformer", "zero heads", lambda t: t.nn.Transformer(d_model=4, nhead=0), []),
    Case("Transformer", "4-d src", lambda t, s, g: layer(t, "Transformer", 4, 2, 1, 1, 8, 0.0)(s, g),
         [a(2, 3, 1, 4), a(2, 3, 1, 4)]),
    Case("TransformerEncoderLayer", "1-d", lambda t, x: layer(t, "TransformerEncoderLayer", 4, 2, 8, 0.0)(x),
         [a(4)]),
    Case("TransformerEncoderLayer", "nan", lambda t, x: layer(t, "TransformerEncoderLayer", 4, 2, 8, 0.0)(x),
         [a(2, 1, 4, values=[[[np.nan, 0, 1, 2]], [[0, 1, 2, 3]]])]),
    Case("TransformerEncoderLayer", "padding mask batch", lambda t, x, m: layer(
        t, "TransformerEncoderLayer", 4, 2, 8, 0.0, batch_first=True)(x, src_key_padding_mask=m),
         [a(2, 3, 4), a(3, 3, dtype="bool")]),
    Case("TransformerDecoderLayer", "int", lambda t, x: layer(t, "TransformerDecoderLayer", 4, 2, 8, 0.0)(x, x),
         [a(3, 1, 4, dtype="int64")]),
    Case("TransformerDecoder", "memory batch", lambda t, x, m: t.nn.TransformerDecoder(
        layer(t, "TransformerDecoderLayer", 4, 2, 8, 0.0), 2)(x, m), [a(3, 2, 4), a(3, 1, 4)]),
    Case("MultiheadAttention", "bool", lambda t, x: layer(t, "MultiheadAttention", 4, 2)(x, x, x)[0],
         [a(3, 1, 4, dtype="bool")]),
    Case("MultiheadAttention", "all masked", lambda t, x, m: layer(t, "MultiheadAttention", 4, 2)(x, x, x, attn_mask=m)[0],
         [a(2, 1, 4), a(2, 2, values=np.ones((2, 2), bool), dtype="bool")]),
    Case("MultiheadAttention", "float mask -inf", lambda t, x, m: layer(t, "MultiheadAttention", 4, 2)(x, x, x, attn_mask=m),
         [a(2, 1, 4), a(2, 2, values=[[0.0, -np.inf], [-np.inf, 0.0]])]),
    Case("MultiheadAttention", "empty batch", lambda t, x: layer(t, "MultiheadAttention", 4, 2)(x, x, x)[0],
         [a(3, 0, 4)]),
    Case("MultiheadAttention", "str heads", lambda t: t.nn.MultiheadAttention(4, "2"), []),
    Case("scaled_dot_product_attention", "nan", lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q, k, v),
         [a(1, 2, 2, values=[[[np.nan, 1], [0, 1]]]), a(1, 2, 2), a(1, 2, 2)]),
    Case("scaled_dot_product_attention", "scale 0", lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q, k, v, scale=0.0),
         [a(1, 2, 2), a(1, 3, 2), a(1, 3, 2)]),
    Case("scaled_dot_product_attention", "dropout p str", lambda t, q: t.nn.functional.scaled_dot_product_attention(q, q, q, dropout_p="a"),
         [a(1, 2, 2)]),
    Case("GLU", "0-d", lambda t, x: t.nn.GLU()(x), [a(values=2.0)]),
    Case("Hardswish", "float64 inplace", lambda t, x: t.nn.Hardswish(inplace=True)(x.clone()), [special("float64")]),
    Case("SELU", "empty inplace", lambda t, x: t.nn.SELU(inplace=True)(x.clone()), [a(0, 2)]),
    Case("Softshrink", "negative lambd", lambda t, x: t.nn.Softshrink(-0.5)(x), [a(3)]),
    Case("Threshold", "int input", lambda t, x: t.nn.Threshold(1, 5)(x), [a(4, dtype="int64")]),
    Case("InstanceNorm1d", "unbatched", lambda t, x: t.nn.InstanceNorm1d(3)(x), [a(3, 4)]),
    Case("InstanceNorm1d", "int", lambda t, x: t.nn.InstanceNorm1d(3)(x), [a(2, 3, 4, dtype="int64")]),
    Case("InstanceNorm2d", "eval untracked", lambda t, x: t.nn.InstanceNorm2d(2).eval()(x), [a(1, 2, 3, 3)]),
    Case("InstanceNorm3d", "single value", lambda t, x: t.nn.InstanceNorm3d(2)(x), [a(1, 2, 1, 1, 1)]),
    Case("PixelShuffle", "unbatched", lambda t, x: t.nn.PixelShuffle(2)(x), [a(4, 1, 1)]),
    Case("PixelUnshuffle", "bool", lambda t, x: t.nn.PixelUnshuffle(2)(x), [a(1, 1, 2, 2, dtype="bool")]),
    Case("CosineEmbeddingLoss", "margin nan", lambda t, x, y, z: t.nn.CosineEmbeddingLoss(margin=float("nan"))(x, y, z),
         [a(2, 3), a(2, 3), a(values=[1.0, -1.0])]),
    Case("MarginRankingLoss", "0-d", lambda t, x, y, z: t.nn.MarginRankingLoss()(x, y, z),
         [a(values=1.0), a(values=2.0), a(values=1.0)]),
    Case("TripletMarginLoss", "1-d", lambda t, x, y, z: t.nn.TripletMarginLoss()(x, y, z), [a(3), a(3), a(3)]),
    Case("TripletMarginLoss", "empty", lambda t, x: t.nn.TripletMarginLoss()(x, x, x), [a(0, 3)]),
    Case("Transformer", "2-d unbatched", lambda t, s, g: layer(t, "Transformer", 4, 2, 1, 1, 8, 0.0)(s, g).shape,
         [a(3, 4), a(2, 4)]),
]


@pytest.mark.parametrize("case", NN_CASES, ids=_case_id)
def test_nn_case(case):
    names = (case.op, re.sub(r"(?<!^)(?=[A-Z])", "_", case.op).lower())
    compare(case.call, case.args, names)
