"""The published numbers the book shows beside its own, each with its source.

One place for the figures that tests and chapters compare against, so none is typed twice:

* He, Zhang, Ren, Sun, *Deep Residual Learning for Image Recognition*, CVPR 2016
  (arXiv:1512.03385), cited as ``PAPER``: Table 1 (architectures and FLOPs), Tables 2 and 3
  (ImageNet 10-crop top-1 error), Table 6 (CIFAR-10).
* He, Zhang, Ren, Sun, *Identity Mappings in Deep Residual Networks*, ECCV 2016
  (arXiv:1603.05027), cited as ``PREACT_PAPER``: original vs full pre-activation units.
* Xie, Girshick, Dollar, Tu, He, *Aggregated Residual Transformations for Deep Neural
  Networks*, CVPR 2017 (arXiv:1611.05431), cited as ``RESNEXT_PAPER``: Table 3
  (cardinality against bottleneck width at constant complexity).
* torchvision's weights metadata (``ResNet50_Weights.IMAGENET1K_V1.meta``: ``num_params``,
  ``_ops`` in GFLOPS, ``_metrics["ImageNet-1K"]``), torchvision 0.29.

Plain data in frozen dataclasses: importing this module imports nothing heavy (no torch)
and changes no state. ``tests/test_reference.py`` checks the torchvision rows against
torchvision itself and the paper's rows against each other (depth = 1 + blocks x convs + 1).

    >>> from resnet_lib.reference import CIFAR10, TORCHVISION
    >>> CIFAR10[56].test_error, TORCHVISION["resnet50"].params
    (6.97, 25557032)
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping, Optional, cast


def N_(message: str) -> str:
    """Mark a name for the translation catalogs (as :func:`resnet_lib.i18n.N_`; this
    module imports nothing of the library, so that it loads on its own)."""
    return message


PAPER = "He et al. 2016, Deep Residual Learning for Image Recognition (arXiv:1512.03385)"
PREACT_PAPER = "He et al. 2016b, Identity Mappings in Deep Residual Networks (arXiv:1603.05027)"
RESNEXT_PAPER = "Xie et al. 2017, Aggregated Residual Transformations for Deep Neural Networks (arXiv:1611.05431)"
TORCHVISION_SOURCE = "torchvision 0.29 weights metadata"


@dataclass(frozen=True)
class Architecture:
    """One column of the paper's Table 1: an ImageNet ResNet."""

    name: str
    depth: int
    block: str  # "basic" (two 3x3 convs) or "bottleneck" (1x1, 3x3, 1x1)
    layers: tuple[int, ...]  # blocks per stage, conv2_x .. conv5_x
    flops: float  # multiply-adds of one 224x224 image, as printed (one decimal, x 10^9)
    source: str = f"{PAPER}, Table 1"

    @property
    def convs_per_block(self) -> int:
        return 2 if self.block == "basic" else 3


@dataclass(frozen=True)
class ImageNetError:
    """A top-1 error (%) on the ImageNet validation set (10-crop testing unless its
    source says otherwise). Table 4's caption says only "single-model results"; that
    they are multi-scale, fully convolutional is inferred from section 3.4, which
    adopts that protocol "for best results"."""

    name: str
    top1_error: float
    source: str


@dataclass(frozen=True)
class CifarResult:
    """One row of the paper's Table 6 (CIFAR-10 test error of a 6n+2 network)."""

    depth: int
    n: int  # blocks per stage
    params_millions: float  # as printed: 0.27 means 0.27M
    test_error: (
        float  # %, as printed (for ResNet-110 the best of 5 runs; for the
    )
    # other depths the paper does not say how many runs)
    mean_error: Optional[float] = (
        None  # %, mean over runs where the paper gives it
    )
    std_error: Optional[float] = None
    source: str = f"{PAPER}, Table 6"


@dataclass(frozen=True)
class PreActResult:
    """The same network with the original and with full pre-activation units (test error %)."""

    name: str
    dataset: str  # "CIFAR-10" or "CIFAR-100"
    original: float
    preact: float
    source: str = f"{PREACT_PAPER}, Table 3"


@dataclass(frozen=True)
class OrderingResult:
    """One row of He et al. 2016b's Table 2: CIFAR-10 test error (%) of one unit ordering."""

    ordering: str  # its name in resnet_lib.nn.blocks.ORDERINGS
    case: str  # the paper's name for it
    figure: str  # "4(a)" ... "4(e)"
    resnet110: float
    resnet164: float
    source: str = f"{PREACT_PAPER}, Table 2"


@dataclass(frozen=True)
class ResNeXtResult:
    """One row of Xie et al. 2017's Table 3: ImageNet-1K top-1 error (%, one 224x224
    crop) of a network with cardinality C and bottleneck width d ("C x d"), all of
    roughly the same complexity as the ResNet of the same depth (C = 1, d = 64)."""

    depth: int  # 50 or 101
    cardinality: int  # C: torchvision's groups
    width: int  # d: channels per group in conv2's 3x3 (torchvision's width_per_group)
    top1_error: float
    source: str = f"{RESNEXT_PAPER}, Table 3"

    @property
    def name(self) -> str:
        family = "ResNet" if self.cardinality == 1 else "ResNeXt"
        return f"{family}-{self.depth} ({self.cardinality}x{self.width}d)"


@dataclass(frozen=True)
class TorchvisionWeights:
    """torchvision's published figures for one set of ImageNet weights."""

    builder: str  # torchvision.models.<builder>
    weights: (
        str  # the weights enum member, e.g. "ResNet50_Weights.IMAGENET1K_V1"
    )
    params: int  # meta["num_params"]
    gflops: float  # meta["_ops"]: multiply-adds at 224x224, in 10^9
    acc1: float  # meta["_metrics"]["ImageNet-1K"]["acc@1"], %
    acc5: float  # meta["_metrics"]["ImageNet-1K"]["acc@5"], %

    @property
    def source(self) -> str:
        return f"{TORCHVISION_SOURCE}: {self.weights}.meta"

    @property
    def top1_error(self) -> float:
        return round(100 - self.acc1, 3)


def _frozen(d: dict) -> Mapping:
    return MappingProxyType(d)


#: The paper's Table 1, by depth.
TABLE1: Mapping[int, Architecture] = _frozen(
    {
        18: Architecture("ResNet-18", 18, "basic", (2, 2, 2, 2), 1.8),
        34: Architecture("ResNet-34", 34, "basic", (3, 4, 6, 3), 3.6),
        50: Architecture("ResNet-50", 50, "bottleneck", (3, 4, 6, 3), 3.8),
        101: Architecture("ResNet-101", 101, "bottleneck", (3, 4, 23, 3), 7.6),
        152: Architecture(
            "ResNet-152", 152, "bottleneck", (3, 8, 36, 3), 11.3
        ),
    }
)

#: VGG's multiply-adds as the paper quotes them (sections 3.3 and 4.1), x 10^9.
VGG_FLOPS: Mapping[str, float] = _frozen({"VGG-16": 15.3, "VGG-19": 19.6})


def _imagenet_errors(
    table: str, errors: dict[str, float]
) -> dict[str, ImageNetError]:
    """The top-1 errors (%) of the paper's ``table``, by network, with their source."""
    return {
        name: ImageNetError(name, error, f"{PAPER}, {table}")
        for name, error in errors.items()
    }


#: ImageNet 10-crop top-1 error (%): plain and residual 18/34 (Table 2), the shortcut
#: options of ResNet-34 (A, B, C) and the deeper ResNets (Table 3).
IMAGENET_ERRORS: Mapping[str, ImageNetError] = _frozen(
    {
        **_imagenet_errors(
            "Table 2",
            {"plain-18": 27.94, "plain-34": 28.54, "ResNet-18": 27.88},
        ),
        **_imagenet_errors(
            "Table 3",
            {
                "ResNet-34 A": 25.03,
                "ResNet-34 B": 24.52,
                "ResNet-34 C": 24.19,
                "ResNet-50": 22.85,
                "ResNet-101": 21.75,
                "ResNet-152": 21.43,
            },
        ),
    }
)

#: The paper's test-time protocols. ImageNet (section 3.4): "for comparison studies we
#: adopt the standard 10-crop testing"; "for best results, we adopt the fully-
#: convolutional form ... and average the scores at multiple scales (images are resized
#: such that the shorter side is in {224, 256, 384, 480, 640})". Training resized the
#: shorter side at random in [256, 480] (scale augmentation) and cropped 224x224.
#: CIFAR-10 (section 4.2): "we only evaluate the single view of the original 32x32 image".
MULTISCALE_SIDES: tuple[int, ...] = (224, 256, 384, 480, 640)
TRAIN_SCALE_RANGE: tuple[int, int] = (256, 480)
IMAGENET_CROP = 224

#: Single-model top-1 error (%) on the ImageNet validation set, the paper's Table 4,
#: beside the same networks' 10-crop errors of Table 3 (:data:`IMAGENET_ERRORS`). The
#: caption says only "single-model results"; the protocol (multi-scale, fully
#: convolutional) is inferred from section 3.4, which adopts it "for best results".
IMAGENET_MULTISCALE_ERRORS: Mapping[str, ImageNetError] = _frozen(
    _imagenet_errors(
        "Table 4",
        {
            "ResNet-34 B": 21.84,
            "ResNet-34 C": 21.53,
            "ResNet-50": 20.74,
            "ResNet-101": 19.87,
            "ResNet-152": 19.38,
        },
    )
)

#: The paper's Table 6 (CIFAR-10, option A shortcuts), by depth. ResNet-110: best of 5 runs,
#: with the mean and standard deviation the table gives beside it.
CIFAR10: Mapping[int, CifarResult] = _frozen(
    {
        20: CifarResult(20, 3, 0.27, 8.75),
        32: CifarResult(32, 5, 0.46, 7.51),
        44: CifarResult(44, 7, 0.66, 7.17),
        56: CifarResult(56, 9, 0.85, 6.97),
        110: CifarResult(110, 18, 1.7, 6.43, mean_error=6.61, std_error=0.16),
        1202: CifarResult(1202, 200, 19.4, 7.93),
    }
)

#: The CIFAR-10 architecture of the paper's section 4.2: a 3x3 stem with 16 filters, three
#: stages of n blocks with these widths on these map sizes, global average pooling, 10-way fc.
CIFAR10_ARCHITECTURE: Mapping[str, object] = _frozen(
    dict(
        stem_filters=16,
        widths=(16, 32, 64),
        map_sizes=(32, 16, 8),
        classes=10,
        source=f"{PAPER}, section 4.2",
    )
)

#: The CIFAR-10 recipe of the paper's section 4.2. ``train_images`` and ``val_images`` are
#: the 45k/5k train/val split on which the paper determined the 64k stopping point; the
#: paper does not say whether the networks it reports then trained on the 45k or on all
#: 50k images (the book's epochs exercise assumes 45k).
CIFAR10_RECIPE: Mapping[str, object] = _frozen(
    dict(
        batch_size=128,
        lr=0.1,
        momentum=0.9,
        weight_decay=1e-4,
        milestones=(32_000, 48_000),
        iterations=64_000,
        train_images=45_000,
        val_images=5_000,
        crop_padding=4,
        warmup_lr=0.01,
        warmup_until_error=0.8,
        warmup_iterations_approx=400,
        source=f"{PAPER}, section 4.2",
    )
)

#: Original vs full pre-activation units (He et al. 2016b, Table 3).
PREACT: Mapping[tuple[str, str], PreActResult] = _frozen(
    {
        (r.name, r.dataset): r
        for r in (
            PreActResult("ResNet-110", "CIFAR-10", 6.61, 6.37),
            PreActResult("ResNet-164", "CIFAR-10", 5.93, 5.46),
            PreActResult("ResNet-1001", "CIFAR-10", 7.61, 4.92),
            PreActResult("ResNet-164", "CIFAR-100", 25.16, 24.33),
            PreActResult("ResNet-1001", "CIFAR-100", 27.82, 22.71),
        )
    }
)

#: Pre-activation ResNet-1001 on CIFAR-10 with mini-batch 64 (He et al. 2016b, abstract), %.
PREACT_1001_BATCH64_ERROR = 4.62

#: The five unit orderings of Figure 4 on CIFAR-10 (He et al. 2016b, Table 2), by ordering.
PREACT_ORDERINGS: Mapping[str, OrderingResult] = _frozen(
    {
        r.ordering: r
        for r in (
            OrderingResult(
                "original", N_("original Residual Unit"), "4(a)", 6.61, 5.93
            ),
            OrderingResult(
                "bn_after_add", N_("BN after addition"), "4(b)", 8.17, 6.50
            ),
            OrderingResult(
                "relu_before_add",
                N_("ReLU before addition"),
                "4(c)",
                7.84,
                6.14,
            ),
            OrderingResult(
                "relu_preact",
                N_("ReLU-only pre-activation"),
                "4(d)",
                6.71,
                5.91,
            ),
            OrderingResult(
                "full_preact", N_("full pre-activation"), "4(e)", 6.37, 5.46
            ),
        )
    }
)

#: Parameters (millions, as printed) of the pre-activation bottleneck CIFAR nets
#: (He et al. 2016b, Table 4).
PREACT_PARAMS_MILLIONS: Mapping[str, float] = _frozen(
    {"ResNet-164": 1.7, "ResNet-1001": 10.2}
)
PREACT_PARAMS_SOURCE = f"{PREACT_PAPER}, Table 4"

#: Cardinality against bottleneck width at roughly constant complexity (Xie et al. 2017,
#: Table 3; the same (C, d) pairs as its Table 2), by (depth, C, d).
RESNEXT_TABLE3: Mapping[tuple[int, int, int], ResNeXtResult] = _frozen(
    {
        (r.depth, r.cardinality, r.width): r
        for r in (
            ResNeXtResult(50, 1, 64, 23.9),
            ResNeXtResult(50, 2, 40, 23.0),
            ResNeXtResult(50, 4, 24, 22.6),
            ResNeXtResult(50, 8, 14, 22.3),
            ResNeXtResult(50, 32, 4, 22.2),
            ResNeXtResult(101, 1, 64, 22.0),
            ResNeXtResult(101, 2, 40, 21.7),
            ResNeXtResult(101, 4, 24, 21.4),
            ResNeXtResult(101, 8, 14, 21.3),
            ResNeXtResult(101, 32, 4, 21.2),
        )
    }
)

#: "~70k": the parameters of the conv2 block template at every (C, d) pair of Xie et al.
#: 2017, Table 2 (256 channels in and out).
RESNEXT_TEMPLATE_PARAMS = 70_000
RESNEXT_TEMPLATE_SOURCE = f"{RESNEXT_PAPER}, Table 2"

#: torchvision's ResNet family, by builder name: the weights enum's class, and what
#: every set of its weights shares, meta["num_params"] and meta["_ops"] (GFLOPS).
_TORCHVISION_MODELS: dict[str, tuple[str, int, float]] = {
    "resnet18": ("ResNet18_Weights", 11_689_512, 1.814),
    "resnet34": ("ResNet34_Weights", 21_797_672, 3.664),
    "resnet50": ("ResNet50_Weights", 25_557_032, 4.089),
    "resnet101": ("ResNet101_Weights", 44_549_160, 7.801),
    "resnet152": ("ResNet152_Weights", 60_192_808, 11.514),
    "resnext50_32x4d": ("ResNeXt50_32X4D_Weights", 25_028_904, 4.23),
    "resnext101_32x8d": ("ResNeXt101_32X8D_Weights", 88_791_336, 16.414),
    "resnext101_64x4d": ("ResNeXt101_64X4D_Weights", 83_455_272, 15.46),
    "wide_resnet50_2": ("Wide_ResNet50_2_Weights", 68_883_240, 11.398),
    "wide_resnet101_2": ("Wide_ResNet101_2_Weights", 126_886_696, 22.753),
}


def _torchvision_weights(
    version: str, accuracies: dict[str, tuple[float, float]]
) -> dict[str, TorchvisionWeights]:
    """The weights ``version`` (``"IMAGENET1K_V1"``, ...) of each builder in
    ``accuracies``, given as (acc@1, acc@5) in %."""
    out = {}
    for builder, (acc1, acc5) in accuracies.items():
        enum, params, gflops = _TORCHVISION_MODELS[builder]
        out[builder] = TorchvisionWeights(
            builder, f"{enum}.{version}", params, gflops, acc1, acc5
        )
    return out


#: torchvision's ResNet family, IMAGENET1K_V1 weights, by builder name. For most builders
#: these come from torchvision's original recipe; resnext101_64x4d's only weights (named
#: V1) come from its new recipe, hence their higher accuracy.
TORCHVISION: Mapping[str, TorchvisionWeights] = _frozen(
    _torchvision_weights(
        "IMAGENET1K_V1",
        {
            "resnet18": (69.758, 89.078),
            "resnet34": (73.314, 91.42),
            "resnet50": (76.13, 92.862),
            "resnet101": (77.374, 93.546),
            "resnet152": (78.312, 94.046),
            "resnext50_32x4d": (77.618, 93.698),
            "resnext101_32x8d": (79.312, 94.526),
            "resnext101_64x4d": (83.246, 96.454),
            "wide_resnet50_2": (78.468, 94.086),
            "wide_resnet101_2": (78.848, 94.284),
        },
    )
)

#: torchvision's V2 weights (a modern training recipe, same architectures), where they exist.
TORCHVISION_V2: Mapping[str, TorchvisionWeights] = _frozen(
    _torchvision_weights(
        "IMAGENET1K_V2",
        {
            "resnet50": (80.858, 95.434),
            "resnet101": (81.886, 95.78),
            "resnet152": (82.284, 96.002),
            "resnext50_32x4d": (81.198, 95.34),
            "resnext101_32x8d": (82.834, 96.228),
            "wide_resnet50_2": (81.602, 95.758),
            "wide_resnet101_2": (82.51, 96.02),
        },
    )
)


def torchvision_params(depth: int) -> int:
    """torchvision's parameter count of ``resnet{depth}`` (18, 34, 50, 101, 152)."""
    return _torchvision_resnet(depth).params


def torchvision_gflops(depth: int) -> float:
    """torchvision's GFLOPS (multiply-adds, 224x224) of ``resnet{depth}``."""
    return _torchvision_resnet(depth).gflops


def _torchvision_resnet(depth: int) -> TorchvisionWeights:
    if depth not in TABLE1:
        raise ValueError(
            f"torchvision's ImageNet ResNets are 18, 34, 50, 101 and 152 deep; got {depth}"
        )
    return TORCHVISION[f"resnet{depth}"]


VEIT_PAPER = (
    "Veit, Wilber and Belongie 2016, Residual Networks Behave Like Ensembles of "
    "Relatively Shallow Networks (NeurIPS)"
)
#: Veit et al. 2016, abstract: in a residual network with 110 layers (CIFAR-10), most of
#: the gradient during training comes from paths that are only 10 to 34 layers deep.
VEIT_EFFECTIVE_PATH_LAYERS = (10, 34)


def published_numbers() -> set[float]:
    """Every number in this module, as printed in its source (for the prose check)."""
    numbers: set[float] = set()
    for a in TABLE1.values():
        numbers |= {a.depth, a.flops, *a.layers}
    numbers |= set(VGG_FLOPS.values())
    numbers |= {e.top1_error for e in IMAGENET_ERRORS.values()}
    numbers |= {e.top1_error for e in IMAGENET_MULTISCALE_ERRORS.values()}
    numbers |= {*MULTISCALE_SIDES, *TRAIN_SCALE_RANGE, IMAGENET_CROP}
    for c in CIFAR10.values():
        numbers |= {c.depth, c.n, c.params_millions, c.test_error} | {
            x for x in (c.mean_error, c.std_error) if x
        }
    numbers |= {
        v for v in CIFAR10_RECIPE.values() if isinstance(v, (int, float))
    }
    numbers |= set(cast("tuple[int, ...]", CIFAR10_RECIPE["milestones"]))
    numbers.add(
        round(100 * cast(float, CIFAR10_RECIPE["warmup_until_error"]))
    )  # "below 80%"
    numbers |= {
        *cast("tuple[int, ...]", CIFAR10_ARCHITECTURE["widths"]),
        *cast("tuple[int, ...]", CIFAR10_ARCHITECTURE["map_sizes"]),
    }
    for p in PREACT.values():
        numbers |= {p.original, p.preact}
    numbers.add(PREACT_1001_BATCH64_ERROR)
    for o in PREACT_ORDERINGS.values():
        numbers |= {o.resnet110, o.resnet164}
    numbers |= set(PREACT_PARAMS_MILLIONS.values())
    # the errors only: C and d are printed as "32x4d", which the prose check reads as a
    # size; as plain numbers they would excuse any 14, 24 or 40 in any chapter
    numbers |= {x.top1_error for x in RESNEXT_TABLE3.values()}
    numbers.add(RESNEXT_TEMPLATE_PARAMS)
    numbers |= set(VEIT_EFFECTIVE_PATH_LAYERS)
    for w in (*TORCHVISION.values(), *TORCHVISION_V2.values()):
        numbers |= {w.params, w.gflops, w.acc1, w.acc5, w.top1_error}
    return numbers
