"""Tensor's metadata, conversions and device handling against torch: shape/size, dtype, device,
ndim/numel, to()/cpu()/cuda(), numpy()/item()/tolist()/__array__, DLPack exchange with numpy and
torch, clone/contiguous, device objects, printing with suffixes, and a cuda round trip."""
import re

import numpy as np
import pytest

import autograd_gpu as ag
from helpers import random_array, torch_or_skip

CUDA = pytest.mark.skipif(not ag.cuda.is_available(),
                          reason="cuda is not available here: no GPU, driver or CuPy")


def host(t):
    return t.detach().cpu().numpy()


def on(device, text):
    if device == "cpu":
        return text
    m = re.search(r", (size|dtype|grad_fn|requires_grad)=", text)
    if m:
        return f"{text[:m.start()]}, device='cuda:0'{text[m.start():]}"
    return f"{text[:-1]}, device='cuda:0')"


def unwrap(text):
    """Suffixes (device=, dtype=, grad_fn=...) that torch wrapped onto new lines, put back on one."""
    return re.sub(r",\n\s+(?=(device|size|dtype|grad_fn|requires_grad)=)", ", ", text)


# -- metadata ------------------------------------------------------------------------------------

def test_shape_and_size(device, rng):
    t = ag.tensor(random_array(rng, (2, 3)), device=device)
    assert repr(t.shape) == "torch.Size([2, 3])" and str(t.size()) == "torch.Size([2, 3])"
    assert isinstance(t.shape, ag.Size) and isinstance(t.shape, tuple)
    assert t.shape == (2, 3) and t.size() == ag.Size([2, 3])
    assert t.size(0) == 2 and t.size(-1) == 3 and t.shape[1] == 3
    assert isinstance(t.shape[1:], ag.Size) and repr(t.shape[1:]) == "torch.Size([3])"
    assert t.shape.numel() == 6
    assert repr(ag.tensor(5.0).shape) == "torch.Size([])"
    with pytest.raises(IndexError, match=re.escape("Dimension out of range (expected to be in range "
                                                   "of [-2, 1], but got -3)")):
        t.size(-3)


def test_dtype_device_ndim_numel(device, rng):
    t = ag.tensor(random_array(rng, (2, 3, 4)), device=device)
    assert t.dtype is ag.float32 and repr(t.dtype) == "torch.float32"
    assert t.ndim == 3 and t.dim() == 3 and t.numel() == 24 and len(t) == 2
    assert t.device == ag.device("cuda:0" if device == "cuda" else device)
    assert t.is_cuda == (device != "cpu")
    assert t.is_floating_point() and not ag.tensor([1, 2]).is_floating_point()
    assert t.element_size() == 4 and ag.zeros(1, dtype=ag.float64).element_size() == 8
    s = ag.tensor(3.0, device=device)
    assert s.ndim == 0 and s.numel() == 1 and s.shape == ()
    with pytest.raises(TypeError, match="^len\\(\\) of a 0-d tensor$"):
        len(s)


@pytest.mark.parametrize("name", ["float32", "float64", "float16", "int64", "int32", "int16",
                                  "int8", "uint8", "bool"])
def test_dtype_objects_print_like_torch(name):
    torch = torch_or_skip()
    ours, theirs = getattr(ag, name), getattr(torch, name)
    assert repr(ours) == repr(theirs) == str(ours)
    assert ours.is_floating_point == theirs.is_floating_point
    assert ours.itemsize == theirs.itemsize


def test_dtype_aliases():
    assert ag.float is ag.float32 and ag.double is ag.float64 and ag.half is ag.float16
    assert ag.long is ag.int64 and ag.int is ag.int32 and ag.short is ag.int16


# -- conversions ---------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["float64", "float16", "int64", "int32", "bool"])
def test_to_dtype(target, device, rng):
    torch = torch_or_skip()
    a = random_array(rng, (5,), low=-3, high=3)
    ours = ag.tensor(a, device=device).to(getattr(ag, target))
    theirs = torch.tensor(a).to(getattr(torch, target))
    assert ours.dtype is getattr(ag, target)
    np.testing.assert_array_equal(host(ours), theirs.numpy())


def test_to_returns_self_when_nothing_changes(device, rng):
    t = ag.tensor(random_array(rng, (3,)), device=device)
    assert t.to(ag.float32) is t and t.to(t.device) is t and t.to(t) is t
    assert t.to(ag.float32, copy=True) is not t
    c = ag.tensor(random_array(rng, (3,)))
    assert c.to("cpu") is c and c.cpu() is c
    assert t.float() is t
    assert t.double().dtype is ag.float64 and t.long().dtype is ag.int64
    assert t.int().dtype is ag.int32 and t.half().dtype is ag.float16
    assert t.bool().dtype is ag.bool
    assert t.to(device=device, dtype=ag.float64).dtype is ag.float64
    assert t.to(ag.zeros(1, dtype=ag.int32, device=device)).dtype is ag.int32
    assert t.type_as(ag.zeros(1, dtype=ag.float64)).dtype is ag.float64
    prefix = "torch.cuda." if device != "cpu" else "torch."
    assert t.type() == f"{prefix}FloatTensor"


def test_to_is_differentiable(device, rng):
    x = ag.tensor(random_array(rng, (3,)), device=device, requires_grad=True)
    y = x.to(ag.float64)
    assert repr(y.grad_fn).startswith("<ToCopyBackward0 object at 0x")
    (y * 2).sum().backward()
    assert x.grad.dtype is ag.float32 and x.grad.tolist() == [2.0, 2.0, 2.0]
    assert not x.to(ag.int64).requires_grad


def test_numpy_item_tolist(device, rng):
    a = random_array(rng, (2, 3))
    t = ag.tensor(a, device=device)
    np.testing.assert_array_equal(t.cpu().numpy(), a)
    assert t.tolist() == a.tolist()
    assert ag.tensor(3, device=device).tolist() == 3
    assert ag.tensor([[2.5]], device=device).item() == 2.5
    assert type(ag.tensor([7], device=device).item()) is int
    assert type(ag.tensor([True], device=device).item()) is bool
    assert float(ag.tensor([2.5], device=device)) == 2.5 and int(ag.tensor([2.5])) == 2
    with pytest.raises(RuntimeError, match="^a Tensor with 6 elements cannot be converted to "
                                           "Scalar$"):
        t.item()
    with pytest.raises(ValueError, match="^only one element tensors can be converted to Python "
                                         "scalars$"):
        float(t)
    with pytest.raises(RuntimeError, match="^Boolean value of Tensor with more than one value is "
                                           "ambiguous$"):
        bool(t)


def test_numpy_shares_memory_and_refuses_grad(rng):
    t = ag.tensor(random_array(rng, (3,)))
    n = t.numpy()
    n[0] = 11.0
    assert t[0].item() == 11.0
    assert np.shares_memory(np.asarray(t), n)
    g = ag.tensor(random_array(rng, (3,)), requires_grad=True)
    msg = "^Can't call numpy\\(\\) on Tensor that requires grad. Use tensor.detach\\(\\).numpy\\(\\) instead.$"
    with pytest.raises(RuntimeError, match=msg):
        g.numpy()
    with pytest.raises(RuntimeError, match=msg):
        np.asarray(g)
    np.testing.assert_array_equal(g.detach().numpy(), host(g))
    assert g.tolist() == host(g).tolist()  # tolist works on tensors that require grad


def test_asarray_of_tensor(device, rng):
    a = random_array(rng, (2, 2))
    arr = np.asarray(ag.tensor(a, device=device)) if device == "cpu" else \
        np.asarray(ag.tensor(a, device=device).cpu())
    assert arr.dtype == np.float32
    np.testing.assert_array_equal(arr, a)
    assert np.asarray(ag.tensor(a), dtype=np.float64).dtype == np.float64


def test_dlpack_with_numpy_and_torch(rng):
    torch = torch_or_skip()
    t = ag.tensor(random_array(rng, (4,)))
    as_torch = torch.from_dlpack(t)
    as_torch[0] = 5.0
    assert t[0].item() == 5.0  # zero copy
    as_numpy = np.from_dlpack(t)
    as_numpy[1] = 6.0
    assert t[1].item() == 6.0
    src = torch.tensor(random_array(rng, (2, 3), "float64"))
    ours = ag.from_dlpack(src)
    assert ours.dtype is ag.float64 and ours.shape == (2, 3)
    ours.add_(1)
    np.testing.assert_array_equal(src.numpy(), host(ours))
    ours_from_np = ag.from_dlpack(np.arange(3.0))
    assert ours_from_np.tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(BufferError, match="^Can't export tensors that require gradient, use "
                                          "tensor.detach\\(\\)$"):
        torch.from_dlpack(ag.ones(2, requires_grad=True))
    assert ag.from_dlpack(t) is t


def test_clone_and_contiguous(device, rng):
    t = ag.tensor(random_array(rng, (2, 3)), device=device)
    c = t.clone()
    c[0, 0] = 100.0
    assert t[0, 0].item() != 100.0 and c._version[0] == 1 and t._version[0] == 0
    assert t.contiguous() is t and t.is_contiguous()
    tt = t.t()
    assert not tt.is_contiguous() and tt.stride() == (1, 3)
    cc = tt.contiguous()
    assert cc.is_contiguous() and cc.stride() == (2, 1)
    np.testing.assert_array_equal(host(cc), host(t).T)
    x = ag.tensor(random_array(rng, (3,)), device=device, requires_grad=True)
    y = x.clone()
    assert repr(y.grad_fn).startswith("<CloneBackward0 object at")
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0]


# -- device objects ------------------------------------------------------------------------------

def test_device_objects():
    torch = torch_or_skip()
    for spec in ["cpu", "cuda", "cuda:0", "cuda:1"]:
        assert repr(ag.device(spec)) == repr(torch.device(spec))
        assert str(ag.device(spec)) == str(torch.device(spec))
    assert repr(ag.device("cuda", 1)) == "device(type='cuda', index=1)"
    assert ag.device("cuda:0") == ag.device("cuda", 0) and ag.device("cpu") != ag.device("cuda")
    assert ag.device(ag.device("cuda:2")).index == 2
    assert ag.device("cpu").type == "cpu" and ag.device("cpu").index is None
    assert hash(ag.device("cuda:0")) == hash(ag.device("cuda", 0))


@pytest.mark.parametrize("spec, message", [
    ("cuda:x", "Invalid device string: 'cuda:x'"),
    ("cuda:-1", "Invalid device string: 'cuda:-1'"),
    ("tpu", "Expected one of cpu, cuda"),
])
def test_device_parsing_errors(spec, message):
    torch = torch_or_skip()
    with pytest.raises(RuntimeError, match=re.escape(message)):
        torch.device(spec)
    with pytest.raises(RuntimeError, match=re.escape(message)):
        ag.device(spec)


# -- printing ----------------------------------------------------------------------------------

PRINTED = {
    "requires_grad": lambda m, a, **kw: m.tensor(a, requires_grad=True, **kw),
    "grad_fn": lambda m, a, **kw: m.tensor(a, requires_grad=True, **kw) * 2,
    "float64": lambda m, a, **kw: m.tensor(a, dtype=m.float64, **kw),
    "float64_grad_fn": lambda m, a, **kw: m.tensor(a, dtype=m.float64, requires_grad=True,
                                                   **kw).exp(),
    "float16_requires_grad": lambda m, a, **kw: m.tensor(a, dtype=m.float16, requires_grad=True,
                                                         **kw),
    "int64": lambda m, a, **kw: m.tensor((a * 10).astype("int64"), **kw),
    "int32": lambda m, a, **kw: m.tensor((a * 10).astype("int32"), **kw),
    "bool": lambda m, a, **kw: m.tensor(a > 0, **kw),
    "sum": lambda m, a, **kw: m.tensor(a, requires_grad=True, **kw).sum(),
    "empty_float64": lambda m, a, **kw: m.zeros(0, 3, dtype=m.float64, **kw),
}


@pytest.mark.parametrize("name", PRINTED)
def test_printing_matches_torch(name, device, rng):
    torch = torch_or_skip()
    a = random_array(rng, (2, 3), low=-50, high=50)
    ours = PRINTED[name](ag, a, device=device)
    theirs = PRINTED[name](torch, a)
    if device == "cpu":
        assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    else:
        # the longer suffix list may wrap differently from the cpu printout: compare unwrapped
        assert unwrap(repr(ours)) == on(device, unwrap(repr(theirs)))
        assert "device='cuda:0'" in str(ours)


def test_printing_with_device_suffix(device):
    t = ag.tensor([1.0, 2.0], device=device, requires_grad=True)
    assert repr(t) == on(device, "tensor([1., 2.], requires_grad=True)")
    assert repr(t * 2) == on(device, "tensor([2., 4.], grad_fn=<MulBackward0>)")
    assert repr(t.detach().double()) == on(device, "tensor([1., 2.], dtype=torch.float64)")
    assert repr(ag.tensor([1, 2], device=device)) == on(device, "tensor([1, 2])")


# -- cuda ------------------------------------------------------------------------------------------

@CUDA
def test_cuda_round_trip(rng):
    a = random_array(rng, (3, 2))
    t = ag.tensor(a)
    g = t.to("cuda")
    assert g.is_cuda and g.device == ag.device("cuda:0") and str(g.device) == "cuda:0"
    assert repr(g).endswith("device='cuda:0')")
    back = g.to("cpu")
    assert not back.is_cuda and back.device == ag.device("cpu")
    np.testing.assert_array_equal(back.numpy(), a)
    assert g.cuda() is g and t.cuda().is_cuda and g.cpu().device.type == "cpu"
    assert ag.zeros(2, device="cuda:0").device == ag.device("cuda", 0)
    assert ag.zeros(2, device=0).is_cuda
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        g.numpy()


@CUDA
def test_cuda_to_is_differentiable(rng):
    x = ag.tensor(random_array(rng, (3,)), requires_grad=True)
    y = x.to("cuda")
    (y * y).sum().backward()
    assert x.grad.device == ag.device("cpu")
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy(), rtol=1e-6)


@CUDA
def test_cuda_dlpack_with_torch(rng):
    torch = torch_or_skip()
    if not torch.cuda.is_available():
        pytest.skip("torch has no cuda here")
    g = ag.tensor(random_array(rng, (4,)), device="cuda")
    tg = torch.from_dlpack(g)
    tg[0] = 3.0
    assert tg.is_cuda and g[0].item() == 3.0
    back = ag.from_dlpack(torch.ones(2, device="cuda"))
    assert back.is_cuda and back.tolist() == [1.0, 1.0]
