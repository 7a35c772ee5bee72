"""The paper's test-time protocols, measured on a trained CIFAR network.

He et al. (2016, section 3.4) test their ImageNet networks two ways: "for comparison
studies we adopt the standard 10-crop testing" (the four corners and the centre of the
image, and the mirror image of each), and "for best results, we adopt the
fully-convolutional form ... and average the scores at multiple scales". On CIFAR-10
(section 4.2) they "only evaluate the single view of the original 32x32 image".

A *view* is one input the network sees for a test image; a *protocol* is a list of
views whose softmax scores are averaged. :func:`views` builds the views of each
protocol for a batch of images, :func:`view_scores` runs them (a protocol's scores are
their mean) and :func:`compare_protocols` measures every protocol's error and cost on
one data set, evaluating each distinct view once (the centre view is the single view,
the flip protocol's two views are two of the ten crops).

Crops are taken from the image zero-padded by ``padding`` pixels, as the training
augmentation pads it (:func:`~resnet_lib.training.augment_batch`), so the centre crop is
the image itself and every crop is one the network saw during training.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Sequence, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..counting import network_count
from ..data import ImageData, normalize
from ..i18n import N_
from ..training import evaluating
from ..memo import remembered

PROTOCOLS = ("single", "flip", "ten_crop", "multi_scale")
#: Where the five crops of ten-crop testing sit, in the order :func:`ten_crops` returns
#: (English; ``_(name)`` shows one in the reader's language)
CROP_NAMES = (
    N_("centre"),
    N_("top left"),
    N_("top right"),
    N_("bottom left"),
    N_("bottom right"),
)


def _check_images(images: Tensor) -> tuple[int, int]:
    if not isinstance(images, Tensor) or images.dim() != 4:
        raise ValueError(
            "expected a batch of images of shape (N, C, H, W); got "
            + (
                f"shape {tuple(images.shape)}"
                if isinstance(images, Tensor)
                else type(images).__name__
            )
        )
    return images.shape[-2], images.shape[-1]


def ten_crops(images: Tensor, padding: int) -> list[Tensor]:
    """The ten views of ten-crop testing, each of the images' own size.

    The images are zero-padded by ``padding`` pixels; the five crops are the centre
    (the image itself) and the four corners of the padded image (:data:`CROP_NAMES`),
    then the same five of the mirrored image.
    """
    h, w = _check_images(images)
    if (
        isinstance(padding, bool)
        or not isinstance(padding, int)
        or padding < 0
    ):
        raise ValueError(
            f"padding must be a non-negative number of pixels; got {padding!r}"
        )
    padded = F.pad(images, (padding,) * 4)
    p2 = 2 * padding
    offsets = [(padding, padding), (0, 0), (0, p2), (p2, 0), (p2, p2)]
    crops = [padded[..., y : y + h, x : x + w] for y, x in offsets]
    return crops + [c.flip(-1) for c in crops]


def rescaled(images: Tensor, size: int) -> Tensor:
    """The images resized to ``size x size`` (bilinear, antialiased when shrinking)."""
    h, w = _check_images(images)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(
            f"size must be a positive number of pixels; got {size!r}"
        )
    if (h, w) == (size, size):
        return images
    return F.interpolate(
        images,
        size=(size, size),
        mode="bilinear",
        align_corners=False,
        antialias=size < min(h, w),
    )


def views(
    images: Tensor,
    protocol: str,
    padding: int = 2,
    scales: Sequence[int] = (),
) -> list[Tensor]:
    """The views of ``protocol`` (one of :data:`PROTOCOLS`) for a batch of images.

    ``"single"``: the image; ``"flip"``: it and its mirror image; ``"ten_crop"``:
    :func:`ten_crops`; ``"multi_scale"``: the whole image resized to every size of
    ``scales``, and each mirrored (the network runs fully convolutionally: its global
    average pooling takes any map size).
    """
    _check_images(images)
    if protocol == "single":
        return [images]
    if protocol == "flip":
        return [images, images.flip(-1)]
    if protocol == "ten_crop":
        return ten_crops(images, padding)
    if protocol == "multi_scale":
        if not scales:
            raise ValueError(
                "multi_scale needs the sizes to test at, e.g. scales=(16, 20, 24)"
            )
        out = []
        for s in scales:
            x = rescaled(images, s)
            out += [x, x.flip(-1)]
        return out
    raise ValueError(
        f"unknown protocol {protocol!r}; allowed: {', '.join(PROTOCOLS)}"
    )


def _softmax(model: nn.Module, x: Tensor) -> Tensor:
    return F.softmax(model(normalize(x)).float(), dim=1)


def view_scores(
    model: nn.Module,
    images: Tensor,
    protocol: str,
    padding: int = 2,
    scales: Sequence[int] = (),
) -> Tensor:
    """The softmax of every view of ``protocol``: ``(views, N, classes)``, in eval mode
    (the model's mode is restored). ``images``: unnormalised, as stored in
    :class:`~resnet_lib.data.ImageData`."""
    with evaluating(model):
        device = next(model.parameters()).device
        vs = views(images.to(device), protocol, padding, scales)
        return torch.stack([_softmax(model, v) for v in vs])


def protocol_scores(
    model: nn.Module, images: Tensor, protocol: str, *args: Any, **kwargs: Any
) -> Tensor:
    """Mean softmax over the views of ``protocol``: ``(N, classes)``.

    Deprecated since 0.3 (removed in 0.4): it is ``view_scores(...).mean(0)``.
    """
    warnings.warn(
        "protocol_scores is deprecated since resnet_lib 0.3 and removed in 0.4: "
        "use view_scores(model, images, protocol, ...).mean(0)",
        DeprecationWarning,
        stacklevel=2,
    )
    return view_scores(model, images, protocol, *args, **kwargs).mean(0)


@dataclass
class ProtocolResult:
    """One protocol on one data set: its error, what it costs, what it changed."""

    protocol: str
    views: int
    error: float
    macs_per_image: int
    single_view_macs: int
    #: images the single view gets wrong and this protocol right, and the reverse
    fixed: int = 0
    broken: int = 0
    predictions: Tensor = field(default_factory=lambda: torch.empty(0))

    @property
    def relative_cost(self) -> float:
        """Multiply-adds per image over those of the single view."""
        return self.macs_per_image / self.single_view_macs


def sign_test(fixed: int, broken: int) -> float:
    """Two-sided sign test of a protocol against the single view: the chance
    of a split of the ``fixed + broken`` changed images at least as uneven as
    this one, were fixing and breaking equally likely (1.0 when none changed).
    """
    m = fixed + broken
    if not m:
        return 1.0
    k = min(fixed, broken)
    return min(1.0, 2 * sum(math.comb(m, i) for i in range(k + 1)) / 2**m)


def view_macs(model: nn.Module, size: int) -> int:
    """Multiply-adds of one ``size x size`` view of a resnet_lib ``ResNet`` (closed form,
    :func:`~resnet_lib.counting.network_count`)."""
    config = getattr(model, "config", None)
    if config is None:
        raise TypeError(
            f"expected a resnet_lib ResNet (with .config); got {type(model).__name__}"
        )
    return network_count(config, input_size=size).macs


@remembered
def compare_protocols(
    model: nn.Module,
    data: ImageData,
    padding: int = 2,
    scales: Sequence[int] = (),
    batch_size: int = 500,
    device: Union[str, torch.device, None] = None,
) -> dict[str, ProtocolResult]:
    """Error and multiply-adds of every protocol of :data:`PROTOCOLS` on ``data``.

    ``scales``: the sizes of multi-scale testing (default: the images' size and 1.25 and
    1.5 times it). Each distinct view is evaluated once: the ten crops include the
    single view and its mirror image, and the multi-scale views at the images' own size
    are those two as well.
    """
    if len(data) == 0:
        raise ValueError("the data set is empty")
    size = data.images.shape[-1]
    scales = tuple(scales) or (size, round(1.25 * size), round(1.5 * size))
    if device is not None:
        model.to(device)
    parts: dict[str, list[Tensor]] = {p: [] for p in PROTOCOLS}
    with evaluating(model):
        dev = next(model.parameters()).device
        for i in range(0, len(data), batch_size):
            x = data.images[i : i + batch_size].to(dev)
            crops = [_softmax(model, v) for v in ten_crops(x, padding)]
            # ten_crops: the centre view first, its mirror image sixth
            parts["single"].append(crops[0])
            parts["flip"].append((crops[0] + crops[5]) / 2)
            parts["ten_crop"].append(torch.stack(crops).mean(0))
            scaled = []
            for s in scales:
                if s == size:
                    scaled += [crops[0], crops[5]]
                else:
                    scaled += [
                        _softmax(model, v)
                        for v in views(x, "multi_scale", scales=(s,))
                    ]
            parts["multi_scale"].append(torch.stack(scaled).mean(0))
    # the size of every view of each protocol: its count and its cost
    sizes = {
        "single": [size],
        "flip": [size] * 2,
        "ten_crop": [size] * 10,
        "multi_scale": [s for s in scales for _ in range(2)],
    }
    cost = {s: view_macs(model, s) for s in {size, *scales}}
    single_right = torch.cat(parts["single"]).argmax(1).cpu() == data.labels
    results = {}
    for p in PROTOCOLS:
        pred = torch.cat(parts[p]).argmax(1).cpu()
        right = pred == data.labels
        results[p] = ProtocolResult(
            protocol=p,
            views=len(sizes[p]),
            error=1 - right.float().mean().item(),
            macs_per_image=sum(cost[s] for s in sizes[p]),
            single_view_macs=cost[size],
            fixed=int((right & ~single_right).sum()),
            broken=int((~right & single_right).sum()),
            predictions=pred,
        )
    return results
