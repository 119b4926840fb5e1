"""Whether CUDA can be used, and if not, why; importable (and never raising) without CuPy.

``autograd_gpu.backend.cuda`` imports CuPy at the top, so everything that must answer on a machine
without CuPy, a CUDA driver or a GPU lives here. Answers are computed once per process, as
``torch.cuda`` does: a GPU does not come and go while a program runs.
"""
import functools

# cudaError_t values (driver_types.h), named here because CuPy does not export them all.
_ERROR_INSUFFICIENT_DRIVER = 35
_ERROR_NO_DEVICE = 100
_INSTALL_HINT = ("install it with `pip install autograd_gpu[cuda13]` (or `[cuda12]` for a CUDA 12 "
                 "driver)")


@functools.cache
def unavailable_reason():
    """None when CUDA works, else one sentence naming what is missing: CuPy, the driver or a GPU."""
    try:
        import cupy  # noqa: F401, PLC0415
        from cupy.cuda import runtime  # noqa: PLC0415
    except ModuleNotFoundError as exc:
        if exc.name is not None and exc.name.split(".")[0] == "cupy":
            return f"CUDA is unavailable: CuPy is not installed; {_INSTALL_HINT}."
        return f"CUDA is unavailable: CuPy is installed but cannot be imported ({exc})."
    except Exception as exc:  # noqa: BLE001 - a broken install raises anything; report, don't crash
        return f"CUDA is unavailable: CuPy is installed but cannot be imported ({exc})."
    try:
        if runtime.driverGetVersion() == 0:
            return "CUDA is unavailable: no NVIDIA CUDA driver is installed."
        count = runtime.getDeviceCount()
    except runtime.CUDARuntimeError as exc:
        if exc.status == _ERROR_NO_DEVICE:
            return "CUDA is unavailable: the CUDA driver found no GPU."
        if exc.status == _ERROR_INSUFFICIENT_DRIVER:
            return ("CUDA is unavailable: the NVIDIA driver is too old for this CuPy's CUDA version; "
                    f"update the driver, or {_INSTALL_HINT} matching the driver.")
        return f"CUDA is unavailable: the CUDA driver failed ({exc})."
    except Exception as exc:  # noqa: BLE001 - e.g. libcudart cannot be loaded
        return f"CUDA is unavailable: the CUDA runtime could not be loaded ({exc})."
    if count == 0:
        return "CUDA is unavailable: the CUDA driver found no GPU."
    return None


def is_available():
    """True when CuPy, a CUDA driver and at least one GPU are there; never raises."""
    return unavailable_reason() is None


@functools.cache
def device_count():
    """The number of visible GPUs; 0 where CUDA is unavailable."""
    if not is_available():
        return 0
    from cupy.cuda import runtime  # noqa: PLC0415

    return runtime.getDeviceCount()
