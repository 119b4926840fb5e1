"""autograd_gpu.nn.functional: torch.nn.functional's names over the library's differentiable ops,
plus ``pad`` and ``one_hot``, which live here because no op family owns them."""
from ..autograd.function import Op
from ..creation import arange
from ..ops.activation import (celu, dropout, dropout2d, elu, embedding, gelu, glu, hardshrink,
                              hardsigmoid, hardswish, hardtanh, leaky_relu, log_softmax,
                              logsigmoid, mish, prelu, relu6, selu, silu, softmax, softmin,
                              softplus, softshrink, threshold)
from ..ops.attention import (_canonical_mask, multi_head_attention_forward,  # noqa: F401
                             scaled_dot_product_attention)
from ..ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from ..ops.elementwise import relu as _relu
from ..ops.elementwise import sigmoid, tanh
from ..ops.linalg import linear
from ..ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits,
                        cosine_embedding_loss, cross_entropy, huber_loss, kl_div, l1_loss,
                        margin_ranking_loss, mse_loss, nll_loss, smooth_l1_loss,
                        triplet_margin_loss)
from ..ops.normalization import (batch_norm, cosine_similarity, group_norm, instance_norm,
                                 layer_norm, normalize, pairwise_distance)
from ..ops.fold import fold, unfold
from ..ops.pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d,
                           adaptive_max_pool2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d)
from ..ops.resample import interpolate, pixel_shuffle, pixel_unshuffle
from ..tensor import Tensor, check_tensor, op_note

__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "avg_pool1d", "avg_pool2d", "batch_norm", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "celu", "conv1d", "conv2d", "conv_transpose1d",
           "conv_transpose2d", "cosine_embedding_loss", "cosine_similarity", "cross_entropy",
           "dropout", "dropout2d", "elu", "embedding", "fold", "gelu", "glu", "group_norm",
           "hardshrink", "hardsigmoid", "hardswish", "hardtanh", "huber_loss", "instance_norm",
           "interpolate", "kl_div", "l1_loss", "layer_norm", "leaky_relu", "linear", "log_softmax",
           "logsigmoid", "margin_ranking_loss", "max_pool1d", "max_pool2d", "mish", "mse_loss",
           "multi_head_attention_forward", "nll_loss", "normalize", "one_hot", "pad",
           "pairwise_distance", "pixel_shuffle", "pixel_unshuffle", "prelu", "relu", "relu6",
           "scaled_dot_product_attention", "selu", "sigmoid", "silu", "smooth_l1_loss", "softmax",
           "softmin", "softplus", "softshrink", "softsign", "tanh", "tanhshrink", "threshold",
           "triplet_margin_loss", "unfold"]


def relu(input, inplace=False):
    """``inplace=True`` rewrites ``input`` (its grad_fn becomes ReluBackward0), as torch's relu_."""
    return input.relu_() if inplace else _relu(input)


def softsign(input):
    """x / (1 + |x|), torch's composition (its grad_fn is DivBackward0)."""
    check_tensor(input, "softsign")
    return input / (input.abs() + 1)


def tanhshrink(input):
    """x - tanh(x), torch's composition (its grad_fn is SubBackward0)."""
    check_tensor(input, "tanhshrink")
    return input - input.tanh()


# -- pad -------------------------------------------------------------------------------------------

class ConstantPadNd(Op):
    """Pads (or, for negative amounts, crops) each dim by (before, after) with ``value``; the
    gradient is the output gradient padded by the negated amounts, i.e. cropped back."""
    node_name = "ConstantPadNdBackward0"

    def forward(ctx, x, widths, value):
        ctx.widths = widths
        data = x._data
        crop = tuple(slice(max(-before, 0), size - max(-after, 0))
                     for size, (before, after) in zip(data.shape, widths))
        grow = [(max(before, 0), max(after, 0)) for before, after in widths]
        return x._backend.xp.pad(data[crop], grow, mode="constant", constant_values=value)

    def backward(ctx, gy):
        return ConstantPadNd.apply(gy, [(-before, -after) for before, after in ctx.widths], 0)


_OTHER_MODES = ("reflect", "replicate", "circular")


def pad(input, pad, mode="constant", value=None):
    """torch.nn.functional.pad: ``pad`` lists (left, right) amounts from the last dim backwards;
    ``reflect``, ``replicate`` and ``circular`` pad the last 1-3 dims by gathering (the gradient
    adds back into the positions each value came from)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' must be Tensor, not {type(input).__name__}")
    if mode != "constant" and mode not in _OTHER_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    for i, p in enumerate(pad):
        integral = (isinstance(p, Tensor) and p.dim() == 0 and not p.is_floating_point()
                    or not isinstance(p, Tensor) and hasattr(p, "__index__"))
        if isinstance(p, bool) or not integral:
            raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, but found "
                            f"element of type {type(p).__name__} at pos {i}")
    if value is not None and not isinstance(value, (int, float, Tensor)):
        raise TypeError(f"pad(): argument 'value' (position 4) must be float, not "
                        f"{type(value).__name__}")
    pad = [int(p) for p in pad]
    ndim = input._data.ndim
    if len(pad) % 2:
        raise op_note(RuntimeError("Padding length must be divisible by 2"), "pad", input)
    if mode != "constant":
        try:
            return _gather_pad(input, pad, mode, value)
        except RuntimeError as err:  # NotImplementedError included
            raise op_note(err, "pad", input) from None
    if len(pad) // 2 > ndim:
        raise op_note(RuntimeError(
            f"Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(pad)} and input of dimension {ndim}"), "pad", input)
    widths = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        widths[ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    for dim, (size, (before, after)) in enumerate(zip(input._data.shape, widths)):
        if size + before + after < 0:
            raise RuntimeError(f"The input size {size}, plus negative padding {before} and {after} "
                               f"resulted in a negative output size, which is invalid. Check "
                               f"dimension {dim} of your input.")
    return ConstantPadNd.apply(input, widths, 0 if value is None else value)


_NON_CONSTANT_RANKS = {2: (2, 3), 4: (3, 4), 6: (4, 5)}  # pad length: the input ranks it pads
_NON_CONSTANT_HELP = ("Supported combinations for non-constant padding:\n"
                      "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                      "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                      "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _gather_pad(input, pad, mode, value):
    """reflect / replicate / circular padding (negative amounts crop), one index_select per
    padded dim, after torch's checks."""
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    shape, ndim = tuple(input.shape), input.dim()
    ranks = _NON_CONSTANT_RANKS.get(len(pad))
    if ranks is None or ndim not in ranks:
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {ndim}D input "
                                  f"tensor.\n{_NON_CONSTANT_HELP}")
    if mode != "circular" and 0 in shape[ndim - ranks[0]:]:  # no batch dim: none may be 0
        raise RuntimeError(f"Expected {ranks[0]}D or {ranks[1]}D (batch mode) tensor with "
                           f"possibly 0 batch size and other non-zero dimensions for input, but "
                           f"got: {list(shape)}")
    xp, out = input._backend.xp, input
    for i in range(len(pad) // 2):
        dim, (before, after) = ndim - 1 - i, pad[2 * i:2 * i + 2]
        size = shape[dim]
        if mode == "reflect" and (before >= size or after >= size):
            raise RuntimeError(f"Argument #{4 + 2 * i}: Padding size should be less than the "
                               f"corresponding input dimension, but got: padding ({before}, "
                               f"{after}) at dimension {dim} of input {list(shape)}")
        if mode == "circular" and (before > size or after > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if size + before + after < 1:
            if mode == "circular":
                raise RuntimeError("Negative padding value is resulting in an empty dimension")
            name = "WHD"[i]
            raise RuntimeError(f"input ({name}: {size}) is too small. Calculated output {name}: "
                               f"{size + before + after}")
        index = xp.arange(-before, size + after)
        if mode == "reflect":
            index = xp.abs(index)
            index = xp.where(index >= size, 2 * (size - 1) - index, index)
        elif mode == "replicate":
            index = xp.clip(index, 0, size - 1)
        else:  # torch wraps around the cropped dim, where a negative amount crops
            start, kept = max(-before, 0), size - max(-before, 0) - max(-after, 0)
            index = start + xp.arange(-max(before, 0), kept + max(after, 0)) % kept
        out = out.index_select(dim, Tensor._make(index.astype("int64"), input._backend))
    if mode != "circular" and input.dtype.name == "bool":  # torch's kernels have no Bool case
        kernel = "reflection" if mode == "reflect" else "replication"
        raise NotImplementedError(f"\"{kernel}_pad{len(pad) // 2}d\" not implemented for 'Bool'")
    return out


# -- one_hot ---------------------------------------------------------------------------------------

def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding along a new last dim (not differentiable, as in torch)."""
    check_tensor(tensor, "one_hot")
    if tensor.dtype.name != "int64":
        raise op_note(RuntimeError("one_hot is only applicable to index tensor of type "
                                   "LongTensor."), "one_hot", tensor)
    if tensor.numel() == 0:
        if num_classes == -1:
            raise op_note(RuntimeError("Can not infer total number of classes from empty tensor."),
                          "one_hot", tensor)
    else:
        if bool((tensor < 0).any()):
            raise op_note(RuntimeError("Class values must be non-negative."), "one_hot", tensor)
        top = int(tensor.max())
        if num_classes == -1:
            num_classes = top + 1
        elif top >= num_classes:
            raise op_note(RuntimeError("Class values must be smaller than num_classes."),
                          "one_hot", tensor)
    return (tensor.unsqueeze(-1) == arange(num_classes, device=tensor.device)).long()
