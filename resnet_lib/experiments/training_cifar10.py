"""The training chapter's shrunk CPU run of ResNet-20, shared by the chapters that use it.

The paper's recipe (section 4.2) keeps its shape, the problem shrinks: 250 training
images of each class and 200 test images of each, downsampled to 16x16 (so the crop
padding is 2 instead of 4), 400 iterations of batch 128. :func:`shrunk_data` and
:func:`shrunk_recipe` make that run; :func:`train_resnet20` trains the paper's ResNet-20
on it through the trained-network cache, so that the chapter on the paper's test-time
protocols loads the network the training chapter trained instead of training it again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

import torch

from ..data import ImageData, load_data
from ..device import seeded
from ..nn import cifar_resnet
from ..training import CachedRun, ProgressArg, TrainConfig, cached_fit
from ..training import paper_recipe

#: What the CPU run keeps of CIFAR-10: images per class, image size, crop padding
TRAIN_PER_CLASS, TEST_PER_CLASS, IMAGE_SIZE, CROP_PADDING = 250, 200, 16, 2


def shrunk_data(
    source: str = "auto",
    full_train: Optional[ImageData] = None,
) -> tuple[ImageData, ImageData]:
    """The run's training and test images (class-balanced, seeded, 16x16).

    ``full_train``: the whole training split, if the caller has loaded it already.
    """
    full_train = (
        load_data(source, "train") if full_train is None else full_train
    )
    test = load_data(source, "test", offline_per_class=1000)
    return (
        full_train.balanced_subset(TRAIN_PER_CLASS, seed=0).resized(
            IMAGE_SIZE
        ),
        test.balanced_subset(TEST_PER_CLASS, seed=1).resized(IMAGE_SIZE),
    )


def shrunk_recipe(**overrides) -> TrainConfig:
    """The paper's recipe, 400 iterations long (lr divided by 10 at 200 and 300), with
    the crop padding of 16x16 images."""
    settings = dict(
        iterations=400,
        batch_size=128,
        crop_padding=CROP_PADDING,
        eval_every=50,
        channels_last=True,
    )
    return paper_recipe(**{**settings, **overrides})


def train_resnet20(
    train: ImageData,
    test: ImageData,
    config: TrainConfig,
    *,
    name: str = "resnet20",
    device: Union[str, torch.device, None] = None,
    progress: ProgressArg = True,
    folder: Union[str, Path, None] = None,
) -> CachedRun:
    """The paper's ResNet-20, initialised from seed 0, trained on ``train`` with
    ``config`` once and loaded from the cache afterwards
    (:func:`~resnet_lib.training.cached_fit`, ``folder`` its cache folder)."""

    def build() -> torch.nn.Module:
        with seeded(0):  # the same initial weights for every run
            return cifar_resnet(20, num_classes=len(train.classes))

    return cached_fit(
        build,
        train,
        config,
        test,
        name=name,
        folder=folder,
        device=device,
        progress=progress,
        log_every=10,
    )
