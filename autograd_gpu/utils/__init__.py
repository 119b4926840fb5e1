"""Utilities, as torch.utils: ``data`` (Dataset, DataLoader, random_split, ...)."""
from . import data

__all__ = ["data"]
