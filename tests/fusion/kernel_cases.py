"""The generated kernels the NVRTC and emulator tests compile: fused functions x launch layouts x
dtypes, forward and backward, each with its program, layout and argument arrays.

A case's arrays may be views (a transposed input, an upstream gradient broadcast from one value,
as ``sum``'s backward hands it over): ``kernel_arguments`` reads their strides, and ``memory``
gives the contiguous array that holds their elements, which the emulator takes as the pointer.
"""
import itertools
import math

import numpy as np

import autograd_gpu as ag
from autograd_gpu.backend.fused import kernel_arguments
from autograd_gpu.fusion import erf, fuse
from autograd_gpu.fusion.codegen import PRELUDE, kernel_definition
from autograd_gpu.fusion.function import broadcast_shapes
from fusion.chains import chain8

_K = math.sqrt(2.0 / math.pi)

FUNCTIONS = {  # name: (fused function, number of tensor inputs, scalar arguments)
    "chain8": (fuse(lambda x, y: chain8(ag, x, y)), 2, ()),
    "gelu_erf": (fuse(lambda x: x * 0.5 * (1.0 + erf(x * math.sqrt(0.5)))), 1, ()),
    "gelu_tanh": (fuse(lambda x: 0.5 * x * (1.0 + ag.tanh(_K * (x + 0.044715 * (x * x * x))))),
                  1, ()),
    "bce": (fuse(lambda x, y: (1 - y) * x + ag.clamp(-x, min=0)
                 + ag.log(ag.exp(-ag.clamp(-x, min=0)) + ag.exp(-x - ag.clamp(-x, min=0)))), 2, ()),
    "select": (fuse(lambda x, y, s: ag.maximum(ag.where(x > y, x * s, y - s), x.clamp(-0.5, 0.75))
                    + ag.minimum(x, y) ** 2 / (1 + y.abs().sqrt()) + x.relu() * y.sin().cos()),
               2, (1.75,)),
    "params": (fuse(lambda x, a, n, flag: (x * a - n) * flag + x.abs() ** a), 1, (1.5, 3, True)),
    "two_outputs": (fuse(lambda x, y: (x * y, (x > y) | (y < -1.0))), 2, ()),
    "casts": (fuse(lambda x, y: (x * 3.1).half().float() + y.double() * 0.1), 2, ()),
}
FLOAT16_FUNCTIONS = ("chain8", "gelu_tanh", "params", "casts")

LAYOUTS = {  # name: the shapes of the (up to two) inputs; "transposed" reads input 0 transposed
    "1": ((1,), (1,)),
    "255": ((255,), (255,)),
    "257": ((257,), (257,)),
    "3000": ((3000,), (3000,)),
    "row_col": ((3, 1), (1, 257)),
    "inner": ((2, 3, 40), (40,)),  # coalesced to (6, 40)
    "cross": ((5, 1, 3), (1, 2, 3)),  # three dims, both inputs broadcast
    "scalar": ((), (255,)),
    "zero_dim": ((), ()),
    "transposed": ((7, 5), (5, 7)),
}


def case_ids(layouts=tuple(LAYOUTS)):
    """(function, layout, dtype, direction) of every case (of the given layouts)."""
    ids = []
    for fn, layout, dtype, direction in itertools.product(FUNCTIONS, layouts, ("float32", "float64",
                                                          "float16"), ("fwd", "bwd")):
        if dtype == "float16" and fn not in FLOAT16_FUNCTIONS:
            continue
        ids.append((fn, layout, dtype, direction))
    return ids


def _input_arrays(rng, fn, layout, dtype):
    """The case's input arrays (views where the layout says so), values in [-2, 2]."""
    n_inputs = FUNCTIONS[fn][1]
    shapes = LAYOUTS[layout]
    if n_inputs == 1:
        shapes = (shapes[0] if layout == "transposed" else broadcast_shapes("case", shapes),)
    arrays = [rng.uniform(-2, 2, size=s).astype(dtype) for s in shapes]
    if layout == "transposed":
        arrays[0] = arrays[0].T
    return arrays


def build(rng, fn, layout, dtype, direction):
    """(program, arrays, params, shape): the program of the case and what it runs on."""
    fused, _, scalars = FUNCTIONS[fn]
    arrays = _input_arrays(rng, fn, layout, dtype)
    program = fused.program(*(ag.tensor(np.ascontiguousarray(a)) for a in arrays), *scalars)
    shape = broadcast_shapes("case", [arrays[k].shape for k in program.shape_inputs])
    if direction == "bwd":
        program = program.backward(tuple(True for _ in arrays))
        grads = []
        for j, d in enumerate(program.input_dtypes[len(arrays):]):
            value = rng.uniform(-2, 2, size=shape).astype(d.np)
            if j == 0 and layout == "row_col":  # as sum's backward hands a gradient over
                value = np.broadcast_to(np.asarray(value.flat[0]).reshape(1), shape)
            grads.append(value if d.is_floating_point else None)
        arrays = arrays + grads
    return program, arrays, list(scalars), shape


def memory(array):
    """The contiguous array holding a view's elements (the pointer the kernel is given)."""
    while array is not None and not array.flags.c_contiguous:
        array = array.base
    return array


def launch(program, arrays, params, shape):
    """(outputs, name expression, definition, args) of the case's launch, the outputs empty."""
    outs = [np.empty(shape, d.np) for d in program.output_dtypes]
    rank, strided, args = kernel_arguments(program, arrays, params, shape, outs)
    definition, name_expression = kernel_definition(program, rank, strided)
    args = [memory(a) if isinstance(a, np.ndarray) else a for a in args]
    return outs, name_expression, definition, args


def module_source(definitions):
    """One translation unit holding every distinct kernel definition."""
    unique = {}
    for definition, name_expression in definitions:
        unique.setdefault(name_expression.split("<")[0], definition)
    return PRELUDE + "".join(unique.values())
