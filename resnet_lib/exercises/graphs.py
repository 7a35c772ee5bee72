"""A student's module as data: its computation graph and weights, rebuilt with no student code.

A block or a bug-bank fix is a class the student wrote. To grade it outside the
student's process (:mod:`resnet_lib.classroom.judge`), the probe traces each instance the
checker builds with ``torch.fx`` into a graph of PyTorch operations, and writes the graph,
its layers (PyTorch's own ``nn`` modules, by class and settings) and its weights as data.
:func:`rebuild` makes an ``fx.GraphModule`` of it that computes what the student's module
computed, with the same submodule names (so ``state_dict`` keys match): every function it
calls is looked up by name in PyTorch and ``operator`` only, every layer is one of
``torch.nn``'s, so rebuilding runs no code the data names.

A module that ``torch.fx`` cannot trace (a ``forward`` whose control flow depends on its
input's values) is not exported: the checker's verdict inside the sandbox stands for it.
"""

from __future__ import annotations

import importlib
import inspect
import math
import operator
from typing import Any, Optional

_BUILTINS = {"getattr", "len", "int", "float", "abs", "min", "max", "tuple"}
_SIMPLE = (bool, int, float, str, type(None))


def _simple(value: Any) -> bool:
    if isinstance(value, _SIMPLE):
        return not (isinstance(value, float) and not math.isfinite(value))
    if isinstance(value, (tuple, list)):
        return all(_simple(v) for v in value)
    return False


def export(module: Any) -> Optional[dict]:
    """``module`` as data, or ``None`` where it cannot be traced or holds a layer that is
    not PyTorch's own."""
    import torch
    from torch import fx

    from .answers import encode

    try:
        traced = fx.symbolic_trace(module)
    except Exception:  # noqa: BLE001 - untraceable: judged in the sandbox
        return None
    layers = {}
    for node in traced.graph.nodes:
        if node.op == "call_module":
            sub = traced.get_submodule(node.target)
            if not type(sub).__module__.startswith("torch.nn.modules"):
                return None
            layers[node.target] = {
                "class": f"{type(sub).__module__}:{type(sub).__qualname__}",
                "settings": {
                    k: list(v) if isinstance(v, tuple) else v
                    for k, v in vars(sub).items()
                    if not k.startswith("_")
                    or k == "_reversed_padding_repeated_twice"
                    if _simple(v)
                },
                "tuples": [
                    k for k, v in vars(sub).items() if isinstance(v, tuple)
                ],
                "training": sub.training,
                "absent": [k for k, v in sub._parameters.items() if v is None],
                "absent_buffers": [
                    k for k, v in sub._buffers.items() if v is None
                ],
            }
    nodes = []
    for node in traced.graph.nodes:
        target = node.target
        if callable(target):
            spec = _public_name(target)
            if spec is None:
                return None
            target = {"function": spec}
        try:
            args = _node_args(node.args)
            kwargs = _node_args(node.kwargs)
        except TypeError:
            return None
        nodes.append(
            {
                "op": node.op,
                "name": node.name,
                "target": target,
                "args": args,
                "kwargs": kwargs,
            }
        )
    state = {
        k: encode(v)
        for k, v in traced.state_dict(keep_vars=False).items()
        if isinstance(v, torch.Tensor)
    }
    return {
        "graph": nodes,
        "layers": layers,
        "state": state,
        "training": module.training,
        "name": type(module).__name__,
    }


#: where a graph's functions are looked up, by their public name
_PUBLIC = ("torch", "torch.nn.functional", "operator", "math", "builtins")


def _public_name(fn: Any) -> Optional[str]:
    """``"torch:relu"`` for ``torch.relu``: the module among :data:`_PUBLIC` that holds
    ``fn`` under its own name, or ``None``."""
    name = getattr(fn, "__name__", "")
    for owner in _PUBLIC:
        if owner == "builtins" and name not in _BUILTINS:
            continue
        module = importlib.import_module(owner)
        if name and getattr(module, name, None) is fn:
            return f"{owner}:{name}"
    return None


def _node_args(value: Any) -> Any:
    from torch import fx

    if isinstance(value, fx.Node):
        return {"node": value.name}
    if isinstance(value, (tuple, list)):
        return {
            "seq": [_node_args(v) for v in value],
            "tuple": isinstance(value, tuple),
        }
    if isinstance(value, dict):
        return {"map": {str(k): _node_args(v) for k, v in value.items()}}
    if isinstance(value, slice):
        return {
            "slice": [
                _node_args(value.start),
                _node_args(value.stop),
                _node_args(value.step),
            ]
        }
    if _simple(value):
        return {"value": value}
    import torch

    if isinstance(value, torch.dtype):
        return {"dtype": str(value).replace("torch.", "")}
    if isinstance(value, torch.device):
        return {"device": "cpu"}
    raise TypeError(f"cannot export {type(value).__name__}")


def _function(spec: str) -> Any:
    owner, _, name = spec.partition(":")
    if owner not in _PUBLIC or "." in name:
        raise ValueError(f"not a PyTorch function: {spec}")
    if owner == "builtins" and name not in _BUILTINS:
        raise ValueError(f"not an allowed built-in: {name}")
    if name.startswith("_") and owner not in ("operator", "_operator"):
        raise ValueError(f"not a public function: {spec}")
    if name.startswith(
        ("set_", "save", "load", "from_file", "seed")
    ) or name in (
        "manual_seed",
        "use_deterministic_algorithms",
    ):
        raise ValueError(f"not an operation on tensors: {spec}")
    value: Any = importlib.import_module(owner)
    for part in name.split("."):
        value = getattr(value, part)
    if not callable(value):
        raise ValueError(f"not a function: {spec}")
    if owner == "torch" and not (
        inspect.isbuiltin(value)
        or getattr(value, "__module__", "") in ("torch.functional",)
    ):  # torch's operations are built-in (C) functions; torch.save is not one
        raise ValueError(f"not an operation on tensors: {spec}")
    return value


def rebuild(data: dict) -> Any:
    """The ``fx.GraphModule`` that :func:`export` wrote, with its weights and mode."""
    import torch
    from torch import fx, nn

    from .answers import decode

    root = nn.Module()
    for path, layer in data["layers"].items():
        module, _, qualname = str(layer["class"]).partition(":")
        if not module.startswith("torch.nn.modules"):
            raise ValueError(f"not a torch.nn layer: {layer['class']}")
        cls: Any = importlib.import_module(module)
        for part in qualname.split("."):
            cls = getattr(cls, part)
        if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
            raise ValueError(f"not a torch.nn layer: {layer['class']}")
        sub = cls.__new__(cls)
        nn.Module.__init__(sub)
        tuples = set(layer.get("tuples", ()))
        for k, v in layer["settings"].items():
            object.__setattr__(
                sub, k, tuple(v) if k in tuples and isinstance(v, list) else v
            )
        sub.train(bool(layer["training"]))
        for k in layer.get("absent", ()):
            sub.register_parameter(str(k), None)
        for k in layer.get("absent_buffers", ()):
            sub.register_buffer(str(k), None)
        _attach(root, path, sub)
    graph = fx.Graph()
    env: dict[str, Any] = {}

    def arg(value: Any) -> Any:
        tag = next(iter(value))
        if tag == "node":
            return env[value["node"]]
        if tag == "seq":
            items = [arg(v) for v in value["seq"]]
            return tuple(items) if value.get("tuple") else items
        if tag == "map":
            return {k: arg(v) for k, v in value["map"].items()}
        if tag == "slice":
            return slice(*(arg(v) for v in value["slice"]))
        if tag == "dtype":
            dtype = getattr(torch, value["dtype"])
            if not isinstance(dtype, torch.dtype):
                raise ValueError(f"not a dtype: {value['dtype']}")
            return dtype
        if tag == "device":
            return torch.device("cpu")
        return value["value"]

    for node in data["graph"]:
        op, target = node["op"], node["target"]
        if isinstance(target, dict):
            target = _function(target["function"])
        elif op == "call_method" and str(target).startswith("_"):
            raise ValueError(f"not a public method: {target}")
        args, kwargs = arg(node["args"]), arg(node["kwargs"])
        if op == "placeholder":
            made = graph.placeholder(str(target))
        elif op == "output":
            made = graph.output(args[0])
        elif op == "get_attr":
            made = graph.get_attr(str(target))
        elif op in ("call_function", "call_method", "call_module"):
            if target is getattr and not (
                len(args) == 2
                and isinstance(args[1], str)
                and not args[1].startswith("_")
            ):
                raise ValueError("getattr of a private attribute")
            made = graph.create_node(op, target, args, kwargs)
        else:
            raise ValueError(f"unknown graph operation {op!r}")
        env[node["name"]] = made
    state = {k: decode(v) for k, v in data["state"].items()}
    for name in state:
        owner, _, leaf = name.rpartition(".")
        holder = root.get_submodule(owner) if owner else root
        if leaf not in holder._parameters and leaf not in holder._buffers:
            if _is_buffer(name, data):
                holder.register_buffer(leaf, torch.empty(0))
            else:
                holder.register_parameter(leaf, nn.Parameter(torch.empty(0)))
    _fill(root, state)
    rebuilt = fx.GraphModule(
        root, graph, class_name=str(data.get("name", "Student"))
    )
    rebuilt.train(bool(data.get("training", True)))
    for path, layer in data["layers"].items():
        rebuilt.get_submodule(path).train(bool(layer["training"]))
    return rebuilt


def _is_buffer(name: str, data: dict) -> bool:
    leaf = name.rpartition(".")[2]
    return leaf in ("running_mean", "running_var", "num_batches_tracked")


def _attach(root: Any, path: str, module: Any) -> None:
    from torch import nn

    owner, _, leaf = path.rpartition(".")
    holder = root
    for part in owner.split(".") if owner else []:
        if part not in holder._modules:
            holder.add_module(part, nn.Module())
        holder = holder._modules[part]
    holder.add_module(leaf, module)


def _fill(root: Any, state: dict) -> None:
    import torch

    for name, value in state.items():
        owner, _, leaf = name.rpartition(".")
        holder = root.get_submodule(owner) if owner else root
        if leaf in holder._parameters:
            holder._parameters[leaf] = torch.nn.Parameter(
                value.clone(), requires_grad=value.is_floating_point()
            )
        else:
            holder._buffers[leaf] = value.clone()


__all__ = ["export", "rebuild"]
_ = operator  # operator's functions are looked up by name in graphs
