"""Backend primitives for convolution (im2col/col2im) and pooling, written with ``self.xp``.

The cpu backend uses these as they are; ``cuda_conv_pool.CudaConvPool`` overrides them with raw kernels.
"""


class ConvPoolPrimitives:
    pass
