"""Build another edition of the book from the same chapters and execution cache.

The student edition (scripts/build_student.py), the Chinese edition
(scripts/build_zh.py) and the translation templates (scripts/catalogs.py) are the book's
_config.yml with a few settings changed, built by Jupyter Book into a folder of their
own under _build/. Once `make book` has run, an edition executes nothing: the
chapters' outputs come from the execution cache.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
#: the translation catalogs, and the Sphinx settings of a build that reads or writes
#: them: one catalog per chapter
LOCALES = ROOT / "locales"
TRANSLATION = {"locale_dirs": [str(LOCALES)], "gettext_compact": False}


def edition_config(**sphinx_config) -> dict:
    """The book's _config.yml with these Sphinx settings added or replaced."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    sphinx = config.setdefault("sphinx", {})
    sphinx.setdefault("config", {}).update(sphinx_config)
    # Jupyter Book resolves local extensions relative to the config file, which moves
    for name, path in sphinx.get("local_extensions", {}).items():
        sphinx["local_extensions"][name] = str(ROOT / path)
    return config


def build(config: dict, out: Path, *options: str, **run) -> int:
    """Write ``config`` to ``out/_config.yml`` and build the book with it into
    ``out/_build`` (where Jupyter Book puts the output of ``--path-output``)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "_config.yml"
    path.write_text(
        yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    )
    cmd = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(ROOT),
        "--config",
        str(path),
        "--path-output",
        str(out),
        *options,
    ]
    return subprocess.run(cmd, cwd=ROOT, **run).returncode
