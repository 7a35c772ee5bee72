"""The paper's test-time protocols: the views are the ones the paper describes, every
protocol's error and cost is what a direct computation gives, and bad input is refused
with what was given and what is allowed."""

import pytest
import torch
import torch.nn.functional as F
import torchinfo

from resnet_lib import cifar_resnet
from resnet_lib.data import ImageData, normalize
from resnet_lib.experiments.test_time import (
    PROTOCOLS,
    compare_protocols,
    protocol_scores,
    rescaled,
    ten_crops,
    view_macs,
    view_scores,
    views,
)
from resnet_lib.reference import MULTISCALE_SIDES
from resnet_lib.training import evaluate


def images(n=6, size=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, 3, size, size), generator=g).to(
        torch.uint8
    )


def test_ten_crops_are_the_centre_the_corners_and_their_mirror_images():
    x = images()
    crops = ten_crops(x, 2)
    assert len(crops) == 10 and all(c.shape == x.shape for c in crops)
    assert torch.equal(crops[0], x)  # the centre crop is the image itself
    padded = F.pad(x, (2, 2, 2, 2))
    corners = [
        padded[..., :8, :8],
        padded[..., :8, 4:],
        padded[..., 4:, :8],
        padded[..., 4:, 4:],
    ]
    for crop, corner in zip(crops[1:5], corners):
        assert torch.equal(crop, corner)
    for plain, mirrored in zip(crops[:5], crops[5:]):
        assert torch.equal(mirrored, plain.flip(-1))
    assert all(torch.equal(c, x) for c in ten_crops(x, 0)[:5])


def test_views_of_each_protocol():
    x = images()
    assert [v.shape[-1] for v in views(x, "multi_scale", scales=(8, 12))] == [
        8,
        8,
        12,
        12,
    ]
    assert len(views(x, "single")) == 1 and len(views(x, "flip")) == 2
    assert torch.equal(views(x, "flip")[1], x.flip(-1))
    assert rescaled(x, 8) is x and rescaled(x.float(), 12).shape[-1] == 12


@pytest.mark.parametrize(
    "call, says",
    [
        (lambda x: views(x, "five_crop"), "allowed: single, flip, ten_crop"),
        (lambda x: views(x, "multi_scale"), "needs the sizes"),
        (lambda x: ten_crops(x, -1), "got -1"),
        (lambda x: rescaled(x, 0), "got 0"),
        (lambda x: views(x[0], "single"), "got shape (3, 8, 8)"),
    ],
)
def test_bad_input_says_what_was_given_and_what_is_allowed(call, says):
    with pytest.raises(
        ValueError, match=says.replace("(", r"\(").replace(")", r"\)")
    ):
        call(images())


@pytest.mark.parametrize("size", [12, 16, 24])
def test_view_cost_is_torchinfos_count(size):
    model = cifar_resnet(20)
    stats = torchinfo.summary(model, input_size=(1, 3, size, size), verbose=0)
    # torchinfo adds BatchNorm and bias terms to its mult-adds; ours is convs + fc
    assert abs(stats.total_mult_adds - view_macs(model, size)) < 0.01 * (
        stats.total_mult_adds
    )


def test_a_global_pooling_network_is_already_fully_convolutional():
    """The classifier at every position of the last map, averaged, is the network's
    output: what the chapter shows for a 24x24 view."""
    torch.manual_seed(0)
    model = cifar_resnet(20).eval()
    x = normalize(rescaled(images(4, 16), 24))
    with torch.no_grad():
        features = model.forward_features(x)
        dense = model.fc(features.permute(0, 2, 3, 1)).mean(dim=(1, 2))
        assert features.shape[-2:] == (6, 6)
        assert torch.allclose(dense, model(x), atol=1e-5)


@pytest.fixture(scope="module")
def trained():
    """A small ResNet whose predictions depend on the view (BatchNorm statistics of
    real-looking inputs, so that the views disagree)."""
    torch.manual_seed(0)
    model = cifar_resnet(8, num_classes=4)
    x = images(48, 12, seed=1)
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(normalize(x))  # BatchNorm running statistics of this data
    labels = torch.arange(48) % 4
    return model.eval(), ImageData(x, labels, ("a", "b", "c", "d"), "test")


def test_every_protocol_is_its_views_scores_averaged(trained):
    model, data = trained
    results = compare_protocols(
        model, data, padding=2, scales=(12, 16), batch_size=20
    )
    assert list(results) == list(PROTOCOLS)
    assert results["single"].error == pytest.approx(evaluate(model, data)[1])
    for p, r in results.items():
        scores = view_scores(model, data.images, p, padding=2, scales=(12, 16))
        expected = scores.mean(0).argmax(1)  # the mean over the views
        assert torch.equal(r.predictions, expected), p
        with pytest.warns(
            DeprecationWarning, match=r"view_scores\(.*\.mean\(0\)"
        ):
            old = protocol_scores(model, data.images, p, 2, (12, 16))  # 0.2
        assert torch.equal(old, scores.mean(0))
        right = (r.predictions == data.labels).sum().item()
        assert r.error == pytest.approx(1 - right / len(data))
        single = results["single"].error
        assert r.error == pytest.approx(
            single - (r.fixed - r.broken) / len(data)
        )
    assert not model.training
    # the views disagree on some images, so the comparison above can fail
    assert all(
        r.fixed + r.broken > 0 for p, r in results.items() if p != "single"
    )


def test_every_protocol_costs_its_views(trained):
    model, data = trained
    r = compare_protocols(model, data, scales=(12, 18))
    one = view_macs(model, 12)
    assert [r[p].views for p in PROTOCOLS] == [1, 2, 10, 4]
    assert r["ten_crop"].macs_per_image == 10 * one
    assert r["multi_scale"].macs_per_image == 2 * (one + view_macs(model, 18))
    assert r["flip"].relative_cost == 2


def test_default_scales_and_empty_data(trained):
    model, data = trained
    r = compare_protocols(model, data)  # 12, 15, 18 for 12x12 images
    assert r["multi_scale"].macs_per_image == 2 * sum(
        view_macs(model, s) for s in (12, 15, 18)
    )
    with pytest.raises(ValueError, match="empty"):
        compare_protocols(
            model,
            ImageData(data.images[:0], data.labels[:0], data.classes, "none"),
        )


def test_the_papers_scales_cost_eighteen_crops():
    """Section 3.4's five scales cost 18 views of 224x224 (an exercise's answer)."""
    assert sum(s * s for s in MULTISCALE_SIDES) / 224**2 == 18
