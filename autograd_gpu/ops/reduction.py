"""Reductions: sum, mean, var, std, max/min (full and along a dim), amax/amin, argmax/argmin,
logsumexp, and ``sum_to_shape``, the broadcasting reduction the engine applies to gradients."""
import numbers
import warnings

import numpy as np

from .. import dtypes
from ..autograd import grad_mode
from ..autograd.function import Op
from ..tensor import Tensor, _wrap_dim, check_tensor, op_note, with_note


def _dims(dim, ndim, op):
    """A normalised tuple of axes (None or []: all of them). A 0-d tensor takes dim 0 or -1 and
    has no axis to reduce, as in torch."""
    if dim is None:
        return tuple(range(ndim))
    if ndim == 0:
        dims = dim if isinstance(dim, (list, tuple)) else (dim,)
        wrapped = [_wrap_dim(d, ndim, op) for d in dims]
        if len(set(wrapped)) != len(wrapped):
            raise RuntimeError(f"{op}: dim {list(dims)} appears multiple times in the list of dims")
        return ()
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


def _array(xp, out):
    """numpy hands back a scalar for a full reduction; a Tensor always holds an array."""
    return out if out.ndim else xp.asarray(out)


def _count(shape, axes):
    count = 1
    for ax in axes:
        count *= shape[ax]
    return count


def _check_tensor(x, op):
    check_tensor(x, op)


class Sum(Op):
    node_name = "SumBackward1"

    def forward(ctx, x, axes, keepdim, dt):
        ctx.meta = (x._data.shape, axes, keepdim)
        data = x._data
        if dt is not None and data.dtype != dt.np:
            data = data.astype(dt.np)
        xp = x._backend.xp
        if data.dtype.kind == "f":
            return _array(xp, x._backend.sum_float(data, axes, keepdim))
        # numpy would widen int32 (or bool) sums to int64; torch keeps the asked-for dtype
        return _array(xp, xp.sum(data, axis=axes, keepdims=keepdim, dtype=data.dtype))

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
        ctx.count = _count(shape, axes)
        xp = x._backend.xp
        return _array(xp, _mean_array(xp, x._data, axes, keepdim, ctx.count))

    def backward(ctx, gy):
        shape, axes, keepdim = ctx.meta
        return _expand_back(gy / ctx.count, shape, axes, keepdim)


class MeanAll(Mean):
    node_name = "MeanBackward0"


class Var(Op):
    """var: sum((x - mean)^2) / (N - correction); d/dx = 2 (x - mean) / (N - correction)."""
    node_name = "VarBackward0"

    def forward(ctx, x, axes, correction, keepdim):
        ctx.save_for_backward(x)
        ctx.meta = (axes, correction, keepdim, _count(x._data.shape, axes))
        xp = x._backend.xp
        return _array(xp, _var_array(x._backend, x._data, axes, correction, keepdim, ctx.meta[3]))

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return _var_backward(gy, x, *ctx.meta)


def _mean_array(xp, data, axes, keepdim, count):
    """xp.mean, but over no elements NaN without numpy's "Mean of empty slice" warning (a Python
    warning, which numpy's silenced error state does not cover)."""
    if count:
        return xp.mean(data, axis=axes, keepdims=keepdim)
    total = xp.sum(data, axis=axes, keepdims=keepdim)
    return total / total.dtype.type(0)


def _var_array(backend, data, axes, correction, keepdim, count, root=False):
    """The backend's var (its square ``root``: std); with no degrees of freedom left, torch's
    sum / max(0, N - correction) (NaN or inf) without numpy's "Degrees of freedom <= 0" warning."""
    xp = backend.xp
    if count - correction > 0:
        return backend.var(data, axes, correction, keepdim, root)
    centered = data - _mean_array(xp, data, axes, True, count)
    dof = count - correction if count > correction else 0
    spread = xp.sum(centered * centered, axis=axes, keepdims=keepdim) / dof
    return xp.sqrt(spread) if root else spread


def _var_backward(gy, x, axes, correction, keepdim, count):
    dof = count - correction
    scale = 2.0 / dof if dof != 0 else float("inf")
    centered = x - x.mean(dim=axes, keepdim=True)
    return _expand_back(gy, x.shape, axes, keepdim) * scale * centered


class Std(Op):
    """std = sqrt(var): d/dx = (x - mean) / (std (N - correction)), 0 where std == 0 (torch)."""
    node_name = "StdBackward0"
    save_outputs = True

    def forward(ctx, x, axes, correction, keepdim):
        ctx.save_for_backward(x)
        ctx.meta = (axes, correction, keepdim, _count(x._data.shape, axes))
        xp = x._backend.xp
        count = ctx.meta[3]
        return _array(xp, _var_array(x._backend, x._data, axes, correction, keepdim, count,
                                     root=True))

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        (y,) = ctx.saved_outputs
        from .elementwise import where  # noqa: PLC0415

        g_var = where(y == 0, 0.0, gy / (y * 2))
        return _var_backward(g_var, x, *ctx.meta)


class MaxAll(Op):
    """max()/min() of all elements: the gradient is shared evenly among tied maxima (torch)."""
    node_name = "MaxBackward1"
    save_outputs = True  # the result, version-checked: writing into it in place fails backward

    def forward(ctx, x, use_max):
        xp = x._backend.xp
        if x._data.size == 0:
            raise RuntimeError(f"{'max' if use_max else 'min'}(): Expected reduction dim to be "
                               "specified for input.numel() == 0. Specify the reduction dim with "
                               "the 'dim' argument.")
        ctx.save_for_backward(x)
        return _array(xp, xp.max(x._data) if use_max else xp.min(x._data))

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        (y,) = ctx.saved_outputs
        mask = (x == y).to(gy.dtype)
        return mask * (gy / mask.sum())


class MinAll(MaxAll):
    node_name = "MinBackward1"


class Amax(Op):
    """amax/amin along dims: ties share the gradient evenly."""
    node_name = "AmaxBackward0"
    save_outputs = True

    def forward(ctx, x, axes, keepdim, use_max):
        xp = x._backend.xp
        for ax in axes:
            if x._data.shape[ax] == 0:
                raise IndexError(f"{'amax' if use_max else 'amin'}(): Expected reduction dim {ax} "
                                 "to have non-zero size.")
        y = (xp.max if use_max else xp.min)(x._data, axis=axes, keepdims=keepdim)
        ctx.save_for_backward(x)
        ctx.meta = (axes, keepdim)
        return _array(xp, y)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        (y,) = ctx.saved_outputs
        axes, keepdim = ctx.meta
        y = _keep(y, axes, keepdim)
        mask = (x == y).to(gy.dtype)
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


class MedianAll(MaxAll):
    """median() of all elements: the lower median (NaN if any element is NaN); the gradient is
    shared evenly among the elements equal to it (among the NaNs for a NaN median), as torch."""
    node_name = "MedianBackward0"

    def forward(ctx, x):
        xp = x._backend.xp
        flat = x._data.reshape(-1)
        ctx.save_for_backward(x)
        if flat.size == 0:
            return xp.asarray(xp.nan, dtype=flat.dtype) if flat.dtype.kind == "f" else flat.sum()
        if flat.dtype.kind == "f" and bool(xp.isnan(flat).any()):
            return xp.asarray(xp.nan, dtype=flat.dtype)
        return _array(xp, xp.sort(flat)[(flat.size - 1) // 2])

    def backward(ctx, gy):
        from .elementwise import isnan  # noqa: PLC0415

        (x,) = ctx.saved_tensors
        (y,) = ctx.saved_outputs
        mask = isnan(x) if bool(isnan(y)._data) else x == y
        mask = mask.to(gy.dtype)
        return mask * (gy / mask.sum())


class KthvalueDim(MaxDim):
    """kthvalue(k, dim) and median(dim): the k-th smallest (0-based ``k``; NaN the largest, NaNs
    in their order) and its index; the gradient goes to that index (max(dim)'s backward)."""
    node_name = "KthvalueBackward0"

    def forward(ctx, x, dim, keepdim, k):
        xp = x._backend.xp
        data = x._data
        if data.ndim == 0:
            idx = xp.zeros((), dtype=xp.int64)
            ctx.meta = (data.shape, dim, keepdim, idx)
            return data.copy(), idx
        if k is None:  # median: the lower median, or the first NaN of a slice that has one
            k = (data.shape[dim] - 1) // 2
            if data.dtype.kind == "f":
                finite = xp.sum(~xp.isnan(data), axis=dim, keepdims=True)
                k = xp.where(finite < data.shape[dim], finite, k)
        order = xp.argsort(data, axis=dim, kind="stable")
        if isinstance(k, int):
            idx = order[(slice(None),) * dim + (slice(k, k + 1),)]
        else:
            idx = xp.take_along_axis(order, k, axis=dim)
        idx = idx.astype(xp.int64)
        values = xp.take_along_axis(data, idx, axis=dim)
        ctx.meta = (data.shape, dim, keepdim, idx)
        if not keepdim:
            values, idx = xp.squeeze(values, axis=dim), xp.squeeze(idx, axis=dim)
        return values, idx


class MedianDim(KthvalueDim):
    node_name = "MedianBackward1"


class VarMean(Op):
    """var_mean / std_mean: one node with two outputs, (var or std, mean), as torch's."""
    node_name = "VarMeanBackward0"
    take_sqrt = False

    def forward(ctx, x, axes, correction, keepdim):
        ctx.save_for_backward(x)
        count = _count(x._data.shape, axes)
        ctx.meta = (axes, correction, keepdim, count)
        xp = x._backend.xp
        spread = _var_array(x._backend, x._data, axes, correction, keepdim, count,
                            root=ctx.take_sqrt)
        return _array(xp, spread), _array(xp, _mean_array(xp, x._data, axes, keepdim, count))

    def backward(ctx, g_spread, g_mean):
        (x,) = ctx.saved_tensors
        axes, correction, keepdim, count = ctx.meta
        if ctx.take_sqrt:
            from .elementwise import where  # noqa: PLC0415

            y = Std.apply(x, axes, correction, keepdim)
            g_spread = where(y == 0, 0.0, g_spread / (y * 2))
        return (_var_backward(g_spread, x, *ctx.meta)
                + _expand_back(g_mean / count, x.shape, axes, keepdim))


class StdMean(VarMean):
    node_name = "StdMeanBackward0"
    take_sqrt = True


class LogSumExp(Op):
    node_name = "LogsumexpBackward0"
    save_outputs = True

    def forward(ctx, x, axes, keepdim):
        xp = x._backend.xp
        data = x._data
        ctx.save_for_backward(x)
        ctx.meta = (axes, keepdim)
        if data.size == 0 or _count(data.shape, axes) == 0:  # an empty sum: log(0) = -inf
            out = xp.log(xp.sum(xp.exp(data), axis=axes, keepdims=keepdim))
            return _array(xp, out)
        m = xp.max(data, axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)  # rows of all -inf (or inf) keep exp finite, as torch
        out = xp.log(xp.sum(xp.exp(data - m), axis=axes, keepdims=True)) + m
        return out if keepdim else xp.squeeze(out, axis=axes)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        (y,) = ctx.saved_outputs
        axes, keepdim = ctx.meta
        return _expand_back(gy, x.shape, axes, keepdim) * (x - _keep(y, axes, keepdim)).exp()


class Prod(Op):
    """prod over ``axes`` (all of them: ProdBackward0). The gradient of each element is the
    product of the others in its slice, as torch's prod_backward: y / x without zeros; with one
    zero, the product of the nonzero elements at that zero and 0 elsewhere; with two or more, 0.
    (Differentiable again, second derivatives at zeros included.)"""
    node_name = "ProdBackward1"
    save_outputs = True

    def forward(ctx, x, axes, keepdim, dt):
        data = x._data if dt is None or x._data.dtype == dt.np else x._data.astype(dt.np)
        ctx.save_for_backward(x)
        ctx.meta = (axes, keepdim)
        xp = x._backend.xp
        return _array(xp, xp.prod(data, axis=axes, keepdims=keepdim, dtype=data.dtype))

    def backward(ctx, gy):
        from .elementwise import where  # noqa: PLC0415 - elementwise imports this module

        (x,) = ctx.saved_tensors
        (y,) = ctx.saved_outputs
        axes, keepdim = ctx.meta
        if not axes:
            return gy
        zero = x == 0
        if not bool(zero._data.any()):
            return _expand_back(gy, x.shape, axes, keepdim) * (_keep(y, axes, keepdim) / x)
        gy = _expand_back(gy, x.shape, axes, keepdim)
        # written so that its own gradient is right too: the zeros enter as values (zsum, the
        # sum of a slice's zeros, is 0 but carries their gradient)
        nonzero = where(zero, 1.0, x)  # no zero to divide by, in any order of derivative
        others = Prod.apply(nonzero, axes, True, None)  # the product of a slice's nonzeros
        zeros = zero.sum(dim=axes, keepdim=True)
        zsum = where(zero, x, 0.0).sum(dim=axes, keepdim=True)
        at_zero = where(zeros == 1, others, where(zeros == 2, others * (zsum - x), 0.0))
        elsewhere = where(zeros == 0, others / nonzero,
                          where(zeros == 1, others / nonzero * zsum, 0.0))
        return gy * where(zero, at_zero, elsewhere)


class ProdAll(Prod):
    node_name = "ProdBackward0"


def _keep(y, axes, keepdim):
    """A reduction's result with its reduced axes back as size 1."""
    if not keepdim:
        for ax in sorted(axes):
            y = y.unsqueeze(ax)
    return y


class Cumsum(Op):
    node_name = "CumsumBackward0"

    def forward(ctx, x, dim, dt):
        ctx.dim = dim
        data = x._data
        if data.ndim == 0:
            return data.astype(dt.np, copy=True)
        return x._backend.cumsum(data, dim, dt.np)

    def backward(ctx, gy):
        return ReverseCumsum.apply(gy, ctx.dim)


class ReverseCumsum(Op):
    """The sum of each element and those after it along ``dim`` (cumsum's adjoint, torch's
    reversed_cumsum); its own adjoint is cumsum."""
    node_name = "CumsumBackwardBackward0"

    def forward(ctx, g, dim):
        ctx.dim = dim
        xp = g._backend.xp
        data = g._data
        if data.ndim == 0:
            return data.copy()
        return xp.flip(g._backend.cumsum(xp.flip(data, axis=dim), dim, data.dtype), axis=dim)

    def backward(ctx, gg):
        return Cumsum.apply(gg, ctx.dim, gg.dtype)


class Cumprod(Op):
    """cumprod along ``dim``; the gradient follows torch's cumprod_backward: before a slice's first
    zero, reversed_cumsum(gy * y) / x; at the first zero, the product of the elements before it
    times reversed_cumsum(gy * the running product after it); after it, 0."""
    node_name = "CumprodBackward0"
    save_outputs = True

    def forward(ctx, x, dim, dt):
        ctx.dim = dim
        ctx.save_for_backward(x)
        data = x._data
        if data.ndim == 0:
            return data.astype(dt.np, copy=True)
        return x._backend.cumprod(data, dim, dt.np)

    def backward(ctx, gy):
        from .elementwise import where  # noqa: PLC0415

        (x,) = ctx.saved_tensors
        (y,) = ctx.saved_outputs
        dim = ctx.dim
        if x._data.ndim == 0:
            return gy
        zero = x == 0
        if not bool(zero._data.any()):
            return ReverseCumsum.apply(gy * y, dim) / x
        seen = Cumsum.apply(zero, dim, dtypes.int64)  # zeros up to and including each place
        before = seen == 0
        first = zero & (seen == 1)
        safe = where(before, x, 1.0)
        grad_before = ReverseCumsum.apply(gy * y, dim) / safe
        # at the first zero: prod(x before it) * sum over later i of gy[i] * prod(x after it to i)
        after = Cumprod.apply(where(before | first, 1.0, x), dim, x.dtype)
        prefix = Cumprod.apply(safe, dim, x.dtype)  # 1 at the first zero: the product before it
        grad_first = prefix * ReverseCumsum.apply(gy * after, dim)
        return where(before, grad_before, where(first, grad_first, 0.0))


class VectorNorm(Op):
    """torch.linalg.vector_norm: (sum |x|^p)^(1/p) over ``axes``; p = inf / -inf the largest /
    smallest |x|, p = 0 the count of nonzeros. float16 accumulates in float32 (as torch). The
    gradient is torch's norm_backward (0 at a zero norm for p >= 1, ties share inf norms)."""
    node_name = "LinalgVectorNormBackward0"
    save_outputs = True

    def forward(ctx, x, p, axes, keepdim):
        ctx.save_for_backward(x)
        ctx.meta = (p, axes, keepdim)
        xp = x._backend.xp
        data = x._data
        acc = data.astype(xp.float32) if data.dtype == xp.float16 else data
        a = xp.abs(acc)
        if p == 2:
            out = xp.sqrt(xp.sum(acc * acc, axis=axes, keepdims=keepdim))
        elif p == 1:
            out = xp.sum(a, axis=axes, keepdims=keepdim)
        elif p == float("inf"):
            out = xp.max(a, axis=axes, keepdims=keepdim)
        elif p == float("-inf"):
            out = xp.min(a, axis=axes, keepdims=keepdim)
        elif p == 0:
            out = xp.sum(a != 0, axis=axes, keepdims=keepdim).astype(acc.dtype)
        else:
            out = xp.sum(a ** p, axis=axes, keepdims=keepdim) ** (1.0 / p)
        return _array(xp, xp.asarray(out, dtype=data.dtype))

    def backward(ctx, gy):
        from .elementwise import isnan, sign, where  # noqa: PLC0415

        (x,) = ctx.saved_tensors
        (y,) = ctx.saved_outputs
        p, axes, keepdim = ctx.meta
        y, gy = _keep(y, axes, keepdim), _keep(gy, axes, keepdim)
        if p == 0:
            return None  # torch's undefined gradient: the input's .grad stays None
        if p == 1:
            return sign(x) * gy
        if p == 2:
            return gy * (x / where(y == 0, 1.0, y))
        a = x.abs()
        if p in (float("inf"), float("-inf")):
            mask = ((a == y) | isnan(a)).to(gy.dtype)  # the maxima (or minima), and NaNs
            return sign(x) * (gy / mask.sum(dim=axes, keepdim=True)) * mask
        if p < 1:
            scaled = sign(x) * where(x == 0, 0.0, where(x == 0, 1.0, a) ** (p - 1))
            return scaled * gy * y ** (1 - p)
        scaled = sign(x) * a ** (p - 1) if p < 2 else x * a ** (p - 2)
        return scaled * where(y == 0, 0.0, gy / where(y == 0, 1.0, y) ** (p - 1))


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
    data_dtype = _integral_dtype(x, dtype, "sum")
    if dim is None:
        return SumAll.apply(x, None, False, data_dtype)
    return Sum.apply(x, _dims(dim, x._data.ndim, "sum"), keepdim, data_dtype)


def mean(x, dim=None, keepdim=False, *, dtype=None):
    _check_tensor(x, "mean")
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {x.dtype.scalar_name}")
    if dim is None:
        return MeanAll.apply(x, tuple(range(x._data.ndim)), False)
    return Mean.apply(x, _dims(dim, x._data.ndim, "mean"), keepdim)



def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def _var_args(x, dim, unbiased, correction, op):
    _check_tensor(x, op)
    if isinstance(dim, bool):  # var(x, False): the old positional unbiased
        dim, unbiased = None, dim
    if x._data.dtype.kind != "f":
        if op in ("var_mean", "std_mean"):
            raise op_note(RuntimeError(f"{op} only support floating point and complex dtypes"),
                          op, x)
        raise RuntimeError(f"std and var only support floating point and complex dtypes, got {x.dtype}")
    if op in ("var_mean", "std_mean"):
        return _norm_dims(dim, x._data.ndim, op), _correction(unbiased, correction)
    return _dims(dim, x._data.ndim, op), _correction(unbiased, correction)


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    axes, corr = _var_args(x, dim, unbiased, correction, "var")
    _warn_no_degrees_of_freedom(x, axes, corr, "var")
    return Var.apply(x, axes, corr, keepdim)


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    axes, corr = _var_args(x, dim, unbiased, correction, "std")
    _warn_no_degrees_of_freedom(x, axes, corr, "std")
    return Std.apply(x, axes, corr, keepdim)


def _warn_no_degrees_of_freedom(x, axes, correction, op):
    """torch's warning (the result is NaN or inf): its only one where numpy would warn too."""
    if _count(x._data.shape, axes) - correction <= 0:
        warnings.warn(f"{op}(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)


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


def _nan_as(x):
    """torch's median of no integer or bool elements: NaN cast to the dtype (the least value of
    an integer dtype, True), before any dtype check."""
    xp = x._backend.xp
    with np.errstate(invalid="ignore"):
        value = np.array(np.nan).astype(x._data.dtype)
    return Tensor._make(xp.asarray(value), x._backend)


def median(x, dim=None, keepdim=False):
    """median() of all elements (a 0-d tensor), or median(dim) as (values, indices): the lower
    of the two middle values, NaN where there is one."""
    _check_tensor(x, "median")
    if dim is None and x._data.size == 0 and x._data.dtype.kind != "f":
        return _nan_as(x)
    if dim is not None:
        d = _wrap_dim(dim, x._data.ndim, "median")
        if x._data.ndim and x._data.shape[d] == 0:
            raise op_note(IndexError(f"median(): Expected reduction dim {d} to have non-zero "
                                     f"size."), "median", x)
    if x._data.dtype.kind == "b":
        kernel = "median_cpu" if dim is None else "median_out"
        raise op_note(NotImplementedError(f'"{kernel}" not implemented for \'Bool\''), "median", x)
    if dim is None:
        return MedianAll.apply(x)
    from ..return_types import median as median_result  # noqa: PLC0415

    return median_result(*MedianDim.apply(x, d, keepdim, None))


def kthvalue(x, k, dim=-1, keepdim=False):
    """The k-th smallest element (1-based ``k``) along ``dim`` and its index."""
    from ..return_types import kthvalue as kthvalue_result  # noqa: PLC0415
    from ..tensor import _index_arg  # noqa: PLC0415

    _check_tensor(x, "kthvalue")
    k = _index_arg(k, "kthvalue", "k")
    d = _wrap_dim(dim, x._data.ndim, "kthvalue")
    size = x._data.shape[d] if x._data.ndim else 1
    if size == 0:  # torch checks the size before the dtype
        raise op_note(IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size."),
                      "kthvalue", x)
    if x._data.dtype.kind == "b":
        raise op_note(NotImplementedError('"kthvalue_cpu" not implemented for \'Bool\''),
                      "kthvalue", x)
    if not 1 <= k <= size:
        raise op_note(RuntimeError(f"kthvalue(): selected number k out of range for dimension "
                                   f"{d}"), "kthvalue", x)
    return kthvalue_result(*KthvalueDim.apply(x, d, keepdim, k - 1))


def _spread_mean(cls, x, dim, unbiased, keepdim, correction, op):
    axes, corr = _var_args(x, dim, unbiased, correction, op)
    _warn_no_degrees_of_freedom(x, axes, corr, op)
    return tuple(cls.apply(x, axes, corr, keepdim))


def var_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over ``dim``, as torch.var_mean."""
    return _spread_mean(VarMean, x, dim, unbiased, keepdim, correction, "var_mean")


def std_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over ``dim``, as torch.std_mean."""
    return _spread_mean(StdMean, x, dim, unbiased, keepdim, correction, "std_mean")


def count_nonzero(x, dim=None):
    """The number of nonzero elements over ``dim`` (all by default; an int or a tuple), int64."""
    _check_tensor(x, "count_nonzero")
    xp = x._backend.xp
    axes = _norm_dims(dim, x._data.ndim, "count_nonzero")
    out = xp.sum(x._data != 0, axis=axes, dtype=xp.int64)
    return Tensor._make(xp.asarray(out, dtype=xp.int64), x._backend)


def _empty_reduction_error(x, op):
    return op_note(RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() "
                                "== 0. Specify the reduction dim with the 'dim' argument."), op, x)


def _all_dims(dim):
    return dim is None or (isinstance(dim, (tuple, list)) and not dim)


def _check_nonempty_dims(x, dim, op):
    """torch's checks of an empty input, before the dims' own: all dims (none given) or any
    given dim of size 0."""
    if x._data.size:
        return
    if _all_dims(dim):
        raise _empty_reduction_error(x, op)
    for d in (dim if isinstance(dim, (list, tuple)) else (dim,)):
        axis = _wrap_dim(d, x._data.ndim, op)
        if x._data.ndim and x._data.shape[axis] == 0:
            raise op_note(IndexError(f"{op}(): Expected reduction dim {axis} to have non-zero "
                                     "size."), op, x)


def amax(x, dim=(), keepdim=False):
    _check_tensor(x, "amax")
    _check_nonempty_dims(x, dim, "amax")
    return Amax.apply(x, _dims(dim if dim != () else None, x._data.ndim, "amax"), keepdim, True)


def amin(x, dim=(), keepdim=False):
    _check_tensor(x, "amin")
    _check_nonempty_dims(x, dim, "amin")
    return Amin.apply(x, _dims(dim if dim != () else None, x._data.ndim, "amin"), keepdim, False)


def _arg_reduce(x, dim, keepdim, op):
    _check_tensor(x, op)
    xp = x._backend.xp
    data = x._data
    if data.dtype.kind == "b":
        raise RuntimeError(f"{op}(): does not support bool input")
    pick = xp.argmax if op == "argmax" else xp.argmin
    if dim is None:
        if data.size == 0:
            raise op_note(IndexError(f"{op}(): Expected reduction dim to be specified for "
                                     "input.numel() == 0."), op, x)
        idx = pick(data.reshape(-1))
        out = idx.reshape((1,) * data.ndim) if keepdim else idx
    elif data.ndim == 0:
        _wrap_dim(dim, 0, op)
        out = xp.zeros((), xp.int64)
    else:
        d = _wrap_dim(dim, data.ndim, op)
        if data.shape[d] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
        out = pick(data, axis=d, keepdims=keepdim)
    return Tensor._make(xp.asarray(out, dtype=xp.int64), x._backend)


def argmax(x, dim=None, keepdim=False):
    return _arg_reduce(x, dim, keepdim, "argmax")


def argmin(x, dim=None, keepdim=False):
    return _arg_reduce(x, dim, keepdim, "argmin")


def logsumexp(x, dim, keepdim=False):
    _check_tensor(x, "logsumexp")
    if isinstance(dim, (tuple, list)) and not dim and not keepdim and x._data.size \
            and x._data.ndim:  # torch's kernel: the all-dims max keeps its dims, the sum not
        raise op_note(RuntimeError(f"output with shape [] doesn't match the broadcast shape "
                                   f"{[1] * x._data.ndim}"), "logsumexp", x)
    if x._data.dtype.kind != "f":
        x = x.to(dtypes.get_default_dtype())
    return LogSumExp.apply(x, _dims(dim, x._data.ndim, "logsumexp"), keepdim)


def sum_to_shape(g, shape):
    """Sums ``g`` over the dimensions broadcasting added or stretched, back to ``shape``."""
    lead = g._data.ndim - len(shape)
    stretched = tuple(lead + i for i, s in enumerate(shape)
                      if s == 1 and g._data.shape[lead + i] != 1)
    if not stretched:  # only added leading dims (a bias): one op, no reshape
        return Sum.apply(g, tuple(range(lead)), False, None) if lead else g
    g = Sum.apply(g, tuple(range(lead)) + stretched, True, None)
    return g.reshape(shape) if g._data.shape != tuple(shape) else g


def all(x, dim=None, keepdim=False):
    _check_tensor(x, "all")
    xp = x._backend.xp
    axes = None if dim is None else _dims(dim, x._data.ndim, "all")
    return Tensor._make(xp.asarray(xp.all(x._data, axis=axes, keepdims=keepdim)), x._backend)


def any(x, dim=None, keepdim=False):
    _check_tensor(x, "any")
    xp = x._backend.xp
    axes = None if dim is None else _dims(dim, x._data.ndim, "any")
    return Tensor._make(xp.asarray(xp.any(x._data, axis=axes, keepdims=keepdim)), x._backend)


def _integral_dtype(x, dtype, op):
    """The dtype sum, prod, cumsum and cumprod compute in: ``dtype``, else integers and bool
    widened to int64; an integer dtype asked of a tensor that requires grad is torch's error."""
    data_dtype = dtypes.to_dtype(dtype) if dtype is not None else None
    if data_dtype is None and x._data.dtype.kind in "biu":
        return dtypes.int64
    if (data_dtype is not None and not data_dtype.is_floating_point and x._requires_grad
            and grad_mode._state.enabled):
        raise op_note(RuntimeError(f"Autograd not support dtype: {data_dtype.scalar_name}"), op, x)
    return data_dtype


def prod(x, dim=None, keepdim=False, *, dtype=None):
    """prod of all elements, or along one ``dim`` (an int, as torch's)."""
    _check_tensor(x, "prod")
    if dim is not None and (isinstance(dim, (tuple, list)) or isinstance(dim, bool)):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    data_dtype = _integral_dtype(x, dtype, "prod")
    if dim is None:
        return ProdAll.apply(x, tuple(range(x._data.ndim)), False, data_dtype)
    return Prod.apply(x, _dims(dim, x._data.ndim, "prod"), keepdim, data_dtype)


def _scan(cls, x, dim, dtype, op):
    _check_tensor(x, op)
    dt = _integral_dtype(x, dtype, op) or x.dtype
    return cls.apply(x, _wrap_dim(dim, x._data.ndim, op), dt)


def cumsum(x, dim, *, dtype=None):
    return _scan(Cumsum, x, dim, dtype, "cumsum")


def cumprod(x, dim, *, dtype=None):
    return _scan(Cumprod, x, dim, dtype, "cumprod")


def norm(x, p="fro", dim=None, keepdim=False, dtype=None):
    """torch.norm: the vector norm of order ``p`` (2 for "fro") over ``dim`` (all dims by
    default; an int or a tuple). Matrix norms ("nuc", or "fro" over more than two dims) are not
    implemented here."""
    _check_tensor(x, "norm")
    dims = [dim] if isinstance(dim, int) else dim
    if isinstance(p, str):
        if p == "fro" and (dims is None or len(dims) <= 2):
            return vector_norm(x, 2, dims, keepdim, dtype=dtype)
        if dims is None:
            dims = list(range(x._data.ndim))
        if len(dims) != 2:
            raise op_note(RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                                       f"{' '.join(str(d) for d in dims)}"), "norm", x)
        if p != "nuc":
            raise op_note(RuntimeError(f"linalg.matrix_norm: Order {p} not supported."), "norm", x)
        raise op_note(NotImplementedError("norm(p='nuc'): the nuclear norm is not implemented in "
                                          "autograd_gpu"), "norm", x)
    return vector_norm(x, 2.0 if p is None else p, dims, keepdim, dtype=dtype)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """torch.linalg.vector_norm for floating tensors (``dtype`` casts first)."""
    _check_tensor(x, "linalg.vector_norm")
    if isinstance(ord, bool) or not isinstance(ord, numbers.Real):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not "
                        f"{type(ord).__name__}")
    if x._data.dtype.kind != "f":
        raise op_note(RuntimeError(f"linalg.vector_norm: Expected a floating point or complex "
                                   f"tensor as input. Got {x.dtype.scalar_name}"), "norm", x)
    if dtype is not None:
        x = x.to(dtype)
    ord = float(ord)
    axes = _norm_dims(dim, x._data.ndim)
    if ord < 0 or ord == float("inf"):
        if x._data.size == 0 and dim is None:
            raise op_note(RuntimeError(f"linalg.vector_norm cannot compute the {ord:g} norm on an "
                                       "empty tensor because the operation does not have an "
                                       "identity"), "norm", x)
        for ax in axes:
            if x._data.shape[ax] == 0:
                raise op_note(RuntimeError(f"linalg.vector_norm cannot compute the {ord:g} norm on "
                                           f"the dimension {ax}because this dimension is empty and "
                                           "the operation does not have an identity"), "norm", x)
    return VectorNorm.apply(x, ord, axes, keepdim)


def _norm_dims(dim, ndim, op="linalg.vector_norm"):
    """vector_norm's (and var_mean's, std_mean's, count_nonzero's) axes: all for None or (); each wrapped in turn, a repeat reported as soon as
    it is met (torch's order of checks)."""
    if dim is None or (isinstance(dim, (list, tuple)) and not dim):
        return tuple(range(ndim))
    axes = []
    for d in (dim if isinstance(dim, (list, tuple)) else (dim,)):
        axis = _wrap_dim(d, ndim, op)
        if axis in axes:
            raise with_note(RuntimeError(f"dim {axis} appears multiple times in the list of dims"),
                            f"in {'norm' if op == 'linalg.vector_norm' else op}() of a {ndim}-d "
                            f"tensor, dim={dim}")
        axes.append(axis)
    return tuple(axes) if ndim else ()
