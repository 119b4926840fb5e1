"""Where host memory grows over a long training loop: tracemalloc's snapshot difference between
two points of the loop that tests/reliability/test_memory.py times, grouped by allocation
traceback (the flat-memory test says how much; this says where).

    python benchmarks/trace_host_memory.py [--device cuda] [--steps 600] [--rows 6]
"""
import gc
import pathlib
import sys
import tracemalloc

from _timing import parse_args

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests"))


def main(argv=None):
    args = parse_args(__doc__, argv, lambda p: (p.add_argument("--steps", type=int, default=600),
                                                p.add_argument("--rows", type=int, default=6)))
    import numpy as np
    from reliability.test_memory import mlp, small_cnn, training_step

    for make in (mlp, small_cnn):
        step = training_step(make, args.device, np.random.default_rng(0))
        for _ in range(1500):
            step()
        gc.collect()
        tracemalloc.start(25)
        for _ in range(100):
            step()
        gc.collect()
        before = tracemalloc.take_snapshot()
        for _ in range(args.steps):
            step()
        gc.collect()
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        print(f"==== {make.__name__} on {args.device}: growth over {args.steps} steps")
        for stat in after.compare_to(before, "traceback")[:args.rows]:
            print(stat)
            for line in stat.traceback.format()[-12:]:
                print("   ", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
