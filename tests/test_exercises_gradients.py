"""Gradient and degradation checkers: correct answers pass, typical mistakes are named."""

import pytest

from resnet_lib.experiments.degradation import DegradationResult
from resnet_lib.exercises.gradients import (
    _plain_sweep,
    check_error_gap,
    check_explosion_depth,
    check_vanishing_layers,
)
from resnet_lib.training import History


def test_explosion_depth():
    ratios = dict(_plain_sweep(0))
    expected = min(d for d, r in ratios.items() if r > 100)
    assert check_explosion_depth(expected)
    bigger = max(ratios)
    assert (
        "smaller depth already does" in check_explosion_depth(bigger).message
    )
    assert (
        "only" in check_explosion_depth(8).message
    )  # the ratio has not grown enough yet
    assert "not one of the depths" in check_explosion_depth(21).message
    assert "without quotes" in check_explosion_depth("56").hint


def test_vanishing_layers():
    assert check_vanishing_layers(44)  # 0.9^44 = 0.0097
    assert "round the logarithm ratio up" in check_vanishing_layers(43).hint
    assert "not the smallest" in check_vanishing_layers(60).message
    assert "still above" in check_vanishing_layers(20).message
    assert (
        "mind that ln(0.9) is negative" in check_vanishing_layers(10).hint
    )  # 1 / (1 - gain): a guess, not a solution
    assert "whole number" in check_vanishing_layers(43.7).message
    with pytest.raises(ValueError, match="0 < gain < 1"):
        check_vanishing_layers(3, gain=1.1)


def _result():
    def h(train, test):
        return History(train_error=[0.9, train, train], test_error=[test])

    return DegradationResult(
        {"plain-20": h(0.6, 0.62), "plain-56": h(0.85, 0.86)}
    )


def test_error_gap():
    r = _result()
    gap = r.final_train_error("plain-56") - r.final_train_error("plain-20")
    assert check_error_gap(gap, r)
    assert "other way round" in check_error_gap(-gap, r).message
    assert "percentage points" in check_error_gap(100 * gap, r).message
    assert "TEST error" in check_error_gap(0.24, r).message
    assert (
        not check_error_gap(0.5, r)
        and "replace None" in check_error_gap(None, r).hint
    )
