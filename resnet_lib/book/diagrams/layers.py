"""What each layer is: the drawn operation for a module or a call in a traced graph.

A convolution's label is the paper's notation ("3x3 conv, 64, /2") and its ``data-``
attributes are read from the ``nn.Conv2d`` (kernel, channels, stride, groups, dilation);
norms, activations, pools, the fc layer and option A's zero-padding shortcut each get a
label and a sentence for the diagram's description. Indexing, sizes and reshaping are not
layers: they are not drawn.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any, Optional

import torch
import torch.fx as fx
import torch.nn.functional as F
from torch import nn

from resnet_lib import PadShortcut

from ...i18n import N_, Text, _

_NORMS = (
    nn.BatchNorm1d,
    nn.BatchNorm2d,
    nn.BatchNorm3d,
    nn.SyncBatchNorm,
    nn.GroupNorm,
    nn.LayerNorm,
    nn.InstanceNorm1d,
    nn.InstanceNorm2d,
    nn.InstanceNorm3d,
)
_ACTS = (
    nn.ReLU,
    nn.ReLU6,
    nn.LeakyReLU,
    nn.PReLU,
    nn.ELU,
    nn.GELU,
    nn.SiLU,
    nn.Mish,
    nn.Tanh,
    nn.Sigmoid,
    nn.Hardswish,
    nn.Hardtanh,
    nn.Softplus,
)
_ACT_NAMES = {"ReLU": "ReLU", "Tanh": "tanh", "Sigmoid": "sigmoid"}
_ACT_FUNCTIONS: dict[Any, str] = {
    F.relu: "ReLU",
    torch.relu: "ReLU",
    torch.relu_: "ReLU",
    F.relu_: "ReLU",
    F.relu6: "ReLU6",
    torch.tanh: "tanh",
    torch.sigmoid: "sigmoid",
    F.gelu: "GELU",
    F.silu: "SiLU",
    F.leaky_relu: "LeakyReLU",
    F.elu: "ELU",
}
_ACT_METHODS = {
    "relu": "ReLU",
    "relu_": "ReLU",
    "tanh": "tanh",
    "tanh_": "tanh",
    "sigmoid": "sigmoid",
    "sigmoid_": "sigmoid",
}
_ADD_FUNCTIONS = (operator.add, operator.iadd, torch.add)
_ADD_METHODS = ("add", "add_")
_POOLS = (
    nn.MaxPool2d,
    nn.AvgPool2d,
    nn.AdaptiveAvgPool2d,
    nn.AdaptiveMaxPool2d,
)
_SHAPE_ONLY = (nn.Flatten, nn.Unflatten)
_SHAPE_METHODS = (
    "size",
    "dim",
    "view",
    "reshape",
    "flatten",
    "contiguous",
    "squeeze",
    "unsqueeze",
)

#: how a network diagram names the blocks of the family (torchvision's two share the names);
#: English, shown in the reader's language
BLOCK_NAMES = {
    "BasicBlock": N_("basic"),
    "Bottleneck": N_("bottleneck"),
    "PlainBasicBlock": N_("plain basic"),
    "PlainBottleneck": N_("plain bottleneck"),
    "PreActBlock": N_("pre-act basic"),
    "PreActBottleneck": N_("pre-act bottleneck"),
}


@dataclass
class _Op:
    """One drawn layer or operation."""

    kind: str  # conv, norm, act, add, pool, fc, pad, op
    label: str
    note: str = ""
    alt: str = ""
    name: str = ""
    module: Optional[nn.Module] = None
    shape: Optional[tuple[int, ...]] = None  # output shape (N, C, H, W)
    data: dict = field(default_factory=dict)

    @property
    def weighted(self) -> bool:
        return self.kind in ("conv", "fc")


def _named_op(
    kind: str,
    label: str,
    name: str,
    shape: Optional[tuple[int, ...]],
    module: Optional[nn.Module] = None,
) -> _Op:
    """An operation that its label describes (a norm, an activation, an unknown
    module or call): ``name`` is the module's path or the graph node's name."""
    return _Op(
        kind,
        label,
        alt=label,
        name=name,
        module=module,
        shape=shape,
        data={"name": name},
    )


def _size(shape: Optional[tuple[int, ...]]) -> str:
    return (
        f"{shape[2]}×{shape[3]}"
        if shape is not None and len(shape) == 4
        else ""
    )


def _pair(value: Any) -> tuple[int, int]:
    return (
        (value, value)
        if isinstance(value, int)
        else (int(value[0]), int(value[1]))
    )


def _strided(label: str, stride: tuple[int, int]) -> str:
    """``label`` with its stride: ``", /2"`` (the paper's notation), or in words when
    the two strides differ."""
    if stride == (1, 1):
        return label
    if stride[0] == stride[1]:
        return f"{label}, /{stride[0]}"
    return str(
        Text(
            "{label}, stride {height}x{width}",
            label=label,
            height=stride[0],
            width=stride[1],
        )
    )


def _conv_op(name: str, m: nn.Conv2d, shape: Optional[tuple[int, ...]]) -> _Op:
    k, s, d = _pair(m.kernel_size), _pair(m.stride), _pair(m.dilation)
    ks = f"{k[0]}x{k[1]}"
    label = _strided(f"{ks} conv, {m.out_channels}", s)
    alt = str(
        Text(
            "{kernel} conv {channels} stride {stride}",
            kernel=ks,
            channels=f"{m.in_channels}→{m.out_channels}",
            stride=s[0] if s[0] == s[1] else str(s),
        )
    )
    if m.groups > 1:
        label = str(
            Text("{label}, {groups} groups", label=label, groups=m.groups)
        )
        alt = str(Text("{alt} in {groups} groups", alt=alt, groups=m.groups))
    if d != (1, 1):
        label = str(
            Text("{label}, dilation {dilation}", label=label, dilation=d[0])
        )
        alt = str(Text("{alt} dilation {dilation}", alt=alt, dilation=d[0]))
    note = f"{m.in_channels}→{m.out_channels}" + (
        f" · {_size(shape)}" if _size(shape) else ""
    )
    data = {
        "kernel": k[0] if k[0] == k[1] else ks,
        "in": m.in_channels,
        "out": m.out_channels,
        "stride": s[0] if s[0] == s[1] else f"{s[0]}x{s[1]}",
        "groups": m.groups,
        "dilation": d[0],
        "name": name,
    }
    if _size(shape):
        data["size"] = _size(shape).replace("×", "x")
    return _Op("conv", label, note, alt, name, m, shape, data)


def _module_op(
    name: str, m: nn.Module, shape: Optional[tuple[int, ...]]
) -> Optional[_Op]:
    """The drawn operation for a call of module ``m``; ``None`` for what is not drawn."""
    if isinstance(m, (nn.Identity,) + _SHAPE_ONLY):
        return None
    if isinstance(m, nn.Conv2d):
        return _conv_op(name, m, shape)
    if isinstance(m, PadShortcut):
        label = _("option A: subsample + zero-pad")
        channels = f"{m.in_channels}→{m.out_channels}"
        note = _strided(channels, _pair(m.stride))
        alt = str(
            Text(
                "subsample by {stride} and zero-pad {channels} channels",
                stride=m.stride,
                channels=channels,
            )
            if m.stride != 1
            else Text("zero-pad {channels} channels", channels=channels)
        )
        return _Op(
            "pad",
            label,
            note,
            alt,
            name,
            m,
            shape,
            {"in": m.in_channels, "out": m.out_channels, "stride": m.stride},
        )
    if isinstance(m, _NORMS):
        short = (
            "BN"
            if isinstance(
                m,
                (
                    nn.BatchNorm1d,
                    nn.BatchNorm2d,
                    nn.BatchNorm3d,
                    nn.SyncBatchNorm,
                ),
            )
            else "GN"
            if isinstance(m, nn.GroupNorm)
            else "LN"
            if isinstance(m, nn.LayerNorm)
            else "IN"
        )
        return _named_op("norm", short, name, shape, m)
    if isinstance(m, _ACTS):
        label = _ACT_NAMES.get(type(m).__name__, type(m).__name__)
        return _named_op("act", label, name, shape, m)
    if isinstance(m, _POOLS):
        return _pool_op(name, m, shape)
    if isinstance(m, nn.Linear):
        channels = f"{m.in_features}→{m.out_features}"
        return _Op(
            "fc",
            f"fc, {m.out_features}",
            channels,
            str(Text("fully connected {channels}", channels=channels)),
            name,
            m,
            shape,
            {"in": m.in_features, "out": m.out_features, "name": name},
        )
    return _named_op("op", type(m).__name__, name, shape, m)


def _pool_op(name: str, m: nn.Module, shape: Optional[tuple[int, ...]]) -> _Op:
    is_max = isinstance(m, (nn.MaxPool2d, nn.AdaptiveMaxPool2d))
    if isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        out = _pair(m.output_size) if m.output_size is not None else None
        if out == (1, 1):
            label = _("global max pool") if is_max else _("global avg pool")
        else:
            label = (
                _("adaptive max pool") if is_max else _("adaptive avg pool")
            )
    else:
        k, s = _pair(m.kernel_size), _pair(m.stride or m.kernel_size)
        ks = f"{k[0]}x{k[1]}"
        label = _strided(
            str(
                Text("{kernel} max pool", kernel=ks)
                if is_max
                else Text("{kernel} avg pool", kernel=ks)
            ),
            s,
        )
    return _Op(
        "pool", label, _size(shape), label, name, m, shape, {"name": name}
    )


def _function_op(
    node: fx.Node, shape: Optional[tuple[int, ...]]
) -> Optional[_Op]:
    target = node.target
    if (node.op == "call_function" and target in _ADD_FUNCTIONS) or (
        node.op == "call_method" and target in _ADD_METHODS
    ):
        if sum(isinstance(a, fx.Node) for a in node.args) == 2:
            return _Op(
                "add", "+", alt=_("addition"), name=node.name, shape=shape
            )
    label = (
        _ACT_FUNCTIONS.get(target)
        if node.op == "call_function"
        else _ACT_METHODS.get(target)
        if isinstance(target, str)
        else None
    )
    if label:
        return _named_op("act", label, node.name, shape)
    if (
        node.op == "call_function"
        and target in (operator.getitem, getattr, torch.flatten)
    ) or (node.op == "call_method" and target in _SHAPE_METHODS):
        return None  # indexing, sizes and reshaping: not layers
    name = (
        target
        if isinstance(target, str)
        else getattr(target, "__name__", str(target))
    )
    return _named_op("op", name, node.name, shape)
