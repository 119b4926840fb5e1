"""Tensor's in-place random fills, as torch's: ``uniform_``, ``normal_``, ``bernoulli_``,
``random_`` and ``exponential_`` draw from the device's generator (or ``generator=``); where the tensor takes part in autograd the fill
is recorded as a node whose gradient to the old values is zero (UniformBackward0...), and a leaf
that requires grad refuses it, as every in-place op does (``_inplace_unary``)."""
import numbers
import warnings

from .autograd.function import Op
from .backend.float_errors import silenced
from .random import engine_for
from .tensor import Tensor, check_number, op_note
from ._tensor_methods import _inplace_unary, _zeros_for


class _Fill(Op):
    """The tensor's values replaced by ``sample`` (of its shape and device), cast to its dtype."""

    def forward(ctx, x, sample):
        return sample._data.astype(x._data.dtype, copy=False)

    def backward(ctx, gy):
        return _zeros_for(gy), None


class _UniformFill(_Fill):
    node_name = "UniformBackward0"


class _NormalFill(_Fill):
    node_name = "NormalBackward0"


class _BernoulliFill(_Fill):
    node_name = "BernoulliBackward2"


class _RandomFill(_Fill):
    """``random_(from, to)``; torch names the node by the overload: RandomBackward0 for (from,
    to), RandomBackward1 for (to), RandomBackward2 for ()."""
    node_name = "RandomBackward0"


class _RandomToFill(_Fill):
    node_name = "RandomBackward1"


class _RandomDefaultFill(_Fill):
    node_name = "RandomBackward2"


class _ExponentialFill(_Fill):
    node_name = "ExponentialBackward0"


def _fill(t, fill_class, draw, op):
    """Writes ``draw()`` into ``t``: drawn only once the write is allowed, so that a refused
    write leaves the generator as it was."""
    return _inplace_unary(t, lambda a: fill_class.apply(a, Tensor._make(draw(), t._backend)), op)


def _engine(t, generator):
    return engine_for(generator, t._backend.device)


def _require_floating(t, kernel, op):
    if not t.dtype.is_floating_point:
        raise op_note(NotImplementedError(f"\"{kernel}\" not implemented for "
                                          f"'{t.dtype.scalar_name}'"), op, t)


def uniform_(self, from_=0.0, to=1.0, *, generator=None):
    """Fills the tensor with values drawn from U(from_, to)."""
    check_number(from_, "uniform_", "from", 1)
    check_number(to, "uniform_", "to", 2)
    _require_floating(self, "check_uniform_bounds", "uniform_")
    low, high = _value_bounds(self._backend.xp, self.dtype)
    for name, value in (("from", from_), ("to", to)):
        if not low <= value <= high:
            raise op_note(RuntimeError(f"{name} is out of bounds for {self.dtype.cpp_name}"),
                          "uniform_", self)
    if from_ > to:
        raise op_note(RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                                   f"from={from_:g} > to={to:g}"), "uniform_", self)
    engine = _engine(self, generator)
    return _fill(self, _UniformFill,
                 lambda: engine.uniform(self._data.shape, self.dtype.np, from_, to), "uniform_")


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fills the tensor with values drawn from N(mean, std^2)."""
    check_number(mean, "normal_", "mean", 1)
    check_number(std, "normal_", "std", 2)
    if not std >= 0:
        raise op_note(RuntimeError(f"normal expects std >= 0.0, but found std {std:g}"),
                      "normal_", self)
    _require_floating(self, "normal_kernel_cpu", "normal_")
    engine = _engine(self, generator)
    return _fill(self, _NormalFill,
                 lambda: engine.normal(self._data.shape, self.dtype.np, mean, std), "normal_")


def bernoulli_(self, p=0.5, *, generator=None):
    """Fills the tensor with 1 where a U(0, 1) draw falls below ``p`` and 0 elsewhere, in the
    tensor's dtype (a number ``p``)."""
    if isinstance(p, Tensor) or not isinstance(p, numbers.Real):
        raise op_note(TypeError(f"bernoulli_(): argument 'p' must be a float, not "
                                f"{type(p).__name__}"), "bernoulli_", self)
    if not 0 <= p <= 1:
        raise op_note(RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}"),
                      "bernoulli_", self)
    engine = _engine(self, generator)
    return _fill(self, _BernoulliFill, lambda: engine.bernoulli(float(p), self._data.shape),
                 "bernoulli_")


_NO_ARG = object()


def _mantissa_digits(xp, dt):
    """A float dtype's significand bits (11, 24, 53): every integer up to 2^digits is exact."""
    return xp.finfo(dt.np).nmant + 1


def _largest_drawn(xp, dt):
    """The largest value ``random_(from, None)`` draws for ``dt``: 2^mantissa digits for floats
    (every integer up to it is exact), the largest value for integers, 1 for bool."""
    if dt.is_floating_point:
        return 2 ** _mantissa_digits(xp, dt)
    if dt.name == "bool":
        return 1
    return int(xp.iinfo(dt.np).max)


def _value_bounds(xp, dt):
    """The values ``dt`` holds (floats: its finite range)."""
    if dt.is_floating_point:
        big = float(xp.finfo(dt.np).max)
        return -big, big
    if dt.name == "bool":
        return 0, 1
    info = xp.iinfo(dt.np)
    return int(info.min), int(info.max)


def _random_int_arg(value, position, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"random_(): argument '{name}' (position {position}) must be int, not "
                        f"{type(value).__name__}")
    return int(value)


def random_(self, from_=_NO_ARG, to=_NO_ARG, *, generator=None):
    """Fills the tensor with integers drawn uniformly from [from, to - 1]: ``random_(to)`` from
    [0, to - 1], ``random_(from, None)`` from ``from`` up to the dtype's largest value (2^mantissa
    for floats), ``random_()`` from [0, that value]."""
    if from_ is _NO_ARG and to is _NO_ARG:
        fill_class, low, high = _RandomDefaultFill, None, None
    elif to is _NO_ARG:
        fill_class, low, high = _RandomToFill, 0, _random_int_arg(from_, 1, "to")
    else:
        fill_class = _RandomFill
        low = _random_int_arg(0 if from_ is _NO_ARG else from_, 1, "from")
        high = None if to is None else _random_int_arg(to, 2, "to")
    dt = self.dtype
    xp = self._backend.xp
    c10 = dt.cpp_name
    engine = _engine(self, generator)
    if fill_class is _RandomDefaultFill:
        return _fill(self, fill_class, lambda: engine.random_default(self._data.shape, dt.np),
                     "random_")
    if high is not None and low >= high:
        raise op_note(RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                                   f"from={low} >= to={high}"), "random_", self)
    lo, hi = _value_bounds(xp, dt)
    if not lo <= low <= hi:
        raise op_note(RuntimeError(f"from is out of bounds for {c10}"), "random_", self)
    top = _largest_drawn(xp, dt) if high is None else high - 1
    if high is not None and not lo <= top <= hi:
        raise op_note(RuntimeError(f"to - 1 is out of bounds for {c10}"), "random_", self)
    if dt.is_floating_point and high is not None:
        digits = _mantissa_digits(xp, dt)
        for value, what in ((low, "from"), (top, "to - 1")):
            if not -2 ** digits <= value <= 2 ** digits:
                warnings.warn(f"{what} is out of bounds [-(2^{digits}), 2^{digits}]. Due to "
                              f"precision limitations {c10} can support discrete uniform "
                              f"distribution only within this range. This warning will "
                              f"become an error in version 1.7 release, please fix the code "
                              f"in advance", UserWarning, stacklevel=2)
    return _fill(self, fill_class, lambda: engine.integers(low, top + 1, self._data.shape, dt.np),
                 "random_")


def exponential_(self, lambd=1.0, *, generator=None):
    """Fills the tensor with values drawn from the exponential distribution of rate ``lambd``."""
    check_number(lambd, "exponential_", "lambd", 1)
    if not lambd > 0:
        raise op_note(RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}"),
                      "exponential_", self)
    if not self.dtype.is_floating_point:
        raise op_note(RuntimeError(f"Exponential distribution is a continuous probability "
                                   f"distribution. dtype must be a floating point but you "
                                   f"specified {self.dtype.scalar_name}"),
                      "exponential_", self)
    engine = _engine(self, generator)
    return _fill(self, _ExponentialFill,
                 lambda: engine.exponential(self._data.shape, self.dtype.np, lambd),
                 "exponential_")


_BAD_PROBABILITIES = "probability tensor contains either `inf`, `nan` or element < 0"


@silenced
def multinomial(input, num_samples, replacement=False, *, generator=None):
    """``num_samples`` category indices per row of ``input`` (1-d or 2-d, floating, nonnegative,
    rows with a positive sum; they need not sum to 1), int64. With replacement each draw inverts
    the row's cumulative distribution; without (or for one sample), the ``num_samples`` largest
    of p_i / E_i (E_i exponential draws) are taken, which is sequential sampling without
    replacement. Both as torch's CPU kernels, so seeded cpu draws are torch's."""
    from .tensor import check_tensor  # noqa: PLC0415

    check_tensor(input, "multinomial")
    if isinstance(num_samples, bool) or not isinstance(num_samples, numbers.Integral):
        raise TypeError(f"multinomial(): argument 'num_samples' (position 2) must be int, not "
                        f"{type(num_samples).__name__}")
    num_samples = int(num_samples)
    if not input.dtype.is_floating_point:
        raise op_note(RuntimeError(f"multinomial only supports floating-point dtypes for input, "
                                   f"got: {input.dtype.scalar_name}"), "multinomial", input)
    if input._data.ndim not in (1, 2):
        raise op_note(RuntimeError("prob_dist must be 1 or 2 dim"), "multinomial", input)
    if num_samples <= 0:
        raise op_note(RuntimeError("cannot sample n_sample <= 0 samples"), "multinomial", input)
    k = input._data.shape[-1]
    if not replacement and num_samples > k:
        raise op_note(RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                                   "replacement"), "multinomial", input)
    xp = input._backend.xp
    p = input._data.reshape(-1, k).astype(xp.float64)
    if not bool(xp.isfinite(p).all()) or bool((p < 0).any()):
        raise op_note(RuntimeError(_BAD_PROBABILITIES), "multinomial", input)
    if not bool((p.sum(axis=1) > 0).all()):
        raise op_note(RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)"),
                      "multinomial", input)
    engine = _engine(input, generator)
    if replacement and num_samples > 1:
        out = engine.multinomial_with_replacement(input._data.reshape(-1, k), num_samples)
    else:
        # torch's: the num_samples largest of p_i / E_i, E_i exponential draws in p's dtype
        # (a zero probability is never drawn before a positive one)
        keys = input._data.reshape(-1, k) / engine.exponential(p.shape, input._data.dtype, 1.0)
        out = xp.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    out = out.astype(xp.int64)
    return Tensor._make(out.reshape(num_samples) if input._data.ndim == 1 else out,
                        input._backend)


Tensor.uniform_ = uniform_
Tensor.normal_ = normal_
Tensor.bernoulli_ = bernoulli_
Tensor.random_ = random_
Tensor.exponential_ = exponential_
Tensor.multinomial = multinomial
