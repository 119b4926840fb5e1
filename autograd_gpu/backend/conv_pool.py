"""Backend primitives for convolution (im2col/col2im and matrix products) and pooling, written
with ``self.xp``: what the cpu backend runs. ``cuda_conv_pool.CudaConvPool`` overrides them with
raw kernels. Arrays are NCHW; the geometry comes as a ``conv_pool_args.ConvGeometry`` or
``PoolWindow``.

Convolution. ``im2col`` copies the input's windows into a ``(C*kh*kw, N*Ho*Wo)`` matrix: rows
channel-major (c, i, j), so that the weight is used as it is stored (reordering a 512x512x3x3
weight to channels-last costs as much as its product), positions (n, h, w). ``col2im`` is its
adjoint (overlapping windows summed). ``conv2d``, ``conv2d_input_grad`` and
``conv2d_weight_grad`` are the convolution and its adjoints in x and in w, each BLAS products
around those copies; grouped convolutions are batched over the groups.

On the cpu the columns are read from x through one ``as_strided`` view whose axes are named by
letters: n (batch), g (group), c (channel within the group), i, j (kernel offsets), h, w (output
position). How the positions are ordered is chosen per call so that the copy runs along long
contiguous rows: batch first (n, h, w), read from x in place, or batch last (h, w, n), read from
a (C, H, W, N) copy of x. A numpy copy pays per run: Wo elements batch first, N*Wo (stride 1) or
N batch last. ResNet-18 at 64x64 and batch 8: layer4's 2x2 outputs copy in runs of 16 instead of
2 (5x faster, the transposed copy of x included), layer1's in runs of 128 instead of 16 (2x); the
stem (Wo = 32) stays batch first. Batch first, the forward is one GEMM per sample whose result is
already NCHW; batch last, one GEMM and one transpose of the (9x smaller) output. The input
gradient of a stride-1 convolution is a correlation of gy with the flipped weight (one im2col
copy); strided ones go through ``col2im``, one strided add per kernel offset, never per pixel.
The GPU takes a simpler route, ``conv2d_by_columns`` and its two adjoints below: one im2col
kernel and one cuBLAS product for every shape.

Pooling. Windows are strided slices of a padded copy of the input, one per kernel offset, so every
loop runs over the kh*kw offsets (or kh + kw for the separable average), never over pixels. Max
pooling returns the flat per-plane index (h * W + w) of each maximum, which its backward scatters
to; adaptive average pooling is two products with bin-averaging matrices (BLAS on the cpu, cuBLAS
on the GPU: it needs no kernel of its own).
"""
from .conv_pool_args import ConvGeometry


class ConvPoolPrimitives:
    # -- convolution ---------------------------------------------------------------------------------
    def im2col(self, x, kernel_hw, geom):
        """x (N, C, H, W) as the (C*kh*kw, N*Ho*Wo) column matrix: rows (c, i, j), positions
        (n, h, w); the padding reads as zeros."""
        n, c = x.shape[:2]
        ho, wo = geom.output_size(x.shape[2:], kernel_hw)
        cols = _windows(self.xp, x, kernel_hw, geom, "gcijnhw", False)
        return cols.reshape(c * kernel_hw[0] * kernel_hw[1], n * ho * wo)

    def col2im(self, cols, x_shape, kernel_hw, geom):
        """The adjoint of ``im2col``: (N, C, H, W) with every column entry added to the input
        element it was copied from."""
        return _col2im(self.xp, cols, x_shape, kernel_hw, geom, False)

    def conv2d(self, x, weight, geom):
        """The correlation of x (N, C, H, W) with weight (O, C/groups, kh, kw): (N, O, Ho, Wo)."""
        o, _, kh, kw = weight.shape
        return _correlate(self.xp, x, weight.reshape(geom.groups, o // geom.groups, -1), (kh, kw),
                          geom)

    def conv2d_input_grad(self, gy, weight, geom, x_shape):
        """The adjoint of ``conv2d`` in x (a transposed convolution): gy (N, O, Ho, Wo) -> x_shape."""
        xp = self.xp
        o, _, kh, kw = weight.shape
        full = _full_correlation(xp, weight, geom)
        if full is not None:  # one im2col copy of gy instead of kh*kw strided adds
            w_rows, full_geom = full
            return _correlate(xp, gy, w_rows, (kh, kw), full_geom)
        wo = geom.output_size(x_shape[2:], (kh, kw))[1]
        batch_last = _batch_last(x_shape[0], wo, geom.stride[1])
        w_t = weight.reshape(geom.groups, o // geom.groups, -1).transpose(0, 2, 1)
        cols = _matmul(xp, w_t, _positions(xp, gy, batch_last, geom.groups))
        if batch_last:
            return _col2im(xp, cols, x_shape, (kh, kw), geom, True)
        groups, k, positions = cols.shape
        return self.col2im(cols.reshape(groups * k, positions), x_shape, (kh, kw), geom)

    def conv2d_weight_grad(self, x, gy, geom, w_shape):
        """The adjoint of ``conv2d`` in the weight: a correlation of x with gy, shaped w_shape."""
        xp = self.xp
        groups, kernel_hw = geom.groups, tuple(w_shape[2:])
        n = x.shape[0]
        ho, wo = geom.output_size(x.shape[2:], kernel_hw)
        batch_last = _batch_last(n, wo, geom.stride[1])
        if batch_last:
            cols = _windows(xp, x, kernel_hw, geom, "gcijhwn", True)
        else:
            cols = self.im2col(x, kernel_hw, geom)
        cols = cols.reshape(groups, w_shape[1] * w_shape[2] * w_shape[3], n * ho * wo)
        gw = _matmul(xp, _positions(xp, gy, batch_last, groups), cols.transpose(0, 2, 1))
        return gw.reshape(w_shape)

    # -- pooling (x is (N, C, H, W); ops batch unbatched inputs) ---------------------------------
    def max_pool2d(self, x, win, with_indices):
        """(y, indices): each window's maximum (NaN wins), and where asked its flat per-plane
        input index (int64, see ``_argmax``), else None."""
        xp = self.xp
        buf = _padded(xp, x, win, _lowest(xp, x.dtype))
        y = None
        for r in win.offset_slices(0):
            for c in win.offset_slices(1):
                v = buf[:, :, r, c]
                y = v.copy() if y is None else xp.maximum(y, v, out=y)
        return y, (_argmax(xp, buf, y, win) if with_indices else None)

    def max_pool2d_backward(self, gy, indices, x_shape, win):
        """gx (x_shape): each gy added at its window's argmax (overlapping windows accumulate)."""
        xp = self.xp
        planes, plane_size = x_shape[0] * x_shape[1], x_shape[2] * x_shape[3]
        per_plane = indices.reshape(planes, indices.shape[2] * indices.shape[3])
        flat = (per_plane + xp.arange(planes, dtype=xp.int64)[:, None] * plane_size).reshape(-1)
        gx = xp.zeros(planes * plane_size, dtype=gy.dtype)
        self.scatter_add(gx, flat, gy.reshape(-1))
        return gx.reshape(x_shape)

    def avg_pool2d(self, x, win, count_include_pad, divisor_override):
        """Each window's sum over torch's divisor (``divisor_override``, else the window clipped
        to the padded input, or to the input when padding is not counted); integers divide
        truncating toward zero, float16 accumulates in float32."""
        xp = self.xp
        divisor = divisor_override or _window_sizes(xp, win, count_include_pad)
        acc = _accumulation_dtype(xp, x.dtype)
        total = _window_sums(_padded(xp, x.astype(acc, copy=False), win, 0), win)
        return _divide(xp, total, divisor).astype(x.dtype, copy=False)

    def avg_pool2d_backward(self, gy, win, count_include_pad, divisor_override, x_shape):
        """gx (x_shape): each gy over its divisor, spread over its window."""
        xp = self.xp
        divisor = divisor_override or _window_sizes(xp, win, count_include_pad)
        g = gy.astype(_accumulation_dtype(xp, gy.dtype), copy=False) / xp.asarray(divisor, gy.dtype)
        gx = _unpadded(_window_scatter(xp, g, win, x_shape), win)
        return xp.ascontiguousarray(gx).astype(gy.dtype, copy=False)

    def adaptive_avg_pool2d(self, x, out_hw):
        """y = P_h @ x @ P_w^T over the last two dims, P the bin-averaging matrices."""
        xp = self.xp
        acc = _accumulation_dtype(xp, x.dtype)
        if not bool(xp.isfinite(x).all()):  # the matrices' zeros would spread a NaN or inf
            return _adaptive_avg_by_window(xp, x, out_hw, acc).astype(x.dtype, copy=False)
        ph, pw = _adaptive_matrices(xp, x.shape[-2:], out_hw, acc)
        return _sandwich(xp, ph, x.astype(acc, copy=False), pw.T).astype(x.dtype, copy=False)

    def adaptive_avg_pool2d_backward(self, gy, in_hw, out_hw):
        """gx = P_h^T @ gy @ P_w."""
        xp = self.xp
        acc = _accumulation_dtype(xp, gy.dtype)
        ph, pw = _adaptive_matrices(xp, in_hw, out_hw, acc)
        return _sandwich(xp, ph.T, gy.astype(acc, copy=False), pw).astype(gy.dtype, copy=False)


def _adaptive_avg_by_window(xp, x, out_hw, acc):
    """Each adaptive window's mean, window by window (torch's bounds: output i covers
    [floor(i * n / out), ceil((i + 1) * n / out))): a NaN or inf stays in its own windows."""
    (h, w), (oh, ow) = x.shape[-2:], out_hw
    out = xp.empty(x.shape[:-2] + (oh, ow), dtype=acc)
    for i in range(oh):
        h0, h1 = i * h // oh, -(-(i + 1) * h // oh)
        for j in range(ow):
            w0, w1 = j * w // ow, -(-(j + 1) * w // ow)
            out[..., i, j] = x[..., h0:h1, w0:w1].astype(acc).mean(axis=(-2, -1))
    return out


# -- convolution helpers (xp is numpy or cupy) ------------------------------------------------------

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
    return w_rows, ConvGeometry((1, 1), padding, geom.dilation, groups)


# -- the column strategy: one im2col, one product batched over the groups ------------------------
#
# What the cuda backend runs, with its im2col and col2im kernels (the ``im2col`` and ``col2im``
# arguments: a backend's bound primitives). The columns' layout makes both operands of every big
# product contiguous as they are (CuPy copies a non-contiguous operand of a batched product): only
# gy and the weight are copied, and the output transposed once.

def _grouped_product(xp, a, b):
    """a @ b over a leading groups dim: one 2-D ``xp.dot`` for one group (cupy.matmul, a Python
    generalised ufunc, costs tens of microseconds of host time a call)."""
    if a.shape[0] == 1:
        return xp.dot(a[0], b[0])[None]
    return xp.matmul(a, b)


def conv2d_by_columns(xp, x, weight, geom, im2col):
    """``conv2d``: (G, O/G, K) weight rows times the (G, K, N*Ho*Wo) columns is (O, N, Ho, Wo)."""
    o, cg, kh, kw = weight.shape
    n, groups = x.shape[0], geom.groups
    ho, wo = geom.output_size(x.shape[2:], (kh, kw))
    cols = im2col(x, (kh, kw), geom).reshape(groups, cg * kh * kw, n * ho * wo)
    w_rows = xp.ascontiguousarray(weight).reshape(groups, o // groups, cg * kh * kw)
    y = _grouped_product(xp, w_rows, cols).reshape(o, n, ho, wo)
    return xp.ascontiguousarray(y.transpose(1, 0, 2, 3))


def conv2d_input_grad_by_columns(xp, gy, weight, geom, x_shape, col2im):
    """``conv2d_input_grad``: the columns' gradient, W^T gy per group, summed back by col2im."""
    o, cg, kh, kw = weight.shape
    groups = geom.groups
    w_t = xp.ascontiguousarray(weight).reshape(groups, o // groups, cg * kh * kw).transpose(0, 2, 1)
    cols = _grouped_product(xp, w_t, _positions(xp, gy, False, groups))  # (G, C/G*kh*kw, N*Ho*Wo)
    return col2im(cols.reshape(groups * cg * kh * kw, cols.shape[2]), x_shape, (kh, kw), geom)


def conv2d_weight_grad_by_columns(xp, x, gy, geom, w_shape, im2col):
    """``conv2d_weight_grad``: gw^T = columns @ gy^T per group, so that the columns (the big
    operand) are used as they are; gy is copied once, transposed, and the small result back."""
    n, o, ho, wo = gy.shape
    groups, og = geom.groups, o // geom.groups
    k = w_shape[1] * w_shape[2] * w_shape[3]
    cols = im2col(x, tuple(w_shape[2:]), geom).reshape(groups, k, n * ho * wo)
    gy_t = xp.ascontiguousarray(gy.reshape(n, groups, og, ho * wo).transpose(1, 0, 3, 2))
    gw_t = _grouped_product(xp, cols, gy_t.reshape(groups, n * ho * wo, og))  # (G, C/G*kh*kw, O/G)
    return xp.ascontiguousarray(gw_t.transpose(0, 2, 1)).reshape(w_shape)


# -- pooling helpers --------------------------------------------------------------------------------

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
