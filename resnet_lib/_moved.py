"""The module names of resnet_lib 0.1, kept importable for notebooks saved before 0.2.

resnet_lib 0.2 gave the library three floors (see :mod:`resnet_lib`), and several modules
moved. A learner's notebook saved from an older twin still says, say,
``from resnet_lib.explorer import Explorer``; that import keeps working, with a
``DeprecationWarning`` that names the new module. Nothing is imported until an old name
is asked for.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings
from types import CodeType, ModuleType
from typing import Optional, Sequence

#: old module -> its new home
MOVED = {
    "resnet_lib.blocks": "resnet_lib.nn.blocks",
    "resnet_lib.models": "resnet_lib.nn.models",
    "resnet_lib.explorer": "resnet_lib.book.explorer",
    "resnet_lib.tables": "resnet_lib.book.tables",
    "resnet_lib.notebook": "resnet_lib.book.notebook",
    "resnet_lib.architecture": "resnet_lib.book.architecture_builder",
    "resnet_lib.gradients": "resnet_lib.experiments.vanishing_gradients",
    "resnet_lib.degradation": "resnet_lib.experiments.degradation",
    "resnet_lib.residual": "resnet_lib.experiments.identity_learning",
    "resnet_lib.threads": "resnet_lib.device",
    "resnet_lib.train": "resnet_lib.training.cli",
}


#: old module -> the command that replaces ``python -m <old module>``
COMMANDS = {"resnet_lib.train": "resnet_lib.training"}


class _Alias(importlib.abc.Loader):
    def __init__(self, new: str) -> None:
        self.new = new

    def create_module(
        self, spec: importlib.machinery.ModuleSpec
    ) -> ModuleType:
        warnings.warn(
            f"{spec.name} moved to {self.new} in resnet_lib 0.2; import it from there",
            DeprecationWarning,
            stacklevel=2,
        )
        return importlib.import_module(self.new)

    def exec_module(self, module: ModuleType) -> None:
        pass  # the new module is already executed

    def get_code(self, fullname: str) -> CodeType:
        """What ``python -m <old name>`` runs: the new module as ``__main__``, after a
        line on stderr that names the new command."""
        command = COMMANDS.get(fullname, self.new)
        return compile(
            "import runpy, sys\n"
            f"print({fullname!r} ' moved in resnet_lib 0.2: run python -m '"
            f" {command!r} ' instead', file=sys.stderr)\n"
            f"runpy.run_module({command!r}, run_name='__main__', "
            "alter_sys=True)\n",
            f"<{fullname}, moved to {command}>",
            "exec",
        )


class MovedModules(importlib.abc.MetaPathFinder):
    """Finds the old names of :data:`MOVED` (and only those)."""

    def find_spec(
        self,
        fullname: str,
        path: Optional[Sequence[str]] = None,
        target: Optional[ModuleType] = None,
    ) -> Optional[importlib.machinery.ModuleSpec]:
        new = MOVED.get(fullname)
        if new is None:
            return None
        return importlib.util.spec_from_loader(fullname, _Alias(new))


def install() -> None:
    """Add the finder once (called by ``resnet_lib/__init__.py``)."""
    if not any(isinstance(f, MovedModules) for f in sys.meta_path):
        sys.meta_path.append(MovedModules())
