"""MultiStepLR, ExponentialLR, LinearLR, OneCycleLR and ReduceLROnPlateau against torch: every
learning rate (and OneCycleLR's momentum / beta1) exactly, over every phase and milestone."""
import copy
import math
import warnings

import pytest

import autograd_gpu as ag
from autograd_gpu.optim import lr_scheduler
from helpers import torch_or_skip

F32 = {"rtol": 1e-5, "atol": 1e-6}


def two_groups(lib, name="SGD", **kwargs):
    params = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
    kwargs = kwargs or ({"momentum": 0.9} if name == "SGD" else {})
    return getattr(lib.optim, name)([{"params": params[:1]}, {"params": params[1:], "lr": 0.3}],
                                    lr=0.1, **kwargs)


def group_values(opt, key):
    return [g[key] for g in opt.param_groups]


SCHEDULERS = {
    "multistep": lambda lib, opt: lib.optim.lr_scheduler.MultiStepLR(opt, [2, 5, 5, 9], 0.5),
    "multistep_unsorted": lambda lib, opt: lib.optim.lr_scheduler.MultiStepLR(opt, (7, 3)),
    "exponential": lambda lib, opt: lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.8),
    "linear": lambda lib, opt: lib.optim.lr_scheduler.LinearLR(opt),
    "linear_down": lambda lib, opt: lib.optim.lr_scheduler.LinearLR(
        opt, start_factor=0.9, end_factor=0.05, total_iters=6),
}


def stepped_together(lib_pairs, steps, check):
    (opt_o, ours), (opt_t, theirs) = lib_pairs
    check(ours, theirs)
    for _ in range(steps):
        opt_o.step()
        opt_t.step()
        ours.step()
        theirs.step()
        check(ours, theirs)


@pytest.mark.parametrize("name", SCHEDULERS)
def test_learning_rates_equal_torchs(name):
    torch = torch_or_skip()
    opt_o, opt_t = two_groups(ag), two_groups(torch)
    ours, theirs = SCHEDULERS[name](ag, opt_o), SCHEDULERS[name](torch, opt_t)
    seen = []

    def check(ours, theirs):
        assert ours.get_last_lr() == theirs.get_last_lr()
        assert group_values(opt_o, "lr") == group_values(opt_t, "lr")
        seen.append(tuple(ours.get_last_lr()))

    stepped_together(((opt_o, ours), (opt_t, theirs)), 14, check)  # past every milestone
    assert len(set(seen)) > 2  # the schedule did move
    assert ours.state_dict() == theirs.state_dict()


@pytest.mark.parametrize("name", SCHEDULERS)
def test_step_with_epoch_uses_the_closed_form(name):
    torch = torch_or_skip()
    opt_o, opt_t = two_groups(ag), two_groups(torch)
    ours, theirs = SCHEDULERS[name](ag, opt_o), SCHEDULERS[name](torch, opt_t)
    for epoch in (5, 2, 9, 3, 12):
        opt_o.step()
        opt_t.step()
        with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)`"):
            ours.step(epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs.step(epoch)
        assert ours.get_last_lr() == theirs.get_last_lr()


@pytest.mark.parametrize("name", ["multistep", "exponential", "linear_down"])
def test_state_dict_round_trip_resumes_the_schedule(name):
    torch = torch_or_skip()
    opt_o, opt_t = two_groups(ag), two_groups(torch)
    ours, theirs = SCHEDULERS[name](ag, opt_o), SCHEDULERS[name](torch, opt_t)
    for _ in range(3):
        for o, s in ((opt_o, ours), (opt_t, theirs)):
            o.step()
            s.step()
    saved_opt, saved = copy.deepcopy(opt_o.state_dict()), copy.deepcopy(ours.state_dict())
    opt2 = two_groups(ag)
    resumed = SCHEDULERS[name](ag, opt2)
    opt2.load_state_dict(saved_opt)
    resumed.load_state_dict(saved)
    for _ in range(8):
        for o, s in ((opt2, resumed), (opt_t, theirs)):
            o.step()
            s.step()
        assert resumed.get_last_lr() == theirs.get_last_lr()


def test_exponential_resumed_with_last_epoch_does_not_step_ahead():
    torch = torch_or_skip()
    results = []
    for lib in (ag, torch):
        opt = two_groups(lib)
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"]
        sched = lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5, last_epoch=4)
        results.append((sched.get_last_lr(), sched.last_epoch))
    assert results[0] == results[1] == ([0.1, 0.3], 5)


@pytest.mark.parametrize("kwargs, message", [
    ({"start_factor": 0.0}, "Starting multiplicative factor expected to be greater than 0 and "
                            "less or equal to 1."),
    ({"start_factor": 1.5}, "Starting multiplicative factor expected"),
    ({"end_factor": -0.1}, "Ending multiplicative factor expected to be between 0 and 1."),
    ({"end_factor": 1.1}, "Ending multiplicative factor expected to be between 0 and 1."),
])
def test_linear_lr_errors_are_torchs(kwargs, message):
    torch = torch_or_skip()
    with pytest.raises(ValueError) as theirs:
        torch.optim.lr_scheduler.LinearLR(two_groups(torch), **kwargs)
    with pytest.raises(ValueError, match=message) as ours:
        lr_scheduler.LinearLR(two_groups(ag), **kwargs)
    assert str(ours.value) == str(theirs.value)


# -- OneCycleLR ---------------------------------------------------------------------------------
ONE_CYCLE = {
    "cos": ("SGD", {"max_lr": 1.0, "total_steps": 20}),
    "linear_two_max_lrs": ("SGD", {"max_lr": [1.0, 0.5], "total_steps": 17,
                                   "anneal_strategy": "linear", "pct_start": 0.25}),
    "three_phase": ("SGD", {"max_lr": 0.8, "total_steps": 25, "three_phase": True,
                            "div_factor": 10.0, "final_div_factor": 100.0}),
    "epochs_steps": ("SGD", {"max_lr": 0.4, "epochs": 3, "steps_per_epoch": 6,
                             "base_momentum": [0.8, 0.7], "max_momentum": 0.99}),
    "no_momentum_cycle": ("SGD", {"max_lr": 0.4, "total_steps": 12, "cycle_momentum": False}),
    "adam_beta1": ("Adam", {"max_lr": 0.01, "total_steps": 15}),
    "rmsprop_momentum": ("RMSprop", {"max_lr": 0.01, "total_steps": 15, "three_phase": True}),
}


@pytest.mark.parametrize("case", ONE_CYCLE)
def test_one_cycle_lr_and_momentum_equal_torchs(case):
    torch = torch_or_skip()
    name, kwargs = ONE_CYCLE[case]
    opts = [two_groups(lib, name, **({"momentum": 0.5} if name == "RMSprop" else {}))
            for lib in (ag, torch)]
    scheds = [lib.optim.lr_scheduler.OneCycleLR(opt, **kwargs) for lib, opt in zip((ag, torch), opts)]
    key = "betas" if name == "Adam" else "momentum"
    total = scheds[1].total_steps
    momenta = set()
    for step in range(total):
        assert scheds[0].get_last_lr() == scheds[1].get_last_lr(), f"step {step}"
        assert group_values(opts[0], key) == group_values(opts[1], key), f"step {step}"
        momenta.add(tuple(group_values(opts[0], key)))
        if step < total - 1:
            for opt, sched in zip(opts, scheds):
                opt.step()
                sched.step()
    for field in ("initial_lr", "max_lr", "min_lr"):
        assert group_values(opts[0], field) == group_values(opts[1], field)
    assert (len(momenta) > 2) == kwargs.get("cycle_momentum", True)
    assert scheds[0].state_dict() == scheds[1].state_dict()
    # one step past total_steps - 1 is allowed; the next raises torch's error
    for opt, sched in zip(opts, scheds):
        sched.step()
    messages = []
    for sched in scheds:
        with pytest.raises(ValueError) as err:
            sched.step()
        messages.append(str(err.value))
    assert messages[0] == messages[1] == f"Tried to step {total + 1} times. The specified number " \
        f"of total steps is {total}"


@pytest.mark.parametrize("name, momentum", [("SGD", 0.9), ("Adam", None), ("RMSprop", 0.5)])
def test_one_cycle_drives_a_trajectory(trajectory, name, momentum):
    kwargs = {} if momentum is None else {"momentum": momentum}
    run = trajectory(lambda lib, ps: getattr(lib.optim, name)(ps, lr=0.01, **kwargs),
                     scheduler=lambda lib, opt: lib.optim.lr_scheduler.OneCycleLR(
                         opt, max_lr=0.05, total_steps=9))
    run.run(8, **F32)


@pytest.mark.parametrize("kwargs", [
    {"max_lr": 0.1},
    {"max_lr": 0.1, "total_steps": 0},
    {"max_lr": 0.1, "total_steps": 10.0},
    {"max_lr": 0.1, "epochs": 0, "steps_per_epoch": 3},
    {"max_lr": 0.1, "epochs": 2, "steps_per_epoch": -3},
    {"max_lr": 0.1, "total_steps": 10, "pct_start": 1},
    {"max_lr": 0.1, "total_steps": 10, "pct_start": 1.5},
    {"max_lr": 0.1, "total_steps": 10, "anneal_strategy": "exp"},
    {"max_lr": [0.1, 0.2, 0.3], "total_steps": 10},
    {"max_lr": 0.1, "total_steps": 10, "base_momentum": [0.8]},
])
def test_one_cycle_errors_are_torchs(kwargs):
    torch = torch_or_skip()
    with pytest.raises(ValueError) as theirs:
        torch.optim.lr_scheduler.OneCycleLR(two_groups(torch), **kwargs)
    with pytest.raises(ValueError) as ours:
        lr_scheduler.OneCycleLR(two_groups(ag), **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_one_cycle_needs_momentum_or_betas_to_cycle():
    torch = torch_or_skip()
    with pytest.raises(ValueError) as theirs:
        torch.optim.lr_scheduler.OneCycleLR(two_groups(torch, "Adagrad"), 0.1, total_steps=5)
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1") as ours:
        lr_scheduler.OneCycleLR(two_groups(ag, "Adagrad"), 0.1, total_steps=5)
    assert str(ours.value) == str(theirs.value)
    sched = lr_scheduler.OneCycleLR(two_groups(ag, "Adagrad"), 0.1, total_steps=5,
                                    cycle_momentum=False)
    assert sched.get_last_lr() == pytest.approx([0.1 / 25.0] * 2)
    assert "momentum" not in sched.optimizer.param_groups[0]


# -- ReduceLROnPlateau --------------------------------------------------------------------------
PLATEAU = {
    # improves, then stalls past patience twice; cooldown swallows bad epochs after each cut
    "min_rel": ({"patience": 2, "cooldown": 2, "factor": 0.5},
                [10, 9, 8, 8, 8.5, 9, 8, 8, 8, 8, 8, 8, 7.9999, 7, 7, 7, 7, 7, 7, 7, 7, 7]),
    "min_abs_min_lr": ({"patience": 1, "threshold": 0.5, "threshold_mode": "abs",
                        "min_lr": [0.02, 0.1], "factor": 0.3},
                       [5, 4.6, 4.4, 4.0, 3.9, 3.8, 3.7, 3.6, 3.5, 3.4, 3.3, 3.2, 3.1, 3.0]),
    "max_rel": ({"mode": "max", "patience": 0, "cooldown": 1, "factor": 0.7, "threshold": 0.1},
                [1, 1.1, 1.05, 1.2, 1.3, 1.0, 2.0, 2.1, 2.1, 2.5, 2.5, 2.5, 2.5]),
    "max_abs_eps": ({"mode": "max", "threshold_mode": "abs", "patience": 1, "factor": 0.9,
                     "eps": 0.02, "min_lr": 0.01},
                    [0.0, -1.0, -1.0, -2.0, -2.0, -2.0, -2.0, 3.0, 3.0, 3.0, 3.0, 3.0]),
}


@pytest.mark.parametrize("case", PLATEAU)
def test_reduce_on_plateau_equals_torchs(case):
    torch = torch_or_skip()
    kwargs, metrics = PLATEAU[case]
    opts = [two_groups(ag), two_groups(torch)]
    ours = lr_scheduler.ReduceLROnPlateau(opts[0], **kwargs)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(opts[1], **kwargs)
    assert ours.get_last_lr() == theirs.get_last_lr()
    cuts = 0
    for i, metric in enumerate(metrics):
        before = ours.get_last_lr()
        for opt in opts:
            opt.step()
        ours.step(ag.tensor(metric, dtype=ag.float64) if i % 2 else metric)  # a 0-dim tensor too
        theirs.step(metric)
        cuts += ours.get_last_lr() != before
        assert ours.get_last_lr() == theirs.get_last_lr(), f"epoch {i}"
        assert group_values(opts[0], "lr") == group_values(opts[1], "lr")
        assert (ours.num_bad_epochs, ours.cooldown_counter, ours.best) == \
            (theirs.num_bad_epochs, theirs.cooldown_counter, theirs.best), f"epoch {i}"
    assert cuts >= 2
    assert ours.state_dict() == theirs.state_dict()


def test_reduce_on_plateau_state_dict_round_trip():
    torch = torch_or_skip()
    kwargs, metrics = PLATEAU["min_rel"]
    opt_o, opt_t = two_groups(ag), two_groups(torch)
    ours = lr_scheduler.ReduceLROnPlateau(opt_o, **kwargs)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(opt_t, **kwargs)
    for metric in metrics[:8]:
        ours.step(metric)
        theirs.step(metric)
    saved_opt, saved = copy.deepcopy(opt_o.state_dict()), copy.deepcopy(ours.state_dict())
    opt2 = two_groups(ag)
    resumed = lr_scheduler.ReduceLROnPlateau(opt2, mode="max")  # load_state_dict restores "min"
    opt2.load_state_dict(saved_opt)
    resumed.load_state_dict(saved)
    assert resumed.mode == "min" and resumed.mode_worse == math.inf
    for metric in metrics[8:]:
        resumed.step(metric)
        theirs.step(metric)
        assert resumed.get_last_lr() == theirs.get_last_lr()
        assert resumed.cooldown_counter == theirs.cooldown_counter


@pytest.mark.parametrize("kwargs", [
    {"factor": 1.0}, {"mode": "median"}, {"threshold_mode": "pct"}, {"min_lr": [0.1]},
])
def test_reduce_on_plateau_errors_are_torchs(kwargs):
    torch = torch_or_skip()
    with pytest.raises(ValueError) as theirs:
        torch.optim.lr_scheduler.ReduceLROnPlateau(two_groups(torch), **kwargs)
    with pytest.raises(ValueError) as ours:
        lr_scheduler.ReduceLROnPlateau(two_groups(ag), **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_reduce_on_plateau_refuses_a_non_optimizer():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.ReduceLROnPlateau([])


def test_reduce_on_plateau_min_lrs_for_an_added_group():
    opt = two_groups(ag)
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=[0.0, 0.0])
    opt.add_param_group({"params": [ag.zeros(1, requires_grad=True)]})
    sched.step(1.0)
    with pytest.raises(RuntimeError, match="differs from when `ReduceLROnPlateau` was initialized"):
        sched.step(2.0)
    shared = lr_scheduler.ReduceLROnPlateau(two_groups(ag), patience=0, min_lr=0.05)
    shared.optimizer.add_param_group({"params": [ag.zeros(1, requires_grad=True)], "lr": 1.0})
    shared.step(1.0)
    shared.step(2.0)
    assert shared.min_lrs == [0.05] * 3
    assert shared.get_last_lr() == pytest.approx([0.05, 0.05, 0.1])
