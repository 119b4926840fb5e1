"""autograd_gpu.nn.functional: torch's names, the re-exported ops through it, relu(inplace=...),
pad (constant mode, differentiable, cropping with negative amounts), one_hot, and the seeds'
loss calls end to end."""
import numpy as np
import pytest

import autograd_gpu as ag
import autograd_gpu.nn.functional as AF
from autograd_gpu.ops import activation, conv, elementwise, linalg, loss, normalization, pooling
from helpers import check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()
TF = torch.nn.functional


def F(t):
    return AF if t is ag else TF


def test_public_names_are_torch_names():
    assert AF.__all__ == sorted(AF.__all__)
    for name in AF.__all__:
        assert callable(getattr(AF, name)), name
        assert hasattr(TF, name), f"torch.nn.functional has no {name}"


@pytest.mark.parametrize("name, module", [
    ("softmax", activation), ("log_softmax", activation), ("gelu", activation),
    ("leaky_relu", activation), ("silu", activation), ("elu", activation), ("dropout", activation),
    ("embedding", activation), ("batch_norm", normalization), ("layer_norm", normalization),
    ("mse_loss", loss), ("l1_loss", loss), ("nll_loss", loss), ("cross_entropy", loss),
    ("binary_cross_entropy", loss), ("binary_cross_entropy_with_logits", loss),
    ("sigmoid", elementwise), ("tanh", elementwise), ("linear", linalg), ("conv2d", conv),
    ("max_pool2d", pooling), ("avg_pool2d", pooling), ("adaptive_avg_pool2d", pooling)])
def test_reexports_are_the_ops(name, module):
    assert getattr(AF, name) is getattr(module, name)


REEXPORTED = {  # name: (fn, input shapes)
    "relu": (lambda t, x: F(t).relu(x), [(3, 4)]),
    "sigmoid": (lambda t, x: F(t).sigmoid(x), [(3, 4)]),
    "tanh": (lambda t, x: F(t).tanh(x), [(3, 4)]),
    "linear": (lambda t, x, w, b: F(t).linear(x, w, b), [(2, 5), (3, 5), (3,)]),
    "conv2d": (lambda t, x, w: F(t).conv2d(x, w, padding=1), [(1, 2, 5, 5), (3, 2, 3, 3)]),
    "max_pool2d": (lambda t, x: F(t).max_pool2d(x, 2), [(1, 2, 4, 4)]),
    "avg_pool2d": (lambda t, x: F(t).avg_pool2d(x, 2), [(1, 2, 4, 4)]),
    "adaptive_avg_pool2d": (lambda t, x: F(t).adaptive_avg_pool2d(x, 1), [(2, 3, 4, 4)]),
}


@pytest.mark.parametrize("name", REEXPORTED)
def test_reexported_parity(name, device, rng):
    fn, shapes = REEXPORTED[name]
    check_parity(fn, *[random_array(rng, s) for s in shapes], device=device, rng=rng)


# -- relu(inplace) ---------------------------------------------------------------------------------

def test_relu_inplace_rewrites_input(device, rng):
    def fn(t, x):
        h = x * 2.0
        y = F(t).relu(h, inplace=True)
        assert y is h and h.grad_fn.name() == "ReluBackward0"
        return y

    out = check_parity(fn, random_array(rng, (3, 4)), device=device, rng=rng)
    assert (out[0].detach().cpu().numpy() >= 0).all()


def test_relu_not_inplace_leaves_input(device, rng):
    x = ag.tensor(random_array(rng, (3, 4)), device=device)
    before = x.cpu().numpy().copy()
    AF.relu(x)
    np.testing.assert_array_equal(x.cpu().numpy(), before)


# -- pad -------------------------------------------------------------------------------------------

PADS = {  # name: (input shape, pad, value)
    "last_dim": ((2, 3), (1, 2), None),
    "two_dims": ((2, 3, 4), (1, 0, 2, 1), 0.5),
    "all_dims": ((2, 3), (1, 1, 2, 0), -1.0),
    "crop": ((3, 5), (-1, 2, 0, -2), None),
    "crop_to_empty_side": ((2, 4), (-2, -2), None),
    "nchw_spatial": ((1, 2, 3, 3), (1, 1, 1, 1), 0.0),
}


@pytest.mark.parametrize("name", PADS)
def test_pad_parity(name, device, rng):
    shape, pad, value = PADS[name]
    out = check_parity(lambda t, x: F(t).pad(x, pad, value=value), random_array(rng, shape),
                       device=device, rng=rng)
    assert out[0].grad_fn.name() == "ConstantPadNdBackward0"


@pytest.mark.parametrize("name", ["two_dims", "crop"])
def test_pad_gradcheck(name, device, rng):
    shape, pad, value = PADS[name]
    check_grad(lambda t, x: F(t).pad(x, pad, value=value), random_array(rng, shape), device=device)


def test_pad_integer_tensor(device):
    x = ag.arange(6, device=device).reshape(2, 3)
    out = AF.pad(x, (1, 1), value=7)
    assert out.dtype is ag.int64
    np.testing.assert_array_equal(out.cpu().numpy(), TF.pad(torch.arange(6).reshape(2, 3), (1, 1),
                                                            value=7).numpy())


@pytest.mark.parametrize("pad_arg, mode, error, match", [
    ((1,), "constant", RuntimeError, "Padding length must be divisible by 2"),
    ((1, 1, 1, 1, 1, 1), "constant", RuntimeError,
     "Padding length should be less than or equal to two times the input dimension but got "
     "padding length 6 and input of dimension 2"),
    ((-3, -2), "constant", RuntimeError, "resulted in a negative output size"),
    ((1, 1, 1, 1), "reflect", NotImplementedError, "Padding size 4 is not supported for 2D input"),
    ((1, 1), "foo", NotImplementedError, "Unrecognised padding mode foo"),
])
def test_pad_errors(pad_arg, mode, error, match):
    with pytest.raises(error, match=match):
        AF.pad(ag.randn(2, 3), pad_arg, mode=mode)


# -- one_hot ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("classes", [-1, 6])
def test_one_hot_parity(classes, device, rng):
    idx = rng.integers(0, 5, size=(3, 4))
    ours = AF.one_hot(ag.tensor(idx, device=device), classes)
    theirs = TF.one_hot(torch.tensor(idx), classes)
    assert ours.dtype is ag.int64 and ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.cpu().numpy(), theirs.numpy())


def test_one_hot_empty_with_classes():
    out = AF.one_hot(ag.tensor([], dtype=ag.int64), 3)
    assert tuple(out.shape) == (0, 3)


@pytest.mark.parametrize("call, match", [
    (lambda: AF.one_hot(ag.tensor([0.0, 1.0])),
     "only applicable to index tensor of type LongTensor"),
    (lambda: AF.one_hot(ag.tensor([0, 1], dtype=ag.int32)), "type LongTensor"),
    (lambda: AF.one_hot(ag.tensor([0, -1])), "Class values must be non-negative."),
    (lambda: AF.one_hot(ag.tensor([0, 3]), 3), "Class values must be smaller than num_classes."),
    (lambda: AF.one_hot(ag.tensor([], dtype=ag.int64)), "Can not infer total number of classes"),
])
def test_one_hot_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


# -- the seeds' calls ------------------------------------------------------------------------------

def test_seed_one_layer_net_bce_with_logits():
    """Seed 000: z = x @ w + b, loss = binary_cross_entropy_with_logits(z, zeros(3))."""
    z = ag.tensor([-2.6515, 0.2677, 5.1298], requires_grad=True)
    loss_value = AF.binary_cross_entropy_with_logits(z, ag.zeros(3))
    assert repr(loss_value) == "tensor(2.0133, grad_fn=<BinaryCrossEntropyWithLogitsBackward0>)"
    loss_value.backward()
    assert repr(z.grad) == "tensor([0.0220, 0.1888, 0.3314])"


def test_fine_tune_head_cross_entropy(device, rng):
    """A frozen feature batch through a trainable linear head into cross_entropy (seed 003's fc)."""
    features = random_array(rng, (8, 16), positive=True)
    labels = rng.integers(0, 10, size=8)

    def fn(t, w, b):
        feats = t.tensor(features, device=w.device)
        return F(t).cross_entropy(F(t).linear(feats, w, b), t.tensor(labels, device=w.device))

    check_parity(fn, random_array(rng, (10, 16), low=-0.25, high=0.25),
                 random_array(rng, (10,), low=-0.25, high=0.25), device=device, rng=rng)
