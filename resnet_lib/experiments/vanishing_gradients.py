"""Vanishing, exploding and shattered gradients: the experiments of the gradient chapter.

By the chain rule, the gradient that reaches layer ``l`` of an ``L``-layer network is a
product of ``L - l`` layer Jacobians. A product of many factors below 1 in size vanishes,
above 1 explodes (:func:`product_norms`). A sigmoid's derivative is at most 1/4
(:func:`sigmoid_derivative_max`), so deep sigmoid nets without normalisation vanish.

:func:`gradient_net` builds the paper's CIFAR ResNet (6n+2 weighted layers, 16/32/64
channels) with a chosen activation, normalisation and initialisation, plain or residual,
through the library's one ResNet family; :func:`gradient_profile` measures the gradient norm of every weighted layer at
initialisation. With BatchNorm, deep *plain* CNNs explode toward the input (Yang et al.,
"A Mean Field Theory of Batch Normalization", ICLR 2019), while residual twins stay
within a small factor. :func:`shattering` reproduces the "shattered gradients" picture of
Balduzzi et al. (ICML 2017): along a line of inputs, the gradient of a deep plain net looks
like noise, that of a residual net stays correlated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
from torch import Tensor, nn

from ..nn.blocks import ACTIVATIONS, NORMS, BasicBlock
from ..diagnostics import LayerGradient, gradient_norms
from ..nn.models import ResNet, cifar_depth_to_blocks, cifar_resnet
from ..device import cpu_threads
from ..memo import remembered

INITS = (
    "default",
    "xavier",
    "he",
)  # of models.INITS, those the gradient chapter compares


def sigmoid_derivative_max(points: int = 10_001) -> tuple[float, float]:
    """Largest value of sigmoid'(x) on a grid over [-10, 10], by autograd: (max, argmax)."""
    x = torch.linspace(-10, 10, points, requires_grad=True)
    (grad,) = torch.autograd.grad(torch.sigmoid(x).sum(), x)
    i = int(grad.argmax())
    return grad[i].item(), x[i].item()


@remembered
def product_norms(
    depth: int, gain: float, width: int = 256, seed: int = 0
) -> list[float]:
    """Norm of ``W_L ... W_1 v`` after each layer, for random ``W`` with gain ``gain``.

    Each ``W`` has i.i.d. entries of std ``gain / sqrt(width)``, so it scales a vector's norm
    by about ``gain`` and the product by about ``gain ** L``: vanishing below 1, exploding
    above. ``v`` is a random unit vector.
    """
    g = torch.Generator().manual_seed(seed)
    v = torch.randn(width, generator=g)
    v = v / v.norm()
    norms = [1.0]
    for _ in range(depth):
        w = torch.randn(width, width, generator=g) * gain / width**0.5
        v = w @ v
        norms.append(v.norm().item())
    return norms


@dataclass(frozen=True)
class GradientNetConfig:
    """A network for the gradient explorer. ``depth`` counts weighted layers (6n+2)."""

    depth: int = 20
    residual: bool = False
    activation: str = "relu"
    norm: str = "batchnorm"
    init: str = "he"

    def __post_init__(self) -> None:
        cifar_depth_to_blocks(
            self.depth
        )  # raises for a depth that is not 6n+2
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {self.activation!r}; allowed: {', '.join(ACTIVATIONS)}"
            )
        if self.norm not in NORMS:
            raise ValueError(
                f"unknown normalisation {self.norm!r}; allowed: {', '.join(NORMS)}"
            )
        if self.init not in INITS:
            raise ValueError(
                f"unknown initialisation {self.init!r}; allowed: {', '.join(INITS)}"
            )


def gradient_net(
    cfg: GradientNetConfig,
    num_classes: int = 10,
    generator: Optional[torch.Generator] = None,
) -> ResNet:
    """The CIFAR ResNet described by ``cfg`` (stem, three stages, pool, fc), or its plain twin.

    Built by the library's one ResNet family (:func:`~resnet_lib.nn.models.cifar_resnet`,
    basic blocks in the original ordering, option A shortcuts, so the plain and residual
    versions have the same parameters) with the chosen activation, normalisation
    (without one, every convolution has a bias) and initialisation
    (:func:`~resnet_lib.nn.models.init_weights`). With ``generator``, every weight is drawn
    from it and the global RNG is left untouched.
    """
    return cifar_resnet(
        cfg.depth,
        "A",
        plain=not cfg.residual,
        num_classes=num_classes,
        block="basic",
        norm_layer=cfg.norm,
        act_layer=cfg.activation,
        init=cfg.init,
        generator=generator,
    )


@remembered
def gradient_profile(
    cfg: GradientNetConfig,
    batch: int = 16,
    size: int = 16,
    seed: int = 0,
    device: Optional[torch.device] = None,
) -> list[LayerGradient]:
    """Gradient norm of every weighted layer at initialisation, input to output.

    One batch of standard-normal images and random labels; BatchNorm in training mode
    (it normalises with the batch's statistics, as in the first training step). The
    defaults (16 images of 16x16) keep one depth-110 profile under half a second on a
    2-core CPU, so that an explorer update stays interactive; the first/last ratio is a
    property of the architecture, not of the batch, to within a factor of about 2.
    """
    with cpu_threads(
        1, device
    ):  # small ops: on a busy 2-core CPU, 1 thread was 1.5-10x faster than 2
        net = (
            gradient_net(cfg, generator=torch.Generator().manual_seed(seed))
            .to(device)
            .train()
        )
        g = torch.Generator().manual_seed(seed + 1)
        x = torch.randn(batch, 3, size, size, generator=g).to(device)
        y = torch.randint(0, 10, (batch,), generator=g).to(device)
        return gradient_norms(net, x, y)


@remembered
def depth_sweep(
    depths, residual: bool, seed: int = 0, **kwargs
) -> dict[int, float]:
    """``{depth: |grad of first layer| / |grad of last layer|}`` at initialisation."""
    out = {}
    for d in depths:
        prof = gradient_profile(
            GradientNetConfig(depth=d, residual=residual, **kwargs), seed=seed
        )
        out[d] = prof[0].norm / prof[-1].norm
    return out


@dataclass(frozen=True)
class StreamSize:
    """One block of a residual network at initialisation: the RMS of what reaches it
    (the stream the shortcuts carry) and of what its residual branch adds, F(x)."""

    stream: float
    added: float


@remembered
def stream_sizes(cfg: GradientNetConfig, seed: int = 0) -> list[StreamSize]:
    """:class:`StreamSize` of every block of the residual network ``cfg``, input to
    output, on the batch :func:`gradient_profile` measures with.

    With ReLU after the addition the stream grows block by block while each block adds
    about the same, so the identity dominates each block's Jacobian; an activation that
    squashes the sum (tanh) holds the stream at the size of what each block adds.
    """
    if not cfg.residual:
        raise ValueError(
            f"a plain network has no residual stream; got {cfg!r} (residual=False)"
        )
    net = gradient_net(
        cfg, generator=torch.Generator().manual_seed(seed)
    ).train()
    found: list[
        float
    ] = []  # F(x) of a block, then what reached it, block by block

    def rms(t: Tensor) -> float:
        return t.detach().pow(2).mean().sqrt().item()

    hooks = []
    blocks = [m for m in net.modules() if isinstance(m, BasicBlock)]
    for block in blocks:  # F(x) ends with bn2
        hooks.append(
            block.register_forward_hook(
                lambda m, i, o: found.append(rms(i[0]))
            )
        )
        hooks.append(
            block.bn2.register_forward_hook(
                lambda m, i, o: found.append(rms(o))
            )
        )
    g = torch.Generator().manual_seed(seed + 1)
    try:
        with torch.no_grad():
            net(torch.randn(16, 3, 16, 16, generator=g))
    finally:
        for h in hooks:
            h.remove()
    # a block's forward hook fires after its bn2's
    return [
        StreamSize(stream=stream, added=added)
        for added, stream in zip(found[::2], found[1::2])
    ]


# ---------------------------------------------------------------- shattered gradients


class _MLP(nn.Module):
    def __init__(
        self,
        depth: int,
        width: int,
        residual: bool,
        batchnorm: bool,
        generator: Optional[torch.Generator] = None,
    ) -> None:
        super().__init__()
        self.inp = nn.Linear(1, width)
        self.hidden = nn.ModuleList(
            nn.Linear(width, width) for _ in range(depth)
        )
        self.norms = nn.ModuleList(
            (
                nn.BatchNorm1d(width, momentum=None)
                if batchnorm
                else nn.Identity()
            )
            for _ in range(depth)
        )
        self.out = nn.Linear(width, 1)
        self.residual = residual
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.kaiming_normal_(
                    m.weight, nonlinearity="relu", generator=generator
                )
                nn.init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        h = torch.relu(self.inp(x))
        for lin, norm in zip(self.hidden, self.norms):
            f = torch.relu(norm(lin(h)))
            h = h + f if self.residual else f
        return self.out(h)


@dataclass(frozen=True)
class Shattering:
    """Gradients ``dy/dx`` along a line of 1-D inputs and their lag-1 autocorrelation."""

    inputs: tuple[float, ...]
    gradients: tuple[float, ...]
    correlation: float


@remembered
def shattering(
    depth: int,
    residual: bool,
    width: int = 200,
    points: int = 256,
    seed: int = 0,
    batchnorm: bool = True,
) -> Shattering:
    """Balduzzi et al.'s experiment: a ReLU net on 1-D inputs in [-2, 2]; ``dy/dx`` per input.

    BatchNorm statistics are taken from the whole line of inputs once (one pass in training
    mode), then frozen, so that each gradient belongs to one input alone. The correlation of
    neighbouring gradients is near 1 for a smooth function and near 0 for noise.
    """
    if depth < 1:
        raise ValueError(f"depth must be >= 1; got {depth}")
    g = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(
        devices=[]
    ):  # construction draws PyTorch's default init: leave the global RNG be
        net = _MLP(depth, width, residual, batchnorm, generator=g)
    x = torch.linspace(-2, 2, points).unsqueeze(1)
    with cpu_threads(1):
        with torch.no_grad():
            net.train()(
                x
            )  # momentum=None: running statistics = this batch's statistics
        net.eval()
        xs = x.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(net(xs).sum(), xs)
    grads = grad.squeeze(1)
    a, b = grads[:-1] - grads[:-1].mean(), grads[1:] - grads[1:].mean()
    corr = (a * b).sum() / (a.norm() * b.norm() + 1e-12)
    return Shattering(
        tuple(x.squeeze(1).tolist()), tuple(grads.tolist()), corr.item()
    )
