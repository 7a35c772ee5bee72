"""Architecture checkers: every correct answer passes, typical mistakes get a named hint."""

import pytest
import torch
import torchvision
from torch import nn

from resnet_lib import ResNet, cifar_resnet, resnet50
from resnet_lib.exercises import Feedback
from resnet_lib.exercises.architecture import (
    check_basic_block,
    check_block_params,
    check_depth,
    check_stage_channels,
)
from resnet_lib.exercises.feedback import QuestionError
from resnet_lib.exercises.harness import mistakes


# ------------------------------------------------------------ block parameters


def test_block_params_correct_answers():
    assert check_block_params(
        69_632
    )  # 256-channel bottleneck of width 64, convs only
    assert check_block_params(
        69632.0
    )  # a float that is a whole number is fine
    assert check_block_params(73_728, block="basic", in_channels=64, planes=64)
    total = 69_632 + 2 * (64 + 64 + 256)
    assert check_block_params(total, part="total")


@pytest.mark.parametrize(
    "answer, kwargs, phrase",
    [
        (69_632 + 2 * (64 + 64 + 256), {}, "BatchNorm parameters"),
        (
            256 * 64 + 9 * 64 * 64 + 64 * 64,
            {},
            "last 1x1 convolution keeps the width",
        ),
        (256 * 64 + 64 * 64 + 64 * 256, {}, "middle convolution as 1x1"),
        (
            73_728 // 9,
            {"block": "basic", "in_channels": 64, "planes": 64},
            "3x3 kernel size",
        ),
        (
            36_864,
            {"block": "basic", "in_channels": 64, "planes": 64},
            "one convolution",
        ),
        (
            69_632 + 4 * (64 + 64 + 256),
            {"part": "total"},
            "running mean and variance",
        ),
        (69_632, {"part": "total"}, "only the convolution weights"),
        # a stage-opening bottleneck: 64 -> 256 channels with a projection shortcut
        (
            64 * 64 + 9 * 64 * 64 + 64 * 256 + 2 * 384,
            {"in_channels": 64, "part": "total"},
            "left out the shortcut",
        ),
    ],
)
def test_block_params_typical_mistakes(answer, kwargs, phrase):
    fb = check_block_params(answer, **kwargs)
    assert not fb and phrase in fb.message and fb.hint


def test_block_params_bad_types():
    fb = check_block_params("69632")
    assert (
        "the text '69632'" in fb.message
        and "pass the number 69632 without quotes" in fb.hint
    )
    assert "not a whole number" in check_block_params(69632.5).message
    assert (
        not check_block_params(70_000)
        and "close to" in check_block_params(70_000).message
    )


# ------------------------------------------------------------ a student's BasicBlock


class StudentBlock(nn.Module):
    """A correct block with its own names and a different layout."""

    def __init__(self, cin, planes, stride):
        super().__init__()
        self.a = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.na = nn.BatchNorm2d(planes)
        self.b = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.nb = nn.BatchNorm2d(planes)
        self.skip = (
            nn.Sequential(
                nn.Conv2d(cin, planes, 1, stride, bias=False),
                nn.BatchNorm2d(planes),
            )
            if stride != 1 or cin != planes
            else nn.Identity()
        )

    def forward(self, x):
        return torch.relu(
            self.nb(self.b(torch.relu(self.na(self.a(x))))) + self.skip(x)
        )


def _variant(body):
    class Variant(StudentBlock):
        def forward(self, x):
            return body(self, x)

    return Variant


MISTAKES = {
    "no ReLU after the addition": _variant(
        lambda s, x: s.nb(s.b(torch.relu(s.na(s.a(x))))) + s.skip(x)
    ),
    "ReLU comes before the addition": _variant(
        lambda s, x: (
            torch.relu(s.nb(s.b(torch.relu(s.na(s.a(x)))))) + s.skip(x)
        )
    ),
    "shortcut is missing": _variant(
        lambda s, x: torch.relu(s.nb(s.b(torch.relu(s.na(s.a(x))))))
    ),
    "middle ReLU is missing": _variant(
        lambda s, x: torch.relu(s.nb(s.b(s.na(s.a(x)))) + s.skip(x))
    ),
}


def test_student_block_with_other_names_passes():
    fb = check_basic_block(StudentBlock)
    assert fb, str(fb)
    from resnet_lib import BasicBlock

    assert check_basic_block(lambda c, p, s: BasicBlock(c, p, s))
    assert check_basic_block(
        lambda c, p, s: torchvision.models.resnet.BasicBlock(
            c,
            p,
            s,
            downsample=None
            if s == 1 and c == p
            else nn.Sequential(
                nn.Conv2d(c, p, 1, s, bias=False), nn.BatchNorm2d(p)
            ),
        )
    )


@pytest.mark.parametrize("phrase", sorted(MISTAKES))
def test_student_block_mistakes_are_named(phrase):
    fb = check_basic_block(MISTAKES[phrase])
    assert not fb and phrase in fb.message and fb.hint, str(fb)


def test_student_block_structural_mistakes():
    class NoProjection(StudentBlock):
        def __init__(self, cin, planes, stride):
            super().__init__(cin, planes, stride)
            self.skip = nn.Identity()

    fb = check_basic_block(NoProjection)
    assert "raised RuntimeError" in fb.message and "1x1 projection" in fb.hint

    class WithBias(StudentBlock):
        def __init__(self, cin, planes, stride):
            super().__init__(cin, planes, stride)
            self.a = nn.Conv2d(cin, planes, 3, stride, 1, bias=True)

    assert "bias" in check_basic_block(WithBias).message

    class Broken(nn.Module):
        def __init__(self, cin, planes):  # forgot stride
            super().__init__()

    assert "raised TypeError" in check_basic_block(Broken).message


# ------------------------------------------------------------ stage channels and depth


def test_stage_channels():
    assert check_stage_channels([256, 512, 1024, 2048], 50)
    assert check_stage_channels((64, 128, 256, 512), 18)
    assert (
        "before expansion"
        in check_stage_channels([64, 128, 256, 512], 50).message
    )
    assert (
        "expansion of 4"
        in check_stage_channels([256, 512, 1024, 2048], 34).message
    )
    assert "four stages" in check_stage_channels([256, 512, 1024], 50).message
    assert (
        "wrong places"
        in check_stage_channels([2048, 1024, 512, 256], 50).message
    )
    # a long text is cut where it is quoted, and says so
    quoted = check_stage_channels("[256, 512,\n" + "1024, " * 30).message
    assert quoted.startswith("you passed the text '[256, 512,\\n1024,")
    assert "10..., not" in quoted and len(quoted) < 120


def test_depth():
    m = resnet50()
    assert check_depth(50, m) and check_depth(
        101, torchvision.models.resnet101(weights=None)
    )
    assert "projection shortcuts" in check_depth(54, m).message
    assert "BatchNorm" in check_depth(50 + 53, m).message
    assert "one short" in check_depth(49, m).message
    assert "not the depth" in check_depth(7, m).message
    assert (
        check_depth(20, cifar_resnet(20))
        and "replace None" in check_depth(None, m).hint
    )


def test_feedback_renders():
    fb = check_block_params(1)
    assert (
        isinstance(fb, Feedback)
        and str(fb).startswith("Not yet:")
        and "Hint:" in str(fb)
    )
    assert (
        "<div" in fb._repr_html_()
        and "Correct" in check_block_params(69_632)._repr_html_()
    )


# ------------------------------------------------------------ the tables the pages show


def said(feedback):
    return feedback.ok, feedback.message, feedback.hint


@pytest.mark.parametrize(
    "model, depth, wrong",
    [
        # counting-to-101: 55 and 57 one off, 83 three convolutions per block; its 55
        # BatchNorms alone and with its 0 projections give one number: neither named
        (cifar_resnet(56), 56, [83, 55, 57]),
        # the design exercise: its 4 projections give 42, its 41 BatchNorms (stem, 36
        # in the blocks, 4 on the projections) far more, its 2 pooling layers 40, two
        # convolutions per block 12 fewer
        (
            ResNet("bottleneck", [2, 3, 5, 2]),
            38,
            [42, 38 + 41, 38 + 41 + 4, 40, 38 - 12, 37, 39],
        ),
    ],
    ids=["cifar_resnet(56)", "ResNet-38"],
)
def test_the_depth_table_is_what_the_checker_says(model, depth, wrong):
    found = mistakes("check_depth", model=model)
    assert found.answer == depth
    assert [m.answer for m in found.mistakes] == wrong
    assert check_depth(found.answer, model).ok
    assert [said(check_depth(m.answer, model)) for m in found.mistakes] == [
        said(m.feedback()) for m in found.mistakes
    ]


def test_a_model_with_nothing_to_count():
    with pytest.raises(QuestionError, match="no Conv2d or Linear"):
        mistakes("check_depth", model=nn.ReLU())
    fb = check_depth(3, nn.ReLU())
    assert not fb and "no convolution or linear layers" in fb.message
    assert (
        "replace None" in check_depth(None, nn.ReLU()).hint
    )  # the answer first


@pytest.mark.parametrize(
    "depth, right, wrong",
    [
        (101, (256, 512, 1024, 2048), (64, 128, 256, 512)),
        (34, (64, 128, 256, 512), (256, 512, 1024, 2048)),
    ],
)
def test_the_stage_channels_table_holds_four_numbers(depth, right, wrong):
    found = mistakes("check_stage_channels", depth=depth)
    assert found.answer == right
    assert [m.answer for m in found.mistakes] == [wrong]
    assert check_stage_channels(list(right), depth=depth).ok
    assert said(check_stage_channels(list(wrong), depth=depth)) == said(
        found.mistakes[0].feedback()
    )
