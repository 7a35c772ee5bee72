"""Checkers for the architecture chapters: block parameters, a BasicBlock forward pass,
stage channels, and the paper's layer count.
"""

from __future__ import annotations

from typing import Optional, Sequence, Union, cast

import numpy as np
import torch
from torch import Tensor, nn

from ..nn.blocks import BasicBlock
from ..counting import block_params, count_weighted_layers, weighted_layers
from .feedback import (
    clip,
    Feedback,
    Question,
    QuestionError,
    checker,
    describe,
    read_integer,
)

DEPTH = Question("depth", "answer = 1 + 2 * 8 + 1")
PARAMS = Question("parameter count", "answer = 3 * 3 * 64 * 64 + 64 * 256")
CHANNELS = Question("channel count", "[c1, c2, c3, c4]")


@checker
def check_block_params(
    answer,
    block: str = "bottleneck",
    in_channels: int = 256,
    planes: int = 64,
    stride: int = 1,
    shortcut: str = "B",
    part: str = "conv",
) -> Feedback:
    """Check a hand-computed parameter count of one block.

    Args:
        answer: the student's number.
        block, in_channels, planes, stride, shortcut: the block in the question.
        part: ``"conv"`` (main-path convolution weights only) or ``"total"`` (everything
            learnable: convolutions, BatchNorm scale and shift, and the shortcut).
    """
    if part not in ("conv", "total"):
        raise QuestionError(f"part must be 'conv' or 'total'; got {part!r}")
    value, problem = read_integer(answer, PARAMS)
    if problem is not None:
        return problem
    assert (
        value is not None
    )  # read_integer gives an int whenever it gives no Feedback
    c = block_params(block, in_channels, planes, stride, shortcut)
    expected = c.conv if part == "conv" else c.total
    desc = f"{block} block ({in_channels} -> {planes} planes, stride {stride})"
    if value == expected:
        return Feedback.right(
            f"the {desc} has {expected:,} {'convolution weights' if part == 'conv' else 'parameters'}."
        )
    out = planes * (4 if block == "bottleneck" else 1)
    bn_channels = [planes, out] if block == "basic" else [planes, planes, out]
    if part == "conv":
        mistakes = {
            c.conv + c.bn: (
                "you included the BatchNorm parameters",
                "the question asks for convolution weights only",
            )
        }
        if c.shortcut:
            mistakes[c.conv + c.shortcut] = (
                "you included the projection shortcut",
                "the question asks for the main path only",
            )
            mistakes[c.total] = (
                "you counted the whole block",
                "count only the convolution weights of the main path",
            )
    else:
        mistakes = {
            c.conv: (
                "you counted only the convolution weights",
                "add BatchNorm's scale and shift (2 per channel) and the shortcut",
            ),
            c.conv + c.bn: (
                "you left out the shortcut",
                "a projection shortcut (1x1 conv + BatchNorm) has parameters too",
            ),
            c.total + sum(2 * ch for ch in bn_channels): (
                "you counted BatchNorm's running mean and variance",
                "running statistics are buffers, not learnable parameters: 2 parameters per channel, not 4",
            ),
            c.total - sum(ch for ch in bn_channels): (
                "you counted one parameter per BatchNorm channel",
                "BatchNorm learns a scale AND a shift per channel",
            ),
        }
        if c.shortcut:
            mistakes[c.total - 2 * out] = (
                "you forgot the shortcut's BatchNorm",
                "the projection is conv1x1 + BatchNorm",
            )
    # slips in the convolution arithmetic itself, whatever the part
    extra = c.total - c.conv if part == "total" else 0
    if block == "bottleneck":
        slips = {
            c.conv - planes * out + planes * planes: (
                "your last 1x1 convolution keeps the width",
                f"the last 1x1 conv expands by 4: {planes} -> {out} channels",
            ),
            c.conv - 9 * planes * planes + planes * planes: (
                "you treated the middle convolution as 1x1",
                "the middle convolution is 3x3: 9 weights per input-output pair",
            ),
            c.conv - in_channels * planes + out * planes: (
                "your first 1x1 convolution reads the wrong number of channels",
                f"the block's input has {in_channels} channels",
            ),
        }
    else:
        slips = {
            c.conv // 9: (
                "you left out the 3x3 kernel size",
                "a 3x3 conv has 3*3*C_in*C_out weights",
            ),
            c.conv // 2: (
                "you counted one convolution",
                "a BasicBlock has two 3x3 convolutions",
            ),
        }
    # a diagnosis only where the arithmetic singles one mistake out: drop counts two mistakes share
    candidates = list(mistakes.items()) + [
        (wrong + extra, why) for wrong, why in slips.items()
    ]
    counts = [v for v, _ in candidates]
    mistakes = {
        v: why
        for v, why in candidates
        if counts.count(v) == 1 and v != expected
    }
    if value in mistakes:
        what, hint = mistakes[value]
        return Feedback.wrong(
            f"{value:,} is not right: it looks like {what}.", hint
        )
    rel = abs(value - expected) / max(expected, 1)
    return Feedback.wrong(
        f"{value:,} is {'close to' if rel < 0.1 else 'far from'} the right count for the {desc}.",
        "write the count per layer: a k x k conv from C_in to C_out channels has k*k*C_in*C_out weights (no bias)",
    )


def _leaf_calls(
    module: nn.Module, x: Tensor
) -> tuple[Tensor, list[tuple[nn.Module, Tensor, Tensor]]]:
    """Run ``module(x)`` recording every Conv2d / BatchNorm2d call with its input and output."""
    calls: list[tuple[nn.Module, Tensor, Tensor]] = []
    handles = [
        m.register_forward_hook(lambda m, i, o: calls.append((m, i[0], o)))
        for m in module.modules()
        if isinstance(m, (nn.Conv2d, nn.BatchNorm2d))
    ]
    try:
        out = module(x)
    finally:
        for h in handles:
            h.remove()
    return out, calls


def _reference_from(
    student: nn.Module, in_channels: int, planes: int, stride: int, x: Tensor
) -> Union[BasicBlock, str]:
    """Our BasicBlock carrying the student's weights, matched by data flow, not by names."""
    with torch.no_grad():
        _, calls = _leaf_calls(student, x)
    convs = [(m, i, o) for m, i, o in calls if isinstance(m, nn.Conv2d)]
    bns = [(m, i, o) for m, i, o in calls if isinstance(m, nn.BatchNorm2d)]
    main = [c for c in convs if c[0].kernel_size == (3, 3)]
    proj = [c for c in convs if c[0].kernel_size == (1, 1)]
    if len(main) != 2:
        return f"a BasicBlock has two 3x3 convolutions on its main path; yours ran {len(main)}"
    if any(c[0].bias is not None for c in main):
        return "your convolutions have a bias; with BatchNorm right after, use bias=False (the BN shift does that job)"
    needs_proj = stride != 1 or in_channels != planes
    if needs_proj and len(proj) != 1:
        return (
            (
                "the shortcut is missing: the shape changes here, so it needs a 1x1 projection (option B), "
                "and your forward pass ran none"
            )
            if not proj
            else f"expected one 1x1 projection on the shortcut; yours ran {len(proj)}"
        )

    def bn_after(conv_out: Tensor) -> Optional[nn.BatchNorm2d]:
        return next(
            (
                m
                for m, i, _ in bns
                if i.data_ptr() == conv_out.data_ptr()
                and i.shape == conv_out.shape
            ),
            None,
        )

    ref = BasicBlock(in_channels, planes, stride, shortcut="B").to(x.device)
    pairs = [(ref.conv1, ref.bn1, main[0]), (ref.conv2, ref.bn2, main[1])]
    if needs_proj:
        projection = cast(
            nn.Sequential, ref.downsample
        )  # option B where the shape changes: conv1x1, BatchNorm
        pairs.append((cast(nn.Conv2d, projection[0]), projection[1], proj[0]))
    for our_conv, our_bn, (their_conv, _, out) in pairs:
        if (
            their_conv.weight.shape != our_conv.weight.shape
            or their_conv.stride != our_conv.stride
        ):
            return (
                f"a convolution has weight {tuple(their_conv.weight.shape)} and stride {their_conv.stride}; "
                f"expected {tuple(our_conv.weight.shape)} and stride {our_conv.stride}"
            )
        their_bn = bn_after(out)
        if their_bn is None:
            return "every convolution should be followed by BatchNorm; one of yours is not"
        our_conv.load_state_dict(their_conv.state_dict())
        our_bn.load_state_dict(their_bn.state_dict())
    return ref


@checker
def check_basic_block(
    block_cls,
    in_channels: int = 16,
    planes: int = 32,
    stride: int = 2,
    seed: int = 0,
) -> Feedback:
    """Check a student's BasicBlock class: ``block_cls(in_channels, planes, stride)``.

    The student's module may name its layers anything; its weights are matched to ours by
    data flow (which convolution feeds which BatchNorm), then both are run on the same
    inputs, in train and eval mode, for a shape-changing and a shape-keeping block.
    """
    if isinstance(block_cls, nn.Module):
        return Feedback.wrong(
            f"you passed {describe(block_cls)}, a block already built",
            f"pass the class itself, not an instance: check_basic_block({type(block_cls).__name__})",
        )
    if not callable(block_cls):
        return Feedback.wrong(
            f"you passed {describe(block_cls)} where your block class goes",
            "pass the class you wrote: check_basic_block(MyBlock)",
        )
    name = getattr(block_cls, "__name__", type(block_cls).__name__)
    g = torch.Generator().manual_seed(seed)
    for cin, p, s in ((in_channels, planes, stride), (planes, planes, 1)):
        try:
            student = block_cls(cin, p, s)
        except Exception as err:  # noqa: BLE001 - the student's constructor
            return Feedback.wrong(
                f"building {name}({cin}, {p}, {s}) raised {type(err).__name__}: {clip(err, 200)}",
                "the constructor takes (in_channels, planes, stride)",
            )
        if not isinstance(student, nn.Module):
            return Feedback.wrong(
                f"{name}({cin}, {p}, {s}) gave {describe(student)}, not an nn.Module",
                "write a class that subclasses nn.Module, and pass the class",
            )
        with torch.no_grad():  # random BatchNorm affine parameters and statistics, so that they matter
            for m in student.modules():
                if (
                    isinstance(m, nn.BatchNorm2d)
                    and m.affine
                    and m.track_running_stats
                ):
                    # affine, with running statistics: none of these four is None
                    cast(Tensor, m.weight).uniform_(0.5, 1.5, generator=g)
                    cast(Tensor, m.bias).uniform_(-0.5, 0.5, generator=g)
                    cast(Tensor, m.running_mean).uniform_(
                        -0.2, 0.2, generator=g
                    )
                    cast(Tensor, m.running_var).uniform_(0.5, 1.5, generator=g)
        x = torch.randn(4, cin, 8, 8, generator=g)
        shape_changes = s != 1 or cin != p
        try:
            ref = _reference_from(student.eval(), cin, p, s, x)
        except Exception as err:  # noqa: BLE001 - the student's forward pass
            hint = (
                "the shape changes in this block (stride or channels), so the shortcut needs a 1x1 projection "
                "with the same stride before the addition"
                if shape_changes and "size of tensor" in str(err)
                else "print the shape after every step of your forward pass"
            )
            return Feedback.wrong(
                f"running your block on a (4, {cin}, 8, 8) input raised {type(err).__name__}: "
                f"{clip(err, 200)}",
                hint,
            )
        if isinstance(ref, str):
            return Feedback.wrong(
                f"for ({cin}, {p}, stride {s}): {ref}.",
                "the main path is conv3x3-BN-ReLU-conv3x3-BN; add the shortcut, then ReLU",
            )
        with torch.no_grad():
            for mode in ("eval", "train"):
                student.train(mode == "train"), ref.train(mode == "train")
                try:
                    theirs = student(x.clone())
                except Exception as err:  # noqa: BLE001
                    return Feedback.wrong(
                        f"your block raised {type(err).__name__} in {mode} mode: {clip(err, 200)}",
                        "print the shape after every step of your forward pass",
                    )
                ours = ref(x.clone())
                if not isinstance(theirs, Tensor):
                    return Feedback.wrong(
                        f"your forward returned {describe(theirs)}, not a tensor",
                        "end forward with `return out`",
                    )
                if theirs.shape != ours.shape:
                    return Feedback.wrong(
                        f"your output has shape {tuple(theirs.shape)}; expected {tuple(ours.shape)}",
                        "the stride belongs to the first 3x3 conv (and to the projection)",
                    )
                if not torch.allclose(
                    theirs.float(), ours, atol=1e-5, rtol=1e-4
                ):
                    found = _diagnose(ref, x, theirs.float())
                    return Feedback.wrong(
                        f"your block computes something else ({mode} mode, input {cin} -> {p} channels, "
                        f"stride {s}): {found}.",
                        _HINTS[found],
                    )
    return Feedback.right(
        "your BasicBlock computes relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), as torchvision's does."
    )


_HINTS = {
    "there is no ReLU after the addition": "apply the ReLU to out + identity, not before the addition",
    "the ReLU comes before the addition": "add the shortcut to bn2's output first, then apply the ReLU",
    "the shortcut is missing": "keep identity = x (or the projection of x) and add it before the last ReLU",
    "the middle ReLU is missing": "apply a ReLU between bn1 and conv2",
    "the shortcut is added to the input of the block instead of to F(x)": "out = bn2(conv2(...)); out = out + identity",
    "the result differs in a way I cannot name": "print out.shape and a few values after every step and compare with the reference",
}


def _diagnose(ref: BasicBlock, x: Tensor, theirs: Tensor) -> str:
    with torch.no_grad():
        identity = ref.downsample(x)
        relu = torch.relu
        f_no_mid = ref.bn2(ref.conv2(ref.bn1(ref.conv1(x))))
        f = ref.bn2(ref.conv2(relu(ref.bn1(ref.conv1(x)))))
        candidates = {
            "there is no ReLU after the addition": f + identity,
            "the ReLU comes before the addition": relu(f) + identity,
            "the shortcut is missing": relu(f),
            "the middle ReLU is missing": relu(f_no_mid + identity),
        }
    for name, value in candidates.items():
        if value.shape == theirs.shape and torch.allclose(
            value, theirs, atol=1e-5, rtol=1e-4
        ):
            return name
    return "the result differs in a way I cannot name"


@checker
def check_stage_channels(answer: Sequence[int], depth: int = 50) -> Feedback:
    """Check the output channels of each of the four stages of ResNet-``depth``."""
    from ..nn.models import IMAGENET_SPECS

    if depth not in IMAGENET_SPECS:
        raise QuestionError(
            f"depth must be one of {sorted(IMAGENET_SPECS)}; got {depth}"
        )
    block, _ = IMAGENET_SPECS[depth]
    expansion = 4 if block == "bottleneck" else 1
    expected = [64 * 2**i * expansion for i in range(4)]
    got, problem = _read_channels(answer)
    if problem is not None:
        return problem
    if len(got) != 4:
        return Feedback.wrong(
            f"ResNet-{depth} has four stages (conv2_x .. conv5_x); you gave {len(got)} "
            f"number{'s' * (len(got) != 1)}",
            "list the output channels of layer1, layer2, layer3 and layer4: [c1, c2, c3, c4]",
        )
    if got == expected:
        return Feedback.right(
            f"ResNet-{depth}'s stages output {expected} channels."
        )
    if got == [64 * 2**i for i in range(4)]:
        return Feedback.wrong(
            f"{got} are the widths of the 3x3 convolutions, before expansion",
            f"a {block} block multiplies its width by expansion = {expansion} at its output",
        )
    if got == [64 * 2**i * 4 for i in range(4)]:
        return Feedback.wrong(
            "you applied a bottleneck's expansion of 4",
            f"ResNet-{depth} uses BasicBlocks: expansion = 1",
        )
    if sorted(got) == sorted(expected):
        return Feedback.wrong(
            f"{got} has the right numbers in the wrong places",
            "widths double from one stage to the next",
        )
    return Feedback.wrong(
        f"{got} are not ResNet-{depth}'s stage widths",
        "stage i has 64 * 2**i planes; multiply by the block's expansion for its output channels",
    )


def _read_channels(answer) -> tuple[list[int], Optional[Feedback]]:
    """Four channel counts from a list, a tuple, a 1-d array or tensor; or the reason why not."""
    if isinstance(answer, str):
        return [], Feedback.wrong(
            f"you passed the text {answer!r}"[:80] + ", not a list of numbers",
            "pass a list of four numbers without quotes: [c1, c2, c3, c4]",
        )
    if isinstance(answer, (Tensor, np.ndarray)):
        if answer.ndim != 1:
            return [], Feedback.wrong(
                f"you passed {describe(answer)}; a list of four numbers goes here",
                "pass [c1, c2, c3, c4], e.g. with .tolist() on a 1-d tensor",
            )
        answer = answer.tolist()
    if isinstance(answer, (int, float, np.generic)) and not isinstance(
        answer, bool
    ):
        return [], Feedback.wrong(
            f"you passed one number ({describe(answer)}); the question asks for four",
            "list the output channels of layer1 .. layer4: [c1, c2, c3, c4]",
        )
    if not isinstance(answer, (list, tuple)):
        return [], Feedback.wrong(
            f"you passed {describe(answer)} where a list of four channel counts goes",
            "pass [c1, c2, c3, c4]: the output channels of layer1 .. layer4",
        )
    got = []
    for i, item in enumerate(answer):
        value, problem = read_integer(item, CHANNELS)
        if problem is not None:
            return [], Feedback.wrong(
                f"item {i} of your list is not a channel count: {problem.message}",
                problem.hint,
            )
        assert (
            value is not None
        )  # read_integer gives an int whenever it gives no Feedback
        got.append(value)
    return got, None


def _blocks_per_stage(
    model: nn.Module, per_stage: dict[str, int]
) -> dict[str, int]:
    """Blocks in each stage that is an ``nn.Sequential`` of blocks (``layer1`` .. ``layer4``)."""
    children = dict(model.named_children())
    stages = {name: children.get(name) for name in per_stage}
    return {
        name: len(stage)
        for name, stage in stages.items()
        if isinstance(stage, nn.Sequential) and len(stage) > 0
    }


@checker
def check_depth(answer, model: nn.Module) -> Feedback:
    """Check a count of a model's weighted layers the way the paper counts depth."""
    if isinstance(answer, nn.Module) and not isinstance(model, nn.Module):
        return Feedback.wrong(
            f"got {describe(answer)} where the answer (a number) goes",
            "the answer comes first: call check_depth(answer, model)",
        )
    if isinstance(model, type) and issubclass(model, nn.Module):
        return Feedback.wrong(
            f"got the class {model.__name__} where a built model goes",
            f"build the model first: check_depth(answer, {model.__name__}(...))",
        )
    if not isinstance(model, nn.Module):
        return Feedback.wrong(
            f"got {describe(model)} where the model goes",
            "call check_depth(answer, model) with the model you counted",
        )
    value, problem = read_integer(answer, DEPTH)
    if problem is not None:
        return problem
    assert (
        value is not None
    )  # read_integer gives an int whenever it gives no Feedback
    try:
        count = count_weighted_layers(model)
    except ValueError:
        return Feedback.wrong(
            f"{describe(model)} has no convolution or linear layers to count",
            "pass the network the question is about",
        )
    expected = count.total
    if value == expected:
        return Feedback.right(
            f"{count.formula()}: the paper's depth counts the stem, every main-path convolution and the fc layer."
        )
    # a diagnosis only where the arithmetic proves it: the difference is exactly the number of
    # things of one kind (at least 2 of them), and no other mistake gives the same number
    projections = (
        sum(1 for _ in weighted_layers(model, include_shortcuts=True))
        - expected
    )
    n_bn = sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    n_pool = sum(
        isinstance(m, (nn.MaxPool2d, nn.AdaptiveAvgPool2d, nn.AvgPool2d))
        for m in model.modules()
    )
    candidates = [
        (
            projections,
            f"exactly the {projections} projection shortcuts more: you counted them",
            "the paper's depth does not count the 1x1 shortcut projections, only the main path",
        ),
        (
            n_bn,
            f"exactly the {n_bn} BatchNorm layers more: you counted them",
            "BatchNorm normalises; it is not counted as a weighted layer",
        ),
        (
            n_bn + projections,
            f"exactly the {n_bn} BatchNorms and {projections} projections more: you counted both",
            "count only the convolutions of the main path, the stem and the fc",
        ),
        (
            n_pool,
            f"exactly the {n_pool} pooling layers more: you counted them",
            "pooling has no weights, so it is not counted",
        ),
    ]
    blocks = _blocks_per_stage(model, count.per_stage)
    convs = {
        count.per_stage[name] // n
        for name, n in blocks.items()
        if count.per_stage[name] % n == 0
    }
    n_blocks = sum(blocks.values())
    if len(convs) == 1 and sum(
        count.per_stage[name] for name in blocks
    ) == n_blocks * min(convs):
        (per_block,) = convs
        for other in (2, 3):
            if other != per_block:
                candidates.append(
                    (
                        n_blocks * (other - per_block),
                        f"what {other} convolutions in each of the {n_blocks} blocks give",
                        f"this model's blocks have {per_block} convolutions on their main path each",
                    )
                )
    differences = [d for d, *_ in candidates]
    proven = {
        d: (what, hint)
        for d, what, hint in candidates
        if abs(d) >= 2 and differences.count(d) == 1
    }
    diff = value - expected
    if diff in proven:
        what, hint = proven[diff]
        return Feedback.wrong(f"{value} is {what}.", hint)
    rule = (
        "the paper counts the stem convolution, every convolution on the blocks' main path and the fc "
        "layer; not pooling, BatchNorm or the 1x1 projection shortcuts"
    )
    if diff == -1:
        return Feedback.wrong(
            f"{value} is one short.",
            "did you count both the stem convolution and the final fc "
            "layer? " + rule,
        )
    if diff == 1:
        return Feedback.wrong(f"{value} is one over.", rule)
    return Feedback.wrong(
        f"{value} is not the depth of this model.",
        "count per stage: blocks x convolutions per block, then add the stem and the fc; "
        + rule,
    )
