"""autograd: the engine and its public API (torch.autograd's names)."""
from .function import Function, once_differentiable
from .functional import backward, grad
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["Function", "once_differentiable", "backward", "grad", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode", "is_grad_enabled", "gradcheck", "gradgradcheck",
           "GradcheckError"]
