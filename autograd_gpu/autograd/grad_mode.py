"""Thread-local grad mode: ``no_grad``, ``enable_grad``, ``set_grad_enabled`` (context managers and
decorators, as torch's), and the ``is_grad_enabled`` query the op hot path reads."""
import functools
import threading


class _State(threading.local):
    enabled = True


_state = _State()


def is_grad_enabled():
    return _state.enabled


class _GradModeContext:
    """Base of the three grad-mode managers: usable with ``with`` and as a decorator."""

    _mode = True

    def __enter__(self):
        self._prev = _state.enabled
        _state.enabled = self._mode

    def __exit__(self, *exc):
        _state.enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper

    def clone(self):
        return self.__class__()


class _NoParamContext(_GradModeContext):
    """``@no_grad`` and ``@enable_grad`` also work without parentheses, as torch's do."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamContext):
    """Ops inside record no graph; their results do not require grad."""
    _mode = False


class enable_grad(_NoParamContext):
    _mode = True


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(False)`` switches grad mode at once (torch applies it on construction),
    and restores the previous mode when used as a context manager."""

    def __init__(self, mode):
        self._prev = _state.enabled
        self._mode = bool(mode)
        _state.enabled = self._mode

    def __enter__(self):
        pass

    def __call__(self, fn):
        _state.enabled = self._prev  # as a decorator, the mode applies only inside calls
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper

    def clone(self):
        return set_grad_enabled(self._mode)


class inference_mode(_GradModeContext):
    """Accepted for compatibility; behaves as ``no_grad`` (``inference_mode(False)`` enables grad,
    as torch's does)."""

    def __init__(self, mode=True):
        self._mode = not mode

    def __new__(cls, mode=True):
        if callable(mode):  # bare @inference_mode
            ctx = super().__new__(cls)
            ctx.__init__(True)
            return ctx(mode)
        return super().__new__(cls)

    def __call__(self, fn):
        mode = not self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)

        return wrapper

    def clone(self):
        return inference_mode(not self._mode)
