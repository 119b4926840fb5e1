"""The backward engine and autograd's public API against torch's behaviour and messages: implicit
gradients, accumulation, retain_graph, non-leaf .grad, hooks, backward(inputs=), autograd.grad
(with higher-order gradients), long chains, diamonds, graph structure, grad modes, threads, custom
Functions and gradcheck."""
import re
import sys
import threading
import warnings

import numpy as np
import pytest

import autograd_gpu as ag
from helpers import random_array, torch_or_skip

FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
         "after they have already been freed). Saved intermediate values of the graph are freed "
         "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
         "backward through the graph a second time or if you need to access saved tensors after "
         "calling backward.")
NON_LEAF_WARNING = "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"


def leaf(rng, shape, device, dtype="float32", **kw):
    return ag.tensor(random_array(rng, shape, dtype, **kw), device=device, requires_grad=True)


def host(t):
    return t.detach().cpu().numpy()


def twin(torch, t, requires_grad=True):
    return torch.tensor(host(t), requires_grad=requires_grad)


# -- backward's argument checks ------------------------------------------------------------------

def test_implicit_grad_only_for_scalars(device, rng):
    x = leaf(rng, (3,), device)
    with pytest.raises(RuntimeError, match="^grad can be implicitly created only for scalar "
                                           "outputs$"):
        (x * 2).backward()
    # one element of any shape is a scalar for this purpose
    one = leaf(rng, (1, 1), device)
    (one * 3).backward()
    assert one.grad.tolist() == [[3.0]]


def test_backward_of_tensor_without_grad(device, rng):
    x = ag.tensor(random_array(rng, (3,)), device=device)
    with pytest.raises(RuntimeError, match="^element 0 of tensors does not require grad and does "
                                           "not have a grad_fn$"):
        x.sum().backward()
    with pytest.raises(RuntimeError, match="^element 1 of tensors does not require grad"):
        ag.autograd.backward([leaf(rng, (), device) * 2, x.sum()])


def test_gradient_shape_mismatch(device, rng):
    x = leaf(rng, (3,), device)
    msg = re.escape("Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and "
                    "output[0] has a shape of torch.Size([3]).")
    with pytest.raises(RuntimeError, match=f"^{msg}$"):
        (x * 2).backward(ag.ones(2, device=device))
    with pytest.raises(RuntimeError, match=f"^{msg}$"):
        ag.autograd.grad(x * 2, x, grad_outputs=ag.ones(2, device=device))


def test_gradient_of_other_dtype_is_cast(device, rng):
    torch = torch_or_skip()
    x = leaf(rng, (3,), device)
    (x * 2).sum().backward(ag.tensor(1.5, dtype=ag.float64, device=device))
    tx = twin(torch, x)
    (tx * 2).sum().backward(torch.tensor(1.5, dtype=torch.float64))
    assert x.grad.dtype is ag.float32
    np.testing.assert_allclose(host(x.grad), tx.grad.numpy())


# -- accumulation and retain_graph ---------------------------------------------------------------

def test_gradients_accumulate_into_leaves(device, rng):
    x = leaf(rng, (4,), device)
    w = random_array(rng, (4,))
    wt = ag.tensor(w, device=device)
    (x * wt).sum().backward()
    first = x.grad
    np.testing.assert_allclose(host(first), w)
    (x * wt * 2).sum().backward()
    np.testing.assert_allclose(host(x.grad), 3 * w, rtol=1e-6)
    assert x.grad is first  # accumulated in place, as torch does
    assert x.grad.requires_grad is False and x.grad.grad_fn is None
    # a leaf used twice in one graph gets the sum of both paths
    y = leaf(rng, (4,), device)
    (y * wt + y * y).sum().backward()
    np.testing.assert_allclose(host(y.grad), w + 2 * host(y), rtol=1e-6)


def test_second_backward_through_saved_tensors_raises(device, rng):
    x = leaf(rng, (3,), device)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=f"^{re.escape(FREED)}$"):
        y.backward()
    z = x.exp().sum()  # a node that saved its output
    ag.autograd.grad(z, x)
    with pytest.raises(RuntimeError, match=re.escape("Trying to backward through the graph a "
                                                     "second time")):
        ag.autograd.grad(z, x)


def test_retain_graph_allows_second_backward(device, rng):
    x = leaf(rng, (3,), device)
    y = (x * x).exp().sum()
    y.backward(retain_graph=True)
    once = host(x.grad).copy()
    y.backward(retain_graph=True)
    np.testing.assert_allclose(host(x.grad), 2 * once, rtol=1e-6)
    y.backward()  # the last one may free
    np.testing.assert_allclose(host(x.grad), 3 * once, rtol=1e-6)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_second_backward_without_saved_tensors_works(device, rng):
    """As in torch, a graph whose nodes saved nothing (add, sum) can be run again."""
    torch = torch_or_skip()
    x = leaf(rng, (3,), device)
    y = (x + x + 1).sum()
    y.backward()
    y.backward()
    tx = twin(torch, x)
    ty = (tx + tx + 1).sum()
    ty.backward()
    ty.backward()
    np.testing.assert_array_equal(host(x.grad), tx.grad.numpy())


def test_assigning_grad(device, rng):
    x = leaf(rng, (2,), device)
    with pytest.raises(RuntimeError, match=re.escape(
            "attempting to assign a gradient of size '[3]' to a tensor of size '[2]'. Please ensure "
            "that the gradient and the tensor are the same size")):
        x.grad = ag.ones(3, device=device)
    with pytest.raises(RuntimeError, match="^attempting to assign a gradient with dtype 'double' to "
                                           "a tensor with grad_dtype 'Float'"):
        x.grad = ag.ones(2, dtype=ag.float64, device=device)
    with pytest.raises(TypeError, match="^assigned grad expected to be a Tensor or None but got "
                                        "grad of type list$"):
        x.grad = [1.0, 2.0]
    x.grad = ag.ones(2, device=device)
    (x * 2).sum().backward()  # accumulates onto the assigned gradient
    assert x.grad.tolist() == [3.0, 3.0]
    x.grad = None
    assert x.grad is None


# -- the first gradient: adopted when nothing else can see it, copied otherwise -------------------

def passing(backward):
    """An identity op whose backward returns ``backward(g)``: hands the engine any gradient."""
    class Pass(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            return backward(g)

    return Pass.apply


def test_fresh_first_gradient_is_adopted_without_a_copy(device, rng):
    a = leaf(rng, (3, 4), device)
    made = []

    def fresh(g):
        r = g * 3.0
        made.append(r.data_ptr())
        return r

    passing(fresh)(a).sum().backward()
    assert a.grad.data_ptr() == made[0]
    np.testing.assert_array_equal(host(a.grad), np.full((3, 4), 3.0, "float32"))
    passing(fresh)(a).sum().backward()  # later gradients are added in place
    assert a.grad.data_ptr() == made[0]
    np.testing.assert_array_equal(host(a.grad), np.full((3, 4), 6.0, "float32"))


def test_one_gradient_passed_to_two_leaves_is_not_shared(device, rng):
    a, b = leaf(rng, (5,), device), leaf(rng, (5,), device)
    w = random_array(rng, (5,))
    # AddBackward passes one gradient to both inputs
    ((a + b) * ag.tensor(w, device=device)).sum().backward()
    np.testing.assert_array_equal(host(a.grad), w)
    np.testing.assert_array_equal(host(b.grad), w)
    a.grad.zero_()
    np.testing.assert_array_equal(host(b.grad), w)
    b.grad.mul_(2.0)
    np.testing.assert_array_equal(host(a.grad), np.zeros(5, "float32"))


@pytest.mark.parametrize("op", ["leaf", "clone", "add0", "reshape", "view", "t", "expand_sum"])
def test_user_gradient_is_never_adopted(op, device, rng):
    a = leaf(rng, (2, 3), device)
    forward = {"leaf": lambda t: t, "clone": lambda t: t.clone(), "add0": lambda t: t + 0.0,
               "reshape": lambda t: t.reshape(3, 2), "view": lambda t: t.view(6),
               "t": lambda t: t.t(), "expand_sum": lambda t: t.expand(2, 2, 3).sum(0)}[op]
    y = forward(a)
    g_values = random_array(rng, tuple(y.shape))
    g = ag.tensor(g_values, device=device)
    y.backward(g)
    expected = g_values.reshape(2, 3) if op not in ("t", "expand_sum") else (
        g_values.T if op == "t" else 2 * g_values)
    np.testing.assert_array_equal(host(a.grad), expected)
    a.grad.zero_()
    np.testing.assert_array_equal(host(g), g_values)


def test_gradient_kept_or_returned_by_a_hook_is_not_adopted(device, rng):
    w = random_array(rng, (4,))
    wt = ag.tensor(w, device=device)
    a = leaf(rng, (4,), device)
    kept = []
    a.register_hook(kept.append)
    (a * wt).sum().backward()
    a.grad.zero_()
    np.testing.assert_array_equal(host(kept[0]), w)

    b = leaf(rng, (4,), device)
    mine_values = random_array(rng, (4,))
    mine = ag.tensor(mine_values, device=device)
    b.register_hook(lambda g: mine)
    (b * wt).sum().backward()
    b.grad.zero_()
    np.testing.assert_array_equal(host(mine), mine_values)


def test_gradient_a_backward_shares_is_not_adopted(device, rng):
    """A backward may return a tensor someone else holds, or a view of one."""
    a, b, c = (leaf(rng, (2, 3), device) for _ in range(3))
    const_values = random_array(rng, (2, 3))
    const = ag.tensor(const_values, device=device)
    passing(lambda g: const)(a).sum().backward()
    a.grad.zero_()
    np.testing.assert_array_equal(host(const), const_values)

    held = []

    def keeps_base(g):
        base = g * 2.0
        held.append(base)
        return base.t().t()  # a view of a fresh array that someone holds

    passing(keeps_base)(b).sum().backward()
    b.grad.zero_()
    np.testing.assert_array_equal(host(held[0]), np.full((2, 3), 2.0, "float32"))

    class ReturnsSavedInput(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x, other):
            ctx.save_for_backward(other)
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            (other,) = ctx.saved_tensors
            return other, None

    other_values = random_array(rng, (2, 3))
    other = ag.tensor(other_values, device=device)
    ReturnsSavedInput.apply(c, other).sum().backward()
    np.testing.assert_array_equal(host(c.grad), other_values)
    c.grad.zero_()
    np.testing.assert_array_equal(host(other), other_values)


def test_retained_grad_and_leaf_grad_are_separate(device, rng):
    w = random_array(rng, (4,))
    for zeroed in ("leaf", "retained"):
        a = leaf(rng, (4,), device)
        y = a + 0.0  # AddBackward hands a the very gradient y's retained grad is taken from
        y.retain_grad()
        (y * ag.tensor(w, device=device)).sum().backward()
        (a if zeroed == "leaf" else y).grad.zero_()
        np.testing.assert_array_equal(host((y if zeroed == "leaf" else a).grad), w)


# -- .grad of non-leaves -------------------------------------------------------------------------

def test_non_leaf_grad_is_none_with_warning(device, rng):
    x = leaf(rng, (3,), device)
    y = x * 2
    y.sum().backward()
    with pytest.warns(UserWarning, match=re.escape(NON_LEAF_WARNING)) as record:
        assert y.grad is None
    assert "retain_grad()" in str(record[0].message)
    # no warning on a leaf, nor on a non-leaf that retains its gradient
    z = x * 3
    z.retain_grad()
    (z * z).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.grad is not None
        np.testing.assert_allclose(host(z.grad), 2 * host(z), rtol=1e-6)
    assert z.retains_grad and not y.retains_grad


def test_retain_grad_checks(device, rng):
    with pytest.raises(RuntimeError, match="^can't retain_grad on Tensor that has "
                                           "requires_grad=False$"):
        ag.tensor(random_array(rng, (2,)), device=device).retain_grad()
    x = leaf(rng, (2,), device)
    x.retain_grad()  # a no-op on leaves
    assert x.retains_grad is False


# -- hooks ---------------------------------------------------------------------------------------

def test_hook_on_non_leaf_replaces_gradient(device, rng):
    torch = torch_or_skip()
    x = leaf(rng, (3,), device)
    y = x * 2
    seen = []
    handle = y.register_hook(lambda g: seen.append(host(g)) or g * 10)
    (y * y).sum().backward()
    tx = twin(torch, x)
    ty = tx * 2
    ty.register_hook(lambda g: g * 10)
    (ty * ty).sum().backward()
    np.testing.assert_allclose(host(x.grad), tx.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(seen[0], 2 * host(y), rtol=1e-6)
    handle.remove()
    x.grad = None
    (x * 2 * 1).sum().backward()
    np.testing.assert_allclose(host(x.grad), np.full(3, 2.0))
    y2 = x * 2
    y2.sum().backward()
    assert len(seen) == 1  # removed: it does not run again


def test_hook_on_leaf(device, rng):
    x = leaf(rng, (3,), device)
    calls = []

    def hook(g):
        calls.append(host(g))
        return g + 1

    h = x.register_hook(hook)
    (x * 3).sum().backward()
    np.testing.assert_allclose(host(x.grad), np.full(3, 4.0))
    np.testing.assert_allclose(calls[0], np.full(3, 3.0))
    h.remove()
    (x * 3).sum().backward()
    np.testing.assert_allclose(host(x.grad), np.full(3, 7.0))
    assert len(calls) == 1


def test_hooks_chain_in_order_and_see_total_gradient(device, rng):
    x = leaf(rng, (2,), device)
    h1 = x.register_hook(lambda g: g * 2)
    x.register_hook(lambda g: g + 1)
    (x * 1).sum().backward()
    np.testing.assert_allclose(host(x.grad), [3.0, 3.0])  # (1 * 2) + 1
    x.grad = None
    h1.remove()
    (x * 1).sum().backward()
    np.testing.assert_allclose(host(x.grad), [2.0, 2.0])
    # a non-leaf used twice: its hook runs once, with the sum of both contributions
    y = x * 1
    seen = []
    y.register_hook(lambda g: seen.append(host(g)))
    (y * 2 + y * 3).sum().backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], [5.0, 5.0])


def test_hook_runs_before_retained_grad_is_stored(device, rng):
    x = leaf(rng, (2,), device)
    y = x * 3
    y.retain_grad()
    y.register_hook(lambda g: g * 2)
    (y * 1).sum().backward()
    np.testing.assert_allclose(host(y.grad), [2.0, 2.0])
    np.testing.assert_allclose(host(x.grad), [6.0, 6.0])


def test_hook_on_tensor_without_grad(device):
    with pytest.raises(RuntimeError, match="^cannot register a hook on a tensor that doesn't "
                                           "require gradient$"):
        ag.ones(2, device=device).register_hook(lambda g: g)


# -- backward(inputs=...) ------------------------------------------------------------------------

def test_backward_inputs_restricts_accumulation(device, rng):
    x = leaf(rng, (3,), device)
    z = leaf(rng, (3,), device)
    (x * z * 3).sum().backward(inputs=[x])
    np.testing.assert_allclose(host(x.grad), 3 * host(z), rtol=1e-6)
    assert z.grad is None
    (x * z).sum().backward(inputs=z)
    np.testing.assert_allclose(host(z.grad), host(x), rtol=1e-6)
    with pytest.raises(RuntimeError, match="^`inputs` argument to `backward\\(\\)` cannot be "
                                           "empty.$"):
        (x * z).sum().backward(inputs=[])


def test_backward_inputs_non_leaf(device, rng):
    torch = torch_or_skip()
    x = leaf(rng, (3,), device)
    y = x * 3
    (y * y).sum().backward(inputs=[y])
    tx = twin(torch, x)
    ty = tx * 3
    (ty * ty).sum().backward(inputs=[ty])
    np.testing.assert_allclose(host(y.grad), ty.grad.numpy(), rtol=1e-6)
    assert x.grad is None and tx.grad is None


# -- autograd.grad -------------------------------------------------------------------------------

def test_grad_with_grad_outputs(device, rng):
    torch = torch_or_skip()
    x = leaf(rng, (2, 3), device)
    v = random_array(rng, (2, 3))
    (g,) = ag.autograd.grad(x * x, x, grad_outputs=ag.tensor(v, device=device))
    tx = twin(torch, x)
    (tg,) = torch.autograd.grad(tx * tx, tx, grad_outputs=torch.tensor(v))
    np.testing.assert_allclose(host(g), tg.numpy(), rtol=1e-6)
    assert x.grad is None  # grad() returns, never accumulates
    assert not g.requires_grad


def test_grad_of_several_outputs_and_inputs(device, rng):
    torch = torch_or_skip()
    x, y = leaf(rng, (3,), device), leaf(rng, (3,), device)
    gx, gy = ag.autograd.grad([(x * y).sum(), (x * x).sum()], [x, y])
    tx, ty = twin(torch, x), twin(torch, y)
    tgx, tgy = torch.autograd.grad([(tx * ty).sum(), (tx * tx).sum()], [tx, ty])
    np.testing.assert_allclose(host(gx), tgx.numpy(), rtol=1e-6)
    np.testing.assert_allclose(host(gy), tgy.numpy(), rtol=1e-6)


def test_grad_non_scalar_needs_grad_outputs(device, rng):
    x = leaf(rng, (3,), device)
    with pytest.raises(RuntimeError, match="^grad can be implicitly created only for scalar "
                                           "outputs$"):
        ag.autograd.grad(x * 2, x)


def test_grad_allow_unused(device, rng):
    x, unused = leaf(rng, (3,), device), leaf(rng, (3,), device)
    with pytest.raises(RuntimeError, match=re.escape(
            "The differentiated Tensor at index 1 appears to not have been used in the graph. "
            "Set allow_unused=True if this is the desired behavior.")):
        ag.autograd.grad((x * 2).sum(), [x, unused])
    gx, gu = ag.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gu is None
    np.testing.assert_allclose(host(gx), np.full(3, 2.0))
    gx, gu = ag.autograd.grad((x * 2).sum(), [x, unused], materialize_grads=True)
    np.testing.assert_array_equal(host(gu), np.zeros(3))


def test_grad_input_must_require_grad(device, rng):
    x = leaf(rng, (3,), device)
    c = ag.tensor(random_array(rng, (3,)), device=device)
    with pytest.raises(RuntimeError, match="^One of the differentiated Tensors does not require "
                                           "grad$"):
        ag.autograd.grad((x * c).sum(), c)


def test_grad_retain_graph(device, rng):
    x = leaf(rng, (3,), device)
    y = x.exp().sum()
    (a,) = ag.autograd.grad(y, x, retain_graph=True)
    (b,) = ag.autograd.grad(y, x)
    np.testing.assert_array_equal(host(a), host(b))
    np.testing.assert_allclose(host(a), np.exp(host(x)), rtol=1e-6)


def test_grad_with_respect_to_non_leaf(device, rng):
    x = leaf(rng, (3,), device)
    y = x * 2
    (gy,) = ag.autograd.grad((y * y).sum(), y)
    np.testing.assert_allclose(host(gy), 2 * host(y), rtol=1e-6)
    assert x.grad is None


def test_grad_sees_leaf_hooks(device, rng):
    """As in torch, a leaf's hooks run before autograd.grad captures its gradient."""
    x = leaf(rng, (2,), device)
    x.register_hook(lambda g: g * 10)
    (g,) = ag.autograd.grad((x * 2).sum(), x)
    np.testing.assert_allclose(host(g), [20.0, 20.0])


def test_second_derivative_of_cube(device, rng):
    x = ag.tensor(random_array(rng, (4,), "float64"), device=device, requires_grad=True)
    y = (x**3).sum()
    (g,) = ag.autograd.grad(y, x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    np.testing.assert_allclose(host(g), 3 * host(x) ** 2, rtol=1e-12)
    (g2,) = ag.autograd.grad(g.sum(), x, create_graph=True)
    np.testing.assert_allclose(host(g2), 6 * host(x), rtol=1e-12)
    (g3,) = ag.autograd.grad(g2.sum(), x)
    np.testing.assert_allclose(host(g3), np.full(4, 6.0), rtol=1e-12)


@pytest.mark.parametrize("chain", ["sigmoid_tanh", "tanh_sigmoid_mul", "exp_sin"])
def test_higher_order_chains_match_torch(chain, device, rng):
    torch = torch_or_skip()
    fns = {
        "sigmoid_tanh": lambda m, x: m.tanh(m.sigmoid(x) * 2),
        "tanh_sigmoid_mul": lambda m, x: m.sigmoid(m.tanh(x) * x),
        "exp_sin": lambda m, x: m.sin(m.exp(x * 0.5)) * x,
    }
    f = fns[chain]
    x = ag.tensor(random_array(rng, (5,), "float64"), device=device, requires_grad=True)
    tx = twin(torch, x)
    ours, theirs = [], []
    g, tg = f(ag, x).sum(), f(torch, tx).sum()
    for _ in range(3):
        (g,) = ag.autograd.grad(g, x, create_graph=True)
        (tg,) = torch.autograd.grad(tg, tx, create_graph=True)
        ours.append(host(g))
        theirs.append(tg.detach().numpy())
        g, tg = g.sum(), tg.sum()
    for order, (a, b) in enumerate(zip(ours, theirs), 1):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"order {order}")


def test_backward_create_graph_gives_differentiable_grad(device, rng):
    x = ag.tensor(random_array(rng, (3,), "float64"), device=device, requires_grad=True)
    (x**2).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    (gg,) = ag.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(host(gg), np.full(3, 2.0))


# -- graph shape: long chains, diamonds, next_functions ------------------------------------------

def test_chain_of_10000_ops(device):
    limit = sys.getrecursionlimit()
    x = ag.tensor([1.0], device=device, requires_grad=True)
    y = x
    for _ in range(10000):
        y = y * 1.0001
    y.backward()
    np.testing.assert_allclose(host(x.grad), [1.0001 ** 10000], rtol=1e-3)
    # autograd.grad through the same length, and dropping such a graph, need no recursion either
    y = x
    for _ in range(10000):
        y = y + 1
    (g,) = ag.autograd.grad(y.sum(), x)
    assert g.tolist() == [1.0]
    del y
    assert sys.getrecursionlimit() == limit


def _recording_function(name, order, received):
    class Fn(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            order.append(name)
            received.setdefault(name, []).append(host(g))
            return g

    Fn.__name__ = name
    return Fn


def test_diamond_node_runs_once_after_all_consumers(device, rng):
    torch = torch_or_skip()
    order, received = [], {}
    base = _recording_function("Base", order, received)
    consumers = [_recording_function(f"C{i}", order, received) for i in range(3)]
    x = leaf(rng, (4,), device)
    a = base.apply(x * 2)
    out = (consumers[0].apply(a).exp() + consumers[1].apply(a).sin()
           + consumers[2].apply(a) * a).sum()
    out.backward()
    assert order.count("Base") == 1
    assert order.index("Base") > max(order.index(f"C{i}") for i in range(3))
    tx = twin(torch, x)
    ta = tx * 2
    (ta.exp() + ta.sin() + ta * ta).sum().backward()
    np.testing.assert_allclose(host(x.grad), tx.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(received["Base"][0], tx.grad.numpy() / 2, rtol=1e-5)


def test_next_functions_and_accumulate_grad(device, rng):
    x = leaf(rng, (2,), device)
    c = ag.tensor(random_array(rng, (2,)), device=device)
    y = x * c
    (acc, nr), (const, nr2) = y.grad_fn.next_functions
    assert type(acc).__name__ == "AccumulateGrad" and acc.name() == "torch::autograd::AccumulateGrad"
    assert acc.variable is x and nr == 0
    assert const is None and nr2 == 0
    assert re.fullmatch(r"<AccumulateGrad object at 0x[0-9a-f]+>", repr(acc))
    # one AccumulateGrad per leaf while the graph lives
    z = x + 1
    assert z.grad_fn.next_functions[0][0] is acc
    assert (2 * x).grad_fn.next_functions == ((acc, 0), (None, 0))
    assert x.grad_fn is None and x.is_leaf
    assert not y.is_leaf and c.is_leaf
    assert (c * 2).is_leaf  # results of ops that record nothing are leaves


def test_is_leaf_and_output_of_no_grad(device, rng):
    x = leaf(rng, (2,), device)
    with ag.no_grad():
        y = x * 2
    assert y.is_leaf and not y.requires_grad
    assert x.detach().is_leaf


def test_requires_grad_flag(device, rng):
    x = ag.tensor(random_array(rng, (2,)), device=device)
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad = False
    assert not x.requires_grad
    y = leaf(rng, (2,), device) * 2
    with pytest.raises(RuntimeError, match="^you can only change requires_grad flags of leaf "
                                           "variables. If you want to use a computed variable in a "
                                           "subgraph that doesn't require differentiation use "
                                           "var_no_grad = var.detach\\(\\).$"):
        y.requires_grad_(False)
    y.requires_grad_(True)  # allowed: it already requires grad
    with pytest.raises(RuntimeError, match="^only Tensors of floating point dtype can require "
                                           "gradients$"):
        ag.tensor([1, 2], device=device).requires_grad_()
    with pytest.raises(RuntimeError, match="^Only Tensors of floating point and complex dtype can "
                                           "require gradients$"):
        ag.tensor([1, 2], device=device, requires_grad=True)


def test_detach_shares_memory_and_version(device, rng):
    x = leaf(rng, (3,), device)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    d[0] = 10.0
    assert y[0].item() == 10.0  # the same memory
    assert y._version[0] == d._version[0] == 1  # and the same version counter
    e = x.exp()
    e.detach().add_(1)  # modifies what exp saved for backward
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        e.sum().backward()


def test_detach_in_place(device, rng):
    x = leaf(rng, (3,), device)
    y = x * 2
    assert y.detach_() is y
    assert y.grad_fn is None and not y.requires_grad and y.is_leaf
    np.testing.assert_allclose(host(y), 2 * host(x), rtol=1e-6)


# -- grad modes ----------------------------------------------------------------------------------

def test_grad_mode_context_managers(device, rng):
    x = leaf(rng, (2,), device)
    assert ag.is_grad_enabled()
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        assert not (x * 2).requires_grad
        with ag.enable_grad():
            assert ag.is_grad_enabled()
            assert (x * 2).requires_grad
        with ag.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not ag.is_grad_enabled()
    with ag.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert ag.is_grad_enabled()
    # the state is restored when the block raises
    with pytest.raises(ValueError):
        with ag.no_grad():
            raise ValueError
    assert ag.is_grad_enabled()
    # set_grad_enabled called as a function switches at once
    ag.set_grad_enabled(False)
    try:
        assert not ag.is_grad_enabled()
    finally:
        ag.set_grad_enabled(True)
    assert ag.is_grad_enabled()


def test_grad_mode_decorators(device, rng):
    x = leaf(rng, (2,), device)

    @ag.no_grad()
    def f(t):
        return t * 2

    @ag.no_grad
    def f_bare(t):
        return t * 2

    @ag.enable_grad()
    def g(t):
        return t * 2

    @ag.enable_grad
    def g_bare(t):
        return t * 2

    @ag.set_grad_enabled(False)
    def h(t):
        return t * 2

    assert ag.is_grad_enabled()  # decorating switched nothing
    assert not f(x).requires_grad and not f_bare(x).requires_grad and not h(x).requires_grad
    assert f.__name__ == "f" and f_bare.__name__ == "f_bare"
    with ag.no_grad():
        assert g(x).requires_grad and g_bare(x).requires_grad
        assert not (x * 2).requires_grad
    assert ag.is_grad_enabled()


def test_inference_mode(device, rng):
    x = leaf(rng, (2,), device)

    @ag.inference_mode()
    def f():
        return (x * 2).requires_grad

    assert f() is False and ag.is_grad_enabled()
    with ag.inference_mode():
        assert not ag.is_grad_enabled()
    with ag.no_grad():
        with ag.inference_mode(False):  # as torch: grad mode on inside
            assert ag.is_grad_enabled()
        assert not ag.is_grad_enabled()


def test_grad_mode_is_thread_local(device, rng):
    x = leaf(rng, (2,), device)
    inside, release = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with ag.no_grad():
            inside.set()
            release.wait(10)
            seen["worker"] = (ag.is_grad_enabled(), (x * 2).requires_grad)

    t = threading.Thread(target=worker)
    t.start()
    assert inside.wait(10)
    seen["main"] = (ag.is_grad_enabled(), (x * 2).requires_grad)
    release.set()
    t.join(10)
    assert seen == {"main": (True, True), "worker": (False, False)}
    # a new thread starts with grad enabled even while this one is under no_grad
    with ag.no_grad():
        fresh = []
        th = threading.Thread(target=lambda: fresh.append(ag.is_grad_enabled()))
        th.start()
        th.join(10)
    assert fresh == [True]


# -- custom Functions ----------------------------------------------------------------------------

class ScaledMul(ag.autograd.Function):
    """x * y * k, saving both inputs; k is a Python number."""

    calls = []

    @staticmethod
    def forward(ctx, x, y, k):
        ctx.save_for_backward(x, y)
        ctx.k = k
        return x * y * k

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        ScaledMul.calls.append(ctx.needs_input_grad)
        gx = g * y * ctx.k if ctx.needs_input_grad[0] else None
        gy = g * x * ctx.k if ctx.needs_input_grad[1] else None
        return gx, gy, None


class MyFn(ag.autograd.Function):
    """exp, saving its output."""

    @staticmethod
    def forward(ctx, x):
        out = x.exp()
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


def test_custom_function_saves_inputs(device, rng):
    torch = torch_or_skip()
    x = leaf(rng, (3,), device)
    y = ag.tensor(random_array(rng, (3,)), device=device)
    ScaledMul.calls.clear()
    z = ScaledMul.apply(x, y, 2.5)
    assert re.search(r"grad_fn=<ScaledMulBackward>\)$", repr(z))
    assert z.grad_fn.name() == "ScaledMulBackward"
    assert z.grad_fn.next_functions[0][0].variable is x
    assert z.grad_fn.next_functions[1] == (None, 0)
    z.sum().backward()
    assert ScaledMul.calls == [(True, False, False)]
    tx = twin(torch, x)
    (tx * torch.tensor(host(y)) * 2.5).sum().backward()
    np.testing.assert_allclose(host(x.grad), tx.grad.numpy(), rtol=1e-6)
    # saved tensors are freed after backward
    with pytest.raises(RuntimeError, match=re.escape(FREED)):
        z.grad_fn.saved_tensors


def test_custom_function_saves_output(device, rng):
    x = leaf(rng, (3,), device)
    z = MyFn.apply(x)
    assert repr(z).endswith("grad_fn=<MyFnBackward>)")
    (z * 2).sum().backward()
    np.testing.assert_allclose(host(x.grad), 2 * np.exp(host(x)), rtol=1e-6)
    # the saved output is checked for in-place changes like any saved tensor
    z = MyFn.apply(x)
    z.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_custom_function_without_grad_records_nothing(device, rng):
    x = ag.tensor(random_array(rng, (3,)), device=device)
    z = MyFn.apply(x)
    assert z.grad_fn is None and not z.requires_grad
    with ag.no_grad():
        z = MyFn.apply(leaf(rng, (3,), device))
    assert z.grad_fn is None and not z.requires_grad


def test_custom_function_wrong_number_of_gradients(device, rng):
    class Bad(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    x = leaf(rng, (2,), device)
    with pytest.raises(RuntimeError, match=re.escape(
            "function BadBackward returned an incorrect number of gradients (expected 2, got 1)")):
        Bad.apply(x, x).sum().backward()


class WrongSquare(ag.autograd.Function):
    """x**2 with a deliberately wrong backward (g * x instead of 2 * g * x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x


class RightSquare(WrongSquare):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * g * x


def test_gradcheck_catches_a_wrong_backward(device, rng):
    x = ag.tensor(random_array(rng, (3,), "float64", positive=True), device=device,
                  requires_grad=True)
    assert ag.autograd.gradcheck(RightSquare.apply, (x,))
    assert ag.autograd.gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False
    with pytest.raises(ag.autograd.GradcheckError, match="Jacobian mismatch for output 0 with "
                                                         "respect to input 0"):
        ag.autograd.gradcheck(WrongSquare.apply, (x,))
    assert issubclass(ag.autograd.GradcheckError, RuntimeError)


class DetachedBackwardSquare(WrongSquare):
    """x**2 whose backward is right but not differentiable (it detaches x)."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * g * x.detach()


def test_gradgradcheck_catches_a_wrong_double_backward(device, rng):
    x = ag.tensor(random_array(rng, (3,), "float64", positive=True), device=device,
                  requires_grad=True)
    assert ag.autograd.gradcheck(DetachedBackwardSquare.apply, (x,))
    assert ag.autograd.gradgradcheck(RightSquare.apply, (x,))
    assert ag.autograd.gradgradcheck(DetachedBackwardSquare.apply, (x,),
                                     raise_exception=False) is False
    with pytest.raises(ag.autograd.GradcheckError, match="Jacobian mismatch"):
        ag.autograd.gradgradcheck(DetachedBackwardSquare.apply, (x,))
