"""The bug bank's code: ResNet pieces, each with one bug that real implementations shipped.

Every class and function here runs without an error on the inputs it was written for;
that is why such bugs survive. Each differs from resnet_lib and torchvision in one way,
which :func:`resnet_lib.exercises.bugbank.check_fix` names. The docstrings say what the
code is *meant* to do, and the code has no comment pointing at its bug: finding it is the
exercise. Nothing in the library imports these.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ...nn.blocks import BasicBlock, conv1x1, conv3x3, make_shortcut


class StrideOnceCifarResNet(nn.Module):
    """The paper's CIFAR-10 ResNet (6n+2 layers): 16, 32 and 64 filters on
    32x32, 16x16 and 8x8 maps, option A shortcuts (He et al. 2016, section
    4.2).

    ``(N, 3, 32, 32) -> (N, num_classes)``; ``n`` blocks per stage.
    """

    def __init__(self, n: int = 3, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.in_channels = 16
        self.stride = 1
        self.layer1 = self._make_layer(16, n)
        self.stride = 2  # the next stages halve the map
        self.layer2 = self._make_layer(32, n)
        self.layer3 = self._make_layer(64, n)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes)

    def _make_layer(self, planes: int, blocks: int) -> nn.Sequential:
        layers = []
        for _ in range(blocks):
            layers.append(
                BasicBlock(self.in_channels, planes, self.stride, shortcut="A")
            )
            self.in_channels = planes
            self.stride = 1  # the other blocks of a stage keep the size
        return nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        x = self.relu(self.bn1(self.conv1(x)))  # (N, 16, 32, 32)
        x = self.layer3(self.layer2(self.layer1(x)))  # (N, 64, 8, 8)
        return self.fc(torch.flatten(self.avgpool(x), 1))  # (N, num_classes)


class GroupWidthResNeXtBlock(nn.Module):
    """ResNeXt bottleneck (Xie et al. 2017): 1x1 -> grouped 3x3 -> 1x1,
    expanding by 4.

    "32x4d", as torchvision's ``resnext50_32x4d``: ``cardinality`` = 32 groups,
    each ``base_width`` = 4 channels wide in the first stage, so the grouped
    3x3 has ``planes * base_width / 64 * cardinality`` channels (128 for
    ``planes=64``).
    ``(N, in_channels, H, W) -> (N, 4 * planes, H/stride, W/stride)``.
    """

    expansion = 4

    def __init__(
        self,
        in_channels: int,
        planes: int,
        stride: int = 1,
        cardinality: int = 32,
        base_width: int = 4,
    ) -> None:
        super().__init__()
        width = int(planes * (base_width / 64.0)) * cardinality
        out_channels = planes * self.expansion
        self.conv1 = conv1x1(in_channels, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(
            width,
            width,
            3,
            stride=stride,
            padding=1,
            groups=base_width,
            bias=False,
        )
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = conv1x1(width, out_channels)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = make_shortcut("B", in_channels, out_channels, stride)

    def forward(self, x: Tensor) -> Tensor:
        identity = self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class DoubleReluBlock(nn.Module):
    """BasicBlock: two conv-BN-ReLU units and a shortcut (option B), ReLU after
    the sum.

    ``(N, in_channels, H, W) -> (N, planes, H/stride, W/stride)``.
    """

    def __init__(self, in_channels: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.unit1 = self._conv_bn_relu(in_channels, planes, stride)
        self.unit2 = self._conv_bn_relu(planes, planes, 1)
        self.shortcut = make_shortcut("B", in_channels, planes, stride)

    @staticmethod
    def _conv_bn_relu(
        in_channels: int, out_channels: int, stride: int
    ) -> nn.Sequential:
        return nn.Sequential(
            conv3x3(in_channels, out_channels, stride),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )

    def forward(self, x: Tensor) -> Tensor:
        out = self.unit2(self.unit1(x))  # F(x)
        return F.relu(out + self.shortcut(x))  # relu(F(x) + x)


class RawInputPreActBlock(nn.Module):
    """Full pre-activation basic unit (He et al., "Identity Mappings", 2016,
    Fig. 4e).

    BN -> ReLU -> conv -> BN -> ReLU -> conv, plus the shortcut, no ReLU after
    the sum. Where the shape changes the shortcut is a bare 1x1 projection, as
    in the authors' ResNet-1001 code.
    ``(N, in_channels, H, W) -> (N, planes, H/stride, W/stride)``.
    """

    def __init__(self, in_channels: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = conv3x3(in_channels, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes)
        self.downsample = make_shortcut(
            "B", in_channels, planes, stride, norm=False
        )

    def forward(self, x: Tensor) -> Tensor:
        pre = F.relu(self.bn1(x))  # the pre-activation
        out = self.conv1(pre)
        out = self.conv2(F.relu(self.bn2(out)))
        return out + self.downsample(x)


class StrideOnlyProjectionBottleneck(nn.Module):
    """Bottleneck (torchvision's, "V1.5"): 1x1 reduce -> 3x3 (with the stride)
    -> 1x1 expand by 4, BatchNorm after each, and a shortcut: the identity, or
    a 1x1 projection with BatchNorm where the block changes the shape
    (option B).
    ``(N, in_channels, H, W) -> (N, 4 * planes, H/stride, W/stride)``.
    """

    expansion = 4

    def __init__(self, in_channels: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        out_channels = planes * self.expansion
        self.conv1 = conv1x1(in_channels, planes)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, out_channels)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample: nn.Module = nn.Identity()
        if stride != 1:  # the block changes the shape
            self.downsample = nn.Sequential(
                conv1x1(in_channels, out_channels, stride),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + self.downsample(x))


class V1StrideBottleneck(nn.Module):
    """Bottleneck meant to load torchvision's ResNet-50 weights (attribute
    names match).

    1x1 reduce -> 3x3 -> 1x1 expand by 4, BatchNorm after each, projection
    shortcut where the shape changes.
    ``(N, in_channels, H, W) -> (N, 4 * planes, H/stride, W/stride)``.
    """

    expansion = 4

    def __init__(self, in_channels: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        out_channels = planes * self.expansion
        self.conv1 = conv1x1(in_channels, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, out_channels)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = make_shortcut("B", in_channels, out_channels, stride)

    def forward(self, x: Tensor) -> Tensor:
        identity = self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


def measure_gradient_norms(
    model: nn.Module, inputs: Tensor, targets: Tensor
) -> list[float]:
    """Gradient norm of every Conv2d and Linear weight, as a training step sees
    them.

    BatchNorm normalises with the batch's statistics, as in a training step.
    Returns one norm per layer, in ``model.modules()`` order. A measurement:
    the model is left as it was found.
    """
    model.train()
    loss = F.cross_entropy(model(inputs), targets)
    weights = [
        m.weight
        for m in model.modules()
        if isinstance(m, (nn.Conv2d, nn.Linear))
    ]
    grads = torch.autograd.grad(loss, weights)
    return [g.norm().item() for g in grads]
