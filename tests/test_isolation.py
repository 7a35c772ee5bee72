"""The OS sandbox that a student's notebook runs in (issue 23):
resnet_lib.classroom.isolation.run_sandboxed, made by bubblewrap.

Each test makes the sandboxed code try something and checks on the host that
it did not happen (and, where it could pass by accident, that the same thing
does happen outside). A missing bubblewrap FAILS these tests with the command
that installs it: the marker cannot run notebooks without it.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

from resnet_lib.classroom import isolation
from resnet_lib.classroom.isolation import Limits, Outcome

LIB = Path(isolation.__file__).resolve().parents[1]  # the resnet_lib folder
ROOT = LIB.parent
ROOT_USER = os.geteuid() == 0
# A slot of its own for each pytest-xdist worker, away from the marker's
# (0, 1, ...), so that tests running at the same time share no uid.
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
SLOT = 100 + 10 * WORKER
MiB = 2**20


@dataclass
class Sandbox:
    """Runs Python code in a sandbox whose workdir is ``workdir``."""

    workdir: Path

    def run(
        self, code: str, *args: str, limits: Limits = Limits(), slot=SLOT
    ) -> Outcome:
        return isolation.run_sandboxed(
            [sys.executable, "-c", code, *args],
            workdir=self.workdir,
            limits=limits,
            readable=[LIB],
            slot=slot,
        )


@pytest.fixture
def sandbox(tmp_path) -> Sandbox:
    reason = isolation.problem()
    if reason is not None:
        pytest.fail(reason)
    workdir = tmp_path / "work"
    workdir.mkdir()
    return Sandbox(workdir)


def leftovers(marker: str, slot: int = SLOT) -> list[str]:
    """Processes still running that contain ``marker`` in their command
    line, or (as root) that run as the slot's uid."""
    uid = isolation.FIRST_UID + slot if ROOT_USER else None
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            cmdline = Path("/proc", name, "cmdline").read_bytes()
            status = Path("/proc", name, "status").read_text()
        except OSError:
            continue
        fields = dict(
            line.split(":", 1) for line in status.splitlines() if ":" in line
        )
        if fields["State"].split()[0] in ("Z", "X"):
            continue
        if marker.encode() in cmdline or (
            uid is not None and int(fields["Uid"].split()[0]) == uid
        ):
            found.append(f"{name}: {cmdline[:80]!r}")
    return found


def test_a_sandbox_can_be_made_here():
    assert isolation.problem() is None


def test_without_bubblewrap_the_install_command_is_given(
    monkeypatch, tmp_path
):
    monkeypatch.setattr(isolation, "BWRAP", "/nonexistent/bwrap")
    said = isolation.problem()
    assert said is not None
    assert "apt-get install bubblewrap" in said
    assert "/nonexistent/bwrap" in said
    with pytest.raises(RuntimeError, match="apt-get install bubblewrap"):
        isolation.run_sandboxed(["true"], workdir=tmp_path)


def test_without_util_linux_the_install_command_is_given(monkeypatch):
    monkeypatch.setattr(isolation, "PRLIMIT", "/nonexistent/prlimit")
    said = isolation.problem()
    assert said is not None and "apt-get install util-linux" in said


def test_a_sandbox_that_cannot_be_set_up_raises(monkeypatch, tmp_path):
    """bwrap's own failure is not taken for the command's exit status."""
    broken = ["--ro-bind", "/nonexistent/source", "/x"]
    system = isolation._system_mounts
    monkeypatch.setattr(isolation, "_system_mounts", lambda: system() + broken)
    with pytest.raises(RuntimeError, match="Can't find source path"):
        isolation.run_sandboxed(["true"], workdir=tmp_path, slot=SLOT)


def test_wrong_arguments_say_what_is_allowed(tmp_path):
    with pytest.raises(ValueError, match="existing folder; got"):
        isolation.run_sandboxed(["true"], workdir=tmp_path / "missing")
    with pytest.raises(ValueError, match="slot must be 0 to 999; got -1"):
        isolation.run_sandboxed(["true"], workdir=tmp_path, slot=-1)
    with pytest.raises(ValueError, match="absolute and exist; got"):
        isolation.run_sandboxed(
            ["true"],
            workdir=tmp_path,
            readable=[tmp_path / "missing"],
            slot=SLOT,
        )
    with pytest.raises(ValueError, match="Limits.memory must be a positive"):
        Limits(memory=0)


class _Counting(http.server.BaseHTTPRequestHandler):
    requests = 0

    def do_GET(self):
        type(self).requests += 1
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"reached")

    def log_message(self, *args):
        pass


NETWORK = """
import os, socket, subprocess, sys, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/"
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
    print("socket: connected")
except OSError as e:
    print("socket:", type(e).__name__)
try:
    urllib.request.urlopen(url, timeout=3)
    print("urllib: connected")
except OSError as e:
    print("urllib:", type(e).__name__, e)
if os.path.exists("/usr/bin/curl"):
    done = subprocess.run(["/usr/bin/curl", "-sS", "-m", "3", url])
    print("curl:", done.returncode)
with open("/proc/net/dev") as f:
    names = sorted(line.split(":")[0].strip() for line in f.readlines()[2:])
print("interfaces:", names)
"""


def test_no_network_not_even_the_hosts_loopback(sandbox):
    _Counting.requests = 0
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        outcome = sandbox.run(NETWORK, str(port))
        assert _Counting.requests == 0, outcome.output
        assert "socket: ConnectionRefusedError" in outcome.output
        assert "urllib: URLError" in outcome.output
        if Path("/usr/bin/curl").exists():
            assert "curl: 7" in outcome.output  # couldn't connect
        assert "interfaces: ['lo']" in outcome.output
        assert outcome.returncode == 0, outcome.output
        # the server answers whoever can reach it: the test itself
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as r:
            assert r.read() == b"reached"
        assert _Counting.requests == 1
    finally:
        server.shutdown()
        server.server_close()


FILES = """
import os, sys
def attempt(what, action):
    try:
        action()
        print(what, "done")
    except OSError as e:
        print(what, type(e).__name__)
secret, lib, token = sys.argv[1:4]
attempt("read secret", lambda: open(secret).read())
attempt("read bashrc", lambda: open("/root/.bashrc").read())
print("repository:", sorted(os.listdir(os.path.dirname(lib))))
for name, folder in [("lib", lib), ("prefix", sys.prefix), ("usr", "/usr"),
                     ("root", "/"),
                     ("secret's folder", os.path.dirname(secret))]:
    path = os.path.join(folder, "planted-" + token)
    attempt("write " + name, lambda: open(path, "w").write("x"))
attempt("write tmp", lambda: open("/tmp/planted-" + token, "w").write("x"))
attempt("write workdir", lambda: open("/sandbox/kept.txt", "w").write("ok"))
"""


def test_files_of_the_host_are_neither_read_nor_written(sandbox, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("the teacher's")
    token = uuid.uuid4().hex
    outcome = sandbox.run(FILES, str(secret), str(LIB), token)
    said = outcome.output
    assert outcome.returncode == 0, said
    assert "read secret FileNotFoundError" in said
    assert "read bashrc FileNotFoundError" in said
    # the repository shows its library, not its reference notebooks
    repository = [line for line in said.splitlines() if "repository" in line]
    assert "'resnet_lib'" in repository[0]
    assert (ROOT / "notebooks").is_dir()
    assert "'notebooks'" not in repository[0]
    for name in ("lib", "prefix", "usr", "root", "secret's folder"):
        assert f"write {name} done" not in said
        assert f"write {name} " in said
    assert "write tmp done" in said  # the sandbox's own /tmp ...
    assert "write workdir done" in said
    planted = [
        LIB / f"planted-{token}",
        Path(sys.prefix) / f"planted-{token}",
        Path("/usr") / f"planted-{token}",
        Path("/") / f"planted-{token}",
        tmp_path / f"planted-{token}",
        Path("/tmp") / f"planted-{token}",  # ... is not the host's
    ]
    assert [p for p in planted if p.exists()] == []
    assert (sandbox.workdir / "kept.txt").read_text() == "ok"


def test_the_environment_is_the_one_given(sandbox, monkeypatch):
    monkeypatch.setenv("TEACHER_TOKEN", "secret")
    outcome = isolation.run_sandboxed(
        [sys.executable, "-c", "import os; print(sorted(os.environ.items()))"],
        workdir=sandbox.workdir,
        env={"GIVEN": "1"},
        slot=SLOT,
    )
    assert "TEACHER_TOKEN" not in outcome.output
    assert "('GIVEN', '1')" in outcome.output
    assert "('HOME', '/sandbox')" in outcome.output
    print(f"a sandboxed `python -c` took {outcome.elapsed:.3f} s")


DETACHED = """
import os, subprocess, time
subprocess.Popen(["sleep", "{marker}"], start_new_session=True)
subprocess.Popen(["setsid", "sh", "-c",
                  "while true; do echo x >> /sandbox/ticks; sleep 0.2; done",
                  "{marker}"])
if os.fork() == 0:  # a double fork, into a session of its own
    os.setsid()
    if os.fork() == 0:
        while True:
            with open("/sandbox/ticks", "a") as f:
                f.write("y\\n")
            time.sleep(0.2)
    os._exit(0)
time.sleep(0.5)
print("leaving")
"""


@pytest.mark.slow
def test_detached_processes_end_with_the_run(sandbox):
    marker = "31.41592"  # a duration for sleep, a name for sh
    outcome = sandbox.run(
        DETACHED.format(marker=marker), limits=Limits(wall=20)
    )
    assert (outcome.returncode, outcome.killed) == (0, None), outcome.output
    ticks = sandbox.workdir / "ticks"
    grown = ticks.stat().st_size
    assert grown > 0  # they ran
    time.sleep(0.7)
    assert ticks.stat().st_size == grown
    assert leftovers(marker) == []


GREEDY = """
import subprocess, sys, time
hog = "b = b'x' * (200 * 2**20); import time; time.sleep(30)"
for _ in range(4):
    subprocess.Popen([sys.executable, "-c", hog])
time.sleep(30)
"""

GROWING = """
b = bytearray()
for i in range(32):
    b += b"x" * (64 * 2**20)
    print("MiB", (i + 1) * 64, flush=True)
"""


@pytest.mark.slow
def test_memory_of_all_processes_together_is_limited(sandbox):
    limits = Limits(memory=512 * MiB, wall=60)
    outcome = sandbox.run(GREEDY + "# greedy-run", limits=limits)
    print(
        f"four processes of 200 MiB, limit 512 MiB: killed after "
        f"{outcome.elapsed:.2f} s, peak {outcome.peak_memory / MiB:.0f} MiB"
    )
    assert outcome.killed == "memory"
    assert outcome.returncode is None
    assert outcome.peak_memory > limits.memory
    assert outcome.elapsed < 20
    assert leftovers("greedy-run") == []

    # one process growing to 2 GiB: its RLIMIT_DATA (MemoryError) or the
    # watchdog, whichever comes first, stops it near 512 MiB
    outcome = sandbox.run(GROWING, limits=limits)
    reached = [
        int(line.split()[1])
        for line in outcome.output.splitlines()
        if line.startswith("MiB ")
    ]
    print(
        f"one process growing: reached {max(reached, default=0)} MiB, "
        f"killed={outcome.killed}, peak {outcome.peak_memory / MiB:.0f} MiB"
    )
    assert outcome.killed == "memory" or "MemoryError" in outcome.output
    assert max(reached, default=0) <= 512
    assert outcome.peak_memory < 2 * limits.memory

    outcome = sandbox.run("print('fine')", limits=limits)
    assert (outcome.returncode, outcome.killed) == (0, None)
    assert outcome.output == "fine\n"


FORK_BOMB = """
import os, time
main = os.getpid()
while True:
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        with open("/sandbox/forks", "a") as f:
            f.write("x\\n")
if os.getpid() == main:
    time.sleep(1)
    print("main leaves")
else:
    time.sleep(30)
# fork-bomb-run
"""


@pytest.mark.slow
def test_a_fork_bomb_is_stopped_by_the_process_limit(sandbox):
    limits = Limits(processes=50, wall=60)
    outcome = sandbox.run(FORK_BOMB, limits=limits)
    forks = (sandbox.workdir / "forks").read_text().count("x")
    print(f"fork bomb with Limits(processes=50): {forks} forks")
    assert outcome.killed is None
    assert outcome.returncode == 0, outcome.output
    assert "main leaves" in outcome.output
    assert limits.processes // 2 < forks < limits.processes
    assert leftovers("fork-bomb-run") == []


def test_file_size_is_limited(sandbox):
    code = """
try:
    with open("/sandbox/big", "wb") as f:
        f.write(b"x" * (3 * 2**20))
    print("wrote all")
except OSError as e:
    print("stopped:", e)
"""
    outcome = sandbox.run(code, limits=Limits(file_size=MiB))
    assert "stopped: [Errno 27] File too large" in outcome.output
    assert (sandbox.workdir / "big").stat().st_size == MiB


def test_output_is_clipped_and_says_so(sandbox):
    code = "import sys; sys.stdout.write('a' * 1000 + 'b' * 99000)"
    outcome = sandbox.run(code, limits=Limits(output=1000))
    assert outcome.returncode == 0
    assert outcome.output.startswith("a" * 1000 + "\n[99000 more bytes")
    assert "b" not in outcome.output.split("\n")[0]


@pytest.mark.slow
def test_wall_time_is_limited(sandbox):
    code = "import time; print('started', flush=True); time.sleep(30)"
    outcome = sandbox.run(code + " # wall-run", limits=Limits(wall=1.0))
    assert outcome.killed == "time"
    assert outcome.returncode is None
    assert 1.0 <= outcome.elapsed < 5
    assert outcome.output == "started\n"
    assert leftovers("wall-run") == []


@pytest.mark.slow
def test_two_runs_at_once_in_two_slots(tmp_path):
    """``--jobs 2``: as root, each slot has a uid (and process count) of its
    own, and a slot in use is refused."""
    code = "import os, time; time.sleep(0.5); print(os.getuid())"
    outcomes: dict[int, Optional[Outcome]] = {}

    def run(slot: int) -> None:
        workdir = tmp_path / str(slot)
        workdir.mkdir()
        outcomes[slot] = isolation.run_sandboxed(
            [sys.executable, "-c", code], workdir=workdir, slot=slot
        )

    threads = [
        threading.Thread(target=run, args=(s,)) for s in (SLOT + 1, SLOT + 2)
    ]
    for t in threads:
        t.start()
    if ROOT_USER:
        time.sleep(0.25)
        with pytest.raises(RuntimeError, match="in use by processes"):
            isolation.run_sandboxed(["true"], workdir=tmp_path, slot=SLOT + 1)
    for t in threads:
        t.join()
    uids = {int(o.output) for o in outcomes.values() if o is not None}
    if ROOT_USER:
        assert uids == {
            isolation.FIRST_UID + SLOT + 1,
            isolation.FIRST_UID + SLOT + 2,
        }
    else:
        assert uids == {os.getuid()}


IMPORTS = """
import time
t = time.perf_counter()
import torch, resnet_lib
print(f"{time.perf_counter() - t:.2f}", resnet_lib.__file__)
"""


@pytest.mark.slow  # imports torch twice: about 10 s
def test_torch_and_resnet_lib_import_inside(sandbox):
    inside = sandbox.run(IMPORTS)
    assert inside.returncode == 0, inside.output
    seconds, where = inside.output.split()
    assert Path(where).is_relative_to(LIB)
    start = time.monotonic()
    outside = subprocess.run(
        [sys.executable, "-c", IMPORTS],
        capture_output=True,
        text=True,
        check=True,
    )
    whole = time.monotonic() - start
    print(
        f"import torch, resnet_lib: inside {seconds} s (the whole run "
        f"{inside.elapsed:.2f} s, peak {inside.peak_memory / MiB:.0f} MiB), "
        f"outside {outside.stdout.split()[0]} s (the whole run {whole:.2f} s)"
    )
