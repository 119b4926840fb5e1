"""The scalars of an optimizer step and the arguments of its multi-tensor kernels
(``kernels/optim.cu``), built without CuPy: the xp default and the cuda backend derive their scalars
here alike, and the tests build kernel arguments for the CPU CUDA emulator exactly as the cuda
backend does.

A launch finds its tensors through one flat int64 table (one host-to-device copy)::

    [ offsets: 0, n0, n0 + n1, ..., n (ntensors + 1) | addresses of list 0 | ... | of list k - 1 ]

one list per array role (params, grads, then the optimizer's state), one address per tensor.
``address(array)`` gives an array's device address: ``a.data.ptr`` for CuPy, ``a.ctypes.data``
for numpy arrays under the emulator. The kernels take slices of the table (of its device copy on
a GPU) as their ``const long long*`` offsets and, viewed as uint64, their ``T**`` pointer tables.
"""
import numpy


def tensor_table(lists, address):
    """The table of same-length lists of same-size arrays (the first list gives the sizes)."""
    ntensors = len(lists[0])
    table = numpy.empty((1 + len(lists)) * ntensors + 1, numpy.int64)
    table[0] = 0
    numpy.cumsum([a.size for a in lists[0]], out=table[1:ntensors + 1])
    for k, arrays in enumerate(lists, start=1):
        table[k * ntensors + 1:(k + 1) * ntensors + 1] = [address(a) for a in arrays]
    return table


def _views(table, ntensors, nlists):
    """The offsets and the ``nlists`` pointer tables of a table (numpy, or its device copy)."""
    return table[:ntensors + 1], [table[k * ntensors + 1:(k + 1) * ntensors + 1].view(numpy.uint64)
                                  for k in range(1, nlists + 1)]


def _grouped(keys):
    """Indices grouped by key, in order of first appearance: one launch each."""
    groups = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    return groups.items()


def _picked(arrays, indices):
    return [arrays[i] for i in indices]


# -- SGD ----------------------------------------------------------------------------------------
def sgd_launches(params, grads, momentum_buffers, new_buffers, *, address, to_device, lr,
                 momentum, dampening, weight_decay, nesterov, maximize):
    """``(kernel name, dtype, element count, arguments but the count)`` of each launch of one SGD
    step over contiguous same-dtype-per-tensor arrays: one per dtype and per whether the
    parameters' buffers are new (``new_buffers[i]``: this step's gradient is written into
    ``momentum_buffers[i]``). ``momentum_buffers`` is None without momentum; ``to_device`` gives
    the table as the kernels read it (its device copy on a GPU)."""
    firsts = new_buffers if momentum_buffers is not None else [False] * len(params)
    for (dtype, first), picked in _grouped(zip((p.dtype for p in params), firsts)):
        lists = [_picked(params, picked), _picked(grads, picked)]
        if momentum_buffers is not None:
            lists.append(_picked(momentum_buffers, picked))
        args = sgd_args(to_device(tensor_table(lists, address)), len(picked), lr=lr,
                        momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, first_step=first)
        yield "sgd_step", dtype, sum(a.size for a in lists[0]), args


def sgd_args(table, ntensors, *, lr, momentum, dampening, weight_decay, nesterov, maximize,
             first_step):
    """``sgd_step``'s arguments but the element count; without momentum the params' pointer table
    stands in for the buffers' (never read)."""
    offsets, (params, grads, *bufs) = _views(table, ntensors, 2 if momentum == 0 else 3)
    return (params, grads, bufs[0] if bufs else params, offsets, ntensors, float(-lr),
            float(momentum), float(1 - dampening), float(weight_decay), bool(nesterov),
            bool(maximize), bool(first_step))


# -- Adam and AdamW -----------------------------------------------------------------------------
def adam_bias_corrections(lr, beta1, beta2, step):
    """torch's ``step_size = lr / (1 - beta1^t)`` and ``sqrt(1 - beta2^t)`` for step number t."""
    return lr / (1 - beta1 ** step), (1 - beta2 ** step) ** 0.5


def adam_launches(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, *, address,
                  to_device, lr, beta1, beta2, eps, weight_decay, decoupled, maximize):
    """``(kernel name, dtype, element count, arguments but the count)`` of each launch of one
    Adam step over contiguous arrays: one per dtype and step number (the bias corrections are
    per launch); ``max_exp_avg_sqs`` is None unless amsgrad. See ``sgd_launches``."""
    amsgrad = max_exp_avg_sqs is not None
    for (dtype, step), picked in _grouped(zip((p.dtype for p in params), steps)):
        lists = [_picked(a, picked) for a in (params, grads, exp_avgs, exp_avg_sqs)]
        if amsgrad:
            lists.append(_picked(max_exp_avg_sqs, picked))
        args = adam_args(to_device(tensor_table(lists, address)), len(picked), step, lr=lr,
                         beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
                         decoupled=decoupled, amsgrad=amsgrad, maximize=maximize)
        yield "adam_step", dtype, sum(a.size for a in lists[0]), args


def adam_args(table, ntensors, step, *, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad,
              maximize):
    """``adam_step``'s arguments but the element count, for tensors all at step number ``step``;
    without amsgrad the exp_avg_sqs' pointer table stands in for the max_exp_avg_sqs' (never
    read)."""
    offsets, (params, grads, exp_avgs, exp_avg_sqs, *maxes) = _views(table, ntensors,
                                                                     5 if amsgrad else 4)
    step_size, bias_correction2_sqrt = adam_bias_corrections(lr, beta1, beta2, step)
    decay = weight_decay != 0
    return (params, grads, exp_avgs, exp_avg_sqs, maxes[0] if amsgrad else exp_avg_sqs, offsets,
            ntensors, float(weight_decay if decay and not decoupled else 0),
            float(1 - lr * weight_decay if decay and decoupled else 1), float(1 - beta1),
            float(beta2), float(1 - beta2), float(-step_size), float(bias_correction2_sqrt),
            float(eps), bool(amsgrad), bool(maximize))
