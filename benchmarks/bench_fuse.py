"""Issue 6's benchmark: elementwise fusion, as ratios against torch eager measured in the same run.

An 8-op elementwise chain of two float32 tensors of 2^24 elements, as one ``autograd_gpu.fuse``
function (one kernel forward, one backward) against the same ops in torch eager (a kernel per op,
and per op again backward):
- forward (no grad) and forward + backward (``autograd.grad`` of both inputs): goal at most 0.5x
  torch's time on the GPU, i.e. at least 2x faster;
- forward + backward of the same chain in our eager ops, unfused, for reference.
On the CPU the fused function runs on numpy, op after op, and the rows only report.

    python benchmarks/bench_fuse.py [--device cpu|cuda] [--threads N] [--json results.json]
                                    [--log2-size 24]
"""
import sys

from _timing import interleaved, parse_args, report, test_module, torch_for

GOAL = 0.5  # on cuda: fused time / torch eager time


chain8 = test_module("fusion/chains.py").chain8  # the chain tests/fusion/test_fuse.py checks


def forward_backward(lib, fn, x, y, seed):
    return lib.autograd.grad(fn(x, y), (x, y), seed)


def run(device, log2_size=24):
    import numpy as np  # here, after --threads has set the BLAS thread count

    import autograd_gpu as ag
    from autograd_gpu.fusion import fuse

    torch = torch_for(device)
    fused = fuse(lambda x, y: chain8(ag, x, y))
    eager_ag = lambda x, y: chain8(ag, x, y)  # noqa: E731
    eager_torch = lambda x, y: chain8(torch, x, y)  # noqa: E731
    rng = np.random.default_rng(0)
    n = 1 << log2_size
    x, y, g = (rng.standard_normal(n).astype("float32") for _ in range(3))
    size = f"2^{log2_size} float32 ({device})"
    goal = {"goal": GOAL} if device.startswith("cuda") else {}
    rows = []

    xa, ya = (ag.tensor(v, device=device) for v in (x, y))
    xt, yt = (torch.tensor(v, device=device) for v in (x, y))
    # torch's vectorised CPU exp/tanh differ from numpy's by an ulp on some chunks of the array,
    # which eight ops take to about 1e-5: the forward gets the backward's tolerance
    np.testing.assert_allclose(fused(xa, ya).cpu().numpy(), eager_torch(xt, yt).cpu().numpy(),
                               rtol=1e-4, atol=1e-5)
    ours, theirs = interleaved(lambda: fused(xa, ya), lambda: eager_torch(xt, yt), device)
    rows.append({"name": f"8-op chain fused, forward, {size}", "ours": ours, "torch": theirs,
                 **goal})

    xa, ya = (ag.tensor(v, device=device, requires_grad=True) for v in (x, y))
    xt, yt = (torch.tensor(v, device=device, requires_grad=True) for v in (x, y))
    ga, gt = ag.tensor(g, device=device), torch.tensor(g, device=device)
    for ours_grad, torch_grad in zip(forward_backward(ag, fused, xa, ya, ga),
                                     forward_backward(torch, eager_torch, xt, yt, gt)):
        np.testing.assert_allclose(ours_grad.cpu().numpy(), torch_grad.cpu().numpy(), rtol=1e-4,
                                   atol=1e-5)
    ours, theirs = interleaved(lambda: forward_backward(ag, fused, xa, ya, ga),
                               lambda: forward_backward(torch, eager_torch, xt, yt, gt), device)
    rows.append({"name": f"8-op chain fused, forward + backward, {size}", "ours": ours,
                 "torch": theirs, **goal})

    ours, theirs = interleaved(lambda: forward_backward(ag, eager_ag, xa, ya, ga),
                               lambda: forward_backward(torch, eager_torch, xt, yt, gt), device)
    rows.append({"name": f"8-op chain unfused (eager), forward + backward, {size}", "ours": ours,
                 "torch": theirs})
    return rows


def main(argv=None):
    args = parse_args(__doc__, argv,
                      lambda p: p.add_argument("--log2-size", type=int, default=24))
    report(run(args.device, args.log2_size), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
