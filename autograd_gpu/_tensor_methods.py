"""Tensor's operators and op methods, attached from the ops modules, and the in-place methods.

In-place ops follow torch: a leaf that requires grad refuses them while grad mode is on; when the
op is recorded, the out-of-place op runs on a stand-in for the tensor's old value (its place in the
graph, and a private copy of its values if the op saved them), the result is written into the
tensor's memory and the tensor takes the new grad_fn; every in-place write bumps the version counter
that saved tensors check.
"""
import numbers
import sys

from . import dtypes
from .autograd import grad_mode
from .autograd.function import Op
from .backend.float_errors import restore, silence, silenced
from .ops import elementwise as E
from .ops import indexing as I
from .ops import linalg as L
from .ops import pointwise as P
from .ops import reduction as R
from .ops import scan as C
from .ops import shape as S
from .ops import stacking as K
from .ops import view_inplace as V
from .tensor import Tensor, check_tensor, op_note, with_note

_LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."


def _recording(t, other=None):
    if not grad_mode._state.enabled:
        return False
    return t._requires_grad or (isinstance(other, Tensor) and other._requires_grad)


def _check_inplace(t, recording, op):
    """torch's checks before ``t`` is written in place (``recording``: the op goes into the
    graph): a view's (view_inplace.check_inplace), then no leaf that requires grad."""
    if t._view is not None:
        V.check_inplace(t, recording, op)
    if t._requires_grad and grad_mode._state.enabled and t.grad_fn is None:
        raise RuntimeError(_LEAF_INPLACE)


def _check_view(t, op):
    """The view checks of an in-place op that is not recorded."""
    if t._view is not None:
        V.check_inplace(t, False, op)


def _castable(src, dst):
    """torch's rule for in-place results: no float into an integer tensor, nothing into bool."""
    return src._kind <= dst._kind




def _cast_error(src, dst):
    return RuntimeError(f"result type {src.scalar_name} can't be cast to the desired "
                        f"output type {dst.scalar_name}")


def _broadcast_shape(a, b):
    """torch's broadcast of two shapes, or its error naming the first mismatching dimension."""
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    out = []
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {i}")
        out.append(y if x == 1 else x)
    return out


def _shape_mismatch(t, shape):
    return RuntimeError(f"output with shape {list(t._data.shape)} doesn't match the broadcast shape "
                        f"{list(shape)}")


def _check_broadcast_into(t, other_shape, op):
    try:
        shape = _broadcast_shape(t._data.shape, other_shape)
        if tuple(shape) != t._data.shape:
            raise _shape_mismatch(t, shape)
    except RuntimeError as err:
        raise with_note(err, f"in {op}() of a tensor of shape {list(t._data.shape)} with one of "
                             f"shape {list(other_shape)}") from None


def _commit(t, result):
    """Writes an out-of-place result into ``t`` and hands ``t`` the result's place in the graph."""
    if result.dtype is not t.dtype and not _castable(result.dtype, t.dtype):
        raise _cast_error(result.dtype, t.dtype)
    if result._data.shape != t._data.shape:
        raise _shape_mismatch(t, result._data.shape)
    if result._data is not t._data:  # an in-place op (relu_) wrote t's memory itself
        quiet = silence()  # a cast that overflows gives inf, as in torch, without numpy's warning
        try:
            t._data[...] = result._data
        finally:
            restore(quiet)
    t._version[0] += 1
    node = result.grad_fn
    if node is not None:
        if t._view is not None:
            V.rebase(t, result)
        else:
            old_node, old_nr = t._grad_fn, t._output_nr
            t.grad_fn = node
            t._output_nr = result._output_nr
            t._requires_grad = True
            t._move_retained(old_node, old_nr)
        saved = node._saved_outputs
        if saved and result.dtype is t.dtype:
            # a saved output now lives in t: later in-place writes to t must be caught
            node._saved_outputs = tuple(
                (t._data, t._version, t._version[0]) if array is result._data else (array, c, v)
                for array, c, v in saved)
    return t


def _record(t, compute):
    """Runs ``compute`` (an out-of-place op) on a stand-in for ``t`` in the graph and commits the
    result to ``t``. The stand-in shares t's memory; where the op kept a reference to it (saved
    it for backward), it gets a copy of the old values first, as torch saves ``self.clone()``."""
    alias = Tensor._make(t._data, t._backend, t._requires_grad, t.grad_fn, t._output_nr)
    before = sys.getrefcount(alias)
    result = compute(alias)
    if sys.getrefcount(alias) > before + (result is alias):
        alias._data = alias._data.copy()
    return _commit(t, result)


def _plain_operand(t, other):
    """For a floating ``t``, the array or number to compute ``t op= other`` with when no promotion
    check is needed (a Python real, or a Tensor of t's dtype on t's device); None otherwise.
    The optimizers' updates take this path."""
    data = t._data
    if data.dtype.kind != "f":
        return None
    kind = type(other)
    if kind is float:
        return other
    if kind is int:
        return float(other)
    if kind is Tensor and other._backend is t._backend and other._data.dtype == data.dtype:
        return other._data
    return None


def _inplace_binary(t, other, out_of_place, ufunc_name, alpha=1):
    if _recording(t, other):
        op = f"{out_of_place.__name__}_"
        other = E._operand(other, op)  # a bad argument is reported before the leaf, as in torch
        _check_inplace(t, True, op)
        if alpha == 1:
            return _record(t, lambda a: out_of_place(a, other))
        return _record(t, lambda a: out_of_place(a, other, alpha=alpha))
    if t._view is not None:  # (the optimizers' hot path: no name built otherwise)
        V.check_inplace(t, False, f"{out_of_place.__name__}_")
    operand = _plain_operand(t, other)
    if operand is None:
        operand = _promoted_operand(t, other, ufunc_name, f"{out_of_place.__name__}_")
    if alpha != 1:
        operand = operand * alpha
    quiet = silence()
    try:
        getattr(t._backend.xp, ufunc_name)(t._data, operand, out=t._data, casting="unsafe")
    except ValueError:
        _check_broadcast_into(t, E._shape(other), f"{out_of_place.__name__}_")
        raise
    finally:
        restore(quiet)
    t._version[0] += 1
    return t


def _promoted_operand(t, other, ufunc_name, op):
    """``other`` cast to the dtype of ``t op other``, which must fit into ``t`` (torch's rule)."""
    other = E._operand(other, op)
    if ufunc_name == "subtract":
        E._check_bool_sub(t, other)
    dt = E._result_dtype(t, other)
    if ufunc_name == "true_divide" and not dt.is_floating_point:
        dt = dtypes.get_default_dtype()
    if dt is not t.dtype and not _castable(dt, t.dtype):
        raise _cast_error(dt, t.dtype)
    return E._as_operand(other, dt, t._backend, op, inplace=True)


def add_(self, other, alpha=1):
    return _inplace_binary(self, other, E.add, "add", alpha)


def sub_(self, other, alpha=1):
    return _inplace_binary(self, other, E.sub, "subtract", alpha)


def mul_(self, other):
    return _inplace_binary(self, other, E.mul, "multiply")


def div_(self, other, rounding_mode=None):
    if rounding_mode is not None:
        return _inplace_unary(self, lambda t: E.div(t, other, rounding_mode=rounding_mode),
                              "div_")
    return _inplace_binary(self, other, E.div, "true_divide")


def _inplace_unary(t, out_of_place, op, other=None):
    """``t`` replaced by ``out_of_place(t)``: recorded when t (or the tensor operand ``other``,
    scatter_'s src, index_add_'s source) requires grad."""
    recording = _recording(t, other)
    _check_inplace(t, recording, op)
    try:
        if recording:
            return _record(t, out_of_place)
        with grad_mode.no_grad():
            return _commit(t, out_of_place(t))
    except RuntimeError as err:
        if str(err).startswith("result type ") and not getattr(err, "__notes__", None):
            raise op_note(err, op, t) from None  # _commit's cast error names no op
        raise


# -- zero_, fill_, copy_: the old values get no gradient (torch's ZeroBackward0, FillBackward2/3,
#    CopyBackwards); written as ops here because they exist only as in-place methods -----------

_zeros_for = E._zeros_for


class _Zero(Op):
    node_name = "ZeroBackward0"

    def forward(ctx, x):
        return x._backend.xp.zeros_like(x._data)

    def backward(ctx, gy):
        return _zeros_for(gy)


class _FillScalar(Op):
    node_name = "FillBackward2"

    def forward(ctx, x, value):
        return x._backend.xp.full_like(x._data, value)

    def backward(ctx, gy):
        return _zeros_for(gy), None


class _FillTensor(Op):
    """Every element takes the 0-d ``value``: its gradient is the sum of gy (reduced centrally)."""
    node_name = "FillBackward3"

    def forward(ctx, x, value):
        out = x._backend.xp.empty_like(x._data)
        out[...] = value._data  # a 0-d array of the same device; cast to x's dtype
        return out

    def backward(ctx, gy):
        return (_zeros_for(gy) if ctx.needs_input_grad[0] else None), gy


class _Copy(Op):
    """``self.copy_(src)``: src broadcast to self's shape and cast to its dtype; the gradient of src
    is summed back to its shape and cast to its dtype centrally."""
    node_name = "CopyBackwards"

    def forward(ctx, x, src):
        xp = x._backend.xp
        return xp.broadcast_to(src._data, x._data.shape).astype(x._data.dtype, copy=True)

    def backward(ctx, gy):
        return (_zeros_for(gy) if ctx.needs_input_grad[0] else None), gy


def _same_device(src, t):
    return src if src._backend is t._backend else src.to(t.device)


def zero_(self):
    _check_inplace(self, _recording(self), "zero_")
    if _recording(self):
        return _record(self, _Zero.apply)
    self._data.fill(0)
    self._version[0] += 1
    return self


@silenced  # NaN or a float16 overflow cast into the tensor as torch casts it, without a warning
def fill_(self, value):
    value = E._operand(value, "fill_")
    _check_inplace(self, _recording(self, value), "fill_")
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        value = _same_device(value, self)
        if _recording(self, value):
            return _record(self, lambda a: _FillTensor.apply(a, value))
        self._data[...] = value._data  # cast as torch casts a tensor value, overflow and all
        self._version[0] += 1
        return self
    I.check_fits(self, value, "fill_")
    if _recording(self):
        return _record(self, lambda a: _FillScalar.apply(a, value))
    self._data.fill(value)
    self._version[0] += 1
    return self


@silenced
def copy_(self, src, non_blocking=False):
    if not isinstance(src, Tensor):  # a Python number is copied as a 0-d tensor, as in torch
        try:
            src = E._scalar_tensor(E._operand(src, "copy_"), self._backend)
        except TypeError:
            check_tensor(src, "copy_", "other", 1)
    _check_inplace(self, _recording(self, src), "copy_")
    _check_broadcast_into(self, src._data.shape, "copy_")
    if _recording(self, src):
        src = _same_device(src, self)
        return _record(self, lambda a: _Copy.apply(a, src))
    data = src._data
    if src._backend is not self._backend:
        data = self._backend.asarray(src._backend.to_host(data))
    try:
        self._data[...] = data
    except ValueError:
        raise _shape_mismatch(self, _broadcast_shape(self._data.shape, src._data.shape)) from None
    self._version[0] += 1
    return self


def clamp_(self, min=None, max=None):
    min, max = E._clamp_bound(min), E._clamp_bound(max)
    return _inplace_unary(self, lambda t: E.clamp(t, min, max), "clamp_")


def pow_(self, exponent):
    exponent = E._operand(exponent, "pow_")
    return _inplace_unary(self, lambda t: E.pow(t, exponent), "pow_")


def tril_(self, diagonal=0):
    return _inplace_unary(self, lambda t: S.tril(t, diagonal), "tril_")


def triu_(self, diagonal=0):
    return _inplace_unary(self, lambda t: S.triu(t, diagonal), "triu_")


def scatter_(self, dim, index, src=None, *, value=None):
    src = value if src is None else src
    if not isinstance(src, Tensor):
        src = E._operand(src, "scatter_")  # a bad argument is reported before the leaf
    return _inplace_unary(self, lambda t: I.scatter(t, dim, index, src), "scatter_", src)


def scatter_add_(self, dim, index, src):
    check_tensor(src, "scatter_add_", "src", 3)  # before the leaf check, as in torch
    return _inplace_unary(self, lambda t: I.scatter_add(t, dim, index, src), "scatter_add_", src)


def index_add_(self, dim, index, source, *, alpha=1):
    check_tensor(source, "index_add_", "source", 3)  # before the leaf check, as in torch
    return _inplace_unary(self, lambda t: I.index_add(t, dim, index, source, alpha=alpha),
                          "index_add_", source)


def index_fill_(self, dim, index, value):
    value = E._operand(value, "index_fill_")  # a bad argument is reported before the leaf
    return _inplace_unary(self, lambda t: I.index_fill(t, dim, index, value), "index_fill_", value)


def index_copy_(self, dim, index, source):
    check_tensor(source, "index_copy_", "source", 3)  # before the leaf check, as in torch
    return _inplace_unary(self, lambda t: I.index_copy(t, dim, index, source), "index_copy_",
                          source)


def masked_fill_(self, mask, value):
    check_tensor(mask, "masked_fill_", "mask", 1)
    return _inplace_unary(self, lambda t: I.masked_fill(t, mask, value), "masked_fill_")


# -- addcmul_, addcdiv_, lerp_: torch's fused pointwise updates (an Adam step is made of them) -----

def _in_common_dtype(*tensors):
    """The tensors' arrays in the dtype torch computes a pointwise op of them in (its
    result_type: a 0-d tensor lifts only the category, ``addcmul(half, 0-d float, 0-d float)``
    is half)."""
    dt = E._result_dtype_of(*tensors)
    return tuple(t._data.astype(dt.np, copy=False) for t in tensors)


class _Addcmul(Op):
    """x + value * t1 * t2 (torch's rounding order: (value * t1) * t2, then the sum)."""
    node_name = "AddcmulBackward0"

    def forward(ctx, x, t1, t2, value):
        need = ctx.needs_input_grad
        ctx.save_for_backward(t1 if need[2] else None, t2 if need[1] else None)
        ctx.value = value
        xd, a, b = _in_common_dtype(x, t1, t2)
        return E._array(x._backend.xp, xd + a * value * b)

    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (g, g * t2 * ctx.value if need[1] else None,
                g * t1 * ctx.value if need[2] else None)


class _Addcdiv(Op):
    """x + value * t1 / t2."""
    node_name = "AddcdivBackward0"

    def forward(ctx, x, t1, t2, value):
        need = ctx.needs_input_grad
        ctx.save_for_backward(t1 if need[2] else None, t2 if need[1] or need[2] else None)
        ctx.value = value
        xd, a, b = _in_common_dtype(x, t1, t2)
        return E._array(x._backend.xp, xd + a * value / b)

    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        need = ctx.needs_input_grad
        value = ctx.value
        return (g, g * (value / t2) if need[1] else None,
                -g * (value * t1) / (t2 * t2) if need[2] else None)


def _lerp_values(xp, x, end, weight):
    """torch's two-branch lerp, exact at both ends: x + w (end - x) where |w| < 0.5, else
    end - (end - x)(1 - w); ``weight`` a number or an array."""
    diff = end - x
    if isinstance(weight, (int, float)):
        return x + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)
    return xp.where(xp.abs(weight) < 0.5, x + weight * diff, end - diff * (1 - weight))


class _LerpScalar(Op):
    node_name = "LerpBackward0"

    def forward(ctx, x, end, weight):
        ctx.weight = weight
        return E._array(x._backend.xp, _lerp_values(x._backend.xp, x._data, end._data, weight))

    def backward(ctx, g):
        need = ctx.needs_input_grad
        w = ctx.weight
        return (g * (1.0 - w) if need[0] else None), (g * w if need[1] else None)


class _LerpTensor(Op):
    node_name = "LerpBackward1"

    def forward(ctx, x, end, weight):
        need = ctx.needs_input_grad
        ctx.save_for_backward(x if need[2] else None, end if need[2] else None,
                              weight if need[0] or need[1] else None)
        xp = x._backend.xp
        return E._array(xp, _lerp_values(xp, x._data, end._data, weight._data))

    def backward(ctx, g):
        x, end, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (g * (1.0 - w) if need[0] else None, g * w if need[1] else None,
                g * (end - x) if need[2] else None)


def _check_tensor_arg(op, value, name, position):
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, not "
                        f"{type(value).__name__}")


def _check_broadcast_args(t, *others):
    """torch's errors for operands that do not broadcast together, or not into ``t``."""
    shape = t._data.shape
    try:
        for o in others:
            if o._data.shape != t._data.shape:
                shape = _broadcast_shape(shape, o._data.shape)
        if tuple(shape) != t._data.shape:
            raise _shape_mismatch(t, shape)
    except RuntimeError as err:
        shapes = ", ".join(str(list(o._data.shape)) for o in (t, *others))
        raise with_note(err, f"in an in-place update of tensors of shapes {shapes}") from None


def _fused_inplace(t, op, tensors, numbers, arrays_update, name):
    """``t`` updated in place by ``op``'s formula on ``tensors`` and ``numbers``: recorded as
    ``op`` when autograd is on; else ``arrays_update(xp, t, *arrays, *numbers)`` on the arrays
    when every tensor has t's floating dtype and device (the optimizers' path); else the op's
    result, cast into t under torch's rules."""
    _check_broadcast_args(t, *tensors)
    if grad_mode._state.enabled and (t._requires_grad or any(a._requires_grad for a in tensors)):
        _check_inplace(t, True, name)
        return _record(t, lambda x: op.apply(x, *tensors, *numbers))
    _check_view(t, name)
    data = t._data
    if data.dtype.kind == "f" and all(a._backend is t._backend and a._data.dtype == data.dtype
                                      for a in tensors):
        quiet = silence()
        try:
            arrays_update(t._backend.xp, data, *(a._data for a in tensors), *numbers)
        finally:
            restore(quiet)
        t._version[0] += 1
        return t
    with grad_mode.no_grad():
        return _commit(t, op.apply(t, *tensors, *numbers))


def _integral_value(value, *tensors):
    """Integer tensors take ``value`` in their own type, as torch casts the scalar."""
    return value if any(a._data.dtype.kind == "f" for a in tensors) else int(value)


def _addcmul_arrays(xp, x, t1, t2, value):
    xp.add(x, t1 * value * t2, out=x)


def _addcdiv_arrays(xp, x, t1, t2, value):
    xp.add(x, t1 * value / t2, out=x)


def addcmul_(self, tensor1, tensor2, *, value=1):
    """self += value * tensor1 * tensor2."""
    _check_tensor_arg("addcmul_", tensor1, "tensor1", 1)
    _check_tensor_arg("addcmul_", tensor2, "tensor2", 2)
    if self.dtype is tensor1.dtype is tensor2.dtype is dtypes.bool_:
        raise op_note(NotImplementedError("\"addcmul_cpu_out\" not implemented for 'Bool'"),
                      "addcmul_", self, tensor1, tensor2)
    value = _integral_value(value, self, tensor1, tensor2)
    return _fused_inplace(self, _Addcmul, (tensor1, tensor2), (value,), _addcmul_arrays,
                          "addcmul_")


_ADDCDIV_INTEGER = (
    "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will "
    "perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be "
    "implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer "
    "inputs and as (input + value * tensor1 / tensor2) for float inputs. The future addcdiv "
    "behavior is just the latter implementation: (input + value * tensor1 / tensor2), for all "
    "dtypes.")


def addcdiv_(self, tensor1, tensor2, *, value=1):
    """self += value * tensor1 / tensor2."""
    _check_tensor_arg("addcdiv_", tensor1, "tensor1", 1)
    _check_tensor_arg("addcdiv_", tensor2, "tensor2", 2)
    if tensor1._data.dtype.kind in "biu" and tensor2._data.dtype.kind in "biu":
        raise RuntimeError(_ADDCDIV_INTEGER)
    return _fused_inplace(self, _Addcdiv, (tensor1, tensor2), (value,), _addcdiv_arrays,
                          "addcdiv_")


def _addc(op, op_cls, input, tensor1, tensor2, value, positions=(1, 2, 3)):
    """torch.addcmul/addcdiv out of place: the three tensors broadcast together (in torch's
    order: input, tensor1, tensor2) into a new tensor of their promoted dtype."""
    for t, name, position in zip((input, tensor1, tensor2), ("input", "tensor1", "tensor2"),
                                 positions):
        _check_tensor_arg(op, t, name, position)
    if op == "addcmul" and input.dtype is tensor1.dtype is tensor2.dtype is dtypes.bool_:
        raise op_note(NotImplementedError("\"addcmul_cpu_out\" not implemented for 'Bool'"), op,
                      input, tensor1, tensor2)
    if op == "addcdiv" and tensor1._data.dtype.kind in "biu" and tensor2._data.dtype.kind in "biu":
        raise RuntimeError(_ADDCDIV_INTEGER)
    try:
        _broadcast_shape(_broadcast_shape(input._data.shape, tensor1._data.shape),
                         tensor2._data.shape)
    except RuntimeError as err:
        raise op_note(err, op, input, tensor1, tensor2) from None
    if op == "addcmul":
        value = _integral_value(value, input, tensor1, tensor2)
    return op_cls.apply(input, tensor1, tensor2, value)


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2 (torch.addcmul)."""
    return _addc("addcmul", _Addcmul, input, tensor1, tensor2, value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2 (torch.addcdiv)."""
    return _addc("addcdiv", _Addcdiv, input, tensor1, tensor2, value)


def _lerp_scalar_arrays(xp, x, end, weight):
    diff = end - x
    if abs(weight) < 0.5:
        diff *= weight
        xp.add(x, diff, out=x)
    else:
        diff *= 1 - weight
        xp.subtract(end, diff, out=x)


def _lerp_tensor_arrays(xp, x, end, weight):
    x[...] = _lerp_values(xp, x, end, weight)


def _check_lerp(op, self, end, weight):
    """lerp's checks (torch's order): ``end`` a Tensor, ``weight`` a Tensor or a number, both of
    self's dtype, a floating dtype. Answers whether weight is a number."""
    _check_tensor_arg(op, end, "end", 1)
    scalar = not isinstance(weight, Tensor)
    if scalar and not isinstance(weight, numbers.Real):
        raise TypeError(f"{op}(): argument 'weight' (position 2) must be Tensor or Number, not "
                        f"{type(weight).__name__}")
    for other, name in ((end, "end"), (None if scalar else weight, "weight")):
        if other is not None and other.dtype is not self.dtype:
            raise op_note(RuntimeError(f"expected dtype {self.dtype.cpp_name} for `{name}` but "
                                       f"got dtype {other.dtype.cpp_name}"), op, self, other)
    if not self.dtype.is_floating_point:
        kernel = "lerp_kernel_scalar" if scalar else "lerp_kernel_tensor"
        raise op_note(NotImplementedError(f"\"{kernel}\" not implemented for "
                                          f"'{self.dtype.scalar_name}'"), op, self)
    return scalar


def lerp_(self, end, weight):
    """self += weight * (end - self), by torch's two-branch formula (exact at weights 0 and 1);
    ``weight`` a number or a tensor."""
    if _check_lerp("lerp_", self, end, weight):
        return _fused_inplace(self, _LerpScalar, (end,), (float(weight),), _lerp_scalar_arrays,
                              "lerp_")
    return _fused_inplace(self, _LerpTensor, (end, weight), (), _lerp_tensor_arrays, "lerp_")


def lerp(input, end, weight):
    """input + weight * (end - input), all three broadcast together (torch.lerp, LerpBackward0
    for a number weight, LerpBackward1 for a tensor one)."""
    check_tensor(input, "lerp")
    scalar = _check_lerp("lerp", input, end, weight)
    others = (end,) if scalar else (end, weight)
    try:
        shape = _broadcast_shape(input._data.shape, end._data.shape)
        if not scalar:
            _broadcast_shape(shape, weight._data.shape)
    except RuntimeError as err:
        raise op_note(err, "lerp", input, *others) from None
    if scalar:
        return _LerpScalar.apply(input, end, float(weight))
    return _LerpTensor.apply(input, end, weight)


def setitem(self, key, value):
    if _recording(self, value):
        if self.grad_fn is None and self._requires_grad:  # torch reports a bad key or value first
            I.check_assignment(self, key, value)
        _check_inplace(self, True, "__setitem__")
        _record(self, lambda a: I.put_result(a, key, value))
        return
    _check_view(self, "__setitem__")
    with grad_mode.no_grad():
        result = I.put_result(self, key, value)
    self._data[...] = result._data
    self._version[0] += 1


def relu_(self):
    if self._data.dtype.kind == "b":
        E.relu(self)  # torch's error for bool
    return _inplace_unary(self, E.ReluInplace.apply, "relu_")


def _binary_inplace_method(fn, takes_numbers):
    """An in-place binary method: its operand's type is checked first (a Tensor, or also a number
    where ``takes_numbers``), as torch's argument parser does, then the in-place checks on self."""
    op = f"{fn.__name__}_"

    def method(self, other):
        if takes_numbers:
            E._operand(other, op)
        else:
            check_tensor(other, op, "other")
        return _inplace_unary(self, lambda t: fn(t, other), op)
    return method


def _positive(self):
    if self._data.dtype.kind == "b":
        raise op_note(RuntimeError("The `+` operator, on a bool tensor is not supported."),
                      "positive", self)
    return self


def _as_shape_of(fn, op):
    """view_as / reshape_as: ``fn`` to the shape of a Tensor ``other``."""
    def method(self, other):
        check_tensor(other, op, "other")
        return fn(self, other._data.shape)
    return method


def _unary_inplace_method(fn):
    def method(self, *args, **kwargs):
        return _inplace_unary(self, lambda t: fn(t, *args, **kwargs), f"{fn.__name__}_")
    return method


def _pointwise_inplace_method(fn):
    """fmod_ and the other ops/pointwise.py binaries in place: a bad operand is reported (by
    pointwise's overload check) before the leaf check, as in torch."""
    op = f"{fn.__name__}_"

    def method(self, *args, **kwargs):
        operands = list(args) + list(kwargs.values())
        if len(operands) == 1:
            P._overloads(op, self, operands[0], "other")
        return _inplace_unary(self, lambda t: fn(t, *args, **kwargs), op)
    method.__name__ = op
    return method


def _inplace_result_method(compute, name):
    """An in-place method writing ``compute(self)`` (an op of its own, as asinh_'s)."""
    def method(self):
        return _inplace_unary(self, compute, name)
    method.__name__ = name
    return method


def _activation_method(name):
    """A method running ops/activation.py's ``name``, looked up on call (that module imports
    this one)."""
    def method(self, dim, dtype=None):
        from .ops import activation  # noqa: PLC0415

        return getattr(activation, name)(self, dim, dtype=dtype)
    method.__name__ = name.replace("torch_", "")
    return method


def _equality(fn):
    """``==`` and ``!=`` with an operand that is neither a Tensor nor a number answer
    NotImplemented, so Python falls back to identity (``t == None`` is False), as torch's do."""
    def method(self, other):
        try:
            other = E._operand(other, fn.__name__)
        except TypeError:
            return NotImplemented
        return fn(self, other)
    return method


def _operator(method):
    """A binary operator (``t * 2``; reflected, ``2 * t`` runs ``t.__rmul__(2)``; in place,
    ``t += 2``) for a Tensor or a number; anything else answers NotImplemented, as torch's
    operators do (they turn the op's TypeError into NotImplemented). Python then tries the
    other operand's own operator:
    ``"ab" * t`` and ``t * [1]`` repeat the sequence for an integer 0-d t, and ``t + "a"`` raises
    Python's "unsupported operand type(s) for +: 'Tensor' and 'str'"."""
    def operator(self, other):
        try:
            other = E._operand(other, "")
        except TypeError:
            return NotImplemented
        return method(self, other)
    return operator


def _tensor_operator(method):
    """``@``: a Tensor operand only (``t @ 2`` is Python's "unsupported operand" TypeError, as
    torch's matmul turns its TypeError into NotImplemented)."""
    def operator(self, other):
        return method(self, other) if isinstance(other, Tensor) else NotImplemented
    return operator


def _ops_methods():
    return {
        # operators
        "__add__": _operator(E.add), "__radd__": _operator(E.add), "__iadd__": _operator(add_),
        "__sub__": _operator(E.sub),
        "__rsub__": _operator(lambda self, other: E.sub(other, self)), "__isub__": _operator(sub_),
        "__mul__": _operator(E.mul), "__rmul__": _operator(E.mul), "__imul__": _operator(mul_),
        "__truediv__": _operator(E.div),
        "__rtruediv__": _operator(lambda self, other: E.div(other, self)),
        "__itruediv__": _operator(div_),
        "__floordiv__": _operator(E.floor_divide),
        "__rfloordiv__": _operator(lambda self, other: E.floor_divide(other, self)),
        "__mod__": _operator(E.remainder),
        "__rmod__": _operator(lambda self, other: E.remainder(other, self)),
        "__pow__": _operator(E.pow), "__rpow__": _operator(lambda self, other: E.pow(other, self)),
        "__matmul__": _tensor_operator(L.matmul),
        "__rmatmul__": _tensor_operator(lambda self, other: L.matmul(other, self)),
        "__neg__": E.neg, "__pos__": _positive, "__abs__": E.abs,
        "__invert__": E.invert,
        "__and__": _operator(E.bitwise_and), "__or__": _operator(E.bitwise_or),
        "__xor__": _operator(E.bitwise_xor), "__rand__": _operator(E.bitwise_and),
        "__ror__": _operator(E.bitwise_or), "__rxor__": _operator(E.bitwise_xor),
        "__iand__": _operator(_binary_inplace_method(E.bitwise_and, True)),
        "__ior__": _operator(_binary_inplace_method(E.bitwise_or, True)),
        "__ixor__": _operator(_binary_inplace_method(E.bitwise_xor, True)),
        "__eq__": _equality(E.eq), "__ne__": _equality(E.ne),
        "__lt__": _operator(E.lt), "__le__": _operator(E.le), "__gt__": _operator(E.gt),
        "__ge__": _operator(E.ge),
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
        "logical_xor": E.logical_xor, "bitwise_not": E.bitwise_not, "bitwise_and": E.bitwise_and,
        "bitwise_or": E.bitwise_or, "bitwise_xor": E.bitwise_xor,
        "isnan": E.isnan, "isinf": E.isinf, "isfinite": E.isfinite, "allclose": E.allclose,
        "isclose": E.isclose, "nan_to_num": E.nan_to_num,
        "equal": E.equal, "clone": E.clone,
        "floor": E.floor, "ceil": E.ceil, "round": E.round, "trunc": E.trunc, "fix": E.trunc,
        "frac": E.frac, "log1p": E.log1p, "expm1": E.expm1, "square": E.square,
        "reciprocal": E.reciprocal, "sinh": E.sinh, "cosh": E.cosh,
        "atan2": E.atan2, "arctan2": E.arctan2, "hypot": E.hypot,
        "softmax": _activation_method("torch_softmax"),
        "log_softmax": _activation_method("torch_log_softmax"),
        "where": lambda self, condition, other: E.where(condition, self, other),
        "masked_fill": I.masked_fill, "gather": I.gather, "nonzero": I.nonzero,
        "index_select": I.index_select, "scatter": I.scatter, "scatter_add": I.scatter_add,
        "index_add": I.index_add, "index_fill": I.index_fill, "index_copy": I.index_copy,
        "sort": I.sort, "argsort": I.argsort, "topk": I.topk,
        "unique": I.unique, "bincount": I.bincount,
        # reductions
        "sum": R.sum, "mean": R.mean, "var": R.var, "std": R.std, "max": R.max, "min": R.min,
        "amax": R.amax, "amin": R.amin, "argmax": R.argmax, "argmin": R.argmin,
        "logsumexp": R.logsumexp, "all": R.all, "any": R.any, "prod": R.prod,
        "cumsum": R.cumsum, "cumprod": R.cumprod, "norm": R.norm,
        "median": R.median, "kthvalue": R.kthvalue, "count_nonzero": R.count_nonzero,
        "nansum": C.nansum, "nanmean": C.nanmean, "aminmax": C.aminmax, "cummax": C.cummax,
        "cummin": C.cummin, "logcumsumexp": C.logcumsumexp, "diff": C.diff,
        # shape
        "view": S.view, "reshape": S.reshape, "flatten": S.flatten, "unflatten": S.unflatten,
        "squeeze": S.squeeze, "unsqueeze": S.unsqueeze, "transpose": S.transpose,
        "swapaxes": S.transpose, "permute": S.permute, "t": S.t, "expand": S.expand,
        "expand_as": S.expand_as, "broadcast_to": S.broadcast_to, "narrow": S.narrow,
        "select": S.select, "split": S.split, "chunk": S.chunk, "unbind": S.unbind,
        "contiguous": S.contiguous, "movedim": S.movedim,
        "flip": S.flip, "roll": S.roll, "tril": S.tril, "triu": S.triu, "repeat": S.repeat,
        "tile": S.tile, "repeat_interleave": S.repeat_interleave, "trace": S.trace,
        "diag": S.diag, "diagonal": S.diagonal,
        "swapdims": S.transpose, "take_along_dim": K.take_along_dim,
        "masked_select": K.masked_select, "cross": K.cross, "kron": K.kron,
        "view_as": _as_shape_of(S.view, "view_as"),
        "reshape_as": _as_shape_of(S.reshape, "reshape_as"),
        # linear algebra
        "matmul": L.matmul, "mm": L.mm, "bmm": L.bmm, "dot": L.dot, "mv": L.mv, "outer": L.outer,
        "addmm": L.addmm, "baddbmm": L.baddbmm,
        # in-place
        "add_": add_, "sub_": sub_, "mul_": mul_, "div_": div_, "zero_": zero_, "fill_": fill_,
        "copy_": copy_, "clamp_": clamp_, "clip_": clamp_, "addcmul_": addcmul_,
        "addcdiv_": addcdiv_, "lerp_": lerp_, "lerp": lerp,
        "pow_": pow_, "neg_": _unary_inplace_method(E.neg),
        "exp_": _unary_inplace_method(E.exp), "log_": _unary_inplace_method(E.log),
        "sqrt_": _unary_inplace_method(E.sqrt), "abs_": _unary_inplace_method(E.abs),
        "relu_": relu_, "sigmoid_": _unary_inplace_method(E.sigmoid),
        "tanh_": _unary_inplace_method(E.tanh),
        "bitwise_and_": _binary_inplace_method(E.bitwise_and, True),
        "bitwise_or_": _binary_inplace_method(E.bitwise_or, True),
        "bitwise_xor_": _binary_inplace_method(E.bitwise_xor, True),
        "bitwise_not_": _unary_inplace_method(E.bitwise_not),
        "masked_fill_": masked_fill_, "scatter_": scatter_, "scatter_add_": scatter_add_,
        "index_add_": index_add_, "index_fill_": index_fill_, "index_copy_": index_copy_,
        "tril_": tril_, "triu_": triu_,
        **{f"{fn.__name__}_": _unary_inplace_method(fn)
           for fn in (E.floor, E.ceil, E.round, E.trunc, E.frac, E.log1p, E.expm1, E.square,
                      E.reciprocal, E.sinh, E.cosh)},
        "fix_": _unary_inplace_method(E.trunc),
        "atan2_": _binary_inplace_method(E.atan2, False),
        "arctan2_": _binary_inplace_method(E.arctan2, False),
        "hypot_": _binary_inplace_method(E.hypot, False),
        "nan_to_num_": lambda self, nan=0.0, posinf=None, neginf=None: _inplace_unary(
            self, lambda t: E.nan_to_num(t, nan, posinf, neginf), "nan_to_num_"),
        # more pointwise math (ops/pointwise.py)
        **{fn.__name__: fn for fn in _POINTWISE_UNARY + _POINTWISE_BINARY},
        **{f"{fn.__name__}_": _unary_inplace_method(fn) for fn in _POINTWISE_UNARY},
        **{f"{fn.__name__}_": _pointwise_inplace_method(fn)
           for fn in _POINTWISE_BINARY if fn not in _NO_INPLACE},
        "signbit": P.signbit, "positive": P.positive,
        **{name: _inplace_result_method(fn, name)
           for fn, names in ((P.asinh_inplace_result, ("asinh_", "arcsinh_")),
                             (P.atanh_inplace_result, ("atanh_", "arctanh_"))) for name in names},
        "logit": P.logit,
        "logit_": lambda self, eps=None: _inplace_unary(self, lambda t: P.logit(t, eps), "logit_"),
        "float_power": P.float_power, "float_power_": float_power_,
        "addcmul": lambda self, tensor1, tensor2, *, value=1: _addc(
            "addcmul", _Addcmul, self, tensor1, tensor2, value, (0, 1, 2)),
        "addcdiv": lambda self, tensor1, tensor2, *, value=1: _addc(
            "addcdiv", _Addcdiv, self, tensor1, tensor2, value, (0, 1, 2)),
    }


_POINTWISE_UNARY = (P.log2, P.log10, P.exp2, P.asin, P.acos, P.atan, P.asinh, P.acosh, P.atanh,
                    P.arcsin, P.arccos, P.arctan, P.arcsinh, P.arccosh, P.arctanh, P.erfc,
                    P.erfinv, P.sgn, P.deg2rad, P.rad2deg, P.absolute, P.negative)
_POINTWISE_BINARY = (P.fmod, P.copysign, P.logaddexp, P.logaddexp2, P.xlogy, P.fmax, P.fmin,
                     P.clamp_min, P.clamp_max)
_NO_INPLACE = (P.logaddexp, P.logaddexp2, P.fmax, P.fmin)  # torch has no in-place versions


def float_power_(self, exponent):
    """self ** exponent in float64, in place: only a float64 tensor can hold the result (checked
    after the exponent's type, as torch's argument parser comes first)."""
    exponent = E._operand(exponent, "float_power_")
    if self.dtype is not dtypes.float64:
        raise op_note(RuntimeError(f"the base given to float_power_ has dtype "
                                   f"{self.dtype.scalar_name} but the operation's result requires "
                                   "dtype Double"), "float_power_", self)
    return _inplace_unary(self, lambda t: P.float_power(t, exponent), "float_power_")


for _name, _fn in _ops_methods().items():
    setattr(Tensor, _name, _fn)

Tensor.T = property(S.numpy_T)
Tensor.mT = property(S.mT)
