"""Issue 26's errata that the chapters' Markdown can show without a build."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("*.md"))

#: "the" before a {doc} role without explicit text: the role renders the page's title, so
#: "The {doc}`degradation` chapter" read "The The degradation problem chapter". Write
#: "the chapter {doc}`degradation`" or {doc}`the degradation chapter <degradation>`.
_THE_DOC = re.compile(r"\b[Tt]he\s+\{doc\}`([^`<]*)`")


def the_before_doc(text: str) -> list[str]:
    return [m.group(0) for m in _THE_DOC.finditer(text)]


def test_the_pattern_is_found_across_a_line_break_and_explicit_text_passes():
    assert the_before_doc("The {doc}`degradation` chapter") == [
        "The {doc}`degradation`"
    ]
    assert the_before_doc("in the\n  {doc}`degradation` chapter")
    assert not the_before_doc("the {doc}`degradation chapter <degradation>`")
    assert not the_before_doc(
        "the chapter {doc}`degradation` and {doc}`expansion`"
    )
    assert not the_before_doc("other {doc}`degradation`")


def test_no_chapter_puts_the_before_a_doc_role_without_explicit_text():
    assert CHAPTERS
    found = {
        md.name: hits
        for md in CHAPTERS
        if (hits := the_before_doc(md.read_text(encoding="utf-8")))
    }
    assert not found, found
