"""Printing parity: ``autograd_gpu._printing`` against ``repr`` of torch tensors of equal values.

Random arrays come from a fresh numpy generator each run; every failure message carries the seed.
"""
import contextlib

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is the oracle for printing parity")

from autograd_gpu._printing import (  # noqa: E402 - after the importorskip
    get_printoptions,
    needs_dtype_suffix,
    printoptions,
    set_printoptions,
    tensor_repr,
    tensor_str,
)

FLOAT_DTYPES = ["float16", "float32", "float64"]
INT_DTYPES = ["uint8", "int8", "int16", "int32", "int64"]
ALL_DTYPES = ["bool", *INT_DTYPES, *FLOAT_DTYPES]

SHAPES = [
    (),
    (1,),
    (5,),
    (17,),
    (60,),
    (150,),
    (999,),
    (1000,),
    (1001,),
    (2500,),
    (1, 1),
    (3, 4),
    (7, 7),
    (8, 1),
    (1, 25),
    (31, 33),
    (40, 40),
    (2, 3, 4),
    (7, 2, 9),
    (11, 12, 13),
    (2, 2, 2, 2),
    (3, 1, 8, 8),
    (9, 9, 2, 9),
]

EMPTY_SHAPES = [(0,), (0, 3), (3, 0), (2, 0, 4), (0, 0)]


@pytest.fixture(autouse=True)
def _default_printoptions():
    """Every test starts and ends with torch's and our default print options."""
    torch.set_printoptions(profile="default")
    set_printoptions(profile="default")
    yield
    torch.set_printoptions(profile="default")
    set_printoptions(profile="default")


@pytest.fixture
def seed():
    """A fresh seed per test, shown in failure messages so that a failure can be replayed."""
    return np.random.SeedSequence().entropy


@pytest.fixture
def rng(seed):
    return np.random.default_rng(seed)


# ---- building arrays ---------------------------------------------------------------------------


def _random_floats(rng, shape, dtype):
    kind = rng.choice(["normal", "scaled", "integral", "big_integral", "wide", "rounded"])
    size = int(np.prod(shape))
    if kind == "normal":
        values = rng.standard_normal(size)
    elif kind == "scaled":
        scale = 10.0 ** rng.choice([-9, -6, -5, -4, -3, -1, 2, 3, 5, 8, 10, 20])
        values = rng.standard_normal(size) * scale
    elif kind == "integral":
        values = rng.integers(-1000, 1000, size).astype(np.float64)
    elif kind == "big_integral":
        values = rng.integers(-(10**12), 10**12, size).astype(np.float64)
    elif kind == "wide":
        values = np.exp(rng.uniform(-20, 20, size)) * rng.choice([-1, 1], size)
    else:
        values = np.round(rng.standard_normal(size) * 10, int(rng.integers(0, 3)))
    with np.errstate(over="ignore"):  # float16 overflows to inf: a case worth printing
        values = values.astype(dtype)
    if rng.random() < 0.3:
        specials = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0], dtype=dtype)
        mask = rng.random(size) < 0.2
        values[mask] = rng.choice(specials, int(mask.sum()))
    return values.reshape(shape)


def _random_ints(rng, shape, dtype):
    info = np.iinfo(dtype)
    bound = rng.choice([10, 1000, info.max])
    low = 0 if info.min == 0 else max(int(info.min), -int(bound))
    return rng.integers(low, min(int(info.max), int(bound)), size=shape, dtype=dtype, endpoint=True)


def random_array(rng, shape, dtype):
    """A random array that is never all zeros (nor all False)."""
    if dtype == "bool":
        array = rng.random(shape) < rng.uniform(0.1, 0.9)
    elif dtype in INT_DTYPES:
        array = _random_ints(rng, shape, dtype)
    else:
        array = _random_floats(rng, shape, dtype)
    array = np.array(array, dtype=dtype)
    flat = array.reshape(-1)
    if flat.size and not np.any(flat):
        flat[rng.integers(flat.size)] = 1
    return array


# ---- the oracle ---------------------------------------------------------------------------------


def dtype_suffixes(array, default_float="float32"):
    name = array.dtype.name
    if needs_dtype_suffix(name, default_float, is_empty=array.size == 0):
        return [f"dtype=torch.{name}"]
    return []


def assert_parity(array, message="", grad=None):
    """Our repr of ``array`` equals torch's; ``grad`` is None, "requires_grad" or "grad_fn"."""
    tensor = torch.from_numpy(np.array(array))
    suffixes = dtype_suffixes(array)
    if grad == "requires_grad":
        tensor = tensor.clone().requires_grad_(True)
        suffixes.append("requires_grad=True")
    elif grad == "grad_fn":
        tensor = tensor.clone().requires_grad_(True) * 1
        suffixes.append("grad_fn=<MulBackward0>")
    expected = repr(tensor)
    actual = tensor_repr(array, suffixes)
    assert actual == expected, f"{message}\n--- ours:\n{actual}\n--- torch:\n{expected}"


def _message(seed, shape, dtype):
    return f"seed={seed} shape={shape} dtype={dtype}"


# ---- random arrays ------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_random_arrays(rng, seed, shape, dtype):
    for _ in range(4):
        assert_parity(random_array(rng, shape, dtype), _message(seed, shape, dtype))


@pytest.mark.parametrize("grad", ["requires_grad", "grad_fn"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_random_arrays_with_grad_suffix(rng, seed, shape, dtype, grad):
    assert_parity(random_array(rng, shape, dtype), _message(seed, shape, dtype), grad=grad)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("shape", EMPTY_SHAPES, ids=str)
def test_empty_arrays(shape, dtype):
    assert_parity(np.zeros(shape, dtype=dtype))


@pytest.mark.parametrize(
    "options",
    [
        {"precision": 2},
        {"precision": 0},
        {"precision": 8},
        {"threshold": 5},
        {"threshold": 5, "edgeitems": 1},
        {"threshold": 5, "edgeitems": 0},
        {"edgeitems": 0},
        {"linewidth": 40},
        {"linewidth": 200},
        {"linewidth": 1},
        {"sci_mode": True},
        {"sci_mode": False},
        {"profile": "short"},
        {"profile": "full"},
        {"profile": "short", "precision": 6},
    ],
    ids=str,
)
@pytest.mark.parametrize("dtype", ["bool", "int32", "int64", "float16", "float32", "float64"])
def test_random_arrays_under_printoptions(rng, seed, options, dtype):
    with torch_and_our_printoptions(**options):
        for shape in SHAPES:
            message = f"{_message(seed, shape, dtype)} options={options}"
            assert_parity(random_array(rng, shape, dtype), message)
        assert_parity(np.zeros((0, 2), dtype=dtype), str(options))


@contextlib.contextmanager
def torch_and_our_printoptions(**options):
    with torch._tensor_str.printoptions(**options), printoptions(**options):
        yield


# ---- hand-picked cases --------------------------------------------------------------------------

EDGE_CASES = {
    "ones": np.ones(3, dtype=np.float32),
    "int_mode_alignment": np.array([-12.0, 65.0], dtype=np.float32),
    "precision_4": np.array(
        [[-0.5493, 0.0203, 0.1157], [1.2345, -2.5, 3.0]], dtype=np.float32
    ),
    "scalar_int_mode": np.array(63.0, dtype=np.float32),
    "scalar_fraction": np.array(2.0133, dtype=np.float32),
    "scalar_negative_zero": np.array(-0.0, dtype=np.float32),
    "scalar_zero": np.array(0.0, dtype=np.float64),
    "scalar_nan": np.array(np.nan, dtype=np.float32),
    "scalar_inf": np.array(-np.inf, dtype=np.float16),
    "scalar_int": np.array(-7, dtype=np.int64),
    "scalar_bool": np.array(True),
    "scalar_uint8": np.array(255, dtype=np.uint8),
    "scalar_tiny": np.array(1e-5, dtype=np.float32),
    "scalar_huge": np.array(1e10, dtype=np.float64),
    "tiny": np.array([1e-5, 2e-5, 3e-5], dtype=np.float32),
    "huge": np.array([1e10, 2e10], dtype=np.float32),
    "mixed_scale": np.array([1e-5, 1.0, 1e5], dtype=np.float64),
    "int_mode_sci": np.array([1.0, 1e8, 1e9], dtype=np.float32),
    "int_mode_ratio": np.array([1.0, 1001.0], dtype=np.float32),
    "ratio_exactly_1000": np.array([1.0, 1000.0], dtype=np.float32),
    "max_exactly_1e8": np.array([1e8, 5e7], dtype=np.float64),
    "min_exactly_1e-4": np.array([1e-4, 5e-4], dtype=np.float64),
    "nonfinite": np.array([np.nan, np.inf, -np.inf], dtype=np.float32),
    "nonfinite_int_mode": np.array([np.nan, np.inf, -np.inf, 1.0, -2.0], dtype=np.float32),
    "nonfinite_fraction": np.array([np.nan, np.inf, -np.inf, 1.5], dtype=np.float32),
    "nonfinite_sci": np.array([np.nan, 1e-7, -np.inf, 1.5], dtype=np.float64),
    "negative_zero": np.array([-0.0, 0.0, -0.0], dtype=np.float32),
    "negative_zero_mixed": np.array([-0.0, 1.5, 2.25], dtype=np.float32),
    "zeros": np.zeros((2, 3), dtype=np.float32),
    "float16_precision": np.array([0.1, 0.2, 65504.0, -65504.0], dtype=np.float16),
    "float16_subnormal": np.array([6e-8, 1.0], dtype=np.float16),
    "float64_many_digits": np.array([np.pi, -np.e, 1 / 3]),
    "float_rounding_up": np.array([0.99995, 9.99995, 99999.5], dtype=np.float64),
    "ints_negative": np.array([-1, 22, -333, 4444], dtype=np.int16),
    "ints_large": np.array([np.iinfo(np.int64).min, np.iinfo(np.int64).max]),
    "int8_extremes": np.array([-128, 127, 0], dtype=np.int8),
    "uint8_row": np.arange(0, 256, 3, dtype=np.uint8),
    "bools": np.array([True, False]),
    "bools_3d": np.array([[[True, False], [False, False]], [[True, True], [False, True]]]),
    "long_row_wraps": np.linspace(-1, 1, 50, dtype=np.float32),
    "long_int_row_wraps": np.arange(-40, 60, dtype=np.int64),
    "summarised_1d": np.arange(2000, dtype=np.float32) / 7,
    "summarised_2d": np.arange(40 * 50, dtype=np.int32).reshape(40, 50),
    "summarised_3d": (np.arange(10 * 11 * 12, dtype=np.float64) - 500).reshape(10, 11, 12),
    "summarised_short_dim": np.arange(3 * 400, dtype=np.float32).reshape(3, 400),
    "summarised_4d": np.arange(7 * 7 * 7 * 7, dtype=np.int64).reshape(7, 7, 7, 7),
    "summarised_scale_from_edges_only": np.concatenate(
        [np.full(3, 1.5), np.full(1000, 1e-9), np.full(3, 2.5)]
    ).astype(np.float32),
    "blocks_3d": np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 3,
    "blocks_4d": np.arange(16, dtype=np.int64).reshape(2, 2, 2, 2),
    "column": np.arange(5, dtype=np.float32).reshape(5, 1),
    "non_contiguous": np.arange(12, dtype=np.float32).reshape(3, 4).T / 3,
}


@pytest.mark.parametrize("name", list(EDGE_CASES))
def test_edge_cases(name):
    assert_parity(EDGE_CASES[name], name)


@pytest.mark.parametrize("name", [n for n, a in EDGE_CASES.items() if a.dtype.kind == "f"])
def test_edge_cases_with_requires_grad(name):
    assert_parity(EDGE_CASES[name], name, grad="requires_grad")


def test_long_suffix_wraps_onto_new_line():
    array = np.linspace(0, 1, 9, dtype=np.float32)  # a 73-character last line
    expected = repr(torch.from_numpy(array).requires_grad_(True) * 1)
    assert tensor_repr(array, ["grad_fn=<MulBackward0>"]) == expected
    assert "\n       grad_fn" in expected


def test_multiline_suffix_placement():
    array = np.arange(60, dtype=np.float64).reshape(3, 20) / 9
    expected = repr(torch.from_numpy(array).requires_grad_(True) * 1)
    assert tensor_repr(array, ["dtype=torch.float64", "grad_fn=<MulBackward0>"]) == expected


def test_device_suffix_precedes_size():
    empty = np.zeros((0, 3), dtype=np.int32)
    suffixes = ["device='cuda:0'", "dtype=torch.int32"]
    assert tensor_repr(empty, suffixes) == (
        "tensor([], device='cuda:0', size=(0, 3), dtype=torch.int32)"
    )


# ---- the dtype rule -----------------------------------------------------------------------------


@pytest.mark.parametrize("default_float", ["float32", "float64"])
@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("shape", [(2,), (0,)], ids=str)
def test_needs_dtype_suffix_matches_torch(default_float, dtype, shape):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, default_float))
    try:
        shown = "dtype=" in repr(torch.ones(shape, dtype=getattr(torch, dtype)))
    finally:
        torch.set_default_dtype(previous)
    assert needs_dtype_suffix(dtype, default_float, is_empty=shape == (0,)) == shown


# ---- print options ------------------------------------------------------------------------------


def test_default_printoptions_match_torch():
    assert get_printoptions() == torch._tensor_str.get_printoptions()


@pytest.mark.parametrize("profile", ["default", "short", "full"])
def test_profiles_match_torch(profile):
    set_printoptions(profile=profile)
    torch.set_printoptions(profile=profile)
    assert get_printoptions() == torch._tensor_str.get_printoptions()


def test_printoptions_context_restores():
    set_printoptions(precision=6, sci_mode=True)
    before = get_printoptions()
    with printoptions(precision=1, linewidth=20):
        assert get_printoptions()["precision"] == 1
        assert get_printoptions()["sci_mode"] is None
    assert get_printoptions() == before


def test_tensor_str_is_the_data_part():
    array = np.arange(6, dtype=np.float32).reshape(2, 3) / 4
    assert tensor_str(array) == "[[0.0000, 0.2500, 0.5000],\n [0.7500, 1.0000, 1.2500]]"
    assert tensor_str(np.zeros((0, 3))) == "[]"
    expected = repr(torch.from_numpy(array))
    assert "tensor(" + tensor_str(array, indent=7) + ")" == expected
