"""Activations, softmax/log_softmax, dropout and embedding against torch: values and gradients,
float64 gradcheck and gradgradcheck, numerics of huge logits, float16, grad_fn names, errors."""
import warnings

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu.ops import activation as A
from helpers import check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()
TF = torch.nn.functional


def F(t):
    """The functional namespace of the framework ``t`` (ours or torch's)."""
    return A if t is ag else TF


ACTIVATIONS = {  # name: (fn, torch's grad_fn name)
    "softmax_dim1": (lambda t, x: F(t).softmax(x, dim=1), "SoftmaxBackward0"),
    "softmax_dim0": (lambda t, x: F(t).softmax(x, dim=0), "SoftmaxBackward0"),
    "softmax_last": (lambda t, x: F(t).softmax(x, dim=-1), "SoftmaxBackward0"),
    "log_softmax_dim1": (lambda t, x: F(t).log_softmax(x, dim=1), "LogSoftmaxBackward0"),
    "log_softmax_dim0": (lambda t, x: F(t).log_softmax(x, dim=0), "LogSoftmaxBackward0"),
    "log_softmax_last": (lambda t, x: F(t).log_softmax(x, dim=-1), "LogSoftmaxBackward0"),
    "gelu": (lambda t, x: F(t).gelu(x), "GeluBackward0"),
    "gelu_tanh": (lambda t, x: F(t).gelu(x, approximate="tanh"), "GeluBackward0"),
    "leaky_relu": (lambda t, x: F(t).leaky_relu(x), "LeakyReluBackward0"),
    "leaky_relu_0.2": (lambda t, x: F(t).leaky_relu(x, 0.2), "LeakyReluBackward0"),
    "leaky_relu_negative_slope": (lambda t, x: F(t).leaky_relu(x, negative_slope=-0.5),
                                  "LeakyReluBackward0"),
    "silu": (lambda t, x: F(t).silu(x), "SiluBackward0"),
    "elu": (lambda t, x: F(t).elu(x), "EluBackward0"),
    "elu_alpha": (lambda t, x: F(t).elu(x, alpha=0.5), "EluBackward0"),
}


@pytest.mark.parametrize("shape", [(3, 5), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_parity(name, shape, device, rng):
    x = random_array(rng, shape, low=-4.0, high=4.0)
    check_parity(ACTIVATIONS[name][0], x, device=device, rng=rng)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_gradcheck(name, device, rng):
    x = random_array(rng, (2, 3), low=-3.0, high=3.0)
    x[np.abs(x) < 0.05] = 0.3  # keep central differences away from the kinks of leaky_relu/elu
    check_grad(ACTIVATIONS[name][0], x, device=device)


@pytest.mark.parametrize("name", ["gelu", "gelu_tanh", "silu", "softmax_dim1",
                                  "log_softmax_dim1"])
def test_third_derivative(name, device, rng):
    """The backward of the backward is differentiable too: gradgradcheck of the gradient."""
    fn = ACTIVATIONS[name][0]
    seed = random_array(rng, (2, 3), "float64")

    def grad_of(t, x):
        with t.enable_grad():  # gradcheck evaluates its numerical side under no_grad
            y = fn(t, x)
            (g,) = t.autograd.grad(y, x, t.tensor(seed, device=x.device), create_graph=True)
        return g

    check_grad(grad_of, random_array(rng, (2, 3)), device=device)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_grad_fn_name(name, rng):
    x = random_array(rng, (2, 3))
    fn, expected = ACTIVATIONS[name]
    assert fn(ag, ag.tensor(x, requires_grad=True)).grad_fn.name() == expected
    assert fn(torch, torch.tensor(x, requires_grad=True)).grad_fn.name() == expected


def test_gelu_matches_torch_in_float64_far_tails(device):
    """The erfc series keeps float64 gelu at torch's precision, deep in both tails."""
    x = np.concatenate([np.linspace(-40, 40, 801), [-1e-8, 1e-8, 0.0]])
    check_parity(lambda t, v: F(t).gelu(v), x, device=device, atol=1e-14, rtol=1e-12)


# -- softmax numerics, implicit dims, dtypes -------------------------------------------------------

@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_huge_logits_float32(fn, device, rng):
    x = np.array([[1e4, -1e4, 0.0, 1e4 - 3], [-1e4, -1e4 + 1, -1e4 + 2, -1e4]], dtype="float32")
    out = check_parity(lambda t, v: getattr(F(t), fn)(v, dim=1), x, device=device, rng=rng)
    assert np.isfinite(out[0].detach().cpu().numpy()).all()


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_implicit_dim_warns_like_torch(fn, rng):
    x = random_array(rng, (3, 4))
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        ours = getattr(A, fn)(ag.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(TF, fn)(torch.tensor(x))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_zero_dim_input(fn, device):
    check_parity(lambda t, v: getattr(F(t), fn)(v, dim=0), np.array(1.5, dtype="float32"),
                 device=device)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_zero_dim_output_takes_in_place_ops(fn, device):
    x = ag.tensor(1.5, device=device)
    y = getattr(F(ag), fn)(x, dim=0)
    y.add_(1.0)  # the result holds an array, not a numpy scalar
    expected = 2.0 if fn == "softmax" else 1.0
    assert y.item() == expected


@pytest.mark.parametrize("fn, node", [("log_softmax", "LogSoftmax"), ("softmax", "Softmax")])
def test_softmax_double_backward_graph_matches_torch(fn, node, device, rng):
    """The gradient is one (Log)SoftmaxBackwardDataBackward0 node, fed by (grad_output, output)."""
    x, seed = random_array(rng, (3, 4)), random_array(rng, (3, 4))
    graphs = []
    for t, dev in ((ag, device), (torch, "cpu")):
        xt = t.tensor(x, device=dev, requires_grad=True)
        y = getattr(F(t), fn)(xt, dim=1)
        (g,) = t.autograd.grad(y, xt, t.tensor(seed, device=dev), create_graph=True)
        graphs.append((g.grad_fn.name(), [None if f is None else f.name()
                                          for f, _ in g.grad_fn.next_functions]))
    assert graphs[0] == graphs[1] == (f"{node}BackwardDataBackward0",
                                      [None, f"{node}Backward0"])


@pytest.mark.parametrize("shape, dim", [((4, 300), 1), ((3, 1000), -1), ((2, 5, 7), 1),
                                        ((3, 300, 2), 1), ((6, 10), 0)], ids=str)
@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_row_layouts(fn, shape, dim, device, rng):
    """Rows longer than a GPU block, short rows and inner dims: each layout the kernels take."""
    x = random_array(rng, shape, low=-6.0, high=6.0)
    check_parity(lambda t, v: getattr(F(t), fn)(v, dim=dim), x, device=device, rng=rng)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_gradgradcheck_inner_dim(fn, device, rng):
    check_grad(lambda t, v: getattr(F(t), fn)(v, dim=1), random_array(rng, (2, 4, 3)),
               device=device)


def test_softmax_dtype_argument(device, rng):
    x = random_array(rng, (2, 5))
    out = check_parity(lambda t, v: F(t).softmax(v, dim=1, dtype=t.float64), x, device=device,
                       rng=rng)
    assert out[0].dtype is ag.float64


@pytest.mark.parametrize("name", ["softmax_dim1", "log_softmax_dim1", "gelu", "gelu_tanh", "silu",
                                  "leaky_relu", "elu"])
def test_float16(name, device, rng):
    x = random_array(rng, (4, 6), "float16", low=-3.0, high=3.0)
    check_parity(ACTIVATIONS[name][0], x, device=device, rng=rng, atol=2e-3, rtol=2e-2)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_integer_input_raises(name):
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        ACTIVATIONS[name][0](ag, ag.arange(6).reshape(2, 3))


def test_gelu_bad_approximate():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        A.gelu(ag.randn(3), approximate="erf")


INPLACE = {  # name: (fn applied to a non-leaf, grad_fn name)
    "relu": (lambda t, h: t.nn.functional.relu(h, inplace=True), "ReluBackward0"),
    "leaky_relu": (lambda t, h: F(t).leaky_relu(h, 0.2, inplace=True), "LeakyReluBackward1"),
    "elu": (lambda t, h: F(t).elu(h, 0.7, inplace=True), "EluBackward1"),
    "silu": (lambda t, h: F(t).silu(h, inplace=True), "SiluBackward0"),
}


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_variants(name, device, rng):
    fn, node = INPLACE[name]

    def through_non_leaf(t, x):
        h = x * 1.5
        y = fn(t, h)
        assert y is h
        assert y.grad_fn is None or y.grad_fn.name() == node  # None: gradcheck's no_grad passes
        return y

    check_parity(through_non_leaf, random_array(rng, (3, 4)), device=device, rng=rng)
    x = random_array(rng, (2, 3))
    x[np.abs(x) < 0.05] = 0.3
    check_grad(through_non_leaf, x, device=device)


@pytest.mark.parametrize("layout", ["contiguous", "strided"])
def test_relu_inplace_writes_the_tensors_own_memory(layout, device, rng):
    """No new array and no copy back: the tensor's array is the one written, and a view of it (or
    the tensor it is a view of) sees the result; the version moves once, as torch's."""
    base = ag.tensor(random_array(rng, (4, 6)), device=device)
    x = base if layout == "contiguous" else base[:, ::2]
    array, expected = x._data, np.maximum(x.cpu().numpy(), 0)
    assert x.relu_() is x and x._data is array
    np.testing.assert_array_equal(x.cpu().numpy(), expected)
    np.testing.assert_array_equal(base.cpu().numpy()[:, ::2] if layout == "strided"
                                  else base.cpu().numpy(), expected)
    assert x._version[0] == 1
    with pytest.raises(RuntimeError, match="Boolean inputs not supported for relu"):
        ag.ones(2, dtype=ag.bool, device=device).relu_()


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_on_leaf_refused(name):
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an "
                                           "in-place operation"):
        INPLACE[name][0](ag, ag.randn(3, requires_grad=True))


@pytest.mark.parametrize("fn, kind", [(lambda h: A.leaky_relu(h, -0.1, inplace=True), "leakyReLu"),
                                      (lambda h: A.elu(h, -0.5, inplace=True), "elu")])
def test_inplace_negative_slope_refused_at_backward(fn, kind):
    x = ag.randn(3, requires_grad=True)
    y = fn(x * 1.0)
    with pytest.raises(RuntimeError, match=f"In-place {kind} backward calculation is triggered "
                                           "with a negative slope"):
        y.sum().backward()


# -- dropout ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_mask_scale_and_gradient(p, device):
    ag.manual_seed(0)
    x = ag.rand(200, 100, device=device, requires_grad=True)
    y = A.dropout(x + 0.5, p)
    assert y.grad_fn.name() == "MulBackward0"
    kept = (y != 0).cpu().numpy()
    assert abs(kept.mean() - (1 - p)) < 0.02
    ratio = (y.detach().cpu().numpy() / (x.detach().cpu().numpy() + 0.5))
    np.testing.assert_allclose(ratio[kept], 1 / (1 - p), rtol=1e-5)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), kept / (1 - p), rtol=1e-5)


def test_dropout_reproducible_with_manual_seed(device):
    x = ag.ones(50, device=device)
    ag.manual_seed(7)
    a = A.dropout(x, 0.5).cpu().numpy()
    ag.manual_seed(7)
    b = A.dropout(x, 0.5).cpu().numpy()
    np.testing.assert_array_equal(a, b)
    assert 0 < (a == 0).sum() < 50


def test_dropout_identity_cases(device):
    x = ag.randn(4, 5, device=device, requires_grad=True)
    assert A.dropout(x, 0.0) is x
    assert A.dropout(x, 0.7, training=False) is x


def test_dropout_p_one_zeroes(device):
    x = ag.randn(4, 5, device=device, requires_grad=True)
    y = A.dropout(x, 1.0)
    assert not y.detach().cpu().numpy().any()
    y.sum().backward()
    assert not x.grad.cpu().numpy().any()


def test_dropout_inplace(device):
    ag.manual_seed(3)
    base = ag.randn(6, 7, device=device, requires_grad=True)
    x = base * 1.0
    y = A.dropout(x, 0.5, inplace=True)
    assert y is x and x.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    kept = (y != 0).cpu().numpy()
    np.testing.assert_allclose(base.grad.cpu().numpy(), kept * 2.0)


def test_dropout_gradcheck_with_fixed_mask(device, rng):
    def fn(t, x):
        t.manual_seed(11)
        return A.dropout(x, 0.4)

    check_grad(fn, random_array(rng, (3, 4)), device=device)


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_bad_probability(p):
    with pytest.raises(ValueError,
                       match=f"dropout probability has to be between 0 and 1, but got {p}"):
        A.dropout(ag.randn(3), p)


# -- embedding -------------------------------------------------------------------------------------

EMBED_CASES = {  # name: (indices, padding_idx)
    "repeated": (np.array([0, 3, 3, 1, 3, 0]), None),
    "two_dim": (np.array([[1, 4, 4], [0, 2, 4]]), None),
    "padding": (np.array([[1, 2, 2], [0, 2, 4]]), 2),
    "padding_negative": (np.array([4, 1, 4, 3]), -1),
    "int32": (np.array([2, 2, 0], dtype="int32"), None),
}


@pytest.mark.parametrize("name", EMBED_CASES)
def test_embedding_parity(name, device, rng):
    indices, padding_idx = EMBED_CASES[name]
    weight = random_array(rng, (5, 3))
    out = check_parity(lambda t, w, i: F(t).embedding(i, w, padding_idx=padding_idx), weight,
                       indices, device=device, rng=rng)
    assert out[0].grad_fn.name() == "EmbeddingBackward0"


def test_embedding_padding_row_gets_no_gradient(device, rng):
    w = ag.tensor(random_array(rng, (4, 2)), device=device, requires_grad=True)
    A.embedding(ag.tensor([[1, 1], [3, 1]], device=device), w, padding_idx=1).sum().backward()
    np.testing.assert_array_equal(w.grad.cpu().numpy(), [[0, 0], [0, 0], [0, 0], [1, 1]])


def test_embedding_gradcheck(device, rng):
    """Without padding_idx: that row's gradient is zeroed by definition, not by calculus."""
    idx = np.array([[0, 2, 2], [3, 0, 2]])
    check_grad(lambda t, w: F(t).embedding(t.tensor(idx, device=w.device), w),
               random_array(rng, (4, 3)), device=device)


def test_embedding_graph_has_only_the_weight(rng):
    w = ag.tensor(random_array(rng, (4, 2)), requires_grad=True)
    y = A.embedding(ag.tensor([0, 1]), w)
    assert [type(f).__name__ for f, _ in y.grad_fn.next_functions] == ["AccumulateGrad"]


@pytest.mark.parametrize("call, error, match", [
    (lambda: A.embedding(ag.tensor([0.0, 1.0]), ag.randn(3, 2)), RuntimeError,
     "to have one of the following scalar types: Long, Int; but got torch.FloatTensor"),
    (lambda: A.embedding(ag.tensor([0, 3]), ag.randn(3, 2)), IndexError, "index out of range"),
    (lambda: A.embedding(ag.tensor([0, -1]), ag.randn(3, 2)), IndexError, "index out of range"),
    (lambda: A.embedding(ag.tensor([0, 1]), ag.randn(3, 2), padding_idx=5), AssertionError,
     "Padding_idx must be within num_embeddings"),
    (lambda: A.embedding(ag.tensor([0, 1]), ag.randn(3)), RuntimeError, "'weight' must be 2-D"),
])
def test_embedding_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
