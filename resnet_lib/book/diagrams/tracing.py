"""Tracing a module into layers and shapes: torch.fx graphs and meta-device dry runs.

A block is traced with ``torch.fx`` and split into its main path, the shortcut beside it
and the addition (:func:`_analyze_block`); a network runs once with forward hooks that
record, in forward order, the stem's layers, every block and the head with their output
shapes (:func:`_analyze_network`). Shapes come from one forward pass on PyTorch's
``meta`` device (no arithmetic, the weights untouched), and only if a module cannot run
there, for real under ``torch.no_grad()`` in eval mode (:func:`_dry_run`).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

import torch
import torch.fx as fx
from torch import nn
from torch.func import functional_call

from resnet_lib import PadShortcut

from ...i18n import _
from .layers import BLOCK_NAMES, _function_op, _module_op, _Op, _pair

SizeArg = Union[int, tuple[int, int], None]

#: default input sizes of a network (pixels, square)
IMAGENET_INPUT_SIZE = 224
CIFAR_INPUT_SIZE = 32


class _Tracer(fx.Tracer):
    """torch.fx's tracer, with the option-A shortcut kept as one operation."""

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        return isinstance(m, PadShortcut) or super().is_leaf_module(
            m, module_qualified_name
        )


class _ShapeRecorder(fx.Interpreter):
    def __init__(self, gm: fx.GraphModule) -> None:
        super().__init__(gm)
        self.shapes: dict[fx.Node, tuple[int, ...]] = {}

    def run_node(self, n: fx.Node) -> Any:
        result = super().run_node(n)
        if isinstance(result, torch.Tensor):
            self.shapes[n] = tuple(result.shape)
        return result


class _Runner(nn.Module):
    """Runs a traced module node by node, recording every tensor's shape."""

    def __init__(self, gm: fx.GraphModule) -> None:
        super().__init__()
        self.gm = gm
        self.recorder: Optional[_ShapeRecorder] = None

    def forward(self, x: torch.Tensor) -> Any:
        self.recorder = _ShapeRecorder(self.gm)
        return self.recorder.run(x)


def _dtype_device(module: nn.Module) -> tuple[torch.dtype, torch.device]:
    for t in itertools.chain(module.parameters(), module.buffers()):
        if t.is_floating_point():
            return t.dtype, t.device
    return torch.get_default_dtype(), torch.device("cpu")


def _dry_run(
    module: nn.Module,
    shape: tuple[int, ...],
    what: str,
    reset: Callable[[], None] = lambda: None,
) -> None:
    """Run ``module`` once on an input of ``shape`` to learn the shapes of its outputs.

    First on the meta device (the weights are swapped for shape-only stand-ins, so nothing
    is computed and nothing in the module changes); if some operation cannot run there,
    for real, on zeros, without gradients. Eval mode either way (BatchNorm then uses, and
    does not update, its running statistics); each submodule's mode is restored after.
    """
    dtype, device = _dtype_device(module)
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        try:
            reset()
            state = {
                k: torch.empty_like(v, device="meta")
                for k, v in itertools.chain(
                    module.named_parameters(), module.named_buffers()
                )
            }
            functional_call(
                module,
                state,
                (torch.empty(shape, dtype=dtype, device="meta"),),
            )
        except Exception:
            reset()
            with torch.no_grad():
                module(torch.zeros(shape, dtype=dtype, device=device))
    except Exception as err:
        size = "×".join(map(str, shape))
        raise ValueError(
            f"could not run {what} on a dummy input of shape {size} "
            f"({type(err).__name__}: {err}); try another input_size"
        ) from err
    finally:
        for m, mode in modes:
            m.training = mode


@dataclass
class _BlockView:
    """A block as the diagram shows it: the main column and the shortcut beside it."""

    name: str
    column: list[
        _Op
    ]  # main path in forward order: before the split, branch, +, after
    shortcut: list[_Op]  # the shortcut branch's operations (empty: identity)
    shortcut_kind: str  # identity, pad, projection, other, none
    split_after: Optional[
        _Op
    ]  # the shortcut leaves after this op (None: at the input)
    add: Optional[_Op]
    in_shape: Optional[tuple[int, ...]]
    out_shape: Optional[tuple[int, ...]]

    @property
    def main_convs(self) -> list[_Op]:
        return [op for op in self.column if op.kind == "conv"]

    @property
    def counted(self) -> list[_Op]:
        """The weighted layers the paper counts: conv and fc on the main path."""
        return [op for op in self.column if op.weighted]


def _check_module(obj: Any, what: str, expected: str) -> nn.Module:
    if not isinstance(obj, nn.Module):
        raise TypeError(
            f"{what} expects an nn.Module ({expected}); got {type(obj).__name__}"
        )
    return obj


def _trace(block: nn.Module) -> tuple[nn.Module, fx.Graph]:
    """The graph of ``block.forward`` and the module its targets refer to.

    A bare layer (an ``nn.Conv2d`` passed on its own) is traced inside an ``nn.Sequential``
    so that it stays one module rather than becoming a call of ``F.conv2d``.
    """
    root = block
    if not any(block.children()) and type(block).__module__.startswith(
        "torch.nn"
    ):
        root = nn.Sequential(block)
    try:
        graph = _Tracer().trace(root)
    except Exception as err:
        raise TypeError(
            f"could not trace {type(block).__name__} with torch.fx ({type(err).__name__}: "
            f"{err}); a diagram needs a forward without data-dependent Python control flow"
        ) from err
    return root, graph


def _first_channels(
    block: nn.Module, traced: tuple[nn.Module, fx.Graph]
) -> int:
    """The input channels: those of the first convolution the input meets in forward order."""
    root, graph = traced
    for node in graph.nodes:
        if node.op == "call_module":
            m = root.get_submodule(node.target)
            if isinstance(m, (nn.Conv2d, PadShortcut)):
                return m.in_channels
    raise ValueError(
        f"a block diagram needs a module with an nn.Conv2d on its forward path; "
        f"{type(block).__name__} has none (allowed: BasicBlock, Bottleneck, their "
        "plain and pre-activation variants, torchvision's blocks, or any traceable "
        "block of convolutions)"
    )


def _analyze_block(
    block: nn.Module,
    in_shape: Optional[tuple[int, ...]],
    traced: Optional[tuple[nn.Module, fx.Graph]] = None,
) -> _BlockView:
    """Trace ``block`` and split it into the drawn parts.

    With ``in_shape``, the traced graph also runs once (on the meta device) so that every
    operation knows its output shape; a network passes ``None`` (it knows the shapes of
    whole blocks from its own forward pass, and does not draw those inside them).
    """
    root, graph = traced or _trace(block)
    shapes: dict[fx.Node, tuple[int, ...]] = {}
    if in_shape is not None:
        runner = _Runner(fx.GraphModule(root, graph))
        _dry_run(runner, in_shape, type(block).__name__)
        shapes = runner.recorder.shapes if runner.recorder else {}
    nodes = list(graph.nodes)
    placeholders = [n for n in nodes if n.op == "placeholder"]
    if len(placeholders) != 1:
        raise TypeError(
            f"a block diagram needs a module whose forward takes one tensor; "
            f"{type(block).__name__}.forward takes {len(placeholders)} arguments"
        )
    source = placeholders[0]
    INPUT = "input"  # noqa: N806 - a marker for the block's input among the sources
    # sources[n]: the drawn operations (or the input) whose values node n passes on
    sources: dict[fx.Node, set] = {source: {INPUT}}
    ops: dict[fx.Node, _Op] = {}
    deps: dict[fx.Node, set] = {}
    for node in nodes:
        if node.op in ("placeholder", "output"):
            continue
        inputs: set = set()
        for arg in node.all_input_nodes:
            inputs |= sources.get(arg, set())
        op: Optional[_Op] = None
        if in_shape is not None and node not in shapes:
            op = None  # a non-tensor value (a size, a flag): not drawn
        elif node.op == "call_module":
            op = _module_op(
                str(node.target),
                root.get_submodule(node.target),
                shapes.get(node),
            )
        elif node.op in ("call_function", "call_method"):
            op = _function_op(node, shapes.get(node))
        if op is None:
            sources[node] = inputs
        else:
            ops[node], deps[node], sources[node] = op, inputs, {node}
    order = [n for n in nodes if n in ops]
    if not any(ops[n].kind == "conv" for n in order):
        raise ValueError(
            f"a block diagram needs a module with an nn.Conv2d on its forward path; "
            f"{type(block).__name__} has none (allowed: BasicBlock, Bottleneck, "
            "their plain and pre-activation variants, torchvision's blocks)"
        )

    def ancestors(start: set) -> set:
        seen, todo = set(), list(start)
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            if n != INPUT:
                todo.extend(deps[n])
        return seen

    out_node = next(n for n in nodes if n.op == "output")
    out_shape = (
        shapes.get(out_node.all_input_nodes[0])
        if out_node.all_input_nodes
        else None
    )
    adds = [n for n in order if ops[n].kind == "add"]
    name = type(block).__name__
    if not adds:
        column = [ops[n] for n in order]
        return _BlockView(
            name, column, [], "none", None, None, in_shape, out_shape
        )
    add = adds[-1]  # the residual addition: the last one
    a, b = [sources[arg] for arg in add.args if isinstance(arg, fx.Node)][:2]
    anc_a, anc_b = ancestors(a), ancestors(b)
    branch_a = [n for n in order if n in anc_a - anc_b]
    branch_b = [n for n in order if n in anc_b - anc_a]
    convs = lambda branch: sum(ops[n].kind == "conv" for n in branch)  # noqa: E731
    if (convs(branch_b), len(branch_b)) > (convs(branch_a), len(branch_a)):
        branch_a, branch_b, b = branch_b, branch_a, a
    common = anc_a & anc_b
    pre = [n for n in order if n in common]
    post = [
        n
        for n in order
        if n not in common
        and n not in branch_a
        and n not in branch_b
        and n is not add
    ]
    # where the shortcut leaves the main path: the latest op it reads from
    leaves_from = deps[branch_b[0]] if branch_b else b
    split = max(
        (n for n in leaves_from if n != INPUT), key=order.index, default=None
    )
    short_ops = [ops[n] for n in branch_b]
    if not short_ops:
        kind = "identity"
    elif any(op.kind == "pad" for op in short_ops):
        kind = "pad"
    elif any(op.kind == "conv" for op in short_ops):
        kind = "projection"
    else:
        kind = "other"
    column = (
        [ops[n] for n in pre + branch_a] + [ops[add]] + [ops[n] for n in post]
    )
    return _BlockView(
        name,
        column,
        short_ops,
        kind,
        ops[split] if split is not None else None,
        ops[add],
        in_shape,
        out_shape,
    )


def _input_shape(
    channels: int, input_size: SizeArg, default: int
) -> tuple[int, int, int, int]:
    """``(1, channels, H, W)`` for ``input_size`` (an int, a pair, or ``None`` for ``default``)."""
    if input_size is None:
        input_size = default
    allowed = (
        "a positive int (e.g. 224) or a pair (height, width) of positive ints"
    )
    if isinstance(input_size, bool) or not isinstance(
        input_size, (int, tuple, list)
    ):
        raise TypeError(f"input_size must be {allowed}; got {input_size!r}")
    hw = (
        (input_size, input_size)
        if isinstance(input_size, int)
        else tuple(input_size)
    )
    if len(hw) != 2 or any(
        isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in hw
    ):
        raise ValueError(f"input_size must be {allowed}; got {input_size!r}")
    return (1, channels, hw[0], hw[1])


def _looks_like_network(model: nn.Module) -> bool:
    return any(re.fullmatch(r"layer\d+", n) for n, _ in model.named_children())


def _stages(model: nn.Module) -> list[tuple[str, nn.Module]]:
    names = getattr(model, "stage_names", None)
    if not (isinstance(names, (list, tuple)) and names):
        names = [
            n
            for n, _ in model.named_children()
            if re.fullmatch(r"layer\d+", n)
        ]
    if not names:
        raise TypeError(
            f"network_diagram expects a ResNet with stages layer1, layer2, ... "
            f"(resnet_lib.ResNet or torchvision.models.ResNet); got "
            f"{type(model).__name__} with children "
            f"{[n for n, _ in model.named_children()][:8]} "
            "(for a single block, use block_diagram)"
        )
    stages: list[tuple[str, nn.Module]] = []
    for name in names:
        stage = getattr(model, name)
        if not isinstance(stage, (nn.Sequential, nn.ModuleList)):
            raise TypeError(
                f"network_diagram expects each stage to be an nn.Sequential of blocks; "
                f"{name} is {type(stage).__name__}"
            )
        stages.append((name, stage))
    return stages


def _default_network_size(model: nn.Module) -> int:
    """224 for an ImageNet-style stem, 32 for a CIFAR one (a 3x3 first conv, no max pool)."""
    config = getattr(model, "config", None)
    stem = getattr(config, "stem", None)
    if stem in ("imagenet", "cifar"):
        return CIFAR_INPUT_SIZE if stem == "cifar" else IMAGENET_INPUT_SIZE
    first = next(
        (m for m in model.modules() if isinstance(m, nn.Conv2d)), None
    )
    if first is not None and _pair(first.kernel_size)[0] <= 3:
        return CIFAR_INPUT_SIZE
    return IMAGENET_INPUT_SIZE


@dataclass
class _BlockCall:
    stage: str
    index: int  # within the stage
    number: int  # in the whole network
    view: _BlockView
    module: nn.Module
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]

    @property
    def halves(self) -> bool:
        return (
            len(self.in_shape) == 4
            and len(self.out_shape) == 4
            and self.out_shape[2] < self.in_shape[2]
        )

    @property
    def kind_label(self) -> str:
        """The block's kind in the reader's language (its class's name if not one of
        :data:`BLOCK_NAMES`)."""
        name = type(self.module).__name__
        return _(BLOCK_NAMES[name]) if name in BLOCK_NAMES else name


@dataclass
class _StageCall:
    name: str
    blocks: list[_BlockCall]
    out_shape: tuple[int, ...]


@dataclass
class _NetworkView:
    name: str
    input_shape: tuple[int, ...]
    stem: list[_Op]
    stages: list[_StageCall]
    head: list[_Op]
    layer_numbers: dict[int, int]  # id(op) -> 1-based weighted-layer number

    @property
    def counted(self) -> int:
        return len(self.layer_numbers)


def _shape_of(value: Any) -> tuple[int, ...]:
    if isinstance(value, (tuple, list)) and value:
        value = value[0]
    return tuple(value.shape) if isinstance(value, torch.Tensor) else ()


def _analyze_network(model: nn.Module, input_size: SizeArg) -> _NetworkView:
    stages = _stages(model)
    stage_names = {name for name, _ in stages}
    first = next(
        (m for m in model.modules() if isinstance(m, nn.Conv2d)), None
    )
    if first is None:
        raise ValueError(
            f"network_diagram needs a convolutional network; {type(model).__name__} "
            "has no nn.Conv2d"
        )
    shape = _input_shape(
        first.in_channels, input_size, _default_network_size(model)
    )
    events: list[tuple] = []
    stage_out: dict[str, tuple[int, ...]] = {}
    handles = []

    def leaf_hook(name: str) -> Callable:
        return lambda m, i, o: events.append(
            ("leaf", name, m, _shape_of(i), _shape_of(o))
        )

    def block_hook(stage: str, index: int) -> Callable:
        return lambda m, i, o: events.append(
            ("block", (stage, index), m, _shape_of(i), _shape_of(o))
        )

    def stage_hook(name: str) -> Callable:
        return lambda m, i, o: stage_out.__setitem__(name, _shape_of(o))

    def reset() -> None:
        events.clear()
        stage_out.clear()

    try:
        for name, m in model.named_modules():
            if (
                name
                and name.split(".")[0] not in stage_names
                and not any(m.children())
            ):
                handles.append(m.register_forward_hook(leaf_hook(name)))
        for name, stage in stages:
            handles.append(stage.register_forward_hook(stage_hook(name)))
            for i, blk in enumerate(stage.children()):
                handles.append(blk.register_forward_hook(block_hook(name, i)))
        _dry_run(model, shape, type(model).__name__, reset)
    finally:
        for h in handles:
            h.remove()

    stem: list[_Op] = []
    head: list[_Op] = []
    calls: dict[str, list[_BlockCall]] = {name: [] for name, _ in stages}
    numbers: dict[int, int] = {}
    seen_block = False
    count = 0
    for kind, key, m, in_shape, out_shape in events:
        if kind == "leaf":
            op = _module_op(key, m, out_shape)
            if op is None:
                continue
            (head if seen_block else stem).append(op)
            if op.weighted:
                count += 1
                numbers[id(op)] = count
            continue
        seen_block = True
        stage, index = key
        view = _analyze_block(m, None)
        call = _BlockCall(
            stage,
            index,
            sum(map(len, calls.values())),
            view,
            m,
            in_shape,
            out_shape,
        )
        calls[stage].append(call)
        for op in view.counted:
            count += 1
            numbers[id(op)] = count
    stage_calls = [
        _StageCall(name, calls[name], stage_out.get(name, ()))
        for name, _ in stages
        if calls[name]
    ]
    return _NetworkView(
        type(model).__name__, shape, stem, stage_calls, head, numbers
    )
