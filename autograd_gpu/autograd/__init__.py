"""autograd: the engine and its public API (torch.autograd's names)."""
from . import anomaly_mode
from .anomaly_mode import (detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled,
                           set_anomaly_enabled, set_detect_anomaly)
from .function import Function, once_differentiable
from .functional import backward, grad
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .out_of_memory import OutOfMemoryError

__all__ = ["Function", "once_differentiable", "backward", "grad", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode", "is_grad_enabled", "gradcheck", "gradgradcheck",
           "GradcheckError", "anomaly_mode", "detect_anomaly", "set_detect_anomaly",
           "is_anomaly_enabled", "is_anomaly_check_nan_enabled", "set_anomaly_enabled",
           "OutOfMemoryError"]
