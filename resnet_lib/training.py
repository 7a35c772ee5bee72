"""Training and evaluation: recipes, a readable loop, atomic resumable checkpoints.

Two recipes (:func:`paper_recipe`, :func:`fast_recipe`) fill a :class:`TrainConfig`;
:func:`fit` runs it. The data live on the training device as uint8 tensors and are
augmented there (pad-4 random crop + horizontal flip, the paper's CIFAR augmentation),
so no DataLoader worker is needed. Everything random (the order of every epoch, every
crop and flip) comes from generators seeded by ``(seed, epoch)``, which is what makes a
run resumed from a checkpoint end bit-for-bit where an uninterrupted run ends (on CPU).

Under ``torchrun`` (see :mod:`resnet_lib.train`) each process takes every ``world``-th
sample of the epoch's permutation and ``batch_size / world`` images per step;
DistributedDataParallel averages the gradients, so the global batch stays ``batch_size``.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Callable, Optional, Union

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor, nn

from .data import ImageData, normalize
from .device import amp_dtype

SCHEDULES = ("multistep", "cosine", "onecycle", "constant")
CHECKPOINT_FORMAT = "resnet_lib.checkpoint/1"


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
            raise ValueError(f"unknown schedule {self.schedule!r}; allowed: {', '.join(SCHEDULES)}")
        for name in ("iterations", "batch_size"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive; got {getattr(self, name)}")
        if self.lr <= 0 or not 0 <= self.label_smoothing < 1:
            raise ValueError(f"need lr > 0 and 0 <= label_smoothing < 1; got lr={self.lr}, label_smoothing={self.label_smoothing}")
        if self.warmup_until_error is not None and not 0 < self.warmup_until_error <= 1:
            raise ValueError(f"warmup_until_error is a training error in (0, 1]; got {self.warmup_until_error}")
        object.__setattr__(self, "milestones", tuple(int(m) for m in self.milestones))

    def lr_at(self, step: int, warmup_end: Optional[int] = None) -> float:
        """Learning rate for optimizer step ``step`` (0-based): a pure function of the step
        and of the step at which the warm-up ended (default: ``warmup_iterations``).

        The cosine schedule starts at the warm-up's end, the actual one when an adaptive
        warm-up ended early; multistep milestones count from step 0, as in the paper.
        """
        warmup_end = self.warmup_iterations if warmup_end is None else warmup_end
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
    return dict(warmup_iterations=2_000, warmup_lr=0.01, warmup_until_error=0.8)


def fast_recipe(**overrides) -> TrainConfig:
    """A short-run recipe: one-cycle lr (peak 0.4 at batch 512), label smoothing 0.1,
    nesterov momentum, weight decay 5e-4 (not on BatchNorm and biases), mixed precision on
    GPUs, channels_last."""
    base = dict(iterations=4_000, batch_size=512, lr=0.4, weight_decay=5e-4, nesterov=True, decay_norm_and_bias=False,
                schedule="onecycle", label_smoothing=0.1, amp=True, channels_last=True, eval_every=500)
    return TrainConfig(**{**base, **overrides})


RECIPES: dict[str, Callable[..., TrainConfig]] = {"paper": paper_recipe, "fast": fast_recipe}


# ---------------------------------------------------------------- augmentation


def augment_batch(images: Tensor, generator: torch.Generator, pad: int = 4) -> Tensor:
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
    rows = (oy[:, None] + torch.arange(h, device=dev))[:, None, :, None]  # (N, 1, H, 1)
    cols = ox[:, None] + torch.arange(w, device=dev)  # (N, W)
    cols = torch.where(flip[:, None], cols.flip(1), cols)[:, None, None, :]  # (N, 1, 1, W)
    batch = torch.arange(n, device=dev)[:, None, None, None]
    chans = torch.arange(c, device=dev)[None, :, None, None]
    return padded[batch, chans, rows, cols]


# ---------------------------------------------------------------- history


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
    warmup_end: Optional[int] = None  # the step at which the warm-up ended (None: none, or not yet)

    @property
    def images_per_second(self) -> float:
        return self.images_seen / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self, name: str = "run") -> str:
        """One line for logs and built pages: iterations, time, speed, final errors."""
        parts = [f"{name}: {self.steps[-1] if self.steps else 0:,} iterations in {self.seconds:.1f} s "
                 f"({self.images_per_second:,.0f} images/s)"]
        if self.train_error:
            parts.append(f"train error {100 * self.train_error[-1]:.1f}%")
        if self.test_error:
            parts.append(f"test error {100 * self.test_error[-1]:.1f}%")
        return ", ".join(parts)

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


# ---------------------------------------------------------------- checkpoints


class CheckpointError(ValueError):
    """A checkpoint that cannot be read or does not fit the model it is loaded into."""


def save_checkpoint(path: Union[str, Path], state: dict) -> None:
    """Write ``state`` atomically: to a temporary file, fsync, then rename over ``path``.

    An interrupted write leaves the previous checkpoint at ``path`` untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            torch.save({"format": CHECKPOINT_FORMAT, **state}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def load_checkpoint(path: Union[str, Path], map_location: Union[str, torch.device] = "cpu") -> dict:
    """Read a checkpoint written by :func:`save_checkpoint` (``weights_only=True``).

    Raises:
        FileNotFoundError: no file at ``path``.
        CheckpointError: the file is corrupt, truncated or not a resnet_lib checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # truncated zip, garbage bytes, unpickling refused
        raise CheckpointError(
            f"checkpoint {path} ({path.stat().st_size} bytes) cannot be read; it is corrupt or "
            f"truncated ({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}). "
            "Nothing was loaded; delete it or resume from another checkpoint."
        ) from err
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        got = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise CheckpointError(f"{path} is not a resnet_lib checkpoint (format {got!r}; expected {CHECKPOINT_FORMAT!r})")
    return state


def _model_signature(model: nn.Module) -> dict:
    config = getattr(model, "config", None)
    return asdict(config) if config is not None else {"class": type(model).__name__}


def _unwrap(model: nn.Module) -> nn.Module:
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


def restore(model: nn.Module, state: dict, optimizer: Optional[torch.optim.Optimizer] = None, path: str = "checkpoint",
            scaler: Optional[torch.amp.GradScaler] = None) -> None:
    """Load a checkpoint's weights (and optimizer and loss-scaler state) into ``model``,
    checking they fit. A float16 run's ``GradScaler`` (its current scale and growth
    tracker) is restored too, so that the resumed run scales and skips steps as the
    uninterrupted one would.

    Raises:
        CheckpointError: the checkpoint was made for a different architecture; the model
            is left unchanged.
    """
    model = _unwrap(model)
    saved, ours = state.get("model_signature"), _model_signature(model)
    if saved is not None and saved != ours:
        diff = {k: (saved.get(k), ours.get(k)) for k in set(saved) | set(ours) if saved.get(k) != ours.get(k)}
        raise CheckpointError(
            f"{path} was saved from a different model; differences (checkpoint, this model): {diff}"
        )
    current = model.state_dict()
    bad = [k for k, v in state["model"].items() if k not in current or current[k].shape != v.shape]
    missing = [k for k in current if k not in state["model"]]
    if bad or missing:
        raise CheckpointError(f"{path} does not fit this model: unexpected or mis-shaped keys {bad[:5]}, missing keys {missing[:5]}")
    model.load_state_dict(state["model"])
    if optimizer is not None and "optimizer" in state:
        optimizer.load_state_dict(state["optimizer"])
    if scaler is not None and scaler.is_enabled() and state.get("scaler"):
        scaler.load_state_dict(state["scaler"])


# ---------------------------------------------------------------- progress


class Progress:
    """What :func:`fit` shows while it trains, on rank 0 only.

    A tqdm bar with loss, accuracy and images per second (a live widget in Jupyter and
    Colab, text in a terminal); while the book is built (``RESNET_BOOK_STATIC`` set, see
    :mod:`resnet_lib.explorer`) a frozen widget would show its first frame, "0%", so then
    it prints about eight plain lines instead, which read well on a static page.
    """

    def __init__(self, total: int, initial: int, desc: str, enabled: bool, lines: Optional[bool] = None):
        from .explorer import static_mode

        self.total, self.desc, self.enabled = total, desc, enabled
        self.lines = static_mode() if lines is None else lines
        self.every = max(total // 8, 1)
        self.bar = None
        if enabled and not self.lines:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, initial=initial, desc=desc, mininterval=1.0, leave=True, dynamic_ncols=True)

    def update(self, step: int, history: "History") -> None:
        if not self.enabled or not history.train_loss:
            return
        if self.bar is not None:
            self.bar.update(step - self.bar.n)
            self.bar.set_postfix(loss=f"{history.train_loss[-1]:.3f}", acc=f"{1 - history.train_error[-1]:.3f}",
                                 img_s=f"{history.images_per_second:.0f}", refresh=False)
        elif step % self.every == 0 or step == self.total:
            test = (f"  test acc {1 - history.test_error[-1]:6.1%}"
                    if history.eval_steps and history.eval_steps[-1] == step else "")
            print(f"{self.desc}: step {step:>{len(str(self.total))}}/{self.total}  loss {history.train_loss[-1]:.3f}  "
                  f"train acc {1 - history.train_error[-1]:6.1%}{test}  {history.images_per_second:,.0f} img/s", flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ---------------------------------------------------------------- the loop


def _world() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _precision(config: TrainConfig, device: torch.device) -> tuple[bool, torch.dtype]:
    """Whether :func:`fit` uses autocast on ``device``, and with which dtype."""
    return config.amp and device.type == "cuda", amp_dtype(device)


def _grad_scaler(device: torch.device, enabled: bool) -> torch.amp.GradScaler:
    return torch.amp.GradScaler(device.type, enabled=enabled)


def _epoch_generator(seed: int, epoch: int, stream: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed * 1_000_003 + epoch * 7 + stream)


@torch.no_grad()
def evaluate(model: nn.Module, data: ImageData, device: Union[str, torch.device, None] = None,
             batch_size: int = 1000, channels_last: bool = False) -> tuple[float, float]:
    """Mean cross-entropy and error rate (0..1) of ``model`` on ``data``, in eval mode."""
    device = torch.device(device) if device is not None else next(model.parameters()).device
    was_training = model.training
    model.eval()
    loss_sum, wrong = 0.0, 0
    try:
        for i in range(0, len(data), batch_size):
            x = normalize(data.images[i:i + batch_size].to(device))
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            y = data.labels[i:i + batch_size].to(device)
            out = model(x).float()
            loss_sum += F.cross_entropy(out, y, reduction="sum").item()
            wrong += (out.argmax(1) != y).sum().item()
    finally:
        model.train(was_training)
    return loss_sum / len(data), wrong / len(data)


def fit(
    model: nn.Module,
    train: ImageData,
    config: TrainConfig,
    test: Optional[ImageData] = None,
    device: Union[str, torch.device, None] = None,
    checkpoint: Union[str, Path, None] = None,
    resume: bool = False,
    progress: bool = True,
    log_every: int = 50,
    desc: str = "train",
    stop_after: Optional[int] = None,
) -> History:
    """Train ``model`` on ``train`` with ``config``; return the :class:`History`.

    Args:
        model: any classifier; wrapped in DistributedDataParallel here when a process
            group is initialised (``torchrun``).
        test: evaluated every ``config.eval_every`` iterations and at the end.
        device: defaults to the model's device.
        checkpoint: file written at the end of every epoch (atomically; rank 0 only).
        resume: continue from ``checkpoint`` if it exists (same result as not stopping).
        progress: a tqdm bar with loss, accuracy and images per second (plain lines
            while the book is built; see :class:`Progress`).
        log_every: iterations per history point (epoch ends are points too, so that a
            resumed run logs exactly what an uninterrupted one does).
        stop_after: stop (as if killed) after this many iterations; for tests and demos.
    """
    device = torch.device(device) if device is not None else next(model.parameters()).device
    rank, world = _world()
    if config.batch_size % world:
        raise ValueError(f"batch_size {config.batch_size} must be divisible by the number of processes {world}")
    steps_per_epoch = len(train) // config.batch_size
    if steps_per_epoch == 0:
        raise ValueError(f"the training set ({len(train)} images) is smaller than one batch ({config.batch_size})")

    model.to(device)
    if config.channels_last:
        model.to(memory_format=torch.channels_last)
    # The paper decays every parameter; the fast recipe exempts BatchNorm and biases (1-D).
    decayed = [p for p in model.parameters() if config.decay_norm_and_bias or p.dim() > 1]
    exempt = [p for p in model.parameters() if not config.decay_norm_and_bias and p.dim() <= 1]
    groups = [{"params": decayed, "weight_decay": config.weight_decay}]
    if exempt:
        groups.append({"params": exempt, "weight_decay": 0.0})
    optimizer = torch.optim.SGD(groups, lr=config.lr_at(0), momentum=config.momentum, nesterov=config.nesterov)
    net = nn.parallel.DistributedDataParallel(model) if world > 1 else model

    use_amp, dtype = _precision(config, device)
    # float16 needs loss scaling (its range is small); bfloat16 has float32's range
    scaler = _grad_scaler(device, enabled=use_amp and dtype == torch.float16)

    history, step = History(), 0
    if resume and checkpoint is not None and Path(checkpoint).exists():
        state = load_checkpoint(checkpoint, map_location=device)
        if state.get("train_config") != asdict(config):
            raise CheckpointError(f"{checkpoint} was written with a different TrainConfig; resume with the same recipe")
        restore(model, state, optimizer, path=str(checkpoint), scaler=scaler)
        step, history = state["step"], History.from_dict(state["history"])
    adaptive_warmup = config.warmup_until_error is not None and config.warmup_iterations > 0
    if not adaptive_warmup:
        history.warmup_end = config.warmup_iterations or None

    images = train.images.to(device)
    labels = train.labels.to(device)
    end = min(config.iterations, stop_after) if stop_after is not None else config.iterations
    bar = Progress(config.iterations, step, desc, enabled=progress and rank == 0)
    t0, seconds0, interval = time.perf_counter(), history.seconds, []
    net.train()
    while step < end:
        epoch = step // steps_per_epoch
        order = torch.randperm(len(train), generator=_epoch_generator(config.seed, epoch, 0))
        aug_gen = _epoch_generator(config.seed, epoch, 1)
        for b in range(step % steps_per_epoch, steps_per_epoch):
            if step >= end:
                break
            idx = order[b * config.batch_size:(b + 1) * config.batch_size]
            x = images[idx.to(device)]
            if config.augment:
                # every rank draws the whole batch's offsets, so the stream stays in step
                x = augment_batch(x, aug_gen, pad=config.crop_padding)
            x, y = x[rank::world], labels[idx.to(device)][rank::world]
            x = normalize(x)
            if config.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            # while an adaptive warm-up is undecided, step < warmup_iterations: lr is warmup_lr
            lr = config.lr_at(step, history.warmup_end)
            for g in optimizer.param_groups:
                g["lr"] = lr
            with torch.autocast(device.type, dtype=dtype, enabled=use_amp):
                out = net(x)
                loss = F.cross_entropy(out.float(), y, label_smoothing=config.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            step += 1
            interval.append(torch.stack([loss.detach().float(), (out.argmax(1) != y).float().mean()]))

            if step % log_every == 0 or step % steps_per_epoch == 0 or step == end:
                stats = torch.stack(interval).mean(0)
                if world > 1:
                    dist.all_reduce(stats)
                    stats /= world
                history.steps.append(step)
                history.train_loss.append(stats[0].item())
                history.train_error.append(stats[1].item())
                history.lr.append(lr)
                interval = []
                if adaptive_warmup and history.warmup_end is None:
                    if stats[1].item() < config.warmup_until_error or step >= config.warmup_iterations:
                        history.warmup_end = min(step, config.warmup_iterations)
            history.images_seen += config.batch_size
            if test is not None and ((config.eval_every and step % config.eval_every == 0) or step == config.iterations):
                test_loss, test_err = evaluate(model, test, device, channels_last=config.channels_last)
                history.eval_steps.append(step)
                history.test_loss.append(test_loss)
                history.test_error.append(test_err)
                net.train()
            history.seconds = seconds0 + time.perf_counter() - t0
            bar.update(step, history)

        epoch_done = step % steps_per_epoch == 0 or step == config.iterations
        if world > 1 and step == config.iterations:
            # DDP keeps parameters equal; make BatchNorm's running statistics equal too
            for buf in model.buffers():
                dist.broadcast(buf, 0)
        if checkpoint is not None and epoch_done and rank == 0:
            save_checkpoint(checkpoint, {
                "model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                "history": history.to_dict(), "train_config": asdict(config),
                "model_signature": _model_signature(_unwrap(model)),
                "scaler": scaler.state_dict(),  # {} unless float16
            })
        if world > 1:
            dist.barrier()
    bar.close()
    return history
