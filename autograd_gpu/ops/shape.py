"""Shape ops: view/reshape, flatten, squeeze/unsqueeze, transpose/permute, expand, cat/stack,
split/chunk. The view-like ones return array views that share the input's version counter."""
import math
import operator

import warnings

from ..autograd.function import Op
from ..tensor import Tensor, _wrap_dim, check_tensor, op_note, with_note


def _shape_arg(shape, op="view"):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        return tuple(operator.index(s) for s in shape)
    except TypeError:
        got = ", ".join(type(s).__name__ for s in shape)
        raise TypeError(f"{op}() received an invalid combination of arguments - got ({got}), but "
                        "expected one of:\n * (tuple of ints size)") from None


def _infer_shape(shape, numel, op, in_shape):
    """Resolves one -1 and checks the element count, with torch's messages (and a note naming the
    op and the input's shape)."""
    try:
        return _resolve_shape(shape, numel)
    except RuntimeError as err:
        raise with_note(err, f"in {op}() of a tensor of shape {list(in_shape)} to {list(shape)}")


def _resolve_shape(shape, numel):
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for i, s in enumerate(shape):
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
            known *= s
    if -1 in shape:
        if known == 0:
            if numel == 0:
                raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} "
                                   "because the unspecified dimension size -1 can be any value and "
                                   "is ambiguous")
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        if numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class View(Op):
    node_name = "ViewBackward0"
    is_view = True

    def forward(ctx, x, shape):
        ctx.in_shape = x._data.shape
        return x._data.reshape(shape)

    def backward(ctx, gy):
        return gy.reshape(ctx.in_shape)


class Reshape(View):
    """reshape of a non-contiguous input copies (torch records a clone + view: UnsafeViewBackward0)."""
    node_name = "UnsafeViewBackward0"
    is_view = False

    def forward(ctx, x, shape):
        ctx.in_shape = x._data.shape
        return x._backend.xp.ascontiguousarray(x._data).reshape(shape)


class ReshapeAlias(View):
    """reshape of a non-contiguous input that a view can express (torch's _reshape_alias)."""
    node_name = "ReshapeAliasBackward0"


class Alias(View):
    """A view of all of x, as torch records for a no-op reshuffle of a 0-d tensor."""
    node_name = "AliasBackward0"


class Squeeze(View):
    node_name = "SqueezeBackward0"


class SqueezeDim(View):
    node_name = "SqueezeBackward1"


class SqueezeDims(View):
    node_name = "SqueezeBackward2"


class Unsqueeze(View):
    node_name = "UnsqueezeBackward0"


class Transpose(Op):
    node_name = "TransposeBackward0"
    is_view = True

    def forward(ctx, x, d0, d1):
        ctx.dims = (d0, d1)
        if x._data.ndim == 0:  # t() of a 0-d tensor: the tensor itself, as a view
            return x._data[...]
        return x._backend.xp.swapaxes(x._data, d0, d1)

    def backward(ctx, gy):
        return gy.transpose(*ctx.dims)


class T(Transpose):
    node_name = "TBackward0"


class Permute(Op):
    node_name = "PermuteBackward0"
    is_view = True

    def forward(ctx, x, dims):
        ctx.dims = dims
        return x._backend.xp.transpose(x._data, dims)

    def backward(ctx, gy):
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        return Permute.apply(gy, tuple(inverse))


class Expand(Op):
    node_name = "ExpandBackward0"
    is_view = True

    def forward(ctx, x, shape):
        ctx.in_shape = x._data.shape
        return x._backend.xp.broadcast_to(x._data, shape)

    def backward(ctx, gy):
        from .reduction import sum_to_shape  # noqa: PLC0415

        return sum_to_shape(gy, ctx.in_shape)


class Cat(Op):
    node_name = "CatBackward0"

    def forward(ctx, *args):
        *tensors, dim = args
        ctx.dim = dim
        # torch skips 1-D empty tensors in cat whatever the others' rank: their gradient is empty
        ctx.sizes = [None if _legacy_empty(t) else t._data.shape[dim] for t in tensors]
        arrays = [t._data for t in tensors if not _legacy_empty(t)]
        return tensors[0]._backend.xp.concatenate(arrays or [tensors[0]._data], axis=dim)

    def backward(ctx, gy):
        grads, start = [], 0
        for size in ctx.sizes:
            if size is None:
                grads.append(Tensor._make(gy._backend.xp.zeros((0,), dtype=gy._data.dtype),
                                          gy._backend))
                continue
            grads.append(gy.narrow(ctx.dim, start, size))
            start += size
        return tuple(grads)


def _legacy_empty(t):
    return t._data.ndim == 1 and t._data.shape[0] == 0


class Stack(Op):
    node_name = "StackBackward0"

    def forward(ctx, *args):
        *tensors, dim = args
        ctx.dim = dim
        return tensors[0]._backend.xp.stack([t._data for t in tensors], axis=dim)

    def backward(ctx, gy):
        return tuple(gy.unbind(ctx.dim))


class Narrow(Op):
    node_name = "SliceBackward0"
    is_view = True

    def forward(ctx, x, dim, start, length):
        ctx.meta = (x._data.shape, dim, start, length)
        index = (slice(None),) * dim + (slice(start, start + length),)
        return x._data[index]

    def backward(ctx, gy):
        from .indexing import index_put_zeros  # noqa: PLC0415

        shape, dim, start, length = ctx.meta
        return index_put_zeros(gy, shape, (slice(None),) * dim + (slice(start, start + length),))


class Select(Narrow):
    """x.select(dim, i) and unbind's pieces."""
    node_name = "SelectBackward0"

    def forward(ctx, x, dim, index):
        ctx.meta = (x._data.shape, dim, index)
        return x._data[(slice(None),) * dim + (index, Ellipsis)]  # a 0-d view, not a scalar

    def backward(ctx, gy):
        from .indexing import index_put_zeros  # noqa: PLC0415

        shape, dim, index = ctx.meta
        return index_put_zeros(gy, shape, (slice(None),) * dim + (index,))


class Split(Op):
    """split/chunk: several views along one dim; backward concatenates (zeros for unused pieces)."""
    node_name = "SplitBackward0"
    is_view = True

    def forward(ctx, x, dim, sizes):
        ctx.meta = (dim, sizes)
        out, start = [], 0
        for s in sizes:
            out.append(x._data[(slice(None),) * dim + (slice(start, start + s),)])
            start += s
        return tuple(out)

    def backward(ctx, *grads):
        dim, _ = ctx.meta
        return cat(list(grads), dim)


class SplitWithSizes(Split):
    node_name = "SplitWithSizesBackward0"


class Unbind(Split):
    node_name = "UnbindBackward0"

    def forward(ctx, x, dim):
        ctx.meta = (dim,)
        return tuple(x._data[(slice(None),) * dim + (i, Ellipsis)] for i in range(x._data.shape[dim]))

    def backward(ctx, *grads):
        return stack(list(grads), ctx.meta[0])


# -- public functions ------------------------------------------------------------------------------

def _viewable(x, shape):
    """True when ``shape`` can be a view of x's memory: torch's ``computeStride`` walk, which
    matches each run of dimensions that are contiguous with one another to the new dimensions
    of the same element count."""
    a = x._data
    if a.flags.c_contiguous or a.size <= 1:
        return True
    old_shape, old_strides = a.shape, a.strides
    view_d, base_stride = len(shape) - 1, old_strides[-1]
    chunk_numel = view_numel = 1
    for d in range(len(old_shape) - 1, -1, -1):
        chunk_numel *= old_shape[d]
        chunk_ends = d == 0 or (old_shape[d - 1] != 1
                                and old_strides[d - 1] != chunk_numel * base_stride)
        if not chunk_ends:
            continue
        while view_d >= 0 and (view_numel < chunk_numel or shape[view_d] == 1):
            view_numel *= shape[view_d]
            view_d -= 1
        if view_numel != chunk_numel:
            return False
        if d > 0:
            base_stride, chunk_numel, view_numel = old_strides[d - 1], 1, 1
    return view_d == -1


def view(x, *shape):
    check_tensor(x, "view")
    shape = _infer_shape(_shape_arg(shape, "view"), x._data.size, "view", x._data.shape)
    if not _viewable(x, shape):
        raise with_note(RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."),
            f"in view() of a tensor of shape {list(x._data.shape)} and stride {list(x.stride())} "
            f"to {list(shape)}")
    return View.apply(x, shape)


def reshape(x, *shape):
    check_tensor(x, "reshape")
    shape = _infer_shape(_shape_arg(shape, "reshape"), x._data.size, "reshape", x._data.shape)
    if x._data.flags.c_contiguous or x._data.size <= 1:
        return View.apply(x, shape)
    if _viewable(x, shape):  # numpy would return a view: it must share the version counter
        return ReshapeAlias.apply(x, shape)
    return Reshape.apply(x, shape)


def flatten(x, start_dim=0, end_dim=-1):
    check_tensor(x, "flatten")
    nd = x._data.ndim
    s, e = _wrap_dim(start_dim, nd, "flatten"), _wrap_dim(end_dim, nd, "flatten")
    if nd == 0:
        return reshape(x, 1)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return x
    shape = x._data.shape
    return reshape(x, shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


def unflatten(x, dim, sizes):
    check_tensor(x, "unflatten")
    sizes = _shape_arg((sizes,), "unflatten")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    d = _wrap_dim(dim, x._data.ndim, "unflatten")
    if x._data.ndim == 0:
        raise op_note(RuntimeError(f"unflatten: Dimension specified as {dim} but tensor has no "
                                   "dimensions"), "unflatten", x)
    shape = x._data.shape
    known = math.prod(s for s in sizes if s != -1)
    size = shape[d]
    if (-1 in sizes and (known == 0 or size % known)) or (-1 not in sizes and known != size):
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of "
                           f"dim {d} ({size}) in the input tensor")
    if sizes.count(-1) == 1 and known > 0:  # resolved here, where view could not tell 0 from -1
        sizes = tuple(size // known if s == -1 else s for s in sizes)
    return view(x, shape[:d] + sizes + shape[d + 1:]) if _viewable(x, shape) else \
        reshape(x, shape[:d] + sizes + shape[d + 1:])


def squeeze(x, dim=None):
    check_tensor(x, "squeeze")
    shape = x._data.shape
    if dim is None:
        return Squeeze.apply(x, tuple(s for s in shape if s != 1))
    several = isinstance(dim, (tuple, list))
    dims = tuple(dim) if several else (dim,)
    axes = [_wrap_dim(d, x._data.ndim, "squeeze") for d in dims]
    for i, a in enumerate(axes):
        if a in axes[:i]:
            raise RuntimeError(f"dim {a} appears multiple times in the list of dims")
    out = tuple(s for i, s in enumerate(shape) if not (i in axes and s == 1))
    return (SqueezeDims if several else SqueezeDim).apply(x, out)


def _wrap_new_dim(dim, ndim, op, x):
    """A dim of the result of inserting one dim into ``ndim`` dims (unsqueeze, stack)."""
    n = ndim + 1
    if type(dim) is not int or not -n <= dim < n:
        try:
            return _wrap_dim(dim, n, op)
        except IndexError as err:
            raise op_note(IndexError(str(err)), op, x) from None
    return dim % n


def unsqueeze(x, dim):
    check_tensor(x, "unsqueeze")
    d = _wrap_new_dim(dim, x._data.ndim, "unsqueeze", x)
    shape = x._data.shape
    return Unsqueeze.apply(x, shape[:d] + (1,) + shape[d:])


def transpose(x, dim0, dim1):
    check_tensor(x, "transpose")
    nd = x._data.ndim
    if nd == 0:
        _wrap_dim(dim0, 0, "transpose"), _wrap_dim(dim1, 0, "transpose")
        return Transpose.apply(x, 0, 0)
    return Transpose.apply(x, _wrap_dim(dim0, nd, "transpose"), _wrap_dim(dim1, nd, "transpose"))


def t(x):
    check_tensor(x, "t")
    nd = x._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return T.apply(x, 0, nd - 1 if nd else 0)


def numpy_T(x):
    """``x.T``: all dims reversed (torch records a permute whatever the rank)."""
    return Permute.apply(x, tuple(reversed(range(x._data.ndim))))


def mT(x):
    """``x.mT``: the last two dims swapped; torch refuses 1 dim and, with a deprecation warning,
    returns a 0-d tensor itself."""
    if x._data.ndim == 0:
        warnings.warn("Tensor.mT is deprecated on 0-D tensors. This function is the identity in "
                      "these cases.", UserWarning, stacklevel=2)
        return x
    if x._data.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got "
                           f"{x._data.ndim}-D tensor.")
    return transpose(x, -2, -1)


def permute(x, *dims):
    check_tensor(x, "permute")
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    dims = _shape_arg(dims, "permute")
    nd = x._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not "
                           f"match the length of the desired ordering of dimensions i.e. input.dim() "
                           f"= {nd} is not equal to len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, nd, "permute") for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(x, dims)


def expand(x, *sizes):
    from ..tensor import _legacy_type_name  # noqa: PLC0415

    check_tensor(x, "expand")
    if not sizes:
        raise TypeError('expand() missing 1 required positional arguments: "size"')
    sizes = _shape_arg(sizes, "expand")
    shape = x._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand({_legacy_type_name(x)}{{{list(shape)}}}, size={list(sizes)}): the "
                           f"number of sizes provided ({len(sizes)}) must be greater or equal to "
                           f"the number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = list(sizes)
    for i in reversed(range(len(sizes))):  # torch checks from the last dim
        s = sizes[i]
        own = shape[i - lead] if i >= lead else None
        if own is None:
            if s < 0:
                raise op_note(RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed "
                                           f"in a leading, non-existing dimension {i}"),
                              "expand", x)
        elif s == -1:
            target[i] = own
        elif own != s and own != 1:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size "
                               f"({own}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(shape)}")
    if any(s < 0 for s in target):
        raise RuntimeError(f"expand({_legacy_type_name(x)}{{{list(shape)}}}, size={list(sizes)}): "
                           f"the expanded size of the tensor ({min(target)}) must be -1 or "
                           f"non-negative")
    return Expand.apply(x, tuple(target))


def expand_as(x, other):
    check_tensor(other, "expand_as", "other", 1)
    return expand(x, other._data.shape)


def broadcast_to(x, shape):
    return expand(x, shape)


def _check_sequence(tensors, op):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    if not tensors:  # torch: cat raises ValueError, stack RuntimeError
        if op == "cat":
            raise ValueError("torch.cat(): expected a non-empty list of Tensors")
        raise RuntimeError(f"{op} expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise with_note(TypeError(f"expected Tensor as element {i} in argument 0, but got "
                                      f"{type(t).__name__}"), f"in {op}()")


def _common_dtype(tensors):
    from .. import dtypes  # noqa: PLC0415

    dt = tensors[0].dtype
    for t in tensors[1:]:
        dt = dtypes.promote_types(dt, t.dtype)
    return [t if t.dtype is dt else t.to(dt) for t in tensors]


def cat(tensors, dim=0):
    _check_sequence(tensors, "cat")
    try:
        return _cat(_common_dtype(list(tensors)), dim)
    except (IndexError, RuntimeError) as err:
        raise _sequence_note(err, "cat", tensors) from None


def _cat(tensors, dim):
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    ref = next((t for t in tensors if not _legacy_empty(t)), None)
    if ref is None:  # only 1-D empty tensors, which torch skips whatever the dim
        return Cat.apply(*tensors, 0)
    d = _wrap_dim(dim, ref._data.ndim, "cat")
    for i, t in enumerate(tensors):
        if _legacy_empty(t):
            continue
        if t._data.ndim != ref._data.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref._data.ndim} "
                               f"and {t._data.ndim}")
        for ax in range(ref._data.ndim):
            if ax != d and t._data.shape[ax] != ref._data.shape[ax]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected "
                                   f"size {ref._data.shape[ax]} but got size {t._data.shape[ax]} for "
                                   f"tensor number {i} in the list.")
    return Cat.apply(*tensors, d)


def _sequence_note(err, op, tensors):
    shapes = ", ".join(f"{list(t._data.shape)} {t.dtype}" for t in tensors)
    return with_note(err, f"in {op}() of tensors of shapes {shapes}")


concat = cat
concatenate = cat


def stack(tensors, dim=0):
    _check_sequence(tensors, "stack")
    shape = tensors[0]._data.shape
    d = _wrap_new_dim(dim, len(shape), "stack", tensors[0])
    tensors = _common_dtype(list(tensors))
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise _sequence_note(RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                f"{list(t._data.shape)} at entry {i}"), "stack", tensors)
    return Stack.apply(*tensors, d)


def _at_least_1d(x, op, message="{op}() cannot be applied to a 0-dim tensor.", exc=RuntimeError):
    check_tensor(x, op)
    if x._data.ndim == 0:
        raise op_note(exc(message.format(op=op)), op, x)


def narrow(x, dim, start, length):
    _at_least_1d(x, "narrow")
    if length < 0:
        raise op_note(RuntimeError("narrow(): length must be non-negative."), "narrow", x)
    d = _wrap_dim(dim, x._data.ndim, "narrow")
    size = x._data.shape[d]
    if not -size <= start <= size:
        raise op_note(IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                                 f"but got {start})"), "narrow", x)
    if start < 0:
        start += size
    if start + length > size:
        raise op_note(RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                                   f"({size})."), "narrow", x)
    return Narrow.apply(x, d, start, length)


def select(x, dim, index):
    _at_least_1d(x, "select", exc=IndexError)
    d = _wrap_dim(dim, x._data.ndim, "select")
    size = x._data.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(x._data.shape)} at dimension {d}")
    return Select.apply(x, d, index % size)


def split(x, split_size_or_sections, dim=0):
    _at_least_1d(x, "split", "split expects at least a 1-dimensional tensor")
    if isinstance(split_size_or_sections, int) and split_size_or_sections < 0:
        raise op_note(RuntimeError(f"split expects split_size be non-negative, but got "
                                   f"split_size={split_size_or_sections}"), "split", x)
    d = _wrap_dim(dim, x._data.ndim, "split")
    size = x._data.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step == 0 and size:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension "
                               f"size of {size}")
        if step == 0:
            return Split.apply(x, d, (0,))
        sizes = [step] * (size // step) + ([size % step] if size % step else [])
        if not sizes:
            sizes = [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, "
                               f"but got split_sizes={sizes}")
        if sum(sizes) != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} (input "
                               f"tensor's size at dimension {d}), but got split_sizes={sizes}")
        return SplitWithSizes.apply(x, d, tuple(sizes))
    return Split.apply(x, d, tuple(sizes))


def chunk(x, chunks, dim=0):
    _at_least_1d(x, "chunk", "chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    d = _wrap_dim(dim, x._data.ndim, "chunk")
    size = x._data.shape[d]
    if size == 0:  # torch hands back ``chunks`` empty pieces
        return SplitWithSizes.apply(x, d, (0,) * chunks)
    return split(x, -(-size // chunks), d)


def unbind(x, dim=0):
    _at_least_1d(x, "unbind", f"Dimension specified as {dim} but tensor has no dimensions",
                 IndexError)
    return Unbind.apply(x, _wrap_dim(dim, x._data.ndim, "unbind"))


def contiguous(x, memory_format=None):
    if x._data.flags.c_contiguous:
        return x
    from .elementwise import clone  # noqa: PLC0415

    return clone(x)  # array copies are C-ordered


def movedim(x, source, destination):
    check_tensor(x, "movedim")
    nd = x._data.ndim
    src = tuple(source) if isinstance(source, (tuple, list)) else (source,)
    dst = tuple(destination) if isinstance(destination, (tuple, list)) else (destination,)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) "
                           f"should contain the same number of dims as destination ({list(dst)} dims)")
    src = [_wrap_dim(d, nd, "movedim") for d in src]
    dst = [_wrap_dim(d, nd, "movedim") for d in dst]
    if nd == 0:
        return Alias.apply(x, ())
    for name, dims, given in (("source", src, source), ("destination", dst, destination)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
    order = [None] * nd
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(nd) if d not in src)
    order = [next(rest) if o is None else o for o in order]
    return permute(x, *order)


# -- flip, roll, tril/triu, repeat/tile, repeat_interleave, diagonal/diag, trace -------------------

def _dims_arg(dims, op, name="dims"):
    """An int or a sequence of ints (torch's IntArrayRef), as a tuple."""
    if isinstance(dims, (tuple, list)):
        return tuple(_index_int(d, op, name) for d in dims)
    return (_index_int(dims, op, name),)


def _index_int(value, op, name):
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, but found element of "
                        f"type {type(value).__name__}") from None


def _unique_dims(dims, x, op):
    """``dims`` wrapped, with torch's error for a dim given twice."""
    wrapped = []
    for d in dims:
        w = _wrap_dim(d, x._data.ndim, op)
        if w in wrapped:
            raise op_note(RuntimeError(f"dim {w} appears multiple times in the list of dims"), op, x)
        wrapped.append(w)
    return tuple(wrapped)


class Flip(Op):
    node_name = "FlipBackward0"

    def forward(ctx, x, dims):
        ctx.dims = dims
        if x._data.ndim == 0 or not dims:
            return x._data.copy()
        return x._backend.xp.flip(x._data, axis=dims).copy()

    def backward(ctx, gy):
        return Flip.apply(gy, ctx.dims)


def flip(x, *dims):
    """``flip(x, dims)`` or ``x.flip(d0, d1, ...)``."""
    check_tensor(x, "flip")
    if not dims:
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    dims = _unique_dims(_dims_arg(dims[0] if len(dims) == 1 else dims, "flip"), x, "flip")
    return Flip.apply(x, dims if x._data.ndim else ())


class Roll(Op):
    """Elements shifted along dims, wrapping around; with no dims, along the flattened tensor."""
    node_name = "RollBackward0"

    def forward(ctx, x, shifts, dims):
        ctx.meta = (shifts, dims)
        xp, data = x._backend.xp, x._data
        if dims is None:
            return xp.roll(data.reshape(-1), shifts[0]).reshape(data.shape)
        return xp.roll(data, shifts, axis=dims)

    def backward(ctx, gy):
        shifts, dims = ctx.meta
        return Roll.apply(gy, tuple(-s for s in shifts), dims)


def roll(x, shifts, dims=None):
    check_tensor(x, "roll")
    shifts = _dims_arg(shifts, "roll", "shifts")
    if not shifts:
        raise op_note(RuntimeError("`shifts` required"), "roll", x)
    if dims is not None:
        dims = _dims_arg(dims, "roll")
    if dims is None or not dims:
        if len(shifts) != 1:
            raise op_note(RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                                       f"dims:{len(dims or ())}"), "roll", x)
        return Roll.apply(x, shifts, None)
    if len(shifts) != len(dims):
        raise op_note(RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                                   f"dims:{len(dims)}"), "roll", x)
    if x._data.size == 0:  # torch hands back a copy of an empty tensor, whatever the dims
        return Roll.apply(x, (0,), None)
    if x._data.ndim == 0:
        raise op_note(IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions"),
                      "roll", x)
    return Roll.apply(x, shifts, tuple(_wrap_dim(d, x._data.ndim, "roll") for d in dims))


class Tril(Op):
    node_name = "TrilBackward0"
    upper = False

    def forward(ctx, x, diagonal):
        ctx.diagonal = diagonal
        xp = x._backend.xp
        return (xp.triu if ctx.upper else xp.tril)(x._data, diagonal)

    def backward(ctx, gy):
        return type(ctx).apply(gy, ctx.diagonal)


class Triu(Tril):
    node_name = "TriuBackward0"
    upper = True


def _triangle(x, diagonal, op, cls):
    check_tensor(x, op)
    diagonal = _index_int_arg(diagonal, op, "diagonal")
    if x._data.ndim < 2:
        raise op_note(RuntimeError(f"{op}: input tensor must have at least 2 dimensions"), op, x)
    return cls.apply(x, diagonal)


def _index_int_arg(value, op, name):
    from ..tensor import _index_arg  # noqa: PLC0415

    return value if type(value) is int else _index_arg(value, op, name)


def tril(x, diagonal=0):
    return _triangle(x, diagonal, "tril", Tril)


def triu(x, diagonal=0):
    return _triangle(x, diagonal, "triu", Triu)


class Repeat(Op):
    """x tiled ``sizes`` times along each dim (leading new dims for extra sizes)."""
    node_name = "RepeatBackward0"

    def forward(ctx, x, sizes):
        data = x._data
        padded = (1,) * (len(sizes) - data.ndim) + data.shape
        ctx.meta = (data.shape, padded, sizes)
        return x._backend.xp.tile(data.reshape(padded), sizes)

    def backward(ctx, gy):
        from .reduction import sum as reduce_sum  # noqa: PLC0415

        in_shape, padded, sizes = ctx.meta
        split = tuple(s for pair in zip(sizes, padded) for s in pair)
        summed = reduce_sum(gy.reshape(split), tuple(range(0, 2 * len(sizes), 2)))
        return summed.reshape(in_shape)


def _repeat_shape(x, sizes, op):
    padded = (1,) * (len(sizes) - x._data.ndim) + x._data.shape
    out = [p * s for p, s in zip(padded, sizes)]
    for s in out:
        if s < 0:
            raise op_note(RuntimeError(f"Trying to create tensor with negative dimension {s}: {out}"),
                          op, x)


def repeat(x, *sizes):
    check_tensor(x, "repeat")
    if not sizes:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    sizes = _shape_arg(sizes, "repeat")
    if len(sizes) < x._data.ndim:
        raise op_note(RuntimeError("Number of dimensions of repeat dims can not be smaller than "
                                   "number of dimensions of tensor"), "repeat", x)
    _repeat_shape(x, sizes, "repeat")
    return Repeat.apply(x, sizes)


def tile(x, *dims):
    """``tile(x, dims)`` or ``x.tile(d0, d1, ...)``."""
    check_tensor(x, "tile")
    if not dims:
        raise TypeError('tile() missing 1 required positional arguments: "dims"')
    dims = _shape_arg(dims if len(dims) > 1 or not isinstance(dims[0], (tuple, list)) else
                      (tuple(dims[0]),), "tile")
    dims = (1,) * (x._data.ndim - len(dims)) + dims
    _repeat_shape(x, dims, "tile")
    return Repeat.apply(x, dims)


def repeat_interleave(x, repeats, dim=None, *, output_size=None):
    """Each element (or slice along ``dim``) repeated ``repeats`` times: an int, or a 1-D integer
    tensor of one count per slice (a 0-d or one-element tensor counts for all)."""
    check_tensor(x, "repeat_interleave")
    if dim is None:
        x, d = x.reshape(-1), 0
    else:
        d = _wrap_dim(dim, x._data.ndim, "repeat_interleave")
        if x._data.ndim == 0:
            x = x.reshape(1)
    if isinstance(repeats, Tensor):
        return _repeat_interleave_tensor(x, repeats, d)
    repeats = _index_int_arg(repeats, "repeat_interleave", "repeats")
    if repeats < 0:
        raise op_note(RuntimeError("Repeats must be non-negative"), "repeat_interleave", x)
    shape = x._data.shape
    from .elementwise import clone  # noqa: PLC0415

    expanded = x.unsqueeze(d + 1).expand(shape[:d + 1] + (repeats,) + shape[d + 1:])
    # a copy even where expand changed nothing (repeats == 1), as torch's clone is
    return view(clone(expanded), shape[:d] + (shape[d] * repeats,) + shape[d + 1:])


def _repeat_interleave_tensor(x, repeats, d):
    from .indexing import index_select  # noqa: PLC0415

    xp = x._backend.xp
    counts = repeats._data
    op = "repeat_interleave"
    if counts.ndim > 1:
        raise op_note(RuntimeError("repeats must be 0-dim or 1-dim tensor"), op, x, repeats)
    if counts.dtype.kind not in "iu":
        raise op_note(NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for "
                                          f"'{repeats.dtype.scalar_name}'"), op, x, repeats)
    size = x._data.shape[d]
    if counts.size == 1:
        counts = xp.full((size,), int(counts.reshape(-1)[0]), dtype=xp.int64)
    if counts.shape[0] != size:
        raise op_note(RuntimeError(f"repeats must have the same size as input along dim, but got "
                                   f"repeats.size(0) = {counts.shape[0]} and input.size({d}) = "
                                   f"{size}"), op, x, repeats)
    counts = counts if repeats._backend is x._backend else \
        x._backend.asarray(repeats._backend.to_host(counts))
    if counts.size and int(counts.min()) < 0:
        raise op_note(RuntimeError("repeats can not be negative"), op, x, repeats)
    # the counts as a host list: cupy.repeat takes no device array of repeats (and the result's
    # size depends on them, so torch reads them on the host too)
    index = xp.repeat(xp.arange(size, dtype=xp.int64),
                      x._backend.to_host(counts).astype("int64").tolist())
    return index_select(x, d, Tensor._make(index, x._backend))


def _diagonal_length(shape, offset, d1, d2):
    if offset >= 0:
        return max(0, min(shape[d1], shape[d2] - offset))
    return max(0, min(shape[d1] + offset, shape[d2]))


def _diagonal_view(xp, data, offset, d1, d2):
    """The writable view of the diagonal (numpy's own ``diagonal`` is read-only): dims d1 and d2
    replaced by a last dim that steps along both."""
    n = _diagonal_length(data.shape, offset, d1, d2)
    if n:  # start at the first diagonal element
        start = [0] * data.ndim
        start[d2 if offset >= 0 else d1] = abs(offset)
        data = data[tuple(slice(s, None) for s in start)]
    keep = [i for i in range(data.ndim) if i not in (d1, d2)]
    shape = tuple(data.shape[i] for i in keep) + (n,)
    strides = tuple(data.strides[i] for i in keep) + (data.strides[d1] + data.strides[d2],)
    return xp.lib.stride_tricks.as_strided(data, shape, strides)


class Diagonal(Op):
    node_name = "DiagonalBackward0"
    is_view = True

    def forward(ctx, x, offset, d1, d2):
        ctx.meta = (x._data.shape, offset, d1, d2)
        return _diagonal_view(x._backend.xp, x._data, offset, d1, d2)

    def backward(ctx, gy):
        return DiagonalScatter.apply(gy, *ctx.meta)


class DiagonalCopy(Diagonal):
    """torch.diag of a matrix: the diagonal as a new tensor (torch's diagonal_copy)."""
    node_name = "DiagonalBackward0_copy"
    is_view = False

    def forward(ctx, x, offset, d1, d2):
        return Diagonal.forward(ctx, x, offset, d1, d2).copy()


class DiagonalScatter(Op):
    """Zeros of ``shape`` holding ``gy`` on the diagonal (``offset``, ``d1``, ``d2``)."""
    node_name = "DiagonalBackwardBackward0"

    def forward(ctx, gy, shape, offset, d1, d2):
        ctx.meta = (offset, d1, d2)
        xp = gy._backend.xp
        out = xp.zeros(shape, dtype=gy._data.dtype)
        _diagonal_view(xp, out, offset, d1, d2)[...] = gy._data
        return out

    def backward(ctx, g):
        return DiagonalCopy.apply(g, *ctx.meta)


def diagonal(x, offset=0, dim1=0, dim2=1):
    check_tensor(x, "diagonal")
    offset = _index_int_arg(offset, "diagonal", "offset")
    nd = x._data.ndim
    d1, d2 = _wrap_dim(dim1, nd, "diagonal"), _wrap_dim(dim2, nd, "diagonal")
    if d1 == d2:
        raise op_note(RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}"),
                      "diagonal", x)
    return Diagonal.apply(x, offset, d1, d2)


class DiagEmbed(Op):
    """torch.diag of a vector: the square matrix with it on diagonal ``offset``."""
    node_name = "DiagEmbedBackward0"

    def forward(ctx, x, offset):
        ctx.offset = offset
        n = x._data.shape[0] + abs(offset)
        xp = x._backend.xp
        out = xp.zeros((n, n), dtype=x._data.dtype)
        _diagonal_view(xp, out, offset, 0, 1)[...] = x._data
        return out

    def backward(ctx, gy):
        return DiagonalCopy.apply(gy, ctx.offset, 0, 1)


def diag(x, diagonal=0):
    check_tensor(x, "diag")
    diagonal = _index_int_arg(diagonal, "diag", "diagonal")
    nd = x._data.ndim
    if nd == 1:
        return DiagEmbed.apply(x, diagonal)
    if nd != 2:
        raise op_note(RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D"), "diag", x)
    return DiagonalCopy.apply(x, diagonal, 0, 1)


class Trace(Op):
    """The sum of a matrix's main diagonal (integers sum in int64, as torch's sum does)."""
    node_name = "TraceBackward0"

    def forward(ctx, x):
        ctx.shape = x._data.shape
        data = x._data
        dtype = "int64" if data.dtype.kind in "iu" else None
        acc = "float32" if data.dtype == "float16" else dtype
        out = _diagonal_view(x._backend.xp, data, 0, 0, 1).sum(dtype=acc)
        return x._backend.xp.asarray(out, dtype=dtype or data.dtype)

    def backward(ctx, gy):
        n = min(ctx.shape)
        return DiagonalScatter.apply(gy.expand(n), ctx.shape, 0, 0, 1)


def trace(x):
    check_tensor(x, "trace")
    if x._data.dtype.kind == "b":
        raise op_note(NotImplementedError("\"trace\" not implemented for 'Bool'"), "trace", x)
    if x._data.ndim != 2:
        raise op_note(RuntimeError(f"trace: expected a matrix, but got tensor with dim "
                                   f"{x._data.ndim}"), "trace", x)
    return Trace.apply(x)
