"""One block family, the whole torchvision ResNet family, and He et al. 2016b's CIFAR nets.

References nobody here wrote: torchvision's modules and weights metadata (REFERENCE.md),
torchinfo's totals, the orderings of He et al. 2016b (Figure 4) written out with
torch.nn.functional, the paper's parameter counts, and the authors' released code
(KaimingHe/resnet-1k-layers, resnet-pre-act.lua) for the structure of ResNet-164/1001.
"""

import pytest
import torch
import torch.nn.functional as F
import torchinfo
import torchvision
from torch import nn

import resnet_lib as rl
from resnet_lib import count_params, count_weighted_layers, network_count
from resnet_lib.nn.blocks import (
    ORDERINGS,
    BasicBlock,
    Bottleneck,
    PlainBasicBlock,
    PreActBlock,
    PreActBottleneck,
    resolve_block,
)
from resnet_lib.nn.models import ResNet, cifar_resnet, init_weights

# torchvision 0.29 weights metadata (REFERENCE.md): parameters and GFLOPS as printed
TORCHVISION = {
    "resnext50_32x4d": (25_028_904, "4.23"),
    "resnext101_32x8d": (88_791_336, "16.414"),
    "resnext101_64x4d": (83_455_272, "15.46"),
    "wide_resnet50_2": (68_883_240, "11.398"),
    "wide_resnet101_2": (126_886_696, "22.753"),
}
BIG = {
    "resnext101_32x8d",
    "resnext101_64x4d",
    "wide_resnet101_2",
}  # seconds to build on a 2-core CPU


def builders(names):
    return [
        pytest.param(n, marks=pytest.mark.slow) if n in BIG else n
        for n in names
    ]


def randomize_(model: nn.Module, seed: int = 0) -> nn.Module:
    """Random weights and BatchNorm statistics, so that loading and outputs are really compared."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in list(model.named_parameters()) + list(
            model.named_buffers()
        ):
            if t.dtype.is_floating_point:
                r = torch.rand(t.shape, generator=g)
                t.copy_(
                    r * 0.5 + 0.75
                    if "running_var" in name
                    or ("bn" in name and name.endswith("weight"))
                    else (r - 0.5) * 0.1
                )
    return model


def unfilled(build) -> nn.Module:
    """``build()``'s model with its tensors allocated but not initialised: for a
    model whose every weight a test then sets (initialising ResNet-152 costs
    more than the test)."""
    with torch.device("meta"):
        model = build()
    return model.to_empty(device="cpu")


def rng_state() -> torch.Tensor:
    return torch.random.get_rng_state().clone()


# ---------------------------------------------------------------- torchvision, all ten builders


@pytest.mark.parametrize("name", builders(TORCHVISION))
def test_resnext_and_wide_resnets_are_torchvisions(name):
    params, gflops = TORCHVISION[name]
    theirs = randomize_(
        unfilled(lambda: getattr(torchvision.models, name)(weights=None))
    ).eval()
    ours = unfilled(getattr(rl, name)).eval()
    assert count_params(ours) == count_params(theirs) == params
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.randn(1, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = theirs(x)
        torch.testing.assert_close(ours(x), expected, rtol=1e-4, atol=1e-4)
    # and back: a differently randomised model of ours into torchvision's
    randomize_(ours, seed=7)
    theirs.load_state_dict(ours.state_dict(), strict=True)
    with torch.no_grad():
        torch.testing.assert_close(theirs(x), ours(x), rtol=1e-4, atol=1e-4)
        assert not torch.allclose(ours(x), expected, atol=1e-3)
    counted = network_count(ours.config, 224)
    assert counted.params == params
    assert f"{counted.macs / 1e9:.{len(gflops.split('.')[1])}f}" == gflops
    assert (
        count_weighted_layers(ours).total
        == count_weighted_layers(theirs).total
    )


@pytest.mark.parametrize("name", builders(TORCHVISION))
def test_closed_form_counts_agree_with_torchinfo(name):
    model = getattr(rl, name)()
    stats = torchinfo.summary(model, input_size=(1, 3, 224, 224), verbose=0)
    counted = network_count(model.config, 224)
    assert stats.total_params == counted.params
    # torchinfo adds BatchNorm (and the fc bias) to its mult-adds; ours is convs + fc, as torchvision's GFLOPS
    assert 0 < stats.total_mult_adds - counted.macs < 0.01 * counted.macs


@pytest.mark.parametrize("flags", [[False, False, True], [True, True, True]])
def test_dilated_layouts_are_torchvisions(flags):
    ours, theirs = (
        rl.resnet50(replace_stride_with_dilation=flags),
        torchvision.models.resnet50(
            weights=None, replace_stride_with_dilation=flags
        ),
    )
    convs = lambda m: [
        (n, c.stride, c.dilation, c.padding)
        for n, c in m.named_modules()
        if isinstance(c, nn.Conv2d)
    ]
    assert convs(ours) == convs(theirs)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    assert (
        network_count(ours.config, 64).rows[-2].out_size
        == (64 // 4 // 2 ** flags.count(False),) * 2
    )


def test_replace_stride_with_dilation_is_torchvisions():
    flags = [False, True, True]  # the segmentation backbone (output stride 8)
    theirs = randomize_(
        torchvision.models.resnet50(
            weights=None, replace_stride_with_dilation=flags
        )
    ).eval()
    ours = rl.resnet50(replace_stride_with_dilation=flags).eval()
    ours.load_state_dict(theirs.state_dict(), strict=True)
    theirs.load_state_dict(ours.state_dict(), strict=True)
    x = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x), rtol=1e-4, atol=1e-4)
    convs = lambda m: [
        (n, c.stride, c.dilation, c.padding)
        for n, c in m.named_modules()
        if isinstance(c, nn.Conv2d)
    ]
    assert convs(ours) == convs(theirs)
    # closed form: the dilated stages keep their map size, so the multiply-adds grow; torchinfo agrees
    counted = network_count(ours.config, 96)
    stats = torchinfo.summary(theirs, input_size=(1, 3, 96, 96), verbose=0)
    assert counted.params == stats.total_params == count_params(theirs)
    assert 0 < stats.total_mult_adds - counted.macs < 0.01 * counted.macs
    assert counted.rows[-2].out_size == tuple(
        ours.forward_features(torch.zeros(1, 3, 96, 96)).shape[2:]
    )


def test_torchvision_blocks_with_groups_and_width_load_into_ours():
    tv = torchvision.models.resnet.Bottleneck
    down = nn.Sequential(
        nn.Conv2d(64, 256, 1, 2, bias=False), nn.BatchNorm2d(256)
    )
    theirs = randomize_(
        tv(64, 64, 2, down, groups=8, base_width=16, dilation=1)
    ).eval()
    ours = Bottleneck(64, 64, 2, groups=8, width_per_group=16).eval()
    ours.load_state_dict(theirs.state_dict(), strict=True)
    assert (
        ours.conv2.groups == 8
        and ours.conv2.out_channels == int(64 * 16 / 64) * 8 == 128
    )
    x = torch.randn(2, 64, 9, 9)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x))


# ---------------------------------------------------------------- the orderings of He et al. 2016b, Figure 4


def _bn(x, bn):
    return F.batch_norm(
        x,
        bn.running_mean,
        bn.running_var,
        bn.weight,
        bn.bias,
        False,
        0.0,
        bn.eps,
    )


def figure4(
    ordering: str,
    x: torch.Tensor,
    conv1: nn.Conv2d,
    conv2: nn.Conv2d,
    bn_a,
    bn_b,
) -> torch.Tensor:
    """He et al. 2016b, Figure 4, written out: ``bn_a``, ``bn_b`` are the unit's two norms in data-flow order."""
    c1 = lambda t: F.conv2d(t, conv1.weight, None, conv1.stride, conv1.padding)  # noqa: E731
    c2 = lambda t: F.conv2d(t, conv2.weight, None, conv2.stride, conv2.padding)  # noqa: E731
    if ordering == "original":  # (a)
        return F.relu(x + _bn(c2(F.relu(_bn(c1(x), bn_a))), bn_b))
    if ordering == "bn_after_add":  # (b)
        return F.relu(_bn(x + c2(F.relu(_bn(c1(x), bn_a))), bn_b))
    if ordering == "relu_before_add":  # (c)
        return x + F.relu(_bn(c2(F.relu(_bn(c1(x), bn_a))), bn_b))
    if ordering == "relu_preact":  # (d)
        return x + _bn(c2(F.relu(_bn(c1(F.relu(x)), bn_a))), bn_b)
    return x + c2(
        F.relu(_bn(c1(F.relu(_bn(x, bn_a))), bn_b))
    )  # (e) full pre-activation


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_each_ordering_computes_figure_4(ordering):
    unit = resolve_block("basic", ordering=ordering)  # the class of (a)-(e)
    block = randomize_(unit(8, 8), seed=3).eval()
    norms = [m for m in block.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(norms) == 2 and count_params(block) == count_params(
        BasicBlock(8, 8)
    )  # BN moves, never multiplies
    x = torch.randn(
        2, 8, 6, 6, generator=torch.Generator().manual_seed(4)
    )  # negative values too
    with torch.no_grad():
        torch.testing.assert_close(
            block(x), figure4(ordering, x, block.conv1, block.conv2, *norms)
        )
        for other in set(ORDERINGS) - {
            ordering
        }:  # the five really differ: this test can fail
            assert not torch.allclose(
                block(x),
                figure4(other, x, block.conv1, block.conv2, *norms),
                atol=1e-3,
            )
    assert block.ordering == ordering and isinstance(block, BasicBlock)
    out = unit(8, 8)(
        x.requires_grad_()
    )  # train mode: autograd works (no in-place clash)
    out.sum().backward()
    assert x.grad is not None


def test_original_ordering_is_torchvisions_basic_block():
    theirs = randomize_(torchvision.models.resnet.BasicBlock(16, 16)).eval()
    ours = BasicBlock(16, 16).eval()
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.randn(2, 16, 5, 5)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x))


@pytest.mark.parametrize("ordering", ORDERINGS)
@pytest.mark.parametrize("block", ["basic", "bottleneck"])
def test_every_ordering_builds_a_network_that_trains(ordering, block):
    depth = 20 if block == "basic" else 29
    m = cifar_resnet(depth, "B", block=block, ordering=ordering)
    assert all(b.ordering == ordering for b in m.blocks())
    out = m(torch.randn(2, 3, 16, 16))
    out.sum().backward()
    assert out.shape == (2, 10) and all(
        p.grad is not None for p in m.parameters()
    )
    assert count_params(m) == network_count(m.config, 16).params
    assert count_weighted_layers(m).total == depth


def test_pre_activation_nets_end_with_the_right_activation():
    assert isinstance(
        ResNet("basic", [1, 1], ordering="full_preact").final_norm[0],
        nn.BatchNorm2d,
    )
    assert isinstance(
        ResNet("basic", [1, 1], ordering="relu_preact").final_norm, nn.ReLU
    )
    assert isinstance(
        ResNet("basic", [1, 1], ordering="relu_before_add").final_norm,
        nn.Identity,
    )


# ---------------------------------------------------------------- norm, activation, groups, width


@pytest.mark.parametrize(
    "act, cls",
    [
        ("relu", nn.ReLU),
        ("tanh", nn.Tanh),
        ("sigmoid", nn.Sigmoid),
        (nn.GELU, nn.GELU),
    ],
)
@pytest.mark.parametrize(
    "norm", ["batchnorm", "none", lambda c: nn.GroupNorm(2, c)]
)
def test_norm_and_activation_factories(norm, act, cls):
    b = Bottleneck(16, 8, 2, norm_layer=norm, act_layer=act)
    acts = {
        type(m)
        for m in b.modules()
        if isinstance(m, (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.GELU))
    }
    assert acts == {cls}
    norms = [
        m for m in b.modules() if isinstance(m, (nn.BatchNorm2d, nn.GroupNorm))
    ]
    convs = [m for m in b.modules() if isinstance(m, nn.Conv2d)]
    if norm == "none":
        assert not norms and all(
            c.bias is not None
            for n, c in b.named_modules()
            if isinstance(c, nn.Conv2d) and not n.startswith("downsample")
        )
    else:
        assert len(norms) == 4 and all(c.bias is None for c in convs)
    assert b(torch.randn(2, 16, 8, 8)).shape == (2, 32, 4, 4)
    if isinstance(norm, str):
        assert rl.block_params(
            "bottleneck", 16, 8, 2, norm_layer=norm
        ).total == count_params(b)


@pytest.mark.parametrize(
    "groups, width", [(1, 64), (4, 16), (32, 4), (2, 128)]
)
@pytest.mark.parametrize("ordering", ["original", "full_preact"])
@pytest.mark.parametrize("stride", [1, 2])
def test_grouped_block_counts_equal_the_built_module(
    groups, width, ordering, stride
):
    blk = resolve_block("bottleneck", ordering=ordering)(
        64, 32, stride, "B", groups=groups, width_per_group=width
    )
    count = rl.block_params(
        "bottleneck",
        64,
        32,
        stride,
        "B",
        groups=groups,
        width_per_group=width,
        ordering=ordering,
    )
    assert count.total == count_params(blk)
    x = torch.randn(1, 64, 10, 10)
    stats = torchinfo.summary(blk, input_data=x, verbose=0)
    macs = rl.block_macs(
        "bottleneck",
        64,
        32,
        stride,
        10,
        10,
        "B",
        groups=groups,
        width_per_group=width,
    )
    assert stats.total_params == count.total
    assert (
        0 < stats.total_mult_adds - macs.total < 0.02 * macs.total
    )  # torchinfo adds the norms


# ---------------------------------------------------------------- any block class that declares expansion


class Bottleneck2(Bottleneck):
    expansion = 2


def test_a_bottleneck_subclass_with_another_expansion_builds_and_counts():
    m = ResNet(Bottleneck2, [2, 1, 1, 1], num_classes=10)
    assert m.config.block is Bottleneck2 and isinstance(
        m.layer1[0], Bottleneck2
    )
    assert [getattr(m, s)[-1].conv3.out_channels for s in m.stage_names] == [
        128,
        256,
        512,
        1024,
    ]
    assert m.fc.in_features == 1024 and m(torch.randn(1, 3, 64, 64)).shape == (
        1,
        10,
    )
    counted = network_count(m.config, 64)
    assert (
        counted.params
        == count_params(m)
        == torchinfo.summary(
            m, input_size=(1, 3, 64, 64), verbose=0
        ).total_params
    )
    assert counted.rows[-2].out_channels == 1024


def test_a_users_own_block_class_with_torchvisions_positional_signature():
    class Tiny(nn.Module):
        expansion = 1

        def __init__(self, in_channels, planes, stride=1, shortcut="B"):
            super().__init__()
            self.conv = nn.Conv2d(in_channels, planes, 3, stride, 1)

        def forward(self, x):
            return torch.relu(self.conv(x))

    m = ResNet(Tiny, [1, 1], num_classes=3, stem="cifar", base_width=8)
    assert (
        m(torch.randn(1, 3, 16, 16)).shape == (1, 3)
        and m.layer2[0].conv.out_channels == 16
    )


def test_preact_true_with_a_block_class_builds_a_pre_activation_network():
    m = ResNet(BasicBlock, [2, 2, 2, 2], num_classes=10, preact=True)
    assert all(type(b) is PreActBlock for b in m.blocks())
    assert m.config.ordering == "full_preact" and isinstance(
        m.final_norm[0], nn.BatchNorm2d
    )
    same = ResNet(
        "basic", [2, 2, 2, 2], num_classes=10, ordering="full_preact"
    )
    assert m.state_dict().keys() == same.state_dict().keys()
    assert all(
        type(b) is PreActBottleneck
        for b in ResNet(Bottleneck, [1, 1], ordering="full_preact").blocks()
    )
    with pytest.warns(
        DeprecationWarning, match=r"build PreActBlock\(\.\.\.\)"
    ):
        # resnet_lib 0.2's spelling, until 0.4 (tests/test_block_classes.py)
        assert type(BasicBlock(8, 8, ordering="full_preact")) is PreActBlock
    assert ResNet(PreActBlock, [1, 1]).config.ordering == "full_preact"
    assert ResNet(PlainBasicBlock, [1, 1]).config.plain


# ---------------------------------------------------------------- every refused combination says what and why


class NoExpansion(nn.Module):
    pass


@pytest.mark.parametrize(
    "build, match",
    [
        (
            lambda: BasicBlock(16, 16, groups=2),
            "groups=1 and width_per_group=64.*got groups=2, width_per_group=64",
        ),
        (
            lambda: BasicBlock(16, 16, width_per_group=32),
            "got groups=1, width_per_group=32",
        ),
        (lambda: BasicBlock(16, 16, dilation=2), "only dilation=1.*got 2"),
        (
            lambda: Bottleneck(16, 16, groups=0),
            "groups must be a positive integer; got 0",
        ),
        (
            lambda: Bottleneck(16, 1, width_per_group=32),
            r"int\(1 \* 32 / 64\) = 0",
        ),
        (
            lambda: BasicBlock(16, 16, ordering="v2"),
            "unknown ordering 'v2'; allowed: 'original', 'bn_after_add'",
        ),
        (
            lambda: Bottleneck2(16, 16, ordering="full_preact"),
            "Bottleneck2 is the unit of ordering 'original'; got "
            "ordering='full_preact'.*'full_preact' PreActBottleneck",
        ),
        (
            lambda: PreActBlock(16, 16, ordering="original"),
            "PreActBlock is the unit of ordering 'full_preact'; got "
            "ordering='original'.*'original' BasicBlock",
        ),
        (
            lambda: PlainBasicBlock(16, 16, ordering="relu_preact"),
            "PlainBasicBlock is the unit of ordering 'original'",
        ),
        (
            lambda: BasicBlock(16, 16, norm_layer="layernorm"),
            "unknown norm_layer 'layernorm'; allowed: 'batchnorm', 'none'",
        ),
        (
            lambda: BasicBlock(16, 16, act_layer="gelu"),
            "unknown activation 'gelu'; allowed: 'relu', 'tanh', 'sigmoid'",
        ),
        (
            lambda: Bottleneck(16, 16, stride_on="3x1"),
            "stride_on must be '3x3' .* or '1x1' .*; got '3x1'",
        ),
        (
            lambda: ResNet(NoExpansion, [1]),
            "declares a positive integer expansion.*NoExpansion",
        ),
        (
            lambda: ResNet(
                "basic", [1, 1], plain=True, ordering="full_preact"
            ),
            "plain=True cannot be combined with ordering",
        ),
        (
            lambda: ResNet(PreActBlock, [1, 1], ordering="original"),
            "PreActBlock is the unit of ordering 'full_preact'; got "
            "ordering='original'",
        ),
        (
            lambda: ResNet(
                "basic", [1, 1], preact=True, ordering="bn_after_add"
            ),
            "preact=True means ordering='full_preact'",
        ),
        (
            lambda: ResNet(Bottleneck2, [1, 1], plain=True),
            "plain=True needs a plain block class.*Bottleneck2",
        ),
        (
            lambda: ResNet(
                "basic", [1, 1, 1, 1], groups=32, width_per_group=4
            ),
            "got groups=32, width_per_group=4",
        ),
        (
            lambda: ResNet(
                "bottleneck", [1, 1, 1, 1], replace_stride_with_dilation=[True]
            ),
            r"3 booleans .*got \[True\]",
        ),
        (
            lambda: ResNet(
                "basic",
                [1, 1, 1, 1],
                replace_stride_with_dilation=[False, True, True],
            ),
            "needs bottleneck blocks",
        ),
        (
            lambda: ResNet("basic", [1], init="orthogonal"),
            "unknown initialisation 'orthogonal'; allowed: 'torchvision'",
        ),
        (
            lambda: ResNet(
                "basic", [1], zero_init_residual=True, ordering="bn_after_add"
            ),
            "a norm that closes the residual",
        ),
        (
            lambda: cifar_resnet(21),
            r"6n\+2 with basic blocks .* or 9n\+2 with bottleneck blocks .*; got 21",
        ),
        (
            lambda: cifar_resnet(1001, block="basic"),
            r"6n\+2 with basic blocks .*; got 1001",
        ),
        (
            lambda: rl.torchvision_resnet("resnext26"),
            "unknown torchvision ResNet 'resnext26'; allowed: resnet18",
        ),
        (lambda: rl.block_params("basic", 64, 64, groups=2), "got groups=2"),
    ],
)
def test_impossible_combinations_are_value_errors_that_say_what_and_what_is_allowed(
    build, match
):
    with pytest.raises(ValueError, match=match):
        build()


# ---------------------------------------------------------------- He et al. 2016b: ResNet-164 and ResNet-1001


def weights_only(model: nn.Module) -> int:
    return sum(
        m.weight.numel() + (m.bias.numel() if m.bias is not None else 0)
        for m in model.modules()
        if isinstance(m, (nn.Conv2d, nn.Linear))
    )


@pytest.mark.parametrize(
    "depth, n, paper", [(164, 18, 1.7), (1001, 111, 10.2)]
)
def test_preact_cifar_nets_have_the_papers_parameter_counts(depth, n, paper):
    m = cifar_resnet(depth)
    assert (
        m.config.layers == (n, n, n)
        and count_weighted_layers(m).total == depth
    )
    # The paper's figure counts the weight layers (ResNet-1001: 10.18 M). BatchNorm adds
    # 2C per norm (0.15 M more for ResNet-1001: 10.33 M in all; ResNet-164: 1.70 M either way).
    assert round(weights_only(m) / 1e6, 1) == paper
    assert network_count(m.config, 32).params == count_params(m)
    if depth == 164:
        assert round(count_params(m) / 1e6, 1) == paper


def test_resnet164_is_built_as_the_authors_code_builds_it():
    m = cifar_resnet(164).eval()
    # stem: one bare 3x3 conv with 16 filters (the first unit's BN-ReLU follows)
    assert (m.conv1.out_channels, m.conv1.kernel_size) == (16, (3, 3))
    assert isinstance(m.bn1, nn.Identity) and isinstance(m.relu, nn.Identity)
    # units: full pre-activation bottlenecks, widths 16/32/64, outputs 64/128/256; stride on the first 1x1
    for stage, (width, out, stride) in zip(
        m.stage_names, [(16, 64, 1), (32, 128, 2), (64, 256, 2)]
    ):
        first, rest = getattr(m, stage)[0], list(getattr(m, stage))[1:]
        assert (
            type(first) is PreActBottleneck
            and first.conv2.out_channels == width
            and first.conv3.out_channels == out
        )
        assert first.conv1.stride == (
            stride,
            stride,
        ) and first.conv2.stride == (1, 1)
        # projection where the shape changes: a bare 1x1 conv reading the pre-activated input
        assert first.shortcut_preactivated and [
            type(x) for x in first.downsample
        ] == [nn.Conv2d]
        assert all(isinstance(b.downsample, nn.Identity) for b in rest)
    # final BN-ReLU before pooling; 10-way classifier on 256 channels
    assert [type(x) for x in m.final_norm] == [
        nn.BatchNorm2d,
        nn.ReLU,
    ] and m.fc.in_features == 256
    x = torch.randn(2, 3, 32, 32)
    assert m.forward_features(x).shape == (2, 256, 8, 8)
    # the projection reads relu(bn1(x)), not x: its output changes with bn1's shift
    unit = m.layer2[0]
    y = torch.randn(1, 64, 8, 8)
    with torch.no_grad():
        expected = unit.downsample(torch.relu(unit.bn1(y)))
        unit.conv3.weight.zero_()  # leave only the shortcut
        torch.testing.assert_close(unit(y), expected)


def test_cifar_depth_names():
    assert (
        rl.nn.models.cifar_block_for_depth(164) == "bottleneck"
    )  # 164 = 6*27+2 too; the literature means 9*18+2
    assert rl.nn.models.cifar_block_for_depth(1001) == "bottleneck"
    assert (
        rl.nn.models.cifar_block_for_depth(110) == "basic"
    )  # 110 = 6*18+2 = 9*12+2: the paper's ResNet-110
    assert rl.nn.models.cifar_block_for_depth(29) == "bottleneck"
    assert type(cifar_resnet(110).layer1[0]) is BasicBlock
    assert (
        round(
            count_params(cifar_resnet(164, block="basic", preact=False)) / 1e6,
            1,
        )
        == 2.6
    )  # what 164 is not
    assert (
        type(cifar_resnet(164, preact=False).layer1[0]) is Bottleneck
    )  # the defaults can be overridden


# ---------------------------------------------------------------- one init, local generators, global RNG untouched


def test_library_functions_leave_the_global_rng_alone():
    from resnet_lib.experiments.vanishing_gradients import (
        GradientNetConfig,
        gradient_net,
        gradient_profile,
        shattering,
    )
    from resnet_lib.experiments.identity_learning import identity_learning

    torch.manual_seed(123)
    before = rng_state()
    a = gradient_profile(
        GradientNetConfig(8, residual=True), batch=4, size=8, seed=5
    )
    shattering(3, residual=True, points=16)
    identity_learning(depth=1, channels=4, steps=2)
    net = ResNet("basic", [1], generator=torch.Generator().manual_seed(0))
    assert torch.equal(rng_state(), before)
    # and the results are determined by the seed alone
    torch.manual_seed(999)
    b = gradient_profile(
        GradientNetConfig(8, residual=True), batch=4, size=8, seed=5
    )
    assert [p.norm for p in a] == [p.norm for p in b]
    again = ResNet("basic", [1], generator=torch.Generator().manual_seed(0))
    assert all(
        torch.equal(p, q)
        for p, q in zip(net.state_dict().values(), again.state_dict().values())
    )
    assert isinstance(
        gradient_net(GradientNetConfig(8)), ResNet
    )  # the gradient nets are the library's ResNets


@pytest.mark.parametrize("scheme", ["he", "xavier", "default", "torchvision"])
def test_init_schemes_have_their_published_scale(scheme):
    """std of a 3x3 conv's weights: He (fan_in) sqrt(2/fan_in), torchvision's He (fan_out)
    sqrt(2/fan_out), Xavier sqrt(2/(fan_in+fan_out)), PyTorch's default 1/sqrt(3 fan_in)."""
    conv = nn.Conv2d(64, 256, 3, bias=False)
    init_weights(
        nn.Sequential(conv), scheme, generator=torch.Generator().manual_seed(0)
    )
    fan_in, fan_out = 64 * 9, 256 * 9
    expected = {
        "he": (2 / fan_in) ** 0.5,
        "torchvision": (2 / fan_out) ** 0.5,
        "xavier": (2 / (fan_in + fan_out)) ** 0.5,
        "default": (1 / (3 * fan_in)) ** 0.5,
    }[scheme]
    assert conv.weight.std().item() == pytest.approx(expected, rel=0.02)


def test_gradient_net_options_reach_every_block():
    from resnet_lib.experiments.vanishing_gradients import (
        GradientNetConfig,
        gradient_net,
    )

    net = gradient_net(
        GradientNetConfig(
            20, residual=False, activation="tanh", norm="none", init="xavier"
        )
    )
    assert all(type(b) is rl.PlainBasicBlock for b in net.blocks())
    assert not any(isinstance(m, nn.BatchNorm2d) for m in net.modules())
    assert {
        type(m) for m in net.modules() if isinstance(m, (nn.ReLU, nn.Tanh))
    } == {nn.Tanh}
    assert all(
        m.bias is not None for m in net.modules() if isinstance(m, nn.Conv2d)
    )


def test_block_classes_a_stage_cannot_build_are_refused_with_the_signature():
    # torchvision's blocks take (inplanes, planes, stride, downsample, ...): refused when the
    # network is described, not with a TypeError deep in the first forward pass
    with pytest.raises(
        ValueError,
        match=r"BasicBlock cannot be built by a ResNet stage.*downsample",
    ):
        ResNet(
            torchvision.models.resnet.BasicBlock,
            [1, 1],
            stem="cifar",
            base_width=8,
        )

    class Narrow(Bottleneck):
        def __init__(self, in_channels, planes, stride=1):
            super().__init__(in_channels, planes, stride)

    with pytest.raises(
        ValueError, match=r"Narrow .*takes \(in_channels, planes, stride\)"
    ):
        ResNet(Narrow, [1, 1], stem="cifar", base_width=8)

    class Wider(
        Bottleneck
    ):  # keeps the signature: accepted, and built with its expansion
        expansion = 2

    net = ResNet(Wider, [1, 1], stem="cifar", base_width=8)
    assert net.fc.in_features == 16 * 2
