"""Embedding against torch: lookup values, weight gradients, padding_idx rows, from_pretrained."""
import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import random_array, torch_or_skip


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 2}, {"padding_idx": -1}])
def test_embedding_matches_torch(device, rng, layer_parity, kwargs):
    torch = torch_or_skip()
    theirs = torch.nn.Embedding(10, 4, **kwargs)
    ours = nn.Embedding(10, 4, **kwargs, device=device)
    indices = rng.integers(0, 10, size=(3, 5)).astype("int64")
    indices[0, :3] = [2, 9, 2]  # the padding rows and a repeated index
    layer_parity(ours, theirs, indices, device=device)
    if "padding_idx" in kwargs:
        assert not np.any(ours.weight.grad.cpu().numpy()[ours.padding_idx])


def test_padding_idx_out_of_range():
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(5, 2, padding_idx=5)
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(5, 2, padding_idx=-6)


def test_from_pretrained(device, rng):
    weights = ag.tensor(random_array(rng, (6, 3)), device=device)
    frozen = nn.Embedding.from_pretrained(weights)
    assert not frozen.weight.requires_grad and (frozen.num_embeddings, frozen.embedding_dim) == (6, 3)
    out = frozen(ag.tensor([[1, 5]], device=device))
    np.testing.assert_array_equal(out.cpu().numpy()[0], weights.cpu().numpy()[[1, 5]])
    assert nn.Embedding.from_pretrained(weights, freeze=False).weight.requires_grad
    with pytest.raises(AssertionError, match="Embeddings parameter is expected to be 2-dimensional"):
        nn.Embedding.from_pretrained(ag.zeros(3))
