"""Reads torch's ``.pth``/``.pt`` checkpoints (state dicts such as torchvision's weights) without
torch, and without running code from the file.

The zip format (torch >= 1.6) holds ``<archive>/data.pkl``, a pickle whose tensors refer to raw
little-endian storages ``<archive>/data/<key>`` through persistent ids
``('storage', storage_type, key, location, numel)``; the legacy format (one stream: magic number,
protocol, system info, the pickle, the storage keys, then each storage as an int64 element count
and its bytes) is read too. The pickle is loaded by a restricted Unpickler that resolves only
``collections.OrderedDict``, torch's tensor/parameter rebuild functions and the storage classes,
each to a local stand-in; any other global raises ``UnsafePickleError`` (a
``pickle.UnpicklingError``) naming it, before anything from the file is called.
"""
import collections
import io
import pickle

from .backend import numpy_backend

_np = numpy_backend.xp

StoredTensor = collections.namedtuple("StoredTensor", ["array", "location", "requires_grad"])
StoredTensor.__doc__ = """A loaded tensor before placement: a host array (a view of its storage,
so that tensors sharing a storage share memory), the device it was saved from, requires_grad."""

_STORAGE_DTYPES = {
    "FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
    "LongStorage": "int64", "IntStorage": "int32", "ShortStorage": "int16", "CharStorage": "int8",
    "ByteStorage": "uint8", "BoolStorage": "bool",
}
_UNSUPPORTED_STORAGES = ("BFloat16Storage", "ComplexFloatStorage", "ComplexDoubleStorage",
                         "QInt8Storage", "QUInt8Storage", "QInt32Storage")
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PREFIX = b"\x80\x02\x8a\x0a"  # protocol 2, then the magic number as a 10-byte long


class UnsafePickleError(pickle.UnpicklingError):
    """The checkpoint's pickle names a global outside the allowed set (it could run code)."""


class UnsupportedStorageError(RuntimeError):
    """The checkpoint holds a storage of a dtype autograd_gpu has not (bfloat16, complex, ...)."""


class _StorageType:
    """Stand-in for ``torch.FloatStorage`` & co: only its element dtype matters."""

    __slots__ = ("name", "dtype")

    def __init__(self, name):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "dtype", _STORAGE_DTYPES.get(name))

    def __setattr__(self, key, value):
        raise AttributeError("storage types are immutable")


def is_legacy(data):
    return data[:4] == _LEGACY_PREFIX


def is_torch_zip(zf):
    return any(n == "data.pkl" or n.endswith("/data.pkl") for n in zf.namelist())


# -- tensor rebuilding: the only callables a checkpoint may reach ---------------------------------

def _rebuild_tensor(storage, storage_offset, size, stride):
    """A strided view of ``storage`` (a 1-d host array), bounds-checked before it is made."""
    if not isinstance(storage, _np.ndarray) or storage.ndim != 1:
        raise pickle.UnpicklingError(f"a tensor's storage must come from a persistent id, got "
                                     f"{type(storage).__name__}")
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride) or not all(isinstance(v, int) and v >= 0
                                           for v in (storage_offset, *size, *stride)):
        raise pickle.UnpicklingError(f"invalid tensor geometry: offset {storage_offset}, size "
                                     f"{size}, stride {stride}")
    numel = 1
    for s in size:
        numel *= s
    if numel == 0:
        return _np.zeros(size, dtype=storage.dtype)
    last = storage_offset + sum((s - 1) * st for s, st in zip(size, stride))
    if last >= storage.size:
        raise pickle.UnpicklingError(f"tensor of size {size}, stride {stride} and offset "
                                     f"{storage_offset} reaches element {last} of a storage of "
                                     f"{storage.size}")
    item = storage.itemsize
    return _np.lib.stride_tricks.as_strided(storage[storage_offset:], shape=size,
                                            strides=tuple(st * item for st in stride))


def _make_rebuilders(locations):
    """The rebuild functions for one file; ``locations`` maps id(storage) -> saved device."""

    def rebuild_tensor_v1(storage, storage_offset, size, stride):
        return StoredTensor(_rebuild_tensor(storage, storage_offset, size, stride),
                            locations.get(id(storage), "cpu"), False)

    def rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                          backward_hooks=None, metadata=None):
        return StoredTensor(_rebuild_tensor(storage, storage_offset, size, stride),
                            locations.get(id(storage), "cpu"), bool(requires_grad))

    def rebuild_parameter(data, requires_grad, backward_hooks):
        if not isinstance(data, StoredTensor):
            raise pickle.UnpicklingError("_rebuild_parameter expects a tensor")
        return data._replace(requires_grad=bool(requires_grad))

    return {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("torch._utils", "_rebuild_tensor"): rebuild_tensor_v1,
        ("torch._utils", "_rebuild_tensor_v2"): rebuild_tensor_v2,
        ("torch._utils", "_rebuild_parameter"): rebuild_parameter,
    }


class _RestrictedUnpickler(pickle.Unpickler):
    """Resolves only the allowed globals; storages come from ``load_storage(pid)``."""

    def __init__(self, file, name, allowed, load_storage):
        super().__init__(file)
        self._name = name
        self._allowed = allowed
        self._load_storage = load_storage

    def find_class(self, module, name):
        if module == "torch" and (name in _STORAGE_DTYPES or name in _UNSUPPORTED_STORAGES):
            return _StorageType(name)
        target = self._allowed.get((module, name))
        if target is None:
            raise UnsafePickleError(
                f"{self._name}: refusing to load the global '{module}.{name}': a checkpoint may "
                "only hold tensors, numbers, strings and containers (OrderedDict, dict, list, "
                "tuple); this one would import or run other code")
        return target

    def persistent_load(self, pid):
        if self._load_storage is None:
            raise pickle.UnpicklingError(f"{self._name}: unexpected persistent id {pid!r}")
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and isinstance(pid[2], str)
                and isinstance(pid[3], str) and isinstance(pid[4], int) and pid[4] >= 0):
            raise pickle.UnpicklingError(f"{self._name}: malformed storage id {pid!r}")
        storage_type = pid[1]
        if storage_type.dtype is None:
            raise UnsupportedStorageError(f"{self._name}: holds a {storage_type.name}, whose "
                                          "dtype autograd_gpu does not support")
        return self._load_storage(storage_type, *pid[2:])


def _unpickle(file, name, load_storage):
    locations = {}
    unpickler = _RestrictedUnpickler(file, name, _make_rebuilders(locations),
                                     None if load_storage is None else
                                     lambda *pid: load_storage(locations, *pid))
    return unpickler.load()


def _storage_array(raw, dtype, numel, byteorder, key):
    """A writable 1-d array of ``numel`` elements from raw storage bytes."""
    dt = _np.dtype(dtype).newbyteorder("<" if byteorder == "little" else ">")
    if len(raw) != numel * dt.itemsize:
        raise ValueError(f"storage {key} holds {len(raw)} bytes, {numel} elements of {dtype} "
                         f"need {numel * dt.itemsize}")
    array = _np.frombuffer(bytearray(raw), dtype=dt)
    return array if dt.isnative else array.astype(dt.newbyteorder("="))


# -- the zip format --------------------------------------------------------------------------------

def read_zip(zf, name):
    """The checkpoint's object, with StoredTensor records in place of tensors."""
    pkl = next(n for n in zf.namelist() if n == "data.pkl" or n.endswith("/data.pkl"))
    prefix = pkl[:-len("data.pkl")]
    names = set(zf.namelist())
    byteorder = "little"
    if prefix + "byteorder" in names:
        byteorder = zf.read(prefix + "byteorder").decode().strip()
    storages = {}

    def load_storage(locations, storage_type, key, location, numel):
        if key not in storages:
            entry = f"{prefix}data/{key}"
            if entry not in names:
                raise ValueError(f"storage {key!r} is missing from the archive")
            storages[key] = _storage_array(zf.read(entry), storage_type.dtype, numel, byteorder,
                                           key)
        storage = storages[key]
        locations[id(storage)] = location
        return storage

    return _unpickle(io.BytesIO(zf.read(pkl)), name, load_storage)


# -- the legacy format (torch < 1.6, or _use_new_zipfile_serialization=False) ---------------------

def read_legacy(data, name):
    """As ``read_zip`` for the one-stream legacy format."""
    f = io.BytesIO(data)
    magic = _unpickle(f, name, None)
    if magic != _LEGACY_MAGIC:
        raise ValueError("invalid magic number; corrupt file?")
    protocol = _unpickle(f, name, None)
    if protocol != 1001:
        raise ValueError(f"unsupported legacy protocol version {protocol}")
    sys_info = _unpickle(f, name, None)
    byteorder = "little" if sys_info.get("little_endian", True) else "big"
    roots, views = {}, {}  # storages are filled in place once the pickle has been read

    def load_storage(locations, storage_type, key, location, numel, view_metadata=None):
        dt = _np.dtype(storage_type.dtype)
        if key not in roots:
            if numel * dt.itemsize > len(data):
                raise ValueError(f"storage {key!r} claims {numel} elements, more than the file holds")
            roots[key] = (_np.zeros(numel, dtype=dt), storage_type.dtype)
        storage = roots[key][0]
        if view_metadata is not None:
            view_key, offset, view_size = view_metadata
            if view_key not in views:
                if not 0 <= offset <= offset + view_size <= storage.size:
                    raise ValueError(f"storage view {view_key!r} lies outside its storage")
                views[view_key] = storage[offset:offset + view_size]
            storage = views[view_key]
        locations[id(storage)] = location
        return storage

    result = _unpickle(f, name, load_storage)
    keys = _unpickle(f, name, None)
    for key in keys:
        storage, dtype = roots[key]
        count = int.from_bytes(_read_exactly(f, 8), "little")
        if count != storage.size:
            raise ValueError(f"storage {key!r} holds {count} elements, its tensors expect "
                             f"{storage.size}")
        raw = _read_exactly(f, count * storage.itemsize)
        storage[...] = _storage_array(raw, dtype, count, byteorder, key)
    return result


def _read_exactly(f, n):
    chunk = f.read(n)
    if len(chunk) != n:
        raise EOFError(f"the file ends {n - len(chunk)} bytes early")
    return chunk


def load_pth(f, map_location=None):
    """A torch checkpoint (path or binary file object) read without torch: for a state dict, an
    ``OrderedDict[str, Tensor]`` equal to ``torch.load``'s. Tensors go to the device they were
    saved from, or where ``map_location`` says (as ``autograd_gpu.load``)."""
    from .serialization import _load  # noqa: PLC0415 - serialization imports this module

    return _load(f, map_location, accept=("pth",))
