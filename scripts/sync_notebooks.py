"""Keep every chapter's Colab setup cell and its .ipynb twins in sync.

For each chapter listed in _toc.yml (a MyST Markdown notebook in book/):

1. its first code cell is the Colab setup cell, written from the repository URL in
   _config.yml (the one place it is configured);
2. its twins are regenerated (no outputs), written as a learner reads them, with every
   MyST construct converted (see learner_notebook.py): notebooks/<name>.ipynb with the
   solutions folded, and notebooks/student/<name>.ipynb with no solutions at all.

The twins are generated, not paired: edit the chapter in book/, then run this.

    python scripts/sync_notebooks.py          # write
    python scripts/sync_notebooks.py --check  # exit 1 and list what is out of date
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import jupytext
import nbformat
import yaml
from learner_notebook import SETUP_MARKER, convert, toc_files

from resnet_lib.i18n import SOURCE_LANGUAGE

ROOT = Path(__file__).resolve().parents[1]
TWINS = ROOT / "notebooks"
#: where each edition's twins go (the student edition of the book launches the second)
TWIN_DIRS = {"full": TWINS, "student": TWINS / "student"}
#: the translated twins, by language: the same editions in a folder of their own
#: (the Chinese edition of the book launches notebooks/zh)
LANGUAGES = {"zh_CN": "zh"}


def twin_dirs() -> dict[tuple[str, str], Path]:
    """(edition, language) -> the folder of its twins."""
    dirs = {(e, SOURCE_LANGUAGE): d for e, d in TWIN_DIRS.items()}
    for language, folder in LANGUAGES.items():
        for edition, d in TWIN_DIRS.items():
            dirs[edition, language] = TWINS / folder / d.relative_to(TWINS)
    return dirs


def repository() -> tuple[str, str]:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def setup_cell_source() -> str:
    url, branch = repository()
    return (
        f"{SETUP_MARKER}: install what Colab lacks (resnet_lib from this book's repository,\n"
        "# torchinfo). Colab's own torch is kept; outside Colab nothing happens.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install --quiet torchinfo "resnet_lib @ git+{url}@{branch}"'
    )


def chapters() -> list[Path]:
    """The executable chapters (MyST notebooks with a jupytext header) listed in _toc.yml."""
    paths = [ROOT / f"{f}.md" for f in toc_files()]
    return [
        p for p in paths if p.exists() and "jupytext" in p.read_text()[:400]
    ]


def expected(md: Path) -> tuple[str, dict[str, nbformat.NotebookNode]]:
    """The chapter text with an up-to-date setup cell, and its twin for each edition."""
    nb = jupytext.read(md)
    code = [c for c in nb.cells if c.cell_type == "code"]
    setup = nbformat.v4.new_code_cell(
        setup_cell_source(), metadata={"tags": ["remove-cell"]}
    )
    if code and code[0].source.startswith(SETUP_MARKER):
        nb.cells[nb.cells.index(code[0])] = setup
    else:
        first_code = nb.cells.index(code[0]) if code else len(nb.cells)
        nb.cells.insert(first_code, setup)
    nb.metadata.setdefault("jupytext", {}).pop(
        "formats", None
    )  # generated twins, not a jupytext pair
    text = keep_tool_version(
        jupytext.writes(nb, fmt="md:myst"), md.read_text()
    )
    pages = toc_files()
    chapter = jupytext.reads(text, fmt="md:myst")
    return text, {
        (edition, language): convert(md, edition, chapter, pages, language)
        for edition, language in twin_dirs()
    }


#: the header line naming the jupytext release that last wrote a chapter
TOOL_VERSION = re.compile(r"^(\s*jupytext_version:).*$", re.M)


def keep_tool_version(text: str, chapter: str) -> str:
    """``text`` with the ``jupytext_version`` line of ``chapter``'s header.

    jupytext writes its own release into the header; which patch release pip resolved
    says nothing about the chapter (the format is ``format_version``, compared as
    written), so a regenerated chapter keeps the line it has and the check does not
    depend on the installed jupytext.
    """
    mine = TOOL_VERSION.search(chapter)
    if mine is None:
        return text
    return TOOL_VERSION.sub(lambda _: mine.group(0), text, count=1)


def twin_path(
    md: Path, edition: str = "full", language: str = SOURCE_LANGUAGE
) -> Path:
    return twin_dirs()[edition, language] / f"{md.stem}.ipynb"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--check", action="store_true", help="only report what is out of date"
    )
    args = parser.parse_args(argv)
    stale = []
    for folder in twin_dirs().values():
        folder.mkdir(parents=True, exist_ok=True)
    for md in chapters():
        text, twins = expected(md)
        if md.read_text() != text:
            stale.append(
                f"{md.relative_to(ROOT)} (setup cell or jupytext header)"
            )
            if not args.check:
                md.write_text(text)
        for (edition, language), twin in twins.items():
            twin_text = nbformat.writes(twin) + "\n"
            out = twin_path(md, edition, language)
            if not out.exists() or out.read_text() != twin_text:
                stale.append(
                    f"{out.relative_to(ROOT)} ({edition} twin of {md.name})"
                )
                if not args.check:
                    out.write_text(twin_text)
    for (edition, language), folder in twin_dirs().items():
        known = {twin_path(md, edition, language).name for md in chapters()}
        for p in folder.glob("*.ipynb"):
            if p.name not in known:
                stale.append(f"{p.relative_to(ROOT)} (no chapter in _toc.yml)")
                if not args.check:
                    p.unlink()
    if args.check and stale:
        print("Out of date; run `make twins`:\n  " + "\n  ".join(stale))
        return 1
    print(
        "\n".join(f"updated {s}" for s in stale)
        or "all chapters and twins in sync"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
