"""Train once, load afterwards: a cache of trained networks.

Several chapters study the same trained networks (the degradation chapter trains them,
the chapter on why residual networks train deletes their blocks and walks their loss
landscapes). :func:`cached_fit` trains a network the first time and loads it every time
after, keyed by everything that decides the result:

* the training configuration (:class:`~resnet_lib.training.TrainConfig`, all of it);
* the network: its configuration and a digest of its initial weights (so the seed counts);
* the data: a digest of the training and test images and labels;
* the code: resnet_lib's version and a digest of the core's source (networks, training,
  data), and torch's version.

An entry is written atomically (see :func:`~resnet_lib.training.save_checkpoint`), so a
killed run leaves no partial entry; one that cannot be read, or whose recorded key is not
the key asked for, is reported with a warning and trained again, never used. A lock
file serialises processes that ask for the same entry, so two chapters executing at
once train it once and cannot corrupt it.

The cache folder is ``$RESNET_TRAINED_CACHE``, else ``$XDG_CACHE_HOME/resnet_lib/trained``
(``~/.cache/...``); ``make book`` points it inside ``_build``, so a clean build trains
again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional, Union

import torch
from torch import nn

from ..data import ImageData
from .checkpoints import (
    CheckpointError,
    _model_signature,
    load_checkpoint,
    save_checkpoint,
)
from .history import History
from .named import fit_named
from .progress import LineProgress, ProgressArg
from .recipes import TrainConfig

ENV_VAR = "RESNET_TRAINED_CACHE"
#: the core's source folders and modules whose code decides a trained result
_CODE = ("nn", "training", "data.py", "device.py")


@dataclass
class CachedRun:
    """A trained network, its history, and whether it came from the cache."""

    model: nn.Module
    history: History
    from_cache: bool
    path: Path


def cache_dir(path: Union[str, Path, None] = None) -> Path:
    """The cache folder: ``path``, else ``$RESNET_TRAINED_CACHE``, else the user's cache."""
    if path is not None:
        return Path(path)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "resnet_lib" / "trained"


def _digest(*tensors: torch.Tensor) -> str:
    h = hashlib.sha256()
    for t in tensors:
        t = t.detach().cpu().contiguous()
        h.update(str((tuple(t.shape), str(t.dtype))).encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def data_digest(data: ImageData) -> str:
    """A digest of the images and labels (not of their description)."""
    return _digest(data.images, data.labels)


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """resnet_lib's version and a digest of the core's source files (read once
    per process: every cached network of a run shares it)."""
    from .. import __version__

    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(__version__.encode())
    for part in _CODE:
        files = (
            sorted((root / part).rglob("*.py"))
            if (root / part).is_dir()
            else [root / part]
        )
        for f in files:
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
    return f"{__version__}+{h.hexdigest()[:16]}"


def cache_key(
    model: nn.Module,
    train: ImageData,
    config: TrainConfig,
    test: Optional[ImageData] = None,
) -> dict:
    """Everything that decides what ``fit`` makes of ``model`` (before training),
    as plain JSON values (so that it survives a ``weights_only`` checkpoint)."""
    key = {
        "train_config": asdict(config),
        "model": _model_signature(model),
        "initial_weights": _digest(*model.state_dict().values()),
        "train_data": data_digest(train),
        "test_data": data_digest(test) if test is not None else None,
        "code": code_digest(),
        "torch": torch.__version__.split("+")[0],
    }
    return json.loads(json.dumps(key, sort_keys=True, default=repr))


def _entry(folder: Path, name: str, key: dict) -> Path:
    digest = hashlib.sha256(
        json.dumps(key, sort_keys=True).encode()
    ).hexdigest()
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name) or "network"
    return folder / f"{safe}-{digest[:20]}.pt"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path.lock`` (POSIX ``flock``; no lock where there is none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except (
        ImportError
    ):  # Windows: no lock; entries are still written atomically
        yield
        return
    with open(path.with_name(path.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _load(path: Path, key: dict, model: nn.Module) -> Optional[History]:
    """The cached history (and weights into ``model``), or None if the entry cannot be used."""
    if not path.exists():
        return None
    try:
        state = load_checkpoint(path)
        if state.get("cache_key") != key:
            raise CheckpointError(
                f"{path} was written for another key (stale)"
            )
        model.load_state_dict(state["model"], strict=True)
        return History.from_dict(state["history"])
    except (CheckpointError, KeyError, RuntimeError) as err:
        warnings.warn(
            f"trained-network cache: {path.name} cannot be used ({err}); "
            "training again and replacing it",
            stacklevel=3,
        )
        return None


def cached_fit(
    build: Callable[[], nn.Module],
    train: ImageData,
    config: TrainConfig,
    test: Optional[ImageData] = None,
    *,
    name: str = "network",
    folder: Union[str, Path, None] = None,
    device: Union[str, torch.device, None] = None,
    progress: ProgressArg = True,
    log_every: int = 50,
) -> CachedRun:
    """:func:`~resnet_lib.training.fit` a network once; load it on every later call.

    Args:
        build: makes the untrained network (call your seeding inside it, e.g.
            ``lambda: cifar_resnet(56)`` under :func:`resnet_lib.device.seeded`); it is
            called once per call, so that its initial weights are part of the key.
        name: a readable prefix of the entry's file name (``"plain-56"``).
        folder: the cache folder (default: see :func:`cache_dir`).
        device, progress, log_every: passed to ``fit`` when it trains
            (:func:`~resnet_lib.training.named.fit_named`).

    Returns:
        The trained model (on ``device`` when it trained; on the CPU when loaded, moved
        to ``device`` if one is given), its history, and whether it came from the cache.
    """
    model = build()
    key = cache_key(model, train, config, test)
    path = _entry(cache_dir(folder), name, key)
    with _locked(path):
        history = _load(path, key, model)
        if history is not None:
            if device is not None:
                model.to(device)
            if (
                progress == "lines"
            ):  # the page shows the log the training printed
                LineProgress(config.iterations, name).replay(history)
            return CachedRun(model, history, True, path)
        history = fit_named(
            name, model, train, config, test, device, progress, log_every
        )
        state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        save_checkpoint(
            path,
            {
                "cache_key": key,
                "model": state,
                "history": history.to_dict(),
                "name": name,
            },
        )
    return CachedRun(model, history, False, path)
