"""The cpu backend: numpy."""
import numpy

from .base import Backend
from .device import CPU


class NumpyBackend(Backend):
    xp = numpy
    device = CPU

    def __init__(self):
        self._rng = numpy.random.default_rng()

    def asarray(self, data, dtype=None):
        if hasattr(data, "__cuda_array_interface__"):
            data = data.get()  # a cupy array: copy to the host
        return numpy.asarray(data, dtype=dtype)

    def to_host(self, array):
        return array

    def manual_seed(self, seed):
        self._rng = numpy.random.default_rng(seed)

    def rand(self, shape, dtype):
        return self._rng.random(shape, dtype=numpy.float64).astype(dtype, copy=False)

    def randn(self, shape, dtype):
        return self._rng.standard_normal(shape, dtype=numpy.float64).astype(dtype, copy=False)

    def randint(self, low, high, shape, dtype):
        return self._rng.integers(low, high, size=shape, dtype=dtype)


numpy_backend = NumpyBackend()
