"""Run one submitted notebook in a fresh kernel, inside the sandbox, and record its answers.

``python -m resnet_lib.classroom.runner JOB.json`` is what the marker starts in each
submission's sandbox (:mod:`resnet_lib.classroom.isolation`): the Jupyter client and its
kernel both run in there. The job names the notebook (its code cells only, copied into
the sandbox's private folder: never the reference), the time limit of a code cell and
where to write. Before the student's first cell the runner runs the probe
(:func:`resnet_lib.classroom.probe.install`); after every cell it writes what it has to
the result file, so that a run stopped at the notebook's limit still tells which
exercises were answered. Everything here runs beside the student's code and is
untrusted: the marker reads the result as data and grades it (:mod:`.judge`).

This module also reads a cell's source for changes to the checkers
(:func:`tampering_in`), which the marker reports; it grades nothing.
"""

from __future__ import annotations

import ast
import json
import sys
import time
from pathlib import Path
from typing import Any, Optional

from .reference import python_source

PROTECTED_NAMES = {
    "Feedback",
    "QuestionError",
    "add_listener",
    "remove_listener",
    "_LISTENERS",
    "checker",
    "read_number",
    "read_integer",
    "install",
    "sandbox",
}


def tampering_in(source: str) -> list[str]:
    """What a student's cell does to the checkers, found by reading it (not running it)."""
    try:
        tree = ast.parse(python_source(source))
    except SyntaxError:
        return []
    aliases = {"resnet_lib"}  # names bound to resnet_lib or any of its modules
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "resnet_lib":
                    aliases.add((a.asname or a.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom) and (
            node.module or ""
        ).startswith("resnet_lib"):
            for a in node.names:
                if a.name not in PROTECTED_NAMES and not a.name.startswith(
                    "check_"
                ):
                    aliases.add(a.asname or a.name)
                elif a.asname and a.asname != a.name:
                    pass
    found = []

    def root(node) -> str:
        while isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        return node.id if isinstance(node, ast.Name) else ""

    def target_problem(t) -> Optional[str]:
        if isinstance(t, ast.Name) and (
            t.id.startswith("check_") or t.id in PROTECTED_NAMES
        ):
            return f"assigns to {t.id}"
        if isinstance(t, (ast.Attribute, ast.Subscript)):
            name = t.attr if isinstance(t, ast.Attribute) else ""
            if (
                root(t) in aliases
                or name.startswith("check_")
                or name in PROTECTED_NAMES
            ):
                return f"changes {ast.unparse(t)}"
        if isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts:
                p = target_problem(e)
                if p:
                    return p
        return None

    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        ) and (node.name.startswith("check_") or node.name in PROTECTED_NAMES):
            found.append(f"defines its own {node.name}")
        elif isinstance(node, ast.Import) or isinstance(node, ast.ImportFrom):
            for a in node.names:
                if (
                    a.asname
                    and (
                        a.asname.startswith("check_")
                        or a.asname in PROTECTED_NAMES
                    )
                    and a.asname != a.name
                ):
                    found.append(f"imports {a.name} as {a.asname}")
                if "classroom" in (getattr(node, "module", None) or a.name):
                    found.append("imports the marker's own code")
        elif isinstance(node, ast.Call):
            f = node.func
            fname = (
                f.id
                if isinstance(f, ast.Name)
                else f.attr
                if isinstance(f, ast.Attribute)
                else ""
            )
            owner = root(f) if isinstance(f, ast.Attribute) else ""
            if (
                fname == "Feedback"
                or owner == "Feedback"
                or fname in ("right", "wrong")
                and "Feedback" in ast.unparse(f)
            ):
                found.append("builds a Feedback itself")
            if (
                fname in ("setattr", "delattr")
                and node.args
                and (
                    root(node.args[0]) in aliases
                    or root(node.args[0]).startswith("check_")
                )
            ):
                found.append(f"calls {fname} on {ast.unparse(node.args[0])}")
            if fname in ("add_listener", "remove_listener", "addaudithook"):
                found.append(f"calls {fname}")
        elif isinstance(node, ast.Name) and node.id in ("_LISTENERS",):
            found.append("touches the checkers' listeners")
        elif isinstance(node, ast.Attribute) and node.attr == "_LISTENERS":
            found.append(
                f"touches the checkers' listeners ({ast.unparse(node)})"
            )
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in ("__code__", "__globals__")
            and (root(node) in aliases or root(node).startswith("check_"))
        ):
            found.append(f"touches {ast.unparse(node)}")
        for t in targets:
            p = target_problem(t)
            if p:
                found.append(p)
    return sorted(set(found))


def run(job: dict) -> dict:
    """Execute the job's notebook; the result is also written to ``job["out"]``."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    out = Path(job["out"])
    result: dict[str, Any] = {
        "records": [],
        "errors": [],
        "timeouts": [],
        "last_cell": -1,
        "finished": False,
        "kernel": "",
    }

    def save() -> None:
        partial = out.with_suffix(".partial")
        partial.write_text(json.dumps(result), encoding="utf-8")
        partial.replace(out)

    probe_file = Path(job["probe"])
    probe_file.touch()
    nb = nbformat.read(job["notebook"], as_version=4)
    setup = nbformat.v4.new_code_cell(
        "from resnet_lib.classroom.probe import install as _probe\n"
        f"_probe({str(probe_file)!r})\n"
        "del _probe\n"
    )
    cells = [setup] + list(nb.cells)
    run_nb = nbformat.v4.new_notebook(cells=cells, metadata=nb.metadata)
    client = NotebookClient(
        run_nb,
        timeout=job["cell_timeout"],
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        startup_timeout=120,
        resources={"metadata": {"path": str(Path(job["notebook"]).parent)}},
    )
    offset = 0
    save()
    try:
        with client.setup_kernel(cwd=str(Path(job["notebook"]).parent)):
            for index, cell in enumerate(run_nb.cells):
                started = time.monotonic()
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    result["timeouts"].append(index)
                finally:
                    text = probe_file.read_text(
                        encoding="utf-8", errors="replace"
                    )
                    new, offset = text[offset:], len(text)
                    for line in new.splitlines():
                        result["records"].append({"cell": index, "line": line})
                for output in cell.get("outputs", []):
                    if output.get("output_type") != "error":
                        continue
                    if output.get("ename") == "KeyboardInterrupt" and (
                        time.monotonic() - started >= job["cell_timeout"] - 1
                    ):
                        result["timeouts"].append(index)
                        continue
                    result["errors"].append(
                        {
                            "cell": index,
                            "ename": str(output.get("ename", ""))[:100],
                            "evalue": str(output.get("evalue", ""))[:300],
                        }
                    )
                result["last_cell"] = index
                save()
        result["finished"] = True
    except DeadKernelError as err:
        result["kernel"] = f"the kernel died ({str(err)[:120]})"
    except Exception as err:  # noqa: BLE001 - report, never stop the class
        result["kernel"] = f"{type(err).__name__}: {str(err)[:200]}"
    save()
    return result


def main(argv: Optional[list[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    run(json.loads(Path(argv[0]).read_text()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
