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
        one_d = x._data.ndim == 3  # conv1d: (N, C, L) seen as (N, C, 1, L)
        xa, wa = (x._data[:, :, None], weight._data[:, :, None]) if one_d else (x._data, weight._data)
        ctx.meta = (geom, xa.shape, wa.shape, one_d)
        y = x._backend.conv2d(xa, wa, geom)
        if bias is not None:
            y += bias._data.reshape(1, -1, 1, 1)
        return y[:, :, 0] if one_d else y

    def backward(ctx, gy):
        x, weight = ctx.saved_tensors
        geom, x_shape, w_shape, one_d = ctx.meta
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gy, x, weight = _height_one(one_d, gy, x, weight)
        gx = ConvolutionInputGrad.apply(gy, weight, geom, x_shape) if need_x else None
        gw = ConvolutionWeightGrad.apply(x, gy, geom, w_shape) if need_w else None
        gb = gy.sum((0, 2, 3)) if need_b else None
        return (*_drop_height(one_d, gx, gw), gb)


class ConvolutionTranspose(Op):
    """y = C_x^T(x; w) + b, conv_transpose2d: the adjoint in x of the convolution ``geom`` whose
    input has ``core_shape`` (the output, less ``extra`` (rows, cols) of zeros at the bottom and
    right that no window reaches: an output_padding beyond the padding). Its input gradient is
    that convolution, its weight gradient the convolution's weight gradient with x and gy
    swapped; the double backward goes through the same three primitives."""
    node_name = "ConvolutionBackward0"
    op_name = "conv_transpose2d"
    fixed_positions = (0, 1, 2)

    def forward(ctx, x, weight, bias, geom, core_shape, extra):
        need_x, need_w = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        ctx.save_for_backward(x if need_w else None, weight if need_x else None)
        one_d = x._data.ndim == 3
        xa, wa = (x._data[:, :, None], weight._data[:, :, None]) if one_d else (x._data, weight._data)
        ctx.meta = (geom, core_shape, extra, wa.shape, one_d)
        y = x._backend.conv2d_input_grad(xa, wa, geom, core_shape)
        if any(extra):
            y = x._backend.xp.pad(y, ((0, 0), (0, 0), (0, extra[0]), (0, extra[1])))
        if bias is not None:
            y += bias._data.reshape(1, -1, 1, 1)
        return y[:, :, 0] if one_d else y

    def backward(ctx, gy):
        x, weight = ctx.saved_tensors
        geom, core_shape, extra, w_shape, one_d = ctx.meta
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gy, x, weight = _height_one(one_d, gy, x, weight)
        g = gy[:, :, :core_shape[2], :core_shape[3]] if any(extra) else gy
        gx = Convolution.apply(g, weight, None, geom) if need_x else None
        gw = ConvolutionWeightGrad.apply(g, x, geom, w_shape) if need_w else None
        gb = gy.sum((0, 2, 3)) if need_b else None
        return (*_drop_height(one_d, gx, gw), gb)


def _height_one(one_d, *tensors):
    """1-D tensors (N, C, L) as (N, C, 1, L) for the 2-D ops; None passes through."""
    return tensors if not one_d else tuple(None if t is None else t.unsqueeze(2) for t in tensors)


def _drop_height(one_d, *tensors):
    return tensors if not one_d else tuple(None if t is None else t.squeeze(2) for t in tensors)


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

def _pair(value, name, n=2, op="conv2d"):
    """An int or a sequence of ints; one value is repeated n times, as the Python bindings do."""
    if isinstance(value, str):
        raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, not str")
    values = list(value) if isinstance(value, (tuple, list)) else [value]
    for pos, v in enumerate(values):
        if not isinstance(v, numbers.Integral) or isinstance(v, bool):
            raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, but found element "
                            f"of type {type(v).__name__} at pos {pos}")
    values = [int(v) for v in values]
    return values * n if len(values) == 1 else values


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


def _geometry(w_shape, stride, padding, dilation, groups, n=2):
    """The 2-D geometry of a conv2d (n = 2) or conv1d (n = 1: height 1, nothing along it)."""
    if len(w_shape) < 3:
        raise RuntimeError("weight should have at least three dimensions")
    dims = len(w_shape) - 2
    if isinstance(padding, str) and padding not in ("same", "valid"):
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    stride = _expand(_pair(stride, "stride", n), "stride", dims)
    if not isinstance(padding, str):
        padding = _expand(_pair(padding, "padding", n), "padding", dims)
    dilation = _expand(_pair(dilation, "dilation", n), "dilation", dims)
    if not isinstance(padding, str) and any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if dims == 1:  # a height-1 view: kernel height 1, stride and dilation 1, no padding along it
        stride, dilation = (1, *stride), (1, *dilation)
        padding = padding if isinstance(padding, str) else (0, *padding)
    kernel_hw = (1, *w_shape[2:]) if dims == 1 else w_shape[2:]
    if padding == "same":
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        pads = _same_padding(kernel_hw, dilation)
    elif padding == "valid":
        pads = (0, 0, 0, 0)
    else:
        pads = (padding[0], padding[0], padding[1], padding[1])
    return ConvGeometry(tuple(stride), pads, tuple(dilation), int(groups))


def _check_weight_groups(shape, w_shape, groups):
    """The checks torch's check_shape_forward starts with, transposed or not: the weight's rank is
    the input's, and its first dim holds the groups."""
    if len(w_shape) != len(shape):
        raise RuntimeError(f"Expected {len(w_shape)}-dimensional input for {len(w_shape)}-dimensional "
                           f"weight {w_shape}, but got {len(shape)}-dimensional input of size {shape} "
                           "instead")
    if w_shape[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at "
                           f"dimension 0, but got weight of size {w_shape} instead")
    if w_shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at "
                           f"dimension 0, but got weight of size [{w_shape}] instead")


def _check_shapes(shape, w_shape, bias, geom):
    """shape: the batched input's; torch's check_shape_forward."""
    groups = geom.groups
    _check_weight_groups(shape, w_shape, groups)
    if shape[1] != w_shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {w_shape}, expected input{shape} to "
                           f"have {w_shape[1] * groups} channels, but got {shape[1]} channels instead")
    if bias is not None and (bias._data.ndim != 1 or bias._data.shape[0] != w_shape[0]):
        raise RuntimeError(f"Given weight of size {w_shape}, expected bias to be 1-dimensional with "
                           f"{w_shape[0]} elements, but got bias of size {list(bias._data.shape)} "
                           "instead")
    pt, pb, pl, pr = geom.padding
    in_hw = shape[2:] if len(shape) == 4 else (1, shape[2])
    kernel_hw = w_shape[2:] if len(w_shape) == 4 else (1, w_shape[2])
    padded = (in_hw[0] + pt + pb, in_hw[1] + pl + pr)
    kernel = tuple(d * (k - 1) + 1 for d, k in zip(geom.dilation, kernel_hw))
    if padded[0] < kernel[0] or padded[1] < kernel[1]:
        keep = slice(4 - len(shape), 2)  # conv1d prints the length only
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded[keep]))}). Kernel size: "
                           f"({' x '.join(map(str, kernel[keep]))}). Kernel size can't be greater "
                           "than actual input size")




def _type_name(t):
    prefix = "torch.cuda." if t.device.type == "cuda" else "torch."
    return f"{prefix}{t.dtype.scalar_name}Tensor"


def _check_dtypes(x, weight, bias):
    """torch's messages: on the cpu the bias is checked first (its mkldnn path), then the weight."""
    on_cuda = x.device.type == "cuda"
    if not on_cuda and bias is not None and bias.dtype is not x.dtype:
        raise RuntimeError(f"Input type ({x.dtype.cpp_name}) and bias type "
                           f"({bias.dtype.cpp_name}) should be the same")
    if weight.dtype is not x.dtype:
        if on_cuda:
            raise RuntimeError(f"Input type ({_type_name(x)}) and weight type ({_type_name(weight)}) "
                               "should be the same")
        if x.dtype.name == "float32":
            raise RuntimeError(f"Input type ({_type_name(x)}) and weight type ({_type_name(weight)}) "
                               "should be the same or input should be a MKLDNN tensor and weight is "
                               "a dense tensor")
        raise RuntimeError(f"expected scalar type {x.dtype.scalar_name} but found "
                           f"{weight.dtype.scalar_name}")
    if on_cuda and bias is not None and bias.dtype is not x.dtype:
        raise RuntimeError(f"Input type ({_type_name(x)}) and bias type ({_type_name(bias)}) "
                           "should be the same")


def _check_transposed_dtypes(x, weight, bias):
    """torch's cpu order for a transposed convolution (slow_conv_transpose2d, 1-D on its height-1
    view): the input's type first (floating types and int64 only), then the weight's, then (as
    before) the bias's. cuda: as a convolution."""
    if x.device.type != "cuda":
        if not x.dtype.is_floating_point and x.dtype.name != "int64":
            raise NotImplementedError(f"\"slow_conv_transpose2d_out_cpu\" not implemented for "
                                      f"'{x.dtype.scalar_name}'")
        if weight.dtype is not x.dtype:
            raise RuntimeError(f"expected scalar type {x.dtype.scalar_name} but found "
                               f"{weight.dtype.scalar_name}")
    _check_dtypes(x, weight, bias)


def _check_tensor(value, name, position, op="conv2d"):
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, not "
                        f"{type(value).__name__}")


def _convolve(op, n, input, weight, bias, stride, padding, dilation, groups):
    """conv2d (n = 2) and conv1d (n = 1): checks in torch's order, then the op, batched."""
    _check_tensor(input, "input", 1, op)
    _check_tensor(weight, "weight", 2, op)
    if bias is not None:
        _check_tensor(bias, "bias", 3, op)
    shape = list(input._data.shape)
    unbatched = len(shape) == n + 1
    try:  # torch's words, then a note naming the op and the tensors' shapes and dtypes
        if len(shape) not in (n + 1, n + 2):
            raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {op}, "
                               f"but got input of size: {shape}")
        w_shape = list(weight._data.shape)
        geom = _geometry(w_shape, stride, padding, dilation, groups, n)
        _check_shapes([1] + shape if unbatched else shape, w_shape, bias, geom)
        _check_dtypes(input, weight, bias)
    except RuntimeError as err:
        raise op_note(err, op, input, weight, *(() if bias is None else (bias,))) from None
    if unbatched:  # torch runs the batched op and squeezes: the graph ends in SqueezeBackward1
        return Convolution.apply(input.unsqueeze(0), weight, bias, geom).squeeze(0)
    return Convolution.apply(input, weight, bias, geom)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv2d: input (N, C, H, W) or unbatched (C, H, W), weight
    (O, C/groups, kh, kw); padding an int, a pair, 'valid' or 'same'."""
    return _convolve("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv1d: input (N, C, L) or unbatched (C, L), weight (O, C/groups, k);
    run as conv2d on a height-1 view inside one op (ConvolutionBackward0, as torch)."""
    return _convolve("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


# -- transposed convolution -------------------------------------------------------------------------

def _check_transposed_shapes(shape, w_shape, bias, groups):
    """torch's check_shape_forward for transposed=1 (shape: the batched input's)."""
    _check_weight_groups(shape, w_shape, groups)
    if shape[1] != w_shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {w_shape}, expected input{shape} to "
                           f"have {w_shape[0]} channels, but got {shape[1]} channels instead")
    if bias is not None and (bias._data.ndim != 1 or bias._data.shape[0] != w_shape[1] * groups):
        raise RuntimeError(f"Given transposed=1, weight of size {w_shape}, expected bias to be "
                           f"1-dimensional with {w_shape[1] * groups} elements, but got bias of size "
                           f"{list(bias._data.shape)} instead")


def _transposed_plan(shape, w_shape, stride, padding, output_padding, dilation):
    """The convolution whose input gradient the transposed one is: per spatial dim (2-D, a 1-D
    op's height 1) the output size o = (i-1)s - 2p + d(k-1) + op + 1. The convolution's input
    holds the o - x rows a window can reach (x = max(op - p, 0)), its bottom padding p - min(op, p)
    makes its output exactly i; the x rows past the reach are zeros. Returns (padding (t, b, l, r),
    the convolution's input (N, C, h, w), extra (rows, cols), output (h, w))."""
    pads, core, extra, out = [], [], [], []
    for i, k, s, p, op, d in zip(shape[2:], w_shape[2:], stride, padding, output_padding, dilation):
        o = (i - 1) * s - 2 * p + d * (k - 1) + op + 1
        e = max(op - p, 0)
        pads += [p, p - min(op, p)]
        core.append(o - e)
        extra.append(e)
        out.append(o)
    return tuple(pads), (shape[0], None, *core), tuple(extra), tuple(out)


def _conv_transpose(op, n, input, weight, bias, stride, padding, output_padding, groups, dilation):
    _check_tensor(input, "input", 1, op)
    _check_tensor(weight, "weight", 2, op)
    if bias is not None:
        _check_tensor(bias, "bias", 3, op)
    stride, padding = _pair(stride, "stride", n, op), _pair(padding, "padding", n, op)
    output_padding = _pair(output_padding, "output_padding", n, op)
    dilation = _pair(dilation, "dilation", n, op)
    shape = list(input._data.shape)
    unbatched = len(shape) == n + 1
    args = (input, weight, *(() if bias is None else (bias,)))
    try:
        if len(shape) not in (n + 1, n + 2):
            raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {op}, "
                               f"but got input of size: {shape}")
        w_shape = list(weight._data.shape)
        if len(w_shape) < 3:
            raise RuntimeError("weight should have at least three dimensions")
        dims = len(w_shape) - 2
        stride, padding = _expand(stride, "stride", dims), _expand(padding, "padding", dims)
        dilation = _expand(dilation, "dilation", dims)
        output_padding = _expand(output_padding, "output_padding", dims)
        if any(p < 0 for p in padding):
            raise RuntimeError("negative padding is not supported")
        if any(p < 0 for p in output_padding):
            raise RuntimeError("negative output_padding is not supported")
        if any(s <= 0 for s in stride):
            raise RuntimeError("non-positive stride is not supported")
        if any(d <= 0 for d in dilation):
            raise RuntimeError("non-positive dilation is not supported")
        if groups <= 0:
            raise RuntimeError("non-positive groups is not supported")
        batched = [1] + shape if unbatched else shape
        _check_transposed_shapes(batched, w_shape, bias, groups)
        _check_transposed_dtypes(input, weight, bias)
        if dims == 1:  # the height-1 view
            stride, padding, dilation = (1, *stride), (0, *padding), (1, *dilation)
            output_padding, batched, w4 = (0, *output_padding), batched[:2] + [1, batched[2]], \
                w_shape[:2] + [1, w_shape[2]]
        else:
            w4 = w_shape
        if any(p >= max(s, d) for p, s, d in zip(output_padding, stride, dilation)):
            hw = ("height", "width")  # a 1-D one words its height-1 view, as torch's does
            got = [f"output_padding_{a}: {v}" for a, v in zip(hw, output_padding)] \
                + [f"stride_{a}: {v}" for a, v in zip(hw, stride)] \
                + [f"dilation_{a}: {v}" for a, v in zip(hw, dilation)]
            raise RuntimeError("output padding must be smaller than either stride or dilation, "
                               f"but got {' '.join(got)}")
        pads, core, extra, out = _transposed_plan(batched, w4, stride, padding, output_padding,
                                                  dilation)
        if min(out) < 1 or min(core[2:]) < 1:
            raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, batched[4 - dims:]))}). "
                               f"Calculated output size per channel: "
                               f"({' x '.join(map(str, out[2 - dims:]))}). Output size is too small")
    except RuntimeError as err:
        raise op_note(err, op, *args) from None
    geom = ConvGeometry(tuple(stride), pads, tuple(dilation), int(groups))
    core = (core[0], w_shape[1] * groups, *core[2:])
    if unbatched:
        return ConvolutionTranspose.apply(input.unsqueeze(0), weight, bias, geom, core,
                                          extra).squeeze(0)
    return ConvolutionTranspose.apply(input, weight, bias, geom, core, extra)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """torch.nn.functional.conv_transpose2d: input (N, C_in, H, W) or unbatched (C_in, H, W),
    weight (C_in, C_out/groups, kh, kw); the adjoint of conv2d in its input, plus output_padding
    rows and columns at the bottom and right."""
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """torch.nn.functional.conv_transpose1d: input (N, C_in, L) or (C_in, L), weight
    (C_in, C_out/groups, k)."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)
