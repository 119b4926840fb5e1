"""Grad mode is thread-local, as torch's: a thread under ``no_grad`` (or running a backward, which
switches grad mode off inside the engine) never changes what another thread records, and two
threads training at once get exactly the numbers each gets alone."""
import threading

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn

STEPS = 60


def make_problem(seed, device):
    rng = np.random.default_rng(seed)
    ag.manual_seed(seed)
    model = nn.Sequential(nn.Linear(6, 12), nn.Tanh(), nn.Linear(12, 3)).to(device)
    x = ag.tensor(rng.standard_normal((10, 6)).astype("float32"), device=device)
    y = ag.tensor(rng.integers(0, 3, 10), device=device)
    return model, x, y


def train(model, x, y, steps, sync=None, log=None):
    """SGD on cross-entropy. With ``sync`` (see ``lockstep``), each step's forward runs between
    two meetings with the other thread; ``log`` receives (requires_grad of the loss, grad mode)."""
    opt = ag.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        if sync is not None:
            sync()
        loss = nn.functional.cross_entropy(model(x), y)
        if log is not None:
            log.append((loss.requires_grad, ag.is_grad_enabled()))
        if sync is not None:
            sync()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, [p.detach().cpu().numpy().copy() for p in model.parameters()]


def evaluate(model, x, steps, sync=None, log=None):
    outputs = []
    for _ in range(steps):
        with ag.no_grad():
            if sync is not None:
                sync()
            out = model(x)
            if log is not None:
                log.append((out.requires_grad, out.grad_fn is None, ag.is_grad_enabled()))
            if sync is not None:
                sync()
        outputs.append(out.cpu().numpy())
    return outputs


def run_in_threads(*targets):
    """Runs the callables in threads at once; re-raises the first failure."""
    results, errors = [None] * len(targets), []

    def runner(i, fn):
        try:
            results[i] = fn()
        except BaseException as err:  # noqa: BLE001 - handed to the main thread
            errors.append(err)

    threads = [threading.Thread(target=runner, args=(i, fn)) for i, fn in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]
    return results


def lockstep(parties):
    """A barrier the threads pass together twice a step: whatever one does between the two
    meetings (inside ``no_grad``) overlaps what the other does between them (its forward)."""
    barrier = threading.Barrier(parties, timeout=60)
    return lambda: barrier.wait()


def test_training_beside_a_no_grad_thread_matches_single_thread_runs(device):
    alone_losses, alone_params = train(*make_problem(0, device), STEPS)
    eval_model, eval_x, _ = make_problem(1, device)
    alone_outputs = evaluate(eval_model, eval_x, 1)[0]

    model, x, y = make_problem(0, device)
    sync = lockstep(2)
    train_log, eval_log = [], []
    (losses, params), outputs = run_in_threads(
        lambda: train(model, x, y, STEPS, sync, train_log),
        lambda: evaluate(eval_model, eval_x, STEPS, sync, eval_log))

    assert train_log == [(True, True)] * STEPS
    assert eval_log == [(False, True, False)] * STEPS
    assert losses == alone_losses
    for a, b in zip(params, alone_params):
        np.testing.assert_array_equal(a, b)
    for out in outputs:
        np.testing.assert_array_equal(out, alone_outputs)


def test_two_threads_training_at_once_match_their_single_thread_runs(device):
    expected = [train(*make_problem(seed, device), STEPS) for seed in (2, 3)]
    problems = [make_problem(seed, device) for seed in (2, 3)]
    sync = lockstep(2)
    results = run_in_threads(*[lambda p=p: train(*p, STEPS, sync) for p in problems])
    for (losses, params), (want_losses, want_params) in zip(results, expected):
        assert losses == want_losses
        for a, b in zip(params, want_params):
            np.testing.assert_array_equal(a, b)


def test_backward_in_one_thread_does_not_switch_grad_off_in_another(device):
    """The engine runs each backward with grad mode off (unless create_graph): only in its own
    thread. Meanwhile, the other thread's ops record graphs every time."""
    stop = threading.Event()
    w = ag.ones(64, device=device, requires_grad=True)

    def backwards():
        count = 0
        while not stop.is_set() or count < 50:
            (w.exp() * w).sum().backward()
            count += 1
        return count

    def forwards():
        try:
            x = ag.ones(8, device=device, requires_grad=True)
            return [(x * 2).requires_grad and ag.is_grad_enabled() for _ in range(2000)]
        finally:
            stop.set()

    count, recorded = run_in_threads(backwards, forwards)
    assert count >= 50 and all(recorded)


@pytest.mark.parametrize("mode", ["no_grad", "set_grad_enabled", "inference_mode", "decorator"])
def test_grad_mode_set_in_one_thread_is_not_seen_in_another(mode):
    entered, checked = threading.Event(), threading.Event()
    seen = {}

    def inside():
        entered.set()
        assert checked.wait(30)
        seen["inside"] = ag.is_grad_enabled()

    def switch_off():
        if mode == "no_grad":
            with ag.no_grad():
                inside()
        elif mode == "set_grad_enabled":
            ag.set_grad_enabled(False)
            try:
                inside()
            finally:
                ag.set_grad_enabled(True)
        elif mode == "inference_mode":
            with ag.inference_mode():
                inside()
        else:
            ag.no_grad()(inside)()

    def observe():
        assert entered.wait(30)
        x = ag.ones(2, requires_grad=True)
        seen["other"] = (ag.is_grad_enabled(), (x * 2).requires_grad)
        checked.set()

    run_in_threads(switch_off, observe)
    assert seen == {"inside": False, "other": (True, True)}
    assert ag.is_grad_enabled()


def test_a_new_thread_starts_with_grad_enabled():
    with ag.no_grad():
        (state,) = run_in_threads(ag.is_grad_enabled)
    assert state is True
