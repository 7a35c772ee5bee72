"""The result type shared by every exercise checker."""

from __future__ import annotations

import html
import numbers
from dataclasses import dataclass
from typing import Any, Optional


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``ok``, what was found, and a hint when it is wrong."""

    ok: bool
    message: str
    hint: str = ""

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        head = "Correct: " if self.ok else "Not yet: "
        return head + self.message + (f"\nHint: {self.hint}" if self.hint else "")

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.ok else "#b35900"
        hint = f"<br><b>Hint:</b> {html.escape(self.hint)}" if self.hint else ""
        return (f'<div style="border-left:4px solid {colour};padding:4px 10px">'
                f'<b>{"Correct" if self.ok else "Not yet"}:</b> {html.escape(self.message)}{hint}</div>')

    @classmethod
    def right(cls, message: str) -> "Feedback":
        return cls(True, message)

    @classmethod
    def wrong(cls, message: str, hint: str = "") -> "Feedback":
        return cls(False, message, hint)


def as_integer(answer: Any, what: str = "answer") -> tuple[Optional[int], Optional[Feedback]]:
    """``(int(answer), None)`` for an integral number, else ``(None, Feedback explaining why)``."""
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return None, Feedback.wrong(f"your {what} should be a number; got {answer!r} ({type(answer).__name__})",
                                    "compute it with Python arithmetic and pass the result, e.g. 3 * 3 * 64 * 64")
    if answer != int(answer):
        return None, Feedback.wrong(f"your {what} {answer} is not a whole number",
                                    "counts of parameters or layers are integers; check for a stray division")
    return int(answer), None
