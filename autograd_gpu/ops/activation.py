"""Activations and the ops a classifier head needs around them: softmax and log_softmax (shifted
by the row maximum, so logits of +-1e4 stay finite in float32), gelu (exact and tanh), leaky_relu,
silu, elu (and selu, celu), softplus, hardtanh and relu6, prelu, mish, hardswish, hardsigmoid,
logsigmoid, hardshrink, softshrink, threshold, glu, softmin, dropout and embedding.

Each op's forward works on arrays and its backward in differentiable Tensor ops (or, for softmax
and log_softmax, a ``*Grad`` op with its own backward; gelu is a fused function, whose backward is
fused too), so ``create_graph=True`` gives higher-order gradients. softmax and log_softmax run
as backend primitives (raw kernels on cuda).
"""
import math
import struct
import warnings

from .._tensor_methods import _inplace_unary
from ..autograd.function import Op, device_mismatch
from ..fusion import erf, fuse
from ..random import engine_for
from ..tensor import Tensor, _wrap_dim, check_tensor, op_note
from .elementwise import sigmoid, tanh, where
from .indexing import IndexScatter
from .shape import cat




def check_floating(x, kernel):
    """Activations and losses are defined on floating tensors only; torch names its kernel."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{kernel}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if not x.is_floating_point():
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{x.dtype.scalar_name}'")


# -- softmax and log_softmax -----------------------------------------------------------------------

def _softmax_dim(x, dim, op):
    """The dim to normalise over; ``dim=None`` is torch's deprecated implicit choice."""
    ndim = x._data.ndim
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call to "
                      "include dim=X as an argument.", UserWarning, stacklevel=3)
        dim = 0 if ndim in (0, 1, 3) else 1
    dim = _wrap_dim(dim, ndim, op)
    return dim if ndim else None  # a 0-d tensor is normalised over its single element


class Softmax(Op):
    node_name = "SoftmaxBackward0"
    save_outputs = True

    def forward(ctx, x, dim):
        ctx.dim = dim
        if x._data.size == 0:  # nothing to normalise (the max below has no identity)
            return x._data.copy()
        return x._backend.softmax(x._data, dim)

    def backward(ctx, gy):
        (y,) = ctx.saved_outputs
        return SoftmaxGrad.apply(gy, y, ctx.dim)


class SoftmaxGrad(Op):
    """gx = y * (gy - sum(gy * y)) over dim, from softmax's output y, as one op (the Jacobian-vector
    product without forming the Jacobian); its arguments in torch's order (grad_output, output).
    Its own backward is in Tensor ops: the Jacobian is symmetric, so d/dgy = y * (g - sum(g * y)),
    and d/dy = g * (gy - sum(gy * y)) - gy * sum(g * y)."""
    node_name = "SoftmaxBackwardDataBackward0"

    def forward(ctx, gy, y, dim):
        ctx.save_for_backward(gy if ctx.needs_input_grad[1] else None, y)
        ctx.dim = dim
        return y._backend.softmax_backward(y._data, gy._data, dim)

    def backward(ctx, g):
        gy, y = ctx.saved_tensors
        need_gy, need_y = ctx.needs_input_grad[:2]
        ggy = SoftmaxGrad.apply(g, y, ctx.dim) if need_gy else None
        gyy = None
        if need_y:
            gyy = (g * (gy - (gy * y).sum(dim=ctx.dim, keepdim=True))
                   - gy * (g * y).sum(dim=ctx.dim, keepdim=True))
        return ggy, gyy


class LogSoftmax(Op):
    node_name = "LogSoftmaxBackward0"
    save_outputs = True

    def forward(ctx, x, dim):
        ctx.dim = dim
        if x._data.size == 0:  # nothing to normalise (the max below has no identity)
            return x._data.copy()
        return x._backend.log_softmax(x._data, dim)

    def backward(ctx, gy):
        (y,) = ctx.saved_outputs
        return LogSoftmaxGrad.apply(gy, y, ctx.dim)


class LogSoftmaxGrad(Op):
    """gx = gy - exp(y) * sum(gy) over dim, from log_softmax's output y, as one op (the backward
    of cross_entropy runs it on every step); its arguments in torch's order (grad_output, output).
    Its own backward is in Tensor ops: d/dgy = g - sum(g * exp(y)), d/dy = -g * exp(y) * sum(gy)."""
    node_name = "LogSoftmaxBackwardDataBackward0"

    def forward(ctx, gy, y, dim):
        ctx.save_for_backward(gy if ctx.needs_input_grad[1] else None, y)
        ctx.dim = dim
        return y._backend.log_softmax_backward(y._data, gy._data, dim)

    def backward(ctx, g):
        gy, y = ctx.saved_tensors
        need_gy, need_y = ctx.needs_input_grad[:2]
        p = y.exp()
        ggy = g - (g * p).sum(dim=ctx.dim, keepdim=True) if need_gy else None
        gyy = -(g * p * gy.sum(dim=ctx.dim, keepdim=True)) if need_y else None
        return ggy, gyy


def _softmax_input(x, dim, dtype, op):
    """torch's order: the cast (integers may ask for a floating result), the dim, the dtype."""
    if isinstance(x, Tensor):
        if dtype is not None:
            x = x.to(dtype)
        dim = _softmax_dim(x, dim, op)
        if x._data.size == 0:  # torch checks no dtype of an empty input
            return x, dim
    check_floating(x, f"{op}_lastdim_kernel_impl")
    return x, dim


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    x, dim = _softmax_input(input, dim, dtype, "softmax")
    return Softmax.apply(x, dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    x, dim = _softmax_input(input, dim, dtype, "log_softmax")
    return LogSoftmax.apply(x, dim)


def torch_softmax(input, dim, dtype=None):
    """torch.softmax and Tensor.softmax: nn.functional's softmax with ``dim`` required."""
    return softmax(input, dim, dtype=dtype)


def torch_log_softmax(input, dim, dtype=None):
    """torch.log_softmax and Tensor.log_softmax: nn.functional's, with ``dim`` required."""
    return log_softmax(input, dim, dtype=dtype)


# -- gelu ------------------------------------------------------------------------------------------
# torch's formulas, fused (one kernel forward, one backward on cuda; float16 computed in float32):
# exact: x/2 (1 + erf(x / sqrt 2)); tanh: x/2 (1 + tanh(k (x + c x^3))), k = sqrt(2/pi).

_SQRT_HALF = math.sqrt(0.5)
_TANH_K = math.sqrt(2.0 / math.pi)
_TANH_C = 0.044715


@fuse(name="GeluBackward0")
def _gelu_erf(x):
    return x * 0.5 * (1.0 + erf(x * _SQRT_HALF))


@fuse(name="GeluBackward0")
def _gelu_tanh(x):
    return 0.5 * x * (1.0 + tanh(_TANH_K * (x + _TANH_C * (x * x * x))))


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    check_floating(input, "GeluKernelImpl")
    return _gelu_tanh(input) if approximate == "tanh" else _gelu_erf(input)


# -- piecewise activations -------------------------------------------------------------------------

_NEGATIVE_SLOPE_INPLACE = (
    "In-place {} backward calculation is triggered with a negative slope which is not supported. "
    "This is caused by calling in-place forward function with a negative slope, please call "
    "out-of-place version instead.")


def _leaky(xp, data, slope):
    return xp.where(data > 0, data, data * slope)


class LeakyRelu(Op):
    node_name = "LeakyReluBackward0"

    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return _leaky(x._backend.xp, x._data, slope)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return where(x > 0, gy, gy * ctx.slope)


class LeakyReluInplace(Op):
    """leaky_relu_: the input is overwritten, so backward reads the sign from the result, which
    only a non-negative slope preserves (torch refuses the rest at backward too)."""
    node_name = "LeakyReluBackward1"
    save_outputs = True

    def forward(ctx, x, slope):
        ctx.slope = slope
        return _leaky(x._backend.xp, x._data, slope)

    def backward(ctx, gy):
        if ctx.slope < 0:
            raise RuntimeError(_NEGATIVE_SLOPE_INPLACE.format("leakyReLu"))
        (y,) = ctx.saved_outputs
        return where(y > 0, gy, gy * ctx.slope)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    check_floating(input, "leaky_relu_cpu")
    if inplace:
        return _inplace_unary(input, lambda t: LeakyReluInplace.apply(t, float(negative_slope)),
                              "leaky_relu_")
    return LeakyRelu.apply(input, float(negative_slope))


class Silu(Op):
    node_name = "SiluBackward0"

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._data * x._backend.sigmoid(x._data)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        s = sigmoid(x)
        return gy * s * (1.0 + x * (1.0 - s))


def silu(input, inplace=False):
    check_floating(input, "silu_cpu")
    if inplace:
        # backward needs the input's old values: the op reads (and saves) a copy of them
        return _inplace_unary(input, lambda t: Silu.apply(t.clone()), "silu_")
    return Silu.apply(input)


def _times(x, factor):
    """x * factor, skipped for plain elu's factors of 1 (its backward is on training's path)."""
    return x if factor == 1 else x * factor


def _elu(xp, data, alpha, scale, input_scale):
    """torch's elu kernel: scale x where x > 0, alpha scale (exp(input_scale x) - 1) elsewhere
    (selu and celu are elu with other scales)."""
    neg = (alpha * scale) * xp.expm1(_times(xp.minimum(data, 0), input_scale))
    return xp.where(data > 0, _times(data, scale), neg).astype(data.dtype, copy=False)


class Elu(Op):
    """``grad_scale`` is the input scale backward uses: torch's celu rounds alpha to float32
    there (``1.0 / alpha.toFloat()`` in its derivatives), not in forward."""
    node_name = "EluBackward0"

    def forward(ctx, x, alpha, scale, input_scale, grad_scale):
        ctx.save_for_backward(x)
        ctx.meta = (alpha, scale, grad_scale)
        return _elu(x._backend.xp, x._data, alpha, scale, input_scale)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.meta
        # exp of the clamped input: the branch where() discards never overflows into 0 * inf
        neg = gy * (alpha * scale * input_scale) * _times(x.clamp(max=0), input_scale).exp()
        return where(x > 0, _times(gy, scale), neg)


class EluInplace(Op):
    """elu_: backward from the result, y > 0 where x > 0 and dy/dx = input_scale (y + alpha scale)
    elsewhere (for a non-negative alpha, as in torch)."""
    node_name = "EluBackward1"
    save_outputs = True

    def forward(ctx, x, alpha, scale, input_scale, grad_scale):
        ctx.meta = (alpha, scale, grad_scale)
        return _elu(x._backend.xp, x._data, alpha, scale, input_scale)

    def backward(ctx, gy):
        alpha, scale, input_scale = ctx.meta
        if alpha < 0:
            raise RuntimeError(_NEGATIVE_SLOPE_INPLACE.format("elu"))
        (y,) = ctx.saved_outputs
        return where(y > 0, _times(gy, scale), _times(gy, input_scale) * (y + alpha * scale))


class Celu(Elu):
    node_name = "CeluBackward0"


class CeluInplace(EluInplace):
    node_name = "CeluBackward1"


def _elu_family(input, args, inplace, ops, name):
    """``args``: (alpha, scale, input_scale, grad_scale), as the Elu ops take them."""
    check_tensor(input, name)
    check_floating(input, "elu_cpu")
    out_of_place, in_place = ops
    if inplace:
        return _inplace_unary(input, lambda t: in_place.apply(t, *args), f"{name}_")
    return out_of_place.apply(input, *args)


def elu(input, alpha=1.0, inplace=False):
    return _elu_family(input, (float(alpha), 1.0, 1.0, 1.0), inplace, (Elu, EluInplace), "elu")


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """scale elu(x, alpha) with torch's constants (its node is EluBackward0 too)."""
    return _elu_family(input, (_SELU_ALPHA, _SELU_SCALE, 1.0, 1.0), inplace, (Elu, EluInplace),
                       "selu")


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1)): elu with input scale 1 / alpha."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    alpha = float(alpha)
    alpha32 = struct.unpack("f", struct.pack("f", alpha))[0]
    return _elu_family(input, (alpha, 1.0, 1.0 / alpha, 1.0 / alpha32), inplace,
                       (Celu, CeluInplace), "celu")


def _softplus(xp, data, beta, threshold):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (torch's cut-off); the
    exp never sees more than the threshold, so it cannot overflow."""
    z = data * beta
    soft = xp.log1p(xp.exp(xp.minimum(z, threshold))) / beta
    return xp.where(z > threshold, data, soft).astype(data.dtype, copy=False)


class Softplus(Op):
    node_name = "SoftplusBackward0"

    def forward(ctx, x, beta, threshold):
        ctx.save_for_backward(x)
        ctx.meta = (beta, threshold)
        return _softplus(x._backend.xp, x._data, beta, threshold)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        beta, threshold = ctx.meta
        z = x * beta
        return where(z > threshold, gy, gy * sigmoid(z))


def softplus(input, beta=1.0, threshold=20.0):
    check_tensor(input, "softplus")
    check_floating(input, "softplus_cpu")
    return Softplus.apply(input, float(beta), float(threshold))


def _hardtanh(xp, data, min_val, max_val):
    return xp.clip(data, min_val, max_val).astype(data.dtype, copy=False)


def _hardtanh_grad(ref, gy, min_val, max_val):
    """torch's hardtanh_backward: no gradient at or beyond either bound. ``ref`` is the input, or
    the result of the in-place variant (which lies inside the bounds exactly where the input did)."""
    return where((ref <= min_val) | (ref >= max_val), 0.0, gy)


class Hardtanh(Op):
    node_name = "HardtanhBackward0"

    def forward(ctx, x, min_val, max_val):
        ctx.save_for_backward(x)
        ctx.meta = (min_val, max_val)
        return _hardtanh(x._backend.xp, x._data, min_val, max_val)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return _hardtanh_grad(x, gy, *ctx.meta)


class HardtanhInplace(Op):
    """hardtanh_: backward from the result (torch's node is HardtanhBackward0 for both)."""
    node_name = "HardtanhBackward0"
    save_outputs = True

    def forward(ctx, x, min_val, max_val):
        ctx.meta = (min_val, max_val)
        return _hardtanh(x._backend.xp, x._data, min_val, max_val)

    def backward(ctx, gy):
        (y,) = ctx.saved_outputs
        return _hardtanh_grad(y, gy, *ctx.meta)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clamp(input, min_val, max_val) with torch's gradient (none at the bounds); integer inputs
    are clamped too, as torch's are."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    check_tensor(input, "hardtanh")
    if input.dtype.name == "bool":
        raise op_note(RuntimeError("Bool inputs not supported for hardtanh"), "hardtanh", input)
    if inplace:
        return _inplace_unary(input, lambda t: HardtanhInplace.apply(t, min_val, max_val),
                              "hardtanh_")
    return Hardtanh.apply(input, min_val, max_val)


def relu6(input, inplace=False):
    """hardtanh(input, 0, 6), which is what torch runs (its node is HardtanhBackward0)."""
    return hardtanh(input, 0.0, 6.0, inplace)


class Prelu(Op):
    """max(0, x) + weight * min(0, x), the weight one value or one per channel (dim 1)."""
    node_name = "PreluKernelBackward0"

    def forward(ctx, x, weight, view):
        ctx.save_for_backward(x, weight)
        ctx.view = view
        data = x._data
        w = weight._data.reshape(view)
        return x._backend.xp.where(data > 0, data, w * data).astype(data.dtype, copy=False)

    def backward(ctx, gy):
        x, weight = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad[:2]
        positive = x > 0
        gx = gw = None
        if need_x:
            gx = where(positive, gy, gy * weight.reshape(ctx.view))
        if need_w:
            terms = where(positive, 0.0, x * gy)
            if weight._data.size == 1:
                gw = terms.sum().reshape(weight._data.shape)
            else:
                axes = (0,) + tuple(range(2, x._data.ndim))
                gw = terms.sum(dim=axes).reshape(weight._data.shape)
        return gx, gw


def prelu(input, weight):
    check_tensor(input, "prelu")
    check_tensor(weight, "prelu", "weight", 2)
    if input._backend is not weight._backend:
        raise device_mismatch("prelu", input, weight)
    if weight._data.ndim > 1:
        raise op_note(RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                                   f"ndim = {weight._data.ndim}"), "prelu", input, weight)
    if input.dtype is not weight.dtype:
        raise op_note(RuntimeError(f"prelu: Type promoting not supported. Got "
                                   f"{input.dtype.scalar_name} and {weight.dtype.scalar_name}"),
                      "prelu", input, weight)
    ndim = input._data.ndim
    count = weight._data.size
    if count != 1:
        if ndim == 0:
            raise op_note(RuntimeError("Not allow zero-dim input tensor."), "prelu", input, weight)
        channels = input._data.shape[1] if ndim >= 2 else 1
        if count != channels:
            raise op_note(RuntimeError(f"Mismatch of parameter numbers and input channel size. "
                                       f"Found parameter numbers = {count} and channel size = "
                                       f"{channels}."), "prelu", input, weight)
        view = (1, count) + (1,) * (ndim - 2)
    else:
        view = ()
    check_floating(input, "prelu_cpu")
    return Prelu.apply(input, weight, view)


class Mish(Op):
    """x tanh(softplus(x)); backward as torch's mish_backward,
    g (t + x sigmoid(x) (1 - t^2)) with t = tanh(softplus(x))."""
    node_name = "MishBackward0"

    def forward(ctx, x):
        ctx.save_for_backward(x)
        xp, data = x._backend.xp, x._data
        return (data * xp.tanh(xp.logaddexp(0, data))).astype(data.dtype, copy=False)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        t = tanh(Softplus.apply(x, 1.0, 20.0))
        return gy * (t + x * sigmoid(x) * (1.0 - t * t))


def mish(input, inplace=False):
    check_tensor(input, "mish")
    check_floating(input, "mish_cpu")
    if inplace:
        # backward needs the input's old values: the op reads (and saves) a copy of them
        return _inplace_unary(input, lambda t: Mish.apply(t.clone()), "mish_")
    return Mish.apply(input)


# -- hardswish, hardsigmoid, logsigmoid, shrinks, threshold, glu ---------------------------------

def _relu6_of_shift(xp, data):
    """min(max(x + 3, 0), 6), the piece hardswish and hardsigmoid share (torch's order)."""
    return xp.minimum(xp.maximum(data + 3, 0), 6)


class Hardswish(Op):
    """x relu6(x + 3) / 6; backward as torch's: 0 up to -3, x / 3 + 1/2 below 3, 1 from 3."""
    node_name = "HardswishBackward0"

    def forward(ctx, x):
        ctx.save_for_backward(x)
        data = x._data
        return (data * _relu6_of_shift(x._backend.xp, data) / 6).astype(data.dtype, copy=False)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return where(x <= -3, 0.0, where(x < 3, gy * (x / 3 + 0.5), gy))


# torch's hardsigmoid backward multiplies by 1.0f / 6.0f, rounded to float32 in every dtype
_ONE_SIXTH_F32 = struct.unpack("f", struct.pack("f", 1.0 / 6.0))[0]


class Hardsigmoid(Op):
    """relu6(x + 3) / 6; gradient 1/6 strictly inside (-3, 3), 0 elsewhere (torch's)."""
    node_name = "HardsigmoidBackward0"

    def forward(ctx, x):
        ctx.save_for_backward(x)
        data = x._data
        return (_relu6_of_shift(x._backend.xp, data) / 6).astype(data.dtype, copy=False)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return where((x > -3) & (x < 3), gy * _ONE_SIXTH_F32, 0.0)


def hardswish(input, inplace=False):
    check_tensor(input, "hardswish")
    check_floating(input, "hardswish_cpu")
    if inplace:
        return _inplace_unary(input, Hardswish.apply, "hardswish_")
    return Hardswish.apply(input)


def hardsigmoid(input, inplace=False):
    check_tensor(input, "hardsigmoid")
    check_floating(input, "hardsigmoid_cpu")
    if inplace:
        return _inplace_unary(input, Hardsigmoid.apply, "hardsigmoid_")
    return Hardsigmoid.apply(input)


class LogSigmoid(Op):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), finite for any x; gradient sigmoid(-x)."""
    node_name = "LogSigmoidBackward0"

    def forward(ctx, x):
        ctx.save_for_backward(x)
        xp, data = x._backend.xp, x._data
        return (xp.minimum(data, 0) - xp.log1p(xp.exp(-xp.abs(data)))).astype(data.dtype,
                                                                              copy=False)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * sigmoid(-x)


def logsigmoid(input):
    check_tensor(input, "log_sigmoid")
    check_floating(input, "log_sigmoid_cpu")
    return LogSigmoid.apply(input)


class Shrink(Op):
    """hardshrink (``soft=False``: x where |x| > lambd, else 0) and softshrink (the kept values
    moved lambd towards 0); both pass the gradient where |x| > lambd."""

    def forward(ctx, x, lambd, soft):
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        xp, data = x._backend.xp, x._data
        inside = (data >= -lambd) & (data <= lambd)
        kept = data - xp.sign(data) * lambd if soft else data
        return xp.where(inside, 0, kept).astype(data.dtype, copy=False)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return where((x >= -ctx.lambd) & (x <= ctx.lambd), 0.0, gy)


class Hardshrink(Shrink):
    node_name = "HardshrinkBackward0"


class Softshrink(Shrink):
    node_name = "SoftshrinkBackward0"


def _check_number(value, op, name, position):
    if not isinstance(value, (int, float)) and not (isinstance(value, Tensor) and value.numel() == 1):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Number, not "
                        f"{type(value).__name__}")


def hardshrink(input, lambd=0.5):
    check_tensor(input, "hardshrink")
    check_floating(input, "hardshrink_cpu")
    _check_number(lambd, "hardshrink", "lambd", 2)
    return Hardshrink.apply(input, float(lambd), False)


def softshrink(input, lambd=0.5):
    check_tensor(input, "softshrink")
    check_floating(input, "softshrink_check")
    if lambd < 0:
        top = float(input._backend.xp.finfo(input._data.dtype).max)
        raise op_note(RuntimeError(f"lambda must be in range [0, {top:g}] for input dtype "
                                   f"{input.dtype.scalar_name}, but found {lambd:g}"),
                      "softshrink", input)
    return Softshrink.apply(input, float(lambd), True)


def _threshold(xp, data, threshold, value):
    return xp.where(data <= threshold, value, data).astype(data.dtype, copy=False)


class Threshold(Op):
    """value where x <= threshold, x elsewhere; no gradient where x <= threshold."""
    node_name = "ThresholdBackward0"

    def forward(ctx, x, threshold, value):
        ctx.save_for_backward(x)
        ctx.threshold = threshold
        return _threshold(x._backend.xp, x._data, threshold, value)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return where(x <= ctx.threshold, 0.0, gy)


class ThresholdInplace(Threshold):
    """threshold_: backward reads the old input (saved as a copy), as torch's."""
    node_name = "ThresholdBackward1"


def threshold(input, threshold, value, inplace=False):
    """Integer inputs are thresholded too, as torch's are."""
    check_tensor(input, "threshold")
    if input.dtype.name == "bool":
        raise op_note(NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'"),
                      "threshold", input)
    if inplace:
        return _inplace_unary(input, lambda t: ThresholdInplace.apply(t, threshold, value),
                              "threshold_")
    return Threshold.apply(input, threshold, value)


class Glu(Op):
    """a sigmoid(b) for the halves a, b of ``dim``; the gradient is the two halves' gradients
    joined along ``dim``."""
    node_name = "GluBackward0"

    def forward(ctx, x, dim):
        ctx.save_for_backward(x)
        ctx.dim = dim
        xp, data = x._backend.xp, x._data
        a, b = xp.split(data, 2, axis=dim)
        return (a * x._backend.sigmoid(b)).astype(data.dtype, copy=False)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        a, b = x.chunk(2, ctx.dim)
        s = sigmoid(b)
        return cat([gy * s, gy * a * s * (1.0 - s)], ctx.dim)


def glu(input, dim=-1):
    check_tensor(input, "glu")
    ndim = input._data.ndim
    if ndim == 0:
        raise op_note(RuntimeError("glu does not support scalars because halving size must be "
                                   "even"), "glu", input)
    dim = _wrap_dim(dim, ndim, "glu")
    size = input._data.shape[dim]
    if size % 2:
        raise op_note(RuntimeError(f"Halving dimension must be even, but dimension {dim} is size "
                                   f"{size}"), "glu", input)
    check_floating(input, "glu_cpu")
    return Glu.apply(input, dim)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax of -input (torch's composition: its grad_fn is SoftmaxBackward0)."""
    check_tensor(input, "softmin")
    if dim is None:
        dim = _softmax_dim(input, dim, "softmin")
    return softmax(-input, dim, dtype=dtype)


# -- dropout ---------------------------------------------------------------------------------------

def _kept_scaled(backend, shape, dtype, p):
    """torch's dropout noise: ``bernoulli_(1 - p)`` from the device's default generator, divided
    by 1 - p in the input's dtype."""
    keep = 1.0 - p
    kept = engine_for(None, backend.device).bernoulli(keep, shape)
    return kept.astype(dtype) / dtype.type(keep)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zeroes each element with probability p and scales the rest by 1/(1-p), drawing from the
    device's default generator (seeded by ``manual_seed``; on the cpu, torch's draws). The result is ``input * noise``, so
    its grad_fn is MulBackward0 as in torch. As torch's: the input itself when nothing is dropped
    (eval, p = 0, no elements), whatever its dtype; a zero scalar as the noise at p = 1; and a
    float noise that an integer or bool input cannot take otherwise."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    check_tensor(input, "dropout")
    backend, data = input._backend, input._data
    if not training or p == 0.0 or not data.size:
        return input
    if p == 1.0:
        noise = backend.xp.zeros((), dtype=data.dtype)
    elif not input.is_floating_point():
        raise op_note(RuntimeError(f"result type Float can't be cast to the desired output type "
                                   f"{input.dtype.scalar_name}"), "dropout", input)
    else:
        noise = _noise_like(backend, data, p)
    noise = Tensor._make(noise, backend)
    return input.mul_(noise) if inplace else input * noise


def _noise_like(backend, data, p):
    """torch draws dropout's noise into ``empty_like(input)``, which lays it out in the input's
    memory order, so for a transposed input (batch_first attention's output) the noise is drawn
    over the axes in that order and transposed back."""
    order = _memory_order(data.shape, data.strides)
    if order == list(range(data.ndim)):
        return _kept_scaled(backend, data.shape, data.dtype, p)
    noise = _kept_scaled(backend, tuple(data.shape[axis] for axis in order), data.dtype, p)
    inverse = [0] * data.ndim
    for position, axis in enumerate(order):
        inverse[axis] = position
    return noise.transpose(inverse)


def _memory_order(sizes, strides):
    """The axes from outermost to innermost as torch's infer_dense_strides orders them (an
    insertion sort by stride; stride-0 axes stay where they are, ties go by size)."""
    def should_swap(dim0, dim1):
        s0, s1 = strides[dim0], strides[dim1]
        if s0 == 0 or s1 == 0:
            return 0
        if s0 != s1:
            return -1 if s0 < s1 else 1
        return 1 if sizes[dim0] > sizes[dim1] else 0

    perm = list(range(len(sizes)))[::-1]  # innermost first
    for i in range(1, len(perm)):
        dim1 = i
        for dim0 in range(i - 1, -1, -1):
            comparison = should_swap(perm[dim0], perm[dim1])
            if comparison > 0:
                perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
                dim1 = dim0
            elif comparison < 0:
                break
    return perm[::-1]


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels (N, C, H, W) or (N, C, L) (torch's warning: a 3-D input is taken as
    batched 1-D) with probability p, scaling the rest by 1/(1-p): ``input * noise`` with noise
    (N, C, 1, 1), as torch's feature_dropout (MulBackward0)."""
    import warnings  # noqa: PLC0415

    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    check_tensor(input, "dropout2d")
    ndim = input._data.ndim
    if ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {ndim}-D input to dropout2d, which is deprecated and "
                      "will result in an error in a future release. To retain the behavior and "
                      "silence this warning, please use dropout instead. Note that dropout2d exists "
                      "to provide channel-wise dropout on inputs with 2 spatial dimensions, a channel "
                      "dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
                      stacklevel=2)
    if ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release to "
                      "interpret the input as one without a batch dimension, i.e. shape (C, H, W). "
                      "To maintain the 1D channel-wise dropout behavior, please switch to using "
                      "dropout1d instead.", stacklevel=2)
    backend, data = input._backend, input._data
    if not training or p == 0.0 or not data.size:
        return input
    if ndim < 2:
        raise op_note(RuntimeError("Feature dropout requires at least 2 dimensions in the input"),
                      "dropout2d", input)
    shape = data.shape[:2] + (1,) * (ndim - 2)
    if p == 1.0:
        noise = backend.xp.zeros(shape, dtype=data.dtype)
    elif not input.is_floating_point():
        raise op_note(RuntimeError(f"result type Float can't be cast to the desired output type "
                                   f"{input.dtype.scalar_name}"), "dropout2d", input)
    else:
        noise = _kept_scaled(backend, shape, data.dtype, p)
    noise = Tensor._make(noise, backend)
    return input.mul_(noise) if inplace else input * noise


# -- embedding -------------------------------------------------------------------------------------

class Embedding(Op):
    """``weight[indices]``; backward adds each row's gradient into its index (repeats accumulate),
    skipping ``padding_idx``. The indices travel as an array: only the weight is a graph input."""
    node_name = "EmbeddingBackward0"

    def forward(ctx, weight, indices, padding_idx):
        ctx.meta = (weight._data.shape, indices, padding_idx)
        return weight._data[indices]

    def backward(ctx, gy):
        shape, indices, padding_idx = ctx.meta
        if padding_idx is not None:
            keep = (indices != padding_idx)[..., None].astype(gy._data.dtype)
            gy = gy * Tensor._make(keep, gy._backend)
        return IndexScatter.apply(gy, shape, (indices,), True)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: max_norm, scale_grad_by_freq and sparse are not "
                                  "supported")
    check_tensor(weight, "embedding", "weight", 1)
    check_tensor(input, "embedding", "indices", 2)
    if input.dtype.name not in ("int64", "int32"):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following "
                           f"scalar types: Long, Int; but got {_legacy_type(input)} instead (while "
                           "checking arguments for embedding)")
    if weight._data.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if input._backend is not weight._backend:
        raise device_mismatch("embedding", weight, input)
    num = weight._data.shape[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= num
    indices = input._data
    if indices.size and (bool((indices < 0).any()) or bool((indices >= num).any())):
        raise IndexError(f"index out of range in self (embedding of {num} rows got indices outside "
                         f"[0, {num - 1}])")
    return Embedding.apply(weight, indices, padding_idx)


def _legacy_type(t):
    """torch's legacy type name (torch.FloatTensor); bool has none, torch prints CPUBoolType."""
    if t.dtype.name == "bool":
        return "CUDABoolType" if t.is_cuda else "CPUBoolType"
    prefix = "torch.cuda." if t.is_cuda else "torch."
    return f"{prefix}{t.dtype.scalar_name}Tensor"
