"""What a view remembers of its base, so that in-place ops on views (or on their base) keep the
graph right, as torch's DifferentiableViewMeta does.

A tensor made by a view op (view, reshape as a view, transpose, slicing, select, expand, split...)
shares its input's memory and version counter. Its ``ViewInfo`` names the base (the first tensor
in the chain that is not itself a view), the chain of view ops that rebuilds the view from the
base, how it was created (torch's CreationMeta) and the version its grad_fn was made at. The ops
that use it are in ``ops/view_inplace.py``.
"""
from . import grad_mode

DEFAULT = "default"
NO_GRAD = "no_grad"  # made while grad mode was off: torch forbids recording an in-place op on it
MULTI_OUTPUT = "multi_output"  # one of several views (split, unbind): no in-place op either


class ViewInfo:
    __slots__ = ("base", "chain", "creation", "version")

    def __init__(self, base, chain, creation, version):
        self.base = base
        self.chain = chain  # ((view op class, its arguments after the input, output nr or None), ...)
        self.creation = creation
        self.version = version  # the version counter's value when the view's grad_fn was current


def derive(x, op_class, args, nr, multi):
    """The ViewInfo of ``op_class(x, *args)`` (its output ``nr`` where the op makes several)."""
    parent = x._view
    if parent is None:
        base, chain, creation = x, (), DEFAULT
    else:
        base, chain, creation = parent.base, parent.chain, parent.creation
    if not grad_mode._state.enabled:
        creation = NO_GRAD
    elif multi:
        creation = MULTI_OUTPUT
    return ViewInfo(base, chain + ((op_class, args, nr),), creation, x._version[0])


def rebase_error(view, op_name, output_nr, indirect):
    """torch's error for an in-place op on (or, ``indirect``, through the base of) a view whose
    creation forbids it (handle_view_on_rebase); ``op_name`` names the view's forward op, None
    where the view has no grad_fn."""
    modified = "its base or another view of its base has been" if indirect else "is being"
    if view.creation == NO_GRAD or op_name is None:
        prefix = (f"Output {output_nr} of {op_name} is a view of a view which was created in"
                  if op_name is not None else "A view was created in")
        msg = f"{prefix} no_grad mode and {modified} modified inplace with grad mode enabled."
    else:
        msg = f"Output {output_nr} of {op_name} is a view and {modified} modified inplace."
    if view.creation == MULTI_OUTPUT:
        msg += (" This view is the output of a function that returns multiple views. Such "
                "functions do not allow the output views to be modified inplace. You should replace "
                "the inplace operation by an out-of-place one.")
    else:
        msg += (" Given that this use case is ambiguous and error-prone, it is forbidden. You can "
                "clarify your code by moving both the view and the inplace either both inside the "
                "no_grad block (if you don't want the inplace to be tracked) or both outside (if you "
                "want the inplace to be tracked).")
    return RuntimeError(msg)
