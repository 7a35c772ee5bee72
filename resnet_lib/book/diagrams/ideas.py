"""Diagrams of ideas rather than modules: the residual idea and unrolled paths.

:func:`residual_idea_diagram` is the paper's Figure 2; :func:`unrolled_diagram` shows
``n`` residual blocks as the ``2**n`` paths of Veit et al. (NeurIPS 2016).
"""

from __future__ import annotations

import itertools
import math

from ...i18n import Text, _
from .svg import _FS, _FS_SMALL, _FS_TITLE, _GAP, Diagram, _fmt, _Svg, _tw

MAX_UNROLLED = 6

_LENGTH_COLOURS = (
    "#56B4E9",
    "#009E73",
    "#E69F00",
    "#CC79A7",
    "#0072B2",
    "#D55E00",
    "#F0E442",
)


def residual_idea_diagram() -> Diagram:
    """The residual idea (He et al. 2016, Figure 2): two weight layers that must compute
    a mapping ``H(x)``, beside the same layers computing the residual ``F(x) = H(x) − x``
    with an identity shortcut that adds ``x`` back, so the block outputs ``F(x) + x``.

    Returns:
        A :class:`Diagram`.
    """
    svg = _Svg()
    margin, col_w, y0 = 16, 150, 16
    title = _("Learning H(x) directly, or the residual F(x) = H(x) − x")
    svg.text(margin, y0 + 8, title, "rd-title", anchor="start", size=_FS_TITLE)
    y0 += 34
    width = margin + _tw(title, _FS_TITLE)
    weight = _("weight layer")
    layers = [
        ("rd-weight", weight, 34),
        ("rd-act", "ReLU", 26),
        ("rd-weight", weight, 34),
    ]
    bottoms = []
    for col, (heading, residual) in enumerate(
        ((_("plain layers"), False), (_("residual block"), True))
    ):
        x = margin + col * (col_w + 150)
        cx = x + col_w / 2
        g = svg.group(
            class_="rd-column", data_kind="residual" if residual else "plain"
        )
        svg.text(cx, y0 + 8, heading, parent=g)
        y = y0 + 26
        svg.text(cx, y + 8, "x", parent=g)
        prev, y = y + 18, y + 18 + _GAP
        split = prev + _GAP / 2
        for cls, label, h in layers:
            svg.arrow(cx, prev, cx, y, g)
            svg.box(x, y, col_w, h, cls, label, parent=g)
            prev, y = y + h, y + h + _GAP
        side = x + col_w + 14
        if not residual:
            svg.arrow(cx, prev, cx, y, g)
            svg.text(cx, y + 9, "H(x)", parent=g)
            svg.note(side, (y0 + 44 + prev) / 2, _("learns H(x)"), "start", g)
            bottoms.append(y + 20)
            continue
        svg.text(
            side,
            (split + prev) / 2 - 8,
            "F(x) = H(x) − x",
            anchor="start",
            parent=g,
        )
        svg.note(
            side, (split + prev) / 2 + 10, _("(the residual)"), "start", g
        )
        svg.note(cx - 8, prev + _GAP / 2, "F(x)", "end", g)
        svg.arrow(cx, prev, cx, y, g)
        r = 12
        svg.el("circle", g, class_="rd-add", cx=cx, cy=y + r, r=r)
        svg.text(cx, y + r - 1, "+", parent=g, size=16)
        lane = x - 28
        sc = svg.group(g, class_="rd-shortcut", data_kind="identity")
        svg.el("circle", sc, class_="rd-dot", cx=cx, cy=split, r=3)
        svg.el(
            "path",
            sc,
            d=f"M{_fmt(cx)},{_fmt(split)} H{_fmt(lane + 8)} "
            f"Q{_fmt(lane)},{_fmt(split)} {_fmt(lane)},{_fmt(split + 8)} "
            f"V{_fmt(y + r - 8)} Q{_fmt(lane)},{_fmt(y + r)} "
            f"{_fmt(lane + 8)},{_fmt(y + r)} H{_fmt(cx - r - 5)}",
        )
        svg.head(cx - r, y + r, 1, 0, sc)
        svg.text(lane - 6, (split + y) / 2, "x", anchor="end", parent=sc)
        svg.note(lane - 6, (split + y) / 2 + 15, _("identity"), "end", sc)
        svg.arrow(cx, y + 2 * r, cx, y + 2 * r + _GAP, g)
        svg.text(cx, y + 2 * r + _GAP + 9, "H(x) = F(x) + x", parent=g)
        bottoms.append(y + 2 * r + _GAP + 22)
        width = max(width, side + _tw("F(x) = H(x) − x") + margin)
    height = max(bottoms) + margin
    alt = _(
        "Two columns. Left, plain layers: x goes through a weight layer, a ReLU and a "
        "weight layer, which must learn the mapping H(x) itself. Right, a residual block: "
        "the same layers learn the residual F(x) = H(x) − x, and an identity shortcut adds "
        "x back, so the block outputs H(x) = F(x) + x. (The paper's block also applies a "
        "ReLU after the addition.)"
    )
    return Diagram(svg.render(width, height, title, alt), alt, title)


def unrolled_diagram(n: int = 3) -> Diagram:
    """``n`` residual blocks unrolled into their ``2**n`` paths (Veit et al., NeurIPS 2016).

    Each block computes ``x + f(x)``, so ``n`` blocks in a row compute
    ``(1 + f_n) ... (1 + f_1) x``: a sum over every choice of using or skipping each block.
    Each path is a row through the blocks it uses; rows are grouped (and coloured, with the
    count written beside them) by path length ``k``, of which there are ``C(n, k)``.

    Args:
        n: number of blocks, 1 to 6 (64 paths).

    Returns:
        A :class:`Diagram`.

    Raises:
        TypeError: ``n`` is not an int. ValueError: ``n`` is outside 1..6.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(
            f"n must be an int from 1 to {MAX_UNROLLED}; got {n!r}"
        )
    if not 1 <= n <= MAX_UNROLLED:
        raise ValueError(
            f"n must be from 1 to {MAX_UNROLLED} (2**{MAX_UNROLLED} = "
            f"{2**MAX_UNROLLED} paths at most); got {n}"
        )
    svg = _Svg()
    margin, label_w, col_w, box_w = 16, 190, 64, 40
    row_h = 24 if n <= 4 else 20
    box_h = row_h - 6
    total = 2**n
    title = str(
        Text("{n} residual blocks unrolled: {total} paths", n=n, total=total)
        if n > 1
        else Text(
            "{n} residual block unrolled: {total} paths", n=n, total=total
        )
    )
    svg.text(
        margin, margin + 8, title, "rd-title", anchor="start", size=_FS_TITLE
    )
    formula = " ".join(f"(1 + f{i})" for i in range(n, 0, -1)) + " x"
    subtitle = str(
        Text(
            "output = {formula}: each block is used or skipped",
            formula=formula,
        )
    )
    y: float = margin + 32
    svg.note(margin, y, subtitle, "start")
    y += 22
    x_in = margin + label_w
    cols = [x_in + 30 + i * col_w + col_w / 2 for i in range(n)]
    x_out = cols[-1] + col_w / 2 + 24
    svg.text(x_in, y, "x", size=_FS)
    for i, cx in enumerate(cols):
        svg.note(cx, y, str(Text("block {number}", number=i + 1)))
    svg.note(x_out + 4, y, _("sum"), "start")
    y += 16
    top = y
    counts = []
    for k in range(n + 1):
        paths = [c for c in itertools.combinations(range(n), k)]
        counts.append(len(paths))
        colour = _LENGTH_COLOURS[k % len(_LENGTH_COLOURS)]
        g = svg.group(class_="rd-length", data_length=k, data_count=len(paths))
        values = dict(length=k, count=len(paths), n=n, comb=math.comb(n, k))
        label = str(
            Text(
                "length {length}: {count} paths  (C({n},{length}) = {comb})",
                **values,
            )
            if len(paths) != 1
            else Text(
                "length {length}: {count} path  (C({n},{length}) = {comb})",
                **values,
            )
        )
        group_h = len(paths) * row_h
        svg.text(
            margin,
            y + group_h / 2,
            label,
            "rd-label",
            anchor="start",
            parent=g,
            size=12,
        )
        for used in paths:
            cy = y + row_h / 2
            p = svg.group(
                g,
                class_="rd-path",
                data_length=k,
                data_blocks=" ".join(str(i + 1) for i in used),
            )
            svg.el("circle", p, class_="rd-dot", cx=x_in, cy=cy, r=2.5)
            x: float = (
                x_in  # the wire runs between the boxes it passes through
            )
            for i in used:
                svg.el(
                    "line",
                    p,
                    class_="rd-wire",
                    x1=x,
                    y1=cy,
                    x2=cols[i] - box_w / 2,
                    y2=cy,
                )
                x = cols[i] + box_w / 2
            svg.el(
                "line", p, class_="rd-wire", x1=x, y1=cy, x2=x_out - 6, y2=cy
            )
            svg.head(x_out, cy, 1, 0, p)
            for i, cx in enumerate(cols):
                on = (
                    i in used
                )  # style=None: a skipped block keeps its class's look
                svg.rect(
                    cx - box_w / 2,
                    cy - box_h / 2,
                    box_w,
                    box_h,
                    "rd-used" if on else "rd-skipped",
                    p,
                    rx=3,
                    data={"block": i + 1},
                    style=f"fill: {colour}" if on else None,
                )
                if on:
                    svg.text(cx, cy, f"f{i + 1}", parent=p, size=12)
            y += row_h
        y += 8
    svg.el(
        "line", class_="rd-edge", x1=x_out + 2, y1=top, x2=x_out + 2, y2=y - 8
    )
    width = x_out + 40 + margin
    width = max(
        width,
        margin + _tw(subtitle, _FS_SMALL) + margin,
        margin + _tw(title, _FS_TITLE) + margin,
    )
    by_length = ", ".join(
        str(Text("{count} of length {length}", count=c, length=k))
        for k, c in enumerate(counts)
    )
    alt = str(
        Text(
            "{n} residual blocks unrolled into {total} paths from input to output "
            "(Veit et al. 2016): each path uses or skips every block, so the output "
            "is the sum of all {total}. Paths by length (blocks used): {by_length}; "
            "the binomial coefficients C({n}, k).",
            n=n,
            total=total,
            by_length=by_length,
        )
    )
    return Diagram(svg.render(width, y + margin, title, alt), alt, title)
