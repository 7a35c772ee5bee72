"""Answer boxes (issue 27): what a reader may type, the sealed tables, and the page's
verdicts against the checkers themselves; the page's script against the Python on the
same inputs, in Chromium."""

from __future__ import annotations

import random
import re
from pathlib import Path

import nbformat
import pytest

from resnet_lib.book.answer_boxes import (
    Box,
    box_html,
    build_box,
    canonical,
    entry_id,
    exercise_questions,
    page_verdict,
    read_typed,
    seal,
    unseal,
)
from resnet_lib.exercises.feedback import all_checkers, say
from resnet_lib.exercises.why_residual import check_shape_changing_blocks
from resnet_lib.exercises.harness import asked_by, mistakes, tabled_checkers
from resnet_lib.i18n import speaking

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = (ROOT / "_static" / "answer-box.js").read_text()

#: what a reader may type, and the count it is (None: not one number)
TYPED = {
    "1024": "1024",
    "1,024": "1024",
    "1 024": "1024",
    "1_024": "1024",
    " 1024 ": "1024",
    "1e3": "1000",
    "1E3": "1000",
    "1000.0": "1000",
    "1.024e3": "1024",
    "１０２４": "1024",  # full-width digits
    "１，０２４": "1024",
    "1，024": "1024",  # a full-width comma
    "1\u202f024": "1024",  # a narrow no-break space
    "+7": "7",
    "\u22127": "-7",  # the minus sign
    "-0": "0",
    "0": "0",
    "007": "7",
    "1,234,567": "1234567",
    "2.": "2",
    "1,02": None,
    "1,0245": None,
    "12,34": None,
    "1.5": None,  # a number, but no count
    ".": None,
    "": None,
    "abc": None,
    "1e": None,
    "1e999": None,
    "--1": None,
    "1/4": None,
    "٣": None,  # another script's digit
}


@pytest.mark.parametrize("text", TYPED)
def test_what_a_reader_may_type(text):
    typed = read_typed(text)
    got = None if typed is None else canonical(typed, integer=True)
    assert got == TYPED[text]


@pytest.mark.parametrize(
    "text, digits, expected",
    [
        ("18", 3, "18e1"),
        ("18.04", 3, "18e1"),
        ("18.05", 3, "181e1"),
        ("17.95", 3, "18e1"),
        ("0.01", 4, "1e-2"),
        ("1e-2", 4, "1e-2"),
        ("999.5", 3, "1e3"),
        ("8.857142857", 3, "886e0"),
        ("-2.5", 1, "-3e0"),
        ("0", 3, "0"),
    ],
)
def test_a_real_answer_is_compared_rounded(text, digits, expected):
    typed = read_typed(text)
    assert typed is not None and canonical(typed, False, digits) == expected


def test_a_real_answer_is_kept_at_the_fewest_digits_its_checker_allows():
    """0.5% of 18 (check_multiscale_cost): 3 digits keep every number that rounds
    like 18.0 right, 2 would take in 17.5, which the checker calls wrong; the
    checker's own verdicts decide, so an exact checker needs every digit."""
    from resnet_lib.book.answer_boxes import _widest_digits

    cost = all_checkers()["check_multiscale_cost"]
    assert _widest_digits(cost, {}, 18.0) == 3
    assert cost(18.04) and cost(17.96) and not cost(17.5)
    lr = all_checkers()["check_lr_at"]  # a schedule's level: float32 apart
    assert _widest_digits(lr, {"step": 40000}, 0.01) == 7


NUMBERS = {
    "256, 512, 1024, 2048": "256;512;1024;2048",
    "[256, 512, 1024, 2048]": "256;512;1024;2048",
    "(64 128 256 512)": "64;128;256;512",
    "64;128;256;512": "64;128;256;512",
    "６４，１２８，２５６，５１２": "64;128;256;512",
    "64,128": "64;128",
    "64, 1e2": "64;100",
    "64, x": None,
    "": None,
    "64, 1.5": "whole",
}


@pytest.mark.parametrize("text", NUMBERS)
def test_a_few_numbers_as_a_reader_types_them(text):
    from resnet_lib.book.answer_boxes import _numbers

    found = _numbers(text)
    keys = None if found is None else [canonical(n, True) for n in found]
    got = (
        None if keys is None else ("whole" if None in keys else ";".join(keys))
    )
    assert got == NUMBERS[text]


CHOICES = [
    "c, d, e",
    "(c) (d) (e)",
    "relu_before_add, relu_preact, full_preact",
    "c d e",
    "4c, 4d and 4e",
    "full pre-activation",
    "Full Pre-Activation; (a)",
    "ｃ，ｄ，ｅ",
    "a",
    "x",
    "c, x",
    "",
]


def test_a_choice_box_asks_the_checker_about_every_choice():
    """check_clean_orderings: every non-empty set of Figure 4's five orderings is sealed
    with the checker's verdict, and a reader's letters or names find theirs."""
    import itertools

    from resnet_lib.exercises.after2015 import check_clean_orderings

    box = build_box("ex-identity-clean", "check_clean_orderings", {})
    assert len(box.entries) == 2**5 - 1
    for n in range(1, 6):
        for chosen in itertools.combinations("abcde", n):
            said = check_clean_orderings(list(chosen))
            page = page_verdict(box, " ".join(chosen))
            assert (page["ok"], page["message"], page["hint"]) == (
                said.ok,
                said.message,
                said.hint,
            ), chosen
    for text in CHOICES:
        page = page_verdict(box, text)
        said = check_clean_orderings(text)
        if page["kind"] == "checker":
            assert (page["ok"], page["message"]) == (said.ok, said.message), (
                text
            )
        else:
            assert not said.ok, text
    assert page_verdict(box, "c, d, e")["ok"]
    assert (
        "c,d,e" not in box.to_json() and "relu_before_add" not in box.to_json()
    )


def test_a_sealed_verdict_opens_with_its_answer_only():
    verdict = {
        "ok": True,
        "message": "230,144 parameters: 3*3*64*128 ...",
        "steps": [],
    }
    sealed = seal("s", "230144", verdict)
    assert unseal("s", "230144", sealed) == verdict
    assert "230144" not in sealed and "230,144" not in sealed
    with pytest.raises(Exception):
        unseal("s", "230145", sealed)
    assert (
        entry_id("s", "1") != entry_id("t", "1")
        and len(entry_id("s", "1")) == 32
    )


def _boxes() -> list[tuple[str, str, str, dict]]:
    """(page, label, checker, question) of every box the book should have."""
    found = []
    for twin in sorted((ROOT / "notebooks").glob("*.ipynb")):
        questions = exercise_questions(nbformat.read(twin, as_version=4))
        found += [
            (f"book/{twin.stem}.html", label, name, q)
            for label, (name, q) in questions.items()
        ]
    return found


PAGE_BOXES = _boxes()  # also read by tests/test_answer_boxes_pages.py
BOXES = [box[1:] for box in PAGE_BOXES]
#: the boxes of a number (or a few): their checkers have a table
NUMERIC = [b for b in BOXES if b[1] in tabled_checkers()]


def test_the_book_has_boxes():
    assert len(NUMERIC) >= 20 and len(BOXES) == len(NUMERIC) + 1, BOXES


@pytest.mark.parametrize("language", ["en", "zh_CN"])
@pytest.mark.parametrize(
    "label, name, question", NUMERIC, ids=[b[0] for b in NUMERIC]
)
def test_the_page_says_what_the_checker_says(label, name, question, language):
    """The right answer, every mistake the checker's table holds, and random numbers:
    the box's verdict is the checker's own, in the page's language."""
    box = build_box(label, name, question, language)
    table = mistakes(name, **question)
    check = all_checkers()[name]
    with speaking(language):
        for value in [table.answer, *(m.answer for m in table.mistakes)]:
            shown = page_verdict(box, str(value))
            said = check(value, **question)
            assert shown["kind"] == "checker" and shown["ok"] == said.ok, value
            assert (shown["message"], shown["hint"]) == (
                said.message,
                said.hint,
            )
        if isinstance(table.answer, tuple):
            return
        rng = random.Random(label)
        known = {table.answer, *(m.answer for m in table.mistakes)}
        for _ in range(40):
            value = rng.randint(0, 2 * int(max(known)) + 10)
            if asked_by(name).integer:
                said = check(value, **question)
                in_table = any(
                    said.message == check(k, **question).message for k in known
                )
                shown = page_verdict(box, f"{value:,}")
                assert shown["kind"] == ("checker" if in_table else "other"), (
                    value
                )
                if not in_table:
                    assert not said.ok
                    # the checker's hint for any other answer, where the page has it
                    if box.other is not None:
                        assert (shown["hint"], shown["steps"]) == (
                            said.hint,
                            [say(step) for step in said.steps],
                        ), value


REAL = [b for b in NUMERIC if not asked_by(b[1]).integer]


@pytest.mark.parametrize(
    "label, name, question", REAL, ids=[b[0] for b in REAL]
)
@pytest.mark.slow  # Chromium, or a grid: in `make test`, not `make unit`
def test_a_real_answer_on_a_grid_gets_the_checkers_verdict(
    label, name, question
):
    """A real answer is stored at the precision the checker decides by: on a grid of
    relative offsets around every answer of the table, wherever the page answers with a
    verdict it is the checker's for that number, and every answer the page stores is
    found as typed, to the digits the page compares and beyond."""
    from resnet_lib.book.answer_boxes import _signature

    box = build_box(label, name, question)
    table = mistakes(name, **question)
    check = all_checkers()[name]
    offsets = (
        -0.2,
        -0.05,
        -0.01,
        -0.003,
        -1e-3,
        -1e-4,
        -1e-6,
        0,
        1e-12,
        1e-6,
        1e-4,
        1e-3,
        0.003,
        0.01,
        0.05,
        0.2,
    )
    for target in [table.answer, *(m.answer for m in table.mistakes)]:
        for offset in offsets:
            value = target * (1 + offset)
            for text in (f"{value:.6g}", f"{value:.12g}", repr(value)):
                page = page_verdict(box, text)
                said = check(float(text), **question)
                if page["kind"] == "checker":
                    assert (
                        page["ok"] == said.ok and page["hint"] == said.hint
                    ), (text, page, said)
                    assert _signature(said)[1] == re.sub(
                        r"[0-9][0-9.,e+-]*", "#", page["message"]
                    )
                elif (
                    said.ok
                ):  # the band between the page's rounding and the tolerance
                    assert abs(offset) > 1e-12, (text, page)
        assert page_verdict(box, repr(target))["kind"] == "checker", target


def test_a_table_holds_no_answer_and_no_right_message_in_clear():
    for label, name, question in NUMERIC:
        box = build_box(label, name, question)
        data = box.to_json() + box_html(box)
        table = mistakes(name, **question)
        right = all_checkers()[name](table.answer, **question)
        answers = [table.answer, *(m.answer for m in table.mistakes)]
        for value in answers:
            numbers = value if isinstance(value, tuple) else (value,)
            for written in {
                ", ".join(map(str, numbers)),
                *(f"{n:,}" for n in numbers),
            }:
                if len(written) >= 4 and written not in (
                    "1024",
                    "1,024",
                ):  # the words' example
                    assert written not in data, (label, written)
        assert right.message not in data and right.message[:30] not in data


def test_a_box_gives_the_checkers_hint_for_another_answer_unless_it_writes_one():
    """Most boxes give the hint the checker gives any answer its table does not name;
    a hint that writes a number of the table stays off the page (the learning-rate
    question's hint names the schedule's three rates, one of them the answer)."""
    given = [
        label for label, name, q in NUMERIC if build_box(label, name, q).other
    ]
    assert len(given) >= 15, given
    lr = build_box("ex-training-lr", "check_lr_at", {"step": 40_000})
    assert mistakes("check_lr_at", step=40_000).otherwise is not None
    assert lr.other is None and "0.01" not in lr.to_json()
    box = build_box(
        "ex-why-shape", "check_shape_changing_blocks", {"depth": 56}
    )
    said = check_shape_changing_blocks(5, depth=56)
    shown = page_verdict(box, "5")
    assert shown["kind"] == "other" and shown["hint"] == said.hint
    assert "notebook" in shown["message"]


def test_an_unreadable_or_fractional_answer_is_explained():
    box = build_box(
        "ex-basic-total",
        "check_block_params",
        dict(block="basic", in_channels=64, planes=64, part="total"),
    )
    assert page_verdict(box, "seventy")["kind"] == "unreadable"
    assert "1,024" in page_verdict(box, "seventy")["message"]
    assert page_verdict(box, "73984.5")["kind"] == "whole"
    assert page_verdict(box, "12")["kind"] == "other"
    assert "notebook" in page_verdict(box, "12")["message"]


def test_the_boxes_html_is_labelled_and_announces_its_verdict():
    box = build_box(
        "ex-why-shape", "check_shape_changing_blocks", {"depth": 56}
    )
    html = box_html(box)
    assert (
        '<label for="answer-ex-why-shape">' in html
        and 'id="answer-ex-why-shape"' in html
    )
    assert 'role="status" aria-live="polite"' in html
    assert "self-study" in html


@pytest.fixture(scope="module")
def script_page(chromium):
    page = chromium.new_page()
    page.set_content(
        f"<!doctype html><html><body><script>{SCRIPT}</script></body></html>"
    )
    yield page
    page.close()


@pytest.mark.slow  # Chromium, or a grid: in `make test`, not `make unit`
def test_the_script_reads_what_python_reads(script_page):
    texts = list(TYPED) + ["18.05", "8.857142857", "999.5", "0.01", "-2.5"]
    for text in texts:
        js = script_page.evaluate(
            """t => { const a = window.resnetAnswerBoxes, x = a.readTyped(t);
                      return x === null ? null : [a.canonical(x, true, 0), a.canonical(x, false, 3)]; }""",
            text,
        )
        typed = read_typed(text)
        py = (
            None
            if typed is None
            else [canonical(typed, True), canonical(typed, False, 3)]
        )
        assert js == py, text


@pytest.mark.slow  # Chromium, or a grid: in `make test`, not `make unit`
def test_the_script_reads_a_few_numbers_as_python_does(script_page):
    from resnet_lib.book.answer_boxes import _numbers

    for text in NUMBERS:
        js = script_page.evaluate(
            """t => { const a = window.resnetAnswerBoxes, x = a.numbers(t);
                      return x === null ? null : x.map(n => a.canonical(n, true, 0)); }""",
            text,
        )
        found = _numbers(text)
        assert js == (
            None if found is None else [canonical(n, True) for n in found]
        ), text


@pytest.mark.slow
@pytest.mark.parametrize(
    "label, name, question", NUMERIC, ids=[b[0] for b in NUMERIC]
)
def test_the_script_gives_each_box_the_pythons_verdicts(
    script_page, label, name, question
):
    box = build_box(label, name, question)
    table = mistakes(name, **question)
    texts = [
        str(v) for v in [table.answer, *(m.answer for m in table.mistakes)]
    ]
    texts += ["12345", "x", "1.5", "0", "256 512"]
    for text in texts:
        js = script_page.evaluate(
            "([box, t]) => window.resnetAnswerBoxes.verdict(JSON.parse(box), t)",
            [box.to_json(), text],
        )
        assert js == page_verdict(box, text), text


@pytest.mark.slow  # Chromium, or a grid: in `make test`, not `make unit`
def test_the_script_reads_a_choice_as_python_does(script_page):
    from resnet_lib.book.answer_boxes import _chosen
    from resnet_lib.exercises.harness import choices_of

    _options, aliases = choices_of("check_clean_orderings")
    for text in CHOICES:
        js = script_page.evaluate(
            "([t, a]) => window.resnetAnswerBoxes.chosen(t, a)",
            [text, aliases],
        )
        assert js == _chosen(text, aliases), text


@pytest.mark.slow  # Chromium, or a grid: in `make test`, not `make unit`
def test_the_script_opens_what_python_sealed(script_page):
    box: Box = build_box(
        "ex-why-shape", "check_shape_changing_blocks", {"depth": 56}
    )
    table = mistakes("check_shape_changing_blocks", depth=56)
    assert (
        script_page.evaluate(
            "() => window.resnetAnswerBoxes.sha256(new TextEncoder().encode('abc')).length"
        )
        == 32
    )
    digest = script_page.evaluate(
        "() => Array.from(window.resnetAnswerBoxes.sha256(new TextEncoder().encode('abc')), b => b.toString(16).padStart(2, '0')).join('')"
    )
    import hashlib

    assert digest == hashlib.sha256(b"abc").hexdigest()
    for text in [
        str(table.answer),
        *(str(m.answer) for m in table.mistakes),
        "12345",
        "x",
    ]:
        js = script_page.evaluate(
            "([box, t]) => window.resnetAnswerBoxes.verdict(JSON.parse(box), t)",
            [box.to_json(), text],
        )
        py = page_verdict(box, text)
        assert js == py, text
    long = (
        "a" * 100
    )  # a message longer than one SHA-256 block of the keystream
    sealed = seal("salt", "42", {"message": long})
    assert (
        script_page.evaluate(
            "([s]) => window.resnetAnswerBoxes.unseal('salt', '42', s).message",
            [sealed],
        )
        == long
    )
