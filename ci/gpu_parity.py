"""Every op, layer, loss and optimiser of autograd_gpu against torch on the same device.

ci/gpu.sh runs it on the GPU (``--device cuda``), with TF32 off on both sides so that both compute
in true float32; it runs on the CPU too (``--device cpu``), which is how CI keeps the script itself
working. Each case draws fresh random inputs (never zeros) in float32 and float64, runs forward on
both libraries, then backward with the same random upstream gradient, and compares the outputs and
every input gradient by ``|ours - torch| / |torch|`` (norms over the whole array) with NaN where
torch has NaN. Sizes are not multiples of the kernels' block of 256, and ``--large`` adds cases of
about 2^24 elements. ResNet-18 (forward logits, ``conv1.weight`` and ``fc.weight`` gradients) and
five optimiser steps per optimiser configuration are compared the same way.

    python ci/gpu_parity.py [--device cuda] [--large] [--json parity.json] [-k SUBSTRING]

Exit status 1 when any case fails; the table printed last lists the failures.
"""
import argparse
import importlib.util
import json
import pathlib
import sys
import time
import traceback

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
TOLERANCE = {"float32": 2e-5, "float64": 1e-10}
LARGE = 1 << 24


class Case:
    """``fn(lib, *tensors)`` on inputs described by ``specs``: (shape, kind) with kind one of
    ``real``, ``positive`` (in [0.5, 2]), ``unit`` (in (0.05, 0.95)), ``index:N`` (int64 in
    [0, N)), ``bool``; the float kinds take the case's dtype and require grad, unless the kind
    ends in ``!`` (inputs torch does not differentiate, such as running statistics)."""

    def __init__(self, name, fn, *specs, dtypes=("float32", "float64"), grad=True, tol=1.0):
        self.name, self.fn, self.specs = name, fn, specs
        self.dtypes, self.grad, self.tol = dtypes, grad, tol


def make_input(spec, dtype, rng):
    shape, kind = spec
    kind = kind.rstrip("!")
    if kind == "real":
        return rng.uniform(-2, 2, shape).astype(dtype)
    if kind == "positive":
        return rng.uniform(0.5, 2, shape).astype(dtype)
    if kind == "unit":
        return rng.uniform(0.05, 0.95, shape).astype(dtype)
    if kind == "bool":
        return rng.random(shape) > 0.5
    if kind.startswith("index:"):
        return rng.integers(0, int(kind[6:]), shape).astype("int64")
    raise ValueError(f"unknown input kind {kind!r}")


def elementwise_cases(n):
    shape = (n,) if n >= LARGE else (3, n)
    x, p, u = (shape, "real"), (shape, "positive"), (shape, "unit")
    unary = {
        "neg": lambda l, a: -a, "exp": lambda l, a: l.exp(a), "tanh": lambda l, a: l.tanh(a),
        "sigmoid": lambda l, a: l.sigmoid(a), "relu": lambda l, a: l.relu(a),
        "abs": lambda l, a: l.abs(a), "sin": lambda l, a: l.sin(a), "cos": lambda l, a: l.cos(a),
        "clamp": lambda l, a: l.clamp(a, -0.5, 0.75), "pow3": lambda l, a: a ** 3,
        "square": lambda l, a: a * a, "gelu": lambda l, a: l.nn.functional.gelu(a),
        "gelu_tanh": lambda l, a: l.nn.functional.gelu(a, approximate="tanh"),
        "leaky_relu": lambda l, a: l.nn.functional.leaky_relu(a, 0.1),
        "silu": lambda l, a: l.nn.functional.silu(a), "elu": lambda l, a: l.nn.functional.elu(a),
    }
    cases = [Case(f"{name}[{n}]", fn, x) for name, fn in unary.items()]
    cases += [
        Case(f"log[{n}]", lambda l, a: l.log(a), p), Case(f"sqrt[{n}]", lambda l, a: l.sqrt(a), p),
        Case(f"rsqrt[{n}]", lambda l, a: l.rsqrt(a), p),
        Case(f"pow_tensor[{n}]", lambda l, a, b: a ** b, p, x),
        Case(f"add[{n}]", lambda l, a, b: a + b, x, x), Case(f"sub[{n}]", lambda l, a, b: a - b, x, x),
        Case(f"mul[{n}]", lambda l, a, b: a * b, x, x), Case(f"div[{n}]", lambda l, a, b: a / b, x, p),
        Case(f"maximum[{n}]", lambda l, a, b: l.maximum(a, b), x, x),
        Case(f"minimum[{n}]", lambda l, a, b: l.minimum(a, b), x, x),
        Case(f"where[{n}]", lambda l, c, a, b: l.where(c, a, b), (shape, "bool"), x, x),
        Case(f"bce[{n}]", lambda l, a, t: l.nn.functional.binary_cross_entropy(a, t), u, u),
        Case(f"bce_with_logits[{n}]",
             lambda l, a, t: l.nn.functional.binary_cross_entropy_with_logits(a, t), x, u),
        Case(f"mse[{n}]", lambda l, a, b: l.nn.functional.mse_loss(a, b), x, x),
        Case(f"l1[{n}]", lambda l, a, b: l.nn.functional.l1_loss(a, b), x, x),
        Case(f"sum[{n}]", lambda l, a: a.sum(), x), Case(f"mean[{n}]", lambda l, a: a.mean(), x),
    ]
    return cases


def reduction_and_shape_cases():
    x = ((5, 7, 259), "real")
    return [
        Case("sum_dim", lambda l, a: a.sum(dim=1), x),
        Case("mean_keepdim", lambda l, a: a.mean(dim=(0, 2), keepdim=True), x),
        Case("max_dim", lambda l, a: a.max(dim=2).values, x),
        Case("amax", lambda l, a: l.amax(a, dim=0), x),
        Case("var", lambda l, a: a.var(dim=2), x), Case("std", lambda l, a: a.std(dim=1), x),
        Case("logsumexp", lambda l, a: l.logsumexp(a, dim=2), x),
        Case("softmax_last", lambda l, a: l.softmax(a, dim=-1) if hasattr(l, "softmax")
             else l.nn.functional.softmax(a, dim=-1), x),
        Case("softmax_mid", lambda l, a: l.nn.functional.softmax(a, dim=1), x),
        Case("log_softmax_last", lambda l, a: l.nn.functional.log_softmax(a, dim=-1), x),
        Case("log_softmax_first", lambda l, a: l.nn.functional.log_softmax(a, dim=0), x),
        Case("argmax", lambda l, a: l.argmax(a, dim=2), x, grad=False),
        Case("reshape_permute", lambda l, a: a.reshape(35, 259).t().reshape(7, -1).permute(1, 0), x),
        Case("cat_stack", lambda l, a, b: l.stack([l.cat([a, b], dim=1), l.cat([b, a], dim=1)]),
             x, x),
        Case("index_slice", lambda l, a: a[1:4, ::2, 3:200:7], x),
        Case("gather", lambda l, a, i: l.gather(a, 2, i), x, ((5, 7, 31), "index:259")),
        Case("expand", lambda l, a: a[:, :1, :].expand(5, 9, 259), x),
        Case("matmul", lambda l, a, b: a @ b, ((33, 257), "real"), ((257, 129), "real"), tol=5),
        Case("bmm", lambda l, a, b: l.bmm(a, b), ((3, 33, 65), "real"), ((3, 65, 17), "real"), tol=5),
        Case("linear", lambda l, a, w, b: l.nn.functional.linear(a, w, b),
             ((17, 300), "real"), ((129, 300), "real"), ((129,), "real"), tol=5),
    ]


def nn_cases():
    img = ((3, 5, 13, 11), "real")

    def f(lib):
        return lib.nn.functional

    cases = []
    for stride, padding, dilation, groups in [(1, 1, 1, 1), (2, 0, 1, 1), (1, 2, 2, 1), (2, 1, 1, 5)]:
        cases.append(Case(
            f"conv2d s{stride} p{padding} d{dilation} g{groups}",
            lambda l, a, w, b, s=stride, p=padding, d=dilation, g=groups:
                f(l).conv2d(a, w, b, stride=s, padding=p, dilation=d, groups=g),
            img, ((10, 5 // groups, 3, 3), "real"), ((10,), "real"), tol=5))
    cases += [
        Case("conv2d 1x1", lambda l, a, w: f(l).conv2d(a, w), img, ((7, 5, 1, 1), "real"), tol=5),
        Case("conv2d same 2x3", lambda l, a, w: f(l).conv2d(a, w, padding="same"),
             img, ((4, 5, 2, 3), "real"), tol=5),
        Case("max_pool2d 3s2p1", lambda l, a: f(l).max_pool2d(a, 3, 2, 1), img),
        Case("max_pool2d 2 ceil", lambda l, a: f(l).max_pool2d(a, 2, ceil_mode=True), img),
        Case("avg_pool2d 3s2p1", lambda l, a: f(l).avg_pool2d(a, 3, 2, 1), img),
        Case("avg_pool2d no pad count", lambda l, a: f(l).avg_pool2d(a, 3, 2, 1, count_include_pad=False),
             img),
        Case("adaptive_avg_pool2d 1", lambda l, a: f(l).adaptive_avg_pool2d(a, 1), img),
        Case("adaptive_avg_pool2d 4x3", lambda l, a: f(l).adaptive_avg_pool2d(a, (4, 3)), img),
        Case("batch_norm train", lambda l, a, w, b: f(l).batch_norm(a, None, None, w, b, training=True),
             img, ((5,), "real"), ((5,), "real")),
        Case("batch_norm eval", lambda l, a, m, v, w, b: f(l).batch_norm(a, m, v, w, b),
             img, ((5,), "real!"), ((5,), "positive!"), ((5,), "real"), ((5,), "real")),
        Case("batch_norm1d train", lambda l, a, w, b: f(l).batch_norm(a, None, None, w, b, training=True),
             ((37, 6), "real"), ((6,), "real"), ((6,), "real")),
        Case("layer_norm", lambda l, a, w, b: f(l).layer_norm(a, (11,), w, b),
             img, ((11,), "real"), ((11,), "real")),
        Case("embedding", lambda l, i, w: f(l).embedding(i, w), ((4, 9), "index:50"), ((50, 7), "real")),
        Case("dropout p=0", lambda l, a: f(l).dropout(a, 0.0), img),
    ]
    logits, target = ((37, 11), "real"), ((37,), "index:11")
    cases += [
        Case("cross_entropy", lambda l, a, t: f(l).cross_entropy(a, t), logits, target),
        Case("cross_entropy sum", lambda l, a, t: f(l).cross_entropy(a, t, reduction="sum"),
             logits, target),
        Case("cross_entropy none", lambda l, a, t: f(l).cross_entropy(a, t, reduction="none"),
             logits, target),
        Case("cross_entropy weight", lambda l, a, t, w: f(l).cross_entropy(a, t, weight=w),
             logits, target, ((11,), "positive!")),
        Case("cross_entropy ignore_index",
             lambda l, a, t: f(l).cross_entropy(a, t, ignore_index=3), logits, target),
        Case("cross_entropy label_smoothing",
             lambda l, a, t: f(l).cross_entropy(a, t, label_smoothing=0.1), logits, target),
        Case("cross_entropy probabilities",
             lambda l, a, p: f(l).cross_entropy(a, l.softmax(p, dim=1) if hasattr(l, "softmax")
                                                else f(l).softmax(p, dim=1)), logits, logits),
        Case("cross_entropy 4d", lambda l, a, t: f(l).cross_entropy(a, t),
             ((2, 11, 5, 3), "real"), ((2, 5, 3), "index:11")),
        Case("nll_loss", lambda l, a, t: f(l).nll_loss(f(l).log_softmax(a, dim=1), t), logits, target),
        Case("bce_with_logits pos_weight",
             lambda l, a, t, w: f(l).binary_cross_entropy_with_logits(a, t, pos_weight=w),
             ((37, 11), "real"), ((37, 11), "unit"), ((11,), "positive!")),
    ]
    return cases


def compare(name, ours, theirs, dtype, tol_scale=1.0):
    """None when equal within tolerance, else a message."""
    ours = np.asarray(ours, dtype=np.float64) if ours.dtype.kind in "fc" else np.asarray(ours)
    theirs = np.asarray(theirs, dtype=np.float64) if theirs.dtype.kind in "fc" else np.asarray(theirs)
    if ours.shape != theirs.shape:
        return f"{name}: shape {ours.shape} != torch {theirs.shape}"
    if theirs.dtype.kind not in "fc":
        return None if np.array_equal(ours, theirs) else f"{name}: values differ"
    nan_t, nan_o = np.isnan(theirs), np.isnan(ours)
    if not np.array_equal(nan_t, nan_o):
        return f"{name}: NaN at {int((nan_t ^ nan_o).sum())} positions where torch has none (or v.v.)"
    ours, theirs = ours[~nan_t], theirs[~nan_t]
    denom = max(np.linalg.norm(theirs), 1e-30)
    err = np.linalg.norm(ours - theirs) / denom
    tol = TOLERANCE[dtype] * tol_scale
    return None if err <= tol else f"{name}: relative error {err:.2e} > {tol:.0e}"


def to_numpy(t):
    return t.detach().cpu().numpy()


def run_case(case, dtype, device, rng, ag, torch):
    arrays = [make_input(spec, dtype, rng) for spec in case.specs]
    differentiable = [case.grad and a.dtype.kind == "f" and not kind.endswith("!")
                      for a, (_, kind) in zip(arrays, case.specs)]
    ours = [ag.tensor(a, device=device, requires_grad=d) for a, d in zip(arrays, differentiable)]
    theirs = [torch.tensor(a, device=device, requires_grad=d) for a, d in zip(arrays, differentiable)]
    out_o, out_t = case.fn(ag, *ours), case.fn(torch, *theirs)
    out_o = out_o if isinstance(out_o, tuple) else (out_o,)
    out_t = out_t if isinstance(out_t, tuple) else (out_t,)
    problems = [compare(f"output {i}", to_numpy(o), to_numpy(t), dtype, case.tol)
                for i, (o, t) in enumerate(zip(out_o, out_t))]
    if any(differentiable):
        loss_o = loss_t = 0
        for o, t in zip(out_o, out_t):
            if t.requires_grad:
                g = rng.standard_normal(tuple(t.shape)).astype(dtype)
                loss_o = loss_o + (o * ag.tensor(g, device=device)).sum()
                loss_t = loss_t + (t * torch.tensor(g, device=device)).sum()
        loss_o.backward()
        loss_t.backward()
        for i, (o, t) in enumerate(zip(ours, theirs)):
            if differentiable[i]:
                if o.grad is None:
                    problems.append(f"grad of input {i}: None, torch has one")
                else:
                    problems.append(compare(f"grad of input {i}", to_numpy(o.grad), to_numpy(t.grad),
                                            dtype, case.tol))
    return [p for p in problems if p]


def load_torch_resnet():
    spec = importlib.util.spec_from_file_location(
        "torch_resnet", ROOT / "tests" / "models" / "torch_resnet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def relative_error(ours, reference):
    ours, reference = np.asarray(ours, np.float64), np.asarray(reference, np.float64)
    return np.linalg.norm(ours - reference) / max(np.linalg.norm(reference), 1e-30)


def resnet18_case(dtype, device, rng, ag, torch):
    """Logits and gradients of a ResNet-18 step in train and eval mode. Train-mode batch norm over
    a small batch amplifies float32 rounding in the gradients (both libraries' float32 results
    stray from the float64 truth by up to about 1e-2 there), so the reference is torch in float64:
    ours must be as close to it as torch's own result in ``dtype`` is, or within the tolerance."""
    import autograd_gpu.models

    torch.manual_seed(int(rng.integers(1 << 31)))
    reference = load_torch_resnet().resnet18(num_classes=10).to(device=device, dtype=torch.float64)
    theirs = load_torch_resnet().resnet18(num_classes=10).to(device=device, dtype=getattr(torch, dtype))
    theirs.load_state_dict(reference.state_dict())
    ours = autograd_gpu.models.resnet18(num_classes=10)
    ours.load_state_dict({k: ag.tensor(to_numpy(v)) for k, v in reference.state_dict().items()})
    ours.to(device=device, dtype=getattr(ag, dtype))
    x = rng.standard_normal((4, 3, 64, 64))
    target = rng.integers(0, 10, 4)
    tol = TOLERANCE[dtype] * 50
    problems = []
    for mode in ("train", "eval"):
        results = {}
        for lib, model, x_dtype in ((ag, ours, dtype), (torch, theirs, dtype),
                                    (torch, reference, "float64")):
            getattr(model, mode)()
            model.zero_grad()
            logits = model(lib.tensor(x.astype(x_dtype), device=device))
            lib.nn.functional.cross_entropy(logits, lib.tensor(target, device=device)).backward()
            params = dict(model.named_parameters())
            results[model] = {"logits": to_numpy(logits), **{
                f"{key}.grad": to_numpy(params[key].grad)
                for key in ("conv1.weight", "fc.weight", "layer3.0.bn1.weight")}}
        for name, truth in results[reference].items():
            err_ours = relative_error(results[ours][name], truth)
            err_torch = relative_error(results[theirs][name], truth)
            if err_ours > max(tol, 4 * err_torch):
                problems.append(f"{mode} {name}: error vs float64 torch {err_ours:.2e}, "
                                f"torch {dtype}'s {err_torch:.2e} (allowed {max(tol, 4 * err_torch):.0e})")
    return problems


OPTIMIZERS = [
    ("SGD", {"lr": 0.1}), ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5, "maximize": True}),
    ("Adam", {"lr": 0.01}), ("Adam", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}),
]


def optimizer_case(name, kwargs, dtype, device, rng, ag, torch, steps=5):
    shapes = [(257,), (3, 129), (1,)]
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(steps)]
    ours = [ag.nn.Parameter(ag.tensor(a, device=device)) for a in init]
    theirs = [torch.nn.Parameter(torch.tensor(a, device=device)) for a in init]
    opt_o = getattr(ag.optim, name)(ours, **kwargs)
    opt_t = getattr(torch.optim, name)(theirs, foreach=False, **kwargs)
    for step in grads:
        for p, g in zip(ours, step):
            p.grad = ag.tensor(g, device=device)
        for p, g in zip(theirs, step):
            p.grad = torch.tensor(g, device=device)
        opt_o.step()
        opt_t.step()
    return [p for p in (compare(f"param {i}", to_numpy(o), to_numpy(t), dtype, 5)
                        for i, (o, t) in enumerate(zip(ours, theirs))) if p]


def all_cases(large):
    cases = elementwise_cases(1000) + reduction_and_shape_cases() + nn_cases()
    if large:
        big = [c for c in elementwise_cases(LARGE) if not c.name.startswith(("sin", "cos", "elu"))]
        for c in big:
            c.dtypes = ("float32",)
        cases += big
    return cases


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--large", action="store_true", help="add cases of 2^24 elements")
    parser.add_argument("--json", help="write every case's result to this file")
    parser.add_argument("-k", default="", help="only cases whose name contains this")
    parser.add_argument("--seed", type=int, default=None, help="default: fresh inputs each run")
    args = parser.parse_args(argv)

    import torch

    import autograd_gpu as ag

    if args.device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    rng = np.random.default_rng(args.seed)
    print(f"gpu_parity on {args.device} (numpy seed entropy {rng.bit_generator.seed_seq.entropy})")

    jobs = [(c.name, dtype, lambda c=c, dtype=dtype: run_case(c, dtype, args.device, rng, ag, torch))
            for c in all_cases(args.large) for dtype in c.dtypes]
    jobs += [("resnet18", dtype, lambda dtype=dtype: resnet18_case(dtype, args.device, rng, ag, torch))
             for dtype in ("float32", "float64")]
    jobs += [(f"{name} {kwargs}", dtype,
              lambda n=name, kw=kwargs, dtype=dtype: optimizer_case(n, kw, dtype, args.device, rng,
                                                                    ag, torch))
             for name, kwargs in OPTIMIZERS for dtype in ("float32", "float64")]

    results = []
    for name, dtype, job in jobs:
        if args.k not in name:
            continue
        start = time.perf_counter()
        try:
            problems = job()
        except Exception:  # noqa: BLE001 - a crash is a failed case, reported with its traceback
            problems = ["raised:\n" + traceback.format_exc()]
        seconds = time.perf_counter() - start
        print(f"{'ok  ' if not problems else 'FAIL'} {name} [{dtype}] {seconds:.2f} s", flush=True)
        results.append({"case": name, "dtype": dtype, "ok": not problems, "problems": problems,
                        "seconds": seconds})

    failed = [r for r in results if not r["ok"]]
    for r in failed:
        print(f"FAIL {r['case']} [{r['dtype']}]: " + "; ".join(r["problems"]))
    print(f"gpu_parity: {len(results) - len(failed)} passed, {len(failed)} failed "
          f"of {len(results)} cases on {args.device}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": args.device, "passed": len(results) - len(failed),
                       "failed": len(failed), "cases": results}, f, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
