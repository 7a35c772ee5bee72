"""expansion's page: the shapes out of each stage and the projections."""

import re

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from resnet_lib.book.pages.expansion import (  # noqa: E402
    expansion_values,
    projections_table,
    shapes_figure,
    shapes_table,
)
from resnet_lib.i18n import speaking  # noqa: E402

CJK = re.compile(r"[\u4e00-\u9fff]")
PARTS = ("stem", "layer1", "layer2", "layer3", "layer4")
# ResNet-18 and ResNet-50 at 224x224 (He et al. 2016, Table 1)
SHAPES = {
    "ResNet-18": list(
        zip(
            PARTS,
            [
                (64, 56, 56),
                (64, 56, 56),
                (128, 28, 28),
                (256, 14, 14),
                (512, 7, 7),
            ],
        )
    ),
    "ResNet-50": list(
        zip(
            PARTS,
            [
                (64, 56, 56),
                (256, 56, 56),
                (512, 28, 28),
                (1024, 14, 14),
                (2048, 7, 7),
            ],
        )
    ),
}


def test_shapes_table_rows_are_the_parts():
    table = shapes_table(SHAPES)
    assert table.count("<tr>") == 1 + len(PARTS)
    assert "<td>layer4</td><td>512 x 7 x 7</td><td>2048 x 7 x 7</td>" in table
    assert expansion_values(SHAPES) == {"r50_out": "2,048", "r18_out": "512"}


@pytest.mark.filterwarnings("ignore:Glyph")
def test_figure_has_both_panels_labelled():
    fig = shapes_figure(SHAPES)
    left, right = fig.axes
    assert left.get_ylabel() == "channels (log scale)"
    assert right.get_title() == "the map halves at every stage but the first"
    assert [t.get_text() for t in left.get_legend().get_texts()] == list(
        SHAPES
    )
    assert list(right.get_yticks()) == [7, 14, 28, 56]
    with speaking("zh_CN"):
        fig = shapes_figure(SHAPES)
        assert all(CJK.search(ax.get_ylabel()) for ax in fig.axes)
        assert CJK.search(fig.axes[1].get_legend().get_title().get_text())


def test_projections_table():
    table = projections_table({"ResNet-18": ["layer2.0.downsample"]})
    assert "<td>ResNet-18</td><td>layer2.0.downsample</td>" in table
    with speaking("zh_CN"):
        assert CJK.search(projections_table({"ResNet-18": []}))
