"""resnext-and-wide's page: grouped convolutions, cardinality and width."""

import re

from resnet_lib import (
    TORCHVISION_SPECS,
    ResNetConfig,
    block_macs,
    block_params,
    network_count,
)
from resnet_lib.book.pages.resnext_and_wide import (
    CARDINALITY_TITLE,
    cardinality_table,
    grouped_conv_lines,
    groups_table,
    layer2_block_table,
    ratios_values,
    stage_widths_table,
    table3,
    torchvision_table,
)
from resnet_lib.i18n import speaking

CJK = re.compile(r"[\u4e00-\u9fff]")


def count(name):
    block, layers, groups, width = TORCHVISION_SPECS[name]
    return network_count(
        ResNetConfig(block, layers, groups=groups, width_per_group=width)
    )


def test_grouped_conv_lines():
    assert grouped_conv_lines((128, 32, 3, 3), True).splitlines() == [
        "weight shape: (128, 32, 3, 3)",
        "grouped conv == 4 convs on slices, concatenated: True",
    ]
    with speaking("zh_CN"):
        lines = grouped_conv_lines((128, 32, 3, 3), False).splitlines()
        assert all(CJK.search(line) for line in lines)
        assert "(128, 32, 3, 3)" in lines[0] and "False" in lines[1]


def test_groups_table_relative_to_one_group():
    groups = {
        g: {
            "weights": 9 * 128 * 128 // g,
            "macs": 9 * 128 * 128 // g * 3136,
            "block": 0,
            "block_macs": 0,
        }
        for g in (1, 32)
    }
    table = groups_table(groups)
    assert table.count("<tr>") == 3
    assert (
        "<td>32</td><td>4</td><td>4,608</td><td>14.5 M</td><td>1/32</td>"
        in (table)
    )


def test_stage_widths_table():
    config = ResNetConfig(
        "bottleneck", (3, 4, 6, 3), groups=32, width_per_group=4
    )
    blocks = [
        (128, 32, 256),
        (256, 32, 512),
        (512, 32, 1024),
        (1024, 32, 2048),
    ]
    table = stage_widths_table({"resnext50_32x4d": (config, blocks)})
    assert "<td>resnext50_32x4d</td><td>32</td><td>4</td>" in table
    assert "<td>1024 = 32 x 32</td><td>256, 512, 1024, 2048</td>" in table
    assert "<th>layer4: 3x3 channels = groups x per group</th>" in table
    with speaking("zh_CN"):
        assert CJK.search(stage_widths_table({}))


def test_table3_and_torchvision_table():
    block = block_params("bottleneck", 256, 64, groups=32, width_per_group=4)
    table = table3({(50, 32, 4): (block.conv, count("resnext50_32x4d"))})
    # Xie et al. 2017, Table 3: ResNeXt-50 (32x4d), 22.2% top-1 error
    assert "<td>25.0 M</td><td>4.23 G</td><td>22.2</td>" in table
    ours = {name: count(name) for name in ("resnet50", "resnet101")}
    table = torchvision_table(ours)
    # torchvision's metadata: 76.13% top-1 (V1), 80.858% (V2)
    assert "<td>76.13</td>" in table and "<td>80.858</td>" in table
    assert table.count("<tr>") == 3


def test_ratios_and_layer2_block():
    names = (
        "resnet50",
        "resnet101",
        "resnext50_32x4d",
        "resnext101_64x4d",
        "wide_resnet50_2",
    )
    values = ratios_values({name: count(name) for name in names})
    # torchvision: 25.0M / 25.6M parameters; 77.618 - 76.13 top-1
    assert values["x50_params"] == "0.98"
    assert values["acc_gain"] == "1.49"
    assert values["w50_params"] == "2.7"
    params = block_params("bottleneck", 512, 128)
    macs = block_macs("bottleneck", 512, 128, 1, 28, 28)
    table = layer2_block_table({"ResNet-50": (128, params, macs)})
    assert f"<td>ResNet-50</td><td>128</td><td>{params.conv:,}</td>" in table


def test_cardinality_table():
    base = count("resnet50")
    table = cardinality_table(count("resnext50_32x4d"), base, 50, 32, 4)
    assert "<caption>ResNet-50 layout, 32x4d</caption>" in table
    assert "<td>layer1</td><td>3</td><td>128 = 32 x 4</td>" in table
    assert "<td>all</td><td>16</td>" in table
    with speaking("zh_CN"):
        table = cardinality_table(base, base, 50, 1, 64)
        assert CJK.search(table) and "1.00 x ResNet-50" in table
        assert CJK.search(str(CARDINALITY_TITLE))
