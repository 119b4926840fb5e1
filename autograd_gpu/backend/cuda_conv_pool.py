"""The raw-kernel versions of the convolution (im2col/col2im) and pooling primitives (see ``conv_pool.ConvPoolPrimitives``)."""


class CudaConvPool:
    pass
