"""training-cifar10's page: the recipe tables, the schedules and curves, and
the sentences on what augmentation changed, built from runs made by hand."""

import re

import matplotlib
import pytest
import torch

matplotlib.use("Agg")

from resnet_lib.book.pages.training_cifar10 import (  # noqa: E402
    WITH_AUGMENTATION,
    WITHOUT_AUGMENTATION,
    curves_figure,
    data_table,
    data_values,
    full_time_sentence,
    full_time_values,
    milestones,
    recipe_values,
    recipes_table,
    results_table,
    results_values,
    schedules_figure,
    t4_table,
    t4_values,
    table6,
    warmup_lines,
)
from resnet_lib.data import SYNTHETIC_CLASSES, ImageData  # noqa: E402
from resnet_lib.data import CIFAR10_CLASSES as CIFAR_CLASSES  # noqa: E402
from resnet_lib.i18n import speaking  # noqa: E402
from resnet_lib.reference import CIFAR10  # noqa: E402
from resnet_lib.training import (  # noqa: E402
    History,
    fast_recipe,
    paper_recipe,
    paper_warmup,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def data(n, stand_in=False):
    classes = SYNTHETIC_CLASSES if stand_in else CIFAR_CLASSES
    return ImageData(
        torch.zeros(n, 3, 16, 16, dtype=torch.uint8),
        torch.zeros(n, dtype=torch.long),
        classes,
        "test data",
    )


def history(seconds=10.0):
    return History(
        steps=[100, 200],
        train_error=[0.8, 0.5],
        eval_steps=[200],
        test_error=[0.55],
        seconds=seconds,
        images_seen=2560,
    )


def test_milestones_in_words():
    assert milestones((32_000, 48_000)) == "32,000 and 48,000"
    assert milestones((2000, 3000), thousands=False) == "2000 and 3000"
    assert milestones((7,)) == "7"
    with speaking("zh_CN"):
        assert milestones((32_000, 48_000)) == "32,000 和 48,000"


def test_recipes_table():
    paper, fast = paper_recipe(), fast_recipe()
    fields = ("iterations", "milestones", "lr")
    table = recipes_table(paper, fast, fields)
    assert table.count("<tr>") == 1 + len(fields)
    assert "<td>milestones</td><td>32,000 and 48,000</td>" in table
    if fast.schedule != "multistep":
        assert "(not used)" in table
    with speaking("zh_CN"):
        assert CJK.search(recipes_table(paper, fast, fields))


def test_warmup_lines_and_values():
    warmup, fast = paper_warmup(), fast_recipe()
    first, second = warmup_lines(warmup, lr=0.1).split("\n")
    assert first.startswith(f"lr {warmup['warmup_lr']} until the training")
    assert first.endswith("then lr 0.1")
    assert second == (
        f"at most {warmup['warmup_iterations']:,} iterations (a safety net)"
    )
    values = recipe_values(warmup, fast)
    assert values == {
        "warmup_cap": f"{warmup['warmup_iterations']:,}",
        "fast_batch": str(fast.batch_size),
        "fast_lr": str(fast.lr),
    }
    with speaking("zh_CN"):
        assert all(
            CJK.search(line) for line in warmup_lines(warmup, 0.1).split("\n")
        )


def test_full_time():
    assert str(full_time_sentence(1234.4, 1.83)) == (
        "1,234 images/s: the full recipe would take 1.8 hours"
    )
    assert full_time_values(1234.4, 1.83) == {
        "full_speed": "1,234",
        "full_hours": "1.8",
    }
    assert full_time_values(50, 12.6)["full_hours"] == "13"
    with speaking("zh_CN"):
        assert CJK.search(str(full_time_sentence(1234.4, 1.83)))


def test_data_table_and_values():
    recipe = paper_recipe(iterations=400, milestones=(200, 300))
    train, test = data(2500), data(2000)
    table = data_table(train, test, recipe)
    assert "<td>training images</td><td>45,000</td><td>2,500</td>" in table
    assert "<td>32,000 and 48,000</td><td>200 and 300</td>" in table
    assert "Data: test data" in table
    values = data_values(train, test, recipe)
    assert str(values["data_name"]) == "the real CIFAR-10"
    assert values["epochs"] == "20"  # 400 x 128 / 2,500
    assert values["n_test"] == "2,000"
    assert "stand-in" in str(
        data_values(data(10, True), test, recipe)["data_name"]
    )


def runs_and_final(aug, noaug):
    runs = {
        WITH_AUGMENTATION: history(30.0),
        WITHOUT_AUGMENTATION: history(20.0),
    }
    return runs, {WITH_AUGMENTATION: aug, WITHOUT_AUGMENTATION: noaug}


def test_results_table_rows():
    runs, final = runs_and_final((40.0, 45.0), (10.0, 50.0))
    table = results_table(runs, final, 400)
    assert table.count("<tr>") == 3
    assert (
        "<td>without augmentation</td><td>10.0</td><td>50.0</td>"
        "<td>40.0</td><td>20</td>"
    ) in table
    assert "After 400 iterations." in table
    with speaking("zh_CN"):
        assert CJK.search(results_table(runs, final, 400))


def test_sentences_when_the_network_memorises():
    runs, final = runs_and_final((40.0, 45.0), (10.0, 50.0))
    values = results_values(runs, final, data(2500))
    assert values["aug_test"] == "45.0"
    assert str(values["aug_effect"]) == (
        "augmentation lowered the test error by 5.0 points"
    )
    assert str(values["gap_text"]).startswith(
        "Without augmentation the network sees the same 2,500 images"
    )
    assert str(values["gap_text"]).endswith("and the gap is 5.0 points")
    assert values["total_time"] == "50"
    assert str(values["results_data"]) == "On real CIFAR-10,"
    runs, final = runs_and_final((48.0, 45.0), (10.0, 50.0))
    gap_text = str(results_values(runs, final, data(2500))["gap_text"])
    assert gap_text.endswith(
        "its test error is even 3.0 points below its "
        "training error on augmented batches: in so "
        "short a run it has not fitted even those"
    )
    with speaking("zh_CN"):
        for key in ("aug_effect", "gap_text", "results_data"):
            assert CJK.search(str(values[key])), key
        assert "2,500" in str(values["gap_text"])


def test_sentences_when_it_does_not():
    runs, final = runs_and_final((40.0, 50.0), (38.0, 49.8))
    values = results_values(runs, final, data(2500))
    assert str(values["aug_effect"]) == (
        "augmentation changed the test error by less than half a point"
    )
    assert str(values["gap_text"]) == (
        "Here the two gaps are alike (11.8 points without augmentation, "
        "10.0 with): in this short run the network has not memorised its "
        "training set yet"
    )
    stand_in = results_values(runs, final, data(2500, stand_in=True))
    assert str(stand_in["gap_text"]).endswith("gain little from shifted crops")
    assert "stand-in" in str(stand_in["results_data"])
    runs, final = runs_and_final((40.0, 52.0), (38.0, 50.0))
    assert str(results_values(runs, final, data(9))["aug_effect"]) == (
        "augmentation raised the test error by 2.0 points"
    )


@pytest.mark.filterwarnings("ignore:Glyph")
def test_figures_are_labelled():
    fig = schedules_figure(paper_recipe(), fast_recipe(), 50_000)
    (ax,) = fig.axes
    assert ax.get_xlabel() == (
        "epoch = iterations x batch / 50,000 training images"
    )
    assert ax.get_legend().get_texts()[0].get_text() == (
        "paper: 64,000 iterations, batch 128"
    )
    runs, _ = runs_and_final((0, 0), (0, 0))
    recipe = paper_recipe(iterations=400, milestones=(200, 300))
    (ax,) = curves_figure(runs, recipe, data(2500)).axes
    assert ax.get_title() == "ResNet-20, 2,500 images at 16x16, CIFAR-10"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "with augmentation: training",
        "with augmentation: test",
        "without augmentation: training",
        "without augmentation: test",
    ]
    with speaking("zh_CN"):
        (ax,) = curves_figure(runs, recipe, data(5, stand_in=True)).axes
        assert CJK.search(ax.get_title()) and CJK.search(ax.get_xlabel())
        assert CJK.search(ax.get_legend().get_texts()[0].get_text())


def test_table6_with_and_without_your_runs():
    params = {depth: 270_000 for depth in CIFAR10}
    yours = {
        "resnet56": {"test_error": 0.0697, "history": {"warmup_end": None}},
        "resnet110": {"test_error": 0.0643, "history": {"warmup_end": 412}},
    }
    table = table6(params, yours)
    assert table.count("<tr>") == 1 + len(CIFAR10)
    assert (
        "<td>ResNet-56</td><td>0.85</td><td>0.27</td><td>6.97</td>"
        "<td>6.97</td><td>none</td>" in table
    )
    assert "<td>6.43</td><td>412</td>" in table
    assert (
        "<td>ResNet-20</td><td>0.27</td><td>0.27</td><td>8.75</td>"
        "<td>____</td><td>____</td>" in table
    )


def test_t4_table_and_values():
    macs = {20: 40_800_000, 110: 253_000_000}
    estimate = {20: (3.0, 10.0), 110: (19.0, 62.5)}
    table = t4_table(macs, estimate, 163.84)
    assert "<th>min for 164 epochs</th>" in table
    assert "<td>ResNet-20</td><td>40.8</td><td>3-10</td><td>8-27</td>" in (
        table
    )
    assert t4_values(estimate) == {"t4_r20": "3-10", "t4_r110": "19-62"}
    with speaking("zh_CN"):
        assert CJK.search(t4_table(macs, estimate, 163.84))
