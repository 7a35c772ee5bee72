"""A chapter's visible code reads as ResNet code (issue 24): the words it writes onto
the page (translated messages, glued sentences) are chosen by the library's page
modules (resnet_lib.book.pages), not by the chapter's cells."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("*.md"))
CELL = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", re.S)
#: a call of the translation or glue plumbing
PLUMBING = re.compile(r"(?<![\w.])(_|N_|Text|glue|glue_all)\(")
HIDDEN = ("remove-cell", "remove-input", "hide-input")


def cells(md: Path) -> list[tuple[bool, list[str]]]:
    """(hidden, non-blank lines of code) for each code cell of a chapter."""
    found = []
    for source in CELL.findall(md.read_text()):
        lines = source.split("\n")
        options = ""
        if lines and lines[0].strip() == "---":  # a YAML block of options
            end = lines.index("---", 1)
            options, lines = "\n".join(lines[1:end]), lines[end + 1 :]
        while lines and lines[0].startswith(":"):  # :tags: [...]
            options, lines = options + lines[0], lines[1:]
        hidden = any(tag in options for tag in HIDDEN)
        found.append((hidden, [line for line in lines if line.strip()]))
    return found


def test_at_most_5_percent_of_the_visible_code_is_plumbing():
    shown = [
        line
        for md in CHAPTERS
        for hidden, code in cells(md)
        if not hidden
        for line in code
    ]
    plumbing = [line for line in shown if PLUMBING.search(line)]
    assert len(shown) > 500  # the chapters were read
    assert len(plumbing) <= 0.05 * len(shown), (
        f"{len(plumbing)} of {len(shown)} visible lines call _, N_, Text or "
        f"glue: {plumbing[:8]}"
    )


@pytest.mark.parametrize("md", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_no_hidden_cell_is_longer_than_15_lines(md):
    long = [
        len(code) for hidden, code in cells(md) if hidden and len(code) > 15
    ]
    assert not long, f"{md.stem}: hidden cells of {long} lines"


def test_the_counter_sees_plumbing_and_hidden_cells(tmp_path):
    md = tmp_path / "page.md"
    md.write_text(
        "```{code-cell} ipython3\nx = 1\nprint(_('word'))\n```\n"
        "```{code-cell} ipython3\n:tags: [remove-input]\n\n"
        + "glue('a', 1)\n" * 16
        + "```\n"
    )
    (shown, first), (hidden, second) = cells(md)
    assert not shown and [bool(PLUMBING.search(x)) for x in first] == [
        False,
        True,
    ]
    assert hidden and len(second) == 16
