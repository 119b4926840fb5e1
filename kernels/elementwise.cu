// Fused elementwise kernels: each forward and each backward is one pass over memory.
//
// Arrays are contiguous and of the same length; the last parameter is that length `n`
// (the loader's `launch` relies on it). See common.cuh for the conventions of every kernel file.
#include "common.cuh"

// ---- relu: y = max(x, 0) (NaN propagates); gx = gy where y > 0 ------------------------------
template <typename T>
__global__ void relu_forward(const T* __restrict__ x, T* __restrict__ y, long long n) {
    GRID_STRIDE_LOOP(i, n) {
        const acc_t<T> v = widen(x[i]);
        y[i] = narrow<T>(v < 0 ? acc_t<T>(0) : v);
    }
}

// relu_ (nn.ReLU(inplace=True)): x = max(x, 0) where x is, with no second array.
template <typename T>
__global__ void relu_inplace(T* __restrict__ x, long long n) {
    GRID_STRIDE_LOOP(i, n) {
        if (widen(x[i]) < 0) x[i] = narrow<T>(acc_t<T>(0));
    }
}

template <typename T>
__global__ void relu_backward(const T* __restrict__ y, const T* __restrict__ gy,
                              T* __restrict__ gx, long long n) {
    GRID_STRIDE_LOOP(i, n) {
        gx[i] = narrow<T>(widen(y[i]) > 0 ? widen(gy[i]) : acc_t<T>(0));
    }
}

// ---- sigmoid: torch's 1 / (1 + e^-x), rounded as torch's kernel rounds it (e^-x overflowing to
// inf gives 0, as it should); gx = gy * y * (1 - y). An earlier version split by sign to keep
// exp from overflowing: a branch and a second formula that ran at 78% of the copy bandwidth.
template <typename T>
__global__ void sigmoid_forward(const T* __restrict__ x, T* __restrict__ y, long long n) {
    GRID_STRIDE_LOOP(i, n) { y[i] = narrow<T>(1 / (1 + exp_(-widen(x[i])))); }
}

template <typename T>
__global__ void sigmoid_backward(const T* __restrict__ y, const T* __restrict__ gy,
                                 T* __restrict__ gx, long long n) {
    GRID_STRIDE_LOOP(i, n) {
        const acc_t<T> s = widen(y[i]);
        gx[i] = narrow<T>(widen(gy[i]) * s * (1 - s));
    }
}

// ---- tanh: gx = gy * (1 - y^2) ----------------------------------------------------------------
template <typename T>
__global__ void tanh_forward(const T* __restrict__ x, T* __restrict__ y, long long n) {
    GRID_STRIDE_LOOP(i, n) { y[i] = narrow<T>(tanh_(widen(x[i]))); }
}

template <typename T>
__global__ void tanh_backward(const T* __restrict__ y, const T* __restrict__ gy,
                              T* __restrict__ gx, long long n) {
    GRID_STRIDE_LOOP(i, n) {
        const acc_t<T> t = widen(y[i]);
        gx[i] = narrow<T>(widen(gy[i]) * (1 - t * t));
    }
}

// ---- exp and log (their backwards, gy * y and gy / x, are single CuPy ops already) ------------
template <typename T>
__global__ void exp_forward(const T* __restrict__ x, T* __restrict__ y, long long n) {
    GRID_STRIDE_LOOP(i, n) { y[i] = narrow<T>(exp_(widen(x[i]))); }
}

template <typename T>
__global__ void log_forward(const T* __restrict__ x, T* __restrict__ y, long long n) {
    GRID_STRIDE_LOOP(i, n) { y[i] = narrow<T>(log_(widen(x[i]))); }
}

// ---- pow by a scalar exponent p: gx = gy * p * x^(p-1), and 0 when p == 0 (never NaN) --------
template <typename T>
__global__ void pow_scalar_forward(const T* __restrict__ x, T* __restrict__ y, double exponent,
                                   long long n) {
    const acc_t<T> p = exponent;
    GRID_STRIDE_LOOP(i, n) { y[i] = narrow<T>(pow_(widen(x[i]), p)); }
}

template <typename T>
__global__ void pow_scalar_backward(const T* __restrict__ x, const T* __restrict__ gy,
                                    T* __restrict__ gx, double exponent, long long n) {
    const acc_t<T> p = exponent;
    GRID_STRIDE_LOOP(i, n) {
        gx[i] = narrow<T>(p == 0 ? acc_t<T>(0) : widen(gy[i]) * p * pow_(widen(x[i]), p - 1));
    }
}

// ---- abs: gx = gy * sign(x), sign(0) = 0 and sign(NaN) = NaN as numpy's ----------------------
template <typename T>
__global__ void abs_forward(const T* __restrict__ x, T* __restrict__ y, long long n) {
    GRID_STRIDE_LOOP(i, n) {
        const acc_t<T> v = widen(x[i]);
        y[i] = narrow<T>(v < 0 ? -v : v);
    }
}

template <typename T>
__global__ void abs_backward(const T* __restrict__ x, const T* __restrict__ gy,
                             T* __restrict__ gx, long long n) {
    GRID_STRIDE_LOOP(i, n) {
        const acc_t<T> v = widen(x[i]);
        const acc_t<T> sign = v > 0 ? acc_t<T>(1) : (v < 0 ? acc_t<T>(-1) : v);  // 0 or NaN
        gx[i] = narrow<T>(widen(gy[i]) * sign);
    }
}

// ---- clamp to [lo, hi], each bound used only when its flag is set ----------------------------
// The caller rounds the bounds to T first, so that x is compared with the bound as T holds it.
// Forward: max with lo first, then min with hi (so lo > hi gives hi, as torch); NaN propagates.
// Backward: gy passes where lo <= x <= hi, bounds included, as torch.
template <typename T>
__global__ void clamp_forward(const T* __restrict__ x, T* __restrict__ y, double lower,
                              double upper, bool has_lo, bool has_hi, long long n) {
    const acc_t<T> lo = lower, hi = upper;
    GRID_STRIDE_LOOP(i, n) {
        acc_t<T> v = widen(x[i]);
        if (has_lo && v < lo) v = lo;
        if (has_hi && v > hi) v = hi;
        y[i] = narrow<T>(v);
    }
}

template <typename T>
__global__ void clamp_backward(const T* __restrict__ x, const T* __restrict__ gy,
                               T* __restrict__ gx, double lower, double upper, bool has_lo,
                               bool has_hi, long long n) {
    const acc_t<T> lo = lower, hi = upper;
    GRID_STRIDE_LOOP(i, n) {
        const acc_t<T> v = widen(x[i]);
        const bool inside = (!has_lo || v >= lo) && (!has_hi || v <= hi);
        gx[i] = narrow<T>(inside ? widen(gy[i]) : acc_t<T>(0));
    }
}

// ---- where: out = cond ? a : b, cond a bool array (one byte per element) ----------------------
// (its backward is where itself with a zero operand)
template <typename T>
__global__ void where_forward(const unsigned char* __restrict__ cond, const T* __restrict__ a,
                              const T* __restrict__ b, T* __restrict__ out, long long n) {
    GRID_STRIDE_LOOP(i, n) { out[i] = cond[i] ? a[i] : b[i]; }
}
