"""Resampling (torch.nn.functional.interpolate): modes 'nearest' (3-D and 4-D inputs), 'linear'
(3-D) and 'bilinear' (4-D), with torch's source-index rules.

Each spatial axis is resampled on its own (width first, then height, as torch's kernels nest their
sums). Per axis the forward gathers: nearest takes input index floor(dst * scale) (clamped to the
last), scale = 1/scale_factor when a factor is given, else in/out, computed in float32 (float64
for double inputs) as torch's kernels do; linear and bilinear take the two neighbours i0 and
i1 = min(i0 + 1, in - 1) of the source coordinate src = scale * dst (align_corners, scale =
(in-1)/(out-1)) or max(scale * (dst + 0.5) - 0.5, 0) and weigh them by 1 - l and l, l = src - i0.
Gathering keeps torch's values exactly, infinities and NaNs included. The adjoint of a gather and
weighted sum is a product with the (out, in) interpolation matrix transposed (BLAS, cuBLAS): the
backward needs no scatter; its own gradient is the forward again. Array work runs through the
tensor's backend module (numpy or CuPy).
"""
import math
import numbers

from ..autograd.function import Op
from ..tensor import Tensor, check_tensor, op_note


def _compute_dtype(xp, dtype):
    return xp.float64 if dtype == xp.float64 else xp.float32


def _axis_plan(xp, n_in, n_out, mode, align_corners, scale, ct):
    """(indices0, indices1, weight0, weight1) for linear, (indices,) for nearest; scale is the
    given scale factor (or None)."""
    dst = xp.arange(n_out, dtype=ct)
    if mode == "nearest":
        if n_out == n_in:
            return (xp.arange(n_out),)
        if n_out == 2 * n_in:
            return (xp.arange(n_out) >> 1,)
        step = ct(1.0 / scale) if scale is not None and scale > 0 else ct(n_in) / ct(n_out)
        return (xp.minimum(xp.floor(dst * step).astype(xp.int64), n_in - 1),)
    if align_corners:
        step = ct(n_in - 1) / ct(n_out - 1) if n_out > 1 else ct(0)
        src = dst * step
    else:
        step = ct(1.0 / scale) if scale is not None and scale > 0 else ct(n_in) / ct(n_out)
        src = xp.maximum(step * (dst + ct(0.5)) - ct(0.5), ct(0))
    i0 = src.astype(xp.int64)
    i1 = i0 + (i0 < n_in - 1)
    l1 = xp.clip(src - i0.astype(ct), 0, 1).astype(ct)
    return (i0, i1, ct(1) - l1, l1)


def _shaped(w, axis, ndim):
    """A weight vector broadcast along ``axis`` of an ndim array."""
    return w.reshape((-1,) + (1,) * (ndim - 1 - (axis % ndim)))


def _resample_axis(xp, a, axis, plan):
    if len(plan) == 1:
        return xp.take(a, plan[0], axis=axis)
    i0, i1, l0, l1 = plan
    return xp.take(a, i0, axis=axis) * _shaped(l0, axis, a.ndim) \
        + xp.take(a, i1, axis=axis) * _shaped(l1, axis, a.ndim)


def _matrix(xp, plan, n_in, dtype):
    """The (out, in) matrix of one axis's resampling."""
    n_out = plan[0].shape[0]
    rows = xp.arange(n_out)
    m = xp.zeros((n_out, n_in), dtype=dtype)
    if len(plan) == 1:
        m[rows, plan[0]] = 1
        return m
    i0, i1, l0, l1 = plan
    m[rows, i0] = l0
    m[rows, i1] += l1
    return m


class _Resample(Op):
    """y: each spatial axis (last first) gathered and weighed; meta: ((axis, n_in, plan), ...)."""

    def forward(ctx, x, axes):
        xp = x._backend.xp
        ctx.meta = axes
        data = x._data
        out_dtype = data.dtype
        a = data if data.dtype.kind != "f" else data.astype(_compute_dtype(xp, data.dtype), copy=False)
        for axis, _, plan in axes:
            a = _resample_axis(xp, a, axis, plan)
        return a.astype(out_dtype, copy=False)

    def backward(ctx, gy):
        return _BACKWARDS[type(ctx).__name__].apply(gy, ctx.meta)


class _ResampleAdjoint(Op):
    """gx = the forward's adjoint: gy times each axis's matrix, transposed; its gradient is the
    forward again."""

    def forward(ctx, gy, axes):
        xp = gy._backend.xp
        ctx.meta = axes
        ct = _compute_dtype(xp, gy._data.dtype)
        g = gy._data.astype(ct, copy=False)
        for axis, n_in, plan in reversed(axes):
            m = _matrix(xp, plan, n_in, ct)
            g = xp.matmul(g, m) if axis == -1 else xp.matmul(m.T, g)
        return g.astype(gy._data.dtype, copy=False)

    def backward(ctx, ggx):
        return _FORWARDS[type(ctx).__name__].apply(ggx, ctx.meta)


_FORWARDS, _BACKWARDS = {}, {}
for _name in ("UpsampleNearest1D", "UpsampleNearest2D", "UpsampleLinear1D", "UpsampleBilinear2D"):
    _f = type(_name, (_Resample,), {"node_name": f"{_name}Backward0",
                                    "op_name": _name.replace("Upsample", "upsample_").lower()})
    _b = type(_name + "Adjoint", (_ResampleAdjoint,), {"node_name": f"{_name}BackwardBackward0"})
    _BACKWARDS[_name] = _b
    _FORWARDS[_name + "Adjoint"] = _f
    globals()[_name] = _f
_OPS = {(3, "nearest"): _FORWARDS["UpsampleNearest1DAdjoint"],
        (4, "nearest"): _FORWARDS["UpsampleNearest2DAdjoint"],
        (3, "linear"): _FORWARDS["UpsampleLinear1DAdjoint"],
        (4, "bilinear"): _FORWARDS["UpsampleBilinear2DAdjoint"]}


def _is_integer(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """torch.nn.functional.interpolate for modes nearest (3-D, 4-D), linear (3-D) and bilinear
    (4-D); the other modes raise NotImplementedError."""
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate(): argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    shape = tuple(input._data.shape)
    dim = len(shape) - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scales = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError("Input and output must have the same number of spatial dimensions,"
                                 f" but got input with spatial dimensions of {list(shape[2:])} and "
                                 f"output size of {size}. Please provide input tensor in (N, C, d1, "
                                 "d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
            if not all(_is_integer(v) for v in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                                "Tuple[int, int, int], but got size with types "
                                f"{[type(v) for v in size]}")
            out = [int(v) for v in size]
        else:
            out = [int(size)] * dim
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError("Input and scale_factor must have the same number of spatial "
                                 f"dimensions, but got input with spatial dimensions of "
                                 f"{list(shape[2:])} and scale_factor of shape {scale_factor}. "
                                 "Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                                 "scale_factor in (s1, s2, ...,sK) format.")
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
        out = [int(math.floor(n * s)) for n, s in zip(shape[2:], scales)]
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if recompute_scale_factor:
        scales = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and len(shape) == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes "
                         "and requires a 4-D tensor as input")
    op = _OPS.get((len(shape), mode))
    if op is None or antialias:
        _unsupported(len(shape), mode)
    names = ("W",) if dim == 1 else ("H", "W")
    if min(out) <= 0 or min(shape[2:]) <= 0:
        ins = ", ".join(f"{n}: {v}" for n, v in zip(names, shape[2:]))
        outs = ", ".join(f"{n}: {v}" for n, v in zip(names, out))
        raise op_note(RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                                   f"({ins}){' and' if dim == 1 else ''} output ({outs})"),
                       "interpolate", input)
    if shape[1] == 0:  # torch's upsample kernels take an empty batch, not an empty channel dim
        raise op_note(RuntimeError(f"Non-empty {len(shape)}D data tensor expected but got a tensor "
                                   f"with sizes {list(shape)}"), "interpolate", input)
    if mode == "nearest" and not input.is_floating_point() and input.dtype.name != "uint8":
        # torch's nearest kernels take floating types and uint8 (its image type) only
        kernel = "compute_indices_weights_nearest" if dim == 1 else \
            "upsample_nearest2d_channels_last"
        raise op_note(NotImplementedError(f"\"{kernel}\" not implemented for "
                                          f"'{input.dtype.scalar_name}'"), "interpolate", input)
    if mode != "nearest" and not input.is_floating_point():
        raise op_note(NotImplementedError(f"\"upsample_{mode}{dim}d_out_frame\" not implemented "
                                          f"for '{input.dtype}'"), "interpolate", input)
    xp = input._backend.xp
    ct = _compute_dtype(xp, input._data.dtype)
    axes = []
    for k in reversed(range(dim)):  # the width first, as torch's kernels nest their sums
        plan = _axis_plan(xp, shape[2 + k], out[k], mode, align_corners,
                          None if scales is None else scales[k], ct)
        axes.append((k - dim, shape[2 + k], plan))
    return op.apply(input, tuple(axes))


def _unsupported(ndim, mode):
    known = {"nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact",
             "lanczos"}
    if mode in known and 3 <= ndim <= 5:
        need = {"linear": 3, "bilinear": 4, "trilinear": 5}.get(mode)
        if need is not None and need != ndim:
            raise NotImplementedError(f"Got {ndim}D input, but {mode} mode needs {need}D input")
        raise NotImplementedError(f"interpolate: mode '{mode}' for {ndim}-D input is not "
                                  "implemented in autograd_gpu; nearest (3-D, 4-D), linear (3-D) "
                                  "and bilinear (4-D) are")
    raise NotImplementedError("Input Error: Only 3D, 4D and 5D input Tensors supported"
                              f" (got {ndim}D) for the modes: nearest | linear | bilinear | bicubic "
                              f"| trilinear | lanczos | area | nearest-exact (got {mode})")


def _check_shuffle(input, factor, op, name):
    check_tensor(input, op)
    if not isinstance(factor, int) or isinstance(factor, bool):
        raise TypeError(f"{op}(): argument '{name}' (position 2) must be int, not "
                        f"{type(factor).__name__}")
    if input.dim() < 3:
        raise op_note(RuntimeError(f"{op} expects input to have at least 3 dimensions, but got "
                                   f"input with {input.dim()} dimension(s)"), op, input)
    if factor <= 0:
        raise op_note(RuntimeError(f"{op} expects a positive {name}, but got {factor}"), op, input)


def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r): a reshape, a permute and a reshape (torch's)."""
    r = upscale_factor
    _check_shuffle(input, r, "pixel_shuffle", "upscale_factor")
    *batch, c, h, w = input.shape
    if c % (r * r):
        raise op_note(RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                                   f"divisible by the square of upscale_factor, but "
                                   f"input.size(-3)={c} is not divisible by {r * r}"),
                      "pixel_shuffle", input)
    n = len(batch)
    out = input.reshape(*batch, c // (r * r), r, r, h, w)
    out = out.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return out.reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W), pixel_shuffle's inverse."""
    r = downscale_factor
    _check_shuffle(input, r, "pixel_unshuffle", "downscale_factor")
    *batch, c, h, w = input.shape
    for side, size, dim in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise op_note(RuntimeError(f"pixel_unshuffle expects {side} to be divisible by "
                                       f"downscale_factor, but input.size({dim})={size} is not "
                                       f"divisible by {r}"), "pixel_unshuffle", input)
    n = len(batch)
    out = input.reshape(*batch, c, h // r, r, w // r, r)
    out = out.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return out.reshape(*batch, c * r * r, h // r, w // r)
