"""BatchNorm1d/2d and LayerNorm against torch: outputs, gradients, running statistics over several
training steps, eval mode, and the momentum=None cumulative average."""
import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import random_array, torch_or_skip


def _randomise_affine(torch_layer, rng):
    """Non-trivial weight and bias for torch's layer (the defaults are ones and zeros); the parity
    helper loads them into ours."""
    torch = torch_or_skip()
    with torch.no_grad():
        for p in (torch_layer.weight, torch_layer.bias):
            if p is not None:
                p.copy_(torch.tensor(random_array(rng, tuple(p.shape))))


BATCHNORM_CASES = [
    ("BatchNorm2d", (2, 3, 4, 5), {}),
    ("BatchNorm2d", (4, 3, 2, 2), {"momentum": None}),
    ("BatchNorm2d", (2, 3, 3, 3), {"momentum": 0.3, "eps": 1e-3}),
    ("BatchNorm2d", (2, 3, 3, 3), {"affine": False}),
    ("BatchNorm2d", (2, 3, 3, 3), {"bias": False}),
    ("BatchNorm2d", (2, 3, 3, 3), {"track_running_stats": False}),
    ("BatchNorm1d", (6, 3), {}),
    ("BatchNorm1d", (4, 3, 5), {"momentum": None}),
]


@pytest.mark.parametrize("name,shape,kwargs", BATCHNORM_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(BATCHNORM_CASES)])
def test_batchnorm_training_steps_then_eval_match_torch(request, device, rng, layer_parity, name,
                                                        shape, kwargs):
    torch = request.getfixturevalue("norm_bias_torch") if "bias" in kwargs else torch_or_skip()
    theirs = getattr(torch.nn, name)(3, **kwargs)
    if theirs.affine:
        _randomise_affine(theirs, rng)
    ours = getattr(nn, name)(3, **kwargs, device=device)
    for step in range(3):
        ours.zero_grad()
        theirs.zero_grad()
        layer_parity(ours, theirs, random_array(rng, shape) * (step + 1), device=device, atol=1e-4)
        # each step starts from torch's state and compares the buffers after the forward pass
    if theirs.track_running_stats:
        assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 3
    ours.eval()
    theirs.eval()
    layer_parity(ours, theirs, random_array(rng, shape), device=device, atol=1e-4)


def test_batchnorm_running_stats_accumulate_like_torch(device, rng):
    """Several steps without reloading: ours must update its own buffers as torch does."""
    torch = torch_or_skip()
    for momentum in (0.1, None):
        theirs = torch.nn.BatchNorm2d(4, momentum=momentum)
        ours = nn.BatchNorm2d(4, momentum=momentum, device=device)
        for step in range(4):
            x = random_array(rng, (3, 4, 2, 3)) * (step + 1) + step
            ours(ag.tensor(x, device=device))
            theirs(torch.tensor(x))
        for name in ("running_mean", "running_var"):
            np.testing.assert_allclose(getattr(ours, name).cpu().numpy(),
                                       getattr(theirs, name).numpy(), rtol=1e-5, atol=1e-6,
                                       err_msg=f"{name} momentum={momentum}")
        assert ours.num_batches_tracked.item() == 4
        x = random_array(rng, (2, 4, 2, 3))
        np.testing.assert_allclose(ours.eval()(ag.tensor(x, device=device)).detach().cpu().numpy(),
                                   theirs.eval()(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_batchnorm_eval_does_not_update_buffers(device, rng):
    bn = nn.BatchNorm2d(3, device=device).eval()
    bn(ag.tensor(random_array(rng, (2, 3, 4, 4)), device=device))
    np.testing.assert_array_equal(bn.running_mean.cpu().numpy(), np.zeros(3))
    np.testing.assert_array_equal(bn.running_var.cpu().numpy(), np.ones(3))
    assert bn.num_batches_tracked.item() == 0


def test_batchnorm_reset_running_stats(rng):
    bn = nn.BatchNorm1d(3)
    bn(ag.tensor(random_array(rng, (5, 3))))
    bn.reset_running_stats()
    np.testing.assert_array_equal(bn.running_mean.numpy(), np.zeros(3))
    np.testing.assert_array_equal(bn.running_var.numpy(), np.ones(3))
    assert bn.num_batches_tracked.item() == 0


@pytest.mark.parametrize("name,shape", [("BatchNorm2d", (2, 3, 4)), ("BatchNorm1d", (2, 3, 4, 4))])
def test_batchnorm_input_dims_errors_match_torch(name, shape):
    torch = torch_or_skip()
    with pytest.raises(ValueError) as ours:
        getattr(nn, name)(3)(ag.zeros(*shape))
    with pytest.raises(ValueError) as theirs:
        getattr(torch.nn, name)(3)(torch.zeros(*shape))
    assert str(ours.value) == str(theirs.value)


def test_batchnorm_loads_state_without_num_batches_tracked():
    """Old checkpoints (and plain dicts, which carry no version metadata) lack the counter: torch
    keeps the current one rather than reporting a missing key. A version-2 state_dict must have it."""
    bn = nn.BatchNorm2d(2)
    full = bn.state_dict()
    del full["num_batches_tracked"]
    result = bn.load_state_dict(dict(full))
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert full._metadata[""] == {"version": 2}
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "num_batches_tracked"'):
        bn.load_state_dict(full)


@pytest.mark.parametrize("shape,normalized,kwargs", [
    ((4, 6), 6, {}),
    ((2, 3, 4, 5), (4, 5), {"eps": 1e-3}),
    ((3, 5), 5, {"elementwise_affine": False}),
    ((3, 2, 5), [5], {"bias": False}),
])
def test_layernorm_matches_torch(device, rng, layer_parity, shape, normalized, kwargs):
    torch = torch_or_skip()
    theirs = torch.nn.LayerNorm(normalized, **kwargs)
    if theirs.elementwise_affine:
        _randomise_affine(theirs, rng)
    ours = nn.LayerNorm(normalized, **kwargs, device=device)
    layer_parity(ours, theirs, random_array(rng, shape), device=device, atol=1e-4)
