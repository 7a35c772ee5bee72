"""What ``book/resnext-and-wide.md`` shows: grouped convolutions, ResNeXt's
cardinality and Wide ResNet's width, counted and beside the published
figures."""

from __future__ import annotations

from typing import Mapping, Sequence

from ...counting import Count, NetworkCount
from ...i18n import Text, _
from ...nn.models import TORCHVISION_SPECS, ResNetConfig
from ...reference import RESNEXT_TABLE3, TORCHVISION, TORCHVISION_V2
from ..notebook import glues
from ..tables import html_table

#: the title of the chapter's explorer of :func:`cardinality_table`
CARDINALITY_TITLE = Text("Cardinality x width")


def grouped_conv_lines(weight_shape: Sequence[int], same: bool) -> str:
    """The grouped convolution's weight shape, and whether it gave what 4
    convolutions on slices of the channels, concatenated, give."""
    return "\n".join(
        (
            str(Text("weight shape: {shape}", shape=str(tuple(weight_shape)))),
            str(
                Text(
                    "grouped conv == 4 convs on slices, concatenated: {same}",
                    same=same,
                )
            ),
        )
    )


def groups_table(groups: Mapping[int, Mapping[str, int]]) -> str:
    """A 128-channel 3x3 convolution, and the Bottleneck it sits in, for
    each number of groups.

    Args:
        groups: g -> ``{"weights": the 3x3's weights, "macs": its
            multiply-adds at 56x56, "block": the block's convolution weights,
            "block_macs": their multiply-adds}``; g = 1 must be among them.
    """
    dense = groups[1]["weights"]
    rows = [
        (
            g,
            128 // g,
            v["weights"],
            f"{v['macs'] / 1e6:.1f} M",
            f"1/{dense // v['weights']}",
            v["block"],
            f"{v['block_macs'] / 1e6:.0f} M",
        )
        for g, v in groups.items()
    ]
    return html_table(
        (
            _("groups g"),
            _("inputs per output channel"),
            _("3x3 weights"),
            _("3x3 multiply-adds"),
            _("of g = 1"),
            _("block weights"),
            _("block multiply-adds"),
        ),
        rows,
        caption=_("A 128-channel 3x3 convolution in g groups, 56x56"),
    )


def stage_widths_table(
    widths: Mapping[str, tuple[ResNetConfig, Sequence[tuple[int, int, int]]]],
) -> str:
    """The 3x3 convolution of each stage's first block, as groups x channels
    per group, and the blocks' outputs.

    Args:
        widths: builder name -> (its config, and per stage the first block's
            (3x3 output channels, 3x3 groups, block output channels)).
    """
    stages = ("layer1", "layer2", "layer3", "layer4")
    rows = [
        (
            name,
            config.groups,
            config.width_per_group,
            *(f"{out} = {g} x {out // g}" for out, g, _b in blocks),
            ", ".join(str(b) for _o, _g, b in blocks),
        )
        for name, (config, blocks) in widths.items()
    ]
    return html_table(
        (
            _("model"),
            _("groups"),
            "width_per_group",
            *(
                str(
                    Text("{stage}: 3x3 channels = groups x per group", stage=s)
                )
                for s in stages
            ),
            _("block outputs"),
        ),
        rows,
    )


def table3(
    counts: Mapping[tuple[int, int, int], tuple[int, NetworkCount]],
) -> str:
    """Xie et al. 2017, Table 3, with our counts.

    Args:
        counts: the table's key (depth, C, d) -> (the first-stage block's
            convolution weights, the network's count).
    """
    rows = []
    for key, (block, count) in counts.items():
        r = RESNEXT_TABLE3[key]
        rows.append(
            (
                r.name,
                block,
                f"{count.params / 1e6:.1f} M",
                f"{count.macs / 1e9:.2f} G",
                f"{r.top1_error:.1f}",
            )
        )
    return html_table(
        (
            _("network (C x d)"),
            _("first-stage block weights"),
            _("parameters"),
            _("multiply-adds"),
            _("paper: top-1 error %"),
        ),
        rows,
        caption=_("Xie et al. 2017, Table 3, with our counts"),
    )


def torchvision_table(ours: Mapping[str, NetworkCount]) -> str:
    """Our counts of torchvision's builders beside its weights' metadata
    (IMAGENET1K_V1, and the V2 weights' top-1 where there are some).

    Args:
        ours: torchvision builder name -> our closed-form count.
    """
    rows = []
    for name, count in ours.items():
        tv = TORCHVISION[name]
        v2 = TORCHVISION_V2[name].acc1 if name in TORCHVISION_V2 else _("none")
        rows.append(
            (
                name,
                count.params,
                tv.params,
                f"{count.macs / 1e9:.3f}",
                tv.gflops,
                tv.acc1,
                tv.acc5,
                v2,
            )
        )
    return html_table(
        (
            _("builder"),
            _("our parameters"),
            _("torchvision's"),
            _("our multiply-adds (G)"),
            _("torchvision's GFLOPS"),
            _("top-1 %"),
            _("top-5 %"),
            _("top-1 %, V2 weights"),
        ),
        rows,
        caption=_(
            "torchvision's figures: weights IMAGENET1K_V1 "
            "(and IMAGENET1K_V2, a newer recipe)"
        ),
    )


@glues(
    "x50_params",
    "x50_macs",
    "acc_gain",
    "acc_gain2",
    "x101_ratio",
    "w50_params",
    "w50_macs",
)
def ratios_values(ours: Mapping[str, NetworkCount]) -> dict[str, str]:
    """The prose's numbers: ResNeXt-50's and Wide ResNet-50-2's cost as
    multiples of ResNet-50's, ResNeXt-50's top-1 gain (V1 and V2 weights)
    and ResNeXt-101 64x4d's multiply-adds as a multiple of ResNet-101's."""
    r50, x50 = ours["resnet50"], ours["resnext50_32x4d"]
    w50 = ours["wide_resnet50_2"]
    gain = TORCHVISION["resnext50_32x4d"].acc1 - TORCHVISION["resnet50"].acc1
    gain2 = (
        TORCHVISION_V2["resnext50_32x4d"].acc1
        - TORCHVISION_V2["resnet50"].acc1
    )
    x101 = ours["resnext101_64x4d"].macs / ours["resnet101"].macs
    return {
        "x50_params": f"{x50.params / r50.params:.2f}",
        "x50_macs": f"{x50.macs / r50.macs:.2f}",
        "acc_gain": f"{gain:.2f}",
        "acc_gain2": f"{gain2:.2f}",
        "x101_ratio": f"{x101:.1f}",
        "w50_params": f"{w50.params / r50.params:.1f}",
        "w50_macs": f"{w50.macs / r50.macs:.1f}",
    }


def layer2_block_table(
    blocks: Mapping[str, tuple[int, Count, Count]],
) -> str:
    """The second block of layer2 in each network: its 3x3 channels,
    convolution weights, all parameters and multiply-adds at 28x28.

    Args:
        blocks: network title -> (3x3 output channels, the block's
            parameters, its multiply-adds).
    """
    return html_table(
        (
            "layer2[1]",
            _("3x3 channels"),
            _("convolution weights"),
            _("all parameters"),
            _("multiply-adds at 28x28"),
        ),
        [
            (title, channels, p.conv, p.total, f"{m.total / 1e6:.0f} M")
            for title, (channels, p, m) in blocks.items()
        ],
    )


def cardinality_table(
    count: NetworkCount, base: NetworkCount, depth: int, C: int, d: int
) -> str:
    """ResNet-``depth``'s layout with cardinality ``C`` and ``d`` channels
    per group, stage by stage, against the plain ResNet (``base``).

    Args:
        count: the network with ``C`` groups of ``d`` channels.
        base: the same depth with ResNet's 1 group of 64.
    """
    layers = TORCHVISION_SPECS[f"resnet{depth}"][1]
    rows: list[tuple[object, ...]] = [
        (
            r.name,
            r.blocks,
            f"{C * d * 2**i} = {C} x {d * 2**i}",
            r.params.total,
            f"{r.macs.total / 1e6:,.0f} M",
        )
        for i, r in enumerate(count.rows[1:5])
    ]
    rows.append(
        (
            _("all"),
            sum(layers),
            "",
            count.params,
            f"{count.macs / 1e9:.2f} G ({count.macs / base.macs:.2f}"
            f" x ResNet-{depth})",
        )
    )
    return html_table(
        (
            _("stage"),
            _("blocks"),
            _("3x3 channels = C x per group"),
            _("parameters"),
            _("multiply-adds"),
        ),
        rows,
        caption=str(
            Text("ResNet-{depth} layout, {C}x{d}d", depth=depth, C=C, d=d)
        ),
    )
