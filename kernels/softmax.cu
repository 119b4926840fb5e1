// softmax and log_softmax over one dim, forward and backward.
//
// Arrays are contiguous and viewed as [outer, dim, inner]: the normalised dim has `dim` entries
// `inner` elements apart. Two layouts of the same math (the launcher picks one, see
// autograd_gpu/backend/softmax_norm_args.py):
//   *_rows: inner == 1 and long rows: one block per row (grid-striding over rows), the threads
//           striding along the row and meeting in block reductions;
//   *_cols: one thread per (outer, inner) position, looping over the dim: neighbouring threads
//           read neighbouring addresses when inner > 1, and short rows waste no threads.
// Rows are shifted by their maximum, so logits of +-1e4 stay finite in float32. `is_log` picks
// log_softmax. Sums are accumulated in acc_t<T> (float for __half).
//
// Forward:  softmax y = e / sum(e),  log_softmax y = (x - m) - log(sum(e)),  e = exp(x - m).
// Backward from the output y:  softmax gx = y * (gy - sum(gy * y)),
//                              log_softmax gx = gy - exp(y) * sum(gy).
#include "block_reduce.cuh"

template <typename T>
__global__ void softmax_forward_rows(const T* __restrict__ x, T* __restrict__ y, long long rows,
                                     long long dim, bool is_log) {
    __shared__ acc_t<T> buf[REDUCE_BLOCK];
    for (long long row = blockIdx.x; row < rows; row += gridDim.x) {
        const T* xr = x + row * dim;
        T* yr = y + row * dim;
        acc_t<T> m = widen(xr[0]);
        for (long long j = threadIdx.x; j < dim; j += blockDim.x) m = max_nan(m, widen(xr[j]));
        m = block_max(m, buf);
        acc_t<T> s = 0;
        for (long long j = threadIdx.x; j < dim; j += blockDim.x) s += exp_(widen(xr[j]) - m);
        s = block_sum(s, buf);
        if (is_log) {
            const acc_t<T> log_s = log_(s);
            for (long long j = threadIdx.x; j < dim; j += blockDim.x)
                yr[j] = narrow<T>((widen(xr[j]) - m) - log_s);
        } else {
            for (long long j = threadIdx.x; j < dim; j += blockDim.x)
                yr[j] = narrow<T>(exp_(widen(xr[j]) - m) / s);
        }
    }
}

template <typename T>
__global__ void softmax_forward_cols(const T* __restrict__ x, T* __restrict__ y, long long dim,
                                     long long inner, bool is_log, long long n) {
    GRID_STRIDE_LOOP(k, n) {
        const long long o = k / inner;
        const long long start = o * dim * inner + (k - o * inner);
        const T* xc = x + start;
        T* yc = y + start;
        acc_t<T> m = widen(xc[0]);
        for (long long j = 1; j < dim; ++j) m = max_nan(m, widen(xc[j * inner]));
        acc_t<T> s = 0;
        for (long long j = 0; j < dim; ++j) s += exp_(widen(xc[j * inner]) - m);
        if (is_log) {
            const acc_t<T> log_s = log_(s);
            for (long long j = 0; j < dim; ++j)
                yc[j * inner] = narrow<T>((widen(xc[j * inner]) - m) - log_s);
        } else {
            for (long long j = 0; j < dim; ++j)
                yc[j * inner] = narrow<T>(exp_(widen(xc[j * inner]) - m) / s);
        }
    }
}

// The reduction each backward needs: sum(gy * y) for softmax, sum(gy) for log_softmax.
template <typename T>
__device__ __forceinline__ acc_t<T> backward_term(T y, T gy, bool is_log) {
    return is_log ? widen(gy) : widen(gy) * widen(y);
}

template <typename T>
__device__ __forceinline__ T backward_value(T y, T gy, acc_t<T> s, bool is_log) {
    const acc_t<T> v = widen(y), g = widen(gy);
    return narrow<T>(is_log ? g - exp_(v) * s : v * (g - s));
}

template <typename T>
__global__ void softmax_backward_rows(const T* __restrict__ y, const T* __restrict__ gy,
                                      T* __restrict__ gx, long long rows, long long dim,
                                      bool is_log) {
    __shared__ acc_t<T> buf[REDUCE_BLOCK];
    for (long long row = blockIdx.x; row < rows; row += gridDim.x) {
        const long long base = row * dim;
        acc_t<T> s = 0;
        for (long long j = threadIdx.x; j < dim; j += blockDim.x)
            s += backward_term(y[base + j], gy[base + j], is_log);
        s = block_sum(s, buf);
        for (long long j = threadIdx.x; j < dim; j += blockDim.x)
            gx[base + j] = backward_value(y[base + j], gy[base + j], s, is_log);
    }
}

template <typename T>
__global__ void softmax_backward_cols(const T* __restrict__ y, const T* __restrict__ gy,
                                      T* __restrict__ gx, long long dim, long long inner,
                                      bool is_log, long long n) {
    GRID_STRIDE_LOOP(k, n) {
        const long long o = k / inner;
        const long long start = o * dim * inner + (k - o * inner);
        acc_t<T> s = 0;
        for (long long j = 0; j < dim; ++j)
            s += backward_term(y[start + j * inner], gy[start + j * inner], is_log);
        for (long long j = 0; j < dim; ++j) {
            const long long at = start + j * inner;
            gx[at] = backward_value(y[at], gy[at], s, is_log);
        }
    }
}
