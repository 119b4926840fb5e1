"""max_pool1d, avg_pool1d, adaptive_avg_pool1d and their layers against torch: values, gradients,
indices, graphs (SqueezeBackward1 over the 2-D node, as torch's), reprs and errors."""
import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from autograd_gpu.nn import functional as AF
from helpers import check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()


def F(lib):
    return torch.nn.functional if lib is torch else AF


def graph(node):
    if node is None:
        return None
    return (node.name().split("::")[-1], tuple((graph(f), nr) for f, nr in node.next_functions))


CASES = [
    ("max_pool1d", (2, 3, 37), {"kernel_size": 3}),
    ("max_pool1d", (2, 3, 37), {"kernel_size": 4, "stride": 3, "padding": 2, "dilation": 2,
                                "ceil_mode": True}),
    ("max_pool1d", (3, 37), {"kernel_size": 3, "stride": 1, "padding": 1}),
    ("avg_pool1d", (2, 3, 37), {"kernel_size": 3}),
    ("avg_pool1d", (2, 3, 37), {"kernel_size": 4, "stride": 3, "padding": 2, "ceil_mode": True,
                                "count_include_pad": False}),
    ("avg_pool1d", (3, 10), {"kernel_size": (3,), "stride": (2,), "padding": (1,)}),
    ("adaptive_avg_pool1d", (2, 3, 37), {"output_size": 5}),
    ("adaptive_avg_pool1d", (2, 3, 7), {"output_size": 11}),
    ("adaptive_avg_pool1d", (3, 7), {"output_size": 1}),
]


@pytest.mark.parametrize("op,shape,kwargs", CASES, ids=[str(i) for i in range(len(CASES))])
def test_parity_and_graph(op, shape, kwargs, device, rng):
    x = random_array(rng, shape)
    check_parity(lambda t, a: getattr(F(t), op)(a, **kwargs), x, device=device, rng=rng)
    ours = getattr(F(ag), op)(ag.tensor(x, requires_grad=True), **kwargs)
    theirs = getattr(F(torch), op)(torch.tensor(x, requires_grad=True), **kwargs)
    assert graph(ours.grad_fn) == graph(theirs.grad_fn)


@pytest.mark.parametrize("op,shape,kwargs", [CASES[1], CASES[4], CASES[7]], ids=["max", "avg", "adaptive"])
def test_gradcheck(op, shape, kwargs, device, rng):
    x = rng.permutation(np.prod(shape)).reshape(shape) / 7.0  # distinct: max is differentiable
    check_grad(lambda t, a: getattr(F(t), op)(a, **kwargs), x, device=device)


def test_max_pool1d_indices(device, rng):
    x = random_array(rng, (2, 3, 23))
    check_parity(lambda t, a: F(t).max_pool1d(a, 4, 2, 1, return_indices=True), x, device=device,
                 rng=rng)


ERRORS = [
    ("max_pool1d", (2, 4, 5, 5), (2,), {}), ("max_pool1d", (5,), (2,), {}),
    ("max_pool1d", (2, 4, 5), (6,), {}), ("max_pool1d", (2, 4, 5), (0,), {}),
    ("max_pool1d", (2, 4, 5), (3,), {"padding": 2}), ("max_pool1d", (2, 4, 5), (2,), {"stride": 0}),
    ("max_pool1d", (2, 4, 5), ((2, 2),), {}), ("max_pool1d", (2, 4, 5), (2,), {"dilation": 0}),
    ("avg_pool1d", (2, 4, 5, 5), (2,), {}), ("avg_pool1d", (5,), (2,), {}),
    ("avg_pool1d", (2, 4, 5), (6,), {}), ("avg_pool1d", (2, 4, 5), (3,), {"padding": 2}),
    ("avg_pool1d", (2, 4, 5), ((2, 2),), {}),
    ("adaptive_avg_pool1d", (2, 4, 5, 5), (2,), {}), ("adaptive_avg_pool1d", (5,), (2,), {}),
    ("adaptive_avg_pool1d", (2, 4, 5), ((2, 2),), {}), ("adaptive_avg_pool1d", (2, 4, 5), (-1,), {}),
]


@pytest.mark.parametrize("op,shape,args,kwargs", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_match_torch(op, shape, args, kwargs, device):
    x = np.zeros(shape, dtype="float32")
    with pytest.raises(Exception) as theirs:
        getattr(F(torch), op)(torch.tensor(x), *args, **kwargs)
    with pytest.raises(type(theirs.value)) as ours:
        getattr(F(ag), op)(ag.tensor(x, device=device), *args, **kwargs)
    assert str(ours.value) == str(theirs.value)


LAYERS = [("MaxPool1d", (3,), {}), ("MaxPool1d", (3, 2, 1, 2, True, True), {}),
          ("AvgPool1d", (3,), {}), ("AvgPool1d", (3, 2, 1, True, False), {}),
          ("AdaptiveAvgPool1d", (3,), {})]


@pytest.mark.parametrize("cls,args,kwargs", LAYERS, ids=[str(i) for i in range(len(LAYERS))])
def test_layers(cls, args, kwargs, device, rng):
    ours, theirs = getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    x = random_array(rng, (2, 3, 17))
    check_parity(lambda t, a: (ours if t is ag else theirs)(a), x, device=device, rng=rng)
