"""Issues 2 and 6's benchmarks, each a ratio against torch measured in the same run:

- per-op overhead: a chain of 200 ops on 16 elements with requires_grad, forward + backward, in
  microseconds per op (goal: at most 3x torch eager on the CPU, 2x on the GPU);
- matmul forward + backward: 1024^3 on the CPU (goal: at most 1.2x torch), 4096^3 on the GPU
  (goal: at most 1.05x; TF32 off on both sides).

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


def run(device, size=None, n_ops=200):
    import numpy as np  # here, after --threads has set the BLAS thread count

    import autograd_gpu as ag

    torch = torch_for(device)
    on_gpu = device.startswith("cuda")
    size = size or (4096 if on_gpu else 1024)
    rng = np.random.default_rng(0)
    rows = []

    small = rng.standard_normal(16).astype("float32")
    xa = ag.tensor(small, device=device, requires_grad=True)
    xt = torch.tensor(small, device=device, requires_grad=True)
    ours, theirs = interleaved(lambda: overhead_chain(ag, xa, n_ops),
                               lambda: overhead_chain(torch, xt, n_ops), device, repeat=5)
    overhead = {"name": f"per-op overhead, {n_ops}-op chain fwd+bwd ({device})",
                "ours": ours / n_ops, "torch": theirs / n_ops, "scale": 1e6, "unit": "us",
                "goal": 2.0 if on_gpu else 3.0}
    rows.append(overhead)

    a = rng.standard_normal((size, size)).astype("float32")
    b = rng.standard_normal((size, size)).astype("float32")
    aa, ba = (ag.tensor(v, device=device, requires_grad=True) for v in (a, b))
    at, bt = (torch.tensor(v, device=device, requires_grad=True) for v in (a, b))
    ours, theirs = interleaved(lambda: matmul_step(aa, ba), lambda: matmul_step(at, bt), device)
    rows.append({"name": f"matmul {size}^3 fwd+bwd ({device})", "ours": ours, "torch": theirs,
                 "goal": 1.05 if on_gpu else 1.2})
    return rows


def main(argv=None):
    args = parse_args(__doc__, argv, lambda p: p.add_argument("--size", type=int))
    report(run(args.device, args.size), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
