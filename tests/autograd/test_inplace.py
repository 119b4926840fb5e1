"""In-place methods against torch: values, version counters, gradients through in-place changes of
non-leaves, the errors for modified saved tensors and for leaves that require grad, no_grad
updates, dtype casting rules and shape errors."""
import re

import numpy as np
import pytest

import autograd_gpu as ag
from helpers import check_grad, random_array, torch_or_skip

MODIFIED = ("one of the variables needed for gradient computation has been modified by an inplace "
            "operation: ")
LEAF = "a leaf Variable that requires grad is being used in an in-place operation."


def host(t):
    return t.detach().cpu().numpy()


def modified(kind, shape, owner, now, expected, device="cpu"):
    """torch's message up to the hint (which names torch's anomaly mode, absent here)."""
    prefix = "torch.cuda." if device.startswith("cuda") else "torch."
    which = f", which is {owner}," if owner else ""
    dims = ", ".join(str(s) for s in shape)
    return re.escape(f"{MODIFIED}[{prefix}{kind}Tensor [{dims}]]{which} is at version {now}; "
                     f"expected version {expected} instead. Hint:")


def both(fn, arrays, device):
    """Runs ``fn(lib, *leaves)`` on autograd_gpu and torch with the same float inputs requiring
    grad; returns both results and leaves."""
    torch = torch_or_skip()
    ours = [ag.tensor(a, device=device, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return fn(ag, *ours), fn(torch, *theirs), ours, theirs


# -- values and version counters -----------------------------------------------------------------

INPLACE = {
    "zero_": lambda t, o: t.zero_(),
    "fill_": lambda t, o: t.fill_(2.5),
    "fill_tensor": lambda t, o: t.fill_(o[0, 0].clone()),
    "add_": lambda t, o: t.add_(o),
    "add_alpha": lambda t, o: t.add_(o, alpha=-0.5),
    "add_scalar": lambda t, o: t.add_(1.25),
    "sub_": lambda t, o: t.sub_(o),
    "sub_alpha": lambda t, o: t.sub_(o, alpha=3),
    "mul_": lambda t, o: t.mul_(o),
    "mul_scalar": lambda t, o: t.mul_(-2),
    "div_": lambda t, o: t.div_(o),
    "div_scalar": lambda t, o: t.div_(4),
    "copy_": lambda t, o: t.copy_(o),
    "copy_broadcast": lambda t, o: t.copy_(o[0]),
    "clamp_": lambda t, o: t.clamp_(-0.5, 0.75),
    "clamp_min": lambda t, o: t.clamp_(min=0.1),
    "iadd": lambda t, o: t.__iadd__(o),
    "isub": lambda t, o: t.__isub__(o),
    "imul": lambda t, o: t.__imul__(o),
    "itruediv": lambda t, o: t.__itruediv__(o),
    "addcmul_": lambda t, o: t.addcmul_(o, o - 1, value=-0.3),
    "addcdiv_": lambda t, o: t.addcdiv_(o - 1, o, value=0.7),
    "lerp_small_weight": lambda t, o: t.lerp_(o, 0.25),
    "lerp_large_weight": lambda t, o: t.lerp_(o, 0.75),
    "lerp_tensor_weight": lambda t, o: t.lerp_(o * 3, o - 1),  # weights on both sides of 0.5
}


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_values_and_version(name, device, rng):
    torch = torch_or_skip()
    a = random_array(rng, (2, 3))
    o = random_array(rng, (2, 3), positive=True)
    t = ag.tensor(a, device=device)
    tt = torch.tensor(a)
    out = INPLACE[name](t, ag.tensor(o, device=device))
    tout = INPLACE[name](tt, torch.tensor(o))
    assert out is t  # in-place methods return the tensor itself
    np.testing.assert_allclose(host(t), tt.numpy(), rtol=1e-6)
    assert t._version[0] == tt._version == 1
    assert t.dtype is ag.float32 and not t.requires_grad and tout is tt


def test_augmented_assignment_keeps_identity(device, rng):
    t = ag.tensor(random_array(rng, (3,)), device=device)
    before = t
    t += 1
    t *= 2
    t -= 0.5
    t /= 4
    assert t is before and t._version[0] == 4


def test_versions_count_every_write(device, rng):
    torch = torch_or_skip()
    a = random_array(rng, (4,))

    def writes(m, t):
        t.add_(1)
        t.mul_(2)
        t.zero_()
        t.fill_(3)
        t.copy_(m.ones(4))
        t.clamp_(0, 0.5)
        t.sub_(1)
        t.div_(2)
        t[0] = 7.0
        t += 1

    t, tt = ag.tensor(a, device=device), torch.tensor(a)
    writes(ag, t)
    writes(torch, tt)
    assert t._version[0] == tt._version == 10
    np.testing.assert_allclose(host(t), tt.numpy())
    # out-of-place ops and reads do not bump it
    (t + 1).sum()
    t.clone()
    assert t._version[0] == 10


# -- saved tensors modified in place -------------------------------------------------------------

def test_modified_saved_output_exp(device, rng):
    x = ag.tensor(random_array(rng, (3,)), device=device, requires_grad=True)
    y = x.exp()
    y.add_(1)
    with pytest.raises(RuntimeError, match=modified("Float", (3,), "output 0 of Exp", 1, 0, device)):
        y.sum().backward()


def test_modified_saved_output_sigmoid(device, rng):
    x = ag.tensor(random_array(rng, (2, 3)), device=device, requires_grad=True)
    y = x.sigmoid()
    y.mul_(2)
    with pytest.raises(RuntimeError, match=modified("Float", (2, 3), "output 0 of Sigmoid", 1, 0,
                                                    device)):
        y.sum().backward()


def test_modified_input_saved_by_mul(device, rng):
    """A leaf that does not require grad, saved by mul for the other input's gradient: torch's
    message names no node for it."""
    x = ag.tensor(random_array(rng, (3,)), device=device, requires_grad=True)
    a = ag.tensor(random_array(rng, (3,)), device=device)
    y = x * a
    a.add_(1)
    with pytest.raises(RuntimeError, match=modified("Float", (3,), None, 1, 0, device)):
        y.sum().backward()


def test_modified_non_leaf_saved_by_pow(device, rng):
    x = ag.tensor(random_array(rng, (2, 3), "float64"), device=device, requires_grad=True)
    y = x * 2
    w = y.pow(2)
    y.add_(1)  # y now is the output of the in-place add, which torch names
    with pytest.raises(RuntimeError, match=modified("Double", (2, 3), "output 0 of Add", 1, 0,
                                                    device)):
        w.sum().backward()


def test_modified_saved_output_of_inplace_op(device, rng):
    x = ag.tensor(random_array(rng, (3,)), device=device, requires_grad=True)
    y = x * 2
    y.exp_()
    y.add_(1)  # exp_ saved its result, which is y itself
    with pytest.raises(RuntimeError, match=modified("Float", (3,), "output 0 of Exp", 2, 1, device)):
        y.sum().backward()


def test_modified_tensor_with_retain_graph_after_first_backward(device, rng):
    x = ag.tensor(random_array(rng, (3,)), device=device, requires_grad=True)
    y = x.tanh()
    z = y.sum()
    z.backward(retain_graph=True)
    y.clamp_(0, 0.5)
    with pytest.raises(RuntimeError, match=re.escape(MODIFIED)):
        z.backward()


def test_multiplying_a_tensor_by_itself_in_place(device, rng):
    """torch refuses y.mul_(y) at backward: the other operand (y itself) was modified."""
    x = ag.tensor(random_array(rng, (3,)), device=device, requires_grad=True)
    y = x * 1
    y.mul_(y)
    with pytest.raises(RuntimeError, match=modified("Float", (3,), "output 0 of Mul", 1, 0, device)):
        y.sum().backward()


# -- leaves ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["zero_", "fill_", "add_", "sub_alpha", "mul_", "div_", "copy_",
                                  "clamp_", "iadd"])
def test_inplace_on_leaf_requiring_grad_raises(name, device, rng):
    x = ag.tensor(random_array(rng, (2, 3)), device=device, requires_grad=True)
    o = ag.tensor(random_array(rng, (2, 3), positive=True), device=device)
    with pytest.raises(RuntimeError, match=f"^{re.escape(LEAF)}$"):
        INPLACE[name](x, o)
    assert x._version[0] == 0 and x.is_leaf
    with ag.no_grad():
        INPLACE[name](x, o)
    assert x._version[0] == 1 and x.is_leaf and x.requires_grad and x.grad_fn is None


def test_no_grad_parameter_update(device, rng):
    """The seeds' update: w.add_(w.grad, alpha=-lr) under no_grad."""
    torch = torch_or_skip()
    w0 = random_array(rng, (3, 1))
    x = random_array(rng, (2, 3))
    w = ag.tensor(w0, device=device, requires_grad=True)
    tw = torch.tensor(w0, requires_grad=True)
    for lib, p in ((ag, w), (torch, tw)):
        xs = lib.tensor(x, device=device) if lib is ag else lib.tensor(x)
        for _ in range(3):
            loss = ((xs @ p) ** 2).mean()
            loss.backward()
            with lib.no_grad():
                p.add_(p.grad, alpha=-0.1)
            p.grad.zero_()
    np.testing.assert_allclose(host(w), tw.detach().numpy(), rtol=1e-5)
    assert w.is_leaf and w.requires_grad and w.grad_fn is None


# -- in-place on non-leaves inside the graph -------------------------------------------------------

GRAPHS = {
    "add_then_mul": lambda m, x: (lambda y: (y.add_(1), y.mul_(3), y)[-1])(x * 2),
    "add_alpha_tensor": lambda m, x, w: (lambda y: (y.add_(w, alpha=2.5), y)[-1])(x * 1),
    "sub_div": lambda m, x, w: (lambda y: (y.div_(w), y.sub_(w, alpha=2), y)[-1])(x * 1),
    "iadd_imul": lambda m, x, w: (lambda y: (y.__iadd__(x), y.__imul__(w), y)[-1])(x.exp() * 1),
    "clamp_": lambda m, x: (lambda y: (y.clamp_(-0.3, 0.4), y)[-1])(x * 1),
    "zero_": lambda m, x: (lambda y: (y.zero_(), y + x)[-1])(x * 2),
    "fill_": lambda m, x: (lambda y: (y.fill_(3.0), y * x)[-1])(x * 2),
    "fill_tensor": lambda m, x, w: (lambda y: (y.fill_(w.sum()), y * x)[-1])(x * 2),
    "copy_": lambda m, x, w: (lambda y: (y.copy_(w * 2), y * y)[-1])(x * 2),
    "copy_into_plain": lambda m, x, w: (lambda a: (a.copy_(x * w), a * a)[-1])(
        m.zeros_like(x.detach())),
    "add_into_plain": lambda m, x, w: (lambda a: (a.add_(x), a.mul_(w), a)[-1])(
        m.zeros_like(x.detach())),
    "exp_": lambda m, x: (lambda y: (y.exp_(), y * 2)[-1])(x * 1),
    "sigmoid_": lambda m, x: (lambda y: (y.sigmoid_(), y)[-1])(x * 3),
    "setitem": lambda m, x, w: (lambda y: (y.__setitem__(0, w[1] * 2), y * y)[-1])(x * 1),
    "addcmul_": lambda m, x, w: (lambda y: (y.addcmul_(x, w, value=0.5), y * y)[-1])(x * 2),
    "addcdiv_": lambda m, x, w: (lambda y: (y.addcdiv_(w, x.exp(), value=-1.5), y)[-1])(x * 2),
    "addcmul_into_plain": lambda m, x, w: (lambda a: (a.addcmul_(x, w), a * x)[-1])(
        m.ones_like(x.detach())),
    "lerp_small_weight": lambda m, x, w: (lambda y: (y.lerp_(w, 0.3), y * x)[-1])(x * 2),
    "lerp_large_weight": lambda m, x, w: (lambda y: (y.lerp_(w, 0.8), y)[-1])(x * 2),
    "lerp_tensor_weight": lambda m, x, w: (lambda y: (y.lerp_(w * 2, x.sigmoid()), y)[-1])(x * 2),
}


@pytest.mark.parametrize("name", GRAPHS)
def test_gradients_through_inplace_on_non_leaf(name, device, rng):
    fn = GRAPHS[name]
    nargs = fn.__code__.co_argcount - 1
    arrays = [random_array(rng, (2, 3))] + [random_array(rng, (2, 3), positive=True)
                                             for _ in range(nargs - 1)]
    out, tout, ours, theirs = both(fn, arrays, device)
    assert out.grad_fn is not None and out.requires_grad
    assert out.grad_fn.name() == tout.grad_fn.name()
    np.testing.assert_allclose(host(out), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    seed = random_array(rng, (2, 3))
    out.backward(ag.tensor(seed, device=device))
    tout.backward(torch_or_skip().tensor(seed))
    for i, (a, t) in enumerate(zip(ours, theirs)):
        if t.grad is None:
            assert a.grad is None, f"input {i}"
        else:
            np.testing.assert_allclose(host(a.grad), t.grad.numpy(), rtol=1e-5, atol=1e-6,
                                       err_msg=f"input {i}")


def test_seed_inplace_on_non_leaf(device):
    """y = x * 2; y.add_(1); y.sum().backward() gives x.grad = 2, as torch."""
    x = ag.tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
    y = x * 2
    y.add_(1)
    assert repr(y.grad_fn).startswith("<AddBackward0 object at")
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
    assert y.tolist() == [3.0, 5.0, 7.0]


def test_inplace_grad_fn_names(device, rng):
    torch = torch_or_skip()
    a = random_array(rng, (3,))
    names = {}
    for lib in (ag, torch):
        kw = {"device": device} if lib is ag else {}
        x = lib.tensor(a, requires_grad=True, **kw)
        names[lib.__name__] = [
            (x * 2).zero_().grad_fn.name(), (x * 2).fill_(1.0).grad_fn.name(),
            (x * 2).fill_(lib.tensor(2.0, **kw)).grad_fn.name(),
            (x * 2).copy_(lib.ones(3, **kw)).grad_fn.name(), (x * 2).add_(1).grad_fn.name(),
            (x * 2).clamp_(0, 1).grad_fn.name(), (x * 2).div_(2).grad_fn.name(),
            (x * 2).addcmul_(x, x).grad_fn.name(), (x * 2).addcdiv_(x, x).grad_fn.name(),
            (x * 2).lerp_(x, 0.5).grad_fn.name(), (x * 2).lerp_(x, x).grad_fn.name()]
    ours = names["autograd_gpu"]
    theirs = [n.replace("torch::autograd::", "") for n in names["torch"]]
    assert ours == theirs


def test_inplace_without_grad_requirement_joins_graph(device, rng):
    x = ag.tensor(random_array(rng, (3,)), device=device, requires_grad=True)
    a = ag.zeros(3, device=device)
    a.add_(x)
    assert a.requires_grad and not a.is_leaf and a.grad_fn.name() == "AddBackward0"
    a.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


# -- dtypes and shapes ---------------------------------------------------------------------------

def test_integer_tensor_refuses_float_results(device):
    x = ag.tensor([1, 2], device=device)
    with pytest.raises(RuntimeError, match="^result type Float can't be cast to the desired output "
                                           "type Long$"):
        x.add_(1.5)
    with pytest.raises(RuntimeError, match="^result type Float can't be cast to the desired output "
                                           "type Long$"):
        x.div_(2)
    with pytest.raises(RuntimeError, match="^result type Float can't be cast to the desired output "
                                           "type Long$"):
        x += 0.5
    with pytest.raises(RuntimeError, match="^result type Long can't be cast to the desired output "
                                           "type Bool$"):
        ag.tensor([True, False], device=device).add_(1)
    assert x.tolist() == [1, 2] and x._version[0] == 0
    x.add_(2).mul_(3).sub_(1, alpha=2)
    assert x.tolist() == [7, 10] and x.dtype is ag.int64
    f = ag.tensor([1.5, 2.5], device=device)
    f.add_(ag.tensor([1, 2], device=device))  # int into float is fine
    assert f.tolist() == [2.5, 4.5] and f.dtype is ag.float32


def test_inplace_casts_into_lower_precision(device):
    x = ag.zeros(3, dtype=ag.int64, device=device)
    x.copy_(ag.tensor([1.7, 2.2, -3.9], device=device))
    assert x.tolist() == [1, 2, -3]
    x.fill_(2.7)
    assert x.tolist() == [2, 2, 2]
    f = ag.ones(2, device=device)
    f.add_(ag.tensor([0.25, 0.5], dtype=ag.float64, device=device))
    assert f.dtype is ag.float32 and f.tolist() == [1.25, 1.5]


def test_inplace_shape_errors(device):
    x = ag.zeros(3, device=device)
    with pytest.raises(RuntimeError, match=re.escape("output with shape [3] doesn't match the "
                                                     "broadcast shape [2, 3]")):
        x.add_(ag.ones(2, 3, device=device))
    with pytest.raises(RuntimeError, match=re.escape("The size of tensor a (3) must match the size "
                                                     "of tensor b (2) at non-singleton dimension 0")):
        x.add_(ag.ones(2, device=device))
    with pytest.raises(RuntimeError, match=re.escape("The size of tensor a (3) must match the size "
                                                     "of tensor b (2) at non-singleton dimension 0")):
        x.copy_(ag.ones(2, device=device))
    with pytest.raises(RuntimeError, match=re.escape("output with shape [3] doesn't match the "
                                                     "broadcast shape [2, 3]")):
        x.copy_(ag.ones(2, 3, device=device))
    with pytest.raises(TypeError, match=re.escape("copy_(): argument 'other' (position 1) must be "
                                                  "Tensor, not list")):
        x.copy_([1, 2, 3])
    with pytest.raises(RuntimeError, match="fill_ only supports 0-dimension value tensor"):
        x.fill_(ag.ones(2, device=device))
    assert x._version[0] == 0


@pytest.mark.parametrize("name", ["pow_", "exp_", "relu_", "tanh_", "neg_", "abs_", "sqrt_", "log_",
                                  "sigmoid_"])
def test_unary_inplace_on_non_leaf(name, device, rng):
    torch = torch_or_skip()
    a = random_array(rng, (5,), positive=True)
    results = []
    for lib in (ag, torch):
        kw = {"device": device} if lib is ag else {}
        x = lib.tensor(a, requires_grad=True, **kw)
        y = x * 1
        assert getattr(y, name)(*((2,) if name == "pow_" else ())) is y
        (y * y).sum().backward()
        version = y._version[0] if lib is ag else y._version
        results.append((host(y), host(x.grad), y.grad_fn.name(), version))
    (yo, go, no, vo), (yt, gt, nt, vt) = results
    np.testing.assert_allclose(yo, yt, rtol=1e-6)
    np.testing.assert_allclose(go, gt, rtol=1e-5)
    assert no == nt and vo == vt == 1


# -- addcmul_, addcdiv_, lerp_ -------------------------------------------------------------------

FUSED = {  # fn(x, a, b) updating a copy of x in place; b > 0 (a divisor)
    "addcmul_": lambda x, a, b: x.clone().addcmul_(a, b, value=0.7),
    "addcmul_broadcast": lambda x, a, b: x.clone().addcmul_(a[0], b[:, :1], value=-1.5),
    "addcdiv_": lambda x, a, b: x.clone().addcdiv_(a, b, value=-0.4),
    "lerp_small_weight": lambda x, a, b: x.clone().lerp_(a, 0.2),
    "lerp_large_weight": lambda x, a, b: x.clone().lerp_(a, 0.9),
    "lerp_tensor_weight": lambda x, a, b: x.clone().lerp_(a, b - 1.25),
}


@pytest.mark.parametrize("name", FUSED)
def test_fused_update_gradcheck(name, device, rng):
    fn = FUSED[name]
    check_grad(lambda t, x, a, b: fn(x, a, b), random_array(rng, (2, 3), "float64"),
               random_array(rng, (2, 3), "float64"),
               random_array(rng, (2, 3), "float64", positive=True), device=device)


@pytest.mark.parametrize("name", FUSED)
def test_fused_update_under_no_grad_matches_torch(name, device, rng):
    """The optimizers' path: arrays updated in place, one version bump."""
    torch = torch_or_skip()
    arrays = [random_array(rng, (2, 3)), random_array(rng, (2, 3)),
              random_array(rng, (2, 3), positive=True)]
    results = []
    for lib in (ag, torch):
        x, a, b = (ag.tensor(v, device=device) if lib is ag else torch.tensor(v) for v in arrays)
        with lib.no_grad():
            out = FUSED[name](x, a, b)
        results.append((host(out), out._version[0] if lib is ag else out._version))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6, atol=1e-7)
    assert results[0][1] == results[1][1] == 1


@pytest.mark.parametrize("case", ["addcmul_float64_operand", "addcmul_integers",
                                  "addcdiv_float64_operand", "lerp_float16"])
def test_fused_update_dtypes_match_torch(case, device):
    torch = torch_or_skip()
    results = []
    for lib in (ag, torch):
        kw = {"device": device} if lib is ag else {}
        ones = lambda dtype: lib.ones(3, dtype=dtype, **kw)  # noqa: E731
        arange = lambda dtype: lib.arange(1, 4, **kw).to(dtype)  # noqa: E731
        out = {"addcmul_float64_operand": lambda: ones(lib.float32).addcmul_(
                   arange(lib.float64) / 3, arange(lib.float32), value=0.1),
               "addcmul_integers": lambda: arange(lib.int64).addcmul_(
                   arange(lib.int64), arange(lib.int64), value=2.5),
               "addcdiv_float64_operand": lambda: ones(lib.float32).addcdiv_(
                   arange(lib.float32), arange(lib.float64) * 3, value=-1),
               "lerp_float16": lambda: ones(lib.float16).lerp_(arange(lib.float16), 0.3)}[case]()
        results.append((out.dtype.name if lib is ag else str(out.dtype)[6:], host(out)))
    assert results[0][0] == results[1][0]
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-3)


FUSED_ERRORS = {
    "addcdiv_integers": lambda t, kw: t.ones(3, **kw).addcdiv_(t.ones(3, dtype=t.int64, **kw),
                                                               t.ones(3, dtype=t.int64, **kw)),
    "addcmul_not_tensor": lambda t, kw: t.ones(3, **kw).addcmul_(1.0, t.ones(3, **kw)),
    "addcmul_float_into_long": lambda t, kw: t.ones(3, dtype=t.int64, **kw).addcmul_(
        t.ones(3, **kw), t.ones(3, **kw)),
    "addcmul_shapes": lambda t, kw: t.ones(3, **kw).addcmul_(t.ones(2, **kw), t.ones(3, **kw)),
    "addcmul_into_smaller": lambda t, kw: t.ones(3, **kw).addcmul_(t.ones(2, 3, **kw),
                                                                   t.ones(3, **kw)),
    "lerp_end_dtype": lambda t, kw: t.ones(3, **kw).lerp_(t.ones(3, dtype=t.float64, **kw), 0.5),
    "lerp_weight_dtype": lambda t, kw: t.ones(3, **kw).lerp_(t.ones(3, **kw),
                                                             t.ones(3, dtype=t.float64, **kw)),
    "lerp_long": lambda t, kw: t.ones(3, dtype=t.int64, **kw).lerp_(
        t.ones(3, dtype=t.int64, **kw), 0.5),
    "lerp_long_tensor_weight": lambda t, kw: t.ones(3, dtype=t.int64, **kw).lerp_(
        t.ones(3, dtype=t.int64, **kw), t.ones(3, dtype=t.int64, **kw)),
    "leaf_requiring_grad": lambda t, kw: t.ones(3, requires_grad=True, **kw).addcmul_(
        t.ones(3, **kw), t.ones(3, **kw)),
}


@pytest.mark.parametrize("case", FUSED_ERRORS)
def test_fused_update_errors_match_torch(case, device):
    torch = torch_or_skip()
    with pytest.raises(Exception) as theirs:
        FUSED_ERRORS[case](torch, {})
    with pytest.raises(type(theirs.value)) as ours:
        FUSED_ERRORS[case](ag, {"device": device})
    assert str(ours.value) == str(theirs.value)
