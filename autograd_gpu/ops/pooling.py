"""2-D pooling: max_pool2d, avg_pool2d and adaptive_avg_pool2d (torch.nn.functional semantics).

Windows are read as strided slices of a padded copy of the input, one slice per kernel offset, so
every loop runs over the kh*kw offsets (or kh + kw for the separable average), never over pixels.
Each pooling is linear in its gradient, so each backward is an op whose own backward is the
forward's pattern again (average: the pooling and its adjoint; max: a scatter to the argmax and a
gather from it): higher-order gradients reuse the same kernels.
"""
import numbers

from .. import dtypes
from ..autograd.function import Op
from ..tensor import Tensor, _wrap_dim


class _Window:
    """Kernel, stride, padding and dilation (each (h, w)), ceil_mode, input and output (h, w)."""

    __slots__ = ("kernel", "stride", "padding", "dilation", "in_hw", "out_hw")

    def __init__(self, kernel, stride, padding, dilation, in_hw, out_hw):
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.in_hw, self.out_hw = in_hw, out_hw

    def padded_hw(self):
        """The padded buffer: the input after ``padding`` zeros, long enough for the last window
        (which ceil_mode may let run past the right padding)."""
        return tuple(max(p + n, (o - 1) * s + (k - 1) * d + 1)
                     for p, n, o, s, k, d in zip(self.padding, self.in_hw, self.out_hw, self.stride,
                                                 self.kernel, self.dilation))

    def offset_slices(self, axis):
        """One slice of the padded buffer per kernel offset along axis 0 (rows) or 1 (columns)."""
        k, s, d, o = self.kernel[axis], self.stride[axis], self.dilation[axis], self.out_hw[axis]
        return [slice(i * d, i * d + s * (o - 1) + 1, s) for i in range(k)]

    def window_starts(self, xp, axis):
        """The input coordinate of each output's first window element along one axis."""
        return xp.arange(self.out_hw[axis]) * self.stride[axis] - self.padding[axis]


def _batched(a):
    """A (C, H, W) array as (1, C, H, W); 4-D arrays unchanged."""
    return a[None] if a.ndim == 3 else a


def _like_input(a, ndim):
    return a[0] if ndim == 3 else a


def _padded(xp, a, win, fill):
    """The (N, C, H, W) array inside a buffer of ``fill`` sized by ``win.padded_hw()``."""
    (ph, pw), (h, w) = win.padding, win.in_hw
    hp, wp = win.padded_hw()
    if (hp, wp) == (h, w):
        return a
    buf = xp.full(a.shape[:2] + (hp, wp), fill, dtype=a.dtype)
    buf[:, :, ph:ph + h, pw:pw + w] = a
    return buf


def _unpadded(buf, win):
    (ph, pw), (h, w) = win.padding, win.in_hw
    return buf[:, :, ph:ph + h, pw:pw + w]


# -- max_pool2d -------------------------------------------------------------------------------------

def _lowest(xp, dtype):
    return -xp.inf if dtype.kind == "f" else xp.iinfo(dtype).min


def _argmax(xp, buf, y, win):
    """Flat per-plane input index (h * W + w) of each output's maximum, as torch's kernel picks
    it: the first maximum in row-major window order, the last NaN if any, padding never.

    The scans keep the winning kernel offset in the smallest unsigned type (one byte up to 255
    offsets), updated in place by ``offset += hit * (k - offset)`` (exact in wrapping unsigned
    arithmetic): a masked copy or ``where`` branches on a mask that is true about one time in
    kh*kw and runs several times slower. The int64 index is formed once at the end."""
    width = win.in_hw[1]
    (kh, kw), (dh, dw) = win.kernel, win.dilation
    rows, cols = win.window_starts(xp, 0), win.window_starts(xp, 1)
    ks = xp.arange(kh * kw, dtype=xp.min_scalar_type(kh * kw))
    first_i = xp.maximum(-rows + dh - 1, 0) // dh  # the first offset inside the input
    first_j = xp.maximum(-cols + dw - 1, 0) // dw
    first = xp.broadcast_to(ks[first_i[:, None] * kw + first_j[None, :]], y.shape)
    windows = [buf[:, :, r, c] for r in win.offset_slices(0) for c in win.offset_slices(1)]
    offset, delta = first.copy(), xp.empty(y.shape, dtype=ks.dtype)
    hit = xp.empty(y.shape, dtype=bool)

    def set_where_hit(new):
        xp.subtract(new, offset, out=delta)
        xp.multiply(delta, hit, out=delta)
        xp.add(offset, delta, out=offset)

    for k in reversed(range(len(windows))):
        xp.equal(windows[k], y, out=hit)
        set_where_hit(ks[k])
    if buf.shape[2:] != tuple(win.in_hw):  # windows of nothing but -inf: torch keeps the first real one
        xp.equal(y, _lowest(xp, y.dtype), out=hit)
        set_where_hit(first)
    if y.dtype.kind == "f" and bool(xp.isnan(y).any()):
        for k, v in enumerate(windows):
            xp.isnan(v, out=hit)
            set_where_hit(ks[k])
    steps = (xp.arange(kh)[:, None] * (dh * width) + xp.arange(kw)[None, :] * dw).reshape(-1)
    idx = steps[offset]
    idx += rows[:, None] * width + cols[None, :]
    return idx


class MaxPool2d(Op):
    """Outputs (values, indices) when indices are asked for; backward scatters to the argmax."""
    node_name = "MaxPool2DWithIndicesBackward0"
    op_name = "max_pool2d"

    def forward(ctx, x, win, return_indices):
        xp = x._backend.xp
        a = _batched(x._data)
        buf = _padded(xp, a, win, _lowest(xp, a.dtype))
        y = None
        for r in win.offset_slices(0):
            for c in win.offset_slices(1):
                v = buf[:, :, r, c]
                y = v.copy() if y is None else xp.maximum(y, v, out=y)
        if not (return_indices or ctx.needs_input_grad[0]):
            return _like_input(y, x._data.ndim)
        idx = _argmax(xp, buf, y, win)
        ctx.meta = (x._data.shape, idx)
        if return_indices:
            return _like_input(y, x._data.ndim), _like_input(idx, x._data.ndim)
        return _like_input(y, x._data.ndim)

    def backward(ctx, gy, _indices_grad=None):
        shape, idx = ctx.meta
        return MaxPool2dBackward.apply(gy, idx, shape)


class MaxPool2dBackward(Op):
    """gx: gy added at each output's argmax (overlapping windows accumulate); its own gradient
    gathers from the same places."""
    node_name = "MaxPool2DWithIndicesBackwardBackward0"

    def forward(ctx, gy, idx, x_shape):
        xp = gy._backend.xp
        planes = x_shape[-3] * (x_shape[0] if len(x_shape) == 4 else 1)
        plane_size = x_shape[-2] * x_shape[-1]
        per_plane = idx.reshape(planes, idx.shape[-2] * idx.shape[-1])
        flat = (per_plane + xp.arange(planes, dtype=xp.int64)[:, None] * plane_size).reshape(-1)
        ctx.meta = (gy._data.shape, flat)
        gx = xp.zeros(planes * plane_size, dtype=gy._data.dtype)
        gy._backend.scatter_add(gx, flat, gy._data.reshape(-1))
        return gx.reshape(x_shape)

    def backward(ctx, ggx):
        gy_shape, flat = ctx.meta
        return ggx.reshape(-1)[Tensor._make(flat, ggx._backend)].reshape(gy_shape)


# -- avg_pool2d -------------------------------------------------------------------------------------

def _accumulation_dtype(xp, dtype):
    return xp.float32 if dtype == xp.float16 else dtype


def _window_sizes(xp, win, count_include_pad):
    """torch's divisor per output (Ho, Wo): the window clipped to the padded input, or to the
    input itself when padding is not counted."""
    sizes = []
    for axis in (0, 1):
        start = win.window_starts(xp, axis)
        n, p = win.in_hw[axis], win.padding[axis]
        end = xp.minimum(start + win.kernel[axis], n + p)
        if not count_include_pad:
            start, end = xp.maximum(start, 0), xp.minimum(end, n)
        sizes.append(end - start)
    return sizes[0][:, None] * sizes[1][None, :]


def _divide(xp, total, divisor):
    if total.dtype.kind == "f":
        return total / xp.asarray(divisor, dtype=total.dtype)
    return xp.sign(total) * (xp.abs(total) // divisor)  # integers: C++ division truncates toward 0


def _window_sums(buf, win):
    """Sum of each window, separably: kh row slices, then kw column slices."""
    rows = sum(buf[:, :, r, :] for r in win.offset_slices(0))
    return sum(rows[:, :, :, c] for c in win.offset_slices(1))


def _window_scatter(xp, g, win, shape):
    """The adjoint of ``_window_sums``: each output's value added over its window."""
    hp, wp = win.padded_hw()
    rows = xp.zeros(shape[:2] + (g.shape[2], wp), dtype=g.dtype)
    for c in win.offset_slices(1):
        rows[:, :, :, c] += g
    buf = xp.zeros(shape[:2] + (hp, wp), dtype=g.dtype)
    for r in win.offset_slices(0):
        buf[:, :, r, :] += rows
    return buf


class AvgPool2d(Op):
    node_name = "AvgPool2DBackward0"
    op_name = "avg_pool2d"

    def forward(ctx, x, win, divisor):
        xp = x._backend.xp
        ctx.meta = (win, divisor, x._data.shape)
        a = _batched(x._data)
        acc = _accumulation_dtype(xp, a.dtype)
        y = _divide(xp, _window_sums(_padded(xp, a.astype(acc, copy=False), win, 0), win), divisor)
        return _like_input(y.astype(a.dtype, copy=False), x._data.ndim)

    def backward(ctx, gy):
        win, divisor, shape = ctx.meta
        return AvgPool2dBackward.apply(gy, win, divisor, shape)


class AvgPool2dBackward(Op):
    """gx: each gy / divisor spread over its window; its own gradient is avg_pool2d again."""
    node_name = "AvgPool2DBackwardBackward0"

    def forward(ctx, gy, win, divisor, x_shape):
        xp = gy._backend.xp
        ctx.meta = (win, divisor)
        g = _batched(gy._data)
        g = g.astype(_accumulation_dtype(xp, g.dtype), copy=False) / xp.asarray(divisor, g.dtype)
        buf = _window_scatter(xp, g, win, (1,) + x_shape if len(x_shape) == 3 else x_shape)
        gx = xp.ascontiguousarray(_unpadded(buf, win)).astype(gy._data.dtype, copy=False)
        return gx.reshape(x_shape)

    def backward(ctx, ggx):
        win, divisor = ctx.meta
        return AvgPool2d.apply(ggx, win, divisor)


# -- adaptive_avg_pool2d ----------------------------------------------------------------------------

def _pool_matrix(xp, n_in, n_out, dtype):
    """(n_out, n_in): row i averages input [floor(i*n/m), ceil((i+1)*n/m)), torch's bins."""
    i = xp.arange(n_out)
    start = (i * n_in) // n_out
    end = -((-(i + 1) * n_in) // n_out)
    cols = xp.arange(n_in)
    inside = (cols[None, :] >= start[:, None]) & (cols[None, :] < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _adaptive_matrices(xp, in_hw, out_hw, dtype):
    return (_pool_matrix(xp, in_hw[0], out_hw[0], dtype), _pool_matrix(xp, in_hw[1], out_hw[1], dtype))


def _sandwich(xp, left, a, right_t):
    """left @ a @ right_t over the last two dims of ``a``, the inner product as one GEMM."""
    lead, (h, w) = a.shape[:-2], a.shape[-2:]
    t = xp.matmul(a.reshape(-1, w), right_t).reshape(lead + (h, right_t.shape[1]))
    return xp.matmul(left, t)


class AdaptiveAvgPool2d(Op):
    """y = P_h @ x @ P_w^T with P the bin-averaging matrices."""
    node_name = "AdaptiveAvgPool2DBackward0"
    op_name = "adaptive_avg_pool2d"

    def forward(ctx, x, out_hw):
        xp = x._backend.xp
        a = x._data
        acc = _accumulation_dtype(xp, a.dtype)
        ctx.meta = (a.shape[-2:], out_hw)
        ph, pw = _adaptive_matrices(xp, a.shape[-2:], out_hw, acc)
        return _sandwich(xp, ph, a.astype(acc, copy=False), pw.T).astype(a.dtype, copy=False)

    def backward(ctx, gy):
        in_hw, out_hw = ctx.meta
        return AdaptiveAvgPool2dBackward.apply(gy, in_hw, out_hw)


class AdaptiveAvgPool2dBackward(Op):
    """gx = P_h^T @ gy @ P_w; its own gradient is the pooling again."""
    node_name = "AdaptiveAvgPool2DBackwardBackward0"

    def forward(ctx, gy, in_hw, out_hw):
        xp = gy._backend.xp
        g = gy._data
        acc = _accumulation_dtype(xp, g.dtype)
        ctx.meta = out_hw
        ph, pw = _adaptive_matrices(xp, in_hw, out_hw, acc)
        return _sandwich(xp, ph.T, g.astype(acc, copy=False), pw).astype(g.dtype, copy=False)

    def backward(ctx, ggx):
        return AdaptiveAvgPool2d.apply(ggx, ctx.meta)


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
    return _Window(kernel, stride, padding, dilation, in_hw, out_hw)


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
    if len(shape) not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    win = _window(shape, kernel, stride, padding, dilation, ceil_mode)
    if input.dtype is dtypes.bool_:
        raise _not_implemented("max_pool2d", input.dtype)
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
    win = _window(shape, kernel, stride, padding, (1, 1), ceil_mode)
    if not input.dtype.is_floating_point and input.dtype is not dtypes.int64:
        raise _not_implemented("avg_pool2d", input.dtype)
    xp = input._backend.xp
    divisor = int(divisor_override) if divisor_override is not None else \
        _window_sizes(xp, win, count_include_pad)
    return AvgPool2d.apply(input, win, divisor)


def _adaptive_output(output_size, shape):
    if isinstance(output_size, numbers.Integral):
        return (int(output_size), int(output_size))
    if not isinstance(output_size, (tuple, list)):
        raise TypeError(f"object of type '{type(output_size).__name__}' has no len()")
    if len(shape) <= len(output_size):
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    sizes = [d if v is None else v for v, d in zip(output_size, shape[-len(output_size):])]
    if len(sizes) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    return tuple(int(v) for v in sizes)


def adaptive_avg_pool2d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool2d; output size 1 is a plain mean (as torch, whose
    graph then shows MeanBackward1)."""
    _check_tensor(input, "adaptive_avg_pool2d")
    shape = input._data.shape
    out_hw = _adaptive_output(output_size, shape)
    if out_hw[0] < 0 or out_hw[1] < 0:
        raise RuntimeError("adaptive_avg_pool2d: elements of output_size must be greater than or "
                           f"equal to 0 but received {{{out_hw[0]}, {out_hw[1]}}}")
    if out_hw == (1, 1):
        return input.mean((-1, -2), keepdim=True)
    if len(shape) not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(shape)}")
    for dim in (-2, -1):
        if shape[dim] == 0:
            raise RuntimeError(f"adaptive_avg_pool2d(): Expected input to have non-zero size for "
                               f"non-batch dimensions, but input has sizes {list(shape)} with "
                               f"dimension {dim + len(shape)} being empty")
    if not input.dtype.is_floating_point:
        raise _not_implemented("adaptive_avg_pool2d", input.dtype)
    return AdaptiveAvgPool2d.apply(input, out_hw)
