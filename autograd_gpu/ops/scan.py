"""NaN-skipping reductions and more scans, as torch has them: nansum, nanmean, aminmax, cummax,
cummin, logcumsumexp and diff.

The scans that keep a running value (cummax, cummin, logcumsumexp) step along their dim one slice
at a time, each step vectorised over the other dims, so that they run on any array module (CuPy's
ufuncs have no ``accumulate``) and reproduce torch's sequential rules (ties and NaN).
"""
from .. import dtypes, return_types
from ..autograd.function import Op
from ..tensor import Tensor, _wrap_dim, check_tensor, op_note
from . import elementwise as E
from . import reduction as R


# -- nansum, nanmean -------------------------------------------------------------------------------

class Nansum(Op):
    """The sum with NaN counted as 0; the gradient is 0 at the NaNs (torch's nansum_backward)."""
    node_name = "NansumBackward0"

    def forward(ctx, x, axes, keepdim, dt):
        ctx.save_for_backward(x)
        ctx.meta = (axes, keepdim)
        xp, data = x._backend.xp, x._data
        if dt is not None and data.dtype != dt.np:
            data = data.astype(dt.np)
        if data.dtype.kind != "f":
            return R._array(xp, xp.sum(data, axis=axes, keepdims=keepdim, dtype=data.dtype))
        data = xp.where(xp.isnan(data), data.dtype.type(0), data)
        return R._array(xp, x._backend.sum_float(data, axes, keepdim))

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        axes, keepdim = ctx.meta
        return R._expand_back(gy, x.shape, axes, keepdim) * E.logical_not(E.isnan(x))


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """sum treating NaN as 0 (integers and bool sum to int64, as torch's)."""
    check_tensor(input, "nansum")
    dt = R._integral_dtype(input, dtype, "nansum")
    return Nansum.apply(input, R._dims(dim, input._data.ndim, "nansum"), keepdim, dt)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean of the non-NaN elements (NaN where there are none), computed as torch does:
    nansum / count of non-NaN (DivBackward0 over NansumBackward0)."""
    check_tensor(input, "nanmean")
    if not input.dtype.is_floating_point:
        raise op_note(RuntimeError(f"nanmean(): expected input to have floating point or complex "
                                   f"dtype but got {input.dtype.scalar_name}"), "nanmean", input)
    count = R.sum(E.logical_not(E.isnan(input)), dim, keepdim)
    return E.div(nansum(input, dim, keepdim, dtype=dtype), count)


# -- aminmax ---------------------------------------------------------------------------------------

class Aminmax(Op):
    """(amin, amax) in one node; each gradient is shared evenly among the elements that tie."""
    node_name = "AminmaxBackward0"
    save_outputs = True

    def forward(ctx, x, axes, keepdim):
        ctx.save_for_backward(x)
        ctx.meta = (axes, keepdim)
        xp = x._backend.xp
        return (R._array(xp, xp.min(x._data, axis=axes, keepdims=keepdim)),
                R._array(xp, xp.max(x._data, axis=axes, keepdims=keepdim)))

    def backward(ctx, gmin, gmax):
        (x,) = ctx.saved_tensors
        axes, keepdim = ctx.meta
        grad = None
        for g, y in zip((gmin, gmax), ctx.saved_outputs):
            if g is None:
                continue
            mask = (x == R._keep(y, axes, keepdim)).to(g.dtype)
            part = R._expand_back(g, x.shape, axes, keepdim) * mask / mask.sum(dim=axes,
                                                                                keepdim=True)
            grad = part if grad is None else grad + part
        return grad


def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) of all elements or along ``dim``, as torch.return_types.aminmax."""
    check_tensor(input, "aminmax")
    data = input._data
    if dim is None:
        if data.size == 0:
            raise op_note(RuntimeError("aminmax(): cannot compute aminmax over an empty dimension "
                                       "as the operation has no identity."), "aminmax", input)
        axes = tuple(range(data.ndim))
    else:
        axis = _wrap_dim(dim, data.ndim, "aminmax")
        if data.ndim and data.shape[axis] == 0:
            raise op_note(IndexError(f"aminmax: Expected reduction dim {axis} to have non-zero "
                                     "size."), "aminmax", input)
        axes = (axis,) if data.ndim else ()
    return return_types.aminmax(*Aminmax.apply(input, axes, keepdim))


# -- cummax, cummin --------------------------------------------------------------------------------

def _running(xp, data, axis, step):
    """Walks ``data`` along ``axis``: ``step(i, current, slice)`` gives the new running value
    (and anything else to carry) from the previous one; answers the stacked results."""
    moved = xp.moveaxis(data, axis, 0)
    outs = None
    carry = None
    for i in range(moved.shape[0]):
        carry = step(i, carry, moved[i, ...])  # a 0-d array, not a numpy scalar, for 1-d data
        if outs is None:
            outs = [xp.empty(moved.shape, dtype=c.dtype) for c in carry]
        for out, c in zip(outs, carry):
            out[i] = c
    return [xp.moveaxis(out, 0, axis) for out in outs]


class Cummax(Op):
    """The running max along ``dim`` and where it was last reached (a tie or a NaN moves the
    index, as in torch; NaN stays once met); the gradient goes to those positions."""
    node_name = "CummaxBackward0"
    better = staticmethod(lambda xp, x, current: x >= current)

    def forward(ctx, x, dim):
        xp, data = x._backend.xp, x._data
        ctx.dim = dim
        if data.ndim == 0 or data.size == 0:
            ctx.indices = xp.zeros(data.shape, dtype=xp.int64)
            return data.copy(), ctx.indices
        floating = data.dtype.kind == "f"

        def step(i, carry, x_i):
            if carry is None:
                return x_i, xp.zeros(x_i.shape, dtype=xp.int64)
            current, index = carry
            take = ctx.better(xp, x_i, current)
            if floating:
                take = take | xp.isnan(x_i)
            return xp.where(take, x_i, current), xp.where(take, i, index)
        values, ctx.indices = _running(xp, data, dim, step)
        return values, ctx.indices

    def backward(ctx, gy, gidx):
        from .indexing import scatter_add  # noqa: PLC0415

        if gy._data.ndim == 0:
            return gy
        zeros = E._zeros_for(gy)
        return scatter_add(zeros, ctx.dim, Tensor._make(ctx.indices, gy._backend), gy)


class Cummin(Cummax):
    node_name = "CumminBackward0"
    better = staticmethod(lambda xp, x, current: x <= current)


def _cum_extreme(cls, input, dim, op):
    check_tensor(input, op)
    if input._data.size == 0 and isinstance(dim, int):  # torch checks no dim of an empty input
        xp = input._backend.xp
        values = input.clone()
        indices = Tensor._make(xp.zeros(input._data.shape, dtype="int64"), input._backend)
        return getattr(return_types, op)(values, indices)
    axis = _wrap_dim(dim, input._data.ndim, op)
    values, indices = cls.apply(input, axis)
    return getattr(return_types, op)(values, indices)


def cummax(input, dim):
    """(values, indices) of the running maximum along ``dim`` (torch.return_types.cummax)."""
    return _cum_extreme(Cummax, input, dim, "cummax")


def cummin(input, dim):
    return _cum_extreme(Cummin, input, dim, "cummin")


# -- logcumsumexp ----------------------------------------------------------------------------------

class Logcumsumexp(Op):
    """log(cumsum(exp(x))) along ``dim``, by running logaddexp (no overflow or underflow);
    backward is torch's: the positive and negative parts of the gradient through reversed
    logcumsumexps."""
    node_name = "LogcumsumexpBackward0"
    save_outputs = True

    def forward(ctx, x, dim):
        ctx.save_for_backward(x)
        ctx.dim = dim
        xp, data = x._backend.xp, x._data
        if data.ndim == 0 or data.size == 0:
            return data.copy()

        def step(i, carry, x_i):
            return (x_i.copy(),) if carry is None else (xp.logaddexp(carry[0], x_i),)
        return _running(xp, data, dim, step)[0]

    def backward(ctx, gy):
        from .shape import flip  # noqa: PLC0415

        (x,) = ctx.saved_tensors
        (y,) = ctx.saved_outputs
        dim = ctx.dim
        if gy._data.ndim == 0:
            return gy
        lowest = dtypes.finfo(gy.dtype).min
        log_abs = E.log(E.abs(gy))
        parts = []
        for sign in (E.gt, E.lt):
            log_part = E.where(sign(gy, 0), log_abs, lowest)
            reverse = flip(logcumsumexp(flip(log_part - y, [dim]), dim), [dim])
            parts.append(E.exp(reverse + x))
        return parts[0] - parts[1]


def logcumsumexp(input, dim):
    check_tensor(input, "logcumsumexp")
    axis = _wrap_dim(dim, input._data.ndim, "logcumsumexp")
    if not input.dtype.is_floating_point:
        kernel = "logcumsumexp_out_cpu" if input.device.type == "cpu" else "logcumsumexp_cuda"
        raise op_note(NotImplementedError(f"\"{kernel}\" not implemented for "
                                          f"'{input.dtype.scalar_name}'"), "logcumsumexp", input)
    return Logcumsumexp.apply(input, axis)


# -- diff ------------------------------------------------------------------------------------------

class DiffCopy(Op):
    """diff's result for n = 0: a copy, which torch records as its C++ CopyBackwards node."""
    node_name = "CopyBackwards"

    def name(self):
        return "torch::autograd::CopyBackwards"

    def forward(ctx, x):
        return x._data.copy()

    def backward(ctx, gy):
        return gy


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along ``dim``, after joining ``prepend`` and ``append``
    (torch.diff: slices subtracted, SubBackward0; bool tensors give logical_xor; n = 0 a
    copy)."""
    from .shape import cat, narrow  # noqa: PLC0415

    check_tensor(input, "diff")
    for name, value in (("n", n), ("dim", dim)):
        if not hasattr(value, "__index__") or isinstance(value, bool):
            raise TypeError(f"diff(): argument '{name}' must be int, not {type(value).__name__}")
    if input._data.ndim == 0:
        raise op_note(RuntimeError("diff expects input to be at least one-dimensional"), "diff",
                      input)
    if n < 0:
        raise op_note(RuntimeError(f"order must be non-negative but got {n}"), "diff", input)
    axis = _wrap_dim(dim, input._data.ndim, "diff")
    pieces = [input]
    for other, where in ((prepend, 0), (append, None)):
        if other is None:
            continue
        check_tensor(other, "diff", "prepend" if where == 0 else "append")
        _check_diff_operand(input, other, axis)
        pieces.insert(0, other) if where == 0 else pieces.append(other)
    x = cat(pieces, axis) if len(pieces) > 1 else input
    if n == 0:
        return DiffCopy.apply(x)
    for _ in range(n):
        length = x._data.shape[axis]
        if length == 0:
            break
        later, earlier = narrow(x, axis, 1, length - 1), narrow(x, axis, 0, length - 1)
        x = E.logical_xor(later, earlier) if x.dtype is dtypes.bool_ else later - earlier
    return x


def _check_diff_operand(input, other, axis):
    if other._data.ndim != input._data.ndim:
        raise op_note(RuntimeError("diff expects prepend or append to be the same dimension as "
                                   "input"), "diff", input, other)
    for d, (a, b) in enumerate(zip(input._data.shape, other._data.shape)):
        if d != axis and a != b:
            raise op_note(RuntimeError(
                f"diff expects the shape of tensor to prepend or append to match that of input "
                f"except along the differencing dimension; input.size({d}) = {a}, but got "
                f"tensor.size({d}) = {b}"), "diff", input, other)
