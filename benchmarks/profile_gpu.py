"""Where the time of bench_nn's GPU training steps goes: the CUDA kernels of one step of ours and of
torch's, as torch.profiler (CUPTI) records them. CuPy and torch share the device's primary context,
so the profiler sees our kernels (CuPy's elementwise/reduction kernels, cuBLAS, kernels/*.cu) as
well as torch's. Also cProfile's view of the host side of our step (Python overhead).

    python benchmarks/profile_gpu.py [--device cuda] [--case mlp|finetune|train] [--rows 25]
"""
import cProfile
import io
import pstats
import sys

import bench_nn
from _timing import parse_args, syncs


def kernel_table(step, sync, rows):
    from torch.profiler import ProfilerActivity, profile

    for _ in range(3):
        step()
    sync()
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        step()
        sync()
    return prof.key_averages().table(sort_by="cuda_time_total", row_limit=rows)


def host_profile(step, sync, rows):
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(3):
        step()
    sync()
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(rows)
    return text.getvalue()


def main(argv=None):
    args = parse_args(__doc__, argv, lambda p: (p.add_argument("--case", action="append"),
                                                p.add_argument("--rows", type=int, default=25)))
    ours_sync, torch_sync = syncs(args.device)
    for key, label, ours_args, theirs_args in bench_nn.prepared(args.device):
        if args.case and key not in args.case:
            continue
        print(f"==== {label}: autograd_gpu kernels")
        print(kernel_table(lambda: bench_nn.training_step(*ours_args), ours_sync,
                           args.rows))
        print(f"==== {label}: torch kernels")
        print(kernel_table(lambda: bench_nn.training_step(*theirs_args), torch_sync,
                           args.rows))
        print(f"==== {label}: autograd_gpu host side (cProfile, 3 steps)")
        print(host_profile(lambda: bench_nn.training_step(*ours_args), ours_sync,
                           args.rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
