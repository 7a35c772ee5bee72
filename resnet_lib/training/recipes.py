"""Training recipes: :class:`TrainConfig` (what to train with) and its learning-rate schedules.

Two recipes fill it: :func:`paper_recipe` (He et al. 2016, section 4.2) and
:func:`fast_recipe` (a short-run recipe for GPUs). :meth:`TrainConfig.lr_at` is the
schedule: a pure function of the step, so a resumed run follows it exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional

SCHEDULES = ("multistep", "cosine", "onecycle", "constant")


@dataclass(frozen=True)
class TrainConfig:
    """A training recipe. Lengths are in iterations (optimizer steps), as in the paper.

    Args:
        iterations: total optimizer steps (the paper: 64,000).
        batch_size: global batch (all processes together).
        lr, momentum, weight_decay, nesterov: SGD.
        decay_norm_and_bias: apply weight decay to BatchNorm and bias parameters too
            (the paper does; many short-run recipes don't).
        schedule: ``"multistep"`` (divide by 10 at each milestone), ``"cosine"``,
            ``"onecycle"`` (linear warm-up to ``lr`` over the first 25%, then cosine
            annealing towards zero) or ``"constant"``.
        milestones: iterations at which ``"multistep"`` divides the lr by 10.
        warmup_iterations, warmup_lr: a constant low lr first, for ``warmup_iterations``
            steps (with ``warmup_until_error``: at most that many).
        warmup_until_error: end the warm-up as soon as the training error is below this
            fraction, as the paper does for ResNet-110 ("we use 0.01 to warm up the training
            until the training error is below 80% (about 400 iterations), and then go back to
            0.1"). Checked at every logging point of :func:`fit` on that interval's mean
            training error (all processes agree: it is all-reduced); ``None``: a fixed warm-up.
        label_smoothing: cross-entropy label smoothing.
        augment: random crop of the zero-padded image and horizontal flip.
        crop_padding: the padding of the random crop (the paper: 4 pixels of 32).
        amp: mixed precision on CUDA (ignored on the CPU): bfloat16 autocast on GPUs that
            compute it natively (compute capability 8.0+), else float16 with a GradScaler
            (see :func:`resnet_lib.device.amp_dtype`).
        channels_last: NHWC memory format (faster convolutions on CPUs and tensor cores).
        eval_every: evaluate on the test set every this many iterations (0: at the end only).
        seed: seeds initialisation order, epoch permutations and augmentation.
    """

    iterations: int = 64_000
    batch_size: int = 128
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 1e-4
    decay_norm_and_bias: bool = True
    nesterov: bool = False
    schedule: str = "multistep"
    milestones: tuple[int, ...] = (32_000, 48_000)
    warmup_iterations: int = 0
    warmup_lr: float = 0.01
    warmup_until_error: Optional[float] = None
    label_smoothing: float = 0.0
    augment: bool = True
    crop_padding: int = 4
    amp: bool = False
    channels_last: bool = False
    eval_every: int = 2_000
    seed: int = 0

    def __post_init__(self) -> None:
        if self.schedule not in SCHEDULES:
            raise ValueError(
                f"unknown schedule {self.schedule!r}; allowed: {', '.join(SCHEDULES)}"
            )
        for name in ("iterations", "batch_size"):
            if getattr(self, name) <= 0:
                raise ValueError(
                    f"{name} must be positive; got {getattr(self, name)}"
                )
        if self.lr <= 0 or not 0 <= self.label_smoothing < 1:
            raise ValueError(
                f"need lr > 0 and 0 <= label_smoothing < 1; got lr={self.lr}, label_smoothing={self.label_smoothing}"
            )
        if (
            self.warmup_until_error is not None
            and not 0 < self.warmup_until_error <= 1
        ):
            raise ValueError(
                f"warmup_until_error is a training error in (0, 1]; got {self.warmup_until_error}"
            )
        object.__setattr__(
            self, "milestones", tuple(int(m) for m in self.milestones)
        )

    def lr_at(self, step: int, warmup_end: Optional[int] = None) -> float:
        """Learning rate for optimizer step ``step`` (0-based): a pure function of the step
        and of the step at which the warm-up ended (default: ``warmup_iterations``).

        The cosine schedule starts at the warm-up's end, the actual one when an adaptive
        warm-up ended early; multistep milestones count from step 0, as in the paper.
        """
        warmup_end = (
            self.warmup_iterations if warmup_end is None else warmup_end
        )
        if step < warmup_end:
            return self.warmup_lr
        if self.schedule == "constant":
            return self.lr
        if self.schedule == "multistep":
            return self.lr * 0.1 ** sum(step >= m for m in self.milestones)
        if self.schedule == "cosine":
            t = (step - warmup_end) / max(self.iterations - warmup_end, 1)
            return self.lr * 0.5 * (1 + math.cos(math.pi * t))
        # onecycle
        peak = max(int(0.25 * self.iterations), 1)
        if step < peak:
            return self.lr * (0.04 + 0.96 * step / peak)
        t = (step - peak) / max(self.iterations - peak, 1)
        return self.lr * (0.5 * (1 + math.cos(math.pi * t)) + 1e-4)


def paper_recipe(**overrides) -> TrainConfig:
    """The paper's CIFAR-10 recipe (section 4.2): SGD 0.9, wd 1e-4, batch 128, lr 0.1,
    divided by 10 at 32k and 48k iterations, 64k iterations, crop + flip augmentation.

    Milestones scale with ``iterations`` if only that is overridden (50% and 75%).
    For ResNet-110 use :func:`paper_warmup` (lr 0.01 until training error < 80%).
    """
    iterations = overrides.get("iterations", 64_000)
    overrides.setdefault("milestones", (iterations // 2, iterations * 3 // 4))
    return TrainConfig(**{"schedule": "multistep", **overrides})


def paper_warmup() -> dict:
    """The paper's ResNet-110 warm-up as ``TrainConfig`` overrides: lr 0.01 until the
    training error is below 80% ("about 400 iterations"); at most 2,000 iterations, a
    safety net that a healthy run never reaches."""
    return dict(
        warmup_iterations=2_000, warmup_lr=0.01, warmup_until_error=0.8
    )


def fast_recipe(**overrides) -> TrainConfig:
    """A short-run recipe: one-cycle lr (peak 0.4 at batch 512), label smoothing 0.1,
    nesterov momentum, weight decay 5e-4 (not on BatchNorm and biases), mixed precision on
    GPUs, channels_last."""
    base = dict(
        iterations=4_000,
        batch_size=512,
        lr=0.4,
        weight_decay=5e-4,
        nesterov=True,
        decay_norm_and_bias=False,
        schedule="onecycle",
        label_smoothing=0.1,
        amp=True,
        channels_last=True,
        eval_every=500,
    )
    return TrainConfig(**{**base, **overrides})


RECIPES: dict[str, Callable[..., TrainConfig]] = {
    "paper": paper_recipe,
    "fast": fast_recipe,
}
