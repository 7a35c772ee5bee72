"""Build the Chinese edition from the same chapters and the catalogs in ``locales/zh_CN``.

The pages' text comes from the book's translation catalogs (see ``make catalogs`` and
the README's *Translating*), glued numbers included (the book's Sphinx extension lends
a page's glue data to its translated paragraphs); what the code wrote into the pages
(glued sentences, figures' words, tables' headers) is re-rendered in Chinese from the
library's catalog (``resnet_lib/locale``, see ``resnet_lib.i18n``). It writes
_build/zh/_config.yml, the book's _config.yml with ``language: zh_CN``, the catalogs'
folder, the Chinese Colab notebooks (``notebooks/zh``) behind the launch buttons and a
language switch back to the English pages, builds into _build/zh/_build/html reusing
the execution cache of the English build (it executes nothing, it only renders), and
publishes the result under ``zh/`` of the English book (_build/html/zh), where the
English pages' language switch leads.

    python scripts/build_zh.py      # after the English build (`make book` runs both)
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import yaml

from editions import LOCALES, ROOT, TRANSLATION, build, edition_config
from learner_notebook import book_title, language_url

OUT = ROOT / "_build" / "zh"
HTML = OUT / "_build" / "html"
LANGUAGE = "zh_CN"
#: where it is published: beside the English book's pages
PUBLISHED = ROOT / "_build" / "html" / "zh"


def translated_toc() -> Path:
    """_toc.yml with its part captions (the sidebar's headings) from
    ``locales/zh_CN/LC_MESSAGES/toc.po`` (``make catalogs`` writes it)."""
    from babel.messages.pofile import read_po

    with (LOCALES / LANGUAGE / "LC_MESSAGES" / "toc.po").open("rb") as f:
        captions = {m.id: m.string for m in read_po(f) if m.id and m.string}
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    for part in toc.get("parts", []):
        part["caption"] = captions.get(part["caption"], part["caption"])
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "_toc.yml"
    path.write_text(yaml.safe_dump(toc, sort_keys=False, allow_unicode=True))
    return path


def main(argv: list[str] | None = None) -> int:
    config = edition_config(
        language=LANGUAGE,
        twin_dir="notebooks/zh",
        edition_switch={"English": "../"},
        # myst-nb's buttons of a folded cell ("Show code cell output")
        nb_code_prompt_show="显示代码单元",
        nb_code_prompt_hide="隐藏代码单元",
        **TRANSLATION,
    )
    config["title"] = book_title(LANGUAGE)
    config["html"]["baseurl"] = language_url("full", LANGUAGE)
    # every page read again (--all): Sphinx sees no change in a chapter whose
    # executed outputs changed, and this edition only renders (seconds)
    status = build(
        config,
        OUT,
        "--toc",
        str(translated_toc()),
        "-W",
        "-n",
        "--keep-going",
        "--all",
        *(argv or []),
    )
    if status != 0:
        return status
    if not (PUBLISHED.parent / "index.html").exists():
        print(
            "The English book is not built, so the Chinese edition is not "
            f"published beside it: see file://{HTML / 'index.html'}"
        )
        return 1
    shutil.rmtree(PUBLISHED, ignore_errors=True)
    shutil.copytree(HTML, PUBLISHED)
    print(f"The Chinese edition is at file://{PUBLISHED / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
