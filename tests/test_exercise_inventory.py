"""Every chapter's exercises, read from the chapter sources (no build needed).

Issue: every chapter in the table of contents ends with at least three exercises, at least
one conceptual and at least one coding exercise with a checker from resnet_lib.exercises;
every exercise has a solution folded in a dropdown; the teachers' page lists them all.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import sync_notebooks  # noqa: E402

# the root page introduces the book; every other executable page in the toc is a chapter
ROOT_PAGE = sync_notebooks.toc_files()[0]
CHAPTERS = [
    p
    for p in sync_notebooks.chapters()
    if p.relative_to(ROOT).with_suffix("").as_posix() != ROOT_PAGE
]

DIRECTIVE = re.compile(
    r"^:::\{(exercise|solution)\}[ \t]*(\S*)\n(.*?)^:::[ \t]*$", re.M | re.S
)
CHECK_CALL = re.compile(r"^\s*(check_\w+)\(", re.M)
CHECKER_MODULES = [
    importlib.import_module(f"resnet_lib.exercises.{m.name}")
    for m in pkgutil.iter_modules(
        importlib.import_module("resnet_lib.exercises").__path__
    )
]


@dataclass
class Exercise:
    label: str
    statement: str
    end: int  # where the exercise directive ends in the chapter
    between: str = ""  # the text between the exercise and its solution: code cells live here
    solution: str | None = None
    solution_options: str = ""

    @property
    def checkers(self) -> list[str]:
        cells = re.findall(
            r"```\{code-cell\}[^\n]*\n(.*?)```", self.between, re.S
        )
        return [name for cell in cells for name in CHECK_CALL.findall(cell)]


def exercises(md: Path) -> list[Exercise]:
    text = md.read_text()
    found: dict[str, Exercise] = {}
    for m in DIRECTIVE.finditer(text):
        kind, arg, body = m.groups()
        options = "\n".join(
            line for line in body.splitlines() if line.startswith(":")
        )
        if kind == "exercise":
            label = re.search(r"^:label:\s*(\S+)", options, re.M)
            assert label, (
                f"{md.name}: an exercise without a :label: (the teachers' page links to each)"
            )
            found[label.group(1)] = Exercise(label.group(1), body, m.end())
        else:
            assert arg in found, (
                f"{md.name}: solution to unknown exercise {arg!r}"
            )
            ex = found[arg]
            ex.between, ex.solution, ex.solution_options = (
                text[ex.end : m.start()],
                body,
                options,
            )
    return list(found.values())


def test_the_book_has_chapters_to_check():
    assert len(CHAPTERS) >= 8, [p.name for p in CHAPTERS]


@pytest.mark.parametrize("md", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_ends_with_conceptual_and_checked_coding_exercises(md):
    exs = exercises(md)
    assert len(exs) >= 3, (
        f"{md.name} has {len(exs)} exercises; every chapter needs at least 3"
    )
    coding = [e for e in exs if e.checkers]
    conceptual = [e for e in exs if "code-cell" not in e.between]
    assert coding, (
        f"{md.name}: no exercise is followed by a code cell that calls a checker"
    )
    assert conceptual, f"{md.name}: no conceptual (prose-only) exercise"
    for e in coding:
        for name in e.checkers:
            assert any(hasattr(m, name) for m in CHECKER_MODULES), (
                f"{md.name}: {e.label} calls {name}, which resnet_lib.exercises does not define"
            )
    # the exercises come last: nothing but exercises, their checker cells and solutions after the first one
    text = md.read_text()
    assert "\n## " not in text[text.index(":::{exercise}") :], (
        f"{md.name}: a section follows the exercises"
    )


@pytest.mark.parametrize("md", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_exercise_has_a_hidden_solution(md):
    for e in exercises(md):
        assert e.solution is not None and e.solution.strip(), (
            f"{md.name}: {e.label} has no solution"
        )
        assert re.search(
            r"^:class:.*\bdropdown\b", e.solution_options, re.M
        ), (
            f"{md.name}: the solution of {e.label} is not folded (add `:class: dropdown`)"
        )


def test_teachers_page_lists_every_exercise_once():
    # rows start with {ref}`label` or {ref}`title <label>`
    listed = re.findall(
        r"^\| \{ref\}`(?:[^`<]*<)?([^`<>]+)>?`",
        (ROOT / "book" / "teachers.md").read_text(),
        re.M,
    )
    labels = [e.label for md in CHAPTERS for e in exercises(md)]
    assert sorted(listed) == sorted(labels), (
        f"missing from book/teachers.md: {sorted(set(labels) - set(listed))}; "
        f"listed but not in any chapter: {sorted(set(listed) - set(labels))}"
    )
    assert len(listed) == len(set(listed)), "an exercise is listed twice"


def test_parser_reads_a_known_chapter():
    """The parser itself: the training chapter's known exercises and checkers."""
    exs = {
        e.label: e for e in exercises(ROOT / "book" / "training-cifar10.md")
    }
    assert exs["ex-training-epochs"].checkers == ["check_epochs"]
    assert exs["ex-training-recipe"].checkers == []
    assert "182 epochs" in exs["ex-training-epochs"].solution


def _names(code: str) -> tuple[set[str], set[str]]:
    """The names a cell binds and the names it reads (IPython's magic lines left out)."""
    import ast

    lines = code.splitlines()
    if lines and lines[0].strip() == "---":  # the cell's options, as YAML
        lines = lines[lines.index("---", 1) + 1 :]
    while lines and lines[0].startswith(":"):  # the cell's options, one a line
        lines = lines[1:]
    tree = ast.parse(
        "\n".join(  # a magic line becomes `pass`, where it stands
            line[: len(line) - len(line.lstrip())] + "pass"
            if line.lstrip().startswith(("%", "!"))
            else line
            for line in lines
        )
    )
    bound, read = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
            bound |= {a.arg for a in ast.walk(node) if isinstance(a, ast.arg)}
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound, read


@pytest.mark.parametrize("md", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_exercise_cell_runs_after_the_chapter_without_the_other_exercises(
    md,
):
    """Issue 26: a learner may open a chapter at its third exercise. Every name an
    exercise's cells read is theirs, the chapter's (a cell outside the exercises) or
    Python's: never one that only another exercise's cell defines (exercise 3 of
    basic-vs-bottleneck called check_block_params, imported in exercise 2's cell)."""
    import builtins

    text = md.read_text()
    cell = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", re.S)
    found = exercises(md)
    spans = [(ex.end, ex.end + len(ex.between), ex.label) for ex in found]
    chapter, own = set(dir(builtins)), {}
    for m in cell.finditer(text):
        label = next((lab for a, b, lab in spans if a <= m.start() < b), None)
        bound, read = _names(m.group(1))
        if label is None:
            chapter |= bound
        else:
            cells = own.setdefault(label, [set(), set()])
            cells[0] |= bound
            cells[1] |= read
    borrowed = {
        label: sorted(read - bound - chapter)
        for label, (bound, read) in own.items()
        if read - bound - chapter
    }
    assert not borrowed, (
        f"{md.name}: exercise cells read names they do not define: {borrowed}"
    )


def test_the_cell_check_sees_a_borrowed_name():
    bound, read = _names(
        ":tags: [x]\nanswer = None\ncheck_block_params(answer, block='basic')\n%pip list"
    )
    assert read - bound == {"check_block_params"}
