"""Executes the notebooks top to bottom and stores their outputs in place.

    python notebooks/run_all.py                    # every notebooks/*.ipynb
    python notebooks/run_all.py 06_finetune_resnet.ipynb

Each runs in a fresh "python3" kernel (ipykernel's kernel for the Python running this script), in
this folder, with the checkout first on PYTHONPATH so that the notebooks import this autograd_gpu.
A notebook whose run raises is left as it was. Cells get no execution timestamps, so that
re-running changes only what the code prints. tests/test_notebooks.py executes them the same way.
"""
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent
REPO = NOTEBOOKS.parent
CELL_TIMEOUT_S = 300


def with_repo_on_pythonpath(env):
    """``env`` with the checkout first on PYTHONPATH (the kernel inherits it)."""
    paths = [str(REPO)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {**env, "PYTHONPATH": os.pathsep.join(paths)}


def execute(nb):
    """Runs every cell of the notebook ``nb`` in place; nbclient.CellExecutionError on a failing
    cell (its message holds the cell's source and the traceback)."""
    client = NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT_S,
                            record_timing=False, resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute(env=with_repo_on_pythonpath(dict(os.environ)))
    return nb


def main(names):
    paths = [NOTEBOOKS / name for name in names] or sorted(NOTEBOOKS.glob("*.ipynb"))
    for path in paths:
        print(f"executing {path.name}", flush=True)
        nb = execute(nbformat.read(path, as_version=4))
        nbformat.write(nb, path)


if __name__ == "__main__":
    main(sys.argv[1:])
