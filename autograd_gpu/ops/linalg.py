"""Matrix products (cuBLAS through CuPy on the GPU, BLAS through numpy on the CPU): matmul for
1-D, 2-D and batched operands with broadcast batch dims, mm, bmm, dot, mv, outer."""
from ..autograd.function import Op
from ..autograd.grad_mode import no_grad
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




def _dtype_error(a, b, kind):
    """torch's message for operands of different dtypes, which depends on the kernel reached."""
    if kind == "mm":
        return RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                            f"{a.dtype.cpp_name} != {b.dtype.cpp_name}")
    sa, sb = a.dtype.scalar_name, b.dtype.scalar_name
    if kind == "dot":
        return RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                            f"{sa} and {sb}")
    if kind == "mv":
        return RuntimeError(f"addmv input tensors must have the same dtype, but got "
                            f"{sb}, {sa}, and {sb}")
    return RuntimeError(f"expected scalar type {sa} but found {sb}")


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
    """beta * input + alpha * (a @ op(b)), op transposing b's last two dims where ``tb``, the input
    broadcast to the product's shape: torch's addmm and baddbmm (one node each, AddmmBackward0 /
    BaddbmmBackward0), and nn.Linear's bias + x @ weight.T. With beta 0 the input is not read
    (its NaNs do not propagate), as in torch."""
    node_name = "AddmmBackward0"

    def forward(ctx, input, a, b, beta=1, alpha=1, tb=False, name=None):
        if name is not None:
            ctx.node_name = name
        need_i, need_a, need_b = ctx.needs_input_grad[:3]
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.beta, ctx.alpha, ctx.tb = beta, alpha, tb
        out = a._backend.matmul(a._data, _op(b._data, tb))
        if alpha != 1:
            out *= alpha
        if beta != 0:
            out += input._data if beta == 1 else input._data * beta
        return out

    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        need_i, need_a, need_b = ctx.needs_input_grad[:3]
        beta, alpha, tb = ctx.beta, ctx.alpha, ctx.tb
        gi = ga = gb = None
        if need_i:
            gi = gy if beta == 1 else gy * beta  # summed over broadcast dims centrally
        if need_a:
            ga = Mm.apply(gy, b, False, not tb)
            ga = ga if alpha == 1 else ga * alpha
        if need_b:
            gb = Mm.apply(gy, a, True, False) if tb else Mm.apply(a, gy, True, False)
            gb = gb if alpha == 1 else gb * alpha
        return gi, ga, gb


def _scalar_for(t, value):
    """beta/alpha as the dtype reads them: integer tensors truncate them, as torch does."""
    return value if t.dtype.is_floating_point else int(value)


def _check_expand(input, shape):
    from .shape import expand  # noqa: PLC0415

    with no_grad():
        expand(input, shape)


def _check_addmm(input, a, b):
    if input.dtype is not b.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                           f"{input.dtype.scalar_name} and {b.dtype.scalar_name}")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                           f"{a.dtype.scalar_name} and {b.dtype.scalar_name}")
    for t, name in ((a, "mat1"), (b, "mat2")):
        if t._data.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {t._data.ndim}-D tensor")
    if a._data.shape[1] != b._data.shape[0]:
        raise _mm_mismatch(*a._data.shape, *b._data.shape)
    _check_expand(input, (a._data.shape[0], b._data.shape[1]))
    if _is_bool(a):
        raise _bool_error("addmm_impl_cpu_")


def _check_baddbmm(input, a, b):
    for t, name in ((a, "batch1"), (b, "batch2")):
        if t._data.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    _check_expand(input, (a._data.shape[0], a._data.shape[1], b._data.shape[2]))
    if input.dtype is not a.dtype:
        raise RuntimeError(f"Input dtypes must be the same, got: input {input.dtype.cpp_name}, "
                           f"batch1: {a.dtype.cpp_name}, batch2: {b.dtype.cpp_name}")
    if a._data.shape[0] != b._data.shape[0] or a._data.shape[2] != b._data.shape[1]:
        raise _bmm_mismatch(a._data.shape[0], a._data.shape[2], *b._data.shape[:2])
    if _is_bool(a):  # torch dispatches on the dtype before bmm compares the batches'
        raise _bool_error("baddbmm")
    if a.dtype is not b.dtype:
        raise _dtype_error(a, b, "bmm")


def _addmm_like(op, names, check, node, input, a, b, beta, alpha):
    for pos, (t, name) in enumerate(zip((input, a, b), names), 1):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not "
                            f"{type(t).__name__}")
    try:
        check(input, a, b)
    except (RuntimeError, IndexError) as err:
        raise op_note(err, op, input, a, b) from None
    return Addmm.apply(input, a, b, _scalar_for(a, beta), _scalar_for(a, alpha), False, node)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2), input broadcast to (n, p)."""
    return _addmm_like("addmm", ("input", "mat1", "mat2"), _check_addmm, "AddmmBackward0",
                       input, mat1, mat2, beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * (batch1 @ batch2) over 3-D batches, input broadcast to (b, n, p)."""
    return _addmm_like("baddbmm", ("input", "batch1", "batch2"), _check_baddbmm,
                       "BaddbmmBackward0", input, batch1, batch2, beta, alpha)


def linear(x, weight, bias=None):
    """y = x @ weight.T + bias (torch.nn.functional.linear)."""
    if (bias is not None and isinstance(x, Tensor) and x._data.ndim == 2
            and isinstance(weight, Tensor) and weight._data.ndim == 2
            and isinstance(bias, Tensor) and bias._data.ndim == 1
            and x.dtype is weight.dtype is bias.dtype
            and x._data.shape[1] == weight._data.shape[1]
            and bias._data.shape[0] == weight._data.shape[0]):
        return Addmm.apply(bias, x, weight, 1, 1, True)
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



# -- einsum: torch's algorithm (aten/native/Linear.cpp) on the differentiable ops ------------------

_ELLIPSIS = -1


def _subscript(label):
    """torch's label order (implicit outputs are sorted by it): A-Z, then a-z."""
    return ord(label) - ord("A") if label.isupper() else ord(label) - ord("a") + 26


def _label(subscript):
    return chr(subscript + ord("A")) if subscript < 26 else chr(subscript - 26 + ord("a"))


def _is_label(c):
    return "a" <= c <= "z" or "A" <= c <= "Z"


def _parse_inputs(lhs, num_ops):
    op_labels = [[] for _ in range(num_ops)]
    ell_in_input, curr_op, i = False, 0, 0
    while i < len(lhs):
        c = lhs[i]
        if c == ".":
            if ell_in_input:
                raise RuntimeError(f"einsum(): found '.' for operand {curr_op} for which an "
                                   f"ellipsis was already found")
            if not (i + 2 < len(lhs) and lhs[i + 1] == "." and lhs[i + 2] == "."):
                raise RuntimeError(f"einsum(): found '.' for operand {curr_op} that is not part "
                                   f"of any ellipsis")
            i += 2
            op_labels[curr_op].append(_ELLIPSIS)
            ell_in_input = True
        elif c == ",":
            curr_op += 1
            if curr_op >= num_ops:
                raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                                   "equation")
            ell_in_input = False
        elif c != " ":
            if not _is_label(c):
                raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the "
                                   f"equation string, subscripts must be in [a-zA-Z]")
            op_labels[curr_op].append(_subscript(c))
        i += 1
    if curr_op != num_ops - 1:
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    return op_labels


def _einsum_plan(equation, operands):
    """torch's parse and checks: each operand's labels, the index of every label in the aligned
    shape (output dims first, then the contracted ones), the ellipsis' place and width."""
    arrow = equation.find("->")
    lhs = equation if arrow < 0 else equation[:arrow]
    op_labels = _parse_inputs(lhs, len(operands))
    label_count = [0] * 52
    ell_num_dim = 0
    for i, (t, labels) in enumerate(zip(operands, op_labels)):
        ndims = t._data.ndim
        nlabels = len(labels) - labels.count(_ELLIPSIS)
        has_ellipsis = _ELLIPSIS in labels
        if has_ellipsis:
            ell_num_dim = max(ell_num_dim, ndims - nlabels)
        for s in labels:
            if s != _ELLIPSIS:
                label_count[s] += 1
        if (nlabels > ndims) if has_ellipsis else (nlabels != ndims):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({nlabels}) "
                + ("is more than" if has_ellipsis else "does not match")
                + f" the number of dimensions ({ndims}) for operand {i}"
                + ("" if has_ellipsis else " and no ellipsis was given"))
    perm_index_of = [-1] * 52
    perm_index = ell_index = 0
    ell_in_output = False
    if arrow < 0:  # implicit output: the ellipsis, then the labels seen once, in label order
        perm_index, ell_in_output = ell_num_dim, True
        for s in range(52):
            if label_count[s] == 1:
                perm_index_of[s] = perm_index
                perm_index += 1
    else:
        rhs, i = equation[arrow + 2:], 0
        while i < len(rhs):
            c = rhs[i]
            if c == ".":
                if ell_in_output:
                    raise RuntimeError("einsum(): found '.' for output but an ellipsis (...) was "
                                       "already found")
                if not (i + 2 < len(rhs) and rhs[i + 1] == "." and rhs[i + 2] == "."):
                    raise RuntimeError("einsum(): found '.' for output that is not part of any "
                                       "ellipsis (...)")
                i += 2
                ell_index, ell_in_output = perm_index, True
                perm_index += ell_num_dim
            elif c != " ":
                if not _is_label(c):
                    raise RuntimeError(f"einsum(): invalid subscript given at index "
                                       f"{len(lhs) + 2 + i} in the equation string, subscripts "
                                       f"must be in [a-zA-Z]")
                s = _subscript(c)
                if label_count[s] == 0 or perm_index_of[s] != -1:
                    raise RuntimeError(
                        f"einsum(): output subscript {c}" + (
                            " appears more than once in the output" if perm_index_of[s] != -1
                            else " does not appear in the equation for any input operand"))
                perm_index_of[s] = perm_index
                perm_index += 1
            i += 1
    out_num_dim = perm_index
    if not ell_in_output:
        ell_index = perm_index
        perm_index += ell_num_dim
    for s in range(52):
        if label_count[s] > 0 and perm_index_of[s] == -1:
            perm_index_of[s] = perm_index
            perm_index += 1
    return op_labels, perm_index_of, ell_index, ell_num_dim, out_num_dim, perm_index


def _align(operands, op_labels, perm_index_of, ell_index, ell_num_dim, perm_index):
    """Each operand checked against the sizes seen so far, its repeated labels reduced to
    diagonals, unsqueezed and permuted to the aligned shape; with, per aligned dim, how many
    operands have it of a size other than 1."""
    label_size, ell_sizes = [1] * 52, [1] * ell_num_dim
    dim_counts = [0] * perm_index
    aligned = []
    for i, (op, labels) in enumerate(zip(operands, op_labels)):
        permutation = [-1] * perm_index
        shape = list(op._data.shape)
        dim = 0
        steps = []  # (prev_dim, dim) diagonals to take, checked before any op runs
        for s in labels:
            if s == _ELLIPSIS:
                ndim = len(op._data.shape) - (len(labels) - 1)
                for j in range(ell_num_dim - ndim, ell_num_dim):
                    size = shape[dim]
                    if size != 1:
                        if ell_sizes[j] not in (1, size):
                            raise RuntimeError(
                                f"einsum(): dimension {dim} covered by ellipsis in operand {i}has "
                                f"size {size} which does not broadcast with previously seen "
                                f"ellipsis with size {ell_sizes[j]} for the respective dimension")
                        ell_sizes[j] = size
                        dim_counts[ell_index + j] += 1
                    permutation[ell_index + j] = dim
                    dim += 1
            elif permutation[perm_index_of[s]] == -1:
                size = shape[dim]
                if size != 1:
                    if label_size[s] not in (1, size):
                        raise RuntimeError(
                            f"einsum(): subscript {_label(s)} has size {size} for operand {i} "
                            f"which does not broadcast with previously seen size {label_size[s]}")
                    label_size[s] = size
                    dim_counts[perm_index_of[s]] += 1
                permutation[perm_index_of[s]] = dim
                dim += 1
            else:
                prev = permutation[perm_index_of[s]]
                if shape[dim] != shape[prev]:
                    raise RuntimeError(
                        f"einsum(): subscript {_label(s)} is repeated for operand {i} but the sizes "
                        f"don't match, {shape[dim]} != {shape[prev]}")
                del shape[dim]
                steps.append((prev, dim))
        aligned.append((op, steps, permutation, dim))
    return aligned, dim_counts


def _aligned_operand(op, steps, permutation, dim):
    for prev, d in steps:
        op = op.diagonal(0, prev, d).movedim(-1, prev)
    for k, val in enumerate(permutation):
        if val == -1:
            op = op.unsqueeze(dim)
            permutation[k] = dim
            dim += 1
    return op.permute(permutation)


def _sumproduct_pair(left, right, sum_dims):
    """torch's sumproduct_pair (keepdim): the product of two aligned operands summed over
    ``sum_dims`` (non-1 in both) as one batched matrix product."""
    if not sum_dims:
        return left * right
    lro, lo, ro = [], [], []
    lro_size = lo_size = ro_size = sum_size = 1
    for i in range(left._data.ndim):
        sl, sr = left._data.shape[i] != 1, right._data.shape[i] != 1
        if i in sum_dims:
            sum_size *= left._data.shape[i]
        elif sl and sr:
            lro.append(i)
            lro_size *= left._data.shape[i]
        elif sl:
            lo.append(i)
            lo_size *= left._data.shape[i]
        else:
            ro.append(i)
            ro_size *= right._data.shape[i]
    out_size = ([left._data.shape[d] for d in lro] + [left._data.shape[d] for d in lo]
                + [1] * len(sum_dims) + [right._data.shape[d] for d in ro])
    lperm, rperm = lro + lo + sum_dims + ro, lro + sum_dims + ro + lo
    operm = [0] * len(out_size)
    for i, d in enumerate(lro + lo + sum_dims + ro):
        operm[d] = i
    left = left.permute(*lperm).reshape(lro_size, lo_size, sum_size)
    right = right.permute(*rperm).reshape(lro_size, sum_size, ro_size)
    return bmm(left, right).view(*out_size).permute(*operm)


def _einsum_operands(equation, operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum(): must specify the equation string and at least one operand, or "
                         "at least one operand and its subscripts list")
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): argument 'equation' (position 1) must be str, not "
                        f"{type(equation).__name__}")
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got "
                            f"{type(t).__name__}")
    return operands


def einsum(equation, *operands):
    """torch.einsum: '->' with an explicit output or the implicit one (the ellipsis, then the
    labels seen once, A-Z before a-z), '...', repeated labels (diagonals), size-1 broadcasting;
    the operands given one by one or as one list. Computed as torch computes it (Linear.cpp):
    diagonal/unsqueeze/permute to one aligned shape, then left to right each pair contracted by
    one bmm (a product where nothing is summed), so gradients of every order come from those ops.
    The grad_fn is the last of them, as in torch (ViewBackward0 for a contraction of two operands,
    PermuteBackward0 for a transpose, SumBackward1 for a reduction, MulBackward0 for an outer
    product). Operands of different dtypes or of bool fail in the bmm (torch's errors) where a pair
is contracted, and promote where it is only multiplied. torch's sublist form (operand, [0, 1], ...) is not supported."""
    operands = _einsum_operands(equation, operands)
    try:
        plan = _einsum_plan(equation, operands)
        op_labels, perm_index_of, ell_index, ell_num_dim, out_num_dim, perm_index = plan
        aligned, dim_counts = _align(operands, op_labels, perm_index_of, ell_index, ell_num_dim,
                                     perm_index)
    except RuntimeError as err:
        raise op_note(err, "einsum", *operands) from None
    ops = [_aligned_operand(*a) for a in aligned]
    while len(ops) > 1:
        a, b = ops[0], ops[1]
        sum_dims, a_sum, b_sum = [], [], []
        for dim in range(out_num_dim, perm_index):
            a1, b1 = a._data.shape[dim] != 1, b._data.shape[dim] != 1
            if a1 and b1:
                dim_counts[dim] -= 1
                if dim_counts[dim] == 1:
                    sum_dims.append(dim)
                    dim_counts[dim] = 0
            elif dim_counts[dim] == 1:
                if a1:
                    a_sum.append(dim)
                    dim_counts[dim] = 0
                elif b1:
                    b_sum.append(dim)
                    dim_counts[dim] = 0
        if a_sum:
            a = a.sum(a_sum, keepdim=True)
        if b_sum:
            b = b.sum(b_sum, keepdim=True)
        ops = [_sumproduct_pair(a, b, sum_dims)] + ops[2:]
    result = ops[0]
    if perm_index > out_num_dim:
        if len(operands) > 1:
            return result.view(*result._data.shape[:out_num_dim])
        return result.sum(list(range(out_num_dim, perm_index)))
    return result

