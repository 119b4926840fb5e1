"""``reduction_plan``: which partial sums the cuda backend computes as products with ones, and
that those products are the sums (numpy stands in for CuPy; the GPU run checks the real one
through every op test that sums)."""
import itertools

import numpy as np
import pytest

from autograd_gpu.backend.reduction_plan import leading_trailing_split, sum_by_products


@pytest.mark.parametrize("shape, axes, split", [
    ((4096, 512), (0,), (4096, 512, 1)),             # a bias gradient
    ((64, 32, 7, 5), (0, 2, 3), (64, 32, 35)),       # a batch-norm bias gradient
    ((6, 5, 4), (1, 2), (1, 6, 20)),                 # trailing run only
    ((2, 3, 4, 5), (0, 1), (6, 20, 1)),              # leading run of two
    ((6, 5, 4), (0, 2), (6, 5, 4)),
    ((6, 5, 4), (1,), None),                         # a middle axis: not a (lead, keep, trail) block
    ((6, 5, 4), (0, 1, 2), None),                    # a full sum
    ((6, 5, 4), (), None),
])
def test_split(shape, axes, split):
    assert leading_trailing_split(shape, axes) == split


def test_every_split_sums_as_numpy_does(rng):
    for ndim in range(1, 5):
        shape = tuple(int(s) for s in rng.integers(1, 6, ndim))
        a = rng.uniform(-2, 2, shape)
        for count in range(1, ndim + 1):
            for axes in itertools.combinations(range(ndim), count):
                split = leading_trailing_split(shape, axes)
                if split is None:
                    continue
                expected = a.sum(axis=axes).reshape(-1)
                np.testing.assert_allclose(sum_by_products(np, a, split, np.ones), expected,
                                           rtol=1e-12,
                                           atol=1e-12)
