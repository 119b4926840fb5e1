"""Launch plans for the kernels of ``kernels/softmax.cu``, ``loss.cu`` and ``batchnorm.cu``: the
outputs to allocate, and for each launch the kernel, its grid, block and exact argument list.

Pure Python: ``xp`` is the array module that allocates (CuPy in ``cuda_softmax_norm``, numpy in the
CPU-emulator tests, which run the very plans the GPU runs). Inputs must be contiguous arrays of
one kernel dtype; the callers check that. A plan holds no launch where there is no element, so
callers can run every launch as it comes. ``max_blocks`` caps each grid (the kernels stride over
the rest), which the tests lower to prove the striding.
"""
import math

from .kernels import Launch
from .softmax_norm import compute_dtype

BLOCK = 256       # threads per block: REDUCE_BLOCK in kernels/block_reduce.cuh, sizing its buffers
SHORT_ROW = 64    # softmax rows up to this long go one per thread (a block each would idle)
MIN_CHUNK = 2048  # batch norm: elements a block reduces, at least, when a channel is split
MAX_SPLITS = 64   # batch norm: blocks per channel, at most


def _blocks(n, max_blocks):
    """A 1-D grid of one thread per item over ``n`` items (grid-stride loops cover the rest)."""
    return min((n + BLOCK - 1) // BLOCK, max_blocks)


def _per_thread(family, name, dtype, n, args, max_blocks):
    """A launch of a grid-stride kernel over n items, whose last parameter is n."""
    return Launch(family, name, dtype, _blocks(n, max_blocks), BLOCK, (*args, n))


# -- softmax ---------------------------------------------------------------------------------------

def softmax_layout(shape, dim):
    """``(outer, size, inner)``: the shape viewed as [outer, size, inner] around ``dim`` (None
    normalises every element together, as for a 0-d array)."""
    if dim is None:
        return 1, math.prod(shape), 1
    return math.prod(shape[:dim]), shape[dim], math.prod(shape[dim + 1:])


def _softmax_launch(kind, arrays, shape, dim, is_log, dtype, max_blocks):
    outer, size, inner = softmax_layout(shape, dim)
    if outer * size * inner == 0:
        return ()
    if inner == 1 and size > SHORT_ROW:
        return (Launch("softmax", f"softmax_{kind}_rows", dtype, min(outer, max_blocks), BLOCK,
                       (*arrays, outer, size, is_log)),)
    return (_per_thread("softmax", f"softmax_{kind}_cols", dtype, outer * inner,
                        (*arrays, size, inner, is_log), max_blocks),)


def softmax_forward(xp, x, dim, is_log, max_blocks):
    """``(y, launches)``: softmax (log_softmax when ``is_log``) of x along dim."""
    y = xp.empty_like(x)
    return y, _softmax_launch("forward", (x, y), x.shape, dim, is_log, x.dtype, max_blocks)


def softmax_backward(xp, y, gy, dim, is_log, max_blocks):
    """``(gx, launches)`` from the forward's output y and the upstream gradient gy."""
    gx = xp.empty_like(y)
    return gx, _softmax_launch("backward", (y, gy, gx), y.shape, dim, is_log, y.dtype,
                               max_blocks)


# -- nll (cross-entropy after log_softmax) ---------------------------------------------------------

def _nll_layout(shape):
    """``(classes, inner)`` of an (N, C, *) input."""
    return shape[1], math.prod(shape[2:])


def nll_forward(xp, x, target, weight, ignore_index, bad_target, max_blocks):
    """``((losses, sample_weight), launches)``; x (N, C, *), target (N, *) int64, weight (C,) or
    None; sample_weight is None when there is neither weight nor ignore_index. ``bad_target``,
    an int64 array of 4, receives (1, target, classes, ignore_index) where a counted target is
    out of range (see ``device_errors``); the kernel writes nothing there otherwise."""
    classes, inner = _nll_layout(x.shape)
    has_ignore, has_weight = ignore_index is not None, weight is not None
    losses = xp.empty(target.shape, x.dtype)
    sample_weight = xp.empty(target.shape, x.dtype) if has_ignore or has_weight else None
    if target.size == 0:
        return (losses, sample_weight), ()
    args = (x, target, weight if has_weight else x, losses,
            losses if sample_weight is None else sample_weight, bad_target, classes, inner,
            ignore_index if has_ignore else 0, has_ignore, has_weight)
    return (losses, sample_weight), (
        _per_thread("loss", "nll_forward", x.dtype, target.size, args, max_blocks),)


def nll_backward(xp, shape, target, coef, ignore_index, dtype, max_blocks):
    """``(out, launches)``: out of ``shape`` holds coef (a float, or an array shaped as target)
    at each counted target's class, 0 elsewhere."""
    classes, inner = _nll_layout(shape)
    out = xp.empty(shape, dtype)
    if out.size == 0:
        return out, ()
    per_sample = not isinstance(coef, float)
    has_ignore = ignore_index is not None
    args = (target, coef if per_sample else out, out, 0.0 if per_sample else coef, per_sample,
            classes, inner, ignore_index if has_ignore else 0, has_ignore)
    return out, (_per_thread("loss", "nll_backward", out.dtype, out.size, args, max_blocks),)


# -- binary cross-entropy with logits --------------------------------------------------------------

def trailing_period(xp, a, shape):
    """``(array, period)`` for an operand broadcast against ``shape`` (which it must not widen):
    the kernels read element i at ``i % period``. An operand whose shape, less leading ones, ends
    ``shape`` is used as it is; any other is materialised to ``shape``."""
    own = tuple(a.shape)
    while own and own[0] == 1:
        own = own[1:]
    if len(own) <= len(shape) and tuple(shape[len(shape) - len(own):]) == own:
        return xp.ascontiguousarray(a), math.prod(own)
    return xp.ascontiguousarray(xp.broadcast_to(a, shape)), math.prod(shape)


def _pos_weight_args(xp, x, pos_weight):
    if pos_weight is None:
        return x, 1, False
    pw, period = trailing_period(xp, pos_weight, x.shape)
    return pw, period, True


def bce_with_logits(xp, x, t, pos_weight, max_blocks):
    """``(loss, launches)``: the elementwise loss (no weight, no reduction)."""
    loss = xp.empty_like(x)
    if x.size == 0:
        return loss, ()
    pw, pw_period, has_pw = _pos_weight_args(xp, x, pos_weight)
    return loss, (_per_thread("loss", "bce_with_logits_forward", x.dtype, x.size,
                              (x, t, pw, loss, pw_period, has_pw), max_blocks),)


def bce_with_logits_backward(xp, x, t, g, pos_weight, max_blocks):
    """``(gx, launches)``; g, the upstream gradient, broadcasts against x."""
    gx = xp.empty_like(x)
    if x.size == 0:
        return gx, ()
    g, g_period = trailing_period(xp, g, x.shape)
    pw, pw_period, has_pw = _pos_weight_args(xp, x, pos_weight)
    return gx, (_per_thread("loss", "bce_with_logits_backward", x.dtype, x.size,
                            (x, t, g, pw, gx, g_period, pw_period, has_pw), max_blocks),)


def bce_with_logits_target_backward(xp, x, g, pos_weight, max_blocks):
    """``(gt, launches)``; g broadcasts against x."""
    gt = xp.empty_like(x)
    if x.size == 0:
        return gt, ()
    g, g_period = trailing_period(xp, g, x.shape)
    pw, pw_period, has_pw = _pos_weight_args(xp, x, pos_weight)
    return gt, (_per_thread("loss", "bce_with_logits_target_backward", x.dtype, x.size,
                            (x, g, pw, gt, g_period, pw_period, has_pw), max_blocks),)


# -- batch norm ------------------------------------------------------------------------------------

def channel_splits(count):
    """``(splits, chunk)``: each channel's ``count`` elements cut into ``splits`` chunks of
    ``chunk`` (the last one shorter, none empty), one block each."""
    splits = max(1, min(MAX_SPLITS, count // MIN_CHUNK))
    chunk = -(-count // splits)
    return -(-count // chunk), chunk


def _bn_layout(shape):
    """``(channels, inner, count)`` of an (N, C, *) input: count = N * inner per channel."""
    channels, inner = shape[1], math.prod(shape[2:])
    return channels, inner, shape[0] * inner


def _bn_forward_launch(x, mean, invstd, weight, bias, y, max_blocks):
    channels, inner, _ = _bn_layout(x.shape)
    args = (x, mean, invstd, x if weight is None else weight, x if bias is None else bias, y,
            channels, inner, weight is not None, bias is not None)
    return _per_thread("batchnorm", "batch_norm_forward", x.dtype, x.size, args, max_blocks)


def batch_norm_train(xp, x, weight, bias, eps, max_blocks):
    """``((y, mean, var, invstd), launches)``: statistics of each channel (biased variance), then
    the normalised, scaled and shifted output."""
    channels, inner, count = _bn_layout(x.shape)
    acc = compute_dtype(xp, x.dtype)
    mean, var, invstd = (xp.empty(channels, acc) for _ in range(3))
    y = xp.empty_like(x)
    if x.size == 0:
        return (y, mean, var, invstd), ()
    splits, chunk = channel_splits(count)
    part_mean, part_m2 = xp.empty(channels * splits, acc), xp.empty(channels * splits, acc)
    launches = (
        Launch("batchnorm", "batch_norm_partial_stats", x.dtype,
               min(channels * splits, max_blocks), BLOCK,
               (x, part_mean, part_m2, channels, inner, count, splits, chunk)),
        _per_thread("batchnorm", "batch_norm_finalize_stats", x.dtype, channels,
                    (part_mean, part_m2, mean, var, invstd, count, splits, chunk, float(eps)),
                    max_blocks),
        _bn_forward_launch(x, mean, invstd, weight, bias, y, max_blocks),
    )
    return (y, mean, var, invstd), launches


def batch_norm_eval(xp, x, weight, bias, mean, invstd, max_blocks):
    """``(y, launches)`` with given statistics (mean and invstd in the statistics' dtype)."""
    y = xp.empty_like(x)
    if x.size == 0:
        return y, ()
    return y, (_bn_forward_launch(x, mean, invstd, weight, bias, y, max_blocks),)


def batch_norm_backward(xp, x, weight, gy, mean, invstd, max_blocks):
    """``((gx, grad_weight), launches)``: per channel sum(gy) and sum(gy * (x - mean)) in one
    reduction pass, then gx in one elementwise pass; grad_weight is None without weight."""
    channels, inner, count = _bn_layout(x.shape)
    acc = compute_dtype(xp, x.dtype)
    gx = xp.empty_like(x)
    if x.size == 0:
        return (gx, None if weight is None else xp.zeros(channels, x.dtype)), ()
    grad_weight = xp.empty(channels, x.dtype)
    splits, chunk = channel_splits(count)
    part_sum, part_dot = xp.empty(channels * splits, acc), xp.empty(channels * splits, acc)
    sum_gy, dot = xp.empty(channels, acc), xp.empty(channels, acc)
    launches = (
        Launch("batchnorm", "batch_norm_backward_partial", x.dtype,
               min(channels * splits, max_blocks), BLOCK,
               (x, gy, mean, part_sum, part_dot, channels, inner, count, splits, chunk)),
        _per_thread("batchnorm", "batch_norm_backward_finalize", x.dtype, channels,
                    (part_sum, part_dot, invstd, sum_gy, dot, grad_weight, splits), max_blocks),
        _per_thread("batchnorm", "batch_norm_backward_input", x.dtype, x.size,
                    (x, gy, mean, invstd, x if weight is None else weight, sum_gy, dot, gx,
                     channels, inner, count, weight is not None), max_blocks),
    )
    return (gx, None if weight is None else grad_weight), launches
