"""What ``book/basic-vs-bottleneck.md`` shows: the two blocks' parameters and
multiply-adds, derived and counted, and ResNet-34 beside ResNet-50."""

from __future__ import annotations

from typing import Mapping

from ...counting import Count, NetworkCount
from ...i18n import Text, _
from ...reference import TABLE1, TORCHVISION
from ..notebook import glues
from ..tables import html_table

#: the title of the chapter's block calculator
CALCULATOR_TITLE = Text("Block calculator")


def built_line(built: int) -> Text:
    """ "the built module has N": what counting the built block gave."""
    return Text("the built module has {built:,}", built=built)


def block_params_table(counts: Mapping[str, tuple[Count, int]]) -> str:
    """A block's parameters by kind, derived, beside the built module's count.

    Args:
        counts: row name -> (the closed-form count, the built module's
            parameter count).
    """
    rows = [
        (name, c.conv, c.bn, c.shortcut, c.total, built)
        for name, (c, built) in counts.items()
    ]
    return html_table(
        (
            _("block"),
            _("conv"),
            "BatchNorm",
            _("shortcut"),
            _("total"),
            _("built module"),
        ),
        rows,
    )


def block_macs_lines(basic: int, bottleneck: int) -> str:
    """Two aligned lines: the multiply-adds of the BasicBlock 64->64 and of
    the Bottleneck 256->64->256 (``basic``, ``bottleneck``: counts)."""
    return "\n".join(
        (
            str(
                Text(
                    "BasicBlock 64->64:       {macs:7.1f} M multiply-adds",
                    macs=basic / 1e6,
                )
            ),
            str(
                Text(
                    "Bottleneck 256->64->256: {macs:7.1f} M multiply-adds",
                    macs=bottleneck / 1e6,
                )
            ),
        )
    )


def stages_table(r34: NetworkCount, r50: NetworkCount) -> str:
    """ResNet-34 and ResNet-50 stage by stage: parameters and multiply-adds,
    with a total row."""
    rows: list[tuple[object, ...]] = [
        (
            a.name,
            a.params.total,
            b.params.total,
            f"{a.macs.total / 1e6:.0f} M",
            f"{b.macs.total / 1e6:.0f} M",
        )
        for a, b in zip(r34.rows, r50.rows)
    ]
    rows.append(
        (
            _("total"),
            r34.params,
            r50.params,
            f"{r34.macs / 1e9:.2f} G",
            f"{r50.macs / 1e9:.2f} G",
        )
    )
    header = (
        _("stage"),
        _("ResNet-34 parameters"),
        _("ResNet-50 parameters"),
        _("ResNet-34 multiply-adds"),
        _("ResNet-50 multiply-adds"),
    )
    return html_table(header, rows)


@glues("r34_g", "r50_g", "r50_more")
def stages_values(r34: NetworkCount, r50: NetworkCount) -> dict[str, str]:
    """The prose's numbers: both networks' billions of multiply-adds
    (``r34_g``, ``r50_g``) and how many percent more ResNet-50 does."""
    return {
        "r34_g": f"{r34.macs / 1e9:.2f}",
        "r50_g": f"{r50.macs / 1e9:.2f}",
        "r50_more": f"{100 * (r50.macs / r34.macs - 1):.0f}",
    }


def stride_table(v15: int, v1: int) -> str:
    """ResNet-50's multiply-adds with the stride on the 3x3 (``v15``) and on
    the 1x1 (``v1``), beside torchvision's and the paper's published
    figures."""
    published = TORCHVISION["resnet50"]
    torchvision_row = Text(
        "published: torchvision ({weights})", weights=published.weights
    )
    return html_table(
        ("ResNet-50", _("multiply-adds")),
        [
            (
                _("stride on the 3x3 (torchvision, 'V1.5')"),
                f"{v15 / 1e9:.3f} G",
            ),
            (_("stride on the 1x1 (the paper)"), f"{v1 / 1e9:.3f} G"),
            (str(torchvision_row), f"{published.gflops} GFLOPS"),
            (
                _("published: the paper's Table 1"),
                f"{TABLE1[50].flops} x 10^9 FLOPs",
            ),
        ],
    )


@glues("v15", "v1")
def stride_values(v15: int, v1: int) -> dict[str, str]:
    """The prose's numbers: both counts in billions (``v15``, ``v1``)."""
    return {"v15": f"{v15 / 1e9:.3f}", "v1": f"{v1 / 1e9:.3f}"}
