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

import contextlib
import functools
import html
import inspect
import math
import numbers
import sys
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional, Union

from ..i18n import LONG, N_, Text, _, digit_count, scientific

#: what a checker says: a fixed message (``_("...")``, already in the reader's
#: language) or a :class:`~resnet_lib.i18n.Text`, a sentence with values that is
#: rendered in the current language when it is read
Message = Union[str, Text]


def say(message: Message) -> str:
    """``message`` as the reader reads it, in the current language."""
    return message.render() if isinstance(message, Text) else message


@dataclass(frozen=True, init=False)
class Feedback:
    """The verdict on one answer: ``ok``, what was found, and a hint when it is wrong.

    ``message`` and ``hint`` are strings in the current language; the checker gives
    each as a str or a :class:`~resnet_lib.i18n.Text`, kept as given in
    ``message_text`` and ``hint_text`` and rendered when read.

    A hint can also come in ``steps``, given only when asked for, from what is wrong
    in the output to where it comes from to the fix (the find-the-bug exercises: the
    verdict itself must not give the bug away). A student asks with the checker's
    ``hint=`` keyword (``check_fix(MyBlock, bug="double-relu", hint=1)``), which
    :func:`checker` reads: ``asked`` steps are shown, and the feedback says how to ask
    for the next. ``hint`` (the hint given unasked) is shown as before.
    """

    ok: bool
    message_text: Message
    hint_text: Message = ""
    steps: tuple[Message, ...] = ()
    asked: int = 0

    def __init__(
        self,
        ok: bool,
        message: Message,
        hint: Message = "",
        steps: tuple[Message, ...] = (),
        asked: int = 0,
    ) -> None:
        object.__setattr__(self, "ok", ok)
        object.__setattr__(self, "message_text", message)
        object.__setattr__(self, "hint_text", hint)
        object.__setattr__(self, "steps", tuple(steps))
        object.__setattr__(self, "asked", max(0, min(asked, len(steps))))

    @property
    def message(self) -> str:
        return say(self.message_text)

    @property
    def hint(self) -> str:
        """The hint as shown: the one given unasked, then each step asked for, a line each."""
        return "\n".join(say(h) for h in self.hints)

    @property
    def hints(self) -> list[Message]:
        """What is shown of the hint: the unasked one, then the steps asked for."""
        return [h for h in (self.hint_text,) if h] + list(
            self.steps[: self.asked]
        )

    def asking(self, step: int) -> "Feedback":
        """This verdict with the hint's first ``step`` steps shown."""
        return Feedback(
            self.ok, self.message_text, self.hint_text, self.steps, step
        )

    def _lines(self) -> list[tuple[str, str, str]]:
        """``(label, text, line)`` of every line under the verdict, in the current
        language: ``line`` is the whole line as plain text, the label's words and the
        text in the order the language puts them."""
        lines = []
        if self.hint_text:
            hint = say(self.hint_text)
            lines.append(
                (_("Hint:"), hint, Text("Hint: {hint}", hint=hint).render())
            )
        for n, step in enumerate(self.steps[: self.asked], 1):
            shown = say(step)
            of = dict(step=n, steps=len(self.steps))
            lines.append(
                (
                    Text("Hint {step} of {steps}:", **of).render(),
                    shown,
                    Text(
                        "Hint {step} of {steps}: {hint}", hint=shown, **of
                    ).render(),
                )
            )
        if len(self.steps) > self.asked:
            more = (
                Text(
                    "(A hint in {steps} steps, from what is wrong to the fix: "
                    "run the same call with hint=1 added for the first.)",
                    steps=len(self.steps),
                )
                if self.asked == 0
                else Text(
                    "(hint={next} shows the next step.)", next=self.asked + 1
                )
            ).render()
            lines.append(("", more, more))
        return lines

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        steps = (
            f", steps={len(self.steps)}, asked={self.asked}"
            if self.steps
            else ""
        )
        return (
            f"Feedback(ok={self.ok!r}, message={self.message!r}, "
            f"hint={self.hint!r}{steps})"
        )

    def __str__(self) -> str:
        verdict = (
            Text("Correct: {message}", message=self.message_text)
            if self.ok
            else Text("Not yet: {message}", message=self.message_text)
        )
        return "\n".join(
            [verdict.render()]
            + [line for _label, _text, line in self._lines()]
        )

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.ok else "#b35900"
        head = _("Correct:") if self.ok else _("Not yet:")
        lines = "".join(
            f"<br><b>{html.escape(label)}</b> {html.escape(text)}"
            if label
            else f"<br>{html.escape(text)}"
            for label, text, _line in self._lines()
        )
        return (
            f'<div style="border-left:4px solid {colour};padding:4px 10px">'
            f"<b>{html.escape(head)}</b> {html.escape(self.message)}{lines}</div>"
        )

    @classmethod
    def right(cls, message: Message) -> "Feedback":
        return cls(True, message)

    @classmethod
    def wrong(
        cls,
        message: Message,
        hint: Message = "",
        steps: tuple[Message, ...] = (),
    ) -> "Feedback":
        return cls(False, message, hint, steps)


class QuestionError(ValueError):
    """The question itself is wrong (e.g. ``part="weights"``): the teacher's mistake, raised."""


# ------------------------------------------------------------ recording verdicts

Listener = Callable[[str, Feedback, dict], None]
_LISTENERS: list[Listener] = []
#: ``probe(checker_name, args, kwargs) -> (args, kwargs)``: sees a call before the
#: checker does, and may wrap the student's functions to record what they answer
#: (the classroom marker's probe, :mod:`resnet_lib.classroom.probe`)
Probe = Callable[[str, tuple, dict], "tuple[tuple, dict]"]
_PROBES: list[Probe] = []
#: every checker by its name (as students call it), filled by :func:`checker`
CHECKERS: dict[str, Callable[..., Feedback]] = {}


def add_listener(listener: Listener) -> None:
    """Call ``listener(checker_name, feedback, call)`` after every checker returns.

    ``call`` describes the call without holding the student's objects:
    ``{"answer": "<what was passed, in words>", "question": {keyword: repr}}``.
    """
    _LISTENERS.append(listener)


def remove_listener(listener: Listener) -> None:
    if listener in _LISTENERS:
        _LISTENERS.remove(listener)


_QUIET: list[bool] = []


@contextlib.contextmanager
def unrecorded() -> Iterator[None]:
    """Checker calls that no probe sees and no listener hears (the marker's judge)."""
    _QUIET.append(True)
    try:
        yield
    finally:
        _QUIET.pop()


def add_probe(probe: Probe) -> None:
    """Let ``probe`` see (and wrap) every checker call's arguments first.

    The listeners then get the call's arguments as the checker got them, under
    ``call["args"]`` and ``call["kwargs"]``, for the probe to record as data.
    """
    _PROBES.append(probe)


def remove_probe(probe: Probe) -> None:
    if probe in _PROBES:
        _PROBES.remove(probe)


def _short_repr(value: Any, limit: int = 80) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        text = repr(value) if digit_count(value) <= limit else fmt(value)
    elif isinstance(value, (bool, float, str)) or value is None:
        text = repr(value)
    else:
        text = say(describe(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def checker(fn: Callable[..., Feedback]) -> Callable[..., Feedback]:
    """Make ``fn`` a checker: never raise on an answer, and report every verdict."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def check(*args, **kwargs) -> Feedback:
        quiet = bool(
            _QUIET
        )  # the marker's judge asking: no probe, no listener
        for probe in [] if quiet else list(_PROBES):
            args, kwargs = probe(fn.__name__, args, kwargs)
        call: dict = {"answer": "", "question": {}}
        given = (
            kwargs  # as called: the marker's judge asks the same, hint= too
        )
        asked: Any = 0
        if "hint" in kwargs and "hint" not in signature.parameters:
            kwargs = dict(kwargs)
            asked = kwargs.pop("hint")
            call["hint"] = asked if _is_step(asked) else _short_repr(asked)
        if not _is_step(asked):
            feedback = Feedback.wrong(
                Text(
                    "hint= asks for a step of the checker's hint: 1 for the "
                    "first, 2 for the next, and so on; got {given}",
                    given=_short_repr(asked),
                ),
                Text(
                    "call it as {usage}",
                    usage=fn.__name__ + "(..., hint=1)",
                ),
            )
        else:
            feedback = _verdict(args, kwargs, call).asking(int(asked))
        if _PROBES:
            call.update(args=args, kwargs=given)
        for listener in [] if quiet else list(_LISTENERS):
            try:
                listener(fn.__name__, feedback, call)
            except Exception:  # noqa: BLE001 - recording must not change what the student sees
                pass
        return feedback

    def _verdict(args: tuple, kwargs: dict, call: dict) -> Feedback:
        """The checker's verdict on this call (``call`` gets the answer and question)."""
        try:
            signature.bind(*args, **kwargs)
        except TypeError as err:
            feedback = Feedback.wrong(
                Text(
                    "{call} does not fit the checker: {error}",
                    call=fn.__name__ + _call_shape(args, kwargs),
                    error=str(err),
                ),
                Text(
                    "call it as {usage}",
                    usage=fn.__name__ + _usage(signature),
                ),
            )
        else:
            full = signature.bind(*args, **kwargs)
            full.apply_defaults()  # the whole question, defaults included, for the marker
            values = list(full.arguments.values())
            call.update(
                answer=_short_repr(values[0]) if values else "",
                question={
                    k: _short_repr(v)
                    for k, v in list(full.arguments.items())[1:]
                },
            )
            try:
                feedback = fn(*args, **kwargs)
            except QuestionError:
                raise
            except Exception as err:  # noqa: BLE001 - a student's answer never becomes a traceback
                feedback = Feedback.wrong(
                    Text(
                        "the checker could not read your answer ({error})",
                        error=f"{type(err).__name__}: {clip(str(err))}",
                    ),
                    Text(
                        "pass your answer as {usage} shows",
                        usage=fn.__name__ + _usage(signature),
                    ),
                )
        return feedback

    setattr(
        check, "__checker__", True
    )  # marks checkers (a function attribute the type of `check` does not declare)
    CHECKERS[fn.__name__] = check
    return check


def _is_step(asked: Any) -> bool:
    """Whether ``hint=asked`` names a step of a hint: a whole number, 0 or more."""
    return (
        isinstance(asked, numbers.Integral)
        and not isinstance(asked, bool)
        and int(asked) >= 0
    )


def all_checkers() -> dict[str, Callable[..., Feedback]]:
    """Every checker of the book, by name (imports each module of the exercises once)."""
    if not _ALL_IMPORTED:
        import importlib
        import pkgutil

        from .. import exercises

        for info in pkgutil.walk_packages(
            exercises.__path__, exercises.__name__ + "."
        ):
            importlib.import_module(info.name)
        _ALL_IMPORTED.append(True)
    return dict(CHECKERS)


_ALL_IMPORTED: list[bool] = []


def _call_shape(args, kwargs) -> str:
    parts = [say(describe(a)) for a in args] + [
        f"{k}={say(describe(v))}" for k, v in kwargs.items()
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
        what: the quantity, in words ("depth", "parameter count", "learning rate"),
            marked with ``N_`` where it is defined and translated where it is shown.
        example: a line that shows the form of an answer without giving it away.
        integer: whether the answer is a count.
        rel: relative tolerance for a real-valued answer.
        abs_tol: absolute tolerance for a real-valued answer, added to ``rel``'s
            (half an epoch, for a number of epochs that may be rounded).
    """

    what: str
    example: str
    integer: bool = True
    rel: float = 1e-6
    abs_tol: float = 0.0


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
    """A number as a reader writes it: ``230,144``, ``0.01``, ``182.04``; a whole
    number of more than 24 digits as a float is written (``1e+400``)."""
    if isinstance(value, int):
        return (
            f"{value:,}" if digit_count(value) <= LONG else scientific(value)
        )
    if not math.isfinite(value):  # inf, -inf, nan: as Python prints them
        return repr(float(value))
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.6g}"


_FLOAT_PRECISION = {2: 2.0**-11, 4: 2.0**-24, 8: 2.0**-53}


def describe(obj: Any) -> Message:
    """What ``obj`` is, in words and in at most a line (never its repr when that is long)."""
    if obj is None:
        return "None"
    described = getattr(obj, "__resnet_described__", None)
    if isinstance(
        described, str
    ):  # the marker's stand-in for a student's object
        return described
    if isinstance(obj, bool):
        return Text("{value} (a bool)", value=obj)
    if isinstance(obj, str):
        return Text("the text {text}", text=clip(repr(obj), 60))
    if isinstance(obj, (int, float)):
        return fmt(obj)
    torch = _module("torch")
    np = _module("numpy")
    if torch is not None and isinstance(obj, torch.Tensor):
        if obj.numel() == 1:
            return Text("a tensor holding {value}", value=fmt(obj.item()))
        return Text(
            "a tensor of shape {shape} ({count} numbers)",
            shape=str(tuple(obj.shape)),
            count=obj.numel(),
        )
    if np is not None and isinstance(obj, np.ndarray):
        if obj.size == 1:
            return Text(
                "a numpy array holding {value}", value=repr(obj.item())
            )
        return Text(
            "a numpy array of shape {shape} ({count} numbers)",
            shape=str(obj.shape),
            count=int(obj.size),
        )
    if np is not None and isinstance(obj, np.generic):
        return Text(
            "a numpy {type} {value}",
            type=type(obj).__name__,
            value=repr(obj.item()),
        )
    if isinstance(obj, (list, tuple, set, dict)):
        if len(obj) == 1:
            return Text(
                "a {type} of {count} item",
                type=type(obj).__name__,
                count=len(obj),
            )
        return Text(
            "a {type} of {count} items",
            type=type(obj).__name__,
            count=len(obj),
        )
    if torch is not None and isinstance(obj, torch.nn.Module):
        return (
            Text("a {name} model (an nn.Module)", name=type(obj).__name__)
            if len(list(obj.children())) > 1
            or type(obj).__name__.lower().startswith("resnet")
            else Text("a {name} module (an instance)", name=type(obj).__name__)
        )
    if isinstance(obj, type):
        return Text("the class {name}", name=obj.__name__)
    if (
        inspect.isfunction(obj)
        or inspect.ismethod(obj)
        or inspect.isbuiltin(obj)
    ):
        return Text("the function {name}", name=getattr(obj, "__name__", "?"))
    if callable(obj):
        return Text("a callable {type}", type=type(obj).__name__)
    return Text("a {type}", type=type(obj).__name__)


def _module(name: str):
    return sys.modules.get(name)


def read_number(
    answer: Any, question: Question
) -> tuple[Optional[Number], Optional[Feedback]]:
    """``(Number, None)`` for one real number in any of the accepted types, else
    ``(None, Feedback)`` saying what was passed and what to pass instead."""
    what, example = _(question.what), question.example
    if answer is None:
        return None, Feedback.wrong(
            _("your answer is still None"),
            Text(
                "replace None with your {what}: e.g. {example}",
                what=what,
                example=example,
            ),
        )
    if isinstance(answer, bool):
        return None, Feedback.wrong(
            Text(
                "you passed {answer} (a bool) where your {what} goes",
                answer=answer,
                what=what,
            ),
            Text("pass the number itself, e.g. {example}", example=example),
        )
    if isinstance(answer, str):
        parsed = _parse_number_text(answer)
        if parsed is not None:
            return None, Feedback.wrong(
                Text(
                    "you passed the text {text}, not a number",
                    text=clip(repr(answer), 40),
                ),
                Text(
                    "pass the number {number} without quotes",
                    number=repr(parsed),
                ),
            )
        return None, Feedback.wrong(
            Text(
                "you passed the text {text} where your {what} goes",
                text=clip(repr(answer), 40),
                what=what,
            ),
            Text(
                "pass a number, computed with Python if you like: "
                "e.g. {example}",
                example=example,
            ),
        )
    value, precision = _scalar(answer)
    if value is None:
        if precision == -1.0:  # an array or tensor with several numbers
            return None, Feedback.wrong(
                Text(
                    "you passed {answer} where one number goes",
                    answer=describe(answer),
                ),
                _(
                    "reduce it to the one number the question asks for and "
                    "take it out with .item(), e.g. x.sum().item()"
                ),
            )
        if isinstance(answer, (list, tuple, set, dict)):
            return None, Feedback.wrong(
                Text(
                    "you passed {answer} where one number goes",
                    answer=describe(answer),
                ),
                Text(
                    "the question asks for a single {what}: e.g. {example}",
                    what=what,
                    example=example,
                ),
            )
        return None, Feedback.wrong(
            Text(
                "you passed {answer} where your {what} (a number) goes",
                answer=describe(answer),
                what=what,
            ),
            Text("put your number first: e.g. {example}", example=example),
        )
    if isinstance(value, complex) or (
        isinstance(value, float) and not math.isfinite(value)
    ):
        return None, Feedback.wrong(
            Text("{value} is not a {what}", value=str(value), what=what),
            Text("pass a finite real number: e.g. {example}", example=example),
        )
    if isinstance(value, int) and abs(value) > sys.float_info.max:
        # beyond any float: no answer here is that large, and the checkers'
        # arithmetic (ratios, tolerances) would overflow on it
        return None, Feedback.wrong(
            Text(
                "your {what} has {digits:,} digits: no answer here is that "
                "large",
                what=what,
                digits=digit_count(value),
            ),
            Text(
                "compute the {what} the question asks for: e.g. {example}",
                what=what,
                example=example,
            ),
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
    what = _(question.what)
    return None, Feedback.wrong(
        Text(
            "your {what} {value} is not a whole number",
            what=what,
            value=fmt(value),
        ),
        Text(
            "a {what} is an integer; look for a stray division "
            "(use // or round)",
            what=what,
        ),
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
        try:
            return float(answer), 2.0**-53
        except OverflowError:  # beyond any float, as float("1e400") is
            positive = answer > 0  # type: ignore[operator]  # a Real compares
            return (math.inf if positive else -math.inf), 2.0**-53
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
    answer: Any, what: str = N_("answer")
) -> tuple[Optional[int], Optional[Feedback]]:
    """``(int(answer), None)`` for an integral number, else ``(None, Feedback explaining why)``.

    Kept for callers outside this package; checkers pass a :class:`Question` to
    :func:`read_integer` so that the hint fits the question.
    """
    return read_integer(answer, Question(what, "answer = 3 * 3 * 64 * 64"))
