"""The raw-kernel versions of the convolution (im2col/col2im) and pooling primitives (see
``conv_pool.ConvPoolPrimitives``), from ``kernels/conv.cu`` and ``kernels/pooling.cu``.

Each method runs its kernels when its arrays are CuPy arrays of one kernel dtype (float16,
float32, float64; max pooling's argmax indices int64) and otherwise falls back to the CuPy
expressions of ``ConvPoolPrimitives``. Inputs are made contiguous first. The convolution and its
adjoints are ``conv_pool``'s column strategy over the kernels: one im2col (or col2im) launch and
one cuBLAS product batched over the groups (``cupy.matmul``). Adaptive average pooling is two
cuBLAS products already and keeps the xp default. The launch plans (outputs, grids, argument
lists) come from ``conv_pool_args``, which the CPU-emulator tests run as they are.
"""
import cupy
import numpy

from . import conv_pool_args as plans
from . import kernels
from .conv_pool import (conv2d_by_columns, conv2d_input_grad_by_columns,
                        conv2d_weight_grad_by_columns)
from .cuda_util import on_device

_INT64 = numpy.dtype(numpy.int64)


def _kernel_dtype(first, *rest):
    """Whether the kernels apply: CuPy arrays, all of one kernel dtype (any shapes)."""
    if not isinstance(first, cupy.ndarray) or first.dtype not in kernels.CTYPES:
        return False
    return all(isinstance(a, cupy.ndarray) and a.dtype == first.dtype for a in rest)


def _contiguous(a):
    return a if a.flags.c_contiguous else cupy.ascontiguousarray(a)


class CudaConvPool:
    def _run(self, launches):
        for launch in launches:
            kernels.launch_grid(self.index, launch.family, launch.name, launch.dtype, launch.grid,
                                launch.block, *launch.args)

    # -- convolution -----------------------------------------------------------------------------
    @on_device
    def im2col(self, x, kernel_hw, geom):
        if not (_kernel_dtype(x) and plans.plane_kernels_apply(x.shape, kernel_hw, geom)):
            return super().im2col(x, kernel_hw, geom)
        cols, launches = plans.im2col(cupy, _contiguous(x), kernel_hw, geom,
                                      kernels.max_blocks(self.index))
        self._run(launches)
        return cols

    @on_device
    def col2im(self, cols, x_shape, kernel_hw, geom):
        if not (_kernel_dtype(cols) and plans.plane_kernels_apply(x_shape, kernel_hw, geom)):
            return super().col2im(cols, x_shape, kernel_hw, geom)
        x, launches = plans.col2im(cupy, _contiguous(cols), x_shape, kernel_hw, geom,
                                   kernels.max_blocks(self.index))
        self._run(launches)
        return x

    @on_device
    def conv2d(self, x, weight, geom):
        if not _kernel_dtype(x, weight):
            return super().conv2d(x, weight, geom)
        return conv2d_by_columns(cupy, x, weight, geom, self.im2col)

    @on_device
    def conv2d_input_grad(self, gy, weight, geom, x_shape):
        if not _kernel_dtype(gy, weight):
            return super().conv2d_input_grad(gy, weight, geom, x_shape)
        return conv2d_input_grad_by_columns(cupy, gy, weight, geom, x_shape, self.col2im)

    @on_device
    def conv2d_weight_grad(self, x, gy, geom, w_shape):
        if not _kernel_dtype(x, gy):
            return super().conv2d_weight_grad(x, gy, geom, w_shape)
        return conv2d_weight_grad_by_columns(cupy, x, gy, geom, w_shape, self.im2col)

    # -- pooling -------------------------------------------------------------------------------------
    @on_device
    def max_pool2d(self, x, win, with_indices):
        """The kernel writes the argmax in any case (one int64 per output)."""
        if not _kernel_dtype(x):
            return super().max_pool2d(x, win, with_indices)
        y, indices, launches = plans.max_pool2d(cupy, _contiguous(x), win,
                                                kernels.max_blocks(self.index))
        self._run(launches)
        return y, (indices if with_indices else None)

    @on_device
    def max_pool2d_backward(self, gy, indices, x_shape, win):
        if not (_kernel_dtype(gy) and isinstance(indices, cupy.ndarray) and indices.dtype == _INT64):
            return super().max_pool2d_backward(gy, indices, x_shape, win)
        gx, launches = plans.max_pool2d_backward(cupy, _contiguous(gy), _contiguous(indices),
                                                 x_shape, win, kernels.max_blocks(self.index))
        self._run(launches)
        return gx

    @on_device
    def avg_pool2d(self, x, win, count_include_pad, divisor_override):
        if not _kernel_dtype(x):
            return super().avg_pool2d(x, win, count_include_pad, divisor_override)
        y, launches = plans.avg_pool2d(cupy, _contiguous(x), win, count_include_pad,
                                       divisor_override, kernels.max_blocks(self.index))
        self._run(launches)
        return y

    @on_device
    def avg_pool2d_backward(self, gy, win, count_include_pad, divisor_override, x_shape):
        if not _kernel_dtype(gy):
            return super().avg_pool2d_backward(gy, win, count_include_pad, divisor_override, x_shape)
        gx, launches = plans.avg_pool2d_backward(cupy, _contiguous(gy), win, count_include_pad,
                                                 divisor_override, x_shape,
                                                 kernels.max_blocks(self.index))
        self._run(launches)
        return gx
