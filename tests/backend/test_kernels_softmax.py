"""kernels/softmax.cu under the CPU CUDA emulator, launched with the very plans (grids, argument
lists) the cuda backend runs (``softmax_norm_args``), against the cpu backend's primitives.

Rows shorter and longer than the block, the one-thread-per-row layout (short rows, inner dims),
grids smaller than the work (``max_blocks`` 2: the kernels stride), float16/32/64, logits of +-1e4.
"""
import numpy as np
import pytest

from autograd_gpu.backend import kernels
from autograd_gpu.backend import softmax_norm_args as plans
from autograd_gpu.backend.cpu import numpy_backend

emulator = pytest.importorskip("cuda_emulator")

GRIDS = [2, 1024]  # max_blocks: fewer blocks than rows (grid-stride loops), and plenty
TOLERANCE = {"float32": {"rtol": 1e-5, "atol": 1e-6}, "float64": {"rtol": 1e-12, "atol": 1e-14},
             "float16": {"rtol": 2e-3, "atol": 2e-3}}

# (shape, dim, the kernel layout the plan must pick)
CASES = [
    ((7, 300), 1, "rows"),        # rows longer than the block: threads stride along the row
    ((3, 257), 1, "rows"),        # one more than the block
    ((5, 65), -1, "rows"),        # just above the short-row limit
    ((1000,), 0, "rows"),         # a single row
    ((6, 10), 1, "cols"),         # short rows: one thread each
    ((2, 5, 7), 1, "cols"),       # an inner dim: dim 1 of [2, 5, 7]
    ((2, 5, 7), 0, "cols"),
    ((3, 300, 2), 1, "cols"),     # long strided rows
    ((), None, "cols"),           # a 0-d array: its single element
]


def run(launches):
    for launch in launches:
        name = f"{launch.name}<{kernels.CTYPES[np.dtype(launch.dtype)]}>"
        emulator.EmulatedModule.for_family(launch.family).get_function(name)(
            launch.grid, launch.block, launch.args)


def positive_dim(shape, dim):
    return None if dim is None else dim % len(shape)


def reference(name, dtype, *arrays):
    """The cpu primitive, in float64 for float16 inputs (numpy would compute in float16)."""
    wide = [a.astype(np.float64) if dtype == "float16" else a for a in arrays[:-1]]
    return getattr(numpy_backend, name)(*wide, arrays[-1])


@pytest.mark.parametrize("max_blocks", GRIDS)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("is_log", [False, True], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-dim{c[1]}")
def test_forward_and_backward_match_cpu_primitives(case, is_log, dtype, max_blocks, rng):
    shape, dim, layout = case
    dim = positive_dim(shape, dim)
    x = rng.uniform(-4, 4, size=shape).astype(dtype)
    y, launches = plans.softmax_forward(np, x, dim, is_log, max_blocks)
    assert [launch.name for launch in launches] == [f"softmax_forward_{layout}"]
    run(launches)
    name = "log_softmax" if is_log else "softmax"
    np.testing.assert_allclose(y, reference(name, dtype, x, dim), **TOLERANCE[dtype])

    gy = rng.uniform(-1, 1, size=shape).astype(dtype)
    gx, launches = plans.softmax_backward(np, y, gy, dim, is_log, max_blocks)
    assert [launch.name for launch in launches] == [f"softmax_backward_{layout}"]
    run(launches)
    expected = reference(f"{name}_backward", dtype, y, gy, dim)
    np.testing.assert_allclose(gx, expected, **TOLERANCE[dtype])


@pytest.mark.parametrize("shape", [(2, 4), (2, 300)], ids=str)
@pytest.mark.parametrize("is_log", [False, True], ids=["softmax", "log_softmax"])
def test_huge_logits_stay_finite_in_float32(shape, is_log, rng):
    x = rng.uniform(-1, 1, size=shape).astype("float32")
    x[0, 0], x[0, 1], x[1, 0], x[1, -1] = 1e4, -1e4, -1e4, 1e4 - 3
    y, launches = plans.softmax_forward(np, x, 1, is_log, 1024)
    run(launches)
    assert np.isfinite(y).all()
    name = "log_softmax" if is_log else "softmax"
    np.testing.assert_allclose(y, getattr(numpy_backend, name)(x, 1), rtol=1e-5, atol=1e-6)


def test_nan_propagates_along_its_row_only(rng):
    x = rng.uniform(-1, 1, size=(3, 300)).astype("float32")
    x[1, 123] = np.nan
    y, launches = plans.softmax_forward(np, x, 1, False, 1024)
    run(launches)
    assert np.isnan(y[1]).all() and np.isfinite(y[[0, 2]]).all()


def test_empty_input_launches_nothing():
    y, launches = plans.softmax_forward(np, np.zeros((0, 5), "float32"), 1, False, 1024)
    assert launches == () and y.shape == (0, 5)
