"""Runs the launch plans of the ``*_args`` modules (``kernels.Launch`` records), the very lists the
cuda backend launches, on the emulator."""
import numpy as np

from autograd_gpu.backend import kernels

from ._module import EmulatedModule


def run_launches(launches):
    for launch in launches:
        name = f"{launch.name}<{kernels.CTYPES[np.dtype(launch.dtype)]}>"
        EmulatedModule.for_family(launch.family).get_function(name)(
            launch.grid, launch.block, launch.args)
