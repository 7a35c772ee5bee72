"""The gradient chapter's experiments, against analytic facts and plain autograd."""

import math

import pytest
import torch

from resnet_lib.book.plots import ARCHITECTURES, gradient_plot
from resnet_lib.experiments.vanishing_gradients import (
    GradientNetConfig,
    depth_sweep,
    gradient_net,
    gradient_profile,
    product_norms,
    shattering,
    sigmoid_derivative_max,
)


def test_sigmoid_derivative_is_at_most_a_quarter_at_zero():
    peak, where = sigmoid_derivative_max()
    assert peak == pytest.approx(0.25, abs=1e-7) and abs(where) < 1e-2


@pytest.mark.parametrize("gain, grows", [(0.8, False), (1.25, True)])
def test_products_vanish_below_one_and_explode_above(gain, grows):
    norms = product_norms(60, gain)
    expected = gain**60
    assert (norms[-1] > 1e4) == grows and (norms[-1] < 1e-4) == (not grows)
    assert math.log(norms[-1]) == pytest.approx(
        math.log(expected), abs=3.0
    )  # within a factor of e^3 of gain^L


def test_gradient_net_depth_and_parameter_equality():

    for depth in (8, 20, 56):
        plain = gradient_net(GradientNetConfig(depth))
        res = gradient_net(GradientNetConfig(depth, residual=True))
        assert (
            sum(
                1
                for _ in plain.modules()
                if isinstance(_, (torch.nn.Conv2d, torch.nn.Linear))
            )
            == depth
        )
        assert sum(p.numel() for p in plain.parameters()) == sum(
            p.numel() for p in res.parameters()
        )


def test_profile_is_the_autograd_gradient():
    cfg = GradientNetConfig(20, residual=True)
    threads = torch.get_num_threads()
    prof = gradient_profile(cfg, batch=8, seed=3)
    assert (
        torch.get_num_threads() == threads
    )  # its one-thread setting is scoped
    net = gradient_net(cfg, generator=torch.Generator().manual_seed(3)).train()
    g = torch.Generator().manual_seed(4)
    x, y = (
        torch.randn(8, 3, 16, 16, generator=g),
        torch.randint(0, 10, (8,), generator=g),
    )
    torch.nn.functional.cross_entropy(net(x), y).backward()
    convs = [
        m
        for m in net.modules()
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))
    ]
    assert [p.norm for p in prof] == pytest.approx(
        [m.weight.grad.norm().item() for m in convs], rel=1e-5
    )


def test_batchnorm_plain_nets_explode_residual_twins_do_not():
    plain = depth_sweep([20, 56], residual=False)
    res = depth_sweep([20, 56], residual=True)
    assert plain[56] > 50 * plain[20]  # orders of magnitude with depth
    assert (
        0.05 < res[56] < 20 and res[56] / res[20] < 10
    )  # within a small factor


def test_sigmoid_without_normalisation_vanishes():
    ratio = depth_sweep(
        [20], residual=False, activation="sigmoid", norm="none", init="default"
    )[20]
    assert ratio < 1e-8


def test_shattered_gradients():
    deep_plain, deep_res = (
        shattering(30, residual=False),
        shattering(30, residual=True),
    )
    shallow = shattering(1, residual=False)
    assert shallow.correlation > 0.9 and deep_res.correlation > 0.9
    assert abs(deep_plain.correlation) < 0.5
    assert len(deep_plain.gradients) == 256


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"depth": 21}, r"6n\+2"),
        ({"activation": "gelu"}, "unknown activation 'gelu'"),
        ({"norm": "layer"}, "unknown normalisation 'layer'"),
        ({"init": "orthogonal"}, "unknown initialisation"),
    ],
)
def test_bad_configs(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GradientNetConfig(**kwargs)


def test_gradient_plot_draws_the_profiles():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = gradient_plot(8, "plain vs residual", batch=4)
    lines = fig.axes[0].get_lines()
    assert [line.get_label().split()[0] for line in lines] == [
        "plain",
        "residual",
    ]
    expected = [
        p.norm
        for p in gradient_profile(GradientNetConfig(8, residual=True), batch=4)
    ]
    assert list(lines[1].get_ydata()) == pytest.approx(expected, rel=1e-5)
    assert fig.axes[0].get_yscale() == "log"
    plt.close(fig)
    assert len(gradient_plot(8, "residual", batch=4).axes[0].get_lines()) == 1
    plt.close("all")
    assert set(ARCHITECTURES) == {"plain vs residual", "plain", "residual"}
    with pytest.raises(ValueError, match="unknown architecture 'dense'"):
        gradient_plot(8, "dense")
