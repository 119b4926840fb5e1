"""torch's CPU random number generator in numpy: the same mt19937 stream (numpy's MT19937 with
the legacy integer seeding is the same engine, seeded the same way) and the same transforms from
raw draws to values as ATen's CPU kernels (DistributionsHelper.h, TransformationHelper.h,
cpu/DistributionTemplates.h, randperm, multinomial). After ``manual_seed(s)`` the cpu draws of
rand, randn, randint, randperm, random_, uniform_, normal_, bernoulli, exponential_, multinomial,
dropout, the nn.init fills and the DataLoader's shuffling are torch's numbers.

Bit for bit, with these exceptions, all within rounding: normals from 16 elements on (torch
computes that Box-Muller step for float32 with AVX2 approximations of log, sin and cos, and for
float64 with the C library's; here with numpy's functions in the same precision: within 2 ulp for
float32, where most values agree exactly, and 1 ulp for float64); float16 normals (drawn as float32 normals, then
rounded, not torch's numbers); and ``uniform_(a, b)`` in float64, whose fused multiply-add is
emulated to within a rare last-bit double rounding."""
import math
import struct

import numpy

from .random_engine import RandomEngine, random_default_modulus, representable_bounds

_STATE_N = 624
_MASK24 = numpy.uint64((1 << 24) - 1)
_MASK53 = numpy.uint64((1 << 53) - 1)
_TWO_PI = 2.0 * math.pi
# CPUGeneratorImplState: the initial seed, mt19937's left/seeded/next and its 624 words (widened
# to 64 bits), the cached double normal (legacy normal_x, normal_y, normal_rho, normal_is_valid),
# the cached float normal and its flag; 5056 bytes as torch lays them out on x86-64.
_STATE_LAYOUT = struct.Struct(f"<QiiQ{_STATE_N}QdddixxxxfBxxx")


def _fma(x, y, z):
    """x * y + z rounded once (float64 arrays): the product's error recovered exactly (Dekker's
    split) and added back, as the fused multiply-add torch's compiled kernels use."""
    product = x * y
    split = 134217729.0  # 2^27 + 1
    xs = split * x
    x_hi = xs - (xs - x)
    ys = split * y
    y_hi = ys - (ys - y)
    x_lo, y_lo = x - x_hi, y - y_hi
    error = ((x_hi * y_hi - product) + x_hi * y_lo + x_lo * y_hi) + x_lo * y_lo
    total = product + z
    back = total - product
    rounding = (product - (total - back)) + (z - back)
    return total + (rounding + error)


class Mt19937Engine(RandomEngine):
    xp = numpy

    def __init__(self, seed):
        self.manual_seed(seed)

    def manual_seed(self, seed):
        self._seed = seed  # the full 64 bits are the initial seed; mt19937 takes the low 32
        self._bits = numpy.random.MT19937()
        self._bits.state = numpy.random.RandomState(seed & 0xFFFFFFFF).get_state(legacy=False)
        self._next_double_normal = None
        self._next_float_normal = None

    @property
    def initial_seed(self):
        return self._seed

    # -- raw draws ---------------------------------------------------------------------------
    def _random32(self, n):
        """n draws of torch's ``random()``: 32-bit words (as uint64)."""
        return self._bits.random_raw(n)

    def _random64(self, n):
        """n draws of torch's ``random64()``: two words each, the first the high half."""
        words = self._bits.random_raw(2 * n)
        return (words[0::2] << numpy.uint64(32)) | words[1::2]

    def _unit_doubles(self, n):
        """U[0, 1) doubles from 53 bits of random64 (uniform_real_distribution<double>)."""
        return (self._random64(n) & _MASK53).astype(numpy.float64) * 2.0 ** -53

    def _unit_floats(self, n):
        """U[0, 1) floats from 24 bits of random (uniform_real_distribution<float>), as float64."""
        return (self._random32(n) & _MASK24).astype(numpy.float64) * 2.0 ** -24

    # -- distributions -----------------------------------------------------------------------
    def uniform(self, shape, dtype, low=0.0, high=1.0):
        dtype = numpy.dtype(dtype)
        n = math.prod(shape)
        if dtype == numpy.float64:
            values = _fma(self._unit_doubles(n), numpy.float64(high - low), numpy.float64(low))
        else:  # float32, and float16 drawn as float32 and rounded, as torch does
            low32, high32 = numpy.float32(low), numpy.float32(high)
            span = numpy.float64(high32 - low32)
            values = (self._unit_floats(n) * span + numpy.float64(low32)).astype(numpy.float32)
            if dtype == numpy.float16:
                # a value that rounds up to ``high`` in float16 becomes ``low``, as torch's
                values = values.astype(dtype)
                values[values == dtype.type(high)] = dtype.type(low)
        return values.astype(dtype, copy=False).reshape(shape)

    def normal(self, shape, dtype, mean=0.0, std=1.0):
        """torch's normal_kernel: from 16 elements on, uniforms for all elements then Box-Muller
        on each block of 16 (the first 8 give the radius, the next 8 the angle), the last 16
        elements redrawn when the size is not a multiple of 16; below 16, one double normal
        at a time, each second value kept for the next draw."""
        dtype = numpy.dtype(dtype)
        n = math.prod(shape)
        if n < 16:
            values = numpy.array([self._normal_double() for _ in range(n)])
            return (values * std + mean).astype(dtype).reshape(shape)
        single = dtype != numpy.float64
        unit = self._unit_floats if single else self._unit_doubles
        values = unit(n)
        full = n - n % 16
        values[:full] = self._box_muller_blocks(values[:full], single, mean, std)
        if n % 16:
            values[n - 16:] = self._box_muller_blocks(unit(16), single, mean, std)
        return values.astype(dtype).reshape(shape)

    @staticmethod
    def _box_muller_blocks(u, single, mean, std):
        blocks = u.reshape(-1, 16)
        if single:  # in float32, as torch's AVX2 code (its log/sin/cos within 2 ulp of numpy's)
            f32 = numpy.float32
            blocks = blocks.astype(f32)
            radius = numpy.sqrt(f32(-2.0) * numpy.log(f32(1.0) - blocks[:, :8]))
            theta = f32(_TWO_PI) * blocks[:, 8:]
            out = numpy.concatenate([radius * numpy.cos(theta), radius * numpy.sin(theta)],
                                    axis=1).reshape(-1)
            if (mean, std) == (0.0, 1.0):
                return out
            # torch's fused multiply-add: exact in float64, rounded once
            return (out.astype(numpy.float64) * float(f32(std)) + float(f32(mean))).astype(f32)
        u1, u2 = 1.0 - blocks[:, :8], blocks[:, 8:]
        radius = numpy.sqrt(-2.0 * numpy.log(u1))
        theta = _TWO_PI * u2
        return numpy.concatenate([radius * numpy.cos(theta) * std + mean,
                                  radius * numpy.sin(theta) * std + mean], axis=1).reshape(-1)

    def _normal_double(self):
        """One N(0, 1) double (normal_distribution<double>), using the cached second value of
        the last Box-Muller pair when there is one."""
        if self._next_double_normal is not None:
            value, self._next_double_normal = self._next_double_normal, None
            return value
        u1, u2 = self._unit_doubles(2)
        radius = math.sqrt(-2.0 * math.log1p(-u2))
        theta = _TWO_PI * u1
        self._next_double_normal = radius * math.sin(theta)
        return radius * math.cos(theta)

    def integers(self, low, high, shape, dtype):
        """torch's random_from_to: ``random() % span + low``, from random64 where the span
        reaches 2^32 for 64-bit and float dtypes; the span 2^64 is the raw random64."""
        dtype = numpy.dtype(dtype)
        n = math.prod(shape)
        low, high = representable_bounds(low, high, dtype)
        span = high - low
        wide = span >= 1 << 32 and dtype in (numpy.int64, numpy.float64, numpy.float32)
        words = self._random64(n) if wide else self._random32(n)
        if span == 1 << 64:
            values = words.view(numpy.int64)
        else:
            values = ((words % numpy.uint64(span)) + numpy.uint64(low % (1 << 64))).view(
                numpy.int64)
        return values.astype(dtype).reshape(shape)

    def random_default(self, shape, dtype):
        """torch's ``random_()``: [0, 2^mantissa digits] for floats, [0, max] for integers,
        from random64 for int64 and float64, else from random."""
        dtype = numpy.dtype(dtype)
        n = math.prod(shape)
        words = self._random64(n) if dtype in (numpy.int64, numpy.float64) else self._random32(n)
        return (words % numpy.uint64(random_default_modulus(dtype))).astype(dtype).reshape(shape)

    def bernoulli(self, p, shape):
        """``u < p``: u a double from random64 for a number p or a float64 array, a float from
        random for a float32 array (torch's bernoulli_distribution of p's type)."""
        n = math.prod(shape)
        if isinstance(p, numpy.ndarray) and p.dtype != numpy.float64:
            return self._unit_floats(n).reshape(shape) < p.astype(numpy.float64)
        return self._unit_doubles(n).reshape(shape) < p

    def exponential(self, shape, dtype, lambd):
        """-log1p(-u) / lambd in double, with the C library's log1p as torch's (numpy's own
        differs from it in the last bit now and then)."""
        u = self._unit_doubles(math.prod(shape))
        logs = numpy.fromiter(map(math.log1p, (-u).tolist()), numpy.float64, u.size)
        return ((-1.0 / lambd) * logs).astype(dtype).reshape(shape)

    def randperm(self, n):
        """torch's randperm_cpu: Fisher-Yates, swapping i with i + random() % (n - i)."""
        if n < 2:
            return numpy.arange(n, dtype=numpy.int64)
        small = n < 0xFFFFFFFF // 20
        draws = self._random32(n - 1) if small else self._random64(n - 1)
        offsets = (draws % numpy.arange(n, 1, -1, dtype=numpy.uint64)).tolist()
        perm = list(range(n))
        for i, offset in enumerate(offsets):
            j = i + offset
            perm[i], perm[j] = perm[j], perm[i]
        return numpy.array(perm, dtype=numpy.int64)

    def multinomial_with_replacement(self, probs, num_samples):
        """torch's CPU kernel, row by row: the cumulative sum in the input's precision (float for
        float16), divided by the total, its last entry set to 1, and for each sample a double
        u and the first entry >= u."""
        accumulate = numpy.float32 if probs.dtype == numpy.float16 else probs.dtype
        out = numpy.empty((probs.shape[0], num_samples), dtype=numpy.int64)
        for row, p in enumerate(probs.astype(accumulate)):
            cdf = numpy.cumsum(p, dtype=accumulate)
            cdf = cdf / cdf[-1]
            cdf[-1] = 1
            u = self._unit_doubles(num_samples)
            out[row] = numpy.searchsorted(cdf.astype(numpy.float64), u, side="left")
        return out

    # -- state -------------------------------------------------------------------------------
    def get_state(self):
        """torch's CPUGeneratorImplState bytes, so states move between torch and here."""
        state = self._bits.state["state"]
        position = int(state["pos"])
        left, next_word = _STATE_N + 1 - position, position % _STATE_N
        double_cached = self._next_double_normal is not None
        float_cached = self._next_float_normal is not None
        return _STATE_LAYOUT.pack(
            self._seed, left, 1, next_word, *state["key"].tolist(), 0.0,
            self._next_double_normal if double_cached else 0.0, 0.0, int(double_cached),
            self._next_float_normal if float_cached else 0.0, int(float_cached))

    def set_state(self, state):
        if len(state) != _STATE_LAYOUT.size:
            raise RuntimeError(f"Expected a "
                               f"CPUGeneratorImplState of size {_STATE_LAYOUT.size} but found the "
                               f"input RNG state size to be {len(state)}")
        fields = _STATE_LAYOUT.unpack(bytes(state))
        seed, left, seeded, next_word = fields[:4]
        if not (seeded and 0 < left <= _STATE_N and next_word % (1 << 32) <= _STATE_N):
            raise RuntimeError("Invalid mt19937 state")  # torch's mt19937::is_valid, checked first
        key = numpy.array(fields[4:4 + _STATE_N], dtype=numpy.uint32)
        _, normal_y, _, double_cached, float_value, float_cached = fields[4 + _STATE_N:]
        self._seed = seed
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": key, "pos": _STATE_N + 1 - left}}
        self._next_double_normal = normal_y if double_cached else None
        self._next_float_normal = float_value if float_cached else None
