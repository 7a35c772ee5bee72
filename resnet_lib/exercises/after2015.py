"""Checkers for the chapters after 2015: identity mappings and pre-activation (He et al.
2016b), ResNeXt and Wide ResNet.

Every expected answer is computed by the library (the unit orderings are told apart by
running them, the counts come from :mod:`resnet_lib.counting`), never typed in here.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from typing import Any, Optional

import torch

from ..counting import Count, block_params
from ..i18n import N_, Text, _
from ..nn.blocks import ORDERINGS
from ..nn.models import cifar_depth_to_blocks
from .feedback import (
    Feedback,
    Message,
    Question,
    QuestionError,
    checker,
    describe,
    fmt,
    read_number,
)
from . import counts
from .harness import (
    Mistake,
    Otherwise,
    Table,
    Value,
    chosen,
    judge,
    table,
    tabled,
)

PARAMS = Question(N_("parameter count"), "answer = 64 * 32 + 3 * 3 * 32 * 32")
UNITS = Question(N_("number of residual units"), "answer = (110 - 2) // 2")
WIDTH = Question(N_("bottleneck width d"), "answer = 10")

#: Figure 4's letters, in the order of ORDERINGS
LETTERS = dict(zip("abcde", ORDERINGS))
#: what the paper calls each ordering (Table 2), and other spellings, normalised
_ALIASES = {
    **{name.replace("_", ""): name for name in ORDERINGS},
    "originalresidualunit": "original",
    "originalunit": "original",
    "bnafteraddition": "bn_after_add",
    "relubeforeaddition": "relu_before_add",
    "reluonlypreactivation": "relu_preact",
    "reluonlypreact": "relu_preact",
    "fullpreactivation": "full_preact",
}
#: why an ordering's path is not clean (translated where shown)
_WHY_NOT_CLEAN = {
    "original": N_(
        "a ReLU follows the addition: f(y) = relu(y) clips every "
        "negative value of x + F(x), so x_{l+1} is not x_l + F(x_l)"
    ),
    "bn_after_add": N_(
        "BatchNorm follows the addition: it rescales the sum, "
        "shortcut included, by the batch's statistics at every unit"
    ),
}


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _one_ordering(token: str) -> Optional[list[str]]:
    """The ordering(s) one token names: a name, the paper's name, or Figure 4's letters."""
    key = _key(token)
    if key in _ALIASES:
        return [_ALIASES[key]]
    m = re.fullmatch(r"(?:fig(?:ure)?)?4?([a-e]+)", key)
    if m and len(set(m.group(1))) == len(m.group(1)):
        return [LETTERS[c] for c in m.group(1)]
    return None


def _read_orderings(
    answer: Any,
) -> tuple[Optional[set[str]], Optional[Message]]:
    """The set of orderings an answer names, or ``(None, why not)``."""
    if answer is None:
        return None, _("your answer is still None")
    if isinstance(answer, str):
        # full-width letters and commas (a Chinese keyboard's) as ASCII
        answer = unicodedata.normalize("NFKC", answer)
        pieces = [
            p
            for p in re.split(r"[,;/+&]|\band\b", answer)
            if p.strip() and _key(p)
        ]
    elif isinstance(answer, (list, tuple, set, frozenset)):
        pieces = list(answer)
        bad = [p for p in pieces if not isinstance(p, str)]
        if bad:
            return None, Text(
                "item {item} of your answer is not a name or a letter in "
                "quotes",
                item=describe(bad[0]),
            )
    else:
        return None, Text(
            "you passed {answer} where a list of orderings goes",
            answer=describe(answer),
        )
    found: set[str] = set()
    for piece in pieces:
        named = _one_ordering(piece)
        if named is None and " " in piece.strip():
            parts = [_one_ordering(w) for w in piece.split()]
            if all(p is not None for p in parts):
                named = [o for p in parts if p for o in p]
        if named is None:
            return None, Text(
                "{name} names none of the five orderings",
                name=repr(piece.strip()),
            )
        found |= set(named)
    return found, None


@lru_cache(maxsize=1)
def _clean_orderings() -> frozenset[str]:
    """The orderings whose unit passes ``x`` unchanged when its branch is zero, found by
    running each one on an input with both signs."""
    from ..experiments.unit_orderings import zero_branch_output

    x = torch.randn(4, 8, 4, 4, generator=torch.Generator().manual_seed(0))
    return frozenset(
        o for o in ORDERINGS if torch.equal(zero_branch_output(o, x), x)
    )


#: what a reader may type for each of Figure 4's letters (its letter, "4e", the
#: library's name, the paper's), for a page that asks about every choice
_TYPED = {
    **{letter: letter for letter in LETTERS},
    **{f"4{letter}": letter for letter in LETTERS},
    **{
        key: letter
        for key, name in _ALIASES.items()
        for letter, o in LETTERS.items()
        if o == name
    },
}


@chosen(tuple(LETTERS), _TYPED)
@checker
def check_clean_orderings(answer) -> Feedback:
    """Which unit orderings of He et al. 2016b's Figure 4 make ``f`` an identity, so that
    ``x_{l+1} = x_l + F(x_l)`` (eq. 3)?

    Accepts names of ``resnet_lib.nn.blocks.ORDERINGS`` (``"full_preact"``), the paper's
    names (``"full pre-activation"``) or Figure 4's letters (``"e"``, ``"(e)"``,
    ``"4(e)"``), as a list, a tuple, a set or one string (``"c, d, e"``).
    """
    got, problem = _read_orderings(answer)
    allowed = _(
        "name them as a list, e.g. ['a', 'b'] (Figure 4's letters) or "
        "['original', 'bn_after_add'] (the library's names)"
    )
    if problem is not None or got is None:
        return Feedback.wrong(problem or _("no answer"), allowed)
    clean = _clean_orderings()
    letters = {o: f"({k})" for k, o in LETTERS.items()}
    named = ", ".join(letters[o] + " " + o for o in ORDERINGS if o in clean)
    if got == clean:
        return Feedback.right(
            Text(
                "{named}: nothing follows the addition, so every unit adds "
                "its F(x_l) to an untouched x_l and eqs. 4 and 5 hold.",
                named=named,
            )
        )
    if not got:
        return Feedback.wrong(_("you named no ordering"), allowed)
    extra = [o for o in ORDERINGS if o in got - clean]
    missing = [o for o in ORDERINGS if o in clean - got]
    if extra:
        o = extra[0]
        return Feedback.wrong(
            Text(
                "{letter} {ordering} does not keep the path clean: {why}.",
                letter=letters[o],
                ordering=o,
                why=_(_WHY_NOT_CLEAN[o]),
            ),
            _("look at what each unit does after its addition"),
        )
    o = missing[0]
    hint = {
        "relu_before_add": _(
            "(c) moves the ReLU onto the branch, before the addition: "
            "F(x) >= 0, a poor residual, but the path itself is clean"
        ),
        "relu_preact": _(
            "(d) has its ReLU before the first convolution, on the branch "
            "only: nothing follows its addition"
        ),
        "full_preact": _(
            "(e), full pre-activation, has nothing after its addition"
        ),
    }[o]
    return Feedback.wrong(
        Text(
            "you left out {letter} {ordering}.", letter=letters[o], ordering=o
        ),
        hint,
    )


def _preact_table(
    in_channels: int, planes: int, stride: int, part: str
) -> Table:
    """The right count of :func:`check_preact_unit_params` and its mistakes' counts."""
    counts.check_part(part)
    c = block_params(
        "bottleneck", in_channels, planes, stride, "B", ordering="full_preact"
    )
    out = 4 * planes
    bn_post = 2 * (planes + planes + out)
    if part == "conv":
        whole = counts.looks_like(
            c.total,
            _("you counted the whole unit"),
            _("count only the three convolutions of the main path"),
        )
        candidates = counts.conv_part(c, whole)
    else:
        candidates = [
            counts.only_conv(c.conv),
            counts.looks_like(
                c.total - c.shortcut,
                _("you left out the projection shortcut"),
                _(
                    "the shape changes here, so the shortcut is a 1x1 "
                    "convolution with weights of its own"
                ),
            ),
            counts.looks_like(
                c.total - c.bn + bn_post,
                _(
                    "you put the BatchNorms after the convolutions, as in "
                    "the original unit"
                ),
                Text(
                    "a pre-activation unit normalises the input of each "
                    "convolution: {in_channels}, {planes} and {planes} "
                    "channels",
                    in_channels=in_channels,
                    planes=planes,
                ),
            ),
            counts.looks_like(
                c.total + 2 * out,
                _("you gave the projection shortcut a BatchNorm"),
                _(
                    "in a pre-activation unit the projection is a bare 1x1 "
                    "convolution: it reads the already normalised input"
                ),
            ),
            counts.looks_like(
                c.total - c.bn + bn_post + 2 * out,
                _(
                    "you counted the original unit's layout (BatchNorm "
                    "after every convolution and on the shortcut)"
                ),
                _(
                    "pre-activation: BN-ReLU before each convolution, none "
                    "on the shortcut"
                ),
            ),
            counts.running_stats(c.total + c.bn),
            counts.one_per_channel(c.total - c.bn // 2),
        ]
    extra = c.total - c.conv if part == "total" else 0
    candidates += [
        counts.middle_1x1(
            c.conv - 9 * planes * planes + planes * planes + extra
        ),
        counts.keeps_width(
            c.conv - planes * out + planes * planes + extra,
            Text(
                "the last 1x1 convolution expands by 4: {planes} -> {out}",
                planes=planes,
                out=out,
            ),
        ),
    ]
    expected = c.conv if part == "conv" else c.total
    described = _preact_unit(in_channels, planes, stride)
    return table(
        expected,
        counts.counted(described, expected, part),
        candidates,
        otherwise=counts.how_far(
            described,
            _(
                "write the count per layer: a k x k convolution from C_in to "
                "C_out channels has k*k*C_in*C_out weights, a BatchNorm over C "
                "channels 2*C parameters"
            ),
        ),
    )


def _preact_unit(in_channels: int, planes: int, stride: int) -> Text:
    return Text(
        "pre-activation bottleneck unit ({in_channels} -> {planes} -> {out} "
        "channels, stride {stride})",
        in_channels=in_channels,
        planes=planes,
        out=4 * planes,
        stride=stride,
    )


@tabled(_preact_table, PARAMS)
@checker
def check_preact_unit_params(
    answer,
    in_channels: int = 64,
    planes: int = 32,
    stride: int = 2,
    part: str = "total",
) -> Feedback:
    """Parameters of one full pre-activation bottleneck unit (ResNet-164, ResNet-1001).

    The unit normalises its *input* (``bn1`` over ``in_channels``) and the inputs of its
    3x3 and last 1x1, and a projection shortcut (where the shape changes) is a bare 1x1
    convolution, as in the authors' code. ``part``: ``"total"`` (everything learnable)
    or ``"conv"`` (main-path convolution weights only).
    """
    counts.check_part(part)
    return judge(
        answer,
        PARAMS,
        lambda: _preact_table(in_channels, planes, stride, part),
    )


def _units_table(depth: int, per: str) -> Table:
    """The right answer of :func:`check_unit_count` and the numbers its mistakes give."""
    if per not in ("network", "stage"):
        raise QuestionError(f"per must be 'network' or 'stage'; got {per!r}")
    try:
        n = cifar_depth_to_blocks(depth, "bottleneck")
    except ValueError as err:
        raise QuestionError(str(err)) from None
    candidates = [
        (
            n,
            Text("{units} is the number of units in ONE stage", units=n),
            _("the network has three stages (16, 32 and 64 channels wide)"),
        ),
        (
            3 * n,
            Text(
                "{units} is the number of units in the whole network",
                units=3 * n,
            ),
            _("the question asks for one stage"),
        ),
        (
            depth - 2,
            Text(
                "{layers} counts weighted layers, not units", layers=depth - 2
            ),
            _("each bottleneck unit has three weighted layers"),
        ),
        (
            3 * 3 * n,
            Text("{layers} counts the layers of the units", layers=9 * n),
            _("divide by the three weighted layers of a bottleneck unit"),
        ),
    ]
    if (depth - 2) % 6 == 0:
        m = (depth - 2) // 6
        basic = 3 * m if per == "network" else m
        candidates.append(
            (
                basic,
                Text(
                    "{units} is what 6n+2 gives (units of two 3x3 layers)",
                    units=basic,
                ),
                _("these are bottleneck units of three layers: depth = 9n+2"),
            )
        )
    return table(
        3 * n if per == "network" else n,
        Text(
            "{depth} = 9 x {n} + 2: three stages of {n} units of three "
            "weighted layers each, {units} units in all, plus the stem "
            "and the fc layer.",
            depth=depth,
            n=n,
            units=3 * n,
        ),
        [
            Mistake(v, Text("{value}: {what}.", value=v, what=what), hint)
            for v, what, hint in candidates
        ],
        otherwise=Otherwise(
            N_(
                "{value} is not the number of units of ResNet-{depth} per stage."
            )
            if per == "stage"
            else N_("{value} is not the number of units of ResNet-{depth}."),
            _(
                "depth = 1 (stem) + 3 stages x n units x 3 layers + 1 (fc) = 9n + 2"
            ),
            {"depth": depth},
        ),
    )


@tabled(_units_table, UNITS)
@checker
def check_unit_count(
    answer, depth: int = 164, per: str = "network"
) -> Feedback:
    """Residual units of a 9n+2 pre-activation bottleneck CIFAR network (He et al. 2016b):
    in the whole network (``per="network"``) or in each of its three stages."""
    return judge(answer, UNITS, _units_table(depth, per))


# ------------------------------------------------------------ ResNeXt and Wide ResNet


def _resnext_table(
    in_channels: int,
    planes: int,
    groups: int,
    width_per_group: int,
    stride: int,
    part: str,
) -> Table:
    """The right count of :func:`check_resnext_block_params` and its mistakes' counts."""
    counts.check_part(part)
    try:
        c = block_params(
            "bottleneck",
            in_channels,
            planes,
            stride,
            groups=groups,
            width_per_group=width_per_group,
        )
    except ValueError as err:
        raise QuestionError(str(err)) from None
    expected = c.conv if part == "conv" else c.total
    width = int(planes * width_per_group / 64) * groups
    out = 4 * planes
    extra = c.total - c.conv if part == "total" else 0
    d = width // groups
    one_path = in_channels * d + 9 * d * d + d * out
    candidates = [
        counts.looks_like(
            c.conv + 9 * width * width - 9 * width * width // groups + extra,
            _("you counted the 3x3 as an ordinary (ungrouped) convolution"),
            Text(
                "in {groups} groups each output channel reads only {d} input "
                "channels: {formula}",
                groups=groups,
                d=d,
                formula=f"3*3*{d}*{width}",
            ),
        ),
        counts.looks_like(
            one_path + extra,
            _("you counted one of the paths"),
            Text(
                "the block aggregates {groups} paths (or: its convolutions "
                "are {width} channels wide, not {d})",
                groups=groups,
                width=width,
                d=d,
            ),
        ),
        counts.looks_like(
            c.conv - 9 * width * width // groups + 9 * d * d + extra,
            _("your 3x3 is one group's kernel only"),
            Text(
                "there are {groups} groups of {formula} weights",
                groups=groups,
                formula=f"3*3*{d}*{d}",
            ),
        ),
        counts.keeps_width(
            c.conv - width * out + width * width + extra,
            Text(
                "the last 1x1 convolution expands to 4 x {planes} = {out}",
                planes=planes,
                out=out,
            ),
        ),
    ]
    if part == "conv":
        candidates.append(counts.bn_included(c.conv + c.bn))
    else:
        candidates += [
            counts.looks_like(
                c.conv,
                _("you counted only the convolution weights"),
                _("add BatchNorm's scale and shift, 2 per channel"),
            ),
            counts.looks_like(
                c.total + c.bn,
                _("you counted BatchNorm's running mean and variance"),
                _("running statistics are buffers, not learnable parameters"),
            ),
        ]
        if c.shortcut:
            candidates.append(
                counts.looks_like(
                    c.total - c.shortcut,
                    _("you left out the projection shortcut"),
                    _(
                        "the shape changes here: a 1x1 convolution and a "
                        "BatchNorm on the shortcut"
                    ),
                )
            )
    block = _resnext_block(in_channels, planes, groups, width_per_group)
    formula = f"3*3*{d}*{width}"
    weights = 9 * width * width // groups
    return table(
        expected,
        Text(
            "the {block} has {count:,} convolution weights; its grouped "
            "3x3 has {formula} = {weights:,} of them.",
            block=block,
            count=expected,
            formula=formula,
            weights=weights,
        )
        if part == "conv"
        else Text(
            "the {block} has {count:,} parameters; its grouped 3x3 has "
            "{formula} = {weights:,} of them.",
            block=block,
            count=expected,
            formula=formula,
            weights=weights,
        ),
        candidates,
        otherwise=counts.how_far(
            block,
            _(
                "a k x k convolution in g groups from C_in to C_out channels "
                "has k*k*(C_in/g)*C_out weights"
            ),
        ),
    )


def _resnext_block(
    in_channels: int, planes: int, groups: int, width_per_group: int
) -> Text:
    return Text(
        "{groups}x{width_per_group}d block ({in_channels} -> {width} in "
        "{groups} groups -> {out})",
        groups=groups,
        width_per_group=width_per_group,
        in_channels=in_channels,
        width=int(planes * width_per_group / 64) * groups,
        out=4 * planes,
    )


@tabled(_resnext_table, PARAMS)
@checker
def check_resnext_block_params(
    answer,
    in_channels: int = 256,
    planes: int = 64,
    groups: int = 32,
    width_per_group: int = 4,
    stride: int = 1,
    part: str = "conv",
) -> Feedback:
    """Parameters of one ResNeXt bottleneck block, torchvision's layout: the 3x3 has
    ``W = int(planes * width_per_group / 64) * groups`` channels in ``groups`` groups.

    ``part``: ``"conv"`` (main-path convolution weights) or ``"total"`` (convolutions,
    BatchNorm and a projection shortcut where the shape changes).
    """
    return judge(
        answer,
        PARAMS,
        _resnext_table(
            in_channels, planes, groups, width_per_group, stride, part
        ),
    )


def template_cost(
    cardinality: int, width: int, in_channels: int = 256, planes: int = 64
) -> Count:
    """Parameters of the bottleneck block ``cardinality x width d`` (Xie et al. 2017's
    template: ``C * (C_in*d + 3*3*d*d + d*C_out)`` convolution weights)."""
    return block_params(
        "bottleneck",
        in_channels,
        planes,
        groups=cardinality,
        width_per_group=width,
    )


def equal_cost_width(
    cardinality: int, in_channels: int = 256, planes: int = 64
) -> int:
    """The width ``d`` whose ``cardinality x d`` block has the convolution weights closest
    to the ResNet block's (``1 x 64d``): the integer nearest in cost, not in ``d``."""
    target = template_cost(1, 64, in_channels, planes).conv
    best, best_gap = 1, math.inf
    d = 1
    while True:
        gap = abs(
            template_cost(cardinality, d, in_channels, planes).conv - target
        )
        if gap < best_gap:
            best, best_gap = d, gap
        elif template_cost(cardinality, d, in_channels, planes).conv > target:
            return best
        d += 1


def _group_width_table(cardinality: int, in_channels: int) -> Table[int]:
    """The right width of :func:`check_group_width` and the widths its mistakes give."""
    if (
        isinstance(cardinality, bool)
        or not isinstance(cardinality, int)
        or cardinality < 1
    ):
        raise QuestionError(
            f"cardinality must be a positive integer; got {cardinality!r}"
        )
    expected = equal_cost_width(cardinality, in_channels)
    target = template_cost(1, 64, in_channels).conv
    cost = template_cost(cardinality, expected, in_channels).conv

    def mine(d: int) -> int:
        return template_cost(cardinality, d, in_channels).conv

    # in the order the checker once tried them: the first of two on one number stands;
    # none below 1, which is no width (the checker says so of any such number)
    candidates = [
        Mistake(
            expected * cardinality,
            Text(
                "{d} is the grouped 3x3's whole width, C x d",
                d=expected * cardinality,
            ),
            Text(
                "the question asks for d, the channels of each of the "
                "{groups} groups",
                groups=cardinality,
            ),
        )
    ]
    if cardinality > 1:
        candidates += [
            Mistake(
                d,
                Text(
                    "with d = {d} the 3x3 keeps ResNet-50's width of 64 in "
                    "all, and the block has only {mine:,} weights against "
                    "{target:,}",
                    d=d,
                    mine=mine(d),
                    target=target,
                ),
                _(
                    "the 1x1 convolutions shrink with C*d too: grow d until "
                    "the whole block costs what ResNet-50's does"
                ),
            )
            for d in (round(64 / cardinality), 64 // cardinality)
            if d >= 1
        ]
        candidates += [
            Mistake(
                d,
                Text(
                    "d = {d} keeps the 3x3's weights equal, but the block has "
                    "{mine:,} weights against {target:,}",
                    d=d,
                    mine=mine(d),
                    target=target,
                ),
                _(
                    "the two 1x1 convolutions grow with C*d: count the whole "
                    "block"
                ),
            )
            for d in (round(64 / math.sqrt(cardinality)),)
            if d >= 1
        ]
    candidates += [
        Mistake(
            d,
            Text(
                "close: {block} has {mine:,} weights, {best} has {cost:,}; "
                "the target is {target:,}",
                block=Text("{cardinality}x{d}d", cardinality=cardinality, d=d),
                mine=mine(d),
                best=f"{cardinality}x{expected}d",
                cost=cost,
                target=target,
            ),
            _("take the width whose block is closest in cost"),
        )
        for d in (expected - 1, expected + 1)
        if d >= 1
    ]
    return table(
        expected,
        Text(
            "{block}: {formula} = {cost:,} weights, against {target:,} "
            "for ResNet-50's block.",
            block=f"{cardinality}x{expected}d",
            formula=f"{cardinality} * ({in_channels}*{expected} + "
            f"3*3*{expected}*{expected} + {expected}*256)",
            cost=cost,
            target=target,
        ),
        candidates,
        shared="first",
    )


@tabled(_group_width_table, WIDTH)
@checker
def check_group_width(
    answer, cardinality: int = 6, in_channels: int = 256
) -> Feedback:
    """The bottleneck width ``d`` (torchvision's ``width_per_group``) that keeps a block
    of ``cardinality`` groups as costly as ResNet-50's first-stage block (``1 x 64d``),
    to the nearest whole channel (Xie et al. 2017, Table 2's rule).

    The answer is read as a real number, so that a width that is not whole gets its
    own answer; a width matches only exactly (``WIDTH`` asks for a count)."""

    def otherwise(value: Value, question: Table[int]) -> Feedback:
        if value != int(value):
            return Feedback.wrong(
                Text(
                    "{value} is not a whole number of channels",
                    value=fmt(value),
                ),
                _(
                    "no integer d makes the cost exactly equal: compute the "
                    "cost of the integers around your solution and keep the "
                    "closest"
                ),
            )
        d = int(value)
        if d < 1:
            return Feedback.wrong(
                Text("{d} channels per group is no width", d=d), "d >= 1"
            )
        target = template_cost(1, 64, in_channels).conv
        return Feedback.wrong(
            Text(
                "{block} has {mine:,} weights, far from ResNet-50's {target:,}",
                block=Text("{cardinality}x{d}d", cardinality=cardinality, d=d),
                mine=template_cost(cardinality, d, in_channels).conv,
                target=target,
            ),
            Text(
                "solve {equation} for d, then take the nearest whole width",
                equation=f"{cardinality} * ({in_channels}*d + 9*d*d + d*256) = "
                f"{target:,}",
            ),
        )

    return judge(
        answer,
        WIDTH,
        _group_width_table(cardinality, in_channels),
        otherwise,
        read=read_number,
    )
