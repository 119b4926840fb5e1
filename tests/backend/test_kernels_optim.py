"""kernels/optim.cu (multi-tensor SGD and Adam/AdamW steps) under the CPU CUDA emulator, launched
with the very launches the cuda backend makes (``optim_step_args.sgd_launches``/``adam_launches``,
numpy addresses in place of device ones), against the cpu backend's primitives.

Lists of tensors of odd sizes (1, 3, 257, 1000 elements, a 0-d one, an empty one) so that the
binary search from element to tensor and the grid-stride loop cross tensor boundaries; grids of
one block, two blocks and one thread per element; several steps; every flag combination.
float32 and float64 must match numpy bit for bit (the kernels round each operation as numpy
does); float16 computes in float and is compared with a float32 reference.
"""
import itertools

import numpy as np
import pytest

from autograd_gpu.backend import kernels
from autograd_gpu.backend.cpu import numpy_backend
from autograd_gpu.backend.optim_step_args import adam_launches, sgd_launches, tensor_table

emulator = pytest.importorskip("cuda_emulator")

SHAPES = [(1,), (3,), (257,), (40, 25), (), (0,)]
GRIDS = {"one_block": lambda n: 1, "two_blocks": lambda n: 2,
         "thread_per_element": lambda n: -(-n // kernels.BLOCK)}
HALF_TOLERANCE = {"rtol": 4e-3, "atol": 4e-3}


def address(array):
    return array.ctypes.data


def run(launches, grid="thread_per_element"):
    """Runs launches as ``kernels.launch`` would (block ``kernels.BLOCK``, count last)."""
    count = 0
    for name, dtype, n, args in launches:
        kernel = emulator.EmulatedModule.for_family("optim").get_function(
            f"{name}<{kernels.CTYPES[np.dtype(dtype)]}>")
        kernel(GRIDS[grid](n), kernels.BLOCK, (*args, n))
        count += 1
    return count


def arrays(rng, dtype, shapes=SHAPES, low=-2.0, high=2.0):
    return [rng.uniform(low, high, size=s).astype(dtype) for s in shapes]


def copies(items):
    return None if items is None else [None if a is None else a.copy() for a in items]


def assert_same(actual, expected, dtype, what):
    for i, (a, e) in enumerate(zip(actual, expected)):
        assert a.shape == e.shape and a.dtype == np.dtype(dtype), f"{what} {i}"
        if dtype == "float16":
            np.testing.assert_allclose(a, e.astype(np.float16), **HALF_TOLERANCE,
                                       err_msg=f"{what} {i}")
        else:
            np.testing.assert_array_equal(a, e, err_msg=f"{what} {i}")


def test_tensor_table_holds_offsets_then_addresses():
    a, b, c = np.zeros(3), np.zeros((2, 5)), np.zeros(())
    g = [np.zeros_like(x) for x in (a, b, c)]
    table = tensor_table([[a, b, c], g], address)
    assert table.dtype == np.int64
    assert table[:4].tolist() == [0, 3, 13, 14]
    assert table[4:7].tolist() == [address(x) for x in (a, b, c)]
    assert table[7:].tolist() == [address(x) for x in g]


# -- SGD -------------------------------------------------------------------------------------------

def sgd_cases():
    for momentum, dampening, nesterov, weight_decay, maximize in itertools.product(
            [0, 0.9], [0, 0.3], [False, True], [0, 0.1], [False, True]):
        if nesterov and (momentum == 0 or dampening != 0) or momentum == 0 and dampening != 0:
            continue
        yield {"lr": 0.05, "momentum": momentum, "dampening": dampening, "nesterov": nesterov,
               "weight_decay": weight_decay, "maximize": maximize}


SGD_CASES = {"-".join(f"{k}={v}" for k, v in case.items() if k != "lr"): case
             for case in sgd_cases()}


def sgd_kernel_step(params, grads, bufs, hyper, grid="thread_per_element"):
    """One step the way ``CudaOptimStep.sgd_step`` takes it: new buffers allocated (empty) for
    the kernel to fill. Returns the buffers and the number of launches."""
    new = [False] * len(params)
    if bufs is not None:
        new = [b is None for b in bufs]
        bufs = [np.empty_like(p) if b is None else b for p, b in zip(params, bufs)]
    count = run(sgd_launches(params, grads, bufs, new, address=address, to_device=lambda t: t,
                             **hyper), grid)
    return bufs, count


@pytest.mark.parametrize("grid", GRIDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", SGD_CASES)
def test_sgd_step_matches_the_cpu_primitive(case, dtype, grid, rng):
    hyper = SGD_CASES[case]
    params = arrays(rng, dtype)
    expected = copies(params)
    bufs = None if hyper["momentum"] == 0 else [None] * len(params)
    expected_bufs = copies(bufs)
    for _ in range(3):
        grads = arrays(rng, dtype)
        frozen = copies(grads)
        bufs, count = sgd_kernel_step(params, grads, bufs, hyper, grid)
        expected_bufs = numpy_backend.sgd_step(expected, grads, expected_bufs, **hyper)
        assert count == 1
        assert_same(params, expected, dtype, "param")
        assert_same(grads, frozen, dtype, "grad (read only)")
        if hyper["momentum"] == 0:
            assert bufs is None and expected_bufs is None
        else:
            assert_same(bufs, expected_bufs, dtype, "momentum buffer")


@pytest.mark.parametrize("case", ["momentum=0.9-dampening=0-nesterov=True-weight_decay=0.1-"
                                  "maximize=True", "momentum=0.9-dampening=0.3-nesterov=False-"
                                  "weight_decay=0-maximize=False"])
def test_sgd_step_float16_computes_in_float(case, rng):
    hyper = SGD_CASES[case]
    params = arrays(rng, "float16")
    bufs = [None] * len(params)
    for _ in range(3):
        grads = arrays(rng, "float16")
        wide = [a.astype(np.float32) for a in params]
        wide_bufs = [None if b is None else b.astype(np.float32) for b in bufs]
        wide_bufs = numpy_backend.sgd_step(wide, [g.astype(np.float32) for g in grads],
                                           wide_bufs, **hyper)
        bufs, _ = sgd_kernel_step(params, grads, bufs, hyper)
        assert_same(params, wide, "float16", "param")
        assert_same(bufs, wide_bufs, "float16", "momentum buffer")


def test_sgd_launches_one_per_dtype_and_buffer_age(rng):
    """A group mixing float32 and float64, and parameters with and without a buffer yet."""
    hyper = SGD_CASES["momentum=0.9-dampening=0.3-nesterov=False-weight_decay=0.1-maximize=False"]
    params = arrays(rng, "float32", SHAPES[:3]) + arrays(rng, "float64", SHAPES[2:4])
    grads = [rng.uniform(-1, 1, p.shape).astype(p.dtype) for p in params]
    bufs = [None, rng.uniform(-1, 1, 3).astype(np.float32), None,
            rng.uniform(-1, 1, 257), None]
    expected, expected_bufs = copies(params), copies(bufs)
    bufs, count = sgd_kernel_step(params, grads, bufs, hyper, "two_blocks")
    expected_bufs = numpy_backend.sgd_step(expected, grads, expected_bufs, **hyper)
    assert count == 4  # (float32, new), (float32, old), (float64, old), (float64, new)
    for dtype in ("float32", "float64"):
        mine = [i for i, p in enumerate(params) if p.dtype == dtype]
        assert_same([params[i] for i in mine], [expected[i] for i in mine], dtype, "param")
        assert_same([bufs[i] for i in mine], [expected_bufs[i] for i in mine], dtype, "buffer")


# -- Adam and AdamW --------------------------------------------------------------------------------

ADAM_CASES = {
    f"{'AdamW' if decoupled else 'Adam'}-betas={betas}-wd={wd}-amsgrad={amsgrad}-max={maximize}":
        {"lr": 0.01, "beta1": betas[0], "beta2": betas[1], "eps": 1e-8, "weight_decay": wd,
         "decoupled": decoupled, "amsgrad": amsgrad, "maximize": maximize}
    for decoupled, betas, wd, amsgrad, maximize in itertools.product(
        [False, True], [(0.9, 0.999), (0.3, 0.9)], [0, 0.1], [False, True], [False, True])
}


def adam_state(rng, dtype, amsgrad, shapes=SHAPES):
    """exp_avg, exp_avg_sq (and max_exp_avg_sq) as a few steps would leave them."""
    m = arrays(rng, dtype, shapes, -0.5, 0.5)
    v = arrays(rng, dtype, shapes, 0.0, 0.5)
    vmax = [np.maximum(a, b, out=b) for a, b in zip(v, arrays(rng, dtype, shapes, 0.0, 0.5))]
    return m, v, vmax if amsgrad else None


def adam_kernel_step(params, grads, m, v, vmax, steps, hyper, grid="thread_per_element"):
    hyper = {k: val for k, val in hyper.items() if k != "amsgrad"}
    return run(adam_launches(params, grads, m, v, vmax, steps, address=address,
                             to_device=lambda t: t, **hyper), grid)


def cpu_adam_step(params, grads, m, v, vmax, steps, hyper):
    hyper = {k: val for k, val in hyper.items() if k != "amsgrad"}
    numpy_backend.adam_step(params, grads, m, v, vmax, steps, **hyper)


@pytest.mark.parametrize("grid", ["one_block", "thread_per_element"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", ADAM_CASES)
def test_adam_step_matches_the_cpu_primitive(case, dtype, grid, rng):
    hyper = ADAM_CASES[case]
    params = arrays(rng, dtype)
    m, v, vmax = adam_state(rng, dtype, hyper["amsgrad"])
    expected, em, ev, evmax = copies(params), copies(m), copies(v), copies(vmax)
    for step in (1.0, 2.0, 3.0):
        grads = arrays(rng, dtype)
        steps = [step] * len(params)
        assert adam_kernel_step(params, grads, m, v, vmax, steps, hyper, grid) == 1
        cpu_adam_step(expected, grads, em, ev, evmax, steps, hyper)
        assert_same(params, expected, dtype, "param")
        assert_same(m, em, dtype, "exp_avg")
        assert_same(v, ev, dtype, "exp_avg_sq")
        if hyper["amsgrad"]:
            assert_same(vmax, evmax, dtype, "max_exp_avg_sq")


@pytest.mark.parametrize("case", ["Adam-betas=(0.9, 0.999)-wd=0.1-amsgrad=True-max=True",
                                  "AdamW-betas=(0.3, 0.9)-wd=0.1-amsgrad=False-max=False"])
def test_adam_step_float16_computes_in_float(case, rng):
    hyper = ADAM_CASES[case]
    params = arrays(rng, "float16")
    state = adam_state(rng, "float16", hyper["amsgrad"])
    for step in (1.0, 2.0):
        grads = arrays(rng, "float16")
        wide = [a.astype(np.float32) for a in params]
        wide_state = [None if s is None else [a.astype(np.float32) for a in s] for s in state]
        cpu_adam_step(wide, [g.astype(np.float32) for g in grads], *wide_state,
                      [step] * len(params), hyper)
        adam_kernel_step(params, grads, *state, [step] * len(params), hyper)
        assert_same(params, wide, "float16", "param")
        for actual, expected in zip(state, wide_state):
            if actual is not None:
                assert_same(actual, expected, "float16", "state")


def test_adam_launches_one_per_dtype_and_step_number(rng):
    """Parameters at different step numbers (some had no gradient on earlier steps) and dtypes."""
    hyper = ADAM_CASES["AdamW-betas=(0.9, 0.999)-wd=0.1-amsgrad=True-max=False"]
    shapes = SHAPES[:4]
    params = arrays(rng, "float64", shapes)
    params[1] = params[1].astype(np.float32)
    grads = [rng.uniform(-1, 1, p.shape).astype(p.dtype) for p in params]
    state = [[a.astype(p.dtype) for a, p in zip(s, params)]
             for s in adam_state(rng, "float64", True, shapes)]
    steps = [3.0, 3.0, 1.0, 3.0]
    expected, expected_state = copies(params), [copies(s) for s in state]
    assert adam_kernel_step(params, grads, *state, steps, hyper, "two_blocks") == 3
    cpu_adam_step(expected, grads, *expected_state, steps, hyper)
    for actual, wanted in zip([params, *state], [expected, *expected_state]):
        for a, e in zip(actual, wanted):
            np.testing.assert_array_equal(a, e)
