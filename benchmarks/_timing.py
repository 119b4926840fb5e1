"""Timing shared by the benchmark scripts: warm-up, then the median of repeated runs, with the
device synchronised around each run (so asynchronous GPU work is counted)."""
import argparse
import importlib.util
import json
import os
import pathlib
import statistics
import sys
import time


TESTS = pathlib.Path(__file__).resolve().parents[1] / "tests"


def test_module(relative_path):
    """A module of tests/ loaded by path (the torch oracles and expressions the tests check, so
    that what is timed is what is tested), without putting tests/ on sys.path."""
    path = TESTS / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def median_seconds(fn, sync=lambda: None, repeat=20, warmup=3, inner=1):
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        sync()
        times.append((time.perf_counter() - start) / inner)
    return statistics.median(times)


def interleaved(ours, theirs, device, rounds=5, repeat=3):
    """Median seconds of ``ours`` and of ``theirs``, measured in alternating rounds so that a busy
    machine slows both sides alike (a ratio measured in one block each drifts with the load)."""
    ag_sync, torch_sync = syncs(device)
    ours_times, torch_times = [], []
    for _ in range(rounds):
        ours_times.append(median_seconds(ours, ag_sync, repeat=repeat, warmup=1))
        torch_times.append(median_seconds(theirs, torch_sync, repeat=repeat, warmup=1))
    return statistics.median(ours_times), statistics.median(torch_times)


def torch_for(device):
    """torch with TF32 off on the GPU (both sides then compute in true float32)."""
    import torch

    if device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    return torch


def syncs(device):
    """(autograd_gpu sync, torch sync) for a device name."""
    if not device.startswith("cuda"):
        return (lambda: None), (lambda: None)
    import torch

    import autograd_gpu as ag

    return ag.cuda.synchronize, torch.cuda.synchronize


def print_table(rows):
    """rows: dicts with name, ours, torch (seconds) and unit; prints ratio ours/torch."""
    print(f"{'benchmark':52s} {'autograd_gpu':>14s} {'torch':>14s} {'ratio':>7s}")
    for r in rows:
        scale, unit = r.get("scale", 1e3), r.get("unit", "ms")
        print(f"{r['name']:52s} {r['ours'] * scale:11.3f} {unit:2s} {r['torch'] * scale:11.3f} "
              f"{unit:2s} {r['ours'] / r['torch']:6.2f}x")


def parse_args(doc, argv=None, add_arguments=None):
    """The common CLI: --device, --threads (set before numpy/torch load), --json."""
    parser = argparse.ArgumentParser(description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int,
                        help="CPU threads for both libraries (default: each library's own)")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    if add_arguments:
        add_arguments(parser)
    args = parser.parse_args(argv)
    if args.threads:
        if "numpy" in sys.modules or "torch" in sys.modules:
            raise RuntimeError("--threads must be set before numpy and torch are imported")
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    return args


def report(rows, json_path=None):
    """Prints the ratio table and, for rows with a goal, whether it is met; writes JSON."""
    print_table(rows)
    for r in rows:
        if "goal" in r:
            ratio = r["ours"] / r["torch"]
            verdict = "meets" if ratio <= r["goal"] else "MISSES"
            print(f"  {r['name']}: {ratio:.2f}x {verdict} the goal of {r['goal']}x")
    if json_path:
        with open(json_path, "w") as f:
            json.dump(rows, f, indent=2)
