"""Finds, compiles and caches the raw CUDA kernels of ``kernels/*.cu``.

One file is one kernel family and one ``cupy.RawModule``; ``kernels/common.cuh`` holds what they
share and is found through ``-I``. The loader needs no list of kernels because the files follow one
convention (see the header of ``kernels/common.cuh``): every kernel is
``template <typename T> __global__ void name(...)``, instantiated for ``__half``, ``float`` and
``double`` and fetched by its name expression (``relu_forward<float>``); its scalar parameters are
``double``, ``long long`` or ``bool``, so that Python floats, ints and bools pass as they are.
``launch`` runs a 1-D grid over the element count, the kernel's last parameter; ``launch_grid``
takes the grid and block of kernels laid out otherwise (one block per row, say).

Each module is compiled once per process (and kept across processes by CuPy's disk cache), each
kernel fetched once per (family, name, dtype); CuPy loads it per device on first launch there.
CuPy is imported only when a kernel is first needed, so that this module, and the NVRTC test built on
``kernel_sources()`` and ``instantiations()``, work where CuPy is not installed.
"""
import functools
import re
from pathlib import Path
from typing import NamedTuple

import numpy

BLOCK = 256
BLOCKS_PER_SM = 32
STANDARD = "-std=c++17"
CTYPES = {
    numpy.dtype(numpy.float16): "__half",
    numpy.dtype(numpy.float32): "float",
    numpy.dtype(numpy.float64): "double",
}

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
# An installed wheel ships kernels/ as autograd_gpu/_kernels (see setup.py); a source checkout or
# editable install reads the top-level kernels/ folder.
_SEARCH_PATH = (_PACKAGE_DIR / "_kernels", _PACKAGE_DIR.parent / "kernels")
_TEMPLATE_KERNEL = re.compile(r"template\s*<\s*typename\s+T\s*>\s*__global__\s+void\s+(\w+)\s*\(")
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)


def kernel_dir():
    """The folder the ``.cu`` sources are read from: the first of ``_SEARCH_PATH`` holding any."""
    for folder in _SEARCH_PATH:
        if any(folder.glob("*.cu")):
            return folder
    raise FileNotFoundError(
        "no CUDA kernel sources (*.cu) found in " + " or ".join(str(p) for p in _SEARCH_PATH))


def compile_options():
    """NVRTC options: the C++ standard and the include path of ``common.cuh``."""
    return (STANDARD, f"-I{kernel_dir()}")


def fused_compile_options():
    """NVRTC options of the kernels ``autograd_gpu.fuse`` generates: no multiply-add contraction.
    torch eager rounds every op of a chain on its own; a contracted ``a * b + c`` would differ
    from it in the last bit (the kernels are bandwidth-bound, so FMA buys no speed there)."""
    return (*compile_options(), "--fmad=false")


@functools.cache
def _sources():
    return {path.stem: path.read_text() for path in sorted(kernel_dir().glob("*.cu"))}


def kernel_sources():
    """``{family: CUDA source}`` for every ``kernels/<family>.cu``."""
    return dict(_sources())


@functools.cache
def kernel_names(family):
    """The templated kernels of a family, in source order."""
    names = tuple(_TEMPLATE_KERNEL.findall(_COMMENT.sub("", _sources()[family])))
    if not names:
        raise ValueError(f"kernels/{family}.cu declares no `template <typename T> __global__` kernel")
    return names


def instantiations(family):
    """The name expressions compiled for a family: every kernel for every dtype in ``CTYPES``."""
    return [f"{name}<{ctype}>" for name in kernel_names(family) for ctype in CTYPES.values()]


@functools.cache
def _module(family):
    import cupy  # noqa: PLC0415 - CuPy is optional

    return cupy.RawModule(code=_sources()[family], options=compile_options(),
                          name_expressions=instantiations(family))


@functools.cache
def get_kernel(family, name, dtype):
    """The ``cupy.RawKernel`` of ``name<T>`` for a numpy dtype (compiles the family on first use)."""
    return _module(family).get_function(f"{name}<{CTYPES[numpy.dtype(dtype)]}>")


@functools.cache
def max_blocks(device_id):
    """A grid that fills the device several times over; larger grids only add scheduling."""
    from cupy.cuda import runtime  # noqa: PLC0415

    return BLOCKS_PER_SM * runtime.deviceGetAttribute(runtime.cudaDevAttrMultiProcessorCount,
                                                      device_id)


class Launch(NamedTuple):
    """One planned launch of ``name<dtype>`` from ``kernels/<family>.cu``: the launch plans of the
    ``*_args`` modules list these, and the cuda backend and the emulator tests run the same list."""
    family: str
    name: str
    dtype: object
    grid: int
    block: int
    args: tuple


_launchers = {}  # (device id, family, name, dtype) -> (RawKernel, grid cap)


def _launcher(device_id, family, name, dtype):
    try:
        return _launchers[device_id, family, name, dtype]
    except KeyError:
        launcher = _launchers[device_id, family, name, dtype] = (
            get_kernel(family, name, dtype), max_blocks(device_id))
        return launcher


def launch(device_id, family, name, dtype, n, *args):
    """Launches ``name<dtype>(*args, n)`` over ``n`` elements on GPU ``device_id``, which must be the
    current device, in the current stream; asynchronous, and nothing is launched when ``n`` is 0.

    ``args`` are CuPy arrays and Python scalars (float, bool: the kernels' ``double`` and ``bool``).
    Built for the hot path: one dict lookup, no import, no numpy scalar.
    """
    if n == 0:
        return
    kernel, blocks = _launcher(device_id, family, name, dtype)
    kernel((min((n + BLOCK - 1) // BLOCK, blocks),), (BLOCK,), (*args, n))


def launch_grid(device_id, family, name, dtype, grid, block, *args):
    """Launches ``name<dtype>(*args)`` with an explicit ``grid`` and ``block`` (ints or tuples);
    asynchronous, like ``launch``. The caller skips empty launches."""
    kernel, _ = _launcher(device_id, family, name, dtype)
    kernel(grid if isinstance(grid, tuple) else (grid,),
           block if isinstance(block, tuple) else (block,), args)
