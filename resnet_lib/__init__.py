"""resnet_lib: the library behind "ResNet, Interactively".

Three floors; imports only point down (``make lint`` checks it with import-linter):

====================  ==============================================================
**presentation**      what the book draws
``book/``             explorers, HTML tables, styles, plots, diagrams
``exercises/``        checkers and the find-the-bug bank (one module per part)
``classroom/``        marking a class's notebooks (``resnet-mark``)
**experiments**       what the chapters compute
``experiments/``      one module per chapter experiment (vanishing gradients,
                      degradation, identity learning, why residual nets train)
**core**              the networks and how to train and measure them
``nn/``               the block family and the models built from it
``training/``         recipes, augmentation, loop, checkpoints, history, progress,
                      CLI, a cache of trained networks
``counting.py``       closed-form parameters, multiply-adds, weighted layers
``diagnostics.py``    gradient norms, activation statistics
``data.py``           CIFAR-10 from wherever it can be had, and an offline stand-in
``device.py``         device, mixed precision, seeding, CPU threads
``reference.py``      the published numbers (paper tables, torchvision), with sources
====================  ==============================================================

This module re-exports the core's public names. Importing it changes no global state but
one: the module names of resnet_lib 0.1 stay importable, with a DeprecationWarning
(:mod:`resnet_lib._moved`), so that notebooks saved before 0.2 still run.
"""

from .nn import (
    IMAGENET_SPECS,
    ORDERINGS,
    TORCHVISION_SPECS,
    cifar_resnet,
    get_block,
    imagenet_resnet,
    init_weights,
    make_shortcut,
    make_stage,
    resnet101,
    resnet152,
    resnet18,
    resnet34,
    resnet50,
    resnext101_32x8d,
    resnext101_64x4d,
    resnext50_32x4d,
    resolve_block,
    torchvision_resnet,
    wide_resnet101_2,
    wide_resnet50_2,
    BasicBlock,
    Bottleneck,
    PadShortcut,
    PlainBasicBlock,
    PlainBottleneck,
    PreActBlock,
    PreActBottleneck,
    ResNet,
    ResNetConfig,
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
from .diagnostics import (
    ActivationStats,
    LayerGradient,
    activation_stats,
    gradient_norms,
)

__all__ = [
    "activation_stats",
    "ActivationStats",
    "BasicBlock",
    "block_macs",
    "block_params",
    "Bottleneck",
    "cifar_resnet",
    "Count",
    "count_params",
    "count_weighted_layers",
    "get_block",
    "gradient_norms",
    "imagenet_resnet",
    "IMAGENET_SPECS",
    "init_weights",
    "LayerCount",
    "LayerGradient",
    "make_shortcut",
    "make_stage",
    "network_count",
    "NetworkCount",
    "ORDERINGS",
    "PadShortcut",
    "pick_device",
    "PlainBasicBlock",
    "PlainBottleneck",
    "PreActBlock",
    "PreActBottleneck",
    "ResNet",
    "resnet101",
    "resnet152",
    "resnet18",
    "resnet34",
    "resnet50",
    "ResNetConfig",
    "resnext101_32x8d",
    "resnext101_64x4d",
    "resnext50_32x4d",
    "resolve_block",
    "seed_everything",
    "torchvision_resnet",
    "TORCHVISION_SPECS",
    "weighted_layers",
    "wide_resnet101_2",
    "wide_resnet50_2",
]

from ._moved import install as _install_moved

_install_moved()

__version__ = "0.2.0"
