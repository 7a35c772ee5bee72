"""counting-to-101's page: depth counted as the paper counts it, and the
multiply-adds of the five ImageNet ResNets."""

import re

from resnet_lib import ResNetConfig, network_count
from resnet_lib.book.pages.counting_to_101 import (
    layer_count_table,
    macs_table,
    macs_values,
    uncounted_table,
)
from resnet_lib.counting import LayerCount
from resnet_lib.i18n import speaking

CJK = re.compile(r"[\u4e00-\u9fff]")
# ResNet-101 as the paper counts it: stem, 3 + 4 + 23 + 3 blocks of 3, fc
R101 = LayerCount(
    {"conv1": 1, "layer1": 9, "layer2": 12, "layer3": 69, "layer4": 9, "fc": 1}
)


def test_layer_counts_show_the_sum():
    table = layer_count_table({101: R101})
    assert table.count("<tr>") == 2
    assert (
        "<td>ResNet-101</td><td>bottleneck</td><td>[3, 4, 23, 3]</td>"
        "<td>1 + 9 + 12 + 69 + 9 + 1 = 101</td>"
    ) in table
    with speaking("zh_CN"):
        assert CJK.search(layer_count_table({101: R101}))


def test_uncounted_parts():
    table = uncounted_table(
        {50: {"projections": 4, "batchnorms": 53, "pooling": 2}}
    )
    assert "<th>BatchNorms</th>" in table
    assert "<td>ResNet-50</td><td>50</td><td>4</td><td>53</td><td>2</td>" in (
        table
    )


def test_macs_beside_torchvision_and_the_paper():
    config = ResNetConfig("bottleneck", (3, 4, 6, 3))
    macs = {
        50: {
            "v15": network_count(config, 224).macs / 1e9,
            "v1": network_count(config, 224, stride_on="1x1").macs / 1e9,
            "params": network_count(config).params,
        }
    }
    table = macs_table(macs)
    # torchvision: 4.089 GFLOPS; the paper's Table 1: 3.8 x 10^9
    assert "<td>ResNet-50</td><td>4.089</td><td>4.089</td>" in table
    assert "<td>3.8</td><td>25,557,032</td>" in table
    assert "<caption>Multiply-adds per 224x224 image, in billions" in table
    values = macs_values(macs)
    assert values["v1_50"] == f"{macs[50]['v1']:.3f}"
    assert values["gap_50"] == f"{4.089 - macs[50]['v1']:.2f}"
    with speaking("zh_CN"):
        assert CJK.search(macs_table(macs)) and "4.089" in macs_table(macs)
