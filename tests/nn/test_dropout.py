"""Dropout: identity in eval mode; in training, a Bernoulli(1-p) mask scaled by 1/(1-p)."""
import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import random_array, torch_or_skip


def test_dropout_eval_is_identity(device, rng):
    layer = nn.Dropout(0.5).eval()
    x = ag.tensor(random_array(rng, (4, 5)), device=device)
    np.testing.assert_array_equal(layer(x).cpu().numpy(), x.cpu().numpy())


def test_dropout_training_masks_and_scales(device, rng):
    p = 0.3
    layer = nn.Dropout(p)
    assert layer.training
    x = ag.tensor(random_array(rng, (200, 500), positive=True), device=device, requires_grad=True)
    y = layer(x)
    out, inp = y.detach().cpu().numpy(), x.detach().cpu().numpy()
    kept = out != 0
    assert abs(kept.mean() - (1 - p)) < 0.01
    np.testing.assert_allclose(out[kept], inp[kept] / (1 - p), rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), kept / (1 - p), rtol=1e-6)


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_dropout_extremes(device, rng, p):
    x = ag.tensor(random_array(rng, (3, 4)), device=device)
    out = nn.Dropout(p)(x).cpu().numpy()
    np.testing.assert_array_equal(out, x.cpu().numpy() if p == 0 else np.zeros((3, 4)))


def test_dropout_probability_must_be_in_range():
    torch = torch_or_skip()
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError) as ours:
            nn.Dropout(p)
        with pytest.raises(ValueError) as theirs:
            torch.nn.Dropout(p)
        assert str(ours.value) == str(theirs.value)
