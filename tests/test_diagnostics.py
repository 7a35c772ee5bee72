"""Gradient norms and activation statistics against plain autograd."""

import pytest
import torch
import torch.nn.functional as F
import torchvision
from torch import nn

from resnet_lib import (
    activation_stats,
    cifar_resnet,
    gradient_norms,
    weighted_layers,
)


def _batch(seed=0, n=4, size=16):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, size, size, generator=g), torch.randint(
        0, 10, (n,), generator=g
    )


@pytest.mark.parametrize("plain", [False, True])
def test_gradient_norms_equal_plain_autograd(plain):
    torch.manual_seed(0)
    model = cifar_resnet(20, plain=plain, shortcut="B")
    x, y = _batch()
    ours = gradient_norms(model, x, y)
    assert all(
        p.grad is None for p in model.parameters()
    )  # no side effects on .grad

    F.cross_entropy(model(x), y).backward()
    expected = [
        (n, m.weight.grad.norm().item()) for n, m in weighted_layers(model)
    ]
    assert [g.name for g in ours] == [n for n, _ in expected]
    assert len(ours) == 20
    for g, (_, e) in zip(ours, expected):
        assert g.norm == pytest.approx(e, rel=1e-5)


def test_gradient_norms_follow_execution_order_not_registration():
    class Reversed(nn.Module):
        def __init__(self):
            super().__init__()
            self.late = nn.Linear(4, 2)  # registered first, runs last
            self.early = nn.Linear(3, 4)

        def forward(self, x):
            return self.late(torch.relu(self.early(x)))

    out = gradient_norms(
        Reversed(), torch.randn(5, 3), torch.randint(0, 2, (5,))
    )
    assert [g.name for g in out] == ["early", "late"]


def test_gradient_norms_include_shortcuts_and_torchvision():
    model = torchvision.models.resnet18(weights=None)
    x, y = torch.randn(2, 3, 64, 64), torch.randint(0, 1000, (2,))
    assert len(gradient_norms(model, x, y)) == 18
    names = [
        g.name for g in gradient_norms(model, x, y, include_shortcuts=True)
    ]
    assert len(names) == 21 and "layer2.0.downsample.0" in names
    assert names.index("layer2.0.downsample.0") < names.index("layer3.0.conv1")


def test_plain_deep_net_with_bn_explodes_toward_input_and_residual_does_not():
    # REFERENCE.md: with BatchNorm, deep plain CNNs at init have exploding gradients toward the input
    x, y = _batch(n=16)
    ratio = {}
    for plain in (True, False):
        torch.manual_seed(0)
        g = gradient_norms(cifar_resnet(56, plain=plain), x, y)
        ratio[plain] = g[0].norm / g[-1].norm
    assert ratio[True] > 10 * ratio[False]


def test_gradient_norms_bad_input():
    with pytest.raises(ValueError, match="no Conv2d or Linear"):
        gradient_norms(
            nn.ReLU(), torch.randn(2, 3), torch.zeros(2, dtype=torch.long)
        )
    with pytest.raises(ValueError, match="loss_fn must return a scalar"):
        gradient_norms(
            nn.Linear(3, 2),
            torch.randn(2, 3),
            torch.zeros(2, dtype=torch.long),
            loss_fn=lambda o, t: F.cross_entropy(o, t, reduction="none"),
        )


def test_activation_stats_per_block():
    torch.manual_seed(0)
    model = cifar_resnet(20).eval()
    x, _ = _batch()
    stats = activation_stats(model, x)
    assert [s.name for s in stats] == [
        f"layer{i}.{j}" for i in (1, 2, 3) for j in range(3)
    ]
    last = model.layer3[2](
        model.layer3[1](
            model.layer3[0](
                model.layer2(
                    model.layer1(model.relu(model.bn1(model.conv1(x))))
                )
            )
        )
    )
    assert stats[-1].mean == pytest.approx(last.mean().item(), rel=1e-5)
    assert stats[-1].std == pytest.approx(last.std().item(), rel=1e-5)
    assert stats[-1].dead_fraction == pytest.approx(
        (last == 0).float().mean().item()
    )
    assert all(s.dead_fraction > 0 for s in stats)  # blocks end in a ReLU
    assert not model._forward_hooks and not any(
        m._forward_hooks for m in model.modules()
    )


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("measure", ["gradient_norms", "activation_stats"])
def test_measuring_leaves_the_model_as_found(measure):
    torch.manual_seed(0)
    model = cifar_resnet(20)
    model.train()
    model.layer2.eval()  # a mixed mode must come back mixed
    model.conv1.weight.requires_grad_(False)  # a frozen stem
    before, x = _state(model), _batch()
    if measure == "gradient_norms":
        out = gradient_norms(model, *x)
        assert (
            out[0].name == "conv1" and out[0].norm > 0
        )  # the frozen layer is measured too
    else:
        activation_stats(model, x[0])
    after = model.state_dict()
    for (
        k,
        v,
    ) in (
        before.items()
    ):  # weights and buffers: running mean/var, num_batches_tracked
        assert torch.equal(v, after[k]), k
    assert after["bn1.num_batches_tracked"] == 0
    assert (
        model.training
        and not model.layer2.training
        and not model.layer2[0].bn1.training
    )
    assert model.layer3[0].bn1.training
    assert (
        not model.conv1.weight.requires_grad and model.fc.weight.requires_grad
    )
    assert all(p.grad is None for p in model.parameters())


def test_a_train_mode_pass_would_change_the_buffers_without_it():
    # the control for the test above: the forward pass we measure does update BatchNorm
    torch.manual_seed(0)
    model = cifar_resnet(20).train()
    before = _state(model)
    with torch.no_grad():
        model(_batch()[0])
    assert not torch.equal(
        before["bn1.running_mean"], model.state_dict()["bn1.running_mean"]
    )
    assert model.state_dict()["bn1.num_batches_tracked"] == 1


def test_buffers_are_restored_after_an_error():
    torch.manual_seed(0)
    model = cifar_resnet(8, base_width=4).train()
    before = _state(model)
    with pytest.raises(ValueError, match="loss_fn must return a scalar"):
        gradient_norms(
            model,
            *_batch(),
            loss_fn=lambda o, t: F.cross_entropy(o, t, reduction="none"),
        )
    assert all(
        torch.equal(v, model.state_dict()[k]) for k, v in before.items()
    )
