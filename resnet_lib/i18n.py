"""The words that code writes onto a page, in the reader's language.

The book's prose is translated by Sphinx's gettext catalogs (``locales/``). What the
code writes (a sentence glued into the prose, a figure's title and axis labels, a
table's header, a checker's feedback) is translated here, from the library's own
catalogs in ``resnet_lib/locale/<language>/LC_MESSAGES/resnet_lib.po``, which travel
with the package to Colab. ``make catalogs`` extracts their messages from the library
and the chapters' code: every string passed to :func:`_`, :func:`N_` or :class:`Text`.

* ``_("Training error")`` is the message in the current language (English, the source,
  unless :func:`set_language` or the ``RESNET_LANG`` variable chose another).
* ``Text("{n:,} paths of mean length {mean:g}", n=..., mean=...)`` is a sentence with
  numbers in it: it reads in the current language, and it carries its template and
  values, so that a page executed once in English can be shown in any language (the
  book's Chinese edition renders the English execution's outputs this way: see
  :func:`translate_output`).

This module is the core's: it imports nothing from the rest of the library.
"""

from __future__ import annotations

import contextlib
import functools
import html
import json
import os
import re
import string
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Union

__all__ = [
    "FIGURE_MIME",
    "WORDS_ATTRIBUTE",
    "MIME",
    "SOURCE_LANGUAGE",
    "Text",
    "N_",
    "_",
    "catalog",
    "gettext",
    "language",
    "languages",
    "set_language",
    "speaking",
    "translate_output",
    "translate_string",
]

#: the folder of the library's catalogs: ``<language>/LC_MESSAGES/resnet_lib.po``
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "resnet_lib"
#: the language the library and the chapters are written in
SOURCE_LANGUAGE = "en"
#: the MIME type under which a :class:`Text` carries its template and values
MIME = "application/vnd.resnet-book.text+json"
#: the MIME type of a figure's SVG with its words as text: ``{"svg": ...}`` (a Text
#: drawn in it is found behind its words, as a printed one is)
FIGURE_MIME = "application/vnd.resnet-book.figure+json"
#: the attribute of an HTML <img> (an explorer's frame, a PNG) that carries the same
#: figure as an SVG with its words as text, base64-encoded
WORDS_ATTRIBUTE = "data-resnet-words"

Value = Union[int, float, str, bool, None, "Text"]

_current: list[str] = []


def languages() -> tuple[str, ...]:
    """The languages a page can be shown in: English and every catalog's."""
    return _languages(LOCALE_DIR)


@functools.lru_cache(maxsize=None)
def _languages(folder: Path) -> tuple[str, ...]:
    found = sorted(
        p.parent.parent.name for p in folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po")
    )
    return (SOURCE_LANGUAGE, *found)


def _check(lang: str) -> str:
    if lang not in languages():
        raise ValueError(
            f"no catalog for language {lang!r}; the library speaks "
            f"{', '.join(languages())}"
        )
    return lang


def language() -> str:
    """The current language: the last :func:`set_language`, else ``RESNET_LANG``,
    else English."""
    if _current:
        return _current[-1]
    lang = os.environ.get("RESNET_LANG", "").strip()
    return _check(lang) if lang else SOURCE_LANGUAGE


def set_language(lang: str) -> None:
    """Speak ``lang`` from now on (``"en"`` or a catalog's language, say ``"zh_CN"``)."""
    _current[:] = [_check(lang)]


@contextlib.contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Speak ``lang`` inside the ``with`` block, then the language before it."""
    _current.append(_check(lang))
    try:
        yield
    finally:
        _current.pop()


@functools.lru_cache(maxsize=None)
def _read(path: Path, mtime: float) -> dict[str, str]:
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        messages = read_po(f)
    # a fuzzy translation is a guess awaiting review: the English is shown instead
    return {
        m.id: m.string
        for m in messages
        if isinstance(m.id, str)
        and isinstance(m.string, str)
        and m.id
        and m.string
        and not m.fuzzy
    }


def catalog(lang: str) -> Mapping[str, str]:
    """English message -> its translation, for every reviewed message of ``lang``."""
    if _check(lang) == SOURCE_LANGUAGE:
        return {}
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    return _read(path, path.stat().st_mtime)


def gettext(message: str, lang: str | None = None) -> str:
    """``message`` in ``lang`` (the current language if None); English where the
    catalog has no reviewed translation."""
    lang = lang or language()
    if lang == SOURCE_LANGUAGE:
        return message
    return catalog(lang).get(message, message)


_ = gettext


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs without translating it yet (a constant that
    is translated where it is shown, with :func:`_`)."""
    return message


class Text:
    """A sentence with values in it, translatable after it was computed.

    ``template`` is a :meth:`str.format` template with named fields (the message the
    catalogs hold); ``values`` are numbers, strings left as they are (names, say), or
    other :class:`Text` (a clause chosen by the code), which are translated too.

    >>> t = Text("{n:,} paths", n=1024)
    >>> str(t)
    '1,024 paths'
    """

    __slots__ = ("template", "values")

    def __init__(self, template: str, /, **values: Value) -> None:
        fields = {
            name.split(".")[0].split("[")[0]
            for _, name, _, _ in string.Formatter().parse(template)
            if name is not None
        }
        if "" in fields or any(f.isdigit() for f in fields):
            raise ValueError(
                f"Text templates name their fields ({{count}}, not {{}} or "
                f"{{0}}): {template!r}"
            )
        if fields != set(values):
            raise ValueError(
                f"template {template!r} has the fields {sorted(fields)} but was "
                f"given {sorted(values)}"
            )
        for name, value in values.items():
            if not isinstance(
                value, (int, float, str, bool, Text, type(None))
            ):
                raise TypeError(
                    f"value {name}={value!r} is a {type(value).__name__}; a "
                    "Text holds numbers, strings, None or other Text"
                )
        self.template = template
        self.values = values

    def render(self, lang: str | None = None) -> str:
        """The sentence in ``lang`` (the current language if None)."""
        lang = lang or language()
        values = {
            k: v.render(lang) if isinstance(v, Text) else v
            for k, v in self.values.items()
        }
        return gettext(self.template, lang).format(**values)

    def __str__(self) -> str:
        return self.render()

    def __format__(self, spec: str) -> str:
        return format(self.render(), spec)

    def __repr__(self) -> str:
        values = "".join(f", {k}={v!r}" for k, v in self.values.items())
        return f"Text({self.template!r}{values})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and (self.template, self.values) == (
            other.template,
            other.values,
        )

    def __hash__(self) -> int:
        return hash(
            (self.template, json.dumps(self.to_json(), sort_keys=True))
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON form (see :meth:`from_json`)."""
        return {
            "template": self.template,
            "values": {
                k: {"text": v.to_json()} if isinstance(v, Text) else v
                for k, v in self.values.items()
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Text:
        try:
            values = {
                k: cls.from_json(v["text"]) if isinstance(v, dict) else v
                for k, v in data["values"].items()
            }
            return cls(data["template"], **values)
        except (KeyError, TypeError, AttributeError) as e:
            raise ValueError(
                f"not a Text's JSON form ({e}): {str(data)[:200]!r}"
            ) from None

    def _repr_mimebundle_(self, include=None, exclude=None):
        # quoted as IPython shows a str (myst-nb's glue unquotes it): a sentence that
        # reads like a Python literal, "1,024", stays text; the book's translated
        # editions re-render it from the template and values
        return {"text/plain": repr(self.render()), MIME: self.to_json()}


# -- translating what an executed notebook shows -------------------------------

_TEXT_NODE = re.compile(r">([^<>]+)<")


def translate_string(text: str, lang: str) -> str:
    """``text`` in ``lang`` if it is, whole and stripped, a message of the catalog, or
    a sentence that a template of the catalog wrote (its values, already formatted,
    are put into the translated template, and translated too if they are messages);
    otherwise ``text`` as it is."""
    core = text.strip()
    if not core or _check(lang) == SOURCE_LANGUAGE:
        return text
    found = _translate(core, lang, 3)
    if found is None:
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return f"{lead}{found}{trail}"


def translate_lines(text: str, lang: str, most: int = 4) -> str:
    """Printed output in ``lang``: each line translated by :func:`translate_string`,
    or each run of up to ``most`` lines that one message wrote (the longest run that
    is one)."""
    if _check(lang) == SOURCE_LANGUAGE:
        return text
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        for j in range(min(len(lines), i + most), i, -1):
            run = "\n".join(lines[i:j])
            new = translate_string(run, lang)
            if new != run or j == i + 1:
                out.append(new)
                i = j
                break
    return "\n".join(out)


def _translate(text: str, lang: str, depth: int) -> str | None:
    messages = catalog(lang)
    if text in messages:
        return messages[text]
    if depth == 0:
        return None
    for template, clue, pattern in _templates(lang):
        if clue not in text:
            continue
        m = pattern.fullmatch(text)
        if m is None:
            continue
        values = {
            name: _translate(value.strip(), lang, depth - 1) or value
            for name, value in m.groupdict().items()
        }
        return "".join(
            literal
            + (values[field.split(".")[0].split("[")[0]] if field else "")
            for literal, field, _spec, _conv in string.Formatter().parse(
                messages[template]
            )
        )
    return None


def _templates(lang: str) -> list[tuple[str, str, re.Pattern]]:
    """(template, its longest literal part, a pattern of its renderings) for every
    catalog message with fields and a word of its own, the most specific first."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    return _compiled(lang, path.stat().st_mtime)


@functools.lru_cache(maxsize=None)
def _compiled(lang: str, mtime: float) -> list[tuple[str, str, re.Pattern]]:
    found = []
    for template in catalog(lang):
        try:
            parts = list(string.Formatter().parse(template))
        except ValueError:
            continue
        literals = [literal for literal, _f, _s, _c in parts]
        names = [
            field.split(".")[0].split("[")[0]
            for _l, field, _s, _c in parts
            if field is not None
        ]
        # a template names its fields; a message with other braces (math, say,
        # "x_{l+1}") is no template
        if (
            not names
            or not all(n.isidentifier() for n in names)
            or not re.search(r"[A-Za-z]{3}", "".join(literals))
        ):
            continue
        regex, seen = "", set()
        for literal, field, _spec, _conv in parts:
            regex += re.escape(literal)
            if field is None:
                continue
            name = field.split(".")[0].split("[")[0]
            regex += f"(?P={name})" if name in seen else f"(?P<{name}>[^\n]+?)"
            seen.add(name)
        found.append(
            (
                len("".join(literals)),
                template,
                max(literals, key=len),
                re.compile(regex, re.S),
            )
        )
    found.sort(key=lambda t: -t[0])
    return [(template, clue, pattern) for _n, template, clue, pattern in found]


def _translate_markup(markup: str, lang: str) -> str:
    # each text node of HTML or SVG (a table's header, a figure's label) that is a
    # message of the catalog, or a sentence a template of it wrote; numbers and names
    # are neither, and stay
    def node(m: re.Match) -> str:
        raw = html.unescape(m.group(1))
        new = translate_string(raw, lang)
        return m.group(0) if new == raw else f">{html.escape(new, False)}<"

    return _TEXT_NODE.sub(node, _translate_lines_of_figure_texts(markup, lang))


#: a matplotlib text of several lines, in an SVG with its words as text: one <text>
#: element per line, in a group of its own
_SVG_LINES = re.compile(
    r'(<g id="text_\d+">\s*)((?:<text[^>]*>[^<]*</text>\s*){2,})(</g>)'
)
_SVG_LINE = re.compile(r"(<text[^>]*>)([^<]*)(</text>)")


def _translate_lines_of_figure_texts(markup: str, lang: str) -> str:
    def group(m: re.Match) -> str:
        lines = _SVG_LINE.findall(m.group(2))
        english = "\n".join(html.unescape(text) for _o, text, _c in lines)
        new = translate_string(english, lang)
        if new == english:
            return m.group(0)
        # as many lines as the figure laid out: the last one takes what is left
        parts = new.split("\n")
        parts = [*parts[: len(lines) - 1], " ".join(parts[len(lines) - 1 :])]
        parts += [""] * (len(lines) - len(parts))
        body = "".join(
            f"{opening}{html.escape(part, False)}{closing}\n"
            for (opening, _t, closing), part in zip(lines, parts)
        )
        return f"{m.group(1)}{body}{m.group(3)}"

    return _SVG_LINES.sub(group, markup)


#: an <img> with its figure's words: (before the words, the words, after)
_IMG_WORDS = re.compile(rf'(<img [^>]*?) {WORDS_ATTRIBUTE}="([^"]*)"([^>]*>)')
_IMG_SRC = re.compile(r'src="data:image/png;base64,[^"]*"')


def _translated_images(markup: str, lang: str) -> str:
    # each <img> with its words becomes the SVG of itself, translated
    def image(m: re.Match) -> str:
        import base64

        svg = base64.b64decode(m.group(2)).decode("utf-8")
        data = base64.b64encode(
            _translate_markup(svg, lang).encode("utf-8")
        ).decode("ascii")
        tag = _IMG_SRC.sub(
            lambda _m: f'src="data:image/svg+xml;base64,{data}"', m.group(1)
        )
        return tag + m.group(3)

    return _IMG_WORDS.sub(image, markup)


def translate_output(data: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """An executed output's MIME bundle, as a reader of ``lang`` should see it.

    A :class:`Text` (its :data:`MIME` entry) is rendered again in ``lang``; a figure's
    text version (:data:`FIGURE_MIME`, which the book's build adds beside the PNG) is
    translated and replaces the PNG; the text nodes of HTML and SVG that are catalog
    messages are translated. Keys may carry a prefix (myst-nb's glue keeps values
    under ``application/papermill.record/``).
    """
    out = dict(data)
    if _check(lang) == SOURCE_LANGUAGE:
        # what a translation needs is no part of the English page
        for key, value in data.items():
            if key.endswith("text/html") and isinstance(value, str):
                out[key] = _IMG_WORDS.sub(
                    lambda m: m.group(1) + m.group(3), value
                )
        return out
    for key, value in data.items():
        if key.endswith(MIME):
            prefix = key[: -len(MIME)]
            out[f"{prefix}text/plain"] = repr(
                Text.from_json(value).render(lang)
            )
        elif key.endswith(FIGURE_MIME):
            prefix = key[: -len(FIGURE_MIME)]
            out.pop(f"{prefix}image/png", None)
            out[f"{prefix}image/svg+xml"] = _translate_markup(
                value["svg"], lang
            )
        elif key.endswith(("text/html", "image/svg+xml")) and isinstance(
            value, str
        ):
            out[key] = _translate_markup(_translated_images(value, lang), lang)
    return out
