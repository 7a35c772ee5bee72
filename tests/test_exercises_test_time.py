"""Checkers of the chapter on the paper's test-time protocols: every correct form
accepted, each typical mistake named."""

import numpy as np
import pytest
import torch

from resnet_lib.exercises.feedback import QuestionError
from resnet_lib.exercises.test_time import (
    _predictions,
    _probe,
    check_crop_views,
    check_flip_predict,
    check_multiscale_cost,
)

SIDES = (224, 256, 384, 480, 640)  # the paper's section 3.4


@pytest.mark.parametrize(
    "answer",
    [
        18,
        18.0,
        np.float32(18),
        torch.tensor(18.0),
        sum((s / 224) ** 2 for s in SIDES),
        18.05,
    ],
)
def test_multiscale_cost_accepts_every_form_of_the_right_number(answer):
    assert check_multiscale_cost(answer).ok


@pytest.mark.parametrize(
    "answer, says",
    [
        (5, "counts the views"),
        (36, "mirror image"),
        (sum(SIDES) / 224, "grows with the side"),
        (18 / 5, "mean cost of one view"),
        (17, "is not the cost"),
        (None, "still None"),
        ("18", "without quotes"),
    ],
)
def test_multiscale_cost_names_the_mistake(answer, says):
    f = check_multiscale_cost(answer)
    assert not f.ok and says in f.message + (f.hint or ""), f


def test_multiscale_cost_in_another_unit():
    f = check_multiscale_cost(
        sum(s * s for s in (256, 384)) / 256**2, scales=(256, 384)
    )
    assert not f.ok and "smallest scale" in f.message
    assert check_multiscale_cost(1 + (384 / 224) ** 2, scales=(224, 384)).ok
    with pytest.raises(QuestionError):
        check_multiscale_cost(1, scales=())


@pytest.mark.parametrize("answer", [50, 50.0, np.int64(50), torch.tensor(50)])
def test_crop_views_accepts_every_form(answer):
    assert check_crop_views(answer).ok


@pytest.mark.parametrize(
    "answer, says",
    [
        (25, "mirror images"),
        (32, "misses one offset"),
        (16, "misses one offset per direction"),
        (10, "ten-crop"),
        (10 if False else 11, "not the number"),
        (2.5, "not a whole number"),
    ],
)
def test_crop_views_names_the_mistake(answer, says):
    f = check_crop_views(answer)
    assert not f.ok and says in f.message + (f.hint or ""), f


def test_crop_views_for_the_papers_padding():
    assert check_crop_views(162, size=32, padding=4).ok  # 9 x 9 x 2
    assert not check_crop_views(81, size=32, padding=4).ok


def test_the_probe_tells_the_mistakes_apart():
    """The checker can only name a mistake whose predictions differ from the right
    ones on its probe batch."""
    model, x = _probe()
    predictions = _predictions(model, x)
    right = predictions["softmax"]
    for how in ("logits", "single", "mirror only", "vertical"):
        assert (right != predictions[how]).sum() >= 10, how
    assert len(right.unique()) >= 5  # not one class for every image


def solution(model, x):
    with torch.no_grad():
        return (model(x).softmax(1) + model(x.flip(-1)).softmax(1)).argmax(1)


@pytest.mark.parametrize(
    "predict",
    [
        solution,
        lambda m, x: (
            ((m(x).softmax(-1) + m(x.flip(3)).softmax(-1)) / 2)
            .argmax(-1)
            .tolist()
        ),
        lambda m, x: (
            torch.stack([m(v).softmax(1) for v in (x, x.flip(-1))])
            .mean(0)
            .argmax(1)
            .numpy()
        ),
        lambda m, x: torch.maximum(  # not an average, but argmax agrees
            m(x).softmax(1) + m(x.flip(-1)).softmax(1), torch.tensor(0.0)
        ).argmax(1),
    ],
)
def test_flip_predict_accepts_every_correct_function(predict):
    assert check_flip_predict(predict).ok


@pytest.mark.parametrize(
    "predict, says",
    [
        (lambda m, x: m(x).argmax(1), "image alone"),
        (lambda m, x: m(x.flip(-1)).argmax(1), "mirror image alone"),
        (
            lambda m, x: (m(x).softmax(1) + m(x.flip(2)).softmax(1)).argmax(1),
            "upside down",
        ),
        (lambda m, x: (m(x) + m(x.flip(-1))).argmax(1), "logits"),
        (
            lambda m, x: m(x).softmax(1) + m(x.flip(-1)).softmax(1),
            "not classes",
        ),
        (
            lambda m, x: (m(x).softmax(0) + m(x.flip(-1)).softmax(0)).argmax(
                1
            ),
            "predictions are right",
        ),
        (lambda m, x: x.flip_(-1), "raised AttributeError"),
        (lambda m, x: x.mul_(2).sum(), "changed the batch in place"),
        (lambda m, x: 3, "expected 256 class indices"),
        (None, "pass your function itself"),
    ],
)
def test_flip_predict_names_the_mistake(predict, says):
    f = check_flip_predict(predict)
    assert not f.ok and says in f.message + (f.hint or ""), f
