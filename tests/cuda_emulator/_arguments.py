"""Checks a kernel's arguments against its C++ signature and packs them as cudaLaunchKernel does.

CuPy passes what it is given without knowing the kernel's parameter types: a Python int as a
64-bit integer, a float as a double, a bool as a bool, a numpy scalar as its dtype, an array as a
pointer. A mismatch (an int for a ``double``, a float64 array for a ``float*``) is silently
misread on a GPU; here it is a ``TypeError`` naming the kernel, the argument and both types.

Array arguments are copied into buffers framed by 4 KiB red zones of 0xFF bytes: a read past
either end yields NaN (or -1 for integers) and a write there raises ``OutOfBoundsError`` after
the launch; the copies of the arrays the kernel may write are then copied back. Arguments that
are the same memory share one copy; arrays that partly overlap another argument, and the arrays a
pointer table (``T**``) points to, are used in place, unguarded.
"""
import ctypes
from dataclasses import dataclass

import numpy

REDZONE_BYTES = 4096
POISON = 0xFF

_BY_VALUE = {
    "b1": ctypes.c_bool,
    "i1": ctypes.c_int8, "u1": ctypes.c_uint8,
    "i2": ctypes.c_int16, "u2": ctypes.c_uint16,
    "i4": ctypes.c_int32, "u4": ctypes.c_uint32,
    "i8": ctypes.c_int64, "u8": ctypes.c_uint64,
    "f2": ctypes.c_uint16,  # __half: its bits
    "f4": ctypes.c_float, "f8": ctypes.c_double,
}
_C_NAMES = {"b1": "bool", "i1": "signed char", "u1": "unsigned char", "i2": "short",
            "u2": "unsigned short", "i4": "int", "u4": "unsigned int", "i8": "long long",
            "u8": "unsigned long long", "f2": "__half", "f4": "float", "f8": "double"}
_PYTHON_SPELLING = {"b1": "a Python bool", "i8": "a Python int", "f8": "a Python float"}
_SAME_BYTES = {"b1": "u1", "u1": "b1"}  # a bool array is read as unsigned char, and back


class OutOfBoundsError(RuntimeError):
    """A kernel wrote outside the array passed for one of its pointer parameters."""


@dataclass(frozen=True)
class Param:
    """One kernel parameter, as ``emu_launch.h`` describes it."""

    ctype: str  # the C++ spelling, e.g. "const float*"
    typestr: str  # numpy's typestr without byte order ("f8", "i8", "b1"), "P8" for a pointer
    pointee: str | None = None  # a pointer's pointee: "f4", "P8" (a table), "V0" (void)
    const: bool = False  # the pointee is const: the kernel does not write through it

    @property
    def is_pointer(self):
        return self.pointee is not None


def parse_signature(text):
    """The parameters described by ``emu_kernel_signature``: one tab-separated line each."""
    params = []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) == 2:
            params.append(Param(*fields))
        else:
            ctype, typestr, pointee, constness = fields
            params.append(Param(ctype, typestr, pointee, constness == "const"))
    return tuple(params)


def _describe(value):
    if isinstance(value, numpy.ndarray):
        return f"a numpy array of {value.dtype} with shape {value.shape}"
    if isinstance(value, numpy.generic):
        return f"numpy.{type(value).__name__}({value!r})"
    return f"{type(value).__name__} {value!r}"


def _cupy_typestr(value):
    """The typestr CuPy would pass a scalar as, or None where CuPy rejects it."""
    if isinstance(value, (bool, numpy.bool_)):
        return "b1"
    if isinstance(value, int):
        return "i8"
    if isinstance(value, float):
        return "f8"
    if isinstance(value, numpy.generic) and value.dtype.str[1:] in _BY_VALUE:
        return value.dtype.str[1:]
    return None


class _Mismatch(TypeError):
    pass


def _scalar(param, value):
    if isinstance(value, numpy.ndarray) or value is None:
        raise _Mismatch(f"got {_describe(value)} for a scalar parameter")
    passed = _cupy_typestr(value)
    same_bits = param.typestr == "u8" and passed == "i8" and value >= 0
    if passed != param.typestr and not same_bits:
        if passed is None:
            raise _Mismatch(f"got {_describe(value)}, which CuPy cannot pass to a kernel")
        wanted = _PYTHON_SPELLING.get(param.typestr, f"numpy.{numpy.dtype(param.typestr).name}")
        size = "1 byte" if passed[1] == "1" else f"{passed[1]} bytes"
        raise _Mismatch(f"got {_describe(value)}, which CuPy passes as `{_C_NAMES[passed]}` "
                        f"({size}) that the kernel would misread; pass {wanted}")
    if param.typestr == "f2":
        return ctypes.c_uint16(int(value.view(numpy.uint16)))
    if isinstance(value, int) and not -(1 << 63) <= value < (1 << 63):
        raise _Mismatch(f"got {_describe(value)}, out of the 64-bit range CuPy can pass")
    return _BY_VALUE[param.typestr](value.item() if isinstance(value, numpy.generic) else value)


def _check_array(param, array):
    if not array.flags.c_contiguous:
        raise _Mismatch(f"got a non-contiguous array (strides {array.strides}); the kernels take "
                        "C-contiguous arrays: pass numpy.ascontiguousarray(...)")
    if not array.dtype.isnative:
        raise _Mismatch(f"got an array of non-native byte order {array.dtype}")
    if not param.const and not array.flags.writeable:
        raise _Mismatch("got a read-only array for a pointer the kernel writes through")
    wanted = param.pointee
    if wanted.startswith("V"):  # void* or a struct: any array
        return
    have = array.dtype.str[1:]
    if wanted == "P8":
        if have != "u8":
            raise _Mismatch(f"got {_describe(array)}; a pointer table takes a numpy.uint64 "
                            "array of addresses (array.ctypes.data)")
    elif have != wanted and _SAME_BYTES.get(have) != wanted:
        element = _C_NAMES.get(wanted, wanted)
        raise _Mismatch(f"got {_describe(array)}, whose elements are not {element}")


class _Region:
    """A guarded copy of one array: red zones of POISON bytes on both sides."""

    def __init__(self, array):
        self.array = array
        self.params = []  # (index, Param) of the arguments that point here
        self.buffer = numpy.full(array.nbytes + 2 * REDZONE_BYTES, POISON, numpy.uint8)
        self.interior = self.buffer[REDZONE_BYTES:REDZONE_BYTES + array.nbytes]
        self.interior[:] = array.reshape(-1).view(numpy.uint8)
        self.pointer = self.buffer.ctypes.data + REDZONE_BYTES

    def finish(self, kernel_name):
        """Copies the interior back when the kernel may write it; the red-zone violation, if any."""
        if any(not param.const for _, param in self.params):
            self.array.reshape(-1).view(numpy.uint8)[:] = self.interior
        before = numpy.flatnonzero(self.buffer[:REDZONE_BYTES] != POISON) - REDZONE_BYTES
        after = numpy.flatnonzero(self.buffer[REDZONE_BYTES + self.array.nbytes:] != POISON)
        if not before.size and not after.size:
            return None
        itemsize = self.array.itemsize
        offsets = numpy.concatenate([before, after + self.array.nbytes])
        first, last = offsets.min() // itemsize, offsets.max() // itemsize
        index, param = self.params[0]
        return (f"{kernel_name} wrote out of bounds of argument {index} (`{param.ctype}`, "
                f"{self.array.size} elements of {itemsize} bytes): element indices "
                f"{first}..{last}")


class PackedArguments:
    """The ``void**`` argument array of one launch, and the guarded copies it points into."""

    def __init__(self, kernel_name, params, args):
        self.kernel_name = kernel_name
        if not isinstance(args, (tuple, list)):
            raise TypeError(f"{kernel_name}: args must be a tuple, got {type(args).__name__}")
        if len(args) != len(params):
            raise TypeError(f"{kernel_name} takes {len(params)} arguments "
                            f"({', '.join(p.ctype for p in params)}), got {len(args)}")
        self._values = []
        arrays = []
        for index, (param, value) in enumerate(zip(params, args)):
            try:
                if not param.is_pointer:
                    self._values.append(_scalar(param, value))
                    continue
                if value is None:
                    self._values.append(ctypes.c_void_p(None))
                    continue
                if not isinstance(value, numpy.ndarray):
                    raise _Mismatch(f"got {_describe(value)} for a pointer parameter; pass a "
                                    "numpy array (or None for a null pointer)")
                _check_array(param, value)
            except _Mismatch as exc:
                message = f"{kernel_name}: argument {index} (`{param.ctype}`) {exc}"
                raise TypeError(message) from None
            self._values.append(ctypes.c_void_p())
            arrays.append((index, param, value))
        self._regions = self._guard(arrays)
        self.argv = (ctypes.c_void_p * max(len(self._values), 1))(
            *(ctypes.addressof(v) for v in self._values))

    def _guard(self, arrays):
        spans = {}  # (address, nbytes) -> [(index, param, array)]
        for entry in arrays:
            array = entry[2]
            spans.setdefault((array.ctypes.data, array.nbytes), []).append(entry)
        regions = []
        for (start, size), entries in spans.items():
            overlaps = any(start < other + other_size and other < start + size
                           for other, other_size in spans if (other, other_size) != (start, size))
            region = None if overlaps else _Region(entries[0][2])
            for index, param, array in entries:
                self._values[index].value = region.pointer if region else array.ctypes.data
                if region:
                    region.params.append((index, param))
            if region:
                regions.append(region)
        return regions

    def finish(self):
        """Copies the written arrays back; raises ``OutOfBoundsError`` on a red-zone write."""
        violations = [v for v in (region.finish(self.kernel_name) for region in self._regions) if v]
        if violations:
            raise OutOfBoundsError("\n".join(violations))
