"""What the vanishing-gradients chapter shows: its tables, figures and sentences.

The chapter computes (products of random matrices, gradient ratios, shattered
gradients, with :mod:`resnet_lib.experiments.vanishing_gradients`); these functions
put the results on the page in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ...experiments.vanishing_gradients import Shattering, StreamSize
from ...i18n import N_, Text, _
from ..notebook import glues
from ..tables import html_table

#: the names of the three networks of the shattering figure, by (hidden layers,
#: residual)
SHATTERING_NAMES = {
    (1, False): N_("plain, 1 hidden layer"),
    (24, False): N_("plain, 24 hidden layers"),
    (24, True): N_("residual, 24 hidden layers"),
}


def product_figure(norms: Mapping[float, Sequence[float]]) -> Figure:
    """The norm of a product of random matrices, layer by layer, one line per gain.

    Args:
        norms: gain -> the norms after 0, 1, ..., L matrices (``product_norms``); the
            thin grey lines beside them are ``gain ** layer``.
    """
    fig, ax = plt.subplots()
    styles = ("-", "--", ":")
    for i, (gain, run) in enumerate(norms.items()):
        ax.plot(
            run,
            ls=styles[i % len(styles)],
            label=str(Text("gain {gain}", gain=gain)),
        )
        ax.plot(
            [gain**layer for layer in range(len(run))],
            color="grey",
            lw=0.8,
            label="$g^L$" if i == len(norms) - 1 else None,
        )
    ax.set_yscale("log")
    ax.set(
        xlabel=_("number of layers"),
        ylabel=_("norm of the product applied to a unit vector"),
    )
    ax.legend()
    return fig


def seed_table(
    depth: int,
    seed0: float,
    percentiles: tuple[float, float, float],
    gains: Sequence[float] = (0.9, 1.0, 1.1),
) -> str:
    """HTML: the norm of a product of ``depth`` random matrices, by gain.

    Args:
        depth: the number of matrices L.
        seed0: the random factor of the plot's run (its gain-1.0 norm).
        percentiles: the 5th, 50th and 95th percentiles of that factor over the
            seeds (the headers and caption say 200 seeds and 50 matrices, as the
            chapter computes).
    """
    lo, median, hi = percentiles
    rows = [
        (
            f"{g}",
            f"{g**depth:.3g}",
            f"{g**depth * seed0:.3g}",
            f"{g**depth * median:.3g}",
            str(
                Text(
                    "{lo:.3g} to {hi:.3g}",
                    lo=g**depth * lo,
                    hi=g**depth * hi,
                )
            ),
        )
        for g in gains
    ]
    return html_table(
        [
            _("gain g"),
            f"g^{depth}",
            _("seed 0 (the plot)"),
            _("median of 200 seeds"),
            _("5th to 95th percentile"),
        ],
        rows,
        caption=_(
            "Norm of the product of 50 random matrices applied to a unit "
            "vector"
        ),
    )


def sigmoid_peak(peak: float, where: float) -> Text:
    """The sentence that states the sigmoid derivative's largest value and where."""
    where = round(where, 4) + 0.0  # + 0.0 turns -0.0 into 0.0
    return Text(
        "max sigmoid'(x) = {peak:.6f} at x = {where:.4f}",
        peak=peak,
        where=where,
    )


def sigmoid_table(ratios: Mapping[int, float]) -> str:
    """HTML: first-layer over last-layer gradient norm of sigmoid nets, by depth."""
    return html_table(
        [_("depth"), _("|grad first layer| / |grad last layer|")],
        [(d, f"{r:.1e}") for d, r in ratios.items()],
        caption=_("Plain CIFAR networks with sigmoid, no normalisation"),
    )


def batchnorm_table(
    plain: Mapping[int, float], residual: Mapping[int, float]
) -> str:
    """HTML: the same ratio for the plain BatchNorm nets and their residual twins."""
    return html_table(
        [_("depth"), _("plain"), _("residual")],
        [(d, f"{plain[d]:.3g}", f"{residual[d]:.3g}") for d in plain],
        caption=_(
            "|grad first layer| / |grad last layer| (ReLU, BatchNorm, He)"
        ),
    )


def activation_table(
    relu_residual: Mapping[int, float],
    tanh_plain: Mapping[int, float],
    tanh_residual: Mapping[int, float],
) -> str:
    """HTML: the first/last ratio of the residual nets with ReLU, and of the plain and
    residual nets with tanh (BatchNorm, He initialisation), by depth."""
    return html_table(
        [
            _("depth"),
            _("residual, ReLU"),
            _("plain, tanh"),
            _("residual, tanh"),
        ],
        [
            (
                d,
                f"{relu_residual[d]:.3g}",
                f"{tanh_plain[d]:.3g}",
                f"{tanh_residual[d]:.3g}",
            )
            for d in tanh_plain
        ],
        caption=_("|grad first layer| / |grad last layer| (BatchNorm, He)"),
    )


@glues(
    "tanh_plain32",
    "tanh_res32",
    "tanh_plain110",
    "tanh_res110",
    "stream_relu_first",
    "stream_relu_last",
    "stream_tanh_first",
    "stream_tanh_last",
    "added_relu",
    "added_tanh",
)
def tanh_values(
    tanh_plain: Mapping[int, float],
    tanh_residual: Mapping[int, float],
    streams: Mapping[str, Sequence[StreamSize]],
) -> dict[str, str]:
    """The numbers of the tanh section that the prose quotes, by glue name.

    Args:
        streams: activation ("relu", "tanh") -> :func:`stream_sizes` of the residual
            network of depth 56.
    """
    relu, tanh = streams["relu"], streams["tanh"]
    return {
        "tanh_plain32": f"{tanh_plain[32]:.3g}",
        "tanh_res32": f"{tanh_residual[32]:.3g}",
        "tanh_plain110": f"{tanh_plain[110]:.3g}",
        "tanh_res110": f"{tanh_residual[110]:.3g}",
        "stream_relu_first": f"{relu[0].stream:.2f}",
        "stream_relu_last": f"{relu[-1].stream:.2f}",
        "stream_tanh_first": f"{tanh[0].stream:.2f}",
        "stream_tanh_last": f"{tanh[-1].stream:.2f}",
        "added_relu": f"{sum(b.added for b in relu) / len(relu):.2f}",
        "added_tanh": f"{sum(b.added for b in tanh) / len(tanh):.2f}",
    }


def explorer_title() -> str:
    """The title of the chapter's explorer."""
    return _("Gradient norm of every layer at initialisation")


def classifier_table(
    measured: Mapping[str, tuple[float, float, float, float]],
) -> str:
    """HTML: the classifier's input and the gradients around it, per network.

    Args:
        measured: network name -> (RMS of fc's input, gradient norm of the first
            convolution, of the last convolution, of fc).
    """
    rows = [
        (
            name,
            f"{rms:.2f}",
            f"{first:.3g}",
            f"{last:.2f}",
            f"{fc:.2f}",
            f"{first / last:.3g}",
        )
        for name, (rms, first, last, fc) in measured.items()
    ]
    return html_table(
        [
            _("network"),
            _("RMS of fc's input"),
            _("|grad| first conv"),
            _("|grad| last conv"),
            _("|grad| fc"),
            _("first / last conv"),
        ],
        rows,
        caption=_("At initialisation, 16 random images (ReLU, BatchNorm, He)"),
    )


@glues(
    "rms_plain56",
    "rms_res20",
    "rms_res110",
    "conv_res56",
    "fc_res56",
    "conv_ratio_res20",
    "conv_ratio_res110",
    "conv_ratio_plain110",
)
def classifier_values(
    measured: Mapping[str, tuple[float, float, float, float]],
) -> dict[str, str]:
    """The numbers of :func:`classifier_table` that the prose quotes, by glue name."""

    def ratio(name: str) -> str:
        _rms, first, last, _fc = measured[name]
        return f"{first / last:.3g}"

    return {
        "rms_plain56": f"{measured['plain-56'][0]:.2f}",
        "rms_res20": f"{measured['residual-20'][0]:.2f}",
        "rms_res110": f"{measured['residual-110'][0]:.2f}",
        "conv_res56": f"{measured['residual-56'][2]:.2f}",
        "fc_res56": f"{measured['residual-56'][3]:.2f}",
        "conv_ratio_res20": ratio("residual-20"),
        "conv_ratio_res110": ratio("residual-110"),
        "conv_ratio_plain110": ratio("plain-110"),
    }


def shattering_figure(
    shattered: Mapping[tuple[int, bool], Shattering],
) -> Figure:
    """``dy/dx`` along the line of inputs, one panel per network.

    Args:
        shattered: (hidden layers, residual) -> its :func:`shattering` result; the
            networks of :data:`SHATTERING_NAMES`.
    """
    fig, axes = plt.subplots(1, len(shattered), figsize=(10, 2.8), sharex=True)
    for ax, (case, s) in zip(axes, shattered.items()):
        ax.plot(s.inputs, s.gradients, lw=0.8)
        title = Text(
            "{label}\nneighbour correlation {r:.2f}",
            label=Text(SHATTERING_NAMES[case]),
            r=s.correlation,
        )
        ax.set_title(str(title), fontsize=10)
        ax.set_xlabel(_("input x"))
    axes[0].set_ylabel("dy/dx")
    fig.tight_layout()
    return fig
