"""A chapter (MyST Markdown notebook) as the notebook a learner opens on Colab or in Jupyter.

The book's pages are MyST: roles (``{glue:text}`n_train```, ``{doc}``, ``{ref}``) and
directives (``:::{exercise}``, ``:::{solution}``, ``{literalinclude}``, admonitions) that
Jupyter Book renders and that Colab, Jupyter and VS Code would show as raw markup. This
module writes every one of them as plain notebook Markdown:

- a paragraph with glued values becomes a code cell (its code folded: Colab's form view,
  JupyterLab's hidden source) that shows the paragraph as Markdown with the values *this*
  notebook computed (``resnet_lib.book.notebook.glued``, filled by the chapter's ``glue`` calls);
- an exercise becomes a marked Markdown cell; the code cells that belong to it and the
  exercise cell carry ``{"exercise": label}`` in their metadata (the marking command uses it);
- a solution is folded in ``<details>`` (the full set) or left out (the students' set);
- ``{doc}``/``{ref}`` become links to the published book's page and anchor;
- ``{literalinclude}`` becomes the included code; admonitions become blockquotes.

Anything it does not know how to render is an error, so a new construct is handled on
purpose rather than shown raw. ``scripts/sync_notebooks.py`` calls it for every chapter.
"""

from __future__ import annotations

import ast
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import jupytext
import nbformat
import yaml

from resnet_lib.book.language import translate_comments
from resnet_lib.i18n import N_, SOURCE_LANGUAGE, Text, gettext

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
# the one rule for the book's address, which the Sphinx build uses too
from book_build import book_url  # noqa: E402

#: the book's catalogs (Sphinx's gettext): ``<language>/LC_MESSAGES/book/<chapter>.po``
LOCALES = ROOT / "locales"
EDITIONS = ("full", "student")
#: the admonitions, with the title each shows (as Jupyter Book shows them)
ADMONITIONS = {
    "admonition": "",
    "note": N_("Note"),
    "tip": N_("Tip"),
    "hint": N_("Hint"),
    "important": N_("Important"),
    "warning": N_("Warning"),
    "caution": N_("Caution"),
    "attention": N_("Attention"),
    "danger": N_("Danger"),
    "error": N_("Error"),
    "seealso": N_("Seealso"),
}

ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<content>[^`]*)`")
DIRECTIVE_START = re.compile(
    r"^(?P<fence>:{3,}|`{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>.*)$"
)
PLAIN_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})(?!\{)")
TARGET = re.compile(r"^\((?P<label>[\w:.-]+)\)=[ \t]*$")
OPTION = re.compile(r"^:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)

GLUE_HEADING = N_(
    "This passage with the numbers of your run (run the cell to show it)"
)
GLUE_TITLE = f"# @title {GLUE_HEADING}"
#: what a heading says first where its section opens with such a passage (a folded cell
#: would otherwise leave the heading with nothing under it until it runs)
GLUE_LEAD = N_(
    "*This section opens with numbers computed by the chapter: run the folded cell "
    "below to read it.*"
)
#: what the glue cell's folded code looks like on Colab (form) and in JupyterLab (hidden)
GLUE_METADATA = {
    "cellView": "form",
    "jupyter": {"source_hidden": True},
    "tags": ["hide-input"],
}


def config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def toc_files() -> list[str]:
    """Every file of _toc.yml (without suffix), in book order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for e in entries or []:
            if "file" in e:
                files.append(e["file"])
            walk(e.get("sections"))
            walk(e.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return files


def edition_folder(edition: str, language: str = SOURCE_LANGUAGE) -> str:
    """Where an edition in a language stands in the published site, below the book's
    address: "" (the book), "student/", and a Chinese edition under ``zh/`` of its
    English one ("zh/", "student/zh/"). The one layout that the twins' links, the
    builds (``edition_root``) and the site (scripts/assemble_site.py) follow."""
    folder = "student/" if edition == "student" else ""
    return folder if language == SOURCE_LANGUAGE else folder + "zh/"


def edition_url(edition: str = "full", settings: dict | None = None) -> str:
    """Where an edition is published, ending with '/': the book at the address that
    book_build.book_url gives for _config.yml (``settings``: its contents; the GitHub
    Pages address of ``repository.url``, or ``html.baseurl`` where it is set), the
    student edition under ``student/`` there. Each edition's twins link to pages of
    their own edition, so a student's notebook never leads to a solution."""
    settings = config() if settings is None else settings
    url = book_url(
        settings.get("repository", {}).get("url"),
        settings.get("html", {}).get("baseurl"),
    )
    return url + edition_folder(edition)


def language_url(edition: str, language: str) -> str:
    """Where a twin's links lead: its edition of the book in its language. A Chinese
    edition is published under ``zh/`` of its English one (the book's, the student
    edition's), so a Chinese student's notebook leads to Chinese pages without
    solutions."""
    return edition_url() + edition_folder(edition, language)


def book_messages(md: Path, language: str) -> dict[str, str]:
    """The chapter's translated paragraphs, by their English text with its
    whitespace collapsed (as Sphinx's gettext extracted them)."""
    if language == SOURCE_LANGUAGE:
        return {}
    from babel.messages.pofile import read_po

    po = LOCALES / language / "LC_MESSAGES" / "book" / f"{md.stem}.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    return {
        " ".join(m.id.split()): m.string
        for m in catalog
        if isinstance(m.id, str) and m.id and m.string and not m.fuzzy
    }


LIST_ITEM = re.compile(r"^(?P<mark>\s*(?:[-*+]|\d+[.)])\s+)(?P<text>.*)$")
HEADING = re.compile(r"^(?P<mark>#{1,6}\s+)(?P<text>.*)$")


def _translated(text: str, messages: dict[str, str]) -> Optional[str]:
    return messages.get(" ".join(text.split()))


def translate_markdown(source: str, messages: dict[str, str]) -> str:
    """A Markdown cell of a chapter with each paragraph, heading, list item, table
    cell and directive title replaced by its translation from ``messages`` (see
    :func:`book_messages`); code blocks, directive fences and options, targets and
    anything without a translation stay as they are."""
    if not messages:
        return source
    out: list[str] = []
    run: list[str] = []

    def flush():
        if not run:
            return
        whole = _translated("\n".join(run), messages)
        if whole is not None:
            out.append(whole)
        elif any(LIST_ITEM.match(line) for line in run):
            items: list[list[str]] = []
            for line in run:
                if LIST_ITEM.match(line) or not items:
                    items.append([line])
                else:
                    items[-1].append(line)
            for item in items:
                m = LIST_ITEM.match(item[0])
                body = [m.group("text") if m else item[0], *item[1:]]
                new = _translated("\n".join(body), messages)
                if new is None:
                    out.extend(item)
                else:
                    out.append(f"{m.group('mark') if m else ''}{new}")
        else:
            out.extend(run)
        run.clear()

    fence = None  # the open code block's fence
    directives: list[str] = []  # the open directives' fences
    for line in source.split("\n"):
        plain = PLAIN_FENCE.match(line)
        start = DIRECTIVE_START.match(line)
        if fence is not None:
            out.append(line)
            if line.startswith(fence):
                fence = None
            continue
        if directives and line.strip() == directives[-1]:
            flush()
            directives.pop()
            out.append(line)
            continue
        if plain and not start:
            flush()
            fence = plain.group("fence")
            out.append(line)
            continue
        heading = HEADING.match(line)
        if start:
            flush()
            directives.append(start.group("fence"))
            arg = start.group("arg").strip()
            new = _translated(arg, messages) if arg else None
            out.append(line if new is None else line.replace(arg, new, 1))
        elif heading:
            flush()
            new = _translated(heading.group("text"), messages)
            out.append(line if new is None else heading.group("mark") + new)
        elif line.startswith("|") and line.rstrip().endswith("|"):
            flush()
            cells = line.strip().strip("|").split("|")
            out.append(
                "|"
                + "|".join(
                    f" {_translated(c, messages) or c.strip()} "
                    if c.strip() and not set(c.strip()) <= set("-: ")
                    else c
                    for c in cells
                )
                + "|"
            )
        elif (
            not line.strip()
            or OPTION.match(line)
            or TARGET.match(line)
            or line.startswith("% ")
        ):
            flush()
            out.append(line)
        else:
            run.append(line)
    flush()
    return "\n".join(out)


#: the book's title in each translated edition (_config.yml has the English)
TITLES = {"zh_CN": "ResNet 交互式教程"}


def book_title(language: str = SOURCE_LANGUAGE) -> str:
    return TITLES.get(language) or config()["title"]


def title_of(md: Path, messages: dict[str, str]) -> str:
    """The chapter's title, translated if ``messages`` has it."""
    return _translated(page_title(md), messages) or page_title(md)


def page_title(md: Path) -> str:
    m = re.search(r"^# (.+)$", md.read_text(), re.M)
    return m.group(1).strip() if m else md.stem


@dataclass(frozen=True)
class Target:
    page: str  # a toc file, e.g. "book/degradation"
    anchor: Optional[str]
    title: str


def label_index(pages: list[str]) -> dict[str, Target]:
    """Every ``(label)=`` target and exercise ``:label:`` of the given toc files."""
    found: dict[str, Target] = {}
    for page in pages:
        path = ROOT / f"{page}.md"
        if not path.exists():
            continue
        lines = path.read_text().splitlines()
        n_ex = 0
        for i, line in enumerate(lines):
            m = TARGET.match(line)
            if m:
                heading = next((x for x in lines[i + 1 :] if x.strip()), "")
                found[m.group("label")] = Target(
                    page, m.group("label"), heading.lstrip("#").strip()
                )
            m = DIRECTIVE_START.match(line)
            if m and m.group("name") == "exercise":
                n_ex += 1
                for opt in lines[i + 1 : i + 6]:
                    o = OPTION.match(opt)
                    if o and o.group("key") == "label":
                        title = m.group("arg").strip() or f"Exercise {n_ex}"
                        found[o.group("value").strip()] = Target(
                            page, o.group("value").strip(), title
                        )
    return found


@dataclass
class _State:
    md: Path
    edition: str
    labels: dict[str, Target]
    url: str
    language: str = SOURCE_LANGUAGE
    n_exercises: int = 0
    exercise_numbers: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------- roles


def _link(state: _State, text: str, page: str, anchor: Optional[str]) -> str:
    return f"[{text}]({state.url}{page}.html{'#' + anchor if anchor else ''})"


def _doc(state: _State, content: str) -> str:
    m = EXPLICIT.match(content)
    text, target = (m.group("text"), m.group("target")) if m else ("", content)
    if target.startswith("/"):
        path = ROOT / target.lstrip("/")
    else:
        path = state.md.parent / target
    path = path.with_suffix(".md").resolve()
    if not path.exists():
        raise ValueError(f"{state.md.name}: {{doc}}`{content}` names no page")
    page = path.relative_to(ROOT).with_suffix("").as_posix()
    # the page's title in the twin's language, as the book's own link shows it
    title = title_of(path, book_messages(path, state.language))
    return _link(state, text or title, page, None)


def _ref(state: _State, content: str) -> str:
    m = EXPLICIT.match(content)
    text, label = (m.group("text"), m.group("target")) if m else ("", content)
    if label not in state.labels:
        raise ValueError(
            f"{state.md.name}: {{ref}}`{content}`: no label {label!r} in the book"
        )
    target = state.labels[label]
    return _link(state, text or target.title, target.page, target.anchor)


def _roles(state: _State, text: str) -> str:
    """Replace every role; a glued value becomes the placeholder ``\\x00name\\x00``."""

    def one(m: re.Match) -> str:
        role, content = m.group("role"), m.group("content")
        if role in ("glue", "glue:text", "glue:md"):
            if ":" in content:  # a format or another notebook's key
                raise ValueError(
                    f"{state.md.name}: glue {content!r}: only plain names are supported in twins"
                )
            return f"\x00{content}\x00"
        if role == "doc":
            return _doc(state, content)
        if role == "ref":
            return _ref(state, content)
        if role == "math":
            return f"${content}$"
        raise ValueError(
            f"{state.md.name}: no twin rendering for the role {{{role}}}"
        )

    out, pos = [], 0
    # leave inline code (`...` not preceded by a role) alone
    for m in re.finditer(r"(\{[\w:-]+\})?`[^`]*`", text):
        out.append(text[pos : m.start()])
        out.append(one(ROLE.match(m.group(0))) if m.group(1) else m.group(0))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


# ---------------------------------------------------------------- directives


@dataclass
class _Block:
    """A piece of a Markdown cell: prose, or one exercise / solution (own cells)."""

    text: str
    exercise: Optional[str] = None  # label, on the exercise's own cell
    solution: Optional[str] = None


def _options(body: list[str]) -> tuple[dict[str, str], list[str]]:
    options, i = {}, 0
    while i < len(body) and (m := OPTION.match(body[i])):
        options[m.group("key")] = m.group("value").strip()
        i += 1
    return options, body[i:]


def _literalinclude(state: _State, arg: str, options: dict[str, str]) -> str:
    path = (state.md.parent / arg.strip()).resolve()
    source = path.read_text()
    if "pyobject" in options:
        node: ast.AST = ast.parse(source)
        for part in options["pyobject"].split("."):
            node = next(
                n
                for n in ast.iter_child_nodes(node)
                if isinstance(
                    n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
                )
                and n.name == part
            )
        first = min(
            [node.lineno]
            + [d.lineno for d in getattr(node, "decorator_list", [])]
        )
        code = textwrap.dedent(
            "\n".join(source.splitlines()[first - 1 : node.end_lineno])
        )
    elif set(options) - {"language"}:
        raise ValueError(
            f"{state.md.name}: literalinclude options {sorted(options)} are not rendered in twins"
        )
    else:
        code = source
    rel = path.relative_to(ROOT).as_posix()
    what = f" (`{options['pyobject']}`)" if "pyobject" in options else ""
    return f"*From `{rel}`{what}:*\n\n```{options.get('language', 'python')}\n{code.rstrip()}\n```"


def _quote(text: str) -> str:
    return "\n".join(
        f"> {line}" if line.strip() else ">"
        for line in text.strip("\n").splitlines()
    )


def _blocks(state: _State, lines: list[str]) -> list[_Block]:
    """Split and convert Markdown lines into blocks (roles are converted later)."""
    blocks: list[_Block] = []
    prose: list[str] = []

    def flush():
        if "".join(prose).strip():
            blocks.append(_Block("\n".join(prose).strip("\n")))
        prose.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        plain = PLAIN_FENCE.match(line)
        start = DIRECTIVE_START.match(line)
        if plain and not start:  # an ordinary code block: copied as it is
            end = next(
                (
                    j
                    for j in range(i + 1, len(lines))
                    if lines[j].startswith(plain.group("fence"))
                ),
                len(lines),
            )
            prose.extend(lines[i : end + 1])
            i = end + 1
            continue
        if TARGET.match(line) or line.startswith(
            "% "
        ):  # (label)= targets and MyST comments
            i += 1
            continue
        if not start:
            prose.append(line)
            i += 1
            continue
        fence, name, arg = (
            start.group("fence"),
            start.group("name"),
            start.group("arg"),
        )
        end = next(
            (
                j
                for j in range(i + 1, len(lines))
                if lines[j].rstrip() == fence
            ),
            None,
        )
        if end is None:
            raise ValueError(
                f"{state.md.name}: the directive {{{name}}} opened at {line!r} is not closed"
            )
        options, body = _options(lines[i + 1 : end])
        i = end + 1
        inner = "\n\n".join(b.text for b in _blocks(state, body))
        if name == "exercise":
            flush()
            label = options.get("label") or f"exercise-{state.n_exercises + 1}"
            state.n_exercises += 1
            state.exercise_numbers[label] = state.n_exercises
            title = (
                Text(
                    "Exercise {n}: {title}",
                    n=state.n_exercises,
                    title=arg.strip(),
                )
                if arg.strip()
                else Text("Exercise {n}", n=state.n_exercises)
            ).render(state.language)
            blocks.append(
                _Block(f"---\n\n**✏️ {title}**\n\n{inner}", exercise=label)
            )
        elif name == "solution":
            flush()
            label = arg.strip()
            if state.edition == "full":
                n = state.exercise_numbers.get(label)
                summary = (
                    Text("Solution to exercise {n}", n=n)
                    if n
                    else Text("Solution")
                ).render(state.language)
                click = gettext("(click to open)", state.language)
                blocks.append(
                    _Block(
                        f"<details>\n<summary><b>{summary}</b> {click}</summary>\n\n"
                        f"{inner}\n\n</details>",
                        solution=label,
                    )
                )
            else:
                blocks.append(_Block("", solution=label))
        elif name in ADMONITIONS:
            kind = gettext(ADMONITIONS[name], state.language)
            title = (
                arg.strip()
                if name == "admonition"
                else kind + (f": {arg.strip()}" if arg.strip() else "")
            )
            prose.extend(["", _quote(f"**{title}**\n\n{inner}"), ""])
        elif name == "literalinclude":
            prose.extend(["", _literalinclude(state, arg, options), ""])
        else:
            raise ValueError(
                f"{state.md.name}: no twin rendering for the directive {{{name}}}"
            )
    flush()
    return blocks


def _passages(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into runs of paragraphs with and without glued values: ``[(text, glued)]``.
    A fenced code block stays whole."""
    chunks, current, fence = [], [], None
    for line in text.split("\n"):
        m = PLAIN_FENCE.match(line)
        if m and fence is None:
            fence = m.group("fence")
        elif fence and line.startswith(fence):
            fence = None
        if not line.strip() and fence is None:
            if current:
                chunks.append("\n".join(current))
            current = []
        else:
            current.append(line)
    if current:
        chunks.append("\n".join(current))
    runs: list[tuple[str, bool]] = []
    for chunk in chunks:
        glued = "\x00" in chunk
        if runs and runs[-1][1] == glued:
            runs[-1] = (runs[-1][0] + "\n\n" + chunk, glued)
        else:
            runs.append((chunk, glued))
    return runs


def _name_pattern(name: str, formatted: bool = True) -> re.Pattern:
    """``train_{name}`` (an f-string's, or a ``glues`` declaration's) as ``train_.+``."""
    literal = re.split(r"\{[^}]*\}", name) if formatted else [name]
    return re.compile(".+".join(re.escape(part) for part in literal))


def _glued_names(code: str) -> list[re.Pattern]:
    """The names a code cell glues: ``glue("n_train", ...)``; ``glue(f"train_{name}", ...)``
    as the pattern ``train_.+``; ``glue_all(results_values(...))``, the names that
    function declares (``@glues`` in its page module, imported by the cell's chapter
    from ``resnet_lib.book.pages``)."""
    patterns = [
        _name_pattern(m.group(3), bool(m.group(1)))
        for m in re.finditer(r"\bglue\(\s*(f?)([\"'])(.*?)\2", code)
    ]
    for m in re.finditer(r"\bglue_all\(\s*(\w+)\(", code):
        patterns += [_name_pattern(n) for n in _declared(m.group(1))]
    return patterns


#: the page-module functions the chapter being converted imports, by name
_PAGE_FUNCTIONS: dict[str, object] = {}


def _page_imports(source: str) -> None:
    """Note the functions a chapter imports from ``resnet_lib.book.pages``."""
    import importlib

    for m in re.finditer(
        r"from (resnet_lib\.book\.pages\.\w+) import \(?([\w\s,]+)\)?", source
    ):
        module = importlib.import_module(m.group(1))
        for name in re.findall(r"\w+", m.group(2)):
            _PAGE_FUNCTIONS[name] = getattr(module, name)


def _declared(function: str) -> tuple[str, ...]:
    names = getattr(_PAGE_FUNCTIONS.get(function), "glued_names", None)
    if names is None:
        raise ValueError(
            f"glue_all({function}(...)): {function} is no function of "
            "resnet_lib.book.pages imported by this chapter, or it does not declare "
            "the names it glues (@glues)"
        )
    return names


def _is_heading(cell: nbformat.NotebookNode) -> bool:
    """A Markdown cell that is a heading and nothing else."""
    text = cell.source.strip()
    return (
        cell.cell_type == "markdown"
        and "\n" not in text
        and re.match(r"^#{1,6} ", text) is not None
    )


def _glue_cell(
    text: str, language: str = SOURCE_LANGUAGE
) -> nbformat.NotebookNode:
    """A folded code cell that shows ``text`` (with ``\\x00name\\x00`` placeholders) as
    Markdown, filled with the values glued by this notebook's own cells."""
    escaped = text.replace("{", "{{").replace("}", "}}")
    body = re.sub(
        r"\x00([^\x00]+)\x00",
        lambda m: "{glued[" + repr(m.group(1)) + "]}",
        escaped,
    )
    if '"""' in body or body.rstrip().endswith("\\"):
        raise ValueError(f"cannot quote this passage in a twin: {text[:80]!r}")
    source = (
        f"# @title {gettext(GLUE_HEADING, language)}\nfrom IPython.display import Markdown\n\nfrom resnet_lib.book.notebook import glued\n\n"
        f'Markdown(rf"""\n{body}\n""")'
    )
    return nbformat.v4.new_code_cell(source, metadata=dict(GLUE_METADATA))


# ---------------------------------------------------------------- the notebook


#: how a chapter's Colab setup cell starts (scripts/sync_notebooks.py writes it)
SETUP_MARKER = "# Colab setup"
#: the cell that a translated twin runs after its setup cell
LANGUAGE_CELL = N_(
    "In this notebook's language: the sentences, figure labels and checkers' "
    "feedback that the code writes"
)


def convert(
    md: Path,
    edition: str = "full",
    nb: Optional[nbformat.NotebookNode] = None,
    pages: Optional[list[str]] = None,
    language: str = SOURCE_LANGUAGE,
) -> nbformat.NotebookNode:
    """The learner's notebook of chapter ``md``: ``edition`` "full" (solutions folded) or
    "student" (no solutions). ``nb``: the chapter as jupytext reads it (default: read ``md``);
    ``pages``: the toc files whose labels ``{ref}`` may name (default: :func:`toc_files`);
    ``language``: the notebook's language (its text from the book's catalogs, its
    code's words from the library's, with :func:`resnet_lib.book.language.use_language`)."""
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}; got {edition!r}")
    if nb is None:
        nb = jupytext.read(md)
    if pages is None:
        pages = toc_files()
    state = _State(
        md,
        edition,
        label_index(pages),
        language_url(edition, language),
        language,
    )
    messages = book_messages(md, language)
    page = md.relative_to(ROOT).with_suffix("").as_posix()
    cells: list[nbformat.NotebookNode] = []
    exercise: Optional[str] = None  # the exercise whose checker cells follow
    glued_so_far: list[
        re.Pattern
    ] = []  # names the code cells above glue (f-string names as patterns)
    _PAGE_FUNCTIONS.clear()
    _page_imports(md.read_text())
    for cell in nb.cells:
        if cell.cell_type == "code":
            glued_so_far += _glued_names(cell.source)
            new = nbformat.v4.new_code_cell(
                translate_comments(cell.source, language),
                metadata=dict(cell.metadata),
            )
            if exercise:
                new.metadata["exercise"] = exercise
            cells.append(new)
            if language != SOURCE_LANGUAGE and cell.source.startswith(
                SETUP_MARKER
            ):
                cells.append(
                    nbformat.v4.new_code_cell(
                        f"# {gettext(LANGUAGE_CELL, language)}\n"
                        "from resnet_lib.book.language import use_language\n\n"
                        f'use_language("{language}")'
                    )
                )
            continue
        if cell.cell_type != "markdown":
            cells.append(cell)
            continue
        source = translate_markdown(cell.source, messages)
        for block in _blocks(state, source.splitlines()):
            if block.exercise:
                exercise = block.exercise
            elif block.solution or re.match(r"^#{1,6} ", block.text):
                exercise = None
            if not block.text:
                continue
            for text, glued in _passages(_roles(state, block.text)):
                for name in re.findall(r"\x00([^\x00]+)\x00", text):
                    if not any(p.fullmatch(name) for p in glued_so_far):
                        raise ValueError(
                            f"{md.name}: the passage {text[:60]!r}... shows the glued value {name!r} "
                            "before any code cell glues it; a twin runs top to bottom, so glue it earlier"
                        )
                new = (
                    _glue_cell(text, language)
                    if glued
                    else nbformat.v4.new_markdown_cell(text)
                )
                if glued and cells and _is_heading(cells[-1]):
                    cells[-1].source += "\n\n" + gettext(GLUE_LEAD, language)
                if block.exercise or (exercise and not block.solution):
                    new.metadata["exercise"] = exercise
                if block.solution:
                    new.metadata["solution"] = block.solution
                cells.append(new)
    # where this notebook comes from, under its title
    first = cells[0] if cells and cells[0].cell_type == "markdown" else None
    template = (
        N_(
            "*The runnable notebook of [{title}]({page}), a chapter of "
            "[{book}]({url}), student edition: exercises without solutions. "
            "Run the cells from the top.*"
        )
        if edition == "student"
        else N_(
            "*The runnable notebook of [{title}]({page}), a chapter of "
            "[{book}]({url}). Run the cells from the top.*"
        )
    )
    note = Text(
        template,
        title=title_of(md, messages),
        page=f"{state.url}{page}.html",
        book=book_title(language),
        url=state.url,
    ).render(language)
    if first is not None and first.source.startswith("# "):
        title, _, rest = first.source.partition("\n")
        first.source = f"{title}\n\n{note}\n{rest}"
    else:
        cells.insert(0, nbformat.v4.new_markdown_cell(note))
    out = nbformat.v4.new_notebook(cells=cells)
    out.metadata = {
        k: v for k, v in nb.metadata.items() if k not in ("jupytext",)
    }
    out.metadata.setdefault(
        "kernelspec",
        {"display_name": "Python 3", "language": "python", "name": "python3"},
    )
    out.metadata["language_info"] = {"name": "python"}
    for i, c in enumerate(
        out.cells
    ):  # stable ids: an unchanged chapter gives an unchanged twin
        c.id = f"{md.stem[:40]}-{i}"
    return out
