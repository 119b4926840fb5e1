import numpy as np

from helpers import check_grad, check_parity, random_array


def test_mul_add_parity(device, rng):
    a, b = random_array(rng, (3, 4)), random_array(rng, (4,))
    check_parity(lambda t, x, y: (x * y + x).sum(dim=0), a, b, device=device, rng=rng)


def test_mul_gradcheck(device, rng):
    check_grad(lambda t, x, y: x * y.exp(), random_array(rng, (2, 3)), random_array(rng, (3,)),
               device=device)
