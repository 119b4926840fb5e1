"""The optimizers' step as one backend primitive per parameter group (one multi-tensor kernel
launch on cuda): call and launch counts, groups the kernels split (several dtypes, step numbers, a
strided parameter), torch's state layout without momentum, and the in-place bookkeeping autograd
relies on."""
import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu.backend import kernels
from helpers import random_array, torch_or_skip

F32 = {"rtol": 2e-6, "atol": 1e-6}

MAKERS = {
    "sgd": lambda lib, groups: lib.optim.SGD(groups, lr=0.05, momentum=0.9, nesterov=True,
                                             weight_decay=0.01),
    "adam": lambda lib, groups: lib.optim.Adam(groups, lr=0.01, amsgrad=True, weight_decay=0.1),
    "adamw": lambda lib, groups: lib.optim.AdamW(groups, lr=0.01, maximize=True),
}
PRIMITIVE = {"sgd": "sgd_step", "adam": "adam_step", "adamw": "adam_step"}


def paired(rng, device, shapes, dtypes):
    arrays = [random_array(rng, s, d) for s, d in zip(shapes, dtypes)]
    torch = torch_or_skip()
    return ([ag.tensor(a, device=device, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def give_grads(rng, ours, theirs, skip=()):
    torch = torch_or_skip()
    for i, (a, t) in enumerate(zip(ours, theirs)):
        if i in skip:
            a.grad = t.grad = None
            continue
        g = random_array(rng, tuple(t.shape), str(t.dtype).removeprefix("torch."))
        a.grad, t.grad = ag.tensor(g, device=a.device), torch.tensor(g)


def assert_close(ours, theirs):
    for i, (a, t) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a.detach().cpu().numpy(), t.detach().numpy(), **F32,
                                   err_msg=f"parameter {i}")


@pytest.mark.parametrize("name", MAKERS)
def test_step_is_one_primitive_call_and_one_launch_per_group(name, device, rng, monkeypatch):
    ours, theirs = paired(rng, device, [(5, 4), (4,), (3, 3), (7,), ()], ["float32"] * 5)
    make = MAKERS[name]
    opt_ours = make(ag, [{"params": ours[:3]}, {"params": ours[3:], "lr": 0.02}])
    opt_theirs = make(torch_or_skip(), [{"params": theirs[:3]}, {"params": theirs[3:], "lr": 0.02}])
    backend = ours[0].backend
    calls, launches = [], []
    primitive = getattr(backend, PRIMITIVE[name])

    def counted(params, *args, **kwargs):
        calls.append(len(params))
        return primitive(params, *args, **kwargs)

    def launch(device_id, family, *args):
        launches.append(family)
        return real_launch(device_id, family, *args)

    real_launch = kernels.launch
    monkeypatch.setattr(backend, PRIMITIVE[name], counted)
    monkeypatch.setattr(kernels, "launch", launch)
    for _ in range(3):
        give_grads(rng, ours, theirs, skip={1})
        before = ours[1].tolist()
        calls.clear()
        launches.clear()
        opt_ours.step()
        opt_theirs.step()
        assert calls == [2, 2]  # the parameters with a gradient, one call per group
        if device.startswith("cuda"):
            assert launches == ["optim", "optim"]
        assert ours[1].tolist() == before
        assert_close(ours, theirs)


@pytest.mark.parametrize("name", MAKERS)
def test_group_of_two_dtypes_follows_torch(name, device, rng):
    """float32 and float64 parameters in one group (one launch per dtype on cuda)."""
    ours, theirs = paired(rng, device, [(6, 5), (5,), (4, 3), (257,)],
                          ["float32", "float64", "float64", "float32"])
    opt_ours, opt_theirs = MAKERS[name](ag, ours), MAKERS[name](torch_or_skip(), theirs)
    for _ in range(4):
        give_grads(rng, ours, theirs)
        opt_ours.step()
        opt_theirs.step()
        assert_close(ours, theirs)
    for p in ours:
        for key, value in opt_ours.state[p].items():
            if key != "step":
                assert value.dtype is p.dtype and value.device == p.device, key


@pytest.mark.parametrize("name", MAKERS)
def test_strided_parameter_in_a_group_follows_torch(name, device, rng):
    """A transposed leaf (not contiguous) takes the array path beside the kernel's tensors."""
    ours, theirs = paired(rng, device, [(4, 6), (5,), (3, 4)], ["float32"] * 3)
    ours[0] = ours[0].detach().t().requires_grad_()
    theirs[0] = theirs[0].detach().t().requires_grad_()
    assert not ours[0].is_contiguous()
    opt_ours, opt_theirs = MAKERS[name](ag, ours), MAKERS[name](torch_or_skip(), theirs)
    for _ in range(3):
        give_grads(rng, ours, theirs)
        opt_ours.step()
        opt_theirs.step()
        assert_close(ours, theirs)


@pytest.mark.parametrize("name", ["adam", "adamw"])
def test_adam_parameters_at_different_step_numbers_follow_torch(name, device, rng):
    """A parameter without a gradient for two steps lags two steps behind the others."""
    ours, theirs = paired(rng, device, [(5, 4), (4,), (6,)], ["float32"] * 3)
    opt_ours, opt_theirs = MAKERS[name](ag, ours), MAKERS[name](torch_or_skip(), theirs)
    for step in range(5):
        give_grads(rng, ours, theirs, skip={1} if step < 2 else ())
        opt_ours.step()
        opt_theirs.step()
        assert_close(ours, theirs)
    assert [opt_ours.state[p]["step"].item() for p in ours] == [5.0, 3.0, 5.0]


def test_sgd_without_momentum_keeps_no_state_as_torch(device, rng):
    ours, theirs = paired(rng, device, [(3, 2), (2,)], ["float32"] * 2)
    opt_ours = ag.optim.SGD(ours, lr=0.1, weight_decay=0.1)
    opt_theirs = torch_or_skip().optim.SGD(theirs, lr=0.1, weight_decay=0.1)
    give_grads(rng, ours, theirs)
    opt_ours.step()
    opt_theirs.step()
    assert_close(ours, theirs)
    assert opt_ours.state_dict()["state"] == opt_theirs.state_dict()["state"] == {}


@pytest.mark.parametrize("name", MAKERS)
def test_step_is_an_in_place_change_autograd_sees(name, device):
    """A graph that saved a parameter cannot be backpropagated after the step changed it."""
    for lib, dev in ((ag, device), (torch_or_skip(), "cpu")):
        p = lib.ones(3, device=dev, requires_grad=True)
        y = (p * p).sum()
        opt = MAKERS[name](lib, [p])
        p.grad = lib.ones(3, device=dev)
        opt.step()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()
