"""Named results of ops that return several tensors (``x.max(dim)``), printed as torch's."""
from collections import namedtuple


def _structseq(name, fields):
    base = namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__})


max = _structseq("max", ["values", "indices"])
min = _structseq("min", ["values", "indices"])
median = _structseq("median", ["values", "indices"])
kthvalue = _structseq("kthvalue", ["values", "indices"])
sort = _structseq("sort", ["values", "indices"])
topk = _structseq("topk", ["values", "indices"])
cummax = _structseq("cummax", ["values", "indices"])
cummin = _structseq("cummin", ["values", "indices"])
aminmax = _structseq("aminmax", ["min", "max"])
