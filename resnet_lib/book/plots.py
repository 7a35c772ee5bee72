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
from ..i18n import N_, Text, _
from .notebook import PALETTE

#: the explorer's choices (English, its values; shown in the reader's language)
ARCHITECTURES = {
    N_("plain vs residual"): (False, True),
    N_("plain"): (False,),
    N_("residual"): (True,),
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
    """One frame of the gradient explorer: per-layer gradient norms (log scale)
    at initialisation.

    ``architecture`` is one of :data:`ARCHITECTURES`; the other arguments are
    those of :class:`GradientNetConfig` and :func:`gradient_profile`. Plain
    and residual differ in colour and line style; a dot marks the last
    weighted layer, the classifier ``fc``. Returns a matplotlib ``Figure``.
    """
    import matplotlib.pyplot as plt

    if architecture not in ARCHITECTURES:
        raise ValueError(
            f"unknown architecture {architecture!r}; "
            f"allowed: {', '.join(ARCHITECTURES)}"
        )
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for residual in ARCHITECTURES[architecture]:
        cfg = GradientNetConfig(depth, residual, activation, norm, init)
        prof = gradient_profile(cfg, device=device, **profile_kwargs)
        norms = [max(p.norm, 1e-30) for p in prof]  # a zero shows at 1e-30
        ratio = norms[0] / norms[-1]
        label = (
            Text("residual (first/last = {ratio:.2g})", ratio=ratio)
            if residual
            else Text("plain (first/last = {ratio:.2g})", ratio=ratio)
        )
        ax.plot(
            range(1, len(prof) + 1),
            norms,
            color=PALETTE[1] if residual else PALETTE[0],
            ls="--" if residual else "-",
            marker="o",
            markevery=[len(prof) - 1],  # the last layer: fc
            label=str(label),
        )
        ax.annotate(
            "fc",
            (len(prof), norms[-1]),
            xytext=(5, 0),
            textcoords="offset points",
            va="center",
        )
    ax.set_yscale("log")
    ax.set(
        xlabel=_("weighted layer (1 = input side, last = fc)"),
        ylabel=_("gradient norm"),
        title=Text(
            "depth {depth}, {activation}, norm: {norm}, init: {init}",
            depth=depth,
            activation=activation,
            norm=norm,
            init=init,
        ),
    )
    ax.legend(loc="best")
    return fig
