"""Build the Chinese edition from the same chapters and the catalogs in ``locales/zh_CN``.

Issue 17, in progress: the pages' text comes from the translation catalogs (see
``make catalogs`` and the README's *Translating*), glued numbers included (the book's
Sphinx extension lends a page's glue data to its translated paragraphs). It writes
_build/zh/_config.yml, the book's _config.yml with ``language: zh_CN`` and the catalogs'
folder, and builds into _build/zh/_build/html reusing the execution cache of the full
build: once `make book` has run, it executes nothing and only renders (seconds).

Not yet Chinese: sentences that code writes into the pages, figure labels, explorer
labels, the checkers' feedback and the Colab notebooks; the pages have no language
switch yet. So this edition is not published, and `make book` does not build it.

    python scripts/build_zh.py      # after `make book`
"""

from __future__ import annotations

import sys

from editions import ROOT, TRANSLATION, build, edition_config

OUT = ROOT / "_build" / "zh"
HTML = OUT / "_build" / "html"
LANGUAGE = "zh_CN"


def main(argv: list[str] | None = None) -> int:
    config = edition_config(language=LANGUAGE, **TRANSLATION)
    config["title"] = "ResNet 交互式教程"
    status = build(config, OUT, "-W", "-n", "--keep-going", *(argv or []))
    if status == 0:
        print(f"The Chinese edition is at file://{HTML / 'index.html'}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
