"""Backend primitives for softmax, log_softmax, cross-entropy (its nll half), BCE-with-logits and
batch norm, written with ``self.xp``.

The cpu backend uses these as they are; ``cuda_softmax_norm.CudaSoftmaxNorm`` overrides them with
raw kernels. They take and return arrays; the ops in ``ops/activation.py``, ``ops/loss.py`` and
``ops/normalization.py`` keep the graph, the reductions and the checks.

Layouts: softmax normalises along ``dim`` (None: every element of a 0-d array); nll reads an
``(N, C, *)`` input with ``(N, *)`` int64 targets; batch norm an ``(N, C, *)`` input with ``(C,)``
weight, bias and statistics. Batch-norm statistics are computed and returned in the compute dtype
(float32 for float16 inputs); the other outputs have the input's dtype.
"""
import math


def _array(xp, out):
    """numpy hands back a scalar for a 0-d result; callers get an array."""
    return out if out.ndim else xp.asarray(out)


def _shifted(x, dim):
    """``x`` minus its maximum along ``dim`` (every element when dim is None)."""
    return x - x.max(axis=dim, keepdims=True)


# -- nll helpers -----------------------------------------------------------------------------------

def _every_target_counted(target, classes, ignore_index):
    """Checks that every target is a class index or ``ignore_index``, with a clear error instead
    of an out-of-bounds read (torch: 'Target 5 is out of bounds.'); True when every target is a
    class index (none is ignored), so that the loss needs no mask. Reads the targets' range on
    the host: the cuda kernel checks on the device instead."""
    if not target.size:
        return False
    low, high = int(target.min()), int(target.max())
    ignored = ignore_index is not None
    if 0 <= low and high < classes:
        return not (ignored and low <= ignore_index <= high
                    and bool((target == ignore_index).any()))
    bad = (target < 0) | (target >= classes)
    if ignored:
        bad &= target != ignore_index
    if bool(bad.any()):
        value = int(target[bad].reshape(-1)[0])
        raise IndexError(f"Target {value} is out of bounds. nll_loss expects class indices in "
                         f"[0, {classes - 1}] for an input with {classes} classes (or "
                         f"ignore_index={ignore_index}).")
    return False


def _picked(xp, data, t):
    """data[n, t[n], ...]: each sample's entry at its target class."""
    if data.ndim == 2:
        return data[xp.arange(data.shape[0]), t]
    return xp.take_along_axis(data, t[:, None], axis=1)[:, 0]


def _scattered(xp, shape, t, coef, dtype):
    """An array of ``shape`` (N, C, ...) holding coef (a number, or one per target) at each
    sample's target class t[n, ...] and 0 elsewhere."""
    if len(shape) == 2:
        out = xp.zeros(shape, dtype)
        out[xp.arange(shape[0]), t] = coef
        return out
    classes = xp.arange(shape[1]).reshape((1, -1) + (1,) * (len(shape) - 2))
    coef = dtype.type(coef) if type(coef) is float else coef[:, None].astype(dtype, copy=False)
    return (classes == t[:, None]) * coef


# -- batch norm helpers: a (N, C, L) view, channel vectors of shape (C,) -------------------------

def _channels(a):
    """(N, C, *) as (N, C, L): a view when a is contiguous."""
    return a.reshape(a.shape[0], a.shape[1], math.prod(a.shape[2:]))


def _per_channel(v):
    """A (C,) vector broadcast against (N, C, L)."""
    return v[:, None]


def compute_dtype(xp, dtype):
    """float16 statistics are accumulated in float32 (einsum would sum in float16)."""
    return xp.dtype(xp.float32) if dtype == xp.float16 else dtype


def _channel_sum(xp, a):
    return xp.einsum("ncl->c", a)


def _channel_dot(xp, a, b):
    """sum over N and L of a * b per channel, without materialising the product."""
    return xp.einsum("ncl,ncl->c", a, b)


class SoftmaxNormPrimitives:
    # -- softmax and log_softmax: shifted by the maximum, so logits of +-1e4 stay finite --------
    def softmax(self, x, dim):
        xp = self.xp
        e = xp.exp(_shifted(x, dim))
        return _array(xp, e / e.sum(axis=dim, keepdims=True))

    def log_softmax(self, x, dim):
        xp = self.xp
        shifted = _array(xp, _shifted(x, dim))
        shifted -= xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
        return shifted

    def softmax_backward(self, y, gy, dim):
        """gx = y * (gy - sum(gy * y)): the Jacobian-vector product, from softmax's output."""
        gx = gy - (gy * y).sum(axis=dim, keepdims=True)
        gx *= y
        return _array(self.xp, gx)

    def log_softmax_backward(self, y, gy, dim):
        """gx = gy - exp(y) * sum(gy), from log_softmax's output."""
        xp = self.xp
        p = xp.exp(y)
        p *= gy.sum(axis=dim, keepdims=True)
        return _array(xp, gy - p)

    # -- negative log likelihood: cross_entropy after log_softmax ---------------------------------
    def nll_forward(self, x, target, weight, ignore_index):
        """``(losses, sample_weight)``: losses[n, ...] = -x[n, target[n, ...], ...] * w, where w is
        the target's class weight (1 without ``weight``) and 0 for targets equal to ignore_index.
        Where every target is a class index, no mask is built, and without weight sample_weight
        is None (every sample counts 1)."""
        xp = self.xp
        if _every_target_counted(target, x.shape[1], ignore_index):
            safe = target
            sample_weight = None if weight is None else weight[target]
        else:
            counted = target != ignore_index
            safe = xp.where(counted, target, 0)
            sample_weight = (counted.astype(x.dtype) if weight is None
                             else xp.where(counted, weight[safe], 0))
        picked = _picked(xp, x, safe)
        losses = -picked if sample_weight is None else -(picked * sample_weight)
        return losses, sample_weight

    def nll_backward(self, shape, target, coef, ignore_index, dtype):
        """The array of ``shape`` (N, C, *) holding ``coef`` (a float, or an array shaped as
        target) at each sample's target class and 0 elsewhere, 0 for ignored targets too."""
        xp = self.xp
        if ignore_index is not None:
            counted = target != ignore_index
            target = xp.where(counted, target, 0)
            coef = xp.where(counted, coef, 0)
        return _scattered(xp, shape, target, coef, dtype)

    # -- binary cross-entropy with logits: log sigmoid(x) = min(x, 0) - log1p(exp(-|x|)) --------
    def bce_with_logits(self, x, t, pos_weight):
        """loss = (1 - t) x - (1 + (pos_weight - 1) t) log sigmoid(x), finite for any logit;
        pos_weight (or None) broadcasts against x."""
        xp = self.xp
        log_sig = xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))
        if pos_weight is None:
            return (1 - t) * x - log_sig
        return (1 - t) * x - (1 + (pos_weight - 1) * t) * log_sig

    def bce_with_logits_backward(self, x, t, g, pos_weight):
        """gx = g * ((pos_weight t + 1 - t) sigmoid(x) - pos_weight t), g the upstream gradient
        (broadcasting against x)."""
        s = self.sigmoid(x)
        if pos_weight is None:
            return g * (s - t)
        pt = pos_weight * t
        return g * ((pt + 1 - t) * s - pt)

    def bce_with_logits_target_backward(self, x, g, pos_weight):
        """gt = g * (-x - (pos_weight - 1) log sigmoid(x))."""
        xp = self.xp
        if pos_weight is None:
            return -g * x
        log_sig = xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))
        return g * (-x - (pos_weight - 1) * log_sig)

    # -- batch norm: per channel of an (N, C, *) input --------------------------------------------
    # Each formula is folded into per-channel coefficients so that few passes go over the
    # activations: training's forward is a sum, a centring pass, a sum of squares and an in-place
    # scale and shift; eval's one multiply and one in-place add with the statistics folded into
    # the scale and shift, as torch's cpu kernel folds them.
    def batch_norm_train(self, x, weight, bias, eps):
        """``(y, mean, var, invstd)`` with the batch's own statistics: biased variance and
        invstd = 1 / sqrt(var + eps), in the compute dtype."""
        xp = self.xp
        acc = compute_dtype(xp, x.dtype)
        x3 = _channels(x).astype(acc, copy=False)
        count = x3.shape[0] * x3.shape[2]
        mean = _channel_sum(xp, x3) / count
        y = x3 - _per_channel(mean)                  # centred; scaled and shifted in place below
        var = _channel_dot(xp, y, y) / count
        invstd = 1.0 / xp.sqrt(var + eps)
        y *= _per_channel(invstd if weight is None else invstd * weight.astype(acc, copy=False))
        if bias is not None:
            y += _per_channel(bias.astype(acc, copy=False))
        return y.astype(x.dtype, copy=False).reshape(x.shape), mean, var, invstd

    def batch_norm_eval(self, x, weight, bias, mean, invstd):
        """y = x * scale + shift with given statistics (compute dtype), folded into per-channel
        scale = invstd * weight and shift = bias - mean * scale."""
        acc = compute_dtype(self.xp, x.dtype)
        scale = invstd if weight is None else invstd * weight.astype(acc, copy=False)
        shift = -mean * scale
        if bias is not None:
            shift = shift + bias.astype(acc, copy=False)
        y = _channels(x).astype(acc, copy=False) * _per_channel(scale)
        y += _per_channel(shift)
        return y.astype(x.dtype, copy=False).reshape(x.shape)

    def batch_norm_backward(self, x, weight, gy, mean, invstd):
        """``(gx, grad_weight)`` of training-mode batch norm (grad_weight None without weight):
        with k = invstd * weight per channel and E the mean over N and the spatial dims,

            gx = k * (gy - E[gy] - (x - mean) * invstd^2 * E[gy * (x - mean)]),
            grad_weight = sum(gy * (x - mean)) * invstd,

        as one centring pass, two reductions and three passes that build gx."""
        xp = self.xp
        acc = compute_dtype(xp, x.dtype)
        x3 = _channels(x).astype(acc, copy=False)
        g3 = _channels(gy).astype(acc, copy=False)
        count = x3.shape[0] * x3.shape[2]
        centered = x3 - _per_channel(mean)
        dot = _channel_dot(xp, g3, centered)
        k = invstd if weight is None else invstd * weight.astype(acc, copy=False)
        centered *= _per_channel(-k * invstd * invstd * dot / count)
        gx = g3 * _per_channel(k)
        gx += centered
        gx -= _per_channel(k * _channel_sum(xp, g3) / count)
        gx = gx.astype(x.dtype, copy=False).reshape(x.shape)
        return gx, (None if weight is None else (dot * invstd).astype(x.dtype, copy=False))
