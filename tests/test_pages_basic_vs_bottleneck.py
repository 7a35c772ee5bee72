"""basic-vs-bottleneck's page: the two blocks' costs, ResNet-34 and -50."""

import re

from resnet_lib import ResNetConfig, block_params, network_count
from resnet_lib.book.pages.basic_vs_bottleneck import (
    CALCULATOR_TITLE,
    block_macs_lines,
    block_params_table,
    built_line,
    stages_table,
    stages_values,
    stride_table,
    stride_values,
)
from resnet_lib.i18n import speaking

CJK = re.compile(r"[\u4e00-\u9fff]")
R34 = network_count(ResNetConfig("basic", (3, 4, 6, 3)))
R50 = network_count(ResNetConfig("bottleneck", (3, 4, 6, 3)))


def test_built_line_and_title():
    assert str(built_line(73_728)) == "the built module has 73,728"
    assert str(CALCULATOR_TITLE) == "Block calculator"
    with speaking("zh_CN"):
        line = str(built_line(73_728))
        assert CJK.search(line) and "73,728" in line
        assert CJK.search(str(CALCULATOR_TITLE))


def test_block_params_table_has_the_counts_by_kind():
    count = block_params("basic", 64, 128, stride=2)
    table = block_params_table({"ResNet-18 layer2.0": (count, count.total)})
    assert table.count("<tr>") == 2
    cells = (count.conv, count.bn, count.shortcut, count.total, count.total)
    row = "".join(f"<td>{v:,}</td>" for v in cells)
    assert f"<td>ResNet-18 layer2.0</td>{row}" in table


def test_macs_lines():
    # 3*3*64*64 * 2 = 73,728 and 69,632 multiply-adds per position, 56x56
    text = block_macs_lines(73_728 * 56 * 56, 69_632 * 56 * 56)
    assert text.splitlines() == [
        "BasicBlock 64->64:         231.2 M multiply-adds",
        "Bottleneck 256->64->256:   218.4 M multiply-adds",
    ]
    with speaking("zh_CN"):
        lines = block_macs_lines(1e6, 2e6).splitlines()
        assert all(CJK.search(line) for line in lines)
        assert "1.0" in lines[0] and "2.0" in lines[1]


def test_stages_table_ends_with_the_totals():
    table = stages_table(R34, R50)
    assert table.count("<tr>") == 1 + len(R34.rows) + 1
    assert f"<td>total</td><td>{R34.params:,}</td><td>25,557,032</td>" in (
        table
    )
    assert "<td>4.09 G</td></tr></tbody>" in table
    values = stages_values(R34, R50)
    assert values["r50_g"] == "4.09"
    assert values["r50_more"] == f"{100 * (R50.macs / R34.macs - 1):.0f}"
    with speaking("zh_CN"):
        assert CJK.search(stages_table(R34, R50))


def test_stride_table_against_the_published_figures():
    config = ResNetConfig("bottleneck", (3, 4, 6, 3))
    v15 = network_count(config, 224, stride_on="3x3").macs
    v1 = network_count(config, 224, stride_on="1x1").macs
    table = stride_table(v15, v1)
    assert table.count("<tr>") == 5
    assert "<td>4.089 G</td>" in table  # torchvision's 4.09 GFLOPS
    assert "<td>3.8 x 10^9 FLOPs</td>" in table  # He et al. 2016, Table 1
    assert "IMAGENET1K_V1" in table
    assert stride_values(v15, v1) == {
        "v15": "4.089",
        "v1": f"{v1 / 1e9:.3f}",
    }
    with speaking("zh_CN"):
        assert CJK.search(stride_table(v15, v1))
