"""Seeded cpu draws are torch's numbers: after ``manual_seed(s)`` (or with a seeded ``Generator``)
every random function, the layers' default initialisation, dropout and the DataLoader's shuffling
give what torch 2.13 gives on the cpu, bit for bit, except float32 normals from 16 elements on,
where torch's AVX2 log/sin/cos approximations differ from ours by at most 2 ulp. The seeds and
sizes are drawn fresh each run. Also: torch's rng state bytes, seeds' wrap-around, fork_rng, and
the generic distributions the GPU generator builds on its primitives."""
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu.backend.random_engine import RandomEngine
from helpers import torch_or_skip

_FRESH = np.random.default_rng()


def _seed():
    return int(_FRESH.integers(0, 2 ** 63))


def _both(fn, seed=None):
    """``fn(module)`` under torch and under autograd_gpu, each seeded with the same seed; the
    results as nested lists of numbers."""
    torch = torch_or_skip()
    seed = _seed() if seed is None else seed

    def run(module):
        module.manual_seed(seed)
        result = fn(module)
        return [r.tolist() if hasattr(r, "tolist") else r for r in result]

    return run(torch), run(ag)


def _assert_same(theirs, ours):
    """Equal number for number (nested lists of Python numbers compare exactly)."""
    for i, (t, o) in enumerate(zip(theirs, ours, strict=True)):
        assert o == t, f"result {i} differs"


@pytest.mark.filterwarnings("ignore:to - 1 is out of bounds")  # float32 draws up to 2^33
@pytest.mark.parametrize("n", [1, 7, 16, 33, 1000])
def test_rand_randint_randperm_are_torchs(n):
    def draws(m):
        return (m.rand(n), m.rand(n, dtype=m.float64), m.rand(n, dtype=m.float16),
                m.randint(0, 10, (n,)), m.randint(-5, 2 ** 40, (n,)),
                m.randint(3, 2 ** 33, (n,), dtype=m.float32), m.randint(-7, 7, (n,), dtype=m.int32),
                m.randperm(n), m.randperm(n, dtype=m.float64), m.rand(2))
    _assert_same(*_both(draws))


@pytest.mark.parametrize("n", [1, 3, 15])
def test_small_normals_are_torchs_with_the_cached_pair(n):
    # below 16 elements torch draws one double normal at a time and keeps the second of each
    # Box-Muller pair for the next draw, across calls
    def draws(m):
        return (m.randn(n, dtype=m.float64), m.randn(n), m.randn(2, 2, dtype=m.float64),
                m.empty(5).normal_(2.0, 3.0), m.rand(1))
    _assert_same(*_both(draws))


@pytest.mark.parametrize("n", [16, 17, 100, 4099])
def test_large_normals_match_torchs(n):
    def draws(m):
        return (m.randn(n, dtype=m.float64), m.randn(n), m.empty(n).normal_(-1.0, 0.5), m.rand(3))
    theirs, ours = _both(draws)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=0, atol=5e-7)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=0, atol=5e-7)
    np.testing.assert_array_equal(ours[3], theirs[3])  # the stream moved as torch's did


def test_fills_are_torchs():
    low, high = sorted(_FRESH.uniform(-5, 5, size=2))
    p = float(_FRESH.uniform(0.05, 0.95))

    def draws(m):
        return (m.empty(300).uniform_(low, high), m.empty(300, dtype=m.float64).uniform_(low, high),
                m.empty(50).bernoulli_(p), m.empty(50, dtype=m.int64).bernoulli_(p),
                m.empty(40).exponential_(2.5), m.empty(40, dtype=m.float64).exponential_(0.5),
                m.empty(30, dtype=m.int64).random_(), m.empty(30, dtype=m.int32).random_(),
                m.empty(30).random_(), m.empty(30, dtype=m.float64).random_(),
                m.empty(30, dtype=m.uint8).random_(), m.empty(30, dtype=m.bool).random_(),
                m.empty(30, dtype=m.int64).random_(-3, 9), m.empty(30).random_(20),
                m.empty(30, dtype=m.int64).random_(-2 ** 63, None),
                m.empty(30, dtype=m.int16).random_(5, None), m.rand(2))
    _assert_same(*_both(draws))


def test_multinomial_is_torchs():
    probs = _FRESH.uniform(0, 1, size=(3, 6))
    probs[1, 2] = 0.0

    def draws(m):
        p = m.tensor(probs, dtype=m.float32)
        return (m.multinomial(p, 20, replacement=True), m.multinomial(p, 4),
                m.multinomial(p[0], 1), m.multinomial(p.double(), 9, replacement=True), m.rand(2))
    _assert_same(*_both(draws))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dropout_is_torchs(dtype):
    p = float(_FRESH.uniform(0.1, 0.9))

    def draws(m):
        x = m.rand(64, dtype=getattr(m, dtype))
        layer = m.nn.Dropout(p)
        return (m.nn.functional.dropout(x, p), layer(x), m.nn.functional.dropout2d(
            m.ones(4, 5, 2, 2, dtype=getattr(m, dtype)), p), m.rand(2))
    theirs, ours = _both(draws)
    _assert_same(theirs, ours)


@pytest.mark.parametrize("layer", ["Linear(20, 7)", "Conv2d(3, 8, 3)", "Conv1d(2, 3, 4)",
                                   "ConvTranspose2d(3, 4, 3)", "LSTM(5, 6, 2)", "GRU(3, 4)",
                                   "RNN(4, 5, bidirectional=True)", "PReLU()", "BatchNorm2d(3)"])
def test_default_initialisation_is_torchs(layer):
    def draws(m):
        module = eval(f"m.nn.{layer}")  # noqa: S307 - a fixed list of layer expressions
        return [v.detach() for v in module.state_dict().values()] + [m.rand(2)]
    _assert_same(*_both(draws))


def test_normal_initialisers_match_torchs():
    def draws(m):
        w = m.empty(6, 5)
        return (m.nn.Embedding(10, 4).weight.detach(), m.nn.init.kaiming_normal_(w.clone()),
                m.nn.init.xavier_normal_(w.clone()), m.nn.init.xavier_uniform_(w.clone()),
                m.nn.init.kaiming_uniform_(w.clone(), a=0.1, mode="fan_out"), m.rand(2))
    theirs, ours = _both(draws)
    for t, o in zip(theirs[:3], ours[:3]):
        np.testing.assert_allclose(o, t, rtol=0, atol=5e-7)
    _assert_same(theirs[3:], ours[3:])


def test_seeded_resnet18_has_torchs_weights():
    torch = torch_or_skip()
    sys.path.insert(0, str(Path(__file__).parent / "models"))
    from torch_resnet import resnet18 as torch_resnet18

    from autograd_gpu.models import resnet18

    seed = _seed()
    torch.manual_seed(seed)
    theirs = torch_resnet18(num_classes=10).state_dict()
    ag.manual_seed(seed)
    ours = resnet18(num_classes=10).state_dict()
    assert list(ours) == list(theirs)
    for key, value in theirs.items():
        np.testing.assert_allclose(ours[key].numpy(), value.numpy(), rtol=0, atol=2e-7,
                                   err_msg=key)
    torch_next, ours_next = torch.rand(3).tolist(), ag.rand(3).tolist()
    assert ours_next == torch_next


def test_data_loading_draws_are_torchs():
    def draws(m):
        data = m.utils.data
        dataset = data.TensorDataset(m.arange(23))
        loader = data.DataLoader(dataset, batch_size=5, shuffle=True)
        epochs = [[batch[0].tolist() for batch in loader] for _ in range(2)]
        seeded = data.DataLoader(dataset, batch_size=4, shuffle=True,
                                 generator=m.Generator().manual_seed(3))
        with_replacement = list(data.RandomSampler(range(40), replacement=True, num_samples=70))
        split = [list(part) for part in data.random_split(range(10), [3, 7])]
        return epochs, [b[0].tolist() for b in seeded], with_replacement, split, m.rand(2)
    _assert_same(*_both(draws))


def test_generator_objects_are_torchs():
    torch = torch_or_skip()
    seed = _seed()
    theirs = torch.Generator().manual_seed(seed)
    ours = ag.Generator().manual_seed(seed)
    assert ag.Generator().initial_seed() == torch.Generator().initial_seed() == 67280421310721
    assert ours.initial_seed() == theirs.initial_seed() == seed
    def draws(m, generator):
        return [t.tolist() for t in (
            m.rand(5, generator=generator), m.randn(4, generator=generator),
            m.randint(0, 9, (4,), generator=generator), m.randperm(6, generator=generator))]
    _assert_same(draws(torch, theirs), draws(ag, ours))


def test_rng_state_is_torchs_bytes_both_ways():
    torch = torch_or_skip()
    seed = _seed()
    torch.manual_seed(seed)
    ag.manual_seed(seed)
    assert bytes(ag.get_rng_state().numpy()) == bytes(torch.get_rng_state().numpy())
    count = int(_FRESH.integers(1, 2000))
    torch.rand(count), ag.rand(count)
    torch.randn(3, dtype=torch.float64), ag.randn(3, dtype=ag.float64)  # a cached normal
    state = torch.get_rng_state()
    assert bytes(ag.get_rng_state().numpy()) == bytes(state.numpy())
    # torch's state restored here continues torch's stream, and ours restored there continues ours
    ag.set_rng_state(ag.tensor(state.numpy()))
    expected = torch.randn(5, dtype=torch.float64).tolist()
    assert ag.randn(5, dtype=ag.float64).tolist() == expected
    torch.set_rng_state(torch.from_numpy(ag.get_rng_state().numpy()))
    assert torch.rand(4).tolist() == ag.rand(4).tolist()


def test_set_state_refuses_what_torch_refuses():
    torch = torch_or_skip()
    for bad in (ag.zeros(10, dtype=ag.uint8), ag.zeros(5056)):
        with pytest.raises((RuntimeError, TypeError)) as ours:  # the size, then the dtype
            ag.set_rng_state(bad)
        with pytest.raises(type(ours.value)) as theirs:
            torch.set_rng_state(torch.from_numpy(bad.numpy()))
        assert str(ours.value) == str(theirs.value)


def test_seeds_wrap_as_torchs():
    torch = torch_or_skip()
    low = int(_FRESH.integers(0, 2 ** 32))
    assert ag.manual_seed(low + 2 ** 32) is ag.default_generator
    wrapped = ag.rand(3).tolist()
    ag.manual_seed(low)
    assert ag.rand(3).tolist() == wrapped  # mt19937 takes the low 32 bits
    for seed in (-1, -(2 ** 63), 2 ** 64 - 1, 7.9):
        torch.manual_seed(seed)
        ag.manual_seed(seed)
        assert ag.initial_seed() == torch.initial_seed()
    with pytest.raises(ValueError, match="Overflow"):
        ag.manual_seed(2 ** 64)


def test_fork_rng_restores_the_stream():
    ag.manual_seed(_seed())
    with ag.random.fork_rng():
        inside = ag.rand(4).tolist()
    assert ag.rand(4).tolist() == inside


def test_a_refused_fill_draws_nothing():
    ag.manual_seed(_seed())
    state = bytes(ag.get_rng_state().numpy())
    leaf = ag.zeros(8, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        leaf.uniform_()
    assert bytes(ag.get_rng_state().numpy()) == state


class _NumpyPrimitives(RandomEngine):
    """The three primitives a GPU engine implements, on numpy: what the generic distributions
    of ``RandomEngine`` (the GPU's) build on, checked here without a GPU."""
    xp = np

    def __init__(self, seed):
        self.manual_seed(seed)

    def manual_seed(self, seed):
        self._rng = np.random.default_rng(seed)

    def uniform(self, shape, dtype, low=0.0, high=1.0):
        return self._rng.uniform(low, high, shape).astype(dtype)

    def normal(self, shape, dtype, mean=0.0, std=1.0):
        return self._rng.normal(mean, std, shape).astype(dtype)

    def integers(self, low, high, shape, dtype):
        return self._rng.integers(low, high, shape).astype(dtype)


def test_generic_distributions_of_the_gpu_engine():
    engine = _NumpyPrimitives(_seed())
    n = 200_000
    p = float(_FRESH.uniform(0.1, 0.9))
    assert engine.bernoulli(p, (n,)).mean() == pytest.approx(p, abs=0.01)
    probs = np.stack([np.full(n, 0.25), np.full(n, 0.75)], axis=1)
    assert engine.bernoulli(probs, probs.shape).mean(axis=0) == pytest.approx([0.25, 0.75],
                                                                               abs=0.01)
    lambd = float(_FRESH.uniform(0.5, 3))
    sample = engine.exponential((n,), np.float32, lambd)
    assert sample.dtype == np.float32 and sample.min() >= 0
    assert sample.mean() == pytest.approx(1 / lambd, rel=0.02)
    assert sorted(engine.randperm(50).tolist()) == list(range(50))
    weights = np.array([[1.0, 0.0, 3.0], [2.0, 2.0, 0.0]])
    drawn = engine.multinomial_with_replacement(weights, n)
    counts = [np.bincount(row, minlength=3) / n for row in drawn]
    np.testing.assert_allclose(counts, [[0.25, 0.0, 0.75], [0.5, 0.5, 0.0]], atol=0.01)
    bits = engine.random_default((n,), np.dtype(np.int16))
    assert 0 <= bits.min() and bits.max() <= 2 ** 15 - 1
    assert math.isclose(bits.mean(), (2 ** 15 - 1) / 2, rel_tol=0.02)
