"""The degradation experiment's code, on a tiny offline run (the real run is the chapter's)."""

from dataclasses import replace

import pytest
import torch

from resnet_lib.data import synthetic_cifar
from resnet_lib.degradation import (
    NETWORKS,
    cpu_config,
    load_experiment_data,
    paper_config,
    parse_network,
    run_degradation,
    summary,
)
from resnet_lib.models import cifar_resnet
from resnet_lib.counting import count_params


def test_configs():
    cpu, paper = cpu_config(seed=3), paper_config()
    assert cpu.train.seed == 3 and cpu.image_size == 16 and cpu.train_per_class == 250 and cpu.zero_init_residual
    assert (paper.train.iterations, paper.train.batch_size, paper.train.lr) == (64_000, 128, 0.1)
    assert paper.train.milestones == (32_000, 48_000) and paper.image_size == 32 and paper.source == "cifar10"
    assert paper.train_per_class is None


def test_the_four_networks_are_the_papers_twins():
    for name in NETWORKS:
        plain, depth = parse_network(name)
        m = cifar_resnet(depth, plain=plain)
        assert count_params(m) == count_params(cifar_resnet(depth, plain=not plain))
    with pytest.raises(ValueError, match="'plain-20' or 'ResNet-56'; got 'resnet20'"):
        parse_network("resnet20")


def test_tiny_run_trains_every_network():
    cfg = cpu_config(networks=("plain-20", "ResNet-20"))
    cfg = replace(cfg, train=replace(cfg.train, iterations=6, eval_every=3, batch_size=20))
    data = (synthetic_cifar("train", 4, size=8), synthetic_cifar("test", 2, size=8))
    threads = torch.get_num_threads()
    result = run_degradation(cfg, data=data, progress=False, threads=1)  # one CPU thread, restored after
    assert torch.get_num_threads() == threads
    assert list(result.histories) == ["plain-20", "ResNet-20"]
    for name, h in result.histories.items():
        assert h.eval_steps == [3, 6] and 0 <= result.final_train_error(name) <= 1
    assert "offline" in result.data and result.seed == 0
    numbers = summary(result)
    assert set(numbers) == {"plain-20", "ResNet-20"}
    assert numbers["plain-20"]["train_error"] == result.final_train_error("plain-20")
    assert numbers["plain-20"]["seconds"] > 0


def test_offline_data_has_the_sizes_the_chapter_says():
    train, test = load_experiment_data(cpu_config(source="offline"))
    assert (len(train), len(test)) == (2_500, 2_000)
    assert train.images.shape[1:] == (3, 16, 16) and test.images.shape[1:] == (3, 16, 16)
    assert train.labels.bincount().tolist() == [250] * 10 and test.labels.bincount().tolist() == [200] * 10
    assert "offline" in train.source
