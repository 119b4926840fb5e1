"""Elementwise fusion: ``fuse`` turns a Python function of elementwise tensor ops into one kernel
for its forward and one for its backward (see ``function.py``), and ``erf``.

    trace.py       runs the function on symbolic Tensors, recording an expression graph
    graph.py       the graph: nodes, the hash-consing builder (CSE), finished Programs
    derivative.py  reverse-mode symbolic differentiation of a Program
    codegen.py     the CUDA source of a Program (the numpy evaluation is backend/fused.py)
    function.py    the ``fuse`` decorator and the graph node of a fused call
"""
from .erf import erf
from .function import FusedFunction, fuse

__all__ = ["fuse", "FusedFunction", "erf"]
