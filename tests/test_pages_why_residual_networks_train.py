"""The why-residual-networks-train chapter's page: tables, figures and the sentences it
chooses, from tiny results built by hand."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from resnet_lib.book.pages.why_residual_networks_train import (  # noqa: E402
    landscape_figure,
    landscape_values,
    lesion_figure,
    lesion_values,
    multi_lesion_figure,
    networks_table,
    path_figure,
    path_gradient_figure,
    path_values,
    plain56_values,
    search_command,
    search_table,
    search_values,
)
from resnet_lib.experiments.degradation import (  # noqa: E402
    DegradationResult,
    RecordedConditions,
    SearchRun,
)
from resnet_lib.experiments.why_residual import (  # noqa: E402
    Lesion,
    edge_rise,
    path_counts,
    uphill_share,
)
from resnet_lib.i18n import speaking  # noqa: E402
from resnet_lib.training.history import History  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Glyph")


def result(plain56_train_error):
    """Two networks' histories; plain-56 ends at ``plain56_train_error``."""
    r = DegradationResult()
    for name, err, cached in (
        ("plain-56", plain56_train_error, True),
        ("ResNet-56", 0.25, False),
    ):
        r.histories[name] = History(
            train_error=[err] * 3, test_error=[err + 0.05], seconds=40.0
        )
        r.models[name] = None
        r.from_cache[name] = cached
    return r


def test_networks_table_says_loaded_or_trained_now():
    html = networks_table(result(0.5))
    assert (
        "<td>plain-56</td><td>loaded</td><td>50.0%</td><td>55.0%</td>" in html
    )
    assert "<td>ResNet-56</td><td>trained now</td><td>25.0%</td>" in html
    with speaking("zh_CN"):
        zh = networks_table(result(0.5))
    assert "<td>已加载</td>" in zh and "<td>刚刚训练</td>" in zh


@pytest.mark.parametrize(
    "error, state",
    [
        (
            0.85,
            "barely learned anything: its training error is close to chance",
        ),
        (0.5, "learned, though less than plain-20"),
    ],
)
def test_plain56_values_choose_the_state(error, state):
    values = plain56_values(result(error), classes=10)
    assert values["chance"] == "90%"
    assert values["plain56_train"] == f"{error:.0%}"
    assert str(values["plain56_state"]) == state


def test_plain56_state_in_chinese():
    values = plain56_values(result(0.85), classes=10)
    with speaking("zh_CN"):
        assert str(values["plain56_state"]).startswith("几乎什么都没学到")


SEARCH = [
    SearchRun("plain-20", "", "", 300, 0.5, 0.55),
    SearchRun("plain-32", "", "", 300, 0.6, 0.65),
    SearchRun("plain-44", "", "", 300, 0.8, 0.85),
    SearchRun("plain-56", "", "", 300, 0.9, 0.9),
    SearchRun("plain-56", "learning rate 0.05", "--lr 0.05", 300, 0.85, 0.86),
    SearchRun(
        "plain-56", "twice the iterations", "--iterations 600", 600, 0.7, 0.72
    ),
]


RECORDED = RecordedConditions(
    "cmd", "2.5.0", 1, "cpu", "data", "today", "a test machine"
)


def test_search_table_rows_and_caption():
    html = search_table(SEARCH, RECORDED)
    assert html.count("<tr>") == 1 + len(SEARCH)
    assert "<td>plain-20</td><td>nothing</td>" in html
    assert "<td>--iterations 600</td><td>600</td><td>70.0%</td>" in html
    assert "Recorded on a test machine, torch 2.5.0, seed 0" in html
    assert str(search_command()).startswith(
        "each row: python -m resnet_lib.experiments.degradation"
    )


def test_search_values_pick_the_best_runs_and_the_cost():
    history = History(seconds=30.0)
    values = search_values(SEARCH, 300, history)
    assert values["best_within_change"] == "learning rate 0.05"
    assert values["best_within"] == "85.0%"
    assert values["best_change"] == "twice the iterations"
    assert values["best_err"] == "70.0%"
    assert values["search_plain32"] == "60.0%"
    # 300 more iterations at 0.1 s each
    assert str(values["best_cost"]) == (
        "about 30 s more of plain-56 training on the machine that trained "
        "this page's networks (its run of 300 iterations took 30 s there)"
    )
    full = search_values(SEARCH, 300, history, full=True)
    assert (
        str(full["best_cost"]) == "on a GPU, where the full recipe runs anyway"
    )


def test_path_figure_and_values():
    counts = path_counts(4)  # 1, 4, 6, 4, 1
    fig = path_figure(counts)
    assert (
        fig.axes[0].get_title() == "The 16 paths through ResNet-56 (4 blocks)"
    )
    plt.close(fig)
    values = path_values(counts)
    # within 2 standard deviations (sqrt(4) / 2 = 1) of 2: lengths 0 to 4
    assert values == {
        "n_blocks": "4",
        "n_paths": "16",
        "mean_len": "2",
        "within_share": "100%",
    }
    n = 27
    share = sum(
        math.comb(n, k) for k in range(n + 1) if abs(k - 13.5) <= math.sqrt(27)
    )
    assert path_values(path_counts(n))["within_share"] == f"{share / 2**n:.0%}"


def lesions(downsample_cost):
    """ResNet-56 and plain-20 lesions: ResNet-56 intact at 0.5, its downsampling
    block costs ``downsample_cost``."""
    r56 = [
        Lesion("layer1.0", False, 0.51),
        Lesion("layer1.1", False, 0.53),
        Lesion("layer1.2", False, 0.52),
        Lesion("layer2.0", True, 0.5 + downsample_cost),
    ]
    p20 = [
        Lesion("layer1.0", False, 0.8),
        Lesion("layer1.1", False, 0.7),
        Lesion("layer2.0", True, None),
    ]
    return {"ResNet-56": (0.5, r56), "plain-20": (0.4, p20)}


@pytest.mark.parametrize(
    "cost, verdict",
    [
        (0.2, "as in Veit et al.'s ResNet-110, those cost the most"),
        (
            0.01,
            "unlike in Veit et al.'s ResNet-110, those cost no more than the "
            "costliest of the others here",
        ),
    ],
)
def test_lesion_values_choose_the_verdict(cost, verdict):
    values = lesion_values(lesions(cost))
    assert str(values["downsample_verdict"]) == verdict
    assert values["r56_intact"] == "50.0%"
    assert values["r56_median"] == "+2.0"
    assert values["r56_worst_keep"] == "+3.0"
    assert values["r56_shaped"] == f"{cost * 100:+.1f}"
    assert values["p20_intact"] == "40.0%"
    assert values["p20_median"] == "+40.0" and values["p20_best"] == "+30.0"


def test_lesion_verdict_in_chinese():
    values = lesion_values(lesions(0.2))
    with speaking("zh_CN"):
        assert "删除这些块的代价最大" in str(values["downsample_verdict"])


def test_lesion_figure_marks_the_downsampling_blocks():
    intact, found = lesions(0.2)["ResNet-56"]
    fig = lesion_figure("ResNet-56", intact, found)
    ax = fig.axes[0]
    assert list(ax.lines[1].get_xdata()) == [4]  # the fourth block downsamples
    assert ax.get_title() == "ResNet-56: test error with one block deleted"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "one block deleted" and "chance (90%)" in labels
    plt.close(fig)


def test_multi_lesion_and_path_gradient_figures():
    fig = multi_lesion_figure({0: 0.5, 4: 0.6, 8: 0.8})
    assert list(fig.axes[0].lines[0].get_xdata()) == [0, 4, 8]
    plt.close(fig)
    fig = path_gradient_figure({0: 1.0, 3: 0.1}, {0: 1.0, 3: 2.0})
    assert [ax.get_title() for ax in fig.axes] == [
        "one path",
        "all paths of that length",
    ]
    plt.close(fig)


def bowl(scale):
    """A 3x3 bowl: loss 1 at the centre, ``scale`` around it."""
    return [[scale] * 3, [scale, 1.0, scale], [scale] * 3]


def test_uphill_share_and_edge_rise():
    assert uphill_share(bowl(2.0)) == 0.0
    rough = [[1.0, 3.0, 1.0], [3.0, 2.0, 3.0], [1.0, 3.0, 1.0]]
    assert uphill_share(rough) == 0.5  # the four corners step uphill
    assert edge_rise(bowl(2.0)) == 2.0


@pytest.mark.parametrize(
    "plain, start",
    [
        (
            [[1.0, 3.0, 1.0], [3.0, 2.0, 3.0], [1.0, 3.0, 1.0]],
            "plain-56's surface",
        ),
        (bowl(50.0), "at this resolution neither surface goes uphill"),
        (bowl(3.0), "this page does not reproduce"),
    ],
)
def test_landscape_values_choose_the_verdict(plain, start):
    values = landscape_values({"ResNet-56": bowl(2.0), "plain-56": plain})
    assert str(values["landscape_verdict"]).startswith(start)
    assert values["uphill_resnet56"] == "0%" and values["rise_resnet56"] == "2"


def test_steep_verdict_quotes_both_rises():
    values = landscape_values({"ResNet-56": bowl(2.0), "plain-56": bowl(50.0)})
    assert (
        "its loss is 50 times the loss at its centre, ResNet-56's 2 times"
        in (str(values["landscape_verdict"]))
    )


def test_landscape_figure_title():
    grid = [-1.0, 0.0, 1.0]
    fig = landscape_figure("plain-56", grid, bowl(2.0))
    assert (
        fig.axes[0].get_title()
        == "plain-56: loss around the trained weights (+)"
    )
    plt.close(fig)


def test_search_changes_read_in_chinese():
    from resnet_lib.experiments.degradation import PLAIN_SEARCH

    with speaking("zh_CN"):
        html = search_table(PLAIN_SEARCH, RECORDED)
        values = search_values(PLAIN_SEARCH, 546, History(seconds=100.0))
    assert "论文的预热（在训练误差低于 80% 之前使用 lr 0.01）" in html
    assert "<td>无</td>" in html
    assert values["best_change"] == "论文的预热，训练时长为 3 倍"
