"""The cuda backend's products and float sums: 2-D products through ``cupy.dot`` (cuBLAS, called
from Cython; ``cupy.matmul`` is a Python generalised ufunc that spends tens of microseconds of
host time per call, which an MLP step of small products feels), partial sums through cuBLAS
(``reduction_plan``), the rest through CuPy."""
import functools

import cupy

from .cuda_util import on_device
from .reduction_plan import leading_trailing_split, sum_by_products

_PRODUCT_DTYPES = (cupy.dtype(cupy.float32), cupy.dtype(cupy.float64))
_PRODUCT_MIN_SIZE = 1 << 14  # below this, one CuPy reduction launch costs less than two products


@functools.lru_cache(maxsize=64)
def _ones(device_id, n, dtype):
    """A vector of ones, kept: the sums of every training step use the same few lengths."""
    return cupy.ones(n, dtype=dtype)


class CudaReduction:
    @on_device
    def matmul(self, a, b):
        if a.ndim == 2 and b.ndim == 2:
            return cupy.dot(a, b)
        return cupy.matmul(a, b)

    @on_device
    def sum_float(self, a, axes, keepdims):
        if (isinstance(a, cupy.ndarray) and a.dtype in _PRODUCT_DTYPES and a.flags.c_contiguous
                and a.size >= _PRODUCT_MIN_SIZE and axes is not None):
            split = leading_trailing_split(a.shape, tuple(sorted(axes)))
            if split is not None:
                out = sum_by_products(cupy, a, split,
                                      lambda n, dtype: _ones(self.index, n, dtype))
                shape = tuple(1 if d in axes else s for d, s in enumerate(a.shape)) if keepdims \
                    else tuple(s for d, s in enumerate(a.shape) if d not in axes)
                return out.reshape(shape)
        return super().sum_float(a, axes, keepdims)
