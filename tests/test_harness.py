"""The checker harness: calling a student's code, and numeric questions as tables that the
checkers themselves judge by (each mistake a table lists gets exactly its own message)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from resnet_lib import ResNet, cifar_resnet, resnet50
from resnet_lib.exercises import answers
from resnet_lib.exercises.feedback import (
    Feedback,
    Question,
    QuestionError,
    read_integer,
    read_number,
    say,
)
from resnet_lib.exercises.harness import (
    Mistake,
    Otherwise,
    attempt,
    call_student,
    error_line,
    error_name,
    judge,
    mistakes,
    table,
    tabled_checkers,
)
from resnet_lib.i18n import N_, Text

# ------------------------------------------------------------ calling a student's code


def test_attempt_gives_the_result_or_the_error():
    assert attempt(lambda a, b: a + b, 2, 3) == (5, None)
    result, err = attempt(int, "x")
    assert result is None and isinstance(err, ValueError)


def test_attempt_catches_what_student_code_raises_but_not_an_interrupt():
    def question():  # a student's code may raise the checkers' own error too
        raise QuestionError("part must be 'conv' or 'total'")

    def interrupted():
        raise KeyboardInterrupt

    result, err = attempt(question)
    assert result is None and isinstance(err, QuestionError)
    with pytest.raises(KeyboardInterrupt):
        attempt(interrupted)


def _fails(message: str):
    def fn(*args):
        raise ValueError(message)

    return fn


def test_call_student_names_the_call_and_the_error_on_one_clipped_line():
    out, fb = call_student(
        _fails("bad\n  shape " + "x" * 300),
        (1,),
        N_("{call} raised {error}"),
        "take the step",
        call="lr(1)",
    )
    assert out is None and fb is not None and not fb.ok
    assert fb.message.startswith("lr(1) raised ValueError: bad shape xx")
    assert "\n" not in fb.message and fb.message.endswith("...")
    assert len(fb.message) == len("lr(1) raised ValueError: ") + 200
    assert fb.hint == "take the step"
    assert call_student(lambda s: s * 2, (3,), N_("{error}"), "")[0] == 6


def test_call_student_offers_the_name_and_the_detail_apart_and_a_hint_by_error():
    _, fb = call_student(
        _fails("size of tensor a (4)"),
        (),
        N_("your block raised {error} in {mode} mode: {detail}"),
        lambda err: "projection" if "size of tensor" in str(err) else "print",
        line=error_name,
        mode="eval",
    )
    assert fb is not None
    assert fb.message == (
        "your block raised ValueError in eval mode: size of tensor a (4)"
    )
    assert fb.hint == "projection"


def test_error_line_keeps_the_first_line():
    assert error_line(ValueError("one\ntwo")) == "ValueError: one"
    assert error_line(ValueError("")) == "ValueError"
    assert error_line(ValueError("y" * 200)).endswith("y...")


def test_a_replayed_error_reads_as_the_original_did():
    """In the judge a student's function is the replay of what it answered in the
    sandbox; its error comes back under the original class name."""

    def lr(step):
        raise ZeroDivisionError("division by zero")

    recorder = answers.Recorder(lr)
    said = call_student(
        recorder, (0,), N_("{call} raised {error}"), "", call="lr(0)"
    )
    replay = answers.Replay(recorder.calls)
    again = call_student(
        replay, (0,), N_("{call} raised {error}"), "", call="lr(0)"
    )
    assert said[1] is not None and again[1] is not None
    assert (
        said[1].message
        == again[1].message
        == ("lr(0) raised ZeroDivisionError: division by zero")
    )


# ------------------------------------------------------------ tables


def test_a_mistake_holds_its_hint_as_steps():
    one = Mistake(3, "three", "the fix")
    assert one.hint == ("the fix",)
    steps = Mistake(3, "three", ("what is wrong", "where", "the fix"))
    assert steps.feedback().hint == "what is wrong"
    assert Mistake(3, "three").feedback().hint == ""


def test_two_mistakes_on_one_number_are_dropped_kept_or_joined():
    found = [Mistake(5, "a", "x"), Mistake(5, "b", "y"), Mistake(7, "c", "z")]
    right = Mistake(1, "the right answer", "")
    assert [m.message for m in table(1, "ok", [*found, right]).mistakes] == [
        "c"
    ]
    first = table(1, "ok", found, shared="first")
    assert [m.message for m in first.mistakes] == ["a", "c"]
    joined = table(1, "ok", found, shared="join").mistakes[0].feedback()
    assert (joined.message, joined.hint) == ("a; or b", "x; y")
    with pytest.raises(ValueError):
        table(1, "ok", found, shared="both")


def test_judge_reads_the_answer_and_writes_a_near_one_as_given():
    cost = Question(N_("cost, in 224x224 views"), "answer = 2", integer=False)
    question = table(
        2.0,
        "right",
        [Mistake(4.0, Text("{cost} is twice", cost="4"), "h", shows="cost")],
    )

    def ask(answer):
        return judge(
            answer,
            cost,
            question,
            lambda value, found: Feedback.wrong(f"{value} of {found.answer}"),
            near=lambda got, target: abs(got.value - target) <= 0.01 * target,
            shown=str,
            read=read_number,
        )

    assert ask(2.01).ok and ask(2.01).message == "right"
    assert (ask(4.02).ok, ask(4.02).message) == (False, "4.02 is twice")
    assert ask(9).message == "9 of 2.0"
    assert ask("9").message == read_number("9", cost)[1].message
    counted = judge(4, cost, lambda: question, lambda v, f: None)
    assert counted.message == "4 is twice"


def test_what_any_other_answer_gets_is_data_too():
    """A table's Otherwise: its message writes the answer in its ``shows`` field (as
    judge's ``shown`` writes it), says close or far where it has a ``close``, and keeps
    its hint whatever the answer."""
    far = Otherwise(
        N_("{value:,} is far from the right count for the {block}."),
        ("count per layer", "then add"),
        {"block": "stem"},
        close=N_("{value:,} is close to the right count for the {block}."),
    )
    question = table(
        1000, "right", [Mistake(900, "the BatchNorms")], otherwise=far
    )
    count = Question(N_("count"), "answer = 1000")
    assert judge(1001, count, question).message == (
        "1,001 is close to the right count for the stem."
    )
    verdict = judge(1100, count, question)
    assert (verdict.ok, verdict.message, verdict.hint, verdict.steps) == (
        False,
        "1,100 is far from the right count for the stem.",
        "count per layer",
        ("then add",),
    )
    assert judge(900, count, question).message == "the BatchNorms"
    # the checker's own otherwise, where given, decides instead
    mine = judge(
        5, count, question, lambda value, found: Feedback.wrong("mine")
    )
    assert mine.message == "mine"
    views = Otherwise(
        N_("{views} is not the number of views"), "h", shows="views"
    )
    assert views.feedback(7, 162, shown="seven").message == (
        "seven is not the number of views"
    )
    with pytest.raises(ValueError, match="fields"):
        Otherwise(N_("{value} of {n} blocks"), "h")  # n not given
    with pytest.raises(ValueError, match="no Otherwise"):
        judge(5, count, table(1000, "right", []))


def test_judge_matches_a_real_answer_within_the_questions_tolerance():
    """Without ``near``, a real-valued answer counts as a number of the table within
    ``asked``'s tolerance and the rounding of the type it came in; a count, exactly."""
    rate = Question(N_("learning rate"), "answer = 0.1", integer=False)
    rates = table(0.01, "right", [Mistake(0.1, "the starting rate", "h")])

    def ask(answer, asked=rate, question=rates):
        return judge(
            answer,
            asked,
            question,
            lambda value, found: Feedback.wrong(f"{value!r} is no rate"),
            read=read_number,
        )

    assert ask(0.01).ok and ask(np.float32(0.01)).ok
    assert ask(0.01 * (1 + 5e-7)).ok and not ask(0.01 * (1 + 2e-6)).ok
    assert ask(np.float16(0.01)).ok  # 0.010002: float16's rounding, not a slip
    assert not ask(0.01 * (1 + 2e-3)).ok
    assert ask(np.float16(0.1)).message == "the starting rate"
    assert ask(0.05).message == "0.05 is no rate"
    epochs = Question(
        N_("number of epochs"),
        "answer = 2",
        integer=False,
        rel=0.0,
        abs_tol=0.5,
    )
    assert ask(182.5, epochs, table(182.04, "right", [])).ok
    assert not ask(182.6, epochs, table(182.04, "right", [])).ok
    count = Question(
        N_("depth"), "answer = 3"
    )  # read as a real, matched exactly
    assert ask(17.0, count, table(17, "right", [])).ok
    assert not ask(np.float32(17.000002), count, table(17, "right", [])).ok


def test_a_table_of_a_few_numbers():
    """A table's answers may be tuples, read by the checker's own ``read``."""
    widths = Question(N_("channel count"), "[c1, c2]")

    def read(answer, asked):
        values = [read_integer(a, asked) for a in answer]
        problems = [p for _, p in values if p is not None]
        if problems:
            return None, problems[0]
        return tuple(v for v, _ in values), None

    question = table((64, 128), "right", [Mistake((16, 32), "planes", "h")])

    def ask(answer):
        return judge(
            answer,
            widths,
            question,
            lambda got, found: Feedback.wrong(
                f"{list(got)} of {found.answer}"
            ),
            read=read,
        )

    assert ask([64, 128]).ok and ask((64.0, np.int64(128))).ok
    assert ask([16, 32]).message == "planes"
    assert ask([128, 64]).message == "[128, 64] of (64, 128)"
    assert "whole number" in ask([64, 1.5]).message


#: the models check_depth is asked about, by name: the book's three (counting-to-101,
#: architecture-builder) and torchvision's layout
MODELS = {
    "cifar_resnet(56)": cifar_resnet(56),
    "ResNet('bottleneck', [2, 3, 5, 2])": ResNet("bottleneck", [2, 3, 5, 2]),
    "ResNet('basic', [5, 5, 5], ..., shortcut='A')": ResNet(
        "basic",
        [5, 5, 5],
        num_classes=10,
        base_width=16,
        stem="cifar",
        shortcut="A",
    ),
    "resnet50()": resnet50(),
}

#: questions to ask each checker with a table (its defaults, the book's, and others)
QUESTIONS = {
    "check_block_params": [
        {},
        {"part": "total"},
        {"block": "basic", "in_channels": 64, "planes": 64},
        {"block": "basic", "in_channels": 64, "planes": 128, "stride": 2},
        {"block": "basic", "in_channels": 64, "planes": 128, "part": "total"},
        {"in_channels": 64, "planes": 64, "part": "total"},
        {"in_channels": 112, "planes": 16},  # two slips give one count
    ],
    "check_preact_unit_params": [{}, {"part": "conv"}, {"stride": 1}],
    "check_resnext_block_params": [
        {},
        {"part": "total"},
        {"in_channels": 256, "planes": 128, "stride": 2, "part": "total"},
        {"groups": 8, "width_per_group": 64, "part": "total"},
    ],
    "check_unit_count": [{}, {"per": "stage"}, {"depth": 1001}, {"depth": 56}],
    "check_multiscale_cost": [{}, {"scales": (224, 256)}, {"scales": (320,)}],
    "check_crop_views": [{}, {"size": 32, "padding": 4}, {"padding": 0}],
    "check_path_count": [{}, {"depth": 20, "length": 3}, {"depth": 8}],
    "check_shape_changing_blocks": [{}, {"depth": 110}],
    "check_depth": [{"model": model} for model in MODELS.values()],
    "check_group_width": [
        {},
        {"cardinality": 6},
        {"cardinality": 32},
        {"cardinality": 1},
        {"cardinality": 12, "in_channels": 64},
    ],
    "check_stage_channels": [{}, {"depth": 101}, {"depth": 34}, {"depth": 18}],
    "check_epochs": [{}],
    "check_lr_at": [{}, {"step": 40_000}, {"step": 100}, {"step": 50_000}],
    "check_mean_path_length": [{}, {"depth": 56}, {"depth": 20}],
    "check_explosion_depth": [{}, {"threshold": 100}, {"threshold": 10}],
    "check_vanishing_layers": [
        {},
        {"gain": 0.9, "fraction": 0.01},
        {"gain": 0.5, "fraction": 0.4},
        {"gain": 0.99, "fraction": 0.001},
    ],
}


#: a number as a message writes it (grouped by three, or not)
NUMBER = re.compile(r"[0-9][0-9,.]*")


def _question_id(question: dict) -> str:
    """A question as a test id, a model by its name in :data:`MODELS`."""
    names = {id(model): name for name, model in MODELS.items()}
    return repr({k: names.get(id(v), v) for k, v in question.items()})


def test_every_checker_with_a_table_is_tested_here():
    assert tabled_checkers() == sorted(QUESTIONS)


@pytest.mark.parametrize(
    "name, question",
    [(n, q) for n, qs in QUESTIONS.items() for q in qs],
    ids=lambda v: v if isinstance(v, str) else _question_id(v),
)
def test_the_checker_says_what_its_table_says(name, question):
    from resnet_lib.exercises.feedback import all_checkers

    check = all_checkers()[name]
    found = mistakes(name, **question)
    right = check(found.answer, **question)
    assert right.ok and right.message == say(found.right)
    assert found.mistakes, "a table with no mistake diagnoses nothing"
    assert len({m.answer for m in found.mistakes}) == len(found.mistakes)
    for m in found.mistakes:
        assert m.answer != found.answer
        fb = check(m.answer, **question)
        expected = m.feedback()
        assert not fb.ok, (m.answer, fb)
        assert (fb.message, fb.hint) == (expected.message, expected.hint)
    if (
        found.otherwise is not None
    ):  # a whole number far from every number of the table
        numbers = [found.answer, *(m.answer for m in found.mistakes)]
        flat = [
            n for v in numbers for n in (v if isinstance(v, tuple) else (v,))
        ]
        other = 7 * int(max(flat)) + 13
        fb = check(other, **question)
        expected = found.otherwise.feedback(other, found.answer)
        assert not fb.ok and (fb.hint, fb.steps) == (
            expected.hint,
            expected.steps,
        )
        # the same sentence, the number written as the checker's ``shown`` writes it
        assert NUMBER.sub("#", fb.message) == NUMBER.sub("#", expected.message)


def test_a_checker_without_a_table_says_so():
    with pytest.raises(ValueError, match="check_crop_views"):
        mistakes("check_basic_block")
    with pytest.raises(ValueError):
        mistakes("no_such_checker")
    with pytest.raises(QuestionError):
        mistakes("check_block_params", part="weights")
    with pytest.raises(TypeError):
        mistakes("check_crop_views", side=3)


def test_a_mistakes_first_step_comes_with_the_verdict_and_the_rest_when_asked():
    from resnet_lib.exercises.harness import Mistake

    mistake = Mistake(
        7, "seven is BN's count", ("what is wrong", "where", "the fix")
    )
    verdict = mistake.feedback()
    assert verdict.hint == "what is wrong" and len(verdict.steps) == 2
    assert "hint=1" in str(verdict) and "where" not in str(verdict)
    asked = verdict.asking(2)
    assert asked.hint == "what is wrong\nwhere\nthe fix"
    assert "Hint 2 of 2: the fix" in str(asked) and "hint=3" not in str(asked)
    assert "Hint 1 of 2:" in asked._repr_html_()
    assert Mistake(7, "seven", "only").feedback().steps == ()
