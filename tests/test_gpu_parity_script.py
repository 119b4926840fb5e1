"""ci/gpu_parity.py runs on the GPU only in ci/gpu.sh; here a slice of it runs on the CPU against
torch on the CPU, so that the script itself (inputs, comparisons, ResNet and optimiser cases)
keeps working where CI can check it."""
import importlib.util
import pathlib

import pytest

from helpers import torch_or_skip

SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "ci" / "gpu_parity.py"


@pytest.fixture(scope="module")
def gpu_parity():
    torch_or_skip()
    spec = importlib.util.spec_from_file_location("gpu_parity", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("subset", ["relu", "conv2d s2", "cross_entropy label", "Adam", "resnet18"])
def test_parity_script_passes_on_cpu(gpu_parity, subset, tmp_path, capsys):
    report = tmp_path / "parity.json"
    # A fixed seed keeps CI deterministic; on the GPU the script draws fresh inputs each run.
    assert gpu_parity.main(["--device", "cpu", "-k", subset, "--seed", "7",
                            "--json", str(report)]) == 0
    assert "0 failed" in capsys.readouterr().out
    assert '"failed": 0' in report.read_text()


def test_parity_script_reports_a_wrong_result(gpu_parity, monkeypatch):
    """The comparison must be able to fail: a relu that is off by one part in 1e4 is caught."""
    import autograd_gpu as ag

    monkeypatch.setattr(ag, "relu", lambda x: ag.nn.functional.relu(x) * 1.0001)
    assert gpu_parity.main(["--device", "cpu", "-k", "relu[", "--seed", "1"]) == 1
