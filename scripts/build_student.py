"""Build the student edition: the same book with no solution anywhere a student can reach.

It writes _build/student/_config.yml, the book's _config.yml with

- sphinx-exercise's ``hide_solutions: true`` (no solution in the pages);
- ``twin_dir: notebooks/student``: the launch buttons (Colab, Binder, JupyterHub) and the
  download button open the students' notebooks, which have no solutions;
- no copied sources (``_sources/*.md`` would hold every solution) and no link to them;
- its own address, ``<book>/student/``, where the students' notebooks link;

and builds into _build/student/_build/html (Jupyter Book puts its output under
``<path-output>/_build``), reusing the execution cache of the full build, so once
`make book` has run it executes nothing and only renders the pages.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from learner_notebook import edition_url

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "student"
HTML = OUT / "_build" / "html"


def main() -> int:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["title"] = f"{config['title']} (student edition)"
    sphinx = config.setdefault("sphinx", {})
    sphinx.setdefault("config", {}).update(
        hide_solutions=True,
        twin_dir="notebooks/student",
        html_copy_source=False,
        html_show_sourcelink=False,
    )
    config["html"]["baseurl"] = edition_url("student")
    # Jupyter Book resolves local extensions relative to the config file, which moves here
    for name, path in sphinx.get("local_extensions", {}).items():
        sphinx["local_extensions"][name] = str(ROOT / path)
    OUT.mkdir(parents=True, exist_ok=True)
    student_config = OUT / "_config.yml"
    student_config.write_text(yaml.safe_dump(config, sort_keys=False))
    cmd = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(ROOT),
        "--config",
        str(student_config),
        "--path-output",
        str(OUT),
        "-W",
        "-n",
        "--keep-going",
    ]
    status = subprocess.call(cmd, cwd=ROOT)
    if status == 0:
        print(f"The student edition is at file://{HTML / 'index.html'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
