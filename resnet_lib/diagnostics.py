"""Per-layer gradient norms and per-block activation statistics.

Both work on any ``nn.Module`` (ours or torchvision's), use hooks that are removed before
returning, and leave the model as they found it: gradients are computed with
``torch.autograd.grad`` so no ``.grad`` attribute is written; the train/eval mode is the
caller's choice (in train mode BatchNorm normalises with batch statistics, which is what a
training step sees), and the buffers that a train-mode forward pass updates (BatchNorm's
running mean and variance, ``num_batches_tracked``) are put back as they were, as are the
modules' modes and the parameters' ``requires_grad``.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .counting import need_module, weighted_layers


@dataclass(frozen=True)
class LayerGradient:
    """Gradient of the loss with respect to one weighted layer's weight."""

    name: str
    norm: float  # Frobenius norm of d loss / d weight
    weight_norm: float  # Frobenius norm of the weight itself

    @property
    def relative(self) -> float:
        """``|grad| / |weight|``: the size of an SGD step relative to the weight."""
        return (
            self.norm / self.weight_norm if self.weight_norm else float("inf")
        )


@contextmanager
def as_found(model: nn.Module) -> Iterator[None]:
    """Run the body, then restore ``model``'s buffers (bit for bit), every module's
    train/eval mode and every parameter's ``requires_grad``, also after an exception.

    A train-mode forward pass updates BatchNorm's running statistics in place; a measurement
    should not, or measuring a model would change what it computes in eval mode.
    """
    buffers = [(b, b.detach().clone()) for b in model.buffers()]
    modes = [(m, m.training) for m in model.modules()]
    grads = [(p, p.requires_grad) for p in model.parameters()]
    try:
        yield
    finally:
        with torch.no_grad():
            for b, saved in buffers:
                b.copy_(saved)
        for m, training in modes:
            m.training = training
        for p, requires_grad in grads:
            p.requires_grad_(requires_grad)


def _execution_order(
    model: nn.Module,
    candidates: dict[nn.Module, str],
    run: Callable[[], Tensor],
) -> tuple[Tensor, list[str]]:
    """Run ``run()`` with forward hooks recording the order in which ``candidates`` execute."""
    order: list[str] = []
    handles = [
        module.register_forward_hook(
            lambda m, i, o, name=name: order.append(name)
        )
        for module, name in candidates.items()
    ]
    try:
        out = run()
    finally:
        for h in handles:
            h.remove()
    return out, list(
        dict.fromkeys(order)
    )  # first call of each, input-to-output


def gradient_norms(
    model: nn.Module,
    inputs: Tensor,
    targets: Tensor,
    loss_fn: Callable[[Tensor, Tensor], Tensor] = F.cross_entropy,
    include_shortcuts: bool = False,
) -> list[LayerGradient]:
    """Gradient norm of every weighted layer, in input-to-output (execution) order.

    Args:
        model: any network; its weighted layers are its ``Conv2d`` and ``Linear`` modules
            (shortcut projections only if ``include_shortcuts``).
        inputs: ``(N, C, H, W)`` batch.
        targets: ``(N,)`` class indices (or whatever ``loss_fn`` takes).
        loss_fn: ``loss_fn(model(inputs), targets) -> scalar``.

    Returns:
        One :class:`LayerGradient` per weighted layer that took part in the forward pass.
    """
    need_module(model, "gradient_norms")
    candidates = {
        m: name for name, m in weighted_layers(model, include_shortcuts)
    }
    if not candidates:
        raise ValueError(
            f"{type(model).__name__} has no Conv2d or Linear layers"
        )
    with as_found(model), torch.enable_grad():
        for m in candidates:
            m.weight.requires_grad_(
                True
            )  # also a frozen layer's gradient (restored after)
        outputs, order = _execution_order(
            model, candidates, lambda: model(inputs)
        )
        loss = loss_fn(outputs, targets)
        if loss.dim() != 0:
            raise ValueError(
                f"loss_fn must return a scalar; got shape {tuple(loss.shape)}"
            )
        modules = dict(model.named_modules())
        weights = [modules[name].weight for name in order]
        grads = torch.autograd.grad(loss, weights, allow_unused=True)
    return [
        LayerGradient(
            name,
            0.0 if g is None else g.norm().item(),
            w.detach().norm().item(),
        )
        for name, w, g in zip(order, weights, grads)
    ]


@dataclass(frozen=True)
class ActivationStats:
    """Statistics of one block's output over a batch."""

    name: str
    mean: float
    std: float
    rms: float
    dead_fraction: float  # fraction of exactly-zero entries (dead ReLUs)


def default_blocks(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The modules whose outputs :func:`activation_stats` reports by default.

    For ResNets (ours or torchvision's): every block of every ``layerK`` stage. Otherwise:
    the model's direct children.
    """
    stages = [
        (n, m)
        for n, m in model.named_children()
        if n.startswith("layer") and isinstance(m, nn.Sequential)
    ]
    if stages:
        return [
            (f"{n}.{i}", b) for n, stage in stages for i, b in enumerate(stage)
        ]
    return list(model.named_children())


def activation_stats(
    model: nn.Module,
    inputs: Tensor,
    blocks: Optional[list[tuple[str, nn.Module]]] = None,
) -> list[ActivationStats]:
    """Mean, standard deviation, RMS and dead fraction of every block's output.

    Runs one forward pass without gradients, in the model's current mode; hooks are removed
    and buffers restored afterwards (see :func:`as_found`).
    """
    need_module(model, "activation_stats")
    blocks = default_blocks(model) if blocks is None else blocks
    stats: list[ActivationStats] = []

    def hook(name: str):
        def record(module: nn.Module, inp, out: Tensor) -> None:
            o = out.detach().float()
            stats.append(
                ActivationStats(
                    name,
                    o.mean().item(),
                    o.std().item(),
                    o.pow(2).mean().sqrt().item(),
                    (o == 0).float().mean().item(),
                )
            )

        return record

    handles = [m.register_forward_hook(hook(n)) for n, m in blocks]
    try:
        with as_found(model), torch.no_grad():
            model(inputs)
    finally:
        for h in handles:
            h.remove()
    return stats
