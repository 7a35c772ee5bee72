"""What ``book/residual-learning.md`` shows: a block that starts as the
identity, residual and plain stacks learning a near-identity map, and the
three shortcut options A, B and C."""

from __future__ import annotations

from typing import Mapping

from matplotlib.figure import Figure

from ...experiments.identity_learning import IdentityRun
from ...i18n import Text, _
from ..notebook import glues
from ..tables import html_table

#: the stacks' names, as the legend and the printed lines say them
_KIND = {"residual": Text("residual"), "plain": Text("plain")}


def gap_lines(res_gap: float, plain_gap: float, mean: float) -> str:
    """How far each block's output is from its input at initialisation
    (``max |block(x) - x|``), and the scale of the input (``mean |x|``)."""
    lines = (
        Text("residual block: max |block(x) - x| = {gap}", gap=res_gap),
        Text("plain block:    max |block(x) - x| = {gap:.3f}", gap=plain_gap),
        Text("(mean |x| = {mean:.3f})", mean=mean),
    )
    return "\n".join(str(line) for line in lines)


@glues("res_gap", "plain_gap")
def gap_values(res_gap: float, plain_gap: float) -> dict[str, str]:
    """The prose's numbers: both gaps (``res_gap``, ``plain_gap``)."""
    return {"res_gap": f"{res_gap:g}", "plain_gap": f"{plain_gap:.2f}"}


def identity_figure(runs: Mapping[str, IdentityRun]) -> Figure:
    """The training loss of each stack (``"residual"``, ``"plain"``: runs of
    8 blocks), on a log scale."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    for name, run in runs.items():
        label = Text("{kind} stack (8 blocks)", kind=_KIND[name])
        ax.plot(run.losses, label=str(label))
    ax.set_yscale("log")
    ax.set(
        xlabel=_("training step"),
        ylabel=_("mean squared error"),
        title=_("Learning x -> x + 0.1 g(x)"),
    )
    ax.legend()
    return fig


def identity_lines(
    runs: Mapping[str, IdentityRun], final: Mapping[str, float]
) -> str:
    """A line per stack: its first loss and ``final[name]``, the mean of its
    last steps' losses."""
    return "\n".join(
        str(
            Text(
                "{kind:8s}: first loss {first:.3f}, mean of the last 20 "
                "steps {last:.4f}",
                kind=_KIND[name],
                first=run.losses[0],
                last=final[name],
            )
        )
        for name, run in runs.items()
    )


@glues("id_res_final", "id_plain_final", "id_ratio")
def identity_values(final: Mapping[str, float]) -> dict[str, str]:
    """The prose's numbers: each stack's final loss and their ratio."""
    return {
        "id_res_final": f"{final['residual']:.3f}",
        "id_plain_final": f"{final['plain']:.3f}",
        "id_ratio": f"{final['plain'] / final['residual']:.0f}",
    }


def shortcut_modules_table(options: Mapping[str, Mapping[str, object]]) -> str:
    """What each shortcut option builds for a block that doubles the channels.

    Args:
        options: ``"A"``, ``"B"``, ``"C"`` -> ``{"module": class name,
            "output": shape as a string, "opening": parameters of the opening
            block's shortcut, "inner": of an inner block's}``.
    """
    return html_table(
        (
            _("option"),
            _("shortcut module"),
            _("output of (2, 16, 32, 32)"),
            _("shortcut parameters, opening block"),
            _("inner block"),
        ),
        [
            (o, v["module"], v["output"], v["opening"], v["inner"])
            for o, v in options.items()
        ],
    )


def option_title(option: str) -> str:
    """A diagram's title: "option A"."""
    return str(Text("option {option}", option=option))


def options_table(
    params: Mapping[str, int], paper_top1: Mapping[str, float]
) -> str:
    """ResNet-34's parameters with each shortcut option, what it adds to
    option A, and the paper's top-1 error (``paper_top1``, percent)."""
    return html_table(
        (
            _("option"),
            _("ResNet-34 parameters"),
            _("extra vs A"),
            _("paper: top-1 error %"),
        ),
        [
            (o, params[o], params[o] - params["A"], f"{paper_top1[o]:.2f}")
            for o in params
        ],
    )


@glues("c_extra", "b_extra", "ac_gap", "ab_gap")
def options_values(
    params: Mapping[str, int], paper_top1: Mapping[str, float]
) -> dict[str, str]:
    """The prose's numbers: the millions of parameters B and C add to A, and
    how much lower the paper's top-1 error is with C and with B."""
    return {
        "c_extra": f"{(params['C'] - params['A']) / 1e6:.1f}",
        "b_extra": f"{(params['B'] - params['A']) / 1e6:.2f}",
        "ac_gap": f"{paper_top1['A'] - paper_top1['C']:.2f}",
        "ab_gap": f"{paper_top1['A'] - paper_top1['B']:.2f}",
    }
