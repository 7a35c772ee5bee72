"""book/_ext/book_build.py: an incremental build writes every page again when the library
changes (what is computed as a page is written, its answer boxes and translated code
comments, comes from resnet_lib)."""

from __future__ import annotations

import sys
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import book_build  # noqa: E402


def test_the_library_digest_follows_its_code_and_catalogs(tmp_path):
    package = tmp_path / "lib"
    (package / "exercises").mkdir(parents=True)
    (package / "locale").mkdir()
    (package / "exercises" / "harness.py").write_text("HINT = 'count again'\n")
    (package / "locale" / "lib.po").write_text('msgid "a"\nmsgstr "b"\n')
    first = book_build.library_digest(package)
    assert first == book_build.library_digest(package)
    (package / "exercises" / "__pycache__").mkdir()
    (package / "exercises" / "__pycache__" / "harness.pyc").write_bytes(b"\0")
    assert (
        book_build.library_digest(package) == first
    )  # not code the pages use
    (package / "exercises" / "harness.py").write_text("HINT = 'add up'\n")
    second = book_build.library_digest(package)
    assert second != first
    (package / "locale" / "lib.po").write_text('msgid "a"\nmsgstr "c"\n')
    assert book_build.library_digest(package) not in (first, second)
    # a file moved is a change too, whatever its content
    (package / "locale" / "lib.po").rename(package / "other.po")
    assert book_build.library_digest(package) not in (first, second)


def test_the_extension_makes_the_digest_an_html_config_value(monkeypatch):
    """A config value of rebuild "html" is hashed into the HTML build's .buildinfo: a
    new value makes Sphinx write every page again."""
    monkeypatch.setattr(book_build, "_glue_in_translations", lambda: None)
    app = mock.MagicMock()
    book_build.setup(app)
    registered = {
        c.args[0]: c.args[1:] for c in app.add_config_value.call_args_list
    }
    assert registered["library_digest"] == (
        book_build.library_digest(),
        "html",
    )
    assert len(registered["library_digest"][0]) == 64
