"""One checker per bug of the bank: build the student's fix, compare it with the reference
(torchvision's module where it has one, resnet_lib's otherwise), and name the bug if it is
still there. Every checker returns a :class:`Feedback`; none raises on a student's code.
"""

from __future__ import annotations

import numbers
from typing import Any, Optional, cast

import torch
from torch import Tensor, nn

from ...nn.blocks import PreActBlock
from ...nn.models import cifar_resnet
from ...counting import count_params
from ...diagnostics import as_found, gradient_norms
from ...i18n import N_, Text, _
from ..feedback import Feedback, describe
from ..harness import call_student, error_line
from .compare import Trace, agree, randomize_norms
from .specs import (
    BlockSpec,
    Diagnosis,
    Run,
    call_of,
    convs_of,
    tv_basic,
    tv_bottleneck,
    tv_resnext,
)

# --- 1. the stride applied only once -----------------------------------------------------------


def _map_sizes(tr: Trace) -> list[int]:
    """The side of the feature maps the 3x3 convolutions produce, each size once, in order."""
    sizes: list[int] = []
    for m, conv_in, out in tr.convs():
        if (
            m.kernel_size == (3, 3)
            and out.dim() == 4
            and (not sizes or sizes[-1] != out.shape[-1])
        ):
            sizes.append(out.shape[-1])
    return sizes


def _diagnose_stride_once(run: Run) -> Diagnosis:
    theirs = _map_sizes(run.student_trace)
    ours = _map_sizes(run.reference_trace)
    if not theirs or theirs == ours:
        return None
    path = lambda sizes: " -> ".join(f"{s}x{s}" for s in sizes)  # noqa: E731
    call = call_of(STRIDE_ONCE, run.args)
    if len(theirs) < len(ours):
        return (
            Text(
                "{call}'s last stage works on {side}x{side} maps; the "
                "paper's works on {last}x{last} maps",
                call=call,
                side=theirs[-1],
                last=ours[-1],
            ),
            Text(
                "the stride is still applied only in the first block that "
                "gets one: your maps go {theirs}, so the last stage works on "
                "{side}x{side} maps; the paper's (and resnet_lib's "
                "cifar_resnet) go {ours}",
                theirs=path(theirs),
                side=theirs[-1],
                ours=path(ours),
            ),
            _(
                "give every stage its own stride as an argument (stride 1 "
                "for layer1, 2 for layer2 and layer3), as torchvision's "
                "_make_layer and resnet_lib's make_stage do, instead of "
                "keeping it in self.stride"
            ),
        )
    return (
        Text(
            "{call}'s feature maps do not shrink where the paper's do",
            call=call,
        ),
        Text(
            "your maps go {theirs}; the paper's go {ours}",
            theirs=path(theirs),
            ours=path(ours),
        ),
        _(
            "only the first block of layer2 and of layer3 has stride 2; "
            "every other block has stride 1"
        ),
    )


STRIDE_ONCE = BlockSpec(
    name="CifarResNet",
    signature="(n, num_classes)",
    configs=[(2, 10)],
    reference=lambda n, num_classes: cifar_resnet(
        6 * n + 2, num_classes=num_classes
    ),
    reference_name=N_("resnet_lib's cifar_resnet"),
    size=32,
    input_channels=lambda args: 3,
    success=N_(
        "your network halves the map at the start of layer2 and of layer3 "
        "(32x32 -> 16x16 -> 8x8) and computes what resnet_lib's cifar_resnet "
        "computes, in eval and in train mode."
    ),
    diagnose=_diagnose_stride_once,
)

# --- 2. ResNeXt: groups gets the group width -------------------------------------------------------


def _diagnose_groups(run: Run) -> Diagnosis:
    theirs = convs_of(run.student_trace, 3)
    ours = convs_of(run.reference_trace, 3)
    if (
        len(theirs) != 1
        or len(ours) != 1
        or theirs[0].groups == ours[0].groups
    ):
        return None
    c, r = theirs[0], ours[0]
    width = r.in_channels
    # the values both sentences below share (grouped or not grouped at all)
    values: dict[str, Any] = dict(
        call=call_of(RESNEXT_GROUPS, run.args),
        width=width,
        groups=r.groups,
        group_width=width // r.groups,
        weight=str(tuple(r.weight.shape)),
        yours=str(tuple(c.weight.shape)),
        params=count_params(run.student),
        expected=count_params(run.reference),
    )
    hint = _(
        "Conv2d's groups is the number of groups, the cardinality (32); the "
        "4 in 32x4d is the width of each group, which only sets the number "
        "of channels"
    )
    symptom = Text(
        "{call} has {params:,} parameters; torchvision's ResNeXt-50 32x4d "
        "block has {expected:,}",
        call=values["call"],
        params=values["params"],
        expected=values["expected"],
    )
    if c.groups > 1:
        return (
            symptom,
            Text(
                "in {call} the 3x3 convolution is split into {their_groups} "
                "groups of {their_width} channels; ResNeXt 32x4d splits its "
                "{width} channels into {groups} groups of {group_width}: "
                "torchvision's weight is {weight}, yours {yours}, and the "
                "block has {params:,} parameters instead of {expected:,}",
                their_groups=c.groups,
                their_width=c.in_channels // c.groups,
                **values,
            ),
            hint,
        )
    return (
        symptom,
        Text(
            "in {call} the 3x3 convolution is not grouped (groups=1); "
            "ResNeXt 32x4d splits its {width} channels into {groups} groups "
            "of {group_width}: torchvision's weight is {weight}, yours "
            "{yours}, and the block has {params:,} parameters instead of "
            "{expected:,}",
            **values,
        ),
        hint,
    )


RESNEXT_GROUPS = BlockSpec(
    name="ResNeXtBlock",
    signature="(in_channels, planes, stride)",
    configs=[(256, 64, 1), (256, 128, 2)],
    reference=tv_resnext,
    reference_name=N_("torchvision's ResNeXt-50 32x4d Bottleneck"),
    success=N_(
        "your grouped 3x3 convolution has 32 groups of 4 channels per 64 "
        "planes, and the block computes what the block of torchvision's "
        "resnext50_32x4d computes."
    ),
    diagnose=_diagnose_groups,
)

# --- 3. a ReLU before and after the addition -----------------------------------------------------


def _basic_variants(ref: nn.Module, x: Tensor) -> dict[str, Tensor]:
    block: Any = ref  # torchvision's BasicBlock (tv_basic); torchvision publishes no type information
    identity = block.downsample(x) if block.downsample is not None else x
    f = block.bn2(block.conv2(torch.relu(block.bn1(block.conv1(x)))))  # F(x)
    return {
        TWICE: torch.relu(torch.relu(f) + identity),
        NO_RELU_AFTER: f + identity,
        BEFORE: torch.relu(f) + identity,
        NO_SHORTCUT: torch.relu(f),
    }


# what a wrong block computes instead (translated where shown)
BEFORE = N_("the ReLU now comes before the addition instead of after it")
TWICE = N_(
    "the ReLU is still applied twice: once to F(x) inside the block, before "
    "the addition, and again after it, so the residual F(x) can never be "
    "negative"
)
NO_RELU_AFTER = N_("there is no ReLU after the addition")
NO_SHORTCUT = N_("the shortcut is missing")
NEGATIVE_BASIC = N_(
    "the output of {call} has negative values; torchvision's BasicBlock ends "
    "in a ReLU, so its output never has"
)
DOUBLE_RELU = BlockSpec(
    name="BasicBlock",
    signature="(in_channels, planes, stride)",
    configs=[(16, 32, 2), (32, 32, 1)],
    reference=tv_basic,
    reference_name=N_("torchvision's BasicBlock"),
    success=N_(
        "your block computes relu(F(x) + shortcut(x)) with F(x) = "
        "bn2(conv2(relu(bn1(conv1(x))))), as torchvision's BasicBlock does: "
        "one ReLU inside, one after the addition."
    ),
    variants=_basic_variants,
    variant_steps={
        TWICE: (
            N_(
                "with torchvision's weights loaded, the output of {call} "
                "agrees with torchvision's wherever the residual F(x) is "
                "positive or zero, and differs where it is negative"
            ),
            N_(
                "the second conv-BN of the block must not end in a ReLU: the "
                "only ReLU after it is the one applied to the sum"
            ),
        ),
        NO_RELU_AFTER: (
            NEGATIVE_BASIC,
            N_("apply the ReLU to F(x) + shortcut(x)"),
        ),
        BEFORE: (
            NEGATIVE_BASIC,
            N_(
                "the second conv-BN ends without a ReLU; the block's last "
                "ReLU is applied to the sum"
            ),
        ),
        NO_SHORTCUT: (
            N_(
                "the output of {call} is what torchvision's block gives when "
                "its shortcut adds zero"
            ),
            N_("add the shortcut to F(x) before the last ReLU"),
        ),
    },
)

# --- 4. the pre-activation unit's projection reads the raw input -------------------------------------


def _preact_variants(ref: nn.Module, x: Tensor) -> dict[str, Tensor]:
    unit = cast(PreActBlock, ref)  # PREACT_SHORTCUT's reference
    pre = torch.relu(unit.bn1(x))
    f = unit.conv2(torch.relu(unit.bn2(unit.conv1(pre))))
    projects = not isinstance(unit.downsample, nn.Identity)
    out: dict[str, Tensor] = {}
    if projects:
        out[RAW] = f + unit.downsample(x)
    else:
        out[PRE_IDENTITY] = f + pre
    out[RELU_AFTER] = torch.relu(f + (unit.downsample(pre) if projects else x))
    return out


PRE_IDENTITY = N_(
    "the identity shortcut carries relu(bn1(x)) instead of x; where the "
    "shape does not change it must be x itself, untouched"
)
RELU_AFTER = N_(
    "there is a ReLU after the addition; a full pre-activation unit has none"
)
RAW = N_(
    "the projection shortcut still reads the raw input x; in the authors' "
    "code, where the shape changes the unit's first BN-ReLU is shared and "
    "the 1x1 projection reads its output, relu(bn1(x))"
)
PREACT_SHORTCUT = BlockSpec(
    name="PreActBlock",
    signature="(in_channels, planes, stride)",
    configs=[(16, 32, 2), (32, 32, 1)],
    reference=lambda cin, planes, stride: PreActBlock(
        cin, planes, stride, shortcut="B"
    ),
    reference_name=N_("resnet_lib's PreActBlock"),
    success=N_(
        "your unit feeds the pre-activated input to the projection where the "
        "shape changes, and the raw x to the identity elsewhere, as the "
        "authors' ResNet-1001 code and resnet_lib's PreActBlock do."
    ),
    variants=_preact_variants,
    variant_steps={
        RAW: (
            N_(
                "with the same weights, the output of {call}, a unit that "
                "changes the shape, differs from resnet_lib's PreActBlock's"
            ),
            N_(
                "compute pre = relu(bn1(x)) once and give it to both conv1 "
                "and the projection; keep x for the identity shortcut"
            ),
        ),
        PRE_IDENTITY: (
            N_(
                "with the same weights, the output of {call}, a unit that "
                "keeps the shape, differs from resnet_lib's PreActBlock's"
            ),
            N_(
                "use pre for the projection only; an identity shortcut adds "
                "x as it came in"
            ),
        ),
        RELU_AFTER: (
            N_(
                "the output of {call} is never negative; a full "
                "pre-activation unit's output can be"
            ),
            N_(
                "return out + shortcut: the next unit's BN-ReLU does the "
                "activating"
            ),
        ),
    },
)

# --- 5. no projection where only the channels change --------------------------------------------------


def _diagnose_missing_projection(run: Run) -> Diagnosis:
    cin, planes, stride = run.args
    st, x = run.student_trace, run.x
    out = planes * 4
    if stride != 1 or cin == out:
        return None
    # a projection reads the block's input itself (conv3 of a Bottleneck may have the same shape)
    reads_x = [
        m for m, i, o in st.convs() if i.shape == x.shape and torch.equal(i, x)
    ]
    if any(m.kernel_size == (1, 1) and m.out_channels == out for m in reads_x):
        return None
    shortcut = (
        Text(
            "its shortcut still carries the {channels}-channel input (adding "
            "them raised {error})",
            channels=cin,
            error=error_line(st.error),
        )
        if st.error is not None
        else _("its shortcut has no 1x1 projection")
    )
    call = call_of(MISSING_PROJECTION, run.args)
    missing = count_params(run.reference) - count_params(run.student)
    symptom = (
        Text(
            "running {call} raised {error}",
            call=call,
            error=error_line(st.error),
        )
        if st.error is not None
        else Text(
            "{call} has {params:,} parameters fewer than torchvision's "
            "Bottleneck",
            call=call,
            params=missing,
        )
    )
    return (
        symptom,
        Text(
            "the projection shortcut is still missing where only the "
            "channels change: {call} keeps the map size but turns {cin} "
            "channels into {out}, and {shortcut}; torchvision gives this "
            "block a 1x1 projection with BatchNorm ({params:,} parameters)",
            call=call,
            cin=cin,
            out=out,
            shortcut=shortcut,
            params=missing,
        ),
        _(
            "a projection is needed when stride != 1 OR in_channels != "
            "planes * expansion; with Bottlenecks that is layer1's first "
            "block, whose stride is 1"
        ),
    )


MISSING_PROJECTION = BlockSpec(
    name="Bottleneck",
    signature="(in_channels, planes, stride)",
    configs=[(64, 64, 1), (256, 128, 2), (256, 64, 1)],
    reference=tv_bottleneck,
    reference_name=N_("torchvision's Bottleneck"),
    success=N_(
        "your block projects its shortcut wherever the shape changes, by "
        "stride or by channels, and computes what torchvision's Bottleneck "
        "computes."
    ),
    diagnose=_diagnose_missing_projection,
)

# --- 6. the stride on the first 1x1 (V1) where torchvision strides the 3x3 (V1.5) ----------------------


def _diagnose_v1(run: Run) -> Diagnosis:
    _cin, planes, stride = run.args
    st = run.student_trace
    if stride == 1:
        return None
    strided_1x1 = [
        m
        for m in convs_of(st, 1)
        if m.stride != (1, 1) and m.out_channels == planes
    ]
    threes = convs_of(st, 3)
    if not strided_1x1 or not threes:
        return None
    call = call_of(V1_V15, run.args)
    if any(m.stride != (1, 1) for m in threes):
        return (
            Text(
                "the main path of {call} makes smaller maps than its shortcut",
                call=call,
            ),
            Text(
                "in {call} both the first 1x1 and the 3x3 convolution have "
                "stride 2, so the main path halves the map twice while the "
                "shortcut halves it once",
                call=call,
            ),
            _(
                "keep the stride on the 3x3 convolution only (V1.5, "
                "torchvision's placement)"
            ),
        )
    if st.error is not None:
        return None
    result = agree(run.reference, run.student, run.x)
    differs = (
        result.matched
        and not result.same
        and result.max_diff == result.max_diff
    )
    return (
        Text(
            "with torchvision's weights loaded, the outputs of {call} differ "
            "by up to {difference:.3g}, although its shapes and parameter "
            "count are those of torchvision's Bottleneck",
            call=call,
            difference=result.max_diff,
        )
        if differs
        else Text(
            "the shapes and the parameter count of {call} are those of "
            "torchvision's Bottleneck, and yet it does not compute what "
            "that block computes",
            call=call,
        ),
        Text(
            "in {call} the stride still sits on the first 1x1 convolution "
            "and the 3x3 has stride 1: that is the paper's ResNet V1. "
            'torchvision\'s ResNet-50 is "V1.5": its 3x3 convolution has the '
            "stride. Shapes and parameter counts are the same, which is why "
            "the swap goes unnoticed.",
            call=call,
        ),
        _(
            "move the stride from conv1 (1x1) to conv2 (3x3); the projection "
            "shortcut keeps its stride"
        ),
    )


V1_V15 = BlockSpec(
    name="Bottleneck",
    signature="(in_channels, planes, stride)",
    configs=[(256, 128, 2), (256, 64, 1)],
    reference=tv_bottleneck,
    reference_name=N_("torchvision's Bottleneck"),
    success=N_(
        "your Bottleneck strides its 3x3 convolution, as torchvision's "
        'ResNet-50 ("V1.5") does, so torchvision\'s weights mean the same '
        "thing in it."
    ),
    diagnose=_diagnose_v1,
)

# --- 7. a measurement that moves BatchNorm's running statistics ----------------------------------------


def _as_floats(value: Any) -> Optional[list[float]]:
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, Tensor):
        value = value.detach().flatten().tolist()
    try:
        items = list(value)
    except TypeError:
        return None
    out = []
    for v in items:
        if isinstance(v, Tensor) and v.numel() == 1:
            v = v.item()
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            try:
                v = float(v)
            except (TypeError, ValueError):
                return None
        out.append(float(v))
    return out


def _reference_norms(
    model: nn.Module, x: Tensor, y: Tensor, train: bool
) -> list[float]:
    """What the chapter's own measurement reports for ``model`` in train (or eval) mode:
    every Conv2d's and Linear's gradient norm (a CIFAR ResNet runs them in
    ``model.modules()`` order), the model left as it was found."""
    with as_found(model):
        model.train(train)
        return [
            layer.norm
            for layer in gradient_norms(model, x, y, include_shortcuts=True)
        ]


def _close_lists(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(
        abs(u - v) <= 1e-4 * max(abs(v), 1e-6) + 1e-7 for u, v in zip(a, b)
    )


def _still_moves_statistics(
    stats: list[str], before: dict, after: dict
) -> Feedback:
    """The bank's bug, still there: measuring moved BatchNorm's running statistics."""
    counter = next(
        (k for k in stats if k.endswith("num_batches_tracked")), None
    )
    where = (
        Text(
            "measuring still updates BatchNorm's running statistics: {count} "
            "buffers changed, e.g. {buffer}; {counter} went from {before} to "
            "{after}. A trained model measured this way no longer evaluates "
            "as it did.",
            count=len(stats),
            buffer=stats[0],
            counter=counter,
            before=int(before[counter]),
            after=int(after[counter]),
        )
        if counter is not None and counter in after
        else Text(
            "measuring still updates BatchNorm's running statistics: {count} "
            "buffers changed, e.g. {buffer}. A trained model measured this "
            "way no longer evaluates as it did.",
            count=len(stats),
            buffer=stats[0],
        )
    )
    return Feedback.wrong(
        _(
            "your function does not leave the model as it found it yet: the "
            "checker recognises the mistake"
        ),
        steps=(
            Text(
                "after your function, {count} of the model's buffers hold "
                "other values than before (e.g. {buffer})",
                count=len(stats),
                buffer=stats[0],
            ),
            where,
            _(
                "save the buffers before the forward pass and put them back "
                "after it (or measure a copy of the model, or call "
                "torch.func.functional_call with copies of the buffers)"
            ),
        ),
    )


def check_measurement(candidate: Any, seed: int = 0) -> Feedback:
    """Check a fixed ``measure_gradient_norms(model, inputs, targets)``: same numbers, model untouched."""
    if isinstance(candidate, (type, nn.Module)) or not callable(candidate):
        return Feedback.wrong(
            Text(
                "expected your measuring function; got {answer}",
                answer=describe(candidate),
            ),
            Text(
                "pass the function itself: {call}",
                call="check_fix(my_measure, bug='bn-running-stats')",
            ),
        )
    g = torch.Generator().manual_seed(seed)
    for start_in_train in (False, True):
        model = cifar_resnet(8)
        randomize_norms(
            model, g
        )  # as if trained: running statistics that are not 0 and 1
        model.train(start_in_train)
        x, y = (
            torch.randn(4, 3, 16, 16, generator=g),
            torch.randint(0, 10, (4,), generator=g),
        )
        before = {k: v.clone() for k, v in model.state_dict().items()}
        expected = _reference_norms(model, x, y, train=True)
        got, problem = call_student(
            candidate,
            (model, x, y),
            N_("calling your function on a CIFAR ResNet-8 raised {error}"),
            _("it is called as measure(model, inputs, targets)"),
            line=error_line,
        )
        if problem is not None:
            return problem
        after = model.state_dict()
        changed = [
            k
            for k in before
            if k not in after or not torch.equal(before[k], after[k])
        ]
        stats = [
            k
            for k in changed
            if k.rsplit(".", 1)[-1]
            in ("running_mean", "running_var", "num_batches_tracked")
        ]
        if stats:
            return _still_moves_statistics(stats, before, after)
        if changed:
            return Feedback.wrong(
                Text(
                    "your function changed the model's weights ({name}, ...)",
                    name=changed[0],
                ),
                _("a measurement must not change the model it measures"),
            )
        if model.training != start_in_train:
            was, now = (
                ("train", "eval") if start_in_train else ("eval", "train")
            )
            return Feedback.wrong(
                Text(
                    "the model was in {was} mode before your function and is "
                    "in {now} mode after it",
                    was=was,
                    now=now,
                ),
                _(
                    "remember model.training first and call "
                    "model.train(that) at the end"
                ),
            )
        grads = [n for n, p in model.named_parameters() if p.grad is not None]
        if grads:
            return Feedback.wrong(
                Text(
                    "your function left gradients in the parameters' .grad "
                    "({name}, ...)",
                    name=grads[0],
                ),
                _(
                    "torch.autograd.grad returns gradients without writing "
                    ".grad; loss.backward() accumulates into it"
                ),
            )
        values = _as_floats(got)
        if values is None:
            return Feedback.wrong(
                Text(
                    "your function returned {result}; expected a list of "
                    "numbers",
                    result=describe(got),
                ),
                _(
                    "one gradient norm per Conv2d and Linear layer, in "
                    "model.modules() order"
                ),
            )
        if not _close_lists(values, expected):
            if _close_lists(
                values, _reference_norms(model, x, y, train=False)
            ):
                return Feedback.wrong(
                    _(
                        "your norms are those of eval mode, where BatchNorm "
                        "uses its running statistics; a training step "
                        "normalises with the batch's statistics"
                    ),
                    _(
                        "measure in train mode, then restore the statistics "
                        "and the mode"
                    ),
                )
            return Feedback.wrong(
                Text(
                    "your function returned {count} numbers that are not the "
                    "gradient norms ({layers} layers) a training step sees",
                    count=len(values),
                    layers=len(expected),
                ),
                _(
                    "keep the buggy function's arithmetic; only what it does "
                    "to the model was wrong"
                ),
            )
    return Feedback.right(
        _(
            "your function measures the gradient norms a training step sees "
            "and leaves the model as it found it: weights, BatchNorm "
            "statistics, mode and .grad untouched."
        )
    )
