"""Stacking, broadcasting and index helpers as torch has them: hstack/vstack/dstack/column_stack,
atleast_1d/2d/3d, swapaxes/swapdims, broadcast_tensors, meshgrid, tril_indices/triu_indices,
take_along_dim, masked_select, cross, kron, tensordot, searchsorted/bucketize and
is_floating_point.

Most are compositions of existing ops in torch's order, so their graphs are torch's (hstack is a
CatBackward0 over the reshapes atleast_1d made, tensordot a ViewBackward0 over MmBackward0).
"""
import warnings

from .. import dtypes
from ..autograd.function import Op
from ..tensor import Tensor, _wrap_dim, check_tensor, op_note, with_note
from . import elementwise as E
from . import shape as S
from .indexing import _broadcast_shapes, gather


# -- atleast_nd, stacks ----------------------------------------------------------------------------

def _atleast(args, op, make):
    """One tensor gives one result; several tensors, or one list or tuple of them, a tuple."""
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = tuple(args[0])
    elif len(args) == 1 and isinstance(args[0], Tensor):
        return make(args[0])
    if not all(isinstance(t, Tensor) for t in args) or not args:
        got = ", ".join(type(a).__name__ for a in args)
        bad = ", ".join(f"!{type(a).__name__}!" for a in args)
        raise TypeError(f"{op}() received an invalid combination of arguments - got ({got}), but "
                        f"expected one of:\n * (Tensor input)\n      didn't match because some of "
                        f"the arguments have invalid types: ({bad})\n * (tuple of Tensors tensors)\n"
                        f"      didn't match because some of the arguments have invalid types: "
                        f"({bad})\n")
    return tuple(make(t) for t in args)


def _one_1d(t):
    return S.reshape(t, 1) if t._data.ndim == 0 else t


def _one_2d(t):
    nd = t._data.ndim
    return S.reshape(t, 1, 1) if nd == 0 else S.unsqueeze(t, 0) if nd == 1 else t


def _one_3d(t):
    nd = t._data.ndim
    if nd == 0:
        return S.reshape(t, 1, 1, 1)
    if nd == 1:
        return S.unsqueeze(S.unsqueeze(t, 0), -1)
    return S.unsqueeze(t, -1) if nd == 2 else t


def atleast_1d(*tensors):
    """Each tensor with at least one dim (a 0-d one reshaped to (1,)); others as they are."""
    return _atleast(tensors, "atleast_1d", _one_1d)


def atleast_2d(*tensors):
    return _atleast(tensors, "atleast_2d", _one_2d)


def atleast_3d(*tensors):
    return _atleast(tensors, "atleast_3d", _one_3d)


def hstack(tensors):
    """cat along dim 0 for 1-d (and 0-d) tensors, else along dim 1 (torch.hstack)."""
    S._check_sequence(tensors, "hstack")
    parts = [_one_1d(t) for t in tensors]
    return S.cat(parts, 0 if parts[0]._data.ndim == 1 else 1)


def vstack(tensors):
    S._check_sequence(tensors, "vstack")
    return S.cat([_one_2d(t) for t in tensors], 0)


def dstack(tensors):
    S._check_sequence(tensors, "dstack")
    return S.cat([_one_3d(t) for t in tensors], 2)


def column_stack(tensors):
    """0-d and 1-d tensors as columns, others as they are, joined along dim 1."""
    S._check_sequence(tensors, "column_stack")
    return S.cat([S.reshape(t, t._data.size, 1) if t._data.ndim <= 1 else t for t in tensors], 1)


def _int_args(op, **named):
    """torch's argument parser: every dim an int (checked before any is wrapped)."""
    for position, (name, value) in enumerate(named.items(), 2):
        if not hasattr(value, "__index__") or isinstance(value, bool):
            raise TypeError(f"{op}(): argument '{name}' (position {position}) must be int, not "
                            f"{type(value).__name__}")


def swapaxes(input, axis0, axis1):
    check_tensor(input, "swapaxes")
    _int_args("swapaxes", axis0=axis0, axis1=axis1)
    return S.transpose(input, axis0, axis1)


def swapdims(input, dim0, dim1):
    check_tensor(input, "swapdims")
    _int_args("swapdims", dim0=dim0, dim1=dim1)
    return S.transpose(input, dim0, dim1)


# -- broadcast_tensors, meshgrid -------------------------------------------------------------------

def broadcast_tensors(*tensors):
    """The tensors expanded to their common shape (one already of that shape comes back as it
    is), as torch.broadcast_tensors."""
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise with_note(TypeError(f"expected Tensor as element {i} in argument 0, but got "
                                      f"{type(t).__name__}"), "in broadcast_tensors()")
    shape = ()
    try:
        for t in tensors:
            shape = _broadcast_shapes(shape, t._data.shape)
    except RuntimeError as err:
        raise op_note(err, "broadcast_tensors", *tensors) from None
    return tuple(t if t._data.shape == shape else S.expand(t, shape) for t in tensors)


_MESHGRID_WARNING = (
    "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument. "
    "(Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp:4215.)")


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 0-d or 1-d tensors: ``indexing='ij'`` (matrix order, the default,
    with torch's warning when not given) or ``'xy'`` (the first two swapped, Cartesian order).
    Each grid is a view of its tensor expanded (ViewBackward0 under ExpandBackward0)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    S._check_sequence(list(tensors), "meshgrid")
    if indexing is None:
        warnings.warn(_MESHGRID_WARNING, UserWarning, stacklevel=2)
        indexing = "ij"
    for t in tensors:
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
        if t.device != tensors[0].device:
            raise RuntimeError("meshgrid expects all tensors to have the same device")
        if t._data.ndim > 1:
            raise op_note(RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor "
                                       f"list but got a tensor of {t._data.ndim} dimensions"),
                          "meshgrid", t)
    if indexing not in ("xy", "ij"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f"{indexing}")
    tensors = list(tensors)
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        tensors[0], tensors[1] = tensors[1], tensors[0]
    shape = tuple(t._data.size for t in tensors)
    grids = []
    for i, t in enumerate(tensors):
        view_shape = [1] * len(tensors)
        view_shape[i] = -1
        grids.append(S.expand(S.view(t, view_shape), shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


# -- tril_indices, triu_indices --------------------------------------------------------------------

def _triangle_indices(row, col, offset, dtype, device, op, pick):
    from ..creation import _backend  # noqa: PLC0415 - creation imports the ops

    for value, name, position in ((row, "row", 1), (col, "col", 2), (offset, "offset", 3)):
        if not hasattr(value, "__index__") or isinstance(value, bool):
            raise TypeError(f"{op}(): argument '{name}' (position {position}) must be int, not "
                            f"{type(value).__name__}")
    dt = dtypes.to_dtype(dtype) if dtype is not None else dtypes.int64
    if dt.is_floating_point or dt is dtypes.bool_:
        raise NotImplementedError(f'"{op}" not implemented for \'{dt.scalar_name}\'')
    for value, name in ((row, "row"), (col, "col")):
        if value < 0:
            raise with_note(RuntimeError(f"{name} must be non-negative, got{value}"),
                            f"in {op}(row={row}, col={col}, offset={offset})")
    backend = _backend(device)
    xp = backend.xp
    rows, cols = getattr(xp, pick)(row, offset, col)
    return Tensor._make(xp.stack([rows, cols]).astype(dt.np), backend)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (row, col) coordinates of the lower triangle of a row x col matrix (on and below the
    ``offset`` diagonal), row by row, as a 2 x N tensor."""
    return _triangle_indices(row, col, offset, dtype, device, "tril_indices", "tril_indices")


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    return _triangle_indices(row, col, offset, dtype, device, "triu_indices", "triu_indices")


# -- take_along_dim, masked_select -----------------------------------------------------------------

def _wrapped(indices, size):
    """torch 2.13's take_along_dim reads an index modulo the size (-1 is the last, 3 of 3 the
    first); an empty dim keeps the index as it is, for gather to refuse."""
    if size == 0 or indices._data.size == 0:
        return indices
    return Tensor._make(indices._data % size, indices._backend)


def take_along_dim(input, indices, dim=None):
    """gather with the input and indices broadcast together except along ``dim`` (without
    ``dim``: from the flattened input), as torch.take_along_dim."""
    check_tensor(input, "take_along_dim")
    check_tensor(indices, "take_along_dim", "indices", 2)
    if dim is None and indices._data.size == 0:  # torch checks nothing of no indices
        return S.view(input, -1)[0:0]
    if indices.dtype is not dtypes.int64:
        raise op_note(RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but "
                                   f"got {indices.dtype.scalar_name}"), "take_along_dim", input,
                      indices)
    if dim is None:
        flat = S.view(input, -1)
        return gather(flat, 0, _wrapped(S.view(indices, -1), flat._data.shape[0]))
    if input._data.ndim != indices._data.ndim:
        raise op_note(RuntimeError(
            f"torch.take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {input._data.ndim} dimensions for input, and "
            f"{indices._data.ndim} dimensions for indices"), "take_along_dim", input, indices)
    d = _wrap_dim(dim, input._data.ndim, "take_along_dim")
    if input._data.ndim:
        indices = _wrapped(indices, input._data.shape[d])
    sizes = list(input._data.shape)
    if sizes:
        sizes[d] = indices._data.shape[d]
    try:
        shape = list(_broadcast_shapes(tuple(sizes), indices._data.shape))
    except RuntimeError as err:
        raise op_note(err, "take_along_dim", input, indices) from None
    index = S.expand(indices, shape)
    if shape:
        shape[d] = input._data.shape[d]
    return gather(S.expand(input, shape), d, index)


class MaskedSelect(Op):
    """The elements of ``x`` (broadcast with the mask) where the mask is True, as a 1-d tensor;
    the gradient scatters back into zeros of the broadcast shape."""
    node_name = "MaskedSelectBackward0"

    def forward(ctx, x, mask, shape):
        xp = x._backend.xp
        ctx.mask = xp.broadcast_to(mask, shape)
        ctx.shape = shape
        return xp.broadcast_to(x._data, shape)[ctx.mask]

    def backward(ctx, gy):
        return MaskedScatter.apply(gy, ctx.mask, ctx.shape)


class MaskedScatter(Op):
    """Zeros of ``shape`` holding ``g`` where the mask is True (masked_select's adjoint)."""
    node_name = "MaskedScatterBackward0"

    def forward(ctx, g, mask, shape):
        ctx.mask, ctx.shape = mask, shape
        out = g._backend.xp.zeros(shape, dtype=g._data.dtype)
        out[mask] = g._data
        return out

    def backward(ctx, gg):
        return MaskedSelect.apply(gg, ctx.mask, ctx.shape)


def masked_select(input, mask):
    check_tensor(input, "masked_select")
    check_tensor(mask, "masked_select", "mask", 2)
    if mask.dtype is not dtypes.bool_:
        raise op_note(RuntimeError("masked_select: expected BoolTensor for mask"), "masked_select",
                      input, mask)
    try:
        shape = _broadcast_shapes(mask._data.shape, input._data.shape)  # torch's order
    except RuntimeError as err:
        raise op_note(err, "masked_select", input, mask) from None
    mask_data = E._as_operand(mask, dtypes.bool_, input._backend, "masked_select")
    return MaskedSelect.apply(input, mask_data, shape)


# -- cross, kron, tensordot ------------------------------------------------------------------------

_CROSS_WARNING = (
    "Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
    "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
    "with that of linalg.cross in a future release. (Triggered internally at "
    "/__w/pytorch/pytorch/aten/src/ATen/native/Cross.cpp:63.)")


def _cross_arrays(xp, a, b, axis):
    a, b = xp.moveaxis(a, axis, -1), xp.moveaxis(b, axis, -1)
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    out = xp.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return xp.moveaxis(out, -1, axis)


class Cross(Op):
    """The cross product along ``dim``; d/da = cross(b, gy), d/db = cross(gy, a)."""
    node_name = "LinalgCrossBackward0"

    def forward(ctx, a, b, dim):
        ctx.save_for_backward(b if ctx.needs_input_grad[0] else None,
                              a if ctx.needs_input_grad[1] else None)
        ctx.dim = dim
        xp = a._backend.xp
        xa, xb = xp.broadcast_arrays(a._data, E._as_operand(b, b.dtype, a._backend, "cross"))
        return _cross_arrays(xp, xa, xb, dim)

    def backward(ctx, gy):
        b, a = ctx.saved_tensors
        ga = Cross.apply(b, gy, ctx.dim) if ctx.needs_input_grad[0] else None
        gb = Cross.apply(gy, a, ctx.dim) if ctx.needs_input_grad[1] else None
        return ga, gb


def cross(input, other, dim=None):
    """The 3-vector cross product along ``dim`` (without it: the first dim of size 3, with torch's
    deprecation warning) of two tensors of one dtype that broadcast together."""
    check_tensor(input, "cross")
    check_tensor(other, "cross", "other", 2)
    if dim is not None and input._data.ndim == 0 and other._data.ndim == 0:
        raise op_note(IndexError(f"Dimension specified as {dim} but tensor has no dimensions"),
                      "cross", input, other)
    if input.dtype is dtypes.bool_:
        raise op_note(NotImplementedError("\"cross\" not implemented for 'Bool'"), "cross", input,
                      other)
    if input.dtype is not other.dtype:
        raise op_note(RuntimeError(f"expected scalar type {input.dtype.scalar_name} but found "
                                   f"{other.dtype.scalar_name}"), "cross", input, other)
    if input._data.ndim != other._data.ndim:
        raise op_note(RuntimeError("linalg.cross: inputs must have the same number of "
                                   "dimensions."), "cross", input, other)
    try:
        shape = _broadcast_shapes(input._data.shape, other._data.shape)
    except RuntimeError as err:
        raise op_note(err, "cross", input, other) from None
    if dim is None:
        warnings.warn(_CROSS_WARNING, UserWarning, stacklevel=2)
        sizes = input._data.shape
        if 3 not in sizes:
            raise op_note(RuntimeError("no dimension of size 3 in input"), "cross", input, other)
        d = sizes.index(3)
    else:
        d = _wrap_dim(dim, len(shape), "cross")
        if input._data.shape[d] != 3 or other._data.shape[d] != 3:
            raise op_note(RuntimeError(f"linalg.cross: inputs dimension {d} must have length 3. "
                                       f"Got {input._data.shape[d]} and {other._data.shape[d]}"),
                          "cross", input, other)
    return Cross.apply(input, other, d)


def kron(input, other):
    """The Kronecker product: dims interleaved by reshapes, multiplied, and folded back
    (UnsafeViewBackward0 over MulBackward0, as torch)."""
    check_tensor(input, "kron")
    check_tensor(other, "kron", "other", 2)
    nd = max(input._data.ndim, other._data.ndim)
    a_shape = (1,) * (nd - input._data.ndim) + input._data.shape
    b_shape = (1,) * (nd - other._data.ndim) + other._data.shape
    a = S.Reshape.apply(input, tuple(s for n in a_shape for s in (n, 1)))
    b = S.Reshape.apply(other, tuple(s for n in b_shape for s in (1, n)))
    return S.Reshape.apply(E.mul(a, b), tuple(p * q for p, q in zip(a_shape, b_shape)))


def _tensordot_dims(dims, a, b):
    if isinstance(dims, Tensor):
        dims = dims.tolist() if dims._data.ndim else dims.item()
    if isinstance(dims, int) and not isinstance(dims, bool):
        if dims < 0:
            raise op_note(RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}"),
                          "tensordot", a, b)
        if dims > min(a._data.ndim, b._data.ndim):
            raise op_note(RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got "
                                       f"dims={dims}"), "tensordot", a, b)
        return list(range(a._data.ndim - dims, a._data.ndim)), list(range(dims))
    dims_a, dims_b = dims
    dims_a = [dims_a] if isinstance(dims_a, int) else list(dims_a)
    dims_b = [dims_b] if isinstance(dims_b, int) else list(dims_b)
    if len(dims_a) != len(dims_b):
        raise op_note(RuntimeError("both dimension lists should have same length"), "tensordot",
                      a, b)
    return ([_wrap_dim(d, a._data.ndim, "tensordot") for d in dims_a],
            [_wrap_dim(d, b._data.ndim, "tensordot") for d in dims_b])


def tensordot(a, b, dims=2, out=None):
    """Sums products over ``dims`` (an int n: a's last n dims with b's first n; or two lists of
    dims), by torch's permute, reshape and mm (dot when nothing is left free)."""
    from .linalg import dot, mm  # noqa: PLC0415 - linalg imports the shape ops

    check_tensor(a, "tensordot")
    check_tensor(b, "tensordot", "b", 2)
    dims_a, dims_b = _tensordot_dims(dims, a, b)
    if a.dtype is not b.dtype:
        raise op_note(RuntimeError("both inputs should have same dtype"), "tensordot", a, b)
    for da, db in zip(dims_a, dims_b):
        if a._data.shape[da] != b._data.shape[db]:
            raise op_note(RuntimeError(
                f"contracted dimensions need to match, but first has size {a._data.shape[da]} in "
                f"dim {da} and second has size {b._data.shape[db]} in dim {db}"), "tensordot", a, b)
    free_a = [d for d in range(a._data.ndim) if d not in dims_a]
    free_b = [d for d in range(b._data.ndim) if d not in dims_b]
    out_shape = [a._data.shape[d] for d in free_a] + [b._data.shape[d] for d in free_b]
    size = 1
    for d in dims_a:
        size *= a._data.shape[d]
    left, right = S.permute(a, free_a + dims_a), S.permute(b, dims_b + free_b)
    if not free_a and not free_b:
        return S.view(dot(_reshaped(left, (-1,)), _reshaped(right, (-1,))), out_shape)
    return S.view(mm(_reshaped(left, (-1, size)), _reshaped(right, (size, -1))), out_shape)


def _reshaped(x, shape):
    """reshape as torch records it: a view where one can express it, else a contiguous clone and
    an unsafe view of it (CloneBackward0 under UnsafeViewBackward0)."""
    shape = S._infer_shape(shape, x._data.size, "reshape", x._data.shape)
    if x._data.flags.c_contiguous or S._viewable(x, shape):
        return S.reshape(x, shape)
    return S.Reshape.apply(E.clone(x), shape)


# -- searchsorted, bucketize -----------------------------------------------------------------------

def _bound_search(xp, boundaries, values, right, sorter):
    """torch's binary search of each value in its row of ``boundaries`` (the last dim): the first
    index whose boundary is >= the value (> for ``right``), comparisons written as torch's so
    that NaN values and boundaries land where its kernel puts them."""
    n = boundaries.shape[-1]
    rows = boundaries.reshape(-1, n)
    order = None if sorter is None else sorter.reshape(-1, n)
    flat = values.reshape(rows.shape[0], -1) if boundaries.ndim > 1 else values.reshape(1, -1)
    lo = xp.zeros(flat.shape, dtype=xp.int64)
    hi = xp.full(flat.shape, n, dtype=xp.int64)
    row_index = xp.arange(rows.shape[0]).reshape(-1, 1)
    while bool(xp.any(lo < hi)):
        active = lo < hi
        mid = (lo + hi) // 2
        at = xp.minimum(mid, n - 1)
        if order is not None:
            at = order[row_index, at]
        mid_value = rows[row_index, at]
        go_right = ~(mid_value > flat) if right else ~(mid_value >= flat)
        lo = xp.where(active & go_right, mid + 1, lo)
        hi = xp.where(active & ~go_right, mid, hi)
    return lo.reshape(values.shape)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """Where each value of ``input`` would go in ``sorted_sequence`` (searched along its last dim;
    an N-d sequence's leading dims must match input's), int64 or int32 indices."""
    check_tensor(sorted_sequence, "searchsorted", "sorted_sequence", 1)
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got "
                               f"{side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               "got side of left while right was True")
        right = side == "right"
    scalar = not isinstance(input, Tensor)
    value = E._operand(input, "searchsorted")  # torch's argument parser: before the shape checks
    bounds = sorted_sequence._data
    backend = sorted_sequence._backend
    xp = backend.xp
    if bounds.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive "
                           "dimension, but got 0 dimension")
    if scalar and bounds.ndim > 1:
        raise RuntimeError(f"torch.searchsorted(): input value can be a scalar only when "
                           f"boundaries tensor dimension is 1, but we got boundaries tensor "
                           f"dim({bounds.ndim}) and input value's dim(0) numel(1)")
    if not scalar and bounds.ndim > 1 and (value._data.ndim != bounds.ndim
                                           or value._data.shape[:-1] != bounds.shape[:-1]):
        raise RuntimeError(
            f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            f"dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {list(bounds.shape)} and input value tensor "
            f"{list(value._data.shape)}")
    order = None
    if sorter is not None:
        check_tensor(sorter, "searchsorted", "sorter")
        if sorter.dtype is not dtypes.int64:
            raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype but "
                               f"got dtype {sorter.dtype.scalar_name}")
        if sorter._data.shape != bounds.shape:
            raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same "
                               f"size, but got boundary tensor {list(bounds.shape)}and got sorter "
                               f"tensor {list(sorter._data.shape)}")
        order = sorter._data
        if order.size and (int(order.min()) < 0 or int(order.max()) >= bounds.shape[-1]):
            raise RuntimeError("torch.searchsorted(): sorter index out of range")
    dt = E._result_dtype(sorted_sequence, value)
    if dt is dtypes.bool_:
        raise op_note(NotImplementedError("\"searchsorted_out_cpu\" not implemented for 'Bool'"),
                      "searchsorted", sorted_sequence)
    values = xp.asarray(E._as_operand(value, dt, backend, "searchsorted"), dtype=dt.np)
    bounds = bounds.astype(dt.np, copy=False)
    if values.size == 0 or bounds.shape[-1] == 0:
        out = xp.zeros(values.shape, dtype=xp.int64)
    else:
        out = _bound_search(xp, bounds, values, right, order)
    return Tensor._make(out.astype(xp.int32 if out_int32 else xp.int64), backend)


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value among 1-d ``boundaries`` (searchsorted with the arguments
    swapped)."""
    check_tensor(boundaries, "bucketize", "boundaries", 2)
    if boundaries._data.ndim != 1:
        raise op_note(RuntimeError(f"boundaries tensor must be 1 dimension, but got dim("
                                   f"{boundaries._data.ndim})"), "bucketize", input, boundaries)
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def is_floating_point(input):
    check_tensor(input, "is_floating_point")
    return input.dtype.is_floating_point
