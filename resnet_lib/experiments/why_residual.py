"""Why residual networks train: unrolled paths, lesions and loss landscapes.

* **Unrolled paths** (Veit, Wilber and Belongie, NeurIPS 2016): with identity shortcuts,
  ``n`` residual blocks are ``2**n`` paths from input to output, each using or skipping
  every block; :func:`path_counts` gives how many paths have each length (binomial).
* **Lesions** (Veit et al.): :func:`lesion_study` deletes one block at a time from a
  trained network at test time (a residual block keeps its shortcut, a plain block is
  replaced by the identity where its shape allows) and measures the error;
  :func:`multi_lesion` deletes several random blocks at once.
* **Effective paths** (Veit et al.): :func:`path_gradients` measures the gradient that
  reaches the first block through paths of each length, by letting the backward pass
  through only the residual branch of ``k`` sampled blocks and only the shortcut of the
  others (the forward pass is the whole network's).
* **Loss landscapes** (Li, Xu, Taylor, Studer and Goldstein, NeurIPS 2018):
  :func:`loss_surface` evaluates the loss at ``theta + a d1 + b d2`` along random,
  filter-normalised directions (each filter of ``d`` scaled to the norm of the same
  filter of ``theta``; BatchNorm and bias directions zero).

Every function leaves the model as it found it (weights, mode, modules) and uses its own
random generator.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..data import ImageData, normalize
from ..nn.blocks import BasicBlock, Bottleneck
from ..training import evaluate, evaluating
from ..memo import remembered


def path_counts(n: int) -> list[int]:
    """How many of the ``2**n`` paths through ``n`` residual blocks use ``k`` of them,
    for ``k = 0..n``: the binomial coefficients ``C(n, k)``."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(
            f"n must be a non-negative number of blocks; got {n!r}"
        )
    return [math.comb(n, k) for k in range(n + 1)]


def blocks_of(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """``(name, block)`` for every block of a ``ResNet``, in forward order."""
    names = getattr(model, "stage_names", None)
    if not names:
        raise TypeError(
            f"expected a resnet_lib ResNet (with stage_names); got {type(model).__name__}"
        )
    return [
        (f"{stage}.{i}", block)
        for stage in names
        for i, block in enumerate(getattr(model, stage))
    ]


def changes_shape(block: nn.Module) -> bool:
    """True for a block that downsamples or changes the number of channels."""
    conv = getattr(block, "conv1", None)
    last = [m for m in block.modules() if isinstance(m, nn.Conv2d)][-1]
    assert isinstance(conv, nn.Conv2d)
    return (
        getattr(block, "stride", 1) != 1
        or conv.in_channels != last.out_channels
    )


class _ShortcutOnly(nn.Module):
    """A residual block with its residual branch deleted: what is left of ``F(x) + x``."""

    def __init__(self, block: nn.Module) -> None:
        super().__init__()
        self.block = block

    def forward(self, x: Tensor) -> Tensor:
        b: Any = self.block  # a unit of orderings (a)-(d)
        return _after_addition(b, b.downsample(x))


def _is_residual(block: nn.Module) -> bool:
    return bool(getattr(block, "residual", False))


def _deleted(block: nn.Module) -> Optional[nn.Module]:
    """What stands in for ``block`` once deleted, or None if it cannot be deleted."""
    if _is_residual(block):
        return _ShortcutOnly(block)
    return None if changes_shape(block) else nn.Identity()


@contextmanager
def _replaced(
    model: nn.Module, replacements: Mapping[str, nn.Module]
) -> Iterator[None]:
    """Put ``replacements`` (block name -> module) in place; restore on exit."""
    saved = {}
    try:
        for name, module in replacements.items():
            stage, index = name.split(".")
            seq = getattr(model, stage)
            saved[name] = seq[int(index)]
            seq[int(index)] = module
        yield
    finally:
        for name, module in saved.items():
            stage, index = name.split(".")
            getattr(model, stage)[int(index)] = module


def error_rate(model: nn.Module, data: ImageData) -> float:
    """Top-1 error of ``model`` on ``data`` in eval mode (0..1): the training
    package's :func:`~resnet_lib.training.evaluate`, which leaves the mode as found."""
    return evaluate(model, data)[1]


@dataclass(frozen=True)
class Lesion:
    """The error after deleting one block (``None``: that block cannot be deleted)."""

    block: str
    changes_shape: bool
    error: Optional[float]


@remembered
def lesion_study(
    model: nn.Module, data: ImageData
) -> tuple[float, list[Lesion]]:
    """The intact error, and the error with each block deleted in turn."""
    intact = error_rate(model, data)
    lesions = []
    for name, block in blocks_of(model):
        stand_in = _deleted(block)
        error = None
        if stand_in is not None:
            with _replaced(model, {name: stand_in}):
                error = error_rate(model, data)
        lesions.append(Lesion(name, changes_shape(block), error))
    return intact, lesions


@remembered
def multi_lesion(
    model: nn.Module,
    data: ImageData,
    counts: list[int],
    samples: int = 3,
    seed: int = 0,
) -> dict[int, float]:
    """Mean error after deleting ``k`` random deletable blocks (that keep the shape),
    for each ``k`` of ``counts``, over ``samples`` random draws."""
    g = torch.Generator().manual_seed(seed)
    names = [n for n, b in blocks_of(model) if not changes_shape(b)]
    blocks = dict(blocks_of(model))
    if max(counts) > len(names):
        raise ValueError(
            f"at most {len(names)} blocks keep their shape here; got counts {counts}"
        )
    out = {}
    for k in counts:
        errors = []
        for _ in range(samples if k else 1):
            pick = torch.randperm(len(names), generator=g)[:k].tolist()
            stand_ins = {names[i]: _deleted(blocks[names[i]]) for i in pick}
            with _replaced(
                model, {n: m for n, m in stand_ins.items() if m is not None}
            ):
                errors.append(error_rate(model, data))
        out[k] = sum(errors) / len(errors)
    return out


def _post_activation(block: nn.Module) -> tuple[str, bool]:
    """The ordering of a unit of He et al. 2016b's (a)-(d) and whether it is a bottleneck."""
    ordering = getattr(block, "ordering", None)
    if not isinstance(block, (BasicBlock, Bottleneck)) or ordering not in (
        "original",
        "bn_after_add",
        "relu_before_add",
        "relu_preact",
    ):
        raise TypeError(
            "expected a unit with the layers of BasicBlock or Bottleneck (orderings "
            f"(a)-(d)); got {type(block).__name__}"
        )
    return ordering, isinstance(block, Bottleneck)


def _branch(block: Any, x: Tensor) -> Tensor:
    """The residual branch ``F(x)`` of a unit of orderings (a)-(d) (each its class's
    ``forward`` without the shortcut and what follows the addition)."""
    ordering, bottleneck = _post_activation(block)
    if ordering == "relu_preact":
        x = block.relu(x)
    out = block.relu(block.bn1(block.conv1(x)))
    if bottleneck:
        out = block.relu(block.bn2(block.conv2(out)))
    conv, bn = (
        (block.conv3, block.bn3) if bottleneck else (block.conv2, block.bn2)
    )
    out = conv(out)
    if ordering != "bn_after_add":
        out = bn(out)
    return block.relu(out) if ordering == "relu_before_add" else out


def _after_addition(block: Any, y: Tensor) -> Tensor:
    """What the unit applies to ``F(x) + shortcut``: ReLU in (a), BN-ReLU in (b), nothing
    in (c) and (d)."""
    ordering, bottleneck = _post_activation(block)
    if ordering == "bn_after_add":
        y = (block.bn3 if bottleneck else block.bn2)(y)
    return block.relu(y) if ordering in ("original", "bn_after_add") else y


class _Routed(nn.Module):
    """The block's forward, with the backward pass through the branch or the shortcut only."""

    def __init__(self, block: nn.Module, through_branch: bool) -> None:
        super().__init__()
        self.block, self.through_branch = block, through_branch

    def forward(self, x: Tensor) -> Tensor:
        b: Any = self.block
        xb, xs = (x, x.detach()) if self.through_branch else (x.detach(), x)
        return _after_addition(b, _branch(b, xb) + b.downsample(xs))


def routed_input_gradient(
    model: nn.Module, x: Tensor, y: Tensor, branches: set[int]
) -> Tensor:
    """The gradient of the loss at the first block's input along the paths that use the
    residual branches of the blocks numbered in ``branches`` (0-based, forward order) and
    the shortcuts of all the others. The forward pass is the whole network's.

    The backward pass is linear once the forward pass has fixed every ReLU's mask and
    BatchNorm's statistics, so these gradients over all ``2**n`` choices of ``branches``
    add up to the network's own gradient.
    """
    named = blocks_of(model)
    if not all(_is_residual(b) for _, b in named):
        raise ValueError(
            "path gradients need a residual network (every block with a shortcut)"
        )
    routed = {n: _Routed(b, i in branches) for i, (n, b) in enumerate(named)}
    seen: dict[str, Tensor] = {}

    def keep(_m: nn.Module, inputs: tuple[Tensor, ...]) -> None:
        inputs[0].retain_grad()
        seen["x"] = inputs[0]

    stage, index = named[0][0].split(".")
    with _replaced(model, routed):
        hook = getattr(model, stage)[int(index)].register_forward_pre_hook(
            keep
        )
        try:
            x = x.detach().requires_grad_(True)
            F.cross_entropy(model(x), y).backward()
        finally:
            hook.remove()
    grad = seen["x"].grad
    assert grad is not None
    return grad


@contextmanager
def _frozen(model: nn.Module) -> Iterator[None]:
    """Eval mode and no parameter gradients; both restored afterwards."""
    was = model.training
    flags = [p.requires_grad for p in model.parameters()]
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, flag in zip(model.parameters(), flags):
            p.requires_grad_(flag)
        model.train(was)


@remembered
def path_gradients(
    model: nn.Module,
    data: ImageData,
    lengths: list[int],
    samples: int = 4,
    batch: int = 64,
    seed: int = 0,
) -> dict[int, float]:
    """Mean norm of the gradient that reaches the first block through one path using
    ``k`` residual branches (``k`` sampled blocks; see :func:`routed_input_gradient`),
    for each ``k`` of ``lengths``. Multiply by :func:`path_counts` for the gradient
    that all the paths of a length carry together.
    """
    n = len(blocks_of(model))
    g = torch.Generator().manual_seed(seed)
    device = next(model.parameters()).device
    x = normalize(data.images[:batch].to(device))
    y = data.labels[:batch].to(device)
    result = {}
    with _frozen(model):
        for k in lengths:
            if not 0 <= k <= n:
                raise ValueError(f"path lengths run from 0 to {n}; got {k}")
            norms = []
            for _ in range(samples):
                chosen = set(torch.randperm(n, generator=g)[:k].tolist())
                norms.append(
                    float(routed_input_gradient(model, x, y, chosen).norm())
                )
            result[k] = sum(norms) / len(norms)
    return result


def _filter_normalised(model: nn.Module, g: torch.Generator) -> list[Tensor]:
    """A random direction with each filter scaled to the norm of the model's filter
    (Li et al. 2018); zero for BatchNorm parameters and biases (one-dimensional)."""
    direction = []
    for p in model.parameters():
        if p.dim() <= 1:
            direction.append(torch.zeros_like(p))
            continue
        d = torch.randn(p.shape, generator=g).to(p.device, p.dtype)
        pf, df = p.detach().flatten(1), d.flatten(1)
        scale = pf.norm(dim=1, keepdim=True) / (
            df.norm(dim=1, keepdim=True) + 1e-10
        )
        direction.append((df * scale).view_as(p))
    return direction


@remembered
def loss_surface(
    model: nn.Module,
    data: ImageData,
    alphas: list[float],
    betas: Optional[list[float]] = None,
    seed: int = 0,
) -> list[list[float]]:
    """Mean cross-entropy on ``data`` at ``theta + a d1 + b d2`` for ``a`` in ``alphas``
    and ``b`` in ``betas`` (rows: betas; ``betas=None``: one row, along ``d1`` only).

    Eval mode (BatchNorm's running statistics); the weights are restored afterwards.
    """
    g = torch.Generator().manual_seed(seed)
    d1 = _filter_normalised(model, g)
    d2 = _filter_normalised(model, g)
    device = next(model.parameters()).device
    x = normalize(data.images.to(device))
    y = data.labels.to(device)
    theta = [p.detach().clone() for p in model.parameters()]
    rows = []
    try:
        with evaluating(model):
            for b in betas if betas is not None else [0.0]:
                row = []
                for a in alphas:
                    for p, t, u, v in zip(model.parameters(), theta, d1, d2):
                        p.copy_(t + a * u + b * v)
                    row.append(float(F.cross_entropy(model(x), y)))
                rows.append(row)
    finally:
        with torch.no_grad():
            for p, t in zip(model.parameters(), theta):
                p.copy_(t)
    return rows


def uphill_share(surface: list[list[float]]) -> float:
    """Share of a square grid's points (the centre aside) from which one step towards
    the centre goes uphill: 0 on a bowl, more on a rough surface."""
    size, c = len(surface), len(surface) // 2
    bad = 0
    for i in range(size):
        for j in range(size):
            di, dj = (c > i) - (c < i), (c > j) - (c < j)
            if (i, j) != (c, c) and surface[i + di][j + dj] > surface[i][j]:
                bad += 1
    return bad / (size * size - 1)


def edge_rise(surface: list[list[float]]) -> float:
    """How steep a bowl is: the mean loss on the edge of the grid over the loss at
    its centre."""
    c = len(surface) // 2
    edge = [
        v
        for i, row in enumerate(surface)
        for j, v in enumerate(row)
        if i in (0, len(surface) - 1) or j in (0, len(row) - 1)
    ]
    return sum(edge) / len(edge) / surface[c][c]
