"""Linear and Identity against torch, with torch's weights loaded into ours."""
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import random_array, torch_or_skip


@pytest.mark.parametrize("in_shape,bias", [((5, 4), True), ((2, 3, 4), True), ((4,), False)])
def test_linear_matches_torch(device, rng, layer_parity, in_shape, bias):
    torch = torch_or_skip()
    theirs = torch.nn.Linear(4, 6, bias=bias)
    ours = nn.Linear(4, 6, bias=bias, device=device)
    layer_parity(ours, theirs, random_array(rng, in_shape), device=device)


def test_linear_float64(device, rng, layer_parity):
    torch = torch_or_skip()
    theirs = torch.nn.Linear(3, 2, dtype=torch.float64)
    ours = nn.Linear(3, 2, device=device, dtype=ag.float64)
    assert ours.weight.dtype == ag.float64 and ours.bias.dtype == ag.float64
    layer_parity(ours, theirs, random_array(rng, (4, 3), "float64"), device=device, atol=1e-12)


def test_identity_passes_input_through(device, rng):
    x = ag.tensor(random_array(rng, (2, 3)), device=device, requires_grad=True)
    layer = nn.Identity(54, unused_argument=0.1)
    assert layer(x) is x
    assert list(layer.parameters()) == []
