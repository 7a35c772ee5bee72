"""Laying out a block: its main path down a column, the shortcut as an arc into the ``+``.

:func:`block_diagram` draws one residual (or plain) block from the module itself, with a
description that lists every step in forward order.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Optional

from torch import nn

from ...i18n import Text, _
from .layers import _Op, _size
from .svg import (
    _FS_SMALL,
    _FS_TITLE,
    _GAP,
    Diagram,
    _data,
    _fmt,
    _Svg,
    _tw,
)
from .tracing import (
    SizeArg,
    _analyze_block,
    _BlockView,
    _check_module,
    _first_channels,
    _input_shape,
    _looks_like_network,
    _trace,
)

#: default input size of a block (pixels, square): the first ImageNet stage
BLOCK_INPUT_SIZE = 56


def _shortcut_caption(view: _BlockView) -> str:
    """The shortcut's label, e.g. ``1x1 conv, 256, /2 + BN (projection)``."""
    if view.shortcut_kind == "identity":
        return _("identity")
    if view.shortcut_kind == "pad":
        return _("option A: subsample + zero-pad")
    parts = " + ".join(op.label for op in view.shortcut)
    return (
        str(Text("{layers} (projection)", layers=parts))
        if view.shortcut_kind == "projection"
        else parts
    )


def _shortcut_alt(view: _BlockView) -> str:
    if view.shortcut_kind == "identity":
        return _("identity shortcut")
    inner = ", ".join(op.alt for op in view.shortcut)
    if view.shortcut_kind == "pad":
        return str(Text("option A shortcut ({layers})", layers=inner))
    if view.shortcut_kind == "projection":
        return str(Text("projection shortcut ({layers})", layers=inner))
    return str(Text("shortcut ({layers})", layers=inner))


def _block_alt(view: _BlockView, title: str) -> str:
    cin = view.in_shape[1] if view.in_shape else None
    cout = (
        view.out_shape[1]
        if view.out_shape and len(view.out_shape) > 1
        else None
    )
    head = title
    if cin is not None and cout is not None:
        head = str(
            Text(
                "{block}, {channels_in} channels in, {channels_out} out",
                block=title,
                channels_in=cin,
                channels_out=cout,
            )
        )
        if _size(view.in_shape) and _size(view.out_shape):
            head += f" ({_size(view.in_shape)} → {_size(view.out_shape)})"
    if view.add is None:
        steps = ", ".join(op.alt for op in view.column)
        return str(
            Text(
                "{block}: {steps}; no shortcut and no addition (a plain "
                "block).",
                block=head,
                steps=steps,
            )
        )
    i = view.column.index(view.add)
    before, after = view.column[:i], view.column[i + 1 :]
    steps = ", ".join(op.alt for op in before)
    split = (
        Text("(it branches off the input)")
        if view.split_after is None
        else Text(
            "(it branches off after the {layer} at step {step})",
            layer=view.split_after.alt,
            step=view.column.index(view.split_after) + 1,
        )
    )
    tail = (
        Text(
            "addition, then {steps}",
            steps=", ".join(op.alt for op in after),
        )
        if after
        else Text("addition, with nothing after it")
    )
    return str(
        Text(
            "{block}: {steps}; {shortcut} {branches}; {tail}.",
            block=head,
            steps=steps,
            shortcut=_shortcut_alt(view),
            branches=split,
            tail=tail,
        )
    )


def _default_title(block: nn.Module) -> str:
    """The block's class (each unit ordering is a class of its own)."""
    name = type(block).__name__
    if type(block).__module__.startswith("torchvision"):
        name += " (torchvision)"
    return name


def _box_height(op: _Op) -> float:
    return 24 if op.kind == "add" else 38 if op.note else 26


def _box_width(ops: list[_Op], minimum: float = 150) -> float:
    widths = [
        max(_tw(op.label) + 24, _tw(op.note, _FS_SMALL) + 24) for op in ops
    ]
    return max([minimum] + widths)


def _draw_op(
    svg: _Svg,
    op: _Op,
    cx: float,
    top: float,
    width: float,
    parent: Optional[ET.Element] = None,
    extra_cls: str = "",
    data: Optional[dict] = None,
) -> tuple[float, float]:
    """Draw ``op`` centred on ``cx`` from ``top``; returns (top, bottom)."""
    h = _box_height(op)
    data = {**op.data, **(data or {})}
    if op.kind == "add":
        g = svg.group(parent)
        r = h / 2
        svg.el(
            "circle",
            g,
            class_="rd-add" + extra_cls,
            cx=cx,
            cy=top + r,
            r=r,
            **_data(data),
        )
        svg.text(cx, top + r - 1, "+", parent=g, size=16)
        return top, top + h
    svg.box(
        cx - width / 2,
        top,
        width,
        h,
        f"rd-{op.kind}{extra_cls}",
        op.label,
        op.note,
        parent,
        data=data,
    )
    return top, top + h


def _draw_block(view: _BlockView, title: str) -> tuple[_Svg, float, float]:
    svg = _Svg()
    margin = 16
    main_w = _box_width(view.column)
    x0 = margin
    cx = x0 + main_w / 2
    y: float = margin
    svg.text(x0, y + 8, title, "rd-title", anchor="start", size=_FS_TITLE)
    y += 30
    cin = view.in_shape[1] if view.in_shape else None
    io = lambda s: (  # noqa: E731
        str(Text("{channels} channels, {size}", channels=s[1], size=_size(s)))
        if s and len(s) == 4
        else ""
    )
    svg.note(
        cx,
        y + 8,
        str(Text("input x: {shape}", shape=io(view.in_shape)))
        if cin
        else _("input x"),
    )
    prev_bottom = y + 18
    y = prev_bottom + _GAP
    spans: list[tuple[float, float]] = []
    main = svg.group(class_="rd-main")
    for step, op in enumerate(view.column):
        top, bottom = _draw_op(
            svg, op, cx, y, main_w, main, data={"step": step}
        )
        svg.arrow(cx, prev_bottom, cx, top, main)
        spans.append((top, bottom))
        prev_bottom, y = bottom, bottom + _GAP
    out = view.out_shape
    svg.arrow(cx, prev_bottom, cx, prev_bottom + _GAP)
    svg.note(
        cx,
        prev_bottom + _GAP + 9,
        str(Text("output: {shape}", shape=io(out)))
        if io(out)
        else _("output"),
    )
    height = prev_bottom + _GAP + 18 + margin
    width = x0 + main_w + margin
    if view.add is not None:
        width = _draw_shortcut(
            svg, view, cx, x0 + main_w, spans, width, margin
        )
    return svg, width, height


def _draw_shortcut(
    svg: _Svg,
    view: _BlockView,
    cx: float,
    main_right: float,
    spans: list[tuple[float, float]],
    width: float,
    margin: float,
) -> float:
    """The shortcut arc beside the main column, from the split point into the ``+``."""
    col = view.column
    if view.add is None:
        raise ValueError(
            "a shortcut is drawn only into an addition; this block has none"
        )
    i_add = col.index(view.add)
    if view.split_after is None:
        y_split = spans[0][0] - _GAP / 2
    else:
        i = col.index(view.split_after)
        y_split = spans[i][1] + _GAP / 2
    add_top, add_bottom = spans[i_add]
    y_add, r = (add_top + add_bottom) / 2, (add_bottom - add_top) / 2
    g = svg.group(class_="rd-shortcut", data_kind=view.shortcut_kind)
    svg.el("title", g, _shortcut_alt(view))
    svg.el("circle", g, class_="rd-dot", cx=cx, cy=y_split, r=3)
    caption = _shortcut_caption(view)
    boxes = view.shortcut
    corner = 8.0
    if not boxes:
        lane = main_right + 28
        svg.el(
            "path", g, d=_lane_path(cx, y_split, lane, y_add, cx + r, corner)
        )
        svg.head(cx + r, y_add, -1, 0, g)
        svg.text(
            lane + 8, (y_split + y_add) / 2, caption, anchor="start", parent=g
        )
        return max(width, lane + 8 + _tw(caption) + margin)
    lane_w = _box_width(boxes, 60)
    show_caption = view.shortcut_kind != "pad"  # the pad box says it all
    lane_w = max(lane_w, _tw(caption, _FS_SMALL) + 8 if show_caption else 0)
    lane = main_right + 24 + lane_w / 2
    heights = [_box_height(op) for op in boxes]
    stack = sum(heights) + 14 * (len(boxes) - 1) + (22 if show_caption else 0)
    top = (y_split + y_add) / 2 - stack / 2
    top = max(top, y_split + 14)
    svg.el(
        "path",
        g,
        d=f"M{_fmt(cx)},{_fmt(y_split)} H{_fmt(lane - corner)} "
        f"Q{_fmt(lane)},{_fmt(y_split)} {_fmt(lane)},{_fmt(y_split + corner)} "
        f"V{_fmt(top - 2)}",
    )
    if show_caption:
        svg.note(lane, top + 8, caption, parent=g)
        top += 22
    prev = top
    for op, h in zip(boxes, heights):
        if prev != top:
            svg.arrow(lane, prev, lane, top, g)
        _draw_op(
            svg,
            op,
            lane,
            top,
            lane_w,
            g,
            extra_cls=" rd-proj" if view.shortcut_kind == "projection" else "",
        )
        prev, top = top + h, top + h + 14
    svg.el(
        "path",
        g,
        d=f"M{_fmt(lane)},{_fmt(prev)} V{_fmt(y_add - corner)} "
        f"Q{_fmt(lane)},{_fmt(y_add)} {_fmt(lane - corner)},{_fmt(y_add)} "
        f"H{_fmt(cx + r + 5)}",
    )
    svg.head(cx + r, y_add, -1, 0, g)
    return max(width, lane + lane_w / 2 + margin)


def _lane_path(
    x0: float, y0: float, lane: float, y1: float, x1: float, c: float
) -> str:
    return (
        f"M{_fmt(x0)},{_fmt(y0)} H{_fmt(lane - c)} Q{_fmt(lane)},{_fmt(y0)} "
        f"{_fmt(lane)},{_fmt(y0 + c)} V{_fmt(y1 - c)} Q{_fmt(lane)},{_fmt(y1)} "
        f"{_fmt(lane - c)},{_fmt(y1)} H{_fmt(x1 + 5)}"
    )


def block_diagram(
    block: nn.Module, input_size: SizeArg = None, title: Optional[str] = None
) -> Diagram:
    """Draw one residual (or plain) block from the module itself.

    The block is traced with ``torch.fx``, so the diagram shows what ``forward`` computes:
    every convolution (kernel, channels, stride, groups), norm and activation in forward
    order down a column, the shortcut as an arc beside them into the ``+`` (identity,
    option A's subsample-and-zero-pad, or a projection with its 1x1 conv), and what follows
    the addition (a ReLU in the original block, nothing in a full pre-activation unit).
    Plain blocks have no arc and no ``+``. Works for every block of ``resnet_lib`` (all
    orderings, ResNeXt's grouped 3x3) and for torchvision's ``BasicBlock``/``Bottleneck``.

    Args:
        block: the block module.
        input_size: height (and width) of the dummy input used to read feature-map sizes,
            or a pair ``(height, width)``; default 56 (the first ImageNet stage).
        title: the diagram's title; default the block's class (and ordering).

    Returns:
        A :class:`Diagram`; ``.alt`` lists every step in order.

    Raises:
        TypeError: ``block`` is not an ``nn.Module``, or cannot be traced.
        ValueError: it has no convolution, is a whole network, or ``input_size`` is bad.
    """
    _check_module(
        block,
        "block_diagram",
        "a residual block such as resnet_lib.BasicBlock",
    )
    if _looks_like_network(block):
        raise ValueError(
            f"block_diagram draws one block; {type(block).__name__} is a whole "
            "network (it has stages layer1, layer2, ...): use network_diagram(model), "
            "or block_diagram(model.layer1[0])"
        )
    if title is not None and not isinstance(title, str):
        raise TypeError(
            f"title must be a string or None; got {type(title).__name__}"
        )
    traced = _trace(block)
    shape = _input_shape(
        _first_channels(block, traced), input_size, BLOCK_INPUT_SIZE
    )
    view = _analyze_block(block, shape, traced)
    title = title or _default_title(block)
    svg, width, height = _draw_block(view, title)
    alt = _block_alt(view, title)
    return Diagram(svg.render(width, height, title, alt), alt, title)
