"""The raw-kernel versions of the softmax, log_softmax, cross-entropy (nll), BCE-with-logits and
batch norm primitives (see ``softmax_norm.SoftmaxNormPrimitives``).

Each method launches the kernels of ``kernels/softmax.cu``, ``loss.cu`` or ``batchnorm.cu`` when its
float arrays are CuPy arrays of one kernel dtype (float16, float32, float64; int64 targets for nll)
and the shapes are the ones the kernels take; anything else falls back to the CuPy expressions of
the xp defaults. Inputs are made contiguous first. The launch plans (outputs, grids, argument
lists) come from ``softmax_norm_args``, which the CPU-emulator tests run as they are.
"""
import cupy
import numpy

from . import kernels
from . import softmax_norm_args as plans
from .cuda_util import kernel_arrays, on_device
from .softmax_norm import compute_dtype

_INT64 = numpy.dtype(numpy.int64)


def _contiguous(a):
    return a if a is None or a.flags.c_contiguous else cupy.ascontiguousarray(a)


def _same_dtype(dtype, *arrays):
    """Whether every array given (None skipped) is a CuPy array of ``dtype``."""
    return all(a is None or (isinstance(a, cupy.ndarray) and a.dtype == dtype) for a in arrays)


def _channel_vectors(x, *vectors):
    """Whether each vector (None skipped) is a CuPy array of x's dtype holding C elements."""
    channels = x.shape[1]
    return all(v is None or (isinstance(v, cupy.ndarray) and v.dtype == x.dtype
                             and v.size == channels) for v in vectors)


def _broadcasts_to(a, shape):
    """Whether ``a`` (None skipped) broadcasts against ``shape`` without widening it."""
    return a is None or (len(a.shape) <= len(shape)
                         and all(s in (1, d) for s, d in zip(a.shape[::-1], shape[::-1])))


def _planned(index, plan, *args):
    """Runs ``plan(cupy, *args, max_blocks)``'s launches, in order, on GPU ``index`` (the current
    one) and returns the plan's outputs."""
    outputs, launches = plan(cupy, *args, kernels.max_blocks(index))
    for launch in launches:
        kernels.launch_grid(index, launch.family, launch.name, launch.dtype, launch.grid,
                            launch.block, *launch.args)
    return outputs


def _bce_applies(x, t, *broadcast):
    """Whether the BCE kernels apply: x (and t) kernel arrays, the broadcast operands (None
    skipped) of x's dtype, none widening x's shape."""
    return (kernel_arrays(x, *(() if t is None else (t,)))
            and _same_dtype(x.dtype, *broadcast)
            and all(_broadcasts_to(a, x.shape) for a in broadcast))


def _statistics(x, *stats):
    """Per-channel statistics as contiguous (C,) arrays of the kernels' compute dtype."""
    acc = compute_dtype(cupy, x.dtype)
    return tuple(_contiguous(s.astype(acc, copy=False).reshape(-1)) for s in stats)


class CudaSoftmaxNorm:
    # -- softmax and log_softmax ------------------------------------------------------------------
    @on_device
    def softmax(self, x, dim):
        if not kernel_arrays(x):
            return super().softmax(x, dim)
        return _planned(self.index, plans.softmax_forward, _contiguous(x), dim, False)

    @on_device
    def log_softmax(self, x, dim):
        if not kernel_arrays(x):
            return super().log_softmax(x, dim)
        return _planned(self.index, plans.softmax_forward, _contiguous(x), dim, True)

    @on_device
    def softmax_backward(self, y, gy, dim):
        if not kernel_arrays(y, gy):
            return super().softmax_backward(y, gy, dim)
        return _planned(self.index, plans.softmax_backward, _contiguous(y), _contiguous(gy), dim,
                        False)

    @on_device
    def log_softmax_backward(self, y, gy, dim):
        if not kernel_arrays(y, gy):
            return super().log_softmax_backward(y, gy, dim)
        return _planned(self.index, plans.softmax_backward, _contiguous(y), _contiguous(gy), dim,
                        True)

    # -- nll ---------------------------------------------------------------------------------------
    @on_device
    def nll_forward(self, x, target, weight, ignore_index):
        """The kernel checks the targets on the device (``device_errors``): no host read here."""
        if not (kernel_arrays(x) and isinstance(target, cupy.ndarray) and target.dtype == _INT64
                and _same_dtype(x.dtype, weight)):
            return super().nll_forward(x, target, weight, ignore_index)
        return _planned(self.index, plans.nll_forward, _contiguous(x), _contiguous(target),
                        _contiguous(weight), ignore_index, self.target_check.buffer())

    @on_device
    def nll_backward(self, shape, target, coef, ignore_index, dtype):
        dtype = numpy.dtype(dtype)
        per_sample = isinstance(coef, cupy.ndarray)
        if not (dtype in kernels.CTYPES and isinstance(target, cupy.ndarray)
                and target.dtype == _INT64 and (per_sample or isinstance(coef, float))):
            return super().nll_backward(shape, target, coef, ignore_index, dtype)
        if per_sample:
            coef = _contiguous(cupy.broadcast_to(coef.astype(dtype, copy=False), target.shape))
        return _planned(self.index, plans.nll_backward, shape, _contiguous(target), coef,
                        ignore_index, dtype)

    # -- binary cross-entropy with logits ----------------------------------------------------------
    @on_device
    def bce_with_logits(self, x, t, pos_weight):
        if not _bce_applies(x, t, pos_weight):
            return super().bce_with_logits(x, t, pos_weight)
        return _planned(self.index, plans.bce_with_logits, _contiguous(x), _contiguous(t),
                        pos_weight)

    @on_device
    def bce_with_logits_backward(self, x, t, g, pos_weight):
        if not _bce_applies(x, t, g, pos_weight):
            return super().bce_with_logits_backward(x, t, g, pos_weight)
        return _planned(self.index, plans.bce_with_logits_backward, _contiguous(x),
                        _contiguous(t), g, pos_weight)

    @on_device
    def bce_with_logits_target_backward(self, x, g, pos_weight):
        if not _bce_applies(x, None, g, pos_weight):
            return super().bce_with_logits_target_backward(x, g, pos_weight)
        return _planned(self.index, plans.bce_with_logits_target_backward, _contiguous(x), g,
                        pos_weight)

    # -- batch norm --------------------------------------------------------------------------------
    @on_device
    def batch_norm_train(self, x, weight, bias, eps):
        if not (kernel_arrays(x) and _channel_vectors(x, weight, bias)):
            return super().batch_norm_train(x, weight, bias, eps)
        return _planned(self.index, plans.batch_norm_train, _contiguous(x), _contiguous(weight),
                        _contiguous(bias), eps)

    @on_device
    def batch_norm_eval(self, x, weight, bias, mean, invstd):
        if not (kernel_arrays(x) and _channel_vectors(x, weight, bias)):
            return super().batch_norm_eval(x, weight, bias, mean, invstd)
        return _planned(self.index, plans.batch_norm_eval, _contiguous(x), _contiguous(weight),
                        _contiguous(bias), *_statistics(x, mean, invstd))

    @on_device
    def batch_norm_backward(self, x, weight, gy, mean, invstd):
        if not (kernel_arrays(x, gy) and _channel_vectors(x, weight)):
            return super().batch_norm_backward(x, weight, gy, mean, invstd)
        return _planned(self.index, plans.batch_norm_backward, _contiguous(x),
                        _contiguous(weight), _contiguous(gy), *_statistics(x, mean, invstd))
