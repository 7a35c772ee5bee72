"""Counting a block's parameters: the sentence a right count gets, the mistakes people
make counting (as :class:`~.harness.Mistake` data), and how far another count is.

Shared by the block checkers of the architecture chapters and of the chapters after 2015.
"""

from __future__ import annotations

from ..i18n import N_, Text, _
from .feedback import Message, QuestionError
from ..counting import Count
from .harness import Mistake, Otherwise


def check_part(part: str) -> None:
    """The question counts ``"conv"`` (main-path convolution weights) or ``"total"``."""
    if part not in ("conv", "total"):
        raise QuestionError(f"part must be 'conv' or 'total'; got {part!r}")


def looks_like(answer: int, what: Message, hint: Message) -> Mistake:
    """A count that ``what`` gives: "{answer} is not right: it looks like {what}."."""
    return Mistake(
        answer,
        Text(
            "{value:,} is not right: it looks like {what}.",
            value=answer,
            what=what,
        ),
        hint,
    )


def how_far(block: Message, hint: Message) -> Otherwise:
    """What a count that no mistake explains gets: whether it is close to the right one
    (within :data:`~.harness.CLOSE`) or far, and ``hint``."""
    return Otherwise(
        N_("{value:,} is far from the right count for the {block}."),
        hint,
        {"block": block},
        close=N_("{value:,} is close to the right count for the {block}."),
    )


def counted(block: Message, count: int, part: str) -> Text:
    """What a right count of a block's convolution weights (or parameters) gets."""
    if part == "conv":
        return Text(
            "the {block} has {count:,} convolution weights.",
            block=block,
            count=count,
        )
    return Text(
        "the {block} has {count:,} parameters.", block=block, count=count
    )


def bn_included(answer: int) -> Mistake:
    return looks_like(
        answer,
        _("you included the BatchNorm parameters"),
        _("the question asks for convolution weights only"),
    )


def shortcut_included(answer: int) -> Mistake:
    return looks_like(
        answer,
        _("you included the projection shortcut"),
        _("the question asks for the main path only"),
    )


def only_conv(answer: int) -> Mistake:
    return looks_like(
        answer,
        _("you counted only the convolution weights"),
        _("add BatchNorm's scale and shift (2 per channel) and the shortcut"),
    )


def running_stats(answer: int) -> Mistake:
    return looks_like(
        answer,
        _("you counted BatchNorm's running mean and variance"),
        _(
            "running statistics are buffers, not learnable parameters: 2 "
            "parameters per channel, not 4"
        ),
    )


def one_per_channel(answer: int) -> Mistake:
    return looks_like(
        answer,
        _("you counted one parameter per BatchNorm channel"),
        _("BatchNorm learns a scale AND a shift per channel"),
    )


def middle_1x1(answer: int) -> Mistake:
    return looks_like(
        answer,
        _("you treated the middle convolution as 1x1"),
        _("the middle convolution is 3x3: 9 weights per input-output pair"),
    )


def conv_part(c: Count, whole: Mistake) -> list[Mistake]:
    """Counting more than a block's main-path convolution weights: its BatchNorms, its
    projection shortcut, or ``whole`` (the whole block)."""
    return [
        bn_included(c.conv + c.bn),
        shortcut_included(c.conv + c.shortcut),
        whole,
    ]


def keeps_width(answer: int, hint: Message) -> Mistake:
    return looks_like(
        answer, _("your last 1x1 convolution keeps the width"), hint
    )
