"""The graph lets go of memory: saved tensors are released by backward (unless retain_graph), graph
nodes die with the outputs that reference them (by reference counting alone: no cycles), and a
training-style loop of many forward/backward passes does not grow memory."""
import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import autograd_gpu as ag
from helpers import random_array


def leaf(rng, shape, device):
    return ag.tensor(random_array(rng, shape), device=device, requires_grad=True)


def test_backward_releases_saved_tensors(device, rng, no_gc):
    x = leaf(rng, (64,), device)
    y = x * 2            # an intermediate that z = y * y saves (twice)
    z = y * y
    e = z.exp()          # exp saves its output array
    y_ref = weakref.ref(y)
    e_array_ref = weakref.ref(e._data)
    loss = e.sum()
    del y, e
    assert y_ref() is not None and e_array_ref() is not None  # held by the graph for backward
    loss.backward()
    assert y_ref() is None, "the tensor saved by MulBackward0 outlived backward"
    assert e_array_ref() is None, "the output saved by ExpBackward0 outlived backward"
    assert x.grad is not None
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_retain_graph_keeps_saved_tensors_until_graph_dies(device, rng, no_gc):
    x = leaf(rng, (16,), device)
    y = x.tanh()
    y_array_ref = weakref.ref(y._data)
    node_ref = weakref.ref(y.grad_fn)
    loss = (y * 3).sum()
    del y
    loss.backward(retain_graph=True)
    assert y_array_ref() is not None
    loss.backward()
    assert y_array_ref() is None
    assert node_ref() is not None  # the node itself lives while loss references it
    del loss
    assert node_ref() is None


def test_graph_nodes_freed_with_their_output(device, rng, no_gc):
    x = leaf(rng, (8,), device)
    y = (x * 2).sigmoid()
    out = (y * y).mean()
    refs = [weakref.ref(out.grad_fn), weakref.ref(y.grad_fn),
            weakref.ref(y.grad_fn.next_functions[0][0]),
            weakref.ref(y.grad_fn.next_functions[0][0].next_functions[0][0])]  # AccumulateGrad
    del y
    assert all(r() is not None for r in refs)
    del out  # no backward at all: dropping the output frees the whole graph
    assert [r() for r in refs] == [None] * 4
    assert x.grad is None and x.is_leaf


def test_graph_freed_after_backward_and_drop(device, rng, no_gc):
    x = leaf(rng, (8,), device)
    out = (x.exp() * x).sum()
    ref = weakref.ref(out.grad_fn)
    out.backward()
    del out
    assert ref() is None


def test_retained_and_hooked_graphs_have_no_cycles(device, rng, no_gc):
    x = leaf(rng, (8,), device)
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 1)
    out = (y * y).sum()
    out.backward()
    y_ref, node_ref = weakref.ref(y), weakref.ref(out.grad_fn)
    del y, out
    assert y_ref() is None and node_ref() is None


def test_custom_function_saving_its_output_has_no_cycle(device, rng, no_gc):
    class Exp(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            out = x.exp()
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, g):
            (out,) = ctx.saved_tensors
            return g * out

    x = leaf(rng, (8,), device)
    z = Exp.apply(x)
    node_ref = weakref.ref(z.grad_fn)
    del z
    assert node_ref() is None
    z = Exp.apply(x)
    z.sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), np.exp(x.detach().cpu().numpy()), rtol=1e-6)


def test_create_graph_grad_released_with_graph(device, rng, no_gc):
    x = leaf(rng, (8,), device)
    (g,) = ag.autograd.grad((x ** 3).sum(), x, create_graph=True)
    ref = weakref.ref(g.grad_fn)
    (g2,) = ag.autograd.grad(g.sum(), x)
    del g
    assert ref() is None
    np.testing.assert_allclose(g2.cpu().numpy(), 6 * x.detach().cpu().numpy(), rtol=1e-5)


def test_many_iterations_do_not_grow_memory(device, rng):
    """10,000 forward/backward passes of the seeds' accumulation loop (``(w * 3).sum().backward()``
    then ``w.grad.zero_()``): traced host memory after them is within a small constant of what it
    was after the first thousand, and so is the GPU's allocated memory on cuda."""
    w = leaf(rng, (16,), device)
    on_cuda = device.startswith("cuda")

    def step():
        (w * 3).sum().backward()
        w.grad.zero_()

    for _ in range(50):  # warm caches (AccumulateGrad weakrefs, kernels, the allocator)
        step()
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(1000):
            step()
        gc.collect()
        after_1k = tracemalloc.get_traced_memory()[0]
        gpu_1k = ag.cuda.memory_allocated() if on_cuda else 0
        for _ in range(9000):
            step()
        gc.collect()
        after_10k, peak = tracemalloc.get_traced_memory()
        gpu_10k = ag.cuda.memory_allocated() if on_cuda else 0
    finally:
        tracemalloc.stop()
    growth = after_10k - after_1k
    # a leak of even 8 bytes per iteration would show as 72 kB here
    assert growth < 16 * 1024, f"memory grew by {growth} bytes over 9,000 iterations"
    assert peak - after_1k < 256 * 1024
    assert gpu_10k - gpu_1k <= 64 * 1024, f"GPU memory grew by {gpu_10k - gpu_1k} bytes"
    np.testing.assert_array_equal(w.grad.cpu().numpy(), np.zeros(16))
