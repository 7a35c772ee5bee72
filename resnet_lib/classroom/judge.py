"""The judge: grade what a student answered, in the marker's own process, with the checkers.

The probe (:mod:`resnet_lib.classroom.probe`) wrote every checker call of the student's
notebook as data. For each one the judge rebuilds the arguments
(:func:`resnet_lib.exercises.answers.decode`: numbers, tensors, the library's dataclasses,
a student's function as the replay of what it answered) and calls the same checker, in the
notebook's language. No student code runs here, so a patched builtin, a replaced checker
or a forged verdict in the notebook changes nothing but what the student answered.

A class the student wrote (a block, a bug-bank fix) travels as the modules the checker
built from it, and a model passed in the question (``check_depth``) as its structure
(:mod:`resnet_lib.exercises.graphs`): PyTorch's and the library's modules by their state,
a student's by the ``torch.fx`` graph of its forward, rebuilt here from PyTorch's own
layers and operations. What cannot travel (a ``forward`` that ``torch.fx`` cannot trace,
an attribute that is an object of the student's) keeps the verdict the checker gave inside
the sandbox (``judged: "sandbox"``), which a notebook could have forged; the marker
reports which verdicts were judged where.
"""

from __future__ import annotations

from typing import Any

from resnet_lib.exercises.answers import NotRecorded, decode, holds_objects

#: where a verdict was decided
OUTSIDE, SANDBOX = "outside", "sandbox"
#: the checkers whose answer is a class or whose question is a model: only they may keep
#: the sandbox's verdict, and only when that object could not travel (any other checker
#: given an object is judged outside, where it says what it says of a wrong kind of answer)
NEEDS_OBJECTS = frozenset({"check_basic_block", "check_fix", "check_depth"})


def judge(record: dict) -> dict:
    """The verdict on one recorded checker call.

    Returns:
        ``ok``, ``message`` and ``hint`` (in the notebook's language), ``judged``
        (:data:`OUTSIDE` or :data:`SANDBOX`), the ``answer`` and ``question`` in
        words, read from the call itself, and ``asked``: the step of the hint the call
        asked for (``hint=``; 0 for an answer given to be judged).
    """
    from resnet_lib import i18n
    from resnet_lib.exercises.feedback import all_checkers, say, unrecorded

    name = str(record.get("checker", ""))
    fn = all_checkers().get(name)
    if fn is None:
        return _verdict(False, f"{name[:60]!r} is not a checker of the book")
    try:
        call = decode(record.get("call"))
        args, kwargs = call
        if not isinstance(args, (list, tuple)) or not isinstance(kwargs, dict):
            raise ValueError("not a call")
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
        return _verdict(False, "the answer could not be read back")
    # hint= asks the checker for steps of its hint: a request for help, which the
    # marker counts apart from the answers (never as an attempt or the last verdict)
    asked = kwargs.get("hint", 0) if "hint" not in _parameters(fn) else 0
    question = {
        **_question(
            fn, args, {k: v for k, v in kwargs.items() if k != "hint"}
        ),
        "asked": asked
        if isinstance(asked, int) and not isinstance(asked, bool)
        else 1,
    }
    if name in NEEDS_OBJECTS and holds_objects(record.get("call")):
        return {
            "ok": bool(record.get("ok")),
            "message": str(record.get("message", ""))[:2000],
            "hint": str(record.get("hint", ""))[:2000],
            "judged": SANDBOX,
            **question,
        }
    language = record.get("language")
    if language not in i18n.languages():
        language = i18n.SOURCE_LANGUAGE
    with i18n.speaking(language), unrecorded():
        try:
            fb = fn(*args, **kwargs)
        except NotRecorded as err:
            return _verdict(
                False, f"your function could not be checked: {err}"
            )
        except Exception as err:  # noqa: BLE001 - a question the data garbled
            return _verdict(
                False,
                f"the checker could not be asked this ({type(err).__name__})",
            )
        return {
            "ok": bool(fb.ok),
            "message": fb.message,
            "hint": fb.hint,
            "steps": [say(step) for step in fb.steps],
            "judged": OUTSIDE,
            **question,
        }


def _verdict(ok: bool, message: str) -> dict:
    return {
        "ok": ok,
        "message": message,
        "hint": "",
        "judged": OUTSIDE,
        "answer": "",
        "question": {},
        "asked": 0,
    }


def _parameters(fn) -> set[str]:
    import inspect

    return set(inspect.signature(inspect.unwrap(fn)).parameters)


def _question(fn, args: Any, kwargs: dict) -> dict:
    """The answer and the question in words, read from the call the judge grades (the
    marker matches an exercise by them: never by what the notebook said it asked)."""
    import inspect

    from resnet_lib.exercises.feedback import _short_repr

    try:
        bound = inspect.signature(inspect.unwrap(fn)).bind(*args, **kwargs)
    except TypeError:
        return {"answer": "", "question": {}}
    bound.apply_defaults()
    values = list(bound.arguments.items())
    return {
        "answer": _short_repr(values[0][1]) if values else "",
        "question": {k: _short_repr(v) for k, v in values[1:]},
    }
