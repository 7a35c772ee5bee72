"""The book's address follows from its repository (issue 28): a fork changes one line.

``repository.url`` of _config.yml is configured once; the book is published at that
repository's GitHub Pages address unless ``html.baseurl`` names another (a custom
domain). book/_ext/book_build.py's ``book_url`` is the one rule, used by the Sphinx
build (the pages' canonical links), by the scripts that write the address into the
Colab twins and the editions' configurations (scripts/learner_notebook.py,
``edition_url``), by the site's 404 page and by the crawl of tests/test_site.py.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import assemble_site  # noqa: E402
import learner_notebook  # noqa: E402
from book_build import _set_baseurl, book_url, edition_link  # noqa: E402

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
FORK = "https://github.com/Ada-Lovelace/resnet-book-fork"
FORK_BOOK = "https://ada-lovelace.github.io/resnet-book-fork/"


def forked(baseurl: str | None = None) -> dict:
    """_config.yml as a fork has it: its repository's URL changed, nothing else
    (``baseurl``: and html.baseurl set, for a custom domain)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["repository"]["url"] = FORK
    if baseurl:
        config.setdefault("html", {})["baseurl"] = baseurl
    return config


@pytest.mark.parametrize(
    "repository,address",
    [
        (FORK, FORK_BOOK),
        (FORK + ".git", FORK_BOOK),
        (FORK + "/", FORK_BOOK),
        # a user's or organisation's own site is published at the root
        ("https://github.com/Ada/ada.github.io", "https://ada.github.io/"),
    ],
)
def test_the_address_is_the_repositorys_github_pages(repository, address):
    assert book_url(repository) == address


def test_html_baseurl_overrides_it_for_a_custom_domain():
    assert book_url(FORK, "https://resnet.example.org") == (
        "https://resnet.example.org/"
    )


def test_a_repository_off_github_needs_html_baseurl():
    with pytest.raises(ValueError, match="html.baseurl"):
        book_url("https://gitlab.com/ada/resnet-book")
    assert book_url("https://gitlab.com/ada/resnet-book", "https://a.org/x/")


def test_a_sphinx_project_with_no_repository_keeps_no_base_url():
    """The extension in a project that names no repository (a test's small
    Sphinx project) leaves html_baseurl empty, as Sphinx does, and builds."""
    sphinx = SimpleNamespace(html_baseurl="", html_theme_options={})
    _set_baseurl(None, sphinx)
    assert sphinx.html_baseurl == ""


def test_the_project_is_published_at_its_own_repositorys_address():
    """_config.yml leaves html.baseurl out: the address follows from the one line."""
    assert "baseurl" not in CONFIG.get("html", {})
    assert learner_notebook.edition_url() == book_url(
        CONFIG["repository"]["url"]
    )


def test_a_fork_is_published_at_its_own_address_everywhere(
    monkeypatch, tmp_path
):
    """The fork's _config.yml with only repository.url changed: every edition's
    address, the Sphinx build's canonical base, the site's 404 page and the Colab
    twins' links to the book all name the fork's GitHub Pages."""
    monkeypatch.setattr(learner_notebook, "config", lambda: forked())
    assert learner_notebook.edition_url("full") == FORK_BOOK
    assert learner_notebook.edition_url("student") == FORK_BOOK + "student/"
    assert learner_notebook.language_url("full", "zh_CN") == FORK_BOOK + "zh/"
    assert learner_notebook.language_url("student", "zh_CN") == (
        FORK_BOOK + "student/zh/"
    )
    # Sphinx (book_build's config-inited handler): Jupyter Book passes
    # repository.url on as the theme's repository_url, and no html_baseurl
    sphinx = SimpleNamespace(
        html_baseurl="", html_theme_options={"repository_url": FORK}
    )
    _set_baseurl(None, sphinx)
    assert sphinx.html_baseurl == FORK_BOOK
    # the 404 page links each edition by its path on the fork's host
    page = assemble_site.not_found_page(learner_notebook.edition_url())
    assert 'href="/resnet-book-fork/student/"' in page
    assert "/resnet-book/" not in page
    # a twin's link to another page of the book
    md = tmp_path / "book" / "chapter.md"
    md.parent.mkdir()
    md.write_text("See {doc}`intro`.\n")
    (md.parent / "intro.md").write_text("# Intro\n")
    monkeypatch.setattr(learner_notebook, "ROOT", tmp_path)
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("See {doc}`intro`.")]
    )
    twin = learner_notebook.convert(md, "full", nb=nb, pages=["book/intro"])
    text = "".join(c.source for c in twin.cells)
    assert FORK_BOOK + "book/intro.html" in text, text
    assert "resnet-interactively" not in text


def test_a_custom_domain_is_kept_by_every_reader(monkeypatch):
    custom = "https://resnet.example.org/"
    monkeypatch.setattr(learner_notebook, "config", lambda: forked(custom))
    assert learner_notebook.edition_url("student") == custom + "student/"
    sphinx = SimpleNamespace(
        html_baseurl=custom, html_theme_options={"repository_url": FORK}
    )
    _set_baseurl(None, sphinx)
    assert sphinx.html_baseurl == custom


@pytest.mark.parametrize(
    "docname,edition_root,target,link",
    [
        ("book/teachers", "", "student/", "../student/index.html"),
        ("book/teachers", "", "student/zh/", "../student/zh/index.html"),
        ("book/teachers", "zh/", "student/zh/", "../../student/zh/index.html"),
        ("book/teachers", "student/", "student/", "../index.html"),
        ("book/teachers", "student/", "student/zh/", "../zh/index.html"),
        ("book/teachers", "student/zh/", "student/", "../../index.html"),
        ("intro", "student/zh/", "", "../../index.html"),
    ],
)
def test_a_link_to_another_edition_is_relative_to_the_page(
    docname, edition_root, target, link
):
    assert edition_link(docname, edition_root, target) == link
