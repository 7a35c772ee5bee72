"""Finding a solution's text wherever it may have leaked: HTML, notebooks, sources, indexes.

A solution is fingerprinted by runs of eight words that occur in it and nowhere else in its
chapter's source (prose, code, exercises). Text is compared as lowercase words, so the same
sentence is found whether it is Markdown (``*training* error``), HTML
(``<em>training</em> error``) or a notebook's JSON.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from test_exercise_inventory import DIRECTIVE, exercises

SHINGLE = 8


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def shingles(tokens: list[str], n: int = SHINGLE) -> set[str]:
    return {" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def file_words(path: Path) -> str:
    """The words of a file as a reader or a search would see them, space-separated."""
    raw = path.read_bytes().decode("utf-8", "replace")
    if path.suffix == ".html":
        parser = _Text()
        parser.feed(raw)
        raw = " ".join(parser.parts)
    elif path.suffix == ".ipynb":
        try:
            nb = json.loads(raw)
        except json.JSONDecodeError:
            pass
        else:
            texts = []
            for cell in nb.get("cells", []):
                texts.append("".join(cell.get("source", [])))
                for out in cell.get("outputs", []):
                    texts.append(json.dumps(out))
            raw = "\n".join(texts)
    return " " + " ".join(words(raw)) + " "


def _outside_solutions(md: Path) -> set[str]:
    text = DIRECTIVE.sub(
        lambda m: "" if m.group(1) == "solution" else m.group(0),
        md.read_text(),
    )
    return shingles(words(text))


def solution_fingerprints(
    md: Path, book: tuple[Path, ...] = ()
) -> dict[str, set[str]]:
    """``{exercise label: runs of eight words found only in its solution}``: in no text of
    ``md`` (nor of the chapters ``book``) outside the solutions (so a common line such as
    ``import torch.nn.functional as F`` is no fingerprint)."""
    common = set().union(*(_outside_solutions(p) for p in {md, *book}))
    return {
        e.label: shingles(words(e.solution)) - common
        for e in exercises(md)
        if e.solution
    }


def leaked(fingerprints: dict[str, set[str]], haystack: str) -> list[str]:
    """The labels whose solution text appears in ``haystack`` (from :func:`file_words`)."""
    return [
        label
        for label, prints in fingerprints.items()
        if any(f" {p} " in haystack for p in prints)
    ]
