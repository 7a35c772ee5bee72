"""Residual learning experiments: how easily a stack of blocks learns (nearly) nothing.

If the best mapping for a few layers is close to the identity, a residual block only has
to drive its branch ``F`` to zero, while a plain block must build the identity out of
convolutions, BatchNorm and ReLUs (He et al. 2016, section 3.1). :func:`identity_learning`
measures that: stacks of plain and residual BasicBlocks are trained to reproduce their
input plus a small fixed perturbation, and the loss curves are compared.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from ..nn.blocks import BasicBlock, PlainBasicBlock
from ..nn.models import init_weights
from ..device import cpu_threads
from ..memo import remembered


@dataclass(frozen=True)
class IdentityRun:
    """Loss (mean squared error) per step of one identity-learning run."""

    plain: bool
    depth: int
    losses: tuple[float, ...]

    def steps_to(self, threshold: float) -> Optional[int]:
        """First step whose loss is below ``threshold`` (None if never)."""
        return next(
            (i for i, loss in enumerate(self.losses) if loss < threshold), None
        )


def block_stack(
    depth: int,
    channels: int,
    plain: bool,
    zero_init: bool = False,
    generator: Optional[torch.Generator] = None,
) -> nn.Sequential:
    """``depth`` BasicBlocks (or their plain twins) of ``channels`` channels, stride 1.

    Initialised as the library's ResNets are (:func:`~resnet_lib.nn.models.init_weights`,
    torchvision's scheme); with ``generator``, from it alone, leaving the global RNG untouched.
    """
    cls = PlainBasicBlock if plain else BasicBlock
    with (
        torch.random.fork_rng(devices=[])
        if generator is not None
        else nullcontext()
    ):
        stack = nn.Sequential(
            *(cls(channels, channels, 1) for _ in range(depth))
        )
    return init_weights(
        stack,
        "torchvision",
        zero_init_residual=zero_init and not plain,
        generator=generator,
    )


@remembered
def identity_learning(
    depth: int = 8,
    channels: int = 16,
    steps: int = 300,
    plain: bool = False,
    perturbation: float = 0.1,
    lr: float = 0.01,
    seed: int = 0,
    device: Optional[torch.device] = None,
) -> IdentityRun:
    """Train a stack to map ``x -> x + perturbation * g(x)`` (``g`` a fixed random conv).

    Inputs are non-negative (they come after a ReLU in a real network), so the identity
    is exactly representable by both kinds of stack. Adam, batch 32 of 8x8 maps, seeded
    (a local generator: the global RNG is left as it was).
    On the CPU it runs single-threaded (see :mod:`resnet_lib.device`).
    """
    if depth < 1 or steps < 1:
        raise ValueError(
            f"depth and steps must be >= 1; got depth={depth}, steps={steps}"
        )
    g = torch.Generator().manual_seed(seed)
    with cpu_threads(1, device):
        return _train_identity(
            depth, channels, steps, plain, perturbation, lr, g, device
        )


def _train_identity(
    depth: int,
    channels: int,
    steps: int,
    plain: bool,
    perturbation: float,
    lr: float,
    g: torch.Generator,
    device: Optional[torch.device],
) -> IdentityRun:
    net = block_stack(depth, channels, plain, generator=g).to(device)
    target_conv = torch.randn(channels, channels, 3, 3, generator=g).to(
        device
    ) / (3 * channels**0.5)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    losses = []
    net.train()
    for _ in range(steps):
        x = torch.relu(torch.randn(32, channels, 8, 8, generator=g)).to(
            device
        )  # (N, C, 8, 8), >= 0
        target = x + perturbation * F.conv2d(x, target_conv, padding=1)
        loss = F.mse_loss(net(x), target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return IdentityRun(plain, depth, tuple(losses))
