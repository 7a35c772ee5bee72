"""Mark a folder of submitted notebooks: each in a sandbox, graded outside it.

For each submission the marker (trusted: it never runs a student's code) reads the file,
copies its code cells into a private folder, runs them there inside an OS sandbox
(:mod:`.isolation`; the Jupyter client and kernel both inside, with the probe of
:mod:`.probe`), reads back what the probe recorded, and grades it with the checkers in
its own process (:mod:`.judge`). The gradebook, the long CSV, ``results.json`` and the
feedback pages are written once every run has ended, each file atomically.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import os
import queue
import random
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from . import isolation
from .reference import Exercise, Matcher, calls_in, read_reference

STATUSES = {
    "ok": "ran to the end",
    "cell-error": "a cell raised an error; the other cells still ran",
    "import-error": "a cell imports something that is not installed; the other cells still ran",
    "timeout": "a cell ran past its time limit, or the notebook past its own; the exercises answered before (and, for a cell, after) count",
    "memory": "stopped at the memory limit; the exercises answered before count",
    "empty": "a notebook with no code in it",
    "wrong-chapter": "the exercises of another chapter (its checkers are not this chapter's)",
    "truncated": "the file ends in the middle (a download cut short)",
    "unreadable": "not a notebook: not JSON, or JSON of another kind",
    "tampered": "the notebook changes the checkers or the library (reported; the grade comes from its answers alone)",
    "kernel-died": "the notebook's Python process died",
    "marker-error": "the marker itself failed on this notebook",
    "missing": "no notebook found for this student",
}

#: the most bytes of a run's result file the marker reads
MAX_RESULT = 64 * 2**20


@dataclass
class Submission:
    student: str
    file: Path
    slug: str = ""


def _normal(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split())


def _slug(name: str) -> str:
    """A file name for ``name``: its letters (any script), digits, '.', '-' and '_'."""
    return (
        re.sub(r"[^\w.-]+", "_", unicodedata.normalize("NFC", name)).strip(
            "._"
        )
        or "student"
    )


def find_submissions(folder: Path) -> list[Submission]:
    """Every student's notebook: ``<folder>/<student>.ipynb`` or ``<folder>/<student>/<any>.ipynb``.

    In a student's subfolder the newest ``.ipynb`` counts (checkpoints are ignored).
    Names are read as Unicode (NFC); two submissions whose names are the same after that
    (``Li Hua.ipynb`` and a folder ``Li Hua/``) are both kept, each named with its file.
    Every student gets a file name of their own for the feedback page (``slug``).
    """
    found: list[tuple[str, Path]] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_file() and path.suffix == ".ipynb":
            found.append((path.stem, path))
        elif path.is_dir():
            notebooks = [
                p
                for p in path.rglob("*.ipynb")
                if ".ipynb_checkpoints" not in p.parts
            ]
            if notebooks:
                newest = max(
                    notebooks, key=lambda p: (p.stat().st_mtime, p.name)
                )
                found.append((path.name, newest))
    names = [_normal(n) for n, _ in found]
    subs = []
    for (name, path), normal in zip(found, names):
        if names.count(normal) > 1:
            normal = f"{normal} ({path.relative_to(folder).as_posix()})"
        subs.append(Submission(normal, path))
    subs.sort(key=lambda s: s.student)
    taken: set[str] = set()
    for sub in subs:
        slug, n = _slug(sub.student), 1
        while slug.casefold() in taken:
            n += 1
            slug = f"{_slug(sub.student)}-{n}"
        taken.add(slug.casefold())
        sub.slug = slug
    return subs


@dataclass
class Settings:
    """How a class is marked (the command line's options)."""

    timeout: int = 600
    cell_timeout: int = 300
    limits: isolation.Limits = field(default_factory=isolation.Limits)
    sandboxed: bool = True


def _read(sub: Submission, matcher: Matcher) -> tuple[dict, Any]:
    """The submission's file, read by the marker: its status before any run, and the
    notebook when it is one to run."""
    import nbformat

    raw = sub.file.read_bytes()
    result: dict[str, Any] = {
        "student": sub.student,
        "file": sub.file.name,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "status": "ok",
        "detail": "",
        "verdicts": [],
        "unmatched": [],
        "errors": [],
        "tampering": [],
    }
    text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        result.update(status="empty", detail="the file is empty")
        return result, None
    try:
        json.loads(text)
    except json.JSONDecodeError as err:
        if text.lstrip().startswith("{") and err.pos >= len(text.rstrip()) - 1:
            result.update(
                status="truncated",
                detail=f"the file ends in the middle, after {len(raw):,} bytes",
            )
        else:
            result.update(
                status="unreadable",
                detail=f"not a notebook: not JSON ({err.msg}, line {err.lineno})",
            )
        return result, None
    try:
        nb = nbformat.reads(text, as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("no cells")
    except Exception as err:  # noqa: BLE001 - anything nbformat cannot read
        result.update(
            status="unreadable",
            detail=f"JSON, but not a notebook ({type(err).__name__}: {str(err)[:120]})",
        )
        return result, None
    code = [c for c in nb.cells if c.get("cell_type") == "code"]
    sources = [
        "".join(c.source) if isinstance(c.source, list) else c.source
        for c in code
    ]
    if not any(s.strip() for s in sources):
        result.update(status="empty", detail="no code in any cell")
        return result, None
    called = {c.checker for s in sources for c in calls_in(s)}
    ours = {c.checker for e in matcher.exercises for c in e.calls}
    if called and not called & ours:
        result.update(
            status="wrong-chapter",
            detail=f"it calls {', '.join(sorted(called))}; this chapter's "
            f"exercises call {', '.join(sorted(ours))}",
        )
        return result, None
    from .runner import tampering_in

    for i, source in enumerate(sources):
        for found in tampering_in(source):
            result["tampering"].append(f"code cell {i + 1} {found}")
    result["tampering"].sort(  # what changes a checker first
        key=lambda t: (
            not any(w in t for w in (" defines ", " assigns ", " changes "))
        )
    )
    return result, nb


def _run(
    nb, settings: Settings, scratch: Path, slot: int
) -> tuple[dict, str, Optional[str]]:
    """Run the notebook's code cells in a private folder (sandboxed unless told otherwise):
    what the runner wrote, its log, and why the marker stopped it (``None``, ``"memory"``,
    ``"time"``)."""
    import nbformat

    import resnet_lib

    work = Path(tempfile.mkdtemp(prefix="run-", dir=scratch))
    try:
        inside = isolation.INSIDE if settings.sandboxed else work
        code = [c for c in nb.cells if c.get("cell_type") == "code"]
        for c in code:
            c.outputs, c.execution_count = [], None
        run_nb = nbformat.v4.new_notebook(cells=code)
        (work / "notebook").mkdir()
        nbformat.write(run_nb, work / "notebook" / "submission.ipynb")
        job = {
            "notebook": str(inside / "notebook" / "submission.ipynb"),
            "probe": str(inside / "answers.jsonl"),
            "out": str(inside / "result.json"),
            "cell_timeout": settings.cell_timeout,
        }
        (work / "job.json").write_text(json.dumps(job))
        argv = [
            sys.executable,
            "-m",
            "resnet_lib.classroom.runner",
            str(inside / "job.json"),
        ]
        limits = settings.limits
        limits = isolation.Limits(
            **{**limits.__dict__, "wall": float(settings.timeout) + 60}
        )
        if settings.sandboxed:
            package = Path(resnet_lib.__file__).resolve().parent
            outcome = isolation.run_sandboxed(
                argv,
                workdir=work,
                limits=limits,
                readable=[package],
                env={"COLUMNS": "100", "PIP_NO_INDEX": "1"},
                slot=slot,
            )
            killed, log = outcome.killed, outcome.output
        else:
            killed, log = _run_unsandboxed(argv, work, limits.wall)
        return _result(work / "result.json"), log, killed
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _result(path: Path) -> dict:
    """What the runner wrote, read as untrusted data: a regular file (never a link the
    notebook made to something of the marker's), of at most ``MAX_RESULT`` bytes, JSON."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return {}
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_RESULT:
            return {}
        raw = f.read(MAX_RESULT + 1)
    try:
        loaded = json.loads(raw.decode("utf-8", errors="replace"))
    except json.JSONDecodeError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _run_unsandboxed(
    argv: list[str], work: Path, wall: float
) -> tuple[Optional[str], str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(work),
        "MPLBACKEND": "agg",
        "MPLCONFIGDIR": str(work / ".mpl"),
        "IPYTHONDIR": str(work / ".ipython"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    argv = [a.replace(str(isolation.INSIDE), str(work)) for a in argv]
    job = work / "job.json"
    job.write_text(job.read_text().replace(str(isolation.INSIDE), str(work)))
    proc = subprocess.Popen(
        argv,
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        log, _ = proc.communicate(timeout=wall)
        return None, log.decode(errors="replace")[-4000:]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return "time", ""


def _grade(result: dict, data: dict, nb, matcher: Matcher) -> None:
    """Judge every answer the probe recorded, and give each to its exercise."""
    from .judge import SANDBOX, judge

    code = [c for c in nb.cells if c.get("cell_type") == "code"]
    labels: dict[int, Optional[str]] = {}
    records = data.get("records", [])
    for item in records if isinstance(records, list) else []:
        if not isinstance(item, dict):
            continue
        try:
            cell = int(item.get("cell", 0))
            record = json.loads(str(item.get("line", "")))
        except (ValueError, TypeError):
            continue
        if not isinstance(record, dict) or cell < 1 or cell > len(code):
            continue  # only the student's cells answer (0 is the probe's own)
        if cell not in labels:
            labels[cell] = matcher.cell_label(code[cell - 1])
        verdict = judge(record)
        if (
            verdict["judged"] == SANDBOX
        ):  # the checker's verdict in the notebook
            module = str(record.get("module", ""))
            verdict["changed"] = not module.startswith(
                "resnet_lib.exercises."
            ) or record.get("state") != _state_of(module)
        verdict.update(checker=str(record.get("checker", ""))[:80], cell=cell)
        verdict["label"] = matcher.label(verdict, labels[cell])
        (
            result["verdicts"] if verdict["label"] else result["unmatched"]
        ).append(verdict)
    for error in (
        data.get("errors", []) if isinstance(data.get("errors"), list) else []
    ):
        if isinstance(error, dict):
            result["errors"].append(
                {
                    "cell": error.get("cell"),
                    "ename": str(error.get("ename", ""))[:100],
                    "evalue": _without_site(str(error.get("evalue", "")))[
                        :300
                    ],
                    "where": f"code cell {error.get('cell')}",
                }
            )


def _without_site(text: str) -> str:
    """``text`` with the library's folder named from the package on (an error's path
    reads the same on every machine: ``resnet_lib/exercises/...``)."""
    import resnet_lib

    site = str(Path(resnet_lib.__file__).resolve().parent.parent) + os.sep
    return text.replace(site, "")


def _status(
    result: dict, data: dict, killed: Optional[str], settings: Settings
) -> None:
    timeouts = sorted(
        {t for t in data.get("timeouts", []) if isinstance(t, int)}
    )
    if killed == "memory":
        result.update(
            status="memory",
            detail=f"stopped at the memory limit ({settings.limits.memory / 2**30:g} GB) "
            f"after code cell {data.get('last_cell', 0) + 1}",
        )
    elif killed == "time" or (
        not data.get("finished") and not data.get("kernel")
    ):
        result.update(
            status="timeout",
            detail=f"the notebook ran past {settings.timeout} s (in code cell "
            f"{int(data.get('last_cell', -1)) + 1}); later cells did not run",
        )
    elif data.get("kernel"):
        result.update(status="kernel-died", detail=str(data["kernel"])[:200])
    elif timeouts:
        result.update(
            status="timeout",
            detail=f"code cell {', '.join(map(str, timeouts))} ran past "
            f"{settings.cell_timeout} s and was stopped; the other cells ran",
        )
    elif result["tampering"]:
        result.update(status="tampered", detail=result["tampering"][0])
    elif result["errors"]:
        error = result["errors"][0]
        missing = error["ename"] in ("ModuleNotFoundError", "ImportError")
        result.update(
            status="import-error" if missing else "cell-error",
            detail=f"{error['where']} raised {error['ename']}: {error['evalue'][:160]}",
        )


def _state_of(module: str) -> Optional[dict]:
    from .fingerprint import state_of

    try:
        return state_of(module)
    except Exception:  # noqa: BLE001 - no such module: not the real checker
        return None


#: the sandbox slots a marker may claim (isolation.SLOTS in all; the tests of
#: isolation use the first ones)
_SLOT_RANGE = range(200, isolation.SLOTS)


def _claim_slot() -> tuple[int, socket.socket]:
    """A sandbox slot no other marker on this machine holds, and the claim on it.

    The claim is an abstract Unix socket named after the slot: binding it is exclusive
    machine-wide, it leaves no file, and it goes away with the process that holds it
    (closed, or killed), so two classes marked at once never share a sandbox uid.
    """
    for slot in random.sample(_SLOT_RANGE, len(_SLOT_RANGE)):
        claim = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            claim.bind(f"\0resnet-mark-slot-{slot}")
        except OSError:
            claim.close()
            continue
        return slot, claim
    raise RuntimeError(
        f"all {len(_SLOT_RANGE)} sandbox slots are held by other markers"
    )


def mark_one(
    sub: Submission,
    matcher: Matcher,
    settings: Settings,
    scratch: Path,
    slot: int = 0,
) -> dict:
    """Mark one submission: read it, run it, grade what it answered."""
    result, nb = _read(sub, matcher)
    if nb is None:
        return result
    started = time.monotonic()
    try:
        data, log, killed = _run(nb, settings, scratch, slot)
        _grade(result, data, nb, matcher)
        _status(result, data, killed, settings)
    except Exception as err:  # noqa: BLE001 - report, never stop the class
        result.update(
            status="marker-error",
            detail=f"{type(err).__name__}: {str(err)[:200]}",
        )
    result["elapsed"] = round(time.monotonic() - started, 1)
    return result


def score(
    result: dict, labels: list[str], max_attempts: int
) -> dict[str, dict]:
    """Per exercise: the last verdict of the real checker; ``ok`` only if it was right.

    A call that asked for a step of the checker's hint (``hint=``) is help asked for,
    not an answer given: it is counted under ``hints``, and neither as an attempt nor
    as the last verdict.
    """
    marks = {}
    for label in labels:
        calls = [
            v for v in result.get("verdicts", []) if v.get("label") == label
        ]
        verdicts = [v for v in calls if not v.get("asked")]
        hints = len(calls) - len(verdicts)
        if not verdicts:
            marks[label] = {
                "score": 0,
                "state": "not answered",
                "verdict": None,
                "attempts": 0,
                "hints": hints,
            }
            continue
        last = verdicts[-1]
        state = "right" if last["ok"] else "wrong"
        note = ""
        if last.get("changed") or last.get("forged"):
            state, note = (
                "void",
                "the checker had been changed before it answered",
            )
        elif len(verdicts) > max_attempts:
            state, note = (
                "void",
                (
                    f"the checker was called {len(verdicts)} times for this exercise (more than "
                    f"{max_attempts}): answers may not be searched for with the checker"
                ),
            )
        marks[label] = {
            "score": int(state == "right"),
            "state": state,
            "verdict": last,
            "note": note,
            "attempts": len(verdicts),
            "hints": hints,
        }
    return marks


def checked_exercises(
    reference: Path, data: Optional[bytes] = None
) -> list[Exercise]:
    """The exercises of the chapter notebook ``reference`` that call a checker.

    Raises:
        ValueError: saying what is wrong with ``reference`` (not a notebook; a notebook
            with no checked exercise, as the book's introduction is).
        OSError: where ``reference`` cannot be read.
    """
    import nbformat

    data = (
        reference.read_bytes() if data is None else data
    )  # OSError: as it is
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as err:  # noqa: BLE001 - nbformat raises many kinds for what is no notebook
        raise ValueError(
            f"{reference} is not a notebook ({type(err).__name__}); give the "
            "chapter's .ipynb from the book's notebooks/"
        ) from None
    exercises = [e for e in read_reference(nb) if e.checked]
    if not exercises:
        raise ValueError(
            f"{reference} has no exercise whose code cells call a checker; "
            "give the .ipynb of a chapter with exercises"
        )
    return exercises


def mark_folder(
    folder: Path,
    reference: Path,
    out: Path,
    timeout: int = 600,
    jobs: int = 1,
    max_attempts: int = 5,
    chapter: Optional[str] = None,
    progress: Callable[[str], Any] = print,
    cell_timeout: Optional[int] = None,
    limits: Optional[isolation.Limits] = None,
    sandboxed: bool = True,
    roster: Optional[dict[str, str]] = None,
) -> list[dict]:
    """Mark every submission in ``folder`` against the chapter notebook ``reference``.

    Writes ``out/gradebook.csv`` (wide: a row per student), ``out/grades-long.csv`` (a row
    per student and exercise), ``out/results.json`` (every verdict, the SHA-256 of every
    submission and of the reference) and ``out/feedback/<student>.html``, once every run
    has ended, each atomically; returns the rows of the gradebook.

    Raises:
        RuntimeError: when no sandbox can be made here and ``sandboxed`` is true (the
            message says what to install).
        ValueError: when ``reference`` is no chapter notebook with checked exercises.
    """
    folder, reference, out = Path(folder), Path(reference), Path(out)
    if sandboxed:
        missing = isolation.problem()
        if missing:
            raise RuntimeError(missing)
    chapter = chapter or reference.stem
    reference_bytes = reference.read_bytes()
    exercises = checked_exercises(reference, reference_bytes)
    labels = [e.label for e in exercises]
    matcher = Matcher(exercises)
    settings = Settings(
        timeout=timeout,
        cell_timeout=min(cell_timeout or timeout, timeout),
        limits=limits or isolation.Limits(),
        sandboxed=sandboxed,
    )
    subs = find_submissions(folder)
    slots: "queue.Queue[int]" = queue.Queue()
    claims = [_claim_slot() for _ in range(max(1, jobs))]
    for slot, _claim in claims:
        slots.put(slot)
    with tempfile.TemporaryDirectory(prefix="resnet-mark-") as scratch:

        def one(sub: Submission) -> dict:
            slot = slots.get()
            try:
                result = mark_one(sub, matcher, settings, Path(scratch), slot)
            finally:
                slots.put(slot)
            progress(
                f"{sub.student:24s} {result['status']:13s} {result.get('detail', '')[:70]}"
            )
            return result

        try:
            with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
                results = list(pool.map(one, subs))
        finally:
            for _slot, claim in claims:
                claim.close()
    roster = roster or {}
    rows = []
    pages = {}
    for sub, result in zip(subs, results):
        marks = score(result, labels, max_attempts)
        result["marks"] = marks
        result["student_id"] = roster.get(
            sub.file.relative_to(folder).as_posix(),
            roster.get(sub.file.name, ""),
        )
        result["sandbox"] = "bubblewrap" if sandboxed else "none"
        if not sandboxed:
            result["detail"] = (
                "UNSANDBOXED: " + result.get("detail", "")
            ).strip()
        row: dict[str, Any] = {"student": _cell(result["student"])}
        if roster:
            row["student_id"] = _cell(result["student_id"])
        row["file"] = _cell(result["file"])
        row.update({label: marks[label]["score"] for label in labels})
        row.update(
            total=sum(m["score"] for m in marks.values()),
            max=len(labels),
            status=result["status"],
            detail=_cell(result.get("detail", "")),
        )
        rows.append(row)
        pages[f"{sub.slug}.html"] = feedback_page(result, exercises, chapter)
    fields = [
        "student",
        *(["student_id"] if roster else []),
        "file",
        *labels,
        "total",
        "max",
        "status",
        "detail",
    ]
    long_rows = [
        [
            _cell(result["student_id"] if roster else result["student"]),
            chapter,
            label,
            result["marks"][label]["score"],
            1,
            result["marks"][label]["state"],
        ]
        for result in results
        for label in labels
    ]
    report = {
        "chapter": chapter,
        "reference": {
            "file": reference.name,
            "sha256": hashlib.sha256(reference_bytes).hexdigest(),
        },
        "sandbox": "bubblewrap" if sandboxed else "none",
        "limits": {
            "memory": settings.limits.memory,
            "processes": settings.limits.processes,
            "file_size": settings.limits.file_size,
            "notebook_seconds": settings.timeout,
            "cell_seconds": settings.cell_timeout,
        },
        "students": results,
    }
    _publish(out, fields, rows, long_rows, report, pages)
    return rows


def _cell(text: str) -> str:
    """A CSV cell that a spreadsheet shows as text: a name or an error message that a
    notebook chose (``=HYPERLINK(...)``) must not become a formula on the teacher's
    machine (OWASP's CSV injection), so a leading ``= + - @`` gets a ``'``."""
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _publish(out: Path, fields, rows, long_rows, report, pages) -> None:
    """Write every output into a staging folder, then move each into place."""
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".marking-", dir=out))
    try:
        with open(
            staging / "gradebook.csv", "w", newline="", encoding="utf-8"
        ) as f:
            gradebook = csv.DictWriter(f, fieldnames=fields)
            gradebook.writeheader()
            gradebook.writerows(rows)
        with open(
            staging / "grades-long.csv", "w", newline="", encoding="utf-8"
        ) as f:
            writer = csv.writer(f)
            writer.writerow(
                [
                    "student_id",
                    "assignment",
                    "question",
                    "score",
                    "max_score",
                    "status",
                ]
            )
            writer.writerows(long_rows)
        (staging / "results.json").write_text(
            json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8"
        )
        (staging / "feedback").mkdir()
        for name, page in pages.items():
            (staging / "feedback" / name).write_text(page, encoding="utf-8")
        for name in ("gradebook.csv", "grades-long.csv", "results.json"):
            os.replace(staging / name, out / name)
        old = staging / "old-feedback"
        if (out / "feedback").exists():
            os.replace(out / "feedback", old)
        os.replace(staging / "feedback", out / "feedback")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def feedback_page(result: dict, exercises, chapter: str) -> str:
    """One student's page: what was right; what was wrong, with the checker's message and hint."""
    e = html.escape
    marks = result["marks"]
    total = sum(m["score"] for m in marks.values())
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{e(result['student'])}: {e(chapter)}</title>",
        "<style>body{font-family:sans-serif;max-width:46em;margin:2em auto;line-height:1.45}"
        ".right{border-left:4px solid #1a7f37}.wrong,.void{border-left:4px solid #b35900}"
        ".none{border-left:4px solid #888}section{padding:2px 12px;margin:12px 0}"
        "code{background:#f3f3f3;padding:0 3px}</style></head><body>",
        f"<h1>{e(chapter)}: feedback for {e(result['student'])}</h1>",
        f"<p><b>Score:</b> {total} of {len(marks)} &middot; <b>Status:</b> {e(result['status'])} "
        f"({e(STATUSES.get(result['status'], ''))})</p>",
    ]
    if result.get("detail"):
        parts.append(f"<p>{e(result['detail'])}</p>")
    if result.get("sandbox") == "none":
        parts.append(
            "<p><b>Marked without a sandbox</b>: the teacher ran this notebook "
            "on their own machine with no isolation.</p>"
        )
    for ex in exercises:
        m = marks[ex.label]
        v = m["verdict"]
        css = {"right": "right", "wrong": "wrong", "void": "void"}.get(
            m["state"], "none"
        )
        parts.append(
            f"<section class='{css}' id='{e(ex.label)}'><h2>{e(ex.label)}: {e(m['state'])}</h2>"
            f"<p><i>{e(ex.statement)}</i></p>"
        )
        if v:
            parts.append(
                f"<p>Your answer: <code>{e(str(v.get('answer', '')))}</code></p>"
                f"<p>{'Correct' if v['ok'] else 'Not yet'}: {e(v['message'])}</p>"
            )
            if v.get("judged") == "sandbox":
                parts.append(
                    "<p><small>Checked inside the sandbox with your notebook "
                    "(torch.fx could not trace your module): the marker "
                    "could not check it outside."
                    "</small></p>"
                )
            if v.get("hint") and not v["ok"]:
                parts.append(f"<p><b>Hint:</b> {e(v['hint'])}</p>")
            steps = v.get("steps") or [] if not v["ok"] else []
            if (
                steps
            ):  # the hint's steps, which the notebook gave only when asked
                parts.append(
                    "<details><summary>The checker's hint, step by step</summary><ol>"
                    + "".join(f"<li>{e(str(step))}</li>" for step in steps)
                    + "</ol></details>"
                )
        if m.get("hints"):
            parts.append(
                f"<p><small>Hints asked for: {m['hints']} (not counted as attempts)."
                "</small></p>"
            )
        else:
            parts.append(
                "<p>No answer reached the checker: the cell that calls it was deleted, not run to the "
                "end, or failed before the check.</p>"
            )
        if m.get("note"):
            parts.append(f"<p><b>Not counted:</b> {e(m['note'])}</p>")
        parts.append("</section>")
    if result.get("errors"):
        parts.append(
            "<h2>Errors</h2><ul>"
            + "".join(
                f"<li>{e(err['where'])}: {e(err['ename'])}: {e(err['evalue'])}</li>"
                for err in result["errors"]
            )
            + "</ul>"
        )
    if result.get("tampering"):
        parts.append(
            "<h2>Changes to the checkers</h2><p>Your answers were checked "
            "outside your notebook; these changes did not count.</p><ul>"
            + "".join(f"<li>{e(t)}</li>" for t in result.get("tampering", []))
            + "</ul>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)


def gradebook_table(path: Path) -> str:
    """The gradebook CSV as a Markdown table (for the teachers' page)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += [
        "| " + " | ".join(c.replace("|", "\\|") for c in row) + " |"
        for row in body
    ]
    return "\n".join(lines)
