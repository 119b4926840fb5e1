"""Matrix products (cuBLAS through CuPy on the GPU, BLAS through numpy on the CPU): matmul for
1-D, 2-D and batched operands with broadcast batch dims, mm, bmm, dot, mv, outer."""
from ..autograd.function import Op
from ..tensor import Tensor


def _node_name(a_nd, b_nd, batch_equal):
    if a_nd == 1 and b_nd == 1:
        return "DotBackward0"
    if a_nd == 2 and b_nd == 2:
        return "MmBackward0"
    if a_nd == 2 and b_nd == 1:
        return "MvBackward0"
    if a_nd == 1 and b_nd == 2:
        return "SqueezeBackward4"
    if a_nd == 3 and b_nd == 3 and batch_equal:
        return "BmmBackward0"
    return "UnsafeViewBackward0"


def _mT(t):
    return t.transpose(-2, -1)


class Matmul(Op):
    node_name = "MmBackward0"

    def forward(ctx, a, b):
        xa, xb = a._data, b._data
        ctx.node_name = _node_name(xa.ndim, xb.ndim, xa.shape[:-2] == xb.shape[:-2])
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.ndims = (xa.ndim, xb.ndim)
        return a._backend.xp.matmul(xa, xb)

    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        a_nd, b_nd = ctx.ndims
        need_a, need_b = ctx.needs_input_grad
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
            ga = gy @ _mT(b)
        if need_b:
            gb = _mT(a) @ gy
        return ga, gb  # broadcast batch dims are summed away centrally


def _check(a, b, op):
    for t, name in ((a, "input"), (b, "other")):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if a._data.ndim == 0 or b._data.ndim == 0:
        raise RuntimeError(f"both arguments to {op} need to be at least 1D, but they are "
                           f"{a._data.ndim}D and {b._data.ndim}D")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_c10_name(a.dtype)} != {_c10_name(b.dtype)}")


def _c10_name(dt):
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int"}.get(dt.name, dt.name)


def _mismatch(a, b, op):
    sa, sb = a._data.shape, b._data.shape
    if a._data.ndim == 1 and b._data.ndim == 1:
        return RuntimeError(f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] "
                            f"to have the same number of elements, but got {sa[0]} and {sb[0]} "
                            "elements respectively")
    rows = sa if a._data.ndim > 1 else (1,) + sa
    cols = sb if b._data.ndim > 1 else sb + (1,)
    return RuntimeError(f"{op}: mat1 and mat2 shapes cannot be multiplied "
                        f"({rows[-2]}x{rows[-1]} and {cols[-2]}x{cols[-1]})")


def matmul(a, b):
    _check(a, b, "matmul")
    k_a = a._data.shape[-1]
    k_b = b._data.shape[-2] if b._data.ndim > 1 else b._data.shape[0]
    if k_a != k_b:
        raise _mismatch(a, b, "matmul")
    try:
        return Matmul.apply(a, b)
    except ValueError:
        raise RuntimeError(f"matmul: the batch dimensions of {list(a._data.shape)} and "
                           f"{list(b._data.shape)} cannot be broadcast together") from None


def mm(a, b):
    _check(a, b, "mm")
    if a._data.ndim != 2 or b._data.ndim != 2:
        raise RuntimeError(f"{'self' if a._data.ndim != 2 else 'mat2'} must be a matrix")
    if a._data.shape[1] != b._data.shape[0]:
        raise _mismatch(a, b, "mm")
    return Matmul.apply(a, b)


def bmm(a, b):
    _check(a, b, "bmm")
    if a._data.ndim != 3 or b._data.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor" if a._data.ndim != 3 else
                           "batch2 must be a 3D tensor")
    if a._data.shape[0] != b._data.shape[0] or a._data.shape[2] != b._data.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a._data.shape[0]}, {a._data.shape[2]}] but got: "
                           f"[{b._data.shape[0]}, {b._data.shape[1]}].")
    return Matmul.apply(a, b)


def dot(a, b):
    _check(a, b, "dot")
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a._data.ndim}D and {b._data.ndim}D tensors")
    if a._data.shape != b._data.shape:
        raise _mismatch(a, b, "dot")
    return Matmul.apply(a, b)


def mv(a, b):
    _check(a, b, "mv")
    if a._data.ndim != 2 or b._data.ndim != 1:
        raise RuntimeError("vector + matrix @ vector expected, got "
                           f"{a._data.ndim}, {b._data.ndim}")
    return matmul(a, b)


def outer(a, b):
    return a.unsqueeze(-1) * b.unsqueeze(0)


def linear(x, weight, bias=None):
    """y = x @ weight.T + bias (torch.nn.functional.linear)."""
    y = matmul(x, weight.t())
    return y if bias is None else y + bias

