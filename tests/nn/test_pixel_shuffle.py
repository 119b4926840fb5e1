"""pixel_shuffle / pixel_unshuffle and their layers against torch: values, gradients, round trip,
gradcheck, reprs, errors."""
import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import assert_torch_wording, check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()


def F(t):
    return nn.functional if t is ag else torch.nn.functional


@pytest.mark.parametrize("shape, r", [((2, 8, 3, 4), 2), ((9, 2, 3), 3), ((2, 1, 4, 3, 2), 1),
                                      ((2, 2, 18, 1, 2), 3)], ids=str)
def test_pixel_shuffle(shape, r, device, rng):
    check_parity(lambda t, x: F(t).pixel_shuffle(x, r), random_array(rng, shape), device=device,
                 rng=rng)


@pytest.mark.parametrize("shape, r", [((2, 3, 4, 6), 2), ((2, 6, 9), 3), ((2, 1, 2, 4, 2), 2)],
                         ids=str)
def test_pixel_unshuffle_and_round_trip(shape, r, device, rng):
    x = random_array(rng, shape)
    check_parity(lambda t, v: F(t).pixel_unshuffle(v, r), x, device=device, rng=rng)
    back = nn.functional.pixel_shuffle(nn.functional.pixel_unshuffle(ag.tensor(x, device=device),
                                                                      r), r)
    np.testing.assert_array_equal(back.cpu().numpy(), x)


def test_gradcheck(device, rng):
    check_grad(lambda t, x: F(t).pixel_shuffle(x, 2), random_array(rng, (1, 4, 2, 3)),
               device=device)
    check_grad(lambda t, x: F(t).pixel_unshuffle(x, 2), random_array(rng, (1, 1, 4, 2)),
               device=device)


def test_integer_input(device):
    x = np.arange(2 * 8 * 2 * 2).reshape(2, 8, 2, 2)
    check_parity(lambda t, v: F(t).pixel_shuffle(v, 2), x, device=device, grad=False)


def test_layers(device, rng, layer_parity):
    for name, arg, shape in (("PixelShuffle", 2, (2, 8, 3, 4)), ("PixelUnshuffle", 3, (2, 1, 6, 9))):
        ours, theirs = getattr(nn, name)(arg), getattr(torch.nn, name)(arg)
        assert repr(ours) == repr(theirs)
        layer_parity(ours, theirs, random_array(rng, shape), device=device)


@pytest.mark.parametrize("call", [
    lambda t: F(t).pixel_shuffle(t.ones(4, 3), 2),
    lambda t: F(t).pixel_shuffle(t.ones(2, 5, 3, 3), 2),
    lambda t: F(t).pixel_shuffle(t.ones(2, 8, 3, 3), 0),
    lambda t: F(t).pixel_shuffle(t.ones(2, 8, 3, 3), -1),
    lambda t: F(t).pixel_unshuffle(t.ones(4, 3), 2),
    lambda t: F(t).pixel_unshuffle(t.ones(2, 5, 3, 4), 2),
    lambda t: F(t).pixel_unshuffle(t.ones(2, 5, 4, 3), 2),
    lambda t: F(t).pixel_unshuffle(t.ones(2, 8, 3, 3), 0),
])
def test_errors_match_torch(call):
    with pytest.raises(RuntimeError) as theirs:
        call(torch)
    with pytest.raises(RuntimeError) as ours:
        call(ag)
    assert_torch_wording(str(ours.value), str(theirs.value))
