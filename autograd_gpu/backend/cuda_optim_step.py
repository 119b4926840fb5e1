"""The multi-tensor kernel versions of the optimizer steps (see ``optim_step.OptimStepPrimitives``):
one launch of ``kernels/optim.cu`` updates a whole parameter group.

The kernels find the group's arrays through a table of element offsets and addresses
(``optim_step_args.tensor_table``), copied to the GPU without synchronizing (one small copy, from a
host array built per step) and cached while the addresses stay the same from step to step, as they
do when CuPy's pool hands the gradients the same blocks again. Arrays the kernels do not apply to
(another dtype, a non-contiguous parameter or state) take the xp default; tensors of different
dtypes (and, for Adam, different step numbers; for SGD, buffers new and old) get a launch each.
"""
from collections import OrderedDict

import cupy

from . import kernels
from .cuda_util import kernel_arrays, on_device
from .optim_step_args import adam_launches, sgd_launches

_FAMILY = "optim"
_TABLE_CACHE_SIZE = 16  # a few groups, each seeing a few sets of gradient addresses
_tables = OrderedDict()  # (device id, table bytes) -> the table on that device


def _address(array):
    return array.data.ptr


def _to_device(host):
    """The device copy of a host table, cached (the most recently used kept) by its contents."""
    key = (cupy.cuda.device.get_device_id(), host.tobytes())
    table = _tables.get(key)
    if table is None:
        table = _tables[key] = cupy.asarray(host)
        if len(_tables) > _TABLE_CACHE_SIZE:
            _tables.popitem(last=False)
    else:
        _tables.move_to_end(key)
    return table


def _fits(param, grad, *state):
    """Whether the kernels update this parameter: CuPy arrays of one kernel dtype and shape, the
    ones written in place contiguous (a strided gradient is copied)."""
    return (kernel_arrays(param, grad, *state) and param.flags.c_contiguous
            and all(a.flags.c_contiguous for a in state))


def _contiguous(array):
    return array if array.flags.c_contiguous else cupy.ascontiguousarray(array)


def _take(arrays, indices):
    return None if arrays is None else [arrays[i] for i in indices]


class CudaOptimStep:
    def _launch_all(self, launches):
        for name, dtype, n, args in launches:
            kernels.launch(self.index, _FAMILY, name, dtype, n, *args)

    @on_device
    def sgd_step(self, params, grads, momentum_buffers, *, lr, momentum, dampening, weight_decay,
                 nesterov, maximize):
        bufs = None if momentum == 0 else list(momentum_buffers)
        hyper = {"lr": lr, "momentum": momentum, "dampening": dampening,
                 "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize}
        picked, others, new = [], [], []
        for i, (p, g) in enumerate(zip(params, grads)):
            old = None if bufs is None else bufs[i]
            if not _fits(p, g, *(() if old is None else (old,))):
                others.append(i)
                continue
            picked.append(i)
            new.append(bufs is not None and old is None)
            if new[-1]:
                bufs[i] = cupy.empty_like(p)  # the kernel writes this step's gradient into it
        if picked:
            self._launch_all(sgd_launches(
                _take(params, picked), [_contiguous(grads[i]) for i in picked],
                _take(bufs, picked), new, address=_address, to_device=_to_device, **hyper))
        if others:
            rest = super().sgd_step(_take(params, others), _take(grads, others),
                                    _take(bufs, others), **hyper)
            for i, buf in zip(others, rest or ()):
                bufs[i] = buf
        return bufs

    @on_device
    def adam_step(self, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, *, lr, beta1,
                  beta2, eps, weight_decay, decoupled, maximize):
        hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps,
                 "weight_decay": weight_decay, "decoupled": decoupled, "maximize": maximize}
        picked, others = [], []
        for i, (p, g, m, v) in enumerate(zip(params, grads, exp_avgs, exp_avg_sqs)):
            state = (m, v) if max_exp_avg_sqs is None else (m, v, max_exp_avg_sqs[i])
            (picked if _fits(p, g, *state) else others).append(i)
        if picked:
            self._launch_all(adam_launches(
                _take(params, picked), [_contiguous(grads[i]) for i in picked],
                _take(exp_avgs, picked), _take(exp_avg_sqs, picked),
                _take(max_exp_avg_sqs, picked), _take(steps, picked), address=_address,
                to_device=_to_device, **hyper))
        if others:
            super().adam_step(*(_take(a, others) for a in (params, grads, exp_avgs, exp_avg_sqs,
                                                          max_exp_avg_sqs, steps)), **hyper)
