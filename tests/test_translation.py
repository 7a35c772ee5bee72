"""The translated editions keep the numbers the chapters compute: a ``{glue:text}``
role inside a translated paragraph (a gettext catalog's msgstr) pastes the page's
value, through book/_ext/book_build.py. Without it the role pastes nothing."""

import functools
import os
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

    def build(**env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "sphinx", "-b", "html", "-q"]
            + [str(tmp_path), str(out)],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, **env},
        )

    # a Chinese page executed in English is refused: each edition speaks its own
    wrong = build(RESNET_LANG="en")
    assert wrong.returncode != 0 and "set RESNET_LANG=zh_CN" in wrong.stderr
    run = build(RESNET_LANG="zh_CN")
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


# ------------------------------------------------------------ the Chinese catalogs

import re  # noqa: E402

from babel.messages.pofile import read_po  # noqa: E402

ZH = ROOT / "locales" / "zh_CN"
CATALOGS = sorted((ZH / "LC_MESSAGES").rglob("*.po"))
#: one per chapter (toc.po holds the sidebar's part headings)
CHAPTER_CATALOGS = sorted((ZH / "LC_MESSAGES" / "book").glob("*.po"))
#: the library's catalog: what the code writes onto the pages (resnet_lib.i18n)
LIBRARY_CATALOG = (
    ROOT / "resnet_lib" / "locale" / "zh_CN" / "LC_MESSAGES" / "resnet_lib.po"
)
GLOSSARY_FILE = ZH / "glossary.yml"

ROLE = re.compile(r"\{[a-z:]+\}`[^`]*`")
#: a cross-reference's label (its text is translated): {ref}`text <label>`, {doc}`text <page>`,
#: {edition}`text <folder/>` (book/_ext/book_build.py: a link to another edition)
REF_LABEL = re.compile(r"\{(?:ref|doc|edition)\}`(?:[^`<]*<)?([^`<>]+)>?`")
CODE = re.compile(r"`[^`]+`")
MATH = re.compile(r"\$\$?[^$]+\$\$?")
LINK = re.compile(r"\]\(([^)]+)\)")


def keep(text: str) -> list:
    """What a translation must keep as it is: roles (a {ref}'s or {doc}'s label, not
    its text), inline code, math and link targets."""
    roles = [
        r
        for r in ROLE.findall(text)
        if not r.startswith(("{ref}", "{doc}", "{edition}"))
    ]
    rest = ROLE.sub("", text)
    code = CODE.findall(rest)
    rest = CODE.sub("", rest)  # a `$HOME` in code is not math
    return [
        sorted(roles),
        sorted(REF_LABEL.findall(text)),
        sorted(code),
        sorted(MATH.findall(rest)),
        sorted(LINK.findall(rest)),
    ]


def messages(path: Path):
    with path.open("rb") as f:
        catalog = read_po(f)
    return catalog, [m for m in catalog if m.id]


@pytest.mark.parametrize(
    "po", [*CATALOGS, LIBRARY_CATALOG], ids=lambda p: p.stem
)
def test_a_catalog_keeps_the_markup_and_has_no_fuzzy_message(po):
    catalog, found = messages(po)
    assert not catalog.fuzzy, f"{po.name}: the header is marked fuzzy"
    for m in found:
        assert not m.fuzzy, f"{po.name}:{m.lineno} is fuzzy"
        if m.string:
            assert keep(m.string) == keep(m.id), f"{po.name}:{m.lineno}"


def test_every_chapter_has_a_catalog():
    sys.path.insert(0, str(ROOT / "scripts"))
    import sync_notebooks

    pages = {p.stem for p in sync_notebooks.chapters()}
    assert pages <= {p.stem for p in CATALOGS}


@functools.lru_cache(maxsize=None)
def _glossary_file() -> dict:
    import yaml

    return yaml.safe_load(GLOSSARY_FILE.read_text())


def glossary() -> dict[str, str]:
    """English term -> its one Chinese rendering."""
    return {k: v for k, v in _glossary_file().items() if k != "avoid"}


def avoided() -> dict[str, str]:
    """Renderings the edition does not use -> the term used instead."""
    return _glossary_file().get("avoid", {})


ITALIC = re.compile(
    r"(?<![*\w])\*[^*]+\*(?![*\w])"
)  # cited titles stay English


def prose(text: str) -> str:
    """The words of a message: without roles, code, math, link targets and italics
    (the titles of the papers cited, which stay in English)."""
    for pattern in (ROLE, CODE, MATH, LINK, ITALIC):
        text = pattern.sub(" ", text)
    return text


def test_every_glossary_term_is_rendered_the_same_way_everywhere():
    """A message whose English uses a glossary term renders it with the glossary's
    Chinese term (the longest term that matches wins: "residual network" over
    "residual")."""
    terms = sorted(glossary().items(), key=lambda kv: -len(kv[0]))
    problems = []
    # (the library's messages name code without backticks, "torchvision's Bottleneck":
    # its catalog is held to the glossary by the `avoid` list below)
    for po in CATALOGS:
        for m in messages(po)[1]:
            if not m.string or isinstance(m.id, tuple):
                continue
            english = FIELD.sub(" ", prose(m.id)).lower()
            for term, chinese in terms:
                pattern = rf"(?<![\w-]){re.escape(term)}s?(?![\w-])"
                if re.search(pattern, english):
                    english = re.sub(pattern, " ", english)
                    if chinese not in m.string:
                        problems.append(
                            f"{po.stem}:{m.lineno} {term} -> {chinese}"
                        )
    assert not problems, "\n".join(problems)


def test_every_message_is_translated():
    """`make catalogs` after an English change brings new messages (empty) and changed
    ones (fuzzy): this fails until a translator has translated them."""
    missing = [
        f"{po.stem}:{m.lineno}"
        for po in [*CATALOGS, LIBRARY_CATALOG]
        for m in messages(po)[1]
        if not m.string
    ]
    assert not missing, missing


def test_no_catalog_uses_a_rendering_the_glossary_avoids():
    """Issue 24: 批量规范化 in prose (not "BatchNorm"), 步幅 (not 步长), 规范化 (not
    归一化), 选项 A, 偏移, 调度, 起始层 for the stem (主干网络 is a backbone), 错误
    rather than "bug": the glossary's `avoid` list, in every catalog's prose (code
    spans, roles, fields and link targets aside)."""
    problems = []
    avoid = avoided()
    for po in [*CATALOGS, LIBRARY_CATALOG]:
        for m in messages(po)[1]:
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            for string in strings:
                # an English gloss may name the abbreviation: （batch normalization，BatchNorm）
                words = re.sub(
                    r"（[A-Za-z][^）]*）", " ", FIELD.sub(" ", prose(string))
                )
                for wrong, right in avoid.items():
                    if re.search(
                        rf"(?<![A-Za-z]){re.escape(wrong)}(?![A-Za-z])", words
                    ):
                        problems.append(
                            f"{po.stem}:{m.lineno} {wrong} -> {right}"
                        )
    assert not problems, "\n".join(problems)


#: a field of a library message: {n:,}
FIELD = re.compile(r"\{[A-Za-z_][^{}]*\}")


def _squash(text: str) -> str:
    return re.sub(r"[\s*_`-]", "", text.lower())


def headings(po: Path) -> set[str]:
    """The headings of a chapter (its title among them), read from its source
    book/<chapter>.md: what follows the #s of a line outside code; a heading's
    message is its text."""
    source = ROOT / "book" / f"{po.stem}.md"
    if not source.exists():
        return set()
    found, fence = set(), None
    for line in source.read_text().splitlines():
        opening = re.match(r"\s*(`{3,}|~{3,})", line)
        if opening:
            if fence is None:
                fence = opening.group(1)
            elif line.strip() == fence:
                fence = None
            continue
        heading = re.match(r"#{1,6}\s+(.*?)\s*$", line)
        if fence is None and heading:
            found.add(heading.group(1))
    return found


#: 残差网络（residual network）: a Chinese term followed by its English in parentheses
GLOSS = re.compile(r"[\u4e00-\u9fff][*_]*（[A-Za-z][^）]*）")
#: the text of a cross-reference or a link: {ref}`text <label>`, [text](target)
LINK_TEXT = re.compile(r"\{(?:ref|doc)\}`([^`<]*)<[^`]*`|\[([^\]]*)\]\(")


def body_text(po: Path) -> str:
    """A chapter's translated body text in the order of the page: no heading (the
    title included), and no cross-reference's or link's text."""
    skip = headings(po)
    return "\n".join(
        LINK_TEXT.sub(" ", m.string)
        for m in messages(po)[1]
        if m.string and m.id not in skip
    )


def first_uses_without_english(po: Path) -> list[str]:
    """The glossary terms whose first use in a chapter's body text (its messages in
    the order of the page, headings and link texts aside) has no English term in the
    parentheses after it."""
    by_chinese: dict[str, list[str]] = {}
    for english, chinese in glossary().items():
        by_chinese.setdefault(chinese, []).append(english)
    text = re.sub(r"[*_]", "", body_text(po))
    missing = []
    for chinese, english in by_chinese.items():
        i = text.find(chinese)
        if i < 0:
            continue
        # 残差网络（residual network）: the parentheses may follow a longer term
        after = text[i + len(chinese) : i + len(chinese) + 60]
        gloss = re.match(r"[^（(。，；：\n]{0,6}[（(]([^）)]*)[）)]", after)
        words = [_squash(w) for e in english for w in e.split() if len(w) >= 4]
        if not (gloss and any(w in _squash(gloss.group(1)) for w in words)):
            missing.append(f"{chinese} ({english[0]}): …{text[i : i + 30]}…")
    return missing


@pytest.mark.parametrize("po", CHAPTER_CATALOGS, ids=lambda p: p.stem)
def test_the_english_term_is_beside_the_chinese_on_first_use(po):
    """Issue 17: in each chapter, a glossary term's first use carries the English
    term, 残差网络（residual network）, so a reader can find the English literature."""
    assert not first_uses_without_english(po)


def glosses_outside_body_text(po: Path) -> list[str]:
    """Glosses where a reader meets a term as a name, not in a sentence: a heading
    (the chapter's title: the browser tab, the sidebar, prev/next links and every
    cross-reference to it), the sidebar's part captions (toc.po), the text of a
    cross-reference or a link."""
    skip = headings(po)
    found = []
    for m in messages(po)[1]:
        if m.id in skip or po.stem == "toc":
            found += [
                f"{po.stem}:{m.lineno} {g}" for g in GLOSS.findall(m.string)
            ]
        for link in LINK_TEXT.finditer(m.string):
            text = link.group(1) or link.group(2) or ""
            found += [f"{po.stem}:{m.lineno} {g}" for g in GLOSS.findall(text)]
    return found


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.stem)
def test_no_heading_or_link_text_holds_a_gloss(po):
    """Issue 24: the English term goes beside its first use in body text only; a
    title with glosses wraps to three lines on a phone and repeats them wherever the
    title is shown."""
    assert not glosses_outside_body_text(po)


def test_the_gloss_checks_read_headings_from_the_chapter(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "x.md").write_text(
        "# Residual networks\n\n```python\n# a comment\n```\n\nBody.\n"
    )
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Residual networks"\nmsgstr "残差网络（residual network）"\n\n'
        'msgid "# a comment"\nmsgstr "残差网络"\n\n'
        'msgid "Body."\nmsgstr "见{ref}`残差块（residual block） <x>`。残差网络很深。"\n',
        encoding="utf-8",
    )
    assert headings(po) == {"Residual networks"}
    # the title's gloss does not count as the first use: the body's 残差网络 is bare
    assert any(
        m.startswith("残差网络") for m in first_uses_without_english(po)
    )
    assert (
        len(glosses_outside_body_text(po)) == 2
    )  # the title and the reference


def test_the_first_use_check_finds_a_bare_term(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "a"\nmsgstr "残差网络很深。残差网络（residual network）"\n\n'
        'msgid "b"\nmsgstr "**瓶颈块**（bottleneck block）与恒等映射（identity）"\n',
        encoding="utf-8",
    )
    missing = first_uses_without_english(po)
    assert any(m.startswith("残差网络") for m in missing)
    assert not any(m.startswith(("瓶颈块", "恒等映射")) for m in missing)


@pytest.mark.book
def test_the_chinese_edition_renders_from_the_execution_cache():
    """scripts/build_zh.py (after `make book`): every chapter rendered with its
    translated text (-W: no warning, so no glued value is missing), without executing
    anything, and a glued number inside a translated paragraph."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_zh.py")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Executing notebook" not in run.stdout + run.stderr
    html = ROOT / "_build" / "zh" / "_build" / "html"
    sys.path.insert(0, str(ROOT / "scripts"))
    import sync_notebooks

    for md in sync_notebooks.chapters():
        page = (html / "book" / f"{md.stem}.html").read_text()
        assert '<html lang="zh-CN"' in page or 'lang="zh_CN"' in page, md.stem
        assert re.search("[\u4e00-\u9fff]{4}", page), md.stem
    page = (html / "book" / "test-time.html").read_text()
    glued = re.search(
        r'<span class="pasted-text">([\d,]+)</span> 张测试图像', page
    )
    assert glued and int(glued.group(1).replace(",", "")) > 0
