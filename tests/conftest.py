"""Shared fixtures: every op test runs on cpu and, where a GPU is usable, on cuda.

``AUTOGRAD_GPU_TEST_DEVICES`` (e.g. "cuda" in ci/gpu.sh) restricts the devices; a device asked for
there but unavailable fails the run instead of being skipped.
"""
import gc
import os

import pytest

import autograd_gpu as ag


def _devices():
    wanted = os.environ.get("AUTOGRAD_GPU_TEST_DEVICES")
    if wanted:
        return [d.strip() for d in wanted.split(",") if d.strip()]
    return ["cpu", "cuda"] if ag.cuda.is_available() else ["cpu"]


DEVICES = _devices()


def pytest_report_header(config):
    return f"autograd_gpu test devices: {', '.join(DEVICES)}"


def pytest_configure(config):
    """torch's cuDNN convolutions default to TF32 on Ampere and later: turn TF32 off so that the
    oracle computes in true float32, as our kernels and CuPy's cuBLAS calls do."""
    if any(d.startswith("cuda") for d in DEVICES):
        try:
            import torch
        except ImportError:
            return
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False


@pytest.fixture(params=DEVICES)
def device(request):
    if request.param.startswith("cuda") and not ag.cuda.is_available():
        pytest.fail("cuda was asked for in AUTOGRAD_GPU_TEST_DEVICES but is not available")
    return request.param


@pytest.fixture
def rng(request):
    """A numpy Generator seeded per test from its node id: fresh values per test, reproducible."""
    import zlib

    import numpy as np

    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


@pytest.fixture
def no_gc():
    """Runs the test with the cycle collector off: whatever is freed is freed by refcounting
    (the memory tests' graphs must not need the collector)."""
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    yield
    if was:
        gc.enable()
