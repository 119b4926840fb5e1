"""The cuda backend: CuPy arrays on one GPU; the fused primitives run as raw kernels.

``CupyBackend`` overrides every fused primitive of ``Backend`` with one launch of a kernel from
``kernels/elementwise.cu`` when the inputs are CuPy arrays of one float dtype (float16, float32,
float64) and one shape; anything else (other dtypes, broadcasting, Python scalars) falls back to the
CuPy expressions of ``Backend``. Non-contiguous inputs are made contiguous first.

Every method runs with its own GPU current, so that the arrays it allocates and the kernels it
launches land there; the check costs one ``cudaGetDevice`` and the switch only happens when the
program uses several GPUs. Nothing here synchronizes except ``synchronize`` and ``to_host``.

Importing this module raises ``RuntimeError`` (naming what is missing) where CuPy is not installed;
``cuda_probe`` answers the questions that must work without it.
"""
import functools

import numpy

from .cuda_probe import device_count, unavailable_reason

try:
    import cupy
except ImportError as _exc:
    raise RuntimeError(unavailable_reason()) from _exc

from . import get_backend, kernels
from .base import Backend
from .cuda_conv_pool import CudaConvPool
from .cuda_fused import CudaFused
from .cuda_optim_step import CudaOptimStep
from .cuda_random import CupyEngine
from .cuda_reduction import CudaReduction
from .cuda_softmax_norm import CudaSoftmaxNorm
from .cuda_util import kernel_arrays as _kernel_arrays
from .cuda_util import on_device as _on_device
from .device import device
from .device_errors import TargetCheck

_FAMILY = "elementwise"
_get_device_id = cupy.cuda.device.get_device_id


def _require_cuda():
    reason = unavailable_reason()
    if reason is not None:
        raise RuntimeError(reason)


def _require_device(index):
    _require_cuda()
    count = device_count()
    if not 0 <= index < count:
        raise RuntimeError(f"CUDA error: invalid device ordinal {index}: {count} GPU(s) are visible")


def current_device_index():
    """The index of the current CUDA device (CuPy's, which is CUDA's current device)."""
    _require_cuda()
    return _get_device_id()


def _bound(dtype, value):
    """A clamp bound rounded to the array's dtype, as torch and the cpu backend compare with it."""
    return 0.0 if value is None else float(dtype.type(value))


class CupyBackend(CudaConvPool, CudaSoftmaxNorm, CudaOptimStep, CudaFused, CudaReduction, Backend):
    xp = cupy
    wider_accumulation = {"float16": "float32"}  # torch's CUDA acc_type keeps float32

    def __init__(self, index):
        _require_device(index)
        self.index = index
        self.device = device("cuda", index)
        self._target_check = None
        _backend_devices.add(index)

    def __repr__(self):
        return f"CupyBackend({self.index})"

    # -- array movement -------------------------------------------------------------------------
    @_on_device
    def asarray(self, data, dtype=None):
        if isinstance(data, cupy.ndarray) and data.device.id != self.index:
            data = data.copy()  # ndarray.copy copies across GPUs onto the current one
        return cupy.asarray(data, dtype=dtype)

    @property
    def target_check(self):
        """The buffer in which kernels report bad class indices (see ``device_errors``)."""
        if self._target_check is None:
            with cupy.cuda.Device(self.index):
                self._target_check = TargetCheck(cupy)
        return self._target_check

    def to_host(self, array):
        host = array.get()
        self._raise_device_errors()
        return host

    def synchronize(self):
        synchronize(self.index)

    def _raise_device_errors(self):
        if self._target_check is not None:
            self._target_check.raise_if_found(self.device)

    # -- fused elementwise primitives -------------------------------------------------------------
    def _launch(self, name, inputs, *scalars):
        """``name(*inputs, out, *scalars, n)`` over same-shape inputs, into a new array shaped and
        typed as the last input (``where``'s first input is its bool condition)."""
        inputs = [a if a.flags.c_contiguous else a.copy() for a in inputs]
        like = inputs[-1]
        out = cupy.empty(like.shape, like.dtype)
        kernels.launch(self.index, _FAMILY, name, out.dtype, out.size, *inputs, out, *scalars)
        return out

    @_on_device
    def relu(self, x):
        if not _kernel_arrays(x):
            return super().relu(x)
        return self._launch("relu_forward", (x,))

    @_on_device
    def relu_(self, x):
        if not (_kernel_arrays(x) and x.flags.c_contiguous):
            return super().relu_(x)
        kernels.launch(self.index, _FAMILY, "relu_inplace", x.dtype, x.size, x)
        return x

    @_on_device
    def relu_backward(self, y, gy):
        if not _kernel_arrays(y, gy):
            return super().relu_backward(y, gy)
        return self._launch("relu_backward", (y, gy))

    @_on_device
    def sigmoid(self, x):
        if not _kernel_arrays(x):
            return super().sigmoid(x)
        return self._launch("sigmoid_forward", (x,))

    @_on_device
    def sigmoid_backward(self, y, gy):
        if not _kernel_arrays(y, gy):
            return super().sigmoid_backward(y, gy)
        return self._launch("sigmoid_backward", (y, gy))

    @_on_device
    def tanh(self, x):
        if not _kernel_arrays(x):
            return super().tanh(x)
        return self._launch("tanh_forward", (x,))

    @_on_device
    def tanh_backward(self, y, gy):
        if not _kernel_arrays(y, gy):
            return super().tanh_backward(y, gy)
        return self._launch("tanh_backward", (y, gy))

    @_on_device
    def exp(self, x):
        if not _kernel_arrays(x):
            return super().exp(x)
        return self._launch("exp_forward", (x,))

    @_on_device
    def log(self, x):
        if not _kernel_arrays(x):
            return super().log(x)
        return self._launch("log_forward", (x,))

    @_on_device
    def pow_scalar(self, x, exponent):
        if not _kernel_arrays(x):
            return super().pow_scalar(x, exponent)
        return self._launch("pow_scalar_forward", (x,), float(exponent))

    @_on_device
    def pow_scalar_backward(self, x, gy, exponent):
        if not _kernel_arrays(x, gy):
            return super().pow_scalar_backward(x, gy, exponent)
        return self._launch("pow_scalar_backward", (x, gy), float(exponent))

    @_on_device
    def abs(self, x):
        if not _kernel_arrays(x):
            return super().abs(x)
        return self._launch("abs_forward", (x,))

    @_on_device
    def abs_backward(self, x, gy):
        if not _kernel_arrays(x, gy):
            return super().abs_backward(x, gy)
        return self._launch("abs_backward", (x, gy))

    @_on_device
    def clamp(self, x, lo, hi):
        if not _kernel_arrays(x):
            return super().clamp(x, lo, hi)
        return self._launch("clamp_forward", (x,), _bound(x.dtype, lo), _bound(x.dtype, hi),
                            lo is not None, hi is not None)

    @_on_device
    def clamp_backward(self, x, gy, lo, hi):
        if not _kernel_arrays(x, gy):
            return super().clamp_backward(x, gy, lo, hi)
        return self._launch("clamp_backward", (x, gy), _bound(x.dtype, lo), _bound(x.dtype, hi),
                            lo is not None, hi is not None)

    @_on_device
    def where(self, cond, a, b):
        if not (_kernel_arrays(a, b) and isinstance(cond, cupy.ndarray)
                and cond.dtype == numpy.bool_ and cond.shape == a.shape):
            return super().where(cond, a, b)
        return self._launch("where_forward", (cond, a, b))

    def new_random_engine(self, seed):
        return CupyEngine(self.index, seed)


# -- device utilities behind autograd_gpu.cuda ---------------------------------------------------
_backend_devices = set()  # indices of the GPUs a CupyBackend was made for


def set_device(index):
    _require_device(index)
    cupy.cuda.runtime.setDevice(index)


def synchronize(index):
    """Waits for all work queued on GPU ``index``; raises what its kernels found meanwhile."""
    _require_device(index)
    with cupy.cuda.Device(index):
        cupy.cuda.runtime.deviceSynchronize()
    get_backend(device("cuda", index))._raise_device_errors()


def device_properties(index):
    """``name``, ``total_memory``, ``multi_processor_count``, ``major``, ``minor`` of GPU ``index``."""
    _require_device(index)
    props = cupy.cuda.runtime.getDeviceProperties(index)
    name = props["name"]
    return {
        "name": name.decode() if isinstance(name, bytes) else name,
        "total_memory": props["totalGlobalMem"],
        "multi_processor_count": props["multiProcessorCount"],
        "major": props["major"],
        "minor": props["minor"],
    }


def memory_allocated(index):
    """Bytes of CuPy's default pool handed out to live arrays on GPU ``index``."""
    _require_device(index)
    with cupy.cuda.Device(index):
        return cupy.get_default_memory_pool().used_bytes()


def memory_reserved(index):
    """Bytes CuPy's default pool holds from the driver on GPU ``index`` (in use or cached)."""
    _require_device(index)
    with cupy.cuda.Device(index):
        return cupy.get_default_memory_pool().total_bytes()


class _PeakMemoryHook(cupy.cuda.MemoryHook):
    """Follows the default pool's allocated bytes per device through CuPy's memory hooks, keeping
    the peak. ``pool.used_bytes()`` walks every live block, too slow to call on each allocation, so
    this keeps a running count from a baseline read once per device.

    CuPy calls hooks only in the thread that registered them: allocations and frees made by other
    threads are not seen. Registered on the first peak query, so that programs that never ask pay
    nothing; once registered, each allocation and free costs a few Python calls.
    """

    name = "autograd_gpu_peak_memory"

    def __init__(self):
        self.used = {}
        self.peak = {}

    def restart(self, index):
        self.used[index] = self.peak[index] = memory_allocated(index)

    def malloc_postprocess(self, device_id, mem_size, mem_ptr, **_):
        if device_id not in self.used:
            self.restart(device_id)  # the baseline already counts this allocation
        elif mem_ptr:
            used = self.used[device_id] = self.used[device_id] + mem_size
            if used > self.peak[device_id]:
                self.peak[device_id] = used

    def free_postprocess(self, device_id, mem_size, **_):
        if device_id not in self.used:
            self.restart(device_id)
        else:
            self.used[device_id] -= mem_size


_peak_hook = _PeakMemoryHook()


def _track_peaks():
    if _peak_hook.name not in cupy.cuda.memory_hook.get_memory_hooks():
        _peak_hook.__enter__()  # registered for this thread until the process ends


def max_memory_allocated(index):
    """The peak of ``memory_allocated`` since ``reset_peak_memory_stats`` (see ``_PeakMemoryHook``);
    with no reset before, tracking starts now and this is the current value."""
    _require_device(index)
    _track_peaks()
    if index not in _peak_hook.peak:
        _peak_hook.restart(index)
    return _peak_hook.peak[index]


def reset_peak_memory_stats(index):
    _require_device(index)
    _track_peaks()
    _peak_hook.restart(index)


@functools.cache
def _nvml():
    """``pynvml`` initialised once, or None where nvidia-ml-py is missing or NVML cannot start."""
    try:
        import pynvml  # noqa: PLC0415 - optional (nvidia-ml-py)

        pynvml.nvmlInit()
    except Exception:  # noqa: BLE001 - NVML is only a preference; fall back to the runtime
        return None
    return pynvml


def mem_get_info(index):
    """``(free, total)`` bytes of GPU ``index``. NVML answers without creating a CUDA context on the
    device; cudaMemGetInfo is the fallback. Both give the same free bytes, but NVML's total also
    counts what the driver reserves (on an H100, 0.5 GB more than cudaMemGetInfo's, which torch
    reports). The GPU is matched by PCI bus id, since NVML's indices ignore CUDA_VISIBLE_DEVICES."""
    _require_device(index)
    nvml = _nvml()
    if nvml is not None:
        try:
            handle = nvml.nvmlDeviceGetHandleByPciBusId(cupy.cuda.runtime.deviceGetPCIBusId(index))
            info = nvml.nvmlDeviceGetMemoryInfo(handle)
            return int(info.free), int(info.total)
        except nvml.NVMLError:
            pass
    with cupy.cuda.Device(index):
        free, total = cupy.cuda.runtime.memGetInfo()
    return free, total


def empty_cache():
    """Hands the cached, unused blocks of CuPy's default pools back to the driver: device blocks on
    every GPU this process computed on, and pinned host blocks."""
    _require_cuda()
    pool = cupy.get_default_memory_pool()
    for index in _backend_devices | {_get_device_id()}:
        with cupy.cuda.Device(index):
            pool.free_all_blocks()
    cupy.get_default_pinned_memory_pool().free_all_blocks()
