"""Build the student edition: the same book with no solution anywhere a student can reach.

It writes _build/student/_config.yml, the book's _config.yml with

- sphinx-exercise's ``hide_solutions: true`` (no solution in the pages);
- ``twin_dir: notebooks/student``: the launch buttons (Colab, Binder, JupyterHub) and the
  download button open the students' notebooks, which have no solutions;
- no copied sources (``_sources/*.md`` would hold every solution) and no link to them;
- its own address, ``<book>/student/``, where the students' notebooks link;

and builds into _build/student/_build/html (Jupyter Book puts its output under
``<path-output>/_build``), reusing the execution cache of the full build, so once
`make book` has run it executes nothing and only renders the pages. The Chinese student
edition (``scripts/build_zh.py --student``) is published under its ``zh/``, where its
language switch leads.
"""

from __future__ import annotations

import sys
from pathlib import Path

from editions import build, edition_config
from learner_notebook import edition_folder, edition_url

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "student"
HTML = OUT / "_build" / "html"


def main() -> int:
    config = edition_config(
        hide_solutions=True,
        twin_dir="notebooks/student",
        html_copy_source=False,
        html_show_sourcelink=False,
        # the Chinese student edition is published under zh/ of this one
        edition_switch={"中文": "zh/"},
        # where it is in the site: the teachers' page links the other editions from it
        edition_root=edition_folder("student"),
    )
    config["title"] = f"{config['title']} (student edition)"
    config["html"]["baseurl"] = edition_url("student")
    # every page read again (--all): Sphinx sees no change in a chapter whose
    # executed outputs changed, and this edition only renders (seconds)
    status = build(config, OUT, "-W", "-n", "--keep-going", "--all")
    if status == 0:
        print(f"The student edition is at file://{HTML / 'index.html'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
