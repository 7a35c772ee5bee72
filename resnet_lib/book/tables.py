"""Tables the chapters show: plain HTML tables, and a block calculator.

:func:`block_cost` derives one block's parameters and multiply-adds in closed form *and*
builds the block to count its parameters, so a table can show both side by side (they must
agree). :func:`block_calculator` renders that as HTML for an explorer; :func:`stage_blocks`
lists the distinct blocks of a network (the first block of each stage and the others),
which makes good presets for the calculator. No pandas: HTML strings render in Jupyter,
Colab and the static book alike.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Sequence, Union

from ..nn.blocks import get_block
from ..counting import block_macs, block_params, conv_out, count_params
from ..i18n import N_, Text, _
from ..nn.models import ResNetConfig


#: what a screen reader calls the scroll box of a table without a caption
TABLE = N_("table")


def scroll_box(label: str, classes: str = "table-scroll") -> str:
    """The opening tag of a table's scroll box (close it with ``</div>``).

    A table wider than the page scrolls sideways inside this box (``_static/book.css``),
    not the page. The box can be reached and scrolled with the keyboard (``tabindex``)
    and a screen reader lists it as a region named ``label`` (WCAG 2.1.1; axe's rule
    ``scrollable-region-focusable``). The book's Sphinx extension gives Markdown tables
    the same box.
    """
    return (
        f'<div class="{html.escape(classes)}" role="region" tabindex="0" '
        f'aria-label="{html.escape(label)}">'
    )


def html_table(
    header: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    caption: Union[str, Text] = "",
) -> str:
    """An HTML table in its scroll box (:func:`scroll_box`, named by the caption);
    integers get thousands separators, every cell is escaped.

    Headers, cells and the caption may be :class:`~resnet_lib.i18n.Text` (or words
    already passed through :func:`~resnet_lib.i18n._`): each is one cell of its own, so
    a translated edition finds it whole.
    """

    def cell(value: Any) -> str:
        text = (
            f"{value:,}"
            if isinstance(value, int) and not isinstance(value, bool)
            else str(value)
        )
        return html.escape(text)

    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
        for row in rows
    )
    cap = f"<caption>{html.escape(str(caption))}</caption>" if caption else ""
    table = f'<table class="table">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    return scroll_box(str(caption) if caption else _(TABLE)) + table + "</div>"


@dataclass(frozen=True)
class BlockCost:
    """One block's cost, derived in closed form and counted on the built module."""

    block: str
    in_channels: int
    planes: int
    stride: int
    size: int  # input map height = width
    shortcut: str
    conv_formula: str  # e.g. "3*3*64*64 + 3*3*64*64"
    conv: int
    bn: int
    shortcut_params: int
    total: int
    built: int  # sum(p.numel()) of the module PyTorch builds
    macs: int
    out_channels: int
    out_size: int


def block_cost(
    block: str,
    in_channels: int,
    planes: int,
    stride: int = 1,
    size: int = 56,
    shortcut: str = "B",
) -> BlockCost:
    """Parameters and multiply-adds of one block for a ``size x size`` input.

    Args:
        block: ``"basic"`` or ``"bottleneck"``.
        in_channels, planes, stride, shortcut: as for the block classes.
        size: height (= width) of the block's input map.

    Raises:
        ValueError: for an impossible block (unknown type, stride not 1 or 2, ...).
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(
            f"size must be a positive whole number of pixels; got {size!r}"
        )
    cls = get_block(block)
    p = block_params(block, in_channels, planes, stride, shortcut)
    macs = block_macs(block, in_channels, planes, stride, size, size, shortcut)
    out = planes * cls.expansion
    if cls.expansion == 1:
        formula = f"3*3*{in_channels}*{planes} + 3*3*{planes}*{out}"
    else:
        formula = (
            f"{in_channels}*{planes} + 3*3*{planes}*{planes} + {planes}*{out}"
        )
    built = count_params(cls(in_channels, planes, stride, shortcut))
    return BlockCost(
        block,
        in_channels,
        planes,
        stride,
        size,
        shortcut.upper(),
        formula,
        p.conv,
        p.bn,
        p.shortcut,
        p.total,
        built,
        macs.total,
        out,
        conv_out(size, 3, stride, 1),
    )


def block_calculator(
    block: str = "bottleneck",
    in_channels: int = 256,
    planes: int = 64,
    stride: int = 1,
    size: int = 56,
    shortcut: str = "B",
) -> str:
    """HTML: the derivation of one block's parameters and multiply-adds beside the built module."""
    c = block_cost(block, in_channels, planes, stride, size, shortcut)
    # one sentence (a template with its markup), so that it translates whole
    title = Text(
        "<b>{block}</b> block: {in_channels} x {size} x {size} &rarr; "
        "{out_channels} x {out_size} x {out_size} (width {planes}, stride "
        "{stride}, shortcut option {shortcut})",
        block=html.escape(block),
        in_channels=in_channels,
        size=size,
        out_channels=c.out_channels,
        out_size=c.out_size,
        planes=planes,
        stride=stride,
        shortcut=html.escape(c.shortcut),
    )
    built = (
        f"{c.built:,}"
        if c.built == c.total
        else str(Text("{built:,}  (MISMATCH)", built=c.built))
    )
    rows = [
        (_("convolution weights"), f"{c.conv_formula} = {c.conv:,}"),
        (_("BatchNorm (scale + shift)"), f"{c.bn:,}"),
        (
            _("projection shortcut"),
            f"{c.shortcut_params:,}"
            if c.shortcut_params
            else _("none (identity or zero padding)"),
        ),
        (_("total, derived"), f"{c.total:,}"),
        (_("total, built module"), built),
        (_("multiply-adds"), f"{c.macs:,} ({c.macs / 1e6:.1f} M)"),
    ]
    return f"<p>{title!s}</p>" + html_table(("", _("value")), rows)


#: the label of a stage's first block
FIRST = N_("{block} (first)")


def stage_blocks(
    config: ResNetConfig, input_size: int = 224
) -> dict[str, dict[str, Any]]:
    """The distinct blocks of a network: ``{label: block_cost kwargs}``.

    One entry for the first block of each stage (which may stride and project) and one for
    the others, e.g. ``"layer2.0 (first)"`` and ``"layer2.1-3"`` for ResNet-50. The labels
    are English, so that code can name them in any language; an explorer shows them in
    the reader's (it translates option labels through the catalog's templates).
    """
    size = (
        conv_out(conv_out(input_size, 7, 2, 3), 3, 2, 1)
        if config.stem == "imagenet"
        else input_size
    )
    expansion = config.block_class.expansion
    channels, out = config.base_width, {}
    for i, (planes, n) in enumerate(zip(config.stage_widths, config.layers)):
        stride = 1 if i == 0 else 2
        out[FIRST.format(block=f"layer{i + 1}.0")] = dict(
            block=config.block,
            in_channels=channels,
            planes=planes,
            stride=stride,
            size=size,
            shortcut=config.shortcut,
        )
        size, channels = conv_out(size, 3, stride, 1), planes * expansion
        if n > 1:
            label = f"layer{i + 1}.1" + (f"-{n - 1}" if n > 2 else "")
            out[label] = dict(
                block=config.block,
                in_channels=channels,
                planes=planes,
                stride=1,
                size=size,
                shortcut=config.shortcut,
            )
    return out
