"""Answer boxes on the built pages (issue 27), in headless Chromium, as a reader uses
them: the student edition in English and Chinese, served over plain http:// from
127.0.0.1 and opened from file://. For every box: the right answer gets the checker's
"correct", every mistake its diagnosis, a random answer "not yet"; the keyboard alone
does it and the verdict is in a live region; no file of the edition holds an answer or
a right answer's message in clear."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import serving
from test_answer_boxes import PAGE_BOXES

from resnet_lib.exercises.feedback import all_checkers
from resnet_lib.exercises.harness import mistakes, tabled_checkers
from resnet_lib.i18n import speaking

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]
STUDENT = ROOT / "_build" / "student" / "_build" / "html"


#: (page, label, checker, question) of every box the book should have
BOXES = PAGE_BOXES


@pytest.fixture(scope="module")
def student():
    if not (STUDENT / "index.html").exists():
        pytest.fail(
            f"{STUDENT.relative_to(ROOT)} is not built: run `make student` "
            "(`make test` builds it)"
        )
    return STUDENT


@pytest.fixture(scope="module")
def served(student):
    with serving(student) as url:
        yield url


def _ask(page, label: str, text: str) -> dict:
    """Type ``text`` into the box of ``label`` with the keyboard and press Enter; the
    verdict as the live region holds it."""
    field = page.locator(f"#answer-{label}")
    field.click()
    field.fill("")
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    out = page.locator(f"#answer-box-{label} .answer-box-verdict")
    page.wait_for_function(
        "el => el.dataset.kind", arg=out.element_handle(), timeout=5000
    )
    return {
        "text": out.inner_text(),
        "kind": out.get_attribute("data-kind"),
        "ok": out.get_attribute("data-ok") == "true",
    }


def _written(value) -> str:
    """An answer as a reader types it: a count with its thousands grouped, a few
    numbers separated by commas."""
    if isinstance(value, tuple):
        return ", ".join(map(str, value))
    return f"{value:,}" if isinstance(value, int) else repr(value)


@pytest.mark.parametrize("language", ["", "zh"])
def test_every_box_gives_the_checkers_verdicts(chromium, served, language):
    lang = "zh_CN" if language else "en"
    context = chromium.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    current = None
    for html, label, name, question in BOXES:
        if html != current:
            page.goto(f"{served}/{language + '/' if language else ''}{html}")
            current = html
        if (
            name not in tabled_checkers()
        ):  # a choice: a right one and a wrong one
            check = all_checkers()[name]
            with speaking(lang):
                for choice in ("c, d, e", "a, c"):
                    got = _ask(page, label, choice)
                    said = check(choice, **question)
                    assert got["ok"] == said.ok and said.message in got["text"]
            continue
        table = mistakes(name, **question)
        check = all_checkers()[name]
        with speaking(lang):
            right = check(table.answer, **question)
            got = _ask(page, label, _written(table.answer))
            assert got["ok"] and right.message in got["text"], (label, got)
            for m in table.mistakes:
                said = check(m.answer, **question)
                got = _ask(page, label, _written(m.answer))
                assert not got["ok"] and got["kind"] == "checker", (
                    label,
                    m.answer,
                    got,
                )
                assert (
                    said.message in got["text"] and said.hint in got["text"]
                ), (label, got)
            got = _ask(page, label, "987654321")
            assert got["kind"] == "other" and not got["ok"], (label, got)
    context.close()
    assert not errors, errors


def test_a_box_works_from_file_and_shows_the_hints_steps(chromium, student):
    """From file:// (no server: a book opened from a USB stick), the keyboard alone."""
    html, label, name, question = next(
        b for b in BOXES if b[1] == "ex-basic-total"
    )
    page = chromium.new_page()
    page.goto((student / html).as_uri())
    got = _ask(page, label, "74,240")  # BatchNorm's running statistics counted
    assert "running" in got["text"] and not got["ok"]
    got = _ask(page, label, "73 984")
    assert got["ok"]
    page.close()


def test_no_file_of_the_student_edition_holds_a_box_answer_in_clear(student):
    pages = {
        p: p.read_text(encoding="utf-8", errors="replace")
        for p in student.rglob("*")
        if p.is_file() and p.suffix in (".html", ".js", ".json", ".txt")
    }
    found = 0
    for html, label, name, question in BOXES:
        text = pages[student / html]
        assert f'id="answer-box-{label}"' in text, (html, label)
        found += 1
        if name not in tabled_checkers():
            continue
        box = re.search(
            rf'id="answer-box-{re.escape(label)}".*?</script>', text, re.S
        ).group(0)
        table = mistakes(name, **question)
        right = all_checkers()[name](table.answer, **question)
        for value in [table.answer, *(m.answer for m in table.mistakes)]:
            numbers = value if isinstance(value, tuple) else (value,)
            for written in {_written(value), *(f"{n:,}" for n in numbers)}:
                if len(written) >= 4 and written not in ("1024", "1,024"):
                    assert written not in box, (label, written)
        for p, content in pages.items():
            assert right.message not in content, (p, label)
    assert found == len(BOXES) >= 21


@pytest.mark.parametrize("language, scheme", [("", "dark")])
def test_the_pages_with_boxes_pass_axe_with_a_verdict_shown(
    chromium, served, language, scheme
):
    """axe-core (WCAG 2.1 A and AA) on every student page with a box, each box showing a
    verdict, in the dark theme (tests/test_book.py runs axe on every page of both full
    editions, boxes included, in the light theme; the Chinese pages share the English
    colours and markup)."""
    from axe_playwright_python.sync_playwright import Axe

    context = chromium.new_context(color_scheme=scheme)
    page, axe, found = context.new_page(), Axe(), []
    options: dict = {
        "runOnly": {
            "type": "tag",
            "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"],
        },
        "resultTypes": ["violations"],
    }
    if language:
        options["rules"] = {"color-contrast": {"enabled": False}}
    pages = sorted({html for html, *_ in BOXES})
    for html in pages:
        page.goto(f"{served}/{language + '/' if language else ''}{html}")
        for label in [b[1] for b in BOXES if b[0] == html]:
            _ask(page, label, "7")
        for rule in axe.run(page, options=options).response["violations"]:
            nodes = [" ".join(map(str, n["target"])) for n in rule["nodes"]]
            found.append(f"{html}: {rule['id']}: {nodes[:3]}")
    context.close()
    assert len(pages) >= 10 and not found, "\n".join(found)
