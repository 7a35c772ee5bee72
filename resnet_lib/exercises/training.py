"""Checkers for the chapter "Training ResNets on CIFAR-10".

- :func:`check_epochs`: how many passes over the data the paper's 64k iterations are.
- :func:`check_lr_at`: the paper's learning rate at a given iteration.
- :func:`check_paper_lr`: a student's ``lr(step)`` for the paper's step schedule.
- :func:`check_random_crop`: a student's pad-and-crop + horizontal flip augmentation.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from ..device import seeded
from ..i18n import N_, Text, _
from .feedback import (
    Feedback,
    Number,
    Question,
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

EPOCHS = Question(
    N_("number of epochs"),
    "answer = iterations * batch_size / images",
    integer=False,
    rel=0.0,
    abs_tol=0.5,
)
LR = Question(N_("learning rate"), "answer = 0.1 / 10", integer=False)

PAPER_ITERATIONS, PAPER_BATCH, PAPER_TRAIN_IMAGES = 64_000, 128, 45_000
MILESTONES = (32_000, 48_000)
#: the schedule's rates: before the first milestone, after it, after the second
RATES = (0.1, 0.01, 0.001)
#: iterations / images, as if one iteration were one image: a number so small that
#: half an epoch either side would take in other mistakes, so it is matched closer
PER_IMAGE = (PAPER_ITERATIONS / PAPER_TRAIN_IMAGES, PAPER_ITERATIONS / 50_000)


def _epochs_table() -> Table[float]:
    """The right answer of :func:`check_epochs` and the numbers its mistakes give."""
    exact = PAPER_ITERATIONS * PAPER_BATCH / PAPER_TRAIN_IMAGES  # 182.04
    all_images = PAPER_ITERATIONS * PAPER_BATCH / 50_000  # 163.84
    per_image = [
        Mistake(
            wrong,
            Text(
                "{epochs}: you divided iterations by images, as if one "
                "iteration were one image",
                epochs=fmt(wrong),
            ),
            _(
                "an iteration is one optimizer step on a mini-batch of 128 "
                "images"
            ),
            shows="epochs",
        )
        for wrong in PER_IMAGE
    ]
    return table(
        exact,
        Text(
            "64,000 x 128 / 45,000 = {epochs:.2f} epochs: every image is "
            "seen about 182 times, each time with a different random crop "
            "and flip.",
            epochs=exact,
        ),
        [
            Mistake(
                all_images,
                Text(
                    "{epochs} epochs uses all 50,000 training images",
                    epochs=fmt(all_images),
                ),
                _(
                    "the exercise assumes the 45,000 training images of the "
                    "paper's 45k/5k split"
                ),
                shows="epochs",
            ),
            *per_image,
            Mistake(
                PAPER_ITERATIONS / PAPER_BATCH,
                Text(
                    "{epochs} divides the iterations by the batch size",
                    epochs=fmt(PAPER_ITERATIONS / PAPER_BATCH),
                ),
                _(
                    "images seen = iterations x batch size; divide that by the "
                    "training set size"
                ),
                shows="epochs",
            ),
        ],
        otherwise=Otherwise(
            N_(
                "{epochs} epochs is not what 64,000 iterations of batch 128 on "
                "45,000 images give"
            ),
            _(
                "images seen = iterations x batch size; epochs = images seen / "
                "training images"
            ),
            shows="epochs",
        ),
    )


def _epochs_near(got: Number, target: float) -> bool:
    """Within half an epoch of ``target`` (of a twentieth of one, for :data:`PER_IMAGE`)."""
    return got.matches(
        target, abs_tol=0.05 if target in PER_IMAGE else EPOCHS.abs_tol
    )


@tabled(_epochs_table, EPOCHS)
@checker
def check_epochs(answer) -> Feedback:
    """Epochs (passes over 45,000 training images) in 64,000 iterations of batch 128.

    45,000 is an assumption: the paper determines its 64k stopping point on a 45k/5k
    train/val split and does not say whether the networks it reports trained on the 45k
    or on all 50k images; the exercise states the assumption and asks for 182.

    Anything within half an epoch of 182.04 is right (182 and 182.04 alike)."""
    return judge(
        answer,
        EPOCHS,
        _epochs_table(),
        near=_epochs_near,
        shown=fmt,
        read=read_number,
    )


def _paper_lr(step: int) -> float:
    return 0.1 * 0.1 ** sum(step >= m for m in MILESTONES)


def _lr_table(step: int) -> Table[float]:
    """The right rate of :func:`check_lr_at` at ``step`` and the schedule's other rates
    (each a mistake: a milestone passed or missed)."""
    divisions = sum(step >= m for m in MILESTONES)
    expected = RATES[divisions]
    wrong = [
        Mistake(
            RATES[0],
            Text("{rate} is the starting rate", rate=fmt(RATES[0])),
            Text(
                "the rate is divided by 10 at 32,000 and at 48,000; which of "
                "those has iteration {step:,} passed?",
                step=step,
            ),
            shows="rate",
        )
    ] + [
        Mistake(
            RATES[k],
            Text(
                "{rate} is the rate after {divisions} division(s)",
                rate=fmt(RATES[k]),
                divisions=k,
            ),
            Text(
                "iteration {step:,} has passed {divisions} of the milestones "
                "32,000 and 48,000",
                step=step,
                divisions=divisions,
            ),
            shows="rate",
        )
        for k in (1, 2)
    ]
    return table(
        expected,
        Text(
            "{rate:g}: 0.1 divided by 10 {divisions} time(s) by "
            "iteration {step:,}.",
            rate=expected,
            divisions=divisions,
            step=step,
        ),
        wrong,
        otherwise=Otherwise(
            N_("{rate} is not a rate this schedule ever uses"),
            _(
                "the schedule is piecewise constant: 0.1, then 0.01, then 0.001"
            ),
            shows="rate",
        ),
    )


@tabled(_lr_table, LR)
@checker
def check_lr_at(answer, step: int = 40_000) -> Feedback:
    """The paper's learning rate at iteration ``step`` (0.1, divided by 10 at 32k and 48k).

    Right up to a relative 1e-6 (and the rounding of the answer's dtype): a float32 0.1 is 0.1
    (``LR``'s tolerance, which :func:`~.harness.judge` matches every rate of the table by)."""
    return judge(answer, LR, _lr_table(step), shown=fmt, read=read_number)


@checker
def check_paper_lr(lr: Callable[[int], float]) -> Feedback:
    """``lr(step)`` must give the paper's learning rate for every step 0..63,999: 0.1,
    divided by 10 at step 32,000 and again at 48,000 (``step`` = steps already taken)."""
    if not callable(lr):
        return Feedback.wrong(
            Text(
                "pass your function itself, e.g. check_paper_lr(my_lr); got "
                "{answer}",
                answer=describe(lr),
            ),
            _(
                "write `def my_lr(step): ...` and pass `my_lr` without "
                "calling it"
            ),
        )
    values: list[Number] = []
    for step in range(PAPER_ITERATIONS):
        out, problem = call_student(
            lr,
            (step,),
            N_("{call} raised {error}"),
            _(
                "your function must take the step number (an int) and "
                "return a number"
            ),
            call=f"lr({step})",
        )
        if problem is not None:
            return problem
        if type(out) is float:  # the common case, fast
            number = Number(out, 2.0**-53)
        else:
            read, problem = read_number(out, LR)
            if problem is not None:
                return Feedback.wrong(
                    Text(
                        "{call} returned {result}, not a learning rate",
                        call=f"lr({step})",
                        result=describe(out),
                    ),
                    problem.hint_text,
                )
            assert (
                read is not None
            )  # read_number gives a Number whenever it gives no Feedback
            number = read
        values.append(number)
    wrong = [
        s
        for s, v in enumerate(values)
        if not v.matches(_paper_lr(s), rel=LR.rel)
    ]
    if not wrong:
        return Feedback.right(
            _(
                "0.1 until step 31,999, 0.01 from step 32,000, 0.001 from "
                "step 48,000: the paper's schedule."
            )
        )
    rates = [v.value for v in values]
    changes = [
        s for s in range(1, PAPER_ITERATIONS) if rates[s] != rates[s - 1]
    ]
    if not Number(rates[0]).matches(0.1, rel=LR.rel):
        return Feedback.wrong(
            Text("your schedule starts at lr {rate}", rate=fmt(rates[0])),
            _(
                "the paper starts at 0.1 (ResNet-110's 0.01 warm-up is a "
                "separate, optional step)"
            ),
        )
    if not changes:
        return Feedback.wrong(
            _("your learning rate never changes"),
            _("divide it by 10 at step 32,000 and again at 48,000"),
        )
    if len(changes) > 2:
        return Feedback.wrong(
            Text(
                "your learning rate changes {count} times (first at steps "
                "{steps})",
                count=len(changes),
                steps=str(changes[:3]),
            ),
            _(
                "the paper's schedule is piecewise constant: it changes "
                "exactly twice"
            ),
        )
    if changes == [m + 1 for m in MILESTONES][: len(changes)]:
        return Feedback.wrong(
            Text(
                "your learning rate changes one step late, at {steps}",
                steps=str(changes),
            ),
            _(
                "use `step >= 32_000`, not `>`: at step 32,000 (the 32,001st "
                "update) it is already 0.01"
            ),
        )
    if changes[0] < 1_000:
        return Feedback.wrong(
            Text(
                "your learning rate already drops at step {step}",
                step=changes[0],
            ),
            _(
                "the milestones are 32,000 and 48,000 iterations, not 32 and "
                "48 (thousands) or epochs"
            ),
        )
    if len(changes) == 1:
        return Feedback.wrong(
            Text(
                "your learning rate changes only once, at step {step:,}",
                step=changes[0],
            ),
            _("the paper divides it by 10 twice: at 32,000 and at 48,000"),
        )
    if tuple(changes) != MILESTONES:
        return Feedback.wrong(
            Text(
                "your learning rate changes at steps {first:,} and {second:,}",
                first=changes[0],
                second=changes[1],
            ),
            _(
                "the milestones are 32,000 and 48,000 (half and three "
                "quarters of 64,000)"
            ),
        )
    levels = (rates[0], rates[MILESTONES[0]], rates[MILESTONES[1]])
    return Feedback.wrong(
        Text(
            "the changes are at the right steps, but the three levels are "
            "{first:g}, {second:g}, {third:g}",
            first=levels[0],
            second=levels[1],
            third=levels[2],
        ),
        _("each milestone divides the CURRENT rate by 10: 0.1, 0.01, 0.001"),
    )


def _as_tensor(out) -> torch.Tensor:
    if isinstance(out, torch.Tensor):
        return out.detach().cpu()
    import numpy as np

    return torch.from_numpy(np.asarray(out))


@checker
def check_random_crop(
    augment: Callable, pad: int = 4, n: int = 128, size: int = 32
) -> Feedback:
    """``augment(images, pad)`` on a uint8 ``(N, 3, H, W)`` batch must return, for every
    image independently, an ``H x W`` window of the image zero-padded by ``pad`` pixels on
    each side, at a uniformly random position, flipped left-right with probability 1/2."""
    problem = not_a_function(augment, "check_random_crop(my_augment)")
    if problem is not None:
        return problem
    g = torch.Generator().manual_seed(0)
    images = torch.randint(
        1, 256, (n, 3, size, size), generator=g, dtype=torch.uint8
    )  # no zeros inside
    original = images.clone()
    with seeded(1):  # the student's randomness, without touching the caller's
        out, problem = call_student(
            augment,
            (images, pad),
            N_("your function raised {error}"),
            _(
                "it is called as augment(images, pad) with a uint8 tensor "
                "of shape (N, 3, H, W)"
            ),
        )
    if problem is not None:
        return problem
    try:
        out = _as_tensor(out)
        if out.dtype == torch.bool or not (
            out.dtype.is_floating_point
            or out.dtype
            in (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)
        ):
            raise TypeError(out.dtype)
    except Exception:  # noqa: BLE001 - not a batch of images
        return Feedback.wrong(
            Text(
                "your function returned {result}, not a batch of images",
                result=describe(out),
            ),
            _(
                "return the augmented batch: a tensor (or array) of shape "
                "(N, 3, H, W)"
            ),
        )
    if not torch.equal(images, original):
        return Feedback.wrong(
            _("your function changed its input in place"),
            _("build a new tensor (e.g. with F.pad) instead"),
        )
    if out.shape == (n, 3, size + 2 * pad, size + 2 * pad):
        return Feedback.wrong(
            Text(
                "your output has shape {shape}: padded, but not cropped",
                shape=str(tuple(out.shape)),
            ),
            Text(
                "cut a {size}x{size} window out of the padded image",
                size=size,
            ),
        )
    if tuple(out.shape) != (n, 3, size, size):
        return Feedback.wrong(
            Text(
                "your output has shape {shape}; expected {expected}",
                shape=str(tuple(out.shape)),
                expected=str((n, 3, size, size)),
            ),
            _(
                "the augmented batch has the shape of the input batch, "
                "(N, C, H, W)"
            ),
        )
    out = out.float()
    if torch.equal(out, original.float()):
        return Feedback.wrong(
            _("your output is the input unchanged"),
            _("crop at a random offset and flip at random"),
        )

    def find(padded: torch.Tensor, flips: tuple[str, ...]) -> list:
        """For every output image, the (dy, dx, flip) window of ``padded`` it equals, or None."""
        padded = padded.float()
        k = 2 * pad + 1
        mid = size // 2
        # candidate middle rows (N, k*k, C, W) and columns (N, k*k, C, H): cheap fingerprints
        rows = torch.stack(
            [
                padded[:, :, dy + mid, dx : dx + size]
                for dy in range(k)
                for dx in range(k)
            ],
            1,
        )
        cols = torch.stack(
            [
                padded[:, :, dy : dy + size, dx + mid]
                for dy in range(k)
                for dx in range(k)
            ],
            1,
        )
        flipped_cols = torch.stack(
            [
                padded[:, :, dy : dy + size, dx + size - 1 - mid]
                for dy in range(k)
                for dx in range(k)
            ],
            1,
        )
        row_out, col_out = out[:, None, :, mid, :], out[:, None, :, :, mid]
        match = {
            "none": (
                (rows == row_out).flatten(2).all(2)
                & (cols == col_out).flatten(2).all(2)
            ),
            "horizontal": (
                (rows.flip(-1) == row_out).flatten(2).all(2)
                & (flipped_cols == col_out).flatten(2).all(2)
            ),
            "vertical": torch.stack(
                [
                    (
                        padded[:, :, dy + size - 1 - mid, dx : dx + size]
                        == out[:, :, mid, :]
                    )
                    .flatten(1)
                    .all(1)
                    for dy in range(k)
                    for dx in range(k)
                ],
                1,
            ),
        }
        found = []
        for i in range(n):
            hit = None
            for kind in flips:
                for j in match[kind][i].nonzero().flatten().tolist():
                    dy, dx = divmod(j, k)
                    window = padded[i, :, dy : dy + size, dx : dx + size]
                    window = {
                        "none": window,
                        "horizontal": window.flip(-1),
                        "vertical": window.flip(-2),
                    }[kind]
                    if torch.equal(window, out[i]):
                        hit = (dy, dx, kind)
                        break
                if hit:
                    break
            found.append(hit)
        return found

    hits = find(
        F.pad(original, (pad,) * 4), ("none", "horizontal", "vertical")
    )
    if any(h is None for h in hits):
        for mode in ("reflect", "replicate", "circular"):
            other = find(
                F.pad(original.float(), (pad,) * 4, mode=mode),
                ("none", "horizontal"),
            )
            if all(h is not None for h in other):
                return Feedback.wrong(
                    Text(
                        "your crops come from a {mode}-padded image",
                        mode=mode,
                    ),
                    _(
                        "the paper pads with zeros: F.pad(images, (pad, pad, "
                        "pad, pad))"
                    ),
                )
        bad = sum(h is None for h in hits)
        return Feedback.wrong(
            Text(
                "{bad} of {n} output images are not a window of the "
                "zero-padded input (or its mirror image)",
                bad=bad,
                n=n,
            ),
            _(
                "pad with zeros, then take images[i, :, dy:dy+H, dx:dx+W] "
                "with 0 <= dy, dx <= 2*pad; flip with .flip(-1) (the width "
                "axis); keep the channels together"
            ),
        )
    if any(h[2] == "vertical" for h in hits):
        return Feedback.wrong(
            _("some images are flipped upside down"),
            _("flip the width axis (dims=-1), not the height"),
        )
    offsets = {(h[0], h[1]) for h in hits}
    if (
        len(offsets) == 1
        and all(h[2] == hits[0][2] for h in hits)
        and hits[0][:2] != (pad, pad)
    ):
        return Feedback.wrong(
            _("every image of the batch got the same crop and flip"),
            _(
                "draw an offset and a flip for each image, not one for the "
                "whole batch"
            ),
        )
    flipped = sum(h[2] == "horizontal" for h in hits)
    if flipped == 0:
        return Feedback.wrong(
            _("no image is flipped"),
            _("flip each image left-right with probability 1/2"),
        )
    if flipped == n:
        return Feedback.wrong(
            _("every image is flipped"),
            _("flip each image with probability 1/2, not always"),
        )
    if len(offsets) == 1:
        return Feedback.wrong(
            Text(
                "every image is cropped at the same offset {offset}",
                offset=str(hits[0][:2]),
            ),
            _("draw the offset for each image separately"),
        )
    dys, dxs = [h[0] for h in hits], [h[1] for h in hits]
    if max(dys) <= pad and max(dxs) <= pad:
        return Feedback.wrong(
            Text(
                "your offsets only go up to {pad}: the window never reaches "
                "the padding on the right or bottom",
                pad=pad,
            ),
            Text(
                "the offset can be anything from 0 to 2*pad = {most}",
                most=2 * pad,
            ),
        )
    if (
        max(dys) < 2 * pad
        or max(dxs) < 2 * pad
        or min(dys) > 0
        or min(dxs) > 0
    ):
        return Feedback.wrong(
            Text(
                "your offsets range over {top}..{bottom} (rows) and "
                "{left}..{right} (columns)",
                top=min(dys),
                bottom=max(dys),
                left=min(dxs),
                right=max(dxs),
            ),
            Text(
                "every offset 0..{most} must be possible; torch.randint's "
                "upper bound is exclusive: {call}",
                most=2 * pad,
                call=f"torch.randint(0, {2 * pad + 1}, ...)",
            ),
        )
    if not 0.25 < flipped / n < 0.75:
        return Feedback.wrong(
            Text("{flipped} of {n} images are flipped", flipped=flipped, n=n),
            _("flip with probability 1/2"),
        )
    return Feedback.right(
        Text(
            "every output is a {size}x{size} window of the zero-padded "
            "image, at {offsets} different offsets, with {flipped} of {n} "
            "flipped left-right.",
            size=size,
            offsets=len(offsets),
            flipped=flipped,
            n=n,
        )
    )
