"""The values of arange and linspace as torch's CPU kernels compute them, bit for bit, on the host.

torch computes each element in the tensor's type (a wider accumulation type for arange) with fused
multiply-adds, and arange's vectorised loop starts a new run of ``base + k * step`` at every
vector, so its values differ from numpy's in the last place, and a printed tensor can switch to
scientific notation (``linspace(-1, 1, 7)`` has -2.9802e-08 in the middle). The fused
multiply-adds are emulated exactly: error-free products and sums in float64, rounded once.

arange's vector layout is that of torch's x86 AVX2 kernels (32-byte vectors, two per step of the
loop, the tail element by element). torch splits more than 32768 elements across its threads, each
starting its own vectors; these are laid out as one thread does, so such long float ranges can
differ from a multi-threaded torch in the last place.
"""
import numpy

_VECTOR_BYTES = 32
_SPLITTER = 2.0 ** 27 + 1  # Veltkamp's split of a double into two 26-bit halves


def _two_sum(a, b):
    """a + b rounded, and the exact error of that rounding (Knuth's TwoSum)."""
    total = a + b
    b_part = total - a
    return total, (a - (total - b_part)) + (b - b_part)


def _split(a):
    scaled = _SPLITTER * a
    high = scaled - (scaled - a)
    return high, a - high


def _two_product(a, b):
    """a * b rounded, and the exact error of that rounding (Dekker's product)."""
    product = a * b
    a_high, a_low = _split(a)
    b_high, b_low = _split(b)
    return product, ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low


def _round_to_odd(rounded, error):
    """The float64 rounded to odd from ``rounded + error`` (rounded to nearest, exact error): where
    the sum is inexact and ``rounded`` even, its neighbour towards the error. Rounding that result
    again to nearest, in float64 or a narrower type, rounds the exact sum correctly."""
    even = (rounded.view(numpy.int64) & 1) == 0
    towards_error = numpy.nextafter(rounded, numpy.where(error > 0, numpy.inf, -numpy.inf))
    return numpy.where((error != 0) & even, towards_error, rounded)


def fused_multiply_add(a, b, c, dtype):
    """``a * b + c`` rounded once to ``dtype`` (float64, or float32 whose operands are float32:
    their product is exact in float64), as a C compiler's contracted FMA computes it."""
    a, b, c = (numpy.asarray(x, dtype=numpy.float64) for x in (a, b, c))
    if numpy.dtype(dtype) == numpy.float32:
        return _round_to_odd(*_two_sum(c, a * b)).astype(numpy.float32)
    product, product_error = _two_product(a, b)
    high, low = _two_sum(c, product)
    return high + _round_to_odd(*_two_sum(low, product_error))


def _half(x):
    """Rounded to float16 and widened back to float32: one c10::Half operation's result."""
    return numpy.asarray(x, dtype=numpy.float32).astype(numpy.float16).astype(numpy.float32)


def _linspace_half(start, end, steps, index, from_end):
    """float16 linspace: every operation rounds to float16 (c10::Half computes in float32)."""
    step = _half(_half(end - start) / _half(steps - 1))
    return numpy.where(index < steps // 2,
                       _half(start + _half(step * _half(index))),
                       _half(end - _half(step * _half(from_end)))).astype(numpy.float16)


def linspace(start, end, steps, dtype):
    """torch.linspace's values: start and end in ``dtype`` (integers truncate), the step in the
    dtype (float64 for integers), the first half counted up from start and the rest down from end.
    """
    dtype = numpy.dtype(dtype)
    first, last = numpy.asarray([start, end]).astype(dtype)
    if steps <= 1:
        return numpy.full(steps, first, dtype=dtype)
    index = numpy.arange(steps)
    from_end = steps - 1 - index
    if dtype == numpy.float16:
        return _linspace_half(numpy.float32(first), numpy.float32(last), steps, index, from_end)
    work = numpy.float32 if dtype == numpy.float32 else numpy.float64
    first, last = work(first), work(last)
    step = work(work(last - first) / work(steps - 1))
    values = numpy.where(index < steps // 2,
                         fused_multiply_add(step, index, first, work),
                         fused_multiply_add(-step, from_end, last, work))
    return values.astype(dtype)


def arange_accumulation_type(dtype):
    """The type torch's arange computes in: float32 for float16, float64 for floats, int64 for
    integers (so a float start or step of an integer arange is truncated first)."""
    dtype = numpy.dtype(dtype)
    if dtype.kind != "f":
        return numpy.dtype(numpy.int64)
    return numpy.dtype(numpy.float32 if dtype == numpy.float16 else numpy.float64)


def arange(start, step, size, dtype):
    """torch.arange's ``size`` values from ``start`` by ``step``, both already in
    ``arange_accumulation_type(dtype)``."""
    dtype = numpy.dtype(dtype)
    index = numpy.arange(size)
    accumulation = arange_accumulation_type(dtype)
    if accumulation.kind == "i":
        return (start + step * index).astype(dtype)
    values = fused_multiply_add(step, index, start, accumulation).astype(dtype)
    vector = _VECTOR_BYTES // dtype.itemsize
    vectorised = size - size % (2 * vector)
    offset = index[:vectorised] % vector
    base = values[index[:vectorised] - offset]  # each vector's first value
    values[:vectorised] = fused_multiply_add(offset, step, base.astype(accumulation),
                                             accumulation).astype(dtype)
    return values
