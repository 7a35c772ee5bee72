"""Shared fixtures: a headless Chromium (Debian's package, driven by Playwright); and, under
pytest-xdist, a share of the CPU cores for each worker's torch threads."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from pathlib import Path
from typing import Iterator

import pytest


def pytest_configure(config):
    """`make test` runs two xdist workers on two cores. Left at torch's default (one thread per
    core), each worker's threads wait on the other's: a training test took 98 s instead of
    19 s. Each worker gets its share of the cores instead."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        import torch

        torch.set_num_threads(max(1, (os.cpu_count() or 1) // workers))


CHROMIUM = "/usr/bin/chromium"
# flags that work on the project's machines (see TOOLCHAIN.md)
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium. Missing Chromium FAILS (never skips): .ci/run installs it."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Chromium is missing: `apt-get install chromium` (.ci/run installs it)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
        )
        yield browser
        browser.close()


@contextlib.contextmanager
def serving(directory: Path) -> Iterator[str]:
    """``directory`` served over plain http:// on 127.0.0.1 (a port the OS picks), as a
    school's intranet would; yields the root's address."""
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(directory)
    )
    handler.log_message = lambda *a: None  # type: ignore[method-assign]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


# ------------------------------------------------------------ the judge beside every checker
# With RESNET_JUDGE_MIRROR=1 (tests/test_judge.py sets it), every checker call of every
# test is also recorded as the marker's probe records it and graded again by the judge,
# as the marker grades a student's notebook; a verdict that differs fails the test.


@pytest.fixture(autouse=True)
def _judge_mirror():
    if os.environ.get("RESNET_JUDGE_MIRROR") != "1":
        yield
        return
    from resnet_lib.classroom import judge as judging
    from resnet_lib.classroom import probe as probing
    from resnet_lib.exercises import feedback

    differences = []

    def listener(name, fb, call):
        # (the judge asks its checker unrecorded: no probe or listener sees that call)
        verdict = judging.judge(probing.record(name, fb, call))
        if verdict["judged"] == judging.OUTSIDE and (
            verdict["ok"],
            verdict["message"],
            verdict["hint"],
        ) != (fb.ok, fb.message, fb.hint):
            differences.append((name, call.get("answer"), fb, verdict))

    feedback.add_probe(probing.wrap)
    feedback.add_listener(listener)
    try:
        yield
    finally:
        feedback._PROBES.remove(probing.wrap)
        feedback.remove_listener(listener)
    assert not differences, differences[:3]
