"""Residual blocks and the shortcuts between them: one family.

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
  He et al., "Identity Mappings in Deep Residual Networks", ECCV 2016, arXiv:1603.05027).

Every block takes the same options (keyword-only, after torchvision's positional ones):

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
* ``ordering``: where BN and the activation sit around the addition, He et al. 2016b,
  Figure 4 -- :data:`ORDERINGS`:

  ============================ ====================================================
  ``"original"`` (a)           conv-BN-ReLU-conv-BN, add, ReLU (torchvision)
  ``"bn_after_add"`` (b)       conv-BN-ReLU-conv, add, BN-ReLU
  ``"relu_before_add"`` (c)    conv-BN-ReLU-conv-BN-ReLU, add
  ``"relu_preact"`` (d)        ReLU-conv-BN-ReLU-conv-BN, add
  ``"full_preact"`` (e)        BN-ReLU-conv-BN-ReLU-conv, add
  ============================ ====================================================

  Orderings (a)-(d) keep torchvision's names: ``bnK`` normalises the output of
  ``convK``. Full pre-activation puts every norm *before* its conv, so its layout is the
  subclass :class:`PreActBlock` / :class:`PreActBottleneck` (``bn1`` normalises the
  unit's input); ``BasicBlock(..., ordering="full_preact")`` builds a ``PreActBlock``.
* ``stride_on`` (bottlenecks): ``"3x3"`` is torchvision's "ResNet V1.5"; ``"1x1"`` the
  paper's original and the authors' pre-activation code, which stride the first 1x1.

Optional parts are ``nn.Identity`` modules, so ``forward`` has no branches.

Shortcuts (paper, section 3.3), built by :func:`make_shortcut`:

* option ``"A"``: identity; when the shape changes, subsample spatially and pad the extra
  channels with zeros (no parameters);
* option ``"B"``: identity where the shape is unchanged, a 1x1 projection + BatchNorm where
  it changes;
* option ``"C"``: a projection for every block.
"""

from __future__ import annotations

import inspect

from typing import (
    Any,
    Callable,
    ClassVar,
    Optional,
    Protocol,
    Union,
    cast,
    overload,
)

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


class BlockClass(Protocol):
    """What a ResNet stage needs of a block class (for type checkers only).

    An ``nn.Module`` class that declares an integer ``expansion`` and is built as
    ``block(in_channels, planes, stride, shortcut, **options)``: ours, their subclasses, or a
    class of the user's own. :func:`resolve_block` checks it at run time.
    """

    expansion: int

    def __call__(self, *args: Any, **kwargs: Any) -> nn.Module: ...


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


def _post_norm_slots(
    ordering: str, out_channels: int, norm: Optional[NormLayer], act: ActLayer
) -> tuple[nn.Module, nn.Module, nn.Module, nn.Module]:
    """``preact, act_f, bn_out, act_out`` of a post-norm unit: what moves in orderings (a)-(d)."""
    preact = (
        _act(act) if ordering == "relu_preact" else nn.Identity()
    )  # not in place: x is also the identity
    act_f = _act(act) if ordering == "relu_before_add" else nn.Identity()
    bn_out = (
        _norm(norm, out_channels)
        if ordering == "bn_after_add"
        else nn.Identity()
    )
    act_out = (
        _act(act, inplace=True)
        if ordering in ("original", "bn_after_add")
        else nn.Identity()
    )
    return preact, act_f, bn_out, act_out


def _check_layout(block: Union[BasicBlock, Bottleneck], ordering: str) -> str:
    check_ordering(ordering)
    if ordering not in block.orderings:
        hint = (
            " (full pre-activation puts each norm before its conv, so it has its own layout: subclass "
            "PreActBlock or PreActBottleneck)"
            if ordering == "full_preact"
            else ""
        )
        raise ValueError(
            f"{type(block).__name__} builds the orderings {', '.join(map(repr, block.orderings))}; "
            f"got {ordering!r}{hint}"
        )
    return ordering


class _FullPreactDispatch:
    """``BasicBlock(..., ordering="full_preact")`` builds a :class:`PreActBlock` (its subclass)."""

    def __new__(cls, *args, **kwargs):
        if kwargs.get("ordering") == "full_preact":
            cls = _FULL_PREACT.get(cls, cls)
        return super().__new__(cls)


class BasicBlock(_FullPreactDispatch, nn.Module):
    """Two 3x3 convolutions with an identity (or projected) shortcut.

    ``(N, in_channels, H, W) -> (N, planes, H/stride, W/stride)``.
    Stage widths are multiplied by ``expansion`` to get a block's output channels.
    Options: see the module docstring.
    """

    expansion = 1
    residual = True
    orderings: ClassVar[tuple[str, ...]] = ORDERINGS[
        :4
    ]  # "full_preact": PreActBlock

    def __init__(
        self,
        in_channels: int,
        planes: int,
        stride: int = 1,
        shortcut: str = "B",
        *,
        groups: int = 1,
        width_per_group: int = 64,
        dilation: int = 1,
        norm_layer: Union[str, NormLayer, None] = None,
        act_layer: Union[str, ActLayer, None] = None,
        ordering: str = "original",
    ) -> None:
        super().__init__()
        _check_options(
            "basic",
            in_channels,
            planes,
            stride,
            groups,
            width_per_group,
            dilation,
        )
        self.ordering = _check_layout(self, ordering)
        norm, act = norm_factory(norm_layer), act_factory(act_layer)
        bias = norm is None  # without a norm, a convolution keeps its bias
        out_channels = planes * self.expansion
        self.conv1 = conv3x3(in_channels, planes, stride, bias=bias)
        self.bn1 = _norm(norm, planes)
        self.relu = _act(act, inplace=True)
        self.conv2 = conv3x3(planes, out_channels, bias=bias)
        self.bn2 = (
            nn.Identity()
            if ordering == "bn_after_add"
            else _norm(norm, out_channels)
        )
        self.downsample = self.build_shortcut(
            shortcut, in_channels, out_channels, stride, norm or False
        )
        self.preact, self.act_f, self.bn_out, self.act_out = _post_norm_slots(
            ordering, out_channels, norm, act
        )
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = self.downsample(x)  # (N, planes, H/s, W/s)

        out = self.relu(self.bn1(self.conv1(self.preact(x))))
        out = self.act_f(self.bn2(self.conv2(out)))  # F(x)

        out = out + identity  # H(x) = F(x) + x
        return self.act_out(self.bn_out(out))

    build_shortcut = staticmethod(make_shortcut)

    def last_bn(self) -> nn.Module:
        """The norm that closes the residual branch (zeroed by ``zero_init_residual``)."""
        return self.bn2


class Bottleneck(_FullPreactDispatch, nn.Module):
    """1x1 (reduce) -> 3x3 (grouped) -> 1x1 (expand by 4), with a shortcut.

    ``(N, in_channels, H, W) -> (N, 4 * planes, H/stride, W/stride)``. The 3x3 has
    ``int(planes * width_per_group / 64) * groups`` channels (torchvision's rule).

    Departure from the paper, as in torchvision ("ResNet V1.5"): the stride sits on the
    3x3 convolution, not on the first 1x1 (``stride_on="1x1"`` restores the paper's). The
    parameter count is the same; mult-adds are slightly higher, and ImageNet accuracy is
    slightly better.
    """

    expansion = 4
    residual = True
    orderings: ClassVar[tuple[str, ...]] = ORDERINGS[
        :4
    ]  # "full_preact": PreActBottleneck

    def __init__(
        self,
        in_channels: int,
        planes: int,
        stride: int = 1,
        shortcut: str = "B",
        *,
        groups: int = 1,
        width_per_group: int = 64,
        dilation: int = 1,
        norm_layer: Union[str, NormLayer, None] = None,
        act_layer: Union[str, ActLayer, None] = None,
        ordering: str = "original",
        stride_on: str = "3x3",
    ) -> None:
        super().__init__()
        _check_options(
            "bottleneck",
            in_channels,
            planes,
            stride,
            groups,
            width_per_group,
            dilation,
        )
        self.ordering = _check_layout(self, ordering)
        s1, s2 = (
            (stride, 1) if check_stride_on(stride_on) == "1x1" else (1, stride)
        )
        norm, act = norm_factory(norm_layer), act_factory(act_layer)
        bias = norm is None
        width = bottleneck_width(planes, groups, width_per_group)
        out_channels = planes * self.expansion
        self.conv1 = conv1x1(in_channels, width, s1, bias=bias)
        self.bn1 = _norm(norm, width)
        self.conv2 = conv3x3(
            width, width, s2, groups, dilation, bias=bias
        )  # stride here: ResNet V1.5
        self.bn2 = _norm(norm, width)
        self.conv3 = conv1x1(width, out_channels, bias=bias)
        self.bn3 = (
            nn.Identity()
            if ordering == "bn_after_add"
            else _norm(norm, out_channels)
        )
        self.relu = _act(act, inplace=True)
        self.downsample = self.build_shortcut(
            shortcut, in_channels, out_channels, stride, norm or False
        )
        self.preact, self.act_f, self.bn_out, self.act_out = _post_norm_slots(
            ordering, out_channels, norm, act
        )
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = self.downsample(x)  # (N, 4*planes, H/s, W/s)

        out = self.relu(self.bn1(self.conv1(self.preact(x))))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.act_f(self.bn3(self.conv3(out)))  # F(x)

        out = out + identity
        return self.act_out(self.bn_out(out))

    build_shortcut = staticmethod(make_shortcut)

    def last_bn(self) -> nn.Module:
        return self.bn3


def _no_shortcut(
    option: Optional[str],
    in_channels: int,
    out_channels: int,
    stride: int = 1,
    norm: object = None,
) -> nn.Module:
    # Plain blocks keep a parameter-free ``downsample`` attribute so their module tree
    # mirrors the residual block's; it is never called.
    return nn.Identity()


class PlainBasicBlock(BasicBlock):
    """:class:`BasicBlock` without its shortcut: ``relu(F(x))``, the paper's plain twin.

    A plain block has no addition, so of the orderings only ``"original"`` applies.
    """

    residual = False
    orderings = ("original",)
    build_shortcut = staticmethod(_no_shortcut)

    def __init__(
        self,
        in_channels: int,
        planes: int,
        stride: int = 1,
        shortcut: Optional[str] = None,
        **options,
    ) -> None:
        # The option only reaches build_shortcut, which here is _no_shortcut: it accepts None and ignores it.
        super().__init__(
            in_channels, planes, stride, cast(str, shortcut), **options
        )

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)))


class PlainBottleneck(Bottleneck):
    """:class:`Bottleneck` without its shortcut (ordering ``"original"`` only)."""

    residual = False
    orderings = ("original",)
    build_shortcut = staticmethod(_no_shortcut)

    def __init__(
        self,
        in_channels: int,
        planes: int,
        stride: int = 1,
        shortcut: Optional[str] = None,
        **options,
    ) -> None:
        # The option only reaches build_shortcut, which here is _no_shortcut: it accepts None and ignores it.
        super().__init__(
            in_channels, planes, stride, cast(str, shortcut), **options
        )

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)))


class PreActBlock(BasicBlock):
    """Full pre-activation basic unit: ``x + conv(relu(bn(conv(relu(bn(x))))))``.

    The identity path is left untouched and there is no ReLU after the addition
    (He et al., "Identity Mappings in Deep Residual Networks", Fig. 4(e)). When the shape
    changes, the projection (option B/C) or zero-padding (option A) is applied to the
    pre-activated input, as in the authors' code. Here ``bn1`` normalises the unit's input.
    ``(N, in_channels, H, W) -> (N, planes, H/stride, W/stride)``.
    """

    orderings = ("full_preact",)

    def __init__(
        self,
        in_channels: int,
        planes: int,
        stride: int = 1,
        shortcut: str = "B",
        *,
        groups: int = 1,
        width_per_group: int = 64,
        dilation: int = 1,
        norm_layer: Union[str, NormLayer, None] = None,
        act_layer: Union[str, ActLayer, None] = None,
        ordering: str = "full_preact",
    ) -> None:
        nn.Module.__init__(self)
        _check_options(
            "basic",
            in_channels,
            planes,
            stride,
            groups,
            width_per_group,
            dilation,
        )
        self.ordering = _check_layout(self, ordering)
        norm, act = norm_factory(norm_layer), act_factory(act_layer)
        bias = norm is None
        out_channels = planes * self.expansion
        self.bn1 = _norm(norm, in_channels)
        self.relu = _act(act)  # not in place: x is reused by the identity path
        self.conv1 = conv3x3(in_channels, planes, stride, bias=bias)
        self.bn2 = _norm(norm, planes)
        self.conv2 = conv3x3(planes, out_channels, bias=bias)
        self.downsample = make_shortcut(
            shortcut, in_channels, out_channels, stride, norm=False
        )
        # The shortcut sees the raw input when it is the identity, the pre-activated one otherwise.
        self.shortcut_preactivated = not isinstance(
            self.downsample, nn.Identity
        )
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        pre = self.relu(self.bn1(x))
        identity = self.downsample(pre if self.shortcut_preactivated else x)
        out = self.conv1(pre)
        out = self.conv2(self.relu(self.bn2(out)))
        return out + identity

    def last_bn(self) -> nn.Module:
        return self.bn2


class PreActBottleneck(Bottleneck):
    """Full pre-activation bottleneck unit (ResNet-164 / ResNet-1001 on CIFAR).

    ``bn1`` normalises the input, ``bn2`` and ``bn3`` precede the 3x3 and the last 1x1.
    The authors' code strides the first 1x1 (``stride_on="1x1"``, used by
    :func:`~resnet_lib.nn.models.cifar_resnet` for 9n+2 nets); the default is torchvision's 3x3.
    """

    orderings = ("full_preact",)

    def __init__(
        self,
        in_channels: int,
        planes: int,
        stride: int = 1,
        shortcut: str = "B",
        *,
        groups: int = 1,
        width_per_group: int = 64,
        dilation: int = 1,
        norm_layer: Union[str, NormLayer, None] = None,
        act_layer: Union[str, ActLayer, None] = None,
        ordering: str = "full_preact",
        stride_on: str = "3x3",
    ) -> None:
        nn.Module.__init__(self)
        _check_options(
            "bottleneck",
            in_channels,
            planes,
            stride,
            groups,
            width_per_group,
            dilation,
        )
        self.ordering = _check_layout(self, ordering)
        s1, s2 = (
            (stride, 1) if check_stride_on(stride_on) == "1x1" else (1, stride)
        )
        norm, act = norm_factory(norm_layer), act_factory(act_layer)
        bias = norm is None
        width = bottleneck_width(planes, groups, width_per_group)
        out_channels = planes * self.expansion
        self.bn1 = _norm(norm, in_channels)
        self.relu = _act(act)
        self.conv1 = conv1x1(in_channels, width, s1, bias=bias)
        self.bn2 = _norm(norm, width)
        self.conv2 = conv3x3(width, width, s2, groups, dilation, bias=bias)
        self.bn3 = _norm(norm, width)
        self.conv3 = conv1x1(width, out_channels, bias=bias)
        self.downsample = make_shortcut(
            shortcut, in_channels, out_channels, stride, norm=False
        )
        self.shortcut_preactivated = not isinstance(
            self.downsample, nn.Identity
        )
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        pre = self.relu(self.bn1(x))
        identity = self.downsample(pre if self.shortcut_preactivated else x)
        out = self.conv1(pre)
        out = self.conv2(self.relu(self.bn2(out)))
        out = self.conv3(self.relu(self.bn3(out)))
        return out + identity

    def last_bn(self) -> nn.Module:
        return self.bn3


_FULL_PREACT: dict[type, type[Union[BasicBlock, Bottleneck]]] = {
    BasicBlock: PreActBlock,
    Bottleneck: PreActBottleneck,
}
_PLAIN: dict[type, type[Union[BasicBlock, Bottleneck]]] = {
    BasicBlock: PlainBasicBlock,
    Bottleneck: PlainBottleneck,
}

BLOCKS: dict[tuple[str, bool, bool], type[Union[BasicBlock, Bottleneck]]] = {
    # (name, plain, preact) -> class
    ("basic", False, False): BasicBlock,
    ("bottleneck", False, False): Bottleneck,
    ("basic", True, False): PlainBasicBlock,
    ("bottleneck", True, False): PlainBottleneck,
    ("basic", False, True): PreActBlock,
    ("bottleneck", False, True): PreActBottleneck,
}
BLOCK_NAMES = ("basic", "bottleneck")


def _check_block_signature(block: type[nn.Module]) -> None:
    """Refuse a block class that a stage cannot build as
    ``block(in_channels, planes, stride, shortcut, **options)``.

    torchvision's blocks, for one, take a ``downsample`` module as their fourth argument.
    """
    try:
        sig = inspect.signature(block.__init__)
    except (TypeError, ValueError):  # no signature to read: let it try
        return
    params = list(sig.parameters.values())
    if any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in params):
        return
    positional = [
        p.name
        for p in params
        if p.kind
        in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        )
    ][1:]  # without self
    if len(positional) >= 4 and positional[3] == "shortcut":
        return
    raise ValueError(
        f"{block.__name__} cannot be built by a ResNet stage, which calls "
        "block(in_channels, planes, stride, shortcut, **options); its __init__ "
        f"takes ({', '.join(positional)}). Subclass BasicBlock or Bottleneck and "
        "keep that signature (torchvision's blocks take a downsample module "
        "instead: use resnet_lib's, whose state_dicts load into torchvision's "
        "and back)"
    )


@overload
def resolve_block(
    block: str, plain: bool = ..., ordering: str = ...
) -> type[Union[BasicBlock, Bottleneck]]: ...


@overload
def resolve_block(
    block: type[nn.Module], plain: bool = ..., ordering: str = ...
) -> BlockClass: ...


def resolve_block(
    block: Union[str, type[nn.Module]],
    plain: bool = False,
    ordering: str = "original",
) -> Union[type[Union[BasicBlock, Bottleneck]], BlockClass]:
    """The class that builds ``block`` as a plain twin or with the given ordering.

    Args:
        block: ``"basic"``, ``"bottleneck"``, or any ``nn.Module`` class that declares a
            positive integer ``expansion`` (subclasses of ours included).
        plain: the block without its shortcut (ordering ``"original"`` only).
        ordering: one of :data:`ORDERINGS`.

    Raises:
        ValueError: naming what was given and what is allowed.
    """
    check_ordering(ordering)
    if plain and ordering != "original":
        raise ValueError(
            f"plain=True cannot be combined with ordering {ordering!r}: the orderings of He et al. "
            "2016b place BN and ReLU around the addition, which a plain block does not have; "
            "allowed with plain=True: 'original'"
        )
    if isinstance(block, str):
        if block.lower() not in BLOCK_NAMES:
            raise ValueError(
                f"unknown block {block!r}; allowed: 'basic', 'bottleneck', or a block class"
            )
        base = BasicBlock if block.lower() == "basic" else Bottleneck
        return (
            _PLAIN[base]
            if plain
            else _FULL_PREACT[base]
            if ordering == "full_preact"
            else base
        )
    expansion = getattr(block, "expansion", None)
    if (
        not (isinstance(block, type) and issubclass(block, nn.Module))
        or isinstance(expansion, bool)
        or not isinstance(expansion, int)
        or expansion < 1
    ):
        raise ValueError(
            "block must be 'basic', 'bottleneck' or an nn.Module class that declares a positive "
            f"integer expansion (e.g. a subclass of Bottleneck); got {block!r}"
        )
    _check_block_signature(block)
    # an nn.Module class with a positive integer expansion, checked above
    block_cls = cast(BlockClass, block)
    if plain:
        if block in _PLAIN:
            return _PLAIN[block]
        if getattr(block, "residual", True) is False:
            return block_cls
        raise ValueError(
            f"plain=True needs a plain block class (PlainBasicBlock, PlainBottleneck or a subclass); "
            f"got {block.__name__}"
        )
    if ordering == "full_preact" and block in _FULL_PREACT:
        return _FULL_PREACT[block]
    allowed = getattr(block, "orderings", None)
    if allowed is not None and ordering not in allowed:
        raise ValueError(
            f"{block.__name__} builds the orderings {', '.join(map(repr, allowed))}; got {ordering!r}"
        )
    return block_cls


def get_block(
    name: str,
    plain: bool = False,
    preact: bool = False,
    ordering: Optional[str] = None,
) -> type[Union[BasicBlock, Bottleneck]]:
    """Look a block class up by name (``"basic"`` or ``"bottleneck"``) and variant.

    ``preact=True`` is the older spelling of ``ordering="full_preact"``.
    """
    if not isinstance(name, str) or name.lower() not in BLOCK_NAMES:
        raise ValueError(
            f"unknown block {name!r}; allowed: 'basic', 'bottleneck'"
        )
    if plain and preact:
        raise ValueError(
            "plain=True and preact=True cannot be combined: a pre-activation unit is defined "
            "by its identity path, which a plain block does not have"
        )
    return resolve_block(name, plain, resolve_ordering(ordering, preact))


def resolve_ordering(ordering: Optional[str], preact: bool = False) -> str:
    """One ordering from the new option and the old ``preact`` flag (which means ``"full_preact"``)."""
    if preact and ordering not in (None, "full_preact"):
        raise ValueError(
            f"preact=True means ordering='full_preact'; got ordering={ordering!r} as well"
        )
    return check_ordering(
        ordering or ("full_preact" if preact else "original")
    )


def block_kind(block: Union[type[nn.Module], BlockClass]) -> str:
    """``"basic"`` or ``"bottleneck"``: which of the two layouts a class (or a subclass) has."""
    if isinstance(block, type) and issubclass(block, Bottleneck):
        return "bottleneck"
    if isinstance(block, type) and issubclass(block, BasicBlock):
        return "basic"
    raise ValueError(
        f"closed-form counts know BasicBlock, Bottleneck and their subclasses; got {block!r}"
    )


def block_name(block: Union[type[nn.Module], BlockClass]) -> str:
    """``"basic"`` or ``"bottleneck"`` for any of this module's block classes."""
    for (name, _, _), cls in BLOCKS.items():
        if cls is block:
            return name
    raise ValueError(
        f"unknown block class {block!r}; allowed: {sorted({c.__name__ for c in BLOCKS.values()})}"
    )
