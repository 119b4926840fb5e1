"""dropout2d / Dropout2d: whole channels zeroed, the rest scaled by 1/(1-p), the gradient the same
mask; torch's warnings, errors and repr."""
import warnings

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from autograd_gpu.nn import functional as AF
from helpers import torch_or_skip


@pytest.mark.parametrize("shape", [(4, 8, 5, 6), (4, 8, 7)])
def test_channels_dropped_whole_and_scaled(shape, device):
    ag.manual_seed(0)
    x = ag.ones(shape, device=device, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = AF.dropout2d(x, p=0.25)
    out = y.detach().cpu().numpy().reshape(shape[0], shape[1], -1)
    per_channel = out[:, :, :1]
    assert np.all(out == per_channel)  # one value per channel
    assert set(np.unique(per_channel)) <= {0.0, np.float32(1 / 0.75)}
    assert 0 < (per_channel == 0).sum() < per_channel.size
    assert y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.cpu().numpy(), y.detach().cpu().numpy())


def test_eval_p0_and_p1(device):
    x = ag.randn(2, 3, 4, 4, device=device)
    assert AF.dropout2d(x, training=False) is x
    assert AF.dropout2d(x, p=0.0) is x
    assert not AF.dropout2d(x, p=1.0).detach().cpu().numpy().any()


def test_warnings_and_errors_match_torch():
    torch = torch_or_skip()
    for shape in [(2, 3, 4), (2, 3, 4, 5, 6)]:
        with pytest.warns(UserWarning) as theirs:
            torch.nn.functional.dropout2d(torch.ones(shape))
        with pytest.warns(UserWarning) as ours:
            AF.dropout2d(ag.ones(shape))
        assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError) as theirs:
            torch.nn.functional.dropout2d(torch.ones(2, 3, 4, 4), p)
        with pytest.raises(ValueError) as ours:
            AF.dropout2d(ag.ones(2, 3, 4, 4), p)
        assert str(ours.value) == str(theirs.value)
    assert repr(nn.Dropout2d(0.3)) == repr(torch.nn.Dropout2d(0.3))
