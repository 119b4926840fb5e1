"""Flatten and Unflatten: reshape layers for moving between conv feature maps and vectors."""
from ...tensor import AttributeTypeError, Tensor
from ..module import Module


class Flatten(Module):
    """Flattens dims ``start_dim..end_dim`` (by default everything but the batch dimension)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expands dimension ``dim`` into ``unflattened_size``."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):
        if not isinstance(input, Tensor):
            # torch's wording (its forward calls input.unflatten), caught as a TypeError too
            raise AttributeTypeError(f"'{type(input).__name__}' object has no attribute "
                                     "'unflatten'")
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
