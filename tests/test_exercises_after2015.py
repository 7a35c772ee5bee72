"""Checkers of the identity-mappings and ResNeXt chapters: every correct answer form
passes, typical mistakes get a named hint, and the expected answers agree with the
built modules and with the papers' own tables."""

import numpy as np
import pytest
import torch

from resnet_lib import cifar_resnet, count_params
from resnet_lib.exercises.after2015 import (
    check_clean_orderings,
    check_group_width,
    check_preact_unit_params,
    check_resnext_block_params,
    check_unit_count,
    equal_cost_width,
    template_cost,
)
from resnet_lib.exercises.feedback import QuestionError
from resnet_lib.exercises.harness import mistakes
from resnet_lib.nn.blocks import Bottleneck
from resnet_lib.reference import RESNEXT_TABLE3, RESNEXT_TEMPLATE_PARAMS

# ------------------------------------------------------------ clean orderings


@pytest.mark.parametrize(
    "answer",
    [
        ["c", "d", "e"],
        ("e", "d", "c"),
        {"relu_before_add", "relu_preact", "full_preact"},
        "c, d, e",
        "(c), (d) and (e)",
        "4(c) 4(d) 4(e)",
        "cde",
        "C; D; E",
        [
            "ReLU before addition",
            "ReLU-only pre-activation",
            "full pre-activation",
        ],
        ["relu_before_add", "d", "Fig. 4(e)"],
    ],
)
def test_clean_orderings_every_correct_form(answer):
    fb = check_clean_orderings(answer)
    assert fb, fb


@pytest.mark.parametrize(
    "answer, phrase",
    [
        (["e"], "left out (c)"),
        (["d", "e"], "left out (c)"),
        (["c", "e"], "left out (d)"),
        (["a", "c", "d", "e"], "ReLU follows the addition"),
        ("b, c, d, e", "BatchNorm follows the addition"),
        (["c", "d", "e", "f"], "'f' names none"),
        ([], "no ordering"),
        (None, "still None"),
        (3, "where a list of orderings goes"),
        ([1, 2], "not a name or a letter"),
    ],
)
def test_clean_orderings_mistakes(answer, phrase):
    fb = check_clean_orderings(answer)
    assert not fb and phrase in fb.message and fb.hint


# ------------------------------------------------------------ pre-activation unit


def test_preact_unit_params_is_the_built_unit():
    unit = cifar_resnet(164).layer2[0]  # 64 -> 32 -> 128, stride 2, projection
    built = count_params(unit)
    convs = sum(
        m.weight.numel()
        for name, m in unit.named_modules()
        if isinstance(m, torch.nn.Conv2d) and "downsample" not in name
    )
    for form in (built, float(built), np.int64(built), torch.tensor(built)):
        assert check_preact_unit_params(form)
    assert check_preact_unit_params(convs, part="conv")
    middle = cifar_resnet(164).layer2[1]
    assert check_preact_unit_params(
        count_params(middle), in_channels=128, stride=1
    )


@pytest.mark.parametrize(
    "answer, kwargs, phrase",
    [
        (15_360, {}, "only the convolution weights"),
        (23_808 - 256 + 2 * (32 + 32 + 128), {}, "after the convolutions"),
        (23_808 - 128, {}, "one parameter per BatchNorm channel"),
        (15_360 + 256, {"part": "conv"}, "BatchNorm parameters"),
        (15_360 + 8_192, {"part": "conv"}, "projection shortcut"),
        (23_808 - 32 * 128 + 32 * 32, {}, "keeps the width"),
    ],
)
def test_preact_unit_params_mistakes(answer, kwargs, phrase):
    fb = check_preact_unit_params(answer, **kwargs)
    assert not fb and phrase in fb.message and fb.hint


def test_preact_unit_params_names_no_mistake_that_two_would_explain():
    # 15,616 is both "left out the shortcut" and "treated the 3x3 as 1x1"
    fb = check_preact_unit_params(23_808 - 8_192)
    assert not fb and "looks like" not in fb.message


def test_preact_unit_params_bad_answers_and_questions():
    assert "without quotes" in check_preact_unit_params("23808").hint
    assert "not a whole number" in check_preact_unit_params(23808.5).message
    assert "close to" in check_preact_unit_params(24_000).message
    with pytest.raises(QuestionError):
        check_preact_unit_params(1, part="weights")


# ------------------------------------------------------------ units of a 9n+2 net


@pytest.mark.parametrize("depth, n", [(164, 18), (1001, 111), (29, 3)])
def test_unit_count_is_the_built_networks(depth, n):
    if (
        depth != 1001
    ):  # building ResNet-1001 costs a second; 9n+2 is the same rule
        assert len(cifar_resnet(depth, block="bottleneck").blocks()) == 3 * n
    assert check_unit_count(3 * n, depth=depth)
    assert check_unit_count(np.int32(n), depth=depth, per="stage")


@pytest.mark.parametrize(
    "answer, kwargs, phrase",
    [
        (18, {}, "ONE stage"),
        (54, {"per": "stage"}, "whole network"),
        (81, {}, "6n+2"),
        (27, {"per": "stage"}, "6n+2"),
        (111, {"depth": 1001}, "ONE stage"),
    ],
)
def test_unit_count_mistakes(answer, kwargs, phrase):
    fb = check_unit_count(answer, **kwargs)
    assert not fb and phrase in fb.message and fb.hint


def test_unit_count_rejects_a_depth_that_is_not_9n_plus_2():
    with pytest.raises(QuestionError, match="9n\\+2"):
        check_unit_count(1, depth=100)


# ------------------------------------------------------------ ResNeXt block


def test_resnext_block_params_is_the_built_block():
    block = Bottleneck(256, 64, groups=32, width_per_group=4)
    convs = sum(
        m.weight.numel()
        for m in block.modules()
        if isinstance(m, torch.nn.Conv2d)
    )
    assert check_resnext_block_params(convs)
    assert check_resnext_block_params(count_params(block), part="total")
    opening = Bottleneck(256, 128, stride=2, groups=32, width_per_group=4)
    assert check_resnext_block_params(
        count_params(opening), planes=128, stride=2, part="total"
    )


@pytest.mark.parametrize(
    "answer, kwargs, phrase",
    [
        (256 * 128 + 9 * 128 * 128 + 128 * 256, {}, "ordinary (ungrouped)"),
        (256 * 4 + 9 * 4 * 4 + 4 * 256, {}, "one of the paths"),
        (70_144 + 2 * (128 + 128 + 256), {}, "BatchNorm parameters"),
        (256 * 128 + 9 * 4 * 128 + 128 * 128, {}, "keeps the width"),
    ],
)
def test_resnext_block_params_mistakes(answer, kwargs, phrase):
    fb = check_resnext_block_params(answer, **kwargs)
    assert not fb and phrase in fb.message and fb.hint


# ------------------------------------------------------------ equal-cost width


def test_equal_cost_width_reproduces_the_resnext_papers_table():
    """Xie et al. 2017, Tables 2-3: 1x64d, 2x40d, 4x24d, 8x14d, 32x4d cost about the
    same (~70k parameters for conv2's block); our rule finds the same d for each C."""
    pairs = {(c, d) for depth, c, d in RESNEXT_TABLE3}
    assert len(pairs) == 5
    for c, d in pairs:
        assert equal_cost_width(c) == d
        cost = template_cost(c, d).conv
        assert (
            abs(cost - RESNEXT_TEMPLATE_PARAMS) / RESNEXT_TEMPLATE_PARAMS
            < 0.03
        )


def test_group_width_answers():
    assert check_group_width(17)  # 6 x 17d: 67,830 against 69,632
    assert check_group_width(17.0) and check_group_width(np.float32(17))
    assert check_group_width(10, cardinality=12)
    assert check_group_width(4, cardinality=32)


@pytest.mark.parametrize(
    "answer, phrase",
    [
        (18, "close"),
        (16, "close"),
        (17.37, "not a whole number"),
        (102, "whole width"),
        (11, "width of 64"),
        (26, "3x3's weights equal"),
        (40, "far from"),
        (0, "no width"),
    ],
)
def test_group_width_mistakes(answer, phrase):
    fb = check_group_width(answer)
    assert not fb and phrase in fb.message and fb.hint


def test_checkers_never_raise_on_odd_answers():
    for odd in (
        "abc",
        [1, 2],
        {"a": 1},
        object(),
        float("nan"),
        torch.ones(3),
    ):
        for check in (
            check_preact_unit_params,
            check_unit_count,
            check_resnext_block_params,
            check_group_width,
            check_clean_orderings,
        ):
            fb = check(odd)
            assert not fb and fb.message


def said(feedback):
    return feedback.ok, feedback.message, feedback.hint


def test_the_group_width_table_for_the_books_question():
    """What the page shows for cardinality 6 (issue 27), and the checker says the same."""
    found = mistakes("check_group_width", cardinality=6)
    assert found.answer == 17
    # C x d; 64 / 6 rounded and floored; 64 / sqrt(6); one either side
    assert [m.answer for m in found.mistakes] == [102, 11, 10, 26, 16, 18]
    assert check_group_width(found.answer).ok
    assert [said(check_group_width(m.answer)) for m in found.mistakes] == [
        said(m.feedback()) for m in found.mistakes
    ]
