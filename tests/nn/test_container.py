"""Sequential, ModuleList and ModuleDict: indexing, mutation, registration and printing as torch."""
from collections import OrderedDict

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import random_array, torch_or_skip


def test_sequential_forward_matches_torch(device, rng, layer_parity):
    torch = torch_or_skip()

    def build(nn):
        return nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2))

    layer_parity(build(nn).to(device), build(torch.nn), random_array(rng, (4, 5)), device=device)


def test_sequential_indexing_slicing_and_mutation():
    torch = torch_or_skip()

    def build(lib):
        return lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 4), lib.nn.Tanh())

    ours, theirs = build(ag), build(torch)
    assert len(ours) == 4 and isinstance(ours[0], nn.Linear) and ours[-1] is ours[3]
    sliced = ours[1:3]
    assert type(sliced) is nn.Sequential and list(sliced) == [ours[1], ours[2]]
    assert repr(ours[::2]) == repr(theirs[::2])
    with pytest.raises(IndexError, match="index 4 is out of range"):
        ours[4]
    for lib_model, lib in ((ours, ag), (theirs, torch)):
        lib_model.append(lib.nn.Sigmoid())
        lib_model[0] = lib.nn.Linear(2, 3, bias=False)
        del lib_model[1]
        lib_model.insert(1, lib.nn.GELU())
        lib_model.extend(lib.nn.Sequential(lib.nn.Identity()))
    assert repr(ours) == repr(theirs)
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert isinstance(ours.pop(0), nn.Linear) and len(ours) == 5
    theirs.pop(0)
    assert repr(ours + nn.Sequential(nn.ReLU())) == repr(theirs + torch.nn.Sequential(torch.nn.ReLU()))
    doubled = nn.Sequential(nn.ReLU()) * 2
    assert len(doubled) == 2 and doubled[0] is doubled[1]


def test_sequential_from_ordered_dict_keeps_names():
    model = nn.Sequential(OrderedDict([("conv", nn.Conv2d(1, 2, 3)), ("act", nn.ReLU())]))
    assert [n for n, _ in model.named_children()] == ["conv", "act"]
    assert model.conv is model[0]
    assert list(model.state_dict()) == ["conv.weight", "conv.bias"]


def test_module_list(device, rng):
    torch = torch_or_skip()

    def build(lib):
        return lib.nn.ModuleList([lib.nn.Linear(3, 3) for _ in range(3)] + [lib.nn.ReLU()])

    ours, theirs = build(ag), build(torch)
    assert repr(ours) == repr(theirs)
    assert len(ours) == 4 and len(list(ours.parameters())) == 6
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert type(ours[1:3]) is nn.ModuleList and len(ours[1:3]) == 2
    ours.append(nn.Tanh())
    ours.extend([nn.Sigmoid()])
    ours.insert(0, nn.Identity())
    theirs.append(torch.nn.Tanh())
    theirs.extend([torch.nn.Sigmoid()])
    theirs.insert(0, torch.nn.Identity())
    del ours[2]
    del theirs[2]
    assert repr(ours) == repr(theirs)
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList()) == "ModuleList()"
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable, "
                                        "but got int"):
        ours.extend(3)
    # registered: moving the list moves its layers
    ours.to(device)
    assert all(p.device == ag.empty(0, device=device).device for p in ours.parameters())
    x = ag.tensor(random_array(rng, (2, 3)), device=device)
    for layer in ours:
        x = layer(x)
    assert tuple(x.shape) == (2, 3)


def test_module_dict():
    torch = torch_or_skip()

    def build(lib):
        return lib.nn.ModuleDict([("conv", lib.nn.Conv2d(1, 2, 3)), ("pool", lib.nn.MaxPool2d(2))])

    ours, theirs = build(ag), build(torch)
    assert repr(ours) == repr(theirs)
    assert list(ours.keys()) == ["conv", "pool"] and "conv" in ours and len(ours) == 2
    ours.update({"act": nn.ReLU()})
    ours["fc"] = nn.Linear(2, 2)
    theirs.update({"act": torch.nn.ReLU()})
    theirs["fc"] = torch.nn.Linear(2, 2)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert isinstance(ours.pop("act"), nn.ReLU) and list(ours) == ["conv", "pool", "fc"]
    assert [type(m).__name__ for m in ours.values()] == ["Conv2d", "MaxPool2d", "Linear"]
    with pytest.raises(ValueError, match="ModuleDict update sequence element #0 has length 1; "
                                         "2 is required"):
        ours.update([("x",)])
    ours.clear()
    assert len(ours) == 0 and list(ours.parameters()) == []


def test_container_outputs_feed_autograd(device, rng):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    model.to(device)
    x = ag.tensor(random_array(rng, (5, 3)), device=device)
    model(x).sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())
    assert np.any(model[2].weight.grad.cpu().numpy())
