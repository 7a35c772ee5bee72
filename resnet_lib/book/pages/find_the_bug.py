"""What ``book/find-the-bug.md`` shows: the bank of buggy ResNets, the stage
sizes that give one of them away, and a bug that changes no shape."""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from ...exercises.bugbank import Bug
from ...i18n import Text, _
from ..tables import html_table


def bank_table(bugs: Iterable[Bug]) -> str:
    """One row per exercise of the bank: its bug, chapter and difficulty."""
    return html_table(
        [_("bug"), _("belongs with the chapter"), _("difficulty")],
        [(_(b.title), _(b.chapter), _(b.difficulty)) for b in bugs],
        caption=_("The bank: one exercise per bug"),
    )


def stage_sizes_table(
    bank: Mapping[str, str], library: Mapping[str, str]
) -> str:
    """The bank's CIFAR ResNet beside the library's, stage by stage.

    Args:
        bank, library: stage name -> ``"C x H x W"`` of what it outputs (the
            stages of ``bank``, in its order, make the rows).
    """
    return html_table(
        [_("stage"), _("the bank's CIFAR ResNet"), _("resnet_lib's ResNet-8")],
        [(name, bank[name], library[name]) for name in bank],
        caption=_(
            "Channels x height x width after each stage, for one 32x32 image"
        ),
    )


def comparison_lines(
    shapes: Sequence[Sequence[int]],
    params: Sequence[int],
    largest: float,
) -> str:
    """Three lines comparing two modules run on the same input: their
    output shapes, their parameter counts and the largest difference between
    their outputs.

    Args:
        shapes: (theirs, ours) output shapes.
        params: (theirs, ours) parameter counts.
        largest: the largest absolute difference between the outputs.
    """
    (theirs_shape, ours_shape), (theirs_params, ours_params) = shapes, params
    lines = [
        Text(
            "output shapes: {theirs} and {ours}",
            theirs=str(tuple(theirs_shape)),
            ours=str(tuple(ours_shape)),
        ),
        Text(
            "parameters:    {theirs:,} and {ours:,}",
            theirs=theirs_params,
            ours=ours_params,
        ),
        Text(
            "largest difference between the outputs: {largest:.3f}",
            largest=largest,
        ),
    ]
    return "\n".join(str(line) for line in lines)
