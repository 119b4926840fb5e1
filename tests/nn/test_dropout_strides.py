"""dropout of a non-contiguous input draws torch's noise: torch fills ``empty_like(input)``,
which keeps the input's strides, so the draws go in memory order (batch_first attention's
transposed outputs meet this)."""
import numpy as np
import pytest

import autograd_gpu as ag
from helpers import random_array, torch_or_skip

torch = torch_or_skip()


@pytest.mark.parametrize("perm", [(1, 0, 2), (2, 0, 1), (0, 2, 1), (2, 1, 0)], ids=str)
def test_dropout_of_permuted_input_is_torchs(perm, rng):
    x = random_array(rng, (3, 4, 5))
    torch.manual_seed(1)
    ref = torch.nn.functional.dropout(torch.tensor(x).permute(*perm), 0.4)
    ag.manual_seed(1)
    out = ag.nn.functional.dropout(ag.tensor(x).permute(*perm), 0.4)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


def test_dropout_of_sliced_input_is_torchs(rng):
    """A non-dense input (a strided slice) gets contiguous noise, as torch's empty_like gives."""
    x = random_array(rng, (6, 8))
    torch.manual_seed(2)
    ref = torch.nn.functional.dropout(torch.tensor(x)[:, ::2].t(), 0.3)
    ag.manual_seed(2)
    out = ag.nn.functional.dropout(ag.tensor(x)[:, ::2].t(), 0.3)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


@pytest.mark.parametrize("view", [lambda t: t.expand(3, 4, 5),
                                  lambda t: t.expand(3, 4, 5).transpose(0, 2)],
                         ids=["expand", "expand_transpose"])
def test_dropout_of_expanded_input_is_torchs(view, rng):
    x = random_array(rng, (3, 1, 5))
    torch.manual_seed(3)
    ref = torch.nn.functional.dropout(view(torch.tensor(x)), 0.4)
    ag.manual_seed(3)
    out = ag.nn.functional.dropout(view(ag.tensor(x)), 0.4)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
