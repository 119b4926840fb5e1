// Block-wide reductions through a static __shared__ array, for the kernels that reduce a row or a
// channel with one block (softmax.cu, batchnorm.cu). No warp intrinsics and no dynamic shared
// memory (see common.cuh), so that the CPU emulator runs them as a GPU does.
#pragma once
#include "common.cuh"

// The block size of every kernel that calls these (autograd_gpu/backend/softmax_norm_args.py's
// BLOCK launches them with it); each caller declares its buffers with this many elements.
#define REDUCE_BLOCK 256

// max that propagates NaN from either side, as numpy's maximum does.
template <typename A>
__device__ __forceinline__ A max_nan(A a, A b) { return (a > b || a != a) ? a : b; }

struct SumOp {
    template <typename A> __device__ __forceinline__ A operator()(A a, A b) const { return a + b; }
};
struct MaxOp {
    template <typename A> __device__ __forceinline__ A operator()(A a, A b) const {
        return max_nan(a, b);
    }
};

// Reduces each thread's `v` over the block and hands the result to every thread. `buf` is a
// __shared__ array of at least blockDim.x elements. Works for any blockDim.x (not only powers of
// two): each step folds the upper part of the active range onto the lower part. The barrier on
// entry lets a caller reuse `buf` straight after a previous reduction's threads read its result.
template <typename A, typename Op>
__device__ A block_reduce(A v, A* buf, Op op) {
    const int tid = threadIdx.x;
    __syncthreads();
    buf[tid] = v;
    __syncthreads();
    for (int active = blockDim.x; active > 1;) {
        const int half = (active + 1) / 2;
        if (tid < active - half) buf[tid] = op(buf[tid], buf[tid + half]);
        __syncthreads();
        active = half;
    }
    return buf[0];
}

template <typename A> __device__ A block_sum(A v, A* buf) { return block_reduce(v, buf, SumOp()); }
template <typename A> __device__ A block_max(A v, A* buf) { return block_reduce(v, buf, MaxOp()); }
