"""softplus, hardtanh, relu6, prelu and mish (functionals and layers) and the ELU/SiLU layers
against torch: values, input and weight gradients, float64 gradcheck and gradgradcheck, grad_fn
names, in-place variants, reprs, PReLU's init, errors."""
import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import assert_torch_wording, check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()
TF = torch.nn.functional


def F(t):
    return nn.functional if t is ag else TF


FUNCTIONALS = {  # name: (fn, torch's grad_fn name)
    "softplus": (lambda t, x: F(t).softplus(x), "SoftplusBackward0"),
    "softplus_beta": (lambda t, x: F(t).softplus(x, beta=2.0, threshold=3.0), "SoftplusBackward0"),
    "softplus_half_beta": (lambda t, x: F(t).softplus(x, 0.5, 1.0), "SoftplusBackward0"),
    "hardtanh": (lambda t, x: F(t).hardtanh(x), "HardtanhBackward0"),
    "hardtanh_bounds": (lambda t, x: F(t).hardtanh(x, -2.0, 2.5), "HardtanhBackward0"),
    "relu6": (lambda t, x: F(t).relu6(x * 3.0), "HardtanhBackward0"),
    "mish": (lambda t, x: F(t).mish(x), "MishBackward0"),
}


def _away_from_kinks(x):
    """Central differences must not straddle a kink (hardtanh's bounds, relu6's 0 and 6)."""
    for kink in (-2.0, -1.0, 0.0, 1.0, 2.0, 2.5):
        x[np.abs(x - kink) < 0.05] = kink + 0.3
    return x


@pytest.mark.parametrize("shape", [(3, 5), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("name", FUNCTIONALS)
def test_functional_parity(name, shape, device, rng):
    x = random_array(rng, shape, low=-4.0, high=4.0)
    out = check_parity(FUNCTIONALS[name][0], x, device=device, rng=rng)
    assert out[0].grad_fn.name() == FUNCTIONALS[name][1]


@pytest.mark.parametrize("name", FUNCTIONALS)
def test_functional_gradcheck(name, device, rng):
    x = _away_from_kinks(random_array(rng, (2, 3), low=-3.0, high=3.0))
    check_grad(FUNCTIONALS[name][0], x, device=device)


@pytest.mark.parametrize("name", FUNCTIONALS)
def test_functional_grad_fn_name_is_torchs(name, rng):
    fn, expected = FUNCTIONALS[name]
    x = random_array(rng, (2, 3))
    assert fn(torch, torch.tensor(x, requires_grad=True)).grad_fn.name() == expected
    assert fn(ag, ag.tensor(x, requires_grad=True)).grad_fn.name() == expected


@pytest.mark.parametrize("name", ["softplus", "hardtanh", "relu6", "mish"])
def test_float16(name, device, rng):
    x = random_array(rng, (4, 6), "float16", low=-3.0, high=3.0)
    check_parity(FUNCTIONALS[name][0], x, device=device, rng=rng, atol=2e-3, rtol=2e-2)


def test_softplus_large_inputs_stay_finite(device):
    """Past the threshold softplus is the input itself: no overflow of exp in float32."""
    x = np.array([-100.0, -30.0, 0.0, 19.0, 21.0, 100.0, 1e30], dtype="float32")
    out = check_parity(lambda t, v: F(t).softplus(v), x, device=device)
    assert np.isfinite(out[0].detach().cpu().numpy()).all()
    out = check_parity(lambda t, v: F(t).mish(v), x[:-1], device=device)
    assert np.isfinite(out[0].detach().cpu().numpy()).all()


def test_mish_third_derivative(device, rng):
    seed = random_array(rng, (2, 3), "float64")

    def grad_of(t, x):
        with t.enable_grad():
            (g,) = t.autograd.grad(F(t).mish(x), x, t.tensor(seed, device=x.device),
                                   create_graph=True)
        return g

    check_grad(grad_of, random_array(rng, (2, 3)), device=device)


@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_hardtanh_and_relu6_take_integers_as_torch(dtype, device):
    x = np.arange(-4, 10).astype(dtype)
    check_parity(lambda t, v: F(t).hardtanh(v, -1.5, 2.5), x, device=device, grad=False)
    check_parity(lambda t, v: F(t).relu6(v), x, device=device, grad=False)


# -- prelu -----------------------------------------------------------------------------------------

PRELU_CASES = {  # name: (input shape, weight shape)
    "single_2d": ((4, 3), (1,)),
    "single_4d": ((2, 3, 4, 2), (1,)),
    "channels_2d": ((4, 3), (3,)),
    "channels_3d": ((2, 5, 4), (5,)),
    "channels_4d": ((2, 3, 4, 2), (3,)),
    "one_dim_input": ((6,), (1,)),
    "scalar_weight": ((3, 4), ()),
    "zero_dim_input": ((), (1,)),
}


@pytest.mark.parametrize("name", PRELU_CASES)
def test_prelu_parity(name, device, rng):
    shape, wshape = PRELU_CASES[name]
    out = check_parity(lambda t, x, w: F(t).prelu(x, w), random_array(rng, shape),
                       random_array(rng, wshape), device=device, rng=rng)
    assert out[0].grad_fn.name() == "PreluKernelBackward0"


@pytest.mark.parametrize("name", ["single_2d", "channels_3d", "channels_4d"])
def test_prelu_gradcheck(name, device, rng):
    shape, wshape = PRELU_CASES[name]
    x = _away_from_kinks(random_array(rng, shape))
    check_grad(lambda t, a, w: F(t).prelu(a, w), x, random_array(rng, wshape), device=device)


@pytest.mark.parametrize("x_shape, w, x_dtype", [
    ((2, 4), np.ones(3, "float32"), "float32"),
    ((2, 4), np.ones((2, 2), "float32"), "float32"),
    ((2, 4), np.ones(4, "float64"), "float32"),
    ((), np.ones(3, "float32"), "float32"),
    ((4,), np.ones(4, "float32"), "float32"),
])
def test_prelu_errors_match_torch(x_shape, w, x_dtype):
    x = np.ones(x_shape, x_dtype)
    with pytest.raises(RuntimeError) as theirs:
        TF.prelu(torch.tensor(x), torch.tensor(w))
    ours_x, ours_w = ag.tensor(x), ag.tensor(w)
    with pytest.raises(RuntimeError) as ours:
        nn.functional.prelu(ours_x, ours_w)
    assert_torch_wording(str(ours.value), str(theirs.value))
    np.testing.assert_array_equal(ours_x.numpy(), x)  # bad input is left alone
    np.testing.assert_array_equal(ours_w.numpy(), w)


# -- errors ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, error", [
    (lambda t: F(t).hardtanh(t.ones(3), 2.0, 1.0), ValueError),
    (lambda t: F(t).hardtanh(t.tensor([True, False])), RuntimeError),
    (lambda t: F(t).relu6(t.tensor([True, False])), RuntimeError),
    (lambda t: F(t).softplus(t.arange(3)), NotImplementedError),
    (lambda t: F(t).mish(t.arange(3)), NotImplementedError),
    (lambda t: F(t).hardtanh([1.0]), TypeError),
    (lambda t: F(t).prelu([1.0], t.ones(1)), TypeError),
    (lambda t: F(t).softplus([1.0]), TypeError),
    (lambda t: t.nn.Hardtanh(1.0, 1.0), AssertionError),
    (lambda t: t.nn.Hardtanh(2, -1), AssertionError),
])
def test_errors_match_torch(call, error):
    with pytest.raises(error) as theirs:
        call(torch)
    with pytest.raises(error) as ours:
        call(ag)
    assert_torch_wording(str(ours.value), str(theirs.value))


def test_hardtanh_deprecated_keywords_warn_like_torch():
    with pytest.warns(FutureWarning) as theirs:
        t = torch.nn.Hardtanh(min_value=-2.0, max_value=3.0)
    with pytest.warns(FutureWarning) as ours:
        o = nn.Hardtanh(min_value=-2.0, max_value=3.0)
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
    assert repr(o) == repr(t)


# -- in place --------------------------------------------------------------------------------------

INPLACE = {  # name: (layer arguments, torch's grad_fn name)
    "Hardtanh": ((-0.5, 0.7), "HardtanhBackward0"),
    "ReLU6": ((), "HardtanhBackward0"),
    "ELU": ((0.6,), "EluBackward1"),
    "SiLU": ((), "SiluBackward0"),
    "Mish": ((), "MishBackward0"),
}


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_layers(name, device, rng):
    args, node = INPLACE[name]

    def through_non_leaf(t, x):
        h = x * 4.0
        y = getattr(t.nn, name)(*args, inplace=True)(h)
        assert y is h
        assert y.grad_fn is None or y.grad_fn.name() == node  # None: gradcheck's no_grad passes
        return y

    check_parity(through_non_leaf, random_array(rng, (3, 4)), device=device, rng=rng)
    check_grad(through_non_leaf, _away_from_kinks(random_array(rng, (2, 3)) * 0.5) / 4.0 + 0.01,
               device=device)


@pytest.mark.parametrize("name", ["Hardtanh", "ReLU6", "Mish"])
def test_inplace_on_leaf_refused(name):
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an "
                                           "in-place operation"):
        getattr(nn, name)(inplace=True)(ag.randn(3, requires_grad=True))


# -- layers ----------------------------------------------------------------------------------------

LAYERS = [
    ("ELU", (), {}),
    ("ELU", (0.5,), {}),
    ("SiLU", (), {}),
    ("Softplus", (), {}),
    ("Softplus", (2.0, 1.5), {}),
    ("Hardtanh", (), {}),
    ("Hardtanh", (-0.5, 1.5), {}),
    ("ReLU6", (), {}),
    ("PReLU", (), {}),
    ("PReLU", (5,), {"init": 0.1}),
    ("Mish", (), {}),
]


@pytest.mark.parametrize("name,args,kwargs", LAYERS, ids=[f"{c[0]}-{i}" for i, c in enumerate(LAYERS)])
def test_layer_matches_torch(device, rng, layer_parity, name, args, kwargs):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    if name == "PReLU":  # a weight that is not torch's default, so its gradient shows mistakes
        with torch.no_grad():
            theirs.weight.uniform_(-0.5, 0.5)
    ours.to(device)
    layer_parity(ours, theirs, random_array(rng, (3, 5, 2)) * 4.0, device=device)


def test_prelu_init_and_weight_are_torchs(device):
    for args, kwargs in (((), {}), ((7,), {"init": -0.3})):
        ours = nn.PReLU(*args, device=device, **kwargs)
        theirs = torch.nn.PReLU(*args, **kwargs)
        np.testing.assert_array_equal(ours.weight.detach().cpu().numpy(),
                                      theirs.weight.detach().numpy())
        assert ours.weight.requires_grad and type(ours.weight) is nn.Parameter
        assert ours.weight.dtype is ag.float32
    assert nn.PReLU(2, dtype=ag.float64).weight.dtype is ag.float64
