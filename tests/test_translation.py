"""The translated editions keep the numbers the chapters compute: a ``{glue:text}``
role inside a translated paragraph (a gettext catalog's msgstr) pastes the page's
value, through book/_ext/book_build.py. Without it the role pastes nothing."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PAGE = textwrap.dedent(
    """\
    ---
    jupytext:
      text_representation:
        extension: .md
        format_name: myst
    kernelspec:
      display_name: Python 3
      language: python
      name: python3
    ---

    # Images

    ```{code-cell} ipython3
    from myst_nb import glue
    glue("n_images", f"{6 * 7:,}", display=False)
    ```

    There are {glue:text}`n_images` images in the set.
    """
)

CATALOG = textwrap.dedent(
    """\
    msgid ""
    msgstr ""
    "Content-Type: text/plain; charset=UTF-8\\n"
    "Language: zh_CN\\n"

    msgid "Images"
    msgstr "图像"

    msgid "There are {glue:text}`n_images` images in the set."
    msgstr "数据集中共有 {glue:text}`n_images` 张图像。"
    """
)


@pytest.mark.slow
def test_a_glued_value_survives_translation(tmp_path):
    (tmp_path / "index.md").write_text(PAGE)
    (tmp_path / "conf.py").write_text(
        textwrap.dedent(
            f"""\
            import sys
            sys.path.insert(0, {str(ROOT / "book" / "_ext")!r})
            extensions = ["myst_nb", "book_build"]
            nb_execution_mode = "force"
            language = "zh_CN"
            locale_dirs = ["locales"]
            gettext_compact = False
            """
        )
    )
    messages = tmp_path / "locales" / "zh_CN" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "index.po").write_text(CATALOG)
    out = tmp_path / "html"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "html",
            "-q",
            str(tmp_path),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    page = (out / "index.html").read_text()
    assert "图像" in page  # the catalog was used
    assert "数据集中共有" in page and "42" in page, page
    assert "No key" not in run.stderr, run.stderr


@pytest.mark.slow
def test_catalogs_follow_the_english_text(tmp_path, monkeypatch):
    """`make catalogs` extracts every chapter's messages, MyST roles kept, and a
    changed English paragraph comes back fuzzy with its old translation, never
    silently kept."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import catalogs
    from babel.messages.pofile import read_po, write_po

    monkeypatch.setattr(catalogs, "OUT", tmp_path / "gettext")
    monkeypatch.setattr(
        catalogs, "POT", tmp_path / "gettext" / "_build" / "gettext"
    )
    monkeypatch.setattr(catalogs, "LOCALES", tmp_path / "locales")
    pot = catalogs.extract()
    names = {p.stem for p in (pot / "book").glob("*.pot")}
    assert {"intro", "test-time", "why-residual-networks-train"} <= names
    with (pot / "book" / "test-time.pot").open("rb") as f:
        ids = [m.id for m in read_po(f) if m.id]
    assert "Testing like the paper: ten crops and many scales" in ids
    glued = [i for i in ids if "{glue:text}`n_test`" in i]
    assert glued, "a glued paragraph keeps its role in the message"

    catalogs.update(pot, "zh_CN")
    po_path = (
        tmp_path
        / "locales"
        / "zh_CN"
        / "LC_MESSAGES"
        / "book"
        / "test-time.po"
    )
    with po_path.open("rb") as f:
        catalog = read_po(f)
    catalog[glued[0]].string = "译文 {glue:text}`n_test`"
    with po_path.open("wb") as f:
        write_po(f, catalog)
    before = {r[0]: r for r in catalogs.report("zh_CN")}["book/test-time.po"]
    assert before[1:3] == (1, 0)

    # the English paragraph changes: the next update marks its translation fuzzy
    text = (pot / "book" / "test-time.pot").read_text()
    (pot / "book" / "test-time.pot").write_text(
        text.replace(
            glued[0], glued[0].replace("Four protocols", "Four test protocols")
        )
    )
    catalogs.update(pot, "zh_CN")
    after = {r[0]: r for r in catalogs.report("zh_CN")}["book/test-time.po"]
    assert after[1:3] == (0, 1), after
