"""Tensor: an array of one backend + dtype + autograd state (grad, grad_fn, version counter).

Arithmetic and the other methods delegate to ``ops``; the ops modules are imported at the bottom
of this file because they, in turn, build Tensors.
"""
import numbers
import operator
import warnings
import weakref

from . import dtypes
from .autograd import function as _function
from .autograd.function import RemovableHandle, leaf_accumulator
from .autograd.functional import backward as _backward
from .size import Size

_NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
    "won't be populated during autograd.backward(). If you indeed want the .grad field to be "
    "populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the "
    "non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information.")

_DETACH_VIEW = (
    "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
    "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP "
    "buckets, and hence detach_() cannot be called on these gradients. To fix this error, please "
    "refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")


class Tensor:
    __slots__ = ("_data", "_backend", "_requires_grad", "_grad", "_grad_fn", "_output_nr",
                 "_version", "_accumulator_ref", "_hooks", "_retains_grad", "_view", "_post_acc_hooks",
                 "__weakref__")
    __array_priority__ = 1000  # numpy scalars defer to our reflected operators
    __array_ufunc__ = None

    @classmethod
    def _make(cls, data, backend, requires_grad=False, grad_fn=None, output_nr=0, version=None):
        """The internal constructor: no checks, no copies."""
        t = object.__new__(cls)
        t._data = data
        t._backend = backend
        t._requires_grad = requires_grad
        t._grad = None
        t._grad_fn = grad_fn
        t._output_nr = output_nr
        t._version = [0] if version is None else version
        t._accumulator_ref = None
        t._hooks = None
        t._post_acc_hooks = None  # register_post_accumulate_grad_hook's hooks (a leaf's)
        t._retains_grad = False
        t._view = None  # a view op's output: its ViewInfo (autograd/view_meta.py)
        return t

    def __new__(cls, *args, **kwargs):
        raise TypeError("create tensors with autograd_gpu.tensor(...), zeros(...), ones(...) "
                        "or the other factory functions")

    # -- metadata --------------------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        if self._data.ndim == 0:
            raise op_note(IndexError(f"Dimension specified as {dim} but tensor has no dimensions"),
                          "size", self)
        return self._data.shape[_wrap_dim(dim, self._data.ndim, "size")]

    @property
    def dtype(self):
        return dtypes._by_np[self._data.dtype]

    @property
    def device(self):
        return self._backend.device

    @property
    def is_cuda(self):
        return self._backend.device.type == "cuda"

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return int(self._data.size)

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_contiguous(self):
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim=None):
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[_wrap_dim(dim, self._data.ndim, "stride")]

    def data_ptr(self):
        a = self._data
        return a.ctypes.data if self._backend.device.type == "cpu" else a.data.ptr

    @property
    def backend(self):
        """The Backend computing on this tensor's device (its ``xp`` is numpy or cupy)."""
        return self._backend

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __hash__(self):
        return id(self)

    # -- autograd state --------------------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        requires_grad = bool(requires_grad)
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if self.grad_fn is None:
            self._requires_grad = requires_grad
        return self

    @property
    def grad_fn(self):
        view = self._view
        if view is None or view.version == self._version[0]:
            return self._grad_fn
        # the view or its base was written in place since: torch rebuilds the view's node
        return _view_inplace.regenerate_grad_fn(self, view)

    @grad_fn.setter
    def grad_fn(self, node):
        self._grad_fn = node

    @property
    def _base(self):
        """The tensor this one is a view of (None for a tensor that is not a view), as torch's."""
        view = self._view
        return None if view is None else view.base

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def grad(self):
        if self._grad is None and self.grad_fn is not None and not self._retains_grad:
            warnings.warn(_NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"attempting to assign a gradient of size '{list(value.shape)}' to a "
                                   f"tensor of size '{list(self.shape)}'. Please ensure that the "
                                   "gradient and the tensor are the same size")
            if value._backend is not self._backend:
                raise RuntimeError(f"assigned grad has data located on a different device: the tensor "
                                   f"is on {self.device} and the grad on {value.device}")
            if value.dtype is not self.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{value.dtype.cpp_name}' to a "
                    f"tensor with grad_dtype '{self.dtype.scalar_name}'. The gradient must "
                    "match the tensor's grad_dtype (defaults to the tensor's dtype).")
        self._grad = value

    @property
    def retains_grad(self):
        return self._retains_grad

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def _version_value(self):
        return self._version[0]

    def _accumulator(self):
        return leaf_accumulator(self)

    def retain_grad(self):
        """Keeps the gradient of this non-leaf tensor in ``.grad`` after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        node = self.grad_fn
        if node._retained is None:
            node._retained = {}
        node._retained[self._output_nr] = weakref.ref(self)
        self._retains_grad = True

    def _move_retained(self, old_node, old_nr):
        """After an in-place op gave this tensor a new node (``old_node`` was its node), its
        retain_grad follows it there, as torch moves its retains-grad hook; the hooks of
        register_hook stay on the old node."""
        if not self._retains_grad:
            return
        retained = None if old_node is None else old_node._retained
        if retained and old_nr in retained and retained[old_nr]() is self:
            del retained[old_nr]
        node = self._grad_fn
        if node is not None:
            if node._retained is None:
                node._retained = {}
            node._retained[self._output_nr] = weakref.ref(self)

    def register_hook(self, hook):
        """``hook(grad)`` runs when this tensor's gradient is computed; it may return a new one."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            self._hooks.append(hook)
            return RemovableHandle(self._hooks, hook)
        node = self.grad_fn
        if node._tensor_pre_hooks is None:
            node._tensor_pre_hooks = {}
        hooks = node._tensor_pre_hooks.setdefault(self._output_nr, [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor)`` runs after backward has accumulated into this leaf's ``.grad`` (not for
        autograd.grad, which accumulates nothing); it must return None."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_acc_hooks is None:
            self._post_acc_hooks = []
        self._post_acc_hooks.append(hook)
        return RemovableHandle(self._post_acc_hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if inputs is not None and isinstance(inputs, Tensor):
            inputs = (inputs,)
        # gradient goes as given, as in torch: a list there is read as one gradient per tensor
        _backward((self,), gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        """A tensor sharing this one's data and version counter, outside the graph."""
        return Tensor._make(self._data, self._backend, False, None, 0, self._version)

    def detach_(self):
        if self._view is not None:
            raise RuntimeError(_DETACH_VIEW)
        self.grad_fn = None
        self._requires_grad = False
        self._output_nr = 0
        return self

    @property
    def data(self):
        """The values as a tensor that does not require grad (shares memory, as torch's .data)."""
        return Tensor._make(self._data, self._backend)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"Tensor.data must be set to a Tensor, got {type(value).__name__}")
        self._data = value._data
        self._backend = value._backend

    # -- conversion ------------------------------------------------------------------------------
    def numpy(self, *, force=False):
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        if self._backend.device.type != "cpu":
            if not force:
                raise TypeError(f"can't convert {self.device} device type tensor to numpy. "
                                "Use Tensor.cpu() to copy the tensor to host memory first.")
            return self._backend.to_host(self._data)
        return self._data

    def __array__(self, dtype=None, copy=None):
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        host = self._backend.to_host(self._data)
        return host if dtype is None else host.astype(dtype, copy=False)

    def __dlpack__(self, *args, **kwargs):
        if self._requires_grad:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        return self._data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to "
                               f"Scalar")
        return self._backend.to_host(self._data).reshape(()).item()

    def tolist(self):
        return self._backend.to_host(self._data).tolist()

    def __float__(self):
        return float(self._scalar())

    def __int__(self):
        return int(self._scalar())

    def _scalar(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise op_note(TypeError("only integer tensors of a single element can be converted to "
                                    "an index"), "__index__", self)
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __reduce_ex__(self, protocol):
        from .creation import _rebuild_tensor  # noqa: PLC0415

        return (_rebuild_tensor, (self._backend.to_host(self._data), str(self.device),
                                  self._requires_grad))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment.")
        t = Tensor._make(self._data.copy(), self._backend, self._requires_grad)
        if self._grad is not None:
            t._grad = Tensor._make(self._grad._data.copy(), self._backend)
        memo[id(self)] = t
        return t

    def __repr__(self, *, tensor_contents=None):
        from . import _printing  # noqa: PLC0415

        suffixes = []
        dev = self._backend.device
        if dev.type == "cuda":
            suffixes.append(f"device='{dev}'")
        if _printing.needs_dtype_suffix(self._data.dtype.name, dtypes.get_default_dtype().name,
                                        self._data.size == 0):
            suffixes.append(f"dtype={self.dtype}")
        if self.grad_fn is not None:
            suffixes.append(f"grad_fn=<{self.grad_fn.node_name}>")
        elif self._requires_grad:
            suffixes.append("requires_grad=True")
        return _printing.tensor_repr(self._backend.to_host(self._data), suffixes)

    __str__ = __repr__

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    # -- devices and dtypes ----------------------------------------------------------------------
    def to(self, *args, **kwargs):
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other)``; copy=, non_blocking=."""
        device, dtype = None, None
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        for a in list(args) + [kwargs.pop("device", None), kwargs.pop("dtype", None)]:
            if a is None:
                continue
            if isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, dtypes.dtype) or (isinstance(a, type) and a in (float, int, bool)):
                dtype = dtypes.to_dtype(a)
            else:
                from .backend import device as _device  # noqa: PLC0415

                device = _device(a)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        return _ops_elementwise.to_copy(self, device, dtype, copy)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else (f"cuda:{device}" if isinstance(device, int) else device))

    def type(self, dtype=None):
        if dtype is None:
            return _legacy_type_name(self)
        return self.to(dtypes.to_dtype(dtype))

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def half(self):
        return self.to(dtypes.float16)

    def long(self):
        return self.to(dtypes.int64)

    def int(self):
        return self.to(dtypes.int32)

    def bool(self):
        return self.to(dtypes.bool_)

    def type_as(self, other):
        check_tensor(other, "type_as", "other")
        return self.to(other.dtype)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        from .creation import tensor  # noqa: PLC0415

        return tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                      requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        return self._new_filled(size, 0, dtype, device, requires_grad, "new_zeros")

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        return self._new_filled(size, 1, dtype, device, requires_grad, "new_ones")

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        from .creation import full  # noqa: PLC0415

        check_number(fill_value, "new_full", "fill_value", 2, "Number")
        return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                    requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return self._new_filled(size, 0, dtype, device, requires_grad, "new_empty")

    def _new_filled(self, size, value, dtype, device, requires_grad, op):
        """new_zeros, new_ones and new_empty (zero-filled): their errors name ``op``."""
        from .creation import _filled, require_size  # noqa: PLC0415

        require_size(size, op)
        return _filled(size, value, dtype or self.dtype, device or self.device, requires_grad, op)


def _wrap_dim(dim, ndim, op):
    if type(dim) is not int:
        dim = _index_arg(dim, op, "dim")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise with_note(IndexError(f"Dimension out of range (expected to be in range of [{-n}, "
                                   f"{n - 1}], but got {dim})"), f"in {op}() of a {ndim}-d tensor")
    return dim % n


def _index_arg(value, op, name):
    """An integer argument (ints, integer numpy scalars, one-element integer tensors)."""
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{op}(): argument '{name}' must be int, not {type(value).__name__}") from None


def check_tensor(x, op, name="input", position=1):
    """torch's TypeError for an argument that must be a Tensor."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, not "
                        f"{type(x).__name__}")


def check_number(x, op, name, position, kind="float"):
    """torch's TypeError for an argument that must be a Python number: ``kind`` as torch names
    it, "int" (an integer) or "float"/"Number" (any real number, or a 0-d tensor that does not
    require grad, as torch's argument parser takes one)."""
    if kind != "int" and isinstance(x, Tensor):
        if x._data.ndim == 0 and not x._requires_grad:
            return
    elif isinstance(x, numbers.Real) and (kind != "int" or isinstance(x, numbers.Integral)
                                          and not isinstance(x, bool)):
        return
    raise TypeError(f"{op}(): argument '{name}' (position {position}) must be {kind}, not "
                    f"{type(x).__name__}")


def describe(x):
    """An argument as error messages name it: a tensor by shape, dtype and device."""
    if isinstance(x, Tensor):
        return f"a tensor of shape {list(x._data.shape)}, dtype {x.dtype}, on {x.device}"
    return f"a Python {type(x).__name__}"


def with_note(exc, text):
    """``exc`` with a note that says which call failed on what. Where torch's wording is kept
    word for word (the suite compares it), the note carries the op and the arguments; the
    traceback prints it under the message. Python 3.10 has no notes: the message stands alone."""
    add_note = getattr(exc, "add_note", None)
    if add_note is not None:
        add_note(text)
    return exc


class AttributeTypeError(AttributeError, TypeError):
    """torch's AttributeError where its Python layer reads an attribute off a wrong type of argument
    (``'str' object has no attribute 'dim'``): the same wording, caught by ``except
    AttributeError`` as torch's is and by ``except TypeError`` as the wrong type it is."""


def op_note(exc, op, *args):
    """``with_note`` naming ``op`` and describing its tensor arguments."""
    described = ", ".join(describe(a) for a in args)
    return with_note(exc, f"in {op}() of {described}" if described else f"in {op}()")




def _legacy_type_name(t):
    prefix = "torch.cuda." if t.is_cuda else "torch."
    return f"{prefix}{t.dtype.scalar_name}Tensor"


_function.Tensor = Tensor

from .ops import elementwise as _ops_elementwise  # noqa: E402
from .ops import view_inplace as _view_inplace  # noqa: E402
from . import _tensor_methods  # noqa: E402,F401  attaches operators and methods to Tensor
