"""The intro's page: ResNet's depths counted, beside torchvision's figures."""

import re

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from resnet_lib import IMAGENET_SPECS, ResNetConfig, network_count  # noqa: E402
from resnet_lib.book.pages.intro import (  # noqa: E402
    STAGES_TITLE,
    counts_table,
    intro_values,
    stage_parameters,
)
from resnet_lib.i18n import speaking  # noqa: E402

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def counts():
    return {
        depth: network_count(ResNetConfig(block, layers))
        for depth, (block, layers) in IMAGENET_SPECS.items()
    }


def test_table_has_a_row_per_depth_with_torchvision_beside(counts):
    table = counts_table(counts)
    assert table.count("<tr>") == 1 + len(counts)
    # torchvision's ResNet-50 metadata: 25,557,032 parameters, 4.09 GFLOPS
    assert "<td>ResNet-50</td><td>25,557,032</td><td>25,557,032</td>" in table
    assert "<td>4.089</td><td>4.089</td>" in table
    assert "<th>multiply-adds (billions)</th>" in table


def test_prose_values_of_resnet50(counts):
    values = intro_values(counts)
    assert values["resnet50_params"] == "25,557,032"
    assert values["resnet50_gmacs"] == "4.09"
    stages = {r.name: r.params.total for r in counts[50].rows}
    share = (stages["layer3"] + stages["layer4"]) / 25_557_032
    assert values["resnet50_last_two"] == f"{100 * share:.0f}"


@pytest.mark.filterwarnings("ignore:Glyph")
def test_figure_labels_in_english_and_chinese(counts):
    fig = stage_parameters(counts[18], 18)
    ax = fig.axes[0]
    assert (
        ax.get_title() == "ResNet-18: basic blocks [2, 2, 2, 2], 11.7M in all"
    )
    assert ax.get_ylabel() == "parameters (millions)"
    assert len(ax.patches) == len(counts[18].rows)
    with speaking("zh_CN"):
        fig = stage_parameters(counts[50], 50)
        title = fig.axes[0].get_title()
        assert CJK.search(title) and "25.6" in title
        assert CJK.search(fig.axes[0].get_ylabel())
        assert CJK.search(str(STAGES_TITLE))
    assert str(STAGES_TITLE) == "Where the parameters are"
