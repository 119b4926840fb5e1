"""Tensor's operators and op methods, attached from the ops modules, and the in-place methods.

In-place ops follow torch: a leaf that requires grad refuses them while grad mode is on; when the
op is recorded, the out-of-place result is written into the tensor's memory and the tensor takes
the new grad_fn; every in-place write bumps the version counter that saved tensors check.
"""
from . import dtypes
from .autograd import grad_mode
from .ops import elementwise as E
from .ops import indexing as I
from .ops import linalg as L
from .ops import reduction as R
from .ops import shape as S
from .tensor import Tensor

_LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."


def _recording(t, other=None):
    if not grad_mode._state.enabled:
        return False
    return t._requires_grad or (isinstance(other, Tensor) and other._requires_grad)


def _check_leaf(t):
    if t._requires_grad and t.grad_fn is None and grad_mode._state.enabled:
        raise RuntimeError(_LEAF_INPLACE)


def _castable(src, dst):
    """torch's rule for in-place results: no float into an integer tensor, nothing into bool."""
    return src._kind <= dst._kind


def _cast_error(src, dst):
    names = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
             "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
    return RuntimeError(f"result type {names[src.name]} can't be cast to the desired output type "
                        f"{names[dst.name]}")


def _commit(t, result):
    """Writes an out-of-place result into ``t`` and hands ``t`` the result's place in the graph."""
    if result.dtype is not t.dtype and not _castable(result.dtype, t.dtype):
        raise _cast_error(result.dtype, t.dtype)
    if result._data.shape != t._data.shape:
        raise RuntimeError(f"output with shape {list(t._data.shape)} doesn't match the broadcast "
                           f"shape {list(result._data.shape)}")
    t._data[...] = result._data
    t._version[0] += 1
    if result.grad_fn is not None:
        t.grad_fn = result.grad_fn
        t._output_nr = result._output_nr
        t._requires_grad = True
    return t


def _inplace_binary(t, other, out_of_place, ufunc_name, alpha=1):
    if _recording(t, other):
        _check_leaf(t)
        return _commit(t, out_of_place(t, other) if alpha == 1 else out_of_place(t, other, alpha=alpha))
    E._check_operand(other, ufunc_name)
    dt = E._result_dtype(t, other)
    if ufunc_name == "true_divide" and not dt.is_floating_point:
        dt = dtypes.get_default_dtype()
    if dt is not t.dtype and not _castable(dt, t.dtype):
        raise _cast_error(dt, t.dtype)
    operand = E._as_operand(other, dt, t._backend)
    if alpha != 1:
        operand = operand * alpha
    xp = t._backend.xp
    try:
        getattr(xp, ufunc_name)(t._data, operand, out=t._data, casting="unsafe")
    except ValueError:
        raise RuntimeError(f"output with shape {list(t._data.shape)} doesn't match the broadcast "
                           f"shape of {list(t._data.shape)} and {list(E._shape(other))}") from None
    t._version[0] += 1
    return t


def add_(self, other, alpha=1):
    return _inplace_binary(self, other, E.add, "add", alpha)


def sub_(self, other, alpha=1):
    return _inplace_binary(self, other, E.sub, "subtract", alpha)


def mul_(self, other):
    return _inplace_binary(self, other, E.mul, "multiply")


def div_(self, other, rounding_mode=None):
    if rounding_mode is not None:
        return _inplace_unary(self, lambda t: E.div(t, other, rounding_mode=rounding_mode))
    return _inplace_binary(self, other, E.div, "true_divide")


def _inplace_unary(t, out_of_place):
    _check_leaf(t)
    if grad_mode._state.enabled and t._requires_grad:
        return _commit(t, out_of_place(t))
    with grad_mode.no_grad():
        return _commit(t, out_of_place(t))


def zero_(self):
    _check_leaf(self)
    if _recording(self):
        return _commit(self, self * 0)
    self._data.fill(0)
    self._version[0] += 1
    return self


def fill_(self, value):
    _check_leaf(self)
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        if _recording(self, value):
            return _commit(self, E.add(self.detach() * 0, value.to(self.device, self.dtype)))
        value = value.item()
    if _recording(self):
        return _commit(self, E.add(self.detach() * 0, value))
    self._data.fill(value)
    self._version[0] += 1
    return self


def copy_(self, src, non_blocking=False):
    _check_leaf(self)
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
    if _recording(self, src):
        # the old values get no gradient; src's is summed over the dims it is broadcast along
        return _commit(self, E.add(self.detach() * 0, src.to(self.device, self.dtype)))
    data = src._data
    if src._backend is not self._backend:
        data = self._backend.asarray(src._backend.to_host(data))
    try:
        self._data[...] = data
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({list(self._data.shape)}) must match the size of "
                           f"tensor b ({list(src._data.shape)}) (copy_: src must broadcast to "
                           "self)") from None
    self._version[0] += 1
    return self


def clamp_(self, min=None, max=None):
    return _inplace_unary(self, lambda t: E.clamp(t, min, max))


def setitem(self, key, value):
    if _recording(self, value):
        _check_leaf(self)
        return _commit(self, I.put_result(self, key, value))
    with grad_mode.no_grad():
        result = I.put_result(self, key, value)
    self._data[...] = result._data
    self._version[0] += 1


def _unary_inplace_method(fn):
    def method(self, *args, **kwargs):
        return _inplace_unary(self, lambda t: fn(t, *args, **kwargs))
    return method


def _swap(fn):
    return lambda self, other: fn(other, self)


def _rtruediv(self, other):
    return E.div(other, self)


def _rpow(self, other):
    return E.pow(other, self)


def _rmatmul(self, other):
    return L.matmul(other, self)


def _size_t(self):
    return S.permute(self, *reversed(range(self._data.ndim))) if self._data.ndim >= 2 else self


def _ops_methods():
    return {
        # operators
        "__add__": E.add, "__radd__": E.add, "__iadd__": add_,
        "__sub__": E.sub, "__rsub__": lambda self, other: E.sub(other, self), "__isub__": sub_,
        "__mul__": E.mul, "__rmul__": E.mul, "__imul__": mul_,
        "__truediv__": E.div, "__rtruediv__": _rtruediv, "__itruediv__": div_,
        "__floordiv__": E.floor_divide, "__rfloordiv__": _swap(E.floor_divide),
        "__mod__": E.remainder, "__rmod__": _swap(E.remainder),
        "__pow__": E.pow, "__rpow__": _rpow,
        "__matmul__": L.matmul, "__rmatmul__": _rmatmul,
        "__neg__": E.neg, "__pos__": lambda self: self, "__abs__": E.abs,
        "__invert__": E.bitwise_not,
        "__and__": E.logical_and, "__or__": E.logical_or, "__xor__": E.logical_xor,
        "__rand__": E.logical_and, "__ror__": E.logical_or, "__rxor__": E.logical_xor,
        "__eq__": E.eq, "__ne__": E.ne, "__lt__": E.lt, "__le__": E.le, "__gt__": E.gt, "__ge__": E.ge,
        "__getitem__": I.getitem, "__setitem__": setitem,
        # elementwise
        "add": E.add, "sub": E.sub, "subtract": E.sub, "mul": E.mul, "multiply": E.mul,
        "div": E.div, "divide": E.div, "true_divide": E.div, "floor_divide": E.floor_divide,
        "remainder": E.remainder, "pow": E.pow, "neg": E.neg, "negative": E.neg,
        "exp": E.exp, "log": E.log, "sqrt": E.sqrt, "rsqrt": E.rsqrt, "sin": E.sin, "cos": E.cos,
        "abs": E.abs, "relu": E.relu, "sigmoid": E.sigmoid, "tanh": E.tanh, "clamp": E.clamp,
        "clip": E.clamp, "maximum": E.maximum, "minimum": E.minimum, "sign": E.sign,
        "eq": E.eq, "ne": E.ne, "lt": E.lt, "le": E.le, "gt": E.gt, "ge": E.ge,
        "logical_not": E.logical_not, "logical_and": E.logical_and, "logical_or": E.logical_or,
        "isnan": E.isnan, "isinf": E.isinf, "isfinite": E.isfinite, "allclose": E.allclose,
        "equal": E.equal, "clone": E.clone,
        "where": lambda self, condition, other: E.where(condition, self, other),
        "masked_fill": I.masked_fill, "gather": I.gather, "nonzero": I.nonzero,
        # reductions
        "sum": R.sum, "mean": R.mean, "var": R.var, "std": R.std, "max": R.max, "min": R.min,
        "amax": R.amax, "amin": R.amin, "argmax": R.argmax, "argmin": R.argmin,
        "logsumexp": R.logsumexp, "all": R.all, "any": R.any,
        # shape
        "view": S.view, "reshape": S.reshape, "flatten": S.flatten, "unflatten": S.unflatten,
        "squeeze": S.squeeze, "unsqueeze": S.unsqueeze, "transpose": S.transpose,
        "swapaxes": S.transpose, "permute": S.permute, "t": S.t, "expand": S.expand,
        "expand_as": S.expand_as, "broadcast_to": S.broadcast_to, "narrow": S.narrow,
        "select": S.select, "split": S.split, "chunk": S.chunk, "unbind": S.unbind,
        "contiguous": S.contiguous, "movedim": S.movedim,
        "view_as": lambda self, other: S.view(self, other._data.shape),
        "reshape_as": lambda self, other: S.reshape(self, other._data.shape),
        # linear algebra
        "matmul": L.matmul, "mm": L.mm, "bmm": L.bmm, "dot": L.dot, "mv": L.mv, "outer": L.outer,
        # in-place
        "add_": add_, "sub_": sub_, "mul_": mul_, "div_": div_, "zero_": zero_, "fill_": fill_,
        "copy_": copy_, "clamp_": clamp_, "clip_": clamp_,
        "pow_": _unary_inplace_method(E.pow), "neg_": _unary_inplace_method(E.neg),
        "exp_": _unary_inplace_method(E.exp), "log_": _unary_inplace_method(E.log),
        "sqrt_": _unary_inplace_method(E.sqrt), "abs_": _unary_inplace_method(E.abs),
        "relu_": _unary_inplace_method(E.relu), "sigmoid_": _unary_inplace_method(E.sigmoid),
        "tanh_": _unary_inplace_method(E.tanh),
        "masked_fill_": _unary_inplace_method(I.masked_fill),
    }


for _name, _fn in _ops_methods().items():
    setattr(Tensor, _name, _fn)

Tensor.T = property(_size_t)
Tensor.mT = property(lambda self: S.transpose(self, -2, -1))
