"""The result type shared by every exercise checker, and the one place that reads answers.

Every checker takes what a student typed: a Python ``int`` or ``float``, a numpy scalar or
0-d array, a torch scalar tensor of any dtype, and sometimes a string, ``None``, a list, a
model or a class where a number should be. :func:`read_number` turns the numbers into one
:class:`Number` (value and the precision of the type it came in) and everything else into a
:class:`Feedback` that names what was passed and says what to pass instead, with an example
that fits the question (:class:`Question`). So every checker accepts the same answers and
explains the same mistakes in the same words.

A real-valued answer matches with a relative tolerance (``Question.rel``, and never less
than a few units in the last place of the dtype it came in: ``torch.tensor(0.1).item()``
is 0.10000000149, and right). A count matches exactly, unless it came as a float, which
then has to be the count up to its dtype's rounding.

Checkers are wrapped by :func:`checker`, which turns an unexpected exception on a student's
answer into a :class:`Feedback` (checkers never raise on an answer; only a question the
teacher wrote wrongly raises :class:`QuestionError`) and reports each verdict to the
listeners registered with :func:`add_listener` (the classroom marker records them).
"""

from __future__ import annotations

import functools
import html
import inspect
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union


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
        return (
            head + self.message + (f"\nHint: {self.hint}" if self.hint else "")
        )

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.ok else "#b35900"
        hint = (
            f"<br><b>Hint:</b> {html.escape(self.hint)}" if self.hint else ""
        )
        return (
            f'<div style="border-left:4px solid {colour};padding:4px 10px">'
            f"<b>{'Correct' if self.ok else 'Not yet'}:</b> {html.escape(self.message)}{hint}</div>"
        )

    @classmethod
    def right(cls, message: str) -> "Feedback":
        return cls(True, message)

    @classmethod
    def wrong(cls, message: str, hint: str = "") -> "Feedback":
        return cls(False, message, hint)


class QuestionError(ValueError):
    """The question itself is wrong (e.g. ``part="weights"``): the teacher's mistake, raised."""


# ------------------------------------------------------------ recording verdicts

Listener = Callable[[str, Feedback, dict], None]
_LISTENERS: list[Listener] = []


def add_listener(listener: Listener) -> None:
    """Call ``listener(checker_name, feedback, call)`` after every checker returns.

    ``call`` describes the call without holding the student's objects:
    ``{"answer": "<what was passed, in words>", "question": {keyword: repr}}``.
    """
    _LISTENERS.append(listener)


def remove_listener(listener: Listener) -> None:
    if listener in _LISTENERS:
        _LISTENERS.remove(listener)


def _short_repr(value: Any, limit: int = 80) -> str:
    if isinstance(value, (bool, int, float, str)) or value is None:
        text = repr(value)
    else:
        text = describe(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def checker(fn: Callable[..., Feedback]) -> Callable[..., Feedback]:
    """Make ``fn`` a checker: never raise on an answer, and report every verdict."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def check(*args, **kwargs) -> Feedback:
        call: dict = {"answer": "", "question": {}}
        try:
            signature.bind(*args, **kwargs)
        except TypeError as err:
            feedback = Feedback.wrong(
                f"{fn.__name__}{_call_shape(args, kwargs)} does not fit the checker: {err}",
                f"call it as {fn.__name__}{_usage(signature)}",
            )
        else:
            full = signature.bind(*args, **kwargs)
            full.apply_defaults()  # the whole question, defaults included, for the marker
            values = list(full.arguments.values())
            call = {
                "answer": _short_repr(values[0]) if values else "",
                "question": {
                    k: _short_repr(v)
                    for k, v in list(full.arguments.items())[1:]
                },
            }
            try:
                feedback = fn(*args, **kwargs)
            except QuestionError:
                raise
            except Exception as err:  # noqa: BLE001 - a student's answer never becomes a traceback
                feedback = Feedback.wrong(
                    f"the checker could not read your answer ({type(err).__name__}: {clip(str(err))})",
                    f"pass your answer as {fn.__name__}{_usage(signature)} shows",
                )
        for listener in list(_LISTENERS):
            try:
                listener(fn.__name__, feedback, call)
            except Exception:  # noqa: BLE001 - recording must not change what the student sees
                pass
        return feedback

    setattr(
        check, "__checker__", True
    )  # marks checkers (a function attribute the type of `check` does not declare)
    return check


def _call_shape(args, kwargs) -> str:
    parts = [describe(a) for a in args] + [
        f"{k}={describe(v)}" for k, v in kwargs.items()
    ]
    return "(" + ", ".join(parts) + ")"


def _usage(signature: inspect.Signature) -> str:
    names = [
        p.name
        for p in signature.parameters.values()
        if p.default is inspect.Parameter.empty
    ]
    return (
        "(" + ", ".join(names) + ", ...)"
        if len(names) < len(signature.parameters)
        else "(" + ", ".join(names) + ")"
    )


def clip(text: object, limit: int = 160) -> str:
    """``text`` (an error, a repr, ...) on one line, cut to ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ------------------------------------------------------------ reading answers


@dataclass(frozen=True)
class Question:
    """What a checker asks for, so that a wrong kind of answer gets a hint that fits.

    Args:
        what: the quantity, in words ("depth", "parameter count", "learning rate").
        example: a line that shows the form of an answer without giving it away.
        integer: whether the answer is a count.
        rel: relative tolerance for a real-valued answer.
    """

    what: str
    example: str
    integer: bool = True
    rel: float = 1e-6


@dataclass(frozen=True)
class Number:
    """A student's number, with the relative precision of the type it was given in
    (0 for Python and numpy/torch integers; 2**-24 for float32; 2**-53 for float64)."""

    value: Union[int, float]
    precision: float = 0.0

    def matches(
        self, expected: float, rel: float = 0.0, abs_tol: float = 0.0
    ) -> bool:
        """``value == expected`` up to ``rel``, ``abs_tol`` and the rounding of its own type."""
        if self.precision == 0.0 and rel == 0.0 and abs_tol == 0.0:
            return self.value == expected
        tol = (
            max(rel, 4 * self.precision) * max(abs(expected), abs(self.value))
            + abs_tol
        )
        return abs(self.value - expected) <= tol

    def __str__(self) -> str:
        return fmt(self.value)


def fmt(value: Union[int, float]) -> str:
    """A number as a reader writes it: ``230,144``, ``0.01``, ``182.04``."""
    if isinstance(value, int):
        return f"{value:,}"
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.6g}"


_FLOAT_PRECISION = {2: 2.0**-11, 4: 2.0**-24, 8: 2.0**-53}


def describe(obj: Any) -> str:
    """What ``obj`` is, in words and in at most a line (never its repr when that is long)."""
    if obj is None:
        return "None"
    if isinstance(obj, bool):
        return f"{obj} (a bool)"
    if isinstance(obj, str):
        return f"the text {clip(repr(obj), 60)}"
    if isinstance(obj, (int, float)):
        return fmt(obj)
    torch = _module("torch")
    np = _module("numpy")
    if torch is not None and isinstance(obj, torch.Tensor):
        if obj.numel() == 1:
            return f"a tensor holding {fmt(obj.item())}"
        return f"a tensor of shape {tuple(obj.shape)} ({obj.numel()} numbers)"
    if np is not None and isinstance(obj, np.ndarray):
        if obj.size == 1:
            return f"a numpy array holding {obj.item()!r}"
        return f"a numpy array of shape {obj.shape} ({obj.size} numbers)"
    if np is not None and isinstance(obj, np.generic):
        return f"a numpy {type(obj).__name__} {obj.item()!r}"
    if isinstance(obj, (list, tuple, set, dict)):
        return (
            f"a {type(obj).__name__} of {len(obj)} item{'s' * (len(obj) != 1)}"
        )
    if torch is not None and isinstance(obj, torch.nn.Module):
        return (
            f"a {type(obj).__name__} model (an nn.Module)"
            if len(list(obj.children())) > 1
            or type(obj).__name__.lower().startswith("resnet")
            else f"a {type(obj).__name__} module (an instance)"
        )
    if isinstance(obj, type):
        return f"the class {obj.__name__}"
    if (
        inspect.isfunction(obj)
        or inspect.ismethod(obj)
        or inspect.isbuiltin(obj)
    ):
        return f"the function {getattr(obj, '__name__', '?')}"
    if callable(obj):
        return f"a callable {type(obj).__name__}"
    return f"a {type(obj).__name__}"


def _module(name: str):
    import sys

    return sys.modules.get(name)


def read_number(
    answer: Any, question: Question
) -> tuple[Optional[Number], Optional[Feedback]]:
    """``(Number, None)`` for one real number in any of the accepted types, else
    ``(None, Feedback)`` saying what was passed and what to pass instead."""
    example = f"e.g. {question.example}"
    if answer is None:
        return None, Feedback.wrong(
            "your answer is still None",
            f"replace None with your {question.what}: {example}",
        )
    if isinstance(answer, bool):
        return None, Feedback.wrong(
            f"you passed {answer} (a bool) where your {question.what} goes",
            f"pass the number itself, {example}",
        )
    if isinstance(answer, str):
        parsed = _parse_number_text(answer)
        if parsed is not None:
            return None, Feedback.wrong(
                f"you passed the text {clip(repr(answer), 40)}, not a number",
                f"pass the number {parsed!r} without quotes",
            )
        return None, Feedback.wrong(
            f"you passed the text {clip(repr(answer), 40)} where your {question.what} goes",
            f"pass a number, computed with Python if you like: {example}",
        )
    value, precision = _scalar(answer)
    if value is None:
        if precision == -1.0:  # an array or tensor with several numbers
            return None, Feedback.wrong(
                f"you passed {describe(answer)} where one number goes",
                "reduce it to the one number the question asks for and take it out "
                "with .item(), e.g. x.sum().item()",
            )
        if isinstance(answer, (list, tuple, set, dict)):
            return None, Feedback.wrong(
                f"you passed {describe(answer)} where one number goes",
                f"the question asks for a single {question.what}: {example}",
            )
        return None, Feedback.wrong(
            f"you passed {describe(answer)} where your {question.what} (a number) goes",
            f"put your number first: {example}",
        )
    if isinstance(value, complex) or math.isnan(value) or math.isinf(value):
        return None, Feedback.wrong(
            f"{value} is not a {question.what}",
            f"pass a finite real number: {example}",
        )
    return Number(value, precision), None


def read_integer(
    answer: Any, question: Question
) -> tuple[Optional[int], Optional[Feedback]]:
    """Like :func:`read_number` for a count: a float must be a whole number up to its
    dtype's rounding (``np.float32(230144)`` is ``230144``)."""
    number, problem = read_number(answer, question)
    if problem is not None:
        return None, problem
    assert (
        number is not None
    )  # read_number gives a Number whenever it gives no Feedback
    value = number.value
    if isinstance(value, int):
        return value, None
    nearest = round(value)
    if Number(value, number.precision).matches(nearest, rel=1e-12):
        return int(nearest), None
    return None, Feedback.wrong(
        f"your {question.what} {fmt(value)} is not a whole number",
        f"a {question.what} is an integer; look for a stray division (use // or round)",
    )


def _scalar(answer: Any) -> tuple[Optional[Union[int, float, complex]], float]:
    """``(value, precision)``; ``(None, -1.0)`` for several numbers; ``(None, 0.0)`` otherwise."""
    if isinstance(answer, numbers.Integral):
        return int(answer), 0.0
    if isinstance(answer, float):
        return float(answer), 2.0**-53
    torch = _module("torch")
    np = _module("numpy")
    if torch is not None and isinstance(answer, torch.Tensor):
        if answer.numel() != 1:
            return None, -1.0
        if answer.dtype.is_complex:
            return complex(answer.item()), 0.0
        if answer.dtype.is_floating_point:
            return float(answer.item()), _FLOAT_PRECISION.get(
                answer.element_size(), 2.0**-8
            ) if answer.dtype != torch.bfloat16 else 2.0**-8
        return int(answer.item()), 0.0
    if np is not None and isinstance(answer, (np.ndarray, np.generic)):
        arr = np.asarray(answer)
        if arr.size != 1:
            return None, -1.0
        item = arr.reshape(()).item()
        if arr.dtype.kind in "iub":
            return int(item), 0.0
        if arr.dtype.kind == "f":
            return float(item), _FLOAT_PRECISION.get(
                arr.dtype.itemsize, 2.0**-64
            )
        if arr.dtype.kind == "c":
            return complex(item), 0.0
        return None, 0.0
    if isinstance(answer, numbers.Real):  # Fraction and other exact reals
        return float(answer), 2.0**-53
    if isinstance(answer, numbers.Complex):
        return complex(answer), 0.0
    try:
        import decimal

        if isinstance(answer, decimal.Decimal):
            return float(answer), 2.0**-53
    except Exception:  # noqa: BLE001
        pass
    return None, 0.0


def _parse_number_text(text: str) -> Optional[Union[int, float]]:
    cleaned = text.strip().replace(",", "").replace("_", "").replace(" ", "")
    try:
        return int(cleaned)
    except ValueError:
        pass
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def as_integer(
    answer: Any, what: str = "answer"
) -> tuple[Optional[int], Optional[Feedback]]:
    """``(int(answer), None)`` for an integral number, else ``(None, Feedback explaining why)``.

    Kept for callers outside this package; checkers pass a :class:`Question` to
    :func:`read_integer` so that the hint fits the question.
    """
    return read_integer(answer, Question(what, "answer = 3 * 3 * 64 * 64"))
