"""The parts of a residual block: its options, checked, its layers, and its shortcut.

:mod:`.blocks` builds every block from these. The options every block takes (keyword-only,
after torchvision's positional ones), read by :func:`block_parts`:

* ``groups``, ``width_per_group``: torchvision's meaning; a bottleneck's 3x3 has
  ``int(planes * width_per_group / 64) * groups`` channels in ``groups`` groups
  (ResNeXt: ``groups=32, width_per_group=4``; Wide ResNet: ``width_per_group=128``).
  Basic blocks, as torchvision's, allow only ``groups=1, width_per_group=64``.
* ``dilation`` of the 3x3 convolution (torchvision's ``replace_stride_with_dilation``).
* ``norm_layer``: a factory ``C -> nn.Module`` (``nn.BatchNorm2d``), or ``"batchnorm"``
  or ``"none"`` (no normalisation: the convolutions then get a bias). ``None`` means
  BatchNorm, as in torchvision.
* ``act_layer``: a factory ``() -> nn.Module`` (``nn.ReLU``), or ``"relu"``, ``"tanh"``,
  ``"sigmoid"``. It must not work in place; the block decides where that is safe.
* ``stride_on`` (bottlenecks): ``"3x3"`` is torchvision's "ResNet V1.5"; ``"1x1"`` the
  paper's original and the authors' pre-activation code, which stride the first 1x1.

A missing norm is an ``nn.Identity``, so a block's ``forward`` has no branches.

Shortcuts (paper, section 3.3), built by :func:`make_shortcut`:

* option ``"A"``: identity; when the shape changes, subsample spatially and pad the extra
  channels with zeros (no parameters);
* option ``"B"``: identity where the shape is unchanged, a 1x1 projection + BatchNorm where
  it changes;
* option ``"C"``: a projection for every block.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Optional, TypedDict, Union

import torch.nn.functional as F
from torch import Tensor, nn

SHORTCUT_OPTIONS = ("A", "B", "C")

#: He et al. 2016b, Figure 4 (a)-(e)
ORDERINGS = (
    "original",
    "bn_after_add",
    "relu_before_add",
    "relu_preact",
    "full_preact",
)
NORMS = ("batchnorm", "none")
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
STRIDE_ON = ("3x3", "1x1")

NormLayer = Callable[[int], nn.Module]
ActLayer = Callable[[], nn.Module]


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(
                f"{name} must be a positive integer; got {value!r}"
            )


def _check_stride(stride: int) -> None:
    if (
        isinstance(stride, bool)
        or not isinstance(stride, int)
        or stride not in (1, 2)
    ):
        raise ValueError(f"stride must be 1 or 2; got {stride!r}")


def check_shortcut_option(option: str) -> str:
    """Return the shortcut option in upper case, or raise a ``ValueError`` naming the choices."""
    if not isinstance(option, str) or option.upper() not in SHORTCUT_OPTIONS:
        raise ValueError(
            f"unknown shortcut option {option!r}; allowed: 'A' (zero-padding identity), "
            "'B' (projection where the shape changes), 'C' (projection everywhere)"
        )
    return option.upper()


def check_ordering(ordering: str) -> str:
    """Return ``ordering`` if it is one of :data:`ORDERINGS`, else raise a ``ValueError``."""
    if ordering not in ORDERINGS:
        raise ValueError(
            f"unknown ordering {ordering!r}; allowed: {', '.join(map(repr, ORDERINGS))}"
        )
    return ordering


def check_stride_on(stride_on: str) -> str:
    if stride_on not in STRIDE_ON:
        raise ValueError(
            f"stride_on must be '3x3' (torchvision, V1.5) or '1x1' (the paper); got {stride_on!r}"
        )
    return stride_on


def norm_factory(
    norm_layer: Union[str, NormLayer, None],
) -> Optional[NormLayer]:
    """The normalisation factory for ``norm_layer``; ``None`` for ``"none"`` (no normalisation).

    ``None`` (torchvision's default) and ``"batchnorm"`` give ``nn.BatchNorm2d``.
    """
    if norm_layer is None or norm_layer == "batchnorm":
        return nn.BatchNorm2d
    if norm_layer == "none":
        return None
    if isinstance(norm_layer, str) or not callable(norm_layer):
        raise ValueError(
            f"unknown norm_layer {norm_layer!r}; allowed: 'batchnorm', 'none', "
            "or a factory such as nn.BatchNorm2d (channels -> module)"
        )
    return norm_layer


def act_factory(act_layer: Union[str, ActLayer, None]) -> ActLayer:
    """The activation factory for ``act_layer`` (``None`` means ReLU)."""
    if act_layer is None:
        return nn.ReLU
    if isinstance(act_layer, str):
        if act_layer not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {act_layer!r}; allowed: {', '.join(map(repr, ACTIVATIONS))}, "
                "or a factory such as nn.ReLU"
            )
        return ACTIVATIONS[act_layer]
    if not callable(act_layer):
        raise ValueError(
            f"act_layer must be a name or a factory such as nn.ReLU; got {act_layer!r}"
        )
    return act_layer


def _act(factory: ActLayer, inplace: bool = False) -> nn.Module:
    # Only torch's own ReLU is made in-place (as torchvision's), and only where the block knows it is safe.
    return (
        factory(inplace=True) if inplace and factory is nn.ReLU else factory()
    )


def _norm(factory: Optional[NormLayer], channels: int) -> nn.Module:
    return nn.Identity() if factory is None else factory(channels)


def conv3x3(
    in_channels: int,
    out_channels: int,
    stride: int = 1,
    groups: int = 1,
    dilation: int = 1,
    bias: bool = False,
) -> nn.Conv2d:
    """3x3 convolution with padding ``dilation`` (the map keeps its size at stride 1); no bias by default."""
    return nn.Conv2d(
        in_channels,
        out_channels,
        3,
        stride=stride,
        padding=dilation,
        groups=groups,
        dilation=dilation,
        bias=bias,
    )


def conv1x1(
    in_channels: int, out_channels: int, stride: int = 1, bias: bool = False
) -> nn.Conv2d:
    """1x1 convolution with no bias (by default)."""
    return nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=bias)


class PadShortcut(nn.Module):
    """Option A shortcut: identity that subsamples by ``stride`` and zero-pads new channels.

    ``(N, C_in, H, W) -> (N, C_out, H/stride, W/stride)``; the extra ``C_out - C_in``
    channels are zeros, appended after the input's channels. It has no parameters, so a
    ResNet with option A has exactly as many parameters as its plain twin.
    """

    def __init__(
        self, in_channels: int, out_channels: int, stride: int = 1
    ) -> None:
        super().__init__()
        _check_positive(in_channels=in_channels, out_channels=out_channels)
        if out_channels < in_channels:
            raise ValueError(
                f"a zero-padding shortcut cannot reduce channels: {in_channels} -> {out_channels}"
            )
        self.in_channels, self.out_channels, self.stride = (
            in_channels,
            out_channels,
            stride,
        )

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
    norm: Union[bool, NormLayer] = True,
) -> nn.Module:
    """Build the shortcut of a block for the paper's option A, B or C.

    Args:
        option: ``"A"``, ``"B"`` or ``"C"`` (see the module docstring).
        in_channels, out_channels, stride: the block's input/output channels and stride.
        norm: follow a projection by a norm: ``True`` for BatchNorm (post-activation blocks,
            as torchvision), a factory for another norm, ``False`` for a bare 1x1
            convolution (pre-activation blocks, as the authors' code).

    Returns:
        ``nn.Identity()`` where nothing needs to change, :class:`PadShortcut` for option A,
        else ``nn.Sequential(conv1x1, BatchNorm2d)`` (torchvision's ``downsample``
        layout: keys ``downsample.0.weight``, ``downsample.1.*``).
    """
    option = check_shortcut_option(option)
    same_shape = stride == 1 and in_channels == out_channels
    if option == "A":
        return (
            nn.Identity()
            if same_shape
            else PadShortcut(in_channels, out_channels, stride)
        )
    if option == "B" and same_shape:
        return nn.Identity()
    conv = conv1x1(in_channels, out_channels, stride)
    if norm is False:
        return nn.Sequential(conv)
    return nn.Sequential(
        conv, (nn.BatchNorm2d if norm is True else norm)(out_channels)
    )


def _check_options(
    block: str,
    in_channels: int,
    planes: int,
    stride: int,
    groups: int,
    width_per_group: int,
    dilation: int,
) -> None:
    _check_positive(
        in_channels=in_channels,
        planes=planes,
        groups=groups,
        width_per_group=width_per_group,
        dilation=dilation,
    )
    _check_stride(stride)
    if block == "basic" and (groups != 1 or width_per_group != 64):
        raise ValueError(
            "a basic block supports only groups=1 and width_per_group=64 (as torchvision's "
            f"BasicBlock); got groups={groups}, width_per_group={width_per_group}"
        )
    if block == "basic" and dilation != 1:
        raise ValueError(
            f"a basic block supports only dilation=1 (as torchvision's BasicBlock); got {dilation}"
        )


def bottleneck_width(
    planes: int, groups: int = 1, width_per_group: int = 64
) -> int:
    """Channels of a bottleneck's 3x3 convolution, torchvision's rule:
    ``int(planes * width_per_group / 64) * groups`` (ResNeXt-50 32x4d, first stage: 128)."""
    width = int(planes * (width_per_group / 64.0)) * groups
    if width < 1:
        raise ValueError(
            f"a bottleneck needs at least one channel per group: int({planes} * {width_per_group} / 64) "
            f"= 0; use a larger width_per_group or planes"
        )
    return width


class BlockOptions(TypedDict, total=False):
    """The keyword options of every block (see the module docstring); ``stride_on``
    for bottlenecks only."""

    groups: int
    width_per_group: int
    dilation: int
    norm_layer: Union[str, NormLayer, None]
    act_layer: Union[str, ActLayer, None]
    stride_on: str


_OPTIONS = {
    "basic": (
        "groups",
        "width_per_group",
        "dilation",
        "norm_layer",
        "act_layer",
    ),
    "bottleneck": (
        "groups",
        "width_per_group",
        "dilation",
        "norm_layer",
        "act_layer",
        "stride_on",
    ),
}


@dataclass(frozen=True)
class Parts:
    """What a block's options make of its layers, checked once (:func:`block_parts`).

    ``norm(C)`` and ``act()`` build its norms and activations, ``bias`` says whether its
    convolutions keep a bias (only without a norm), ``width`` is a bottleneck's 3x3 width,
    ``strides`` where a bottleneck's stride sits (first 1x1, 3x3).
    """

    norm_layer: Optional[NormLayer]
    act_layer: ActLayer
    groups: int = 1
    dilation: int = 1
    width: int = 0
    strides: tuple[int, int] = (1, 1)

    @property
    def bias(self) -> bool:
        return self.norm_layer is None

    def norm(self, channels: int) -> nn.Module:
        return _norm(self.norm_layer, channels)

    def act(self, inplace: bool = False) -> nn.Module:
        return _act(self.act_layer, inplace)

    @property
    def shortcut_norm(self) -> Union[bool, NormLayer]:
        """The norm after a projection shortcut (``False``: none)."""
        return self.norm_layer or False


def block_parts(
    kind: str, in_channels: int, planes: int, stride: int, **options: Any
) -> Parts:
    """Check a block's arguments and options and give its :class:`Parts`.

    ``options`` are those of :class:`BasicBlock` (``kind="basic"``) or :class:`Bottleneck`
    (``"bottleneck"``); an unknown one raises a ``ValueError`` that lists them.
    """
    unknown = sorted(set(options) - set(_OPTIONS[kind]))
    if unknown:
        raise ValueError(
            f"unknown option(s) {', '.join(map(repr, unknown))} for a {kind} block; "
            f"allowed: {', '.join(_OPTIONS[kind])}"
        )
    groups = options.get("groups", 1)
    width_per_group = options.get("width_per_group", 64)
    dilation = options.get("dilation", 1)
    _check_options(
        kind, in_channels, planes, stride, groups, width_per_group, dilation
    )
    parts = Parts(
        norm_factory(options.get("norm_layer")),
        act_factory(options.get("act_layer")),
        groups,
        dilation,
    )
    if kind == "basic":
        return parts
    on_1x1 = check_stride_on(options.get("stride_on", "3x3")) == "1x1"
    return replace(
        parts,
        width=bottleneck_width(planes, groups, width_per_group),
        strides=(stride, 1) if on_1x1 else (1, stride),
    )
