"""Our models against torchvision's (a reference nobody here wrote) and the paper."""

import pytest
import torch
import torchvision
from torch import nn

import resnet_lib as rl
from resnet_lib import ResNet, cifar_resnet, count_params, imagenet_resnet
from resnet_lib.reference import TABLE1, torchvision_params
from test_family import randomize_, unfilled  # random weights; no init

DEPTHS = [18, 34, 50, 101, 152]
# torchvision's weights metadata (REFERENCE.md), the parameter counts of the ImageNet models
TORCHVISION_PARAMS = {depth: torchvision_params(depth) for depth in TABLE1}


@pytest.mark.parametrize("depth", DEPTHS)
def test_state_dict_keys_and_shapes_match_torchvision(depth):
    with torch.device("meta"):  # keys and shapes only: no weight is computed
        ours = getattr(rl, f"resnet{depth}")()
        theirs = getattr(torchvision.models, f"resnet{depth}")(weights=None)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()
    }
    assert (
        count_params(ours) == count_params(theirs) == TORCHVISION_PARAMS[depth]
    )


@pytest.mark.parametrize("depth", DEPTHS)
def test_torchvision_weights_load_into_ours_and_back(depth):
    # 32x32: the smallest input that every stage still sees (1x1 after stage 4)
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    torchvisions = lambda: getattr(torchvision.models, f"resnet{depth}")(
        weights=None
    )
    theirs = randomize_(unfilled(torchvisions)).eval()
    ours = unfilled(lambda: imagenet_resnet(depth)).eval()
    ours.load_state_dict(theirs.state_dict(), strict=True)
    with torch.no_grad():
        expected = theirs(x)
        torch.testing.assert_close(ours(x), expected, rtol=1e-4, atol=1e-4)

    # and the other way round, from a differently randomised model of ours
    ours2 = randomize_(unfilled(lambda: imagenet_resnet(depth)), seed=7)
    theirs2 = unfilled(torchvisions).eval()
    theirs2.load_state_dict(ours2.eval().state_dict(), strict=True)
    with torch.no_grad():
        got = ours2(x)
        torch.testing.assert_close(theirs2(x), got, rtol=1e-4, atol=1e-4)
        assert not torch.allclose(got, expected)  # the two really differ


def test_zero_init_residual_matches_torchvision():
    ours = rl.resnet50(zero_init_residual=True)
    theirs = torchvision.models.resnet50(weights=None, zero_init_residual=True)
    zeroed = lambda m: sorted(
        k
        for k, v in m.state_dict().items()
        if k.endswith(".weight") and v.dim() == 1 and not v.any()
    )
    assert zeroed(ours) == zeroed(theirs) and len(zeroed(ours)) == 16


def test_zero_init_residual_block_is_identity_and_plain_is_not():
    torch.manual_seed(0)
    x = torch.relu(torch.randn(4, 16, 8, 8))  # a block sees post-ReLU inputs
    res = cifar_resnet(20, zero_init_residual=True).layer1[0].eval()
    plain = cifar_resnet(20, plain=True).layer1[0].eval()
    with torch.no_grad():
        torch.testing.assert_close(res(x), x)
        assert (plain(x) - x).abs().max() > 0.1


def test_num_classes_and_in_channels():
    m = rl.resnet18(num_classes=7, in_channels=1)
    assert m(torch.randn(2, 1, 64, 64)).shape == (2, 7)


# The paper's Table 6 (CIFAR-10), parameters in millions, as printed
TABLE6 = {20: 0.27, 32: 0.46, 44: 0.66, 56: 0.85, 110: 1.7, 1202: 19.4}


@pytest.mark.parametrize("depth", sorted(TABLE6))
def test_cifar_param_counts_match_table6(depth):
    m = cifar_resnet(depth)
    digits = 1 if TABLE6[depth] >= 1 else 2
    assert round(count_params(m) / 1e6, digits) == TABLE6[depth]
    # option A adds no parameters: a ResNet and its plain twin have the same count
    assert count_params(cifar_resnet(depth, plain=True)) == count_params(m)


@pytest.mark.parametrize("depth", [20, 56])
def test_cifar_shapes(depth):
    m = cifar_resnet(depth).eval()
    x = torch.randn(2, 3, 32, 32)
    assert m(x).shape == (2, 10)
    assert m.forward_features(x).shape == (2, 64, 8, 8)
    assert [getattr(m, s)[0].conv1.out_channels for s in m.stage_names] == [
        16,
        32,
        64,
    ]


@pytest.mark.parametrize("shortcut", ["A", "B", "C"])
@pytest.mark.parametrize("preact", [False, True])
@pytest.mark.parametrize("block", ["basic", "bottleneck"])
def test_every_variant_runs_forward_and_backward(shortcut, preact, block):
    depth = 20 if block == "basic" else 29
    m = cifar_resnet(depth, shortcut=shortcut, preact=preact, block=block)
    out = m(torch.randn(2, 3, 16, 16))
    out.sum().backward()
    assert out.shape == (2, 10)
    assert all(p.grad is not None for p in m.parameters())


def test_preact_unit_has_no_relu_after_addition():
    blk = rl.PreActBlock(8, 8).eval()
    with torch.no_grad():
        blk.conv2.weight.zero_()
        x = -torch.rand(
            1, 8, 4, 4
        )  # negative input survives: identity path, no final ReLU
        torch.testing.assert_close(blk(x), x)


def test_option_a_pads_zeros_and_subsamples():
    sc = rl.PadShortcut(16, 32, stride=2)
    x = torch.randn(2, 16, 8, 8)
    y = sc(x)
    assert y.shape == (2, 32, 4, 4)
    torch.testing.assert_close(y[:, :16], x[:, :, ::2, ::2])
    assert not y[:, 16:].any()


def test_shortcut_options_where_projections_appear():
    def projections(m):
        return sum(
            isinstance(mod, nn.Conv2d)
            for n, mod in m.named_modules()
            if "downsample" in n
        )

    assert projections(cifar_resnet(20, shortcut="A")) == 0
    assert (
        projections(cifar_resnet(20, shortcut="B")) == 2
    )  # the two stage transitions
    assert projections(cifar_resnet(20, shortcut="C")) == 9  # every block
    assert (
        projections(rl.resnet50()) == 4
    )  # torchvision: one per stage (64 -> 256 included)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("depth", [21, 0, -4, 8.0, 2, "20", True])
def test_impossible_cifar_depth(depth):
    with pytest.raises(ValueError, match=r"6n\+2.*got"):
        cifar_resnet(depth)


def test_impossible_imagenet_depth():
    with pytest.raises(ValueError, match="18, 34, 50, 101, 152; got 20"):
        imagenet_resnet(20)


@pytest.mark.parametrize(
    "layers", [[], [2, 0, 2], [2, -1], [2, 2.5], "2222", 4]
)
def test_bad_stage_lists(layers):
    with pytest.raises(ValueError, match="layers|stage"):
        ResNet("basic", layers)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            {"block": "resnext"},
            "unknown block 'resnext'; allowed: 'basic', 'bottleneck'",
        ),
        ({"shortcut": "D"}, "unknown shortcut option 'D'"),
        ({"num_classes": 0}, "num_classes must be a positive integer; got 0"),
        ({"base_width": -8}, "base_width must be a positive integer; got -8"),
        ({"in_channels": 0}, "in_channels must be a positive integer; got 0"),
        ({"stem": "vit"}, "unknown stem 'vit'"),
        ({"plain": True, "preact": True}, "cannot be combined"),
        (
            {"plain": True, "zero_init_residual": True},
            "zero_init_residual=True needs residual blocks",
        ),
    ],
)
def test_bad_config_says_what_was_given(kwargs, match):
    with pytest.raises(
        ValueError,
        match=match.replace("(", r"\(")
        .replace(")", r"\)")
        .replace("+", r"\+"),
    ):
        ResNet(**kwargs)


def test_wrong_input_channels_is_a_clear_error():
    m = cifar_resnet(20)
    with pytest.raises(
        ValueError,
        match=r"expected input of shape \(N, 3, H, W\); got \(2, 1, 32, 32\)",
    ):
        m(torch.randn(2, 1, 32, 32))
    with pytest.raises(ValueError, match=r"got \(3, 32, 32\)"):
        m(torch.randn(3, 32, 32))
    with pytest.raises(TypeError, match="torch.Tensor"):
        m([[1.0]])


@pytest.mark.parametrize("args", [(0, 16), (16, -1), (16, 16, 3)])
def test_bad_block_arguments(args):
    with pytest.raises(ValueError, match="got"):
        rl.BasicBlock(*args)
