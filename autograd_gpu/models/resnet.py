"""torchvision's ResNet-18/34/50: the same modules, attribute names (so the same state_dict keys as
torchvision's checkpoints), initialisation, forward and printed form.

``weights=`` takes the path of a checkpoint (a torchvision ``.pth``, a ``.safetensors`` or an
``.npz`` file of the state dict) instead of torchvision's weight enums: nothing is downloaded here.
"""
import os
import re
import warnings
from collections.abc import Mapping

from .. import nn
from ..serialization import load
from ..tensor import Tensor

__all__ = ["ResNet", "BasicBlock", "Bottleneck", "resnet18", "resnet34", "resnet50"]


def conv3x3(in_planes, out_planes, stride=1, groups=1, dilation=1):
    """3x3 convolution with padding"""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation,
                     groups=groups, bias=False, dilation=dilation)


def conv1x1(in_planes, out_planes, stride=1):
    """1x1 convolution"""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions and a shortcut (ResNet-18/34)."""

    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64,
                 dilation=1, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        # Both self.conv1 and self.downsample layers downsample the input when stride != 1
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3, 1x1 expand (by ``expansion`` = 4) and a shortcut (ResNet-50 and deeper).

    As torchvision's (ResNet V1.5), the stride sits on the 3x3 convolution ``conv2`` rather than
    on the first 1x1 convolution of the original paper."""

    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64,
                 dilation=1, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        # Both self.conv2 and self.downsample layers downsample the input when stride != 1
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNet(nn.Module):
    """Stem (7x7/2 conv, BN, ReLU, 3x3/2 max pool), four stages of ``block``s (``layers`` blocks
    each, 64/128/256/512 planes, stride 2 from the second stage on), global average pool, ``fc``.

    Convolutions get kaiming_normal_(fan_out, relu), BatchNorms weight 1 and bias 0;
    ``zero_init_residual`` zeroes the last BN weight of each residual branch, so that every block
    starts as the identity (https://arxiv.org/abs/1706.02677)."""

    def __init__(self, block, layers, num_classes=1000, zero_init_residual=False, groups=1,
                 width_per_group=64, replace_stride_with_dilation=None, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self._norm_layer = norm_layer

        self.inplanes = 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            # each element says whether a stage's stride 2 becomes a dilated convolution instead
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError("replace_stride_with_dilation should be None "
                             f"or a 3-element tuple, got {replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2,
                                       dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2,
                                       dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2,
                                       dilate=replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck) and m.bn3.weight is not None:
                    nn.init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        """One stage: the first block changes the width/stride (with a 1x1 conv + BN shortcut
        when the shapes differ), the others keep them."""
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride),
                norm_layer(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width,
                        previous_dilation, norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups,
                                base_width=self.base_width, dilation=self.dilation,
                                norm_layer=norm_layer))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.avgpool(x).flatten(1)
        return self.fc(x)


# -- constructors and checkpoints ------------------------------------------------------------------

# torchvision's weight names, as strings: "DEFAULT", "IMAGENET1K_V1", "ResNet18_Weights.DEFAULT"
_WEIGHT_NAME = re.compile(r"^(ResNet\d+_Weights\.)?(DEFAULT|IMAGENET1K_V\d+)$")
_CHECKPOINT_FILES = {"resnet18": "resnet18-f37072fd.pth", "resnet34": "resnet34-b627a593.pth",
                     "resnet50": "resnet50-0676ba61.pth"}


def _no_download(arch, what):
    name = _CHECKPOINT_FILES[arch]
    return ValueError(
        f"{arch}(): {what} asks for torchvision's pretrained weights, which autograd_gpu cannot "
        f"download. Fetch the checkpoint elsewhere (e.g. "
        f"https://download.pytorch.org/models/{name}, or "
        f"torch.save(torchvision_model.state_dict(), path)) and pass its path: "
        f"{arch}(weights='{name}'). A torch .pth, a .safetensors or an .npz state dict is read.")


def _read_checkpoint(arch, weights):
    """The state dict stored at the path ``weights`` (tensors on the cpu)."""
    if isinstance(weights, str) and _WEIGHT_NAME.match(weights):
        raise _no_download(arch, f"weights={weights!r}")
    if not isinstance(weights, (str, os.PathLike)):
        raise _no_download(arch, f"weights={weights!r} (a {type(weights).__name__}, not a path)")
    state_dict = load(weights, map_location="cpu")
    if not (isinstance(state_dict, Mapping)
            and all(isinstance(k, str) and isinstance(v, Tensor) for k, v in state_dict.items())):
        raise ValueError(f"{arch}(): {os.fspath(weights)} does not hold a state dict (a mapping of "
                         f"parameter names to tensors) but a {type(state_dict).__name__}; save "
                         "model.state_dict() itself")
    return state_dict


def _legacy_pretrained(arch, weights, kwargs):
    """torchvision < 0.13's ``pretrained=``: False means ``weights=None`` (with torchvision's
    deprecation warning); True would download, so it raises."""
    if "pretrained" not in kwargs:
        return weights
    pretrained = kwargs.pop("pretrained")
    if weights is not None:
        raise TypeError(f"{arch}(): pass either weights= or the deprecated pretrained=, not both")
    warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed in the "
                  "future, please use 'weights' instead.", UserWarning, stacklevel=3)
    if pretrained:
        raise _no_download(arch, f"pretrained={pretrained!r}")
    return None


def _resnet(arch, block, layers, weights, kwargs):
    weights = _legacy_pretrained(arch, weights, kwargs)
    if weights is None:
        return ResNet(block, layers, **kwargs)
    state_dict = _read_checkpoint(arch, weights)
    fc_weight = state_dict.get("fc.weight")
    if fc_weight is not None:
        # as torchvision sizes the head from the weights' categories
        kwargs.setdefault("num_classes", fc_weight.shape[0])
    model = ResNet(block, layers, **kwargs)
    model.load_state_dict(state_dict)
    return model


def resnet18(*, weights=None, progress=True, **kwargs):
    """ResNet-18 (https://arxiv.org/abs/1512.03385). ``weights``: None (random init) or the path
    of a checkpoint, whose ``fc`` sets ``num_classes`` unless given; ``progress`` is accepted for
    torchvision compatibility (nothing is downloaded); ``kwargs`` go to ``ResNet``."""
    return _resnet("resnet18", BasicBlock, [2, 2, 2, 2], weights, kwargs)


def resnet34(*, weights=None, progress=True, **kwargs):
    """ResNet-34; the arguments are resnet18's."""
    return _resnet("resnet34", BasicBlock, [3, 4, 6, 3], weights, kwargs)


def resnet50(*, weights=None, progress=True, **kwargs):
    """ResNet-50 (Bottleneck blocks, torchvision's V1.5); the arguments are resnet18's."""
    return _resnet("resnet50", Bottleneck, [3, 4, 6, 3], weights, kwargs)
