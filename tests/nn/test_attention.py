"""scaled_dot_product_attention and MultiheadAttention against torch: values, gradients of inputs
and parameters, float64 gradchecks, masks (bool, float, causal, key padding), dropout with a seeded
generator, seeded parameters, reprs, state_dict keys and errors."""
import numpy as np
import pytest

import autograd_gpu as ag
from autograd_gpu import nn
from helpers import assert_torch_wording, check_grad, check_parity, random_array, torch_or_skip

torch = torch_or_skip()
TF = torch.nn.functional


def F(t):
    return nn.functional if t is ag else TF


def _mask(t, m):
    return None if m is None else t.tensor(m)


# -- scaled_dot_product_attention --------------------------------------------------------------------

SDPA = {  # name: (shapes of q, k, v; keyword arguments)
    "plain": (((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6)), {}),
    "three_dims": (((3, 4, 8), (3, 6, 8), (3, 6, 8)), {}),
    "two_dims": (((4, 8), (5, 8), (5, 3)), {}),
    "causal": (((2, 2, 5, 4), (2, 2, 5, 4), (2, 2, 5, 4)), {"is_causal": True}),
    "causal_rect": (((2, 3, 4), (2, 6, 4), (2, 6, 4)), {"is_causal": True}),
    "scale": (((2, 4, 8), (2, 5, 8), (2, 5, 8)), {"scale": 0.7}),
    "negative_scale": (((2, 4, 8), (2, 5, 8), (2, 5, 8)), {"scale": -0.4}),
    "broadcast_kv": (((2, 3, 4, 8), (2, 1, 5, 8), (2, 1, 5, 8)), {}),
    "gqa": (((2, 4, 3, 8), (2, 2, 5, 8), (2, 2, 5, 8)), {"enable_gqa": True}),
}


@pytest.mark.parametrize("name", SDPA)
def test_sdpa_parity(name, device, rng):
    shapes, kwargs = SDPA[name]
    arrays = [random_array(rng, s) for s in shapes]
    check_parity(lambda t, q, k, v: F(t).scaled_dot_product_attention(q, k, v, **kwargs),
                 *arrays, device=device, rng=rng)


def _bool_mask(rng, shape, full_row=False):
    mask = rng.random(shape) > 0.4
    mask[..., 0] = True  # every row attends somewhere
    if full_row:
        mask[..., 1, :] = False  # a row that attends nowhere: torch gives zeros, not NaN
    return mask


@pytest.mark.parametrize("full_row", [False, True])
@pytest.mark.parametrize("mask_shape", [(4, 5), (2, 1, 4, 5), (2, 3, 4, 5)], ids=str)
def test_sdpa_bool_mask(mask_shape, full_row, device, rng):
    q, k, v = (random_array(rng, s) for s in ((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6)))
    mask = _bool_mask(rng, mask_shape, full_row)
    out = check_parity(lambda t, a, b, c: F(t).scaled_dot_product_attention(
        a, b, c, attn_mask=t.tensor(mask, device=a.device)), q, k, v, device=device, rng=rng)
    assert np.isfinite(out[0].detach().cpu().numpy()).all()


@pytest.mark.parametrize("full_row", [False, True])
def test_sdpa_float_mask(full_row, device, rng):
    q, k, v = (random_array(rng, s) for s in ((2, 4, 8), (2, 5, 8), (2, 5, 8)))
    bias = random_array(rng, (2, 4, 5))
    if full_row:
        bias[:, 2] = -np.inf
    check_parity(lambda t, a, b, c, m: F(t).scaled_dot_product_attention(a, b, c, attn_mask=m),
                 q, k, v, bias, device=device, rng=rng)


def test_sdpa_gradcheck(device, rng):
    q, k, v = (random_array(rng, s) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 3)))
    mask = _bool_mask(rng, (3, 5))
    check_grad(lambda t, a, b, c: F(t).scaled_dot_product_attention(
        a, b, c, attn_mask=t.tensor(mask, device=a.device)), q, k, v, device=device)
    check_grad(lambda t, a, b, c, m: F(t).scaled_dot_product_attention(a, b, c, attn_mask=m),
               q, k, v, random_array(rng, (3, 5)), device=device)
    check_grad(lambda t, a, b, c: F(t).scaled_dot_product_attention(a, b, c, is_causal=True),
               q, k, v, device=device, second_order=False)


def test_sdpa_float64(device, rng):
    q, k, v = (random_array(rng, s, "float64") for s in ((2, 4, 8), (2, 5, 8), (2, 5, 8)))
    check_parity(lambda t, a, b, c: F(t).scaled_dot_product_attention(a, b, c), q, k, v,
                 device=device, rng=rng, atol=1e-12, rtol=1e-10)


def test_sdpa_dropout_draws_torchs_noise(rng):
    q, k, v = (random_array(rng, s) for s in ((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6)))

    def seeded(t, a, b, c):
        t.manual_seed(7)
        return F(t).scaled_dot_product_attention(a, b, c, dropout_p=0.4)

    check_parity(seeded, q, k, v, rng=rng)


@pytest.mark.parametrize("call", [
    lambda t: F(t).scaled_dot_product_attention(t.ones(2, 4, 8), t.ones(2, 5, 8), t.ones(2, 5, 8),
                                                attn_mask=t.ones(4, 5, dtype=t.bool),
                                                is_causal=True),
    lambda t: F(t).scaled_dot_product_attention(t.ones(2, 4, 8, dtype=t.float64),
                                                t.ones(2, 5, 8), t.ones(2, 5, 8)),
    lambda t: F(t).scaled_dot_product_attention(t.ones(8), t.ones(8), t.ones(8)),
    lambda t: F(t).scaled_dot_product_attention(t.ones(2, 4, 8), t.ones(2, 5, 8), t.ones(2, 5, 8),
                                                attn_mask=t.ones(4, 5, dtype=t.int64)),
    lambda t: F(t).scaled_dot_product_attention(t.ones(2, 4, 8), t.ones(2, 5, 8), t.ones(2, 5, 8),
                                                attn_mask=t.ones(4, 5, dtype=t.float16)),
    lambda t: F(t).scaled_dot_product_attention(t.ones(2, 4, 8), t.ones(2, 5, 8), t.ones(2, 5, 8),
                                                dropout_p=1.5),
])
def test_sdpa_errors_match_torch(call):
    with pytest.raises(RuntimeError) as theirs:
        call(torch)
    with pytest.raises(RuntimeError) as ours:
        call(ag)
    assert_torch_wording(str(ours.value), str(theirs.value))


def test_sdpa_non_tensor_refused_like_torch():
    with pytest.raises(TypeError) as theirs:
        TF.scaled_dot_product_attention([1.0], torch.ones(2, 2), torch.ones(2, 2))
    with pytest.raises(TypeError) as ours:
        nn.functional.scaled_dot_product_attention([1.0], ag.ones(2, 2), ag.ones(2, 2))
    assert_torch_wording(str(ours.value), str(theirs.value))


# -- MultiheadAttention --------------------------------------------------------------------------------

CONFIGS = {  # name: constructor arguments
    "default": ((8, 2), {}),
    "one_head": ((6, 1), {}),
    "no_bias": ((8, 4), {"bias": False}),
    "batch_first": ((8, 2), {"batch_first": True}),
    "kdim_vdim": ((8, 2), {"kdim": 5, "vdim": 3}),
    "bias_kv": ((8, 2), {"add_bias_kv": True}),
    "zero_attn": ((8, 2), {"add_zero_attn": True}),
    "everything": ((8, 4), {"bias": False, "add_bias_kv": True, "add_zero_attn": True,
                            "kdim": 3, "vdim": 7, "batch_first": True}),
}


def _pair(name, seed=0, dtype=None):
    args, kwargs = CONFIGS[name]
    torch.manual_seed(seed)
    theirs = torch.nn.MultiheadAttention(*args, **kwargs, dtype=getattr(torch, dtype or "float32"))
    ag.manual_seed(seed)
    ours = nn.MultiheadAttention(*args, **kwargs, dtype=getattr(ag, dtype or "float32"))
    return ours, theirs


@pytest.mark.parametrize("name", CONFIGS)
def test_mha_seeded_parameters_repr_and_keys_are_torchs(name):
    ours, theirs = _pair(name, seed=11)
    assert repr(ours) == repr(theirs)
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd)
    for key, value in theirs_sd.items():
        np.testing.assert_array_equal(ours_sd[key].numpy(), value.numpy(), err_msg=key)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]


def _inputs(rng, name, length=4, source=5, batch=3):
    (embed, _), kwargs = CONFIGS[name]
    kdim, vdim = kwargs.get("kdim", embed), kwargs.get("vdim", embed)
    dims = ((length, embed), (source, kdim), (source, vdim))
    if kwargs.get("batch_first"):
        return [random_array(rng, (batch, n, e)) for n, e in dims]
    return [random_array(rng, (n, batch, e)) for n, e in dims]


def _run_both(ours, theirs, arrays, device, rng, atol=1e-5, **forward):
    """Both layers on the same inputs (masks in ``forward`` as numpy arrays); compares the output,
    the weights, and the gradients of the inputs and every parameter."""
    ours.to(device)
    ins_o = [ag.tensor(a, device=device, requires_grad=True) for a in arrays]
    ins_t = [torch.tensor(a, requires_grad=True) for a in arrays]
    kw_o = {k: ag.tensor(v, device=device) if isinstance(v, np.ndarray) else v
            for k, v in forward.items()}
    kw_t = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in forward.items()}
    out, weights = ours(*ins_o, **kw_o)
    ref, ref_weights = theirs(*ins_t, **kw_t)
    np.testing.assert_allclose(out.detach().cpu().numpy(), ref.detach().numpy(), atol=atol,
                               rtol=1e-4)
    assert (weights is None) == (ref_weights is None)
    if weights is not None:
        np.testing.assert_allclose(weights.detach().cpu().numpy(), ref_weights.detach().numpy(),
                                   atol=atol, rtol=1e-4)
    seed = random_array(rng, tuple(ref.shape))
    out.backward(ag.tensor(seed, device=device))
    ref.backward(torch.tensor(seed))
    for i, (a, t) in enumerate(zip(ins_o, ins_t)):
        np.testing.assert_allclose(a.grad.cpu().numpy(), t.grad.numpy(), atol=atol, rtol=1e-4,
                                   err_msg=f"gradient of input {i}")
    ref_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.cpu().numpy(), ref_params[name].grad.numpy(), atol=atol,
                                   rtol=1e-4, err_msg=f"gradient of {name}")
    return out, weights


def _randomise_biases(ours, theirs):
    """Nonzero biases (torch starts them at 0), so their part of the forward pass is tested."""
    with torch.no_grad():
        for p in theirs.parameters():
            if p.dim() == 1:
                p.uniform_(-0.5, 0.5)
    ours.load_state_dict({k: ag.tensor(v.numpy()) for k, v in theirs.state_dict().items()})


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("name", CONFIGS)
def test_mha_cross_attention(name, need_weights, device, rng):
    ours, theirs = _pair(name)
    _randomise_biases(ours, theirs)
    _run_both(ours, theirs, _inputs(rng, name), device, rng, need_weights=need_weights)


@pytest.mark.parametrize("average", [True, False])
def test_mha_self_attention_and_per_head_weights(average, device, rng):
    ours, theirs = _pair("default")
    _randomise_biases(ours, theirs)
    x = random_array(rng, (5, 3, 8))
    ours.to(device)
    a, t = ag.tensor(x, device=device, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, w = ours(a, a, a, average_attn_weights=average)
    ref, ref_w = theirs(t, t, t, average_attn_weights=average)
    np.testing.assert_allclose(out.detach().cpu().numpy(), ref.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(w.detach().cpu().numpy(), ref_w.detach().numpy(), atol=1e-5)
    seed = random_array(rng, (5, 3, 8))
    out.backward(ag.tensor(seed, device=device))
    ref.backward(torch.tensor(seed))
    np.testing.assert_allclose(a.grad.cpu().numpy(), t.grad.numpy(), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("kind", ["bool", "float"])
@pytest.mark.parametrize("name", ["default", "batch_first", "bias_kv", "zero_attn"])
def test_mha_masks(name, kind, need_weights, device, rng):
    ours, theirs = _pair(name)
    padding = _bool_mask(rng, (3, 5))
    attn = _bool_mask(rng, (4, 5))
    if kind == "float":
        padding = np.where(padding, 0.0, -1e4).astype("float32")  # torch's bool: True is masked
        attn = random_array(rng, (4, 5))
    else:
        padding = ~padding
        attn = ~attn
    _run_both(ours, theirs, _inputs(rng, name), device, rng, key_padding_mask=padding,
              attn_mask=attn, need_weights=need_weights)


def test_mha_3d_mask_and_causal_hint(device, rng):
    ours, theirs = _pair("default")
    mask = random_array(rng, (3 * 2, 4, 5))
    _run_both(ours, theirs, _inputs(rng, "default"), device, rng, attn_mask=mask)
    causal = np.triu(np.full((4, 4), -np.inf, "float32"), 1)
    x = random_array(rng, (4, 3, 8))
    for need_weights in (True, False):
        _run_both(ours, theirs, [x, x, x], device, rng, attn_mask=causal, is_causal=True,
                  need_weights=need_weights)


def test_mha_unbatched(device, rng):
    ours, theirs = _pair("kdim_vdim")
    arrays = [random_array(rng, s) for s in ((4, 8), (5, 5), (5, 3))]
    _run_both(ours, theirs, arrays, device, rng, key_padding_mask=np.array([0, 1, 0, 0, 1], bool))


def test_mha_dropout_draws_torchs_noise(rng):
    ours, theirs = _pair("default")
    ours.dropout = theirs.dropout = 0.3
    arrays = _inputs(rng, "default")
    torch.manual_seed(5)
    ag.manual_seed(5)
    _run_both(ours, theirs, arrays, "cpu", rng)
    ours.eval()
    theirs.eval()
    _run_both(ours, theirs, arrays, "cpu", rng, need_weights=False)


def test_mha_float64_gradcheck(device, rng):
    ag.manual_seed(0)
    layer = nn.MultiheadAttention(4, 2, kdim=3, vdim=5, dtype=ag.float64).to(device)
    q, k, v = (random_array(rng, s) for s in ((3, 2, 4), (4, 2, 3), (4, 2, 5)))
    mask = random_array(rng, (3, 4))

    def fn(t, a, b, c):
        return layer(a, b, c, attn_mask=t.tensor(mask, dtype=t.float64, device=a.device))[0]

    check_grad(fn, q, k, v, device=device)


def test_mha_inputs_left_unchanged(rng):
    ours, _ = _pair("default")
    arrays = _inputs(rng, "default")
    tensors = [ag.tensor(a) for a in arrays]
    ours(*tensors, key_padding_mask=ag.tensor(np.zeros((3, 5), bool)))
    for t, a in zip(tensors, arrays):
        np.testing.assert_array_equal(t.numpy(), a)


@pytest.mark.parametrize("call, error", [
    (lambda t: t.nn.MultiheadAttention(10, 3), AssertionError),
    (lambda t: t.nn.MultiheadAttention(0, 3), ValueError),
    (lambda t: t.nn.MultiheadAttention(8, -1), ValueError),
    (lambda t: t.nn.MultiheadAttention(8, 2)(t.ones(2, 3, 8), t.ones(2, 8), t.ones(2, 8)),
     AssertionError),
    (lambda t: t.nn.MultiheadAttention(8, 2)(t.ones(2, 8), t.ones(2, 3, 8), t.ones(2, 3, 8)),
     AssertionError),
    (lambda t: t.nn.MultiheadAttention(8, 2)(t.ones(8), t.ones(8), t.ones(8)), AssertionError),
    (lambda t: t.nn.MultiheadAttention(8, 2)(t.ones(2, 3, 6), t.ones(2, 3, 6), t.ones(2, 3, 6)),
     AssertionError),
    (lambda t: t.nn.MultiheadAttention(8, 2)(t.ones(2, 3, 8), t.ones(4, 3, 8), t.ones(5, 3, 8)),
     AssertionError),
    (lambda t: t.nn.MultiheadAttention(8, 2, kdim=4, vdim=4)(
        t.ones(2, 3, 8), t.ones(4, 3, 4), t.ones(5, 3, 4)), AssertionError),
    (lambda t: t.nn.MultiheadAttention(8, 2)(t.ones(2, 3, 8), t.ones(4, 3, 8), t.ones(4, 3, 8),
                                             attn_mask=t.ones(2, 5)), RuntimeError),
    (lambda t: t.nn.MultiheadAttention(8, 2)(t.ones(2, 3, 8), t.ones(4, 3, 8), t.ones(4, 3, 8),
                                             attn_mask=t.ones(3, 2, 4)), RuntimeError),
    (lambda t: t.nn.MultiheadAttention(8, 2)(t.ones(2, 3, 8), t.ones(4, 3, 8), t.ones(4, 3, 8),
                                             attn_mask=t.ones(1, 1, 2, 4)), AssertionError),
    (lambda t: t.nn.MultiheadAttention(8, 2)(t.ones(2, 3, 8), t.ones(4, 3, 8), t.ones(4, 3, 8),
                                             key_padding_mask=t.ones(3, 5)), AssertionError),
    (lambda t: t.nn.MultiheadAttention(8, 2)(t.ones(2, 3, 8), t.ones(4, 3, 8), t.ones(4, 3, 8),
                                             key_padding_mask=t.ones(2, 4)), AssertionError),
    (lambda t: t.nn.MultiheadAttention(8, 2)(t.ones(2, 3, 8), t.ones(4, 3, 8), t.ones(4, 3, 8),
                                             key_padding_mask=t.ones(3, 4, dtype=t.int64)),
     AssertionError),
    (lambda t: t.nn.MultiheadAttention(8, 2)(t.ones(2, 8), t.ones(4, 8), t.ones(4, 8),
                                             attn_mask=t.ones(3, 2, 4)), AssertionError),
    (lambda t: t.nn.MultiheadAttention(8, 2)(t.ones(2, 3, 8), t.ones(2, 3, 8), t.ones(2, 3, 8),
                                             is_causal=True), RuntimeError),
])
def test_mha_errors_match_torch(call, error):
    with pytest.raises(error) as theirs:
        call(torch)
    with pytest.raises(error) as ours:
        call(ag)
    assert_torch_wording(str(ours.value), str(theirs.value))


def test_mha_mismatched_mask_types_warn_like_torch():
    x = np.ones((2, 3, 8), "float32")

    def run(t):
        layer = t.nn.MultiheadAttention(8, 2)
        return layer(t.tensor(x), t.tensor(x), t.tensor(x),
                     key_padding_mask=t.zeros(3, 2, dtype=t.bool), attn_mask=t.zeros(2, 2))

    with pytest.warns(UserWarning) as theirs:
        run(torch)
    with pytest.warns(UserWarning) as ours:
        run(ag)
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
