"""smooth_l1_loss, huber_loss and kl_div (functionals and layers) against torch: values, input and
target gradients for every reduction, broadcasting, float64 gradchecks, grad_fn names, reprs,
warnings and errors."""
import warnings

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import assert_torch_wording, check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()
TF = torch.nn.functional

REDUCTIONS = ["mean", "sum", "none"]


def F(t):
    return nn.functional if t is ag else TF


REGRESSION = {  # name: (fn of (t, x, y, reduction), grad_fn name per reduction)
    "smooth_l1": (lambda t, a, b, r: F(t).smooth_l1_loss(a, b, reduction=r),
                  "SmoothL1LossBackward0"),
    "smooth_l1_beta": (lambda t, a, b, r: F(t).smooth_l1_loss(a, b, reduction=r, beta=0.3),
                       "SmoothL1LossBackward0"),
    "huber": (lambda t, a, b, r: F(t).huber_loss(a, b, reduction=r), "HuberLossBackward0"),
    "huber_delta": (lambda t, a, b, r: F(t).huber_loss(a, b, reduction=r, delta=2.5),
                    "HuberLossBackward0"),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", REGRESSION)
def test_regression_parity(name, reduction, device, rng):
    fn, node = REGRESSION[name]
    x, y = random_array(rng, (3, 4, 2), low=-4, high=4), random_array(rng, (3, 4, 2))
    out = check_parity(lambda t, a, b: fn(t, a, b, reduction), x, y, device=device, rng=rng)
    assert out[0].grad_fn.name() == node


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", REGRESSION)
def test_regression_gradcheck(name, reduction, device, rng):
    fn = REGRESSION[name][0]
    x, y = random_array(rng, (2, 3), low=-4, high=4), random_array(rng, (2, 3))
    d = x - y
    for width in (0.3, 1.0, 2.5):  # central differences must not straddle |d| = beta or delta
        near = np.abs(np.abs(d) - width) < 0.05
        x[near] += 0.2
    check_grad(lambda t, a, b: fn(t, a, b, reduction), x, y, device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_smooth_l1_beta_zero_is_l1(reduction, device, rng):
    out = check_parity(lambda t, a, b: F(t).smooth_l1_loss(a, b, reduction=reduction, beta=0.0),
                       random_array(rng, (3, 4)), random_array(rng, (3, 4)), device=device, rng=rng)
    expected = {"mean": "MeanBackward0", "sum": "SumBackward0", "none": "AbsBackward0"}[reduction]
    assert out[0].grad_fn.name() == expected


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_huber_weight(reduction, device, rng):
    w = random_array(rng, (3, 4), positive=True)
    check_parity(lambda t, a, b: F(t).huber_loss(a, b, reduction, 0.7,
                                                 t.tensor(w, device=a.device)),
                 random_array(rng, (3, 4)), random_array(rng, (3, 4)), device=device, rng=rng)


@pytest.mark.parametrize("name", REGRESSION)
def test_regression_broadcast_warns_like_torch(name, device, rng):
    fn = REGRESSION[name][0]
    x, y = random_array(rng, (3, 4)), random_array(rng, (4,))
    with pytest.warns(UserWarning, match=r"Using a target size \(torch.Size\(\[4\]\)\) that is "
                                         r"different to the input size \(torch.Size\(\[3, 4\]\)\)"):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module="torch")
            check_parity(lambda t, a, b: fn(t, a, b, "mean"), x, y, device=device, rng=rng)


def test_regression_dtypes(device, rng):
    """smooth_l1_loss promotes; huber_loss computes in the input's dtype (as torch's kernels)."""
    out = check_parity(lambda t, a, b: F(t).smooth_l1_loss(a, b), random_array(rng, (3,)),
                       random_array(rng, (3,), "float64"), device=device, rng=rng)
    assert out[0].dtype is ag.float64
    for dtypes in (("float32", "float64"), ("float64", "float32")):
        # forward only: torch's huber backward refuses mixed dtypes ("Found dtype Double but
        # expected Float"); ours gives each tensor its gradient in its own dtype
        x, y = random_array(rng, (3,), dtypes[0]), random_array(rng, (3,), dtypes[1])
        out = check_parity(lambda t, a, b: F(t).huber_loss(a, b), x, y, device=device, grad=False)
        assert out[0].dtype is getattr(ag, dtypes[0])
        a = ag.tensor(x, device=device, requires_grad=True)
        b = ag.tensor(y, device=device, requires_grad=True)
        nn.functional.huber_loss(a, b).backward()
        assert a.grad.dtype is a.dtype and b.grad.dtype is b.dtype
        np.testing.assert_allclose(b.grad.cpu().numpy(), -a.grad.cpu().numpy(), rtol=1e-6)


# -- kl_div ----------------------------------------------------------------------------------------

KL_REDUCTIONS = ["batchmean", "sum", "none", "mean"]


def _kl_inputs(rng, shape=(4, 5)):
    logp = np.log(rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])).astype("float32")
    q = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1]).astype("float32")
    return logp, q


@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", KL_REDUCTIONS)
def test_kl_div_parity(reduction, log_target, device, rng):
    logp, q = _kl_inputs(rng)
    target = np.log(q) if log_target else q
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's and our 'mean' warning, tested below
        out = check_parity(lambda t, a, b: F(t).kl_div(a, b, reduction=reduction,
                                                       log_target=log_target),
                           logp, target, device=device, rng=rng)
        tout = TF.kl_div(torch.tensor(logp, requires_grad=True), torch.tensor(target),
                         reduction=reduction, log_target=log_target)
    assert out[0].grad_fn.name() == tout.grad_fn.name()


@pytest.mark.parametrize("reduction", KL_REDUCTIONS)
def test_kl_div_zero_probability_target(reduction, device, rng):
    """A zero target probability adds nothing (torch's xlogy); the input's gradient as torch's
    (the target's is compared where it is nonzero: torch's is NaN at zero, see below)."""
    logp, q = _kl_inputs(rng)
    q[0, 1] = q[2, 3] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_parity(lambda t, a, b: F(t).kl_div(a, b.detach(), reduction=reduction), logp, q,
                     device=device, rng=rng)


def test_kl_div_zero_target_gives_input_no_gradient_and_target_finite_one(device, rng):
    """A zero target adds nothing to the loss; its gradient stays finite where the log would not."""
    logp, q = _kl_inputs(rng, (3, 4))
    q[1, 2] = 0.0
    x = ag.tensor(logp, device=device, requires_grad=True)
    t = ag.tensor(q, device=device, requires_grad=True)
    nn.functional.kl_div(x, t, reduction="sum").backward()
    assert x.grad.cpu().numpy()[1, 2] == 0.0
    assert np.isfinite(t.grad.cpu().numpy()).all()


@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["batchmean", "none"])
def test_kl_div_gradcheck(reduction, log_target, device, rng):
    logp, q = _kl_inputs(rng, (2, 3))
    target = np.log(q) if log_target else q
    check_grad(lambda t, a, b: F(t).kl_div(a, b, reduction=reduction, log_target=log_target),
               logp, target, device=device)


def test_kl_div_batchmean_of_a_scalar_and_broadcast_target(device, rng):
    check_parity(lambda t, a, b: F(t).kl_div(a, b, reduction="batchmean"),
                 np.array(-0.5, "float32"), np.array(0.3, "float32"), device=device, rng=rng)
    check_parity(lambda t, a, b: F(t).kl_div(a, b, reduction="sum"),
                 *(_kl_inputs(rng)[0], _kl_inputs(rng, (5,))[1]), device=device, rng=rng)


def test_kl_div_mean_warns_like_torch():
    logp, q = _kl_inputs(np.random.default_rng(0))
    with pytest.warns(UserWarning) as theirs:
        TF.kl_div(torch.tensor(logp), torch.tensor(q))
    with pytest.warns(UserWarning) as ours:
        nn.KLDivLoss()(ag.tensor(logp), ag.tensor(q))
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.functional.kl_div(ag.tensor(logp), ag.tensor(q), reduction="batchmean")


# -- layers, reprs, errors -------------------------------------------------------------------------

LAYERS = [
    ("SmoothL1Loss", {}),
    ("SmoothL1Loss", {"beta": 0.5, "reduction": "sum"}),
    ("HuberLoss", {}),
    ("HuberLoss", {"delta": 0.4, "reduction": "none"}),
    ("KLDivLoss", {"reduction": "batchmean"}),
    ("KLDivLoss", {"reduction": "sum", "log_target": True}),
]


@pytest.mark.parametrize("name,kwargs", LAYERS, ids=[f"{c[0]}-{i}" for i, c in enumerate(LAYERS)])
def test_layers_match_torch(name, kwargs, device, rng):
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    x, y = _kl_inputs(rng) if name == "KLDivLoss" else (random_array(rng, (4, 5)) * 2,
                                                       random_array(rng, (4, 5)))
    if kwargs.get("log_target"):
        y = np.log(y)
    check_parity(lambda t, a, b: (ours if t is ag else theirs)(a, b), x, y, device=device, rng=rng)


def test_legacy_size_average_and_reduce(rng):
    for name in ("SmoothL1Loss", "KLDivLoss"):
        with pytest.warns(UserWarning) as theirs:
            t = getattr(torch.nn, name)(size_average=False)
        with pytest.warns(UserWarning) as ours:
            o = getattr(nn, name)(size_average=False)
        assert o.reduction == t.reduction == "sum"
        assert str(ours[0].message) == str(theirs[0].message)


def _err(f):
    return lambda t: f(t, F(t))


@pytest.mark.parametrize("call, error", [
    (_err(lambda t, f: f.smooth_l1_loss(t.ones(3), t.ones(3), beta=-1.0)), RuntimeError),
    (_err(lambda t, f: f.huber_loss(t.ones(3), t.ones(3), delta=0.0)), RuntimeError),
    (_err(lambda t, f: f.huber_loss(t.ones(3), t.ones(3), delta=-2.0)), RuntimeError),
    (_err(lambda t, f: f.smooth_l1_loss(t.arange(3), t.arange(3))), NotImplementedError),
    (_err(lambda t, f: f.huber_loss(t.arange(3), t.arange(3))), NotImplementedError),
    (_err(lambda t, f: f.huber_loss(t.ones(3), t.ones(3), reduction="bad")), ValueError),
    (_err(lambda t, f: f.huber_loss(t.ones(3), t.ones(3), weight=t.ones(2))), ValueError),
    (_err(lambda t, f: f.smooth_l1_loss(t.ones(3), t.ones(3), reduction="bad")), ValueError),
    (_err(lambda t, f: f.kl_div(t.ones(3), t.ones(3), reduction="bad")), ValueError),
    (_err(lambda t, f: f.kl_div(t.arange(3), t.ones(3), reduction="sum")), RuntimeError),
    (_err(lambda t, f: f.kl_div(t.ones(3), t.arange(3), reduction="sum")), RuntimeError),
    (_err(lambda t, f: f.kl_div(t.ones(3, 4), t.ones(5), reduction="sum")), RuntimeError),
    (_err(lambda t, f: f.kl_div(t.ones(3, 4), t.ones(5), reduction="sum", log_target=True)),
     RuntimeError),
    (lambda t: t.nn.HuberLoss(delta="1"), TypeError),
])
def test_errors_match_torch(call, error):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error) as theirs:
            call(torch)
        with pytest.raises(error) as ours:
            call(ag)
    ours_msg = str(ours.value).replace("autograd_gpu", "torch")
    assert_torch_wording(ours_msg, str(theirs.value))
