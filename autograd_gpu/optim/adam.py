"""Adam and AdamW (decoupled weight decay), with amsgrad and maximize: torch's update, step for step."""
from ..creation import tensor, zeros_like
from ..dtypes import float32
from ..tensor import Tensor
from .optimizer import (Optimizer, grouped_arrays, require_nonnegative, unsupported_flags,
                        updated)


class Adam(Optimizer):
    """``foreach`` and ``fused`` are accepted for torch compatibility; every update is the one
    backend primitive ``adam_step`` (a multi-tensor kernel on cuda, numpy on the cpu)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        require_nonnegative(("learning rate", lr), ("epsilon value", eps))
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        require_nonnegative(("weight_decay value", weight_decay))
        if not (isinstance(betas[0], float) and isinstance(betas[1], float)):
            raise ValueError("betas must be either both floats or both Tensors")
        unsupported_flags(type(self).__name__, capturable=capturable, differentiable=differentiable)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        """Groups saved by older torch versions lack the newer options (torch's defaults fill
        them in), and their ``step`` may be a number rather than a tensor."""
        super().__setstate__(state)
        for group in self.param_groups:
            for key, default in (("amsgrad", False), ("maximize", False), ("foreach", None),
                                 ("capturable", False), ("differentiable", False),
                                 ("decoupled_weight_decay", False), ("fused", None)):
                group.setdefault(key, default)
            for p in group["params"]:
                p_state = self.state.get(p)
                if p_state and not isinstance(p_state["step"], Tensor):
                    p_state["step"] = tensor(float(p_state["step"]), dtype=float32)

    def _step_group(self, group):
        """One ``backend.adam_step`` per device over the group's parameters that have a gradient,
        their state created on their first step (torch's layout)."""
        beta1, beta2 = group["betas"]
        amsgrad = group["amsgrad"]
        for backend, params, arrays, grads in grouped_arrays(group["params"]):
            states = [self.state[p] for p in params]
            for p, state in zip(params, states):
                if len(state) == 0:
                    # torch keeps the step count as a float32 cpu scalar tensor
                    state["step"] = tensor(0.0, dtype=float32)
                    state["exp_avg"] = zeros_like(p)
                    state["exp_avg_sq"] = zeros_like(p)
                    if amsgrad:
                        state["max_exp_avg_sq"] = zeros_like(p)
            steps = []
            for state in states:
                state["step"] += 1
                steps.append(state["step"].item())
            exp_avgs = [state["exp_avg"] for state in states]
            exp_avg_sqs = [state["exp_avg_sq"] for state in states]
            maxes = [state["max_exp_avg_sq"] for state in states] if amsgrad else None
            backend.adam_step(arrays, grads, [m._data for m in exp_avgs],
                              [v._data for v in exp_avg_sqs],
                              None if maxes is None else [v._data for v in maxes], steps,
                              lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"],
                              weight_decay=group["weight_decay"],
                              decoupled=group["decoupled_weight_decay"],
                              maximize=group["maximize"])
            updated(params, exp_avgs, exp_avg_sqs, maxes or ())


class AdamW(Adam):
    """Adam with decoupled weight decay: ``param *= 1 - lr * weight_decay`` before the update."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
