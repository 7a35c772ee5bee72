"""The degradation experiment: plain-20/56 against ResNet-20/56 (paper, Figures 1 and 6).

:func:`run_degradation` trains the four networks of the paper's CIFAR-10 comparison with
one recipe and returns their histories. Two configurations:

* :func:`cpu_config` (the book build): the real CIFAR-10 when available (else the offline
  stand-in), shrunk to fit in a few minutes on a 2-core CPU: 2,500 class-balanced training
  images at 16x16, 2,000 test images, batch 32, lr 0.05 with cosine decay, 7 epochs.
  This is *early training*; the residual nets start with their last BatchNorm scale at
  zero (``zero_init_residual``), without which a deeper ResNet starts slower.
* :func:`paper_config` (a GPU): the paper's recipe on full CIFAR-10 at 32x32, 64k
  iterations, batch 128, lr 0.1 divided by 10 at 32k and 48k.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional, Union

import torch
from torch import nn

from ..data import ImageData, load_data
from ..device import cpu_threads, seeded
from ..i18n import N_, Text
from ..nn.models import cifar_resnet
from ..training import (
    History,
    ProgressArg,
    TrainConfig,
    cached_fit,
    fit,
    paper_recipe,
    paper_warmup,
)

NETWORKS = ("plain-20", "plain-56", "ResNet-20", "ResNet-56")


@dataclass(frozen=True)
class RecordedConditions:
    """Where and how a table of recorded numbers was measured, and the command that
    measures it again under the same conditions."""

    command: str
    torch_version: str
    threads: int  # CPU threads while training (``torch.set_num_threads``)
    device: str
    data: str
    date: str
    machine: Union[
        str, Text
    ]  # in words: a Text reads in the reader's language


#: The conditions of :data:`RECORDED_SEEDS`. CPU results depend on the thread count (a
#: reduction split across threads adds in another order), so the command pins it.
RECORDED_CONDITIONS = RecordedConditions(
    command="python -m resnet_lib.experiments.degradation --seeds 0 1 2 --threads 1",
    torch_version="2.14.1",
    threads=1,
    device="cpu",
    data="CIFAR-10 (cpu_config: 250 training and 200 test images per class, 16x16)",
    date="2026-11-22",
    machine=Text("the book's 2-core build machine"),
)

#: The conditions of :data:`RECORDED_PAPER_INIT`: the same, with the paper's initialisation.
RECORDED_PAPER_INIT_CONDITIONS = replace(
    RECORDED_CONDITIONS,
    command="python -m resnet_lib.experiments.degradation --seeds 0 1 2 --threads 1 --no-zero-init --networks ResNet-20 ResNet-56",
)

#: Recorded runs of :func:`cpu_config` on real CIFAR-10: ``{seed: {network: (final training
#: error, final test error)}}``, measured under :data:`RECORDED_CONDITIONS`; the chapter
#: trains one seed and shows these beside it, so a reader sees the spread.
RECORDED_SEEDS: dict[int, dict[str, tuple[float, float]]] = {
    0: {
        "plain-20": (0.5796, 0.6265),
        "plain-56": (0.8948, 0.8915),
        "ResNet-20": (0.5385, 0.5855),
        "ResNet-56": (0.5366, 0.5815),
    },
    1: {
        "plain-20": (0.6106, 0.6280),
        "plain-56": (0.8977, 0.8945),
        "ResNet-20": (0.5310, 0.5750),
        "ResNet-56": (0.5176, 0.5795),
    },
    2: {
        "plain-20": (0.6154, 0.6450),
        "plain-56": (0.8985, 0.8885),
        "ResNet-20": (0.5131, 0.5785),
        "ResNet-56": (0.5302, 0.5810),
    },
}
#: The same ResNets with the paper's initialisation (``zero_init_residual=False``), same day,
#: machine and seeds, under :data:`RECORDED_PAPER_INIT_CONDITIONS`.
RECORDED_PAPER_INIT: dict[int, dict[str, tuple[float, float]]] = {
    0: {"ResNet-20": (0.4431, 0.5415), "ResNet-56": (0.6808, 0.6660)},
    1: {"ResNet-20": (0.3635, 0.5555), "ResNet-56": (0.6886, 0.6840)},
    2: {"ResNet-20": (0.3435, 0.5565), "ResNet-56": (0.5999, 0.6505)},
}


@dataclass(frozen=True)
class SearchRun:
    """One run of the search for a plain network that learns within the CPU budget:
    the network, what changed from :func:`cpu_config`, and where it ended."""

    network: str
    #: in words ("" for cpu_config itself), English; each is a message of the library's
    #: catalog (``_(run.change)`` shows it in the reader's language)
    change: str
    options: str  # the command-line options that make the change
    iterations: int
    train_error: float
    test_error: float

    @property
    def command(self) -> str:
        return (
            "python -m resnet_lib.experiments.degradation --seeds 0 --threads 1 "
            f"--networks {self.network}"
            + (f" {self.options}" if self.options else "")
        )


#: Can a plain network deeper than 20 layers learn enough, within the book's CPU budget,
#: for a lesion study or a loss landscape to say something? Seed 0, one thread, the data
#: of :func:`cpu_config`, under :data:`RECORDED_CONDITIONS` (torch 2.14.1) on 2026-11-25;
#: the rows of cpu_config itself for plain-20 and plain-56 are :data:`RECORDED_SEEDS`' seed
#: 0. cpu_config trains 546 iterations (7 epochs of the 2,500 images).
PLAIN_SEARCH: tuple[SearchRun, ...] = (
    SearchRun("plain-20", "", "", 546, *RECORDED_SEEDS[0]["plain-20"]),
    SearchRun("plain-32", "", "", 546, 0.7273, 0.7160),
    SearchRun("plain-44", "", "", 546, 0.8488, 0.8485),
    SearchRun("plain-56", "", "", 546, *RECORDED_SEEDS[0]["plain-56"]),
    SearchRun("plain-56", N_("lr 0.02"), "--lr 0.02", 546, 0.8755, 0.8790),
    SearchRun("plain-56", N_("lr 0.1"), "--lr 0.1", 546, 0.8913, 0.8905),
    SearchRun(
        "plain-56",
        N_(
            "the paper's warm-up (lr 0.01 until the training error is below 80%)"
        ),
        "--warmup",
        546,
        0.8248,
        0.7980,
    ),
    SearchRun(
        "plain-56",
        N_("3 times as long"),
        "--iterations 1638",
        1638,
        0.7861,
        0.7875,
    ),
    SearchRun(
        "plain-56",
        N_("the paper's warm-up, 3 times as long"),
        "--iterations 1638 --warmup",
        1638,
        0.7687,
        0.7620,
    ),
)


@dataclass(frozen=True)
class DegradationConfig:
    """What to train on and how; see :func:`cpu_config` and :func:`paper_config`."""

    train: TrainConfig
    train_per_class: Optional[int] = 250  # None: the whole training set
    test_per_class: Optional[int] = 200
    image_size: int = 16
    zero_init_residual: bool = True
    source: str = "auto"
    networks: tuple[str, ...] = NETWORKS


def cpu_config(seed: int = 0, **overrides) -> DegradationConfig:
    """The shrunk experiment the book runs on a CPU (about 4-5 minutes for all four on a quiet 2-core CPU)."""
    steps_per_epoch = 2_500 // 32
    train = TrainConfig(
        iterations=7 * steps_per_epoch,
        batch_size=32,
        lr=0.05,
        schedule="cosine",
        weight_decay=1e-4,
        channels_last=True,
        eval_every=steps_per_epoch,
        seed=seed,
        augment=False,
    )  # training error is the point; crops of 16x16 images hurt it
    return replace(DegradationConfig(train=train), **overrides)


def paper_config(seed: int = 0, **overrides) -> DegradationConfig:
    """The paper's recipe on full-size CIFAR-10 (for a GPU; hours on a CPU)."""
    train = paper_recipe(
        seed=seed, eval_every=1_000, amp=True, channels_last=True
    )
    return replace(
        DegradationConfig(
            train=train,
            train_per_class=None,
            test_per_class=None,
            image_size=32,
            zero_init_residual=False,
            source="cifar10",
        ),
        **overrides,
    )


def parse_network(name: str) -> tuple[bool, int]:
    """``"plain-56"`` -> (plain=True, depth=56); ``"ResNet-20"`` -> (False, 20)."""
    kind, _, depth = name.partition("-")
    if kind not in ("plain", "ResNet") or not depth.isdigit():
        raise ValueError(
            f"network names look like 'plain-20' or 'ResNet-56'; got {name!r}"
        )
    return kind == "plain", int(depth)


def load_experiment_data(
    cfg: DegradationConfig, root=None
) -> tuple[ImageData, ImageData]:
    """Training and test data, subsampled (class-balanced, seeded) and resized as configured."""
    # the offline stand-in draws as many images as asked (its test split: a fifth of them)
    train = load_data(
        cfg.source,
        "train",
        root=root,
        offline_per_class=max(cfg.train_per_class or 500, 1),
    )
    test = load_data(
        cfg.source,
        "test",
        root=root,
        offline_per_class=5 * (cfg.test_per_class or 100),
    )
    if cfg.train_per_class:
        train = train.balanced_subset(cfg.train_per_class, seed=cfg.train.seed)
    if cfg.test_per_class:
        test = test.balanced_subset(
            cfg.test_per_class, seed=cfg.train.seed + 1
        )
    return train.resized(cfg.image_size), test.resized(cfg.image_size)


@dataclass
class DegradationResult:
    """Histories (and the trained networks) by name, the data's description and the
    seed; ``from_cache`` says which networks were loaded rather than trained."""

    histories: dict[str, History] = field(default_factory=dict)
    data: str = ""
    seed: int = 0
    models: dict[str, nn.Module] = field(default_factory=dict)
    from_cache: dict[str, bool] = field(default_factory=dict)

    def final_train_error(self, name: str, last: int = 3) -> float:
        """Training error averaged over the last ``last`` logged points (smooths batch noise)."""
        errs = self.histories[name].train_error[-last:]
        return sum(errs) / len(errs)

    def final_test_error(self, name: str) -> float:
        return self.histories[name].test_error[-1]


def run_degradation(
    cfg: DegradationConfig,
    device: Optional[torch.device] = None,
    data: Optional[tuple[ImageData, ImageData]] = None,
    progress: ProgressArg = True,
    threads: Optional[int] = None,
    cache: Union[bool, str, Path] = False,
) -> DegradationResult:
    """Train every network of ``cfg.networks`` with the same recipe and data.

    ``cache``: ``True`` (the default folder) or a folder: train each network once and
    load it afterwards (:func:`resnet_lib.training.cached_fit`), so that another chapter
    studying the same networks does not train them again.

    Every network is initialised from ``cfg.train.seed`` with a generator of its own: the
    caller's global random state is left as it was.

    ``threads``: CPU threads while training (ignored on a GPU; ``None``: PyTorch's default,
    one per core). On a quiet 2-core machine the default was 1.5x faster than one thread
    (80 iterations of the book's ResNet-56: 14.0 s vs 20-22 s); on one shared with other
    busy processes, one thread can be far faster (60 iterations: 7-25 s vs 140-250 s with
    two), because PyTorch's threads then wait on each other.
    """
    train, test = data if data is not None else load_experiment_data(cfg)
    result = DegradationResult(data=train.source, seed=cfg.train.seed)
    scope = (
        cpu_threads(threads, device) if threads is not None else nullcontext()
    )
    with scope:
        for name in cfg.networks:
            plain, depth = parse_network(name)

            def build(plain: bool = plain, depth: int = depth) -> nn.Module:
                with seeded(cfg.train.seed):
                    return cifar_resnet(
                        depth,
                        plain=plain,
                        zero_init_residual=cfg.zero_init_residual
                        and not plain,
                        num_classes=len(train.classes),
                    )

            log_every = max(cfg.train.eval_every // 2, 1)
            if cache is False:
                model = build()
                history = fit(
                    model,
                    train,
                    cfg.train,
                    test,
                    device=device,
                    progress=progress,
                    log_every=log_every,
                    desc=name,
                )
                hit = False
            else:
                run = cached_fit(
                    build,
                    train,
                    cfg.train,
                    test,
                    name=name,
                    folder=None if cache is True else cache,
                    device=device,
                    progress=progress,
                    log_every=log_every,
                )
                model, history, hit = run.model, run.history, run.from_cache
            result.histories[name] = history
            result.models[name] = model
            result.from_cache[name] = hit
    return result


def summary(result: DegradationResult) -> dict:
    """``{name: {"train_error", "test_error", "seconds"}}``: the final numbers of a run, JSON-ready."""
    return {
        name: {
            "train_error": result.final_train_error(name),
            "test_error": result.final_test_error(name),
            "seconds": h.seconds,
        }
        for name, h in result.histories.items()
    }


def main(argv: Optional[list[str]] = None) -> None:
    """``python -m resnet_lib.experiments.degradation --seeds 0 1 2 --threads 1 --out spread.json``: several seeds, one JSON."""
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--networks", nargs="+", default=list(NETWORKS))
    parser.add_argument(
        "--no-zero-init",
        action="store_true",
        help="the paper's initialisation for the ResNets",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="the paper's recipe (a GPU and a download)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="CPU threads while training (default: PyTorch's, one per core); the recorded seeds used 1",
    )
    parser.add_argument(
        "--iterations",
        type=int,
        default=None,
        help="training iterations (default: the configuration's)",
    )
    parser.add_argument(
        "--lr",
        type=float,
        default=None,
        help="peak learning rate (default: the configuration's)",
    )
    parser.add_argument(
        "--warmup",
        action="store_true",
        help="the paper's ResNet-110 warm-up: lr 0.01 until the training "
        "error is below 80%%",
    )
    parser.add_argument("--out", default="degradation.json")
    args = parser.parse_args(argv)
    if args.threads is not None and args.threads < 1:
        parser.error(
            f"--threads must be a positive number of threads; got {args.threads}"
        )
    if args.iterations is not None and args.iterations < 1:
        parser.error(f"--iterations must be positive; got {args.iterations}")
    if args.lr is not None and not args.lr > 0:
        parser.error(f"--lr must be positive; got {args.lr}")
    recipe: dict = {}
    if args.iterations is not None:
        recipe["iterations"] = args.iterations
    if args.lr is not None:
        recipe["lr"] = args.lr
    if args.warmup:
        recipe.update(paper_warmup())
    runs = {}
    for seed in args.seeds:
        make = paper_config if args.full else cpu_config
        cfg = make(
            seed=seed,
            networks=tuple(args.networks),
            **({"zero_init_residual": False} if args.no_zero_init else {}),
        )
        cfg = replace(cfg, train=replace(cfg.train, **recipe))
        result = run_degradation(cfg, threads=args.threads)
        runs[str(seed)] = {"data": result.data, **summary(result)}
        print(
            f"seed {seed}: "
            + ", ".join(
                f"{n} {v['train_error']:.3f}"
                for n, v in summary(result).items()
            ),
            flush=True,
        )
    conditions = {
        "torch_version": torch.__version__,
        "threads": args.threads or torch.get_num_threads(),
        "command": " ".join(
            [
                "python -m resnet_lib.experiments.degradation",
                *(sys.argv[1:] if argv is None else argv),
            ]
        ),
    }
    with open(args.out, "w") as f:
        json.dump(
            {
                "zero_init_residual": not args.no_zero_init,
                "full": args.full,
                "runs": runs,
                "conditions": conditions,
            },
            f,
            indent=1,
        )


if __name__ == "__main__":
    main()
