"""Train a CIFAR ResNet from the command line.

    python -m resnet_lib.training --model resnet20 --recipe paper
    python -m resnet_lib.training --model resnet110 --recipe paper --out runs/r110   # with the paper's warm-up
    torchrun --standalone --nproc_per_node=4 -m resnet_lib.training --model resnet56 --recipe fast

Models: ``resnetN``, ``plainN`` and ``preactN`` for any CIFAR depth N = 6n+2 (20, 32, 44,
56, 110, 1202, ...). Under ``torchrun`` every process trains on its share of each batch
(NCCL on GPUs, one per local rank; gloo on CPUs) and rank 0 writes the checkpoint and the
history. A run killed at any point continues with ``--resume`` to the same result.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Optional, Sequence

import torch
import torch.distributed as dist

from ..data import DataNotFoundError, SOURCES, load_data
from ..device import pick_device, seeded
from ..nn.models import cifar_resnet
from .checkpoints import CheckpointError
from .loop import evaluate
from .named import fit_named
from .recipes import RECIPES, paper_warmup

MODEL_PATTERN = re.compile(r"^(resnet|plain|preact)(\d+)$")


def at_least_one(text: str) -> int:
    """argparse's type for a count: a whole number of 1 or more (a 0 would read as
    "not given"); the marking command's counts use it too."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number of 1 or more"
        )
    return value


def build_model(name: str, num_classes: int = 10) -> torch.nn.Module:
    """``resnet56`` / ``plain56`` / ``preact110`` -> the CIFAR network (option A shortcuts)."""
    match = MODEL_PATTERN.match(name)
    if not match:
        raise ValueError(
            f"unknown model {name!r}; use resnetN, plainN or preactN with N = 6n+2, e.g. resnet20, plain56, preact110"
        )
    kind, depth = match.group(1), int(match.group(2))
    return cifar_resnet(
        depth,
        plain=kind == "plain",
        preact=kind == "preact",
        num_classes=num_classes,
    )


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m resnet_lib.training",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--model",
        default="resnet20",
        help="resnetN, plainN or preactN (N = 6n+2); default resnet20",
    )
    p.add_argument(
        "--recipe",
        default="paper",
        choices=sorted(RECIPES),
        help="paper (He et al. 2016) or fast",
    )
    p.add_argument(
        "--data",
        default="auto",
        choices=SOURCES,
        help="cifar10 (error if missing), offline (built-in stand-in) or auto (CIFAR-10 if found, else offline)",
    )
    p.add_argument(
        "--data-dir",
        default=None,
        help="local CIFAR-10 (torchvision folder, image folder or .tar.gz)",
    )
    p.add_argument(
        "--download",
        action="store_true",
        help="let torchvision download CIFAR-10 into --data-dir",
    )
    p.add_argument(
        "--train-per-class",
        type=at_least_one,
        default=None,
        help="use a class-balanced subset",
    )
    p.add_argument(
        "--image-size",
        type=at_least_one,
        default=None,
        help="downsample images (e.g. 16 for quick CPU runs)",
    )
    p.add_argument(
        "--iterations",
        type=at_least_one,
        default=None,
        help="override the recipe's length",
    )
    p.add_argument(
        "--batch-size",
        type=at_least_one,
        default=None,
        help="global batch (all processes together)",
    )
    p.add_argument(
        "--lr",
        type=float,
        default=None,
        help="override the recipe's peak learning rate",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--device",
        default=None,
        help="cuda, mps or cpu (default: the best available)",
    )
    p.add_argument(
        "--out",
        default="runs/latest",
        help="folder for checkpoint.pt and history.json",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue from OUT/checkpoint.pt if it exists",
    )
    p.add_argument(
        "--no-progress", action="store_true", help="no progress bar"
    )
    return p.parse_args(argv)


def _setup_distributed(
    device_arg: Optional[str],
) -> tuple[torch.device, int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return (
            (torch.device(device_arg) if device_arg else pick_device()),
            0,
            1,
        )
    use_cuda = torch.cuda.is_available() and device_arg in (None, "cuda")
    dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if use_cuda:
        torch.cuda.set_device(local)
        return torch.device("cuda", local), dist.get_rank(), world
    return torch.device("cpu"), dist.get_rank(), world


def checksum(model: torch.nn.Module) -> float:
    """A number that changes with any weight or buffer: to compare processes' models."""
    return float(
        sum(
            (t.double() * (i + 1)).sum()
            for i, t in enumerate(model.state_dict().values())
            if t.is_floating_point()
        )
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    try:
        with seeded(
            args.seed
        ):  # validates the name; leaves the caller's random state alone
            model = build_model(args.model)
        overrides = {
            k: v
            for k, v in dict(
                iterations=args.iterations,
                batch_size=args.batch_size,
                lr=args.lr,
            ).items()
            if v is not None
        }
        match = MODEL_PATTERN.match(args.model)
        if (
            match is None
        ):  # build_model has accepted the name, so this does not happen
            raise ValueError(f"unknown model {args.model!r}")
        if args.recipe == "paper" and int(match.group(2)) >= 110:
            # the paper: ResNet-110 starts at lr 0.01 until training error < 80% (1202 is
            # "trained as described above"); it does no harm to a deep plain net either
            overrides = {**paper_warmup(), **overrides}
        config = RECIPES[args.recipe](seed=args.seed, **overrides)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    device, rank, world = _setup_distributed(args.device)
    if world > 1 and config.batch_size % world:
        print(
            f"error: batch size {config.batch_size} is not divisible by {world} processes",
            file=sys.stderr,
        )
        return 2
    try:
        if world > 1 and rank != 0:
            dist.barrier()  # rank 0 downloads (or decodes and caches) first; the others then read its copy
        try:
            train = load_data(
                args.data,
                "train",
                root=args.data_dir,
                download=args.download or None,
            )
            test = load_data(
                args.data,
                "test",
                root=args.data_dir,
                download=args.download or None,
            )
        finally:
            if world > 1 and rank == 0:
                dist.barrier()  # also when it failed: the others then fail with the same message
    except DataNotFoundError as err:
        print(
            f"error: {err}\nOn the command line: --download (with internet), --data-dir PATH, or --data offline.",
            file=sys.stderr,
        )
        return 2
    if args.train_per_class:
        train = train.balanced_subset(args.train_per_class, seed=args.seed)
    if args.image_size:
        train, test = (
            train.resized(args.image_size),
            test.resized(args.image_size),
        )
    out = Path(args.out)
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
        print(
            f"{args.model} | recipe {args.recipe} | {train.source} ({len(train):,} images) | {device} x {world}"
        )
    with seeded(args.seed):  # every process builds the same weights
        model = build_model(args.model, num_classes=len(train.classes))
    try:
        history = fit_named(
            args.model,
            model,
            train,
            config,
            test,
            device,
            progress=not args.no_progress,
            checkpoint=out / "checkpoint.pt",
            resume=args.resume,
        )
    except CheckpointError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if world > 1:
        logged = json.dumps(
            [
                history.steps,
                history.train_loss,
                history.train_error,
                history.lr,
            ]
        )
        # one write per line: print() writes text and newline separately, and the ranks share stdout
        sys.stdout.write(
            f"[rank {rank}] weights checksum {checksum(model):.12e} history sha1 "
            f"{hashlib.sha1(logged.encode()).hexdigest()[:16]} final train loss "
            f"{history.train_loss[-1]:.6f}\n"
        )
        sys.stdout.flush()
    if rank == 0:
        test_loss, test_error = evaluate(model, test, device)
        summary = {
            "model": args.model,
            "recipe": args.recipe,
            "config": asdict(config),
            "data": train.source,
            "processes": world,
            "test_error": test_error,
            "test_loss": test_loss,
            "history": history.to_dict(),
        }
        (out / "history.json").write_text(json.dumps(summary, indent=1))
        print(
            f"done: {history.steps[-1] if history.steps else 0} iterations in {history.seconds:.1f} s "
            f"({history.images_per_second:,.0f} images/s); test error {100 * test_error:.2f}%; "
            f"wrote {out / 'checkpoint.pt'} and {out / 'history.json'}"
        )
    if world > 1:
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
