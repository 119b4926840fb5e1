"""Elementwise ops: arithmetic, math, activations, comparisons, casts and device copies.

Each op's forward (on arrays) and backward (in differentiable Tensor ops) sit side by side; the
ops with a fused kernel on the GPU call the backend's named primitive, and their backward is itself
an op (``*Grad`` below) with its own backward, so higher-order gradients go through the same path.
Gradients are summed back over broadcast dimensions centrally (autograd/function.py), not here.
"""
import math
import numbers

from .. import dtypes
from ..autograd.function import Op
from ..backend import numpy_backend
from ..backend.float_errors import silenced
from ..tensor import Tensor, check_tensor, op_note

_np = numpy_backend.xp  # the numpy scalar types torch reads as Python numbers


# -- operands: Python scalars, promotion, devices ------------------------------------------------

def _result_dtype(a, b):
    """torch's result_type for two operands, at least one a Tensor; 0-d tensors promote only
    across categories (a float64 0-d tensor does not turn a float32 tensor into float64)."""
    if not isinstance(b, Tensor):
        return dtypes.scalar_result_dtype(a.dtype, b)
    if not isinstance(a, Tensor):
        return dtypes.scalar_result_dtype(b.dtype, a)
    da, db = a.dtype, b.dtype
    if da is db:
        return da
    a_dim, b_dim = a._data.ndim > 0, b._data.ndim > 0
    if a_dim != b_dim and da._kind == db._kind:
        return da if a_dim else db
    if a_dim != b_dim and (da._kind > db._kind) == a_dim:
        return da if a_dim else db
    return dtypes.promote_types(da, db)


def check_int_scalar(x, op):
    """torch's Python-int-to-Scalar conversion: int64 and uint64 values only, OverflowError
    with CPython's wording beyond them."""
    if type(x) is int and not -0x8000000000000000 <= x <= 0xFFFFFFFFFFFFFFFF:
        exc = OverflowError("int too big to convert" if x > 0 else
                            "can't convert negative int to unsigned")
        raise op_note(exc, op) if op else exc


def _operand(x, op):
    """``x`` as an operand: a Tensor or a Python number. Other number types become the Python
    number torch reads them as (numpy integers int, numpy floats float, numpy bools float);
    anything else is a TypeError naming the op."""
    kind = type(x)
    if kind is int:
        check_int_scalar(x, op)
        return x
    if kind is Tensor or kind is float or kind is bool or isinstance(x, Tensor):
        return x
    if isinstance(x, numbers.Integral):
        return int(x)
    if isinstance(x, numbers.Real) or isinstance(x, _np.bool_):
        return float(x)
    raise TypeError(f"{op}(): expected a Tensor or a Python number as operand, but got "
                    f"{kind.__name__}")


def _operands(a, b, op):
    """Both operands checked; two Python numbers make the first a 0-d tensor, as torch's
    add/sub/mul/div do. (A Tensor with a Tensor or a float, the hot path, calls nothing.)"""
    kind = type(b)
    if type(a) is Tensor and (kind is Tensor or kind is float):
        return a, b
    a, b = _operand(a, op), _operand(b, op)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = _scalar_tensor(a, numpy_backend)
    return a, b


def _scalar_tensor(x, backend):
    """A Python number as the 0-d tensor torch makes of it when no operand is a Tensor."""
    from ..creation import tensor  # noqa: PLC0415 - creation imports this module's Tensor

    return tensor(x, device=backend.device)


def _as_operand(x, dtype, backend, op=None, inplace=False):
    """The array (or Python scalar) to compute with, cast to the result dtype. ``op`` names the op
    in a device-mismatch error (torch names the aten op, except for in-place arithmetic)."""
    if isinstance(x, Tensor):
        if x._backend is not backend:
            if x._data.ndim == 0 and x._backend.device.type == "cpu":
                return backend.asarray(x._data.item(), dtype=dtype.np)  # a cpu scalar may mix
            exc = RuntimeError(
                f"Expected all tensors to be on the same device, but found at least two devices, "
                f"{backend.device} and {x.device}!"
                + (f" (when checking arguments for {op})" if op and not inplace else ""))
            raise op_note(exc, op, x) if op else exc
        a = x._data
        return a if a.dtype == dtype.np else a.astype(dtype.np)
    if dtype.is_floating_point:
        return float(x)
    return bool(x) if dtype is dtypes.bool_ else _wrapped(int(x), dtype)


def _wrapped(x, dtype):
    """An integer scalar as the integer dtype holds it: torch casts ``int8_tensor + 1000`` into
    int8 two's-complement style (-24), where numpy refuses an out-of-range Python int."""
    bits = 8 * dtype.itemsize
    low = -(1 << (bits - 1)) if dtype.is_signed else 0
    if low <= x < low + (1 << bits):
        return x
    return (x - low) % (1 << bits) + low


def _binary(op_cls, a, b, name, float_result=False):
    a, b = _operands(a, b, name)
    dt = _result_dtype(a, b)
    if float_result and not dt.is_floating_point:
        dt = dtypes.get_default_dtype()
    return op_cls.apply(a, b, dt)


def _result_dtype_of(*operands):
    """torch's result_type of any operands (None skipped): dimensioned tensors, 0-d tensors and
    Python numbers are promoted within each group, then the groups combine by category (a
    lower group only lifts bool to integer, or integer to floating)."""
    groups = [None, None, None]
    for x in operands:
        if x is None:
            continue
        if isinstance(x, Tensor):
            group, dt = (0 if x._data.ndim else 1), x.dtype
        else:
            group = 2
            dt = (dtypes.bool_ if isinstance(x, bool) else dtypes.int64 if isinstance(x, int)
                  else dtypes.get_default_dtype())
        groups[group] = dt if groups[group] is None else dtypes.promote_types(groups[group], dt)
    return _combine_categories(groups[0], _combine_categories(groups[1], groups[2]))


def _combine_categories(higher, lower):
    if higher is None:
        return lower
    if lower is None or higher.is_floating_point:
        return higher
    if higher is dtypes.bool_ or lower.is_floating_point:
        return dtypes.promote_types(higher, lower)
    return higher


def _backend2(a, b):
    if isinstance(a, Tensor):
        if isinstance(b, Tensor) and b._backend is not a._backend and a._data.ndim == 0 \
                and a._backend.device.type == "cpu":
            return b._backend
        return a._backend
    return b._backend


def _shape_error(op, a, b):
    return RuntimeError(
        f"{op}: the size of tensor a {tuple(_shape(a))} must match the size of tensor b "
        f"{tuple(_shape(b))} at a non-singleton dimension (shapes cannot be broadcast together)")


def _array(xp, out):
    """numpy hands back a scalar for a 0-d result; a Tensor always holds an array (in-place
    writes, views and ``_data.fill`` need one)."""
    return out if out.ndim else xp.asarray(out)


def _shape(x):
    return x._data.shape if isinstance(x, Tensor) else ()


class _BinaryOp(Op):
    """Forward of a broadcasting binary op: ``compute(xa, xb)`` on arrays or Python scalars."""

    fixed_positions = (0, 1)  # a Python-number operand still shows as (None, 0), as in torch

    def forward(ctx, a, b, dt):
        backend = _backend2(a, b)
        ctx._backend = backend
        xa, xb = _as_operand(a, dt, backend), _as_operand(b, dt, backend)
        try:
            out = ctx.compute(backend.xp, xa, xb)
        except ValueError:
            raise _shape_error(ctx._op_label(), a, b) from None
        return _array(backend.xp, out if out.dtype == dt.np else out.astype(dt.np))


class Add(_BinaryOp):
    """``a + alpha * b``: alpha scales b inside the one op, as torch's add (one AddBackward0)."""
    node_name = "AddBackward0"
    op_name = "add"

    def forward(ctx, a, b, dt, alpha=1):
        ctx.alpha = alpha
        return _BinaryOp.forward(ctx, a, b, dt)

    def compute(ctx, xp, a, b):
        return xp.add(a, _scaled(xp, b, ctx.alpha))

    def backward(ctx, gy):
        gb = None
        if ctx.needs_input_grad[1]:
            gb = gy if ctx.alpha == 1 else gy * ctx.alpha
        return gy, gb


class Sub(Add):
    node_name = "SubBackward0"
    op_name = "sub"

    def compute(ctx, xp, a, b):
        return xp.subtract(a, _scaled(xp, b, ctx.alpha))

    def backward(ctx, gy):
        gb = None
        if ctx.needs_input_grad[1]:
            gb = -gy if ctx.alpha == 1 else gy * -ctx.alpha
        return gy, gb


class RSub(Add):
    """``scalar - alpha * tensor``: torch records RsubBackward1 with the tensor as only input."""
    node_name = "RsubBackward1"
    op_name = "rsub"
    fixed_positions = None

    def compute(ctx, xp, a, b):
        return xp.subtract(b, _scaled(xp, a, ctx.alpha))

    def backward(ctx, gy):
        return -gy if ctx.alpha == 1 else gy * -ctx.alpha


def _scaled(xp, x, alpha):
    if alpha == 1:
        return x
    if isinstance(x, (int, float)):
        return x * alpha
    return xp.multiply(x, x.dtype.type(alpha))


class Mul(_BinaryOp):
    node_name = "MulBackward0"
    op_name = "mul"

    def forward(ctx, a, b, dt):
        need_a, need_b = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        ctx.save_for_backward(b if need_a and isinstance(b, Tensor) else None,
                              a if need_b and isinstance(a, Tensor) else None)
        ctx.scalars = (a if not isinstance(a, Tensor) else None, b if not isinstance(b, Tensor) else None)
        return _BinaryOp.forward(ctx, a, b, dt)

    def compute(ctx, xp, a, b):
        return xp.multiply(a, b)

    def backward(ctx, gy):
        b, a = ctx.saved_tensors
        sa, sb = ctx.scalars
        ga = gy * (b if b is not None else sb) if ctx.needs_input_grad[0] else None
        gb = gy * (a if a is not None else sa) if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(_BinaryOp):
    node_name = "DivBackward0"
    op_name = "div"

    def forward(ctx, a, b, dt):
        ctx.save_for_backward(a if isinstance(a, Tensor) and ctx.needs_input_grad[1] else None,
                              b if isinstance(b, Tensor) else None)
        ctx.scalars = (a if not isinstance(a, Tensor) else None, b if not isinstance(b, Tensor) else None)
        return _BinaryOp.forward(ctx, a, b, dt)

    def compute(ctx, xp, a, b):
        return xp.true_divide(a, b)

    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        sa, sb = ctx.scalars
        b = b if b is not None else sb
        ga = gy / b if ctx.needs_input_grad[0] else None
        gb = None
        if ctx.needs_input_grad[1]:
            a = a if a is not None else sa
            gb = -gy * a / (b * b)
        return ga, gb


class Maximum(_BinaryOp):
    node_name = "MaximumBackward0"
    op_name = "maximum"
    pick = staticmethod(lambda xp: xp.maximum)

    def forward(ctx, a, b, dt):
        ctx.save_for_backward(a, b)
        return _BinaryOp.forward(ctx, a, b, dt)

    def compute(ctx, xp, a, b):
        return ctx.pick(xp)(a, b)

    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        # ties split the gradient equally between both inputs, as torch does
        half = where(a == b, gy / 2, gy)
        a_wins = a > b if ctx.node_name == "MaximumBackward0" else a < b
        ga = where(a_wins | (a == b), half, 0.0) if ctx.needs_input_grad[0] else None
        gb = where(a_wins, 0.0, half) if ctx.needs_input_grad[1] else None
        return ga, gb


class Minimum(Maximum):
    node_name = "MinimumBackward0"
    op_name = "minimum"
    pick = staticmethod(lambda xp: xp.minimum)


class Atan2(_BinaryOp):
    """atan2(a, b), the angle of the point (b, a); d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2),
    both 0 at the origin (torch's values there)."""
    node_name = "Atan2Backward0"
    op_name = "atan2"

    def forward(ctx, a, b, dt):
        ctx.save_for_backward(a, b)
        return _BinaryOp.forward(ctx, a, b, dt)

    def compute(ctx, xp, a, b):
        return xp.arctan2(a, b)

    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        denom = a * a + b * b
        recip = where(denom == 0, 0.0, denom.reciprocal())
        ga = gy * b * recip if ctx.needs_input_grad[0] else None
        gb = gy * -a * recip if ctx.needs_input_grad[1] else None
        return ga, gb


class Hypot(_BinaryOp):
    """sqrt(a^2 + b^2) without overflow; d/da = a / out, d/db = b / out."""
    node_name = "HypotBackward0"
    op_name = "hypot"
    save_outputs = True

    def forward(ctx, a, b, dt):
        ctx.save_for_backward(a, b)
        return _BinaryOp.forward(ctx, a, b, dt)

    def compute(ctx, xp, a, b):
        return xp.hypot(a, b)

    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        (out,) = ctx.saved_outputs
        ga = gy * (a / out) if ctx.needs_input_grad[0] else None
        gb = gy * (b / out) if ctx.needs_input_grad[1] else None
        return ga, gb


class NanToNum(Op):
    """NaN, +inf and -inf replaced by the given numbers (by default 0 and the dtype's largest and
    smallest values); the gradient flows where the input is finite, as in torch."""
    node_name = "NanToNumBackward0"

    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        xp = x._backend.xp
        return _array(xp, xp.nan_to_num(x._data, copy=True, nan=nan, posinf=posinf,
                                        neginf=neginf))

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * isfinite(x)


class PowScalar(Op):
    """``x ** p`` for a Python number p."""
    node_name = "PowBackward0"
    op_name = "pow"

    def forward(ctx, x, p):
        ctx.save_for_backward(x)
        ctx.p = p
        return _array(x._backend.xp, x._backend.pow_scalar(x._data, p))

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return PowScalarGrad.apply(x, gy, ctx.p)


class PowScalarGrad(Op):
    """gx = gy * p * x^(p-1), one fused kernel on the GPU."""
    node_name = "PowBackwardBackward0"

    def forward(ctx, x, gy, p):
        ctx.save_for_backward(x, gy)
        ctx.p = p
        return _array(x._backend.xp, x._backend.pow_scalar_backward(x._data, gy._data, p))

    def backward(ctx, g):
        x, gy = ctx.saved_tensors
        p = ctx.p
        # d/dx (gy p x^(p-1)) = gy p (p-1) x^(p-2) = PowScalarGrad(x, gy, p - 1) * p
        gx = None
        if ctx.needs_input_grad[0] and p != 1 and p != 0:
            gx = PowScalarGrad.apply(x, g * gy, p - 1) * p
        ggy = PowScalarGrad.apply(x, g, p) if ctx.needs_input_grad[1] else None
        return gx, ggy


class Pow(_BinaryOp):
    """``a ** b`` for two Tensors; ``x ** p`` is PowScalar, ``p ** x`` is RPow."""
    node_name = "PowBackward1"
    op_name = "pow"

    def forward(ctx, a, b, dt):
        ctx.save_for_backward(a, b)
        return _BinaryOp.forward(ctx, a, b, dt)

    def compute(ctx, xp, a, b):
        if a.dtype.kind in "iu":
            return _integer_power(xp, a, b)
        return xp.power(a, b)

    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        ga = gy * b * a ** (b - 1) if ctx.needs_input_grad[0] else None
        gb = None
        if ctx.needs_input_grad[1]:
            # d/db a^b = a^b log a, taken as 0 where a == 0 and b >= 0 (torch's convention)
            gb = where((a == 0) & (b >= 0), 0.0, gy * (a ** b) * log(a))
        return ga, gb


class RPow(Op):
    """``scalar ** x``: torch records PowBackward2 with the exponent as only input;
    d/dx s^x = s^x log s (0 where s == 0 and x >= 0)."""
    node_name = "PowBackward2"
    op_name = "pow"
    save_outputs = True

    def forward(ctx, x, base, dt):
        ctx.base = base
        if base == 0:
            ctx.save_for_backward(x)
        xp = x._backend.xp
        scalar, exponent = _as_operand(base, dt, x._backend), _as_operand(x, dt, x._backend)
        out = (xp.power(scalar, exponent) if dt.is_floating_point
               else _integer_power(xp, scalar, exponent))
        return xp.asarray(out, dtype=dt.np)

    def backward(ctx, gy):
        (y,) = ctx.saved_outputs
        if ctx.base == 0:
            (x,) = ctx.saved_tensors
            return where(x >= 0, 0.0, gy * (y * float("-inf")))
        return gy * (y * _log_scalar(ctx.base))


def _log_scalar(s):
    return math.log(s) if s > 0 else float("nan")


class Neg(Op):
    node_name = "NegBackward0"

    def forward(ctx, x):
        if x._data.dtype.kind == "b":
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you "
                               "are trying to invert a mask, use the `~` or `logical_not()` operator "
                               "instead.")
        return _array(x._backend.xp, -x._data)

    def backward(ctx, gy):
        return -gy


# -- unary math with fused GPU kernels ------------------------------------------------------------

def _float_input(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if x._data.dtype.kind != "f":
        return x.to(dtypes.get_default_dtype())
    return x


class _Ufunc(Op):
    """``xp.<ufunc>(x)``; backward reads the input (saved here) or, with ``save_outputs``, the
    output."""
    ufunc = None

    def forward(ctx, x):
        if not ctx.save_outputs:
            ctx.save_for_backward(x)
        xp = x._backend.xp
        return _array(xp, getattr(xp, ctx.ufunc)(x._data))


class Exp(Op):
    node_name = "ExpBackward0"
    save_outputs = True

    def forward(ctx, x):
        return _array(x._backend.xp, x._backend.exp(x._data))

    def backward(ctx, gy):
        (y,) = ctx.saved_outputs
        return gy * y


class Reciprocal(_Ufunc):
    node_name = "ReciprocalBackward0"
    save_outputs = True
    ufunc = "reciprocal"

    def backward(ctx, gy):
        (y,) = ctx.saved_outputs
        return -gy * (y * y)


class Log1p(_Ufunc):
    node_name = "Log1PBackward0"
    ufunc = "log1p"

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / (x + 1)


class Expm1(_Ufunc):
    node_name = "Expm1Backward0"
    save_outputs = True
    ufunc = "expm1"

    def backward(ctx, gy):
        (y,) = ctx.saved_outputs
        return gy * (y + 1)


class Sinh(_Ufunc):
    node_name = "SinhBackward0"
    ufunc = "sinh"

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * cosh(x)


class Cosh(_Ufunc):
    node_name = "CoshBackward0"
    ufunc = "cosh"

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * sinh(x)


def _zeros_for(g):
    """A gradient of zeros shaped as ``g``, outside any graph (torch's zeros_like(grad))."""
    return Tensor._make(g._backend.xp.zeros_like(g._data), g._backend)


class Floor(Op):
    """floor, ceil, trunc, round: flat almost everywhere, so the gradient is zeros (torch's)."""
    node_name = "FloorBackward0"
    rounding = "floor"

    def forward(ctx, x):
        return _array(x._backend.xp, getattr(x._backend.xp, ctx.rounding)(x._data))

    def backward(ctx, gy):
        return _zeros_for(gy)


class Sign(Op):
    """(x > 0) - (x < 0), as torch computes it: 0 for NaN and for -0.0; the gradient is zeros."""
    node_name = "SignBackward0"

    def forward(ctx, x):
        xp, data = x._backend.xp, x._data
        positive, negative = xp.greater(data, 0), xp.less(data, 0)
        return _array(xp, positive.astype(data.dtype) - negative.astype(data.dtype))

    def backward(ctx, gy):
        return _zeros_for(gy)


class Ceil(Floor):
    node_name = "CeilBackward0"
    rounding = "ceil"


class Trunc(Floor):
    node_name = "TruncBackward0"
    rounding = "trunc"


class Round(Floor):
    """Half to even, as torch's nearbyint (numpy's rint)."""
    node_name = "RoundBackward0"
    rounding = "rint"


class RoundDecimals(Floor):
    """round(x, decimals=d), torch's formula in the input's dtype: rint(x * 10^d) / 10^d, or for
    d < 0 rint(x / 10^-d) * 10^-d."""
    node_name = "RoundBackward1"

    def forward(ctx, x, decimals):
        xp, data = x._backend.xp, x._data
        scale = data.dtype.type(_np.power(10.0, float(decimals if decimals >= 0 else -decimals)))
        if decimals >= 0:
            return _array(xp, xp.rint(data * scale) / scale)
        return _array(xp, xp.rint(data / scale) * scale)


class Frac(Op):
    """x - trunc(x): the gradient passes through unchanged."""
    node_name = "FracBackward0"

    def forward(ctx, x):
        xp = x._backend.xp
        return _array(xp, x._data - xp.trunc(x._data))

    def backward(ctx, gy):
        return gy


class Log(Op):
    node_name = "LogBackward0"

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _array(x._backend.xp, x._backend.log(x._data))

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / x


class Sqrt(_Ufunc):
    node_name = "SqrtBackward0"
    save_outputs = True
    ufunc = "sqrt"

    def backward(ctx, gy):
        (y,) = ctx.saved_outputs
        return gy / (2 * y)


class Sin(_Ufunc):
    node_name = "SinBackward0"
    ufunc = "sin"

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * cos(x)


class Cos(_Ufunc):
    node_name = "CosBackward0"
    ufunc = "cos"

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return -gy * sin(x)


class Abs(Op):
    node_name = "AbsBackward0"

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _array(x._backend.xp, x._backend.abs(x._data))

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return AbsGrad.apply(x, gy)


class AbsGrad(Op):
    """gx = gy * sign(x); its own gradient flows to gy only (sign is flat almost everywhere)."""
    node_name = "AbsBackwardBackward0"

    def forward(ctx, x, gy):
        ctx.save_for_backward(x)
        return _array(x._backend.xp, x._backend.abs_backward(x._data, gy._data))

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return None, AbsGrad.apply(x, g)


class Relu(Op):
    node_name = "ReluBackward0"
    save_outputs = True

    def forward(ctx, x):
        return _array(x._backend.xp, x._backend.relu(x._data))

    def backward(ctx, gy):
        (y,) = ctx.saved_outputs
        return ReluGrad.apply(y, gy)


class ReluInplace(Relu):
    """relu_: the result is written into the input's memory (no new array and no copy back, as
    torch's relu_); backward reads the mask from that result, as Relu's does."""

    def forward(ctx, x):
        return x._backend.relu_(x._data)


class ReluGrad(Op):
    """gx = gy where y > 0 (Chainer's ReLUGrad2): linear in gy, flat in y."""
    node_name = "ThresholdBackwardBackward0"

    def forward(ctx, y, gy):
        ctx.save_for_backward(y)
        return _array(y._backend.xp, y._backend.relu_backward(y._data, gy._data))

    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return None, ReluGrad.apply(y.detach(), g)


class Sigmoid(Op):
    node_name = "SigmoidBackward0"
    save_outputs = True

    def forward(ctx, x):
        return _array(x._backend.xp, x._backend.sigmoid(x._data))

    def backward(ctx, gy):
        (y,) = ctx.saved_outputs
        return SigmoidGrad.apply(y, gy)


class SigmoidGrad(Op):
    """gx = gy * y * (1 - y) from sigmoid's output y."""
    node_name = "SigmoidBackwardBackward0"

    def forward(ctx, y, gy):
        ctx.save_for_backward(y, gy)
        return _array(y._backend.xp, y._backend.sigmoid_backward(y._data, gy._data))

    def backward(ctx, g):
        y, gy = ctx.saved_tensors
        gyy = g * gy * (1 - 2 * y) if ctx.needs_input_grad[0] else None
        ggy = SigmoidGrad.apply(y, g) if ctx.needs_input_grad[1] else None
        return gyy, ggy


class Tanh(Op):
    node_name = "TanhBackward0"
    save_outputs = True

    def forward(ctx, x):
        return _array(x._backend.xp, x._backend.tanh(x._data))

    def backward(ctx, gy):
        (y,) = ctx.saved_outputs
        return TanhGrad.apply(y, gy)


class TanhGrad(Op):
    """gx = gy * (1 - y^2) from tanh's output y."""
    node_name = "TanhBackwardBackward0"

    def forward(ctx, y, gy):
        ctx.save_for_backward(y, gy)
        return _array(y._backend.xp, y._backend.tanh_backward(y._data, gy._data))

    def backward(ctx, g):
        y, gy = ctx.saved_tensors
        gyy = -2 * g * gy * y if ctx.needs_input_grad[0] else None
        ggy = TanhGrad.apply(y, g) if ctx.needs_input_grad[1] else None
        return gyy, ggy


class Clamp(Op):
    node_name = "ClampBackward1"

    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.bounds = (lo, hi)
        return _array(x._backend.xp, x._backend.clamp(x._data, lo, hi))

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return ClampGrad.apply(x, gy, *ctx.bounds)


class ClampGrad(Op):
    """gx = gy where lo <= x <= hi (bounds included, as torch), else 0."""
    node_name = "ClampBackwardBackward0"

    def forward(ctx, x, gy, lo, hi):
        ctx.save_for_backward(x)
        ctx.bounds = (lo, hi)
        return _array(x._backend.xp, x._backend.clamp_backward(x._data, gy._data, lo, hi))

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return None, ClampGrad.apply(x, g, *ctx.bounds)


class ClampTensor(Op):
    """clamp with Tensor bounds: min(max(x, lo), hi), grads to x and to each bound (torch's
    clamp_backward / clamp_backward_min_max: x inside [lo, hi] gets gy; lo gets it where x < lo
    (and lo < hi), hi where x > hi (or hi < lo, the bound that wins when they cross))."""
    node_name = "ClampBackward0"
    fixed_positions = (0, 1, 2)

    def forward(ctx, x, lo, hi, dt):
        backend = ctx._backend
        ctx.save_for_backward(x, lo if isinstance(lo, Tensor) else None,
                              hi if isinstance(hi, Tensor) else None)
        ctx.scalars = tuple(None if isinstance(b, Tensor) else b for b in (lo, hi))
        xp = backend.xp
        out = _as_operand(x, dt, backend)
        try:
            if lo is not None:
                out = xp.maximum(out, _as_operand(lo, dt, backend))
            if hi is not None:
                out = xp.minimum(out, _as_operand(hi, dt, backend))
        except ValueError:
            raise RuntimeError(f"clamp: the shapes of input {tuple(x._data.shape)}, min "
                               f"{tuple(_shape(lo))} and max {tuple(_shape(hi))} cannot be broadcast "
                               "together") from None
        return xp.asarray(out, dtype=dt.np)

    def backward(ctx, gy):
        x, lo, hi = ctx.saved_tensors
        slo, shi = ctx.scalars
        lo = slo if lo is None else lo
        hi = shi if hi is None else hi
        need_x, need_lo, need_hi = ctx.needs_input_grad[:3]
        gx = glo = ghi = None
        if lo is not None and hi is not None:
            if need_x:
                gx = where((x >= lo) & (x <= hi), gy, 0.0)
            if need_lo:
                glo = where((x < lo) & (lo < hi), gy, 0.0)
            if need_hi:
                ghi = where((x > hi) | (hi < lo), gy, 0.0)
        elif lo is not None:
            gx = where(x >= lo, gy, 0.0) if need_x else None
            glo = where(x < lo, gy, 0.0) if need_lo else None
        else:
            gx = where(x <= hi, gy, 0.0) if need_x else None
            ghi = where(x > hi, gy, 0.0) if need_hi else None
        return gx, glo, ghi


class Where(Op):
    node_name = "WhereBackward0"
    fixed_positions = (1, 2)

    def forward(ctx, cond, a, b, dt):
        backend = cond._backend
        ctx._backend = backend
        ctx.save_for_backward(cond)
        xa, xb = _as_operand(a, dt, backend), _as_operand(b, dt, backend)
        try:
            out = backend.where(cond._data, xa, xb)
        except ValueError:
            raise RuntimeError(f"where: the shapes of condition {tuple(cond._data.shape)}, input "
                               f"{tuple(_shape(a))} and other {tuple(_shape(b))} cannot be broadcast "
                               "together") from None
        return _array(backend.xp, out if out.dtype == dt.np else out.astype(dt.np))

    def backward(ctx, gy):
        (cond,) = ctx.saved_tensors
        ga = where(cond, gy, 0.0) if ctx.needs_input_grad[1] else None
        gb = where(cond, 0.0, gy) if ctx.needs_input_grad[2] else None
        return None, ga, gb


# -- casts and copies -----------------------------------------------------------------------------

class ToCopy(Op):
    """A dtype cast and/or a device copy; backward casts/copies the gradient back."""
    node_name = "ToCopyBackward0"

    def forward(ctx, x, backend, dt):
        ctx.src = (x._backend, x.dtype)
        ctx._backend = backend
        data = x._data
        if backend is not x._backend:
            data = backend.asarray(data)  # cupy copies host<->device and GPU<->GPU directly
        if dt is not None and data.dtype != dt.np:
            data = data.astype(dt.np)
        elif data is x._data:
            data = data.copy()
        return data

    def backward(ctx, gy):
        backend, dt = ctx.src
        return to_copy(gy, backend.device, dt, False)


class Clone(Op):
    node_name = "CloneBackward0"

    def forward(ctx, x):
        return x._data.copy()

    def backward(ctx, gy):
        return gy


@silenced
def to_copy(x, device, dtype, copy):
    from ..backend import get_backend  # noqa: PLC0415

    backend = x._backend if device is None else get_backend(device)
    dtype = None if dtype is None else dtypes.to_dtype(dtype)
    if backend is x._backend and (dtype is None or dtype is x.dtype) and not copy:
        return x
    if dtype is not None and x._requires_grad and not dtype.is_floating_point and backend is x._backend:
        return Tensor._make(x._data.astype(dtype.np), backend)
    return ToCopy.apply(x, backend, dtype)


def clone(x, memory_format=None):
    if type(x) is not Tensor:
        check_tensor(x, "clone")
    return Clone.apply(x)


# -- public functions ------------------------------------------------------------------------------

def _check_alpha(alpha, dt, op, a, b):
    if isinstance(alpha, bool) and dt is not dtypes.bool_:
        raise op_note(RuntimeError("Boolean alpha only supported for Boolean results."), op, a, b)
    if isinstance(alpha, float) and not dt.is_floating_point:
        raise op_note(RuntimeError("For integral input tensors, argument alpha must not be a "
                                   "floating point number."), op, a, b)
    if not isinstance(alpha, numbers.Real):
        raise TypeError(f"{op}(): alpha must be a Python number, not {type(alpha).__name__}")


def add(a, b, alpha=1):
    a, b = _operands(a, b, "add")
    dt = _result_dtype(a, b)
    if type(alpha) is not int or alpha != 1:
        _check_alpha(alpha, dt, "add", a, b)
    return Add.apply(a, b, dt, alpha)


def _check_bool_sub(a, b):
    a_bool = _is_bool(a)
    b_bool = _is_bool(b)
    if a_bool and b_bool:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if a_bool or b_bool:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")


def _is_bool(x):
    return x._data.dtype.kind == "b" if isinstance(x, Tensor) else isinstance(x, bool)


def sub(a, b, alpha=1):
    a, b = _operands(a, b, "sub")
    _check_bool_sub(a, b)
    dt = _result_dtype(a, b)
    if type(alpha) is not int or alpha != 1:
        _check_alpha(alpha, dt, "sub", a, b)
    if not isinstance(a, Tensor):
        return RSub.apply(b, a, dt, alpha)
    return Sub.apply(a, b, dt, alpha)


def rsub(a, b, alpha=1):
    """``b - alpha * a`` (torch.rsub)."""
    return sub(b, a, alpha)


def mul(a, b):
    return _binary(Mul, a, b, "mul")


def div(a, b, rounding_mode=None):
    if rounding_mode is not None:
        return _rounded_division(a, b, rounding_mode)
    if not isinstance(a, Tensor) and isinstance(b, Tensor):
        # torch computes ``scalar / x`` as reciprocal(x) * scalar: MulBackward0 over Reciprocal
        return mul(reciprocal(b), _operand(a, "div"))
    return _binary(Div, a, b, "div", float_result=True)


def true_divide(a, b):
    return div(a, b)


def floor_divide(a, b):
    return div(a, b, rounding_mode="floor")


_ROUNDING_MODES = {"floor": "div_floor_cpu", "trunc": "div_trunc_cpu"}


@silenced
def _rounded_division(a, b, mode):
    """div(rounding_mode="floor"/"trunc") and remainder: not differentiable, computed in the
    result dtype. Floats follow IEEE (x // 0 is +-inf, inf // 2 is nan, as in torch and Python);
    an integer divisor of zero is torch's ZeroDivisionError, not numpy's silent 0."""
    op = "remainder" if mode == "remainder" else "div"
    if op == "div" and mode not in _ROUNDING_MODES:
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                           f"found '{mode}'")
    a, b = _operands(a, b, op) if op == "div" else (_operand(a, op), _operand(b, op))
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}(): expected a Tensor as dividend or divisor, got "
                        f"{type(a).__name__} and {type(b).__name__}")
    dt = _result_dtype(a, b)
    if dt is dtypes.bool_:
        kernel = "remainder_cpu" if op == "remainder" else _ROUNDING_MODES[mode]
        raise op_note(NotImplementedError(f'"{kernel}" not implemented for \'Bool\''), op, a, b)
    backend = _backend2(a, b)
    xp = backend.xp
    xa, xb = _as_operand(a, dt, backend), _as_operand(b, dt, backend)
    if not dt.is_floating_point and _has_zero(xp, xb):
        _check_divides(op, a, b)
    try:
        if mode == "remainder":
            out = _float_remainder(xp, xa, xb) if dt.is_floating_point else xp.remainder(xa, xb)
        elif mode == "floor" or not dt.is_floating_point:
            out = xp.floor_divide(xa, xb)
            if mode == "trunc":  # towards zero: up by one where negative and inexact
                out = out + ((out < 0) & (out * xb != xa))
        else:
            out = xp.trunc(xp.true_divide(xa, xb))
    except ValueError:
        raise _shape_error(op, a, b) from None
    return Tensor._make(_array(xp, xp.asarray(out, dtype=dt.np)), backend)


def _float_remainder(xp, a, b):
    """torch's: fmod, moved to the divisor's sign where nonzero. A zero keeps the dividend's sign
    (-5 % 2.5 is -0.0, printed -0.0000), where numpy's remainder gives it the divisor's."""
    mod = xp.fmod(a, b)
    return xp.where((mod != 0) & ((b < 0) != (mod < 0)), mod + b, mod)


def _has_zero(xp, divisor):
    return divisor == 0 if isinstance(divisor, int) else bool(xp.any(divisor == 0))


def _check_divides(op, a, b):
    """An integer divisor with a zero: torch's ZeroDivisionError, unless the operands do not
    broadcast (reported first) or the result has no elements (nothing is divided)."""
    from .indexing import _broadcast_shapes  # noqa: PLC0415 - indexing imports this module

    try:
        shape = _broadcast_shapes(_shape(a), _shape(b))
    except RuntimeError:
        raise _shape_error(op, a, b) from None
    if 0 not in shape:
        raise op_note(RuntimeError("ZeroDivisionError"), op, a, b)


def remainder(a, b):
    return _rounded_division(a, b, "remainder")


def pow(a, b):
    a, b = _operand(a, "pow"), _operand(b, "pow")
    if isinstance(a, Tensor) and not isinstance(b, Tensor):
        dt = dtypes.scalar_result_dtype(a.dtype, b)
        if not dt.is_floating_point:
            return _integer_pow_scalar(a, b, dt)
        if a._data.dtype.kind != "f":
            a = a.to(dt)
        return PowScalar.apply(a, int(b) if type(b) is bool else b)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"pow(): expected a Tensor as base or exponent, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    dt = _result_dtype(a, b)
    if dt is dtypes.bool_:
        raise op_note(NotImplementedError('"pow" not implemented for \'Bool\''), "pow", a, b)
    if not isinstance(a, Tensor):
        return RPow.apply(b, a, dt)
    return Pow.apply(a, b, dt)


def _integer_pow_scalar(x, p, dt):
    """An integer or bool tensor to a Python int (or bool) power, in the result dtype."""
    if type(p) is int and p < 0:
        raise op_note(RuntimeError("Integers to negative integer powers are not allowed."), "pow", x)
    xp = x._backend.xp
    base = x._data.astype(dtypes.int64.np if dt is dtypes.bool_ else dt.np, copy=False)
    return Tensor._make(_array(xp, xp.power(base, int(p)).astype(dt.np)), x._backend)


def _integer_power(xp, base, exponent):
    """torch's integer power, where numpy refuses negative exponents: base ** negative is 1 for
    base 1, +-1 for base -1 (by the exponent's parity) and 0 otherwise."""
    base, exponent = xp.asarray(base), xp.asarray(exponent)  # either may be a Python int
    negative = exponent < 0
    if not xp.any(negative):
        return xp.power(base, exponent)
    positive = xp.power(base, xp.where(negative, 0, exponent))
    inverse = xp.where(base == 1, 1, xp.where(base == -1, 1 - 2 * (exponent % 2), 0))
    return xp.where(negative, inverse, positive).astype(positive.dtype)


def neg(x):
    if type(x) is not Tensor:  # the check costs a call; backward runs neg on every sub
        check_tensor(x, "neg")
    return Neg.apply(x)


negative = neg


def exp(x):
    return Exp.apply(_float_input(x, "exp"))


def reciprocal(x):
    return Reciprocal.apply(_float_input(x, "reciprocal"))


def log(x):
    return Log.apply(_float_input(x, "log"))


def log1p(x):
    return Log1p.apply(_float_input(x, "log1p"))


def expm1(x):
    return Expm1.apply(_float_input(x, "expm1"))


def sinh(x):
    return Sinh.apply(_float_input(x, "sinh"))


def cosh(x):
    return Cosh.apply(_float_input(x, "cosh"))


def square(x):
    """pow(x, 2), as torch computes it (PowBackward0; integers stay integers, bool becomes
    int64)."""
    check_tensor(x, "square")
    return pow(x, 2)


def _kernel_error(x, kernel, op):
    """torch's dispatch error for a dtype a kernel has no version of ("floor_vml_cpu")."""
    name = f"{kernel}_cpu" if x._backend.device.type == "cpu" else f"{op}_cuda"
    return op_note(NotImplementedError(f'"{name}" not implemented for \'{x.dtype.scalar_name}\''),
                   op, x)


def _rounding(x, op_cls, op):
    """floor/ceil/trunc/round: integer tensors are their own result (a copy, in their dtype), bool
    ones have no kernel, as in torch."""
    check_tensor(x, op)
    kind = x._data.dtype.kind
    if kind == "b":
        raise _kernel_error(x, f"{op}_vml", op)
    if kind != "f":
        return Tensor._make(x._data.copy(), x._backend)
    return op_cls.apply(x)


def floor(x):
    return _rounding(x, Floor, "floor")


def ceil(x):
    return _rounding(x, Ceil, "ceil")


def trunc(x):
    return _rounding(x, Trunc, "trunc")


fix = trunc


def round(x, *, decimals=None):
    """Half to even; ``decimals`` rounds to that many decimal places (negative: to tens,
    hundreds, ...) by torch's formula, for floating tensors only."""
    if decimals is None:
        return _rounding(x, Round, "round")
    check_tensor(x, "round")
    if type(decimals) is not int:
        raise TypeError(f"round(): argument 'decimals' must be int, not {type(decimals).__name__}")
    if x._data.dtype.kind != "f":
        raise _kernel_error(x, "round", "round")
    return RoundDecimals.apply(x, decimals)


def frac(x):
    check_tensor(x, "frac")
    if x._data.dtype.kind != "f":
        raise _kernel_error(x, "frac", "frac")
    return Frac.apply(x)


def sqrt(x):
    return Sqrt.apply(_float_input(x, "sqrt"))


def rsqrt(x):
    return 1 / sqrt(x)


def sin(x):
    return Sin.apply(_float_input(x, "sin"))


def cos(x):
    return Cos.apply(_float_input(x, "cos"))


def abs(x):
    check_tensor(x, "abs")
    if x._data.dtype.kind == "b":
        raise op_note(NotImplementedError('"abs_cpu" not implemented for \'Bool\''), "abs", x)
    return Abs.apply(x)


def relu(x):
    if type(x) is not Tensor:
        check_tensor(x, "relu")
    if x._data.dtype.kind == "b":
        raise op_note(RuntimeError("Boolean inputs not supported for relu"), "relu", x)
    return Relu.apply(x)


def sigmoid(x):
    return Sigmoid.apply(_float_input(x, "sigmoid"))


def tanh(x):
    return Tanh.apply(_float_input(x, "tanh"))


def _clamp_bound(bound):
    if bound is None or isinstance(bound, Tensor):
        return bound
    try:
        return _operand(bound, "clamp")
    except TypeError:
        raise TypeError(f"clamp(): min and max must be numbers or Tensors, got "
                        f"{type(bound).__name__}") from None


def clamp(x, min=None, max=None):
    check_tensor(x, "clamp")
    min, max = _clamp_bound(min), _clamp_bound(max)
    if min is None and max is None:
        raise op_note(RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None"),
                      "clamp", x)
    dt = _result_dtype_of(x, min, max)
    tensors = isinstance(min, Tensor) or isinstance(max, Tensor)
    if dt is dtypes.bool_ and not tensors:
        which = "clamp" if min is not None and max is not None else "clamp_min" if max is None \
            else "clamp_max"
        kernel = f"{which}_scalar_cpu"
        raise op_note(NotImplementedError(f'"{kernel}" not implemented for \'Bool\''), "clamp", x)
    if tensors:
        return ClampTensor.apply(x, min, max, dt)
    if dt is not x.dtype:
        x = x.to(dt)
    return Clamp.apply(x, min, max)


clip = clamp


def maximum(a, b):
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)):
        raise TypeError("maximum(): expected both arguments to be Tensors")
    return _binary(Maximum, a, b, "maximum")


def minimum(a, b):
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)):
        raise TypeError("minimum(): expected both arguments to be Tensors")
    return _binary(Minimum, a, b, "minimum")


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN to ``nan``, +inf to ``posinf``, -inf to ``neginf`` (None: the dtype's max / min);
    integer and bool tensors come back as copies."""
    check_tensor(input, "nan_to_num")
    for value, name in ((nan, "nan"), (posinf, "posinf"), (neginf, "neginf")):
        if value is not None and not isinstance(value, numbers.Real):
            raise TypeError(f"nan_to_num(): argument '{name}' must be float, not "
                            f"{type(value).__name__}")
    if not input.dtype.is_floating_point:
        return clone(input)
    nan = 0.0 if nan is None else float(nan)
    return NanToNum.apply(input, nan, None if posinf is None else float(posinf),
                          None if neginf is None else float(neginf))


def _tensor_pair(a, b, op):
    check_tensor(a, op)
    check_tensor(b, op, "other", 2)


def _atan2(input, other, op):
    _tensor_pair(input, other, op)
    return _binary(Atan2, input, other, op, float_result=True)


def atan2(input, other):
    """The angle of (other, input) in (-pi, pi]; integer and bool inputs give the default float
    dtype, as in torch."""
    return _atan2(input, other, "atan2")


def arctan2(input, other):
    return _atan2(input, other, "arctan2")


def hypot(input, other):
    """sqrt(input^2 + other^2); torch has no integer or bool kernel (a float operand promotes)."""
    _tensor_pair(input, other, "hypot")
    dt = _result_dtype(input, other)
    if not dt.is_floating_point:
        raise op_note(NotImplementedError(f'"hypot_cpu" not implemented for '
                                          f"'{dt.scalar_name}'"), "hypot", input, other)
    return _binary(Hypot, input, other, "hypot")


def where(condition, input=None, other=None):
    if input is None and other is None:
        from .indexing import nonzero  # noqa: PLC0415

        return nonzero(condition, as_tuple=True)
    if type(condition) is not Tensor:
        check_tensor(condition, "where", "condition")
    if condition._data.dtype.kind != "b":
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with "
                           f"dtype {condition.dtype}")
    input, other = _operand(input, "where"), _operand(other, "where")
    dt = _result_dtype(input, other) if isinstance(input, Tensor) or isinstance(other, Tensor) \
        else dtypes.scalar_result_dtype(dtypes.get_default_dtype() if isinstance(input, float)
                                        or isinstance(other, float) else dtypes.int64, 0)
    return Where.apply(condition, input, other, dt)


def sign(x):
    """torch's sign; a bool tensor is its own sign."""
    check_tensor(x, "sign")
    if x._data.dtype.kind == "b":
        return Tensor._make(x._data.copy(), x._backend)
    return Sign.apply(x)


# -- comparisons and logic (not differentiable: bool results) --------------------------------------

def _compare(a, b, ufunc_name, op):
    check_tensor(a, op)
    b = _operand(b, op)
    dt = _result_dtype(a, b)
    backend = _backend2(a, b)
    xa, xb = _as_operand(a, dt, backend, op), _as_operand(b, dt, backend, op)
    try:
        out = getattr(backend.xp, ufunc_name)(xa, xb)
    except ValueError:
        raise _shape_error(op, a, b) from None
    return Tensor._make(backend.xp.asarray(out), backend)


def eq(a, b):
    return _compare(a, b, "equal", "eq")


def ne(a, b):
    return _compare(a, b, "not_equal", "ne")


def lt(a, b):
    return _compare(a, b, "less", "lt")


def le(a, b):
    return _compare(a, b, "less_equal", "le")


def gt(a, b):
    return _compare(a, b, "greater", "gt")


def ge(a, b):
    return _compare(a, b, "greater_equal", "ge")


def _truth(x):
    """The truth value of a logical operand, as a bool array."""
    return x._data if x._data.dtype.kind == "b" else x._data != 0


def _logical(a, b, ufunc, op):
    check_tensor(a, op)
    check_tensor(b, op, "other", 2)
    backend = _backend2(a, b)
    xa = _truth(a)
    xb = _as_operand(Tensor._make(_truth(b), b._backend), dtypes.bool_, backend, op)
    try:
        out = getattr(backend.xp, ufunc)(xa, xb)
    except ValueError:
        raise _shape_error(op, a, b) from None
    return Tensor._make(backend.xp.asarray(out), backend)


def logical_not(x):
    check_tensor(x, "logical_not")
    return Tensor._make(_array(x._backend.xp, x._backend.xp.logical_not(x._data)), x._backend)


def logical_and(a, b):
    return _logical(a, b, "logical_and", "logical_and")


def logical_or(a, b):
    return _logical(a, b, "logical_or", "logical_or")


def logical_xor(a, b):
    return _logical(a, b, "logical_xor", "logical_xor")


def _bitwise(a, b, ufunc, op):
    check_tensor(a, op)
    b = _operand(b, op)
    dt = _result_dtype(a, b)
    if dt.is_floating_point:
        from .indexing import _broadcast_shapes  # noqa: PLC0415 - indexing imports this module

        try:  # torch reports operands that do not broadcast first
            _broadcast_shapes(a._data.shape, _shape(b))
        except RuntimeError as err:
            raise op_note(err, op, a, b) from None
        raise op_note(_no_float_kernel(op, a, dt), op, a, b)
    return _compare(a, b, ufunc, op)


def _no_float_kernel(op, x, dt):
    """torch's dispatch error for a bitwise op on a floating dtype ("bitwise_and_cpu")."""
    return NotImplementedError(f'"{op}_{x.device.type}" not implemented for \'{dt.scalar_name}\'')


def bitwise_not(x):
    check_tensor(x, "bitwise_not")
    if x._data.dtype.kind == "f":
        raise op_note(_no_float_kernel("bitwise_not", x, x.dtype), "bitwise_not", x)
    return Tensor._make(_array(x._backend.xp, x._backend.xp.invert(x._data)), x._backend)


def invert(x):
    """``~x``: torch's operator refuses floating tensors itself, with a TypeError."""
    if x._data.dtype.kind == "f":
        raise op_note(TypeError("~ (operator.invert) is only implemented on integer and "
                                "Boolean-type tensors"), "bitwise_not", x)
    return bitwise_not(x)


def bitwise_and(a, b):
    return _bitwise(a, b, "bitwise_and", "bitwise_and")


def bitwise_or(a, b):
    return _bitwise(a, b, "bitwise_or", "bitwise_or")


def bitwise_xor(a, b):
    return _bitwise(a, b, "bitwise_xor", "bitwise_xor")


def isnan(x):
    check_tensor(x, "isnan")
    return Tensor._make(_array(x._backend.xp, x._backend.xp.isnan(x._data)), x._backend)


def isinf(x):
    check_tensor(x, "isinf")
    return Tensor._make(_array(x._backend.xp, x._backend.xp.isinf(x._data)), x._backend)


def isfinite(x):
    check_tensor(x, "isfinite")
    return Tensor._make(_array(x._backend.xp, x._backend.xp.isfinite(x._data)), x._backend)


def _close(a, b, rtol, atol, equal_nan, op):
    """isclose's array: |a - b| <= atol + rtol * |b| elementwise (NaN close to NaN where
    ``equal_nan``), both tensors of one dtype (torch's rule), broadcast together."""
    check_tensor(a, op)
    check_tensor(b, op, "other", 2)
    if a.dtype is not b.dtype:
        raise op_note(RuntimeError(f"{a.dtype.scalar_name} did not match "
                                   f"{b.dtype.scalar_name}"), op, a, b)
    for value, name in ((rtol, "rtol"), (atol, "atol")):
        if value < 0:
            raise op_note(RuntimeError(f"{name} must be greater than or equal to zero, but got "
                                       f"{value:g}"), op, a, b)
    backend = _backend2(a, b)
    try:
        return backend, backend.xp.isclose(a._data, _as_operand(b, b.dtype, backend, op),
                                           rtol=rtol, atol=atol, equal_nan=equal_nan)
    except ValueError:
        raise _shape_error(op, a, b) from None


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    backend, close = _close(a, b, rtol, atol, equal_nan, "isclose")
    return Tensor._make(_array(backend.xp, close), backend)


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every element is close (isclose's rule)."""
    return bool(_close(a, b, rtol, atol, equal_nan, "allclose")[1].all())




def equal(a, b):
    """Same shape and the same values (compared in the promoted dtype; NaN equals nothing)."""
    check_tensor(a, "equal")
    check_tensor(b, "equal", "other", 2)
    if a._data.shape != b._data.shape:
        return False
    backend = _backend2(a, b)
    return bool((a._data == _as_operand(b, b.dtype, backend, "equal")).all())
