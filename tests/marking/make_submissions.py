"""Write the sample class of tests/marking/submissions/ from the chapter's own notebook.

    .venv/bin/python tests/marking/make_submissions.py

Each notebook is what a student could hand in for notebooks/basic-vs-bottleneck.ipynb
(a fast chapter: no training), covering what the marker must survive. tests/test_marking.py
marks this folder and checks every row; the teachers' page shows its gradebook.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "notebooks" / "basic-vs-bottleneck.ipynb"
OUT = Path(__file__).resolve().parent / "submissions"

RIGHT = {
    "ex-bottleneck-params": "512 * 128 + 3 * 3 * 128 * 128 + 128 * 512",  # 278,528
    "ex-basic-total": "2 * 3 * 3 * 64 * 64 + 2 * (64 + 64)",
}  # 73,984
WRONG = {"ex-basic-total": "2 * 3 * 3 * 64 * 64"}  # the convolutions only


def exercise_of(cell) -> str | None:
    from resnet_lib.classroom.reference import Matcher, read_reference

    matcher = Matcher(read_reference(nbformat.read(REFERENCE, as_version=4)))
    return matcher.cell_label(cell) if cell.cell_type == "code" else None


def answered(nb, answers: dict[str, str]):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        label = exercise_of(cell)
        if label in answers:
            cell.source = cell.source.replace(
                "answer = None", f"answer = {answers[label]}"
            )
    return nb


def exercise_cells(nb) -> list:
    return [c for c in nb.cells if exercise_of(c)]


def code(source: str):
    return nbformat.v4.new_code_cell(source)


def save(nb, name: str) -> None:
    path = OUT / name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    ref = nbformat.read(REFERENCE, as_version=4)
    full = answered(ref, RIGHT)
    short = nbformat.v4.new_notebook(
        cells=exercise_cells(full), metadata=ref.metadata
    )  # the setup cells deleted

    save(full, "alice.ipynb")  # all right, the whole chapter
    save(answered(ref, {**RIGHT, **WRONG}), "bob.ipynb")  # one wrong
    carol = copy.deepcopy(
        short
    )  # a cell that raises (it tries the network, which the sandbox has not)
    carol.cells.insert(
        1,
        code(
            'import socket\nsocket.create_connection(("127.0.0.1", 9), timeout=5)'
        ),
    )
    save(carol, "carol.ipynb")
    dave = copy.deepcopy(
        short
    )  # loops forever after answering the first exercise
    dave.cells.insert(1, code("while True:\n    pass"))
    save(dave, "dave.ipynb")
    text = json.dumps(
        nbformat.writes(full) and json.loads(nbformat.writes(full)), indent=1
    )
    (OUT / "erin.ipynb").write_text(
        text[: len(text) // 2]
    )  # a truncated download
    (OUT / "frank.ipynb").write_text(
        "answer = 278528\ncheck_block_params(answer)\n"
    )  # a .py saved as .ipynb
    save(short, "grace.ipynb")  # every cell but the exercises' deleted
    heidi = copy.deepcopy(
        short
    )  # reordered, duplicated, metadata lost (as Colab may do)
    wrong_first = answered(
        nbformat.v4.new_notebook(
            cells=[
                copy.deepcopy(ref.cells[i])
                for i, c in enumerate(ref.cells)
                if exercise_of(c) == "ex-basic-total"
            ]
        ),
        WRONG,
    ).cells
    heidi.cells = [
        heidi.cells[0],
        *wrong_first,
        heidi.cells[1],
        copy.deepcopy(heidi.cells[0]),
        code("print('done')"),
    ]
    for cell in heidi.cells:
        cell.metadata = {}
    save(heidi, "heidi.ipynb")
    ivan = copy.deepcopy(short)  # imports something that is not installed
    ivan.cells.insert(0, code("import seaborn_extra_that_does_not_exist"))
    save(ivan, "ivan.ipynb")
    judy = answered(
        ref, {"ex-bottleneck-params": "1", "ex-basic-total": "2"}
    )  # redefines the checker
    judy.cells.insert(
        len(judy.cells) - 4,
        code(
            "from resnet_lib.exercises.feedback import Feedback\n\n"
            "def check_block_params(answer, **question):\n    return Feedback(True, 'all right')"
        ),
    )
    save(judy, "judy.ipynb")
    mallory = answered(
        ref, {"ex-bottleneck-params": "1", "ex-basic-total": "1"}
    )  # patches the expected answer
    mallory.cells.insert(
        2,
        code(
            "import resnet_lib.exercises.architecture as arch\n"
            "from resnet_lib.counting import Count\n"
            "arch.block_params = lambda *args, **kwargs: Count(conv=1, bn=0, shortcut=0, fc=0)"
        ),
    )
    save(
        mallory, "mallory/basic-vs-bottleneck.ipynb"
    )  # a student's folder, as an LMS exports it
    oscar = copy.deepcopy(short)  # writes into the installed package
    oscar.cells.insert(
        0,
        code(
            "import os, resnet_lib\n"
            "path = os.path.join(os.path.dirname(resnet_lib.__file__), 'exercises', 'zz_marker_test_override.py')\n"
            "with open(path, 'w') as f:\n    f.write('EXPECTED = 1')"
        ),
    )
    save(oscar, "oscar.ipynb")
    trent = copy.deepcopy(
        short
    )  # fakes a verdict through the checkers' listeners
    trent.cells.append(
        code(
            "from resnet_lib.exercises import feedback as fb\n"
            "for listen in list(fb._LISTENERS):\n"
            "    listen('check_block_params', fb.Feedback(True, 'right'), {'answer': '1', 'question': {}})"
        )
    )
    trent.cells = [
        c for c in trent.cells if exercise_of(c) != "ex-basic-total"
    ]
    save(trent, "trent.ipynb")
    victor = copy.deepcopy(short)  # searches for the answer with the checker
    victor.cells.append(
        code(
            "for guess in range(278_520, 278_540):\n"
            "    if check_block_params(guess, block='bottleneck', in_channels=512, planes=128):\n"
            "        break"
        )
    )
    save(victor, "victor.ipynb")
    walter = copy.deepcopy(
        short
    )  # answers an easier question than the chapter's
    walter.cells[1].source = (
        "answer = 3 * 3 * 64 * 64 * 2\n"
        "check_block_params(answer, block='basic', in_channels=64, planes=64)"
    )
    save(walter, "walter.ipynb")


if __name__ == "__main__":
    main()
