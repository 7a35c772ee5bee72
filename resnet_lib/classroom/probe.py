"""The probe: the marker's side inside the sandbox, recording what the student answered.

The runner executes ``install(path)`` in a cell of its own before the student's first
cell. From then on every checker call is written to ``path`` as one JSON line: the
checker's name, its arguments as data (:mod:`resnet_lib.exercises.answers`; a student's
function with what it answered to the checker's calls), the language the notebook speaks,
and the verdict the checker gave in the notebook. A function the student wrote is
recorded by what it answered to the checker's calls, a module class by the modules the
checker built from it, a model in a question by its structure. The judge
(:mod:`resnet_lib.classroom.judge`) grades the arguments again outside the sandbox; the
in-notebook verdict is used only for what cannot travel as data (a ``forward`` that
``torch.fx`` cannot trace), and is marked so.

Nothing here is trusted: the student's code runs in this process and may rewrite any of
it. What it can change is only what the judge is told the student answered.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def wrap(name: str, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """A checker's arguments with the student's functions and module classes wrapped to
    record what the checker gets from them (:func:`~resnet_lib.exercises.answers.record_arguments`)."""
    from resnet_lib.exercises.answers import record_arguments

    return tuple(record_arguments(dict(enumerate(args))).values()), (
        record_arguments(kwargs)
    )


def record(name: str, fb: Any, call: dict) -> dict:
    """One checker call as the judge reads it: the call as data, the notebook's language
    and verdict, and the fingerprints of the checker's code."""
    from resnet_lib import i18n
    from resnet_lib.exercises import answers, feedback

    from .fingerprint import checker_modules, module_fingerprint

    try:
        data = answers.encode(
            [call.get("args", ()), call.get("kwargs", {})], models=True
        )
    except Exception as err:  # noqa: BLE001 - the judge says it could not read it
        data = {"opaque": f"{type(err).__name__}: {err}"[:200]}
    owner = getattr(feedback.CHECKERS.get(name), "__module__", "")
    found = {
        "checker": name,
        "call": data,
        "language": i18n.language(),
        "ok": bool(getattr(fb, "ok", False)),
        "message": str(getattr(fb, "message", "")),
        "hint": str(getattr(fb, "hint", "")),
        "answer": call.get("answer", ""),
        "question": call.get("question", {}),
    }
    if owner.startswith("resnet_lib.exercises."):
        found["module"] = owner
        found["state"] = {
            m: module_fingerprint(sys.modules[m])
            for m in checker_modules(owner)
        }
    return found


def install(path: str) -> None:
    """Record every checker call into ``path`` (JSON lines)."""
    from resnet_lib.exercises import feedback

    out = open(path, "a", buffering=1, encoding="utf-8")

    def listener(name: str, fb: Any, call: dict) -> None:
        out.write(json.dumps(record(name, fb, call)) + "\n")

    feedback.add_probe(wrap)
    feedback.add_listener(listener)
