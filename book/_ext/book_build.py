"""Local Sphinx extension for the book's build.

1. Sets ``RESNET_BOOK_STATIC=1`` before any notebook is executed, so the chapters'
   explorers render as precomputed, kernel-free frames (see ``resnet_lib.book.explorer``).
2. Points every page's Colab, Binder and JupyterHub launch buttons at the page's ``.ipynb``
   twin in ``twin_dir`` (``notebooks`` for the book, ``notebooks/student`` for the student
   edition), where sphinx-book-theme would point them at the ``.md`` source, which Colab
   cannot open and which holds every solution.
3. Offers that same twin as the page's download (copied into ``_notebooks/``) instead of
   the ``.md`` source.
4. Removes duplicated script tags (see ``_dedupe_scripts``).
5. Lets a ``{glue:text}`` role in a translated paragraph paste its page's value (see
   ``_glue_in_translations``): the translated editions (Sphinx's gettext catalogs in
   ``locales/``) keep the numbers that the chapters compute.
6. Adds a language switch to every page (``edition_switch``): a link to the same page
   in the book's other editions (the Chinese edition is published under ``zh/``).
7. Refuses to build an edition whose chapters would be executed in another language
   than its own (``RESNET_LANG``; see ``_check_language``): a translated edition shows
   what its chapters wrote in its language, never a translation of English outputs.
8. Gives a Markdown table the scroll box of the tables that code writes
   (``_table_scroll_boxes``): one a keyboard can reach, named for a screen reader.
9. Publishes the book at the GitHub Pages address of its repository unless
   ``html.baseurl`` says otherwise (``book_url``, which the scripts that write the
   book's address into the notebooks and the site use too): a fork changes one line.
10. Links a page to another edition of the book with a relative link that works in
   every edition and at any address (the ``edition`` role, ``edition_root``):
   ``{edition}`the student edition <student/>``` opens ``student/index.html`` of the
   site, from the book's pages as from the Chinese edition's.
11. Rewrites every page when the library changes (``library_digest``, a config value
   that Sphinx's HTML builder hashes): what is computed as a page is written (its answer
   boxes, its translated code comments) comes from ``resnet_lib``, and an incremental
   build would otherwise keep the pages whose sources did not change as they were.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import shutil
from pathlib import Path

#: where the downloadable twins are copied in the HTML output
DOWNLOADS = "_notebooks"


#: a repository on GitHub, as ``repository.url`` of _config.yml names it
GITHUB_REPOSITORY = re.compile(
    r"https?://(?:www\.)?github\.com/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+?)"
    r"(?:\.git)?/?"
)


def book_url(repository_url: str | None, baseurl: str | None = None) -> str:
    """Where the book is published, ending with '/': ``baseurl`` (``html.baseurl`` of
    _config.yml, for a custom domain) where it is given, otherwise the GitHub Pages
    address of the repository: https://github.com/OWNER/NAME is published at
    https://OWNER.github.io/NAME/ (and a repository named OWNER.github.io at
    https://OWNER.github.io/)."""
    if baseurl:
        return baseurl.rstrip("/") + "/"
    found = GITHUB_REPOSITORY.fullmatch(repository_url or "")
    if not found:
        raise ValueError(
            f"repository.url of _config.yml ({repository_url!r}) is not a GitHub "
            "repository: give the book's address as html.baseurl"
        )
    owner, name = found["owner"].lower(), found["name"]
    if name.lower() == f"{owner}.github.io":
        return f"https://{owner}.github.io/"
    return f"https://{owner}.github.io/{name}/"


def _set_baseurl(app, config) -> None:
    """``html_baseurl`` (the pages' canonical links) from ``book_url`` where
    _config.yml leaves html.baseurl out. A project with no repository either (a
    test's small Sphinx project) keeps no base URL, as Sphinx would."""
    repository = (config.html_theme_options or {}).get("repository_url")
    if not config.html_baseurl and repository:
        from sphinx.errors import ConfigError

        try:
            config.html_baseurl = book_url(repository)
        except ValueError as err:
            raise ConfigError(str(err)) from None


def _set_static(app, config) -> None:
    from resnet_lib.book.explorer import STATIC_ENV

    os.environ[STATIC_ENV] = "1"


def _twin(app, pagename) -> tuple[Path, Path] | None:
    """(the page's source, its twin in ``twin_dir``), or None for a page without one."""
    if pagename not in app.env.all_docs:
        return None
    source = Path(app.env.doc2path(pagename))
    twin = Path(app.srcdir) / app.config.twin_dir / f"{source.stem}.ipynb"
    return (source, twin) if source.suffix == ".md" and twin.exists() else None


def _twin_buttons(app, pagename, templatename, context, doctree) -> None:
    found = _twin(app, pagename)
    if found is None:
        if (
            not app.config.html_copy_source
        ):  # no _sources/: nothing to download
            for group in context.get("header_buttons", []):
                if "buttons" in group:  # a group (the download menu)
                    group["buttons"] = [
                        b
                        for b in group["buttons"]
                        if b.get("label") != "download-source-button"
                    ]
        return
    source, twin = found
    relative_source = source.relative_to(app.srcdir).as_posix()
    relative_twin = twin.relative_to(app.srcdir).as_posix()
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []):
            if (
                group.get("label") == "launch-buttons"
                and button.get("type") == "link"
            ):
                if relative_source not in button.get("url", ""):
                    raise RuntimeError(
                        f"{pagename}: launch button {button.get('url')!r} does not name the page's source"
                    )
                button["url"] = button["url"].replace(
                    relative_source, relative_twin
                )
            elif button.get("label") in (
                "download-source-button",
                "download-notebook-button",
            ):
                button["url"] = (
                    f"{context['pathto'](DOWNLOADS, 1)}/{twin.name}"
                )
                button["text"] = ".ipynb"
                button["tooltip"] = "Download this chapter as a notebook"
    # the theme may list the notebook and the source: keep one download of the twin
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            seen, kept = set(), []
            for button in group["buttons"]:
                if button.get("url") not in seen:
                    kept.append(button)
                    seen.add(button.get("url"))
            group["buttons"] = kept


def edition_link(docname: str, edition_root: str, target: str) -> str:
    """The relative URL, from page ``docname`` of the edition published at
    ``edition_root`` of the site ("" for the book, "student/", "zh/", ...), of the
    root page of the edition at ``target`` (a folder of the site, "" for the book)."""
    up = "../" * docname.count("/")
    relative = posixpath.relpath(target or ".", edition_root or ".")
    return up + ("" if relative == "." else relative + "/") + "index.html"


def _edition_role(
    name, rawtext, text, lineno, inliner, options={}, content=[]
):
    """``{edition}`words <folder/>```: a link to the root of the edition published at
    ``folder/`` of the site (see ``edition_link``)."""
    from docutils import nodes
    from docutils.parsers.rst.roles import set_classes
    from docutils.utils import unescape

    found = re.fullmatch(r"(?s)(.*?)\s*<([^<>]*)>", unescape(text))
    if not found:
        message = inliner.reporter.error(
            f"{{edition}} needs `words <folder/>`, not {text!r}", line=lineno
        )
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    words, target = found.groups()
    env = inliner.document.settings.env
    uri = edition_link(env.docname, env.config.edition_root, target)
    set_classes(options)
    return [nodes.reference(rawtext, words, refuri=uri, **options)], []


def _language_switch(app, pagename, templatename, context, doctree) -> None:
    # the same page in each other edition: ``edition_switch`` maps a language's name
    # (in that language) to that edition's root, relative to this edition's root
    up = "../" * pagename.count("/")
    buttons = [
        {
            "type": "link",
            "url": f"{up}{root}{pagename}.html",
            "text": name,
            "tooltip": name,
            "icon": "fas fa-language",
            "label": "language-switch",
        }
        for name, root in app.config.edition_switch.items()
    ]
    context.setdefault("header_buttons", [])[:0] = buttons


def _copy_twins(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir) / DOWNLOADS
    out.mkdir(exist_ok=True)
    for twin in sorted(
        (Path(app.srcdir) / app.config.twin_dir).glob("*.ipynb")
    ):
        shutil.copy2(twin, out / twin.name)


def _no_thebe(app, pagename, templatename, context, doctree) -> None:
    """With Live Code off (``launch_buttons.thebe: false``), Jupyter Book still loads
    sphinx-thebe on every page, whose inline config names Thebe's CDN script: drop its
    script, its config and its stylesheet, so that no page names a script it never runs."""
    buttons = app.config.html_theme_options.get("launch_buttons", {})
    if buttons.get("thebe"):
        return

    def thebe(asset) -> bool:
        name = str(getattr(asset, "filename", asset) or "")
        body = str(getattr(asset, "attributes", {}).get("body", ""))
        return "thebe" in name or "THEBE_JS_URL" in body

    for key in ("script_files", "css_files"):
        context[key] = [a for a in context.get(key, []) if not thebe(a)]


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    # sphinx-thebe registers its inline config script twice under Jupyter Book 1, and the
    # second copy throws "Identifier 'THEBE_JS_URL' has already been declared".
    seen, unique = set(), []
    for js in context.get("script_files", []):
        key = (
            str(getattr(js, "filename", js) or ""),
            repr(sorted(getattr(js, "attributes", {}).items())),
        )
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


def _glue_in_translations() -> None:
    """Let a glue role in a translated paragraph find its page's glue data.

    Sphinx parses each translated paragraph (a catalog's ``msgstr``) as a document of
    its own, and myst-nb gives that document a renderer without the page's glue data,
    so ``{glue:text}`key``` would paste nothing and warn "No key ... found". Every glue
    role of the page's own text is resolved while the page is parsed, before Sphinx
    translates it; the page's renderer is remembered then and lent to its translated
    paragraphs, and taken back before the paragraph joins the page (which is pickled).
    """
    from myst_nb.ext.glue import roles, utils

    original = utils.retrieve_glue_data
    # the page being read and its renderer: Sphinx reads one page at a time, and only
    # the current page's renderer is kept (it holds the page's executed notebook)
    page: dict = {}

    def retrieve(document, key):
        env = getattr(document.settings, "env", None)
        docname = env.docname if env is not None else None
        own = document.get("nb_renderer")
        data = own.renderer.nb_client.glue_data if own is not None else {}
        if key in data or docname not in page:
            if key in data and docname not in page:
                page.clear()
                page[docname] = own
            return original(document, key)
        document["nb_renderer"] = page[docname]
        try:
            return original(document, key)
        finally:
            if own is None:
                del document["nb_renderer"]
            else:
                document["nb_renderer"] = own

    roles.retrieve_glue_data = retrieve


def _check_language(app, config) -> None:
    # a translated edition is executed in its language (RESNET_LANG, which its
    # kernels inherit): refuse a build whose kernels would speak another one
    from resnet_lib import i18n

    lang = config.language or i18n.SOURCE_LANGUAGE
    if lang not in i18n.languages():
        raise RuntimeError(
            f"the book is built in {lang!r}, but resnet_lib has no catalog for "
            f"it (it has {', '.join(i18n.languages())}): run `make catalogs`"
        )
    spoken = i18n.language()
    if spoken != lang:
        raise RuntimeError(
            f"the book is built in {lang!r} but its chapters would be executed in "
            f"{spoken!r}: set RESNET_LANG={lang} (scripts/build_zh.py does)"
        )


def _answer_boxes():
    """An answer box under every exercise whose checker has a table (issue 27): the
    reader types an answer and reads the checker's own verdict, sealed into the page at
    build time (``resnet_lib.book.answer_boxes``; the page's script is
    ``_static/answer-box.js``). The questions are read from the page's twin, whose
    exercise cells are run with the answer they ship, and the verdicts are written in
    the edition's language."""
    from docutils import nodes
    from sphinx.transforms.post_transforms import SphinxPostTransform
    from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node

    boxes: dict[
        tuple[str, str], dict
    ] = {}  # (twin, language) -> {label: html}

    class AnswerBoxes(SphinxPostTransform):
        default_priority = 23

        def run(self):
            import nbformat

            from resnet_lib import i18n
            from resnet_lib.book.answer_boxes import (
                box_html,
                build_box,
                exercise_questions,
            )

            found = _twin(self.app, self.env.docname)
            if found is None:
                return
            _source, twin = found
            language = self.config.language or i18n.SOURCE_LANGUAGE
            key = (str(twin), language)
            if key not in boxes:
                with i18n.speaking(language):
                    boxes[key] = {
                        label: box_html(
                            build_box(label, name, question, language)
                        )
                        for label, (name, question) in exercise_questions(
                            nbformat.read(twin, as_version=4)
                        ).items()
                    }
            for node in self.document.findall(
                lambda n: isinstance(
                    n, (exercise_node, exercise_enumerable_node)
                )
            ):
                html = boxes[key].get(node.get("label", ""))
                if html:
                    node += nodes.raw("", html, format="html")

    return AnswerBoxes


def _solution_titles():
    """A solution's title in the page's word order: sphinx-exercise writes its
    translated "Solution to" before the exercise's name ("解答 练习 10"); a translated
    edition takes the order from the library's catalog ("Solution to {exercise}" ->
    "{exercise} 的解答")."""
    from docutils import nodes
    from sphinx.transforms.post_transforms import SphinxPostTransform
    from sphinx_exercise.nodes import solution_node

    class SolutionTitles(SphinxPostTransform):
        default_priority = (
            22  # after sphinx-exercise's ResolveTitlesInSolutions (21)
        )

        def run(self):
            from resnet_lib import i18n

            lang = self.config.language or i18n.SOURCE_LANGUAGE
            if lang == i18n.SOURCE_LANGUAGE:
                return
            from resnet_lib.book.notebook import SOLUTION_TITLE

            before, _, after = i18n.gettext(SOLUTION_TITLE, lang).partition(
                "{exercise}"
            )
            for node in self.document.findall(solution_node):
                title = node.children[0] if node.children else None
                refs = (
                    [
                        c
                        for c in title.children
                        if isinstance(c, nodes.reference)
                    ]
                    if isinstance(title, nodes.title)
                    else []
                )
                if len(refs) != 1:
                    continue
                ref = refs[0]
                first = ref.children[0] if ref.children else None
                if isinstance(
                    first, nodes.Text
                ):  # sphinx-exercise's leading space
                    ref.children[0] = nodes.Text(first.astext().lstrip())
                title.children = []
                if before.strip():
                    title += nodes.Text(before)
                title += ref
                title += nodes.Text(after)

    return SolutionTitles


def _fold_prompts():
    """A folded cell's buttons in the page's language: myst-nb words them "Show code
    cell {type}" with the type in English; a translated edition looks each whole
    button up in the library's catalog ("Show code cell outputs" -> "显示输出")."""
    from sphinx.transforms.post_transforms import SphinxPostTransform

    class FoldPrompts(SphinxPostTransform):
        default_priority = 200  # after myst-nb's HideInputCells (199)
        formats = ("html",)

        def run(self):
            from myst_nb.sphinx_ import HideCodeCellNode

            from resnet_lib import i18n

            lang = self.config.language or i18n.SOURCE_LANGUAGE
            if lang == i18n.SOURCE_LANGUAGE:
                return
            for node in self.document.findall(HideCodeCellNode):
                for key in ("prompt_show", "prompt_hide"):
                    node[key] = i18n.gettext(node[key], lang)

    return FoldPrompts


def _code_comments():
    """A translated edition's code cells with their comments in its language, as its
    twins have them (:func:`resnet_lib.book.language.translate_comments`): only the
    comments change, after the chapter was executed, so the code shown is the code
    that ran."""
    from docutils import nodes
    from sphinx.transforms.post_transforms import SphinxPostTransform

    class CodeComments(SphinxPostTransform):
        default_priority = 200
        formats = ("html",)

        def run(self):
            from resnet_lib import i18n
            from resnet_lib.book.language import translate_comments

            lang = self.config.language or i18n.SOURCE_LANGUAGE
            if lang == i18n.SOURCE_LANGUAGE:
                return
            # myst-nb's code cell: a container of the cell's source
            for cell in self.document.findall(nodes.container):
                if cell.get("nb_element") != "cell_code_source":
                    continue
                for block in cell.findall(nodes.literal_block):
                    code = block.astext()
                    shown = translate_comments(code, lang)
                    if shown != code:
                        block.rawsource = shown
                        block.children = [nodes.Text(shown)]

    return CodeComments


def _table_scroll_boxes(app) -> None:
    """A Markdown table scrolls in a box a keyboard can reach and a screen reader names,
    as a table that code writes does (``resnet_lib.book.tables.scroll_box``): the
    box that pydata-sphinx-theme's translator puts around every table gets a tab stop,
    the role of a region and the table's caption (or the word "table") as its name."""
    if app.builder.format != "html":
        return
    import types

    from docutils import nodes

    from resnet_lib import i18n
    from resnet_lib.book.tables import TABLE, scroll_box

    theme_box = '<div class="pst-scrollable-table-container">'
    lang = app.config.language or i18n.SOURCE_LANGUAGE
    unnamed = i18n.gettext(TABLE, lang)

    class TableScrollBoxes:
        def visit_table(self, node):
            super().visit_table(node)
            if self.body[-2] != theme_box:  # the box opened, then the table
                raise RuntimeError(
                    "pydata-sphinx-theme no longer puts a table in "
                    f"{theme_box}: update book/_ext/book_build.py"
                )
            title = node.children[0] if node.children else None
            label = (
                title.astext() if isinstance(title, nodes.title) else unnamed
            )
            self.body[-2] = scroll_box(
                label, classes="pst-scrollable-table-container table-scroll"
            )

    for name, translator in list(app.registry.translators.items()):
        app.set_translator(
            name,
            types.new_class("BookTranslator", (TableScrollBoxes, translator)),
            override=True,
        )


def library_digest(package: Path | None = None) -> str:
    """A SHA-256 of the library's code and catalogs (every ``.py`` and ``.po`` file of
    ``package``, default: the installed ``resnet_lib``), by path and content."""
    if package is None:
        import resnet_lib

        package = Path(resnet_lib.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".po") and path.is_file():
            digest.update(
                path.relative_to(package).as_posix().encode() + b"\0"
            )
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def setup(app):
    # a change to it makes the HTML builder write every page again (see 11.)
    app.add_config_value("library_digest", library_digest(), "html")
    app.add_config_value("twin_dir", "notebooks", "html")
    app.add_config_value("edition_switch", {"中文": "zh/"}, "html")
    # where this edition is published in the site: "" (the book), "student/", ...
    app.add_config_value("edition_root", "", "env")
    app.add_role("edition", _edition_role)
    _glue_in_translations()
    app.add_post_transform(_solution_titles())
    app.add_post_transform(_fold_prompts())
    app.add_post_transform(_code_comments())
    app.add_post_transform(_answer_boxes())
    app.connect("config-inited", _check_language)
    app.connect("config-inited", _set_static)
    app.connect("config-inited", _set_baseurl)
    # after pydata-sphinx-theme's setup_translators (priority 500)
    app.connect("builder-inited", _table_scroll_boxes, priority=900)
    # after sphinx-book-theme's add_launch_buttons (priority 501)
    app.connect("html-page-context", _twin_buttons, priority=502)
    app.connect("html-page-context", _language_switch, priority=503)
    app.connect("build-finished", _copy_twins)
    app.connect(
        "html-page-context", _dedupe_scripts, priority=503
    )  # before any handler that returns a template
    app.connect("html-page-context", _no_thebe, priority=503)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
