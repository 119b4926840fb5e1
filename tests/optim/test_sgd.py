"""SGD against torch: every option's trajectory over several steps, and its argument checks."""
import pytest

import autograd_gpu as ag
from autograd_gpu import optim

F32 = {"rtol": 2e-6, "atol": 1e-6}
F64 = {"rtol": 1e-13, "atol": 1e-14}

SGD_CASES = {
    "plain": {"lr": 0.1},
    "momentum": {"lr": 0.05, "momentum": 0.9},
    "nesterov": {"lr": 0.05, "momentum": 0.8, "nesterov": True},
    "dampening": {"lr": 0.05, "momentum": 0.9, "dampening": 0.3},
    "weight_decay": {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.1},
    "maximize": {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.01, "maximize": True},
    "nesterov_decay_maximize": {"lr": 0.02, "momentum": 0.7, "nesterov": True,
                                "weight_decay": 0.2, "maximize": True},
}


@pytest.mark.parametrize("case", SGD_CASES)
def test_sgd_trajectory_matches_torch(trajectory, case):
    kwargs = SGD_CASES[case]
    run = trajectory(lambda lib, ps: lib.optim.SGD(ps, **kwargs))
    run.run(6, **F32)


@pytest.mark.parametrize("case", ["momentum", "nesterov_decay_maximize"])
def test_sgd_trajectory_float64_is_exact(trajectory, case):
    kwargs = SGD_CASES[case]
    run = trajectory(lambda lib, ps: lib.optim.SGD(ps, **kwargs), dtype="float64")
    run.run(5, **F64)


def test_sgd_momentum_buffer_starts_as_first_gradient(device):
    p = ag.tensor([1.0, -2.0], device=device, requires_grad=True)
    opt = optim.SGD([p], lr=0.5, momentum=0.9, dampening=0.5)
    p.grad = ag.tensor([0.25, 4.0], device=device)
    opt.step()
    assert opt.state[p]["momentum_buffer"].tolist() == [0.25, 4.0]  # not (1 - dampening) * g
    assert p.tolist() == [1.0 - 0.125, -4.0]
    opt.step()  # buf = 0.9 * buf + 0.5 * g
    assert opt.state[p]["momentum_buffer"].tolist() == pytest.approx([0.35, 5.6])


def test_sgd_skips_parameters_without_grad(trajectory):
    run = trajectory(lambda lib, ps: lib.optim.SGD(ps, lr=0.1, momentum=0.9))
    before = run.ours[1].tolist()
    run.run(3, with_grad={0, 2}, **F32)
    assert run.ours[1].tolist() == before
    assert run.ours[1] not in run.opt_ours.state


def test_sgd_param_groups_with_their_own_hyper_parameters(trajectory):
    def make(lib, ps):
        return lib.optim.SGD([{"params": ps[:1]}, {"params": ps[1:], "lr": 0.3, "momentum": 0.5}],
                             lr=0.05, momentum=0.9, nesterov=False)
    run = trajectory(make)
    run.run(5, **F32)
    assert run.opt_ours.param_groups[1]["lr"] == 0.3
    assert run.opt_ours.param_groups[0]["momentum"] == 0.9


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -0.1}, "Invalid learning rate: -0.1"),
    ({"lr": 0.1, "momentum": -1}, "Invalid momentum value: -1"),
    ({"lr": 0.1, "weight_decay": -1e-3}, "Invalid weight_decay value: -0.001"),
    ({"lr": 0.1, "nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
    ({"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True},
     "Nesterov momentum requires a momentum and zero dampening"),
])
def test_sgd_rejects_bad_hyper_parameters(kwargs, message):
    p = ag.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match=message):
        optim.SGD([p], **kwargs)


def test_sgd_refuses_differentiable():
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        optim.SGD([ag.zeros(2, requires_grad=True)], differentiable=True)
