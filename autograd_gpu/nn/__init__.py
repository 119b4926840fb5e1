"""autograd_gpu.nn: Module, Parameter, the layers, ``functional`` and ``init`` (torch.nn's names)."""
from . import functional, init, utils
from .module import Module
from .modules import *  # noqa: F403 - the layer classes, listed in modules.__all__
from .modules import __all__ as _layers
from .parameter import Parameter

__all__ = ["Module", "Parameter", "functional", "init", "utils", *_layers]
