"""``cuda_softmax_norm.CudaSoftmaxNorm`` itself, without a GPU: numpy stands in for CuPy (its
ndarray is "a CuPy array") and every launch runs under the CPU CUDA emulator.

This proves the glue the kernel tests cannot see: which calls take the kernels and which fall back,
contiguity, dtypes, broadcast operands, statistics handed over in the compute dtype; and, with the
cpu backend's primitives swapped for the emulated ones, the ops end to end against torch
(forward, backward, double backward). Where CuPy is installed the real module is tested on the GPU
by the op tests instead, and this file is skipped.
"""
import importlib
import importlib.util
import sys
import types

import numpy as np
import pytest
from helpers import check_grad, check_parity, random_array, torch_or_skip

import autograd_gpu as ag
import autograd_gpu.backend
from autograd_gpu.backend import kernels
from autograd_gpu.backend.cpu import NumpyBackend, numpy_backend
from autograd_gpu.backend.device_errors import TargetCheck
from autograd_gpu.ops import activation as A
from autograd_gpu.ops import loss as L
from autograd_gpu.ops import normalization as N

emulator = pytest.importorskip("cuda_emulator")
if importlib.util.find_spec("cupy") is not None:
    pytest.skip("CuPy is installed: the op tests run the real module on the GPU",
                allow_module_level=True)
torch = torch_or_skip()
TF = torch.nn.functional

PRIMITIVES = ("softmax", "log_softmax", "softmax_backward", "log_softmax_backward", "nll_forward",
              "nll_backward", "bce_with_logits", "bce_with_logits_backward",
              "bce_with_logits_target_backward", "batch_norm_train", "batch_norm_eval",
              "batch_norm_backward")


def _fake_cupy():
    """A module named cupy that is numpy, plus the device calls ``cuda_util`` makes."""
    fake = types.ModuleType("cupy")
    fake.__getattr__ = lambda name: getattr(np, name)
    fake.cuda = types.SimpleNamespace(device=types.SimpleNamespace(get_device_id=lambda: 0),
                                      Device=None)
    return fake


class Launches:
    """Runs launches under the emulator, and counts them by kernel name."""

    def __init__(self):
        self.names = []

    def __call__(self, device_id, family, name, dtype, grid, block, *args):
        assert device_id == 0
        self.names.append(name)
        kernel = emulator.EmulatedModule.for_family(family).get_function(
            f"{name}<{kernels.CTYPES[np.dtype(dtype)]}>")
        kernel(grid, block, args)


@pytest.fixture
def launches(monkeypatch):
    record = Launches()
    monkeypatch.setattr(kernels, "launch_grid", record)
    monkeypatch.setattr(kernels, "max_blocks", lambda device_id: 3)  # grids stride
    return record


@pytest.fixture
def emulated(monkeypatch, launches):
    """A backend of the cuda mixin over the cpu backend, imported against the fake CuPy; the
    modules bound to it are forgotten afterwards, so that a later import gets the real ones."""
    package = autograd_gpu.backend
    submodules = ("cuda_util", "cuda_softmax_norm")
    for name in submodules:
        monkeypatch.delitem(sys.modules, f"{package.__name__}.{name}", raising=False)
        monkeypatch.delattr(package, name, raising=False)
    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy())
    module = importlib.import_module(f"{package.__name__}.cuda_softmax_norm")
    for name in submodules:
        del sys.modules[f"{package.__name__}.{name}"]
        delattr(package, name)

    class EmulatedCuda(module.CudaSoftmaxNorm, NumpyBackend):
        index = 0
        target_check = TargetCheck(np)

    return EmulatedCuda()


@pytest.fixture
def ops_on_kernels(monkeypatch, emulated):
    """The cpu backend's primitives replaced by the emulated cuda ones: ops run the kernels."""
    for name in PRIMITIVES:
        monkeypatch.setattr(numpy_backend, name, getattr(emulated, name))
    return emulated


# -- the module's choices ------------------------------------------------------------------------

def test_non_contiguous_inputs_take_the_kernels(emulated, launches, rng):
    x = random_array(rng, (300, 4)).T  # (4, 300), rows 300 apart
    y = emulated.log_softmax(x, 1)
    assert launches.names == ["softmax_forward_rows"]
    np.testing.assert_allclose(y, numpy_backend.log_softmax(x, 1), rtol=1e-5, atol=1e-6)
    gy = random_array(rng, (300, 4)).T
    gx = emulated.log_softmax_backward(y, gy, 1)
    assert launches.names[-1] == "softmax_backward_rows"
    np.testing.assert_allclose(gx, numpy_backend.log_softmax_backward(y, gy, 1), rtol=1e-5,
                               atol=1e-5)


def test_mixed_dtypes_fall_back(emulated, launches, rng):
    y = random_array(rng, (3, 5), "float32")
    gy = random_array(rng, (3, 5), "float64")
    np.testing.assert_allclose(emulated.softmax_backward(y, gy, 1),
                               numpy_backend.softmax_backward(y, gy, 1))
    x, t = random_array(rng, (3, 5)), random_array(rng, (3, 5))
    emulated.bce_with_logits(x, t, random_array(rng, (3, 5), "float64"))
    weight = random_array(rng, (5,), "float64")
    emulated.batch_norm_train(x, weight, None, 1e-5)
    assert launches.names == []


def test_bce_operand_widening_the_input_falls_back(emulated, launches, rng):
    x, t = random_array(rng, (3, 4)), random_array(rng, (3, 4))
    pos_weight = random_array(rng, (2, 3, 4), positive=True)
    loss = emulated.bce_with_logits(x, t, pos_weight)
    assert launches.names == [] and loss.shape == (2, 3, 4)
    emulated.bce_with_logits(x, t, pos_weight[0, :1])  # (1, 4): a trailing block
    assert launches.names == ["bce_with_logits_forward"]


def test_nll_coefficients_of_any_dtype(emulated, launches, rng):
    target = rng.integers(0, 4, size=6)
    coef = random_array(rng, (6,), "float64")
    out = emulated.nll_backward((6, 4), target, coef, None, np.dtype("float32"))
    assert launches.names == ["nll_backward"] and out.dtype == np.float32
    np.testing.assert_allclose(out, numpy_backend.nll_backward((6, 4), target, coef, None,
                                                               np.dtype("float32")), rtol=1e-6)


def test_batch_norm_statistics_in_another_dtype_or_shape(emulated, launches, rng):
    """Running statistics arrive as they are stored (float64 here, shaped (1, C, 1)); the
    kernels get them as (C,) vectors of the compute dtype."""
    x = random_array(rng, (4, 3, 5), "float16")
    mean = random_array(rng, (1, 3, 1), "float64")
    invstd = random_array(rng, (1, 3, 1), "float64", positive=True)
    y = emulated.batch_norm_eval(x, None, None, mean, invstd)
    assert launches.names == ["batch_norm_forward"] and y.dtype == np.float16
    expected = numpy_backend.batch_norm_eval(x.astype(np.float64), None, None, mean.reshape(-1),
                                             invstd.reshape(-1))
    np.testing.assert_allclose(y, expected, rtol=2e-3, atol=2e-3)


# -- the ops, end to end through the kernels -------------------------------------------------------

def F(t, module):
    return module if t is ag else TF


@pytest.mark.parametrize("shape, dim", [((4, 300), 1), ((2, 5, 7), 1), ((6, 10), 0)], ids=str)
@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_ops(fn, shape, dim, ops_on_kernels, launches, rng):
    check_parity(lambda t, v: getattr(F(t, A), fn)(v, dim=dim), random_array(rng, shape),
                 rng=rng)
    assert any(name.startswith("softmax_backward") for name in launches.names)
    check_grad(lambda t, v: getattr(F(t, A), fn)(v, dim=dim), random_array(rng, (2, 3, 2)))


@pytest.mark.parametrize("smoothing", [0.0, 0.2], ids=["hard", "smoothed"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shapes", [((7, 300), (7,)), ((3, 4, 5), (3, 5))], ids=str)
def test_cross_entropy(shapes, reduction, smoothing, ops_on_kernels, launches, rng):
    in_shape, t_shape = shapes
    target = rng.integers(0, in_shape[1], size=t_shape)
    target.reshape(-1)[::3] = -1  # ignored
    weight = random_array(rng, (in_shape[1],), positive=True)

    def fn(t, x, tgt):
        return F(t, L).cross_entropy(x, tgt, t.tensor(weight), ignore_index=-1,
                                     reduction=reduction, label_smoothing=smoothing)

    check_parity(fn, random_array(rng, in_shape, low=-3.0, high=3.0), target, rng=rng)
    assert {"nll_forward", "nll_backward"} <= set(launches.names)


def test_a_target_out_of_range_is_raised_at_the_next_read_not_before(ops_on_kernels, launches,
                                                                      rng):
    """No host read of the targets on the hot path: the kernel reports the bad target, the loss is
    NaN, and the backend raises at its next read (``CupyBackend.to_host`` and ``synchronize`` call
    ``raise_if_found``), once."""
    x = ag.tensor(random_array(rng, (5, 4)), requires_grad=True)
    loss = L.cross_entropy(x, ag.tensor(np.array([0, 3, 4, 1, -100])))
    assert "nll_forward" in launches.names
    assert np.isnan(loss._data)
    with pytest.raises(IndexError, match=r"^Target 4 is out of bounds\. nll_loss expects class "
                                         r"indices in \[0, 3\] .*ignore_index=-100\)\. Found on "
                                         r"cuda:0"):
        ops_on_kernels.target_check.raise_if_found("cuda:0")
    ops_on_kernels.target_check.raise_if_found("cuda:0")  # reported once; the buffer is clear
    L.cross_entropy(x, ag.tensor(np.array([0, 3, 2, 1, -100]))).backward()
    ops_on_kernels.target_check.raise_if_found("cuda:0")


def test_cross_entropy_gradcheck(ops_on_kernels, rng):
    target = np.array([1, 0, -100, 2])
    check_grad(lambda t, x: F(t, L).cross_entropy(x, t.tensor(target), label_smoothing=0.25),
               random_array(rng, (4, 3)))


@pytest.mark.parametrize("reduction", ["mean", "none"])
@pytest.mark.parametrize("pos_weight", [None, (4,), (3, 1)], ids=str)
def test_bce_with_logits(pos_weight, reduction, ops_on_kernels, launches, rng):
    pw = None if pos_weight is None else random_array(rng, pos_weight, positive=True)
    weight = random_array(rng, (3, 1), positive=True)

    def fn(t, x, y):
        return F(t, L).binary_cross_entropy_with_logits(
            x, y, t.tensor(weight), reduction=reduction,
            pos_weight=None if pw is None else t.tensor(pw))

    check_parity(fn, random_array(rng, (3, 4), low=-8.0, high=8.0),
                 rng.uniform(0, 1, size=(3, 4)).astype("float32"), rng=rng)
    assert {"bce_with_logits_backward", "bce_with_logits_target_backward"} <= set(launches.names)
    check_grad(fn, random_array(rng, (3, 4)), rng.uniform(0, 1, size=(3, 4)))


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("shape", [(300, 3), (2, 3, 48, 48)], ids=str)
def test_batch_norm(shape, training, ops_on_kernels, launches, rng):
    mean, var = random_array(rng, (shape[1],)), random_array(rng, (shape[1],), positive=True)
    stats = {t: (t.tensor(mean), t.tensor(var)) for t in (ag, torch)}

    def fn(t, x, w, b):
        return F(t, N).batch_norm(x, *stats[t], w, b, training=training, momentum=0.3)

    check_parity(fn, random_array(rng, shape, low=-3.0, high=5.0),
                 random_array(rng, (shape[1],)), random_array(rng, (shape[1],)), rng=rng,
                 atol=1e-4)
    for ours, theirs in zip(stats[ag], stats[torch]):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
    assert ("batch_norm_backward_input" in launches.names) == training


def test_batch_norm_double_backward(ops_on_kernels, launches, rng):
    check_grad(lambda t, x, w, b: F(t, N).batch_norm(x, None, None, w, b, training=True),
               random_array(rng, (4, 3, 2)), random_array(rng, (3,)), random_array(rng, (3,)))
    assert "batch_norm_backward_partial" in launches.names
