"""einsum against torch: many equations (values, dtypes, every input gradient, float64
gradchecks and second order), torch's grad_fn names, and torch's errors word for word."""
import numpy as np
import pytest

import autograd_gpu as ag
from helpers import assert_torch_wording, check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()

# (id, equation, operand shapes)
EQUATIONS = [
    ("matmul", "ij,jk->ik", [(2, 3), (3, 4)]),
    ("matmul_implicit", "ij,jk", [(2, 3), (3, 4)]),
    ("matmul_spaces", "i j , j k -> i k", [(2, 3), (3, 4)]),
    ("batch_matmul", "bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("matvec", "ij,j->i", [(3, 4), (4,)]),
    ("dot", "i,i->", [(5,), (5,)]),
    ("dot_implicit", "i,i", [(5,), (5,)]),
    ("outer", "i,j->ij", [(3,), (4,)]),
    ("hadamard", "ij,ij->ij", [(2, 3), (2, 3)]),
    ("trace", "ii->", [(3, 3)]),
    ("trace_implicit", "ii", [(3, 3)]),
    ("diagonal", "ii->i", [(4, 4)]),
    ("batch_diagonal", "bii->bi", [(2, 3, 3)]),
    ("repeated_in_three_dims", "iji->j", [(3, 2, 3)]),
    ("transpose", "ij->ji", [(2, 3)]),
    ("transpose_implicit", "ba", [(2, 3)]),
    ("sum_all", "ij->", [(2, 3)]),
    ("sum_rows", "ij->j", [(2, 3)]),
    ("sum_inner", "ijk->ik", [(2, 3, 4)]),
    ("permute3", "ijk->kij", [(2, 3, 4)]),
    ("ellipsis_transpose", "...ij->...ji", [(2, 3, 4, 5)]),
    ("ellipsis_sum", "...i->...", [(2, 3, 4)]),
    ("ellipsis_front", "i...->...", [(2, 3, 4)]),
    ("ellipsis_broadcast", "...ij,...jk->...ik", [(2, 1, 2, 3), (5, 3, 4)]),
    ("ellipsis_implicit", "...ij,...jk", [(3, 2, 3), (3, 3, 2)]),
    ("ellipsis_middle", "i...j,j...k->...ik", [(2, 4, 3), (3, 4, 5)]),
    ("ellipsis_summed", "...i,...i->i", [(2, 3), (2, 3)]),
    ("size_one_broadcast", "ij,ij->ij", [(1, 3), (2, 1)]),
    ("size_one_label", "ij,jk->ik", [(2, 1), (3, 4)]),
    ("three_operands", "ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("three_implicit", "ab,bc,cd", [(2, 3), (3, 2), (2, 4)]),
    ("three_shared", "bi,bj,bk->bijk", [(2, 3), (2, 2), (2, 4)]),
    ("bilinear", "bn,anm,bm->ba", [(3, 2), (4, 2, 5), (3, 5)]),
    ("upper_case_first", "Ab,bA", [(2, 3), (3, 2)]),
    ("mixed_case_order", "aB,Ba->aB", [(2, 3), (3, 2)]),
    ("contract_two_dims", "ijk,jkl->il", [(2, 3, 4), (3, 4, 2)]),
    ("batch_outer_sum", "bij,bkj->bik", [(2, 3, 4), (2, 5, 4)]),
    ("scalar", ",->", [(), ()]),
    ("scalar_and_vector", ",i->i", [(), (3,)]),
    ("four_operands", "ab,bc,cd,de->ae", [(2, 3), (3, 2), (2, 3), (3, 2)]),
    ("sum_one_operand_dim", "ij,jk->i", [(2, 3), (3, 4)]),
]


@pytest.mark.parametrize("eq,shapes", [pytest.param(e, s, id=i) for i, e, s in EQUATIONS])
def test_parity(device, rng, eq, shapes):
    check_parity(lambda t, *xs: t.einsum(eq, *xs), *[random_array(rng, s) for s in shapes],
                 device=device, rng=rng)


@pytest.mark.parametrize("eq,shapes", [pytest.param(e, s, id=i) for i, e, s in EQUATIONS])
def test_gradcheck(device, rng, eq, shapes):
    check_grad(lambda t, *xs: t.einsum(eq, *xs), *[random_array(rng, s, "float64") for s in shapes],
               device=device)


def test_operands_as_one_list(device, rng):
    arrays = [random_array(rng, (2, 3)), random_array(rng, (3, 4))]
    check_parity(lambda t, a, b: t.einsum("ij,jk->ik", [a, b]), *arrays, device=device, rng=rng)
    check_parity(lambda t, a, b: t.einsum("ij,jk->ik", (a, b)), *arrays, device=device, rng=rng)


@pytest.mark.parametrize("dtype", ["float64", "int64", "int32"])
def test_dtypes(device, rng, dtype):
    integers = (-3, 4) if dtype.startswith("int") else None
    arrays = [random_array(rng, s, dtype, integers=integers) for s in ((2, 3), (3, 4), (4,))]
    (out,) = check_parity(lambda t, a, b, c: (t.einsum("ij,jk,k->i", a, b, c),), *arrays,
                          device="cpu" if integers else device, rng=rng)
    assert out.dtype is getattr(ag, dtype)


def test_product_only_promotes_like_mul(device, rng):
    check_parity(lambda t, a, b: t.einsum("i,j->ij", a, b), random_array(rng, (3,)),
                 random_array(rng, (2,), "int64", integers=(-3, 4)), device=device, rng=rng)


def test_empty_operands(device):
    out = ag.einsum("ij,jk->ik", ag.ones(2, 0, device=device), ag.ones(0, 3, device=device))
    assert out.shape == (2, 3) and not out.cpu().numpy().any()


# torch's own graph for einsum is its decomposition: the same last node here
NAMES = [
    ("ij,jk->ik", [(2, 3), (3, 4)], "ViewBackward0"),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)], "ViewBackward0"),
    ("i,j->ij", [(3,), (4,)], "MulBackward0"),
    ("ii", [(3, 3)], "SumBackward1"),
    ("ii->i", [(3, 3)], "PermuteBackward0"),
    ("ij->ji", [(2, 3)], "PermuteBackward0"),
    ("ij->", [(2, 3)], "SumBackward1"),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)], "ViewBackward0"),
]


@pytest.mark.parametrize("eq,shapes,name", NAMES)
def test_grad_fn_names(device, eq, shapes, name):
    theirs = torch.einsum(eq, *[torch.ones(s, requires_grad=True) for s in shapes])
    ours = ag.einsum(eq, *[ag.ones(s, device=device, requires_grad=True) for s in shapes])
    assert theirs.grad_fn.name() == name
    assert ours.grad_fn.name() == name


# (id, equation, operand shapes, operand dtypes or None)
ERRORS = [
    ("fewer_operands", "ij,jk,kl", [(2, 3), (3, 4)], None),
    ("more_operands", "ij", [(2, 3), (2, 3)], None),
    ("two_ellipses", "....ij", [(2, 3)], None),
    ("ellipsis_twice", "...i...", [(2, 3)], None),
    ("broken_ellipsis", "i..j", [(2, 3)], None),
    ("broken_output_ellipsis", "ij->..", [(2, 3)], None),
    ("two_output_ellipses", "ij->......", [(2, 3)], None),
    ("invalid_subscript", "i1", [(2, 3)], None),
    ("invalid_output_subscript", "ij->i1", [(2, 3)], None),
    ("too_few_subscripts", "i", [(2, 3)], None),
    ("too_many_subscripts", "ijk", [(2, 3)], None),
    ("empty_equation", "", [(2, 3)], None),
    ("ellipsis_too_many", "...ij", [(3,)], None),
    ("ellipsis_no_broadcast", "...i,...i", [(2, 3), (4, 3)], None),
    ("repeated_sizes", "ii", [(2, 3)], None),
    ("size_mismatch", "ij,jk->ik", [(2, 3), (2, 3)], None),
    ("size_mismatch_same_labels", "ij,ij", [(2, 3), (2, 4)], None),
    ("output_not_in_input", "ij->k", [(2, 3)], None),
    ("output_twice", "ij->ii", [(2, 3)], None),
    ("dtypes", "ij,jk", [(2, 3), (3, 4)], ["float32", "int64"]),
    ("dtypes_double", "ij,jk", [(2, 3), (3, 4)], ["float32", "float64"]),
]


@pytest.mark.parametrize("eq,shapes,dts", [pytest.param(e, s, d, id=i) for i, e, s, d in ERRORS])
def test_errors_match_torch(device, rng, eq, shapes, dts):
    dts = dts or ["float32"] * len(shapes)
    arrays = [random_array(rng, s, d, integers=(0, 3) if d == "int64" else None)
              for s, d in zip(shapes, dts)]
    messages = []
    for lib, dev in ((torch, "cpu"), (ag, device)):
        tensors = [lib.tensor(a, device=dev, requires_grad=a.dtype.kind == "f") for a in arrays]
        with pytest.raises(RuntimeError) as info:
            lib.einsum(eq, *tensors)
        for t, a in zip(tensors, arrays):
            np.testing.assert_array_equal(t.detach().cpu().numpy(), a)
        messages.append(str(info.value))
    assert_torch_wording(messages[1], messages[0])


def test_bool_contraction_error(device):
    messages = []
    for lib, dev in ((torch, "cpu"), (ag, device)):
        with pytest.raises(NotImplementedError) as info:
            lib.einsum("ij,jk", lib.ones(2, 3, device=dev).bool(), lib.ones(3, 2, device=dev).bool())
        messages.append(str(info.value))
    assert_torch_wording(messages[1], messages[0])


@pytest.mark.parametrize("args,exc", [(("ij",), ValueError), (("ij", []), ValueError),
                                      ((1, "t"), TypeError), (("ij", "t", [1]), TypeError)])
def test_argument_errors(device, args, exc):
    messages = []
    for lib, dev in ((torch, "cpu"), (ag, device)):
        call = [lib.ones(2, 3, device=dev) if a == "t" else a for a in args]
        with pytest.raises(exc) as info:
            lib.einsum(*call)
        messages.append(str(info.value))
    assert_torch_wording(messages[1], messages[0])
