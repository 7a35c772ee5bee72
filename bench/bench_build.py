"""Book build time: a clean build that executes every chapter, then an unchanged rebuild.

Targets (the developers' guide, issues 14-17), on a quiet 2-core machine: clean build
< 6 min (the English book; the Chinese edition adds rendering only, timed apart),
unchanged rebuild < 1 min. Prints the times, their ratio to the targets, and each chapter's execution time
from the jupyter-cache (the data myst-nb's execution-times page shows). No timed asserts.

    make bench                      # or: .venv/bin/python bench/bench_build.py

It deletes _build (and with it the execution cache) first. Data as `make book`: the real
CIFAR-10 when RESNET_DATA points at it (the Makefile sets it), else the offline stand-in.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml
from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
CLEAN_TARGET_S, REBUILD_TARGET_S = 360.0, 60.0


def cache_dir() -> Path:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return ROOT / config.get("execute", {}).get(
        "cache", "_build/.jupyter_cache"
    )


def build() -> tuple[float, float]:
    """What `make book` runs: the chapters executed two at a time into the cache, then
    the build, which renders them (seconds), then the Chinese edition, rendered from
    the same cache (seconds)."""
    execute = [sys.executable, str(ROOT / "scripts" / "execute_book.py")]
    cmd = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(ROOT),
        "-W",
        "-n",
        "--keep-going",
    ]
    chinese = [sys.executable, str(ROOT / "scripts" / "build_zh.py")]
    t0 = time.perf_counter()
    subprocess.run(execute, cwd=ROOT, check=True, stderr=subprocess.DEVNULL)
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    t1 = time.perf_counter()
    subprocess.run(chinese, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return t1 - t0, time.perf_counter() - t1


def executed_since(start: dt.datetime) -> dict[str, float]:
    """{chapter: execution seconds} of the notebooks executed after ``start``."""
    cache = get_cache(str(cache_dir()))
    return {
        Path(r.uri).stem: r.data.get("execution_seconds", float("nan"))
        for r in cache.list_cache_records()
        if r.created >= start
    }


def main() -> int:
    print(
        f"data: {os.environ.get('RESNET_DATA') or 'offline stand-in (RESNET_DATA unset)'}; "
        f"{os.cpu_count()} CPU cores"
    )
    # networks trained for the book live in _build too (as `make book` sets it), so
    # that a clean build trains them again
    os.environ.setdefault("RESNET_TRAINED_CACHE", str(BUILD / ".trained"))
    shutil.rmtree(BUILD, ignore_errors=True)
    shutil.rmtree(cache_dir(), ignore_errors=True)

    start = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    clean, clean_zh = build()
    chapters = executed_since(start)
    start = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    rebuild, rebuild_zh = build()
    reexecuted = executed_since(start)

    print("\nper-chapter execution (clean build):")
    for name, seconds in sorted(chapters.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<28} {seconds:7.1f} s")
    executing = sum(chapters.values())
    print(
        f"  {'all chapters, summed':<28} {executing:7.1f} s  ("
        f"{executing / clean:.2f} x the clean build's wall time: chapters run two "
        "at a time)"
    )
    print(
        f"\nclean build        {clean:7.1f} s  = {clean / CLEAN_TARGET_S:.2f} x the 6-min target"
    )
    print(
        f"unchanged rebuild  {rebuild:7.1f} s  = {rebuild / REBUILD_TARGET_S:.2f} x the 1-min target"
        f"  ({len(reexecuted)} notebooks re-executed: {sorted(reexecuted) or 'none'})"
    )
    print(
        f"Chinese edition    {clean_zh:7.1f} s after the clean build, "
        f"{rebuild_zh:.1f} s after the rebuild (renders only); English and "
        f"Chinese together {clean + clean_zh:.1f} s = "
        f"{(clean + clean_zh) / CLEAN_TARGET_S:.2f} x the 6-min target"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
