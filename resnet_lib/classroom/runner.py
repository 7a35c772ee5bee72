"""Run one submitted notebook in a fresh kernel and report what its checkers said.

``python -m resnet_lib.classroom.runner JOB.json`` reads the job (the notebook, the
reference, the time limit) and writes the result as JSON next to it; the marker starts one
such process per submission, so that nothing a notebook does can stop the others.
"""

from __future__ import annotations

import ast
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

from .reference import Matcher, python_source, read_reference

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


def _setup_source(verdicts: str, protected: list[str]) -> str:
    return (
        "from resnet_lib.classroom.sandbox import install as _marker_install\n"
        f"_marker_install({verdicts!r}, {protected!r})\n"
        "del _marker_install\n"
    )


def run(job: dict) -> dict:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    import resnet_lib

    result: dict[str, Any] = {
        "student": job["student"],
        "file": job["file"],
        "status": "ok",
        "detail": "",
        "verdicts": [],
        "errors": [],
        "tampering": [],
        "refused": [],
        "unmatched": [],
    }
    started = time.monotonic()
    text = Path(job["file"]).read_bytes().decode("utf-8", errors="replace")
    try:
        json.loads(text)
    except json.JSONDecodeError as err:
        truncated = err.pos >= len(
            text.rstrip()
        ) - 1 and text.lstrip().startswith("{")
        result.update(
            status="unreadable",
            detail=(
                "the file ends in the middle (truncated?)"
                if truncated
                else f"not a notebook: not JSON ({err.msg}, line {err.lineno})"
            ),
        )
        return result
    try:
        nb = nbformat.reads(text, as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("no cells")
    except Exception as err:  # noqa: BLE001 - anything nbformat cannot read
        result.update(
            status="unreadable",
            detail=f"JSON, but not a notebook ({type(err).__name__}: {str(err)[:120]})",
        )
        return result
    reference = read_reference(nbformat.read(job["reference"], as_version=4))
    matcher = Matcher(reference)
    expected_state: dict[str, dict[str, str]] = {}

    code_cells = [c for c in nb.cells if c.get("cell_type") == "code"]
    for i, cell in enumerate(code_cells):
        for problem in tampering_in(
            "".join(cell.source)
            if isinstance(cell.source, list)
            else cell.source
        ):
            result["tampering"].append(f"code cell {i + 1} {problem}")
    result["tampering"].sort(
        key=lambda t: (
            not any(w in t for w in (" defines ", " assigns ", " changes "))
        )
    )

    work = Path(tempfile.mkdtemp(prefix="resnet-mark-"))
    verdicts = work / "verdicts.jsonl"
    verdicts.touch()
    package_dir = str(Path(resnet_lib.__file__).resolve().parent)
    env = dict(os.environ)
    dead = "http://127.0.0.1:9"
    env.update(
        HTTP_PROXY=dead,
        HTTPS_PROXY=dead,
        http_proxy=dead,
        https_proxy=dead,
        ALL_PROXY=dead,
        NO_PROXY="",
        no_proxy="",
        PIP_NO_INDEX="1",
        IPYTHONDIR=str(work / "ipython"),
        MPLCONFIGDIR=str(work / "mpl"),
        MPLBACKEND="agg",
        HOME=str(work),
        PYTHONDONTWRITEBYTECODE="1",
        COLUMNS="100",
    )
    setup = nbformat.v4.new_code_cell(
        _setup_source(str(verdicts), [package_dir])
    )
    run_nb = nbformat.v4.new_notebook(
        cells=[setup] + [nbformat.from_dict(dict(c)) for c in code_cells],
        metadata=nb.metadata,
    )
    for c in run_nb.cells:
        c.outputs = []
    deadline = started + job["timeout"]
    client = NotebookClient(
        run_nb,
        timeout=job["timeout"],
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        startup_timeout=120,
        resources={"metadata": {"path": str(work)}},
    )
    offset = 0
    try:
        with client.setup_kernel(env=env, cwd=str(work)):
            deadline = (
                time.monotonic() + job["timeout"]
            )  # the limit counts from a ready kernel
            for index, cell in enumerate(run_nb.cells):
                client.timeout = max(1, int(deadline - time.monotonic()))
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    result.update(
                        status="timeout",
                        detail=f"still running after {job['timeout']} s "
                        f"(in code cell {index})",
                    )
                    break
                finally:
                    lines = verdicts.read_text(
                        encoding="utf-8", errors="replace"
                    )[offset:]
                    offset += len(lines)
                    _collect(
                        lines, index, cell, matcher, result, expected_state
                    )
                interrupted = any(
                    o.get("output_type") == "error"
                    and o.get("ename") == "KeyboardInterrupt"
                    for o in cell.get("outputs", [])
                )
                if (
                    interrupted and time.monotonic() >= deadline - 1
                ):  # nbclient interrupted it at the limit
                    result.update(
                        status="timeout",
                        detail=f"still running after {job['timeout']} s "
                        f"(in code cell {index}); later cells did not run",
                    )
                    break
                for out in cell.get("outputs", []):
                    if out.get("output_type") == "error":
                        where = (
                            "the marker's setup cell"
                            if index == 0
                            else f"code cell {index}"
                        )
                        result["errors"].append(
                            {
                                "cell": index,
                                "ename": out.get("ename", ""),
                                "evalue": str(out.get("evalue", ""))[:300],
                                "where": where,
                            }
                        )
                if index == 0 and result["errors"]:
                    result.update(
                        status="marker-error",
                        detail=f"the marker's setup failed: {result['errors'][0]}",
                    )
                    break
    except DeadKernelError as err:
        result.update(
            status="kernel-died", detail=f"the kernel died ({str(err)[:120]})"
        )
    except Exception as err:  # noqa: BLE001 - report, never stop the class
        if result["status"] == "ok":
            result.update(
                status="marker-error",
                detail=f"{type(err).__name__}: {str(err)[:200]}",
            )
    result["elapsed"] = round(time.monotonic() - started, 1)
    forged = [
        v
        for v in result["verdicts"] + result["unmatched"]
        if v.get("forged") or v.get("changed")
    ]
    writes = [r for r in result["refused"] if r["refused"] != "network"]
    if result["status"] == "ok":
        if result["tampering"] or writes or forged:
            first = (
                result["tampering"]
                + [f"refused {r['refused']} {r['detail']}" for r in writes]
                + [
                    f"a verdict of {v['checker']} did not come from the real checker"
                    for v in forged
                ]
            )[0]
            result.update(status="tampered", detail=first)
        elif result["errors"]:
            error = result["errors"][0]
            missing = error["ename"] in ("ModuleNotFoundError", "ImportError")
            result.update(
                status="import-error" if missing else "cell-error",
                detail=f"{error['where']} raised {error['ename']}: {error['evalue'][:160]}",
            )
    return result


def _collect(
    lines: str,
    index: int,
    cell,
    matcher: Matcher,
    result: dict,
    expected: dict,
) -> None:
    from .sandbox import state_of

    cell_label = matcher.cell_label(cell) if index > 0 else None
    for line in lines.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "refused" in record:
            result["refused"].append(record)
            continue
        module = record.get("module")
        if module:
            if module not in expected:
                expected[module] = state_of(module)
            record["changed"] = record.get("state") != expected[module]
        else:
            record["changed"] = True
        record.pop("state", None)
        record["cell"] = index
        record["label"] = matcher.label(record, cell_label)
        (
            result["verdicts"] if record["label"] else result["unmatched"]
        ).append(record)


def main(argv: Optional[list[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    job = json.loads(Path(argv[0]).read_text())
    result = run(job)
    Path(job["out"]).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
