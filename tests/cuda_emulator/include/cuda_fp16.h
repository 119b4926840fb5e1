// The CUDA emulator's stand-in for <cuda_fp16.h>: __half as IEEE binary16 bits.
//
// Found before any real CUDA header (it is first on the emulator's include path). Conversions
// round to nearest even as the GPU's (__double2half rounds once, from the double); arithmetic and
// comparisons go through float, which is exact for one binary16 operation. The class surface
// mirrors CUDA's: implicit conversion from the arithmetic types and to float, operators on
// (__half, __half), so that an expression ambiguous for nvcc/NVRTC (`h * 2.0f`) is ambiguous here.
#pragma once

#include <math.h>
#include <stdint.h>

struct __half_raw {
    unsigned short x;
};

namespace emu {
inline unsigned short double_to_half_bits(double value) {
    uint64_t bits;
    __builtin_memcpy(&bits, &value, sizeof bits);
    const unsigned short sign = static_cast<unsigned short>((bits >> 48) & 0x8000u);
    const uint64_t magnitude = bits & 0x7FFFFFFFFFFFFFFFull;
    if (magnitude > 0x7FF0000000000000ull) return 0x7FFF;  // NaN: the GPU's canonical NaN
    if (magnitude == 0x7FF0000000000000ull) return sign | 0x7C00u;
    const int exponent = static_cast<int>(magnitude >> 52) - 1023;
    if (exponent < -25) return sign;  // below half the smallest subnormal (2^-24): rounds to 0
    if (exponent > 15) return sign | 0x7C00u;
    const uint64_t mantissa = (magnitude & 0xFFFFFFFFFFFFFull) | (1ull << 52);
    // Keep 11 significant bits for a normal result, or units of 2^-24 for a subnormal one.
    const bool normal = exponent >= -14;
    const int dropped = normal ? 42 : 28 - exponent;  // 43..53 for subnormals
    uint64_t kept = mantissa >> dropped;
    const uint64_t rest = mantissa & ((1ull << dropped) - 1);
    const uint64_t halfway = 1ull << (dropped - 1);
    if (rest > halfway || (rest == halfway && (kept & 1))) ++kept;
    if (!normal) return sign | static_cast<unsigned short>(kept);  // 0x400: the smallest normal
    // kept includes the implicit bit (0x400); a carry to 0x800 bumps the exponent, up to infinity.
    const uint64_t result = (static_cast<uint64_t>(exponent + 14) << 10) + kept;
    return sign | static_cast<unsigned short>(result >= 0x7C00u ? 0x7C00u : result);
}

inline float half_bits_to_float(unsigned short h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1Fu, mantissa = h & 0x3FFu;
    uint32_t bits;
    if (exponent == 0x1F) {
        bits = sign | 0x7F800000u | (mantissa << 13);
    } else if (exponent == 0) {
        const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;  // exact
        return sign ? -magnitude : magnitude;
    } else {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);  // rebias 15 -> 127
    }
    float out;
    __builtin_memcpy(&out, &bits, sizeof out);
    return out;
}
}  // namespace emu

struct __half {
    unsigned short __x;

    __half() = default;
    constexpr __half(const __half_raw& raw) : __x(raw.x) {}
    __half(double v) : __x(emu::double_to_half_bits(v)) {}
    __half(float v) : __x(emu::double_to_half_bits(v)) {}  // float -> double is exact
    __half(int v) : __half(static_cast<double>(v)) {}
    __half(unsigned int v) : __half(static_cast<double>(v)) {}
    __half(long v) : __half(static_cast<double>(v)) {}
    __half(unsigned long v) : __half(static_cast<double>(v)) {}
    __half(long long v) : __half(static_cast<double>(v)) {}
    __half(unsigned long long v) : __half(static_cast<double>(v)) {}
    __half(short v) : __half(static_cast<double>(v)) {}
    __half(unsigned short v) : __half(static_cast<double>(v)) {}

    operator float() const { return emu::half_bits_to_float(__x); }
    constexpr operator __half_raw() const { return __half_raw{__x}; }
};

// ---- conversions --------------------------------------------------------------------------------
inline float __half2float(__half h) { return emu::half_bits_to_float(h.__x); }
inline __half __float2half(float v) { return __half(v); }
inline __half __float2half_rn(float v) { return __half(v); }
inline __half __double2half(double v) { return __half(v); }
inline __half __int2half_rn(int v) { return __half(v); }
inline __half __uint2half_rn(unsigned int v) { return __half(v); }
inline __half __ll2half_rn(long long v) { return __half(v); }
inline __half __ull2half_rn(unsigned long long v) { return __half(v); }
inline __half __short2half_rn(short v) { return __half(v); }
inline int __half2int_rz(__half h) { return static_cast<int>(__half2float(h)); }
inline int __half2int_rn(__half h) { return static_cast<int>(nearbyintf(__half2float(h))); }
inline long long __half2ll_rz(__half h) { return static_cast<long long>(__half2float(h)); }
inline unsigned short __half_as_ushort(__half h) { return h.__x; }
inline short __half_as_short(__half h) { return static_cast<short>(h.__x); }
inline __half __ushort_as_half(unsigned short bits) { return __half_raw{bits}; }
inline __half __short_as_half(short bits) { return __half_raw{static_cast<unsigned short>(bits)}; }

#define CUDART_INF_FP16 __ushort_as_half((unsigned short)0x7C00U)
#define CUDART_NAN_FP16 __ushort_as_half((unsigned short)0x7FFFU)
#define CUDART_MAX_NORMAL_FP16 __ushort_as_half((unsigned short)0x7BFFU)
#define CUDART_ZERO_FP16 __ushort_as_half((unsigned short)0x0000U)
#define CUDART_ONE_FP16 __ushort_as_half((unsigned short)0x3C00U)

// ---- arithmetic and comparison, each one binary16 operation rounded once ------------------------
inline __half __hadd(__half a, __half b) { return __half(__half2float(a) + __half2float(b)); }
inline __half __hsub(__half a, __half b) { return __half(__half2float(a) - __half2float(b)); }
inline __half __hmul(__half a, __half b) { return __half(__half2float(a) * __half2float(b)); }
inline __half __hdiv(__half a, __half b) { return __half(__half2float(a) / __half2float(b)); }
inline __half __hfma(__half a, __half b, __half c) {
    return __half(fma(static_cast<double>(__half2float(a)), __half2float(b), __half2float(c)));
}
inline __half __hneg(__half a) { return __half_raw{static_cast<unsigned short>(a.__x ^ 0x8000u)}; }
inline __half __habs(__half a) { return __half_raw{static_cast<unsigned short>(a.__x & 0x7FFFu)}; }
inline bool __heq(__half a, __half b) { return __half2float(a) == __half2float(b); }
inline bool __hne(__half a, __half b) { return __half2float(a) != __half2float(b); }
inline bool __hlt(__half a, __half b) { return __half2float(a) < __half2float(b); }
inline bool __hle(__half a, __half b) { return __half2float(a) <= __half2float(b); }
inline bool __hgt(__half a, __half b) { return __half2float(a) > __half2float(b); }
inline bool __hge(__half a, __half b) { return __half2float(a) >= __half2float(b); }
inline bool __hisnan(__half a) { return (a.__x & 0x7FFFu) > 0x7C00u; }
inline int __hisinf(__half a) { return a.__x == 0x7C00u ? 1 : (a.__x == 0xFC00u ? -1 : 0); }
inline __half __hmax(__half a, __half b) { return __half(fmaxf(__half2float(a), __half2float(b))); }
inline __half __hmin(__half a, __half b) { return __half(fminf(__half2float(a), __half2float(b))); }
inline __half hsqrt(__half a) { return __half(sqrtf(__half2float(a))); }
inline __half hexp(__half a) { return __half(expf(__half2float(a))); }
inline __half hlog(__half a) { return __half(logf(__half2float(a))); }

inline __half operator+(const __half& a, const __half& b) { return __hadd(a, b); }
inline __half operator-(const __half& a, const __half& b) { return __hsub(a, b); }
inline __half operator*(const __half& a, const __half& b) { return __hmul(a, b); }
inline __half operator/(const __half& a, const __half& b) { return __hdiv(a, b); }
inline __half operator-(const __half& a) { return __hneg(a); }
inline __half operator+(const __half& a) { return a; }
inline __half& operator+=(__half& a, const __half& b) { return a = a + b; }
inline __half& operator-=(__half& a, const __half& b) { return a = a - b; }
inline __half& operator*=(__half& a, const __half& b) { return a = a * b; }
inline __half& operator/=(__half& a, const __half& b) { return a = a / b; }
inline bool operator==(const __half& a, const __half& b) { return __heq(a, b); }
inline bool operator!=(const __half& a, const __half& b) { return __hne(a, b); }
inline bool operator<(const __half& a, const __half& b) { return __hlt(a, b); }
inline bool operator<=(const __half& a, const __half& b) { return __hle(a, b); }
inline bool operator>(const __half& a, const __half& b) { return __hgt(a, b); }
inline bool operator>=(const __half& a, const __half& b) { return __hge(a, b); }
