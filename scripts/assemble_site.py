"""Assemble the published site from the built editions: one folder, laid out as served.

The book is published at its address (book_build.book_url: the GitHub Pages address
of ``repository.url`` in _config.yml, or its ``html.baseurl``; GitHub Pages:
.github/workflows/publish.yml uploads this folder), every edition at the address its
pages and notebooks already link to:

    /              the book                      make book     (_build/html)
    zh/            its Chinese edition           make book     (scripts/build_zh.py)
    student/       the student edition           make student  (scripts/build_student.py)
    student/zh/    the Chinese student edition   make student  (build_zh.py --student)
    404.html       the page the host serves for an address it has no page for

The layout is fixed by the builds, not chosen here: the language switch of every page
links ``zh/`` and ``../`` (book/_ext/book_build.py, ``edition_switch``), and the Colab
notebooks link the pages at ``<baseurl>``, ``<baseurl>student/`` and their ``zh/``
(scripts/learner_notebook.py, ``language_url``). Each edition is copied as it was built,
less what a reader never asks for: Sphinx's build records (``.buildinfo``,
``.doctrees``) and, in the student editions, any ``_sources/`` (the chapters' sources
hold every solution; those editions are built without them). Nothing is built here:
an edition that is not built stops it, with the command that builds it.

    python scripts/assemble_site.py             # into _build/site (`make site`)
    python scripts/assemble_site.py --out DIR
"""

from __future__ import annotations

import argparse
import html
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import build_zh  # noqa: E402  (where each edition is built)
from learner_notebook import book_title, edition_folder, edition_url  # noqa: E402
from resnet_lib.i18n import SOURCE_LANGUAGE  # noqa: E402

OUT = ROOT / "_build" / "site"
#: what no edition publishes: Sphinx's records of its build
BUILD_RECORDS = {".buildinfo", ".doctrees"}


@dataclass(frozen=True)
class Edition:
    name: str  # for the reader of an error message
    built: Path  # the folder its build writes (its index.html)
    published: str  # its folder in the site: "" (the root) or "name/"
    command: str  # what builds it
    sources: bool  # whether its _sources/ (the chapters' .md) are published
    language: str  # as in learner_notebook: "en", "zh_CN"
    label: str  # its name in its language, on the 404 page


def _edition(kind: str, language: str, name: str, label: str) -> Edition:
    """The edition ``kind`` ("full" or "student") in ``language``, as its build leaves
    it: a Chinese edition is built inside its English one's folder."""
    chinese = build_zh.EDITIONS[kind][1]
    return Edition(
        name,
        chinese.parent if language == SOURCE_LANGUAGE else chinese,
        edition_folder(kind, language),
        "make book" if kind == "full" else "make student",
        # the teachers' page offers the book's sources for download
        sources=kind == "full",
        language=language,
        label=label,
    )


EDITIONS = (
    _edition("full", "en", "the book", "The book"),
    _edition("full", "zh_CN", "the Chinese edition", "本书"),
    _edition(
        "student",
        "en",
        "the student edition",
        "The student edition (no solutions)",
    ),
    _edition(
        "student", "zh_CN", "the Chinese student edition", "学生版（不含解答）"
    ),
)


class SiteError(RuntimeError):
    """An edition the site needs is not built."""


def missing_editions(editions=None) -> list[str]:
    """One line per edition that is not built: what is missing and what builds it."""
    return [
        f"{e.name} ({e.built / 'index.html'} is missing): run `{e.command}`"
        for e in editions or EDITIONS
        if not (e.built / "index.html").is_file()
    ]


def _ignore(edition: Edition, editions):
    """copytree's filter for ``edition``: its build records, the sources it does not
    publish, and the other editions built inside its folder (copied on their own)."""
    nested = {
        e.built.name
        for e in editions
        if e is not edition and e.built.parent == edition.built
    }

    def ignore(folder: str, names: list[str]) -> set[str]:
        left_out = {n for n in names if n in BUILD_RECORDS}
        if Path(folder) == edition.built:
            left_out |= {n for n in names if n in nested}
            if not edition.sources:
                left_out |= {n for n in names if n == "_sources"}
        return left_out

    return ignore


def not_found_page(baseurl: str, editions=None) -> str:
    """The site's 404.html: self-contained (no script, stylesheet or font to fetch; its
    icon is the book's), in both languages, linking each edition by its absolute path,
    since the host serves this one page for a missing address at any depth."""
    root = urlparse(baseurl).path.rstrip("/") + "/"
    en, zh = html.escape(book_title("en")), html.escape(book_title("zh_CN"))

    def links(language: str) -> str:
        return "\n".join(
            f'      <li><a href="{root}{e.published}">{html.escape(e.label)}</a></li>'
            for e in editions or EDITIONS
            if e.language == language
        )

    english, chinese = links("en"), links("zh_CN")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>Page not found · {en}</title>
  <link rel="icon" href="{root}_static/favicon.svg">
  <style>
    :root {{ color-scheme: light dark; }}
    body {{ font-family: system-ui, sans-serif; line-height: 1.5;
           max-width: 40rem; margin: 4rem auto; padding: 0 1rem; }}
    h1 {{ font-size: 1.6rem; }}
    section + section {{ margin-top: 2.5rem; }}
  </style>
</head>
<body>
  <main>
    <section>
    <h1>Page not found</h1>
    <p>There is no page at this address in <cite>{en}</cite>. It may have moved
      when the book was revised; start again from one of its editions:</p>
    <ul>
{english}
    </ul>
    </section>
    <section lang="zh-CN">
    <h1>找不到页面</h1>
    <p>《{zh}》中没有这个地址的页面，它可能在本书修订时移动了。请从以下版本重新开始：</p>
    <ul>
{chinese}
    </ul>
    </section>
  </main>
</body>
</html>
"""


def assemble(out: Path = OUT, editions=None) -> Path:
    """Copy every built edition into ``out`` at its published folder, and add the
    404 page; ``out`` is replaced. Raises SiteError if an edition is not built."""
    editions = editions or EDITIONS
    missing = missing_editions(editions)
    if missing:
        raise SiteError(
            "the site needs every edition built; not built:\n  "
            + "\n  ".join(missing)
        )
    shutil.rmtree(out, ignore_errors=True)
    for edition in sorted(editions, key=lambda e: len(e.published)):
        shutil.copytree(
            edition.built,
            out / edition.published,
            ignore=_ignore(edition, editions),
            dirs_exist_ok=True,
        )
    (out / "404.html").write_text(
        not_found_page(edition_url("full"), editions), encoding="utf-8"
    )
    return out


def pages(site: Path) -> list[Path]:
    """The site's pages, the 404 page among them: its .html files, but the
    theme's templates, which are copied into _static/."""
    return [
        f
        for f in site.rglob("*.html")
        if "_static" not in f.relative_to(site).parts
    ]


def describe(site: Path) -> str:
    """How many pages and how many bytes the site holds."""
    files = [f for f in site.rglob("*") if f.is_file()]
    size = sum(f.stat().st_size for f in files)
    return (
        f"{len(pages(site))} pages, {len(files)} files, {size / 2**20:.1f} MiB"
    )


def main(argv: list[str] | None = None, editions=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out", type=Path, default=OUT, help=f"default: {OUT}"
    )
    args = parser.parse_args(argv)
    try:
        site = assemble(args.out, editions)
    except SiteError as err:
        print(f"scripts/assemble_site.py: {err}", file=sys.stderr)
        return 1
    print(f"The site is at {site} ({describe(site)}), as published at")
    for e in editions or EDITIONS:
        print(f"  {edition_url('full')}{e.published:<12}  {e.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
