"""Test helpers: torch parity (forward and every gradient) and float64 gradchecks.

``check_parity(fn, *arrays, device=...)`` runs ``fn(ag, *tensors)`` and ``fn(torch, *tensors)``
on the same fresh random inputs, compares outputs and the gradients of every float input for a
random upstream gradient (tinygrad's helper_test_op). ``check_grad(fn, *arrays, device=...)`` runs
autograd_gpu.autograd.gradcheck (and gradgradcheck) in float64 (PyTorch's tolerances).
"""
import io
import zipfile

import numpy as np
import pytest

import autograd_gpu as ag

TORCH_REASON = "torch is the test oracle for parity; install it with the test extra"
ORACLE_TORCH = "2.13"  # the version CI installs; messages and printed forms follow its wording


def torch_or_skip():
    return pytest.importorskip("torch", reason=TORCH_REASON)


def assert_torch_wording(ours, theirs):
    """``ours == theirs`` for a message or printed form. Where another torch than the oracle is
    installed (the GPU machine has an older one) and words it differently, the test is skipped
    with both texts: CI's torch decides the wording."""
    torch = torch_or_skip()
    if ours != theirs and not torch.__version__.startswith(ORACLE_TORCH + "."):
        pytest.skip(f"torch {torch.__version__} is not the oracle (torch {ORACLE_TORCH}) and words "
                    f"this differently: {theirs!r}; ours (torch {ORACLE_TORCH}'s): {ours!r}")
    assert ours == theirs


def reference_inputs(dtype, *arrays):
    """The arrays a numpy reference computes with: float16 ones in float64 (numpy would compute
    in float16, where a kernel accumulates in float32); None passes through."""
    return [None if a is None else a.astype(np.float64) if dtype == "float16" else a
            for a in arrays]


def random_array(rng, shape, dtype="float32", low=-2.0, high=2.0, positive=False, integers=None):
    """Fresh random values, never all zeros; ``positive`` keeps them in [0.5, high]."""
    if integers is not None:
        return rng.integers(integers[0], integers[1], size=shape).astype(dtype)
    if dtype == "bool":
        return rng.random(shape) > 0.5
    lo = 0.5 if positive else low
    arr = rng.uniform(lo, high, size=shape).astype(dtype)
    if arr.size and not np.any(arr):
        arr.flat[0] = 1
    return arr


def _to_numpy(x):
    if hasattr(x, "detach"):
        x = x.detach()
    if hasattr(x, "cpu"):
        x = x.cpu()
    return np.asarray(x.numpy())


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def check_parity(fn, *arrays, device="cpu", atol=1e-5, rtol=1e-4, grad=True, rng=None):
    """Compares ``fn`` on autograd_gpu and torch: values, dtypes, shapes, and input gradients."""
    torch = torch_or_skip()
    torch_device = "cuda" if device.startswith("cuda") else "cpu"
    if torch_device == "cuda" and not torch.cuda.is_available():
        pytest.skip("torch has no cuda here: no oracle for the cuda run")
    ours = [ag.tensor(a, device=device, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, device=torch_device, requires_grad=grad and a.dtype.kind == "f")
              for a in arrays]
    out_ours = _as_tuple(fn(ag, *ours))
    out_theirs = _as_tuple(fn(torch, *theirs))
    assert len(out_ours) == len(out_theirs)
    for o, t in zip(out_ours, out_theirs):
        assert tuple(o.shape) == tuple(t.shape), f"shape {tuple(o.shape)} != torch {tuple(t.shape)}"
        assert str(o.dtype) == str(t.dtype), f"dtype {o.dtype} != torch {t.dtype}"
        np.testing.assert_allclose(_to_numpy(o), _to_numpy(t), atol=atol, rtol=rtol)
    if not grad:
        return out_ours
    pairs = [(o, t) for o, t in zip(out_ours, out_theirs)
             if t.requires_grad and t.dtype.is_floating_point]
    if not pairs:
        return out_ours
    rng = rng or np.random.default_rng(0)
    seeds = [random_array(rng, tuple(t.shape), str(t.dtype).replace("torch.", "")) for _, t in pairs]
    ag.autograd.backward([o for o, _ in pairs], [ag.tensor(s, device=device) for s in seeds])
    torch.autograd.backward([t for _, t in pairs], [torch.tensor(s, device=torch_device) for s in seeds])
    for i, (a, t) in enumerate(zip(ours, theirs)):
        if not t.requires_grad:
            continue
        if t.grad is None:
            assert a.grad is None or not np.any(_to_numpy(a.grad)), f"input {i}: torch has no grad"
            continue
        assert a.grad is not None, f"input {i}: no gradient, torch has one"
        np.testing.assert_allclose(_to_numpy(a.grad), _to_numpy(t.grad), atol=atol, rtol=rtol,
                                   err_msg=f"gradient of input {i}")
    return out_ours


def check_grad(fn, *arrays, device="cpu", second_order=True, atol=1e-5, rtol=1e-3):
    """float64 finite-difference gradcheck (and gradgradcheck) of ``fn(ag, *tensors)``."""
    inputs = [ag.tensor(np.asarray(a, dtype="float64") if np.asarray(a).dtype.kind == "f" else a,
                        device=device, requires_grad=np.asarray(a).dtype.kind == "f")
              for a in arrays]
    f = lambda *xs: fn(ag, *xs)  # noqa: E731
    assert ag.autograd.gradcheck(f, inputs, eps=1e-6, atol=atol, rtol=rtol)
    if second_order:
        assert ag.autograd.gradgradcheck(f, inputs, eps=1e-6, atol=atol, rtol=rtol)


def zip_checkpoint(data_pkl):
    """The bytes of a torch.save-style zip holding ``data_pkl`` as its pickle (no storages)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("archive/data.pkl", data_pkl)
        zf.writestr("archive/version", "3\n")
    return buffer.getvalue()
