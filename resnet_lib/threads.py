"""Scoped CPU thread count for small, latency-bound work.

PyTorch splits every CPU op across ``torch.get_num_threads()`` threads. For small ops
(the identity experiment's 8x8 maps) or work dominated by building modules and by Python
(the architecture builder) there is little to split, and when other processes share the
2 cores the threads wait on each other: measured here under load, a ResNet-152 builder
update took 16.6 s with 2 threads and 1.8 s with 1 (CPU time 8.3 s vs 1.2 s), and the
identity experiment's test 38 s vs 2.6 s. The setting is process-wide, so it is changed
only inside a ``with`` block and restored.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Optional, Union

import torch


@contextmanager
def cpu_threads(n: int, device: Optional[Union[str, torch.device]] = None) -> Iterator[None]:
    """Run the body with ``torch.set_num_threads(n)`` (only when ``device`` is the CPU or
    None), then restore the previous setting, also after an exception."""
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
