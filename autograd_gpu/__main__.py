"""``python -m autograd_gpu``: an environment report and an autograd self-check on each device."""
import argparse
import platform
import sys
import time

import autograd_gpu as ag
from autograd_gpu.backend import cuda_probe


def _versions():
    lines = [f"autograd_gpu {ag.__version__}", f"python {platform.python_version()}"]
    try:
        import numpy  # noqa: PLC0415 - a report of installed packages, not array code

        lines.append(f"numpy {numpy.__version__}")
    except ImportError:
        lines.append("numpy: not installed")
    try:
        import cupy  # noqa: PLC0415

        lines.append(f"cupy {cupy.__version__}")
    except ImportError:
        lines.append("cupy: not installed (pip install 'autograd_gpu[cuda12]' or '[cuda13]')")
    return lines


def self_check(device):
    """A small forward/backward whose gradients are known in closed form: Q = 3a^3 - b^2."""
    start = time.perf_counter()
    a = ag.tensor([2.0, 3.0], device=device, requires_grad=True)
    b = ag.tensor([6.0, 4.0], device=device, requires_grad=True)
    q = 3 * a ** 3 - b ** 2
    q.backward(ag.ones_like(q))
    x = ag.randn(64, 32, device=device, requires_grad=True)
    w = ag.randn(32, 8, device=device, requires_grad=True)
    loss = (x @ w).sigmoid().mean()
    loss.backward()
    ok = (a.grad.tolist() == [36.0, 81.0] and b.grad.tolist() == [-12.0, -8.0]
          and x.grad.shape == x.shape and w.grad.shape == w.shape)
    if device != "cpu":
        ag.cuda.synchronize()
    return ok, (time.perf_counter() - start) * 1e3, q


def _gib(n):
    return f"{n / 2**30:.2f} GiB"


def report(out=sys.stdout):
    for line in _versions():
        print(line, file=out)
    devices = ["cpu"]
    if ag.cuda.is_available():
        for i in range(ag.cuda.device_count()):
            free, total = ag.cuda.mem_get_info(i)
            print(f"cuda:{i}: {ag.cuda.get_device_name(i)}, {_gib(free)} free of {_gib(total)}",
                  file=out)
            devices.append(f"cuda:{i}")
    else:
        print(f"cuda: {cuda_probe.unavailable_reason()}", file=out)
    all_ok = True
    for dev in devices:
        ok, ms, q = self_check(dev)
        all_ok &= ok
        print(f"self-check on {dev}: {'passed' if ok else 'FAILED'} in {ms:.1f} ms  Q = {q}", file=out)
    return all_ok


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograd_gpu", description=__doc__)
    parser.parse_args(argv)
    return 0 if report() else 1


if __name__ == "__main__":
    sys.exit(main())
