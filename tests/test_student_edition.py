"""The student edition (`make student`): the same book with no solution text anywhere in it.

Each solution's rendered text is taken from the full edition (sphinx-exercise renders it
as a ``div.solution``); every line of it that appears nowhere else on its page must be
absent from the student edition's page, while every exercise stays, word for word.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from solution_text import (
    file_words,
    leaked,
    shingles,
    solution_fingerprints,
    words,
)
from test_exercise_inventory import CHAPTERS, exercises

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]
FULL = ROOT / "_build" / "html"
STUDENT = ROOT / "_build" / "student" / "_build" / "html"


BLOCK = {
    "p",
    "div",
    "pre",
    "li",
    "ul",
    "ol",
    "td",
    "th",
    "tr",
    "table",
    "section",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "dt",
    "dd",
    "details",
    "summary",
    "blockquote",
    "br",
    "hr",
}
VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr"}


class _Page(HTMLParser):
    """A page's visible lines, split into the lines of each solution box, of each exercise
    box (by its id) and of everything else. A line is the whitespace-normalised text
    between two block-level tags or line breaks, so code lines and paragraphs stay whole."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[
            tuple[str, str]
        ] = []  # (tag, role) for every open element
        self.streams: dict[tuple, list[str]] = {("rest",): []}
        self.n_solutions = 0

    def handle_starttag(self, tag, attrs):
        self._break(tag)
        if tag in VOID:
            return
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        role: tuple = ()
        if tag in ("script", "style"):
            role = ("skip",)
        elif tag == "div" and "solution" in classes:
            role = ("solution", self.n_solutions)
            self.n_solutions += 1
        elif tag == "div" and "exercise" in classes and a.get("id"):
            role = ("exercise", a["id"])
        if role and role[0] != "skip":
            self.streams[role] = []
        self.stack.append((tag, role))

    def handle_endtag(self, tag):
        self._break(tag)
        for i in range(
            len(self.stack) - 1, -1, -1
        ):  # tolerate unclosed inner tags
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def _break(self, tag):
        if tag in BLOCK:
            for stream in self.streams.values():
                stream.append("\n")

    def handle_data(self, data):
        roles = [r for _, r in self.stack if r]
        if ("skip",) in roles:
            return
        solution = [r for r in roles if r[0] == "solution"]
        targets = solution[-1:] or [("rest",)] + [
            r for r in roles if r[0] == "exercise"
        ]
        for key in targets:
            self.streams[key].append(data)

    def lines(self, key: tuple) -> list[str]:
        return [
            " ".join(s.split())
            for s in "".join(self.streams.get(key, [])).split("\n")
            if s.strip()
        ]

    @property
    def solutions(self) -> list[list[str]]:
        return [self.lines(("solution", i)) for i in range(self.n_solutions)]

    @property
    def rest(self) -> list[str]:
        return self.lines(("rest",))

    def exercise(self, label: str):
        return (
            self.lines(("exercise", label))
            if ("exercise", label) in self.streams
            else None
        )


def parse(page: Path) -> _Page:
    p = _Page()
    p.feed(page.read_text(encoding="utf-8"))
    return p


@pytest.fixture(scope="module")
def editions():
    for d, command in ((FULL, "make book"), (STUDENT, "make student")):
        if not (d / "index.html").exists():
            pytest.fail(
                f"{d.relative_to(ROOT)} is not built: run `{command}` (`make test` builds both)"
            )
    return FULL, STUDENT


@pytest.mark.parametrize("language", ["", "zh"])
@pytest.mark.parametrize("md", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_student_edition_has_the_exercises_but_no_solutions(
    editions, md, language
):
    """In English and in Chinese (each edition under zh/ of its English one)."""
    full_dir, student_dir = (d / language for d in editions)
    page = md.relative_to(ROOT).with_suffix(".html")
    full, student = parse(full_dir / page), parse(student_dir / page)
    labels = [e.label for e in exercises(md)]

    # the full edition: one solution box per exercise, each with text of its own
    assert len(full.solutions) == len(labels), (len(full.solutions), labels)
    elsewhere = " ".join(full.rest)
    student_text = " ".join(
        student.rest + [t for s in student.solutions for t in s]
    )
    for solution in full.solutions:
        own = [
            t
            for t in solution
            if len(t) >= 12
            and t not in elsewhere
            and not t.startswith(("Solution to", "解答"))
        ]
        assert own, (
            f"{md.name}: a solution with no text of its own to look for: {solution}"
        )
        leaked = [t for t in own if t in student_text]
        assert not leaked, (
            f"{md.name}: the student edition shows solution text {leaked[:3]}"
        )

    # the student edition: no solution box, every exercise unchanged
    assert not student.solutions and "Solution to" not in student_text
    for label in labels:
        assert full.exercise(label), (
            f"{md.name}: no exercise box {label} in the full edition"
        )
        assert student.exercise(label) == full.exercise(label), (
            f"{md.name}: exercise {label} differs"
        )


def test_student_edition_is_labelled_and_complete(editions):
    full_dir, student_dir = editions
    full_pages = sorted(
        p.relative_to(full_dir) for p in full_dir.glob("book/*.html")
    )
    assert full_pages == sorted(
        p.relative_to(student_dir) for p in student_dir.glob("book/*.html")
    )
    assert "(student edition)" in (
        student_dir / "book" / "intro.html"
    ).read_text(encoding="utf-8")
    assert "(student edition)" not in (
        full_dir / "book" / "intro.html"
    ).read_text(encoding="utf-8")


def test_the_solution_finder_sees_a_known_solution(editions):
    """The parser itself, on a known solution of the full edition."""
    full = parse(FULL / "book" / "training-cifar10.html")
    assert any(
        re.search(r"64,000 x 128 / 45,000 = 182 epochs", " ".join(s))
        for s in full.solutions
    )
    assert "64,000 x 128 / 45,000" not in " ".join(full.rest)


# ---------------------------------------------------------------- nothing a student can reach


def _launch_and_download_urls(page: Path) -> tuple[list[str], list[str]]:
    html = page.read_text(encoding="utf-8")
    launch = re.findall(
        r'href="(https://(?:colab\.research\.google\.com|mybinder\.org)[^"]+)"',
        html,
    )
    downloads = re.findall(r'href="([^"]*_notebooks/[^"]+\.ipynb)"', html)
    return launch, downloads


@pytest.mark.parametrize("md", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_each_edition_launches_and_offers_its_own_twin(editions, md):
    for html_dir, twin_dir in zip(
        editions, ("notebooks", "notebooks/student")
    ):
        page = html_dir / md.relative_to(ROOT).with_suffix(".html")
        launch, downloads = _launch_and_download_urls(page)
        assert launch, f"{page}: no launch buttons"
        for url in launch:
            assert f"{twin_dir}/{md.stem}.ipynb" in url.replace("%2F", "/"), (
                url
            )
            if twin_dir == "notebooks":
                assert "notebooks/student/" not in url.replace("%2F", "/")
        assert downloads, f"{page}: no notebook download"
        for url in downloads:
            served = (page.parent / url).resolve()
            assert (
                served.read_bytes()
                == (ROOT / twin_dir / f"{md.stem}.ipynb").read_bytes()
            ), url
        if html_dir == STUDENT:
            assert "_sources/" not in page.read_text(encoding="utf-8"), (
                f"{page} links the chapter's source"
            )


def outside_solutions(twin: Path) -> str:
    """The text of a twin's cells that are no solution."""
    cells = json.loads(twin.read_text(encoding="utf-8"))["cells"]
    return " ".join(
        "".join(c["source"])
        for c in cells
        if not c["metadata"].get("solution")
    )


def test_no_file_of_the_student_edition_holds_a_solution(editions):
    """Pages, search index, downloads, anything else in the published folder: a student can
    fetch every file of it, so no file may contain any solution's text."""
    _, student_dir = editions
    assert not (student_dir / "_sources").exists(), (
        "the student edition publishes the chapters' sources"
    )
    book = tuple(CHAPTERS)
    # what every reader of the full edition, in either language, sees outside the
    # solution boxes (a checker's message that names a bug, the buggy code a fix
    # repeats, a Chinese hint whose numbers are left once its words are) is no
    # solution's own text
    shown = set().union(
        *(
            shingles(
                words(
                    " ".join(
                        parse(
                            FULL
                            / language
                            / md.relative_to(ROOT).with_suffix(".html")
                        ).rest
                    )
                )
            )
            for md in CHAPTERS
            for language in ("", "zh")
        ),
        # and in the Chinese notebooks outside their solutions (their code comments
        # are Chinese, so the code's own words and numbers stand next to each other)
        *(
            shingles(
                words(
                    outside_solutions(
                        ROOT / "notebooks" / "zh" / f"{md.stem}.ipynb"
                    )
                )
            )
            for md in CHAPTERS
        ),
    )
    prints = {
        (md.stem, label): p - shown
        for md in CHAPTERS
        for label, p in solution_fingerprints(md, book).items()
    }
    assert all(prints.values()), [k for k, p in prints.items() if not p]
    files = [
        f
        for f in student_dir.rglob("*")
        if f.is_file()
        and f.suffix in (".html", ".js", ".txt", ".md", ".ipynb", ".json")
    ]
    assert len(files) > len(CHAPTERS)
    found = {
        f.relative_to(student_dir).as_posix(): leaked(prints, file_words(f))
        for f in files
    }
    assert not {f: labels for f, labels in found.items() if labels}
    # and the same search finds them in the full edition's pages
    full_pages = " ".join(
        file_words(FULL / md.relative_to(ROOT).with_suffix(".html"))
        for md in CHAPTERS
    )
    assert len(leaked(prints, full_pages)) == len(prints)
