"""Training: one job per module.

==================  =====================================================================
``recipes``         :class:`TrainConfig`, its learning-rate schedules, the paper's and the
                    fast recipe
``augment``         the paper's CIFAR augmentation (pad-4 random crop, horizontal flip)
``history``         :class:`History`, what a run measured
``checkpoints``     atomic, resumable checkpoints (``weights_only=True``)
``progress``        how :func:`fit` shows progress (the caller chooses)
``loop``            :func:`fit` and :func:`evaluate`
``cache``           train once, load afterwards: :func:`cached_fit`
``cli``             ``python -m resnet_lib.training`` (single process or ``torchrun``)
==================  =====================================================================
"""

from .augment import augment_batch
from .cache import CachedRun, cached_fit
from .checkpoints import (
    CHECKPOINT_FORMAT,
    CheckpointError,
    load_checkpoint,
    restore,
    save_checkpoint,
)
from .history import History
from .loop import evaluate, evaluating, fit
from .progress import ProgressArg, make_progress
from .recipes import (
    RECIPES,
    SCHEDULES,
    TrainConfig,
    fast_recipe,
    paper_recipe,
    paper_warmup,
)

__all__ = [
    "augment_batch",
    "cached_fit",
    "CachedRun",
    "CHECKPOINT_FORMAT",
    "CheckpointError",
    "evaluate",
    "evaluating",
    "fast_recipe",
    "fit",
    "History",
    "load_checkpoint",
    "make_progress",
    "paper_recipe",
    "paper_warmup",
    "ProgressArg",
    "RECIPES",
    "restore",
    "save_checkpoint",
    "SCHEDULES",
    "TrainConfig",
]
