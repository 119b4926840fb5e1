"""Optimizer: parameter groups, per-parameter state, and torch's ``state_dict`` format.

A subclass supplies ``defaults`` and ``_step_group(group)``; ``step`` runs the closure with grad
enabled, then every group's update under ``no_grad``. A group's update is one call of a backend
primitive per device (``backend.sgd_step``, ``backend.adam_step``) on the arrays of all its
parameters that have a gradient: one fused multi-tensor kernel launch on cuda. ``grouped_arrays``,
``updated`` and ``state_tensor`` are the bridge between those array primitives and the tensors.
"""
import warnings
from collections import defaultdict
from copy import deepcopy
from itertools import chain

from ..autograd import enable_grad, no_grad
from ..backend import float_errors
from ..tensor import Tensor


class _RequiredParameter:
    """The default of a hyper-parameter every group must give (torch.optim.optimizer.required)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def typename(obj):
    """torch.typename: ``torch.FloatTensor`` for tensors, the qualified class name otherwise."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", None)
    prefix = f"{module}." if module not in ("builtins", "__builtin__", None) else ""
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or \
        type(obj).__name__
    return prefix + name


def require_nonnegative(*checks):
    """torch's ``if not 0.0 <= value: raise ValueError(f"Invalid {what}: {value}")`` for each
    ``(what, value)`` in turn (NaN fails it too, as in torch's Adam, RMSprop and Adagrad)."""
    for what, value in checks:
        if not 0.0 <= value:
            raise ValueError(f"Invalid {what}: {value}")


def unsupported_flags(optimizer, **flags):
    """Refuses torch options this library does not implement, rather than ignoring them."""
    for name, value in flags.items():
        if value:
            raise NotImplementedError(f"{optimizer}: {name}=True is not supported by autograd_gpu")


def grouped_arrays(params):
    """The parameters that have a gradient, by backend (device), in order: ``(backend, params,
    param arrays, grad arrays)`` for each backend."""
    by_backend = {}
    for p in params:
        if p.grad is not None:
            by_backend.setdefault(p._backend, []).append(p)
    return [(backend, ps, [p._data for p in ps], [p.grad._data for p in ps])
            for backend, ps in by_backend.items()]


def updated(*tensor_lists):
    """Records that a primitive changed these tensors in place (their version counters, which
    autograd checks against the versions it saved)."""
    for tensors in tensor_lists:
        for t in tensors:
            t._version[0] += 1


def state_tensor(array, backend):
    """A state tensor (a momentum buffer, say) around an array a primitive allocated."""
    return Tensor._make(array, backend)


class Optimizer:
    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self):
        text = f"{type(self).__name__} ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {key}: {group[key]}\n" for key in sorted(group) if key != "params")
        return text + ")"

    # -- parameter groups ------------------------------------------------------------------------
    def add_param_group(self, param_group):
        """Adds a group; hyper-parameters it does not give take the optimizer's defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but "
                            "the ordering of tensors in sets will change between runs. Please use a "
                            "list instead.")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
            param_group["param_names"] = names
        param_group["params"] = params
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + typename(param))
            if not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization "
                                 f"parameter {name}")
            param_group.setdefault(name, default)
        if len(params) != len(set(params)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see github.com/pytorch/pytorch/issues/"
                          "40967 for more information", stacklevel=3)
        param_set = set()
        for group in self.param_groups:
            param_set.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                kind = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {kind} to the optimizer")
        if not param_set.isdisjoint(params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # -- gradients and steps ---------------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Drops every gradient (``set_to_none``) or zeroes it in place, detached from any graph."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                if p.grad.grad_fn is not None:
                    p.grad.detach_()
                else:
                    p.grad.requires_grad_(False)
                p.grad.zero_()

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        quiet = float_errors.silence()  # a NaN or inf gradient updates as in torch, without a word
        try:
            with no_grad():
                for group in self.param_groups:
                    self._step_group(group)
        finally:
            float_errors.restore(quiet)
        return loss

    def _step_group(self, group):
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    # -- state_dict ------------------------------------------------------------------------------
    def state_dict(self):
        """``{"state": {id: {...}}, "param_groups": [{..., "params": [ids]}]}``: torch's format,
        parameters replaced by their position over all groups (the state tensors are not copied)."""
        index_of = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index_of.setdefault(id(p), len(index_of))
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index_of[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restores hyper-parameters and state; saved ids are matched to this optimizer's
        parameters by position, and state tensors moved to each parameter's device (and floating
        dtype, except ``step``)."""
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the "
                             "size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                state[param] = _cast_state(param, value)
            else:
                state[key] = value
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.__setstate__({"state": state, "param_groups": saved_groups})


def _cast_state(param, value, key=None):
    """A parameter's saved state placed like the parameter (torch's ``_cast``)."""
    if isinstance(value, Tensor):
        if key == "step":
            return value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)
    if isinstance(value, dict):
        return {k: _cast_state(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v) for v in value)
    return value
