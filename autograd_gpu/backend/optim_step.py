"""Backend primitives for optimizer steps (one fused update per parameter group), written with ``self.xp``.

The cpu backend uses these as they are; ``cuda_optim_step.CudaOptimStep`` overrides them with raw kernels.
"""


class OptimStepPrimitives:
    pass
