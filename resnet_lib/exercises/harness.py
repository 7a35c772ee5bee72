"""What every checker does around its own question: call the student's code, and judge a
number against the right one and the mistakes the checker knows.

Calling. :func:`attempt` runs a student's function, constructor or forward pass and hands
back its result or the exception it raised (any ``Exception``, a
:class:`~.feedback.QuestionError` too, since it is the student's code that raised it;
never a ``KeyboardInterrupt``).
:func:`call_student` turns that exception into the :class:`~.feedback.Feedback` the
checker gives, naming the call and the error on one clipped line. In the marker's judge a
student's function is a replay of what it answered in the sandbox, and its errors come
back as :class:`~.answers.Replayed` under the original class name, so the sentence is the
same on both sides.

Judging. A numeric checker describes its question as a :class:`Table`: the right answer,
what it gets, and the known mistakes as data (:class:`Mistake`: the wrong answer, what it
looks like the student did, and the hint), and what any other answer gets
(:class:`Otherwise`: a sentence and the hint, data too, so that a page without a kernel
gives the same hint). An answer is a number, or a few numbers as a tuple (the four stage
widths of a ResNet). :func:`judge` reads a student's answer against the table, within
the tolerance of the question; a checker whose sentence for another answer needs
arithmetic on it passes its own ``otherwise``.
:func:`mistakes` asks a checker for its table, so that a page can show the checker's own
diagnoses without running it.
"""

from __future__ import annotations

import functools
import inspect
import string
from dataclasses import dataclass, field, replace
from typing import (
    Any,
    Callable,
    Generic,
    Iterable,
    Mapping,
    Optional,
    Sequence,
    TypeVar,
    Union,
)

from ..i18n import Text
from .feedback import (
    Feedback,
    Message,
    Number,
    Question,
    all_checkers,
    clip,
    describe,
    read_integer,
)

# ------------------------------------------------------------ calling a student's code


def raised(err: BaseException) -> str:
    """``TypeName: the message``, on one line, cut to 200 characters."""
    return f"{type(err).__name__}: {clip(err, 200)}"


def error_line(err: BaseException) -> str:
    """``TypeName: first line of the message``, shortened to one readable line."""
    lines = str(err).strip().splitlines()
    text = clip(lines[0]) if lines else ""
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def error_name(err: BaseException) -> str:
    """The error's class name alone (a sentence that gives its message apart)."""
    return type(err).__name__


def attempt(
    fn: Callable[..., Any], *args: Any
) -> tuple[Any, Optional[Exception]]:
    """``(fn(*args), None)``, or ``(None, the exception)`` where the student's code raised.

    Any ``Exception`` (a ``QuestionError`` too: raised by a student's code, it is the
    student's) becomes the result; ``KeyboardInterrupt`` and ``SystemExit`` pass.
    """
    try:
        return fn(*args), None
    except Exception as err:  # noqa: BLE001 - a student's error becomes feedback, never a traceback
        return None, err


def call_student(
    fn: Callable[..., Any],
    args: Sequence[Any],
    message: str,
    hint: Union[Message, Callable[[Exception], Message]],
    line: Callable[[BaseException], str] = raised,
    **fields: Any,
) -> tuple[Any, Optional[Feedback]]:
    """``(fn(*args), None)``, or ``(None, Feedback)`` naming the error the call raised.

    Args:
        message: the sentence, a template marked with ``N_`` whose ``{error}`` is the
            error as ``line`` writes it (and ``{detail}``, where it has one, the error's
            message alone); its other fields come from ``fields``.
        hint: the hint, or a function of the error that chooses it.
    """
    result, err = attempt(fn, *args)
    if err is None:
        return result, None
    names = {f[1] for f in string.Formatter().parse(message) if f[1]}
    given = {"error": line(err), "detail": clip(err, 200), **fields}
    return None, Feedback.wrong(
        Text(message, **{k: v for k, v in given.items() if k in names}),
        hint(err) if callable(hint) else hint,
    )


def not_a_function(answer: Any, usage: str) -> Optional[Feedback]:
    """Where the answer is a student's function: None for a callable, else what to pass."""
    if callable(answer):
        return None
    return Feedback.wrong(
        Text(
            "pass your function itself; got {answer}", answer=describe(answer)
        ),
        usage,
    )


# ------------------------------------------------------------ judging a number

#: a number a question asks for: a count or a real number
Value = Union[int, float]
#: what a table's answers are: a number (:data:`Value`), or a tuple of a few numbers
A = TypeVar("A")


class _Stepped:
    """A verdict's hint held as its steps (a single message is taken as the only step):
    the first is given with the verdict, the others when the student asks for them
    (:class:`~.feedback.Feedback`'s ``steps``)."""

    hint: Union[Message, tuple[Message, ...]]

    def __post_init__(self) -> None:
        if not isinstance(self.hint, tuple):
            object.__setattr__(self, "hint", (self.hint,))

    @property
    def steps(self) -> tuple[Message, ...]:
        """The hint's steps, first to last."""
        return self.hint if isinstance(self.hint, tuple) else (self.hint,)

    def _wrong(self, message: Message) -> Feedback:
        first, *rest = self.steps or ("",)
        return Feedback.wrong(message, first, tuple(rest))


@dataclass(frozen=True)
class Mistake(_Stepped, Generic[A]):
    """A wrong answer a checker recognises: the number, what it says, and its hint.

    ``hint`` holds the hint's steps, from what is wrong to the fix (a single message is
    taken as the only step): the first is given with the verdict, the others when the
    student asks for them (:class:`~.feedback.Feedback`'s ``steps``). ``shows``, where
    set, is the field of ``message`` that writes the answer, so that an answer close
    enough to this one is written as the student gave it.
    """

    answer: A
    message: Message
    hint: Union[Message, tuple[Message, ...]] = ()
    shows: str = ""

    def feedback(self, shown: Any = None) -> Feedback:
        """The verdict this mistake gets; ``shown`` replaces the answer in the message."""
        message = self.message
        if self.shows and shown is not None and isinstance(message, Text):
            message = Text(
                message.template, **{**message.values, self.shows: shown}
            )
        return self._wrong(message)


#: how close to the right answer a number is "close" (a relative 10%)
CLOSE = 0.1


@dataclass(frozen=True)
class Otherwise(_Stepped):
    """What an answer that no row of a :class:`Table` names gets: ``message``, a template
    marked with ``N_`` whose field ``shows`` writes the answer (as read, or as
    :func:`judge`'s ``shown`` writes it) and whose other fields are ``values``; the
    hint's steps as a :class:`Mistake`'s. ``close``, where given, is the message for a
    number within :data:`CLOSE` (relative) of the right answer.

    The hint does not depend on the answer, so a page without a kernel gives it too
    (:func:`resnet_lib.book.answer_boxes.build_box`).

    >>> o = Otherwise("{value:,} is not the number of paths", "count again")
    >>> o.feedback(1024, 16).message
    '1,024 is not the number of paths'
    """

    message: str
    hint: Union[Message, tuple[Message, ...]] = ()
    values: Mapping[str, Any] = field(default_factory=dict, hash=False)
    close: str = ""
    shows: str = "value"

    def __post_init__(self) -> None:
        super().__post_init__()
        for template in filter(None, (self.message, self.close)):
            # a field missing or left over is an error now, not when an answer comes
            Text(template, **{self.shows: 0}, **self.values)

    def feedback(self, value: Any, answer: Any, shown: Any = None) -> Feedback:
        """The verdict on ``value`` (the right answer being ``answer``), written as
        ``shown`` where given."""
        close = (
            self.close
            and isinstance(answer, (int, float))
            and abs(value - answer) / max(abs(answer), 1) < CLOSE
        )
        template = self.close if close else self.message
        return self._wrong(
            Text(
                template,
                **{self.shows: value if shown is None else shown},
                **self.values,
            )
        )


@dataclass(frozen=True)
class Table(Generic[A]):
    """A numeric question as data: the right answer, what it gets, the mistakes known,
    and what any other answer gets (where the checker says it as data)."""

    answer: A
    right: Message
    mistakes: tuple[Mistake[A], ...] = ()
    otherwise: Optional[Otherwise] = None


def table(
    answer: A,
    right: Message,
    candidates: Iterable[Mistake[A]],
    shared: str = "drop",
    otherwise: Optional[Otherwise] = None,
) -> Table[A]:
    """The :class:`Table` of ``candidates``, none of them the right answer, and
    ``otherwise`` (what any other answer gets).

    Where two candidates give the same number, ``shared`` decides: ``"drop"`` names
    neither (the number does not tell the mistakes apart), ``"first"`` keeps the first,
    ``"join"`` says both ("...; or ..."), with both hints.
    """
    groups: dict[A, list[Mistake[A]]] = {}
    for m in candidates:
        if m.answer != answer:
            groups.setdefault(m.answer, []).append(m)
    if shared not in ("drop", "first", "join"):
        raise ValueError(f"shared must be drop, first or join; got {shared!r}")
    kept = []
    for found in groups.values():
        if len(found) == 1 or shared == "first":
            kept.append(found[0])
        elif shared == "join":
            kept.append(
                replace(
                    found[0],
                    message=functools.reduce(_or, [m.message for m in found]),
                    hint=(
                        functools.reduce(
                            _also, dict.fromkeys(m.steps[0] for m in found)
                        ),
                    ),
                )
            )
    return Table(answer, right, tuple(kept), otherwise)


def _or(one: Message, other: Message) -> Text:
    return Text("{one}; or {other}", one=one, other=other)


def _also(one: Message, other: Message) -> Text:
    return Text("{one}; {other}", one=one, other=other)


def judge(
    answer: Any,
    asked: Question,
    question: Union[Table[A], Callable[[], Table[A]]],
    otherwise: Optional[Callable[[Any, Table[A]], Feedback]] = None,
    near: Optional[Callable[[Any, A], bool]] = None,
    shown: Optional[Callable[[Any], Any]] = None,
    read: Callable[[Any, Question], tuple[Any, Optional[Feedback]]] = (
        read_integer
    ),
) -> Feedback:
    """The verdict on ``answer``: what :func:`~.feedback.read_integer` (or ``read``)
    says of a wrong kind of answer; right; the first mistake it is ``near``; or what the
    table's :class:`Otherwise` says (``otherwise(value, question)`` where given).

    Args:
        asked: what the question asks for, to read the answer by.
        question: the table (or what builds it once the answer has been read).
        near: ``near(got, target)``, whether the answer counts as ``target``; ``got``
            is the answer as ``read`` gives it: for :func:`~.feedback.read_number` a
            :class:`~.feedback.Number`, whose ``matches`` allows for the rounding of the
            type it came in. Default: within ``asked``'s tolerance (``rel`` and
            ``abs_tol``, and that rounding) for a real-valued question, else equal.
        shown: the answer as a mistake's message writes it (see :class:`Mistake`), and
            the table's :class:`Otherwise`.
        otherwise: what any other answer gets, for a checker whose sentence needs
            arithmetic on the answer; ``value`` is the answer as read (a plain number
            where the read gives a :class:`~.feedback.Number`).

    Raises:
        ValueError: for a table with no :class:`Otherwise` and no ``otherwise``.
    """
    got, problem = read(answer, asked)
    if problem is not None:
        return problem
    value = got.value if isinstance(got, Number) else got
    found = question() if callable(question) else question
    if near is None:
        near = functools.partial(_within, asked)
    if near(got, found.answer):
        return Feedback.right(found.right)
    for m in found.mistakes:
        if near(got, m.answer):
            return m.feedback(shown(value) if shown else None)
    if otherwise is not None:
        return otherwise(value, found)
    if found.otherwise is None:
        raise ValueError(
            "the table says nothing of other answers (no Otherwise) and judge "
            "was given no otherwise"
        )
    return found.otherwise.feedback(
        value, found.answer, shown(value) if shown else None
    )


def _within(asked: Question, got: Any, target: Any) -> bool:
    """Whether ``got`` counts as ``target`` by ``asked``'s tolerance (see :func:`judge`)."""
    if isinstance(got, Number):
        if asked.integer:
            return got.value == target
        return got.matches(target, rel=asked.rel, abs_tol=asked.abs_tol)
    return bool(got == target)


# ------------------------------------------------------------ asking a checker for its table


def tabled(
    builder: Callable[..., Table[Any]], asked: Question
) -> Callable[[Callable[..., Feedback]], Callable[..., Feedback]]:
    """Give a checker its table: ``builder`` takes the checker's question (every
    argument but the answer, by name) and returns the :class:`Table` the checker judges
    by; ``asked`` is what the checker reads its answer as (:func:`judge`'s ``asked``:
    a count or a real number, and its tolerance; for a table whose answer is a tuple,
    what each of its numbers is), for a page that judges without it. (A page finds the
    precision a real answer is decided at from the checker's own verdicts:
    :func:`resnet_lib.book.answer_boxes.build_box`.)"""

    def attach(check: Callable[..., Feedback]) -> Callable[..., Feedback]:
        setattr(check, "__table__", builder)
        setattr(check, "__asked__", asked)
        return check

    return attach


def chosen(
    options: Sequence[str], aliases: dict[str, str]
) -> Callable[[Callable[..., Feedback]], Callable[..., Feedback]]:
    """Mark a checker whose answer is a choice among ``options`` (one or several): the
    checker judges a list of them, and ``aliases`` maps what a reader may type for an
    option (lower case, letters and digits only: ``"fullpreactivation"``) to it, so that
    a page can ask the checker about every choice ahead of time (:func:`choices_of`)."""

    def attach(check: Callable[..., Feedback]) -> Callable[..., Feedback]:
        setattr(check, "__choices__", (tuple(options), dict(aliases)))
        return check

    return attach


def choices_of(checker_name: str) -> tuple[tuple[str, ...], dict[str, str]]:
    """The options and the typed aliases of a checker marked with :func:`chosen`."""
    check = all_checkers().get(checker_name)
    if check is None or not hasattr(check, "__choices__"):
        raise ValueError(f"{checker_name!r} is not a checker of a choice")
    return getattr(check, "__choices__")


def asked_by(checker_name: str) -> Question:
    """What a checker with a table reads its answer as (see :func:`tabled`)."""
    check = all_checkers().get(checker_name)
    if check is None or not hasattr(check, "__asked__"):
        raise ValueError(
            f"{checker_name!r} is not a checker with a table; those with one: "
            f"{', '.join(tabled_checkers())}"
        )
    return getattr(check, "__asked__")


def mistakes(checker_name: str, **question: Any) -> Table[Any]:
    """The right answer and the mistakes a numeric checker diagnoses, for ``question``
    (the checker's defaults fill what is not given): ``mistakes("check_crop_views",
    size=32, padding=4)``.

    Raises:
        ValueError: for a checker that judges no number from a table.
        QuestionError: for a question the checker does not ask.
    """
    check = all_checkers().get(checker_name)
    builder = getattr(check, "__table__", None)
    if check is None or builder is None:
        raise ValueError(
            f"{checker_name!r} is not a checker with a table; those with one: "
            f"{', '.join(tabled_checkers())}"
        )
    bound = inspect.signature(inspect.unwrap(check)).bind(None, **question)
    bound.apply_defaults()
    return builder(**dict(list(bound.arguments.items())[1:]))


def tabled_checkers() -> list[str]:
    """The names of the checkers :func:`mistakes` can ask."""
    return sorted(
        name
        for name, check in all_checkers().items()
        if hasattr(check, "__table__")
    )
