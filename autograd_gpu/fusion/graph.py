"""The expression graph of a fused function: nodes, the builder that hash-conses and simplifies
them, and ``Program``, a finished graph with its inputs, parameters and outputs.

A node is one elementwise operation on the values of its argument nodes. Leaves are ``input`` (the
k-th array argument), ``param`` (the k-th scalar argument, known only at run time) and ``const``
(a Python number baked into the expression). Every node but a constant has a dtype, the dtype the
eager ops would have given its value; a constant is *weak*, as a Python scalar is in torch: it
takes the type of the operation it appears in. Float16 values are computed in float32 (the kernel's
``acc_t``) and rounded once, when an output is stored.

The builder makes a graph in topological order and never creates the same node twice, so common
subexpressions are shared (CSE) and a derivative recomputes each forward intermediate once.
"""
import math

from .. import dtypes

# op -> number of arguments, for every operation node
ARITHMETIC = {"add": 2, "sub": 2, "mul": 2, "div": 2, "pow": 2, "maximum": 2, "minimum": 2,
              "clamp_min": 2, "clamp_max": 2, "neg": 1, "reciprocal": 1}
MATH = {"exp": 1, "log": 1, "sqrt": 1, "sin": 1, "cos": 1, "tanh": 1, "sigmoid": 1, "relu": 1,
        "abs": 1, "sign": 1, "erf": 1}
COMPARISONS = {"eq": 2, "ne": 2, "lt": 2, "le": 2, "gt": 2, "ge": 2}
LOGIC = {"and": 2, "or": 2, "xor": 2, "not": 1}
SELECT = {"where": 3, "cast": 1}
OPERATIONS = {**ARITHMETIC, **MATH, **COMPARISONS, **LOGIC, **SELECT}
LEAVES = ("input", "param", "const")

# The dtypes a node may have: what the kernels load, compute and store.
NODE_DTYPES = (dtypes.bool_, dtypes.int64, dtypes.float16, dtypes.float32, dtypes.float64)


class Node:
    """One value of the graph. ``value`` is the index of an input or param, a constant's number,
    or None; ``dtype`` is None only for a (weak) constant."""

    __slots__ = ("op", "args", "value", "dtype", "index")

    def __init__(self, op, args, value, dtype, index):
        self.op, self.args, self.value, self.dtype, self.index = op, args, value, dtype, index

    def __repr__(self):
        return f"<Node v{self.index} = {describe(self)}>"


def describe(node):
    """One line of a Program's canonical text (also printed at the top of its kernel source)."""
    if node.op == "const":
        return f"const {type(node.value).__name__} {node.value!r}"
    args = " ".join(f"v{a.index}" for a in node.args)
    value = "" if node.value is None else f" #{node.value}"
    return f"{node.op}{value} {args} :{node.dtype.name}".replace("  ", " ")


def is_float(node):
    return node.dtype is not None and node.dtype.is_floating_point


def _fold(op, values):
    """The value of an operation on constants, as a float computation would give it (IEEE: a
    division by zero is infinite, the log of a negative number NaN), or None for an unknown op."""
    fold = _FOLD.get(op)
    if fold is None:
        return None
    try:
        value = fold(*values)
    except OverflowError:
        value = math.inf
    except ValueError:
        value = math.nan
    return value if isinstance(value, (bool, int, float)) else math.nan  # a complex power: NaN


def _div(a, b):
    if b != 0:
        return a / b
    if a == 0 or a != a:
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _pow(a, b):
    try:
        return float(a) ** b
    except ZeroDivisionError:  # 0 ** negative
        return math.inf


def _sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))


def _log(v):
    return -math.inf if v == 0 else math.log(v)


def _sign(v):
    return v if v != v else float((v > 0) - (v < 0))


_FOLD = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": _div, "pow": _pow, "neg": lambda a: -a, "reciprocal": lambda a: _div(1.0, a),
    "maximum": max, "minimum": min,
    "clamp_min": max, "clamp_max": min, "relu": lambda a: max(a, 0), "sign": _sign,
    "exp": math.exp, "log": _log, "sqrt": math.sqrt, "sin": math.sin, "cos": math.cos,
    "tanh": math.tanh, "erf": math.erf, "sigmoid": _sigmoid, "abs": abs,
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
    "and": lambda a, b: bool(a) and bool(b), "or": lambda a, b: bool(a) or bool(b),
    "xor": lambda a, b: bool(a) != bool(b), "not": lambda a: not a,
    "where": lambda c, a, b: a if c else b,
}


def _const_key(value):
    return (type(value).__name__, repr(value))


class Builder:
    """Creates nodes in topological order, shared by structure, with a few exact simplifications
    (x*1, x/1, x**1, x**0, --x, same-dtype casts, operations on constants). None of them changes
    a value, NaN and signed zeros included."""

    def __init__(self):
        self.nodes = []
        self._table = {}

    def _node(self, op, args, value, dtype):
        key = (op, tuple(a.index for a in args),
               _const_key(value) if op == "const" else value, None if dtype is None else dtype.name)
        node = self._table.get(key)
        if node is None:
            node = Node(op, tuple(args), value, dtype, len(self.nodes))
            self.nodes.append(node)
            self._table[key] = node
        return node

    # -- leaves ------------------------------------------------------------------------------------
    def input(self, index, dtype):
        return self._node("input", (), index, dtype)

    def param(self, index, dtype):
        return self._node("param", (), index, dtype)

    def const(self, value):
        if isinstance(value, bool):
            return self._node("const", (), value, None)
        if isinstance(value, int):
            return self._node("const", (), int(value), None)
        return self._node("const", (), float(value), None)

    # -- operations --------------------------------------------------------------------------------
    def cast(self, x, dtype):
        if x.dtype is dtype:
            return x
        if x.op == "const":
            if dtype is dtypes.bool_:
                return self.const(bool(x.value))
            return self.const(float(x.value) if dtype.is_floating_point else int(x.value))
        if x.op == "param":
            return self.param(x.value, dtype)  # converted from the double it is passed as, once
        return self._node("cast", (x,), None, dtype)

    def op(self, op, *args, dtype=None):
        """The node of ``op(*args)``, its dtype inferred: bool for comparisons and logic, else the
        dtype shared by the non-constant arguments (those of ``where`` after its condition), else
        ``dtype`` (all of them weak constants: ``where(mask, 1.0, 0.0)``)."""
        if OPERATIONS.get(op) != len(args) or op == "cast":
            raise ValueError(f"{op} is not an operation of {len(args)} arguments")
        if all(a.op == "const" for a in args):
            folded = _fold(op, [a.value for a in args])
            if folded is not None:
                return self.const(folded)
        simpler = self._simplify(op, args)
        if simpler is not None:
            return simpler
        return self._node(op, args, None, self._result_dtype(op, args, dtype))

    def _result_dtype(self, op, args, hint):
        if op in COMPARISONS or op in LOGIC:
            return dtypes.bool_
        typed = {a.dtype.name: a.dtype for a in (args[1:] if op == "where" else args)
                 if a.dtype is not None}
        if not typed and hint is not None:
            return hint
        if len(typed) != 1:
            raise TypeError(f"fuse: {op} of operands of dtypes {sorted(typed)}: the tracer casts "
                            "operands to one dtype first")
        (dtype,) = typed.values()
        return dtype

    def _simplify(self, op, args):
        a = args[0]
        b = args[1] if len(args) > 1 else None
        if op in ("mul", "div") and b.op == "const" and b.value == 1:
            return a
        if op == "mul" and a.op == "const" and a.value == 1:
            return b
        if op == "pow" and b.op == "const" and b.value == 1:
            return a
        if op == "pow" and b.op == "const" and b.value == 0:
            return self.const(1.0)  # x ** 0 is 1 for every x, NaN included
        if op == "neg" and a.op == "neg":
            return a.args[0]
        if op == "and" and (a.op == "const" or b.op == "const"):
            known, other = (a, b) if a.op == "const" else (b, a)
            return other if known.value else self.const(False)
        if op == "where" and a.op == "const":
            return args[1] if a.value else args[2]
        return None


class Program:
    """A finished graph: the nodes the outputs need, in topological order, and how to call it.

    ``input_dtypes`` and ``param_kinds`` ("float", "int", "bool": passed to a kernel as double,
    long long, bool) describe the arguments; ``shape_inputs`` are the inputs whose broadcast shape
    is the shape of every output. ``kind`` ("fwd" or "bwd") names the kernel. ``text`` is the
    canonical form: programs with equal text compute the same thing.
    """

    def __init__(self, nodes, outputs, output_dtypes, input_dtypes, param_kinds, shape_inputs,
                 kind):
        self.nodes = nodes
        self.outputs = outputs
        self.output_dtypes = output_dtypes
        self.input_dtypes = input_dtypes
        self.param_kinds = param_kinds
        self.shape_inputs = shape_inputs
        self.kind = kind
        self.grad_inputs = ()  # a backward program: the input each output is the gradient of
        self.used_inputs = tuple(sorted({n.value for n in nodes if n.op == "input"}))
        self.releases = _releases(nodes, outputs)
        self.text = "\n".join(
            [f"{kind} inputs {' '.join(d.name for d in input_dtypes)} params "
             f"{' '.join(param_kinds)}"]
            + [f"v{n.index} = {describe(n)}" for n in nodes]
            + ["outputs " + " ".join(f"v{o.index}:{d.name}" for o, d in
                                     zip(outputs, self.output_dtypes))])
        self._backward = {}
        self._sources = {}

    def __repr__(self):
        return f"<Program {self.kind}: {len(self.nodes)} nodes, {len(self.outputs)} outputs>"

    def backward(self, needs):
        """The program of the gradients of the inputs flagged in ``needs`` (cached)."""
        program = self._backward.get(needs)
        if program is None:
            from .derivative import backward_program  # noqa: PLC0415 - derivative builds Programs

            program = self._backward[needs] = backward_program(self, needs)
        return program

    def kernel_source(self, rank, strided):
        """``(CUDA source, kernel name expression)`` for a launch layout (see ``codegen``)."""
        key = (rank, strided)
        entry = self._sources.get(key)
        if entry is None:
            from .codegen import kernel_source  # noqa: PLC0415

            entry = self._sources[key] = kernel_source(self, rank, strided)
        return entry


def finish(builder, outputs, output_dtypes, input_dtypes, param_kinds, shape_inputs, kind):
    """The Program of ``outputs``: the builder's nodes they depend on, renumbered in order, each
    output cast to its dtype (a constant output becomes a param-free constant of that dtype)."""
    outputs = [o if o.dtype is d or o.op == "const" else builder.cast(o, d)
               for o, d in zip(outputs, output_dtypes)]
    live = set()
    for o in outputs:
        _mark(o, live)
    renumbered = {}
    nodes = []
    for node in builder.nodes:
        if node.index in live:
            copy = Node(node.op, tuple(renumbered[a.index] for a in node.args), node.value,
                        node.dtype, len(nodes))
            renumbered[node.index] = copy
            nodes.append(copy)
    return Program(tuple(nodes), tuple(renumbered[o.index] for o in outputs), tuple(output_dtypes),
                   input_dtypes, param_kinds, shape_inputs, kind)


def _mark(node, live):
    stack = [node]
    while stack:
        n = stack.pop()
        if n.index not in live:
            live.add(n.index)
            stack.extend(n.args)


def _releases(nodes, outputs):
    """For each node, the nodes whose value is not needed once it has been computed (an
    evaluator drops them there: a long chain then holds two intermediates, not all of them)."""
    last = {}
    for n in nodes:
        for a in n.args:
            last[a.index] = n.index
    kept = {o.index for o in outputs}
    releases = [[] for _ in nodes]
    for index, at in last.items():
        if index not in kept:
            releases[at].append(index)
    return tuple(tuple(r) for r in releases)
