"""Marking a whole class: run every submitted chapter notebook, collect its checkers' verdicts.

One command marks a folder of notebooks as students download them from Colab or Jupyter::

    resnet-mark submissions/ --reference notebooks/basic-vs-bottleneck.ipynb --out marks/
    # or: python -m resnet_lib.mark ...   (pip install "resnet_lib[classroom]")

**How a student is named.** ``submissions/<student>.ipynb`` (the file name without
``.ipynb``), or ``submissions/<student>/<any name>.ipynb`` (the folder name; the newest
notebook in it counts), which is how most learning platforms export an assignment.

**What comes out.** ``marks/gradebook.csv``: one row per student, a column per coding
exercise of the chapter (1 right, 0 otherwise), ``total``, ``max``, ``status`` and
``detail``; ``marks/grades-long.csv``: one row per student and exercise
(``student_id, assignment, question, score, max_score, status``), the shape an LMS
gradebook import or a pivot table takes; ``marks/results.json``: every verdict;
``marks/feedback/<student>.html``: what was right, and what was wrong with the checker's
message and hint.

**How it works.** Each notebook runs in a process of its own (the runner) that starts a
fresh Jupyter kernel with nbclient, under a time limit for the whole notebook. Before the
student's first cell the runner executes a cell of its own
(:func:`resnet_lib.classroom.sandbox.install`) that registers a listener with the
checkers (:func:`resnet_lib.exercises.feedback.checker` reports every verdict it returns),
writing each verdict to a file the runner reads after every cell, and installs an audit
hook (:func:`sys.addaudithook`, which cannot be removed) that refuses connections to other
machines and writes into the installed ``resnet_lib``. Every cell runs, even after one
fails, so that a broken exercise does not cost the others. A verdict is given to an
exercise by matching the checker call against the chapter's own notebook (the
*reference*): the checker's name and its question's literal arguments (``block=``,
``in_channels=``, ...; the cell's metadata or its likeness to the reference decides
between exercises that ask the same checker the same literal question), so cells may be
moved, deleted, duplicated or stripped of their metadata. An exercise counts the last
verdict given for it; a call with a question that is not the chapter's counts for nothing.

**Statuses.** ``ok``, ``cell-error`` (a cell raised), ``import-error`` (a missing
module), ``timeout``, ``unreadable`` (not JSON, or truncated), ``tampered``,
``kernel-died``, ``marker-error``. A notebook is *tampered* when a cell, read before it
runs, redefines a ``check_*`` function or ``Feedback``, assigns to an attribute of
``resnet_lib`` or of a name imported from it, builds a ``Feedback`` itself, or touches the
checkers' listeners; when the audit hook refused a write into the library or a
connection; or when a checker answered while its module (or a library module it relies
on: the counting, the models) differed from the installed code, which the runner sees by
comparing a fingerprint of their code and constants taken at each verdict with its own.
Verdicts given by a changed checker, and exercises whose checker was called more than
``--max-attempts`` times (answers searched for with the checker), count 0.

**What in-process execution cannot prevent.** The student's code runs in the same Python
process as the checker, so nothing in that process is out of its reach: code that reads
the marker's source can find the open verdict file and write into it, patch a checker
through ``ctypes``, patch ``torch`` functions the checkers call (``torch.allclose``), or
start a program that ignores the proxy settings to reach the network (the audit hook
covers Python's own sockets). What the marker does is make every usual way of cheating
*visible* and keep a bad notebook from stopping the class. Where the stakes call for
more, run the marker inside a container or VM without network
(``docker run --network none``) and read the notebooks before trusting a grade.

**nbgrader and otter-grader.** Both are the Jupyter ecosystem's full grading systems, and
this marker is deliberately smaller. nbgrader builds a release version from a master
notebook with solution and test cells, collects submissions into a course database and
runs hidden tests (autograde) with manual grading in a web UI; otter-grader
(``otter assign``/``otter grade``) does much the same with per-question test files and
runs each submission in a Docker container. Our chapters already carry their tests: the
checker calls of ``resnet_lib.exercises``, which students see and use while they work. So
the marker needs no generated release or test files; it executes the notebooks with the
same nbclient that nbgrader and otter use, and reads the checkers' own verdicts.
``gradebook.csv`` has one id column and one score column per question, as otter's
``final_grades.csv`` does, and ``grades-long.csv`` carries the ``student_id``,
``assignment``, ``score`` and ``max_score`` columns of ``nbgrader export``'s CSV (plus
``question``), so either can go to a spreadsheet or an LMS import. A course that already
runs nbgrader or otter can keep it and call the checkers from their test cells.
"""

from .marking import (
    STATUSES,
    feedback_page,
    find_submissions,
    gradebook_table,
    mark_folder,
    score,
)

__all__ = [
    "STATUSES",
    "feedback_page",
    "find_submissions",
    "gradebook_table",
    "mark_folder",
    "score",
]
