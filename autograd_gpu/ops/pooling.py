"""2-D pooling: max_pool2d, avg_pool2d, adaptive_avg_pool2d and adaptive_max_pool2d
(torch.nn.functional semantics).

Argument checks and the ops; the array work is the backend's (``max_pool2d``, ``avg_pool2d``,
``adaptive_avg_pool2d`` and their backwards, see ``backend/conv_pool.py``), on (N, C, H, W) arrays:
unbatched (C, H, W) inputs are viewed as a batch of one. Each pooling is linear in its gradient,
so each backward is an op whose own backward is the forward's pattern again (average: the pooling
and its adjoint; max: a scatter to the argmax and a gather from it): higher-order gradients reuse
the same primitives.
"""
import numbers

from .. import dtypes
from ..autograd.function import Op
from ..backend.conv_pool import ConvPoolPrimitives
from ..backend.conv_pool_args import PoolWindow
from ..tensor import Tensor, _wrap_dim, op_note
from .indexing import Gather


def _batched(a):
    """A (C, H, W) array as (1, C, H, W); 4-D arrays unchanged."""
    return a[None] if a.ndim == 3 else a


def _batched_shape(shape):
    return (1,) + tuple(shape) if len(shape) == 3 else tuple(shape)


def _like_input(a, ndim):
    return a[0] if ndim == 3 else a


# -- max_pool2d -------------------------------------------------------------------------------------

class MaxPool2d(Op):
    """Outputs (values, indices) when indices are asked for; backward scatters to the argmax."""
    node_name = "MaxPool2DWithIndicesBackward0"
    op_name = "max_pool2d"

    def forward(ctx, x, win, return_indices):
        ndim = x._data.ndim
        need_indices = return_indices or ctx.needs_input_grad[0]
        y, idx = x._backend.max_pool2d(_batched(x._data), win, need_indices)
        if not need_indices:
            return _like_input(y, ndim)
        ctx.meta = (x._data.shape, idx, win)
        if return_indices:
            return _like_input(y, ndim), _like_input(idx, ndim)
        return _like_input(y, ndim)

    def backward(ctx, gy, _indices_grad=None):
        shape, idx, win = ctx.meta
        return MaxPool2dBackward.apply(gy, idx, shape, win)


class MaxPool2dBackward(Op):
    """gx: gy added at each output's argmax (overlapping windows accumulate); its own gradient
    gathers from the same places. ``idx`` is the batched (N, C, Ho, Wo) argmax array."""
    node_name = "MaxPool2DWithIndicesBackwardBackward0"

    def forward(ctx, gy, idx, x_shape, win):
        ctx.meta = (gy._data.shape, idx)
        gx = gy._backend.max_pool2d_backward(_batched(gy._data), idx, _batched_shape(x_shape), win)
        return gx.reshape(x_shape)

    def backward(ctx, ggx):
        gy_shape, idx = ctx.meta
        n, c, ho, wo = idx.shape
        planes = ggx.reshape(n, c, ggx.shape[-2] * ggx.shape[-1])
        at = Tensor._make(idx.reshape(n, c, ho * wo), ggx._backend)
        return Gather.apply(planes, 2, at).reshape(gy_shape)


# -- avg_pool2d -------------------------------------------------------------------------------------

class AvgPool2d(Op):
    node_name = "AvgPool2DBackward0"
    op_name = "avg_pool2d"

    def forward(ctx, x, win, count_include_pad, divisor_override):
        ctx.meta = (win, count_include_pad, divisor_override, x._data.shape)
        y = x._backend.avg_pool2d(_batched(x._data), win, count_include_pad, divisor_override)
        return _like_input(y, x._data.ndim)

    def backward(ctx, gy):
        win, count_include_pad, divisor_override, shape = ctx.meta
        return AvgPool2dBackward.apply(gy, win, count_include_pad, divisor_override, shape)


class AvgPool2dBackward(Op):
    """gx: each gy / divisor spread over its window; its own gradient is avg_pool2d again."""
    node_name = "AvgPool2DBackwardBackward0"

    def forward(ctx, gy, win, count_include_pad, divisor_override, x_shape):
        ctx.meta = (win, count_include_pad, divisor_override)
        gx = gy._backend.avg_pool2d_backward(_batched(gy._data), win, count_include_pad,
                                             divisor_override, _batched_shape(x_shape))
        return gx.reshape(x_shape)

    def backward(ctx, ggx):
        return AvgPool2d.apply(ggx, *ctx.meta)


# -- adaptive_avg_pool2d ----------------------------------------------------------------------------

class AdaptiveAvgPool2d(Op):
    """y = P_h @ x @ P_w^T with P the bin-averaging matrices."""
    node_name = "AdaptiveAvgPool2DBackward0"
    op_name = "adaptive_avg_pool2d"

    def forward(ctx, x, out_hw):
        ctx.meta = (x._data.shape[-2:], out_hw)
        return x._backend.adaptive_avg_pool2d(x._data, out_hw)

    def backward(ctx, gy):
        in_hw, out_hw = ctx.meta
        return AdaptiveAvgPool2dBackward.apply(gy, in_hw, out_hw)


class AdaptiveAvgPool2dBackward(Op):
    """gx = P_h^T @ gy @ P_w; its own gradient is the pooling again."""
    node_name = "AdaptiveAvgPool2DBackwardBackward0"

    def forward(ctx, gy, in_hw, out_hw):
        ctx.meta = out_hw
        return gy._backend.adaptive_avg_pool2d_backward(gy._data, in_hw, out_hw)

    def backward(ctx, ggx):
        return AdaptiveAvgPool2d.apply(ggx, ctx.meta)


# -- adaptive_max_pool2d ----------------------------------------------------------------------------

def _adaptive_windows(xp, size, out):
    """torch's adaptive windows along one axis: output i covers [floor(i * size / out),
    ceil((i + 1) * size / out)). An (out, k) array of the input positions of each window (k the
    widest), shorter windows repeating their last position (a repeat never wins an argmax: the
    original comes first)."""
    bounds = [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]
    k = max([end - start for start, end in bounds], default=1)
    return xp.asarray([[min(start + a, end - 1) for a in range(k)] for start, end in bounds],
                      dtype=xp.int64).reshape(out, k)


class AdaptiveMaxPool2d(Op):
    """(values, indices): each adaptive window's first maximum (NaN wins) and its flat per-plane
    index, found by one argmax over all windows gathered at once (N, C, Ho, Wo, kh * kw); the
    gradient goes to the argmax (max_pool2d's scatter)."""
    node_name = "AdaptiveMaxPool2DBackward0"

    def forward(ctx, x, out_hw):
        xp = x._backend.xp
        data = _batched(x._data)
        (h, w), (oh, ow) = data.shape[-2:], out_hw
        rows, cols = _adaptive_windows(xp, h, oh), _adaptive_windows(xp, w, ow)
        windows = data[..., rows[:, None, :, None], cols[None, :, None, :]]
        windows = windows.reshape(windows.shape[:4] + (rows.shape[1] * cols.shape[1],))
        at = xp.argmax(windows, axis=-1)
        y = xp.take_along_axis(windows, at[..., None], axis=-1)[..., 0]
        kw = cols.shape[1]
        idx = (rows[xp.arange(oh)[:, None], at // kw] * w
               + cols[xp.arange(ow)[None, :], at % kw]).astype(xp.int64)
        ctx.meta = (x._data.shape, idx)
        return _like_input(y, x._data.ndim), _like_input(idx, x._data.ndim)

    def backward(ctx, gy, _indices_grad=None):
        shape, idx = ctx.meta
        return AdaptiveMaxPool2dBackward.apply(gy, idx, shape)


class AdaptiveMaxPool2dBackward(MaxPool2dBackward):
    """gx: gy added at each output's argmax (overlapping windows accumulate: the backend's
    index-only scatter of max_pool2d, whose raw kernel assumes regular windows); its own gradient
    gathers from the same places."""
    node_name = "AdaptiveMaxPool2DBackwardBackward0"

    def forward(ctx, gy, idx, x_shape):
        ctx.meta = (gy._data.shape, idx)
        gx = ConvPoolPrimitives.max_pool2d_backward(gy._backend, _batched(gy._data), idx,
                                                    _batched_shape(x_shape), None)
        return gx.reshape(x_shape)


# -- argument checks (torch's order and messages) ---------------------------------------------------

def _pair(value, op, name, omitted_ok=False):
    values = [value] if isinstance(value, numbers.Integral) else list(value)
    if omitted_ok and not values:
        return None
    if len(values) not in (1, 2):
        what = ("must either be omitted, a single int, or a tuple of two ints" if omitted_ok else
                "must be either a single int, or a tuple of two ints" if name == "dilation" else
                "must either be a single int, or a tuple of two ints")
        raise RuntimeError(f"{op}: {name} {what}")
    for v in values:
        if not isinstance(v, numbers.Integral) or isinstance(v, bool):
            raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, but found element of "
                            f"type {type(v).__name__}")
    values = [int(v) for v in values]
    return tuple(values * 2 if len(values) == 1 else values)


def _div_trunc(a, b):
    """C++ integer division (toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _output_size(size, kernel, pad, stride, dilation, ceil_mode):
    """torch's pooling_output_shape, with its checks."""
    if stride == 0:
        raise RuntimeError("stride should not be zero")
    if pad < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {pad}")
    if pad > _div_trunc((kernel - 1) * dilation + 1, 2):
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pad}, "
                           f"kernel_size={kernel} and dilation={dilation}")
    out = (size + 2 * pad - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)) \
        // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:  # the last window must start inside
        out -= 1
    return out


def _window(shape, kernel, stride, padding, dilation, ceil_mode):
    """Output size and torch's pool2d_shape_check for an (N, C, H, W) or (C, H, W) shape."""
    in_hw = tuple(shape[-2:])
    out_hw = tuple(_output_size(n, k, p, s, d, ceil_mode)
                   for n, k, p, s, d in zip(in_hw, kernel, padding, stride, dilation))
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    if kh <= 0 or kw <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kh} kW: {kw}")
    if sh <= 0 or sw <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {sh} dW: {sw}")
    if dh <= 0 or dw <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {dh} "
                           f"dilationW: {dw}")
    if (len(shape) == 3 and 0 in shape) or (len(shape) == 4 and 0 in shape[1:]) \
            or len(shape) not in (3, 4):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{list(shape)}")
    if out_hw[0] < 1 or out_hw[1] < 1:
        raise RuntimeError(f"Given input size: ({shape[-3]}x{in_hw[0]}x{in_hw[1]}). Calculated "
                           f"output size: ({shape[-3]}x{out_hw[0]}x{out_hw[1]}). Output size is too "
                           "small")
    return PoolWindow(kernel, stride, padding, dilation, in_hw, out_hw)


def _not_implemented(op, dt):
    name = {"bool": "Bool", "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
            "uint8": "Byte"}.get(dt.name, dt.name)
    return NotImplementedError(f"\"{op}\" not implemented for '{name}'")


def _check_tensor(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """torch.nn.functional.max_pool2d; with return_indices, also the flat per-plane index
    (h * W + w) of each maximum."""
    _check_tensor(input, "max_pool2d")
    kernel = _pair(kernel_size, "max_pool2d", "kernel_size")
    stride = _pair(() if stride is None else stride, "max_pool2d", "stride", omitted_ok=True) or kernel
    padding = _pair(padding, "max_pool2d", "padding")
    dilation = _pair(dilation, "max_pool2d", "dilation")
    shape = input._data.shape
    try:
        if len(shape) not in (3, 4):
            raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
        win = _window(shape, kernel, stride, padding, dilation, ceil_mode)
        if input.dtype is dtypes.bool_:
            raise _not_implemented("max_pool2d", input.dtype)
    except RuntimeError as err:
        raise op_note(err, "max_pool2d", input) from None
    return MaxPool2d.apply(input, win, bool(return_indices))


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    _check_tensor(input, "avg_pool2d")
    kernel = _pair(kernel_size, "avg_pool2d", "kernel_size")
    stride = _pair(() if stride is None else stride, "avg_pool2d", "stride", omitted_ok=True) or kernel
    padding = _pair(padding, "avg_pool2d", "padding")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    shape = input._data.shape
    _wrap_dim(-3, len(shape), "avg_pool2d")  # torch reads size(-3) first: its IndexError for < 3-D
    try:
        win = _window(shape, kernel, stride, padding, (1, 1), ceil_mode)
        if not input.dtype.is_floating_point and input.dtype is not dtypes.int64:
            raise _not_implemented("avg_pool2d", input.dtype)
    except RuntimeError as err:
        raise op_note(err, "avg_pool2d", input) from None
    divisor_override = None if divisor_override is None else int(divisor_override)
    return AvgPool2d.apply(input, win, bool(count_include_pad), divisor_override)


def _adaptive_output(output_size, shape, op="adaptive_avg_pool2d"):
    if isinstance(output_size, numbers.Integral):
        return (int(output_size), int(output_size))
    if not isinstance(output_size, (tuple, list)):
        raise TypeError(f"object of type '{type(output_size).__name__}' has no len()")
    if len(shape) <= len(output_size):
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    sizes = [d if v is None else v for v, d in zip(output_size, shape[-len(output_size):])]
    if len(sizes) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2" if op == "adaptive_avg_pool2d"
                           else f"{op}(): internal error: output_size.size() must be 2")
    return tuple(int(v) for v in sizes)


def _check_planes_not_empty(shape, op):
    """torch's error for an adaptive pooling input whose height or width is 0."""
    for dim in (-2, -1):
        if shape[dim] == 0:
            raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(shape)} with dimension "
                               f"{dim + len(shape)} being empty")


def adaptive_avg_pool2d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool2d; output size 1 is a plain mean (as torch, whose
    graph then shows MeanBackward1)."""
    _check_tensor(input, "adaptive_avg_pool2d")
    shape = input._data.shape
    try:
        out_hw = _adaptive_output(output_size, shape)
        if out_hw[0] < 0 or out_hw[1] < 0:
            raise RuntimeError("adaptive_avg_pool2d: elements of output_size must be greater than "
                               f"or equal to 0 but received {{{out_hw[0]}, {out_hw[1]}}}")
    except (RuntimeError, ValueError) as err:
        raise op_note(err, "adaptive_avg_pool2d", input) from None
    if out_hw == (1, 1):
        return input.mean((-1, -2), keepdim=True)
    try:
        if len(shape) not in (3, 4):
            raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got "
                               f"{list(shape)}")
        _check_planes_not_empty(shape, "adaptive_avg_pool2d")
        if not input.dtype.is_floating_point:
            raise _not_implemented("adaptive_avg_pool2d", input.dtype)
    except RuntimeError as err:
        raise op_note(err, "adaptive_avg_pool2d", input) from None
    return AdaptiveAvgPool2d.apply(input, out_hw)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """torch.nn.functional.adaptive_max_pool2d; with return_indices, also the flat per-plane index
    (h * W + w) of each maximum."""
    _check_tensor(input, "adaptive_max_pool2d")
    shape = input._data.shape
    try:
        out_hw = _adaptive_output(output_size, shape, "adaptive_max_pool2d")
        if len(shape) not in (3, 4):
            raise RuntimeError(f"adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: "
                               f"{list(shape)}")
        for dim in range(1, len(shape)):  # torch checks every dim but the first, even of 3-d
            if shape[dim] == 0:
                raise RuntimeError("adaptive_max_pool2d(): Expected input to have non-zero size for "
                                   f"non-batch dimensions, but input has sizes {list(shape)} with "
                                   f"dimension {dim} being empty")
        if min(out_hw) < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {min(out_hw)}: "
                               f"{list(shape[:-2]) + list(out_hw)}")
        if not input.dtype.is_floating_point:
            raise _not_implemented("adaptive_max_pool2d", input.dtype)
    except (RuntimeError, ValueError) as err:
        raise op_note(err, "adaptive_max_pool2d", input) from None
    values, indices = AdaptiveMaxPool2d.apply(input, out_hw)
    return (values, indices) if return_indices else values


# -- 1-D pooling: the 2-D ops on a height-1 view (torch's graphs end in SqueezeBackward1 too) -----

def _single(value, op, name, allow_empty=False):
    """An int or a one-element sequence (torch's IntArrayRef[1] bindings)."""
    values = [value] if isinstance(value, numbers.Integral) else list(value)
    if allow_empty and not values:
        return None
    if len(values) != 1:
        raise RuntimeError(f"{op}() argument '{name}' should contain one int (got {len(values)})")
    v = values[0]
    if not isinstance(v, numbers.Integral) or isinstance(v, bool):
        raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, but found element of "
                        f"type {type(v).__name__} at pos 0")
    return int(v)


def _check_1d_dims(input, op):
    ndim = input._data.ndim
    if ndim not in (2, 3):
        raise op_note(RuntimeError(f"Expected 2 to 3 dimensions, but got {ndim}-dimensional tensor "
                                   f"for argument #1 'self' (while checking arguments for {op})"),
                      op, input)


def _max_pool1d_arg(value, name, what, allow_empty=False):
    values = [value] if isinstance(value, numbers.Integral) else list(value)
    if allow_empty and not values:
        return None
    if len(values) != 1:
        raise RuntimeError(f"max_pool1d() {name} must be {what} of size 1 but got size {len(values)}")
    return int(values[0])


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """torch.nn.functional.max_pool1d on (N, C, L) or (C, L): max_pool2d on the height-1 view;
    with return_indices, also each maximum's position along L."""
    _check_tensor(input, "max_pool1d")
    shape = input._data.shape
    try:
        if len(shape) not in (2, 3) or 0 in shape[-2:]:
            raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 "
                               f"dim batch size for input, but got:{list(shape)}")
        k = _max_pool1d_arg(kernel_size, "kernel_size", "an int, list of ints or tuple of ints")
        s = _max_pool1d_arg(() if stride is None else stride, "stride",
                            "None, an int, list of ints, or tuple of ints", allow_empty=True)
        s = k if s is None else s
        p = _max_pool1d_arg(padding, "padding", "an int, list of ints, or tuple of ints")
        d = _max_pool1d_arg(dilation, "dilation", "an int, list of ints or tuple of ints")
        if k <= 0:
            raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k}")
        if s <= 0:
            raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s}")
        if p < 0:
            raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
        if p > k // 2:
            raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got "
                               f"padding={p} and kernel_size={k}")
        if d <= 0:
            raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d}")
        out = _output_size(shape[-1], k, p, s, d, ceil_mode)
        if out <= 0:
            raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")
        # torch pools without indices in max_pool1d_impl (floating types only); with them, in
        # max_pool2d's kernel on the height-1 view, which takes every type but bool.
        if input.dtype is dtypes.bool_ and return_indices:
            raise _not_implemented("max_pool2d", input.dtype)
        if not input.dtype.is_floating_point and not return_indices:
            raise _not_implemented("max_pool1d_impl", input.dtype)
    except RuntimeError as err:
        raise op_note(err, "max_pool1d", input) from None
    win = PoolWindow((1, k), (1, s), (0, p), (1, d), (1, shape[-1]), (1, out))
    result = MaxPool2d.apply(input.unsqueeze(-2), win, bool(return_indices))
    if return_indices:
        return result[0].squeeze(-2), result[1].squeeze(-2)
    return result.squeeze(-2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """torch.nn.functional.avg_pool1d on (N, C, L) or (C, L): avg_pool2d on the height-1 view."""
    _check_tensor(input, "avg_pool1d")
    try:
        _check_1d_dims(input, "avg_pool1d")
        k = _single(kernel_size, "avg_pool1d", "kernel_size")
        s = _single(() if stride is None else stride, "avg_pool1d", "stride", allow_empty=True)
        p = _single(padding, "avg_pool1d", "padding")
    except RuntimeError as err:
        raise op_note(err, "avg_pool1d", input) from None
    return avg_pool2d(input.unsqueeze(-2), (1, k), (1, k if s is None else s), (0, p), ceil_mode,
                      count_include_pad).squeeze(-2)


def adaptive_avg_pool1d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool1d on (N, C, L) or (C, L)."""
    _check_tensor(input, "adaptive_avg_pool1d")
    try:
        _check_1d_dims(input, "adaptive_avg_pool1d")
        size = _single(output_size, "adaptive_avg_pool1d", "output_size")
    except RuntimeError as err:
        raise op_note(err, "adaptive_avg_pool1d", input) from None
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, size)).squeeze(-2)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """torch.nn.functional.adaptive_max_pool1d on (N, C, L) or (C, L): the 2-D op on the height-1
    view."""
    _check_tensor(input, "adaptive_max_pool1d")
    try:
        _check_1d_dims(input, "adaptive_max_pool1d")
        size = _single(output_size, "adaptive_max_pool1d", "output_size")
    except RuntimeError as err:
        raise op_note(err, "adaptive_max_pool1d", input) from None
    values, indices = adaptive_max_pool2d(input.unsqueeze(-2), (1, size), True)
    values, indices = values.squeeze(-2), indices.squeeze(-2)
    return (values, indices) if return_indices else values
