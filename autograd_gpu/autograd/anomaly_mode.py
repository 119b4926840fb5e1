"""Anomaly detection: torch's ``detect_anomaly`` and ``set_detect_anomaly``.

While enabled, every graph node records the Python stack of the forward call that created it, and
the engine (``engine.run_backward``) checks each node's computed input-gradients for NaN. When a
node's backward fails (a NaN with ``check_nan``, or any exception), a ``UserWarning`` prints that
node's forward traceback, then, for a node created by another node's backward (``create_graph``),
the traceback of that other node, and so on, with torch's texts; the error itself then propagates:
``RuntimeError("Function 'SqrtBackward0' returned nan values in its 0th output.")`` for a NaN.

The mode is process-wide, as torch's. When it is off, nothing is recorded or checked: the op path
reads one module flag per recorded node, and the engine picks its checking variant once per call.
"""
import functools
import os
import sys
import threading
import traceback
import warnings

_enabled = False
_check_nan = True

_ENABLE_WARNING = ("Anomaly Detection has been enabled. This mode will increase the runtime and "
                   "should only be enabled for debugging.")
_NO_TRACE = ("No forward pass information available. Enable detect anomaly during forward pass "
             "for more information.")


def is_anomaly_enabled():
    return _enabled


def is_anomaly_check_nan_enabled():
    return _check_nan


def set_anomaly_enabled(enabled, check_nan=True):
    global _enabled, _check_nan
    _enabled, _check_nan = bool(enabled), bool(check_nan)


class detect_anomaly:
    """Enables anomaly detection inside a ``with`` block (or a decorated function): backward
    errors name the forward call that created the failing node, and a backward that produces NaN
    raises (unless ``check_nan=False``). Slows everything down: for debugging only."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        warnings.warn(_ENABLE_WARNING, UserWarning, stacklevel=2)

    def __enter__(self):
        self.prev, self.prev_check_nan = _enabled, _check_nan
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *exc):
        set_anomaly_enabled(self.prev, self.prev_check_nan)
        return False

    def __call__(self, fn):
        check_nan = self.check_nan

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = (_enabled, _check_nan)
            set_anomaly_enabled(True, check_nan)
            try:
                return fn(*args, **kwargs)
            finally:
                set_anomaly_enabled(*prev)

        return wrapper


class set_detect_anomaly:
    """Switches anomaly detection on or off at once (as a call), or for a ``with`` block."""

    def __init__(self, mode, check_nan=True):
        self.prev, self.prev_check_nan = _enabled, _check_nan
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        set_anomaly_enabled(self.prev, self.prev_check_nan)
        return False


# -- forward: where each node was created ----------------------------------------------------------

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# frames of the library's own op machinery (torch's equivalent is C++ and never shows); frames of
# nn modules and nn.functional stay, as torch's Python frames do
_INTERNAL = tuple(os.path.join(_PACKAGE, part) for part in
                  ("autograd" + os.sep, "ops" + os.sep, "tensor.py", "_tensor_methods.py"))

_engine = threading.local()  # .node: the node whose backward the engine is running in this thread


def record_forward(node):
    """Stores on ``node`` the stack of the call that created it (the library's own op frames
    left out), and the node whose backward was running then, if any."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_INTERNAL):
        frame = frame.f_back
    node._anomaly_trace = "".join(traceback.format_stack(frame)) if frame is not None else ""
    node._anomaly_parent = getattr(_engine, "node", None)


# -- backward: checking each node and reporting the failing one -----------------------------------

def run_checked(run_node, node, grad_outputs):
    """``run_node(node, grad_outputs)``, with ``node`` recorded as the parent of the nodes its
    backward creates, and its results checked for NaN (with ``check_nan``)."""
    prev = getattr(_engine, "node", None)
    _engine.node = node
    try:
        grad_inputs = run_node(node, grad_outputs)
    finally:
        _engine.node = prev
    if _check_nan:
        for i, g in enumerate(grad_inputs):
            if g is not None and g._data.dtype.kind == "f" and g._backend.xp.isnan(g._data).any():
                raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th "
                                   "output.")
    return grad_inputs


def report(node):
    """Warns with the forward traceback of the node whose backward failed, then with those of the
    nodes whose backward created it (torch's texts)."""
    trace = node._anomaly_trace
    name = node.name()
    if trace is None:
        warnings.warn(f"Error detected in {name}. {_NO_TRACE}", UserWarning, stacklevel=2)
    else:
        warnings.warn(f"Error detected in {name}. Traceback of forward call that caused the "
                      f"error:\n{trace}", UserWarning, stacklevel=2)
    parent = node._anomaly_parent
    seen = {id(node)}
    while parent is not None and id(parent) not in seen:
        seen.add(id(parent))
        if parent._anomaly_trace is None:
            detail = _NO_TRACE
        else:
            detail = ("Traceback of forward call that induced the previous calculation:\n"
                      + parent._anomaly_trace)
        warnings.warn(f"\n\nPrevious calculation was induced by {parent.name()}. {detail}",
                      UserWarning, stacklevel=2)
        parent = parent._anomaly_parent
