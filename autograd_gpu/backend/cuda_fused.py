"""The generated-kernel versions of the ``autograd_gpu.fuse`` primitives (see ``fused.FusedPrimitives``)."""


class CudaFused:
    pass
