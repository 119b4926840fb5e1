"""The CPU CUDA emulator (tests/cuda_emulator): the elementwise kernels of kernels/elementwise.cu
against the numpy backend's primitives, then the emulator's own guarantees on small kernels of its
own: barriers and static shared memory, atomics, __half rounding, launch dimensions, and the
argument, bounds and configuration errors a real GPU would not report.
"""
import numpy as np
import pytest

from autograd_gpu.backend import kernels, numpy_backend
from cuda_emulator import (EmulatedModule, KernelCompileError, KernelLaunchError,
                           OutOfBoundsError)

DTYPES = [np.float16, np.float32, np.float64]
SIZES = [0, 1, 255, 256, 257, 5003]
BLOCK = 256
MAX_BLOCKS = 3  # fewer than 5003 elements need: the grid-stride loops cover the rest
SENTINEL = 1234  # what output arrays hold before a launch: an element left unwritten shows


def launch(name, dtype, n, *args):
    """``kernels.launch``'s layout (a 1-D grid of BLOCK threads, n last) with a capped grid; it
    launches for n == 0 too, where the kernel must write nothing (the red zones tell)."""
    ctype = kernels.CTYPES[np.dtype(dtype)]
    kernel = EmulatedModule.for_family("elementwise").get_function(f"{name}<{ctype}>")
    kernel((max(1, min(-(-n // BLOCK), MAX_BLOCKS)),), (BLOCK,), (*args, n))


def inputs(rng, n, dtype, low=-2.0, high=2.0, special=True):
    """Random values, with zeros of both signs, infinities and NaN spread in when ``special``."""
    x = rng.uniform(low, high, n).astype(dtype)
    if special and n >= 16:
        positions = rng.choice(n, 6, replace=False)
        x[positions] = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0], dtype)
    return x


def output(n, dtype):
    return np.full(n, SENTINEL, dtype)


def tolerance(dtype, half, single, double):
    return {np.float16: half, np.float32: single, np.float64: double}[dtype]


# ---- kernels/elementwise.cu against the numpy backend --------------------------------------------
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", DTYPES)
class TestElementwiseKernels:
    def test_relu_forward(self, rng, dtype, n):
        x = inputs(rng, n, dtype)
        y = output(n, dtype)
        launch("relu_forward", dtype, n, x, y)
        np.testing.assert_array_equal(y, numpy_backend.relu(x))

    def test_relu_inplace(self, rng, dtype, n):
        x = inputs(rng, n, dtype)
        expected = numpy_backend.relu(x)
        launch("relu_inplace", dtype, n, x)
        np.testing.assert_array_equal(x, expected)

    def test_relu_backward(self, rng, dtype, n):
        y = numpy_backend.relu(inputs(rng, n, dtype))
        gy = inputs(rng, n, dtype)
        gx = output(n, dtype)
        launch("relu_backward", dtype, n, y, gy, gx)
        np.testing.assert_array_equal(gx, numpy_backend.relu_backward(y, gy))

    def test_sigmoid_forward(self, rng, dtype, n):
        x = inputs(rng, n, dtype, -12.0, 12.0)
        y = output(n, dtype)
        launch("sigmoid_forward", dtype, n, x, y)
        atol = tolerance(dtype, 2e-3, 2e-7, 1e-15)
        np.testing.assert_allclose(y, numpy_backend.sigmoid(x), rtol=0, atol=atol)

    def test_sigmoid_forward_at_the_extremes(self, dtype, n):
        """exp(-x) overflows to inf for x far below 0: 1 / (1 + inf) is the 0 it should be."""
        special = np.array([-np.inf, -1e4, -100.0, -20.0, 0.0, 20.0, 100.0, 1e4, np.inf, np.nan])
        x = np.resize(special, n).astype(dtype)
        y = output(n, dtype)
        launch("sigmoid_forward", dtype, n, x, y)
        with np.errstate(over="ignore"):
            expected = 1 / (1 + np.exp(-x.astype(np.float64)))
        np.testing.assert_allclose(y, expected.astype(dtype), rtol=0,
                                   atol=tolerance(dtype, 1e-3, 1e-7, 1e-15))

    @pytest.mark.parametrize("lo, hi", [(-0.5, 0.5), (None, 0.3), (-0.3, None), (None, None),
                                        (0.5, -0.5)])
    def test_clamp_forward_and_backward(self, rng, dtype, n, lo, hi):
        x = inputs(rng, n, dtype, -1.0, 1.0)
        for bound in (lo, hi):  # values at the bounds: the backward includes them
            if bound is not None and n >= 8:
                x[rng.choice(n, 3, replace=False)] = bound
        gy = inputs(rng, n, dtype, special=False)
        bounds = (0.0 if lo is None else float(dtype(lo)), 0.0 if hi is None else float(dtype(hi)),
                  lo is not None, hi is not None)  # as the cuda backend passes them
        y, gx = output(n, dtype), output(n, dtype)
        launch("clamp_forward", dtype, n, x, y, *bounds)
        launch("clamp_backward", dtype, n, x, gy, gx, *bounds)
        np.testing.assert_array_equal(y, numpy_backend.clamp(x, lo, hi))
        np.testing.assert_array_equal(gx, numpy_backend.clamp_backward(x, gy, lo, hi))

    @pytest.mark.parametrize("exponent", [0.0, 1.0, 3.0, 0.5, -1.5])
    def test_pow_scalar_backward(self, rng, dtype, n, exponent):
        integral = exponent == int(exponent)
        x = inputs(rng, n, dtype, -2.0 if integral else 0.25, 2.0, special=False)
        gy = inputs(rng, n, dtype, special=False)
        gx = output(n, dtype)
        launch("pow_scalar_backward", dtype, n, x, gy, gx, exponent)
        rtol = tolerance(dtype, 4e-3, 2e-6, 1e-13)
        np.testing.assert_allclose(gx, numpy_backend.pow_scalar_backward(x, gy, exponent),
                                   rtol=rtol, atol=rtol)

    def test_where_forward(self, rng, dtype, n):
        cond = rng.random(n) > 0.5
        a, b = inputs(rng, n, dtype), inputs(rng, n, dtype)
        out = output(n, dtype)
        launch("where_forward", dtype, n, cond, a, b, out)
        np.testing.assert_array_equal(out, numpy_backend.where(cond, a, b))


def test_for_family_compiles_once_and_knows_every_instantiation():
    module = EmulatedModule.for_family("elementwise")
    assert EmulatedModule.for_family("elementwise") is module
    assert module.name_expressions == tuple(kernels.instantiations("elementwise"))
    assert not module.cooperative  # no __syncthreads in elementwise.cu: threads run in a loop
    kernel = module.get_function("clamp_backward<__half>")
    assert [p.ctype for p in kernel.params] == [
        "const __half*", "const __half*", "__half*", "double", "double", "bool", "bool",
        "long long"]
    assert module.get_function("clamp_backward<__half>") is kernel
    with pytest.raises(ValueError, match="no kernel 'clamp_backward<int>'"):
        module.get_function("clamp_backward<int>")
    with pytest.raises(ValueError, match="no kernel family 'nope'"):
        EmulatedModule.for_family("nope")


# ---- the emulator's own guarantees, on kernels written for them ----------------------------------
EMULATOR_SOURCE = r"""
#include "common.cuh"

// One block per row: a tree reduction in static shared memory; blockDim.x a power of two <= 256.
template <typename T>
__global__ void row_sum(const T* __restrict__ x, T* __restrict__ out, long long cols) {
    __shared__ acc_t<T> partial[256];
    acc_t<T> sum = 0;
    for (long long c = threadIdx.x; c < cols; c += blockDim.x)
        sum += widen(x[blockIdx.x * cols + c]);
    partial[threadIdx.x] = sum;
    __syncthreads();
    for (unsigned stride = blockDim.x / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride) partial[threadIdx.x] += partial[threadIdx.x + stride];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[blockIdx.x] = narrow<T>(partial[0]);
}

// Each thread reads its right neighbour's write, then (after a barrier) its left neighbour's;
// with `sync` false the reads are not separated from the writes by a barrier.
__global__ void neighbours(float* right, float* left, bool sync, long long round) {
    __shared__ float values[1024];
    const unsigned t = threadIdx.x, n = blockDim.x;
    values[t] = round * 10000 + t;
    if (sync) __syncthreads();
    right[t] = values[(t + 1) % n];
    __syncthreads();
    values[t] = round * 10000 + n + t;
    if (sync) __syncthreads();
    left[t] = values[(t + n - 1) % n];
}

// Threads at or past `active` return before the barrier; the others must still get through it.
__global__ void early_exit(float* out, long long active) {
    __shared__ float values[1024];
    if (threadIdx.x >= active) return;
    values[threadIdx.x] = threadIdx.x;
    __syncthreads();
    out[threadIdx.x] = values[active - 1 - threadIdx.x];
}

__global__ void atomics(const long long* __restrict__ bins, float* f, double* d, int* i,
                        unsigned long long* u, long long* ll, int* peak, long long* tickets,
                        long long n) {
    GRID_STRIDE_LOOP(k, n) {
        const long long b = bins[k];
        atomicAdd(f + b, 1.0f);
        atomicAdd(d + b, 0.5);
        atomicAdd(i + b, 1);
        atomicAdd(u + b, 2ull);
        atomicAdd(ll + b, -3ll);
        atomicMax(peak + b, (int)k);
        tickets[k] = atomicAdd(ll + 4, 1ll);  // old values: each ticket handed out once
    }
}

// Writes its coordinates: 12 numbers per thread, threads numbered x fastest, then y, then z.
__global__ void coordinates(unsigned* out) {
    const unsigned block = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
    const unsigned thread = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
    unsigned* o = out + 12ull * (block * blockDim.x * blockDim.y * blockDim.z + thread);
    const unsigned values[12] = {blockIdx.x, blockIdx.y, blockIdx.z, threadIdx.x, threadIdx.y,
                                 threadIdx.z, blockDim.x, blockDim.y, blockDim.z, gridDim.x,
                                 gridDim.y, gridDim.z};
    for (int k = 0; k < 12; ++k) o[k] = values[k];
}

__global__ void shifted_copy(const float* x, float* y, long long read_offset,
                             long long write_offset, long long n) {
    GRID_STRIDE_LOOP(i, n) { y[i + write_offset] = x[i + read_offset]; }
}

__global__ void add_optional(float* y, const float* bias, long long n) {
    GRID_STRIDE_LOOP(i, n) { y[i] += bias ? bias[i] : 100.0f; }
}

__global__ void gather_rows(const float* const* rows, float* out, long long cols, long long n) {
    GRID_STRIDE_LOOP(i, n) { out[i] = rows[i / cols][i % cols]; }
}

__global__ void float_to_half(const float* x, __half* y, long long n) {
    GRID_STRIDE_LOOP(i, n) { y[i] = __float2half(x[i]); }
}

__global__ void double_to_half(const double* x, __half* y, long long n) {
    GRID_STRIDE_LOOP(i, n) { y[i] = __double2half(x[i]); }
}

__global__ void half_to_float(const __half* x, float* y, long long n) {
    GRID_STRIDE_LOOP(i, n) { y[i] = __half2float(x[i]); }
}
"""
EMULATOR_KERNELS = ["row_sum<__half>", "row_sum<float>", "row_sum<double>", "neighbours",
                    "early_exit", "atomics", "coordinates", "shifted_copy", "add_optional",
                    "gather_rows", "float_to_half", "double_to_half", "half_to_float"]


@pytest.fixture(scope="module")
def fibers():
    """The test kernels with cooperative threads (the source calls __syncthreads)."""
    module = EmulatedModule(EMULATOR_SOURCE, EMULATOR_KERNELS, name="emulator")
    assert module.cooperative
    return module


@pytest.fixture(scope="module")
def loop():
    """The same kernels (the same library) with the threads of a block run one after another."""
    return EmulatedModule(EMULATOR_SOURCE, EMULATOR_KERNELS, name="emulator", cooperative=False)


def run(module, name, grid, block, *args):
    module.get_function(name)(grid, block, args)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("block", [1, 32, 256])
def test_block_reduction_through_shared_memory(fibers, rng, dtype, block):
    x = rng.uniform(-1, 1, (7, 1001)).astype(dtype)
    out = output(7, dtype)
    run(fibers, f"row_sum<{kernels.CTYPES[np.dtype(dtype)]}>", 7, block, x, out, 1001)
    rtol = tolerance(dtype, 2e-2, 1e-5, 1e-12)
    np.testing.assert_allclose(out, x.astype(np.float64).sum(axis=1), rtol=rtol, atol=rtol)


def test_barriers_separate_writes_from_reads_and_are_needed(fibers):
    n = 64
    right, left = output(n, np.float32), output(n, np.float32)
    run(fibers, "neighbours", 1, n, right, left, True, 1)
    t = np.arange(n)
    np.testing.assert_array_equal(right, 10000 + (t + 1) % n)
    np.testing.assert_array_equal(left, 10000 + n + (t - 1) % n)
    # Without the barriers, reads see the previous round's values, in either direction.
    run(fibers, "neighbours", 1, n, right, left, False, 2)
    assert np.count_nonzero(right != 20000 + (t + 1) % n) >= n - 1
    assert np.count_nonzero(left != 20000 + n + (t - 1) % n) >= n - 1


def test_threads_that_return_early_do_not_hold_the_barrier(fibers):
    out = output(256, np.float32)
    run(fibers, "early_exit", 1, 256, out, 100)
    np.testing.assert_array_equal(out[:100], np.arange(99, -1, -1))
    assert np.all(out[100:] == SENTINEL)


def test_atomics_accumulate_and_return_the_old_value(fibers, rng):
    n = 3000
    bins = rng.integers(0, 4, n)
    f, d = np.zeros(4, np.float32), np.zeros(4, np.float64)
    i, u = np.zeros(4, np.int32), np.zeros(4, np.uint64)
    ll, peak = np.zeros(5, np.int64), np.full(4, -1, np.int32)
    tickets = np.full(n, -1, np.int64)
    run(fibers, "atomics", 5, 128, bins, f, d, i, u, ll, peak, tickets, n)
    counts = np.bincount(bins, minlength=4)
    np.testing.assert_array_equal(f, counts)
    np.testing.assert_array_equal(d, counts * 0.5)
    np.testing.assert_array_equal(i, counts)
    np.testing.assert_array_equal(u, counts * 2)
    np.testing.assert_array_equal(ll[:4], counts * -3)
    np.testing.assert_array_equal(peak, [np.flatnonzero(bins == b).max() for b in range(4)])
    np.testing.assert_array_equal(np.sort(tickets), np.arange(n))


@pytest.mark.parametrize("mode", ["fibers", "loop"])
def test_every_thread_of_a_3d_grid_sees_its_coordinates(request, mode):
    module = request.getfixturevalue(mode)
    grid, block = (3, 2, 2), (4, 3, 2)
    out = np.zeros((2, 2, 3, 2, 3, 4, 12), np.uint32)  # (grid z, y, x, block z, y, x, values)
    run(module, "coordinates", grid, block, out)
    bz, by, bx, tz, ty, tx = np.indices(out.shape[:-1])
    expected = np.stack([bx, by, bz, tx, ty, tz] + [np.full(bx.shape, v) for v in block + grid],
                        axis=-1)
    np.testing.assert_array_equal(out, expected)


def test_syncthreads_in_a_loop_launch_is_an_error(loop):
    with pytest.raises(KernelLaunchError, match=r"early_exit: __syncthreads\(\) called"):
        run(loop, "early_exit", 1, 32, output(32, np.float32), 32)


def test_half_conversions_round_to_nearest_even_as_numpy(fibers, rng):
    every_half = np.arange(1 << 16, dtype=np.uint16).view(np.float16)
    widened = np.empty(every_half.size, np.float32)
    run(fibers, "half_to_float", 64, 256, every_half, widened, every_half.size)
    numbers = ~np.isnan(every_half)
    np.testing.assert_array_equal(widened[numbers].view(np.uint32),
                                  every_half[numbers].astype(np.float32).view(np.uint32))
    assert np.isnan(widened[~numbers]).all()

    # Halfway points between neighbouring halves (ties), just off them, and random magnitudes.
    halves = every_half[np.isfinite(every_half)].astype(np.float64)
    halves.sort()
    ties = (halves[:-1] + halves[1:]) / 2
    doubles = np.concatenate([ties, np.nextafter(ties, np.inf), np.nextafter(ties, -np.inf),
                              rng.standard_normal(5000) * 10.0 ** rng.uniform(-9, 6, 5000),
                              [65504.0, 65519.99, 65520.0, 1e6, -1e6, np.inf, -np.inf, 2**-25,
                               2**-24, 3 * 2**-26, 1e-30, 0.0, -0.0, np.nan]])
    singles = doubles.astype(np.float32)
    for name, source in (("double_to_half", doubles), ("float_to_half", singles)):
        rounded = np.empty(source.size, np.float16)
        run(fibers, name, 64, 256, source, rounded, source.size)
        with np.errstate(over="ignore"):
            expected = source.astype(np.float16)
        numbers = ~np.isnan(expected)
        np.testing.assert_array_equal(rounded[numbers].view(np.uint16),
                                      expected[numbers].view(np.uint16), err_msg=name)
        assert np.isnan(rounded[~numbers]).all()


# ---- errors a GPU would not report -------------------------------------------------------------
def clamp_args(n=10, dtype=np.float32):
    x = np.linspace(-1, 1, n).astype(dtype)
    return [x, np.empty_like(x), -0.5, 0.5, True, True, n]


@pytest.mark.parametrize("index, value, message", [
    (2, -1, r"argument 2 \(`double`\) got int -1, which CuPy passes as `long long` \(8 bytes\)"),
    (3, np.float32(0.5), r"argument 3 \(`double`\) got numpy.float32"),
    (4, 1, r"argument 4 \(`bool`\) got int 1"),
    (6, 10.0, r"argument 6 \(`long long`\) got float 10.0.*pass a Python int"),
    (6, True, r"argument 6 \(`long long`\) got bool True"),
    (6, np.int32(10), r"argument 6 \(`long long`\) got numpy.int32"),
    (6, 2**70, r"argument 6 \(`long long`\) got int \d+, out of the 64-bit range"),
    (6, np.array(10), r"argument 6 \(`long long`\) got a numpy array.*for a scalar"),
    (0, 3.0, r"argument 0 \(`const float\*`\) got float 3.0 for a pointer parameter"),
    (0, np.zeros(10, np.float64), r"argument 0 \(`const float\*`\) got .* float64.*not float"),
    (1, np.zeros(20, np.float32)[::2], r"argument 1 \(`float\*`\) got a non-contiguous array"),
    (0, [0.0] * 10, r"argument 0 \(`const float\*`\) got list"),
])
def test_argument_mistakes_are_type_errors_naming_kernel_argument_and_type(index, value, message):
    args = clamp_args()
    args[index] = value
    kernel = EmulatedModule.for_family("elementwise").get_function("clamp_forward<float>")
    with pytest.raises(TypeError, match=r"^clamp_forward<float>: " + message):
        kernel(1, 32, tuple(args))


def test_numpy_scalars_of_the_parameter_type_and_read_only_inputs_are_accepted():
    x, y, *_ = args = clamp_args()
    x.flags.writeable = False  # a const pointer: never written
    kernel = EmulatedModule.for_family("elementwise").get_function("clamp_forward<float>")
    kernel(1, 32, (x, y, np.float64(-0.5), np.float64(0.5), np.bool_(True), np.bool_(False),
                   np.int64(10)))
    np.testing.assert_array_equal(y, np.maximum(x, np.float32(-0.5)))
    with pytest.raises(TypeError, match=r"argument 1 \(`float\*`\) got a read-only array"):
        kernel(1, 32, (y, x, *args[2:]))


def test_wrong_argument_count_lists_the_signature():
    kernel = EmulatedModule.for_family("elementwise").get_function("relu_forward<double>")
    with pytest.raises(TypeError, match=r"relu_forward<double> takes 3 arguments "
                                        r"\(const double\*, double\*, long long\), got 2"):
        kernel(1, 32, (np.zeros(3), np.zeros(3)))


def test_null_pointers_and_pointer_tables(fibers):
    y = np.zeros(6, np.float32)
    run(fibers, "add_optional", 1, 32, y, None, 6)
    run(fibers, "add_optional", 1, 32, y, np.arange(6, dtype=np.float32), 6)
    np.testing.assert_array_equal(y, 100 + np.arange(6))

    rows = [np.arange(4, dtype=np.float32) + 10 * r for r in range(3)]
    table = np.array([row.ctypes.data for row in rows], np.uint64)
    out = np.empty(12, np.float32)
    run(fibers, "gather_rows", 2, 8, table, out, 4, 12)
    np.testing.assert_array_equal(out, np.concatenate(rows))
    with pytest.raises(TypeError, match=r"`const float\* const\*`\) .* numpy.uint64 array"):
        run(fibers, "gather_rows", 2, 8, table.astype(np.float64), out, 4, 12)


@pytest.mark.parametrize("write_offset, elements", [(1, "5..5"), (-1, "-1..-1"), (3, "5..7")])
def test_writes_out_of_bounds_raise(fibers, write_offset, elements):
    x, y = np.arange(5, dtype=np.float32), np.zeros(5, np.float32)
    with pytest.raises(OutOfBoundsError,
                       match=rf"shifted_copy wrote out of bounds of argument 1 \(`float\*`, 5 "
                             rf"elements of 4 bytes\): element indices {elements}"):
        run(fibers, "shifted_copy", 1, 32, x, y, 0, write_offset, 5)


def test_reads_out_of_bounds_are_nan(fibers):
    x, y = np.arange(5, dtype=np.float32), np.zeros(5, np.float32)
    run(fibers, "shifted_copy", 1, 32, x, y, 1, 0, 5)
    np.testing.assert_array_equal(y[:4], x[1:])
    assert np.isnan(y[4])


def test_aliased_and_overlapping_arguments_share_memory(fibers):
    # One thread copies a[i] to a[i + 1] in order: each write is read by the next step only
    # when both arguments are the same memory, as they are on a GPU.
    a = np.arange(6, dtype=np.float32)
    run(fibers, "shifted_copy", 1, 1, a, a, 0, 1, 5)
    np.testing.assert_array_equal(a, np.zeros(6))
    b = np.arange(6, dtype=np.float32) + 1
    run(fibers, "shifted_copy", 1, 1, b[:-1], b[1:], 0, 0, 5)  # overlapping views, used in place
    np.testing.assert_array_equal(b, np.ones(6))


@pytest.mark.parametrize("grid, block, error, message", [
    (1, 1025, ValueError, r"invalid block 1025"),
    (1, (32, 32, 2), ValueError, r"block \(32, 32, 2\) has 2048 threads, more than CUDA's 1024"),
    (0, 32, ValueError, r"invalid grid 0"),
    ((1, 70000), 32, ValueError, r"invalid grid \(1, 70000\)"),
    ((1 << 20,), 256, ValueError, r"grid \(1048576, 1, 1\) x block .* the emulator runs at most"),
    ((1, 1, 1, 1), 32, TypeError, r"grid must be an int or a tuple of 1 to 3 ints"),
    (1, 32.0, TypeError, r"block must be an int"),
])
def test_invalid_launch_configurations_raise(grid, block, error, message):
    kernel = EmulatedModule.for_family("elementwise").get_function("relu_forward<float>")
    with pytest.raises(error, match=r"relu_forward<float>: " + message):
        kernel(grid, block, (np.zeros(4, np.float32), np.zeros(4, np.float32), 4))


def test_dynamic_shared_memory_is_refused():
    kernel = EmulatedModule.for_family("elementwise").get_function("relu_forward<float>")
    with pytest.raises(ValueError, match="static __shared__ arrays only"):
        kernel(1, 32, (np.zeros(4, np.float32), np.zeros(4, np.float32), 4), shared_mem=1024)


def test_what_the_kernel_conventions_forbid_does_not_compile():
    source = r"""
    #include "common.cuh"
    __global__ void forbidden(float* x, __half* h) {
        float v = __shfl_down_sync(0xffffffff, x[threadIdx.x], 1);  // a warp intrinsic
        atomicAdd(h, __float2half(v));                              // an atomic on __half
    }
    """
    with pytest.raises(KernelCompileError, match=r"(?s)__shfl_down_sync.*atomicAdd"):
        EmulatedModule(source, ["forbidden"], name="emulator_forbidden")
