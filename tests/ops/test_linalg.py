"""Matrix products against torch: matmul over every operand rank (batched, broadcast batch dims),
mm, bmm, dot, mv, outer: values, gradients, gradchecks, grad_fn names and torch's errors."""
import numpy as np
import pytest

import autograd_gpu as ag
from helpers import check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()




def _mm(t, a, b):
    return t.matmul(a, b)


def _at(t, a, b):
    return a @ b


# (id, fn, shapes): forward + every input gradient vs torch, and the float64 gradchecks
CASES = [
    ("1d_1d", _mm, [(3,), (3,)]),
    ("2d_1d", _mm, [(2, 3), (3,)]),
    ("1d_2d", _mm, [(3,), (3, 2)]),
    ("2d_2d", _mm, [(2, 3), (3, 4)]),
    ("3d_3d", _mm, [(2, 2, 3), (2, 3, 2)]),
    ("broadcast_batch", _mm, [(2, 1, 3, 4), (5, 4, 2)]),
    ("broadcast_batch_both", _mm, [(2, 1, 2, 3), (1, 3, 3, 2)]),
    ("broadcast_batch_one", _mm, [(1, 2, 3), (3, 3, 2)]),
    ("3d_1d", _mm, [(2, 3, 4), (4,)]),
    ("1d_3d", _mm, [(4,), (2, 4, 3)]),
    ("3d_2d", _mm, [(2, 3, 4), (4, 2)]),
    ("2d_3d", _mm, [(3, 4), (2, 4, 2)]),
    ("4d_1d", _mm, [(2, 1, 2, 3), (3,)]),
    ("operator", _at, [(2, 3), (3, 2)]),
    ("operator_batched", _at, [(2, 2, 3), (3,)]),
    ("method", lambda t, a, b: a.matmul(b), [(1, 3), (3, 3)]),
    ("same_operand", lambda t, a: a @ a.mT, [(2, 3)]),
    ("k_is_1", _mm, [(3, 1), (1, 2)]),
    ("mm", lambda t, a, b: t.mm(a, b), [(2, 3), (3, 4)]),
    ("mm_method", lambda t, a, b: a.mm(b.t()), [(3, 2), (4, 2)]),
    ("mm_transposed_inputs", lambda t, a, b: t.mm(a.t(), b.t()), [(3, 2), (4, 3)]),
    ("bmm", lambda t, a, b: t.bmm(a, b), [(2, 2, 3), (2, 3, 4)]),
    ("bmm_method", lambda t, a, b: a.bmm(b), [(3, 1, 2), (3, 2, 2)]),
    ("dot", lambda t, a, b: t.dot(a, b), [(4,), (4,)]),
    ("dot_method", lambda t, a, b: a.dot(b), [(3,), (3,)]),
    ("mv", lambda t, a, b: t.mv(a, b), [(2, 3), (3,)]),
    ("mv_method", lambda t, a, b: a.mv(b), [(4, 2), (2,)]),
    ("outer", lambda t, a, b: t.outer(a, b), [(3,), (4,)]),
    ("outer_method", lambda t, a, b: a.outer(b), [(2,), (3,)]),
    ("chain", lambda t, a, b, c: (a @ b).relu() @ c, [(2, 3), (3, 4), (4,)]),
]


@pytest.mark.parametrize("fn,shapes", [pytest.param(f, s, id=i) for i, f, s in CASES])
def test_parity(device, rng, fn, shapes):
    check_parity(fn, *[random_array(rng, s) for s in shapes], device=device, rng=rng)


@pytest.mark.parametrize("fn,shapes", [pytest.param(f, s, id=i) for i, f, s in CASES])
def test_gradcheck(device, rng, fn, shapes):
    check_grad(fn, *[random_array(rng, s, "float64") for s in shapes], device=device)


def test_one_operand_requires_grad(device, rng):
    """Only the gradients asked for are computed, each correct."""
    a, b = random_array(rng, (2, 1, 1, 3)), random_array(rng, (4, 3, 2))
    grads = []
    for lib, dev in ((ag, device), (torch, "cpu")):
        x = lib.tensor(a, device=dev, requires_grad=True)
        y = lib.tensor(b, device=dev)
        (x @ y).sum().backward()
        assert y.grad is None
        grads.append(x.grad.cpu().numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shapes", [[(2, 3), (3,)], [(2, 3), (3, 4)], [(3,), (3,)], [(2, 2, 3), (3, 1)]])
def test_integer_and_double_dtypes(device, rng, shapes):
    ints = [random_array(rng, s, "int64", integers=(-3, 4)) for s in shapes]
    out = ag.matmul(*[ag.tensor(i, device=device) for i in ints])  # torch's cuda has no int matmul
    assert out.dtype is ag.int64 and not out.requires_grad
    np.testing.assert_array_equal(out.cpu().numpy(), np.matmul(*ints))
    out = check_parity(_mm, *[random_array(rng, s, "float64") for s in shapes], device=device,
                       rng=rng)
    assert out[0].dtype is ag.float64


def test_outer_promotes(device, rng):
    check_parity(lambda t, a, b: t.outer(a, b), random_array(rng, (3,), "int64", integers=(-3, 4)),
                 random_array(rng, (2,)), device=device, rng=rng)


def test_empty_operands(device, rng):
    check_parity(_mm, random_array(rng, (0, 3)), random_array(rng, (3, 2)), device=device, rng=rng)
    check_parity(_mm, np.zeros((2, 0), "float32"), np.zeros((0, 3), "float32"), device=device, rng=rng)


def test_result_is_an_array_not_a_scalar(device):
    """1-D @ 1-D is 0-d: it must still support in-place ops and views like any tensor."""
    y = ag.dot(ag.ones(3, device=device), ag.ones(3, device=device))
    y.add_(1.0)
    assert y.item() == 4.0 and y._version_value == 1
    assert y.view(1).item() == 4.0


NAMES = [
    ("dot", lambda t, a: t.matmul(a[0, 0], a[0, 0]), "DotBackward0"),
    ("mv", lambda t, a: t.matmul(a[0], a[0, 0]), "MvBackward0"),
    ("vm", lambda t, a: t.matmul(a[0, 0], a[0]), "SqueezeBackward4"),
    ("mm", lambda t, a: t.matmul(a[0], a[0]), "MmBackward0"),
    ("batched", lambda t, a: t.matmul(a, a), "UnsafeViewBackward0"),
    ("batched_broadcast", lambda t, a: t.matmul(a.unsqueeze(1), a), "UnsafeViewBackward0"),
    ("batched_vec", lambda t, a: t.matmul(a, a[0, 0]), "UnsafeViewBackward0"),
    ("vec_batched", lambda t, a: t.matmul(a[0, 0], a), "UnsafeViewBackward0"),
    ("batched_mat", lambda t, a: t.matmul(a, a[0]), "UnsafeViewBackward0"),
    ("mat_batched", lambda t, a: t.matmul(a[0], a), "CloneBackward0"),
    ("mm_fn", lambda t, a: t.mm(a[0], a[1]), "MmBackward0"),
    ("bmm_fn", lambda t, a: t.bmm(a, a), "BmmBackward0"),
    ("dot_fn", lambda t, a: t.dot(a[0, 0], a[1, 1]), "DotBackward0"),
    ("mv_fn", lambda t, a: t.mv(a[0], a[1, 1]), "MvBackward0"),
    ("outer_fn", lambda t, a: t.outer(a[0, 0], a[1, 1]), "MulBackward0"),
]


@pytest.mark.parametrize("fn,name", [pytest.param(f, n, id=i) for i, f, n in NAMES])
def test_grad_fn_names(device, fn, name):
    theirs = fn(torch, torch.ones(2, 3, 3, requires_grad=True))
    ours = fn(ag, ag.ones(2, 3, 3, device=device, requires_grad=True))
    assert theirs.grad_fn.name() == name
    assert ours.grad_fn.name() == name and repr(ours.grad_fn).startswith(f"<{name} object")


# (id, fn, operand shapes, second operand dtype, expected exception, exact message)
ERRORS = [
    ("mm_shapes", _mm, [(2, 3), (4, 5)], None, RuntimeError, True),
    ("vm_shapes", _mm, [(3,), (4, 5)], None, RuntimeError, True),
    ("mv_shapes", _mm, [(2, 3), (4,)], None, RuntimeError, True),
    ("dot_shapes", _mm, [(3,), (4,)], None, RuntimeError, True),
    ("batched_shapes", _mm, [(2, 2, 3), (2, 4, 5)], None, RuntimeError, True),
    ("batched_vec_shapes", _mm, [(2, 3, 4), (5,)], None, RuntimeError, True),
    ("batched_mat_shapes", _mm, [(2, 4, 5), (3, 2)], None, RuntimeError, True),
    # torch words these two differently when an operand requires grad (it folds b.mT then)
    ("mat_batched_shapes", _mm, [(4, 5), (2, 3, 2)], None, RuntimeError, False),
    ("vec_batched_shapes", _mm, [(3,), (2, 4, 5)], None, RuntimeError, False),
    ("batch_broadcast", _mm, [(2, 2, 3), (3, 3, 5)], None, RuntimeError, True),
    ("batch_broadcast_4d", _mm, [(2, 3, 4, 5), (4, 5, 2)], None, RuntimeError, True),
    ("0d_left", _mm, [(), (3,)], None, RuntimeError, True),
    ("0d_right", _mm, [(2, 3), ()], None, RuntimeError, True),
    ("dtype_mm", _mm, [(2, 3), (3, 4)], "float64", RuntimeError, True),
    ("dtype_mm_shapes_first", _mm, [(2, 3), (4, 4)], "float64", RuntimeError, True),
    ("dtype_vm", _mm, [(3,), (3, 4)], "float64", RuntimeError, True),
    ("dtype_dot", _mm, [(3,), (3,)], "float64", RuntimeError, True),
    # torch words the mv dtype error differently across builds (addmv vs "expected scalar type")
    ("dtype_mv", _mm, [(2, 3), (3,)], "float64", RuntimeError, False),
    ("dtype_int", _mm, [(2, 3), (3, 4)], "int64", RuntimeError, True),
    ("dtype_batched", _mm, [(2, 2, 3), (2, 3, 4)], "float64", RuntimeError, True),
    ("operator_shapes", _at, [(2, 3), (2, 3)], None, RuntimeError, True),
    ("mm_shapes_fn", lambda t, a, b: t.mm(a, b), [(2, 3), (4, 5)], None, RuntimeError, True),
    ("mm_1d", lambda t, a, b: t.mm(a, b), [(2, 3), (3,)], None, RuntimeError, True),
    ("mm_3d", lambda t, a, b: t.mm(a, b), [(2, 2, 3), (3, 3)], None, RuntimeError, True),
    ("mm_dtype", lambda t, a, b: t.mm(a, b), [(2, 3), (3, 3)], "float64", RuntimeError, True),
    ("bmm_shapes", lambda t, a, b: t.bmm(a, b), [(2, 2, 3), (2, 4, 4)], None, RuntimeError, True),
    ("bmm_batch", lambda t, a, b: t.bmm(a, b), [(2, 2, 3), (3, 3, 4)], None, RuntimeError, True),
    ("bmm_2d", lambda t, a, b: t.bmm(a, b), [(2, 3), (3, 4)], None, RuntimeError, True),
    ("bmm_2d_right", lambda t, a, b: t.bmm(a, b), [(2, 2, 3), (3, 4)], None, RuntimeError, True),
    ("bmm_dtype", lambda t, a, b: t.bmm(a, b), [(2, 2, 3), (2, 3, 4)], "float64", RuntimeError,
     True),
    ("dot_shapes_fn", lambda t, a, b: t.dot(a, b), [(3,), (4,)], None, RuntimeError, True),
    ("dot_2d", lambda t, a, b: t.dot(a, b), [(3,), (3, 1)], None, RuntimeError, True),
    ("dot_dtype", lambda t, a, b: t.dot(a, b), [(3,), (3,)], "float64", RuntimeError, True),
    ("mv_shapes_fn", lambda t, a, b: t.mv(a, b), [(2, 3), (4,)], None, RuntimeError, True),
    ("mv_1d", lambda t, a, b: t.mv(a, b), [(3,), (3,)], None, RuntimeError, True),
    ("mv_dtype", lambda t, a, b: t.mv(a, b), [(2, 3), (3,)], "float64", RuntimeError, False),
    ("outer_2d", lambda t, a, b: t.outer(a, b), [(3, 1), (4,)], None, RuntimeError, True),
    ("outer_2d_right", lambda t, a, b: t.outer(a, b), [(3,), (2, 2)], None, RuntimeError, True),
]


@pytest.mark.parametrize("fn,shapes,dtype,exc,exact",
                         [pytest.param(f, s, d, e, x, id=i) for i, f, s, d, e, x in ERRORS])
def test_errors_match_torch(device, rng, fn, shapes, dtype, exc, exact):
    a = random_array(rng, shapes[0])
    b = random_array(rng, shapes[1], dtype or "float32", integers=(0, 3) if dtype == "int64" else None)
    messages = []
    for lib, dev in ((torch, "cpu"), (ag, device)):
        x = lib.tensor(a, device=dev, requires_grad=True)
        y = lib.tensor(b, device=dev)
        with pytest.raises(exc) as info:
            fn(lib, x, y)
        np.testing.assert_array_equal(x.detach().cpu().numpy(), a)  # failed ops change nothing
        np.testing.assert_array_equal(y.cpu().numpy(), b)
        assert x.grad is None
        messages.append(str(info.value))
    if exact:
        assert messages[1] == messages[0]


@pytest.mark.parametrize("op,arg", [("matmul", "other"), ("mm", "mat2"), ("bmm", "mat2"),
                                    ("dot", "tensor"), ("mv", "vec"), ("outer", "vec2")])
def test_non_tensor_operand_is_type_error(device, op, arg):
    messages = []
    for lib, dev in ((torch, "cpu"), (ag, device)):
        with pytest.raises(TypeError) as info:
            getattr(lib, op)(lib.ones(2, 2, device=dev), [1.0, 2.0])
        messages.append(str(info.value))
    assert messages[1] == messages[0] == (f"{op}(): argument '{arg}' (position 2) must be Tensor, "
                                          "not list")


@pytest.mark.parametrize("shapes", [((4, 3), (5, 3), (5,)), ((1, 7), (2, 7), (2,))])
def test_linear_addmm_matches_torch(device, rng, shapes):
    arrays = [random_array(rng, s) for s in shapes]
    (y,) = check_parity(lambda t, x, w, b: (t.nn.functional.linear(x, w, b),), *arrays,
                        device=device, rng=rng)
    assert y.grad_fn.name() == "AddmmBackward0"
    check_grad(lambda t, x, w, b: t.nn.functional.linear(x, w, b), *arrays, device=device)


def test_linear_falls_back_for_batched_input(device, rng):
    arrays = [random_array(rng, s) for s in ((2, 4, 3), (5, 3), (5,))]
    check_parity(lambda t, x, w, b: t.nn.functional.linear(x, w, b), *arrays, device=device, rng=rng)


MM_TRANSPOSES = [(False, False), (False, True), (True, False), (True, True)]


@pytest.mark.parametrize("ta,tb", MM_TRANSPOSES)
@pytest.mark.parametrize("batched", [False, True], ids=["2d", "batched"])
def test_mm_with_transposed_operands(device, rng, ta, tb, batched):
    """The products backward uses (op(a) @ op(b), op a transpose of the last two dims): values,
    gradients and second-order gradients, as torch's (a.mT if ta) @ (b.mT if tb)."""
    from autograd_gpu.ops.linalg import Mm

    a_shape = (3, 4) if ta else (4, 3)
    b_shape = (2, 3) if tb else (3, 2)
    if batched:
        a_shape = (2,) + a_shape

    def fn(t, a, b):
        if t is ag:
            return Mm.apply(a, b, ta, tb)
        return (a.mT if ta else a) @ (b.mT if tb else b)

    check_parity(fn, random_array(rng, a_shape), random_array(rng, b_shape), device=device,
                 rng=rng)
    check_grad(fn, random_array(rng, a_shape, "float64"), random_array(rng, b_shape, "float64"),
               device=device)


# addmm / baddbmm: (id, fn, shapes of input, mat1/batch1, mat2/batch2)
ADD_CASES = [
    ("addmm", lambda t, i, a, b: t.addmm(i, a, b), [(2, 4), (2, 3), (3, 4)]),
    ("addmm_scaled", lambda t, i, a, b: t.addmm(i, a, b, beta=0.5, alpha=-2.0),
     [(2, 4), (2, 3), (3, 4)]),
    ("addmm_row_input", lambda t, i, a, b: t.addmm(i, a, b, alpha=3), [(4,), (2, 3), (3, 4)]),
    ("addmm_column_input", lambda t, i, a, b: t.addmm(i, a, b), [(2, 1), (2, 3), (3, 4)]),
    ("addmm_scalar_input", lambda t, i, a, b: t.addmm(i, a, b, beta=2), [(), (2, 3), (3, 4)]),
    ("addmm_beta_zero", lambda t, i, a, b: t.addmm(i, a, b, beta=0), [(2, 4), (2, 3), (3, 4)]),
    ("addmm_method", lambda t, i, a, b: i.addmm(a, b, beta=1.5), [(3, 2), (3, 5), (5, 2)]),
    ("addmm_transposed", lambda t, i, a, b: t.addmm(i, a.t(), b.t()), [(2, 4), (3, 2), (4, 3)]),
    ("baddbmm", lambda t, i, a, b: t.baddbmm(i, a, b), [(2, 2, 4), (2, 2, 3), (2, 3, 4)]),
    ("baddbmm_scaled", lambda t, i, a, b: t.baddbmm(i, a, b, beta=-1, alpha=0.25),
     [(2, 2, 4), (2, 2, 3), (2, 3, 4)]),
    ("baddbmm_broadcast", lambda t, i, a, b: t.baddbmm(i, a, b), [(1, 4), (3, 2, 3), (3, 3, 4)]),
    ("baddbmm_method", lambda t, i, a, b: i.baddbmm(a, b, alpha=2), [(2, 1, 4), (2, 3, 2), (2, 2, 4)]),
]


@pytest.mark.parametrize("fn,shapes", [pytest.param(f, s, id=i) for i, f, s in ADD_CASES])
def test_addmm_baddbmm_parity(device, rng, fn, shapes):
    (y,) = check_parity(lambda *a: (fn(*a),), *[random_array(rng, s) for s in shapes],
                        device=device, rng=rng)
    assert y.grad_fn.name() == ("BaddbmmBackward0" if len(shapes[1]) == 3 else "AddmmBackward0")
    check_grad(fn, *[random_array(rng, s, "float64") for s in shapes], device=device)


@pytest.mark.parametrize("op", ["addmm", "baddbmm"])
def test_addmm_beta_zero_ignores_nan_input(device, rng, op):
    batch = () if op == "addmm" else (2,)
    arrays = [np.full(batch + (2, 4), np.nan, "float32"), random_array(rng, batch + (2, 3)),
              random_array(rng, batch + (3, 4))]
    (y,) = check_parity(lambda t, i, a, b: (getattr(t, op)(i, a, b, beta=0),), *arrays,
                        device=device, rng=rng)
    assert not np.isnan(y.detach().cpu().numpy()).any()


@pytest.mark.parametrize("op", ["addmm", "baddbmm"])
def test_addmm_integer_scalars_truncate(rng, op):
    batch = () if op == "addmm" else (2,)
    arrays = [random_array(rng, batch + s, "int64", integers=(-3, 4)) for s in ((2, 4), (2, 3), (3, 4))]
    ours = getattr(ag, op)(*[ag.tensor(a) for a in arrays], beta=0.5, alpha=2.5)
    theirs = getattr(torch, op)(*[torch.tensor(a) for a in arrays], beta=0.5, alpha=2.5)
    assert ours.dtype is ag.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# (id, op, shapes, dtypes)
ADD_ERRORS = [
    ("addmm_shapes", "addmm", [(2, 4), (2, 3), (4, 4)], None),
    ("addmm_mat1_1d", "addmm", [(2, 4), (3,), (3, 4)], None),
    ("addmm_mat2_1d", "addmm", [(2, 4), (2, 3), (3,)], None),
    ("addmm_input_shape", "addmm", [(3, 4), (2, 3), (3, 4)], None),
    ("addmm_input_3d", "addmm", [(2, 2, 4), (2, 3), (3, 4)], None),
    ("addmm_input_dtype", "addmm", [(2, 4), (2, 3), (3, 4)], ["float64", "float32", "float32"]),
    ("addmm_mat1_dtype", "addmm", [(2, 4), (2, 3), (3, 4)], ["float32", "float64", "float32"]),
    ("addmm_mat2_dtype", "addmm", [(2, 4), (2, 3), (3, 4)], ["float32", "float32", "float64"]),
    ("addmm_dtype_before_shapes", "addmm", [(2, 4), (3,), (3, 4)], ["float32", "float32", "float64"]),
    ("baddbmm_shapes", "baddbmm", [(2, 2, 4), (2, 2, 3), (2, 4, 4)], None),
    ("baddbmm_batch", "baddbmm", [(2, 2, 4), (2, 2, 3), (3, 3, 4)], None),
    ("baddbmm_input_shape", "baddbmm", [(3, 2, 4), (2, 2, 3), (2, 3, 4)], None),
    ("baddbmm_input_dtype", "baddbmm", [(2, 2, 4), (2, 2, 3), (2, 3, 4)],
     ["float64", "float32", "float32"]),
    ("baddbmm_batch1_dtype", "baddbmm", [(2, 2, 4), (2, 2, 3), (2, 3, 4)],
     ["float32", "float64", "float32"]),
    ("baddbmm_batch2_dtype", "baddbmm", [(2, 2, 4), (2, 2, 3), (2, 3, 4)],
     ["float32", "float32", "float64"]),
]


@pytest.mark.parametrize("op,shapes,dts", [pytest.param(o, s, d, id=i) for i, o, s, d in ADD_ERRORS])
def test_addmm_errors_match_torch(device, rng, op, shapes, dts):
    arrays = [random_array(rng, s, d) for s, d in zip(shapes, dts or ["float32"] * 3)]
    messages = []
    for lib, dev in ((torch, "cpu"), (ag, device)):
        tensors = [lib.tensor(a, device=dev, requires_grad=True) for a in arrays]
        with pytest.raises(RuntimeError) as info:
            getattr(lib, op)(*tensors, beta=0.5)
        for t, a in zip(tensors, arrays):
            np.testing.assert_array_equal(t.detach().cpu().numpy(), a)
            assert t.grad is None
        messages.append(str(info.value))
    assert messages[1] == messages[0]


@pytest.mark.parametrize("op,shapes", [("addmm", [(2, 4), (2, 3), (3, 4)]),
                                       ("baddbmm", [(2, 2, 4), (2, 2, 3), (2, 3, 4)])])
def test_addmm_bool_and_type_errors(device, op, shapes):
    for exc, make in ((NotImplementedError, lambda lib, dev: [lib.ones(s, device=dev).bool()
                                                              for s in shapes]),
                      (TypeError, lambda lib, dev: [lib.ones(s, device=dev) for s in shapes[:2]]
                       + [[1.0]])):
        messages = []
        for lib, dev in ((torch, "cpu"), (ag, device)):
            with pytest.raises(exc) as info:
                getattr(lib, op)(*make(lib, dev))
            messages.append(str(info.value))
        assert messages[1] == messages[0]
