"""Residual blocks and the shortcuts between them.

A residual block learns the *residual* ``F(x) = H(x) - x`` of the mapping ``H`` it
should represent, and outputs ``F(x) + x`` (He et al., "Deep Residual Learning for Image
Recognition", CVPR 2016, arXiv:1512.03385). If the best ``H`` is close to the identity,
the block only has to push ``F`` towards zero, which is easy for SGD.

Blocks, with torchvision's attribute names so that state_dicts are interchangeable:

* :class:`BasicBlock` -- two 3x3 convolutions, ``expansion = 1`` (ResNet-18/34, CIFAR).
* :class:`Bottleneck` -- 1x1 reduce, 3x3, 1x1 expand, ``expansion = 4`` (ResNet-50+).
* :class:`PlainBasicBlock`, :class:`PlainBottleneck` -- the same layers with no shortcut
  (the paper's "plain" twins).
* :class:`PreActBlock`, :class:`PreActBottleneck` -- full pre-activation units
  (BN -> ReLU -> conv, identity path untouched, no ReLU after the addition;
  He et al., "Identity Mappings in Deep Residual Networks", ECCV 2016).

Shortcuts (paper, section 3.3), built by :func:`make_shortcut`:

* option ``"A"``: identity; when the shape changes, subsample spatially and pad the extra
  channels with zeros (no parameters);
* option ``"B"``: identity where the shape is unchanged, a 1x1 projection + BatchNorm where
  it changes;
* option ``"C"``: a projection for every block.
"""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

SHORTCUT_OPTIONS = ("A", "B", "C")


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")


def _check_stride(stride: int) -> None:
    if isinstance(stride, bool) or not isinstance(stride, int) or stride not in (1, 2):
        raise ValueError(f"stride must be 1 or 2; got {stride!r}")


def check_shortcut_option(option: str) -> str:
    """Return the shortcut option in upper case, or raise a ``ValueError`` naming the choices."""
    if not isinstance(option, str) or option.upper() not in SHORTCUT_OPTIONS:
        raise ValueError(
            f"unknown shortcut option {option!r}; allowed: 'A' (zero-padding identity), "
            "'B' (projection where the shape changes), 'C' (projection everywhere)"
        )
    return option.upper()


def conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """3x3 convolution with padding 1 and no bias (BatchNorm follows)."""
    return nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)


def conv1x1(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """1x1 convolution with no bias."""
    return nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)


class PadShortcut(nn.Module):
    """Option A shortcut: identity that subsamples by ``stride`` and zero-pads new channels.

    ``(N, C_in, H, W) -> (N, C_out, H/stride, W/stride)``; the extra ``C_out - C_in``
    channels are zeros, appended after the input's channels. It has no parameters, so a
    ResNet with option A has exactly as many parameters as its plain twin.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        _check_positive(in_channels=in_channels, out_channels=out_channels)
        if out_channels < in_channels:
            raise ValueError(
                f"a zero-padding shortcut cannot reduce channels: {in_channels} -> {out_channels}"
            )
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def forward(self, x: Tensor) -> Tensor:
        x = x[:, :, :: self.stride, :: self.stride]  # (N, C_in, H/s, W/s)
        return F.pad(x, (0, 0, 0, 0, 0, self.out_channels - self.in_channels))

    def extra_repr(self) -> str:
        return f"{self.in_channels}->{self.out_channels}, stride={self.stride}"


def make_shortcut(
    option: str,
    in_channels: int,
    out_channels: int,
    stride: int = 1,
    norm: bool = True,
) -> nn.Module:
    """Build the shortcut of a block for the paper's option A, B or C.

    Args:
        option: ``"A"``, ``"B"`` or ``"C"`` (see the module docstring).
        in_channels, out_channels, stride: the block's input/output channels and stride.
        norm: follow a projection by BatchNorm (post-activation blocks, as torchvision);
            pre-activation blocks use a bare 1x1 convolution.

    Returns:
        ``nn.Identity()`` where nothing needs to change, :class:`PadShortcut` for option A,
        else ``nn.Sequential(conv1x1, BatchNorm2d)`` (torchvision's ``downsample``
        layout: keys ``downsample.0.weight``, ``downsample.1.*``).
    """
    option = check_shortcut_option(option)
    same_shape = stride == 1 and in_channels == out_channels
    if option == "A":
        return nn.Identity() if same_shape else PadShortcut(in_channels, out_channels, stride)
    if option == "B" and same_shape:
        return nn.Identity()
    conv = conv1x1(in_channels, out_channels, stride)
    return nn.Sequential(conv, nn.BatchNorm2d(out_channels)) if norm else nn.Sequential(conv)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with an identity (or projected) shortcut.

    ``(N, in_channels, H, W) -> (N, planes, H/stride, W/stride)``.
    Stage widths are multiplied by ``expansion`` to get a block's output channels.
    """

    expansion = 1
    residual = True

    def __init__(
        self, in_channels: int, planes: int, stride: int = 1, shortcut: str = "B"
    ) -> None:
        super().__init__()
        _check_positive(in_channels=in_channels, planes=planes)
        _check_stride(stride)
        out_channels = planes * self.expansion
        self.conv1 = conv3x3(in_channels, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.downsample = self.build_shortcut(shortcut, in_channels, out_channels, stride)
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = self.downsample(x)  # (N, planes, H/s, W/s)

        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))  # F(x)

        out += identity  # H(x) = F(x) + x
        return self.relu(out)

    build_shortcut = staticmethod(make_shortcut)

    def last_bn(self) -> nn.BatchNorm2d:
        """The BatchNorm that closes the residual branch (zeroed by ``zero_init_residual``)."""
        return self.bn2


class Bottleneck(nn.Module):
    """1x1 (reduce) -> 3x3 -> 1x1 (expand by 4), with a shortcut.

    ``(N, in_channels, H, W) -> (N, 4 * planes, H/stride, W/stride)``.

    Departure from the paper, as in torchvision ("ResNet V1.5"): the stride sits on the
    3x3 convolution, not on the first 1x1. The parameter count is the same; mult-adds are
    slightly higher, and ImageNet accuracy is slightly better.
    """

    expansion = 4
    residual = True

    def __init__(
        self, in_channels: int, planes: int, stride: int = 1, shortcut: str = "B"
    ) -> None:
        super().__init__()
        _check_positive(in_channels=in_channels, planes=planes)
        _check_stride(stride)
        out_channels = planes * self.expansion
        self.conv1 = conv1x1(in_channels, planes)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)  # stride here: ResNet V1.5
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, out_channels)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = self.build_shortcut(shortcut, in_channels, out_channels, stride)
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = self.downsample(x)  # (N, 4*planes, H/s, W/s)

        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))  # F(x)

        out += identity
        return self.relu(out)

    build_shortcut = staticmethod(make_shortcut)

    def last_bn(self) -> nn.BatchNorm2d:
        return self.bn3


def _no_shortcut(option: Optional[str], in_channels: int, out_channels: int, stride: int = 1) -> nn.Module:
    # Plain blocks keep a parameter-free ``downsample`` attribute so their module tree
    # mirrors the residual block's; it is never called.
    return nn.Identity()


class PlainBasicBlock(BasicBlock):
    """:class:`BasicBlock` without its shortcut: ``relu(F(x))``, the paper's plain twin."""

    residual = False
    build_shortcut = staticmethod(_no_shortcut)

    def __init__(self, in_channels: int, planes: int, stride: int = 1, shortcut: Optional[str] = None) -> None:
        super().__init__(in_channels, planes, stride, shortcut)

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)))


class PlainBottleneck(Bottleneck):
    """:class:`Bottleneck` without its shortcut."""

    residual = False
    build_shortcut = staticmethod(_no_shortcut)

    def __init__(self, in_channels: int, planes: int, stride: int = 1, shortcut: Optional[str] = None) -> None:
        super().__init__(in_channels, planes, stride, shortcut)

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)))


class PreActBlock(nn.Module):
    """Full pre-activation basic unit: ``x + conv(relu(bn(conv(relu(bn(x))))))``.

    The identity path is left untouched and there is no ReLU after the addition
    (He et al., "Identity Mappings in Deep Residual Networks", Fig. 4(e)). When the shape
    changes, the projection (option B/C) or zero-padding (option A) is applied to the
    pre-activated input, as in the authors' code.
    ``(N, in_channels, H, W) -> (N, planes, H/stride, W/stride)``.
    """

    expansion = 1
    residual = True

    def __init__(
        self, in_channels: int, planes: int, stride: int = 1, shortcut: str = "B"
    ) -> None:
        super().__init__()
        _check_positive(in_channels=in_channels, planes=planes)
        _check_stride(stride)
        out_channels = planes * self.expansion
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.relu = nn.ReLU(inplace=False)  # x is reused by the identity path
        self.conv1 = conv3x3(in_channels, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, out_channels)
        self.downsample = make_shortcut(shortcut, in_channels, out_channels, stride, norm=False)
        # The shortcut sees the raw input when it is the identity, the pre-activated one otherwise.
        self.shortcut_preactivated = not isinstance(self.downsample, nn.Identity)
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        pre = self.relu(self.bn1(x))
        identity = self.downsample(pre if self.shortcut_preactivated else x)
        out = self.conv1(pre)
        out = self.conv2(self.relu(self.bn2(out)))
        return out + identity

    def last_bn(self) -> nn.BatchNorm2d:
        return self.bn2


class PreActBottleneck(nn.Module):
    """Full pre-activation bottleneck unit (ResNet-164 / ResNet-1001 on CIFAR)."""

    expansion = 4
    residual = True

    def __init__(
        self, in_channels: int, planes: int, stride: int = 1, shortcut: str = "B"
    ) -> None:
        super().__init__()
        _check_positive(in_channels=in_channels, planes=planes)
        _check_stride(stride)
        out_channels = planes * self.expansion
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.relu = nn.ReLU(inplace=False)
        self.conv1 = conv1x1(in_channels, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn3 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, out_channels)
        self.downsample = make_shortcut(shortcut, in_channels, out_channels, stride, norm=False)
        self.shortcut_preactivated = not isinstance(self.downsample, nn.Identity)
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        pre = self.relu(self.bn1(x))
        identity = self.downsample(pre if self.shortcut_preactivated else x)
        out = self.conv1(pre)
        out = self.conv2(self.relu(self.bn2(out)))
        out = self.conv3(self.relu(self.bn3(out)))
        return out + identity

    def last_bn(self) -> nn.BatchNorm2d:
        return self.bn3


BLOCKS = {
    # (name, plain, preact) -> class
    ("basic", False, False): BasicBlock,
    ("bottleneck", False, False): Bottleneck,
    ("basic", True, False): PlainBasicBlock,
    ("bottleneck", True, False): PlainBottleneck,
    ("basic", False, True): PreActBlock,
    ("bottleneck", False, True): PreActBottleneck,
}
BLOCK_NAMES = ("basic", "bottleneck")


def get_block(name: str, plain: bool = False, preact: bool = False) -> type[nn.Module]:
    """Look a block class up by name (``"basic"`` or ``"bottleneck"``) and variant."""
    if not isinstance(name, str) or name.lower() not in BLOCK_NAMES:
        raise ValueError(f"unknown block {name!r}; allowed: 'basic', 'bottleneck'")
    if plain and preact:
        raise ValueError(
            "plain=True and preact=True cannot be combined: a pre-activation unit is defined "
            "by its identity path, which a plain block does not have"
        )
    return BLOCKS[(name.lower(), bool(plain), bool(preact))]


def block_name(block: type[nn.Module]) -> str:
    """``"basic"`` or ``"bottleneck"`` for any of this module's block classes."""
    for (name, _, _), cls in BLOCKS.items():
        if cls is block:
            return name
    raise ValueError(f"unknown block class {block!r}; allowed: {sorted({c.__name__ for c in BLOCKS.values()})}")
