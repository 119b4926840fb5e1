"""Backend primitives for ``autograd_gpu.fuse``: evaluating a traced elementwise expression, written
with ``self.xp``. The cpu backend uses these as they are; ``cuda_fused.CudaFused`` runs the generated
CUDA kernel instead.

A program (``autograd_gpu.fusion.graph.Program``) is a list of nodes in topological order, each an
operation on earlier nodes, an input array, a scalar parameter or a constant. ``fused_elementwise``
evaluates it node by node with the same semantics as the generated kernel: float16 is computed in
float32 and rounded once per output, a Python constant takes the type of its operation, a
parameter is converted from its Python value to the type of its node. The values the rest of the
program no longer needs are dropped as it goes.

``kernel_arguments`` lays out a launch of the generated kernel (shared by the cuda backend and the
tests that run the kernels in the CPU CUDA emulator): broadcast and strided inputs are read
through per-input strides of the coalesced output shape; inputs laid out as the output read
element ``i``.
"""
import math

# Chebyshev coefficients of erfc on [0, inf) (Numerical Recipes 3rd ed., ``Erf::erfccheb``):
# relative error below 1e-14, for float64.
_ERFC_COEFFS = (
    -1.3026537197817094, 6.4196979235649026e-1, 1.9476473204185836e-2, -9.561514786808631e-3,
    -9.46595344482036e-4, 3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5,
    -1.624290004647e-6, 1.303655835580e-6, 1.5626441722e-8, -8.5238095915e-8, 6.529054439e-9,
    5.059343495e-9, -9.91364156e-10, -2.27365122e-10, 9.6467911e-11, 2.394038e-12, -6.886027e-12,
    8.94487e-13, 3.13092e-13, -1.12708e-13, 3.81e-16, 7.106e-15, -1.523e-15, -9.4e-17, 1.21e-16,
    -2.8e-17)
# erfc(z) = t exp(-z^2 + P(t)), t = 1 / (1 + z/2) (Numerical Recipes 2nd ed., ``erfcc``): relative
# error below 1.2e-7 everywhere, for float32 (and float16, computed in float32).
_ERFC_SINGLE = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807,
                -1.13520398, 1.48851587, -0.82215223, 0.17087277)
# erf's Maclaurin series, erf(x) = 2/sqrt(pi) * x * sum_n (-1)^n x^(2n) / (n! (2n+1)), used below
# |x| = 0.5 where 1 - erfc(x) loses relative digits: 13 terms reach double precision there, 6
# single precision.
_ERF_SERIES = tuple(2.0 / math.sqrt(math.pi) * (-1) ** n / (math.factorial(n) * (2 * n + 1))
                    for n in range(13))
_ERF_SERIES_BOUND = 0.5
# erfinv's first guess, Giles' single-precision approximation ("Approximating the erfinv function",
# GPU Computing Gems, 2011): a polynomial in w = -log(1 - y^2), central (w < 5) and tail branches;
# Newton steps on erf/erfc then refine it to the precision of those.
_ERFINV_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                   0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_ERFINV_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)
_ERFINV_NEWTON_STEPS = 3


def _erfc_double(xp, z):
    """erfc(z) for z >= 0 by the Chebyshev series (Clenshaw's recurrence, in place)."""
    t = 2.0 / (2.0 + z)
    ty = 4.0 * t - 2.0
    d, dd, step = xp.zeros_like(z), xp.zeros_like(z), xp.empty_like(z)
    for c in _ERFC_COEFFS[:0:-1]:
        xp.multiply(ty, d, out=step)  # step = ty * d - dd + c
        step -= dd
        step += c
        d, dd, step = step, d, dd
    ty *= d  # t * exp(-z^2 + (c0 + ty d) / 2 - dd)
    ty += _ERFC_COEFFS[0]
    ty *= 0.5
    ty -= dd
    ty -= z * z
    xp.exp(ty, out=ty)
    ty *= t
    return ty


def _erfc_single(xp, z):
    """erfc(z) for z >= 0 to single precision (Horner's scheme, in place)."""
    t = 0.5 * z
    t += 1.0
    xp.reciprocal(t, out=t)
    p = xp.full_like(z, _ERFC_SINGLE[-1])
    for c in _ERFC_SINGLE[-2::-1]:
        p *= t
        p += c
    p -= z * z
    xp.exp(p, out=p)
    p *= t
    return p


def _erf_series(x, terms):
    """erf(x) by the first ``terms`` terms of its series (Horner's scheme in x^2, in place)."""
    x2 = x * x
    acc = x2 * _ERF_SERIES[terms - 1]
    for c in _ERF_SERIES[terms - 2:0:-1]:
        acc += c
        acc *= x2
    acc += _ERF_SERIES[0]
    acc *= x
    return acc


def _compute_dtype(xp, np_dtype):
    """The dtype a node's values are computed in: float16 as float32 (the kernels' acc_t)."""
    return xp.dtype(xp.float32) if np_dtype == xp.float16 else np_dtype


def _pow(self, xp, node, a, b):
    exponent = node.args[1]
    if exponent.op == "const" and exponent.value == 2:
        return a * a  # exact, as torch's and the kernel's x * x
    if exponent.op == "const" and exponent.value == 0.5:
        return xp.sqrt(a)
    return xp.power(a, b)


def _where(self, xp, node, c, a, b):
    return xp.where(c, a, b)


def _cast(self, xp, node, a):
    """The evaluator converts every value to its node's compute dtype; a cast to float16 also
    rounds to float16 (computed in float32, the value must still be one float16 can hold), through
    float32 as torch and the kernels convert a double."""
    if node.dtype.np == xp.float16 and node.args[0].dtype.np != xp.float16:
        return xp.asarray(a).astype(xp.float32).astype(xp.float16)
    return a


def _ufunc(name):
    return lambda self, xp, node, *args: getattr(xp, name)(*args)


_EVALUATE = {
    "add": _ufunc("add"), "sub": _ufunc("subtract"), "mul": _ufunc("multiply"),
    "div": _ufunc("true_divide"), "pow": _pow, "neg": _ufunc("negative"),
    "reciprocal": _ufunc("reciprocal"), "maximum": _ufunc("maximum"),
    "minimum": _ufunc("minimum"), "clamp_min": _ufunc("maximum"), "clamp_max": _ufunc("minimum"),
    "exp": _ufunc("exp"), "log": _ufunc("log"), "sqrt": _ufunc("sqrt"), "sin": _ufunc("sin"),
    "cos": _ufunc("cos"), "tanh": _ufunc("tanh"), "abs": _ufunc("abs"), "sign": _ufunc("sign"),
    "sigmoid": lambda self, xp, node, a: self.sigmoid(xp.asarray(a)),
    "relu": lambda self, xp, node, a: xp.maximum(a, 0),
    "erf": lambda self, xp, node, a: self.erf(xp.asarray(a)),
    "eq": _ufunc("equal"), "ne": _ufunc("not_equal"), "lt": _ufunc("less"),
    "le": _ufunc("less_equal"), "gt": _ufunc("greater"), "ge": _ufunc("greater_equal"),
    "and": _ufunc("logical_and"), "or": _ufunc("logical_or"), "xor": _ufunc("logical_xor"),
    "not": _ufunc("logical_not"), "where": _where, "cast": _cast,
}


# The ops computed by one ufunc, which can write into the buffer of an argument that dies there.
_IN_PLACE = {"add": "add", "sub": "subtract", "mul": "multiply", "div": "true_divide",
             "neg": "negative", "reciprocal": "reciprocal", "maximum": "maximum",
             "minimum": "minimum", "clamp_min": "maximum", "clamp_max": "minimum", "exp": "exp",
             "log": "log", "sqrt": "sqrt", "sin": "sin", "cos": "cos", "tanh": "tanh",
             "abs": "absolute", "sign": "sign"}


def _spare(xp, node, args, releases, own, dtype):
    """An argument's buffer the result may overwrite: its node dies here, this evaluation made it,
    and it has the result's dtype and shape."""
    shape = None
    for a, v in zip(node.args, args):
        if a.index in releases and own[a.index] and isinstance(v, xp.ndarray) and v.dtype == dtype:
            if shape is None:
                shape = xp.broadcast_shapes(*(getattr(x, "shape", ()) for x in args))
            if v.shape == shape:
                return v
    return None


class FusedPrimitives:
    def fused_elementwise(self, program, arrays, params, shape):
        """The outputs of ``program``, new arrays of ``shape`` and of the program's output dtypes,
        from ``arrays`` (one per program input, broadcastable to ``shape``; None where unused)
        and ``params`` (one Python scalar per program parameter).

        ``own[i]``: node i's value is an array this evaluation made (not an input, nor shared with
        one): only those may be written into once dead, or handed out as an output."""
        xp = self.xp
        values = [None] * len(program.nodes)
        own = [False] * len(program.nodes)
        for node, releases in zip(program.nodes, program.releases):
            op = node.op
            if op == "const":
                value = node.value
            else:
                dtype = _compute_dtype(xp, node.dtype.np)
                if op == "input":
                    value = arrays[node.value]
                elif op == "param":
                    value = dtype.type(params[node.value])
                else:
                    args = [values[a.index] for a in node.args]
                    spare = (_spare(xp, node, args, releases, own, dtype)
                             if op in _IN_PLACE and releases else None)
                    if spare is not None:
                        value = getattr(xp, _IN_PLACE[op])(*args, out=spare)
                    else:
                        value = _EVALUATE[op](self, xp, node, *args)
                    own[node.index] = not any(v is value for v in args)  # a cast may pass it on
                if value.dtype != dtype:
                    value = value.astype(dtype)
                    own[node.index] = True
            values[node.index] = value
            for index in releases:
                values[index] = None
        return [self._fused_output(values[o.index], own[o.index], dtype.np, shape)
                for o, dtype in zip(program.outputs, program.output_dtypes)]

    def _fused_output(self, value, own, dtype, shape):
        """The value of an output as a new array of its shape and dtype (an input or a constant
        returned as is, or a value of a smaller shape, is copied out)."""
        xp = self.xp
        if own and isinstance(value, xp.ndarray) and value.shape == shape and value.dtype == dtype:
            return value
        out = xp.empty(shape, dtype)
        out[...] = value
        return out

    def erf(self, x):
        """erf of a float array: 1 - erfc(|x|) with x's sign, and erf's series near 0."""
        xp = self.xp
        x = xp.asarray(x)
        shape = x.shape
        x = x.reshape(-1)  # in-place steps need arrays, and numpy makes scalars of 0-d results
        z = xp.abs(x)
        double = x.dtype == xp.float64
        e = _erfc_double(xp, z) if double else _erfc_single(xp, z)
        xp.subtract(1.0, e, out=e)
        xp.copysign(e, x, out=e)
        near = _erf_series(x, 13 if double else 6)
        return xp.where(z < _ERF_SERIES_BOUND, near, e).reshape(shape)


    def erfc(self, x):
        """erfc of a float array: the series of erfc(|x|), and 2 - erfc(-x) for negative x (no
        cancellation where erfc is small); float16 is computed in float32."""
        xp = self.xp
        x = xp.asarray(x)
        if x.dtype == xp.float16:
            return self.erfc(x.astype(xp.float32)).astype(xp.float16)
        shape = x.shape
        x = x.reshape(-1)
        z = xp.abs(x)
        e = _erfc_double(xp, z) if x.dtype == xp.float64 else _erfc_single(xp, z)
        return xp.where(x < 0, 2.0 - e, e).reshape(shape)

    def erfinv(self, y):
        """erfinv of a float array, computed in float64: Giles' approximation refined by Newton
        steps (on erf for |y| < 0.5, on log erfc above, where 1 - |y| is exact); +-inf at +-1, NaN
        outside [-1, 1]."""
        xp = self.xp
        y = xp.asarray(y)
        dtype, shape = y.dtype, y.shape
        y = y.reshape(-1).astype(xp.float64)
        a = xp.abs(y)
        w = -xp.log((1.0 - a) * (1.0 + a))
        central = w < 5.0
        wc, wt = w - 2.5, xp.sqrt(xp.where(central, 5.0, w)) - 3.0
        pc, pt = xp.full_like(w, _ERFINV_CENTRAL[0]), xp.full_like(w, _ERFINV_TAIL[0])
        for c, t in zip(_ERFINV_CENTRAL[1:], _ERFINV_TAIL[1:]):
            pc = pc * wc + c
            pt = pt * wt + t
        x = xp.where(central, pc, pt) * a
        near = a < 0.5
        log_tail = xp.log(1.0 - a)
        for _ in range(_ERFINV_NEWTON_STEPS):
            # f = erf(x) - a near 0; f = log erfc(x) - log(1 - a) in the tail, where Newton
            # converges from afar; f' = 2/sqrt(pi) exp(-x^2) (divided by -erfc(x) in the tail)
            tail = self.erfc(x)
            step = xp.where(near, self.erf(x) - a, (log_tail - xp.log(tail)) * tail)
            x = x - step * xp.exp(x * x) * (math.sqrt(math.pi) / 2.0)
        x = xp.where(a == 1.0, xp.inf, xp.where(a > 1.0, xp.nan, x))
        return xp.copysign(x, y).astype(dtype).reshape(shape)


def launch_layout(shape, arrays):
    """The iteration space of a kernel over ``shape`` reading ``arrays``: ``(dims, strides)``.

    Dimensions of size 1 are dropped and neighbours that every array steps through alike are
    merged (TensorIterator's coalescing), so that a broadcast over a matrix is a 2-D loop whatever
    the rank. ``strides[k]`` are the element strides of array k over ``dims`` (0 where it is
    broadcast), or None where array k is laid out as a contiguous array of ``shape`` (it then
    reads element ``i``). ``dims`` is empty when every array is.
    """
    ndim = len(shape)
    full = []
    for a in arrays:
        s = [0] * ndim
        offset = ndim - a.ndim
        for d in range(a.ndim):
            if a.shape[d] != 1:
                s[offset + d] = a.strides[d] // a.itemsize
        full.append(s)
    blocks = []  # (size, strides of its innermost dimension), from the innermost out
    for d in reversed(range(ndim)):
        size = shape[d]
        if size == 1:
            continue
        if blocks and all(s[d] == inner * blocks[-1][0] for s, inner in zip(full, blocks[-1][1])):
            blocks[-1][0] *= size
        else:
            blocks.append([size, [s[d] for s in full]])
    dims = tuple(size for size, _ in reversed(blocks))
    contiguous, step = [], 1
    for size in reversed(dims):
        contiguous.append(step)
        step *= size
    contiguous.reverse()
    strides = []
    for k in range(len(arrays)):
        own = [inner[k] for _, inner in reversed(blocks)]
        strides.append(None if own == contiguous else tuple(own))
    if all(s is None for s in strides):
        return (), strides
    return dims, strides


_PASS_AS = {"float": float, "int": int, "bool": bool}


def kernel_arguments(program, arrays, params, shape, outs):
    """``(rank, strided, args)`` of a launch of ``program``'s kernel (``program.kernel_source``
    with that rank and strided flags gives it): the used input arrays, the outputs, the params as
    the double/long long/bool the kernel takes, the element count, then the dims and the strides
    of each strided input."""
    inputs = [arrays[k] for k in program.used_inputs]
    dims, strides = launch_layout(shape, inputs)
    args = [*inputs, *outs, *(_PASS_AS[kind](p) for kind, p in zip(program.param_kinds, params)),
            math.prod(shape), *dims]
    for s in strides:
        if s is not None and dims:
            args.extend(s)
    strided = tuple(s is not None for s in strides) if dims else (False,) * len(inputs)
    return len(dims), strided, args
