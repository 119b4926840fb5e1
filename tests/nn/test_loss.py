"""Loss layers against torch, for every reduction and their options (class weights, ignore_index,
label_smoothing, pos_weight); weights are buffers that appear in state_dict and move with to()."""
import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import random_array, torch_or_skip

REDUCTIONS = ["mean", "sum", "none"]


def _loss_parity(device, rng, name, kwargs, input_arr, target_arr, weights=None):
    """Builds the loss in both libraries (tensor-valued options converted per library) and
    compares value and input gradient."""
    torch = torch_or_skip()
    weights = weights or {}
    ours_kwargs = dict(kwargs, **{k: ag.tensor(v, device=device) for k, v in weights.items()})
    theirs_kwargs = dict(kwargs, **{k: torch.tensor(v) for k, v in weights.items()})
    ours, theirs = getattr(nn, name)(**ours_kwargs), getattr(torch.nn, name)(**theirs_kwargs)
    x = ag.tensor(input_arr, device=device, requires_grad=True)
    tx = torch.tensor(input_arr, requires_grad=True)
    out = ours(x, ag.tensor(target_arr, device=device))
    ref = theirs(tx, torch.tensor(target_arr))
    np.testing.assert_allclose(out.detach().cpu().numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    seed = random_array(rng, tuple(ref.shape))
    out.backward(ag.tensor(seed, device=device))
    ref.backward(torch.tensor(seed))
    np.testing.assert_allclose(x.grad.cpu().numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    return ours


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["MSELoss", "L1Loss"])
def test_regression_losses(device, rng, name, reduction):
    _loss_parity(device, rng, name, {"reduction": reduction}, random_array(rng, (4, 3)),
                 random_array(rng, (4, 3)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": True}, {"ignore_index": 1},
                                     {"label_smoothing": 0.2}, {"weight": True, "ignore_index": 0,
                                                                "label_smoothing": 0.1}])
def test_cross_entropy(device, rng, reduction, options):
    kwargs = {k: v for k, v in options.items() if k != "weight"}
    weights = {"weight": random_array(rng, (5,), positive=True)} if "weight" in options else None
    target = rng.integers(0, 5, size=(6,)).astype("int64")
    target[:2] = [0, 1]
    loss = _loss_parity(device, rng, "CrossEntropyLoss", dict(kwargs, reduction=reduction),
                        random_array(rng, (6, 5)), target, weights)
    assert list(loss.state_dict()) == (["weight"] if weights else [])


def test_cross_entropy_spatial_and_probability_targets(device, rng):
    target = rng.integers(0, 3, size=(2, 4, 4)).astype("int64")
    _loss_parity(device, rng, "CrossEntropyLoss", {}, random_array(rng, (2, 3, 4, 4)), target)
    probs = rng.dirichlet(np.ones(3), size=4).astype("float32")
    _loss_parity(device, rng, "CrossEntropyLoss", {"label_smoothing": 0.1},
                 random_array(rng, (4, 3)), probs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": True}, {"ignore_index": 2}])
def test_nll_loss(device, rng, reduction, options):
    kwargs = {k: v for k, v in options.items() if k != "weight"}
    weights = {"weight": random_array(rng, (4,), positive=True)} if "weight" in options else None
    target = rng.integers(0, 4, size=(7,)).astype("int64")
    target[0] = 2
    log_probs = np.log(rng.dirichlet(np.ones(4), size=7)).astype("float32")
    _loss_parity(device, rng, "NLLLoss", dict(kwargs, reduction=reduction), log_probs, target, weights)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_loss(device, rng, reduction, weighted):
    weights = {"weight": random_array(rng, (3,), positive=True)} if weighted else None
    probs = rng.uniform(0.05, 0.95, size=(4, 3)).astype("float32")
    target = rng.uniform(0, 1, size=(4, 3)).astype("float32")
    _loss_parity(device, rng, "BCELoss", {"reduction": reduction}, probs, target, weights)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [(), ("weight",), ("pos_weight",), ("weight", "pos_weight")])
def test_bce_with_logits_loss(device, rng, reduction, options):
    weights = {name: random_array(rng, (3,), positive=True) for name in options}
    target = (rng.uniform(size=(4, 3)) > 0.5).astype("float32")
    loss = _loss_parity(device, rng, "BCEWithLogitsLoss", {"reduction": reduction},
                        random_array(rng, (4, 3)) * 3, target, weights)
    assert list(loss.state_dict()) == [n for n in ("weight", "pos_weight") if n in options]


def test_loss_weights_are_buffers_that_move_with_to(device, rng):
    loss = nn.CrossEntropyLoss(weight=ag.tensor(random_array(rng, (3,), positive=True)))
    assert [n for n, _ in loss.named_buffers()] == ["weight"] and list(loss.parameters()) == []
    loss.to(device).double()
    assert loss.weight.device == ag.empty(0, device=device).device and loss.weight.dtype == ag.float64


def test_legacy_size_average_and_reduce_map_to_reduction():
    torch = torch_or_skip()
    for size_average, reduce in ((False, None), (None, False), (True, True)):
        with pytest.warns(UserWarning) as ours:
            ours_loss = nn.MSELoss(size_average=size_average, reduce=reduce)
        with pytest.warns(UserWarning) as theirs:
            theirs_loss = torch.nn.MSELoss(size_average=size_average, reduce=reduce)
        assert ours_loss.reduction == theirs_loss.reduction
        assert str(ours[0].message) == str(theirs[0].message)
