"""What ``book/test-time.md`` shows: the paper's ImageNet errors under each
test-time protocol, the ten views of a test image, each protocol's cost and
error on our ResNet-20 (table, figure and the sentences that judge them),
the cost of larger views, the error at other test sizes, and the views of
one test image.

Each function takes what the chapter computed (protocol results, errors by
size, a trained network and its test data) and returns what the page shows,
in the reader's language.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from matplotlib.figure import Figure
from torch import Tensor, nn

from ...data import ImageData
from ...experiments.test_time import (
    CROP_NAMES,
    ProtocolResult,
    sign_test,
    ten_crops,
    view_scores,
)
from ...i18n import N_, Text, _
from ...reference import (
    IMAGENET_ERRORS,
    IMAGENET_MULTISCALE_ERRORS,
    TORCHVISION,
)
from ...training import CachedRun
from ..notebook import PALETTE, glues
from ..tables import html_table

#: the protocols of
#: :func:`~resnet_lib.experiments.test_time.compare_protocols`, in words
PROTOCOL_NAMES = {
    "single": N_("single view"),
    "flip": N_("image + mirror image"),
    "ten_crop": N_("ten crops"),
    "multi_scale": N_("three scales x 2"),
}


def imagenet_table() -> str:
    """HTML: the paper's ImageNet top-1 errors with one crop (torchvision's
    weights), ten crops (Table 3) and multiple scales (Table 4)."""
    rows = []
    for name, multi in IMAGENET_MULTISCALE_ERRORS.items():
        ten = IMAGENET_ERRORS[name].top1_error
        builder = "resnet" + name.split("-")[1].split()[0]
        one = (
            f"{TORCHVISION[builder].top1_error:.2f}"
            if name.endswith(("50", "101", "152"))
            else ""
        )
        rows.append(
            (
                name,
                one,
                f"{ten:.2f}",
                f"{multi.top1_error:.2f}",
                f"{ten - multi.top1_error:.2f}",
            )
        )
    header = (
        _("network"),
        _("1 crop (torchvision)"),
        _("10 crops (Table 3)"),
        # Table 4's caption says "single-model results"; multi-scale is inferred
        # from section 3.4 (the chapter says so)
        _("single model, multi-scale inferred (Table 4)"),
        _("gain over 10 crops (points)"),
    )
    caption = _(
        "ImageNet top-1 error (%), validation set. Sources: He et al. "
        "2016, Tables 3 and 4; torchvision's V1 weights' metadata"
    )
    return html_table(header, rows, caption=caption)


def run_lines(run: CachedRun, n_test: int) -> str:
    """Two lines: whether the network was loaded or trained, and its test error
    in the training chapter on ``n_test`` images."""
    where = _("loaded from the cache") if run.from_cache else _("trained now")
    error = Text(
        "test error in the training chapter: {error:.1%} on {n:,} test images",
        error=run.history.test_error[-1],
        n=n_test,
    )
    return f"{where}\n{error}"


@glues("n_train", "n_test", "n_iter")
def run_values(
    train: ImageData, test: ImageData, iterations: int
) -> dict[str, str]:
    """For the prose: the training and test set sizes, the run's iterations."""
    return {
        "n_train": f"{len(train):,}",
        "n_test": f"{len(test):,}",
        "n_iter": f"{iterations}",
    }


def ten_views_figure(
    crops: Sequence[Tensor], label: str, padding: int
) -> Figure:
    """The ten views of one image (``crops``: :func:`ten_crops` of it), the
    five crops on top and their mirror images below."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 5, figsize=(8, 3.6))
    for i, (ax, crop) in enumerate(zip(axes.flat, crops)):
        ax.imshow(crop[0].permute(1, 2, 0))
        ax.set_xticks([])
        ax.set_yticks([])
        if i < 5:
            ax.set_title(_(CROP_NAMES[i]), fontsize=8)
    axes[0, 0].set_ylabel(_("the image"), fontsize=8)
    axes[1, 0].set_ylabel(_("its mirror image"), fontsize=8)
    title = Text(
        "The ten views of a test image ({label}), padded by {padding}",
        label=label,
        padding=padding,
    )
    fig.suptitle(str(title), fontsize=10)
    return fig


def protocols_table(results: Mapping[str, ProtocolResult], n: int) -> str:
    """HTML: each protocol's views, cost, error and the images it fixed and
    broke against the single view, on ``n`` test images."""
    rows = [
        (
            _(PROTOCOL_NAMES[p]),
            r.views,
            f"{r.macs_per_image / 1e6:.1f}M",
            f"{r.relative_cost:.1f}",
            f"{100 * r.error:.2f}",
            r.fixed,
            r.broken,
        )
        for p, r in results.items()
    ]
    header = (
        _("protocol"),
        _("views"),
        _("multiply-adds per image"),
        _("cost (x single)"),
        _("test error %"),
        _("fixed"),
        _("broken"),
    )
    caption = Text(
        "ResNet-20 on {n:,} CIFAR-10 test images at 16x16. Fixed / broken: "
        "images the single view gets wrong and the protocol right, and the "
        "reverse",
        n=n,
    )
    return html_table(header, rows, caption=str(caption))


def protocols_figure(results: Mapping[str, ProtocolResult]) -> Figure:
    """Each protocol's test error against its multiply-adds per image."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    for (p, r), colour, marker in zip(results.items(), PALETTE, "osD^"):
        ax.plot(
            r.macs_per_image / 1e6,
            100 * r.error,
            marker,
            color=colour,
            markersize=9,
            label=_(PROTOCOL_NAMES[p]),
        )
    ax.set_xscale("log")
    ax.set(
        xlabel=_("multiply-adds per test image (millions, log scale)"),
        ylabel=_("test error (%)"),
    )
    ax.set_title(
        _("What each protocol costs and gives (ResNet-20, 16x16)"),
        fontsize=10,
    )
    ax.legend(fontsize=8)
    return fig


def verdict(r: ProtocolResult, n: int) -> Text:
    """A protocol's change against the single view on ``n`` images, and
    whether a sign test finds it more than chance would give."""
    d = r.fixed - r.broken
    p = sign_test(r.fixed, r.broken)
    if d > 0:
        change = Text("{n} fewer errors", n=d)
    elif d < 0:
        change = Text("{n} more errors", n=-d)
    else:
        change = Text("no change")
    if p < 0.05:
        sure = Text(
            "more than chance would give (sign test, p = {p:.2g})", p=p
        )
    else:
        sure = Text(
            "within what chance gives on {n:,} images (sign test, "
            "p = {p:.2g})",
            n=n,
            p=p,
        )
    return Text(
        "{fixed} fixed and {broken} broken, {change}: {sure}",
        fixed=r.fixed,
        broken=r.broken,
        change=change,
        sure=sure,
    )


@glues(
    "single_err",
    "one_image",
    "flip_err",
    "flip_cost",
    "flip_verdict",
    "ten_crop_err",
    "ten_crop_cost",
    "ten_crop_verdict",
    "multi_scale_err",
    "multi_scale_cost",
    "multi_scale_verdict",
)
def protocol_values(
    results: Mapping[str, ProtocolResult], n: int
) -> dict[str, Any]:
    """For the prose: the single view's error, what one image of ``n`` is
    worth (points), and each other protocol's error, cost and
    :func:`verdict`."""
    values: dict[str, Any] = {
        "single_err": f"{100 * results['single'].error:.2f}",
        "one_image": f"{100 / n:.2f}",
    }
    for p in ("flip", "ten_crop", "multi_scale"):
        values[f"{p}_err"] = f"{100 * results[p].error:.2f}"
        values[f"{p}_cost"] = f"{results[p].relative_cost:.1f}"
        values[f"{p}_verdict"] = verdict(results[p], n)
    return values


def last_map_line(size: tuple[int, ...], difference: float) -> Text:
    """The last feature map's size, and the largest difference between the
    classifier averaged over its positions and the network's output."""
    return Text(
        "last map: {size} | largest difference: {difference:.1e}",
        size=str(size),
        difference=difference,
    )


def view_costs_table(costs: Mapping[int, int]) -> str:
    """HTML: the multiply-adds of a view of each size (``costs[size]``), and
    their ratio to the 16x16 view's beside the ratio of pixels."""
    rows = [
        (
            f"{s}x{s}",
            f"{m:,}",
            f"{m / costs[16]:.2f}",
            f"{(s / 16) ** 2:.2f}",
        )
        for s, m in costs.items()
    ]
    header = (
        _("view size"),
        _("multiply-adds"),
        _("x the 16x16 view"),
        _("pixels x the 16x16 view"),
    )
    return html_table(header, rows)


def sizes_figure(by_size: Mapping[int, float]) -> Figure:
    """The single-view test error at each test image size (``by_size[size]``,
    a fraction), the training size dotted."""
    import matplotlib.pyplot as plt

    sizes = list(by_size)
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    ax.plot(sizes, [100 * by_size[s] for s in sizes], "o-", color=PALETTE[0])
    ax.axvline(16, color="0.5", ls=":", label=_("the training size"))
    ax.set(
        xlabel=_("test image size (pixels)"),
        ylabel=_("test error (%), one view"),
    )
    ax.set_title(
        _("ResNet-20 trained at 16x16, tested at other sizes"), fontsize=10
    )
    ax.legend(fontsize=8)
    return fig


@glues("best_size", "err_16", "err_24", "err_12")
def size_values(by_size: Mapping[int, float]) -> dict[str, str]:
    """For the prose: the best test size, and the error at 16, 24 and 12."""
    best = min(by_size, key=lambda s: by_size[s])
    return {
        "best_size": f"{best}x{best}",
        "err_16": f"{100 * by_size[16]:.1f}",
        "err_24": f"{100 * by_size[24]:.1f}",
        "err_12": f"{100 * by_size[12]:.1f}",
    }


def views_figure(
    model: nn.Module,
    test: ImageData,
    i: int,
    padding: int,
    scales: Sequence[int],
) -> Figure:
    """Test image ``i``'s ten views, each with the network's guess and its
    probability of the true class, and the mean probability of the true class
    under each protocol (green: the protocol's guess is right)."""
    import matplotlib.pyplot as plt

    label = int(test.labels[i])
    image = test.images[i : i + 1]
    probs = view_scores(model, image, "ten_crop", padding=padding)[:, 0].cpu()
    wide = view_scores(model, image, "multi_scale", scales=scales)[:, 0].cpu()
    fig = plt.figure(figsize=(8, 4.2))
    for k, crop in enumerate(ten_crops(image, padding)):
        ax = fig.add_subplot(2, 7, k + 1 + 2 * (k // 5))
        ax.imshow(crop[0].permute(1, 2, 0))
        guess = int(probs[k].argmax())
        ax.set_title(
            f"{test.classes[guess]}\np={probs[k, label]:.2f}",
            fontsize=7,
            color=PALETTE[2] if guess == label else PALETTE[1],
        )
        ax.axis("off")
    ax = fig.add_axes((0.74, 0.15, 0.24, 0.7))
    means = {
        _("single"): probs[0],
        _("flip"): probs[[0, 5]].mean(0),
        _("ten crops"): probs.mean(0),
        _("3 scales"): wide.mean(0),
    }
    bars = [m[label].item() for m in means.values()]
    colours = [
        PALETTE[2] if int(m.argmax()) == label else PALETTE[1]
        for m in means.values()
    ]
    ax.barh(list(means), bars, color=colours)
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel(_("mean p(true class)"), fontsize=8)
    ax.tick_params(labelsize=8)
    title = Text(
        "Test image {i} ({label}); top: the image, bottom: its mirror image",
        i=i,
        label=test.classes[label],
    )
    fig.suptitle(str(title), fontsize=10)
    return fig
