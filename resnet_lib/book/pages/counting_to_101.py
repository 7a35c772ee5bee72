"""What ``book/counting-to-101.md`` shows: the paper's way of counting depth,
what it leaves out, and the multiply-adds of the five ImageNet ResNets."""

from __future__ import annotations

from typing import Mapping

from ...counting import LayerCount
from ...i18n import _
from ...nn.models import IMAGENET_SPECS
from ...reference import TABLE1, TORCHVISION
from ..notebook import glues
from ..tables import html_table


def layer_count_table(counts: Mapping[int, LayerCount]) -> str:
    """Each depth's weighted layers stage by stage, as a sum.

    Args:
        counts: depth (18, 34, ...) -> the layers counted on the built model.
    """
    rows = []
    for depth, count in counts.items():
        block, layers = IMAGENET_SPECS[depth]
        rows.append(
            (f"ResNet-{depth}", block, str(list(layers)), count.formula())
        )
    return html_table(
        (
            _("model"),
            _("block"),
            _("blocks per stage"),
            _("stem + layer1 + layer2 + layer3 + layer4 + fc"),
        ),
        rows,
    )


def uncounted_table(parts: Mapping[int, Mapping[str, int]]) -> str:
    """What the depth does not count, per network.

    Args:
        parts: depth -> ``{"projections": ..., "batchnorms": ...,
            "pooling": ...}``, counted on the built model.
    """
    return html_table(
        (_("model"), _("depth"), _("projections"), "BatchNorms", _("pooling")),
        [
            (
                f"ResNet-{depth}",
                depth,
                p["projections"],
                p["batchnorms"],
                p["pooling"],
            )
            for depth, p in parts.items()
        ],
    )


def macs_table(macs: Mapping[int, Mapping[str, float]]) -> str:
    """Our multiply-adds (stride on the 3x3 and on the 1x1) beside
    torchvision's metadata and the paper's Table 1.

    Args:
        macs: depth -> ``{"v15": ..., "v1": ..., "params": ...}``: billions
            of multiply-adds at 224x224 with the stride on the 3x3 (V1.5) and
            on the first 1x1 (the paper), and the parameter count.
    """
    rows = [
        (
            f"ResNet-{depth}",
            f"{m['v15']:.3f}",
            f"{TORCHVISION[f'resnet{depth}'].gflops:.3f}",
            f"{m['v1']:.3f}",
            f"{TABLE1[depth].flops:.1f}",
            int(m["params"]),
        )
        for depth, m in macs.items()
    ]
    return html_table(
        (
            _("model"),
            _("ours, V1.5"),
            "torchvision",
            _("ours, paper stride"),
            _("paper"),
            _("parameters"),
        ),
        rows,
        caption=_("Multiply-adds per 224x224 image, in billions"),
    )


@glues("v1_{depth}", "gap_{depth}")
def macs_values(macs: Mapping[int, Mapping[str, float]]) -> dict[str, str]:
    """The prose's numbers: ``v1_{depth}`` (billions, stride on the 1x1) and
    ``gap_{depth}`` (what moving the stride to the 3x3 adds)."""
    values = {}
    for depth, m in macs.items():
        values[f"v1_{depth}"] = f"{m['v1']:.3f}"
        values[f"gap_{depth}"] = f"{m['v15'] - m['v1']:.2f}"
    return values
