// Batch norm in training and evaluation, forward and backward, per channel of a contiguous
// [N, C, L] array (L = the product of the spatial dims; 1 for (N, C) inputs).
//
// A channel's `count` = N * L elements are numbered j = n * L + l. The per-channel reductions split
// each channel into `splits` chunks of `chunk` elements (the last may be shorter, none is empty),
// one block per (channel, chunk) striding over the grid, so that a few channels still fill the
// GPU; each block writes one partial result and a second kernel, one thread per channel, combines
// the partials in order. No atomics: the results do not depend on scheduling.
//
// Statistics are computed in acc_t<T> (float for __half) and kept in that type: the mean, biased
// variance and invstd arrays, and the partial buffers, are acc_t<T> arrays.
#include "block_reduce.cuh"

__device__ __forceinline__ float sqrt_(float v) { return sqrtf(v); }
__device__ __forceinline__ double sqrt_(double v) { return sqrt(v); }

// The offsets of elements j = first, first + stride, ... of channel c, one step at a time without
// a division per element (64-bit division costs tens of instructions on a GPU).
struct ChannelWalk {
    long long n, l;                     // element j = n * inner + l
    long long step_n, step_l;           // stride = step_n * inner + step_l
    long long inner, sample_stride, base;

    __device__ ChannelWalk(long long c, long long first, long long stride, long long channels,
                           long long inner_)
        : n(first / inner_), l(first % inner_), step_n(stride / inner_), step_l(stride % inner_),
          inner(inner_), sample_stride(channels * inner_), base(c * inner_) {}

    __device__ __forceinline__ long long offset() const { return n * sample_stride + base + l; }

    __device__ __forceinline__ void advance() {
        n += step_n;
        l += step_l;
        if (l >= inner) {
            l -= inner;
            ++n;
        }
    }
};

// The channel of flat index i, in 32-bit arithmetic where the array allows it (n < 2^32 elements:
// a quarter of the instructions of 64-bit division).
__device__ __forceinline__ long long channel_of(long long i, long long channels, long long inner,
                                                bool fits_32_bits) {
    if (fits_32_bits) {
        return (unsigned)i / (unsigned)inner % (unsigned)channels;
    }
    return i / inner % channels;
}

// The elements [begin, end) of its channel that block `b` (= channel * splits + split) reduces.
__device__ __forceinline__ void chunk_range(long long b, long long splits, long long chunk,
                                            long long count, long long* begin, long long* end) {
    *begin = (b % splits) * chunk;
    *end = *begin + chunk < count ? *begin + chunk : count;
}

// Chan et al.'s merge of two (count, mean, M2) summaries into the first.
template <typename A>
__device__ __forceinline__ void merge_moments(long long* n, A* mean, A* m2, long long nb, A mean_b,
                                              A m2_b) {
    if (nb == 0) return;
    const long long total = *n + nb;
    const A delta = mean_b - *mean;
    const A share = A(nb) / A(total);
    *mean += delta * share;
    *m2 += m2_b + delta * delta * A(*n) * share;
    *n = total;
}

// ---- statistics: Welford per thread, merged over the block, then over a channel's chunks -----
template <typename T>
__global__ void batch_norm_partial_stats(const T* __restrict__ x, acc_t<T>* __restrict__ part_mean,
                                         acc_t<T>* __restrict__ part_m2, long long channels,
                                         long long inner, long long count, long long splits,
                                         long long chunk) {
    using A = acc_t<T>;
    __shared__ A s_mean[REDUCE_BLOCK];
    __shared__ A s_m2[REDUCE_BLOCK];
    __shared__ long long s_n[REDUCE_BLOCK];
    const int tid = threadIdx.x;
    for (long long b = blockIdx.x; b < channels * splits; b += gridDim.x) {
        const long long c = b / splits;
        long long begin, end;
        chunk_range(b, splits, chunk, count, &begin, &end);
        long long n = 0;
        A mean = 0, m2 = 0;
        ChannelWalk walk(c, begin + tid, blockDim.x, channels, inner);
        for (long long j = begin + tid; j < end; j += blockDim.x, walk.advance()) {
            const A v = widen(x[walk.offset()]);
            ++n;
            const A delta = v - mean;
            mean += delta / A(n);
            m2 += delta * (v - mean);
        }
        __syncthreads();  // thread 0 has read the previous block's result
        s_n[tid] = n;
        s_mean[tid] = mean;
        s_m2[tid] = m2;
        __syncthreads();
        for (int active = blockDim.x; active > 1;) {
            const int half = (active + 1) / 2;
            if (tid < active - half) {
                merge_moments(&s_n[tid], &s_mean[tid], &s_m2[tid], s_n[tid + half],
                              s_mean[tid + half], s_m2[tid + half]);
            }
            __syncthreads();
            active = half;
        }
        if (tid == 0) {
            part_mean[b] = s_mean[0];
            part_m2[b] = s_m2[0];
        }
    }
}

// mean, biased variance and invstd = 1 / sqrt(var + eps) per channel; n = channels.
template <typename T>
__global__ void batch_norm_finalize_stats(const acc_t<T>* __restrict__ part_mean,
                                          const acc_t<T>* __restrict__ part_m2,
                                          acc_t<T>* __restrict__ mean, acc_t<T>* __restrict__ var,
                                          acc_t<T>* __restrict__ invstd, long long count,
                                          long long splits, long long chunk, double eps,
                                          long long n) {
    using A = acc_t<T>;
    GRID_STRIDE_LOOP(c, n) {
        long long seen = 0;
        A m = 0, m2 = 0;
        for (long long s = 0; s < splits; ++s) {
            const long long left = count - s * chunk;
            merge_moments(&seen, &m, &m2, left < chunk ? left : chunk, part_mean[c * splits + s],
                          part_m2[c * splits + s]);
        }
        const A v = m2 / A(count);
        mean[c] = m;
        var[c] = v;
        invstd[c] = A(1) / sqrt_(v + A(eps));
    }
}

// ---- y = (x - mean) * invstd * weight + bias (training and evaluation alike) ----------------
template <typename T>
__global__ void batch_norm_forward(const T* __restrict__ x, const acc_t<T>* __restrict__ mean,
                                   const acc_t<T>* __restrict__ invstd,
                                   const T* __restrict__ weight, const T* __restrict__ bias,
                                   T* __restrict__ y, long long channels, long long inner,
                                   bool has_weight, bool has_bias, long long n) {
    const bool fits_32_bits = n <= 0xffffffffLL;
    GRID_STRIDE_LOOP(i, n) {
        const long long c = channel_of(i, channels, inner, fits_32_bits);
        const acc_t<T> scale = has_weight ? invstd[c] * widen(weight[c]) : invstd[c];
        acc_t<T> v = (widen(x[i]) - mean[c]) * scale;
        if (has_bias) v += widen(bias[c]);
        y[i] = narrow<T>(v);
    }
}

// ---- backward: per channel sum(gy) and sum(gy * (x - mean)), then gx in one pass ------------
//   gx = k * (gy - sum(gy) / count - (x - mean) * invstd^2 * sum(gy * (x - mean)) / count),
//   k = invstd * weight;   grad_weight = sum(gy * (x - mean)) * invstd.
template <typename T>
__global__ void batch_norm_backward_partial(const T* __restrict__ x, const T* __restrict__ gy,
                                            const acc_t<T>* __restrict__ mean,
                                            acc_t<T>* __restrict__ part_sum,
                                            acc_t<T>* __restrict__ part_dot, long long channels,
                                            long long inner, long long count, long long splits,
                                            long long chunk) {
    using A = acc_t<T>;
    __shared__ A buf[REDUCE_BLOCK];
    for (long long b = blockIdx.x; b < channels * splits; b += gridDim.x) {
        const long long c = b / splits;
        long long begin, end;
        chunk_range(b, splits, chunk, count, &begin, &end);
        const A m = mean[c];
        A sum = 0, dot = 0;
        ChannelWalk walk(c, begin + threadIdx.x, blockDim.x, channels, inner);
        for (long long j = begin + threadIdx.x; j < end; j += blockDim.x, walk.advance()) {
            const long long at = walk.offset();
            const A g = widen(gy[at]);
            sum += g;
            dot += g * (widen(x[at]) - m);
        }
        sum = block_sum(sum, buf);
        dot = block_sum(dot, buf);
        if (threadIdx.x == 0) {
            part_sum[b] = sum;
            part_dot[b] = dot;
        }
    }
}

// n = channels; grad_weight is written in T (the weight's dtype).
template <typename T>
__global__ void batch_norm_backward_finalize(const acc_t<T>* __restrict__ part_sum,
                                             const acc_t<T>* __restrict__ part_dot,
                                             const acc_t<T>* __restrict__ invstd,
                                             acc_t<T>* __restrict__ sum_gy,
                                             acc_t<T>* __restrict__ dot,
                                             T* __restrict__ grad_weight,
                                             long long splits, long long n) {
    GRID_STRIDE_LOOP(c, n) {
        acc_t<T> s = 0, d = 0;
        for (long long k = 0; k < splits; ++k) {
            s += part_sum[c * splits + k];
            d += part_dot[c * splits + k];
        }
        sum_gy[c] = s;
        dot[c] = d;
        grad_weight[c] = narrow<T>(d * invstd[c]);
    }
}

template <typename T>
__global__ void batch_norm_backward_input(const T* __restrict__ x, const T* __restrict__ gy,
                                          const acc_t<T>* __restrict__ mean,
                                          const acc_t<T>* __restrict__ invstd,
                                          const T* __restrict__ weight,
                                          const acc_t<T>* __restrict__ sum_gy,
                                          const acc_t<T>* __restrict__ dot, T* __restrict__ gx,
                                          long long channels, long long inner, long long count,
                                          bool has_weight, long long n) {
    using A = acc_t<T>;
    const A inv_count = A(1) / A(count);
    const bool fits_32_bits = n <= 0xffffffffLL;
    GRID_STRIDE_LOOP(i, n) {
        const long long c = channel_of(i, channels, inner, fits_32_bits);
        const A is = invstd[c];
        const A k = has_weight ? is * widen(weight[c]) : is;
        const A centered = widen(x[i]) - mean[c];
        gx[i] = narrow<T>(k * (widen(gy[i]) - sum_gy[c] * inv_count
                               - centered * is * is * dot[c] * inv_count));
    }
}
