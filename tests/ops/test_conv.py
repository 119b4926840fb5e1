"""conv2d against torch: values and the gradients of input, weight and bias over a table of
configurations, float64 gradcheck and gradgradcheck, second-order gradients, grad_fn graphs,
other dtypes, and torch's errors (with the inputs left untouched by a failed call)."""
import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu.backend import conv_pool
from autograd_gpu.ops import conv as conv_ops
from helpers import check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")


def F(lib):
    """The functional namespace: torch's, or the module under test."""
    return torch.nn.functional if lib is torch else conv_ops


def graph(node):
    if node is None:
        return None
    return (node.name().split("::")[-1], tuple((graph(f), nr) for f, nr in node.next_functions))


# (input shape, weight shape, has bias, conv2d keyword arguments)
CONFIGS = {
    "3x3": ((3, 4, 7, 9), (6, 4, 3, 3), True, {}),
    "3x3_pad1_batch1_nobias": ((1, 4, 7, 9), (5, 4, 3, 3), False, {"padding": 1}),
    "stride2_pad1": ((3, 3, 9, 7), (4, 3, 3, 3), True, {"stride": 2, "padding": 1}),
    "stride_pad_pairs": ((2, 3, 9, 8), (4, 3, 3, 2), True, {"stride": (2, 1), "padding": (0, 2)}),
    "same": ((2, 3, 7, 9), (4, 3, 3, 3), True, {"padding": "same"}),
    "same_even_kernel": ((2, 3, 7, 9), (4, 3, 2, 4), True, {"padding": "same"}),
    "same_dilation2": ((2, 3, 7, 9), (4, 3, 3, 2), False, {"padding": "same", "dilation": 2}),
    "valid": ((2, 3, 7, 9), (4, 3, 3, 3), True, {"padding": "valid"}),
    "dilation2": ((2, 3, 9, 9), (4, 3, 3, 3), True, {"dilation": 2, "padding": 2}),
    "dilation_pair_stride2": ((1, 2, 11, 9), (3, 2, 3, 3), True,
                              {"dilation": (2, 1), "stride": 2, "padding": 1}),
    "groups2": ((3, 4, 7, 9), (6, 2, 3, 3), True, {"groups": 2, "padding": 1}),
    "depthwise": ((2, 4, 7, 9), (4, 1, 3, 3), True, {"groups": 4, "padding": 1}),
    "depthwise_multiplier2_stride2": ((2, 3, 8, 8), (6, 1, 3, 3), False,
                                      {"groups": 3, "stride": 2, "padding": 1}),
    "resnet_stem_7x7_s2_p3": ((2, 3, 32, 32), (8, 3, 7, 7), False, {"stride": 2, "padding": 3}),
    "resnet_3x3_s2": ((2, 8, 16, 16), (16, 8, 3, 3), False, {"stride": 2, "padding": 1}),
    "resnet_downsample_1x1_s2": ((2, 8, 16, 16), (16, 8, 1, 1), False, {"stride": 2}),
    # more images than output columns: positions batch last, strided (col2im in that order)
    "stride2_batch_last": ((6, 3, 7, 7), (4, 3, 3, 3), True, {"stride": 2, "padding": 1}),
    "groups2_stride2_batch_last": ((6, 4, 7, 7), (6, 2, 3, 3), False,
                                   {"groups": 2, "stride": 2, "padding": 1}),
    "1x1": ((2, 6, 5, 5), (4, 6, 1, 1), True, {}),  # columns read from x itself, no padded copy
    "1x1_batch1": ((1, 6, 5, 5), (4, 6, 1, 1), False, {}),  # batch first: x is the matrix
    "1x1_s2_batch_last": ((5, 4, 6, 6), (6, 4, 1, 1), False, {"stride": 2}),
    "1x1_pad1": ((2, 3, 5, 6), (4, 3, 1, 1), True, {"padding": 1}),  # padding beyond the kernel
    "kernel_equals_input": ((2, 3, 5, 4), (2, 3, 5, 4), True, {}),
    "unbatched": ((4, 7, 9), (6, 4, 3, 3), True, {"padding": 1}),
    "empty_batch": ((0, 3, 6, 6), (4, 3, 3, 3), True, {"padding": 1}),
    "empty_batch_stride2": ((0, 3, 7, 7), (4, 3, 3, 3), False, {"stride": 2, "padding": 1}),
}


def conv_inputs(rng, x_shape, w_shape, has_bias, dtype="float32"):
    arrays = [random_array(rng, x_shape, dtype), random_array(rng, w_shape, dtype)]
    if has_bias:
        arrays.append(random_array(rng, w_shape[:1], dtype))
    return arrays


def conv_fn(kwargs):
    return lambda t, x, w, b=None: F(t).conv2d(x, w, b, **kwargs)


@pytest.mark.parametrize("name", CONFIGS)
def test_conv2d_parity(name, device, rng):
    x_shape, w_shape, has_bias, kwargs = CONFIGS[name]
    check_parity(conv_fn(kwargs), *conv_inputs(rng, x_shape, w_shape, has_bias), device=device,
                 rng=rng, atol=1e-4, rtol=1e-4)


GRADCHECK = {  # small float64 cases: every geometry feature at least once
    "pad1_bias": ((2, 2, 4, 5), (3, 2, 3, 3), True, {"padding": 1}),
    "stride2_dilation2": ((1, 2, 7, 6), (2, 2, 2, 3), False, {"stride": 2, "dilation": 2, "padding": 1}),
    "same_even_kernel": ((1, 2, 4, 5), (2, 2, 2, 2), True, {"padding": "same"}),
    "groups2": ((2, 4, 4, 4), (4, 2, 2, 3), True, {"groups": 2, "stride": (1, 2)}),
    "depthwise": ((1, 3, 4, 4), (3, 1, 3, 3), False, {"groups": 3, "padding": 1}),
    "stride2_batch_last": ((4, 2, 5, 5), (2, 2, 3, 3), True, {"stride": 2, "padding": 1}),
    "1x1_stride2": ((3, 2, 4, 4), (3, 2, 1, 1), False, {"stride": 2}),
}


def test_tables_cover_both_column_orders():
    """The positions' order is chosen per call (``_batch_last``): both orders, with and without
    a stride, must be exercised by the parity and the gradcheck tables."""
    for table in (CONFIGS, GRADCHECK):
        seen = set()
        for x_shape, w_shape, _, kwargs in table.values():
            geom = conv_ops._geometry(list(w_shape), kwargs.get("stride", 1),
                                      kwargs.get("padding", 0), kwargs.get("dilation", 1),
                                      kwargs.get("groups", 1))
            x_shape = (1,) + x_shape if len(x_shape) == 3 else x_shape
            out_w = geom.output_size(x_shape[2:], w_shape[2:])[1]
            seen.add((conv_pool._batch_last(x_shape[0], out_w, geom.stride[1]), geom.stride[1] > 1))
        assert seen == {(False, False), (False, True), (True, False), (True, True)}


def test_conv2d_non_contiguous_input(device, rng):
    """x seen through a transpose: the columns are read through its strides."""
    x, w = random_array(rng, (3, 4, 9, 7)), random_array(rng, (5, 4, 3, 3))
    for kwargs in ({"padding": 1}, {"stride": 2}):
        check_parity(lambda t, xv, wv: F(t).conv2d(xv.transpose(2, 3), wv, **kwargs), x, w,
                     device=device, rng=rng, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("name", GRADCHECK)
def test_conv2d_gradcheck(name, device, rng):
    x_shape, w_shape, has_bias, kwargs = GRADCHECK[name]
    check_grad(conv_fn(kwargs), *conv_inputs(rng, x_shape, w_shape, has_bias, "float64"),
               device=device)


@pytest.mark.parametrize("name", ["pad1_bias", "groups2"])
def test_conv2d_double_backward_matches_torch(name, device, rng):
    """d/d(x, w) of |grad_x|^2 + |grad_w|^2 (create_graph=True), compared with torch's."""
    x_shape, w_shape, has_bias, kwargs = GRADCHECK[name]
    arrays = conv_inputs(rng, x_shape, w_shape, has_bias, "float64")
    upstream = None
    results = []
    for lib, dev in ((ag, device), (torch, "cpu")):
        inputs = [lib.tensor(a, device=dev, requires_grad=True) for a in arrays]
        y = F(lib).conv2d(*inputs, **kwargs)
        if upstream is None:
            upstream = random_array(rng, tuple(y.shape), "float64")
        gx, gw = lib.autograd.grad(y, inputs[:2], lib.tensor(upstream, device=dev), create_graph=True)
        ((gx * gx).sum() + (gw * gw).sum()).backward()
        results.append([t.grad.cpu().numpy() for t in inputs[:2]])  # the bias is not involved
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("has_bias", [True, False])
@pytest.mark.parametrize("unbatched", [True, False])
def test_conv2d_graph(has_bias, unbatched, rng):
    x_shape = (3, 6, 6) if unbatched else (2, 3, 6, 6)
    arrays = conv_inputs(rng, x_shape, (4, 3, 3, 3), has_bias)
    ours = F(ag).conv2d(*[ag.tensor(a, requires_grad=True) for a in arrays])
    theirs = F(torch).conv2d(*[torch.tensor(a, requires_grad=True) for a in arrays])
    assert graph(ours.grad_fn) == graph(theirs.grad_fn)


def test_conv2d_frozen_weight_gives_input_grad_only(device, rng):
    """A frozen backbone: weight and bias without grad, the input's gradient still flows."""
    x, w, b = conv_inputs(rng, (2, 3, 6, 6), (4, 3, 3, 3), True)
    check_parity(lambda t, x: F(t).conv2d(x, t.tensor(w, device=x.device), t.tensor(b, device=x.device),
                                           padding=1), x, device=device, rng=rng, atol=1e-4)


@pytest.mark.parametrize("dtype, tol", [("float64", 1e-10), ("float16", 2e-2)])
def test_conv2d_other_float_dtypes(dtype, tol, device, rng):
    x_shape, w_shape, has_bias, kwargs = CONFIGS["groups2"]
    arrays = conv_inputs(rng, x_shape, w_shape, has_bias, dtype)
    grad = dtype == "float64"  # torch's cpu has no half backward to compare with
    check_parity(conv_fn(kwargs), *arrays, device=device, rng=rng, atol=tol, rtol=tol, grad=grad)


def test_conv2d_int64(device, rng):
    if device != "cpu":
        pytest.skip("torch's cuda has no integer convolution to compare with")
    arrays = [random_array(rng, s, "int64", integers=(-5, 6)) for s in ((2, 3, 6, 5), (4, 3, 3, 3))]
    check_parity(conv_fn({"padding": 1}), *arrays, device=device, grad=False)


# -- errors: same type and message as torch, inputs untouched --------------------------------------

def _call(lib, device, x_shape, w_shape, b_shape=None, dtypes=("float32",) * 3, **kwargs):
    dev = device if lib is ag else "cpu"
    rng = np.random.default_rng(0)
    make = lambda s, dt: lib.tensor(rng.standard_normal(s).astype(dt), device=dev)  # noqa: E731
    b = make(b_shape, dtypes[2]) if b_shape is not None else None
    return F(lib).conv2d(make(x_shape, dtypes[0]), make(w_shape, dtypes[1]), b, **kwargs)


ERRORS = {
    "input_2d": ((2, 3), (8, 3, 3, 3)),
    "input_5d": ((2, 3, 4, 4, 4), (8, 3, 3, 3)),
    "channels": ((2, 4, 16, 16), (8, 3, 3, 3)),
    "channels_unbatched": ((4, 16, 16), (8, 3, 3, 3)),
    "channels_groups": ((2, 4, 5, 5), (8, 3, 3, 3), None, ("float32",) * 3, {"groups": 2}),
    "weight_not_divisible": ((2, 4, 5, 5), (7, 2, 3, 3), None, ("float32",) * 3, {"groups": 2}),
    "weight_3d": ((2, 3, 5, 5), (8, 3, 3)),
    "weight_5d": ((2, 3, 5, 5), (8, 3, 3, 3, 3)),
    "weight_empty": ((2, 3, 5, 5), (0, 3, 3, 3)),
    "bias_size": ((2, 3, 5, 5), (8, 3, 3, 3), (7,)),
    "bias_2d": ((2, 3, 5, 5), (8, 3, 3, 3), (8, 1)),
    "kernel_too_large": ((2, 3, 2, 2), (8, 3, 3, 3)),
    "dilated_kernel_too_large": ((2, 3, 4, 4), (8, 3, 3, 3), None, ("float32",) * 3, {"dilation": 2}),
    "same_strided": ((2, 3, 5, 5), (8, 3, 3, 3), None, ("float32",) * 3,
                     {"stride": 2, "padding": "same"}),
    "bad_padding_string": ((2, 3, 5, 5), (8, 3, 3, 3), None, ("float32",) * 3, {"padding": "foo"}),
    "negative_padding": ((2, 3, 5, 5), (8, 3, 3, 3), None, ("float32",) * 3, {"padding": -1}),
    "zero_stride": ((2, 3, 5, 5), (8, 3, 3, 3), None, ("float32",) * 3, {"stride": 0}),
    "zero_dilation": ((2, 3, 5, 5), (8, 3, 3, 3), None, ("float32",) * 3, {"dilation": 0}),
    "zero_groups": ((2, 3, 5, 5), (8, 3, 3, 3), None, ("float32",) * 3, {"groups": 0}),
    "padding_3_values": ((2, 3, 5, 5), (8, 3, 3, 3), None, ("float32",) * 3, {"padding": (1, 2, 3)}),
    "stride_3_values": ((2, 3, 5, 5), (8, 3, 3, 3), None, ("float32",) * 3, {"stride": (1, 2, 3)}),
    "input_double_weight_float": ((2, 3, 5, 5), (8, 3, 3, 3), None, ("float64", "float32", "float32")),
    "input_float_weight_double": ((2, 3, 5, 5), (8, 3, 3, 3), None, ("float32", "float64", "float32")),
    "input_float_weight_half": ((2, 3, 5, 5), (8, 3, 3, 3), None, ("float32", "float16", "float32")),
    "bias_double": ((2, 3, 5, 5), (8, 3, 3, 3), (8,), ("float32", "float32", "float64")),
    "input_half_bias_float": ((2, 3, 5, 5), (8, 3, 3, 3), (8,), ("float16", "float16", "float32")),
}
CPU_ONLY_MESSAGES = {n for n in ERRORS if "double" in n or "half" in n or "float" in n}


def _error_args(name):
    args = ERRORS[name]
    x_shape, w_shape = args[:2]
    b_shape = args[2] if len(args) > 2 else None
    dts = args[3] if len(args) > 3 else ("float32",) * 3
    kwargs = args[4] if len(args) > 4 else {}
    return x_shape, w_shape, b_shape, dts, kwargs


@pytest.mark.parametrize("name", ERRORS)
def test_conv2d_errors_match_torch(name, device):
    if device != "cpu" and name in CPU_ONLY_MESSAGES:
        pytest.skip("torch words dtype mismatches differently on cuda: see the cuda test below")
    x_shape, w_shape, b_shape, dts, kwargs = _error_args(name)
    with pytest.raises(Exception) as theirs:
        _call(torch, "cpu", x_shape, w_shape, b_shape, dts, **kwargs)
    with pytest.raises(type(theirs.value)) as ours:
        _call(ag, device, x_shape, w_shape, b_shape, dts, **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_conv2d_dtype_mismatch_on_cuda_names_both_types(device):
    if device == "cpu":
        pytest.skip("cuda wording")
    with pytest.raises(RuntimeError, match=r"Input type \(torch\.cuda\.FloatTensor\) and weight type "
                                           r"\(torch\.cuda\.DoubleTensor\) should be the same"):
        _call(ag, device, (2, 3, 5, 5), (8, 3, 3, 3), None, ("float32", "float64", "float32"))


def test_conv2d_rejects_non_tensors(device):
    w = ag.randn(8, 3, 3, 3, device=device)
    with pytest.raises(TypeError, match="argument 'input'"):
        F(ag).conv2d([1.0], w)
    with pytest.raises(TypeError, match="argument 'padding'"):
        F(ag).conv2d(ag.randn(1, 3, 5, 5, device=device), w, padding=1.5)


@pytest.mark.parametrize("name", ["channels", "bias_size", "kernel_too_large", "same_strided",
                                  "input_float_weight_double"])
def test_failed_conv2d_leaves_inputs_unchanged(name, device, rng):
    x_shape, w_shape, b_shape, dts, kwargs = _error_args(name)
    arrays = [random_array(rng, s, dt) for s, dt in zip((x_shape, w_shape, b_shape), dts)
              if s is not None]
    tensors = [ag.tensor(a, device=device, requires_grad=True) for a in arrays]
    versions = [t._version_value for t in tensors]
    with pytest.raises(RuntimeError):
        F(ag).conv2d(*tensors, **kwargs)
    for t, a, v in zip(tensors, arrays, versions):
        np.testing.assert_array_equal(t.detach().cpu().numpy(), a)
        assert t._version_value == v and t.grad is None and t.grad_fn is None
