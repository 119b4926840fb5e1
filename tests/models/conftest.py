"""Fixtures for the model tests: the torch oracle of torchvision's ResNet (``torch_resnet.py``,
loaded by path because torchvision cannot be installed here), pairs of nets with the same weights,
and a tolerance for deep float32 networks.

Building a ResNet costs most of a second (random init of millions of weights), so each
architecture is built once per session and the tests get deep copies."""
import copy
import importlib.util
import pathlib

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import models
from helpers import torch_or_skip

TORCH_RESNET_PATH = pathlib.Path(__file__).with_name("torch_resnet.py")


def load_torch_resnet():
    torch_or_skip()
    spec = importlib.util.spec_from_file_location("torch_resnet", TORCH_RESNET_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def torch_resnet():
    """The reference module: ``torch_resnet.resnet18(num_classes=...)`` builds torchvision's net."""
    return load_torch_resnet()


def reference(torch_resnet, arch="resnet18", seed=0, **kwargs):
    """torchvision's net with a fixed seed, its BatchNorms given random affine parameters and
    running statistics (a fresh net's are 1, 0, 0, 1, which would make eval mode trivial)."""
    torch = torch_or_skip()
    torch.manual_seed(seed)
    model = getattr(torch_resnet, arch)(**kwargs)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
    return model


def _copy_from_torch(ours, theirs, device="cpu"):
    return ours.load_state_dict({k: ag.tensor(v.detach().numpy(), device=device)
                                 for k, v in theirs.state_dict().items()})


@pytest.fixture
def copy_from_torch():
    """``copy_from_torch(ours, theirs, device)`` loads theirs' state_dict into ours (strictly),
    through our tensors on ``device``, and returns load_state_dict's result."""
    return _copy_from_torch


@pytest.fixture(scope="session")
def _built(torch_resnet):
    cache = {}

    def get(arch):
        if arch not in cache:
            ref = reference(torch_resnet, arch)
            ours = getattr(models, arch)()
            _copy_from_torch(ours, ref)
            cache[arch] = ours, ref
        return cache[arch]
    return get


@pytest.fixture
def nets(_built):
    """``nets(arch, device)`` -> (ours on device, torchvision's reference), fresh copies with the
    same weights (the reference's BatchNorms randomised, see ``reference``)."""
    def make(arch="resnet18", device="cpu"):
        ours, ref = _built(arch)
        return copy.deepcopy(ours).to(device), copy.deepcopy(ref)
    return make


def to_numpy(t):
    return np.asarray(t.detach().cpu().numpy())


def _assert_close(ours, theirs, rtol=1e-4, scale_atol=1e-5, err_msg=""):
    a, b = to_numpy(ours), to_numpy(theirs)
    assert a.shape == b.shape, f"{err_msg}: shape {a.shape} != torch {b.shape}"
    assert np.any(b), f"{err_msg}: the reference is all zeros, the comparison would prove nothing"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=scale_atol * float(np.abs(b).max()),
                               err_msg=err_msg)


@pytest.fixture
def assert_close():
    """``assert_close(ours, theirs, err_msg=...)``: an absolute tolerance scaled to the reference's
    magnitude, since numpy and torch order the float32 sums of a deep network differently."""
    return _assert_close
