"""The backward engine: walks the graph iteratively from the roots, running each node once, after
every node that consumes its outputs has passed it a gradient (Kahn's algorithm on the reversed
graph), so a chain of any length needs no recursion.

With anomaly detection on (``anomaly_mode``), each node runs through
``anomaly_mode.run_checked``, and a failing node's forward traceback is reported before its error
propagates. CuPy's out-of-memory error leaves as ``out_of_memory.OutOfMemoryError``. Neither costs
anything otherwise."""
import sys

from ..backend import float_errors
from . import anomaly_mode, function, grad_mode, out_of_memory
from .function import AccumulateGrad, leaf_accumulator


def _root_edge(t):
    fn = t.grad_fn
    return (fn, t._output_nr) if fn is not None else (leaf_accumulator(t), 0)


def _needed_nodes(roots, targets):
    """Nodes from which some target node can be reached (the only ones worth running)."""
    needed = set()
    state = {}  # node -> False while on the stack, True when finished
    for root in roots:
        if root in state:
            continue
        stack = [(root, iter(root.next_functions))]
        state[root] = False
        while stack:
            node, children = stack[-1]
            advanced = False
            for child, _ in children:
                if child is None:
                    continue
                if child not in state:
                    state[child] = False
                    stack.append((child, iter(child.next_functions)))
                    advanced = True
                    break
                if child in needed:
                    needed.add(node)
            if advanced:
                continue
            stack.pop()
            state[node] = True
            if node in targets:
                needed.add(node)
            if stack and node in needed:
                needed.add(stack[-1][0])
    return needed


def _count_dependencies(roots, needed):
    deps = {}
    seen = set(roots)
    stack = list(seen)
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None or (needed is not None and child not in needed):
                continue
            deps[child] = deps.get(child, 0) + 1
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return deps


def _add(buffers, node, nr, g):
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * _num_outputs(node)
    buf[nr] = g if buf[nr] is None else buf[nr] + g


def _num_outputs(node):
    meta = node._output_meta
    return 1 if meta is None else len(meta)


def _apply_tensor_hooks(node, buf, create_graph):
    """Tensor.register_hook and retain_grad on a non-leaf: they see its total gradient."""
    hooks = node._tensor_pre_hooks
    if hooks:
        for nr, fns in hooks.items():
            if buf[nr] is None:
                continue
            for fn in list(fns):
                r = fn(buf[nr])
                if r is not None:
                    buf[nr] = _checked_value(fn, buf[nr], r)
    retained = node._retained
    if retained:
        for nr, ref in retained.items():
            t = ref()
            if t is not None and buf[nr] is not None:
                _store_retained(t, buf[nr], create_graph)


def _store_retained(t, g, create_graph):
    g = g if create_graph else g.detach()
    if t._grad is None:
        t._grad = g if create_graph else g.clone()
    else:
        t._grad = t._grad + g


def _run_leaf_hooks(t, g):
    """Tensor.register_hook on a leaf: each hook sees the gradient and may replace it."""
    for fn in list(t._hooks):
        r = fn(g)
        if r is not None:
            g = _checked_value(fn, g, r)
    return g


def _run_post_accumulate_hooks(t):
    for fn in list(t._post_acc_hooks):
        if fn(t) is not None:
            raise RuntimeError("Tensor post accumulate grad hooks should return None.")


def _hook_name(fn):
    return getattr(fn, "__name__", "<unknown>")


def _checked_value(fn, old, new):
    """A hook's replacement gradient, with torch's checks (python_hook.cpp): a Tensor of the same
    type (dtype and device) and size as the gradient it replaces."""
    Tensor = function.Tensor
    if not isinstance(new, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
    if new.dtype is not old.dtype or new._backend is not old._backend:
        from ..tensor import _legacy_type_name  # noqa: PLC0415 - tensor.py imports this package

        raise RuntimeError(f"hook '{_hook_name(fn)}' has changed the type of value (was "
                           f"{_legacy_type_name(old)} got {_legacy_type_name(new)})")
    if new._data.shape != old._data.shape:
        raise RuntimeError(f"hook '{_hook_name(fn)}' has changed the size of value")
    return new


def _checked_values(fn, old, new):
    """A node hook's replacement tuple: as many values as it was given, each None or checked."""
    if not isinstance(new, (tuple, list)):
        raise TypeError(f"expected tuple, but hook returned '{type(new).__name__}'")
    if len(new) != len(old):
        raise RuntimeError(f"hook '{_hook_name(fn)}' has returned an incorrect number of values "
                           f"(got {len(new)}, but expected {len(old)})")
    return [v if v is None or o is None else _checked_value(fn, o, v) for o, v in zip(old, new)]


def accumulate_into_leaf(t, g, create_graph, owned=False):
    """AccumulateGrad: ``t.grad = g`` the first time, ``t.grad += g`` after (hooks already ran).

    The first gradient is copied, as the incoming array may be shared (Add passes one gradient to
    both inputs, a view's backward returns a view, a hook may keep what it is given), unless the
    caller found it ``owned``: nothing else can see it (``_adoptable``), so ``.grad`` may keep it.
    """
    grad = t._grad
    if create_graph:
        t._grad = g if grad is None else grad + g
    elif grad is None:
        t._grad = function.Tensor._make(g._data, g._backend) if owned else g.detach().clone()
    elif grad._requires_grad:
        t._grad = grad.detach() + g.detach()
    else:
        grad._data += g._data
        grad._version[0] += 1


class _Probe:
    """Stands for a gradient Tensor when counting the references a sole owner leaves."""

    __slots__ = ("_data",)

    def __init__(self, data):
        self._data = data


def _reference_counts(g):
    return sys.getrefcount(g), sys.getrefcount(g._data)


def _sole_reference_counts():
    """What ``_reference_counts(g)`` reports for a ``g`` held by one local variable of its caller
    and whose ``_data`` only ``g`` holds (the count differs between interpreter versions)."""
    probe = _Probe(object())
    return _reference_counts(probe)


_SOLE = _sole_reference_counts()


def _adoptable(g):
    """A gradient that ``.grad`` may keep without a copy, given that the caller holds the only
    reference to it and it holds the only reference to its array (``_reference_counts(g) ==
    _SOLE``, called on a local variable, exactly as the probe is counted): the array must also own
    its memory (a view keeps its base alive through a reference, so an array others view is never
    sole) and be C-contiguous. A gradient freshly computed by a backward passes; torch steals such
    a gradient too."""
    data = g._data
    return data.base is None and data.flags.c_contiguous and not g._requires_grad


def _executed_nodes(needed):
    """Of the nodes on a path to a target, those whose backward must run: the ones with a needed
    child (a target node with nothing needed below it only receives its gradient)."""
    return {n for n in needed if type(n) is not AccumulateGrad
            and any(c in needed for c, _ in n.next_functions)}


def run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs=None, accumulate=True):
    """Backpropagates ``grad_tensors`` from ``tensors``.

    accumulate=True (Tensor.backward): gradients are added into leaves' ``.grad`` (only into those
    of ``inputs`` when given, which may also be non-leaves). accumulate=False (autograd.grad):
    nothing is accumulated; the gradients reaching ``inputs`` are returned, one per input (None
    where none arrives).
    """
    roots = []
    buffers = {}
    for t, g in zip(tensors, grad_tensors):
        node, nr = _root_edge(t)
        roots.append(node)
        _add(buffers, node, nr, g)
    roots = list(dict.fromkeys(roots))

    targets = captured = needed = executed = None
    if inputs is not None:
        targets = {}
        for i, t in enumerate(inputs):
            targets.setdefault(_root_edge(t), []).append(i)
        captured = [None] * len(inputs)
        needed = _needed_nodes(roots, {n for n, _ in targets})
        executed = _executed_nodes(needed)

    deps = _count_dependencies(roots, needed)
    ready = [n for n in roots if n not in deps]
    anomaly = anomaly_mode._enabled
    node = None
    prev_mode = grad_mode._state.enabled
    grad_mode._state.enabled = create_graph
    quiet = float_errors.silence()  # once for the whole pass: the ops inside skip their own
    try:
        while ready:
            node = ready.pop()
            buf = buffers.pop(node, None)
            if type(node) is AccumulateGrad:
                g = None if buf is None else buf[0]
                buf = None  # g is now held by this frame alone, if by nothing else
                if g is None:
                    continue
                leaf = node.variable
                if leaf._hooks:
                    g = _run_leaf_hooks(leaf, g)
                if targets is None:
                    if accumulate:
                        owned = (not create_graph and leaf._grad is None
                                 and _reference_counts(g) == _SOLE and _adoptable(g))
                        accumulate_into_leaf(leaf, g, create_graph, owned)
                        if leaf._post_acc_hooks:
                            _run_post_accumulate_hooks(leaf)
                    continue
                indices = targets.get((node, 0))
                if indices:
                    for i in indices:
                        captured[i] = g if captured[i] is None else captured[i] + g
                    if accumulate:
                        accumulate_into_leaf(leaf, g, create_graph)
                        if leaf._post_acc_hooks:
                            _run_post_accumulate_hooks(leaf)
                continue

            grad_inputs = None
            if buf is not None:
                if node._tensor_pre_hooks or node._retained:
                    _apply_tensor_hooks(node, buf, create_graph)
                if targets is not None:
                    _capture(node, buf, targets, inputs, captured, accumulate, create_graph)
                if executed is None or node in executed:
                    if anomaly:
                        grad_inputs = anomaly_mode.run_checked(_run_node, node, buf)
                    else:
                        grad_inputs = _run_node(node, buf)
                    if not retain_graph:
                        node._release()

            if grad_inputs is None:  # nothing to pass on; the children still count this node done
                for child, _ in node.next_functions:
                    if child is None or (needed is not None and child not in needed):
                        continue
                    left = deps[child] - 1
                    deps[child] = left
                    if left == 0:
                        ready.append(child)
                continue
            for (child, nr), g in zip(node.next_functions, grad_inputs):
                if child is None or (needed is not None and child not in needed):
                    continue
                if g is not None:
                    b = buffers.get(child)
                    if b is None:
                        meta = child._output_meta
                        b = buffers[child] = [None] if meta is None else [None] * len(meta)
                    old = b[nr]
                    b[nr] = g if old is None else old + g
                left = deps[child] - 1
                deps[child] = left
                if left == 0:
                    ready.append(child)
            # no variable of this frame may still hold a gradient passed on (see _adoptable)
            grad_inputs = g = b = old = None
    except Exception as err:
        if anomaly_mode._enabled and node is not None:
            anomaly_mode.report(node)
        if isinstance(err, MemoryError):
            out_of_memory.reraise(err, _device_of(node))
        raise
    finally:
        grad_mode._state.enabled = prev_mode
        float_errors.restore(quiet)
    return captured


def _device_of(node):
    if type(node) is AccumulateGrad:
        return node.variable.device
    return None if node is None or node._backend is None else node._backend.device


def _run_node(node, grad_outputs):
    """One node's backward with its node hooks: a gradient (or None) per next_functions entry."""
    if node._output_meta is not None:
        grad_outputs = node._materialize(grad_outputs)
    if node._pre_hooks:
        for fn in list(node._pre_hooks):
            r = fn(tuple(grad_outputs))
            if r is not None:
                grad_outputs = _checked_values(fn, grad_outputs, r)
    grad_inputs = node._backward_inputs(grad_outputs)
    if node._post_hooks:
        for fn in list(node._post_hooks):  # torch's post hooks may replace grad_inputs too
            r = fn(tuple(grad_inputs), tuple(grad_outputs))
            if r is not None:
                grad_inputs = _checked_values(fn, grad_inputs, r)
    return grad_inputs


def _capture(node, buf, targets, inputs, captured, accumulate, create_graph):
    """autograd.grad's and backward(inputs=)'s non-leaf inputs: the gradient reaching them."""
    for nr, g in enumerate(buf):
        if g is None:
            continue
        for i in targets.get((node, nr), ()):
            captured[i] = g if captured[i] is None else captured[i] + g
            t = inputs[i]
            if accumulate and not t._retains_grad:
                accumulate_into_leaf(t, g, create_graph)
