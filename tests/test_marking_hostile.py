"""Marking a hostile class (issue 23): notebooks written to attack the marker.

A class is built here, in a temporary folder, from the chapter's own notebook
(notebooks/basic-vs-bottleneck.ipynb): notebooks that try the network, the
teacher's files, the reference, the library, a process that outlives its run,
forged verdicts, and the limits (memory, processes, output, file size), beside
honest ones. It is marked once with ``python -m resnet_lib.mark`` as a
teacher runs it, and each test checks on the host that the attack's side
effect did not happen and that every notebook got the marks its own answers
earned. A missing bubblewrap FAILS these tests with the command that installs
it (the marker cannot run notebooks without it).

Each sandboxed notebook costs a kernel that imports torch (5-6 s), so the
attacks are grouped into a few notebooks.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import http.server
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import nbformat
import pytest

import resnet_lib
from resnet_lib.classroom import isolation
from resnet_lib.classroom.reference import Matcher, read_reference

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "notebooks" / "basic-vs-bottleneck.ipynb"
OTHER_CHAPTER = ROOT / "notebooks" / "expansion.ipynb"
LIB = Path(resnet_lib.__file__).resolve().parent
LABELS = ["ex-bottleneck-params", "ex-basic-total"]
RIGHT = {
    "ex-bottleneck-params": "512 * 128 + 3 * 3 * 128 * 128 + 128 * 512",
    "ex-basic-total": "2 * 3 * 3 * 64 * 64 + 2 * (64 + 64)",
}  # 278,528 and 73,984
WRONG = {"ex-bottleneck-params": "1", "ex-basic-total": "2"}
FORGED = 4  # the code cell of forger.ipynb that forges records
JOBS = 2
OPTIONS = [
    "--memory",
    "3G",
    "--processes",
    "64",
    "--file-size",
    "64M",
    "--timeout",
    "90",
    "--cell-timeout",
    "30",
]

# ------------------------------------------------------------ the notebooks


def _reference():
    nb = nbformat.read(REFERENCE, as_version=4)
    matcher = Matcher(read_reference(nb))
    cells = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and matcher.cell_label(cell):
            cells[matcher.cell_label(cell)] = cell
    assert sorted(cells) == sorted(LABELS), cells
    return nb, cells


def exercise(label: str, answer: str):
    """The chapter's code cell of exercise ``label``, answered ``answer``."""
    cell = copy.deepcopy(_reference()[1][label])
    assert "answer = None" in cell.source
    cell.source = cell.source.replace("answer = None", f"answer = {answer}")
    return cell


def code(source: str, **values):
    """A code cell: ``NAME = repr(value)`` lines for ``values``, then
    ``source``."""
    head = "".join(f"{k} = {v!r}\n" for k, v in values.items())
    return nbformat.v4.new_code_cell(head + textwrap.dedent(source))


def notebook(*cells):
    cells = [copy.deepcopy(c) for c in cells]
    for cell in cells:
        cell.id = uuid.uuid4().hex[:8]  # a notebook may hold a cell twice
    return nbformat.v4.new_notebook(
        cells=cells, metadata=_reference()[0].metadata
    )


def honest(first: Optional[str] = None, second: Optional[str] = None):
    """Both exercises; ``first``/``second`` replace the right answers."""
    return notebook(
        exercise(LABELS[0], first or RIGHT[LABELS[0]]),
        exercise(LABELS[1], second or RIGHT[LABELS[1]]),
    )


NETWORK = """
import socket, subprocess, urllib.request
said = {}
try:
    with socket.create_connection(("127.0.0.1", PORT), timeout=5) as s:
        s.sendall(b"GET /socket HTTP/1.0\\r\\n\\r\\n")
        said["socket"] = s.recv(100)
except OSError as err:
    said["socket"] = repr(err)
for host in ("127.0.0.1", "localhost"):
    try:
        url = f"http://{host}:{PORT}/urllib"
        said[host] = urllib.request.urlopen(url, timeout=5).read()
    except Exception as err:
        said[host] = repr(err)
try:
    done = subprocess.run(
        ["curl", "--noproxy", "*", "-s", "-m", "5", URL + "curl"],
        capture_output=True, timeout=20,
    )
    said["curl"] = (done.returncode, done.stdout)
except Exception as err:
    said["curl"] = repr(err)
print(said)
"""

FILES = """
import glob, os, re
said = []
def attempt(what, action):
    try:
        action()
        said.append(what + ": done")
    except Exception as err:
        said.append(f"{what}: {type(err).__name__}")
def write(path, text):
    with open(path, "w") as f:
        f.write(text)
attempt("plant", lambda: write(os.path.join(SCRATCH, "planted.txt"), "x"))
attempt("delete", lambda: os.remove(os.path.join(SCRATCH, "keep.txt")))
attempt("append", lambda: open(os.path.join(SCRATCH, "notes.txt"), "a")
        .write("changed"))
# the reference: where it was given, and where the marker's command says
targets = {REFERENCE}
pid = os.getpid()
for _ in range(30):
    try:
        status = open(f"/proc/{pid}/status").read()
        pid = int(re.search(r"PPid:\\s+(\\d+)", status).group(1))
        argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\\0")
    except Exception:
        break
    for arg in argv:
        if arg.endswith(b".ipynb"):
            path = arg.decode(errors="replace")
            targets |= {path, f"/proc/{pid}/root{path}",
                        f"/proc/{pid}/cwd/{path}"}
    if pid <= 1:
        break
for name in os.listdir("/proc"):
    try:
        argv = open(f"/proc/{name}/cmdline", "rb").read().split(b"\\0")
    except Exception:
        continue
    targets |= {a.decode(errors="replace") for a in argv
                if a.endswith(b".ipynb") and a.startswith(b"/")}
# (only this test's copies of the chapter: never the repository's files)
targets = {t for t in targets if t.endswith(os.path.basename(REFERENCE))
           and REPOSITORY not in t}
forged = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
for path in sorted(targets):
    attempt("rewrite " + path, lambda: write(path, forged))
# the library's folder
import resnet_lib
package = os.path.dirname(resnet_lib.__file__)
for folder in (package, os.path.join(package, "exercises")):
    attempt("library", lambda: write(os.path.join(folder, PLANT), "X = 1"))
# the chapter's solutions, from the repository the library came from
stolen = None
for path in [REPOSITORY_REFERENCE, REFERENCE, *sorted(targets),
             *glob.glob(os.path.join(os.path.dirname(package), "notebooks",
                                     "*.ipynb")),
             *glob.glob(os.path.join(os.path.dirname(package), "book",
                                     "*.md"))]:
    try:
        text = open(path, encoding="utf-8").read()
    except Exception:
        continue
    found = re.search(r"= (278,528)", text)
    if found:
        stolen = int(found.group(1).replace(",", ""))
        said.append("stolen from " + path)
        break
print("\\n".join(said))
"""

DETACHED = """
import os, subprocess, sys
LOOP = r'''
import os, sys, time
scratch, gradebook, token = sys.argv[1:4]
started = time.time()
while time.time() - started < 300:
    for path in (os.path.join(scratch, "ticks-" + token), "/sandbox/ticks"):
        try:
            with open(path, "a") as f:
                f.write("tick\\n")
        except OSError:
            pass
    if time.time() - started > 3:
        targets = [gradebook]
        for pid in os.listdir("/proc"):
            targets.append(f"/proc/{pid}/root{gradebook}")
        for path in targets:
            try:
                with open(path, "w") as f:
                    f.write("student,total\\nmallory,100\\n")
            except OSError:
                pass
    time.sleep(0.2)
'''
argv = [sys.executable, "-c", LOOP, SCRATCH, GRADEBOOK, TOKEN]
quiet = dict(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
             stderr=subprocess.DEVNULL)
subprocess.Popen(["setsid", *argv], start_new_session=True, **quiet)
first = os.fork()
if first == 0:  # a double fork, into a session of its own
    os.setsid()
    if os.fork() == 0:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.execv(sys.executable, argv)
    os._exit(0)
os.waitpid(first, 0)
"""

PATCH_BUILTINS = """
import builtins, math
# (b) what a checker's comparison might use says "equal"
builtins.abs = lambda x: 0
builtins.round = lambda x, n=None: 0
math.isclose = lambda *a, **k: True
math.isfinite = lambda x: True
"""

FORGE = """
import gc, io, json
from resnet_lib.exercises import answers, feedback
import resnet_lib.exercises.architecture as arch
# (c) the checkers and their helpers
right = lambda *a, **k: feedback.Feedback(True, "right")
arch.check_block_params = right
feedback.CHECKERS["check_block_params"] = right
feedback.read_integer = lambda answer, *a, **k: 278528
feedback.Feedback.ok = True
# (a) records that say the wrong answers were right
questions = [
    dict(block="bottleneck", in_channels=512, planes=128),
    dict(block="basic", in_channels=64, planes=64, part="total"),
]
lines = []
for answer, question in zip((1, 2), questions):
    lines.append(json.dumps({
        "checker": "check_block_params",
        "call": answers.encode([[answer], question]),
        "language": "en", "ok": True, "message": "right", "hint": "",
        "answer": str(answer),
        "question": {k: repr(v) for k, v in question.items()},
    }) + "\\n")
opened = [o for o in gc.get_objects() if isinstance(o, io.TextIOWrapper)
          and str(getattr(o, "name", "")).endswith("answers.jsonl")]
for f in opened:
    f.writelines(lines)
    f.flush()
with open("/sandbox/answers.jsonl", "a") as f:
    f.writelines(lines)
print(len(opened), "probe files found")
"""

MEMORY = """
chunks = []
while True:  # several GB, 64 MB at a time, every page touched
    chunks.append(bytearray(b"x") * (64 * 2**20))
"""

FORK_BOMB = """
import subprocess, sys
BOMB = r'''
import os, time
me = os.getpid()
for _ in range(8):  # every process forks on: 2**8 of them, unless limited
    try:
        if os.fork() == 0:
            with open("/sandbox/forks", "a") as f:
                f.write("born\\n")
    except OSError as err:
        with open("/sandbox/forks", "a") as f:
            f.write(f"refused {type(err).__name__}\\n")
time.sleep(1)  # all of them at once
if os.getpid() != me:
    os._exit(0)
'''
subprocess.run([sys.executable, "-c", BOMB], timeout=60)
lines = open("/sandbox/forks").read().split()
raise RuntimeError(
    f"fork bomb: {lines.count('born')} processes, "
    f"{lines.count('refused')} refused with {set(lines) - {'born', 'refused'}}"
)
"""

FLOOD = """
line = "x" * 1023 + "\\n"
for _ in range(200 * 1024):  # 200 MB
    print(line, end="")
"""

HUGE_FILE = """
import os
block = b"\\0" * 2**20
with open("/sandbox/huge.bin", "wb") as f:
    for _ in range(4096):  # 4 GB
        f.write(block)
"""


@dataclass
class Teacher:
    """The teacher's folders, and a token that names what this class's
    notebooks make."""

    root: Path
    token: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @property
    def scratch(self) -> Path:
        return self.root / "scratch"

    @property
    def reference(self) -> Path:  # a copy: the attacks aim at it
        return self.root / "chapter" / REFERENCE.name

    @property
    def out(self) -> Path:
        return self.root / "marks"

    @property
    def plant(self) -> str:
        return f"zz_hostile_{self.token}.py"


def build_class(folder: Path, teacher: Teacher, port: int) -> None:
    """The hostile class, with its honest controls."""
    folder.mkdir(parents=True)
    url = f"http://127.0.0.1:{port}/"

    def save(nb, name: str) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)

    right1 = exercise(LABELS[0], RIGHT[LABELS[0]])
    right2 = exercise(LABELS[1], RIGHT[LABELS[1]])
    save(honest(), "honest.ipynb")
    save(
        notebook(right1, code(NETWORK, PORT=port, URL=url), right2),
        "network.ipynb",
    )
    files = code(
        FILES,
        SCRATCH=str(teacher.scratch),
        REFERENCE=str(teacher.reference),
        REPOSITORY_REFERENCE=str(REFERENCE),
        REPOSITORY=str(ROOT),
        PLANT=teacher.plant,
    )
    stealing = exercise(LABELS[0], "stolen  # read from the solutions")
    save(notebook(files, stealing, right2), "files.ipynb")
    detached = code(
        DETACHED,
        SCRATCH=str(teacher.scratch),
        GRADEBOOK=str(teacher.out / "gradebook.csv"),
        TOKEN=teacher.token,
    )
    save(notebook(right1, detached, right2), "detached.ipynb")
    wrong = honest(WRONG[LABELS[0]], WRONG[LABELS[1]]).cells
    forger = notebook(
        wrong[0],  # the real checker, as it is
        code(PATCH_BUILTINS),
        wrong[1],  # the real checker, with builtins that say yes
        code(FORGE),  # cell FORGED: records, and checkers that say yes
        *copy.deepcopy(wrong),
    )
    save(forger, "forger.ipynb")
    save(notebook(right1, code(MEMORY), right2), "memory-bomb.ipynb")
    save(
        notebook(
            right1, code(FORK_BOMB), code(FLOOD), code(HUGE_FILE), right2
        ),
        "resources.ipynb",
    )
    (folder / "empty.ipynb").write_text(
        nbformat.writes(notebook(nbformat.v4.new_markdown_cell("# mine")))
    )
    save(nbformat.read(OTHER_CHAPTER, as_version=4), "other-chapter.ipynb")
    text = nbformat.writes(honest())
    (folder / "truncated.ipynb").write_text(text[: len(text) // 2])


def build_names(folder: Path) -> None:
    """Honest notebooks whose names are the hard part."""
    for name in ("李华.ipynb", "王小明.ipynb", "Li Hua.ipynb"):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(honest(), path)
    (folder / "Li Hua").mkdir()
    nbformat.write(honest(), folder / "Li Hua" / "homework.ipynb")


# ------------------------------------------------------------ the host's side


class _Server(http.server.HTTPServer):
    """Counts every connection it accepts, and every request."""

    connections = 0
    requests: list[str]

    def verify_request(self, request, client_address) -> bool:
        self.connections += 1
        return True


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"reached")

    def log_message(self, *args) -> None:
        pass


def listing(folder: Path) -> dict[str, str]:
    """Every file under ``folder``: its SHA-256."""
    return {
        p.relative_to(folder).as_posix(): sha256(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def since_boot() -> float:
    """Seconds since the machine started (how /proc dates a process)."""
    return float(Path("/proc/uptime").read_text().split()[0])


def strays(token: str, since: float) -> list[tuple[int, int, str]]:
    """(pid, uid, command line) of the processes that the marker's
    sandboxes may have left: those of the uids of its slots (0 to JOBS - 1)
    started after ``since`` (seconds after boot), and those with ``token``
    in their command line.

    Not every uid of FIRST_UID + 0..999: other sandboxes may be running on
    this machine at the same time (tests/test_isolation.py's slots are 100
    and up), and their processes are none of this class's.
    """
    uids = range(isolation.FIRST_UID, isolation.FIRST_UID + JOBS)
    tick = os.sysconf("SC_CLK_TCK")
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            status = Path("/proc", name, "status").read_text()
            cmdline = Path("/proc", name, "cmdline").read_bytes()
            stat = Path("/proc", name, "stat").read_bytes()
        except OSError:
            continue
        uid = int(status.split("\nUid:")[1].split()[0])
        started = int(stat.rsplit(b")", 1)[1].split()[19]) / tick
        if (uid in uids and started >= since) or token.encode() in cmdline:
            text = cmdline.replace(b"\0", b" ").decode(errors="replace")
            found.append((int(name), uid, text))
    return found


def mark(folder: Path, out: Path, tmp: Path, reference: Path, *options):
    """``python -m resnet_lib.mark`` as a teacher runs it; its temporary
    folders go to ``tmp``."""
    tmp.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "resnet_lib.mark",
            str(folder),
            "--reference",
            str(reference),
            "--out",
            str(out),
            *OPTIONS,
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TMPDIR": str(tmp)},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def read_rows(out: Path) -> dict[str, dict]:
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def scores(row: dict) -> list[int]:
    return [int(row[label]) for label in LABELS]


@dataclass
class Marked:
    """What the hostile class's marking did."""

    teacher: Teacher
    rows: dict[str, dict]
    results: dict[str, dict]
    log: str
    connections: int
    requests: list[str]
    control: bytes
    reference_before: str
    scratch_before: dict[str, str]
    scratch_after: dict[str, str]
    gradebook_at_return: str
    gradebook_later: str
    strays_later: list
    tmp: Path
    package_owned: list[str]


def sandbox_owned(folder: Path) -> list[str]:
    """Files under ``folder`` that a sandbox's uid owns (as root, a run has
    one of its own)."""
    uids = range(isolation.FIRST_UID, isolation.FIRST_UID + isolation.SLOTS)
    owned = []
    for path in folder.rglob("*"):
        try:
            if path.lstat().st_uid in uids:
                owned.append(path.as_posix())
        except FileNotFoundError:  # someone else's edit, meanwhile
            pass
    return owned


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    reason = isolation.problem()
    if reason is not None:
        pytest.fail(reason)
    teacher = Teacher(tmp_path_factory.mktemp("teacher"))
    teacher.scratch.mkdir()
    (teacher.scratch / "keep.txt").write_text("the teacher's list\n")
    (teacher.scratch / "notes.txt").write_text("the teacher's notes\n")
    teacher.reference.parent.mkdir()
    teacher.reference.write_bytes(REFERENCE.read_bytes())
    server = _Server(("127.0.0.1", 0), _Handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    folder = teacher.root / "class"
    build_class(folder, teacher, server.server_address[1])
    before = {
        "reference": sha256(teacher.reference),
        "scratch": listing(teacher.scratch),
    }
    tmp = teacher.root / "tmp"
    since = since_boot() - 1
    try:
        proc = mark(
            folder,
            teacher.out,
            tmp,
            teacher.reference,
            "--jobs",
            str(JOBS),
        )
        at_return = (teacher.out / "gradebook.csv").read_text()
        time.sleep(5)  # what a detached process would do, it does by now
        later = (teacher.out / "gradebook.csv").read_text()
        left = [
            (pid, uid, command[-300:])
            for pid, uid, command in strays(teacher.token, since)
        ]
        port = server.server_address[1]
        connections, requests = server.connections, list(server.requests)
        control_url = f"http://127.0.0.1:{port}/control"
        with urllib.request.urlopen(control_url, timeout=10) as r:
            control = r.read()  # the server answers whoever reaches it
        report = json.loads((teacher.out / "results.json").read_text())
        yield Marked(
            teacher=teacher,
            rows=read_rows(teacher.out),
            results={r["student"]: r for r in report["students"]},
            log=proc.stdout + proc.stderr,
            connections=connections,
            requests=requests,
            control=control,
            reference_before=before["reference"],
            scratch_before=before["scratch"],
            scratch_after=listing(teacher.scratch),
            gradebook_at_return=at_return,
            gradebook_later=later,
            strays_later=left,
            tmp=tmp,
            package_owned=sandbox_owned(LIB),
        )
    finally:
        server.shutdown()
        server.server_close()
        _clean_up(teacher, since)


def _clean_up(teacher: Teacher, since: float) -> None:
    """End what an attack that worked left behind (by pid), and remove what
    it planted in the library."""
    for pid, _, command in strays(teacher.token, since):
        if teacher.token not in command:
            continue  # not surely this class's: reported, never ended
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for path in (LIB / teacher.plant, LIB / "exercises" / teacher.plant):
        path.unlink(missing_ok=True)


# ------------------------------------------------------------ the attacks


def _row(marked: Marked, student: str) -> dict:
    assert student in marked.rows, sorted(marked.rows)
    return marked.rows[student]


@pytest.mark.slow
def test_network_no_request_reaches_the_hosts_loopback(hostile):
    assert hostile.connections == 0, hostile.requests
    assert hostile.requests == []
    assert hostile.control == b"reached"  # the server was there to reach
    row = _row(hostile, "network")
    assert (row["status"], scores(row)) == ("ok", [1, 1]), row


@pytest.mark.slow
def test_files_of_the_teacher_and_the_library_are_untouched(hostile):
    teacher = hostile.teacher
    assert sha256(teacher.reference) == hostile.reference_before
    assert sha256(REFERENCE) == sha256(teacher.reference)
    assert hostile.scratch_after == hostile.scratch_before
    assert hostile.package_owned == []
    assert not (LIB / teacher.plant).exists()
    assert not (LIB / "exercises" / teacher.plant).exists()
    # it could not read the solutions: only its own answer counts
    row = _row(hostile, "files")
    assert (row["status"], scores(row)) == ("ok", [0, 1]), row
    verdict = hostile.results["files"]["marks"][LABELS[0]]["verdict"]
    assert verdict["answer"] == "None", verdict


@pytest.mark.slow
def test_a_detached_process_ends_with_its_notebook(hostile):
    assert hostile.strays_later == [], hostile.strays_later
    assert hostile.gradebook_later == hostile.gradebook_at_return
    assert "mallory" not in hostile.gradebook_later
    teacher = hostile.teacher
    assert not list(teacher.scratch.glob("ticks-*"))
    assert not list(teacher.out.glob("**/ticks*"))
    row = _row(hostile, "detached")
    assert (row["status"], scores(row)) == ("ok", [1, 1]), row


@pytest.mark.slow
def test_forged_verdicts_count_for_nothing(hostile):
    row = _row(hostile, "forger")
    assert scores(row) == [0, 0], row
    assert row["status"] in ("ok", "tampered"), row
    result = hostile.results["forger"]
    # the forged records were read back, and judged outside: wrong
    forged = [v for v in result["verdicts"] if v["cell"] == FORGED]
    assert forged, result["verdicts"]
    assert all(not v["ok"] for v in result["verdicts"]), result["verdicts"]
    assert {v["judged"] for v in result["verdicts"]} == {"outside"}


@pytest.mark.slow
def test_a_memory_bomb_is_stopped_and_earlier_answers_count(hostile):
    row = _row(hostile, "memory-bomb")
    assert (row["status"], scores(row)) == ("memory", [1, 0]), row
    assert "memory limit (3 GB)" in row["detail"]


@pytest.mark.slow
def test_fork_bomb_flood_and_huge_file_are_limited(hostile):
    row = _row(hostile, "resources")
    assert (row["status"], scores(row)) == ("cell-error", [1, 1]), row
    errors = hostile.results["resources"]["errors"]
    bomb = [e["evalue"] for e in errors if e["ename"] == "RuntimeError"]
    assert bomb and bomb[0].startswith("fork bomb"), errors
    born, refused = (int(bomb[0].split()[i]) for i in (2, 4))
    assert born < 64 and refused > 0, bomb  # 255 with no limit
    assert "BlockingIOError" in bomb[0], bomb
    assert any("File too large" in e["evalue"] for e in errors), errors
    assert hostile.results["resources"]["elapsed"] < 90
    results = json.dumps(hostile.results["resources"])
    assert len(results) < 2**20  # the flood stayed out of the marks
    assert len(hostile.log) < 2**20


@pytest.mark.slow
def test_the_run_goes_on_for_every_other_notebook(hostile):
    expected = {
        "honest": ("ok", [1, 1]),
        "empty": ("empty", [0, 0]),
        "other-chapter": ("wrong-chapter", [0, 0]),
        "truncated": ("truncated", [0, 0]),
    }
    for student, want in expected.items():
        row = _row(hostile, student)
        assert (row["status"], scores(row)) == want, row
    statuses = {s: r["status"] for s, r in hostile.rows.items()}
    assert "marker-error" not in statuses.values(), statuses
    assert len(hostile.rows) == 10, sorted(hostile.rows)
    # the marker's own folders (resnet-mark-*) went to TMPDIR, here: gone
    assert list(hostile.tmp.iterdir()) == []


# ------------------------------------------------------------ names


@pytest.fixture(scope="module")
def names(tmp_path_factory):
    reason = isolation.problem()
    if reason is not None:
        pytest.fail(reason)
    root = tmp_path_factory.mktemp("names")
    folder = root / "class"
    build_names(folder)
    outs = {}
    for jobs in (2, 1):
        outs[jobs] = root / f"marks-{jobs}"
        mark(folder, outs[jobs], root / "tmp", REFERENCE, "--jobs", str(jobs))
    return outs


@pytest.mark.slow
def test_names_in_any_script_each_get_a_row_and_a_page(names):
    out = names[2]
    rows = read_rows(out)
    assert sorted(rows) == [
        "Li Hua (Li Hua.ipynb)",
        "Li Hua (Li Hua/homework.ipynb)",
        "李华",
        "王小明",
    ]
    for row in rows.values():
        assert (row["status"], scores(row)) == ("ok", [1, 1]), row
    pages = sorted(p.name for p in (out / "feedback").iterdir())
    assert len(pages) == len(rows) == len(set(pages)), pages
    assert "李华.html" in pages and "王小明.html" in pages


@pytest.mark.slow
def test_one_job_or_two_give_the_same_gradebook(names):
    one = (names[1] / "gradebook.csv").read_bytes()
    assert one == (names[2] / "gradebook.csv").read_bytes()
    assert len(one.decode().splitlines()) == 5
