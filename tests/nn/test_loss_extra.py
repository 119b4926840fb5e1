"""margin_ranking_loss, cosine_embedding_loss, triplet_margin_loss and pairwise_distance
(functionals and layers) against torch: values, gradients, float64 gradchecks, reprs, errors."""
import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import assert_torch_wording, check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()


def F(t):
    return nn.functional if t is ag else torch.nn.functional


def _signs(rng, shape):
    return np.where(rng.random(shape) > 0.5, 1.0, -1.0).astype("float32")


REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6,), (3, 4)], ids=str)
def test_margin_ranking_loss(shape, reduction, device, rng):
    check_parity(lambda t, a, b, y: F(t).margin_ranking_loss(a, b, y, 0.3, reduction=reduction),
                 random_array(rng, shape), random_array(rng, shape), _signs(rng, shape),
                 device=device, rng=rng)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("batched", [True, False])
def test_cosine_embedding_loss(batched, reduction, device, rng):
    shape, tshape = ((5, 4), (5,)) if batched else ((4,), ())
    check_parity(lambda t, a, b, y: F(t).cosine_embedding_loss(a, b, y, 0.2, reduction=reduction),
                 random_array(rng, shape), random_array(rng, shape), _signs(rng, tshape),
                 device=device, rng=rng)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p, swap", [(2, False), (1, True), (3.0, True)])
def test_triplet_margin_loss(p, swap, reduction, device, rng):
    arrays = [random_array(rng, (5, 4)) for _ in range(3)]
    check_parity(lambda t, a, b, c: F(t).triplet_margin_loss(a, b, c, margin=1.5, p=p, swap=swap,
                                                             reduction=reduction),
                 *arrays, device=device, rng=rng)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("shapes", [((5, 4), (5, 4)), ((5, 4), (4,)), ((2, 3, 4), (3, 4)),
                                    ((4,), (4,))], ids=str)
def test_pairwise_distance(shapes, p, keepdim, device, rng):
    check_parity(lambda t, a, b: F(t).pairwise_distance(a, b, p, keepdim=keepdim),
                 *(random_array(rng, s) for s in shapes), device=device, rng=rng)


def test_gradchecks(device, rng):
    a, b, c = (random_array(rng, (4, 3)) for _ in range(3))
    y = _signs(rng, (4,))
    check_grad(lambda t, u, v: F(t).cosine_embedding_loss(u, v, t.tensor(y, device=u.device)),
               a, b, device=device)
    check_grad(lambda t, u, v, w: F(t).triplet_margin_loss(u, v, w, margin=2.0, swap=True),
               a, b, c, device=device)
    check_grad(lambda t, u, v: F(t).pairwise_distance(u, v, 3.0), a, b, device=device)
    check_grad(lambda t, u, v: F(t).margin_ranking_loss(u, v, t.tensor(np.sign(c),
                                                                       device=u.device), 0.1),
               a, b, device=device)


LAYERS = [
    ("MarginRankingLoss", (), {"margin": 0.4}, ((6,), (6,), "signs")),
    ("MarginRankingLoss", (), {"reduction": "sum"}, ((6,), (6,), "signs")),
    ("CosineEmbeddingLoss", (0.1,), {}, ((5, 4), (5, 4), "signs")),
    ("CosineEmbeddingLoss", (), {"reduction": "none"}, ((5, 4), (5, 4), "signs")),
    ("TripletMarginLoss", (), {}, ((5, 4), (5, 4), (5, 4))),
    ("TripletMarginLoss", (0.5, 1.0), {"swap": True, "reduction": "none"},
     ((5, 4), (5, 4), (5, 4))),
    ("PairwiseDistance", (), {}, ((5, 4), (5, 4))),
    ("PairwiseDistance", (1.0, 1e-3, True), {}, ((5, 4), (5, 4))),
]


@pytest.mark.parametrize("name, args, kwargs, shapes", LAYERS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(LAYERS)])
def test_layers_match_torch(name, args, kwargs, shapes, device, rng):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    arrays = [_signs(rng, (shapes[0][0],)) if s == "signs" else random_array(rng, s)
              for s in shapes]
    check_parity(lambda t, *xs: (ours if t is ag else theirs)(*xs), *arrays, device=device,
                 rng=rng)


@pytest.mark.parametrize("call, error", [
    (lambda t: F(t).margin_ranking_loss(t.ones(3), t.ones(3), t.ones(3, 1)), RuntimeError),
    (lambda t: F(t).margin_ranking_loss(t.ones(3), t.ones(3), t.ones(3), reduction="foo"),
     ValueError),
    (lambda t: F(t).cosine_embedding_loss(t.ones(3, 4), t.ones(3, 4), t.ones(3, 1)),
     RuntimeError),
    (lambda t: F(t).cosine_embedding_loss(t.ones(3, 4), t.ones(3, 4), t.tensor(1.0)),
     RuntimeError),
    (lambda t: F(t).cosine_embedding_loss(t.ones(2, 3, 4), t.ones(2, 3, 4), t.ones(2)),
     RuntimeError),
    (lambda t: F(t).triplet_margin_loss(t.ones(3, 4), t.ones(3, 4), t.ones(4)), RuntimeError),
    (lambda t: t.nn.TripletMarginLoss(margin=0.0), ValueError),
    (lambda t: t.nn.TripletMarginLoss(margin=-1), ValueError),
])
def test_errors_match_torch(call, error):
    with pytest.raises(error) as theirs:
        call(torch)
    with pytest.raises(error) as ours:
        call(ag)
    assert_torch_wording(str(ours.value), str(theirs.value))
