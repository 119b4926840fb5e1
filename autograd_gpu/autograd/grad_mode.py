"""Thread-local grad mode: ``no_grad``, ``enable_grad``, ``set_grad_enabled`` (context managers and
decorators, as torch's), and the ``is_grad_enabled`` query the op hot path reads."""
import functools
import inspect
import sys
import threading


class _State(threading.local):
    enabled = True
    inference = False  # inside inference_mode (which otherwise behaves as no_grad here)


_state = _State()


def is_grad_enabled():
    return _state.enabled


def _wrap(make_context, fn):
    """``fn`` run under a fresh ``make_context()``; a generator function's generator runs each of
    its steps under one (and the caller's mode between them), as torch's decorators do."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def generator(*args, **kwargs):
            gen = fn(*args, **kwargs)
            try:
                with make_context():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with make_context():
                            gen.close()
                        raise
                    except BaseException:
                        with make_context():
                            response = gen.throw(*sys.exc_info())
                    else:
                        with make_context():
                            response = gen.send(request)
            except StopIteration as stop:
                return stop.value

        return generator

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with make_context():
            return fn(*args, **kwargs)

    return wrapper


def is_inference_mode_enabled():
    return _state.inference


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
        return _wrap(self.__class__, fn)

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
        return _wrap(lambda: set_grad_enabled(mode), fn)

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
        return _wrap(lambda: inference_mode(mode), fn)

    def __enter__(self):
        self._prev_inference = _state.inference
        _state.inference = not self._mode
        super().__enter__()

    def __exit__(self, *exc):
        _state.inference = self._prev_inference
        return super().__exit__(*exc)

    def clone(self):
        return inference_mode(not self._mode)
