"""Fingerprints of the checkers' modules: the same in every process running the same code.

The probe sends, with a verdict that only the sandbox could give (a class or a model the
student wrote, see :mod:`.judge`), the fingerprint of the checker's module and of the
library modules it relies on; the marker compares them with its own and does not count a
verdict given by changed code. (A notebook could forge the fingerprint too: that is why
every answer that can travel as data is graded outside instead.)
"""

from __future__ import annotations

import hashlib
import sys
import types
from typing import Any

# state that changes by design (listeners; the language spoken)
_SKIP_GLOBALS = {"_LISTENERS", "_current"}
_SKIP_CLASS_ENTRIES = {
    "__dict__",
    "__weakref__",
    "__doc__",
    "__module__",
    "__dataclass_fields__",
    "__dataclass_params__",
    "__match_args__",
    "__annotations__",
    "__hash__",
}


def _fp(obj: Any, depth: int = 0) -> str:
    """A fingerprint of ``obj`` that is the same in every process running the same code."""
    if depth > 4:
        return "..."
    if obj is None or isinstance(obj, (bool, int, float, complex, str, bytes)):
        return repr(obj)
    if isinstance(obj, (tuple, list)):
        return (
            type(obj).__name__
            + "("
            + ",".join(_fp(o, depth + 1) for o in obj)
            + ")"
        )
    if isinstance(obj, (set, frozenset)):
        return (
            type(obj).__name__
            + "("
            + ",".join(sorted(_fp(o, depth + 1) for o in obj))
            + ")"
        )
    if isinstance(obj, dict):
        return (
            "dict("
            + ",".join(
                sorted(
                    f"{_fp(k, depth + 1)}:{_fp(v, depth + 1)}"
                    for k, v in obj.items()
                )
            )
            + ")"
        )
    if isinstance(obj, types.CodeType):
        return (
            "code("
            + obj.co_code.hex()
            + "|"
            + ",".join(obj.co_names)
            + "|"
            + ",".join(_fp(c, depth + 1) for c in obj.co_consts)
            + ")"
        )
    if isinstance(obj, types.FunctionType):
        cells = [
            c.cell_contents if _filled(c) else None
            for c in obj.__closure__ or ()
        ]
        return (
            "fn("
            + _fp(obj.__code__, depth + 1)
            + "|"
            + _fp(obj.__defaults__, depth + 1)
            + "|"
            + _fp(obj.__kwdefaults__, depth + 1)
            + "|"
            + ",".join(_fp(c, depth + 1) for c in cells)
            + ")"
        )
    if hasattr(obj, "__wrapped__") and callable(
        obj
    ):  # lru_cache and other wrappers
        return "wrapped(" + _fp(obj.__wrapped__, depth + 1) + ")"
    if isinstance(obj, type):
        name = f"{obj.__module__}.{obj.__qualname__}"
        if not obj.__module__.startswith("resnet_lib") or depth > 1:
            return "class:" + name
        entries = sorted(
            f"{k}={_fp(v, depth + 1)}"
            for k, v in vars(obj).items()
            if k not in _SKIP_CLASS_ENTRIES
        )
        return "class:" + name + "(" + ",".join(entries) + ")"
    if isinstance(obj, (staticmethod, classmethod)):
        return type(obj).__name__ + "(" + _fp(obj.__func__, depth + 1) + ")"
    if isinstance(obj, property):
        return "property(" + _fp(obj.fget, depth + 1) + ")"
    if isinstance(obj, types.ModuleType):
        return "module:" + obj.__name__
    return "obj:" + type(obj).__module__ + "." + type(obj).__qualname__


def _filled(cell) -> bool:
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False


def module_fingerprint(module: types.ModuleType) -> str:
    entries = sorted(
        f"{k}={_fp(v)}"
        for k, v in vars(module).items()
        if not (k.startswith("__") and k.endswith("__"))
        and k not in _SKIP_GLOBALS
    )
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()[:16]


def checker_modules(name: str) -> list[str]:
    """The library modules a checker module's answers depend on: itself, feedback, and
    every ``resnet_lib`` module that defines a function or class it uses."""
    module = sys.modules[name]
    found = {name, "resnet_lib.exercises.feedback"}
    for value in vars(module).values():
        if isinstance(value, types.ModuleType):  # `from . import counts`
            if value.__name__.startswith("resnet_lib"):
                found.add(value.__name__)
            continue
        owner = getattr(value, "__module__", None)
        if (
            isinstance(value, (types.FunctionType, type))
            and owner
            and owner.startswith("resnet_lib")
        ):
            found.add(owner)
    return sorted(found)


def state_of(module_name: str) -> dict[str, str]:
    """``{module: fingerprint}`` for a checker's module and what it depends on."""
    import importlib

    importlib.import_module(module_name)
    return {
        m: module_fingerprint(sys.modules[m])
        for m in checker_modules(module_name)
    }
