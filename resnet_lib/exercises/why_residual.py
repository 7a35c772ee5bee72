"""Checkers for the chapter on why residual networks train."""

from __future__ import annotations

import math

from ..i18n import N_, Text, _
from .feedback import Feedback, Question, QuestionError, checker, read_number
from .harness import Mistake, Otherwise, Table, judge, table, tabled

PATHS = Question(N_("number of paths"), "answer = math.comb(n, k)")
MEAN = Question(
    N_("mean path length"), "answer = 9 / 4", integer=False, rel=1e-9
)
SHAPE = Question(N_("number of blocks"), "answer = 5")


def _blocks(depth: int) -> int:
    if (depth - 2) % 6:
        raise QuestionError(
            f"CIFAR ResNets are 6n+2 deep (20, 32, 44, 56, 110, ...); got {depth}"
        )
    return (depth - 2) // 2


def _paths_table(depth: int, length: int) -> Table:
    """The right count of :func:`check_path_count` and the counts its mistakes give."""
    n = _blocks(depth)
    candidates = [
        Mistake(
            2**n,
            Text(
                "{value:,} = 2^{n} counts every path, of every length",
                value=2**n,
                n=n,
            ),
            Text(
                "count only the ways to choose {length} of the {n} blocks",
                length=length,
                n=n,
            ),
        ),
        Mistake(
            math.perm(n, length),
            Text(
                "{value:,} counts ordered choices, but a path runs its blocks "
                "in the network's order",
                value=math.perm(n, length),
            ),
            _("divide by the number of orderings of the chosen blocks"),
        ),
    ]
    blocks = Text(
        "a path uses or skips whole blocks: ResNet-{depth} has "
        "({depth} - 2) / 2 = {n} of them",
        depth=depth,
        n=n,
    )
    if length <= depth:
        candidates.append(
            Mistake(
                math.comb(depth, length),
                Text(
                    "{value:,} = C({n}, {length}) chooses among the {n} layers",
                    value=math.comb(depth, length),
                    n=depth,
                    length=length,
                ),
                blocks,
            )
        )
    if length <= depth - 2:
        candidates.append(
            Mistake(
                math.comb(depth - 2, length),
                Text(
                    "{value:,} = C({n}, {length}) chooses among the {n} "
                    "weighted layers of the blocks",
                    value=math.comb(depth - 2, length),
                    n=depth - 2,
                    length=length,
                ),
                blocks,
            )
        )
    expected = math.comb(n, length)
    return table(
        expected,
        Text(
            "C({n}, {length}) = {expected:,}: each of those paths picks "
            "{length} of the {n} blocks, in the one order the network "
            "runs them.",
            n=n,
            length=length,
            expected=expected,
        ),
        candidates,
        shared="first",
        otherwise=Otherwise(
            N_(
                "{value:,} is not the number of paths that use {length} of {n} blocks"
            ),
            _(
                "a path is a choice, for every block, of its residual branch or "
                "its shortcut"
            ),
            {"length": length, "n": n},
        ),
    )


@tabled(_paths_table, PATHS)
@checker
def check_path_count(answer, depth: int = 56, length: int = 13) -> Feedback:
    """How many of the paths through the CIFAR ResNet of ``depth`` layers use exactly
    ``length`` residual blocks."""
    return judge(answer, PATHS, _paths_table(depth, length))


def _mean_table(depth: int) -> Table[float]:
    """The right mean of :func:`check_mean_path_length` and the numbers its mistakes give."""
    n = _blocks(depth)
    layers = Text("ResNet-{depth} has {n} blocks", depth=depth, n=n)
    return table(
        n / 2,
        Text(
            "{n} / 2 = {expected:g} blocks: every block is used by exactly "
            "half of the 2^{n} paths, so a path uses {n} x 1/2 blocks on "
            "average (a binomial mean).",
            n=n,
            expected=n / 2,
        ),
        [
            Mistake(
                float(n),
                Text(
                    "{value:g} is the longest path (every residual branch), "
                    "not the mean",
                    value=float(n),
                ),
                _("each block is used by half of the paths"),
                shows="value",
            ),
            *(
                Mistake(
                    wrong,
                    Text(
                        "{value:g} counts layers; the question counts "
                        "residual blocks",
                        value=wrong,
                    ),
                    layers,
                    shows="value",
                )
                for wrong in (depth / 2, float(depth))
            ),
        ],
        shared="first",
        otherwise=Otherwise(
            N_("{value:g} is not the mean number of blocks on a path"),
            _(
                "sum k x C(n, k) over k and divide by 2^n, or think of each "
                "block separately"
            ),
        ),
    )


@tabled(_mean_table, MEAN)
@checker
def check_mean_path_length(answer, depth: int = 56) -> Feedback:
    """The mean length, in residual blocks, of the paths through a CIFAR ResNet
    (right, and each mistake named, up to a relative 1e-9: ``MEAN``'s tolerance)."""
    return judge(
        answer, MEAN, _mean_table(depth), shown=float, read=read_number
    )


def _shape_table(depth: int) -> Table:
    """The right count of :func:`check_shape_changing_blocks` and its one mistake."""
    _blocks(depth)
    return table(
        2,
        _(
            "2: the first blocks of the second and third stages halve the "
            "map and double the channels; the first stage keeps the "
            "stem's 16 channels."
        ),
        [
            Mistake(
                3,
                _(
                    "the first block of the first stage keeps the shape: the "
                    "stem already outputs 16 channels at 32x32"
                ),
                _("count the stages whose first block has stride 2"),
            )
        ],
        otherwise=Otherwise(
            N_("{value} is not the number of blocks that change the shape"),
            _(
                "a CIFAR ResNet has three stages; look at where the map size "
                "changes"
            ),
        ),
    )


@tabled(_shape_table, SHAPE)
@checker
def check_shape_changing_blocks(answer, depth: int = 56) -> Feedback:
    """How many blocks of the CIFAR ResNet change the shape of the signal (the ones
    whose deletion hurts most in the lesion study)."""
    return judge(answer, SHAPE, _shape_table(depth))
