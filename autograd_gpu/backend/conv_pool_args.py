"""The geometry of a 2-D convolution or pooling window, and the launch plans of the kernels of
``kernels/conv.cu`` and ``kernels/pooling.cu``: the outputs to allocate, and for each launch the
kernel, its grid, block and exact argument list.

Pure Python: ``xp`` is the array module that allocates (CuPy in ``cuda_conv_pool``, numpy in the
CPU-emulator tests, which run the very plans the GPU runs). Inputs must be contiguous (N, C, H, W)
arrays of one kernel dtype (max pooling's indices int64); the callers check that. A plan holds no
launch where there is no element, so callers can run every launch as it comes. ``max_blocks``
caps each grid (the kernels' grid-stride loops cover the rest), which the tests lower to prove
the striding.
"""
from .kernels import Launch

BLOCK = 256  # threads per block


class ConvGeometry:
    """Stride (h, w), padding (top, bottom, left, right), dilation (h, w) and groups of a convolution."""

    __slots__ = ("dilation", "groups", "padding", "stride")

    def __init__(self, stride, padding, dilation, groups):
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups

    def output_size(self, in_hw, kernel_hw):
        (sh, sw), (pt, pb, pl, pr), (dh, dw) = self.stride, self.padding, self.dilation
        (h, w), (kh, kw) = in_hw, kernel_hw
        return (h + pt + pb - dh * (kh - 1) - 1) // sh + 1, (w + pl + pr - dw * (kw - 1) - 1) // sw + 1


class PoolWindow:
    """Kernel, stride, padding and dilation (each (h, w)), input and output (h, w) of a pooling."""

    __slots__ = ("dilation", "in_hw", "kernel", "out_hw", "padding", "stride")

    def __init__(self, kernel, stride, padding, dilation, in_hw, out_hw):
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.in_hw, self.out_hw = in_hw, out_hw

    def padded_hw(self):
        """The padded buffer: the input after ``padding`` on each side, long enough for the last
        window (which ceil_mode may let run past the right padding)."""
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


def _per_element(family, name, dtype, n, args, max_blocks):
    """The launches of a grid-stride kernel over n elements, whose last parameter is n: none
    when n is 0."""
    if n == 0:
        return ()
    return (Launch(family, name, dtype, min((n + BLOCK - 1) // BLOCK, max_blocks), BLOCK,
                   (*args, int(n))),)


# -- convolution: kernels/conv.cu ------------------------------------------------------------------

def _conv_scalars(x_shape, kernel_hw, geom):
    """batch, channels, height, width, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left,
    dilation_h, dilation_w, out_h, out_w (the bottom and right padding only show in out_h, out_w)."""
    n, c, h, w = x_shape
    ho, wo = geom.output_size((h, w), kernel_hw)
    (kh, kw), (sh, sw), (dh, dw) = kernel_hw, geom.stride, geom.dilation
    pt, _, pl, _ = geom.padding
    return tuple(int(v) for v in (n, c, h, w, kh, kw, sh, sw, pt, pl, dh, dw, ho, wo))


PLANE_WORK = 2048  # elements a block of a plane kernel covers at least, where planes are small
MIN_BLOCKS = 1024  # fewer (row, image group) blocks than this: the planes are split as well


def _plane_launch(name, dtype, args, batch, rows, plane, max_blocks):
    """The launch of a plane kernel of conv.cu over ``rows`` (column rows or channels) and
    ``batch`` images of ``plane`` elements: blocks of BLOCK threads, each over one row of a group
    of ``images`` images (enough for PLANE_WORK elements), and where that makes fewer than
    MIN_BLOCKS blocks, over a part of it (at least 2 * BLOCK elements); the grid capped by
    ``max_blocks`` (and CUDA's 65535 for y and z): the kernels stride over the rest. The group
    size is the kernels' last argument."""
    if batch == 0 or rows == 0 or plane == 0:
        return ()
    images = min(batch, max(1, PLANE_WORK // plane))
    groups = -(-batch // images)
    parts = min(-(-images * plane // (2 * BLOCK)), -(-MIN_BLOCKS // (rows * groups)))
    grid = (min(rows, max_blocks), min(groups, max_blocks, 65535),
            min(max(parts, 1), max_blocks, 65535))
    return (Launch("conv", name, dtype, grid, BLOCK, (*args, images)),)


def plane_kernels_apply(x_shape, kernel_hw, geom):
    """Whether conv.cu's kernels take this geometry: they compute coordinates and offsets within
    a plane (or a block's group of small planes) in 32 bits."""
    h, w = x_shape[2:]
    ho, wo = geom.output_size((h, w), kernel_hw)
    reach = (max(h, w) + max(geom.padding)) * max(geom.stride) \
        + max(kernel_hw) * max(geom.dilation)
    return max(h * w, ho * wo, PLANE_WORK) < 2**31 and reach < 2**30


def im2col(xp, x, kernel_hw, geom, max_blocks):
    """``(cols, launches)``: x's (C*kh*kw, N*Ho*Wo) columns, rows (c, i, j), positions (n, h, w)."""
    n, c = x.shape[:2]
    ho, wo = geom.output_size(x.shape[2:], kernel_hw)
    rows = c * kernel_hw[0] * kernel_hw[1]
    cols = xp.empty((rows, n * ho * wo), dtype=x.dtype)
    return cols, _plane_launch("im2col", x.dtype, (x, cols, *_conv_scalars(x.shape, kernel_hw, geom)),
                               n, rows, ho * wo, max_blocks)


def col2im(xp, cols, x_shape, kernel_hw, geom, max_blocks):
    """``(x, launches)``: the adjoint of ``im2col``, each input element the sum of its copies."""
    x = xp.empty(tuple(x_shape), dtype=cols.dtype)
    n, c, h, w = x_shape
    return x, _plane_launch("col2im", cols.dtype, (cols, x, *_conv_scalars(x_shape, kernel_hw, geom)),
                            n, c, h * w, max_blocks)


# -- pooling: kernels/pooling.cu -------------------------------------------------------------------

def _max_pool_scalars(win):
    """height, width, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h,
    dilation_w, out_h, out_w."""
    return tuple(int(v) for v in (*win.in_hw, *win.kernel, *win.stride, *win.padding,
                                  *win.dilation, *win.out_hw))


def _avg_pool_scalars(win, count_include_pad, divisor_override):
    """height, width, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, out_h, out_w,
    count_include_pad, divisor_override (0: none; torch rejects 0 before). No dilation."""
    ints = (*win.in_hw, *win.kernel, *win.stride, *win.padding, *win.out_hw)
    return (*(int(v) for v in ints), bool(count_include_pad), int(divisor_override or 0))


def max_pool2d(xp, x, win, max_blocks):
    """``(y, indices, launches)``: each window's maximum and its flat per-plane input index."""
    shape = x.shape[:2] + tuple(win.out_hw)
    y = xp.empty(shape, dtype=x.dtype)
    indices = xp.empty(shape, dtype=xp.int64)
    return y, indices, _per_element("pooling", "max_pool2d_forward", x.dtype, y.size,
                                    (x, y, indices, *_max_pool_scalars(win)), max_blocks)


def max_pool2d_backward(xp, gy, indices, x_shape, win, max_blocks):
    """``(gx, launches)``: gy summed at each argmax."""
    gx = xp.empty(tuple(x_shape), dtype=gy.dtype)
    return gx, _per_element("pooling", "max_pool2d_backward", gy.dtype, gx.size,
                            (gy, indices, gx, *_max_pool_scalars(win)), max_blocks)


def avg_pool2d(xp, x, win, count_include_pad, divisor_override, max_blocks):
    """``(y, launches)``: each window's sum over torch's divisor."""
    y = xp.empty(x.shape[:2] + tuple(win.out_hw), dtype=x.dtype)
    scalars = _avg_pool_scalars(win, count_include_pad, divisor_override)
    return y, _per_element("pooling", "avg_pool2d_forward", x.dtype, y.size, (x, y, *scalars),
                           max_blocks)


def avg_pool2d_backward(xp, gy, win, count_include_pad, divisor_override, x_shape, max_blocks):
    """``(gx, launches)``: each gy over its divisor, summed over the windows holding an element."""
    gx = xp.empty(tuple(x_shape), dtype=gy.dtype)
    scalars = _avg_pool_scalars(win, count_include_pad, divisor_override)
    return gx, _per_element("pooling", "avg_pool2d_backward", gy.dtype, gx.size,
                            (gy, gx, *scalars), max_blocks)
