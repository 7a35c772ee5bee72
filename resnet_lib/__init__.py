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

from . import nn as _nn
from .nn import *  # noqa: F403 - the block family and models: nn.__all__, listed once
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
    *_nn.__all__,
    "activation_stats",
    "ActivationStats",
    "block_macs",
    "block_params",
    "Count",
    "count_params",
    "count_weighted_layers",
    "gradient_norms",
    "LayerCount",
    "LayerGradient",
    "network_count",
    "NetworkCount",
    "pick_device",
    "seed_everything",
    "weighted_layers",
]

from ._moved import install as _install_moved

_install_moved()

__version__ = "0.3.0"
