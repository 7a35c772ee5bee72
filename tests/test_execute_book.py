"""scripts/execute_book.py fills the execution cache so that `jupyter-book build` only
renders: it must read each chapter as myst-nb does (else the build would not find the
cached notebook and would execute it again), and order the chapters that load another
chapter's trained networks after it."""

import sys
from pathlib import Path

import jupytext
from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import execute_book  # noqa: E402
import sync_notebooks  # noqa: E402


def test_the_build_finds_what_it_caches(tmp_path):
    """Cache a chapter as the script stages it, then look it up as myst-nb does when
    it builds the page (its own MyST reader, with a source map): it must be found."""
    from jupyter_cache.base import CacheBundleIn
    from myst_nb.core.read import read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    md = ROOT / "book" / "test-time.md"
    cache = get_cache(str(tmp_path / "cache"))
    record = cache.add_nb_to_project(str(md), read_data=execute_book.READER)
    staged = cache.get_project_notebook(record.pk).nb
    assert [c.source for c in staged.cells if c.cell_type == "code"] == [
        c.source for c in jupytext.read(md).cells if c.cell_type == "code"
    ]
    cache.cache_notebook_bundle(
        CacheBundleIn(staged, str(md)), check_validity=False
    )
    as_the_build_reads_it = read_myst_markdown_notebook(
        md.read_text(),
        config=MdParserConfig(),
        add_source_map=True,
        path=str(md),
    )
    assert cache.match_cache_notebook(as_the_build_reads_it) is not None
    changed = jupytext.read(md)
    last_code = [c for c in changed.cells if c.cell_type == "code"][-1]
    last_code.source += "\n# changed"
    import pytest

    with pytest.raises(KeyError):
        cache.match_cache_notebook(changed)


def test_the_order_names_chapters_of_the_book():
    chapters = {p.stem for p in sync_notebooks.chapters()}
    for chapter, before in execute_book.AFTER.items():
        assert chapter in chapters and set(before) <= chapters
    assert set(execute_book.FIRST) <= chapters


def test_the_chapters_that_wait_load_what_the_earlier_ones_train():
    """A chapter listed in AFTER loads trained networks through the cache, and the
    chapter it waits for trains them: otherwise the wait is for nothing."""
    for chapter, before in execute_book.AFTER.items():
        text = (ROOT / "book" / f"{chapter}.md").read_text()
        assert "cache=True" in text or "train_resnet20(" in text, chapter
        for other in before:
            trains = (ROOT / "book" / f"{other}.md").read_text()
            assert "cache=True" in trains or "train_resnet20(" in trains, other


def test_bad_workers_are_refused():
    import pytest

    with pytest.raises(SystemExit):
        execute_book.main(["--workers", "0"])


def test_the_chapters_execute_as_the_build_would_execute_them(
    monkeypatch, tmp_path
):
    """The build's Sphinx extension makes explorers static (kernel-free frames) for the
    kernels it starts; the script must do the same for its own, or every explorer of a
    page it executed would be a frozen widget."""
    from resnet_lib.book.explorer import STATIC_ENV, static_mode

    monkeypatch.syspath_prepend(str(ROOT / "book" / "_ext"))
    import book_build

    monkeypatch.delenv(STATIC_ENV, raising=False)
    book_build._set_static(None, None)
    assert static_mode()

    monkeypatch.delenv(STATIC_ENV)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # main sets it too
    monkeypatch.setattr(
        execute_book, "settings", lambda: (str(tmp_path / "cache"), 30)
    )
    monkeypatch.setattr(execute_book.sync_notebooks, "chapters", lambda: [])
    assert execute_book.main(["--workers", "1"]) == 0
    assert static_mode()
