"""What a device's random number generator offers the ops: the distributions torch samples, each
returning a new array of the backend. A device implements ``uniform``, ``normal`` and
``integers``; the rest is built on them here, through the backend's array module. The cpu engine
(``cpu_random.Mt19937Engine``) replaces every method with torch's own CPU algorithm."""
import numpy



def random_default_modulus(dtype):
    """One past the largest value ``random_()`` draws for a numpy dtype."""
    if dtype == numpy.bool_:
        return 2
    if dtype.kind == "f":
        return (1 << (numpy.finfo(dtype).nmant + 1)) + 1
    return int(numpy.iinfo(dtype).max) + 1


def representable_bounds(low, high, dtype):
    """torch's update_from/update_to for a float dtype: a bound whose neighbour inside [low, high)
    rounds past it in the dtype moves inwards by the dtype's spacing there."""
    if dtype.kind != "f":
        return low, high
    digits = numpy.finfo(dtype).nmant + 1
    if int(dtype.type(low + 1)) < low:
        low = int(dtype.type(low + 1)) + (1 << (abs(low + 1).bit_length() - 1 - digits + 1))
    if int(dtype.type(high - 1)) >= high:
        high = int(dtype.type(high - 1)) - (1 << (abs(high - 1).bit_length() - 1 - digits + 1))
    return low, high


class RandomEngine:
    xp = None  # the array module, set by each device's engine

    def manual_seed(self, seed):
        """``seed`` is an int in [0, 2^64)."""
        raise NotImplementedError

    @property
    def initial_seed(self):
        raise NotImplementedError

    def uniform(self, shape, dtype, low=0.0, high=1.0):
        """U[low, high) in ``dtype`` (a numpy dtype, floating)."""
        raise NotImplementedError

    def normal(self, shape, dtype, mean=0.0, std=1.0):
        raise NotImplementedError

    def integers(self, low, high, shape, dtype):
        """Integers in [low, high) (``high - low`` at most 2^64), cast to ``dtype``."""
        raise NotImplementedError

    def random_default(self, shape, dtype):
        """torch's ``random_()``: integers in [0, 2^mantissa digits] for floats, [0, max] for
        integer dtypes, {0, 1} for bool."""
        return self.integers(0, random_default_modulus(numpy.dtype(dtype)), shape, dtype)

    def bernoulli(self, p, shape):
        """A bool array: True with probability ``p`` (a number, or an array of ``shape``)."""
        return self.uniform(shape, self.xp.float64) < p

    def exponential(self, shape, dtype, lambd):
        u = self.uniform(shape, self.xp.float64)
        return (self.xp.log1p(-u) * (-1.0 / lambd)).astype(dtype)

    def randperm(self, n):
        """A permutation of 0..n-1 (int64): the order of n uniform draws."""
        return self.xp.argsort(self.uniform((n,), self.xp.float64), kind="stable")

    def multinomial_with_replacement(self, probs, num_samples):
        """``num_samples`` category indices per row of ``probs`` (rows, k): each draw inverts the
        row's cumulative distribution."""
        xp = self.xp
        rows, k = probs.shape
        cdf = xp.cumsum(probs.astype(xp.float64), axis=1)
        cdf = cdf / cdf[:, -1:]
        u = self.uniform((rows, num_samples), xp.float64)
        offsets = xp.arange(rows, dtype=xp.float64)[:, None]
        flat = xp.searchsorted((cdf + offsets).reshape(-1), (u + offsets).reshape(-1),
                               side="right").reshape(rows, num_samples)
        return xp.minimum(flat - xp.arange(rows)[:, None] * k, k - 1).astype(xp.int64)

    def get_state(self):
        """The generator's state as bytes (``Generator.get_state``)."""
        raise NotImplementedError(f"get_state is not supported by the {type(self).__name__}")

    def set_state(self, state):
        raise NotImplementedError(f"set_state is not supported by the {type(self).__name__}")
