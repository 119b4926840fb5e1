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

// Both kernels give a block one plane-row of work: blockIdx.x strides over the column rows
// r = (c, i, j) (im2col) or the channels c (col2im), blockIdx.y over groups of `images` images,
// and the threads of the blockIdx.z blocks over the images' planes, flattened: u -> (image, row,
// column) with two 32-bit divisions (gridDim.z > 1 splits the planes where rows and images alone
// give too few blocks, as for a 3-channel input). Consecutive threads touch consecutive columns, so loads and stores
// coalesce. Several images share a block where planes are small (7x7), so that no block idles.
// Offsets within a plane are 32-bit (the launcher checks H*W and Ho*Wo fit); a plane's base
// offset is 64-bit. Measured on an H100 against the earlier layouts (one thread per element
// split with six 64-bit divisions; a 3-D grid over (plane rows, r, images)): 0.33 ms instead of
// 0.96 and 0.79 for a 56x56 layer of ResNet-18 at batch 64, 0.08 instead of 0.13 and 0.21 at 7x7.

// cols[r, b, oh, ow] = x[b, c, oh*stride_h - pad_top + i*dilation_h, ...] or 0 in the padding.
template <typename T>
__global__ void im2col(const T* __restrict__ x, T* __restrict__ cols, long long batch,
                       long long channels, long long height, long long width, long long kernel_h,
                       long long kernel_w, long long stride_h, long long stride_w, long long pad_top,
                       long long pad_left, long long dilation_h, long long dilation_w,
                       long long out_h, long long out_w, long long images) {
    const int h_in = (int)height, w_in = (int)width, wo = (int)out_w, kw = (int)kernel_w;
    const int kh = (int)kernel_h, plane = (int)(out_h * out_w), in_plane = h_in * w_in;
    const long long rows = channels * kernel_h * kernel_w;
    const long long groups = (batch + images - 1) / images;
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const int j = (int)(r % kw), i = (int)((r / kw) % kh);
        const long long c = r / (kw * kh);
        const int h0 = i * (int)dilation_h - (int)pad_top, w0 = j * (int)dilation_w - (int)pad_left;
        for (long long g = blockIdx.y; g < groups; g += gridDim.y) {
            const long long b0 = g * images;
            const int span = (int)((batch - b0 < images ? batch - b0 : images) * plane);
            T* dst = cols + (r * batch + b0) * plane;  // the group's images are contiguous here
            for (int u = blockIdx.z * blockDim.x + threadIdx.x; u < span;
                 u += gridDim.z * blockDim.x) {
                const int image = u / plane, q = u - image * plane;
                const int oh = q / wo, ow = q - oh * wo;
                const int h = oh * (int)stride_h + h0, w = ow * (int)stride_w + w0;
                const T* src = x + ((b0 + image) * channels + c) * in_plane;
                dst[u] = h >= 0 && h < h_in && w >= 0 && w < w_in ? src[h * w_in + w]
                                                                  : narrow<T>(acc_t<T>(0));
            }
        }
    }
}

// The adjoint of im2col as a gather: each input element x[b, c, h, w] sums the column entries
// copied from it, in (i, j) order. No atomics, so any dtype and the same sum every run. Entry
// (i, j) of output (oh, ow) reads (h, w) when h + pad_top - i*dilation_h = oh*stride_h (and
// likewise for w) with 0 <= oh < out_h; a stride of 1 needs no division. Blocks as im2col's, over
// channels instead of rows.
template <typename T>
__global__ void col2im(const T* __restrict__ cols, T* __restrict__ x, long long batch,
                       long long channels, long long height, long long width, long long kernel_h,
                       long long kernel_w, long long stride_h, long long stride_w, long long pad_top,
                       long long pad_left, long long dilation_h, long long dilation_w,
                       long long out_h, long long out_w, long long images) {
    const int w_in = (int)width, ho = (int)out_h, wo = (int)out_w, kh = (int)kernel_h;
    const int kw = (int)kernel_w, sh = (int)stride_h, sw = (int)stride_w;
    const int in_plane = (int)(height * width), plane = ho * wo;
    const long long groups = (batch + images - 1) / images;
    for (long long c = blockIdx.x; c < channels; c += gridDim.x) {
        for (long long g = blockIdx.y; g < groups; g += gridDim.y) {
            const long long b0 = g * images;
            const int span = (int)((batch - b0 < images ? batch - b0 : images) * in_plane);
            for (int u = blockIdx.z * blockDim.x + threadIdx.x; u < span;
                 u += gridDim.z * blockDim.x) {
                const int image = u / in_plane, p = u - image * in_plane;
                const int h = p / w_in, w = p - h * w_in;
                const long long b = b0 + image;
                acc_t<T> sum = 0;
                for (int i = 0; i < kh; ++i) {
                    const int row = h + (int)pad_top - i * (int)dilation_h;
                    if (row < 0) break;  // row only decreases with i
                    const int oh = sh == 1 ? row : row / sh;
                    if (oh >= ho || oh * sh != row) continue;
                    for (int j = 0; j < kw; ++j) {
                        const int col = w + (int)pad_left - j * (int)dilation_w;
                        if (col < 0) break;
                        const int ow = sw == 1 ? col : col / sw;
                        if (ow >= wo || ow * sw != col) continue;
                        const long long r = (c * kh + i) * kw + j;
                        sum += widen(cols[(r * batch + b) * plane + oh * wo + ow]);
                    }
                }
                x[(b * channels + c) * in_plane + p] = narrow<T>(sum);
            }
        }
    }
}
