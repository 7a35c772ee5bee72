"""Checkers for the chapter on the paper's test-time protocols."""

from __future__ import annotations

from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..device import seeded
from ..i18n import N_, Text, _
from ..reference import IMAGENET_CROP, MULTISCALE_SIDES
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
from .harness import (
    Mistake,
    Otherwise,
    Table,
    call_student,
    judge,
    not_a_function,
    table,
    tabled,
)

COST = Question(
    N_("cost, in 224x224 views"), "answer = (256 / 224) ** 2", integer=False
)
VIEWS = Question(N_("number of views"), "answer = 3 * 3")
#: how close a cost must be to count as a given one (0.5%)
NEAR = 0.005


def _cost_table(scales: Sequence[int], crop: int) -> Table:
    """The right cost of :func:`check_multiscale_cost` and the costs its mistakes give."""
    if not scales or any(
        isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in scales
    ):
        raise QuestionError(
            f"scales must be positive image sizes; got {scales!r}"
        )
    expected = sum(s * s for s in scales) / (crop * crop)
    candidates: list[tuple[float, str, Message]] = [
        (
            len(scales),
            N_(
                "{cost} counts the views; a big view costs more than a small "
                "one"
            ),
            _("weigh each scale by its pixels: (s/224)^2"),
        ),
        (
            2 * expected,
            N_(
                "{cost} is twice the cost: you counted a mirror image per "
                "scale"
            ),
            _("the question asks for one view per scale"),
        ),
        (
            sum(scales) / crop,
            N_(
                "{cost} grows with the side of the image; the cost grows "
                "with its pixels"
            ),
            _("square each ratio: (s/224)^2"),
        ),
        (
            sum(s * s for s in scales) / (scales[0] * scales[0])
            if scales[0] != crop
            else -1,
            N_("{cost} is in units of the smallest scale's view"),
            Text("divide by the pixels of a {crop}x{crop} crop", crop=crop),
        ),
        (
            expected / len(scales),
            N_("{cost} is the mean cost of one view, not the total"),
            _("the views are all evaluated, so their costs add up"),
        ),
    ]
    return table(
        expected,
        Text(
            "{sum} = {cost}: a view of side s has (s/{crop})^2 times the "
            "pixels of a {crop}x{crop} crop, so it costs that many times "
            "more.",
            sum=" + ".join(f"({s}/{crop})^2" for s in scales),
            cost=fmt(expected),
            crop=crop,
        ),
        [
            Mistake(wrong, Text(why, cost=fmt(wrong)), hint, shows="cost")
            for wrong, why, hint in candidates
            if wrong > 0
        ],
        shared="first",
        otherwise=Otherwise(
            N_(
                "{cost} is not the cost of the {count} views in {crop}x{crop} views"
            ),
            Text(
                "add up (s/{crop})^2 over the sizes {sizes}",
                crop=crop,
                sizes=", ".join(map(str, scales)),
            ),
            {"count": len(scales), "crop": crop},
            shows="cost",
        ),
    )


@tabled(_cost_table, COST)
@checker
def check_multiscale_cost(
    answer, scales: Sequence[int] = MULTISCALE_SIDES, crop: int = IMAGENET_CROP
) -> Feedback:
    """The multiply-adds of one fully convolutional view at every size of ``scales``
    (square images, no mirror images), in units of one ``crop x crop`` view, taking a
    view's cost to grow with its number of pixels."""
    return judge(
        answer,
        COST,
        _cost_table(scales, crop),
        near=lambda got, target: abs(got.value - target) <= NEAR * target,
        shown=fmt,
        read=read_number,
    )


def _views_table(size: int, padding: int) -> Table:
    """The right count of :func:`check_crop_views` and the counts its mistakes give."""
    if padding < 0 or size < 1:
        raise QuestionError(
            f"need size >= 1 and padding >= 0; got size={size}, padding={padding}"
        )
    positions = 2 * padding + 1
    expected = positions * positions * 2
    one_way, corners = positions * positions, (2 * padding) ** 2
    wrong = [
        Mistake(
            one_way,
            Text(
                "{views} counts the positions but not the mirror images",
                views=one_way,
            ),
            _("a flipped crop is another view: multiply by 2"),
        ),
        Mistake(
            corners * 2,
            Text(
                "{views} misses one offset in each direction",
                views=corners * 2,
            ),
            Text(
                "the offset runs from 0 to {most} inclusive: {positions} "
                "values",
                most=2 * padding,
                positions=positions,
            ),
        ),
        Mistake(
            corners,
            Text(
                "{views} misses one offset per direction and the mirror "
                "images",
                views=corners,
            ),
            Text(
                "offsets 0 to {most} give {positions} positions per "
                "direction; then count the flips",
                most=2 * padding,
                positions=positions,
            ),
        ),
        Mistake(
            10,
            _("10 is ten-crop testing's choice of views, not every view"),
            _("count every position of the crop window, flipped or not"),
        ),
        Mistake(
            positions * 2,
            Text(
                "{views} moves the crop in one direction only",
                views=positions * 2,
            ),
            _("the window moves up and down as well as left and right"),
        ),
    ]
    return table(
        expected,
        Text(
            "{positions} x {positions} positions (offsets 0 to {most} in "
            "each direction) times 2 for the flip: {views}. Ten-crop "
            "testing averages 10 of them: the centre and the four "
            "corners, each mirrored.",
            positions=positions,
            most=2 * padding,
            views=expected,
        ),
        wrong,  # two readings of one number (10 = ten-crop = 5 x 2): say both
        shared="join",
        otherwise=Otherwise(
            N_("{views} is not the number of views"),
            Text(
                "count the window's positions in the {side}x{side} padded "
                "image, then the flips",
                side=size + 2 * padding,
            ),
            shows="views",
        ),
    )


@tabled(_views_table, VIEWS)
@checker
def check_crop_views(answer, size: int = 16, padding: int = 2) -> Feedback:
    """How many different views a random crop (``size x size`` out of the image
    zero-padded by ``padding`` pixels) with a random horizontal flip can show the
    network during training: every position times flipped or not."""
    return judge(answer, VIEWS, _views_table(size, padding))


def _probe() -> tuple[nn.Module, torch.Tensor]:
    """A small fixed network and batch on which the mirror image changes about half
    the predictions (its classifier reads every position of the map), and averaging
    logits instead of softmax scores changes 13 of 256."""
    with seeded(0):
        model = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(8 * 8 * 8, 10),
        ).eval()
        images = torch.randn(256, 3, 8, 8)
    return model, images


def _predictions(model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """The predictions of the right answer and of each typical mistake, by name."""
    with torch.no_grad():
        a, b = model(x), model(x.flip(-1))
        vertical = model(x.flip(-2))
    scores = {
        "softmax": F.softmax(a, 1) + F.softmax(b, 1),
        "logits": a + b,
        "single": a,
        "mirror only": b,
        "vertical": F.softmax(a, 1) + F.softmax(vertical, 1),
    }
    return {how: s.argmax(1) for how, s in scores.items()}


@checker
def check_flip_predict(predict: Callable) -> Feedback:
    """``predict(model, x)`` must return, for every image of the normalised batch ``x``
    ``(N, 3, H, W)``, the class with the highest mean softmax over the image and its
    mirror image (flipped left to right)."""
    problem = not_a_function(predict, "check_flip_predict(flip_predict)")
    if problem is not None:
        return problem
    model, x = _probe()
    original = x.clone()
    out, problem = call_student(
        predict,
        (model, x),
        N_("your function raised {error}"),
        _("it is called as predict(model, x), x a float batch (N, 3, H, W)"),
    )
    if problem is not None:
        return problem
    if not torch.equal(x, original):
        return Feedback.wrong(
            _("your function changed the batch in place"),
            _("x.flip(-1) makes a new tensor; leave x as it is"),
        )
    try:
        out = torch.as_tensor(
            out.detach().cpu() if isinstance(out, torch.Tensor) else out
        )
    except Exception:  # noqa: BLE001
        return Feedback.wrong(
            Text("your function returned {result}", result=describe(out)),
            _("return one class index per image: a tensor of shape (N,)"),
        )
    n = len(x)
    if out.dim() == 2 and out.shape[0] == n:
        return Feedback.wrong(
            Text(
                "you returned scores of shape {shape}, not classes",
                shape=str(tuple(out.shape)),
            ),
            _("return the predicted class of each image: scores.argmax(1)"),
        )
    if tuple(out.shape) != (n,) or out.dtype.is_floating_point:
        return Feedback.wrong(
            Text(
                "you returned {result}; expected {n} class indices",
                result=describe(out),
                n=n,
            ),
            _("return scores.argmax(1), a tensor of shape (N,)"),
        )
    out = out.long()
    expected = _predictions(model, x)
    if torch.equal(out, expected["softmax"]):
        return Feedback.right(
            _(
                "the mean softmax of the two views, and its most likely "
                "class: the 'flip' protocol of this chapter."
            )
        )
    explanations = {
        "single": (
            _("your predictions are those of the image alone"),
            _("add the softmax of the mirror image, model(x.flip(-1))"),
        ),
        "mirror only": (
            _("your predictions are those of the mirror image alone"),
            _("average it with the softmax of the image itself"),
        ),
        "vertical": (
            _("you flipped the images upside down"),
            _(
                "a mirror image flips left to right, the last dimension: "
                "x.flip(-1)"
            ),
        ),
        "logits": (
            _("you averaged the logits, not the softmax scores"),
            _("apply softmax to each view's output, then average"),
        ),
    }
    for how, (why, hint) in explanations.items():
        if torch.equal(out, expected[how]):
            return Feedback.wrong(why, hint)
    right = int((out == expected["softmax"]).sum())
    return Feedback.wrong(
        Text("{right} of {n} predictions are right", right=right, n=n),
        _(
            "softmax over the classes (dim 1) of each view, add, then "
            "argmax(1)"
        ),
    )
