"""What ``book/degradation.md`` shows of the degradation experiment: the four
networks, the shrunk recipe, the results, their curves and the sentences
that read them, and the recorded runs of three seeds.

Each function takes what the chapter computed (a :class:`DegradationConfig`,
the data, a :class:`DegradationResult`) and returns what the page shows, in
the reader's language.
"""

from __future__ import annotations

from typing import Any

import torch
from matplotlib.figure import Figure

from ...data import ImageData
from ...experiments.degradation import (
    NETWORKS,
    RECORDED_CONDITIONS,
    RECORDED_PAPER_INIT,
    RECORDED_SEEDS,
    DegradationConfig,
    DegradationResult,
    parse_network,
)
from ...i18n import Text, _
from ...reference import CIFAR10
from ..notebook import PALETTE, ForWidth, glues
from ..tables import html_table

#: the recorded table's columns: the four networks, then the ResNets with the
#: paper's initialisation (no zero_init_residual)
RECORDED_COLUMNS = (*NETWORKS, "ResNet-20*", "ResNet-56*")


def networks_table(params: dict[str, int]) -> str:
    """HTML: each network (``"plain-56"``) with its blocks per stage,
    shortcuts and ``params[name]``, its parameter count."""
    rows = []
    for name, count in params.items():
        plain, depth = parse_network(name)
        n = (depth - 2) // 6  # blocks per stage
        shortcuts = _("none") if plain else _("option A")
        rows.append((name, n, shortcuts, count))
    header = [_("network"), "n", _("shortcuts"), _("parameters")]
    return html_table(header, rows)


def recipe_table(
    cfg: DegradationConfig, train: ImageData, test: ImageData
) -> str:
    """HTML: what this run trains on and how (data, images, iterations,
    optimiser, augmentation, initialisation, seed)."""
    t = cfg.train
    size = train.images.shape[-1]
    data_size = Text(
        "{train:,} training, {test:,} test, {size}x{size} pixels",
        train=len(train),
        test=len(test),
        size=size,
    )
    length = Text(
        "{iterations:,} of batch {batch}",
        iterations=t.iterations,
        batch=t.batch_size,
    )
    optimiser = Text(
        "SGD, momentum {momentum}, lr {lr} ({schedule}), weight decay {decay}",
        momentum=t.momentum,
        lr=t.lr,
        schedule=t.schedule,
        decay=t.weight_decay,
    )
    rows = [
        (_("data"), train.source),
        (_("images"), str(data_size)),
        (_("iterations"), str(length)),
        (_("optimiser"), str(optimiser)),
        (_("augmentation"), _("on") if t.augment else _("off")),
        ("zero_init_residual", str(cfg.zero_init_residual)),
        (_("seed"), t.seed),
    ]
    return html_table(["", _("this run")], rows)


@glues("seed", "n_train", "iters", "data_source", "data_used")
def data_values(cfg: DegradationConfig, train: ImageData) -> dict[str, Any]:
    """For the prose: the seed, the training set's size and source, the number
    of iterations, and a sentence saying whether the data are real CIFAR-10."""
    if train.is_stand_in:
        data_used = Text(
            "**This run uses the offline stand-in** (drawn shapes, not "
            "CIFAR-10: this machine has no copy of CIFAR-10 and no internet). "
            "Every result below describes the stand-in; where it disagrees "
            "with the paper, that is the stand-in's behaviour, not evidence "
            "about the paper's claim."
        )
    else:
        data_used = Text("This run uses real CIFAR-10 images.")
    return {
        "seed": str(cfg.train.seed),
        "n_train": f"{len(train):,}",
        "iters": f"{cfg.train.iterations:,}",
        "data_source": train.source,
        "data_used": data_used,
    }


def results_table(result: DegradationResult) -> str:
    """HTML: each network's final training and test error, time and speed."""
    rows = [
        (
            name,
            f"{100 * result.final_train_error(name):.1f}%",
            f"{100 * result.final_test_error(name):.1f}%",
            f"{h.seconds:.0f} s",
            f"{h.images_per_second:,.0f}",
        )
        for name, h in result.histories.items()
    ]
    header = [
        _("network"),
        _("final training error"),
        _("final test error"),
        _("time"),
        _("images/s"),
    ]
    caption = Text(
        "Seed {seed}; training error: the mean of the last "
        "three logged points",
        seed=result.seed,
    )
    return html_table(header, rows, caption=str(caption))


def training_figure(
    result: DegradationResult, train: ImageData, stacked: bool = False
) -> Figure:
    """Training and test error curves of each network (depth by colour, plain
    solid, residual dashed), and the final test errors beside the paper's
    (Table 6): three panels side by side, or with ``stacked`` one under
    another at a phone's width (:func:`training_figures` shows both)."""
    import matplotlib.pyplot as plt

    colour = {20: PALETTE[0], 56: PALETTE[1]}  # depth by colour
    if stacked:  # 3.6 inches: a phone's text column at 96 dpi, not shrunk
        fig, axes = plt.subplots(3, 1, figsize=(3.6, 9.6), sharey=True)
    else:
        fig, axes = plt.subplots(
            1,
            3,
            figsize=(10, 3.8),
            sharey=True,
            gridspec_kw={"width_ratios": [2, 2, 1.4]},
        )
    small = 9 if stacked else 8  # legends; the paper's numbers a point less
    for name, h in result.histories.items():
        plain, depth = parse_network(name)
        style: dict[str, Any] = dict(
            color=colour[depth],
            ls="-" if plain else "--",
            label=str(Text("{name} (ours)", name=name)),
        )
        axes[0].plot(h.steps, [100 * e for e in h.train_error], **style)
        axes[1].plot(
            h.eval_steps,
            [100 * e for e in h.test_error],
            marker="o" if plain else "s",
            **style,
        )
        axes[2].plot(
            depth,
            100 * result.final_test_error(name),
            ls="none",
            marker="o" if plain else "s",
            color=colour[depth],
        )
    paper = sorted(CIFAR10)[:5]  # ResNet-20 to ResNet-110
    axes[2].plot(
        paper,
        [CIFAR10[d].test_error for d in paper],
        ls="none",
        marker="D",
        color=PALETTE[6],
        label=_("the paper's\nResNets\n(Table 6)"),
    )
    for d in paper:
        axes[2].annotate(
            f"{CIFAR10[d].test_error}",
            (d, CIFAR10[d].test_error),
            xytext=(0, 7),
            textcoords="offset points",
            ha="center",
            fontsize=small - 1,
        )
    axes[0].set_title(_("training error (ours)"))
    axes[1].set_title(_("test error (ours)"))
    axes[2].set_title(_("final test error"))
    for ax in axes[:2]:
        ax.set_xlabel(_("iteration"))
    axes[2].set_xlabel(_("depth"))
    axes[2].set_xticks([20, 56, 110])
    for ax in axes if stacked else axes[:1]:
        ax.set_ylabel(_("error (%)"))
    axes[0].set_ylim(0, 100)
    axes[1].legend(fontsize=small)
    axes[2].legend(fontsize=small, loc="upper right")
    data = Text("offline stand-in") if train.is_stand_in else "CIFAR-10"
    title = Text(
        "{data}, shrunk (see above), seed {seed}; "
        "the paper: full CIFAR-10, 64k iterations",
        data=data,
        seed=result.seed,
    )
    fig.suptitle(str(title), fontsize=10, wrap=stacked)
    fig.tight_layout()
    return fig


def training_figures(result: DegradationResult, train: ImageData) -> ForWidth:
    """:func:`training_figure` drawn for the reader's window: its panels side
    by side, and on a phone one under another."""
    return ForWidth(
        training_figure(result, train),
        training_figure(result, train, stacked=True),
        alt=_(
            "Training and test error of plain-20, plain-56, ResNet-20 and "
            "ResNet-56 over the iterations, and their final test errors "
            "beside the paper's"
        ),
    )


def _plain_sentence(err: dict[str, float]) -> Text:
    gap = 100 * (err["plain-56"] - err["plain-20"])
    if gap > 0:
        return Text(
            "the deeper plain network ends with the higher training error, "
            "{gap:.1f} points above plain-20",
            gap=gap,
        )
    return Text(
        "in this run the deeper plain network does NOT end with the higher "
        "training error ({gap:.1f} points below plain-20), unlike in the "
        "paper",
        gap=-gap,
    )


def _res_sentence(err: dict[str, float]) -> Text:
    gap = 100 * (err["ResNet-56"] - err["ResNet-20"])
    if gap <= 0:
        return Text(
            "the deeper residual network is {gap:.1f} points better", gap=-gap
        )
    if gap <= 1.0:
        return Text(
            "the two end within {gap:.1f} points of each other (ResNet-56 "
            "slightly higher): unlike the plain network, the residual one "
            "loses next to nothing by being deeper",
            gap=gap,
        )
    return Text(
        "the deeper residual network is {gap:.1f} points worse at this "
        "early stage",
        gap=gap,
    )


def _res_vs_plain(err: dict[str, float], stand_in: bool) -> Text:
    worst_res = max(err["ResNet-20"], err["ResNet-56"])
    if worst_res < min(err["plain-20"], err["plain-56"]):
        return Text("both are below either plain network")
    if stand_in:
        return Text(
            "they are not below both plain networks in this run: on the "
            "stand-in's drawn shapes, which a 20-layer plain network learns "
            "quickly, that is the stand-in's behaviour, not the paper's"
        )
    return Text("they are not below both plain networks in this run")


@glues(
    "train_{network}",
    "test_{network}",
    "degradation_json",
    "plain_sentence",
    "res_sentence",
    "res_vs_plain",
    "results_data",
)
def results_values(
    result: DegradationResult, train: ImageData
) -> dict[str, Any]:
    """For the prose: each network's final training and test error (%), all of
    them as ``degradation_json``, and the sentences that compare them
    (plain-56 against plain-20, ResNet-56 against ResNet-20, the ResNets
    against the plain networks, on which data)."""
    err = {name: result.final_train_error(name) for name in NETWORKS}
    test_err = {name: result.final_test_error(name) for name in NETWORKS}
    values: dict[str, Any] = {}
    for name in NETWORKS:
        values[f"train_{name}"] = f"{100 * err[name]:.1f}"
        values[f"test_{name}"] = f"{100 * test_err[name]:.1f}"
    values["degradation_json"] = {
        name: {"train_error": err[name], "test_error": test_err[name]}
        for name in NETWORKS
    }
    values["plain_sentence"] = _plain_sentence(err)
    values["res_sentence"] = _res_sentence(err)
    values["res_vs_plain"] = _res_vs_plain(err, train.is_stand_in)
    if train.is_stand_in:
        values["results_data"] = Text(
            "On the offline stand-in (not CIFAR-10, see above)"
        )
    else:
        values["results_data"] = Text("On real CIFAR-10")
    return values


def recorded_errors() -> dict[str, list[float]]:
    """The recorded final training errors (%), by column of
    :data:`RECORDED_COLUMNS` (a starred ResNet: the paper's initialisation),
    one per seed of :data:`RECORDED_SEEDS`."""
    rec: dict[str, list[float]] = {name: [] for name in RECORDED_COLUMNS}
    for seed, errors in RECORDED_SEEDS.items():
        for n in NETWORKS:
            rec[n].append(100 * errors[n][0])
        for n in ("ResNet-20", "ResNet-56"):
            rec[n + "*"].append(100 * RECORDED_PAPER_INIT[seed][n][0])
    return rec


def recorded_table() -> str:
    """HTML: the recorded training errors, one row per seed, with the
    conditions they were recorded under as the caption."""
    c = RECORDED_CONDITIONS
    rec = recorded_errors()
    caption = Text(
        "Training error at the end of the shrunk run on real "
        "CIFAR-10; * = the paper's initialisation (no "
        "zero_init_residual). Recorded {date} on {machine}: torch "
        "{torch}, {device}, {threads} thread",
        date=c.date,
        machine=c.machine,
        torch=c.torch_version,
        device=c.device,
        threads=c.threads,
    )
    rows = [
        (seed, *(f"{rec[n][i]:.1f}%" for n in RECORDED_COLUMNS))
        for i, seed in enumerate(RECORDED_SEEDS)
    ]
    return html_table(
        [_("seed"), *RECORDED_COLUMNS], rows, caption=str(caption)
    )


def _span(values: list[float]) -> Text:
    return Text("{low:.1f} to {high:.1f}", low=min(values), high=max(values))


def _gap_span(deep: list[float], shallow: list[float]) -> Text:
    gaps = [d - s for d, s in zip(deep, shallow)]
    return Text("{low:+.1f} to {high:+.1f}", low=min(gaps), high=max(gaps))


@glues(
    "rec_plain",
    "rec_plain56",
    "rec_res",
    "rec_r20",
    "rec_r20_paper",
    "rec_r56_paper",
    "rec_paper_init",
    "page_threads",
)
def recorded_values(device: torch.device, threads: int) -> dict[str, Any]:
    """For the prose: the recorded runs' spans over the seeds (errors and gaps,
    in points), and a sentence on how this page's run (on ``device``, with
    ``threads`` CPU threads) differs from the recorded ones."""
    rec = recorded_errors()
    if device.type != "cpu":
        page_threads = Text(
            "this page's ran on the {device} device", device=device.type
        )
    elif threads == RECORDED_CONDITIONS.threads:
        page_threads = Text(
            "this page's used one thread too, and still need "
            "not match it to the digit"
        )
    else:
        page_threads = Text(
            "this page's used {threads} CPU threads", threads=threads
        )
    return {
        "rec_plain": _gap_span(rec["plain-56"], rec["plain-20"]),
        "rec_plain56": _span(rec["plain-56"]),
        "rec_res": _gap_span(rec["ResNet-56"], rec["ResNet-20"]),
        "rec_r20": _span(rec["ResNet-20"]),
        "rec_r20_paper": _span(rec["ResNet-20*"]),
        "rec_r56_paper": _span(rec["ResNet-56*"]),
        "rec_paper_init": _gap_span(rec["ResNet-56*"], rec["ResNet-20*"]),
        "page_threads": page_threads,
    }
