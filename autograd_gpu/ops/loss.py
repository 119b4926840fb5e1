"""Losses with torch's semantics: mse_loss, l1_loss, smooth_l1_loss, huber_loss, kl_div, nll_loss, cross_entropy (class indices with
weights, ignore_index and label smoothing, or class probabilities), binary_cross_entropy and
binary_cross_entropy_with_logits (pos_weight; finite for any logit).

Class weights and pos_weight are constants, as in torch (which refuses them requiring grad), so
they enter the ops as arrays and the graph shows only input and target. Every backward is
differentiable: in Tensor ops, or (BCE with logits) a ``*Grad`` op with its own backward.

cross_entropy keeps torch's graph, nll_loss over log_softmax (NllLossBackward0 over
LogSoftmaxBackward0); both halves, and BCE with logits, run their array work as backend primitives
(raw kernels on cuda).
"""
import warnings

from .. import dtypes
from ..autograd import grad_mode
from ..autograd.function import Op, device_mismatch
from ..tensor import Tensor, _wrap_dim, op_note
from .activation import LogSoftmax, check_floating, log_softmax, logsigmoid
from .elementwise import sigmoid, where
from .normalization import pairwise_distance

_REDUCTIONS = ("none", "mean", "sum")


# -- arguments -------------------------------------------------------------------------------------

def _reduction(size_average, reduce, reduction, op=None):
    """``reduction``, or what torch's deprecated size_average/reduce pair stands for."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "none" if not reduce else ("mean" if size_average else "sum")
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{reduction}' instead.", UserWarning, stacklevel=3)
    if reduction not in _REDUCTIONS:
        err = ValueError(f"{reduction} is not a valid value for reduction")
        raise (op_note(err, op) if op else err)
    return reduction


def _check_tensors(op, **tensors):
    for name, t in tensors.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(t).__name__}")
    first = next(iter(tensors.values()))
    for t in tensors.values():
        if t._backend is not first._backend:
            raise device_mismatch(op, first, t)


def _constant(t, fn, name, like):
    """The array of a weight-like argument torch does not differentiate, in ``like``'s dtype."""
    if t is None:
        return None
    _check_tensors(fn, input=like, **{name: t})
    if t._requires_grad and grad_mode._state.enabled:
        raise RuntimeError(f"The function '{fn}' is not differentiable with respect to argument "
                           f"'{name}'. This input cannot have requires_grad True.")
    return t._data.astype(like._data.dtype, copy=False)


def _broadcast_check(a, b):
    """torch's message for shapes that cannot broadcast (it reports the last clashing dim)."""
    n = max(len(a), len(b))
    for i in range(1, n + 1):
        sa = a[-i] if i <= len(a) else 1
        sb = b[-i] if i <= len(b) else 1
        if sa != sb and sa != 1 and sb != 1:
            raise RuntimeError(f"The size of tensor a ({sa}) must match the size of tensor b "
                               f"({sb}) at non-singleton dimension {n - i}")


def _check_expands_to(weight, input, op):
    """torch expands a per-element weight to the input's shape: each of its dims is 1 or the
    input's, and it has no more dims than the input."""
    wshape, shape = tuple(weight._data.shape), tuple(input._data.shape)
    padded = (1,) * (len(wshape) - len(shape)) + shape
    for i in range(1, len(wshape) + 1):
        w, d = wshape[-i], padded[-i]
        if w != d and w != 1 and d != 1:
            raise op_note(RuntimeError(
                f"Attempting to broadcast a dimension of length {w} at {-i}! Mismatching argument "
                f"at index 1 had {weight.shape}; but expected shape should be broadcastable to "
                f"{list(padded)}"), op, input, weight)
    broadcast = [max(w, d) for w, d in zip((1,) * (len(padded) - len(wshape)) + wshape, padded)]
    if tuple(broadcast) != shape:
        raise op_note(RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast "
                                   f"shape {broadcast}"), op, input, weight)


def _warn_size_mismatch(input, target, op):
    """torch's warning for a target that only broadcasts to the input; its error for one that
    does not."""
    if input._data.shape != target._data.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", UserWarning,
                      stacklevel=3)
        try:
            _broadcast_check(input._data.shape, target._data.shape)
        except RuntimeError as err:
            raise op_note(err, op, input, target) from None


def _promoted(input, target, kernel):
    dt = dtypes.promote_types(input.dtype, target.dtype)
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{dt.scalar_name}'")
    return input.to(dt), target.to(dt)


def _reduce_array(xp, loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return xp.asarray(xp.sum(loss))
    if not loss.size:  # NaN, without numpy's "Mean of empty slice" warning
        return xp.asarray(xp.sum(loss) / loss.dtype.type(0))
    return xp.asarray(xp.mean(loss))


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    return loss.mean() if reduction == "mean" else loss.sum()


def _scaled_grad(gy, reduction, count):
    """The upstream gradient each element's loss receives."""
    return gy / count if reduction == "mean" else gy


# -- regression losses -----------------------------------------------------------------------------

class MseLoss(Op):
    node_name = "MseLossBackward0"

    def forward(ctx, x, t, reduction):
        diff = x._data - t._data
        ctx.save_for_backward(x, t)
        ctx.meta = (reduction, diff.size)
        return _reduce_array(x._backend.xp, diff * diff, reduction)

    def backward(ctx, gy):
        x, t = ctx.saved_tensors
        reduction, count = ctx.meta
        g = _scaled_grad(gy, reduction, count) * 2.0 * (x - t)
        return (g if ctx.needs_input_grad[0] else None), (-g if ctx.needs_input_grad[1] else None)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    _check_tensors("mse_loss", input=input, target=target)
    _warn_size_mismatch(input, target, "mse_loss")
    input, target = _promoted(input, target, "mse_cpu")
    return MseLoss.apply(input, target, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """|input - target| reduced; composed of ops, so its graph is torch's (AbsBackward0, ...)."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_tensors("l1_loss", input=input, target=target)
    _warn_size_mismatch(input, target, "l1_loss")
    a, b = tuple(input._data.shape), tuple(target._data.shape)
    if a != b:
        # torch broadcasts both first (ExpandBackward0 in its graph), so the subtraction promotes
        # two tensors of the same rank: a 0-d float32 input with a float16 target is float32
        try:
            _broadcast_check(a, b)
        except RuntimeError as err:
            raise op_note(err, "l1_loss", input, target) from None
        n = max(len(a), len(b))
        a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
        shape = tuple(x if y == 1 else y for x, y in zip(a, b))
        input = input if tuple(input._data.shape) == shape else input.expand(shape)
        target = target if tuple(target._data.shape) == shape else target.expand(shape)
    return _reduce((input - target).abs(), reduction)


class _ClampedLinearLoss(Op):
    """smooth_l1 and huber: quadratic within ``width`` of the target, linear beyond. The gradient
    of each is d clamped to [-width, width], divided by beta for smooth_l1 (torch's backward
    kernels, without their branches), so backward stays a Tensor expression and differentiable."""

    def forward(ctx, x, t, reduction, width):
        xp = x._backend.xp
        d = x._data - t._data
        ad = xp.abs(d)
        loss = xp.where(ad < width, ctx.quadratic(d, width), ctx.linear(ad, width))
        ctx.save_for_backward(x, t)
        ctx.meta = (reduction, d.size, width)
        return _reduce_array(xp, loss.astype(d.dtype, copy=False), reduction)

    def backward(ctx, gy):
        x, t = ctx.saved_tensors
        reduction, count, width = ctx.meta
        g = _scaled_grad(gy, reduction, count) * ctx.slope(x - t, width)
        return (g if ctx.needs_input_grad[0] else None), (-g if ctx.needs_input_grad[1] else None)


class SmoothL1Loss(_ClampedLinearLoss):
    """0.5 d^2 / beta where |d| < beta, |d| - 0.5 beta elsewhere (beta > 0)."""
    node_name = "SmoothL1LossBackward0"

    @staticmethod
    def quadratic(d, beta):
        return 0.5 * d * d / beta

    @staticmethod
    def linear(ad, beta):
        return ad - 0.5 * beta

    @staticmethod
    def slope(d, beta):
        return (d / beta).clamp(-1.0, 1.0)


class HuberLoss(_ClampedLinearLoss):
    """0.5 d^2 where |d| < delta, delta (|d| - 0.5 delta) elsewhere (delta > 0)."""
    node_name = "HuberLossBackward0"

    @staticmethod
    def quadratic(d, delta):
        return 0.5 * d * d

    @staticmethod
    def linear(ad, delta):
        return delta * (ad - 0.5 * delta)

    @staticmethod
    def slope(d, delta):
        return d.clamp(-delta, delta)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """torch.nn.functional.smooth_l1_loss; ``beta=0`` is l1_loss, as torch runs it."""
    _check_tensors("smooth_l1_loss", input=input, target=target)
    _warn_size_mismatch(input, target, "smooth_l1_loss")
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise op_note(RuntimeError("smooth_l1_loss does not support negative values for beta."),
                      "smooth_l1_loss", input, target)
    input, target = _promoted(input, target, "smooth_l1_cpu")
    if beta == 0.0:
        return _reduce((input - target).abs(), reduction)
    return SmoothL1Loss.apply(input, target, reduction, float(beta))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """torch.nn.functional.huber_loss, with its optional per-element ``weight`` (applied to the
    unreduced loss, then reduced, as torch does)."""
    _check_tensors("huber_loss", input=input, target=target)
    _warn_size_mismatch(input, target, "huber_loss")
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    reduction = _reduction(None, None, reduction)
    if delta <= 0:
        raise op_note(RuntimeError("huber_loss does not support non-positive values for delta."),
                      "huber_loss", input, target)
    check_floating(input, "huber_cpu")
    # torch's kernel computes in the input's dtype (a target of another dtype is cast to it; torch
    # then fails in backward if that target requires grad: here it gets its gradient)
    target = target.to(input.dtype)
    if weight is None:
        return HuberLoss.apply(input, target, reduction, float(delta))
    return _reduce(HuberLoss.apply(input, target, "none", float(delta)) * weight, reduction)


_KL_MEAN_WARNING = (
    "reduction: 'mean' divides the total loss by both the batch size and the support size."
    "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
    "'mean' will be changed to behave the same as 'batchmean' in the next major release.")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """torch's composite formula: target * (log target - input) (xlogy, so a zero target adds 0)
    or, with ``log_target``, exp(target) * (target - input); reduced as torch reduces it, with
    'batchmean' the sum over the first dim's size."""
    _check_tensors("kl_div", input=input, target=target)
    if size_average is not None or reduce is not None:
        reduction = _reduction(size_average, reduce, reduction)
    else:
        if reduction == "mean":
            warnings.warn(_KL_MEAN_WARNING, UserWarning, stacklevel=2)
        if reduction not in _REDUCTIONS + ("batchmean",):
            raise ValueError(f"{reduction} is not a valid value for reduction")
    if not input.is_floating_point() or not target.is_floating_point():
        raise op_note(RuntimeError("kl_div: Integral inputs not supported."), "kl_div", input,
                      target)
    try:
        _broadcast_check(target._data.shape, input._data.shape)
    except RuntimeError as err:
        raise op_note(err, "kl_div", input, target) from None
    if log_target:
        loss = target.exp() * (target - input)
    else:
        zero = target == 0
        # where() inside the log too: log(0) = -inf would make the discarded branch's gradient NaN
        xlogy = where(zero, 0.0, target * where(zero, 1.0, target).log())
        loss = xlogy - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input._data.shape[0] if input._data.ndim else total
    return _reduce(loss, reduction)


# -- negative log likelihood and cross entropy -----------------------------------------------------

class NllLoss(Op):
    """-input[n, target[n], ...] * weight[target[n]], skipping ignore_index; 'mean' divides by
    the total weight of the targets counted (torch's weighted mean). Input is (C), (N, C) or
    (N, C, H, W); the caller folds other ranks into (N, C, 1, L). The backend checks the targets
    (on the GPU without waiting for it: see ``backend/device_errors.py``). Picking the
    targets' entries and scattering the gradient back are backend primitives."""
    node_name = "NllLossBackward0"

    def forward(ctx, x, target, weight, ignore_index, reduction):
        xp = x._backend.xp
        data = x._data[None] if x._data.ndim == 1 else x._data
        t = target.reshape((data.shape[0],) + data.shape[2:])
        losses, w_t = x._backend.nll_forward(data, t, weight, ignore_index)
        if w_t is None:
            ignore_index = None  # the backend found every target a class index: no mask
        total = None
        if reduction == "none":
            out = losses.reshape(target.shape)
        elif reduction == "sum":
            out = xp.asarray(losses.sum())
        elif w_t is None:
            total = losses.size  # every target counts with weight 1 (and there is at least one)
            out = xp.asarray(losses.sum() / total).astype(data.dtype, copy=False)
        else:
            # torch's division: 0 / 0 is NaN where nothing counts (numpy's warning is silenced)
            total = w_t.sum()
            out = xp.asarray(losses.sum() / total).astype(data.dtype, copy=False)
        ctx.meta = (x._data.shape, data.shape, t, ignore_index, w_t, total, reduction)
        return out

    def backward(ctx, gy):
        shape, folded, t, ignore_index, w_t, total, reduction = ctx.meta
        if w_t is None:
            coef = -1.0 / total if reduction == "mean" else -1.0
        else:
            coef = -w_t
            if reduction == "mean":
                # NaN when the total weight is 0 (as the loss); nll_backward still gives ignored
                # entries 0, as torch does
                coef = coef / total
        scatter = gy._backend.nll_backward(folded, t, coef, ignore_index, gy._data.dtype)
        if reduction == "none":
            gy = gy.reshape((folded[0], 1) + folded[2:])
        gx = gy * Tensor._make(scatter, gy._backend)
        return gx.reshape(shape) if len(shape) == 1 else gx


class NllLoss2d(NllLoss):
    node_name = "NllLoss2DBackward0"


def _check_nll_target(input, target, op):
    """torch's nll_loss_nd order: the input's rank, the batch sizes, the target's shape, then its
    dtype; each error noted with the op and both tensors."""
    try:
        _check_nll_shapes(input._data.shape, target._data.shape)
        if target.dtype.name not in ("int64", "uint8"):
            raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                               f"{target.dtype.scalar_name}")
    except (RuntimeError, ValueError, IndexError) as err:
        raise op_note(err, op, input, target) from None


def _check_nll_shapes(ishape, tshape):
    ndim = len(ishape)
    if ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {ndim})")
    if ndim != 1 and (tshape[0] if tshape else 0) != ishape[0]:  # torch reads a 0-d target as 0
        raise ValueError(f"Expected input batch_size ({ishape[0]}) to match target batch_size "
                         f"({tshape[0] if tshape else 0}).")
    if ndim <= 2:
        if len(tshape) > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if ndim == 2 and not tshape:  # an empty batch got past the batch sizes
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        if ndim == 1 and len(tshape) == 1 and tshape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: "
                             f"{tshape[0]}")
    elif tshape != ishape[:1] + ishape[2:]:
        if ndim == 4:
            raise RuntimeError(f"size mismatch (got input: {list(ishape)} , target: {list(tshape)}")
        raise RuntimeError(f"Expected target size {list(ishape[:1] + ishape[2:])}, got "
                           f"{list(tshape)}")


def _classes(input):
    return input._data.shape[0 if input._data.ndim == 1 else 1]


def _class_weight(weight, input, fn):
    classes = _classes(input)
    if weight is not None and (weight._data.ndim != 1 or weight._data.shape[0] != classes):
        raise RuntimeError(f"weight tensor should be defined either for all {classes} classes or "
                           f"no classes but got weight tensor of shape: "
                           f"{list(weight._data.shape)}")
    return _constant(weight, fn, "weight", input)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    _check_tensors("nll_loss", input=input, target=target)
    return _nll_loss(input, target, weight, ignore_index, reduction)


def _nll_loss(input, target, weight, ignore_index, reduction, op="nll_loss"):
    """nll_loss once its tensors and reduction are known good (cross_entropy comes here, as
    ``op``, with the log-probabilities: its input's shape)."""
    _check_nll_target(input, target, op)
    check_floating(input, "nll_loss_out_frame")
    w = _class_weight(weight, input, "nll_loss_forward")
    t = target._data.astype(target._backend.xp.int64, copy=False)
    ndim = input._data.ndim
    if ndim <= 2:
        return NllLoss.apply(input, t, w, ignore_index, reduction)
    if ndim == 4:
        return NllLoss2d.apply(input, t, w, ignore_index, reduction)
    # torch folds (N, C, d1, ...) into (N, C, 1, L), so the graph shows the same views
    n, c = input._data.shape[:2]
    out = NllLoss2d.apply(input.reshape(n, c, 1, -1), t.reshape(n, 1, -1), w, ignore_index,
                          reduction)
    return out.reshape(target._data.shape) if reduction == "none" else out


def _class_view(array_or_tensor, ndim, class_dim):
    """A (C,) vector shaped to broadcast along the class dim of an ndim input."""
    shape = [1] * ndim
    shape[class_dim] = -1
    return array_or_tensor.reshape(tuple(shape))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """log_softmax over the class dim, then nll_loss (class indices) or -sum(p * log q) (class
    probabilities: a float target of the input's shape); label smoothing as torch mixes it."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_tensors("cross_entropy", input=input, target=target)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input._data.ndim == 1 else 1
    if input._data.shape == target._data.shape:
        return _cross_entropy_probs(input, target, weight, ignore_index, reduction, label_smoothing,
                                    class_dim)
    _wrap_dim(class_dim, input._data.ndim, "cross_entropy")  # a 0-d input has no class dim
    check_floating(input, "log_softmax_lastdim_kernel_impl")
    logp = LogSoftmax.apply(input, class_dim)
    nll = _nll_loss(logp, target, weight, ignore_index, reduction, "cross_entropy")
    if label_smoothing == 0.0:
        return nll
    classes = input._data.shape[class_dim]
    w = None if weight is None else _class_view(Tensor._make(_constant(
        weight, "nll_loss_forward", "weight", input), input._backend), input._data.ndim, class_dim)
    smooth = -(logp if w is None else logp * w).sum(dim=class_dim)
    ignored = target == ignore_index
    smooth = where(ignored, 0.0, smooth)
    if reduction == "mean":
        smooth = smooth.sum() / _counted_weight(target, ignored, weight, input)
    elif reduction == "sum":
        smooth = smooth.sum()
    return (1.0 - label_smoothing) * nll + smooth * (label_smoothing / classes)


def _counted_weight(target, ignored, weight, input):
    """The denominator of a 'mean' over class-index targets: how many (or how much weight) count."""
    xp = input._backend.xp
    keep = ~ignored._data
    if weight is None:
        total = xp.sum(keep)
    else:
        total = xp.sum(weight._data[target._data[keep]])
    return Tensor._make(xp.asarray(total, dtype=input._data.dtype), input._backend)


def _cross_entropy_probs(input, target, weight, ignore_index, reduction, label_smoothing,
                         class_dim):
    if not target.is_floating_point():
        raise op_note(RuntimeError(f"Expected floating point type for target with class "
                                   f"probabilities, got {target.dtype.scalar_name}"),
                      "cross_entropy", input, target)
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    if input._data.ndim == 0:
        raise op_note(IndexError("Dimension specified as 1 but tensor has no dimensions"),
                      "cross_entropy", input, target)
    check_floating(input, "log_softmax_lastdim_kernel_impl")
    classes = input._data.shape[class_dim]
    w = _class_weight(weight, input, "cross_entropy")
    logp = log_softmax(input, class_dim)
    if label_smoothing > 0.0:
        target = target * (1.0 - label_smoothing) + label_smoothing / classes
    terms = logp * target
    if w is not None:
        terms = terms * _class_view(Tensor._make(w, input._backend), input._data.ndim, class_dim)
    if reduction == "none":
        return -terms.sum(dim=class_dim)
    if reduction == "sum":
        return -terms.sum()
    return -terms.sum() / (input.numel() / classes)


# -- binary cross entropy --------------------------------------------------------------------------

def _clamped_log(xp, v):
    """max(log v, -100) without evaluating log(0) (torch clamps BCE's logs at -100)."""
    positive = v > 0
    return xp.where(positive, xp.maximum(xp.log(xp.where(positive, v, 1)), -100), -100)


class BinaryCrossEntropy(Op):
    node_name = "BinaryCrossEntropyBackward0"

    def forward(ctx, x, t, weight, reduction):
        xp = x._backend.xp
        xd, td = x._data, t._data
        loss = -(td * _clamped_log(xp, xd) + (1 - td) * _clamped_log(xp, 1 - xd))
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(x, t)
        ctx.meta = (weight, reduction, loss.size)
        return _reduce_array(xp, loss, reduction).astype(xd.dtype, copy=False)

    def backward(ctx, gy):
        x, t = ctx.saved_tensors
        weight, reduction, count = ctx.meta
        g = _scaled_grad(gy, reduction, count)
        if weight is not None:
            g = g * Tensor._make(weight, gy._backend)
        gx = gt = None
        if ctx.needs_input_grad[0]:
            # torch's EPSILON keeps x = 0 or 1 finite
            gx = g * (x - t) / ((1.0 - x) * x).clamp(min=1e-12)
        if ctx.needs_input_grad[1]:
            gt = g * ((1.0 - x).log() - x.log())
        return gx, gt


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    _check_tensors("binary_cross_entropy", input=input, target=target)
    if input._data.shape != target._data.shape:
        raise op_note(ValueError(f"Using a target size ({target.shape}) that is different to the "
                                 f"input size ({input.shape}) is deprecated. Please ensure they "
                                 "have the same size."), "binary_cross_entropy", input, target)
    if target.dtype is not input.dtype:
        raise op_note(RuntimeError(f"Found dtype {target.dtype.scalar_name} but expected "
                                   f"{input.dtype.scalar_name}"), "binary_cross_entropy", input,
                      target)
    check_floating(input, "binary_cross_entropy")
    w = _constant(weight, "binary_cross_entropy", "weight", input)
    if w is not None:
        _check_expands_to(weight, input, "binary_cross_entropy")
    for t, name in ((input, "input"), (target, "target")):
        data = t._data
        if data.size and not bool(((data >= 0) & (data <= 1)).all()):  # NaN is out of range too
            raise op_note(RuntimeError(f"all elements of {name} should be between 0 and 1"),
                          "binary_cross_entropy", t)
    return BinaryCrossEntropy.apply(input, target, w, reduction)


class BinaryCrossEntropyWithLogits(Op):
    """loss = (1 - t) x - (1 + (pos_weight - 1) t) log sigmoid(x), times weight; the elementwise
    loss and both gradients are backend primitives (``bce_with_logits*``)."""
    node_name = "BinaryCrossEntropyWithLogitsBackward0"  # torch >= 2.0 (1.x: ...Backward)

    def forward(ctx, x, t, weight, pos_weight, reduction):
        xp = x._backend.xp
        loss = x._backend.bce_with_logits(x._data, t._data, pos_weight)
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(x, t)
        ctx.meta = (weight, pos_weight, reduction, loss.size)
        return _reduce_array(xp, loss, reduction).astype(x._data.dtype, copy=False)

    def backward(ctx, gy):
        x, t = ctx.saved_tensors
        weight, pos_weight, reduction, count = ctx.meta
        g = _scaled_grad(gy, reduction, count)
        if weight is not None:
            g = g * Tensor._make(weight, gy._backend)
        gx = BceWithLogitsGrad.apply(x, t, g, pos_weight) if ctx.needs_input_grad[0] else None
        gt = BceWithLogitsTargetGrad.apply(x, g, pos_weight) if ctx.needs_input_grad[1] else None
        return gx, gt


class BceWithLogitsGrad(Op):
    """gx = g * ((p t + 1 - t) sigmoid(x) - p t), p = pos_weight (1 without), g the upstream
    gradient broadcasting against x. Its own backward, in Tensor ops with s = sigmoid(x):
    d/dx = g (p t + 1 - t) s (1 - s),  d/dt = g ((p - 1) s - p),  d/dg = this op of the
    incoming gradient."""
    node_name = "BinaryCrossEntropyWithLogitsBackwardBackward0"

    def forward(ctx, x, t, g, pos_weight):
        ctx.save_for_backward(x, t, g)
        ctx.pos_weight = pos_weight
        return x._backend.bce_with_logits_backward(x._data, t._data, g._data, pos_weight)

    def backward(ctx, gg):
        x, t, g = ctx.saved_tensors
        need_x, need_t, need_g = ctx.needs_input_grad[:3]
        pw = _pos_weight_tensor(ctx.pos_weight, gg)
        s = sigmoid(x) if need_x or need_t else None
        gx = gt = gg_g = None
        if need_x:
            slope = s * (1.0 - s) if pw is None else (pw * t + 1.0 - t) * s * (1.0 - s)
            gx = gg * g * slope
        if need_t:
            gt = -(gg * g) if pw is None else gg * g * ((pw - 1.0) * s - pw)
        if need_g:
            gg_g = BceWithLogitsGrad.apply(x, t, gg, ctx.pos_weight)
        return gx, gt, gg_g


class BceWithLogitsTargetGrad(Op):
    """gt = g * (-x - (p - 1) log sigmoid(x)), p = pos_weight (1 without). Its own backward, in
    Tensor ops: d/dx = g (-1 - (p - 1) (1 - sigmoid(x))),  d/dg = this op of the incoming
    gradient."""
    node_name = "BinaryCrossEntropyWithLogitsTargetBackwardBackward0"

    def forward(ctx, x, g, pos_weight):
        ctx.save_for_backward(x, g)
        ctx.pos_weight = pos_weight
        return x._backend.bce_with_logits_target_backward(x._data, g._data, pos_weight)

    def backward(ctx, gg):
        x, g = ctx.saved_tensors
        need_x, need_g = ctx.needs_input_grad[:2]
        pw = _pos_weight_tensor(ctx.pos_weight, gg)
        gx = gg_g = None
        if need_x:
            slope = -1.0 if pw is None else -1.0 - (pw - 1.0) * (1.0 - sigmoid(x))
            gx = gg * g * slope
        if need_g:
            gg_g = BceWithLogitsTargetGrad.apply(x, gg, ctx.pos_weight)
        return gx, gg_g


def _pos_weight_tensor(pos_weight, like):
    return None if pos_weight is None else Tensor._make(pos_weight, like._backend)


def _bce_with_logits_mixed(input, target, reduction):
    """torch's kernel for an input and a target of different floating types, step by step:
    ``(1 - target).mul_(input).sub_(log_sigmoid(input))``. The log-sigmoid is taken in the
    input's type, and each in-place step rounds to the target's, which is the result's type."""
    out = target.dtype
    loss = ((1 - target) * input).to(out)
    loss = (loss - logsigmoid(input)).to(out)
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    reduction = _reduction(size_average, reduce, reduction)
    _check_tensors("binary_cross_entropy_with_logits", input=input, target=target)
    if input._data.shape != target._data.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    check_floating(input, "binary_cross_entropy_with_logits")
    if not target.is_floating_point():
        raise RuntimeError(f"result type {input.dtype.scalar_name} can't be cast to the desired "
                           f"output type {target.dtype.scalar_name}")
    if input.dtype is not target.dtype and weight is None and pos_weight is None:
        return _bce_with_logits_mixed(input, target, reduction)
    input, target = _promoted(input, target, "binary_cross_entropy_with_logits")
    fn = "binary_cross_entropy_with_logits"
    w = _constant(weight, fn, "weight", input)
    pw = _constant(pos_weight, fn, "pos_weight", input)
    for arr in (w, pw):
        if arr is not None:
            _broadcast_check(input._data.shape, arr.shape)
    return BinaryCrossEntropyWithLogits.apply(input, target, w, pw, reduction)



# -- ranking and embedding losses: torch's compositions ---------------------------------------------

def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -target (input1 - input2) + margin), reduced."""
    reduction = _reduction(size_average, reduce, reduction, "margin_ranking_loss")
    _check_tensors("margin_ranking_loss", input1=input1, input2=input2, target=target)
    if not input1.dim() == input2.dim() == target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.shape}, input2: {input2.shape}, "
                           f"target: {target.shape} ")
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


_COSINE_EPS = 1e-12  # torch's EPSILON in cosine_embedding_loss


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1 (torch's
    formula: squared magnitudes offset by 1e-12)."""
    reduction = _reduction(size_average, reduce, reduction, "cosine_embedding_loss")
    _check_tensors("cosine_embedding_loss", input1=input1, input2=input2, target=target)
    target_dim = target.dim()
    if target_dim > 1:
        raise op_note(RuntimeError("0D or 1D target tensor expected, multi-target not supported"),
                      "cosine_embedding_loss", input1, input2, target)
    if input1.dim() != target_dim + 1 or input2.dim() != target_dim + 1:
        raise RuntimeError(f"{target_dim}D target tensor expects {target_dim + 1}D input tensors, "
                           f"but found inputs with sizes {list(input1.shape)} and "
                           f"{list(input2.shape)}.")
    dim = target_dim
    prod_sum = (input1 * input2).sum(dim)
    mag_square1 = (input1 * input1).sum(dim) + _COSINE_EPS
    mag_square2 = (input2 * input2).sum(dim) + _COSINE_EPS
    cos = prod_sum / (mag_square1 * mag_square2).sqrt()
    pos = where(target == 1, 1 - cos, 0.0)
    neg = where(target == -1, (cos - margin).clamp(min=0), 0.0)
    return _reduce(pos + neg, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(0, margin + d(anchor, positive) - d(anchor, negative)) with pairwise p-distances; with
    ``swap`` the negative distance is the smaller of d(a, n) and d(p, n)."""
    reduction = _reduction(size_average, reduce, reduction, "triplet_margin_loss")
    if margin <= 0:
        raise op_note(ValueError(f"margin must be greater than 0, got {margin}"),
                      "triplet_margin_loss")
    _check_tensors("triplet_margin_loss", anchor=anchor, positive=positive, negative=negative)
    a_dim, p_dim, n_dim = anchor.dim(), positive.dim(), negative.dim()
    if not a_dim == p_dim == n_dim:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a_dim}D, positive "
                           f"{p_dim}D, and negative {n_dim}D inputs")
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = dist_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + dist_pos - dist_neg).clamp(min=0), reduction)
