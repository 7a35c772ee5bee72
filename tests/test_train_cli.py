"""The training command line, alone and under torchrun with two CPU processes."""

import json
import re
import subprocess
import sys

import pytest
import torch

from resnet_lib.data import load_data, normalize
from resnet_lib.training.cli import build_model, main
from resnet_lib.training import load_checkpoint

TINY = [
    "--data",
    "offline",
    "--train-per-class",
    "8",
    "--image-size",
    "8",
    "--iterations",
    "6",
    "--batch-size",
    "16",
    "--no-progress",
    "--model",
    "resnet8",
]


def test_cli_trains_writes_and_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(TINY + ["--out", str(out)]) == 0
    summary = json.loads((out / "history.json").read_text())
    assert (
        summary["model"] == "resnet8" and summary["config"]["iterations"] == 6
    )
    assert summary["history"]["steps"][-1] == 6
    state = load_checkpoint(out / "checkpoint.pt")
    assert state["step"] == 6
    # the reported test error, recounted by hand from the checkpoint's weights
    model = build_model("resnet8")
    model.load_state_dict(state["model"])
    test = load_data("offline", "test").resized(
        8
    )  # what --data offline --image-size 8 tests on
    with torch.no_grad():
        predicted = model.eval()(normalize(test.images)).argmax(1)
    assert summary["test_error"] == (
        predicted != test.labels
    ).sum().item() / len(test)
    assert "done: 6 iterations" in capsys.readouterr().out
    # resuming a finished run changes nothing
    before = {k: v.clone() for k, v in state["model"].items()}
    assert main(TINY + ["--out", str(out), "--resume"]) == 0
    after = load_checkpoint(out / "checkpoint.pt")["model"]
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_cli_leaves_the_global_random_state_alone_and_seeds_the_model(
    tmp_path,
):
    before = torch.get_rng_state()
    assert (
        main(TINY + ["--iterations", "1", "--out", str(tmp_path / "a")]) == 0
    )
    assert torch.equal(torch.get_rng_state(), before)
    torch.manual_seed(99)
    assert (
        main(TINY + ["--iterations", "1", "--out", str(tmp_path / "b")]) == 0
    )
    a, b = (
        load_checkpoint(tmp_path / run / "checkpoint.pt")["model"]
        for run in ("a", "b")
    )
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_resnet110_gets_the_papers_warmup(tmp_path, monkeypatch):
    seen = {}
    import resnet_lib.training.cli as cli

    def fake_fit(name, model, train, config, *a, **k):
        seen["config"] = config
        raise SystemExit(0)

    monkeypatch.setattr(cli, "fit_named", fake_fit)
    with pytest.raises(SystemExit):
        main(
            [
                "--model",
                "resnet110",
                "--data",
                "offline",
                "--train-per-class",
                "2",
                "--image-size",
                "8",
                "--out",
                str(tmp_path),
                "--no-progress",
            ]
        )
    cfg = seen["config"]
    assert (
        cfg.warmup_lr == 0.01
        and cfg.warmup_until_error == 0.8
        and cfg.warmup_iterations >= 400
    )


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--model", "resnet21"], "6n+2"),
        (
            ["--model", "vgg16"],
            "unknown model 'vgg16'; use resnetN, plainN or preactN",
        ),
        (
            ["--data", "cifar10", "--data-dir", "/nonexistent/cifar"],
            "CIFAR-10 was not found at /nonexistent/cifar",
        ),
    ],
)
def test_cli_errors_are_messages_not_tracebacks(
    argv, message, tmp_path, capsys
):
    assert main(argv + ["--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(
    "option",
    ["--train-per-class", "--image-size", "--iterations", "--batch-size"],
)
@pytest.mark.parametrize("value", ["0", "-3", "ten"])
def test_a_count_below_one_is_refused_not_ignored(
    option, value, tmp_path, capsys
):
    """--train-per-class 0 and --image-size 0 trained on everything at full size
    (0 read as "not given"); now every count says it needs 1 or more."""
    with pytest.raises(SystemExit) as stop:
        main([option, value, "--out", str(tmp_path)])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert (
        f"argument {option}: '{value}' is not a whole number of 1 or more"
        in err
    )


def test_model_names():
    assert (
        build_model("plain56").config.plain
        and build_model("preact110").config.preact
    )
    assert build_model("resnet20").config.layers == (3, 3, 3)


@pytest.mark.slow  # two processes and a rendezvous: about 12 s
def test_torchrun_two_cpu_processes_agree(tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        "-m",
        "resnet_lib.training",
        *TINY,
        "--out",
        str(tmp_path / "ddp"),
    ]
    result = subprocess.run(
        cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = re.findall(
        r"\[rank (\d)\] weights checksum ([-+.e\d]+) history sha1 ([0-9a-f]{16}) final train loss ([-.\d]+)",
        result.stdout,
    )
    assert sorted(line[0] for line in lines) == ["0", "1"], result.stdout
    assert (
        lines[0][1:] == lines[1][1:]
    )  # identical weights and buffers, identical logged history
    summary = json.loads((tmp_path / "ddp" / "history.json").read_text())
    assert (
        summary["processes"] == 2
        and summary["history"]["images_seen"] == 6 * 16
    )


def test_missing_data_from_the_shell_is_exit_code_2_without_traceback(
    tmp_path,
):
    env = {
        k: v for k, v in __import__("os").environ.items() if k != "RESNET_DATA"
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "resnet_lib.training",
            "--data",
            "cifar10",
            "--data-dir",
            str(tmp_path / "nowhere"),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        "CIFAR-10 was not found" in result.stderr
        and "--download" in result.stderr
        and "--data offline" in result.stderr
    )
