"""The generated fused kernels of ``kernel_cases`` (forward and backward, every dtype, read at ``i``
and through strides over three dims) compile through NVRTC for Ampere and Hopper with the options
the cuda backend passes, as one module; a kernel whose nodes are all of the template's dtype
instantiates for every T. (The emulator test compiles and runs every layout.)"""
import numpy as np
import pytest

from autograd_gpu.backend import kernels
from autograd_gpu.fusion import fuse
from backend.test_kernels_nvrtc import ARCHITECTURES, check, cuda_include_dir, nvrtc
from fusion.kernel_cases import build, case_ids, launch, module_source

LAYOUT_KINDS = ("257", "cross")  # plain index, and the split of i over three strided dims


def compile_module(source, names, arch):
    prog = check(nvrtc.nvrtcCreateProgram(source.encode(), b"fused.cu", 0, [], []),
                 "nvrtcCreateProgram")
    try:
        for name in names:
            check(nvrtc.nvrtcAddNameExpression(prog, name.encode()), f"add {name}")
        options = [*kernels.fused_compile_options(), f"--gpu-architecture={arch}",
                   f"-I{cuda_include_dir()}"]
        check(nvrtc.nvrtcCompileProgram(prog, len(options), [o.encode() for o in options]),
              f"compiling the fused kernels for {arch}", prog)
        for name in names:
            assert check(nvrtc.nvrtcGetLoweredName(prog, name.encode()), f"lowered {name}")
        assert check(nvrtc.nvrtcGetPTXSize(prog), "nvrtcGetPTXSize") > 1
    finally:
        check(nvrtc.nvrtcDestroyProgram(prog), "nvrtcDestroyProgram")


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_every_case_compiles(arch):
    rng = np.random.default_rng(0)
    definitions, names = [], set()
    for case in case_ids(LAYOUT_KINDS):
        _, name_expression, definition, _ = launch(*build(rng, *case))
        definitions.append((definition, name_expression))
        names.add(name_expression)
    compile_module(module_source(definitions), sorted(names), arch)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_one_source_serves_every_dtype(arch):
    import autograd_gpu as ag

    fused = fuse(lambda x, y: (x * y + 0.5).tanh() / (1.0 + y.exp()))
    sources = {dtype: fused.program(ag.ones(2, dtype=dtype), ag.ones(2, dtype=dtype))
               .kernel_source(0, (False, False)) for dtype in (ag.float16, ag.float32, ag.float64)}
    names = sorted(name for _, name in sources.values())
    assert len({name.split("<")[0] for name in names}) == 1  # the same kernel, three instantiations
    compile_module(sources[ag.float32][0], names, arch)
