"""Tensor.uniform_ / normal_ / bernoulli_ / random_ / exponential_, randperm and multinomial: the
distributions (moments and bounds of 200,000
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


@pytest.mark.parametrize("dtype", ["float32", "float16", "int64", "int8", "uint8"])
def test_random_from_to(device, dtype):
    ag.manual_seed(4)
    t = ag.empty(N, dtype=getattr(ag, dtype), device=device)
    assert t.random_(2, 9) is t
    v = _host(t)
    assert t.dtype == getattr(ag, dtype) and set(np.unique(v)) == set(range(2, 9))
    np.testing.assert_allclose(np.bincount(v.astype(np.int64))[2:] / N, 1 / 7, atol=0.005)
    v = _host(ag.empty(N, dtype=getattr(ag, dtype), device=device).random_(5))
    assert set(np.unique(v)) == set(range(5))


@pytest.mark.parametrize("dtype, top", [("float32", 2 ** 24), ("float16", 2 ** 11),
                                        ("int16", 2 ** 15 - 1), ("uint8", 255), ("bool", 1)])
def test_random_default_range(device, dtype, top):
    ag.manual_seed(5)
    v = _host(ag.empty(N, dtype=getattr(ag, dtype), device=device).random_())
    assert v.min() >= 0 and v.max() <= top and (v == np.round(v)).all()
    assert v.mean() == pytest.approx(top / 2, rel=0.02)


def test_exponential_(device):
    ag.manual_seed(6)
    v = _host(ag.empty(N, device=device).exponential_(4.0))
    assert v.min() >= 0 and np.isfinite(v).all()
    assert v.mean() == pytest.approx(0.25, rel=0.02)
    assert v.var() == pytest.approx(1 / 16, rel=0.04)


def test_randperm(device):
    ag.manual_seed(7)
    p = ag.randperm(1000, device=device)
    assert p.dtype == ag.int64 and p.device.type == device.split(":")[0]
    np.testing.assert_array_equal(np.sort(_host(p)), np.arange(1000))
    assert ag.randperm(6, dtype=ag.float32, device=device).dtype == ag.float32
    assert tuple(ag.randperm(0, device=device).shape) == (0,)
    # uniform over permutations: each position takes each value about equally often
    firsts = np.array([_host(ag.randperm(4, device=device))[0] for _ in range(4000)])
    np.testing.assert_allclose(np.bincount(firsts.astype(int)) / 4000, 0.25, atol=0.03)


def test_multinomial_with_replacement(device):
    ag.manual_seed(8)
    probs = ag.tensor([[0.1, 0.0, 0.6, 0.3], [2.0, 1.0, 1.0, 0.0]], device=device)
    s = ag.multinomial(probs, N, replacement=True)
    assert s.dtype == ag.int64 and tuple(s.shape) == (2, N)
    v = _host(s).astype(np.int64)
    np.testing.assert_allclose(np.bincount(v[0], minlength=4) / N, [0.1, 0, 0.6, 0.3], atol=0.005)
    np.testing.assert_allclose(np.bincount(v[1], minlength=4) / N, [0.5, 0.25, 0.25, 0], atol=0.005)
    assert tuple(probs[0].multinomial(3, True).shape) == (3,)


def test_multinomial_without_replacement(device):
    ag.manual_seed(9)
    probs = ag.tensor([0.5, 0.0, 0.3, 0.2], device=device)
    draws = np.stack([_host(ag.multinomial(probs, 3)) for _ in range(3000)]).astype(np.int64)
    for row in draws:  # distinct, and never the zero-probability category
        assert len(set(row)) == 3 and 1 not in row
    # the first draw follows the probabilities; the second given the first is renormalised
    np.testing.assert_allclose(np.bincount(draws[:, 0], minlength=4) / 3000, [0.5, 0, 0.3, 0.2],
                               atol=0.03)
    after0 = draws[draws[:, 0] == 0, 1]
    np.testing.assert_allclose(np.bincount(after0, minlength=4)[[2, 3]] / len(after0), [0.6, 0.4],
                               atol=0.05)
    # all categories drawn when asked for: a permutation
    full = _host(ag.multinomial(ag.ones(3, 5, device=device), 5))
    np.testing.assert_array_equal(np.sort(full, axis=1), np.tile(np.arange(5), (3, 1)))


def test_sampling_generator_reproducible(device):
    g = ag.Generator(device=device)
    calls = (lambda: ag.randperm(20, generator=g, device=device),
             lambda: ag.multinomial(ag.ones(10, device=device), 4, generator=g),
             lambda: ag.multinomial(ag.ones(10, device=device), 4, True, generator=g),
             lambda: ag.empty(6, device=device).random_(0, 100, generator=g),
             lambda: ag.empty(6, device=device).exponential_(generator=g))
    for call in calls:
        g.manual_seed(11)
        first = _host(call())
        g.manual_seed(11)
        np.testing.assert_array_equal(first, _host(call()))
        assert not np.array_equal(first, _host(call()))


def test_nodes_and_zero_gradient(device):
    torch = torch_or_skip()
    for name, call in (("uniform_", lambda t: t.uniform_()), ("normal_", lambda t: t.normal_()),
                       ("bernoulli_", lambda t: t.bernoulli_(0.5)),
                       ("random_()", lambda t: t.random_()), ("random_(to)", lambda t: t.random_(3)),
                       ("random_(from, to)", lambda t: t.random_(1, 3)),
                       ("exponential_", lambda t: t.exponential_())):
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
        "random_order": lambda lib: lib.ones(3).random_(5, 2),
        "random_to_zero": lambda lib: lib.ones(3).random_(0),
        "random_from_bounds": lambda lib: lib.ones(3, dtype=lib.uint8).random_(-1, 5),
        "random_to_bounds": lambda lib: lib.ones(3, dtype=lib.uint8).random_(0, 500),
        "random_bool_bounds": lambda lib: lib.ones(3, dtype=lib.bool).random_(3),
        "random_half_bounds": lambda lib: lib.ones(3, dtype=lib.float16).random_(70000),
        "random_leaf": lambda lib: lib.ones(3, requires_grad=True).random_(3),
        "exponential_lambda": lambda lib: lib.ones(3).exponential_(0),
        "exponential_int": lambda lib: lib.ones(3, dtype=lib.int64).exponential_(),
        "randperm_negative": lambda lib: lib.randperm(-1),
        "randperm_float_n": lambda lib: lib.randperm(3.0),
        "randperm_bool": lambda lib: lib.randperm(5, dtype=lib.bool),
        "randperm_int8": lambda lib: lib.randperm(300, dtype=lib.int8),
        "randperm_half": lambda lib: lib.randperm(3000, dtype=lib.float16),
        "multinomial_too_many": lambda lib: lib.multinomial(lib.tensor([1.0, 2.0]), 3),
        "multinomial_negative": lambda lib: lib.multinomial(lib.tensor([1.0, -2.0]), 1),
        "multinomial_nan": lambda lib: lib.multinomial(lib.tensor([1.0, float("nan")]), 1),
        "multinomial_inf": lambda lib: lib.multinomial(lib.tensor([1.0, float("inf")]), 1, True),
        "multinomial_zero_sum": lambda lib: lib.multinomial(lib.tensor([[1.0, 0.0], [0.0, 0.0]]), 1),
        "multinomial_int": lambda lib: lib.multinomial(lib.tensor([1, 2]), 1),
        "multinomial_3d": lambda lib: lib.multinomial(lib.ones(2, 2, 2), 1),
        "multinomial_0d": lambda lib: lib.multinomial(lib.tensor(1.0), 1),
        "multinomial_no_samples": lambda lib: lib.multinomial(lib.ones(2), 0),
        "multinomial_float_samples": lambda lib: lib.multinomial(lib.ones(2), 1.0),
        "multinomial_not_tensor": lambda lib: lib.multinomial([1.0, 2.0], 1),
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
