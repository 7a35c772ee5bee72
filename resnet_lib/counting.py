"""Closed-form parameter and multiply-add counts, and weighted-layer counting.

Everything here is arithmetic on the architecture (no model is built), so the book can
derive a number step by step and then check it against ``sum(p.numel())`` of the built
module. Conventions:

* parameters are learnable tensors (BatchNorm's running statistics are buffers, not
  parameters); a BatchNorm over ``C`` channels has ``2C`` parameters (scale and shift);
* multiply-adds (MACs) count convolutions and the final linear layer, as the paper's
  Table 1 and torchvision's ``GFLOPS`` metadata do; a k x k convolution producing a
  ``C_out x H' x W'`` map from ``C_in`` channels in ``g`` groups costs
  ``k*k*(C_in/g)*C_out*H'*W'`` (and has ``k*k*(C_in/g)*C_out`` weights);
* the paper's *depth* counts weighted layers on the main path: the stem convolution, the
  convolutions of every block and the final linear layer; not pooling, not BatchNorm and
  not the 1x1 projection shortcuts (ResNet-101 = 1 + 3*(3+4+23+3) + 1).
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass, field
from typing import Iterator, Optional, TypedDict

from torch import nn

from .nn.blocks import block_kind, get_block
from .nn.layers import (
    _check_options,
    _check_positive,
    bottleneck_width,
    check_shortcut_option,
    check_stride_on,
    norm_factory,
)
from .nn.models import ResNetConfig


@dataclass(frozen=True)
class Count:
    """A count split by kind: convolution weights (and biases), norms, shortcut, and linear layer."""

    conv: int = 0
    bn: int = 0
    shortcut: int = 0
    fc: int = 0

    @property
    def total(self) -> int:
        return self.conv + self.bn + self.shortcut + self.fc

    def __add__(self, other: "Count") -> "Count":
        return Count(
            self.conv + other.conv,
            self.bn + other.bn,
            self.shortcut + other.shortcut,
            self.fc + other.fc,
        )


def conv_out(size: int, kernel: int, stride: int, padding: int) -> int:
    """Spatial output size of a convolution or pooling: ``(size + 2p - k) // s + 1``."""
    return (size + 2 * padding - kernel) // stride + 1


def _shortcut_shape_changes(
    in_channels: int, out_channels: int, stride: int
) -> bool:
    return stride != 1 or in_channels != out_channels


def _projects(
    option: Optional[str], in_channels: int, out_channels: int, stride: int
) -> bool:
    return option == "C" or (
        option == "B"
        and _shortcut_shape_changes(in_channels, out_channels, stride)
    )


def _main_convs(
    kind: str,
    in_channels: int,
    planes: int,
    out: int,
    groups: int,
    width_per_group: int,
) -> list[tuple[int, int, int, int]]:
    """``(kernel, c_in, c_out, groups)`` of every convolution on a block's main path."""
    if kind == "basic":
        return [(3, in_channels, planes, 1), (3, planes, out, 1)]
    width = bottleneck_width(planes, groups, width_per_group)
    return [
        (1, in_channels, width, 1),
        (3, width, width, groups),
        (1, width, out, 1),
    ]


def block_params(
    block: str,
    in_channels: int,
    planes: int,
    stride: int = 1,
    shortcut: str = "B",
    plain: bool = False,
    preact: bool = False,
    *,
    groups: int = 1,
    width_per_group: int = 64,
    ordering: Optional[str] = None,
    norm_layer: str = "batchnorm",
    expansion: Optional[int] = None,
) -> Count:
    """Parameters of one block, in closed form.

    BasicBlock: ``3*3*C_in*P + 3*3*P*P`` conv weights (73,728 for ``C_in = P = 64``).
    Bottleneck: ``C_in*W + 3*3*W*W/groups + W*4P`` with ``W = int(P * width_per_group / 64)
    * groups`` (69,632 for ``C_in = 256, P = 64``; ``W = P`` unless ResNeXt / Wide ResNet).
    BatchNorm: ``2*C`` per normalised map (``C_in`` first in a full pre-activation unit).
    A projection shortcut (option B where the shape changes, option C always) adds
    ``C_in*C_out`` weights and, after a post-activation block, a BatchNorm. With
    ``norm_layer="none"`` there are no norms and every convolution has a bias.
    ``expansion`` overrides the block's (a subclass of ``Bottleneck`` with ``expansion = 2``).
    """
    cls = get_block(block, plain, preact, ordering)
    kind = block_kind(cls)
    _check_options(
        kind, in_channels, planes, stride, groups, width_per_group, 1
    )
    option = check_shortcut_option(shortcut) if not plain else None
    full_preact = cls.ordering == "full_preact"
    normed = norm_factory(norm_layer) is not None
    out = planes * (expansion or cls.expansion)
    convs = _main_convs(
        kind, in_channels, planes, out, groups, width_per_group
    )
    conv = sum(k * k * cin // g * cout for k, cin, cout, g in convs)
    if not normed:
        conv += sum(cout for _, _, cout, _ in convs)  # biases
    channels = (
        [in_channels] + [cout for _, _, cout, _ in convs[:-1]]
        if full_preact
        else [c for _, _, c, _ in convs]
    )
    sc = 0
    if _projects(option, in_channels, out, stride):
        sc = in_channels * out + (2 * out if normed and not full_preact else 0)
    return Count(
        conv=conv,
        bn=sum(2 * c for c in channels) if normed else 0,
        shortcut=sc,
    )


def block_macs(
    block: str,
    in_channels: int,
    planes: int,
    stride: int,
    height: int,
    width: int,
    shortcut: str = "B",
    plain: bool = False,
    stride_on: str = "3x3",
    *,
    groups: int = 1,
    width_per_group: int = 64,
    expansion: Optional[int] = None,
) -> Count:
    """Multiply-adds of one block's convolutions for an ``in_channels x height x width`` input.

    A k x k convolution in ``g`` groups costs ``k*k*(C_in/g)*C_out`` per output pixel.
    ``stride_on="3x3"`` is torchvision's "ResNet V1.5" bottleneck; ``"1x1"`` the paper's
    original, which strides the first 1x1 conv and so runs the 3x3 on the smaller map.
    Dilation (which keeps the map's size) changes nothing here.
    """
    cls = get_block(block, plain)
    check_stride_on(stride_on)
    kind = block_kind(cls)
    _check_options(
        kind, in_channels, planes, stride, groups, width_per_group, 1
    )
    out = planes * (expansion or cls.expansion)
    h, w = (
        conv_out(height, 3, stride, 1),
        conv_out(width, 3, stride, 1),
    )  # output map
    convs = _main_convs(
        kind, in_channels, planes, out, groups, width_per_group
    )
    per_pixel = [k * k * cin // g * cout for k, cin, cout, g in convs]
    if (
        kind == "bottleneck" and stride_on == "3x3"
    ):  # the first 1x1 runs on the input map
        conv = per_pixel[0] * height * width + sum(per_pixel[1:]) * h * w
    else:
        conv = sum(per_pixel) * h * w
    option = None if plain else check_shortcut_option(shortcut)
    sc = (
        in_channels * out * h * w
        if _projects(option, in_channels, out, stride)
        else 0
    )
    return Count(conv=conv, shortcut=sc)


@dataclass(frozen=True)
class StageRow:
    """One row of a network's table: a stem, a stage or the head."""

    name: str
    blocks: int
    out_channels: int
    out_size: tuple[int, int]
    params: Count
    macs: Count
    weighted_layers: int


@dataclass(frozen=True)
class NetworkCount:
    """Closed-form totals of a whole network, with a row per stem / stage / head."""

    rows: list[StageRow] = field(default_factory=list)

    @property
    def params(self) -> int:
        return sum(r.params.total for r in self.rows)

    @property
    def macs(self) -> int:
        return sum(r.macs.total for r in self.rows)

    @property
    def weighted_layers(self) -> int:
        return sum(r.weighted_layers for r in self.rows)


class _BlockOptions(TypedDict):
    """A block's options, in the keywords :func:`block_params` and :func:`block_macs`
    both take."""

    shortcut: str
    plain: bool
    groups: int
    width_per_group: int
    expansion: int


def network_count(
    config: ResNetConfig,
    input_size: int | tuple[int, int] = 224,
    stride_on: Optional[str] = None,
) -> NetworkCount:
    """Parameters, multiply-adds and weighted layers of a ResNet, in closed form.

    Covers every option of :class:`~resnet_lib.nn.models.ResNetConfig` for our basic and
    bottleneck blocks and their subclasses: groups and width (ResNeXt, Wide ResNet),
    ``replace_stride_with_dilation`` (the dilated stages keep their map size), the unit
    orderings, shortcut options A/B/C, plain twins and ``norm_layer="none"``.

    Args:
        config: the architecture (see :class:`~resnet_lib.nn.models.ResNetConfig`).
        input_size: ``H`` (square) or ``(H, W)`` of the input image.
        stride_on: where a bottleneck strides (``"3x3"``: torchvision; ``"1x1"``: paper);
            by default the config's.
    """
    h, w = (
        (input_size, input_size)
        if isinstance(input_size, int)
        else tuple(input_size)
    )
    _check_positive(height=h, width=w)
    stride_on = stride_on or config.stride_on
    cls = config.block_class
    kind = block_kind(cls)
    expansion = cls.expansion
    normed = norm_factory(config.norm_layer) is not None
    full_preact = config.ordering == "full_preact"
    base = config.base_width
    convs_per_block = 2 if kind == "basic" else 3
    # every block's options, for its parameters and its multiply-adds alike
    options = _BlockOptions(
        shortcut=config.shortcut,
        plain=config.plain,
        groups=config.groups,
        width_per_group=config.width_per_group,
        expansion=expansion,
    )
    rows = []

    # stem
    k = 7 if config.stem == "imagenet" else 3
    stem_conv = k * k * config.in_channels * base + (0 if normed else base)
    if config.stem == "imagenet":
        h, w = conv_out(h, 7, 2, 3), conv_out(w, 7, 2, 3)
    stem_macs = k * k * config.in_channels * base * h * w
    if config.stem == "imagenet":
        h, w = conv_out(h, 3, 2, 1), conv_out(w, 3, 2, 1)  # max pool
    stem_bn = (
        0
        if (full_preact and config.stem == "cifar") or not normed
        else 2 * base
    )
    rows.append(
        StageRow(
            "stem",
            0,
            base,
            (h, w),
            Count(conv=stem_conv, bn=stem_bn),
            Count(conv=stem_macs),
            1,
        )
    )

    def block(
        channels: int, planes: int, stride: int, h: int, w: int
    ) -> tuple[Count, Count]:
        return (
            block_params(
                kind,
                channels,
                planes,
                stride,
                ordering=config.ordering,
                norm_layer="batchnorm" if normed else "none",
                **options,
            ),
            block_macs(
                kind,
                channels,
                planes,
                stride,
                h,
                w,
                stride_on=stride_on,
                **options,
            ),
        )

    seen: dict[
        tuple[int, ...], tuple[Count, Count]
    ] = {}  # the blocks of a stage repeat: count each kind once
    channels = base
    for i, (planes, n) in enumerate(zip(config.stage_widths, config.layers)):
        params, macs = Count(), Count()
        dilated = i > 0 and config.replace_stride_with_dilation[i - 1]
        for j in range(n):
            stride = 2 if (i > 0 and j == 0 and not dilated) else 1
            key = (channels, planes, stride, h, w)
            if key not in seen:
                seen[key] = block(*key)
            params, macs = params + seen[key][0], macs + seen[key][1]
            h, w = conv_out(h, 3, stride, 1), conv_out(w, 3, stride, 1)
            channels = planes * expansion
        rows.append(
            StageRow(
                f"layer{i + 1}",
                n,
                channels,
                (h, w),
                params,
                macs,
                n * convs_per_block,
            )
        )

    head_bn = 2 * channels if full_preact and normed else 0
    fc = channels * config.num_classes + config.num_classes
    rows.append(
        StageRow(
            "fc",
            0,
            config.num_classes,
            (1, 1),
            Count(bn=head_bn, fc=fc),
            Count(fc=channels * config.num_classes),
            1,
        )
    )
    return NetworkCount(rows)


def need_module(model: object, where: str) -> None:
    """Refuse what is not an ``nn.Module``, naming what was given."""
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"{where} takes an nn.Module (a network or a layer); got "
            f"{type(model).__name__} {reprlib.repr(model)}"
        )


def count_params(model: nn.Module, trainable_only: bool = False) -> int:
    """``sum(p.numel())`` over the model's parameters."""
    need_module(model, "count_params")
    return sum(
        p.numel()
        for p in model.parameters()
        if p.requires_grad or not trainable_only
    )


def _is_shortcut(name: str) -> bool:
    return "downsample" in name.split(".")


def weighted_layers(
    model: nn.Module, include_shortcuts: bool = False
) -> Iterator[tuple[str, nn.Module]]:
    """Yield ``(name, module)`` for every convolution and linear layer, in registration order.

    Registration order is input-to-output order for ResNets (ours and torchvision's).
    Shortcut projections (any module under a ``downsample``) are skipped unless
    ``include_shortcuts``, since the paper's depth does not count them.
    """
    need_module(model, "weighted_layers")  # now, not at the first next()
    return (
        (name, module)
        for name, module in model.named_modules()
        if isinstance(module, (nn.Conv2d, nn.Linear))
        and (include_shortcuts or not _is_shortcut(name))
    )


@dataclass(frozen=True)
class LayerCount:
    """Weighted layers of a model, per top-level part (``conv1``, ``layer1``, ..., ``fc``)."""

    per_stage: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.per_stage.values())

    def __int__(self) -> int:
        return self.total

    def formula(self) -> str:
        """E.g. ``'1 + 9 + 12 + 69 + 9 + 1 = 101'``."""
        return (
            " + ".join(str(v) for v in self.per_stage.values())
            + f" = {self.total}"
        )


def count_weighted_layers(model: nn.Module) -> LayerCount:
    """Walk a built model and count its weighted layers the way the paper counts depth.

    Works on this package's models and on torchvision's: ResNet-101 gives
    ``{'conv1': 1, 'layer1': 9, 'layer2': 12, 'layer3': 69, 'layer4': 9, 'fc': 1}``.
    """
    need_module(model, "count_weighted_layers")
    per_stage: dict[str, int] = {}
    for name, _ in weighted_layers(model):
        top = name.split(".")[0] or name
        per_stage[top] = per_stage.get(top, 0) + 1
    if not per_stage:
        raise ValueError(
            f"{type(model).__name__} has no Conv2d or Linear layers to count"
        )
    return LayerCount(per_stage)
