"""What a training run measured: :class:`History` (plain lists, so it fits in a checkpoint)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Optional


@dataclass
class History:
    """What a run measured; plain lists, so it fits in a ``weights_only`` checkpoint.

    ``steps``/``train_loss``/``train_error``/``lr``: averaged over each logging interval
    (training error is the running error on the augmented mini-batches, as the paper
    plots it). ``eval_steps``/``test_loss``/``test_error``: at each evaluation.
    """

    steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_error: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_error: list[float] = field(default_factory=list)
    seconds: float = 0.0
    images_seen: int = 0
    warmup_end: Optional[int] = (
        None  # the step at which the warm-up ended (None: none, or not yet)
    )

    @property
    def images_per_second(self) -> float:
        return self.images_seen / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self, name: str = "run") -> str:
        """One line for logs and built pages (it fits the book's 79-character column
        for names up to about 14 characters): iterations, time, speed, final errors."""
        parts = [
            f"{name}: {self.steps[-1] if self.steps else 0:,} it in "
            f"{self.seconds:.1f} s ({self.images_per_second:,.0f} img/s)"
        ]
        if self.train_error:
            parts.append(f"train err {100 * self.train_error[-1]:.1f}%")
        if self.test_error:
            parts.append(f"test err {100 * self.test_error[-1]:.1f}%")
        return ", ".join(parts)

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})
