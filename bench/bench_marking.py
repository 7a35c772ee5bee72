"""What the sandbox costs the marker: a class marked with and without it.

Target (issue 23): marking in the sandbox (bubblewrap, probe, judge outside)
takes at most 1.3x the time of ``--unsandboxed`` on the same class with the
same ``--jobs``. The class is 30 honest notebooks of basic-vs-bottleneck,
each the whole chapter answered right (tests/marking/make_submissions.py's
alice), written into a temporary folder. Both runs are ``python -m
resnet_lib.mark`` as a teacher types it, after a one-notebook warm-up of each
(so that neither pays for a cold page cache). Prints both wall times and
their ratio, the mean seconds per notebook that the marker measured, and the
load average before each run (the machine may be shared: a ratio measured
while the load changed says little). No timed asserts. (CPU seconds are not
printed: a sandbox's processes are reaped inside its PID namespace, so the
caller's RUSAGE_CHILDREN misses most of them.)

    .venv/bin/python bench/bench_marking.py [STUDENTS] [JOBS]

As root (as in CI) the sandboxed run drops each notebook to a uid of its
own; otherwise bubblewrap needs unprivileged user namespaces.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from resnet_lib.classroom import isolation
from resnet_lib.classroom.reference import Matcher, read_reference

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "notebooks" / "basic-vs-bottleneck.ipynb"
RIGHT = {
    "ex-bottleneck-params": "512 * 128 + 3 * 3 * 128 * 128 + 128 * 512",
    "ex-basic-total": "2 * 3 * 3 * 64 * 64 + 2 * (64 + 64)",
}
TARGET = 1.3


def alice() -> nbformat.NotebookNode:
    """The whole chapter with both exercises answered right."""
    nb = nbformat.read(REFERENCE, as_version=4)
    matcher = Matcher(read_reference(nb))
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        label = matcher.cell_label(cell)
        if label in RIGHT:
            cell.source = cell.source.replace(
                "answer = None", f"answer = {RIGHT[label]}"
            )
    return nb


def mark(folder: Path, out: Path, jobs: int, sandboxed: bool) -> float:
    """Wall seconds of one ``resnet_lib.mark`` run; checks its marks."""
    argv = [
        sys.executable,
        "-m",
        "resnet_lib.mark",
        str(folder),
        "--reference",
        str(REFERENCE),
        "--out",
        str(out),
        "--jobs",
        str(jobs),
    ]
    if not sandboxed:
        argv.append("--unsandboxed")
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stdout + done.stderr)
    students = json.loads((out / "results.json").read_text())["students"]
    wrong = [
        (s["student"], s["status"])
        for s in students
        if s["status"] != "ok"
        or any(m["score"] != 1 for m in s["marks"].values())
    ]
    if wrong:  # a time for notebooks that did not run is no time
        raise SystemExit(f"not every notebook ran to full marks: {wrong}")
    return wall


def per_notebook(out: Path) -> float:
    students = json.loads((out / "results.json").read_text())["students"]
    return sum(s["elapsed"] for s in students) / len(students)


def main() -> None:
    students = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    problem = isolation.problem()
    if problem:
        raise SystemExit(problem)
    print(
        f"{students} notebooks of {REFERENCE.stem}, --jobs {jobs}, "
        f"{os.cpu_count()} CPUs, uid {os.geteuid()}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-marking-") as tmp:
        tmp = Path(tmp)
        nb = alice()
        (tmp / "class").mkdir()
        (tmp / "warm-up").mkdir()
        for i in range(students):
            nbformat.write(nb, tmp / "class" / f"student{i:02d}.ipynb")
        nbformat.write(nb, tmp / "warm-up" / "student.ipynb")
        for sandboxed in (True, False):
            mark(tmp / "warm-up", tmp / "marks-warm-up", 1, sandboxed)
        walls, means, loads = {}, {}, {}
        for sandboxed in (True, False):
            out = tmp / f"marks-{'sandboxed' if sandboxed else 'bare'}"
            loads[sandboxed] = os.getloadavg()[0]
            walls[sandboxed] = mark(tmp / "class", out, jobs, sandboxed)
            means[sandboxed] = per_notebook(out)
    for sandboxed, name in ((True, "sandboxed"), (False, "--unsandboxed")):
        print(
            f"{name:14s} {walls[sandboxed]:7.1f} s wall, "
            f"{means[sandboxed]:5.1f} s per notebook (as the marker timed "
            f"it); load average before {loads[sandboxed]:.1f}"
        )
    ratio = walls[True] / walls[False]
    print(
        f"ratio sandboxed / unsandboxed: {ratio:.2f}x wall "
        f"(target <= {TARGET}x: {'met' if ratio <= TARGET else 'NOT met'}); "
        f"load average now {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
