"""The Optimizer base: argument errors (seed 004's TypeError), groups, zero_grad, closures,
state_dict in torch's format and its round trip."""
import copy
import warnings

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import optim
from helpers import random_array, torch_or_skip

F32 = {"rtol": 1e-5, "atol": 1e-6}


def test_bare_tensor_raises_torchs_type_error(device):
    """Seed 004: ``optim.SGD(weights, lr=0.01)`` with a tensor instead of a list of tensors."""
    torch = torch_or_skip()
    weights = ag.ones(4, requires_grad=True, device=device)
    with pytest.raises(TypeError) as ours:
        optim.SGD(weights, lr=0.01)
    with pytest.raises(TypeError) as theirs:
        torch.optim.SGD(torch.ones(4, requires_grad=True), lr=0.01)
    expected = str(theirs.value)
    if device.startswith("cuda"):
        expected = expected.replace("torch.FloatTensor", "torch.cuda.FloatTensor")
    assert str(ours.value) == expected
    assert expected.endswith("but got torch.FloatTensor") or "cuda" in expected


def test_bare_tensor_error_names_its_dtype():
    with pytest.raises(TypeError, match=r"but got torch\.DoubleTensor$"):
        optim.Adam(ag.zeros(2, dtype=ag.float64, requires_grad=True))


@pytest.mark.parametrize("params, error, message", [
    ([], ValueError, "optimizer got an empty parameter list"),
    ([1.0], TypeError, "optimizer can only optimize Tensors, but one of the params is float"),
    ({"a"}, TypeError, "optimizer can only optimize Tensors, but one of the params is str"),
])
def test_bad_params_raise_torchs_errors(params, error, message):
    with pytest.raises(error, match=message):
        optim.SGD(params, lr=0.1)


def test_set_of_params_is_refused():
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {ag.zeros(1, requires_grad=True)}}])


def test_parameter_in_two_groups_raises():
    p = ag.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


def test_non_leaf_is_refused():
    p = ag.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([p * 2], lr=0.1)


def test_duplicate_parameter_warns():
    p = ag.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([p, p], lr=0.1)


def test_named_parameters_are_kept_as_param_names():
    a, b = ag.ones(2, requires_grad=True), ag.ones(3, requires_grad=True)
    opt = optim.SGD([("a", a), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["a", "b"]
    assert opt.param_groups[0]["params"][1] is b
    with pytest.raises(ValueError, match="cannot add param group without names"):
        opt.add_param_group({"params": [ag.ones(1, requires_grad=True)]})


def test_repr_matches_torch():
    torch = torch_or_skip()
    ours = optim.SGD([{"params": [ag.ones(1, requires_grad=True)]},
                      {"params": [ag.ones(1, requires_grad=True)], "lr": 0.5}], lr=0.1, momentum=0.9)
    theirs = torch.optim.SGD([{"params": [torch.ones(1, requires_grad=True)]},
                              {"params": [torch.ones(1, requires_grad=True)], "lr": 0.5}], lr=0.1,
                             momentum=0.9)
    assert repr(ours) == repr(theirs)


def test_zero_grad_sets_to_none_or_zeroes(device, rng):
    p = ag.tensor(random_array(rng, (3,)), device=device, requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and p.grad.tolist() == [0.0, 0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_zero_grad_detaches_a_graph_carrying_grad(rng):
    p = ag.tensor(random_array(rng, (3,)), requires_grad=True)
    (p ** 3).sum().backward(create_graph=True)
    assert p.grad.grad_fn is not None
    optim.SGD([p], lr=0.1).zero_grad(set_to_none=False)
    assert p.grad.grad_fn is None and not p.grad.requires_grad and not np.any(p.grad.numpy())


def test_step_with_closure_under_no_grad_returns_its_loss(device, rng):
    x = random_array(rng, (4,))
    p = ag.tensor(x, device=device, requires_grad=True)
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with ag.no_grad():
        loss = opt.step(closure)
    assert loss.item() == pytest.approx(float((x * x).sum()), rel=1e-6)
    np.testing.assert_allclose(p.detach().cpu().numpy(), x - 0.25 * 2 * x, rtol=1e-6)
    assert p.requires_grad and p.is_leaf


def test_step_records_no_graph(device, rng):
    p = ag.tensor(random_array(rng, (3,)), device=device, requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    p.grad = ag.tensor(random_array(rng, (3,)), device=device)
    opt.step()
    assert p.is_leaf and p.grad_fn is None
    assert all(t.grad_fn is None and not t.requires_grad
               for t in opt.state[p].values())


def test_add_param_group_takes_defaults_and_steps(trajectory):
    run = trajectory(lambda lib, ps: lib.optim.SGD(ps[:1], lr=0.1, momentum=0.9))
    run.run(2, with_grad={0}, **F32)
    run.opt_ours.add_param_group({"params": run.ours[1:], "lr": 0.05})
    run.opt_theirs.add_param_group({"params": run.theirs[1:], "lr": 0.05})
    assert run.opt_ours.param_groups[1]["momentum"] == 0.9
    run.run(3, **F32)


@pytest.mark.parametrize("make", [
    lambda lib, ps: lib.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    lambda lib, ps: lib.optim.Adam(ps, lr=0.01, amsgrad=True),
    lambda lib, ps: lib.optim.AdamW([{"params": ps[:1]}, {"params": ps[1:], "lr": 0.03}], lr=0.01),
], ids=["sgd", "adam", "adamw"])
def test_state_dict_has_torchs_layout(trajectory, make):
    run = trajectory(make)
    run.run(2, **F32)
    ours, theirs = run.opt_ours.state_dict(), run.opt_theirs.state_dict()
    assert ours["param_groups"] == theirs["param_groups"]
    assert list(ours["state"]) == list(theirs["state"])
    for i in theirs["state"]:
        assert list(ours["state"][i]) == list(theirs["state"][i])
        for key, value in theirs["state"][i].items():
            assert tuple(ours["state"][i][key].shape) == tuple(value.shape)
            np.testing.assert_allclose(ours["state"][i][key].cpu().numpy(), value.numpy(), **F32)


@pytest.mark.parametrize("make", [
    lambda lib, ps: lib.optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01),
    lambda lib, ps: lib.optim.Adam(ps, lr=0.01, amsgrad=True),
    lambda lib, ps: lib.optim.AdamW(ps, lr=0.01, betas=(0.8, 0.9)),
], ids=["sgd", "adam", "adamw"])
def test_state_dict_round_trip_continues_identically(trajectory, make):
    run = trajectory(make)
    run.run(3, **F32)
    saved = copy.deepcopy(run.opt_ours.state_dict())
    clones = [p.detach().clone().requires_grad_() for p in run.ours]
    resumed = make(ag, clones)
    resumed.load_state_dict(saved)
    assert resumed.state_dict()["param_groups"] == run.opt_ours.state_dict()["param_groups"]
    for _ in range(3):
        run.set_grads()
        for c, p in zip(clones, run.ours):
            c.grad = p.grad.clone()
        run.opt_ours.step()
        run.opt_theirs.step()
        resumed.step()
        for c, p in zip(clones, run.ours):
            assert np.array_equal(c.detach().cpu().numpy(), p.detach().cpu().numpy())
    run.compare(**F32)


def test_loading_torchs_state_dict_continues_torchs_trajectory(trajectory):
    """torch's state_dict, its tensors converted, drives our optimizer onward as it drives torch's."""
    torch = torch_or_skip()
    run = trajectory(lambda lib, ps: lib.optim.Adam(ps, lr=0.01, weight_decay=0.1))
    run.set_grads()
    run.opt_theirs.step()
    with torch.no_grad():
        for a, t in zip(run.ours, run.theirs):
            a.detach().copy_(ag.tensor(t.detach().numpy(), device=run.device))
    state = run.opt_theirs.state_dict()
    converted = {"param_groups": state["param_groups"],
                 "state": {i: {k: ag.tensor(v.numpy()) for k, v in s.items()}
                           for i, s in state["state"].items()}}
    run.opt_ours.load_state_dict(converted)
    assert run.opt_ours.state[run.ours[0]]["exp_avg"].device.type == run.device.split(":")[0]
    run.run(3, **F32)


def test_load_state_dict_checks_group_sizes():
    a, b = ag.ones(1, requires_grad=True), ag.ones(1, requires_grad=True)
    saved = optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.SGD([a], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(saved)


def test_state_dict_moves_state_to_the_parameters_device_and_dtype(device, rng):
    p = ag.tensor(random_array(rng, (3,), "float64"), requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = ag.tensor(random_array(rng, (3,), "float64"))
    opt.step()
    q = ag.tensor(random_array(rng, (3,)), device=device, requires_grad=True)
    resumed = optim.SGD([q], lr=0.1, momentum=0.9)
    resumed.load_state_dict(opt.state_dict())
    buf = resumed.state[q]["momentum_buffer"]
    assert buf.dtype is ag.float32 and buf.device == q.device
    np.testing.assert_allclose(buf.cpu().numpy(), p.grad.numpy(), rtol=1e-6)


def test_nn_linear_parameters_train_as_torchs(device, rng):
    nn = pytest.importorskip("autograd_gpu.nn", reason="autograd_gpu.nn is not importable yet",
                             exc_type=ImportError)
    torch = torch_or_skip()
    ours, theirs = nn.Linear(4, 3), torch.nn.Linear(4, 3)
    with torch.no_grad():
        for a, t in zip(ours.parameters(), theirs.parameters()):
            t.copy_(torch.tensor(a.detach().numpy()))
    ours = ours.to(device)
    opt_ours = optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    opt_theirs = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    for _ in range(5):
        x = random_array(rng, (8, 4))
        for model, opt, lib, dev in ((ours, opt_ours, ag, device), (theirs, opt_theirs, torch, "cpu")):
            opt.zero_grad()
            (model(lib.tensor(x, device=dev)) ** 2).mean().backward()
            opt.step()
    for a, t in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(a.detach().cpu().numpy(), t.detach().numpy(), **F32)


def test_plain_step_emits_no_warning():
    """A plain step (no scheduler involved) emits no warning."""
    p = ag.ones(2, requires_grad=True)
    p.grad = ag.ones(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optim.SGD([p], lr=0.1).step()


def test_state_dict_from_an_older_torch_is_completed(trajectory):
    """Groups without the newer keys and a numeric ``step`` (older torch) load and step on."""
    run = trajectory(lambda lib, ps: lib.optim.Adam(ps, lr=0.01))
    run.run(2, **F32)
    saved = copy.deepcopy(run.opt_ours.state_dict())
    for group in saved["param_groups"]:
        del group["decoupled_weight_decay"], group["maximize"]
    for state in saved["state"].values():
        state["step"] = state["step"].item()
    clones = [p.detach().clone().requires_grad_() for p in run.ours]
    resumed = optim.Adam(clones, lr=0.01)
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["decoupled_weight_decay"] is False
    step = resumed.state[clones[0]]["step"]
    assert isinstance(step, ag.Tensor) and step.dtype is ag.float32 and step.item() == 2.0
    for c, p in zip(clones, run.ours):
        c.grad = ag.ones_like(p)
    resumed.step()
    assert resumed.state[clones[0]]["step"].item() == 3.0
