"""dtype objects (printed ``torch.float32`` so that output matches torch's) and promotion rules."""
import builtins

from .backend.cpu import numpy as _np


class dtype:
    __slots__ = ("name", "np", "is_floating_point", "itemsize", "_kind", "scalar_name", "cpp_name")

    def __init__(self, name, np_dtype, kind, scalar_name, cpp_name):
        self.name = name
        # the names torch's messages give the dtype: its ScalarType ("Float") and C++ type ("float")
        self.scalar_name = scalar_name
        self.cpp_name = cpp_name
        self.np = _np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self._kind = kind  # 0 bool, 1 integer, 2 floating: the category order of promotion
        self.is_floating_point = kind == 2

    def __repr__(self):
        return f"torch.{self.name}"

    def __reduce__(self):
        return self.name

    @property
    def is_signed(self):
        return self.name != "bool" and self.name != "uint8"


bool_ = dtype("bool", "bool", 0, "Bool", "bool")
uint8 = dtype("uint8", "uint8", 1, "Byte", "unsigned char")
int8 = dtype("int8", "int8", 1, "Char", "signed char")
int16 = dtype("int16", "int16", 1, "Short", "short int")
int32 = dtype("int32", "int32", 1, "Int", "int")
int64 = dtype("int64", "int64", 1, "Long", "long int")
float16 = dtype("float16", "float16", 2, "Half", "c10::Half")
float32 = dtype("float32", "float32", 2, "Float", "float")
float64 = dtype("float64", "float64", 2, "Double", "double")

# torch's aliases
half, float, double = float16, float32, float64
short, int, long = int16, int32, int64

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_by_np = {d.np: d for d in ALL}
_by_name = {d.name: d for d in ALL}


# The C++ type names c10's checked_convert prints in its overflow error
_CONVERT_NAMES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
                  "int64": "int64_t", "float16": "c10::Half", "float32": "float",
                  "float64": "double"}


def overflow_error(d):
    """torch's error for a number that dtype ``d`` cannot hold."""
    return RuntimeError(f"value cannot be converted to type {_CONVERT_NAMES[d.name]} without "
                        f"overflow")


def from_numpy_dtype(np_dtype):
    """Our dtype for a numpy/cupy array dtype; float64-from-Python-float is handled by callers."""
    try:
        return _by_np[np_dtype]
    except KeyError:
        raise TypeError(f"can't convert arrays of type {np_dtype} to a tensor: the supported types are "
                        "float64, float32, float16, int64, int32, int16, int8, uint8 and bool") from None


def to_dtype(d):
    """Accepts our dtype, its name, a numpy dtype or Python's float/int/bool types."""
    if isinstance(d, dtype):
        return d
    if d is None:
        return None
    if d is builtins.float:
        return float64
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool_
    if isinstance(d, str):
        name = d.replace("torch.", "")
        if name in _by_name:
            return _by_name[name]
        alias = {"half": float16, "float": float32, "double": float64, "long": int64, "int": int32,
                 "short": int16}
        if name in alias:
            return alias[name]
    try:
        return from_numpy_dtype(_np.dtype(d))
    except TypeError:
        raise TypeError(f"invalid dtype: {d!r}") from None


def promote_types(a, b):
    """torch.promote_types: the larger category wins, then the larger type within it."""
    if a is b:
        return a
    if a._kind != b._kind:
        return a if a._kind > b._kind else b
    if a._kind == 1 and {a.name, b.name} == {"uint8", "int8"}:
        return int16
    return a if a.itemsize >= b.itemsize else b


_default_float = [float32]


def get_default_dtype():
    return _default_float[0]


def set_default_dtype(d):
    d = to_dtype(d)
    if d not in (float16, float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float[0] = d


def scalar_result_dtype(tensor_dtype, scalar):
    """The dtype of ``tensor op python_scalar``: a scalar only lifts the category (int -> float)."""
    if isinstance(scalar, builtins.bool):
        return tensor_dtype
    if isinstance(scalar, builtins.int):
        return int64 if tensor_dtype is bool_ else tensor_dtype
    # float (or complex, unsupported)
    return tensor_dtype if tensor_dtype._kind == 2 else get_default_dtype()


def _type_argument(op, type):
    if not isinstance(type, dtype):
        raise TypeError(f"{op}(): argument 'type' (position 1) must be torch.dtype, not "
                        f"{builtins.type(type).__name__}")
    return type


class finfo:
    """The numerical limits of a floating dtype (torch.finfo): bits, eps, max, min, tiny (alias
    smallest_normal) and resolution, as Python numbers; the default dtype without an argument."""

    def __init__(self, type=None):
        type = get_default_dtype() if type is None else _type_argument("finfo", type)
        if not type.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo "
                            "to handle 'torch.finfo'")
        info = _np.finfo(type.np)
        self.bits = info.bits
        self.eps = builtins.float(info.eps)
        self.max = builtins.float(info.max)
        self.min = builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = builtins.float(f"1e-{info.precision}")  # numpy's float16 one is rounded
        self.dtype = type.name

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """The limits of an integer dtype (torch.iinfo): bits, min and max, as Python ints."""

    def __init__(self, type=None):
        if type is None:
            raise TypeError('iinfo() missing 1 required positional arguments: "type"')
        type = _type_argument("iinfo", type)
        if type is bool_:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if type.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        info = _np.iinfo(type.np)
        self.bits = info.bits
        self.min = builtins.int(info.min)
        self.max = builtins.int(info.max)
        self.dtype = type.name

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
