"""What ``book/expansion.md`` shows: the shapes that come out of the stem and
of each stage of ResNet-18 and ResNet-50, and where their projections are."""

from __future__ import annotations

from typing import Mapping, Sequence

from matplotlib.figure import Figure

from ...i18n import _
from ..notebook import PALETTE, glues
from ..tables import html_table

#: part name -> (C, H, W), as :func:`~resnet_lib.book.architecture_builder.stage_shapes` measures
Shapes = Sequence[tuple[str, tuple[int, int, int]]]


def _chw(shape: Sequence[int]) -> str:
    return " x ".join(map(str, shape))


def shapes_table(shapes: Mapping[str, Shapes]) -> str:
    """ResNet-18's and ResNet-50's output shapes side by side, part by part.

    Args:
        shapes: ``{"ResNet-18": ..., "ResNet-50": ...}``, each the measured
            ``(part, (C, H, W))`` of the stem and of every stage.
    """
    a, b = shapes["ResNet-18"], shapes["ResNet-50"]
    return html_table(
        [_("part"), "ResNet-18 (C x H x W)", "ResNet-50 (C x H x W)"],
        [(name, _chw(x), _chw(y)) for (name, x), (_name, y) in zip(a, b)],
        caption=_("What comes out of the stem and of each stage, measured"),
    )


@glues("r50_out", "r18_out")
def expansion_values(shapes: Mapping[str, Shapes]) -> dict[str, str]:
    """The prose's numbers: the channels out of ResNet-50's and ResNet-18's
    last stage (``r50_out``, ``r18_out``)."""
    return {
        "r50_out": f"{shapes['ResNet-50'][-1][1][0]:,}",
        "r18_out": f"{shapes['ResNet-18'][-1][1][0]:,}",
    }


def shapes_figure(shapes: Mapping[str, Shapes]) -> Figure:
    """Channels (left) and height = width (right) after each part, on log-2
    axes, one line per network."""
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.4))
    for (label, rows), colour, style, size in zip(
        shapes.items(), PALETTE, ("-o", "--s"), (9, 5)
    ):
        names = [n for n, _s in rows]
        for ax, i in ((ax1, 0), (ax2, 1)):
            ax.plot(
                names,
                [s[i] for _n, s in rows],
                style,
                color=colour,
                ms=size,
                mfc="none",
                label=label,
            )
    for ax, i, ylabel in (
        (ax1, 0, _("channels (log scale)")),
        (ax2, 1, _("height = width (log scale)")),
    ):
        ticks = sorted({s[i] for rows in shapes.values() for _n, s in rows})
        ax.set_yscale("log", base=2)
        ax.set_yticks(ticks, labels=[str(t) for t in ticks])
        ax.minorticks_off()
        ax.set_ylabel(ylabel)
    ax1.set_title(_("channels double, x4 for Bottlenecks"))
    ax2.set_title(_("the map halves at every stage but the first"))
    ax1.legend()
    ax2.legend(title=_("the lines coincide"))
    fig.tight_layout()
    return fig


def projections_table(projections: Mapping[str, Sequence[str]]) -> str:
    """The projection shortcuts of each network.

    Args:
        projections: network label -> the names of its ``downsample`` modules
            that hold a convolution.
    """
    return html_table(
        [_("network"), _("projection shortcuts")],
        [(label, ", ".join(names)) for label, names in projections.items()],
        caption=_("Every projection shortcut of the built models"),
    )
