"""Anomaly detection against torch: each scenario runs the same code on both libraries (``lib`` is
autograd_gpu or torch), and the errors, the warnings' texts and the user frames of the forward
tracebacks they print must be the same."""
import re
import warnings

import numpy as np
import pytest

import autograd_gpu as ag
from helpers import assert_torch_wording, torch_or_skip

torch = torch_or_skip()

FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\S+)')


def run(lib, scenario):
    """Runs ``scenario(lib)``; returns (the RuntimeError's text or None, [UserWarning texts])."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's "invalid value" notes
        try:
            scenario(lib)
            error = None
        except RuntimeError as err:
            error = str(err)
    texts = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    return error, texts


def head(text):
    """A warning without its traceback, and without torch's C++ location suffix."""
    text = re.sub(r" \(Triggered internally at [^)]*\.\)$", "", text)
    return text.split(":\n", 1)[0]


def frames_in_this_file(text):
    return [(int(line), fn) for path, line, fn in FRAME.findall(text) if path == __file__]


def assert_same_as_torch(scenario, failing_node_may_differ=False):
    """Same error and warnings as torch. ``failing_node_may_differ``: where our backward is built
    of other ops than torch's (double backward), the node that produces the NaN has another name."""
    ours, theirs = run(ag, scenario), run(torch, scenario)
    heads = [[head(t) for t in texts] for texts in (ours[1], theirs[1])]
    if failing_node_may_differ:
        ours_error, theirs_error = (re.sub(r"^Function '\w+'", "Function 'X'", e or "")
                                    for e in (ours[0], theirs[0]))
        assert ours_error == theirs_error != ""
        heads = [[re.sub(r"^Error detected in \w+\.", "Error detected in X.", h) for h in hs]
                 for hs in heads]
    else:
        assert_torch_wording(ours[0], theirs[0])
    assert heads[0] == heads[1]
    for mine, torchs in zip(ours[1], theirs[1]):
        assert frames_in_this_file(mine) == frames_in_this_file(torchs)
    return ours


# -- scenarios (identical code for both libraries) -------------------------------------------------

def sqrt_at_zero(lib):
    with lib.autograd.detect_anomaly():
        x = lib.zeros(3, requires_grad=True)
        y = lib.sqrt(x)
        (y * 0).sum().backward()  # 0 * inf = nan in SqrtBackward0


def nan_in_second_output(lib):
    with lib.autograd.detect_anomaly():
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        x = lib.tensor([0.0, 4.0], requires_grad=True)
        y = lib.mul(x.sqrt(), w)  # the grad of w (output 1) is sqrt(x) * g = 0 * inf
        (y * lib.tensor([float("inf"), 1.0])).sum().backward()


def custom_function_returning_nan(lib):
    class Bad(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    with lib.autograd.detect_anomaly():
        x = lib.ones(2, requires_grad=True)
        Bad.apply(x).sum().backward()


def nested_forward(lib):
    def layer(x):
        return x.log()  # log(0) = -inf; its backward gives inf, and inf * 0 below gives nan

    def model(x):
        return layer(x) * 0

    with lib.autograd.detect_anomaly():
        x = lib.tensor([0.0, 1.0], requires_grad=True)
        model(x).sum().backward()


def enabled_only_for_backward(lib):
    x = lib.zeros(2, requires_grad=True)
    y = lib.sqrt(x) * 0
    with lib.autograd.detect_anomaly():
        y.sum().backward()


def check_nan_off(lib):
    with lib.autograd.detect_anomaly(check_nan=False):
        x = lib.zeros(2, requires_grad=True)
        (lib.sqrt(x) * 0).sum().backward()
    assert np.isnan(x.grad.numpy()).all()


def inplace_error(lib):
    with lib.autograd.detect_anomaly():
        x = lib.ones(2, requires_grad=True)
        y = x.exp()
        y.add_(1)
        y.sum().backward()


def error_raised_by_a_backward(lib):
    class Failing(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            raise RuntimeError("Some error in backward")

    with lib.autograd.detect_anomaly():
        x = lib.ones(2, requires_grad=True)
        Failing.apply(x).sum().backward()


def set_detect_anomaly_as_a_call(lib):
    lib.autograd.set_detect_anomaly(True)
    try:
        x = lib.zeros(1, requires_grad=True)
        (x.sqrt() * 0).sum().backward()
    finally:
        lib.autograd.set_detect_anomaly(False)


def anomaly_off(lib):
    x = lib.zeros(2, requires_grad=True)
    (lib.sqrt(x) * 0).sum().backward()
    assert np.isnan(x.grad.numpy()).all()


def double_backward_nan(lib):
    with lib.autograd.detect_anomaly():
        x = lib.tensor([0.0], requires_grad=True)
        y = x.pow(1.5)
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        lib.autograd.grad(g, x, lib.tensor([0.0]))


@pytest.mark.parametrize("scenario", [
    sqrt_at_zero, nan_in_second_output, custom_function_returning_nan, nested_forward,
    enabled_only_for_backward, check_nan_off, inplace_error, error_raised_by_a_backward,
    set_detect_anomaly_as_a_call, anomaly_off,
], ids=lambda f: f.__name__)
def test_matches_torch(scenario):
    assert_same_as_torch(scenario)


def test_sqrt_at_zero_names_the_node_and_the_forward_line():
    error, texts = assert_same_as_torch(sqrt_at_zero)
    assert error == "Function 'SqrtBackward0' returned nan values in its 0th output."
    assert texts[0] == ("Anomaly Detection has been enabled. This mode will increase the runtime "
                        "and should only be enabled for debugging.")
    assert texts[1].startswith("Error detected in SqrtBackward0. Traceback of forward call that "
                               "caused the error:\n")
    # the last frame is the user's line that called sqrt: no frame of the library's op machinery
    last = FRAME.findall(texts[1])[-1]
    assert last[0] == __file__ and "y = lib.sqrt(x)" in texts[1].splitlines()[-1]


def test_custom_function_is_named_as_torch_names_it():
    error, _ = assert_same_as_torch(custom_function_returning_nan)
    assert error == "Function 'BadBackward' returned nan values in its 0th output."


def test_nan_in_the_second_output_is_counted_from_zero():
    error, _ = assert_same_as_torch(nan_in_second_output)
    assert error == "Function 'MulBackward0' returned nan values in its 1th output."


def test_double_backward_reports_the_node_that_induced_it():
    error, texts = assert_same_as_torch(double_backward_nan, failing_node_may_differ=True)
    assert re.fullmatch(r"Function '\w+' returned nan values in its 0th output\.", error)
    assert len(texts) == 3
    assert texts[2].startswith("\n\nPrevious calculation was induced by PowBackward0. Traceback "
                               "of forward call that induced the previous calculation:\n")
    assert "y = x.pow(1.5)" in texts[2]
    assert "lib.autograd.grad(y, x, create_graph=True)" in texts[1]


def test_modes_and_their_restoration_follow_torch():
    for lib in (ag, torch):
        mode = (lib.is_anomaly_enabled if lib is torch else ag.autograd.is_anomaly_enabled)
        check = (lib.is_anomaly_check_nan_enabled if lib is torch
                 else ag.autograd.is_anomaly_check_nan_enabled)
        assert (mode(), check()) == (False, True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            with lib.autograd.detect_anomaly(check_nan=False):
                assert (mode(), check()) == (True, False)
                with lib.autograd.set_detect_anomaly(False):
                    assert (mode(), check()) == (False, True)
                assert (mode(), check()) == (True, False)
        assert (mode(), check()) == (False, True)
        lib.autograd.set_detect_anomaly(True, check_nan=False)
        assert (mode(), check()) == (True, False)
        lib.autograd.set_detect_anomaly(False)
        assert (mode(), check()) == (False, True)


def test_detect_anomaly_decorates_a_function():
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        decorator = ag.autograd.detect_anomaly()

    @decorator
    def backward_of_sqrt_at_zero():
        assert ag.autograd.is_anomaly_enabled()
        x = ag.zeros(1, requires_grad=True)
        (x.sqrt() * 0).sum().backward()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="'SqrtBackward0' returned nan values"):
            backward_of_sqrt_at_zero()
    assert not ag.autograd.is_anomaly_enabled()


def test_nothing_is_recorded_while_disabled(device):
    x = ag.ones(2, device=device, requires_grad=True)
    y = (x * 2).exp()
    assert "_anomaly_trace" not in vars(y.grad_fn) and "_anomaly_parent" not in vars(y.grad_fn)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with ag.autograd.detect_anomaly():
            z = (x * 2).exp()
    assert "z = (x * 2).exp()" in z.grad_fn._anomaly_trace
    assert "z = (x * 2).exp()" in z.grad_fn.next_functions[0][0]._anomaly_trace


def test_nan_check_runs_on_every_device(device):
    x = ag.zeros(3, device=device, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ag.autograd.detect_anomaly():
            y = x.sqrt()
            with pytest.raises(RuntimeError, match="^Function 'SqrtBackward0' returned nan"):
                (y * 0).sum().backward()
        finite = ag.ones(3, device=device, requires_grad=True)
        with ag.autograd.detect_anomaly():
            (finite.sqrt() * 2).sum().backward()  # no nan: no error
    np.testing.assert_allclose(finite.grad.cpu().numpy(), np.ones(3), rtol=1e-6)


def test_training_step_under_anomaly_mode_matches_plain_run(rng):
    """Detection changes no number: a few SGD steps give the same weights with and without it."""
    data = rng.standard_normal((8, 4)).astype("float32")
    target = rng.standard_normal((8, 2)).astype("float32")

    def train(anomaly):
        ag.manual_seed(0)
        model = ag.nn.Sequential(ag.nn.Linear(4, 8), ag.nn.Tanh(), ag.nn.Linear(8, 2))
        opt = ag.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        for _ in range(5):
            opt.zero_grad()
            with ag.autograd.set_detect_anomaly(anomaly):
                loss = ag.nn.functional.mse_loss(model(ag.tensor(data)), ag.tensor(target))
                loss.backward()
            opt.step()
        return [p.detach().numpy().copy() for p in model.parameters()]

    for a, b in zip(train(True), train(False)):
        np.testing.assert_array_equal(a, b)
