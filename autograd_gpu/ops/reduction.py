"""Reductions: sum, mean, var, std, max/min (full and along a dim), amax/amin, argmax/argmin,
logsumexp, and ``sum_to_shape``, the broadcasting reduction the engine applies to gradients."""
from .. import dtypes
from ..autograd.function import Op
from ..tensor import Tensor, _wrap_dim


def _dims(dim, ndim, op):
    """A normalised tuple of axes (None: all of them)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        axes = tuple(_wrap_dim(d, ndim, op) for d in dim)
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"{op}: dim {list(dim)} appears multiple times in the list of dims")
        return axes if axes else tuple(range(ndim))
    return (_wrap_dim(dim, ndim, op),)


def _expand_back(gy, shape, axes, keepdim):
    """Broadcasts a reduced gradient back to the input's shape."""
    if not keepdim and axes and len(shape) > 0:
        for ax in sorted(axes):
            gy = gy.unsqueeze(ax)
    return gy.expand(shape)


def _check_tensor(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")


class Sum(Op):
    node_name = "SumBackward1"

    def forward(ctx, x, axes, keepdim, dt):
        ctx.meta = (x._data.shape, axes, keepdim)
        data = x._data
        if dt is not None and data.dtype != dt.np:
            data = data.astype(dt.np)
        return x._backend.xp.sum(data, axis=axes, keepdims=keepdim)

    def backward(ctx, gy):
        shape, axes, keepdim = ctx.meta
        return _expand_back(gy, shape, axes, keepdim)


class SumAll(Sum):
    node_name = "SumBackward0"


class Mean(Op):
    node_name = "MeanBackward1"

    def forward(ctx, x, axes, keepdim):
        shape = x._data.shape
        ctx.meta = (shape, axes, keepdim)
        count = 1
        for ax in axes:
            count *= shape[ax]
        ctx.count = count
        return x._backend.xp.mean(x._data, axis=axes, keepdims=keepdim)

    def backward(ctx, gy):
        shape, axes, keepdim = ctx.meta
        return _expand_back(gy / ctx.count, shape, axes, keepdim)


class MeanAll(Mean):
    node_name = "MeanBackward0"


class Var(Op):
    node_name = "VarBackward0"

    def forward(ctx, x, axes, correction, keepdim):
        ctx.save_for_backward(x)
        shape = x._data.shape
        count = 1
        for ax in axes:
            count *= shape[ax]
        ctx.meta = (axes, correction, keepdim, count)
        return x._backend.xp.var(x._data, axis=axes, ddof=correction, keepdims=keepdim)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        axes, correction, keepdim, count = ctx.meta
        centered = x - x.mean(dim=axes, keepdim=True)
        return _expand_back(gy, x.shape, axes, keepdim) * centered * (2.0 / (count - correction))


class MaxAll(Op):
    """max()/min() of all elements: the gradient is shared evenly among tied maxima (torch)."""
    node_name = "MaxBackward1"

    def forward(ctx, x, use_max):
        xp = x._backend.xp
        if x._data.size == 0:
            raise RuntimeError(f"{'max' if use_max else 'min'}(): Expected reduction dim to be "
                               "specified for input.numel() == 0. Specify the reduction dim with "
                               "the 'dim' argument.")
        y = xp.max(x._data) if use_max else xp.min(x._data)
        ctx.save_for_backward(x)
        ctx.y = y
        return y

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        mask = (x == Tensor._make(ctx.y, x._backend)).to(gy.dtype)
        return mask * (gy / mask.sum())


class MinAll(MaxAll):
    node_name = "MinBackward1"


class Amax(Op):
    """amax/amin along dims: ties share the gradient evenly."""
    node_name = "AmaxBackward0"

    def forward(ctx, x, axes, keepdim, use_max):
        xp = x._backend.xp
        y = (xp.max if use_max else xp.min)(x._data, axis=axes, keepdims=True)
        ctx.save_for_backward(x)
        ctx.meta = (axes, keepdim, y)
        return y if keepdim else xp.squeeze(y, axis=axes)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        axes, keepdim, y = ctx.meta
        mask = (x == Tensor._make(y, x._backend)).to(gy.dtype)
        return _expand_back(gy, x.shape, axes, keepdim) * mask / mask.sum(dim=axes, keepdim=True)


class Amin(Amax):
    node_name = "AminBackward0"


class MaxDim(Op):
    """max(dim)/min(dim): (values, indices); the gradient goes to the chosen index only."""
    node_name = "MaxBackward0"

    def forward(ctx, x, dim, keepdim, use_max):
        xp = x._backend.xp
        data = x._data
        if data.ndim == 0:
            idx = xp.zeros((), dtype=xp.int64)
            ctx.meta = (data.shape, dim, keepdim, idx)
            return data.copy(), idx
        if data.shape[dim] == 0:
            raise IndexError(f"{'max' if use_max else 'min'}(): Expected reduction dim {dim} to have "
                             "non-zero size.")
        idx = (xp.argmax if use_max else xp.argmin)(data, axis=dim)
        idx = xp.expand_dims(idx, dim)
        values = xp.take_along_axis(data, idx, axis=dim)
        ctx.meta = (data.shape, dim, keepdim, idx)
        if not keepdim:
            values, idx = xp.squeeze(values, axis=dim), xp.squeeze(idx, axis=dim)
        return values, idx.astype(xp.int64)

    def backward(ctx, gy, gidx):
        from .indexing import scatter_along  # noqa: PLC0415

        shape, dim, keepdim, idx = ctx.meta
        if len(shape) == 0:
            return gy
        if not keepdim:
            gy = gy.unsqueeze(dim)
        return scatter_along(gy, shape, dim, Tensor._make(idx, gy._backend))


class MinDim(MaxDim):
    node_name = "MinBackward0"


class LogSumExp(Op):
    node_name = "LogsumexpBackward0"
    save_outputs = True

    def forward(ctx, x, axes, keepdim):
        xp = x._backend.xp
        data = x._data
        m = xp.max(data, axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)  # rows of all -inf (or inf) keep exp finite, as torch
        out = xp.log(xp.sum(xp.exp(data - m), axis=axes, keepdims=True)) + m
        ctx.save_for_backward(x)
        ctx.meta = (axes, keepdim)
        return out if keepdim else xp.squeeze(out, axis=axes)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        (y,) = ctx.saved_outputs
        axes, keepdim = ctx.meta
        if not keepdim:
            for ax in sorted(axes):
                y = y.unsqueeze(ax)
        return _expand_back(gy, x.shape, axes, keepdim) * (x - y).exp()


# -- public functions ------------------------------------------------------------------------------

def _parse_dim_keepdim(args, kwargs, op):
    dim = kwargs.pop("dim", kwargs.pop("axis", None))
    keepdim = kwargs.pop("keepdim", False)
    if args:
        dim = args[0]
        if len(args) > 1:
            keepdim = args[1]
    return dim, keepdim


def sum(x, dim=None, keepdim=False, *, dtype=None):
    _check_tensor(x, "sum")
    data_dtype = dtypes.to_dtype(dtype) if dtype is not None else None
    if data_dtype is None and x._data.dtype.kind in "bi" or (data_dtype is None and x._data.dtype.kind == "u"):
        data_dtype = dtypes.int64
    if dim is None:
        return SumAll.apply(x, None, False, data_dtype)
    return Sum.apply(x, _dims(dim, x._data.ndim, "sum"), keepdim, data_dtype)


def mean(x, dim=None, keepdim=False, *, dtype=None):
    _check_tensor(x, "mean")
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {_legacy_name(x.dtype)}")
    if dim is None:
        return MeanAll.apply(x, tuple(range(x._data.ndim)), False)
    return Mean.apply(x, _dims(dim, x._data.ndim, "mean"), keepdim)


def _legacy_name(dt):
    return {"int64": "Long", "int32": "Int", "bool": "Bool", "int16": "Short", "int8": "Char",
            "uint8": "Byte"}.get(dt.name, dt.name)


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    _check_tensor(x, "var")
    if isinstance(dim, bool):  # var(x, False): the old positional unbiased
        dim, unbiased = None, dim
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"std and var only support floating point and complex dtypes, got {x.dtype}")
    axes = _dims(dim, x._data.ndim, "var")
    y = Var.apply(x, axes, _correction(unbiased, correction), keepdim)
    if dim is None and y.grad_fn is not None:
        y.grad_fn.node_name = "VarBackward0"
    return y


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    v = var(x, dim, unbiased, keepdim, correction=correction)
    y = v.sqrt()
    if y.grad_fn is not None:
        y.grad_fn.node_name = "StdBackward0"
    return y


def max(x, dim=None, keepdim=False, *, out=None):
    _check_tensor(x, "max")
    if isinstance(dim, Tensor):
        from .elementwise import maximum  # noqa: PLC0415

        return maximum(x, dim)
    if dim is None:
        return MaxAll.apply(x, True)
    from ..return_types import max as max_result  # noqa: PLC0415

    values, indices = MaxDim.apply(x, _wrap_dim(dim, x._data.ndim, "max"), keepdim, True)
    return max_result(values, indices)


def min(x, dim=None, keepdim=False):
    _check_tensor(x, "min")
    if isinstance(dim, Tensor):
        from .elementwise import minimum  # noqa: PLC0415

        return minimum(x, dim)
    if dim is None:
        return MinAll.apply(x, False)
    from ..return_types import min as min_result  # noqa: PLC0415

    values, indices = MinDim.apply(x, _wrap_dim(dim, x._data.ndim, "min"), keepdim, False)
    return min_result(values, indices)


def amax(x, dim=(), keepdim=False):
    _check_tensor(x, "amax")
    return Amax.apply(x, _dims(dim if dim != () else None, x._data.ndim, "amax"), keepdim, True)


def amin(x, dim=(), keepdim=False):
    _check_tensor(x, "amin")
    return Amin.apply(x, _dims(dim if dim != () else None, x._data.ndim, "amin"), keepdim, False)


def argmax(x, dim=None, keepdim=False):
    _check_tensor(x, "argmax")
    xp = x._backend.xp
    if x._data.size == 0:
        raise RuntimeError("argmax(): Expected reduction dim to be specified for input.numel() == 0.")
    if dim is None:
        idx = xp.argmax(x._data.reshape(-1))
        out = idx.reshape((1,) * x._data.ndim) if keepdim else idx
    else:
        d = _wrap_dim(dim, x._data.ndim, "argmax")
        out = xp.argmax(x._data, axis=d, keepdims=keepdim) if x._data.ndim else xp.zeros((), xp.int64)
    return Tensor._make(xp.asarray(out, dtype=xp.int64), x._backend)


def argmin(x, dim=None, keepdim=False):
    _check_tensor(x, "argmin")
    neg = Tensor._make(-x._data if x._data.dtype.kind != "b" else ~x._data, x._backend)
    return argmax(neg, dim, keepdim)


def logsumexp(x, dim, keepdim=False):
    _check_tensor(x, "logsumexp")
    if x._data.dtype.kind != "f":
        x = x.to(dtypes.get_default_dtype())
    return LogSumExp.apply(x, _dims(dim, x._data.ndim, "logsumexp"), keepdim)


def sum_to_shape(g, shape):
    """Sums ``g`` over the dimensions broadcasting added or stretched, back to ``shape``."""
    lead = g._data.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and g._data.shape[lead + i] != 1)
    if axes:
        g = Sum.apply(g, axes, True, None)
    return g.reshape(shape) if g._data.shape != tuple(shape) else g


def all(x, dim=None, keepdim=False):
    xp = x._backend.xp
    axes = None if dim is None else _dims(dim, x._data.ndim, "all")
    return Tensor._make(xp.asarray(xp.all(x._data, axis=axes, keepdims=keepdim)), x._backend)


def any(x, dim=None, keepdim=False):
    xp = x._backend.xp
    axes = None if dim is None else _dims(dim, x._data.ndim, "any")
    return Tensor._make(xp.asarray(xp.any(x._data, axis=axes, keepdims=keepdim)), x._backend)
