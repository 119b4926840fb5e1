"""Attention: scaled_dot_product_attention (torch's math path) and multi_head_attention_forward
(nn.MultiheadAttention's functional), composed of differentiable Tensor ops, so autograd and the
cuda backend come with them.

scaled_dot_product_attention follows torch's ``_scaled_dot_product_attention_math``: q and k each
scaled by sqrt(scale), a bool mask turned into 0 / -inf, then a "safe" softmax (a row that every
mask entry hides gives zeros, not NaN), dropout from the default generator (torch's draws on the
cpu) and the product with v. multi_head_attention_forward is torch's function line for line.
"""
import math
import warnings

from .. import dtypes
from ..tensor import Tensor, check_tensor, op_note
from .activation import dropout, softmax
from .elementwise import where
from .linalg import baddbmm, bmm, linear, matmul
from .shape import cat


def _check_sdpa_inputs(query, key, value, attn_mask, is_causal):
    for position, (name, t) in enumerate((("query", query), ("key", key), ("value", value)), 1):
        check_tensor(t, "scaled_dot_product_attention", name, position)
    if not query.dtype is key.dtype is value.dtype:
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {query.dtype.cpp_name} key.dtype: {key.dtype.cpp_name} "
                           f"and value.dtype: {value.dtype.cpp_name} instead.")
    if min(query.dim(), key.dim(), value.dim()) < 2:
        raise RuntimeError(f"Expected query, key, and value to all be  at least 2 dimensional, "
                           f"but got query.dim: {query.dim()} key.dim: {key.dim()} and "
                           f"value.dim: {value.dim()} instead.")
    if attn_mask is not None and attn_mask.dtype not in (dtypes.bool_, dtypes.float32,
                                                         query.dtype):
        raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query "
                           f"dtype, but got attn_mask.dtype: {attn_mask.dtype.cpp_name} and  "
                           f"query.dtype: {query.dtype.cpp_name} instead.")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                           "when is_causal=True")


def _bool_mask_to_bias(mask, dtype):
    """torch's convert_boolean_attn_mask: 0 where attending is allowed (True), -inf elsewhere."""
    zero = Tensor._make(mask._backend.xp.zeros((), dtype=dtype.np), mask._backend)
    return where(mask, zero, float("-inf"))


def _repeat_heads(t, repeats):
    """repeat_interleave over the heads dim (-3), for grouped-query attention."""
    if repeats == 1:
        return t
    shape = tuple(t.shape)
    expanded = t.unsqueeze(-3).expand(*shape[:-2], repeats, *shape[-2:])
    return expanded.reshape(*shape[:-3], shape[-3] * repeats, *shape[-2:])


def _safe_softmax(x):
    """softmax over the last dim, with zeros (and zero gradient) for rows that are all -inf; those
    rows are replaced before the softmax, so no NaN reaches its backward."""
    masked_rows = (x == float("-inf")).all(dim=-1, keepdim=True)
    return where(masked_rows, 0.0, softmax(where(masked_rows, 0.0, x), -1))


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(q k^T * scale + mask) v over the last two dims; ``attn_mask`` is a bool mask (True
    attends) or a float bias broadcast to (..., L, S); ``is_causal`` masks the upper triangle."""
    try:
        _check_sdpa_inputs(query, key, value, attn_mask, is_causal)
    except RuntimeError as err:
        raise op_note(err, "scaled_dot_product_attention", query, key, value) from None
    length, source = query.shape[-2], key.shape[-2]
    if scale is None:
        # C++'s 1 / sqrt(0) is inf: with an empty embedding the scores are all 0 either way
        scale = 1.0 / math.sqrt(query.shape[-1]) if query.shape[-1] else math.inf
    root = math.sqrt(abs(scale))
    query = query * (-root if scale < 0 else root)
    if is_causal:
        xp = query._backend.xp
        attn_mask = Tensor._make(xp.tril(xp.ones((length, source), dtype=bool)), query._backend)
    if attn_mask is not None and attn_mask.dtype is dtypes.bool_:
        attn_mask = _bool_mask_to_bias(attn_mask, query.dtype)
    if enable_gqa and query.dim() >= 3:
        heads, kv_heads = query.shape[-3], key.shape[-3]
        if heads % kv_heads or heads % value.shape[-3]:
            raise RuntimeError("Number of heads in key and value must divide the number of "
                               "heads in ")
        key = _repeat_heads(key, heads // kv_heads)
        value = _repeat_heads(value, heads // value.shape[-3])
    attn = matmul(query, key.transpose(-2, -1) * root)
    if attn_mask is not None:
        attn = attn + attn_mask
    attn = _safe_softmax(attn)
    if dropout_p > 0.0:
        if dropout_p > 1.0:  # torch's C++ dropout: a RuntimeError (F.dropout's is a ValueError)
            raise RuntimeError(f"dropout probability has to be between 0 and 1, but got "
                               f"{dropout_p}")
        attn = dropout(attn, dropout_p, True)
    return matmul(attn, value)


# -- multi-head attention ---------------------------------------------------------------------------

def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """torch's checks of the inputs' ranks; True for a batched (3-D) query."""
    kind = {3: "batched (3-D)", 2: "unbatched (2-D)"}.get(query.dim())
    if kind is None:
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                             f"{query.dim()}-D query tensor")
    rank = query.dim()
    if key.dim() != rank or value.dim() != rank:
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be {rank}-D but "
                             f"found {key.dim()}-D and {value.dim()}-D tensors respectively")
    if key_padding_mask is not None and key_padding_mask.dim() != rank - 1:
        raise AssertionError(f"For {kind} `query`, expected `key_padding_mask` to be `None` or "
                             f"{rank - 1}-D but found {key_padding_mask.dim()}-D tensor instead")
    if attn_mask is not None:
        if attn_mask.dim() not in (2, 3):
            raise AssertionError(f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or "
                                 f"3-D but found {attn_mask.dim()}-D tensor instead")
        if rank == 2 and attn_mask.dim() == 3:
            expected = (num_heads, query.shape[0], key.shape[0])
            if tuple(attn_mask.shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                     f"{attn_mask.shape}")
    return rank == 3


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """torch's _canonical_mask: a bool mask becomes a float one (-inf where True)."""
    if mask is None:
        return None
    if mask.dtype is not dtypes.bool_ and not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype is not other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use "
                      "same type for both instead.", stacklevel=3)
    if not mask.is_floating_point():
        zero = Tensor._make(mask._backend.xp.zeros((), dtype=target_type.np), mask._backend)
        mask = where(mask, float("-inf"), zero)
    return mask


def _in_projection(query, key, value, weights, biases):
    """q, k, v projections; one matmul where query, key and value are the same tensor."""
    if query is key and key is value and len(weights) == 1:
        return linear(query, weights[0], biases[0]).chunk(3, dim=-1)
    if len(weights) == 1:
        weights = weights[0].chunk(3)
        biases = (None,) * 3 if biases[0] is None else biases[0].chunk(3)
    return tuple(linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases))


def _check_mask_shape(attn_mask, tgt_len, src_len, batch_heads):
    if attn_mask.dim() == 2:
        if tuple(attn_mask.shape) != (tgt_len, src_len):
            raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should "
                               f"be {(tgt_len, src_len)}.")
        return attn_mask.unsqueeze(0)
    if attn_mask.dim() == 3:
        if tuple(attn_mask.shape) != (batch_heads, tgt_len, src_len):
            raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should "
                               f"be {(batch_heads, tgt_len, src_len)}.")
        return attn_mask
    raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")


def _pad_last(mask):
    """One more key position (bias_k or the zero attention), which every query may attend: a
    zero column (torch pads the float mask by one)."""
    if mask is None:
        return None
    zeros = mask._backend.xp.zeros(tuple(mask.shape[:-1]) + (1,), dtype=mask.dtype.np)
    return cat([mask, Tensor._make(zeros, mask._backend)], -1)


def multi_head_attention_forward(query, key, value, *args, **kwargs):
    """torch.nn.functional.multi_head_attention_forward (see ``_multi_head_attention_forward``);
    torch's wording of a failure is kept, with a note naming the call and its inputs."""
    try:
        return _multi_head_attention_forward(query, key, value, *args, **kwargs)
    except (AssertionError, RuntimeError, ValueError) as err:
        if all(isinstance(x, Tensor) for x in (query, key, value)):
            op_note(err, "multi_head_attention_forward", query, key, value)
        raise


def _multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight,
                                 in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p,
                                 out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """torch.nn.functional.multi_head_attention_forward: inputs (L, N, E) or unbatched (L, E);
    returns the output and, with ``need_weights``, the attention weights (averaged over heads
    with ``average_attn_weights``)."""
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                      None if attn_mask is None else attn_mask.dtype, "attn_mask",
                                      query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to create "
                           "this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # scaled_dot_product_attention builds the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got "
                             f"{embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        for name, w, want in (("query", q_proj_weight, (embed_dim, embed_dim)),
                              ("key", k_proj_weight, (embed_dim, key.shape[-1])),
                              ("value", v_proj_weight, (embed_dim, value.shape[-1]))):
            if tuple(w.shape) != want:
                raise AssertionError(f"expecting {name} weights shape of {want}, but got {w.shape}")
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
        biases = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, (q_proj_weight, k_proj_weight, v_proj_weight),
                                 biases)
    else:
        if key.shape != value.shape:
            raise AssertionError(f"key shape {key.shape} does not match value shape "
                                 f"{value.shape}")
        q, k, v = _in_projection(query, key, value, (in_proj_weight,), (in_proj_bias,))
    if attn_mask is not None:
        attn_mask = _check_mask_shape(attn_mask, tgt_len, src_len, bsz * num_heads)
    if (bias_k is None) != (bias_v is None):
        raise AssertionError(f"bias_{'k' if bias_v is None else 'v'} is set but "
                             f"bias_{'v' if bias_v is None else 'k'} is None")
    if bias_k is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError(f"bias cannot be added to static "
                                 f"{'key' if static_k is not None else 'value'}.")
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    batch_heads = bsz * num_heads
    q = q.reshape(tgt_len, batch_heads, head_dim).transpose(0, 1)
    k = _heads(k, static_k, batch_heads, head_dim, "k")
    v = _heads(v, static_v, batch_heads, head_dim, "v")
    if add_zero_attn:
        zeros = k._backend.xp.zeros((batch_heads, 1, head_dim), dtype=k.dtype.np)
        k = cat([k, Tensor._make(zeros, k._backend)], dim=1)
        v = cat([v, Tensor._make(zeros.astype(v.dtype.np), v._backend)], dim=1)
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        key_padding_mask = (key_padding_mask.reshape(bsz, 1, 1, src_len)
                            .expand(-1, num_heads, -1, -1).reshape(batch_heads, 1, src_len))
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0
    if need_weights:
        q_scaled = q * math.sqrt(1.0 / float(q.shape[-1]))
        if attn_mask is not None:
            weights = baddbmm(attn_mask, q_scaled, k.transpose(-2, -1))
        else:
            weights = bmm(q_scaled, k.transpose(-2, -1))
        weights = softmax(weights, dim=-1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        out = bmm(weights, v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias)
        out = out.reshape(tgt_len, bsz, out.shape[-1])  # (not -1: bsz may be 0)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, attn_mask.shape[-2], src_len)
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias)
    out = out.reshape(tgt_len, bsz, out.shape[-1])
    return (out if is_batched else out.squeeze(1)), None


def _heads(t, static, batch_heads, head_dim, name):
    """(S, N, E) -> (N * heads, S, head_dim), or the given static key/value after torch's checks."""
    if static is None:
        return t.reshape(t.shape[0], batch_heads, head_dim).transpose(0, 1)
    if static.shape[0] != batch_heads:
        raise AssertionError(f"expecting static_{name}.size(0) of {batch_heads}, but got "
                             f"{static.shape[0]}")
    if static.shape[2] != head_dim:
        raise AssertionError(f"expecting static_{name}.size(2) of {head_dim}, but got "
                             f"{static.shape[2]}")
    return static
