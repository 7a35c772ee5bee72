"""Marking a whole class (issue 12, part 2): `python -m resnet_lib.mark` on the sample class
of tests/marking/submissions/ (written by tests/marking/make_submissions.py from the chapter's
own notebook), every row's status and scores, the CSVs and the feedback pages.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import resnet_lib
from resnet_lib.classroom import find_submissions, gradebook_table
from resnet_lib.classroom.reference import Matcher, calls_in, read_reference
from resnet_lib.classroom.runner import tampering_in

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "tests" / "marking" / "submissions"
REFERENCE = ROOT / "notebooks" / "basic-vs-bottleneck.ipynb"
LABELS = ["ex-bottleneck-params", "ex-basic-total"]
STRAY = (
    Path(resnet_lib.__file__).parent
    / "exercises"
    / "zz_marker_test_override.py"
)  # oscar tries to write it

# student: (status, scores per exercise of LABELS, a phrase of the detail column)
EXPECTED = {
    "alice": ("ok", [1, 1], ""),
    "bob": ("ok", [1, 0], ""),
    "carol": ("cell-error", [1, 1], "ConnectionRefusedError"),
    "dave": ("timeout", [1, 1], "ran past 20 s and was stopped"),
    "erin": ("truncated", [0, 0], "ends in the middle"),
    "frank": ("unreadable", [0, 0], "not JSON"),
    "grace": ("ok", [1, 1], ""),
    "heidi": ("ok", [1, 1], ""),
    "ivan": ("import-error", [1, 1], "ModuleNotFoundError"),
    "judy": ("tampered", [0, 0], "defines its own check_block_params"),
    "mallory": ("tampered", [0, 0], "changes arch.block_params"),
    "oscar": ("cell-error", [1, 1], "Read-only file system"),
    "trent": ("tampered", [1, 0], "builds a Feedback itself"),
    "victor": ("ok", [0, 1], ""),
    "walter": ("ok", [1, 0], ""),
}


# ------------------------------------------------------------ fast: the parts, without kernels


def test_students_are_named_by_file_or_folder():
    subs = {
        s.student: s.file.relative_to(SUBMISSIONS).as_posix()
        for s in find_submissions(SUBMISSIONS)
    }
    assert (
        subs["alice"] == "alice.ipynb"
        and subs["mallory"] == "mallory/basic-vs-bottleneck.ipynb"
    )
    assert sorted(subs) == sorted(EXPECTED)


def test_reference_exercises_and_their_questions():
    exercises = read_reference(nbformat.read(REFERENCE, as_version=4))
    checked = [e for e in exercises if e.checked]
    assert [e.label for e in checked] == LABELS
    assert checked[0].calls[0].literals == {
        "block": "bottleneck",
        "in_channels": 512,
        "planes": 128,
    }
    matcher = Matcher(exercises)
    question = {
        "block": "'basic'",
        "in_channels": "64",
        "planes": "64",
        "stride": "1",
        "shortcut": "'B'",
        "part": "'total'",
    }
    assert (
        matcher.label(
            {"checker": "check_block_params", "question": question}, None
        )
        == "ex-basic-total"
    )
    easier = dict(
        question, part="'conv'"
    )  # the same block, an easier question: counts for nothing
    assert (
        matcher.label(
            {"checker": "check_block_params", "question": easier}, None
        )
        is None
    )


def test_reference_in_the_fenced_form_too():
    md = ":::{exercise}\n:label: ex-a\nCount.\n:::\n"
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(md),
            nbformat.v4.new_code_cell("check_depth(answer, my_net)"),
            nbformat.v4.new_markdown_cell(
                ":::{solution} ex-a\n:class: dropdown\n38\n:::\n\n"
                + md.replace("ex-a", "ex-b")
            ),
            nbformat.v4.new_code_cell("check_depth(answer, cifar_resnet(56))"),
        ]
    )
    exercises = read_reference(nb)
    assert [(e.label, e.calls[0].sources) for e in exercises] == [
        ("ex-a", {"1": "my_net"}),
        ("ex-b", {"1": "cifar_resnet(56)"}),
    ]
    matcher = Matcher(
        exercises
    )  # no literal to tell them apart: the student's cell decides
    cell = nbformat.v4.new_code_cell(
        "answer = 56\ncheck_depth(answer, cifar_resnet(56))"
    )
    assert matcher.cell_label(cell) == "ex-b"


@pytest.mark.parametrize(
    "source, phrase",
    [
        (
            "def check_depth(a, m):\n    return True",
            "defines its own check_depth",
        ),
        ("check_error_gap = lambda a, r: True", "assigns to check_error_gap"),
        (
            "import resnet_lib.exercises.gradients as g\ng.check_error_gap = print",
            "changes g.check_error_gap",
        ),
        (
            "from resnet_lib.exercises import training\ntraining.MILESTONES = (1, 2)",
            "changes training.MILESTONES",
        ),
        (
            "import resnet_lib\nsetattr(resnet_lib.exercises.training, 'PAPER_BATCH', 1)",
            "calls setattr",
        ),
        (
            "from resnet_lib.exercises.feedback import Feedback\nFeedback(True, 'ok')",
            "builds a Feedback",
        ),
        (
            "from resnet_lib.exercises.feedback import Feedback\nFeedback.right('ok')",
            "builds a Feedback",
        ),
        (
            "from resnet_lib.exercises import feedback\nfeedback._LISTENERS.clear()",
            "listeners",
        ),
        (
            "from math import sqrt as check_depth",
            "imports sqrt as check_depth",
        ),
        (
            "%pip install foo\nfrom resnet_lib import counting as c\nc.block_params = None",
            "changes c.block_params",
        ),
    ],
)
def test_tampering_is_read_from_the_source(source, phrase):
    assert any(phrase in found for found in tampering_in(source)), (
        tampering_in(source)
    )


@pytest.mark.parametrize(
    "source",
    [
        "answer = 3 * 3 * 64 * 64\ncheck_block_params(answer)",
        "from resnet_lib.exercises.architecture import check_depth\nmodel = resnet50()\nmodel.fc = nn.Linear(2048, 10)",
        "import torch\ntorch.backends.cudnn.benchmark = True",
        "%matplotlib inline\nx = {}\nx['check'] = 1",
    ],
)
def test_ordinary_cells_are_not_tampering(source):
    assert tampering_in(source) == []


def test_calls_are_read_with_their_literal_questions():
    (call,) = calls_in(
        'answer = None\ncheck_block_params(answer, block="basic", in_channels=64, part="total")'
    )
    assert (
        call.checker == "check_block_params"
        and call.literals["part"] == "total"
    )


# ------------------------------------------------------------ slow: the whole sample class, as a teacher runs it


@pytest.fixture(scope="module")
def marked(tmp_path_factory):
    out = tmp_path_factory.mktemp("marks")
    STRAY.unlink(missing_ok=True)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "resnet_lib.mark",
            str(SUBMISSIONS),
            "--reference",
            str(REFERENCE),
            "--out",
            str(out),
            "--timeout",
            "60",
            "--cell-timeout",
            "20",
            "--jobs",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@pytest.mark.slow
def test_every_student_gets_a_row_with_status_and_scores(marked):
    with open(marked / "gradebook.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert list(next(csv.reader(open(marked / "gradebook.csv")))) == [
        "student",
        "file",
        *LABELS,
        "total",
        "max",
        "status",
        "detail",
    ]
    assert sorted(rows) == sorted(EXPECTED)
    for student, (status, scores, phrase) in EXPECTED.items():
        row = rows[student]
        got = (row["status"], [int(row[label]) for label in LABELS])
        assert got == (status, scores), (student, row)
        assert int(row["total"]) == sum(scores) and row["max"] == "2"
        assert phrase in row["detail"], (student, row["detail"])
    assert rows["mallory"]["file"] == "basic-vs-bottleneck.ipynb"


@pytest.mark.slow
def test_the_checkers_verdicts_are_recorded(marked):
    report = json.loads((marked / "results.json").read_text())
    results = {r["student"]: r for r in report["students"]}
    assert not STRAY.exists(), "a notebook wrote into the installed package"
    assert (
        results["victor"]["marks"]["ex-bottleneck-params"]["state"] == "void"
    )  # 9 calls, searching
    assert results["victor"]["marks"]["ex-bottleneck-params"]["attempts"] > 5
    mallory = results["mallory"]["marks"]["ex-bottleneck-params"]["verdict"]
    assert not mallory["ok"] and mallory["judged"] == "outside"
    # the patched counting said yes in her notebook; the judge's says no
    assert results["trent"]["unmatched"] and not any(
        v["ok"] for v in results["trent"]["unmatched"]
    )  # the verdict he fed the listeners is not an answer
    assert (
        results["walter"]["unmatched"][0]["question"]["part"] == "'conv'"
    )  # the easier question, not counted
    heidi = [
        v["label"] for v in results["heidi"]["verdicts"]
    ]  # reordered, duplicated, no metadata
    assert heidi == [
        "ex-bottleneck-params",
        "ex-basic-total",
        "ex-basic-total",
        "ex-bottleneck-params",
    ]
    assert {v["judged"] for r in results.values() for v in r["verdicts"]} == {
        "outside"
    }
    for r in results.values():
        file = next(SUBMISSIONS.rglob(r["file"]))
        assert r["sha256"] == hashlib.sha256(file.read_bytes()).hexdigest()
    assert (
        report["reference"]["sha256"]
        == hashlib.sha256(REFERENCE.read_bytes()).hexdigest()
    )


@pytest.mark.slow
def test_feedback_pages_say_what_was_right_and_what_was_wrong(marked):
    pages = {
        p.stem: p.read_text() for p in (marked / "feedback").glob("*.html")
    }
    assert sorted(pages) == sorted(EXPECTED)
    bob = pages["bob"]
    assert (
        "Score:</b> 1 of 2" in bob and "Correct: the bottleneck block" in bob
    )
    assert (
        "Not yet:" in bob
        and "<b>Hint:</b> add BatchNorm&#x27;s scale and shift" in bob
    )
    assert (
        "No answer reached the checker" in pages["erin"]
        and "truncated" in pages["erin"]
    )
    assert "defines its own check_block_params" in pages["judy"]
    assert "searched for with the checker" in pages["victor"]


@pytest.mark.slow
def test_the_sample_gradebook_is_what_the_marker_writes(marked):
    """tests/marking/sample-gradebook.csv is shown on the teachers' page; it must not drift. Regenerate with
    python -m resnet_lib.mark tests/marking/submissions --reference notebooks/basic-vs-bottleneck.ipynb \\
        --out /tmp/marks --timeout 60 --cell-timeout 20 && cp /tmp/marks/gradebook.csv tests/marking/sample-gradebook.csv"""
    assert (marked / "gradebook.csv").read_text() == (
        ROOT / "tests" / "marking" / "sample-gradebook.csv"
    ).read_text()


@pytest.mark.slow
def test_long_gradebook_for_an_lms_and_the_teachers_table(marked):
    with open(marked / "grades-long.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert set(rows[0]) == {
        "student_id",
        "assignment",
        "question",
        "score",
        "max_score",
        "status",
    }
    assert len(rows) == len(EXPECTED) * len(LABELS)
    assert {r["assignment"] for r in rows} == {"basic-vs-bottleneck"}
    table = gradebook_table(marked / "gradebook.csv")
    assert table.splitlines()[0].startswith(
        "| student | file | ex-bottleneck-params"
    )
    assert "| alice | alice.ipynb | 1 | 1 | 2 | 2 | ok |" in table


def test_two_markers_never_share_a_sandbox_slot():
    from resnet_lib.classroom.marking import _claim_slot

    claims = [_claim_slot() for _ in range(40)]
    try:
        slots = [slot for slot, _ in claims]
        assert len(set(slots)) == len(slots)
        import socket

        taken = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with pytest.raises(OSError):
            taken.bind(f"\0resnet-mark-slot-{slots[0]}")
        taken.close()
    finally:
        for _, claim in claims:
            claim.close()


def test_a_roster_gives_each_row_the_platforms_id(tmp_path):
    """--roster: file -> student_id, in both gradebooks (files that never reach a
    kernel, so no sandbox starts)."""
    from resnet_lib.classroom.cli import read_roster
    from resnet_lib.classroom.marking import mark_folder

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "李华.ipynb").write_text("")
    (folder / "bo.ipynb").write_text('{"cells": [')
    (folder / "=HYPERLINK(1).ipynb").write_text("")
    roster = tmp_path / "roster.csv"
    roster.write_text("file,student_id\n李华.ipynb,s001\nbo.ipynb,s002\n")
    out = tmp_path / "out"
    rows = mark_folder(
        folder, REFERENCE, out, roster=read_roster(roster), progress=str
    )
    assert [(r["student"], r["student_id"], r["status"]) for r in rows] == [
        (
            "'=HYPERLINK(1)",
            "",
            "empty",
        ),  # text, not a formula, in a spreadsheet
        ("bo", "s002", "truncated"),
        ("李华", "s001", "empty"),
    ]
    header = (out / "gradebook.csv").read_text(encoding="utf-8").splitlines()
    assert header[0].startswith("student,student_id,file,")
    with open(out / "grades-long.csv", newline="", encoding="utf-8") as f:
        ids = {row["student_id"] for row in csv.DictReader(f)}
    assert ids == {"s001", "s002", ""}
    assert sorted(p.name for p in (out / "feedback").iterdir()) == [
        "HYPERLINK_1.html",
        "bo.html",
        "李华.html",
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("name,id\nx,1\n")
    with pytest.raises(ValueError, match="file,student_id"):
        read_roster(bad)


@pytest.mark.parametrize(
    "make",
    [
        lambda p: p.symlink_to("/dev/zero"),
        lambda p: p.symlink_to("/etc/passwd"),
        lambda p: os.mkfifo(p),
        lambda p: p.write_text("[1, 2]"),
        lambda p: p.write_text('{"records": '),
    ],
)
def test_what_the_runner_wrote_is_read_as_untrusted_data(tmp_path, make):
    """A notebook can leave anything where the runner's result goes: a link to a
    file of the marker's, a device, a pipe. The marker reads none of them."""
    from resnet_lib.classroom.marking import _result

    path = tmp_path / "result.json"
    make(path)
    assert _result(path) == {}


def _refused(capsys, *argv: str) -> str:
    """What resnet-mark says when it refuses ``argv`` (exit status 2, no traceback,
    nothing marked)."""
    from resnet_lib.classroom import cli

    with pytest.raises(SystemExit) as stop:
        cli.main(list(argv))
    assert stop.value.code == 2
    return capsys.readouterr().err


def test_the_command_refuses_what_it_cannot_mark_and_says_why(
    tmp_path, capsys
):
    """A teacher's slip is named before anything runs: a file that is no notebook or
    a chapter with no exercise as the reference, a folder with no notebook in it, a
    count of 0 (before: a traceback, a traceback, "0 notebooks marked", and --jobs 0
    taken)."""
    chapter = ROOT / "notebooks" / "degradation.ipynb"
    empty = tmp_path / "class"
    empty.mkdir()
    (tmp_path / "class2").mkdir()
    nbformat.write(
        nbformat.v4.new_notebook(), tmp_path / "class2" / "li-hua.ipynb"
    )
    out = str(tmp_path / "marks")
    said = _refused(capsys, str(empty), "--reference", str(ROOT / "README.md"))
    assert "README.md is not a notebook" in said and "Traceback" not in said
    said = _refused(
        capsys, str(empty), "--reference", str(ROOT / "notebooks/intro.ipynb")
    )
    assert (
        "intro.ipynb has no exercise whose code cells call a checker" in said
    )
    said = _refused(
        capsys, str(empty), "--reference", str(chapter), "--out", out
    )
    assert "class holds no notebook" in said
    for option, value in [
        ("--jobs", "0"),
        ("--timeout", "-5"),
        ("--max-attempts", "two"),
        ("--processes", "0"),
        ("--memory", "0G"),
    ]:
        said = _refused(
            capsys, str(tmp_path / "class2"), "--reference", str(chapter),
            option, value,
        )  # fmt: skip
        assert f"argument {option}: '{value}' is no" in said, said
    assert not (tmp_path / "marks").exists()
