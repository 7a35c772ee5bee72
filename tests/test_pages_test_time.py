"""test-time's page: the ImageNet table, the protocol table, figures and
verdicts, the view costs and the error by size, built from results made by
hand (and a tiny untrained network for the views of one image)."""

import math
import re

import matplotlib
import pytest
import torch

matplotlib.use("Agg")

from resnet_lib import cifar_resnet  # noqa: E402
from resnet_lib.book.pages.test_time import (  # noqa: E402
    PROTOCOL_NAMES,
    imagenet_table,
    last_map_line,
    protocol_values,
    protocols_figure,
    protocols_table,
    run_lines,
    run_values,
    size_values,
    sizes_figure,
    ten_views_figure,
    verdict,
    view_costs_table,
    views_figure,
)
from resnet_lib.data import ImageData  # noqa: E402
from resnet_lib.experiments.test_time import (  # noqa: E402
    ProtocolResult,
    sign_test,
    ten_crops,
)
from resnet_lib.data import CIFAR10_CLASSES as CLASSES  # noqa: E402
from resnet_lib.i18n import speaking  # noqa: E402
from resnet_lib.reference import IMAGENET_MULTISCALE_ERRORS  # noqa: E402
from resnet_lib.training import CachedRun, History  # noqa: E402

CJK = re.compile(r"[\u4e00-\u9fff]")


def data(n):
    g = torch.Generator().manual_seed(0)
    images = torch.randint(
        0, 256, (n, 3, 16, 16), generator=g, dtype=torch.uint8
    )
    return ImageData(images, torch.arange(n) % 10, CLASSES, "test data")


def results():
    """The four protocols: errors 40, 38, 37 and 30%, views 1, 2, 10, 6."""

    def r(protocol, views, error, cost, fixed=0, broken=0):
        return ProtocolResult(
            protocol, views, error, cost * 1_000_000, 1_000_000, fixed, broken
        )

    return {
        "single": r("single", 1, 0.40, 1),
        "flip": r("flip", 2, 0.38, 2, fixed=12, broken=8),
        "ten_crop": r("ten_crop", 10, 0.37, 10, fixed=5, broken=5),
        "multi_scale": r("multi_scale", 6, 0.30, 10.5, fixed=60, broken=10),
    }


def test_sign_test_against_the_binomial():
    assert sign_test(0, 0) == 1.0
    assert sign_test(5, 5) == 1.0
    # all of 10 changes one way: 2 * (1/2)**10
    assert sign_test(10, 0) == pytest.approx(2 / 1024)
    # 8 fixed, 2 broken: 2 * P(X <= 2), X ~ Binomial(10, 1/2)
    assert sign_test(8, 2) == pytest.approx(2 * (1 + 10 + 45) / 1024)
    assert sign_test(2, 8) == sign_test(8, 2)


def test_imagenet_table_has_a_row_per_network():
    table = imagenet_table()
    assert table.count("<tr>") == 1 + len(IMAGENET_MULTISCALE_ERRORS)
    assert "<th>10 crops (Table 3)</th>" in table
    with speaking("zh_CN"):
        assert CJK.search(imagenet_table())


def test_run_lines_and_values():
    h = History(test_error=[0.5, 0.3125])
    run = CachedRun(model=None, history=h, from_cache=True, path=None)
    assert run_lines(run, 2000) == (
        "loaded from the cache\n"
        "test error in the training chapter: 31.2% on 2,000 test images"
    )
    run.from_cache = False
    assert run_lines(run, 2000).startswith("trained now\n")
    assert run_values(data(20), data(10), 400) == {
        "n_train": "20",
        "n_test": "10",
        "n_iter": "400",
    }
    with speaking("zh_CN"):
        assert all(
            CJK.search(line) for line in run_lines(run, 2000).split("\n")
        )


def test_protocols_table_rows():
    table = protocols_table(results(), 2000)
    assert table.count("<tr>") == 5
    assert (
        "<td>image + mirror image</td><td>2</td><td>2.0M</td>"
        "<td>2.0</td><td>38.00</td><td>12</td><td>8</td>"
    ) in table
    assert "ResNet-20 on 2,000 CIFAR-10 test images" in table
    with speaking("zh_CN"):
        table = protocols_table(results(), 2000)
        assert CJK.search(table) and "2,000" in table


def test_verdicts():
    r = results()
    assert str(verdict(r["flip"], 2000)) == (
        "12 fixed and 8 broken, 4 fewer errors: within what chance gives "
        f"on 2,000 images (sign test, p = {sign_test(12, 8):.2g})"
    )
    assert str(verdict(r["ten_crop"], 2000)) == (
        "5 fixed and 5 broken, no change: within what chance gives on 2,000 "
        "images (sign test, p = 1)"
    )
    sure = str(verdict(r["multi_scale"], 2000))
    assert sure.startswith(
        "60 fixed and 10 broken, 50 fewer errors: more "
        "than chance would give (sign test, p = "
    )
    worse = ProtocolResult("flip", 2, 0.5, 2, 1, fixed=1, broken=3)
    assert str(verdict(worse, 10)).startswith(
        "1 fixed and 3 broken, 2 more errors"
    )
    values = protocol_values(r, 2000)
    assert values["single_err"] == "40.00"
    assert values["one_image"] == "0.05"
    assert values["multi_scale_cost"] == "10.5"
    assert values["ten_crop_err"] == "37.00"
    with speaking("zh_CN"):
        text = str(values["multi_scale_verdict"])
        assert CJK.search(text) and "60" in text and "10" in text


def test_tables_of_sizes():
    assert str(last_map_line((6, 6), 2.5e-7)) == (
        "last map: (6, 6) | largest difference: 2.5e-07"
    )
    costs = {12: 22_500, 16: 40_000, 24: 90_000}
    table = view_costs_table(costs)
    assert "<td>24x24</td><td>90,000</td><td>2.25</td><td>2.25</td>" in table
    by_size = {12: 0.6, 16: 0.4, 20: 0.35, 24: 0.45}
    assert size_values(by_size) == {
        "best_size": "20x20",
        "err_16": "40.0",
        "err_24": "45.0",
        "err_12": "60.0",
    }


@pytest.mark.filterwarnings("ignore:Glyph")
def test_figures_are_labelled():
    (ax,) = protocols_figure(results()).axes
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(
        PROTOCOL_NAMES.values()
    )
    (ax,) = sizes_figure({12: 0.6, 16: 0.4, 24: 0.45}).axes
    assert ax.get_xlabel() == "test image size (pixels)"
    test = data(3)
    fig = ten_views_figure(ten_crops(test.images[:1], 2), "airplane", 2)
    assert fig._suptitle.get_text() == (
        "The ten views of a test image (airplane), padded by 2"
    )
    assert fig.axes[0].get_title() == "centre"
    with speaking("zh_CN"):
        (ax,) = protocols_figure(results()).axes
        assert all(
            CJK.search(t.get_text()) for t in ax.get_legend().get_texts()
        )
        fig = ten_views_figure(ten_crops(test.images[:1], 2), "airplane", 2)
        assert CJK.search(fig.axes[0].get_title())


@pytest.mark.filterwarnings("ignore:Glyph")
def test_views_figure():
    torch.manual_seed(0)
    model = cifar_resnet(8).eval()
    test = data(3)
    fig = views_figure(model, test, 2, padding=2, scales=(16, 20))
    assert len(fig.axes) == 11  # ten views and the bars
    bars = fig.axes[-1]
    assert [t.get_text() for t in bars.get_yticklabels()] == [
        "single",
        "flip",
        "ten crops",
        "3 scales",
    ]
    assert fig._suptitle.get_text().startswith("Test image 2 (bird);")
    assert all(0 <= p.get_width() <= 1 for p in bars.patches)
    assert math.isclose(bars.get_xlim()[1], 1)
