"""``backward`` and ``grad``: the public entry points into the engine, with torch's checks."""
import warnings

from . import function as _function
from .engine import run_backward

_CREATE_GRAPH_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the parameter "
    "and its gradient which can cause a memory leak. We recommend using autograd.grad when "
    "creating the graph to avoid this. If you have to use this function, make sure to reset the "
    ".grad fields of your parameters to None after use to break the cycle and avoid the leak.")
_warned_create_graph = False  # torch warns once per process (TORCH_WARN_ONCE)


def _as_tuple(x):
    if x is None:
        return None
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _make_grads(outputs, grad_outputs, is_grads_batched=False):
    """One gradient per output, checked as torch's ``_make_grads`` (pairs first, zip's way), then
    the counts as its engine does."""
    Tensor = _function.Tensor
    grads = []
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if not out._requires_grad:  # the engine's "does not require grad" comes next
                grads.append(None)
                continue
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out.is_floating_point():
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but "
                                   f"got {out.dtype}")
            g = Tensor._make(out._backend.xp.ones(out._data.shape, dtype=out._data.dtype),
                             out._backend)
        elif not isinstance(g, Tensor):
            from ..tensor import op_note  # noqa: PLC0415 - tensor imports this module

            raise op_note(TypeError(f"gradients can be either Tensors or None, but got "
                                    f"{type(g).__name__}"), "backward", out)
        else:
            shape = g._data.shape[1:] if is_grads_batched else g._data.shape
            if is_grads_batched and shape != out._data.shape:
                raise RuntimeError(
                    "If `is_grads_batched=True`, we interpret the first dimension of each "
                    "grad_output as the batch dimension. The sizes of the remaining dimensions are "
                    "expected to match the shape of corresponding output, but a mismatch was "
                    f"detected: grad_output[{i}] has a shape of {g.shape[1:]} and output[{i}] has a "
                    f"shape of {out.shape}. If you only want some tensors in `grad_output` to be "
                    "considered batched, consider using vmap.")
            if shape != out._data.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                                   f"output[{i}] has a shape of {out.shape}.")
            if g._backend is not out._backend:
                raise RuntimeError(f"invalid gradient at index {i} - expected device {out.device} but "
                                   f"got {g.device}")
            if g.dtype is not out.dtype:
                g = g.to(out.dtype)
        grads.append(g)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    return grads


def _check_outputs(outputs):
    for i, t in enumerate(outputs):
        if not t._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a "
                               "grad_fn")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None):
    """Accumulates into the leaves' ``.grad`` the gradient of ``tensors`` (weighted by
    ``grad_tensors``); frees the graph unless ``retain_graph`` (default: ``create_graph``)."""
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors if grad_tensors is not None else grad_variables)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    grads = _make_grads(tensors, grad_tensors)
    _check_outputs(tensors)
    if inputs is not None:
        for t in inputs:  # torch's engine retains the grad of every input (a non-leaf keeps it)
            t.retain_grad()
    if create_graph:
        _warn_create_graph()
    run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated).

    ``is_grads_batched``: the first dimension of each grad_output indexes a batch of them; torch
    runs one backward under vmap, this runs one per batch entry (keeping the graph for the next)
    and stacks the gradients. A dict of inputs gives a dict of gradients, as in torch."""
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    outputs = _as_tuple(outputs)
    keys = None
    if type(inputs) is dict:
        keys, inputs = tuple(inputs), tuple(inputs.values())
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if not only_inputs:
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to True). To "
                      "accumulate gradient for other parts of the graph, please use "
                      "torch.autograd.backward.", FutureWarning, stacklevel=2)
    if allow_unused is None:
        allow_unused = materialize_grads
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(outputs, _as_tuple(grad_outputs), is_grads_batched)
    _check_outputs(outputs)
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if is_grads_batched:
        result = _batched(outputs, grads, retain_graph, create_graph, inputs)
    else:
        result = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs,
                              accumulate=False)
    out = []
    for i, (t, g) in enumerate(zip(inputs, result)):
        if g is None:
            if materialize_grads:
                from ..creation import zeros_like  # noqa: PLC0415

                g = zeros_like(t, requires_grad=create_graph)
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
        elif not create_graph:
            g = g.detach()
        out.append(g)
    return dict(zip(keys, out)) if keys is not None else tuple(out)


def _batched(outputs, grads, retain_graph, create_graph, inputs):
    from ..ops.shape import stack  # noqa: PLC0415 - ops import the autograd package

    n = next((g._data.shape[0] for g in grads if g is not None), 1)
    per_input = [[] for _ in inputs]
    for b in range(n):
        row = [None if g is None else g[b] for g in grads]
        keep = retain_graph if b == n - 1 else True
        for i, g in enumerate(run_backward(outputs, row, keep, create_graph, inputs=inputs,
                                           accumulate=False)):
            per_input[i].append(g)
    return [None if any(g is None for g in gs) else stack(gs) for gs in per_input]


def _warn_create_graph():
    global _warned_create_graph
    if not _warned_create_graph:
        _warned_create_graph = True
        warnings.warn(_CREATE_GRAPH_WARNING, UserWarning, stacklevel=3)
