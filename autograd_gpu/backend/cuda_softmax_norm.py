"""The raw-kernel versions of the softmax, log_softmax, cross-entropy, BCE-with-logits and batch norm primitives (see ``softmax_norm.SoftmaxNormPrimitives``)."""


class CudaSoftmaxNorm:
    pass
