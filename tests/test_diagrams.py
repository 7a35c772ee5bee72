"""SVG diagrams drawn from the model (resnet_lib.book.diagrams), checked against the model.

Every expectation here is read from the modules themselves (their ``nn.Conv2d``
attributes, their ``downsample``, the calls a forward pass makes, the shapes it produces)
or from the paper's definitions, never from the drawing code's own output.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import torch
import torchvision
from torch import nn

import resnet_lib
from resnet_lib import (
    BasicBlock,
    Bottleneck,
    PadShortcut,
    PlainBasicBlock,
    PlainBottleneck,
    PreActBlock,
    PreActBottleneck,
    cifar_resnet,
    resnet18,
    resnet34,
    resnet50,
    resnet101,
    resnet152,
    resnext50_32x4d,
    wide_resnet50_2,
)
from resnet_lib.book.diagrams import (
    Diagram,
    block_diagram,
    network_diagram,
    residual_idea_diagram,
    unrolled_diagram,
)

SVG = "{http://www.w3.org/2000/svg}"
OKABE_ITO = {
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
}
SIZE = 8  # the blocks' dummy input: small, the diagrams run on the meta device anyway


# ---------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """The forward passes here are tiny; on a busy 2-core machine, torch's second thread
    only adds waiting (64 ms instead of 0.5 ms a block). Restored for the other tests."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def parse(diagram: Diagram) -> ET.Element:
    return ET.fromstring(diagram.svg)


def classes(el: ET.Element) -> list[str]:
    return el.get("class", "").split()


def having(root: ET.Element, cls: str) -> list[ET.Element]:
    """Elements with class ``cls``, in document order."""
    return [e for e in root.iter() if cls in classes(e)]


def conv_attrs(m: nn.Conv2d) -> tuple[int, int, int, int, int]:
    return (
        m.kernel_size[0],
        m.in_channels,
        m.out_channels,
        m.stride[0],
        m.groups,
    )


def drawn_attrs(el: ET.Element) -> tuple[int, int, int, int, int]:
    return tuple(
        int(el.get(f"data-{k}"))
        for k in ("kernel", "in", "out", "stride", "groups")
    )


def shortcut_modules(block: nn.Module) -> list[nn.Module]:
    down = getattr(block, "downsample", None)
    return [] if down is None else list(down.modules())


def main_path_convs(block: nn.Module) -> list[nn.Conv2d]:
    """The block's Conv2d modules outside its shortcut, in the order they were defined."""
    return [
        m
        for name, m in block.named_modules()
        if isinstance(m, nn.Conv2d) and not name.startswith("downsample")
    ]


def kind(m: nn.Module) -> str | None:
    if isinstance(m, nn.Conv2d):
        return "conv"
    if isinstance(m, nn.BatchNorm2d):
        return "norm"
    if isinstance(m, (nn.ReLU, nn.Tanh, nn.Sigmoid)):
        return "act"
    return None


def forward_calls(
    block: nn.Module, size: int = SIZE
) -> list[tuple[str, nn.Module, tuple]]:
    """(kind, module, output shape) of every conv/norm/activation call outside the shortcut,
    in the order a real forward pass makes them (forward hooks, eval mode)."""
    calls, handles = [], []
    for name, m in block.named_modules():
        if kind(m) and not name.startswith("downsample"):
            handles.append(
                m.register_forward_hook(
                    lambda mod, i, o: calls.append(
                        (kind(mod), mod, tuple(o.shape))
                    )
                )
            )
    first = main_path_convs(block)[0]
    was_training = block.training
    block.eval()
    try:
        with torch.no_grad():
            block(torch.zeros(1, first.in_channels, size, size))
    finally:
        block.train(was_training)
        for h in handles:
            h.remove()
    return calls


def main_column(root: ET.Element) -> list[ET.Element]:
    """The drawn main path: elements numbered by data-step, in step order."""
    steps = [e for e in root.iter() if e.get("data-step") is not None]
    return sorted(steps, key=lambda e: int(e.get("data-step")))


def column_kind(el: ET.Element) -> str:
    return next(
        c[3:]
        for c in classes(el)
        if c
        in (
            "rd-conv",
            "rd-norm",
            "rd-act",
            "rd-add",
            "rd-pool",
            "rd-fc",
            "rd-op",
            "rd-pad",
        )
    )


# ---------------------------------------------------------------------------- blocks


def tv_downsample(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
    )


def unit(kind: str, ordering: str) -> type[nn.Module]:
    return resnet_lib.resolve_block(kind, ordering=ordering)


BLOCKS = {
    **{
        f"basic-{o}": (lambda o=o: unit("basic", o)(32, 32))
        for o in resnet_lib.ORDERINGS
    },
    **{
        f"basic-{o}-down": (lambda o=o: unit("basic", o)(32, 64, 2))
        for o in resnet_lib.ORDERINGS
    },
    **{
        f"bottleneck-{o}": (lambda o=o: unit("bottleneck", o)(64, 16))
        for o in resnet_lib.ORDERINGS
    },
    **{
        f"bottleneck-{o}-down": (lambda o=o: unit("bottleneck", o)(64, 32, 2))
        for o in resnet_lib.ORDERINGS
    },
    "basic-option-A": lambda: BasicBlock(16, 32, 2, "A"),
    "basic-option-C": lambda: BasicBlock(32, 32, 1, "C"),
    "bottleneck-stride-on-1x1": lambda: Bottleneck(64, 32, 2, stride_on="1x1"),
    "resnext": lambda: Bottleneck(256, 128, groups=32, width_per_group=4),
    "resnext-down": lambda: Bottleneck(
        256, 128, 2, groups=32, width_per_group=4
    ),
    "wide": lambda: Bottleneck(64, 16, width_per_group=128),
    "dilated": lambda: Bottleneck(64, 16, dilation=2),
    "no-norm": lambda: BasicBlock(32, 64, 2, norm_layer="none"),
    "tanh": lambda: BasicBlock(32, 32, act_layer="tanh"),
    "plain-basic": lambda: PlainBasicBlock(32, 64, 2),
    "plain-bottleneck": lambda: PlainBottleneck(64, 16),
    "preact-basic": lambda: PreActBlock(32, 32),
    "preact-basic-down": lambda: PreActBlock(32, 64, 2),
    "preact-basic-option-A": lambda: PreActBlock(16, 32, 2, "A"),
    "preact-bottleneck": lambda: PreActBottleneck(64, 16),
    "preact-bottleneck-down-1x1": lambda: PreActBottleneck(
        64, 32, 2, stride_on="1x1"
    ),
    "tv-basic": lambda: torchvision.models.resnet.BasicBlock(32, 32),
    "tv-basic-down": lambda: torchvision.models.resnet.BasicBlock(
        32, 64, 2, downsample=tv_downsample(32, 64, 2)
    ),
    "tv-bottleneck-down": lambda: torchvision.models.resnet.Bottleneck(
        64, 32, 2, downsample=tv_downsample(64, 128, 2)
    ),
}

# He et al. 2016b, Figure 4: what follows the addition in each ordering
AFTER_ADD = {
    "original": ["act"],
    "bn_after_add": ["norm", "act"],
    "relu_before_add": [],
    "relu_preact": [],
    "full_preact": [],
}


@pytest.fixture(scope="module", params=list(BLOCKS), ids=list(BLOCKS))
def drawn_block(request):
    block = BLOCKS[request.param]()
    return block, block_diagram(block, input_size=SIZE)


def test_main_path_convs_are_the_modules_in_order(drawn_block):
    block, diagram = drawn_block
    root = parse(diagram)
    drawn = [e for e in having(root, "rd-conv") if "rd-proj" not in classes(e)]
    modules = main_path_convs(block)
    assert (
        len(drawn)
        == len(modules)
        == sum(isinstance(m, nn.Conv2d) for m in modules)
    )
    assert [drawn_attrs(e) for e in drawn] == [conv_attrs(m) for m in modules]
    assert [int(e.get("data-dilation")) for e in drawn] == [
        m.dilation[0] for m in modules
    ]


def test_main_column_is_the_forward_pass(drawn_block):
    """Convs, norms and activations in the drawn column are the calls a real forward makes
    (outside the shortcut), in the same order, and each conv's map size is the real one."""
    block, diagram = drawn_block
    column = [
        e for e in main_column(parse(diagram)) if "rd-add" not in classes(e)
    ]
    calls = forward_calls(block)
    assert [column_kind(e) for e in column] == [k for k, _, _ in calls]
    conv_sizes = [f"{s[2]}x{s[3]}" for k, _, s in calls if k == "conv"]
    assert [
        e.get("data-size") for e in column if "rd-conv" in classes(e)
    ] == conv_sizes


def test_shortcut_is_what_downsample_computes(drawn_block):
    block, diagram = drawn_block
    root = parse(diagram)
    shortcuts = having(root, "rd-shortcut")
    adds = having(root, "rd-add")
    if getattr(type(block), "residual", True) is False:
        assert shortcuts == [] and adds == []
        return
    assert len(shortcuts) == 1 and len(adds) == 1
    down = shortcut_modules(block)
    proj_convs = [m for m in down if isinstance(m, nn.Conv2d)]
    expected = (
        "projection"
        if proj_convs
        else "pad"
        if any(isinstance(m, PadShortcut) for m in down)
        else "identity"
    )
    assert shortcuts[0].get("data-kind") == expected
    drawn_proj = having(root, "rd-proj")
    assert [drawn_attrs(e) for e in drawn_proj if "rd-conv" in classes(e)] == [
        conv_attrs(m) for m in proj_convs
    ]
    # the projection is drawn inside the shortcut, never on the main column
    assert all(e in list(shortcuts[0].iter()) for e in drawn_proj)
    if expected == "pad":
        pad = next(m for m in down if isinstance(m, PadShortcut))
        drawn_pad = having(shortcuts[0], "rd-pad")
        assert [
            (
                int(e.get("data-in")),
                int(e.get("data-out")),
                int(e.get("data-stride")),
            )
            for e in drawn_pad
        ] == [(pad.in_channels, pad.out_channels, pad.stride)]


def test_activation_sits_where_the_ordering_puts_it(drawn_block):
    block, diagram = drawn_block
    if getattr(type(block), "residual", True) is False:
        return
    ordering = getattr(
        block, "ordering", "original"
    )  # torchvision's blocks: the original
    column = [column_kind(e) for e in main_column(parse(diagram))]
    i = column.index("add")
    normed = any(isinstance(m, nn.BatchNorm2d) for m in block.modules())
    expected_after = [k for k in AFTER_ADD[ordering] if normed or k != "norm"]
    assert column[i + 1 :] == expected_after
    if ordering == "original":
        assert column[i + 1 :].count("act") == 1
    if ordering == "relu_before_add":
        assert column[i - 1] == "act"
    if ordering == "relu_preact":
        assert column[0] == "act"
    if ordering == "full_preact":
        assert column[:2] == ["norm", "act"]


def test_every_box_has_a_text_label(drawn_block):
    _, diagram = drawn_block
    root = parse(diagram)
    assert diagram.alt and root.find(f"{SVG}desc").text == diagram.alt
    parents = {child: parent for parent in root.iter() for child in parent}
    for rect in having(root, "rd-conv"):
        texts = [t.text for t in parents[rect].iter(f"{SVG}text")]
        k = rect.get("data-kernel")
        assert any(
            t.startswith(f"{k}x{k} conv, {rect.get('data-out')}")
            for t in texts
        ), texts
    for cls in ("rd-norm", "rd-act"):
        for rect in having(root, cls):
            assert any(
                (t.text or "").strip()
                for t in parents[rect].iter(f"{SVG}text")
            )


def test_grouped_conv_is_labelled_with_its_groups():
    d = block_diagram(Bottleneck(256, 128, groups=32, width_per_group=4))
    texts = [t.text for t in parse(d).iter(f"{SVG}text")]
    assert "3x3 conv, 256, 32 groups" in texts
    assert "3x3 conv 256→256 stride 1 in 32 groups" in d.alt


def test_bottleneck_alt_text_reads_in_forward_order():
    d = block_diagram(Bottleneck(256, 64))
    assert d.alt.startswith(
        "Bottleneck, 256 channels in, 256 out (56×56 → 56×56): "
        "1x1 conv 256→64 stride 1, BN, ReLU, 3x3 conv 64→64 stride 1"
    )
    assert "identity shortcut" in d.alt and d.alt.endswith(
        "addition, then ReLU."
    )
    assert "nothing after it" in block_diagram(PreActBlock(64, 64)).alt
    assert "no shortcut" in block_diagram(PlainBasicBlock(64, 64)).alt


def test_shortcut_labels():
    def labels(block):
        root = parse(block_diagram(block, input_size=SIZE))
        return [
            t.text
            for s in having(root, "rd-shortcut")
            for t in s.iter(f"{SVG}text")
        ]

    assert "identity" in labels(BasicBlock(16, 16))
    assert "option A: subsample + zero-pad" in labels(
        BasicBlock(16, 32, 2, "A")
    )
    assert "1x1 conv, 256, /2 + BN (projection)" in labels(
        Bottleneck(64, 64, 2)
    )
    assert "1x1 conv, 128, /2 (projection)" in labels(PreActBlock(64, 128, 2))


def test_preactivated_projection_leaves_after_the_bn_relu():
    """Full pre-activation: the projection reads the pre-activated input (the authors'
    code), the identity reads x itself; the drawing's split point says which."""
    with_proj = block_diagram(PreActBlock(32, 64, 2), input_size=SIZE)
    identity = block_diagram(PreActBlock(32, 32), input_size=SIZE)
    assert PreActBlock(32, 64, 2).shortcut_preactivated
    assert "branches off after the ReLU at step 2" in with_proj.alt
    assert "branches off the input" in identity.alt


def test_default_block_input_is_56():
    d = block_diagram(BasicBlock(64, 128, 2))
    sizes = [e.get("data-size") for e in having(parse(d), "rd-conv")]
    assert sizes[0] == "28x28"
    assert "(56×56 → 28×28)" in d.alt


def test_diagram_leaves_the_block_as_it_was():
    block = Bottleneck(64, 16)
    block.train()
    block.bn1.eval()
    before = {k: v.clone() for k, v in block.state_dict().items()}
    block_diagram(block)
    assert block.training and not block.bn1.training and block.bn2.training
    after = block.state_dict()
    assert all(
        after[k].device.type == "cpu" and torch.equal(after[k], v)
        for k, v in before.items()
    )


# ---------------------------------------------------------------------------- networks

NETWORKS = {
    "resnet18": resnet18,
    "resnet50": resnet50,
    "resnext50_32x4d": resnext50_32x4d,
    "wide_resnet50_2": wide_resnet50_2,
    "cifar20": lambda: cifar_resnet(20),
    "tv-resnet50": lambda: torchvision.models.resnet50(weights=None),
}
NETWORK_SIZE = {
    "resnet18": None,
    "cifar20": None,
}  # default sizes; the others run smaller


def build(factory, meta: bool):
    """Big models are built on the meta device: no memory, no initialisation time; their
    forward pass still runs (shapes only), which is all these tests need of it."""
    if not meta:
        return factory()
    with torch.device("meta"):
        return factory()


@pytest.fixture(scope="module")
def networks():
    return {
        name: build(f, meta=name not in NETWORK_SIZE)
        for name, f in NETWORKS.items()
    }


def stage_names(model: nn.Module) -> list[str]:
    return [
        n for n, _ in model.named_children() if re.fullmatch(r"layer\d+", n)
    ]


def real_shapes(model: nn.Module, size: int):
    """Output shapes of every stage and block, from the model's own forward pass."""
    stages, blocks, handles = {}, {}, []
    for s in stage_names(model):
        stage = getattr(model, s)
        handles.append(
            stage.register_forward_hook(
                lambda m, i, o, s=s: stages.__setitem__(s, tuple(o.shape))
            )
        )
        for j, b in enumerate(stage):
            handles.append(
                b.register_forward_hook(
                    lambda m, i, o, key=(s, j): blocks.__setitem__(
                        key, (tuple(i[0].shape), tuple(o.shape))
                    )
                )
            )
    device = next(model.parameters()).device
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, 3, size, size, device=device))
    finally:
        for h in handles:
            h.remove()
    return stages, blocks


@pytest.mark.parametrize("name", list(NETWORKS))
def test_network_draws_one_glyph_per_block(networks, name):
    model = networks[name]
    size = NETWORK_SIZE.get(name, 64)
    d = network_diagram(model, input_size=size)
    root = parse(d)
    blocks = [
        (s, j, b)
        for s in stage_names(model)
        for j, b in enumerate(getattr(model, s))
    ]
    glyphs = having(root, "rd-block")
    assert [
        (g.get("data-stage"), int(g.get("data-index"))) for g in glyphs
    ] == [(s, j) for s, j, _ in blocks]
    for g, (_, _, b) in zip(glyphs, blocks):
        down = shortcut_modules(b)
        projects = any(isinstance(m, nn.Conv2d) for m in down)
        pads = any(isinstance(m, PadShortcut) for m in down)
        assert g.get("data-projection") == ("true" if projects else "false")
        assert g.get("data-shortcut") == (
            "projection" if projects else "pad" if pads else "identity"
        )
        if (
            name != "cifar20"
        ):  # option B: a shortcut that is not the identity projects
            assert projects == (
                b.downsample is not None
                and not isinstance(b.downsample, nn.Identity)
            )
        assert ("rd-proj-block" in classes(g)) == projects
        assert ("rd-pad-block" in classes(g)) == pads
    assert name != "cifar20" or any(
        g.get("data-shortcut") == "pad" for g in glyphs
    )


@pytest.mark.parametrize("name", list(NETWORKS))
def test_network_stage_sizes_agree_with_a_forward_pass(networks, name):
    model = networks[name]
    size = NETWORK_SIZE.get(name) or (32 if name.startswith("cifar") else 64)
    default = name in NETWORK_SIZE
    d = network_diagram(model, input_size=None if default else size)
    if default:  # the stem tells ImageNet (224) from CIFAR (32)
        size = 32 if name.startswith("cifar") else 224
        assert f"input {size}×{size}" in d.title
    stages, blocks = real_shapes(model, size)
    root = parse(d)
    drawn = {e.get("data-stage"): e for e in having(root, "rd-stage")}
    assert list(drawn) == stage_names(model)
    for s, shape in stages.items():
        assert drawn[s].get("data-size") == f"{shape[2]}x{shape[3]}"
        assert int(drawn[s].get("data-channels")) == shape[1]
        assert int(drawn[s].get("data-blocks")) == len(getattr(model, s))
    for g in having(root, "rd-block"):
        (i, o) = blocks[(g.get("data-stage"), int(g.get("data-index")))]
        assert g.get("data-halves") == ("true" if o[2] < i[2] else "false")
        assert int(g.get("data-out")) == o[1]


def test_resnet50_table_1_sizes_at_224(networks):
    root = parse(network_diagram(networks["resnet50"]))  # Table 1 of the paper
    assert [e.get("data-size") for e in having(root, "rd-stage")] == [
        "56x56",
        "28x28",
        "14x14",
        "7x7",
    ]


def counted_independently(model: nn.Module) -> int:
    """The paper's depth: conv and fc modules, not the projection shortcuts."""
    return sum(
        isinstance(m, (nn.Conv2d, nn.Linear))
        for n, m in model.named_modules()
        if "downsample" not in n
    )


DEPTHS = {
    18: resnet18,
    34: resnet34,
    50: resnet50,
    101: resnet101,
    152: resnet152,
}
TV_DEPTHS = {
    18: torchvision.models.resnet18,
    34: torchvision.models.resnet34,
    50: torchvision.models.resnet50,
    101: torchvision.models.resnet101,
    152: torchvision.models.resnet152,
}


@pytest.mark.parametrize("source", ["resnet_lib", "torchvision"])
@pytest.mark.parametrize("depth", list(DEPTHS))
def test_layers_detail_counts_the_papers_depth(depth, source):
    factory = (
        DEPTHS[depth]
        if source == "resnet_lib"
        else (lambda: TV_DEPTHS[depth](weights=None))
    )
    model = build(factory, meta=True)
    d = network_diagram(model, input_size=32, detail="layers")
    root = parse(d)
    numbered = [
        int(e.get("data-layer")) for e in root.iter() if e.get("data-layer")
    ]
    assert d.counted_layers == depth == counted_independently(model)
    assert numbered == list(range(1, depth + 1))
    proj = [e for e in having(root, "rd-proj") if "rd-conv" in classes(e)]
    downsample_convs = [
        m
        for n, m in model.named_modules()
        if "downsample" in n and isinstance(m, nn.Conv2d)
    ]
    assert len(proj) == len(downsample_convs) and all(
        e.get("data-counted") == "false" for e in proj
    )
    # the numbered convs are the main-path modules in the order the network defines them
    convs = [e for e in having(root, "rd-conv") if e.get("data-layer")]
    assert [drawn_attrs(e) for e in convs] == [
        conv_attrs(m)
        for n, m in model.named_modules()
        if isinstance(m, nn.Conv2d) and "downsample" not in n
    ]
    assert "not counted" in d.svg
    assert f"{depth} weighted layers" in d.title


def test_blocks_detail_counts_too(networks):
    assert network_diagram(networks["cifar20"]).counted_layers == 20
    preact164 = build(lambda: cifar_resnet(164), meta=True)
    d = network_diagram(preact164, input_size=8)
    assert d.counted_layers == 164 == counted_independently(preact164)
    assert {g.get("data-shortcut") for g in having(parse(d), "rd-block")} == {
        "identity",
        "projection",
    }
    assert "pre-act bottleneck" in d.svg


def test_long_stage_wraps_onto_rows():
    model = build(resnet152, meta=True)
    root = parse(network_diagram(model, input_size=32))
    layer3 = [
        g for g in having(root, "rd-block") if g.get("data-stage") == "layer3"
    ]
    assert len(layer3) == 36
    rows = {float(g.get("y")) for g in layer3}
    assert len(rows) >= 4  # not one endless line
    width = float(root.get("viewBox").split()[2])
    assert width <= 1000


# ---------------------------------------------------------------------------- ideas


def test_residual_idea_diagram():
    d = residual_idea_diagram()
    root = parse(d)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "H(x)" in texts and "F(x) = H(x) − x" in texts
    assert [s.get("data-kind") for s in having(root, "rd-shortcut")] == [
        "identity"
    ]
    assert len(having(root, "rd-add")) == 1
    assert len(having(root, "rd-weight")) == 4


@pytest.mark.parametrize("n", range(1, 7))
def test_unrolled_paths_by_length_are_binomial(n):
    root = parse(unrolled_diagram(n))
    paths = having(root, "rd-path")
    assert len(paths) == 2**n
    assert (
        len({p.get("data-blocks") for p in paths}) == 2**n
    )  # every subset once
    for p in paths:
        k = int(p.get("data-length"))
        assert (
            len(having(p, "rd-used")) == k == len(p.get("data-blocks").split())
        )
        assert len(having(p, "rd-skipped")) == n - k
    groups = having(root, "rd-length")
    assert [int(g.get("data-count")) for g in groups] == [
        math.comb(n, k) for k in range(n + 1)
    ]


def test_unrolled_three_blocks():
    d = unrolled_diagram(3)
    by_length = [
        sum(
            1
            for p in having(parse(d), "rd-path")
            if p.get("data-length") == str(k)
        )
        for k in range(4)
    ]
    assert by_length == [1, 3, 3, 1]
    assert (
        "8 paths" in d.alt
        and "1 of length 0, 3 of length 1, 3 of length 2, 1 of length 3"
        in d.alt
    )


# ---------------------------------------------------------------------------- the SVG


@pytest.fixture(scope="module")
def all_diagrams(networks):
    return {
        "block": block_diagram(Bottleneck(256, 64, 2), input_size=SIZE),
        "option-A": block_diagram(BasicBlock(16, 32, 2, "A"), input_size=SIZE),
        "network": network_diagram(networks["cifar20"]),
        "layers": network_diagram(
            networks["resnet18"], input_size=32, detail="layers"
        ),
        "idea": residual_idea_diagram(),
        "unrolled": unrolled_diagram(4),
    }


@pytest.mark.parametrize(
    "which", ["block", "option-A", "network", "layers", "idea", "unrolled"]
)
def test_svg_is_well_formed_accessible_and_themeable(all_diagrams, which):
    d = all_diagrams[which]
    root = parse(d)  # parses as XML
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == d.title and desc.text == d.alt and len(d.alt) > 40
    assert root.get("aria-labelledby").split() == [
        title.get("id"),
        desc.get("id"),
    ]
    assert (
        root.get("width") == "100%" and len(root.get("viewBox").split()) == 4
    )
    assert re.search(r"max-width:\s*\d+px", root.get("style"))
    # one stylesheet, every rule scoped to rd- classes; theme colours from the page
    css = root.find(f"{SVG}style").text
    selectors = [
        s.strip()
        for rule in css.split("}")
        if "{" in rule
        for s in rule.split("{")[0].split(",")
    ]
    assert selectors and all(s.startswith(".rd-") for s in selectors), (
        selectors
    )
    assert "font-family: inherit" in css and "currentColor" in css
    colours = {c.upper() for c in re.findall(r"#[0-9A-Fa-f]{6}\b", d.svg)}
    assert colours <= OKABE_ITO
    assert not re.search(
        r"#000\b|#000000|\bblack\b|\bwhite\b|#fff\b", d.svg, re.I
    )
    # no file-system path in what gets published
    assert str(Path(resnet_lib.__file__).resolve().parent.parent) not in d.svg
    assert not re.search(
        r"(?<![\w.])/(home|work|tmp|usr|root|Users)/|[A-Za-z]:\\", d.svg
    )
    # ids of two different diagrams on one page do not collide
    others = {
        parse(o).find(f"{SVG}title").get("id")
        for k, o in all_diagrams.items()
        if k != which
    }
    assert title.get("id") not in others


def test_diagram_object(tmp_path, all_diagrams):
    d = all_diagrams["block"]
    assert d._repr_html_() == d.svg == d._repr_svg_() and d.svg.startswith(
        "<svg"
    )
    path = d.save(tmp_path / "block.svg")
    assert path == tmp_path / "block.svg"
    saved = ET.parse(path).getroot()
    assert saved.find(f"{SVG}desc").text == d.alt
    assert (
        d.counted_layers is None
        and all_diagrams["layers"].counted_layers == 18
    )


# ---------------------------------------------------------------------------- bad input


def test_errors_name_what_was_given_and_what_is_allowed(networks):
    with pytest.raises(TypeError, match="nn.Module.*got int"):
        block_diagram(3)
    with pytest.raises(ValueError, match="no(ne| nn.Conv2d)|has none"):
        block_diagram(nn.Linear(3, 3))
    with pytest.raises(ValueError, match="whole network.*network_diagram"):
        block_diagram(networks["resnet18"])
    with pytest.raises(ValueError, match="input_size.*got 0"):
        block_diagram(BasicBlock(16, 16), input_size=0)
    with pytest.raises(ValueError, match=r"input_size.*got \(32,\)"):
        block_diagram(BasicBlock(16, 16), input_size=(32,))
    with pytest.raises(TypeError, match="input_size.*got '32'"):
        block_diagram(BasicBlock(16, 16), input_size="32")
    with pytest.raises(ValueError, match="'blocks'.*'layers'.*got 'all'"):
        network_diagram(networks["resnet18"], detail="all")
    with pytest.raises(
        TypeError, match="layer1.*got BasicBlock.*block_diagram"
    ):
        network_diagram(BasicBlock(16, 16))
    with pytest.raises(TypeError, match="nn.Module.*got str"):
        network_diagram("resnet50")
    with pytest.raises(ValueError, match="from 1 to 6.*got 0"):
        unrolled_diagram(0)
    with pytest.raises(ValueError, match="from 1 to 6.*got 7"):
        unrolled_diagram(7)
    with pytest.raises(TypeError, match="int from 1 to 6.*got 2.5"):
        unrolled_diagram(2.5)
    with pytest.raises(
        ValueError, match="could not run TinyNet .*3×3.*input_size"
    ):
        network_diagram(TinyNet(), input_size=3)


class TinyNet(nn.Module):
    """A network whose 7x7 stem (no padding) cannot run on a 3x3 input."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 7)
        self.layer1 = nn.Sequential(BasicBlock(4, 4))

    def forward(self, x):
        return self.layer1(self.conv1(x))


def test_a_diagram_prints_as_its_svg_and_reprs_as_its_title_and_description():
    d = block_diagram(BasicBlock(16, 16), 32)
    assert str(d) == d.svg
    assert repr(d) == f"Diagram({d.title!r}: {d.alt})"
