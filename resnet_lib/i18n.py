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
  numbers in it: the whole template is looked up in the catalog, then filled, and it
  reads in the current language wherever it is shown (a choice of clause is a Text in a
  Text, translated whole too).

Every edition of the book is executed in its reader's language (``RESNET_LANG``), as a
learner's notebook is: a page shows what its code wrote, never a translation of another
language's output.

This module is the core's: it imports nothing from the rest of the library.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import string
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Union

__all__ = [
    "SOURCE_LANGUAGE",
    "Text",
    "N_",
    "Message",
    "_",
    "catalog",
    "gettext",
    "language",
    "languages",
    "set_language",
    "speaking",
]

#: the folder of the library's catalogs: ``<language>/LC_MESSAGES/resnet_lib.po``
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "resnet_lib"
#: the language the library and the chapters are written in
SOURCE_LANGUAGE = "en"
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


class Message(str):
    """A string marked with :func:`N_`: words, to be translated where they are shown
    (an explorer shows an option given as a ``Message`` in the reader's language, and
    any other option as the value it is)."""

    __slots__ = ()


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs without translating it yet (a constant that
    is translated where it is shown, with :func:`_`); it is a :class:`Message`, which
    reads as the str it is."""
    return Message(message)


#: the most digits a whole number is written with in full; a longer one is written as
#: a float would be (:func:`scientific`), so that no sentence holds hundreds of digits
LONG = 24


def digit_count(value: int) -> int:
    """How many decimal digits ``value`` has (without ``str``, which Python refuses
    for a number of more than 4,300 digits)."""
    value = abs(value)
    digits = int(value.bit_length() * math.log10(2)) + 1
    return digits - 1 if digits > 1 and value < 10 ** (digits - 1) else digits


def scientific(value: int) -> str:
    """A whole number as a float's six significant digits write it (``1.07151e+301``),
    computed on the integer: no float holds ``10**400``."""
    digits = digit_count(value)
    if digits <= 6:
        return str(value)
    scale = 10 ** (digits - 6)
    lead = (abs(value) + scale // 2) // scale  # rounded to six digits
    if lead >= 10**6:  # 999999.5 rounded up to 1000000
        lead, digits = lead // 10, digits + 1
    mantissa = f"{lead / 10**5:.5f}".rstrip("0").rstrip(".")
    return f"{'-' if value < 0 else ''}{mantissa}e+{digits - 1}"


class _Long:
    """A whole number of more than :data:`LONG` digits in a :class:`Text`: written as
    :func:`scientific` writes it, whatever the field's format (``{count:,}``)."""

    def __init__(self, value: int) -> None:
        self.text = scientific(value)

    def __format__(self, spec: str) -> str:
        return self.text


def _shown(value: Any, lang: str) -> Any:
    if isinstance(value, Text):
        return value.render(lang)
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and digit_count(value) > LONG
    ):
        return _Long(value)
    return value


#: Python's default limit on the digits of a whole number that ``str()`` writes and
#: ``int()`` reads (3.11 and later; ``sys.get_int_max_str_digits()`` is the one in force)
STR_DIGITS = 4300


def str_writes(value: int) -> bool:
    """Whether ``str(value)`` writes ``value`` here and ``int()`` reads it back in any
    Python that keeps the default limit (:data:`STR_DIGITS`). A Python with no limit
    (before 3.10.7, or the limit set to 0) is held to the default too, so the answer is
    the same in a learner's kernel and in the process that reads what it wrote."""
    get = getattr(sys, "get_int_max_str_digits", None)
    limit = get() if get is not None else 0
    return digit_count(value) <= min(limit or STR_DIGITS, STR_DIGITS)


def _repr(value: Any) -> str:
    """``repr(value)``; a whole number too long for ``repr`` (:func:`str_writes`) as
    :func:`scientific` writes it."""
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and not str_writes(value)
    ):
        return f"<a whole number of {digit_count(value):,} digits, {scientific(value)}>"
    return repr(value)


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
        values = {k: _shown(v, lang) for k, v in self.values.items()}
        return gettext(self.template, lang).format(**values)

    def __str__(self) -> str:
        return self.render()

    def __format__(self, spec: str) -> str:
        return format(self.render(), spec)

    def __repr__(self) -> str:
        values = "".join(f", {k}={_repr(v)}" for k, v in self.values.items())
        return f"Text({self.template!r}{values})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and (self.template, self.values) == (
            other.template,
            other.values,
        )

    def __hash__(self) -> int:
        return hash((self.template, tuple(sorted(self.values.items()))))

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
        # reads like a Python literal, "1,024", stays text
        return {"text/plain": repr(self.render())}
