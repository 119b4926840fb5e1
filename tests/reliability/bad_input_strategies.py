"""Hypothesis strategies for the bad-input properties (issue 5): tensors of every dtype, shape
(empty and 0-d included), layout and NaN/Inf content, Python numbers and objects that are not
numbers; ``check`` hands a drawn call to the torch oracle and counts the kinds of bad input."""
import numpy as np
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st

from reliability.bad_input_oracle import Array, compare

SETTINGS = settings(max_examples=20, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=True)

DTYPES = ("float16", "float32", "float64", "int32", "int64", "bool")
NOT_NUMBERS = (None, "a", object(), [1, "x"], {"a": 1})
NUMBERS = (0, 2, -3, 2.5, -0.5, True, False, float("nan"), float("inf"))
SPECIALS = (float("nan"), float("inf"), float("-inf"), 0.0, -0.0)

shapes = st.lists(st.integers(0, 3), min_size=0, max_size=3).map(tuple)


def _values(rng, shape, dtype, special):
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype.startswith("int"):
        return rng.integers(-3, 4, size=shape).astype(dtype)
    values = rng.uniform(-3, 3, size=shape).astype(dtype)
    if special and values.size:
        picks = rng.integers(0, values.size, size=max(1, values.size // 3))
        values.flat[picks] = rng.choice(SPECIALS, size=picks.size)
    return np.asarray(values)


@st.composite
def arrays(draw, shape=None, dtype=None, dtypes=DTYPES):
    shape = draw(shapes) if shape is None else shape
    dtype = draw(st.sampled_from(dtypes)) if dtype is None else dtype
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    values = _values(rng, shape, dtype, draw(st.booleans()))
    layout = draw(st.sampled_from(("contiguous", "transposed", "strided")))
    return Array(values, layout, requires_grad=draw(st.booleans()))


@st.composite
def broadcastable_shape(draw, shape):
    """A shape that broadcasts with ``shape`` (dims replaced by 1, leading dims dropped)."""
    out = [1 if draw(st.booleans()) else s for s in shape]
    return tuple(out[draw(st.integers(0, len(out))):])


@st.composite
def operands(draw, like=None):
    """Mostly tensors (half of them shaped to broadcast with ``like``), then Python numbers,
    then objects that are not numbers."""
    kind = draw(st.sampled_from(("tensor",) * 6 + ("number", "object")))
    if kind == "number":
        return draw(st.sampled_from(NUMBERS))
    if kind == "object":
        return draw(st.sampled_from(NOT_NUMBERS))
    if like is not None and isinstance(like, Array) and draw(st.booleans()):
        return draw(arrays(shape=draw(broadcastable_shape(like.values.shape))))
    return draw(arrays())


def _categories(args):
    """The kinds of bad input an example holds (``--hypothesis-show-statistics`` counts them)."""
    for x in args:
        if isinstance(x, Array):
            v = x.values
            yield from (["empty"] if v.size == 0 else []) + (["zero_dim"] if v.ndim == 0 else [])
            if v.dtype.kind == "f" and not np.isfinite(v).all():
                yield "nan_inf"
            if v.dtype.kind != "f":
                yield "int_or_bool"
            if x.layout != "contiguous" and v.ndim >= 1:
                yield "non_contiguous"
        elif isinstance(x, (int, float)):
            yield "python_number"
        else:
            yield "not_a_number"


def check(call, args, names, inplace=False):
    for category in set(_categories(args)):
        event(category)
    compare(call, args, names, inplace=inplace)
