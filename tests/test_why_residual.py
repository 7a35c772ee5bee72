"""The experiments of the chapter on why residual networks train, against facts that do
not come from the code under test: binomial path counts, a block whose residual branch
is zero *is* its shortcut, backpropagation is linear once the forward pass is fixed, and
the loss at the origin of a landscape is the model's own loss."""

import itertools
import math

import pytest
import torch
import torch.nn.functional as F

from resnet_lib import cifar_resnet
from resnet_lib.data import normalize, synthetic_cifar
from resnet_lib.device import seeded
from resnet_lib.experiments.why_residual import (
    _filter_normalised,
    blocks_of,
    error_rate,
    lesion_study,
    loss_surface,
    multi_lesion,
    path_counts,
    path_gradients,
    routed_input_gradient,
)


@pytest.fixture(scope="module")
def data():
    return synthetic_cifar("test", 6, size=8)


def net(depth=8, plain=False, zero=False, seed=0):
    with seeded(seed):
        model = cifar_resnet(depth, plain=plain, zero_init_residual=zero)
    # give BatchNorm non-trivial running statistics, as a trained network has
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_var.uniform_(
                    0.5, 2.0, generator=torch.Generator().manual_seed(1)
                )
    return model.eval()


def snapshot(model):
    return {k: v.clone() for k, v in model.state_dict().items()}, [
        id(m) for m in model.modules()
    ]


def test_path_counts_are_binomial():
    assert path_counts(3) == [1, 3, 3, 1]
    assert sum(path_counts(27)) == 2**27  # ResNet-56: 27 blocks
    assert path_counts(27)[13] == math.comb(27, 13)
    with pytest.raises(
        ValueError, match="non-negative number of blocks; got -1"
    ):
        path_counts(-1)


def test_deleting_a_block_whose_branch_is_zero_changes_nothing(data):
    # zero_init_residual: every residual branch outputs zero, so each block is its shortcut
    model = net(20, zero=True)
    before = snapshot(model)
    intact, lesions = lesion_study(model, data)
    assert len(lesions) == 9 and all(
        lesion.error == intact for lesion in lesions
    )
    assert [lesion.changes_shape for lesion in lesions] == [False] * 3 + [
        True,
        False,
        False,
    ] * 2
    after = snapshot(model)
    assert before[1] == after[1]  # the same modules, in place again
    assert all(torch.equal(before[0][k], after[0][k]) for k in before[0])


def test_a_plain_network_cannot_lose_a_block_that_changes_the_shape(data):
    intact, lesions = lesion_study(net(20, plain=True), data)
    assert [lesion.error is None for lesion in lesions] == [
        lesion.changes_shape for lesion in lesions
    ]
    assert 0 <= intact <= 1


def test_multi_lesion_of_zero_blocks_is_the_intact_error(data):
    model = net(20)
    assert multi_lesion(model, data, [0], samples=2)[0] == error_rate(
        model, data
    )
    with pytest.raises(
        ValueError, match="at most 7 blocks keep their shape here"
    ):
        multi_lesion(model, data, [8])


def test_the_gradients_of_all_paths_add_up_to_the_networks_gradient(data):
    model = net(8)  # three blocks: 8 paths
    for p in model.parameters():
        p.requires_grad_(False)
    x = normalize(data.images[:16])
    y = data.labels[:16]
    total = sum(
        routed_input_gradient(model, x, y, set(chosen))
        for k in range(4)
        for chosen in itertools.combinations(range(3), k)
    )
    # independent: autograd through the untouched network, at the first block's input
    stem = model.relu(model.bn1(model.conv1(x))).detach().requires_grad_(True)
    out = stem
    for name, block in blocks_of(model):
        out = block(out)
    F.cross_entropy(
        model.fc(torch.flatten(model.avgpool(model.final_norm(out)), 1)), y
    ).backward()
    assert torch.allclose(total, stem.grad, atol=1e-6, rtol=1e-4)


def test_path_gradients_leave_the_model_as_found(data):
    model = net(8).train()
    before = snapshot(model)
    norms = path_gradients(model, data, [0, 1, 3], samples=2, batch=8)
    assert set(norms) == {0, 1, 3} and all(v > 0 for v in norms.values())
    assert model.training and all(p.requires_grad for p in model.parameters())
    assert all(
        torch.equal(before[0][k], model.state_dict()[k]) for k in before[0]
    )
    with pytest.raises(ValueError, match="residual network"):
        path_gradients(net(8, plain=True), data, [1])


def test_the_landscape_at_the_origin_is_the_models_loss(data):
    model = net(8)
    before = snapshot(model)
    surface = loss_surface(model, data, [-0.5, 0.0, 0.5], [0.0, 0.5])
    with torch.no_grad():
        own = F.cross_entropy(
            model(normalize(data.images)), data.labels
        ).item()
    assert len(surface) == 2 and len(surface[0]) == 3
    assert surface[0][1] == pytest.approx(own, rel=1e-5)
    assert surface[0][0] != surface[0][2]  # the direction moves the loss
    assert all(
        torch.equal(before[0][k], model.state_dict()[k]) for k in before[0]
    )


def test_directions_are_filter_normalised(data):
    model = net(8)
    direction = _filter_normalised(model, torch.Generator().manual_seed(0))
    for p, d in zip(model.parameters(), direction):
        if p.dim() <= 1:
            assert not d.any()  # BatchNorm and biases stay put
        else:
            assert torch.allclose(
                d.flatten(1).norm(dim=1), p.flatten(1).norm(dim=1), rtol=1e-4
            )


@pytest.mark.parametrize(
    "kind, ordering",
    [
        (k, o)
        for k in ("basic", "bottleneck")
        for o in ("original", "bn_after_add", "relu_before_add", "relu_preact")
    ],
)
def test_branch_and_after_addition_recompose_each_units_forward(
    kind, ordering
):
    # the experiments take a unit apart; put back together, it is the class's forward
    from resnet_lib.experiments.why_residual import _after_addition, _branch
    from resnet_lib.nn.blocks import resolve_block

    torch.manual_seed(0)
    unit = resolve_block(kind, ordering=ordering)
    block = unit(8, 8 if kind == "basic" else 4, 2).eval()
    x = torch.randn(2, 8, 6, 6)
    with torch.no_grad():
        rebuilt = _after_addition(
            block, _branch(block, x) + block.downsample(x)
        )
        torch.testing.assert_close(rebuilt, block(x))
        assert not torch.allclose(_branch(block, x), block(x))
