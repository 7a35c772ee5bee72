"""Block calculator and HTML tables, against torchvision's own blocks and PyTorch's FLOP counter."""

import pytest
import torch
import torchvision
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from resnet_lib import ResNetConfig
from resnet_lib.book.tables import (
    block_calculator,
    block_cost,
    html_table,
    stage_blocks,
)

TV_BLOCKS = {
    "basic": torchvision.models.resnet.BasicBlock,
    "bottleneck": torchvision.models.resnet.Bottleneck,
}


def torchvision_block(block, in_channels, planes, stride):
    cls = TV_BLOCKS[block]
    out = planes * cls.expansion
    downsample = None
    if (
        stride != 1 or in_channels != out
    ):  # torchvision's _make_layer rule (option B)
        downsample = nn.Sequential(
            nn.Conv2d(in_channels, out, 1, stride, bias=False),
            nn.BatchNorm2d(out),
        )
    return cls(in_channels, planes, stride, downsample).eval()


def test_the_two_figures_of_the_chapter():
    assert block_cost("basic", 64, 64).conv == 73_728
    assert block_cost("bottleneck", 256, 64).conv == 69_632


@pytest.mark.parametrize(
    "block, in_channels, planes, stride, size",
    [
        ("basic", 64, 64, 1, 56),
        ("basic", 64, 128, 2, 56),
        ("bottleneck", 64, 64, 1, 56),
        ("bottleneck", 256, 128, 2, 56),
        ("bottleneck", 1024, 256, 1, 14),
        ("basic", 96, 48, 2, 15),
    ],
)
def test_block_cost_matches_torchvision_blocks(
    block, in_channels, planes, stride, size
):
    c = block_cost(block, in_channels, planes, stride, size)
    tv = torchvision_block(block, in_channels, planes, stride)
    x = torch.zeros(1, in_channels, size, size)
    with FlopCounterMode(display=False) as flops:
        y = tv(x)
    assert c.total == c.built == sum(p.numel() for p in tv.parameters())
    assert (
        c.macs == flops.get_total_flops() // 2
    )  # PyTorch counts a multiply-add as 2 FLOPs
    assert (c.out_channels, c.out_size, c.out_size) == tuple(y.shape[1:])
    assert eval(c.conv_formula.replace("*", " * ")) == c.conv


def test_option_a_and_c_shortcuts():
    assert (
        block_cost("basic", 16, 32, 2, 32, shortcut="A").shortcut_params == 0
    )
    assert (
        block_cost("basic", 32, 32, 1, 16, shortcut="C").shortcut_params
        == 32 * 32 + 2 * 32
    )
    assert (
        block_cost("basic", 32, 32, 1, 16, shortcut="B").shortcut_params == 0
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"block": "wide"}, "unknown block 'wide'"),
        ({"stride": 3}, "stride must be 1 or 2; got 3"),
        ({"planes": 0}, "planes must be a positive integer; got 0"),
        (
            {"in_channels": -1},
            "in_channels must be a positive integer; got -1",
        ),
        ({"size": 0}, "size must be a positive whole number of pixels; got 0"),
        ({"shortcut": "D"}, "unknown shortcut option 'D'"),
    ],
)
def test_impossible_blocks(kwargs, match):
    with pytest.raises(ValueError, match=match):
        block_calculator(**kwargs)


def test_calculator_html_shows_the_derivation():
    page = block_calculator("bottleneck", 256, 64, 1, 56)
    assert (
        "256*64 + 3*3*64*64 + 64*256 = 69,632" in page
        and "MISMATCH" not in page
    )


def test_stage_blocks_of_resnet50_follow_table_1():
    presets = stage_blocks(ResNetConfig("bottleneck", (3, 4, 6, 3)))
    assert list(presets) == [
        "layer1.0 (first)",
        "layer1.1-2",
        "layer2.0 (first)",
        "layer2.1-3",
        "layer3.0 (first)",
        "layer3.1-5",
        "layer4.0 (first)",
        "layer4.1-2",
    ]
    # input maps of the four stages in the paper's Table 1: 56, 28, 14, 7
    assert [presets[f"layer{i}.0 (first)"]["size"] for i in range(1, 5)] == [
        56,
        56,
        28,
        14,
    ]
    assert presets["layer4.1-2"] == dict(
        block="bottleneck",
        in_channels=2048,
        planes=512,
        stride=1,
        size=7,
        shortcut="B",
    )
    assert list(
        stage_blocks(ResNetConfig("basic", (1, 2), 16, "cifar", "A"), 32)
    ) == ["layer1.0 (first)", "layer2.0 (first)", "layer2.1"]


def test_html_table_escapes_and_formats():
    page = html_table(
        ["a<b", "n"], [["<x>", 1234567], [True, 2.5]], caption="c&d"
    )
    assert (
        "a&lt;b" in page
        and "&lt;x&gt;" in page
        and "1,234,567" in page
        and "True" in page
    )
    assert "<caption>c&amp;d</caption>" in page


def test_html_table_scrolls_in_a_box_a_keyboard_reaches():
    """WCAG 2.1.1 (axe: scrollable-region-focusable): a wide table scrolls in its own
    box, which has a tab stop and, for a screen reader, a name: its caption."""
    page = html_table(["a"], [[1]], caption='x "y" & z')
    assert page.startswith(
        '<div class="table-scroll" role="region" tabindex="0" '
        'aria-label="x &quot;y&quot; &amp; z"><table class="table">'
    )
    assert page.endswith("</table></div>")
    assert 'aria-label="table"><table' in html_table(["a"], [[1]])
