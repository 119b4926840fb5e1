"""GPU out-of-memory as torch reports it: ``OutOfMemoryError`` (a RuntimeError) saying how much was
asked, how much the GPU has and has free (NVML, through ``cuda.mem_get_info``), and what to try.

CuPy raises ``cupy.cuda.memory.OutOfMemoryError`` (a MemoryError) with the text "Out of memory
allocating 1,024 bytes (allocated so far: ...)" when its pool cannot get a block, even after
handing its cached blocks back to the driver. The places that see every allocation of an op
(``Op.apply``, ``Function.apply``, the backward engine) turn that error into this one with
``reraise``, and tensor factories with the ``translating`` decorator; a ``try`` costs nothing
until something is raised. The pool is left as it was, so the process computes on once the caller
lets go of what it no longer needs. Host ``MemoryError``s (numpy's "Unable to allocate ...") pass
through unchanged: their text is clear already.
"""
import functools
import re

from ..backend import device as as_device

_CUPY_MESSAGE = re.compile(r"Out of memory allocating ([\d,]+) bytes")


class OutOfMemoryError(RuntimeError):
    """The GPU could not provide the memory an operation asked for (torch.OutOfMemoryError)."""


def format_size(n):
    """Bytes as torch's allocator prints them: "512 bytes", "1.50 KiB", "20.00 MiB", "3.00 GiB"."""
    if n <= 1024:
        return f"{n} bytes"
    if n <= 1024 ** 2:
        return f"{n / 1024:.2f} KiB"
    if n <= 1024 ** 3:
        return f"{n / 1024 ** 2:.2f} MiB"
    return f"{n / 1024 ** 3:.2f} GiB"


def translate(err, device=None):
    """The OutOfMemoryError for CuPy's out-of-memory ``err`` raised while computing on ``device``
    (the current GPU when ``device`` is None or not a GPU), or None for any other MemoryError."""
    match = _CUPY_MESSAGE.match(str(err))
    if match is None:
        return None
    from .. import cuda  # noqa: PLC0415 - the cuda module sits above autograd

    requested = int(match.group(1).replace(",", ""))
    index = device.index if device is not None and device.type == "cuda" else None
    return OutOfMemoryError(_message(cuda, requested, index))


def reraise(err, device=None):
    """Raises the MemoryError ``err`` being handled again: as OutOfMemoryError when it is CuPy's
    out-of-memory error, unchanged otherwise. Called from an ``except MemoryError`` block."""
    oom = translate(err, device)
    if oom is None:
        raise err
    raise oom from err


def _message(cuda, requested, index):
    try:
        if index is None:
            index = cuda.current_device()
        free, total = cuda.mem_get_info(index)
        allocated, reserved = cuda.memory_allocated(index), cuda.memory_reserved(index)
    except Exception:  # noqa: BLE001 - the statistics only add detail to the error being raised
        return (f"CUDA out of memory. Tried to allocate {format_size(requested)}. Try a smaller "
                "batch size, or free GPU memory: delete the tensors you no longer need and call "
                "autograd_gpu.cuda.empty_cache().")
    return (f"CUDA out of memory. Tried to allocate {format_size(requested)}. GPU {index} has a "
            f"total capacity of {format_size(total)} of which {format_size(free)} is free. Of the "
            f"allocated memory {format_size(allocated)} is allocated by autograd_gpu, and "
            f"{format_size(max(reserved - allocated, 0))} is reserved by autograd_gpu but "
            "unallocated. Try a smaller batch size, or free GPU memory: delete the tensors you no "
            "longer need and call autograd_gpu.cuda.empty_cache().")


def translating(fn):
    """Decorates a tensor factory so that CuPy's out-of-memory error leaves it as OutOfMemoryError,
    reported for the GPU of its ``device=`` argument (or the current GPU)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except MemoryError as err:
            reraise(err, _device_argument(kwargs.get("device")))

    return wrapper


def _device_argument(device):
    if isinstance(device, int) and not isinstance(device, bool):
        return as_device("cuda", device)
    try:
        return None if device is None else as_device(device)
    except (TypeError, RuntimeError):
        return None
