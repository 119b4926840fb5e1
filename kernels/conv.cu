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

// Both kernels tile an (N, *, H, W) layout the same way, so that no thread divides per element:
// blockIdx.y strides over the column rows r = (c, i, j) (im2col) or the channels c (col2im),
// threadIdx.z + blockIdx.z * blockDim.z over the images, and the block's (x, y) threads over a
// plane: its rows from blockIdx.x * blockDim.y + threadIdx.y in steps of gridDim.x * blockDim.y,
// its columns from threadIdx.x in steps of blockDim.x. Consecutive threads touch consecutive
// columns of one row, so loads and stores coalesce; every index is a loop counter or a block
// constant (an earlier version split a flat index with six divisions per element and ran at a
// twentieth of the memory bandwidth).

// cols[r, b, oh, ow] = x[b, c, oh*stride_h - pad_top + i*dilation_h, ...] or 0 in the padding.
template <typename T>
__global__ void im2col(const T* __restrict__ x, T* __restrict__ cols, long long batch,
                       long long channels, long long height, long long width, long long kernel_h,
                       long long kernel_w, long long stride_h, long long stride_w, long long pad_top,
                       long long pad_left, long long dilation_h, long long dilation_w,
                       long long out_h, long long out_w) {
    const long long rows = channels * kernel_h * kernel_w;
    const long long plane = out_h * out_w;
    for (long long r = blockIdx.y; r < rows; r += gridDim.y) {
        const long long j = r % kernel_w;
        const long long i = (r / kernel_w) % kernel_h;
        const long long c = r / (kernel_w * kernel_h);
        const long long h0 = i * dilation_h - pad_top, w0 = j * dilation_w - pad_left;
        for (long long b = (long long)blockIdx.z * blockDim.z + threadIdx.z; b < batch;
             b += (long long)gridDim.z * blockDim.z) {
            const T* src = x + (b * channels + c) * height * width;
            T* dst = cols + (r * batch + b) * plane;
            for (long long oh = (long long)blockIdx.x * blockDim.y + threadIdx.y; oh < out_h;
                 oh += (long long)gridDim.x * blockDim.y) {
                const long long h = oh * stride_h + h0;
                const bool row_inside = h >= 0 && h < height;
                for (long long ow = threadIdx.x; ow < out_w; ow += blockDim.x) {
                    const long long w = ow * stride_w + w0;
                    dst[oh * out_w + ow] = row_inside && w >= 0 && w < width
                                               ? src[h * width + w]
                                               : narrow<T>(acc_t<T>(0));
                }
            }
        }
    }
}

// The adjoint of im2col as a gather: each input element x[b, c, h, w] sums the column entries
// copied from it, in (i, j) order. No atomics, so any dtype and the same sum every run. Entry
// (i, j) of output (oh, ow) reads (h, w) when h + pad_top - i*dilation_h = oh*stride_h (and
// likewise for w) with 0 <= oh < out_h; a stride of 1 needs no division.
template <typename T>
__global__ void col2im(const T* __restrict__ cols, T* __restrict__ x, long long batch,
                       long long channels, long long height, long long width, long long kernel_h,
                       long long kernel_w, long long stride_h, long long stride_w, long long pad_top,
                       long long pad_left, long long dilation_h, long long dilation_w,
                       long long out_h, long long out_w) {
    const long long plane = out_h * out_w;
    for (long long c = blockIdx.y; c < channels; c += gridDim.y) {
        for (long long b = (long long)blockIdx.z * blockDim.z + threadIdx.z; b < batch;
             b += (long long)gridDim.z * blockDim.z) {
            T* dst = x + (b * channels + c) * height * width;
            for (long long h = (long long)blockIdx.x * blockDim.y + threadIdx.y; h < height;
                 h += (long long)gridDim.x * blockDim.y) {
                for (long long w = threadIdx.x; w < width; w += blockDim.x) {
                    acc_t<T> sum = 0;
                    for (long long i = 0; i < kernel_h; ++i) {
                        const long long row = h + pad_top - i * dilation_h;
                        if (row < 0) break;  // row only decreases with i
                        const long long oh = stride_h == 1 ? row : row / stride_h;
                        if (oh >= out_h || oh * stride_h != row) continue;
                        for (long long j = 0; j < kernel_w; ++j) {
                            const long long col = w + pad_left - j * dilation_w;
                            if (col < 0) break;
                            const long long ow = stride_w == 1 ? col : col / stride_w;
                            if (ow >= out_w || ow * stride_w != col) continue;
                            const long long r = (c * kernel_h + i) * kernel_w + j;
                            sum += widen(cols[(r * batch + b) * plane + oh * out_w + ow]);
                        }
                    }
                    dst[h * width + w] = narrow<T>(sum);
                }
            }
        }
    }
}
