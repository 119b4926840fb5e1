"""Activations and the ops a classifier head needs around them: softmax and log_softmax (shifted
by the row maximum, so logits of +-1e4 stay finite in float32), gelu (exact and tanh), leaky_relu,
silu, elu, dropout and embedding.

Each op's forward works on arrays and its backward in differentiable Tensor ops (or, for gelu, a
``*Grad`` op with its own backward), so ``create_graph=True`` gives higher-order gradients.
"""
import math
import warnings

from .._tensor_methods import _inplace_unary
from ..autograd.function import Op
from ..tensor import Tensor, _wrap_dim
from .elementwise import _array, exp, sigmoid, tanh, where
from .indexing import IndexScatter

_LEGACY_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "int64": "Long",
                 "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def legacy_name(dtype):
    """torch's C++ scalar-type name (``Long``, ``Float``...) used in its error messages."""
    return _LEGACY_NAMES[dtype.name]


def check_floating(x, kernel):
    """Activations and losses are defined on floating tensors only; torch names its kernel."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{kernel}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if not x.is_floating_point():
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{legacy_name(x.dtype)}'")


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


def _shifted(data, dim):
    """``data`` minus its maximum along ``dim`` (every element when dim is None)."""
    return data - data.max(axis=dim, keepdims=True)


class Softmax(Op):
    node_name = "SoftmaxBackward0"
    save_outputs = True

    def forward(ctx, x, dim):
        xp = x._backend.xp
        ctx.dim = dim
        e = xp.exp(_shifted(x._data, dim))
        return _array(xp, e / e.sum(axis=dim, keepdims=True))

    def backward(ctx, gy):
        # gx = y * (gy - sum(gy * y)): the Jacobian-vector product without forming the Jacobian
        (y,) = ctx.saved_outputs
        return y * (gy - (gy * y).sum(dim=ctx.dim, keepdim=True))


class LogSoftmax(Op):
    node_name = "LogSoftmaxBackward0"
    save_outputs = True

    def forward(ctx, x, dim):
        xp = x._backend.xp
        ctx.dim = dim
        shifted = _shifted(x._data, dim)
        shifted = _array(xp, shifted)  # numpy gives a scalar for a 0-d input
        shifted -= xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
        return shifted

    def backward(ctx, gy):
        (y,) = ctx.saved_outputs
        return LogSoftmaxGrad.apply(gy, y, ctx.dim)


class LogSoftmaxGrad(Op):
    """gx = gy - exp(y) * sum(gy) over dim, from log_softmax's output y, as one op (the backward
    of cross_entropy runs it on every step); its arguments in torch's order (grad_output, output).
    Its own backward is in Tensor ops: d/dgy = g - sum(g * exp(y)), d/dy = -g * exp(y) * sum(gy)."""
    node_name = "LogSoftmaxBackwardDataBackward0"

    def forward(ctx, gy, y, dim):
        xp = y._backend.xp
        ctx.save_for_backward(gy if ctx.needs_input_grad[1] else None, y)
        ctx.dim = dim
        p = xp.exp(y._data)
        p *= gy._data.sum(axis=dim, keepdims=True)
        return _array(xp, gy._data - p)

    def backward(ctx, g):
        gy, y = ctx.saved_tensors
        need_gy, need_y = ctx.needs_input_grad[:2]
        p = y.exp()
        ggy = g - (g * p).sum(dim=ctx.dim, keepdim=True) if need_gy else None
        gyy = -(g * p * gy.sum(dim=ctx.dim, keepdim=True)) if need_y else None
        return ggy, gyy


def _softmax_input(x, dim, dtype, op):
    check_floating(x, f"{op}_lastdim_kernel_impl")
    if dtype is not None:
        x = x.to(dtype)
    return x, _softmax_dim(x, dim, op)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    x, dim = _softmax_input(input, dim, dtype, "softmax")
    return Softmax.apply(x, dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    x, dim = _softmax_input(input, dim, dtype, "log_softmax")
    return LogSoftmax.apply(x, dim)


# -- gelu ------------------------------------------------------------------------------------------

# Chebyshev coefficients of erfc on [0, inf) (Numerical Recipes 3rd ed., ``Erf::erfccheb``):
# relative error below 1e-14, so gelu matches torch in float64 too.
_ERFC_COEFFS = (
    -1.3026537197817094, 6.4196979235649026e-1, 1.9476473204185836e-2, -9.561514786808631e-3,
    -9.46595344482036e-4, 3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5,
    -1.624290004647e-6, 1.303655835580e-6, 1.5626441722e-8, -8.5238095915e-8, 6.529054439e-9,
    5.059343495e-9, -9.91364156e-10, -2.27365122e-10, 9.6467911e-11, 2.394038e-12, -6.886027e-12,
    8.94487e-13, 3.13092e-13, -1.12708e-13, 3.81e-16, 7.106e-15, -1.523e-15, -9.4e-17, 1.21e-16,
    -2.8e-17)
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TANH_K = math.sqrt(2.0 / math.pi)  # gelu's tanh approximation: tanh(k * (x + c x^3))
_TANH_C = 0.044715


def _normal_cdf(xp, x):
    """Phi(x) = erfc(-x / sqrt 2) / 2, from the Chebyshev series of erfc (numpy has no erf)."""
    z = xp.abs(x) * _SQRT_HALF
    t = 2.0 / (2.0 + z)
    ty = 4.0 * t - 2.0
    d = dd = xp.zeros_like(z)
    for c in _ERFC_COEFFS[:0:-1]:
        d, dd = ty * d - dd + c, d
    half_erfc = 0.5 * t * xp.exp(-z * z + 0.5 * (_ERFC_COEFFS[0] + ty * d) - dd)  # Phi(-|x|)
    return xp.where(x >= 0, 1.0 - half_erfc, half_erfc)


def _compute_dtype(xp, data):
    """float16 is computed in float32 (the erfc series needs more than 3 digits)."""
    return data.astype(xp.float32) if data.dtype == xp.float16 else data


class Gelu(Op):
    node_name = "GeluBackward0"

    def forward(ctx, x, approximate):
        xp = x._backend.xp
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        v = _compute_dtype(xp, x._data)
        if approximate == "tanh":
            y = 0.5 * v * (1.0 + xp.tanh(_TANH_K * (v + _TANH_C * v * v * v)))
        else:
            y = v * _normal_cdf(xp, v)
        return y.astype(x._data.dtype, copy=False)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return GeluGrad.apply(x, gy, ctx.approximate)


class GeluGrad(Op):
    """gx = gy * gelu'(x), in one pass; its own backward uses gelu''(x) in Tensor ops."""
    node_name = "GeluBackwardBackward0"

    def forward(ctx, x, gy, approximate):
        xp = x._backend.xp
        ctx.save_for_backward(x, gy)
        ctx.approximate = approximate
        v = _compute_dtype(xp, x._data)
        if approximate == "tanh":
            t = xp.tanh(_TANH_K * (v + _TANH_C * v * v * v))
            du = _TANH_K * (1.0 + 3.0 * _TANH_C * v * v)
            slope = 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * du
        else:
            slope = _normal_cdf(xp, v) + v * _INV_SQRT_2PI * xp.exp(-0.5 * v * v)
        return (gy._data * slope).astype(gy._data.dtype, copy=False)

    def backward(ctx, g):
        x, gy = ctx.saved_tensors
        need_x, need_gy = ctx.needs_input_grad[:2]
        gx = g * gy * _gelu_second_derivative(x, ctx.approximate) if need_x else None
        ggy = GeluGrad.apply(x, g, ctx.approximate) if need_gy else None
        return gx, ggy


def _gelu_second_derivative(x, approximate):
    if approximate == "tanh":
        # y = x (1 + t) / 2 with t = tanh(u), u = k (x + c x^3):
        # y'' = (1 - t^2) (u' + x (u'' - 2 t u'^2) / 2)
        t = tanh(_TANH_K * (x + _TANH_C * x * x * x))
        du = _TANH_K * (1.0 + 3.0 * _TANH_C * x * x)
        d2u = (6.0 * _TANH_K * _TANH_C) * x
        return (1.0 - t * t) * (du + 0.5 * x * (d2u - 2.0 * t * du * du))
    # y = x Phi(x): y'' = phi(x) (2 - x^2)
    return exp(-0.5 * x * x) * _INV_SQRT_2PI * (2.0 - x * x)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    check_floating(input, "GeluKernelImpl")
    return Gelu.apply(input, approximate)


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
        return _inplace_unary(input, lambda t: LeakyReluInplace.apply(t, float(negative_slope)))
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
        return _inplace_unary(input, lambda t: Silu.apply(t.clone()))
    return Silu.apply(input)


def _elu(xp, data, alpha):
    return xp.where(data > 0, data, alpha * xp.expm1(xp.minimum(data, 0)))


class Elu(Op):
    node_name = "EluBackward0"

    def forward(ctx, x, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return _elu(x._backend.xp, x._data, alpha)

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        # exp of the clamped input: the branch where() discards never overflows into 0 * inf
        return where(x > 0, gy, gy * ctx.alpha * x.clamp(max=0).exp())


class EluInplace(Op):
    """elu_: backward from the result, y > 0 where x > 0 and dy/dx = y + alpha elsewhere (for a
    non-negative alpha, as in torch)."""
    node_name = "EluBackward1"
    save_outputs = True

    def forward(ctx, x, alpha):
        ctx.alpha = alpha
        return _elu(x._backend.xp, x._data, alpha)

    def backward(ctx, gy):
        if ctx.alpha < 0:
            raise RuntimeError(_NEGATIVE_SLOPE_INPLACE.format("elu"))
        (y,) = ctx.saved_outputs
        return where(y > 0, gy, gy * (y + ctx.alpha))


def elu(input, alpha=1.0, inplace=False):
    check_floating(input, "elu_cpu")
    if inplace:
        return _inplace_unary(input, lambda t: EluInplace.apply(t, float(alpha)))
    return Elu.apply(input, float(alpha))


# -- dropout ---------------------------------------------------------------------------------------

def dropout(input, p=0.5, training=True, inplace=False):
    """Zeroes each element with probability p and scales the rest by 1/(1-p), drawing from the
    tensor's backend generator (seeded by ``manual_seed``). The result is ``input * noise``, so
    its grad_fn is MulBackward0 as in torch."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    check_floating(input, "dropout")
    if not training or p == 0.0:
        return input
    backend, data = input._backend, input._data
    keep = backend.rand(data.shape, data.dtype) >= p
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    noise = Tensor._make(keep * data.dtype.type(scale), backend)
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
    if not isinstance(input, Tensor) or input.dtype.name not in ("int64", "int32"):
        got = _legacy_type(input) if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following "
                           f"scalar types: Long, Int; but got {got} instead (while checking "
                           "arguments for embedding)")
    if weight._data.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if input._backend is not weight._backend:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two "
                           f"devices, {weight.device} and {input.device}! (when checking arguments "
                           "for embedding)")
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
    prefix = "torch.cuda." if t.is_cuda else "torch."
    return f"{prefix}{legacy_name(t.dtype)}Tensor"
