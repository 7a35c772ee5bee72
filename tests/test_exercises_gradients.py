"""Gradient and degradation checkers: correct answers pass, typical mistakes are named."""

import pytest

from resnet_lib.experiments.degradation import DegradationResult
from resnet_lib.exercises.feedback import QuestionError
from resnet_lib.exercises.harness import mistakes
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


def said(feedback):
    return feedback.ok, feedback.message, feedback.hint


def test_the_explosion_table_for_the_books_question():
    """What the page shows for threshold 100 (issue 27): every other depth of the
    sweep, each with what the checker says of it."""
    ratios = dict(_plain_sweep(0))
    found = mistakes("check_explosion_depth", threshold=100)
    assert found.answer == min(d for d, r in ratios.items() if r > 100)
    assert [m.answer for m in found.mistakes] == [
        d for d in ratios if d != found.answer
    ]
    assert check_explosion_depth(found.answer, threshold=100).ok
    assert [
        said(check_explosion_depth(m.answer, threshold=100))
        for m in found.mistakes
    ] == [said(m.feedback()) for m in found.mistakes]


def test_a_threshold_no_depth_passes():
    """The page is told the question has no answer; the student, as before."""
    with pytest.raises(QuestionError, match="no depth in the sweep"):
        mistakes("check_explosion_depth", threshold=1e9)
    fb = check_explosion_depth(38, threshold=1e9)
    assert not fb and "exceeds that threshold" in fb.message
    assert "replace None" in check_explosion_depth(None, threshold=1e9).hint


def test_the_vanishing_table_for_the_books_question():
    found = mistakes("check_vanishing_layers", gain=0.9, fraction=0.01)
    assert found.answer == 44  # 0.9^44 = 0.0097 < 0.01 <= 0.9^43 = 0.0108
    # 43: rounded down; 2 = ln 0.01 / ln 0.1 and 10 = 1 / (1 - 0.9): gain and loss swapped
    assert [m.answer for m in found.mistakes] == [43, 2, 10]
    question = dict(gain=0.9, fraction=0.01)
    assert check_vanishing_layers(found.answer, **question).ok
    assert [
        said(check_vanishing_layers(m.answer, **question))
        for m in found.mistakes
    ] == [said(m.feedback()) for m in found.mistakes]
    # fewer than one layer is never in the table: the checker says so of any such number
    small = mistakes("check_vanishing_layers", gain=0.5, fraction=0.6)
    assert small.answer == 1 and all(m.answer >= 1 for m in small.mistakes)
    assert (
        "at least 1"
        in check_vanishing_layers(0, gain=0.5, fraction=0.6).message
    )
