"""batch_norm and layer_norm against torch: outputs, input/weight/bias gradients, running-statistic
updates in training and their use in eval, float64 gradcheck and gradgradcheck, float16, errors."""
import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu.ops import normalization as N
from helpers import check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()
TF = torch.nn.functional

SHAPES = [(6, 3), (4, 3, 5), (2, 3, 4, 5)]


def F(t):
    return N if t is ag else TF


class RunningStats:
    """One (running_mean, running_var) pair per framework, starting from the same values."""

    def __init__(self, rng, channels, device):
        mean = random_array(rng, (channels,))
        var = random_array(rng, (channels,), positive=True)
        torch_device = "cuda" if device.startswith("cuda") else "cpu"
        self.buffers = {ag: (ag.tensor(mean, device=device), ag.tensor(var, device=device)),
                        torch: (torch.tensor(mean, device=torch_device),
                                torch.tensor(var, device=torch_device))}

    def __call__(self, t):
        return self.buffers[t]

    def assert_equal(self):
        for ours, theirs in zip(self.buffers[ag], self.buffers[torch]):
            np.testing.assert_allclose(ours.cpu().numpy(), theirs.cpu().numpy(), rtol=1e-5,
                                       atol=1e-6)


@pytest.mark.parametrize("affine", [True, False], ids=["affine", "plain"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_batch_norm_training_parity_and_running_stats(shape, affine, device, rng):
    stats = RunningStats(rng, shape[1], device)
    arrays = [random_array(rng, shape, low=-3.0, high=5.0)]
    if affine:
        arrays += [random_array(rng, (shape[1],)), random_array(rng, (shape[1],))]

    def fn(t, x, *wb):
        return F(t).batch_norm(x, *stats(t), *wb, training=True, momentum=0.3, eps=1e-4)

    out = check_parity(fn, *arrays, device=device, rng=rng)
    assert out[0].grad_fn.name() == "NativeBatchNormBackward0"
    stats.assert_equal()


@pytest.mark.parametrize("affine", [True, False], ids=["affine", "plain"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_batch_norm_eval_parity(shape, affine, device, rng):
    stats = RunningStats(rng, shape[1], device)
    arrays = [random_array(rng, shape)]
    if affine:
        arrays += [random_array(rng, (shape[1],)), random_array(rng, (shape[1],))]

    def fn(t, x, *wb):
        return F(t).batch_norm(x, *stats(t), *wb, training=False)

    check_parity(fn, *arrays, device=device, rng=rng)
    stats.assert_equal()  # eval leaves the buffers alone


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_batch_norm_train_steps_then_eval(shape, device, rng):
    """Two training batches move the running statistics; eval then normalises with them."""
    stats = RunningStats(rng, shape[1], device)
    w, b = random_array(rng, (shape[1],)), random_array(rng, (shape[1],))
    for _ in range(2):
        x = random_array(rng, shape, low=-1.0, high=4.0)
        check_parity(lambda t, v: F(t).batch_norm(v, *stats(t), t.tensor(w, device=v.device),
                                                  t.tensor(b, device=v.device), training=True),
                     x, device=device, rng=rng)
    stats.assert_equal()
    x = random_array(rng, shape)
    check_parity(lambda t, v, wt, bt: F(t).batch_norm(v, *stats(t), wt, bt), x, w, b,
                 device=device, rng=rng)


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("shape", [(300, 4), (2, 3, 48, 48)], ids=str)
def test_batch_norm_large_channels(shape, training, device, rng):
    """More samples than a GPU block has threads, and channels of 4608 elements, which the cuda
    statistics split over several blocks; the per-channel offsets keep the variance honest."""
    stats = RunningStats(rng, shape[1], device)
    offsets = rng.uniform(-20.0, 20.0, size=(1, shape[1]) + (1,) * (len(shape) - 2))
    x = (random_array(rng, shape) + offsets).astype("float32")
    arrays = [x, random_array(rng, (shape[1],)), random_array(rng, (shape[1],))]

    def fn(t, v, w, b):
        return F(t).batch_norm(v, *stats(t), w, b, training=training)

    check_parity(fn, *arrays, device=device, rng=rng, atol=1e-4)
    stats.assert_equal()


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_batch_norm_non_contiguous_input(training, device, rng):
    """Channels read through a transposed view: the per-channel (N, C, L) view must copy."""
    stats = RunningStats(rng, 4, device)
    arrays = [random_array(rng, (3, 5, 4), low=-3.0, high=5.0), random_array(rng, (4,)),
              random_array(rng, (4,))]

    def fn(t, x, w, b):
        return F(t).batch_norm(x.transpose(1, 2), *stats(t), w, b, training=training)

    check_parity(fn, *arrays, device=device, rng=rng)
    stats.assert_equal()


def test_batch_norm_eval_empty_batch(device, rng):
    stats = RunningStats(rng, 3, device)
    out = check_parity(lambda t, x: F(t).batch_norm(x, *stats(t), training=False),
                       random_array(rng, (0, 3, 4)), device=device, rng=rng)
    assert tuple(out[0].shape) == (0, 3, 4)


def test_batch_norm_training_without_running_stats(device, rng):
    check_parity(lambda t, x, w: F(t).batch_norm(x, None, None, w, training=True),
                 random_array(rng, (5, 4, 3)), random_array(rng, (4,)), device=device, rng=rng)


def test_batch_norm_bias_only_and_weight_only(device, rng):
    x = random_array(rng, (4, 3, 2))
    p = random_array(rng, (3,))

    def bias_only(t, v, b):
        # torch's cuda backward fails without a weight: give it ones, the same function
        w = None if t is ag else t.ones(3, device=v.device)
        return F(t).batch_norm(v, None, None, w, b, training=True)

    check_parity(bias_only, x, p, device=device, rng=rng)
    check_parity(lambda t, v, w: F(t).batch_norm(v, None, None, w, None, training=True), x, p,
                 device=device, rng=rng)


@pytest.mark.parametrize("affine", [True, False], ids=["affine", "plain"])
@pytest.mark.parametrize("shape", [(4, 2), (3, 2, 2), (2, 2, 2, 2)], ids=str)
def test_batch_norm_training_gradcheck(shape, affine, device, rng):
    arrays = [random_array(rng, shape)]
    if affine:
        arrays += [random_array(rng, (shape[1],)), random_array(rng, (shape[1],))]
    check_grad(lambda t, x, *wb: F(t).batch_norm(x, None, None, *wb, training=True), *arrays,
               device=device)


@pytest.mark.parametrize("shape", [(4, 2), (2, 2, 3)], ids=str)
def test_batch_norm_eval_gradcheck(shape, device, rng):
    mean = random_array(rng, (shape[1],), "float64")
    var = random_array(rng, (shape[1],), "float64", positive=True)

    def fn(t, x, w, b):
        rm, rv = t.tensor(mean, device=x.device), t.tensor(var, device=x.device)
        return F(t).batch_norm(x, rm, rv, w, b, training=False)

    check_grad(fn, random_array(rng, shape), random_array(rng, (shape[1],)),
               random_array(rng, (shape[1],)), device=device)


def test_batch_norm_double_backward_matches_torch(device, rng):
    """create_graph through the fused backward: the gradient of a gradient norm, as torch."""
    x, w = random_array(rng, (4, 3, 2)), random_array(rng, (3,))

    def fn(t, xv, wv):
        y = F(t).batch_norm(xv, None, None, wv, None, training=True)
        gx, gw = t.autograd.grad((y * y * y).sum(), (xv, wv), create_graph=True)
        return (gx * gx).sum() + (gw * gw).sum()

    check_parity(fn, x, w, device=device, rng=rng, atol=1e-4, rtol=1e-4)


def test_batch_norm_graph(rng):
    x = ag.tensor(random_array(rng, (4, 3)), requires_grad=True)
    w = ag.tensor(random_array(rng, (3,)), requires_grad=True)
    y = N.batch_norm(x, ag.zeros(3), ag.ones(3), w, None, training=True)
    kinds = [None if f is None else f.name() for f, _ in y.grad_fn.next_functions]
    assert kinds == ["torch::autograd::AccumulateGrad"] * 2 + [None]  # torch's C++ name


def test_batch_norm_float16(device, rng):
    x = random_array(rng, (8, 3, 4), "float16")
    w, b = random_array(rng, (3,), "float16"), random_array(rng, (3,), "float16")
    ours = N.batch_norm(ag.tensor(x, device=device), None, None, ag.tensor(w, device=device),
                        ag.tensor(b, device=device), training=True)
    theirs = TF.batch_norm(torch.tensor(x).float(), None, None, torch.tensor(w).float(),
                           torch.tensor(b).float(), training=True)
    assert ours.dtype is ag.float16
    np.testing.assert_allclose(ours.cpu().numpy().astype("float32"), theirs.numpy(), atol=2e-2,
                               rtol=1e-2)


def test_batch_norm_float16_backward(device, rng):
    """Half-precision gradients, accumulated in float32, against torch's float32 ones."""
    x, w, b = (random_array(rng, (8, 3, 4), "float16"), random_array(rng, (3,), "float16"),
               random_array(rng, (3,), "float16"))
    g = random_array(rng, (8, 3, 4), "float16")
    grads = []
    for lib, cast in ((ag, lambda a: ag.tensor(a, device=device, requires_grad=True)),
                      (torch, lambda a: torch.tensor(a).float().requires_grad_())):
        inputs = [cast(a) for a in (x, w, b)]
        y = F(lib).batch_norm(*inputs[:1], None, None, *inputs[1:], training=True)
        y.backward(cast(g).detach())
        grads.append([t.grad.cpu().numpy().astype("float32") for t in inputs])
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, atol=3e-2, rtol=1e-2)


@pytest.mark.parametrize("call, error, match", [
    (lambda: N.batch_norm(ag.randn(1, 4), ag.zeros(4), ag.ones(4), training=True), ValueError,
     r"Expected more than 1 value per channel when training, got input size "
     r"torch.Size\(\[1, 4\]\)"),
    (lambda: N.batch_norm(ag.randn(3, 4), None, None), RuntimeError,
     "running_mean must be defined in evaluation mode"),
    (lambda: N.batch_norm(ag.randn(3, 4), ag.zeros(5), ag.ones(5), training=True), RuntimeError,
     "running_mean should contain 4 elements not 5"),
    (lambda: N.batch_norm(ag.randn(3, 4), ag.zeros(4), ag.ones(4), ag.ones(5)), RuntimeError,
     "weight should contain 4 elements not 5"),
    # no channel dim: torch's IndexError in training (in eval its C++ reads past the sizes)
    (lambda: N.batch_norm(ag.randn(4), ag.zeros(4), ag.ones(4)), IndexError,
     r"Dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)"),
])
def test_batch_norm_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- layer norm ------------------------------------------------------------------------------------

LAYER_CASES = [((4, 5), (5,)), ((2, 3, 4), (4,)), ((2, 3, 4), (3, 4))]


@pytest.mark.parametrize("affine", [True, False], ids=["affine", "plain"])
@pytest.mark.parametrize("shape, normalized", LAYER_CASES, ids=str)
def test_layer_norm_parity(shape, normalized, affine, device, rng):
    arrays = [random_array(rng, shape, low=-2.0, high=6.0)]
    if affine:
        arrays += [random_array(rng, normalized), random_array(rng, normalized)]
    out = check_parity(lambda t, x, *wb: F(t).layer_norm(x, normalized, *wb, eps=1e-3), *arrays,
                       device=device, rng=rng)
    assert out[0].grad_fn.name() == "NativeLayerNormBackward0"


@pytest.mark.parametrize("affine", [True, False], ids=["affine", "plain"])
@pytest.mark.parametrize("shape, normalized", [((3, 4), (4,)), ((2, 2, 3), (2, 3))], ids=str)
def test_layer_norm_gradcheck(shape, normalized, affine, device, rng):
    arrays = [random_array(rng, shape)]
    if affine:
        arrays += [random_array(rng, normalized), random_array(rng, normalized)]
    check_grad(lambda t, x, *wb: F(t).layer_norm(x, normalized, *wb), *arrays, device=device)


def test_layer_norm_int_normalized_shape(device, rng):
    """An int means (int,), as nn.LayerNorm passes it (torch's functional wants a sequence)."""
    check_parity(lambda t, x: F(t).layer_norm(x, 4 if t is ag else (4,)),
                 random_array(rng, (3, 4)), device=device, rng=rng)


def test_layer_norm_float16(device, rng):
    x = random_array(rng, (4, 8), "float16")
    ours = N.layer_norm(ag.tensor(x, device=device), (8,))
    theirs = TF.layer_norm(torch.tensor(x).float(), (8,))
    assert ours.dtype is ag.float16
    np.testing.assert_allclose(ours.cpu().numpy().astype("float32"), theirs.numpy(), atol=2e-2)


@pytest.mark.parametrize("call, match", [
    (lambda: N.layer_norm(ag.randn(3, 4), (5,)),
     r"Given normalized_shape=\[5\], expected input with shape \[\*, 5\], but got input of "
     r"size\s*torch.Size\(\[3, 4\]\)"),
    (lambda: N.layer_norm(ag.randn(3), (2, 3)), r"normalized_shape=\[2, 3\]"),
    (lambda: N.layer_norm(ag.randn(3, 4), (4,), weight=ag.ones(5)),
     r"Expected weight to be of same shape as normalized_shape, but got weight of shape \[5\]"),
    (lambda: N.layer_norm(ag.randn(3, 4), ()), "at least 1-dimensional"),
])
def test_layer_norm_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()
