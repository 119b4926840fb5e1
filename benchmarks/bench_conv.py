"""Issue 3's convolution benchmark, a ratio against torch measured in the same run:

- conv2d forward + backward (grads of input, weight and bias) at a ResNet-ish size:
  8x64x32x32 input, 64 output channels, 3x3 kernel, padding 1 (goal: at most ~2x torch on the CPU);
- the ResNet stem, 7x7 stride 2 padding 3 on 8x3x112x112 (reported, no goal).

    python benchmarks/bench_conv.py [--device cpu|cuda] [--json results.json]
"""
import sys

from _timing import interleaved, parse_args, report, torch_for

CASES = [  # (label, input shape, weight shape, stride, padding)
    ("conv 3x3 8x64x32x32 -> 64", (8, 64, 32, 32), (64, 64, 3, 3), 1, 1),
    ("conv stem 7x7/2 8x3x112x112 -> 64", (8, 3, 112, 112), (64, 3, 7, 7), 2, 3),
]


def run(device, rounds=5):
    import numpy as np  # here, after --threads has set the BLAS thread count

    import autograd_gpu as ag
    from autograd_gpu.ops.conv import conv2d

    torch = torch_for(device)
    rng = np.random.default_rng(0)
    rows = []
    for label, x_shape, w_shape, stride, padding in CASES:
        arrays = [rng.standard_normal(s).astype("float32") for s in (x_shape, w_shape, w_shape[:1])]
        ours = [ag.tensor(a, device=device, requires_grad=True) for a in arrays]
        theirs = [torch.tensor(a, device=device, requires_grad=True) for a in arrays]

        def step_ours():
            conv2d(*ours, stride=stride, padding=padding).sum().backward()

        def step_torch():
            torch.nn.functional.conv2d(*theirs, stride=stride, padding=padding).sum().backward()

        ours_s, torch_s = interleaved(step_ours, step_torch, device, rounds)
        rows.append({"name": f"{label} fwd+bwd ({device})", "ours": ours_s, "torch": torch_s})
    return rows


def main(argv=None):
    args = parse_args(__doc__, argv)
    report(run(args.device), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
