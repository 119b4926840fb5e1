"""Tensor formatting: a port of PyTorch's ``torch/_tensor_str.py`` (torch 2.13) to numpy arrays.

``tensor_repr`` produces, byte for byte, what ``repr(torch.Tensor)`` prints for a dense tensor
with the same values: the same choice between integer, fixed-point and scientific notation, the
same column widths, summarisation (``...``) past ``threshold`` elements, line wrapping at
``linewidth`` and placement of the trailing ``key=value`` suffixes.  The print options and their
profiles are torch's, and ``set_printoptions``/``printoptions`` change them the way torch's do.

Every function works on a host numpy array; the caller copies device arrays to the host first.
"""
import contextlib
import dataclasses
import math

from .backend.cpu import numpy as np

__all__ = [
    "get_printoptions",
    "needs_dtype_suffix",
    "printoptions",
    "set_printoptions",
    "tensor_repr",
    "tensor_str",
]

_PREFIX = "tensor("


@dataclasses.dataclass
class _PrinterOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrinterOptions()

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(
    precision=None,
    threshold=None,
    edgeitems=None,
    linewidth=None,
    profile=None,
    sci_mode=None,
):
    """Set the options for printing tensors, as ``torch.set_printoptions``.

    ``profile`` (``"default"``, ``"short"`` or ``"full"``) sets the four numeric options first; any
    of them passed explicitly then overrides it.  ``sci_mode`` is always replaced: ``None`` (the
    default) lets the formatter choose scientific notation itself.
    """
    if profile is not None:
        for name, value in _PROFILES.get(profile, {}).items():
            setattr(PRINT_OPTS, name, value)
    overrides = {
        "precision": precision,
        "threshold": threshold,
        "edgeitems": edgeitems,
        "linewidth": linewidth,
    }
    for name, value in overrides.items():
        if value is not None:
            setattr(PRINT_OPTS, name, value)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current print options, as a dict that ``set_printoptions(**options)`` accepts."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options; takes the arguments of ``set_printoptions``."""
    old_options = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old_options)


def needs_dtype_suffix(array_dtype_name, default_float_name, is_empty=False):
    """Whether the repr of a tensor of this dtype shows ``dtype=...``.

    Torch leaves the dtype out for the default float dtype, int64 and bool; an empty tensor has no
    elements to tell int64 from the rest, so it shows every dtype but the default float one.
    """
    if array_dtype_name == default_float_name:
        return False
    return is_empty or array_dtype_name not in ("int64", "bool")


class _Formatter:
    """Chooses one width and notation for all elements of a tensor (torch's ``_Formatter``)."""

    def __init__(self, array):
        self.floating_dtype = np.issubdtype(array.dtype, np.floating)
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if self.floating_dtype:
            self._fit_floats(array.reshape(-1))
        else:
            self.max_width = max([1] + [len(f"{value}") for value in array.reshape(-1).tolist()])

    def _fit_floats(self, flat):
        values = flat[np.isfinite(flat) & (flat != 0)]
        if values.size == 0:
            return  # no finite nonzero value: as torch, even a forced sci_mode is ignored
        magnitudes = np.abs(values).astype(np.float64)
        smallest, largest = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(values == np.ceil(values)))
        if PRINT_OPTS.sci_mode is None:
            ratio = largest / smallest
            self.sci_mode = bool(ratio > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4)
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        self.max_width = max(len(s) for s in self._width_strings(values.tolist()))

    def _width_strings(self, values):
        precision = PRINT_OPTS.precision
        if self.sci_mode:
            return [f"{value:.{precision}e}" for value in values]
        if self.int_mode:
            return [f"{value:.0f}." for value in values]  # the "." that marks a float counts
        return [f"{value:.{precision}f}" for value in values]

    def width(self):
        return self.max_width

    def format(self, value):
        precision = PRINT_OPTS.precision
        if not self.floating_dtype:
            text = f"{value}"
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{precision}f}"
        return (self.max_width - len(text)) * " " + text


def _is_summarized_dim(length):
    return length > 2 * PRINT_OPTS.edgeitems


def _summarized_data(array):
    """The elements that a summarised print shows (torch's ``get_summarized_data``)."""
    edge = PRINT_OPTS.edgeitems
    if array.ndim == 0:
        return array
    if array.ndim == 1:
        if _is_summarized_dim(len(array)):
            return np.concatenate((array[:edge], array[-edge:]))  # as torch, -0: keeps everything
        return array
    if not edge:
        return np.empty((0,) * array.ndim, dtype=array.dtype)
    rows = range(len(array))
    if _is_summarized_dim(len(array)):
        rows = [*range(edge), *range(len(array) - edge, len(array))]
    return np.stack([_summarized_data(array[i]) for i in rows])


def _vector_str(array, indent, summarize, formatter):
    element_length = formatter.width() + 2  # the ", " between elements
    elements_per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    edge = PRINT_OPTS.edgeitems
    if summarize and not edge:
        data = ["..."]
    elif summarize and _is_summarized_dim(len(array)):
        data = (
            [formatter.format(value) for value in array[:edge].tolist()]
            + [" ..."]
            + [formatter.format(value) for value in array[-edge:].tolist()]
        )
    else:
        data = [formatter.format(value) for value in array.tolist()]
    lines = [
        ", ".join(data[i : i + elements_per_line]) for i in range(0, len(data), elements_per_line)
    ]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str_with_formatter(array, indent, summarize, formatter):
    if array.ndim == 0:
        return formatter.format(array.item())
    if array.ndim == 1:
        return _vector_str(array, indent, summarize, formatter)

    def sub(i):
        return _tensor_str_with_formatter(array[i], indent + 1, summarize, formatter)

    edge = PRINT_OPTS.edgeitems
    if summarize and _is_summarized_dim(len(array)):
        slices = [sub(i) for i in range(edge)] + ["..."]
        slices += [sub(i) for i in range(len(array) - edge, len(array))]
    else:
        slices = [sub(i) for i in range(len(array))]
    separator = "," + "\n" * (array.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(slices) + "]"


def tensor_str(array, indent=0):
    """The data part of a tensor's repr: the nested, bracketed elements (torch's ``_tensor_str``).

    ``indent`` is the column the opening bracket is printed at; continuation lines are aligned
    one column to its right.
    """
    array = np.asarray(array)
    if array.size == 0:
        return "[]"
    summarize = array.size > PRINT_OPTS.threshold
    formatter = _Formatter(_summarized_data(array) if summarize else array)
    return _tensor_str_with_formatter(array, indent, summarize, formatter)


def _add_suffixes(text, suffixes, indent):
    """Append ``, suffix`` items, wrapping one onto its own line when it would pass linewidth."""
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1  # torch's count, two over on the first line
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def _with_size_suffix(array, suffixes):
    """Insert ``size=(...)`` after any device suffix, where torch puts it."""
    position = sum(1 for suffix in suffixes if suffix.startswith("device="))
    return [*suffixes[:position], f"size={tuple(array.shape)}", *suffixes[position:]]


def tensor_repr(array, suffixes):
    """``repr`` of a dense tensor holding ``array``, as torch prints it.

    ``suffixes`` are the formatted ``key=value`` strings that follow the data, in torch's order
    (device, dtype, grad_fn or requires_grad); the ``size=`` suffix that torch shows for empty
    tensors of other than one dimension, and when ``edgeitems`` is 0, is added here.
    """
    array = np.asarray(array)
    suffixes = list(suffixes)
    shows_size = array.ndim != 1 if array.size == 0 else not PRINT_OPTS.edgeitems
    if shows_size:
        suffixes = _with_size_suffix(array, suffixes)
    return _add_suffixes(_PREFIX + tensor_str(array, len(_PREFIX)), suffixes, len(_PREFIX))
