"""autograd_gpu: a PyTorch-compatible autograd framework on numpy (cpu) and CuPy (cuda).

``import autograd_gpu as torch`` and PyTorch-style code runs with the same numbers and printout.
"""
from . import autograd, cuda, nn, optim, random, utils
from .serialization import load, save
from .fusion import erf, fuse
from .random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed,
                     seed, set_rng_state)
from ._printing import get_printoptions, printoptions, set_printoptions
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .autograd.grad_mode import is_inference_mode_enabled
from .autograd import (OutOfMemoryError, is_anomaly_check_nan_enabled, is_anomaly_enabled,
                       set_anomaly_enabled)
from .backend import device
from .creation import (arange, as_tensor, empty, empty_like, eye, from_dlpack, from_numpy, full,
                       full_like, linspace, logspace, ones, ones_like, rand, rand_like,
                       randint, randint_like, randn, randn_like, randperm, tensor, zeros,
                       zeros_like)
from .dtypes import (bool_ as bool, double, float, float16, float32, float64, get_default_dtype, half,
                     int8, int16, int32, int64, long, promote_types, set_default_dtype, short,
                     uint8)
from .dtypes import dtype, finfo, iinfo
from .dtypes import int as int  # noqa: PLC0414 - torch.int is int32
from .ops.activation import torch_log_softmax as log_softmax, torch_softmax as softmax
from .ops.elementwise import (abs, add, allclose, arctan2, atan2, bitwise_and, bitwise_not,
                              bitwise_or, bitwise_xor, ceil, clamp, clip, cos, cosh, div, eq, equal,
                              exp, expm1, fix, floor, floor_divide, frac, ge, gt, hypot, isclose,
                              isfinite, isinf, isnan, le, log, log1p, logical_and, logical_not,
                              logical_or, logical_xor, lt, maximum, minimum, mul, nan_to_num, ne,
                              neg, pow, reciprocal, relu, remainder, round, rsqrt, sigmoid, sign,
                              sin, sinh, sqrt, square, sub, tanh, true_divide, trunc, where)
from .ops.indexing import (argsort, bincount, gather, index_add, index_copy, index_fill,
                           index_select, masked_fill, nonzero, scatter, scatter_add, sort, topk,
                           unique)
from .ops.linalg import addmm, baddbmm, bmm, dot, einsum, matmul, mm, mv, outer
from .ops.reduction import (all, amax, amin, any, argmax, argmin, count_nonzero, cumprod, cumsum,
                            kthvalue, logsumexp, max, mean, median, min, norm, prod, std, std_mean,
                            sum, var, var_mean)
from .ops.shape import (broadcast_to, cat, chunk, concat, concatenate, diag, diagonal, expand,
                        flatten, flip, movedim, narrow, permute, repeat_interleave, reshape, roll,
                        select, split, squeeze, stack, t, tile, trace, transpose, tril, triu,
                        unbind, unflatten, unsqueeze)
from .ops.elementwise import clone
from .size import Size
from .tensor import Tensor
from . import _random_methods  # noqa: F401  attaches uniform_, normal_, bernoulli_... to Tensor
from ._random_methods import multinomial
from ._tensor_methods import addcdiv, addcmul, lerp
from .ops.scan import aminmax, cummax, cummin, diff, logcumsumexp, nanmean, nansum
from .ops.stacking import (atleast_1d, atleast_2d, atleast_3d, broadcast_tensors, bucketize,
                           column_stack, cross, dstack, hstack, is_floating_point, kron,
                           masked_select, meshgrid, searchsorted, swapaxes, swapdims,
                           take_along_dim, tensordot, tril_indices, triu_indices, vstack)
from .ops.pointwise import (absolute, acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan,
                           arctanh, asin, asinh, atan, atanh, clamp_max, clamp_min, copysign,
                           deg2rad, erfc, erfinv, exp2, float_power, fmax, fmin, fmod, log10, log2,
                           logaddexp, logaddexp2, logit, negative, positive, rad2deg, sgn, signbit,
                           xlogy)

__version__ = "0.1.0"


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def detach(input):
    return input.detach()


def get_device(input):
    return input.device.index if input.is_cuda else -1


# the public names, as torch's namespace has them (and what `from autograd_gpu import *` gives)
__all__ = ["abs", "absolute", "acos", "acosh", "add", "addcdiv", "addcmul", "addmm", "all",
           "allclose", "amax", "amin", "aminmax", "any", "arange", "arccos", "arccosh", "arcsin",
           "arcsinh", "arctan", "arctan2", "arctanh", "argmax", "argmin", "argsort", "as_tensor",
           "asin", "asinh", "atan", "atan2", "atanh", "atleast_1d", "atleast_2d", "atleast_3d",
           "autograd", "baddbmm", "bincount", "bitwise_and", "bitwise_not", "bitwise_or",
           "bitwise_xor", "bmm", "bool", "broadcast_tensors", "broadcast_to", "bucketize", "cat",
           "ceil", "chunk", "clamp", "clamp_max", "clamp_min", "clip", "clone", "column_stack",
           "concat", "concatenate", "copysign", "cos", "cosh", "count_nonzero", "cross", "cuda",
           "cummax", "cummin", "cumprod", "cumsum", "default_generator", "deg2rad", "detach",
           "device", "diag", "diagonal", "diff", "div", "dot", "double", "dstack", "dtype",
           "einsum", "empty", "empty_like", "enable_grad", "eq", "equal", "erf", "erfc", "erfinv",
           "exp", "exp2", "expand", "expm1", "eye", "finfo", "fix", "flatten", "flip", "float",
           "float16", "float32", "float64", "float_power", "floor", "floor_divide", "fmax", "fmin",
           "fmod", "frac", "from_dlpack", "from_numpy", "full", "full_like", "fuse", "gather",
           "ge", "Generator", "get_default_dtype", "get_device", "get_printoptions",
           "get_rng_state", "gt", "half", "hstack", "hypot", "iinfo", "index_add", "index_copy",
           "index_fill", "index_select", "inference_mode", "initial_seed", "int", "int16", "int32",
           "int64", "int8", "is_anomaly_check_nan_enabled", "is_anomaly_enabled",
           "is_floating_point", "is_grad_enabled", "is_inference_mode_enabled", "is_tensor",
           "isclose", "isfinite", "isinf", "isnan", "kron", "kthvalue", "le", "lerp", "linspace",
           "load", "log", "log10", "log1p", "log2", "log_softmax", "logaddexp", "logaddexp2",
           "logcumsumexp", "logical_and", "logical_not", "logical_or", "logical_xor", "logit",
           "logspace", "logsumexp", "long", "lt", "manual_seed", "masked_fill", "masked_select",
           "matmul", "max", "maximum", "mean", "median", "meshgrid", "min", "minimum", "mm",
           "movedim", "mul", "multinomial", "mv", "nan_to_num", "nanmean", "nansum", "narrow",
           "ne", "neg", "negative", "nn", "no_grad", "nonzero", "norm", "numel", "ones",
           "ones_like", "optim", "outer", "OutOfMemoryError", "permute", "positive", "pow",
           "printoptions", "prod", "promote_types", "rad2deg", "rand", "rand_like", "randint",
           "randint_like", "randn", "randn_like", "random", "randperm", "reciprocal", "relu",
           "remainder", "repeat_interleave", "reshape", "roll", "round", "rsqrt", "save",
           "scatter", "scatter_add", "searchsorted", "seed", "select", "set_anomaly_enabled",
           "set_default_dtype", "set_grad_enabled", "set_printoptions", "set_rng_state", "sgn",
           "short", "sigmoid", "sign", "signbit", "sin", "sinh", "Size", "softmax", "sort",
           "split", "sqrt", "square", "squeeze", "stack", "std", "std_mean", "sub", "sum",
           "swapaxes", "swapdims", "t", "take_along_dim", "tanh", "tensor", "Tensor", "tensordot",
           "tile", "topk", "trace", "transpose", "tril", "tril_indices", "triu", "triu_indices",
           "true_divide", "trunc", "uint8", "unbind", "unflatten", "unique", "unsqueeze", "utils",
           "var", "var_mean", "vstack", "where", "xlogy", "zeros", "zeros_like"]
