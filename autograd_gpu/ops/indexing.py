"""Indexing: ``x[key]`` with ints, slices, None, Ellipsis, bool masks and integer tensors (repeated
indices accumulate in backward), ``x[key] = v``, gather, and the scatters their backwards need."""
from .. import dtypes
from ..autograd.function import Op
from ..tensor import Tensor, check_tensor, op_note, with_note

_BAD_INDEX = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
              "valid indices (got {})")


def _component(k, backend):
    """One part of an index key, as numpy/cupy understand it; the second value says 'advanced'."""
    if k is None or k is Ellipsis:
        return k, False
    if isinstance(k, slice):
        return k, False
    if isinstance(k, bool):
        return k, True
    if isinstance(k, int):
        return k, False
    if isinstance(k, Tensor):
        if k._data.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        data = k._data if k._backend is backend else backend.asarray(k._backend.to_host(k._data))
        if data.dtype == "uint8":  # torch's deprecated byte masks
            data = data.astype(bool)
        if data.ndim == 0 and data.dtype.kind in "iu":
            return int(data), False
        return data, True
    if isinstance(k, (list, tuple)):
        arr = backend.asarray(k)
        if arr.size == 0:
            return arr.astype("int64"), True
        if arr.dtype.kind not in "iub":
            raise IndexError(_BAD_INDEX.format(type(k[0]).__name__))
        return arr, True
    if hasattr(k, "__index__"):
        return k.__index__(), False
    if isinstance(k, str):  # torch tries to build an index tensor from it
        raise TypeError("new(): invalid data type 'str'")
    raise IndexError(_BAD_INDEX.format(type(k).__name__))


def convert_key(key, backend, shape=None):
    """(key for the array module, is_advanced, torch's node name for this kind of index)."""
    parts = key if isinstance(key, tuple) else (key,)
    converted, advanced = [], False
    try:
        if isinstance(key, slice):  # a bare slice is unpacked first; a tuple's parts in order
            _check_step(key)
        for k in parts:
            c, adv = _component(k, backend)
            converted.append(c)
            advanced = advanced or adv
        converted = tuple(converted)
        if shape is not None:
            _check_key(converted, shape, backend.xp)
    except (IndexError, TypeError, ValueError) as err:
        where = f" of shape {list(shape)}" if shape is not None else ""
        raise with_note(err, f"in index() of a tensor{where} with the key {key!r}")
    if advanced:
        return converted, True, "IndexBackward0"
    if isinstance(key, slice):  # torch never elides a bare slice
        return converted, False, "SliceBackward0"
    return converted, False, _basic_name(converted, shape)


def _check_step(s):
    """torch has no negative-stride views: a slice steps forward."""
    if s.step is not None and s.step <= 0:
        raise ValueError("slice step cannot be zero" if s.step == 0 else
                         f"step must be greater than zero (indexing with the slice {s})")


def _basic_name(key, shape):
    """torch applies a basic key one part at a time; the grad_fn is that of the last view taken
    (a slice covering a whole dim from 0 with step 1 is skipped; none taken: an alias)."""
    name = "AliasBackward0"
    nd = len(shape) if shape is not None else 0
    consuming = sum(c.ndim if getattr(c, "dtype", None) is not None and c.dtype.kind == "b" else
                    0 if c is None or c is Ellipsis or isinstance(c, bool) else 1 for c in key)
    dim = 0
    for c in key:
        if c is Ellipsis:
            dim += max(nd - consuming, 0)
        elif isinstance(c, bool):
            continue
        elif getattr(c, "dtype", None) is not None:  # an index array: not a view
            dim += c.ndim if c.dtype.kind == "b" else 1
        elif c is None:
            name = "UnsqueezeBackward0"
        elif isinstance(c, slice):
            size = shape[dim] if shape is not None and dim < nd else None
            whole = (c.start in (None, 0) and c.step in (None, 1) and
                     (c.stop is None or (size is not None and c.stop >= size)))
            if not whole:
                name = "SliceBackward0"
            dim += 1
        else:
            name = "SelectBackward0"
            dim += 1
    return name


def _check_key(key, shape, xp):
    """torch's IndexErrors, checked up front (cupy does not bounds-check index arrays, and its
    messages differ). torch names a bad int by its position in the key, and a bad index array by
    its place among the indexed dims (which it moves to the front)."""
    consuming = sum(c.ndim if getattr(c, "dtype", None) is not None and c.dtype.kind == "b"
                    else 0 if c is None or c is Ellipsis or isinstance(c, bool) else 1 for c in key)
    if consuming > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    dim = indexed = 0
    index_shapes = []
    for position, c in enumerate(key):
        if c is None or isinstance(c, bool):
            continue
        if c is Ellipsis:
            dim += len(shape) - consuming
            continue
        if isinstance(c, slice):
            _check_step(c)
            dim += 1
            continue
        kind = getattr(c, "dtype", None)
        if kind is not None and kind.kind == "b":
            for j in range(c.ndim):
                if c.shape[j] != shape[dim + j]:
                    raise IndexError(f"The shape of the mask {list(c.shape)} at index {j} does not "
                                     f"match the shape of the indexed tensor {list(shape)} at index "
                                     f"{dim + j}")
            if c.ndim:
                index_shapes.append((int(xp.count_nonzero(c)),))
            dim += c.ndim
            indexed += c.ndim
            continue
        size = shape[dim]
        if kind is not None:
            if c.size:
                lo, hi = int(c.min()), int(c.max())
                bad = lo if lo < -size else hi if hi >= size else None
                if bad is not None:
                    raise IndexError(f"index {bad} is out of bounds for dimension {indexed} with "
                                     f"size {size}")
            index_shapes.append(c.shape)
            indexed += 1
        elif type(c) is int and not -size <= c < size:  # torch names the key position here
            raise IndexError(f"index {c} is out of bounds for dimension {position} with size {size}")
        dim += 1
    if len(index_shapes) > 1:
        _broadcast_index_shapes(index_shapes)


def _broadcast_index_shapes(shapes):
    n = max(len(s) for s in shapes)
    for i in range(n):
        sizes = {s[i - n + len(s)] for s in shapes if i - n + len(s) >= 0} - {1}
        if len(sizes) > 1:
            listed = ", ".join(str(list(s)) for s in shapes)
            raise IndexError(f"shape mismatch: indexing tensors could not be broadcast together "
                             f"with shapes {listed}")


def _index_error(err, shape):
    msg = str(err).replace("axis", "dimension")
    if "too many indices" in msg:
        return IndexError(f"too many indices for tensor of dimension {len(shape)}")
    return IndexError(msg if "out of bounds" in msg else
                      f"{msg} (indexing a tensor of shape {list(shape)})")


def _has_int_arrays(key):
    return any(hasattr(k, "dtype") and k.dtype.kind in "iu" for k in key)


class Index(Op):
    """``x[key]``: a view for basic keys, a gather for advanced ones."""
    node_name = "IndexBackward0"

    def forward(ctx, x, key, advanced, name):
        ctx.node_name = name
        ctx.meta = (x._data.shape, key, advanced)
        if not advanced and Ellipsis not in key:
            key = key + (Ellipsis,)  # numpy then returns a 0-d view, never a detached scalar
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
        if advanced and _has_int_arrays(key):  # repeated indices accumulate
            gy._backend.scatter_add(out, _masks_as_indices(gy._backend.xp, key), gy._data)
        else:
            out[key] = gy._data
        return out

    def backward(ctx, g):
        key, advanced = ctx.meta
        return (BasicIndex if not advanced else Index).apply(g, key, advanced, "IndexBackward0")


def _masks_as_indices(xp, key):
    """A bool mask is the tuple of its nonzero indices (numpy's rule): scatter_add needs ints."""
    out = []
    for c in key:
        if getattr(c, "dtype", None) is not None and c.dtype.kind == "b" and c.ndim:
            out.extend(xp.nonzero(c))
        else:
            out.append(c)
    return tuple(out)


def index_put_zeros(gy, shape, key):
    """Zeros of ``shape`` holding ``gy`` at a basic ``key`` (the backward of slicing ops)."""
    return IndexScatter.apply(gy, shape, key, False)


def getitem(x, key):
    if x._data.ndim == 0 and type(key) is int:
        raise _zero_dim_index(x)
    conv, advanced, name = convert_key(key, x._backend, x._data.shape)
    return (Index if advanced else BasicIndex).apply(x, conv, advanced, name)


class IndexPut(Op):
    """Out-of-place ``x[key] = v``; Tensor.__setitem__ writes the result back into x."""
    node_name = "CopySlices"

    def forward(ctx, x, v, key, advanced, name=None):
        if name is not None:
            ctx.node_name = name
        out = x._data.copy()
        value = v._data
        while value.ndim and value.shape[0] == 1:  # torch strips the value's leading 1s
            value = value[0]
        ctx.meta = (key, advanced, x._data.shape, value.shape, v._data.shape)
        try:
            out[key] = value
        except IndexError as err:
            raise _index_error(err, x._data.shape) from None
        except ValueError:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(v._data.shape)} cannot "
                               f"be broadcast to indexing result of shape "
                               f"{list(x._data[key].shape)}") from None
        return out

    def backward(ctx, gy):
        key, advanced, shape, stripped, v_shape = ctx.meta
        gx = gv = None
        if ctx.needs_input_grad[0]:
            zero = gy._backend.xp.zeros((), dtype=gy._data.dtype)
            gx = IndexPut.apply(gy, Tensor._make(zero, gy._backend), key, advanced)
        if ctx.needs_input_grad[1]:
            gv = (BasicIndex if not advanced else Index).apply(gy, key, advanced, "IndexBackward0")
            if gv._data.shape != v_shape:  # the value was broadcast, its leading 1s stripped
                from .reduction import sum_to_shape  # noqa: PLC0415 - reduction imports this

                gv = sum_to_shape(gv, stripped).reshape(v_shape)
        return gx, gv


def _zero_dim_index(x):
    return op_note(IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                              "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"),
                   "index", x)


def _assigned_value(x, value):
    """A value that ``x[key] = value`` can take: a Tensor or a Python number that x's dtype
    holds (torch's TypeError, or its overflow error, otherwise)."""
    from .elementwise import _operand  # noqa: PLC0415

    if isinstance(value, Tensor):
        return value
    try:
        value = _operand(value, "setitem")
    except TypeError:
        raise TypeError(f"can't assign a {type(value).__name__} to a {_legacy_type(x)}") from None
    check_fits(x, value, "setitem")
    return value


def check_fits(t, value, op):
    """torch refuses a Python number that t's dtype cannot hold: NaN, inf or too big an integer
    for an integer tensor, a finite number past float16's range for a half tensor."""
    from .elementwise import check_int_scalar  # noqa: PLC0415

    check_int_scalar(value, op)
    data = t._data
    if data.dtype.kind in "iu" and not isinstance(value, bool):
        info = t._backend.xp.iinfo(data.dtype)
        fits = value == value and info.min <= value <= info.max
    elif data.dtype.itemsize == 2 and data.dtype.kind == "f":
        fits = not abs(value) > 65504 or abs(value) == float("inf") or value != value
    else:
        return
    if not fits:
        raise op_note(dtypes.overflow_error(t.dtype), op, t)


def _legacy_type(x):
    from ..tensor import _legacy_type_name  # noqa: PLC0415

    return _legacy_type_name(x)


def check_assignment(x, key, value):
    """The errors ``x[key] = value`` reports before anything else: a bad value, a bad key."""
    _assigned_value(x, value)
    if x._data.ndim == 0 and type(key) is int:
        raise _zero_dim_index(x)
    convert_key(key, x._backend, x._data.shape)


def put_result(x, key, value):
    """The tensor ``x`` would become after ``x[key] = value`` (a new tensor; x is untouched)."""
    from .elementwise import _as_operand  # noqa: PLC0415

    value = _assigned_value(x, value)
    if x._data.ndim == 0 and type(key) is int:
        raise _zero_dim_index(x)
    conv, advanced, _ = convert_key(key, x._backend, x._data.shape)
    # torch's node: index_put_ on x, on a view of x (CopySlices), or a copy_/fill_ into all of x
    # (setitem elides whole-dim slices even for a bare slice key)
    basic = _basic_name(conv, x._data.shape)
    name = ("FillBackward3" if basic == "AliasBackward0" and not advanced and
            not isinstance(value, Tensor) else
            "CopyBackwards" if basic == "AliasBackward0" and not advanced else
            "IndexPutBackward0" if basic == "AliasBackward0" else "CopySlices")
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
    return IndexPut.apply(x, value, conv, advanced, name)


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
        return x._data[key]

    def backward(ctx, gy):
        shape, key = ctx.meta
        return IndexScatter.apply(gy, shape, key, True)


def gather(x, dim, index):
    from ..tensor import _wrap_dim  # noqa: PLC0415

    check_tensor(x, "gather")
    check_tensor(index, "gather", "index", 3)
    d = _wrap_dim(dim, x._data.ndim, "gather")
    if index._data.dtype.kind not in "iu":
        raise op_note(RuntimeError("gather(): Expected dtype int32/int64 for index"), "gather", x,
                      index)
    shape, ishape = x._data.shape, index._data.shape
    if index._data.size == 0:  # torch checks nothing else for an empty index
        if index._data.ndim != x._data.ndim:
            return Tensor._make(x._backend.xp.zeros(ishape, x._data.dtype), x._backend)
        return Gather.apply(x, d, index)
    if index._data.ndim != x._data.ndim and not (index._data.ndim <= 1 and x._data.ndim <= 1):
        raise op_note(RuntimeError("Index tensor must have the same number of dimensions as input "
                                   "tensor"), "gather", x, index)
    for ax in range(len(ishape)):
        if ax != d and ishape[ax] > shape[ax]:
            raise RuntimeError(f"Size does not match at dimension {ax} expected index {list(ishape)} "
                               f"to be no larger than self {list(shape)} apart from dimension {d}")
    if index._data.size:
        size = shape[d] if shape else 1
        lo, hi = int(index._data.min()), int(index._data.max())
        if lo < 0 or hi >= size:
            raise op_note(RuntimeError(f"index {lo if lo < 0 else hi} is out of bounds for "
                                       f"dimension {d} with size {size}"), "gather", x, index)
    if index._data.ndim == 0:  # one element of a 0-d or 1-d x: a 0-d result
        return Gather.apply(x.reshape(-1), 0, index.reshape(1)).reshape(())
    return Gather.apply(x, d, index)


def scatter_along(gy, shape, dim, index):
    """Zeros of ``shape`` with ``gy`` added at ``index`` along ``dim`` (max(dim)'s backward)."""
    key = _along_key(gy._backend.xp, index._data, dim)
    return IndexScatter.apply(gy, shape, key, True)


def nonzero(x, as_tuple=False):
    check_tensor(x, "nonzero")
    xp = x._backend.xp
    data = x._data
    if data.ndim == 0:  # torch treats a 0-d tensor as one element of a 1-d one
        idx = xp.nonzero(data.reshape(1))
        if as_tuple:
            return (Tensor._make(idx[0].astype(xp.int64), x._backend),)
        return Tensor._make(xp.zeros((idx[0].size, 0), dtype=xp.int64), x._backend)
    idx = xp.nonzero(data)
    if as_tuple:
        return tuple(Tensor._make(i.astype(xp.int64), x._backend) for i in idx)
    return Tensor._make(xp.stack(idx, axis=1).astype(xp.int64) if idx else
                        xp.zeros((0, 0), dtype=xp.int64), x._backend)


class MaskedFill(Op):
    """x with ``value`` where ``mask`` (broadcast together); the value is a number or a 0-d Tensor."""
    node_name = "MaskedFillBackward0"

    def forward(ctx, x, mask, value):
        xp = x._backend.xp
        ctx.mask = mask
        if isinstance(value, Tensor):
            ctx.node_name = "MaskedFillBackward1"
            value = value._data
        return xp.where(mask._data, xp.asarray(value).astype(x._data.dtype), x._data)

    def backward(ctx, gy):
        mask = ctx.mask
        gx = masked_fill(gy, mask, 0) if ctx.needs_input_grad[0] else None
        gv = None
        if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]:
            gv = (gy - gx if gx is not None else gy - masked_fill(gy, mask, 0)).sum()
        return gx, None, gv


def _broadcast_shapes(a, b):
    """torch's broadcast of two shapes, with its message."""
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    out = []
    for i, (p, q) in enumerate(zip(a, b)):
        if p != q and p != 1 and q != 1:
            raise RuntimeError(f"The size of tensor a ({p}) must match the size of tensor b ({q}) at "
                               f"non-singleton dimension {i}")
        out.append(q if p == 1 else p)
    return tuple(out)


def masked_fill(x, mask, value):
    from .elementwise import _operand  # noqa: PLC0415

    check_tensor(x, "masked_fill")
    check_tensor(mask, "masked_fill", "mask", 1)
    value = _operand(value, "masked_fill")
    if mask._data.dtype.kind != "b":
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype.cpp_name}")
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
                           f"with {value._data.ndim} dimension(s).")
    try:
        _broadcast_shapes(mask._data.shape, x._data.shape)
    except RuntimeError as err:
        raise op_note(err, "masked_fill", x, mask) from None
    return MaskedFill.apply(x, mask, value)


# -- index_select, sort, argsort, topk ------------------------------------------------------------

class IndexSelect(Op):
    """The slices of x at ``index`` (a 1-D integer array) along ``dim``; repeated indices
    accumulate in backward."""
    node_name = "IndexSelectBackward0"

    def forward(ctx, x, dim, index):
        key = (slice(None),) * dim + (index,)
        ctx.meta = (x._data.shape, key)
        return x._data[key]

    def backward(ctx, gy):
        shape, key = ctx.meta
        return IndexScatter.apply(gy, shape, key, True)


def index_select(x, dim, index):
    from ..tensor import _wrap_dim  # noqa: PLC0415

    check_tensor(x, "index_select")
    check_tensor(index, "index_select", "index", 2)
    d = _wrap_dim(dim, x._data.ndim, "index_select")
    if index._data.ndim > 1:
        raise op_note(IndexError("index_select(): Index is supposed to be a vector"),
                      "index_select", x, index)
    if index._data.dtype.name not in ("int32", "int64"):
        raise op_note(RuntimeError("index_select(): Expected dtype int32 or int64 for index"),
                      "index_select", x, index)
    data = index._data if index._backend is x._backend else \
        x._backend.asarray(index._backend.to_host(index._data))
    data = data.reshape(-1).astype("int64")
    size = x._data.shape[d] if x._data.ndim else 1
    if size == 0 and data.size and x._data.ndim > 1:
        raise op_note(RuntimeError("index_select(): self indexing axis dim should be positive"),
                      "index_select", x, index)
    bad = (data < 0) | (data >= size)
    if data.size and bool(bad.any()):
        if d == 1 and x._data.ndim > 1:  # torch's cpu kernel for dim 1 words it its own way
            first = int(data[int(bad.argmax())])
            raise op_note(RuntimeError(f"INDICES element is out of DATA bounds, id={first} "
                                       f"axis_dim={size}"), "index_select", x, index)
        raise op_note(IndexError("index out of range in self"), "index_select", x, index)
    if x._data.ndim == 0:  # one element of a 0-d x: a 0-d result
        return IndexSelect.apply(x.reshape(1), 0, data).reshape(())
    return IndexSelect.apply(x, d, data)


class Sort(Op):
    """(values, indices) along ``dim``, stable; NaN counts as the largest value (last ascending,
    first descending), as in torch. The values' gradient goes back to where each came from."""
    node_name = "SortBackward0"

    def forward(ctx, x, dim, descending, k=None):
        xp = x._backend.xp
        data = x._data
        if data.ndim == 0:
            idx = xp.zeros((), dtype=xp.int64)
            ctx.meta = (data.shape, dim, idx)
            return data.copy(), idx
        idx = _stable_argsort(xp, data, dim, descending)
        if k is not None:
            idx = idx[(slice(None),) * dim + (slice(0, k),)]
        ctx.meta = (data.shape, dim, idx)
        return xp.take_along_axis(data, idx, axis=dim), idx

    def backward(ctx, gy, gidx):
        shape, dim, idx = ctx.meta
        if len(shape) == 0:
            return gy
        return scatter_along(gy, shape, dim, Tensor._make(idx, gy._backend))


class Topk(Sort):
    node_name = "TopkBackward0"


def _stable_argsort(xp, data, dim, descending):
    """argsort that keeps equal elements in their order, descending too (the ascending sort of
    the reversed data, reversed back)."""
    if not descending:
        return xp.argsort(data, axis=dim, kind="stable").astype(xp.int64)
    n = data.shape[dim]
    rev = xp.flip(xp.argsort(xp.flip(data, axis=dim), axis=dim, kind="stable"), axis=dim)
    return (n - 1 - rev).astype(xp.int64)


def sort(x, dim=-1, descending=False, *, stable=False):
    from ..return_types import sort as sort_result  # noqa: PLC0415
    from ..tensor import _wrap_dim  # noqa: PLC0415

    check_tensor(x, "sort")
    d = _wrap_dim(dim, x._data.ndim, "sort")
    values, indices = Sort.apply(x, d, bool(descending))
    return sort_result(values, indices)


def argsort(x, dim=-1, descending=False, stable=False):
    check_tensor(x, "argsort")
    return sort(x, dim, descending, stable=stable).indices


def topk(x, k, dim=-1, largest=True, sorted=True):
    """The k largest (or smallest) elements along ``dim``, always in sorted order (torch leaves
    the order unspecified where sorted=False)."""
    from ..return_types import topk as topk_result  # noqa: PLC0415
    from ..tensor import _wrap_dim  # noqa: PLC0415

    check_tensor(x, "topk")
    if type(k) is not int:
        try:
            k = k.__index__()
        except (AttributeError, TypeError):
            raise TypeError(f"topk(): argument 'k' (position 1) must be int, not "
                            f"{type(k).__name__}") from None
    d = _wrap_dim(dim, x._data.ndim, "topk")
    size = x._data.shape[d] if x._data.ndim else 1
    if not 0 <= k <= size:
        raise op_note(RuntimeError("selected index k out of range"), "topk", x)
    if x._data.dtype.kind == "b":
        raise op_note(RuntimeError("topk does not support bool dtypes on CPU"), "topk", x)
    values, indices = Topk.apply(x, d, bool(largest), k if x._data.ndim else None)
    return topk_result(values, indices)


# -- unique, bincount -------------------------------------------------------------------------------

class Unique2(Op):
    """unique's values: torch records a node whose derivative is not implemented (so is it here:
    backward through it raises torch's error)."""
    node_name = "Unique2Backward0"
    error = (NotImplementedError, "the derivative for '_unique2' is not implemented.")

    def forward(ctx, x, out):
        return out

    def backward(ctx, gy):
        cls, message = ctx.error
        raise cls(message)


class UniqueDim(Unique2):
    node_name = "UniqueDimBackward0"
    error = (NotImplementedError, "the derivative for 'unique_dim' is not implemented.")


class Bincount(Unique2):
    node_name = "NotImplemented"
    error = (RuntimeError, "derivative for aten::bincount is not implemented")

    def name(self):
        return "torch::autograd::NotImplemented"  # torch's full name of this node


def _first_of_runs(xp, differs, n):
    """From ``differs`` (n - 1 flags: element i + 1 differs from element i of a sorted sequence),
    each element's group number and each group's count."""
    new = xp.concatenate([xp.ones(min(n, 1), dtype=bool), differs])
    group = xp.cumsum(new) - 1
    starts = xp.nonzero(new)[0]
    counts = xp.diff(xp.concatenate([starts, xp.asarray([n], dtype=starts.dtype)]))
    return new, group.astype(xp.int64), counts.astype(xp.int64)


def unique(x, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements of ``x`` (flattened; or the distinct slices along ``dim``), in
    ascending order (sorted=False sorts too, as torch on the CPU), with each element's position
    among them (return_inverse) and how often each occurs (return_counts). NaNs are all distinct,
    as in torch."""
    check_tensor(x, "unique")
    xp = x._backend.xp
    data = x._data
    if dim is None:
        flat = data.reshape(-1)
        order = xp.argsort(flat, kind="stable")
        ordered = flat[order]
        new, group, counts = _first_of_runs(xp, ordered[1:] != ordered[:-1], flat.size)
        values = Unique2.apply(x, ordered[new])
        inverse = xp.empty(flat.size, dtype=xp.int64)
        inverse[order] = group
        inverse = inverse.reshape(data.shape)
    else:
        from ..tensor import _wrap_dim  # noqa: PLC0415

        if data.ndim == 0:
            raise op_note(IndexError(f"Dimension specified as {dim} but tensor has no dimensions"),
                          "unique", x)
        d = _wrap_dim(dim, data.ndim, "unique")
        moved = xp.moveaxis(data, d, 0)
        rows = moved.reshape(moved.shape[0], moved[:1].size)
        n = rows.shape[0]
        if rows.shape[1] == 0 and n:
            raise op_note(RuntimeError("There are 0 sized dimensions, and they aren't selected, so "
                                       "unique cannot be applied"), "unique", x)
        if n == 0:
            order = xp.arange(n)
            differs = xp.zeros(max(n - 1, 0), dtype=bool)
        else:
            keys = rows.astype(xp.uint8) if rows.dtype.kind == "b" else rows
            order = xp.lexsort(keys.T[::-1])  # lexicographic: the first column decides first
            ordered = rows[order]
            differs = xp.any(ordered[1:] != ordered[:-1], axis=1)
        new, group, counts = _first_of_runs(xp, differs, n)
        values = UniqueDim.apply(x, xp.moveaxis(moved[order[new]], 0, d))
        inverse = xp.empty(n, dtype=xp.int64)
        inverse[order] = group
    out = [values]
    if return_inverse:
        out.append(Tensor._make(inverse, x._backend))
    if return_counts:
        out.append(Tensor._make(counts, x._backend))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(x, weights=None, minlength=0):
    """How often each value 0, 1, ... occurs in the 1-d non-negative integer tensor ``x`` (at
    least ``minlength`` bins); with ``weights``, their sums instead: float32 for float32 weights,
    float64 otherwise (torch's dtypes)."""
    check_tensor(x, "bincount")
    xp = x._backend.xp
    data = x._data
    if data.dtype.kind not in "iu":
        raise op_note(NotImplementedError(f'"bincount_cpu" not implemented for '
                                          f"'{x.dtype.scalar_name}'"), "bincount", x)
    if minlength < 0:
        raise op_note(RuntimeError("minlength should be >= 0"), "bincount", x)
    if data.ndim != 1 or (data.size and int(data.min()) < 0):
        raise op_note(RuntimeError("bincount only supports 1-d non-negative integral inputs."),
                      "bincount", x)
    if weights is None or data.size == 0:  # no elements: int64 zeros, weights or not (torch)
        return Tensor._make(xp.bincount(data, minlength=minlength).astype(xp.int64), x._backend)
    check_tensor(weights, "bincount", "weights", 2)
    w = _same_backend(x, weights)
    if w.ndim != 1 or w.shape[0] != data.shape[0]:
        raise op_note(RuntimeError("weights should be 1-d and have the same length as input"),
                      "bincount", x, weights)
    dt = xp.float32 if w.dtype == xp.float32 else xp.float64
    out = xp.bincount(data, weights=w.astype(xp.float64), minlength=minlength).astype(dt)
    return Bincount.apply(weights, out)


# -- scatter, scatter_add, index_add, index_fill, index_copy ---------------------------------------

def _same_backend(x, t):
    """``t``'s array on x's device."""
    return t._data if t._backend is x._backend else x._backend.asarray(t._backend.to_host(t._data))


def _leading(shape):
    """The basic key taking the first ``shape`` elements of each dim (src may be larger than index)."""
    return tuple(slice(0, n) for n in shape)


def _padded_to(g, shape):
    """``g`` in zeros of ``shape`` (its leading corner): the gradient of the part of src read."""
    if g._data.ndim != len(shape):  # an empty index read nothing
        return Tensor._make(g._backend.xp.zeros(shape, g._data.dtype), g._backend)
    if tuple(g._data.shape) == tuple(shape):
        return g
    return index_put_zeros(g, tuple(shape), _leading(g._data.shape))


class Scatter(Op):
    """x with ``src`` (a tensor, read at index's shape) or a number written at ``index`` along
    ``dim``; where an index repeats the last write wins (torch leaves the order unspecified)."""
    node_name = "ScatterBackward0"

    def forward(ctx, x, dim, index, src):
        xp = x._backend.xp
        key = _along_key(xp, index, dim)
        ctx.meta = (dim, index, None if not isinstance(src, Tensor) else src._data.shape)
        out = x._data.copy()
        if index.size == 0:
            return out
        if isinstance(src, Tensor):
            out[key] = src._data[_leading(index.shape)]
        else:
            ctx.node_name = "ScatterBackward1"
            out[key] = src
        return out

    def backward(ctx, gy):
        dim, index, src_shape = ctx.meta
        need = ctx.needs_input_grad
        gx = Scatter.apply(gy, dim, index, 0) if need[0] else None
        gsrc = None
        if src_shape is not None and need[3]:
            gsrc = _padded_to(Gather.apply(gy, dim, Tensor._make(index, gy._backend)), src_shape)
        return gx, None, None, gsrc


class ScatterAdd(Op):
    """x with ``src`` (read at index's shape) added at ``index`` along ``dim``; repeated indices
    accumulate."""
    node_name = "ScatterAddBackward0"

    def forward(ctx, x, dim, index, src):
        key = _along_key(x._backend.xp, index, dim)
        ctx.meta = (dim, index, src._data.shape)
        out = x._data.copy()
        if index.size:
            x._backend.scatter_add(out, key, src._data[_leading(index.shape)])
        return out

    def backward(ctx, gy):
        dim, index, src_shape = ctx.meta
        gsrc = None
        if ctx.needs_input_grad[3]:
            gsrc = _padded_to(Gather.apply(gy, dim, Tensor._make(index, gy._backend)), src_shape)
        return gy, None, None, gsrc


def _scatter_args(x, dim, index, src, op, position=3):
    """torch's checks of scatter and scatter_add; (dim, index array) on x's device."""
    from ..tensor import _wrap_dim  # noqa: PLC0415

    check_tensor(x, op)
    check_tensor(index, op, "index", 3)
    d = _wrap_dim(dim, x._data.ndim, op)
    if index._data.dtype.name not in ("int32", "int64") and index._data.size:
        raise op_note(RuntimeError("scatter(): Expected dtype int32/int64 for index"), op, x, index)
    if isinstance(src, Tensor) and src.dtype is not x.dtype:
        raise op_note(RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype"), op,
                      x, index, src)
    data = _same_backend(x, index).astype("int64")
    if data.size == 0:
        return d, data
    ndim = max(x._data.ndim, 1)
    if max(data.ndim, 1) != ndim:
        raise op_note(RuntimeError("Index tensor must have the same number of dimensions as self "
                                   "tensor"), op, x, index)
    shape = x._data.shape or (1,)
    ishape = data.shape or (1,)
    sshape = (src._data.shape or (1,)) if isinstance(src, Tensor) else None
    if sshape is not None and len(sshape) != ndim:
        raise op_note(RuntimeError("Index tensor must have the same number of dimensions as src "
                                   "tensor"), op, x, index, src)
    if any((ax != d and ishape[ax] > shape[ax]) or (sshape is not None and ishape[ax] > sshape[ax])
           for ax in range(ndim)):
        text = (f"Expected index {list(ishape)} to be no larger than self {list(shape)} apart from "
                f"dimension {d}")
        if sshape is not None:
            text += f" and to be no larger size than src {list(sshape)}"
        raise op_note(RuntimeError(text), op, x, index, *([src] if sshape else []))
    lo, hi = int(data.min()), int(data.max())
    if lo < 0 or hi >= shape[d]:
        raise op_note(RuntimeError(f"index {lo if lo < 0 else hi} is out of bounds for dimension "
                                   f"{d} with size {shape[d]}"), op, x, index)
    return d, data


def _one_d(x, data, src=None):
    """A 0-d x, index or src as one element of a 1-d one."""
    if isinstance(src, Tensor) and not src._data.ndim:
        src = src.reshape(1)
    if x._data.ndim:  # a 0-d index of a 1-d x: one element
        return x, data.reshape(data.shape or (1,)), src
    if isinstance(src, Tensor):
        src = src.reshape(-1)
    return x.reshape(1), data.reshape(-1), src


def scatter(x, dim, index, src=None, *, value=None):
    """x with ``src`` (a tensor) or ``value`` (a number) written at ``index`` along ``dim``."""
    from .elementwise import _operand  # noqa: PLC0415

    if src is None:
        src = value
    if not isinstance(src, Tensor):
        src = _operand(src, "scatter")
        if isinstance(src, Tensor):  # a 0-d tensor given as the value
            src = src.item()
    d, data = _scatter_args(x, dim, index, src, "scatter")
    if isinstance(src, Tensor) and src._backend is not x._backend:
        raise op_note(RuntimeError(f"expected device {x.device} but got device {src.device}"),
                      "scatter", x, src)
    if not isinstance(src, Tensor):
        check_fits(x, src, "scatter")
    if data.size == 0:
        data = data.reshape((0,) * max(x._data.ndim, 1))
    x1, data1, src1 = _one_d(x, data, src)
    out = Scatter.apply(x1, d, data1, src1)
    return out if x._data.ndim else out.reshape(())


def scatter_add(x, dim, index, src):
    check_tensor(src, "scatter_add", "src", 4)
    d, data = _scatter_args(x, dim, index, src, "scatter_add")
    if src._backend is not x._backend:
        raise op_note(RuntimeError(f"expected device {x.device} but got device {src.device}"),
                      "scatter_add", x, src)
    if data.size == 0:
        data = data.reshape((0,) * max(x._data.ndim, 1))
    x1, data1, src1 = _one_d(x, data, src)
    out = ScatterAdd.apply(x1, d, data1, src1)
    return out if x._data.ndim else out.reshape(())


class IndexAdd(Op):
    """x with ``alpha * source`` added at the slices ``index`` along ``dim``; repeated indices
    accumulate."""
    node_name = "IndexAddBackward0"

    def forward(ctx, x, dim, index, source, alpha):
        ctx.meta = (dim, index, alpha, source._data.shape)
        out = x._data.copy()
        if not out.size:  # torch reads no index for an empty self: nothing to add to
            return out
        values = source._data if alpha == 1 else source._data * alpha
        x._backend.scatter_add(out, (slice(None),) * dim + (index,), values.astype(out.dtype))
        return out

    def backward(ctx, gy):
        dim, index, alpha, source_shape = ctx.meta
        gs = None
        if ctx.needs_input_grad[3] and not gy._data.size:
            gs = Tensor._make(gy._backend.xp.zeros(source_shape, gy._data.dtype), gy._backend)
        elif ctx.needs_input_grad[3]:
            gs = IndexSelect.apply(gy, dim, index)
            gs = gs if alpha == 1 else gs * alpha
        return gy, None, None, gs, None


class IndexFill(Op):
    """x with ``value`` (a number, or a 0-d tensor: IndexFillBackward1) in the slices ``index``
    along ``dim``."""
    node_name = "IndexFillBackward0"

    def forward(ctx, x, dim, index, value):
        xp = x._backend.xp
        ctx.meta = (dim, index)
        out = x._data.copy()
        if isinstance(value, Tensor):
            ctx.node_name = "IndexFillBackward1"
            value = value._data
        out[(slice(None),) * dim + (index,)] = xp.asarray(value).astype(out.dtype)
        return out

    def backward(ctx, gy):
        dim, index = ctx.meta
        need = ctx.needs_input_grad
        gx = IndexFill.apply(gy, dim, index, 0) if need[0] or need[3] else None
        gv = (gy - gx).sum() if len(need) > 3 and need[3] else None
        return (gx if need[0] else None), None, None, gv


class IndexCopy(Op):
    """x with the slices ``index`` along ``dim`` replaced by those of ``source``; where an index
    repeats the last slice wins."""
    node_name = "IndexCopyBackward0"

    def forward(ctx, x, dim, index, source):
        ctx.meta = (dim, index)
        out = x._data.copy()
        out[(slice(None),) * dim + (index,)] = source._data
        return out

    def backward(ctx, gy):
        dim, index = ctx.meta
        need = ctx.needs_input_grad
        gx = IndexFill.apply(gy, dim, index, 0) if need[0] else None
        gs = IndexSelect.apply(gy, dim, index) if need[3] else None
        return gx, None, None, gs


def _index_vector(x, index, d, op):
    """The index as a 1-d int64 array on x's device, bounds-checked."""
    data = _same_backend(x, index).reshape(-1).astype("int64")
    size = x._data.shape[d] if x._data.ndim else 1
    if op == "index_add" and x._data.ndim > 1 and not x._data.size:
        return data  # torch's kernel returns before reading the index of an empty self
    if data.size:
        lo, hi = int(data.min()), int(data.max())
        lowest = -size if op == "index_fill" else 0  # index_fill alone counts from the end
        if lo < lowest or hi >= size:
            bad = lo if lo < lowest else hi
            prefix = "index_copy_(): " if op == "index_copy" else ""
            kind = RuntimeError if op == "index_add" else IndexError
            if op == "index_add" and x._data.ndim <= 1:  # torch's kernel for a 0-d or 1-d self
                raise op_note(IndexError("index out of range in self"), op, x, index)
            raise op_note(kind(f"{prefix}index {bad} is out of bounds for dimension {d} with "
                               f"size {size}"), op, x, index)
    return data


def _slices_source(x, source, d, data, op):
    """torch's shape checks of index_add/index_copy's source."""
    shape, sshape = x._data.shape, source._data.shape
    n = sshape[d] if d < len(sshape) else 1
    if op == "index_copy":
        kept = (shape[:d] + shape[d + 1:], sshape[:d] + sshape[d + 1:])
        if kept[0] != kept[1]:
            raise op_note(RuntimeError(
                f"index_copy_(): Source/destination tensor must have same slice shapes. "
                f"Destination slice shape: {' '.join(map(str, kept[0]))} at dimension {d} and "
                f"source slice shape: {' '.join(map(str, kept[1]))} at dimension 0."),
                op, x, source)
        if sshape and data.size != n:
            raise op_note(IndexError(f"index_copy_(): Number of indices ({data.size}) should be "
                                     f"equal to source.size(dim) ({n})"), op, x, source)
        return
    # torch's index_func_meta_impl, in its order; a failing check's message reads
    # source.size(dim), which itself raises for a 0-d source.
    if d > 0 and d >= len(sshape):
        raise op_note(RuntimeError(f"index_add_(): Indexing dim {d} is out of bounds of the "
                                   f"source tensor with dim {len(sshape)}"), op, x, source)
    if data.size != n:
        if not sshape:
            raise op_note(IndexError(f"Dimension specified as {d} but tensor has no dimensions"),
                          op, x, source)
        raise op_note(RuntimeError(f"index_add_(): Number of indices ({data.size}) should be equal "
                                   f"to source.size(dim): ({n}), for dim: {d}"), op, x, source)
    kept = (shape, sshape) if not (shape and sshape) else (
        shape[:d] + shape[d + 1:], sshape[:d] + sshape[d + 1:])
    if kept[0] != kept[1]:
        raise op_note(RuntimeError(
            f"source tensor shape must match self tensor shape, excluding the specified "
            f"dimension. Got self.shape = {list(shape)} source.shape = {list(sshape)}"),
            op, x, source)


def _index_op_args(x, dim, index, op, dtypes_ok, dtype_error):
    from ..tensor import _wrap_dim  # noqa: PLC0415

    check_tensor(x, op)
    check_tensor(index, op, "index", 3)
    d = _wrap_dim(dim, x._data.ndim, op)
    if index._data.dtype.name not in dtypes_ok:
        raise op_note(dtype_error(index), op, x, index)
    return d


def index_add(x, dim, index, source, *, alpha=1):
    """x with ``alpha * source`` added at the slices ``index`` along ``dim``."""
    from ..tensor import _wrap_dim  # noqa: PLC0415

    check_tensor(source, "index_add", "source", 4)
    check_tensor(x, "index_add")
    check_tensor(index, "index_add", "index", 3)
    d = _wrap_dim(dim, x._data.ndim, "index_add")
    if index._data.ndim > 1:  # torch checks the index's rank before its dtype
        raise op_note(IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: "
                                 f"{index._data.ndim} with type: {index.dtype.scalar_name} and size: "
                                 f"{list(index._data.shape)}"), "index_add", x, index)
    if index._data.dtype.name not in ("int32", "int64"):
        raise op_note(RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: "
                                   f"{index.dtype.scalar_name}"), "index_add", x, index)
    if source.dtype is not x.dtype:
        raise op_note(RuntimeError(f"index_add_(): self ({x.dtype.scalar_name}) and source "
                                   f"({source.dtype.scalar_name}) must have the same scalar type"),
                      "index_add", x, source)
    _slices_source(x, source, d, _same_backend(x, index).reshape(-1), "index_add")
    data = _index_vector(x, index, d, "index_add")
    if x.dtype.is_floating_point:
        alpha = float(alpha)
    elif x.dtype.name != "bool":
        alpha = int(alpha)
    if not x._data.ndim:
        return IndexAdd.apply(x.reshape(1), 0, data, source.reshape(-1), alpha).reshape(())
    if not source._data.ndim:
        source = source.reshape(1)
    return IndexAdd.apply(x, d, data, source, alpha)


def index_fill(x, dim, index, value):
    """x with ``value`` (a number or a 0-d tensor) in the slices ``index`` along ``dim``."""
    from .elementwise import _operand  # noqa: PLC0415

    check_tensor(x, "index_fill")
    value = _operand(value, "index_fill")
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise op_note(RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but "
                                   f"got tensor with {value._data.ndim} dimension(s)."),
                      "index_fill", x, value)
    d = _index_op_args(x, dim, index, "index_fill", ("int64",),
                       lambda i: IndexError("index_fill_(): Expected dtype int64 for index."))
    if index._data.ndim > 1:
        raise op_note(RuntimeError("Index has to be a vector/scalar"), "index_fill", x, index)
    if not isinstance(value, Tensor):
        check_fits(x, value, "index_fill")
    data = _index_vector(x, index, d, "index_fill")
    if data.size and int(data.min()) < 0:
        data = data % (x._data.shape[d] if x._data.ndim else 1)
    if not x._data.ndim:
        return IndexFill.apply(x.reshape(1), 0, data, value).reshape(())
    return IndexFill.apply(x, d, data, value)


def index_copy(x, dim, index, source):
    """x with the slices ``index`` along ``dim`` replaced by those of ``source``."""
    check_tensor(source, "index_copy", "source", 4)
    check_tensor(index, "index_copy", "index", 3)
    if index._data.ndim > 1:
        raise op_note(IndexError("index_copy_(): Index should have dimension 1 or 0 (got "
                                 f"{index._data.ndim})"), "index_copy", x, index)
    if not source._data.ndim and index._data.size != 1:
        raise op_note(IndexError(f"index_copy_(): When source is scalar, index should have one "
                                 f"element (got {index._data.size})"), "index_copy", x, index)
    if source._data.ndim and x._data.ndim and source._data.ndim != x._data.ndim:
        raise op_note(IndexError(f"index_copy_(): When source and destination are not scalars, "
                                 f"their dimensionality must match. Source dimensionality "
                                 f"({source._data.ndim}), destination dimensionality "
                                 f"({x._data.ndim})"), "index_copy", x, source)
    d = _index_op_args(x, dim, index, "index_copy", ("int64",), lambda i: RuntimeError(
        f"index_copy_(): Expected a long tensor for index, but got {i.dtype.scalar_name}"))
    if source.dtype is not x.dtype:
        raise op_note(RuntimeError(f"index_copy_(): self and source expected to have the same "
                                   f"dtype, but got (self) {x.dtype.scalar_name} and (source) "
                                   f"{source.dtype.scalar_name}"), "index_copy", x, source)
    _slices_source(x, source, d, _same_backend(x, index).reshape(-1), "index_copy")
    data = _index_vector(x, index, d, "index_copy")
    if not x._data.ndim:
        return IndexCopy.apply(x.reshape(1), 0, data, source.reshape(-1)).reshape(())
    if not source._data.ndim:
        source = source.reshape(1)
    return IndexCopy.apply(x, d, data, source)
