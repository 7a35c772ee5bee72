"""The command line of the marker: ``resnet-mark FOLDER --reference CHAPTER.ipynb``."""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path
from typing import Optional

from ..training.cli import at_least_one
from . import isolation
from .marking import (
    STATUSES,
    checked_exercises,
    find_submissions,
    mark_folder,
)


def size(text: str) -> int:
    """A size as a teacher writes it: ``4G``, ``512M``, ``1.5GB`` or bytes."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)B?\s*", text, re.I)
    if not m:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a size: write e.g. 4G, 512M or 1073741824"
        )
    scale = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    value = int(float(m.group(1)) * scale[m.group(2).upper()])
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is no size: 1 byte at least"
        )
    return value


def read_roster(path: Path) -> dict[str, str]:
    """``file,student_id`` rows (a header first): a submission's file -> the LMS's id."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    if not rows or not {"file", "student_id"} <= set(rows[0]):
        raise ValueError(
            f"{path}: a roster is a CSV with the columns file,student_id "
            f"(got {', '.join(rows[0]) if rows else 'no rows'})"
        )
    return {r["file"].strip(): r["student_id"].strip() for r in rows}


#: the sandbox's limits that a teacher may set (isolation.Limits's fields), each an
#: option: the field, how its value is read, its help
LIMIT_OPTIONS = (
    (
        "memory",
        size,
        "memory of a notebook's processes together (default: 4G)",
    ),
    (
        "processes",
        at_least_one,
        "processes and threads at once (default: 256)",
    ),
    ("file_size", size, "largest file a notebook may write (default: 256M)"),
)

EPILOG = (
    """\
students: FOLDER/<student>.ipynb, or FOLDER/<student>/<any>.ipynb (the newest notebook
in a student's folder counts).

writes: OUT/gradebook.csv (a row per student, a column per exercise, total, max, status,
detail), OUT/grades-long.csv (student_id, assignment, question, score, max_score, status),
OUT/results.json (every verdict, the SHA-256 of each file), OUT/feedback/<student>.html,
all once every notebook has run.

sandbox: each notebook runs in bubblewrap (apt-get install bubblewrap): no network, its
own processes, only the Python environment and the library to read, a private folder
to write, and the limits below; its answers are graded outside it.

statuses:
"""
    + "\n".join(
        f"  {k:13s} {v}" for k, v in STATUSES.items() if k != "missing"
    )
    + """

example:
  resnet-mark submissions/ --reference notebooks/basic-vs-bottleneck.ipynb --out marks/
"""
)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="resnet-mark",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EPILOG,
        description="Mark a folder of submitted chapter notebooks with the book's checkers: each notebook runs "
        "in a sandbox (bubblewrap) with no network and limits, and its answers are graded outside it.",
    )
    parser.add_argument(
        "folder", type=Path, help="the folder of submitted notebooks"
    )
    parser.add_argument(
        "--reference",
        type=Path,
        required=True,
        help="the chapter's notebook from the book (notebooks/<chapter>.ipynb): its exercises "
        "and checker calls",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("marks"),
        help="where to write (default: marks/)",
    )
    parser.add_argument(
        "--timeout",
        type=at_least_one,
        default=600,
        help="seconds for a whole notebook (default: 600)",
    )
    parser.add_argument(
        "--cell-timeout",
        type=at_least_one,
        default=300,
        help="seconds for one code cell; a slower cell is stopped and the "
        "next one runs (default: 300)",
    )
    for field, kind, text in LIMIT_OPTIONS:
        parser.add_argument(
            "--" + field.replace("_", "-"),
            type=kind,
            default=getattr(isolation.Limits, field),
            help=text,
        )
    parser.add_argument(
        "--jobs",
        type=at_least_one,
        default=1,
        help="notebooks run at a time (default: 1)",
    )
    parser.add_argument(
        "--max-attempts",
        type=at_least_one,
        default=5,
        help="checker calls allowed per exercise before it counts 0; a call that asks "
        "for a hint with hint= is not one (default: 5)",
    )
    parser.add_argument(
        "--chapter",
        help="the assignment name in grades-long.csv (default: the reference's name)",
    )
    parser.add_argument(
        "--roster",
        type=Path,
        help="a CSV with the columns file,student_id: the id each submission "
        "gets in the gradebooks (for an LMS import)",
    )
    parser.add_argument(
        "--unsandboxed",
        action="store_true",
        help="run the notebooks with no sandbox (only where bubblewrap cannot "
        "run, and only for notebooks you trust): every row and feedback page "
        "says so",
    )
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    if not args.reference.is_file():
        parser.error(
            f"{args.reference} does not exist (give the chapter's .ipynb from the book's notebooks/)"
        )
    try:
        checked_exercises(args.reference)
    except (OSError, ValueError) as err:
        parser.error(str(err))
    if not find_submissions(args.folder):
        parser.error(
            f"{args.folder} holds no notebook: a class is FOLDER/<student>.ipynb "
            "or FOLDER/<student>/<any>.ipynb"
        )
    if not args.unsandboxed:
        missing = isolation.problem()
        if missing:
            parser.exit(
                2,
                f"resnet-mark: no sandbox can be made here. {missing}\n"
                "(--unsandboxed runs the notebooks without one, and says so "
                "in every row.)\n",
            )
    roster = None
    if args.roster:
        try:
            roster = read_roster(args.roster)
        except (OSError, ValueError) as err:
            parser.error(str(err))
    limits = isolation.Limits(
        **{field: getattr(args, field) for field, _, _ in LIMIT_OPTIONS}
    )
    rows = mark_folder(
        args.folder,
        args.reference,
        args.out,
        timeout=args.timeout,
        cell_timeout=args.cell_timeout,
        jobs=args.jobs,
        max_attempts=args.max_attempts,
        chapter=args.chapter,
        limits=limits,
        sandboxed=not args.unsandboxed,
        roster=roster,
    )
    print(
        f"\n{len(rows)} notebooks marked; gradebook: {args.out / 'gradebook.csv'}, "
        f"feedback pages: {args.out / 'feedback'}/",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
