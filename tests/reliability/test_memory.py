"""Memory over long runs and after use: training loops of 2,000 steps hold flat memory (host memory
traced by tracemalloc, which sees numpy's buffers; ``cuda.memory_allocated`` on the GPU); the
``running_loss += loss`` leak behaves as torch's; graphs built with ``create_graph=True``, hooks and
anomaly mode are freed once the user lets go; GPU out-of-memory is reported as torch reports it and
the process computes on. tests/autograd/test_memory.py covers the single-graph cases."""
import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from autograd_gpu.autograd.function import Op
from autograd_gpu.autograd.out_of_memory import format_size
from helpers import torch_or_skip

WARMUP, TRACED = 1700, 300  # 2,000 steps; tracemalloc (slow) follows the last 300


def mlp():
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4)), (16, 8)


def small_cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(4 * 4 * 4, 4)), (8, 1, 8, 8)


def training_step(make, device, rng):
    ag.manual_seed(0)
    model, shape = make()
    model.to(device)
    opt = ag.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = ag.tensor(rng.standard_normal(shape).astype("float32"), device=device)
    y = ag.tensor(rng.integers(0, 4, shape[0]), device=device)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


@pytest.mark.parametrize("make", [mlp, small_cnn], ids=["mlp", "cnn"])
def test_training_loop_holds_flat_memory(make, device, rng):
    """After 1,700 steps, the host memory allocated during the last 300 and still held at their
    end is a small constant, the same after 100 of them as after 300 (a leaked object a step, 48
    bytes or more, would show as 9.6 kB), and the GPU's allocated bytes stay where they were."""
    step = training_step(make, device, rng)
    first_loss = step().item()
    for _ in range(WARMUP - 1):
        step()
    gc.collect()
    gpu_before = ag.cuda.memory_allocated() if device.startswith("cuda") else 0
    tracemalloc.start()
    try:
        for i in range(TRACED):
            loss = step()
            if i == 99:
                gc.collect()
                after_100 = tracemalloc.get_traced_memory()[0]
        del loss
        gc.collect()
        after_300 = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    gpu_after = ag.cuda.memory_allocated() if device.startswith("cuda") else 0
    growth = after_300 - after_100
    assert growth < 4 * 1024, f"host memory grew by {growth} bytes over 200 steps"
    # what the last step left alive (its gradients, loss and the optimiser's bookkeeping); on
    # cuda each gradient is a CuPy array with its memory pool's pointer objects (35 kB seen for
    # the cnn on an H100), so the constant is larger there
    held_limit = (64 if device.startswith("cuda") else 32) * 1024
    assert after_300 < held_limit, f"{after_300} bytes allocated during the run are still held"
    assert gpu_after - gpu_before <= 0, f"GPU memory grew by {gpu_after - gpu_before} bytes"
    assert step().item() < first_loss  # it did train


# -- running_loss += loss --------------------------------------------------------------------------

def accumulate_losses(lib, steps, as_number):
    """The classic loop: ``running += loss`` (keeps every step's graph) or ``loss.item()``."""
    rng = np.random.default_rng(0)
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(8, 16), lib.nn.ReLU(), lib.nn.Linear(16, 4))
    x = lib.tensor(rng.standard_normal((16, 8)).astype("float32"))
    y = lib.tensor(rng.integers(0, 4, 16))
    running, nodes = 0, []
    for _ in range(steps):
        model.zero_grad()
        loss = lib.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        with lib.no_grad():  # plain SGD, written out (torch.optim takes long to import)
            for p in model.parameters():
                p -= 0.01 * p.grad
        nodes.append(weakref.ref(loss.grad_fn) if lib is ag else None)  # torch's: not weakly
        running += loss.item() if as_number else loss
    return running, nodes


def add_chain(t):
    """The names along ``running``'s AddBackward0 chain, as (node, [its next functions])."""
    chain, node = [], t.grad_fn
    while node is not None:
        nexts = [None if n is None else n.name() for n, _ in node.next_functions]
        chain.append((node.name(), nexts))
        node = node.next_functions[0][0] if node.name() == "AddBackward0" else None
    return chain


def test_running_loss_keeps_every_graph_alive_as_in_torch():
    torch = torch_or_skip()
    ours, our_nodes = accumulate_losses(ag, 4, as_number=False)
    theirs, _ = accumulate_losses(torch, 4, as_number=False)
    assert isinstance(ours, ag.Tensor) and ours.requires_grad
    assert add_chain(ours) == add_chain(theirs)
    assert [r() is not None for r in our_nodes] == [True] * 4
    np.testing.assert_allclose(ours.item(), accumulate_losses(ag, 4, as_number=True)[0],
                               rtol=1e-6)
    with pytest.raises(RuntimeError) as our_error:
        ours.backward()  # the graphs are alive, but backward has freed what they saved
    with pytest.raises(RuntimeError) as their_error:
        theirs.backward()
    assert str(our_error.value) == str(their_error.value)
    del ours, our_error  # (the error's traceback holds the engine's frame)
    gc.collect()
    assert [r() for r in our_nodes] == [None] * 4


def test_running_loss_item_frees_each_graph():
    running, nodes = accumulate_losses(ag, 50, as_number=True)
    assert type(running) is float
    assert [r() for r in nodes] == [None] * 50


def test_running_loss_memory_grows_only_with_the_tensor_sum():
    """Traced memory after 100 steps: the tensor sum holds every step's nodes (hundreds of bytes
    a step), the float sum nothing but the model."""
    held = {}
    for as_number in (False, True):
        tracemalloc.start()
        try:
            running, _ = accumulate_losses(ag, 100, as_number)
            gc.collect()
            held[as_number] = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        del running
    assert held[False] > held[True] + 100 * 1000, held
    assert held[True] < 16 * 1024, held


# -- graphs freed after use ------------------------------------------------------------------------

def test_gradient_penalty_graph_is_freed(device, rng, no_gc):
    """autograd.grad(create_graph=True) then a backward through the gradients (WGAN-GP style)."""
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)).to(device)
    x = ag.tensor(rng.standard_normal((5, 4)).astype("float32"), device=device, requires_grad=True)
    out = model(x)
    loss = out.pow(2).mean()
    grads = ag.autograd.grad(loss, [x, *model.parameters()], create_graph=True)
    penalty = sum((g.pow(2).sum() for g in grads), ag.zeros((), device=device))
    (loss + penalty).backward()
    refs = [weakref.ref(t) for t in (out, loss, penalty, *grads)]
    refs += [weakref.ref(t.grad_fn) for t in (out, loss, penalty, *grads)]
    refs.append(weakref.ref(out._data))
    assert all(p.grad is not None and p.grad.grad_fn is None for p in model.parameters())
    del out, loss, grads, penalty
    assert [r() for r in refs] == [None] * len(refs)


def test_backward_with_create_graph_is_freed_once_grads_are_reset(device, rng, no_gc):
    """``loss.backward(create_graph=True)`` makes each ``.grad`` part of a graph that reaches the
    parameter again (torch documents the cycle): resetting ``.grad`` frees it all."""
    w = ag.tensor(rng.standard_normal(6).astype("float32"), device=device, requires_grad=True)
    loss = (w.exp() * w).sum()
    loss.backward(create_graph=True)
    grad_node, loss_node = weakref.ref(w.grad.grad_fn), weakref.ref(loss.grad_fn)
    second = ag.autograd.grad(w.grad.sum(), w)[0]  # the gradient's own graph works
    np.testing.assert_allclose(second.cpu().numpy(), (np.exp(w.detach().cpu().numpy()) *
                                                      (2 + w.detach().cpu().numpy())), rtol=1e-5)
    del loss
    w.grad = None
    assert grad_node() is None and loss_node() is None


def test_backward_with_create_graph_cycle_is_collected(device, rng):
    w = ag.tensor(rng.standard_normal(6).astype("float32"), device=device, requires_grad=True)
    (w.exp() * w).sum().backward(create_graph=True)
    refs = [weakref.ref(w), weakref.ref(w.grad), weakref.ref(w.grad.grad_fn)]
    del w
    gc.collect()
    assert [r() for r in refs] == [None] * 3


class Hook:
    """A hook object that can be watched through a weak reference."""

    def __init__(self, result=None):
        self.calls = 0
        self.result = result

    def __call__(self, *args):
        self.calls += 1
        return self.result


def test_hooked_graph_is_freed(device, rng, no_gc):
    x = ag.tensor(rng.standard_normal(8).astype("float32"), device=device, requires_grad=True)
    y = x.tanh()
    z = y * y
    tensor_hook, node_hook, pre_hook, leaf_hook = Hook(), Hook(), Hook(), Hook()
    y.register_hook(tensor_hook)
    y.retain_grad()
    z.grad_fn.register_hook(node_hook)
    z.grad_fn.register_prehook(pre_hook)
    handle = x.register_hook(leaf_hook)
    z.sum().backward()
    assert (tensor_hook.calls, node_hook.calls, pre_hook.calls, leaf_hook.calls) == (1, 1, 1, 1)
    refs = {name: weakref.ref(o) for name, o in [
        ("y", y), ("z", z), ("y.grad_fn", y.grad_fn), ("z.grad_fn", z.grad_fn),
        ("tensor hook", tensor_hook), ("node hook", node_hook), ("pre-hook", pre_hook)]}
    leaf_ref = weakref.ref(leaf_hook)
    del y, z, tensor_hook, node_hook, pre_hook, leaf_hook
    assert [name for name, r in refs.items() if r() is not None] == []
    assert leaf_ref() is not None  # a leaf's hook lives with the leaf, until removed
    handle.remove()
    assert leaf_ref() is None


class ScaleBy:
    """A hook that multiplies the gradient by a tensor it holds."""

    def __init__(self, t):
        self.t = t

    def __call__(self, g):
        return g * self.t


def test_hook_that_captures_its_tensor_is_collected(device, rng):
    """A hook that holds its own tensor is a cycle (y -> node -> hook -> y), as in torch:
    the cycle collector frees it."""
    x = ag.tensor(rng.standard_normal(8).astype("float32"), device=device, requires_grad=True)
    y = x.exp()
    y.register_hook(ScaleBy(y))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), np.exp(2 * x.detach().cpu().numpy()),
                               rtol=1e-5)
    refs = [weakref.ref(y), weakref.ref(y.grad_fn), weakref.ref(y._data)]
    del y
    gc.collect()
    assert [r() for r in refs] == [None] * 3


def test_anomaly_mode_graphs_are_freed(device, rng, no_gc):
    """Anomaly mode adds a traceback per node and a link from the nodes a backward creates to the
    node that created them: neither keeps a graph alive past its outputs."""
    x = ag.tensor(rng.uniform(0.5, 2, 6).astype("float32"), device=device, requires_grad=True)
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        mode = ag.autograd.detect_anomaly()
    with mode:
        y = x.log() * x
        (g,) = ag.autograd.grad(y.sum(), x, create_graph=True)
        g.sum().backward()
    refs = [weakref.ref(o) for o in (y, g, y.grad_fn, g.grad_fn)]
    parents = [n._anomaly_parent for n in graph_nodes(g.grad_fn)]
    assert {p.name() for p in parents if p is not None} == {"MulBackward0", "LogBackward0"}
    del y, g, parents
    assert [r() for r in refs] == [None] * 4


def graph_nodes(root):
    seen, stack = [], [root]
    while stack:
        node = stack.pop()
        if node is not None and all(node is not s for s in seen):
            seen.append(node)
            stack.extend(n for n, _ in node.next_functions)
    return seen


# -- GPU out of memory -----------------------------------------------------------------------------

class FakeCupyOutOfMemory(MemoryError):
    """What CuPy's cupy.cuda.memory.OutOfMemoryError (a MemoryError) says (its source's text)."""

    def __init__(self, size, total):
        super().__init__(f"Out of memory allocating {size:,} bytes (allocated so far: "
                         f"{total:,} bytes).")


class Exhausting(Op):
    """An op whose allocation fails as CuPy's does."""

    node_name = "ExhaustingBackward0"

    def forward(ctx, x):
        raise FakeCupyOutOfMemory(8 * 2**30, 5 * 2**30)


GIB = 2**30
EXPECTED = ("CUDA out of memory. Tried to allocate 8.00 GiB. GPU 0 has a total capacity of 79.11 "
            "GiB of which 1.50 GiB is free. Of the allocated memory 60.00 GiB is allocated by "
            "autograd_gpu, and 2.00 GiB is reserved by autograd_gpu but unallocated. Try a smaller "
            "batch size, or free GPU memory: delete the tensors you no longer need and call "
            "autograd_gpu.cuda.empty_cache().")


@pytest.fixture
def gpu_statistics(monkeypatch):
    """The cuda module's answers, as a nearly full 80 GB GPU would give them."""
    monkeypatch.setattr(ag.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(ag.cuda, "mem_get_info", lambda index=None: (int(1.5 * GIB),
                                                                     int(79.11 * GIB)))
    monkeypatch.setattr(ag.cuda, "memory_allocated", lambda index=None: 60 * GIB)
    monkeypatch.setattr(ag.cuda, "memory_reserved", lambda index=None: 62 * GIB)


def test_out_of_memory_in_an_op_says_what_torch_says(gpu_statistics):
    x = ag.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError) as err:
        Exhausting.apply(x)
    assert isinstance(err.value, ag.autograd.OutOfMemoryError)
    assert str(err.value) == EXPECTED
    assert isinstance(err.value.__cause__, FakeCupyOutOfMemory)
    (x * 2).sum().backward()  # the process computes on
    np.testing.assert_array_equal(x.grad.numpy(), [2, 2, 2])


def test_out_of_memory_in_a_backward_is_translated(gpu_statistics):
    class ExhaustingBackward(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            raise FakeCupyOutOfMemory(8 * 2**30, 0)

    x = ag.ones(3, requires_grad=True)
    with pytest.raises(ag.autograd.OutOfMemoryError, match="^CUDA out of memory. Tried to "
                                                           "allocate 8.00 GiB. GPU 0 "):
        ExhaustingBackward.apply(x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3, 3, 3])


def test_out_of_memory_in_a_custom_function_forward_is_translated(gpu_statistics):
    class ExhaustingForward(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            raise FakeCupyOutOfMemory(3 * 2**20, 0)

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(ag.autograd.OutOfMemoryError, match="Tried to allocate 3.00 MiB"):
        ExhaustingForward.apply(ag.ones(2, requires_grad=True))


def test_out_of_memory_without_gpu_statistics_still_says_size_and_remedy():
    """Here, with no GPU, the statistics cannot be read: the message keeps what it knows."""
    if ag.cuda.is_available():
        pytest.skip("the GPU answers its statistics here; the fixture-driven tests cover the text")
    with pytest.raises(ag.autograd.OutOfMemoryError) as err:
        Exhausting.apply(ag.ones(1))
    assert str(err.value) == ("CUDA out of memory. Tried to allocate 8.00 GiB. Try a smaller batch "
                              "size, or free GPU memory: delete the tensors you no longer need and "
                              "call autograd_gpu.cuda.empty_cache().")


def test_host_memory_errors_pass_through_unchanged():
    class HostExhausting(Op):
        node_name = "HostExhaustingBackward0"

        def forward(ctx, x):
            raise MemoryError("Unable to allocate 8.00 GiB for an array with shape (2147483648,) "
                              "and data type float32")

    with pytest.raises(MemoryError, match="^Unable to allocate 8.00 GiB") as err:
        HostExhausting.apply(ag.ones(1))
    assert not isinstance(err.value, RuntimeError)


@pytest.mark.parametrize("size, text", [
    (0, "0 bytes"), (1024, "1024 bytes"), (1536, "1.50 KiB"), (2**20, "1024.00 KiB"),
    (20 * 2**20, "20.00 MiB"), (2**30, "1024.00 MiB"), (2**45, "32768.00 GiB"),
])
def test_sizes_are_printed_as_torch_prints_them(size, text):
    assert format_size(size) == text


def needs_cuda(device):
    if not device.startswith("cuda"):
        pytest.skip("allocates past the GPU's memory: runs on the cuda device only")


def test_absurd_gpu_allocation_in_an_op_raises_and_the_process_goes_on(device):
    needs_cuda(device)
    x = ag.ones(1, device=device)
    before = ag.cuda.memory_allocated()
    with pytest.raises(RuntimeError) as err:
        x.expand(2**45).contiguous()  # 128 TiB
    assert isinstance(err.value, ag.autograd.OutOfMemoryError)
    _, total = ag.cuda.mem_get_info()
    message = str(err.value)
    assert message.startswith("CUDA out of memory. Tried to allocate 131072.00 GiB. GPU 0 has a "
                              f"total capacity of {format_size(total)} of which ")
    assert "Try a smaller batch size" in message
    assert ag.cuda.memory_allocated() == before
    y = ag.ones(1000, device=device, requires_grad=True)
    (y * 2).sum().backward()
    assert y.grad.sum().item() == 2000


def test_absurd_gpu_tensor_creation_raises_torchs_error(device):
    needs_cuda(device)
    with pytest.raises(ag.autograd.OutOfMemoryError, match="^CUDA out of memory. Tried to "
                                                           "allocate 131072.00 GiB. GPU 0 "):
        ag.empty(2**45, device=device)
    assert ag.ones(3, device=device).sum().item() == 3
