"""resnet_lib: the library behind "ResNet, Interactively".

Re-exports only; importing it changes no global state.
"""

from .blocks import (
    ORDERINGS,
    BasicBlock,
    Bottleneck,
    PadShortcut,
    PlainBasicBlock,
    PlainBottleneck,
    PreActBlock,
    PreActBottleneck,
    get_block,
    make_shortcut,
    resolve_block,
)
from .counting import (
    Count,
    LayerCount,
    NetworkCount,
    block_macs,
    block_params,
    count_params,
    count_weighted_layers,
    network_count,
    weighted_layers,
)
from .device import pick_device, seed_everything
from .diagnostics import ActivationStats, LayerGradient, activation_stats, gradient_norms
from .models import (
    IMAGENET_SPECS,
    TORCHVISION_SPECS,
    ResNet,
    ResNetConfig,
    cifar_resnet,
    imagenet_resnet,
    init_weights,
    make_stage,
    resnet18,
    resnet34,
    resnet50,
    resnet101,
    resnet152,
    resnext50_32x4d,
    resnext101_32x8d,
    resnext101_64x4d,
    torchvision_resnet,
    wide_resnet50_2,
    wide_resnet101_2,
)

__version__ = "0.1.0"
