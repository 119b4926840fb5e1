"""nn.utils against torch: clip_grad_norm_ (every norm type, the returned total, the scaled
gradients, nothing scaled below the limit, error_if_nonfinite), clip_grad_value_, and the
parameters <-> vector converters."""
import math

import numpy as np
import pytest

import autograd_gpu as ag
from helpers import assert_torch_wording, random_array, torch_or_skip


def _params(lib, arrays, grads, device):
    dev = "cuda" if device.startswith("cuda") and lib is not ag else device
    params = [lib.tensor(a, device=dev, requires_grad=True) for a in arrays]
    for p, g in zip(params, grads):
        if g is not None:
            p.grad = lib.tensor(g, device=dev)
    return params


def _host(t):
    return t.detach().cpu().numpy()


SHAPES = [(3, 4), (5,), (2, 2, 2)]


@pytest.mark.parametrize("norm_type", [2.0, 1, math.inf, -math.inf, 3, 0.5, 0])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, device, rng):
    torch = torch_or_skip()
    if device.startswith("cuda") and not torch.cuda.is_available():
        pytest.skip("torch has no cuda here: no oracle for the cuda run")
    arrays = [random_array(rng, s) for s in SHAPES]
    grads = [random_array(rng, s, low=-3, high=3) for s in SHAPES]
    grads[1] = None  # a parameter without a gradient is skipped
    ours, theirs = _params(ag, arrays, grads, device), _params(torch, arrays, grads, device)
    total = ag.nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert total.shape == () and total.device == ours[0].device
    np.testing.assert_allclose(_host(total), _host(expected), rtol=1e-5)
    for p, q in zip(ours, theirs):
        if q.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(_host(p.grad), _host(q.grad), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_single_tensor_and_no_grads(device, rng):
    p = ag.tensor(random_array(rng, (4,)), device=device, requires_grad=True)
    assert float(ag.nn.utils.clip_grad_norm_(p, 1.0)) == 0.0  # no gradient yet
    p.grad = ag.tensor(np.array([3., 0., 4., 0.], dtype="float32"), device=device)
    assert float(ag.nn.utils.clip_grad_norm_(p, 1.0)) == pytest.approx(5.0)
    np.testing.assert_allclose(_host(p.grad), [0.6, 0, 0.8, 0], rtol=1e-5)


def test_clip_grad_norm_nonfinite(device):
    torch = torch_or_skip()
    p = ag.tensor([1., 2.], device=device, requires_grad=True)
    p.grad = ag.tensor([float("inf"), 1.], device=device)
    with pytest.raises(RuntimeError) as ours:
        ag.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert p.grad.tolist() == [float("inf"), 1.]  # refused: nothing scaled
    q = torch.tensor([1., 2.], requires_grad=True)
    q.grad = torch.tensor([float("inf"), 1.])
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.utils.clip_grad_norm_([q], 1.0, error_if_nonfinite=True)
    assert_torch_wording(str(ours.value), str(theirs.value))
    assert math.isinf(float(ag.nn.utils.clip_grad_norm_([p], 1.0)))  # scaled by inf: as torch


def test_clip_grad_value_matches_torch(device, rng):
    torch = torch_or_skip()
    arrays = [random_array(rng, s) for s in SHAPES]
    grads = [random_array(rng, s, low=-3, high=3) for s in SHAPES]
    ours, theirs = _params(ag, arrays, grads, "cpu"), _params(torch, arrays, grads, "cpu")
    ours = [p.to(device).detach().requires_grad_() for p in ours]
    for p, g in zip(ours, grads):
        p.grad = ag.tensor(g, device=device)
    ag.nn.utils.clip_grad_value_(ours, 0.75)
    torch.nn.utils.clip_grad_value_(theirs, 0.75)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(_host(p.grad), _host(q.grad))


def test_clipping_inside_a_training_step_records_nothing(device, rng):
    model = ag.nn.Linear(4, 3).to(device)
    x = ag.tensor(random_array(rng, (5, 4)), device=device)
    model(x).pow(2).sum().backward()
    ag.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
    assert all(p.grad.grad_fn is None and not p.grad.requires_grad for p in model.parameters())
    total = sum(float((p.grad * p.grad).sum()) for p in model.parameters()) ** 0.5
    assert total == pytest.approx(0.1, rel=1e-4)


def test_parameters_to_vector_and_back(device, rng):
    torch = torch_or_skip()
    arrays = [random_array(rng, s) for s in SHAPES]
    ours = [ag.tensor(a, device=device, requires_grad=True) for a in arrays]
    vec = ag.nn.utils.parameters_to_vector(ours)
    expected = torch.nn.utils.parameters_to_vector([torch.tensor(a) for a in arrays])
    np.testing.assert_array_equal(_host(vec), expected.numpy())
    (vec * ag.arange(vec.numel(), device=device)).sum().backward()  # differentiable, as torch's
    np.testing.assert_array_equal(_host(ours[1].grad), np.arange(12, 17))
    new = ag.tensor(random_array(rng, (vec.numel(),)), device=device)
    ag.nn.utils.vector_to_parameters(new, ours)
    np.testing.assert_array_equal(_host(ours[2]).reshape(-1), _host(new)[17:])
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        ag.nn.utils.vector_to_parameters([1.0], ours)
