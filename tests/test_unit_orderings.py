"""The identity chapter's experiments (He et al. 2016b, Figure 4's unit orderings),
against exact facts of the orderings, plain autograd and the paper's own numbers."""

import math

import pytest
import torch
import torch.nn.functional as F

from resnet_lib import cifar_resnet, count_params
from resnet_lib.nn.blocks import ORDERINGS
from resnet_lib.reference import (
    PREACT,
    PREACT_ORDERINGS,
    PREACT_PARAMS_MILLIONS,
)
from resnet_lib.experiments.unit_orderings import (
    last_conv,
    ordering_profile,
    ordering_stack,
    zero_branch_output,
    zero_residual_branches,
)

CLEAN = (
    "relu_before_add",
    "relu_preact",
    "full_preact",
)  # nothing after the +


def _signed_input(seed=0):
    # both signs, as x_l of a pre-activation network has
    return torch.randn(
        4, 16, 6, 6, generator=torch.Generator().manual_seed(seed)
    )


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("ordering", CLEAN)
def test_a_zeroed_unit_with_nothing_after_the_addition_is_the_identity(
    ordering, train
):
    x = _signed_input()
    assert torch.equal(zero_branch_output(ordering, x, train=train), x)


def test_the_original_unit_clips_the_negative_values_of_its_input():
    x = _signed_input()
    y = zero_branch_output("original", x)
    assert torch.equal(y, torch.relu(x)) and not torch.equal(y, x)


def test_bn_after_the_addition_renormalises_the_shortcut_signal():
    x = 3.0 * _signed_input() + 1.0  # BN removes this scale and shift
    y = zero_branch_output("bn_after_add", x)
    expected = torch.relu(F.batch_norm(x, None, None, training=True))
    assert torch.allclose(y, expected, atol=1e-5)
    assert not torch.allclose(y, torch.relu(x), atol=0.1)


def test_zeroing_leaves_every_shortcut_and_zeroes_only_the_last_conv():
    model = zero_residual_branches(
        ordering_stack("full_preact", 3, generator=torch.Generator())
    )
    for unit in model.blocks():
        assert last_conv(unit).weight.abs().sum() == 0
        assert unit.conv1.weight.abs().sum() > 0
        assert isinstance(unit.downsample, torch.nn.Identity)


@pytest.mark.parametrize("ordering", CLEAN + ("original",))
def test_with_zeroed_branches_signal_and_gradient_pass_unchanged(ordering):
    p = ordering_profile(ordering, 12, zero_branches=True)
    assert len(p.variance) == len(p.grad_norm) == 13
    assert set(p.variance[1:]) == {p.variance[0]}
    if ordering in CLEAN:
        assert set(p.grad_norm) == {1.0}
    else:
        # the original unit's ReLU passes its non-negative input (the stem ends in a
        # ReLU), but where x is exactly 0 it stops the gradient (relu'(0) = 0): below
        # the top, the gradient is r masked where x_0 = 0
        masked = math.sqrt(1 - p.zero_fraction[0])
        assert p.grad_norm[-1] == 1.0
        assert len(set(p.grad_norm[:-1])) == 1
        assert p.grad_norm[0] == pytest.approx(masked, abs=0.05)


def test_full_preactivation_variance_grows_linearly_with_depth():
    # x_L = x_0 + sum F(x_i): each unit adds a residual of roughly unit variance
    p = ordering_profile("full_preact", 64)
    steps = [b - a for a, b in zip(p.variance, p.variance[1:])]
    slope = sum(steps) / len(steps)
    assert 0.5 < slope < 1.5
    half = p.variance[32] - p.variance[0]
    assert (
        1.6 < (p.variance[64] - p.variance[0]) / half < 2.4
    )  # not exponential


def test_relu_before_addition_makes_the_signal_increase_monotonically():
    p = ordering_profile("relu_before_add", 24)
    assert all(b > a for a, b in zip(p.mean, p.mean[1:]))  # F(x) >= 0
    q = ordering_profile("full_preact", 24)
    assert not all(b > a for a, b in zip(q.mean, q.mean[1:]))


def test_bn_after_addition_keeps_the_signal_bounded_and_its_gradient_explodes():
    b32, b64 = (ordering_profile("bn_after_add", n) for n in (32, 64))
    e32, e64 = (ordering_profile("full_preact", n) for n in (32, 64))
    assert max(b64.variance) < 1.0 < max(e64.variance)
    # exponential in depth, against linear for full pre-activation
    assert b64.first_over_last / b32.first_over_last > 50
    assert e64.first_over_last / e32.first_over_last < 4
    assert b64.first_over_last > 100 * e64.first_over_last


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("ordering", CLEAN)
def test_with_a_clean_path_the_gradient_never_falls_below_the_top(
    ordering, seed
):
    assert min(ordering_profile(ordering, 32, seed=seed).grad_norm) >= 0.999


def test_the_original_units_relu_clips_less_as_the_signal_grows():
    z = ordering_profile("original", 32).zero_fraction
    assert z[1] > 0.2 and z[-1] < 0.1 and z[-1] < z[1]
    assert max(ordering_profile("full_preact", 8).zero_fraction) == 0


def test_profile_is_the_autograd_gradient_through_the_models_own_forward():
    p = ordering_profile("relu_preact", 6, seed=3)
    model = ordering_stack(
        "relu_preact", 6, generator=torch.Generator().manual_seed(3)
    ).train()
    data = torch.Generator().manual_seed(4)
    images = torch.randn(8, 3, 8, 8, generator=data)
    r = torch.randn(8, 16, 8, 8, generator=data)
    seen = {}
    hook = model.layer1[0].register_forward_pre_hook(
        lambda m, args: seen.setdefault("x0", args[0])
    )
    try:
        # relu_preact ends with a ReLU before pooling; undo it by reading layer1's output
        out = model.layer1(model.relu(model.bn1(model.conv1(images))))
        (g0, gl) = torch.autograd.grad((out * r).sum(), [seen["x0"], out])
    finally:
        hook.remove()
    assert p.first_over_last == pytest.approx(
        (g0.norm() / gl.norm()).item(), rel=1e-5
    )
    assert p.variance[-1] == pytest.approx(out.var().item(), rel=1e-5)


def test_measuring_leaves_the_global_rng_and_the_threads_alone():
    state, threads = torch.get_rng_state(), torch.get_num_threads()
    a = ordering_profile("original", 4)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.get_num_threads() == threads
    assert a == ordering_profile("original", 4)  # deterministic


def test_bad_arguments_say_what_is_allowed():
    with pytest.raises(ValueError, match="allowed"):
        ordering_profile("post_act", 4)
    with pytest.raises(ValueError, match="positive"):
        ordering_stack("original", 0)


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_the_stack_is_a_cifar_nets_first_stage(ordering):
    stack = ordering_stack(ordering, 3, generator=torch.Generator())
    net = cifar_resnet(
        20,
        block="basic",
        ordering=ordering,
        shortcut="B",
        generator=torch.Generator(),
    )
    assert [type(u) for u in stack.blocks()] == [type(u) for u in net.layer1]
    assert type(stack.bn1) is type(net.bn1)  # a bare stem for full_preact


def test_the_papers_parameter_counts_leave_out_batchnorm():
    """He et al. 2016b, Table 4: ResNet-164 1.7M, ResNet-1001 10.2M parameters."""
    for depth in (164, 1001):
        model = cifar_resnet(depth)
        bn = sum(
            p.numel()
            for m in model.modules()
            if isinstance(m, torch.nn.BatchNorm2d)
            for p in m.parameters()
        )
        paper = PREACT_PARAMS_MILLIONS[f"ResNet-{depth}"]
        assert round((count_params(model) - bn) / 1e6, 1) == paper
    # with BatchNorm, ResNet-1001 would be 10.3M: the paper's count leaves it out
    assert round(count_params(model) / 1e6, 1) == 10.3


def test_the_papers_table2_agrees_with_its_table3():
    """He et al. 2016b: Table 2's original and full pre-activation rows are Table 3's
    CIFAR-10 ResNet-110 and ResNet-164; every ordering of Figure 4 has a row."""
    assert list(PREACT_ORDERINGS) == list(ORDERINGS)
    a, e = PREACT_ORDERINGS["original"], PREACT_ORDERINGS["full_preact"]
    for depth, original, preact in (
        (110, a.resnet110, e.resnet110),
        (164, a.resnet164, e.resnet164),
    ):
        row = PREACT[(f"ResNet-{depth}", "CIFAR-10")]
        assert (row.original, row.preact) == (original, preact)
    # BN after the addition is the worst of the five at both depths
    for col in ("resnet110", "resnet164"):
        errors = {o: getattr(r, col) for o, r in PREACT_ORDERINGS.items()}
        assert max(errors, key=errors.get) == "bn_after_add"
        assert min(errors, key=errors.get) == "full_preact"
