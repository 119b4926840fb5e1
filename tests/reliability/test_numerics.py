"""Numerics at the edges: log_softmax, softmax, cross-entropy, BCE-with-logits and logsumexp stay
finite for logits of +-1e4 in float32 and equal torch's values and gradients; in float16 they
compute what torch computes in float16 (the oracle is torch on the cpu, whichever device ours
runs on)."""
import warnings

import numpy as np
import pytest

import autograd_gpu as ag
from helpers import torch_or_skip

torch = torch_or_skip()


def logits_at_1e4(rng, dtype):
    """Rows that stress the max-subtraction: +-1e4 with small noise, one +1e4 among -1e4, a whole
    row at +1e4, a whole row at -1e4, +1e4 beside 0 and -1e4."""
    rows = [
        rng.choice([-1e4, 1e4], 7) + rng.standard_normal(7),
        np.where(np.arange(7) == 3, 1e4, -1e4),
        np.full(7, 1e4),
        np.full(7, -1e4),
        np.array([1e4, 0, -1e4, 1e4 - 1, 5, -5, 0]),
        rng.standard_normal(7) * 3,
    ]
    return np.stack(rows).astype(dtype)


TARGETS = np.array([0, 3, 6, 2, 2, 5])


def library(lib):
    return lib, (lib.nn.functional if lib is ag else torch.nn.functional)


CASES = {
    "log_softmax": lambda lib, F, x: F.log_softmax(x, dim=1),
    "log_softmax_dim0": lambda lib, F, x: F.log_softmax(x, dim=0),
    "softmax": lambda lib, F, x: F.softmax(x, dim=1),
    "logsumexp": lambda lib, F, x: lib.logsumexp(x, 1),
    "logsumexp_keepdim_dim0": lambda lib, F, x: lib.logsumexp(x, 0, keepdim=True),
    "cross_entropy": lambda lib, F, x: F.cross_entropy(x, on(x, lib, TARGETS)),
    "cross_entropy_sum": lambda lib, F, x: F.cross_entropy(x, on(x, lib, TARGETS),
                                                           reduction="sum"),
    "cross_entropy_none": lambda lib, F, x: F.cross_entropy(x, on(x, lib, TARGETS),
                                                            reduction="none"),
    "cross_entropy_label_smoothing": lambda lib, F, x: F.cross_entropy(
        x, on(x, lib, TARGETS), label_smoothing=0.1),
    "cross_entropy_weighted": lambda lib, F, x: F.cross_entropy(
        x, on(x, lib, TARGETS), weight=on(x, lib, np.linspace(0.5, 2, 7).astype(x_dtype(lib, x)))),
    "bce_with_logits": lambda lib, F, x: F.binary_cross_entropy_with_logits(
        x, on(x, lib, bce_targets(x_dtype(lib, x)))),
    "bce_with_logits_none": lambda lib, F, x: F.binary_cross_entropy_with_logits(
        x, on(x, lib, bce_targets(x_dtype(lib, x))), reduction="none"),
    "bce_with_logits_pos_weight": lambda lib, F, x: F.binary_cross_entropy_with_logits(
        x, on(x, lib, bce_targets(x_dtype(lib, x))),
        pos_weight=on(x, lib, np.linspace(0.5, 3, 7).astype(x_dtype(lib, x)))),
}


def on(x, lib, values):
    """A tensor of ``values`` on the device of the logits ``x``."""
    return lib.tensor(values, device=x.device)


def x_dtype(lib, x):
    return str(x.dtype).replace("torch.", "")


def bce_targets(dtype):
    """Targets that agree and disagree with the +-1e4 logits, and a soft one."""
    t = (np.arange(42).reshape(6, 7) % 3 == 0).astype(dtype)
    t[5, 5] = 0.25
    return t


def run(lib, case, logits, device, upstream):
    lib, F = library(lib)
    x = lib.tensor(logits, requires_grad=True) if lib is torch else \
        ag.tensor(logits, device=device, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # numpy's notes on inf must not leak
        out = CASES[case](lib, F, x)
        g = upstream[: out.numel()].reshape(tuple(out.shape)).astype(logits.dtype)
        out.backward(lib.tensor(g) if lib is torch else ag.tensor(g, device=device))
    as_host = (lambda t: t.detach().numpy()) if lib is torch else \
        (lambda t: t.detach().cpu().numpy())
    return as_host(out), as_host(x.grad), str(out.dtype).replace("torch.", "")


@pytest.mark.parametrize("case", sorted(CASES))
def test_float32_logits_of_1e4_stay_finite_and_match_torch(case, device, rng):
    logits = logits_at_1e4(rng, "float32")
    upstream = rng.uniform(0.5, 1.5, logits.size)
    out, grad, dtype = run(ag, case, logits, device, upstream)
    t_out, t_grad, t_dtype = run(torch, case, logits, device, upstream)
    assert dtype == t_dtype == "float32"
    assert np.isfinite(t_out).all() and np.isfinite(t_grad).all()  # the oracle's premise
    assert np.isfinite(out).all(), f"{case}: non-finite values {out}"
    assert np.isfinite(grad).all(), f"{case}: non-finite gradient {grad}"
    # values reach 2e4: a float32 ulp there is 2e-3; probabilities and gradients are near 1
    np.testing.assert_allclose(out, t_out, rtol=1e-6, atol=1e-5 * max(1, np.abs(t_out).max()) / 1e4)
    np.testing.assert_allclose(grad, t_grad, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("scale", ["normal", "1e4"])
def test_float16_computes_what_torch_computes_in_float16(case, scale, device, rng):
    """float16 logits are accepted and give torch's float16 results (torch accumulates in float32
    where it reduces; a half ulp at 1e4 is 8). Where torch's half result overflows, ours does."""
    logits = (logits_at_1e4(rng, "float16") if scale == "1e4"
              else (rng.standard_normal((6, 7)) * 3).astype("float16"))
    upstream = rng.uniform(0.5, 1.5, logits.size)
    out, grad, dtype = run(ag, case, logits, device, upstream)
    t_out, t_grad, t_dtype = run(torch, case, logits, device, upstream)
    assert dtype == t_dtype == "float16"
    assert np.array_equal(np.isfinite(out), np.isfinite(t_out))
    assert np.array_equal(np.isfinite(grad), np.isfinite(t_grad))
    finite = np.isfinite(t_out)
    np.testing.assert_array_equal(out[~finite], t_out[~finite])  # the same infinities
    scale = max(1, np.abs(t_out[finite]).max(initial=0) / 1e3)
    np.testing.assert_allclose(out[finite].astype("float64"), t_out[finite].astype("float64"),
                               rtol=2e-3, atol=2e-3 * scale)
    np.testing.assert_allclose(grad.astype("float64"), t_grad.astype("float64"), rtol=5e-3,
                               atol=2e-3)


def test_float32_logsumexp_of_a_huge_row_matches_the_closed_form(device):
    """logsumexp([1e4] * n) = 1e4 + log(n): the naive exp would overflow at 89."""
    x = ag.full((3, 1000), 1e4, device=device, requires_grad=True)
    out = ag.logsumexp(x, 1)
    out.sum().backward()
    np.testing.assert_allclose(out.detach().cpu().numpy(), 1e4 + np.log(1000), rtol=1e-7)
    # exp(x - lse) with lse rounded to float32 (an ulp of 1e-3 at 1e4): 1e-3 relative at best
    np.testing.assert_allclose(x.grad.cpu().numpy(), np.full((3, 1000), 1e-3), rtol=1e-3)
