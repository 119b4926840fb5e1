"""Adagrad against torch: every option's trajectory over several steps (float32 and float64), the
state layout (created by the constructor, as torch's), state_dict round trips mid-trajectory, and
the argument checks."""
import copy

import pytest

import autograd_gpu as ag
from autograd_gpu import optim
from helpers import torch_or_skip

F32 = {"rtol": 1e-5, "atol": 1e-6}
F64 = {"rtol": 1e-12, "atol": 1e-14}

ADAGRAD_CASES = {
    "default": {},
    "lr_eps": {"lr": 0.1, "eps": 1e-3},
    "lr_decay": {"lr": 0.1, "lr_decay": 0.3},
    "weight_decay": {"lr": 0.05, "weight_decay": 0.2},
    "initial_accumulator_value": {"lr": 0.1, "initial_accumulator_value": 0.5},
    "maximize": {"lr": 0.05, "maximize": True},
    "everything": {"lr": 0.2, "lr_decay": 0.05, "weight_decay": 0.1,
                   "initial_accumulator_value": 0.25, "eps": 1e-6, "maximize": True},
}


@pytest.mark.parametrize("case", ADAGRAD_CASES)
def test_adagrad_trajectory_matches_torch(trajectory, case):
    kwargs = ADAGRAD_CASES[case]
    run = trajectory(lambda lib, ps: lib.optim.Adagrad(ps, **kwargs))
    run.run(6, **F32)


@pytest.mark.parametrize("case", ["default", "lr_decay", "initial_accumulator_value",
                                  "everything"])
def test_adagrad_trajectory_float64(trajectory, case):
    kwargs = ADAGRAD_CASES[case]
    run = trajectory(lambda lib, ps: lib.optim.Adagrad(ps, **kwargs), dtype="float64")
    run.run(6, **F64)


def test_adagrad_first_steps_by_hand(device):
    """sum += g^2; p -= lr / (1 + (step - 1) * lr_decay) * g / (sqrt(sum) + eps)."""
    p = ag.tensor([1.0, -2.0], dtype=ag.float64, device=device, requires_grad=True)
    opt = optim.Adagrad([p], lr=0.5, lr_decay=1.0, initial_accumulator_value=9.0, eps=0.0)
    p.grad = ag.tensor([4.0, 0.0], dtype=ag.float64, device=device)
    opt.step()
    assert opt.state[p]["sum"].tolist() == [25.0, 9.0]
    assert p.tolist() == [1.0 - 0.5 * 4.0 / 5.0, -2.0]
    opt.step()  # clr = 0.5 / 2
    assert opt.state[p]["sum"].tolist() == [41.0, 9.0]
    assert p.tolist() == pytest.approx([0.6 - 0.25 * 4.0 / 41.0 ** 0.5, -2.0], abs=1e-15)


def test_adagrad_state_exists_before_the_first_step(device):
    p = ag.zeros(3, dtype=ag.float64, device=device, requires_grad=True)
    opt = optim.Adagrad([p], initial_accumulator_value=0.1)
    state = opt.state[p]
    assert sorted(state) == ["step", "sum"]
    assert state["step"].item() == 0.0 and state["step"].dtype is ag.float32
    assert state["step"].device.type == "cpu"
    assert state["sum"].dtype is ag.float64 and state["sum"].device == p.device
    assert state["sum"].tolist() == [0.1] * 3


def test_adagrad_parameters_without_grad_keep_their_initial_state(trajectory):
    run = trajectory(lambda lib, ps: lib.optim.Adagrad(ps, lr=0.1, initial_accumulator_value=0.2))
    before = run.ours[1].tolist()
    run.run(3, with_grad={0, 2}, **F32)  # compare() checks every state key and tensor too
    assert run.ours[1].tolist() == before
    assert run.opt_ours.state[run.ours[1]]["step"].item() == 0.0


def test_adagrad_param_groups_take_the_optimizers_initial_accumulator(trajectory):
    """As torch's, the ``sum`` starts at the constructor's value, whatever a group says."""
    def make(lib, ps):
        return lib.optim.Adagrad([{"params": ps[:1]},
                                  {"params": ps[1:], "lr": 0.3, "lr_decay": 0.1,
                                   "initial_accumulator_value": 5.0}],
                                 lr=0.05, initial_accumulator_value=0.5)
    run = trajectory(make)
    assert run.opt_ours.state[run.ours[1]]["sum"].tolist() == [0.5] * 4
    run.run(5, **F32)


def test_adagrad_add_param_group_gets_state_on_its_first_step(trajectory):
    run = trajectory(lambda lib, ps: lib.optim.Adagrad(ps[:1], lr=0.1,
                                                       initial_accumulator_value=0.3))
    run.run(2, with_grad={0}, **F32)
    for opt, ps in ((run.opt_ours, run.ours), (run.opt_theirs, run.theirs)):
        opt.add_param_group({"params": ps[1:], "lr": 0.05})
    assert run.ours[1] not in run.opt_ours.state
    run.run(3, **F32)
    assert run.opt_ours.state[run.ours[1]]["step"].item() == 3.0


def test_adagrad_state_layout_is_torchs(trajectory):
    run = trajectory(lambda lib, ps: lib.optim.Adagrad(ps, lr_decay=0.1))
    run.run(2, **F32)
    ours, theirs = run.opt_ours.state_dict(), run.opt_theirs.state_dict()
    assert ours["param_groups"] == theirs["param_groups"]
    assert {i: list(s) for i, s in ours["state"].items()} == \
        {i: list(s) for i, s in theirs["state"].items()}
    assert repr(run.opt_ours) == repr(run.opt_theirs)


@pytest.mark.parametrize("kwargs", [{"lr": 0.1, "lr_decay": 0.2, "weight_decay": 0.05},
                                    {"lr": 0.05, "initial_accumulator_value": 1.0,
                                     "maximize": True}])
def test_adagrad_state_dict_round_trip_continues_as_torch(trajectory, kwargs):
    run = trajectory(lambda lib, ps: lib.optim.Adagrad(ps, **kwargs))
    run.run(3, **F32)
    saved = copy.deepcopy(run.opt_ours.state_dict())
    clones = [p.detach().clone().requires_grad_() for p in run.ours]
    resumed = optim.Adagrad(clones, **kwargs)
    resumed.load_state_dict(saved)
    assert resumed.state[clones[0]]["step"].item() == 3.0
    run.ours, run.opt_ours = clones, resumed  # the resumed optimizer goes on against torch
    run.run(4, **F32)


def test_adagrad_loads_torchs_state_dict(trajectory):
    torch = torch_or_skip()
    kwargs = {"lr": 0.1, "lr_decay": 0.5}
    run = trajectory(lambda lib, ps: lib.optim.Adagrad(ps, **kwargs))
    for _ in range(2):
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
    run.run(3, **F32)  # the lr decay goes on from step 3


def test_adagrad_state_dict_with_numeric_steps_is_completed(trajectory):
    run = trajectory(lambda lib, ps: lib.optim.Adagrad(ps, lr=0.1))
    run.run(2, **F32)
    saved = copy.deepcopy(run.opt_ours.state_dict())
    for group in saved["param_groups"]:
        del group["maximize"], group["fused"]
    for state in saved["state"].values():
        state["step"] = state["step"].item()
    clones = [p.detach().clone().requires_grad_() for p in run.ours]
    resumed = optim.Adagrad(clones)
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["maximize"] is False and resumed.param_groups[0]["fused"] is None
    step = resumed.state[clones[0]]["step"]
    assert isinstance(step, ag.Tensor) and step.dtype is ag.float32 and step.item() == 2.0


@pytest.mark.parametrize("kwargs", [
    {"lr": -1}, {"lr": -0.5}, {"lr_decay": -0.1}, {"weight_decay": -1e-3},
    {"initial_accumulator_value": -1.0}, {"eps": -1e-10},
])
def test_adagrad_rejects_bad_hyper_parameters_as_torch(kwargs):
    torch = torch_or_skip()
    with pytest.raises(ValueError) as theirs:
        torch.optim.Adagrad([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as ours:
        optim.Adagrad([ag.zeros(2, requires_grad=True)], **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_adagrad_error_messages():
    p = ag.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="^Invalid learning rate: -1$"):
        optim.Adagrad([p], lr=-1)
    with pytest.raises(ValueError, match="^Invalid initial_accumulator_value value: -2$"):
        optim.Adagrad([p], initial_accumulator_value=-2)


@pytest.mark.parametrize("flag", ["fused", "differentiable"])
def test_adagrad_refuses_unsupported_flags(flag):
    with pytest.raises(NotImplementedError, match=f"{flag}=True"):
        optim.Adagrad([ag.zeros(2, requires_grad=True)], **{flag: True})
