"""The cpu backend: numpy."""
import numpy

from .base import Backend
from .cpu_random import Mt19937Engine
from .device import CPU


class NumpyBackend(Backend):
    xp = numpy
    device = CPU

    def asarray(self, data, dtype=None):
        if hasattr(data, "__cuda_array_interface__"):
            data = data.get()  # a cupy array: copy to the host
        return numpy.asarray(data, dtype=dtype)

    def to_host(self, array):
        return array

    def new_random_engine(self, seed):
        return Mt19937Engine(seed)


numpy_backend = NumpyBackend()
