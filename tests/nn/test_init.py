"""nn.init and the layers' default initialisation: torch's gains, fans and distributions.

Distributions are compared statistically on large tensors: uniform bounds exactly (every sample
inside, the extremes within 1% of the bound), standard deviations within 3% of torch's (several
standard errors at these sizes). Both generators are seeded so that the checks are reproducible.
"""
import math

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from autograd_gpu.nn import init
from helpers import torch_or_skip


def values(t):
    return t.detach().cpu().numpy().astype("float64")


@pytest.mark.parametrize("nonlinearity,param", [
    ("linear", None), ("conv2d", None), ("conv_transpose3d", None), ("sigmoid", None),
    ("tanh", None), ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
    ("leaky_relu", math.sqrt(5)), ("selu", None)])
def test_calculate_gain_matches_torch(nonlinearity, param):
    torch = torch_or_skip()
    assert init.calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(nonlinearity, param)


def test_calculate_gain_errors_match_torch():
    torch = torch_or_skip()
    for args in (("softplus",), ("leaky_relu", "x")):
        with pytest.raises(ValueError) as ours:
            init.calculate_gain(*args)
        with pytest.raises(ValueError) as theirs:
            torch.nn.init.calculate_gain(*args)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("shape", [(3, 4), (8, 3, 5, 5), (2, 3, 4), (6, 2, 1, 3, 3)])
def test_fans_match_torch(shape):
    torch = torch_or_skip()
    assert (init._calculate_fan_in_and_fan_out(ag.zeros(*shape))
            == torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape)))


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed for tensor with "
                                         "fewer than 2 dimensions"):
        init.xavier_uniform_(ag.zeros(5))
    with pytest.raises(ValueError, match=r"Mode fan_avg not supported, please use one of "
                                         r"\['fan_in', 'fan_out'\]"):
        init.kaiming_uniform_(ag.zeros(3, 3), mode="fan_avg")


def test_uniform_and_normal_fill_in_place_without_a_graph(device):
    ag.manual_seed(0)
    p = nn.Parameter(ag.zeros(400, 500, device=device))
    assert init.uniform_(p, -0.5, 1.5) is p
    assert p.requires_grad and p.grad_fn is None and p.is_leaf
    v = values(p)
    assert v.min() >= -0.5 and v.max() < 1.5
    assert v.min() < -0.49 and v.max() > 1.49
    assert abs(v.mean() - 0.5) < 0.01
    assert abs(v.std() - 2 / math.sqrt(12)) / (2 / math.sqrt(12)) < 0.01
    init.normal_(p, mean=3.0, std=0.25)
    v = values(p)
    assert abs(v.mean() - 3.0) < 0.005 and abs(v.std() - 0.25) / 0.25 < 0.01
    assert p.device == ag.empty(0, device=device).device and p.dtype == ag.float32


def test_constant_zeros_ones(device):
    t = ag.zeros(3, 4, device=device, dtype=ag.float64)
    np.testing.assert_array_equal(values(init.constant_(t, 0.3)), np.full((3, 4), 0.3))
    np.testing.assert_array_equal(values(init.ones_(t)), np.ones((3, 4)))
    np.testing.assert_array_equal(values(init.zeros_(t)), np.zeros((3, 4)))
    assert t.dtype == ag.float64


def _torch_sample(torch, fn_name, shape, *args, **kwargs):
    t = torch.empty(*shape)
    getattr(torch.nn.init, fn_name)(t, *args, **kwargs)
    return t.numpy().astype("float64")


@pytest.mark.parametrize("fn_name,shape,kwargs", [
    ("xavier_uniform_", (300, 200), {}),
    ("xavier_uniform_", (64, 32, 3, 3), {"gain": init.calculate_gain("relu")}),
    ("kaiming_uniform_", (300, 200), {}),
    ("kaiming_uniform_", (64, 32, 3, 3), {"a": math.sqrt(5)}),
    ("kaiming_uniform_", (300, 200), {"mode": "fan_out", "nonlinearity": "relu"}),
])
def test_uniform_initialisers_bounds_and_spread_match_torch(device, fn_name, shape, kwargs):
    torch = torch_or_skip()
    torch.manual_seed(0)
    ag.manual_seed(0)
    ref = _torch_sample(torch, fn_name, shape, **kwargs)
    bound = max(abs(ref.min()), ref.max())  # torch's bound, within sampling noise
    ours = values(getattr(init, fn_name)(ag.zeros(*shape, device=device), **kwargs))
    assert np.abs(ours).max() <= bound * 1.001
    assert np.abs(ours).max() >= bound * 0.99
    assert abs(ours.std() - ref.std()) / ref.std() < 0.03


@pytest.mark.parametrize("fn_name,shape,kwargs", [
    ("xavier_normal_", (300, 200), {}),
    ("kaiming_normal_", (300, 200), {}),
    ("kaiming_normal_", (64, 32, 3, 3), {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", (300, 200), {"a": 0.2, "nonlinearity": "leaky_relu"}),
    ("trunc_normal_", (300, 200), {"std": 0.02, "a": -0.03, "b": 0.03}),
    ("trunc_normal_", (300, 200), {"mean": 1.0, "std": 2.0}),
])
def test_normal_initialisers_spread_matches_torch(device, fn_name, shape, kwargs):
    torch = torch_or_skip()
    torch.manual_seed(0)
    ag.manual_seed(0)
    ref = _torch_sample(torch, fn_name, shape, **kwargs)
    ours = values(getattr(init, fn_name)(ag.zeros(*shape, device=device), **kwargs))
    assert abs(ours.std() - ref.std()) / ref.std() < 0.03
    assert abs(ours.mean() - ref.mean()) < 5 * ref.std() * math.sqrt(2 / ref.size)  # 5 sigma
    if fn_name == "trunc_normal_":
        assert ours.min() >= kwargs.get("a", -2.0) and ours.max() <= kwargs.get("b", 2.0)


def test_zero_element_tensor_warns():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(ag.zeros(0, 3))


def test_manual_seed_makes_initialisation_reproducible():
    ag.manual_seed(123)
    first = values(nn.Linear(20, 30).weight)
    ag.manual_seed(123)
    np.testing.assert_array_equal(values(nn.Linear(20, 30).weight), first)


@pytest.mark.parametrize("ours_fn,theirs_fn", [
    (lambda nn: nn.Linear(800, 400), lambda nn: nn.Linear(800, 400)),
    (lambda nn: nn.Conv2d(32, 64, 3), lambda nn: nn.Conv2d(32, 64, 3)),
    (lambda nn: nn.Conv2d(32, 64, (3, 5), groups=4), lambda nn: nn.Conv2d(32, 64, (3, 5), groups=4)),
], ids=["linear", "conv2d", "conv2d_groups"])
def test_default_layer_init_matches_torch(device, ours_fn, theirs_fn):
    """Weights and biases: U(+-1/sqrt(fan_in)), torch's kaiming_uniform_(a=sqrt(5)) rule."""
    torch = torch_or_skip()
    torch.manual_seed(0)
    ag.manual_seed(0)
    theirs = theirs_fn(torch.nn)
    ours = ours_fn(nn).to(device)
    fan_in = init._calculate_fan_in_and_fan_out(ours.weight)[0]
    bound = 1 / math.sqrt(fan_in)
    for name in ("weight", "bias"):
        v, ref = values(getattr(ours, name)), getattr(theirs, name).detach().numpy().astype("float64")
        assert v.shape == ref.shape
        assert np.abs(v).max() <= bound and np.abs(ref).max() <= bound
        if v.size > 1000:
            assert np.abs(v).max() > 0.99 * bound
            assert abs(v.std() - ref.std()) / ref.std() < 0.03
        else:
            assert np.abs(v).max() > 0.8 * bound


def test_default_embedding_and_norm_init(device):
    ag.manual_seed(0)
    emb = nn.Embedding(1000, 64, padding_idx=3, device=device)
    v = values(emb.weight)
    assert not np.any(v[3])
    rest = np.delete(v, 3, axis=0)
    assert abs(rest.mean()) < 0.02 and abs(rest.std() - 1) < 0.02  # 5 and 7 standard errors
    bn, ln = nn.BatchNorm2d(5, device=device), nn.LayerNorm((2, 3), device=device)
    for layer in (bn, ln):
        np.testing.assert_array_equal(values(layer.weight), np.ones(tuple(layer.weight.shape)))
        np.testing.assert_array_equal(values(layer.bias), np.zeros(tuple(layer.bias.shape)))
    np.testing.assert_array_equal(values(bn.running_mean), np.zeros(5))
    np.testing.assert_array_equal(values(bn.running_var), np.ones(5))
    assert bn.num_batches_tracked.item() == 0 and bn.num_batches_tracked.dtype == ag.int64
