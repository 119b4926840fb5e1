"""A CPU emulator for the CUDA kernels of ``kernels/*.cu``, so that tests prove their index math
where there is no GPU (CI never has one).

    from cuda_emulator import EmulatedModule          # tests/ is on sys.path under pytest
    mod = EmulatedModule.for_family("conv")           # kernels/conv.cu, compiled with g++ (cached)
    k = mod.get_function("im2col<float>")             # the name expressions of cupy.RawModule
    k(grid, block, args)                              # as cupy.RawKernel: numpy arrays for pointers
    run_launches(plan_launches)                       # kernels.Launch records, as the backend runs them

The kernel source is compiled unchanged by g++ with a shim (``emu_cuda.h``: the CUDA keywords,
built-in variables, atomics, device math; ``include/cuda_fp16.h``: ``__half`` as binary16 bits)
and a runtime (``emu_launch.h``) that runs every thread of every block: one after another, or,
where the source calls ``__syncthreads``, as fibers that meet at each barrier.

What it proves: which elements each thread reads and writes, grid-stride loops, bounds checks,
block reductions through static ``__shared__`` memory and ``__syncthreads``, atomics, argument
types (a Python int passed where the kernel wants a ``double`` is a TypeError here, garbage on a
GPU) and writes out of bounds (red zones around every array argument).
What it does not: performance, the GPU's memory model (threads of a block interleave only at
barriers, blocks run one at a time, so races between blocks are not exposed), the last bits of
the GPU's math (FMA contraction, fast intrinsics), uninitialized shared memory (it keeps the
previous block's values). Running here is necessary, not sufficient: the GPU run still decides.

g++ missing makes every use ``pytest.skip``.
"""
from ._arguments import OutOfBoundsError, Param
from ._build import KernelCompileError
from ._launches import run_launches
from ._module import EmulatedKernel, EmulatedModule, KernelLaunchError

__all__ = ["EmulatedKernel", "EmulatedModule", "KernelCompileError", "KernelLaunchError",
           "OutOfBoundsError", "Param", "run_launches"]
