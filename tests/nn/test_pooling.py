"""MaxPool2d, AvgPool2d and AdaptiveAvgPool2d against torch."""
import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import random_array, torch_or_skip

CONFIGS = [
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1}),
    ("MaxPool2d", ((2, 3),), {"stride": (1, 2), "dilation": (2, 1), "ceil_mode": True}),
    ("AvgPool2d", (2,), {}),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1}),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False, "ceil_mode": True}),
    ("AvgPool2d", (2,), {"divisor_override": 3}),
    ("AdaptiveAvgPool2d", ((1, 1),), {}),
    ("AdaptiveAvgPool2d", ((3, 2),), {}),
    ("AdaptiveAvgPool2d", ((None, 4),), {}),
]


@pytest.mark.parametrize("name,args,kwargs", CONFIGS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CONFIGS)])
def test_pooling_matches_torch(device, rng, layer_parity, name, args, kwargs):
    torch = torch_or_skip()
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    layer_parity(ours, theirs, random_array(rng, (2, 3, 9, 7)), device=device)


def test_max_pool_return_indices(device, rng):
    torch = torch_or_skip()
    x = random_array(rng, (1, 2, 6, 6))
    out, idx = nn.MaxPool2d(2, return_indices=True)(ag.tensor(x, device=device))
    ref_out, ref_idx = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_allclose(out.cpu().numpy(), ref_out.numpy())
    np.testing.assert_array_equal(idx.cpu().numpy(), ref_idx.numpy())
