"""What the why-residual-networks-train chapter shows: its tables, figures, sentences.

The chapter loads the degradation chapter's four networks and studies them
(:mod:`resnet_lib.experiments.why_residual`: paths, lesions, path gradients, loss
landscapes); these functions put the results on the page in the reader's language, and
choose the sentences that say what this page's networks showed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ...experiments.degradation import (
    DegradationResult,
    RecordedConditions,
    SearchRun,
)
from ...experiments.why_residual import Lesion, edge_rise, uphill_share
from ...i18n import Text, _
from ...training.history import History
from ..notebook import PALETTE, glues
from ..tables import html_table

#: a lesion study's result: the intact error and each block's lesion
Lesions = tuple[float, Sequence[Lesion]]


def networks_table(result: DegradationResult) -> str:
    """HTML: each network, whether it was loaded or trained now, and its errors."""
    rows = [
        (
            name,
            _("loaded") if result.from_cache[name] else _("trained now"),
            f"{result.final_train_error(name):.1%}",
            f"{result.final_test_error(name):.1%}",
        )
        for name in result.models
    ]
    return html_table(
        (_("network"), _("here"), _("training error"), _("test error")), rows
    )


@glues("plain56_train", "chance", "plain56_state")
def plain56_values(
    result: DegradationResult, classes: int
) -> dict[str, object]:
    """What plain-56 learned, for the prose: its training error, chance, and
    ``plain56_state``, a clause that says whether it learned.

    Args:
        classes: the number of classes (chance is ``1 - 1 / classes``).
    """
    error = result.final_train_error("plain-56")
    chance = 1 - 1 / classes
    if error > chance - 0.1:
        state = Text(
            "barely learned anything: its training error is close to chance"
        )
    else:
        state = Text("learned, though less than plain-20")
    return {
        "plain56_train": f"{error:.0%}",
        "chance": f"{chance:.0%}",
        "plain56_state": state,
    }


def search_table(
    search: Sequence[SearchRun], conditions: RecordedConditions
) -> str:
    """HTML: the recorded runs of the search for a plain-56 that learns (each
    run's change, a message of the catalog, in the reader's language)."""
    return html_table(
        (
            _("network"),
            _("changed from the degradation chapter's recipe"),
            _("options"),
            _("iterations"),
            _("training error"),
            _("test error"),
        ),
        [
            (
                r.network,
                _(r.change) if r.change else _("nothing"),
                r.options,
                f"{r.iterations:,}",
                f"{r.train_error:.1%}",
                f"{r.test_error:.1%}",
            )
            for r in search
        ],
        caption=str(
            Text(
                "Recorded on {machine}, torch {torch}, seed 0, one "
                "thread; the rows without a change are the degradation "
                "chapter's recorded seed 0 and two other depths",
                machine=conditions.machine,
                torch=conditions.torch_version,
            )
        ),
    )


def search_command() -> Text:
    """The command that recorded each row of :func:`search_table`."""
    return Text(
        "each row: {command}",
        command="python -m resnet_lib.experiments.degradation --seeds 0 "
        "\\\n    --threads 1 --networks NETWORK OPTIONS",
    )


@glues(
    "book_iters",
    "best_within",
    "best_within_change",
    "best_change",
    "best_err",
    "search_plain20",
    "search_plain32",
    "search_plain44",
    "best_cost",
)
def search_values(
    search: Sequence[SearchRun],
    book_iterations: int,
    plain56: History,
    full: bool = False,
) -> dict[str, object]:
    """What the search found, for the prose: the best plain-56 runs within the book's
    iterations and overall, the other depths, and what the best would cost.

    Args:
        search: the recorded runs (``PLAIN_SEARCH``).
        book_iterations: the iterations of the book's CPU recipe.
        plain56: this page's plain-56 training history (its time per iteration).
        full: whether this page ran the paper's recipe (on a GPU).
    """
    p56 = [r for r in search if r.network == "plain-56"]
    best_within = min(
        (r for r in p56 if r.iterations == book_iterations),
        key=lambda r: r.train_error,
    )
    best = min(p56, key=lambda r: r.train_error)
    depth_rows = {r.network: r for r in search if not r.change}
    if full:
        cost = Text("on a GPU, where the full recipe runs anyway")
    else:
        per_step = plain56.seconds / book_iterations
        cost = Text(
            "about {extra:.0f} s more of plain-56 training on the "
            "machine that trained this page's networks (its run of "
            "{iterations} iterations took {seconds:.0f} s there)",
            extra=(best.iterations - book_iterations) * per_step,
            iterations=book_iterations,
            seconds=plain56.seconds,
        )
    values: dict[str, object] = {
        "book_iters": f"{book_iterations:,}",
        "best_within": f"{best_within.train_error:.1%}",
        "best_within_change": _(best_within.change),
        "best_change": _(best.change),
        "best_err": f"{best.train_error:.1%}",
    }
    for name in ("plain-20", "plain-32", "plain-44"):
        key = f"search_{name.replace('-', '')}"
        values[key] = f"{depth_rows[name].train_error:.1%}"
    values["best_cost"] = cost
    return values


def path_figure(counts: Sequence[int]) -> Figure:
    """The number of paths of each length through a network of ``len(counts) - 1``
    blocks (ResNet-56's, on the page)."""
    n = len(counts) - 1
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.bar(range(n + 1), counts, color=PALETTE[0])
    ax.set(
        xlabel=_("path length (residual blocks used)"),
        ylabel=_("number of paths"),
        title=Text(
            "The {paths:,} paths through ResNet-56 ({n} blocks)",
            paths=2**n,
            n=n,
        ),
    )
    return fig


@glues("n_blocks", "n_paths", "mean_len", "within_share")
def path_values(counts: Sequence[int]) -> dict[str, str]:
    """The path counts the prose quotes: blocks, paths, mean length, and the share of
    paths within two standard deviations of it."""
    n = len(counts) - 1
    within = sum(
        counts[k]
        for k in range(n + 1)
        if abs(k - n / 2) <= math.sqrt(n) / 2 * 2
    )
    return {
        "n_blocks": str(n),
        "n_paths": f"{2**n:,}",
        "mean_len": f"{n / 2:g}",
        "within_share": f"{within / 2**n:.0%}",
    }


def lesion_figure(
    network: str, intact: float, found: Sequence[Lesion]
) -> Figure:
    """The test error with each block of ``network`` deleted in turn."""
    fig, ax = plt.subplots(figsize=(7, 3.4))
    xs = range(1, len(found) + 1)
    errors = [
        lesion.error if lesion.error is not None else float("nan")
        for lesion in found
    ]
    ax.plot(xs, errors, "o-", color=PALETTE[0], label=_("one block deleted"))
    shaped = [i + 1 for i, lesion in enumerate(found) if lesion.changes_shape]
    ax.plot(
        shaped,
        [errors[i - 1] for i in shaped],
        "s",
        color=PALETTE[1],
        markersize=9,
        label=_("a block that downsamples"),
    )
    ax.axhline(intact, color="0.3", ls="--", label=_("intact network"))
    ax.axhline(0.9, color="0.6", ls=":", label=_("chance (90%)"))
    ax.set_ylim(0, 1)
    ax.set(
        xlabel=_("deleted block (forward order)"),
        ylabel=_("test error"),
        title=Text(
            "{network}: test error with one block deleted",
            network=network,
        ),
    )
    ax.legend(loc="lower right", fontsize=9)
    return fig


def lesion_explorer_title() -> str:
    """The title of the lesion explorer."""
    return _("Lesion study")


def _costs(lesions: Lesions) -> tuple[list[float], list[float]]:
    """The change of the error per deletable block: those that keep the shape, and
    those that downsample."""
    intact, found = lesions
    keep = [
        lesion.error - intact
        for lesion in found
        if lesion.error is not None and not lesion.changes_shape
    ]
    shaped = [
        lesion.error - intact
        for lesion in found
        if lesion.error is not None and lesion.changes_shape
    ]
    return keep, shaped


@glues(
    "r56_intact",
    "r56_median",
    "r56_worst_keep",
    "r56_shaped",
    "downsample_verdict",
    "p20_intact",
    "p20_median",
    "p20_best",
)
def lesion_values(lesions: Mapping[str, Lesions]) -> dict[str, object]:
    """The lesion results the prose quotes for ResNet-56 and plain-20, and
    ``downsample_verdict``: whether deleting a downsampling block costs the most.

    Args:
        lesions: network -> its :func:`lesion_study` result.
    """
    keep56, shaped56 = _costs(lesions["ResNet-56"])
    keep20p, _shaped20p = _costs(lesions["plain-20"])
    if max(shaped56) > max(keep56):
        verdict = Text("as in Veit et al.'s ResNet-110, those cost the most")
    else:
        verdict = Text(
            "unlike in Veit et al.'s ResNet-110, those cost no more "
            "than the costliest of the others here"
        )
    return {
        "r56_intact": f"{lesions['ResNet-56'][0]:.1%}",
        "r56_median": f"{sorted(keep56)[len(keep56) // 2] * 100:+.1f}",
        "r56_worst_keep": f"{max(keep56) * 100:+.1f}",
        "r56_shaped": ", ".join(f"{d * 100:+.1f}" for d in shaped56),
        "downsample_verdict": verdict,
        "p20_intact": f"{lesions['plain-20'][0]:.1%}",
        "p20_median": f"{sorted(keep20p)[len(keep20p) // 2] * 100:+.1f}",
        "p20_best": f"{min(keep20p) * 100:+.1f}",
    }


def multi_lesion_figure(errors: Mapping[int, float]) -> Figure:
    """ResNet-56's test error with ``k`` random blocks deleted, against ``k`` (the
    legend says "mean of 2 draws": the chapter's ``multi_lesion(samples=2)``).

    Args:
        errors: k -> the mean error over the draws (``multi_lesion``).
    """
    ks = list(errors)
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.plot(
        ks,
        [errors[k] for k in ks],
        "o-",
        color=PALETTE[0],
        label=_("ResNet-56, k random blocks deleted (mean of 2 draws)"),
    )
    ax.axhline(0.9, color="0.6", ls=":", label=_("chance (90%)"))
    ax.set_ylim(0, 1)
    ax.set(
        xlabel=_("blocks deleted (of those that keep the shape)"),
        ylabel=_("test error"),
    )
    ax.legend(loc="lower right", fontsize=9)
    return fig


def path_gradient_figure(
    per_path: Mapping[int, float], total: Mapping[int, float]
) -> Figure:
    """The gradient at block 1 through one path of each length, and through all
    the paths of that length together.

    Args:
        per_path: length -> the gradient norm of one path (``path_gradients``).
        total: length -> that times the number of paths of the length.
    """
    lengths = list(per_path)
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.2))
    axes[0].semilogy(
        lengths, [per_path[k] for k in lengths], "o-", color=PALETTE[0]
    )
    axes[0].set_title(_("one path"))
    axes[1].plot(lengths, [total[k] for k in lengths], "o-", color=PALETTE[1])
    axes[1].set_title(_("all paths of that length"))
    for ax in axes:
        ax.set_xlabel(_("path length (blocks)"))
    axes[0].set_ylabel(_("gradient norm at block 1"))
    fig.tight_layout()
    return fig


def landscape_figure(
    network: str, grid: Sequence[float], surface: Sequence[Sequence[float]]
) -> Figure:
    """Contours of the loss around ``network``'s trained weights.

    Args:
        grid: the steps a (and b) along the two directions.
        surface: the loss at each (b, a) of the grid (``loss_surface``).
    """
    fig, ax = plt.subplots(figsize=(5.2, 4.2))
    values = [v for row in surface for v in row]
    low, high = min(values), max(values)
    levels = [low * (high / low) ** (i / 11) for i in range(12)]  # geometric
    c = ax.contour(grid, grid, surface, levels=levels, cmap="viridis")
    ax.clabel(c, fontsize=7, fmt="%.2g")
    ax.plot([0], [0], "k+", markersize=12)
    ax.set(
        xlabel=_("a (direction 1)"),
        ylabel=_("b (direction 2)"),
        title=Text(
            "{network}: loss around the trained weights (+)",
            network=network,
        ),
    )
    return fig


def landscape_explorer_title() -> str:
    """The title of the loss-landscape explorer."""
    return _("Loss landscape")


@glues("uphill_{network}", "rise_{network}", "landscape_verdict")
def landscape_values(
    surfaces: Mapping[str, list[list[float]]],
) -> dict[str, object]:
    """How rough and how steep each surface is, for the prose, and
    ``landscape_verdict``: whether plain-56's surface is rougher or steeper than
    ResNet-56's, as Li et al. found.

    Args:
        surfaces: network -> its :func:`loss_surface` on a square grid.
    """
    uphill = {name: uphill_share(s) for name, s in surfaces.items()}
    steep = {name: edge_rise(s) for name, s in surfaces.items()}
    values: dict[str, object] = {}
    for name in surfaces:
        key = name.replace("-", "").lower()
        values[f"uphill_{key}"] = f"{uphill[name]:.0%}"
        values[f"rise_{key}"] = f"{steep[name]:.3g}"
    ratio = steep["plain-56"] / steep["ResNet-56"]
    if uphill["plain-56"] > uphill["ResNet-56"]:
        verdict = Text(
            "plain-56's surface is the rougher one, as Li et al. found"
        )
    elif ratio > 10:
        verdict = Text(
            "at this resolution neither surface goes uphill towards "
            "its centre, but plain-56's walls are far steeper: on "
            "the grid's edge its loss is {plain:.3g} times the loss "
            "at its centre, ResNet-56's {resnet:.3g} times. Li et "
            "al.'s finer grids show plain-56's steep surface to be "
            "chaotic too",
            plain=steep["plain-56"],
            resnet=steep["ResNet-56"],
        )
    else:
        verdict = Text(
            "this page does not reproduce Li et al.'s chaotic "
            "plain-56: at this resolution, and with a plain-56 that "
            "barely trained, its surface is neither rougher nor much "
            "steeper than ResNet-56's"
        )
    values["landscape_verdict"] = verdict
    return values
