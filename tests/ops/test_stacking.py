"""hstack/vstack/dstack/column_stack, atleast_nd, swapaxes/swapdims, broadcast_tensors, meshgrid,
tril/triu_indices, take_along_dim, masked_select, cross, kron, tensordot, searchsorted, bucketize
and is_floating_point against torch: values, dtypes, gradients (float64 gradchecks), grad_fn
graphs and error parity."""
import warnings

import numpy as np
import pytest

import autograd_gpu as ag
from helpers import assert_torch_wording, check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()


def graph(node):
    if node is None:
        return None
    return (node.name(), tuple((graph(f), nr) for f, nr in node.next_functions))


STACKS = {  # name: (fn, input shapes)
    "hstack_1d": (lambda t, a, b: t.hstack([a, b]), [(3,), (2,)]),
    "hstack_2d": (lambda t, a, b: t.hstack((a, b)), [(2, 3), (2, 1)]),
    "hstack_0d": (lambda t, a, b: t.hstack([a, b]), [(), ()]),
    "vstack_1d": (lambda t, a, b: t.vstack([a, b]), [(3,), (3,)]),
    "vstack_mixed": (lambda t, a, b: t.vstack([a, b]), [(3,), (2, 3)]),
    "vstack_0d": (lambda t, a, b: t.vstack([a, b]), [(), ()]),
    "dstack_1d": (lambda t, a, b: t.dstack([a, b]), [(3,), (3,)]),
    "dstack_2d": (lambda t, a, b: t.dstack([a, b]), [(2, 3), (2, 3)]),
    "dstack_3d": (lambda t, a, b: t.dstack([a, b]), [(2, 3, 1), (2, 3, 2)]),
    "column_stack_1d": (lambda t, a, b: t.column_stack([a, b]), [(3,), (3,)]),
    "column_stack_mixed": (lambda t, a, b: t.column_stack([a, b]), [(3,), (3, 2)]),
    "column_stack_0d": (lambda t, a, b: t.column_stack([a, b]), [(), ()]),
    "swapaxes": (lambda t, a, b: t.swapaxes(a, 0, 2) * b, [(2, 3, 4), (4, 3, 1)]),
    "swapdims_method": (lambda t, a, b: a.swapdims(-1, 0) + b, [(2, 3), (1,)]),
    "broadcast_tensors": (lambda t, a, b: t.broadcast_tensors(a, b), [(3, 1), (4,)]),
    "broadcast_tensors_same": (lambda t, a, b: t.broadcast_tensors(a, b), [(2, 3), (2, 3)]),
    "meshgrid_ij": (lambda t, a, b: t.meshgrid(a, b, indexing="ij"), [(3,), (4,)]),
    "meshgrid_xy": (lambda t, a, b: t.meshgrid([a, b], indexing="xy"), [(3,), (4,)]),
    "meshgrid_0d": (lambda t, a, b: t.meshgrid(a, b, indexing="ij"), [(), (2,)]),
    "kron_2d": (lambda t, a, b: t.kron(a, b), [(2, 3), (3, 2)]),
    "kron_mixed": (lambda t, a, b: a.kron(b), [(3,), (2, 2)]),
    "kron_0d": (lambda t, a, b: t.kron(a, b), [(), (2, 3)]),
    "tensordot_int": (lambda t, a, b: t.tensordot(a, b, dims=1), [(2, 3), (3, 4)]),
    "tensordot_lists": (lambda t, a, b: t.tensordot(a, b, dims=([0, 2], [1, 0])),
                        [(2, 3, 4), (4, 2, 5)]),
    "tensordot_full": (lambda t, a, b: t.tensordot(a, b, dims=2), [(2, 3), (2, 3)]),
    "tensordot_outer": (lambda t, a, b: t.tensordot(a, b, dims=0), [(3,), (2,)]),
    "cross_dim": (lambda t, a, b: t.cross(a, b, dim=1), [(2, 3), (2, 3)]),
    "cross_broadcast": (lambda t, a, b: a.cross(b, dim=-1), [(2, 3), (1, 3)]),
    "cross_dim0": (lambda t, a, b: t.cross(a, b, dim=0), [(3, 2), (3, 2)]),
}


def _outputs(out):
    return out if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize("name", STACKS)
def test_parity(name, device, rng):
    fn, shapes = STACKS[name]
    check_parity(fn, *[random_array(rng, s) for s in shapes], device=device, rng=rng)


@pytest.mark.parametrize("name", STACKS)
def test_gradcheck(name, device, rng):
    fn, shapes = STACKS[name]
    check_grad(lambda t, *xs: sum(o.sum() * (i + 1) for i, o in enumerate(_outputs(fn(t, *xs)))),
               *[random_array(rng, s) for s in shapes], device=device)


@pytest.mark.parametrize("name", STACKS)
def test_graph(name, rng):
    fn, shapes = STACKS[name]
    arrays = [random_array(rng, s) for s in shapes]
    graphs = []
    for lib in (torch, ag):
        outs = _outputs(fn(lib, *[lib.tensor(a, requires_grad=True) for a in arrays]))
        graphs.append([graph(o.grad_fn) for o in outs])
    assert graphs[1] == graphs[0]


@pytest.mark.parametrize("n", [1, 2, 3])
def test_atleast_nd(n, device, rng):
    name = f"atleast_{n}d"
    for shape in [(), (3,), (2, 3), (2, 3, 4), (1, 2, 3, 4)]:
        data = random_array(rng, shape)
        check_parity(lambda t, x: getattr(t, name)(x), data, device=device)
        x = ag.tensor(data, device=device, requires_grad=True)
        t = torch.tensor(data, requires_grad=True)
        ours, theirs = getattr(ag, name)(x), getattr(torch, name)(t)
        assert (ours is x) == (theirs is t)
        assert graph(ours.grad_fn) == graph(theirs.grad_fn)
    a, b = random_array(rng, ()), random_array(rng, (3,))
    check_parity(lambda t, x, y: getattr(t, name)(x, y), a, b, device=device)
    check_parity(lambda t, x, y: getattr(t, name)([x, y]), a, b, device=device)


def test_stacks_promote_dtypes_as_torch(device, rng):
    a, b = rng.integers(0, 5, size=(3,)), random_array(rng, (3,))
    for name in ("hstack", "vstack", "dstack", "column_stack"):
        check_parity(lambda t, x, y: getattr(t, name)([x, y]), a, b, device=device)


def test_broadcast_tensors_returns_unchanged_inputs(device, rng):
    x = ag.tensor(random_array(rng, (2, 3)), device=device)
    y = ag.tensor(random_array(rng, (3,)), device=device)
    ox, oy = ag.broadcast_tensors(x, y)
    assert ox is x and tuple(oy.shape) == (2, 3)
    (only,) = ag.broadcast_tensors(y)
    assert only is y


def test_meshgrid_warns_without_indexing(device, rng):
    """torch warns once per process (TORCH_WARN_ONCE), so its text is pinned here rather than
    caught from it; the grids are its 'ij' ones."""
    a, b = random_array(rng, (2,)), random_array(rng, (3,))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = ag.meshgrid(ag.tensor(a, device=device), ag.tensor(b, device=device))
    assert [str(w.message) for w in caught if w.category is UserWarning] == [
        "torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
        "argument. (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/"
        "TensorShape.cpp:4215.)"]
    theirs = torch.meshgrid(torch.tensor(a), torch.tensor(b), indexing="ij")
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.cpu().numpy(), t.numpy())


def test_cross_without_dim_warns_and_picks_the_first_size_3_dim(device, rng):
    a, b = random_array(rng, (2, 3)), random_array(rng, (2, 3))
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        check_parity(lambda t, x, y: t.cross(x, y), a, b, device=device)


def test_cross_integers(device, rng):
    a, b = rng.integers(-3, 4, size=(4, 3)), rng.integers(-3, 4, size=(4, 3))
    check_parity(lambda t, x, y: t.cross(x, y, dim=1), a, b, device=device)


def test_kron_and_tensordot_dtypes(device, rng):
    ints, floats = rng.integers(1, 4, size=(2, 2)), random_array(rng, (2,))
    check_parity(lambda t, x, y: t.kron(x, y), ints, floats, device=device)
    check_parity(lambda t, x, y: t.kron(x, y), ints, ints, device=device)
    check_parity(lambda t, x, y: t.tensordot(x, y, dims=1), ints, ints, device=device)
    check_parity(lambda t, x, y: t.tensordot(x, y, dims=t.tensor([[1], [0]])),
                 random_array(rng, (2, 3)), random_array(rng, (3, 2)), device=device)


# -- index helpers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("row,col,offset", [(3, 4, 0), (4, 3, 1), (3, 3, -1), (0, 3, 0),
                                            (5, 2, -7), (2, 5, 9), (1, 1, 0)])
def test_tril_triu_indices(row, col, offset, device):
    for name in ("tril_indices", "triu_indices"):
        ours = getattr(ag, name)(row, col, offset, device=device)
        theirs = getattr(torch, name)(row, col, offset)
        assert ours.dtype is ag.int64
        np.testing.assert_array_equal(ours.cpu().numpy(), theirs.numpy())
    ours = ag.tril_indices(row, col, offset, dtype=ag.int32, device=device)
    assert ours.dtype is ag.int32 and tuple(ours.shape) == tuple(torch.tril_indices(row, col,
                                                                                    offset).shape)


def test_take_along_dim(device, rng):
    x = random_array(rng, (3, 4))
    idx = rng.integers(0, 4, size=(3, 2))
    check_parity(lambda t, a, i: t.take_along_dim(a, i, dim=1), x, idx, device=device)
    check_parity(lambda t, a, i: a.take_along_dim(i, -1), x, rng.integers(0, 4, size=(1, 5)),
                 device=device)
    check_parity(lambda t, a, i: t.take_along_dim(a, i, 0), x, rng.integers(0, 3, size=(2, 1)),
                 device=device)
    check_parity(lambda t, a, i: t.take_along_dim(a, i), x, rng.integers(0, 12, size=(5,)),
                 device=device)
    check_grad(lambda t, a: t.take_along_dim(a, t.tensor(idx, device=device), dim=1), x,
               device=device)
    outs = []
    for lib in (torch, ag):  # (our GatherBackward0 lists the index as a (None, 0) input too)
        node = lib.take_along_dim(lib.tensor(x, requires_grad=True), lib.tensor(idx), 1).grad_fn
        outs.append((node.name(), node.next_functions[0][0].name()))
    assert outs[1] == outs[0]


def test_masked_select(device, rng):
    x = random_array(rng, (3, 4))
    mask = rng.random((3, 4)) > 0.5
    mask[0, 0] = True
    check_parity(lambda t, a, m: t.masked_select(a, m), x, mask, device=device)
    check_parity(lambda t, a, m: a.masked_select(m), x, np.array([True, False, True, True]),
                 device=device)
    check_parity(lambda t, a, m: t.masked_select(a, m), random_array(rng, (4,)),
                 rng.random((2, 4)) > 0.3, device=device)
    check_grad(lambda t, a: t.masked_select(a, t.tensor(mask, device=device)), x, device=device)


SORTED = np.array([-1.5, -0.2, 0.0, 0.7, 0.7, 2.0], "float32")


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_and_bucketize(right, device, rng):
    values = rng.choice(np.concatenate([SORTED, rng.uniform(-3, 3, 6).astype("float32")]),
                        size=(3, 4))
    values[0, 0] = np.nan
    for fn in (lambda t, s, v: t.searchsorted(s, v, right=right),
               lambda t, s, v: t.searchsorted(s, v, side="right" if right else "left"),
               lambda t, s, v: t.searchsorted(s, v, right=right, out_int32=True),
               lambda t, s, v: t.bucketize(v, s, right=right),
               lambda t, s, v: t.bucketize(v, s, right=right, out_int32=True)):
        check_parity(fn, SORTED, values, device=device, grad=False)
    nd = np.sort(random_array(rng, (2, 5)), axis=1)
    check_parity(lambda t, s, v: t.searchsorted(s, v, right=right), nd, random_array(rng, (2, 3)),
                 device=device, grad=False)
    with_nan = np.array([1.0, 2.0, np.nan], "float32")
    check_parity(lambda t, s, v: t.searchsorted(s, v, right=right), with_nan,
                 np.array([np.nan, 1.5, 3.0, 1.0], "float32"), device=device, grad=False)


def test_searchsorted_scalars_sorter_and_mixed_dtypes(device, rng):
    unsorted = rng.permutation(8).astype("float32")
    sorter = np.argsort(unsorted)
    ours = ag.searchsorted(ag.tensor(unsorted, device=device), ag.tensor([2.5, 7.0, -1.0],
                           device=device), sorter=ag.tensor(sorter, device=device))
    theirs = torch.searchsorted(torch.tensor(unsorted), torch.tensor([2.5, 7.0, -1.0]),
                                sorter=torch.tensor(sorter))
    np.testing.assert_array_equal(ours.cpu().numpy(), theirs.numpy())
    ints = np.array([1, 3, 5])
    for value in (3.5, 3, ag.tensor([2.9]), ag.tensor([3])):
        tvalue = torch.tensor(value.numpy()) if isinstance(value, ag.Tensor) else value
        ours = ag.searchsorted(ag.tensor(ints, device=device),
                               value.to(device) if isinstance(value, ag.Tensor) else value)
        theirs = torch.searchsorted(torch.tensor(ints), tvalue)
        assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype)
        np.testing.assert_array_equal(ours.cpu().numpy(), theirs.numpy())
    assert ag.bucketize(0.5, ag.tensor(SORTED, device=device)).item() == \
        torch.bucketize(0.5, torch.tensor(SORTED)).item()


def test_is_floating_point(device):
    for dtype in ("float32", "float16", "int64", "bool"):
        x = ag.zeros(2, dtype=getattr(ag, dtype), device=device)
        assert ag.is_floating_point(x) == torch.is_floating_point(
            torch.zeros(2, dtype=getattr(torch, dtype)))
        assert x.is_floating_point() == ag.is_floating_point(x)


# -- errors ----------------------------------------------------------------------------------------

ERRORS = {
    "hstack_empty": lambda t, x: t.hstack([]),
    "vstack_tensor": lambda t, x: t.vstack(x),
    "dstack_mismatch": lambda t, x: t.dstack([x, t.ones(2, 2)]),
    "hstack_ndims": lambda t, x: t.hstack((x[0], x)),
    "column_stack_mismatch": lambda t, x: t.column_stack([x, t.ones(2)]),
    "column_stack_empty": lambda t, x: t.column_stack([]),
    "swapaxes_dim": lambda t, x: t.swapaxes(x, 0, 2),
    "atleast_2d_number": lambda t, x: t.atleast_2d(1.0),
    "broadcast_tensors_shapes": lambda t, x: t.broadcast_tensors(x, t.ones(2)),
    "broadcast_tensors_list": lambda t, x: t.broadcast_tensors([x]),
    "meshgrid_indexing": lambda t, x: t.meshgrid(x[0], x[1], indexing="foo"),
    "meshgrid_dtypes": lambda t, x: t.meshgrid(x[0], t.ones(2, dtype=t.float64), indexing="ij"),
    "meshgrid_empty": lambda t, x: t.meshgrid(indexing="ij"),
    "tril_indices_negative_row": lambda t, x: t.tril_indices(-1, 3),
    "triu_indices_negative_col": lambda t, x: t.triu_indices(3, -2),
    "tril_indices_float_row": lambda t, x: t.tril_indices(3.0, 3),
    "tril_indices_float_dtype": lambda t, x: t.tril_indices(3, 3, dtype=t.float32),
    "take_along_dim_int32": lambda t, x: t.take_along_dim(x, t.tensor([[0]], dtype=t.int32), 1),
    "take_along_dim_float": lambda t, x: t.take_along_dim(x, t.tensor([[0.0]]), 1),
    "take_along_dim_ndim": lambda t, x: t.take_along_dim(x, t.tensor([0]), 1),
    "take_along_dim_shapes": lambda t, x: t.take_along_dim(x, t.tensor([[0, 1]]), 0),
    "take_along_dim_dim": lambda t, x: t.take_along_dim(x, t.tensor([[0]]), 2),
    "masked_select_int_mask": lambda t, x: t.masked_select(x, t.ones(3, 4, dtype=t.int64)),
    "masked_select_shapes": lambda t, x: t.masked_select(x, t.tensor([True, False])),
    "masked_select_number": lambda t, x: t.masked_select(x, 3),
    "cross_length": lambda t, x: t.cross(x, x, dim=1),
    "cross_no_size_3": lambda t, x: t.cross(t.ones(2, 2), t.ones(2, 2)),
    "cross_shapes": lambda t, x: t.cross(t.ones(2, 3), t.ones(4, 3), dim=1),
    "cross_dtypes": lambda t, x: t.cross(t.ones(2, 3, dtype=t.int64), t.ones(2, 3), dim=1),
    "cross_ndims": lambda t, x: t.cross(t.ones(2, 3), t.ones(3), dim=1),
    "kron_number": lambda t, x: t.kron(x, 3),
    "tensordot_sizes": lambda t, x: t.tensordot(x, t.ones(4, 3), dims=([0], [0])),
    "tensordot_negative": lambda t, x: t.tensordot(x, x, dims=-1),
    "tensordot_dtypes": lambda t, x: t.tensordot(x, t.ones(4, 2, dtype=t.float64), dims=1),
    "searchsorted_side": lambda t, x: t.searchsorted(x[0], x, side="x"),
    "searchsorted_opposites": lambda t, x: t.searchsorted(x[0], x, right=True, side="left"),
    "searchsorted_nd_shapes": lambda t, x: t.searchsorted(x, t.ones(1, 1)),
    "searchsorted_0d": lambda t, x: t.searchsorted(t.tensor(1.0), x),
    "searchsorted_sorter_dtype": lambda t, x: t.searchsorted(x[0], x, sorter=t.zeros(4)),
    "searchsorted_sorter_size": lambda t, x: t.searchsorted(x[0], x, sorter=t.tensor([0, 1])),
    "searchsorted_sorter_range": lambda t, x: t.searchsorted(
        x[0], x, sorter=t.tensor([0, 1, 2, 9])),
    "bucketize_2d": lambda t, x: t.bucketize(x, x),
    "is_floating_point_number": lambda t, x: t.is_floating_point(1.0),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_match_torch_and_leave_inputs(name, rng):
    arr = random_array(rng, (3, 4))
    caught = []
    for lib in (torch, ag):
        x = lib.tensor(arr)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as info:
                ERRORS[name](lib, x)
        np.testing.assert_array_equal(x.numpy(), arr)
        caught.append(info.value)
    assert type(caught[1]) is type(caught[0])
    assert_torch_wording(str(caught[1]), str(caught[0]))
