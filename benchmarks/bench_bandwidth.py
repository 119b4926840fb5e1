"""Issue 6's bandwidth goal: large elementwise ops and their backwards reach at least 80% of the
device's copy bandwidth, measured in the same run.

The copy bandwidth is torch's device-to-device ``copy_`` of the same size (bytes read plus bytes
written over its time). Each op is timed as a user calls it (forward: ``x.relu()`` under no_grad)
or, for a backward, as the engine calls it (the backend primitive ``relu_backward(y, gy)``), and
compared with the time a copy moving the same bytes takes: ratio = op time / copy-equivalent time,
goal at most 1.25 (80% of copy bandwidth) on cuda. torch's own time for the same op is printed
beside it.

    python benchmarks/bench_bandwidth.py [--device cpu|cuda] [--threads N] [--json results.json]
"""
import sys

from _timing import median_seconds, parse_args, report, syncs, torch_for

GOAL = 1.25  # op time over copy-equivalent time: at least 80% of copy bandwidth


def cases(ag, torch, x, y, gy, xt, yt, gyt):
    """(name, arrays moved, ours, torch's): arrays moved counts each input read and output written."""
    b = x.backend
    xa, ya, ga = x._data, y._data, gy._data  # the raw arrays the engine hands a backward
    aten = torch.ops.aten
    F, Ft = ag.nn.functional, torch.nn.functional
    return [
        ("relu forward", 2, lambda: x.relu(), lambda: xt.relu()),
        ("relu backward", 3, lambda: b.relu_backward(ya, ga),
         lambda: aten.threshold_backward(gyt, yt, 0)),
        ("sigmoid forward", 2, lambda: x.sigmoid(), lambda: xt.sigmoid()),
        ("sigmoid backward", 3, lambda: b.sigmoid_backward(ya, ga),
         lambda: aten.sigmoid_backward(gyt, yt)),
        ("tanh forward", 2, lambda: x.tanh(), lambda: xt.tanh()),
        ("tanh backward", 3, lambda: b.tanh_backward(ya, ga), lambda: aten.tanh_backward(gyt, yt)),
        ("gelu forward", 2, lambda: F.gelu(x), lambda: Ft.gelu(xt)),
        ("clamp backward", 3, lambda: b.clamp_backward(xa, ga, -0.5, 0.5),
         lambda: aten.hardtanh_backward(gyt, xt, -0.5, 0.5)),
        ("add forward", 3, lambda: x + y, lambda: xt + yt),
        ("mul forward", 3, lambda: x * y, lambda: xt * yt),
    ]


def run(device, log2_size=None):
    import numpy as np

    import autograd_gpu as ag

    torch = torch_for(device)
    n = 1 << (log2_size or (26 if device.startswith("cuda") else 22))
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(n).astype("float32") for _ in range(3)]
    x, y, gy = (ag.tensor(a, device=device) for a in arrays)
    xt, yt, gyt = (torch.tensor(a, device=device) for a in arrays)
    y = y.sigmoid()  # a forward output, as the backward primitives receive
    yt = yt.sigmoid()
    ag_sync, torch_sync = syncs(device)
    dst = torch.empty_like(xt)
    copy_s = median_seconds(lambda: dst.copy_(xt), torch_sync, repeat=20, inner=10)
    copy_bw = 2 * 4 * n / copy_s
    print(f"device copy bandwidth ({device}, 2^{n.bit_length() - 1} float32): {copy_bw / 1e9:.0f} GB/s")
    rows = []
    print(f"{'op':20s} {'ours GB/s':>10s} {'torch GB/s':>11s}")
    with ag.no_grad(), torch.no_grad():
        for name, moved, ours, theirs in cases(ag, torch, x, y, gy, xt, yt, gyt):
            ours_s = median_seconds(ours, ag_sync, repeat=10, inner=10)
            torch_s = median_seconds(theirs, torch_sync, repeat=10, inner=10)
            nbytes = moved * 4 * n
            print(f"{name:20s} {nbytes / ours_s / 1e9:10.0f} {nbytes / torch_s / 1e9:11.0f}")
            row = {"name": f"{name} vs copy bandwidth ({device})", "ours": ours_s,
                   "torch": nbytes / copy_bw, "op_torch": torch_s}
            if device.startswith("cuda"):
                row["goal"] = GOAL
            rows.append(row)
    print("(table below: 'torch' is the time a device copy of the same bytes takes)")
    return rows


def main(argv=None):
    args = parse_args(__doc__, argv, lambda p: p.add_argument("--log2-size", type=int))
    report(run(args.device, args.log2_size), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
