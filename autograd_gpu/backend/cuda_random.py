"""A GPU's random number generator: CuPy's cuRAND-backed RandomState, created on first use on its
device (so seeding creates no CUDA context). Same distributions as torch, not torch's CUDA
numbers: torch's Philox offsets depend on its launch configuration, which is not reproduced."""
import numpy

import cupy

from .random_engine import RandomEngine, representable_bounds

_FLOAT16 = numpy.dtype(numpy.float16)


class CupyEngine(RandomEngine):
    xp = cupy

    def __init__(self, index, seed):
        self.index = index
        self.manual_seed(seed)

    def manual_seed(self, seed):
        self._seed = seed
        self._state = None

    @property
    def initial_seed(self):
        return self._seed

    def _rng(self):
        if self._state is None:
            with cupy.cuda.Device(self.index):
                # cuRAND takes a seed below 2^64; CuPy's RandomState wants it as a signed value
                self._state = cupy.random.RandomState(self._seed % (1 << 63))
        return self._state

    def uniform(self, shape, dtype, low=0.0, high=1.0):
        dtype = numpy.dtype(dtype)
        drawn = numpy.float32 if dtype == _FLOAT16 else dtype
        with cupy.cuda.Device(self.index):
            x = self._rng().random_sample(shape, dtype=drawn)
            if (low, high) != (0.0, 1.0):
                x = x * (high - low) + low
            if dtype != _FLOAT16:
                return x.astype(dtype, copy=False)
            # values just below ``high`` round up to it in float16: keep the interval open
            x = x.astype(_FLOAT16)
            top = numpy.nextafter(_FLOAT16.type(high), _FLOAT16.type(low))
            return cupy.minimum(x, top, out=x) if high > low else x

    def normal(self, shape, dtype, mean=0.0, std=1.0):
        with cupy.cuda.Device(self.index):
            sample = self._rng().standard_normal(shape, dtype=numpy.float32
                                                 if numpy.dtype(dtype) == _FLOAT16 else dtype)
            return (sample * std + mean).astype(dtype, copy=False)

    def integers(self, low, high, shape, dtype):
        # CuPy draws int64: a span past int64's range is cut at its top
        low, high = representable_bounds(low, high, numpy.dtype(dtype))
        with cupy.cuda.Device(self.index):
            return self._rng().randint(low, min(high, (1 << 63) - 1), size=shape,
                                       dtype=numpy.int64).astype(dtype, copy=False)

    def bernoulli(self, p, shape):
        """float32 draws for a number p (dropout's noise on every training step), float64 for
        an array."""
        drawn = numpy.float64 if isinstance(p, cupy.ndarray) else numpy.float32
        return self.uniform(shape, drawn) < p

    def exponential(self, shape, dtype, lambd):
        with cupy.cuda.Device(self.index):
            return super().exponential(shape, dtype, lambd)

    def randperm(self, n):
        with cupy.cuda.Device(self.index):
            return super().randperm(n)

    def multinomial_with_replacement(self, probs, num_samples):
        with cupy.cuda.Device(self.index):
            return super().multinomial_with_replacement(probs, num_samples)
