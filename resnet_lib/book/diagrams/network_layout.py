"""Laying out a network: stem, stages of blocks (or of numbered layers) and the head.

:func:`network_diagram` draws a whole ResNet from the module, in the spirit of the paper's
Figure 3 and Table 1: one glyph per block, or every weighted layer numbered 1..N.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any, Optional, Union

from torch import nn

from ...i18n import N_, Text, _
from .block_layout import _shortcut_alt
from .layers import _Op, _size
from .svg import _FS_SMALL, _FS_TITLE, Diagram, _fmt, _Svg, _tw
from .tracing import (
    SizeArg,
    _analyze_network,
    _BlockCall,
    _check_module,
    _NetworkView,
    _StageCall,
)

#: network_diagram's levels of detail
DETAILS = ("blocks", "layers")


def _open_stage(
    svg: _Svg, view: Any, stage: Any, x0: float, y: float, detail: str
) -> tuple[ET.Element, float, float]:
    """A stage's group (with its data attributes) and header: ``(group, right, y)``."""
    g = svg.group(
        class_="rd-stage",
        data_stage=stage.name,
        data_channels=stage.out_shape[1],
        data_blocks=len(stage.blocks),
        data_size=_size(stage.out_shape).replace("×", "x"),
    )
    right, y = _draw_header(svg, x0, y, _stage_header(stage, view, detail), g)
    return g, right, y


def _stage_header(
    stage: _StageCall, view: _NetworkView, detail: str
) -> tuple[str, str]:
    """The stage's heading and a second line (grouped convolutions; may be empty)."""
    blocks = stage.blocks
    kinds = "/".join(sorted({b.kind_label for b in blocks}))
    values: dict[str, Union[int, str]] = dict(
        stage=stage.name,
        count=len(blocks),
        kind=kinds,
        channels=stage.out_shape[1],
        size=_size(stage.out_shape),
    )
    heading = (
        Text(
            "{stage} · {count} {kind} block · {channels} channels · {size}",
            **values,
        )
        if len(blocks) == 1
        else Text(
            "{stage} · {count} {kind} blocks · {channels} channels · {size}",
            **values,
        )
    )
    text = str(heading)
    if detail == "layers":
        nums = [
            view.layer_numbers[id(op)] for b in blocks for op in b.view.counted
        ]
        if nums:
            text = str(
                Text(
                    "{heading} · layers {first}–{last}",
                    heading=heading,
                    first=nums[0],
                    last=nums[-1],
                )
            )
    grouped = [
        op for op in blocks[0].view.main_convs if op.data.get("groups", 1) > 1
    ]
    second = ""
    if grouped:
        g = grouped[0]
        per = g.data["out"] // g.data["groups"]
        second = str(
            Text(
                "grouped {kernel}x{kernel} conv: {channels} channels in "
                "{groups} groups of {per}",
                kernel=g.data["kernel"],
                channels=g.data["out"],
                groups=g.data["groups"],
                per=per,
            )
        )
    return text, second


def _draw_header(
    svg: _Svg, x: float, y: float, lines: tuple[str, str], parent: ET.Element
) -> tuple[float, float]:
    """A stage's heading (one or two lines) from ``y``; returns (right edge, bottom)."""
    svg.text(x, y + 8, lines[0], anchor="start", parent=parent)
    right, y = x + _tw(lines[0]), y + 16
    if lines[1]:
        svg.note(x, y + 7, lines[1], "start", parent)
        right, y = max(right, x + _tw(lines[1], _FS_SMALL)), y + 15
    return right, y


def _network_alt(view: _NetworkView) -> str:
    h, w = view.input_shape[2:]
    parts = [
        str(
            Text(
                "{network} with {layers} weighted layers (conv and fc on the "
                "main path), input {shape}",
                network=view.name,
                layers=view.counted,
                shape=f"{view.input_shape[1]}×{h}×{w}",
            )
        )
    ]
    if view.stem:
        after = next(
            (op.shape for op in reversed(view.stem) if op.shape), None
        )
        steps = ", ".join(op.alt for op in view.stem) + (
            f" → {_size(after)}" if _size(after) else ""
        )
        parts.append(str(Text("stem: {steps}", steps=steps)))
    for stage in view.stages:
        text = str(
            Text(
                "{stage}: {count} {kind} blocks, {channels} channels, {size}",
                stage=stage.name,
                count=len(stage.blocks),
                kind=stage.blocks[0].kind_label,
                channels=stage.out_shape[1],
                size=_size(stage.out_shape),
            )
        )
        notes = []
        for b in stage.blocks:
            bits = [Text("halves the feature map")] if b.halves else []
            if b.view.shortcut_kind in ("projection", "pad"):
                bits.append(
                    Text("has a projection shortcut")
                    if b.view.shortcut_kind == "projection"
                    else Text("has an option A (zero-padding) shortcut")
                )
            if bits:
                what = (
                    bits[0]
                    if len(bits) == 1
                    else Text(
                        "{first} and {second}", first=bits[0], second=bits[1]
                    )
                )
                notes.append(
                    str(
                        Text(
                            "block {number} {what}",
                            number=b.index + 1,
                            what=what,
                        )
                    )
                )
        if stage.blocks[0].view.shortcut_kind == "none":
            notes.append(_("no shortcuts (plain)"))
        parts.append(text + (f" ({'; '.join(notes)})" if notes else ""))
    if view.head:
        steps = ", ".join(op.alt for op in view.head)
        parts.append(str(Text("head: {steps}", steps=steps)))
    return "; ".join(parts) + "."


def _hrow(
    svg: _Svg,
    x: float,
    y: float,
    ops: list[_Op],
    parent: ET.Element,
    numbers: Optional[dict[int, int]] = None,
) -> tuple[float, float]:
    """Boxes left to right with arrows between; returns (right edge, bottom)."""
    h = 38
    bottom = y + h
    for i, op in enumerate(ops):
        w = max(_tw(op.label) + 20, _tw(op.note, _FS_SMALL) + 20, 44)
        if i:
            svg.arrow(x - 16, y + h / 2, x, y + h / 2, parent)
        data = dict(op.data)
        label = op.label
        if numbers is not None and id(op) in numbers:
            data["layer"] = numbers[id(op)]
            label = f"#{numbers[id(op)]}: {label}"
            w = max(w, _tw(label) + 20)
        svg.box(x, y, w, h, f"rd-{op.kind}", label, op.note, parent, data=data)
        x += w + 16
    return x - 16, bottom


def _legend(
    svg: _Svg, x: float, y: float, entries: list[tuple[str, str]]
) -> tuple[float, float]:
    """Legend entries (arc kind, text) in a row; returns (right, bottom). An entry
    whose kind is not a shortcut's shows the kind as a word."""
    g = svg.group(class_="rd-legend")
    for kind, text in entries:
        if kind in ("identity", "projection", "pad"):
            svg.el(
                "path",
                g,
                class_=f"rd-arc rd-kind-{kind}",
                d=f"M{_fmt(x)},{_fmt(y + 12)} Q{_fmt(x + 15)},{_fmt(y - 4)} "
                f"{_fmt(x + 30)},{_fmt(y + 12)}",
            )
            x += 36
        else:
            svg.text(x, y + 8, kind, anchor="start", parent=g)
            x += _tw(kind) + 6
        svg.note(x, y + 8, text, "start", g)
        x += _tw(text, _FS_SMALL) + 22
    return x, y + 20


#: the shortcut's kind under a block's glyph (English; shown in the reader's language)
_SHORTCUT_WORD = {
    "identity": N_("identity"),
    "projection": N_("projection"),
    "pad": N_("zero-pad"),
    "none": N_("no shortcut"),
    "other": N_("other shortcut"),
}


def _channels(count: Any) -> str:
    """``"256 ch"``: a block's output channels, under its glyph."""
    return str(Text("{channels} ch", channels=count))


def _draw_glyph(
    svg: _Svg,
    b: _BlockCall,
    x: float,
    y: float,
    w: float,
    h: float,
    parent: ET.Element,
) -> None:
    kind = b.view.shortcut_kind
    cls = "rd-block" + (
        " rd-proj-block"
        if kind == "projection"
        else " rd-pad-block"
        if kind == "pad"
        else ""
    )
    g = svg.group(parent)
    data: dict[str, Any] = {
        "stage": b.stage,
        "index": b.index,
        "block": b.number,
        "projection": kind == "projection",
        "shortcut": kind,
        "out": b.out_shape[1] if len(b.out_shape) > 1 else "",
        "size": _size(b.out_shape).replace("×", "x"),
        "halves": b.halves,
    }
    svg.rect(x, y, w, h, cls, g, rx=6, data=data)
    svg.el(
        "title",
        g,
        str(
            Text(
                "{block}: {kind} block, {shortcut}",
                block=f"{b.stage}[{b.index}]",
                kind=b.kind_label,
                shortcut=_shortcut_alt(b.view)
                if kind != "none"
                else _("no shortcut"),
            )
        ),
    )
    line2 = _channels(data["out"]) + (", /2" if b.halves else "")
    svg.text(x + w / 2, y + 12, b.kind_label, parent=g, size=12)
    svg.note(x + w / 2, y + 27, line2, parent=g)
    svg.note(
        x + w / 2,
        y + 41,
        _(_SHORTCUT_WORD[kind]) if kind in _SHORTCUT_WORD else kind,
        parent=g,
    )
    if kind != "none":
        svg.el(
            "path",
            g,
            class_=f"rd-arc rd-kind-{kind}",
            data_kind=kind,
            d=f"M{_fmt(x + 10)},{_fmt(y)} Q{_fmt(x + w / 2)},{_fmt(y - 18)} "
            f"{_fmt(x + w - 10)},{_fmt(y)}",
        )


def _draw_network_blocks(
    svg: _Svg, view: _NetworkView, x0: float, y: float, max_row: float
) -> tuple[float, float]:
    glyph_w = max(
        [96]
        + [
            max(
                _tw(b.kind_label, 12),
                _tw(_channels(b.out_shape[1]) + ", /2", _FS_SMALL),
            )
            + 18
            for s in view.stages
            for b in s.blocks
        ]
    )
    glyph_h, gap = 48, 16
    per_row = max(1, int((max_row + gap) // (glyph_w + gap)))
    right = x0
    for stage in view.stages:
        g, r, y = _open_stage(svg, view, stage, x0, y, "blocks")
        right = max(right, r)
        y += 24  # room for the arcs
        for row_start in range(0, len(stage.blocks), per_row):
            row = stage.blocks[row_start : row_start + per_row]
            x = x0
            for j, b in enumerate(row):
                if j:
                    svg.arrow(x - gap, y + glyph_h / 2, x, y + glyph_h / 2, g)
                _draw_glyph(svg, b, x, y, glyph_w, glyph_h, g)
                x += glyph_w + gap
            right = max(right, x - gap)
            y += glyph_h + 26
        y += 4
    return right, y


def _draw_network_layers(
    svg: _Svg, view: _NetworkView, x0: float, y: float, max_row: float
) -> tuple[float, float]:
    box_h, gap, pad = 38, 8, 6
    right = x0

    def box_label(op: _Op) -> tuple[str, str]:
        d = op.data
        k = d.get("kernel")
        text = f"{k}x{k}, {d['out']}" if isinstance(k, int) else op.label
        if str(d.get("stride", 1)) != "1":
            text += f", /{d['stride']}"
        if d.get("groups", 1) > 1:
            text += f", g{d['groups']}"
        return text, (
            f"#{view.layer_numbers[id(op)]}"
            if id(op) in view.layer_numbers
            else _("not counted")
        )

    for stage in view.stages:
        g, r, y = _open_stage(svg, view, stage, x0, y, "layers")
        right = max(right, r)
        y += 8
        x = x0
        for b in stage.blocks:
            ops = [op for op in b.view.column if op.weighted] + [
                op for op in b.view.shortcut if op.weighted
            ]
            widths = [
                max(
                    _tw(box_label(op)[0], _FS_SMALL),
                    _tw(box_label(op)[1], _FS_SMALL),
                )
                + 14
                for op in ops
            ]
            group_w = sum(widths) + gap * (len(ops) - 1) + 2 * pad
            if x > x0 and x + group_w > x0 + max_row:
                x, y = x0, y + box_h + 2 * pad + 10
            bg = svg.group(
                g,
                class_="rd-blockgroup",
                data_stage=stage.name,
                data_index=b.index,
            )
            svg.rect(x, y, group_w, box_h + 2 * pad, "rd-group", bg, rx=6)
            bx = x + pad
            for op, w in zip(ops, widths):
                top_text, number = box_label(op)
                counted = id(op) in view.layer_numbers
                cls = "rd-conv" if op.kind == "conv" else f"rd-{op.kind}"
                if not counted:
                    cls += " rd-proj"
                data = {**op.data, "counted": counted}
                if counted:
                    data["layer"] = view.layer_numbers[id(op)]
                svg.rect(bx, y + pad, w, box_h, cls, bg, rx=3, data=data)
                svg.el("title", bg, f"{number}: {op.alt}")
                svg.text(
                    bx + w / 2,
                    y + pad + 12,
                    number,
                    "rd-label",
                    parent=bg,
                    size=12,
                )
                svg.note(bx + w / 2, y + pad + 27, top_text, parent=bg)
                bx += w + gap
            right = max(right, x + group_w)
            x += group_w + 10
        y += box_h + 2 * pad + 22
    return right, y


def network_diagram(
    model: nn.Module, input_size: SizeArg = None, detail: str = "blocks"
) -> Diagram:
    """Draw a whole ResNet from the module: stem, stages of blocks, pooling and fc head.

    In the spirit of the paper's Figure 3 and Table 1. The model runs once on a dummy input
    (on the meta device: no arithmetic) with hooks that record, in forward order, the stem's
    layers, every block and the head with their output shapes; each block is traced with
    ``torch.fx`` to find its shortcut. Each stage is a row (wrapped onto several rows when
    long, so ResNet-152's 36-block stage stays legible), headed by its channels and
    feature-map size.

    Args:
        model: a :class:`resnet_lib.ResNet` (ImageNet or CIFAR stem) or a torchvision ResNet:
            anything with stages ``layer1 ... layerN`` of blocks.
        input_size: height (and width) of the dummy input, or a pair; default 224 for an
            ImageNet stem, 32 for a CIFAR stem (``model.config.stem``, else a 3x3 first conv).
        detail: ``"blocks"``: one glyph per block, labelled with its type and output
            channels, with ``/2`` where the map halves and a distinct (dashed, labelled)
            style for projection and zero-padding shortcuts. ``"layers"``: every weighted
            layer (conv and fc) as a small box numbered 1..N in forward order; projection
            convs are drawn but marked "not counted", as the paper counts depth.

    Returns:
        A :class:`Diagram` whose ``counted_layers`` is N (18 for ResNet-18, 101 for ResNet-101).

    Raises:
        ValueError: ``detail`` is not ``"blocks"`` or ``"layers"``, a bad ``input_size``.
        TypeError: ``model`` is not an ``nn.Module`` with stages ``layer1 ... layerN``.
    """
    if detail not in DETAILS:
        raise ValueError(
            f"detail must be 'blocks' (one glyph per block) or 'layers' (every "
            f"weighted layer); got {detail!r}"
        )
    _check_module(
        model, "network_diagram", "a ResNet such as resnet_lib.resnet50()"
    )
    view = _analyze_network(model, input_size)
    svg = _Svg()
    # rows of at most ~560 units (5 block glyphs): legible on a phone once scaled down
    margin, max_row = 16, 560
    h, w = view.input_shape[2:]
    title = str(
        Text(
            "{network}: {layers} weighted layers, input {size}",
            network=view.name,
            layers=view.counted,
            size=f"{h}×{w}",
        )
    )
    x0: float = margin
    y: float = margin
    svg.text(x0, y + 8, title, "rd-title", anchor="start", size=_FS_TITLE)
    right: float = x0 + _tw(title, _FS_TITLE)
    y += 32
    numbers = view.layer_numbers if detail == "layers" else None
    if view.stem:
        stem_g = svg.group(class_="rd-stem")
        after = next(
            (op.shape for op in reversed(view.stem) if op.shape), None
        )
        shape = f"{view.input_shape[1]}×{h}×{w}"
        text = str(
            Text(
                "stem · input {shape} → {channels} channels, {size}",
                shape=shape,
                channels=after[1],
                size=_size(after),
            )
            if after is not None and _size(after)
            else Text("stem · input {shape}", shape=shape)
        )
        svg.text(x0, y + 8, text, anchor="start", parent=stem_g)
        y += 22
        r, y = _hrow(svg, x0, y, view.stem, stem_g, numbers)
        right, y = max(right, r, x0 + _tw(text)), y + 22
    draw = _draw_network_blocks if detail == "blocks" else _draw_network_layers
    r, y = draw(svg, view, x0, y, max_row)
    right = max(right, r)
    if view.head:
        head_g = svg.group(class_="rd-head-row")
        svg.text(x0, y + 8, _("head"), anchor="start", parent=head_g)
        y += 22
        r, y = _hrow(svg, x0, y, view.head, head_g, numbers)
        right, y = max(right, r), y + 20
    kinds = {b.view.shortcut_kind for s in view.stages for b in s.blocks}
    if detail == "blocks":
        entries = [
            (k, t)
            for k, t in (
                ("identity", _("identity shortcut")),
                ("projection", _("projection shortcut (1x1 conv)")),
                ("pad", _("option A: subsample + zero-pad")),
            )
            if k in kinds
        ]
        entries.append(("/2", _("the block halves the feature map")))
    else:
        entries = [("#n", _("weighted layer n (conv or fc on the main path)"))]
        if "projection" in kinds:
            entries.append(
                (_("not counted"), _("1x1 projection shortcut (dashed)"))
            )
    r, y = _legend(svg, x0, y, entries)
    right = max(right, r)
    alt = _network_alt(view)
    return Diagram(
        svg.render(right + margin, y + margin, title, alt),
        alt,
        title,
        counted_layers=view.counted,
    )
