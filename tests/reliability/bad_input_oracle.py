"""Torch as the oracle for bad input (issue 5, Reliability).

``compare(call, args, op)`` runs ``call(lib, *built_args)`` once on autograd_gpu and once on torch,
on the same values. Either both succeed with the same result (shape, dtype, values, NaN and Inf
included), or both raise an exception of the same family (IndexError, TypeError, ValueError,
NotImplementedError, RuntimeError), ours naming the op or the offending shapes, dtypes or devices.
Whatever happens, the arguments keep their values (an in-place op changes its own tensor only
when it succeeds, and then exactly as torch changes it).

Arguments are described once and built for each library: ``Array`` (a numpy array of values plus
the layout and device of the tensor made from it) or any Python object, passed as is.
"""
import copy
import re
import warnings

import numpy as np

import autograd_gpu as ag
from helpers import torch_or_skip

torch = torch_or_skip()

FAMILIES = (IndexError, TypeError, ValueError, NotImplementedError, RuntimeError)

LEGACY = {"float16": "Half", "float32": "Float", "float64": "Double", "int32": "Int",
          "int64": "Long", "bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short"}


def family(exc):
    """The standard exception class that ``exc`` is judged by. torch's Python layer (nn.functional)
    sometimes fails on a non-tensor with AttributeError; a TypeError is the right answer there."""
    if isinstance(exc, AttributeError):
        return TypeError
    for cls in FAMILIES:
        if isinstance(exc, cls):
            return cls
    return type(exc)


def same_family(ours, theirs):
    """Ours is caught by whatever catches torch's (NotImplementedError is a RuntimeError)."""
    return isinstance(ours, family(theirs))


def full_message(exc):
    """The message and its notes: where torch's wording is kept word for word, a note names the
    op and the arguments."""
    return "\n".join([str(exc), *getattr(exc, "__notes__", ())])


class Array:
    """A tensor argument: ``values`` (numpy) laid out as ``layout`` on ``device``.

    Layouts: "contiguous"; "transposed" (a permuted view whose values are ``values``);
    "strided" (every other row of a larger tensor). Both libraries get the same layout.
    """

    def __init__(self, values, layout="contiguous", requires_grad=False, device="cpu"):
        self.values = np.asarray(values)
        self.layout = layout
        self.requires_grad = requires_grad and self.values.dtype.kind == "f"
        self.device = device

    def build(self, lib):
        v = self.values
        device = self.device if lib is ag else _torch_device(self.device)
        if self.layout == "transposed" and v.ndim >= 2:
            order = tuple(reversed(range(v.ndim)))
            base = lib.tensor(np.ascontiguousarray(v.transpose(order)), device=device)
            t = base.permute(*order)
        elif self.layout == "strided" and v.ndim >= 1:
            wide = np.zeros((2 * v.shape[0],) + v.shape[1:], dtype=v.dtype)
            wide[::2] = v
            t = lib.tensor(wide, device=device)[::2]
        else:
            t = lib.tensor(v, device=device)
        if self.requires_grad:
            t = t.detach().requires_grad_(True)
        return t

    def __repr__(self):
        grad = ", requires_grad" if self.requires_grad else ""
        dev = "" if self.device == "cpu" else f", {self.device}"
        return f"Array({self.values.dtype}{list(self.values.shape)}, {self.layout}{grad}{dev})"


def _torch_device(device):
    return "cuda" if device.startswith("cuda") else "cpu"


def build(lib, arg):
    if isinstance(arg, Array):
        return arg.build(lib)
    if isinstance(arg, (list, tuple)) and any(isinstance(a, Array) for a in arg):
        return type(arg)(build(lib, a) for a in arg)
    return arg


def _host(t):
    return t.detach().cpu().numpy().copy()


def _snapshot(built):
    """Copies of every tensor's values (and of plain Python arguments) to compare afterwards."""
    out = []
    for b in built:
        if isinstance(b, (ag.Tensor, torch.Tensor)):
            out.append(("tensor", _host(b), tuple(b.shape), str(b.dtype)))
        elif isinstance(b, (list, tuple)) and any(isinstance(x, (ag.Tensor, torch.Tensor)) for x in b):
            out.append(("seq", _snapshot(b)))
        else:
            try:
                out.append(("object", copy.deepcopy(b)))
            except TypeError:
                out.append(("object", b))
    return out


def _assert_unchanged(built, snapshot, skip=()):
    for i, (b, snap) in enumerate(zip(built, snapshot)):
        if i in skip:
            continue
        if snap[0] == "tensor":
            _, values, shape, dtype = snap
            assert (tuple(b.shape), str(b.dtype)) == (shape, dtype), f"argument {i} changed shape/dtype"
            np.testing.assert_array_equal(_host(b), values, err_msg=f"argument {i} was modified")
        elif snap[0] == "seq":
            _assert_unchanged(b, snap[1])
        elif type(snap[1]) in (list, tuple, str, int, float, bool):
            assert repr(b) == repr(snap[1]), f"argument {i} was modified"


def run(lib, call, args):
    """(built arguments, snapshot, outcome) where outcome is ("ok", result) or ("error", exc)."""
    built = [build(lib, a) for a in args]
    snapshot = _snapshot(built)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecations; ours are tested where they matter
        if lib is ag:  # torch computes NaN and Inf without a word; numpy must not speak for us
            warnings.simplefilter("error", RuntimeWarning)
        try:
            return built, snapshot, ("ok", call(lib, *built))
        except Exception as exc:  # noqa: BLE001 - every exception is judged against torch's
            return built, snapshot, ("error", exc)


def _tolerance(dtype):
    return {"float16": (2e-3, 2e-3), "float32": (1e-5, 1e-6)}.get(dtype, (1e-10, 1e-12))


def assert_same_result(ours, theirs, where="result"):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, ag.Tensor), f"{where}: {type(ours).__name__}, torch gives a Tensor"
        assert tuple(ours.shape) == tuple(theirs.shape), \
            f"{where}: shape {tuple(ours.shape)} != torch {tuple(theirs.shape)}"
        assert str(ours.dtype) == str(theirs.dtype), f"{where}: dtype {ours.dtype} != torch {theirs.dtype}"
        a, b = _host(ours), _host(theirs)
        if a.dtype.kind == "f":
            rtol, atol = _tolerance(a.dtype.name)
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True, err_msg=where)
        else:
            np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)), f"{where}: {type(ours).__name__}, torch gives a sequence"
        assert len(ours) == len(theirs), f"{where}: {len(ours)} items, torch {len(theirs)}"
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_same_result(o, t, f"{where}[{i}]")
    elif isinstance(theirs, float) and theirs != theirs:
        assert ours != ours, f"{where}: {ours!r}, torch gives nan"
    else:
        assert ours == theirs and type(ours) is type(theirs), f"{where}: {ours!r} != torch {theirs!r}"


# torch's wording that the suite compares with an anchored pattern (^...$), so it can carry no
# note; each names the problem itself, though not the op: the in-place-on-a-leaf error
# (tests/autograd/test_inplace.py), a str used as an index (``new(): invalid data type``),
# backward of a non-scalar without a gradient or of a tensor that does not require grad
# (tests/autograd/test_engine.py), and a tensor of several values as a Python scalar
# (item(), float(), int(), bool(): tests/test_tensor.py).
TORCH_WORDING_PINNED = (
    r"a leaf Variable that requires grad is being used in an in-place operation\.$",
    r"grad can be implicitly created only for scalar outputs$",
    r"element \d+ of tensors does not require grad and does not have a grad_fn$",
    r"a Tensor with \d+ elements cannot be converted to Scalar$",
    r"only one element tensors can be converted to Python scalars$",
    r"Boolean value of Tensor with more than one value is ambiguous$",
    r"new\(\): invalid data type '\w+'$",
    # Python's own, after both operands' operators answered NotImplemented (torch's do too)
    r"unsupported operand type\(s\) for \S+( or pow\(\))?: '\w+' and '\w+'$",
    r"'\S+' not supported between instances of '\w+' and '\w+'$",
)


def torch_wording_pinned(exc):
    return any(re.match(p, str(exc)) for p in TORCH_WORDING_PINNED)


def problem_tokens(op_names, built):
    """Words a good message may use to name the problem: the op, or an argument's shape (as a
    list, a tuple or AxB), dtype, rank or (for a non-tensor) type."""
    tokens = [n.lower() for n in op_names]
    for b in built:
        if isinstance(b, ag.Tensor):
            shape = tuple(b.shape)
            tokens += [str(list(shape)), str(shape), b.dtype.name, LEGACY[b.dtype.name].lower(),
                       f"{b.dim()}d", f"{b.dim()}-d", f"{b.dim()}-dim"]
            if len(shape) >= 2:
                tokens.append("x".join(map(str, shape)))
        elif isinstance(b, (list, tuple)):
            tokens += problem_tokens((), b)
            tokens.append(type(b).__name__)
        else:
            tokens.append(type(b).__name__.lower())
    return tokens


def compare(call, args, op_names, inplace=False):
    """Runs the oracle comparison; returns ("ok", None) or ("error", our exception)."""
    ours_built, ours_snap, ours = run(ag, call, args)
    theirs_built, _, theirs = run(torch, call, args)
    context = f"{op_names[0]} on {args!r}"
    if theirs[0] == "ok":
        if ours[0] == "error":
            raise AssertionError(f"{context}: torch succeeds, we raise "
                                 f"{type(ours[1]).__name__}: {ours[1]}") from ours[1]
        assert_same_result(ours[1], theirs[1], context)
        if inplace:
            assert_same_result(ours_built[0], theirs_built[0], f"{context}: the in-place result")
        _assert_unchanged(ours_built, ours_snap, skip=(0,) if inplace else ())
        return "ok", None
    exc = ours[1]
    if ours[0] == "ok":
        raise AssertionError(f"{context}: torch raises {type(theirs[1]).__name__}: {theirs[1]}, we "
                             f"return {ours[1]!r}")
    if not same_family(exc, theirs[1]):
        raise AssertionError(f"{context}: we raise {type(exc).__name__}: {exc}; torch raises "
                             f"{type(theirs[1]).__name__}: {theirs[1]}") from exc
    message = full_message(exc).lower()
    tokens = problem_tokens(op_names, ours_built)
    assert any(t in message for t in tokens) or torch_wording_pinned(exc), \
        f"{context}: the message {full_message(exc)!r} names neither the op nor the arguments"
    _assert_unchanged(ours_built, ours_snap)
    return "error", exc
