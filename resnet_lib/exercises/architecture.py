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
from ..i18n import N_, Text, _
from .feedback import (
    Feedback,
    Message,
    Question,
    QuestionError,
    checker,
    clip,
    describe,
    read_integer,
)
from . import counts
from .harness import (
    Mistake,
    Otherwise,
    Table,
    call_student,
    error_name,
    judge,
    table,
    tabled,
)

DEPTH = Question(N_("depth"), "answer = 1 + 2 * 8 + 1")
PARAMS = Question(N_("parameter count"), "answer = 3 * 3 * 64 * 64 + 64 * 256")
CHANNELS = Question(N_("channel count"), "[c1, c2, c3, c4]")


def _block_params_table(
    block: str,
    in_channels: int,
    planes: int,
    stride: int,
    shortcut: str,
    part: str,
) -> Table:
    """The right count of :func:`check_block_params` and the counts its mistakes give."""
    counts.check_part(part)
    c = block_params(block, in_channels, planes, stride, shortcut)
    expected = c.conv if part == "conv" else c.total
    out = planes * (4 if block == "bottleneck" else 1)
    bn_channels = [planes, out] if block == "basic" else [planes, planes, out]
    # each mistake: the count, what it looks like the student did (a clause), a hint
    if part == "conv":
        whole = counts.looks_like(
            c.total,
            _("you counted the whole block"),
            _("count only the convolution weights of the main path"),
        )
        mistakes = (
            counts.conv_part(c, whole)
            if c.shortcut
            else [counts.bn_included(c.conv + c.bn)]
        )
    else:
        mistakes = [
            counts.only_conv(c.conv),
            counts.looks_like(
                c.conv + c.bn,
                _("you left out the shortcut"),
                _(
                    "a projection shortcut (1x1 conv + BatchNorm) has "
                    "parameters too"
                ),
            ),
            counts.running_stats(c.total + sum(2 * ch for ch in bn_channels)),
            counts.one_per_channel(c.total - sum(ch for ch in bn_channels)),
        ]
        if c.shortcut:
            mistakes.append(
                counts.looks_like(
                    c.total - 2 * out,
                    _("you forgot the shortcut's BatchNorm"),
                    _("the projection is conv1x1 + BatchNorm"),
                )
            )
    # slips in the convolution arithmetic itself, whatever the part
    extra = c.total - c.conv if part == "total" else 0
    if block == "bottleneck":
        slips = [
            counts.keeps_width(
                c.conv - planes * out + planes * planes + extra,
                Text(
                    "the last 1x1 conv expands by 4: {planes} -> {out} "
                    "channels",
                    planes=planes,
                    out=out,
                ),
            ),
            counts.middle_1x1(
                c.conv - 9 * planes * planes + planes * planes + extra
            ),
            counts.looks_like(
                c.conv - in_channels * planes + out * planes + extra,
                _(
                    "your first 1x1 convolution reads the wrong number of "
                    "channels"
                ),
                Text(
                    "the block's input has {in_channels} channels",
                    in_channels=in_channels,
                ),
            ),
        ]
    else:
        slips = [
            counts.looks_like(
                c.conv // 9 + extra,
                _("you left out the 3x3 kernel size"),
                _("a 3x3 conv has 3*3*C_in*C_out weights"),
            ),
            counts.looks_like(
                c.conv // 2 + extra,
                _("you counted one convolution"),
                _("a BasicBlock has two 3x3 convolutions"),
            ),
        ]
    # a diagnosis only where the arithmetic singles one mistake out (within each list,
    # the later of two mistakes that give one count stands for it)
    described = _block(block, in_channels, planes, stride)
    return table(
        expected,
        counts.counted(described, expected, part),
        [*_last(mistakes), *_last(slips)],
        otherwise=counts.how_far(
            described,
            _(
                "write the count per layer: a k x k conv from C_in to C_out "
                "channels has k*k*C_in*C_out weights (no bias)"
            ),
        ),
    )


def _last(mistakes: list[Mistake]) -> list[Mistake]:
    return list({m.answer: m for m in mistakes}.values())


def _block(block: str, in_channels: int, planes: int, stride: int) -> Text:
    return Text(
        "{block} block ({in_channels} -> {planes} planes, stride {stride})",
        block=block,
        in_channels=in_channels,
        planes=planes,
        stride=stride,
    )


@tabled(_block_params_table, PARAMS)
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
    counts.check_part(part)
    return judge(
        answer,
        PARAMS,
        lambda: _block_params_table(
            block, in_channels, planes, stride, shortcut, part
        ),
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
) -> Union[BasicBlock, Message]:
    """Our BasicBlock carrying the student's weights, matched by data flow, not by
    names; or what stops the matching, in words."""
    with torch.no_grad():
        calls = _leaf_calls(student, x)[1]
    convs = [(m, i, o) for m, i, o in calls if isinstance(m, nn.Conv2d)]
    bns = [(m, i, o) for m, i, o in calls if isinstance(m, nn.BatchNorm2d)]
    main = [c for c in convs if c[0].kernel_size == (3, 3)]
    proj = [c for c in convs if c[0].kernel_size == (1, 1)]
    if len(main) != 2:
        return Text(
            "a BasicBlock has two 3x3 convolutions on its main path; yours "
            "ran {count}",
            count=len(main),
        )
    if any(c[0].bias is not None for c in main):
        return _(
            "your convolutions have a bias; with BatchNorm right after, use "
            "bias=False (the BN shift does that job)"
        )
    needs_proj = stride != 1 or in_channels != planes
    if needs_proj and len(proj) != 1:
        return (
            _(
                "the shortcut is missing: the shape changes here, so it needs "
                "a 1x1 projection (option B), and your forward pass ran none"
            )
            if not proj
            else Text(
                "expected one 1x1 projection on the shortcut; yours ran "
                "{count}",
                count=len(proj),
            )
        )

    def bn_after(conv_out: Tensor) -> Optional[nn.BatchNorm2d]:
        return next(
            (
                m
                for m, i, o in bns
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
    for our_conv, our_bn, (their_conv, conv_in, out) in pairs:
        if (
            their_conv.weight.shape != our_conv.weight.shape
            or their_conv.stride != our_conv.stride
        ):
            return Text(
                "a convolution has weight {weight} and stride {stride}; "
                "expected {expected_weight} and stride {expected_stride}",
                weight=str(tuple(their_conv.weight.shape)),
                stride=str(their_conv.stride),
                expected_weight=str(tuple(our_conv.weight.shape)),
                expected_stride=str(our_conv.stride),
            )
        their_bn = bn_after(out)
        if their_bn is None:
            return _(
                "every convolution should be followed by BatchNorm; one of "
                "yours is not"
            )
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
            Text(
                "you passed {answer}, a block already built",
                answer=describe(block_cls),
            ),
            Text(
                "pass the class itself, not an instance: {call}",
                call=f"check_basic_block({type(block_cls).__name__})",
            ),
        )
    if not callable(block_cls):
        return Feedback.wrong(
            Text(
                "you passed {answer} where your block class goes",
                answer=describe(block_cls),
            ),
            _("pass the class you wrote: check_basic_block(MyBlock)"),
        )
    name = getattr(block_cls, "__name__", type(block_cls).__name__)
    g = torch.Generator().manual_seed(seed)
    for cin, p, s in ((in_channels, planes, stride), (planes, planes, 1)):
        student, problem = call_student(
            block_cls,
            (cin, p, s),
            N_("building {call} raised {error}"),
            _("the constructor takes (in_channels, planes, stride)"),
            call=f"{name}({cin}, {p}, {s})",
        )
        if problem is not None:
            return problem
        if not isinstance(student, nn.Module):
            return Feedback.wrong(
                Text(
                    "{call} gave {result}, not an nn.Module",
                    call=f"{name}({cin}, {p}, {s})",
                    result=describe(student),
                ),
                _(
                    "write a class that subclasses nn.Module, and pass the class"
                ),
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
        ref, problem = call_student(
            lambda: _reference_from(student.eval(), cin, p, s, x),
            (),
            N_("running your block on a {shape} input raised {error}"),
            lambda err: (
                _(
                    "the shape changes in this block (stride or channels), "
                    "so the shortcut needs a 1x1 projection with the same "
                    "stride before the addition"
                )
                if shape_changes and "size of tensor" in str(err)
                else _("print the shape after every step of your forward pass")
            ),
            shape=f"(4, {cin}, 8, 8)",
        )
        if problem is not None:
            return problem
        if not isinstance(ref, BasicBlock):
            return Feedback.wrong(
                Text(
                    "for ({in_channels}, {planes}, stride {stride}): "
                    "{problem}.",
                    in_channels=cin,
                    planes=p,
                    stride=s,
                    problem=ref,
                ),
                _(
                    "the main path is conv3x3-BN-ReLU-conv3x3-BN; add the "
                    "shortcut, then ReLU"
                ),
            )
        with torch.no_grad():
            for mode in ("eval", "train"):
                student.train(mode == "train"), ref.train(mode == "train")
                theirs, problem = call_student(
                    student,
                    (x.clone(),),
                    N_("your block raised {error} in {mode} mode: {detail}"),
                    _("print the shape after every step of your forward pass"),
                    line=error_name,
                    mode=mode,
                )
                if problem is not None:
                    return problem
                ours = ref(x.clone())
                if not isinstance(theirs, Tensor):
                    return Feedback.wrong(
                        Text(
                            "your forward returned {result}, not a tensor",
                            result=describe(theirs),
                        ),
                        _("end forward with `return out`"),
                    )
                if theirs.shape != ours.shape:
                    return Feedback.wrong(
                        Text(
                            "your output has shape {shape}; expected "
                            "{expected}",
                            shape=str(tuple(theirs.shape)),
                            expected=str(tuple(ours.shape)),
                        ),
                        _(
                            "the stride belongs to the first 3x3 conv (and to "
                            "the projection)"
                        ),
                    )
                if not torch.allclose(
                    theirs.float(), ours, atol=1e-5, rtol=1e-4
                ):
                    found = _diagnose(ref, x, theirs.float())
                    return Feedback.wrong(
                        Text(
                            "your block computes something else ({mode} "
                            "mode, input {in_channels} -> {planes} channels, "
                            "stride {stride}): {found}.",
                            mode=mode,
                            in_channels=cin,
                            planes=p,
                            stride=s,
                            found=_(found),
                        ),
                        _(_HINTS[found]),
                    )
    return Feedback.right(
        _(
            "your BasicBlock computes relu(bn2(conv2(relu(bn1(conv1(x))))) + "
            "shortcut(x)), as torchvision's does."
        )
    )


# what a wrong block computes instead (translated where shown), and its hint
NO_RELU_AFTER = N_("there is no ReLU after the addition")
RELU_BEFORE = N_("the ReLU comes before the addition")
NO_SHORTCUT = N_("the shortcut is missing")
NO_MIDDLE_RELU = N_("the middle ReLU is missing")
SHORTCUT_TO_INPUT = N_(
    "the shortcut is added to the input of the block instead of to F(x)"
)
UNNAMED = N_("the result differs in a way I cannot name")
_HINTS = {
    NO_RELU_AFTER: N_(
        "apply the ReLU to out + identity, not before the addition"
    ),
    RELU_BEFORE: N_(
        "add the shortcut to bn2's output first, then apply the ReLU"
    ),
    NO_SHORTCUT: N_(
        "keep identity = x (or the projection of x) and add it before the "
        "last ReLU"
    ),
    NO_MIDDLE_RELU: N_("apply a ReLU between bn1 and conv2"),
    SHORTCUT_TO_INPUT: N_("out = bn2(conv2(...)); out = out + identity"),
    UNNAMED: N_(
        "print out.shape and a few values after every step and compare "
        "with the reference"
    ),
}


def _diagnose(ref: BasicBlock, x: Tensor, theirs: Tensor) -> str:
    """What the student's block computes instead: one of the N_ names above."""
    with torch.no_grad():
        identity = ref.downsample(x)
        relu = torch.relu
        f_no_mid = ref.bn2(ref.conv2(ref.bn1(ref.conv1(x))))
        f = ref.bn2(ref.conv2(relu(ref.bn1(ref.conv1(x)))))
        candidates = {
            NO_RELU_AFTER: f + identity,
            RELU_BEFORE: relu(f) + identity,
            NO_SHORTCUT: relu(f),
            NO_MIDDLE_RELU: relu(f_no_mid + identity),
        }
    for name, value in candidates.items():
        if value.shape == theirs.shape and torch.allclose(
            value, theirs, atol=1e-5, rtol=1e-4
        ):
            return name
    return UNNAMED


def _stage_channels_table(depth: int) -> Table[tuple[int, ...]]:
    """The right widths of :func:`check_stage_channels` and the widths its mistakes give
    (four channel counts, as a tuple)."""
    from ..nn.models import IMAGENET_SPECS

    if depth not in IMAGENET_SPECS:
        raise QuestionError(
            f"depth must be one of {sorted(IMAGENET_SPECS)}; got {depth}"
        )
    block = IMAGENET_SPECS[depth][0]
    expansion = 4 if block == "bottleneck" else 1
    expected = [64 * 2**i * expansion for i in range(4)]
    planes = [64 * 2**i for i in range(4)]
    bottleneck = [64 * 2**i * 4 for i in range(4)]
    return table(
        tuple(expected),
        Text(
            "ResNet-{depth}'s stages output {channels} channels.",
            depth=depth,
            channels=str(expected),
        ),
        [
            Mistake(
                tuple(planes),
                Text(
                    "{channels} are the widths of the 3x3 convolutions, "
                    "before expansion",
                    channels=str(planes),
                ),
                Text(
                    "a {block} block multiplies its width by expansion = "
                    "{expansion} at its output",
                    block=block,
                    expansion=expansion,
                ),
            ),
            Mistake(
                tuple(bottleneck),
                _("you applied a bottleneck's expansion of 4"),
                Text(
                    "ResNet-{depth} uses BasicBlocks: expansion = 1",
                    depth=depth,
                ),
            ),
        ],
    )


@tabled(_stage_channels_table, CHANNELS)
@checker
def check_stage_channels(answer: Sequence[int], depth: int = 50) -> Feedback:
    """Check the output channels of each of the four stages of ResNet-``depth``.

    The answer is four numbers: its table's answers are tuples, read by
    :func:`_read_channels` (each number a count, as ``CHANNELS`` says)."""

    def otherwise(
        got: tuple[int, ...], question: Table[tuple[int, ...]]
    ) -> Feedback:
        channels = list(got)
        if len(channels) != 4:
            return Feedback.wrong(
                Text(
                    "ResNet-{depth} has four stages (conv2_x .. conv5_x); "
                    "you gave {count} number",
                    depth=depth,
                    count=len(channels),
                )
                if len(channels) == 1
                else Text(
                    "ResNet-{depth} has four stages (conv2_x .. conv5_x); "
                    "you gave {count} numbers",
                    depth=depth,
                    count=len(channels),
                ),
                _(
                    "list the output channels of layer1, layer2, layer3 and "
                    "layer4: [c1, c2, c3, c4]"
                ),
            )
        if sorted(channels) == sorted(question.answer):
            return Feedback.wrong(
                Text(
                    "{channels} has the right numbers in the wrong places",
                    channels=str(channels),
                ),
                _("widths double from one stage to the next"),
            )
        return Feedback.wrong(
            Text(
                "{channels} are not ResNet-{depth}'s stage widths",
                channels=str(channels),
                depth=depth,
            ),
            _(
                "stage i has 64 * 2**i planes; multiply by the block's "
                "expansion for its output channels"
            ),
        )

    return judge(
        answer,
        CHANNELS,
        _stage_channels_table(depth),
        otherwise,
        read=_read_channels,
    )


def _read_channels(
    answer: object, asked: Question = CHANNELS
) -> tuple[Optional[tuple[int, ...]], Optional[Feedback]]:
    """Channel counts from a list, a tuple, a 1-d array or tensor, as a tuple (however
    many: :func:`check_stage_channels` says what a count other than four is); or the
    reason why not."""
    if isinstance(answer, str):
        return None, Feedback.wrong(
            Text(
                "you passed the text {text}, not a list of numbers",
                text=clip(repr(answer), 60),
            ),
            _("pass a list of four numbers without quotes: [c1, c2, c3, c4]"),
        )
    if isinstance(answer, (Tensor, np.ndarray)):
        if answer.ndim != 1:
            return None, Feedback.wrong(
                Text(
                    "you passed {answer}; a list of four numbers goes here",
                    answer=describe(answer),
                ),
                _(
                    "pass [c1, c2, c3, c4], e.g. with .tolist() on a 1-d tensor"
                ),
            )
        answer = answer.tolist()
    if isinstance(answer, (int, float, np.generic)) and not isinstance(
        answer, bool
    ):
        return None, Feedback.wrong(
            Text(
                "you passed one number ({answer}); the question asks for four",
                answer=describe(answer),
            ),
            _(
                "list the output channels of layer1 .. layer4: [c1, c2, c3, c4]"
            ),
        )
    if not isinstance(answer, (list, tuple)):
        return None, Feedback.wrong(
            Text(
                "you passed {answer} where a list of four channel counts goes",
                answer=describe(answer),
            ),
            _(
                "pass [c1, c2, c3, c4]: the output channels of layer1 .. layer4"
            ),
        )
    got = []
    for i, item in enumerate(answer):
        value, problem = read_integer(item, asked)
        if problem is not None:
            return None, Feedback.wrong(
                Text(
                    "item {index} of your list is not a channel count: "
                    "{problem}",
                    index=i,
                    problem=problem.message_text,
                ),
                problem.hint_text,
            )
        assert (
            value is not None
        )  # read_integer gives an int whenever it gives no Feedback
        got.append(value)
    return tuple(got), None


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


#: what the paper counts as depth (translated where shown)
DEPTH_RULE = N_(
    "the paper counts the stem convolution, every convolution on the "
    "blocks' main path and the fc layer; not pooling, BatchNorm or the "
    "1x1 projection shortcuts"
)


def _depth_table(model: nn.Module) -> Table[int]:
    """The depth of ``model`` as :func:`check_depth` counts it, and the depths its
    mistakes give: one short, one over, and a diagnosis where the arithmetic proves it
    (the difference is exactly the number of things of one kind, at least 2 of them,
    and no other mistake gives the same number: the table drops shared numbers)."""
    if not isinstance(model, nn.Module):
        raise QuestionError(f"model must be an nn.Module; got {model!r}")
    try:
        count = count_weighted_layers(model)
    except ValueError as err:
        raise QuestionError(str(err)) from None
    expected = count.total
    projections = (
        sum(1 for _ in weighted_layers(model, include_shortcuts=True))
        - expected
    )
    n_bn = sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    n_pool = sum(
        isinstance(m, (nn.MaxPool2d, nn.AdaptiveAvgPool2d, nn.AvgPool2d))
        for m in model.modules()
    )
    # each: (the difference, what it is, a clause; a hint)
    candidates: list[tuple[int, Message, Message]] = [
        (
            projections,
            Text(
                "exactly the {count} projection shortcuts more: you counted "
                "them",
                count=projections,
            ),
            _(
                "the paper's depth does not count the 1x1 shortcut "
                "projections, only the main path"
            ),
        ),
        (
            n_bn,
            Text(
                "exactly the {count} BatchNorm layers more: you counted them",
                count=n_bn,
            ),
            _("BatchNorm normalises; it is not counted as a weighted layer"),
        ),
        (
            n_bn + projections,
            Text(
                "exactly the {norms} BatchNorms and {projections} projections "
                "more: you counted both",
                norms=n_bn,
                projections=projections,
            ),
            _(
                "count only the convolutions of the main path, the stem and "
                "the fc"
            ),
        ),
        (
            n_pool,
            Text(
                "exactly the {count} pooling layers more: you counted them",
                count=n_pool,
            ),
            _("pooling has no weights, so it is not counted"),
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
                        Text(
                            "what {other} convolutions in each of the "
                            "{blocks} blocks give",
                            other=other,
                            blocks=n_blocks,
                        ),
                        Text(
                            "this model's blocks have {count} convolutions "
                            "on their main path each",
                            count=per_block,
                        ),
                    )
                )
    rule = _(DEPTH_RULE)
    return table(
        expected,
        Text(
            "{formula}: the paper's depth counts the stem, every "
            "main-path convolution and the fc layer.",
            formula=count.formula(),
        ),
        [
            *(
                Mistake(
                    expected + d,
                    Text("{value} is {what}.", value=expected + d, what=what),
                    hint,
                )
                for d, what, hint in candidates
                if abs(d) >= 2
            ),
            Mistake(
                expected - 1,
                Text("{value} is one short.", value=expected - 1),
                Text(
                    "did you count both the stem convolution and the final "
                    "fc layer? {rule}",
                    rule=rule,
                ),
            ),
            Mistake(
                expected + 1,
                Text("{value} is one over.", value=expected + 1),
                rule,
            ),
        ],
        otherwise=Otherwise(
            N_("{value} is not the depth of this model."),
            Text(
                "count per stage: blocks x convolutions per block, then add "
                "the stem and the fc; {rule}",
                rule=rule,
            ),
        ),
    )


@tabled(_depth_table, DEPTH)
@checker
def check_depth(answer, model: nn.Module) -> Feedback:
    """Check a count of a model's weighted layers the way the paper counts depth."""
    if isinstance(answer, nn.Module) and not isinstance(model, nn.Module):
        return Feedback.wrong(
            Text(
                "got {answer} where the answer (a number) goes",
                answer=describe(answer),
            ),
            _("the answer comes first: call check_depth(answer, model)"),
        )
    if isinstance(model, type) and issubclass(model, nn.Module):
        return Feedback.wrong(
            Text(
                "got the class {name} where a built model goes",
                name=model.__name__,
            ),
            Text(
                "build the model first: {call}",
                call=f"check_depth(answer, {model.__name__}(...))",
            ),
        )
    if not isinstance(model, nn.Module):
        return Feedback.wrong(
            Text("got {model} where the model goes", model=describe(model)),
            _("call check_depth(answer, model) with the model you counted"),
        )
    try:
        # the answer is read first: the table is built only for a number
        return judge(answer, DEPTH, lambda: _depth_table(model))
    except QuestionError:  # the student's model: nothing in it to count
        return Feedback.wrong(
            Text(
                "{model} has no convolution or linear layers to count",
                model=describe(model),
            ),
            _("pass the network the question is about"),
        )
