"""Each unit ordering of He et al. 2016b is a class (resnet_lib 0.3), and what 0.2 built
and saved still works: its spelling ``BasicBlock(..., ordering=o)`` (deprecated, naming
the new class) and its state_dicts (``tests/data/blocks-0.2.pt``, written by 0.2.0 with
``tests/data/make_blocks_0_2.py``: weights, BatchNorm statistics, an input and the
block's output in eval mode, for every ordering, both kinds, stride 1 and 2)."""

import ast
import inspect
import textwrap
import warnings
from pathlib import Path

import pytest
import torch
from torch import nn

from resnet_lib.nn import blocks
from resnet_lib.nn.blocks import (
    ORDERED_BLOCKS,
    ORDERINGS,
    BasicBlock,
    Bottleneck,
    PreActBlock,
    resolve_block,
)

SAVED = torch.load(
    Path(__file__).parent / "data" / "blocks-0.2.pt", weights_only=True
)
CLASSES = {"basic": BasicBlock, "bottleneck": Bottleneck}


def test_the_fixture_covers_every_ordering_of_both_kinds():
    assert {(v["args"][2], v["ordering"]) for v in SAVED.values()} == {
        (s, o) for s in (1, 2) for o in ORDERINGS
    }
    assert len(SAVED) == 20


@pytest.mark.parametrize("name", sorted(SAVED))
def test_state_dicts_saved_by_0_2_load_and_compute_the_same(name):
    saved = SAVED[name]
    kind = name.split("-")[0]
    cls = ORDERED_BLOCKS[(kind, saved["ordering"])]
    block = cls(*saved["args"]).eval()
    result = block.load_state_dict(saved["state_dict"], strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    with torch.no_grad():
        torch.testing.assert_close(block(saved["x"]), saved["y"])
    if (
        saved["ordering"] == "bn_after_add"
    ):  # 0.2's slot: bn_out.*, here bn2/bn3
        assert any(".bn_out." in f".{k}" for k in saved["state_dict"])


@pytest.mark.parametrize("name", sorted(SAVED))
def test_the_0_2_spelling_warns_names_the_class_and_builds_it(name):
    saved = SAVED[name]
    kind, ordering = name.split("-")[0], saved["ordering"]
    target = ORDERED_BLOCKS[(kind, ordering)]
    with pytest.warns(DeprecationWarning) as caught:
        block = CLASSES[kind](*saved["args"], ordering=ordering)
    message = str(caught[0].message)
    assert f"build {target.__name__}(...)" in message and "0.4" in message
    assert type(block) is target
    block.load_state_dict(saved["state_dict"])  # 0.2's keys, as 0.2 saved them
    with torch.no_grad():
        torch.testing.assert_close(block.eval()(saved["x"]), saved["y"])


def test_a_class_asked_for_another_ordering_names_the_classes():
    with pytest.raises(ValueError) as err:
        PreActBlock(16, 16, ordering="original")
    assert "PreActBlock is the unit of ordering 'full_preact'" in str(
        err.value
    )
    assert "'bn_after_add' BNAfterAddBlock" in str(err.value)
    with pytest.raises(ValueError, match="unknown ordering 'v2'"):
        BasicBlock(16, 16, ordering="v2")


def test_no_class_swaps_itself_in_new_or_keeps_ordering_slots():
    for cls in blocks.FAMILY:
        assert "__new__" not in vars(cls)
        block = cls(16, 16) if cls.expansion == 1 else cls(64, 16)
        names = {n for n, _ in block.named_children()}
        assert not names & {"preact", "act_f", "bn_out", "act_out"}, cls


@pytest.mark.parametrize("key", sorted(ORDERED_BLOCKS), ids=str)
def test_each_ordering_is_a_class_whose_forward_is_at_most_12_lines(key):
    cls = ORDERED_BLOCKS[key]
    assert resolve_block(key[0], ordering=key[1]) is cls
    assert resolve_block(CLASSES[key[0]], ordering=key[1]) is cls
    assert cls.ordering == key[1]
    source = textwrap.dedent(inspect.getsource(cls.forward))
    body = ast.parse(source).body[0].body
    lines = body[-1].end_lineno - body[0].lineno + 1
    assert lines <= 12, f"{cls.__name__}.forward: {lines} lines"


def test_relu_never_works_in_place_on_the_units_input():
    # (d) and (e) apply the activation to x, which the identity path still needs
    x = torch.randn(2, 8, 4, 4)
    for key, cls in ORDERED_BLOCKS.items():
        cin = 8 if key[0] == "basic" else 8
        block = cls(cin, 8 if key[0] == "basic" else 2)
        copy = x.clone()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            block(copy)
        torch.testing.assert_close(copy, x)
        assert isinstance(block.relu, nn.Module)


@pytest.mark.parametrize(
    "build, match",
    [
        (
            lambda: BasicBlock(16, 16, stride_on="1x1"),
            "unknown option.*'stride_on' for a basic block; allowed: groups, "
            "width_per_group, dilation, norm_layer, act_layer",
        ),
        (
            lambda: PreActBlock(16, 16, widht_per_group=32),
            "unknown option.*'widht_per_group'",
        ),
    ],
)
def test_an_unknown_option_names_itself_and_what_is_allowed(build, match):
    with pytest.raises(ValueError, match=match):
        build()
