"""The Device value: a kind ("cpu" or "cuda") and, for cuda, an index; printed as torch prints it."""


class device:
    """``device("cpu")``, ``device("cuda")``, ``device("cuda:1")``, ``device("cuda", 1)`` or a device.

    Lower-case like ``torch.device`` so that user code reads the same; immutable and hashable.
    """

    __slots__ = ("type", "index")

    def __new__(cls, type_or_spec, index=None):
        if isinstance(type_or_spec, device):
            return type_or_spec
        if not isinstance(type_or_spec, str):
            raise TypeError(f"device() expects a string such as 'cpu' or 'cuda:0', got {type_or_spec!r}")
        spec = type_or_spec.strip()
        kind, sep, idx = spec.partition(":")
        if sep:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {spec}")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{spec}'")
            index = int(idx)
        if kind not in ("cpu", "cuda"):
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {spec}")
        if index is not None:
            index = int(index)
            if index < 0:
                raise RuntimeError(f"Device index must not be negative, got {index}")
            if kind == "cpu" and index != 0:
                raise RuntimeError(f"CPU device index must be -1 or zero, got {index}")
            if kind == "cpu":
                index = None
        self = object.__new__(cls)
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "index", index)
        return self

    def __setattr__(self, name, value):
        raise AttributeError("device is immutable")

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __reduce__(self):
        return (device, (str(self),))


CPU = device("cpu")
