"""Tracing a fused function: the function runs once on Tensors whose arrays are symbolic.

The traced Tensors are ordinary ``Tensor`` objects whose backend is a ``Tracer`` and whose ``_data``
is a ``SymArray``. Every op of the library therefore runs unchanged, with its own dtype promotion,
Python-scalar handling and broadcasting checks, and reaches the tracer through the primitives it
calls on its backend (``backend.exp``, ``backend.xp.multiply``, ...): each call records one node.
Whatever the tracer or a SymArray does not implement (a reduction, a reshape, reading values) is
an ``Unsupported`` TypeError naming it. No graph node is recorded: tracing runs under no_grad.
"""
import math
import numbers
from pathlib import Path

from .. import dtypes
from ..autograd import grad_mode
from ..tensor import Tensor
from .graph import NODE_DTYPES, Builder, finish

_FUSION = Path(__file__).resolve().parent
_PACKAGE = _FUSION.parent
_READING = ("values cannot be read while a fused function is traced (bool(), float(), item(), "
            "printing): it must not branch on values")
_FOREIGN = ("a tensor that is not an argument of the fused function was created or used: create "
            "it outside and pass it as an argument")
SUPPORTED = ("+ - * / ** (unary -) comparisons & | ^ ~, exp log sqrt rsqrt sin cos tanh sigmoid "
             "relu abs sign erf maximum minimum where clamp, casts, and the Tensor methods of "
             "those names")


class Unsupported(TypeError):
    """An operation a fused function may not contain; ``what`` is what the tracer was asked for."""

    def __init__(self, what, sentence=False):
        super().__init__(what)
        self.what = what
        self.sentence = sentence  # ``what`` is a whole explanation, not the name of an operation


def _library_entry(traceback):
    """The name of the library function the traced function called that led to ``traceback``'s
    error (``reshape`` for ``x.reshape(-1)``), or None when the error is in the function itself."""
    entered = False
    while traceback is not None:
        path = Path(traceback.tb_frame.f_code.co_filename).resolve()
        inside = _PACKAGE in path.parents and _FUSION not in path.parents
        if inside and entered:
            return traceback.tb_frame.f_code.co_name.strip("_")
        entered = entered or not inside
        traceback = traceback.tb_next
    return None


def _error(label, exc):
    """The TypeError a failed trace raises: the unsupported op, named as the user called it."""
    entry = _library_entry(exc.__traceback__)
    if isinstance(exc, Unsupported) and exc.sentence:
        return TypeError(f"{label}: {exc.what}" + (f" (in {entry})" if entry else ""))
    if isinstance(exc, Unsupported):
        what = exc.what
        if entry and entry not in what:
            what = f"{entry} (which needs {what})"
        return TypeError(f"{label}: {what} is not an elementwise operation that fuse can compile "
                         f"(supported: {SUPPORTED})")
    where = f" (in {entry})" if entry else ""
    return TypeError(f"{label}: {_FOREIGN}{where}: {exc}")


class _TraceDevice:
    """The device of traced Tensors: neither cpu nor cuda, so that no real tensor mixes in."""

    type = "fuse"
    index = None

    def __str__(self):
        return "fuse (a traced argument)"

    __repr__ = __str__


TRACE_DEVICE = _TraceDevice()


def _shape_of(shapes):
    """numpy's broadcast of several shapes; ValueError (which the ops turn into their error)."""
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i, n in enumerate(s, ndim - len(s)):
            if n != 1:
                if out[i] not in (1, n):
                    raise ValueError(f"operands could not be broadcast together with shapes "
                                     f"{' '.join(str(tuple(x)) for x in shapes)}")
                out[i] = n
    return tuple(out)


class SymArray:
    """Stands for an array during a trace: the node computing it, its shape (that of this trace's
    arguments; the program itself is shape-free) and the inputs it depends on (which decide the
    output's broadcast shape, as in eager mode)."""

    __slots__ = ("tracer", "node", "shape", "deps")
    __array_ufunc__ = None  # numpy scalars defer to our reflected operators

    def __init__(self, tracer, node, shape, deps):
        self.tracer, self.node, self.shape, self.deps = tracer, node, shape, deps

    @property
    def dtype(self):
        return self.node.dtype.np

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return math.prod(self.shape)

    def astype(self, dtype, copy=True, **_):
        return self.tracer.cast(self, dtype)

    def copy(self):
        return SymArray(self.tracer, self.node, self.shape, self.deps)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise Unsupported(f"'{name}' of a traced array")

    def __setitem__(self, key, value):
        if key is not Ellipsis:
            raise Unsupported("indexed assignment")
        self.tracer.assign(self, value)

    def __getitem__(self, key):
        raise Unsupported("indexing")

    def __bool__(self):
        raise Unsupported(_READING, sentence=True)

    __float__ = __int__ = __index__ = __len__ = __iter__ = __array__ = __bool__

    # operators, for the ops that compute on their arrays directly
    def __add__(self, o): return self.tracer.binary("add", self, o)
    def __radd__(self, o): return self.tracer.binary("add", o, self)
    def __sub__(self, o): return self.tracer.binary("sub", self, o)
    def __rsub__(self, o): return self.tracer.binary("sub", o, self)
    def __mul__(self, o): return self.tracer.binary("mul", self, o)
    def __rmul__(self, o): return self.tracer.binary("mul", o, self)
    def __truediv__(self, o): return self.tracer.binary("div", self, o)
    def __rtruediv__(self, o): return self.tracer.binary("div", o, self)
    def __pow__(self, o): return self.tracer.binary("pow", self, o)
    def __rpow__(self, o): return self.tracer.binary("pow", o, self)
    def __neg__(self): return self.tracer.unary("neg", self)
    def __abs__(self): return self.tracer.unary("abs", self)
    def __eq__(self, o): return self.tracer.compare("eq", self, o)
    def __ne__(self, o): return self.tracer.compare("ne", self, o)
    def __lt__(self, o): return self.tracer.compare("lt", self, o)
    def __le__(self, o): return self.tracer.compare("le", self, o)
    def __gt__(self, o): return self.tracer.compare("gt", self, o)
    def __ge__(self, o): return self.tracer.compare("ge", self, o)
    def __and__(self, o): return self.tracer.logic("and", self, o)
    def __rand__(self, o): return self.tracer.logic("and", o, self)
    def __or__(self, o): return self.tracer.logic("or", self, o)
    def __ror__(self, o): return self.tracer.logic("or", o, self)
    def __xor__(self, o): return self.tracer.logic("xor", self, o)
    def __rxor__(self, o): return self.tracer.logic("xor", o, self)
    def __invert__(self): return self.tracer.logic_not(self)

    __hash__ = None


def _with_out(fn):
    """numpy's ``out=`` (the in-place Tensor methods use it): the result replaces ``out``."""

    def call(*args, out=None, casting=None, **kwargs):
        if kwargs:
            raise Unsupported(f"{fn.__name__} with {', '.join(kwargs)}")
        result = fn(*args)
        if out is not None:
            out.tracer.assign(out, result)
            return out
        return result

    call.__name__ = fn.__name__
    return call


class SymNumpy:
    """The ``xp`` of a trace: the numpy functions the elementwise ops call, recording nodes."""

    def __init__(self, tracer):
        t = self._tracer = tracer
        for name, op in (("add", "add"), ("subtract", "sub"), ("multiply", "mul"),
                         ("true_divide", "div"), ("divide", "div"), ("power", "pow"),
                         ("maximum", "maximum"), ("minimum", "minimum")):
            setattr(self, name, _with_out(_bound(t.binary, op, name)))
        for name, op in (("negative", "neg"), ("reciprocal", "reciprocal"), ("exp", "exp"),
                         ("log", "log"), ("sqrt", "sqrt"), ("sin", "sin"), ("cos", "cos"),
                         ("tanh", "tanh"), ("abs", "abs"), ("absolute", "abs"), ("sign", "sign")):
            setattr(self, name, _with_out(_bound(t.unary, op, name)))
        for name, op in (("equal", "eq"), ("not_equal", "ne"), ("less", "lt"),
                         ("less_equal", "le"), ("greater", "gt"), ("greater_equal", "ge")):
            setattr(self, name, _with_out(_bound(t.compare, op, name)))
        for name, op in (("logical_and", "and"), ("logical_or", "or"), ("logical_xor", "xor"),
                         ("bitwise_and", "and"), ("bitwise_or", "or"), ("bitwise_xor", "xor")):
            setattr(self, name, _with_out(_bound(t.logic, op, name, bool_only=name[0] == "b")))
        self.logical_not = _with_out(_bound(t.logic_not, None, "logical_not"))
        self.invert = _with_out(_bound(t.logic_not, None, "invert", bool_only=True))
        self.where = t.where
        for d in NODE_DTYPES:
            setattr(self, d.np.name if d is not dtypes.bool_ else "bool_", d.np.type)

    def asarray(self, a, dtype=None):
        if not isinstance(a, SymArray):
            raise Unsupported("creating an array inside a fused function")
        return a if dtype is None else self._tracer.cast(a, dtype)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise Unsupported(f"'{name}'")


def _bound(method, op, name, **kwargs):
    def call(*args):
        return method(op, *args, **kwargs) if op is not None else method(*args, **kwargs)

    call.__name__ = name
    return call


_TRANSCENDENTAL = frozenset({"exp", "log", "sqrt", "sin", "cos", "tanh", "erf", "sigmoid"})


class Tracer:
    """The backend of traced Tensors: the named primitives the ops call, each recording a node,
    and ``xp`` (``SymNumpy``) for the plain array functions."""

    def __init__(self):
        self.builder = Builder()
        self.xp = SymNumpy(self)
        self.device = TRACE_DEVICE
        self.inputs = []  # the SymArray of each tensor argument (they may not be assigned to)

    def __repr__(self):
        return "<fuse tracer>"

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise Unsupported(f"'{name}'")

    # -- leaves ------------------------------------------------------------------------------------
    def input(self, index, dtype, shape):
        sym = SymArray(self, self.builder.input(index, dtype), tuple(shape), frozenset((index,)))
        self.inputs.append(sym)
        return sym

    def param(self, index, dtype):
        return SymArray(self, self.builder.param(index, dtype), (), frozenset())

    # -- recording ---------------------------------------------------------------------------------
    def _operand(self, v):
        """(node, shape, deps) of an operand; a number or numpy scalar is a weak constant."""
        if isinstance(v, SymArray):
            return v.node, v.shape, v.deps
        if isinstance(v, numbers.Number) and not isinstance(v, complex):
            return self.builder.const(v.item() if hasattr(v, "item") else v), (), frozenset()
        raise Unsupported(f"an operand of type {type(v).__name__}")

    def _result(self, node, operands):
        return SymArray(self, node, _shape_of([o[1] for o in operands]),
                        frozenset().union(*(o[2] for o in operands)))

    def _common(self, operands):
        """The operands cast to one dtype: numpy's rule, a Python number being weak."""
        typed = [n.dtype for n, _, _ in operands if n.dtype is not None]
        if typed:
            dtype = typed[0]
            for d in typed[1:]:
                dtype = dtypes.promote_types(dtype, d)
        else:
            dtype = None
        for n, _, _ in operands:
            if n.op == "const":
                value = n.value
                if isinstance(value, float) and (dtype is None or not dtype.is_floating_point):
                    dtype = dtypes.float64
                elif isinstance(value, int) and not isinstance(value, bool) and (
                        dtype is None or dtype is dtypes.bool_):
                    dtype = dtypes.int64
        if dtype is None:
            dtype = dtypes.bool_
        b = self.builder
        return dtype, [(b.cast(n, dtype) if n.dtype is not None else n, s, d)
                       for n, s, d in operands]

    def cast(self, x, dtype):
        target = dtypes.to_dtype(dtype)
        if target not in NODE_DTYPES:
            raise Unsupported(f"a cast to {target}")
        return SymArray(self, self.builder.cast(x.node, target), x.shape, x.deps)

    def binary(self, op, a, b):
        operands = [self._operand(a), self._operand(b)]
        dtype, operands = self._common(operands)
        if dtype is dtypes.bool_:
            raise Unsupported(f"'{op}' of bool values (cast them with .float() first)")
        if dtype is dtypes.int64 and op not in ("add", "sub", "mul", "maximum", "minimum",
                                                "clamp_min", "clamp_max"):
            if op != "div":
                raise Unsupported(f"'{op}' of integer values")
            dtype, operands = dtypes.float64, [(self.builder.cast(n, dtypes.float64), s, d)
                                               for n, s, d in operands]
        return self._result(self.builder.op(op, *(n for n, _, _ in operands), dtype=dtype),
                            operands)

    def unary(self, op, x):
        operand = self._operand(x)
        node = operand[0]
        if node.dtype is not None and not node.dtype.is_floating_point:
            if op in _TRANSCENDENTAL:
                node = self.builder.cast(node, dtypes.float64)  # as numpy computes them
            elif node.dtype is dtypes.bool_ or op == "reciprocal":
                raise Unsupported(f"'{op}' of {node.dtype.name} values")
        return self._result(self.builder.op(op, node), [operand])

    def compare(self, op, a, b):
        _, operands = self._common([self._operand(a), self._operand(b)])
        return self._result(self.builder.op(op, *(n for n, _, _ in operands)), operands)

    def logic(self, op, a, b, bool_only=False):
        operands = [self._truth(v, op, bool_only) for v in (a, b)]
        return self._result(self.builder.op(op, *(n for n, _, _ in operands)), operands)

    def logic_not(self, x, bool_only=False):
        operand = self._truth(x, "not", bool_only)
        return self._result(self.builder.op("not", operand[0]), [operand])

    def _truth(self, v, op, bool_only):
        node, shape, deps = self._operand(v)
        if node.op == "const":
            return self.builder.const(bool(node.value)), shape, deps
        if node.dtype is not dtypes.bool_:
            if bool_only:
                raise Unsupported(f"bitwise '{op}' of {node.dtype.name} values")
            node = self.builder.op("ne", node, self.builder.const(0))
        return node, shape, deps

    def where(self, cond, a, b):
        c = self._truth(cond, "where", False)
        dtype, operands = self._common([self._operand(a), self._operand(b)])
        return self._result(self.builder.op("where", c[0], *(n for n, _, _ in operands),
                                            dtype=dtype), [c, *operands])

    def assign(self, target, value):
        """``target[...] = value`` (an in-place op on an intermediate value) rebinds target."""
        if any(target is sym for sym in self.inputs):
            raise Unsupported("an in-place operation cannot modify an argument of a fused "
                              "function", sentence=True)
        node, shape, deps = self._operand(value)
        if _shape_of([target.shape, shape]) != target.shape:
            raise ValueError(f"could not broadcast shape {shape} into shape {target.shape}")
        target.node = self.builder.cast(node, target.node.dtype)
        target.deps = target.deps | deps

    # -- the backend primitives the ops call -------------------------------------------------------
    def exp(self, x):
        return self.unary("exp", x)

    def log(self, x):
        return self.unary("log", x)

    def tanh(self, x):
        return self.unary("tanh", x)

    def sigmoid(self, x):
        return self.unary("sigmoid", x)

    def relu(self, x):
        return self.unary("relu", x)

    def abs(self, x):
        return self.unary("abs", x)

    def erf(self, x):
        return self.unary("erf", x)

    def pow_scalar(self, x, exponent):
        return self.binary("pow", x, exponent)

    def clamp(self, x, lo, hi):
        if lo is not None:
            x = self.binary("clamp_min", x, lo)
        if hi is not None:
            x = self.binary("clamp_max", x, hi)
        return x

    def asarray(self, data, dtype=None):
        if isinstance(data, SymArray):
            return data if dtype is None else self.cast(data, dtype)
        raise Unsupported(_FOREIGN, sentence=True)

    def to_host(self, array):
        raise Unsupported(_READING, sentence=True)


def param_kind(value):
    """How a Python scalar argument is passed: "bool", "int" or "float"; None if not a scalar."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, numbers.Integral):
        return "int"
    if isinstance(value, numbers.Real):
        return "float"
    return None


_PARAM_DTYPES = {"bool": lambda: dtypes.bool_, "int": lambda: dtypes.int64,
                 "float": dtypes.get_default_dtype}


class Trace:
    """The result of tracing: the forward Program, and how to map outputs back (``single``: the
    function returned one Tensor; ``output_deps``: the inputs each output depends on)."""

    __slots__ = ("program", "single", "output_deps")

    def __init__(self, program, single, output_deps):
        self.program, self.single, self.output_deps = program, single, output_deps


def trace(fn, label, args):
    """Runs ``fn`` on traced stand-ins of ``args`` (Tensors become inputs, Python scalars params,
    anything else is passed as it is) and returns its Trace."""
    tracer = Tracer()
    proxies, input_dtypes, param_kinds = [], [], []
    for a in args:
        if isinstance(a, Tensor):
            sym = tracer.input(len(input_dtypes), a.dtype, a._data.shape)
            input_dtypes.append(a.dtype)
            proxies.append(Tensor._make(sym, tracer))
        elif param_kind(a) is not None:
            kind = param_kind(a)
            sym = tracer.param(len(param_kinds), _PARAM_DTYPES[kind]())
            param_kinds.append(kind)
            proxies.append(Tensor._make(sym, tracer))
        else:
            proxies.append(a)
    try:
        with grad_mode.no_grad():
            result = fn(*proxies)
    except Unsupported as exc:
        raise _error(label, exc) from None
    except (TypeError, RuntimeError) as exc:
        if str(TRACE_DEVICE) not in str(exc):  # not about a traced tensor: the function's own
            raise
        raise _error(label, exc) from None
    single = not isinstance(result, (tuple, list))
    outputs = [result] if single else list(result)
    syms = []
    for o in outputs:
        traced = isinstance(o, Tensor) and isinstance(o._data, SymArray)
        if not (traced and o._data.tracer is tracer):
            raise TypeError(f"{label}: the function must return a Tensor or a tuple of "
                            f"Tensors computed from its arguments, got {type(o).__name__}")
        if not o._data.deps:
            raise TypeError(f"{label}: an output depends on no tensor argument, so it has "
                            "no shape")
        syms.append(o._data)
    output_deps = tuple(tuple(sorted(s.deps)) for s in syms)
    shape_inputs = tuple(sorted(frozenset().union(*(s.deps for s in syms))))
    program = finish(tracer.builder, [s.node for s in syms], [s.node.dtype for s in syms],
                     tuple(input_dtypes), tuple(param_kinds), shape_inputs, "fwd")
    return Trace(program, single, output_deps)
