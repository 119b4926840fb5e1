"""instance_norm and InstanceNorm1d/2d/3d against torch: values, input and parameter gradients,
running estimates (train and eval), unbatched inputs, gradcheck, reprs, keys, warnings, errors."""
import warnings

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import assert_torch_wording, check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()


@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 4, 5), (1, 2, 3, 2, 2)], ids=str)
def test_functional_parity(shape, device, rng):
    channels = shape[1]
    check_parity(lambda t, x, w, b: (torch.nn.functional if t is torch else nn.functional)
                 .instance_norm(x, weight=w, bias=b, eps=1e-3),
                 random_array(rng, shape) * 3.0 + 1.0, random_array(rng, (channels,)),
                 random_array(rng, (channels,)), device=device, rng=rng)


def test_gradcheck(device, rng):
    check_grad(lambda t, x, w: nn.functional.instance_norm(x, weight=w),
               random_array(rng, (2, 2, 4)), random_array(rng, (2,)), device=device)


CONFIGS = [
    ("InstanceNorm1d", (3,), {}, (2, 3, 6)),
    ("InstanceNorm1d", (3,), {"affine": True}, (3, 5)),
    ("InstanceNorm2d", (3,), {"affine": True, "track_running_stats": True}, (2, 3, 4, 5)),
    ("InstanceNorm2d", (3,), {"track_running_stats": True, "momentum": 0.3}, (3, 4, 5)),
    ("InstanceNorm2d", (3,), {"affine": True, "bias": False, "eps": 1e-3}, (2, 3, 4, 5)),
    ("InstanceNorm3d", (2,), {"affine": True, "track_running_stats": True}, (2, 2, 3, 2, 4)),
]


@pytest.mark.parametrize("name, args, kwargs, shape", CONFIGS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CONFIGS)])
def test_layers_match_torch(name, args, kwargs, shape, device, rng, layer_parity):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    if ours.affine:  # weights that are not the initial ones, so their gradients show mistakes
        with torch.no_grad():
            for p in theirs.parameters():
                p.uniform_(-1.0, 1.0)
    ours.to(device)
    for _ in range(2):  # the running estimates move twice (layer_parity compares the buffers)
        layer_parity(ours, theirs, random_array(rng, shape) * 2.0 + 0.5, device=device)
    ours.eval()
    theirs.eval()
    layer_parity(ours, theirs, random_array(rng, shape), device=device)


@pytest.mark.parametrize("call, error", [
    (lambda t: t.nn.InstanceNorm1d(3)(t.ones(2, 3, 4, 5)), ValueError),
    (lambda t: t.nn.InstanceNorm2d(3)(t.ones(3, 4)), ValueError),
    (lambda t: t.nn.InstanceNorm2d(3, affine=True)(t.ones(2, 4, 3, 3)), ValueError),
    (lambda t: t.nn.functional.instance_norm(t.ones(2, 3, 1)), ValueError),
    (lambda t: t.nn.functional.instance_norm(t.ones(2, 3)), ValueError),
])
def test_errors_match_torch(call, error):
    with pytest.raises(error) as theirs:
        call(torch)
    with pytest.raises(error) as ours:
        call(ag)
    assert_torch_wording(str(ours.value), str(theirs.value))


def test_channel_mismatch_warns_like_torch(rng):
    x = random_array(rng, (2, 4, 5))
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        ref = torch.nn.InstanceNorm1d(3)(torch.tensor(x))
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        out = nn.InstanceNorm1d(3)(ag.tensor(x))
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
    np.testing.assert_allclose(out.numpy(), ref.numpy(), atol=1e-5)
