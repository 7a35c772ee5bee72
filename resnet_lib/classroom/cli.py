"""The command line of the marker: ``resnet-mark FOLDER --reference CHAPTER.ipynb``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional

from .marking import STATUSES, mark_folder

EPILOG = (
    """\
students: FOLDER/<student>.ipynb, or FOLDER/<student>/<any>.ipynb (the newest notebook
in a student's folder counts).

writes: OUT/gradebook.csv (a row per student, a column per exercise, total, max, status,
detail), OUT/grades-long.csv (student_id, assignment, question, score, max_score, status),
OUT/results.json (every verdict), OUT/feedback/<student>.html.

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
        "in its own process and kernel, with a time limit and no network.",
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
        type=int,
        default=300,
        help="seconds for a whole notebook (default: 300)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="notebooks run at a time (default: 1)",
    )
    parser.add_argument(
        "--max-attempts",
        type=int,
        default=5,
        help="checker calls allowed per exercise before it counts 0 (default: 5)",
    )
    parser.add_argument(
        "--chapter",
        help="the assignment name in grades-long.csv (default: the reference's name)",
    )
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    if not args.reference.is_file():
        parser.error(
            f"{args.reference} does not exist (give the chapter's .ipynb from the book's notebooks/)"
        )
    rows = mark_folder(
        args.folder,
        args.reference,
        args.out,
        timeout=args.timeout,
        jobs=args.jobs,
        max_attempts=args.max_attempts,
        chapter=args.chapter,
    )
    print(
        f"\n{len(rows)} notebooks marked; gradebook: {args.out / 'gradebook.csv'}, "
        f"feedback pages: {args.out / 'feedback'}/",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
