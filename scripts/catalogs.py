"""Update the translation catalogs from the English chapters (Sphinx's gettext workflow).

The English chapters are the source. This extracts every translatable message of the
book (paragraphs, headings, list items, admonitions, exercise text; MyST roles such as
``{glue:text}`n_test``` stay in the message, to be kept as they are in a translation)
into ``.pot`` templates with Sphinx's ``gettext`` builder, then merges them into
``locales/<language>/LC_MESSAGES/book/<chapter>.po`` with sphinx-intl: a new English
paragraph arrives untranslated, a changed one is marked fuzzy (its old translation kept
as a suggestion), a removed one is dropped. The notebooks are not executed: the messages
are the chapters' own text, not their outputs.

The part captions of _toc.yml (the sidebar's headings) go to
``locales/<language>/LC_MESSAGES/toc.po`` the same way.

The words that code writes onto the pages (glued sentences, figure labels, table
headers, the checkers' feedback) are the library's messages: every string passed to
``_``, ``N_`` or ``Text`` in ``resnet_lib/`` and in the chapters' code cells, extracted
with Babel into ``resnet_lib/locale/<language>/LC_MESSAGES/resnet_lib.po`` (in the
package, so that the Colab notebooks have it), merged the same way.

    make catalogs                      # or: python scripts/catalogs.py --language zh_CN

Then translate the empty and fuzzy ``msgstr`` of the ``.po`` files (any PO editor, or a
text editor; remove the ``fuzzy`` flag once a translation is checked). It prints, per
catalog, how many messages are translated, fuzzy and untranslated.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
from pathlib import Path

from editions import LOCALES, ROOT, TRANSLATION, build, edition_config

OUT = ROOT / "_build" / "gettext"
POT = OUT / "_build" / "gettext"


def extract() -> Path:
    """Write the .pot templates (one per chapter) and return their folder."""
    config = edition_config(**TRANSLATION)
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    shutil.rmtree(POT, ignore_errors=True)
    # without execution the glued values are missing: those warnings are expected
    status = build(
        config,
        OUT,
        "--builder",
        "custom",
        "--custom-builder",
        "gettext",
        "--quiet",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if status != 0 or not list(POT.rglob("*.pot")):
        raise SystemExit(f"the gettext build wrote no .pot file under {POT}")
    return POT


def update(pot: Path, language: str) -> None:
    """Merge the templates into the language's catalogs (sphinx-intl)."""
    tool = Path(sys.executable).parent / "sphinx-intl"
    if not tool.exists():
        raise SystemExit(
            "sphinx-intl is not installed: pip install -e '.[translate]'"
        )
    subprocess.run(
        [
            str(tool),
            "update",
            "-p",
            str(pot),
            "-l",
            language,
            "-d",
            str(LOCALES),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


#: the functions whose first argument is a message (resnet_lib.i18n)
KEYWORDS = {"_": None, "N_": None, "gettext": None, "Text": None}
LIBRARY = ROOT / "resnet_lib"


def _code_sources() -> list[tuple[str, str]]:
    """(where, Python source) of the library's modules and the chapters' code."""
    import jupytext

    # the library, and the notebook generator's own words (a twin's note, an
    # exercise's heading)
    sources = [
        (p.relative_to(ROOT).as_posix(), p.read_text(encoding="utf-8"))
        for p in [
            *sorted(LIBRARY.rglob("*.py")),
            ROOT / "scripts" / "learner_notebook.py",
        ]
    ]
    for chapter in sorted((ROOT / "book").glob("*.md")):
        notebook = jupytext.read(chapter)
        cells = [
            "\n".join(
                line
                for line in cell.source.splitlines()
                if not line.lstrip().startswith(("%", "!"))
            )
            for cell in notebook.cells
            if cell.cell_type == "code"
        ]
        if cells:
            sources.append(
                (chapter.relative_to(ROOT).as_posix(), "\n\n".join(cells))
            )
    return sources


def extract_code():
    """The template of the library's catalog: every message in the code."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract as babel_extract

    template = Catalog(project="resnet_lib", domain="resnet_lib")
    for where, source in _code_sources():
        found = babel_extract(
            "python", io.BytesIO(source.encode()), keywords=KEYWORDS
        )
        for line, message, comments, context in found:
            template.add(message, locations=[(where, line)], context=context)
    add_code_comments(template)
    return template


def add_code_comments(template) -> None:
    """Add the chapters' code comments that a translated twin shows translated
    (:func:`resnet_lib.book.language.code_comments`) to the library's template."""
    import jupytext

    from resnet_lib.book.language import code_comments, comment_text

    for chapter in sorted((ROOT / "book").glob("*.md")):
        where = chapter.relative_to(ROOT).as_posix()
        for cell in jupytext.read(chapter).cells:
            if cell.cell_type != "code":
                continue
            for tok in code_comments(cell.source):
                template.add(
                    comment_text(tok),
                    locations=[(where, tok.start[0])],
                    auto_comments=["a comment in the chapter's code"],
                )


def merge(template, path: Path, language: str) -> Path:
    """Merge a Babel template into the catalog at ``path`` (new messages empty,
    changed ones fuzzy, removed ones dropped, as sphinx-intl does)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    if path.exists():
        with path.open("rb") as f:
            catalog = read_po(f)
        # unchanged messages, unchanged file
        template.creation_date = catalog.creation_date
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(
            locale=language,
            project=template.project,
            domain=template.domain,
            fuzzy=False,
        )
    catalog.update(template)
    catalog.obsolete.clear()
    with path.open("wb") as f:
        write_po(f, catalog, width=79, omit_header=False)
    return path


def update_code(language: str) -> Path:
    """Merge the code's messages into the library's catalog for ``language``."""
    path = LIBRARY / "locale" / language / "LC_MESSAGES" / "resnet_lib.po"
    return merge(extract_code(), path, language)


def toc_catalog(language: str) -> Path:
    """The catalog of _toc.yml's part captions (the sidebar's headings), which
    Sphinx's gettext does not see: ``locales/<language>/LC_MESSAGES/toc.po``."""
    return LOCALES / language / "LC_MESSAGES" / "toc.po"


def update_toc(language: str) -> Path:
    """Merge _toc.yml's part captions into :func:`toc_catalog`."""
    import yaml
    from babel.messages.catalog import Catalog

    template = Catalog(project="resnet-book", domain="toc")
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    for part in toc.get("parts", []):
        template.add(part["caption"], locations=[("_toc.yml", 0)])
    return merge(template, toc_catalog(language), language)


def report(language: str) -> list[tuple[str, int, int, int]]:
    """``(catalog, translated, fuzzy, untranslated)`` for every catalog of a language."""
    from babel.messages.pofile import read_po

    rows = []
    folder = LOCALES / language / "LC_MESSAGES"
    code = LIBRARY / "locale" / language / "LC_MESSAGES" / "resnet_lib.po"
    for po in [*sorted(folder.rglob("*.po")), code]:
        with po.open("rb") as f:
            catalog = read_po(f)
        messages = [m for m in catalog if m.id]
        fuzzy = sum(m.fuzzy for m in messages)
        done = sum(bool(m.string) and not m.fuzzy for m in messages)
        rows.append(
            (
                po.relative_to(
                    folder if po.is_relative_to(folder) else ROOT
                ).as_posix(),
                done,
                fuzzy,
                len(messages) - done - fuzzy,
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", default="zh_CN")
    args = parser.parse_args(argv)
    update(extract(), args.language)
    update_code(args.language)
    update_toc(args.language)
    rows = report(args.language)
    width = max(len(r[0]) for r in rows)
    print(f"{'catalog':<{width}}  translated  fuzzy  untranslated")
    for name, done, fuzzy, todo in rows:
        print(f"{name:<{width}}  {done:10}  {fuzzy:5}  {todo:12}")
    total = [sum(r[i] for r in rows) for i in (1, 2, 3)]
    print(f"{'all':<{width}}  {total[0]:10}  {total[1]:5}  {total[2]:12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
