"""Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d: cross-correlations and their adjoints with
torch's arguments, default init and printed form."""
import math

from ...creation import empty
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from .utils import _pair, _single

_PADDING_MODES = {"zeros", "reflect", "replicate", "circular"}


class Conv2d(Module):
    """Weight (out_channels, in_channels // groups, kH, kW); ``padding`` may be an int, a pair,
    ``'valid'`` or ``'same'`` (stride 1 only). Only ``padding_mode='zeros'`` is implemented."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        kernel_size, stride, dilation = _pair(kernel_size), _pair(stride), _pair(dilation)
        padding = padding if isinstance(padding, str) else _pair(padding)
        _check_conv_args(in_channels, out_channels, groups, padding, stride, padding_mode, "Conv2d")
        self._set(in_channels, out_channels, kernel_size, stride, padding, dilation, False, (0, 0),
                  groups, bias, padding_mode, (out_channels, in_channels // groups), device, dtype)

    def _set(self, in_channels, out_channels, kernel_size, stride, padding, dilation, transposed,
             output_padding, groups, bias, padding_mode, channels, device, dtype):
        """_ConvNd's attributes and parameters: weight (*channels, *kernel_size), bias (out)."""
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = output_padding
        self.groups = groups
        self.padding_mode = padding_mode
        self.weight = Parameter(empty((*channels, *kernel_size), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Same rule as Linear, with fan_in = in_channels / groups * kH * kW."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)

    def extra_repr(self):
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * len(self.padding):
            s += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += ", dilation={dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += ", output_padding={output_padding}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        return s.format(**self.__dict__)


class Conv1d(Conv2d):
    """Weight (out_channels, in_channels // groups, k); input (N, C, L) or (C, L)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        Module.__init__(self)
        kernel_size, stride, dilation = _single(kernel_size), _single(stride), _single(dilation)
        padding = padding if isinstance(padding, str) else _single(padding)
        _check_conv_args(in_channels, out_channels, groups, padding, stride, padding_mode, "Conv1d")
        self._set(in_channels, out_channels, kernel_size, stride, padding, dilation, False,
                  (0,), groups, bias, padding_mode, (out_channels, in_channels // groups), device,
                  dtype)

    def forward(self, input):
        return F.conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


def _check_conv_args(in_channels, out_channels, groups, padding, stride, padding_mode, name):
    """_ConvNd's checks, in its order."""
    if groups <= 0:
        raise ValueError("groups must be a positive integer")
    if in_channels % groups != 0:
        raise ValueError("in_channels must be divisible by groups")
    if out_channels % groups != 0:
        raise ValueError("out_channels must be divisible by groups")
    if isinstance(padding, str):
        if padding not in {"same", "valid"}:
            raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                             "{'same', 'valid'}")
        if padding == "same" and any(s != 1 for s in stride):
            raise ValueError("padding='same' is not supported for strided convolutions")
    if padding_mode not in _PADDING_MODES:
        raise ValueError("padding_mode must be one of {'zeros', 'reflect', 'replicate', "
                         f"'circular'}}, but got padding_mode='{padding_mode}'")
    if padding_mode != "zeros":
        raise NotImplementedError(f"{name}: padding_mode='{padding_mode}' is not implemented in "
                                  "autograd_gpu; only padding_mode='zeros' is")



class ConvTranspose2d(Conv2d):
    """Weight (in_channels, out_channels // groups, kH, kW): the adjoint of a Conv2d in its input,
    output_padding extra rows and columns at the bottom and right (or given ``output_size`` to
    forward). Init as Conv2d's rule on this weight (fan_in = out_channels / groups * kH * kW)."""
    _dims = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        Module.__init__(self)
        tup = _pair if self._dims == 2 else _single
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        kernel_size, stride, dilation = tup(kernel_size), tup(stride), tup(dilation)
        padding = padding if isinstance(padding, str) else tup(padding)
        _check_conv_args(in_channels, out_channels, groups, padding, stride, padding_mode,
                         type(self).__name__)
        self._set(in_channels, out_channels, kernel_size, stride, padding, dilation, True,
                  tup(output_padding), groups, bias, padding_mode,
                  (in_channels, out_channels // groups), device, dtype)

    def _output_padding(self, input, output_size):
        """torch's _ConvTransposeNd._output_padding: output_padding, or what output_size needs."""
        dims = self._dims
        if output_size is None:
            return self.output_padding
        batched = input.dim() == dims + 2
        lead = 2 if batched else 1
        if len(output_size) == lead + dims:
            output_size = output_size[lead:]
        if len(output_size) != dims:
            raise ValueError(f"ConvTranspose{dims}D: for {input.dim()}D input, output_size must "
                             f"have {dims} or {lead + dims} elements (got {len(output_size)})")
        min_sizes = [(input.size(d + lead) - 1) * self.stride[d] - 2 * self.padding[d]
                     + self.dilation[d] * (self.kernel_size[d] - 1) + 1 for d in range(dims)]
        max_sizes = [m + s - 1 for m, s in zip(min_sizes, self.stride)]
        for size, lo, hi in zip(output_size, min_sizes, max_sizes):
            if size < lo or size > hi:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes "
                                 f"range from {min_sizes} to {max_sizes} (for an input of "
                                 f"{input.size()[2:]})")
        return [size - lo for size, lo in zip(output_size, min_sizes)]

    def forward(self, input, output_size=None):
        conv = F.conv_transpose2d if self._dims == 2 else F.conv_transpose1d
        return conv(input, self.weight, self.bias, self.stride, self.padding,
                    self._output_padding(input, output_size), self.groups, self.dilation)


class ConvTranspose1d(ConvTranspose2d):
    """Weight (in_channels, out_channels // groups, k); input (N, C, L) or (C, L)."""
    _dims = 1
