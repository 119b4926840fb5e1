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

    def _generator(self, seed):
        """The device's generator, or a fresh one for the seed a ``Generator`` handed out."""
        return self._rng if seed is None else numpy.random.default_rng(seed)

    def rand(self, shape, dtype, seed=None):
        return self._generator(seed).random(shape, dtype=numpy.float64).astype(dtype, copy=False)

    def randn(self, shape, dtype, seed=None):
        return self._generator(seed).standard_normal(shape, dtype=numpy.float64).astype(
            dtype, copy=False)

    def randint(self, low, high, shape, dtype, seed=None):
        return self._generator(seed).integers(low, high, size=shape, dtype=dtype)


numpy_backend = NumpyBackend()
