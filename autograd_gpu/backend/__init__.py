"""Devices and their array backends. The only package that imports numpy or cupy by name.

``get_backend(device)`` returns the one Backend object of a device; the cuda backends are created
lazily, on first use, so that ``import autograd_gpu`` works where CuPy is not installed.
"""
from .device import CPU, device
from .cpu import numpy_backend

_backends = {CPU: numpy_backend}


def get_backend(dev):
    try:
        return _backends[dev]
    except KeyError:
        pass
    dev = device(dev)
    if dev in _backends:
        return _backends[dev]
    from . import cuda  # noqa: PLC0415 - imported lazily: CuPy is optional

    if dev.index is None:
        dev = device("cuda", cuda.current_device_index())
        if dev in _backends:
            return _backends[dev]
    backend = cuda.CupyBackend(dev.index)
    _backends[dev] = backend
    return backend


def backend_of_array(array):
    """The backend that owns an array (numpy -> cpu, cupy -> its cuda device)."""
    if type(array).__module__.startswith("cupy"):
        return get_backend(device("cuda", array.device.id))
    return numpy_backend


__all__ = ["device", "CPU", "get_backend", "backend_of_array", "numpy_backend"]
