"""The raw-kernel versions of the optimizer steps (one fused update per parameter group) primitives (see ``optim_step.OptimStepPrimitives``)."""


class CudaOptimStep:
    pass
