"""Shared fixtures: a headless Chromium (Debian's package, driven by Playwright); and, under
pytest-xdist, a share of the CPU cores for each worker's torch threads."""

from __future__ import annotations

import os
from pathlib import Path

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
