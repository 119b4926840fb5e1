"""Flatten and Unflatten against torch."""
import pytest

from autograd_gpu import nn
from helpers import random_array, torch_or_skip


@pytest.mark.parametrize("name,args", [("Flatten", ()), ("Flatten", (0, 2)), ("Flatten", (2, -1)),
                                       ("Unflatten", (1, (2, 3))), ("Unflatten", (-1, (2, 2)))])
def test_reshape_layers_match_torch(device, rng, layer_parity, name, args):
    torch = torch_or_skip()
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    layer_parity(ours, theirs, random_array(rng, (2, 6, 2, 4)), device=device)
