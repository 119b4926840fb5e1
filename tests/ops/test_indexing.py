"""Indexing against torch: x[key] (basic, advanced, mixed, masks, repeated indices), x[key] = v,
gather, masked_fill and nonzero: values, gradients, gradchecks, grad_fn names, views and errors."""
import numpy as np
import pytest

import autograd_gpu as ag
from helpers import check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()
pytestmark = pytest.mark.filterwarnings("ignore:Using a non-tuple sequence:UserWarning")  # x["a"]



SHAPE = (2, 3, 4)
MASK = np.arange(24).reshape(SHAPE) % 3 == 1          # 8 True
MASK2 = np.array([[True, False, True], [False, False, True]])


def _outs(y):
    return tuple(y) if isinstance(y, (tuple, list)) else (y,)


# (id, key(lib)): keys are built per library so tensor indices are each library's own tensors
GET = [
    ("int", lambda t: 1),
    ("neg_int", lambda t: -1),
    ("ints", lambda t: (1, -2)),
    ("int_all_dims", lambda t: (0, 2, -1)),
    ("slice", lambda t: slice(1, None)),
    ("slice_step", lambda t: (slice(None), slice(None, None, 2))),
    ("slice_step_start", lambda t: (Ellipsis, slice(1, 4, 2))),
    ("slice_neg", lambda t: (slice(-1, None), slice(None, -1))),
    ("slice_clamped", lambda t: (slice(0, 10), slice(-10, 2))),
    ("slice_empty", lambda t: slice(3, 5)),
    ("none", lambda t: None),
    ("none_mid", lambda t: (slice(None), None, 1)),
    ("ellipsis", lambda t: Ellipsis),
    ("ellipsis_int", lambda t: (Ellipsis, 1)),
    ("ellipsis_none", lambda t: (None, Ellipsis, None)),
    ("combo", lambda t: (1, None, slice(0, 3, 2), Ellipsis)),
    ("combo2", lambda t: (Ellipsis, None, slice(None, None, 3))),
    ("bool_true", lambda t: True),
    ("bool_false", lambda t: False),
    ("mask_same_shape", lambda t: t.tensor(MASK)),
    ("mask_leading", lambda t: t.tensor(MASK2)),
    ("mask_dim", lambda t: (slice(None), t.tensor([True, False, True]))),
    ("mask_last", lambda t: (Ellipsis, t.tensor([False, True, True, False]))),
    ("mask_list", lambda t: [True, False]),
    ("mask_0d", lambda t: t.tensor(True)),
    ("mask_and_int", lambda t: (t.tensor([True, False]), slice(None), 2)),
    ("list", lambda t: [1, 0]),
    ("list_repeated", lambda t: [0, 1, 1, 1]),
    ("lists_repeated_pairs", lambda t: ([1, 0, 1], [2, 2, 2])),
    ("nested_list", lambda t: ([[0, 1], [1, 1]],)),
    ("empty_list", lambda t: []),
    ("tensor_repeated", lambda t: t.tensor([1, 1, 0, 1])),
    ("tensor_2d_repeated", lambda t: (slice(None), t.tensor([[2, 2], [0, 2]]))),
    ("tensor_neg", lambda t: (0, t.tensor([-1, -3, -1]))),
    ("tensor_int32", lambda t: t.tensor([1, 0], dtype=t.int32)),
    ("tensor_0d", lambda t: t.tensor(1)),
    ("tensors_broadcast", lambda t: (t.tensor([[0], [1]]), slice(None), t.tensor([0, 3, 3]))),
    ("mixed_slice_list", lambda t: (slice(None), [0, 2, 0])),
    ("mixed_separated", lambda t: ([1, 0], slice(None), [3, 3])),
    ("mixed_none", lambda t: ([1, 0], None, [2, 2])),
    ("mixed_int", lambda t: (0, [1, 1], slice(1, 3))),
    ("mixed_ellipsis", lambda t: (Ellipsis, [0, 3, 0])),
    ("mixed_step", lambda t: (slice(None, None, 2), [2, 0])),
    ("mask_and_list", lambda t: (t.tensor([True, True]), [0, 2])),
]


def _get(key):
    return lambda t, x: x[key(t)]


@pytest.mark.parametrize("key", [pytest.param(k, id=i) for i, k in GET])
def test_getitem_parity(device, rng, key):
    check_parity(_get(key), random_array(rng, SHAPE), device=device, rng=rng)


@pytest.mark.parametrize("key", [pytest.param(k, id=i) for i, k in GET])
def test_getitem_gradcheck(device, rng, key):
    check_grad(_get(key), random_array(rng, SHAPE, "float64"), device=device)


def test_repeated_indices_accumulate(device):
    x = ag.ones(3, device=device, requires_grad=True)
    x[[0, 2, 2, 2]].sum().backward()
    np.testing.assert_array_equal(x.grad.cpu().numpy(), [1.0, 0.0, 3.0])
    y = ag.ones(2, 2, device=device, requires_grad=True)
    (y[ag.tensor([1, 1]), ag.tensor([0, 0])] * ag.tensor([2.0, 5.0], device=device)).sum().backward()
    np.testing.assert_array_equal(y.grad.cpu().numpy(), [[0.0, 0.0], [7.0, 0.0]])


def test_integer_tensor_indexing(device):
    check_parity(lambda t, x: (x[1], x[:, [0, 0]], x[t.tensor(MASK2)], x[None, ..., 1:]),
                 np.arange(24).reshape(SHAPE), device=device, grad=False)


def test_index_on_cuda_with_cpu_index(device):
    x = ag.arange(6.0, device=device)
    np.testing.assert_array_equal(x[ag.tensor([5, 0])].cpu().numpy(), [5.0, 0.0])


NAMES = [
    ("int", lambda t: 1, "SelectBackward0"),
    ("int_last", lambda t: (slice(None), 1), "SelectBackward0"),
    ("int_then_slice", lambda t: (1, slice(0, 2)), "SliceBackward0"),
    ("slice_then_int", lambda t: (slice(0, 3, 2), 1), "SelectBackward0"),
    ("bare_full_slice", lambda t: slice(None), "SliceBackward0"),
    ("full_slices", lambda t: (slice(None), slice(0, 3)), "AliasBackward0"),
    ("clamped_full_slice", lambda t: (slice(0, 10),), "AliasBackward0"),
    ("step", lambda t: (slice(None), slice(None, None, 2)), "SliceBackward0"),
    ("none", lambda t: None, "UnsqueezeBackward0"),
    ("none_last", lambda t: (1, None), "UnsqueezeBackward0"),
    ("none_then_int", lambda t: (None, 1), "SelectBackward0"),
    ("ellipsis", lambda t: Ellipsis, "AliasBackward0"),
    ("ellipsis_none", lambda t: (Ellipsis, None), "UnsqueezeBackward0"),
    ("ellipsis_int", lambda t: (Ellipsis, 1), "SelectBackward0"),
    ("tensor_0d", lambda t: t.tensor(1), "SelectBackward0"),
    ("list", lambda t: [0, 0], "IndexBackward0"),
    ("mask", lambda t: t.tensor(MASK), "IndexBackward0"),
    ("mixed", lambda t: (1, slice(None), [0, 3]), "IndexBackward0"),
    ("bool", lambda t: True, "IndexBackward0"),
]


@pytest.mark.parametrize("key,name", [pytest.param(k, n, id=i) for i, k, n in NAMES])
def test_getitem_grad_fn_names(device, key, name):
    theirs = torch.ones(SHAPE, requires_grad=True)[key(torch)]
    ours = ag.ones(SHAPE, device=device, requires_grad=True)[key(ag)]
    assert theirs.grad_fn.name() == name
    assert ours.grad_fn.name() == name


@pytest.mark.parametrize("key,is_view", [
    pytest.param(lambda t: 1, True, id="int"),
    pytest.param(lambda t: (slice(None), slice(1, None, 2)), True, id="slice"),
    pytest.param(lambda t: (None, Ellipsis, 0), True, id="none_ellipsis"),
    pytest.param(lambda t: [1, 1], False, id="list"),
    pytest.param(lambda t: t.tensor(MASK), False, id="mask"),
])
def test_basic_index_is_view_advanced_is_copy(device, key, is_view):
    x = ag.arange(24.0, device=device).reshape(SHAPE).requires_grad_()
    y = x[key(ag)]
    before = y.detach().cpu().numpy().copy()
    with ag.no_grad():
        x.add_(100.0)
    shared = y._version is x._version
    assert shared is is_view
    np.testing.assert_array_equal(y.detach().cpu().numpy(), before + 100.0 if is_view else before)


GET_ERRORS = [
    ("int_oob", lambda t: 2, IndexError),
    ("neg_int_oob", lambda t: -3, IndexError),
    ("second_dim_oob", lambda t: (0, 3), IndexError),
    ("oob_after_none", lambda t: (0, None, 7), IndexError),
    ("oob_after_ellipsis", lambda t: (Ellipsis, 9), IndexError),
    ("oob_int_with_list", lambda t: ([0], None, 5), IndexError),
    ("oob_list_after_slices", lambda t: (slice(None), slice(None), [0, 4]), IndexError),
    ("oob_second_list", lambda t: ([0], [5], [0]), IndexError),
    ("list_oob", lambda t: [0, 2], IndexError),
    ("list_neg_oob", lambda t: (0, [-4]), IndexError),
    ("tensor_oob", lambda t: (slice(None), slice(None), t.tensor([4])), IndexError),
    ("mixed_oob", lambda t: (slice(None), [1, 3]), IndexError),
    ("too_many", lambda t: (0, 0, 0, 0), IndexError),
    ("too_many_adv", lambda t: ([0], 0, 0, 0), IndexError),
    ("float", lambda t: 1.0, IndexError),
    ("float_tuple", lambda t: (0, 1.5), IndexError),
    ("float_tensor", lambda t: t.tensor([1.0]), IndexError),
    ("mask_shape", lambda t: t.tensor([True, False, True]), IndexError),
    ("mask_dim_shape", lambda t: (slice(None), t.tensor([True, False])), IndexError),
    ("broadcast", lambda t: ([0, 1], [0, 1, 2]), IndexError),
    ("broadcast_2d", lambda t: ([[0, 1]], [0, 1, 2]), IndexError),
    ("broadcast_mask", lambda t: (t.tensor([True, True]), [0, 1, 2]), IndexError),
    ("str", lambda t: "a", TypeError),
    ("object", lambda t: object(), IndexError),
]


@pytest.mark.parametrize("key,exc", [pytest.param(k, e, id=i) for i, k, e in GET_ERRORS])
def test_getitem_errors(device, rng, key, exc):
    arr = random_array(rng, SHAPE)
    messages = []
    for lib, dev in ((torch, "cpu"), (ag, device)):
        x = lib.tensor(arr, device=dev, requires_grad=True)
        with pytest.raises(exc) as info:
            x[key(lib)]
        np.testing.assert_array_equal(x.detach().cpu().numpy(), arr)
        messages.append(str(info.value))
    assert messages[1] == messages[0]


# -- x[key] = value ----------------------------------------------------------------------------

# (id, key(lib), value: a number or the shape of a random tensor value)
SET = [
    ("int_scalar", lambda t: 1, 2.5),
    ("int_tensor", lambda t: 1, (3, 4)),
    ("int_broadcast", lambda t: (0, slice(1, None)), (4,)),
    ("slice_step_tensor", lambda t: (slice(None), slice(None, None, 2)), (2, 1, 4)),
    ("ellipsis_scalar", lambda t: (Ellipsis, 0), -1.0),
    ("ellipsis_tensor_0d", lambda t: (Ellipsis, slice(1, 3)), ()),
    ("none_tensor", lambda t: (None, 1), (1, 3, 4)),
    ("all", lambda t: Ellipsis, (4,)),
    ("mask_scalar", lambda t: t.tensor(MASK), 0.5),
    ("mask_tensor", lambda t: t.tensor(MASK), (8,)),
    ("mask_leading_tensor", lambda t: t.tensor(MASK2), (3, 4)),
    ("mask_dim_broadcast", lambda t: (slice(None), t.tensor([True, False, True])), (4,)),
    ("list_tensor", lambda t: [1, 0], (2, 3, 4)),
    ("list_broadcast", lambda t: (slice(None), [0, 2]), (1, 4)),
    ("tensors_scalar", lambda t: (t.tensor([1, 0]), t.tensor([2, 2])), 3.0),
    ("mixed_tensor", lambda t: (0, [2, 0], slice(1, 3)), (2, 2)),
    ("mixed_separated", lambda t: ([1, 0], slice(None), [3, 0]), (2, 3)),
]


def _setter(key):
    def fn(t, x, v):
        h = x * 1  # a non-leaf in the graph
        h[key(t)] = v
        return h
    return fn


def _set_case(key, value):
    if isinstance(value, float):
        def fn(t, x):
            h = x * 1
            h[key(t)] = value
            return h
        return fn, []
    return _setter(key), [value]


@pytest.mark.parametrize("key,value", [pytest.param(k, v, id=i) for i, k, v in SET])
def test_setitem_parity(device, rng, key, value):
    fn, vshapes = _set_case(key, value)
    outs = check_parity(fn, random_array(rng, SHAPE), *[random_array(rng, s) for s in vshapes],
                        device=device, rng=rng)
    torch_out = fn(torch, torch.ones(SHAPE, requires_grad=True),
                   *[torch.ones(s, requires_grad=True) for s in vshapes])
    assert repr(outs[0].grad_fn).split()[0] == repr(torch_out.grad_fn).split()[0]


@pytest.mark.parametrize("key,value", [pytest.param(k, v, id=i) for i, k, v in SET])
def test_setitem_gradcheck(device, rng, key, value):
    fn, vshapes = _set_case(key, value)
    check_grad(fn, random_array(rng, SHAPE, "float64"),
               *[random_array(rng, s, "float64") for s in vshapes], device=device)


def test_setitem_grad_fn_names(device):
    for key, name in ((lambda t: 1, "<CopySlices"), (lambda t: [0, 1], "<IndexPutBackward0"),
                      (lambda t: t.tensor(MASK), "<IndexPutBackward0"),
                      (lambda t: (slice(None), [0, 1]), "<IndexPutBackward0"),
                      (lambda t: (1, [0, 1]), "<CopySlices"),
                      (lambda t: slice(1, None), "<CopySlices"),
                      (lambda t: slice(0, 2), "<FillBackward3")):
        for lib, dev in ((torch, "cpu"), (ag, device)):
            h = lib.ones(SHAPE, device=dev, requires_grad=True) * 2
            h[key(lib)] = 0.0
            assert repr(h.grad_fn).startswith(name + " object")
    for value, name in ((0.0, "<FillBackward3"), (ag.ones(4), "<CopyBackwards")):
        for lib, dev in ((torch, "cpu"), (ag, device)):
            h = lib.ones(SHAPE, device=dev, requires_grad=True) * 2
            h[...] = value if isinstance(value, float) else lib.ones(4, device=dev)
            assert repr(h.grad_fn).startswith(name + " object")


def test_setitem_value_dtype_cast(device, rng):
    """A float64 value written into a float32 tensor: the result stays float32, its grad float64."""
    fn = _setter(lambda t: (slice(None), 1))
    outs = check_parity(fn, random_array(rng, SHAPE), random_array(rng, (4,), "float64"),
                        device=device, rng=rng)
    assert outs[0].dtype is ag.float32


def test_setitem_integer_tensor_truncates(device):
    check_parity(lambda t, x: _set_int(x), np.arange(6).reshape(2, 3), device=device, grad=False)


def _set_int(x):
    x[0, 1] = 7.9
    x[1] = -2.5
    x[x > 4] = 0
    return x


def test_setitem_leaf_requiring_grad_raises(device):
    for lib, dev in ((torch, "cpu"), (ag, device)):
        x = lib.ones(2, 3, device=dev, requires_grad=True)
        for key in (0, [0, 1]):
            with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
                x[key] = 2.0
        assert float(x.detach().sum()) == 6.0
        with lib.no_grad():
            x[0] = 2.0
        assert x._version == 1 if lib is torch else x._version_value == 1
        assert float(x.detach().sum()) == 9.0 and x.grad_fn is None


def test_setitem_visible_through_views_and_bumps_version(device):
    x = ag.arange(6.0, device=device).reshape(2, 3)
    row, col = x[1], x[:, 2]
    x[1, 2] = -1.0
    x[[0], [2]] = -2.0
    assert row._version is x._version and x._version_value == 2
    np.testing.assert_array_equal(row.cpu().numpy(), [3.0, 4.0, -1.0])
    np.testing.assert_array_equal(col.cpu().numpy(), [-2.0, -1.0])
    row[0] = 9.0  # writing through a view reaches the base
    assert x[1, 0].item() == 9.0 and x._version_value == 3


def test_setitem_then_saved_tensor_check(device):
    """Overwriting a tensor that backward needs is caught, as torch does."""
    for lib, dev in ((torch, "cpu"), (ag, device)):
        x = lib.ones(3, device=dev, requires_grad=True)
        h = x * 2
        y = h * h
        h[0] = 5.0
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


SET_ERRORS = [
    ("int_oob", lambda t: 2, 1.0, IndexError),
    ("list_oob", lambda t: [0, 5], 1.0, IndexError),
    ("float_key", lambda t: 1.0, 1.0, IndexError),
    ("value_shape", lambda t: 0, (2,), RuntimeError),
    ("adv_value_shape", lambda t: [0, 1], (3, 3), RuntimeError),
    ("mask_value_shape", lambda t: t.tensor(MASK), (3,), RuntimeError),
]


@pytest.mark.parametrize("key,value,exc", [pytest.param(k, v, e, id=i) for i, k, v, e in SET_ERRORS])
def test_setitem_errors_leave_tensor_unchanged(device, rng, key, value, exc):
    arr = random_array(rng, SHAPE)
    for lib, dev in ((torch, "cpu"), (ag, device)):
        x = lib.tensor(arr, device=dev)
        v = value if isinstance(value, float) else lib.ones(value, device=dev)
        with pytest.raises(exc):
            x[key(lib)] = v
    # torch's cpu index_put_ may write part of the values before it raises; ours writes nothing
    np.testing.assert_array_equal(x.cpu().numpy(), arr)
    assert x._version_value == 0


# -- gather -----------------------------------------------------------------------------------

GATHER = [
    ("dim1_repeated", 1, (3, 4), [[0, 0, 3], [1, 3, 1], [2, 2, 2]]),
    ("dim0", 0, (3, 4), [[0, 2, 1, 1], [2, 2, 0, 0]]),
    ("dim_neg", -1, (3, 4), [[0], [1], [3]]),
    ("bigger_along_dim", 1, (3, 4), [[0, 1, 2, 3, 0, 0]]),
    ("smaller_other_dims", 0, (3, 4), [[2, 1]]),
    ("3d", 1, (2, 3, 2), [[[0, 1], [2, 2]], [[1, 1], [0, 2]]]),
    ("1d", 0, (5,), [4, 4, 0]),
]


@pytest.mark.parametrize("dim,shape,index", [pytest.param(d, s, i, id=n) for n, d, s, i in GATHER])
@pytest.mark.parametrize("idtype", ["int64", "int32"])
def test_gather_parity(device, rng, dim, shape, index, idtype):
    check_parity(lambda t, x, i: t.gather(x, dim, i), random_array(rng, shape),
                 np.array(index, dtype=idtype), device=device, rng=rng)
    check_parity(lambda t, x, i: x.gather(dim, i), random_array(rng, shape),
                 np.array(index, dtype=idtype), device=device, rng=rng)


@pytest.mark.parametrize("dim,shape,index", [pytest.param(d, s, i, id=n) for n, d, s, i in GATHER])
def test_gather_gradcheck(device, rng, dim, shape, index):
    check_grad(lambda t, x: x.gather(dim, t.tensor(index, device=x.device)),
               random_array(rng, shape, "float64"), device=device)


def test_gather_grad_fn_and_accumulation(device):
    x = ag.ones(2, 3, device=device, requires_grad=True)
    y = x.gather(1, ag.tensor([[2, 2, 2, 0]], device=device))
    assert y.grad_fn.name() == "GatherBackward0"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.cpu().numpy(), [[1.0, 0.0, 3.0], [0.0, 0.0, 0.0]])


GATHER_ERRORS = [
    ("oob", 1, [[0, 4]], RuntimeError),
    ("negative", 1, [[0], [-1]], RuntimeError),
    ("size", 1, [[0], [1], [2], [0]], RuntimeError),
    ("size_other", 0, [[0, 1, 2, 0, 1]], RuntimeError),
    ("ndim", 1, [0, 1], RuntimeError),
    ("float", 1, [[0.0, 1.0]], RuntimeError),
    ("dim", 2, [[0]], IndexError),
]


@pytest.mark.parametrize("dim,index,exc", [pytest.param(d, i, e, id=n)
                                           for n, d, i, e in GATHER_ERRORS])
def test_gather_errors(device, rng, dim, index, exc):
    arr, messages = random_array(rng, (3, 4)), []
    for lib, dev in ((torch, "cpu"), (ag, device)):
        x = lib.tensor(arr, device=dev, requires_grad=True)
        with pytest.raises(exc) as info:
            x.gather(dim, lib.tensor(index, device=dev))
        np.testing.assert_array_equal(x.detach().cpu().numpy(), arr)
        messages.append(str(info.value))
    assert messages[1] == messages[0]


# -- masked_fill ------------------------------------------------------------------------------

MASKED = [
    ("scalar", lambda t, x, m: x.masked_fill(m, 2.5), [(3, 4)], (3, 4)),
    ("int_scalar", lambda t, x, m: t.masked_fill(x, m, -1), [(3, 4)], (3, 4)),
    ("mask_broadcast", lambda t, x, m: x.masked_fill(m, 0.0), [(3, 4)], (4,)),
    ("input_broadcast", lambda t, x, m: x.masked_fill(m, 1.0), [(4,)], (3, 4)),
    ("tensor_value", lambda t, x, m, v: x.masked_fill(m, v), [(3, 4), ()], (3, 4)),
    ("tensor_value_broadcast", lambda t, x, m, v: x.masked_fill(m, v), [(2, 1, 4), ()], (3, 1)),
    ("double_value", lambda t, x, m, v: x.masked_fill(m, v.double()), [(3, 4), ()], (3, 4)),
    ("inplace", lambda t, x, m: (x * 1).masked_fill_(m, 3.0), [(3, 4)], (3, 4)),
    ("chained", lambda t, x, m: x.masked_fill(m, 0.0).masked_fill(~m, 1.0) * x, [(3, 4)], (3, 4)),
]


def _mask(shape):
    m = np.arange(int(np.prod(shape))).reshape(shape) % 3 == 0
    return m


@pytest.mark.parametrize("fn,shapes,mshape", [pytest.param(f, s, m, id=i) for i, f, s, m in MASKED])
def test_masked_fill_parity(device, rng, fn, shapes, mshape):
    x, *v = [random_array(rng, s) for s in shapes]
    check_parity(lambda t, x, m, *v: fn(t, x, m, *v), x, _mask(mshape), *v, device=device, rng=rng)


@pytest.mark.parametrize("fn,shapes,mshape", [pytest.param(f, s, m, id=i) for i, f, s, m in MASKED])
def test_masked_fill_gradcheck(device, rng, fn, shapes, mshape):
    x, *v = [random_array(rng, s, "float64") for s in shapes]
    mask = _mask(mshape)
    check_grad(lambda t, x, *v: fn(t, x, t.tensor(mask, device=x.device), *v), x, *v,
               device=device)


def test_masked_fill_names_and_int_input(device):
    for lib, dev in ((torch, "cpu"), (ag, device)):
        x = lib.ones(3, device=dev, requires_grad=True)
        m = lib.tensor([True, False, True], device=dev)
        assert x.masked_fill(m, 0.0).grad_fn.name() == "MaskedFillBackward0"
        assert x.masked_fill(m, lib.tensor(2.0)).grad_fn.name() == "MaskedFillBackward1"
    check_parity(lambda t, x, m: x.masked_fill(m, 7.9), np.arange(4), np.array([1, 0, 0, 1]) > 0,
                 device=device, grad=False)


MASKED_ERRORS = [
    ("int_mask", lambda t, x: x.masked_fill(t.tensor([1, 0, 1, 0]), 0.0)),
    ("value_1d", lambda t, x: x.masked_fill(t.tensor([True, False, True, False]), t.ones(1))),
    ("shape", lambda t, x: x.masked_fill(t.tensor([True, False, True]), 0.0)),
]


@pytest.mark.parametrize("fn", [pytest.param(f, id=i) for i, f in MASKED_ERRORS])
def test_masked_fill_errors(device, rng, fn):
    arr, messages = random_array(rng, (3, 4)), []
    for lib, dev in ((torch, "cpu"), (ag, device)):
        x = lib.tensor(arr, device=dev, requires_grad=True)
        with pytest.raises(RuntimeError) as info:
            fn(lib, x)
        np.testing.assert_array_equal(x.detach().cpu().numpy(), arr)
        messages.append(str(info.value))
    assert messages[1] == messages[0]


# -- nonzero ----------------------------------------------------------------------------------

@pytest.mark.parametrize("arr", [
    pytest.param(np.array([[0.0, 1.5, 0.0], [-2.0, 0.0, 3.0]], "float32"), id="2d"),
    pytest.param(np.array([0, 3, 0, 0, 1]), id="int_1d"),
    pytest.param(MASK, id="bool_3d"),
    pytest.param(np.zeros((2, 3), "float32"), id="all_zero"),
    pytest.param(np.array(2.0, "float32"), id="0d"),
    pytest.param(np.array(0.0, "float32"), id="0d_zero"),
    pytest.param(np.zeros((0, 2), "float32"), id="empty"),
])
def test_nonzero(device, arr):
    check_parity(lambda t, x: x.nonzero(), arr, device=device, grad=False)
    check_parity(lambda t, x: t.nonzero(x, as_tuple=True), arr, device=device, grad=False)
    out = ag.nonzero(ag.tensor(arr, device=device, requires_grad=arr.dtype.kind == "f"))
    assert out.dtype is ag.int64 and not out.requires_grad


# -- index_select ------------------------------------------------------------------------------

# (id, dim, input shape, index): the index is built per library, int64 and int32
INDEX_SELECT = [
    ("dim0_repeated", 0, (3, 4), [2, 0, 2, 2]),
    ("dim1", 1, (3, 4), [3, 1]),
    ("dim_neg", -1, (2, 3, 4), [0, 0, 3]),
    ("mid", 1, (2, 3, 4), [2]),
    ("empty_index", 0, (3, 4), []),
    ("empty_input", 1, (0, 3), [1, 1]),
    ("1d", 0, (5,), [4, 4, 0, 1]),
]


def _isel(dim, index, idtype):
    return lambda t, x: x.index_select(dim, t.tensor(index, dtype=getattr(t, idtype),
                                                     device=x.device))


@pytest.mark.parametrize("dim,shape,index", [pytest.param(d, s, i, id=n)
                                             for n, d, s, i in INDEX_SELECT])
@pytest.mark.parametrize("idtype", ["int64", "int32"])
def test_index_select_parity(device, rng, dim, shape, index, idtype):
    check_parity(_isel(dim, index, idtype), random_array(rng, shape), device=device, rng=rng)
    check_parity(lambda t, x: t.index_select(x, dim, t.tensor(index, dtype=t.int64,
                                                                device=x.device)),
                 random_array(rng, shape), device=device, rng=rng)


@pytest.mark.parametrize("dim,shape,index", [pytest.param(d, s, i, id=n)
                                             for n, d, s, i in INDEX_SELECT])
def test_index_select_gradcheck(device, rng, dim, shape, index):
    check_grad(_isel(dim, index, "int64"), random_array(rng, shape, "float64"), device=device)


def test_index_select_0d_and_accumulation(device, rng):
    check_parity(lambda t, x: x.index_select(0, t.tensor([0], device=x.device)),
                 random_array(rng, ()), device=device, rng=rng)
    check_parity(lambda t, x: x.index_select(1, t.tensor(2, device=x.device)),
                 random_array(rng, (2, 3)), device=device, rng=rng)
    x = ag.ones(3, 2, device=device, requires_grad=True)
    y = x.index_select(0, ag.tensor([2, 2, 0], device=device))
    assert y.grad_fn.name() == "IndexSelectBackward0"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.cpu().numpy(), [[1.0, 1.0], [0.0, 0.0], [2.0, 2.0]])


INDEX_SELECT_ERRORS = [
    ("oob", lambda t, x: x.index_select(0, t.tensor([3]))),
    ("negative", lambda t, x: x.index_select(1, t.tensor([-1]))),
    ("float", lambda t, x: x.index_select(0, t.tensor([0.0]))),
    ("bool", lambda t, x: x.index_select(0, t.tensor([True]))),
    ("int16", lambda t, x: x.index_select(0, t.tensor([0], dtype=t.int16))),
    ("2d", lambda t, x: x.index_select(0, t.tensor([[0]]))),
    ("dim", lambda t, x: x.index_select(2, t.tensor([0]))),
    ("list", lambda t, x: x.index_select(0, [0])),
]


# -- sort, argsort, topk -------------------------------------------------------------------------

def _no_ties(rng, shape, dtype="float32"):
    """Distinct values (a permutation, scaled), so every order is unique."""
    n = int(np.prod(shape))
    return (rng.permutation(n).reshape(shape) / 4.0 - n / 8.0).astype(dtype)


SORTS = [
    ("sort", lambda t, x: x.sort(), (3, 5)),
    ("sort_dim0", lambda t, x: t.sort(x, 0), (3, 5)),
    ("sort_desc", lambda t, x: x.sort(-1, descending=True), (2, 3, 4)),
    ("sort_desc_mid", lambda t, x: t.sort(x, dim=1, descending=True), (2, 3, 4)),
    ("sort_stable", lambda t, x: x.sort(stable=True, dim=0), (4, 3)),
    ("sort_1d", lambda t, x: x.sort(), (6,)),
    ("sort_0d", lambda t, x: x.sort(), ()),
    ("sort_empty", lambda t, x: x.sort(1), (0, 3)),
    ("argsort", lambda t, x: x.argsort(), (3, 5)),
    ("argsort_desc", lambda t, x: t.argsort(x, 0, True), (3, 5)),
    ("topk", lambda t, x: x.topk(2), (3, 5)),
    ("topk_dim0", lambda t, x: t.topk(x, 3, 0), (3, 5)),
    ("topk_smallest", lambda t, x: x.topk(2, dim=-2, largest=False), (2, 4, 3)),
    ("topk_all", lambda t, x: x.topk(5), (2, 5)),
    ("topk_zero", lambda t, x: x.topk(0), (2, 5)),
    ("topk_0d", lambda t, x: x.topk(1), ()),
    ("topk_1d", lambda t, x: x.topk(3, largest=False), (6,)),
]


@pytest.mark.parametrize("fn,shape", [pytest.param(f, s, id=n) for n, f, s in SORTS])
def test_sort_topk_parity(device, rng, fn, shape):
    out = check_parity(fn, _no_ties(rng, shape), device=device, rng=rng)
    assert out[-1].dtype is ag.int64 and not out[-1].requires_grad


@pytest.mark.parametrize("fn,shape", [pytest.param(f, s, id=n) for n, f, s in SORTS
                                      if not n.startswith("argsort")])
def test_sort_topk_gradcheck(device, rng, fn, shape):
    check_grad(lambda t, x: fn(t, x).values, _no_ties(rng, shape, "float64"), device=device)


@pytest.mark.parametrize("dtype", ["int32", "int64", "float16", "bool"])
def test_sort_dtypes(device, rng, dtype):
    arr = _no_ties(rng, (3, 4)) if dtype != "bool" else np.array([True, False, False, True])
    if dtype == "bool":  # ties: the stable order
        check_parity(lambda t, x: (*x.sort(stable=True), *x.sort(descending=True, stable=True)),
                     arr, device=device, grad=False)
        return
    arr = (arr * 4).astype(dtype)
    check_parity(lambda t, x: (*x.sort(1), *x.topk(2, 0), x.argsort(descending=True)), arr,
                 device=device, grad=False)


def test_sort_stable_ties_and_nan(device):
    arr = np.array([[2.0, np.nan, 1.0, 2.0, -np.inf, 1.0, np.nan, 2.0]], "float32")
    check_parity(lambda t, x: (*x.sort(stable=True), *x.sort(descending=True, stable=True),
                               x.argsort(stable=True)), arr, device=device, grad=False)
    check_parity(lambda t, x: x.topk(1).values, np.array([3.0, np.nan, 1.0], "float32"),
                 device=device, grad=False)


def test_sort_topk_grad_fn_and_return_types(device):
    x = ag.tensor([[3.0, 1.0, 2.0]], device=device, requires_grad=True)
    tx = torch.tensor([[3.0, 1.0, 2.0]], requires_grad=True)
    for ours, theirs, name in ((x.sort(), tx.sort(), "sort"), (x.topk(2), tx.topk(2), "topk")):
        assert type(ours).__name__ == name
        assert ours.values.grad_fn.name() == theirs.values.grad_fn.name()
        assert ours.indices.grad_fn is None and ours[1] is ours.indices
        assert repr(ours).replace(", device='cuda:0'", "").replace("_cuda0", "") == repr(theirs)
        values, indices = ours
        assert values is ours.values


SORT_ERRORS = [
    ("sort_dim", lambda t, x: x.sort(2)),
    ("argsort_dim", lambda t, x: x.argsort(-3)),
    ("topk_big", lambda t, x: x.topk(5)),
    ("topk_negative", lambda t, x: x.topk(-1)),
    ("topk_dim", lambda t, x: x.topk(1, 2)),
    ("topk_float_k", lambda t, x: x.topk(1.5)),
    ("topk_0d_k", lambda t, x: x.sum().topk(2)),
    ("topk_bool", lambda t, x: (x > 0).topk(1)),
]


@pytest.mark.parametrize("fn", [pytest.param(f, id=n)
                                for n, f in INDEX_SELECT_ERRORS + SORT_ERRORS])
def test_index_select_sort_errors(device, rng, fn):
    arr, found = random_array(rng, (3, 4)), []
    for lib, dev in ((torch, "cpu"), (ag, device)):
        x = lib.tensor(arr, device=dev, requires_grad=True)
        with pytest.raises(Exception) as info:
            fn(lib, x)
        np.testing.assert_array_equal(x.detach().cpu().numpy(), arr)
        found.append((type(info.value), str(info.value)))
    assert found[1] == found[0]


def test_index_select_dim1_bounds_message(device):
    """torch's cpu kernel words the bound error of dim 1 apart from the others'."""
    for dim, index in ((1, [0, -2, 5]), (2, [4]), (0, [2])):
        found = []
        for lib, dev in ((torch, "cpu"), (ag, device)):
            x = lib.ones(2, 3, 4, device=dev)
            with pytest.raises(Exception) as info:
                x.index_select(dim, lib.tensor(index, device=dev))
            found.append((type(info.value), str(info.value)))
        assert found[1] == found[0]
