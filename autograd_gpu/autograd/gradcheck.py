"""Finite-difference checks of first and second derivatives, as torch.autograd.gradcheck and
gradgradcheck do: central differences in the inputs' precision (use float64) against the
Jacobian that backward computes, one output element at a time."""
from . import grad_mode
from .functional import grad as _grad


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _differentiable_outputs(func, inputs):
    with grad_mode.enable_grad():
        return tuple(o for o in _as_tuple(func(*inputs)) if o._requires_grad)


def _float_outputs(func, inputs):
    """func's floating-point outputs, detached. Evaluated with grad mode on, as torch does: a func
    that differentiates inside (gradgradcheck's first derivatives) needs it."""
    with grad_mode.enable_grad():
        return [o.detach() for o in _as_tuple(func(*inputs)) if o.is_floating_point()]


def _numerical_jacobians(func, inputs, wrt, eps):
    """J[i][j]: d(flattened output j) / d(flattened input wrt[i]), a host array per (input, output)."""
    outputs = _float_outputs(func, inputs)
    jac = []
    for i in wrt:
        x = inputs[i]
        flat = x._data.reshape(-1)
        n = flat.size
        per_output = [x._backend.xp.zeros((n, o._data.size), dtype=x._data.dtype) for o in outputs]
        for k in range(n):
            orig = flat[k].item()
            flat[k] = orig + eps
            plus = [o._data.copy() for o in _float_outputs(func, inputs)]
            flat[k] = orig - eps
            minus = [o._data.copy() for o in _float_outputs(func, inputs)]
            flat[k] = orig
            for j, (p, m) in enumerate(zip(plus, minus)):
                per_output[j][k] = ((p - m) / (2 * eps)).reshape(-1)
        jac.append(per_output)
    return jac, outputs


def _analytical_jacobians(func, inputs, wrt):
    with grad_mode.enable_grad():
        outs = [o for o in _as_tuple(func(*inputs)) if o.is_floating_point()]
    targets = [inputs[i] for i in wrt]
    jac = [[t._backend.xp.zeros((t._data.size, o._data.size), dtype=t._data.dtype) for o in outs]
           for t in targets]
    for j, o in enumerate(outs):
        if not o._requires_grad:
            continue
        for k in range(o._data.size):
            seed = o.detach().clone()
            seed._data.fill(0)
            seed._data.reshape(-1)[k] = 1
            grads = _grad((o,), targets, (seed,), retain_graph=True, allow_unused=True)
            for i, g in enumerate(grads):
                if g is not None:
                    if g._data.shape != targets[i]._data.shape:
                        raise GradcheckError(f"Gradient of input {wrt[i]} has shape "
                                             f"{tuple(g._data.shape)}, expected "
                                             f"{tuple(targets[i]._data.shape)}")
                    jac[i][j][:, k] = g._data.reshape(-1)
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, fast_mode=False):
    """True when backward's Jacobian matches central differences for every differentiable input."""
    inputs = _as_tuple(inputs)
    wrt = [i for i, x in enumerate(inputs) if hasattr(x, "_requires_grad") and x._requires_grad]
    if not wrt:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none "
                         "of them have requires_grad=True.")
    for i in wrt:
        if inputs[i].dtype.name != "float64":
            import warnings  # noqa: PLC0415

            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point. This check will likely fail if all the inputs are not of double "
                          "precision floating point. ", UserWarning, stacklevel=2)
    numerical, _ = _numerical_jacobians(func, inputs, wrt, eps)
    analytical = _analytical_jacobians(func, inputs, wrt)
    if numerical and len(numerical[0]) != len(analytical[0]):
        raise GradcheckError(f"the function returned {len(numerical[0])} floating-point outputs in "
                             f"the numerical pass and {len(analytical[0])} in the analytical one")
    for a, i in enumerate(wrt):
        for j, (num, ana) in enumerate(zip(numerical[a], analytical[a])):
            xp = inputs[i]._backend.xp
            if not bool(xp.allclose(ana, num, rtol=rtol, atol=atol)):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {j} with respect to input {i},\n"
                    f"numerical:{inputs[i]._backend.to_host(num)}\n"
                    f"analytical:{inputs[i]._backend.to_host(ana)}\n")
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True):
    """gradcheck of the function (inputs, grad_outputs) -> vector-Jacobian products of ``func``."""
    from ..creation import randn_like  # noqa: PLC0415

    inputs = _as_tuple(inputs)
    outputs = _differentiable_outputs(func, inputs)
    if grad_outputs is None:
        grad_outputs = tuple(randn_like(o).requires_grad_() for o in outputs)
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_derivatives(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = _differentiable_outputs(func, ins)
        targets = [x for x in ins if hasattr(x, "_requires_grad") and x._requires_grad]
        grads = _grad(outs, targets, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
