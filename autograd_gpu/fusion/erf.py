"""``erf``: the error function as a differentiable op, also usable inside fused functions (where it
is one node of the expression, computed by the GPU's ``erff``/``erf``)."""
import math

from ..autograd.function import Op
from ..tensor import Tensor

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


class Erf(Op):
    node_name = "ErfBackward0"

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._backend.erf(x._data)

    def backward(ctx, gy):
        from ..ops.elementwise import exp  # noqa: PLC0415 - ops import the package this is in

        (x,) = ctx.saved_tensors
        return gy * (_TWO_OVER_SQRT_PI * exp(-(x * x)))


def erf(input):
    """erf(x) = 2/sqrt(pi) * integral of exp(-t^2) from 0 to x, elementwise (torch.erf)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"erf(): argument 'input' must be Tensor, not {type(input).__name__}")
    if not input.is_floating_point():
        from .. import dtypes  # noqa: PLC0415

        input = input.to(dtypes.get_default_dtype())
    return Erf.apply(input)
