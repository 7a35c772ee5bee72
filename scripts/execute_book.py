"""Execute the book's chapters into its execution cache, two at a time, before
``jupyter-book build`` renders them.

``jupyter-book build`` executes the chapters one after the other, and a chapter that
trains uses the machine's cores as well as one process can, which on the 2-core build
machine is about 1.5 times one core. Two chapters at a time, one CPU thread each
(``OMP_NUM_THREADS``), keep both cores busy all the time. The build then finds every
chapter in the cache (jupyter-cache matches a notebook by its code) and only renders;
a chapter that is not in the cache, because it failed here or was changed since, is
executed by ``jupyter-book build`` as before, so this step can only make a build faster.

Chapters that load networks another chapter trains (through
:func:`resnet_lib.training.cached_fit`) start after it: run together, the second would
wait on the cache's lock and hold a worker idle.

Each edition of the book is executed in its reader's language: ``--language zh_CN``
runs the chapters with ``RESNET_LANG=zh_CN`` into an execution cache of that language's
own (:func:`cache_path`), which the Chinese edition's build reads (scripts/build_zh.py).
What does not depend on the language, the trained networks above all, comes from the
caches the English execution filled, so that execution mostly renders.

    python scripts/execute_book.py [--workers N] [--language zh_CN]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

import yaml
from jupyter_cache import get_cache

# jupyter-cache's own worker, as its parallel executor uses it; with another
# jupyter-cache that lacks it, the build executes the chapters itself
try:
    from jupyter_cache.executors.basic import (
        ExecutionWorkerLocalMProc,
        ProcessData,
    )
except ImportError:
    ExecutionWorkerLocalMProc = None

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
import sync_notebooks  # noqa: E402

from resnet_lib.book.explorer import STATIC_ENV  # noqa: E402

#: chapter -> the chapters whose trained networks it loads from the cache
AFTER = {
    "why-residual-networks-train": ("degradation",),
    "test-time": ("training-cifar10",),
}
#: the longest chapters first, so that the short ones fill in around them
FIRST = ("degradation", "training-cifar10")
#: how myst-nb reads a MyST notebook (its jupyter-cache reader plugin): the same
#: reader gives the same code cells, so the build finds what this script caches
READER = {"type": "plugin", "name": "myst_nb_md"}


def settings() -> tuple[str, int]:
    """The English execution cache's folder and a cell's timeout (_config.yml)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    execute = config.get("execute", {})
    return (
        str(ROOT / execute.get("cache", "_build/.jupyter_cache")),
        int(execute.get("timeout", 30)),
    )


def cache_path(language: str = "en") -> str:
    """The execution cache of the chapters executed in ``language``."""
    base, _timeout = settings()
    return base if language == "en" else f"{base}-{language}"


def _execute(
    pk: int, uri: str, folder: str, timeout: int
) -> tuple[int, float]:
    """Execute one staged chapter into the cache: (status, seconds); status 0 is done."""
    t0 = time.perf_counter()
    status, _ = ExecutionWorkerLocalMProc()(
        ProcessData(pk, uri, get_cache(folder), timeout, False)
    )
    return status, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="chapters executed at once (default: 2, or 1 on a 1-core machine)",
    )
    parser.add_argument(
        "--language",
        default="en",
        help="execute the chapters in this language (RESNET_LANG), into its own "
        "execution cache (default: en)",
    )
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers must be at least 1; got {args.workers}")
    from resnet_lib import i18n

    if args.language not in i18n.languages():
        parser.error(
            f"no catalog for language {args.language!r}; allowed: "
            f"{', '.join(i18n.languages())}"
        )
    if ExecutionWorkerLocalMProc is None:
        print(
            "this jupyter-cache has no execution worker to call; "
            "`jupyter-book build` executes the chapters one at a time"
        )
        return 0
    threads = max(1, (os.cpu_count() or 1) // args.workers)
    # the chapters' kernels inherit these: PyTorch's threads per chapter, and the
    # static face of the explorers (what a page without a kernel can show), as the
    # book's Sphinx extension (book/_ext) sets it for the kernels the build starts
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ[STATIC_ENV] = "1"
    os.environ["RESNET_LANG"] = args.language

    _base, timeout = settings()
    folder = cache_path(args.language)
    cache = get_cache(folder)
    chapters = {p.stem: p for p in sync_notebooks.chapters()}
    todo = {}
    for name, path in chapters.items():
        record = cache.add_nb_to_project(str(path), read_data=READER)
        if cache.get_cached_project_nb(record.pk) is None:
            todo[name] = record
    if not todo:
        print(
            f"every chapter is in the execution cache ({args.language}) already"
        )
        return 0
    order = sorted(
        todo, key=lambda n: (n not in FIRST, list(chapters).index(n))
    )
    print(
        f"executing {len(todo)} chapters in {args.language}, "
        f"{args.workers} at a time, {threads} CPU thread(s) each",
        flush=True,
    )
    t0 = time.perf_counter()
    done: set[str] = set()
    running: dict = {}
    with ProcessPoolExecutor(args.workers) as pool:
        while order or running:
            ready = [
                n
                for n in order
                if all(d in done or d not in todo for d in AFTER.get(n, ()))
            ]
            for name in ready[: args.workers - len(running)]:
                order.remove(name)
                r = todo[name]
                running[
                    pool.submit(_execute, r.pk, r.uri, folder, timeout)
                ] = name
            # a chapter's dependencies depend on nothing, so one is always running
            assert running, f"nothing to wait for; left: {order}"
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                name = running.pop(future)
                status, seconds = future.result()
                done.add(name)
                verdict = (
                    "ok" if status == 0 else "FAILED (the build runs it again)"
                )
                print(f"  {name:<30} {seconds:6.1f} s  {verdict}", flush=True)
    print(f"executed in {time.perf_counter() - t0:.1f} s", flush=True)
    # a failure is reported by `jupyter-book build`, which executes the chapter again
    # with its own error report; this step never fails the build itself
    return 0


if __name__ == "__main__":
    sys.exit(main())
