"""Fixtures for the nn tests: layer parity against torch with torch's weights loaded into ours.

``layer_parity(ours, theirs, *arrays, device=...)`` copies ``theirs.state_dict()`` into ``ours``,
runs both on the same inputs, and compares the output, the gradient of every float input and of
every parameter (for a random upstream gradient), and every buffer after the forward pass. torch
runs on the cpu (it is the cpu build); ours runs on ``device``.
"""
import numpy as np
import pytest

import autograd_gpu as ag
from helpers import random_array, torch_or_skip


def to_numpy(t):
    return np.asarray(t.detach().cpu().numpy())


def load_from_torch(ours, theirs, device):
    """Loads torch's state_dict into ours through our tensors."""
    return ours.load_state_dict({k: ag.tensor(v.detach().numpy(), device=device)
                                 for k, v in theirs.state_dict().items()})


def _compare_layers(ours, theirs, arrays, device, atol, rtol, rng, grad):
    torch = torch_or_skip()
    load_from_torch(ours, theirs, device)
    ours_in = [ag.tensor(a, device=device, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    out, ref = ours(*ours_in), theirs(*theirs_in)
    assert tuple(out.shape) == tuple(ref.shape)
    assert str(out.dtype) == str(ref.dtype)
    np.testing.assert_allclose(to_numpy(out), to_numpy(ref), atol=atol, rtol=rtol)
    for (name, b), (ref_name, ref_b) in zip(ours.named_buffers(), theirs.named_buffers()):
        assert name == ref_name
        np.testing.assert_allclose(to_numpy(b), to_numpy(ref_b), atol=atol, rtol=rtol,
                                   err_msg=f"buffer {name}")
    if not grad or not ref.requires_grad:
        return out
    seed = random_array(rng, tuple(ref.shape), str(ref.dtype).replace("torch.", ""))
    out.backward(ag.tensor(seed, device=device))
    ref.backward(torch.tensor(seed))
    for i, (a, t) in enumerate(zip(ours_in, theirs_in)):
        if t.requires_grad:
            np.testing.assert_allclose(to_numpy(a.grad), to_numpy(t.grad), atol=atol, rtol=rtol,
                                       err_msg=f"gradient of input {i}")
    ref_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        ref_p = ref_params[name]
        if ref_p.grad is None:
            assert p.grad is None, f"parameter {name}: torch has no grad"
            continue
        np.testing.assert_allclose(to_numpy(p.grad), to_numpy(ref_p.grad), atol=atol, rtol=rtol,
                                   err_msg=f"gradient of parameter {name}")
    return out


@pytest.fixture
def norm_bias_torch():
    """torch, skipping where it is older than 2.13: from 2.13 BatchNorm takes ``bias=`` and the
    BatchNorm/LayerNorm reprs print ``bias=True`` (the form this library follows; the GPU
    machine's torch 2.11 prints the older one)."""
    torch = torch_or_skip()
    if "bias=" not in repr(torch.nn.BatchNorm1d(1)):
        pytest.skip(f"torch {torch.__version__} prints norm layers without bias=; the library "
                    "follows torch 2.13")
    return torch


@pytest.fixture
def layer_parity(rng):
    def run(ours, theirs, *arrays, device="cpu", atol=1e-5, rtol=1e-4, grad=True):
        return _compare_layers(ours, theirs, arrays, device, atol, rtol, rng, grad)
    return run
