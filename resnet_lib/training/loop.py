"""The training loop (:func:`fit`) and evaluation (:func:`evaluate`).

A :class:`~resnet_lib.training.TrainConfig` says what to do; :func:`fit` does it. The data live on the training device as uint8 tensors and are
augmented there (pad-4 random crop + horizontal flip, the paper's CIFAR augmentation),
so no DataLoader worker is needed. Everything random (the order of every epoch, every
crop and flip) comes from generators seeded by ``(seed, epoch)``, which is what makes a
run resumed from a checkpoint end bit-for-bit where an uninterrupted run ends (on CPU).

Under ``torchrun`` (see :mod:`resnet_lib.training.cli`) each process takes every ``world``-th
sample of the epoch's permutation and ``batch_size / world`` images per step;
DistributedDataParallel averages the gradients, so the global batch stays ``batch_size``.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Iterator, Optional, Union

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from ..data import ImageData, normalize
from ..device import amp_dtype
from .augment import augment_batch
from .checkpoints import (
    CheckpointError,
    _model_signature,
    _unwrap,
    load_checkpoint,
    restore,
    save_checkpoint,
)
from .history import History
from .progress import ProgressArg, make_progress
from .recipes import TrainConfig


def _world() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _precision(
    config: TrainConfig, device: torch.device
) -> tuple[bool, torch.dtype]:
    """Whether :func:`fit` uses autocast on ``device``, and with which dtype."""
    return config.amp and device.type == "cuda", amp_dtype(device)


def _grad_scaler(device: torch.device, enabled: bool) -> torch.amp.GradScaler:
    return torch.amp.GradScaler(device.type, enabled=enabled)


def _epoch_generator(seed: int, epoch: int, stream: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed * 1_000_003 + epoch * 7 + stream)


@contextmanager
def evaluating(model: nn.Module) -> Iterator[None]:
    """Eval mode without gradients for the body; the model's mode is restored after."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        model.train(was_training)


def evaluate(
    model: nn.Module,
    data: ImageData,
    device: Union[str, torch.device, None] = None,
    batch_size: int = 1000,
    channels_last: bool = False,
) -> tuple[float, float]:
    """Mean cross-entropy and error rate (0..1) of ``model`` on ``data``, in eval mode."""
    device = (
        torch.device(device)
        if device is not None
        else next(model.parameters()).device
    )
    loss_sum, wrong = 0.0, 0
    with evaluating(model):
        for i in range(0, len(data), batch_size):
            x = normalize(data.images[i : i + batch_size].to(device))
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            y = data.labels[i : i + batch_size].to(device)
            out = model(x).float()
            loss_sum += F.cross_entropy(out, y, reduction="sum").item()
            wrong += (out.argmax(1) != y).sum().item()
    return loss_sum / len(data), wrong / len(data)


def fit(
    model: nn.Module,
    train: ImageData,
    config: TrainConfig,
    test: Optional[ImageData] = None,
    device: Union[str, torch.device, None] = None,
    checkpoint: Union[str, Path, None] = None,
    resume: bool = False,
    progress: ProgressArg = True,
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
        progress: ``True``/``"bar"`` a tqdm bar, ``"lines"`` a few printed lines,
            ``False`` nothing, or a callable ``(step, total, history)``; see
            :mod:`resnet_lib.training.progress`.
        log_every: iterations per history point (epoch ends are points too, so that a
            resumed run logs exactly what an uninterrupted one does).
        stop_after: stop (as if killed) after this many iterations; for tests and demos.
    """
    device = (
        torch.device(device)
        if device is not None
        else next(model.parameters()).device
    )
    rank, world = _world()
    if config.batch_size % world:
        raise ValueError(
            f"batch_size {config.batch_size} must be divisible by the number of processes {world}"
        )
    steps_per_epoch = len(train) // config.batch_size
    if steps_per_epoch == 0:
        raise ValueError(
            f"the training set ({len(train)} images) is smaller than one batch ({config.batch_size})"
        )

    model.to(device)
    if config.channels_last:
        model.to(memory_format=torch.channels_last)
    # The paper decays every parameter; the fast recipe exempts BatchNorm and biases (1-D).
    decayed = [
        p
        for p in model.parameters()
        if config.decay_norm_and_bias or p.dim() > 1
    ]
    exempt = [
        p
        for p in model.parameters()
        if not config.decay_norm_and_bias and p.dim() <= 1
    ]
    groups = [{"params": decayed, "weight_decay": config.weight_decay}]
    if exempt:
        groups.append({"params": exempt, "weight_decay": 0.0})
    optimizer = torch.optim.SGD(
        groups,
        lr=config.lr_at(0),
        momentum=config.momentum,
        nesterov=config.nesterov,
    )
    net = nn.parallel.DistributedDataParallel(model) if world > 1 else model

    use_amp, dtype = _precision(config, device)
    # float16 needs loss scaling (its range is small); bfloat16 has float32's range
    scaler = _grad_scaler(device, enabled=use_amp and dtype == torch.float16)

    history, step = History(), 0
    if resume and checkpoint is not None and Path(checkpoint).exists():
        state = load_checkpoint(checkpoint, map_location=device)
        if state.get("train_config") != asdict(config):
            raise CheckpointError(
                f"{checkpoint} was written with a different TrainConfig; resume with the same recipe"
            )
        restore(model, state, optimizer, path=str(checkpoint), scaler=scaler)
        step, history = state["step"], History.from_dict(state["history"])
    # an adaptive warm-up ends as soon as the training error is below this (None: a fixed warm-up, or none)
    warmup_until_error = (
        config.warmup_until_error if config.warmup_iterations > 0 else None
    )
    if warmup_until_error is None:
        history.warmup_end = config.warmup_iterations or None

    images = train.images.to(device)
    labels = train.labels.to(device)
    end = (
        min(config.iterations, stop_after)
        if stop_after is not None
        else config.iterations
    )
    bar = make_progress(
        progress, config.iterations, step, desc, enabled=rank == 0
    )
    t0, seconds0, interval = time.perf_counter(), history.seconds, []
    net.train()
    while step < end:
        epoch = step // steps_per_epoch
        order = torch.randperm(
            len(train), generator=_epoch_generator(config.seed, epoch, 0)
        )
        aug_gen = _epoch_generator(config.seed, epoch, 1)
        for b in range(step % steps_per_epoch, steps_per_epoch):
            if step >= end:
                break
            idx = order[b * config.batch_size : (b + 1) * config.batch_size]
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
                loss = F.cross_entropy(
                    out.float(), y, label_smoothing=config.label_smoothing
                )
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            step += 1
            interval.append(
                torch.stack(
                    [
                        loss.detach().float(),
                        (out.argmax(1) != y).float().mean(),
                    ]
                )
            )

            if (
                step % log_every == 0
                or step % steps_per_epoch == 0
                or step == end
            ):
                stats = torch.stack(interval).mean(0)
                if world > 1:
                    dist.all_reduce(stats)
                    stats /= world
                history.steps.append(step)
                history.train_loss.append(stats[0].item())
                history.train_error.append(stats[1].item())
                history.lr.append(lr)
                interval = []
                if (
                    warmup_until_error is not None
                    and history.warmup_end is None
                ):
                    if (
                        stats[1].item() < warmup_until_error
                        or step >= config.warmup_iterations
                    ):
                        history.warmup_end = min(
                            step, config.warmup_iterations
                        )
            history.images_seen += config.batch_size
            if test is not None and (
                (config.eval_every and step % config.eval_every == 0)
                or step == config.iterations
            ):
                test_loss, test_err = evaluate(
                    model, test, device, channels_last=config.channels_last
                )
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
            save_checkpoint(
                checkpoint,
                {
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "step": step,
                    "history": history.to_dict(),
                    "train_config": asdict(config),
                    "model_signature": _model_signature(_unwrap(model)),
                    "scaler": scaler.state_dict(),  # {} unless float16
                },
            )
        if world > 1:
            dist.barrier()
    bar.close()
    return history
