"""The wheel carries kernels/*.cu (the cuda backend compiles them at run time) and a non-editable
install finds them."""
import pathlib
import subprocess
import sys
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(ROOT)], check=True, cwd=out)
    (path,) = out.glob("autograd_gpu-*.whl")
    return path


def test_wheel_ships_every_kernel(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = sorted(p.name for p in (ROOT / "kernels").glob("*.cu"))
    assert sources, "kernels/ holds no .cu file"
    for name in sources:
        assert f"autograd_gpu/_kernels/{name}" in names


def test_installed_package_finds_its_kernels(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], check=True)
    code = ("import autograd_gpu.backend.kernels as k; print(k.kernel_dir()); "
            "print(sorted(k.kernel_sources()))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": ""})
    kernel_dir, families = result.stdout.splitlines()
    assert pathlib.Path(kernel_dir).resolve().is_relative_to(target.resolve())
    assert "elementwise" in families
