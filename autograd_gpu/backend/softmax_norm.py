"""Backend primitives for softmax, log_softmax, cross-entropy, BCE-with-logits and batch norm, written with ``self.xp``.

The cpu backend uses these as they are; ``cuda_softmax_norm.CudaSoftmaxNorm`` overrides them with raw kernels.
"""


class SoftmaxNormPrimitives:
    pass
