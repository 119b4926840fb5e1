"""Property-based bad input (issue 5): hypothesis throws wrong shapes, dtypes (int into float-only
ops, bool arithmetic), empty and 0-d tensors, NaN/Inf, non-contiguous layouts and Python objects
that are not numbers at every public op family, and torch judges each call (bad_input_oracle):
the same result, or an exception of the same family naming the op or the arguments; inputs keep
their values. Deterministic (derandomized, no example database) and a few seconds per family."""
import numpy as np
import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st

from reliability.bad_input_oracle import Array
from reliability.bad_input_strategies import (DTYPES, NOT_NUMBERS, NUMBERS, SETTINGS, arrays,
                                              check, operands)

# Deliberate divergences from torch 2.13, kept out of the drawn inputs (each `assume` below says
# which). Where torch skips a check, we keep it:
# - torch checks nothing of a matrix product with no elements (dtypes, bool);
# - torch skips the bounds of an index array when the result is empty (x[[5]] of a (1, 0)
#   tensor), and expands a 0-d tensor to the size (0, -1);
# - torch's tensor([[], [1]]) silently drops the 1; we refuse ragged data.
# - torch's index_fill/index_copy of an empty self with an index fails with an internal
#   setStorage error; we report the index out of bounds.
# - torch's random fills and *_like factories (normal_, exponential_, randn_like...) of an empty
#   tensor skip the dtype check; we refuse an integer dtype whatever the size.
# - torch's baddbmm sizes the result from batch1 and batch2 before checking that they are 3-d
#   (an IndexError, dim out of range, when the input must broadcast); we report the rank.
# And where torch's result is wrong, we keep the right one:
# - torch's lerp takes a 0-d weight of another dtype for 0-d or empty operands (others refuse
#   it, after the integer kernel's check); we refuse it first, whatever the ranks;
# - torch's var_mean/std_mean (a Welford pass) give a NaN mean where an element is inf; our
#   mean is torch.mean's (inf).
# And: torch takes several Ellipsis in one index key, we take one (numpy's rule).
# And: with a dim list holding a dim out of range, torch's inf-norm of an empty tensor reports the
# empty dim first (we: the range), and torch's count_nonzero wraps every dim before looking for a
# repeated one (we: the repeat first); both raise, in another order.
# Open, kept out of the draw (not fixed yet):
# - torch's expand of a 0-d tensor to (0, -n) succeeds for any negative n, not only -1;
# - torch's repeat_interleave(x, r, dim) of a 0-d x raises "Dimension out of range ... got 1"
#   (ours repeats it as a 1-element tensor);
# - torch's x["a"] of a 0-d x is an IndexError (too many indices), ours new()'s TypeError;
# - multinomial of an empty distribution: torch's aminmax RuntimeError, ours numpy's ValueError.
# And: torch.tensor(ndarray) keeps the ndarray's stride of a size-1 dim (numpy's relaxed strides
# give one that no contiguous layout has); ours is the canonical one. Such a stride is never
# used to address an element.


def _unchecked_empty_product(a, b):
    """torch runs no dtype check on a matrix product of an empty operand (see the top)."""
    if not (isinstance(a, Array) and isinstance(b, Array)):
        return False
    empty = a.values.size == 0 or b.values.size == 0
    return empty and (a.values.dtype != b.values.dtype or a.values.dtype == bool)


# -- elementwise ---------------------------------------------------------------------------------

UNARY = ["neg", "exp", "log", "sqrt", "rsqrt", "abs", "sigmoid", "tanh", "relu", "sin", "cos",
         "sign", "isnan", "isinf", "isfinite", "logical_not", "clone", "floor", "ceil", "round",
         "trunc", "frac", "log1p", "expm1", "square", "reciprocal", "sinh", "cosh", "erf", "fix",
         "nan_to_num"]


@pytest.mark.parametrize("name", UNARY)
@SETTINGS
@given(x=operands())
def test_unary(name, x):
    check(lambda t, a: getattr(t, name)(a), [x], (name,))


BINARY = {
    "add": lambda t, a, b: t.add(a, b), "sub": lambda t, a, b: t.sub(a, b),
    "mul": lambda t, a, b: t.mul(a, b), "div": lambda t, a, b: t.div(a, b),
    "floor_divide": lambda t, a, b: t.floor_divide(a, b), "remainder": lambda t, a, b: t.remainder(a, b),
    "pow": lambda t, a, b: t.pow(a, b), "maximum": lambda t, a, b: t.maximum(a, b),
    "minimum": lambda t, a, b: t.minimum(a, b), "eq": lambda t, a, b: t.eq(a, b),
    "lt": lambda t, a, b: t.lt(a, b), "logical_and": lambda t, a, b: t.logical_and(a, b),
    "add_alpha": lambda t, a, b: t.add(a, b, alpha=2), "sub_alpha": lambda t, a, b: t.sub(a, b, alpha=0.5),
    "div_trunc": lambda t, a, b: t.div(a, b, rounding_mode="trunc"),
    "where": lambda t, a, b: t.where(a > 0 if isinstance(a, t.Tensor) else a, a, b),
    "clamp_min_tensor": lambda t, a, b: t.clamp(a, min=b),
    "clamp_max_tensor": lambda t, a, b: t.clamp(a, max=b),
    "allclose": lambda t, a, b: t.allclose(a, b), "equal": lambda t, a, b: t.equal(a, b),
    "atan2": lambda t, a, b: t.atan2(a, b), "arctan2": lambda t, a, b: t.arctan2(a, b),
    "hypot": lambda t, a, b: t.hypot(a, b), "ge": lambda t, a, b: t.ge(a, b),
    "gt": lambda t, a, b: t.gt(a, b), "le": lambda t, a, b: t.le(a, b),
    "logical_or": lambda t, a, b: t.logical_or(a, b),
    "logical_xor": lambda t, a, b: t.logical_xor(a, b),
    "true_divide": lambda t, a, b: t.true_divide(a, b), "isclose": lambda t, a, b: t.isclose(a, b),
    "lerp": lambda t, a, b: t.lerp(a, b, 0.25),
    "clip_min_tensor": lambda t, a, b: t.clip(a, min=b),
}

OPERATORS = {  # name: (the op it runs, call)
    "__add__": ("add", lambda t, a, b: a + b), "__sub__": ("sub", lambda t, a, b: a - b),
    "__mul__": ("mul", lambda t, a, b: a * b), "__truediv__": ("div", lambda t, a, b: a / b),
    "__floordiv__": ("div", lambda t, a, b: a // b),
    "__mod__": ("remainder", lambda t, a, b: a % b), "__pow__": ("pow", lambda t, a, b: a ** b),
    "__and__": ("bitwise_and", lambda t, a, b: a & b),
    "__or__": ("bitwise_or", lambda t, a, b: a | b),
    "__xor__": ("bitwise_xor", lambda t, a, b: a ^ b),
    "__invert__": ("bitwise_not", lambda t, a, b: ~a),
    "__lt__": ("lt", lambda t, a, b: a < b), "__eq__": ("eq", lambda t, a, b: a == b),
    "__le__": ("le", lambda t, a, b: a <= b), "__ge__": ("ge", lambda t, a, b: a >= b),
    "__ne__": ("ne", lambda t, a, b: a != b), "__matmul__": ("matmul", lambda t, a, b: a @ b),
}


@pytest.mark.parametrize("name", list(BINARY) + list(OPERATORS))
@SETTINGS
@given(data=st.data())
def test_binary(name, data):
    a = data.draw(operands())
    b = data.draw(operands(like=a))
    if name == "__matmul__":
        assume(not _unchecked_empty_product(a, b))
    if name in OPERATORS:
        op, call = OPERATORS[name]
        check(call, [a, b], (op, name))
    else:
        check(BINARY[name], [a, b], (name.split("_")[0], name))


INPLACE = {
    "add_": lambda t, a, b: a.add_(b), "sub_": lambda t, a, b: a.sub_(b),
    "mul_": lambda t, a, b: a.mul_(b), "div_": lambda t, a, b: a.div_(b),
    "copy_": lambda t, a, b: a.copy_(b), "fill_": lambda t, a, b: a.fill_(b),
    "clamp_": lambda t, a, b: a.clamp_(min=b), "masked_fill_": lambda t, a, b: a.masked_fill_(b, 1.5),
    "lerp_": lambda t, a, b: a.lerp_(b, 0.25), "addcmul_": lambda t, a, b: a.addcmul_(b, b),
    "pow_": lambda t, a, b: a.pow_(b), "setitem": lambda t, a, b: a.__setitem__(0, b),
    "atan2_": lambda t, a, b: a.atan2_(b), "arctan2_": lambda t, a, b: a.arctan2_(b),
    "hypot_": lambda t, a, b: a.hypot_(b), "clip_": lambda t, a, b: a.clip_(max=b),
    "bitwise_and_": lambda t, a, b: a.bitwise_and_(b),
    "bitwise_or_": lambda t, a, b: a.bitwise_or_(b),
    "bitwise_xor_": lambda t, a, b: a.bitwise_xor_(b),
    "addcdiv_": lambda t, a, b: a.addcdiv_(b, b, value=0.5),
    "__iadd__": lambda t, a, b: a.__iadd__(b), "__isub__": lambda t, a, b: a.__isub__(b),
    "__imul__": lambda t, a, b: a.__imul__(b), "__itruediv__": lambda t, a, b: a.__itruediv__(b),
    "__iand__": lambda t, a, b: a.__iand__(b), "__ior__": lambda t, a, b: a.__ior__(b),
    "__ixor__": lambda t, a, b: a.__ixor__(b),
}


@pytest.mark.parametrize("name", INPLACE)
@SETTINGS
@given(data=st.data())
def test_inplace(name, data):
    a = data.draw(arrays())
    b = data.draw(operands(like=a))
    check(INPLACE[name], [a, b], (name.strip("_").lstrip("i"), name), inplace=True)


@SETTINGS
@given(data=st.data())
def test_lerp_tensor_weight(data):
    a = data.draw(operands())
    weight = data.draw(operands(like=a))
    if isinstance(a, Array) and isinstance(weight, Array):  # 0-d weights of another dtype (top)
        assume(weight.values.ndim or a.values.dtype == weight.values.dtype)
    check(lambda t, x, w: t.lerp(x, x, w), [a, weight], ("lerp",))


UNARY_INPLACE = ["abs_", "ceil_", "cosh_", "exp_", "expm1_", "fix_", "floor_", "frac_", "log1p_",
                 "log_", "neg_", "reciprocal_", "relu_", "round_", "sigmoid_", "sinh_", "sqrt_",
                 "square_", "tanh_", "trunc_", "nan_to_num_", "bitwise_not_", "zero_", "detach_"]


@pytest.mark.parametrize("name", UNARY_INPLACE)
@SETTINGS
@given(x=arrays())
def test_unary_inplace(name, x):
    check(lambda t, a: getattr(t.Tensor, name)(a), [x], (name.rstrip("_"), name), inplace=True)


# -- conversions and queries of one tensor -------------------------------------------------------

QUERIES = {
    "T": lambda t, a: a.T, "dim": lambda t, a: a.dim(), "ndimension": lambda t, a: a.ndimension(),
    "numel": lambda t, a: t.numel(a), "nelement": lambda t, a: a.nelement(),
    "size": lambda t, a: a.size(), "size_dim": lambda t, a: a.size(-1),
    "stride": lambda t, a: a.stride(), "is_contiguous": lambda t, a: a.is_contiguous(),
    "is_floating_point": lambda t, a: a.is_floating_point(), "is_tensor": lambda t, a: t.is_tensor(a),
    "get_device": lambda t, a: t.get_device(a), "type": lambda t, a: a.type(),
    "type_dtype": lambda t, a: a.type(t.float64), "float": lambda t, a: a.float(),
    "double": lambda t, a: a.double(), "half": lambda t, a: a.half(),
    "tolist": lambda t, a: t.tensor(a.tolist(), dtype=a.dtype),
    "numpy": lambda t, a: t.from_numpy(a.numpy().copy()), "item": lambda t, a: a.item(),
    "__bool__": lambda t, a: bool(a), "__float__": lambda t, a: float(a),
    "__int__": lambda t, a: int(a), "__index__": lambda t, a: [10, 11, 12, 13].__getitem__(a),
    "__len__": lambda t, a: len(a), "__iter__": lambda t, a: list(a),
    "__abs__": lambda t, a: abs(a), "__pos__": lambda t, a: +a,
    "from_dlpack": lambda t, a: t.from_dlpack(a),
}


@pytest.mark.parametrize("name", QUERIES)
@SETTINGS
@given(x=arrays())
def test_query(name, x):
    if name == "stride":  # see the top: torch.tensor keeps numpy's stride of a size-1 dim
        assume(not (x.layout == "transposed" and 1 in x.values.shape))
    check(QUERIES[name], [x], (name.strip("_").split("_")[0], name))


METHODS_WITH_OTHER = {
    "expand_as": lambda t, a, b: a.expand_as(b), "view_as": lambda t, a, b: a.view_as(b),
    "reshape_as": lambda t, a, b: a.reshape_as(b), "type_as": lambda t, a, b: a.type_as(b),
    "new_tensor": lambda t, a, b: a.new_tensor(b), "new_full": lambda t, a, b: a.new_full((2,), b),
    "multiply": lambda t, a, b: a.multiply(b), "divide": lambda t, a, b: a.divide(b),
    "subtract": lambda t, a, b: a.subtract(b), "negative": lambda t, a, b: a.negative(),
}


@pytest.mark.parametrize("name", METHODS_WITH_OTHER)
@SETTINGS
@given(data=st.data())
def test_method_with_other(name, data):
    a = data.draw(arrays())
    b = data.draw(operands(like=a))
    check(METHODS_WITH_OTHER[name], [a, b], (name,))


# -- reductions ----------------------------------------------------------------------------------

REDUCTIONS = {
    "sum": lambda t, x, d, k: t.sum(x) if d is None else t.sum(x, d, keepdim=k),
    "mean": lambda t, x, d, k: t.mean(x) if d is None else t.mean(x, d, keepdim=k),
    "var": lambda t, x, d, k: t.var(x) if d is None else t.var(x, d, keepdim=k),
    "std": lambda t, x, d, k: t.std(x) if d is None else t.std(x, d, keepdim=k),
    "max": lambda t, x, d, k: t.max(x) if d is None else t.max(x, d, keepdim=k),
    "min": lambda t, x, d, k: t.min(x) if d is None else t.min(x, d, keepdim=k),
    "amax": lambda t, x, d, k: t.amax(x) if d is None else t.amax(x, d, keepdim=k),
    "argmax": lambda t, x, d, k: t.argmax(x) if d is None else t.argmax(x, d, keepdim=k),
    "argmin": lambda t, x, d, k: t.argmin(x) if d is None else t.argmin(x, d, keepdim=k),
    "logsumexp": lambda t, x, d, k: t.logsumexp(x, 0 if d is None else d, keepdim=k),
    "all": lambda t, x, d, k: t.all(x) if d is None else t.all(x, d, keepdim=k),
    "any": lambda t, x, d, k: t.any(x) if d is None else t.any(x, d, keepdim=k),
    "sum_int32": lambda t, x, d, k: t.sum(x, dtype=t.int32),
    "prod": lambda t, x, d, k: t.prod(x) if d is None else t.prod(x, d, keepdim=k),
    "cumsum": lambda t, x, d, k: t.cumsum(x, 0 if d is None else d),
    "cumprod": lambda t, x, d, k: t.cumprod(x, 0 if d is None else d),
    "norm": lambda t, x, d, k: t.norm(x) if d is None else t.norm(x, 2, d, keepdim=k),
    "norm_inf": lambda t, x, d, k: t.norm(x, float("inf"), d, keepdim=k),
    "norm_1": lambda t, x, d, k: t.norm(x, 1, d, keepdim=k),
    "softmax": lambda t, x, d, k: t.softmax(x, 0 if d is None else d),
    "log_softmax": lambda t, x, d, k: t.log_softmax(x, 0 if d is None else d),
    "median": lambda t, x, d, k: t.median(x) if d is None else t.median(x, d, keepdim=k),
    # values only: torch's index of a tied k-th value is its quickselect's, not documented
    "kthvalue": lambda t, x, d, k: t.kthvalue(x, 2, -1 if d is None else d, keepdim=k)[0],
    "count_nonzero": lambda t, x, d, k: t.count_nonzero(x, d),
}

MULTI_DIM = ("sum", "mean", "var", "std", "amax", "logsumexp", "norm", "norm_inf", "norm_1",
             "count_nonzero")


@pytest.mark.parametrize("name", REDUCTIONS)
@SETTINGS
@given(data=st.data())
def test_reduction(name, data):
    x = data.draw(operands())
    dims = [st.none(), st.integers(-4, 3)]
    if name in MULTI_DIM:
        dims.append(st.lists(st.integers(-4, 3), max_size=3).map(tuple))
    dim = data.draw(st.one_of(*dims))
    keepdim = data.draw(st.booleans())
    if name in ("norm_inf", "count_nonzero") and isinstance(dim, tuple) and isinstance(x, Array):
        # see the top: the order of torch's checks of a dim list with a dim out of range
        rank = max(x.values.ndim, 1)
        assume(all(-rank <= d < rank for d in dim))
    check(lambda t, a: REDUCTIONS[name](t, a, dim, keepdim), [x], (name.split("_")[0],))


@pytest.mark.parametrize("name", ["std_mean", "var_mean"])
@SETTINGS
@given(data=st.data())
def test_spread_and_mean(name, data):
    x = data.draw(operands())
    if isinstance(x, Array) and x.values.dtype.kind == "f":  # torch's NaN mean of inf (top)
        assume(not np.isinf(x.values).any())
    dim = data.draw(st.one_of(st.none(), st.integers(-4, 3),
                              st.lists(st.integers(-4, 3), max_size=3).map(tuple)))
    keepdim = data.draw(st.booleans())
    check(lambda t, a: getattr(t, name)(a, dim, keepdim=keepdim), [x], (name,))


# -- shape ops -----------------------------------------------------------------------------------

small_ints = st.integers(-4, 4)
sizes = st.lists(st.integers(-2, 4), max_size=4).map(tuple)

SHAPE_OPS = {
    "reshape": (lambda t, x, s: t.reshape(x, s), sizes),
    "view": (lambda t, x, s: x.view(s), sizes),
    "expand": (lambda t, x, s: x.expand(*s), sizes),
    "permute": (lambda t, x, s: x.permute(*s), st.lists(small_ints, max_size=4).map(tuple)),
    "squeeze": (lambda t, x, d: x.squeeze(d), small_ints),
    "unsqueeze": (lambda t, x, d: x.unsqueeze(d), small_ints),
    "transpose": (lambda t, x, d: x.transpose(*d), st.tuples(small_ints, small_ints)),
    "t": (lambda t, x, d: x.t(), st.none()),
    "mT": (lambda t, x, d: x.mT, st.none()),
    "flatten": (lambda t, x, d: t.flatten(x, *d), st.tuples(small_ints, small_ints)),
    "unflatten": (lambda t, x, d: x.unflatten(d[0], d[1]), st.tuples(small_ints, sizes)),
    "narrow": (lambda t, x, d: x.narrow(*d), st.tuples(small_ints, small_ints, small_ints)),
    "select": (lambda t, x, d: x.select(*d), st.tuples(small_ints, small_ints)),
    "split": (lambda t, x, d: x.split(d[0], d[1]), st.tuples(st.integers(-1, 3), small_ints)),
    "split_sizes": (lambda t, x, d: x.split(list(d[0]), d[1]), st.tuples(sizes, small_ints)),
    "chunk": (lambda t, x, d: x.chunk(*d), st.tuples(st.integers(-1, 3), small_ints)),
    "unbind": (lambda t, x, d: x.unbind(d), small_ints),
    "movedim": (lambda t, x, d: x.movedim(*d), st.tuples(small_ints, small_ints)),
    "contiguous": (lambda t, x, d: x.contiguous(), st.none()),
    "flip_slice": (lambda t, x, d: x[::d], st.integers(-2, 2)),
    "flip": (lambda t, x, d: t.flip(x, d), st.lists(small_ints, max_size=3).map(tuple)),
    "roll": (lambda t, x, d: t.roll(x, *d), st.tuples(st.one_of(small_ints, sizes),
                                                      st.one_of(st.none(), small_ints, sizes))),
    "tril": (lambda t, x, d: t.tril(x, d), small_ints),
    "triu": (lambda t, x, d: x.triu(d), small_ints),
    "repeat": (lambda t, x, s: x.repeat(*s), sizes),
    "tile": (lambda t, x, s: t.tile(x, s), sizes),
    "repeat_interleave": (lambda t, x, d: t.repeat_interleave(x, *d),
                          st.tuples(st.integers(-1, 3), st.one_of(st.none(), small_ints))),
    "diagonal": (lambda t, x, d: x.diagonal(*d), st.tuples(small_ints, small_ints, small_ints)),
    "diag": (lambda t, x, d: t.diag(x, d), small_ints),
    "trace": (lambda t, x, d: t.trace(x), st.none()),
    "tril_": (lambda t, x, d: x.clone().tril_(d), small_ints),
    "triu_": (lambda t, x, d: x.clone().triu_(d), small_ints),
    "swapaxes": (lambda t, x, d: x.swapaxes(*d), st.tuples(small_ints, small_ints)),
    "broadcast_to": (lambda t, x, s: t.broadcast_to(x, s),  # expand's (0, -1) (see the top)
                     sizes.filter(lambda s: not (0 in s and any(n < 0 for n in s)))),
    "new_empty": (lambda t, x, s: x.new_empty(s).shape, sizes),
    "new_ones": (lambda t, x, s: x.new_ones(s), sizes),
    "nonzero": (lambda t, x, d: t.nonzero(x, as_tuple=d), st.booleans()),
    "unique": (lambda t, x, d: t.unique(x, sorted=True, return_inverse=d[0], return_counts=d[1]),
               st.tuples(st.booleans(), st.booleans())),
    "bincount": (lambda t, x, d: t.bincount(x, minlength=d), small_ints),
    "bincount_weights": (lambda t, x, d: t.bincount(x.flatten().abs(), x.flatten()), st.none()),
}


@pytest.mark.parametrize("name", SHAPE_OPS)
@SETTINGS
@given(data=st.data())
def test_shape_op(name, data):
    call, params = SHAPE_OPS[name]
    x = data.draw(arrays())
    p = data.draw(params)
    if name == "expand":  # torch's expand of a 0-d tensor to (0, -1) (see the top)
        assume(not (x.values.ndim == 0 and any(s < 0 for s in p) and 0 in p))
    if name == "repeat_interleave":  # torch: a 0-d tensor has no dim 0 here (see the top)
        assume(not (x.values.ndim == 0 and p[1] is not None and p[0] >= 0))
    check(lambda t, a: call(t, a, p), [x], (name.split("_")[0],))


@pytest.mark.parametrize("name", ["cat", "stack", "concat", "concatenate"])
@SETTINGS
@given(data=st.data())
def test_cat_stack(name, data):
    first = data.draw(arrays())
    rest = data.draw(st.lists(st.one_of(operands(like=first), arrays(shape=first.values.shape)),
                              max_size=2))
    dim = data.draw(small_ints)
    check(lambda t, *xs: getattr(t, name)(list(xs), dim), [first] + rest, (name,))


# -- indexing ------------------------------------------------------------------------------------

@st.composite
def index_keys(draw, shape):
    """Keys of every kind torch accepts or refuses."""
    def part():
        return st.one_of(
            st.integers(-4, 4), st.none(), st.just(Ellipsis),
            st.builds(slice, st.one_of(st.none(), small_ints), st.one_of(st.none(), small_ints),
                      st.one_of(st.none(), st.integers(-1, 2))),
            st.lists(st.integers(-4, 4), min_size=1, max_size=3),
            arrays(dtypes=("int64", "bool", "float32")),
            st.sampled_from((1.5, "a", object(), True)))
    n = draw(st.integers(1, 3))
    parts = tuple(draw(part()) for _ in range(n))
    assume(sum(p is Ellipsis for p in parts) <= 1)  # a single Ellipsis (see the top)
    return parts[0] if n == 1 else parts


@SETTINGS
@given(data=st.data())
def test_getitem(data):
    x = data.draw(arrays())
    key = data.draw(index_keys(x.values.shape))
    parts = key if isinstance(key, tuple) else (key,)
    arrays_in_key = [p for p in parts if isinstance(p, Array)]
    if x.values.ndim == 0:  # torch: "too many indices" for any non-index key of a 0-d tensor
        assume(not isinstance(key, str))
    if 0 in x.values.shape:  # torch skips an index array's bounds on empty results (see the top)
        assume(not any(isinstance(p, (list, Array)) for p in parts))

    def call(t, a, *built):
        it = iter(built)
        k = tuple(next(it) if isinstance(p, Array) else p for p in parts)
        return a[k if isinstance(key, tuple) else k[0]]

    check(call, [x] + arrays_in_key, ("index", "getitem"))


@SETTINGS
@given(data=st.data())
def test_gather(data):
    x = data.draw(arrays())
    index = data.draw(arrays(dtypes=("int64", "int32", "float32")))
    dim = data.draw(small_ints)
    check(lambda t, a, i: t.gather(a, dim, i), [x, index], ("gather",))


@SETTINGS
@given(data=st.data())
def test_index_select(data):
    x = data.draw(arrays())
    index = data.draw(arrays(shape=data.draw(st.lists(st.integers(0, 3), max_size=2).map(tuple)),
                             dtypes=("int64", "int32", "float32", "bool")))
    dim = data.draw(small_ints)
    check(lambda t, a, i: t.index_select(a, dim, i), [x, index], ("index_select",))


INDEX_WRITES = {
    "scatter": lambda t, a, i, s, d: t.scatter(a, d, i, s),
    "scatter_add": lambda t, a, i, s, d: t.scatter_add(a, d, i, s),
    "index_add": lambda t, a, i, s, d: t.index_add(a, d, i, s, alpha=2),
    "index_fill": lambda t, a, i, s, d: t.index_fill(a, d, i, s),
    "index_copy": lambda t, a, i, s, d: t.index_copy(a, d, i, s),
}


@pytest.mark.parametrize("name", INDEX_WRITES)
@pytest.mark.parametrize("inplace", [False, True])
@SETTINGS
@given(data=st.data())
def test_index_writes(name, inplace, data):
    x = data.draw(arrays())
    index = data.draw(arrays(shape=data.draw(st.lists(st.integers(0, 3), max_size=2).map(tuple)),
                             dtypes=("int64", "int32", "float32")))
    src = data.draw(operands(like=x))
    dim = data.draw(small_ints)
    if name in ("index_fill", "index_copy") and x.values.size == 0:
        # torch's kernel fails on an empty self with an internal setStorage error (see the top)
        assume(index.values.size == 0)
    if isinstance(src, Array) and src.values.size == 0 or index.values.size == 0:
        event("empty index or src")
    write = INDEX_WRITES[name]
    if inplace:
        call = lambda t, a, i, *s: getattr(a, name + "_")(dim, i, *(s or [src]))  # noqa: E731
    else:
        call = lambda t, a, i, *s: write(t, a, i, *(s or [src]), dim)  # noqa: E731
    args = [x, index] + ([src] if isinstance(src, Array) else [])
    check(call, args, (name, name + "_"), inplace=inplace)


SORT_OPS = {
    "sort": (lambda t, x, d: t.sort(x, dim=d[0], descending=d[1], stable=True),
             st.tuples(small_ints, st.booleans())),
    "argsort": (lambda t, x, d: t.argsort(x, dim=d[0], descending=d[1], stable=True),
                st.tuples(small_ints, st.booleans())),
    "topk": (lambda t, x, d: t.topk(x, *d), st.tuples(small_ints, small_ints, st.booleans())),
}


@pytest.mark.parametrize("name", SORT_OPS)
@SETTINGS
@given(data=st.data())
def test_sort_topk(name, data):
    call, params = SORT_OPS[name]
    x = data.draw(arrays())
    p = data.draw(params)
    if name == "topk":  # torch leaves the order of ties unspecified: topk draws no ties
        v = x.values
        assume(v.dtype == bool or np.unique(v[~np.isnan(v)] if v.dtype.kind == "f" else v).size
               + (int(np.isnan(v).sum()) if v.dtype.kind == "f" else 0) == v.size)
    check(lambda t, a: call(t, a, p), [x], (name,))


# -- linear algebra ------------------------------------------------------------------------------

matrix_shapes = st.lists(st.integers(0, 3), min_size=0, max_size=4).map(tuple)


@pytest.mark.parametrize("name", ["matmul", "mm", "bmm", "dot", "mv", "outer"])
@SETTINGS
@given(data=st.data())
def test_linalg(name, data):
    dt = ("float32", "float64", "int64", "bool", "float16")
    a = data.draw(arrays(shape=data.draw(matrix_shapes), dtypes=dt))
    b = data.draw(st.one_of(arrays(shape=data.draw(matrix_shapes), dtypes=dt),
                            st.sampled_from(NOT_NUMBERS + (2.0,))))
    assume(not _unchecked_empty_product(a, b))
    check(lambda t, x, y: getattr(t, name)(x, y), [a, b], (name,))


PRODUCTS_WITH_INPUT = {
    "addmm": lambda t, m, x, y: t.addmm(m, x, y, beta=0.5, alpha=2),
    "baddbmm": lambda t, m, x, y: t.baddbmm(m, x, y, beta=0.5, alpha=2),
}


@pytest.mark.parametrize("name", PRODUCTS_WITH_INPUT)
@SETTINGS
@given(data=st.data())
def test_product_with_input(name, data):
    """addmm and baddbmm: input + product, each operand of any rank, dtype and layout."""
    dt = ("float32", "float64", "int64", "bool")
    rank = 2 if name == "addmm" else 3
    x, y = (data.draw(arrays(shape=data.draw(st.lists(st.integers(0, 3), min_size=rank - 1,
                                                      max_size=rank).map(tuple)), dtypes=dt))
            for _ in "xy")
    m = data.draw(st.one_of(operands(like=x), arrays(shape=data.draw(matrix_shapes), dtypes=dt)))
    assume(not _unchecked_empty_product(x, y))
    if name == "baddbmm":  # torch sizes the result before checking the ranks (see the top)
        assume(x.values.ndim == 3 and y.values.ndim == 3)
    check(PRODUCTS_WITH_INPUT[name], [m, x, y], (name,))


EQUATIONS = ("ij,jk->ik", "ij->ji", "ii->i", "ii", "i,i->", "bij,bjk->bik", "...j,j->...",
             "ij,jk", "i,j->ij", "ij->", "ab,bc->ad", "i->ii", "ij,jk->ikk", "I,i")


@SETTINGS
@given(data=st.data())
def test_einsum(data):
    equation = data.draw(st.sampled_from(EQUATIONS))
    dt = ("float32", "float64", "int64", "bool")
    operand_list = data.draw(st.lists(arrays(shape=data.draw(matrix_shapes), dtypes=dt),
                                      min_size=1, max_size=2))
    check(lambda t, *xs: t.einsum(equation, *xs), operand_list, ("einsum",))


# -- creation ------------------------------------------------------------------------------------

ragged = st.recursive(st.one_of(st.integers(-3, 3), st.floats(allow_nan=True), st.booleans(),
                                st.sampled_from(NOT_NUMBERS)),
                      lambda children: st.lists(children, max_size=3), max_leaves=8)


def _drops_ragged_rows(data):
    """torch's tensor() takes [[], [1]] (or [[], 0]) as a (2, 0) tensor (see the top)."""
    if not isinstance(data, list):
        return False
    if data and data[0] == [] and any(x != [] for x in data[1:]):
        return True
    return any(_drops_ragged_rows(x) for x in data)


@SETTINGS
@given(data=ragged, dtype=st.sampled_from((None, "float32", "int64", "bool")))
def test_tensor_from_data(data, dtype):
    assume(not _drops_ragged_rows(data))
    check(lambda t: t.tensor(data, dtype=None if dtype is None else getattr(t, dtype)), [],
          ("tensor",))


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "full", "rand", "randn"])
@SETTINGS
@given(size=st.lists(st.one_of(st.integers(-2, 3), st.sampled_from((1.5, "a", None))), max_size=3))
def test_factory_sizes(name, size):
    assume(size)  # no size at all is a 0-d tensor here (see the top)

    def call(t):
        out = t.full(size, 1.5) if name == "full" else getattr(t, name)(*size)
        return out.shape if name in ("empty", "rand", "randn") else out

    check(call, [], (name,))


@pytest.mark.parametrize("name", ["tensor", "as_tensor", "from_numpy"])
@SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
       steps=st.lists(st.sampled_from((1, 2, -1, -2)), min_size=3, max_size=3),
       dtype=st.sampled_from(DTYPES))
def test_numpy_views(name, shape, steps, dtype):
    """numpy views with positive and negative steps: torch copies or shares the first, refuses
    the second (ValueError) in tensor(), as_tensor() and from_numpy() alike."""
    base = np.arange(int(np.prod(shape))).reshape(shape).astype(dtype)
    view = base[tuple(slice(None, None, s) for s in steps[:len(shape)])]
    check(lambda t: getattr(t, name)(view), [], (name,))
    np.testing.assert_array_equal(base, np.arange(base.size).reshape(shape).astype(dtype))


def _shape_and_dtype(t):
    """What a random tensor is known to be: its shape and dtype, not its values."""
    return tuple(t.shape), str(t.dtype)


LIKE_FACTORIES = {
    "zeros_like": lambda t, a, v: t.zeros_like(a), "ones_like": lambda t, a, v: t.ones_like(a),
    "full_like": lambda t, a, v: t.full_like(a, v),
    "empty_like": lambda t, a, v: _shape_and_dtype(t.empty_like(a)),
    "rand_like": lambda t, a, v: _shape_and_dtype(t.rand_like(a)),
    "randn_like": lambda t, a, v: _shape_and_dtype(t.randn_like(a)),
    "randint_like": lambda t, a, v: _shape_and_dtype(t.randint_like(a, v)),
    "new_zeros": lambda t, a, v: a.new_zeros((v, 2)),
}


@pytest.mark.parametrize("name", LIKE_FACTORIES)
@SETTINGS
@given(x=arrays(), value=st.sampled_from(NUMBERS + NOT_NUMBERS + (5, -1)))
def test_like_factory(name, x, value):
    if name in ("rand_like", "randn_like"):  # torch skips the dtype check when empty (the top)
        assume(x.values.size or x.values.dtype.kind == "f")
    check(lambda t, a: LIKE_FACTORIES[name](t, a, value), [x], (name,))


number_or_object = st.one_of(st.integers(-2, 4), st.sampled_from((1.5, float("nan"), "a", None)))

SCALAR_FACTORIES = {
    "eye": lambda t, p: t.eye(p[0], p[1]),
    "randint": lambda t, p: _shape_and_dtype(t.randint(p[0], p[1], (2, p[2]))),
    "randperm": lambda t, p: _shape_and_dtype(t.randperm(p[0])),
    "logspace": lambda t, p: t.logspace(p[0], p[1], p[2]),
    "arange": lambda t, p: t.arange(p[0], p[1], p[2]),
    "linspace": lambda t, p: t.linspace(p[0], p[1], p[2]),
}


@pytest.mark.parametrize("name", SCALAR_FACTORIES)
@SETTINGS
@given(p=st.tuples(number_or_object, number_or_object, number_or_object))
def test_scalar_factory(name, p):
    check(lambda t: SCALAR_FACTORIES[name](t, p), [], (name,))


RANDOM_FILLS = {
    "uniform_": lambda t, a, p: a.uniform_(p[0], p[1]),
    "normal_": lambda t, a, p: a.normal_(p[0], p[1]),
    "bernoulli_": lambda t, a, p: a.bernoulli_(p[0]),
    "exponential_": lambda t, a, p: a.exponential_(p[0]),
    "random_": lambda t, a, p: a.random_(p[0], p[1]),
}


@pytest.mark.parametrize("name", RANDOM_FILLS)
@SETTINGS
@given(x=arrays(), p=st.tuples(number_or_object, number_or_object))
def test_random_fill(name, x, p):
    """On a copy (the values are random): the parameters' and the dtype's checks, and the
    filled tensor's shape and dtype."""
    assume(x.values.size or x.values.dtype.kind == "f")  # torch's empty fills (see the top)
    check(lambda t, a: _shape_and_dtype(RANDOM_FILLS[name](t, a.detach().clone(), p)), [x],
          (name.rstrip("_"), name))


@SETTINGS
@given(data=st.data())
def test_multinomial(data):
    probs = data.draw(arrays())
    n, replacement = data.draw(st.tuples(number_or_object, st.booleans()))
    assume(probs.values.size > 0)  # see the top: an empty distribution
    check(lambda t, p: _shape_and_dtype(t.multinomial(p, n, replacement)), [probs],
          ("multinomial",))


@SETTINGS
@given(data=st.data())
def test_backward(data):
    """backward of 2x with a gradient of any shape, dtype or kind: the leaf's grad."""
    x = data.draw(arrays())
    gradient = data.draw(st.one_of(st.none(), operands(like=x)))

    def grad_of_double(t, a, *g):
        (2 * a).backward(*(g or [gradient]))
        return a.grad

    check(grad_of_double, [x] + ([gradient] if isinstance(gradient, Array) else []), ("backward",))
