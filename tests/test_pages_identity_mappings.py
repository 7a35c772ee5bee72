"""The identity-mappings chapter's page: tables, figures and sentences, from tiny
profiles and tensors built by hand."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from resnet_lib import ORDERINGS, cifar_resnet  # noqa: E402
from resnet_lib.book.pages.identity_mappings import (  # noqa: E402
    LETTER,
    deep_stack_table,
    final_layers,
    ordering_figure,
    ordering_values,
    orderings_table,
    preact_table,
    projection_report,
    ratio_figure,
    shortcut_scale_table,
    size_table,
    size_values,
    training_table,
    unit_output,
    zero_branch_table,
)
from resnet_lib.experiments.unit_orderings import OrderingProfile  # noqa: E402
from resnet_lib.i18n import speaking  # noqa: E402
from resnet_lib.reference import PREACT, PREACT_ORDERINGS  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Glyph")


def profile(ordering, units, scale=1.0):
    """A made-up profile: variance 1, 2, ..., mean 0.5 l, gradient ratio falling."""
    n = units + 1
    return OrderingProfile(
        ordering,
        units,
        variance=tuple(scale * (1 + unit) for unit in range(n)),
        mean=tuple(0.5 * unit for unit in range(n)),
        zero_fraction=tuple(0.25 for _ in range(n)),
        grad_norm=tuple(scale * (n - unit) for unit in range(n)),
    )


PROFILES = {
    (o, n): profile(o, n, scale=i + 1)
    for i, o in enumerate(ORDERINGS)
    for n in (32, 64, 128)
}


def test_letters_follow_figure_4():
    assert LETTER == dict(zip(ORDERINGS, "abcde"))
    assert LETTER["full_preact"] == "e" and LETTER["original"] == "a"


def test_shortcut_scale_table_raises_each_scale_to_the_units():
    html = shortcut_scale_table(2, 3, scales=(0.5,))
    assert "<th>λ^2 (ResNet-110)</th><th>λ^3 (ResNet-1001)</th>" in html
    assert "<td>0.5</td><td>0.25</td><td>0.125</td>" in html


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda x: x.clone(), "x"),
        (torch.relu, "relu(x)"),
        (
            lambda x: torch.relu(
                torch.nn.functional.batch_norm(x, None, None, training=True)
            ),
            "relu(BN(x))",
        ),
        (lambda x: 2 * x + 1, "something else"),
    ],
)
def test_unit_output_names_what_the_unit_computed(make, expected):
    x = torch.randn(4, 2, 3, 3, generator=torch.Generator().manual_seed(0))
    assert unit_output(make(x), x) == expected


def test_zero_branch_table_and_orderings_table():
    x = torch.tensor([[-1.0, 2.0]])
    html = zero_branch_table(
        x, {"original": torch.relu(x), "full_preact": x.clone()}
    )
    assert "<td>(a) original</td><td>relu(x)</td><td>1.000</td>" in html
    assert "<td>(e) full_preact</td><td>x</td><td>0.000</td>" in html
    clean = {o: o == "full_preact" for o in ORDERINGS}
    html = orderings_table(clean)
    assert html.count("<tr>") == 1 + len(PREACT_ORDERINGS)
    assert "<td>yes</td>" in html and html.count("<td>no</td>") == 4
    with speaking("zh_CN"):
        zh = orderings_table(clean)
    assert "<td>是</td>" in zh and zh.count("<td>否</td>") == 4


def test_ordering_figure_labels_and_suptitle():
    fig = ordering_figure(
        {o: PROFILES[(o, 64)] for o in ORDERINGS}, highlight="original"
    )
    fwd, bwd = fig.axes
    assert [t.get_text() for t in bwd.get_legend().get_texts()] == [
        f"({LETTER[o]}) {o}" for o in ORDERINGS
    ]
    assert fig._suptitle.get_text() == "A stack of 64 units at initialisation"
    assert [line.get_alpha() for line in fwd.lines] == [1.0] + [0.2] * 4
    assert bwd.get_yscale() == "log"
    plt.close(fig)
    with speaking("zh_CN"):
        fig = ordering_figure({"original": PROFILES[("original", 32)]})
        assert fig._suptitle.get_text() == "初始化时由 32 个单元组成的堆叠"
        plt.close(fig)


def test_deep_stack_table_and_ordering_values():
    html = deep_stack_table({o: PROFILES[(o, 128)] for o in ORDERINGS})
    # (e) full_preact has scale 5: variance of x_128 = 5 * 129, ratio 5 * 129
    assert "<td>(e) full_preact</td><td>645.00</td><td>64.00</td>" in html
    assert "<td>645</td>" in html
    values = ordering_values(PROFILES)
    assert values["e_slope"] == f"{(645 - 5) / 128:.2f}"
    assert values["e_var"] == "645"
    assert values["b_var"] == f"{2 * 129:.2f}"
    assert values["c_mean0"] == "0.00" and values["c_mean"] == "64"
    assert values["a_zero1"] == values["a_zero64"] == "25"
    assert values["g32_b"] == "66" and values["g64_b"] == "130"
    assert {f"g128_{o}" for o in ORDERINGS} <= set(values)


def test_ratio_figure_has_a_line_per_ordering_over_the_units():
    fig = ratio_figure(PROFILES, (32, 64, 128))
    ax = fig.axes[0]
    assert len(ax.lines) == len(ORDERINGS)
    assert list(ax.lines[0].get_ydata()) == [33.0, 65.0, 129.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["32", "64", "128"]
    plt.close(fig)


def test_training_table_sets_ours_beside_the_papers():
    html = training_table({"original": 7.0})
    paper = PREACT_ORDERINGS["original"].resnet110
    assert f"<td>original</td><td>7.00</td><td>{paper:.2f}</td>" in html


def test_size_table_and_values():
    sizes = {164: (1_704_154, 10_000, 250_000_000)}
    html = size_table(sizes)
    assert "<td>ResNet-164</td><td>9 x 18 + 2</td>" in html
    assert "<td>1,704,154</td><td>1,694,154</td><td>1.7M</td>" in html
    assert "<td>0.25 G</td>" in html
    assert size_values(sizes) == {
        "p164": "1,704,154",
        "p164_nobn": "1,694,154",
        "p164_m": "1.7",
        "p164_nobn_m": "1.7",
        "bn164": "10,000",
    }


def test_preact_table_has_a_row_per_result():
    html = preact_table(PREACT)
    assert html.count("<tr>") == 1 + len(PREACT)


@pytest.mark.parametrize("preact, raw", [(True, False), (False, True)])
def test_projection_report_says_which_input(preact, raw):
    assert projection_report(preact, raw) == (
        f"the projection reads relu(bn1(x)): {preact}\n"
        f"the projection reads x:           {raw}"
    )
    with speaking("zh_CN"):
        zh = projection_report(preact, raw).splitlines()[1]
    assert zh == f"投影读取的是 x：           {raw}"


def test_final_layers_names_the_extra_batchnorm_and_relu():
    model = cifar_resnet(164)
    line = str(final_layers(model))
    assert (
        line
        == "BatchNorm2d -> ReLU (512 parameters), then AdaptiveAvgPool2d and Linear"
    )
    with speaking("zh_CN"):
        assert str(final_layers(model)) == (
            "BatchNorm2d -> ReLU（512 个参数），然后是 AdaptiveAvgPool2d 和 Linear"
        )
