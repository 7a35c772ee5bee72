"""find-the-bug's page: the bank's table and the comparison lines."""

import re

from resnet_lib.book.pages.find_the_bug import (
    bank_table,
    comparison_lines,
    stage_sizes_table,
)
from resnet_lib.exercises.bugbank import BUGS
from resnet_lib.i18n import speaking

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_bank_table_has_a_row_per_bug():
    table = bank_table(BUGS.values())
    assert table.count("<tr>") == 1 + len(BUGS)
    for bug in BUGS.values():
        assert f"<td>{bug.difficulty}</td>" in table
    with speaking("zh_CN"):
        assert CJK.search(bank_table(BUGS.values()))


def test_stage_sizes_follow_the_bank_order():
    bank = {"layer1": "16 x 32 x 32", "layer2": "32 x 16 x 16"}
    library = {"layer2": "32 x 16 x 16", "layer1": "16 x 32 x 32"}
    table = stage_sizes_table(bank, library)
    assert table.index("<td>layer1</td>") < table.index("<td>layer2</td>")
    assert "<td>layer2</td><td>32 x 16 x 16</td><td>32 x 16 x 16</td>" in table


def test_comparison_lines():
    text = comparison_lines(
        shapes=((2, 512, 8, 8), (2, 512, 8, 8)),
        params=(1_512_384, 1_512_384),
        largest=0.8176,
    )
    assert text.splitlines() == [
        "output shapes: (2, 512, 8, 8) and (2, 512, 8, 8)",
        "parameters:    1,512,384 and 1,512,384",
        "largest difference between the outputs: 0.818",
    ]
    with speaking("zh_CN"):
        text = comparison_lines(((1,), (1,)), (10, 1_000), 0.5)
        lines = text.splitlines()
        assert len(lines) == 3 and all(CJK.search(line) for line in lines)
        assert "1,000" in lines[1] and "0.500" in lines[2]
