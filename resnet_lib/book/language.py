"""Figures and code comments in the reader's language.

A chapter's figures are drawn with words from the library's catalog (``_("iterations")``
is English until a language is chosen, Chinese under ``RESNET_LANG=zh_CN``). matplotlib's
fonts have no Chinese glyphs, and neither Colab nor a laptop need have a font that does;
so in a language other than English every figure is shown as SVG with its words kept as
text (:func:`figure_svg`), and the reader's browser draws them with its own fonts. That
holds in a learner's notebook (:func:`use_language`, which the Chinese notebooks' setup
cell calls) and in the book's build of a translated edition, whose chapters are executed
in that language (:func:`resnet_lib.book.notebook.use_book_style` calls
:func:`use_language` when ``RESNET_LANG`` names one).

A chapter's code comments are words too: ``make catalogs`` extracts them
(:func:`code_comments`) into the library's catalog, and a translated twin and a
translated edition's pages show them translated (:func:`translate_comments`). Only
comments change: the code a reader sees is the code that ran.
"""

from __future__ import annotations

import io
import re
import tokenize
import warnings
from typing import TYPE_CHECKING

from .. import i18n

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def figure_svg(fig: Figure) -> str:
    """``fig`` as SVG with its words as text (drawn by the browser that shows it), the
    same bytes for the same figure (no date, a fixed id salt)."""
    import matplotlib as mpl

    out = io.StringIO()
    with (
        mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "book"}),
        warnings.catch_warnings(),
    ):
        # matplotlib measures the words with its own fonts, which lack the Chinese
        # glyphs; it does not draw them: the text stays text, and the browser draws it
        warnings.filterwarnings("ignore", "Glyph .* missing from font")
        fig.savefig(
            out, format="svg", bbox_inches="tight", metadata={"Date": None}
        )
    return out.getvalue()


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return shell if getattr(shell, "kernel", None) is not None else None


def use_language(lang: str) -> None:
    """Speak ``lang`` (``"en"``, ``"zh_CN"``): the library's sentences, labels and
    feedback, and, in a kernel, the figures shown from now on (as SVG with their words
    as text, when ``lang`` is not English)."""
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
    formatters["image/svg+xml"].for_type(Figure, figure_svg)
    # laying a figure out (tight_layout, say) measures its words with matplotlib's
    # fonts too, which have no Chinese glyphs; the browser draws them
    warnings.filterwarnings("ignore", "Glyph .* missing from font")


def code_comments(source: str) -> list[tokenize.TokenInfo]:
    """The comments of a chapter's code cell that a translated twin or page shows
    translated (``make catalogs`` extracts them): those that are words (not ``# noqa``,
    a shape or a number), in any cell but the Colab setup cell, which is the same in
    every twin."""
    if source.startswith("# Colab setup"):
        return []
    # IPython's magics and shell lines are no Python
    code = "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line
        for line in source.split("\n")
    )
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    return [
        tok
        for tok in tokens
        if tok.type == tokenize.COMMENT
        and re.search(r"[A-Za-z]{3,}", tok.string)
        and not tok.string.lstrip("#")
        .strip()
        .startswith(("noqa", "type:", "@title"))
    ]


def comment_text(tok: tokenize.TokenInfo) -> str:
    """A comment's words, as the catalog holds them (no ``#``)."""
    return tok.string.lstrip("#").strip()


def translate_comments(source: str, language: str) -> str:
    """``source`` with each of its :func:`code_comments` that the library's catalog
    translates, in ``language``."""
    if language == i18n.SOURCE_LANGUAGE:
        return source
    lines = source.split("\n")
    for tok in reversed(
        code_comments(source)
    ):  # from the end: columns stay valid
        text = comment_text(tok)
        translated = i18n.gettext(text, language)
        if translated != text:
            row, col = tok.start[0] - 1, tok.start[1]
            line = lines[row]
            lines[row] = line[:col] + "# " + translated + line[tok.end[1] :]
    return "\n".join(lines)
