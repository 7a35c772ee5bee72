"""The teachers' page (book/teachers.md) against what it describes, without building the book.

Issue 12, part 4: how to mark (the command's real options, the sample gradebook from the
tested file), the bug bank by chapter and difficulty (from BUGS), reading and exercise times
(recomputed from the chapters), a 90-minute lab per part of the book, and a lab with no
internet. The page is plain MyST Markdown, built with -W: its references must resolve.
"""

from __future__ import annotations

import csv
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from solution_text import file_words, leaked, solution_fingerprints
from test_exercise_inventory import CHAPTERS, exercises

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "teachers.md"
TEXT = PAGE.read_text()
sys.path.insert(0, str(ROOT / "scripts"))
import teachers_page  # noqa: E402

ESTIMATE = {
    "easy": 5,
    "medium": 10,
    "hard": 20,
}  # minutes per exercise, as the page states them


def section(title: str, level: str = "##") -> str:
    m = re.search(
        rf"^{level} {re.escape(title)}\n(.*?)(?=^#{{2,{len(level)}}} |\Z)",
        TEXT,
        re.M | re.S,
    )
    assert m, f"book/teachers.md has no section '{level} {title}'"
    return m.group(1)


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the Markdown tables in ``text``, as lists of stripped cells."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.match(r"^\|[-| ]+\|$", line):
            rows.append(
                [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            )
    return [r for r in rows if r and not _is_header(r)]


def _is_header(row: list[str]) -> bool:
    return row[0] in ("chapter", "belongs with", "time", "exercise", "student")


def generated(name: str) -> str:
    return teachers_page.block(TEXT, name).group(1)


def exercise_table() -> dict[str, str]:
    """label -> difficulty, from the exercise table's rows (the inventory test's pattern)."""
    rows = re.findall(
        r"^\| \{ref\}`(?:[^`<]*<)?([^`<>]+)>?` \|.*\| (\w+) \|$", TEXT, re.M
    )
    return dict(rows)


# ------------------------------------------------------------ the page itself


def test_the_page_is_plain_markdown_not_a_notebook():
    assert "jupytext" not in TEXT[:400] and "{code-cell}" not in TEXT


def test_every_reference_resolves():
    """Sphinx builds with -W: a {doc} or {ref} to nothing would fail the book."""
    toc = set(teachers_page.sync_notebooks.toc_files())
    for target in re.findall(r"\{doc\}`(?:[^`<]*<)?([^`<>]+)>?`", TEXT):
        assert f"book/{target}" in toc, (
            f"{{doc}}`{target}`: no such page in _toc.yml"
        )
    labels = {e.label for md in CHAPTERS for e in exercises(md)} | set(
        re.findall(r"^\((\S+)\)=$", TEXT, re.M)
    )
    for target in re.findall(r"\{ref\}`(?:[^`<]*<)?([^`<>]+)>?`", TEXT):
        assert target in labels, f"{{ref}}`{target}`: no such label"


def test_the_page_holds_no_solution():
    """The student edition publishes this page too; it must not give any exercise away."""
    haystack = file_words(PAGE)
    for md in CHAPTERS:
        assert not leaked(solution_fingerprints(md), haystack), (
            f"book/teachers.md repeats a solution of {md.name}"
        )


# ------------------------------------------------------------ generated tables: bug bank, times


def test_generated_tables_are_current():
    """scripts/teachers_page.py --check recomputes both tables and compares."""
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "teachers_page.py"),
            "--check",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr


def test_bug_bank_table_matches_the_registry():
    from resnet_lib.exercises.bugbank import BUGS

    rows = table_rows(generated("bug-bank"))
    assert len(rows) == len(BUGS)
    seen = []
    for where, bug_id, title, difficulty, symptom in rows:
        bug = BUGS[bug_id.strip("`")]
        assert (title, difficulty) == (bug.title, bug.difficulty)
        chapter = (
            "after 2015"
            if "after 2015" in where
            else re.fullmatch(r"\{doc\}`([\w-]+)`", where).group(1)
        )
        assert chapter == bug.chapter, (bug.id, where)
        assert bug.symptom.startswith(symptom) and len(symptom) > 10, (
            bug.id,
            symptom,
        )
        seen.append(chapter)
    # grouped: each chapter's bugs together, the chapters in book order, the later architectures last
    order = [md.stem for md in CHAPTERS] + ["after 2015"]
    assert seen == sorted(seen, key=order.index)


def test_bug_bank_exercises_are_in_the_exercise_table_once():
    """The bug bank links no exercise: the exercise table already does (one {ref} row each)."""
    assert "{ref}" not in generated("bug-bank")
    assert all(
        label in exercise_table()
        for label in (
            e.label for e in exercises(ROOT / "book" / "find-the-bug.md")
        )
    )


def test_prose_leaves_out_code_and_exercises():
    chapter = (
        "---\njupytext: {}\n---\n\n# Title words\n\nOne two three.\n\n```{code-cell} ipython3\n"
        "x = 1  # not prose\n```\n\n```{literalinclude} ../x.py\n:pyobject: f\n```\n\n"
        "```python\nnot = prose\n```\n\n:::{note}\nFour five.\n:::\n\n(a-label)=\n% a comment\n"
        "## Exercises\n\n:::{exercise}\n:label: ex-a\nNot reading.\n:::\n"
    )
    assert (
        teachers_page.count_words(teachers_page.prose(chapter)) == 7
    )  # title words one two three four five
    assert teachers_page.exercise_labels(chapter) == ["ex-a"]
    assert [teachers_page.reading_minutes(w) for w in (1, 200, 201)] == [
        1,
        1,
        2,
    ]


def test_times_table_matches_the_chapters_and_the_exercise_table():
    """Recomputed here from the inventory test's own exercise parser and the exercise table."""
    rows = {
        re.fullmatch(r"\{doc\}`([\w-]+)`", r[0]).group(1): r
        for r in table_rows(generated("reading-times"))
    }
    assert list(rows) == [md.stem for md in CHAPTERS]
    level = exercise_table()
    parts = teachers_page.parts()
    for md in CHAPTERS:
        _, part, reading, counts, minutes, total = rows[md.stem]
        labels = [e.label for e in exercises(md)]
        by = [
            sum(1 for label in labels if level[label] == d) for d in ESTIMATE
        ]
        words = teachers_page.count_words(teachers_page.prose(md.read_text()))
        assert part == parts[md.stem]
        assert int(reading) == max(1, math.ceil(words / 200)), md.stem
        assert counts == " / ".join(map(str, by)), md.stem
        assert int(minutes) == sum(
            n * m for n, m in zip(by, ESTIMATE.values())
        ), md.stem
        assert int(total) == int(reading) + int(minutes)
    assert (
        "200 words a minute" in TEXT
        and "5 minutes for an easy exercise, 10 for\n  a medium one and 20"
        in TEXT
    )


# ------------------------------------------------------------ lab plans


def test_a_90_minute_plan_per_part_that_fits_the_estimates():
    plans = section("Plans for a 90-minute lab")
    level = exercise_table()
    chapter_of = {e.label: md.stem for md in CHAPTERS for e in exercises(md)}
    parts = teachers_page.parts()
    captions = [
        c
        for c in dict.fromkeys(parts.values())
        if any(parts[md.stem] == c for md in CHAPTERS)
    ]
    titles = re.findall(r"^### (.+)$", plans, re.M)
    assert titles == captions
    for caption in captions:
        rows = table_rows(section(caption, "###"))
        clock = 0
        for time, minutes, _, exs in rows:
            start, end = map(int, time.split("-"))
            assert (start, end - start) == (clock, int(minutes)), (
                caption,
                time,
                minutes,
            )
            clock = end
            labels = re.findall(r"\{ref\}`(?:[^`<]*<)?([^`<>]+)>?`", exs)
            assert sum(ESTIMATE[level[label]] for label in labels) <= int(
                minutes
            ), (caption, time, labels)
            for label in labels:
                assert parts[chapter_of[label]] == caption, (
                    f"{label} is not an exercise of {caption}"
                )
        assert clock == 90, f"the plan for {caption} takes {clock} minutes"


# ------------------------------------------------------------ marking


def test_the_sample_gradebook_is_shown_from_the_tested_file_and_every_row_explained():
    m = re.search(
        r"^```\{csv-table\}[^\n]*\n:file: (\S+)\n:header-rows: 1\n```",
        TEXT,
        re.M,
    )
    assert m, (
        "the example gradebook must be a csv-table of tests/marking/sample-gradebook.csv"
    )
    shown = (PAGE.parent / m.group(1)).resolve()
    assert shown == ROOT / "tests" / "marking" / "sample-gradebook.csv"
    with open(shown, newline="") as f:
        students = [row["student"] for row in csv.DictReader(f)]
    explained = re.findall(
        r"\*\*(\w+)\*\*", section("An example gradebook", "###")
    )
    assert sorted(explained) == sorted(students)


def test_the_command_options_and_statuses_are_the_markers(capsys):
    from resnet_lib.classroom import STATUSES
    from resnet_lib.classroom.cli import main

    with pytest.raises(SystemExit):
        main(["--help"])
    usage = capsys.readouterr().out
    options = set(re.findall(r"(--[a-z][a-z-]+)", usage)) - {"--help"}
    marking = section("Marking a class")
    for option in options:
        assert f"`{option}" in marking, f"the page does not document {option}"
    defaults = re.findall(
        r"(--[a-z-]+) \w+\s+[^()]*?\(default: (\d+|\w+/)\)",
        " ".join(usage.split()),
    )
    assert len(defaults) == 6, (
        defaults
    )  # --out, --timeout, --cell-timeout, --processes, --jobs, --max-attempts
    for option, default in defaults:
        assert f"`{option} {default}`" in marking, (
            f"the page does not give {option}'s default, {default}"
        )
    for status in STATUSES:
        assert status == "missing" or f"`{status}`" in marking, (
            f"status {status} is not explained"
        )
    assert "python -m resnet_lib.mark" in marking and "resnet-mark" in marking
    assert "nbgrader" in marking and "otter" in marking


# ------------------------------------------------------------ offline


@pytest.mark.parametrize(
    "layout, make",
    [
        (
            "torchvision",
            lambda root: (root / "cifar-10-batches-py").mkdir(parents=True),
        ),
        (
            "image folder",
            lambda root: (root / "train" / "airplane").mkdir(parents=True),
        ),
        ("image-folder archive", None),
    ],
)
def test_the_data_layouts_the_page_names_are_the_loaders(
    tmp_path, layout, make
):
    from resnet_lib.data import ENV_VAR, _local_layout

    root = tmp_path / "cifar10"
    if make:
        make(root)
    else:
        root = tmp_path / "cifar10-jpeg.tar.gz"
        root.write_bytes(b"")
    assert _local_layout(root) == layout
    offline = section("A lab with no internet")
    assert (
        f"export {ENV_VAR}=" in offline
        and "cifar-10-batches-py" in offline
        and ".tar.gz" in offline
    )
    assert (
        "pip download -d wheels/" in offline
        and "pip install --no-index --find-links wheels/" in offline
    )
