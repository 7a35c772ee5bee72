"""The architecture builder and the residual-learning experiment."""

import ast
import re
from pathlib import Path

import jupytext
import pytest
import torch
import torchinfo
import torchvision

from resnet_lib import ResNet, cifar_resnet, resnet50
from resnet_lib.book.architecture_builder import (
    KNOBS,
    NAMED,
    SUMMARY_STYLE,
    _all_named,
    _report,
    describe,
    describe_named,
    nearest_named,
    network_settings,
    stage_shapes,
)
from resnet_lib.book.explorer import Explorer
from resnet_lib.nn.models import ResNetConfig
from resnet_lib.experiments.identity_learning import identity_learning
from resnet_lib.reference import TABLE1, torchvision_gflops, torchvision_params

ROOT = Path(__file__).resolve().parents[1]
TORCHVISION_PARAMS = {depth: torchvision_params(depth) for depth in TABLE1}


TORCHVISION_GFLOPS = {
    depth: torchvision_gflops(depth) for depth in TABLE1
}  # weights metadata


@pytest.mark.parametrize("depth", [18, 152])
def test_named_reports_match_torchvision(depth):
    r = describe_named(f"ResNet-{depth}")
    assert (
        r.params == TORCHVISION_PARAMS[depth]
        and round(r.macs / 1e9, 3) == TORCHVISION_GFLOPS[depth]
    )
    assert (
        r.layers.total == depth
        and r.name == f"ResNet-{depth}"
        and r.nearest == r.name
        and not r.differences
    )
    assert f"{r.params:,}" in r.summary  # torchinfo's own text is shown
    assert "<table" in r._repr_html_()


def test_builder_totals_are_torchinfos_totals_of_torchvision():
    r = describe_named("ResNet-18")
    reference = torchinfo.summary(
        torchvision.models.resnet18(weights=None),
        input_size=(1, 3, 224, 224),
        verbose=0,
    )
    assert (r.params, r.torchinfo_macs) == (
        reference.total_params,
        reference.total_mult_adds,
    )


def test_cifar_named_network_is_recognised():
    r = describe("basic", (9, 9, 9), 16, "cifar", "A", 32)
    assert (
        r.name == "CIFAR ResNet-56"
        and r.layers.total == 56
        and round(r.params / 1e6, 2) == 0.85
    )


def test_custom_network_and_its_nearest_named_one():
    r = describe("bottleneck", "3 4 10 3")
    assert r.name == "custom ResNet" and r.nearest == "ResNet-50"
    assert r.differences == ("layers (3, 4, 10, 3) (it has (3, 4, 6, 3))",)
    assert r.layers.total == 1 + 3 * 20 + 1
    name, diffs = nearest_named(
        ResNetConfig("basic", (3, 4, 6, 3), shortcut="A")
    )
    assert name == "ResNet-34" and diffs == ("shortcut 'A' (it has 'B')",)


def test_reports_are_cached():
    assert describe_named("ResNet-34") is describe_named("ResNet-34")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            {"layers": "3 0 3"},
            r"positive whole number of blocks; got \[3, 0, 3\]",
        ),
        ({"layers": "3 x"}, "whole numbers like '3 4 6 3'; got '3 x'"),
        ({"block": "wide"}, "unknown block 'wide'"),
        ({"input_size": 4}, "from 8 to 1024; got 4"),
        ({"base_width": 0}, "base_width must be a positive integer; got 0"),
        (
            {"base_width": 2.5},
            "base_width must be a positive integer; got 2.5",
        ),
        ({"layers": ""}, "at least one stage"),
        ({"layers": 5}, r"list of whole numbers like \[3, 4, 6, 3\]; got 5"),
        (
            {"layers": [3, 2.5]},
            r"positive whole number of blocks; got \[3, 2.5\]",
        ),
        ({"shortcut": "D"}, "unknown shortcut option 'D'"),
        ({"stem": "vgg"}, "unknown stem 'vgg'; allowed: 'imagenet', 'cifar'"),
        ({"plain": True, "preact": True}, "cannot be combined"),
        ({"num_classes": 0}, "num_classes must be a positive integer; got 0"),
        ({"input_size": True}, "from 8 to 1024; got True"),
        ({"input_size": 224.0}, "from 8 to 1024; got 224.0"),
        ({"input_size": 2048}, "from 8 to 1024; got 2048"),
        ({"layers": "1 1 1 1 1 1 1"}, "at most 6 stages .*; got 7"),
        (
            {"layers": "200 200 201", "stem": "cifar", "base_width": 16},
            "at most 600 blocks .*; got 601",
        ),
        (
            {"block": "bottleneck", "layers": "3 8 36 3", "base_width": 256},
            "937 M parameters; the builder stops at 250 M",
        ),
        (
            {"block": "bottleneck", "layers": "3 8 36 3", "input_size": 1024},
            "241 G multiply-adds .* stops at 100 G",
        ),
    ],
)
def test_impossible_descriptions(kwargs, match):
    misses = _report.cache_info().misses
    with pytest.raises(ValueError, match=match):
        describe(**kwargs)
    assert (
        _report.cache_info().misses == misses
    )  # refused before anything was built
    with pytest.raises(
        ValueError, match="unknown network 'ResNet-20'; named ones"
    ):
        describe_named("ResNet-20")


def test_every_named_config_builds_to_its_name():
    for name, cfg in NAMED.items():
        depth = int(name.split("-")[1])
        per_block = 3 if cfg.block == "bottleneck" else 2
        assert 2 + per_block * sum(cfg.layers) == depth


def test_residual_stack_learns_the_near_identity_faster_than_plain():
    threads = torch.get_num_threads()
    res = identity_learning(depth=4, channels=8, steps=150, plain=False)
    assert (
        torch.get_num_threads() == threads
    )  # the single-threaded run restores the setting
    plain = identity_learning(depth=4, channels=8, steps=150, plain=True)
    tail = lambda r: sum(r.losses[-10:]) / 10
    assert tail(res) < 0.3 * tail(plain)
    assert (
        res.steps_to(tail(plain)) is not None
        and plain.steps_to(tail(res)) is None
    )
    with pytest.raises(ValueError, match="depth and steps must be >= 1"):
        identity_learning(depth=0)


def test_builder_ui_shows_a_message_not_a_traceback():
    explorer = Explorer(
        lambda layers: describe("basic", layers, 16, "cifar", "A", 32),
        {"layers": ["1 1 1", "3 0 3"]},
        mode="static",
    )
    assert "CIFAR" in explorer.frame(
        layers="1 1 1"
    ) or "custom ResNet" in explorer.frame(layers="1 1 1")
    bad = explorer.frame(layers="3 0 3")
    assert (
        "Not possible" in bad
        and "positive whole number of blocks" in bad
        and "Traceback" not in bad
    )


def test_largest_allowed_networks_pass_the_size_check():
    from resnet_lib.book.architecture_builder import check_size

    check_size(
        ResNetConfig(
            "basic", (200, 200, 200), 16, "cifar", "A", num_classes=10
        ),
        32,
    )  # ResNet-1202
    check_size(NAMED["ResNet-152"], 512)


def test_stage_shapes_match_torchvision_and_table_1():
    ours = stage_shapes(resnet50())
    assert stage_shapes(resnet50(), 64) == stage_shapes(
        torchvision.models.resnet50(weights=None), 64
    )
    # Table 1: conv2_x .. conv5_x output 56, 28, 14, 7; ResNet-50 channels 256 ... 2048
    assert ours == [
        ("stem", (64, 56, 56)),
        ("layer1", (256, 56, 56)),
        ("layer2", (512, 28, 28)),
        ("layer3", (1024, 14, 14)),
        ("layer4", (2048, 7, 7)),
    ]
    # section 4.2: CIFAR maps 32, 16, 8 with 16, 32, 64 filters
    assert stage_shapes(cifar_resnet(20), 32)[1:] == [
        ("layer1", (16, 32, 32)),
        ("layer2", (32, 16, 16)),
        ("layer3", (64, 8, 8)),
    ]


# torchvision 0.29 weights metadata (REFERENCE.md)
LATER = {
    "ResNeXt-50 32x4d": (25_028_904, "4.23"),
    "Wide ResNet-50-2": (68_883_240, "11.398"),
}


@pytest.mark.parametrize("name", sorted(LATER))
def test_builder_knows_groups_and_width(name):
    params, gflops = LATER[name]
    r = describe_named(name)
    assert (
        r.params == params
        and f"{r.macs / 1e9:.{len(gflops.split('.')[1])}f}" == gflops
    )
    assert (
        r.name == name
        and r.nearest == name
        and not r.differences
        and r.layers.total == 50
    )
    custom = describe("bottleneck", (3, 4, 6, 3), groups=32, width_per_group=8)
    assert (
        custom.name == "custom ResNet" and custom.nearest == "ResNeXt-50 32x4d"
    )
    assert custom.differences == ("width_per_group 8 (it has 4)",)


def test_builder_refuses_grouped_basic_blocks_before_building():
    misses = _report.cache_info().misses
    with pytest.raises(
        ValueError,
        match="groups=1 and width_per_group=64.*got groups=32, width_per_group=4",
    ):
        describe("basic", (2, 2, 2, 2), groups=32, width_per_group=4)
    assert _report.cache_info().misses == misses


def test_builder_knows_the_preact_cifar_nets():
    r = describe_named("CIFAR ResNet-164 (pre-activation)")
    assert (
        r.layers.total == 164
        and round(r.params / 1e6, 1) == 1.7
        and r.input_size == 32
    )


def test_the_builder_draws_the_network_it_describes():
    report = describe("bottleneck", "3 4 9 1", input_size=64)
    model = ResNet.from_config(report.config)
    blocks = [b for name in model.stage_names for b in getattr(model, name)]
    svg = report.diagram.svg
    assert svg.count('class="rd-block') == len(blocks) == 17
    projections = sum(
        any(isinstance(m, torch.nn.Conv2d) for m in b.downsample.modules())
        for b in blocks
    )
    assert svg.count('data-projection="true"') == projections == 4
    assert svg in report._repr_html_()  # shown by the builder, above its table


# ------------------------------------------------------------ the chapter's builder


def chapter_builder():
    """The chapter's builder, made by the chapter's own cells (its imports, its ``build``
    and its ``Explorer``), and its menu of networks."""
    chapter = jupytext.read(ROOT / "book" / "architecture-builder.md")
    code = [c.source for c in chapter.cells if c.cell_type == "code"]
    imports = next(c for c in code if "import Explorer" in c)
    cell = ast.parse(
        next(c for c in code if "Explorer(" in c and "def build" in c)
    )
    last = cell.body[-1]
    assert isinstance(last, ast.Expr)  # the cell shows the Explorer it makes
    cell.body[-1] = ast.Assign([ast.Name("explorer", ast.Store())], last.value)
    scope: dict = {}
    exec(imports, scope)
    exec(
        compile(
            ast.fix_missing_locations(cell), "architecture-builder.md", "exec"
        ),
        scope,
    )
    return scope["explorer"], scope["networks"]


def test_every_named_network_is_built_from_its_knobs():
    for name, config in _all_named().items():
        s = network_settings(name)
        assert set(s) == set(KNOBS)
        # what describe makes of the knobs (the size is checked by the builder's tests)
        built = ResNetConfig(
            s["block"],
            tuple(int(n) for n in s["layers"].split()),
            s["base_width"],
            s["stem"],
            s["shortcut"],
            num_classes=10 if s["stem"] == "cifar" else 1000,
            groups=s["groups"],
            width_per_group=s["width_per_group"],
            ordering=s["ordering"],
            stride_on=s["stride_on"],
        )
        assert built == config, name
    assert network_settings("custom") == {}
    with pytest.raises(ValueError, match="unknown network 'ResNet-19'"):
        network_settings("ResNet-19")


def test_choosing_a_named_network_sets_the_knobs_to_it_live():
    """Issue 26: choosing ResNet-18 left the knobs at block bottleneck, layers 3 4 6 3."""
    explorer, networks = chapter_builder()
    w = explorer.widget()
    knobs = {n: c for n, c in w.controls.items() if n != "network"}
    assert set(knobs) == set(KNOBS)
    for name in networks:
        w.controls["network"].value = name
        report = describe_named(name)
        assert w.output.value == report._repr_html_(), name
        # each knob shows the network's value (and offers it)...
        c = report.config
        assert (
            knobs["block"].value,
            tuple(int(n) for n in knobs["layers"].value.split()),
            knobs["base_width"].value,
            knobs["groups"].value,
            knobs["width_per_group"].value,
            knobs["ordering"].value,
            knobs["stride_on"].value,
            knobs["stem"].value,
            knobs["shortcut"].value,
            knobs["input_size"].value,
        ) == (
            c.block,
            c.layers,
            c.base_width,
            c.groups,
            c.width_per_group,
            c.ordering,
            c.stride_on,
            c.stem,
            c.shortcut,
            report.input_size,
        ), name
        assert all(
            k.value in [v for _, v in k.options] for k in knobs.values()
        )
        # ...so "custom", which builds what the knobs describe, builds the same network
        w.controls["network"].value = "custom"
        assert w.output.value == report._repr_html_(), name
    # turning a knob makes the network "custom": ResNet-50 with basic blocks is ResNet-34
    w.controls["network"].value = "ResNet-50"
    knobs["block"].value = "basic"
    assert w.controls["network"].value == "custom"
    assert w.output.value == describe_named("ResNet-34")._repr_html_()


def test_the_static_builder_shows_the_knobs_of_each_network_it_shows():
    explorer, _networks = chapter_builder()
    explorer.mode = "static"
    explorer.static_options = [
        "ResNet-18",
        "ResNet-50",
        "ResNeXt-50 32x4d",
        "CIFAR ResNet-164 (pre-activation)",
        "custom",
    ]
    page = explorer.to_html()
    notes = re.findall(
        r'<div class="explorer-note" data-index="(\d)" style="display:(\w+)">.*?with (.*?); run',
        page,
    )
    assert [n[:2] for n in notes] == [
        (str(i), "block" if i == 1 else "none") for i in range(5)
    ]  # ResNet-50 first, as the chapter's default
    for index, display, settings in notes:
        knobs = dict(s.split(" = ") for s in settings.split(", "))
        assert set(knobs) == set(KNOBS)
        typed = {k: int(v) if v.isdigit() else v for k, v in knobs.items()}
        # the frame shown with the note is the network its knobs describe
        built = describe(**typed)._repr_html_()
        frame = f'<div class="explorer-frame" data-index="{index}" style="display:{display}">'
        assert frame + built + "</div>" in page, settings


def test_the_reports_folds_look_clickable_in_the_classic_notebook(chromium):
    """Issue 26: the classic Notebook's (Colab's) ``summary {display: block}`` hid the
    folds' triangles; an inline style brings them back, with a pointer."""
    report_html = describe(
        "basic", "1 1 1", 16, "cifar", "A", 32
    )._repr_html_()
    summaries = re.findall(r"<summary([^>]*)>", report_html)
    assert len(summaries) == 2 and all(
        s == SUMMARY_STYLE for s in summaries
    ), summaries
    page = chromium.new_page()
    measure = """ss => ss.map(s => {
        const r = document.createRange(); r.selectNodeContents(s);
        const st = getComputedStyle(s);
        return [st.display, st.cursor,
                r.getBoundingClientRect().left - s.getBoundingClientRect().left]; })"""
    notebook_css = "<style>summary{display:block}</style>"
    for html, marked in [
        (report_html, True),
        (report_html.replace(SUMMARY_STYLE, ""), False),  # as it was
    ]:
        page.set_content(
            f"<html><head>{notebook_css}</head><body>{html}</body></html>"
        )
        seen = page.locator("summary").evaluate_all(measure)
        # the triangle stands before the words: they start a marker's width in
        assert all(
            (d == "list-item" and c == "pointer" and x > 5) == marked
            for d, c, x in seen
        ), seen
    page.close()
