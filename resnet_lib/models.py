"""ResNet models: the ImageNet family (ResNet-18 ... 152) and the CIFAR family (6n+2).

One class, :class:`ResNet`, builds both: a stem, a list of stages of residual blocks
whose widths double while the feature map halves, global average pooling and a linear
classifier. Attribute names follow torchvision (``conv1``, ``bn1``, ``relu``, ``maxpool``,
``layer1`` ... ``layer4``, ``avgpool``, ``fc``, and ``downsample`` inside blocks), so a
torchvision ``state_dict`` loads into :func:`resnet50` with ``strict=True`` and back.

Stem ``"imagenet"``: 7x7/2 convolution + 3x3/2 max pool (224x224 -> 56x56).
Stem ``"cifar"``: one 3x3 convolution, no pooling (32x32 stays 32x32), paper section 4.2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, Union

import torch
from torch import Tensor, nn

from .blocks import check_shortcut_option, get_block

STEMS = ("imagenet", "cifar")

#: blocks per stage for the paper's ImageNet models (Table 1)
IMAGENET_SPECS: dict[int, tuple[str, tuple[int, ...]]] = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}


@dataclass(frozen=True)
class ResNetConfig:
    """Everything that defines a ResNet architecture; ``ResNet.from_config`` builds it.

    Args:
        block: ``"basic"`` (two 3x3 convs, expansion 1) or ``"bottleneck"`` (expansion 4).
        layers: blocks per stage, e.g. ``(3, 4, 23, 3)`` for ResNet-101.
        base_width: channels of the first stage; stage ``i`` has ``base_width * 2**i``.
        stem: ``"imagenet"`` (7x7/2 conv + max pool) or ``"cifar"`` (3x3 conv).
        shortcut: the paper's option ``"A"``, ``"B"`` or ``"C"``.
        plain: drop every shortcut (the paper's plain twins).
        preact: full pre-activation units ("Identity Mappings").
        num_classes: outputs of the final linear layer.
        in_channels: channels of the input image.
        zero_init_residual: start each residual branch's last BatchNorm scale at 0, so
            every block starts as the identity.
    """

    block: str = "basic"
    layers: tuple[int, ...] = (2, 2, 2, 2)
    base_width: int = 64
    stem: str = "imagenet"
    shortcut: str = "B"
    plain: bool = False
    preact: bool = False
    num_classes: int = 1000
    in_channels: int = 3
    zero_init_residual: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", _check_layers(self.layers))
        get_block(self.block, self.plain, self.preact)  # validates the three together
        object.__setattr__(self, "block", self.block.lower())
        object.__setattr__(self, "shortcut", check_shortcut_option(self.shortcut))
        if self.stem not in STEMS:
            raise ValueError(f"unknown stem {self.stem!r}; allowed: 'imagenet', 'cifar'")
        for name in ("base_width", "num_classes", "in_channels"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive integer; got {value!r}")
        if self.zero_init_residual and self.plain:
            raise ValueError(
                "zero_init_residual=True needs residual blocks: in a plain net a zeroed "
                "BatchNorm would cut the signal, since no shortcut carries it past the block"
            )

    @property
    def block_class(self) -> type[nn.Module]:
        return get_block(self.block, self.plain, self.preact)

    @property
    def stage_widths(self) -> tuple[int, ...]:
        """Planes of each stage (before expansion): base, 2*base, 4*base, ..."""
        return tuple(self.base_width * 2**i for i in range(len(self.layers)))

    @property
    def out_channels(self) -> int:
        """Channels entering the classifier."""
        return self.stage_widths[-1] * self.block_class.expansion


def _check_layers(layers: Sequence[int]) -> tuple[int, ...]:
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise ValueError(f"layers must be a list of blocks per stage, e.g. [2, 2, 2, 2]; got {layers!r}")
    if len(layers) == 0:
        raise ValueError("layers must list at least one stage; got an empty list")
    bad = [n for n in layers if isinstance(n, bool) or not isinstance(n, int) or n <= 0]
    if bad:
        raise ValueError(f"every stage needs a positive whole number of blocks; got {list(layers)!r}")
    return tuple(layers)


def make_stage(
    block: type[nn.Module],
    in_channels: int,
    planes: int,
    blocks: int,
    stride: int,
    shortcut: str,
) -> tuple[nn.Sequential, int]:
    """Build one stage: ``blocks`` blocks, the first with ``stride``; a pure function.

    Only the first block can change the shape (stride 2, or ``in_channels !=
    planes * expansion``); that is where option B puts its projection shortcut.

    Returns:
        The stage and its output channels ``planes * block.expansion``.
    """
    out_channels = planes * block.expansion
    layers = [block(in_channels, planes, stride, shortcut)]
    layers += [block(out_channels, planes, 1, shortcut) for _ in range(blocks - 1)]
    return nn.Sequential(*layers), out_channels


class ResNet(nn.Module):
    """A ResNet for ImageNet (``stem="imagenet"``) or CIFAR (``stem="cifar"``).

    ``(N, in_channels, H, W) -> (N, num_classes)`` logits.

    The signature starts like torchvision's ``ResNet(block, layers, num_classes,
    zero_init_residual)``; ``block`` may be a block class or a name.
    """

    def __init__(
        self,
        block: Union[str, type[nn.Module]] = "basic",
        layers: Sequence[int] = (2, 2, 2, 2),
        num_classes: int = 1000,
        zero_init_residual: bool = False,
        *,
        base_width: int = 64,
        stem: str = "imagenet",
        shortcut: str = "B",
        plain: bool = False,
        preact: bool = False,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        if isinstance(block, type):
            from .blocks import BLOCKS

            matches = [key for key, cls in BLOCKS.items() if cls is block]
            if not matches:
                raise ValueError(f"unknown block class {block.__name__}; use 'basic' or 'bottleneck'")
            block, plain, preact = matches[0]
        cfg = ResNetConfig(
            block=block, layers=layers,
            base_width=base_width, stem=stem, shortcut=shortcut, plain=plain, preact=preact,
            num_classes=num_classes, in_channels=in_channels,
            zero_init_residual=zero_init_residual,
        )
        self.config = cfg
        block_cls = cfg.block_class
        width = cfg.base_width

        # Stem. Pre-activation CIFAR nets start with a bare conv: the first unit's BN-ReLU follows.
        if cfg.stem == "imagenet":
            self.conv1 = nn.Conv2d(cfg.in_channels, width, 7, stride=2, padding=3, bias=False)
            self.maxpool: nn.Module = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        else:
            self.conv1 = nn.Conv2d(cfg.in_channels, width, 3, stride=1, padding=1, bias=False)
            self.maxpool = nn.Identity()
        bare_stem = cfg.preact and cfg.stem == "cifar"
        self.bn1: nn.Module = nn.Identity() if bare_stem else nn.BatchNorm2d(width)
        self.relu: nn.Module = nn.Identity() if bare_stem else nn.ReLU(inplace=True)

        self.stage_names: list[str] = []
        channels = width
        for i, (planes, blocks) in enumerate(zip(cfg.stage_widths, cfg.layers)):
            stage, channels = make_stage(
                block_cls, channels, planes, blocks, 1 if i == 0 else 2, cfg.shortcut
            )
            name = f"layer{i + 1}"
            self.add_module(name, stage)
            self.stage_names.append(name)

        # Pre-activation nets end with BN-ReLU, since their units end with a conv.
        self.final_norm: nn.Module = (
            nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU(inplace=True)) if cfg.preact else nn.Identity()
        )
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, cfg.num_classes)
        self._init_weights(cfg.zero_init_residual)

    @classmethod
    def from_config(cls, config: ResNetConfig) -> "ResNet":
        return cls(
            config.block, config.layers, config.num_classes, config.zero_init_residual,
            base_width=config.base_width, stem=config.stem, shortcut=config.shortcut,
            plain=config.plain, preact=config.preact, in_channels=config.in_channels,
        )

    def _init_weights(self, zero_init_residual: bool) -> None:
        # As torchvision: He initialisation (fan_out) for convs, BN as the identity map.
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        if zero_init_residual:
            for m in self.modules():
                if getattr(m, "residual", False) and hasattr(m, "last_bn"):
                    nn.init.zeros_(m.last_bn().weight)

    def blocks(self) -> list[nn.Module]:
        """All residual (or plain) blocks, in input-to-output order."""
        return [b for name in self.stage_names for b in getattr(self, name)]

    def check_input(self, x: Tensor) -> None:
        """Raise a ``ValueError`` for an input that is not ``(N, in_channels, H, W)``."""
        expected = self.config.in_channels
        if not isinstance(x, Tensor):
            raise TypeError(f"expected a torch.Tensor of shape (N, {expected}, H, W); got {type(x).__name__}")
        if x.dim() != 4 or x.shape[1] != expected:
            raise ValueError(
                f"expected input of shape (N, {expected}, H, W); got {tuple(x.shape)}"
            )

    def forward_features(self, x: Tensor) -> Tensor:
        """``(N, C_in, H, W) -> (N, C_out, H', W')``: everything before pooling."""
        self.check_input(x)
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))  # (N, base, H/4, W/4) for imagenet
        for name in self.stage_names:
            x = getattr(self, name)(x)
        return self.final_norm(x)

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.forward_features(x))  # (N, C_out, 1, 1)
        return self.fc(torch.flatten(x, 1))  # (N, num_classes)


def imagenet_resnet(depth: int, **kwargs) -> ResNet:
    """The paper's ImageNet ResNet of the given depth (18, 34, 50, 101 or 152).

    Keyword arguments go to :class:`ResNet` (``num_classes``, ``zero_init_residual``,
    ``plain``, ``shortcut``, ``preact``, ...).
    """
    if depth not in IMAGENET_SPECS or isinstance(depth, bool):
        raise ValueError(
            f"ImageNet ResNet depth must be one of {', '.join(map(str, IMAGENET_SPECS))}; got {depth!r}"
        )
    block, layers = IMAGENET_SPECS[depth]
    return ResNet(block, layers, **kwargs)


def resnet18(*, num_classes: int = 1000, zero_init_residual: bool = False, plain: bool = False, **kwargs) -> ResNet:
    """ResNet-18 (torchvision-compatible). ``plain=True`` gives the paper's plain-18."""
    return imagenet_resnet(18, num_classes=num_classes, zero_init_residual=zero_init_residual, plain=plain, **kwargs)


def resnet34(*, num_classes: int = 1000, zero_init_residual: bool = False, plain: bool = False, **kwargs) -> ResNet:
    """ResNet-34 (torchvision-compatible). ``plain=True`` gives the paper's plain-34."""
    return imagenet_resnet(34, num_classes=num_classes, zero_init_residual=zero_init_residual, plain=plain, **kwargs)


def resnet50(*, num_classes: int = 1000, zero_init_residual: bool = False, plain: bool = False, **kwargs) -> ResNet:
    """ResNet-50 (torchvision-compatible, stride on the 3x3 conv: "V1.5")."""
    return imagenet_resnet(50, num_classes=num_classes, zero_init_residual=zero_init_residual, plain=plain, **kwargs)


def resnet101(*, num_classes: int = 1000, zero_init_residual: bool = False, plain: bool = False, **kwargs) -> ResNet:
    """ResNet-101 (torchvision-compatible)."""
    return imagenet_resnet(101, num_classes=num_classes, zero_init_residual=zero_init_residual, plain=plain, **kwargs)


def resnet152(*, num_classes: int = 1000, zero_init_residual: bool = False, plain: bool = False, **kwargs) -> ResNet:
    """ResNet-152 (torchvision-compatible)."""
    return imagenet_resnet(152, num_classes=num_classes, zero_init_residual=zero_init_residual, plain=plain, **kwargs)


def cifar_depth_to_blocks(depth: int, block: str = "basic") -> int:
    """Blocks per stage ``n`` for a CIFAR ResNet: depth = 6n+2 (basic) or 9n+2 (bottleneck)."""
    per_block = {"basic": 2, "bottleneck": 3}
    if block not in per_block:
        raise ValueError(f"unknown block {block!r}; allowed: 'basic', 'bottleneck'")
    k = 3 * per_block[block]  # weighted layers per "n": three stages of 2 or 3 convs
    examples = "20, 32, 44, 56, 110, 1202" if block == "basic" else "29, 47, 110, 164, 1001"
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < k + 2 or (depth - 2) % k:
        raise ValueError(
            f"CIFAR ResNet depth with {block} blocks must be {k}n+2 with n >= 1 "
            f"({examples}, ...); got {depth!r}"
        )
    return (depth - 2) // k


def cifar_resnet(
    depth: int,
    shortcut: str = "A",
    plain: bool = False,
    preact: bool = False,
    num_classes: int = 10,
    *,
    block: str = "basic",
    base_width: int = 16,
    zero_init_residual: bool = False,
    in_channels: int = 3,
) -> ResNet:
    """The paper's CIFAR-10 ResNet (section 4.2): 6n+2 weighted layers.

    A 3x3 conv with 16 filters, three stages of ``n`` blocks with 16, 32 and 64 filters on
    32x32, 16x16 and 8x8 maps, global average pooling and a ``num_classes``-way linear
    layer. Option A shortcuts by default, so ResNet and plain twin have equal parameters.
    ``block="bottleneck"`` gives the 9n+2 family of "Identity Mappings" (ResNet-164).
    """
    n = cifar_depth_to_blocks(depth, block)
    return ResNet(
        block, (n, n, n), num_classes, zero_init_residual, base_width=base_width, stem="cifar",
        shortcut=shortcut, plain=plain, preact=preact, in_channels=in_channels,
    )
