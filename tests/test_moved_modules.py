"""Notebooks saved before resnet_lib 0.2 import modules by their old names: those imports
keep working, warn, and give the very module of the new home."""

import importlib
import subprocess
import sys

import pytest

from resnet_lib._moved import MOVED


@pytest.mark.parametrize("old, new", sorted(MOVED.items()))
def test_an_old_module_name_is_the_new_module_with_a_warning(old, new):
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=f"{old} moved to {new}"):
        module = importlib.import_module(old)
    assert module is importlib.import_module(new)


def test_a_notebook_of_0_1_still_runs():
    code = (
        "import warnings; warnings.simplefilter('error', DeprecationWarning)\n"
        "try:\n"
        "    from resnet_lib.explorer import Explorer\n"
        "except DeprecationWarning as w:\n"
        "    print('warned:', w)\n"
        "warnings.simplefilter('ignore', DeprecationWarning)\n"
        "from resnet_lib.explorer import Explorer\n"
        "from resnet_lib.notebook import glue\n"
        "from resnet_lib.tables import html_table\n"
        "print(Explorer.__module__, glue.__module__, html_table.__module__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert (
        "warned: resnet_lib.explorer moved to resnet_lib.book.explorer" in out
    )
    assert (
        "resnet_lib.book.explorer resnet_lib.book.notebook resnet_lib.book.tables"
        in out
    )


def test_unknown_names_are_still_unknown():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("resnet_lib.no_such_module")


@pytest.mark.slow  # a Python that imports torch: about 5 s
def test_the_0_1_command_runs_the_new_one_and_says_so():
    """``python -m resnet_lib.train`` (0.1) failed with an AttributeError in 0.2."""
    proc = subprocess.run(
        [sys.executable, "-m", "resnet_lib.train", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "run python -m resnet_lib.training instead" in proc.stderr
    assert "usage: python -m resnet_lib.training" in proc.stdout
