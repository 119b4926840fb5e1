"""RMSprop against torch: every option's trajectory over several steps (float32 and float64), the
state layout, state_dict round trips mid-trajectory, and the argument checks."""
import copy

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import optim
from helpers import torch_or_skip

# torch's cpu kernels fuse some multiply-adds (lerp's fmadd); ours round each op: a few ulps apart
F32 = {"rtol": 1e-5, "atol": 1e-6}
F64 = {"rtol": 1e-12, "atol": 1e-14}

RMSPROP_CASES = {
    "default": {},
    "lr_alpha_eps": {"lr": 0.05, "alpha": 0.9, "eps": 1e-4},
    "momentum": {"lr": 0.01, "momentum": 0.9},
    "centered": {"lr": 0.01, "alpha": 0.9, "centered": True},
    "centered_small_alpha": {"lr": 0.01, "alpha": 0.4, "centered": True},  # lerp's w >= 0.5 branch
    "weight_decay": {"lr": 0.01, "weight_decay": 0.1},
    "maximize": {"lr": 0.01, "maximize": True},
    "everything": {"lr": 0.02, "alpha": 0.95, "eps": 1e-6, "weight_decay": 0.05, "momentum": 0.7,
                   "centered": True, "maximize": True},
}


@pytest.mark.parametrize("case", RMSPROP_CASES)
def test_rmsprop_trajectory_matches_torch(trajectory, case):
    kwargs = RMSPROP_CASES[case]
    run = trajectory(lambda lib, ps: lib.optim.RMSprop(ps, **kwargs))
    run.run(6, **F32)


@pytest.mark.parametrize("case", ["default", "momentum", "centered", "centered_small_alpha",
                                  "everything"])
def test_rmsprop_trajectory_float64(trajectory, case):
    kwargs = RMSPROP_CASES[case]
    run = trajectory(lambda lib, ps: lib.optim.RMSprop(ps, **kwargs), dtype="float64")
    run.run(6, **F64)


def test_rmsprop_first_step_by_hand(device):
    """One step from zero state: v = (1 - alpha) g^2, p -= lr * g / (sqrt(v) + eps)."""
    p = ag.tensor([1.0, -2.0], dtype=ag.float64, device=device, requires_grad=True)
    opt = optim.RMSprop([p], lr=0.1, alpha=0.75, eps=0.0)
    p.grad = ag.tensor([2.0, -4.0], dtype=ag.float64, device=device)
    opt.step()
    assert opt.state[p]["square_avg"].tolist() == [1.0, 4.0]
    assert p.tolist() == pytest.approx([1.0 - 0.1 * 2.0, -2.0 + 0.1 * 2.0], abs=1e-15)


def test_rmsprop_skips_parameters_without_grad(trajectory):
    run = trajectory(lambda lib, ps: lib.optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True))
    before = run.ours[1].tolist()
    run.run(3, with_grad={0, 2}, **F32)
    assert run.ours[1].tolist() == before
    assert run.ours[1] not in run.opt_ours.state


def test_rmsprop_param_groups_with_their_own_hyper_parameters(trajectory):
    def make(lib, ps):
        return lib.optim.RMSprop([{"params": ps[:1]},
                                  {"params": ps[1:], "lr": 0.03, "momentum": 0.5,
                                   "centered": True}], lr=0.01, alpha=0.9)
    run = trajectory(make)
    run.run(5, **F32)
    assert sorted(run.opt_ours.state[run.ours[0]]) == ["square_avg", "step"]
    assert sorted(run.opt_ours.state[run.ours[1]]) == ["grad_avg", "momentum_buffer",
                                                       "square_avg", "step"]


@pytest.mark.parametrize("kwargs", [{}, {"momentum": 0.9, "centered": True}])
def test_rmsprop_state_layout_is_torchs(trajectory, kwargs):
    run = trajectory(lambda lib, ps: lib.optim.RMSprop(ps, **kwargs))
    run.run(2, **F32)
    state = run.opt_ours.state[run.ours[0]]
    assert state["step"].dtype is ag.float32 and state["step"].device.type == "cpu"
    assert state["step"].item() == 2.0
    ours, theirs = run.opt_ours.state_dict(), run.opt_theirs.state_dict()
    assert ours["param_groups"] == theirs["param_groups"]
    assert {i: list(s) for i, s in ours["state"].items()} == \
        {i: list(s) for i, s in theirs["state"].items()}
    assert repr(run.opt_ours) == repr(run.opt_theirs)


@pytest.mark.parametrize("kwargs", [{"lr": 0.01, "momentum": 0.9, "centered": True,
                                     "weight_decay": 0.01}, {"lr": 0.02, "alpha": 0.8}])
def test_rmsprop_state_dict_round_trip_continues_as_torch(trajectory, kwargs):
    run = trajectory(lambda lib, ps: lib.optim.RMSprop(ps, **kwargs))
    run.run(3, **F32)
    saved = copy.deepcopy(run.opt_ours.state_dict())
    clones = [p.detach().clone().requires_grad_() for p in run.ours]
    resumed = optim.RMSprop(clones, **kwargs)
    resumed.load_state_dict(saved)
    assert resumed.state_dict()["param_groups"] == run.opt_theirs.state_dict()["param_groups"]
    run.ours, run.opt_ours = clones, resumed  # the resumed optimizer goes on against torch
    run.run(4, **F32)
    assert resumed.state[clones[0]]["step"].item() == 7.0


def test_rmsprop_loads_torchs_state_dict(trajectory):
    torch = torch_or_skip()
    kwargs = {"lr": 0.01, "momentum": 0.8, "centered": True}
    run = trajectory(lambda lib, ps: lib.optim.RMSprop(ps, **kwargs))
    run.set_grads()
    run.opt_theirs.step()
    with torch.no_grad():
        for a, t in zip(run.ours, run.theirs):
            a.detach().copy_(ag.tensor(t.detach().numpy(), device=run.device))
    state = run.opt_theirs.state_dict()
    run.opt_ours.load_state_dict(
        {"param_groups": state["param_groups"],
         "state": {i: {k: ag.tensor(v.numpy()) for k, v in s.items()}
                   for i, s in state["state"].items()}})
    assert run.opt_ours.state[run.ours[0]]["grad_avg"].device.type == run.device.split(":")[0]
    run.run(3, **F32)


def test_rmsprop_state_dict_from_an_older_torch_is_completed(trajectory):
    run = trajectory(lambda lib, ps: lib.optim.RMSprop(ps, lr=0.01))
    run.run(2, **F32)
    saved = copy.deepcopy(run.opt_ours.state_dict())
    for group in saved["param_groups"]:
        del group["centered"], group["maximize"], group["capturable"]
    for state in saved["state"].values():
        state["step"] = state["step"].item()
    clones = [p.detach().clone().requires_grad_() for p in run.ours]
    resumed = optim.RMSprop(clones)
    resumed.load_state_dict(saved)
    group = resumed.param_groups[0]
    assert group["centered"] is False and group["maximize"] is False and group["lr"] == 0.01
    step = resumed.state[clones[0]]["step"]
    assert isinstance(step, ag.Tensor) and step.dtype is ag.float32 and step.item() == 2.0


@pytest.mark.parametrize("kwargs", [
    {"lr": -1}, {"lr": -1e-3}, {"eps": -1.0}, {"momentum": -0.5}, {"weight_decay": -0.1},
    {"alpha": -0.01},
])
def test_rmsprop_rejects_bad_hyper_parameters_as_torch(kwargs):
    torch = torch_or_skip()
    with pytest.raises(ValueError) as theirs:
        torch.optim.RMSprop([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as ours:
        optim.RMSprop([ag.zeros(2, requires_grad=True)], **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_rmsprop_error_messages():
    p = ag.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="^Invalid learning rate: -1$"):
        optim.RMSprop([p], lr=-1)
    with pytest.raises(ValueError, match="^Invalid alpha value: -0.5$"):
        optim.RMSprop([p], alpha=-0.5)


@pytest.mark.parametrize("flag", ["capturable", "differentiable"])
def test_rmsprop_refuses_unsupported_flags(flag):
    with pytest.raises(NotImplementedError, match=f"{flag}=True"):
        optim.RMSprop([ag.zeros(2, requires_grad=True)], **{flag: True})


def test_rmsprop_float32_state_stays_float32(device):
    p = ag.zeros(3, device=device, requires_grad=True)
    opt = optim.RMSprop([p], momentum=0.9, centered=True, weight_decay=0.1)
    p.grad = ag.ones(3, device=device)
    opt.step()
    for key in ("square_avg", "momentum_buffer", "grad_avg"):
        assert opt.state[p][key].dtype is ag.float32
    assert p.dtype is ag.float32
    assert np.all(np.isfinite(p.detach().cpu().numpy()))
