"""Losses against torch: values and input/target gradients for every reduction and option (class
weights, ignore_index present in the targets, label smoothing, class-probability targets,
pos_weight), float64 gradcheck and gradgradcheck, numerics of huge logits, float16, errors."""
import warnings

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu.ops import loss as L
from helpers import assert_torch_wording, check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()
TF = torch.nn.functional

REDUCTIONS = ["mean", "sum", "none"]


def F(t):
    return L if t is ag else TF


def const(t, array, like):
    """A tensor that does not require grad (class weights, pos_weight) on ``like``'s device."""
    return None if array is None else t.tensor(array, device=like.device)


def class_targets(rng, shape, classes, ignore_index=None):
    """Random class indices; with ignore_index, a few positions (never all) carry it."""
    target = rng.integers(0, classes, size=shape)
    if ignore_index is not None:
        flat = target.reshape(-1)
        flat[rng.choice(flat.size, size=max(1, flat.size // 3), replace=False)] = ignore_index
        flat[0] = 1
    return target


# -- mse and l1 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("fn", ["mse_loss", "l1_loss"])
def test_regression_parity(fn, reduction, device, rng):
    x, y = random_array(rng, (3, 4, 2)), random_array(rng, (3, 4, 2))
    out = check_parity(lambda t, a, b: getattr(F(t), fn)(a, b, reduction=reduction), x, y,
                       device=device, rng=rng)
    names = {"mse_loss": "MseLossBackward0",
             "l1_loss": {"mean": "MeanBackward0", "sum": "SumBackward0", "none": "AbsBackward0"}}
    expected = names[fn] if fn == "mse_loss" else names[fn][reduction]
    assert out[0].grad_fn.name() == expected


@pytest.mark.parametrize("fn", ["mse_loss", "l1_loss"])
def test_regression_broadcast_warns_like_torch(fn, device, rng):
    x, y = random_array(rng, (3, 4)), random_array(rng, (4,))
    with pytest.warns(UserWarning, match=r"Using a target size \(torch.Size\(\[4\]\)\) that is "
                                         r"different to the input size \(torch.Size\(\[3, 4\]\)\)"):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module="torch")
            check_parity(lambda t, a, b: getattr(F(t), fn)(a, b), x, y, device=device, rng=rng)


@pytest.mark.parametrize("fn", ["mse_loss", "l1_loss"])
def test_regression_unbroadcastable_shapes(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match=r"The size of tensor a \(4\) must match the size of "
                                               r"tensor b \(5\) at non-singleton dimension 1"):
            getattr(L, fn)(ag.randn(3, 4), ag.randn(5))


def test_mse_promotes_dtypes(device, rng):
    """Ours promotes as torch's cpu kernel does (its cuda kernel refuses: cast there by hand)."""
    out = check_parity(lambda t, a, b: F(t).mse_loss(a, b if t is ag else b.double()),
                       random_array(rng, (3,), "float64"), random_array(rng, (3,)), device=device,
                       rng=rng)
    assert out[0].dtype is ag.float64


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("fn", ["mse_loss", "l1_loss"])
def test_regression_gradcheck(fn, reduction, device, rng):
    x, y = random_array(rng, (2, 3)), random_array(rng, (2, 3))
    x[np.abs(x - y) < 0.05] += 0.3  # l1's kink
    check_grad(lambda t, a, b: getattr(F(t), fn)(a, b, reduction=reduction), x, y, device=device)


# -- nll_loss --------------------------------------------------------------------------------------

NLL_SHAPES = [((5, 4), (5,)), ((4,), ()), ((3, 4, 5), (3, 5)), ((2, 4, 3, 2), (2, 3, 2)),
              ((2, 4, 2, 2, 3), (2, 2, 2, 3))]


@pytest.mark.parametrize("ignore", [False, True], ids=["all", "ignore_index"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shapes", NLL_SHAPES, ids=str)
def test_nll_loss_parity(shapes, reduction, weighted, ignore, device, rng):
    in_shape, t_shape = shapes
    classes = in_shape[0] if len(in_shape) == 1 else in_shape[1]
    ignore_index = 2 if ignore else -100
    target = class_targets(rng, t_shape, classes, 2 if ignore and t_shape else None)
    if not t_shape and target == ignore_index:
        target = np.array(1)  # all ignored: torch's cpu says nan, its cuda 0 (tested on its own)
    weight = random_array(rng, (classes,), positive=True) if weighted else None

    def fn(t, x, tgt):
        return F(t).nll_loss(x, tgt, const(t, weight, x), ignore_index=ignore_index,
                             reduction=reduction)

    out = check_parity(fn, random_array(rng, in_shape), target, device=device, rng=rng)
    x = torch.randn(in_shape, requires_grad=True)
    assert out[0].grad_fn.name() == fn(torch, x, torch.tensor(target)).grad_fn.name()


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_gradcheck(reduction, device, rng):
    target = np.array([0, 2, -1, 1])
    weight = random_array(rng, (3,), "float64", positive=True)
    check_grad(lambda t, x: F(t).nll_loss(x, t.tensor(target, device=x.device),
                                          const(t, weight, x), ignore_index=-1,
                                          reduction=reduction),
               random_array(rng, (4, 3)), device=device)


NLL_COUNTED = {  # every target a class index, so the loss builds no mask: (input shape, options)
    "mean": ((4, 3), {}),
    "sum": ((4, 3), {"reduction": "sum"}),
    "none": ((4, 3), {"reduction": "none"}),
    "weighted": ((4, 3), {"weighted": True}),
    "spatial": ((2, 3, 2, 2), {}),
    "spatial_none_weighted": ((2, 3, 2, 2), {"reduction": "none", "weighted": True}),
    "ignore_index_absent": ((4, 3), {"ignore_index": 1}),
}


@pytest.mark.parametrize("case", NLL_COUNTED)
def test_nll_loss_all_counted_parity_and_gradcheck(case, device, rng):
    shape, options = NLL_COUNTED[case]
    options = dict(options)
    ignore_index = options.pop("ignore_index", -100)
    classes = shape[1]
    t_shape = (shape[0],) + shape[2:]
    target = rng.integers(0, classes, size=t_shape)
    if ignore_index >= 0:
        target[target == ignore_index] = (ignore_index + 1) % classes
    weight = (random_array(rng, (classes,), "float64", positive=True)
              if options.pop("weighted", False) else None)

    def fn(t, x):
        return F(t).nll_loss(x, t.tensor(target, device=x.device), const(t, weight, x),
                             ignore_index=ignore_index, **options)

    check_parity(lambda t, x: fn(t, x), random_array(rng, shape, "float64"), device=device,
                 rng=rng)
    check_grad(fn, random_array(rng, shape), device=device)


def test_cross_entropy_all_counted_gradcheck(device, rng):
    """cross_entropy's usual case (no target ignored) to second order, through log_softmax's
    fused backward."""
    target = np.array([1, 0, 2, 2])
    check_grad(lambda t, x: F(t).cross_entropy(x, t.tensor(target, device=x.device)),
               random_array(rng, (4, 3)), device=device)


def test_nll_loss_all_ignored_is_nan_with_zero_gradient(device, rng):
    out = check_parity(lambda t, x, tgt: F(t).nll_loss(x, tgt), random_array(rng, (3, 4)),
                       np.full(3, -100), device=device, rng=rng)
    assert np.isnan(out[0].item())


def test_nll_loss_uint8_target(device, rng):
    check_parity(lambda t, x, tgt: F(t).nll_loss(x, tgt), random_array(rng, (3, 4)),
                 np.array([1, 3, 0], dtype="uint8"), device=device, rng=rng)


# -- cross_entropy ---------------------------------------------------------------------------------

CE_SHAPES = [((6, 5), (6,)), ((5,), ()), ((2, 4, 3, 2), (2, 3, 2)), ((3, 4, 5), (3, 5))]


@pytest.mark.parametrize("smoothing", [0.0, 0.2], ids=["hard", "smoothed"])
@pytest.mark.parametrize("ignore", [False, True], ids=["all", "ignore_index"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shapes", CE_SHAPES, ids=str)
def test_cross_entropy_class_indices(shapes, reduction, weighted, ignore, smoothing, device, rng):
    in_shape, t_shape = shapes
    classes = in_shape[0] if len(in_shape) == 1 else in_shape[1]
    target = class_targets(rng, t_shape, classes, -1 if ignore and t_shape else None)
    weight = random_array(rng, (classes,), positive=True) if weighted else None

    def fn(t, x, tgt):
        return F(t).cross_entropy(x, tgt, const(t, weight, x), ignore_index=-1,
                                  reduction=reduction, label_smoothing=smoothing)

    out = check_parity(fn, random_array(rng, in_shape, low=-3.0, high=3.0), target, device=device,
                       rng=rng)
    x = torch.randn(in_shape, requires_grad=True)
    assert out[0].grad_fn.name() == fn(torch, x, torch.tensor(target)).grad_fn.name()


@pytest.mark.parametrize("smoothing", [0.0, 0.3], ids=["plain", "smoothed"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(4, 3), (3,), (2, 3, 2, 2)], ids=str)
def test_cross_entropy_probability_targets(shape, reduction, weighted, smoothing, device, rng):
    classes = shape[0] if len(shape) == 1 else shape[1]
    probs = random_array(rng, shape, positive=True)
    probs /= probs.sum(axis=0 if len(shape) == 1 else 1, keepdims=True)
    weight = random_array(rng, (classes,), positive=True) if weighted else None

    def fn(t, x, p):
        return F(t).cross_entropy(x, p, const(t, weight, x), reduction=reduction,
                                  label_smoothing=smoothing)

    check_parity(fn, random_array(rng, shape), probs, device=device, rng=rng)


@pytest.mark.parametrize("case", ["indices", "smoothed_weighted", "probabilities"])
def test_cross_entropy_gradcheck(case, device, rng):
    target = np.array([1, 0, -100, 2])
    weight = random_array(rng, (3,), "float64", positive=True)
    if case == "probabilities":
        probs = random_array(rng, (4, 3), "float64", positive=True)
        check_grad(lambda t, x, p: F(t).cross_entropy(x, p, label_smoothing=0.1),
                   random_array(rng, (4, 3)), probs, device=device)
        return
    smoothing = 0.25 if case == "smoothed_weighted" else 0.0
    w = weight if case == "smoothed_weighted" else None
    check_grad(lambda t, x: F(t).cross_entropy(x, t.tensor(target, device=x.device),
                                               const(t, w, x), label_smoothing=smoothing),
               random_array(rng, (4, 3)), device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_huge_logits_float32(reduction, device, rng):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [3.0, -1e4, 1e4]], dtype="float32")
    out = check_parity(lambda t, v, tgt: F(t).cross_entropy(v, tgt, reduction=reduction,
                                                           label_smoothing=0.1),
                       x, np.array([1, 2, 0]), device=device, rng=rng)
    assert np.isfinite(out[0].detach().cpu().numpy()).all()


@pytest.mark.parametrize("ignore", [False, True], ids=["all", "ignore_index"])
@pytest.mark.parametrize("shapes", [((5, 300), (5,)), ((3, 300, 4), (3, 4))], ids=str)
def test_cross_entropy_many_classes(shapes, ignore, device, rng):
    """More classes than a GPU block holds threads: log_softmax strides along each row."""
    in_shape, t_shape = shapes
    target = class_targets(rng, t_shape, in_shape[1], 7 if ignore else None)
    weight = random_array(rng, (in_shape[1],), positive=True)
    check_parity(lambda t, x, tgt: F(t).cross_entropy(x, tgt, const(t, weight, x), ignore_index=7,
                                                      label_smoothing=0.1),
                 random_array(rng, in_shape, low=-5.0, high=5.0), target, device=device, rng=rng)


def test_cross_entropy_float16(device, rng):
    x = random_array(rng, (4, 5), "float16")
    target = np.array([0, 4, 2, 2])
    ours = L.cross_entropy(ag.tensor(x, device=device), ag.tensor(target, device=device))
    theirs = TF.cross_entropy(torch.tensor(x).float(), torch.tensor(target))
    assert ours.dtype is ag.float16
    np.testing.assert_allclose(float(ours.item()), theirs.item(), rtol=5e-3)


# -- binary cross entropy --------------------------------------------------------------------------

@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_parity(reduction, weighted, device, rng):
    p = rng.uniform(0.05, 0.95, size=(3, 4)).astype("float32")
    y = rng.uniform(0.0, 1.0, size=(3, 4)).astype("float32")
    weight = random_array(rng, (4,), positive=True) if weighted else None
    out = check_parity(lambda t, a, b: F(t).binary_cross_entropy(a, b, const(t, weight, a),
                                                                 reduction=reduction),
                       p, y, device=device, rng=rng)
    assert out[0].grad_fn.name() == "BinaryCrossEntropyBackward0"


def test_binary_cross_entropy_clamps_log_at_minus_100(device):
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5], dtype="float32")
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0], dtype="float32")
    out = check_parity(lambda t, a, b: F(t).binary_cross_entropy(a, b, reduction="none"), p, y,
                       device=device, grad=False)
    np.testing.assert_allclose(out[0].cpu().numpy()[:2], [100.0, 100.0])
    x = ag.tensor(p, device=device, requires_grad=True)
    L.binary_cross_entropy(x, ag.tensor(y, device=device)).backward()
    assert np.isfinite(x.grad.cpu().numpy()).all()


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_gradcheck(reduction, device, rng):
    weight = random_array(rng, (3,), "float64", positive=True)
    check_grad(lambda t, a, b: F(t).binary_cross_entropy(a, b, const(t, weight, a),
                                                         reduction=reduction),
               rng.uniform(0.1, 0.9, size=(2, 3)), rng.uniform(0.0, 1.0, size=(2, 3)),
               device=device)


@pytest.mark.parametrize("pos_weighted", [False, True], ids=["plain", "pos_weight"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_parity(reduction, weighted, pos_weighted, device, rng):
    weight = random_array(rng, (3, 1), positive=True) if weighted else None
    pos_weight = random_array(rng, (4,), positive=True) if pos_weighted else None

    def fn(t, x, y):
        return F(t).binary_cross_entropy_with_logits(x, y, const(t, weight, x), reduction=reduction,
                                                     pos_weight=const(t, pos_weight, x))

    out = check_parity(fn, random_array(rng, (3, 4), low=-5.0, high=5.0),
                       rng.uniform(0, 1, size=(3, 4)).astype("float32"), device=device, rng=rng)
    # torch 2.x names it ...Backward0 (1.x printed BinaryCrossEntropyWithLogitsBackward)
    x = torch.randn(3, 4, requires_grad=True)
    assert out[0].grad_fn.name() == fn(torch, x, torch.rand(3, 4)).grad_fn.name() \
        == "BinaryCrossEntropyWithLogitsBackward0"


@pytest.mark.parametrize("pos_weighted", [False, True], ids=["plain", "pos_weight"])
def test_bce_with_logits_extreme_logits(pos_weighted, device, rng):
    x = np.array([[100.0, -100.0, 80.0], [-90.0, 0.0, 100.0]], dtype="float32")
    y = np.array([[0.0, 1.0, 1.0], [0.0, 0.3, 0.0]], dtype="float32")
    pos_weight = np.array([2.0, 0.5, 3.0], dtype="float32") if pos_weighted else None
    out = check_parity(lambda t, a, b: F(t).binary_cross_entropy_with_logits(
        a, b, reduction="none", pos_weight=const(t, pos_weight, a)), x, y, device=device, rng=rng)
    assert np.isfinite(out[0].detach().cpu().numpy()).all()


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_gradcheck(reduction, device, rng):
    weight = random_array(rng, (3,), "float64", positive=True)
    pos_weight = random_array(rng, (3,), "float64", positive=True)
    check_grad(lambda t, a, b: F(t).binary_cross_entropy_with_logits(
        a, b, const(t, weight, a), reduction=reduction, pos_weight=const(t, pos_weight, a)),
        random_array(rng, (2, 3)), rng.uniform(0.0, 1.0, size=(2, 3)), device=device)


@pytest.mark.parametrize("wrt", ["input", "target"])
@pytest.mark.parametrize("pos_weighted", [False, True], ids=["plain", "pos_weight"])
def test_bce_with_logits_third_derivative(pos_weighted, wrt, device, rng):
    """The fused gradients' own backwards: gradgradcheck of the gradient with create_graph."""
    pos_weight = random_array(rng, (3,), "float64", positive=True) if pos_weighted else None
    weight = random_array(rng, (2, 1), "float64", positive=True)

    def grad_of(t, x, y):
        with t.enable_grad():  # gradcheck evaluates its numerical side under no_grad
            loss = F(t).binary_cross_entropy_with_logits(x, y, const(t, weight, x),
                                                         pos_weight=const(t, pos_weight, x))
            (g,) = t.autograd.grad(loss, x if wrt == "input" else y, create_graph=True)
        return g

    check_grad(grad_of, random_array(rng, (2, 3)), rng.uniform(0.0, 1.0, size=(2, 3)),
               device=device)


def test_bce_with_logits_pos_weight_broadcast_rows(device, rng):
    """A pos_weight that is not a trailing block of the input's shape (one per row)."""
    pos_weight = random_array(rng, (3, 1), positive=True)
    check_parity(lambda t, x, y: F(t).binary_cross_entropy_with_logits(
        x, y, reduction="none", pos_weight=const(t, pos_weight, x)),
        random_array(rng, (3, 5), low=-4.0, high=4.0),
        rng.uniform(0, 1, size=(3, 5)).astype("float32"), device=device, rng=rng)


def test_bce_with_logits_float16(device, rng):
    x = random_array(rng, (3, 4), "float16", low=-4.0, high=4.0)
    y = rng.uniform(0, 1, size=(3, 4)).astype("float16")
    ours = L.binary_cross_entropy_with_logits(ag.tensor(x, device=device),
                                              ag.tensor(y, device=device))
    theirs = TF.binary_cross_entropy_with_logits(torch.tensor(x).float(), torch.tensor(y).float())
    assert ours.dtype is ag.float16
    np.testing.assert_allclose(float(ours.item()), theirs.item(), rtol=5e-3)


# -- errors ----------------------------------------------------------------------------------------

def _two(shape=(3, 4)):
    return ag.randn(*shape), ag.rand(*shape)


ALL_LOSSES = {
    "mse_loss": lambda **kw: L.mse_loss(*_two(), **kw),
    "l1_loss": lambda **kw: L.l1_loss(*_two(), **kw),
    "nll_loss": lambda **kw: L.nll_loss(ag.randn(3, 4), ag.tensor([0, 1, 2]), **kw),
    "cross_entropy": lambda **kw: L.cross_entropy(ag.randn(3, 4), ag.tensor([0, 1, 2]), **kw),
    "binary_cross_entropy": lambda **kw: L.binary_cross_entropy(ag.rand(3), ag.rand(3), **kw),
    "bce_with_logits": lambda **kw: L.binary_cross_entropy_with_logits(*_two(), **kw),
}


@pytest.mark.parametrize("name", ALL_LOSSES)
def test_bad_reduction(name):
    with pytest.raises(ValueError, match="elementwise is not a valid value for reduction"):
        ALL_LOSSES[name](reduction="elementwise")


@pytest.mark.parametrize("name", ALL_LOSSES)
def test_legacy_size_average_and_reduce(name):
    ag.manual_seed(0)
    with pytest.warns(UserWarning, match="reduction='sum' instead"):
        legacy = ALL_LOSSES[name](size_average=False)
    ag.manual_seed(0)
    assert np.allclose(legacy.numpy(), ALL_LOSSES[name](reduction="sum").numpy())


def _torch_error(call):
    with pytest.raises(Exception) as info:
        call()
    return type(info.value), str(info.value)


@pytest.mark.parametrize("case", ["nll_float", "nll_int32", "ce_float_other_shape", "nll_batch",
                                  "nll_multi_target", "nll_spatial", "nll_4d", "nll_weight_size",
                                  "bce_shape", "bcel_shape", "bce_dtype", "bce_range",
                                  "bce_target_range", "ce_prob_long", "ce_prob_ignore_index",
                                  "ce_smoothing", "nll_weight_requires_grad",
                                  "bcel_pos_weight_requires_grad"])
def test_errors_match_torch(case):
    """Same exception type and message as torch for the same bad call."""
    cases = {
        "nll_float": lambda t: F(t).nll_loss(t.randn(3, 4), t.tensor([0.0, 1.0, 2.0])),
        "nll_int32": lambda t: F(t).nll_loss(t.randn(3, 4), t.tensor([0, 1, 2], dtype=t.int32)),
        "ce_float_other_shape": lambda t: F(t).cross_entropy(t.randn(3, 4),
                                                             t.tensor([0.0, 1.0, 2.0])),
        "nll_batch": lambda t: F(t).nll_loss(t.randn(3, 4), t.tensor([0, 1])),
        "nll_multi_target": lambda t: F(t).nll_loss(t.randn(3, 4), t.zeros(3, 2, dtype=t.int64)),
        "nll_spatial": lambda t: F(t).nll_loss(t.randn(3, 4, 5), t.zeros(3, 6, dtype=t.int64)),
        "nll_4d": lambda t: F(t).nll_loss(t.randn(3, 4, 5, 6), t.zeros(3, 5, 7, dtype=t.int64)),
        "nll_weight_size": lambda t: F(t).nll_loss(t.randn(3, 4), t.tensor([0, 1, 2]), t.ones(5)),
        "bce_shape": lambda t: F(t).binary_cross_entropy(t.rand(3, 4), t.rand(4)),
        "bcel_shape": lambda t: F(t).binary_cross_entropy_with_logits(t.rand(3, 4), t.rand(4)),
        "bce_dtype": lambda t: F(t).binary_cross_entropy(t.rand(3), t.rand(3, dtype=t.float64)),
        "bce_range": lambda t: F(t).binary_cross_entropy(t.rand(3) + 1.5, t.rand(3)),
        "bce_target_range": lambda t: F(t).binary_cross_entropy(t.rand(3), t.rand(3) * 3 + 1.1),
        "ce_prob_long": lambda t: F(t).cross_entropy(t.randn(3, 4), t.zeros(3, 4, dtype=t.int64)),
        "ce_prob_ignore_index": lambda t: F(t).cross_entropy(t.randn(3, 4), t.rand(3, 4),
                                                             ignore_index=1),
        "ce_smoothing": lambda t: F(t).cross_entropy(t.randn(3, 4), t.tensor([0, 1, 2]),
                                                     label_smoothing=1.5),
        "nll_weight_requires_grad": lambda t: F(t).nll_loss(
            t.randn(3, 4), t.tensor([0, 1, 2]), t.ones(4, requires_grad=True)),
        "bcel_pos_weight_requires_grad": lambda t: F(t).binary_cross_entropy_with_logits(
            t.randn(3, 4), t.rand(3, 4), pos_weight=t.ones(4, requires_grad=True)),
    }
    error, message = _torch_error(lambda: cases[case](torch))
    with pytest.raises(error) as ours:
        cases[case](ag)
    assert_torch_wording(str(ours.value), message)


@pytest.mark.parametrize("call", [
    lambda: L.nll_loss(ag.randn(3, 4), ag.tensor([0, 1, 5])),
    lambda: L.cross_entropy(ag.randn(3, 4), ag.tensor([0, -3, 1])),
    lambda: L.cross_entropy(ag.randn(2, 4, 3), ag.tensor([[0, 1, 2], [3, 4, 0]])),
])
def test_class_index_out_of_range(call):
    with pytest.raises(IndexError, match=r"Target (5|-3|4) is out of bounds\. .*\[0, 3\] for an "
                                         r"input with 4 classes"):
        call()


def test_class_index_out_of_range_on_cuda_raises_at_the_next_read(device, rng):
    """On the GPU the kernel checks the targets (the host does not wait for it at every loss):
    the error comes with the next read, as torch's device-side assert does, and the process goes
    on working."""
    if not device.startswith("cuda"):
        pytest.skip("on the cpu the call itself raises (test_class_index_out_of_range)")
    x = ag.tensor(random_array(rng, (3, 4)), device=device, requires_grad=True)
    loss = L.cross_entropy(x, ag.tensor([0, 5, 1], device=device))
    with pytest.raises(IndexError, match=r"^Target 5 is out of bounds\. .*\[0, 3\] .*Found on "
                                         r"cuda:0"):
        loss.item()
    good = L.cross_entropy(x, ag.tensor([0, 3, 1], device=device))
    good.backward()
    assert np.isfinite(good.item()) and np.isfinite(x.grad.cpu().numpy()).all()


def test_ignore_index_may_be_out_of_range(device, rng):
    check_parity(lambda t, x, tgt: F(t).cross_entropy(x, tgt, ignore_index=7),
                 random_array(rng, (3, 4)), np.array([7, 1, 3]), device=device, rng=rng)
