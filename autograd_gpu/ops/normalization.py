"""Batch, layer and group normalization, and normalize / cosine_similarity.

Both normalise x over a set of "statistic" axes, x_hat = (x - mean) * invstd with the biased
variance, then scale and shift by a weight and bias broadcast along other axes. Their training
backward is one fused formula, ``NormalizeGrad``:

    gx = invstd * (h - E[h] - x_hat * E[h * x_hat]),   h = gy * weight,   E = mean over stat axes

an op whose own backward (derived by hand below, as torch's ``batchnorm_double_backward``) is in
Tensor ops, so second and higher derivatives work. batch_norm in eval mode normalises with the
running statistics, constants, so its backward is a plain scaling.

batch_norm's per-channel array work (statistics and forward, eval forward, the fused gradient)
is done by backend primitives (``batch_norm_train``, ``batch_norm_eval``, ``batch_norm_backward``:
folded numpy passes on the cpu, raw kernels on cuda); its statistics stay in the compute dtype
(float32 for float16 inputs).
"""
import math
import warnings

from .. import dtypes
from ..autograd import grad_mode
from ..autograd.function import Op
from ..backend.softmax_norm import compute_dtype
from ..tensor import Tensor, _wrap_dim, check_tensor, op_note
from .reduction import vector_norm


class _Layout:
    """Where statistics are taken and how weight/bias broadcast against the input."""

    __slots__ = ("stat_axes", "param_axes", "param_view", "param_shape", "per_channel")

    def __init__(self, stat_axes, param_axes, param_view, param_shape, per_channel):
        self.stat_axes = stat_axes      # axes reduced for mean and variance
        self.param_axes = param_axes    # axes summed for the weight and bias gradients
        self.param_view = param_view    # weight/bias reshaped to broadcast against x
        self.param_shape = param_shape  # weight/bias as given
        self.per_channel = per_channel  # batch norm: statistics and parameters both per channel


def _batch_layout(ndim, channels):
    axes = (0,) + tuple(range(2, ndim))
    return _Layout(axes, axes, (1, channels) + (1,) * (ndim - 2), (channels,), True)


def _layer_layout(ndim, normalized_shape):
    k = len(normalized_shape)
    return _Layout(tuple(range(ndim - k, ndim)), tuple(range(ndim - k)), normalized_shape,
                   normalized_shape, False)


def _moments(xp, data, axes, eps):
    """Mean, biased variance and 1/sqrt(variance + eps) over ``axes``, as broadcastable arrays."""
    mean = xp.mean(data, axis=axes, keepdims=True)
    centered = data - mean
    var = xp.mean(centered * centered, axis=axes, keepdims=True)
    return mean, var, 1.0 / xp.sqrt(var + eps)


def _affine(normalized, weight, bias, layout):
    """normalized * weight + bias, each broadcast as the layout says."""
    y = normalized
    if weight is not None:
        y = y * weight._data.reshape(layout.param_view)
    if bias is not None:
        y = y + bias._data.reshape(layout.param_view)
    return y


class NormalizeGrad(Op):
    """(grad_input, grad_weight) of a training-mode normalization from (x, weight, gy)."""
    node_name = "NativeBatchNormBackwardBackward0"

    def forward(ctx, x, weight, gy, layout, eps, mean, invstd, name):
        xp = x._backend.xp
        ctx.node_name = name
        ctx.save_for_backward(x, weight, gy)
        ctx.meta = (layout, eps)
        if layout.per_channel:
            w = None if weight is None else weight._data
            gx, gw = x._backend.batch_norm_backward(x._data, w, gy._data, mean, invstd)
            return (gx,) if weight is None else (gx, gw)
        axes = layout.stat_axes
        x_hat = (x._data - mean) * invstd
        g = gy._data
        h = g if weight is None else g * weight._data.reshape(layout.param_view)
        gx = invstd * (h - xp.mean(h, axis=axes, keepdims=True)
                       - x_hat * xp.mean(h * x_hat, axis=axes, keepdims=True))
        if weight is None:
            return (gx,)
        gw = xp.sum(g * x_hat, axis=layout.param_axes).reshape(layout.param_shape)
        return gx, gw

    def backward(ctx, ggx, ggw=None):
        """With P(v) = v - E[v] - x_hat E[v x_hat] (the projection in gx = invstd P(h)):
            d gy = weight * invstd * P(ggx) + ggw * x_hat
            d w  = sum over param axes of gy * invstd * P(ggx)
            d x  = invstd P(ggw gy)
                   - invstd^2 (E[ggx P(h)] x_hat + E[h x_hat] P(ggx) + E[ggx x_hat] P(h))
        """
        x, weight, gy = ctx.saved_tensors
        layout, eps = ctx.meta
        axes = layout.stat_axes
        need_x, need_w, need_gy = ctx.needs_input_grad[:3]

        def E(v):
            return v.mean(dim=axes, keepdim=True)

        centered = x - E(x)
        invstd = (E(centered * centered) + eps).rsqrt()
        x_hat = centered * invstd

        def P(v):
            return v - E(v) - x_hat * E(v * x_hat)

        w = None if weight is None else weight.reshape(layout.param_view)
        p_ggx = P(ggx)
        gx = gw = ggy = None
        if need_gy:
            ggy = invstd * p_ggx if w is None else w * invstd * p_ggx
            if ggw is not None:
                ggy = ggy + ggw.reshape(layout.param_view) * x_hat
        if need_w:
            gw = (gy * invstd * p_ggx).sum(dim=layout.param_axes).reshape(layout.param_shape)
        if need_x:
            h = gy if w is None else gy * w
            p_h = P(h)
            gx = -(invstd * invstd) * (E(ggx * p_h) * x_hat + E(h * x_hat) * p_ggx
                                      + E(ggx * x_hat) * p_h)
            if ggw is not None:
                gx = gx + invstd * P(ggw.reshape(layout.param_view) * gy)
        return gx, gw, ggy


def _training_backward(ctx, gy, name):
    """(gx, gw, gb) of a normalization that used the batch's own statistics."""
    x, weight = ctx.saved_tensors
    layout, eps, mean, invstd = ctx.meta
    need_x, need_w, need_b = ctx.needs_input_grad[:3]
    gx = gw = None
    if need_x or need_w:
        grads = NormalizeGrad.apply(x, weight, gy, layout, eps, mean, invstd, name)
        gx = grads[0] if need_x else None
        gw = grads[1] if need_w else None
    gb = gy.sum(dim=layout.param_axes).reshape(layout.param_shape) if need_b else None
    return gx, gw, gb


class NativeBatchNorm(Op):
    node_name = "NativeBatchNormBackward0"
    fixed_positions = (0, 1, 2)  # input, weight, bias: the running buffers are not graph inputs

    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        backend = x._backend
        data = x._data
        layout = _batch_layout(data.ndim, data.shape[1])
        ctx.training = training
        ctx.save_for_backward(x, weight)
        w = None if weight is None else weight._data
        b = None if bias is None else bias._data
        if training:
            y, mean, var, invstd = backend.batch_norm_train(data, w, b, eps)
            if running_mean is not None and data.size:  # an empty batch leaves them alone (torch)
                _update_running(x, running_mean, running_var, mean, var, momentum)
        else:
            xp = backend.xp
            acc = compute_dtype(xp, data.dtype)
            mean = running_mean._data.astype(acc)  # a copy: the buffer may change before backward
            invstd = 1.0 / xp.sqrt(running_var._data.astype(acc, copy=False) + eps)
            y = backend.batch_norm_eval(data, w, b, mean, invstd)
        ctx.meta = (layout, eps, mean, invstd)  # (C,) vectors in the compute dtype
        return y

    def backward(ctx, gy):
        if ctx.training:
            return _training_backward(ctx, gy, "NativeBatchNormBackwardBackward0")
        # eval: y = (x - running_mean) * invstd * w + b with constant statistics
        x, weight = ctx.saved_tensors
        layout, _, mean, invstd = ctx.meta
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        dtype = gy._data.dtype
        invstd = Tensor._make(invstd.astype(dtype).reshape(layout.param_view), gy._backend)
        gx = gw = gb = None
        if need_x:
            scale = invstd if weight is None else weight.reshape(layout.param_view) * invstd
            gx = gy * scale
        if need_w:
            mean = Tensor._make(mean.astype(dtype).reshape(layout.param_view), gy._backend)
            x_hat = (x - mean) * invstd
            gw = (gy * x_hat).sum(dim=layout.stat_axes).reshape(layout.param_shape)
        if need_b:
            gb = gy.sum(dim=layout.stat_axes).reshape(layout.param_shape)
        return gx, gw, gb


def _update_running(x, running_mean, running_var, mean, var, momentum):
    """running = (1 - momentum) * running + momentum * batch, in place; the variance folded in
    is the unbiased one (n / (n - 1)), as torch does."""
    n = x._data.size // x._data.shape[1]
    dtype = running_mean._data.dtype
    batch_mean = Tensor._make(mean.astype(dtype, copy=False), x._backend)
    batch_var = Tensor._make((var * (n / (n - 1))).astype(dtype, copy=False), x._backend)
    with grad_mode.no_grad():
        running_mean.mul_(1.0 - momentum).add_(batch_mean, alpha=momentum)
        running_var.mul_(1.0 - momentum).add_(batch_var, alpha=momentum)


def _verify_batch_size(input):
    """torch's _verify_batch_size: training needs more than one value per channel (an empty batch
    is fine: there is nothing to normalise)."""
    shape = input._data.shape
    values = shape[0]
    for size in shape[2:]:
        values *= size
    if values == 1:
        raise op_note(ValueError(f"Expected more than 1 value per channel when training, got input "
                                 f"size {input.shape}"), "batch_norm", input)


def _check_channel_vectors(input, running_mean, running_var, weight, bias, training):
    """torch's order: each running statistic has one value per channel (and exists in eval
    mode), then the weight and the bias."""
    channels = input._data.shape[1]
    for t, name in ((running_mean, "running_mean"), (running_var, "running_var"),
                    (weight, "weight"), (bias, "bias")):
        if t is None:
            if not training and name.startswith("running"):
                raise op_note(RuntimeError(f"{name} must be defined in evaluation mode"),
                              "batch_norm", input)
        elif t.numel() != channels:
            raise op_note(RuntimeError(f"{name} should contain {channels} elements not "
                                       f"{t.numel()}"), "batch_norm", input, t)


def _check_parameter_dtypes(input, weight, bias, running_mean, running_var):
    """torch's cpu rule: the parameters and statistics share the input's dtype, or (mixed
    precision) a float16 input takes float32 ones; the first one given decides which is meant."""
    given = [t for t in (weight, bias, running_mean, running_var) if t is not None]
    if not given:
        return
    dt = input.dtype
    if given[0].dtype is dt:
        for t in given:
            if t.dtype is not dt:
                raise op_note(RuntimeError(f"expected scalar type {dt.scalar_name} but found "
                                           f"{t.dtype.scalar_name}"), "batch_norm", input, t)
        return
    mixed = f"mixed dtype ({input.device.type.upper()})"
    for t in given:
        if t.dtype is not dtypes.float32:
            raise op_note(RuntimeError(f"{mixed}: expect parameter to have scalar type of Float"),
                          "batch_norm", input, t)
    if dt is not dtypes.float16:
        raise op_note(RuntimeError(f"{mixed}: all inputs must share same datatype."), "batch_norm",
                      input, given[0])


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """torch.nn.functional.batch_norm for (N, C), (N, C, L), (N, C, H, W) and more dims; checks
    in torch's order: values per channel (training), channel counts, the input's dtype, the
    parameters' dtypes."""
    check_tensor(input, "batch_norm")
    if training:
        _verify_batch_size(input)
    _wrap_dim(1, input._data.ndim, "batch_norm")  # the channel dim
    _check_channel_vectors(input, running_mean, running_var, weight, bias, training)
    if not input.is_floating_point():
        raise op_note(NotImplementedError(f"\"batch_norm\" not implemented for "
                                          f"'{input.dtype.scalar_name}'"), "batch_norm", input)
    _check_parameter_dtypes(input, weight, bias, running_mean, running_var)
    return NativeBatchNorm.apply(input, weight, bias, running_mean, running_var, bool(training),
                                 float(momentum), float(eps))


class NativeLayerNorm(Op):
    node_name = "NativeLayerNormBackward0"
    fixed_positions = (0, 1, 2)

    def forward(ctx, x, weight, bias, normalized_shape, eps):
        xp = x._backend.xp
        data = x._data
        layout = _layer_layout(data.ndim, normalized_shape)
        mean, _, invstd = _moments(xp, data, layout.stat_axes, eps)
        ctx.save_for_backward(x, weight)
        ctx.meta = (layout, eps, mean, invstd)
        return _affine((data - mean) * invstd, weight, bias, layout)

    def backward(ctx, gy):
        return _training_backward(ctx, gy, "NativeLayerNormBackwardBackward0")


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """torch.nn.functional.layer_norm: normalises over the last len(normalized_shape) dims."""
    if not isinstance(input, Tensor):
        raise TypeError(f"layer_norm(): argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    if input._data.ndim < k or input._data.shape[input._data.ndim - k:] != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(str(s) for s in shape)}], but got input of size"
                           f"{input.shape}")
    if not input.is_floating_point():
        raise RuntimeError(f"layer_norm: expected a floating point input, got {input.dtype}")
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and tuple(t._data.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got "
                               f"{name} of shape {list(t._data.shape)} and normalized_shape = "
                               f"{list(shape)}")
    return NativeLayerNorm.apply(input, weight, bias, shape, float(eps))


# -- group norm ------------------------------------------------------------------------------------

def _grouped(shape, groups):
    """(N, G, C/G * spatial), spelled out: an empty batch leaves reshape's -1 undetermined."""
    per_sample = 1
    for s in shape[1:]:
        per_sample *= s
    return (shape[0], groups, per_sample // groups)


class NativeGroupNorm(Op):
    """x viewed as (N, G, C/G * spatial), normalised over its last axis, then scaled and shifted
    per channel. Backward is in Tensor ops (the statistics recomputed from x), so it is itself
    differentiable:  gx = invstd (h - E[h] - x_hat E[h x_hat]) per group, h = gy * weight."""
    node_name = "NativeGroupNormBackward0"
    fixed_positions = (0, 1, 2)

    def forward(ctx, x, weight, bias, groups, eps):
        xp = x._backend.xp
        data = x._data
        shape = data.shape
        folded = data.reshape(_grouped(shape, groups))
        with warnings.catch_warnings():  # an empty group: numpy's "Mean of empty slice"
            warnings.simplefilter("ignore", RuntimeWarning)
            mean, _, invstd = _moments(xp, folded, (2,), eps)
        view = (1, shape[1]) + (1,) * (data.ndim - 2)
        layout = _Layout(None, (0,) + tuple(range(2, data.ndim)), view, (shape[1],), True)
        ctx.save_for_backward(x, weight)
        ctx.meta = (layout, groups, eps)
        y = ((folded - mean) * invstd).reshape(shape)
        return _affine(y, weight, bias, layout).astype(data.dtype, copy=False)

    def backward(ctx, gy):
        x, weight = ctx.saved_tensors
        layout, groups, eps = ctx.meta
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        shape = tuple(x._data.shape)
        folded = x.reshape(_grouped(shape, groups))
        centered = folded - folded.mean(dim=2, keepdim=True)
        invstd = ((centered * centered).mean(dim=2, keepdim=True) + eps).rsqrt()
        x_hat = centered * invstd
        gx = gw = gb = None
        if need_x:
            h = gy if weight is None else gy * weight.reshape(layout.param_view)
            h = h.reshape(_grouped(shape, groups))
            gx = invstd * (h - h.mean(dim=2, keepdim=True)
                           - x_hat * (h * x_hat).mean(dim=2, keepdim=True))
            gx = gx.reshape(shape)
        if need_w:
            gw = (gy * x_hat.reshape(shape)).sum(dim=layout.param_axes)
        if need_b:
            gb = gy.sum(dim=layout.param_axes)
        return gx, gw, gb


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """torch.nn.functional.group_norm for (N, C, *) inputs, C divisible by num_groups; checks in
    torch's order."""
    check_tensor(input, "group_norm")
    shape = tuple(input._data.shape)
    if len(shape) < 2:
        raise op_note(RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                                   f"{len(shape)}"), "group_norm", input)
    n, c = shape[:2]
    sizes = [n * c // num_groups, num_groups] + list(shape[2:])
    values = 1
    for s in [sizes[0]] + sizes[2:]:
        values *= s
    if values == 1:
        raise op_note(ValueError(f"Expected more than 1 value per channel when training, got "
                                 f"input size {sizes}"), "group_norm", input)
    if c % num_groups:
        raise op_note(RuntimeError(f"Expected number of channels in input to be divisible by "
                                   f"num_groups, but got input of shape {list(shape)} and "
                                   f"num_groups={num_groups}"), "group_norm", input)
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and (t._data.ndim != 1 or t._data.shape[0] != c):
            # torch's bias message prints the weight's shape (where there is a weight): kept
            shown = weight if weight is not None else t
            raise op_note(RuntimeError(f"Expected {name} to be a vector of size equal to the number "
                                       f"of channels in input, but got {name} of shape "
                                       f"{list(shown._data.shape)} and input of shape "
                                       f"{list(shape)}"), "group_norm", input, t)
    if not input.is_floating_point():
        raise op_note(NotImplementedError(f"\"GroupNormKernelImpl\" not implemented for "
                                          f"'{input.dtype.scalar_name}'"), "group_norm", input)
    _check_parameter_dtypes(input, weight, bias, None, None)
    return NativeGroupNorm.apply(input, weight, bias, int(num_groups), float(eps))


# -- normalize and cosine similarity ---------------------------------------------------------------

def _norm_dims(input, dim, op):
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    return tuple(sorted({_wrap_dim(d, input._data.ndim, op) for d in dims}))


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p over dim, eps), torch's formula (its graph ends in DivBackward0)."""
    if out is not None:
        raise NotImplementedError("normalize: out= is not supported by autograd_gpu")
    check_tensor(input, "normalize")
    if not input.is_floating_point():
        raise op_note(RuntimeError(f"linalg.vector_norm: Expected a floating point or complex "
                                   f"tensor as input. Got {input.dtype.scalar_name}"),
                      "normalize", input)
    dims = _norm_dims(input, dim, "normalize")
    denom = vector_norm(input, float(p), dims, True).clamp(min=eps).expand_as(input)
    return input / denom


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """torch's formula: each input divided by its own 2-norm over ``dim`` (clamped at eps without
    a gradient of its own, as torch clamps in place under no_grad), then summed products."""
    check_tensor(x1, "cosine_similarity", "x1", 1)
    check_tensor(x2, "cosine_similarity", "x2", 2)
    common = dtypes.promote_types(x1.dtype, x2.dtype)
    if not common.is_floating_point:
        raise op_note(RuntimeError(f"expected common dtype to be floating point, yet common dtype "
                                   f"is {common.scalar_name}"), "cosine_similarity", x1, x2)
    from .loss import _broadcast_check  # noqa: PLC0415 - loss imports this module's neighbours
    try:
        _broadcast_check(x1._data.shape, x2._data.shape)
    except RuntimeError as err:
        raise op_note(err, "cosine_similarity", x1, x2) from None
    shape = _broadcast_shape(x1._data.shape, x2._data.shape)
    x1, x2 = x1.to(common).expand(shape), x2.to(common).expand(shape)  # () for 0-d
    dims = _norm_dims(x1, dim, "cosine_similarity")
    normed = []
    for x in (x1, x2):
        n = vector_norm(x, 2.0, dims, True)
        n = n + (n.clamp(min=eps) - n).detach()
        normed.append(x / n)
    return (normed[0] * normed[1]).sum(dim=dims[0])


def _broadcast_shape(a, b):
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    return tuple(max(x, y) if min(x, y) != 0 else 0 for x, y in zip(a, b))


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """torch's formula: the p-norm of ``x1 - x2 + eps`` over the last dim of the wider input."""
    check_tensor(x1, "pairwise_distance", "x1", 1)
    check_tensor(x2, "pairwise_distance", "x2", 2)
    dim = max(x1.dim(), x2.dim()) - 1
    return vector_norm(x1 - x2 + eps, p, (dim,) if dim >= 0 else None, keepdim)


def _check_instance_norm(input, running_mean, running_var, weight, bias, use_input_stats):
    """torch's checks (its batch-norm kernel's) before instance_norm computes anything."""
    if not input.is_floating_point():
        raise op_note(NotImplementedError(
            f'"batch_norm" not implemented for \'{input.dtype.scalar_name}\''), "instance_norm", input)
    if not use_input_stats and (running_mean is None or running_var is None):
        raise op_note(RuntimeError("Expected running_mean and running_var to be defined when "
                                   "use_input_stats is false"), "instance_norm", input)
    channels = input.shape[1] if input.dim() > 1 else None
    for name, stat in (("running_mean", running_mean), ("running_var", running_var)):
        if stat is not None and channels is not None and stat.numel() != channels:
            raise op_note(RuntimeError(f"{name} should contain {channels} elements not "
                                       f"{stat.numel()}"), "instance_norm", input, stat)
    for param in (weight, bias):
        if param is None or param.dtype is input.dtype:
            continue
        if input.dtype is dtypes.float32:
            raise op_note(RuntimeError("mixed dtype (CPU): expect parameter to have scalar type "
                                       "of Float"), "instance_norm", input, param)
        if input.dtype is dtypes.float64:
            raise op_note(RuntimeError("mixed dtype (CPU): all inputs must share same datatype."),
                          "instance_norm", input, param)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Each (sample, channel) normalised over its spatial dims; with ``use_input_stats`` the
    running estimates (where given) move towards the batch average of the instances' mean and
    unbiased variance, as torch's (batch norm over the input viewed as (1, N C, ...)) do;
    without, the running estimates normalise."""
    check_tensor(input, "instance_norm")
    shape = tuple(input.shape)
    if use_input_stats:
        spatial = math.prod(shape[2:])
        if spatial == 1 or len(shape) < 3:
            raise ValueError(f"Expected more than 1 spatial element when training, got input "
                             f"size {input.shape}")
    _check_instance_norm(input, running_mean, running_var, weight, bias, use_input_stats)
    dims = tuple(range(2, len(shape)))
    view = (1, shape[1]) + (1,) * len(dims)
    if use_input_stats:
        mean = input.mean(dims, keepdim=True)
        var = input.var(dims, unbiased=False, keepdim=True)
        if running_mean is not None or running_var is not None:
            with grad_mode.no_grad():
                _update_instance_running(running_mean, running_var, mean, var, spatial,
                                         momentum)
    else:
        mean, var = running_mean.reshape(view), running_var.reshape(view)
    out = (input - mean) / (var + eps).sqrt()
    if weight is not None:
        out = out * weight.reshape(view)
    if bias is not None:
        out = out + bias.reshape(view)
    return out


def _update_instance_running(running_mean, running_var, mean, var, count, momentum):
    """running = (1 - momentum) running + momentum * the instances' average (unbiased var)."""
    channels = mean.shape[1]
    if running_mean is not None:
        batch_mean = mean.reshape(-1, channels).mean(0)
        running_mean.mul_(1 - momentum).add_(batch_mean * momentum)
    if running_var is not None:
        batch_var = (var * (count / (count - 1))).reshape(-1, channels).mean(0)
        running_var.mul_(1 - momentum).add_(batch_var * momentum)
