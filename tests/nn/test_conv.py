"""Conv2d against torch for the argument combinations ResNet-style models use."""
import pytest

from autograd_gpu import nn
from helpers import random_array, torch_or_skip

CONFIGS = [
    ((3, 8, 3), {}),
    ((3, 8, 7), {"stride": 2, "padding": 3, "bias": False}),
    ((4, 6, (3, 2)), {"stride": (2, 1), "padding": (1, 0), "dilation": (1, 2), "groups": 2}),
    ((4, 4, 3), {"padding": "same", "dilation": 2, "groups": 4}),
    ((4, 4, 4), {"padding": "same"}),
    ((4, 5, 3), {"padding": "valid"}),
    ((8, 16, 1), {"stride": 2, "bias": False}),
]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")  # torch's note
@pytest.mark.parametrize("args,kwargs", CONFIGS, ids=[str(i) for i in range(len(CONFIGS))])
def test_conv2d_matches_torch(device, rng, layer_parity, args, kwargs):
    torch = torch_or_skip()
    theirs = torch.nn.Conv2d(*args, **kwargs)
    ours = nn.Conv2d(*args, **kwargs, device=device)
    layer_parity(ours, theirs, random_array(rng, (2, args[0], 9, 8)), device=device, atol=1e-4)


@pytest.mark.parametrize("kwargs", [
    {"groups": 0}, {"groups": 3}, {"padding": "full"}, {"padding": "same", "stride": 2},
    {"padding_mode": "mirror"}])
def test_conv2d_argument_errors_match_torch(kwargs):
    torch = torch_or_skip()
    with pytest.raises(ValueError) as ours:
        nn.Conv2d(4, 8, 3, **kwargs)
    with pytest.raises(ValueError) as theirs:
        torch.nn.Conv2d(4, 8, 3, **kwargs)
    if kwargs in ({"padding": "full"}, {"padding_mode": "mirror"}):
        # torch prints a set of the valid strings, whose order varies between runs
        def words(err):
            return sorted(str(err.value).translate(str.maketrans("{},", "   ")).split())
        assert words(ours) == words(theirs)
    else:
        assert str(ours.value) == str(theirs.value)


def test_conv2d_other_padding_modes_are_not_implemented():
    with pytest.raises(NotImplementedError, match="padding_mode='reflect' is not implemented"):
        nn.Conv2d(3, 3, 3, padding=1, padding_mode="reflect")
