"""In-place ops on views, torch's way (its "View + Inplace" notes).

- An in-place op on a view writes the base's memory, so the base takes a new node, ``CopySlices``:
  its backward gives the base's old node the gradient outside the view's region, and the
  in-place op's node the gradient of the region.
- A view whose base (or another view of that base) was written in place since its node was made
  gets a new node, ``AsStridedBackward0``, that reads the view's region out of the base's current
  node, when its grad_fn is next read.

Both find the region by replaying the view's chain of view ops (``ViewInfo.chain``) on an array of
the base's shape; ``_region_indices`` replays it on the flat indices of the base, which gives the
view's elements' positions in the base, repeated ones included (an expanded view).
"""
from ..autograd import grad_mode, view_meta
from ..autograd.function import Op, _short_name
from ..tensor import Tensor, op_note

_OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation.")
_VIEW_OF_LEAF = "a view of a leaf Variable that requires grad is being used in an in-place operation."


def _replay(array, backend, chain):
    """The view ``chain`` makes of ``array`` (any array of the base's shape), computed by the view
    ops' own forwards."""
    t = Tensor._make(array, backend)
    for op_class, args, nr in chain:
        ctx = op_class.__new__(op_class)
        ctx._backend = backend
        out = op_class.forward(ctx, t, *args)
        t = Tensor._make(out if nr is None else out[nr], backend)
    return t._data


def _region_indices(shape, backend, chain):
    """For each element of the view, the flat (C-order) index of the base element it is."""
    xp = backend.xp
    n = 1
    for s in shape:
        n *= s
    return _replay(xp.arange(n, dtype=xp.int64).reshape(shape), backend, chain)


def _has_repeats(indices):
    return any(stride == 0 and size > 1 for stride, size in zip(indices.strides, indices.shape))


class AsStridedView(Op):
    """The view ``chain`` makes of a base-shaped tensor, as one node (torch's AsStridedBackward0,
    the node it gives a view whose base was written in place)."""
    node_name = "AsStridedBackward0"

    def forward(ctx, base, chain):
        ctx.meta = (base._data.shape, chain)
        return _replay(base._data, base._backend, chain)

    def backward(ctx, gy):
        shape, chain = ctx.meta
        return ViewScatter.apply(gy, shape, chain), None


class ViewScatter(Op):
    """Zeros of the base's ``shape`` with ``gy`` added at the view's region (repeated elements
    of an expanded view accumulate): the backward of AsStridedView."""
    node_name = "AsStridedScatterBackward0"

    def forward(ctx, gy, shape, chain):
        ctx.chain = chain
        backend = gy._backend
        xp = backend.xp
        indices = _region_indices(shape, backend, chain)
        out = xp.zeros(shape, dtype=gy._data.dtype).reshape(-1)
        if _has_repeats(indices):
            backend.scatter_add(out, (indices.reshape(-1),), gy._data.reshape(-1))
        else:
            out[indices.reshape(-1)] = gy._data.reshape(-1)
        return out.reshape(shape)

    def backward(ctx, g):
        return AsStridedView.apply(g, ctx.chain), None, None


class CopySlices(Op):
    """The base after an in-place op wrote one of its views: ``base`` stands for its old value,
    ``result`` for the view's new one (the in-place op's output). The memory already holds the
    new values, so forward returns it as it is."""
    node_name = "CopySlices"

    def name(self):
        return "torch::autograd::CopySlices"  # torch's C++ node names itself by its qualified name

    def forward(ctx, base, result, chain):
        ctx.chain = chain
        return base._data

    def backward(ctx, gy):
        need = ctx.needs_input_grad
        grad_base = grad_result = None
        if need[0]:
            backend = gy._backend
            xp = backend.xp
            keep = xp.ones(gy._data.size, dtype=gy._data.dtype)
            keep[_region_indices(gy._data.shape, backend, ctx.chain).reshape(-1)] = 0
            grad_base = gy * Tensor._make(keep.reshape(gy._data.shape), backend)
        if need[1]:
            grad_result = AsStridedView.apply(gy, ctx.chain)
        return grad_base, grad_result, None


def regenerate_grad_fn(t, view):
    """``t``'s node after its base or another view of it was written in place (torch rebuilds it
    when grad_fn is read): the region of the base's current node, or None where neither the view
    nor its base takes part in autograd."""
    base = view.base
    if t._grad_fn is None and not base._requires_grad:
        return None
    if view.creation != view_meta.DEFAULT:
        raise _rebase_error(t, view, indirect=True)
    with grad_mode.enable_grad():
        node = AsStridedView.apply(base, view.chain)._grad_fn
    old_node, old_nr = t._grad_fn, t._output_nr
    t._grad_fn = node
    t._output_nr = 0
    t._requires_grad = True
    t._move_retained(old_node, old_nr)
    view.version = t._version[0]
    return node


def _rebase_error(t, view, indirect):
    node = t._grad_fn
    name = None if node is None else _short_name(node.node_name)
    return view_meta.rebase_error(view, name, t._output_nr, indirect)


def check_inplace(t, recording, op):
    """torch's checks before the in-place ``op`` writes the view ``t``: no internal overlap (an
    expanded view), and, when the op would be recorded, no view made in no_grad mode or by a
    several-view op, and no view of a leaf that requires grad."""
    view = t._view
    data = t._data
    if data.size > 1 and _has_repeats(data):
        raise op_note(RuntimeError(_OVERLAP), op, t)
    if not grad_mode._state.enabled:
        return
    if recording or t._requires_grad or view.base._requires_grad:
        if view.creation != view_meta.DEFAULT:
            raise op_note(_rebase_error(t, view, indirect=False), op, t)
        base = view.base
        if t._requires_grad and base._grad_fn is None and base._requires_grad:
            raise op_note(RuntimeError(_VIEW_OF_LEAF), op, t)


def rebase(t, result):
    """After ``result`` (the recorded in-place op's output) was written into the view ``t``: the
    base takes a CopySlices node, and ``t`` a new node on its next read of grad_fn."""
    view = t._view
    base = view.base
    old = Tensor._make(base._data, base._backend, base._requires_grad, base._grad_fn,
                       base._output_nr)
    node = CopySlices.apply(old, result, view.chain)._grad_fn
    base._grad_fn = node
    base._output_nr = 0
    base._requires_grad = True
    base._move_retained(old._grad_fn, old._output_nr)
    t_node, t_nr = t._grad_fn, t._output_nr
    t._grad_fn = None
    t._requires_grad = True
    t._move_retained(t_node, t_nr)  # retained again by the node grad_fn is rebuilt as
    view.version = -1  # stale: grad_fn is rebuilt from the base's new node
