"""``fuse``: a Python function of elementwise tensor ops becomes one graph node whose forward is one
evaluation of the traced expression (one generated CUDA kernel on the GPU, numpy on the cpu) and
whose backward is one evaluation of its symbolic derivative.

The function is traced once per signature: the dtypes of its tensor arguments and whether each is
0-d (both steer dtype promotion), the kinds of its scalar arguments (their values are run-time
parameters, so a changing learning rate does not retrace), the values of its other arguments, and
the default dtype. Shapes are not part of it: the program is shape-free and any broadcast of the
arguments runs it. The function must not branch on values or shapes.

The node's backward is itself a fused program applied as a node (``<Name>BackwardBackward``), so
``create_graph=True`` differentiates it again with the same machinery, to any order.
"""
import functools
import re

from .. import dtypes
from ..autograd.function import Op
from ..tensor import Tensor
from .trace import Tracer, param_kind, trace


def broadcast_shapes(label, shapes):
    """torch's broadcast of the arguments' shapes, or its error."""
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i, n in enumerate(s, ndim - len(s)):
            if n != 1 and out[i] != n:
                if out[i] != 1:
                    raise RuntimeError(
                        f"{label}: the size of tensor a ({out[i]}) must match the size of tensor b "
                        f"({n}) at non-singleton dimension {i} (shapes "
                        f"{', '.join(str(tuple(x)) for x in shapes)})")
                out[i] = n
    return tuple(out)


class FusedOp(Op):
    """The graph node of a fused function: ``apply(program, *tensors, *params)``, one Tensor (or
    None, for an input the program does not read) per program input, then its scalars."""

    node_name = "FusedBackward"

    def forward(ctx, program, *values):
        backend = ctx._backend
        n_inputs = len(program.input_dtypes)
        tensors, params = values[:n_inputs], values[n_inputs:]
        arrays = [None if t is None else
                  t._data if t._backend is backend else backend.asarray(t._data)
                  for t in tensors]
        shape = broadcast_shapes(ctx._op_label(), [arrays[k].shape for k in program.shape_inputs])
        outs = backend.fused_elementwise(program, arrays, params, shape)
        needs = tuple(ctx.needs_input_grad[1:1 + n_inputs])
        if any(needs):
            read = set(program.backward(needs).used_inputs)
            ctx.save_for_backward(*(t if k in read else None for k, t in enumerate(tensors)))
            ctx.program, ctx.params, ctx.needs = program, params, needs
        return outs[0] if len(outs) == 1 else tuple(outs)

    def backward(ctx, *grads):
        program = ctx.program
        backward = program.backward(ctx.needs)
        result = [None] * (1 + len(program.input_dtypes) + len(ctx.params))
        if not backward.outputs:
            return tuple(result)
        grads = [g if d.is_floating_point else None for g, d in zip(grads, program.output_dtypes)]
        node = node_class(backward_name(ctx.node_name), ctx.op_name)
        values = node.apply(backward, *ctx.saved_tensors, *grads, *ctx.params)
        if len(backward.outputs) == 1:
            values = (values,)
        for k, g in zip(backward.grad_inputs, values):
            result[1 + k] = g
        return tuple(result)


@functools.cache
def node_class(name, label):
    """The FusedOp subclass whose nodes print as ``<name object at ...>``."""
    return type(name, (FusedOp,), {"node_name": name, "op_name": label})


def backward_name(name):
    """torch's name of a node's backward: ``GeluBackward0`` -> ``GeluBackwardBackward0``."""
    renamed, count = re.subn(r"Backward(\d*)$", r"BackwardBackward\1", name)
    return renamed if count else f"{name}Backward"


class FusedFunction:
    """What ``fuse`` returns: call it with Tensors, Python scalars and other (hashable) values."""

    def __init__(self, fn, name=None):
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.label = f"fuse({getattr(fn, '__qualname__', repr(fn))})"
        self.node = node_class(name or "FusedBackward", self.label)
        self.trace_count = 0  # how many signatures have been traced (tests and curious users)
        self._traces = {}

    def __repr__(self):
        return f"<fused function {self.label}>"

    def __call__(self, *args, **kwargs):
        if kwargs:
            raise TypeError(f"{self.label}: fused functions take positional arguments only, got "
                            f"{', '.join(kwargs)}")
        for a in args:
            if isinstance(a, Tensor) and isinstance(a._backend, Tracer):
                return self.fn(*args)  # called inside another fused function: part of its trace
        traced, tensors, params = self._lookup(args)
        if len(traced.output_deps) > 1:
            self._check_output_shapes(traced, tensors)
        result = self.node.apply(traced.program, *tensors, *params)
        if traced.single or isinstance(result, tuple):
            return result
        return (result,)

    def program(self, *args):
        """The forward Program these arguments run (traced now if their signature is new); its
        ``backward(needs)`` is the backward's. For tests and for reading generated kernels."""
        return self._lookup(args)[0].program

    def _lookup(self, args):
        """(the Trace of the arguments' signature, their tensors, their scalars)."""
        key, tensors, params = [], [], []
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                dtype = a.dtype
                if not (dtype.is_floating_point or dtype is dtypes.bool_):
                    raise TypeError(f"{self.label}: argument {i} is a tensor of dtype {dtype}; "
                                    "fused functions take floating-point and bool tensors")
                key.append((dtype, a._data.ndim == 0))
                tensors.append(a)
            else:
                kind = param_kind(a)
                if kind is not None:
                    params.append(a)
                key.append(kind or ("static", _hashable(self.label, i, a)))
        key.append(dtypes.get_default_dtype())
        key = tuple(key)
        traced = self._traces.get(key)
        if traced is None:
            traced = self._traces[key] = trace(self.fn, self.label, args)
            self.trace_count += 1
        return traced, tensors, params

    def _check_output_shapes(self, traced, tensors):
        """Several outputs share one launch: each must have the broadcast shape of them all."""
        shapes = [broadcast_shapes(self.label, [tensors[k]._data.shape for k in deps])
                  for deps in traced.output_deps]
        if len(set(shapes)) > 1:
            raise RuntimeError(f"{self.label}: the outputs have different shapes "
                               f"{', '.join(str(s) for s in shapes)}; the outputs of a fused "
                               "function must share one shape")


def _hashable(label, i, value):
    try:
        hash(value)
    except TypeError:
        raise TypeError(f"{label}: argument {i} ({type(value).__name__}) is neither a Tensor, a "
                        "Python number nor hashable: fused functions are traced once per value "
                        "of such arguments") from None
    return value


def fuse(fn=None, *, name=None):
    """Compiles a function of elementwise tensor ops into one fused forward and one fused backward
    (like ``cupy.fuse``): ``@fuse``, ``@fuse(name="GeluBackward0")`` or ``fuse(fn)``.

    Inside, use arithmetic (``+ - * / **``, unary ``-``), comparisons and ``& | ^ ~`` on their
    masks, and exp, log, sqrt, rsqrt, sin, cos, tanh, sigmoid, relu, abs, sign, erf, maximum,
    minimum, where and clamp (as functions or Tensor methods); anything else raises a TypeError
    naming it. Tensor arguments broadcast together as in torch, Python scalars are run-time
    parameters. ``name`` is the printed name of the graph node (default ``FusedBackward``).
    """
    if fn is None:
        return lambda f: FusedFunction(f, name)
    return FusedFunction(fn, name)
