// Losses: negative log likelihood (the half of cross-entropy after log_softmax) and binary
// cross-entropy with logits, forward and backward, each one elementwise pass.
//
// nll arrays are contiguous: the input is [outer, classes, inner] (log-probabilities), the int64
// targets are [outer, inner], one per sample. Targets equal to `ignore_index` (when `has_ignore`)
// count with weight 0. Optional arrays come with a flag; when the flag is false the launcher passes
// some other array of the same type in their place, and the kernel never touches it.
//
// bce_with_logits: x, t and the outputs have n elements. pos_weight (and the upstream gradient g of
// the backward kernels) broadcast against them as a trailing block of `*_period` elements, so
// element i reads index i % period (period 1 for a single value, n for a full array).
#include "common.cuh"

// ---- nll: loss = -x[o, t, i] * w[t], w the class weight (1 without) and 0 for ignored targets --
template <typename T>
__global__ void nll_forward(const T* __restrict__ x, const long long* __restrict__ target,
                            const T* __restrict__ weight, T* __restrict__ losses,
                            T* __restrict__ sample_weight, long long* __restrict__ bad_target,
                            long long classes, long long inner, long long ignore_index,
                            bool has_ignore, bool has_weight, long long n) {
    GRID_STRIDE_LOOP(i, n) {
        const long long t = target[i];
        const bool counted = !(has_ignore && t == ignore_index);
        acc_t<T> w = 0, picked = 0;
        if (counted && (t < 0 || t >= classes)) {
            // torch asserts on the device; here the host raises at its next read (see
            // backend/device_errors.py): a NaN loss meanwhile, and no out-of-bounds read
            bad_target[0] = 1;
            bad_target[1] = t;
            bad_target[2] = classes;
            bad_target[3] = ignore_index;
            losses[i] = narrow<T>(nan_(acc_t<T>()));
            if (has_ignore || has_weight) sample_weight[i] = narrow<T>(nan_(acc_t<T>()));
            continue;
        }
        if (counted) {
            const long long o = i / inner;
            w = has_weight ? widen(weight[t]) : acc_t<T>(1);
            picked = widen(x[(o * classes + t) * inner + (i - o * inner)]);
        }
        losses[i] = narrow<T>(-(picked * w));
        if (has_ignore || has_weight) sample_weight[i] = narrow<T>(w);
    }
}

// The gradient's coefficient array: out[o, c, i] = coef (one value, or coef[o, i] per sample)
// where c is the sample's counted target class, 0 elsewhere. n = outer * classes * inner.
template <typename T>
__global__ void nll_backward(const long long* __restrict__ target, const T* __restrict__ coef,
                             T* __restrict__ out, double coef_value, bool per_sample,
                             long long classes, long long inner, long long ignore_index,
                             bool has_ignore, long long n) {
    const T value = narrow<T>(coef_value);
    GRID_STRIDE_LOOP(i, n) {
        const long long row = i / inner;             // o * classes + c
        const long long o = row / classes;
        const long long sample = o * inner + (i - row * inner);
        const long long t = target[sample];
        const bool hit = row - o * classes == t && !(has_ignore && t == ignore_index);
        out[i] = hit ? (per_sample ? coef[sample] : value) : narrow<T>(0);
    }
}

// ---- binary cross-entropy with logits --------------------------------------------------------
__device__ __forceinline__ float log1p_(float v) { return log1pf(v); }
__device__ __forceinline__ double log1p_(double v) { return log1p(v); }

// log(sigmoid(v)) = min(v, 0) - log1p(exp(-|v|)): finite for any finite v, never exp overflow.
template <typename A>
__device__ __forceinline__ A log_sigmoid(A v) {
    return (v < 0 ? v : A(0)) - log1p_(exp_(v < 0 ? v : -v));
}

template <typename A>
__device__ __forceinline__ A sigmoid_of(A v) {
    const A e = exp_(v < 0 ? v : -v);  // e^-|v|, in (0, 1]
    return v >= 0 ? A(1) / (1 + e) : e / (1 + e);
}

// loss = (1 - t) x - (1 + (pos_weight - 1) t) log sigmoid(x)
template <typename T>
__global__ void bce_with_logits_forward(const T* __restrict__ x, const T* __restrict__ t,
                                        const T* __restrict__ pos_weight, T* __restrict__ loss,
                                        long long pw_period, bool has_pos_weight, long long n) {
    GRID_STRIDE_LOOP(i, n) {
        const acc_t<T> v = widen(x[i]), tv = widen(t[i]);
        const acc_t<T> log_sig = log_sigmoid(v);
        const acc_t<T> scale =
            has_pos_weight ? 1 + (widen(pos_weight[i % pw_period]) - 1) * tv : acc_t<T>(1);
        loss[i] = narrow<T>((1 - tv) * v - scale * log_sig);
    }
}

// d loss / dx = (pos_weight t + 1 - t) sigmoid(x) - pos_weight t   (sigmoid(x) - t without)
template <typename T>
__global__ void bce_with_logits_backward(const T* __restrict__ x, const T* __restrict__ t,
                                         const T* __restrict__ g, const T* __restrict__ pos_weight,
                                         T* __restrict__ gx, long long g_period,
                                         long long pw_period, bool has_pos_weight, long long n) {
    GRID_STRIDE_LOOP(i, n) {
        const acc_t<T> s = sigmoid_of(widen(x[i])), tv = widen(t[i]);
        acc_t<T> slope;
        if (has_pos_weight) {
            const acc_t<T> pt = widen(pos_weight[i % pw_period]) * tv;
            slope = (pt + 1 - tv) * s - pt;
        } else {
            slope = s - tv;
        }
        gx[i] = narrow<T>(widen(g[i % g_period]) * slope);
    }
}

// d loss / dt = -x - (pos_weight - 1) log sigmoid(x)   (-x without)
template <typename T>
__global__ void bce_with_logits_target_backward(const T* __restrict__ x, const T* __restrict__ g,
                                                const T* __restrict__ pos_weight,
                                                T* __restrict__ gt, long long g_period,
                                                long long pw_period, bool has_pos_weight,
                                                long long n) {
    GRID_STRIDE_LOOP(i, n) {
        const acc_t<T> v = widen(x[i]);
        acc_t<T> slope = -v;
        if (has_pos_weight) slope -= (widen(pos_weight[i % pw_period]) - 1) * log_sigmoid(v);
        gt[i] = narrow<T>(widen(g[i % g_period]) * slope);
    }
}
