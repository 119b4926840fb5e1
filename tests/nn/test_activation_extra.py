"""hardswish, hardsigmoid, logsigmoid, selu, celu, softsign, tanhshrink, softshrink, hardshrink,
threshold, glu and softmin (functionals and layers) against torch: values, gradients, float64
gradcheck and gradgradcheck, grad_fn names, in-place variants, reprs, errors."""
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
    "hardswish": (lambda t, x: F(t).hardswish(x), "HardswishBackward0"),
    "hardsigmoid": (lambda t, x: F(t).hardsigmoid(x), "HardsigmoidBackward0"),
    "logsigmoid": (lambda t, x: F(t).logsigmoid(x), "LogSigmoidBackward0"),
    "selu": (lambda t, x: F(t).selu(x), "EluBackward0"),
    "celu": (lambda t, x: F(t).celu(x), "CeluBackward0"),
    "celu_alpha": (lambda t, x: F(t).celu(x, 0.7), "CeluBackward0"),
    "softsign": (lambda t, x: F(t).softsign(x), "DivBackward0"),
    "tanhshrink": (lambda t, x: F(t).tanhshrink(x), "SubBackward0"),
    "softshrink": (lambda t, x: F(t).softshrink(x), "SoftshrinkBackward0"),
    "softshrink_lambd": (lambda t, x: F(t).softshrink(x, 1.5), "SoftshrinkBackward0"),
    "hardshrink": (lambda t, x: F(t).hardshrink(x), "HardshrinkBackward0"),
    "hardshrink_lambd": (lambda t, x: F(t).hardshrink(x, 1.5), "HardshrinkBackward0"),
    "threshold": (lambda t, x: F(t).threshold(x, 0.3, -2.0), "ThresholdBackward0"),
    "glu": (lambda t, x: F(t).glu(x), "GluBackward0"),
    "glu_dim0": (lambda t, x: F(t).glu(x, 0), "GluBackward0"),
    "softmin": (lambda t, x: F(t).softmin(x, 1), "SoftmaxBackward0"),
    "softmin_dtype": (lambda t, x: F(t).softmin(x, -1, dtype=t.float64), "SoftmaxBackward0"),
}

KINKS = (-3.0, -1.5, -0.5, 0.0, 0.3, 0.5, 1.5, 3.0)


def _away_from_kinks(x):
    """Central differences must not straddle a kink (the shrinks' lambd, hardswish's +-3)."""
    for kink in KINKS:
        x[np.abs(x - kink) < 0.05] = kink + 0.2
    return x


@pytest.mark.parametrize("shape", [(4, 6), (2, 4, 2)], ids=str)
@pytest.mark.parametrize("name", FUNCTIONALS)
def test_functional_parity(name, shape, device, rng):
    x = random_array(rng, shape, low=-5.0, high=5.0)
    out = check_parity(FUNCTIONALS[name][0], x, device=device, rng=rng)
    assert out[0].grad_fn.name() == FUNCTIONALS[name][1]


@pytest.mark.parametrize("name", FUNCTIONALS)
def test_functional_gradcheck(name, device, rng):
    x = _away_from_kinks(random_array(rng, (2, 4), low=-4.0, high=4.0))
    check_grad(FUNCTIONALS[name][0], x, device=device)


@pytest.mark.parametrize("name", ["hardswish", "hardsigmoid", "logsigmoid", "selu", "celu",
                                  "softshrink", "hardshrink", "glu", "softmin"])
def test_float16(name, device, rng):
    x = random_array(rng, (4, 6), "float16", low=-4.0, high=4.0)
    check_parity(FUNCTIONALS[name][0], x, device=device, rng=rng, atol=2e-3, rtol=2e-2)


def test_float64(device, rng):
    x = random_array(rng, (4, 6), "float64", low=-4.0, high=4.0)
    for name in FUNCTIONALS:
        check_parity(FUNCTIONALS[name][0], x, device=device, rng=rng, atol=1e-12, rtol=1e-10)


def test_logsigmoid_large_inputs_stay_finite(device):
    x = np.array([-1e4, -100.0, -30.0, 0.0, 30.0, 100.0, 1e4], dtype="float32")
    out = check_parity(lambda t, v: F(t).logsigmoid(v), x, device=device)
    assert np.isfinite(out[0].detach().cpu().numpy()).all()


def test_kinks_match_torch(device):
    """The values and gradients exactly at the kinks are torch's (its backward conventions)."""
    x = np.array([-3.0, -0.5, 0.0, 0.3, 0.5, 3.0, 2.0], dtype="float32")
    for fn in (lambda t, v: F(t).hardswish(v), lambda t, v: F(t).hardsigmoid(v),
               lambda t, v: F(t).softshrink(v), lambda t, v: F(t).hardshrink(v),
               lambda t, v: F(t).threshold(v, 0.3, 5.0), lambda t, v: F(t).selu(v),
               lambda t, v: F(t).celu(v)):
        check_parity(fn, x, device=device)


def test_threshold_takes_integers_as_torch(device):
    x = np.arange(-4, 6).astype("int64")
    check_parity(lambda t, v: F(t).threshold(v, 1, 7), x, device=device, grad=False)


def test_softmin_implicit_dim_warns_like_torch():
    x = np.ones((2, 3), "float32")
    with pytest.warns(UserWarning) as theirs:
        ref = TF.softmin(torch.tensor(x))
    with pytest.warns(UserWarning) as ours:
        out = nn.functional.softmin(ag.tensor(x))
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-6)


# -- in place --------------------------------------------------------------------------------------

INPLACE = {  # name: (functional, torch's grad_fn name)
    "hardswish": (lambda t, x: F(t).hardswish(x, inplace=True), "HardswishBackward0"),
    "hardsigmoid": (lambda t, x: F(t).hardsigmoid(x, inplace=True), "HardsigmoidBackward0"),
    "selu": (lambda t, x: F(t).selu(x, inplace=True), "EluBackward1"),
    "celu": (lambda t, x: F(t).celu(x, 0.8, inplace=True), "CeluBackward1"),
    "threshold": (lambda t, x: F(t).threshold(x, 0.3, -2.0, inplace=True), "ThresholdBackward1"),
    "threshold_above": (lambda t, x: F(t).threshold(x, 0.3, 2.0, True), "ThresholdBackward1"),
}


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_functionals(name, device, rng):
    fn, node = INPLACE[name]

    def through_non_leaf(t, x):
        h = x * 2.0
        y = fn(t, h)
        assert y is h
        assert y.grad_fn is None or y.grad_fn.name() == node  # None: gradcheck's no_grad passes
        return y

    check_parity(through_non_leaf, random_array(rng, (3, 4), low=-3.0, high=3.0), device=device,
                 rng=rng)
    check_grad(through_non_leaf, _away_from_kinks(random_array(rng, (2, 3), low=-3.0, high=3.0))
               / 2.0, device=device)


@pytest.mark.parametrize("name", ["Hardswish", "Hardsigmoid", "SELU", "CELU"])
def test_inplace_on_leaf_refused(name):
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an "
                                           "in-place operation"):
        getattr(nn, name)(inplace=True)(ag.randn(3, requires_grad=True))


# -- layers ----------------------------------------------------------------------------------------

LAYERS = [
    ("Hardswish", (), {}),
    ("Hardswish", (True,), {}),
    ("Hardsigmoid", (), {}),
    ("Hardsigmoid", (), {"inplace": True}),
    ("LogSigmoid", (), {}),
    ("SELU", (), {}),
    ("SELU", (True,), {}),
    ("CELU", (), {}),
    ("CELU", (0.5, True), {}),
    ("Softsign", (), {}),
    ("Tanhshrink", (), {}),
    ("Softshrink", (), {}),
    ("Softshrink", (1.2,), {}),
    ("Hardshrink", (), {}),
    ("Hardshrink", (), {"lambd": 2}),
    ("Threshold", (0.1, 20), {}),
    ("Threshold", (1, 2.0, True), {}),
    ("GLU", (), {}),
    ("GLU", (1,), {}),
    ("Softmin", (), {}),
    ("Softmin", (1,), {}),
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(LAYERS)]


@pytest.mark.parametrize("name,args,kwargs", LAYERS, ids=IDS)
def test_layer_repr_is_torchs(name, args, kwargs):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert ours.state_dict().keys() == theirs.state_dict().keys()


@pytest.mark.parametrize("name,args,kwargs", LAYERS, ids=IDS)
def test_layer_matches_torch(device, rng, layer_parity, name, args, kwargs):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    x = random_array(rng, (3, 4, 2), low=-4.0, high=4.0)
    if ours.__dict__.get("inplace"):  # in place on a leaf is refused: compare without gradients
        layer_parity(ours, theirs, x, device=device, grad=False)
    elif name == "Softmin" and not args:
        with pytest.warns(UserWarning):
            layer_parity(ours, theirs, x, device=device)
    else:
        layer_parity(ours, theirs, x, device=device)


# -- errors ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, error", [
    (lambda t: F(t).softshrink(t.ones(3), -1), RuntimeError),
    (lambda t: F(t).softshrink(t.ones(3, dtype=t.float64), -0.5), RuntimeError),
    (lambda t: F(t).glu(t.ones(2, 3)), RuntimeError),
    (lambda t: F(t).glu(t.ones(3, 2), dim=0), RuntimeError),
    (lambda t: F(t).glu(t.ones(())), RuntimeError),
    (lambda t: F(t).glu(t.ones(2, 2), 2), IndexError),
    (lambda t: F(t).glu(t.arange(4)), NotImplementedError),
    (lambda t: F(t).celu(t.ones(3), 0.0), RuntimeError),
    (lambda t: F(t).celu(t.arange(3)), NotImplementedError),
    (lambda t: F(t).selu(t.arange(3)), NotImplementedError),
    (lambda t: F(t).hardswish(t.arange(3)), NotImplementedError),
    (lambda t: F(t).hardsigmoid(t.arange(3)), NotImplementedError),
    (lambda t: F(t).logsigmoid(t.arange(3)), NotImplementedError),
    (lambda t: F(t).softshrink(t.arange(3)), NotImplementedError),
    (lambda t: F(t).hardshrink(t.arange(3)), NotImplementedError),
    (lambda t: F(t).softmin(t.ones(2, 3), 2), IndexError),
])
def test_errors_match_torch(call, error):
    with pytest.raises(error) as theirs:
        call(torch)
    with pytest.raises(error) as ours:
        call(ag)
    assert_torch_wording(str(ours.value), str(theirs.value))


def test_bad_input_left_alone():
    x = np.arange(6, dtype="float32").reshape(2, 3)
    ours = ag.tensor(x)
    for call in (lambda: nn.functional.glu(ours), lambda: nn.functional.softshrink(ours, -1.0),
                 lambda: nn.functional.celu(ours, 0.0, inplace=True)):
        with pytest.raises(RuntimeError):
            call()
    np.testing.assert_array_equal(ours.numpy(), x)


@pytest.mark.parametrize("name", ["hardswish", "hardsigmoid", "logsigmoid", "hardshrink",
                                  "softshrink", "selu", "celu", "elu", "threshold"])
def test_non_tensor_input_refused_like_torch(name):
    args = (1.0, 2.0) if name == "threshold" else ()
    with pytest.raises(TypeError) as theirs:
        getattr(TF, name)([1.0], *args)
    with pytest.raises(TypeError) as ours:
        getattr(nn.functional, name)([1.0], *args)
    assert_torch_wording(str(ours.value), str(theirs.value))
