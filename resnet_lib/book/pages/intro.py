"""What ``book/intro.md`` shows: ResNet's five ImageNet depths counted from the
architecture, beside torchvision's published figures."""

from __future__ import annotations

from typing import Mapping

from matplotlib.figure import Figure

from ...counting import NetworkCount
from ...i18n import Text, _
from ...nn.models import IMAGENET_SPECS
from ...reference import TORCHVISION
from ..notebook import PALETTE, glues
from ..tables import html_table

#: the title of the chapter's explorer of :func:`stage_parameters`
STAGES_TITLE = Text("Where the parameters are")


def counts_table(counts: Mapping[int, NetworkCount]) -> str:
    """Parameters and multiply-adds of each depth beside torchvision's.

    Args:
        counts: depth (18, 34, ...) -> the network's closed-form count at
            224x224.
    """
    rows = []
    for depth, c in counts.items():
        published = TORCHVISION[f"resnet{depth}"]
        rows.append(
            (
                f"ResNet-{depth}",
                c.params,
                published.params,
                f"{c.macs / 1e9:.3f}",
                f"{published.gflops:.3f}",
            )
        )
    return html_table(
        [
            _("network"),
            _("parameters"),
            "torchvision",
            _("multiply-adds (billions)"),
            _("torchvision's GFLOPS"),
        ],
        rows,
        caption=_(
            "Counted from the architecture, beside torchvision's "
            "published figures (224x224 images)"
        ),
    )


@glues("resnet50_params", "resnet50_gmacs", "resnet50_last_two")
def intro_values(counts: Mapping[int, NetworkCount]) -> dict[str, str]:
    """The prose's numbers: ResNet-50's parameters, billions of multiply-adds
    and the percentage of its parameters in layer3 and layer4."""
    r50 = counts[50]
    stages = {r.name: r.params.total for r in r50.rows}
    last_two = (stages["layer3"] + stages["layer4"]) / r50.params
    return {
        "resnet50_params": f"{r50.params:,}",
        "resnet50_gmacs": f"{r50.macs / 1e9:.2f}",
        "resnet50_last_two": f"{100 * last_two:.0f}",
    }


def stage_parameters(count: NetworkCount, depth: int) -> Figure:
    """A bar per stem / stage / head of the ImageNet ResNet of ``depth``:
    its parameters in millions, on the same scale for every depth."""
    import matplotlib.pyplot as plt

    rows = count.rows
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    ax.bar(
        [r.name for r in rows],
        [r.params.total / 1e6 for r in rows],
        color=PALETTE[0],
    )
    ax.set_ylabel(_("parameters (millions)"))
    ax.set_ylim(0, 32)
    block, layers = IMAGENET_SPECS[depth]
    title = Text(
        "ResNet-{depth}: {block} blocks {layers}, {total:.1f}M in all",
        depth=depth,
        block=block,
        layers=str(list(layers)),
        total=count.params / 1e6,
    )
    ax.set_title(str(title))
    return fig
