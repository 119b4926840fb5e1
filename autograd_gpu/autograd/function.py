"""Graph nodes. A node is both the ``ctx`` of an op and the ``grad_fn`` of its outputs.

Three kinds:
- ``Op``: the library's differentiable ops. ``forward(ctx, *args)`` receives Tensors (and plain
  parameters) and returns arrays; ``backward(ctx, *grads)`` receives and returns Tensors and is
  written in differentiable ops, so ``create_graph=True`` gives higher-order gradients.
- ``Function``: torch's ``autograd.Function`` for users: forward receives and returns Tensors.
- ``AccumulateGrad``: the node of a leaf that requires grad; it adds into ``leaf.grad``.

Gradients are summed back to each input's shape (broadcasting) and cast to its dtype once, here,
in ``Node._backward_inputs``: ops never repeat that logic.
"""
import inspect
import itertools
import re
import weakref

from .. import dtypes
from ..backend import float_errors
from . import anomaly_mode, grad_mode, out_of_memory, view_meta

Tensor = None  # bound by tensor.py once the class exists (tensor.py imports this module)

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward.")

_float_state, _SILENT = float_errors.state, float_errors.SILENT
_silence, _restore = float_errors.silence, float_errors.restore

_FREED = ()  # marks released saved tensors (an empty tuple is falsy and cheap to compare by identity)


class RemovableHandle:
    """Returned by ``register_hook``: ``handle.remove()`` unregisters the hook. ``id`` numbers the
    handles of the process in order, as torch's do."""

    __slots__ = ("_hooks", "_hook", "id")
    _next_id = itertools.count()

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook
        self.id = next(RemovableHandle._next_id)

    def remove(self):
        """Unregisters the hook and lets go of it: a handle kept after removal holds nothing."""
        if self._hooks is not None:
            try:
                self._hooks.remove(self._hook)
            except ValueError:
                pass
        self._hooks = self._hook = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Node:
    """A backward graph node. Class-level defaults keep node creation cheap."""

    node_name = "Node"
    next_functions = ()
    needs_input_grad = ()
    _saved = None            # tuple of (tensor, version) saved inputs, or _FREED
    _saved_outputs = None    # tuple of (array, version_counter, version) saved outputs, or _FREED
    _input_meta = ()         # per tensor argument: (shape, dtype) if it needs a grad, else None
    _tensor_positions = ()   # position of each tensor argument among forward's arguments
    _output_meta = None      # per output (shape, dtype, backend), kept only for several outputs
    _tensor_pre_hooks = None  # {output_nr: [hook]} registered through Tensor.register_hook
    _retained = None         # {output_nr: weakref(tensor)} for Tensor.retain_grad
    _pre_hooks = None        # node hooks: fn(grad_outputs)
    _post_hooks = None       # node hooks: fn(grad_inputs, grad_outputs)
    _backend = None
    _anomaly_trace = None    # anomaly mode: the stack of the forward call that created this node
    _anomaly_parent = None   # anomaly mode: the node whose backward created this one

    def name(self):
        return self.node_name

    def __repr__(self):
        return f"<{self.node_name} object at {hex(id(self))}>"

    # -- saved tensors ---------------------------------------------------------------------------
    def save_for_backward(self, *tensors):
        """Saves inputs (Tensors or None) for backward, with their versions for the in-place check."""
        self._saved = tuple(None if t is None else (t, t._version[0]) for t in tensors)

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is _FREED:
            raise RuntimeError(_FREED_MESSAGE)
        if saved is None:
            return ()
        out = []
        for entry in saved:
            if entry is None:
                out.append(None)
                continue
            t, version = entry
            if t._version[0] != version:
                raise RuntimeError(_modified_message(t, t._version[0], version))
            out.append(t)
        return tuple(out)

    @property
    def saved_outputs(self):
        """This node's saved outputs as Tensors whose grad_fn is this node (for double backward)."""
        saved = self._saved_outputs
        if saved is _FREED:
            raise RuntimeError(_FREED_MESSAGE)
        out = []
        for nr, (array, counter, version) in enumerate(saved):
            if counter[0] != version:
                raise RuntimeError(_modified_message_output(self, array, counter[0], version, nr))
            out.append(Tensor._make(array, self._backend, True, self, nr, counter))
        return tuple(out)

    def _release(self):
        if self._saved is not None:
            self._saved = _FREED
        if self._saved_outputs is not None:
            self._saved_outputs = _FREED

    # -- hooks -----------------------------------------------------------------------------------
    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node's backward."""
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(fn)
        return RemovableHandle(self._post_hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node's backward; may return replacements."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(fn)
        return RemovableHandle(self._pre_hooks, fn)

    # -- backward --------------------------------------------------------------------------------
    def backward(self, *grad_outputs):
        raise NotImplementedError(f"{type(self).__name__} has no backward")

    def _call_backward(self, grad_outputs):
        grads = self.backward(*grad_outputs)
        return grads if type(grads) is tuple else (grads,)

    def _backward_inputs(self, grad_outputs):
        """Runs ``backward`` and returns one gradient (or None) per entry of next_functions,
        summed to the input's shape and cast to its dtype."""
        grads = self._call_backward(grad_outputs)
        n = len(grads)
        result = []
        for pos, meta in zip(self._tensor_positions, self._input_meta):
            if meta is None or pos >= n:
                result.append(None)
                continue
            g = grads[pos]
            if g is not None:
                shape, dtype = meta
                if g._data.shape != shape:
                    if not _expandable(shape, g._data.shape):
                        raise RuntimeError(
                            f"Function {self.node_name} returned an invalid gradient at index "
                            f"{len(result)} - got {list(g._data.shape)} but expected shape "
                            f"compatible with {list(shape)}")
                    g = _sum_to(g, shape)
                if g.dtype is not dtype:
                    g = g.to(dtype)
            result.append(g)
        return result

    def _materialize(self, grad_outputs):
        """Zeros for outputs of a several-output node that received no gradient."""
        if self._output_meta is None:
            return grad_outputs
        out = []
        for g, meta in zip(grad_outputs, self._output_meta):
            if g is None and meta is not None:  # None: a Function's output that is no Tensor
                shape, dt, backend = meta
                g = Tensor._make(backend.xp.zeros(shape, dtype=dt.np), backend)
            out.append(g)
        return out


def _expandable(shape, to):
    """Whether ``shape`` broadcasts to ``to`` (a gradient of shape ``to`` sums back to it)."""
    if len(shape) > len(to):
        return False
    return all(s == t or s == 1 for s, t in zip(reversed(shape), reversed(to)))


def _sum_to(g, shape):
    from ..ops.reduction import sum_to_shape  # noqa: PLC0415 - ops import this module

    return sum_to_shape(g, shape)


def _modified_message(t, now, expected):
    # torch names the tensor's current node, without its "Backward0" suffix; leaves get no name
    owner = (f"output {t._output_nr} of {_short_name(t.grad_fn.node_name)}"
             if t.grad_fn is not None else None)
    return _modified_text(t.dtype.name, tuple(t.shape), t.device, owner, now, expected)


def _modified_message_output(node, array, now, expected, nr):
    from ..dtypes import from_numpy_dtype  # noqa: PLC0415

    return _modified_text(from_numpy_dtype(array.dtype).name, array.shape, node._backend.device,
                          f"output {nr} of {_short_name(node.node_name)}", now, expected)


def _short_name(node_name):
    """``ExpBackward0`` -> ``Exp``, as torch's saved-variable messages print a node."""
    return re.sub(r"Backward\d*$", "", node_name) or node_name


def _modified_text(dtype_name, shape, device, owner, now, expected):
    kind = dtypes._by_name[dtype_name].scalar_name
    prefix = "torch.cuda." if device.type == "cuda" else "torch."
    dims = ", ".join(str(s) for s in shape)
    which = f", which is {owner}," if owner is not None else ""
    if anomaly_mode._enabled:  # torch's hint depends on whether a forward traceback was printed
        hint = ("the backtrace further above shows the operation that failed to compute its "
                "gradient. The variable in question was changed in there or anywhere later. Good "
                "luck!")
    else:
        hint = ("enable anomaly detection to find the operation that failed to compute its "
                "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")
    return (f"one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [{prefix}{kind}Tensor [{dims}]]{which} is at version {now}; expected version "
            f"{expected} instead. Hint: {hint}")


class AccumulateGrad(Node):
    """The node of a leaf tensor that requires grad: backward adds into ``variable.grad``."""

    node_name = "AccumulateGrad"

    def name(self):
        return "torch::autograd::AccumulateGrad"  # torch's C++ node: its qualified name

    def __init__(self, variable):
        self.variable = variable


def _mixed_backend(cls, backend, first, a):
    """A 0-d cpu tensor may join tensors of another device (torch's rule); anything else raises."""
    if a._data.ndim == 0 and a._backend.device.type == "cpu":
        return backend, first
    if first._data.ndim == 0 and backend.device.type == "cpu":
        return a._backend, a
    raise device_mismatch(cls._op_label(), first, a)


def device_mismatch(op, expected, found):
    """torch's error for tensors on two devices (its wording: "when checking arguments for" the
    op), with a note naming ``op`` and both tensors."""
    from ..tensor import op_note  # noqa: PLC0415 - tensor.py imports this module

    return op_note(RuntimeError(
        f"Expected all tensors to be on the same device, but found at least two devices, "
        f"{expected.device} and {found.device}! (when checking arguments for {op})"),
        op, expected, found)


class Op(Node):
    """Base of the library's differentiable ops: ``forward`` returns arrays (one or a tuple).

    Subclasses set ``node_name`` (torch's grad_fn name), and optionally ``is_view`` (outputs share
    the first input's version counter) and ``save_outputs`` (backward reads ``ctx.saved_outputs``).
    """

    is_view = False
    save_outputs = False
    fixed_positions = None  # argument positions shown in next_functions even for Python numbers
    op_name = None  # the name used in error messages; defaults to node_name without "Backward0"

    def forward(ctx, *args):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args):
        ctx = cls.__new__(cls)
        backend = None
        requires = False
        positions = []
        needs = []
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                if backend is None:
                    backend = a._backend
                    first = a
                elif a._backend is not backend:
                    backend, first = _mixed_backend(cls, backend, first, a)
                positions.append(i)
                r = a._requires_grad
                needs.append(r)
                requires = requires or r
            else:
                needs.append(False)
        record = requires and grad_mode._state.enabled
        if record:
            ctx.needs_input_grad = tuple(needs)
        else:
            ctx.needs_input_grad = (False,) * len(needs)
        ctx._backend = backend
        # NaN and Inf come without numpy's warnings, as in torch (see backend/float_errors.py)
        quiet = None if _float_state() is _SILENT else _silence()
        try:
            out = ctx.forward(*args)
        except MemoryError as err:
            out_of_memory.reraise(err, None if backend is None else backend.device)
        finally:
            if quiet is not None:
                _restore(quiet)
        backend = ctx._backend  # forward may move the result (ToCopy, a cpu scalar joining cuda)
        if type(out) is tuple:
            return ctx._wrap_outputs(out, args, record, positions)
        if cls.is_view:
            x = args[0]
            if record and out.dtype.kind == "f":
                ctx._connect(args, positions)
                y = Tensor._make(out, backend, True, ctx, 0, x._version)
            else:
                y = Tensor._make(out, backend, False, None, 0, x._version)
            y._view = view_meta.derive(x, cls, args[1:], None, False)
            return y
        if record and out.dtype.kind == "f":
            ctx._connect(args, positions)
            y = Tensor._make(out, backend, True, ctx, 0)
            if cls.save_outputs:
                ctx._saved_outputs = ((out, y._version, y._version[0]),)
            return y
        return Tensor._make(out, backend, False, None, 0)

    def _connect(self, args, positions):
        nexts = []
        meta = []
        if self.fixed_positions is not None:
            positions = self.fixed_positions
        for i in positions:
            a = args[i]
            if isinstance(a, Tensor) and a._requires_grad:
                fn = a._grad_fn if a._view is None else a.grad_fn  # a view's may need rebuilding
                nexts.append((fn, a._output_nr) if fn is not None else (a._accumulator(), 0))
                meta.append((a._data.shape, a.dtype))
            else:
                nexts.append((None, 0))
                meta.append(None)
        self.next_functions = tuple(nexts)
        self._input_meta = meta
        self._tensor_positions = positions
        if anomaly_mode._enabled:
            anomaly_mode.record_forward(self)

    def _wrap_outputs(self, arrays, args, record, positions):
        backend = self._backend
        version = args[0]._version if self.is_view else None
        if record:
            self._connect(args, positions)
            self._output_meta = [(a.shape, _dtype_of(a), backend) for a in arrays]
        outs = tuple(
            Tensor._make(a, backend, True, self, nr, version) if record and a.dtype.kind == "f"
            else Tensor._make(a, backend, False, None, 0, version)
            for nr, a in enumerate(arrays))
        if record and self.save_outputs:
            self._saved_outputs = tuple((t._data, t._version, t._version[0]) for t in outs)
        if self.is_view:
            x, rest = args[0], args[1:]
            for nr, t in enumerate(outs):
                t._view = view_meta.derive(x, type(self), rest, nr, True)
        return outs

    @classmethod
    def _op_label(cls):
        if cls.op_name:
            return cls.op_name
        name = cls.node_name
        return name[:-len("Backward0")].lower() if name.endswith("Backward0") else name


def _dtype_of(array):
    from ..dtypes import from_numpy_dtype  # noqa: PLC0415

    return from_numpy_dtype(array.dtype)


class _FunctionMeta(type):
    """Names a user Function's node ``<Name>Backward`` as torch does."""

    def __init__(cls, name, bases, ns):
        super().__init__(name, bases, ns)
        cls.node_name = f"{name}Backward"


class Function(Op, metaclass=_FunctionMeta):
    """torch's ``autograd.Function``: subclass it with static ``forward(ctx, *args)`` and
    ``backward(ctx, *grad_outputs)`` working on Tensors, then call ``MyFn.apply(*args)``.

    ``ctx.save_for_backward`` may save inputs or outputs; ``ctx.needs_input_grad``,
    ``ctx.mark_non_differentiable`` and ``ctx.set_materialize_grads`` behave as in torch.
    """

    def __repr__(self):
        return f"<autograd_gpu.autograd.function.{self.node_name} object at {hex(id(self))}>"

    @staticmethod
    def setup_context(ctx, inputs, output):
        """torch 2's separate forward: ``forward(*args)`` without ctx, then this fills ctx."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        """Keyword arguments go to forward as given (torch tracks only positional Tensors);
        with ``setup_context`` defined, they are bound to forward's signature first."""
        separate = cls.setup_context is not Function.setup_context
        if separate:
            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, bound.kwargs
        ctx = cls.__new__(cls)
        backend, positions, needs = None, [], []
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                if backend is None:
                    backend, first = a._backend, a
                elif a._backend is not backend:
                    raise device_mismatch(cls.__name__, first, a)
                positions.append(i)
                needs.append(a._requires_grad)
            else:
                needs.append(False)
        record = any(needs) and grad_mode._state.enabled
        ctx.needs_input_grad = tuple(needs) if record else (False,) * len(needs)
        ctx._backend = backend
        ctx._non_differentiable = ()
        ctx._dirty = ()
        ctx._materialize_grads = True
        try:
            with grad_mode.no_grad():
                if separate:
                    out = cls.forward(*args, **kwargs)
                    cls.setup_context(ctx, args, out)
                else:
                    out = cls.forward(ctx, *args, **kwargs)
        except MemoryError as err:
            out_of_memory.reraise(err, None if backend is None else backend.device)
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        saved = ctx._saved
        if record:
            ctx._connect(args, positions)
            ctx._output_meta = [(o._data.shape, o.dtype, o._backend) if isinstance(o, Tensor)
                                else None for o in outs]
        results = []
        for nr, o in enumerate(outs):
            if not isinstance(o, Tensor):  # other outputs pass through, as in torch
                results.append(o)
                continue
            if o._view is None and any(o is d for d in ctx._dirty):
                results.append(ctx._rebase_dirty(o, nr, record))
                continue
            differentiable = (record and o.dtype.is_floating_point
                              and not any(o is nd for nd in ctx._non_differentiable))
            if differentiable:
                r = Tensor._make(o._data, o._backend, True, ctx, nr, o._version)
            else:
                r = Tensor._make(o._data, o._backend, False, None, 0, o._version)
            results.append(r)
        if record and saved:
            ctx._split_saved_outputs(saved, outs, results)
        return results[0] if single else tuple(results)

    def _rebase_dirty(self, t, nr, record):
        """A dirty (modified in place) input returned as output ``nr``: the same Tensor, whose
        grad_fn becomes this node."""
        if not record:
            return t
        if t._grad_fn is None and t._requires_grad:
            raise RuntimeError("a leaf Variable that requires grad has been used in an in-place "
                               "operation.")
        if t.dtype.is_floating_point and not any(t is nd for nd in self._non_differentiable):
            old_node, old_nr = t._grad_fn, t._output_nr
            t._grad_fn, t._output_nr, t._requires_grad = self, nr, True
            t._move_retained(old_node, old_nr)
        return t

    def _split_saved_outputs(self, saved, outs, results):
        """Saved outputs must not hold their own node alive: keep their arrays instead."""
        inputs, outputs = [], []
        for entry in saved:
            match = None if entry is None else next(
                (nr for nr, o in enumerate(outs) if o is entry[0]), None)
            if match is None:
                inputs.append(entry)
            else:
                inputs.append(_SavedOutput(match))
                r = results[match]
                outputs.append((r._data, r._version, r._version[0]))
        self._saved = tuple(inputs)
        self._saved_outputs = tuple(outputs)

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is _FREED:
            raise RuntimeError(_FREED_MESSAGE)
        if not saved:
            return ()
        outputs = self.saved_outputs if self._saved_outputs else ()
        result = []
        for entry in saved:
            if entry is None:
                result.append(None)
            elif type(entry) is _SavedOutput:
                result.append(outputs[entry.nr])
            else:
                t, version = entry
                if t._version[0] != version:
                    raise RuntimeError(_modified_message(t, t._version[0], version))
                result.append(t)
        return tuple(result)

    def save_for_backward(self, *tensors):
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} is of "
                                f"type {type(t).__name__}")
        Node.save_for_backward(self, *tensors)

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = tensors

    def set_materialize_grads(self, value):
        self._materialize_grads = bool(value)

    def mark_dirty(self, *tensors):
        """Inputs forward modified in place: apply returns them (not new Tensors), and they take
        this node as their grad_fn, as in torch. A dirty view still comes back as a new Tensor
        (its base's graph would need CopySlices, which this does not build)."""
        self._dirty = tensors

    def _materialize(self, grad_outputs):
        if not self._materialize_grads:
            return grad_outputs
        return Node._materialize(self, grad_outputs)

    def _call_backward(self, grad_outputs):
        grads = type(self).backward(self, *grad_outputs)
        if type(grads) is not tuple:
            grads = (grads,)
        expected = len(self.needs_input_grad)
        if len(grads) > expected and all(g is None for g in grads[expected:]):
            grads = grads[:expected]  # torch drops extra trailing Nones
        for g in grads:
            if g is not None and not isinstance(g, Tensor):
                raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
        if len(grads) != expected:
            raise RuntimeError(f"function {self.node_name} returned an incorrect number of gradients "
                               f"(expected {len(self.needs_input_grad)}, got {len(grads)})")
        return grads


class _SavedOutput:
    """Stands in a user Function's saved tuple for one of its own outputs."""

    __slots__ = ("nr",)

    def __init__(self, nr):
        self.nr = nr


def once_differentiable(fn):
    """Decorator for a Function's backward that is not itself differentiable: runs it in no_grad."""
    import functools

    @functools.wraps(fn)
    def wrapper(ctx, *grads):
        with grad_mode.no_grad():
            return fn(ctx, *grads)

    return wrapper


def leaf_accumulator(tensor):
    """The tensor's AccumulateGrad node, created on first use and cached weakly (as torch does)."""
    ref = tensor._accumulator_ref
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(tensor)
        tensor._accumulator_ref = weakref.ref(node)
    return node
