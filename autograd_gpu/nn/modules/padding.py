"""Padding layers (torch's ``nn.modules.padding``): constant / zero, reflection, replication and
circular padding of the last 1, 2 or 3 dims, over ``F.pad``."""
from .. import functional as F
from ..module import Module
from .utils import _ntuple

_pad2 = _ntuple(2, "_pad2")
_pad4 = _ntuple(4, "_pad4")
_pad6 = _ntuple(6, "_pad6")


class _ConstantPadNd(Module):
    def __init__(self, value):
        super().__init__()
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _pad2(padding)


class ConstantPad2d(_ConstantPadNd):
    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _pad4(padding)


class ConstantPad3d(_ConstantPadNd):
    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _pad6(padding)


class ZeroPad1d(ConstantPad1d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class _ModePadNd(Module):
    """Padding by ``mode`` (a class attribute) with ``padding`` normalised by ``_parse``."""

    def __init__(self, padding):
        super().__init__()
        self.padding = type(self)._parse(padding)

    def forward(self, input):
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_ModePadNd):
    mode, _parse = "reflect", staticmethod(_pad2)


class ReflectionPad2d(_ModePadNd):
    mode, _parse = "reflect", staticmethod(_pad4)


class ReflectionPad3d(_ModePadNd):
    mode, _parse = "reflect", staticmethod(_pad6)


class ReplicationPad1d(_ModePadNd):
    mode, _parse = "replicate", staticmethod(_pad2)


class ReplicationPad2d(_ModePadNd):
    mode, _parse = "replicate", staticmethod(_pad4)


class ReplicationPad3d(_ModePadNd):
    mode, _parse = "replicate", staticmethod(_pad6)


class _CircularPadNd(_ModePadNd):
    """torch's circular layers check the input's rank themselves (a ValueError)."""
    mode = "circular"
    ranks = ()

    def forward(self, input):
        if input.dim() not in self.ranks:
            raise ValueError(f"expected {self.ranks[0]}D or {self.ranks[1]}D input (got "
                             f"{input.dim()}D input)")
        return super().forward(input)


class CircularPad1d(_CircularPadNd):
    _parse, ranks = staticmethod(_pad2), (2, 3)


class CircularPad2d(_CircularPadNd):
    _parse, ranks = staticmethod(_pad4), (3, 4)


class CircularPad3d(_CircularPadNd):
    _parse, ranks = staticmethod(_pad6), (4, 5)
