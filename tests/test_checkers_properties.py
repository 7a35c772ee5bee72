"""Every checker, every kind of answer: right values always pass, wrong ones never do, and
nothing a student can pass raises or dumps a repr (issue 12, part 1).

The expected answers come from outside the checkers wherever there is such a source:
torchvision's blocks and models (parameters counted with ``p.numel()``, depth from the
model's name), the paper's Table 1 widths and its CIFAR-10 schedule, and closed-form
arithmetic written out here.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import torch
import torchvision
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from torch import nn

from resnet_lib import ResNet, cifar_resnet
from resnet_lib.experiments.degradation import DegradationResult
from resnet_lib.exercises import feedback as fb_module
from resnet_lib.exercises.architecture import (
    check_basic_block,
    check_block_params,
    check_depth,
    check_stage_channels,
)
from resnet_lib.exercises.feedback import Feedback, all_checkers, fmt
from resnet_lib.exercises.gradients import (
    _plain_sweep,
    check_error_gap,
    check_explosion_depth,
    check_vanishing_layers,
)
from resnet_lib.exercises.training import (
    check_epochs,
    check_lr_at,
    check_paper_lr,
    check_random_crop,
)
from resnet_lib.training import History

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# ------------------------------------------------------------ the ways of writing one number


def int_forms(v: int) -> list:
    """Every way a student may hand in the count ``v``: all must be read as ``v``."""
    forms = [
        v,
        float(v),
        np.int64(v),
        np.float64(v),
        np.array(v),
        np.array(float(v)),
        torch.tensor(v),
        torch.tensor(float(v), dtype=torch.float64),
        torch.tensor([v]),
        np.array([v]),
    ]
    if abs(v) < 2**31:
        forms += [np.int32(v), torch.tensor(v, dtype=torch.int32)]
    if abs(v) < 2**24:  # float32 holds every integer below 2**24 exactly
        forms += [
            np.float32(v),
            torch.tensor(float(v), dtype=torch.float32),
            torch.tensor(float(v)).item(),
        ]
    return forms


#: which of the forms of a count (there are 10 to 15: see int_forms)
INT_FORM = st.integers(0, 14)


def int_form(v: int, which: int):
    """The ``which``-th form of ``v`` (modulo the number of forms of ``v``)."""
    forms = int_forms(v)
    return forms[which % len(forms)]


def nonzero(bound: int):
    """A wrong offset from the right count: a whole number in ``[-bound, bound]``, not 0."""
    return st.integers(-bound, bound).filter(bool)


def real_forms(x: float) -> list:
    """Every way a student may hand in the real number ``x`` (float32 rounding included)."""
    return [
        x,
        np.float64(x),
        np.float32(x),
        np.array(x),
        np.array(x, dtype=np.float32),
        torch.tensor(x),
        torch.tensor(x, dtype=torch.float64),
        torch.tensor(x).item(),
        float(np.float32(x)),
    ]


def assert_explains(feedback: Feedback) -> None:
    """A wrong answer: not ok, a one-line message and a hint, no repr dump, no internal failure."""
    assert isinstance(feedback, Feedback) and not feedback
    assert feedback.message.strip() and feedback.hint.strip(), feedback
    assert (
        "\n" not in feedback.message
        and len(feedback.message) + len(feedback.hint) < 400
    ), feedback
    assert "could not read your answer" not in feedback.message, (
        feedback
    )  # the safety net never fires


def wrong_kinds(right) -> dict:
    """Answers of the wrong kind, with a phrase their feedback must contain."""
    return {
        "text": (str(right), "without quotes"),
        "text with a thousands comma": (f"{right:,}", "without quotes"),
        "None": (None, "replace None"),
        "several numbers": (torch.tensor([right, right]), ".item()"),
        "numpy vector": (np.array([right, right]), ".item()"),
        "a list": ([right], "one number"),
        "a bool": (True, "bool"),
        "a model": (cifar_resnet(20), "ResNet model"),
        "a class": (nn.Conv2d, "class Conv2d"),
        "words": ("fifty", "text 'fifty'"),
        "nan": (float("nan"), "finite"),
    }


# ------------------------------------------------------------ depth: from torchvision's names and 6n+2

TORCHVISION = {
    d: getattr(torchvision.models, f"resnet{d}")(weights=None)
    for d in (18, 50)
}
CIFAR = {d: cifar_resnet(d) for d in (20, 56)}
DEPTH_MODELS = (
    [(d, m) for d, m in TORCHVISION.items()]
    + [(d, m) for d, m in CIFAR.items()]
    + [(38, ResNet("bottleneck", [2, 3, 5, 2]))]
)  # 1 + 3 * 12 + 1, written out


@pytest.mark.parametrize(
    "depth, model", DEPTH_MODELS, ids=[str(d) for d, _ in DEPTH_MODELS]
)
def test_depth_right_in_every_form(depth, model):
    for form in int_forms(depth):
        assert check_depth(form, model), (type(form), check_depth(form, model))


@SETTINGS
@given(
    which=st.sampled_from(range(len(DEPTH_MODELS))),
    delta=nonzero(300),
    form=INT_FORM,
)
def test_depth_wrong_never_passes(which, delta, form):
    depth, model = DEPTH_MODELS[which]
    assert_explains(check_depth(int_form(depth + delta, form), model))


@pytest.mark.parametrize("kind", sorted(wrong_kinds(50)))
def test_depth_wrong_kinds_are_named(kind):
    answer, phrase = wrong_kinds(50)[kind]
    feedback = check_depth(answer, TORCHVISION[50])
    assert_explains(feedback)
    assert phrase in feedback.message + feedback.hint, feedback


def test_depth_arguments_swapped_or_of_the_wrong_kind():
    model = ResNet("bottleneck", [2, 3, 5, 2])
    swapped = check_depth(model, 38)
    assert_explains(swapped)
    assert (
        "got a ResNet model" in swapped.message
        and "check_depth(answer, model)" in swapped.hint
    )
    cls = check_depth(38, ResNet)
    assert_explains(cls)
    assert "class ResNet" in cls.message
    assert "where the model goes" in check_depth(38, "resnet38").message
    assert_explains(
        check_depth(38)
    )  # the model forgotten: the signature, not a TypeError
    assert "check_depth(answer, model)" in check_depth(38).hint


def test_depth_diagnoses_only_what_the_arithmetic_proves():
    # ResNet-56 has one pooling layer: 57 could be anything, so no "you counted the pooling layers"
    feedback = check_depth(57, CIFAR[56])
    assert_explains(feedback)
    assert "pooling" not in feedback.message and "one over" in feedback.message
    # ResNet-50: 4 projections, 53 BatchNorms: each difference names its cause
    assert "4 projection shortcuts" in check_depth(54, TORCHVISION[50]).message
    assert "53 BatchNorm" in check_depth(50 + 53, TORCHVISION[50]).message
    # 2 convolutions per bottleneck instead of 3: 16 blocks fewer
    assert (
        "2 convolutions in each of the 16 blocks"
        in check_depth(50 - 16, TORCHVISION[50]).message
    )
    assert "block diagram" not in check_depth(7, TORCHVISION[50]).hint


# ------------------------------------------------------------ block parameters: torchvision's blocks


def torchvision_block(
    block: str, in_channels: int, planes: int, stride: int
) -> nn.Module:
    cls = (
        torchvision.models.resnet.Bottleneck
        if block == "bottleneck"
        else torchvision.models.resnet.BasicBlock
    )
    out = planes * cls.expansion
    downsample = None
    if stride != 1 or in_channels != out:
        downsample = nn.Sequential(
            nn.Conv2d(in_channels, out, 1, stride, bias=False),
            nn.BatchNorm2d(out),
        )
    return cls(in_channels, planes, stride, downsample=downsample)


def torchvision_counts(block, in_channels, planes, stride) -> dict[str, int]:
    m = torchvision_block(block, in_channels, planes, stride)
    conv = sum(
        p.numel() for n, p in m.named_parameters() if n.startswith("conv")
    )
    return {"conv": conv, "total": sum(p.numel() for p in m.parameters())}


BLOCKS = st.tuples(
    st.sampled_from(["basic", "bottleneck"]),
    st.sampled_from([16, 64, 128, 256, 512]),
    st.sampled_from([16, 64, 128]),
    st.sampled_from([1, 2]),
    st.sampled_from(["conv", "total"]),
)


@SETTINGS
@given(question=BLOCKS, form=INT_FORM)
def test_block_params_right_in_every_form(question, form):
    block, cin, planes, stride, part = question
    expected = torchvision_counts(block, cin, planes, stride)[part]
    feedback = check_block_params(
        int_form(expected, form),
        block=block,
        in_channels=cin,
        planes=planes,
        stride=stride,
        part=part,
    )
    assert feedback, feedback


@SETTINGS
@given(question=BLOCKS, delta=nonzero(10**6), form=INT_FORM)
def test_block_params_wrong_never_passes(question, delta, form):
    block, cin, planes, stride, part = question
    expected = torchvision_counts(block, cin, planes, stride)[part]
    assert_explains(
        check_block_params(
            int_form(expected + delta, form),
            block=block,
            in_channels=cin,
            planes=planes,
            stride=stride,
            part=part,
        )
    )


@pytest.mark.parametrize("kind", sorted(wrong_kinds(278_528)))
def test_block_params_wrong_kinds_are_named(kind):
    answer, phrase = wrong_kinds(278_528)[kind]
    feedback = check_block_params(
        answer, block="bottleneck", in_channels=512, planes=128
    )
    assert_explains(feedback)
    assert phrase in feedback.message + feedback.hint, feedback


def test_hints_fit_the_question():
    """A depth question and a parameter-count question get their own examples."""
    depth = check_depth(None, TORCHVISION[18]).hint
    params = check_block_params(None).hint
    assert depth != params and "depth" in depth and "parameter count" in params
    assert "3 * 3 * 64 * 64" not in depth
    text = check_block_params("230,144")
    assert (
        "the text '230,144'" in text.message
        and "pass the number 230144 without quotes" == text.hint
    )


def test_teacher_side_misuse_raises():
    with pytest.raises(ValueError, match="part must be"):
        check_block_params(1, part="weights")
    with pytest.raises(ValueError, match="depth must be one of"):
        check_stage_channels([1, 2, 3, 4], depth=51)


# ------------------------------------------------------------ stage channels: the paper's Table 1

PAPER_WIDTHS = {
    18: [64, 128, 256, 512],
    34: [64, 128, 256, 512],
    50: [256, 512, 1024, 2048],
    101: [256, 512, 1024, 2048],
    152: [256, 512, 1024, 2048],
}


def channel_forms(widths: list[int]) -> list:
    return [
        list(widths),
        tuple(widths),
        [float(w) for w in widths],
        np.array(widths),
        torch.tensor(widths),
        [np.int64(w) for w in widths],
        [torch.tensor(w) for w in widths],
        np.array(widths, dtype=np.float32),
    ]


@pytest.mark.parametrize("depth", sorted(PAPER_WIDTHS))
def test_stage_channels_right_in_every_form(depth):
    for form in channel_forms(PAPER_WIDTHS[depth]):
        assert check_stage_channels(form, depth=depth), (
            form,
            check_stage_channels(form, depth=depth),
        )


@SETTINGS
@given(
    depth=st.sampled_from(sorted(PAPER_WIDTHS)),
    widths=st.lists(st.integers(-5000, 5000), min_size=0, max_size=6),
    form=st.integers(0, 7),
)
def test_stage_channels_wrong_never_passes(depth, widths, form):
    assume(widths != PAPER_WIDTHS[depth])
    forms = channel_forms(widths) if widths else [[], ()]
    assert_explains(
        check_stage_channels(forms[form % len(forms)], depth=depth)
    )


@pytest.mark.parametrize(
    "answer, phrase",
    [
        ("2048", "the text '2048'"),
        (2048, "one number"),
        (None, "None"),
        ([256, "512", 1024, 2048], "item 1"),
        (torch.zeros(2, 2), "shape (2, 2)"),
        ({"layer1": 256}, "dict"),
        ([256, 512.5, 1024, 2048], "whole number"),
    ],
)
def test_stage_channels_wrong_kinds_are_named(answer, phrase):
    feedback = check_stage_channels(answer, depth=50)
    assert_explains(feedback)
    assert phrase in feedback.message + feedback.hint, feedback


# ------------------------------------------------------------ the degradation gap: arithmetic


def degradation_result(
    deep_train: float,
    shallow_train: float,
    deep_test: float,
    shallow_test: float,
):
    return DegradationResult(
        {
            "plain-20": History(
                train_error=[0.9] + [shallow_train] * 3,
                test_error=[shallow_test],
            ),
            "plain-56": History(
                train_error=[0.9] + [deep_train] * 3, test_error=[deep_test]
            ),
        }
    )


ERRORS = st.floats(0.0, 1.0, allow_nan=False)


@SETTINGS
@given(
    errors=st.tuples(ERRORS, ERRORS, ERRORS, ERRORS), form=st.integers(0, 8)
)
def test_error_gap_right_in_every_form(errors, form):
    result = degradation_result(*errors)
    gap = errors[0] - errors[1]
    assert check_error_gap(real_forms(gap)[form], result)


@SETTINGS
@given(
    errors=st.tuples(ERRORS, ERRORS, ERRORS, ERRORS),
    answer=st.floats(-150, 150, allow_nan=False),
    form=st.integers(0, 8),
)
def test_error_gap_wrong_never_passes(errors, answer, form):
    gap = errors[0] - errors[1]
    assume(
        abs(answer - gap) > 5e-3 * 1.01
    )  # the checker's documented tolerance
    assert_explains(
        check_error_gap(real_forms(answer)[form], degradation_result(*errors))
    )


def test_error_gap_wrong_kinds_and_order():
    result = degradation_result(0.85, 0.6, 0.86, 0.62)
    for kind, (answer, phrase) in wrong_kinds(0.25).items():
        feedback = check_error_gap(answer, result)
        assert_explains(feedback)
        if kind not in ("text with a thousands comma",):
            assert phrase in feedback.message + feedback.hint, (kind, feedback)
    swapped = check_error_gap(result, 0.25)
    assert_explains(swapped)
    assert (
        "DegradationResult" in swapped.message
        and "check_error_gap(answer, result)" in swapped.hint
    )
    assert "where the result" in check_error_gap(0.25, 0.25).message


# ------------------------------------------------------------ the vanishing product: closed form


def smallest_l(gain: float, fraction: float) -> int:
    product, layers = 1.0, 0
    while product >= fraction:
        product *= gain
        layers += 1
    return layers


QUESTIONS = st.tuples(st.floats(0.5, 0.99), st.floats(0.001, 0.5))


@SETTINGS
@given(question=QUESTIONS, form=INT_FORM)
def test_vanishing_layers_right_in_every_form(question, form):
    gain, fraction = question
    expected = smallest_l(gain, fraction)
    # on the boundary (gain**L within rounding of fraction) the two ways of computing may differ
    assume(
        abs(gain**expected - fraction) > 1e-9
        and abs(gain ** (expected - 1) - fraction) > 1e-9
    )
    assert check_vanishing_layers(
        int_form(expected, form), gain=gain, fraction=fraction
    )


@SETTINGS
@given(question=QUESTIONS, delta=nonzero(10**4), form=INT_FORM)
def test_vanishing_layers_wrong_never_passes(question, delta, form):
    gain, fraction = question
    assert_explains(
        check_vanishing_layers(
            int_form(smallest_l(gain, fraction) + delta, form),
            gain=gain,
            fraction=fraction,
        )
    )


def test_vanishing_layers_wrong_kinds():
    for kind, (answer, phrase) in wrong_kinds(44).items():
        feedback = check_vanishing_layers(answer)
        assert_explains(feedback)
        assert phrase in feedback.message + feedback.hint, (kind, feedback)


# ------------------------------------------------------------ the explosion depth (from the sweep itself)


def test_explosion_depth_every_form_and_every_wrong_depth():
    ratios = dict(_plain_sweep(0))
    expected = min(d for d, r in ratios.items() if r > 100)
    for form in int_forms(expected):
        assert check_explosion_depth(form, threshold=100), form
    for wrong in [d for d in ratios if d != expected] + [0, -8, 21, 57, 10**9]:
        for form in int_forms(wrong)[:6]:
            assert_explains(check_explosion_depth(form, threshold=100))
    for kind, (answer, phrase) in wrong_kinds(expected).items():
        feedback = check_explosion_depth(answer, threshold=100)
        assert_explains(feedback)
        assert phrase in feedback.message + feedback.hint, (kind, feedback)


# ------------------------------------------------------------ epochs and the learning rate: the paper's numbers

EPOCHS = (
    64_000 * 128 / 45_000
)  # He et al. 2016, section 4.2: 64k iterations, batch 128, 45k/5k split


@SETTINGS
@given(
    answer=st.sampled_from([EPOCHS, 182, round(EPOCHS, 1), round(EPOCHS, 2)]),
    form=st.integers(0, 8),
)
def test_epochs_right_in_every_form(answer, form):
    assert check_epochs(real_forms(float(answer))[form])


@SETTINGS
@given(answer=st.floats(-1e6, 1e6, allow_nan=False), form=st.integers(0, 8))
def test_epochs_wrong_never_passes(answer, form):
    assume(abs(answer - EPOCHS) > 0.5 * 1.01)
    assert_explains(check_epochs(real_forms(answer)[form]))


def paper_lr(step: int) -> float:
    return 0.1 if step < 32_000 else 0.01 if step < 48_000 else 0.001


@SETTINGS
@given(step=st.integers(0, 70_000), form=st.integers(0, 8))
def test_lr_at_right_in_every_form(step, form):
    assert check_lr_at(real_forms(paper_lr(step))[form], step=step)


@SETTINGS
@given(
    step=st.integers(0, 70_000),
    answer=st.floats(-10, 10, allow_nan=False),
    form=st.integers(0, 8),
)
def test_lr_at_wrong_never_passes(step, answer, form):
    assume(abs(answer - paper_lr(step)) > 1e-5 * paper_lr(step))
    assert_explains(check_lr_at(real_forms(answer)[form], step=step))


def test_lr_at_float32_of_the_issue():
    assert check_lr_at(torch.tensor(0.1).item(), step=10_000)
    assert check_lr_at(np.float32(0.001), step=50_000)
    for kind, (answer, phrase) in wrong_kinds(0.01).items():
        feedback = check_lr_at(answer)
        assert_explains(feedback)
        if kind != "text with a thousands comma":
            assert phrase in feedback.message + feedback.hint, (kind, feedback)


@pytest.mark.parametrize(
    "wrap",
    [
        float,
        np.float32,
        np.float64,
        np.array,
        torch.tensor,
        lambda v: torch.tensor(v, dtype=torch.float64),
    ],
    ids=[
        "float",
        "np.float32",
        "np.float64",
        "np.array",
        "torch.float32",
        "torch.float64",
    ],
)
def test_paper_lr_accepts_every_number_type(wrap):
    table = {
        v: wrap(v) for v in (0.1, 0.01, 0.001)
    }  # built once: the checker calls lr 64,000 times
    assert check_paper_lr(lambda s: table[paper_lr(s)])


@pytest.mark.parametrize(
    "lr, phrase",
    [
        (0.1, "pass your function itself"),
        (None, "pass your function itself"),
        (lambda s: None, "returned None"),
        (lambda s: "0.1", "the text"),
        (lambda s: [0.1], "list"),
        (lambda: 0.1, "raised TypeError"),
    ],
)
def test_paper_lr_wrong_kinds(lr, phrase):
    feedback = check_paper_lr(lr)
    assert_explains(feedback)
    assert phrase in feedback.message + feedback.hint, feedback


def test_paper_lr_rejects_float32_of_a_wrong_schedule():
    assert_explains(
        check_paper_lr(
            lambda s: np.float32(
                0.1 if s < 32_000 else 0.01 if s < 48_000 else 0.0001
            )
        )
    )


# ------------------------------------------------------------ functions and classes passed wrongly


@pytest.mark.parametrize(
    "augment, phrase",
    [
        (torch.zeros(2, 3, 32, 32), "pass your function itself"),
        (None, "pass your function itself"),
        (lambda x, pad: None, "returned None"),
        (lambda x, pad: "crop", "returned the text"),
    ],
)
def test_random_crop_wrong_kinds(augment, phrase):
    feedback = check_random_crop(augment)
    assert_explains(feedback)
    assert phrase in feedback.message + feedback.hint, feedback


def test_basic_block_wrong_kinds():
    from resnet_lib import BasicBlock

    instance = check_basic_block(BasicBlock(16, 32, 2))
    assert_explains(instance)
    assert (
        "instance" in instance.hint
        and "check_basic_block(BasicBlock)" in instance.hint
    )
    assert "BasicBlock(" not in instance.message.replace(
        "check_basic_block(BasicBlock)", ""
    )  # no repr dump
    for answer in (None, 3, "MyBlock"):
        assert_explains(check_basic_block(answer))
    assert "not an nn.Module" in check_basic_block(lambda c, p, s: 3).message

    class ReturnsList(nn.Module):
        def __init__(self, c, p, s):
            super().__init__()
            self.conv = nn.Conv2d(c, p, 3, s, 1, bias=False)

        def forward(self, x):
            return [self.conv(x)]

    assert_explains(check_basic_block(ReturnsList))


# ------------------------------------------------------------ recording verdicts for the marker


def test_every_checker_reports_its_verdict_once():
    seen = []

    def listen(name, feedback, call):
        seen.append((name, feedback.ok, call["answer"]))

    fb_module.add_listener(listen)
    try:
        check_depth(38, ResNet("bottleneck", [2, 3, 5, 2]))
        check_lr_at("0.01")
        check_depth(ResNet("basic", [1, 1, 1, 1]), 10)
    finally:
        fb_module.remove_listener(listen)
    check_epochs(182)  # no longer listening
    assert seen == [
        ("check_depth", True, "38"),
        ("check_lr_at", False, "'0.01'"),
        ("check_depth", False, "a ResNet model (an nn.Module)"),
    ]


# ------------------------------------------------------------ answers that are no finite number

#: an answer that is no finite number -> the word its feedback shows
NON_FINITE = [
    (math.inf, "inf"),
    (-math.inf, "-inf"),
    (math.nan, "nan"),
    (torch.tensor(math.inf), "inf"),
    (torch.tensor(math.nan, dtype=torch.float16), "nan"),
    (np.float32(-math.inf), "-inf"),
    (np.array(math.nan), "nan"),
]


def _one_box_per_checker() -> list[tuple[str, dict]]:
    from test_answer_boxes import NUMERIC  # the book's own questions

    return list({name: (name, q) for _, name, q in NUMERIC}.values())


@pytest.mark.parametrize("name, question", _one_box_per_checker())
def test_a_non_finite_answer_is_named_not_a_crash(name, question):
    """inf and nan, as floats, tensors and numpy values: every checker with a
    table says what was passed (before, a tensor holding inf crashed the
    checker in ``describe`` and the safety net did not catch it)."""
    check = all_checkers()[name]
    for answer, shown in NON_FINITE:
        feedback = check(answer, **question)
        assert_explains(feedback)
        assert shown in feedback.message, (answer, feedback)


#: a number beyond any float -> the words its feedback may show: its digits
#: (a checker of one number), or the number as fmt writes it (the four stage
#: widths' checker: "you passed one number (1e+400)")
BEYOND_FLOAT = [
    (10**400, ("401 digits", "1e+400")),
    (-(10**400) + 1, ("400 digits", "-1e+400")),
    (2**1024, ("309 digits", "1.79769e+308")),  # the first beyond a float
    (10**5000, ("5,001 digits", "1e+5000")),  # too long for str()
    (Fraction(10**400, 3), ("inf", "a Fraction")),
    (Decimal("-1e400"), ("-inf", "a Decimal")),  # float() of it is -inf
]


@pytest.mark.parametrize("name, question", _one_box_per_checker())
def test_a_number_beyond_any_float_is_named_not_a_crash(name, question):
    """Before, 10**400 reached the safety net in 10 of these checkers ("could
    not read your answer (OverflowError ...)"), whose diagnoses divide by it,
    and 10**5000 raised out of every checker (its repr is refused)."""
    check = all_checkers()[name]
    for answer, words in BEYOND_FLOAT:
        feedback = check(answer, **question)
        assert_explains(feedback)
        assert any(w in feedback.message for w in words), (name, feedback)


@pytest.mark.parametrize("name, question", _one_box_per_checker())
def test_a_long_whole_number_is_written_short(name, question):
    """2**1000 (302 digits) is read and judged; a message that writes it writes
    it as a float would (before: up to 1,235 characters of digits)."""
    feedback = all_checkers()[name](2**1000, **question)
    assert_explains(
        feedback
    )  # one line, message and hint under 400 characters
    assert not re.search(r"\d{25}", feedback.message.replace(",", ""))


def test_a_number_just_inside_the_floats_is_still_judged():
    # 2**1023 fits a float: it is read and judged like any wrong answer
    check = all_checkers()["check_mean_path_length"]
    feedback = check(2**1023, depth=56)
    assert_explains(feedback)
    assert feedback.message.startswith("8.98847e+307 is not the mean")


@pytest.mark.parametrize(
    "value, written",
    [
        (230144, "230,144"),
        (10**24 - 1, "999,999,999,999,999,999,999,999"),  # 24 digits: all
        (10**24, "1e+24"),  # as float's 6 significant digits write it
        (123456789 * 10**30, "1.23457e+38"),
        (1999999 * 10**30, "2e+36"),  # rounded up to the next power of ten
        (-(10**400), "-1e+400"),  # no float holds it
        (10**5000, "1e+5000"),  # str() refuses it (over 4,300 digits)
    ],
    ids=lambda v: v if isinstance(v, str) else "",  # no str() of 10**5000
)
def test_fmt_writes_a_long_whole_number_as_a_float_would(value, written):
    assert fmt(value) == written
    if abs(value) < 10**300:
        assert fmt(float(value)) == fmt(value) or len(str(value)) <= 24
