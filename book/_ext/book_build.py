"""Local Sphinx extension for the book's build.

1. Sets ``RESNET_BOOK_STATIC=1`` before any notebook is executed, so the chapters'
   explorers render as precomputed, kernel-free frames (see ``resnet_lib.explorer``).
2. Points every page's Colab and Binder launch buttons at the page's ``.ipynb`` twin in
   ``notebooks/`` (sphinx-book-theme would point them at the ``.md`` source, which Colab
   cannot open, because the twin does not sit beside it).
3. Removes duplicated script tags (see ``_dedupe_scripts``).
"""

from __future__ import annotations

import os
from pathlib import Path

TWIN_DIR = "notebooks"


def _set_static(app, config) -> None:
    os.environ["RESNET_BOOK_STATIC"] = "1"


def _twin_launch_urls(app, pagename, templatename, context, doctree) -> None:
    source = Path(app.env.doc2path(pagename)) if pagename in app.env.all_docs else None
    if source is None or source.suffix != ".md":
        return
    twin = Path(app.srcdir) / TWIN_DIR / f"{source.stem}.ipynb"
    if not twin.exists():
        return
    relative_source = source.relative_to(app.srcdir).as_posix()
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        for button in group.get("buttons", []):
            if button.get("type") == "link" and relative_source in button.get("url", ""):
                button["url"] = button["url"].replace(relative_source, f"{TWIN_DIR}/{twin.name}")


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    # sphinx-thebe registers its inline config script twice under Jupyter Book 1, and the
    # second copy throws "Identifier 'THEBE_JS_URL' has already been declared".
    seen, unique = set(), []
    for js in context.get("script_files", []):
        key = (str(getattr(js, "filename", js) or ""), repr(sorted(getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


def setup(app):
    app.connect("config-inited", _set_static)
    # after sphinx-book-theme's add_launch_buttons (priority 501)
    app.connect("html-page-context", _twin_launch_urls, priority=502)
    app.connect("html-page-context", _dedupe_scripts, priority=503)  # before any handler that returns a template
    return {"parallel_read_safe": True, "parallel_write_safe": True}
