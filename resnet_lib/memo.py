"""Compute once per build: a cache of the experiments' results, for the book's build.

The book is executed once per language (its Chinese edition speaks Chinese because its
chapters run in Chinese). What a chapter computes that does not depend on the language,
a lesion study, a loss landscape, the gradient norms behind an explorer, is the same in
every execution; :func:`remembered` makes an experiment function compute it once and
return the stored result every later time, so that the second execution mostly renders.

It is on only where ``$RESNET_RESULTS_CACHE`` names a folder (``make book`` points it
inside ``_build``, so a clean build computes everything again); elsewhere, in a
learner's notebook say, a remembered function is just the function.

A result is stored under a key made of everything that decides it:

* the function (module and name) and every argument, by value: numbers and strings as
  they are, tensors and a network's weights by a digest of their bytes, data sets by a
  digest of their images and labels, a network by its structure (``repr``) and weights;
* for a function that draws from PyTorch's global random number generator (found
  when it first runs), the generator's state when it is called: a hit also sets the
  generator to the state the computation left it in, so the code after it draws the
  same numbers as it did after the computation (a function that leaves the generator
  alone is stored by its arguments alone: a new process starts from a random state);
* the library's version and a digest of the source of its core and experiments, and
  torch's version.

An argument it cannot read by value (a function, an open file), a GPU in use, a
result it cannot store (see :func:`encode`), or a call that changed one of its
arguments (a network's BatchNorm statistics, say) means no cache: the function runs. Entries
are written atomically and read with ``torch.load(..., weights_only=True)``; one that
cannot be read is computed again and replaced.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import json
import os
import warnings
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar

import numpy as np
import torch
from torch import Tensor, nn

ENV_VAR = "RESNET_RESULTS_CACHE"
#: the parts of the library whose code decides an experiment's result
_CODE = (
    "nn",
    "training",
    "experiments",
    "data.py",
    "device.py",
    "counting.py",
    "diagnostics.py",
    "reference.py",
)

F = TypeVar("F", bound=Callable[..., Any])


class Unkeyable(TypeError):
    """An argument (or a result) the cache cannot read by value."""


def folder() -> Optional[Path]:
    """The cache's folder, or None when the cache is off."""
    path = os.environ.get(ENV_VAR, "").strip()
    return Path(path) if path else None


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """resnet_lib's version and a digest of its core's and experiments' source."""
    from . import __version__

    root = Path(__file__).resolve().parent
    h = hashlib.sha256(f"{__version__} torch {torch.__version__}".encode())
    for part in _CODE:
        path = root / part
        for f in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def _tensor_digest(t: Tensor) -> str:
    t = t.detach().cpu().contiguous()
    h = hashlib.sha256(f"{tuple(t.shape)} {t.dtype}".encode())
    h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def key_of(value: Any) -> Any:
    """A JSON value that names ``value`` by what it holds (see the module docstring).

    Raises:
        Unkeyable: for a value that cannot be named so.
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, np.ndarray) and value.dtype != object:
        return {"ndarray": _tensor_digest(torch.from_numpy(value.copy()))}
    if isinstance(value, np.generic):
        return {"numpy": repr(value.item()), "dtype": str(value.dtype)}
    if isinstance(value, Tensor):
        return {"tensor": _tensor_digest(value)}
    if isinstance(value, nn.Module):
        return {
            "module": repr(value),
            "training": value.training,
            "state": [
                [k, _tensor_digest(v)] for k, v in value.state_dict().items()
            ],
        }
    if isinstance(value, torch.device):
        return {"device": str(value)}
    if isinstance(value, (list, tuple)):
        return {type(value).__name__: [key_of(v) for v in value]}
    if isinstance(value, dict):
        return {"dict": [[key_of(k), key_of(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        return {
            "dataclass": f"{cls.__module__}.{cls.__qualname__}",
            "fields": {
                f.name: key_of(getattr(value, f.name))
                for f in dataclasses.fields(value)
                # a field of words (a data set's description) decides nothing
                if f.metadata.get("memo", True)
            },
        }
    raise Unkeyable(
        f"cannot name a {type(value).__name__} by value for the results cache"
    )


# ------------------------------------------------------------------ storing results


def encode(value: Any) -> Any:
    """``value`` as what ``torch.load(..., weights_only=True)`` reads back: numbers,
    strings, tensors, lists and dicts; tuples, other dicts and the library's
    dataclasses tagged, so that :func:`decode` rebuilds them.

    Raises:
        Unkeyable: for a value of another kind.
    """
    if value is None or isinstance(value, (bool, int, float, str, Tensor)):
        return value
    if isinstance(value, np.ndarray) and value.dtype != object:
        return {"__ndarray__": torch.from_numpy(np.ascontiguousarray(value))}
    if isinstance(value, np.generic):
        return {"__numpy_scalar__": torch.from_numpy(np.asarray(value))}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {
            "__items__": [[encode(k), encode(v)] for k, v in value.items()]
        }
    cls = type(value)
    if dataclasses.is_dataclass(value) and cls.__module__.startswith(
        "resnet_lib."
    ):
        return {
            "__dataclass__": f"{cls.__module__}:{cls.__qualname__}",
            "fields": {
                f.name: encode(getattr(value, f.name))
                for f in dataclasses.fields(value)
            },
        }
    raise Unkeyable(f"cannot store a {cls.__name__} in the results cache")


def decode(data: Any) -> Any:
    """The value :func:`encode` wrote (a dataclass only of the library's own)."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "__ndarray__" in data:
        return data["__ndarray__"].numpy()
    if "__numpy_scalar__" in data:
        return data["__numpy_scalar__"].numpy()[()]
    if "__tuple__" in data:
        return tuple(decode(v) for v in data["__tuple__"])
    if "__items__" in data:
        return {decode(k): decode(v) for k, v in data["__items__"]}
    module, _, name = data["__dataclass__"].partition(":")
    if not module.startswith("resnet_lib.") or "." in name:
        raise ValueError(
            f"not a class of the library: {data['__dataclass__']}"
        )
    cls = getattr(importlib.import_module(module), name)
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise ValueError(f"not a dataclass: {data['__dataclass__']}")
    fields = {k: decode(v) for k, v in data["fields"].items()}
    init = {f.name for f in dataclasses.fields(cls) if f.init}
    obj = cls(**{k: v for k, v in fields.items() if k in init})
    for k, v in fields.items():
        if k not in init:
            object.__setattr__(obj, k, v)
    return obj


def _arguments(args: tuple, kwargs: dict) -> Any:
    return [key_of(list(args)), key_of(dict(sorted(kwargs.items())))]


def _entry(fn: Callable, arguments: Any, rng: Optional[str] = None) -> Path:
    """The entry of ``fn`` called with ``arguments`` (and, for a function that draws
    from the global generator, the generator's state ``rng``)."""
    where = folder()
    assert where is not None
    key = {
        "function": f"{fn.__module__}.{fn.__qualname__}",
        "arguments": arguments,
        "rng": rng,
        "code": code_digest(),
    }
    digest = hashlib.sha256(
        json.dumps(key, sort_keys=True).encode()
    ).hexdigest()
    return where / f"{fn.__qualname__}-{digest[:24]}.pt"


def _read(path: Path) -> Optional[dict]:
    if not path.exists():
        return None
    try:
        return torch.load(path, weights_only=True)
    except Exception as err:  # noqa: BLE001 - an unreadable entry is replaced
        warnings.warn(
            f"results cache: {path.name} cannot be used ({err}); computing again",
            stacklevel=3,
        )
        return None


def _write(path: Path, stored: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    torch.save(stored, partial)
    os.replace(partial, path)


def remembered(fn: F) -> F:
    """Make the experiment function ``fn`` compute once per build (see the module
    docstring); with the cache off, ``fn`` runs every time."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        if folder() is None or torch.cuda.is_initialized():
            return fn(*args, **kwargs)
        try:
            arguments = _arguments(args, kwargs)
        except Unkeyable:
            return fn(*args, **kwargs)
        # a function that leaves the global generator alone is stored by its
        # arguments; one that draws from it, by its arguments and the generator's state
        plain = _entry(fn, arguments)
        rng = _tensor_digest(torch.get_rng_state())
        stored = _read(plain)
        if stored is not None and stored.get("draws"):
            stored = _read(_entry(fn, arguments, rng))
        if stored is not None and "value" in stored:
            try:
                value = decode(stored["value"])
            except Exception as err:  # noqa: BLE001
                warnings.warn(
                    f"results cache: an entry of {fn.__qualname__} cannot be "
                    f"used ({err}); computing again",
                    stacklevel=2,
                )
            else:
                if "rng" in stored:
                    torch.set_rng_state(stored["rng"])
                return value
        value = fn(*args, **kwargs)
        after = torch.get_rng_state()
        try:
            encoded = encode(value)
        except Unkeyable:
            return value
        if _arguments(args, kwargs) != arguments:
            # it changed an argument (a network's BatchNorm statistics, say): a stored
            # result would skip that change, so it is not stored
            return value
        if _tensor_digest(after) == rng:
            _write(plain, {"value": encoded})
        else:
            _write(plain, {"draws": True})
            _write(
                _entry(fn, arguments, rng), {"value": encoded, "rng": after}
            )
        return value

    return run  # type: ignore[return-value]
