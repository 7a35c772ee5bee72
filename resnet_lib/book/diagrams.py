"""Diagrams drawn from the model itself: SVG that cannot disagree with the code.

Every diagram of a block or a network is generated from the ``nn.Module`` it shows:

* the layers and their forward order come from tracing the module with ``torch.fx``
  (which conv follows which, where the addition is, what the shortcut computes, where BN
  and the activations sit, including whether a ReLU follows the addition);
* kernel, channels, stride, groups and dilation are read from each ``nn.Conv2d``;
* feature-map sizes come from one forward pass on a dummy input. It runs on PyTorch's
  ``meta`` device (shapes only, no arithmetic, the model's weights are not touched), and
  only if a module cannot run there, for real under ``torch.no_grad()`` in eval mode.

The result is a :class:`Diagram`: inline SVG (so it inherits the page's text colour and
font in the book's light and dark themes), with a title and a description for screen
readers, text and strokes in ``currentColor``, fills from the Okabe-Ito colour-blind-safe
palette at partial opacity, and a text label on every box (colour is never the only cue).
Every drawn element carries ``rd-`` classes and ``data-`` attributes (kernel, channels,
stride, groups, shortcut kind, ...), so tests can check a drawing against the model.

Public functions: :func:`block_diagram`, :func:`network_diagram`,
:func:`residual_idea_diagram` and :func:`unrolled_diagram`.

Words are in the reader's language (:mod:`resnet_lib.i18n`), drawn when the diagram is:
each label is one whole ``<text>`` node, which is how a translated edition of the book
finds the labels of a diagram drawn in English. The paper's notation ("3x3 conv, 64",
"BN", "fc, 1000", "/2") and the names of layers and blocks stay as they are.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import operator
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Union

import torch
import torch.fx as fx
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from resnet_lib import PadShortcut

from ..i18n import N_, Text, _

__all__ = [
    "Diagram",
    "DiagramRow",
    "side_by_side",
    "block_diagram",
    "network_diagram",
    "residual_idea_diagram",
    "unrolled_diagram",
]

SizeArg = Union[int, tuple[int, int], None]

#: default input sizes (pixels, square)
BLOCK_INPUT_SIZE = 56
IMAGENET_INPUT_SIZE = 224
CIFAR_INPUT_SIZE = 32
DETAILS = ("blocks", "layers")
MAX_UNROLLED = 6

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
_LENGTH_COLOURS = (
    "#56B4E9",
    "#009E73",
    "#E69F00",
    "#CC79A7",
    "#0072B2",
    "#D55E00",
    "#F0E442",
)

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

_NORMS = (
    nn.BatchNorm1d,
    nn.BatchNorm2d,
    nn.BatchNorm3d,
    nn.SyncBatchNorm,
    nn.GroupNorm,
    nn.LayerNorm,
    nn.InstanceNorm1d,
    nn.InstanceNorm2d,
    nn.InstanceNorm3d,
)
_ACTS = (
    nn.ReLU,
    nn.ReLU6,
    nn.LeakyReLU,
    nn.PReLU,
    nn.ELU,
    nn.GELU,
    nn.SiLU,
    nn.Mish,
    nn.Tanh,
    nn.Sigmoid,
    nn.Hardswish,
    nn.Hardtanh,
    nn.Softplus,
)
_ACT_NAMES = {"ReLU": "ReLU", "Tanh": "tanh", "Sigmoid": "sigmoid"}
_ACT_FUNCTIONS: dict[Any, str] = {
    F.relu: "ReLU",
    torch.relu: "ReLU",
    torch.relu_: "ReLU",
    F.relu_: "ReLU",
    F.relu6: "ReLU6",
    torch.tanh: "tanh",
    torch.sigmoid: "sigmoid",
    F.gelu: "GELU",
    F.silu: "SiLU",
    F.leaky_relu: "LeakyReLU",
    F.elu: "ELU",
}
_ACT_METHODS = {
    "relu": "ReLU",
    "relu_": "ReLU",
    "tanh": "tanh",
    "tanh_": "tanh",
    "sigmoid": "sigmoid",
    "sigmoid_": "sigmoid",
}
_ADD_FUNCTIONS = (operator.add, operator.iadd, torch.add)
_ADD_METHODS = ("add", "add_")
_POOLS = (
    nn.MaxPool2d,
    nn.AvgPool2d,
    nn.AdaptiveAvgPool2d,
    nn.AdaptiveMaxPool2d,
)
_SHAPE_ONLY = (nn.Flatten, nn.Unflatten)
_SHAPE_METHODS = (
    "size",
    "dim",
    "view",
    "reshape",
    "flatten",
    "contiguous",
    "squeeze",
    "unsqueeze",
)

#: how a network diagram names the blocks of the family (torchvision's two share the names);
#: English, shown in the reader's language
BLOCK_NAMES = {
    "BasicBlock": N_("basic"),
    "Bottleneck": N_("bottleneck"),
    "PlainBasicBlock": N_("plain basic"),
    "PlainBottleneck": N_("plain bottleneck"),
    "PreActBlock": N_("pre-act basic"),
    "PreActBottleneck": N_("pre-act bottleneck"),
}


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

    def __str__(self) -> str:
        return self.svg

    def __repr__(self) -> str:
        return f"Diagram({self.title!r}: {self.alt})"


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
        rect = self.el(
            "rect",
            g,
            class_=cls,
            x=x,
            y=y,
            width=w,
            height=h,
            rx=rx,
            **{f"data_{k}": v for k, v in (data or {}).items()},
        )
        if tooltip:
            self.el("title", g, tooltip)
        if note:
            self.text(x + w / 2, y + h / 2 - 7, label, parent=g)
            self.text(
                x + w / 2,
                y + h / 2 + 8,
                note,
                "rd-note",
                parent=g,
                size=_FS_SMALL,
            )
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


# --------------------------------------------------------------------------------------
# Reading a module: what each layer is


@dataclass
class _Op:
    """One drawn layer or operation."""

    kind: str  # conv, norm, act, add, pool, fc, pad, op
    label: str
    note: str = ""
    alt: str = ""
    name: str = ""
    module: Optional[nn.Module] = None
    shape: Optional[tuple[int, ...]] = None  # output shape (N, C, H, W)
    data: dict = field(default_factory=dict)

    @property
    def weighted(self) -> bool:
        return self.kind in ("conv", "fc")


def _size(shape: Optional[tuple[int, ...]]) -> str:
    return (
        f"{shape[2]}×{shape[3]}"
        if shape is not None and len(shape) == 4
        else ""
    )


def _pair(value: Any) -> tuple[int, int]:
    return (
        (value, value)
        if isinstance(value, int)
        else (int(value[0]), int(value[1]))
    )


def _strided(label: str, stride: tuple[int, int]) -> str:
    """``label`` with its stride: ``", /2"`` (the paper's notation), or in words when
    the two strides differ."""
    if stride == (1, 1):
        return label
    if stride[0] == stride[1]:
        return f"{label}, /{stride[0]}"
    return str(
        Text(
            "{label}, stride {height}x{width}",
            label=label,
            height=stride[0],
            width=stride[1],
        )
    )


def _conv_op(name: str, m: nn.Conv2d, shape: Optional[tuple[int, ...]]) -> _Op:
    k, s, d = _pair(m.kernel_size), _pair(m.stride), _pair(m.dilation)
    ks = f"{k[0]}x{k[1]}"
    label = _strided(f"{ks} conv, {m.out_channels}", s)
    alt = str(
        Text(
            "{kernel} conv {channels} stride {stride}",
            kernel=ks,
            channels=f"{m.in_channels}→{m.out_channels}",
            stride=s[0] if s[0] == s[1] else str(s),
        )
    )
    if m.groups > 1:
        label = str(
            Text("{label}, {groups} groups", label=label, groups=m.groups)
        )
        alt = str(Text("{alt} in {groups} groups", alt=alt, groups=m.groups))
    if d != (1, 1):
        label = str(
            Text("{label}, dilation {dilation}", label=label, dilation=d[0])
        )
        alt = str(Text("{alt} dilation {dilation}", alt=alt, dilation=d[0]))
    note = f"{m.in_channels}→{m.out_channels}" + (
        f" · {_size(shape)}" if _size(shape) else ""
    )
    data = {
        "kernel": k[0] if k[0] == k[1] else ks,
        "in": m.in_channels,
        "out": m.out_channels,
        "stride": s[0] if s[0] == s[1] else f"{s[0]}x{s[1]}",
        "groups": m.groups,
        "dilation": d[0],
        "name": name,
    }
    if _size(shape):
        data["size"] = _size(shape).replace("×", "x")
    return _Op("conv", label, note, alt, name, m, shape, data)


def _module_op(
    name: str, m: nn.Module, shape: Optional[tuple[int, ...]]
) -> Optional[_Op]:
    """The drawn operation for a call of module ``m``; ``None`` for what is not drawn."""
    if isinstance(m, (nn.Identity,) + _SHAPE_ONLY):
        return None
    if isinstance(m, nn.Conv2d):
        return _conv_op(name, m, shape)
    if isinstance(m, PadShortcut):
        label = _("option A: subsample + zero-pad")
        channels = f"{m.in_channels}→{m.out_channels}"
        note = _strided(channels, _pair(m.stride))
        alt = str(
            Text(
                "subsample by {stride} and zero-pad {channels} channels",
                stride=m.stride,
                channels=channels,
            )
            if m.stride != 1
            else Text("zero-pad {channels} channels", channels=channels)
        )
        return _Op(
            "pad",
            label,
            note,
            alt,
            name,
            m,
            shape,
            {"in": m.in_channels, "out": m.out_channels, "stride": m.stride},
        )
    if isinstance(m, _NORMS):
        short = (
            "BN"
            if isinstance(
                m,
                (
                    nn.BatchNorm1d,
                    nn.BatchNorm2d,
                    nn.BatchNorm3d,
                    nn.SyncBatchNorm,
                ),
            )
            else "GN"
            if isinstance(m, nn.GroupNorm)
            else "LN"
            if isinstance(m, nn.LayerNorm)
            else "IN"
        )
        return _Op(
            "norm",
            short,
            alt=short,
            name=name,
            module=m,
            shape=shape,
            data={"name": name},
        )
    if isinstance(m, _ACTS):
        label = _ACT_NAMES.get(type(m).__name__, type(m).__name__)
        return _Op(
            "act",
            label,
            alt=label,
            name=name,
            module=m,
            shape=shape,
            data={"name": name},
        )
    if isinstance(m, _POOLS):
        return _pool_op(name, m, shape)
    if isinstance(m, nn.Linear):
        channels = f"{m.in_features}→{m.out_features}"
        return _Op(
            "fc",
            f"fc, {m.out_features}",
            channels,
            str(Text("fully connected {channels}", channels=channels)),
            name,
            m,
            shape,
            {"in": m.in_features, "out": m.out_features, "name": name},
        )
    label = type(m).__name__
    return _Op(
        "op",
        label,
        alt=label,
        name=name,
        module=m,
        shape=shape,
        data={"name": name},
    )


def _pool_op(name: str, m: nn.Module, shape: Optional[tuple[int, ...]]) -> _Op:
    is_max = isinstance(m, (nn.MaxPool2d, nn.AdaptiveMaxPool2d))
    if isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        out = _pair(m.output_size) if m.output_size is not None else None
        if out == (1, 1):
            label = _("global max pool") if is_max else _("global avg pool")
        else:
            label = (
                _("adaptive max pool") if is_max else _("adaptive avg pool")
            )
    else:
        k, s = _pair(m.kernel_size), _pair(m.stride or m.kernel_size)
        ks = f"{k[0]}x{k[1]}"
        label = _strided(
            str(
                Text("{kernel} max pool", kernel=ks)
                if is_max
                else Text("{kernel} avg pool", kernel=ks)
            ),
            s,
        )
    return _Op(
        "pool", label, _size(shape), label, name, m, shape, {"name": name}
    )


def _function_op(
    node: fx.Node, shape: Optional[tuple[int, ...]]
) -> Optional[_Op]:
    target = node.target
    if (node.op == "call_function" and target in _ADD_FUNCTIONS) or (
        node.op == "call_method" and target in _ADD_METHODS
    ):
        if sum(isinstance(a, fx.Node) for a in node.args) == 2:
            return _Op(
                "add", "+", alt=_("addition"), name=node.name, shape=shape
            )
    label = (
        _ACT_FUNCTIONS.get(target)
        if node.op == "call_function"
        else _ACT_METHODS.get(target)
        if isinstance(target, str)
        else None
    )
    if label:
        return _Op(
            "act",
            label,
            alt=label,
            name=node.name,
            shape=shape,
            data={"name": node.name},
        )
    if (
        node.op == "call_function"
        and target in (operator.getitem, getattr, torch.flatten)
    ) or (node.op == "call_method" and target in _SHAPE_METHODS):
        return None  # indexing, sizes and reshaping: not layers
    name = (
        target
        if isinstance(target, str)
        else getattr(target, "__name__", str(target))
    )
    return _Op(
        "op",
        name,
        alt=name,
        name=node.name,
        shape=shape,
        data={"name": node.name},
    )


# --------------------------------------------------------------------------------------
# Tracing a block


class _Tracer(fx.Tracer):
    """torch.fx's tracer, with the option-A shortcut kept as one operation."""

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        return isinstance(m, PadShortcut) or super().is_leaf_module(
            m, module_qualified_name
        )


class _ShapeRecorder(fx.Interpreter):
    def __init__(self, gm: fx.GraphModule) -> None:
        super().__init__(gm)
        self.shapes: dict[fx.Node, tuple[int, ...]] = {}

    def run_node(self, n: fx.Node) -> Any:
        result = super().run_node(n)
        if isinstance(result, torch.Tensor):
            self.shapes[n] = tuple(result.shape)
        return result


class _Runner(nn.Module):
    """Runs a traced module node by node, recording every tensor's shape."""

    def __init__(self, gm: fx.GraphModule) -> None:
        super().__init__()
        self.gm = gm
        self.recorder: Optional[_ShapeRecorder] = None

    def forward(self, x: torch.Tensor) -> Any:
        self.recorder = _ShapeRecorder(self.gm)
        return self.recorder.run(x)


def _dtype_device(module: nn.Module) -> tuple[torch.dtype, torch.device]:
    for t in itertools.chain(module.parameters(), module.buffers()):
        if t.is_floating_point():
            return t.dtype, t.device
    return torch.get_default_dtype(), torch.device("cpu")


def _dry_run(
    module: nn.Module,
    shape: tuple[int, ...],
    what: str,
    reset: Callable[[], None] = lambda: None,
) -> None:
    """Run ``module`` once on an input of ``shape`` to learn the shapes of its outputs.

    First on the meta device (the weights are swapped for shape-only stand-ins, so nothing
    is computed and nothing in the module changes); if some operation cannot run there,
    for real, on zeros, without gradients. Eval mode either way (BatchNorm then uses, and
    does not update, its running statistics); each submodule's mode is restored after.
    """
    dtype, device = _dtype_device(module)
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        try:
            reset()
            state = {
                k: torch.empty_like(v, device="meta")
                for k, v in itertools.chain(
                    module.named_parameters(), module.named_buffers()
                )
            }
            functional_call(
                module,
                state,
                (torch.empty(shape, dtype=dtype, device="meta"),),
            )
        except Exception:
            reset()
            with torch.no_grad():
                module(torch.zeros(shape, dtype=dtype, device=device))
    except Exception as err:
        size = "×".join(map(str, shape))
        raise ValueError(
            f"could not run {what} on a dummy input of shape {size} "
            f"({type(err).__name__}: {err}); try another input_size"
        ) from err
    finally:
        for m, mode in modes:
            m.training = mode


@dataclass
class _BlockView:
    """A block as the diagram shows it: the main column and the shortcut beside it."""

    name: str
    column: list[
        _Op
    ]  # main path in forward order: before the split, branch, +, after
    shortcut: list[_Op]  # the shortcut branch's operations (empty: identity)
    shortcut_kind: str  # identity, pad, projection, other, none
    split_after: Optional[
        _Op
    ]  # the shortcut leaves after this op (None: at the input)
    add: Optional[_Op]
    in_shape: Optional[tuple[int, ...]]
    out_shape: Optional[tuple[int, ...]]

    @property
    def main_convs(self) -> list[_Op]:
        return [op for op in self.column if op.kind == "conv"]

    @property
    def counted(self) -> list[_Op]:
        """The weighted layers the paper counts: conv and fc on the main path."""
        return [op for op in self.column if op.weighted]


def _check_module(obj: Any, what: str, expected: str) -> nn.Module:
    if not isinstance(obj, nn.Module):
        raise TypeError(
            f"{what} expects an nn.Module ({expected}); got {type(obj).__name__}"
        )
    return obj


def _trace(block: nn.Module) -> tuple[nn.Module, fx.Graph]:
    """The graph of ``block.forward`` and the module its targets refer to.

    A bare layer (an ``nn.Conv2d`` passed on its own) is traced inside an ``nn.Sequential``
    so that it stays one module rather than becoming a call of ``F.conv2d``.
    """
    root = block
    if not any(block.children()) and type(block).__module__.startswith(
        "torch.nn"
    ):
        root = nn.Sequential(block)
    try:
        graph = _Tracer().trace(root)
    except Exception as err:
        raise TypeError(
            f"could not trace {type(block).__name__} with torch.fx ({type(err).__name__}: "
            f"{err}); a diagram needs a forward without data-dependent Python control flow"
        ) from err
    return root, graph


def _first_channels(
    block: nn.Module, traced: tuple[nn.Module, fx.Graph]
) -> int:
    """The input channels: those of the first convolution the input meets in forward order."""
    root, graph = traced
    for node in graph.nodes:
        if node.op == "call_module":
            m = root.get_submodule(node.target)
            if isinstance(m, (nn.Conv2d, PadShortcut)):
                return m.in_channels
    raise ValueError(
        f"a block diagram needs a module with an nn.Conv2d on its forward path; "
        f"{type(block).__name__} has none (allowed: BasicBlock, Bottleneck, their "
        "plain and pre-activation variants, torchvision's blocks, or any traceable "
        "block of convolutions)"
    )


def _analyze_block(
    block: nn.Module,
    in_shape: Optional[tuple[int, ...]],
    traced: Optional[tuple[nn.Module, fx.Graph]] = None,
) -> _BlockView:
    """Trace ``block`` and split it into the drawn parts.

    With ``in_shape``, the traced graph also runs once (on the meta device) so that every
    operation knows its output shape; a network passes ``None`` (it knows the shapes of
    whole blocks from its own forward pass, and does not draw those inside them).
    """
    root, graph = traced or _trace(block)
    shapes: dict[fx.Node, tuple[int, ...]] = {}
    if in_shape is not None:
        runner = _Runner(fx.GraphModule(root, graph))
        _dry_run(runner, in_shape, type(block).__name__)
        shapes = runner.recorder.shapes if runner.recorder else {}
    nodes = list(graph.nodes)
    placeholders = [n for n in nodes if n.op == "placeholder"]
    if len(placeholders) != 1:
        raise TypeError(
            f"a block diagram needs a module whose forward takes one tensor; "
            f"{type(block).__name__}.forward takes {len(placeholders)} arguments"
        )
    source = placeholders[0]
    INPUT = "input"  # noqa: N806 - a marker for the block's input among the sources
    # sources[n]: the drawn operations (or the input) whose values node n passes on
    sources: dict[fx.Node, set] = {source: {INPUT}}
    ops: dict[fx.Node, _Op] = {}
    deps: dict[fx.Node, set] = {}
    for node in nodes:
        if node.op in ("placeholder", "output"):
            continue
        inputs: set = set()
        for arg in node.all_input_nodes:
            inputs |= sources.get(arg, set())
        op: Optional[_Op] = None
        if in_shape is not None and node not in shapes:
            op = None  # a non-tensor value (a size, a flag): not drawn
        elif node.op == "call_module":
            op = _module_op(
                str(node.target),
                root.get_submodule(node.target),
                shapes.get(node),
            )
        elif node.op in ("call_function", "call_method"):
            op = _function_op(node, shapes.get(node))
        if op is None:
            sources[node] = inputs
        else:
            ops[node], deps[node], sources[node] = op, inputs, {node}
    order = [n for n in nodes if n in ops]
    if not any(ops[n].kind == "conv" for n in order):
        raise ValueError(
            f"a block diagram needs a module with an nn.Conv2d on its forward path; "
            f"{type(block).__name__} has none (allowed: BasicBlock, Bottleneck, "
            "their plain and pre-activation variants, torchvision's blocks)"
        )

    def ancestors(start: set) -> set:
        seen, todo = set(), list(start)
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            if n != INPUT:
                todo.extend(deps[n])
        return seen

    out_node = next(n for n in nodes if n.op == "output")
    out_shape = (
        shapes.get(out_node.all_input_nodes[0])
        if out_node.all_input_nodes
        else None
    )
    adds = [n for n in order if ops[n].kind == "add"]
    name = type(block).__name__
    if not adds:
        column = [ops[n] for n in order]
        return _BlockView(
            name, column, [], "none", None, None, in_shape, out_shape
        )
    add = adds[-1]  # the residual addition: the last one
    a, b = [sources[arg] for arg in add.args if isinstance(arg, fx.Node)][:2]
    anc_a, anc_b = ancestors(a), ancestors(b)
    branch_a = [n for n in order if n in anc_a - anc_b]
    branch_b = [n for n in order if n in anc_b - anc_a]
    convs = lambda branch: sum(ops[n].kind == "conv" for n in branch)  # noqa: E731
    if (convs(branch_b), len(branch_b)) > (convs(branch_a), len(branch_a)):
        branch_a, branch_b, b = branch_b, branch_a, a
    common = anc_a & anc_b
    pre = [n for n in order if n in common]
    post = [
        n
        for n in order
        if n not in common
        and n not in branch_a
        and n not in branch_b
        and n is not add
    ]
    # where the shortcut leaves the main path: the latest op it reads from
    leaves_from = deps[branch_b[0]] if branch_b else b
    split = max(
        (n for n in leaves_from if n != INPUT), key=order.index, default=None
    )
    short_ops = [ops[n] for n in branch_b]
    if not short_ops:
        kind = "identity"
    elif any(op.kind == "pad" for op in short_ops):
        kind = "pad"
    elif any(op.kind == "conv" for op in short_ops):
        kind = "projection"
    else:
        kind = "other"
    column = (
        [ops[n] for n in pre + branch_a] + [ops[add]] + [ops[n] for n in post]
    )
    return _BlockView(
        name,
        column,
        short_ops,
        kind,
        ops[split] if split is not None else None,
        ops[add],
        in_shape,
        out_shape,
    )


def _input_shape(
    channels: int, input_size: SizeArg, default: int
) -> tuple[int, int, int, int]:
    """``(1, channels, H, W)`` for ``input_size`` (an int, a pair, or ``None`` for ``default``)."""
    if input_size is None:
        input_size = default
    allowed = (
        "a positive int (e.g. 224) or a pair (height, width) of positive ints"
    )
    if isinstance(input_size, bool) or not isinstance(
        input_size, (int, tuple, list)
    ):
        raise TypeError(f"input_size must be {allowed}; got {input_size!r}")
    hw = (
        (input_size, input_size)
        if isinstance(input_size, int)
        else tuple(input_size)
    )
    if len(hw) != 2 or any(
        isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in hw
    ):
        raise ValueError(f"input_size must be {allowed}; got {input_size!r}")
    return (1, channels, hw[0], hw[1])


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
    name = type(block).__name__
    if type(block).__module__.startswith("torchvision"):
        name += " (torchvision)"
    ordering = getattr(block, "ordering", None)
    if isinstance(ordering, str) and ordering not in (
        "original",
        "full_preact",
    ):
        name = str(
            Text(
                "{block}, ordering {ordering}",
                block=name,
                ordering=repr(ordering),
            )
        )
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
            **{f"data_{k}": v for k, v in data.items()},
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
    svg.text(
        cx,
        y + 8,
        str(Text("input x: {shape}", shape=io(view.in_shape)))
        if cin
        else _("input x"),
        "rd-note",
        size=_FS_SMALL,
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
    svg.text(
        cx,
        prev_bottom + _GAP + 9,
        str(Text("output: {shape}", shape=io(out)))
        if io(out)
        else _("output"),
        "rd-note",
        size=_FS_SMALL,
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
        svg.text(lane, top + 8, caption, "rd-note", parent=g, size=_FS_SMALL)
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


# --------------------------------------------------------------------------------------
# Networks


def _looks_like_network(model: nn.Module) -> bool:
    return any(re.fullmatch(r"layer\d+", n) for n, _ in model.named_children())


def _stages(model: nn.Module) -> list[tuple[str, nn.Module]]:
    names = getattr(model, "stage_names", None)
    if not (isinstance(names, (list, tuple)) and names):
        names = [
            n
            for n, _ in model.named_children()
            if re.fullmatch(r"layer\d+", n)
        ]
    if not names:
        raise TypeError(
            f"network_diagram expects a ResNet with stages layer1, layer2, ... "
            f"(resnet_lib.ResNet or torchvision.models.ResNet); got "
            f"{type(model).__name__} with children "
            f"{[n for n, _ in model.named_children()][:8]} "
            "(for a single block, use block_diagram)"
        )
    stages: list[tuple[str, nn.Module]] = []
    for name in names:
        stage = getattr(model, name)
        if not isinstance(stage, (nn.Sequential, nn.ModuleList)):
            raise TypeError(
                f"network_diagram expects each stage to be an nn.Sequential of blocks; "
                f"{name} is {type(stage).__name__}"
            )
        stages.append((name, stage))
    return stages


def _default_network_size(model: nn.Module) -> int:
    """224 for an ImageNet-style stem, 32 for a CIFAR one (a 3x3 first conv, no max pool)."""
    config = getattr(model, "config", None)
    stem = getattr(config, "stem", None)
    if stem in ("imagenet", "cifar"):
        return CIFAR_INPUT_SIZE if stem == "cifar" else IMAGENET_INPUT_SIZE
    first = next(
        (m for m in model.modules() if isinstance(m, nn.Conv2d)), None
    )
    if first is not None and _pair(first.kernel_size)[0] <= 3:
        return CIFAR_INPUT_SIZE
    return IMAGENET_INPUT_SIZE


@dataclass
class _BlockCall:
    stage: str
    index: int  # within the stage
    number: int  # in the whole network
    view: _BlockView
    module: nn.Module
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]

    @property
    def halves(self) -> bool:
        return (
            len(self.in_shape) == 4
            and len(self.out_shape) == 4
            and self.out_shape[2] < self.in_shape[2]
        )

    @property
    def kind_label(self) -> str:
        """The block's kind in the reader's language (its class's name if not one of
        :data:`BLOCK_NAMES`)."""
        name = type(self.module).__name__
        return _(BLOCK_NAMES[name]) if name in BLOCK_NAMES else name


@dataclass
class _StageCall:
    name: str
    blocks: list[_BlockCall]
    out_shape: tuple[int, ...]


@dataclass
class _NetworkView:
    name: str
    input_shape: tuple[int, ...]
    stem: list[_Op]
    stages: list[_StageCall]
    head: list[_Op]
    layer_numbers: dict[int, int]  # id(op) -> 1-based weighted-layer number

    @property
    def counted(self) -> int:
        return len(self.layer_numbers)


def _shape_of(value: Any) -> tuple[int, ...]:
    if isinstance(value, (tuple, list)) and value:
        value = value[0]
    return tuple(value.shape) if isinstance(value, torch.Tensor) else ()


def _analyze_network(model: nn.Module, input_size: SizeArg) -> _NetworkView:
    stages = _stages(model)
    stage_names = {name for name, _ in stages}
    first = next(
        (m for m in model.modules() if isinstance(m, nn.Conv2d)), None
    )
    if first is None:
        raise ValueError(
            f"network_diagram needs a convolutional network; {type(model).__name__} "
            "has no nn.Conv2d"
        )
    shape = _input_shape(
        first.in_channels, input_size, _default_network_size(model)
    )
    events: list[tuple] = []
    stage_out: dict[str, tuple[int, ...]] = {}
    handles = []

    def leaf_hook(name: str) -> Callable:
        return lambda m, i, o: events.append(
            ("leaf", name, m, _shape_of(i), _shape_of(o))
        )

    def block_hook(stage: str, index: int) -> Callable:
        return lambda m, i, o: events.append(
            ("block", (stage, index), m, _shape_of(i), _shape_of(o))
        )

    def stage_hook(name: str) -> Callable:
        return lambda m, i, o: stage_out.__setitem__(name, _shape_of(o))

    def reset() -> None:
        events.clear()
        stage_out.clear()

    try:
        for name, m in model.named_modules():
            if (
                name
                and name.split(".")[0] not in stage_names
                and not any(m.children())
            ):
                handles.append(m.register_forward_hook(leaf_hook(name)))
        for name, stage in stages:
            handles.append(stage.register_forward_hook(stage_hook(name)))
            for i, blk in enumerate(stage.children()):
                handles.append(blk.register_forward_hook(block_hook(name, i)))
        _dry_run(model, shape, type(model).__name__, reset)
    finally:
        for h in handles:
            h.remove()

    stem: list[_Op] = []
    head: list[_Op] = []
    calls: dict[str, list[_BlockCall]] = {name: [] for name, _ in stages}
    numbers: dict[int, int] = {}
    seen_block = False
    count = 0
    for kind, key, m, in_shape, out_shape in events:
        if kind == "leaf":
            op = _module_op(key, m, out_shape)
            if op is None:
                continue
            (head if seen_block else stem).append(op)
            if op.weighted:
                count += 1
                numbers[id(op)] = count
            continue
        seen_block = True
        stage, index = key
        view = _analyze_block(m, None)
        call = _BlockCall(
            stage,
            index,
            sum(map(len, calls.values())),
            view,
            m,
            in_shape,
            out_shape,
        )
        calls[stage].append(call)
        for op in view.counted:
            count += 1
            numbers[id(op)] = count
    stage_calls = [
        _StageCall(name, calls[name], stage_out.get(name, ()))
        for name, _ in stages
        if calls[name]
    ]
    return _NetworkView(
        type(model).__name__, shape, stem, stage_calls, head, numbers
    )


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
        svg.text(
            x,
            y + 7,
            lines[1],
            "rd-note",
            anchor="start",
            parent=parent,
            size=_FS_SMALL,
        )
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
        svg.text(
            x, y + 8, text, "rd-note", anchor="start", parent=g, size=_FS_SMALL
        )
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
    svg.el(
        "rect",
        g,
        class_=cls,
        x=x,
        y=y,
        width=w,
        height=h,
        rx=6,
        **{f"data_{k}": v for k, v in data.items()},
    )
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
    svg.text(x + w / 2, y + 27, line2, "rd-note", parent=g, size=_FS_SMALL)
    svg.text(
        x + w / 2,
        y + 41,
        _(_SHORTCUT_WORD[kind]) if kind in _SHORTCUT_WORD else kind,
        "rd-note",
        parent=g,
        size=_FS_SMALL,
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
            svg.el(
                "rect",
                bg,
                class_="rd-group",
                x=x,
                y=y,
                width=group_w,
                height=box_h + 2 * pad,
                rx=6,
            )
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
                svg.el(
                    "rect",
                    bg,
                    class_=cls,
                    x=bx,
                    y=y + pad,
                    width=w,
                    height=box_h,
                    rx=3,
                    **{f"data_{k}": v for k, v in data.items()},
                )
                svg.el("title", bg, f"{number}: {op.alt}")
                svg.text(
                    bx + w / 2,
                    y + pad + 12,
                    number,
                    "rd-label",
                    parent=bg,
                    size=12,
                )
                svg.text(
                    bx + w / 2,
                    y + pad + 27,
                    top_text,
                    "rd-note",
                    parent=bg,
                    size=_FS_SMALL,
                )
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


# --------------------------------------------------------------------------------------
# Ideas


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
            svg.text(
                side,
                (y0 + 44 + prev) / 2,
                _("learns H(x)"),
                "rd-note",
                anchor="start",
                parent=g,
                size=_FS_SMALL,
            )
            bottoms.append(y + 20)
            continue
        svg.text(
            side,
            (split + prev) / 2 - 8,
            "F(x) = H(x) − x",
            anchor="start",
            parent=g,
        )
        svg.text(
            side,
            (split + prev) / 2 + 10,
            _("(the residual)"),
            "rd-note",
            anchor="start",
            parent=g,
            size=_FS_SMALL,
        )
        svg.text(
            cx - 8,
            prev + _GAP / 2,
            "F(x)",
            "rd-note",
            anchor="end",
            parent=g,
            size=_FS_SMALL,
        )
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
        svg.text(
            lane - 6,
            (split + y) / 2 + 15,
            _("identity"),
            "rd-note",
            anchor="end",
            parent=sc,
            size=_FS_SMALL,
        )
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
    svg.text(
        margin,
        y,
        subtitle,
        "rd-note",
        anchor="start",
        size=_FS_SMALL,
    )
    y += 22
    x_in = margin + label_w
    cols = [x_in + 30 + i * col_w + col_w / 2 for i in range(n)]
    x_out = cols[-1] + col_w / 2 + 24
    svg.text(x_in, y, "x", size=_FS)
    for i, cx in enumerate(cols):
        svg.text(
            cx,
            y,
            str(Text("block {number}", number=i + 1)),
            "rd-note",
            size=_FS_SMALL,
        )
    svg.text(x_out + 4, y, _("sum"), "rd-note", anchor="start", size=_FS_SMALL)
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
                svg.el(
                    "rect",
                    p,
                    class_="rd-used" if on else "rd-skipped",
                    x=cx - box_w / 2,
                    y=cy - box_h / 2,
                    width=box_w,
                    height=box_h,
                    rx=3,
                    style=f"fill: {colour}" if on else None,
                    data_block=i + 1,
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
