"""The Colab twins as a learner opens them (no build needed).

Every chapter has two twins in each language, written by scripts/sync_notebooks.py
through scripts/learner_notebook.py: notebooks/<name>.ipynb (solutions folded) and
notebooks/student/<name>.ipynb (no solutions), and the same in Chinese under
notebooks/zh/ (their text from the book's catalogs). None may show MyST markup; the
students' sets may hold no solution text; links go to pages and anchors of the book;
exercises carry their labels for the marking command. (That the twins run top to bottom is checked in
tests/test_book.py, from a fresh virtual environment.)
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import learner_notebook  # noqa: E402
import sync_notebooks  # noqa: E402
from solution_text import file_words, leaked, solution_fingerprints  # noqa: E402
from test_exercise_inventory import exercises  # noqa: E402

CHAPTERS = sync_notebooks.chapters()
EDITIONS = learner_notebook.EDITIONS
LANGUAGES = ("en", *sync_notebooks.LANGUAGES)

# MyST that Colab, Jupyter and VS Code would show raw
RAW_MYST = re.compile(
    r"\{[\w:-]+\}`"  # a role: {glue:text}`x`, {doc}`x`, {ref}`x`
    r"|^\s*(:{3,}|`{3,})\{"  # a directive fence: :::{exercise}, ```{literalinclude}
    r"|^\([\w:.-]+\)=\s*$"  # a target: (label)=
    r"|^:(label|class|pyobject|tags):",
    re.M,
)


def twin(md: Path, edition: str, language: str = "en") -> dict:
    path = sync_notebooks.twin_path(md, edition, language)
    return json.loads(path.read_text())


def is_glue_cell(src: str) -> bool:
    return src.startswith("# @title ") and 'Markdown(rf"""' in src


def markdown_texts(nb: dict) -> list[str]:
    """What renders as Markdown: Markdown cells, and the passages the glue cells show."""
    out = []
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            out.append(src)
        elif is_glue_cell(src):
            out.append(src.split('rf"""', 1)[1])
    return out


CASES = [
    (md, edition, language)
    for md in CHAPTERS
    for edition in EDITIONS
    for language in LANGUAGES
]
IDS = [f"{language}-{edition}-{md.stem}" for md, edition, language in CASES]


def test_every_chapter_has_its_twins_in_every_language():
    assert len(CHAPTERS) >= 9 and LANGUAGES == ("en", "zh_CN")
    for md, edition, language in CASES:
        path = sync_notebooks.twin_path(md, edition, language)
        assert path.is_file(), (md.name, edition, language)


@pytest.mark.parametrize("md,edition,language", CASES, ids=IDS)
def test_no_myst_markup_reaches_the_learner(md, edition, language):
    nb = twin(md, edition, language)
    raw = [
        m.group(0)
        for text in markdown_texts(nb)
        for m in RAW_MYST.finditer(text)
    ]
    assert not raw, (
        f"{sync_notebooks.twin_path(md, edition, language)} shows raw MyST: "
        f"{raw[:5]}"
    )
    assert "jupytext" not in nb["metadata"], (
        "a generated twin must not declare a jupytext pairing"
    )


def test_the_markup_check_finds_markup():
    """The check above, on text that has each kind of markup it must catch."""
    for text in (
        "see {doc}`intro`",
        "{glue:text}`n_train` images",
        ":::{exercise}\n:label: x",
        "(my-label)=",
        "```{literalinclude} ../x.py",
        ":::{solution} ex\n:class: dropdown",
    ):
        assert RAW_MYST.search(text), text


@pytest.mark.parametrize("md", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_the_students_set_holds_no_solution(md):
    prints = solution_fingerprints(md)
    labels = [e.label for e in exercises(md)]
    assert set(prints) == set(labels)
    assert all(prints.values()), (
        f"a solution of {md.name} has no text of its own to look for: {prints}"
    )
    student = file_words(sync_notebooks.twin_path(md, "student"))
    full = file_words(sync_notebooks.twin_path(md, "full"))
    assert not leaked(prints, student), (
        f"solutions in the student twin of {md.name}: {leaked(prints, student)}"
    )
    # the same search finds every solution in the full twin (so it could fail above)
    assert sorted(leaked(prints, full)) == sorted(labels)


@pytest.mark.parametrize("md", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_the_chinese_students_set_holds_no_solution(md):
    """The English fingerprints do not find Chinese solutions: the lines of the
    Chinese full set's solution cells are looked for instead."""
    full = twin(md, "full", "zh_CN")
    lines = {
        line.strip()
        for c in full["cells"]
        if c["metadata"].get("solution")
        for line in "".join(c["source"]).splitlines()
        if len(line.strip()) >= 16 and "<" not in line and "```" not in line
    }
    assert len(exercises(md)) == 0 or lines
    student_cells = twin(md, "student", "zh_CN")["cells"]
    assert not [c for c in student_cells if c["metadata"].get("solution")]

    def stripped_lines(cells):
        return {
            line.strip()
            for c in cells
            for line in "".join(c["source"]).splitlines()
        }

    # a line a solution shares with the rest of the chapter (a code line, say) is
    # no leak
    rest = stripped_lines(
        c for c in full["cells"] if not c["metadata"].get("solution")
    )
    leaked_lines = (lines - rest) & stripped_lines(student_cells)
    assert not leaked_lines, leaked_lines[:3]


def code_comments(source: str) -> list[str]:
    """The comments of Python ``source`` (IPython's magics and shell lines left out)."""
    import io
    import tokenize

    code = "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line
        for line in source.split("\n")
    )
    return [
        tok.string.lstrip("#").strip()
        for tok in tokenize.generate_tokens(io.StringIO(code).readline)
        if tok.type == tokenize.COMMENT
    ]


@pytest.mark.parametrize("md", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_the_chinese_twins_read_in_chinese(md):
    """No paragraph of English prose is left (code, names and links excepted), and
    the code speaks Chinese from the cell after the setup cell on."""
    nb = twin(md, "full", "zh_CN")
    english = []
    for text in markdown_texts(nb):
        text = re.sub(r"```.*?```|\$\$.*?\$\$", "", text, flags=re.S)
        for para in re.split(r"\n\s*\n", text):
            words = re.findall(
                r"\b[a-zA-Z]{3,}\b",
                re.sub(r"\([^)]*\)|`[^`]*`|\{[^}]*\}|\$[^$]*\$", "", para),
            )
            if len(words) >= 4 and not re.search(r"[\u4e00-\u9fff]", para):
                english.append(para[:80])
    assert not english, english[:3]
    # a link to another chapter reads as that chapter's Chinese title
    links = [
        text
        for page in markdown_texts(nb)
        for text in re.findall(r"\[([^\]]+)\]\(https?://", page)
        if re.search(r"[A-Za-z]{3,}", text)
        and not re.search(r"[\u4e00-\u9fff]", text)
        and not re.fullmatch(r"[\w.-]+", text)  # a name (Colab, ResNet-50)
    ]
    assert not links, links[:3]
    # the code's comments are Chinese too (make catalogs extracts them)
    comments = [
        text
        for c in nb["cells"]
        if c["cell_type"] == "code"
        # the setup cell is the same in every twin (and on Colab's English UI)
        and not "".join(c["source"]).startswith("# Colab setup")
        for text in code_comments("".join(c["source"]))
        if len(re.findall(r"\b[A-Za-z]{3,}\b", text)) >= 3
        and not re.search(r"[\u4e00-\u9fff]", text)
        and not text.startswith(("noqa", "@title", "Colab setup"))
    ]
    assert not comments, comments[:3]
    code = [
        "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"
    ]
    setup = next(
        i for i, c in enumerate(code) if c.startswith("# Colab setup")
    )
    assert code[setup + 1].endswith('use_language("zh_CN")')


@pytest.mark.parametrize("md", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_solutions_are_folded_in_the_full_set(md):
    nb = twin(md, "full")
    solutions = [c for c in nb["cells"] if c["metadata"].get("solution")]
    assert len(solutions) == len(exercises(md))
    for cell in solutions:
        src = "".join(cell["source"])
        assert src.startswith("<details>") and src.rstrip().endswith(
            "</details>"
        ), src[:80]
        assert "<summary>" in src


@pytest.mark.parametrize("md", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_both_sets_run_the_same_code(md):
    """The students' set differs from the full set only in Markdown, so running the full
    set from a fresh venv (tests/test_book.py) runs the students' code too."""

    def code(
        edition, language
    ):  # links in the glued passages name the edition's own pages
        url = learner_notebook.language_url(edition, language)
        return [
            "".join(c["source"]).replace(url, "BOOK/")
            for c in twin(md, edition, language)["cells"]
            if c["cell_type"] == "code"
        ]

    for language in LANGUAGES:
        assert code("student", language) == code("full", language)


@pytest.mark.parametrize("md,edition,language", CASES, ids=IDS)
def test_exercises_and_their_checker_cells_carry_their_label(
    md, edition, language
):
    nb = twin(md, edition, language)
    for ex in exercises(md):
        marked = [
            c for c in nb["cells"] if c["metadata"].get("exercise") == ex.label
        ]
        statement = [c for c in marked if c["cell_type"] == "markdown"]
        assert len(statement) == 1 and "**✏️ " in "".join(
            statement[0]["source"]
        ), ex.label
        checkers = [c for c in marked if c["cell_type"] == "code"]
        assert [
            n
            for c in checkers
            for n in re.findall(r"\b(check_\w+)\(", "".join(c["source"]))
        ] == ex.checkers


@pytest.mark.parametrize("md,edition,language", CASES, ids=IDS)
def test_links_point_to_pages_and_labels_of_the_edition(md, edition, language):
    base = learner_notebook.language_url(edition, language)
    labels = learner_notebook.label_index(learner_notebook.toc_files())
    pages = set(learner_notebook.toc_files())
    found = 0
    for text in markdown_texts(twin(md, edition, language)):
        for url in re.findall(r"\]\((https?://[^)\s]+)\)", text):
            if not url.startswith(learner_notebook.edition_url("full")):
                continue  # an outside reference (a paper, Colab)
            found += 1
            assert url.startswith(base), (
                f"{edition} twin of {md.name} links to another edition: {url}"
            )
            parsed = urlparse(url[len(base) :])
            page = parsed.path.removesuffix(".html")
            assert not page.startswith("zh/"), url
            if page:  # "" is the book's front page
                assert page in pages, (
                    f"{md.name}: {url} is no page of the book"
                )
            if parsed.fragment:
                assert (
                    parsed.fragment in labels
                    and labels[parsed.fragment].page == page
                ), url
    assert found >= 1  # every twin links at least its own page


def test_glue_passages_show_values_computed_in_the_notebook():
    nb = twin(ROOT / "book" / "degradation.md", "full")
    passages = [
        c
        for c in nb["cells"]
        if "".join(c["source"]).startswith(learner_notebook.GLUE_TITLE)
    ]
    assert passages
    for cell in passages:
        assert (
            cell["metadata"]["cellView"] == "form"
            and cell["metadata"]["jupyter"]["source_hidden"]
        )
        compile(
            "".join(cell["source"]).replace("%pip", "#"), "cell", "exec"
        )  # valid Python
    names = {
        n
        for c in passages
        for n in re.findall(r"\{glued\['([^']+)'\]\}", "".join(c["source"]))
    }
    assert {"n_train", "plain_sentence", "train_ResNet-56", "seed"} <= names


def _convert(markdown: str, edition: str = "full"):
    md = ROOT / "book" / "degradation.md"
    nb = jupytext.reads(markdown, fmt="md:myst")
    return learner_notebook.convert(
        md, edition, nb, learner_notebook.toc_files()
    )


def test_converter_renders_each_construct():
    nb = _convert("""# Title

```{code-cell} ipython3
from resnet_lib.book.notebook import glue
glue("x", 3, display=False)
glue(f"err_{'a'}", 1, display=False)
```

(a-target)=
## Section

See {doc}`training-cifar10`, {ref}`the plain-56 gap <ex-degradation-gap>` and $x$ = {glue:text}`x`.

:::{admonition} Careful
:class: warning
Body with {math}`y^2`.
:::

```{literalinclude} ../resnet_lib/book/notebook.py
:pyobject: in_colab
```

:::{exercise}
:label: ex-a
Do it.
:::

```{code-cell} ipython3
check_something(answer)
```

:::{solution} ex-a
:class: dropdown
The secret answer.
:::
""")
    text = "\n".join(c.source for c in nb.cells)
    assert (
        "(https://resnet-interactively.github.io/resnet-book/book/training-cifar10.html)"
        in text
    )
    assert (
        "[the plain-56 gap](https://resnet-interactively.github.io/resnet-book/book/degradation.html#ex-degradation-gap)"
        in text
    )
    assert "> **Careful**" in text and "$y^2$" in text
    assert "def in_colab() -> bool:" in text and "```python" in text
    assert (
        "**✏️ Exercise 1**" in text
        and "<details>" in text
        and "The secret answer." in text
    )
    glue_cell = next(
        c
        for c in nb.cells
        if c.cell_type == "code"
        and c.source.startswith(learner_notebook.GLUE_TITLE)
    )
    assert "{glued['x']}" in glue_cell.source
    checker = next(c for c in nb.cells if "check_something" in c.source)
    assert checker.metadata["exercise"] == "ex-a"
    student = _convert(
        """# T\n\n:::{exercise}\n:label: ex-a\nDo it.\n:::\n\n:::{solution} ex-a\n:class: dropdown\nThe secret answer.\n:::\n""",
        "student",
    )
    assert "secret" not in json.dumps(student)
    assert "resnet-book/student/" in student.cells[0].source


@pytest.mark.parametrize(
    "markdown,error",
    [
        (
            "# T\n\n:::{figure} x.png\n:::\n",
            "no twin rendering for the directive",
        ),
        ("# T\n\nSee {numref}`fig-x`.\n", "no twin rendering for the role"),
        ("# T\n\nSee {ref}`no-such-label`.\n", "no label"),
        ("# T\n\nSee {doc}`no-such-page`.\n", "names no page"),
        ("# T\n\n:::{exercise}\n:label: e\nnever closed\n", "is not closed"),
        (
            "# T\n\nThe value {glue:text}`late`.\n\n```{code-cell} ipython3\nglue('late', 1)\n```\n",
            "before any code cell glues it",
        ),
    ],
)
def test_converter_refuses_what_it_cannot_render(markdown, error):
    with pytest.raises(ValueError, match=error):
        _convert(markdown)


@pytest.mark.slow  # converts a chapter into its four twins: about 4 s
def test_the_twin_check_does_not_depend_on_the_jupytext_release(monkeypatch):
    """A chapter written by one patch release of jupytext is in sync under another.

    (pip resolved jupytext 1.19.7 for a chapter whose header said 1.19.6, and the check
    called every chapter out of date.) The header keeps the release it names; the
    format it declares is still compared.
    """
    import jupytext.header

    md = ROOT / "book" / "intro.md"
    monkeypatch.setattr(jupytext.header, "__version__", "9.99.1")
    text, _ = sync_notebooks.expected(md)
    assert text == md.read_text()
    header = md.read_text()
    other_format = header.replace(
        "format_version: 0.13", "format_version: 0.12"
    )
    assert sync_notebooks.keep_tool_version(other_format, header) != header


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_no_heading_is_left_with_nothing_under_it_until_a_cell_runs(language):
    """Issue 26: where a section opens with a passage of glued numbers (a folded cell in
    a twin), the heading says so, instead of standing over a folded cell alone."""
    found = 0
    for md in CHAPTERS:
        cells = twin(md, "full", language)["cells"]
        for above, cell in zip(cells, cells[1:]):
            if is_glue_cell("".join(cell["source"])):
                text = "".join(above["source"]).strip()
                assert not (
                    above["cell_type"] == "markdown"
                    and re.fullmatch(r"#{1,6} [^\n]*", text)
                ), (
                    f"{md.name}: {text!r} has nothing under it but a folded cell"
                )
                found += text.startswith("#")
    assert (
        found >= 3
    )  # why-residual-networks-train, test-time, vanishing-gradients
