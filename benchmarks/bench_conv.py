"""Issue 3's convolution benchmark, a ratio against torch measured in the same run:

- conv2d forward + backward (grads of input, weight and bias) at a ResNet-ish size:
  8x64x32x32 input, 64 output channels, 3x3 kernel, padding 1 (goal: at most ~2x torch on the CPU);
- the ResNet stem, 7x7 stride 2 padding 3 on 8x3x112x112 (reported, no goal).

    python benchmarks/bench_conv.py [--device cpu|cuda] [--json results.json]
"""
import argparse
import json
import statistics
import sys

import numpy as np

from _timing import median_seconds, print_table, syncs

CASES = [  # (label, input shape, weight shape, stride, padding)
    ("conv 3x3 8x64x32x32 -> 64", (8, 64, 32, 32), (64, 64, 3, 3), 1, 1),
    ("conv stem 7x7/2 8x3x112x112 -> 64", (8, 3, 112, 112), (64, 3, 7, 7), 2, 3),
]


def run(device, rounds=5):
    import torch

    import autograd_gpu as ag
    from autograd_gpu.ops.conv import conv2d

    if device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    ag_sync, torch_sync = syncs(device)
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

        ours_times, torch_times = [], []
        for _ in range(rounds):  # interleaved, so that a busy machine slows both sides alike
            ours_times.append(median_seconds(step_ours, ag_sync, repeat=3, warmup=1))
            torch_times.append(median_seconds(step_torch, torch_sync, repeat=3, warmup=1))
        rows.append({"name": f"{label} fwd+bwd ({device})", "ours": statistics.median(ours_times),
                     "torch": statistics.median(torch_times)})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    rows = run(args.device)
    print_table(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
