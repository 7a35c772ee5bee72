"""One named network trained: the call that the cache and the command line share.

:func:`~resnet_lib.training.cached_fit` (a chapter's network, trained once) and
``python -m resnet_lib.training`` (a run of its own) both train a network that has a
name (``"plain-56"``, ``"resnet110"``): the name labels the progress, and the network,
its data, its recipe and where it trains are handed to :func:`fit` as they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

import torch
from torch import nn

from ..data import ImageData
from .history import History
from .loop import fit
from .progress import ProgressArg
from .recipes import TrainConfig


def fit_named(
    name: str,
    model: nn.Module,
    train: ImageData,
    config: TrainConfig,
    test: Optional[ImageData] = None,
    device: Union[str, torch.device, None] = None,
    progress: ProgressArg = True,
    log_every: int = 50,
    checkpoint: Union[str, Path, None] = None,
    resume: bool = False,
) -> History:
    """:func:`fit` ``model`` on ``train`` with ``config``, its progress labelled
    ``name``; every other argument as for :func:`fit`."""
    return fit(
        model,
        train,
        config,
        test,
        device=device,
        checkpoint=checkpoint,
        resume=resume,
        progress=progress,
        log_every=log_every,
        desc=name,
    )
