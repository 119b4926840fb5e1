"""Adagrad with lr decay, weight decay, an initial accumulator and maximize: torch's update, step
for step."""
from ..creation import full_like, tensor
from ..dtypes import float32
from ..tensor import Tensor
from .optimizer import Optimizer, require_nonnegative, unsupported_flags, updated


class Adagrad(Optimizer):
    """torch.optim.Adagrad, single-tensor (``foreach=False``) arithmetic, dense gradients.

    Not fused on cuda: each parameter is updated by the backend's array operations (``xp``: numpy
    or CuPy) in place, one element-wise op per torch op, in torch's order, each Python scalar
    rounded to the parameter's dtype first. ``foreach`` is accepted for torch compatibility and
    changes nothing; ``fused`` and ``differentiable`` are refused.

    As torch's, the state (``step`` and ``sum``) of every parameter is created by the constructor,
    and ``sum`` starts at the optimizer's ``initial_accumulator_value`` (a group's own value is
    not read).
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        require_nonnegative(("learning rate", lr), ("lr_decay value", lr_decay),
                            ("weight_decay value", weight_decay),
                            ("initial_accumulator_value value", initial_accumulator_value),
                            ("epsilon value", eps))
        unsupported_flags("Adagrad", differentiable=differentiable, fused=fused)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(self.state[p], p)

    def _init_state(self, state, p):
        state["step"] = tensor(0.0, dtype=float32)  # a float32 cpu scalar, as torch's
        state["sum"] = full_like(p, self.defaults["initial_accumulator_value"])

    def __setstate__(self, state):
        """Groups saved by older torch versions lack the newer options (torch's defaults fill
        them in), and their ``step`` may be a number rather than a tensor."""
        super().__setstate__(state)
        for group in self.param_groups:
            for key, default in (("foreach", None), ("maximize", False),
                                 ("differentiable", False), ("fused", None)):
                group.setdefault(key, default)
        for p_state in self.state.values():
            if p_state and not isinstance(p_state["step"], Tensor):
                p_state["step"] = tensor(float(p_state["step"]), dtype=float32)

    def _step_group(self, group):
        """Every parameter of the group that has a gradient (one added by ``add_param_group``
        gets its state on its first step, as in torch)::

            g = ±grad + weight_decay * p;  clr = lr / (1 + (step - 1) * lr_decay);
            sum += g * g;  p -= clr * g / (sqrt(sum) + eps).
        """
        lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
        weight_decay, maximize = group["weight_decay"], group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                self._init_state(state, p)
            state["step"] += 1
            step = state["step"].item()
            xp, t = p._backend.xp, p._data.dtype.type
            param, grad = p._data, p.grad._data
            if maximize:
                grad = xp.negative(grad)
            if weight_decay != 0:
                grad = xp.add(grad, xp.multiply(param, t(weight_decay)))
            clr = lr / (1 + (step - 1) * lr_decay)
            state_sum = state["sum"]
            state_sum._data += xp.multiply(grad, grad)  # addcmul_(g, g, value=1)
            std = xp.add(xp.sqrt(state_sum._data), t(eps))
            param += xp.divide(xp.multiply(grad, t(-clr)), std)  # addcdiv_(g, std, -clr)
            updated([p, state_sum])
