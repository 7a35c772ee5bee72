"""Device choice and explicit seeding. Nothing here runs at import time."""

from __future__ import annotations

import random
from typing import Optional

import torch


def pick_device(prefer: Optional[str] = None) -> torch.device:
    """The best available device: CUDA, then Apple MPS, then the CPU.

    Args:
        prefer: force a device type (``"cuda"``, ``"mps"`` or ``"cpu"``); a ``ValueError``
            names the available ones if it is not there.
    """
    available = ["cpu"]
    if torch.backends.mps.is_available():
        available.insert(0, "mps")
    if torch.cuda.is_available():
        available.insert(0, "cuda")
    if prefer is None:
        return torch.device(available[0])
    if prefer not in ("cuda", "mps", "cpu"):
        raise ValueError(f"unknown device type {prefer!r}; allowed: 'cuda', 'mps', 'cpu'")
    if prefer not in available:
        raise ValueError(f"device {prefer!r} is not available here; available: {available}")
    return torch.device(prefer)


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python's, NumPy's (if installed) and PyTorch's generators; return a CPU generator.

    Call it explicitly at the top of an experiment; pass the returned generator to data
    loaders and samplers that accept one.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    random.seed(seed)
    try:
        import numpy as np

        np.random.seed(seed % 2**32)
    except ImportError:  # pragma: no cover - numpy is a dependency, but stay usable without it
        pass
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)
