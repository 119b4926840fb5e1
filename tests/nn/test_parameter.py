"""nn.Parameter: a Tensor subclass sharing its source's data, printed as torch prints it."""
import copy
import pickle

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import random_array, torch_or_skip


def test_parameter_shares_data_and_requires_grad(device, rng):
    src = ag.tensor(random_array(rng, (3, 4)), device=device)
    p = nn.Parameter(src)
    assert isinstance(p, ag.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert p.device == src.device and p.dtype == src.dtype
    with ag.no_grad():
        src.mul_(2)
    np.testing.assert_allclose(p.detach().cpu().numpy(), src.cpu().numpy())
    assert not nn.Parameter(src, requires_grad=False).requires_grad


def test_parameter_default_is_empty():
    p = nn.Parameter()
    assert tuple(p.shape) == (0,) and p.requires_grad


def test_parameter_rejects_integer_data_and_non_tensors():
    torch = torch_or_skip()
    with pytest.raises(RuntimeError) as ours:
        nn.Parameter(ag.tensor([1, 2]))
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.Parameter(torch.tensor([1, 2]))
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(TypeError, match="Parameter"):
        nn.Parameter([1.0, 2.0])


@pytest.mark.parametrize("shape", [(3,), (2, 3), ()])
def test_parameter_repr_matches_torch(rng, shape):
    torch = torch_or_skip()
    values = random_array(rng, shape)
    ours = nn.Parameter(ag.tensor(values))
    theirs = torch.nn.Parameter(torch.tensor(values))
    assert repr(ours) == repr(theirs)
    assert str(ours) == str(theirs)
    frozen = nn.Parameter(ag.tensor(values), requires_grad=False)
    assert repr(frozen) == repr(torch.nn.Parameter(torch.tensor(values), requires_grad=False))


def test_ops_on_parameter_return_plain_tensors(device, rng):
    p = nn.Parameter(ag.tensor(random_array(rng, (2, 3)), device=device))
    y = p * 2
    assert type(y) is ag.Tensor and y.grad_fn is not None
    assert type(p.detach()) is ag.Tensor and type(p.data) is ag.Tensor
    y.sum().backward()
    np.testing.assert_allclose(p.grad.cpu().numpy(), np.full((2, 3), 2.0))


def test_parameter_deepcopy_and_pickle_keep_the_class(device, rng):
    values = random_array(rng, (2, 2))
    p = nn.Parameter(ag.tensor(values, device=device))
    for clone in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(clone) is nn.Parameter and clone.requires_grad
        assert clone.device == p.device
        np.testing.assert_array_equal(clone.detach().cpu().numpy(), values)
        with ag.no_grad():
            clone.zero_()
        np.testing.assert_array_equal(p.detach().cpu().numpy(), values)
    frozen = nn.Parameter(ag.tensor(values), requires_grad=False)
    assert not pickle.loads(pickle.dumps(frozen)).requires_grad
