"""More pointwise math, as torch has it: logarithms and exponentials in other bases, inverse
trigonometric and hyperbolic functions, erfc/erfinv, sgn/signbit, logit, and the binary
fmod/copysign/logaddexp/xlogy/fmax/fmin/float_power/clamp_min/clamp_max/addcmul/addcdiv.

Each op's forward (on arrays) and backward (in differentiable Tensor ops, so higher-order
gradients come for free) sit side by side, as in elementwise.py, whose helpers they use. Integer
and bool inputs of the floating ops compute in the default dtype, as torch's do.
"""
import math

from .. import dtypes
from ..autograd.function import Op
from ..tensor import Tensor, check_tensor, op_note
from . import elementwise as E
from .indexing import _broadcast_shapes

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_HALF_SQRT_PI = 0.5 * math.sqrt(math.pi)


def _float(x, op):
    """``x`` checked to be a Tensor (torch's TypeError) and cast to the default dtype unless
    floating."""
    check_tensor(x, op)
    return x if x._data.dtype.kind == "f" else x.to(dtypes.get_default_dtype())


def _no_kernel(op, x, dt, *args):
    """torch's dispatch error for a dtype the op's kernel has no version of."""
    return op_note(NotImplementedError(f'"{op}_{x.device.type}" not implemented for '
                                       f"'{dt.scalar_name}'"), op, x, *args)


# -- unary: logs and exponentials, inverse trigonometric and hyperbolic functions -----------------

class Log2(E._Ufunc):
    node_name = "Log2Backward0"
    ufunc = "log2"

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / (x * _LN2)


class Log10(E._Ufunc):
    node_name = "Log10Backward0"
    ufunc = "log10"

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / (x * _LN10)


class Exp2(E._Ufunc):
    node_name = "Exp2Backward0"
    ufunc = "exp2"
    save_outputs = True

    def backward(ctx, gy):
        (y,) = ctx.saved_outputs
        return gy * (y * _LN2)


class Asin(E._Ufunc):
    """d/dx asin x = 1 / sqrt(1 - x^2) (inf at +-1, as torch's)."""
    node_name = "AsinBackward0"
    ufunc = "arcsin"

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * E.rsqrt(1 - x * x)


class Acos(E._Ufunc):
    node_name = "AcosBackward0"
    ufunc = "arccos"

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return -gy * E.rsqrt(1 - x * x)


class Atan(E._Ufunc):
    node_name = "AtanBackward0"
    ufunc = "arctan"

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / (x * x + 1)


class Asinh(E._Ufunc):
    node_name = "AsinhBackward0"
    ufunc = "arcsinh"

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * E.rsqrt(x * x + 1)


class Acosh(E._Ufunc):
    """d/dx acosh x = 1 / sqrt(x^2 - 1), NaN below 1 (torch's)."""
    node_name = "AcoshBackward0"
    ufunc = "arccosh"

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * E.rsqrt(x * x - 1)


class Atanh(E._Ufunc):
    node_name = "AtanhBackward0"
    ufunc = "arctanh"

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / (1 - x * x)


class AsinhInplace(Asinh):
    """asinh_ (and arcsinh_) as torch records it: AsinhBackward1, a node whose backward raises
    (torch has no derivative for the in-place form)."""
    node_name = "AsinhBackward1"

    def backward(ctx, gy):
        raise NotImplementedError(f"the derivative for 'inplace version of a{ctx.ufunc[3:]}' is "
                                  "not implemented.")


class AtanhInplace(AsinhInplace):
    node_name = "AtanhBackward1"
    ufunc = "arctanh"


class Deg2Rad(Op):
    """x * pi/180 (numpy's deg2rad, the constant rounded to x's dtype as torch's); the gradient
    is the same scaling."""
    node_name = "Deg2RadBackward0"
    ufunc = "deg2rad"
    factor = math.pi / 180.0

    def forward(ctx, x):
        xp = x._backend.xp
        return E._array(xp, getattr(xp, ctx.ufunc)(x._data))

    def backward(ctx, gy):
        return gy * ctx.factor


class Rad2Deg(Deg2Rad):
    node_name = "Rad2DegBackward0"
    ufunc = "rad2deg"
    factor = 180.0 / math.pi


class Erfc(Op):
    node_name = "ErfcBackward0"

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return E._array(x._backend.xp, x._backend.erfc(x._data))

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * (-_TWO_OVER_SQRT_PI * E.exp(-(x * x)))


class Erfinv(Op):
    """d/dx erfinv x = sqrt(pi)/2 * exp(erfinv(x)^2), read from the output."""
    node_name = "ErfinvBackward0"
    save_outputs = True

    def forward(ctx, x):
        return E._array(x._backend.xp, x._backend.erfinv(x._data))

    def backward(ctx, gy):
        (y,) = ctx.saved_outputs
        return gy * (_HALF_SQRT_PI * E.exp(y * y))


class Sgn(Op):
    """sign of a real tensor (torch's sgn), flat almost everywhere: the gradient is zeros."""
    node_name = "SgnBackward0"

    def forward(ctx, x):
        xp, data = x._backend.xp, x._data
        return E._array(xp, xp.greater(data, 0).astype(data.dtype)
                        - xp.less(data, 0).astype(data.dtype))

    def backward(ctx, gy):
        return E._zeros_for(gy)


class Logit(Op):
    """log(z / (1 - z)), z = x clamped to [eps, 1 - eps] (bounds in x's dtype, NaN kept). Without
    eps (or eps < 0) the gradient is NaN outside [0, 1]; with it, 0 outside [eps, 1 - eps]."""
    node_name = "LogitBackward0"

    def forward(ctx, x, eps):
        ctx.save_for_backward(x)
        xp, data = x._backend.xp, x._data
        if eps is not None and eps >= 0:
            lo = data.dtype.type(eps)
            hi = data.dtype.type(1) - lo
            ctx.bounds = (float(lo), float(hi))
            data = xp.clip(data, lo, hi)
        else:
            ctx.bounds = None
        return E._array(xp, xp.log(data / (1 - data)))

    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        g = gy / (x * (1 - x))
        if ctx.bounds is None:
            return E.where((x < 0) | (x > 1), float("nan"), g)
        lo, hi = ctx.bounds
        return E.where((x < lo) | (x > hi), 0.0, g)


def _unary(op_cls, name):
    def fn(input):
        return op_cls.apply(_float(input, name))
    fn.__name__ = name
    return fn


log2 = _unary(Log2, "log2")
log10 = _unary(Log10, "log10")
exp2 = _unary(Exp2, "exp2")
asin = _unary(Asin, "asin")
arcsin = _unary(Asin, "arcsin")
acos = _unary(Acos, "acos")
arccos = _unary(Acos, "arccos")
atan = _unary(Atan, "atan")
arctan = _unary(Atan, "arctan")
asinh = _unary(Asinh, "asinh")
arcsinh = _unary(Asinh, "arcsinh")
acosh = _unary(Acosh, "acosh")
arccosh = _unary(Acosh, "arccosh")
atanh = _unary(Atanh, "atanh")
arctanh = _unary(Atanh, "arctanh")
deg2rad = _unary(Deg2Rad, "deg2rad")
rad2deg = _unary(Rad2Deg, "rad2deg")
erfc = _unary(Erfc, "erfc")
erfinv = _unary(Erfinv, "erfinv")


def asinh_inplace_result(input):
    """What asinh_ writes (AsinhBackward1 in the graph)."""
    return AsinhInplace.apply(_float(input, "asinh_"))


def atanh_inplace_result(input):
    return AtanhInplace.apply(_float(input, "atanh_"))


def logit(input, eps=None):
    """log(p / (1 - p)); ``eps`` clamps p to [eps, 1 - eps] first (torch.logit)."""
    input = _float(input, "logit")
    if eps is not None:
        eps = float(E._operand(eps, "logit"))
    return Logit.apply(input, eps)


def sgn(input):
    """The sign of each element (0 for zero and NaN); bool tensors are their own sign."""
    check_tensor(input, "sgn")
    if input._data.dtype.kind == "b":
        return Tensor._make(input._data.copy(), input._backend)
    return Sgn.apply(input)


def signbit(input):
    """Whether each element's sign bit is set (True for -0.0 and negative NaN), as bool."""
    check_tensor(input, "signbit")
    xp, data = input._backend.xp, input._data
    if data.dtype.kind == "f":
        out = xp.signbit(data)
    elif data.dtype.kind == "i":
        out = data < 0
    else:
        out = xp.zeros(data.shape, dtype=bool)
    return Tensor._make(E._array(xp, out), input._backend)


def negative(input):
    check_tensor(input, "negative")
    return E.neg(input)


def absolute(input):
    check_tensor(input, "absolute")
    return E.abs(input)


def positive(input):
    """``input`` itself (torch.positive); bool tensors are refused, as by torch's ``+``."""
    check_tensor(input, "positive")
    if input._data.dtype.kind == "b":
        raise op_note(RuntimeError("The `+` operator, on a bool tensor is not supported."),
                      "positive", input)
    return input


# -- binary ---------------------------------------------------------------------------------------

def _check_broadcast(op, a, b):
    """torch's error for two tensors that do not broadcast together."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        try:
            _broadcast_shapes(a._data.shape, b._data.shape)
        except RuntimeError as err:
            raise op_note(err, op, a, b) from None


def _overloads(op, input, other, other_name, number_self=False):
    """``input`` and ``other`` as torch's overloads take them: (Tensor, Tensor), (Tensor, Number)
    and, with ``number_self``, (Number, Tensor); else torch's TypeError listing them. Tensors
    must broadcast together."""
    try:
        a, b = E._operand(input, op), E._operand(other, op)
    except TypeError:
        a = b = None
    if not (isinstance(a, Tensor) and b is not None
            or number_self and a is not None and isinstance(b, Tensor)):
        got = ", ".join("Tensor" if isinstance(v, Tensor) else type(v).__name__
                        for v in (input, other))
        forms = [f"Tensor input, Tensor {other_name}"]
        if number_self:
            forms.append(f"Number self, Tensor {other_name}")
        forms.append(f"Tensor input, Number {other_name}")
        listed = "".join(f" * ({form}, *, Tensor out = None)\n" for form in forms)
        raise TypeError(f"{op}() received an invalid combination of arguments - got ({got}), but "
                        f"expected one of:\n{listed}")
    _check_broadcast(op, a, b)
    return a, b


def _two_tensors(input, other, op):
    check_tensor(input, op)
    check_tensor(other, op, "other", 2)
    _check_broadcast(op, input, other)
    return input, other


class _SavingBinary(E._BinaryOp):
    """A binary op whose backward reads both operands (a Python-number operand is kept too)."""

    def forward(ctx, a, b, dt):
        ctx.save_for_backward(a if isinstance(a, Tensor) else None,
                              b if isinstance(b, Tensor) else None)
        ctx.scalars = (None if isinstance(a, Tensor) else a, None if isinstance(b, Tensor) else b)
        return E._BinaryOp.forward(ctx, a, b, dt)

    def operands(ctx):
        a, b = ctx.saved_tensors
        sa, sb = ctx.scalars
        return (sa if a is None else a), (sb if b is None else b)


class Fmod(_SavingBinary):
    """The C remainder of a / b (the dividend's sign); d/da = 1, d/db = -trunc(a / b)."""
    node_name = "FmodBackward1"
    op_name = "fmod"

    def compute(ctx, xp, a, b):
        return xp.fmod(a, b)

    def backward(ctx, gy):
        a, b = ctx.operands()
        gb = -gy * E.div(a, b, rounding_mode="trunc") if ctx.needs_input_grad[1] else None
        return gy, gb


class FmodScalar(E._BinaryOp):
    node_name = "FmodBackward0"
    op_name = "fmod"
    fixed_positions = None

    def compute(ctx, xp, a, b):
        return xp.fmod(a, b)

    def backward(ctx, gy):
        return gy


def fmod(input, other):
    """The remainder of input / other with the dividend's sign (C's fmod); an integer divisor of
    zero is torch's ZeroDivisionError."""
    input, other = _overloads("fmod", input, other, "other")
    dt = E._result_dtype(input, other)
    if dt is dtypes.bool_:
        raise _no_kernel("fmod", input, dt, other)
    if not dt.is_floating_point:
        divisor = E._as_operand(other, dt, input._backend, "fmod")
        if E._has_zero(input._backend.xp, divisor) and math.prod(
                _broadcast_shapes(input._data.shape, E._shape(other))):
            raise op_note(RuntimeError("ZeroDivisionError"), "fmod", input, other)
    if isinstance(other, Tensor):
        return Fmod.apply(input, other, dt)
    return FmodScalar.apply(input, other, dt)


class Copysign(E._BinaryOp):
    """|a| with b's sign; d/da = out / a (0 where a == 0), and other gets zeros (torch's)."""
    node_name = "CopysignBackward0"
    op_name = "copysign"
    save_outputs = True

    def forward(ctx, a, b, dt):
        ctx.save_for_backward(a)
        return E._BinaryOp.forward(ctx, a, b, dt)

    def compute(ctx, xp, a, b):
        return xp.copysign(a, b)

    def backward(ctx, gy):
        (a,) = ctx.saved_tensors
        (y,) = ctx.saved_outputs
        ga = gy * E.where(a == 0, 0.0, y / a) if ctx.needs_input_grad[0] else None
        gb = E._zeros_for(gy) if ctx.needs_input_grad[1] else None
        return ga, gb


class CopysignScalar(Copysign):
    node_name = "CopysignBackward1"
    fixed_positions = None


def copysign(input, other):
    """|input| with other's sign, in a floating dtype (integer inputs give the default one)."""
    input, other = _overloads("copysign", input, other, "other")
    dt = E._result_dtype(input, other)
    if not dt.is_floating_point:
        dt = dtypes.get_default_dtype()
    if isinstance(other, Tensor):
        return Copysign.apply(input, other, dt)
    return CopysignScalar.apply(input, other, dt)


class Logaddexp(E._BinaryOp):
    """log(e^a + e^b); d/da = 1 / (1 + e^(b - a))."""
    node_name = "LogaddexpBackward0"
    op_name = "logaddexp"

    def forward(ctx, a, b, dt):
        ctx.save_for_backward(a, b)
        return E._BinaryOp.forward(ctx, a, b, dt)

    def compute(ctx, xp, a, b):
        return xp.logaddexp(a, b)

    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        ga = gy / (E.exp(b - a) + 1) if ctx.needs_input_grad[0] else None
        gb = gy / (E.exp(a - b) + 1) if ctx.needs_input_grad[1] else None
        return ga, gb


class Logaddexp2(Logaddexp):
    """log2(2^a + 2^b); d/da = 1 / (1 + 2^(b - a))."""
    node_name = "Logaddexp2Backward0"
    op_name = "logaddexp2"

    def compute(ctx, xp, a, b):
        return xp.logaddexp2(a, b)

    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        ga = gy / (E.pow(2.0, b - a) + 1) if ctx.needs_input_grad[0] else None
        gb = gy / (E.pow(2.0, a - b) + 1) if ctx.needs_input_grad[1] else None
        return ga, gb


def _logaddexp(op_cls, input, other, op):
    input, other = _two_tensors(input, other, op)
    dt = E._result_dtype(input, other)
    if not dt.is_floating_point:
        raise _no_kernel(op, input, dt, other)
    return op_cls.apply(input, other, dt)


def logaddexp(input, other):
    return _logaddexp(Logaddexp, input, other, "logaddexp")


def logaddexp2(input, other):
    return _logaddexp(Logaddexp2, input, other, "logaddexp2")


def _xlogy_values(xp, a, b, dt):
    """a * log(b), 0 where a == 0 unless b is NaN (torch's xlogy), computed in ``dt``."""
    a, b = xp.asarray(a, dtype=dt.np), xp.asarray(b, dtype=dt.np)
    out = xp.where(a == 0, dt.np.type(0), a * xp.log(b))
    return xp.where(xp.isnan(b), b, out)


class Xlogy(_SavingBinary):
    """d/da = xlogy(a != 0, b), d/db = a / b."""
    node_name = "XlogyBackward0"
    op_name = "xlogy"

    def forward(ctx, a, b, dt):
        ctx.dt = dt
        return _SavingBinary.forward(ctx, a, b, dt)

    def compute(ctx, xp, a, b):
        return _xlogy_values(xp, a, b, ctx.dt)

    def backward(ctx, gy):
        a, b = ctx.operands()
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = gy * xlogy(a != 0, b)
        if ctx.needs_input_grad[1]:
            gb = gy * a / b
        return ga, gb


class XlogySelfScalar(Xlogy):
    node_name = "XlogyBackward1"
    fixed_positions = None


class XlogyOtherScalar(Xlogy):
    node_name = "XlogyBackward2"
    fixed_positions = None


def xlogy(input, other):
    """input * log(other), 0 where input == 0 (unless other is NaN); either may be a number."""
    input, other = _overloads("xlogy", input, other, "other", number_self=True)
    dt = E._result_dtype(input, other)
    if not dt.is_floating_point:
        dt = dtypes.get_default_dtype()
    if not isinstance(input, Tensor):
        return XlogySelfScalar.apply(input, other, dt)
    if not isinstance(other, Tensor):
        return XlogyOtherScalar.apply(input, other, dt)
    return Xlogy.apply(input, other, dt)


class Fmax(E._BinaryOp):
    """The larger operand, NaN only where both are (numpy's fmax); the gradient goes to input
    where input >= other or other is NaN, else to other."""
    node_name = "FmaxBackward0"
    op_name = "fmax"
    ufunc = "fmax"

    def forward(ctx, a, b, dt):
        ctx.save_for_backward(a, b)
        return E._BinaryOp.forward(ctx, a, b, dt)

    def compute(ctx, xp, a, b):
        return getattr(xp, ctx.ufunc)(a, b)

    def picks_input(ctx, a, b):
        return (a >= b) | E.isnan(b)

    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        mask = ctx.picks_input(a, b)
        ga = E.where(mask, gy, 0.0) if ctx.needs_input_grad[0] else None
        gb = E.where(mask, 0.0, gy) if ctx.needs_input_grad[1] else None
        return ga, gb


class Fmin(Fmax):
    node_name = "FminBackward0"
    op_name = "fmin"
    ufunc = "fmin"

    def picks_input(ctx, a, b):
        return (a <= b) | E.isnan(b)


def fmax(input, other):
    input, other = _two_tensors(input, other, "fmax")
    return Fmax.apply(input, other, E._result_dtype(input, other))


def fmin(input, other):
    input, other = _two_tensors(input, other, "fmin")
    return Fmin.apply(input, other, E._result_dtype(input, other))


def float_power(input, exponent):
    """pow computed in float64 (torch.float_power): tensors are cast to float64 first."""
    input, exponent = _overloads("float_power", input, exponent, "exponent", number_self=True)

    def as_double(x):
        return x.to(dtypes.float64) if isinstance(x, Tensor) else float(x)
    return E.pow(as_double(input), as_double(exponent))


class ClampMin(E.Clamp):
    node_name = "ClampMinBackward0"


class ClampMax(E.Clamp):
    node_name = "ClampMaxBackward0"


class ClampMinTensor(E.ClampTensor):
    node_name = "ClampMinBackward1"
    fixed_positions = (0, 1)


class ClampMaxTensor(E.ClampTensor):
    node_name = "ClampMaxBackward1"
    fixed_positions = (0, 2)


def _clamp_one(input, bound, op, lower):
    input, bound = _overloads(op, input, bound, "min" if lower else "max")
    dt = E._result_dtype(input, bound)
    lo, hi = (bound, None) if lower else (None, bound)
    if isinstance(bound, Tensor):
        return (ClampMinTensor if lower else ClampMaxTensor).apply(input, lo, hi, dt)
    if dt is dtypes.bool_:
        raise op_note(NotImplementedError(f'"{op}_scalar_cpu" not implemented for \'Bool\''), op,
                      input)
    if dt is not input.dtype:
        input = input.to(dt)
    return (ClampMin if lower else ClampMax).apply(input, lo, hi)


def clamp_min(input, min):
    """max(input, min) elementwise (torch.clamp_min; ``min`` a number or a tensor)."""
    return _clamp_one(input, min, "clamp_min", True)


def clamp_max(input, max):
    return _clamp_one(input, max, "clamp_max", False)
