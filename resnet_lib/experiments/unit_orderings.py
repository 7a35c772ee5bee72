"""The five unit orderings of He et al. 2016b at initialisation: the identity chapter's
experiments.

A residual unit computes ``y_l = h(x_l) + F(x_l)`` and ``x_{l+1} = f(y_l)``. When both
the shortcut ``h`` and the after-addition map ``f`` are the identity, units add up:

    x_L = x_l + sum_{i=l}^{L-1} F(x_i)                               (eq. 4)
    dE/dx_l = dE/dx_L (1 + d/dx_l sum_{i=l}^{L-1} F(x_i))            (eq. 5)

(He, Zhang, Ren, Sun, "Identity Mappings in Deep Residual Networks", ECCV 2016,
arXiv:1603.05027). Figure 4 of the paper moves BatchNorm and ReLU around the addition;
the library builds all five orderings (``resnet_lib.nn.blocks.ORDERINGS``).

* :func:`zero_branch_output`: what one unit does to its input when its residual branch
  outputs zero -- the input itself where the identity path is clean, ``relu(x)`` for the
  original unit, a renormalised ``relu(BN(x))`` for BN after the addition.
* :func:`ordering_profile`: the forward signal (variance, mean, zero fraction) and the
  backward gradient ``|dE/dx_l|`` at every unit of a CIFAR-style stack of ``units`` units
  at initialisation.

Every function builds its own modules with a local ``torch.Generator`` (the global RNG
is left alone), returns plain numbers, and runs one thread on the CPU: a 128-unit
profile takes well under a second on a 2-core machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
from torch import Tensor, nn

from ..device import cpu_threads
from ..nn.blocks import check_ordering
from ..nn.models import ResNet
from ..memo import remembered


def ordering_stack(
    ordering: str,
    units: int,
    channels: int = 16,
    generator: Optional[torch.Generator] = None,
) -> ResNet:
    """The first stage of a CIFAR ResNet with ``units`` basic units of ``ordering``.

    A 3x3 stem with ``channels`` filters (a bare convolution for full pre-activation,
    conv-BN-ReLU otherwise, as :func:`~resnet_lib.nn.models.cifar_resnet` builds them)
    and one stage ``layer1`` of ``units`` units that keep the shape, so every shortcut is
    the identity. Initialised as torchvision does (He, fan-out; BatchNorm scale 1, shift
    0), drawn from ``generator``.
    """
    check_ordering(ordering)
    if isinstance(units, bool) or not isinstance(units, int) or units < 1:
        raise ValueError(f"units must be a positive integer; got {units!r}")
    return ResNet(
        "basic",
        (units,),
        num_classes=10,
        base_width=channels,
        stem="cifar",
        ordering=ordering,
        generator=generator,
    )


def last_conv(unit: nn.Module) -> nn.Conv2d:
    """The last convolution of a unit's residual branch (``conv2`` or ``conv3``)."""
    convs = [
        m
        for name, m in unit.named_modules()
        if isinstance(m, nn.Conv2d) and "downsample" not in name.split(".")
    ]
    if not convs:
        raise ValueError(f"{type(unit).__name__} has no convolution")
    return convs[-1]


def zero_residual_branches(model: ResNet) -> ResNet:
    """Zero the last convolution of every unit of ``model`` (in place); returns it.

    Whatever follows that convolution on the branch (a BatchNorm with shift 0, a ReLU)
    then outputs zeros too, in every ordering, so each unit computes ``f(h(x) + 0)``.
    """
    with torch.no_grad():
        for unit in model.blocks():
            last_conv(unit).weight.zero_()
    return model


def zero_branch_output(
    ordering: str, x: Tensor, seed: int = 0, train: bool = True
) -> Tensor:
    """One unit of ``ordering`` with its residual branch zeroed, applied to ``x``.

    Args:
        ordering: one of ``resnet_lib.nn.blocks.ORDERINGS``.
        x: ``(N, C, H, W)``, any sign; the unit has ``C`` channels in and out.
        train: BatchNorm in training mode (batch statistics) or eval mode.

    Returns:
        ``f(x + 0)``, detached: ``x`` itself for the orderings whose addition is followed
        by nothing, ``relu(x)`` for the original unit, ``relu(BN(x))`` for BN after the
        addition.
    """
    model = ordering_stack(
        ordering, 1, x.shape[1], torch.Generator().manual_seed(seed)
    )
    unit = zero_residual_branches(model).blocks()[0].train(train)
    with torch.no_grad(), cpu_threads(1, x.device):
        return unit.to(x.device)(x).detach()


@dataclass(frozen=True)
class OrderingProfile:
    """The signal at every unit of a stack, input to output (index 0 is the stem's output).

    ``variance``, ``mean``: over all entries of ``x_l`` (a batch of feature maps).
    ``zero_fraction``: entries of ``x_l`` that are exactly zero (clipped by a ReLU).
    ``grad_norm``: ``|dE/dx_l| / |dE/dx_L|`` for ``E = sum(r * x_L)`` with a fixed random
    ``r``, so the last entry is 1 and the first says how much larger (or smaller) the
    gradient that reaches the bottom of the stack is than the one at its top.
    """

    ordering: str
    units: int
    variance: tuple[float, ...]
    mean: tuple[float, ...]
    zero_fraction: tuple[float, ...]
    grad_norm: tuple[float, ...]

    @property
    def first_over_last(self) -> float:
        """``|dE/dx_0| / |dE/dx_L|``: the gradient at the stack's input, relative to its top."""
        return self.grad_norm[0]


@remembered
def ordering_profile(
    ordering: str,
    units: int,
    *,
    channels: int = 16,
    size: int = 8,
    batch: int = 8,
    seed: int = 0,
    zero_branches: bool = False,
    device: Optional[torch.device] = None,
) -> OrderingProfile:
    """Forward signal and backward gradient at every unit of an :func:`ordering_stack`,
    at initialisation.

    One batch of standard-normal ``batch x 3 x size x size`` images goes through the stem
    and the ``units`` units, BatchNorm in training mode (batch statistics, as in the
    first training step). The loss is ``E = sum(r * x_L)`` with a fixed standard-normal
    ``r``, so ``dE/dx_L = r`` for every ordering and the profiles differ only by what the
    units do to the gradient on its way down.

    Args:
        ordering: one of ``resnet_lib.nn.blocks.ORDERINGS``.
        units: residual units in the stack (a CIFAR ResNet of depth 6n+2 has n per stage).
        channels, size, batch: the feature maps' channels, height and width, and the batch.
        seed: the weights come from ``seed``, the images and ``r`` from ``seed + 1``.
        zero_branches: zero every unit's residual branch first
            (:func:`zero_residual_branches`).
        device: where to run (default the CPU).
    """
    g = torch.Generator().manual_seed(seed)
    model = ordering_stack(ordering, units, channels, g)
    if zero_branches:
        zero_residual_branches(model)
    model = model.to(device).train()
    data = torch.Generator().manual_seed(seed + 1)
    images = torch.randn(batch, 3, size, size, generator=data).to(device)
    r = torch.randn(batch, channels, size, size, generator=data).to(device)
    with cpu_threads(1, device), torch.enable_grad():
        x = model.relu(model.bn1(model.conv1(images)))  # (N, C, H, W): x_0
        xs = [x]
        for unit in model.blocks():
            x = unit(x)
            xs.append(x)
        grads = torch.autograd.grad((x * r).sum(), xs)
    top = grads[-1].norm()
    with torch.no_grad():
        return OrderingProfile(
            ordering,
            units,
            tuple(t.var().item() for t in xs),
            tuple(t.mean().item() for t in xs),
            tuple((t == 0).float().mean().item() for t in xs),
            tuple((gr.norm() / top).item() for gr in grads),
        )
