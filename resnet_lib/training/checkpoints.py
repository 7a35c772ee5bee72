"""Atomic, resumable checkpoints, read with ``torch.load(..., weights_only=True)``.

A checkpoint holds the model, optimizer and loss-scaler state, the step, the history, the
:class:`~resnet_lib.training.TrainConfig` and the model's configuration, so that a wrong
or corrupt file is refused with a message instead of half-loaded.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Optional, Union

import torch
from torch import nn

CHECKPOINT_FORMAT = "resnet_lib.checkpoint/1"


class CheckpointError(ValueError):
    """A checkpoint that cannot be read or does not fit the model it is loaded into."""


def save_checkpoint(path: Union[str, Path], state: dict) -> None:
    """Write ``state`` atomically: to a temporary file, fsync, then rename over ``path``.

    An interrupted write leaves the previous checkpoint at ``path`` untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            torch.save({"format": CHECKPOINT_FORMAT, **state}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def load_checkpoint(
    path: Union[str, Path], map_location: Union[str, torch.device] = "cpu"
) -> dict:
    """Read a checkpoint written by :func:`save_checkpoint` (``weights_only=True``).

    Raises:
        FileNotFoundError: no file at ``path``.
        CheckpointError: the file is corrupt, truncated or not a resnet_lib checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except (
        Exception
    ) as err:  # truncated zip, garbage bytes, unpickling refused
        raise CheckpointError(
            f"checkpoint {path} ({path.stat().st_size} bytes) cannot be read; it is corrupt or "
            f"truncated ({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}). "
            "Nothing was loaded; delete it or resume from another checkpoint."
        ) from err
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        got = (
            state.get("format")
            if isinstance(state, dict)
            else type(state).__name__
        )
        raise CheckpointError(
            f"{path} is not a resnet_lib checkpoint (format {got!r}; expected {CHECKPOINT_FORMAT!r})"
        )
    return state


def _model_signature(model: nn.Module) -> dict:
    config = getattr(model, "config", None)
    return (
        asdict(config)
        if config is not None
        else {"class": type(model).__name__}
    )


def _unwrap(model: nn.Module) -> nn.Module:
    return (
        model.module
        if isinstance(model, nn.parallel.DistributedDataParallel)
        else model
    )


def restore(
    model: nn.Module,
    state: dict,
    optimizer: Optional[torch.optim.Optimizer] = None,
    path: str = "checkpoint",
    scaler: Optional[torch.amp.GradScaler] = None,
) -> None:
    """Load a checkpoint's weights (and optimizer and loss-scaler state) into ``model``,
    checking they fit. A float16 run's ``GradScaler`` (its current scale and growth
    tracker) is restored too, so that the resumed run scales and skips steps as the
    uninterrupted one would.

    Raises:
        CheckpointError: the checkpoint was made for a different architecture; the model
            is left unchanged.
    """
    model = _unwrap(model)
    saved, ours = state.get("model_signature"), _model_signature(model)
    if saved is not None and saved != ours:
        diff = {
            k: (saved.get(k), ours.get(k))
            for k in set(saved) | set(ours)
            if saved.get(k) != ours.get(k)
        }
        raise CheckpointError(
            f"{path} was saved from a different model; differences (checkpoint, this model): {diff}"
        )
    current = model.state_dict()
    bad = [
        k
        for k, v in state["model"].items()
        if k not in current or current[k].shape != v.shape
    ]
    missing = [k for k in current if k not in state["model"]]
    if bad or missing:
        raise CheckpointError(
            f"{path} does not fit this model: unexpected or mis-shaped keys {bad[:5]}, missing keys {missing[:5]}"
        )
    model.load_state_dict(state["model"])
    if optimizer is not None and "optimizer" in state:
        optimizer.load_state_dict(state["optimizer"])
    if scaler is not None and scaler.is_enabled() and state.get("scaler"):
        scaler.load_state_dict(state["scaler"])
