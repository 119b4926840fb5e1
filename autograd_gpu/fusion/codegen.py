"""CUDA source of a Program: one kernel that computes every output in one pass over memory.

The kernel follows ``kernels/common.cuh``: ``template <typename T> __global__ void
fused_<kind>_<hash>(...)``, T being the dtype of the program's first floating output (nodes of that
dtype are computed in ``acc_t<T>``, others in their own compute type), scalar parameters passed as
``double`` / ``long long`` / ``bool``, a 64-bit grid-stride loop over the ``n`` output elements, no
shared memory and no warp intrinsics. Each node is one ``const`` local of the loop body, so the
compiler sees the whole expression; constants are literals of the type of their operation.

The launch layout (``backend.fused.launch_layout``) is part of the source: ``rank`` 0 reads every
input at ``i``; otherwise ``i`` is split over ``rank`` dims once and each strided input reads at
its own offset. The name's hash is of the source, so equal programs share a compiled kernel.
"""
import hashlib
import math

from .. import dtypes

_COMPUTE = {"bool": "bool", "int64": "long long", "float16": "float", "float32": "float",
            "float64": "double"}
_STORAGE = {"bool": "bool", "int64": "long long", "float16": "__half", "float32": "float",
            "float64": "double"}
_PARAM = {"float": "double", "int": "long long", "bool": "bool"}

PRELUDE = r"""#include "common.cuh"

// Math of the fused kernels, in float for float (and __half) and in double for double. The
// templates compute as the library's cpu evaluation does (backend/fused.py): maximum and minimum
// propagate NaN, sign and relu keep a NaN, sigmoid never overflows.
namespace fz {
#define FZ_UNARY(name, f32, f64)                                                    \
    __device__ __forceinline__ float name(float v) { return ::f32(v); }            \
    __device__ __forceinline__ double name(double v) { return ::f64(v); }
FZ_UNARY(exp, expf, exp)
FZ_UNARY(log, logf, log)
FZ_UNARY(sqrt, sqrtf, sqrt)
FZ_UNARY(sin, sinf, sin)
FZ_UNARY(cos, cosf, cos)
FZ_UNARY(tanh, tanhf, tanh)
FZ_UNARY(erf, erff, erf)
FZ_UNARY(abs, fabsf, fabs)
#undef FZ_UNARY
__device__ __forceinline__ long long abs(long long v) { return v < 0 ? -v : v; }
__device__ __forceinline__ float pow(float a, float b) { return ::powf(a, b); }
__device__ __forceinline__ double pow(double a, double b) { return ::pow(a, b); }

template <typename A> __device__ __forceinline__ A sigmoid(A v) {
    const A e = exp(v < A(0) ? v : -v);  // e^-|v|, in (0, 1]
    return v >= A(0) ? A(1) / (A(1) + e) : e / (A(1) + e);
}
template <typename A> __device__ __forceinline__ A relu(A v) { return v < A(0) ? A(0) : v; }
template <typename A> __device__ __forceinline__ A sign(A v) {
    return v > A(0) ? A(1) : (v < A(0) ? A(-1) : v);
}
template <typename A> __device__ __forceinline__ A maximum(A a, A b) {
    return (a != a || a > b) ? a : b;
}
template <typename A> __device__ __forceinline__ A minimum(A a, A b) {
    return (a != a || a < b) ? a : b;
}
}  // namespace fz
"""

_INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/", "eq": "==", "ne": "!=", "lt": "<",
          "le": "<=", "gt": ">", "ge": ">=", "and": "&&", "or": "||", "xor": "!="}
_CALL = {"exp": "fz::exp", "log": "fz::log", "sqrt": "fz::sqrt", "sin": "fz::sin",
         "cos": "fz::cos", "tanh": "fz::tanh", "erf": "fz::erf", "abs": "fz::abs",
         "sigmoid": "fz::sigmoid", "relu": "fz::relu", "sign": "fz::sign",
         "maximum": "fz::maximum", "minimum": "fz::minimum", "clamp_min": "fz::maximum",
         "clamp_max": "fz::minimum", "pow": "fz::pow"}


def primary_dtype(program):
    """The dtype T stands for: the first floating output's, else the first floating input's."""
    for d in (*program.output_dtypes, *program.input_dtypes):
        if d.is_floating_point:
            return d
    return dtypes.float32


def literal(value, ctype):
    """A C++ expression of type ``ctype`` for a Python constant."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int):
        text = f"{value}LL"
    elif math.isfinite(value):
        text = repr(float(value))
    else:  # inf and NaN have no literal: their bits
        bits = {math.inf: 0x7FF0000000000000, -math.inf: 0xFFF0000000000000}.get(
            value, 0x7FF8000000000000)
        text = f"__longlong_as_double({bits - (1 << 64) if bits >= 1 << 63 else bits}LL)"
    return f"static_cast<{ctype}>({text})"


class _Types:
    def __init__(self, program):
        self.primary = primary_dtype(program)

    def compute(self, dtype):
        return "acc_t<T>" if dtype is self.primary else _COMPUTE[dtype.name]

    def storage(self, dtype):
        return "T" if dtype is self.primary else _STORAGE[dtype.name]


def _operand(node, ctype, names):
    return literal(node.value, ctype) if node.op == "const" else names[node.index]


def _expression(node, types, names):
    op, args = node.op, node.args
    if op in ("eq", "ne", "lt", "le", "gt", "ge"):
        typed = next(a for a in args if a.op != "const")
        ctype = types.compute(typed.dtype)
    elif op in ("and", "or", "xor", "not"):
        ctype = "bool"
    else:
        ctype = types.compute(node.dtype)
    if op == "where":
        cond = _operand(args[0], "bool", names)
        a, b = (_operand(x, ctype, names) for x in args[1:])
        return f"({cond} ? {a} : {b})"
    if op == "cast":
        value = f"static_cast<{ctype}>({names[args[0].index]})"
        if node.dtype is dtypes.float16 and args[0].dtype is not dtypes.float16:
            return f"widen(narrow<__half>({value}))"  # computed in float, rounded to a half
        return value
    operands = [_operand(a, ctype, names) for a in args]
    if op == "pow" and args[1].op == "const" and args[1].value == 2:
        return f"({operands[0]} * {operands[0]})"
    if op == "pow" and args[1].op == "const" and args[1].value == 0.5:
        return f"fz::sqrt({operands[0]})"
    if op in _INFIX:
        return f"({operands[0]} {_INFIX[op]} {operands[1]})"
    if op == "neg":
        return f"(-{operands[0]})"
    if op == "not":
        return f"(!{operands[0]})"
    if op == "reciprocal":
        return f"({literal(1, ctype)} / {operands[0]})"
    return f"{_CALL[op]}({', '.join(operands)})"


def kernel_source(program, rank, strided):
    """``(source, name expression)`` of ``program``'s kernel for a launch layout: ``rank`` dims
    (0: every input read at ``i``), ``strided[k]`` whether used input k reads through strides."""
    definition, name_expression = kernel_definition(program, rank, strided)
    return PRELUDE + definition, name_expression


def kernel_definition(program, rank, strided):
    """The kernel's template definition alone (what follows ``PRELUDE``) and its name expression:
    definitions of one name are the same text, so several kernels can share a module."""
    types = _Types(program)
    used = program.used_inputs
    params = []
    for k in used:
        params.append(f"const {types.storage(program.input_dtypes[k])}* __restrict__ in{k}")
    for j, dtype in enumerate(program.output_dtypes):
        params.append(f"{types.storage(dtype)}* __restrict__ out{j}")
    for p, kind in enumerate(program.param_kinds):
        params.append(f"{_PARAM[kind]} p{p}")
    params.append("long long n")
    strided_inputs = [k for k, s in zip(used, strided) if s] if rank else []
    params += [f"long long d{d}" for d in range(rank)]
    for k in strided_inputs:
        params += [f"long long s{k}_{d}" for d in range(rank)]

    names = {}
    hoisted, body = [], []
    for node in program.nodes:
        if node.op == "const":
            continue
        name = names[node.index] = f"v{node.index}"
        ctype = types.compute(node.dtype)
        if node.op == "param":
            hoisted.append(f"    const {ctype} {name} = static_cast<{ctype}>(p{node.value});")
            continue
        if node.op == "input":
            k = node.value
            index = f"o{k}" if k in strided_inputs else "i"
            load = f"in{k}[{index}]"
            value = load if node.dtype is dtypes.bool_ else f"widen({load})"
        else:
            value = _expression(node, types, names)
        body.append(f"        const {ctype} {name} = {value};")
    for j, (out, dtype) in enumerate(zip(program.outputs, program.output_dtypes)):
        value = _operand(out, types.compute(dtype), names)
        if dtype is dtypes.bool_:
            body.append(f"        out{j}[i] = {value};")
        else:
            body.append(f"        out{j}[i] = narrow<{types.storage(dtype)}>({value});")

    index_math = []
    if strided_inputs:
        offsets = ", ".join(f"o{k} = 0" for k in strided_inputs)
        index_math = ["        long long rest = i;", f"        long long {offsets};"]
        for d in reversed(range(rank)):
            split = ("const long long c = rest;" if d == 0 else
                     f"const long long c = rest % d{d}; rest /= d{d};")
            steps = " ".join(f"o{k} += c * s{k}_{d};" for k in strided_inputs)
            index_math.append(f"        {{ {split} {steps} }}")

    signature = ",\n    ".join(params)
    comment = "".join(f"// {line}\n" for line in program.text.splitlines())
    lines = [*hoisted, "    GRID_STRIDE_LOOP(i, n) {", *index_math, *body, "    }"]
    body_text = "\n".join(lines)
    digest = hashlib.sha1(f"{signature}\n{body_text}".encode()).hexdigest()[:16]
    name = f"fused_{program.kind}_{digest}"
    definition = (f"\n{comment}template <typename T>\n__global__ void {name}(\n    "
                  f"{signature}) {{\n{body_text}\n}}\n")
    return definition, f"{name}<{_STORAGE[types.primary.name]}>"
