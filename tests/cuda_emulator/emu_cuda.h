// The CUDA language surface the kernels in kernels/*.cu use, for g++ on a CPU.
//
// Force-included (g++ -include) before a kernel source by tests/cuda_emulator. Kernels become
// ordinary functions; the launcher in emu_launch.h calls one once per (block, thread), setting
// blockIdx/threadIdx first. __shared__ variables are `static`: one copy that every thread of the
// running block sees (blocks run one after another, so one copy is enough). __syncthreads() is a
// switch back to the block scheduler of emu_launch.h, which resumes each thread of the block in
// turn until all of them reach the barrier or return.
//
// On purpose, some of CUDA is missing, so that kernels using it fail to compile here as the
// conventions of kernels/common.cuh forbid it: warp intrinsics (__shfl*, __syncwarp, __ballot*),
// dynamic shared memory (`extern __shared__` is a compile error), atomicAdd on __half.
#pragma once

#include <math.h>  // the C++ <math.h>: float and double overloads of exp, log... in global scope
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <type_traits>

// ---- keywords --------------------------------------------------------------------------------
#define __global__
#define __device__
#define __host__
#define __constant__
#define __forceinline__ inline
#define __noinline__ __attribute__((noinline))
#define __shared__ static
#define __align__(n) alignas(n)
#define __launch_bounds__(...)
// __restrict__ is a g++ keyword already.

// ---- built-in variables ------------------------------------------------------------------------
struct uint3 {
    unsigned int x, y, z;
};

struct dim3 {
    unsigned int x, y, z;
    constexpr dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1)
        : x(x_), y(y_), z(z_) {}
};

namespace emu {
// Written by the launcher only; kernels read them through the const references below.
inline uint3 thread_index, block_index;
inline dim3 block_dim, grid_dim;

void block_barrier();  // defined in emu_launch.h
}  // namespace emu

inline const uint3& threadIdx = emu::thread_index;
inline const uint3& blockIdx = emu::block_index;
inline const dim3& blockDim = emu::block_dim;
inline const dim3& gridDim = emu::grid_dim;
constexpr int warpSize = 32;

// ---- synchronization ---------------------------------------------------------------------------
inline void __syncthreads() { emu::block_barrier(); }
inline void __threadfence() {}  // one OS thread runs every emulated thread: nothing to order
inline void __threadfence_block() {}

// ---- atomics: return the old value, as CUDA's ---------------------------------------------------
// Plain read-modify-writes: the emulator runs every thread on one OS thread and switches threads
// only at __syncthreads(), so nothing can come between the read and the write.
#define EMU_ATOMIC(name, T, update)                                                           \
    inline T name(T* address, T value) {                                                      \
        const T old = *address;                                                               \
        *address = (update);                                                                  \
        return old;                                                                           \
    }
#define EMU_INTEGER_ATOMICS(T)                                                                \
    EMU_ATOMIC(atomicAdd, T, old + value)                                                     \
    EMU_ATOMIC(atomicSub, T, old - value)                                                     \
    EMU_ATOMIC(atomicMax, T, value > old ? value : old)                                       \
    EMU_ATOMIC(atomicMin, T, value < old ? value : old)                                       \
    EMU_ATOMIC(atomicExch, T, value)                                                          \
    inline T atomicCAS(T* address, T compare, T value) {                                      \
        const T old = *address;                                                               \
        if (old == compare) *address = value;                                                 \
        return old;                                                                           \
    }
EMU_INTEGER_ATOMICS(int)
EMU_INTEGER_ATOMICS(unsigned int)
EMU_INTEGER_ATOMICS(long long)
EMU_INTEGER_ATOMICS(unsigned long long)
EMU_ATOMIC(atomicAdd, float, old + value)
EMU_ATOMIC(atomicAdd, double, old + value)
EMU_ATOMIC(atomicExch, float, value)
#undef EMU_INTEGER_ATOMICS
#undef EMU_ATOMIC

// ---- loads and bit casts ------------------------------------------------------------------------
template <class T>
inline T __ldg(const T* address) { return *address; }

template <class To, class From>
inline To emu_bit_cast(From value) {
    static_assert(sizeof(To) == sizeof(From));
    To out;
    __builtin_memcpy(&out, &value, sizeof out);
    return out;
}
inline int __float_as_int(float v) { return emu_bit_cast<int>(v); }
inline unsigned int __float_as_uint(float v) { return emu_bit_cast<unsigned int>(v); }
inline float __int_as_float(int v) { return emu_bit_cast<float>(v); }
inline float __uint_as_float(unsigned int v) { return emu_bit_cast<float>(v); }
inline long long __double_as_longlong(double v) { return emu_bit_cast<long long>(v); }
inline double __longlong_as_double(long long v) { return emu_bit_cast<double>(v); }

inline int __popc(unsigned int v) { return __builtin_popcount(v); }
inline int __popcll(unsigned long long v) { return __builtin_popcountll(v); }
inline int __clz(int v) { return v == 0 ? 32 : __builtin_clz(static_cast<unsigned int>(v)); }
inline int __clzll(long long v) {
    return v == 0 ? 64 : __builtin_clzll(static_cast<unsigned long long>(v));
}
inline int __ffs(int v) { return __builtin_ffs(v); }
inline int __ffsll(long long v) { return __builtin_ffsll(v); }

// ---- device math that glibc lacks ---------------------------------------------------------------
// The fast intrinsics (__expf, ...) are computed exactly here: the emulator checks index math,
// not the last bits of the GPU's approximations.
inline float rsqrtf(float v) { return 1.0f / sqrtf(v); }
inline double rsqrt(double v) { return 1.0 / sqrt(v); }
inline float __expf(float v) { return expf(v); }
inline float __logf(float v) { return logf(v); }
inline float __log2f(float v) { return log2f(v); }
inline float __log10f(float v) { return log10f(v); }
inline float __powf(float v, float p) { return powf(v, p); }
inline float __sinf(float v) { return sinf(v); }
inline float __cosf(float v) { return cosf(v); }
inline float __tanf(float v) { return tanf(v); }
inline float __fdividef(float a, float b) { return a / b; }
inline float fdividef(float a, float b) { return a / b; }
inline float __frcp_rn(float v) { return 1.0f / v; }
inline float __fsqrt_rn(float v) { return sqrtf(v); }
inline float __saturatef(float v) { return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v); }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fmaf_rn(float a, float b, float c) { return fmaf(a, b, c); }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __fma_rn(double a, double b, double c) { return fma(a, b, c); }

// CUDA's min and max: overloads for every pair of arithmetic types, in their common type; for
// floating point they are fminf/fmaxf/fmin/fmax (a NaN operand yields the other one).
template <class A, class B>
    requires std::is_arithmetic_v<A> && std::is_arithmetic_v<B>
inline std::common_type_t<A, B> min(A a, B b) {
    using C = std::common_type_t<A, B>;
    if constexpr (std::is_floating_point_v<C>) return fmin(C(a), C(b));
    else return C(a) < C(b) ? C(a) : C(b);
}

template <class A, class B>
    requires std::is_arithmetic_v<A> && std::is_arithmetic_v<B>
inline std::common_type_t<A, B> max(A a, B b) {
    using C = std::common_type_t<A, B>;
    if constexpr (std::is_floating_point_v<C>) return fmax(C(a), C(b));
    else return C(a) > C(b) ? C(a) : C(b);
}
