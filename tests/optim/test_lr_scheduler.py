"""StepLR, CosineAnnealingLR and LambdaLR against torch: every learning rate, exactly."""
import warnings

import pytest

import autograd_gpu as ag
from autograd_gpu.optim import lr_scheduler
from helpers import torch_or_skip

F32 = {"rtol": 1e-5, "atol": 1e-6}


class Scaled:
    """A callable object: LambdaLR saves its __dict__ in state_dict (a function would be None)."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, epoch):
        return self.rate ** epoch


SCHEDULERS = {
    "step": lambda lib, opt: lib.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5),
    "cosine": lambda lib, opt: lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=1e-3),
    "lambda": lambda lib, opt: lib.optim.lr_scheduler.LambdaLR(opt, lambda e: 1.0 / (1 + e)),
    "lambda_per_group": lambda lib, opt: lib.optim.lr_scheduler.LambdaLR(
        opt, [lambda e: 0.9 ** e, Scaled(0.7)]),
}


def two_groups(lib):
    params = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
    return lib.optim.SGD([{"params": params[:1]}, {"params": params[1:], "lr": 0.3}], lr=0.1,
                         momentum=0.9)


@pytest.mark.parametrize("name", SCHEDULERS)
def test_learning_rates_equal_torchs(name):
    torch = torch_or_skip()
    opt_o, opt_t = two_groups(ag), two_groups(torch)
    ours, theirs = SCHEDULERS[name](ag, opt_o), SCHEDULERS[name](torch, opt_t)
    assert ours.get_last_lr() == theirs.get_last_lr()
    for _ in range(14):  # past T_max twice: the cosine's rising half and its restart branch
        opt_o.step()
        opt_t.step()
        ours.step()
        theirs.step()
        assert ours.get_last_lr() == theirs.get_last_lr()
        assert [g["lr"] for g in opt_o.param_groups] == [g["lr"] for g in opt_t.param_groups]
    assert ours.state_dict() == theirs.state_dict()


@pytest.mark.parametrize("name", ["step", "cosine"])
def test_step_with_epoch_uses_the_closed_form(name):
    torch = torch_or_skip()
    opt_o, opt_t = two_groups(ag), two_groups(torch)
    ours, theirs = SCHEDULERS[name](ag, opt_o), SCHEDULERS[name](torch, opt_t)
    for epoch in (5, 2, 9):
        opt_o.step()
        opt_t.step()
        with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)`"):
            ours.step(epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs.step(epoch)
        assert ours.get_last_lr() == theirs.get_last_lr()


def test_scheduler_drives_an_adam_trajectory(trajectory):
    run = trajectory(lambda lib, ps: lib.optim.Adam(ps, lr=0.05),
                     scheduler=lambda lib, opt: lib.optim.lr_scheduler.CosineAnnealingLR(opt, 5))
    run.run(7, **F32)


def test_sgd_with_step_lr_trajectory(trajectory):
    run = trajectory(lambda lib, ps: lib.optim.SGD(ps, lr=0.1, momentum=0.9),
                     scheduler=lambda lib, opt: lib.optim.lr_scheduler.StepLR(opt, 2, gamma=0.3))
    run.run(6, **F32)


def test_state_dict_round_trip_resumes_the_schedule():
    opt = two_groups(ag)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=6)
    for _ in range(3):
        opt.step()
        sched.step()
    saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
    opt2 = two_groups(ag)
    sched2 = lr_scheduler.CosineAnnealingLR(opt2, T_max=6)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    for _ in range(4):
        for o, s in ((opt, sched), (opt2, sched2)):
            o.step()
            s.step()
        assert sched2.get_last_lr() == sched.get_last_lr()


def test_lambda_state_dict_keeps_callable_objects_state():
    opt = two_groups(ag)
    sched = lr_scheduler.LambdaLR(opt, [lambda e: 1.0, Scaled(0.5)])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [None, {"rate": 0.5}]
    other = lr_scheduler.LambdaLR(two_groups(ag), [lambda e: 1.0, Scaled(0.9)])
    other.load_state_dict(state)
    assert other.lr_lambdas[1].rate == 0.5


def test_scheduler_stepped_before_the_optimizer_warns():
    sched = lr_scheduler.StepLR(two_groups(ag), step_size=2)
    with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before "
                                         "`optimizer.step\\(\\)`"):
        sched.step()


def test_get_lr_outside_step_warns():
    sched = lr_scheduler.StepLR(two_groups(ag), step_size=2)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()


def test_errors():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.StepLR([], step_size=1)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        lr_scheduler.LambdaLR(two_groups(ag), [lambda e: 1.0])
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(two_groups(ag), step_size=1, last_epoch=3)
