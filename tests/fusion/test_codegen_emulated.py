"""The generated fused kernels, run by the CPU CUDA emulator, against the cpu backend's evaluation
of the same programs (``FusedPrimitives.fused_elementwise``, which the torch-parity tests prove).

Forward and backward kernels of several expressions, at sizes around the block (1, 255, 257,
3000) with a grid of two blocks (so threads stride), broadcast inputs ((3,1) with (1,257), an inner
vector, a 0-d input), a transposed input, an upstream gradient broadcast from one value, scalar
parameters, bool inputs and outputs, float16/32/64. One module holds every kernel (one g++ build).
"""
import numpy as np
import pytest

from autograd_gpu.backend import kernels
from autograd_gpu.backend.cpu import numpy_backend
from fusion.kernel_cases import build, case_ids, launch, module_source

emulator = pytest.importorskip("cuda_emulator")

MAX_BLOCKS = 2
TOLERANCE = {"float32": dict(rtol=2e-6, atol=2e-6), "float64": dict(rtol=1e-13, atol=1e-14),
             "float16": dict(rtol=1e-3, atol=1e-3)}
CASES = case_ids()


@pytest.fixture(scope="module")
def module():
    rng = np.random.default_rng(0)
    definitions, names = [], set()
    for case in CASES:
        _, name_expression, definition, _ = launch(*build(rng, *case))
        definitions.append((definition, name_expression))
        names.add(name_expression)
    return emulator.EmulatedModule(module_source(definitions), sorted(names), name="fused_cases")


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(c))
def test_kernel_matches_cpu_evaluation(case, module, rng):
    program, arrays, params, shape = build(rng, *case)
    expected = numpy_backend.fused_elementwise(program, arrays, params, shape)
    outs, name_expression, _, args = launch(program, arrays, params, shape)
    n = int(np.prod(shape))
    grid = min((n + kernels.BLOCK - 1) // kernels.BLOCK, MAX_BLOCKS)
    module.get_function(name_expression)(grid, kernels.BLOCK, args)
    for out, want in zip(outs, expected):
        assert out.dtype == want.dtype and out.shape == want.shape
        if out.dtype == bool:
            np.testing.assert_array_equal(out, want)
        else:
            np.testing.assert_allclose(out, want, **TOLERANCE[case[2]])


def test_cases_cover_every_layout_kind():
    """Launches reading every input at ``i``, and strided ones over 1, 2 and 3 dims."""
    rng = np.random.default_rng(1)
    definitions = {launch(*build(rng, *case))[2] for case in CASES}
    assert any("long long rest" not in d for d in definitions)
    assert any("const long long c = rest;" in d and "rest % d" not in d for d in definitions)
    assert any("rest % d1" in d and "rest % d2" not in d for d in definitions)
    assert any("rest % d2" in d for d in definitions)
