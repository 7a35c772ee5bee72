"""Run untrusted code (a student's notebook) in an OS sandbox: bubblewrap.

:func:`run_sandboxed` starts ``argv`` inside a sandbox that `bubblewrap
<https://github.com/containers/bubblewrap>`_ (``bwrap``) builds from Linux
namespaces, and returns what happened as an :class:`Outcome`. Inside:

* **no network**: a network namespace of its own, with only its own loopback
  (a Jupyter client and its kernel still talk over it); the host's
  127.0.0.1 cannot be reached;
* **its own processes**: a PID namespace whose first process is bwrap's;
  when the run ends, the kernel kills every process in it, detached or not;
* **a few folders, read-only**: ``/usr`` (and ``/bin``, ``/lib``, ...
  as the host has them), ``/etc/ld.so.cache`` and ``/etc/localtime``, a
  ``passwd``, ``group``, ``hosts`` and ``nsswitch.conf`` of its own, the
  Python environment (``sys.prefix``, ``sys.base_prefix``) and the paths in
  ``readable``; nothing else of the host (not ``/root``, ``/home``, the
  teacher's files);
* **one folder to write**: ``workdir`` at ``/sandbox`` (the working folder
  and ``HOME``), plus private, size-limited ``/tmp`` and ``/dev/shm``;
* **limits**: processes (``RLIMIT_NPROC``), file size (``RLIMIT_FSIZE``),
  no core files, open files, and a watchdog here that polls the memory of
  every process of the run and the wall clock, and kills the whole run when
  it passes :class:`Limits`.

When the caller is root (as in CI), the kernel would not hold root to
``RLIMIT_NPROC``, and a user namespace cannot map a second uid, so bwrap
runs without one and the run drops to an unprivileged uid of its own,
``FIRST_UID + slot``, with ``setpriv`` (no capabilities, no new privileges):
runs at the same time each take another ``slot``. Otherwise bwrap makes a
user namespace and the run keeps the caller's uid.

What the watchdog cannot see: memory that no process maps (files in the
private ``/tmp`` and ``/dev/shm``, bounded by ``Limits.tmpfs`` each; System V
shared memory), and it counts a page shared by two processes twice. A cgroup
(``systemd-run --scope -p MemoryMax=...``) would count everything; bubblewrap
alone has none.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import IO, Mapping, Optional, Sequence

BWRAP = "/usr/bin/bwrap"  # Debian/Ubuntu: apt-get install bubblewrap
SETPRIV = "/usr/bin/setpriv"  # util-linux
PRLIMIT = "/usr/bin/prlimit"  # util-linux
INSIDE = PurePosixPath("/sandbox")  # where workdir is, inside
FIRST_UID = 61000  # as root, slot s runs as uid and gid FIRST_UID + s
SLOTS = 1000
POLL = 0.1  # seconds between two looks at the run's memory

INSTALL = (
    "bubblewrap is not installed ({path} is missing), and the marker runs "
    "every notebook inside its sandbox: install it with `apt-get install "
    "bubblewrap` (Debian, Ubuntu; `dnf install bubblewrap` on Fedora)."
)

_NO_ENV: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class Limits:
    """What one sandboxed run may use.

    Args:
        memory: bytes of memory of all the run's processes together (their
            resident set sizes, summed), enforced by the watchdog; also each
            process's ``RLIMIT_DATA``, so that one allocation past it fails
            in that process (``MemoryError``) before the watchdog acts.
        processes: processes and threads at once (``RLIMIT_NPROC``).
        file_size: bytes of the largest file the run may write
            (``RLIMIT_FSIZE``; Python then raises ``OSError: File too
            large``).
        output: bytes of stdout and stderr kept; the rest is dropped, and
            the output says how much.
        wall: seconds for the whole run; then everything is killed.
        open_files: open files per process (``RLIMIT_NOFILE``).
        tmpfs: bytes of each of the private ``/tmp`` and ``/dev/shm``
            (memory that the watchdog does not see).
    """

    memory: int = 4 * 2**30
    processes: int = 256
    file_size: int = 256 * 2**20
    output: int = 4 * 2**20
    wall: float = 600.0
    open_files: int = 4096
    tmpfs: int = 256 * 2**20

    def __post_init__(self) -> None:
        for name in (
            "memory",
            "processes",
            "file_size",
            "output",
            "open_files",
            "tmpfs",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(
                    f"Limits.{name} must be a positive integer; got {value!r}"
                )
            if value <= 0:
                raise ValueError(
                    f"Limits.{name} must be a positive integer; got {value}"
                )
        if not self.wall > 0:
            raise ValueError(
                f"Limits.wall must be a positive number of seconds; "
                f"got {self.wall!r}"
            )


@dataclass
class Outcome:
    """What a sandboxed run did.

    Args:
        returncode: the command's exit status (128 + N when signal N ended
            it, as a shell reports it); ``None`` when the watchdog killed
            the run.
        killed: why the watchdog killed the run: ``None``, ``"memory"`` or
            ``"time"``.
        peak_memory: bytes, the highest total resident memory seen.
        output: stdout and stderr, interleaved, clipped to
            ``Limits.output`` bytes (with a line saying how much was
            dropped).
        elapsed: seconds from start to end.
    """

    returncode: Optional[int]
    killed: Optional[str]
    peak_memory: int
    output: str
    elapsed: float


def problem() -> Optional[str]:
    """Why no sandbox can be made here, or ``None`` when one can.

    Starts a sandbox like :func:`run_sandboxed`'s that runs ``true``.

    Returns:
        ``None``, or one paragraph: what is missing and what to install or
        change.
    """
    missing = _missing_tools()
    if missing:
        return missing
    root = os.geteuid() == 0
    argv = [
        BWRAP,
        *_namespaces(root),
        *_system_mounts(),
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--die-with-parent",
        "--new-session",
        "--",
        PRLIMIT,
        "--core=0",
        "--",
    ]
    if root:
        argv += _drop_to(FIRST_UID)
    argv.append("/usr/bin/true")
    try:
        done = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=30,
            env={},
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap ({BWRAP}) could not be started: {error}."
    if done.returncode == 0:
        return None
    said = done.stderr.decode(errors="replace").strip() or "nothing"
    start = (
        f"bubblewrap ({BWRAP}) is installed but cannot make a sandbox here "
        f"(exit status {done.returncode}; it said: {said}). "
    )
    if root:
        return start + (
            "Root needs the capability to create namespaces and mounts: in "
            "a container, start it with `--cap-add SYS_ADMIN --security-opt "
            "seccomp=unconfined --security-opt apparmor=unconfined` (or "
            "`--privileged`), or mark the class outside the container."
        )
    if _sysctl("kernel/apparmor_restrict_unprivileged_userns") == "1":
        return start + (
            "AppArmor restricts unprivileged user namespaces here "
            "(kernel.apparmor_restrict_unprivileged_userns=1, as on Ubuntu "
            "24.04). Either mark as root (the sandbox then needs no user "
            "namespace), or give bwrap an AppArmor profile that allows them "
            "(/etc/apparmor.d/bwrap: `abi <abi/4.0>, include <tunables/"
            "global> profile bwrap /usr/bin/bwrap flags=(unconfined) { "
            "userns, }`, then `apparmor_parser -r /etc/apparmor.d/bwrap`), "
            "or lift the restriction for everyone with `sysctl -w "
            "kernel.apparmor_restrict_unprivileged_userns=0`."
        )
    if _sysctl("kernel/unprivileged_userns_clone") == "0":
        return start + (
            "Unprivileged user namespaces are switched off "
            "(kernel.unprivileged_userns_clone=0): mark as root, or "
            "`sysctl -w kernel.unprivileged_userns_clone=1`."
        )
    if _sysctl("user/max_user_namespaces") == "0":
        return start + (
            "User namespaces are switched off (user.max_user_namespaces=0): "
            "mark as root, or `sysctl -w user.max_user_namespaces=10000`."
        )
    return start + (
        "A user without privileges needs user namespaces: mark as root, or "
        "allow unprivileged user namespaces on this machine."
    )


def run_sandboxed(
    argv: Sequence[str],
    *,
    workdir: Path,
    limits: Limits = Limits(),
    readable: Sequence[Path] = (),
    env: Mapping[str, str] = _NO_ENV,
    slot: int = 0,
) -> Outcome:
    """Run ``argv`` in a sandbox, wait for it, and leave nothing running.

    Args:
        argv: the command, as it is seen inside (``sys.executable`` works:
            the Python environment is mounted where it is outside).
        workdir: an existing host folder, the only one the run can write:
            ``/sandbox`` inside, its working folder and ``HOME``. As root it
            is given (``chown -R``) to the slot's uid, and stays so.
        limits: what the run may use.
        readable: host paths mounted read-only at the same place inside,
            besides ``/usr`` and the Python environment (for an editable
            install, the package folder, never the whole repository).
        env: environment variables inside, over these: ``PATH`` (the Python
            environment's ``bin``, ``/usr/bin``, ``/bin``), ``HOME``,
            ``LANG``, ``LC_ALL``, ``TMPDIR``, ``PYTHONDONTWRITEBYTECODE``,
            ``PYTHONNOUSERSITE``, ``MPLBACKEND``, ``MPLCONFIGDIR``,
            ``IPYTHONDIR``. Nothing else of the caller's environment.
        slot: as root, which uid the run gets (``FIRST_UID + slot``); runs
            at the same time need different slots. Ignored otherwise.

    Returns:
        An :class:`Outcome`.

    Raises:
        RuntimeError: bubblewrap is missing or could not set up the sandbox
            (the message says why), or a process of the run outlived it.
    """
    if not argv:
        raise ValueError("argv must name a command; got an empty sequence")
    workdir = Path(workdir)
    if not workdir.is_dir():
        raise ValueError(
            f"workdir must be an existing folder; got {str(workdir)!r}"
        )
    missing = _missing_tools()
    if missing:
        raise RuntimeError(missing)
    root = os.geteuid() == 0
    if isinstance(slot, bool) or not isinstance(slot, int):
        raise ValueError(f"slot must be an integer; got {slot!r}")
    if not 0 <= slot < SLOTS:
        raise ValueError(f"slot must be 0 to {SLOTS - 1}; got {slot}")
    mounts = _read_only_mounts(
        [*_python_paths(), *(Path(p) for p in readable)]
    )
    uid = FIRST_UID + slot if root else os.getuid()
    if root:
        _claim(uid, slot)
        _give(workdir, uid)

    prefix = _prefix_bin()
    inside = {
        "PATH": f"{prefix}:/usr/bin:/bin",
        "HOME": str(INSIDE),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TMPDIR": "/tmp",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "MPLBACKEND": "agg",
        "MPLCONFIGDIR": str(INSIDE / ".config" / "matplotlib"),
        "IPYTHONDIR": str(INSIDE / ".ipython"),
        **env,
    }
    data_fds: list[int] = []
    args = [BWRAP, *_namespaces(root), "--hostname", "sandbox"]
    args += _system_mounts()
    for dest, text in _etc_files(uid).items():
        fd = _pipe_with(text)
        data_fds.append(fd)
        args += ["--perms", "0644", "--ro-bind-data", str(fd), dest]
    args += mounts
    tmpfs = str(limits.tmpfs)
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--perms", "1777", "--size", tmpfs, "--tmpfs", "/dev/shm"]
    args += ["--perms", "1777", "--size", tmpfs, "--tmpfs", "/tmp"]
    args += ["--bind", str(workdir.resolve()), str(INSIDE)]
    args += ["--remount-ro", "/", "--chdir", str(INSIDE)]
    status_read, status_write = os.pipe()
    args += ["--json-status-fd", str(status_write)]
    args += ["--die-with-parent", "--new-session", "--"]
    args += _rlimits(limits, root)
    if root:
        args += _drop_to(uid)
    args += list(argv)

    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=inside,
            pass_fds=(*data_fds, status_write),
            start_new_session=True,
        )
    finally:
        for fd in (*data_fds, status_write):
            os.close(fd)
    assert proc.stdout is not None
    output = _Output(proc.stdout, limits.output)
    status = _Status(status_read)
    killed: Optional[str] = None
    peak = 0
    try:
        while proc.poll() is None:
            status.read()
            memory = sum(
                rss for _, rss in _members(proc.pid, uid if root else None)
            )
            peak = max(peak, memory)
            if memory > limits.memory:
                killed = "memory"
                break
            left = limits.wall - (time.monotonic() - start)
            if left <= 0:
                killed = "time"
                break
            _wait(proc, min(POLL, left))
    finally:
        _end(proc, status)
        if root:
            _end_uid(uid)
        output.close()
    elapsed = time.monotonic() - start
    status.read()
    os.close(status_read)
    text = output.text()
    if killed is not None:
        returncode: Optional[int] = None
    elif status.exit_code is not None:
        returncode = status.exit_code
    elif proc.returncode > 0:  # bwrap's own failure: no command ran
        raise RuntimeError(
            f"bubblewrap could not set up the sandbox (exit status "
            f"{proc.returncode}): {text.strip()}"
        )
    else:
        returncode = proc.returncode
    return Outcome(returncode, killed, peak, text, elapsed)


def _wait(proc: subprocess.Popen, seconds: float) -> None:
    """Wait up to ``seconds`` for ``proc`` to end; return as it ends.

    ``Popen.wait(timeout)`` polls with sleeps of up to 50 ms; a pidfd
    (Linux 5.3) wakes at once.
    """
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):  # an older Python or kernel
        try:
            proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            pass
        return
    try:
        select.select([pidfd], [], [], seconds)
    finally:
        os.close(pidfd)


def _missing_tools() -> Optional[str]:
    """The install message for the first program the sandbox lacks."""
    if not Path(BWRAP).is_file():
        return INSTALL.format(path=BWRAP)
    for tool in (PRLIMIT, SETPRIV) if os.geteuid() == 0 else (PRLIMIT,):
        if not Path(tool).is_file():
            return (
                f"{tool} is missing; the sandbox needs it: install it with "
                f"`apt-get install util-linux`."
            )
    return None


def _sysctl(name: str) -> Optional[str]:
    try:
        return Path("/proc/sys", name).read_text().strip()
    except OSError:
        return None


def _namespaces(root: bool) -> list[str]:
    """bwrap's namespace options: as root, all but a user namespace."""
    if root:
        return [
            "--unshare-net",
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
        ]
    return ["--unshare-all", "--unshare-user", "--disable-userns"]


def _drop_to(uid: int) -> list[str]:
    """setpriv's command to become ``uid`` with no privileges at all."""
    return [
        SETPRIV,
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
    ]


def _rlimits(limits: Limits, root: bool) -> list[str]:
    """prlimit's command setting the run's limits (soft and hard).

    It runs inside, after bwrap made the namespaces. As root, the count of
    ``RLIMIT_NPROC`` is that of the slot's uid, which has no other process.
    Otherwise, since Linux 5.14 a user namespace counts its own processes,
    so the limit holds for the run's processes alone (the caller's other
    processes count against the caller's own limit); before 5.14 the count
    is of all the caller's processes, so the limit is raised by their
    number now: an approximation that is off by as many processes as the
    caller starts or ends during the run.

    No ``RLIMIT_AS``: importing torch (a CUDA build, on the CPU) maps 3.2
    GB of address space and fails below 4 GB, more with more threads.
    ``RLIMIT_DATA`` (private writable memory) is ``Limits.memory``: torch
    imports with 1 GB of it (not with 512 MB).
    """
    processes = limits.processes
    if not root and _kernel() < (5, 14):
        processes += _tasks_of(os.getuid())
    return [
        PRLIMIT,
        f"--nproc={processes}",
        f"--fsize={limits.file_size}",
        "--core=0",
        f"--nofile={limits.open_files}",
        f"--data={limits.memory}",
        "--",
    ]


def _kernel() -> tuple[int, int]:
    major, minor = os.uname().release.split(".")[:2]
    return int(major), int("".join(c for c in minor if c.isdigit()) or 0)


def _system_mounts() -> list[str]:
    """``/usr`` read-only, and ``/bin``, ``/lib``, ... as the host has them."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        path = Path(name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            args += ["--ro-bind", name, name]
    args += ["--perms", "0755", "--dir", "/etc"]
    for name in ("/etc/ld.so.cache", "/etc/localtime"):
        args += ["--ro-bind-try", name, name]
    return args


def _etc_files(uid: int) -> dict[str, str]:
    """The sandbox's own user, group and host names."""
    return {
        "/etc/passwd": (
            "root:x:0:0:root:/root:/usr/sbin/nologin\n"
            f"sandbox:x:{uid}:{uid}:sandbox:{INSIDE}:/usr/sbin/nologin\n"
        ),
        "/etc/group": f"root:x:0:\nsandbox:x:{uid}:\n",
        "/etc/hosts": "127.0.0.1 localhost sandbox\n::1 localhost\n",
        "/etc/nsswitch.conf": "passwd: files\ngroup: files\nhosts: files\n",
    }


def _pipe_with(text: str) -> int:
    """A pipe's read end, from which ``text`` (a few bytes) can be read."""
    read, write = os.pipe()
    os.write(write, text.encode())
    os.close(write)
    return read


def _python_paths() -> list[Path]:
    """The Python environment: the prefix and the base installation."""
    return [
        Path(p)
        for p in {
            sys.prefix,
            sys.base_prefix,
            sys.exec_prefix,
            sys.base_exec_prefix,
        }
    ]


def _prefix_bin() -> str:
    return str(Path(sys.prefix) / "bin")


def _read_only_mounts(paths: Sequence[Path]) -> list[str]:
    """bwrap's options to show ``paths`` read-only where they are.

    bwrap would create a missing parent folder with mode 0700, which the
    slot's uid cannot pass through (``/root``, say): the parents are made
    here first with mode 0755. A path inside another one (or inside
    ``/usr``) is visible already.
    """
    wanted: set[Path] = set()
    for path in paths:
        if not path.is_absolute() or not path.exists():
            raise ValueError(
                f"readable paths must be absolute and exist; got {str(path)!r}"
            )
        wanted.add(Path(os.path.normpath(path)))
        wanted.add(path.resolve())
    mounted = [Path("/usr")]
    made = {Path("/"), Path("/etc")}
    args: list[str] = []
    for path in sorted(wanted, key=lambda p: p.parts):
        if any(path == m or path.is_relative_to(m) for m in mounted):
            continue
        for parent in reversed(path.parents):
            if parent not in made:
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        args += ["--ro-bind", str(path), str(path)]
        mounted.append(path)
    return args


def _claim(uid: int, slot: int) -> None:
    """Make sure that ``uid`` belongs to nobody and runs nothing now."""
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = None
    if user is not None:
        raise RuntimeError(
            f"slot {slot} would run as uid {uid}, which is the user "
            f"{user!r} of this machine; choose a slot whose uid "
            f"({FIRST_UID} + slot) nobody has"
        )
    busy = [pid for pid, _ in _processes_of(uid)]
    if busy:
        raise RuntimeError(
            f"slot {slot} (uid {uid}) is in use by processes {busy}; give "
            f"runs at the same time different slots"
        )


def _give(workdir: Path, uid: int) -> None:
    """``chown -R uid:uid workdir``, never following a symbolic link."""
    os.chown(workdir, uid, uid, follow_symlinks=False)
    for folder, dirs, files in os.walk(workdir):
        for name in dirs + files:
            os.chown(Path(folder, name), uid, uid, follow_symlinks=False)


_PPID = re.compile(rb"\nPPid:\s*(\d+)")
_UID = re.compile(rb"\nUid:\s*(\d+)")
_RSS = re.compile(rb"\nVmRSS:\s*(\d+) kB")


def _process_table() -> dict[int, tuple[int, int, int]]:
    """Every process of this machine: pid -> (parent pid, uid, RSS bytes).

    The uid is the real one, which ``/proc/PID/status`` shows even for a
    process that made itself undumpable (which turns ``/proc/PID`` to root).
    """
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as f:
                text = f.read()
        except OSError:  # it ended meanwhile
            continue
        ppid = _PPID.search(text)
        uid = _UID.search(text)
        rss = _RSS.search(text)  # none for a kernel thread, or a zombie
        table[int(name)] = (
            int(ppid[1]) if ppid else 0,
            int(uid[1]) if uid else -1,
            int(rss[1]) * 1024 if rss else 0,
        )
    return table


def _members(pid: int, uid: Optional[int]) -> list[tuple[int, int]]:
    """(pid, RSS bytes) of the run: the descendants of ``pid``, and every
    process of ``uid`` when given.

    The PID namespace keeps every process of the run among bwrap's
    descendants: an orphan is adopted by the namespace's first process.
    """
    table = _process_table()
    children: dict[int, list[int]] = {}
    for child, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(child)
    found = {pid}
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    if uid is not None:
        found |= {p for p, (_, u, _) in table.items() if u == uid}
    return [(p, table[p][2]) for p in found if p in table]


def _processes_of(uid: int) -> list[tuple[int, int]]:
    return [
        (p, rss) for p, (_, u, rss) in _process_table().items() if u == uid
    ]


def _tasks_of(uid: int) -> int:
    """How many processes and threads ``uid`` has now."""
    count = 0
    for pid, _ in _processes_of(uid):
        try:
            count += len(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            pass
    return count


def _end(proc: subprocess.Popen, status: _Status) -> None:
    """End bwrap and, with it, every process of the run.

    Killing the namespace's first process (bwrap's, ``child-pid``) makes the
    kernel kill every other process in the namespace, and it is reaped only
    when they are all gone; the outer bwrap exits after reaping it. So once
    the outer bwrap has exited, nothing of the run is left.

    The outer bwrap may exit as soon as the command has (it learns its exit
    status through a pipe), while the first process still kills the others:
    the run has ended when that process has become a zombie (or is gone).
    """
    status.read()
    if proc.poll() is None:
        if status.child_pid is not None:
            try:
                os.kill(status.child_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        status.read()
    if status.child_pid is None:
        return
    deadline = time.monotonic() + 10
    while _alive(status.child_pid, status.child_start):
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"the sandbox's first process ({status.child_pid}) did not "
                f"end within 10 s of its command"
            )
        time.sleep(0.005)


def _stat(pid: int) -> Optional[list[bytes]]:
    """The fields of ``/proc/PID/stat`` after the name (state first), or
    ``None`` when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _started(pid: int) -> Optional[int]:
    """When process ``pid`` started (clock ticks after boot)."""
    fields = _stat(pid)
    return int(fields[19]) if fields else None


def _alive(pid: int, start: Optional[int]) -> bool:
    """Whether process ``pid`` (started at ``start``) exists, not a zombie."""
    fields = _stat(pid)
    if fields is None or fields[0] in (b"Z", b"X"):
        return False
    return start is None or int(fields[19]) == start


def _end_uid(uid: int) -> None:
    """Kill whatever still runs as ``uid`` (nothing should); raise if it
    does not end."""
    deadline = time.monotonic() + 5
    while True:
        left = [pid for pid, _ in _processes_of(uid)]
        if not left:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"processes {left} of uid {uid} outlived their sandbox"
            )
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.02)


class _Status:
    """bwrap's ``--json-status-fd``: the namespace's first process
    (``child-pid``) and, when the command ran, its ``exit-code``."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.text = b""
        self.child_pid: Optional[int] = None
        self.child_start: Optional[int] = None
        self.exit_code: Optional[int] = None
        os.set_blocking(fd, False)

    def read(self) -> None:
        """Read what bwrap has written so far."""
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            self.text += chunk
        decoder = json.JSONDecoder()
        text = self.text.decode(errors="replace")
        i = 0
        while True:
            while i < len(text) and text[i].isspace():
                i += 1
            if i >= len(text):
                break
            try:
                record, i = decoder.raw_decode(text, i)
            except json.JSONDecodeError:
                break
            if "child-pid" in record and self.child_pid is None:
                self.child_pid = int(record["child-pid"])
                self.child_start = _started(self.child_pid)
            if "exit-code" in record:
                self.exit_code = int(record["exit-code"])


class _Output:
    """Read a stream to its end in a thread, keeping its first ``limit``
    bytes."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.kept = bytearray()
        self.dropped = 0
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while True:
            chunk = self.stream.read1(65536)  # type: ignore[attr-defined]
            if not chunk:
                return
            room = self.limit - len(self.kept)
            self.kept += chunk[:room]
            self.dropped += max(0, len(chunk) - room)

    def close(self) -> None:
        """Wait for the end of the stream (every writer is gone); after
        10 s, go on with what was read (the thread reads on)."""
        self.thread.join(timeout=10)
        if not self.thread.is_alive():
            self.stream.close()

    def text(self) -> str:
        text = self.kept.decode(errors="replace")
        if self.dropped:
            text += (
                f"\n[{self.dropped} more bytes of output dropped: the limit "
                f"is {self.limit} bytes]\n"
            )
        return text
