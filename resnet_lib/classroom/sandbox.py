"""Kernel side of the marker: record every checker's verdict, refuse the network and
writes into the library, and fingerprint the checkers so that the marker can tell whether
they were changed before they answered.

The marker runs ``install(...)`` in a cell of its own before the student's first cell.
Nothing here can stop code that runs in the same process from undoing it (see the limits
in :mod:`resnet_lib.classroom`); it makes the usual ways of cheating visible.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
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


# ------------------------------------------------------------ the kernel side


def install(verdicts: str, protected: list[str]) -> None:
    """Record verdicts as JSON lines into ``verdicts``; refuse writes under ``protected``
    and connections to anything but this machine."""
    from resnet_lib.exercises import architecture, gradients, training  # noqa: F401 - fingerprinted as loaded
    from resnet_lib.exercises import feedback

    out = open(verdicts, "a", buffering=1, encoding="utf-8")
    wrapper_code = feedback.checker(
        lambda answer: feedback.Feedback(True, "")
    ).__code__
    write = out.write
    dumps = json.dumps
    getframe = sys._getframe
    roots = [os.path.realpath(p) for p in protected] + [
        os.path.realpath(verdicts)
    ]

    def listener(name, fb, call):
        caller = getframe(1)
        module = (
            caller.f_globals.get("__name__", "?")
            if caller.f_code is wrapper_code
            else "?"
        )
        checker_fn = (
            caller.f_locals.get("fn")
            if caller.f_code is wrapper_code
            else None
        )
        record = {
            "checker": name,
            "ok": bool(getattr(fb, "ok", False)),
            "message": str(getattr(fb, "message", "")),
            "hint": str(getattr(fb, "hint", "")),
            "answer": call.get("answer", ""),
            "question": call.get("question", {}),
            "forged": caller.f_code is not wrapper_code,
        }
        owner = getattr(checker_fn, "__module__", "")
        if module == "resnet_lib.exercises.feedback" and owner.startswith(
            "resnet_lib.exercises."
        ):
            record["module"] = owner
            record["state"] = {
                m: module_fingerprint(sys.modules[m])
                for m in checker_modules(owner)
            }
        write(dumps(record) + "\n")

    feedback.add_listener(listener)

    def refuse(event: str, detail: str):
        write(dumps({"refused": event, "detail": detail}) + "\n")
        if event == "network":
            raise PermissionError(f"no network while marking ({detail})")
        raise PermissionError(f"the marker refuses {event} {detail}")

    def inside(path) -> bool:
        try:
            real = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return False
        return any(real == r or real.startswith(r + os.sep) for r in roots)

    def shown(path) -> str:
        """The path from the package's folder on (the same on every machine)."""
        real = os.path.realpath(os.fsdecode(path))
        for r in roots[:-1]:
            if real.startswith(r + os.sep):
                return os.path.join(
                    os.path.basename(r), os.path.relpath(real, r)
                )
        return os.path.basename(real)

    writing = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
    path_events = {
        "os.remove",
        "os.rename",
        "os.replace",
        "os.rmdir",
        "os.truncate",
        "os.chmod",
        "os.link",
        "os.symlink",
        "os.mkdir",
        "shutil.rmtree",
        "shutil.move",
        "shutil.copyfile",
        "os.utime",
    }
    network_events = {"socket.connect", "socket.sendto", "socket.bind"}

    def loopback(host) -> bool:
        if isinstance(host, bytes):
            host = host.decode(errors="replace")
        if host in ("localhost", "", None):
            return True
        try:
            return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
        except ValueError:
            return False

    def hook(event, args):
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None, None))[:3]
            if isinstance(path, int) or path is None:
                return
            wants_write = (
                isinstance(mode, str) and any(c in mode for c in "wax+")
            ) or (isinstance(flags, int) and flags & writing)
            if wants_write and inside(path):
                refuse("writing", shown(path))
        elif event in path_events:
            for path in args[:2]:
                if isinstance(path, (str, bytes, os.PathLike)) and inside(
                    path
                ):
                    refuse(event, shown(path))
        elif event in network_events:
            address = args[1] if len(args) > 1 else None
            if (
                isinstance(address, tuple)
                and address
                and not loopback(address[0])
            ):
                refuse("network", f"connection to {address[0]}")
        elif event == "socket.getaddrinfo":
            if args and not loopback(args[0]):
                refuse("network", f"looking up {args[0]}")

    sys.addaudithook(hook)
