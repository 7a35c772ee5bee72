"""Write the computed tables of the teachers' page (book/teachers.md) from their sources.

Two tables on that page are generated, each between a pair of MyST comment lines
(``% BEGIN <name>`` ... ``% END <name>``), so that they cannot drift from what they describe:

- ``reading-times``: per chapter, the reading time from its prose (words before its
  Exercises section, without code cells, at WORDS_PER_MINUTE) and the time for its
  exercises (their difficulty in the page's exercise table, at MINUTES_PER_EXERCISE);
- ``bug-bank``: the find-the-bug exercises of ``resnet_lib.exercises.bugbank.BUGS``,
  grouped by the chapter each belongs with, in book order, with their symptoms (up to the
  first colon: see :func:`headline`).

    python scripts/teachers_page.py          # rewrite the tables in book/teachers.md
    python scripts/teachers_page.py --check  # exit 1 if a table is out of date (tests run this)
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import sync_notebooks  # noqa: E402  (the chapters of _toc.yml, in book order)

PAGE = ROOT / "book" / "teachers.md"
WORDS_PER_MINUTE = 200  # an unhurried reading speed for technical prose
#: an estimate of a student's time per exercise, by its difficulty in the exercise table
MINUTES_PER_EXERCISE = {"easy": 5, "medium": 10, "hard": 20}
AFTER_2015 = "after 2015"  # BUGS' chapter for bugs of later architectures (ResNeXt, pre-activation)

_EXERCISE = re.compile(
    r"^:::\{exercise\}[^\n]*\n(.*?)^:::[ \t]*$", re.M | re.S
)
_LABEL = re.compile(r"^:label:\s*(\S+)", re.M)
# a row of the exercise table: | {ref}`title <label>` | chapter | kind | difficulty |
_ROW = re.compile(
    r"^\| \{ref\}`(?:[^`<]*<)?([^`<>]+)>?` \|[^|\n]*\|[^|\n]*\|\s*(\w+)\s*\|\s*$",
    re.M,
)


# ---------------------------------------------------------------- sources


def chapters() -> list[Path]:
    """The chapters in book order: every executable page of _toc.yml but the root page."""
    root_page = ROOT / f"{sync_notebooks.toc_files()[0]}.md"
    return [p for p in sync_notebooks.chapters() if p != root_page]


def parts() -> dict[str, str]:
    """chapter name -> the caption of its part in _toc.yml."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return {
        Path(c["file"]).name: part["caption"]
        for part in toc.get("parts", [])
        for c in part["chapters"]
    }


def prose(markdown: str) -> str:
    """The prose a student reads before a chapter's exercises: no front matter, no code
    (code cells, code blocks, included source), no directive options, labels or comments."""
    text = re.sub(r"\A---\n.*?\n---\n", "", markdown, flags=re.S)
    text = re.sub(
        r"<!--.*?-->", "", text.split("\n## Exercises", 1)[0], flags=re.S
    )
    kept, fence, drop = [], None, False
    for line in text.splitlines():
        opening = re.match(r"\s*(`{3,}|~{3,})\s*(\S*)", line)
        if fence is None and opening:
            fence, info = opening.group(1), opening.group(2)
            drop = not info.startswith("{") or info.startswith(
                ("{code-cell}", "{code-block}", "{code}")
            )
            continue
        if fence is not None and re.match(rf"\s*{re.escape(fence)}\s*$", line):
            fence = None
            continue
        if drop and fence is not None:
            continue
        if not re.match(
            r"\s*(:::|:[\w-]+:(\s|$)|%|\+\+\+|\(\S+\)=\s*$)", line
        ):
            kept.append(line)
    return "\n".join(kept)


def count_words(text: str) -> int:
    """Whitespace-separated tokens holding a letter or a digit."""
    return sum(1 for token in text.split() if re.search(r"[A-Za-z0-9]", token))


def reading_minutes(words: int) -> int:
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def exercise_labels(markdown: str) -> list[str]:
    return [
        m.group(1)
        for body in _EXERCISE.findall(markdown)
        for m in [_LABEL.search(body)]
        if m
    ]


def difficulties(page: str) -> dict[str, str]:
    """exercise label -> its difficulty, from the rows of the page's exercise table."""
    found = dict(_ROW.findall(page))
    unknown = {
        label: d for label, d in found.items() if d not in MINUTES_PER_EXERCISE
    }
    if unknown:
        raise ValueError(
            f"difficulty must be one of {', '.join(MINUTES_PER_EXERCISE)}; got {unknown}"
        )
    return found


@dataclass
class ChapterTime:
    chapter: str  # file name without .md
    part: str
    words: int
    by_difficulty: dict[str, int]  # difficulty -> number of exercises

    @property
    def reading(self) -> int:
        return reading_minutes(self.words)

    @property
    def exercises(self) -> int:
        return sum(
            MINUTES_PER_EXERCISE[d] * n for d, n in self.by_difficulty.items()
        )


def chapter_times(page: str) -> list[ChapterTime]:
    level = difficulties(page)
    part_of = parts()
    times = []
    for md in chapters():
        text = md.read_text()
        labels = exercise_labels(text)
        missing = [label for label in labels if label not in level]
        if missing:
            raise ValueError(
                f"{md.name}: {missing} not in the exercise table of {PAGE.name}"
            )
        counts = {
            d: sum(1 for label in labels if level[label] == d)
            for d in MINUTES_PER_EXERCISE
        }
        times.append(
            ChapterTime(
                md.stem,
                part_of.get(md.stem, ""),
                count_words(prose(text)),
                counts,
            )
        )
    return times


# ---------------------------------------------------------------- tables


def reading_table(page: str) -> str:
    rows = [
        "| chapter | part | reading (min) | exercises: easy / medium / hard "
        "| exercises (min, estimate) | total (min) |",
        "|---|---|---|---|---|---|",
    ]
    for t in chapter_times(page):
        n = t.by_difficulty
        rows.append(
            f"| {{doc}}`{t.chapter}` | {t.part} | {t.reading} | {n['easy']} / {n['medium']} / {n['hard']} "
            f"| {t.exercises} | {t.reading + t.exercises} |"
        )
    return "\n".join(rows)


def bug_rows() -> list[tuple[str, str, str, str, str]]:
    """(chapter, id, title, difficulty, symptom) for every bug, grouped by chapter in book order."""
    from resnet_lib.exercises.bugbank import BUGS

    order = [md.stem for md in chapters()] + [AFTER_2015]
    bugs = sorted(
        BUGS.values(),
        key=lambda b: (
            order.index(b.chapter) if b.chapter in order else len(order),
            list(MINUTES_PER_EXERCISE).index(b.difficulty),
        ),
    )
    return [
        (b.chapter, b.id, b.title, b.difficulty, headline(b.symptom))
        for b in bugs
    ]


def headline(symptom: str) -> str:
    """A bug's symptom up to its first colon. What follows explains it, and can be the answer
    an exercise asks for: this page is in the student edition too, which holds no solution."""
    depth = 0
    for i, c in enumerate(symptom):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth == 0 and symptom.startswith(": ", i):
            return symptom[:i]
    return symptom


def bug_table() -> str:
    rows = [
        "| belongs with | bug (`check_fix(..., bug=...)`) | exercise | difficulty | symptom |",
        "|---|---|---|---|---|",
    ]
    for chapter, bug_id, title, difficulty, symptom in bug_rows():
        where = (
            "{doc}`find-the-bug` (after 2015: ResNeXt, pre-activation)"
            if chapter == AFTER_2015
            else f"{{doc}}`{chapter}`"
        )
        rows.append(
            f"| {where} | `{bug_id}` | {title} | {difficulty} | {symptom.replace('|', chr(92) + '|')} |"
        )
    return "\n".join(rows)


TABLES = {"reading-times": reading_table, "bug-bank": lambda page: bug_table()}


def block(page: str, name: str) -> re.Match:
    m = re.search(
        rf"^% BEGIN {name}\b[^\n]*\n\n(.*?)\n\n% END {name}[ \t]*$",
        page,
        re.M | re.S,
    )
    if not m:
        raise ValueError(
            f"{PAGE.name} has no '% BEGIN {name}' ... '% END {name}' block (blank lines around the table)"
        )
    return m


def updated(page: str) -> str:
    for name, make in TABLES.items():
        m = block(page, name)
        page = page[: m.start(1)] + make(page) + page[m.end(1) :]
    return page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if a table is out of date; write nothing",
    )
    args = parser.parse_args(argv)
    page = PAGE.read_text()
    new = updated(page)
    if new == page:
        return 0
    stale = [
        name
        for name in TABLES
        if block(page, name).group(1) != block(new, name).group(1)
    ]
    if args.check:
        print(
            f"{PAGE.relative_to(ROOT)}: out of date: {', '.join(stale)}; run python scripts/teachers_page.py",
            file=sys.stderr,
        )
        return 1
    PAGE.write_text(new)
    print(f"rewrote {', '.join(stale)} in {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
