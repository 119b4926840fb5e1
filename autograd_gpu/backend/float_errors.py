"""numpy's floating-point warnings, silenced while the library computes.

torch computes NaN and Inf (the log of a negative number, x / 0, exp overflowing) without a word;
numpy warns ("divide by zero encountered in log"). The library's compute entry points (Op.apply,
the backward pass, the in-place fast paths, the optimizer steps, the factories' casts) run with
numpy's error state set to "ignore" and put the caller's state back afterwards, so that the
user's own numpy code still warns (or raises) as the user configured it. (numpy's few Python-level
warnings, "Mean of empty slice" and the like, are no part of that state: the ops avoid them.)

    token = silence()
    try:
        ...  # numpy work
    finally:
        restore(token)

Hot paths (Op.apply) first ask ``state() is SILENT`` and skip both calls when an outer entry
point (the backward pass) has silenced numpy already.

numpy >= 2 keeps that state in a context variable: silencing is one ``set`` and restoring one
``reset`` (under a microsecond; entering ``np.errstate`` costs three, and per-op overhead is what a
Python framework loses on), and the check a ``get``. Older numpy, or one that moved the variable:
``np.seterr``, whose state is never ``SILENT``.
"""
import functools

import numpy

try:
    from numpy._core._ufunc_config import _extobj_contextvar
except ImportError:  # numpy 1.x
    _extobj_contextvar = None

if _extobj_contextvar is not None:
    with numpy.errstate(all="ignore"):
        SILENT = _extobj_contextvar.get()
    state = _extobj_contextvar.get
    silence = functools.partial(_extobj_contextvar.set, SILENT)
    restore = _extobj_contextvar.reset
else:
    SILENT = object()
    state = numpy.geterr
    silence = functools.partial(numpy.seterr, all="ignore")

    def restore(token):
        numpy.seterr(**token)


def silenced(fn):
    """``fn`` run with numpy's floating-point errors ignored (for entry points off the hot path)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        token = silence()
        try:
            return fn(*args, **kwargs)
        finally:
            restore(token)
    return wrapper
