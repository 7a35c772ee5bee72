"""What the identity-mappings chapter shows: its tables, figures and sentences.

The chapter builds the five unit orderings of He et al. 2016b (Figure 4), measures them
at initialisation (:mod:`resnet_lib.experiments.unit_orderings`) and counts the
pre-activation ResNet-164 and ResNet-1001; these functions put the results on the page
in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import Tensor

from ...counting import count_params
from ...experiments.unit_orderings import OrderingProfile
from ...i18n import Text, _
from ...nn.layers import ORDERINGS
from ...nn.models import ResNet, cifar_depth_to_blocks
from ...reference import (
    PREACT_ORDERINGS,
    PREACT_PARAMS_MILLIONS,
    PreActResult,
)
from ..notebook import PALETTE, glues
from ..tables import html_table

#: each ordering's letter in the paper's Figure 4, (a) to (e)
LETTER = dict(zip(ORDERINGS, "abcde"))
#: each ordering's colour, line style and marker in the chapter's figures
STYLE = dict(
    zip(
        ORDERINGS,
        zip(PALETTE, ("-", "--", "-.", ":", "-"), ("o", "s", "^", "v", "D")),
    )
)


def _name(ordering: str) -> str:
    return f"({LETTER[ordering]}) {ordering}"


def shortcut_scale_table(
    units_110: int,
    units_1001: int,
    scales: Sequence[float] = (0.5, 0.9, 1.0, 1.1),
) -> str:
    """HTML: the product of a shortcut scale λ over the units of ResNet-110 and
    ResNet-1001 (He et al. 2016b, eqs. 6-8)."""
    rows = [
        (lam, f"{lam**units_110:.3g}", f"{lam**units_1001:.3g}")
        for lam in scales
    ]
    return html_table(
        (
            _("shortcut scale λ"),
            f"λ^{units_110} (ResNet-110)",
            f"λ^{units_1001} (ResNet-1001)",
        ),
        rows,
    )


def unit_output(y: Tensor, x: Tensor) -> str:
    """What a unit with its residual branch set to zero computed, ``y``, from ``x``:
    ``"x"``, ``"relu(x)"``, ``"relu(BN(x))"`` (BatchNorm with batch statistics), or
    something else."""
    if torch.equal(y, x):
        return "x"
    if torch.equal(y, torch.relu(x)):
        return "relu(x)"
    bn_x = F.batch_norm(x, None, None, training=True)
    if torch.allclose(y, torch.relu(bn_x), atol=1e-5):
        return "relu(BN(x))"
    return _("something else")


def zero_branch_table(x: Tensor, outputs: Mapping[str, Tensor]) -> str:
    """HTML: what each ordering's unit computes with ``F = 0``.

    Args:
        x: the input, (N, C, H, W).
        outputs: ordering -> the unit's output for ``x`` (``zero_branch_output``).
    """
    rows = [
        (_name(o), unit_output(y, x), f"{(y - x).abs().max().item():.3f}")
        for o, y in outputs.items()
    ]
    return html_table(
        (
            _("ordering"),
            _("unit(x) with F = 0 is"),
            _("largest |unit(x) - x|"),
        ),
        rows,
    )


def orderings_table(clean: Mapping[str, bool]) -> str:
    """HTML: the paper's Table 2, with whether each ordering has a clean path.

    Args:
        clean: ordering -> whether its unit with ``F = 0`` is the identity.
    """
    return html_table(
        (
            _("Figure 4"),
            _("the paper's name"),
            _("library ordering"),
            _("clean path"),
            _("ResNet-110 error %"),
            _("ResNet-164 error %"),
        ),
        [
            (
                r.figure,
                _(r.case),  # the paper's name, in the reader's language
                r.ordering,
                _("yes") if clean[r.ordering] else _("no"),
                f"{r.resnet110:.2f}",
                f"{r.resnet164:.2f}",
            )
            for r in PREACT_ORDERINGS.values()
        ],
        caption=_("CIFAR-10 test error, He et al. 2016b, Table 2"),
    )


def explorer_title() -> str:
    """The title of the chapter's explorer of unit orderings."""
    return _("Signal and gradient per unit, by unit ordering")


def ordering_figure(
    profiles: Mapping[str, OrderingProfile], highlight: str = "all"
) -> Figure:
    """Variance and gradient norm at every unit of an N-unit stack, per ordering.

    Args:
        profiles: ordering -> its :func:`ordering_profile`, all with the same units.
        highlight: an ordering to draw in full (the others faded), or ``"all"``.
    """
    units = next(iter(profiles.values())).units
    fig, (fwd, bwd) = plt.subplots(1, 2, figsize=(10, 4))
    for o, p in profiles.items():
        colour, line, marker = STYLE[o]
        style = dict(
            color=colour,
            ls=line,
            marker=marker,
            ms=4,
            markevery=max(units // 8, 1),
            label=_name(o),
            alpha=1.0 if highlight in ("all", o) else 0.2,
        )
        fwd.plot(p.variance, **style)
        bwd.plot(p.grad_norm, **style)
    fwd.set(
        xlabel=_("unit l (0: the stem's output)"),
        ylabel=_("variance of x_l"),
        title=_("forward: the signal"),
    )
    bwd.set(
        xlabel=_("unit l"),
        ylabel="|dE/dx_l| / |dE/dx_N|",
        yscale="log",
        title=_("backward: the gradient"),
    )
    bwd.legend(fontsize=8)
    fig.suptitle(
        str(Text("A stack of {units} units at initialisation", units=units))
    )
    fig.tight_layout()
    return fig


def deep_stack_table(deep: Mapping[str, OrderingProfile]) -> str:
    """HTML: the last unit's variance and mean, and the gradient ratio, per ordering.

    Args:
        deep: ordering -> the profile of its 128-unit stack.
    """
    return html_table(
        (
            _("ordering"),
            _("variance of x_128"),
            _("mean of x_128"),
            "|dE/dx_0| / |dE/dx_128|",
        ),
        [
            (
                _name(o),
                f"{p.variance[-1]:.2f}",
                f"{p.mean[-1]:.2f}",
                f"{p.first_over_last:,.0f}",
            )
            for o, p in deep.items()
        ],
        caption=_("The 128-unit stacks at initialisation"),
    )


@glues(
    "e_slope",
    "e_var",
    "b_var",
    "c_mean0",
    "c_mean",
    "a_zero1",
    "a_zero64",
    "g128_{ordering}",
    "g64_b",
    "g32_b",
)
def ordering_values(
    profiles: Mapping[tuple[str, int], OrderingProfile],
) -> dict[str, str]:
    """The numbers of the stacks that the prose quotes, by glue name.

    Args:
        profiles: (ordering, units) -> its profile, for 32, 64 and 128 units at least.
    """
    deep = {o: profiles[(o, 128)] for o in ORDERINGS}
    e, b = deep["full_preact"], deep["bn_after_add"]
    a, c = deep["original"], deep["relu_before_add"]
    a64 = profiles[("original", 64)]
    values = {
        "e_slope": f"{(e.variance[-1] - e.variance[0]) / 128:.2f}",
        "e_var": f"{e.variance[-1]:.0f}",
        "b_var": f"{max(b.variance):.2f}",
        "c_mean0": f"{c.mean[0]:.2f}",
        "c_mean": f"{c.mean[-1]:.0f}",
        "a_zero1": f"{100 * a.zero_fraction[1]:.0f}",
        "a_zero64": f"{100 * a64.zero_fraction[-1]:.0f}",
    }
    for o in ORDERINGS:
        values[f"g128_{o}"] = f"{deep[o].first_over_last:,.0f}"
    for n, key in ((64, "g64_b"), (32, "g32_b")):
        values[key] = f"{profiles[('bn_after_add', n)].first_over_last:,.0f}"
    return values


def ratio_figure(
    profiles: Mapping[tuple[str, int], OrderingProfile], units: Sequence[int]
) -> Figure:
    """``|dE/dx_0| / |dE/dx_N|`` against the number of units N, per ordering."""
    fig, ax = plt.subplots()
    for o in ORDERINGS:
        colour, line, marker = STYLE[o]
        ax.plot(
            units,
            [profiles[(o, n)].first_over_last for n in units],
            color=colour,
            ls=line,
            marker=marker,
            label=_name(o),
        )
    ax.set(
        xscale="log",
        yscale="log",
        xlabel=_("units in the stack N"),
        ylabel="|dE/dx_0| / |dE/dx_N|",
        title=_("Gradient at the bottom of the stack, relative to its top"),
    )
    ax.set_xticks(units, [str(n) for n in units])
    ax.legend(fontsize=8)
    return fig


def training_table(errors: Mapping[str, float]) -> str:
    """HTML: our ResNet-110 test error per ordering beside the paper's (Table 2).

    Args:
        errors: ordering -> test error in percent.
    """
    return html_table(
        (_("ordering"), _("our error %"), _("paper's error %")),
        [
            (o, f"{err:.2f}", f"{PREACT_ORDERINGS[o].resnet110:.2f}")
            for o, err in errors.items()
        ],
    )


def size_table(sizes: Mapping[int, tuple[int, int, int]]) -> str:
    """HTML: parameters and multiply-adds of the pre-activation bottleneck nets.

    Args:
        sizes: depth -> (parameters, BatchNorm parameters among them, multiply-adds
            per 32x32 image).
    """
    rows = []
    for depth, (total, bn, macs) in sizes.items():
        n = cifar_depth_to_blocks(depth, "bottleneck")
        paper = PREACT_PARAMS_MILLIONS[f"ResNet-{depth}"]
        rows.append(
            (
                f"ResNet-{depth}",
                f"9 x {n} + 2",
                total,
                total - bn,
                f"{paper}M",
                f"{macs / 1e9:.2f} G",
            )
        )
    return html_table(
        (
            _("network"),
            _("depth"),
            _("parameters"),
            _("without BatchNorm"),
            _("paper (Table 4)"),
            _("multiply-adds per image"),
        ),
        rows,
    )


@glues(
    "p{depth}", "p{depth}_nobn", "p{depth}_m", "p{depth}_nobn_m", "bn{depth}"
)
def size_values(sizes: Mapping[int, tuple[int, int, int]]) -> dict[str, str]:
    """The counts of :func:`size_table` that the prose quotes, by glue name."""
    values = {}
    for depth, (total, bn, _macs) in sizes.items():
        values[f"p{depth}"] = f"{total:,}"
        values[f"p{depth}_nobn"] = f"{total - bn:,}"
        values[f"p{depth}_m"] = f"{total / 1e6:.1f}"
        values[f"p{depth}_nobn_m"] = f"{(total - bn) / 1e6:.1f}"
        values[f"bn{depth}"] = f"{bn:,}"
    return values


def preact_table(results: Mapping[object, PreActResult]) -> str:
    """HTML: the paper's Table 3, original units against full pre-activation."""
    return html_table(
        (
            _("network"),
            _("data set"),
            _("original unit error %"),
            _("pre-activation error %"),
        ),
        [
            (r.name, r.dataset, f"{r.original:.2f}", f"{r.preact:.2f}")
            for r in results.values()
        ],
        caption=_("He et al. 2016b, Table 3 (test error)"),
    )


def projection_report(reads_preactivated: bool, reads_x: bool) -> str:
    """Two lines: whether the projection read ``relu(bn1(x))``, and whether ``x``."""
    return "\n".join(
        (
            str(
                Text(
                    "the projection reads relu(bn1(x)): {same}",
                    same=reads_preactivated,
                )
            ),
            str(
                Text("the projection reads x:           {same}", same=reads_x)
            ),
        )
    )


def final_layers(model: ResNet) -> Text:
    """The sentence naming what follows a pre-activation network's last stage."""
    return Text(
        "{norm} ({params} parameters), then {pool} and {fc}",
        norm=" -> ".join(
            type(m).__name__ for m in model.final_norm.children()
        ),
        params=count_params(model.final_norm),
        pool=type(model.avgpool).__name__,
        fc=type(model.fc).__name__,
    )
