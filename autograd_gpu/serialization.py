"""``save`` and ``load``: tensors, state dicts and optimizer state dicts on disk.

``save`` writes safetensors (or numpy's ``.npz`` when the path ends in ``.npz``) atomically: the
bytes go to a temporary file in the target's folder, are fsynced, and replace the target in one
``os.replace``, so an interrupted save (even a killed process) leaves the previous file whole; the
next save removes the temporary files of killed writers. Tensors are stored by name; everything
else of the object (nesting, dict key types, tuples, numbers, each tensor's device and
requires_grad) is a JSON skeleton in the safetensors metadata (or an extra ``.npz`` entry, left out
for a plain ``{name: cpu tensor}`` state dict). safetensors files carry a CRC32 of each tensor's
bytes and one of the rest of the header; in ``.npz`` files, the zip's own CRCs do that work.

``load`` recognises the content, not the name: safetensors, ``.npz``, or a torch ``.pth``
checkpoint (``pth.py``, zip or legacy). A truncated or corrupted file raises a RuntimeError naming
it (the legacy ``.pth`` format has no checksums: damaged tensor bytes there go unnoticed).
``map_location`` is torch's: None (the saved device), a device or string, or a dict mapping saved
locations to new ones.

safetensors is an optional dependency: saving or loading that format without it raises an
ImportError telling how to install it; ``.npz`` and ``.pth`` need nothing beyond numpy.
"""
import collections
import contextlib
import io
import json
import os
import re
import socket
import tempfile
import zipfile
import zlib

from . import cuda, pth
from .backend import device as _device
from .backend import numpy_backend
from .creation import from_numpy, tensor
from .tensor import Tensor

_np = numpy_backend.xp

_STRUCTURE_KEY = "autograd_gpu.structure"   # safetensors metadata / .npz entry: the JSON skeleton
_CRC_KEY = "autograd_gpu.crc32"             # safetensors metadata: {tensor name: crc32}
_HEADER_CRC_KEY = "autograd_gpu.header_crc32"  # safetensors metadata: crc32 of the rest
_NPZ_STRUCTURE = "__autograd_gpu_structure__"


def _safetensors_numpy():
    try:
        import safetensors.numpy  # noqa: PLC0415 - optional dependency
    except ImportError:
        raise ImportError("reading and writing safetensors files needs the safetensors package: "
                          "pip install safetensors (or save to a path ending in .npz)") from None
    return safetensors.numpy


# -- the skeleton: any nesting of dicts, lists and tuples of tensors and plain values -------------

class _Encoder:
    """Replaces each tensor by ``{"t": name, "device": ...}`` and collects its host array; a tensor
    met twice is stored once (and comes back as one tensor)."""

    def __init__(self):
        self.arrays = {}
        self._names = {}

    def encode(self, obj, path):
        if isinstance(obj, Tensor):
            return self._tensor(obj, path)
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return obj
        if isinstance(obj, dict):
            node = {"dict": [[self.encode_key(k), self.encode(v, _join(path, k))]
                             for k, v in obj.items()]}
            if isinstance(obj, collections.OrderedDict):
                node["ordered"] = True
                metadata = getattr(obj, "_metadata", None)
                if metadata is not None:
                    node["metadata"] = self.encode(metadata, _join(path, "_metadata"))
            return node
        if isinstance(obj, list):
            return [self.encode(v, _join(path, i)) for i, v in enumerate(obj)]
        if isinstance(obj, tuple):
            return {"tuple": [self.encode(v, _join(path, i)) for i, v in enumerate(obj)]}
        raise TypeError(f"save: cannot store a value of type {type(obj).__name__} at "
                        f"'{path or '<root>'}' (supported: Tensor, dict, OrderedDict, list, tuple, "
                        "str, int, float, bool, None)")

    def encode_key(self, key):
        if isinstance(key, Tensor):
            raise TypeError("save: dict keys cannot be tensors")
        return self.encode(key, "")

    def _tensor(self, t, path):
        name = self._names.get(id(t))
        if name is None:
            name = path or "tensor"
            n = 1
            while name in self.arrays:
                name, n = f"{path or 'tensor'}#{n}", n + 1
            self._names[id(t)] = name
            self.arrays[name] = _np.asarray(t.detach().cpu().numpy(), order="C")
        node = {"t": name, "device": str(t.device)}
        if t.requires_grad:
            node["requires_grad"] = True
        return node


def _join(path, key):
    return f"{path}.{key}" if path else str(key)


def _decode(node, stored):
    """The object back from its skeleton; ``stored`` maps tensor names to StoredTensor records,
    and is updated so that every reference to a name yields the same record."""
    if isinstance(node, list):
        return [_decode(v, stored) for v in node]
    if not isinstance(node, dict):
        return node
    if "t" in node:
        name = node["t"]
        record = stored[name]
        if record.location != node.get("device", "cpu") or \
                record.requires_grad != node.get("requires_grad", False):
            record = stored[name] = record._replace(location=node.get("device", "cpu"),
                                                    requires_grad=node.get("requires_grad", False))
        return record
    if "tuple" in node:
        return tuple(_decode(v, stored) for v in node["tuple"])
    if "dict" in node:
        cls = collections.OrderedDict if node.get("ordered") else dict
        out = cls((_decode(k, stored), _decode(v, stored)) for k, v in node["dict"])
        if "metadata" in node:
            out._metadata = _decode(node["metadata"], stored)
        return out
    raise ValueError(f"unknown node {sorted(node)} in the saved structure")


def _is_plain_state_dict(obj):
    """A flat ``{str: cpu tensor}`` mapping, storable as a plain .npz with nothing else."""
    if not isinstance(obj, dict) or getattr(obj, "_metadata", None) is not None:
        return False
    values = list(obj.values())
    return all(isinstance(k, str) for k in obj) and \
        all(isinstance(v, Tensor) and v.device.type == "cpu" and not v.requires_grad
            for v in values) and len({id(v) for v in values}) == len(values)


# -- save ------------------------------------------------------------------------------------------

def save(obj, f):
    """Saves a Tensor, a (nested) dict/OrderedDict of tensors such as a module's or an optimizer's
    state_dict, or lists/tuples/numbers within them, to a path (atomically) or a binary file object.
    A path ending in ``.npz`` gets numpy's format, any other safetensors."""
    is_path = not hasattr(f, "write")
    use_npz = is_path and os.fspath(f).endswith(".npz")
    payload = _npz_bytes(obj) if use_npz else _safetensors_bytes(obj)
    if not is_path:
        f.write(payload)
        return
    _write_atomically(os.fspath(f), payload)


def _safetensors_bytes(obj):
    encoder = _Encoder()
    structure = encoder.encode(obj, "")
    crcs = {name: zlib.crc32(array) for name, array in encoder.arrays.items()}
    metadata = {"format": "pt", _STRUCTURE_KEY: json.dumps(structure), _CRC_KEY: json.dumps(crcs)}
    metadata[_HEADER_CRC_KEY] = str(_header_crc(metadata, encoder.arrays))
    return _safetensors_numpy().save(encoder.arrays, metadata=metadata)


def _header_crc(metadata, arrays):
    """CRC32 of what the safetensors header says besides the tensors' bytes (their names, dtypes
    and shapes, and our metadata), which the per-tensor CRCs do not cover: a damaged name, dtype
    or skeleton would otherwise load as a different but well-formed object."""
    described = [sorted((k, v) for k, v in metadata.items() if k != _HEADER_CRC_KEY),
                 sorted((name, a.dtype.str, list(a.shape)) for name, a in arrays.items())]
    return zlib.crc32(json.dumps(described).encode())


def _npz_bytes(obj):
    if _is_plain_state_dict(obj):
        arrays = {k: _np.asarray(v.numpy(), order="C") for k, v in obj.items()}
    else:
        encoder = _Encoder()
        structure = encoder.encode(obj, "")
        if _NPZ_STRUCTURE in encoder.arrays:
            raise ValueError(f"save: '{_NPZ_STRUCTURE}' is reserved in .npz files")
        arrays = dict(encoder.arrays)
        arrays[_NPZ_STRUCTURE] = _np.array(json.dumps(structure))
    buffer = io.BytesIO()
    _np.savez(buffer, **arrays)
    return buffer.getvalue()


def _write_atomically(path, payload):
    """Writes ``payload`` to a temporary file beside ``path``, fsyncs it, then renames it over
    ``path``: readers see the old file or the new one, never a part of one. The temporary file is
    named after this host and process, so that the next save can remove those of writers that were
    killed before they could (see ``_remove_stale_temporaries``)."""
    folder = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    _remove_stale_temporaries(folder, base)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{base}.{_HOST}-{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


_HOST = re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:32] or "host"


def _remove_stale_temporaries(folder, base):
    """Deletes the temporary files that saves to ``folder/base`` from this host left behind when
    their process died mid-write (SIGKILL, power loss): those whose process no longer exists. A
    live writer's file is never touched; nor, where processes cannot be probed (not POSIX), any."""
    if os.name != "posix":
        return
    pattern = re.compile(re.escape(f".{base}.{_HOST}-") + r"(\d+)\.[A-Za-z0-9_]{8}\.tmp")
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        match = pattern.fullmatch(name)
        if match is not None and not _process_exists(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))


def _process_exists(pid):
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists (POSIX)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, under another user
        return True
    return True


def _fsync_folder(folder):
    """Makes the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()  # mkstemp creates 0600 files; saved files get the usual permissions


# -- load ------------------------------------------------------------------------------------------

def load(f, map_location=None, *, weights_only=None):
    """Loads what ``save`` wrote, a safetensors or ``.npz`` file, or a torch ``.pth`` checkpoint.

    Tensors are placed on the device they were saved from unless ``map_location`` (a device, a
    string such as ``"cpu"``, or a dict ``{"cuda:0": "cpu"}``) says otherwise. Loading never runs
    code from the file: ``weights_only`` is accepted for torch compatibility and is always in
    effect."""
    return _load(f, map_location, accept=("safetensors", "npz", "pth"))


def _load(f, map_location, accept):
    _check_map_location(map_location)
    name, data = _read_all(f)
    try:
        kind = _sniff(data)
    except Exception as err:  # BadZipFile, or whatever else a damaged field makes zipfile raise
        raise RuntimeError(f"load: {name} is truncated or corrupted (not a readable zip archive: "
                           f"{err})") from err
    if kind is None or kind not in accept:
        wanted = ", ".join(accept)
        raise RuntimeError(f"load: {name} is not a {wanted} file (it is empty, truncated, corrupted "
                           "or of another format)")
    try:
        obj = _read(kind, data, name)
    except (pth.UnsafePickleError, pth.UnsupportedStorageError, ImportError):
        raise
    except Exception as err:
        raise RuntimeError(f"load: {name} is truncated or corrupted (reading it as {kind} failed: "
                           f"{err})") from err
    return _place(obj, map_location)


def _read_all(f):
    if hasattr(f, "read"):
        return getattr(f, "name", "<file object>"), f.read()
    path = os.fspath(f)
    with open(path, "rb") as fh:
        return path, fh.read()


def _sniff(data):
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "pth" if pth.is_torch_zip(zf) else "npz"
    if pth.is_legacy(data):
        return "pth"
    if len(data) >= 10 and data[8:9] == b"{":
        return "safetensors"
    return None


def _read(kind, data, name):
    """The object with StoredTensor records (host arrays) in place of tensors."""
    if kind == "safetensors":
        return _read_safetensors(data)
    if pth.is_legacy(data):
        return pth.read_legacy(data, name)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        _check_zip_directory(data, zf)
        return _read_npz(data) if kind == "npz" else pth.read_zip(zf, name)


_ZIP_END = b"PK\x05\x06"


def _check_zip_directory(data, zf):
    """zipfile walks the central directory by the lengths its entries state, and no CRC covers
    them: a damaged length hides the entries after it, and the archive would load without some
    tensors, or without its skeleton. The end record's entry count must match what was read."""
    end = len(data) - 22 if data[-22:-18] == _ZIP_END else data.rfind(_ZIP_END)
    count = int.from_bytes(data[end + 10:end + 12], "little") if end >= 0 else None
    if count is not None and count != 0xFFFF and count != len(zf.infolist()):  # 0xFFFF: zip64
        raise ValueError(f"its zip directory lists {len(zf.infolist())} entries where its end "
                         f"record counts {count}")


def _read_safetensors(data):
    arrays = _safetensors_numpy().load(data)
    header_len = int.from_bytes(data[:8], "little")
    metadata = json.loads(data[8:8 + header_len]).get("__metadata__") or {}
    if _HEADER_CRC_KEY in metadata and str(_header_crc(metadata, arrays)) != \
            metadata[_HEADER_CRC_KEY]:
        raise ValueError("its header fails its CRC32 check")
    crcs = json.loads(metadata.get(_CRC_KEY, "{}"))
    stored = {}
    for name, array in arrays.items():
        if name in crcs and zlib.crc32(_np.asarray(array, order="C")) != crcs[name]:
            raise ValueError(f"tensor '{name}' fails its CRC32 check")
        stored[name] = pth.StoredTensor(_np.array(array), "cpu", False)
    if _STRUCTURE_KEY not in metadata:
        return collections.OrderedDict(stored)
    return _decode(json.loads(metadata[_STRUCTURE_KEY]), stored)


def _read_npz(data):
    with _np.load(io.BytesIO(data), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    structure = arrays.pop(_NPZ_STRUCTURE, None)
    stored = {name: pth.StoredTensor(array, "cpu", False) for name, array in arrays.items()}
    if structure is None:
        return collections.OrderedDict(stored)
    return _decode(json.loads(str(structure)), stored)


# -- placement -------------------------------------------------------------------------------------

def _check_map_location(map_location):
    if map_location is None or isinstance(map_location, (str, _device)):
        return
    if isinstance(map_location, dict) and all(isinstance(k, str) and isinstance(v, (str, _device))
                                              for k, v in map_location.items()):
        return
    raise TypeError(f"load: map_location must be None, a device, a string or a dict of location "
                    f"strings, got {type(map_location).__name__}")


def _target(location, map_location):
    if map_location is None:
        target = location
    elif isinstance(map_location, dict):
        target = map_location.get(location, location)
    else:
        target = map_location
    dev = _device(target)
    if dev.type == "cuda" and not cuda.is_available():
        raise RuntimeError("Attempting to deserialize object on a CUDA device but "
                           "torch.cuda.is_available() is False. If you are running on a CPU-only "
                           "machine, please use torch.load with map_location=torch.device('cpu') "
                           "to map your storages to the CPU.")
    return dev


def _place(obj, map_location):
    """Turns every StoredTensor into a Tensor on its target device; records that are one object
    (a tensor saved twice) become one Tensor, and cpu tensors share their storage's memory."""
    made = {}  # id(record) -> (record, tensor): the record is kept so that its id stays unique

    def visit(x):
        if isinstance(x, pth.StoredTensor):
            if id(x) not in made:
                dev = _target(x.location, map_location)
                t = from_numpy(x.array) if dev.type == "cpu" else tensor(x.array, device=dev)
                made[id(x)] = (x, t.requires_grad_(True) if x.requires_grad else t)
            return made[id(x)][1]
        if isinstance(x, dict):
            for k, v in x.items():
                x[k] = visit(v)
            return x
        if isinstance(x, list):
            x[:] = [visit(v) for v in x]
            return x
        if isinstance(x, tuple):
            return tuple(visit(v) for v in x)
        return x

    return visit(obj)
