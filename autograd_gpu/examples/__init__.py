"""Runnable examples of the library on real data.

``python -m autograd_gpu.examples.finetune`` (console script ``autograd-gpu-finetune``) pretrains
a small ResNet on some of scikit-learn's handwritten digits and fine-tunes a new classifier head on
the other digits with the backbone frozen: the tutorials' transfer-learning pattern, end to end.

The examples need packages the library itself does not: ``pip install 'autograd_gpu[examples]'``.
"""
import importlib

INSTALL_HINT = "pip install 'autograd_gpu[examples]'"


class MissingDependencyError(ImportError):
    """An example needs a package that is not installed; the message says how to install it."""


def import_optional(name, purpose):
    """Imports the module ``name``, or raises MissingDependencyError naming ``purpose`` and the
    extra that installs it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        top = name.partition(".")[0]
        package = {"sklearn": "scikit-learn"}.get(top, top)
        raise MissingDependencyError(f"{purpose} needs {package}, which is not installed: "
                                     f"{INSTALL_HINT}") from None
