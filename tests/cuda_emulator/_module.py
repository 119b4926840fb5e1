"""``EmulatedModule`` and ``EmulatedKernel``: cupy.RawModule and cupy.RawKernel, on the CPU."""
import ctypes
import functools

from autograd_gpu.backend import kernels

from ._arguments import PackedArguments, parse_signature
from ._build import build, uses_syncthreads

# CUDA's launch limits (compute capability 7.0 and later).
MAX_THREADS_PER_BLOCK = 1024
MAX_BLOCK = (1024, 1024, 64)
MAX_GRID = (2**31 - 1, 65535, 65535)
# Far below CUDA's limits, far above what a test needs: a mistyped grid fails fast instead of
# running for hours.
MAX_EMULATED_THREADS = 1 << 24


class KernelLaunchError(RuntimeError):
    """The emulator could not run a launch (the message says why)."""


@functools.cache
def _load(path):
    library = ctypes.CDLL(str(path))
    library.emu_kernel_signature.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t]
    library.emu_kernel_signature.restype = ctypes.c_size_t
    library.emu_launch.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_uint),
                                   ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_void_p),
                                   ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t]
    library.emu_launch.restype = ctypes.c_int
    return library


def _signature(library, index):
    size = library.emu_kernel_signature(index, None, 0)
    buffer = ctypes.create_string_buffer(size + 1)
    library.emu_kernel_signature(index, buffer, size + 1)
    return buffer.value.decode()


def _dims(value, what, kernel_name):
    """A launch dimension (int, or tuple of 1 to 3 ints) as three ints, checked as CUDA does."""
    dims = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    limits = MAX_BLOCK if what == "block" else MAX_GRID
    if not 1 <= len(dims) <= 3 or any(isinstance(d, bool) or not hasattr(d, "__index__")
                                      for d in dims):
        raise TypeError(f"{kernel_name}: {what} must be an int or a tuple of 1 to 3 ints, "
                        f"got {value!r}")
    dims = tuple(int(d) for d in dims) + (1,) * (3 - len(dims))
    if any(not 1 <= d <= limit for d, limit in zip(dims, limits)):
        raise ValueError(f"{kernel_name}: invalid {what} {value!r}: its dimensions must be at "
                         f"least 1 and at most {limits} (CUDA: invalid configuration argument)")
    return dims


class EmulatedKernel:
    """One kernel of an ``EmulatedModule``; called like ``cupy.RawKernel``."""

    def __init__(self, module, index, name, params):
        self.module = module
        self.name = name
        self.params = params  # tuple of _arguments.Param
        self._index = index

    def __repr__(self):
        return f"<EmulatedKernel {self.name}({', '.join(p.ctype for p in self.params)})>"

    def __call__(self, grid, block, args, *, shared_mem=0):
        """Runs the kernel over ``grid`` x ``block`` with ``args``; returns when it has finished.

        Arrays passed for pointers are read and written in place (through guarded copies, see
        ``_arguments``). Raises ``TypeError`` for arguments a GPU would misread, ``ValueError``
        for an invalid launch configuration, ``OutOfBoundsError`` for a write outside an array.
        """
        if shared_mem:
            raise ValueError(f"{self.name}: dynamic shared memory is not used by these kernels "
                             "(static __shared__ arrays only), got shared_mem={shared_mem}")
        grid = _dims(grid, "grid", self.name)
        block = _dims(block, "block", self.name)
        threads = block[0] * block[1] * block[2]
        if threads > MAX_THREADS_PER_BLOCK:
            raise ValueError(f"{self.name}: block {block} has {threads} threads, more than "
                             f"CUDA's {MAX_THREADS_PER_BLOCK}")
        total = threads * grid[0] * grid[1] * grid[2]
        if total > MAX_EMULATED_THREADS:
            raise ValueError(f"{self.name}: grid {grid} x block {block} is {total} threads; the "
                             f"emulator runs at most {MAX_EMULATED_THREADS}: test smaller sizes")
        packed = PackedArguments(self.name, self.params, args)
        error = ctypes.create_string_buffer(2048)
        status = self.module._library.emu_launch(
            self._index, (ctypes.c_uint * 3)(*grid), (ctypes.c_uint * 3)(*block), packed.argv,
            int(self.module.cooperative), error, len(error))
        packed.finish()
        if status != 0:
            raise KernelLaunchError(f"{self.name}: {error.value.decode(errors='replace')}")


class EmulatedModule:
    """Kernels of one CUDA source compiled for the CPU; used like ``cupy.RawModule``.

    ``EmulatedModule.for_family("conv")`` compiles ``kernels/conv.cu`` for every name expression
    the loader instantiates (``kernels.instantiations``), once per process. The constructor takes
    any source and its name expressions (tests of the emulator itself use it); ``cooperative``
    (default: whether the source calls ``__syncthreads``) runs a block's threads as fibers that
    meet at barriers rather than one after another.
    """

    def __init__(self, source, name_expressions, *, name="module", cooperative=None):
        self.name = name
        self.name_expressions = tuple(name_expressions)
        if not self.name_expressions:
            raise ValueError(f"module {name}: no name expressions to compile")
        self.cooperative = uses_syncthreads(source) if cooperative is None else bool(cooperative)
        self._library = _load(build(name, source, self.name_expressions))
        self._index = {expression: i for i, expression in enumerate(self.name_expressions)}
        self._kernels = {}

    @classmethod
    def for_family(cls, family):
        """The module of ``kernels/<family>.cu`` with all its instantiations (cached)."""
        return _family_module(family)

    def __repr__(self):
        return f"<EmulatedModule {self.name}: {len(self.name_expressions)} kernels>"

    def get_function(self, name_expression):
        """The kernel of a name expression given at construction: ``"relu_forward<float>"``."""
        try:
            return self._kernels[name_expression]
        except KeyError:
            pass
        if name_expression not in self._index:
            raise ValueError(f"module {self.name} has no kernel {name_expression!r}; its name "
                             f"expressions are: {', '.join(self.name_expressions)}")
        index = self._index[name_expression]
        kernel = EmulatedKernel(self, index, name_expression,
                                parse_signature(_signature(self._library, index)))
        self._kernels[name_expression] = kernel
        return kernel


@functools.cache
def _family_module(family):
    sources = kernels.kernel_sources()
    if family not in sources:
        raise ValueError(f"no kernel family {family!r}; kernels/ holds: "
                         f"{', '.join(sorted(sources))}")
    return EmulatedModule(sources[family], kernels.instantiations(family), name=family)
