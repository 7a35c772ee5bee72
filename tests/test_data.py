"""Data loading: the real CIFAR-10 layouts, clear errors, and a learnable offline stand-in."""

import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from resnet_lib.data import (
    CIFAR10_CLASSES,
    DataNotFoundError,
    ImageData,
    cifar10,
    load_data,
    normalize,
    synthetic_cifar,
)


@pytest.fixture
def tiny_folder(tmp_path, monkeypatch):
    """A CIFAR-10-shaped image folder (3 images per class and split) and its .tar.gz."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    rng = np.random.default_rng(0)
    root = tmp_path / "cifar"
    for split in ("train", "test"):
        for c in CIFAR10_CLASSES:
            (root / split / c).mkdir(parents=True)
            for i in range(3):
                Image.fromarray(
                    rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)
                ).save(root / split / c / f"{i:04d}.png")
    archive = tmp_path / "cifar.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(root / "train", arcname="train")
        tf.add(root / "test", arcname="test")
    return root, archive


def test_image_folder_and_archive_give_the_same_data(tiny_folder):
    root, archive = tiny_folder
    a, b = cifar10("train", root=root), cifar10("train", root=archive)
    assert a.images.shape == (30, 3, 32, 32) and a.images.dtype == torch.uint8
    assert torch.equal(a.images, b.images) and torch.equal(a.labels, b.labels)
    assert sorted(torch.bincount(a.labels).tolist()) == [3] * 10
    first = (
        np.array(Image.open(root / "train" / "airplane" / "0000.png"))
        .transpose(2, 0, 1)
        .copy()
    )
    assert torch.equal(a.images[0], torch.from_numpy(first))
    assert torch.equal(
        cifar10("train", root=archive).images, b.images
    )  # from the decoded cache


@pytest.mark.slow  # starts two Python processes that import torch
def test_two_processes_decoding_at_once_do_not_collide(tiny_folder):
    """Each process writes the decoded cache through a temporary file of its own, so two
    chapters (or jobs) that decode the same archive at once both succeed: one used to
    find its temporary file renamed away by the other (FileNotFoundError)."""
    import multiprocessing as mp
    import os

    _, archive = tiny_folder
    ctx = mp.get_context("spawn")
    with ctx.Pool(2) as pool:
        got = pool.starmap(
            _decode_and_sum,
            [(str(archive), os.environ["XDG_CACHE_HOME"])] * 4,
        )
    assert len(set(got)) == 1, got
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "resnet_lib"
    assert not list(cache.glob("*.tmp*")), "a temporary file was left behind"
    assert len(list(cache.glob("cifar10-train-*.npz"))) == 1


def _decode_and_sum(archive: str, cache_home: str) -> int:
    import os

    os.environ["XDG_CACHE_HOME"] = cache_home
    return int(cifar10("train", root=archive).images.sum())


def test_the_source_names_the_data_without_the_machines_folders(tiny_folder):
    """A chapter prints the source: it must not show the folders of the machine that built the book."""
    root, archive = tiny_folder
    for data, name in (
        (cifar10("train", root=root), root.name),
        (cifar10("test", root=archive), archive.name),
    ):
        assert data.source.startswith("CIFAR-10 ") and name in data.source, (
            data.source
        )
        assert (
            str(root.parent) not in data.source
            and "/" not in data.source.split(name)[0]
        ), data.source


def test_missing_cifar_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.delenv("RESNET_DATA", raising=False)
    with pytest.raises(
        DataNotFoundError,
        match=r"not found at .*download=True.*RESNET_DATA.*source='offline'",
    ):
        cifar10("train", root=tmp_path / "nothing")
    with pytest.raises(DataNotFoundError):
        load_data("cifar10", root=tmp_path / "nothing", download=False)
    fallback = load_data(
        "auto", root=tmp_path / "nothing", download=False, offline_per_class=5
    )
    assert "offline" in fallback.source and len(fallback) == 50


def test_resnet_data_pointing_nowhere_is_an_error_not_a_silent_fallback(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RESNET_DATA", "../no/such/cifar10.tar.gz")
    for call in (
        lambda: cifar10("train"),
        lambda: load_data("auto", "train", download=False),
    ):
        with pytest.raises(
            ValueError,
            match=r"RESNET_DATA environment variable is '../no/such/cifar10.tar.gz', "
            r"which does not exist \(resolved from .*: .*/no/such/cifar10.tar.gz\)",
        ):
            call()
    monkeypatch.setenv(
        "RESNET_DATA", ""
    )  # empty: not set (the Makefile exports it empty without the data)
    assert (
        "offline"
        in load_data(
            "auto", "train", download=False, offline_per_class=5
        ).source
    )


def test_bad_arguments():
    with pytest.raises(
        ValueError,
        match="unknown data source 'imagenet'; allowed: auto, cifar10, offline",
    ):
        load_data("imagenet")
    with pytest.raises(
        ValueError, match="split must be 'train' or 'test'; got 'val'"
    ):
        synthetic_cifar("val")
    with pytest.raises(ValueError, match="labels must have shape"):
        ImageData(
            torch.zeros(3, 3, 4, 4, dtype=torch.uint8),
            torch.zeros(2, dtype=torch.long),
            ("a",),
            "x",
        )


def test_synthetic_is_balanced_deterministic_and_split():
    a, b = synthetic_cifar("train", 20), synthetic_cifar("train", 20)
    assert (
        torch.equal(a.images, b.images)
        and torch.bincount(a.labels).tolist() == [20] * 10
    )
    assert not torch.equal(synthetic_cifar("test", 20).images, a.images)
    sub = a.balanced_subset(5, seed=1)
    assert torch.bincount(sub.labels).tolist() == [5] * 10
    assert a.resized(16).images.shape == (200, 3, 16, 16)


def test_synthetic_colour_alone_does_not_give_the_class():
    # a nearest-class-mean classifier on mean colour must stay near chance (0.9 error)
    tr, te = synthetic_cifar("train", 200), synthetic_cifar("test", 100)
    feats = lambda d: d.images.float().mean((2, 3))
    means = torch.stack([feats(tr)[tr.labels == c].mean(0) for c in range(10)])
    pred = torch.cdist(feats(te), means).argmin(1)
    assert (pred != te.labels).float().mean() > 0.75


def test_normalize_uses_cifar_statistics():
    x = torch.full((1, 3, 2, 2), 255, dtype=torch.uint8)
    out = normalize(x)
    assert out.dtype == torch.float32
    assert out[0, 0, 0, 0].item() == pytest.approx(
        (1 - 0.4914) / 0.2470, rel=1e-5
    )


def test_a_chapter_can_tell_the_stand_in_from_cifar10(tiny_folder):
    root, _ = tiny_folder
    real = cifar10("train", root=root)
    stand_in = synthetic_cifar("train", 5)
    assert (
        not real.is_stand_in
        and not real.balanced_subset(2).resized(16).is_stand_in
    )
    assert (
        stand_in.is_stand_in
        and stand_in.balanced_subset(2).resized(16).is_stand_in
    )
    assert load_data("offline", "test", offline_per_class=5).is_stand_in
