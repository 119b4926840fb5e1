"""The autograd behaviour the five seed tutorials (/work/shared/seeds) show, with their printed
strings and numbers. Each test follows a tutorial cell by cell with ``import autograd_gpu as torch``;
the values the tutorials drew with randn are checked against torch computed on the same values.
"""
import re

import numpy as np
import pytest

import autograd_gpu as ag
from helpers import torch_or_skip

ADDR = r"0x[0-9a-fA-F]+"


def on(device, text):
    """``text`` as torch prints it for a tensor on ``device`` (``device='cuda:0'`` comes first)."""
    if device == "cpu":
        return text
    dev = "cuda:0" if device == "cuda" else device
    m = re.search(r", (size|dtype|grad_fn|requires_grad)=", text)
    if m:
        return f"{text[:m.start()]}, device='{dev}'{text[m.start():]}"
    return f"{text[:-1]}, device='{dev}')"


def node_pattern(name):
    return re.compile(rf"<{name} object at {ADDR}>")


def torch_twin(torch, t, requires_grad=False):
    """A torch cpu tensor with the same values as our ``t``."""
    return torch.tensor(t.detach().cpu().numpy(), requires_grad=requires_grad)


def torch_str(torch, device, t):
    return on(device, str(t))


# -- 001: Q = 3a^3 - b^2, computational graph, exclusion from the DAG, linear regression ---------

def test_q_external_gradient(device, capsys):
    torch = ag
    a = torch.tensor([2.0, 3.0], requires_grad=True, device=device)
    print(a)
    b = torch.tensor([6.0, 4.0], requires_grad=True, device=device)
    print(b)
    Q = 3 * a**3 - b**2
    print(Q)
    external_grad = torch.tensor([1., 1.], device=device)
    Q.backward(gradient=external_grad)
    print(a.grad)
    print(b.grad)
    print(9 * a**2 == a.grad)
    print(-2 * b == b.grad)
    out = capsys.readouterr().out
    assert out == "\n".join([
        on(device, "tensor([2., 3.], requires_grad=True)"),
        on(device, "tensor([6., 4.], requires_grad=True)"),
        on(device, "tensor([-12.,  65.], grad_fn=<SubBackward0>)"),
        on(device, "tensor([36., 81.])"),
        on(device, "tensor([-12.,  -8.])"),
        on(device, "tensor([True, True])"),
        on(device, "tensor([True, True])"),
    ]) + "\n"


def test_vector_jacobian_product_then_zero(device):
    torch = ag
    a = torch.tensor([2.0, 3.0], requires_grad=True, device=device)
    b = torch.tensor([6.0, 4.0], requires_grad=True, device=device)
    Q = 3 * a**3 - b**2
    assert str(Q) == on(device, "tensor([-12.,  65.], grad_fn=<SubBackward0>)")
    Q.backward(gradient=torch.tensor([1., 1.], device=device))
    assert str(a.grad) == on(device, "tensor([36., 81.])")
    # the cell's output: zero_() returns the zeroed gradient itself
    zeroed = a.grad.zero_()
    assert repr(zeroed) == on(device, "tensor([0., 0.])")
    assert zeroed is a.grad


def test_computational_graph_next_functions(device, rng):
    torch = ag
    real = torch_or_skip()
    values = rng.standard_normal((3, 1)).astype("float32")
    x = torch.tensor(values, requires_grad=True, device=device)
    tx = real.tensor(values, requires_grad=True)
    assert str(x) == torch_str(real, device, tx)

    y = x + 1
    ty = tx + 1
    assert str(y) == torch_str(real, device, ty)
    assert y.requires_grad is True
    assert node_pattern("AddBackward0").fullmatch(str(y.grad_fn))

    z = y**2 + 3
    tz = ty**2 + 3
    assert str(z) == torch_str(real, device, tz)
    assert z.requires_grad is True
    assert node_pattern("AddBackward0").fullmatch(str(z.grad_fn))
    nf = z.grad_fn.next_functions
    assert re.fullmatch(rf"\(\(<PowBackward0 object at {ADDR}>, 0\), \(None, 0\)\)", str(nf))
    inner = nf[0][0].next_functions
    assert re.fullmatch(rf"\(\(<AddBackward0 object at {ADDR}>, 0\),\)", str(inner))
    assert inner[0][0] is y.grad_fn  # the same node, at the same address
    assert f"{id(y.grad_fn):#x}" in str(inner).lower()


def test_requires_grad_propagation(device, capsys):
    torch = ag
    x = torch.rand(5, 5, device=device)
    y = torch.rand(5, 5, device=device)
    z = torch.rand((5, 5), requires_grad=True, device=device)
    a = x + y
    print(f"Does `a` require gradients? : {a.requires_grad}")
    b = x + z
    print(f"Does `b` require gradients?: {b.requires_grad}")
    assert capsys.readouterr().out == ("Does `a` require gradients? : False\n"
                                       "Does `b` require gradients?: True\n")
    assert a.grad_fn is None and a.is_leaf
    assert node_pattern("AddBackward0").fullmatch(repr(b.grad_fn))


def test_no_grad_and_detach_stop_tracking(device):
    torch = ag
    x = torch.rand(5, 5, device=device)
    z = torch.rand((5, 5), requires_grad=True, device=device)
    with torch.no_grad():
        c = x + z
    assert c.requires_grad is False and c.grad_fn is None
    d = x + z
    d_detached = d.detach()
    assert d.requires_grad is True
    assert d_detached.requires_grad is False and d_detached.grad_fn is None


def test_linear_regression_step(device, capsys):
    torch = ag
    sample_size, number_features = 2, 3
    x = torch.arange(sample_size * number_features, device=device).reshape(
        sample_size, number_features) * 1.0
    print(x)
    target = torch.arange(2, sample_size + 2, device=device).reshape(sample_size, 1) * 1.0
    print(target)
    w = torch.ones((3, 1), requires_grad=True, device=device)
    print(w)
    print(w.grad)
    output = x.matmul(w)
    print(output)
    print(output.grad_fn)
    loss = ((output - target)**2).mean()
    print(loss)
    loss.backward()
    print(w.grad)

    def update_parameter(w, learning_rate=0.1):
        with torch.no_grad():
            w.add_(w.grad, alpha=-1 * learning_rate)

    update_parameter(w, 0.01)
    print(w)
    lines = capsys.readouterr().out
    expected = "\n".join([
        on(device, "tensor([[0., 1., 2.],\n        [3., 4., 5.]])"),
        on(device, "tensor([[2.],\n        [3.]])"),
        on(device, "tensor([[1.],\n        [1.],\n        [1.]], requires_grad=True)"),
        "None",
        on(device, "tensor([[ 3.],\n        [12.]], grad_fn=<MmBackward0>)"),
        "<MmBackward0 object at ADDR>",
        on(device, "tensor(41., grad_fn=<MeanBackward0>)"),
        on(device, "tensor([[27.],\n        [37.],\n        [47.]])"),
        on(device, "tensor([[0.7300],\n        [0.6300],\n        [0.5300]], requires_grad=True)"),
    ]) + "\n"
    assert re.sub(ADDR, "ADDR", lines) == expected
    assert w.is_leaf and w.requires_grad  # the update did not enter the graph


# -- 002: a polynomial's derivative and the multi-step exercise with retain_grad ---------------

def test_polynomial_derivative(device):
    torch = ag
    x = torch.tensor(2.0, requires_grad=True, device=device)
    y = 2 * x**4 + x**3 + 3 * x**2 + 5 * x + 1
    assert str(y) == on(device, "tensor(63., grad_fn=<AddBackward0>)")
    y.backward()
    assert str(x.grad) == on(device, "tensor(93.)")
    assert x.grad.item() == 93.0


def test_multi_step_exercise_with_retain_grad(device, capsys):
    torch = ag
    x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True, device=device)
    print(x)
    print(x.grad)
    y = 3 * x + 2
    y.retain_grad()
    z = 2 * y**2
    out = z.mean()
    out.backward()
    print(x.grad)
    print(1 / 6 * 4 * y * 3)
    print(y.grad)
    assert capsys.readouterr().out == "\n".join([
        on(device, "tensor([[1., 2., 3.],\n        [3., 2., 1.]], requires_grad=True)"),
        "None",
        on(device, "tensor([[10., 16., 22.],\n        [22., 16., 10.]])"),
        on(device, "tensor([[10., 16., 22.],\n        [22., 16., 10.]], grad_fn=<MulBackward0>)"),
        on(device, "tensor([[3.3333, 5.3333, 7.3333],\n        [7.3333, 5.3333, 3.3333]])"),
    ]) + "\n"
    assert y.retains_grad and not y.is_leaf


def _one_layer_net(device, rng):
    torch = ag
    w_values = rng.standard_normal((5, 3)).astype("float32")
    b_values = rng.standard_normal(3).astype("float32")
    x = torch.ones(5, device=device)
    y = torch.zeros(3, device=device)
    w = torch.tensor(w_values, requires_grad=True, device=device)
    b = torch.tensor(b_values, requires_grad=True, device=device)
    z = torch.matmul(x, w) + b
    return x, y, w, b, z, w_values, b_values


def test_one_layer_net_graph_and_tracking(device, rng):
    torch = ag
    real = torch_or_skip()
    x, y, w, b, z, w_values, b_values = _one_layer_net(device, rng)
    assert str(x) == on(device, "tensor([1., 1., 1., 1., 1.])")
    assert str(y) == on(device, "tensor([0., 0., 0.])")
    tz = real.matmul(real.ones(5), real.tensor(w_values, requires_grad=True)) + \
        real.tensor(b_values, requires_grad=True)
    assert str(z) == torch_str(real, device, tz)
    assert re.fullmatch(rf"Gradient function for z = <AddBackward0 object at {ADDR}>",
                        f"Gradient function for z = {z.grad_fn}")
    assert z.requires_grad is True
    with torch.no_grad():
        z = torch.matmul(x, w) + b
    assert z.requires_grad is False
    z = torch.matmul(x, w) + b
    z_det = z.detach()
    assert z_det.requires_grad is False
    np.testing.assert_array_equal(z_det.cpu().numpy(), tz.detach().numpy())


def test_one_layer_net_bce_with_logits(device, rng):
    try:
        from autograd_gpu.nn.functional import binary_cross_entropy_with_logits
    except (ImportError, AttributeError) as err:
        pytest.skip(f"nn issue: nn.functional.binary_cross_entropy_with_logits is not available "
                    f"yet ({err})")
    real = torch_or_skip()
    x, y, w, b, z, w_values, b_values = _one_layer_net(device, rng)
    loss = binary_cross_entropy_with_logits(z, y)
    tw = real.tensor(w_values, requires_grad=True)
    tb = real.tensor(b_values, requires_grad=True)
    tloss = real.nn.functional.binary_cross_entropy_with_logits(
        real.matmul(real.ones(5), tw) + tb, real.zeros(3))
    assert re.fullmatch(rf"<BinaryCrossEntropyWithLogitsBackward0? object at {ADDR}>",
                        str(loss.grad_fn))
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-5)
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(w.grad.cpu().numpy(), tw.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b.grad.cpu().numpy(), tb.grad.numpy(), rtol=1e-5, atol=1e-6)
    # every row of w.grad is b.grad, as the tutorial's printout shows (x is all ones)
    for row in w.grad.cpu().numpy():
        np.testing.assert_allclose(row, b.grad.cpu().numpy(), rtol=1e-6)


# -- 000: Jacobian products with retain_graph, accumulation, grad.zero_() ----------------------

def test_eye_accumulation_and_zeroing(device, capsys):
    torch = ag
    inp = torch.eye(5, requires_grad=True, device=device)
    out = (inp + 1).pow(2)
    out.backward(torch.ones_like(inp), retain_graph=True)
    print("First call\n", inp.grad)
    out.backward(torch.ones_like(inp), retain_graph=True)
    print("\nSecond call\n", inp.grad)
    inp.grad.zero_()
    out.backward(torch.ones_like(inp), retain_graph=True)
    print("\nCall after zeroing gradients\n", inp.grad)
    first = on(device, "tensor([[4., 2., 2., 2., 2.],\n        [2., 4., 2., 2., 2.],\n"
                       "        [2., 2., 4., 2., 2.],\n        [2., 2., 2., 4., 2.],\n"
                       "        [2., 2., 2., 2., 4.]])")
    second = on(device, "tensor([[8., 4., 4., 4., 4.],\n        [4., 8., 4., 4., 4.],\n"
                        "        [4., 4., 8., 4., 4.],\n        [4., 4., 4., 8., 4.],\n"
                        "        [4., 4., 4., 4., 8.]])")
    assert capsys.readouterr().out == (
        f"First call\n {first}\n\nSecond call\n {second}\n\nCall after zeroing gradients\n {first}\n")


def test_frozen_parameters_get_no_gradient(device, rng):
    torch = ag
    params = [torch.tensor(rng.standard_normal((4, 3)).astype("float32"), requires_grad=True,
                           device=device) for _ in range(2)]
    for param in params:
        param.requires_grad = False
    head = torch.tensor(rng.standard_normal(3).astype("float32"), requires_grad=True,
                        device=device)
    x = torch.tensor(rng.standard_normal(4).astype("float32"), device=device)
    loss = ((x @ params[0] + x @ params[1]) * head).sum()
    loss.backward()
    assert all(p.grad is None and not p.requires_grad for p in params)
    expected = (x @ params[0] + x @ params[1]).cpu().numpy()
    np.testing.assert_allclose(head.grad.cpu().numpy(), expected, rtol=1e-6)


# -- 004: randn with requires_grad, mean and backward, vJp, stopping tracking, accumulation ---

def test_randn_mean_backward_and_vjp(device, rng, capsys):
    torch = ag
    real = torch_or_skip()
    values = rng.standard_normal(3).astype("float32")
    x = torch.tensor(values, requires_grad=True, device=device)
    tx = real.tensor(values, requires_grad=True)
    print(x, x.dtype)
    assert capsys.readouterr().out == f"{torch_str(real, device, tx)} torch.float32\n"

    y = x + 2
    z = y * y * 2
    assert node_pattern("MulBackward0").fullmatch(str(z.grad_fn))
    z = z.mean()
    ty = tx + 2
    tz = (ty * ty * 2).mean()
    assert str(y) == torch_str(real, device, ty)
    assert str(z) == torch_str(real, device, tz)
    z.backward()
    tz.backward()
    assert str(x.grad) == torch_str(real, device, tx.grad)

    # a vector-Jacobian product; the gradient accumulates onto the first one
    y = x + 2
    z = y * y * 2
    v = torch.tensor([0.1, 1.0, 0.001], dtype=torch.float32, device=device)
    z.backward(v)
    ty = tx + 2
    (ty * ty * 2).backward(real.tensor([0.1, 1.0, 0.001], dtype=real.float32))
    np.testing.assert_allclose(x.grad.cpu().numpy(), tx.grad.numpy(), rtol=1e-6)
    assert str(x.grad) == torch_str(real, device, tx.grad)


def test_three_ways_to_stop_tracking(device, rng):
    torch = ag
    real = torch_or_skip()
    values = rng.standard_normal(3).astype("float32")
    x = torch.tensor(values, requires_grad=True, device=device)
    y = x + 2
    assert x.requires_grad_(False) is x
    assert repr(x) == torch_str(real, device, real.tensor(values))
    assert "requires_grad" not in repr(x)
    assert repr(y).endswith("grad_fn=<AddBackward0>)")  # y keeps its history
    y = x.detach()
    assert repr(y) == torch_str(real, device, real.tensor(values))
    x.requires_grad_(True)
    with torch.no_grad():
        z = x + 2
    assert repr(z) == torch_str(real, device, real.tensor(values) + 2)
    assert z.grad_fn is None and not z.requires_grad


def test_gradient_accumulation_loop(device, capsys):
    torch = ag
    weights = torch.ones(4, requires_grad=True, device=device)
    for epoch in range(3):
        model_output = (weights * 3).sum()
        model_output.backward()
        print(weights.grad)
        weights.grad.zero_()
    assert capsys.readouterr().out == (on(device, "tensor([3., 3., 3., 3.])") + "\n") * 3
    # without zero_() the same loop accumulates
    for epoch in range(3):
        (weights * 3).sum().backward()
    assert str(weights.grad) == on(device, "tensor([9., 9., 9., 9.])")


def test_dtype_prints_like_torch(device):
    torch = ag
    x = torch.randn(3, requires_grad=True, device=device)
    assert str(x.dtype) == "torch.float32"
    assert repr(torch.float64) == "torch.float64"
