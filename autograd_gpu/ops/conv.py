"""2-D convolution (torch.nn.functional.conv2d): argument checks and the three ops.

The array work is the backend's (``conv2d``, ``conv2d_input_grad``, ``conv2d_weight_grad``: im2col
and matrix products, see ``backend/conv_pool.py``). Three ops close the convolution under
differentiation, as torch's ``convolution_backward`` and its double backward do. With ``C(x, w)``
the convolution:

- ``Convolution``         y  = C(x, w) + b
- ``ConvolutionInputGrad``  gx = C_x^T(gy; w): the adjoint in x (a transposed convolution)
- ``ConvolutionWeightGrad`` gw = C_w^T(x; gy): the adjoint in w (a convolution of x with gy)

Each is bilinear in its two tensor inputs, so each one's backward is made of the other two; any
order of gradient goes through the same three primitives. The im2col columns are never saved for
backward: x is, and the weight gradient rebuilds them (a copy of 9x the input per 3x3 layer would
be the graph's largest tensor).
"""
import numbers

from ..autograd.function import Op
from ..backend.conv_pool_args import ConvGeometry
from ..tensor import Tensor, op_note

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
        y = x._backend.conv2d(x._data, weight._data, geom)
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
        return gy._backend.conv2d_input_grad(gy._data, weight._data, geom, x_shape)

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
        return x._backend.conv2d_weight_grad(x._data, gy._data, geom, w_shape)

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
    return ConvGeometry(stride, pads, dilation, int(groups))


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
    unbatched = len(shape) == 3
    try:  # torch's words, then a note naming conv2d and the tensors' shapes and dtypes
        if len(shape) not in (3, 4):
            raise RuntimeError(f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got "
                               f"input of size: {shape}")
        w_shape = list(weight._data.shape)
        geom = _geometry(w_shape, stride, padding, dilation, groups)
        _check_shapes([1] + shape if unbatched else shape, w_shape, bias, geom)
        _check_dtypes(input, weight, bias)
    except RuntimeError as err:
        raise op_note(err, "conv2d", input, weight, *(() if bias is None else (bias,))) from None
    if unbatched:  # torch runs the batched op and squeezes: the graph ends in SqueezeBackward1
        return Convolution.apply(input.unsqueeze(0), weight, bias, geom).squeeze(0)
    return Convolution.apply(input, weight, bias, geom)
