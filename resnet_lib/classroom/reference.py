"""The exercises of a reference chapter notebook, and which exercise a student's cell answers.

A chapter's twin (``notebooks/<chapter>.ipynb``) states each exercise in Markdown and
follows it with the code cells that call its checker, up to its solution. Two forms are
read: cells whose metadata says ``{"exercise": "<label>"}`` (and ``{"solution": ...}``),
and Markdown holding ``:::{exercise}`` / ``:label: <label>`` and ``:::{solution} <label>``
fences. A student's copy may have lost its metadata (Colab drops some), its cells may be
moved, deleted or duplicated, so a verdict is matched to an exercise by the checker call
itself: the checker's name and the literal arguments of its question.
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Optional

_EVENT = re.compile(
    r"^:::\{(exercise|solution)\}[ \t]*(\S*)[^\n]*\n(.*?)^:::[ \t]*$",
    re.M | re.S,
)
_LABEL = re.compile(r"^:label:\s*(\S+)", re.M)
_CALL = re.compile(r"\b(check_\w+)\s*\(")


@dataclass
class Call:
    """One ``check_*(...)`` call in source: its name and the literal values of its question."""

    checker: str
    literals: dict[
        str, Any
    ]  # keyword (or position) -> value, for the literal arguments only
    sources: dict[
        str, str
    ]  # keyword (or position) -> source text, for every argument but the answer


@dataclass
class Exercise:
    label: str
    statement: str = ""
    cells: list[str] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    @property
    def checked(self) -> bool:
        return bool(self.calls)


def _text(source: Any) -> str:
    return "".join(source) if isinstance(source, list) else str(source or "")


def python_source(source: str) -> str:
    """Cell source with IPython syntax (``%pip``, ``!ls``) turned into Python."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - IPython missing or the cell is not even IPython
        return "\n".join(
            line
            for line in source.splitlines()
            if not line.lstrip().startswith(("%", "!"))
        )


def calls_in(source: str) -> list[Call]:
    """Every ``check_*(...)`` call in a code cell (by AST; by pattern when it does not parse)."""
    try:
        tree = ast.parse(python_source(source))
    except SyntaxError:
        return [Call(name, {}, {}) for name in _CALL.findall(source)]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = (
                node.func.id
                if isinstance(node.func, ast.Name)
                else node.func.attr
                if isinstance(node.func, ast.Attribute)
                else ""
            )
            if not name.startswith("check_"):
                continue
            literals, sources = {}, {}
            args = [(str(i), a) for i, a in enumerate(node.args)][1:] + [
                (k.arg, k.value) for k in node.keywords if k.arg
            ]
            for key, value in args:
                sources[key] = ast.unparse(value)
                try:
                    literals[key] = ast.literal_eval(value)
                except (ValueError, SyntaxError, TypeError):
                    pass
            found.append(Call(name, literals, sources))
    return found


def read_reference(nb) -> list[Exercise]:
    """The exercises of a chapter notebook (an ``nbformat`` notebook), in order."""
    exercises: dict[str, Exercise] = {}
    current: Optional[str] = None
    for cell in nb.cells:
        meta = cell.get("metadata", {}) or {}
        source = _text(cell.get("source"))
        if cell.get("cell_type") == "markdown":
            if meta.get("exercise"):
                current = str(meta["exercise"])
                exercises.setdefault(
                    current, Exercise(current)
                ).statement = _statement(source)
            elif meta.get("solution"):
                current = None
            for m in _EVENT.finditer(source):
                kind, arg, body = m.groups()
                if kind == "exercise":
                    found = _LABEL.search(body)
                    if found:
                        current = found.group(1)
                        exercises.setdefault(
                            current, Exercise(current)
                        ).statement = _statement(body)
                elif arg == current or not arg:
                    current = None
        elif cell.get("cell_type") == "code":
            label = str(meta["exercise"]) if meta.get("exercise") else current
            if label:
                ex = exercises.setdefault(label, Exercise(label))
                ex.cells.append(source)
                ex.calls.extend(calls_in(source))
    return list(exercises.values())


def _statement(markdown: str) -> str:
    lines = [
        line
        for line in markdown.splitlines()
        if line.strip()
        and not line.startswith((":", "---"))
        and "Exercise" not in line
    ]
    text = " ".join(" ".join(lines).split())
    return text[:160] + ("..." if len(text) > 160 else "")


class Matcher:
    """Which exercise a verdict belongs to, from the reference's checker calls."""

    def __init__(self, exercises: list[Exercise]):
        self.exercises = [e for e in exercises if e.checked]
        self.labels = [e.label for e in self.exercises]

    def cell_label(self, cell) -> Optional[str]:
        """The exercise a student's code cell belongs to: its metadata if it names one, else
        the exercise whose checker calls (then whose cells) it resembles most."""
        label = (cell.get("metadata", {}) or {}).get("exercise")
        if label in self.labels:
            return label
        source = _text(cell.get("source"))
        calls = calls_in(source)
        if not calls:
            return None
        scores: dict[str, tuple[int, float]] = {}
        for ex in self.exercises:
            same = [
                c for c in calls for r in ex.calls if c.checker == r.checker
            ]
            if not same:
                continue
            exact = sum(
                1
                for c in calls
                for r in ex.calls
                if c.checker == r.checker and c.sources == r.sources
            )
            similarity = max(
                difflib.SequenceMatcher(None, source, ref).ratio()
                for ref in ex.cells
            )
            scores[ex.label] = (exact, similarity)
        return max(scores, key=scores.__getitem__) if scores else None

    def label(self, verdict: dict, cell_label: Optional[str]) -> Optional[str]:
        """The exercise of one recorded verdict: the reference calls of the same checker whose
        literal arguments agree with the verdict's question; the cell decides between several."""
        question = verdict.get("question", {})
        candidates = []
        for ex in self.exercises:
            for ref in ex.calls:
                if ref.checker == verdict.get("checker") and all(
                    _same(question.get(k), v)
                    for k, v in _full_question(ref).items()
                ):
                    candidates.append(ex.label)
                    break
        if cell_label in candidates:
            return cell_label
        return candidates[0] if candidates else None


def _full_question(ref: Call) -> dict[str, Any]:
    """The literal part of a reference call's question, by parameter name, defaults included."""
    import inspect

    from resnet_lib.exercises.feedback import all_checkers

    fn = all_checkers().get(ref.checker)
    if fn is None:
        return {k: v for k, v in ref.literals.items() if not k.isdigit()}
    params = list(inspect.signature(inspect.unwrap(fn)).parameters.values())
    named = {
        params[int(k)].name if k.isdigit() and int(k) < len(params) else k: k
        for k in ref.sources
    }
    question = {}
    for p in params[1:]:
        if p.name in named:
            key = named[p.name]
            if key in ref.literals:
                question[p.name] = ref.literals[key]
        elif p.default is not inspect.Parameter.empty:
            question[p.name] = p.default
    return question


def _same(recorded: Optional[str], literal: Any) -> bool:
    """A verdict records its question as short reprs: compare a literal with one."""
    if recorded is None:
        return False
    return recorded == repr(literal) or recorded == _numeric(literal)


def _numeric(value: Any) -> str:
    from resnet_lib.exercises.feedback import fmt

    return (
        fmt(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool)
        else repr(value)
    )
