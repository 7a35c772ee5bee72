"""What ``book/training-cifar10.md`` shows: the paper's recipe and the fast
one, their learning-rate schedules, the shrunk run with and without
augmentation (table, curves and the sentences that read them), the paper's
Table 6 beside the reader's runs, and an estimate of the full runs' time on
a T4.

Each function takes what the chapter computed (recipes, data, histories,
counts) and returns what the page shows, in the reader's language.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional, Sequence

from matplotlib.figure import Figure

from ...data import ImageData
from ...i18n import N_, Text, _
from ...reference import CIFAR10, CIFAR10_RECIPE
from ...training import History, TrainConfig
from ..notebook import PALETTE, glues
from ..tables import html_table

#: the names of the chapter's two runs (``runs`` is keyed by them): shown,
#: in the reader's language, in the results table and the figure
WITH_AUGMENTATION = N_("with augmentation")
WITHOUT_AUGMENTATION = N_("without augmentation")


def milestones(steps: Iterable[int], thousands: bool = True) -> str:
    """The iterations at which the learning rate is divided, in words:
    ``"32,000 and 48,000"`` (``thousands=False``: ``"200 and 300"``)."""
    shown = [f"{m:,}" if thousands else str(m) for m in steps]
    if len(shown) < 2:
        return "".join(shown)
    return str(
        Text("{items} and {last}", items=", ".join(shown[:-1]), last=shown[-1])
    )


def _shown(cfg: TrainConfig, field: str) -> Any:
    if field != "milestones":
        return getattr(cfg, field)
    if cfg.schedule != "multistep":
        return _("(not used)")
    return milestones(cfg.milestones)


def recipes_table(
    paper: TrainConfig, fast: TrainConfig, fields: Sequence[str]
) -> str:
    """HTML: the ``fields`` of the two recipes side by side (milestones in
    words, or "(not used)" where the schedule has none)."""
    return html_table(
        [_("TrainConfig field"), "paper_recipe()", "fast_recipe()"],
        [(f, _shown(paper, f), _shown(fast, f)) for f in fields],
        caption=_("The two recipes, as the library defines them"),
    )


def warmup_lines(warmup: Mapping[str, Any], lr: float) -> str:
    """Two lines: the warm-up's learning rate and when it ends, and its
    iteration cap."""
    return "\n".join(
        (
            str(
                Text(
                    "lr {warmup} until the training error is below "
                    "{until:.0%}, then lr {lr}",
                    warmup=warmup["warmup_lr"],
                    until=warmup["warmup_until_error"],
                    lr=lr,
                )
            ),
            str(
                Text(
                    "at most {n:,} iterations (a safety net)",
                    n=warmup["warmup_iterations"],
                )
            ),
        )
    )


@glues("warmup_cap", "fast_batch", "fast_lr")
def recipe_values(
    warmup: Mapping[str, Any], fast: TrainConfig
) -> dict[str, str]:
    """For the prose: the warm-up's iteration cap, the fast recipe's batch and
    learning rate."""
    return {
        "warmup_cap": f"{warmup['warmup_iterations']:,}",
        "fast_batch": f"{fast.batch_size}",
        "fast_lr": f"{fast.lr}",
    }


def schedules_figure(
    paper: TrainConfig, fast: TrainConfig, images: int
) -> Figure:
    """The learning rate of both recipes (log scale) against epochs over
    ``images`` training images."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.4))
    for name, cfg, colour, style in (
        (Text("paper"), paper, PALETTE[0], "-"),
        (Text("fast"), fast, PALETTE[1], "--"),
    ):
        steps = range(0, cfg.iterations, cfg.iterations // 1_000)
        label = Text(
            "{name}: {iterations:,} iterations, batch {batch}",
            name=name,
            iterations=cfg.iterations,
            batch=cfg.batch_size,
        )
        ax.plot(
            [s * cfg.batch_size / images for s in steps],
            [cfg.lr_at(s) for s in steps],
            color=colour,
            ls=style,
            label=str(label),
        )
    ax.set_yscale("log")
    ax.set(
        xlabel=Text(
            "epoch = iterations x batch / {images:,} training images",
            images=images,
        ),
        ylabel=_("learning rate (log scale)"),
    )
    ax.legend(fontsize=9)
    return fig


def full_time_sentence(images_per_second: float, hours: float) -> Text:
    """The measured speed, and how long the full recipe would take at it."""
    return Text(
        "{speed:,.0f} images/s: the full recipe would take {hours:.1f} hours",
        speed=images_per_second,
        hours=hours,
    )


@glues("full_speed", "full_hours")
def full_time_values(images_per_second: float, hours: float) -> dict[str, str]:
    """For the prose: the measured speed and the full recipe's hours (one
    decimal under 10 hours)."""
    return {
        "full_speed": f"{images_per_second:,.0f}",
        "full_hours": f"{hours:.1f}" if hours < 10 else f"{hours:.0f}",
    }


def data_table(train: ImageData, test: ImageData, recipe: TrainConfig) -> str:
    """HTML: the paper's data and recipe beside this page's shrunk ones."""
    size = train.images.shape[-1]
    rows = [
        (_("training images"), CIFAR10_RECIPE["train_images"], len(train)),
        (_("test images"), 10_000, len(test)),  # CIFAR-10's whole test set
        (_("image size"), "32x32", f"{size}x{size}"),
        (
            _("crop padding"),
            CIFAR10_RECIPE["crop_padding"],
            recipe.crop_padding,
        ),
        (
            _("iterations of batch 128"),
            CIFAR10_RECIPE["iterations"],
            recipe.iterations,
        ),
        (
            _("lr divided by 10 at"),
            milestones(CIFAR10_RECIPE["milestones"]),  # type: ignore[arg-type]
            milestones(recipe.milestones, thousands=False),
        ),
    ]
    caption = Text("Data: {source}", source=train.source)
    return html_table(
        ["", _("the paper"), _("this page")], rows, caption=str(caption)
    )


@glues("data_name", "data_source", "n_train", "n_test", "n_iter", "epochs")
def data_values(
    train: ImageData, test: ImageData, recipe: TrainConfig
) -> dict[str, Any]:
    """For the prose: which data (a sentence), its source and size, the run's
    iterations and epochs."""
    if train.is_stand_in:
        data_name = Text(
            "the book's offline stand-in (synthetic shapes; "
            "CIFAR-10 was not found)"
        )
    else:
        data_name = Text("the real CIFAR-10")
    epochs = recipe.iterations * recipe.batch_size / len(train)
    return {
        "data_name": data_name,
        "data_source": train.source,
        "n_train": f"{len(train):,}",
        "n_test": f"{len(test):,}",
        "n_iter": f"{recipe.iterations}",
        "epochs": f"{epochs:.0f}",
    }


def results_table(
    runs: Mapping[str, History],
    final: Mapping[str, tuple[float, float]],
    iterations: int,
) -> str:
    """HTML: each run's final training and test error (%), their gap, time and
    speed; ``final[name]`` is (training error, test error) in %."""
    rows = [
        (
            _(name),
            f"{tr:.1f}",
            f"{te:.1f}",
            f"{te - tr:.1f}",
            f"{runs[name].seconds:.0f}",
            f"{runs[name].images_per_second:,.0f}",
        )
        for name, (tr, te) in final.items()
    ]
    header = [
        "ResNet-20",
        _("training error %"),
        _("test error %"),
        _("gap (points)"),
        _("time (s)"),
        _("images/s"),
    ]
    caption = Text(
        "After {iterations} iterations. Training error: mean over the last 20 "
        "iterations; gap: test minus training error",
        iterations=iterations,
    )
    return html_table(header, rows, caption=str(caption))


def curves_figure(
    runs: Mapping[str, History], recipe: TrainConfig, train: ImageData
) -> Figure:
    """Training (dashed) and test (solid) error of each run, the learning
    rate's milestones dotted."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4))
    for (name, h), colour, marker in zip(runs.items(), PALETTE, "os"):
        ax.plot(
            h.steps,
            [100 * e for e in h.train_error],
            ls="--",
            color=colour,
            marker=marker,
            markevery=5,
            mfc="none",
            label=str(Text("{run}: training", run=Text(name))),
        )
        ax.plot(
            h.eval_steps,
            [100 * e for e in h.test_error],
            ls="-",
            color=colour,
            marker=marker,
            label=str(Text("{run}: test", run=Text(name))),
        )
    for m in recipe.milestones:
        ax.axvline(m, color="grey", lw=0.8, ls=":")
    ax.set(
        xlabel=_("iteration (dotted: learning rate divided by 10)"),
        ylabel=_("error (%)"),
    )
    data = Text("offline stand-in") if train.is_stand_in else "CIFAR-10"
    title = Text(
        "ResNet-20, {images:,} images at 16x16, {data}",
        images=len(train),
        data=data,
    )
    ax.set_title(str(title), fontsize=10)
    ax.legend(fontsize=8)
    return fig


def _aug_effect(d_test: float) -> Text:
    if d_test > 0.5:
        return Text(
            "augmentation lowered the test error by {d:.1f} points", d=d_test
        )
    if d_test < -0.5:
        return Text(
            "augmentation raised the test error by {d:.1f} points", d=-d_test
        )
    return Text(
        "augmentation changed the test error by less than half a point"
    )


def _gap_text(
    final: Mapping[str, tuple[float, float]], images: int, real: bool
) -> Text:
    aug_train, aug_test = final[WITH_AUGMENTATION]
    noaug_train, noaug_test = final[WITHOUT_AUGMENTATION]
    aug_gap, noaug_gap = aug_test - aug_train, noaug_test - noaug_train
    if noaug_gap - aug_gap > 5:
        if aug_gap >= 0:
            aug_end = Text("the gap is {gap:.1f} points", gap=aug_gap)
        else:
            aug_end = Text(
                "its test error is even {gap:.1f} points below its "
                "training error on augmented batches: in so short a "
                "run it has not fitted even those",
                gap=-aug_gap,
            )
        return Text(
            "Without augmentation the network sees the same {images:,} "
            "images again and again and fits them (final training error "
            "{noaug_train:.1f}%), while its test error stays {noaug_gap:.1f} "
            "points above that: it memorises. With augmentation the training "
            "batches are harder (training error {aug_train:.1f}%) and "
            "{aug_end}",
            images=images,
            noaug_train=noaug_train,
            noaug_gap=noaug_gap,
            aug_train=aug_train,
            aug_end=aug_end,
        )
    if real:
        return Text(
            "Here the two gaps are alike ({noaug_gap:.1f} points without "
            "augmentation, {aug_gap:.1f} with): in this short run the network "
            "has not memorised its training set yet",
            noaug_gap=noaug_gap,
            aug_gap=aug_gap,
        )
    return Text(
        "Here the two gaps are alike ({noaug_gap:.1f} points without "
        "augmentation, {aug_gap:.1f} with): in this short run the network "
        "has not memorised its training set yet, and the stand-in's "
        "shapes, drawn at random positions already, gain little from "
        "shifted crops",
        noaug_gap=noaug_gap,
        aug_gap=aug_gap,
    )


@glues(
    "aug_test",
    "noaug_test",
    "aug_effect",
    "gap_text",
    "total_time",
    "speed",
    "results_data",
)
def results_values(
    runs: Mapping[str, History],
    final: Mapping[str, tuple[float, float]],
    train: ImageData,
) -> dict[str, Any]:
    """For the prose: both runs' test errors, what augmentation changed and how
    the train-test gaps read (sentences), the total time, the speed, and on
    which data. ``runs`` and ``final`` are keyed by :data:`WITH_AUGMENTATION`
    and :data:`WITHOUT_AUGMENTATION`; ``final[name]`` is (training error, test
    error) in %."""
    real = not train.is_stand_in
    aug_test = final[WITH_AUGMENTATION][1]
    noaug_test = final[WITHOUT_AUGMENTATION][1]
    if real:
        results_data = Text("On real CIFAR-10,")
    else:
        results_data = Text(
            "On the offline stand-in (drawn shapes, not CIFAR-10; this "
            "machine had no copy of CIFAR-10 and no internet), so these "
            "numbers describe the stand-in, not the paper's data:"
        )
    total = sum(h.seconds for h in runs.values())
    return {
        "aug_test": f"{aug_test:.1f}",
        "noaug_test": f"{noaug_test:.1f}",
        "aug_effect": _aug_effect(noaug_test - aug_test),
        "gap_text": _gap_text(final, len(train), real),
        "total_time": f"{total:.0f}",
        "speed": f"{runs[WITH_AUGMENTATION].images_per_second:,.0f}",
        "results_data": results_data,
    }


def table6(
    params: Mapping[int, int], yours: Mapping[str, Mapping[str, Any]]
) -> str:
    """HTML: the paper's Table 6 (parameters, test error) beside ours
    (``params[depth]``, counted) and the reader's runs (``yours["resnet56"]``:
    a run's ``history.json``; "____" where there is none)."""
    rows = []
    for depth, row in CIFAR10.items():
        error, warmup_end = "____", "____"
        run = yours.get(f"resnet{depth}")
        if run is not None:
            end: Optional[int] = run["history"].get("warmup_end")
            error = f"{100 * run['test_error']:.2f}"
            warmup_end = _("none") if end is None else f"{end:,}"
        rows.append(
            (
                f"ResNet-{depth}",
                f"{row.params_millions:.2f}",
                f"{params[depth] / 1e6:.2f}",
                f"{row.test_error:.2f}",
                error,
                warmup_end,
            )
        )
    header = [
        _("model"),
        _("params (M), paper"),
        _("params (M), ours"),
        _("test error %, paper"),
        _("test error %, yours"),
        _("your warm-up ended at iteration"),
    ]
    return html_table(
        header, rows, caption=_("The paper's Table 6 and your runs")
    )


def t4_table(
    macs: Mapping[int, int],
    estimate: Mapping[int, tuple[float, float]],
    epochs: float,
) -> str:
    """HTML: each ResNet's multiply-adds per image, and the estimated seconds
    per epoch and minutes for ``epochs`` epochs (``estimate[depth]``: seconds
    per epoch, fast and slow)."""
    rows = [
        (
            f"ResNet-{depth}",
            f"{macs[depth] / 1e6:.1f}",
            f"{fast_s:.0f}-{slow_s:.0f}",
            f"{fast_s * epochs / 60:.0f}-{slow_s * epochs / 60:.0f}",
        )
        for depth, (fast_s, slow_s) in estimate.items()
    ]
    header = [
        _("model"),
        _("M multiply-adds per image"),
        _("s per epoch"),
        str(Text("min for {epochs:.0f} epochs", epochs=epochs)),
    ]
    caption = _("Estimated on a T4, float32, at 50% to 15% of its peak")
    return html_table(header, rows, caption=caption)


@glues("t4_r20", "t4_r110")
def t4_values(estimate: Mapping[int, tuple[float, float]]) -> dict[str, str]:
    """For the prose: the seconds per epoch of ResNet-20 and ResNet-110."""
    return {
        f"t4_r{depth}": f"{estimate[depth][0]:.0f}-{estimate[depth][1]:.0f}"
        for depth in (20, 110)
    }
