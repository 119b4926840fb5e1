"""F.unfold / F.fold and nn.Unfold / nn.Fold against torch: values, gradients (each is the other's
adjoint), float64 gradchecks, grad_fn names, unbatched and empty inputs, reprs and errors."""
import numpy as np
import pytest

import autograd_gpu as ag
from helpers import assert_torch_wording, check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()

GEOMETRIES = {  # kernel_size, dilation, padding, stride
    "k2": (2, 1, 0, 1),
    "k23_d12_p1_s21": ((2, 3), (1, 2), 1, (2, 1)),
    "k3_s2": (3, 1, 0, 2),
    "k32_p(1,0)_s(1,3)": ((3, 2), 1, (1, 0), (1, 3)),
    "k1": (1, 1, 0, 1),
    "k3_d2_p2": (3, 2, 2, 1),
}


@pytest.mark.parametrize("geom", GEOMETRIES)
@pytest.mark.parametrize("shape", [(2, 3, 7, 6), (3, 7, 6)], ids=["4d", "3d"])
def test_unfold(geom, shape, device, rng):
    outs = check_parity(lambda t, x: t.nn.functional.unfold(x, *GEOMETRIES[geom]),
                        random_array(rng, shape), device=device, rng=rng)
    assert outs[0].grad_fn.name() == "Im2ColBackward0"


@pytest.mark.parametrize("geom", GEOMETRIES)
@pytest.mark.parametrize("batched", [True, False])
def test_fold(geom, batched, device, rng):
    k, d, p, s = GEOMETRIES[geom]
    cols = torch.nn.functional.unfold(torch.zeros((2, 3, 7, 6) if batched else (3, 7, 6)), k, d, p, s)
    outs = check_parity(lambda t, x: t.nn.functional.fold(x, (7, 6), k, d, p, s),
                        random_array(rng, tuple(cols.shape)), device=device, rng=rng)
    assert outs[0].grad_fn.name() == "Col2ImBackward0"


@pytest.mark.parametrize("geom", ["k23_d12_p1_s21", "k3_s2", "k3_d2_p2"])
def test_fold_unfold_gradcheck(geom, device, rng):
    k, d, p, s = GEOMETRIES[geom]
    check_grad(lambda t, x: t.nn.functional.unfold(x, k, d, p, s), random_array(rng, (2, 2, 6, 5)),
               device=device)
    n = torch.nn.functional.unfold(torch.zeros(2, 2, 6, 5), k, d, p, s).shape
    check_grad(lambda t, x: t.nn.functional.fold(x, (6, 5), k, d, p, s), random_array(rng, tuple(n)),
               device=device)


def test_modules_and_reprs(device, rng):
    x = random_array(rng, (2, 3, 6, 6))
    check_parity(lambda t, v: t.nn.Fold((6, 6), 2, stride=2)(t.nn.Unfold(2, stride=2)(v)), x,
                 device=device, rng=rng)
    check_parity(lambda t, v: t.nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=(2, 1))(v), x,
                 device=device, rng=rng)
    for args in (((2, 3),), (2, (1, 2), 1, (2, 1))):
        assert_torch_wording(repr(ag.nn.Unfold(*args)), repr(torch.nn.Unfold(*args)))
    for args in (((4, 5), 2), (4, (2, 2), 1, 0, 2)):
        assert_torch_wording(repr(ag.nn.Fold(*args)), repr(torch.nn.Fold(*args)))


def test_dtypes_and_empty_batch(device, rng):
    x = random_array(rng, (2, 3, 5, 4))
    for call in (lambda t, v: t.nn.functional.unfold(v.double(), 2),
                 lambda t, v: t.nn.functional.unfold(v > 0, 2),
                 lambda t, v: t.nn.functional.unfold(v[:0], 2),
                 lambda t, v: t.nn.functional.fold(t.nn.functional.unfold(v[:0], 2), (5, 4), 2),
                 lambda t, v: t.nn.functional.fold(t.nn.functional.unfold(v, 2) > 0, (5, 4), 2)):
        check_parity(call, x, device=device, grad=False)


def _cols(x, *shape):
    return x.reshape(-1)[:int(np.prod(shape))].reshape(shape)


@pytest.mark.parametrize("call", [
    lambda t, x: t.nn.functional.unfold(x[0, 0], 2),
    lambda t, x: t.nn.functional.unfold(x, 0),
    lambda t, x: t.nn.functional.unfold(x, 2, stride=0),
    lambda t, x: t.nn.functional.unfold(x, 2, padding=-1),
    lambda t, x: t.nn.functional.unfold(x, 2, dilation=(0, 1)),
    lambda t, x: t.nn.functional.unfold(x, 7),
    lambda t, x: t.nn.functional.unfold(x, 3, stride=2, padding=(0, 0), dilation=3),
    lambda t, x: t.nn.functional.unfold(x.long(), 2),
    lambda t, x: t.nn.functional.unfold(x, (2, 2, 2)),
    lambda t, x: t.nn.functional.unfold(x, (2,)),
    lambda t, x: t.nn.functional.unfold(x.unsqueeze(0), 2),
    lambda t, x: t.nn.functional.unfold(x[:, :0], 2),
    lambda t, x: t.nn.functional.fold(x, (5, 6), 2),
    lambda t, x: t.nn.functional.fold(_cols(x, 2, 5, 12), (5, 6), (2, 3)),
    lambda t, x: t.nn.functional.fold(_cols(x, 1, 12, 2), (5, 6), (2, 2)),
    lambda t, x: t.nn.functional.fold(_cols(x, 1, 12, 1), (1, 1), (2, 2)),
    lambda t, x: t.nn.functional.fold(_cols(x, 1, 12, 1), (1, 1), 0),
    lambda t, x: t.nn.functional.fold(_cols(x, 1, 12, 1).long(), (2, 2), 2),
    lambda t, x: t.nn.functional.fold(_cols(x, 1, 12, 1), (2,), 2),
    lambda t, x: t.nn.functional.fold(_cols(x, 1, 12, 1), (2, 2), 2, stride=(1, 0))],
    ids=["unfold_2d", "kernel0", "stride0", "padding_neg", "dilation0", "too_big", "blocks_dilated",
         "long", "three", "one", "5d", "empty_channels", "fold_4d", "fold_not_divisible",
         "fold_count", "fold_small", "fold_kernel0", "fold_long", "fold_output_one",
         "fold_stride0"])
def test_errors_as_torch(call, device, rng):
    a = random_array(rng, (2, 3, 5, 6))
    try:
        call(torch, torch.tensor(a))
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)) as ours:
            call(ag, ag.tensor(a, device=device))
        assert_torch_wording(str(ours.value), str(e))
        assert "is invalid for input of size" not in str(e)  # fold's error, not reshape's
        return
    pytest.fail("torch accepted it")
