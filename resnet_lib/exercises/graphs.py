"""A student's module as data: its structure, graph and weights, rebuilt with no student code.

A block or a bug-bank fix is a class the student wrote. To grade it outside the
student's process (:mod:`resnet_lib.classroom.judge`), the probe traces each instance the
checker builds with ``torch.fx`` into a graph of PyTorch operations, and writes the graph,
its layers (PyTorch's own ``nn`` modules, by class and settings) and its weights as data.
:func:`rebuild` makes an ``fx.GraphModule`` of it that computes what the student's module
computed, with the same submodule names (so ``state_dict`` keys match): every function it
calls is looked up by name in PyTorch and ``operator`` only, every layer is one of
``torch.nn``'s, so rebuilding runs no code the data names.

Modules of PyTorch's (``torch.nn``) and of this library's travel as their *state*
(class by name, attributes, children, parameters, buffers) and are rebuilt without their
constructor, so the forward that runs is PyTorch's or the library's own; a model built
from the library (a depth question's network) travels so, with its block classes.

A module that cannot travel (a ``forward`` whose control flow depends on its input's
values, an attribute that is an object of the student's) is not exported: the checker's
verdict inside the sandbox stands for it.
"""

from __future__ import annotations

import importlib
import inspect
import math
import operator
from typing import Any, Optional

from .answers import LIBRARIES

_BUILTINS = {"getattr", "len", "int", "float", "abs", "min", "max", "tuple"}
#: whose modules are rebuilt from their state, running their own (trusted) code
TRUSTED = LIBRARIES
#: a module's own bookkeeping, made by ``nn.Module.__init__``, never copied
_MODULE_FIELDS = {
    "_parameters",
    "_buffers",
    "_modules",
    "training",
    "_non_persistent_buffers_set",
}


def trusted(module: Any) -> bool:
    """A module of PyTorch's or of this library's (never a class a student wrote)."""
    return type(module).__module__.startswith(TRUSTED) and not hasattr(
        type(module), "__resnet_instances__"
    )


class _Untravelled(Exception):
    """Something of the module cannot be written as data."""


def export(module: Any, weights: bool = True) -> Optional[dict]:
    """``module`` as data (see the module's docstring), or ``None`` where it cannot be.

    ``weights=False`` writes the weights' shapes only (rebuilt as zeros), for a model
    whose layers, not values, are the question.
    """
    try:
        if trusted(module):
            return _tree(module, weights)
        return _graph(module, weights)
    except _Untravelled:
        return None


def _tensor_data(t: Any, weights: bool) -> Any:
    from .answers import encode

    if not weights:
        return {"zeros": _dtype(t), "shape": list(t.shape)}
    data = encode(t.detach())
    if not isinstance(data, dict) or "tensor" not in data:
        raise _Untravelled("a tensor too large to record")
    return data


def _dtype(t: Any) -> str:
    return str(t.dtype).replace("torch.", "")


def _tensor(value: Any) -> Any:
    import torch

    from .answers import decode

    if isinstance(value, dict) and "zeros" in value:
        dtype = getattr(torch, str(value["zeros"]), None)
        if not isinstance(dtype, torch.dtype):
            raise ValueError(f"not a dtype: {value['zeros']}")
        return torch.zeros([int(n) for n in value["shape"]], dtype=dtype)
    tensor = decode(value)
    if not isinstance(tensor, torch.Tensor):
        raise ValueError("not a tensor")
    return tensor


def _tree(module: Any, weights: bool) -> dict:
    from .answers import encode

    attributes = {}
    for k, v in vars(module).items():
        if k in _MODULE_FIELDS or "hook" in k or k == "_compiled_call_impl":
            continue
        data = encode(v)
        if _holds_opaque(data):
            raise _Untravelled(f"{type(module).__name__}.{k}")
        attributes[k] = data
    children: dict[str, Any] = {}
    for name, child in module._modules.items():
        if child is None:
            children[name] = {"none": True}
        elif trusted(child):
            children[name] = _tree(child, weights)
        else:
            children[name] = _graph(child, weights)
    return {
        "tree": f"{type(module).__module__}:{type(module).__qualname__}",
        "attributes": attributes,
        "children": children,
        "parameters": {
            k: None
            if v is None
            else {"data": _tensor_data(v, weights), "grad": v.requires_grad}
            for k, v in module._parameters.items()
        },
        "buffers": {
            k: None if v is None else _tensor_data(v, weights)
            for k, v in module._buffers.items()
        },
        "non_persistent": sorted(module._non_persistent_buffers_set),
        "training": module.training,
    }


def _holds_opaque(data: Any) -> bool:
    if isinstance(data, list):
        return any(_holds_opaque(v) for v in data)
    if not isinstance(data, dict) or not data:
        return False
    if next(iter(data)) in ("opaque", "class", "model", "recording", "built"):
        return True
    return any(_holds_opaque(v) for v in data.values())


def _graph(module: Any, weights: bool) -> dict:
    from torch import fx

    class Tracer(fx.Tracer):
        def is_leaf_module(self, m: Any, qualname: str) -> bool:
            return trusted(m)

    try:
        graph = Tracer().trace(module)
    except Exception as err:  # noqa: BLE001 - untraceable: judged in the sandbox
        raise _Untravelled("torch.fx cannot trace it") from err
    layers = {}
    for node in graph.nodes:
        if node.op == "call_module":
            layers[node.target] = _tree(
                module.get_submodule(node.target), weights
            )
    nodes = []
    for node in graph.nodes:
        target = node.target
        if callable(target):
            spec = _public_name(target)
            if spec is None:
                raise _Untravelled(f"calls {target!r}")
            target = {"function": spec}
        try:
            args = _node_args(node.args)
            kwargs = _node_args(node.kwargs)
        except TypeError as err:
            raise _Untravelled(str(err)) from err
        nodes.append(
            {
                "op": node.op,
                "name": node.name,
                "target": target,
                "args": args,
                "kwargs": kwargs,
            }
        )
    parameters = {n for n, _ in module.named_parameters()}
    own = {
        k: v
        for k, v in module.state_dict(keep_vars=True).items()
        if not any(k.startswith(path + ".") for path in layers)
    }
    return {
        "graph": nodes,
        "layers": layers,
        "state": {k: _tensor_data(v, weights) for k, v in own.items()},
        "buffers": sorted(k for k in own if k not in parameters),
        "training": module.training,
        "name": type(module).__name__,
    }


def _simple(value: Any) -> bool:
    if isinstance(value, (bool, int, float, str, type(None))):
        return not (isinstance(value, float) and not math.isfinite(value))
    if isinstance(value, (tuple, list)):
        return all(_simple(v) for v in value)
    return False


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
    """The module that :func:`export` wrote: a trusted module from its state, a
    student's as an ``fx.GraphModule`` of its graph."""
    if "tree" in data:
        return _rebuild_tree(data)
    return _rebuild_graph(data)


def _trusted_class(spec: str) -> type:
    from torch import nn

    from .answers import library_class

    try:
        cls = library_class(spec)
    except ValueError:
        raise ValueError(
            f"not a module of PyTorch's or the library's: {spec}"
        ) from None
    if not issubclass(cls, nn.Module):
        raise ValueError(f"not a module class: {spec}")
    return cls


def _rebuild_tree(data: dict) -> Any:
    from torch import nn

    from .answers import decode

    cls: Any = _trusted_class(str(data["tree"]))
    module = cls.__new__(cls)
    nn.Module.__init__(module)
    for k, v in data["attributes"].items():
        if (
            not isinstance(k, str)
            or k in _MODULE_FIELDS
            or "hook" in k
            or k.startswith("__")
        ):
            raise ValueError(f"not an attribute to set: {k!r}")
        object.__setattr__(module, k, decode(v))
    for name, child in data["children"].items():
        module._modules[name] = None if child.get("none") else rebuild(child)
    for name, p in data["parameters"].items():
        module._parameters[name] = (
            None
            if p is None
            else nn.Parameter(
                _tensor(p["data"]), requires_grad=bool(p["grad"])
            )
        )
    for name, t in data["buffers"].items():
        module._buffers[name] = None if t is None else _tensor(t)
    module._non_persistent_buffers_set = set(data.get("non_persistent", ()))
    object.__setattr__(module, "training", bool(data["training"]))
    return module


def _rebuild_graph(data: dict) -> Any:
    import torch
    from torch import fx, nn

    root = nn.Module()
    for path, layer in data["layers"].items():
        _attach(root, path, rebuild(layer))
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
    buffers = set(data.get("buffers", ()))
    for name, value in data["state"].items():
        owner, _, leaf = name.rpartition(".")
        holder = _holder(root, owner)
        tensor = _tensor(value)
        if name in buffers:
            holder.register_buffer(leaf, tensor)
        else:
            holder.register_parameter(
                leaf,
                nn.Parameter(tensor, requires_grad=tensor.is_floating_point()),
            )
    rebuilt = fx.GraphModule(
        root, graph, class_name=str(data.get("name", "Student"))
    )
    object.__setattr__(rebuilt, "training", bool(data.get("training", True)))
    return rebuilt


def _holder(root: Any, path: str) -> Any:
    """The submodule of ``root`` at ``path``, made of empty containers where missing."""
    from torch import nn

    holder = root
    for part in path.split(".") if path else []:
        if part not in holder._modules:
            holder.add_module(part, nn.Module())
        holder = holder._modules[part]
    return holder


def _attach(root: Any, path: str, module: Any) -> None:
    owner, _, leaf = path.rpartition(".")
    _holder(root, owner).add_module(leaf, module)


__all__ = ["export", "rebuild", "trusted"]
_ = operator  # operator's functions are looked up by name in graphs
