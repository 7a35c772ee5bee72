"""CIFAR-10 as in-memory tensors, from wherever it can be had, and an offline stand-in.

Sources, in the order :func:`load_data` with ``source="auto"`` tries them:

1. a local copy: ``root`` (or the ``RESNET_DATA`` environment variable) pointing at
   torchvision's ``cifar-10-batches-py`` folder, an image-folder tree
   (``train/<class>/*.jpg``, ``test/<class>/*.jpg``) or a ``.tar.gz`` of one;
2. torchvision's download (``download=True``, the default on Google Colab);
3. the offline stand-in :func:`synthetic_cifar`: ten procedurally drawn classes of
   32x32 colour images that a small CNN really learns (test error far below chance),
   so every chapter runs with no network and no files.

Images are kept as ``uint8`` tensors ``(N, 3, H, W)``; :func:`normalize` turns a batch
into floats on the device, so data and augmentation can live on the GPU.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import tarfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .i18n import N_, Text

CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
#: per-channel mean and std of the CIFAR-10 training set (0..1 scale)
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)
SOURCES = ("auto", "cifar10", "offline")
ENV_VAR = "RESNET_DATA"


class DataNotFoundError(FileNotFoundError):
    """The requested data set is not on this machine and could not be downloaded."""


@dataclass(frozen=True)
class ImageData:
    """An in-memory image classification data set.

    Attributes:
        images: ``(N, 3, H, W)`` uint8.
        labels: ``(N,)`` int64 class indices.
        classes: class names.
        source: where the data came from, for the reader ("CIFAR-10 (local folder ...)").
    """

    images: Tensor
    labels: Tensor
    classes: tuple[str, ...]
    source: str = field(metadata={"memo": False})  # words, not data

    def __post_init__(self) -> None:
        if self.images.dim() != 4 or self.images.dtype != torch.uint8:
            raise ValueError(
                f"images must be a uint8 tensor (N, C, H, W); got {self.images.dtype} {tuple(self.images.shape)}"
            )
        if self.labels.shape != (self.images.shape[0],):
            raise ValueError(
                f"labels must have shape ({self.images.shape[0]},); got {tuple(self.labels.shape)}"
            )

    def __len__(self) -> int:
        return self.images.shape[0]

    @property
    def is_stand_in(self) -> bool:
        """True for the offline stand-in (:func:`synthetic_cifar`), not CIFAR-10: a chapter
        says so beside results that come from it."""
        return self.classes == SYNTHETIC_CLASSES

    def balanced_subset(self, per_class: int, seed: int = 0) -> "ImageData":
        """``per_class`` random images of every class (seeded), in a shuffled order."""
        counts = torch.bincount(self.labels, minlength=len(self.classes))
        if per_class <= 0 or per_class > int(counts.min()):
            raise ValueError(
                f"per_class must be between 1 and {int(counts.min())} for this data set; got {per_class}"
            )
        g = torch.Generator().manual_seed(seed)
        picks = [
            torch.nonzero(self.labels == c).flatten()
            for c in range(len(self.classes))
        ]
        index = torch.cat(
            [p[torch.randperm(len(p), generator=g)[:per_class]] for p in picks]
        )
        index = index[torch.randperm(len(index), generator=g)]
        return replace(
            self,
            images=self.images[index],
            labels=self.labels[index],
            source=str(
                Text(
                    "{source}, {n} per class", source=self.source, n=per_class
                )
            ),
        )

    def resized(self, size: int) -> "ImageData":
        """Downsample (area averaging) to ``size x size``; used to make CPU runs cheap."""
        if size == self.images.shape[-1]:
            return self
        small = F.interpolate(
            self.images.float(), size=(size, size), mode="area"
        )
        return replace(
            self,
            images=small.round().clamp(0, 255).to(torch.uint8),
            source=str(
                Text(
                    "{source}, resized to {size}x{size}",
                    source=self.source,
                    size=size,
                )
            ),
        )


def normalize(images: Tensor, mean=CIFAR10_MEAN, std=CIFAR10_STD) -> Tensor:
    """``uint8 (N, 3, H, W)`` -> float, per-channel standardised, on the images' device."""
    m = torch.tensor(mean, device=images.device).view(1, -1, 1, 1)
    s = torch.tensor(std, device=images.device).view(1, -1, 1, 1)
    return (images.float() / 255 - m) / s


# ---------------------------------------------------------------- real CIFAR-10


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "resnet_lib"


def _read_image_folder(
    path: Path, split: str
) -> tuple[np.ndarray, np.ndarray]:
    """Decode ``split/<class>/*.jpg|png`` from a folder or a tar(.gz) of one."""
    from PIL import Image

    images, labels = [], []

    def add(name: str, data: bytes) -> None:
        parts = Path(name).parts
        if (
            len(parts) >= 3
            and parts[-3] == split
            and parts[-2] in CIFAR10_CLASSES
        ):
            with Image.open(io.BytesIO(data)) as im:
                images.append(np.asarray(im.convert("RGB")))
            labels.append(CIFAR10_CLASSES.index(parts[-2]))

    if path.is_dir():
        for f in sorted(path.glob(f"**/{split}/*/*")):
            if f.suffix.lower() in (".jpg", ".jpeg", ".png"):
                add(str(f.relative_to(path)), f.read_bytes())
    else:
        with tarfile.open(path) as tf:
            for member in tf:
                if member.isfile() and member.name.lower().endswith(
                    (".jpg", ".jpeg", ".png")
                ):
                    data = tf.extractfile(member)
                    if (
                        data is None
                    ):  # extractfile gives None only for what is not a regular file
                        raise DataNotFoundError(
                            f"cannot read {member.name} from {path}"
                        )
                    add(member.name, data.read())
    if not images:
        raise DataNotFoundError(
            f"no CIFAR-10 images for split {split!r} under {path} (expected {split}/<class>/*.jpg)"
        )
    return np.stack(images).transpose(0, 3, 1, 2), np.asarray(labels)


def _read_torchvision(
    root: Path, split: str, download: bool
) -> tuple[np.ndarray, np.ndarray]:
    import torchvision

    ds = torchvision.datasets.CIFAR10(
        str(root), train=(split == "train"), download=download
    )
    return ds.data.transpose(0, 3, 1, 2), np.asarray(ds.targets)


#: the words of a data set's description, translated where it is shown
_SPLITS = {"train": N_("train"), "test": N_("test")}
_LAYOUTS = {
    "image-folder archive": N_("image-folder archive"),
    "image folder": N_("image folder"),
}


def _local_layout(root: Path) -> Optional[str]:
    if (
        root / "cifar-10-batches-py"
    ).is_dir() or root.name == "cifar-10-batches-py":
        return "torchvision"
    if root.is_file() and root.name.endswith((".tar.gz", ".tgz", ".tar")):
        return "image-folder archive"
    if root.is_dir() and any(root.glob("**/train/airplane")):
        return "image folder"
    return None


def cifar10(
    split: str = "train",
    root: Union[str, Path, None] = None,
    download: bool = False,
) -> ImageData:
    """The real CIFAR-10 ``split`` ("train": 50,000 images, "test": 10,000).

    Args:
        root: a local copy (see the module docstring); defaults to ``$RESNET_DATA``, then
            ``~/.cache/resnet_lib/cifar10`` (where downloads go).
        download: let torchvision download the data into ``root`` if it is missing.

    Raises:
        DataNotFoundError: with instructions, if the data is neither here nor downloadable.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test'; got {split!r}")
    from_env = root is None and bool(os.environ.get(ENV_VAR))
    root = Path(
        root or os.environ.get(ENV_VAR) or _cache_dir() / "cifar10"
    ).expanduser()
    if from_env and not root.exists():
        # a mistyped or relative RESNET_DATA must not fall back to the stand-in unnoticed
        raise ValueError(
            f"the {ENV_VAR} environment variable is {os.environ[ENV_VAR]!r}, which does not exist "
            f"(resolved from {Path.cwd()}: {root.resolve()}); point it at a local copy of CIFAR-10 "
            f"(preferably an absolute path) or unset it"
        )
    layout = _local_layout(root) if root.exists() else None
    if layout is None and not download:
        raise DataNotFoundError(
            f"CIFAR-10 was not found at {root}. Either pass download=True (needs internet; on "
            "Colab it is the default), or point root= or the RESNET_DATA environment variable at "
            "a local copy: torchvision's cifar-10-batches-py folder, or an image-folder tree "
            "train/<class>/*.jpg + test/<class>/*.jpg (or a .tar.gz of it). Without either, use "
            "source='offline' for the built-in stand-in."
        )
    if layout in (None, "torchvision"):
        tv_root = root.parent if root.name == "cifar-10-batches-py" else root
        try:
            x, y = _read_torchvision(tv_root, split, download)
        except (
            Exception
        ) as err:  # torchvision raises RuntimeError / URLError when offline
            raise DataNotFoundError(
                f"could not load or download CIFAR-10 into {tv_root}: {err}"
            ) from err
        # a name, not a path: a book prints it
        where = Text("torchvision files in {folder}/", folder=tv_root.name)
    else:
        # Decoding 60,000 JPEGs takes ~17 s: cache the decoded arrays, keyed by the file.
        stat = root.stat()
        key = hashlib.sha1(
            f"{root.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{split}".encode()
        ).hexdigest()[:16]
        cache = _cache_dir() / f"cifar10-{split}-{key}.npz"
        if cache.exists():
            with np.load(cache) as z:
                x, y = z["x"], z["y"]
        else:
            x, y = _read_image_folder(root, split)
            cache.parent.mkdir(parents=True, exist_ok=True)
            # a temporary file of this process's own: two processes decoding the
            # same archive at once (two chapters, two jobs) each write their own
            # and the last atomic rename wins, with the same content
            tmp = cache.with_name(f"{cache.stem}.{os.getpid()}.tmp.npz")
            try:
                np.savez(tmp, x=x, y=y)
                os.replace(tmp, cache)
            finally:
                tmp.unlink(missing_ok=True)
        # the file's name, not the machine's path: a book prints it
        where = Text(
            "{layout} {name}", layout=Text(_LAYOUTS[layout]), name=root.name
        )
    return ImageData(
        torch.from_numpy(np.ascontiguousarray(x)),
        torch.from_numpy(y).long(),
        CIFAR10_CLASSES,
        str(
            Text(
                "CIFAR-10 {split} ({where})",
                split=Text(_SPLITS[split]),
                where=where,
            )
        ),
    )


# ---------------------------------------------------------------- offline stand-in

SYNTHETIC_CLASSES = (
    "disk",
    "square",
    "ring",
    "cross",
    "horizontal bars",
    "vertical bars",
    "diagonal stripes",
    "checkerboard",
    "triangle",
    "two blobs",
)


def _shape_masks(
    kind: Tensor, cy: Tensor, cx: Tensor, r: Tensor, size: int
) -> Tensor:
    """Soft masks ``(N, size, size)`` of class-specific shapes at random places and sizes."""
    n = kind.shape[0]
    yy, xx = torch.meshgrid(
        torch.arange(size, dtype=torch.float32),
        torch.arange(size, dtype=torch.float32),
        indexing="ij",
    )
    dy = yy.expand(n, -1, -1) - cy.view(-1, 1, 1)
    dx = xx.expand(n, -1, -1) - cx.view(-1, 1, 1)
    r = r.view(-1, 1, 1)
    dist = (dy**2 + dx**2).sqrt()
    inside = (dy.abs() < r) & (dx.abs() < r)
    period = (r / 1.5).clamp(min=2.5)
    shapes = [
        dist < r,  # disk
        inside,  # square
        (dist < r) & (dist > r * 0.55),  # ring
        ((dy.abs() < r * 0.3) | (dx.abs() < r * 0.3)) & inside,  # cross
        (torch.sin(yy * np.pi / period) > 0) & inside,  # horizontal bars
        (torch.sin(xx * np.pi / period) > 0) & inside,  # vertical bars
        (torch.sin((xx + yy) * np.pi / period) > 0)
        & inside,  # diagonal stripes
        (
            (torch.sin(xx * np.pi / period) > 0)
            ^ (torch.sin(yy * np.pi / period) > 0)
        )
        & inside,  # checkerboard
        (dy < r) & (dy > -r) & (dx.abs() < (dy + r) / 2),  # triangle
        ((dy**2 + (dx - r * 0.6) ** 2).sqrt() < r * 0.45)
        | ((dy**2 + (dx + r * 0.6) ** 2).sqrt() < r * 0.45),  # two blobs
    ]
    stacked = torch.stack(
        [s.float() for s in shapes], dim=1
    )  # (N, 10, size, size)
    return stacked[torch.arange(n), kind]


def synthetic_cifar(
    split: str = "train", n_per_class: int = 500, size: int = 32, seed: int = 0
) -> ImageData:
    """An offline, learnable stand-in for CIFAR-10: ten shape classes in random colours.

    Every image has a random background colour and texture noise, and one shape whose
    class decides its form (disk, ring, stripes, ...), drawn at a random position, scale
    and colour. Colour carries no class information, so a network must learn shapes.
    The train and test splits use different seeds, so test error measures generalisation.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test'; got {split!r}")
    if n_per_class <= 0 or size < 8:
        raise ValueError(
            f"need n_per_class >= 1 and size >= 8; got {n_per_class}, {size}"
        )
    g = torch.Generator().manual_seed(seed * 2 + (split == "test") + 12345)
    n = 10 * n_per_class
    labels = torch.arange(10).repeat_interleave(n_per_class)
    labels = labels[torch.randperm(n, generator=g)]
    u = lambda *shape: torch.rand(*shape, generator=g)
    r = size * (0.2 + 0.15 * u(n))
    cy = size / 2 + (u(n) - 0.5) * (size - 2 * r)
    cx = size / 2 + (u(n) - 0.5) * (size - 2 * r)
    mask = _shape_masks(labels, cy, cx, r, size).unsqueeze(1)  # (N, 1, H, W)
    background = u(n, 3, 1, 1) * 0.7 + 0.15 * u(n, 3, size, size)
    foreground = u(n, 3, 1, 1)
    # keep the shape visible: push the foreground away from the background's mean colour
    foreground = torch.where(
        (foreground - background.mean((2, 3), keepdim=True))
        .abs()
        .mean(1, keepdim=True)
        < 0.25,
        1 - foreground,
        foreground,
    )
    images = (
        background * (1 - mask)
        + foreground * mask
        + 0.06 * torch.randn(n, 3, size, size, generator=g)
    )
    images = (images.clamp(0, 1) * 255).round().to(torch.uint8)
    return ImageData(
        images,
        labels,
        SYNTHETIC_CLASSES,
        str(
            Text(
                "offline synthetic shapes ({split}, seed {seed})",
                split=split,
                seed=seed,
            )
        ),
    )


def _on_colab() -> bool:
    return "google.colab" in sys.modules


def load_data(
    source: str = "auto",
    split: str = "train",
    root: Union[str, Path, None] = None,
    download: Optional[bool] = None,
    offline_per_class: int = 500,
) -> ImageData:
    """Load CIFAR-10 or the offline stand-in, whichever is available and asked for.

    Args:
        source: ``"cifar10"`` (the real data; an error with instructions if missing),
            ``"offline"`` (the stand-in) or ``"auto"`` (real CIFAR-10 if a local copy is
            found or can be downloaded, else the stand-in).
        download: allow a torchvision download; default: only on Google Colab.
    """
    if source not in SOURCES:
        raise ValueError(
            f"unknown data source {source!r}; allowed: {', '.join(SOURCES)}"
        )
    if source == "offline":
        return synthetic_cifar(
            split,
            n_per_class=offline_per_class
            if split == "train"
            else max(offline_per_class // 5, 1),
        )
    download = _on_colab() if download is None else download
    try:
        return cifar10(split, root=root, download=download)
    except DataNotFoundError:
        if source == "cifar10":
            raise
        return load_data("offline", split, offline_per_class=offline_per_class)
