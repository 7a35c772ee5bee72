"""Figures in the reader's language.

A chapter's figures are drawn with English words (``_("iterations")`` is English until
a language is chosen). Two ways to another language:

* **live**, in a Colab notebook of a translated edition: :func:`use_language` chooses
  the language, and from then on every figure is shown as SVG with its words
  translated and kept as text, so the browser's fonts draw the Chinese (matplotlib's
  own fonts have no Chinese glyphs, and Colab installs none);
* **after execution**, in the book's build: the chapters are executed once, in
  English, and each figure carries, beside its PNG, an SVG of itself with its words
  as text (:func:`figure_bundle`); the translated editions render that SVG with its
  words translated (:func:`resnet_lib.i18n.translate_output`), so they execute
  nothing.
"""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING, Any

from .. import i18n

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _words(fig: Figure) -> list[Any]:
    from matplotlib.text import Text as Artist

    return [t for t in fig.findobj(Artist) if t.get_text().strip()]


def figure_svg(fig: Figure, lang: str | None = None) -> str:
    """``fig`` as SVG with its words as text, translated into ``lang`` (the current
    language if None); the figure itself is left as it was."""
    import matplotlib as mpl

    lang = lang or i18n.language()
    words = _words(fig)
    before = [t.get_text() for t in words]
    try:
        for t, english in zip(words, before):
            t.set_text(i18n.translate_string(english, lang))
        out = io.StringIO()
        with (
            mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "book"}),
            warnings.catch_warnings(),
        ):
            # matplotlib's fonts lack the Chinese glyphs it only measures here: the
            # text stays text, and the reader's browser draws it
            warnings.filterwarnings("ignore", "Glyph .* missing from font")
            fig.savefig(
                out,
                format="svg",
                bbox_inches="tight",
                metadata={"Date": None},
            )
    finally:
        for t, english in zip(words, before):
            t.set_text(english)
    return out.getvalue()


def figure_bundle(fig: Figure) -> dict[str, Any]:
    """The translatable form of ``fig``: its SVG with English words as text (see
    :func:`resnet_lib.i18n.translate_output`)."""
    return {i18n.FIGURE_MIME: {"svg": figure_svg(fig, i18n.SOURCE_LANGUAGE)}}


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return shell if getattr(shell, "kernel", None) is not None else None


def record_figures() -> bool:
    """In a kernel, let every figure shown carry :func:`figure_bundle` beside its PNG
    (the book's build calls this through ``use_book_style``). False outside a kernel."""
    shell = _shell()
    if shell is None:
        return False
    from matplotlib.figure import Figure

    formatter = shell.display_formatter.mimebundle_formatter
    formatter.for_type(
        Figure, lambda fig, include=None, exclude=None: figure_bundle(fig)
    )
    return True


def use_language(lang: str) -> None:
    """Speak ``lang`` (``"en"``, ``"zh_CN"``): the library's sentences, labels and
    feedback, and, in a kernel, the figures shown from now on (as SVG with their words
    translated, when ``lang`` is not English)."""
    i18n.set_language(lang)
    shell = _shell()
    if shell is None:
        return
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    # the inline backend registers its figure formats when it is first used:
    # use it now, so that ours come after
    plt.close(plt.figure())

    formatters = shell.display_formatter.formatters
    if lang == i18n.SOURCE_LANGUAGE:
        formatters["image/svg+xml"].pop(Figure, None)
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
        return
    formatters["image/png"].pop(Figure, None)
    formatters["image/svg+xml"].for_type(
        Figure, lambda fig: figure_svg(fig, lang)
    )
