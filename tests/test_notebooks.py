"""The notebooks in notebooks/ run top to bottom without an error, and the committed files hold
the outputs of such a run.

Each notebook is executed as notebooks/run_all.py executes it (a fresh "python3" kernel, which
ipykernel provides for the Python running the tests; working directory notebooks/; this checkout
first on PYTHONPATH), on a copy: the committed file is not rewritten. The notebooks' own assert
cells check the key numbers. Where a GPU is usable the fine-tuning and GPU-tour notebooks compute
on it (they pick the device themselves), so ci/gpu.sh runs them there too.

After changing a notebook or the library, refresh the stored outputs with
``python notebooks/run_all.py`` (or name the notebooks to run).
"""
import copy
import importlib.util
import re
from pathlib import Path

import pytest

# skipped, not failed, where the notebook tools are absent (the test extra installs them), so that
# a GPU machine without them still runs the rest of the suite
nbformat = pytest.importorskip("nbformat", reason="the notebook tests need the test extra")
nbclient = pytest.importorskip("nbclient", reason="the notebook tests need the test extra")
pytest.importorskip("ipykernel", reason="the notebook tests need the test extra")
pytest.importorskip("matplotlib", reason="the notebooks plot with matplotlib: the test extra")

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
EXPECTED = [
    "01_differentiation_in_autograd.ipynb",
    "02_computational_graph.ipynb",
    "03_polynomial_gradients.ipynb",
    "04_resnet18_autograd.ipynb",
    "05_stopping_and_accumulating.ipynb",
    "06_finetune_resnet.ipynb",
    "07_gpu_tour.ipynb",
]
FIRST_LINES = ("import autograd_gpu as ag", "import autograd_gpu as torch")
PLOTTING = ("06_finetune_resnet.ipynb", "07_gpu_tour.ipynb")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
ADDRESS = re.compile(r"0x[0-9a-f]+")


def _load_run_all():
    spec = importlib.util.spec_from_file_location("notebooks_run_all", NOTEBOOKS / "run_all.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run_all = _load_run_all()


def _read(name):
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def _code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def _stream(nb):
    return "".join(out.get("text", "") for cell in _code_cells(nb) for out in cell.outputs
                   if out.output_type == "stream" and out.name == "stdout")


def test_the_notebooks_are_the_expected_ones():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == EXPECTED


def test_the_kernel_is_this_python_with_this_checkout():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import sys, autograd_gpu\nprint(sys.executable)\nprint(autograd_gpu.__file__)")])
    executable, package = _stream(run_all.execute(nb)).splitlines()
    import sys  # noqa: PLC0415
    assert executable == sys.executable
    assert Path(package).resolve() == REPO / "autograd_gpu" / "__init__.py"


@pytest.mark.parametrize("name", EXPECTED)
def test_committed_notebook_holds_a_clean_top_to_bottom_run(name):
    nb = _read(name)
    cells = _code_cells(nb)
    assert cells[0].source.splitlines()[0] in FIRST_LINES, cells[0].source
    counts = [cell.execution_count for cell in cells]
    assert counts == list(range(1, len(cells) + 1)), f"{name}: not executed in order: {counts}"
    for cell in cells:
        for out in cell.outputs:
            assert out.output_type != "error", f"{name}: stored error in\n{cell.source}"
            assert not (out.output_type == "stream" and out.name == "stderr"), \
                f"{name}: stored stderr output {out.text!r} in\n{cell.source}"
    images = [out for cell in cells for out in cell.outputs if "image/png" in out.get("data", {})]
    assert bool(images) == (name in PLOTTING), f"{name}: {len(images)} stored figures"


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_top_to_bottom(name):
    nb = copy.deepcopy(_read(name))
    try:
        run_all.execute(nb)
    except nbclient.exceptions.CellExecutionError as err:
        pytest.fail(f"{name} failed:\n{ANSI.sub('', str(err))}", pytrace=False)
    if name in PLOTTING:
        return  # these print timings and the device: their text differs from run to run
    # the tutorials' text is deterministic (seeded, on the cpu): the committed outputs must be
    # what the current code prints, object addresses aside
    for stored, produced in zip(_code_cells(_read(name)), _code_cells(nb)):
        assert _text(produced) == _text(stored), (
            f"{name}: the stored output differs from this run's; run notebooks/run_all.py\n"
            f"{stored.source}")


def _text(cell):
    """What a cell printed and displayed as text, with object addresses blanked."""
    parts = [out.get("text", "") if out.output_type == "stream"
             else out.get("data", {}).get("text/plain", "") for out in cell.outputs]
    return ADDRESS.sub("0x...", "".join(parts))
