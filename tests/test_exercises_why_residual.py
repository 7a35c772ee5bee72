"""Checkers of the chapter on why residual networks train: every correct form accepted,
each typical mistake named."""

import math

import numpy as np
import pytest
import torch

from resnet_lib.exercises.harness import mistakes
from resnet_lib.exercises.why_residual import (
    check_mean_path_length,
    check_path_count,
    check_shape_changing_blocks,
)


@pytest.mark.parametrize(
    "answer",
    [
        20_058_300,
        math.comb(27, 13),
        np.int64(20058300),
        torch.tensor(20058300),
        20058300.0,
    ],
)
def test_path_count_accepts_every_form_of_the_right_number(answer):
    assert check_path_count(
        answer
    ).ok  # C(27, 13), computed independently: 20,058,300


@pytest.mark.parametrize(
    "answer, says",
    [
        (2**27, "counts every path"),
        (math.perm(27, 13), "ordered choices"),
        (math.comb(56, 13), "C(56, 13) chooses among the 56 layers"),
        (math.comb(54, 13), "C(54, 13)"),
        (12345, "not the number of paths"),
        (None, "still None"),
        ("a lot", "number"),
    ],
)
def test_path_count_names_the_mistake(answer, says):
    feedback = check_path_count(answer)
    assert not feedback.ok and says in feedback.message


def test_other_depths_and_bad_questions():
    assert check_path_count(math.comb(54, 20), depth=110, length=20).ok
    with pytest.raises(ValueError, match="6n\\+2 deep .*got 57"):
        check_path_count(1, depth=57)


@pytest.mark.parametrize(
    "answer", [13.5, 27 / 2, np.float32(13.5), torch.tensor(13.5)]
)
def test_mean_path_length(answer):
    assert check_mean_path_length(answer).ok


@pytest.mark.parametrize(
    "answer, says",
    [
        (27, "longest path"),
        (28, "counts layers"),
        (56, "counts layers"),
        (7, "not the mean"),
    ],
)
def test_mean_path_length_mistakes(answer, says):
    feedback = check_mean_path_length(answer)
    assert not feedback.ok and says in feedback.message


def test_shape_changing_blocks():
    assert check_shape_changing_blocks(2).ok
    assert (
        "first block of the first stage"
        in check_shape_changing_blocks(3).message
    )
    assert not check_shape_changing_blocks(0).ok


def said(feedback):
    return feedback.ok, feedback.message, feedback.hint


def test_the_mean_path_table_for_the_books_question():
    """What the page shows for ResNet-56 (issue 27): the checker says the same."""
    found = mistakes("check_mean_path_length", depth=56)
    assert found.answer == 27 / 2
    assert [m.answer for m in found.mistakes] == [27, 28, 56]
    assert check_mean_path_length(found.answer, depth=56).ok
    assert [
        said(check_mean_path_length(m.answer, depth=56))
        for m in found.mistakes
    ] == [said(m.feedback()) for m in found.mistakes]
    # a mistake is matched as the right answer is, up to the rounding of the type
    assert (
        "longest path" in check_mean_path_length(np.float32(27.000002)).message
    )
