"""F.pad's reflect / replicate / circular modes and the padding layers against torch: values,
gradients (positions a value was copied from collect its gradients), negative amounts, float64
gradchecks, integer inputs, reprs and torch's errors."""
import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import assert_torch_wording, check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()


def F(t):
    return nn.functional if t is ag else torch.nn.functional


CASES = [  # (input shape, pad)
    ((3, 5), (2, 1)),
    ((2, 3, 5), (4, 1)),
    ((2, 3, 5), (-1, 2)),
    ((2, 3, 5), (2, -3)),
    ((3, 4, 5), (1, 2, 3, 0)),
    ((2, 3, 4, 5), (1, 2, 3, 1)),
    ((2, 3, 4, 5), (-1, 2, 0, -2)),
    ((2, 3, 4, 5), (1, 1, 2, 2, 1, 0)),
    ((1, 2, 3, 4, 5), (1, 2, 2, 1, 2, 0)),
]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape, pad", CASES, ids=[f"{s}-{p}" for s, p in CASES])
def test_pad_modes_parity(mode, shape, pad, device, rng):
    check_parity(lambda t, x: F(t).pad(x, pad, mode=mode), random_array(rng, shape),
                 device=device, rng=rng)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_modes_gradcheck(mode, device, rng):
    check_grad(lambda t, x: F(t).pad(x, (2, 1, 1, 2), mode=mode), random_array(rng, (2, 3, 4)),
               device=device)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_modes_integers_and_zero_value(mode, device, rng):
    x = rng.integers(-9, 9, (2, 3, 5))
    check_parity(lambda t, v: F(t).pad(v, (2, 3), mode=mode, value=0), x, device=device,
                 grad=False)


def test_pad_modes_leave_input_alone(rng):
    x = random_array(rng, (2, 3, 5))
    ours = ag.tensor(x)
    for mode in ("reflect", "replicate", "circular"):
        nn.functional.pad(ours, (2, 2), mode=mode)
    np.testing.assert_array_equal(ours.numpy(), x)


@pytest.mark.parametrize("call, error", [
    (lambda t: F(t).pad(t.ones(2, 3, 4, 5), (1, 1), mode="reflect"), NotImplementedError),
    (lambda t: F(t).pad(t.ones(5), (1, 1), mode="replicate"), NotImplementedError),
    (lambda t: F(t).pad(t.ones(2, 3, 4, 5), (1,) * 8, mode="replicate"), NotImplementedError),
    (lambda t: F(t).pad(t.ones(2, 3, 5), (5, 1), mode="reflect"), RuntimeError),
    (lambda t: F(t).pad(t.ones(2, 3, 4, 5), (1, 1, 4, 1), mode="reflect"), RuntimeError),
    (lambda t: F(t).pad(t.ones(1, 2, 3, 4, 5), (1, 1, 1, 1, 3, 1), mode="reflect"),
     RuntimeError),
    (lambda t: F(t).pad(t.ones(2, 3, 5), (1, 2), mode="reflect", value=1.0), RuntimeError),
    (lambda t: F(t).pad(t.ones(3, 4), (1, 2), mode="circular", value=1), RuntimeError),
    (lambda t: F(t).pad(t.ones(2, 3, 5), (6, 2), mode="circular"), RuntimeError),
    (lambda t: F(t).pad(t.ones(2, 3, 5), (-4, -2), mode="circular"), RuntimeError),
    (lambda t: F(t).pad(t.ones(2, 3, 5), (-3, -3), mode="reflect"), RuntimeError),
    (lambda t: F(t).pad(t.ones(2, 0, 4), (1, 2), mode="reflect"), RuntimeError),
    (lambda t: F(t).pad(t.ones(2, 0, 4, 4), (1, 2, 1, 1), mode="replicate"), RuntimeError),
    (lambda t: F(t).pad(t.ones(2, 3, 5), (1,), mode="reflect"), RuntimeError),
    (lambda t: F(t).pad(t.ones(2, 3, 5), (1, 1), mode="foo"), NotImplementedError),
    (lambda t: t.nn.CircularPad1d(1)(t.ones(2, 3, 4, 5)), ValueError),
    (lambda t: t.nn.CircularPad2d(1)(t.ones(5, 5)), ValueError),
])
def test_pad_errors_match_torch(call, error):
    with pytest.raises(error) as theirs:
        call(torch)
    with pytest.raises(error) as ours:
        call(ag)
    assert_torch_wording(str(ours.value), str(theirs.value))


LAYERS = [  # (name, constructor arguments, input shape)
    ("ZeroPad1d", (2,), (2, 3, 5)),
    ("ZeroPad2d", (2,), (2, 3, 4, 5)),
    ("ZeroPad2d", ((1, 2, 3, 4),), (3, 4, 5)),
    ("ZeroPad3d", (1,), (1, 2, 3, 4, 5)),
    ("ConstantPad1d", (2, 3.5), (2, 3, 5)),
    ("ConstantPad1d", ((1, 3), -1), (3, 5)),
    ("ConstantPad2d", ((1, 2, 3, 4), -1), (2, 3, 4, 5)),
    ("ConstantPad3d", (1, 0.5), (1, 2, 3, 4, 5)),
    ("ReflectionPad1d", (2,), (2, 3, 5)),
    ("ReflectionPad2d", ((1, 0, 2, 1),), (2, 3, 4, 5)),
    ("ReflectionPad3d", (1,), (1, 2, 3, 4, 5)),
    ("ReplicationPad1d", ((1, 3),), (2, 3, 5)),
    ("ReplicationPad2d", (1,), (2, 3, 4, 5)),
    ("ReplicationPad3d", (2,), (1, 2, 3, 4, 5)),
    ("CircularPad1d", (1,), (2, 3, 5)),
    ("CircularPad2d", ((1, 2, 0, 1),), (2, 3, 4, 5)),
    ("CircularPad3d", (1,), (1, 2, 3, 4, 5)),
]


@pytest.mark.parametrize("name, args, shape", LAYERS,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(LAYERS)])
def test_padding_layers_match_torch(name, args, shape, device, rng, layer_parity):
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert ours.padding == theirs.padding
    layer_parity(ours, theirs, random_array(rng, shape), device=device)
