"""Reverse-mode symbolic differentiation of a Program: the backward program computes the
gradient of every input that needs one from the inputs and the outputs' upstream gradients.

The forward nodes are rebuilt in the same builder as the derivative, so an intermediate the
derivative needs (``exp(x)`` for ``exp``'s own gradient, say) is recomputed from the inputs once
and shared; nothing of the forward is stored. Each rule below is the formula of the eager op's
backward (ops/elementwise.py), so that values and conventions (ties of maximum split the gradient,
clamp passes it at its bounds, relu and abs take 0 at 0) match torch.
"""
import math

from .graph import Builder, finish, is_float

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def backward_program(program, needs):
    """The Program whose inputs are the forward's inputs followed by one upstream gradient per
    forward output, and whose outputs are the gradients of the inputs flagged in ``needs`` that
    the outputs depend on differentiably (``grad_inputs`` lists which)."""
    b = _Algebra()
    copies = []
    for node in program.nodes:
        copies.append(b.copy(node, [copies[a.index] for a in node.args]))
    reaches = [False] * len(program.nodes)
    for node in program.nodes:
        if node.op == "input":
            reaches[node.index] = needs[node.value] and is_float(node)
        else:
            reaches[node.index] = is_float(node) and any(reaches[a.index] for a in node.args)

    n_inputs = len(program.input_dtypes)
    adjoints = {}
    for j, (out, dtype) in enumerate(zip(program.outputs, program.output_dtypes)):
        if dtype.is_floating_point and reaches[out.index]:
            g = b.builder.input(n_inputs + j, dtype)
            adjoints.setdefault(out.index, []).append(b.cast(g, out.dtype))

    grads = {}
    for node in reversed(program.nodes):
        parts = adjoints.pop(node.index, None)
        if not parts:
            continue
        g = b.total(parts)
        if node.op == "input":
            grads[node.value] = g
            continue
        args = [copies[a.index] for a in node.args]
        for position, contribution in _RULES[node.op](b, copies[node.index], args, g):
            arg = node.args[position]
            if reaches[arg.index]:
                adjoints.setdefault(arg.index, []).append(contribution)

    grad_inputs = tuple(k for k in sorted(grads))
    float_outputs = tuple(n_inputs + j for j, d in enumerate(program.output_dtypes)
                          if d.is_floating_point)
    backward = finish(b.builder, [grads[k] for k in grad_inputs],
                      [program.input_dtypes[k] for k in grad_inputs],
                      program.input_dtypes + program.output_dtypes, program.param_kinds,
                      float_outputs, "bwd")
    backward.grad_inputs = grad_inputs
    return backward


class _Algebra:
    """The builder with short names for the derivative rules."""

    def __init__(self):
        self.builder = Builder()

    def copy(self, node, args):
        b = self.builder
        if node.op == "input":
            return b.input(node.value, node.dtype)
        if node.op == "param":
            return b.param(node.value, node.dtype)
        if node.op == "const":
            return b.const(node.value)
        if node.op == "cast":
            return b.cast(args[0], node.dtype)
        return b.op(node.op, *args)

    def total(self, parts):
        g = parts[0]
        for p in parts[1:]:
            g = self.builder.op("add", g, p)
        return g

    def cast(self, x, dtype):
        return self.builder.cast(x, dtype)

    def const(self, value):
        return self.builder.const(value)

    def and_(self, a, c):
        return self.builder.op("and", a, c)

    def or_(self, a, c):
        return self.builder.op("or", a, c)

    def __getattr__(self, op):
        builder = self.builder
        return lambda *args: builder.op(op, *args)


def _pow(b, y, args, g):
    base, exponent = args
    if exponent.op == "const":
        p = exponent.value
        if p == 0:
            return [(0, b.const(0.0))]  # torch's gradient of x ** 0 is 0, never NaN
        return [(0, b.mul(g, b.mul(b.const(p), b.pow(base, b.const(p - 1)))))]
    grad_base = b.mul(b.mul(g, exponent), b.pow(base, b.sub(exponent, b.const(1))))
    # d/db a^b = a^b log a, taken as 0 where a == 0 and b >= 0 (torch's convention)
    zero_base = b.and_(b.eq(base, b.const(0)), b.ge(exponent, b.const(0)))
    grad_exponent = b.where(zero_base, b.const(0.0), b.mul(b.mul(g, y), b.log(base)))
    return [(0, grad_base), (1, grad_exponent)]


def _extremum(wins):
    def rule(b, y, args, g):
        a, c = args
        a_wins, tie = getattr(b, wins)(a, c), b.eq(a, c)
        half = b.where(tie, b.div(g, b.const(2)), g)  # ties split the gradient, as torch does
        return [(0, b.where(b.or_(a_wins, tie), half, b.const(0.0))),
                (1, b.where(a_wins, b.const(0.0), half))]

    return rule


def _clamp(inside, outside):
    def rule(b, y, args, g):
        a, bound = args
        return [(0, b.where(getattr(b, inside)(a, bound), g, b.const(0.0))),
                (1, b.where(getattr(b, outside)(a, bound), g, b.const(0.0)))]

    return rule


def _where(b, y, args, g):
    cond = args[0]
    return [(1, b.where(cond, g, b.const(0.0))), (2, b.where(cond, b.const(0.0), g))]


def _cast(b, y, args, g):
    source = args[0]
    return [(0, b.cast(g, source.dtype))] if is_float(source) else []


def _none(b, y, args, g):
    return []


_RULES = {
    "add": lambda b, y, args, g: [(0, g), (1, g)],
    "sub": lambda b, y, args, g: [(0, g), (1, b.neg(g))],
    "mul": lambda b, y, args, g: [(0, b.mul(g, args[1])), (1, b.mul(g, args[0]))],
    "div": lambda b, y, args, g: [(0, b.div(g, args[1])),
                                  (1, b.div(b.mul(b.neg(g), args[0]), b.mul(args[1], args[1])))],
    "neg": lambda b, y, args, g: [(0, b.neg(g))],
    "reciprocal": lambda b, y, args, g: [(0, b.mul(b.neg(g), b.mul(y, y)))],
    "pow": _pow,
    "maximum": _extremum("gt"),
    "minimum": _extremum("lt"),
    "clamp_min": _clamp("ge", "lt"),
    "clamp_max": _clamp("le", "gt"),
    "exp": lambda b, y, args, g: [(0, b.mul(g, y))],
    "log": lambda b, y, args, g: [(0, b.div(g, args[0]))],
    "sqrt": lambda b, y, args, g: [(0, b.div(g, b.mul(b.const(2), y)))],
    "sin": lambda b, y, args, g: [(0, b.mul(g, b.cos(args[0])))],
    "cos": lambda b, y, args, g: [(0, b.mul(b.neg(g), b.sin(args[0])))],
    "tanh": lambda b, y, args, g: [(0, b.mul(g, b.sub(b.const(1), b.mul(y, y))))],
    "sigmoid": lambda b, y, args, g: [(0, b.mul(b.mul(g, y), b.sub(b.const(1), y)))],
    "relu": lambda b, y, args, g: [(0, b.where(b.gt(y, b.const(0)), g, b.const(0.0)))],
    "abs": lambda b, y, args, g: [(0, b.mul(g, b.sign(args[0])))],
    "sign": lambda b, y, args, g: [(0, b.const(0.0))],
    "erf": lambda b, y, args, g: [(0, b.mul(g, b.mul(b.const(_TWO_OVER_SQRT_PI),
                                                      b.exp(b.neg(b.mul(args[0], args[0]))))))],
    "where": _where,
    "cast": _cast,
    **{op: _none for op in ("eq", "ne", "lt", "le", "gt", "ge", "and", "or", "xor", "not")},
}
