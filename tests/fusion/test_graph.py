"""The parts under ``fuse``: the expression builder (sharing, exact simplifications, constant
folding with IEEE results), symbolic derivatives (what a backward reads and computes), and the
launch layout of the generated kernels (coalescing, broadcast and transposed strides)."""
import math

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu.backend.fused import launch_layout
from autograd_gpu.fusion import fuse
from autograd_gpu.fusion.graph import Builder


def test_builder_shares_equal_nodes():
    b = Builder()
    x = b.input(0, ag.float32)
    assert b.op("exp", x) is b.op("exp", x)
    assert b.op("mul", x, b.const(2.0)) is not b.op("mul", x, b.const(2))  # 2.0 and 2 differ
    assert b.input(0, ag.float32) is x and b.input(0, ag.float64) is not x


def test_builder_simplifies_only_exactly():
    b = Builder()
    x = b.input(0, ag.float32)
    assert b.op("mul", x, b.const(1.0)) is x and b.op("mul", b.const(1), x) is x
    assert b.op("div", x, b.const(1.0)) is x and b.op("pow", x, b.const(1.0)) is x
    assert b.op("neg", b.op("neg", x)) is x
    assert b.cast(x, ag.float32) is x
    assert b.op("pow", x, b.const(0.0)).value == 1.0
    assert b.op("add", x, b.const(0.0)) is not x  # -0.0 + 0.0 is +0.0: not an identity
    assert b.op("mul", x, b.const(0.0)).op == "mul"  # inf * 0 is NaN: not zero


@pytest.mark.parametrize("op, args, expected", [
    ("div", (1.0, 0.0), math.inf), ("div", (-2.0, 0.0), -math.inf), ("div", (0.0, 0.0), math.nan),
    ("log", (0.0,), -math.inf), ("log", (-1.0,), math.nan), ("sqrt", (-4.0,), math.nan),
    ("pow", (0.0, -1.0), math.inf), ("pow", (-8.0, 1 / 3), math.nan), ("exp", (1e4,), math.inf),
    ("reciprocal", (0.0,), math.inf), ("sigmoid", (-800.0,), 0.0), ("erf", (0.5, ), math.erf(0.5)),
])
def test_constants_fold_as_ieee_arithmetic(op, args, expected):
    b = Builder()
    value = b.op(op, *(b.const(a) for a in args)).value
    assert value == expected or (math.isnan(value) and math.isnan(expected))


def test_param_cast_converts_from_the_passed_double():
    """A float parameter cast to float64 is read as float64, not rounded to float32 first."""
    b = Builder()
    p = b.param(0, ag.float32)
    cast = b.cast(p, ag.float64)
    assert cast.op == "param" and cast.dtype is ag.float64


def program_of(fn, *tensors):
    return fuse(fn).program(*tensors)


def test_backward_reads_only_what_the_derivative_needs():
    x, y = ag.ones(3), ag.ones(3)
    assert program_of(lambda a, b: a * 2 + b, x, y).backward((True, True)).used_inputs == (2,)
    mul = program_of(lambda a, b: a * b, x, y)
    assert mul.backward((True, False)).used_inputs == (1, 2)  # y and the upstream gradient
    assert mul.backward((True, False)).grad_inputs == (0,)


def test_backward_recomputes_each_intermediate_once():
    program = program_of(lambda a: (a.exp() + 1).log() * a.exp(), ag.ones(3))
    backward = program.backward((True,))
    assert sum(n.op == "exp" for n in backward.nodes) == 1
    assert sum(n.op == "log" for n in backward.nodes) == 1


def test_backward_of_backward_is_cached():
    program = program_of(lambda a: a.tanh() * a, ag.ones(3))
    assert program.backward((True,)) is program.backward((True,))
    twice = program.backward((True,)).backward((True, True))
    assert twice.kind == "bwd" and twice.grad_inputs == (0, 1)


def test_intermediates_are_released_after_their_last_use():
    program = program_of(lambda a: ((a * 2).exp() + 1).log(), ag.ones(3))
    released = [i for r in program.releases for i in r]
    assert len(released) == len(set(released))
    assert program.outputs[0].index not in released
    intermediates = [n.index for n in program.nodes if n.op not in ("const",)][:-1]
    assert set(intermediates) <= set(released)


class Strided:
    """A stand-in array: shape, element strides and itemsize are all launch_layout reads."""

    def __init__(self, shape, strides, itemsize=4):
        self.shape, self.ndim, self.itemsize = shape, len(shape), itemsize
        self.strides = tuple(s * itemsize for s in strides)


@pytest.mark.parametrize("shape, arrays, dims, strides", [
    ((3, 4), [Strided((3, 4), (4, 1)), Strided((3, 4), (4, 1))], (), [None, None]),
    ((3, 4), [Strided((3, 1), (1, 1)), Strided((1, 4), (4, 1))], (3, 4), [(1, 0), (0, 1)]),
    ((2, 3, 4), [Strided((2, 3, 4), (12, 4, 1)), Strided((4,), (1,))], (6, 4), [None, (0, 1)]),
    ((2, 3), [Strided((), ()), Strided((2, 3), (3, 1))], (6,), [(0,), None]),
    ((3, 5), [Strided((3, 5), (1, 3)), Strided((3, 5), (5, 1))], (3, 5), [(1, 3), None]),
    ((1, 5, 1), [Strided((1, 5, 1), (5, 1, 1))], (), [None]),
    ((), [Strided((), ())], (), [None]),
    ((5, 2, 3), [Strided((5, 1, 3), (3, 3, 1)), Strided((1, 2, 3), (6, 3, 1))], (5, 2, 3),
     [(3, 0, 1), (0, 3, 1)]),
], ids=["same", "row_col", "inner", "scalar", "transposed", "unit_dims", "zero_dim", "cross"])
def test_launch_layout(shape, arrays, dims, strides):
    assert launch_layout(shape, arrays) == (dims, strides)


def test_launch_layout_of_numpy_views():
    base = np.ones((4, 6), dtype="float64")
    dims, strides = launch_layout((3, 6), [base[1:], np.broadcast_to(base[0], (3, 6))])
    assert dims == (3, 6) and strides == [None, (0, 1)]
