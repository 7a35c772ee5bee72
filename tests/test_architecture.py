"""The architecture builder and the residual-learning experiment."""

import pytest
import torchinfo
import torchvision

from resnet_lib.architecture import NAMED, describe, describe_named, nearest_named
from resnet_lib.models import ResNetConfig
from resnet_lib.residual import identity_learning

TORCHVISION_PARAMS = {18: 11_689_512, 34: 21_797_672, 50: 25_557_032, 101: 44_549_160, 152: 60_192_808}


@pytest.mark.parametrize("depth", [18, 50, 152])
def test_named_reports_match_torchvision_and_torchinfo(depth):
    r = describe_named(f"ResNet-{depth}")
    assert r.params == TORCHVISION_PARAMS[depth]
    assert r.layers.total == depth and r.name == f"ResNet-{depth}" and r.nearest == r.name and not r.differences
    reference = torchinfo.summary(getattr(torchvision.models, f"resnet{depth}")(weights=None),
                                  input_size=(1, 3, 224, 224), verbose=0)
    assert r.torchinfo_macs == reference.total_mult_adds
    assert f"{r.params:,}" in r.summary  # torchinfo's own text is shown
    assert "<table" in r._repr_html_()


def test_cifar_named_network_is_recognised():
    r = describe("basic", (9, 9, 9), 16, "cifar", "A", 32)
    assert r.name == "CIFAR ResNet-56" and r.layers.total == 56 and round(r.params / 1e6, 2) == 0.85


def test_custom_network_and_its_nearest_named_one():
    r = describe("bottleneck", "3 4 10 3")
    assert r.name == "custom ResNet" and r.nearest == "ResNet-50"
    assert r.differences == ("layers (3, 4, 10, 3) (it has (3, 4, 6, 3))",)
    assert r.layers.total == 1 + 3 * 20 + 1
    name, diffs = nearest_named(ResNetConfig("basic", (3, 4, 6, 3), shortcut="A"))
    assert name == "ResNet-34" and diffs == ("shortcut 'A' (it has 'B')",)


def test_reports_are_cached():
    assert describe_named("ResNet-34") is describe_named("ResNet-34")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"layers": "3 0 3"}, r"positive whole number of blocks; got \[3, 0, 3\]"),
        ({"layers": "3 x"}, "whole numbers like '3 4 6 3'; got '3 x'"),
        ({"block": "wide"}, "unknown block 'wide'"),
        ({"input_size": 4}, "from 8 to 1024; got 4"),
        ({"base_width": 0}, "base_width must be a positive integer; got 0"),
    ],
)
def test_impossible_descriptions(kwargs, match):
    with pytest.raises(ValueError, match=match):
        describe(**kwargs)
    with pytest.raises(ValueError, match="unknown network 'ResNet-20'; named ones"):
        describe_named("ResNet-20")


def test_every_named_config_builds_to_its_name():
    for name, cfg in NAMED.items():
        depth = int(name.split("-")[1])
        per_block = 3 if cfg.block == "bottleneck" else 2
        assert 2 + per_block * sum(cfg.layers) == depth


def test_residual_stack_learns_the_near_identity_faster_than_plain():
    res = identity_learning(depth=4, channels=8, steps=150, plain=False)
    plain = identity_learning(depth=4, channels=8, steps=150, plain=True)
    tail = lambda r: sum(r.losses[-10:]) / 10
    assert tail(res) < 0.3 * tail(plain)
    assert res.steps_to(tail(plain)) is not None and plain.steps_to(tail(res)) is None
    with pytest.raises(ValueError, match="depth and steps must be >= 1"):
        identity_learning(depth=0)
