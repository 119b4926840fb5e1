"""Tensor.uniform_ / normal_ / bernoulli_: the distributions (moments and bounds of 200,000
draws), generator= reproducibility, torch's nodes and errors, the leaf refusal, and a zero gradient
to the overwritten values."""
import numpy as np
import pytest

import autograd_gpu as ag
from helpers import assert_torch_wording, torch_or_skip

N = 200_000


def _host(t):
    return t.detach().cpu().numpy().astype(np.float64)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_uniform_(device, dtype):
    ag.manual_seed(1)
    t = ag.empty(N, dtype=getattr(ag, dtype), device=device)
    assert t.uniform_(-2.0, 3.0) is t
    v = _host(t)
    assert v.min() >= -2.0 and v.max() < 3.0
    assert v.mean() == pytest.approx(0.5, abs=0.02)
    assert v.var() == pytest.approx(25 / 12, rel=0.02)
    assert t.dtype == getattr(ag, dtype) and t._version_value == 1


def test_normal_(device):
    ag.manual_seed(2)
    v = _host(ag.empty(N, device=device).normal_(1.5, 0.25))
    assert v.mean() == pytest.approx(1.5, abs=0.005)
    assert v.std() == pytest.approx(0.25, rel=0.02)


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_bernoulli_(device, dtype):
    ag.manual_seed(3)
    t = ag.ones(N, dtype=getattr(ag, dtype), device=device).bernoulli_(0.3)
    v = _host(t)
    assert t.dtype == getattr(ag, dtype) and set(np.unique(v)) <= {0.0, 1.0}
    assert v.mean() == pytest.approx(0.3, abs=0.01)


def test_generator_reproducible(device):
    g = ag.Generator(device=device)
    draws = []
    for _ in range(2):
        g.manual_seed(7)
        draws.append(_host(ag.empty(5, device=device).uniform_(generator=g)))
        draws.append(_host(ag.empty(5, device=device).normal_(generator=g)))
    np.testing.assert_array_equal(draws[0], draws[2])
    np.testing.assert_array_equal(draws[1], draws[3])
    assert not np.array_equal(draws[0], draws[1])


def test_nodes_and_zero_gradient(device):
    torch = torch_or_skip()
    for name, call in (("uniform_", lambda t: t.uniform_()), ("normal_", lambda t: t.normal_()),
                       ("bernoulli_", lambda t: t.bernoulli_(0.5))):
        x = ag.ones(4, device=device, requires_grad=True)
        y = x * 2
        call(y)
        expected = call(torch.ones(4, requires_grad=True) * 2).grad_fn.name()
        assert y.grad_fn.name() == expected, name
        (y * x).sum().backward()  # d/dx of (fill * x): the fill's values; none through the fill
        np.testing.assert_array_equal(_host(x.grad), _host(y))


def _errors():
    return {
        "uniform_bounds": lambda lib: lib.ones(3).uniform_(2, 1),
        "uniform_int": lambda lib: lib.ones(3, dtype=lib.int64).uniform_(),
        "normal_std": lambda lib: lib.ones(3).normal_(0, -1),
        "bernoulli_p": lambda lib: lib.ones(3).bernoulli_(1.5),
        "leaf": lambda lib: lib.ones(3, requires_grad=True).uniform_(),
    }


@pytest.mark.parametrize("name", sorted(_errors()))
def test_errors_match_torch(name):
    torch = torch_or_skip()
    call = _errors()[name]
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(Exception) as ours:
        call(ag)
    assert type(ours.value) is type(theirs.value)
    assert_torch_wording(str(ours.value), str(theirs.value))
