"""The Backend interface: the array module of one device plus the named primitives ops call.

Ops never import numpy or cupy; they call ``t.backend.xp`` for plain array functions and the named
primitives below for work a device may do better as one fused kernel (the cuda backend overrides
them with raw kernels from ``kernels/``). The defaults here are written with ``xp`` and are what the
cpu backend uses.
"""


from .conv_pool import ConvPoolPrimitives
from .fused import FusedPrimitives
from .optim_step import OptimStepPrimitives
from .softmax_norm import SoftmaxNormPrimitives

_SAME_SIZE_INT = {2: "int16", 4: "int32", 8: "int64"}


class Backend(ConvPoolPrimitives, SoftmaxNormPrimitives, OptimStepPrimitives, FusedPrimitives):
    xp = None        # the array module (numpy or cupy)
    device = None    # the Device this backend computes on

    # -- array movement -------------------------------------------------------------------------
    def asarray(self, data, dtype=None):
        raise NotImplementedError

    def to_host(self, array):
        """A numpy array with the same values (no copy on the cpu)."""
        raise NotImplementedError

    def synchronize(self):
        pass

    def matmul(self, a, b):
        """The matrix product of two arrays (numpy's matmul rules)."""
        return self.xp.matmul(a, b)

    def sum_float(self, a, axes, keepdims):
        """A float array summed over ``axes`` (a tuple of non-negative dims, or None: all)."""
        return self.xp.sum(a, axis=axes, keepdims=keepdims)

    # torch's CPU kernels accumulate scans and variances of float32 in float64 and of float16 in
    # float32 (acc_type), rounding each result once: a float32 cumsum of 10**5 values is as exact
    # as one addition, where numpy's float32 running sum drifts by ~1e-5.
    wider_accumulation = {"float16": "float32", "float32": "float64"}

    def _accumulation_dtype(self, dtype):
        return self.xp.dtype(self.wider_accumulation.get(self.xp.dtype(dtype).name, dtype))

    def cumsum(self, a, axis, dtype):
        """The running sums of ``a`` along ``axis`` in ``dtype``."""
        acc = self._accumulation_dtype(dtype)
        return self.xp.cumsum(a, axis=axis, dtype=acc).astype(dtype, copy=False)

    def cumprod(self, a, axis, dtype):
        """The running products of ``a`` along ``axis`` in ``dtype``."""
        acc = self._accumulation_dtype(dtype)
        return self.xp.cumprod(a, axis=axis, dtype=acc).astype(dtype, copy=False)

    def var(self, a, axes, ddof, keepdims, root=False):
        """The variance of a float array over ``axes`` with ``ddof`` degrees of freedom removed
        (at least one left), or its square ``root`` (std, rounded once)."""
        acc = self._accumulation_dtype(a.dtype)
        moment = self.xp.std if root else self.xp.var
        return moment(a, axis=axes, ddof=ddof, keepdims=keepdims, dtype=acc).astype(
            a.dtype, copy=False)

    # -- fused elementwise primitives: forward and the backward each one needs ------------------
    def relu(self, x):
        xp = self.xp
        return xp.maximum(x, x.dtype.type(0))

    def relu_(self, x):
        """relu written into ``x`` itself (which may be a strided view); returns x."""
        xp = self.xp
        xp.maximum(x, x.dtype.type(0), out=x)
        return x

    def relu_backward(self, y, gy):
        """gx = gy where y > 0 else +0, read from relu's output.

        Computed as ``gy & -(y > 0)`` on the float's bits: the same values as ``where`` (NaN and
        inf masked to +0), without the branch mispredictions that make numpy's ``where`` about
        8x slower on random signs."""
        xp = self.xp
        itype = _SAME_SIZE_INT[gy.dtype.itemsize]
        keep = xp.asarray(y > 0).astype(itype)  # asarray: 0-d inputs compare to a scalar
        xp.negative(keep, out=keep)
        xp.bitwise_and(keep, gy.view(itype), out=keep)
        return keep.view(gy.dtype)

    def sigmoid(self, x):
        xp = self.xp
        # Split by sign so that exp never overflows: 1/(1+e^-x) for x>=0, e^x/(1+e^x) for x<0.
        e = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    def sigmoid_backward(self, y, gy):
        return gy * y * (1 - y)

    def tanh(self, x):
        return self.xp.tanh(x)

    def tanh_backward(self, y, gy):
        return gy * (1 - y * y)

    def exp(self, x):
        return self.xp.exp(x)

    def log(self, x):
        return self.xp.log(x)

    def pow_scalar(self, x, exponent):
        return self.xp.power(x, x.dtype.type(exponent))

    def pow_scalar_backward(self, x, gy, exponent):
        """gx = gy * p * x^(p-1); p == 0 gives zeros (torch's convention), never NaN."""
        xp = self.xp
        if exponent == 0:
            return xp.zeros_like(gy)
        return gy * (exponent * xp.power(x, x.dtype.type(exponent - 1)))

    def abs(self, x):
        return self.xp.abs(x)

    def abs_backward(self, x, gy):
        return gy * self.xp.sign(x)

    def clamp(self, x, lo, hi):
        xp = self.xp
        if lo is not None:
            x = xp.maximum(x, x.dtype.type(lo))
        if hi is not None:
            x = xp.minimum(x, x.dtype.type(hi))
        return x

    def clamp_backward(self, x, gy, lo, hi):
        """gx = gy inside [lo, hi] (bounds included, as torch), 0 outside."""
        xp = self.xp
        mask = None
        if lo is not None:
            mask = x >= lo
        if hi is not None:
            mask = (x <= hi) if mask is None else (mask & (x <= hi))
        return gy if mask is None else xp.where(mask, gy, gy.dtype.type(0))

    def where(self, cond, a, b):
        return self.xp.where(cond, a, b)

    def scatter_add(self, out, key, values):
        """out[key] += values, with repeated indices accumulating (numpy/cupy ``add.at``)."""
        self.xp.add.at(out, key, values)

    # -- randomness ------------------------------------------------------------------------------
    def new_random_engine(self, seed):
        """A new generator of this device (a ``random_engine.RandomEngine``) seeded with ``seed``."""
        raise NotImplementedError
