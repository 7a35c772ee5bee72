"""Build the Chinese edition from the same chapters and the catalogs in ``locales/zh_CN``.

The pages' text comes from the book's translation catalogs (see ``make catalogs`` and
the README's *Translating*), glued numbers included (the book's Sphinx extension lends
a page's glue data to its translated paragraphs). What the code writes onto the pages
(glued sentences, figures' words, tables, printed lines, checkers' feedback) is written
in Chinese by the code itself: the chapters are executed with ``RESNET_LANG=zh_CN``
(scripts/execute_book.py ``--language zh_CN``) into an execution cache of their own,
the trained networks coming from the English execution's cache. It writes
_build/zh/_config.yml, the book's _config.yml with ``language: zh_CN`` and that
execution cache, the catalogs' folder, the Chinese Colab notebooks (``notebooks/zh``)
behind the launch buttons and a language switch back to the English pages, builds into
_build/zh/_build/html, and publishes the result under ``zh/`` of the English book
(_build/html/zh), where the English pages' language switch leads.

    python scripts/build_zh.py             # after the English build (`make book`)
    python scripts/build_zh.py --student   # after the English student edition

With ``--student`` it builds the Chinese student edition the same way (no solutions,
the Chinese students' notebooks behind its buttons) into _build/student-zh and
publishes it under ``zh/`` of the English student edition (<book>/student/zh/).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import yaml

import execute_book
from editions import LOCALES, ROOT, TRANSLATION, build, edition_config
from learner_notebook import book_title, edition_folder, language_url

LANGUAGE = "zh_CN"
#: (where it is built, where it is published beside its English edition), by edition
EDITIONS = {
    "full": (ROOT / "_build" / "zh", ROOT / "_build" / "html" / "zh"),
    "student": (
        ROOT / "_build" / "student-zh",
        ROOT / "_build" / "student" / "_build" / "html" / "zh",
    ),
}


def translated_toc(out: Path) -> Path:
    """_toc.yml with its part captions (the sidebar's headings) from
    ``locales/zh_CN/LC_MESSAGES/toc.po`` (``make catalogs`` writes it), in ``out``."""
    from babel.messages.pofile import read_po

    with (LOCALES / LANGUAGE / "LC_MESSAGES" / "toc.po").open("rb") as f:
        captions = {m.id: m.string for m in read_po(f) if m.id and m.string}
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    for part in toc.get("parts", []):
        part["caption"] = captions.get(part["caption"], part["caption"])
    out.mkdir(parents=True, exist_ok=True)
    path = out / "_toc.yml"
    path.write_text(yaml.safe_dump(toc, sort_keys=False, allow_unicode=True))
    return path


def main(argv: list[str] | None = None) -> int:
    argv = list(argv or [])
    edition = "student" if "--student" in argv else "full"
    argv = [a for a in argv if a != "--student"]
    out, published = EDITIONS[edition]
    html = out / "_build" / "html"
    settings: dict = dict(
        language=LANGUAGE,
        twin_dir="notebooks/zh"
        if edition == "full"
        else "notebooks/zh/student",
        edition_switch={"English": "../"},
        # where it is in the site ("zh/", "student/zh/"), for the links to the others
        edition_root=edition_folder(edition, LANGUAGE),
        **TRANSLATION,
    )
    if edition == "student":  # as scripts/build_student.py, in Chinese
        settings.update(
            hide_solutions=True,
            html_copy_source=False,
            html_show_sourcelink=False,
        )
    config = edition_config(**settings)
    config["title"] = book_title(LANGUAGE) + (
        "（学生版）" if edition == "student" else ""
    )
    config["html"]["baseurl"] = language_url(edition, LANGUAGE)
    config.setdefault("execute", {})["cache"] = execute_book.cache_path(
        LANGUAGE
    )
    # the chapters executed in Chinese (a chapter missing from that cache is executed
    # by the build, with the same language, which its kernel inherits)
    os.environ["RESNET_LANG"] = LANGUAGE
    execute_book.main(["--language", LANGUAGE])
    # every page read again (--all): Sphinx sees no change in a chapter whose
    # executed outputs changed
    status = build(
        config,
        out,
        "--toc",
        str(translated_toc(out)),
        "-W",
        "-n",
        "--keep-going",
        "--all",
        *argv,
    )
    if status != 0:
        return status
    if not (published.parent / "index.html").exists():
        print(
            f"The English {edition} edition is not built, so the Chinese one is not "
            f"published beside it: see file://{html / 'index.html'}"
        )
        return 1
    shutil.rmtree(published, ignore_errors=True)
    shutil.copytree(html, published)
    print(
        f"The Chinese {edition} edition is at file://{published / 'index.html'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
