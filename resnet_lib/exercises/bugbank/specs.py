"""How a block exercise of the bug bank is checked: torchvision's blocks as the references,
:class:`BlockSpec` (the shapes to build, the reference, the bugs the checker knows) and
:func:`check_block`, which builds the student's block, compares it with the reference and
names a known bug only in the steps of its hint (:func:`bug_found`). The bugs themselves
are in :mod:`.checks`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import torch
from torch import Tensor, nn

from ...counting import count_params
from ...i18n import N_, Text, _
from ..feedback import Feedback, Message
from ..harness import error_line
from .compare import Trace, agree, build, randomize_norms, trace

# --- references nobody here wrote: torchvision's blocks ------------------------------------


def _tv():
    from torchvision.models import (
        resnet,
    )  # imported when a checker runs, not with the library

    return resnet


def tv_basic(in_channels: int, planes: int, stride: int = 1) -> nn.Module:
    """torchvision's BasicBlock with the projection torchvision's ResNet gives it."""
    return _tv().BasicBlock(
        in_channels,
        planes,
        stride,
        _tv_downsample(in_channels, planes, stride),
    )


def tv_bottleneck(
    in_channels: int,
    planes: int,
    stride: int = 1,
    groups: int = 1,
    base_width: int = 64,
) -> nn.Module:
    """torchvision's Bottleneck ("V1.5"; ResNeXt with ``groups``/``base_width``)."""
    return _tv().Bottleneck(
        in_channels,
        planes,
        stride,
        _tv_downsample(in_channels, planes * 4, stride),
        groups=groups,
        base_width=base_width,
    )


def tv_resnext(in_channels: int, planes: int, stride: int = 1) -> nn.Module:
    """The block of torchvision's ``resnext50_32x4d``: ``groups=32, width_per_group=4``."""
    return tv_bottleneck(in_channels, planes, stride, groups=32, base_width=4)


def _tv_downsample(
    in_channels: int, out_channels: int, stride: int
) -> Optional[nn.Module]:
    # as torchvision's ResNet._make_layer: a projection where the shape changes
    if stride == 1 and in_channels == out_channels:
        return None
    return nn.Sequential(
        _tv().conv1x1(in_channels, out_channels, stride),
        nn.BatchNorm2d(out_channels),
    )


# --- checking a block class ----------------------------------------------------------------

#: a bug the checker recognises, as the steps of its hint (:func:`bug_found`): what is
#: wrong in the output, where it comes from, the fix; or None
Diagnosis = Optional[tuple[Message, Message, Message]]


def bug_found(
    call: str, reference: str, steps: tuple[Message, ...]
) -> Feedback:
    """The verdict on a block that still has a bug the checker knows: that it does not
    compute what the reference computes yet, and the bug itself only in the hint's steps,
    given when asked for (``hint=1``: what is wrong in the output; ``hint=2``: where;
    ``hint=3``: the fix), so that running an unchanged exercise does not give it away."""
    return Feedback.wrong(
        Text(
            "{call} does not compute what {reference} computes yet: the checker "
            "recognises the mistake",
            call=call,
            reference=reference,
        ),
        steps=steps,
    )


@dataclass(frozen=True)
class Run:
    """One configuration of a block exercise, run on the input ``x``: the constructor's
    arguments, the student's block and the reference, and the trace of each (what a
    spec's ``diagnose`` reads to name the bug)."""

    args: tuple
    student: nn.Module
    student_trace: Trace
    reference: nn.Module
    reference_trace: Trace
    x: Tensor


@dataclass
class BlockSpec:
    """How to check one block exercise: the shapes to build, the reference, known bugs.

    ``reference_name``, ``success``, the names of ``variants`` (the keys of
    ``variant_steps``: what each wrong block computes instead, the second step of its
    hint), their first and last steps (what is wrong in the output, ``{call}`` being
    the block's constructor call, and the fix) and ``hint`` are messages marked with
    ``N_``, translated where they are shown.
    """

    name: str  # what the student writes, e.g. "Bottleneck"
    signature: str  # its constructor, e.g. "(in_channels, planes, stride)"
    configs: Sequence[
        tuple
    ]  # constructor arguments to try, shape-changing ones first
    reference: Callable[..., nn.Module]
    reference_name: str
    success: str
    batch: int = 2
    size: int = 8
    input_channels: Callable[[tuple], int] = lambda args: args[0]
    diagnose: Optional[Callable[[Run], Diagnosis]] = None
    variants: Optional[Callable[[nn.Module, Tensor], dict[str, Tensor]]] = None
    variant_steps: dict[str, tuple[str, str]] = field(default_factory=dict)
    hint: str = N_(
        "print the shape after every step of your forward pass and compare "
        "with the reference"
    )


def call_of(spec: BlockSpec, args: tuple) -> str:
    """The student's constructor call, as the feedback names it: ``Bottleneck(64, 16, 2)``."""
    return f"{spec.name}({', '.join(map(str, args))})"


def check_block(candidate: Any, spec: BlockSpec, seed: int = 0) -> Feedback:
    """Build ``candidate(*args)`` for every configuration and compare it with the reference."""
    g = torch.Generator().manual_seed(seed)
    for args in spec.configs:
        student, problem = build(candidate, args, spec.signature)
        if problem is not None:
            return problem
        assert (
            student is not None
        )  # build gives a module whenever it gives no Feedback
        ref = spec.reference(*args)
        randomize_norms(ref, g)
        x = torch.randn(
            spec.batch,
            spec.input_channels(args),
            spec.size,
            spec.size,
            generator=g,
        )
        shape = f"({', '.join(map(str, x.shape))})"
        call = call_of(spec, args)
        reference, hint = _(spec.reference_name), _(spec.hint)
        ref_trace, st = trace(ref.eval(), x), trace(student.eval(), x)
        if spec.diagnose is not None:
            found = spec.diagnose(Run(args, student, st, ref, ref_trace, x))
            if found is not None:
                return bug_found(call, reference, found)
        if st.error is not None:
            return Feedback.wrong(
                Text(
                    "running {call} on a {shape} input raised {error}",
                    call=call,
                    shape=shape,
                    error=error_line(st.error),
                ),
                hint,
            )
        ours, theirs = ref_trace.output, st.output
        if ours is None:
            raise RuntimeError(
                f"{spec.reference_name} failed on a {shape} input: {ref_trace.error!r}"
            )
        assert (
            theirs is not None
        )  # trace gives an output whenever it gives no error
        if theirs.shape != ours.shape:
            return Feedback.wrong(
                Text(
                    "{call} outputs shape {output} for a {shape} input; "
                    "{reference} outputs {expected}",
                    call=call,
                    output=str(tuple(theirs.shape)),
                    shape=shape,
                    reference=reference,
                    expected=str(tuple(ours.shape)),
                ),
                hint,
            )
        n, m = count_params(student), count_params(ref)
        if n != m:
            return Feedback.wrong(
                Text(
                    "{call} has {n:,} parameters; {reference} has {m:,}",
                    call=call,
                    n=n,
                    reference=reference,
                    m=m,
                ),
                hint,
            )
        result = agree(ref, student, x, spec.variants)
        if result.variant is not None:
            symptom, fix = spec.variant_steps[result.variant]
            return bug_found(
                call,
                reference,
                (Text(symptom, call=call), _(result.variant), _(fix)),
            )
        if not result.same:
            if not result.matched:
                return Feedback.wrong(
                    Text(
                        "{call} has the right parameter count, but its "
                        "layers are not those of {reference} (kinds or "
                        "shapes differ)",
                        call=call,
                        reference=reference,
                    ),
                    hint,
                )
            return Feedback.wrong(
                Text(
                    "with {reference}'s weights loaded into {call}, the "
                    "outputs differ by up to {difference:.3g} ({mode} mode)",
                    reference=reference,
                    call=call,
                    difference=result.max_diff,
                    mode=result.mode,
                ),
                hint,
            )
    return Feedback.right(_(spec.success))


def convs_of(tr: Trace, kernel: int) -> list[nn.Conv2d]:
    """The ``kernel`` x ``kernel`` convolutions a traced run went through, in order."""
    return list(
        dict.fromkeys(
            m for m, i, o in tr.convs() if m.kernel_size == (kernel, kernel)
        )
    )
