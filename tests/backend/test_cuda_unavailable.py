"""Without CuPy, a CUDA driver or a GPU: autograd_gpu.cuda answers, and making a cuda backend says
what is missing. Skipped where CUDA works."""
import importlib

import pytest

import autograd_gpu.cuda as agcuda
from autograd_gpu.backend import get_backend
from autograd_gpu.backend.cuda_probe import unavailable_reason

pytestmark = pytest.mark.skipif(agcuda.is_available(), reason="CUDA is available on this machine")

MISSING = ("CuPy", "driver", "GPU")


def test_is_available_is_false_and_quiet():
    assert agcuda.is_available() is False


def test_device_count_is_zero():
    assert agcuda.device_count() == 0


def test_reason_names_what_is_missing():
    reason = unavailable_reason()
    assert isinstance(reason, str) and any(word in reason for word in MISSING), reason
    if "CuPy is not installed" in reason:
        assert "autograd_gpu[cuda13]" in reason and "[cuda12]" in reason


@pytest.mark.parametrize("spec", ["cuda", "cuda:0", "cuda:1"])
def test_making_a_cuda_backend_raises_with_the_reason(spec):
    with pytest.raises(RuntimeError) as info:
        get_backend(spec)
    assert str(info.value) == unavailable_reason()


def test_cupy_backend_raises_on_import_or_construction():
    with pytest.raises(RuntimeError, match="CUDA is unavailable"):
        importlib.import_module("autograd_gpu.backend.cuda").CupyBackend(0)


@pytest.mark.parametrize("query", [agcuda.current_device, agcuda.synchronize, agcuda.mem_get_info,
                                   agcuda.get_device_name, agcuda.get_device_properties])
def test_device_queries_raise_with_the_reason(query):
    with pytest.raises(RuntimeError, match="CUDA is unavailable"):
        query()


def test_memory_statistics_and_seeding_are_quiet_no_ops():
    assert agcuda.memory_allocated() == 0
    assert agcuda.max_memory_allocated() == 0
    assert agcuda.memory_reserved() == 0
    agcuda.reset_peak_memory_stats()
    agcuda.empty_cache()
    agcuda.manual_seed(0)
    agcuda.manual_seed_all(0)
