"""2-D convolution (torch.nn.functional.conv2d) as im2col + one matrix product.

The input is zero-padded once, viewed through ``as_strided`` as columns of shape
``(C*kh*kw, N*Ho*Wo)`` (one copy: the only im2col cost) and multiplied by the weight reshaped to
``(O, C*kh*kw)``: one BLAS/cuBLAS call, grouped convolutions batched over the groups. Channel-major
columns make every product a plain 2-D GEMM and both backward products reuse the same layout.

Three ops close the convolution under differentiation, as torch's ``convolution_backward`` and
its double backward do. With ``C(x, w)`` the convolution:

- ``Convolution``         y  = C(x, w) + b
- ``ConvolutionInputGrad``  gx = C_x^T(gy; w): the adjoint in x (a transposed convolution)
- ``ConvolutionWeightGrad`` gw = C_w^T(x; gy): the adjoint in w (a convolution of x with gy)

Each is bilinear in its two tensor inputs, so each one's backward is made of the other two; any
order of gradient goes through the same three kernels. The input gradient of a stride-1
convolution is computed as a convolution of gy with the flipped weight (one im2col copy); strided
ones scatter their columns back (col2im), looping over the kh*kw kernel offsets only, each a
strided array add, never over pixels.
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

def _matmul(xp, a, b):
    """a @ b, float16 accumulated in float32 (numpy has no half-precision BLAS)."""
    if a.dtype == xp.float16:
        return xp.matmul(a.astype(xp.float32), b.astype(xp.float32)).astype(xp.float16)
    return xp.matmul(a, b)


def _im2col(xp, x, kernel_hw, geom):
    """Columns ``(C*kh*kw, N*Ho*Wo)`` of x ``(N, C, H, W)``, rows ordered (c, i, j)."""
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel_hw, geom.stride, geom.dilation
    pt, pb, pl, pr = geom.padding
    ho, wo = geom.output_size((h, w), kernel_hw)
    if pt or pb or pl or pr:
        padded = xp.zeros((n, c, h + pt + pb, w + pl + pr), dtype=x.dtype)
        padded[:, :, pt:pt + h, pl:pl + w] = x
        x = padded
    s_n, s_c, s_h, s_w = x.strides
    windows = xp.lib.stride_tricks.as_strided(
        x, (c, kh, kw, n, ho, wo), (s_c, s_h * dh, s_w * dw, s_n, s_h * sh, s_w * sw))
    return windows.reshape(c * kh * kw, n * ho * wo)


def _col2im(xp, cols, x_shape, kernel_hw, geom):
    """The adjoint of ``_im2col``: sums columns ``(C, kh, kw, N, Ho, Wo)`` back into (N, C, H, W)."""
    n, c, h, w = x_shape
    (kh, kw), (sh, sw), (dh, dw) = kernel_hw, geom.stride, geom.dilation
    pt, pb, pl, pr = geom.padding
    ho, wo = cols.shape[-2:]
    padded = xp.zeros((c, n, h + pt + pb, w + pl + pr), dtype=cols.dtype)
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
        for j in range(kw):
            padded[:, :, rows, j * dw:j * dw + sw * (wo - 1) + 1:sw] += cols[:, i, j]
    return xp.ascontiguousarray(padded[:, :, pt:pt + h, pl:pl + w].transpose(1, 0, 2, 3))


def _grouped(a, groups):
    """A 2-D ``(rows, cols)`` array as ``(groups, rows/groups, cols)`` (a view)."""
    return a.reshape(groups, a.shape[0] // groups, a.shape[1])


def _output_major(xp, gy, groups):
    """gy ``(N, O, Ho, Wo)`` as ``(groups, O/groups, N*Ho*Wo)``, the columns' layout."""
    n, o, ho, wo = gy.shape
    return _grouped(xp.ascontiguousarray(gy.transpose(1, 0, 2, 3)).reshape(o, n * ho * wo), groups)


def _conv_forward(xp, x, weight, geom):
    o, _, kh, kw = weight.shape
    n = x.shape[0]
    ho, wo = geom.output_size(x.shape[2:], (kh, kw))
    cols = _grouped(_im2col(xp, x, (kh, kw), geom), geom.groups)
    y = _matmul(xp, _grouped(weight.reshape(o, -1), geom.groups), cols)
    return xp.ascontiguousarray(y.reshape(o, n, ho, wo).transpose(1, 0, 2, 3))


def _full_correlation(weight, geom):
    """For stride 1 the input gradient is itself a convolution: of gy, padded by d*(k-1) - p, with
    the weight flipped and its in/out channels swapped per group. Returns (weight, geometry), or
    None where that padding would be negative (a 1x1 kernel with padding, say)."""
    o, cg, kh, kw = weight.shape
    (dh, dw), (pt, pb, pl, pr), groups = geom.dilation, geom.padding, geom.groups
    full_h, full_w = dh * (kh - 1), dw * (kw - 1)
    padding = (full_h - pt, full_h - pb, full_w - pl, full_w - pr)
    if geom.stride != (1, 1) or min(padding) < 0:
        return None
    swapped = weight.reshape(groups, o // groups, cg, kh, kw).transpose(0, 2, 1, 3, 4)
    flipped = swapped[:, :, :, ::-1, ::-1].reshape(groups * cg, o // groups, kh, kw)
    return flipped, _Geometry((1, 1), padding, geom.dilation, groups)


def _conv_input_grad(xp, gy, weight, geom, x_shape):
    full = _full_correlation(weight, geom)
    if full is not None:  # one im2col copy of gy instead of kh*kw strided adds
        return _conv_forward(xp, gy, *full)
    o, _, kh, kw = weight.shape
    w_t = _grouped(weight.reshape(o, -1), geom.groups).transpose(0, 2, 1)
    cols = _matmul(xp, w_t, _output_major(xp, gy, geom.groups))
    n, _, ho, wo = gy.shape
    return _col2im(xp, cols.reshape(x_shape[1], kh, kw, n, ho, wo), x_shape, (kh, kw), geom)


def _conv_weight_grad(xp, x, gy, geom, w_shape):
    cols = _grouped(_im2col(xp, x, w_shape[2:], geom), geom.groups)
    gw = _matmul(xp, _output_major(xp, gy, geom.groups), cols.transpose(0, 2, 1))
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
