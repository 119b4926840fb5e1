"""F.interpolate (nearest 1-D/2-D with integer and non-integer scales, linear, bilinear with
align_corners True/False, size or scale_factor, recompute_scale_factor) and nn.Upsample /
UpsamplingNearest2d / UpsamplingBilinear2d against torch: values, gradients, gradchecks, graphs,
reprs and errors."""
import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from autograd_gpu.nn import functional as AF
from helpers import check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()


def F(lib):
    return torch.nn.functional if lib is torch else AF


CASES = [
    ((2, 3, 5, 7), {"scale_factor": 2}),
    ((2, 3, 5, 7), {"scale_factor": 1.7}),
    ((2, 3, 5, 7), {"scale_factor": (0.6, 2.3)}),
    ((2, 3, 13, 17), {"size": (7, 29)}),
    ((2, 3, 33, 35), {"size": 41}),
    ((2, 3, 13), {"size": 31}),
    ((2, 3, 13), {"scale_factor": 0.45}),
    ((2, 3, 13, 17), {"size": (7, 29), "mode": "bilinear"}),
    ((2, 3, 13, 17), {"size": (7, 29), "mode": "bilinear", "align_corners": True}),
    ((2, 3, 13, 17), {"scale_factor": 1.3, "mode": "bilinear"}),
    ((2, 3, 13, 17), {"scale_factor": (2, 0.5), "mode": "bilinear", "align_corners": True}),
    ((2, 3, 13, 17), {"scale_factor": 0.3, "mode": "bilinear", "recompute_scale_factor": True}),
    ((2, 3, 13, 1), {"size": (3, 1), "mode": "bilinear", "align_corners": True}),
    ((1, 2, 4, 4), {"size": (1, 1), "mode": "bilinear", "align_corners": True}),
    ((2, 3, 13), {"scale_factor": 2.5, "mode": "linear"}),
    ((2, 3, 13), {"size": 4, "mode": "linear", "align_corners": True}),
]


@pytest.mark.parametrize("shape,kwargs", CASES, ids=[str(i) for i in range(len(CASES))])
def test_parity_and_grad_fn(shape, kwargs, device, rng):
    x = random_array(rng, shape)
    ours = check_parity(lambda t, a: F(t).interpolate(a, **kwargs), x, device=device, rng=rng)[0]
    theirs = F(torch).interpolate(torch.tensor(x, requires_grad=True), **kwargs)
    assert ours.grad_fn.name() == theirs.grad_fn.name()


@pytest.mark.parametrize("shape,kwargs", [CASES[1], CASES[6], CASES[7], CASES[8], CASES[14]],
                         ids=["nearest2d", "nearest1d", "bilinear", "bilinear_ac", "linear"])
def test_gradcheck(shape, kwargs, device, rng):
    small = shape[:1] + (1,) + shape[2:]
    check_grad(lambda t, a: F(t).interpolate(a, **kwargs), random_array(rng, small, "float64"),
               device=device)


def test_float64_and_nonfinite_values(device, rng):
    x = random_array(rng, (1, 2, 6, 5), "float64")
    x[0, 0, 2, 3] = np.inf
    x[0, 1, 1, 1] = np.nan
    for kwargs in ({"scale_factor": 1.5}, {"size": (9, 4), "mode": "bilinear"}):
        check_parity(lambda t, a: F(t).interpolate(a, **kwargs), x, device=device, grad=False)


ERRORS = [
    ((2, 3, 5, 5), {"size": 4, "scale_factor": 2}),
    ((2, 3, 5, 5), {}),
    ((2, 3, 5, 5), {"size": (4, 4, 4)}),
    ((2, 3, 5, 5), {"scale_factor": (2, 2, 2)}),
    ((2, 3, 5, 5), {"size": (4.0, 4)}),
    ((2, 3, 5, 5), {"size": 4, "align_corners": True}),
    ((2, 3, 5, 5), {"size": 4, "recompute_scale_factor": True}),
    ((2, 3, 5, 5), {"size": 4, "mode": "linear"}),
    ((2, 3, 5), {"size": 4, "mode": "bilinear"}),
    ((2, 5), {"size": 4}),
    ((2, 3, 5, 5), {"scale_factor": 0.1}),
    ((2, 3, 5), {"size": 0}),
    ((2, 3, 5), {"size": 4, "antialias": True}),
]


@pytest.mark.parametrize("shape,kwargs", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_match_torch(shape, kwargs, device):
    x = np.zeros(shape, dtype="float32")
    with pytest.raises(Exception) as theirs:
        F(torch).interpolate(torch.tensor(x), **kwargs)
    with pytest.raises(type(theirs.value)) as ours:
        F(ag).interpolate(ag.tensor(x, device=device), **kwargs)
    assert str(ours.value) == str(theirs.value)


LAYERS = [("Upsample", {"scale_factor": 2}), ("Upsample", {"size": (3, 4), "mode": "bilinear",
                                                            "align_corners": True}),
          ("Upsample", {"scale_factor": (2, 1.5)}), ("UpsamplingNearest2d", {"scale_factor": 2}),
          ("UpsamplingBilinear2d", {"size": (7, 9)})]


@pytest.mark.parametrize("cls,kwargs", LAYERS, ids=[str(i) for i in range(len(LAYERS))])
def test_layers(cls, kwargs, device, rng):
    ours, theirs = getattr(nn, cls)(**kwargs), getattr(torch.nn, cls)(**kwargs)
    assert repr(ours) == repr(theirs)
    x = random_array(rng, (2, 3, 5, 6))
    check_parity(lambda t, a: (ours if t is ag else theirs)(a), x, device=device, rng=rng)
