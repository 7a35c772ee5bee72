"""Compare a student's module with a reference one, whatever the student named its layers.

The student's module is built from its class, run once with hooks that record every
convolution, BatchNorm and linear layer as it executes, and then given the reference's
weights: matched by name where the names agree, else by the order in which the layers run
(trying the few orders that differ only between layers of the same shape, such as a
shortcut computed before or after the main path). The two modules then see the same
inputs; a correct fix agrees with the reference in eval and in train mode.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional, Sequence, cast

import torch
from torch import Tensor, nn

from ...i18n import N_, Text, _
from ..feedback import Feedback, describe, say
from ..harness import attempt, call_student, error_line

#: the layers whose weights a reference hands to the student's module
WEIGHTED = (nn.Conv2d, nn.BatchNorm2d, nn.Linear)
ATOL, RTOL = 1e-5, 1e-4


def build(
    candidate: Any, args: Sequence[Any], signature: str
) -> tuple[Optional[nn.Module], Optional[Feedback]]:
    """Instantiate a student's module class with ``args``; a Feedback instead of any exception."""
    if isinstance(candidate, nn.Module):
        name = type(candidate).__name__
        return None, Feedback.wrong(
            Text(
                "you passed an instance of {name}; pass the class itself, so "
                "the checker can build it for several shapes",
                name=name,
            ),
            Text(
                "{right}, not {wrong}",
                right=f"check_fix({name}, bug=...)",
                wrong=f"check_fix({name}(...), bug=...)",
            ),
        )
    if not isinstance(candidate, type):
        return None, Feedback.wrong(
            Text(
                "expected your module's class; got {answer}",
                answer=describe(candidate),
            ),
            Text(
                "pass a class whose constructor takes {signature}",
                signature=signature,
            ),
        )
    if not issubclass(candidate, nn.Module):
        return None, Feedback.wrong(
            Text(
                "{name} is not an nn.Module subclass", name=candidate.__name__
            ),
            Text(
                "write it as {code}",
                code=f"`class {candidate.__name__}(nn.Module): ...`",
            ),
        )
    call = f"{candidate.__name__}({', '.join(map(repr, args))})"
    module, problem = call_student(
        candidate,
        args,
        N_("building {call} raised {error}"),
        Text("the constructor takes {signature}", signature=signature),
        line=error_line,
        call=call,
    )
    if problem is not None:
        return None, problem
    if not isinstance(module, nn.Module):
        return None, Feedback.wrong(
            Text("{call} did not return an nn.Module", call=call),
            _("did you override __new__?"),
        )
    return module, None


def randomize_norms(module: nn.Module, generator: torch.Generator) -> None:
    """Give every BatchNorm random affine parameters and statistics, so that they matter."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                # the models given here (references, our ResNets) have affine norms with running statistics
                cast(Tensor, m.weight).uniform_(0.5, 1.5, generator=generator)
                cast(Tensor, m.bias).uniform_(-0.5, 0.5, generator=generator)
                cast(Tensor, m.running_mean).uniform_(
                    -0.2, 0.2, generator=generator
                )
                cast(Tensor, m.running_var).uniform_(
                    0.5, 1.5, generator=generator
                )


@dataclass
class Trace:
    """One forward pass: the output (or the error) and the weighted layers in execution order."""

    output: Optional[Tensor]
    error: Optional[BaseException]
    calls: list[tuple[nn.Module, Tensor, Tensor]] = field(default_factory=list)

    @property
    def modules(self) -> list[nn.Module]:
        return list(dict.fromkeys(m for m, _, _ in self.calls))

    def convs(self) -> list[tuple[nn.Conv2d, Tensor, Tensor]]:
        return [
            (m, i, o) for m, i, o in self.calls if isinstance(m, nn.Conv2d)
        ]


def trace(module: nn.Module, x: Tensor) -> Trace:
    """Run ``module(x)`` without gradients, recording every weighted layer; never raises."""
    calls: list[tuple[nn.Module, Tensor, Tensor]] = []

    def record(m: nn.Module, inputs: tuple, output: Any) -> None:
        if (
            inputs
            and isinstance(inputs[0], Tensor)
            and isinstance(output, Tensor)
        ):
            calls.append((m, inputs[0], output))

    handles = [
        m.register_forward_hook(record)
        for m in module.modules()
        if isinstance(m, WEIGHTED)
    ]
    try:
        with torch.no_grad():
            # a forward that writes into its input cannot change ours
            out, err = attempt(module, x.clone())
    finally:
        for h in handles:
            h.remove()
    if err is None and not isinstance(
        out, Tensor
    ):  # the student reads this error
        err = TypeError(
            say(
                Text(
                    "forward returned {result}, not a tensor",
                    result=describe(out),
                )
            )
        )
    return (
        Trace(None, err, calls) if err is not None else Trace(out, None, calls)
    )


def _signature(m: nn.Module) -> tuple:
    return (type(m).__name__,) + tuple(
        tuple(t.shape) for t in m.state_dict().values()
    )


def _by_name(
    ref: nn.Module, cand: nn.Module
) -> Optional[list[tuple[nn.Module, nn.Module]]]:
    ref_sd, cand_sd = ref.state_dict(), cand.state_dict()
    if set(ref_sd) != set(cand_sd):
        return None
    if any(ref_sd[k].shape != cand_sd[k].shape for k in ref_sd):
        return None
    theirs = dict(cand.named_modules())
    pairs: list[tuple[nn.Module, nn.Module]] = []
    for name, m in ref.named_modules():
        if isinstance(m, WEIGHTED):
            c = theirs.get(name)
            if c is None or type(c) is not type(m):
                return None
            pairs.append((m, c))
    return pairs


def mappings(
    ref: nn.Module,
    cand: nn.Module,
    ref_trace: Trace,
    cand_trace: Trace,
    limit: int = 48,
) -> Iterator[list[tuple[nn.Module, nn.Module]]]:
    """Ways to pair the reference's weighted layers with the student's, most likely first.

    By name when the state_dicts have the same keys and shapes; then by execution order
    among layers of the same kind and shape, permuting small groups of same-shape layers
    (a shortcut may run before or after the main path). Nothing if the executed layers
    differ in kind or shape.
    """
    named = _by_name(ref, cand)
    if named is not None:
        yield named
    ours, theirs = ref_trace.modules, cand_trace.modules
    if sorted(map(_signature, ours)) != sorted(map(_signature, theirs)):
        return
    groups: dict[tuple, tuple[list[nn.Module], list[nn.Module]]] = {}
    for m in ours:
        groups.setdefault(_signature(m), ([], []))[0].append(m)
    for m in theirs:
        groups[_signature(m)][1].append(m)
    options = []
    for sig, (r, c) in groups.items():
        perms = itertools.permutations(c) if len(c) <= 3 else [tuple(c)]
        options.append([(sig, p) for p in perms])
    for combo in itertools.islice(itertools.product(*options), limit):
        yield [
            (r, c) for sig, perm in combo for r, c in zip(groups[sig][0], perm)
        ]


def load_pairs(pairs: list[tuple[nn.Module, nn.Module]]) -> bool:
    """Copy every reference layer's state into its student partner; False if one refuses."""
    with torch.no_grad():  # a student's layer may have a custom state_dict
        loaded = attempt(
            lambda: [c.load_state_dict(r.state_dict()) for r, c in pairs]
        )
    return loaded[1] is None


def run(module: nn.Module, x: Tensor, train: bool) -> Optional[Tensor]:
    """``module(x)`` in train or eval mode, without gradients; None where it fails."""

    def forward() -> Any:
        module.train(train)
        with torch.no_grad():
            return module(x.clone())

    out, err = attempt(forward)
    return out if isinstance(out, Tensor) else None


def close(a: Optional[Tensor], b: Optional[Tensor]) -> bool:
    return (
        a is not None
        and b is not None
        and a.shape == b.shape
        and torch.allclose(a, b, atol=ATOL, rtol=RTOL)
    )


@dataclass
class Agreement:
    """The outcome of comparing outputs: ``same``, or the closest named variant and the gap."""

    same: bool
    variant: Optional[str] = (
        None  # name of a known buggy behaviour the student's module shows
    )
    max_diff: float = (
        math.nan
    )  # largest |student - reference| under the best pairing
    mode: str = "eval"
    matched: bool = (
        False  # whether any pairing of the weights was possible at all
    )


def agree(
    ref: nn.Module,
    cand: nn.Module,
    x: Tensor,
    variants: Optional[
        Callable[[nn.Module, Tensor], dict[str, Tensor]]
    ] = None,
) -> Agreement:
    """Give ``cand`` the reference's weights and compare outputs in eval, then train mode.

    ``variants(ref, x)`` computes known wrong behaviours from the reference's layers
    (e.g. a second ReLU); a student's module that shows one of them gets it named.
    """
    ref_trace = trace(ref.eval(), x)
    cand_trace = trace(cand.eval(), x)
    saved_ref = {k: v.clone() for k, v in ref.state_dict().items()}
    best = Agreement(False)
    for pairs in mappings(ref, cand, ref_trace, cand_trace):
        best.matched = True
        ok = True
        for train in (False, True):
            ref.load_state_dict(saved_ref)
            if not load_pairs(pairs):
                ok = False
                break
            theirs, ours = run(cand, x, train), run(ref, x, train)
            mode = "train" if train else "eval"
            if close(theirs, ours):
                continue
            ok = False
            if (
                theirs is not None
                and ours is not None
                and theirs.shape == ours.shape
            ):
                diff = (theirs - ours).abs().max().item()
                if not best.max_diff <= diff:
                    best.max_diff, best.mode = diff, mode
            if variants is not None and theirs is not None:
                ref.load_state_dict(saved_ref)
                ref.train(train)
                with torch.no_grad():
                    for name, value in variants(ref, x.clone()).items():
                        if close(theirs, value):
                            ref.load_state_dict(saved_ref)
                            return Agreement(
                                False, name, best.max_diff, mode, True
                            )
            break
        if ok:
            ref.load_state_dict(saved_ref)
            return Agreement(True, matched=True)
    ref.load_state_dict(saved_ref)
    return best
