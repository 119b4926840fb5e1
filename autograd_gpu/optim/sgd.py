"""SGD with momentum, dampening, Nesterov, weight decay and maximize: torch's update, step for step."""
from .optimizer import Optimizer, grouped_arrays, state_tensor, unsupported_flags, updated


class SGD(Optimizer):
    """``foreach`` and ``fused`` are accepted for torch compatibility; every update is the one
    backend primitive ``sgd_step`` (a multi-tensor kernel on cuda, numpy on the cpu)."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        unsupported_flags("SGD", differentiable=differentiable)
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        """Groups saved by older torch versions lack the newer options: give them torch's defaults."""
        super().__setstate__(state)
        for group in self.param_groups:
            for key, default in (("nesterov", False), ("maximize", False), ("foreach", None),
                                 ("differentiable", False), ("fused", False)):
                group.setdefault(key, default)

    def _step_group(self, group):
        """One ``backend.sgd_step`` per device over the group's parameters that have a gradient;
        without momentum the parameters get no state (torch's layout)."""
        momentum = group["momentum"]
        for backend, params, arrays, grads in grouped_arrays(group["params"]):
            states = bufs = buf_arrays = None
            if momentum != 0:
                states = [self.state[p] for p in params]
                bufs = [state.get("momentum_buffer") for state in states]
                buf_arrays = [None if b is None else b._data for b in bufs]
            new_bufs = backend.sgd_step(
                arrays, grads, buf_arrays, lr=group["lr"], momentum=momentum,
                dampening=group["dampening"], weight_decay=group["weight_decay"],
                nesterov=group["nesterov"], maximize=group["maximize"])
            updated(params)
            if bufs is None:
                continue
            updated(b for b in bufs if b is not None)
            for state, buf, array in zip(states, bufs, new_bufs):
                if buf is None:
                    state["momentum_buffer"] = state_tensor(array, backend)
