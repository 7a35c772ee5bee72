"""The student edition (`make student`): the same book with no solution text in its HTML.

Each solution's own words are looked for in the text of its page: they must be in the full
edition (so the search itself works) and nowhere in the student edition, while every
exercise statement stays.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from test_exercise_inventory import CHAPTERS, exercises

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]
FULL = ROOT / "_build" / "html"
STUDENT = ROOT / "_build" / "student" / "_build" / "html"

MARKUP = set("*_`$\\[]{}()<>|#='\"-")


class _Text(HTMLParser):
    """The visible text of a page (scripts and styles left out), whitespace collapsed."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style") and self.skip > 0

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def page_text(page: Path) -> str:
    p = _Text()
    p.feed(page.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", html.unescape(" ".join(p.parts)))


def fingerprint(markdown: str, min_words: int = 6) -> str:
    """The longest run of plain words (no markup, quotes or dashes that Sphinx would
    restyle) in a piece of MyST prose: text that must appear verbatim in the HTML."""
    body = "\n".join(line for line in markdown.splitlines() if not line.startswith(":"))
    body = re.sub(r"```.*?```", " ", body, flags=re.S)  # code blocks are highlighted token by token
    best: list[str] = []
    for line in body.splitlines():
        run: list[str] = []
        for word in line.split() + ["`"]:
            if MARKUP & set(word):
                best = max(best, run, key=len)
                run = []
            else:
                run.append(word)
    assert len(best) >= min_words, f"no {min_words} plain words in a row in {markdown[:80]!r}"
    return " ".join(best)


@pytest.fixture(scope="module")
def editions():
    for d, command in ((FULL, "make book"), (STUDENT, "make student")):
        if not (d / "index.html").exists():
            pytest.fail(f"{d.relative_to(ROOT)} is not built: run `{command}` (`make test` builds both)")
    return FULL, STUDENT


@pytest.mark.parametrize("md", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_student_edition_has_the_exercises_but_no_solutions(editions, md):
    full_dir, student_dir = editions
    page = md.relative_to(ROOT).with_suffix(".html")
    full, student = page_text(full_dir / page), page_text(student_dir / page)
    student_html = (student_dir / page).read_text(encoding="utf-8")
    exs = exercises(md)
    assert exs
    for e in exs:
        solution = fingerprint(e.solution)
        assert solution in full, f"{e.label}: the solution's text {solution!r} is not in the full edition"
        assert solution not in student, f"{e.label}: the student edition shows its solution ({solution!r})"
        statement = fingerprint(e.statement, min_words=4)
        assert statement in student, f"{e.label}: the student edition lost the exercise ({statement!r})"
        assert f'id="{e.label}"' in student_html
    assert 'class="solution' not in student_html
    assert "Solution to" not in student


def test_student_edition_is_labelled_and_complete(editions):
    full_dir, student_dir = editions
    full_pages = sorted(p.relative_to(full_dir) for p in full_dir.glob("book/*.html"))
    assert full_pages == sorted(p.relative_to(student_dir) for p in student_dir.glob("book/*.html"))
    assert "(student edition)" in (student_dir / "index.html").read_text(encoding="utf-8")
    assert "(student edition)" not in (full_dir / "index.html").read_text(encoding="utf-8")
