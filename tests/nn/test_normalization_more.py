"""GroupNorm / group_norm, normalize, cosine_similarity / CosineSimilarity against torch: values,
input, weight and bias gradients, float64 gradchecks, reprs, state_dict keys, init, errors."""
import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import assert_torch_wording, check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()
TF = torch.nn.functional


def F(t):
    return nn.functional if t is ag else TF


GROUP_CASES = [  # (input shape, groups, affine)
    ((2, 4, 3), 2, True),
    ((4, 12), 3, True),
    ((2, 6, 3, 2), 3, True),
    ((2, 4, 5), 1, True),
    ((2, 4, 5), 4, True),
    ((2, 4, 3), 2, False),
]


@pytest.mark.parametrize("shape, groups, affine", GROUP_CASES, ids=str)
def test_group_norm_parity(shape, groups, affine, device, rng):
    c = shape[1]
    arrays = [random_array(rng, shape)]
    if affine:
        arrays += [random_array(rng, (c,)), random_array(rng, (c,))]
    fn = (lambda t, x, w, b: F(t).group_norm(x, groups, w, b)) if affine else \
        (lambda t, x: F(t).group_norm(x, groups, eps=1e-3))
    out = check_parity(fn, *arrays, device=device, rng=rng)
    assert out[0].grad_fn.name() == "NativeGroupNormBackward0"


@pytest.mark.parametrize("shape, groups", [((2, 4, 3), 2), ((2, 6, 2, 2), 3)], ids=str)
def test_group_norm_gradcheck(shape, groups, device, rng):
    c = shape[1]
    check_grad(lambda t, x, w, b: F(t).group_norm(x, groups, w, b), random_array(rng, shape),
               random_array(rng, (c,)), random_array(rng, (c,)), device=device)
    check_grad(lambda t, x: F(t).group_norm(x, groups), random_array(rng, shape), device=device)


@pytest.mark.parametrize("kwargs", [{}, {"eps": 1e-3, "affine": False}, {"bias": False}], ids=str)
def test_group_norm_layer(kwargs, device, rng, layer_parity):
    ours, theirs = nn.GroupNorm(2, 6, **kwargs), torch.nn.GroupNorm(2, 6, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for name, p in ours.named_parameters():  # torch's init: ones and zeros
        np.testing.assert_array_equal(p.detach().numpy(), getattr(theirs, name).detach().numpy())
    if theirs.weight is not None:
        with torch.no_grad():
            theirs.weight.uniform_(0.5, 1.5)
            if theirs.bias is not None:
                theirs.bias.uniform_(-0.5, 0.5)
    ours.to(device)
    layer_parity(ours, theirs, random_array(rng, (3, 6, 4)), device=device)


@pytest.mark.parametrize("call, error", [
    (lambda t: F(t).group_norm(t.ones(3), 1), RuntimeError),
    (lambda t: F(t).group_norm(t.ones(1, 2), 2), ValueError),
    (lambda t: F(t).group_norm(t.ones(2, 5, 3), 2), RuntimeError),
    (lambda t: F(t).group_norm(t.ones(2, 4, 3), 2, t.ones(3)), RuntimeError),
    (lambda t: F(t).group_norm(t.ones(2, 4, 3), 2, t.ones(4), t.ones(3)), RuntimeError),
    (lambda t: F(t).group_norm(t.arange(8).reshape(2, 4), 2), NotImplementedError),
    (lambda t: F(t).group_norm(t.ones(2, 4, 3), 2, t.ones(4, dtype=t.float64)), RuntimeError),
    (lambda t: t.nn.GroupNorm(2, 5), ValueError),
    (lambda t: F(t).normalize(t.ones(3, 4), dim=2), IndexError),
    (lambda t: F(t).normalize(t.arange(4)), RuntimeError),
    (lambda t: F(t).cosine_similarity(t.ones(3, 4), t.ones(3, 5)), RuntimeError),
    (lambda t: F(t).cosine_similarity(t.arange(4).reshape(1, 4), t.arange(4).reshape(1, 4)),
     RuntimeError),
    (lambda t: F(t).cosine_similarity(t.ones(3, 4), t.ones(3, 4), dim=2), IndexError),
])
def test_errors_match_torch(call, error):
    with pytest.raises(error) as theirs:
        call(torch)
    with pytest.raises(error) as ours:
        call(ag)
    assert_torch_wording(str(ours.value), str(theirs.value))


# -- normalize -------------------------------------------------------------------------------------

NORMALIZE = {
    "default": lambda t, x: F(t).normalize(x),
    "dim0": lambda t, x: F(t).normalize(x, dim=0),
    "last": lambda t, x: F(t).normalize(x, dim=-1),
    "p1": lambda t, x: F(t).normalize(x, p=1.0, dim=1),
    "p3": lambda t, x: F(t).normalize(x, p=3, dim=1),
    "p_inf": lambda t, x: F(t).normalize(x, p=float("inf"), dim=1),
    "dims": lambda t, x: F(t).normalize(x, dim=(1, 2)),
}


@pytest.mark.parametrize("name", NORMALIZE)
def test_normalize_parity(name, device, rng):
    out = check_parity(NORMALIZE[name], random_array(rng, (3, 4, 2)), device=device, rng=rng)
    assert out[0].grad_fn.name() == "DivBackward0"


@pytest.mark.parametrize("name", NORMALIZE)
def test_normalize_gradcheck(name, device, rng):
    check_grad(NORMALIZE[name], random_array(rng, (2, 3, 2)), device=device)


def test_normalize_zero_row_clamps_at_eps(device, rng):
    x = random_array(rng, (3, 4))
    x[1] = 0.0
    out = check_parity(NORMALIZE["default"], x, device=device, rng=rng)
    assert np.isfinite(out[0].detach().cpu().numpy()).all()


# -- cosine similarity -----------------------------------------------------------------------------

COSINE = {
    "default": ((4, 5), (4, 5), {}),
    "dim0": ((4, 5), (4, 5), {"dim": 0}),
    "last_3d": ((2, 3, 4), (2, 3, 4), {"dim": -1}),
    "broadcast": ((1, 5), (4, 5), {}),
    "broadcast_on_dim": ((4, 1), (4, 5), {}),
    "eps": ((4, 5), (4, 5), {"eps": 0.5}),
}


@pytest.mark.parametrize("name", COSINE)
def test_cosine_similarity_parity(name, device, rng):
    s1, s2, kwargs = COSINE[name]
    x1, x2 = random_array(rng, s1), random_array(rng, s2)
    if name == "eps":
        x1 *= 0.1  # norms below eps: clamped values, the norm's own gradient (as torch)
    out = check_parity(lambda t, a, b: F(t).cosine_similarity(a, b, **kwargs), x1, x2,
                       device=device, rng=rng)
    assert out[0].grad_fn.name() == "SumBackward1"


@pytest.mark.parametrize("name", ["default", "broadcast", "last_3d"])
def test_cosine_similarity_gradcheck(name, device, rng):
    s1, s2, kwargs = COSINE[name]
    check_grad(lambda t, a, b: F(t).cosine_similarity(a, b, **kwargs), random_array(rng, s1),
               random_array(rng, s2), device=device)


def test_cosine_similarity_layer_and_promotion(device, rng):
    ours, theirs = nn.CosineSimilarity(dim=0, eps=1e-6), torch.nn.CosineSimilarity(dim=0, eps=1e-6)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == []
    check_parity(lambda t, a, b: (ours if t is ag else theirs)(a, b), random_array(rng, (3, 4)),
                 random_array(rng, (3, 4), "float64"), device=device, rng=rng)
