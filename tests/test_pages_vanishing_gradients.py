"""The vanishing-gradients chapter's page: tables, figures and sentences, from tiny
results built by hand."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from resnet_lib.book.pages.vanishing_gradients import (  # noqa: E402
    SHATTERING_NAMES,
    activation_table,
    batchnorm_table,
    classifier_table,
    classifier_values,
    explorer_title,
    product_figure,
    seed_table,
    shattering_figure,
    sigmoid_peak,
    sigmoid_table,
    tanh_values,
)
from resnet_lib.experiments.vanishing_gradients import Shattering  # noqa: E402
from resnet_lib.i18n import speaking  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Glyph")


def words(fig):
    from matplotlib.text import Text as Artist

    out = {t.get_text() for t in fig.findobj(Artist) if t.get_text()}
    plt.close(fig)
    return out


def test_product_figure_labels_each_gain_and_one_power_line():
    fig = product_figure({0.5: [1.0, 0.5, 0.25], 2.0: [1.0, 2.0, 4.0]})
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["gain 0.5", "gain 2.0", "$g^L$"]
    # the power lines are gain ** layer, one point per entry of the run
    assert list(ax.lines[3].get_ydata()) == [1.0, 2.0, 4.0]
    assert ax.get_yscale() == "log"
    assert "number of layers" in words(fig)


def test_product_figure_in_chinese():
    with speaking("zh_CN"):
        fig = product_figure({1.5: [1.0, 1.5]})
        assert "增益 1.5" in words(fig)


def test_seed_table_scales_the_factor_by_gain_to_the_depth():
    html = seed_table(2, 3.0, (0.5, 1.0, 2.0), gains=(2.0,))
    # g^L = 4; seed 0: 4 * 3 = 12; median 4; 5th to 95th: 2 to 8
    assert "<td>2.0</td><td>4</td><td>12</td><td>4</td><td>2 to 8</td>" in html
    assert "<th>g^2</th>" in html and "<th>gain g</th>" in html
    with speaking("zh_CN"):
        zh = seed_table(2, 3.0, (0.5, 1.0, 2.0), gains=(2.0,))
    assert "<td>12</td>" in zh and "gain g" not in zh


@pytest.mark.parametrize(
    "where, shown", [(-0.00001, "0.0000"), (0.25, "0.2500")]
)
def test_sigmoid_peak_rounds_and_never_shows_minus_zero(where, shown):
    line = str(sigmoid_peak(0.25, where))
    assert line == f"max sigmoid'(x) = 0.250000 at x = {shown}"
    with speaking("zh_CN"):
        assert str(sigmoid_peak(0.25, where)) == (
            f"max sigmoid'(x) = 0.250000，在 x = {shown} 处"
        )


def test_ratio_tables_have_a_row_per_depth():
    html = sigmoid_table({8: 1e-3, 20: 2.5e-7})
    assert html.count("<tr>") == 3  # header and two depths
    assert "<td>8</td><td>1.0e-03</td>" in html
    assert "<td>20</td><td>2.5e-07</td>" in html
    html = batchnorm_table({8: 1.5, 110: 1234.5}, {8: 0.5, 110: 0.75})
    assert "<td>110</td><td>1.23e+03</td><td>0.75</td>" in html
    assert [h in html for h in ("<th>plain</th>", "<th>residual</th>")] == [
        True,
        True,
    ]
    with speaking("zh_CN"):
        assert "<th>深度</th>" in sigmoid_table({8: 1e-3})
        assert (
            explorer_title()
            != "Gradient norm of every layer at initialisation"
        )


MEASURED = {
    "plain-56": (1.234, 50.0, 2.0, 0.5),
    "plain-110": (1.0, 900.0, 3.0, 0.5),
    "residual-20": (4.0, 3.0, 1.5, 8.0),
    "residual-56": (7.0, 6.0, 1.25, 9.875),
    "residual-110": (11.0, 12.0, 1.2, 10.0),
}


def test_classifier_table_and_values_read_the_measurements():
    html = classifier_table(MEASURED)
    assert html.count("<tr>") == 1 + len(MEASURED)
    assert "<td>plain-56</td><td>1.23</td><td>50</td><td>2.00</td>" in html
    values = classifier_values(MEASURED)
    assert values == {
        "rms_plain56": "1.23",
        "rms_res20": "4.00",
        "rms_res110": "11.00",
        "conv_res56": "1.25",
        "fc_res56": "9.88",
        "conv_ratio_res20": "2",
        "conv_ratio_res110": "10",
        "conv_ratio_plain110": "300",
    }


def test_shattering_figure_names_each_network_with_its_correlation():
    line = Shattering((-1.0, 0.0, 1.0), (0.5, 0.5, -0.5), 0.25)
    shattered = dict.fromkeys(SHATTERING_NAMES, line)
    fig = shattering_figure(shattered)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [
        "plain, 1 hidden layer\nneighbour correlation 0.25",
        "plain, 24 hidden layers\nneighbour correlation 0.25",
        "residual, 24 hidden layers\nneighbour correlation 0.25",
    ]
    assert fig.axes[0].get_ylabel() == "dy/dx"
    plt.close(fig)
    with speaking("zh_CN"):
        fig = shattering_figure(shattered)
        assert fig.axes[1].get_title() == "普通，24 个隐藏层\n相邻相关性 0.25"
        plt.close(fig)


def test_tanh_holds_the_residual_stream_where_relu_lets_it_grow():
    """Issue 26: the page's explanation of why tanh's residual net explodes like the plain
    one, measured: ReLU's stream grows block by block, tanh's stays below 1, and the
    branch adds the same in both."""
    from resnet_lib.experiments.vanishing_gradients import (
        GradientNetConfig,
        depth_sweep,
        stream_sizes,
    )

    relu = stream_sizes(GradientNetConfig(56, True, activation="relu"))
    tanh = stream_sizes(GradientNetConfig(56, True, activation="tanh"))
    assert len(relu) == len(tanh) == 27  # (56 - 2) / 2 blocks
    assert relu[-1].stream > 3 * relu[0].stream
    assert all(b.stream < 1 for b in tanh)
    assert all(
        abs(b.added - 1) < 0.01 for b in relu + tanh
    )  # BatchNorm's unit size
    plain = depth_sweep([32], residual=False, activation="tanh")[32]
    residual = depth_sweep([32], residual=True, activation="tanh")[32]
    assert 0.5 < residual / plain < 2  # the curves nearly coincide
    values = tanh_values(
        {32: plain, 110: 1.0},
        {32: residual, 110: 1.0},
        {"relu": relu, "tanh": tanh},
    )
    assert values["tanh_plain32"] == f"{plain:.3g}"
    assert (
        float(values["stream_tanh_last"])
        < 1
        < float(values["stream_relu_last"])
    )
    html = activation_table({32: 0.3}, {32: plain}, {32: residual})
    assert "tanh" in html and f"{residual:.3g}" in html
    with pytest.raises(ValueError, match="residual=False"):
        stream_sizes(GradientNetConfig(20, False))
