"""ResNet models: the torchvision family (ResNet-18 ... 152, ResNeXt, Wide ResNet) and the CIFAR nets.

One class, :class:`ResNet`, builds them all: a stem, a list of stages of residual blocks
whose widths double while the feature map halves, global average pooling and a linear
classifier. Attribute names follow torchvision (``conv1``, ``bn1``, ``relu``, ``maxpool``,
``layer1`` ... ``layer4``, ``avgpool``, ``fc``, and ``downsample`` inside blocks), so a
torchvision ``state_dict`` loads into :func:`resnet50` (or :func:`resnext50_32x4d`, ...)
with ``strict=True`` and back.

Stem ``"imagenet"``: 7x7/2 convolution + 3x3/2 max pool (224x224 -> 56x56).
Stem ``"cifar"``: one 3x3 convolution, no pooling (32x32 stays 32x32), paper section 4.2.

CIFAR depths (:func:`cifar_resnet`): the paper's basic-block nets are 6n+2 deep (20, 32,
44, 56, 110, 1202); the pre-activation bottleneck nets of He et al. 2016b ("Identity
Mappings") are 9n+2 deep (ResNet-164: n = 18, ResNet-1001: n = 111).
"""

from __future__ import annotations

import math
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, fields
from typing import Any, Iterator, Optional, Sequence, TypeVar, Union, cast

import torch
from torch import Tensor, nn

from .blocks import (
    FAMILY,
    BlockClass,
    block_kind,
    class_ordering,
    ordering_mismatch,
    resolve_block,
    resolve_ordering,
)
from .layers import (
    _act,
    _check_options,
    _norm,
    act_factory,
    check_shortcut_option,
    check_stride_on,
    norm_factory,
)

_ModuleT = TypeVar("_ModuleT", bound=nn.Module)

STEMS = ("imagenet", "cifar")
#: weight initialisations (:func:`init_weights`)
INITS = ("torchvision", "he", "xavier", "default")

#: blocks per stage for the paper's ImageNet models (Table 1)
IMAGENET_SPECS: dict[int, tuple[str, tuple[int, ...]]] = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}

#: torchvision's builders: name -> (block, layers, groups, width_per_group)
TORCHVISION_SPECS: dict[str, tuple[str, tuple[int, ...], int, int]] = {
    **{
        f"resnet{d}": (block, layers, 1, 64)
        for d, (block, layers) in IMAGENET_SPECS.items()
    },
    "resnext50_32x4d": ("bottleneck", (3, 4, 6, 3), 32, 4),
    "resnext101_32x8d": ("bottleneck", (3, 4, 23, 3), 32, 8),
    "resnext101_64x4d": ("bottleneck", (3, 4, 23, 3), 64, 4),
    "wide_resnet50_2": ("bottleneck", (3, 4, 6, 3), 1, 128),
    "wide_resnet101_2": ("bottleneck", (3, 4, 23, 3), 1, 128),
}

#: the pre-activation bottleneck nets of He et al. 2016b (depth -> n, 9n+2)
CIFAR_PREACT_DEPTHS = {164: 18, 1001: 111}


@dataclass(frozen=True)
class ResNetConfig:
    """Everything that defines a ResNet architecture; ``ResNet.from_config`` builds it.

    Args:
        block: ``"basic"`` (two 3x3 convs, expansion 1), ``"bottleneck"`` (expansion 4), or
            a block class that declares ``expansion`` (stored as the class).
        layers: blocks per stage, e.g. ``(3, 4, 23, 3)`` for ResNet-101.
        base_width: channels of the first stage; stage ``i`` has ``base_width * 2**i``.
            (torchvision's ``width_per_group`` is the separate field below.)
        stem: ``"imagenet"`` (7x7/2 conv + max pool) or ``"cifar"`` (3x3 conv).
        shortcut: the paper's option ``"A"``, ``"B"`` or ``"C"``.
        plain: drop every shortcut (the paper's plain twins).
        preact: the older spelling of ``ordering="full_preact"``; kept equal to it.
        num_classes: outputs of the final linear layer.
        in_channels: channels of the input image.
        zero_init_residual: start each residual branch's last norm scale at 0, so
            every block starts as the identity.
        groups, width_per_group: torchvision's (ResNeXt 32x4d: 32, 4; Wide ResNet: 1, 128).
        replace_stride_with_dilation: torchvision's, one flag per stage after the first
            (``()`` means none).
        ordering: the unit ordering of He et al. 2016b (``blocks.ORDERINGS``).
        stride_on: where a bottleneck strides, ``"3x3"`` (torchvision) or ``"1x1"`` (paper).
        norm_layer, act_layer: names or factories (see :mod:`resnet_lib.nn.blocks`).
        init: weight initialisation, one of :data:`INITS`.
    """

    block: Union[str, type[nn.Module]] = "basic"
    layers: tuple[int, ...] = (2, 2, 2, 2)
    base_width: int = 64
    stem: str = "imagenet"
    shortcut: str = "B"
    plain: bool = False
    preact: bool = False
    num_classes: int = 1000
    in_channels: int = 3
    zero_init_residual: bool = False
    groups: int = 1
    width_per_group: int = 64
    replace_stride_with_dilation: tuple[bool, ...] = ()
    ordering: Optional[str] = None
    stride_on: str = "3x3"
    norm_layer: Any = "batchnorm"
    act_layer: Any = "relu"
    init: str = "torchvision"

    def __post_init__(self) -> None:
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 - frozen dataclass
        set_("layers", _check_layers(self.layers))
        block, plain, ordering = self.block, bool(self.plain), self.ordering
        if isinstance(block, str):
            block = (
                block.lower()
                if block.lower() in ("basic", "bottleneck")
                else block
            )
        elif block in FAMILY:  # our own classes are stored by name and variant
            name, class_plain, own = FAMILY[block]
            if own != "original" and ordering not in (None, own):
                raise ordering_mismatch(block, ordering)
            block, plain = name, plain or class_plain
            if own != "original":
                ordering = ordering or own
        elif isinstance(block, type):
            plain = plain or getattr(block, "residual", True) is False
            if ordering is None and class_ordering(block) != "original":
                ordering = class_ordering(block)
        if plain and self.preact:
            raise ValueError(
                "plain=True and preact=True cannot be combined: a pre-activation unit is defined "
                "by its identity path, which a plain block does not have"
            )
        ordering = resolve_ordering(ordering, self.preact)
        set_("block", block)
        set_("plain", plain)
        set_("ordering", ordering)
        set_("preact", ordering == "full_preact")
        cls = resolve_block(
            block, plain, ordering
        )  # validates block, plain and ordering together
        set_("shortcut", check_shortcut_option(self.shortcut))
        if self.stem not in STEMS:
            raise ValueError(
                f"unknown stem {self.stem!r}; allowed: 'imagenet', 'cifar'"
            )
        for name in (
            "base_width",
            "num_classes",
            "in_channels",
            "groups",
            "width_per_group",
        ):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or value <= 0
            ):
                raise ValueError(
                    f"{name} must be a positive integer; got {value!r}"
                )
        set_(
            "replace_stride_with_dilation",
            _check_dilation(
                self.replace_stride_with_dilation, len(self.layers)
            ),
        )
        check_stride_on(self.stride_on)
        set_(
            "norm_layer",
            "batchnorm" if self.norm_layer is None else self.norm_layer,
        )
        set_("act_layer", "relu" if self.act_layer is None else self.act_layer)
        norm_factory(self.norm_layer), act_factory(self.act_layer)  # validate
        if self.init not in INITS:
            raise ValueError(
                f"unknown initialisation {self.init!r}; allowed: {', '.join(map(repr, INITS))}"
            )
        try:
            kind = block_kind(cls)
        except ValueError:
            kind = None  # a block class of the user's own: it checks its own options
        if kind == "basic" and any(self.replace_stride_with_dilation):
            raise ValueError(
                "replace_stride_with_dilation needs bottleneck blocks (torchvision's BasicBlock has no "
                f"dilation); got {list(self.replace_stride_with_dilation)} with basic blocks"
            )
        if kind is not None:
            _check_options(kind, 1, 1, 1, self.groups, self.width_per_group, 1)
        if self.zero_init_residual and self.plain:
            raise ValueError(
                "zero_init_residual=True needs residual blocks: in a plain net a zeroed "
                "BatchNorm would cut the signal, since no shortcut carries it past the block"
            )
        if self.zero_init_residual and (
            ordering == "bn_after_add" or self.norm_layer == "none"
        ):
            raise ValueError(
                "zero_init_residual=True needs a norm that closes the residual branch; "
                f"ordering {ordering!r} with norm_layer {self.norm_layer!r} has none"
            )

    @property
    def block_class(self) -> BlockClass:
        if self.ordering is None:
            raise RuntimeError(
                "ResNetConfig.ordering is unset; __post_init__ resolves it to one of blocks.ORDERINGS"
            )
        return resolve_block(self.block, self.plain, self.ordering)

    @property
    def stage_widths(self) -> tuple[int, ...]:
        """Planes of each stage (before expansion): base, 2*base, 4*base, ..."""
        return tuple(self.base_width * 2**i for i in range(len(self.layers)))

    @property
    def out_channels(self) -> int:
        """Channels entering the classifier."""
        return self.stage_widths[-1] * self.block_class.expansion

    def block_options(self) -> dict[str, Any]:
        """The keyword options every block gets (only those that differ from the defaults,
        so that a block class of the user's own needs only torchvision's positional ones)."""
        options: dict[str, Any] = {}
        if (self.groups, self.width_per_group) != (1, 64):
            options.update(
                groups=self.groups, width_per_group=self.width_per_group
            )
        if self.norm_layer != "batchnorm":
            options["norm_layer"] = self.norm_layer
        if self.act_layer != "relu":
            options["act_layer"] = self.act_layer
        if self.stride_on != "3x3":
            options["stride_on"] = self.stride_on
        return options


def _check_layers(layers: Sequence[int]) -> tuple[int, ...]:
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise ValueError(
            f"layers must be a list of blocks per stage, e.g. [2, 2, 2, 2]; got {layers!r}"
        )
    if len(layers) == 0:
        raise ValueError(
            "layers must list at least one stage; got an empty list"
        )
    bad = [
        n
        for n in layers
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0
    ]
    if bad:
        raise ValueError(
            f"every stage needs a positive whole number of blocks; got {list(layers)!r}"
        )
    return tuple(layers)


def _check_dilation(
    flags: Optional[Sequence[bool]], stages: int
) -> tuple[bool, ...]:
    if flags is None or (
        not isinstance(flags, str)
        and isinstance(flags, Sequence)
        and len(flags) == 0
    ):
        return (False,) * (stages - 1)
    if (
        isinstance(flags, str)
        or not isinstance(flags, Sequence)
        or len(flags) != stages - 1
        or not all(isinstance(f, bool) for f in flags)
    ):
        raise ValueError(
            f"replace_stride_with_dilation must be None or {stages - 1} booleans (one per stage after "
            f"the first), e.g. [False, True, True]; got {flags!r}"
        )
    return tuple(flags)


def make_stage(
    block: BlockClass,
    in_channels: int,
    planes: int,
    blocks: int,
    stride: int,
    shortcut: str = "B",
    *,
    dilation: int = 1,
    dilate: bool = False,
    **options: Any,
) -> tuple[nn.Sequential, int]:
    """Build one stage: ``blocks`` blocks, the first with ``stride``; a pure
    function.

    Only the first block can change the shape (stride 2, or ``in_channels !=
    planes * expansion``); that is where option B puts its projection
    shortcut. ``dilate=True`` is torchvision's ``replace_stride_with_dilation``
    for this stage: no stride, and the 3x3 convolutions after the first block
    see ``dilation * stride``. ``options`` go to every block (``groups``,
    ``width_per_group``, ``ordering``, ...).

    Returns:
        The stage and its output channels ``planes * block.expansion``.
    """
    out_channels = planes * block.expansion
    later = dilation * stride if dilate else dilation
    stride = 1 if dilate else stride
    # a block of the user's own may not know dilation: pass it only when used
    dilated = lambda d: {"dilation": d} if d != 1 else {}  # noqa: E731
    layers = [
        block(
            in_channels,
            planes,
            stride,
            shortcut,
            **dilated(dilation),
            **options,
        )
    ]
    layers += [
        block(out_channels, planes, 1, shortcut, **dilated(later), **options)
        for _ in range(blocks - 1)
    ]
    return nn.Sequential(*layers), out_channels


@contextmanager
def _global_rng_kept(generator: Optional[torch.Generator]) -> Iterator[None]:
    """With a generator, building a module (which draws PyTorch's default init from the
    global RNG) leaves the global RNG as it was; every weight is then redrawn from ``generator``."""
    with (
        torch.random.fork_rng(devices=[])
        if generator is not None
        else nullcontext()
    ):
        yield


def _default_init_(
    m: Union[nn.Conv2d, nn.Linear], generator: Optional[torch.Generator]
) -> None:
    # PyTorch's own reset_parameters for Conv2d and Linear, drawn from ``generator``.
    nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=generator)
    if m.bias is not None:
        fan_in = m.weight[0].numel()
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        with torch.no_grad():
            m.bias.uniform_(-bound, bound, generator=generator)


def init_weights(
    model: _ModuleT,
    scheme: str = "torchvision",
    *,
    zero_init_residual: bool = False,
    generator: Optional[torch.Generator] = None,
) -> _ModuleT:
    """Initialise a model's convolutions, linear layers and norms in place; returns it.

    Schemes (:data:`INITS`):

    * ``"torchvision"``: He initialisation (``kaiming_normal_``, fan_out, ReLU) for
      convolutions, norms as the identity map (scale 1, shift 0), linear layers left at
      PyTorch's default -- what torchvision's ResNet does.
    * ``"he"``: ``kaiming_normal_`` (fan_in, ReLU) for convolutions and linear layers, zero biases.
    * ``"xavier"``: ``xavier_normal_`` for convolutions and linear layers, zero biases.
    * ``"default"``: PyTorch's own initialisation (Kaiming-uniform with ``a = sqrt(5)``).

    Args:
        zero_init_residual: zero the scale of every residual block's ``last_bn()``.
        generator: draw every random number from it (the global RNG is not used); without
            one, the global RNG is used, as PyTorch does.
    """
    if scheme not in INITS:
        raise ValueError(
            f"unknown initialisation {scheme!r}; allowed: {', '.join(map(repr, INITS))}"
        )
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            if scheme == "he":
                nn.init.kaiming_normal_(
                    m.weight, nonlinearity="relu", generator=generator
                )
            elif scheme == "xavier":
                nn.init.xavier_normal_(m.weight, generator=generator)
            elif scheme == "torchvision" and isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(
                    m.weight,
                    mode="fan_out",
                    nonlinearity="relu",
                    generator=generator,
                )
            elif (
                generator is not None
            ):  # PyTorch's default, redrawn from the generator
                _default_init_(m, generator)
            if scheme in ("he", "xavier") and m.bias is not None:
                nn.init.zeros_(m.bias)
        elif (
            isinstance(m, (nn.BatchNorm2d, nn.GroupNorm))
            and m.weight is not None
        ):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    if zero_init_residual:
        for m in model.modules():
            last_bn = (
                getattr(m, "last_bn", None)
                if getattr(m, "residual", False)
                else None
            )
            weight = (
                None if last_bn is None else getattr(last_bn(), "weight", None)
            )
            if weight is not None:
                nn.init.zeros_(weight)
    return model


class ResNet(nn.Module):
    """A ResNet for ImageNet (``stem="imagenet"``) or CIFAR (``stem="cifar"``).

    ``(N, in_channels, H, W) -> (N, num_classes)`` logits.

    The positional signature is torchvision's ``ResNet(block, layers, num_classes,
    zero_init_residual, groups, width_per_group, replace_stride_with_dilation,
    norm_layer)``; ``block`` may be a block class that declares ``expansion`` (subclasses
    of ours included) or a name. The keyword options are those of :class:`ResNetConfig`;
    ``generator`` draws every initial weight from a ``torch.Generator`` and leaves the
    global RNG untouched.
    """

    def __init__(
        self,
        block: Union[str, type[nn.Module]] = "basic",
        layers: Sequence[int] = (2, 2, 2, 2),
        num_classes: int = 1000,
        zero_init_residual: bool = False,
        groups: int = 1,
        width_per_group: int = 64,
        replace_stride_with_dilation: Optional[Sequence[bool]] = None,
        norm_layer: Any = None,
        *,
        base_width: int = 64,
        stem: str = "imagenet",
        shortcut: str = "B",
        plain: bool = False,
        preact: bool = False,
        ordering: Optional[str] = None,
        stride_on: str = "3x3",
        act_layer: Any = None,
        init: str = "torchvision",
        in_channels: int = 3,
        generator: Optional[torch.Generator] = None,
    ) -> None:
        super().__init__()
        cfg = ResNetConfig(
            # __post_init__ checks layers and replace_stride_with_dilation and stores them as tuples
            block=block,
            layers=cast("tuple[int, ...]", layers),
            base_width=base_width,
            stem=stem,
            shortcut=shortcut,
            plain=plain,
            preact=preact,
            num_classes=num_classes,
            in_channels=in_channels,
            zero_init_residual=zero_init_residual,
            groups=groups,
            width_per_group=width_per_group,
            replace_stride_with_dilation=cast(
                "tuple[bool, ...]",
                ()
                if replace_stride_with_dilation is None
                else replace_stride_with_dilation,
            ),
            ordering=ordering,
            stride_on=stride_on,
            norm_layer=norm_layer,
            act_layer=act_layer,
            init=init,
        )
        self.config = cfg
        with _global_rng_kept(generator):
            self._build(cfg)
        init_weights(
            self,
            cfg.init,
            zero_init_residual=cfg.zero_init_residual,
            generator=generator,
        )

    def _build(self, cfg: ResNetConfig) -> None:
        block_cls, options = cfg.block_class, cfg.block_options()
        norm, act = norm_factory(cfg.norm_layer), act_factory(cfg.act_layer)
        width = cfg.base_width

        # Stem. Pre-activation CIFAR nets start with a bare conv: the first unit's BN-ReLU follows.
        bias = norm is None
        if cfg.stem == "imagenet":
            self.conv1 = nn.Conv2d(
                cfg.in_channels, width, 7, stride=2, padding=3, bias=bias
            )
            self.maxpool: nn.Module = nn.MaxPool2d(
                kernel_size=3, stride=2, padding=1
            )
        else:
            self.conv1 = nn.Conv2d(
                cfg.in_channels, width, 3, stride=1, padding=1, bias=bias
            )
            self.maxpool = nn.Identity()
        bare_stem = cfg.ordering == "full_preact" and cfg.stem == "cifar"
        self.bn1: nn.Module = (
            nn.Identity() if bare_stem else _norm(norm, width)
        )
        self.relu: nn.Module = (
            nn.Identity() if bare_stem else _act(act, inplace=True)
        )

        self.stage_names: list[str] = []
        channels, dilation = width, 1
        for i, (planes, blocks) in enumerate(
            zip(cfg.stage_widths, cfg.layers)
        ):
            stride = 1 if i == 0 else 2
            dilate = i > 0 and cfg.replace_stride_with_dilation[i - 1]
            stage, channels = make_stage(
                block_cls,
                channels,
                planes,
                blocks,
                stride,
                cfg.shortcut,
                dilation=dilation,
                dilate=dilate,
                **options,
            )
            dilation *= stride if dilate else 1
            name = f"layer{i + 1}"
            self.add_module(name, stage)
            self.stage_names.append(name)

        # Pre-activation nets end with BN-ReLU (ReLU alone for ReLU-only pre-activation),
        # since their units end with a conv (a BN).
        self.final_norm: nn.Module = (
            nn.Sequential(_norm(norm, channels), _act(act, inplace=True))
            if cfg.ordering == "full_preact"
            else _act(act, inplace=True)
            if cfg.ordering == "relu_preact"
            else nn.Identity()
        )
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, cfg.num_classes)

    @classmethod
    def from_config(
        cls, config: ResNetConfig, generator: Optional[torch.Generator] = None
    ) -> "ResNet":
        """The ResNet of ``config``: every field but ``preact``, which its
        ``ordering`` already says."""
        kwargs = {f.name: getattr(config, f.name) for f in fields(config)}
        del kwargs["preact"]
        return cls(**kwargs, generator=generator)

    def blocks(self) -> list[nn.Module]:
        """All residual (or plain) blocks, in input-to-output order."""
        return [b for name in self.stage_names for b in getattr(self, name)]

    def check_input(self, x: Tensor) -> None:
        """Raise a ``ValueError`` for an input that is not ``(N, in_channels, H, W)``."""
        expected = self.config.in_channels
        if not isinstance(x, Tensor):
            raise TypeError(
                f"expected a torch.Tensor of shape (N, {expected}, H, W); got {type(x).__name__}"
            )
        if x.dim() != 4 or x.shape[1] != expected:
            raise ValueError(
                f"expected input of shape (N, {expected}, H, W); got {tuple(x.shape)}"
            )

    def forward_features(self, x: Tensor) -> Tensor:
        """``(N, C_in, H, W) -> (N, C_out, H', W')``: everything before pooling."""
        self.check_input(x)
        x = self.maxpool(
            self.relu(self.bn1(self.conv1(x)))
        )  # (N, base, H/4, W/4) for imagenet
        for name in self.stage_names:
            x = getattr(self, name)(x)
        return self.final_norm(x)

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.forward_features(x))  # (N, C_out, 1, 1)
        return self.fc(torch.flatten(x, 1))  # (N, num_classes)


def imagenet_resnet(depth: int, **kwargs: Any) -> ResNet:
    """The paper's ImageNet ResNet of the given depth (18, 34, 50, 101 or 152).

    Keyword arguments go to :class:`ResNet` (``num_classes``, ``zero_init_residual``,
    ``plain``, ``shortcut``, ``ordering``, ``groups``, ``width_per_group``, ...).
    """
    if depth not in IMAGENET_SPECS or isinstance(depth, bool):
        raise ValueError(
            f"ImageNet ResNet depth must be one of {', '.join(map(str, IMAGENET_SPECS))}; got {depth!r}"
        )
    block, layers = IMAGENET_SPECS[depth]
    return ResNet(block, layers, **kwargs)


def torchvision_resnet(name: str, **kwargs: Any) -> ResNet:
    """The torchvision builder ``name`` (``"resnet50"``, ``"resnext50_32x4d"``, ...; see
    :data:`TORCHVISION_SPECS`), identical to ``torchvision.models.<name>(weights=None)``."""
    if name not in TORCHVISION_SPECS:
        raise ValueError(
            f"unknown torchvision ResNet {name!r}; allowed: {', '.join(TORCHVISION_SPECS)}"
        )
    block, layers, groups, width_per_group = TORCHVISION_SPECS[name]
    return ResNet(
        block, layers, groups=groups, width_per_group=width_per_group, **kwargs
    )


def resnet18(
    *,
    num_classes: int = 1000,
    zero_init_residual: bool = False,
    plain: bool = False,
    **kwargs: Any,
) -> ResNet:
    """ResNet-18 (torchvision-compatible). ``plain=True`` gives the paper's plain-18."""
    return imagenet_resnet(
        18,
        num_classes=num_classes,
        zero_init_residual=zero_init_residual,
        plain=plain,
        **kwargs,
    )


def resnet34(
    *,
    num_classes: int = 1000,
    zero_init_residual: bool = False,
    plain: bool = False,
    **kwargs: Any,
) -> ResNet:
    """ResNet-34 (torchvision-compatible). ``plain=True`` gives the paper's plain-34."""
    return imagenet_resnet(
        34,
        num_classes=num_classes,
        zero_init_residual=zero_init_residual,
        plain=plain,
        **kwargs,
    )


def resnet50(
    *,
    num_classes: int = 1000,
    zero_init_residual: bool = False,
    plain: bool = False,
    **kwargs: Any,
) -> ResNet:
    """ResNet-50 (torchvision-compatible, stride on the 3x3 conv: "V1.5")."""
    return imagenet_resnet(
        50,
        num_classes=num_classes,
        zero_init_residual=zero_init_residual,
        plain=plain,
        **kwargs,
    )


def resnet101(
    *,
    num_classes: int = 1000,
    zero_init_residual: bool = False,
    plain: bool = False,
    **kwargs: Any,
) -> ResNet:
    """ResNet-101 (torchvision-compatible)."""
    return imagenet_resnet(
        101,
        num_classes=num_classes,
        zero_init_residual=zero_init_residual,
        plain=plain,
        **kwargs,
    )


def resnet152(
    *,
    num_classes: int = 1000,
    zero_init_residual: bool = False,
    plain: bool = False,
    **kwargs: Any,
) -> ResNet:
    """ResNet-152 (torchvision-compatible)."""
    return imagenet_resnet(
        152,
        num_classes=num_classes,
        zero_init_residual=zero_init_residual,
        plain=plain,
        **kwargs,
    )


def resnext50_32x4d(**kwargs: Any) -> ResNet:
    """ResNeXt-50 32x4d (Xie et al., CVPR 2017): ResNet-50 with 32 groups of 4 channels in
    the first stage's 3x3 (torchvision-compatible)."""
    return torchvision_resnet("resnext50_32x4d", **kwargs)


def resnext101_32x8d(**kwargs: Any) -> ResNet:
    """ResNeXt-101 32x8d (torchvision-compatible)."""
    return torchvision_resnet("resnext101_32x8d", **kwargs)


def resnext101_64x4d(**kwargs: Any) -> ResNet:
    """ResNeXt-101 64x4d (torchvision-compatible)."""
    return torchvision_resnet("resnext101_64x4d", **kwargs)


def wide_resnet50_2(**kwargs: Any) -> ResNet:
    """Wide ResNet-50-2 (Zagoruyko and Komodakis, BMVC 2016): every bottleneck's inner
    channels doubled, ``width_per_group=128`` (torchvision-compatible)."""
    return torchvision_resnet("wide_resnet50_2", **kwargs)


def wide_resnet101_2(**kwargs: Any) -> ResNet:
    """Wide ResNet-101-2 (torchvision-compatible)."""
    return torchvision_resnet("wide_resnet101_2", **kwargs)


def _cifar_error(depth: object, block: Optional[str] = None) -> ValueError:
    forms = {
        "basic": "6n+2 with basic blocks (20, 32, 44, 56, 110, 1202, ...)",
        "bottleneck": "9n+2 with bottleneck blocks (He et al. 2016b: 164, 1001; also 29, 47, 110, ...)",
    }
    allowed = forms[block] if block else " or ".join(forms.values())
    return ValueError(f"CIFAR ResNet depth must be {allowed}; got {depth!r}")


def cifar_depth_to_blocks(depth: int, block: str = "basic") -> int:
    """Blocks per stage ``n`` for a CIFAR ResNet: depth = 6n+2 (basic) or 9n+2 (bottleneck)."""
    per_block = {"basic": 2, "bottleneck": 3}
    if block not in per_block:
        raise ValueError(
            f"unknown block {block!r}; allowed: 'basic', 'bottleneck'"
        )
    k = (
        3 * per_block[block]
    )  # weighted layers per "n": three stages of 2 or 3 convs
    if (
        isinstance(depth, bool)
        or not isinstance(depth, int)
        or depth < k + 2
        or (depth - 2) % k
    ):
        raise _cifar_error(depth, block)
    return (depth - 2) // k


def cifar_block_for_depth(depth: int) -> str:
    """Which CIFAR family a depth names: ``"basic"`` for the paper's 6n+2 nets,
    ``"bottleneck"`` for He et al. 2016b's 9n+2 pre-activation nets.

    A depth of both forms (20, 56, 110, ...) means the basic net, except 164, which the
    literature uses for the bottleneck net (n = 18), not for 27 basic blocks per stage.
    """
    valid = {b for b in ("basic", "bottleneck") if _is_depth(depth, b)}
    if not valid:
        raise _cifar_error(depth)
    if "bottleneck" in valid and (
        depth in CIFAR_PREACT_DEPTHS or "basic" not in valid
    ):
        return "bottleneck"
    return "basic"


def _is_depth(depth: object, block: str) -> bool:
    try:
        cifar_depth_to_blocks(depth, block)  # type: ignore[arg-type]
    except ValueError:
        return False
    return True


def cifar_resnet(
    depth: int,
    shortcut: Optional[str] = None,
    plain: bool = False,
    preact: Optional[bool] = None,
    num_classes: int = 10,
    *,
    block: Optional[str] = None,
    ordering: Optional[str] = None,
    base_width: int = 16,
    zero_init_residual: bool = False,
    in_channels: int = 3,
    **kwargs: Any,
) -> ResNet:
    """A CIFAR-10 ResNet of the given depth (weighted layers), as the literature means it.

    * 6n+2 (``block="basic"``): the paper's nets (section 4.2): a 3x3 conv with 16
      filters, three stages of ``n`` basic blocks with 16, 32 and 64 filters on 32x32,
      16x16 and 8x8 maps, global average pooling and a ``num_classes``-way linear layer.
      Option A shortcuts by default, so ResNet and plain twin have equal parameters.
    * 9n+2 (``block="bottleneck"``): the pre-activation bottleneck nets of He et al. 2016b,
      as the authors' code (KaimingHe/resnet-1k-layers) builds them: a bare 3x3 conv with
      16 filters, full pre-activation bottleneck units of widths 16, 32, 64 (outputs 64,
      128, 256) with the stride on the first 1x1, 1x1 projections where the shape changes
      (reading the unit's pre-activated input), and a final BN-ReLU before pooling.
      ``cifar_resnet(164)`` is ResNet-164 (1.7 M parameters), ``cifar_resnet(1001)``
      ResNet-1001 (10.2 M). ``preact=False`` (or another ``ordering``) and ``shortcut``
      override those defaults.

    ``block=None`` picks the family from the depth (:func:`cifar_block_for_depth`: 164
    and 1001 are bottleneck nets; other depths of both forms are basic). Other keyword
    arguments go to :class:`ResNet` (``norm_layer``, ``act_layer``, ``init``, ``generator``, ...).
    """
    block = block if block is not None else cifar_block_for_depth(depth)
    n = cifar_depth_to_blocks(depth, block)
    if (
        block == "bottleneck" and not plain
    ):  # He et al. 2016b, as their code builds it
        if preact is None and ordering is None:
            ordering = "full_preact"
        kwargs.setdefault("stride_on", "1x1")
        shortcut = shortcut or "B"
    return ResNet(
        block,
        (n, n, n),
        num_classes,
        zero_init_residual,
        base_width=base_width,
        stem="cifar",
        shortcut=shortcut or "A",
        plain=plain,
        preact=bool(preact),
        ordering=ordering,
        in_channels=in_channels,
        **kwargs,
    )
