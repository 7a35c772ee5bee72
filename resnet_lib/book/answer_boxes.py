"""Answer boxes: an exercise's checker on the static HTML page, without a kernel.

A reader of the published book types an answer into the box under an exercise and gets
what the Python checker says of it: right; the diagnosis and hint of a mistake the checker
knows; or, for any other answer, a general "not yet" that points to the notebook, with
the hint the checker gives any such answer where its table says it as data (and it writes
none of the table's numbers: :func:`_other_hint`). The
checker's verdicts are computed when the book is built, by the checker itself, for the
right answer and every wrong answer in its table (:func:`~resnet_lib.exercises.harness.mistakes`),
so the page and the notebook cannot disagree.

**One text format** for what a reader types (:func:`read_typed`), mirrored by the page's
script (``_static/answer-box.js``) and tested on the same inputs in both: Unicode NFKC
first (full-width digits and punctuation become ASCII: ``１，０２４`` is ``1,024``), then
one number, with an optional sign, decimal point and exponent (``1e3``); digits may be
grouped by three with commas, underscores or spaces (``1,024``, ``1 024``, ``1_024``); the
minus sign U+2212 is a minus. A count must be a whole number (``1e3`` and ``1000.0`` are
``1000``). A real number is compared at the precision the checker decides by: rounded to
the fewest significant digits at which every number that rounds alike gets the checker's
verdict (:func:`_widest_digits`, read from the checker's own verdicts), the same rounding
for the stored answers and for what is typed.

**Nothing in clear.** A box's table holds no answer and no message a right answer gets:
each entry's key is a salted SHA-256 of the canonical answer, and its verdict is encrypted
with a key derived from the same answer (SHA-256 in counter mode), so only a reader who
types that answer can read it. SHA-256 runs in the page's own script, because the browser's
``crypto.subtle`` exists only in secure contexts (``https://``), and the book must work
from ``file://`` and a school's plain ``http://`` as well. This keeps a student from
*reading* the answers, not from *finding* one by trying numbers: the book says so, and the
page's checks are self-study, never attempts (graded work goes through the marking command).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Optional

from .. import i18n
from ..i18n import N_, Text, _

#: digits grouped by three (``1,024``, ``1 024``, ``1_024``), after NFKC
GROUPED = re.compile(
    r"^([+-]?)([0-9]{1,3}(?:[,_ ][0-9]{3})+)(\.[0-9]*)?(e[+-]?[0-9]+)?$"
)
#: one plain number (``1024``, ``-0.5``, ``.5``, ``1e3``, ``2.``)
PLAIN = re.compile(r"^([+-]?)([0-9]+)?(\.[0-9]*)?(e[+-]?[0-9]+)?$")
#: a number's decimal exponent beyond which no answer of the book lies
MAX_EXPONENT = 30


@dataclass(frozen=True)
class Typed:
    """A number as typed, exactly: ``sign``, the significant ``digits`` (no leading or
    trailing zeros; ``""`` for zero) and ``exponent``: value = ±digits x 10^exponent."""

    negative: bool
    digits: str
    exponent: int

    @property
    def lead(self) -> int:
        """The decimal exponent of the first significant digit (0.01: -2)."""
        return self.exponent + len(self.digits) - 1


def read_typed(text: str) -> Optional[Typed]:
    """The number a reader typed, or None where the text is not one number."""
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    t = t.replace("\u2212", "-")
    grouped = GROUPED.match(t)
    m = grouped or PLAIN.match(t)
    if m is None:
        return None
    sign, whole, fraction, exponent = m.groups()
    whole = re.sub(r"[,_ ]", "", whole or "")
    fraction = (fraction or ".")[1:]
    if not whole and not fraction:
        return None
    digits = (whole + fraction).lstrip("0")
    power = int(exponent[1:]) if exponent else 0
    power -= len(fraction)
    stripped = digits.rstrip("0")
    power += len(digits) - len(stripped)
    if not stripped:
        return Typed(False, "", 0)
    typed = Typed(sign == "-", stripped, power)
    if abs(typed.lead) > MAX_EXPONENT:
        return None
    return typed


def canonical(typed: Typed, integer: bool, digits: int = 0) -> Optional[str]:
    """The form a box's keys are made of: a count's decimal digits (``"-1024"``), or a
    real number rounded half up to ``digits`` significant digits (``"18e1"`` for 18.0
    at 3 digits: the digits without trailing zeros, then the exponent of the first).
    None for a count that is not a whole number."""
    if not typed.digits:
        return "0"
    sign = "-" if typed.negative else ""
    if integer:
        if typed.exponent < 0:
            return None
        return sign + typed.digits + "0" * typed.exponent
    if digits < 1:
        raise ValueError(
            f"digits must be 1 or more for a real number; got {digits}"
        )
    kept, lead = typed.digits[:digits], typed.lead
    if len(typed.digits) > digits and typed.digits[digits] >= "5":
        rounded = str(int(kept) + 1)
        if len(rounded) > len(kept):  # 999.5 -> 1000
            lead += 1
        kept = rounded[:digits]
    return f"{sign}{kept.rstrip('0') or '0'}e{lead}"


# ------------------------------------------------------------ keys and sealed verdicts


def _sha(*parts: str) -> bytes:
    return hashlib.sha256("|".join(parts).encode("utf-8")).digest()


def entry_id(salt: str, answer: str) -> str:
    """A table entry's key: the salted hash of a canonical answer (hex, 32 digits)."""
    return _sha(salt, "id", answer).hex()[:32]


def _keystream(salt: str, answer: str, n: int) -> bytes:
    key = _sha(salt, "key", answer)
    out = b""
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(key + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:n]


def seal(salt: str, answer: str, verdict: dict) -> str:
    """``verdict`` as JSON, encrypted with a key that only ``answer`` gives (base64)."""
    data = json.dumps(verdict, ensure_ascii=False).encode("utf-8")
    stream = _keystream(salt, answer, len(data))
    return base64.b64encode(
        bytes(a ^ b for a, b in zip(data, stream))
    ).decode()


def unseal(salt: str, answer: str, sealed: str) -> dict:
    """The verdict :func:`seal` sealed with ``answer``."""
    data = base64.b64decode(sealed)
    stream = _keystream(salt, answer, len(data))
    return json.loads(
        bytes(a ^ b for a, b in zip(data, stream)).decode("utf-8")
    )


# ------------------------------------------------------------ a box's table


@dataclass(frozen=True)
class Box:
    """What a page needs to check one exercise's answers: the salt, how answers are read
    (a count, or a real number at ``digits``), the sealed verdicts by key, and the words
    the box shows (in the page's language)."""

    label: str
    checker: str
    salt: str
    integer: bool
    digits: tuple[int, ...]
    entries: dict[str, str]
    words: dict[str, str]
    several: bool = False
    #: for a choice: what a reader may type (normalised) -> the option it names
    choices: Optional[dict[str, str]] = None
    #: the hint (and its further steps) the checker gives any answer its table does not
    #: name, where its table says it as data and it writes no answer of the table
    other: Optional[dict[str, Any]] = None

    def to_json(self) -> str:
        """The box's data as the page's script reads it (safe inside a ``<script>``)."""
        return json.dumps(
            {
                "salt": self.salt,
                "integer": self.integer,
                "digits": list(self.digits),
                "several": self.several,
                "choices": self.choices,
                "entries": self.entries,
                "words": self.words,
                "other": self.other,
            },
            ensure_ascii=False,
            sort_keys=True,
        ).replace("</", "<\\/")


def _verdict(feedback: Any) -> dict:
    from ..exercises.feedback import say

    return {
        "ok": bool(feedback.ok),
        "message": feedback.message,
        "hint": feedback.hint,
        "steps": [say(step) for step in feedback.steps],
    }


#: where a box sends a reader for what the checker says of any other answer
NOTEBOOK = N_(
    "run the exercise's cell in this chapter's notebook (the launch button at the "
    "top of the page)"
)


def box_words(
    integer: bool,
    digits: tuple[int, ...],
    several: bool = False,
    choice: str = "",
) -> dict[str, str]:
    """The box's own words, in the current language."""
    precision = (
        ""
        if integer or not digits
        else Text(
            " (this page compares {digits} significant digits)",
            digits=max(digits),
        ).render()
    )
    return {
        "label": _("Your answer"),
        "check": _("Check"),
        "correct": _("Correct:"),
        "notyet": _("Not yet:"),
        "hint": _("Hint:"),
        "more": _("Next hint"),
        "step": _("Hint {step} of {steps}:"),
        "other": Text(
            "that is not the answer, nor a mistake this page knows{precision}. "
            "The notebook's checker says more about any answer: {notebook}.",
            precision=precision,
            notebook=_(NOTEBOOK),
        ).render(),
        "unreadable": Text(
            "type your choice among {options}, separated by commas",
            options=choice,
        ).render()
        if choice
        else _("type the numbers separated by commas or spaces, e.g. 3, 5, 7")
        if several
        else _(
            "type one number, e.g. 1024, 1,024 or 1e3 (digits grouped by three "
            "with commas or spaces, a decimal point, an exponent)"
        ),
        "whole": _("type each number as a whole number")
        if several
        else _("the answer is a count: type a whole number"),
        "note": _(
            "Checked on this page, for self-study: nothing is recorded. Graded work "
            "goes through the notebook and the marking command."
        ),
    }


def _signature(feedback: Any) -> tuple:
    """A verdict without the numbers its message writes (a mistake's message may write
    the answer as the student gave it): what must not change inside a rounding interval."""
    return (
        bool(feedback.ok),
        re.sub(r"[0-9][0-9.,e+-]*", "#", feedback.message),
        feedback.hint,
    )


def _value(key: str) -> float:
    """The number a real answer's canonical form stands for (``"18e1"``: 18.0)."""
    digits, lead = key.split("e")
    negative = digits.startswith("-")
    digits = digits.lstrip("-")
    value = int(digits) * 10.0 ** (int(lead) - len(digits) + 1)
    return -value if negative else value


def _widest_digits(check: Any, question: dict, value: float) -> int:
    """The fewest significant digits at which every number that rounds like ``value``
    gets the checker's verdict on ``value``: the precision the checker decides by, read
    from the checker itself (its tolerance may be relative, absolute or its own)."""
    typed = read_typed(repr(float(value)))
    assert typed is not None and typed.digits, value
    wanted = _signature(check(value, **question))
    for k in range(1, 16):
        key = canonical(typed, False, k)
        assert key is not None
        centre = _value(key)
        unit = 10.0 ** (int(key.split("e")[1]) - k + 1)
        points = (centre - 0.499 * unit, centre, centre + 0.499 * unit)
        if all(_signature(check(p, **question)) == wanted for p in points):
            return k
    raise ValueError(
        f"no rounding of {value!r} keeps the checker's verdict; a box cannot "
        "check this answer"
    )


def _numbers(text: str) -> Optional[list[Typed]]:
    """A few numbers as typed: separated by commas, semicolons or spaces, optionally in
    brackets (``256, 512, 1024, 2048``); each a plain number (no grouping by three)."""
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    t = re.sub(r"^[\[(]\s*|\s*[\])]$", "", t)
    parts = [p for p in re.split(r"[,;\s]+", t) if p]
    found = [read_typed(p) if PLAIN.match(p) else None for p in parts]
    if not parts or any(f is None for f in found):
        return None
    return [f for f in found if f is not None]


def build_box(
    label: str,
    checker_name: str,
    question: dict[str, Any],
    language: Optional[str] = None,
) -> Box:
    """The box of exercise ``label``, asked with ``checker_name(answer, **question)``.

    The right answer and every mistake of the checker's table are judged by the checker
    itself, in ``language`` (default: the current one), and sealed. A real answer is
    stored at the fewest significant digits at which the checker's verdict holds for
    every number that rounds like it (:func:`_widest_digits`); a table whose answer is a
    few numbers (a tuple) is read as such (:func:`_numbers`).

    Raises:
        ValueError: for a checker without a table (see
            :func:`~resnet_lib.exercises.harness.tabled_checkers`).
    """
    from ..exercises.feedback import all_checkers
    from ..exercises.harness import asked_by, mistakes

    language = language or i18n.language()
    if hasattr(all_checkers().get(checker_name), "__choices__"):
        return _choice_box(label, checker_name, question, language)
    asked = asked_by(checker_name)
    check = all_checkers()[checker_name]
    salt = hashlib.sha256(
        f"{label}|{checker_name}|{sorted(question.items())}".encode()
    ).hexdigest()[:16]
    entries: dict[str, str] = {}
    used: set[int] = set()
    # the table's messages and the checker's verdicts in the page's language
    with i18n.speaking(language):
        table = mistakes(checker_name, **question)
        values = [table.answer, *(m.answer for m in table.mistakes)]
        several = isinstance(table.answer, tuple)
        integer = asked.integer or several
        for value in values:
            key = _key(value, several, integer, check, question, used)
            verdict = _verdict(
                check(list(value) if several else value, **question)
            )
            if key is None:
                continue
            ident = entry_id(salt, key)
            if ident not in entries:  # the first (the right answer) stands
                entries[ident] = seal(salt, key, verdict)
        digits = tuple(sorted(used))
        words = box_words(integer, digits, several)
        other = _other_hint(table, values)
    return Box(
        label,
        checker_name,
        salt,
        integer,
        digits,
        entries,
        words,
        several,
        other=other,
    )


def _other_hint(table: Any, values: list[Any]) -> Optional[dict[str, Any]]:
    """The hint of the table's :class:`~resnet_lib.exercises.harness.Otherwise` (it does
    not depend on the answer), in the current language; None where the table has none,
    or where the hint writes one of the table's numbers (it would be in clear)."""
    if table.otherwise is None:
        return None
    said = _verdict(table.otherwise.feedback(table.answer, table.answer))
    text = " ".join([said["hint"], *said["steps"]])
    for value in values:
        for n in value if isinstance(value, tuple) else (value,):
            if re.search(rf"(?<![0-9.,]){re.escape(f'{n:,}')}(?![0-9])", text):
                return None
    return {"hint": said["hint"], "steps": said["steps"]}


def _choice_box(
    label: str, checker_name: str, question: dict[str, Any], language: str
) -> Box:
    """A choice's box: the checker's verdict on every non-empty set of its options,
    each sealed with its own set, so that any choice a reader makes finds its verdict."""
    import itertools

    from ..exercises.feedback import all_checkers
    from ..exercises.harness import choices_of

    options, aliases = choices_of(checker_name)
    check = all_checkers()[checker_name]
    salt = hashlib.sha256(f"{label}|{checker_name}".encode()).hexdigest()[:16]
    entries: dict[str, str] = {}
    with i18n.speaking(language):
        for n in range(1, len(options) + 1):
            for chosen in itertools.combinations(sorted(options), n):
                key = ",".join(chosen)
                verdict = _verdict(check(list(chosen), **question))
                entries[entry_id(salt, key)] = seal(salt, key, verdict)
        words = box_words(False, (), choice=", ".join(options))
    return Box(
        label, checker_name, salt, False, (), entries, words, False, aliases
    )


def _chosen(text: str, aliases: dict[str, str]) -> Optional[str]:
    """The options a reader typed, as a key (``"c,d,e"``), or None where a piece names
    none: pieces separated by commas, semicolons, slashes, "+", "&" or "and"; a piece
    that names nothing whole is read word by word (``c d e``)."""
    t = unicodedata.normalize("NFKC", str(text)).lower()
    found: set[str] = set()
    pieces = [p for p in re.split(r"[,;/+&]|\band\b", t) if p.strip()]
    for piece in pieces:
        key = re.sub(r"[^a-z0-9]", "", piece)
        if not key:
            continue
        if key in aliases:
            found.add(aliases[key])
            continue
        words = [re.sub(r"[^a-z0-9]", "", w) for w in piece.split()]
        words = [w for w in words if w]
        if not words or any(w not in aliases for w in words):
            return None
        found |= {aliases[w] for w in words}
    return ",".join(sorted(found)) if found else None


def _key(
    value: Any,
    several: bool,
    integer: bool,
    check: Any,
    question: dict,
    used: set[int],
) -> Optional[str]:
    """A table value's canonical form (a real one at its widest digits, noted in
    ``used``)."""
    if several:
        parts = [read_typed(str(v)) for v in value]
        keys = [canonical(t, True) if t is not None else None for t in parts]
        return None if None in keys else ";".join(k for k in keys if k)
    typed = read_typed(repr(value) if isinstance(value, float) else str(value))
    if typed is None:
        raise ValueError(f"the table's answer {value!r} is not a number")
    if integer or not typed.digits:
        return canonical(typed, True)
    k = _widest_digits(check, question, value)
    used.add(k)
    return f"{canonical(typed, False, k)}@{k}"  # each rounding its own keys


def _found(box: "Box", key: Optional[str]) -> Optional[dict]:
    if key is not None and entry_id(box.salt, key) in box.entries:
        return {
            "kind": "checker",
            **unseal(box.salt, key, box.entries[entry_id(box.salt, key)]),
        }
    return None


def page_verdict(box: Box, text: str) -> dict:
    """What the page's script shows for ``text``: ``{"ok": ..., "message": ..., ...}`` of
    the checker, or the box's own words for an unreadable answer or an unknown one
    (``"kind"``: ``"checker"``, ``"unreadable"``, ``"whole"`` or ``"other"``). The Python
    twin of ``_static/answer-box.js``, for the tests."""

    def said(kind: str) -> dict:
        found = {"kind": kind, "ok": False, "message": box.words[kind]}
        return (
            {**found, **box.other} if kind == "other" and box.other else found
        )

    if box.choices is not None:
        key = _chosen(text, box.choices)
        return (None if key is None else _found(box, key)) or said(
            "unreadable"
        )
    if box.several:
        numbers = _numbers(text)
        if numbers is None:
            return said("unreadable")
        keys = [canonical(n, True) for n in numbers]
        if None in keys:
            return said("whole")
        return _found(box, ";".join(k for k in keys if k)) or said("other")
    typed = read_typed(text)
    if typed is None:
        return said("unreadable")
    if box.integer:
        key = canonical(typed, True)
        return (said("whole") if key is None else _found(box, key)) or said(
            "other"
        )
    for k in box.digits:
        found = _found(box, f"{canonical(typed, False, k)}@{k}")
        if found:
            return found
    return _found(box, canonical(typed, True)) or said("other")


def box_html(box: Box) -> str:
    """The box as the page shows it: a labelled input and a button, the verdict in a live
    region (read out by a screen reader when it changes), the note that it is self-study,
    and the box's data for ``_static/answer-box.js``."""
    import html

    e = html.escape
    field = f"answer-{box.label}"
    return (
        f'<div class="answer-box" id="answer-box-{e(box.label)}">'
        f'<form class="answer-box-form">'
        f'<label for="{e(field)}">{e(box.words["label"])}</label> '
        f'<input id="{e(field)}" type="text" inputmode="decimal" autocomplete="off" '
        f'spellcheck="false"> '
        f'<button type="submit">{e(box.words["check"])}</button>'
        f"</form>"
        f'<div class="answer-box-verdict" role="status" aria-live="polite"></div>'
        f'<p class="answer-box-note">{e(box.words["note"])}</p>'
        f'<script type="application/json" class="answer-box-data">{box.to_json()}</script>'
        f"</div>"
    )


def exercise_questions(nb: Any) -> dict[str, tuple[str, dict[str, Any]]]:
    """``{label: (checker, question)}`` for the exercises of a chapter notebook (its
    twin, an ``nbformat`` notebook) that a box can check: one checker with a table.

    The question is what the exercise's own cells ask: they are run with the answer they
    ship (``None``) and the checker call is recorded as it is made, so that a question
    built in the cell (``check_depth(answer, cifar_resnet(56))``) is the one asked.
    """
    import contextlib
    import inspect
    import io

    from ..classroom.reference import python_source, read_reference
    from ..exercises import feedback
    from ..exercises.harness import tabled_checkers

    tabled = set(tabled_checkers()) | {
        name
        for name, check in feedback.all_checkers().items()
        if hasattr(check, "__choices__")
    }
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for ex in read_reference(nb):
        names = {call.checker for call in ex.calls}
        if len(names) != 1 or not names <= tabled:
            continue
        calls: list[tuple[str, tuple, dict]] = []

        def probe(name: str, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
            calls.append((name, args, kwargs))
            return args, kwargs

        feedback.add_probe(probe)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(
                    compile(
                        "\n".join(python_source(c) for c in ex.cells),
                        f"<{ex.label}>",
                        "exec",
                    ),
                    {"__name__": "__exercise__"},
                )
        finally:
            feedback.remove_probe(probe)
        if len(calls) != 1:
            raise ValueError(
                f"exercise {ex.label} calls its checker {len(calls)} times; a box "
                "checks one call"
            )
        name, args, kwargs = calls[0]
        check = feedback.all_checkers()[name]
        bound = inspect.signature(inspect.unwrap(check)).bind(*args, **kwargs)
        question = dict(list(bound.arguments.items())[1:])
        found[ex.label] = (name, question)
    return found
