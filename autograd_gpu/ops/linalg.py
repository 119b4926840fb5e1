"""Matrix products (cuBLAS through CuPy on the GPU, BLAS through numpy on the CPU): matmul for
1-D, 2-D and batched operands with broadcast batch dims, mm, bmm, dot, mv, outer."""
from ..autograd.function import Op
from ..tensor import Tensor, op_note


def _node_name(a_nd, b_nd):
    """torch's grad_fn for matmul, which dispatches to dot/mv/mm or folds into bmm + views."""
    if a_nd == 1 and b_nd == 1:
        return "DotBackward0"
    if a_nd == 2 and b_nd == 2:
        return "MmBackward0"
    if a_nd == 2 and b_nd == 1:
        return "MvBackward0"
    if a_nd == 1 and b_nd == 2:
        return "SqueezeBackward4"
    if a_nd == 2:
        return "CloneBackward0"  # torch computes (b^T a^T)^T and makes it contiguous
    return "UnsafeViewBackward0"


def _mT(t):
    return t.transpose(-2, -1)


class Matmul(Op):
    node_name = "MmBackward0"

    def forward(ctx, a, b, name=None):
        xa, xb = a._data, b._data
        ctx.node_name = name or _node_name(xa.ndim, xb.ndim)
        need_a, need_b = ctx.needs_input_grad[:2]
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.ndims = (xa.ndim, xb.ndim)
        return a._backend.xp.asarray(a._backend.matmul(xa, xb))  # numpy: a scalar for 1-D @ 1-D

    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        a_nd, b_nd = ctx.ndims
        need_a, need_b = ctx.needs_input_grad[:2]
        ga = gb = None
        if a_nd == 1 and b_nd == 1:
            return (gy * b if need_a else None), (gy * a if need_b else None)
        if a_nd == 1:  # (k) @ (..., k, m) -> (..., m)
            if need_a:
                ga = (gy.unsqueeze(-2) @ _mT(b)).squeeze(-2)
            if need_b:
                gb = a.unsqueeze(-1) @ gy.unsqueeze(-2)
            return ga, gb
        if b_nd == 1:  # (..., n, k) @ (k) -> (..., n)
            if need_a:
                ga = gy.unsqueeze(-1) @ b.unsqueeze(-2)
            if need_b:
                gb = (_mT(a) @ gy.unsqueeze(-1)).squeeze(-1)
            return ga, gb
        if need_a:
            ga = Mm.apply(gy, b, False, True)
        if need_b:
            gb = Mm.apply(a, gy, True, False)
        return ga, gb  # broadcast batch dims are summed away centrally


def _op(array, transposed):
    return array.swapaxes(-1, -2) if transposed else array


class Mm(Op):
    """op(a) @ op(b) for operands of 2 or more dims, op swapping the last two dims where asked
    (BLAS's transa/transb): the products of backward (gy @ b^T, a^T @ gy) as one op each, with no
    transpose node. Its own gradients are products of the same kind:
    d/da = gy op(b)^T (transposed when ta), d/db = op(a)^T gy (transposed when tb)."""
    node_name = "MmBackward0"

    def forward(ctx, a, b, ta, tb):
        need_a, need_b = ctx.needs_input_grad[:2]
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.trans = (ta, tb)
        return a._backend.matmul(_op(a._data, ta), _op(b._data, tb))

    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        ta, tb = ctx.trans
        need_a, need_b = ctx.needs_input_grad[:2]
        ga = gb = None
        if need_a:
            ga = Mm.apply(b, gy, tb, True) if ta else Mm.apply(gy, b, False, not tb)
        if need_b:
            gb = Mm.apply(gy, a, True, ta) if tb else Mm.apply(a, gy, not ta, False)
        return ga, gb


_ARG_NAMES = {"matmul": ("input", "other"), "mm": ("input", "mat2"), "bmm": ("input", "mat2"),
              "dot": ("input", "tensor"), "mv": ("input", "vec"), "outer": ("input", "vec2")}


def _check_types(a, b, op):
    for pos, (t, name) in enumerate(zip((a, b), _ARG_NAMES[op]), 1):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not "
                            f"{type(t).__name__}")


_C10 = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
        "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
        "bool": "bool"}
_SCALAR = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
           "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _dtype_error(a, b, kind):
    """torch's message for operands of different dtypes, which depends on the kernel reached."""
    da, db = a.dtype.name, b.dtype.name
    if kind == "mm":
        return RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                            f"{_C10.get(da, da)} != {_C10.get(db, db)}")
    if kind == "dot":
        return RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                            f"{_SCALAR.get(da, da)} and {_SCALAR.get(db, db)}")
    if kind == "mv":
        return RuntimeError(f"addmv input tensors must have the same dtype, but got "
                            f"{_SCALAR.get(db, db)}, {_SCALAR.get(da, da)}, and {_SCALAR.get(db, db)}")
    return RuntimeError(f"expected scalar type {_SCALAR.get(da, da)} but found {_SCALAR.get(db, db)}")


def _mm_mismatch(n, k, p, q):
    return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {p}x{q})")


def _mv_mismatch(n, k, m):
    return RuntimeError(f"size mismatch, got input ({n}), mat ({n}x{k}), vec ({m})")


def _dot_mismatch(n, m):
    return RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the "
                        f"same number of elements, but got {n} and {m} elements respectively")


def _bmm_mismatch(batch, k, b_batch, p):
    return RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                        f"[{batch}, {k}] but got: [{b_batch}, {p}].")


def _broadcast_batch(sa, sb):
    n = max(len(sa), len(sb))
    sa, sb = (1,) * (n - len(sa)) + tuple(sa), (1,) * (n - len(sb)) + tuple(sb)
    out = []
    for i, (p, q) in enumerate(zip(sa, sb)):
        if p != q and p != 1 and q != 1:
            raise RuntimeError(f"The size of tensor a ({p}) must match the size of tensor b ({q}) at "
                               f"non-singleton dimension {i}")
        out.append(q if p == 1 else p)
    return out


def _prod(shape):
    out = 1
    for s in shape:
        out *= s
    return out


def _bool_error(kernel):
    """torch has no bool matrix products (its kernels are named in the message)."""
    return NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def _is_bool(t):
    return t._data.dtype.kind == "b"


def _checked(op, a, b, check):
    """Runs ``check(a, b)``; its error (torch's wording) gets a note naming the op and operands."""
    try:
        check(a, b)
    except (RuntimeError, IndexError) as err:
        raise op_note(err, op, a, b) from None


def _check_matmul(a, b):
    na, nb = a._data.ndim, b._data.ndim
    sa, sb = a._data.shape, b._data.shape
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{na}D and {nb}D")
    if na == 1 and nb == 1:
        return _check_dot(a, b)
    if na == 2 and nb == 1:
        return _check_mv(a, b)
    if na <= 2 and nb <= 2:  # (k)@(k, m) is torch's unsqueeze + mm + squeeze
        n, k = (1, sa[0]) if na == 1 else sa
        if k != sb[0]:
            raise _mm_mismatch(n, k, *sb)
        return _check_same_dtype(a, b, "mm", "addmm_impl_cpu_")
    if nb <= 2 and na >= 3:  # folded into one mv / mm over the flattened batch
        n = _prod(sa[:-1])
        if nb == 1 and sa[-1] != sb[0]:
            raise _mv_mismatch(n, sa[-1], sb[0])
        if nb == 2 and sa[-1] != sb[0]:
            raise _mm_mismatch(n, sa[-1], *sb)
        if nb == 1:
            return _check_same_dtype(a, b, "mv", "addmv_impl_cpu")
        return _check_same_dtype(a, b, "mm", "addmm_impl_cpu_")
    batch = _prod(_broadcast_batch(sa[:-2], sb[:-2]))  # bmm over the broadcast batch
    k = sa[-1]
    if k != sb[-2]:
        raise _bmm_mismatch(batch, k, batch, sb[-2])
    return _check_same_dtype(a, b, "bmm", "bmm")


def _check_same_dtype(a, b, kind, kernel):
    """Operands of one dtype, and not bool. torch's order between the two depends on the kernel
    it reaches (which may depend on strides); a bool operand reports first here, and its
    NotImplementedError is a RuntimeError, as torch's dtype error is."""
    if _is_bool(a) or _is_bool(b):
        raise _bool_error(kernel)
    if a.dtype is not b.dtype:
        raise _dtype_error(a, b, kind)


def matmul(a, b):
    _check_types(a, b, "matmul")
    _checked("matmul", a, b, _check_matmul)
    return Matmul.apply(a, b)


def _check_mm(a, b):
    if a._data.ndim != 2 or b._data.ndim != 2:
        raise RuntimeError(f"{'self' if a._data.ndim != 2 else 'mat2'} must be a matrix")
    if a._data.shape[1] != b._data.shape[0]:
        raise _mm_mismatch(*a._data.shape, *b._data.shape)
    _check_same_dtype(a, b, "mm", "addmm_impl_cpu_")


def mm(a, b):
    _check_types(a, b, "mm")
    _checked("mm", a, b, _check_mm)
    return Matmul.apply(a, b, "MmBackward0")


def _check_bmm(a, b):
    if a._data.ndim != 3 or b._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor" if a._data.ndim != 3 else
                           "batch2 must be a 3D tensor")
    if a._data.shape[0] != b._data.shape[0] or a._data.shape[2] != b._data.shape[1]:
        raise _bmm_mismatch(a._data.shape[0], a._data.shape[2], *b._data.shape[:2])
    _check_same_dtype(a, b, "bmm", "bmm")


def bmm(a, b):
    _check_types(a, b, "bmm")
    _checked("bmm", a, b, _check_bmm)
    return Matmul.apply(a, b, "BmmBackward0")


def _check_dot(a, b):
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a._data.ndim}D and {b._data.ndim}D tensors")
    _check_same_dtype(a, b, "dot", "dot")
    if a._data.shape != b._data.shape:
        raise _dot_mismatch(a._data.shape[0], b._data.shape[0])


def dot(a, b):
    _check_types(a, b, "dot")
    _checked("dot", a, b, _check_dot)
    return Matmul.apply(a, b, "DotBackward0")


def _check_mv(a, b):
    if a._data.ndim == 0:  # torch reads the matrix's first size before it checks the ranks
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    if a._data.ndim != 2 or b._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a._data.ndim}, {b._data.ndim}")
    if a._data.shape[1] != b._data.shape[0]:
        raise _mv_mismatch(*a._data.shape, b._data.shape[0])
    _check_same_dtype(a, b, "mv", "addmv_impl_cpu")


def mv(a, b):
    _check_types(a, b, "mv")
    _checked("mv", a, b, _check_mv)
    return Matmul.apply(a, b, "MvBackward0")


def outer(a, b):
    _check_types(a, b, "outer")
    for t, name in ((a, "self"), (b, "vec2")):
        if t._data.ndim != 1:
            raise op_note(RuntimeError(f"outer: Expected 1-D argument {name}, but got "
                                       f"{t._data.ndim}-D"), "outer", a, b)
    return a.unsqueeze(-1) * b.unsqueeze(0)


class Addmm(Op):
    """y = bias + x @ weight.T for a 2-D input: nn.Linear's op, one node as in torch."""
    node_name = "AddmmBackward0"

    def forward(ctx, bias, x, weight):
        need_b, need_x, need_w = ctx.needs_input_grad
        ctx.save_for_backward(x if need_w else None, weight if need_x else None)
        out = x._backend.matmul(x._data, weight._data.T)
        out += bias._data
        return out

    def backward(ctx, gy):
        x, weight = ctx.saved_tensors
        need_b, need_x, need_w = ctx.needs_input_grad
        gb = gy.sum(0) if need_b else None
        gx = Mm.apply(gy, weight, False, False) if need_x else None
        gw = Mm.apply(gy, x, True, False) if need_w else None
        return gb, gx, gw


def linear(x, weight, bias=None):
    """y = x @ weight.T + bias (torch.nn.functional.linear)."""
    if (bias is not None and isinstance(x, Tensor) and x._data.ndim == 2
            and isinstance(weight, Tensor) and weight._data.ndim == 2
            and isinstance(bias, Tensor) and bias._data.ndim == 1
            and x.dtype is weight.dtype is bias.dtype
            and x._data.shape[1] == weight._data.shape[1]
            and bias._data.shape[0] == weight._data.shape[0]):
        return Addmm.apply(bias, x, weight)
    _check_linear(x, weight, bias)
    try:
        y = matmul(x, weight.t())
        return y if bias is None else y + bias
    except RuntimeError as err:
        raise op_note(err, "linear", x, weight, *(() if bias is None else (bias,))) from None


def _check_linear(x, weight, bias):
    for position, (t, name) in enumerate(((x, "input"), (weight, "weight")), 1):
        if not isinstance(t, Tensor):
            raise TypeError(f"linear(): argument '{name}' (position {position}) must be Tensor, not "
                            f"{type(t).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"linear(): argument 'bias' (position 3) must be Tensor, not "
                        f"{type(bias).__name__}")
    if x._data.ndim == 0 or weight._data.ndim == 0:
        raise op_note(RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                                   f"{x._data.ndim}D and {weight._data.ndim}D"), "linear", x, weight)

