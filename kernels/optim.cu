// Optimizer steps as multi-tensor kernels: one launch updates every tensor of a list in place.
//
// A launch sees its tensors through a table built by autograd_gpu/backend/optim_step_args.py:
// `offsets[0..ntensors]` are the cumulative element counts (offsets[0] = 0, offsets[ntensors] = n)
// and each pointer table (params[t], grads[t], ...) holds one address per tensor. Global element
// i of the grid-stride loop belongs to the tensor found by binary search over `offsets`.
//
// The arithmetic is the xp default's (autograd_gpu/backend/optim_step.py), operation for operation
// in acc_t<T>. Products go through the round-to-nearest intrinsics, which NVRTC never fuses into an
// FMA with the add that follows, and single-precision quotients and roots too (fast math would
// approximate them; double division and sqrt are always correctly rounded): float and double
// results then round as numpy's do, step by step.
#include "common.cuh"

__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float div_rn(float a, float b) { return __fdiv_rn(a, b); }
__device__ __forceinline__ double div_rn(double a, double b) { return a / b; }
__device__ __forceinline__ float sqrt_rn(float v) { return __fsqrt_rn(v); }
__device__ __forceinline__ double sqrt_rn(double v) { return sqrt(v); }

// The tensor holding element i: the last t in [lo, ntensors) with offsets[t] <= i. A thread's
// indices only grow, so each search starts from the tensor of its previous element.
__device__ __forceinline__ long long tensor_of(const long long* __restrict__ offsets, long long lo,
                                               long long ntensors, long long i) {
    long long hi = ntensors - 1;
    while (lo < hi) {
        const long long mid = lo + (hi - lo + 1) / 2;
        if (offsets[mid] <= i) lo = mid; else hi = mid - 1;
    }
    return lo;
}

// ---- SGD, torch's formulas -------------------------------------------------------------------
//   g = ±grad + weight_decay * p;
//   buf = g on the first step (first_step), else momentum * buf + (1 - dampening) * g;
//   g = g + momentum * buf (nesterov) or buf;   p = p - lr * g.
// Without momentum `bufs` is any pointer table (never read); grad_scale is 1 - dampening.
template <typename T>
__global__ void sgd_step(T* const* __restrict__ params, const T* const* __restrict__ grads,
                         T* const* __restrict__ bufs, const long long* __restrict__ offsets,
                         long long ntensors, double neg_lr, double momentum, double grad_scale,
                         double weight_decay, bool nesterov, bool maximize, bool first_step,
                         long long n) {
    using A = acc_t<T>;
    const A step = neg_lr, mom = momentum, scale = grad_scale, decay = weight_decay;
    long long t = 0;
    GRID_STRIDE_LOOP(i, n) {
        t = tensor_of(offsets, t, ntensors, i);
        const long long j = i - offsets[t];
        const A p = widen(params[t][j]);
        A g = widen(grads[t][j]);
        if (maximize) g = -g;
        if (weight_decay != 0) g = g + mul_rn(p, decay);
        if (momentum != 0) {
            const A b = first_step ? g : mul_rn(widen(bufs[t][j]), mom) + mul_rn(g, scale);
            bufs[t][j] = narrow<T>(b);
            g = nesterov ? g + mul_rn(b, mom) : b;
        }
        params[t][j] = narrow<T>(p + mul_rn(g, step));
    }
}

// ---- Adam and AdamW, torch's formulas ----------------------------------------------------------
//   g = ±grad (+ grad_decay * p: Adam's L2);  p = param_scale * p (AdamW's 1 - lr * weight_decay);
//   m = lerp(m, g, lerp_weight) by torch's two-branch formula (lerp_weight = 1 - beta1);
//   v = beta2 * v + (sq_weight * g) * g (sq_weight = 1 - beta2);   v_max = max(v_max, v) (amsgrad);
//   p = p + (neg_step_size * m) / (sqrt(v or v_max) / bias_correction2_sqrt + eps).
// Without amsgrad `max_exp_avg_sqs` is any pointer table (never read).
template <typename T>
__global__ void adam_step(T* const* __restrict__ params, const T* const* __restrict__ grads,
                          T* const* __restrict__ exp_avgs, T* const* __restrict__ exp_avg_sqs,
                          T* const* __restrict__ max_exp_avg_sqs,
                          const long long* __restrict__ offsets, long long ntensors,
                          double grad_decay, double param_scale, double lerp_weight, double beta2,
                          double sq_weight, double neg_step_size, double bias_correction2_sqrt,
                          double eps, bool amsgrad, bool maximize, long long n) {
    using A = acc_t<T>;
    const A decay = grad_decay, shrink = param_scale, w = lerp_weight, w_rest = 1.0 - lerp_weight,
            b2 = beta2, sq_w = sq_weight, step = neg_step_size, bc2 = bias_correction2_sqrt,
            e = eps;
    const bool from_start = lerp_weight < 0.5 && lerp_weight > -0.5;
    long long t = 0;
    GRID_STRIDE_LOOP(i, n) {
        t = tensor_of(offsets, t, ntensors, i);
        const long long j = i - offsets[t];
        A p = widen(params[t][j]);
        A g = widen(grads[t][j]);
        if (maximize) g = -g;
        if (param_scale != 1) p = mul_rn(p, shrink);
        if (grad_decay != 0) g = g + mul_rn(p, decay);
        A m = widen(exp_avgs[t][j]);
        const A diff = g - m;
        m = from_start ? m + mul_rn(diff, w) : g - mul_rn(diff, w_rest);
        A v = mul_rn(widen(exp_avg_sqs[t][j]), b2) + mul_rn(mul_rn(g, sq_w), g);
        exp_avgs[t][j] = narrow<T>(m);
        exp_avg_sqs[t][j] = narrow<T>(v);
        if (amsgrad) {
            const A v_max = widen(max_exp_avg_sqs[t][j]);
            if (v_max > v || v_max != v_max) v = v_max;  // NaN propagates, as numpy's maximum
            max_exp_avg_sqs[t][j] = narrow<T>(v);
        }
        const A denom = div_rn(sqrt_rn(v), bc2) + e;
        params[t][j] = narrow<T>(p + div_rn(mul_rn(m, step), denom));
    }
}
