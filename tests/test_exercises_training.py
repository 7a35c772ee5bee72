import math

import numpy as np
import pytest
import torch

from resnet_lib.exercises.harness import mistakes
from resnet_lib.exercises.training import check_epochs, check_lr_at


def test_lr_at():
    assert (
        check_lr_at(0.01)
        and check_lr_at(0.001, step=50_000)
        and check_lr_at(0.1, step=100)
    )
    assert "starting rate" in check_lr_at(0.1).message
    assert "after 2 division(s)" in check_lr_at(0.001).message
    assert "not a rate" in check_lr_at(0.05).message
    assert "the text '0.01'" in check_lr_at("0.01").message


def test_epochs():
    assert check_epochs(182) and check_epochs(182.04)
    assert (
        "divided iterations by images" in check_epochs(64_000 / 45_000).message
    )
    assert "50,000" in check_epochs(163.8).message
    assert "by the batch size" in check_epochs(500).message
    assert not check_epochs(64)


# ---- check_paper_lr: a student's lr(step) for the paper's schedule
from resnet_lib.exercises.training import check_paper_lr, check_random_crop  # noqa: E402


def test_paper_lr_accepts_every_correct_form():
    assert check_paper_lr(
        lambda s: 0.1 if s < 32_000 else 0.01 if s < 48_000 else 0.001
    )
    assert check_paper_lr(
        lambda s: 0.1 * 0.1 ** ((s >= 32_000) + (s >= 48_000))
    )
    from resnet_lib.training import paper_recipe

    assert check_paper_lr(paper_recipe().lr_at)


@pytest.mark.parametrize(
    "lr, words",
    [
        (lambda s: 0.1, "never changes"),
        (
            lambda s: 0.1 if s <= 32_000 else 0.01 if s <= 48_000 else 0.001,
            "one step late",
        ),
        (
            lambda s: 0.1 if s < 32 else 0.01 if s < 48 else 0.001,
            "not 32 and 48",
        ),
        (lambda s: 0.1 if s < 32_000 else 0.01, "only once"),
        (
            lambda s: 0.1 if s < 32_000 else 0.01 if s < 48_000 else 0.0001,
            "levels are 0.1, 0.01, 0.0001",
        ),
        (
            lambda s: 0.1 * 0.5 * (1 + math.cos(math.pi * s / 64_000)),
            "changes 63999 times",
        ),
        (lambda s: 0.01 if s < 400 else 0.1, "starts at lr 0.01"),
        (lambda s: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_paper_lr_explains_typical_mistakes(lr, words):
    fb = check_paper_lr(lr)
    assert not fb and words in fb.message + fb.hint and fb.hint, fb


# ---- check_random_crop: pad, random window, horizontal flip, per image


def reference_crop(images, pad):
    import torch.nn.functional as F

    n, _, h, w = images.shape
    padded = F.pad(images, (pad,) * 4)
    dy, dx = torch.randint(0, 2 * pad + 1, (2, n))
    out = torch.stack(
        [padded[i, :, dy[i] : dy[i] + h, dx[i] : dx[i] + w] for i in range(n)]
    )
    flip = torch.rand(n) < 0.5
    out[flip] = out[flip].flip(-1)
    return out


def torchvision_crop(images, pad):
    from torchvision import transforms as T

    t = T.Compose(
        [T.RandomCrop(images.shape[-1], padding=pad), T.RandomHorizontalFlip()]
    )
    return torch.stack([t(img) for img in images])


def numpy_crop(
    images, pad
):  # another library, a loop, float output, flip before crop
    x = images.numpy().astype("float32")
    rng = np.random.default_rng(0)
    out = np.empty_like(x)
    for i, img in enumerate(x):
        if rng.random() < 0.5:
            img = img[:, :, ::-1]
        p = np.pad(img, ((0, 0), (pad, pad), (pad, pad)))
        dy, dx = rng.integers(0, 2 * pad + 1, 2)
        out[i] = p[:, dy : dy + img.shape[1], dx : dx + img.shape[2]]
    return out


@pytest.mark.parametrize(
    "fn",
    [
        reference_crop,
        torchvision_crop,
        numpy_crop,
        lambda x, pad: __import__(
            "resnet_lib.training", fromlist=["augment_batch"]
        ).augment_batch(x, torch.Generator().manual_seed(3), pad),
    ],
)
def test_random_crop_accepts_correct_answers(fn):
    assert check_random_crop(fn)


def _pad_crop(
    images,
    pad,
    lo=0,
    hi=None,
    mode="constant",
    flip_dim=-1,
    per_image=True,
    p_flip=0.5,
):
    import torch.nn.functional as F

    n, _, h, w = images.shape
    padded = F.pad(images.float(), (pad,) * 4, mode=mode)
    hi = 2 * pad + 1 if hi is None else hi
    dy, dx = torch.randint(lo, hi, (2, n if per_image else 1)).expand(2, n)
    out = torch.stack(
        [padded[i, :, dy[i] : dy[i] + h, dx[i] : dx[i] + w] for i in range(n)]
    )
    flip = (torch.rand(n if per_image else 1) < p_flip).expand(n)
    out[flip] = out[flip].flip(flip_dim)
    return out


@pytest.mark.parametrize(
    "fn, words",
    [
        (
            lambda x, pad: torch.nn.functional.pad(x, (pad,) * 4),
            "padded, but not cropped",
        ),
        (lambda x, pad: x.clone(), "unchanged"),
        (lambda x, pad: _pad_crop(x, pad, hi=pad + 1), "only go up to 4"),
        (
            lambda x, pad: _pad_crop(x, pad, hi=2 * pad),
            "torch.randint's upper bound is exclusive",
        ),
        (lambda x, pad: _pad_crop(x, pad, mode="reflect"), "reflect-padded"),
        (lambda x, pad: _pad_crop(x, pad, flip_dim=-2), "upside down"),
        (lambda x, pad: _pad_crop(x, pad, p_flip=0.0), "no image is flipped"),
        (lambda x, pad: _pad_crop(x, pad, per_image=False), "same"),
        (lambda x, pad: x.flip(-1), "every image is flipped"),
    ],
)
def test_random_crop_explains_typical_mistakes(fn, words):
    fb = check_random_crop(fn)
    assert not fb and words in fb.message + fb.hint and fb.hint, fb


def test_random_crop_refuses_in_place_changes():
    def in_place(x, pad):
        x.zero_()
        return x

    assert "in place" in check_random_crop(in_place).message


# ---- the tables the book's pages show (issue 27): the checker says what they say


def said(feedback):
    return feedback.ok, feedback.message, feedback.hint


def test_the_epochs_table_is_the_papers_arithmetic():
    found = mistakes("check_epochs")
    assert found.answer == pytest.approx(64_000 * 128 / 45_000)
    assert [m.answer for m in found.mistakes] == pytest.approx(
        [64_000 * 128 / 50_000, 64_000 / 45_000, 64_000 / 50_000, 64_000 / 128]
    )
    assert check_epochs(found.answer).ok
    assert [said(check_epochs(m.answer)) for m in found.mistakes] == [
        said(m.feedback()) for m in found.mistakes
    ]
    # a mistake's number within its tolerance is written as the student gave it
    assert check_epochs(np.float32(163.9)).message == (
        "163.9 epochs uses all 50,000 training images"
    )
    assert "divided iterations by images" in check_epochs(1.45).message
    assert "is not what" in check_epochs(1.5).message  # 1.42 is matched closer


def test_the_lr_table_at_the_books_step():
    found = mistakes("check_lr_at", step=40_000)
    assert found.answer == 0.01
    assert {m.answer for m in found.mistakes} == {0.1, 0.001}
    assert check_lr_at(found.answer, step=40_000).ok
    assert [
        said(check_lr_at(m.answer, step=40_000)) for m in found.mistakes
    ] == [said(m.feedback()) for m in found.mistakes]
    assert check_lr_at(np.float16(0.001)).message == (
        f"{float(np.float16(0.001)):.6g} is the rate after 2 division(s)"
    )
