"""2-D convolution (torch.nn.functional.conv2d) as im2col + matrix products.

The input's windows are viewed through ``as_strided`` and copied once into channel-major columns
``(C*kh*kw, positions)`` (the only im2col cost), then multiplied by the weight reshaped to
``(O, C*kh*kw)``, as it is stored: BLAS/cuBLAS calls, grouped convolutions batched over the
groups. How the positions are ordered is chosen per call so that the copy runs along long
contiguous rows (see the array kernels below).

Three ops close the convolution under differentiation, as torch's ``convolution_backward`` and
its double backward do. With ``C(x, w)`` the convolution:

- ``Convolution``         y  = C(x, w) + b
- ``ConvolutionInputGrad``  gx = C_x^T(gy; w): the adjoint in x (a transposed convolution)
- ``ConvolutionWeightGrad`` gw = C_w^T(x; gy): the adjoint in w (a convolution of x with gy)

Each is bilinear in its two tensor inputs, so each one's backward is made of the other two; any
order of gradient goes through the same three kernels. The input gradient of a stride-1
convolution is computed as a correlation of gy with the flipped weight (one im2col copy); strided
ones scatter their columns back (col2im), looping over the kh*kw kernel offsets only, each a
strided array add, never over pixels. The columns are never saved for backward: x is, and the
weight gradient rebuilds them (a copy of 9x the input per 3x3 layer would be the graph's largest
tensor).
"""
import numbers

from ..autograd.function import Op
from ..tensor import Tensor


class _Geometry:
    """Stride, padding (top, bottom, left, right), dilation and groups of one convolution."""

    __slots__ = ("stride", "padding", "dilation", "groups")

    def __init__(self, stride, padding, dilation, groups):
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups

    def output_size(self, in_hw, kernel_hw):
        (sh, sw), (pt, pb, pl, pr), (dh, dw) = self.stride, self.padding, self.dilation
        (h, w), (kh, kw) = in_hw, kernel_hw
        return (h + pt + pb - dh * (kh - 1) - 1) // sh + 1, (w + pl + pr - dw * (kw - 1) - 1) // sw + 1


# -- array kernels (xp is numpy or cupy) ------------------------------------------------------------
#
# The im2col columns are read from x through one strided view whose axes are named by letters:
# n (batch), g (group), c (channel within the group), i, j (kernel offsets), h, w (output
# position). Rows are channel-major (g, c, i, j), so the weight is used as it is stored
# (reordering a 512x512x3x3 weight to channels-last costs as much as its product). The positions
# come batch first (n, h, w), read from x in place, or batch last (h, w, n), read from a
# (C, H, W, N) copy of x. The column copy is fast when its innermost run is long, a numpy copy
# paying per run: Wo elements batch first, N*Wo (stride 1) or N batch last. ResNet-18 at 64x64
# and batch 8: layer4's 2x2 outputs copy in runs of 16 instead of 2 (5x faster, the transposed
# copy of x included), layer1's in runs of 128 instead of 16 (2x); the stem (Wo = 32) stays batch
# first. Batch first, the product is one GEMM per sample whose result is already NCHW; batch
# last, one GEMM and one transpose of the (9x smaller) output.


def _batch_last(batch, out_w, stride_w):
    """Whether the batch-last column copy has the longer innermost contiguous run."""
    return (batch * out_w if stride_w == 1 else batch) > out_w


def _matmul(xp, a, b):
    """a @ b, float16 accumulated in float32 (numpy has no half-precision BLAS)."""
    if a.dtype == xp.float16:
        return xp.matmul(a.astype(xp.float32), b.astype(xp.float32)).astype(xp.float16)
    return xp.matmul(a, b)


def _source(xp, x, kernel_hw, geom, batch_last):
    """The array the windows are read from and its (n, c, h, w) strides: x itself, or x
    zero-padded, batch last where asked (a 1x1 kernel reads each element once: no copy)."""
    n, c, h, w = x.shape
    pt, pb, pl, pr = geom.padding
    padded = pt or pb or pl or pr
    if not padded and (not batch_last or kernel_hw == (1, 1)):
        return x, x.strides
    axes = (1, 2, 3, 0) if batch_last else (0, 1, 2, 3)
    full = (n, c, h + pt + pb, w + pl + pr)
    buf = xp.zeros(tuple(full[a] for a in axes), dtype=x.dtype)
    inside = (slice(None), slice(None), slice(pt, pt + h), slice(pl, pl + w))
    buf[tuple(inside[a] for a in axes)] = x.transpose(axes)
    return buf, tuple(buf.strides[axes.index(a)] for a in range(4))


def _windows(xp, x, kernel_hw, geom, dims, batch_last):
    """im2col as a strided view of x ``(N, C, H, W)`` with the axes ``dims`` (letters above);
    reshaping it to a matrix is the one copy."""
    n, c = x.shape[:2]
    groups = geom.groups
    (kh, kw), (sh, sw), (dh, dw) = kernel_hw, geom.stride, geom.dilation
    ho, wo = geom.output_size(x.shape[2:], kernel_hw)
    buf, (s_n, s_c, s_h, s_w) = _source(xp, x, kernel_hw, geom, batch_last)
    axis = {"n": (n, s_n), "g": (groups, s_c * (c // groups)), "c": (c // groups, s_c),
            "i": (kh, s_h * dh), "j": (kw, s_w * dw), "h": (ho, s_h * sh), "w": (wo, s_w * sw)}
    return xp.lib.stride_tricks.as_strided(buf, tuple(axis[d][0] for d in dims),
                                           tuple(axis[d][1] for d in dims))


def _correlate(xp, x, w_rows, kernel_hw, geom):
    """x ``(N, C, H, W)`` correlated with the weight matrix ``w_rows`` ``(G, O/G, C/G*kh*kw)``
    (columns ordered c, i, j); returns (N, O, Ho, Wo)."""
    n, groups = x.shape[0], geom.groups
    ho, wo = geom.output_size(x.shape[2:], kernel_hw)
    o = w_rows.shape[0] * w_rows.shape[1]
    k = w_rows.shape[2]
    if _batch_last(n, wo, geom.stride[1]):
        cols = _windows(xp, x, kernel_hw, geom, "gcijhwn", True).reshape(groups, k, ho * wo * n)
        y = _matmul(xp, w_rows, cols).reshape(o, ho, wo, n)
        return xp.ascontiguousarray(y.transpose(3, 0, 1, 2))
    cols = _windows(xp, x, kernel_hw, geom, "ngcijhw", False).reshape(n, groups, k, ho * wo)
    return _matmul(xp, w_rows, cols).reshape(n, o, ho, wo)


def _conv_forward(xp, x, weight, geom):
    o, _, kh, kw = weight.shape
    return _correlate(xp, x, weight.reshape(geom.groups, o // geom.groups, -1), (kh, kw), geom)


def _positions(xp, gy, batch_last, groups):
    """gy ``(N, O, Ho, Wo)`` as ``(groups, O/groups, N*Ho*Wo)``, positions as in the columns."""
    n, o, ho, wo = gy.shape
    moved = gy.transpose((1, 2, 3, 0) if batch_last else (1, 0, 2, 3))
    return xp.ascontiguousarray(moved).reshape(groups, o // groups, n * ho * wo)


def _col2im(xp, cols, x_shape, kernel_hw, geom, batch_last):
    """The adjoint of the channel-major columns: sums ``cols`` (C*kh*kw rows of N*Ho*Wo
    positions, grouped or not) back into (N, C, H, W), one strided add per kernel offset."""
    n, c, h, w = x_shape
    (kh, kw), (sh, sw), (dh, dw) = kernel_hw, geom.stride, geom.dilation
    pt, pb, pl, pr = geom.padding
    ho, wo = geom.output_size((h, w), kernel_hw)
    axes = (1, 2, 3, 0) if batch_last else (1, 0, 2, 3)  # the columns' own order: no transpose
    full, size = (n, c, h + pt + pb, w + pl + pr), (n, c, ho, wo)
    cols = cols.reshape((c, kh, kw) + tuple(size[a] for a in axes[1:]))
    buf = xp.zeros(tuple(full[a] for a in axes), dtype=cols.dtype)
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
        for j in range(kw):
            at = (slice(None), slice(None), rows, slice(j * dw, j * dw + sw * (wo - 1) + 1, sw))
            buf[tuple(at[a] for a in axes)] += cols[:, i, j]
    inside = (slice(None), slice(None), slice(pt, pt + h), slice(pl, pl + w))
    return xp.ascontiguousarray(buf[tuple(inside[a] for a in axes)]
                                .transpose(tuple(axes.index(a) for a in range(4))))


def _full_correlation(xp, weight, geom):
    """For stride 1 the input gradient is itself a correlation: of gy, padded by d*(k-1) - p,
    with the kernel flipped and in/out channels swapped per group. Its weight matrix
    ``(G, C/G, O/G*kh*kw)`` is the transpose of a ``(G, O/G, kh*kw, C/G)`` copy: built one output
    channel's block at a time, that copy stays in cache (the direct transpose walks the whole
    weight once per kernel offset). Returns (matrix, geometry), or None where that padding would
    be negative (a 1x1 kernel with padding, say)."""
    o, cg, kh, kw = weight.shape
    (dh, dw), (pt, pb, pl, pr), groups = geom.dilation, geom.padding, geom.groups
    full_h, full_w = dh * (kh - 1), dw * (kw - 1)
    padding = (full_h - pt, full_h - pb, full_w - pl, full_w - pr)
    if geom.stride != (1, 1) or min(padding) < 0:
        return None
    offsets_last = weight.reshape(groups, o // groups, cg, kh * kw)[:, :, :, ::-1]
    blocks = xp.ascontiguousarray(offsets_last.transpose(0, 1, 3, 2))
    w_rows = blocks.reshape(groups, o // groups * kh * kw, cg).transpose(0, 2, 1)
    return w_rows, _Geometry((1, 1), padding, geom.dilation, groups)


def _conv_input_grad(xp, gy, weight, geom, x_shape):
    o, _, kh, kw = weight.shape
    full = _full_correlation(xp, weight, geom)
    if full is not None:  # one im2col copy of gy instead of kh*kw strided adds
        w_rows, full_geom = full
        return _correlate(xp, gy, w_rows, (kh, kw), full_geom)
    ho, wo = geom.output_size(x_shape[2:], (kh, kw))
    batch_last = _batch_last(x_shape[0], wo, geom.stride[1])
    w_t = weight.reshape(geom.groups, o // geom.groups, -1).transpose(0, 2, 1)
    cols = _matmul(xp, w_t, _positions(xp, gy, batch_last, geom.groups))
    return _col2im(xp, cols, x_shape, (kh, kw), geom, batch_last)


def _conv_weight_grad(xp, x, gy, geom, w_shape):
    groups = geom.groups
    ho, wo = geom.output_size(x.shape[2:], w_shape[2:])
    batch_last = _batch_last(x.shape[0], wo, geom.stride[1])
    dims = "gcij" + ("hwn" if batch_last else "nhw")
    cols = _windows(xp, x, tuple(w_shape[2:]), geom, dims, batch_last)
    cols = cols.reshape(groups, w_shape[1] * w_shape[2] * w_shape[3], x.shape[0] * ho * wo)
    gw = _matmul(xp, _positions(xp, gy, batch_last, groups), cols.transpose(0, 2, 1))
    return gw.reshape(w_shape)


# -- the three ops ----------------------------------------------------------------------------------

class Convolution(Op):
    """y = conv2d(x, w) + b; saves x and w (not the columns: they are rebuilt in backward)."""
    node_name = "ConvolutionBackward0"
    op_name = "conv2d"
    fixed_positions = (0, 1, 2)  # a missing bias shows as (None, 0) in next_functions, as in torch

    def forward(ctx, x, weight, bias, geom):
        need_x, need_w = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        ctx.save_for_backward(x if need_w else None, weight if need_x else None)
        ctx.meta = (geom, x._data.shape, weight._data.shape)
        y = _conv_forward(x._backend.xp, x._data, weight._data, geom)
        if bias is not None:
            y += bias._data.reshape(1, -1, 1, 1)
        return y

    def backward(ctx, gy):
        x, weight = ctx.saved_tensors
        geom, x_shape, w_shape = ctx.meta
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = ConvolutionInputGrad.apply(gy, weight, geom, x_shape) if need_x else None
        gw = ConvolutionWeightGrad.apply(x, gy, geom, w_shape) if need_w else None
        gb = gy.sum((0, 2, 3)) if need_b else None
        return gx, gw, gb


class ConvolutionInputGrad(Op):
    """gx = C_x^T(gy; w), linear in gy and in w."""
    node_name = "ConvolutionBackwardBackward0"

    def forward(ctx, gy, weight, geom, x_shape):
        need_gy, need_w = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        ctx.save_for_backward(gy if need_w else None, weight if need_gy else None)
        ctx.meta = (geom, weight._data.shape)
        return _conv_input_grad(gy._backend.xp, gy._data, weight._data, geom, x_shape)

    def backward(ctx, ggx):
        gy, weight = ctx.saved_tensors
        geom, w_shape = ctx.meta
        g_gy = Convolution.apply(ggx, weight, None, geom) if ctx.needs_input_grad[0] else None
        g_w = ConvolutionWeightGrad.apply(ggx, gy, geom, w_shape) if ctx.needs_input_grad[1] else None
        return g_gy, g_w


class ConvolutionWeightGrad(Op):
    """gw = C_w^T(x; gy), linear in x and in gy."""
    node_name = "ConvolutionBackwardBackward0"

    def forward(ctx, x, gy, geom, w_shape):
        need_x, need_gy = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        ctx.save_for_backward(x if need_gy else None, gy if need_x else None)
        ctx.meta = (geom, x._data.shape)
        return _conv_weight_grad(x._backend.xp, x._data, gy._data, geom, w_shape)

    def backward(ctx, ggw):
        x, gy = ctx.saved_tensors
        geom, x_shape = ctx.meta
        g_x = ConvolutionInputGrad.apply(gy, ggw, geom, x_shape) if ctx.needs_input_grad[0] else None
        g_gy = Convolution.apply(x, ggw, None, geom) if ctx.needs_input_grad[1] else None
        return g_x, g_gy


# -- argument checks (torch's order and messages) ---------------------------------------------------

def _pair(value, name):
    """An int or a sequence of ints; one value is doubled, as conv2d's Python binding does."""
    values = list(value) if isinstance(value, (tuple, list)) else [value]
    for pos, v in enumerate(values):
        if not isinstance(v, numbers.Integral) or isinstance(v, bool):
            raise TypeError(f"conv2d(): argument '{name}' must be tuple of ints, but found element "
                            f"of type {type(v).__name__} at pos {pos}")
    values = [int(v) for v in values]
    return values * 2 if len(values) == 1 else values


def _expand(values, name, dims):
    """torch's expand_param_if_needed: one value or exactly one per spatial dim of the weight."""
    if len(values) != dims:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {dims} "
                           f"values to match the convolution dimensions, but got {name}={values}")
    return tuple(values)


def _same_padding(kernel_hw, dilation):
    """torch's padding='same': total d*(k-1) per dim, any odd extra on the bottom/right."""
    pads = []
    for k, d in zip(kernel_hw, dilation):
        total = d * (k - 1)
        pads += [total // 2, total - total // 2]
    return tuple(pads)


def _geometry(w_shape, stride, padding, dilation, groups):
    if len(w_shape) < 3:
        raise RuntimeError("weight should have at least three dimensions")
    dims = len(w_shape) - 2
    if isinstance(padding, str) and padding not in ("same", "valid"):
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    stride = _expand(_pair(stride, "stride"), "stride", dims)
    if not isinstance(padding, str):
        padding = _expand(_pair(padding, "padding"), "padding", dims)
    dilation = _expand(_pair(dilation, "dilation"), "dilation", dims)
    if not isinstance(padding, str) and any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if padding == "same":
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        pads = _same_padding(w_shape[2:], dilation)
    elif padding == "valid":
        pads = (0, 0, 0, 0)
    else:
        pads = (padding[0], padding[0], padding[1], padding[1])
    return _Geometry(stride, pads, dilation, int(groups))


def _check_shapes(shape, w_shape, bias, geom):
    """shape: the batched input's; torch's check_shape_forward."""
    groups = geom.groups
    if len(w_shape) != 4:
        raise RuntimeError(f"Expected {len(w_shape)}-dimensional input for {len(w_shape)}-dimensional "
                           f"weight {w_shape}, but got 4-dimensional input of size {shape} instead")
    if w_shape[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at "
                           f"dimension 0, but got weight of size {w_shape} instead")
    if w_shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at "
                           f"dimension 0, but got weight of size [{w_shape}] instead")
    if shape[1] != w_shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {w_shape}, expected input{shape} to "
                           f"have {w_shape[1] * groups} channels, but got {shape[1]} channels instead")
    if bias is not None and (bias._data.ndim != 1 or bias._data.shape[0] != w_shape[0]):
        raise RuntimeError(f"Given weight of size {w_shape}, expected bias to be 1-dimensional with "
                           f"{w_shape[0]} elements, but got bias of size {list(bias._data.shape)} "
                           "instead")
    pt, pb, pl, pr = geom.padding
    padded = (shape[2] + pt + pb, shape[3] + pl + pr)
    kernel = tuple(d * (k - 1) + 1 for d, k in zip(geom.dilation, w_shape[2:]))
    if padded[0] < kernel[0] or padded[1] < kernel[1]:
        raise RuntimeError(f"Calculated padded input size per channel: ({padded[0]} x {padded[1]}). "
                           f"Kernel size: ({kernel[0]} x {kernel[1]}). Kernel size can't be greater "
                           "than actual input size")


def _c10_name(dt):
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int"}.get(dt.name, dt.name)


def _scalar_name(dt):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
            "int32": "Int", "bool": "Bool"}.get(dt.name, dt.name)


def _type_name(t):
    prefix = "torch.cuda." if t.device.type == "cuda" else "torch."
    return f"{prefix}{_scalar_name(t.dtype)}Tensor"


def _check_dtypes(x, weight, bias):
    """torch's messages: on the cpu the bias is checked first (its mkldnn path), then the weight."""
    on_cuda = x.device.type == "cuda"
    if not on_cuda and bias is not None and bias.dtype is not x.dtype:
        raise RuntimeError(f"Input type ({_c10_name(x.dtype)}) and bias type "
                           f"({_c10_name(bias.dtype)}) should be the same")
    if weight.dtype is not x.dtype:
        if on_cuda:
            raise RuntimeError(f"Input type ({_type_name(x)}) and weight type ({_type_name(weight)}) "
                               "should be the same")
        if x.dtype.name == "float32":
            raise RuntimeError(f"Input type ({_type_name(x)}) and weight type ({_type_name(weight)}) "
                               "should be the same or input should be a MKLDNN tensor and weight is "
                               "a dense tensor")
        raise RuntimeError(f"expected scalar type {_scalar_name(x.dtype)} but found "
                           f"{_scalar_name(weight.dtype)}")
    if on_cuda and bias is not None and bias.dtype is not x.dtype:
        raise RuntimeError(f"Input type ({_type_name(x)}) and bias type ({_type_name(bias)}) "
                           "should be the same")


def _check_tensor(value, name, position):
    if not isinstance(value, Tensor):
        raise TypeError(f"conv2d(): argument '{name}' (position {position}) must be Tensor, not "
                        f"{type(value).__name__}")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv2d: input (N, C, H, W) or unbatched (C, H, W), weight
    (O, C/groups, kh, kw); padding an int, a pair, 'valid' or 'same'."""
    _check_tensor(input, "input", 1)
    _check_tensor(weight, "weight", 2)
    if bias is not None:
        _check_tensor(bias, "bias", 3)
    shape = list(input._data.shape)
    if len(shape) not in (3, 4):
        raise RuntimeError(f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got "
                           f"input of size: {shape}")
    w_shape = list(weight._data.shape)
    geom = _geometry(w_shape, stride, padding, dilation, groups)
    unbatched = len(shape) == 3
    _check_shapes([1] + shape if unbatched else shape, w_shape, bias, geom)
    _check_dtypes(input, weight, bias)
    if unbatched:  # torch runs the batched op and squeezes: the graph ends in SqueezeBackward1
        return Convolution.apply(input.unsqueeze(0), weight, bias, geom).squeeze(0)
    return Convolution.apply(input, weight, bias, geom)
