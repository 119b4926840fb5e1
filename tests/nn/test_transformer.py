"""TransformerEncoderLayer and TransformerEncoder against torch: seeded parameters, reprs,
state_dict keys, outputs and gradients (post- and pre-norm, relu/gelu/callable activations,
masks, causal masks, seeded dropout), the inference path with a padding mask, warnings, errors."""
import warnings

import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import assert_torch_wording, check_grad, random_array, torch_or_skip

torch = torch_or_skip()

LAYERS = {  # name: keyword arguments of TransformerEncoderLayer(8, 2, 16, ...)
    "default": {},
    "gelu": {"activation": "gelu"},
    "norm_first": {"norm_first": True, "activation": "gelu"},
    "batch_first": {"batch_first": True},
    "no_bias": {"bias": False, "layer_norm_eps": 1e-3},
    "no_dropout": {"dropout": 0.0},
}


def _activation(t, kwargs):
    """The activation as each library's object where it is a layer or function."""
    act = kwargs.get("activation")
    if act == "gelu_layer":
        return dict(kwargs, activation=t.nn.GELU())
    if act == "relu_function":
        return dict(kwargs, activation=t.nn.functional.relu)
    return kwargs


def _encoder(t, kwargs, num_layers, norm, seed):
    t.manual_seed(seed)
    layer = t.nn.TransformerEncoderLayer(8, 2, 16, **_activation(t, kwargs))
    if num_layers is None:
        return layer
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's nested-tensor notice, tested on its own
        return t.nn.TransformerEncoder(layer, num_layers, norm=t.nn.LayerNorm(8) if norm else None)


def _pair(kwargs, num_layers=None, norm=False, seed=0):
    return (_encoder(ag, kwargs, num_layers, norm, seed),
            _encoder(torch, kwargs, num_layers, norm, seed))


@pytest.mark.parametrize("num_layers", [None, 2])
@pytest.mark.parametrize("name", list(LAYERS) + ["gelu_layer", "relu_function"])
def test_seeded_parameters_repr_and_keys_are_torchs(name, num_layers):
    kwargs = LAYERS.get(name, {"activation": name})
    ours, theirs = _pair(kwargs, num_layers, norm=num_layers is not None, seed=4)
    assert repr(ours) == repr(theirs)
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd)
    for key, value in theirs_sd.items():
        np.testing.assert_array_equal(ours_sd[key].numpy(), value.numpy(), err_msg=key)
    assert ours.__dict__.get("activation_relu_or_gelu") == theirs.__dict__.get(
        "activation_relu_or_gelu")


def _run_both(ours, theirs, x, device, rng, seed=None, grad=True, **forward):
    ours.to(device)
    a = ag.tensor(x, device=device, requires_grad=grad)
    t = torch.tensor(x, requires_grad=grad)
    kw_o = {k: ag.tensor(v, device=device) if isinstance(v, np.ndarray) else v
            for k, v in forward.items()}
    kw_t = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in forward.items()}
    if seed is not None:
        ag.manual_seed(seed)
        torch.manual_seed(seed)
    out, ref = ours(a, **kw_o), theirs(t, **kw_t)
    np.testing.assert_allclose(out.detach().cpu().numpy(), ref.detach().numpy(), atol=1e-5,
                               rtol=1e-4)
    if not grad:
        return
    g = random_array(rng, tuple(ref.shape))
    out.backward(ag.tensor(g, device=device))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.cpu().numpy(), t.grad.numpy(), atol=1e-5, rtol=1e-4)
    ref_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.cpu().numpy(), ref_params[name].grad.numpy(),
                                   atol=1e-5, rtol=1e-4, err_msg=f"gradient of {name}")


def _src(rng, kwargs, length=5, batch=3):
    shape = (batch, length, 8) if kwargs.get("batch_first") else (length, batch, 8)
    return random_array(rng, shape)


@pytest.mark.parametrize("num_layers", [None, 2])
@pytest.mark.parametrize("name", LAYERS)
def test_train_mode_with_seeded_dropout(name, num_layers, device, rng):
    """Dropout draws from the default generator in torch's order: seeded runs match."""
    kwargs = LAYERS[name]
    ours, theirs = _pair(kwargs, num_layers, norm=True)
    x = _src(rng, kwargs)
    if device == "cpu":
        _run_both(ours, theirs, x, device, rng, seed=9)
    ours.eval()
    theirs.eval()
    _run_both(ours, theirs, x, device, rng)


@pytest.mark.parametrize("kind", ["bool", "float"])
@pytest.mark.parametrize("name", ["no_dropout", "norm_first", "batch_first"])
def test_masks(name, kind, device, rng):
    kwargs = dict(LAYERS[name], dropout=0.0)
    ours, theirs = _pair(kwargs, 2)
    x = _src(rng, kwargs)
    padding = np.zeros((3, 5), bool)
    padding[0, 3:] = padding[2, 4:] = True
    attn = rng.random((5, 5)) > 0.7
    np.fill_diagonal(attn, False)
    if kind == "float":
        padding = np.where(padding, -np.inf, 0.0).astype("float32")
        attn = random_array(rng, (5, 5))
    _run_both(ours, theirs, x, device, rng, mask=attn, src_key_padding_mask=padding)
    _run_both(ours.layers[0], theirs.layers[0], x, device, rng, src_mask=attn,
              src_key_padding_mask=padding)


@pytest.mark.parametrize("hint", [None, True])
def test_causal_mask(hint, device, rng):
    ours, theirs = _pair(LAYERS["no_dropout"], 2)
    x = _src(rng, {})
    causal = np.triu(np.full((5, 5), -np.inf, "float32"), 1)
    _run_both(ours, theirs, x, device, rng, mask=causal, is_causal=hint)
    _run_both(ours.layers[0], theirs.layers[0], x, device, rng, src_mask=causal,
              is_causal=bool(hint))


def test_generate_square_subsequent_mask_detection():
    from autograd_gpu.nn.modules.transformer import _detect_is_causal_mask  # noqa: PLC0415

    causal = ag.tensor(np.triu(np.full((4, 4), -np.inf, "float32"), 1))
    assert _detect_is_causal_mask(causal, None, 4)
    assert not _detect_is_causal_mask(causal, None, 5)
    assert not _detect_is_causal_mask(ag.zeros(4, 4), None, 4)
    assert _detect_is_causal_mask(None, True)


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors:UserWarning")
@pytest.mark.parametrize("left_aligned", [True, False])
def test_inference_with_padding_mask_zeroes_padded_positions_as_torch(left_aligned, device, rng):
    """torch's inference path (batch_first, no grad, a padding mask) packs the sequences into a
    nested tensor and returns zeros at the padded positions (before the final norm)."""
    ours, theirs = _pair(LAYERS["batch_first"], 2, norm=True)
    ours.eval()
    theirs.eval()
    padding = np.zeros((3, 5), bool)
    padding[0, 3:] = padding[1, 1:] = True
    if not left_aligned:
        padding[2, 0] = True
    x = _src(rng, LAYERS["batch_first"])
    with torch.no_grad(), ag.no_grad():
        _run_both(ours, theirs, x, device, rng, grad=False, src_key_padding_mask=padding)


def test_unbatched_input(device, rng):
    ours, theirs = _pair(LAYERS["no_dropout"], 2, norm=True)
    _run_both(ours, theirs, random_array(rng, (5, 8)), device, rng)


def test_float64_gradcheck(device, rng):
    ag.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, activation="gelu", norm_first=True,
                                       dtype=ag.float64).to(device)
    mask = random_array(rng, (3, 3))
    check_grad(lambda t, x: layer(x, src_mask=t.tensor(mask, dtype=t.float64, device=x.device)),
               random_array(rng, (3, 2, 4)), device=device)


def test_nested_tensor_notice_is_torchs():
    for kwargs in ({}, {"batch_first": True, "norm_first": True},
                   {"batch_first": True, "bias": False}, {"batch_first": True}):
        with warnings.catch_warnings(record=True) as theirs:
            warnings.simplefilter("always")
            torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16, **kwargs), 1)
        with warnings.catch_warnings(record=True) as ours:
            warnings.simplefilter("always")
            nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, **kwargs), 1)
        assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 1, enable_nested_tensor=False)


@pytest.mark.parametrize("call, error", [
    (lambda t: t.nn.TransformerEncoderLayer(8, 3), AssertionError),
    (lambda t: t.nn.TransformerEncoderLayer(8, 2, activation="tanh"), RuntimeError),
    (lambda t: t.nn.TransformerEncoderLayer(8, 2, 16)(t.ones(2, 3, 6)), AssertionError),
    (lambda t: t.nn.TransformerEncoderLayer(8, 2, 16)(t.ones(2, 3, 8), is_causal=True),
     RuntimeError),
    (lambda t: t.nn.TransformerEncoderLayer(8, 2, 16)(
        t.ones(2, 3, 8), src_key_padding_mask=t.ones(3, 2, dtype=t.int64)), AssertionError),
])
def test_errors_match_torch(call, error):
    with pytest.raises(error) as theirs:
        call(torch)
    with pytest.raises(error) as ours:
        call(ag)
    assert_torch_wording(str(ours.value), str(theirs.value))


# -- decoder and Transformer ---------------------------------------------------------------------------

def _transformer(t, kwargs, seed):
    t.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return t.nn.Transformer(8, 2, 2, 2, 16, **kwargs)


def _decoder(t, kwargs, seed, num_layers=2):
    t.manual_seed(seed)
    layer = t.nn.TransformerDecoderLayer(8, 2, 16, **kwargs)
    return t.nn.TransformerDecoder(layer, num_layers, norm=t.nn.LayerNorm(8))


@pytest.mark.parametrize("name", LAYERS)
def test_transformer_and_decoder_seeded_parameters_repr_and_keys(name):
    kwargs = LAYERS[name]
    for build in (_transformer, _decoder):
        ours, theirs = build(ag, kwargs, 5), build(torch, kwargs, 5)
        assert repr(ours) == repr(theirs)
        ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
        assert list(ours_sd) == list(theirs_sd)
        for key, value in theirs_sd.items():
            np.testing.assert_array_equal(ours_sd[key].numpy(), value.numpy(), err_msg=key)


def _run_seq2seq(ours, theirs, arrays, device, rng, seed=None, atol=1e-5, **forward):
    """Output and every gradient against torch; ``atol`` loosened for the whole Transformer,
    whose float32 rounding differences add up over its eight blocks."""
    ours.to(device)
    ins_o = [ag.tensor(a, device=device, requires_grad=True) for a in arrays]
    ins_t = [torch.tensor(a, requires_grad=True) for a in arrays]
    kw_o = {k: ag.tensor(v, device=device) if isinstance(v, np.ndarray) else v
            for k, v in forward.items()}
    kw_t = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in forward.items()}
    if seed is not None:
        ag.manual_seed(seed)
        torch.manual_seed(seed)
    out, ref = ours(*ins_o, **kw_o), theirs(*ins_t, **kw_t)
    np.testing.assert_allclose(out.detach().cpu().numpy(), ref.detach().numpy(), atol=atol,
                               rtol=1e-4)
    g = random_array(rng, tuple(ref.shape))
    out.backward(ag.tensor(g, device=device))
    ref.backward(torch.tensor(g))
    for a, t in zip(ins_o, ins_t):
        np.testing.assert_allclose(a.grad.cpu().numpy(), t.grad.numpy(), atol=atol, rtol=1e-4)
    ref_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.cpu().numpy(), ref_params[name].grad.numpy(),
                                   atol=atol, rtol=1e-4, err_msg=f"gradient of {name}")


@pytest.mark.parametrize("name", LAYERS)
def test_transformer_matches_torch(name, device, rng):
    kwargs = LAYERS[name]
    ours, theirs = _transformer(ag, kwargs, 0), _transformer(torch, kwargs, 0)
    src, tgt = _src(rng, kwargs, length=5), _src(rng, kwargs, length=4)
    causal = np.triu(np.full((4, 4), -np.inf, "float32"), 1)
    if device == "cpu":  # seeded dropout: torch's noise, drawn in torch's order
        _run_seq2seq(ours, theirs, [src, tgt], device, rng, seed=3, atol=1e-4, tgt_mask=causal)
    ours.eval()
    theirs.eval()
    padding = np.zeros((3, 5), bool)
    padding[1, 3:] = True
    _run_seq2seq(ours, theirs, [src, tgt], device, rng, atol=1e-4, tgt_mask=causal,
                 src_key_padding_mask=padding, memory_key_padding_mask=padding)


def test_decoder_layer_masks(device, rng):
    kwargs = {"dropout": 0.0, "norm_first": True}
    ours, theirs = _decoder(ag, kwargs, 1), _decoder(torch, kwargs, 1)
    tgt, memory = _src(rng, {}, length=4), _src(rng, {}, length=6)
    memory_mask = random_array(rng, (4, 6))
    tgt_padding = np.zeros((3, 4), bool)
    tgt_padding[2, 3] = True
    _run_seq2seq(ours.layers[0], theirs.layers[0], [tgt, memory], device, rng,
                 memory_mask=memory_mask, tgt_key_padding_mask=tgt_padding)
    _run_seq2seq(ours, theirs, [tgt, memory], device, rng, tgt_is_causal=True,
                 tgt_mask=np.triu(np.full((4, 4), -np.inf, "float32"), 1))


def test_generate_square_subsequent_mask_is_torchs():
    for sz in (1, 4):
        np.testing.assert_array_equal(nn.Transformer.generate_square_subsequent_mask(sz).numpy(),
                                      torch.nn.Transformer.generate_square_subsequent_mask(sz)
                                      .numpy())
    assert nn.Transformer.generate_square_subsequent_mask(3, dtype=ag.float64).dtype is ag.float64


@pytest.mark.parametrize("call", [
    lambda t: _transformer(t, {}, 0)(t.ones(5, 3, 8), t.ones(4, 2, 8)),
    lambda t: _transformer(t, {"batch_first": True}, 0)(t.ones(3, 5, 8), t.ones(2, 4, 8)),
    lambda t: _transformer(t, {}, 0)(t.ones(5, 3, 8), t.ones(4, 3, 6)),
])
def test_transformer_errors_match_torch(call):
    with pytest.raises(RuntimeError) as theirs:
        call(torch)
    with pytest.raises(RuntimeError) as ours:
        call(ag)
    assert_torch_wording(str(ours.value), str(theirs.value))


def test_transformer_warns_as_torchs():
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        torch.nn.Transformer(8, 2, 1, 1, 16)
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        nn.Transformer(8, 2, 1, 1, 16)
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
