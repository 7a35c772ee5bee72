"""The architecture builder: any ResNet you can describe, explained.

:func:`describe` builds a network from a handful of choices (block type, blocks per stage,
base width, stem, shortcut option, input size; groups and width per group for ResNeXt
and Wide ResNets) and returns an :class:`ArchitectureReport`:
torchinfo's summary, total parameters and multiply-adds, the paper's weighted-layer count
with its per-stage breakdown, and how it differs from the nearest named ResNet. Reports
are cached, so flipping back to a network already seen costs nothing.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Optional, Sequence, cast

import torch
from torch import nn

from ..counting import (
    LayerCount,
    StageRow,
    count_weighted_layers,
    network_count,
)
from ..nn.models import (
    CIFAR_PREACT_DEPTHS,
    IMAGENET_SPECS,
    TORCHVISION_SPECS,
    ResNet,
    ResNetConfig,
)
from .diagrams import Diagram, network_diagram
from .tables import html_table
from ..device import cpu_threads
from .. import i18n
from ..i18n import Text, _

#: What the builder agrees to build and summarise (checked in closed form first, so an
#: oversized request is refused in milliseconds instead of freezing the kernel). The
#: paper's largest networks fit: ResNet-1202 (600 blocks, 19.4 M parameters) and
#: ResNet-152 (60.2 M parameters, 11.5 G multiply-adds at 224x224; 60 G at 512x512).
MAX_STAGES = 6
MAX_BLOCKS = 600
MAX_PARAMS = 250_000_000
MAX_MACS = 100_000_000_000

#: The named ResNets of the paper: ImageNet (Table 1) and CIFAR-10 (section 4.2).
NAMED: dict[str, ResNetConfig] = {
    **{
        f"ResNet-{d}": ResNetConfig(block, layers)
        for d, (block, layers) in IMAGENET_SPECS.items()
    },
    **{
        f"CIFAR ResNet-{6 * n + 2}": ResNetConfig(
            "basic", (n, n, n), 16, "cifar", "A", num_classes=10
        )
        for n in (3, 5, 7, 9, 18)
    },
}

#: Named networks after 2015 (torchvision's ResNeXt and Wide ResNets; He et al. 2016b's
#: pre-activation CIFAR nets), which :func:`describe_named` and :func:`nearest_named` know
#: too. Kept apart from :data:`NAMED`, the paper's, which the builder chapter lists.
LATER_NAMED: dict[str, ResNetConfig] = {
    **{
        name: ResNetConfig(block, layers, groups=groups, width_per_group=width)
        for name, (block, layers, groups, width) in {
            "ResNeXt-50 32x4d": TORCHVISION_SPECS["resnext50_32x4d"],
            "ResNeXt-101 32x8d": TORCHVISION_SPECS["resnext101_32x8d"],
            "ResNeXt-101 64x4d": TORCHVISION_SPECS["resnext101_64x4d"],
            "Wide ResNet-50-2": TORCHVISION_SPECS["wide_resnet50_2"],
            "Wide ResNet-101-2": TORCHVISION_SPECS["wide_resnet101_2"],
        }.items()
    },
    **{
        f"CIFAR ResNet-{d} (pre-activation)": ResNetConfig(
            "bottleneck",
            (n, n, n),
            16,
            "cifar",
            "B",
            num_classes=10,
            ordering="full_preact",
            stride_on="1x1",
        )
        for d, n in CIFAR_PREACT_DEPTHS.items()
    },
}


def network_options(networks: Sequence[str]) -> dict[str, str]:
    """The builder's menu of ``networks`` and "custom" (the knobs), each labelled in
    the reader's language (a network's name stays its name)."""
    options: dict[str, str] = {}
    for name in networks:
        base, preact, _rest = name.partition(" (pre-activation)")
        label = (
            str(Text("{network} (pre-activation)", network=base))
            if preact
            else name
        )
        options[label] = name
    options[_("custom")] = "custom"
    return options


def _all_named() -> dict[str, ResNetConfig]:
    return {**NAMED, **LATER_NAMED}


def _named_size(config: ResNetConfig) -> int:
    """The input size a named network is described at: 32x32 for CIFAR, 224 for ImageNet."""
    return 32 if config.stem == "cifar" else 224


#: The builder's knobs: what "custom" builds from, and what a named network sets.
KNOBS = (
    "block",
    "layers",
    "base_width",
    "groups",
    "width_per_group",
    "ordering",
    "stride_on",
    "stem",
    "shortcut",
    "input_size",
)


def network_settings(network: str) -> dict[str, Any]:
    """The builder's knobs (:data:`KNOBS`) set to what ``network`` is built with; ``{}``
    for ``"custom"``, which keeps them as they are.

    ``layers`` is given as its control shows it (``"2 2 2 2"``); ``input_size`` is the
    one :func:`describe_named` uses. :func:`describe` of these settings builds ``network``.
    """
    if network == "custom":
        return {}
    named = _all_named()
    if network not in named:
        raise ValueError(
            f"unknown network {network!r}; named ones: {', '.join(named)}, or 'custom'"
        )
    c = named[network]
    return {
        "block": c.block,
        "layers": " ".join(str(n) for n in c.layers),
        "base_width": c.base_width,
        "groups": c.groups,
        "width_per_group": c.width_per_group,
        "ordering": c.ordering,
        "stride_on": c.stride_on,
        "stem": c.stem,
        "shortcut": c.shortcut,
        "input_size": _named_size(c),
    }


def _custom(_value: Any) -> dict[str, str]:
    return {"network": "custom"}


def builder_links() -> dict[str, Callable[[Any], dict[str, Any]]]:
    """The builder's :class:`~resnet_lib.book.explorer.Explorer` ``links``, so that its
    controls always show the network that is built: choosing a named network sets every
    knob to that network's value (:func:`network_settings`); turning a knob makes the
    network "custom" (built from the knobs, which start from the last named network)."""
    return {"network": network_settings, **dict.fromkeys(KNOBS, _custom)}


#: A fold's title as browsers draw it by default (a disclosure triangle, a hand over it),
#: inline because an inline style beats a front end's stylesheet: the classic Notebook's
#: (Colab's) sets ``summary {display: block}``, which drops the triangle.
SUMMARY_STYLE = ' style="display:list-item;cursor:pointer"'


@dataclass(frozen=True)
class ArchitectureReport:
    """Everything the builder shows about one architecture."""

    config: ResNetConfig
    input_size: int
    params: int
    macs: int  # convolutions + fc, as the paper and torchvision count them
    torchinfo_macs: int  # torchinfo's total (also counts BatchNorm and biases)
    layers: LayerCount
    rows: tuple[StageRow, ...]
    summary: str
    nearest: str
    differences: tuple[str, ...]
    diagram: Diagram  # drawn from the built model (resnet_lib.book.diagrams)

    @property
    def name(self) -> str:
        return next(
            (n for n, c in _all_named().items() if c == self.config),
            _("custom ResNet"),
        )

    def table_html(self) -> str:
        """Per-part table: stem, every stage, the classifier."""
        return html_table(
            (
                _("part"),
                _("blocks"),
                _("output (C x H x W)"),
                _("weighted layers"),
                _("parameters"),
                _("mult-adds"),
            ),
            [
                (
                    _("stem") if r.name == "stem" else r.name,
                    r.blocks or "",
                    f"{r.out_channels} x {r.out_size[0]} x {r.out_size[1]}",
                    r.weighted_layers,
                    r.params.total,
                    r.macs.total,
                )
                for r in self.rows
            ],
        )

    def _repr_html_(self) -> str:
        # the differences in the reader's language now (the report is cached)
        diffs = _differences(self.config, _all_named()[self.nearest])
        diff = (
            Text("differs in {differences}", differences="; ".join(diffs))
            if diffs
            else Text("identical to it")
        )
        # two sentences, each one template with its markup, so that each translates whole
        totals = Text(
            "<b>{name}</b> at {size}x{size}: <b>{params:,}</b> parameters, "
            "<b>{macs:.3f} G</b> multiply-adds (torchinfo: {torchinfo:.3f} G, "
            "which adds BatchNorm and biases), <b>{layers}</b> weighted layers "
            "= {formula}.",
            name=html.escape(self.name),
            size=self.input_size,
            params=self.params,
            macs=self.macs / 1e9,
            torchinfo=self.torchinfo_macs / 1e9,
            layers=self.layers.total,
            formula=html.escape(self.layers.formula()),
        )
        nearest = Text(
            "Nearest named network: <b>{nearest}</b>, {difference}.",
            nearest=html.escape(self.nearest),
            difference=html.escape(str(diff)),
        )
        diagram, summary = _("Diagram"), _("torchinfo summary")
        return (
            f"<div>{totals!s}<br>{nearest!s}</div>"
            f"<details open><summary{SUMMARY_STYLE}>{diagram}</summary>{self.diagram.svg}</details>"
            f"{self.table_html()}"
            f"<details><summary{SUMMARY_STYLE}>{summary}</summary><pre>{html.escape(self.summary)}</pre></details>"
        )


def _differences(config: ResNetConfig, other: ResNetConfig) -> list[str]:
    """What differs between ``config`` and ``other``, in the reader's language."""
    out = []
    for field in (
        "stem",
        "block",
        "layers",
        "base_width",
        "groups",
        "width_per_group",
        "shortcut",
        "plain",
        "ordering",
        "stride_on",
        "num_classes",
        "in_channels",
    ):
        a, b = getattr(config, field), getattr(other, field)
        if a != b:
            out.append(
                str(
                    Text(
                        "{field} {value} (it has {other})",
                        field=field,
                        value=repr(a),
                        other=repr(b),
                    )
                )
            )
    return out


def nearest_named(config: ResNetConfig) -> tuple[str, tuple[str, ...]]:
    """The named ResNet closest to ``config`` and the list of what differs."""

    def differences(other: ResNetConfig) -> list[str]:
        return _differences(config, other)

    def distance(item) -> tuple:
        name, other = item
        depth_gap = abs(
            sum(config.layers) * (3 if config.block == "bottleneck" else 2)
            - sum(other.layers) * (3 if other.block == "bottleneck" else 2)
        )
        return (
            config.stem != other.stem,
            config.block != other.block,
            len(config.layers) != len(other.layers),
            depth_gap,
            len(differences(other)),
        )

    name, other = min(_all_named().items(), key=distance)
    return name, tuple(differences(other))


@lru_cache(maxsize=64)
def _report(
    config: ResNetConfig, input_size: int, device: str, language: str
) -> ArchitectureReport:
    # ``language``: the diagram's words are those of the language it was drawn in
    import torchinfo

    with cpu_threads(
        1, device
    ):  # on a busy 2-core CPU, 1 thread was 9x faster (see .threads)
        model = ResNet.from_config(config).to(device).eval()
        stats = torchinfo.summary(
            model,
            input_size=(1, config.in_channels, input_size, input_size),
            device=device,
            depth=2,
            verbose=0,
            col_names=("output_size", "num_params"),
            col_width=19,  # 78 characters a line: the page's code column, no scrolling
        )
    counted = network_count(config, input_size)
    nearest, diffs = nearest_named(config)
    return ArchitectureReport(
        config=config,
        input_size=input_size,
        params=counted.params,
        macs=counted.macs,
        torchinfo_macs=int(stats.total_mult_adds),
        layers=count_weighted_layers(model),
        rows=tuple(counted.rows),
        summary=str(stats),
        nearest=nearest,
        differences=diffs,
        diagram=network_diagram(model, input_size),
    )


def describe(
    block: str = "basic",
    layers: Sequence[int] = (2, 2, 2, 2),
    base_width: int = 64,
    stem: str = "imagenet",
    shortcut: str = "B",
    input_size: int = 224,
    *,
    plain: bool = False,
    preact: bool = False,
    num_classes: Optional[int] = None,
    device: Optional[torch.device] = None,
    groups: int = 1,
    width_per_group: int = 64,
    ordering: Optional[str] = None,
    stride_on: str = "3x3",
) -> ArchitectureReport:
    """Build the described ResNet and report on it (cached by the description).

    ``groups`` and ``width_per_group`` are torchvision's (ResNeXt-50 32x4d: 32 and 4; Wide
    ResNet-50-2: 1 and 128; bottleneck blocks only); ``ordering`` and ``stride_on`` those of
    :class:`~resnet_lib.nn.models.ResNetConfig`.

    Raises:
        ValueError: for an impossible description, with what was given and what is allowed.
    """
    if (
        isinstance(input_size, bool)
        or not isinstance(input_size, int)
        or not 8 <= input_size <= 1024
    ):
        raise ValueError(
            f"input_size must be a whole number of pixels from 8 to 1024; got {input_size!r}"
        )
    if isinstance(layers, str):
        try:
            layers = tuple(int(x) for x in layers.replace(",", " ").split())
        except ValueError:
            raise ValueError(
                f"blocks per stage must be whole numbers like '3 4 6 3'; got {layers!r}"
            ) from None
    classes = (
        num_classes
        if num_classes is not None
        else (10 if stem == "cifar" else 1000)
    )
    try:
        layers = tuple(layers)
    except TypeError:
        raise ValueError(
            f"blocks per stage must be a list of whole numbers like [3, 4, 6, 3]; got {layers!r}"
        ) from None
    config = ResNetConfig(
        block=block,
        layers=layers,
        base_width=base_width,
        stem=stem,
        shortcut=shortcut,
        plain=plain,
        preact=preact,
        num_classes=classes,
        groups=groups,
        width_per_group=width_per_group,
        ordering=ordering,
        stride_on=stride_on,
    )
    check_size(config, input_size)
    dev = str(device) if device is not None else "cpu"
    return _report(config, input_size, dev, i18n.language())


def check_size(config: ResNetConfig, input_size: int) -> None:
    """Refuse networks too large for an interactive builder (see :data:`MAX_PARAMS` etc.).

    Raises:
        ValueError: saying what was asked for and the limit it exceeds.
    """
    stages, blocks = len(config.layers), sum(config.layers)
    if stages > MAX_STAGES:
        raise ValueError(
            f"at most {MAX_STAGES} stages (the paper uses 3 or 4); got {stages}"
        )
    if blocks > MAX_BLOCKS:
        raise ValueError(
            f"at most {MAX_BLOCKS} blocks in all (ResNet-1202 has 600); got {blocks}"
        )
    counted = network_count(config, input_size)
    if counted.params > MAX_PARAMS:
        raise ValueError(
            f"this network has {counted.params / 1e6:,.0f} M parameters; the builder stops at "
            f"{MAX_PARAMS / 1e6:,.0f} M (ResNet-152 has 60 M): use fewer blocks or a smaller base width"
        )
    if counted.macs > MAX_MACS:
        raise ValueError(
            f"this network costs {counted.macs / 1e9:,.0f} G multiply-adds per image; the builder stops at "
            f"{MAX_MACS / 1e9:,.0f} G (ResNet-152 at 224x224: 11.5 G): use a smaller input or network"
        )


def stage_shapes(
    model: nn.Module, input_size: int = 224
) -> list[tuple[str, tuple[int, int, int]]]:
    """Measured ``(part, (C, H, W))`` after the stem and after every stage of a
    built ResNet.

    Forward hooks record what comes out of the stem's last module
    (``maxpool``, an ``nn.Identity`` in the CIFAR stem) and of every
    ``layerN`` for one zero image, so the sizes are the model's, not a
    formula's. Works on torchvision's ResNets too.
    """
    stages = getattr(
        model, "stage_names", ["layer1", "layer2", "layer3", "layer4"]
    )
    in_channels = cast(
        nn.Conv2d, model.conv1
    ).in_channels  # a ResNet's stem convolution
    parts = [("stem", model.maxpool)] + [
        (name, getattr(model, name)) for name in stages
    ]
    seen: list[tuple[str, tuple[int, int, int]]] = []
    hooks = [
        m.register_forward_hook(
            lambda _m, _i, o, n=n: seen.append((n, tuple(o.shape[1:])))
        )
        for n, m in parts
    ]
    was_training = model.training
    try:
        with torch.no_grad():
            model.eval()(
                torch.zeros(
                    1,
                    in_channels,
                    input_size,
                    input_size,
                    device=next(model.parameters()).device,
                )
            )
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return seen


def describe_named(
    name: str,
    input_size: Optional[int] = None,
    device: Optional[torch.device] = None,
) -> ArchitectureReport:
    """:func:`describe` for one of :data:`NAMED` or :data:`LATER_NAMED` (224x224 for ImageNet
    nets, 32x32 for CIFAR)."""
    named = _all_named()
    if name not in named:
        raise ValueError(
            f"unknown network {name!r}; named ones: {', '.join(named)}"
        )
    c = named[name]
    size = input_size or _named_size(c)
    # the named networks are given by block name (ResNetConfig stores our own classes by name too)
    return describe(
        cast(str, c.block),
        c.layers,
        c.base_width,
        c.stem,
        c.shortcut,
        size,
        num_classes=c.num_classes,
        device=device,
        groups=c.groups,
        width_per_group=c.width_per_group,
        ordering=c.ordering,
        stride_on=c.stride_on,
    )
