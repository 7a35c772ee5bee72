"""Run the Colab notebooks as Colab runs them, and say which fail and where.

The scheduled workflow .github/workflows/colab.yml runs this inside Colab's published
runtime image, with the image's own Python and packages: each notebook from the top in a
fresh kernel, from an empty working folder, with ``google.colab`` imported first as
Colab's kernel has it, so the notebook's setup cell acts as it does on Colab (it installs
what Colab lacks, resnet_lib from the repository's main branch among it, and keeps
Colab's torch). A change in Colab's packages that breaks a chapter shows up here before
a reader meets it. Only the standard library, nbformat and nbclient are used (the image
has them); nothing of this repository is imported.

    python3 scripts/run_colab_notebooks.py notebooks/*.ipynb
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

#: what Colab's kernel has imported before a notebook's first cell
COLAB_KERNEL = "import google.colab  # as on Colab: the setup cell acts"


def run(notebook: Path, timeout: int) -> str | None:
    """Execute ``notebook`` from the top; None if every cell ran, else what failed."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = nbformat.read(notebook, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(COLAB_KERNEL))
    with tempfile.TemporaryDirectory() as work:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": work}},
        )
        try:
            client.execute()
        except (CellExecutionError, CellTimeoutError) as err:
            return str(err).strip().splitlines()[-1][:500]
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument(
        "--timeout",
        type=int,
        default=1800,
        help="seconds a cell may run (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    missing = [str(n) for n in args.notebooks if not n.is_file()]
    if missing:
        print(f"no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    failed = 0
    for notebook in args.notebooks:
        start = time.perf_counter()
        error = run(notebook, args.timeout)
        took = time.perf_counter() - start
        print(
            f"{'FAILED' if error else 'ok':6}  {took:6.0f} s  {notebook}"
            + (f"\n        {error}" if error else ""),
            flush=True,
        )
        failed += error is not None
    print(f"{len(args.notebooks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
