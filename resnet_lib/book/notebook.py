"""Small helpers for the chapters: environment checks, showing library source, plot style.

Nothing here runs at import; a chapter calls :func:`use_book_style` explicitly.
"""

from __future__ import annotations

import base64
import functools
import html
import inspect
import io
import re
import sys
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from ..i18n import N_, SOURCE_LANGUAGE, Text, language

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

#: matplotlib settings of the book: opaque white figures (readable in light and dark
#: themes), a colour-blind-safe cycle, and sizes that read well at the page width.
BOOK_STYLE: dict[RcKeyType, Any] = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "figure.figsize": (7.0, 4.0),
    "figure.dpi": 96,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 11,
}
#: the Okabe-Ito colour-blind-safe palette
PALETTE = [
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
]


def in_colab() -> bool:
    """True when running on Google Colab."""
    return "google.colab" in sys.modules


def training_progress() -> str:
    """How a chapter's training shows its progress (``fit(progress=...)``): ``"lines"``
    while the book is built, where a progress bar would be frozen at its first frame on the
    static page, and a live ``"bar"`` in Jupyter and on Colab."""
    from .explorer import static_mode

    return "lines" if static_mode() else "bar"


def use_book_style() -> None:
    """Apply :data:`BOOK_STYLE` to matplotlib (call it once, at the top of a chapter).

    In a language other than English (``RESNET_LANG``, as a translated edition of the
    book is executed), figures are shown as SVG with their words as text
    (:func:`resnet_lib.book.language.use_language`)."""
    import matplotlib as mpl

    from cycler import cycler

    from .language import use_language

    mpl.rcParams.update(
        {**BOOK_STYLE, "axes.prop_cycle": cycler(color=PALETTE)}
    )
    if language() != SOURCE_LANGUAGE:
        use_language(language())


#: the widest window (CSS pixels) shown a figure's drawing for a phone (:class:`ForWidth`);
#: ``_static/book.css`` has the same breakpoint
PHONE_WIDTH = 576


def figure_uri(fig: Figure, density: int = 1) -> str:
    """``fig`` as a ``data:`` URI, and closed (a notebook shows it once, where it is put).

    PNG at ``density`` pixels per CSS pixel (96 dpi is one: an inch of the figure is an
    inch of the screen), or, in a language other than English, SVG with its words as
    text (:func:`~resnet_lib.book.language.figure_svg`), which the browser draws.
    """
    import matplotlib.pyplot as plt

    if language() != SOURCE_LANGUAGE:
        from .language import figure_svg

        data, mime = figure_svg(fig).encode("utf-8"), "image/svg+xml"
    else:
        buf = io.BytesIO()
        fig.savefig(
            buf,
            format="png",
            dpi=96 * density,
            bbox_inches="tight",
            facecolor="white",
        )
        data, mime = buf.getvalue(), "image/png"
    plt.close(fig)
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


class ForWidth:
    """A figure drawn twice, for a wide window and, one panel per row, for a phone's:
    the reader's browser shows the drawing made for its window (an HTML ``<picture>``
    whose phone source applies up to :data:`PHONE_WIDTH`), in the book as in Jupyter.

    Scaled down to a phone's width, panels drawn side by side shrink their words below
    reading size. Draw ``narrow`` about as wide as a phone's text column (3.6 inches
    are 346 CSS pixels); it is shown with twice the pixels, for the phone's sharp screen.

    Args:
        wide: the figure for a laptop's or tablet's window.
        narrow: the same figure for a phone, its panels one under another.
        alt: what the figure shows, for a reader who cannot see it.
    """

    def __init__(self, wide: Figure, narrow: Figure, alt: str) -> None:
        self.alt = str(alt)
        phone = figure_uri(narrow, density=2)
        density = " 2x" if phone.startswith("data:image/png") else ""
        self.html = (
            '<picture class="for-width">'
            f'<source media="(max-width: {PHONE_WIDTH}px)" '
            f'srcset="{phone}{density}">'
            f'<img src="{figure_uri(wide)}" alt="{html.escape(self.alt)}" '
            'style="max-width:100%">'
            "</picture>"
        )

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<figure: {self.alt}>"


def show_source(obj: Any):
    """Display the source of a library class or function, highlighted (notebook twin of
    the book's ``literalinclude``), so a chapter never pastes library code."""
    from IPython.display import Code

    return Code(inspect.getsource(obj), language="python")


#: a solution's title in a translated edition, around the exercise's name (the book's
#: Sphinx extension orders sphinx-exercise's words by it)
SOLUTION_TITLE = N_("Solution to {exercise}")

#: myst-nb's buttons of a folded cell, as it words them in English; a translated
#: edition shows each from the catalog (the book's Sphinx extension)
FOLD_PROMPTS = (
    N_("Show code cell content"),
    N_("Hide code cell content"),
    N_("Show code cell source"),
    N_("Hide code cell source"),
    N_("Show code cell output"),
    N_("Hide code cell output"),
    N_("Show code cell outputs"),
    N_("Hide code cell outputs"),
)

#: what a twin's passage shows for a value that no cell above has computed yet
NOT_COMPUTED = N_("*[{name}: not computed yet; run the cells above first]*")


class _Glued(dict):
    """Values by name; a name not glued yet reads as a note to run the cells above."""

    def __missing__(self, name: str) -> str:
        return str(Text(NOT_COMPUTED, name=name))


#: Every value glued in this kernel, by name. The book puts glued values into its prose
#: (myst-nb); the Colab twins show those passages from a folded cell,
#: ``Markdown(rf"... {glued['n_train']} ...")``, with the values this notebook computed.
glued: dict[str, Any] = _Glued()


def glue(name: str, value: Any, display: bool = True) -> None:
    """Put a computed value into the chapter's prose: myst-nb's ``glue`` in the book's
    build, and :data:`glued` everywhere (the Colab twins read it); outside the build,
    just shows the value if ``display``."""
    glued[name] = value
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        if display:
            from IPython.display import display as show

            show(value)
        return
    myst_glue(name, value, display=display)


def glue_all(values: dict[str, Any]) -> None:
    """:func:`glue` each of ``values`` (name -> value) into the prose, without showing it:
    what a chapter's hidden cell does with the sentences a page module chose (a
    function declared with :func:`glues`)."""
    for name, value in values.items():
        glue(name, value, display=False)


_F = TypeVar("_F", bound=Callable[..., dict])


def glues(*names: str) -> Callable[[_F], _F]:
    """Declare the names whose values a page module's function returns for
    :func:`glue_all`; ``"train_{network}"`` stands for every name of that form.

    The Colab twins' generator reads the declaration (a twin runs top to bottom, so
    a passage may show a value only after a cell glued it), and every call checks
    that the function returns no name it did not declare."""
    patterns = [
        re.compile(re.sub(r"\\\{\w+\\\}", ".+", re.escape(n))) for n in names
    ]

    def declare(fn: _F) -> _F:
        @functools.wraps(fn)
        def values(*args: Any, **kwargs: Any) -> dict:
            out = fn(*args, **kwargs)
            undeclared = [
                k for k in out if not any(p.fullmatch(k) for p in patterns)
            ]
            if undeclared:
                raise ValueError(
                    f"{fn.__name__} returns {undeclared}, which its @glues "
                    f"does not declare (it declares {list(names)})"
                )
            return out

        setattr(values, "glued_names", names)
        return values  # type: ignore[return-value]

    return declare
