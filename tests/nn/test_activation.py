"""Activation layers against torch, including the in-place ReLU of torchvision's ResNet."""
import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import random_array, torch_or_skip

CONFIGS = [
    ("ReLU", (), {}),
    ("LeakyReLU", (), {}),
    ("LeakyReLU", (0.2,), {}),
    ("GELU", (), {}),
    ("GELU", (), {"approximate": "tanh"}),
    ("Sigmoid", (), {}),
    ("Tanh", (), {}),
    ("Softmax", (), {"dim": 1}),
    ("Softmax", (), {"dim": -1}),
    ("LogSoftmax", (), {"dim": 1}),
    ("LogSoftmax", (0,), {}),
]


@pytest.mark.parametrize("name,args,kwargs", CONFIGS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CONFIGS)])
def test_activation_matches_torch(device, rng, layer_parity, name, args, kwargs):
    torch = torch_or_skip()
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    layer_parity(ours, theirs, random_array(rng, (3, 5, 2)), device=device)


@pytest.mark.parametrize("name,args", [("ReLU", ()), ("LeakyReLU", (0.1,))])
def test_inplace_activation_writes_into_its_input(device, rng, name, args):
    """As in ResNet's BasicBlock: relu(inplace=True) on a non-leaf result, then backward."""
    torch = torch_or_skip()
    x = random_array(rng, (4, 6))
    ours_in = ag.tensor(x, device=device, requires_grad=True)
    theirs_in = torch.tensor(x, requires_grad=True)
    ours_mid, theirs_mid = ours_in * 2, theirs_in * 2
    ours_out = getattr(nn, name)(*args, inplace=True)(ours_mid)
    theirs_out = getattr(torch.nn, name)(*args, inplace=True)(theirs_mid)
    assert ours_out is ours_mid
    np.testing.assert_allclose(ours_mid.detach().cpu().numpy(), theirs_mid.detach().numpy(), rtol=1e-6)
    ours_out.sum().backward()
    theirs_out.sum().backward()
    np.testing.assert_allclose(ours_in.grad.cpu().numpy(), theirs_in.grad.numpy(), rtol=1e-6)
