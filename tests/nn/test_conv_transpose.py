"""conv_transpose2d / conv_transpose1d / conv1d and their layers against torch: values and the
gradients of input, weight and bias (stride, padding, output_padding, groups, dilation, shapes not
multiples of 32), float64 gradcheck and gradgradcheck, graphs, reprs, init and torch's errors."""
import math

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from autograd_gpu.nn import functional as AF
from helpers import check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()


def F(lib):
    return torch.nn.functional if lib is torch else AF


def graph(node):
    if node is None:
        return None
    return (node.name().split("::")[-1], tuple((graph(f), nr) for f, nr in node.next_functions))


# (input shape, weight shape (C_in, C_out/groups, k...), has bias, keyword arguments)
CT2D = {
    "plain": ((2, 4, 5, 6), (4, 3, 3, 3), True, {}),
    "stride2_pad1_op1": ((2, 4, 5, 6), (4, 3, 3, 3), True,
                         {"stride": 2, "padding": 1, "output_padding": 1}),
    "groups_dilation": ((2, 4, 5, 6), (4, 3, 3, 2), True,
                        {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2,
                         "dilation": 2}),
    # output_padding beyond the padding (allowed by the dilation): zero rows past any window
    "op_beyond_padding": ((2, 4, 5, 6), (4, 3, 3, 3), False, {"output_padding": 2, "dilation": 3}),
    "pairs": ((2, 4, 5, 6), (4, 3, 3, 3), True,
              {"stride": (3, 2), "padding": (0, 2), "output_padding": (2, 1), "dilation": (1, 2)}),
    "depthwise": ((3, 6, 7, 5), (6, 1, 3, 3), True, {"groups": 6, "stride": 2, "padding": 1}),
    "not_multiple_of_32": ((2, 5, 33, 35), (5, 7, 4, 4), True,
                           {"stride": 2, "padding": 1, "groups": 1}),
    "1x1_s2": ((2, 4, 5, 5), (4, 3, 1, 1), True, {"stride": 2, "output_padding": 1}),
    "unbatched": ((4, 5, 6), (4, 3, 3, 3), True, {"stride": 2}),
    "empty_batch": ((0, 4, 5, 6), (4, 3, 3, 3), True, {"stride": 2}),
}
CT1D = {
    "plain": ((2, 4, 7), (4, 3, 3), True, {}),
    "stride2_op1_groups": ((2, 4, 9), (4, 3, 3), True,
                           {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2}),
    "dilation": ((3, 4, 37), (4, 5, 4), False, {"dilation": 3, "output_padding": 2}),
    "unbatched": ((4, 7), (4, 3, 3), True, {"stride": 2, "padding": 1, "output_padding": 1}),
}
C1D = {
    "plain": ((2, 4, 9), (6, 4, 3), True, {}),
    "stride_pad_groups_dilation": ((3, 4, 37), (6, 2, 3), True,
                                   {"stride": 2, "padding": 2, "groups": 2, "dilation": 2}),
    "same": ((2, 4, 9), (5, 4, 4), True, {"padding": "same"}),
    "valid": ((2, 4, 9), (5, 4, 4), False, {"padding": "valid"}),
    "unbatched": ((4, 9), (6, 4, 3), True, {"padding": 1}),
}


def inputs(rng, x_shape, w_shape, has_bias, out_channels, dtype="float32"):
    arrays = [random_array(rng, x_shape, dtype), random_array(rng, w_shape, dtype)]
    if has_bias:
        arrays.append(random_array(rng, (out_channels,), dtype))
    return arrays


def out_channels(name, table, transposed):
    x_shape, w_shape, _, kwargs = table[name]
    return w_shape[1] * kwargs.get("groups", 1) if transposed else w_shape[0]


CASES = ([("conv_transpose2d", n, CT2D) for n in CT2D] + [("conv_transpose1d", n, CT1D) for n in CT1D]
         + [("conv1d", n, C1D) for n in C1D])


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("op,name,table", CASES, ids=[f"{o}-{n}" for o, n, _ in CASES])
def test_parity(op, name, table, device, rng):
    x_shape, w_shape, has_bias, kwargs = table[name]
    arrays = inputs(rng, x_shape, w_shape, has_bias, out_channels(name, table, op != "conv1d"))
    check_parity(lambda t, *a: getattr(F(t), op)(*a, **kwargs), *arrays, device=device, rng=rng,
                 atol=1e-4, rtol=1e-4)


GRADCHECK = [("conv_transpose2d", "groups_dilation", CT2D), ("conv_transpose2d", "op_beyond_padding", CT2D),
             ("conv_transpose2d", "unbatched", CT2D), ("conv_transpose1d", "stride2_op1_groups", CT1D),
             ("conv1d", "stride_pad_groups_dilation", C1D)]


@pytest.mark.parametrize("op,name,table", GRADCHECK, ids=[f"{o}-{n}" for o, n, _ in GRADCHECK])
def test_gradcheck(op, name, table, device, rng):
    x_shape, w_shape, has_bias, kwargs = table[name]
    small = (1,) + tuple(x_shape[1:]) if len(x_shape) == len(w_shape) else x_shape
    arrays = inputs(rng, small, w_shape, has_bias, out_channels(name, table, op != "conv1d"),
                    "float64")
    check_grad(lambda t, *a: getattr(F(t), op)(*a, **kwargs), *arrays, device=device)


@pytest.mark.parametrize("op,name,table", GRADCHECK[:2] + GRADCHECK[3:],
                         ids=[f"{o}-{n}" for o, n, _ in GRADCHECK[:2] + GRADCHECK[3:]])
def test_double_backward_matches_torch(op, name, table, device, rng):
    x_shape, w_shape, has_bias, kwargs = table[name]
    arrays = inputs(rng, x_shape, w_shape, has_bias, out_channels(name, table, op != "conv1d"),
                    "float64")
    upstream, results = None, []
    for lib, dev in ((ag, device), (torch, "cpu")):
        ts = [lib.tensor(a, device=dev, requires_grad=True) for a in arrays]
        y = getattr(F(lib), op)(*ts, **kwargs)
        if upstream is None:
            upstream = random_array(rng, tuple(y.shape), "float64")
        gx, gw = lib.autograd.grad(y, ts[:2], lib.tensor(upstream, device=dev), create_graph=True)
        ((gx * gx).sum() + (gw * gw * gw).sum()).backward()
        results.append([t.grad.cpu().numpy() for t in ts[:2]])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("op,x_shape,w_shape", [
    ("conv_transpose2d", (2, 4, 5, 5), (4, 3, 3, 3)), ("conv_transpose2d", (4, 5, 5), (4, 3, 3, 3)),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3)), ("conv1d", (2, 4, 5), (3, 4, 3)),
    ("conv1d", (4, 5), (3, 4, 3))])
@pytest.mark.parametrize("has_bias", [True, False])
def test_graph(op, x_shape, w_shape, has_bias, rng):
    arrays = [random_array(rng, x_shape), random_array(rng, w_shape)]
    if has_bias:
        arrays.append(random_array(rng, (3,)))
    ours = getattr(F(ag), op)(*[ag.tensor(a, requires_grad=True) for a in arrays])
    theirs = getattr(F(torch), op)(*[torch.tensor(a, requires_grad=True) for a in arrays])
    assert graph(ours.grad_fn) == graph(theirs.grad_fn)


# -- errors ---------------------------------------------------------------------------------------

ERRORS = [
    ("conv_transpose2d", (2, 4, 5, 5), (4, 3, 3, 3), None, {"stride": 2, "output_padding": 2}),
    ("conv_transpose2d", (2, 4, 5, 5), (4, 3, 3, 3), None, {"output_padding": 1}),
    ("conv_transpose2d", (2, 4, 5, 5), (4, 3, 3, 3), None, {"output_padding": -1}),
    ("conv_transpose2d", (2, 4, 5, 5), (5, 3, 3, 3), None, {}),
    ("conv_transpose2d", (2, 4, 5, 5), (4, 3, 3, 3), None, {"groups": 3}),
    ("conv_transpose2d", (2, 4, 5, 5), (4, 3, 3, 3), (3,), {"groups": 2}),
    ("conv_transpose2d", (2, 4, 5, 5), (4, 3, 3, 3), (4,), {}),
    ("conv_transpose2d", (2, 4, 5, 5), (4, 3, 3, 3), None, {"padding": -1}),
    ("conv_transpose2d", (2, 4, 5, 5), (4, 3, 3, 3), None, {"stride": 0}),
    ("conv_transpose2d", (2, 4, 5, 5), (4, 3, 3, 3), None, {"groups": 0}),
    ("conv_transpose2d", (5, 5), (4, 3, 3, 3), None, {}),
    ("conv_transpose2d", (2, 4, 5, 5), (4, 3, 3), None, {}),
    ("conv_transpose2d", (2, 4, 5, 5), (4, 3, 3, 3), None, {"padding": "same"}),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), None, {"stride": 2, "output_padding": 2}),
    ("conv1d", (2, 4, 5, 5), (4, 3, 3), None, {}),
    ("conv1d", (5,), (4, 3, 3), None, {}),
    ("conv1d", (4, 5), (4, 3, 3), None, {}),
    ("conv1d", (2, 5, 5), (4, 5, 7), None, {}),
    ("conv1d", (2, 5, 5), (4, 5, 3), None, {"stride": (1, 1)}),
]


@pytest.mark.parametrize("op,x_shape,w_shape,b_shape,kwargs", ERRORS,
                         ids=[str(i) for i in range(len(ERRORS))])
def test_errors_match_torch(op, x_shape, w_shape, b_shape, kwargs, device):
    def call(lib, dev):
        rng = np.random.default_rng(0)
        make = lambda s: lib.tensor(rng.standard_normal(s).astype("float32"), device=dev)  # noqa: E731
        return getattr(F(lib), op)(make(x_shape), make(w_shape),
                                   None if b_shape is None else make(b_shape), **kwargs)
    with pytest.raises(Exception) as theirs:
        call(torch, "cpu")
    with pytest.raises(type(theirs.value)) as ours:
        call(ag, device)
    assert str(ours.value) == str(theirs.value)


def test_output_too_small_is_an_error(device):
    with pytest.raises(RuntimeError, match=r"Calculated output size per channel: \(-1 x -1\)"):
        AF.conv_transpose2d(ag.randn(1, 4, 5, 5, device=device), ag.randn(4, 3, 3, 3, device=device),
                            padding=4)


# -- layers ---------------------------------------------------------------------------------------

LAYERS = [
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2,
                                    "dilation": 2}, (2, 4, 7, 9)),
    ("ConvTranspose2d", (4, 6, (3, 2)), {"bias": False}, (2, 4, 7, 9)),
    ("ConvTranspose1d", (4, 6, 3), {"stride": 2, "output_padding": 1}, (2, 4, 9)),
    ("Conv1d", (4, 6, 3), {"stride": 2, "padding": 1, "groups": 2}, (2, 4, 9)),
    ("Conv1d", (4, 6, 5), {"padding": "same", "bias": False}, (4, 9)),
]


@pytest.mark.parametrize("cls,args,kwargs,x_shape", LAYERS, ids=[str(i) for i in range(len(LAYERS))])
def test_layer_parity_repr_state_dict(cls, args, kwargs, x_shape, device, rng, layer_parity):
    theirs = getattr(torch.nn, cls)(*args, **kwargs)
    ours = getattr(nn, cls)(*args, **kwargs, device=device)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert tuple(ours.weight.shape) == tuple(theirs.weight.shape)
    layer_parity(ours, theirs, random_array(rng, x_shape), device=device, atol=1e-4)


def test_conv_transpose2d_output_size(device, rng):
    theirs = torch.nn.ConvTranspose2d(4, 6, 3, stride=2)
    ours = nn.ConvTranspose2d(4, 6, 3, stride=2, device=device)
    x = random_array(rng, (2, 4, 5, 5))
    for size in [(12, 12), (11, 12), [2, 6, 12, 11]]:
        y = layer_parity_like(ours, theirs, x, device, size)
        assert tuple(y.shape[2:]) == tuple(size[-2:])
    for size in [(14, 14), (1, 2, 3)]:
        with pytest.raises(ValueError) as err_theirs:
            theirs(torch.tensor(x), output_size=size)
        with pytest.raises(ValueError) as err_ours:
            ours(ag.tensor(x, device=device), output_size=size)
        assert str(err_ours.value) == str(err_theirs.value)


def layer_parity_like(ours, theirs, x, device, size):
    ours.load_state_dict({k: ag.tensor(v.detach().numpy(), device=device)
                          for k, v in theirs.state_dict().items()})
    y = ours(ag.tensor(x, device=device), output_size=size)
    ref = theirs(torch.tensor(x), output_size=size)
    np.testing.assert_allclose(y.detach().cpu().numpy(), ref.detach().numpy(), atol=1e-5)
    return y


@pytest.mark.parametrize("cls,args", [("ConvTranspose2d", (8, 6, 3)), ("ConvTranspose2d", (4, 12, 2)),
                                      ("ConvTranspose1d", (8, 6, 5)), ("Conv1d", (8, 6, 5))])
def test_default_init_bounds(cls, args):
    """kaiming_uniform_(a=sqrt(5)) on the weight: bound 1/sqrt(fan_in), fan_in = size(1) * k...;
    the bias uniform in the same bound."""
    ag.manual_seed(0)
    m = getattr(nn, cls)(*args, groups=2)
    w = m.weight.detach().numpy()
    fan_in = w.shape[1] * int(np.prod(w.shape[2:]))
    bound = 1 / math.sqrt(fan_in)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    b = m.bias.detach().numpy()
    assert np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.25 * bound


@pytest.mark.parametrize("cls,kwargs", [("ConvTranspose2d", {"groups": 4}),
                                        ("ConvTranspose2d", {"padding_mode": "reflect"}),
                                        ("ConvTranspose1d", {"padding_mode": "circular"}),
                                        ("Conv1d", {"groups": 4}), ("Conv1d", {"padding": "full"}),
                                        ("Conv1d", {"padding": "same", "stride": 2})])
def test_layer_argument_errors_match_torch(cls, kwargs):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.nn, cls)(4, 6, 3, **kwargs)
    with pytest.raises(ValueError) as ours:
        getattr(nn, cls)(4, 6, 3, **kwargs)
    if kwargs == {"padding": "full"}:
        def words(err):  # torch prints a set of the valid strings, in varying order
            return sorted(str(err.value).translate(str.maketrans("{},", "   ")).split())
        assert words(ours) == words(theirs)
    else:
        assert str(ours.value) == str(theirs.value)
