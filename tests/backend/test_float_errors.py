"""numpy's floating-point warnings (issue 5): torch computes NaN and Inf (log of a negative
number, x / 0, exp overflowing) without a word, so the library silences numpy while it computes
(backend/float_errors.py), forward, backward, in place, in optimizer steps and factories, and
gives the caller's numpy error state back unchanged."""
import importlib.util
import sys
import types
import warnings

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu.backend import float_errors
from helpers import torch_or_skip

torch = torch_or_skip()

SPECIALS = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 1e30]


def _x(lib, device, values=SPECIALS, dtype="float32", grad=False):
    if lib is torch:
        return torch.tensor(np.array(values, dtype), requires_grad=grad)
    return ag.tensor(np.array(values, dtype), device=device, requires_grad=grad)


def _grad_of(lib, fn, device, values=SPECIALS):
    x = _x(lib, device, values, grad=True)
    fn(lib, x).sum().backward()
    return x.grad


def _sgd_step(lib, device):
    p = _x(lib, device, [1.0, 2.0, 1e38, 0.0], grad=True)
    opt = lib.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1)
    for g in ([np.inf, -np.inf, np.nan, 1e38], [1e38, 1.0, 1.0, 1e38]):
        p.grad = _x(lib, device, g)
        opt.step()
    return p.detach()


PRODUCERS = {
    "log": lambda t, d: t.log(_x(t, d)),
    "log backward": lambda t, d: _grad_of(t, lambda lib, x: lib.log(x), d),
    "sqrt backward": lambda t, d: _grad_of(t, lambda lib, x: lib.sqrt(x), d),
    "exp overflow": lambda t, d: t.exp(_x(t, d, [1e4, -1e4, np.nan, 88.0])),
    "exp backward": lambda t, d: _grad_of(t, lambda lib, x: lib.exp(x * 100), d),
    "div by zero": lambda t, d: _x(t, d) / 0.0,
    "floor_divide by zero": lambda t, d: _x(t, d) // 0.0,
    "remainder by zero": lambda t, d: _x(t, d) % 0.0,
    "pow": lambda t, d: _x(t, d) ** -1.5,
    "mul overflow": lambda t, d: _x(t, d) * 1e30,
    "float16 overflow": lambda t, d: _x(t, d, [6e4, -6e4, 1.0], "float16") * 2,
    "div_ in place": lambda t, d: _x(t, d).div_(0.0),
    "mean of nothing": lambda t, d: _x(t, d, []).mean(),
    "softmax of inf": lambda t, d: t.nn.functional.softmax(_x(t, d, [np.inf, 1.0, -np.inf]), 0),
    "cross_entropy of NaN": lambda t, d: t.nn.functional.cross_entropy(
        _x(t, d, [[np.nan, 1.0], [np.inf, 0.0]]), t.tensor([0, 1], device=d)),
    "sgd step with inf gradients": _sgd_step,
    "tensor of 1e10 as half": lambda t, d: t.tensor([1e10, 1.0], dtype=t.float16, device=d),
}


@pytest.mark.parametrize("name", PRODUCERS)
def test_nan_and_inf_come_without_warnings_and_as_torch_computes_them(name, device):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        ours = PRODUCERS[name](ag, device)
    theirs = PRODUCERS[name](torch, "cpu")
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_allclose(ours.detach().cpu().numpy(), theirs.detach().numpy(), rtol=1e-6,
                               equal_nan=True)


def test_the_callers_numpy_error_state_is_kept(device):
    before = np.geterr()
    with np.errstate(divide="raise", invalid="raise"):
        x = ag.tensor([0.0, 1.0], device=device, requires_grad=True)
        ag.log(x).sum().backward()  # forward and backward divide by zero: silently
        with pytest.raises(RuntimeError):  # an op that fails gives the state back too
            x + ag.ones(3, device=device)
        with pytest.raises(FloatingPointError):  # the caller's own numpy still raises
            np.log(np.zeros(1))
    assert np.geterr() == before
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning, match="divide by zero"):  # numpy's default: warn
            np.log(np.zeros(1))


@pytest.mark.parametrize("op", ["var", "std"])
def test_no_degrees_of_freedom_warns_as_torch_does_and_numpy_stays_quiet(op, device):
    """torch's one warning here is its own UserWarning (the result is NaN); numpy's "Degrees of
    freedom <= 0" and "invalid value" RuntimeWarnings must not come with it."""
    texts, values = [], []
    for lib, dev in ((ag, device), (torch, "cpu")):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            values.append(getattr(_x(lib, dev, [[1.0, 2.0], [3.0, 3.0]]), op)(1, correction=2))
        texts.append([(w.category, str(w.message).split(" (Triggered")[0]) for w in caught])
    np.testing.assert_array_equal(values[0].cpu().numpy(), values[1].numpy())  # [inf, nan]
    assert texts[0] == texts[1] == [(UserWarning, f"{op}(): degrees of freedom is <= 0. Correction "
                                     "should be strictly less than the reduction factor (input "
                                     "numel divided by output numel).")]


def test_the_fallback_for_a_numpy_without_the_context_variable(monkeypatch):
    """numpy 1.x (or a numpy that moved its private variable): np.seterr, to the same effect."""
    monkeypatch.setitem(sys.modules, "numpy._core._ufunc_config",
                        types.ModuleType("numpy._core._ufunc_config"))
    spec = importlib.util.spec_from_file_location("float_errors_fallback", float_errors.__file__)
    fallback = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fallback)
    before = np.geterr()
    token = fallback.silence()
    try:
        assert set(np.geterr().values()) == {"ignore"} and fallback.state() is not fallback.SILENT
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            np.log(np.zeros(1))
    finally:
        fallback.restore(token)
    assert np.geterr() == before
