"""max_pool2d, avg_pool2d and adaptive_avg_pool2d against torch: values, indices and input
gradients over tables of configurations (ties, NaN and -inf windows included), float64 gradcheck
and gradgradcheck, grad_fn graphs, other dtypes, and torch's errors with inputs left untouched."""
import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu.ops import pooling as pooling_ops
from helpers import check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()


def F(lib):
    """The functional namespace: torch's, or the module under test."""
    return torch.nn.functional if lib is torch else pooling_ops


def graph(node):
    if node is None:
        return None
    return (node.name().split("::")[-1], tuple((graph(f), nr) for f, nr in node.next_functions))


# -- max_pool2d -------------------------------------------------------------------------------------

MAX = {  # (input shape, keyword arguments)
    "k2": ((3, 4, 8, 6), {"kernel_size": 2}),
    "k2_odd_size": ((3, 2, 7, 9), {"kernel_size": 2}),
    "resnet_k3_s2_p1": ((2, 4, 16, 16), {"kernel_size": 3, "stride": 2, "padding": 1}),
    "overlap_k3_s1": ((1, 3, 7, 9), {"kernel_size": 3, "stride": 1}),
    "overlap_k3_s1_p1_odd": ((2, 3, 7, 9), {"kernel_size": 3, "stride": 1, "padding": 1}),
    "ceil_mode": ((2, 3, 7, 9), {"kernel_size": 3, "stride": 2, "ceil_mode": True}),
    "ceil_mode_pad": ((2, 3, 8, 7), {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True}),
    "pairs": ((2, 3, 9, 8), {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 0)}),
    "dilation2": ((2, 3, 9, 9), {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2}),
    "dilation_ceil": ((1, 2, 5, 6), {"kernel_size": 2, "stride": 2, "padding": 1, "dilation": 2,
                                     "ceil_mode": True}),
    "unbatched": ((3, 7, 9), {"kernel_size": 3, "stride": 2, "padding": 1}),
    "indices": ((2, 3, 7, 9), {"kernel_size": 3, "stride": 2, "padding": 1, "return_indices": True}),
    "indices_unbatched_ceil": ((3, 7, 9), {"kernel_size": 2, "ceil_mode": True, "return_indices": True}),
    "empty_batch": ((0, 3, 6, 6), {"kernel_size": 2}),
    # 272 kernel offsets: the argmax keeps its offsets in a two-byte array
    "k16x17_indices": ((2, 2, 19, 18), {"kernel_size": (16, 17), "padding": (1, 0),
                                        "return_indices": True}),
}


def max_fn(kwargs):
    return lambda t, x: F(t).max_pool2d(x, **kwargs)


@pytest.mark.parametrize("name", MAX)
def test_max_pool2d_parity(name, device, rng):
    shape, kwargs = MAX[name]
    check_parity(max_fn(kwargs), random_array(rng, shape), device=device, rng=rng)


@pytest.mark.parametrize("name", ["resnet_k3_s2_p1", "overlap_k3_s1_p1_odd", "ceil_mode_pad"])
def test_max_pool2d_ties_route_like_torch(name, device, rng):
    """ReLU outputs and small integers tie often: the gradient goes to torch's argmax (the first
    maximum of the window in row-major order), accumulating where windows overlap."""
    shape, kwargs = MAX[name]
    relu_like = np.maximum(random_array(rng, shape), 0)
    small_ints = random_array(rng, shape, integers=(-2, 3))
    for x in (relu_like, small_ints):
        check_parity(lambda t, x: F(t).max_pool2d(x, return_indices=True, **kwargs), x,
                     device=device, rng=rng)


def test_max_pool2d_nan_and_inf_windows(device, rng):
    """A NaN wins (the last NaN in the window, as torch's kernel); a window of nothing but -inf
    points at its first in-bounds element, never at the padding."""
    x = random_array(rng, (1, 2, 5, 6))
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = np.nan
    x[0, 1, :3, :3] = -np.inf
    kwargs = {"kernel_size": 3, "stride": 2, "padding": 1, "return_indices": True}
    ours = F(ag).max_pool2d(ag.tensor(x, device=device), **kwargs)
    theirs = F(torch).max_pool2d(torch.tensor(x), **kwargs)
    np.testing.assert_array_equal(ours[0].cpu().numpy(), theirs[0].numpy())
    np.testing.assert_array_equal(ours[1].cpu().numpy(), theirs[1].numpy())


MAX_GRADCHECK = ["resnet_k3_s2_p1", "overlap_k3_s1_p1_odd", "dilation_ceil", "indices_unbatched_ceil"]


@pytest.mark.parametrize("name", MAX_GRADCHECK)
def test_max_pool2d_gradcheck(name, device, rng):
    shape, kwargs = MAX[name]
    small = shape[:-2] + (min(shape[-2], 6), min(shape[-1], 6))
    small = (1,) + small[1:] if len(small) == 4 else small
    check_grad(lambda t, x: F(t).max_pool2d(x, **kwargs), random_array(rng, small, "float64"),
               device=device)


# -- avg_pool2d -------------------------------------------------------------------------------------

AVG = {
    "k2": ((3, 4, 8, 6), {"kernel_size": 2}),
    "k3_s2_p1_odd": ((2, 3, 7, 9), {"kernel_size": 3, "stride": 2, "padding": 1}),
    "overlap_k3_s1": ((1, 3, 7, 9), {"kernel_size": 3, "stride": 1}),
    "exclude_pad": ((2, 3, 7, 9), {"kernel_size": 3, "stride": 2, "padding": 1,
                                   "count_include_pad": False}),
    "ceil_mode": ((2, 3, 7, 9), {"kernel_size": 3, "stride": 2, "ceil_mode": True}),
    "ceil_mode_pad": ((2, 3, 8, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    "ceil_exclude_pad": ((2, 3, 8, 7), {"kernel_size": 3, "stride": 2, "padding": 1,
                                        "ceil_mode": True, "count_include_pad": False}),
    "divisor_override": ((2, 3, 7, 9), {"kernel_size": (2, 3), "stride": (1, 2), "padding": (1, 1),
                                        "divisor_override": 5}),
    "resnet_downsample_k2": ((2, 8, 8, 8), {"kernel_size": 2, "stride": 2, "ceil_mode": True,
                                            "count_include_pad": False}),
    "unbatched": ((3, 7, 9), {"kernel_size": 3, "stride": 2, "padding": 1}),
    "empty_batch": ((0, 3, 6, 6), {"kernel_size": 2}),
}


def avg_fn(kwargs):
    return lambda t, x: F(t).avg_pool2d(x, **kwargs)


@pytest.mark.parametrize("name", AVG)
def test_avg_pool2d_parity(name, device, rng):
    shape, kwargs = AVG[name]
    check_parity(avg_fn(kwargs), random_array(rng, shape), device=device, rng=rng)


@pytest.mark.parametrize("name", ["k3_s2_p1_odd", "ceil_exclude_pad", "divisor_override"])
def test_avg_pool2d_gradcheck(name, device, rng):
    shape, kwargs = AVG[name]
    check_grad(avg_fn(kwargs), random_array(rng, (1,) + shape[1:], "float64"), device=device)


# -- adaptive_avg_pool2d ----------------------------------------------------------------------------

ADAPTIVE = {
    "global_1": ((3, 4, 7, 9), 1),
    "global_pair": ((2, 4, 7, 9), (1, 1)),
    "uneven_bins_3": ((2, 3, 7, 9), 3),
    "divisible": ((2, 3, 6, 9), (2, 3)),
    "keep_height": ((2, 3, 7, 9), (None, 5)),
    "larger_than_input": ((1, 2, 4, 5), (6, 7)),
    "unbatched": ((3, 7, 9), (2, 4)),
    "unbatched_global": ((3, 7, 9), 1),
    "2d_input_global": ((7, 9), 1),  # torch takes the plain mean before checking the rank
}


def adaptive_fn(output_size):
    return lambda t, x: F(t).adaptive_avg_pool2d(x, output_size)


@pytest.mark.parametrize("name", ADAPTIVE)
def test_adaptive_avg_pool2d_parity(name, device, rng):
    shape, size = ADAPTIVE[name]
    check_parity(adaptive_fn(size), random_array(rng, shape), device=device, rng=rng)


@pytest.mark.parametrize("name", ["uneven_bins_3", "larger_than_input", "global_1"])
def test_adaptive_avg_pool2d_gradcheck(name, device, rng):
    shape, size = ADAPTIVE[name]
    check_grad(adaptive_fn(size), random_array(rng, (1, 2) + shape[2:], "float64"), device=device)


# -- graphs, dtypes ---------------------------------------------------------------------------------

GRAPHS = {
    "max": lambda t, x: F(t).max_pool2d(x, 3, 2, 1),
    "max_indices": lambda t, x: F(t).max_pool2d(x, 2, return_indices=True)[0],
    "avg": lambda t, x: F(t).avg_pool2d(x, 3, 2, 1),
    "adaptive": lambda t, x: F(t).adaptive_avg_pool2d(x, 3),
}


@pytest.mark.parametrize("name", GRAPHS)
def test_pool_graph_and_double_backward_graph(name, rng):
    """The forward node and the node of the gradient taken with create_graph, as torch names them."""
    x = random_array(rng, (2, 3, 7, 9))
    names = []
    for lib in (ag, torch):
        xt = lib.tensor(x, requires_grad=True)
        y = GRAPHS[name](lib, xt)
        (gx,) = lib.autograd.grad((y * y).sum(), xt, create_graph=True)
        names.append((graph(y.grad_fn), gx.grad_fn.name().split("::")[-1]))
    assert names[0] == names[1]


def test_adaptive_avg_pool2d_global_is_a_mean_node(rng):
    x = random_array(rng, (2, 3, 7, 9))
    ours, theirs = (F(lib).adaptive_avg_pool2d(lib.tensor(x, requires_grad=True), 1) for lib in (ag, torch))
    assert graph(ours.grad_fn) == graph(theirs.grad_fn)


@pytest.mark.parametrize("name", ["max", "avg", "adaptive"])
def test_pool_second_order_matches_torch(name, device, rng):
    fn = {"max": lambda t, x: F(t).max_pool2d(x, 3, 1, 1) ** 2,
          "avg": lambda t, x: F(t).avg_pool2d(x, 3, 2, 1, ceil_mode=True) ** 2,
          "adaptive": lambda t, x: F(t).adaptive_avg_pool2d(x, (3, 4)) ** 2}[name]
    x = random_array(rng, (2, 2, 7, 9), "float64")
    grads = []
    for lib, dev in ((ag, device), (torch, "cpu")):
        xt = lib.tensor(x, device=dev, requires_grad=True)
        (gx,) = lib.autograd.grad(fn(lib, xt).sum(), xt, create_graph=True)
        (gx * xt.sin()).sum().backward()
        grads.append(xt.grad.cpu().numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("dtype, tol", [("float64", 1e-12), ("float16", 1e-3)])
@pytest.mark.parametrize("fn", [max_fn(MAX["resnet_k3_s2_p1"][1]), avg_fn(AVG["ceil_exclude_pad"][1]),
                                adaptive_fn(3)], ids=["max", "avg", "adaptive"])
def test_pool_other_float_dtypes(fn, dtype, tol, device, rng):
    check_parity(fn, random_array(rng, (2, 3, 8, 7), dtype), device=device, rng=rng, atol=tol,
                 rtol=tol, grad=dtype == "float64")


@pytest.mark.parametrize("fn", [max_fn(MAX["indices"][1]), avg_fn(AVG["ceil_mode_pad"][1])],
                         ids=["max", "avg_truncates_toward_zero"])
def test_pool_int64(fn, device, rng):
    if device != "cpu":
        pytest.skip("torch's cuda has no integer pooling to compare with")
    check_parity(fn, random_array(rng, (2, 3, 8, 7), "int64", integers=(-50, 50)), device=device,
                 grad=False)


# -- errors -----------------------------------------------------------------------------------------

ERRORS = {  # name: (function name, input shape, dtype, positional and keyword arguments)
    "max_2d_input": ("max_pool2d", (4, 6), "float32", (2,), {}),
    "max_5d_input": ("max_pool2d", (1, 2, 3, 6, 6), "float32", (2,), {}),
    "max_pad_too_large": ("max_pool2d", (2, 4, 7, 9), "float32", (3, 2, 2), {}),
    "max_negative_pad": ("max_pool2d", (2, 4, 7, 9), "float32", (2,), {"padding": -1}),
    "max_zero_kernel": ("max_pool2d", (2, 4, 7, 9), "float32", (0,), {}),
    "max_negative_kernel": ("max_pool2d", (2, 4, 7, 9), "float32", (-1,), {}),
    "max_zero_stride": ("max_pool2d", (2, 4, 7, 9), "float32", (2, 0), {}),
    "max_zero_dilation": ("max_pool2d", (2, 4, 7, 9), "float32", (2,), {"dilation": 0}),
    "max_kernel_3_values": ("max_pool2d", (2, 4, 7, 9), "float32", ((2, 2, 2),), {}),
    "max_stride_3_values": ("max_pool2d", (2, 4, 7, 9), "float32", (2, (1, 1, 1)), {}),
    "max_dilation_3_values": ("max_pool2d", (2, 4, 7, 9), "float32", (2,), {"dilation": (1, 1, 1)}),
    "max_output_too_small": ("max_pool2d", (2, 4, 7, 9), "float32", (10,), {}),
    "max_zero_channels": ("max_pool2d", (2, 0, 6, 6), "float32", (2,), {}),
    "max_bool": ("max_pool2d", (2, 4, 6, 6), "bool", (2,), {}),
    "avg_2d_input": ("avg_pool2d", (4, 6), "float32", (2,), {}),
    "avg_pad_too_large": ("avg_pool2d", (2, 4, 7, 9), "float32", (3, 2, 2), {}),
    "avg_padding_3_values": ("avg_pool2d", (2, 4, 7, 9), "float32", (2,), {"padding": (0, 0, 0)}),
    "avg_zero_divisor": ("avg_pool2d", (2, 4, 7, 9), "float32", (2,), {"divisor_override": 0}),
    "avg_output_too_small": ("avg_pool2d", (2, 4, 7, 9), "float32", (10,), {}),
    "avg_int32": ("avg_pool2d", (2, 4, 6, 6), "int32", (2,), {}),
    "adaptive_2d_input": ("adaptive_avg_pool2d", (6, 6), "float32", (2,), {}),
    "adaptive_3_values": ("adaptive_avg_pool2d", (2, 4, 6, 6), "float32", ((2, 2, 2),), {}),
    "adaptive_1_value": ("adaptive_avg_pool2d", (2, 4, 6, 6), "float32", ((2,),), {}),
    "adaptive_negative": ("adaptive_avg_pool2d", (2, 4, 6, 6), "float32", (-1,), {}),
    "adaptive_empty_height": ("adaptive_avg_pool2d", (2, 3, 0, 4), "float32", (2,), {}),
    "adaptive_int64": ("adaptive_avg_pool2d", (2, 4, 6, 6), "int64", (2,), {}),
    "adaptive_global_int64": ("adaptive_avg_pool2d", (2, 4, 6, 6), "int64", (1,), {}),
}


def _error_input(lib, shape, dtype, device):
    return lib.tensor(np.ones(shape, dtype=dtype), device=device)


@pytest.mark.parametrize("name", ERRORS)
def test_pool_errors_match_torch(name, device):
    op, shape, dtype, args, kwargs = ERRORS[name]
    with pytest.raises(Exception) as theirs:
        getattr(F(torch), op)(_error_input(torch, shape, dtype, "cpu"), *args, **kwargs)
    with pytest.raises(type(theirs.value)) as ours:
        getattr(F(ag), op)(_error_input(ag, shape, dtype, device), *args, **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name", ["max_pad_too_large", "avg_zero_divisor", "adaptive_negative"])
def test_failed_pool_leaves_input_unchanged(name, device, rng):
    op, shape, _, args, kwargs = ERRORS[name]
    x = random_array(rng, shape)
    xt = ag.tensor(x, device=device, requires_grad=True)
    with pytest.raises(RuntimeError):
        getattr(F(ag), op)(xt, *args, **kwargs)
    np.testing.assert_array_equal(xt.detach().cpu().numpy(), x)
    assert xt._version_value == 0 and xt.grad is None
