"""Indexing: ``x[key]`` with ints, slices, None, Ellipsis, bool masks and integer tensors (repeated
indices accumulate in backward), ``x[key] = v``, gather, and the scatters their backwards need."""
from ..autograd.function import Op
from ..tensor import Tensor

_BAD_INDEX = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
              "valid indices (got {})")


def _component(k, backend):
    """One part of an index key, as numpy/cupy understand it; the second value says 'advanced'."""
    if k is None or k is Ellipsis or isinstance(k, slice):
        return k, False
    if isinstance(k, bool):
        return k, True
    if isinstance(k, int):
        return k, False
    if isinstance(k, Tensor):
        if k._data.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        data = k._data if k._backend is backend else backend.asarray(k._backend.to_host(k._data))
        if data.ndim == 0 and data.dtype.kind in "iu":
            return int(data), False
        return data, True
    if isinstance(k, (list, tuple)):
        arr = backend.asarray(k)
        if arr.dtype.kind not in "iub":
            raise IndexError(_BAD_INDEX.format(type(k[0]).__name__ if k else "list"))
        return (arr.astype("int64") if arr.size == 0 else arr), True
    if hasattr(k, "__index__"):
        return k.__index__(), False
    raise IndexError(_BAD_INDEX.format(type(k).__name__))


def convert_key(key, backend):
    """(key for the array module, is_advanced, torch's node name for this kind of index)."""
    parts = key if isinstance(key, tuple) else (key,)
    converted, advanced, kinds = [], False, set()
    for k in parts:
        c, adv = _component(k, backend)
        converted.append(c)
        advanced = advanced or adv
        kinds.add("int" if isinstance(c, int) and not isinstance(c, bool) else
                  "none" if c is None else "slice" if isinstance(c, slice) else "other")
    if advanced:
        name = "IndexBackward0"
    elif kinds <= {"int"}:
        name = "SelectBackward0"
    elif kinds <= {"none"}:
        name = "UnsqueezeBackward0"
    elif "slice" in kinds:
        name = "SliceBackward0"
    else:
        name = "AliasBackward0"
    return tuple(converted), advanced, name


def _index_error(err, shape):
    msg = str(err).replace("axis", "dimension")
    return IndexError(msg if "out of bounds" in msg or "too many" in msg else
                      f"{msg} (indexing a tensor of shape {list(shape)})")


def _has_int_arrays(key):
    return any(hasattr(k, "dtype") and k.dtype.kind in "iu" for k in key)


class Index(Op):
    """``x[key]``: a view for basic keys, a gather for advanced ones."""
    node_name = "IndexBackward0"

    def forward(ctx, x, key, advanced, name):
        ctx.node_name = name
        ctx.meta = (x._data.shape, key, advanced)
        try:
            return x._data[key]
        except IndexError as err:
            raise _index_error(err, x._data.shape) from None

    def backward(ctx, gy):
        shape, key, advanced = ctx.meta
        return IndexScatter.apply(gy, shape, key, advanced)


class BasicIndex(Index):
    is_view = True


class IndexScatter(Op):
    """Zeros of ``shape`` with ``gy`` added at ``key``: the backward of ``x[key]``."""
    node_name = "IndexBackwardBackward0"

    def forward(ctx, gy, shape, key, advanced):
        ctx.meta = (key, advanced)
        out = gy._backend.xp.zeros(shape, dtype=gy._data.dtype)
        if advanced and _has_int_arrays(key):
            gy._backend.scatter_add(out, key, gy._data)
        else:
            out[key] = gy._data
        return out

    def backward(ctx, g):
        key, advanced = ctx.meta
        return (BasicIndex if not advanced else Index).apply(g, key, advanced, "IndexBackward0")


def index_put_zeros(gy, shape, key):
    """Zeros of ``shape`` holding ``gy`` at a basic ``key`` (the backward of slicing ops)."""
    return IndexScatter.apply(gy, shape, key, False)


def getitem(x, key):
    conv, advanced, name = convert_key(key, x._backend)
    return (Index if advanced else BasicIndex).apply(x, conv, advanced, name)


class IndexPut(Op):
    """Out-of-place ``x[key] = v``; Tensor.__setitem__ writes the result back into x."""
    node_name = "CopySlices"

    def forward(ctx, x, v, key, advanced):
        ctx.meta = (key, advanced, x._data.shape)
        out = x._data.copy()
        try:
            out[key] = v._data
        except IndexError as err:
            raise _index_error(err, x._data.shape) from None
        except ValueError:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(v._data.shape)} cannot "
                               f"be broadcast to indexing result of shape "
                               f"{list(x._data[key].shape)}") from None
        return out

    def backward(ctx, gy):
        key, advanced, shape = ctx.meta
        gx = gv = None
        if ctx.needs_input_grad[0]:
            zero = gy._backend.xp.zeros((), dtype=gy._data.dtype)
            gx = IndexPut.apply(gy, Tensor._make(zero, gy._backend), key, advanced)
        if ctx.needs_input_grad[1]:
            gv = (BasicIndex if not advanced else Index).apply(gy, key, advanced, "IndexBackward0")
        return gx, gv


def put_result(x, key, value):
    """The tensor ``x`` would become after ``x[key] = value`` (a new tensor; x is untouched)."""
    from .elementwise import _as_operand  # noqa: PLC0415

    conv, advanced, _ = convert_key(key, x._backend)
    if not isinstance(value, Tensor):
        value = Tensor._make(x._backend.xp.asarray(_as_operand(value, x.dtype, x._backend),
                                                   dtype=x.dtype.np), x._backend)
    elif value._backend is not x._backend:
        if value._data.ndim == 0 and value.device.type == "cpu":
            value = value.to(x.device)
        else:
            raise RuntimeError(f"expected device {x.device} but got device {value.device}")
    if value.dtype is not x.dtype:
        value = value.to(x.dtype)
    return IndexPut.apply(x, value, conv, advanced)


def _along_key(xp, index, dim):
    """The advanced-index tuple that addresses ``index`` along ``dim`` (take/put_along_axis)."""
    key = []
    for ax in range(index.ndim):
        if ax == dim:
            key.append(index)
        else:
            shape = [1] * index.ndim
            shape[ax] = index.shape[ax]
            key.append(xp.arange(index.shape[ax]).reshape(shape))
    return tuple(key)


class Gather(Op):
    node_name = "GatherBackward0"

    def forward(ctx, x, dim, index):
        xp = x._backend.xp
        key = _along_key(xp, index._data, dim)
        ctx.meta = (x._data.shape, key)
        try:
            return x._data[key]
        except IndexError as err:
            raise RuntimeError(f"gather(): {err} (input shape {list(x._data.shape)}, index shape "
                               f"{list(index._data.shape)}, dim {dim})") from None

    def backward(ctx, gy):
        shape, key = ctx.meta
        return IndexScatter.apply(gy, shape, key, True)


def gather(x, dim, index):
    from ..tensor import _wrap_dim  # noqa: PLC0415

    if not isinstance(index, Tensor) or index._data.dtype.kind not in "iu":
        raise RuntimeError("gather(): Expected dtype int64 for index")
    if index._data.ndim != x._data.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    return Gather.apply(x, _wrap_dim(dim, x._data.ndim, "gather"), index)


def scatter_along(gy, shape, dim, index):
    """Zeros of ``shape`` with ``gy`` added at ``index`` along ``dim`` (max(dim)'s backward)."""
    key = _along_key(gy._backend.xp, index._data, dim)
    return IndexScatter.apply(gy, shape, key, True)


def nonzero(x, as_tuple=False):
    xp = x._backend.xp
    idx = xp.nonzero(x._data)
    if as_tuple:
        return tuple(Tensor._make(i.astype(xp.int64), x._backend) for i in idx)
    return Tensor._make(xp.stack(idx, axis=1).astype(xp.int64) if idx else
                        xp.zeros((0, 0), dtype=xp.int64), x._backend)


def masked_fill(x, mask, value):
    from .elementwise import where  # noqa: PLC0415

    if not isinstance(mask, Tensor) or mask._data.dtype.kind != "b":
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{getattr(mask, 'dtype', type(mask).__name__)}")
    if isinstance(value, Tensor):
        value = value.to(x.dtype)
    y = where(mask, value if isinstance(value, Tensor) else float(value) if x.is_floating_point()
              else value, x)
    return y if y.dtype is x.dtype else y.to(x.dtype)
