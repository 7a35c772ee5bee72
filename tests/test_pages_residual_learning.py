"""residual-learning's page: the identity at initialisation, the two stacks
learning a near-identity, and the shortcut options."""

import re

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from resnet_lib.book.pages.residual_learning import (  # noqa: E402
    gap_lines,
    gap_values,
    identity_figure,
    identity_lines,
    identity_values,
    option_title,
    options_table,
    options_values,
    shortcut_modules_table,
)
from resnet_lib.experiments.identity_learning import IdentityRun  # noqa: E402
from resnet_lib.i18n import gettext, speaking  # noqa: E402

CJK = re.compile(r"[\u4e00-\u9fff]")


def run(losses):
    return IdentityRun(**{**FIELDS, "losses": tuple(losses)})


FIELDS = {f: None for f in IdentityRun.__dataclass_fields__ if f != "losses"}
RUNS = {"residual": run([0.5, 0.01, 0.002]), "plain": run([2.0, 1.0, 0.4])}
FINAL = {"residual": 0.002, "plain": 0.4}


def test_gap_lines_and_values():
    assert gap_lines(0.0, 1.23456, 0.5).splitlines() == [
        "residual block: max |block(x) - x| = 0.0",
        "plain block:    max |block(x) - x| = 1.235",
        "(mean |x| = 0.500)",
    ]
    assert gap_values(0.0, 1.23456) == {"res_gap": "0", "plain_gap": "1.23"}
    with speaking("zh_CN"):
        lines = gap_lines(0.0, 1.0, 0.5).splitlines()
        assert len(lines) == 3 and CJK.search(lines[0]) and "1.000" in lines[1]


@pytest.mark.filterwarnings("ignore:Glyph")
def test_identity_figure_has_a_line_per_stack():
    ax = identity_figure(RUNS).axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "residual stack (8 blocks)",
        "plain stack (8 blocks)",
    ]
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "training step"
    with speaking("zh_CN"):
        ax = identity_figure(RUNS).axes[0]
        title = gettext("Learning x -> x + 0.1 g(x)", "zh_CN")
        assert ax.get_title() == title and CJK.search(title)
        assert CJK.search(ax.get_xlabel()) and CJK.search(ax.get_ylabel())
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert all(CJK.search(t) and "8" in t for t in legend)


def test_identity_lines_and_values():
    assert identity_lines(RUNS, FINAL).splitlines() == [
        "residual: first loss 0.500, mean of the last 20 steps 0.0020",
        "plain   : first loss 2.000, mean of the last 20 steps 0.4000",
    ]
    assert identity_values(FINAL) == {
        "id_res_final": "0.002",
        "id_plain_final": "0.400",
        "id_ratio": "200",
    }
    with speaking("zh_CN"):
        lines = identity_lines(RUNS, FINAL).splitlines()
        assert all(CJK.search(line) for line in lines)
        assert "0.4000" in lines[1]


def test_shortcut_tables():
    table = shortcut_modules_table(
        {
            "B": {
                "module": "Sequential",
                "output": "(2, 32, 16, 16)",
                "opening": 576,
                "inner": 0,
            }
        }
    )
    assert "<td>B</td><td>Sequential</td><td>(2, 32, 16, 16)</td>" in table
    assert option_title("C") == "option C"
    params = {"A": 21_797_672, "B": 21_814_696, "C": 22_000_000}
    top1 = {"A": 25.03, "B": 24.52, "C": 24.19}  # He et al. 2016, Table 3
    table = options_table(params, top1)
    assert "<td>B</td><td>21,814,696</td><td>17,024</td><td>24.52</td>" in (
        table
    )
    assert options_values(params, top1) == {
        "c_extra": "0.2",
        "b_extra": "0.02",
        "ac_gap": "0.84",
        "ab_gap": "0.51",
    }
    with speaking("zh_CN"):
        assert CJK.search(option_title("A"))
        assert CJK.search(options_table(params, top1))
