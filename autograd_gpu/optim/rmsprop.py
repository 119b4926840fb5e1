"""RMSprop with momentum, centering, weight decay and maximize: torch's update, step for step."""
from ..creation import tensor, zeros_like
from ..dtypes import float32
from ..tensor import Tensor
from .optimizer import Optimizer, require_nonnegative, unsupported_flags, updated


def lerp_(xp, start, end, weight):
    """``start.lerp_(end, weight)`` in place, by torch's two branches (exact at 0 and 1): the
    weight rounded to the arrays' dtype first, as torch's kernel takes it."""
    t = start.dtype.type
    w = t(weight)
    diff = xp.subtract(end, start)
    if abs(w) < 0.5:
        start += xp.multiply(diff, w)
    else:
        xp.subtract(end, xp.multiply(diff, t(1) - w), out=start)


class RMSprop(Optimizer):
    """torch.optim.RMSprop, single-tensor (``foreach=False``) arithmetic.

    Not fused on cuda: each parameter is updated by the backend's array operations (``xp``: numpy
    or CuPy) in place, one element-wise op per torch op, in torch's order, each Python scalar
    rounded to the parameter's dtype first. ``foreach`` is accepted for torch compatibility and
    changes nothing; ``capturable`` and ``differentiable`` are refused.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        require_nonnegative(("learning rate", lr), ("epsilon value", eps),
                            ("momentum value", momentum), ("weight_decay value", weight_decay),
                            ("alpha value", alpha))
        unsupported_flags("RMSprop", capturable=capturable, differentiable=differentiable)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay, "capturable": capturable,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        """Groups saved by older torch versions lack the newer options (torch's defaults fill
        them in), and their ``step`` may be a number rather than a tensor."""
        super().__setstate__(state)
        for group in self.param_groups:
            for key, default in (("momentum", 0), ("centered", False), ("foreach", None),
                                 ("maximize", False), ("differentiable", False),
                                 ("capturable", False)):
                group.setdefault(key, default)
            for p in group["params"]:
                p_state = self.state.get(p)
                if p_state and not isinstance(p_state["step"], Tensor):
                    p_state["step"] = tensor(float(p_state["step"]), dtype=float32)

    def _step_group(self, group):
        """Every parameter of the group that has a gradient, its state created on its first step
        (torch's layout: ``momentum_buffer`` only with momentum > 0, ``grad_avg`` only centered)::

            g = ±grad + weight_decay * p;  v = alpha * v + (1 - alpha) * g * g;
            avg = sqrt(v - lerp(g_avg, g, 1 - alpha)^2 (centered) or v) + eps;
            buf = momentum * buf + g / avg, p -= lr * buf  (momentum > 0)  or  p -= lr * g / avg.
        """
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        centered, maximize = group["centered"], group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = tensor(0.0, dtype=float32)  # a float32 cpu scalar, as torch's
                state["square_avg"] = zeros_like(p)
                if momentum > 0:
                    state["momentum_buffer"] = zeros_like(p)
                if centered:
                    state["grad_avg"] = zeros_like(p)
            state["step"] += 1
            xp, t = p._backend.xp, p._data.dtype.type
            param, grad = p._data, p.grad._data
            if maximize:
                grad = xp.negative(grad)
            if weight_decay != 0:
                grad = xp.add(grad, xp.multiply(param, t(weight_decay)))
            square_avg = state["square_avg"]
            sq = square_avg._data
            sq *= t(alpha)
            sq += xp.multiply(xp.multiply(grad, t(1 - alpha)), grad)  # addcmul_(g, g, 1 - alpha)
            changed = [p, square_avg]
            if centered:
                grad_avg = state["grad_avg"]
                lerp_(xp, grad_avg._data, grad, 1 - alpha)
                ga = grad_avg._data
                avg = xp.sqrt(xp.subtract(sq, xp.multiply(ga, ga)))
                changed.append(grad_avg)
            else:
                avg = xp.sqrt(sq)
            avg = xp.add(avg, t(eps))
            if momentum > 0:
                buffer = state["momentum_buffer"]
                buf = buffer._data
                buf *= t(momentum)
                buf += xp.divide(grad, avg)
                param += xp.multiply(buf, t(-lr))
                changed.append(buffer)
            else:
                param += xp.divide(xp.multiply(grad, t(-lr)), avg)  # addcdiv_(g, avg, -lr)
            updated(changed)
