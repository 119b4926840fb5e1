"""``autograd_gpu.cuda``: GPU queries and controls, named and behaving as ``torch.cuda``'s.

Importing this module needs no CuPy, driver or GPU: ``is_available()`` is then False and
``device_count()`` 0; the memory statistics read 0 and ``empty_cache``, ``reset_peak_memory_stats``
and the seeding functions do nothing, as torch's do before CUDA is initialised; the rest raise
``RuntimeError`` saying what is missing. ``device`` arguments take ``None`` (the current GPU), an
index, ``"cuda:1"`` or a ``device``.

Memory statistics describe CuPy's default memory pool, through which every array of this library is
allocated: "allocated" is what live arrays hold, "reserved" what the pool holds from the driver.
"""
from dataclasses import dataclass

from . import random as _random
from .autograd.out_of_memory import OutOfMemoryError
from .backend.cuda_probe import device_count, is_available, unavailable_reason
from .backend.device import device as _device


@dataclass(frozen=True)
class _CudaDeviceProperties:
    name: str
    total_memory: int
    multi_processor_count: int
    major: int
    minor: int

    def __repr__(self):
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
                f"total_memory={self.total_memory // 2**20}MB, "
                f"multi_processor_count={self.multi_processor_count})")


def _backend():
    """``autograd_gpu.backend.cuda``, imported on first use; RuntimeError where CUDA is unavailable."""
    reason = unavailable_reason()
    if reason is not None:
        raise RuntimeError(reason)
    from .backend import cuda  # noqa: PLC0415 - imports CuPy

    return cuda


def _index(device):
    if device is None:
        return _backend().current_device_index()
    if isinstance(device, int) and not isinstance(device, bool):
        return device
    dev = _device(device)
    if dev.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {dev}")
    return _backend().current_device_index() if dev.index is None else dev.index


def current_device():
    """The index of the current GPU."""
    return _backend().current_device_index()


def set_device(device):
    """Makes ``device`` the current GPU: where ``"cuda"`` without an index computes."""
    _backend().set_device(_index(device))


def get_device_properties(device=None):
    return _CudaDeviceProperties(**_backend().device_properties(_index(device)))


def get_device_name(device=None):
    return get_device_properties(device).name


def synchronize(device=None):
    """Waits until all work queued on the GPU has finished."""
    _backend().synchronize(_index(device))


def memory_allocated(device=None):
    """Bytes held by live arrays on the GPU."""
    return _backend().memory_allocated(_index(device)) if is_available() else 0


def max_memory_allocated(device=None):
    """Peak of ``memory_allocated`` since ``reset_peak_memory_stats()``, counted in the calling
    thread. Peaks are tracked from the first call of either function on (tracking costs a little
    on every allocation, so it is off until asked for): call ``reset_peak_memory_stats()`` before
    the code to measure."""
    return _backend().max_memory_allocated(_index(device)) if is_available() else 0


def reset_peak_memory_stats(device=None):
    """Starts a new peak for ``max_memory_allocated`` at the current ``memory_allocated``."""
    if is_available():
        _backend().reset_peak_memory_stats(_index(device))


def memory_reserved(device=None):
    """Bytes the memory pool holds from the driver on the GPU, in use or cached for reuse."""
    return _backend().memory_reserved(_index(device)) if is_available() else 0


def mem_get_info(device=None):
    """``(free, total)`` bytes of the GPU as the driver sees it, all processes included."""
    return _backend().mem_get_info(_index(device))


def empty_cache():
    """Returns the memory pool's cached, unused blocks to the driver (arrays in use stay)."""
    if is_available():
        _backend().empty_cache()


def manual_seed(seed):
    """Seeds the current GPU's default generator."""
    if is_available():
        _random.seed_cuda(seed, current_device())


def manual_seed_all(seed):
    """Seeds the default generators of all GPUs, and of those first used later."""
    _random.seed_cuda(seed)


def initial_seed():
    """The seed of the current GPU's default generator."""
    return _random.default_generator_for(_device("cuda", current_device())).initial_seed()


__all__ = [
    "is_available", "device_count", "current_device", "set_device", "get_device_name",
    "get_device_properties", "synchronize", "memory_allocated", "max_memory_allocated",
    "reset_peak_memory_stats", "memory_reserved", "mem_get_info", "empty_cache", "manual_seed",
    "manual_seed_all", "initial_seed", "OutOfMemoryError",
]
