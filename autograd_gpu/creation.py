"""Factory functions (tensor, zeros, ones, full, eye, arange, linspace, rand, randn, randint, the
*_like variants), conversions from numpy/dlpack, and the random seed."""
import builtins
import math
import numbers
import warnings

from . import dtypes
from .autograd.out_of_memory import translating
from .backend import device as _device
from .backend import get_backend, numpy_backend, range_values
from .backend.float_errors import silenced
from .random import engine_for
from .tensor import Tensor, check_number, with_note

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
    shape = []
    for i, s in enumerate(size):
        if isinstance(s, numbers.Integral) and not isinstance(s, bool):
            shape.append(int(s))
        elif isinstance(s, Tensor) and s._data.ndim == 0 and s._data.dtype.kind in "iu":
            shape.append(int(s.item()))
        elif len(size) == 1:
            raise TypeError(f"{op}(): argument 'size' (position 1) must be tuple of ints, not "
                            f"{type(s).__name__}")
        else:
            raise TypeError(f"{op}(): argument 'size' failed to unpack the object at pos {i + 1} "
                            f"with error \"type must be tuple of ints,but got {type(s).__name__}\"")
    for s in shape:
        if s < 0:
            exc = RuntimeError("zeros: Dimension size must be non-negative.") if op == "zeros" \
                else RuntimeError(f"Trying to create tensor with negative dimension {s}: {shape}")
            raise with_note(exc, f"in {op}() of size {shape}")
    return tuple(shape)


def require_size(size, op):
    """torch's factories take the size positionally, and need it: ``zeros()`` is no 0-d tensor
    (that is ``zeros(())``)."""
    if not size:
        raise TypeError(f'{op}() missing 1 required positional arguments: "size"')


def _finish(array, backend, requires_grad):
    if requires_grad and array.dtype.kind != "f":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return Tensor._make(array, backend, bool(requires_grad))


_SEQUENCES = (list, tuple, range)


def _scalar_dtype(x):
    """torch's infer_scalar_type for one element: bool, int64, the default float, a numpy scalar's
    own dtype, a one-element tensor's dtype."""
    t = type(x)
    if t is float:
        return dtypes.get_default_dtype()
    if t is int:
        return dtypes.int64
    if t is bool:
        return dtypes.bool_
    if isinstance(x, Tensor):
        return x.dtype
    if isinstance(x, (_np.generic, _np.ndarray)):  # a numpy scalar or 0-d array
        return dtypes.from_numpy_dtype(x.dtype)
    if isinstance(x, numbers.Integral):
        return dtypes.int64
    if isinstance(x, numbers.Real):
        return dtypes.get_default_dtype()
    if isinstance(x, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{t.__name__}'")
    if isinstance(x, numbers.Number):
        raise TypeError(f"complex data is not supported: {x!r}")
    raise RuntimeError(f"Could not infer dtype of {t.__name__}")


def _is_sequence(x):
    return isinstance(x, _SEQUENCES) or (isinstance(x, _np.ndarray) and x.ndim > 0)


def _nested_to_host(data, dtype):
    """Python (nested) sequences of numbers, numpy scalars/arrays or one-element tensors to a numpy
    array of ``dtype`` (None: inferred as torch does, promoting over every element's type).

    Regular data of plain Python numbers takes one pass; anything else (or any error) goes
    through torch's two passes, which report torch's first error in torch's order."""
    shape = []
    probe = data
    while _is_sequence(probe):
        shape.append(len(probe))
        if not len(probe):
            break
        probe = probe[0]
    if shape and isinstance(probe, (str, bytes)):  # torch reads a string there as a sequence
        raise ValueError(f"tensor(): too many dimensions '{type(probe).__name__}'")
    leaves = _regular_leaves(data, shape)
    if leaves is None or set(map(type, leaves)) - {float, int, bool}:
        return _checked_to_host(data, shape, dtype)
    if dtype is None:
        dtype = dtypes.get_default_dtype() if not leaves else None
        for kind in set(map(type, leaves)):
            d = _scalar_dtype(next(x for x in leaves if type(x) is kind))
            dtype = d if dtype is None else dtypes.promote_types(dtype, d)
    try:
        return _np.array(leaves, dtype=dtype.np).reshape(shape), dtype
    except (OverflowError, ValueError):  # NaN, inf or a huge int: find it and say so
        return _checked_to_host(data, shape, dtype)


def _regular_leaves(data, shape):
    """The elements at depth len(shape), level by level; None if the nesting is irregular."""
    level = [data]
    for n in shape:
        nxt = []
        for x in level:
            if not _is_sequence(x) or len(x) != n:
                return None
            nxt.extend(x)
        level = nxt
    return level


def _checked_to_host(data, shape, dtype):
    """torch's two passes: the dtype inferred over every element, in order (its errors first),
    then every element stored, in order, each checked."""
    if dtype is None:
        dtype = _inferred_dtype(data)
    out = []
    _store(data, shape, 0, dtype, out)
    return _np.array(out, dtype=dtype.np).reshape(shape), dtype


def _inferred_dtype(x):
    if isinstance(x, _np.ndarray) and x.ndim:
        return dtypes.from_numpy_dtype(x.dtype)
    if not _is_sequence(x):
        return _scalar_dtype(x)
    dtype = None
    for element in x:
        d = _inferred_dtype(element)
        dtype = d if dtype is None else dtypes.promote_types(dtype, d)
    return dtypes.get_default_dtype() if dtype is None else dtype


def _store(x, shape, dim, dtype, out):
    if dim == len(shape):
        out.append(_element(x, dtype))
        return
    if not _is_sequence(x):
        raise TypeError("not a sequence")
    if len(x) != shape[dim]:
        raise ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got {len(x)})")
    for element in x:
        _store(element, shape, dim + 1, dtype, out)


def _element(x, dtype):
    """One element as a Python number that ``dtype`` holds, or torch's error for it."""
    if isinstance(x, Tensor):  # torch reads float(x), or operator.index(x) for integral dtypes
        if dtype.is_floating_point:
            if x._data.size != 1:
                raise ValueError("only one element tensors can be converted to Python scalars")
        elif x._data.size != 1 or x.dtype.is_floating_point:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        x = x._backend.to_host(x._data).reshape(()).item()
    elif _is_sequence(x) or not isinstance(x, (numbers.Real, _np.bool_)):
        if dtype.is_floating_point:
            raise TypeError(f"tensor(): must be real number, not {type(x).__name__}")
        raise TypeError(f"tensor(): '{type(x).__name__}' object cannot be interpreted as an "
                        "integer")
    if dtype.is_floating_point or dtype is dtypes.bool_:
        return x
    if isinstance(x, numbers.Integral) and not -2 ** 63 <= x < 2 ** 63:
        raise ValueError("tensor(): Overflow when unpacking long long")
    info = _np.iinfo(dtype.np)
    if not (x == x and info.min <= x <= info.max):  # NaN, inf, or past the integer type
        raise RuntimeError(f"tensor(): value cannot be converted to type {dtype.name} without "
                           "overflow")
    return x


@translating
@silenced  # data cast to the dtype as torch casts it (NaN to an int, 1e10 to half) without a word
def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (Python numbers, nested sequences, arrays, tensors)."""
    backend = _backend(device)
    dt = dtypes.to_dtype(dtype)
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()"
                      ".requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        host = data._backend.to_host(data._data)
        dt = dt or data.dtype
        array = backend.asarray(host, dtype=dt.np).copy() if backend is numpy_backend else \
            backend.asarray(host, dtype=dt.np)
        return _finish(array, backend, requires_grad)
    if hasattr(data, "__cuda_array_interface__") or isinstance(data, _np.ndarray):
        _check_strides(data, "tensor")
        src_dt = dtypes.from_numpy_dtype(data.dtype)
        array = backend.asarray(data, dtype=(dt or src_dt).np)
        if array is data or (backend is numpy_backend and _np.shares_memory(array, data)):
            array = array.copy()
        return _finish(array, backend, requires_grad)
    try:
        host, dt = _nested_to_host(data, dt)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise with_note(exc, f"in tensor() of a Python {type(data).__name__}") from None
    return _finish(backend.asarray(host), backend, requires_grad)


def _check_strides(array, op):
    """torch refuses numpy arrays with negative strides (a[::-1]) rather than copying them."""
    if isinstance(array, _np.ndarray) and any(s < 0 for s in array.strides):
        raise with_note(ValueError(
            "At least one stride in the given numpy array is negative, and tensors with negative "
            "strides are not currently supported. (You can probably work around this by making a "
            "copy of your array  with array.copy().)"),
            f"in {op}() of an array of shape {list(array.shape)} and strides {list(array.strides)}")


@silenced
def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory where it can (same device and dtype)."""
    dt = dtypes.to_dtype(dtype)
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dt) if device is not None or dt is not None else data
    _check_strides(data, "as_tensor")
    if isinstance(data, _np.ndarray) and device is None and (dt is None or dt.np == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array):
    """A cpu tensor sharing ``array``'s memory."""
    if not isinstance(array, _np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _check_strides(array, "from_numpy")
    dtypes.from_numpy_dtype(array.dtype)
    return Tensor._make(array, numpy_backend)


def from_dlpack(ext):
    """A tensor sharing the memory of any DLPack producer (numpy, CuPy, torch) on its device."""
    if isinstance(ext, Tensor):
        if ext.requires_grad:
            raise with_note(BufferError("Can't export tensors that require gradient, use "
                                        "tensor.detach()"), "in from_dlpack() of a tensor that "
                            "requires grad")
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


@translating
def zeros(*size, dtype=None, device=None, requires_grad=False, layout=None):
    require_size(size, "zeros")
    return _filled(size, 0, dtype, device, requires_grad, "zeros")


@translating
def ones(*size, dtype=None, device=None, requires_grad=False, layout=None):
    require_size(size, "ones")
    return _filled(size, 1, dtype, device, requires_grad, "ones")


@translating
def empty(*size, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    """Uninitialised in torch; zero-filled here so that no test can depend on garbage."""
    require_size(size, "empty")
    return _filled(size, 0, dtype, device, requires_grad, "empty")


@translating
@silenced
def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None:
        dtype = (dtypes.bool_ if isinstance(fill_value, bool) else
                 dtypes.int64 if isinstance(fill_value, numbers.Integral) else None)
    from .ops.indexing import check_fits  # noqa: PLC0415 - the ops import this module

    shape = _size(tuple(size) if isinstance(size, (list, tuple)) else (size,), "full")
    check_fits(_filled((), 0, dtype, device, False, "full"), fill_value, "full")
    return _filled(shape, fill_value, dtype, device, requires_grad, "full")


_SQUARE = object()  # eye's m when left out


@translating
def eye(n, m=_SQUARE, dtype=None, device=None, requires_grad=False):
    """The n x m identity (m = n when left out; an explicit None is refused, as torch does)."""
    backend = _backend(device)
    dt = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
    check_number(n, "eye", "n", 1, "int")
    m = n if m is _SQUARE else m
    check_number(m, "eye", "m", 2, "int")
    for name, value in (("n", n), ("m", m)):
        if value < 0:
            raise with_note(RuntimeError(f"{name} must be greater or equal to 0, got {value}"),
                            f"in eye(n={n}, m={m})")
    return _finish(backend.xp.eye(n, m, dtype=dt.np), backend, requires_grad)


@translating
@silenced
def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    for position, (name, value) in enumerate(zip(("start", "end", "step"), values), 1):
        check_number(value, "arange", name, position, "Number")
    note = "in arange(start={}, end={}, step={})".format(*values)
    if values[2] == 0 or values[2] != values[2]:
        raise with_note(RuntimeError("step must be nonzero"), note)
    if not builtins.all(math.isfinite(v) for v in values[:2]):
        raise with_note(RuntimeError("unsupported range: {:g} -> {:g}".format(*values[:2])), note)
    if (values[1] - values[0]) * values[2] < 0:
        raise with_note(RuntimeError("upper bound and lower bound inconsistent with step sign"),
                        note)
    integral = builtins.all(isinstance(v, numbers.Integral) for v in values)
    dt = dtypes.to_dtype(dtype) or (dtypes.int64 if integral else dtypes.get_default_dtype())
    first, by = (range_values.arange_accumulation_type(dt.np).type(v) for v in (values[0], values[2]))
    host = range_values.arange(first, by, _arange_size(values, dt, note), dt.np)
    backend = _backend(device)
    return _finish(backend.asarray(host), backend, requires_grad)


def _arange_size(values, dt, note):
    """torch's element count: ceil((end - start) / step) in float64, but for int64 in integers of
    the truncated start, end and step (so arange(0.5, 4, dtype=int64) has four elements)."""
    if dt is not dtypes.int64:
        return math.ceil((float(values[1]) - float(values[0])) / float(values[2]))
    first, last, by = (int(v) for v in values)
    if by == 0:
        raise with_note(ValueError("step must be nonzero"), note)
    sign = (by > 0) - (by < 0)
    return (last - first + by - sign) // by


def _check_range_args(start, end, steps, op):
    for position, (name, value) in enumerate((("start", start), ("end", end)), 1):
        check_number(value.item() if isinstance(value, Tensor) else value, op, name, position,
                     "Number")
    check_number(steps, op, "steps", 3, "int")


@translating
@silenced
def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """By torch's kernel (see backend.range_values.linspace): linspace(-1, 1, 7)[3] is -2.9802e-08,
    not 0."""
    _check_range_args(start, end, steps, "linspace")
    if steps < 0:
        raise with_note(RuntimeError("number of steps must be non-negative"),
                        f"in linspace(start={start}, end={end}, steps={steps})")
    dt = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
    backend = _backend(device)
    out = _finish(backend.asarray(range_values.linspace(start, end, steps, dt.np)), backend,
                  requires_grad)
    from .ops.indexing import check_fits  # noqa: PLC0415 - the ops import this module

    for value in (start, end):
        check_fits(out, value, "linspace")
    return out


@translating
@silenced
def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    """base ** linspace(start, end, steps), by torch's kernel: start and end first cast to the
    dtype (an integer dtype truncates them), the exponents and powers in float64, the first half
    counted from start and the second from end."""
    _check_range_args(start, end, steps, "logspace")
    if steps < 0:
        raise with_note(RuntimeError("number of steps must be non-negative"),
                        f"in logspace(start={start}, end={end}, steps={steps})")
    dt = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
    if dt is dtypes.bool_:
        raise NotImplementedError("\"logspace_cpu\" not implemented for 'Bool'")
    backend = _backend(device)
    if steps == 1:
        host = _np.full(1, float(base) ** float(start))
    else:
        first, last = _np.asarray([start, end]).astype(dt.np).astype(_np.float64)
        step = float(dt.np.type(last - first)) / (steps - 1)  # the difference in the dtype
        i = _np.arange(steps, dtype=_np.float64)
        exponents = _np.where(i < steps // 2, first + step * i, last - step * (steps - i - 1))
        host = _np.power(float(base), exponents)
    return _finish(backend.asarray(host.astype(dt.np)), backend, requires_grad)


@translating
def rand(*size, dtype=None, device=None, requires_grad=False, generator=None):
    require_size(size, "rand")
    backend = _backend(device)
    dt = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
    _require_float(dt, "rand")
    engine = engine_for(generator, backend.device)
    return _finish(engine.uniform(_size(size, "rand"), dt.np), backend, requires_grad)


@translating
def randn(*size, dtype=None, device=None, requires_grad=False, generator=None):
    require_size(size, "randn")
    backend = _backend(device)
    dt = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
    _require_float(dt, "randn")
    engine = engine_for(generator, backend.device)
    return _finish(engine.normal(_size(size, "randn"), dt.np), backend, requires_grad)


_RANDOM_KERNELS = {"rand": "check_uniform_bounds", "randn": "normal_kernel_cpu"}


def _require_float(dt, op):
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"{_RANDOM_KERNELS[op]}\" not implemented for '{dt.scalar_name}'")


@translating
def randint(low=0, high=None, size=None, dtype=None, device=None, requires_grad=False,
            generator=None):
    """``randint(high, size)`` or ``randint(low, high, size)``: integers in [low, high), int64 by
    default (any dtype may be asked for)."""
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing 1 required positional arguments: \"size\"")
    check_number(low, "randint", "low", 1, "int")
    check_number(high, "randint", "high", 2, "int")
    shape = _size((size,), "randint")
    if high <= low:
        raise with_note(RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                                     f"from={low} >= to={high}"),
                        f"in randint(low={low}, high={high}, size={size})")
    backend = _backend(device)
    dt = dtypes.to_dtype(dtype) or dtypes.int64
    engine = engine_for(generator, backend.device)
    array = engine.integers(int(low), int(high), shape, dt.np)
    return _finish(array, backend, requires_grad)


@translating
def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0..n-1 (int64 by default)."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    n = int(n)
    if n < 0:
        raise with_note(RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]"),
                        f"in randperm(n={n})")
    dt = dtypes.to_dtype(dtype) or dtypes.int64
    if dt is dtypes.bool_:
        raise NotImplementedError("\"randperm\" not implemented for 'Bool'")
    if dt._kind == 1 and n - 1 > numpy_backend.xp.iinfo(dt.np).max:
        raise with_note(dtypes.overflow_error(dt), f"in randperm(n={n}, dtype={dt})")
    if dt is dtypes.float16 and n > 2049:
        raise RuntimeError("n cannot be greater than 2049 for Half type.")
    backend = _backend(device)
    order = engine_for(generator, backend.device).randperm(n).astype(dt.np)
    return _finish(order, backend, requires_grad)


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
    check_number(fill_value, "full_like", "fill_value", 2, "Number")
    return full(input._data.shape, fill_value, dtype=dtype or input.dtype,
                device=device if device is not None else input.device, requires_grad=requires_grad)


def randint_like(input, low, high=None, dtype=None, device=None, requires_grad=False):
    check_number(low, "randint_like", "low" if high is not None else "high", 2, "int")
    if high is not None:
        check_number(high, "randint_like", "high", 3, "int")
    return randint(low, high, input._data.shape, dtype=dtype or input.dtype,
                   device=device if device is not None else input.device)


def _rebuild_tensor(host_array, device, requires_grad):
    """Unpickling: a tensor from its host copy (pickle support for DataLoader workers, deepcopy)."""
    t = tensor(host_array, device=device)
    t._requires_grad = requires_grad
    return t
