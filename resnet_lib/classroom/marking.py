"""Mark a folder of submitted notebooks: one process per notebook, a gradebook, a page each."""

from __future__ import annotations

import csv
import html
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .reference import read_reference

STATUSES = {
    "ok": "ran to the end",
    "cell-error": "a cell raised an error; the other cells still ran",
    "import-error": "a cell imports something that is not installed; the other cells still ran",
    "timeout": "stopped at the time limit (a cell ran too long, e.g. an endless loop)",
    "unreadable": "not a notebook: not JSON, or cut off (a truncated download)",
    "tampered": "the notebook changes the checkers, their answers or the library, or fakes a verdict",
    "kernel-died": "the notebook's Python process died (e.g. out of memory)",
    "marker-error": "the marker itself failed on this notebook",
    "missing": "no notebook found for this student",
}


@dataclass
class Submission:
    student: str
    file: Path


def find_submissions(folder: Path) -> list[Submission]:
    """Every student's notebook: ``<folder>/<student>.ipynb`` or ``<folder>/<student>/<any>.ipynb``.

    In a student's subfolder the newest ``.ipynb`` counts (checkpoints are ignored)."""
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_file() and path.suffix == ".ipynb":
            found[path.stem] = path
        elif path.is_dir():
            notebooks = [
                p
                for p in path.rglob("*.ipynb")
                if ".ipynb_checkpoints" not in p.parts
            ]
            if notebooks:
                found[path.name] = max(
                    notebooks, key=lambda p: (p.stat().st_mtime, p.name)
                )
    return [Submission(s, p) for s, p in sorted(found.items())]


def _run_one(
    sub: Submission, reference: Path, timeout: int, scratch: Path
) -> dict:
    job_file = scratch / f"{_slug(sub.student)}.job.json"
    out = scratch / f"{_slug(sub.student)}.result.json"
    job = {
        "student": sub.student,
        "file": str(sub.file.resolve()),
        "reference": str(reference.resolve()),
        "timeout": timeout,
        "out": str(out),
    }
    job_file.write_text(json.dumps(job))
    proc = subprocess.Popen(
        [sys.executable, "-m", "resnet_lib.classroom.runner", str(job_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        log, _ = proc.communicate(
            timeout=timeout + 150
        )  # the runner enforces `timeout`; this is the backstop
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return {
            "student": sub.student,
            "file": str(sub.file),
            "status": "timeout",
            "detail": f"the marker stopped it after {timeout + 150} s",
            "verdicts": [],
        }
    if out.exists():
        return json.loads(out.read_text())
    tail = (
        log.decode(errors="replace").strip().splitlines()[-1:] if log else []
    )
    return {
        "student": sub.student,
        "file": str(sub.file),
        "status": "marker-error",
        "detail": f"the runner exited with {proc.returncode}: {' '.join(tail)[:200]}",
        "verdicts": [],
    }


def score(
    result: dict, labels: list[str], max_attempts: int
) -> dict[str, dict]:
    """Per exercise: the last verdict of the real checker; ``ok`` only if it was right."""
    marks = {}
    for label in labels:
        verdicts = [
            v for v in result.get("verdicts", []) if v.get("label") == label
        ]
        if not verdicts:
            marks[label] = {
                "score": 0,
                "state": "not answered",
                "verdict": None,
                "attempts": 0,
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
        }
    return marks


def mark_folder(
    folder: Path,
    reference: Path,
    out: Path,
    timeout: int = 300,
    jobs: int = 1,
    max_attempts: int = 5,
    chapter: Optional[str] = None,
    progress=print,
) -> list[dict]:
    """Mark every submission in ``folder`` against the chapter notebook ``reference``.

    Writes ``out/gradebook.csv`` (wide: a row per student), ``out/grades-long.csv`` (a row
    per student and exercise), ``out/results.json`` (every verdict) and
    ``out/feedback/<student>.html``; returns the rows of the gradebook.
    """
    import nbformat

    folder, reference, out = Path(folder), Path(reference), Path(out)
    chapter = chapter or reference.stem
    exercises = [
        e
        for e in read_reference(nbformat.read(reference, as_version=4))
        if e.checked
    ]
    labels = [e.label for e in exercises]
    if not labels:
        raise ValueError(
            f"{reference} has no exercise whose code cells call a checker"
        )
    subs = find_submissions(folder)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="resnet-mark-") as scratch:

        def one(sub):
            result = _run_one(sub, reference, timeout, Path(scratch))
            progress(
                f"{sub.student:24s} {result['status']:13s} {result.get('detail', '')[:70]}"
            )
            return result

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            results = list(pool.map(one, subs))
    rows = []
    for result in results:
        marks = score(result, labels, max_attempts)
        result["marks"] = marks
        row = {"student": result["student"], "file": Path(result["file"]).name}
        row.update({label: marks[label]["score"] for label in labels})
        row.update(
            total=sum(m["score"] for m in marks.values()),
            max=len(labels),
            status=result["status"],
            detail=result.get("detail", ""),
        )
        rows.append(row)
        (out / "feedback" / f"{_slug(result['student'])}.html").write_text(
            feedback_page(result, exercises, chapter), encoding="utf-8"
        )
    fields = ["student", "file", *labels, "total", "max", "status", "detail"]
    with open(out / "gradebook.csv", "w", newline="", encoding="utf-8") as f:
        gradebook = csv.DictWriter(f, fieldnames=fields)
        gradebook.writeheader()
        gradebook.writerows(rows)
    with open(out / "grades-long.csv", "w", newline="", encoding="utf-8") as f:
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
        for result in results:
            for label in labels:
                writer.writerow(
                    [
                        result["student"],
                        chapter,
                        label,
                        result["marks"][label]["score"],
                        1,
                        result["marks"][label]["state"],
                    ]
                )
    (out / "results.json").write_text(
        json.dumps(results, indent=1), encoding="utf-8"
    )
    return rows


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "student"


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
            if v.get("hint") and not v["ok"]:
                parts.append(f"<p><b>Hint:</b> {e(v['hint'])}</p>")
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
    if result.get("tampering") or result.get("refused"):
        parts.append(
            "<h2>Changes to the checkers</h2><ul>"
            + "".join(f"<li>{e(t)}</li>" for t in result.get("tampering", []))
            + "".join(
                f"<li>refused: {e(r['refused'])} {e(r['detail'])}</li>"
                for r in result.get("refused", [])
            )
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
