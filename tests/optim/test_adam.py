"""Adam and AdamW against torch: trajectories (with amsgrad, weight decay, maximize, a scheduler)
and argument checks."""
import pytest

import autograd_gpu as ag
from autograd_gpu import optim

F32 = {"rtol": 1e-5, "atol": 1e-6}
F64 = {"rtol": 1e-12, "atol": 1e-14}

ADAM_CASES = {
    "default": {},
    "lr_betas_eps": {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6},
    "weight_decay": {"lr": 0.01, "weight_decay": 0.1},
    "amsgrad": {"lr": 0.01, "amsgrad": True},
    "maximize": {"lr": 0.01, "maximize": True, "weight_decay": 0.05},
    "small_beta1": {"lr": 0.01, "betas": (0.3, 0.9)},  # lerp's weight >= 0.5 branch
}


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("case", ADAM_CASES)
def test_adam_trajectory_matches_torch(trajectory, name, case):
    kwargs = ADAM_CASES[case]
    run = trajectory(lambda lib, ps: getattr(lib.optim, name)(ps, **kwargs))
    run.run(6, **F32)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_amsgrad_float64_is_exact(trajectory, name):
    kwargs = {"lr": 0.02, "amsgrad": True, "weight_decay": 0.05, "betas": (0.85, 0.95)}
    run = trajectory(lambda lib, ps: getattr(lib.optim, name)(ps, **kwargs), dtype="float64")
    run.run(6, **F64)


def test_adamw_is_adam_with_decoupled_weight_decay(trajectory):
    run = trajectory(lambda lib, ps: lib.optim.Adam(ps, lr=0.01, weight_decay=0.1,
                                                    decoupled_weight_decay=True))
    run.run(4, **F32)
    group = optim.AdamW([ag.zeros(1, requires_grad=True)]).param_groups[0]
    assert group["weight_decay"] == 1e-2 and group["decoupled_weight_decay"] is True


def test_adam_state_layout_is_torchs(trajectory):
    run = trajectory(lambda lib, ps: lib.optim.Adam(ps, amsgrad=True))
    run.run(2, **F32)
    state = run.opt_ours.state[run.ours[0]]
    assert state["step"].dtype is ag.float32 and state["step"].device.type == "cpu"
    assert state["step"].item() == 2.0
    assert run.opt_ours.state_dict()["param_groups"] == run.opt_theirs.state_dict()["param_groups"]
    assert repr(run.opt_ours) == repr(run.opt_theirs)


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -1e-3}, "Invalid learning rate: -0.001"),
    ({"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ({"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    ({"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
    ({"weight_decay": -0.5}, "Invalid weight_decay value: -0.5"),
])
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_rejects_bad_hyper_parameters(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        getattr(optim, name)([ag.zeros(2, requires_grad=True)], **kwargs)
