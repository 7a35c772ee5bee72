"""A student's answer as plain data: what a checker was given, outside the student's process.

The classroom marker grades in two steps (see :mod:`resnet_lib.classroom`): a *probe*, in
the sandbox with the student's notebook, records every checker call as data; a *judge*, in
a fresh trusted process, rebuilds the call from that data and asks the same checker. So the
data must carry everything a checker reads, and nothing that runs:

* numbers, strings, ``None``, lists, tuples, sets and dicts of them, as they are;
* exact numbers as they are: a ``Fraction`` by its numerator and denominator, a
  ``Decimal`` by its digits (a checker reads them exactly, beyond a float's range too);
* numpy scalars and arrays and torch tensors with their dtype and shape (a checker reads
  the precision an answer came in: ``torch.tensor(0.1)`` is a float32);
* instances of the library's own dataclasses (a run's result), by their fields;
* a function the student wrote (a learning-rate schedule, a crop, flip testing), by what
  it did when the checker called it: :class:`Recorder` writes each call (its arguments,
  its result or error, and what it changed in place), :class:`Replay` answers the same
  calls in the same order. A call the probe did not see fails in the judge, so a probe
  that ran another checker gains nothing;
* anything else (a class, a model, an open file) as :class:`Opaque`: its description in
  words, which is what a checker says of a wrong kind of answer.

:func:`decode` builds objects only from this module's tags and the library's dataclasses:
decoding never runs code the data names.
"""

from __future__ import annotations

import dataclasses
import decimal
import fractions
import functools
import hashlib
import importlib
import math
from typing import Any, Callable, Optional

from ..i18n import str_writes

#: the most numbers an array is recorded with (larger ones are recorded as Opaque)
MAX_NUMBERS = 1 << 20


class Opaque:
    """An answer that cannot travel as data; it describes itself as the original did."""

    def __init__(self, description: str, kind: str = "object") -> None:
        self.description = description
        self.kind = kind
        self.__resnet_described__ = description

    def __repr__(self) -> str:
        return self.description


class NotRecorded(RuntimeError):
    """The judge asked a recorded function something the probe did not see it answer."""


class Replayed(Exception):
    """An error a student's function raised in the probe, raised again by the replay.

    Its class name is the original's (``ValueError``), so a checker's "raised ..." reads the
    same; it never is the original class (decoding names no class)."""


def _error_class(name: str) -> type:
    return type(name if name.isidentifier() else "Error", (Replayed,), {})


def _describe(value: Any) -> str:
    from .feedback import describe, say

    return say(describe(value))


def _dtype_name(dtype: Any) -> str:
    return str(dtype).replace("torch.", "")


def encode(value: Any, models: bool = False) -> Any:
    """``value`` as JSON data (see the module's docstring).

    ``models``: a model travels with its structure (:func:`.graphs.export`, the
    weights' shapes only), as the probe records a checker's question; otherwise (a
    function's arguments) by a digest of its weights.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if abs(value) < 2**53:
            return value
        # in decimal where str() writes it and int() reads it back (4,300 digits),
        # else in hex, which has no such limit: a verdict on 10**5000 comes back too
        return {"int": str(value) if str_writes(value) else hex(value)}
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if type(value) is fractions.Fraction:
        return {
            "fraction": [encode(value.numerator), encode(value.denominator)]
        }
    if type(value) is decimal.Decimal:
        return {"decimal": str(value)}
    if isinstance(value, (list, tuple, set, frozenset)):
        kind = type(value).__name__
        items = sorted(value, key=repr) if kind.endswith("set") else value
        if type(value) not in (list, tuple, set, frozenset):
            kind = "list" if isinstance(value, list) else "tuple"
        return {kind: [encode(v, models) for v in items]}
    if type(value) is dict:
        if all(isinstance(k, str) for k in value):
            return {"dict": {k: encode(v, models) for k, v in value.items()}}
        return {
            "pairs": [[encode(k), encode(v, models)] for k, v in value.items()]
        }
    if isinstance(value, type) and hasattr(value, "__resnet_instances__"):
        return {
            "built": value.__resnet_instances__,
            "describe": _describe(value),
            "name": value.__name__,
            "attributes": {
                k: encode(v)
                for k, v in vars(value.__mro__[1]).items()
                if not k.startswith("__")
                and isinstance(v, (bool, int, float, str, type(None)))
            },
        }
    if isinstance(value, type) and (
        value.__module__.startswith(LIBRARIES) or _library_base(value)
    ):
        kept = _library_base(value) or value
        return {
            "library": f"{kept.__module__}:{kept.__qualname__}",
            "subclass": kept is not value,
            "name": value.__name__,
        }
    if isinstance(value, Recorder):
        return {
            "recording": value.calls,
            "describe": value.description,
            "name": str(getattr(value, "__name__", "function")),
        }
    array = _array(value)
    if array is not None:
        return array
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        if cls.__module__.startswith("resnet_lib."):
            return {
                "dataclass": f"{cls.__module__}:{cls.__qualname__}",
                "fields": {
                    f.name: encode(getattr(value, f.name), models)
                    for f in dataclasses.fields(value)
                },
            }
    module = _module_digest(value)
    if module is not None:
        if models:
            from .graphs import export

            module["structure"] = export(value, weights=False)
        return module
    if isinstance(value, type):
        torch = _loaded("torch")
        return {
            "class": value.__name__,
            "module": bool(torch and issubclass(value, torch.nn.Module)),
            "describe": _describe(value),
        }
    return {"opaque": _describe(value), "kind": "object"}


def _array(value: Any) -> Optional[dict]:
    torch = _loaded("torch")
    np = _loaded("numpy")
    if torch is not None and isinstance(value, torch.Tensor):
        if value.numel() > MAX_NUMBERS or value.is_complex():
            return None
        t = value.detach().cpu()
        return {
            "tensor": _dtype_name(t.dtype),
            "shape": list(t.shape),
            "values": [_number(v) for v in t.reshape(-1).tolist()],
        }
    if np is not None and isinstance(value, (np.ndarray, np.generic)):
        a = np.asarray(value)
        if a.size > MAX_NUMBERS or a.dtype.kind not in "biuf":
            return None
        return {
            "numpy": a.dtype.str,
            "scalar": isinstance(value, np.generic),
            "shape": list(a.shape),
            "values": [_number(v) for v in a.reshape(-1).tolist()],
        }
    return None


def _number(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)
    return v


def _module_digest(value: Any) -> Optional[dict]:
    """A model passed *to* a student's function: its class and weights' digest, so that
    the judge's own model (built the same way) is known as the same argument."""
    torch = _loaded("torch")
    if torch is None or not isinstance(value, torch.nn.Module):
        return None
    h = hashlib.sha256(type(value).__qualname__.encode())
    for name, t in value.state_dict().items():
        h.update(name.encode())
        h.update(str(tuple(t.shape)).encode())
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    for name, p in value.named_parameters():
        if p.grad is not None:
            h.update(f"grad {name}".encode())
            h.update(p.grad.detach().cpu().contiguous().numpy().tobytes())
    h.update(str(value.training).encode())
    return {
        "model": h.hexdigest(),
        "class": type(value).__name__,
        "describe": _describe(value),
    }


def decode(data: Any) -> Any:
    """The object that :func:`encode` recorded (a :class:`Replay` for a function)."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict) or not data:
        raise ValueError(f"not an encoded answer: {str(data)[:80]}")
    tag = next(iter(data))
    if tag == "int":
        return int(data["int"], 0)  # decimal or 0x...
    if tag == "float":
        return float(data["float"])
    if tag == "fraction":
        numerator, denominator = (decode(v) for v in data["fraction"])
        if not (
            type(numerator) is int
            and type(denominator) is int
            and denominator > 0
        ):
            raise ValueError(f"not a fraction: {str(data)[:80]}")
        return fractions.Fraction(numerator, denominator)
    if tag == "decimal":
        try:
            return decimal.Decimal(str(data["decimal"]))
        except decimal.InvalidOperation:
            raise ValueError(f"not a decimal: {str(data)[:80]}") from None
    if tag in ("list", "tuple", "set", "frozenset"):
        items = [decode(v) for v in data[tag]]
        return {
            "list": list,
            "tuple": tuple,
            "set": set,
            "frozenset": frozenset,
        }[tag](items)
    if tag == "dict":
        return {k: decode(v) for k, v in data["dict"].items()}
    if tag == "pairs":
        return {_hashable(decode(k)): decode(v) for k, v in data["pairs"]}
    if tag == "tensor":
        import torch

        dtype = getattr(torch, data["tensor"], None)
        if not isinstance(dtype, torch.dtype):
            raise ValueError(f"unknown tensor dtype {data['tensor']!r}")
        values = [_float(v) for v in data["values"]]
        return torch.tensor(values, dtype=dtype).reshape(data["shape"])
    if tag == "numpy":
        import numpy as np

        a = np.array(
            [_float(v) for v in data["values"]], dtype=np.dtype(data["numpy"])
        ).reshape(data["shape"])
        return a[()] if data.get("scalar") else a
    if tag == "dataclass":
        module, _, name = data["dataclass"].partition(":")
        if not module.startswith("resnet_lib."):
            raise ValueError(f"not a library dataclass: {data['dataclass']}")
        cls: Any = importlib.import_module(module)
        for part in name.split("."):
            cls = getattr(cls, part)
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
            raise ValueError(f"not a dataclass: {data['dataclass']}")
        fields = {k: decode(v) for k, v in data["fields"].items()}
        obj = object.__new__(cls)
        for k, v in fields.items():
            object.__setattr__(obj, k, v)
        return obj
    if tag == "recording":
        replay = Replay(data["recording"], data.get("describe", "a function"))
        setattr(replay, "__name__", str(data.get("name", "f")))
        return replay
    if tag == "built":
        return _replay_class(data)
    if tag == "library":
        base = library_class(str(data["library"]))
        if not data.get("subclass"):
            return base
        name = str(
            data.get("name", base.__name__)
        )  # a subclass changing nothing
        return type(name if name.isidentifier() else "Student", (base,), {})
    if tag == "model":
        if data.get("structure"):
            from .graphs import rebuild

            return rebuild(data["structure"])
        cls = placeholder(
            data.get("class", "Module"), data.get("describe"), True
        )
        return cls()
    if tag == "class":
        return placeholder(
            data["class"], data.get("describe"), bool(data.get("module"))
        )
    if tag == "opaque":
        return Opaque(str(data["opaque"]), str(data.get("kind", "object")))
    raise ValueError(f"not an encoded answer (tag {tag!r})")


def placeholder(name: Any, description: Any, module: bool) -> type:
    """A class that stands for a student's class (or a model's) in the judge: the same
    name and description, an ``nn.Module`` when the original was one, and no code."""
    name = str(name) if str(name).isidentifier() else "Student"
    bases: tuple = ()
    if module:
        import torch

        bases = (torch.nn.Module,)
    return type(
        name,
        bases,
        {
            "__resnet_described__": str(description or name),
            "__resnet_placeholder__": True,
        },
    )


def is_placeholder(value: Any) -> bool:
    return getattr(value, "__resnet_placeholder__", False) is True


def _float(v: Any) -> Any:
    return float(v) if isinstance(v, str) else v


def _hashable(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


def key(data: Any) -> str:
    """A short digest of encoded data (how a replay knows a call it saw)."""
    import json

    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


# ------------------------------------------------------------- functions


class Recorder:
    """A student's function, recording each call the checker makes (probe side)."""

    def __init__(self, fn: Callable) -> None:
        functools.update_wrapper(self, fn)
        self._fn = fn
        self.calls: list[dict] = []
        self.description = _describe(fn)
        self.__resnet_described__ = self.description  # as the checker says it

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        before = encode([args, kwargs])
        record: dict[str, Any] = {"args": key(before)}
        try:
            result = self._fn(*args, **kwargs)
        except Exception as err:
            record["error"] = [type(err).__name__, str(err)[:300]]
            raise
        else:
            record["result"] = encode(result)
        finally:
            if encode([args, kwargs]) != before:  # it changed them in place
                record["changed"] = _state([args, kwargs])
            self.calls.append(record)
        return result


class Replay:
    """A recorded function (judge side): the same answers to the same calls, in order."""

    def __init__(self, calls: list[dict], description: str = "a function"):
        self._calls = list(calls)
        self._next = 0
        self.description = description
        self.__resnet_described__ = description

    def __repr__(self) -> str:
        return self.description

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._next >= len(self._calls):
            raise NotRecorded(
                "the function was not called this often while it ran"
            )
        call = self._calls[self._next]
        self._next += 1
        if call.get("args") != key(encode([args, kwargs])):
            raise NotRecorded(
                "the function was called with other inputs while it ran"
            )
        if "changed" in call:
            _change_in_place([args, kwargs], _read_state(call["changed"]))
        if "error" in call:
            name, message = call["error"]
            raise _error_class(str(name))(str(message))
        return decode(call["result"])


def record_arguments(arguments: dict[Any, Any]) -> dict[Any, Any]:
    """The checker's arguments, with every function wrapped in a :class:`Recorder` and
    every module class the student wrote in a recording subclass (:func:`recording_class`)."""
    return {
        k: Recorder(v)
        if _is_plain_function(v)
        else recording_class(v)
        if _is_student_module_class(v)
        else v
        for k, v in arguments.items()
    }


def _is_student_module_class(value: Any) -> bool:
    torch = _loaded("torch")
    return (
        torch is not None
        and isinstance(value, type)
        and issubclass(value, torch.nn.Module)
        and not value.__module__.startswith(("resnet_lib.", "torch."))
        and not hasattr(value, "__resnet_instances__")
        and _library_base(value) is None
    )


#: what every class has: a subclass with nothing else is its base under another name
BOOKKEEPING = frozenset(
    {
        "__module__",
        "__qualname__",
        "__doc__",
        "__dict__",
        "__weakref__",
        "__firstlineno__",
        "__static_attributes__",
        "__annotations__",
        "__orig_bases__",
    }
)


def _library_base(cls: type) -> Optional[type]:
    """The library class ``cls`` subclasses without changing anything, if any."""
    if set(vars(cls)) - BOOKKEEPING or len(cls.__bases__) != 1:
        return None
    base = cls.__bases__[0]
    return base if base.__module__.startswith("resnet_lib.") else None


def recording_class(cls: type) -> type:
    """A subclass of the student's module class that writes down every instance the
    checker builds: the constructor's arguments, and the module as data
    (:func:`resnet_lib.exercises.graphs.export`) or the error it raised."""
    from .graphs import export

    built: list[dict] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        record: dict[str, Any] = {"args": key(encode([args, kwargs]))}
        try:
            super(recorded, self).__init__(*args, **kwargs)  # type: ignore[arg-type]
        except Exception as err:
            record["error"] = [type(err).__name__, str(err)[:300]]
            built.append(record)
            raise
        record["module"] = export(self)
        built.append(record)

    recorded = type(
        cls.__name__,
        (cls,),
        {
            "__init__": __init__,
            "__qualname__": cls.__qualname__,
            "__module__": cls.__module__,
            "__doc__": cls.__doc__,
            "__resnet_instances__": built,
        },
    )
    return recorded


#: whose classes a record may name (their code is the library's and PyTorch's own)
LIBRARIES = ("resnet_lib.", "torch.nn.modules.")


def library_class(spec: str) -> type:
    """The class ``"module:qualname"`` names, of the library's or ``torch.nn``'s only."""
    module, _, name = spec.partition(":")
    if not module.startswith(LIBRARIES):
        raise ValueError(f"not a library class: {spec}")
    value: Any = importlib.import_module(module)
    for part in name.split("."):
        value = getattr(value, part)
    if not isinstance(value, type):
        raise ValueError(f"not a class: {spec}")
    return value


def _replay_class(data: dict) -> type:
    """A class whose instances are the rebuilt modules the probe saw built, in order."""
    import torch

    from .graphs import rebuild

    calls = list(data["built"])
    position = [0]

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        if position[0] >= len(calls):
            raise NotRecorded(
                "the class was not built this often while it ran"
            )
        call = calls[position[0]]
        position[0] += 1
        if call.get("args") != key(encode([args, kwargs])):
            raise NotRecorded(
                "the class was built with other arguments while it ran"
            )
        if "error" in call:
            name, message = call["error"]
            raise _error_class(str(name))(str(message))
        if call.get("module") is None:
            raise NotRecorded("the module could not be traced")
        return rebuild(call["module"])

    attributes = {
        k: decode(v) for k, v in dict(data.get("attributes", {})).items()
    }
    name = str(data.get("name", "Student"))
    return type(
        name if name.isidentifier() else "Student",
        (torch.nn.Module,),
        {
            **attributes,
            "__new__": __new__,
            "__resnet_described__": str(data.get("describe", name)),
        },
    )


def _is_plain_function(value: Any) -> bool:
    """A function the student wrote (a def, a lambda, a partial), not a class or a model."""
    import types

    if isinstance(value, (type, Recorder, Replay)) or _is_module(value):
        return False
    return isinstance(
        value, (types.FunctionType, types.MethodType, functools.partial)
    )


def _loaded(name: str) -> Any:
    import sys

    return sys.modules.get(name)


def _is_module(value: Any) -> bool:
    torch = _loaded("torch")
    return torch is not None and isinstance(value, torch.nn.Module)


def _state(value: Any) -> Any:
    """What a function may have changed in its arguments: tensors and arrays as data,
    a model as its weights, buffers, gradients and mode."""
    if isinstance(value, (list, tuple)):
        return {"list": [_state(v) for v in value]}
    if isinstance(value, dict):
        return {"dict": {str(k): _state(v) for k, v in value.items()}}
    if _is_module(value):
        return {
            "weights": {
                k: encode(t)
                for k, t in value.state_dict(keep_vars=True).items()
            },
            "grads": {
                k: encode(p.grad)
                for k, p in value.named_parameters()
                if p.grad is not None
            },
            "training": value.training,
        }
    data = _array(value)
    return {"array": data} if data is not None else {"other": None}


def _read_state(data: Any) -> Any:
    tag = next(iter(data)) if isinstance(data, dict) and data else None
    if tag == "list":
        return [_read_state(v) for v in data["list"]]
    if tag == "dict":
        return {k: _read_state(v) for k, v in data["dict"].items()}
    if tag == "weights":
        return {
            "weights": {k: decode(v) for k, v in data["weights"].items()},
            "grads": {k: decode(v) for k, v in data["grads"].items()},
            "training": bool(data["training"]),
        }
    if tag == "array":
        return decode(data["array"])
    return None


def _change_in_place(target: Any, recorded: Any) -> None:
    """Make the judge's arguments what the student's function left the probe's as."""
    if recorded is None:
        return
    if _is_module(target) and isinstance(recorded, dict):
        import torch

        with torch.no_grad():
            current = target.state_dict(keep_vars=True)
            for k, v in recorded["weights"].items():
                if k in current and current[k].shape == v.shape:
                    current[k].copy_(v)
        for k, p in target.named_parameters():
            grad = recorded["grads"].get(k)
            p.grad = None if grad is None else grad.to(p.dtype)
        target.train(recorded["training"])
    elif isinstance(target, dict) and isinstance(recorded, dict):
        for k in target:
            if str(k) in recorded:
                _change_in_place(target[k], recorded[str(k)])
    elif isinstance(target, (list, tuple)) and isinstance(recorded, list):
        for t, r in zip(target, recorded):
            _change_in_place(t, r)
    elif _mutable(target):
        try:
            if hasattr(target, "copy_"):
                target.copy_(recorded)
            else:
                target[...] = recorded
        except Exception:  # noqa: BLE001 - a shape the function changed
            pass


def _mutable(value: Any) -> bool:
    return hasattr(value, "copy_") or (
        hasattr(value, "__array__") and hasattr(value, "flags")
    )


def holds_objects(data: Any) -> bool:
    """Whether encoded data holds a class or a model (passed, or returned by a recorded
    function), which it can only describe."""
    if isinstance(data, list):
        return any(holds_objects(v) for v in data)
    if not isinstance(data, dict) or not data:
        return False
    tag = next(iter(data))
    if tag == "model":  # a model passed in: untraceable, only its digest
        return not data.get("structure")
    if tag == "built":
        return any(
            isinstance(call, dict)
            and "error" not in call
            and call.get("module") is None
            for call in data["built"]
        )
    if tag == "recording":
        return any(
            holds_objects(call.get("result"))
            for call in data["recording"]
            if isinstance(call, dict)
        )
    return any(holds_objects(v) for v in data.values())
