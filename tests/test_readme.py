"""The README's examples run as printed: every ```python block executes, and where a
print() line ends in a comment, the output shows what the comment says (up to a bracket)."""

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_the_readme_has_examples():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize(
    "code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))]
)
def test_readme_example_runs_as_printed(code):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), {"__name__": "readme"})
    printed = out.getvalue()
    for line in code.splitlines():
        match = re.match(r"\s*print\(.*\)\s+#\s*(.+)$", line)
        if match:
            expected = match.group(1).split(" (")[0].strip()
            assert expected in printed, (
                f"README says {line.strip()!r}; it printed:\n{printed}"
            )
