"""Every layer prints exactly as torch's does, and registers the same state_dict keys."""
import pytest

from autograd_gpu import nn
from helpers import torch_or_skip

LAYERS = [
    ("Linear", (4, 3), {}),
    ("Linear", (4, 3), {"bias": False}),
    ("Conv2d", (3, 8, 3), {}),
    ("Conv2d", (3, 64, 7), {"stride": 2, "padding": 3, "bias": False}),
    ("Conv2d", (4, 8, (3, 5)), {"stride": (2, 1), "padding": (1, 2), "dilation": 2, "groups": 2}),
    ("Conv2d", (4, 8, 3), {"padding": "same"}),
    ("Conv2d", (4, 8, 3), {"padding": "valid"}),
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1}),
    ("MaxPool2d", ((2, 3),), {"stride": (1, 2), "dilation": 2, "ceil_mode": True}),
    ("AvgPool2d", (2,), {}),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}),
    ("AdaptiveAvgPool2d", ((1, 1),), {}),
    ("AdaptiveAvgPool2d", (7,), {}),
    ("AdaptiveAvgPool2d", ((None, 3),), {}),
    ("BatchNorm1d", (10,), {}),
    ("BatchNorm2d", (64,), {}),
    ("BatchNorm2d", (8,), {"eps": 1e-3, "momentum": None, "affine": False}),
    ("BatchNorm2d", (8,), {"track_running_stats": False, "bias": False}),
    ("LayerNorm", (10,), {}),
    ("LayerNorm", ((2, 3),), {"eps": 1e-6, "elementwise_affine": False}),
    ("LayerNorm", (4,), {"bias": False}),
    ("GroupNorm", (2, 4), {}),
    ("GroupNorm", (3, 6), {"eps": 1e-3, "affine": False}),
    ("GroupNorm", (1, 4), {"bias": False}),
    ("CosineSimilarity", (), {"dim": 0}),
    ("Dropout", (), {}),
    ("Dropout", (0.1,), {"inplace": True}),
    ("ReLU", (), {}),
    ("ReLU", (), {"inplace": True}),
    ("LeakyReLU", (), {}),
    ("LeakyReLU", (0.2,), {"inplace": True}),
    ("GELU", (), {}),
    ("GELU", (), {"approximate": "tanh"}),
    ("Sigmoid", (), {}),
    ("Tanh", (), {}),
    ("ELU", (), {}),
    ("ELU", (0.5, True), {}),
    ("SiLU", (), {}),
    ("SiLU", (), {"inplace": True}),
    ("Softplus", (), {}),
    ("Softplus", (2, 10), {}),
    ("Hardtanh", (), {}),
    ("Hardtanh", (-2, 3, True), {}),
    ("ReLU6", (), {}),
    ("ReLU6", (), {"inplace": True}),
    ("PReLU", (), {}),
    ("PReLU", (3, 0.1), {}),
    ("Mish", (), {}),
    ("Mish", (), {"inplace": True}),
    ("Softmax", (), {"dim": 1}),
    ("Softmax", (), {}),
    ("LogSoftmax", (-1,), {}),
    ("Flatten", (), {}),
    ("Flatten", (0, 2), {}),
    ("Unflatten", (1, (2, 5)), {}),
    ("Identity", (), {}),
    ("Embedding", (10, 3), {}),
    ("Embedding", (10, 3), {"padding_idx": -1, "max_norm": 1.0, "norm_type": 1.0,
                            "scale_grad_by_freq": True}),
    ("MSELoss", (), {}),
    ("L1Loss", (), {"reduction": "sum"}),
    ("CrossEntropyLoss", (), {"label_smoothing": 0.1}),
    ("NLLLoss", (), {"ignore_index": 0}),
    ("BCELoss", (), {}),
    ("BCEWithLogitsLoss", (), {}),
    ("SmoothL1Loss", (), {"beta": 0.5}),
    ("HuberLoss", (), {"delta": 2.0}),
    ("KLDivLoss", (), {"reduction": "batchmean", "log_target": True}),
]


@pytest.mark.parametrize("name,args,kwargs", LAYERS,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(LAYERS)])
def test_layer_repr_and_state_dict_keys_match_torch(request, name, args, kwargs):
    torch = request.getfixturevalue("norm_bias_torch") if "Norm" in name else torch_or_skip()
    ours = getattr(nn, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ([(n, tuple(p.shape)) for n, p in ours.named_parameters()]
            == [(n, tuple(p.shape)) for n, p in theirs.named_parameters()])
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]


def test_nested_sequential_repr_matches_torch(norm_bias_torch):
    torch = norm_bias_torch

    def build(nn):
        from collections import OrderedDict
        features = nn.Sequential(OrderedDict([
            ("conv", nn.Conv2d(3, 16, 3, padding=1, bias=False)),
            ("bn", nn.BatchNorm2d(16)),
            ("act", nn.ReLU(inplace=True)),
            ("pool", nn.MaxPool2d(2)),
        ]))
        heads = nn.ModuleDict({"cls": nn.Linear(16, 10),
                               "aux": nn.ModuleList([nn.Linear(16, 16), nn.Linear(16, 16), nn.GELU()])})
        return nn.Sequential(features, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), heads)

    assert repr(build(nn)) == repr(build(torch.nn))
    assert list(build(nn).state_dict()) == list(build(torch.nn).state_dict())
