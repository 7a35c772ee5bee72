"""Device choice, mixed-precision choice, explicit seeding and scoped CPU threads. Nothing here runs at import time."""

from __future__ import annotations

import random
from contextlib import contextmanager
from typing import Iterator, Optional, Union

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
        raise ValueError(
            f"unknown device type {prefer!r}; allowed: 'cuda', 'mps', 'cpu'"
        )
    if prefer not in available:
        raise ValueError(
            f"device {prefer!r} is not available here; available: {available}"
        )
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
    except (
        ImportError
    ):  # pragma: no cover - numpy is a dependency, but stay usable without it
        pass
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def amp_dtype(device: Union[str, torch.device]) -> torch.dtype:
    """The autocast dtype for mixed precision on ``device``.

    bfloat16 where the hardware computes it natively: CUDA GPUs of compute capability 8.0
    or higher (Ampere: A100, RTX 30xx, and later), ROCm GPUs, and the CPU. Older CUDA GPUs
    (a T4 is 7.5, a V100 7.0) get float16, which needs a ``GradScaler``. The capability
    is what ``torch.cuda.is_bf16_supported(including_emulation=False)`` checks; without that
    argument (its default) it also counts bfloat16 that a T4 only *emulates*, slowly.
    """
    device = torch.device(device)
    if device.type != "cuda" or torch.version.hip:
        return torch.bfloat16
    major, _ = torch.cuda.get_device_capability(device)
    return torch.bfloat16 if major >= 8 else torch.float16


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run the body with the CPU generator seeded with ``seed``, then restore its state.

    For code that draws from PyTorch's global generator and takes no ``generator`` argument
    (building a module: ``nn.init``), so that a library function can be reproducible without
    changing its caller's random state::

        with seeded(0):
            model = cifar_resnet(20)   # the same weights every time; torch.rand() outside unaffected

    Only the CPU generator is seeded and restored (models are built on the CPU); CUDA's and
    MPS's generators are not touched.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)
        yield


@contextmanager
def cpu_threads(
    n: int, device: Optional[Union[str, torch.device]] = None
) -> Iterator[None]:
    """Run the body with ``torch.set_num_threads(n)`` (only when ``device`` is the CPU or
    None), then restore the previous setting, also after an exception.

    PyTorch splits every CPU op across ``torch.get_num_threads()`` threads. For small ops
    (the identity experiment's 8x8 maps) or work dominated by building modules and by Python
    (the architecture builder) there is little to split, and when other processes share the
    2 cores the threads wait on each other: measured here under load, a ResNet-152 builder
    update took 16.6 s with 2 threads and 1.8 s with 1 (CPU time 8.3 s vs 1.2 s), and the
    identity experiment's test 38 s vs 2.6 s. The setting is process-wide, so it is changed
    only inside a ``with`` block and restored.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive number of threads; got {n!r}")
    if device is not None and torch.device(device).type != "cpu":
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
