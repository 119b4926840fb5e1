"""Bad input, case by case (issue 5): every row of bad_input_cases.CASES runs on autograd_gpu and
on torch. A row with an exception: torch raises too (one ours is caught by), ours is exactly the
row's class and its message (notes included) matches the row's pattern, naming the op and the
offending shapes, dtypes or devices. A row without: torch's result, value for value. Either way
no argument changes. Then cpu-with-cuda mixes, where a GPU is present (ci/gpu.sh)."""
import re

import numpy as np
import pytest

import autograd_gpu as ag
from reliability.bad_input_cases import CASES, a, layer
from reliability.bad_input_oracle import compare, full_message, run, torch

CATEGORIES = ("shape", "dtype", "device", "empty", "zero_dim", "nan_inf", "layout", "pyobj",
              "layer")


def _id(case):
    return f"{case.category}-{case.op}-{case.case}".replace(" ", "_")


def test_the_table_is_well_formed():
    assert len({_id(c) for c in CASES}) == len(CASES), "two rows share a name"
    for c in CASES:
        assert c.category in CATEGORIES, c
        assert (c.exc is None) == (c.match is None), c
        if c.match is not None:
            re.compile(c.match)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_case(case):
    outcome, exc = compare(case.call, case.args, (case.op,))
    if case.exc is None:
        assert outcome == "ok"
        return
    assert outcome == "error", f"{_id(case)}: no exception"
    assert type(exc) is case.exc, f"{_id(case)}: {type(exc).__name__}: {exc}"
    message = full_message(exc)
    assert re.search(case.match, message), f"{_id(case)}: {message!r} !~ {case.match!r}"


def test_failed_calls_leave_requires_grad_tensors_alone():
    """A failing op on a tensor that requires grad records nothing: no grad, no version bump."""
    x = ag.tensor(np.ones((2, 3), "float32"), requires_grad=True)
    for call in (lambda: x + ag.ones(4), lambda: x.sum(5), lambda: x @ ag.ones(4, 1),
                 lambda: x.view(4), lambda: x[7], lambda: x.add_(1.0), lambda: x.fill_("a")):
        with pytest.raises((TypeError, ValueError, IndexError, RuntimeError)):
            call()
    assert x.grad is None and x._version_value == 0 and x.grad_fn is None
    np.testing.assert_array_equal(x.detach().numpy(), np.ones((2, 3)))


def test_parameters_are_unchanged_by_a_failing_layer():
    lin = layer(ag, "Linear", 3, 2)
    before = {k: v.detach().numpy().copy() for k, v in lin.state_dict().items()}
    with pytest.raises(RuntimeError):
        lin(ag.ones(4, 5))
    for k, v in lin.named_parameters():
        np.testing.assert_array_equal(v.detach().numpy(), before[k])
        assert v.grad is None


# -- cpu with cuda -------------------------------------------------------------------------------

needs_cuda = pytest.mark.skipif(not ag.cuda.is_available(),
                                reason="cpu-with-cuda cases need a GPU (ci/gpu.sh runs them)")

DEVICE_CASES = {
    "add": lambda t, x, y: x + y,
    "mul": lambda t, x, y: t.mul(x, y),
    "div": lambda t, x, y: x / y,
    "pow": lambda t, x, y: x ** y,
    "maximum": lambda t, x, y: t.maximum(x, y),
    "eq": lambda t, x, y: x == y,
    "where": lambda t, x, y: t.where(x > 0, x, y),
    "clamp": lambda t, x, y: t.clamp(x, min=y),
    "matmul": lambda t, x, y: x @ y.t(),
    "cat": lambda t, x, y: t.cat([x, y]),
    "stack": lambda t, x, y: t.stack([x, y]),
    "add_": lambda t, x, y: x.add_(y),
    "copy_": lambda t, x, y: x.clone().copy_(y),
    "masked_fill": lambda t, x, y: x.masked_fill(y > 0, 1.0),
    "gather": lambda t, x, y: t.gather(x, 1, (y > 0).long()),
    "linear": lambda t, x, y: t.nn.functional.linear(x, y),
}


@needs_cuda
@pytest.mark.parametrize("first", ["cuda", "cpu"])
@pytest.mark.parametrize("name", DEVICE_CASES)
def test_cpu_with_cuda(name, first):
    """torch: "Expected all tensors to be on the same device, but found at least two devices,
    cuda:0 and cpu!" (or a copy across devices, where torch does one: copy_)."""
    second = "cpu" if first == "cuda" else "cuda"
    args = [a(2, 3, device=first), a(2, 3, device=second)]
    call = DEVICE_CASES[name]
    if torch.cuda.is_available():
        outcome, exc = compare(call, args, (name,))
    else:  # no oracle on this machine: our own outcome, judged by the rule torch follows
        _, _, (outcome, exc) = run(ag, call, args)
        if name == "copy_":
            assert outcome == "ok"
            return
        assert outcome == "error" and isinstance(exc, RuntimeError), exc
    if outcome == "error":
        message = full_message(exc)
        assert "cuda" in message and "cpu" in message, message


@needs_cuda
def test_a_cpu_scalar_tensor_joins_cuda():
    """torch's exception to the rule: a 0-d cpu tensor mixes with tensors of any device."""
    x = ag.ones(3, device="cuda")
    assert (x + ag.tensor(2.0)).device.type == "cuda"
    assert (ag.tensor(2.0) * x).device.type == "cuda"
