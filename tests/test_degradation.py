"""The degradation experiment's code, on a tiny offline run (the real run is the chapter's)."""

import json
from dataclasses import replace

import pytest
import torch

from resnet_lib.data import synthetic_cifar
from resnet_lib.experiments.degradation import (
    NETWORKS,
    cpu_config,
    load_experiment_data,
    paper_config,
    parse_network,
    run_degradation,
    summary,
)
from resnet_lib.nn.models import cifar_resnet
from resnet_lib.counting import count_params
from resnet_lib.training import History


def tiny_run(networks, iterations, eval_every, train=4, test=2):
    """The CPU configuration of ``networks`` cut to a few batches of 20 images, and
    ``train`` and ``test`` 8x8 offline images of each class."""
    cfg = cpu_config(networks=networks)
    cfg = replace(
        cfg,
        train=replace(
            cfg.train,
            iterations=iterations,
            eval_every=eval_every,
            batch_size=20,
        ),
    )
    data = (
        synthetic_cifar("train", train, size=8),
        synthetic_cifar("test", test, size=8),
    )
    return cfg, data


def test_configs():
    cpu, paper = cpu_config(seed=3), paper_config()
    assert (
        cpu.train.seed == 3
        and cpu.image_size == 16
        and cpu.train_per_class == 250
        and cpu.zero_init_residual
    )
    assert (
        paper.train.iterations,
        paper.train.batch_size,
        paper.train.lr,
    ) == (64_000, 128, 0.1)
    assert (
        paper.train.milestones == (32_000, 48_000)
        and paper.image_size == 32
        and paper.source == "cifar10"
    )
    assert paper.train_per_class is None


def test_the_four_networks_are_the_papers_twins():
    for name in NETWORKS:
        plain, depth = parse_network(name)
        m = cifar_resnet(depth, plain=plain)
        assert count_params(m) == count_params(
            cifar_resnet(depth, plain=not plain)
        )
    with pytest.raises(
        ValueError, match="'plain-20' or 'ResNet-56'; got 'resnet20'"
    ):
        parse_network("resnet20")


def test_tiny_run_trains_every_network():
    cfg, data = tiny_run(("plain-20", "ResNet-20"), iterations=6, eval_every=3)
    threads = torch.get_num_threads()
    result = run_degradation(
        cfg, data=data, progress=False, threads=1
    )  # one CPU thread, restored after
    assert torch.get_num_threads() == threads
    assert list(result.histories) == ["plain-20", "ResNet-20"]
    for name, h in result.histories.items():
        assert h.eval_steps == [3, 6] and h.steps == [
            1,
            2,
            3,
            4,
            5,
            6,
        ]  # log_every = eval_every // 2 = 1
        # each point is the error of one batch of 20 images: a count of wrong answers over 20
        assert all(
            abs(20 * e - round(20 * e)) < 1e-5 for e in h.train_error
        ), h.train_error
        assert len(h.test_error) == 2 and all(
            abs(20 * e - round(20 * e)) < 1e-5 for e in h.test_error
        )
    assert "offline" in result.data and result.seed == 0
    numbers = summary(result)
    assert set(numbers) == {"plain-20", "ResNet-20"}
    assert numbers["plain-20"]["train_error"] == result.final_train_error(
        "plain-20"
    )
    assert numbers["plain-20"]["seconds"] > 0


def test_offline_data_has_the_sizes_the_chapter_says():
    train, test = load_experiment_data(cpu_config(source="offline"))
    assert (len(train), len(test)) == (2_500, 2_000)
    assert train.images.shape[1:] == (3, 16, 16) and test.images.shape[1:] == (
        3,
        16,
        16,
    )
    assert (
        train.labels.bincount().tolist() == [250] * 10
        and test.labels.bincount().tolist() == [200] * 10
    )
    assert "offline" in train.source


def test_final_train_error_is_the_mean_of_the_last_three_points():
    from resnet_lib.experiments.degradation import DegradationResult

    result = DegradationResult(
        {"x": History(train_error=[0.9, 0.5, 0.4, 0.3], test_error=[0.7, 0.6])}
    )
    assert result.final_train_error("x") == pytest.approx(
        (0.5 + 0.4 + 0.3) / 3
    )
    assert (
        result.final_train_error("x", last=1) == 0.3
        and result.final_test_error("x") == 0.6
    )


def test_run_leaves_the_global_random_state_alone_and_seeds_each_network():
    cfg, data = tiny_run(
        ("ResNet-20",), iterations=1, eval_every=1, train=2, test=1
    )
    before = torch.get_rng_state()
    a = run_degradation(cfg, data=data, progress=False)
    assert torch.equal(torch.get_rng_state(), before)
    torch.manual_seed(
        12345
    )  # the caller's global state does not change the result
    b = run_degradation(cfg, data=data, progress=False)
    assert (
        a.histories["ResNet-20"].train_loss
        == b.histories["ResNet-20"].train_loss
    )


def test_recorded_conditions_come_with_a_command_that_reproduces_them(
    monkeypatch, tmp_path
):
    from resnet_lib.experiments import degradation

    cond = degradation.RECORDED_CONDITIONS
    assert (
        cond.threads == 1
        and f"--threads {cond.threads}" in cond.command
        and cond.torch_version
    )
    assert (
        set(degradation.RECORDED_SEEDS) == {0, 1, 2}
        and "--seeds 0 1 2" in cond.command
    )
    paper = degradation.RECORDED_PAPER_INIT_CONDITIONS
    assert "--no-zero-init" in paper.command and paper.threads == cond.threads
    seen = {}

    def fake_run(
        cfg, threads=None, **kwargs
    ):  # what the cited command would train, and how
        seen.setdefault("threads", set()).add(threads)
        seen.setdefault("seeds", []).append(cfg.train.seed)
        seen["cfg"] = cfg
        histories = {
            n: History(train_error=[0.5], test_error=[0.5], seconds=1.0)
            for n in cfg.networks
        }
        return degradation.DegradationResult(histories, "test", cfg.train.seed)

    monkeypatch.setattr(degradation, "run_degradation", fake_run)
    argv = cond.command.split()[3:] + ["--out", str(tmp_path / "d.json")]
    degradation.main(argv)
    assert seen["threads"] == {1} and seen["seeds"] == [0, 1, 2]
    assert seen["cfg"] == cpu_config(
        seed=2
    )  # the recipe the table was recorded with
    written = json.loads((tmp_path / "d.json").read_text())
    assert (
        written["conditions"]["threads"] == 1
        and "--threads 1" in written["conditions"]["command"]
    )
    with pytest.raises(SystemExit):
        degradation.main(["--threads", "0"])


def test_the_plain_search_rows_come_with_commands_that_reproduce_them(
    monkeypatch, tmp_path
):
    """Each recorded row of the search for a plain network that learns names a command
    of this module, and that command trains what the row says it changed."""
    from resnet_lib.experiments import degradation

    seen = []

    def fake_run(cfg, threads=None, **kwargs):
        seen.append((cfg, threads))
        histories = {
            n: History(train_error=[0.5], test_error=[0.5], seconds=1.0)
            for n in cfg.networks
        }
        return degradation.DegradationResult(histories, "test", cfg.train.seed)

    monkeypatch.setattr(degradation, "run_degradation", fake_run)
    book = cpu_config()
    assert (
        degradation.PLAIN_SEARCH[0].train_error
        == (degradation.RECORDED_SEEDS[0]["plain-20"][0])
    )
    for row in degradation.PLAIN_SEARCH:
        degradation.main(
            row.command.split()[3:] + ["--out", str(tmp_path / "s.json")]
        )
        cfg, threads = seen[-1]
        assert threads == 1 and cfg.train.seed == 0
        assert cfg.networks == (row.network,)
        assert cfg.train.iterations == row.iterations
        if not row.change:  # cpu_config itself
            assert cfg == cpu_config(networks=(row.network,))
        if row.options.startswith("--lr"):
            assert (
                cfg.train.lr == float(row.change.split()[-1]) != book.train.lr
            )
        if "warm-up" in row.change:
            assert cfg.train.warmup_until_error == 0.8
            assert cfg.train.warmup_lr == 0.01
        assert 0 < row.train_error < 1 and 0 < row.test_error < 1
    with pytest.raises(SystemExit):
        degradation.main(["--iterations", "0"])
    with pytest.raises(SystemExit):
        degradation.main(["--lr", "-1"])


def test_with_a_cache_the_networks_are_trained_once(tmp_path):
    """The chapter on why residual networks train studies the networks this chapter
    trained: a second run with the same configuration and data loads them."""
    cfg, data = tiny_run(("plain-20", "ResNet-20"), iterations=4, eval_every=2)
    first = run_degradation(cfg, data=data, progress=False, cache=tmp_path)
    again = run_degradation(cfg, data=data, progress=False, cache=tmp_path)
    assert first.from_cache == {"plain-20": False, "ResNet-20": False}
    assert again.from_cache == {"plain-20": True, "ResNet-20": True}
    for name in first.histories:
        assert (
            again.histories[name].train_loss
            == first.histories[name].train_loss
        )
        a, b = first.models[name].state_dict(), again.models[name].state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a)
    other = replace(cfg, train=replace(cfg.train, seed=1))
    assert not any(
        run_degradation(
            other, data=data, progress=False, cache=tmp_path
        ).from_cache.values()
    )
