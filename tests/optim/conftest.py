"""Optimizer trajectories against torch: the same fresh random parameters and per-step gradients
go to an autograd_gpu optimizer (on the test device) and to torch's (on the cpu)."""
import numpy as np
import pytest

import autograd_gpu as ag
import autograd_gpu.optim  # noqa: F401 - makes ag.optim available to the shared factories
from helpers import random_array, torch_or_skip


def to_numpy(t):
    return np.asarray(t.detach().cpu().numpy())


class Trajectory:
    """Two optimizers fed identical gradients; ``run`` steps both and compares every parameter
    (and, with ``state_keys``, every state tensor) after every step."""

    def __init__(self, rng, device, make, shapes, dtype, scheduler):
        self.torch = torch_or_skip()
        self.rng, self.device, self.dtype = rng, device, dtype
        self.shapes = shapes
        inits = [random_array(rng, s, dtype) for s in shapes]
        self.ours = [ag.tensor(a, device=device, requires_grad=True) for a in inits]
        self.theirs = [self.torch.tensor(a, requires_grad=True) for a in inits]
        self.opt_ours, self.opt_theirs = make(ag, self.ours), make(self.torch, self.theirs)
        self.sched_ours = self.sched_theirs = None
        if scheduler is not None:
            self.sched_ours = scheduler(ag, self.opt_ours)
            self.sched_theirs = scheduler(self.torch, self.opt_theirs)

    def set_grads(self, with_grad=None):
        for i, (a, t) in enumerate(zip(self.ours, self.theirs)):
            if with_grad is not None and i not in with_grad:
                a.grad = t.grad = None
                continue
            g = random_array(self.rng, self.shapes[i], self.dtype)
            a.grad = ag.tensor(g, device=self.device)
            t.grad = self.torch.tensor(g)

    def run(self, steps, rtol, atol, with_grad=None):
        for _ in range(steps):
            self.set_grads(with_grad)
            self.opt_ours.step()
            self.opt_theirs.step()
            if self.sched_ours is not None:
                self.sched_ours.step()
                self.sched_theirs.step()
                assert self.sched_ours.get_last_lr() == self.sched_theirs.get_last_lr()
            self.compare(rtol, atol)

    def compare(self, rtol, atol):
        for i, (a, t) in enumerate(zip(self.ours, self.theirs)):
            assert a.device.type == self.device.split(":")[0]
            np.testing.assert_allclose(to_numpy(a), to_numpy(t), rtol=rtol, atol=atol,
                                       err_msg=f"parameter {i}")
            ours, theirs = self.opt_ours.state.get(a, {}), self.opt_theirs.state.get(t, {})
            assert sorted(ours) == sorted(theirs), f"state keys of parameter {i}"
            for key in theirs:
                np.testing.assert_allclose(to_numpy(ours[key]), to_numpy(theirs[key]), rtol=rtol,
                                           atol=atol, err_msg=f"state {key} of parameter {i}")


@pytest.fixture
def trajectory(rng, device):
    def make(make_optimizer, shapes=((5, 4), (4,), ()), dtype="float32", scheduler=None):
        return Trajectory(rng, device, make_optimizer, shapes, dtype, scheduler)
    return make
