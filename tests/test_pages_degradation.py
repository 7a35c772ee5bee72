"""degradation's page: the tables, the figure and the sentences that read the
results, built from small results made by hand."""

import re

import matplotlib
import pytest
import torch

matplotlib.use("Agg")

from resnet_lib.book.pages.degradation import (  # noqa: E402
    RECORDED_COLUMNS,
    data_values,
    networks_table,
    recipe_table,
    recorded_errors,
    recorded_table,
    recorded_values,
    results_table,
    results_values,
    training_figure,
    training_figures,
)
from resnet_lib.data import SYNTHETIC_CLASSES, ImageData  # noqa: E402
from resnet_lib.experiments.degradation import (  # noqa: E402
    NETWORKS,
    RECORDED_SEEDS,
    DegradationResult,
    cpu_config,
)
from resnet_lib.data import CIFAR10_CLASSES as CIFAR_CLASSES  # noqa: E402
from resnet_lib.i18n import speaking  # noqa: E402
from resnet_lib.training import History  # noqa: E402

CJK = re.compile(r"[\u4e00-\u9fff]")


def data(n, stand_in=False, size=16):
    classes = SYNTHETIC_CLASSES if stand_in else CIFAR_CLASSES
    return ImageData(
        torch.zeros(n, 3, size, size, dtype=torch.uint8),
        torch.zeros(n, dtype=torch.long),
        classes,
        "test data",
    )


def result(train_errors, seed=0):
    """Each network's history ending at its training error (three logged
    points of it) and a test error 5 points above."""
    histories = {}
    for name, err in train_errors.items():
        histories[name] = History(
            steps=[10, 20, 30, 40],
            train_error=[0.9, err, err, err],
            eval_steps=[20, 40],
            test_error=[0.9, err + 0.05],
            seconds=12.4,
            images_seen=1000,
        )
    return DegradationResult(histories=histories, data="test", seed=seed)


DEGRADED = {
    "plain-20": 0.40,
    "plain-56": 0.60,
    "ResNet-20": 0.30,
    "ResNet-56": 0.28,
}


def test_networks_table_has_a_row_per_network():
    table = networks_table({"plain-20": 1000, "ResNet-56": 850_000})
    assert table.count("<tr>") == 3
    assert "<td>plain-20</td><td>3</td><td>none</td><td>1,000</td>" in table
    assert "<td>ResNet-56</td><td>9</td><td>option A</td>" in table
    assert "<th>network</th><th>n</th>" in table


def test_recipe_table_and_values():
    cfg = cpu_config(seed=3)
    train, test = data(20), data(8)
    table = recipe_table(cfg, train, test)
    assert "20 training, 8 test, 16x16 pixels" in table
    assert f"{cfg.train.iterations:,} of batch 32" in table
    assert "<td>augmentation</td><td>off</td>" in table
    assert "<td>seed</td><td>3</td>" in table
    values = data_values(cfg, train)
    assert values["seed"] == "3"
    assert values["n_train"] == "20"
    assert str(values["data_used"]) == "This run uses real CIFAR-10 images."
    stand_in = data_values(cfg, data(20, stand_in=True))["data_used"]
    assert "offline stand-in" in str(stand_in)
    with speaking("zh_CN"):
        assert CJK.search(recipe_table(cfg, train, test))
        assert CJK.search(str(stand_in))


def test_results_table_rows():
    table = results_table(result(DEGRADED, seed=2))
    assert table.count("<tr>") == 1 + len(DEGRADED)
    assert "<td>plain-56</td><td>60.0%</td><td>65.0%</td><td>12 s</td>" in (
        table
    )
    assert "Seed 2;" in table


def test_sentences_when_the_paper_is_reproduced():
    values = results_values(result(DEGRADED), data(4))
    assert values["train_plain-56"] == "60.0"
    assert values["test_ResNet-20"] == "35.0"
    assert values["degradation_json"]["plain-20"]["train_error"] == (
        pytest.approx(0.40)
    )
    assert str(values["plain_sentence"]) == (
        "the deeper plain network ends with the higher training error, "
        "20.0 points above plain-20"
    )
    assert str(values["res_sentence"]) == (
        "the deeper residual network is 2.0 points better"
    )
    assert str(values["res_vs_plain"]) == (
        "both are below either plain network"
    )
    assert str(values["results_data"]) == "On real CIFAR-10"
    with speaking("zh_CN"):
        for key in (
            "plain_sentence",
            "res_sentence",
            "res_vs_plain",
            "results_data",
        ):
            assert CJK.search(str(values[key])), key
        assert "20.0" in str(values["plain_sentence"])


def test_sentences_when_it_is_not():
    errors = {
        "plain-20": 0.30,
        "plain-56": 0.25,
        "ResNet-20": 0.28,
        "ResNet-56": 0.285,
    }
    values = results_values(result(errors), data(4))
    assert str(values["plain_sentence"]).startswith(
        "in this run the deeper plain network does NOT end"
    )
    assert "5.0 points below plain-20" in str(values["plain_sentence"])
    assert str(values["res_sentence"]).startswith(
        "the two end within 0.5 points of each other"
    )
    assert str(values["res_vs_plain"]) == (
        "they are not below both plain networks in this run"
    )
    stand_in = results_values(result(errors), data(4, stand_in=True))
    assert "stand-in's drawn shapes" in str(stand_in["res_vs_plain"])
    assert "offline stand-in" in str(stand_in["results_data"])
    worse = dict(errors, **{"ResNet-56": 0.31})
    assert str(results_values(result(worse), data(4))["res_sentence"]) == (
        "the deeper residual network is 3.0 points worse at this early stage"
    )


@pytest.mark.filterwarnings("ignore:Glyph")
def test_training_figure_labels():
    fig = training_figure(result(DEGRADED, seed=1), data(4))
    left, middle, right = fig.axes
    assert left.get_title() == "training error (ours)"
    assert right.get_xlabel() == "depth"
    labels = [t.get_text() for t in middle.get_legend().get_texts()]
    assert labels == [f"{name} (ours)" for name in DEGRADED]
    assert fig._suptitle.get_text().startswith(
        "CIFAR-10, shrunk (see above), seed 1;"
    )
    with speaking("zh_CN"):
        fig = training_figure(result(DEGRADED), data(4, stand_in=True))
        assert all(CJK.search(ax.get_title()) for ax in fig.axes)
        assert CJK.search(fig._suptitle.get_text())


def test_training_figure_stacked_for_a_phone():
    """One panel under another, each with its axis labels, at most 3.7 inches wide:
    the width of a phone's text column (358 CSS pixels at 390), so not scaled down."""
    wide = training_figure(result(DEGRADED), data(4))
    fig = training_figure(result(DEGRADED), data(4), stacked=True)
    assert fig.get_size_inches()[0] <= 3.7
    boxes = [ax.get_position() for ax in fig.axes]
    assert len(boxes) == 3
    assert all(abs(b.x0 - boxes[0].x0) < 1e-6 for b in boxes)
    assert boxes[0].y0 > boxes[1].y1 and boxes[1].y0 > boxes[2].y1
    assert [ax.get_title() for ax in fig.axes] == [
        ax.get_title() for ax in wide.axes
    ]
    assert all(ax.get_ylabel() == "error (%)" for ax in fig.axes)
    assert all(ax.get_xlabel() for ax in fig.axes)


def test_training_figures_show_the_phone_its_own_drawing():
    import base64
    import io

    import matplotlib.pyplot as plt
    from PIL import Image

    plt.close("all")
    shown = training_figures(result(DEGRADED), data(4))
    html = shown._repr_html_()
    phone, wide = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html)
    assert '<source media="(max-width: 576px)"' in html
    assert f"{phone} 2x" in html  # drawn at twice the pixels of its size
    width = Image.open(io.BytesIO(base64.b64decode(phone))).size[0] / 2
    assert width <= 358, width  # fits a 390 px phone's column unscaled
    assert Image.open(io.BytesIO(base64.b64decode(wide))).size[0] > 800
    assert 'alt="Training and test error of plain-20, plain-56,' in html
    assert plt.get_fignums() == []  # shown once, in the HTML
    with speaking("zh_CN"):
        html = training_figures(result(DEGRADED), data(4))._repr_html_()
    svgs = re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)
    assert len(svgs) == 2 and "data:image/png" not in html
    assert all(
        CJK.search(base64.b64decode(svg).decode("utf-8")) for svg in svgs
    )


def test_recorded_table_and_spans():
    rec = recorded_errors()
    assert list(rec) == list(RECORDED_COLUMNS)
    assert rec["plain-56"][0] == 100 * RECORDED_SEEDS[0]["plain-56"][0]
    table = recorded_table()
    assert table.count("<tr>") == 1 + len(RECORDED_SEEDS)
    assert "<th>ResNet-56*</th>" in table
    values = recorded_values(torch.device("cpu"), 1)
    low = min(rec["plain-56"])
    assert str(values["rec_plain56"]).startswith(f"{low:.1f} to ")
    assert str(values["rec_plain"]).startswith("+")
    assert str(values["page_threads"]).startswith("this page's used one")
    assert str(recorded_values(torch.device("cpu"), 2)["page_threads"]) == (
        "this page's used 2 CPU threads"
    )
    assert str(recorded_values(torch.device("cuda"), 2)["page_threads"]) == (
        "this page's ran on the cuda device"
    )
    with speaking("zh_CN"):
        assert CJK.search(str(values["page_threads"]))
        assert CJK.search(recorded_table())
    assert set(NETWORKS) < set(rec)
