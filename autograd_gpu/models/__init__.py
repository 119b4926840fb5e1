"""torchvision.models' ResNets (``resnet18``, ``resnet34``, ``resnet50``) with torchvision's
architecture and state_dict keys; ``weights=`` takes a checkpoint path."""
from . import resnet
from .resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50

__all__ = ["ResNet", "BasicBlock", "Bottleneck", "resnet18", "resnet34", "resnet50", "resnet"]
