"""Parameter: a Tensor that a Module registers as one of its learnable weights.

It shares the data and version counter of the tensor it is built from (torch's
``Tensor._make_subclass``); every op on it returns a plain Tensor, as torch's do.
"""
from ..creation import empty
from ..tensor import Tensor


class Parameter(Tensor):
    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}")
        if requires_grad and not data.is_floating_point():
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        param = cls._make(data._data, data._backend, False, None, 0, data._version)
        return param.requires_grad_(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.detach().clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self.detach(), self.requires_grad))


def _rebuild_parameter(data, requires_grad):
    """Unpickling: a Parameter around the unpickled tensor."""
    return Parameter(data, requires_grad)
