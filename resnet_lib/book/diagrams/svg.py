"""Writing SVG: the element builder every diagram draws with, and the result it returns.

:class:`_Svg` collects elements in user units and serialises them with ElementTree (so
text is escaped); :meth:`_Svg.render` wraps them in an accessible ``<svg>`` (title,
description, one stylesheet of ``rd-`` classes). :class:`Diagram` is what the public
functions return, :class:`DiagramRow` several of them side by side.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Optional, Union

# Okabe & Ito, "Color Universal Design" (2008): distinguishable with any colour vision.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}

_SVG_NS = "http://www.w3.org/2000/svg"
_FS = 13  # font size of labels, in SVG units
_FS_SMALL = 11
_FS_TITLE = 15
_GAP = 18  # vertical gap between stacked boxes (holds an arrow)
_SCALE = 1.2  # largest display size per SVG unit: 13-unit labels show at about 16 px

# One stylesheet for every diagram: classes are prefixed ``rd-`` so nothing applies to the
# page, and there is no ``>`` or ``&`` (the text sits inside HTML as well as SVG files).
_CSS = " ".join(
    f"""
.rd-root {{ font-family: inherit; font-size: {_FS}px; }}
.rd-label, .rd-note, .rd-title {{ fill: currentColor; stroke: none; }}
.rd-label {{ font-size: {_FS}px; }}
.rd-note {{ font-size: {_FS_SMALL}px; fill-opacity: 0.85; }}
.rd-title {{ font-size: {_FS_TITLE}px; font-weight: 600; }}
.rd-conv, .rd-norm, .rd-act, .rd-add, .rd-pool, .rd-fc, .rd-op, .rd-pad, .rd-block,
.rd-weight, .rd-used {{ stroke: currentColor; stroke-width: 1.2;
  fill-opacity: 0.25; }}
.rd-conv {{ fill: {OKABE_ITO["blue"]}; }}
.rd-norm {{ fill: {OKABE_ITO["orange"]}; }}
.rd-act {{ fill: {OKABE_ITO["green"]}; }}
.rd-add {{ fill: {OKABE_ITO["purple"]}; }}
.rd-pool, .rd-fc {{ fill: {OKABE_ITO["sky"]}; }}
.rd-op {{ fill: {OKABE_ITO["purple"]}; }}
.rd-pad {{ fill: {OKABE_ITO["vermillion"]}; stroke-dasharray: 2 3; }}
.rd-weight {{ fill: {OKABE_ITO["blue"]}; }}
.rd-block {{ fill: {OKABE_ITO["blue"]}; }}
.rd-block.rd-proj-block {{ fill: {OKABE_ITO["vermillion"]}; stroke-width: 2;
  stroke-dasharray: 6 3; }}
.rd-block.rd-pad-block {{ fill: {OKABE_ITO["orange"]}; stroke-width: 2; stroke-dasharray: 2 3; }}
.rd-conv.rd-proj, .rd-norm.rd-proj {{ stroke-dasharray: 6 3; }}
.rd-conv.rd-proj {{ fill: {OKABE_ITO["vermillion"]}; }}
.rd-skipped {{ fill: none; stroke: currentColor; stroke-opacity: 0.45; stroke-dasharray: 3 3; }}
.rd-group {{ fill: none; stroke: currentColor; stroke-opacity: 0.3; }}
.rd-edge, .rd-wire {{ fill: none; stroke: currentColor; stroke-width: 1.3; }}
.rd-arrowhead, .rd-dot {{ fill: currentColor; stroke: none; }}
.rd-shortcut path, .rd-shortcut line, .rd-arc {{ fill: none; stroke: currentColor;
  stroke-width: 1.6; }}
.rd-arc.rd-kind-projection, .rd-shortcut[data-kind=projection] path {{ stroke-dasharray: 6 3; }}
.rd-arc.rd-kind-pad, .rd-shortcut[data-kind=pad] path {{ stroke-dasharray: 2 3; }}
""".split()
)


# --------------------------------------------------------------------------------------
# The result


class Diagram:
    """A diagram as SVG text, with the sentence that says what it shows.

    Attributes:
        svg: the ``<svg>`` element as a string (inline SVG: no XML declaration).
        alt: one or more sentences describing the diagram (also the SVG's ``<desc>``).
        title: a short title (the SVG's ``<title>``).
        counted_layers: for a network, the weighted layers the paper counts (conv and fc
            on the main path; not the projection shortcuts); ``None`` otherwise.

    In Jupyter (and in the book, through myst-nb) the diagram displays as inline HTML, so
    it follows the page's text colour; ``_repr_svg_`` serves front ends that want SVG.
    """

    def __init__(
        self,
        svg: str,
        alt: str,
        title: str,
        counted_layers: Optional[int] = None,
    ) -> None:
        self.svg = svg
        self.alt = alt
        self.title = title
        self.counted_layers = counted_layers

    def _repr_html_(self) -> str:
        return self.svg

    def _repr_svg_(self) -> str:
        return self.svg

    def __str__(self) -> str:
        return self.svg

    def __repr__(self) -> str:
        return f"Diagram({self.title!r}: {self.alt})"

    def save(self, path: Union[str, Path]) -> Path:
        """Write the SVG to ``path`` (UTF-8) and return the path.

        A standalone file has no page around it: ``currentColor`` is then black.
        """
        path = Path(path)
        path.write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n' + self.svg + "\n",
            encoding="utf-8",
        )
        return path


class DiagramRow:
    """Diagrams side by side, wrapping onto the next line on a narrow screen."""

    def __init__(self, diagrams: tuple[Diagram, ...]) -> None:
        self.diagrams = diagrams

    def _repr_html_(self) -> str:
        cells = "".join(
            f'<div style="flex:1 1 260px;min-width:0">{d.svg}</div>'
            for d in self.diagrams
        )
        return (
            '<div class="rd-row" style="display:flex;flex-wrap:wrap;'
            f'gap:1em;align-items:flex-start">{cells}</div>'
        )


def side_by_side(*diagrams: Diagram) -> DiagramRow:
    """Show ``diagrams`` in one row (each keeps its title and description).

    Raises:
        TypeError: something other than a :class:`Diagram` was given.
    """
    if not diagrams or not all(isinstance(d, Diagram) for d in diagrams):
        got = [type(d).__name__ for d in diagrams]
        raise TypeError(f"side_by_side takes one or more Diagrams; got {got}")
    return DiagramRow(diagrams)


# --------------------------------------------------------------------------------------
# SVG building


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        value = round(value, 1)
        return str(int(value)) if value == int(value) else str(value)
    return str(value)


def _tw(text: str, size: float = _FS) -> float:
    """Estimated width of ``text`` (no font metrics: 0.6 em per character, 1 em per wide
    character, such as a Chinese one)."""
    wide = sum(unicodedata.east_asian_width(c) in "WF" for c in text)
    return (len(text) + wide * 2 / 3) * size * 0.6


def _data(data: Optional[dict]) -> dict[str, Any]:
    """``data`` as keyword arguments of :meth:`_Svg.el`: ``data-*`` attributes."""
    return {f"data_{k}": v for k, v in (data or {}).items()}


class _Svg:
    """A list of SVG elements in user units, serialised with escaping by ElementTree."""

    def __init__(self) -> None:
        self.root = ET.Element("g")

    def el(
        self,
        tag: str,
        parent: Optional[ET.Element] = None,
        text: Optional[str] = None,
        **attrs: Any,
    ) -> ET.Element:
        attrs = {
            k.rstrip("_").replace("_", "-"): _fmt(v)
            for k, v in attrs.items()
            if v is not None
        }
        node = ET.SubElement(
            self.root if parent is None else parent, tag, attrs
        )
        if text is not None:
            node.text = text
        return node

    def group(
        self, parent: Optional[ET.Element] = None, **attrs: Any
    ) -> ET.Element:
        return self.el("g", parent, **attrs)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        cls: str = "rd-label",
        anchor: str = "middle",
        parent: Optional[ET.Element] = None,
        size: float = _FS,
    ) -> ET.Element:
        """``text`` with its vertical centre at ``y``."""
        return self.el(
            "text",
            parent,
            text,
            class_=cls,
            x=x,
            y=y + 0.35 * size,
            text_anchor=anchor,
        )

    def note(
        self,
        x: float,
        y: float,
        text: str,
        anchor: str = "middle",
        parent: Optional[ET.Element] = None,
    ) -> ET.Element:
        """``text`` in the small type of notes, with its vertical centre at ``y``."""
        return self.text(x, y, text, "rd-note", anchor, parent, _FS_SMALL)

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        cls: str,
        parent: Optional[ET.Element] = None,
        rx: float = 4,
        data: Optional[dict] = None,
        **attrs: Any,
    ) -> ET.Element:
        """A rectangle; ``data`` become its ``data-*`` attributes (after ``attrs``)."""
        return self.el(
            "rect",
            parent,
            class_=cls,
            x=x,
            y=y,
            width=w,
            height=h,
            rx=rx,
            **attrs,
            **_data(data),
        )

    def box(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        cls: str,
        label: str,
        note: str = "",
        parent: Optional[ET.Element] = None,
        rx: float = 4,
        data: Optional[dict] = None,
        tooltip: Optional[str] = None,
    ) -> ET.Element:
        """A labelled rectangle; ``data`` become ``data-*`` attributes of the rectangle."""
        g = self.group(parent)
        rect = self.rect(x, y, w, h, cls, g, rx, data)
        if tooltip:
            self.el("title", g, tooltip)
        if note:
            self.text(x + w / 2, y + h / 2 - 7, label, parent=g)
            self.note(x + w / 2, y + h / 2 + 8, note, parent=g)
        else:
            self.text(x + w / 2, y + h / 2, label, parent=g)
        return rect

    def arrow(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        parent: Optional[ET.Element] = None,
        cls: str = "rd-edge",
        head: bool = True,
    ) -> None:
        length = math.hypot(x2 - x1, y2 - y1)
        if length < 1:
            return
        ux, uy = (x2 - x1) / length, (y2 - y1) / length
        size = 6.0 if head and length > 8 else 0.0
        self.el(
            "line",
            parent,
            class_=cls,
            x1=x1,
            y1=y1,
            x2=x2 - ux * size,
            y2=y2 - uy * size,
        )
        if size:
            self.head(x2, y2, ux, uy, parent)

    def head(
        self,
        x: float,
        y: float,
        ux: float,
        uy: float,
        parent: Optional[ET.Element] = None,
        size: float = 6.0,
    ) -> None:
        """An arrowhead with its tip at ``(x, y)`` pointing along ``(ux, uy)``."""
        bx, by = x - ux * size, y - uy * size
        px, py = -uy * size * 0.55, ux * size * 0.55
        points = " ".join(
            f"{_fmt(a)},{_fmt(b)}"
            for a, b in ((x, y), (bx + px, by + py), (bx - px, by - py))
        )
        self.el("polygon", parent, class_="rd-arrowhead", points=points)

    def render(
        self, width: float, height: float, title: str, desc: str
    ) -> str:
        """The ``<svg>`` text: at most ``_SCALE`` times its natural size, smaller on a narrow
        screen (``width="100%"`` of the page, the ``viewBox`` keeps the proportions)."""
        width, height = math.ceil(width), math.ceil(height)
        ident = (
            "rd-"
            + hashlib.sha1(
                f"{title}\n{desc}\n{width}x{height}".encode()
            ).hexdigest()[:10]
        )
        svg = ET.Element(
            "svg",
            {
                "xmlns": _SVG_NS,
                "class": "rd-root",
                "role": "img",
                "aria-labelledby": f"{ident}-title {ident}-desc",
                "viewBox": f"0 0 {width} {height}",
                "width": "100%",
                "style": f"max-width: {math.ceil(_SCALE * width)}px; height: auto; "
                "font-family: inherit;",
            },
        )
        ET.SubElement(svg, "title", {"id": f"{ident}-title"}).text = title
        ET.SubElement(svg, "desc", {"id": f"{ident}-desc"}).text = desc
        ET.SubElement(svg, "style").text = _CSS
        svg.extend(list(self.root))
        return ET.tostring(svg, encoding="unicode")
