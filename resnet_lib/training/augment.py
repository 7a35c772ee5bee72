"""The paper's CIFAR augmentation (pad-4 random crop and horizontal flip), on the batch's device."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def augment_batch(
    images: Tensor, generator: torch.Generator, pad: int = 4
) -> Tensor:
    """Random ``pad``-pixel-padded crop and horizontal flip of a batch, all on its device.

    ``(N, C, H, W) -> (N, C, H, W)``; the random offsets come from ``generator`` (CPU), so
    the result is the same on every device for the same seed.
    """
    n, c, h, w = images.shape
    dev = images.device
    oy = torch.randint(0, 2 * pad + 1, (n,), generator=generator).to(dev)
    ox = torch.randint(0, 2 * pad + 1, (n,), generator=generator).to(dev)
    flip = (torch.rand(n, generator=generator) < 0.5).to(dev)
    padded = F.pad(images, (pad, pad, pad, pad))
    rows = (oy[:, None] + torch.arange(h, device=dev))[
        :, None, :, None
    ]  # (N, 1, H, 1)
    cols = ox[:, None] + torch.arange(w, device=dev)  # (N, W)
    cols = torch.where(flip[:, None], cols.flip(1), cols)[
        :, None, None, :
    ]  # (N, 1, 1, W)
    batch = torch.arange(n, device=dev)[:, None, None, None]
    chans = torch.arange(c, device=dev)[None, :, None, None]
    return padded[batch, chans, rows, cols]
