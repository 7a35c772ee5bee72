"""Marking a whole class: run every submitted chapter notebook in a sandbox, grade its answers outside it.

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

**How it works.** The marker is trusted and never runs a student's code; the notebook
runs in a sandbox and is trusted with nothing:

1. The marker reads each submission itself (SHA-256, and the statuses a file can have
   before it runs: ``empty``, ``truncated``, ``unreadable``, ``wrong-chapter``) and
   copies its code cells, nothing else, into a private folder.
2. The runner (:mod:`.runner`) executes them there, the Jupyter client and its kernel
   both inside an OS sandbox made by bubblewrap (:mod:`.isolation`): no network (its own
   network namespace), its own PID namespace, only ``/usr``, the Python environment and
   the library mounted, read-only, one folder to write, and limits on memory, processes,
   file size, output and time; when the marker runs as root, the run drops to an
   unprivileged user of its own. A cell past ``--cell-timeout`` is stopped and the next
   one runs.
3. Before the student's first cell, the probe (:mod:`.probe`) starts recording every
   checker call as data (:mod:`resnet_lib.exercises.answers`): the values passed, and
   for a function the student wrote, what it answered to the checker's calls.
4. After the run, the judge (:mod:`.judge`) rebuilds each call in the marker's process and
   asks the same checker, in the notebook's language. The grade comes from the answers
   alone: a patched builtin, a replaced checker or a forged record changes nothing but
   what the student answered. A class the student wrote (a block, a bug-bank fix)
   travels as the modules the checker built from it, a model in a question as its
   structure: the library's and PyTorch's modules by their state, a student's by its
   ``torch.fx`` graph, rebuilt from PyTorch's own layers. What cannot travel (a
   ``forward`` that ``torch.fx`` cannot trace) keeps the checker's verdict inside the
   sandbox, compared against fingerprints of the checker's code, and the feedback page
   says so.
5. A recorded call is given to an exercise by matching it against the chapter's own
   notebook (the *reference*, read by the marker only): the checker's name and its
   question's literal arguments (the cell's metadata or its likeness to the reference
   decides between exercises that ask the same checker the same literal question), so
   cells may be moved, deleted, duplicated or stripped of their metadata. An exercise
   counts the last answer given for it; an answer to a question that is not the
   chapter's counts for nothing, and so does an exercise whose checker was called more
   than ``--max-attempts`` times. A call that asks for a step of the checker's hint
   (``hint=``) is neither an answer nor an attempt; it is counted under ``hints``.
6. Once every run has ended, the gradebooks, ``results.json`` and the feedback pages are
   written, each file atomically.

**Statuses.** ``ok``, ``cell-error``, ``import-error``, ``timeout`` (a cell, or the
notebook), ``memory``, ``empty``, ``wrong-chapter``, ``truncated``, ``unreadable``,
``tampered`` (a cell, read before it runs, redefines a checker, changes the library or
builds a verdict: reported, while the grade comes from the answers), ``kernel-died``,
``marker-error``. With no sandbox available the command refuses and says what to install;
``--unsandboxed`` runs without one, and every row and feedback page says so.

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
