"""Factory functions against torch: ``tensor`` and its dtype inference, ``as_tensor``/``from_numpy``
memory sharing, the filled and random factories, their ``*_like`` forms, argument errors, and
``manual_seed`` reproducibility."""
import re
import warnings

import numpy as np
import pytest

import autograd_gpu as ag
from helpers import random_array, torch_or_skip


def host(t):
    return t.detach().cpu().numpy()


def same_as_torch(ours, theirs):
    assert str(ours.dtype) == str(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(host(ours), theirs.numpy())


# -- tensor(): data and dtype inference ---------------------------------------------------------

INFERENCE = {
    "ints": [1, 2, 3],
    "floats": [1.5, -2.25],
    "ints_and_float": [1, 2.0, 3],
    "bools": [True, False],
    "bool_and_int": [True, 2],
    "int_scalar": 7,
    "float_scalar": -0.5,
    "bool_scalar": True,
    "nested": [[1, 2], [3, 4], [5, 6]],
    "nested_tuple": ((1.0, 2.0), (3.0, 4.0)),
    "empty": [],
    "empty_nested": [[]],
    "range": range(4),
    "np_float64_scalar": np.float64(2.5),
    "np_int32_scalar": np.int32(3),
    "np_bool_scalar": np.bool_(False),
    "np_float16_scalar": np.float16(1.5),
    "list_np_float64": [np.float64(1.0), 2],
    "list_np_float32_float": [np.float32(1.0), 2.0],
    "list_np_int32_int": [np.int32(1), 2],
    "list_np_int32_float": [np.int32(1), 2.0],
    "list_np_float16_float32": [np.float16(1.0), np.float32(2.0)],
    "list_of_int32_arrays": [np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32)],
    "np_float64": np.array([[1.0, 2.0]]),
    "np_float32": np.array([1.0, 2.0], dtype=np.float32),
    "np_int32": np.array([1, 2], dtype=np.int32),
    "np_uint8": np.array([1, 255], dtype=np.uint8),
    "np_bool": np.array([True, False]),
    "np_0d": np.array(3.5),
}


@pytest.mark.parametrize("name", INFERENCE)
def test_tensor_infers_dtype_like_torch(name, device):
    torch = torch_or_skip()
    data = INFERENCE[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about lists of ndarrays
        theirs = torch.tensor(data)
    ours = ag.tensor(data, device=device)
    same_as_torch(ours, theirs)
    assert ours.device == ag.device(device if device != "cuda" else "cuda:0")
    assert repr(ours).replace(", device='cuda:0'", "") == repr(theirs)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int64", "int32", "uint8",
                                   "bool"])
def test_tensor_with_explicit_dtype(dtype, device):
    torch = torch_or_skip()
    data = [[0.0, 1.7, -2.2], [3.9, 0.5, 1.0]] if dtype != "uint8" else [[0.0, 1.7, 2.2]]
    ours = ag.tensor(data, dtype=getattr(ag, dtype if dtype != "bool" else "bool"), device=device)
    same_as_torch(ours, torch.tensor(data, dtype=getattr(torch, dtype)))


def test_tensor_from_tensors_in_lists(device):
    torch = torch_or_skip()
    for make in (lambda m: [m.tensor(1.0, dtype=m.float64), 2.0],
                 lambda m: [m.tensor(1.5, dtype=m.float16), 2],
                 lambda m: [m.tensor(1, dtype=m.int32), 2],
                 lambda m: [m.tensor([1.5]), 2]):
        same_as_torch(ag.tensor(make(ag), device=device), torch.tensor(make(torch)))
    with pytest.raises(TypeError, match="only integer tensors of a single element can be converted "
                                        "to an index"):
        ag.tensor([ag.tensor([1, 2]), ag.tensor([3, 4])])


def test_tensor_copies_its_data(device, rng):
    arr = random_array(rng, (3,), "float64")
    t = ag.tensor(arr, device=device)
    arr[0] += 1.0
    assert host(t)[0] == arr[0] - 1.0
    src = ag.tensor(random_array(rng, (3,)), device=device)
    with pytest.warns(UserWarning, match=re.escape(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone()")):
        copy = ag.tensor(src)
    copy.add_(1)
    np.testing.assert_allclose(host(copy), host(src) + 1)
    assert not copy.requires_grad and copy.is_leaf


def test_tensor_requires_grad(device, rng):
    t = ag.tensor(random_array(rng, (2,)), device=device, requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.grad is None and t.grad_fn is None
    with pytest.raises(RuntimeError, match="^Only Tensors of floating point and complex dtype can "
                                           "require gradients$"):
        ag.tensor([1, 2], device=device, requires_grad=True)


@pytest.mark.parametrize("data, exc, message", [
    ([[1, 2], [3]], ValueError, "expected sequence of length 2 at dim 1 (got 1)"),
    ([[[1], [2]], [[3]]], ValueError, "expected sequence of length 2 at dim 1 (got 1)"),
    ([[1, 2], 3], TypeError, "not a sequence"),
    (None, RuntimeError, "Could not infer dtype of NoneType"),
    ([None], RuntimeError, "Could not infer dtype of NoneType"),
    ("a", TypeError, "new(): invalid data type 'str'"),
])
def test_tensor_bad_data(data, exc, message):
    torch = torch_or_skip()
    with pytest.raises(exc, match=re.escape(message)):
        torch.tensor(data)  # the oracle agrees on type and text
    with pytest.raises(exc) as ours:
        ag.tensor(data)
    assert str(ours.value) == message  # torch's words exactly; the note names the call
    assert getattr(ours.value, "__notes__", ["in tensor() of a Python"])[0].startswith(
        "in tensor() of a Python")


# -- sharing memory with numpy ---------------------------------------------------------------------

def test_from_numpy_shares_memory(rng):
    arr = random_array(rng, (2, 3), "float64")
    t = ag.from_numpy(arr)
    assert t.dtype is ag.float64 and t.device == ag.device("cpu")
    arr[0, 0] = 42.0
    assert t[0, 0].item() == 42.0
    t.mul_(2)
    assert arr[0, 0] == 84.0
    assert t.numpy() is arr or np.shares_memory(t.numpy(), arr)
    with pytest.raises(TypeError, match=re.escape("expected np.ndarray (got list)")):
        ag.from_numpy([1.0, 2.0])
    with pytest.raises(TypeError):
        ag.from_numpy(np.array(["a"]))


def test_as_tensor_shares_when_it_can(rng, device):
    arr = random_array(rng, (3,))
    shared = ag.as_tensor(arr)
    arr[1] = 9.0
    assert shared[1].item() == 9.0
    converted = ag.as_tensor(arr, dtype=ag.float64)  # another dtype: a copy
    arr[1] = 7.0
    assert converted[1].item() == 9.0 and converted.dtype is ag.float64
    t = ag.tensor(random_array(rng, (2,)), device=device)
    assert ag.as_tensor(t) is t
    assert ag.as_tensor([1, 2], device=device).dtype is ag.int64
    assert ag.as_tensor([1.0, 2.0], dtype=ag.float64).dtype is ag.float64


# -- filled factories ------------------------------------------------------------------------------

FILLED = {
    "zeros": lambda m, **kw: m.zeros(2, 3, **kw),
    "zeros_tuple": lambda m, **kw: m.zeros((2, 3), **kw),
    "zeros_list": lambda m, **kw: m.zeros([4], **kw),
    "ones": lambda m, **kw: m.ones(3, **kw),
    "ones_int": lambda m, **kw: m.ones(2, 2, dtype=m.int32, **kw),
    "empty_shape": lambda m, **kw: m.zeros_like(m.empty(2, 5, **kw)),
    "full_float": lambda m, **kw: m.full((2,), 3.5, **kw),
    "full_int": lambda m, **kw: m.full((2, 1), 3, **kw),
    "full_bool": lambda m, **kw: m.full((2,), True, **kw),
    "full_dtype": lambda m, **kw: m.full((3,), 2, dtype=m.float64, **kw),
    "eye": lambda m, **kw: m.eye(3, **kw),
    "eye_rect": lambda m, **kw: m.eye(2, 4, **kw),
    "eye_int": lambda m, **kw: m.eye(2, dtype=m.int64, **kw),
    "arange": lambda m, **kw: m.arange(5, **kw),
    "arange_start": lambda m, **kw: m.arange(2, 7, **kw),
    "arange_step": lambda m, **kw: m.arange(0, 1, 0.25, **kw),
    "arange_float_start": lambda m, **kw: m.arange(0.0, 3, **kw),
    "arange_negative": lambda m, **kw: m.arange(5, -3, -2, **kw),
    "arange_dtype": lambda m, **kw: m.arange(4, dtype=m.float64, **kw),
    "arange_tenth": lambda m, **kw: m.arange(0, 1, 0.1, **kw),
    "linspace": lambda m, **kw: m.linspace(0, 1, 5, **kw),
    "linspace_neg": lambda m, **kw: m.linspace(-1, 1, 3, dtype=m.float64, **kw),
    "linspace_int": lambda m, **kw: m.linspace(0, 10, 4, dtype=m.int64, **kw),
    "linspace_one": lambda m, **kw: m.linspace(2, 5, 1, **kw),
    "logspace": lambda m, **kw: m.logspace(0, 2, 5, **kw),
    "logspace_base": lambda m, **kw: m.logspace(-1.5, 2.2, 6, base=2.5, **kw),
    "logspace_fractions": lambda m, **kw: m.logspace(0.1, 0.7, 7, **kw),
    "logspace_descending": lambda m, **kw: m.logspace(1.3, -2.2, 6, base=3, **kw),
    "logspace_double": lambda m, **kw: m.logspace(-2, 2, 9, dtype=m.float64, **kw),
    "logspace_int": lambda m, **kw: m.logspace(0, 3, 4, dtype=m.int64, **kw),
    "logspace_int_truncates": lambda m, **kw: m.logspace(0, 2.5, 4, base=3.0, dtype=m.int32, **kw),
    "logspace_half_overflow": lambda m, **kw: m.logspace(0, 10, 3, dtype=m.float16, **kw),
    "logspace_one": lambda m, **kw: m.logspace(2, 5, 1, **kw),
    "logspace_empty": lambda m, **kw: m.logspace(2, 5, 0, **kw),
    "zeros_like": lambda m, **kw: m.zeros_like(m.ones(2, dtype=m.int32, **kw)),
    "ones_like_dtype": lambda m, **kw: m.ones_like(m.zeros(2, **kw), dtype=m.float64),
    "full_like": lambda m, **kw: m.full_like(m.zeros(2, 2, **kw), 7),
    "full_like_int": lambda m, **kw: m.full_like(m.zeros(2, dtype=m.int64, **kw), 7.5),
    "empty_like": lambda m, **kw: m.zeros_like(m.empty_like(m.ones(3, **kw))),
}


@pytest.mark.parametrize("name", FILLED)
def test_filled_factories_match_torch(name, device):
    torch = torch_or_skip()
    ours = FILLED[name](ag, device=device)
    theirs = FILLED[name](torch)
    assert str(ours.dtype) == str(theirs.dtype) and tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(host(ours), theirs.numpy(), rtol=1e-6)
    assert not ours.requires_grad and ours.is_leaf


RANGE_DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8"]


def bits_as_torch(ours, theirs):
    """The same dtype, shape and bit patterns (so the same printed text)."""
    assert str(ours.dtype) == str(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert host(ours).tobytes() == theirs.numpy().tobytes()


def test_linspace_prints_torchs_rounding():
    torch = torch_or_skip()
    assert repr(ag.linspace(-1, 1, 7)) == repr(torch.linspace(-1, 1, 7))
    assert "-2.9802e-08" in repr(ag.linspace(-1, 1, 7))


@pytest.mark.parametrize("dtype", RANGE_DTYPES)
def test_linspace_is_torchs_bit_for_bit(dtype, rng):
    torch = torch_or_skip()
    unsigned = dtype == "uint8"
    for steps in [0, 1, 2, 3, *rng.integers(4, 300, size=12), 40001]:
        low, high = rng.uniform(0 if unsigned else -100, 100, size=2)
        for start, end in [(low, high), (high, low), (int(low), int(high))]:
            bits_as_torch(ag.linspace(start, end, int(steps), dtype=getattr(ag, dtype)),
                          torch.linspace(start, end, int(steps), dtype=getattr(torch, dtype)))


@pytest.mark.parametrize("dtype", RANGE_DTYPES)
def test_arange_is_torchs_bit_for_bit(dtype, rng):
    """Float steps: torch's vectors restart base + k * step; integer dtypes truncate start and
    step first (and int64 its end too, for the length)."""
    torch = torch_or_skip()
    for _ in range(40):
        start = round(float(rng.uniform(0, 20)), int(rng.integers(0, 4)))
        smallest = 0.05 if dtype.startswith("float") else 1  # an integer step truncates to 0
        step = round(float(rng.uniform(smallest, 3)), int(rng.integers(1, 4)))
        end = start + step * float(rng.uniform(1, 120))
        if dtype in ("int8", "uint8"):
            end = min(end, 127.0)
        for args in [(start, end, step), (end, start, -step)]:
            bits_as_torch(ag.arange(*args, dtype=getattr(ag, dtype)),
                          torch.arange(*args, dtype=getattr(torch, dtype)))
    bits_as_torch(ag.arange(0.3, 40.0, 0.7), torch.arange(0.3, 40.0, 0.7))


def test_factories_take_requires_grad(device):
    for t in (ag.zeros(2, requires_grad=True, device=device),
              ag.ones(2, requires_grad=True, device=device),
              ag.full((2,), 1.5, requires_grad=True, device=device),
              ag.eye(2, requires_grad=True, device=device),
              ag.rand(2, requires_grad=True, device=device),
              ag.randn(2, requires_grad=True, device=device),
              ag.linspace(0, 1, 3, requires_grad=True, device=device),
              ag.logspace(0, 1, 3, requires_grad=True, device=device),
              ag.zeros_like(ag.ones(2), requires_grad=True, device=device)):
        assert t.requires_grad and t.is_leaf and str(t.device).startswith(device)


@pytest.mark.parametrize("call, exc, message", [
    (lambda m: m.zeros(-1), RuntimeError, "zeros: Dimension size must be non-negative."),
    (lambda m: m.ones(2, -1), RuntimeError,
     "Trying to create tensor with negative dimension -1: [2, -1]"),
    (lambda m: m.rand(-2), RuntimeError, "Trying to create tensor with negative dimension -2: [-2]"),
    (lambda m: m.zeros(2.5), TypeError,
     "zeros(): argument 'size' (position 1) must be tuple of ints, not float"),
    (lambda m: m.zeros(2, "a"), TypeError,
     "zeros(): argument 'size' failed to unpack the object at pos 2 with error \"type must be "
     "tuple of ints,but got str\""),
    (lambda m: m.eye(-1), RuntimeError, "n must be greater or equal to 0, got -1"),
    (lambda m: m.arange(0, 5, -1), RuntimeError,
     "upper bound and lower bound inconsistent with step sign"),
    (lambda m: m.arange(0, 5, 0), RuntimeError, "step must be nonzero"),
    (lambda m: m.arange(0, 5, 0.5, dtype=m.int64), ValueError, "step must be nonzero"),
    (lambda m: m.arange(0, float("inf")), RuntimeError, "unsupported range: 0 -> inf"),
    (lambda m: m.arange(-1.5, float("nan")), RuntimeError, "unsupported range: -1.5 -> nan"),
    (lambda m: m.linspace(0, 1, -1), RuntimeError, "number of steps must be non-negative"),
    (lambda m: m.logspace(0, 1, -1), RuntimeError, "number of steps must be non-negative"),
    (lambda m: m.logspace(0, 1, 3, dtype=m.bool), NotImplementedError,
     "\"logspace_cpu\" not implemented for 'Bool'"),
    (lambda m: m.randint(3, 3, (2,)), RuntimeError,
     "random_ expects 'from' to be less than 'to', but got from=3 >= to=3"),
    (lambda m: m.rand(2, dtype=m.int64), NotImplementedError,
     "\"check_uniform_bounds\" not implemented for 'Long'"),
    (lambda m: m.randn(2, dtype=m.int64), NotImplementedError,
     "\"normal_kernel_cpu\" not implemented for 'Long'"),
])
def test_factory_errors_match_torch(call, exc, message):
    torch = torch_or_skip()
    with pytest.raises(exc, match=re.escape(message)):
        call(torch)
    with pytest.raises(exc) as ours:
        call(ag)
    assert str(ours.value) == message  # torch's words exactly (a note may name the call)


def test_size_arguments(device):
    assert ag.zeros(ag.Size([2, 3]), device=device).shape == (2, 3)
    assert ag.ones(np.int64(2), 3, device=device).shape == (2, 3)
    assert ag.zeros(ag.tensor(4), device=device).shape == (4,)
    assert ag.zeros((), device=device).shape == () and ag.zeros((), device=device).ndim == 0


# -- random factories ------------------------------------------------------------------------------

def test_rand_and_randn(device):
    r = ag.rand(1000, device=device)
    n = ag.randn(50, 40, device=device)
    assert r.dtype is ag.float32 and n.dtype is ag.float32 and n.shape == (50, 40)
    rv = host(r)
    assert rv.min() >= 0.0 and rv.max() < 1.0 and 0.4 < rv.mean() < 0.6
    nv = host(n)
    assert abs(nv.mean()) < 0.15 and 0.85 < nv.std() < 1.15
    assert ag.rand(2, 3, dtype=ag.float64, device=device).dtype is ag.float64
    assert ag.randn((4,), device=device).shape == (4,)


def test_randint_forms(device):
    a = ag.randint(5, (200,), device=device)
    b = ag.randint(-3, 3, (10, 20), device=device)
    c = ag.randint(0, 4, (6,), dtype=ag.float32, device=device)
    assert a.dtype is ag.int64 and b.dtype is ag.int64 and c.dtype is ag.float32
    assert host(a).min() >= 0 and host(a).max() < 5 and len(np.unique(host(a))) == 5
    assert host(b).min() >= -3 and host(b).max() < 3 and b.shape == (10, 20)
    assert set(host(c).tolist()) <= {0.0, 1.0, 2.0, 3.0}
    assert ag.randint(low=2, high=4, size=(3,), device=device).shape == (3,)


def test_random_like(device):
    base = ag.zeros(3, 4, dtype=ag.float64, device=device)
    for t in (ag.rand_like(base), ag.randn_like(base)):
        assert t.shape == (3, 4) and t.dtype is ag.float64 and t.device == base.device
        assert np.any(host(t) != 0)
    ri = ag.randint_like(base, 10)
    assert ri.dtype is ag.float64 and host(ri).max() < 10
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        ag.rand_like(ag.zeros(2, dtype=ag.int64))


def test_manual_seed_reproducibility(device):
    ag.manual_seed(1234)
    a = [ag.rand(5, device=device), ag.randn(2, 3, device=device),
         ag.randint(0, 100, (7,), device=device)]
    ag.manual_seed(1234)
    b = [ag.rand(5, device=device), ag.randn(2, 3, device=device),
         ag.randint(0, 100, (7,), device=device)]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(host(x), host(y))
    ag.manual_seed(4321)
    c = ag.rand(5, device=device)
    assert not np.array_equal(host(c), host(a[0]))


# -- generator= ------------------------------------------------------------------------------------

@pytest.mark.parametrize("draw", [
    lambda g, d: ag.rand(2, 3, generator=g, device=d),
    lambda g, d: ag.randn(4, dtype=ag.float64, generator=g, device=d),
    lambda g, d: ag.randint(0, 1000, (5,), generator=g, device=d),
    lambda g, d: ag.rand_like(ag.ones(3, device=d), generator=g),
], ids=["rand", "randn", "randint", "rand_like"])
def test_a_generator_gives_its_own_reproducible_stream(draw, device):
    """As torch's: the same seed, the same numbers; the device's generator is not moved."""
    cuda = device.startswith("cuda")
    seeded = lambda seed: ag.Generator(device="cuda" if cuda else "cpu").manual_seed(seed)
    g = seeded(7)
    first, second = draw(g, device), draw(g, device)
    g = seeded(7)
    np.testing.assert_array_equal(draw(g, device).cpu().numpy(), first.cpu().numpy())
    np.testing.assert_array_equal(draw(g, device).cpu().numpy(), second.cpu().numpy())
    assert not np.array_equal(first.cpu().numpy(), second.cpu().numpy())
    assert not np.array_equal(draw(seeded(8), device).cpu().numpy(), first.cpu().numpy())

    ag.manual_seed(0)
    plain = ag.rand(4, device=device).cpu().numpy()
    ag.manual_seed(0)
    draw(seeded(7), device)
    np.testing.assert_array_equal(ag.rand(4, device=device).cpu().numpy(), plain)


def test_a_generator_of_another_device_is_refused():
    with pytest.raises(RuntimeError, match=r"^Expected a 'cpu' device type for generator but "
                                           r"found 'cuda'$"):
        ag.randn(3, generator=ag.Generator(device="cuda"))
