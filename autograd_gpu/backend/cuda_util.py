"""What every CuPy-side module of the backend shares: running on the backend's GPU, and the test of
whether the raw kernels apply to a set of arrays. Imports CuPy: only the cuda modules import this."""
import functools

import cupy

from . import kernels

_KERNEL_DTYPES = frozenset(kernels.CTYPES)
_get_device_id = cupy.cuda.device.get_device_id


def on_device(method):
    """Runs a backend method with the backend's GPU (``self.index``) current, so that the arrays
    it allocates and the kernels it launches land there. The check costs one ``cudaGetDevice``;
    the switch only happens when the program uses several GPUs."""

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        if _get_device_id() == self.index:
            return method(self, *args, **kwargs)
        with cupy.cuda.Device(self.index):
            return method(self, *args, **kwargs)

    return run


def kernel_arrays(first, *rest):
    """Whether the raw kernels apply: CuPy arrays, all of one kernel dtype and one shape."""
    if not isinstance(first, cupy.ndarray) or first.dtype not in _KERNEL_DTYPES:
        return False
    dtype, shape = first.dtype, first.shape
    for a in rest:
        if not isinstance(a, cupy.ndarray) or a.dtype != dtype or a.shape != shape:
            return False
    return True
