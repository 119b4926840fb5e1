"""Every kernels/*.cu compiles through NVRTC for every instantiation the loader asks CuPy for.

Needs no driver or GPU: NVRTC (the nvidia-cuda-nvrtc wheel, found by cuda-bindings through
cuda-pathfinder) compiles to PTX on any machine. ``<cuda_fp16.h>`` is not built into NVRTC, so the
CUDA runtime headers are located the same way (the nvidia-cuda-runtime wheel, or a CUDA toolkit).
"""
import pytest

from autograd_gpu.backend import kernels

nvrtc = pytest.importorskip(
    "cuda.bindings.nvrtc", reason="cuda-bindings is not installed (pip install 'cuda-bindings>=13,<14')")
pathfinder = pytest.importorskip("cuda.pathfinder")

ARCHITECTURES = ("compute_80", "compute_90")  # Ampere, and Hopper (H100/H200)


def check(result, what, prog=None):
    """cuda-bindings returns (status, *values); fail with NVRTC's log when status is not success."""
    status, *values = result
    if status != nvrtc.nvrtcResult.NVRTC_SUCCESS:
        log = program_log(prog) if prog is not None else ""
        pytest.fail(f"{what} failed: {status.name}\n{log}")
    return values[0] if len(values) == 1 else values


def program_log(prog):
    size = check(nvrtc.nvrtcGetProgramLogSize(prog), "nvrtcGetProgramLogSize")
    log = b" " * size
    check(nvrtc.nvrtcGetProgramLog(prog, log), "nvrtcGetProgramLog")
    return log.rstrip(b"\x00").decode(errors="replace")


def cuda_include_dir():
    if not hasattr(pathfinder, "find_nvidia_header_directory"):
        pytest.fail("cuda-pathfinder is too old to locate CUDA headers: pip install 'cuda-pathfinder>=1.3'")
    include = pathfinder.find_nvidia_header_directory("cudart")
    if include is None:
        pytest.fail("CUDA runtime headers (cuda_fp16.h) not found: pip install 'nvidia-cuda-runtime>=13,<14' "
                    "or set CUDA_PATH to a CUDA toolkit")
    return include


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("family", sorted(kernels.kernel_sources()))
def test_kernel_family_compiles(family, arch):
    source = kernels.kernel_sources()[family]
    names = kernels.instantiations(family)
    assert names, f"kernels/{family}.cu has no kernels to instantiate"

    prog = check(nvrtc.nvrtcCreateProgram(source.encode(), f"{family}.cu".encode(), 0, [], []),
                 "nvrtcCreateProgram")
    try:
        for name in names:
            check(nvrtc.nvrtcAddNameExpression(prog, name.encode()), f"nvrtcAddNameExpression({name})")
        options = [*kernels.compile_options(), f"--gpu-architecture={arch}", f"-I{cuda_include_dir()}"]
        check(nvrtc.nvrtcCompileProgram(prog, len(options), [o.encode() for o in options]),
              f"compiling kernels/{family}.cu for {arch}", prog)
        for name in names:
            lowered = check(nvrtc.nvrtcGetLoweredName(prog, name.encode()), f"nvrtcGetLoweredName({name})")
            assert lowered, f"no lowered name for {name}"
        assert check(nvrtc.nvrtcGetPTXSize(prog), "nvrtcGetPTXSize") > 1
    finally:
        check(nvrtc.nvrtcDestroyProgram(prog), "nvrtcDestroyProgram")


def test_every_kernel_is_instantiated_for_every_dtype():
    names = kernels.instantiations("elementwise")
    assert "relu_backward<__half>" in names and "where_forward<double>" in names
    assert len(names) == len(set(names)) == 3 * len(kernels.kernel_names("elementwise"))
