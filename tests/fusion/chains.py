"""The elementwise chain the fusion tests check against torch and benchmarks/bench_fuse.py times
(it loads this file): one expression, so that what is timed is what is tested."""


def chain8(t, x, y):
    """Eight elementwise ops, written for the library ``t`` (autograd_gpu or torch)."""
    z = x * y
    z = z + 1.0
    z = t.tanh(z)
    z = z * x
    z = t.sigmoid(z)
    z = z - y
    z = z.exp()
    return z / 2.0
