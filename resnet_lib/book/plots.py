"""Figures of the chapters' experiments (matplotlib), one function per kind of figure.

The numbers come from :mod:`resnet_lib.experiments`; this module only draws them.
"""

from __future__ import annotations

from typing import Optional

import torch

from ..experiments.vanishing_gradients import (
    GradientNetConfig,
    gradient_profile,
)

ARCHITECTURES = {
    "plain vs residual": (False, True),
    "plain": (False,),
    "residual": (True,),
}


def gradient_plot(
    depth: int,
    architecture: str = "plain vs residual",
    activation: str = "relu",
    norm: str = "batchnorm",
    init: str = "he",
    device: Optional[torch.device] = None,
    **profile_kwargs,
):
    """One frame of the gradient explorer: per-layer gradient norms (log scale) at initialisation.

    ``architecture`` is one of :data:`ARCHITECTURES`; the other arguments are those of
    :class:`GradientNetConfig` and :func:`gradient_profile`. Returns a matplotlib ``Figure``.
    """
    import matplotlib.pyplot as plt

    if architecture not in ARCHITECTURES:
        raise ValueError(
            f"unknown architecture {architecture!r}; allowed: {', '.join(ARCHITECTURES)}"
        )
    cfgs = [
        GradientNetConfig(depth, residual, activation, norm, init)
        for residual in ARCHITECTURES[architecture]
    ]
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for cfg in cfgs:
        prof = gradient_profile(cfg, device=device, **profile_kwargs)
        ax.plot(
            range(1, len(prof) + 1),
            [
                max(p.norm, 1e-30) for p in prof
            ],  # a zero gradient shows at 1e-30
            label=f"{'residual' if cfg.residual else 'plain'} (first/last = {prof[0].norm / prof[-1].norm:.2g})",
        )
    ax.set_yscale("log")
    ax.set_xlabel("weighted layer (1 = input side)")
    ax.set_ylabel("gradient norm")
    ax.set_title(f"depth {depth}, {activation}, norm: {norm}, init: {init}")
    ax.legend(loc="best")
    return fig
