"""Backend primitives for ``autograd_gpu.fuse``: evaluating a traced elementwise expression, written
with ``self.xp``. The cpu backend uses these as they are; ``cuda_fused.CudaFused`` runs the generated
CUDA kernel instead.
"""


class FusedPrimitives:
    pass
