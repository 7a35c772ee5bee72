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

Layout, one job to a module: :mod:`.svg` writes SVG (and holds :class:`Diagram`),
:mod:`.layers` says what each layer is, :mod:`.tracing` traces a module into layers and
shapes, :mod:`.block_layout` and :mod:`.network_layout` lay out a block and a network,
and :mod:`.ideas` draws the residual idea and the unrolled paths.
"""

from __future__ import annotations

from .block_layout import block_diagram
from .ideas import residual_idea_diagram, unrolled_diagram
from .network_layout import network_diagram
from .svg import Diagram, DiagramRow, side_by_side

# the constants, as ``resnet_lib.book.diagrams.X`` (not in ``__all__``, as before the split)
from .block_layout import BLOCK_INPUT_SIZE as BLOCK_INPUT_SIZE
from .ideas import MAX_UNROLLED as MAX_UNROLLED
from .layers import BLOCK_NAMES as BLOCK_NAMES
from .network_layout import DETAILS as DETAILS
from .svg import OKABE_ITO as OKABE_ITO
from .tracing import CIFAR_INPUT_SIZE as CIFAR_INPUT_SIZE
from .tracing import IMAGENET_INPUT_SIZE as IMAGENET_INPUT_SIZE
from .tracing import SizeArg as SizeArg

__all__ = [
    "Diagram",
    "DiagramRow",
    "side_by_side",
    "block_diagram",
    "network_diagram",
    "residual_idea_diagram",
    "unrolled_diagram",
]
