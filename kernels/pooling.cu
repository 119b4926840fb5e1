// 2-D max and average pooling, forward and backward, NCHW, with torch's semantics.
//
// The N*C planes are independent: x is (planes, height, width), y and the argmax indices are
// (planes, out_h, out_w). Output (oh, ow)'s window starts at (oh*stride_h - pad_h,
// ow*stride_w - pad_w). The backwards are gathers (one thread per input element sums the outputs
// whose windows hold it), so they need no atomics: any dtype, and the same sum every run. The
// scalars are built by conv_pool_args.max_pool_kernel_args and avg_pool_kernel_args; see
// common.cuh for the conventions of every kernel file.
#include "common.cuh"

__device__ __forceinline__ long long min_(long long a, long long b) { return a < b ? a : b; }
__device__ __forceinline__ long long max_(long long a, long long b) { return a > b ? a : b; }

// The first output whose window (span input elements long, from o*stride - pad) reaches input
// element h, and one past the last output whose window starts at or before it.
__device__ __forceinline__ long long first_output(long long h, long long pad, long long span,
                                                  long long stride) {
    return h + pad < span ? 0 : (h + pad - span) / stride + 1;
}
__device__ __forceinline__ long long end_output(long long h, long long pad, long long stride,
                                                long long out_size) {
    return min_((h + pad) / stride + 1, out_size);
}

// ---- max pooling --------------------------------------------------------------------------------
// torch's scan: the window in row-major order from its first element inside the input, starting
// from -inf and that element's index; a larger value or a NaN takes over, so the first maximum
// wins and a NaN (the last one) beats every number. The index is flat within the input plane.
template <typename T>
__global__ void max_pool2d_forward(const T* __restrict__ x, T* __restrict__ y,
                                   long long* __restrict__ indices, long long height,
                                   long long width, long long kernel_h, long long kernel_w,
                                   long long stride_h, long long stride_w, long long pad_h,
                                   long long pad_w, long long dilation_h, long long dilation_w,
                                   long long out_h, long long out_w, long long n) {
    GRID_STRIDE_LOOP(index, n) {
        const long long ow = index % out_w;
        const long long oh = (index / out_w) % out_h;
        const T* plane = x + index / (out_w * out_h) * height * width;
        long long h0 = oh * stride_h - pad_h;
        long long w0 = ow * stride_w - pad_w;
        const long long h1 = min_(h0 + (kernel_h - 1) * dilation_h + 1, height);
        const long long w1 = min_(w0 + (kernel_w - 1) * dilation_w + 1, width);
        while (h0 < 0) h0 += dilation_h;
        while (w0 < 0) w0 += dilation_w;
        acc_t<T> best = acc_t<T>(-1.0 / 0.0);  // -inf: NVRTC defines neither INFINITY nor HUGE_VAL
        long long best_index = h0 * width + w0;
        for (long long h = h0; h < h1; h += dilation_h) {
            for (long long w = w0; w < w1; w += dilation_w) {
                const acc_t<T> v = widen(plane[h * width + w]);
                if (v > best || v != v) {
                    best = v;
                    best_index = h * width + w;
                }
            }
        }
        y[index] = narrow<T>(best);
        indices[index] = best_index;
    }
}

// gx at (h, w): the sum of gy over the outputs whose argmax is (h, w), in row-major order.
template <typename T>
__global__ void max_pool2d_backward(const T* __restrict__ gy, const long long* __restrict__ indices,
                                    T* __restrict__ gx, long long height, long long width,
                                    long long kernel_h, long long kernel_w, long long stride_h,
                                    long long stride_w, long long pad_h, long long pad_w,
                                    long long dilation_h, long long dilation_w, long long out_h,
                                    long long out_w, long long n) {
    const long long span_h = (kernel_h - 1) * dilation_h + 1;
    const long long span_w = (kernel_w - 1) * dilation_w + 1;
    GRID_STRIDE_LOOP(index, n) {
        const long long w = index % width;
        const long long h = (index / width) % height;
        const long long offset = index / (width * height) * out_h * out_w;
        const long long target = h * width + w;
        const long long oh1 = end_output(h, pad_h, stride_h, out_h);
        const long long ow0 = first_output(w, pad_w, span_w, stride_w);
        const long long ow1 = end_output(w, pad_w, stride_w, out_w);
        acc_t<T> sum = 0;
        for (long long oh = first_output(h, pad_h, span_h, stride_h); oh < oh1; ++oh) {
            for (long long ow = ow0; ow < ow1; ++ow) {
                const long long o = offset + oh * out_w + ow;
                if (indices[o] == target) sum += widen(gy[o]);
            }
        }
        gx[index] = narrow<T>(sum);
    }
}

// ---- average pooling ----------------------------------------------------------------------------
// torch's divisor: divisor_override when not 0, else the window clipped to the padded input
// (count_include_pad) or to the input itself. A window may run past the right padding in
// ceil_mode; that part never counts.
__device__ __forceinline__ long long avg_divisor(long long h0, long long w0, long long height,
                                                 long long width, long long kernel_h,
                                                 long long kernel_w, long long pad_h,
                                                 long long pad_w, bool count_include_pad,
                                                 long long divisor_override) {
    if (divisor_override != 0) return divisor_override;
    const long long h1 = min_(h0 + kernel_h, height + pad_h);
    const long long w1 = min_(w0 + kernel_w, width + pad_w);
    if (count_include_pad) return (h1 - h0) * (w1 - w0);
    return (min_(h1, height) - max_(h0, 0)) * (min_(w1, width) - max_(w0, 0));
}

template <typename T>
__global__ void avg_pool2d_forward(const T* __restrict__ x, T* __restrict__ y, long long height,
                                   long long width, long long kernel_h, long long kernel_w,
                                   long long stride_h, long long stride_w, long long pad_h,
                                   long long pad_w, long long out_h, long long out_w,
                                   bool count_include_pad, long long divisor_override,
                                   long long n) {
    GRID_STRIDE_LOOP(index, n) {
        const long long ow = index % out_w;
        const long long oh = (index / out_w) % out_h;
        const T* plane = x + index / (out_w * out_h) * height * width;
        const long long h0 = oh * stride_h - pad_h;
        const long long w0 = ow * stride_w - pad_w;
        const long long h1 = min_(h0 + kernel_h, height);
        const long long w1 = min_(w0 + kernel_w, width);
        acc_t<T> sum = 0;
        for (long long h = max_(h0, 0); h < h1; ++h) {
            for (long long w = max_(w0, 0); w < w1; ++w) sum += widen(plane[h * width + w]);
        }
        const long long divisor = avg_divisor(h0, w0, height, width, kernel_h, kernel_w, pad_h,
                                              pad_w, count_include_pad, divisor_override);
        y[index] = narrow<T>(sum / acc_t<T>(divisor));
    }
}

// gx at (h, w): the sum of gy / divisor over the outputs whose windows hold (h, w).
template <typename T>
__global__ void avg_pool2d_backward(const T* __restrict__ gy, T* __restrict__ gx, long long height,
                                    long long width, long long kernel_h, long long kernel_w,
                                    long long stride_h, long long stride_w, long long pad_h,
                                    long long pad_w, long long out_h, long long out_w,
                                    bool count_include_pad, long long divisor_override,
                                    long long n) {
    GRID_STRIDE_LOOP(index, n) {
        const long long w = index % width;
        const long long h = (index / width) % height;
        const T* g = gy + index / (width * height) * out_h * out_w;
        const long long oh1 = end_output(h, pad_h, stride_h, out_h);
        const long long ow0 = first_output(w, pad_w, kernel_w, stride_w);
        const long long ow1 = end_output(w, pad_w, stride_w, out_w);
        acc_t<T> sum = 0;
        for (long long oh = first_output(h, pad_h, kernel_h, stride_h); oh < oh1; ++oh) {
            for (long long ow = ow0; ow < ow1; ++ow) {
                const long long divisor = avg_divisor(
                    oh * stride_h - pad_h, ow * stride_w - pad_w, height, width, kernel_h,
                    kernel_w, pad_h, pad_w, count_include_pad, divisor_override);
                sum += widen(g[oh * out_w + ow]) / acc_t<T>(divisor);
            }
        }
        gx[index] = narrow<T>(sum);
    }
}
