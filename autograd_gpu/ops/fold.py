"""unfold (im2col) and fold (col2im): torch.nn.functional.unfold / fold.

``unfold`` copies each sliding block of an (N, C, H, W) input into a column, (N, C*kh*kw, L) with
L the number of blocks; ``fold`` sums such columns back into (N, C, H, W) (overlaps add). They are
each other's adjoints, so each one's backward is the other. The array work is the backend's
``im2col`` / ``col2im`` (``backend/conv_pool.py``, raw kernels on the GPU), the convolution's own
copies: they order the columns (C*kh*kw, N*L), so only a transpose of the batch axis is added.
Unbatched inputs ((C, H, W) for unfold, (C*kh*kw, L) for fold) are a batch of one.
"""
import numbers

from ..autograd.function import Op
from ..backend.conv_pool_args import ConvGeometry
from ..tensor import Tensor, _wrap_dim, op_note


class Im2Col(Op):
    node_name = "Im2ColBackward0"

    def forward(ctx, x, kernel, geom):
        xp = x._backend.xp
        data = x._data[None] if x._data.ndim == 3 else x._data
        ctx.meta = (x._data.shape, kernel, geom)
        n, c = data.shape[:2]
        blocks = _product(geom.output_size(data.shape[2:], kernel))
        if n == 0:
            return xp.zeros((0, c * _product(kernel), blocks), dtype=data.dtype)
        cols = x._backend.im2col(data, kernel, geom)  # (C*kh*kw, N*L)
        out = xp.ascontiguousarray(cols.reshape(cols.shape[0], n, blocks).transpose(1, 0, 2))
        return out[0] if x._data.ndim == 3 else out

    def backward(ctx, gy):
        shape, kernel, geom = ctx.meta
        return Col2Im.apply(gy, shape, kernel, geom)


class Col2Im(Op):
    node_name = "Col2ImBackward0"

    def forward(ctx, cols, x_shape, kernel, geom):
        ctx.meta = (kernel, geom)
        data = cols._data[None] if cols._data.ndim == 2 else cols._data
        batched = (1,) + tuple(x_shape) if len(x_shape) == 3 else tuple(x_shape)
        if batched[0] == 0:
            return cols._backend.xp.zeros(x_shape, dtype=data.dtype)
        rows = data.transpose(1, 0, 2).reshape(data.shape[1], -1)  # (C*kh*kw, N*L)
        return cols._backend.col2im(rows, batched, kernel, geom).reshape(x_shape)

    def backward(ctx, gx):
        return Im2Col.apply(gx, *ctx.meta)


def _product(hw):
    return hw[0] * hw[1]


def _pair(value, name):
    values = [value, value] if isinstance(value, numbers.Integral) else list(value)
    if len(values) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(values)}")
    values = [int(v) for v in values]
    return tuple(values)


def _check_args(kernel, dilation, padding, stride):
    """torch's im2col/col2im checks of the block geometry, in its order."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel, dilation, padding, stride
    if kh <= 0 or kw <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {kh} "
                           f"kernel_width: {kw}")
    if dh <= 0 or dw <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {dh} "
                           f"dilation_width: {dw}")
    if ph < 0 or pw < 0:
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {ph} pad_width: "
                           f"{pw}")
    if sh <= 0 or sw <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {sh} "
                           f"stride_width: {sw}")


def _blocks(size, kernel, dilation, padding, stride):
    """torch's count of sliding blocks along each axis (its division rounds down)."""
    return tuple((n + 2 * p - (d * (k - 1) + 1)) // s + 1
                 for n, k, d, p, s in zip(size, kernel, dilation, padding, stride))


def _geometry(dilation, padding, stride):
    return ConvGeometry(stride, (padding[0], padding[0], padding[1], padding[1]), dilation, 1)


def _check_dtype(x, kernel_name, op):
    if x.dtype.is_floating_point or x.dtype.name == "bool":
        return
    raise op_note(NotImplementedError(f"\"{kernel_name}\" not implemented for "
                                      f"'{x.dtype.scalar_name}'"), op, x)


def _check_input(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")


def _probe_sizes(shape):
    """torch's im2col shape check reads ``input.size(1)``, then (only where that is non-zero)
    ``input.size(2)``, before it tests the rank: a 0-d or 1-d input, or a 2-d one with a non-zero
    second dim, fails there with an IndexError; a 2-d one with an empty second dim reaches the
    "Expected 3D or 4D" RuntimeError."""
    if not shape:
        raise op_note(IndexError("Dimension specified as 1 but tensor has no dimensions"),
                      "unfold")
    _wrap_dim(1, len(shape), "unfold")
    if shape[1] != 0:
        _wrap_dim(2, len(shape), "unfold")


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.unfold: the sliding blocks of an (N, C, H, W) or (C, H, W) input as
    columns, (N, C*kh*kw, L)."""
    _check_input(input, "unfold")
    shape = input._data.shape
    try:
        kernel, dilation, padding, stride = (_pair(v, name) for v, name in (
            (kernel_size, "kernel_size"), (dilation, "dilation"), (padding, "padding"),
            (stride, "stride")))
        _check_args(kernel, dilation, padding, stride)
        _probe_sizes(shape)
        if len(shape) not in (3, 4) or 0 in shape[-3:]:
            raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and "
                               f"other non-zero dimensions for input, but got: {list(shape)}")
        blocks = _blocks(shape[-2:], kernel, dilation, padding, stride)
        if min(blocks) < 1:
            raise RuntimeError(f"Given input with spatial size ({shape[-2]}, {shape[-1]}), "
                               f"kernel_size={kernel}, dilation={dilation}, padding={padding}, "
                               f"calculated shape of the array of sliding blocks as {blocks}, but "
                               "its components must be at least one.")
    except RuntimeError as err:
        raise op_note(err, "unfold", input) from None
    _check_dtype(input, "im2col_out_cpu", "unfold")
    return Im2Col.apply(input, kernel, _geometry(dilation, padding, stride))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.fold: columns (N, C*kh*kw, L) or (C*kh*kw, L) summed back into
    (N, C, H, W) (or (C, H, W)) of ``output_size``; overlapping blocks add."""
    _check_input(input, "fold")
    shape = input._data.shape
    try:
        out_hw, kernel, dilation, padding, stride = (_pair(v, name) for v, name in (
            (output_size, "output_size"), (kernel_size, "kernel_size"), (dilation, "dilation"),
            (padding, "padding"), (stride, "stride")))
        _check_args(kernel, dilation, padding, stride)
        if len(shape) not in (2, 3) or 0 in shape[-2:]:
            raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                               "batch size and non-zero dimensions for input, but got: "
                               f"{list(shape)}")
        rows, length = shape[-2:]
        if rows % _product(kernel):
            raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product "
                               f"of kernel_size, but got input.size(1)={rows} and "
                               f"kernel_size={kernel}.")
        blocks = _blocks(out_hw, kernel, dilation, padding, stride)
        where = (f"Given output_size={out_hw}, kernel_size={kernel}, dilation={dilation}, "
                 f"padding={padding}, stride={stride}, ")
        if _product(blocks) != length:
            raise RuntimeError(f"{where}expected size of input's dimension 2 to match the "
                               f"calculated number of sliding blocks {blocks[0]} * {blocks[1]} = "
                               f"{_product(blocks)}, but got input.size(2)={length}.")
        if min(blocks) < 1:
            raise RuntimeError(f"{where}calculated shape of the array of sliding blocks as "
                               f"{blocks}, which is too small (non-positive)")
    except RuntimeError as err:
        raise op_note(err, "fold", input) from None
    _check_dtype(input, "col2im_out_cpu", "fold")
    x_shape = shape[:-2] + (rows // _product(kernel),) + out_hw
    return Col2Im.apply(input, x_shape, kernel, _geometry(dilation, padding, stride))
