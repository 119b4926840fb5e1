// Shared by every kernels/*.cu (included as "common.cuh"; the loader passes -I<kernels dir>).
//
// Conventions the loader (autograd_gpu/backend/kernels.py) relies on:
//   - every kernel is `template <typename T> __global__ void name(...)`, instantiated for
//     T = __half, float and double and fetched by name expression, e.g. `relu_forward<float>`;
//   - scalar parameters are `double`, `long long` and `bool`: the C++ types CuPy passes for a
//     Python float, int and bool; a kernel converts a double to its compute type acc_t<T> once;
//   - shared memory is declared with a static size (no `extern __shared__`), and there are no
//     warp intrinsics, so that the CPU emulator in tests/cuda_emulator can run every kernel.
// __half is a storage type only: values are widened to float on load and rounded back on store.
#pragma once
#include <cuda_fp16.h>

template <typename T> struct Compute { using type = T; };
template <> struct Compute<__half> { using type = float; };
template <typename T> using acc_t = typename Compute<T>::type;

__device__ __forceinline__ float widen(__half v) { return __half2float(v); }
__device__ __forceinline__ float widen(float v) { return v; }
__device__ __forceinline__ double widen(double v) { return v; }

template <typename T> __device__ __forceinline__ T narrow(acc_t<T> v) { return v; }
template <> __device__ __forceinline__ __half narrow<__half>(float v) { return __float2half(v); }

// Single precision math for float (and __half), double precision for double.
__device__ __forceinline__ float exp_(float v) { return expf(v); }
__device__ __forceinline__ double exp_(double v) { return exp(v); }
__device__ __forceinline__ float log_(float v) { return logf(v); }
__device__ __forceinline__ double log_(double v) { return log(v); }
__device__ __forceinline__ float tanh_(float v) { return tanhf(v); }
__device__ __forceinline__ double tanh_(double v) { return tanh(v); }
__device__ __forceinline__ float pow_(float v, float p) { return powf(v, p); }
__device__ __forceinline__ double pow_(double v, double p) { return pow(v, p); }
// A quiet NaN of the compute type (the argument only picks the overload).
__device__ __forceinline__ float nan_(float) { return nanf(""); }
__device__ __forceinline__ double nan_(double) { return nan(""); }

// 64-bit grid-stride loop: correct for any n and any grid size.
#define GRID_STRIDE_LOOP(i, n)                                                  \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
         i += (long long)gridDim.x * blockDim.x)
