// Convolution as im2col + GEMM (cuBLAS, through CuPy) and the adjoint of im2col, col2im. NCHW.
//
// The columns are a (C*kh*kw, N*Ho*Wo) matrix: row (c, i, j) is kernel offset (i, j) of input
// channel c, channel-major, so that a weight (O, C/groups, kh, kw) multiplies it as it is stored;
// column (n, ho, wo) is one output position. Its entry is
//     x[n, c, ho*stride_h - pad_top + i*dilation_h, wo*stride_w - pad_left + j*dilation_w]
// and 0 where that falls in the padding (the bottom and right padding only show in out_h, out_w).
// Both kernels take the same scalars, built by conv_pool_args.conv_kernel_args; see common.cuh
// for the conventions of every kernel file.
#include "common.cuh"

// One thread per column entry (n = C*kh*kw * N*Ho*Wo): consecutive threads write consecutive
// positions and read along an input row.
template <typename T>
__global__ void im2col(const T* __restrict__ x, T* __restrict__ cols, long long batch,
                       long long channels, long long height, long long width, long long kernel_h,
                       long long kernel_w, long long stride_h, long long stride_w, long long pad_top,
                       long long pad_left, long long dilation_h, long long dilation_w,
                       long long out_h, long long out_w, long long n) {
    GRID_STRIDE_LOOP(index, n) {
        long long rest = index;
        const long long ow = rest % out_w;
        rest /= out_w;
        const long long oh = rest % out_h;
        rest /= out_h;
        const long long b = rest % batch;
        rest /= batch;
        const long long j = rest % kernel_w;
        rest /= kernel_w;
        const long long i = rest % kernel_h;
        const long long c = rest / kernel_h;
        const long long h = oh * stride_h - pad_top + i * dilation_h;
        const long long w = ow * stride_w - pad_left + j * dilation_w;
        const bool inside = h >= 0 && h < height && w >= 0 && w < width;
        cols[index] = inside ? x[((b * channels + c) * height + h) * width + w]
                             : narrow<T>(acc_t<T>(0));
    }
}

// The adjoint of im2col as a gather: one thread per input element (n = N*C*H*W) sums the column
// entries copied from it, in (i, j) order. No atomics, so any dtype and the same sum every run.
// Entry (i, j) of output (oh, ow) reads (h, w) when h + pad_top - i*dilation_h = oh*stride_h
// (and likewise for w) with 0 <= oh < out_h.
template <typename T>
__global__ void col2im(const T* __restrict__ cols, T* __restrict__ x, long long batch,
                       long long channels, long long height, long long width, long long kernel_h,
                       long long kernel_w, long long stride_h, long long stride_w, long long pad_top,
                       long long pad_left, long long dilation_h, long long dilation_w,
                       long long out_h, long long out_w, long long n) {
    const long long positions = batch * out_h * out_w;
    GRID_STRIDE_LOOP(index, n) {
        long long rest = index;
        const long long w = rest % width;
        rest /= width;
        const long long h = rest % height;
        rest /= height;
        const long long c = rest % channels;
        const long long b = rest / channels;
        acc_t<T> sum = 0;
        for (long long i = 0; i < kernel_h; ++i) {
            const long long row = h + pad_top - i * dilation_h;
            if (row < 0) break;  // row only decreases with i
            if (row % stride_h != 0 || row / stride_h >= out_h) continue;
            const long long oh = row / stride_h;
            for (long long j = 0; j < kernel_w; ++j) {
                const long long col = w + pad_left - j * dilation_w;
                if (col < 0) break;
                if (col % stride_w != 0 || col / stride_w >= out_w) continue;
                const long long ow = col / stride_w;
                const long long r = (c * kernel_h + i) * kernel_w + j;
                sum += widen(cols[r * positions + (b * out_h + oh) * out_w + ow]);
            }
        }
        x[index] = narrow<T>(sum);
    }
}
