"""Issue 2's benchmarks, each a ratio against torch measured in the same run:

- per-op overhead: a chain of 200 tiny elementwise ops with requires_grad, forward + backward,
  in microseconds per op (goal: at most 3x torch eager on the CPU);
- matmul: 1024x1024 @ 1024x1024 forward + backward (goal: at most 1.2x torch on the CPU, 1.1x on
  the GPU).

    python benchmarks/bench_core.py [--device cpu|cuda] [--threads N] [--json results.json]
"""
import sys

from _timing import interleaved, parse_args, report, torch_for


def overhead_chain(lib, x, n_ops=200):
    y = x
    for i in range(n_ops // 4):
        y = y * 1.0001
        y = y + 0.5
        y = y.tanh()
        y = y - 0.25
    y.sum().backward()


def matmul_step(a, b):
    (a @ b).sum().backward()


def run(device, size=1024, n_ops=200):
    import numpy as np  # here, after --threads has set the BLAS thread count

    import autograd_gpu as ag

    torch = torch_for(device)
    rng = np.random.default_rng(0)
    rows = []

    small = rng.standard_normal(16).astype("float32")
    xa = ag.tensor(small, device=device, requires_grad=True)
    xt = torch.tensor(small, device=device, requires_grad=True)
    ours, theirs = interleaved(lambda: overhead_chain(ag, xa, n_ops),
                               lambda: overhead_chain(torch, xt, n_ops), device, repeat=5)
    overhead = {"name": f"per-op overhead, {n_ops}-op chain fwd+bwd ({device})",
                "ours": ours / n_ops, "torch": theirs / n_ops, "scale": 1e6, "unit": "us"}
    if device == "cpu":
        overhead["goal"] = 3.0
    rows.append(overhead)

    a = rng.standard_normal((size, size)).astype("float32")
    b = rng.standard_normal((size, size)).astype("float32")
    aa, ba = (ag.tensor(v, device=device, requires_grad=True) for v in (a, b))
    at, bt = (torch.tensor(v, device=device, requires_grad=True) for v in (a, b))
    ours, theirs = interleaved(lambda: matmul_step(aa, ba), lambda: matmul_step(at, bt), device)
    rows.append({"name": f"matmul {size}^3 fwd+bwd ({device})", "ours": ours, "torch": theirs,
                 "goal": 1.1 if device.startswith("cuda") else 1.2})
    return rows


def main(argv=None):
    args = parse_args(__doc__, argv, lambda p: p.add_argument("--size", type=int, default=1024))
    report(run(args.device, args.size), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
