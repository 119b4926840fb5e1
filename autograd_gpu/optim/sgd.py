"""SGD with momentum, dampening, Nesterov, weight decay and maximize: torch's update, step for step."""
from .optimizer import Optimizer, unsupported_flags


class SGD(Optimizer):
    """``foreach`` and ``fused`` are accepted for torch compatibility; every update takes the one
    per-parameter path (``sgd_update``)."""

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
        momentum = group["momentum"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            buf = sgd_update(p, p.grad, state.get("momentum_buffer"), lr=group["lr"],
                             momentum=momentum, dampening=group["dampening"],
                             weight_decay=group["weight_decay"], nesterov=group["nesterov"],
                             maximize=group["maximize"])
            if momentum != 0:
                state["momentum_buffer"] = buf


def sgd_update(param, grad, momentum_buffer, *, lr, momentum, dampening, weight_decay, nesterov,
               maximize):
    """Updates ``param`` in place; returns the momentum buffer (a new one on the first step,
    a copy of that step's gradient, as torch), or None without momentum.

    g = ±grad + weight_decay * param;  buf = momentum * buf + (1 - dampening) * g;
    g = g + momentum * buf (Nesterov) or buf;  param -= lr * g.
    """
    if maximize:
        grad = -grad
    if weight_decay != 0:
        grad = grad.add(param, alpha=weight_decay)
    if momentum != 0:
        if momentum_buffer is None:
            momentum_buffer = grad.detach().clone()
        else:
            momentum_buffer.mul_(momentum).add_(grad, alpha=1 - dampening)
        grad = grad.add(momentum_buffer, alpha=momentum) if nesterov else momentum_buffer
    param.add_(grad, alpha=-lr)
    return momentum_buffer
