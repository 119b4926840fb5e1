"""Factory functions (tensor, zeros, ones, full, eye, arange, linspace, rand, randn, randint, the
*_like variants), conversions from numpy/dlpack, and the random seed."""
import builtins
import numbers

from . import dtypes
from .backend import device as _device
from .backend import get_backend, numpy_backend, seed_all
from .tensor import Tensor

_np = numpy_backend.xp


def _backend(device):
    if device is None:
        return numpy_backend
    if isinstance(device, int) and not isinstance(device, bool):
        device = _device("cuda", device)
    return get_backend(_device(device))


def _size(size, op):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        shape = tuple(int(s) for s in size)
    except (TypeError, ValueError):
        raise TypeError(f"{op}(): argument 'size' must be a tuple of ints, but found element of type "
                        f"{type(next(s for s in size if not isinstance(s, numbers.Integral))).__name__}"
                        ) from None
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    return shape


def _finish(array, backend, requires_grad):
    if requires_grad and array.dtype.kind != "f":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return Tensor._make(array, backend, bool(requires_grad))


def _infer_dtype(host):
    """torch's inference from Python data: floats -> default dtype, ints -> int64, bools -> bool."""
    kind = host.dtype.kind
    if kind == "f":
        return dtypes.get_default_dtype()
    if kind in "iu":
        return dtypes.int64
    if kind == "b":
        return dtypes.bool_
    raise TypeError(f"Could not infer dtype of {host.dtype}")


def _nested_to_host(data):
    """Python (nested) sequences, possibly holding 0-d/1-element tensors, to a numpy array."""
    def convert(x):
        if isinstance(x, Tensor):
            if x._data.size != 1 and x._data.ndim == 0:
                raise ValueError("only one element tensors can be converted to Python scalars")
            return x._backend.to_host(x._data).tolist()
        if isinstance(x, (list, tuple)):
            return [convert(v) for v in x]
        if isinstance(x, (numbers.Number, bool)) or hasattr(x, "dtype"):
            return x
        raise TypeError(f"new(): invalid data type '{type(x).__name__}'")

    try:
        return _np.array(convert(data))
    except ValueError as err:
        raise ValueError(f"expected a rectangular nested sequence of numbers: {err}") from None


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (Python numbers, nested sequences, arrays, tensors)."""
    backend = _backend(device)
    dt = dtypes.to_dtype(dtype)
    if isinstance(data, Tensor):
        host = data._backend.to_host(data._data)
        dt = dt or data.dtype
        array = backend.asarray(host, dtype=dt.np).copy() if backend is numpy_backend else \
            backend.asarray(host, dtype=dt.np)
        return _finish(array, backend, requires_grad)
    if hasattr(data, "__cuda_array_interface__") or isinstance(data, _np.ndarray):
        src_dt = dtypes.from_numpy_dtype(data.dtype)
        array = backend.asarray(data, dtype=(dt or src_dt).np)
        if array is data or (backend is numpy_backend and _np.shares_memory(array, data)):
            array = array.copy()
        return _finish(array, backend, requires_grad)
    host = _nested_to_host(data)
    if host.dtype == object:
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    dt = dt or (_infer_dtype(host) if host.size or host.dtype.kind != "f" else dtypes.get_default_dtype())
    return _finish(backend.asarray(host.astype(dt.np, copy=False)), backend, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory where it can (same device and dtype)."""
    dt = dtypes.to_dtype(dtype)
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dt) if device is not None or dt is not None else data
    if isinstance(data, _np.ndarray) and device is None and (dt is None or dt.np == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array):
    """A cpu tensor sharing ``array``'s memory."""
    if not isinstance(array, _np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    dtypes.from_numpy_dtype(array.dtype)
    return Tensor._make(array, numpy_backend)


def from_dlpack(ext):
    """A tensor sharing the memory of any DLPack producer (numpy, CuPy, torch) on its device."""
    if isinstance(ext, Tensor):
        return ext
    dev_type, dev_id = ext.__dlpack_device__()
    if int(dev_type) == 1:  # kDLCPU
        return Tensor._make(_np.from_dlpack(ext), numpy_backend)
    backend = get_backend(_device("cuda", int(dev_id)))
    return Tensor._make(backend.xp.from_dlpack(ext), backend)


def _filled(size, value, dtype, device, requires_grad, op):
    backend = _backend(device)
    dt = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
    shape = _size(size, op)
    xp = backend.xp
    array = xp.zeros(shape, dtype=dt.np) if value == 0 else xp.full(shape, value, dtype=dt.np)
    return _finish(array, backend, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, layout=None):
    return _filled(size, 0, dtype, device, requires_grad, "zeros")


def ones(*size, dtype=None, device=None, requires_grad=False, layout=None):
    return _filled(size, 1, dtype, device, requires_grad, "ones")


def empty(*size, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    """Uninitialised in torch; zero-filled here so that no test can depend on garbage."""
    return _filled(size, 0, dtype, device, requires_grad, "empty")


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None:
        dtype = (dtypes.bool_ if isinstance(fill_value, bool) else
                 dtypes.int64 if isinstance(fill_value, numbers.Integral) else None)
    return _filled((tuple(size) if isinstance(size, (list, tuple)) else (size,)), fill_value, dtype,
                   device, requires_grad, "full")


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    backend = _backend(device)
    dt = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"n must be greater or equal to 0, got {n if n < 0 else m}")
    return _finish(backend.xp.eye(n, m, dtype=dt.np), backend, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if values[2] == 0:
        raise RuntimeError("step must be nonzero")
    if (values[1] - values[0]) * values[2] < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    integral = builtins.all(isinstance(v, numbers.Integral) for v in values)
    dt = dtypes.to_dtype(dtype) or (dtypes.int64 if integral else dtypes.get_default_dtype())
    backend = _backend(device)
    host = _np.arange(*values, dtype=_np.float64 if not integral else _np.int64).astype(dt.np)
    return _finish(backend.asarray(host), backend, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
    backend = _backend(device)
    host = _np.linspace(start, end, steps, dtype=_np.float64).astype(dt.np)
    return _finish(backend.asarray(host), backend, requires_grad)


def rand(*size, dtype=None, device=None, requires_grad=False, generator=None):
    backend = _backend(device)
    dt = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
    _require_float(dt, "rand")
    return _finish(backend.rand(_size(size, "rand"), dt.np), backend, requires_grad)


def randn(*size, dtype=None, device=None, requires_grad=False, generator=None):
    backend = _backend(device)
    dt = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
    _require_float(dt, "randn")
    return _finish(backend.randn(_size(size, "randn"), dt.np), backend, requires_grad)


def _require_float(dt, op):
    if not dt.is_floating_point:
        raise RuntimeError(f"\"{op}\" not implemented for '{_legacy(dt)}'")


def _legacy(dt):
    return {"int64": "Long", "int32": "Int", "bool": "Bool", "int16": "Short", "int8": "Char",
            "uint8": "Byte"}.get(dt.name, dt.name)


def randint(low, high=None, size=None, dtype=None, device=None, requires_grad=False, generator=None):
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    backend = _backend(device)
    dt = dtypes.to_dtype(dtype) or dtypes.int64
    return _finish(backend.randint(low, high, _size((size,), "randint"), dt.np), backend, requires_grad)


def _like(fn):
    def like(input, *args, dtype=None, device=None, requires_grad=False, memory_format=None, **kwargs):
        return fn(*args, input._data.shape, dtype=dtype or input.dtype,
                  device=device if device is not None else input.device,
                  requires_grad=requires_grad, **kwargs)
    return like


zeros_like = _like(lambda shape, **kw: zeros(shape, **kw))
ones_like = _like(lambda shape, **kw: ones(shape, **kw))
empty_like = _like(lambda shape, **kw: empty(shape, **kw))
rand_like = _like(lambda shape, **kw: rand(shape, **kw))
randn_like = _like(lambda shape, **kw: randn(shape, **kw))


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False, memory_format=None):
    return full(input._data.shape, fill_value, dtype=dtype or input.dtype,
                device=device if device is not None else input.device, requires_grad=requires_grad)


def randint_like(input, low, high=None, dtype=None, device=None, requires_grad=False):
    return randint(low, high, input._data.shape, dtype=dtype or input.dtype,
                   device=device if device is not None else input.device)


def manual_seed(seed):
    """Seeds the generators of every device (cpu and each cuda device, now and when first used)."""
    seed = int(seed)
    seed_all(seed)
    return seed


def _rebuild_tensor(host_array, device, requires_grad):
    """Unpickling: a tensor from its host copy (pickle support for DataLoader workers, deepcopy)."""
    t = tensor(host_array, device=device)
    t._requires_grad = requires_grad
    return t
