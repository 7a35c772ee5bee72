"""Every function that a chapter passes to ``glue_all`` declares its names (``@glues``).

The Colab twins' generator reads those declarations (scripts/learner_notebook.py), so a
chapter's ``glue_all(some_values(...))`` with an undeclared function would break it.
"""

import importlib
import pkgutil
import re
from pathlib import Path

import resnet_lib.book.pages as pages

ROOT = Path(__file__).resolve().parents[1]
GLUE_ALL = re.compile(r"glue_all\(\s*(\w+)\(")
PAGE_IMPORT = re.compile(
    r"from resnet_lib\.book\.pages\.(\w+) import \(?([\w\s,]+)\)?"
)


def test_glue_all_functions_declare_their_names():
    modules = {
        info.name: importlib.import_module(f"{pages.__name__}.{info.name}")
        for info in pkgutil.iter_modules(pages.__path__)
    }
    checked, problems = [], []
    for md in sorted((ROOT / "book").glob("*.md")):
        text = md.read_text(encoding="utf-8")
        imported = {
            name: module
            for module, names in PAGE_IMPORT.findall(text)
            for name in re.findall(r"\w+", names)
        }
        for function in GLUE_ALL.findall(text):
            where = f"{md.name}: glue_all({function}(...))"
            if function not in imported:
                problems.append(f"{where}: not imported from the pages")
                continue
            fn = getattr(modules[imported[function]], function)
            names = getattr(fn, "glued_names", None)
            if not names or not all(isinstance(n, str) for n in names):
                problems.append(
                    f"{where}: {imported[function]}.{function} has no @glues"
                )
            checked.append(f"{imported[function]}.{function}")
    assert checked, "no chapter calls glue_all(some_values(...))"
    assert not problems, "\n".join(problems)
