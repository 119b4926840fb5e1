"""nn.Module: registration, traversal, modes, state_dict round trips and errors, device/dtype moves,
hooks and printing, compared with torch on the same model definitions."""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import random_array, torch_or_skip


def resnet_like(nn, num_classes=1000):
    """A two-stage ResNet with torch's attribute names (a small resnet18), built on ``nn``."""

    class BasicBlock(nn.Module):
        def __init__(self, inplanes, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=3, stride=stride, padding=1,
                                   bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = downsample
            self.stride = stride

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return self.relu(out + identity)

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 8, kernel_size=7, stride=2, padding=3, bias=False)
            self.bn1 = nn.BatchNorm2d(8)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
            self.layer1 = nn.Sequential(BasicBlock(8, 8), BasicBlock(8, 8))
            down = nn.Sequential(nn.Conv2d(8, 16, kernel_size=1, stride=2, bias=False),
                                 nn.BatchNorm2d(16))
            self.layer2 = nn.Sequential(BasicBlock(8, 16, 2, down), BasicBlock(16, 16))
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(16, num_classes)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer2(self.layer1(x))
            return self.fc(self.avgpool(x).flatten(1))

    return ResNet()


def mlp(nn):
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


# -- registration ------------------------------------------------------------------------------------

def test_setattr_registers_parameters_buffers_and_modules_in_order():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(ag.randn(2, 3))
            self.register_buffer("stat", ag.zeros(3))
            self.child = nn.Linear(3, 2)
            self.b = nn.Parameter(ag.zeros(2))
            self.plain = ag.ones(1)  # a plain tensor attribute is not registered

    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["w", "b", "child.weight", "child.bias"]
    assert [n for n, _ in net.named_buffers()] == ["stat"]
    assert [n for n, _ in net.named_children()] == ["child"]
    assert list(net.state_dict()) == ["w", "b", "stat", "child.weight", "child.bias"]
    assert net.w is net._parameters["w"] and net.child is net._modules["child"]
    assert "plain" in net.__dict__


def test_reassignment_moves_a_name_between_kinds():
    m = nn.Module()
    m.x = nn.Parameter(ag.ones(2))
    with pytest.raises(TypeError, match=r"cannot assign 'autograd_gpu.nn.modules.linear.Linear' as "
                                        r"parameter 'x' \(torch.nn.Parameter or None expected\)"):
        m.x = nn.Linear(2, 2)
    del m.x
    m.x = nn.Linear(2, 2)
    assert "x" not in m._parameters and m._modules["x"] is m.x
    m.x = nn.Parameter(ag.zeros(1))  # a Parameter replaces the module of the same name
    assert "x" not in m._modules and list(m.parameters())[0] is m.x
    m.x = None  # None keeps the slot, as torch does
    assert m.x is None and "x" in m._parameters and list(m.parameters()) == []
    del m.x
    assert "x" not in m._parameters
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'x'"):
        m.x


def test_registration_errors_match_torch():
    torch = torch_or_skip()

    def message(nn_mod, make, action):
        m = nn_mod.Linear(2, 2)
        with pytest.raises(Exception) as info:
            action(m, make)
        return type(info.value), str(info.value)

    cases = [
        (lambda lib: lib.ones(2), lambda m, v: setattr(m, "weight", v)),
        (lambda lib: lib.ones(2), lambda m, v: m.register_parameter("w2", v)),
        (lambda lib: lib.nn.Parameter(lib.ones(2)), lambda m, v: m.register_parameter("a.b", v)),
        (lambda lib: lib.nn.Parameter(lib.ones(2)), lambda m, v: m.register_parameter("", v)),
        (lambda lib: lib.ones(2), lambda m, v: m.register_buffer("in_features", v)),
        (lambda lib: 3, lambda m, v: m.register_buffer("buf", v)),
        (lambda lib: 3, lambda m, v: m.add_module("child", v)),
        (lambda lib: lib.nn.ReLU(), lambda m, v: m.add_module("a.b", v)),
        (lambda lib: lib.nn.ReLU(), lambda m, v: m.add_module("weight", v)),
    ]
    for make, action in cases:
        ours = message(nn, make(ag), action)
        theirs = message(torch.nn, make(torch), action)
        assert ours == theirs


def test_plain_tensors_are_not_parameters():
    m = nn.Module()
    w = ag.ones(2, requires_grad=True) * 2
    with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' object to parameter"):
        m.register_parameter("w", w)
    p = nn.Parameter(ag.ones(2))
    with pytest.raises(TypeError, match=r"cannot assign 'torch.FloatTensor' as parameter 'w'"):
        m.w = p
        m.w = w


def test_assigning_before_init_raises():
    class Early(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"cannot assign module before Module.__init__\(\) call"):
        Early()


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError,
                       match=r'Module \[Module\] is missing the required "forward"'):
        nn.Module()(ag.ones(1))


# -- traversal -----------------------------------------------------------------------------------------

def test_traversal_names_match_torch():
    torch = torch_or_skip()
    ours, theirs = resnet_like(nn), resnet_like(torch.nn)
    for method in ("named_parameters", "named_buffers", "named_modules", "named_children"):
        assert [n for n, _ in getattr(ours, method)()] == [n for n, _ in getattr(theirs, method)()]
    assert [tuple(p.shape) for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]
    assert [n for n, _ in ours.named_parameters(recurse=False)] == []
    assert [n for n, _ in ours.layer1.named_parameters(prefix="layer1", recurse=True)][:2] == \
        ["layer1.0.conv1.weight", "layer1.0.bn1.weight"]
    assert len(list(ours.modules())) == len(list(theirs.modules()))
    assert len(list(ours.children())) == len(list(theirs.children()))
    assert ours.get_submodule("layer2.0.downsample.1") is ours.layer2[0].downsample[1]


def test_shared_parameters_and_modules_are_listed_once():
    torch = torch_or_skip()

    def tied(lib):
        shared = lib.nn.Linear(3, 3)
        model = lib.nn.Sequential(shared, lib.nn.ReLU(), shared)
        model.extra = lib.nn.Linear(3, 3)
        model.extra.weight = model[0].weight
        return model

    ours, theirs = tied(ag), tied(torch)
    for kwargs in ({}, {"remove_duplicate": False}):
        assert ([n for n, _ in ours.named_parameters(**kwargs)]
                == [n for n, _ in theirs.named_parameters(**kwargs)])
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert len(list(ours.parameters())) == 3


def test_apply_visits_children_first():
    torch = torch_or_skip()
    visited = {"ours": [], "theirs": []}
    resnet_like(nn).apply(lambda m: visited["ours"].append(type(m).__name__))
    resnet_like(torch.nn).apply(lambda m: visited["theirs"].append(type(m).__name__))
    assert visited["ours"] == visited["theirs"]


# -- modes and gradients -------------------------------------------------------------------------------

def test_train_eval_propagate():
    model = resnet_like(nn)
    assert model.training and all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        model.train("yes")


def test_freeze_and_replace_head_fine_tuning(device, rng):
    """Seed 003/000: freeze a ResNet, replace fc, and only the new head gets gradients."""
    model = resnet_like(nn).to(device)
    for param in model.parameters():
        param.requires_grad = False
    model.fc = nn.Linear(16, 10).to(device)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable == ["fc.weight", "fc.bias"]
    assert list(model.state_dict())[-2:] == ["fc.weight", "fc.bias"]
    assert repr(model.fc) == "Linear(in_features=16, out_features=10, bias=True)"
    x = ag.tensor(random_array(rng, (2, 3, 16, 16)), device=device)
    model(x).sum().backward()
    assert all(p.grad is None for n, p in model.named_parameters() if not n.startswith("fc."))
    assert model.fc.weight.grad is not None and tuple(model.fc.weight.grad.shape) == (10, 16)
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_zero_grad(device, rng):
    model = mlp(nn).to(device)
    x = ag.tensor(random_array(rng, (5, 4)), device=device)
    model(x).sum().backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and np.any(g.cpu().numpy()) for g in grads)
    model.zero_grad(set_to_none=False)
    for p, g in zip(model.parameters(), grads):
        assert p.grad is g and not np.any(g.cpu().numpy())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


# -- devices and dtypes --------------------------------------------------------------------------------

def test_to_dtype_keeps_parameter_identity(device, rng):
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3)).to(device)
    x = ag.tensor(random_array(rng, (6, 4)), device=device)
    model(x).sum().backward()
    params = list(model.parameters())
    held = params[0]  # what an optimizer would hold
    before = held.detach().cpu().numpy().astype("float64")
    assert model.double() is model
    assert list(model.parameters()) == params and held is model[0].weight
    assert all(p.dtype == ag.float64 and isinstance(p, nn.Parameter) for p in params)
    assert all(p.grad.dtype == ag.float64 for p in params)
    assert model[1].running_mean.dtype == ag.float64
    assert model[1].num_batches_tracked.dtype == ag.int64  # integer buffers keep their dtype
    np.testing.assert_array_equal(held.detach().cpu().numpy(), before)
    out = model(ag.tensor(random_array(rng, (6, 4)), dtype=ag.float64, device=device))
    assert out.dtype == ag.float64
    model.to(ag.float32)
    assert held.dtype == ag.float32 and held.requires_grad
    model.float()
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point or complex dtypes, "
                                        "but got desired dtype=torch.int64"):
        model.to(ag.int64)


def test_to_device_moves_in_place(device):
    model = mlp(nn)
    held = model[0].weight
    assert model.to(device) is model
    assert held is model[0].weight and held.device == ag.empty(0, device=device).device
    assert all(p.device == ag.empty(0, device=device).device for p in model.parameters())
    model.cpu()
    assert held.device == ag.device("cpu")
    other = ag.zeros(1, dtype=ag.float64, device=device)
    model.to(other)
    assert held.dtype == ag.float64 and str(held.device) == str(other.device)


# -- state_dict ----------------------------------------------------------------------------------------

def test_state_dict_keys_and_values_match_torch():
    torch = torch_or_skip()
    ours, theirs = resnet_like(nn), resnet_like(torch.nn)
    sd = ours.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == list(theirs.state_dict())
    assert "layer1.0.bn1.running_mean" in sd and "layer2.0.downsample.1.num_batches_tracked" in sd
    assert all(type(v) is ag.Tensor and not v.requires_grad for v in sd.values())
    assert sd["bn1.num_batches_tracked"].dtype == ag.int64
    with ag.no_grad():
        ours.conv1.weight.mul_(0)
    assert not np.any(sd["conv1.weight"].numpy())  # detached, but sharing memory
    assert isinstance(ours.state_dict(keep_vars=True)["fc.weight"], nn.Parameter)
    assert list(ours.state_dict(prefix="model.")) == ["model." + k for k in sd]


def test_non_persistent_buffers_stay_out_of_state_dict():
    m = nn.Module()
    m.register_buffer("kept", ag.ones(2))
    m.register_buffer("scratch", ag.ones(2), persistent=False)
    assert [n for n, _ in m.named_buffers()] == ["kept", "scratch"]
    assert list(m.state_dict()) == ["kept"]


def test_load_state_dict_from_torch_copies_in_place(device):
    torch = torch_or_skip()
    torch.manual_seed(0)
    theirs = resnet_like(torch.nn)
    ours = resnet_like(nn).to(device)
    held = ours.fc.weight
    result = ours.load_state_dict({k: ag.tensor(v.numpy(), device=device)
                                   for k, v in theirs.state_dict().items()})
    assert repr(result) == "<All keys matched successfully>"
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert held is ours.fc.weight and held.requires_grad and held.grad_fn is None
    for k, v in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[k].cpu().numpy(), v.numpy(), err_msg=k)


def test_load_state_dict_errors_match_torch_and_load_nothing():
    torch = torch_or_skip()
    torch.manual_seed(0)
    checkpoint = resnet_like(torch.nn, num_classes=10).state_dict()
    del checkpoint["layer1.0.bn1.running_var"]
    checkpoint["head.weight"] = torch.ones(2)
    ours = resnet_like(nn)
    before = {k: v.numpy().copy() for k, v in ours.state_dict().items()}
    with pytest.raises(RuntimeError) as info:
        ours.load_state_dict({k: ag.tensor(v.numpy()) for k, v in checkpoint.items()})
    with pytest.raises(RuntimeError) as expected:
        resnet_like(torch.nn).load_state_dict(checkpoint)
    assert str(info.value) == str(expected.value)
    assert str(info.value).startswith("Error(s) in loading state_dict for ResNet:\n\t"
                                      'Missing key(s) in state_dict: "layer1.0.bn1.running_var". ')
    assert ("size mismatch for fc.weight: copying a param with shape torch.Size([10, 16]) from "
            "checkpoint, the shape in current model is torch.Size([1000, 16]).") in str(info.value)
    for k, v in ours.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k], err_msg=f"{k} changed by a failed load")


def test_load_state_dict_non_strict_reports_keys():
    torch = torch_or_skip()
    src = mlp(torch.nn).state_dict()
    del src["2.bias"]
    src["3.weight"] = torch.ones(1)
    ours = mlp(nn)
    result = ours.load_state_dict({k: ag.tensor(v.numpy()) for k, v in src.items()}, strict=False)
    expected = mlp(torch.nn).load_state_dict(src, strict=False)
    assert result.missing_keys == expected.missing_keys == ["2.bias"]
    assert result.unexpected_keys == expected.unexpected_keys == ["3.weight"]
    assert repr(result) == repr(expected)
    np.testing.assert_array_equal(ours[0].weight.detach().numpy(), src["0.weight"].numpy())


def test_load_state_dict_rejects_non_tensors_like_torch():
    torch = torch_or_skip()
    src = mlp(torch.nn).state_dict()
    with pytest.raises(RuntimeError) as ours:
        mlp(nn).load_state_dict({k: v.numpy() for k, v in src.items()})
    with pytest.raises(RuntimeError) as theirs:
        mlp(torch.nn).load_state_dict({k: v.numpy() for k, v in src.items()})
    assert str(ours.value) == str(theirs.value)


def test_load_state_dict_assign_installs_given_tensors(rng):
    model = mlp(nn)
    sd = {k: ag.tensor(random_array(rng, tuple(v.shape))) for k, v in model.state_dict().items()}
    model.load_state_dict(sd, assign=True)
    assert isinstance(model[0].weight, nn.Parameter) and model[0].weight.requires_grad
    with ag.no_grad():
        sd["0.weight"].mul_(0)
    assert not np.any(model[0].weight.detach().numpy())  # shares the given tensor's memory


@pytest.mark.parametrize("clone_fn", [copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))],
                         ids=["deepcopy", "pickle"])
def test_deepcopy_and_pickle_round_trip(clone_fn):
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4, 2))
    clone = clone_fn(model)
    assert repr(clone) == repr(model)
    assert list(clone.state_dict()) == list(model.state_dict())
    assert all(isinstance(p, nn.Parameter) for p in clone.parameters())
    assert all(a is not b for a, b in zip(clone.parameters(), model.parameters()))
    for (k, a), b in zip(clone.state_dict().items(), model.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)


# -- hooks ---------------------------------------------------------------------------------------------

def test_forward_hooks(rng):
    model = mlp(nn)
    x = ag.tensor(random_array(rng, (2, 4)))
    calls = []
    pre = model.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = model.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    first = model.register_forward_hook(lambda m, args, out: calls.append("first"), prepend=True)
    expected = model[2].bias.detach().numpy() + 1  # zeroed input: relu(b0) @ W2.T + b2 + 1
    hidden = np.maximum(model[0].bias.detach().numpy(), 0)
    expected = hidden @ model[2].weight.detach().numpy().T + expected
    out = model(x)
    np.testing.assert_allclose(out.detach().numpy(), np.broadcast_to(expected, (2, 3)), rtol=1e-6)
    assert calls == ["first", (2, 3)]
    for handle in (pre, post, first):
        handle.remove()
    np.testing.assert_allclose(model(x).detach().numpy(), model.forward(x).detach().numpy())
    assert len(calls) == 2


def test_forward_hooks_with_kwargs():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m = Scale()
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}), with_kwargs=True)
    seen = []
    m.register_forward_hook(lambda mod, args, kwargs, out: seen.append(kwargs["factor"]),
                            with_kwargs=True)
    np.testing.assert_allclose(m(ag.ones(2), factor=2.0).numpy(), [3.0, 3.0])
    assert seen == [3.0]


# -- printing ------------------------------------------------------------------------------------------

def test_nested_repr_matches_torch(norm_bias_torch):
    torch = norm_bias_torch
    assert repr(resnet_like(nn)) == repr(resnet_like(torch.nn))
    assert str(mlp(nn)) == str(mlp(torch.nn))


def test_custom_extra_repr_with_children_and_multiline():
    torch = torch_or_skip()

    def build(lib):
        class Block(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = lib.nn.Sequential(lib.nn.Linear(2, 2))

            def extra_repr(self):
                return "first line\nsecond line"

        return lib.nn.Sequential(Block(), lib.nn.Module())

    assert repr(build(ag)) == repr(build(torch))
