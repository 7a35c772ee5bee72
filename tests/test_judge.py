"""The judge grades what the probe recorded as the checker graded the living answer.

The marker runs a student's notebook in a sandbox, where a probe records every checker
call as data (:mod:`resnet_lib.exercises.answers`), and grades those calls again outside
(:mod:`resnet_lib.classroom.judge`). These tests hold the two to the same verdict: the
answers' data round trip, a student's function replayed, and, over every test of every
checker (the property tests included), the judge's verdict beside the checker's.
"""

from __future__ import annotations

import json
import math
import os
from decimal import Decimal
from fractions import Fraction
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from resnet_lib.classroom.judge import OUTSIDE, SANDBOX, judge
from resnet_lib.exercises.answers import (
    NotRecorded,
    Opaque,
    Recorder,
    decode,
    encode,
    is_placeholder,
)
from resnet_lib.exercises.feedback import describe, say
from resnet_lib.exercises import answers, graphs
from resnet_lib.exercises.architecture import check_basic_block
from resnet_lib.exercises.training import check_random_crop
from resnet_lib.i18n import Text

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        7,
        -(2**60),
        10**400,
        Fraction(10**400, 3),  # exact, and beyond any float
        Decimal("-1e400"),
        -(10**5000),  # beyond str()'s 4,300 digits: it travels in hex
        0.1,
        math.inf,
        "e",
        [1, 2.5],
        (1, "a"),
        {1, 2},
        {"a": [1]},
        {(1, 2): 3},
        np.int32(5),
        np.float32(0.1),
        np.array([[1.5, 2]]),
        np.array(3),
        torch.tensor(0.1),
        torch.tensor([1, 2], dtype=torch.int16),
        torch.tensor(2.0, dtype=torch.float64),
    ],
    # pytest's own id would be str(value), which 10**5000 refuses
    ids=lambda v: (
        "long int" if isinstance(v, int) and abs(v) > 2**64 else None
    ),
)
def test_an_answer_comes_back_as_it_was_given(value):
    back = decode(encode(value))
    assert type(back) is type(value)
    if isinstance(value, torch.Tensor):
        assert back.dtype == value.dtype and torch.equal(back, value)
    elif isinstance(value, np.ndarray | np.generic):
        assert back.dtype == value.dtype and np.array_equal(back, value)
    else:
        assert back == value


def test_a_long_whole_number_travels_in_decimal_as_far_as_int_reads_it(
    monkeypatch,
):
    """Decimal up to Python's default 4,300 digits, hex beyond, whatever limit the
    learner's kernel has set (or a Python without one): the marker's process, with the
    default limit, reads every one back."""
    longest, longer = 10**4300 - 1, 10**4300
    assert set(encode(longest)["int"]) == {"9"}
    assert encode(longer)["int"].startswith("0x")
    for limit in (0, 100_000):  # no limit, or a higher one, in the kernel
        monkeypatch.setattr(sys, "get_int_max_str_digits", lambda: limit)
        assert encode(longer)["int"].startswith("0x")
    monkeypatch.delattr(sys, "get_int_max_str_digits")  # before Python 3.10.7
    assert encode(longer)["int"].startswith("0x")
    assert "4,301 digits" in repr(Text("{n}", n=longer))
    monkeypatch.undo()
    assert decode(encode(longest)) == longest
    assert decode(encode(-longer)) == -longer


def test_what_cannot_travel_is_described_and_never_run():
    class Block(torch.nn.Module):
        pass

    cls = decode(encode(Block))
    assert is_placeholder(cls) and cls is not Block and cls.__name__ == "Block"
    assert issubclass(cls, torch.nn.Module) and not list(cls().children())
    model = decode(encode(torch.nn.Linear(2, 2)))
    assert is_placeholder(model) and not list(model.parameters())
    assert say(describe(model)) == say(describe(torch.nn.Linear(2, 2)))
    assert isinstance(decode(encode(open)), Opaque)
    with pytest.raises(ValueError, match="not a library dataclass"):
        decode({"dataclass": "os:system", "fields": {}})
    with pytest.raises(ValueError, match="not an encoded answer"):
        decode({"pickle": "..."})
    # garbled exact numbers are refused as data, never raised as arithmetic
    for garbled in (
        {"fraction": [1, 0]},
        {"fraction": [1.5, 2]},
        {"fraction": [{"int": "7"}, -3]},
        {"decimal": "pi"},
    ):
        with pytest.raises(ValueError, match="not a (fraction|decimal)"):
            decode(garbled)


def test_a_replayed_function_answers_only_what_it_was_asked():
    recorder = Recorder(lambda x: x * 2)
    assert recorder(3) == 6 and recorder(4) == 8
    replay = decode(encode(recorder))
    assert replay(3) == 6
    with pytest.raises(NotRecorded, match="other inputs"):
        replay(5)
    again = decode(encode(recorder))
    assert (again(3), again(4)) == (6, 8)
    with pytest.raises(NotRecorded, match="this often"):
        again(4)


def test_a_function_that_changes_its_input_is_seen_changing_it():
    def in_place(images, pad):
        images[:, :, 0, 0] = 0  # the mistake: writes into the batch
        return images.flip(-1)

    in_notebook = check_random_crop(in_place)
    recorder = Recorder(in_place)
    check_random_crop(recorder)
    verdict = judge(
        {"checker": "check_random_crop", "call": encode([[recorder], {}])}
    )
    assert verdict["judged"] == OUTSIDE
    assert (verdict["ok"], verdict["message"]) == (
        in_notebook.ok,
        in_notebook.message,
    )
    assert "in place" in verdict["message"]


def test_a_forged_verdict_or_question_is_not_believed():
    record = {
        "checker": "check_block_params",
        "call": encode(
            [[1], {"block": "bottleneck", "in_channels": 512, "planes": 128}]
        ),
        "ok": True,
        "message": "right",
        "question": {"block": "'basic'"},
    }
    verdict = judge(record)
    assert not verdict["ok"] and verdict["judged"] == OUTSIDE
    assert verdict["question"]["block"] == "'bottleneck'"
    assert not judge({"checker": "print", "call": encode([[1], {}])})["ok"]
    assert not judge({"checker": "check_epochs", "call": {"x": 1}})["ok"]


class Student(torch.nn.Module):
    """A student's BasicBlock, with names of its own."""

    def __init__(self, cin, planes, stride):
        super().__init__()
        self.a = torch.nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.na = torch.nn.BatchNorm2d(planes)
        self.b = torch.nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.nb = torch.nn.BatchNorm2d(planes)
        self.skip = torch.nn.Sequential()
        if stride != 1 or cin != planes:
            self.skip = torch.nn.Sequential(
                torch.nn.Conv2d(cin, planes, 1, stride, bias=False),
                torch.nn.BatchNorm2d(planes),
            )

    def forward(self, x):
        out = torch.relu(self.na(self.a(x)))
        return torch.nn.functional.relu(self.nb(self.b(out)) + self.skip(x))


class Branchy(Student):
    def forward(self, x):  # control flow on a value: torch.fx cannot trace it
        return super().forward(x) if x.sum() > 0 else x


def _probed(checker, *args):
    """The record the probe writes for one call, and the verdict in the notebook."""
    recorded = [
        answers.record_arguments(dict(enumerate(args)))[i]
        for i in range(len(args))
    ]
    verdict = checker(*recorded)
    return {
        "checker": checker.__name__,
        "call": encode([recorded, {}]),
        "ok": verdict.ok,
        "message": verdict.message,
        "hint": verdict.hint,
    }, verdict


def test_a_block_class_is_rebuilt_from_its_graph_and_judged_outside():
    record, in_notebook = _probed(check_basic_block, Student)
    assert in_notebook.ok
    verdict = judge(record)
    assert verdict["judged"] == OUTSIDE and verdict["ok"]
    assert verdict["message"] == in_notebook.message
    record, in_notebook = _probed(check_basic_block, Branchy)
    verdict = judge(record)
    assert verdict["judged"] == SANDBOX  # untraceable: the notebook's verdict
    assert verdict["ok"] == in_notebook.ok


def test_a_rebuilt_module_computes_what_the_student_module_computes():
    block = Student(8, 16, 2).eval()
    rebuilt = graphs.rebuild(graphs.export(block)).eval()
    x = torch.randn(2, 8, 8, 8)
    assert torch.equal(rebuilt(x), block(x))
    assert rebuilt.state_dict().keys() == block.state_dict().keys()


@pytest.mark.parametrize(
    "target, refused",
    [
        ("torch:save", "not an operation"),
        ("torch:load", "not an operation"),
        ("torch:manual_seed", "not an operation"),
        ("os:system", "not a PyTorch function"),
        ("builtins:open", "not an allowed built-in"),
        ("torch:_C", "not a public function"),
    ],
)
def test_a_graph_calls_nothing_but_tensor_operations(target, refused):
    data = graphs.export(Student(4, 4, 1))
    node = next(n for n in data["graph"] if n["op"] == "call_function")
    node["target"] = {"function": target}
    with pytest.raises(ValueError, match=refused):
        graphs.rebuild(data)


def test_a_trusted_module_gets_no_attribute_of_the_datas_choosing():
    data = graphs.export(torch.nn.ReLU())
    data["attributes"]["__class__"] = encode(torch.nn.Conv2d)
    with pytest.raises(ValueError, match="not an attribute to set"):
        graphs.rebuild(data)
    data = graphs.export(torch.nn.ReLU())
    data["tree"] = "os:system"
    with pytest.raises(ValueError, match="not a module of PyTorch"):
        graphs.rebuild(data)


def test_a_graph_reads_no_private_attribute():
    data = graphs.export(Student(4, 4, 1))
    node = next(n for n in data["graph"] if n["op"] == "call_function")
    x = data["graph"][0]["name"]
    node.update(
        target={"function": "builtins:getattr"},
        args={"seq": [{"node": x}, {"value": "__class__"}], "tuple": True},
        kwargs={"map": {}},
    )
    with pytest.raises(ValueError, match="private attribute"):
        graphs.rebuild(data)


def test_a_model_in_a_question_travels_by_its_structure():
    """check_depth(answer, model): the model the student built is rebuilt from its
    layers (the library's blocks included), weights left out; only a model torch.fx
    cannot trace keeps the notebook's verdict."""
    from resnet_lib import cifar_resnet
    from resnet_lib.exercises.architecture import check_depth

    model = cifar_resnet(20)
    for answer in (20, 19):
        in_notebook = check_depth(answer, model)
        call = encode([[answer, model], {}], models=True)
        assert len(json.dumps(call)) < 200_000  # shapes, not 270,000 weights
        verdict = judge({"checker": "check_depth", "call": call})
        assert verdict["judged"] == OUTSIDE
        assert (verdict["ok"], verdict["message"]) == (
            in_notebook.ok,
            in_notebook.message,
        )
    record = {"ok": True, "message": "m", "hint": ""}
    untraceable = encode([[20, Branchy(4, 4, 1)], {}], models=True)
    kept = judge({**record, "checker": "check_depth", "call": untraceable})
    assert kept["judged"] == SANDBOX and kept["ok"]
    elsewhere = judge(
        {**record, "checker": "check_epochs", "call": untraceable}
    )
    assert elsewhere["judged"] == OUTSIDE and not elsewhere["ok"]


def test_the_judge_speaks_the_notebook_language():
    call = encode([[1], {}])
    zh = judge({"checker": "check_epochs", "call": call, "language": "zh_CN"})
    en = judge({"checker": "check_epochs", "call": call, "language": "xx"})
    assert zh["message"] != en["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh["message"])


@pytest.mark.slow
def test_every_checker_test_gets_the_same_verdict_from_the_judge():
    """Every test of every checker, run again with the judge beside each checker call
    (tests/conftest.py's mirror): the property tests try every kind of answer."""
    tests = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "tests").glob("test_*.py")
        if p.name.startswith(
            ("test_exercises_", "test_checkers_properties", "test_bug_bank")
        )
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            *tests,
        ],
        cwd=ROOT,
        env={**os.environ, "RESNET_JUDGE_MIRROR": "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout


def test_a_hint_asked_for_is_judged_as_a_request_for_help():
    """Issue 26: ``hint=`` travels with the call; the judge gives the steps asked for
    and says the call asked (``asked``), with the question as it would be without it."""
    from resnet_lib.exercises.bugbank import BUGS, check_fix

    buggy = BUGS["double-relu"].buggy
    recorded = answers.record_arguments({0: buggy})[0]
    in_notebook = check_fix(recorded, bug="double-relu", hint=2)
    call = encode([[recorded], {"bug": "double-relu", "hint": 2}])
    verdict = judge({"checker": "check_fix", "call": call})
    plain = judge(
        {
            "checker": "check_fix",
            "call": encode([[recorded], {"bug": "double-relu"}]),
        }
    )
    assert verdict["asked"] == 2 and plain["asked"] == 0
    assert verdict["question"] == plain["question"] == {"bug": "'double-relu'"}
    assert not verdict["ok"] and verdict["hint"] == in_notebook.hint
    assert (
        len(verdict["steps"]) == 3 and verdict["steps"][1] in verdict["hint"]
    )
    assert plain["hint"] == "" and plain["steps"] == verdict["steps"]


def test_hints_asked_for_are_neither_attempts_nor_the_last_verdict():
    from resnet_lib.classroom.marking import score

    def call(ok: bool, asked: int = 0) -> dict:
        return {"label": "ex", "ok": ok, "asked": asked, "message": "m"}

    result = {"verdicts": [call(False), *[call(True, 1)] * 7, call(False, 3)]}
    mark = score(result, ["ex"], max_attempts=5)["ex"]
    assert (mark["state"], mark["attempts"], mark["hints"]) == ("wrong", 1, 8)
    only_hints = score({"verdicts": [call(True, 1)]}, ["ex"], 5)["ex"]
    assert only_hints["state"] == "not answered" and only_hints["hints"] == 1
    searching = {"verdicts": [call(False)] * 6 + [call(True)]}
    assert score(searching, ["ex"], 5)["ex"]["state"] == "void"


def test_the_probe_records_the_hint_asked_for():
    from resnet_lib.classroom import probe
    from resnet_lib.exercises import feedback
    from resnet_lib.exercises.bugbank import BUGS, check_fix

    records: list[dict] = []

    def listener(name, fb, call):
        records.append(probe.record(name, fb, call))

    feedback.add_probe(probe.wrap)
    feedback.add_listener(listener)
    try:
        in_notebook = check_fix(
            BUGS["double-relu"].buggy, bug="double-relu", hint=1
        )
    finally:
        feedback._PROBES.remove(probe.wrap)
        feedback.remove_listener(listener)
    verdict = judge(records[0])
    assert verdict["asked"] == 1 and verdict["hint"] == in_notebook.hint
