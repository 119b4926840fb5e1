"""Tensor's in-place random fills, as torch's: ``uniform_``, ``normal_`` and ``bernoulli_`` draw
from the device's generator (or ``generator=``); where the tensor takes part in autograd the fill
is recorded as a node whose gradient to the old values is zero (UniformBackward0...), and a leaf
that requires grad refuses it, as every in-place op does (``_inplace_unary``)."""
import numbers

from .autograd.function import Op
from .creation import rand, randn
from .tensor import Tensor, op_note
from ._tensor_methods import _LEGACY_NAMES, _inplace_unary, _zeros_for


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


def _fill(t, fill_class, sample, op):
    return _inplace_unary(t, lambda a: fill_class.apply(a, sample), op)


def _require_floating(t, kernel, op):
    if not t.dtype.is_floating_point:
        raise op_note(NotImplementedError(f"\"{kernel}\" not implemented for "
                                          f"'{_LEGACY_NAMES[t.dtype.name]}'"), op, t)


def uniform_(self, from_=0.0, to=1.0, *, generator=None):
    """Fills the tensor with values drawn from U(from_, to)."""
    _require_floating(self, "check_uniform_bounds", "uniform_")
    if from_ > to:
        raise op_note(RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                                   f"from={from_:g} > to={to:g}"), "uniform_", self)
    sample = rand(tuple(self.shape), dtype=self.dtype, device=self.device, generator=generator)
    return _fill(self, _UniformFill, sample * (to - from_) + from_, "uniform_")


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fills the tensor with values drawn from N(mean, std^2)."""
    if std < 0:
        raise op_note(RuntimeError(f"normal expects std >= 0.0, but found std {std:g}"),
                      "normal_", self)
    _require_floating(self, "normal_kernel_cpu", "normal_")
    sample = randn(tuple(self.shape), dtype=self.dtype, device=self.device, generator=generator)
    return _fill(self, _NormalFill, sample * std + mean, "normal_")


def bernoulli_(self, p=0.5, *, generator=None):
    """Fills the tensor with 1 where a U(0, 1) draw falls below ``p`` and 0 elsewhere, in the
    tensor's dtype (a number ``p``)."""
    if isinstance(p, Tensor) or not isinstance(p, numbers.Real):
        raise op_note(TypeError(f"bernoulli_(): argument 'p' must be a float, not "
                                f"{type(p).__name__}"), "bernoulli_", self)
    if not 0 <= p <= 1:
        raise op_note(RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}"),
                      "bernoulli_", self)
    draw = rand(tuple(self.shape), device=self.device, generator=generator)
    return _fill(self, _BernoulliFill, draw < p, "bernoulli_")


Tensor.uniform_ = uniform_
Tensor.normal_ = normal_
Tensor.bernoulli_ = bernoulli_
