"""Checkers for the gradient and degradation chapters."""

from __future__ import annotations

import math
from functools import lru_cache

from ..i18n import N_, Text, _
from .feedback import (
    Feedback,
    Question,
    QuestionError,
    checker,
    describe,
    fmt,
    read_number,
)
from .harness import Mistake, Otherwise, Table, judge, table, tabled

SWEEP_DEPTH = Question(N_("depth"), "answer = 20")
LAYERS = Question(
    N_("number of layers"), "answer = math.ceil(math.log(a) / math.log(b))"
)
GAP = Question(
    N_("gap in training error"), "answer = error_deep - error_shallow"
)

SWEEP = (8, 14, 20, 26, 32, 38, 44, 50, 56)


@lru_cache(maxsize=8)
def _plain_sweep(seed: int = 0) -> tuple[tuple[int, float], ...]:
    from ..experiments.vanishing_gradients import depth_sweep

    return tuple(depth_sweep(SWEEP, residual=False, seed=seed).items())


def _explosion_table(threshold: float, seed: int) -> Table[int]:
    """The right depth of :func:`check_explosion_depth` and what each other depth of the
    sweep says (a depth past it, one whose ratio is inverted, one not yet there)."""
    ratios = dict(_plain_sweep(seed))
    over = [d for d, r in ratios.items() if r > threshold]
    if not over:
        raise QuestionError(
            f"no depth in the sweep {list(SWEEP)} has a ratio above {threshold:g}"
        )
    expected = over[0]
    wrong: list[Mistake[int]] = []
    for depth, ratio in ratios.items():
        if ratio > threshold:
            wrong.append(
                Mistake(
                    depth,
                    Text(
                        "at depth {depth} the ratio ({ratio:.0f}) does exceed "
                        "{threshold:g}, but a smaller depth already does",
                        depth=depth,
                        ratio=ratio,
                        threshold=threshold,
                    ),
                    _("take the smallest such depth"),
                )
            )
        elif ratio < 1 / threshold:
            wrong.append(
                Mistake(
                    depth,
                    Text(
                        "at depth {depth} the ratio is {ratio:.2g}: you may "
                        "have inverted it",
                        depth=depth,
                        ratio=ratio,
                    ),
                    _(
                        "divide the FIRST layer's gradient norm by the LAST "
                        "layer's"
                    ),
                )
            )
        else:
            wrong.append(
                Mistake(
                    depth,
                    Text(
                        "at depth {depth} the ratio is only {ratio:.1f}",
                        depth=depth,
                        ratio=ratio,
                    ),
                    _("the ratio grows with depth; look further"),
                )
            )
    return table(
        expected,
        Text(
            "depth {depth} is the first whose first-layer gradient is "
            "{ratio:.0f} times its last layer's (> {threshold:g}).",
            depth=expected,
            ratio=ratios[expected],
            threshold=threshold,
        ),
        wrong,
        otherwise=Otherwise(
            N_("{depth} is not one of the depths of the sweep {sweep}"),
            _("depths of these CIFAR networks are 6n+2"),
            {"sweep": str(list(SWEEP))},
            shows="depth",
        ),
    )


@tabled(_explosion_table, SWEEP_DEPTH)
@checker
def check_explosion_depth(
    answer, threshold: float = 100, seed: int = 0
) -> Feedback:
    """The smallest depth of :data:`SWEEP` whose plain BatchNorm net has first/last gradient > threshold."""
    try:
        return judge(
            answer, SWEEP_DEPTH, lambda: _explosion_table(threshold, seed)
        )
    except (
        QuestionError
    ):  # the threshold is the student's to choose: no depth passes it
        return Feedback.wrong(
            _("no depth in the sweep exceeds that threshold"),
            _("try a smaller threshold"),
        )


def _vanishing_table(gain: float, fraction: float) -> Table[int]:
    """The right number of layers of :func:`check_vanishing_layers` and the numbers its
    mistakes give."""
    if not 0 < gain < 1 or not 0 < fraction < 1:
        raise QuestionError(
            f"need 0 < gain < 1 and 0 < fraction < 1; got gain={gain}, fraction={fraction}"
        )
    exact = math.log(fraction) / math.log(gain)
    expected = math.floor(exact) + 1
    short = expected - 1
    wrong = [
        Mistake(
            short,
            Text(
                "{gain}^{layers} = {power:.4f} is not yet below {fraction}",
                gain=gain,
                layers=short,
                power=gain**short,
                fraction=fraction,
            ),
            _("round the logarithm ratio up, not down"),
        )
    ] + [
        Mistake(
            guess,
            Text(
                "{layers} does not come from gain^L < fraction", layers=guess
            ),
            Text(
                "solve L * ln({gain}) < ln({fraction}); mind that ln({gain}) "
                "is negative",
                gain=gain,
                fraction=fraction,
            ),
        )
        for guess in (
            round(math.log(fraction) / math.log(1 - gain)),
            round(1 / (1 - gain)),
        )
    ]
    return table(
        expected,
        Text(
            "{gain}^{layers} = {power:.4f} < {fraction}, while "
            "{gain}^{fewer} = {fewer_power:.4f} is not.",
            gain=gain,
            layers=expected,
            power=gain**expected,
            fraction=fraction,
            fewer=expected - 1,
            fewer_power=gain ** (expected - 1),
        ),
        # fewer than one layer is no answer to the question (see the checker)
        [m for m in wrong if m.answer >= 1],
        shared="first",
    )


@tabled(_vanishing_table, LAYERS)
@checker
def check_vanishing_layers(
    answer, gain: float = 0.9, fraction: float = 0.01
) -> Feedback:
    """The smallest L with ``gain ** L < fraction``."""

    def otherwise(value: int, question: Table[int]) -> Feedback:
        if value < 1:
            return Feedback.wrong(
                Text(
                    "{layers} layers: a number of layers is at least 1",
                    layers=fmt(value),
                ),
                Text(
                    "find the smallest L with {gain}^L < {fraction}",
                    gain=gain,
                    fraction=fraction,
                ),
            )
        template = (
            N_(
                "{gain}^{layers} = {power:.4g}, which is below {fraction}, but "
                "{layers} is not the smallest such L"
            )
            if gain**value < fraction
            else N_("{gain}^{layers} = {power:.4g} is still above {fraction}")
        )
        return Feedback.wrong(
            Text(
                template,
                gain=gain,
                layers=value,
                power=gain**value,
                fraction=fraction,
            ),
            _("L = ln(fraction) / ln(gain), rounded up"),
        )

    return judge(answer, LAYERS, _vanishing_table(gain, fraction), otherwise)


@checker
def check_error_gap(
    answer, result, deep: str = "plain-56", shallow: str = "plain-20"
) -> Feedback:
    """The gap in final *training* error (deep minus shallow, fraction 0..1) of a degradation run.

    A gap within 0.005 of the run's counts (read off a plot, or rounded to three decimals).
    """
    if hasattr(answer, "final_train_error") and not hasattr(
        result, "final_train_error"
    ):
        return Feedback.wrong(
            Text(
                "got {answer} where the answer (a number) goes",
                answer=describe(answer),
            ),
            _("the answer comes first: call check_error_gap(answer, result)"),
        )
    if not hasattr(result, "final_train_error"):
        return Feedback.wrong(
            Text(
                "got {result} where the result of the experiment goes",
                result=describe(result),
            ),
            _(
                "call check_error_gap(answer, result) with the result the "
                "chapter computed"
            ),
        )
    number, problem = read_number(answer, GAP)
    if problem is not None:
        return problem
    assert (
        number is not None
    )  # read_number gives a Number whenever it gives no Feedback
    expected = result.final_train_error(deep) - result.final_train_error(
        shallow
    )

    def close(target: float) -> bool:
        return number.matches(target, rel=1e-6, abs_tol=5e-3)

    if close(expected):
        return Feedback.right(
            Text(
                "{deep} ends with training error {gap:+.3f} relative to "
                "{shallow}: deeper is worse.",
                deep=deep,
                gap=expected,
                shallow=shallow,
            )
            if expected > 0
            else Text(
                "{deep} ends with training error {gap:+.3f} relative to "
                "{shallow}.",
                deep=deep,
                gap=expected,
                shallow=shallow,
            )
        )
    if close(-expected):
        return Feedback.wrong(
            Text(
                "{gap} is the gap subtracted the other way round",
                gap=str(number),
            ),
            Text(
                "compute error({deep}) - error({shallow})",
                deep=deep,
                shallow=shallow,
            ),
        )
    if close(100 * expected):
        return Feedback.wrong(
            Text("{gap} is the gap in percentage points", gap=str(number)),
            _("give it as a fraction between -1 and 1"),
        )
    test_gap = result.final_test_error(deep) - result.final_test_error(shallow)
    if close(test_gap):
        return Feedback.wrong(
            Text("{gap} is the gap in TEST error", gap=str(number)),
            _("degradation is about TRAINING error: use final_train_error"),
        )
    return Feedback.wrong(
        Text("{gap} is not the gap in final training error", gap=str(number)),
        "result.final_train_error(deep) - result.final_train_error(shallow)",
    )
