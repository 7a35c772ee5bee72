"""The find-the-bug bank (resnet_lib.exercises.bugbank and book/find-the-bug.md).

For every bug: the buggy code fails its checker with a message that names the bug; the
book's own solution passes, and so does a fix written differently (other names, another
order); wrong kinds of answer get a Feedback, never an exception; and the buggy code really
differs from torchvision or the library on the property the checker names, measured here
without the checker.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import resnet as tv

from resnet_lib import (
    BasicBlock,
    Bottleneck,
    PreActBlock,
    cifar_resnet,
    make_stage,
)
from resnet_lib.exercises.bugbank import BUGS, check_fix
from resnet_lib.exercises.bugbank import buggy
from resnet_lib.exercises.feedback import Feedback, QuestionError, say

# a correct BasicBlock in a student's own names (its checker's tests use it too)
from test_exercises_architecture import StudentBlock

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = (ROOT / "book" / "find-the-bug.md").read_text()

#: what the checker's message must say while each bug is still there
NAMED = {
    "stride-once": "stride is still applied only in the first block",
    "resnext-groups": "split into 4 groups of 32 channels",
    "double-relu": "ReLU is still applied twice",
    "preact-shortcut": "projection shortcut still reads the raw input",
    "missing-projection": "projection shortcut is still missing where only the channels change",
    "v1-stride": "stride still sits on the first 1x1 convolution",
    "bn-running-stats": "still updates BatchNorm's running statistics",
}
MODULE_BUGS = [k for k in NAMED if isinstance(BUGS[k].buggy, type)]


def test_the_bank_lists_seven_documented_bugs():
    assert list(BUGS) == list(NAMED)
    chapters = {p.stem for p in (ROOT / "book").glob("*.md")} | {"after 2015"}
    for bug in BUGS.values():
        assert bug.difficulty in ("easy", "medium", "hard"), bug.id
        assert bug.chapter in chapters, bug.id
        assert len(bug.source) > 80 and "http" not in bug.source, (
            bug.id
        )  # described, no invented links
        assert bug.buggy.__module__ == buggy.__name__


def _shown(verdict: Feedback) -> str:
    """Everything a student reads of a verdict (its printout and its HTML)."""
    return str(verdict) + verdict._repr_html_()


@pytest.mark.parametrize("bug_id", NAMED)
def test_the_buggy_code_fails_and_its_bug_is_named_only_when_asked(bug_id):
    """Issue 26: an unchanged exercise says that it is not right yet and how to ask for
    a hint, never the bug: the hint comes in three steps, each asked for (what is wrong
    in the output; where, which names the bug; the fix)."""
    verdict = check_fix(BUGS[bug_id].buggy, bug=bug_id)
    assert isinstance(verdict, Feedback) and not verdict
    assert len(verdict.steps) == 3 and verdict.asked == 0
    shown = _shown(verdict)
    assert NAMED[bug_id] not in shown, shown
    assert not any(str(step) in shown for step in map(say, verdict.steps))
    assert "hint=1" in shown and not verdict.hint
    seen = [
        _shown(check_fix(BUGS[bug_id].buggy, bug=bug_id, hint=n))
        for n in (1, 2, 3)
    ]
    steps = [say(step) for step in verdict.steps]
    for n, text in enumerate(
        seen, 1
    ):  # step n and the ones before it, no later one
        assert all(step in text for step in steps[:n]), (n, text)
        assert not any(step in text for step in steps[n:]), (n, text)
        assert (f"hint={n + 1}" in text) == (n < 3), text
    assert NAMED[bug_id] not in seen[0] and NAMED[bug_id] in seen[1]
    assert check_fix(BUGS[bug_id].buggy, bug=bug_id, hint=9).hint == "\n".join(
        steps
    )


@pytest.mark.parametrize("bad", ["yes", -1, 1.5, True, None])
def test_a_hint_asked_for_wrongly_is_explained(bad):
    verdict = check_fix(BUGS["double-relu"].buggy, bug="double-relu", hint=bad)
    assert (
        not verdict
        and "hint=" in verdict.message
        and repr(bad) in verdict.message
    )
    assert "check_fix(..., hint=1)" in verdict.hint


def test_a_right_fix_asked_for_a_hint_is_still_right():
    assert check_fix(BasicBlock, bug="double-relu", hint=2)


@pytest.mark.parametrize("bug_id", MODULE_BUGS)
def test_an_untouched_subclass_is_recognised_as_the_buggy_code(bug_id):
    untouched = type("MyFix", (BUGS[bug_id].buggy,), {})
    verdict = check_fix(untouched, bug=bug_id, hint=2)
    assert (
        not verdict
        and "unchanged" in verdict.message
        and NAMED[bug_id] in verdict.hint
    )


def test_checking_leaves_the_callers_random_state_alone():
    state = torch.get_rng_state()
    check_fix(BasicBlock, bug="double-relu")
    assert torch.equal(state, torch.get_rng_state())


# --- the chapter: its exercise cells show the bug, its solutions fix it ------------------------------


def _code_cells(text: str) -> list[str]:
    return re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, re.S)


def _namespace() -> dict:
    ns: dict = {}
    imports = next(
        c
        for c in _code_cells(CHAPTER)
        if "from resnet_lib.exercises.bugbank import" in c
    )
    exec(imports, ns)
    return ns


def _run(code: str, ns: dict) -> Feedback:
    """Run a cell or a solution whose last line is ``check_fix(...)``; return that verdict."""
    lines = code.rstrip().splitlines()
    exec("\n".join(lines[:-1]), ns)
    return eval(lines[-1], ns)


SOLUTIONS = dict(
    re.findall(
        r"^:::\{solution\} (ex-bug-[\w-]+)\n.*?```python\n(.*?)```",
        CHAPTER,
        re.M | re.S,
    )
)
EXERCISE_CELLS = [
    c for c in _code_cells(CHAPTER) if re.search(r"^check_fix\(", c, re.M)
]


def _bug_of(code: str) -> str:
    return re.search(r'^check_fix\(\w+, bug="([\w-]+)"\)', code, re.M).group(1)


def test_every_bug_has_an_exercise_and_a_solution_in_the_chapter():
    assert sorted(map(_bug_of, SOLUTIONS.values())) == sorted(BUGS)
    assert sorted(map(_bug_of, EXERCISE_CELLS)) == sorted(BUGS)


@pytest.mark.parametrize("cell", EXERCISE_CELLS, ids=_bug_of)
def test_the_chapters_exercise_cell_runs_and_names_the_bug_when_asked(cell):
    verdict = _run(cell, _namespace())
    assert not verdict and NAMED[_bug_of(cell)] not in _shown(verdict)
    assert NAMED[_bug_of(cell)] in verdict.asking(2).hint


@pytest.mark.parametrize("label", sorted(SOLUTIONS))
def test_the_chapters_solution_passes(label):
    verdict = _run(SOLUTIONS[label], _namespace())
    assert verdict, str(verdict)


def test_the_chapter_and_the_teachers_page_agree_with_the_bank():
    teachers = (ROOT / "book" / "teachers.md").read_text()
    for label, code in SOLUTIONS.items():
        bug = BUGS[_bug_of(code)]
        assert re.search(
            rf"^:label: {label}\n\*\*{re.escape(bug.title)}\*\* \({bug.difficulty}",
            CHAPTER,
            re.M,
        ), (
            f"{label}: the chapter's title or difficulty is not the bank's ({bug.title}, {bug.difficulty})"
        )
        row = re.search(
            rf"^\| \{{ref\}}`{re.escape(bug.title)} <{label}>` \|.*\| {bug.difficulty} \|$",
            teachers,
            re.M,
        )
        assert row, (
            f"teachers.md has no row for {label} with difficulty {bug.difficulty}"
        )


# --- correct fixes written differently pass ----------------------------------------------------------


class OtherNamesCifarResNet(nn.Module):
    """Stages from resnet_lib's pure make_stage; every attribute named differently."""

    def __init__(self, n: int = 3, num_classes: int = 10):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1, bias=False),
            nn.BatchNorm2d(16),
            nn.ReLU(),
        )
        stages, channels = [], 16
        for planes, stride in ((16, 1), (32, 2), (64, 2)):
            stage, channels = make_stage(
                BasicBlock, channels, planes, n, stride, "A"
            )
            stages.append(stage)
        self.body = nn.Sequential(*stages)
        self.head = nn.Linear(64, num_classes)

    def forward(self, x):
        return self.head(self.body(self.stem(x)).mean(dim=(2, 3)))


class ShortcutFirstBottleneck(nn.Module):
    """A Bottleneck computing its shortcut first, with functional ReLUs and other names."""

    def __init__(self, cin, planes, stride=1):
        super().__init__()
        out = 4 * planes
        self.skip = nn.Identity()
        if stride != 1 or cin != out:
            self.skip = nn.Sequential(
                nn.Conv2d(cin, out, 1, stride, bias=False), nn.BatchNorm2d(out)
            )
        self.reduce, self.n1 = (
            nn.Conv2d(cin, planes, 1, bias=False),
            nn.BatchNorm2d(planes),
        )
        self.mid, self.n2 = (
            nn.Conv2d(planes, planes, 3, stride, 1, bias=False),
            nn.BatchNorm2d(planes),
        )
        self.expand, self.n3 = (
            nn.Conv2d(planes, out, 1, bias=False),
            nn.BatchNorm2d(out),
        )

    def forward(self, x):
        s = self.skip(x)
        y = F.relu(self.n1(self.reduce(x)))
        y = F.relu(self.n2(self.mid(y)))
        return F.relu(self.n3(self.expand(y)) + s)


class MyResNeXtBlock(ShortcutFirstBottleneck):
    def __init__(self, cin, planes, stride=1):
        super().__init__(cin, planes, stride)
        width = planes * 4 // 64 * 32
        self.reduce, self.n1 = (
            nn.Conv2d(cin, width, 1, bias=False),
            nn.BatchNorm2d(width),
        )
        self.mid = nn.Conv2d(width, width, 3, stride, 1, groups=32, bias=False)
        self.n2 = nn.BatchNorm2d(width)
        self.expand = nn.Conv2d(width, 4 * planes, 1, bias=False)


class MyPreActBlock(nn.Module):
    def __init__(self, cin, planes, stride=1):
        super().__init__()
        self.norm_in, self.norm_mid = (
            nn.BatchNorm2d(cin),
            nn.BatchNorm2d(planes),
        )
        self.first = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.second = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.projects = stride != 1 or cin != planes
        self.proj = (
            nn.Conv2d(cin, planes, 1, stride, bias=False)
            if self.projects
            else None
        )

    def forward(self, x):
        pre = F.relu(self.norm_in(x))
        shortcut = (
            self.proj(pre) if self.projects else x
        )  # computed before the residual branch
        return self.second(F.relu(self.norm_mid(self.first(pre)))) + shortcut


def measure_a_copy(model, inputs, targets):
    return buggy.measure_gradient_norms(copy.deepcopy(model), inputs, targets)


def measure_functionally(model, inputs, targets):
    params = dict(model.named_parameters())
    buffers = {k: v.clone() for k, v in model.named_buffers()}
    was = model.training
    model.train()
    try:
        out = torch.func.functional_call(
            model, {**params, **buffers}, (inputs,)
        )
    finally:
        model.train(was)
    weights = [
        m.weight
        for m in model.modules()
        if isinstance(m, (nn.Conv2d, nn.Linear))
    ]
    return torch.stack(
        [
            g.norm()
            for g in torch.autograd.grad(
                F.cross_entropy(out, targets), weights
            )
        ]
    )


@pytest.mark.parametrize(
    "bug_id, fix",
    [
        ("stride-once", OtherNamesCifarResNet),
        ("resnext-groups", MyResNeXtBlock),
        ("double-relu", BasicBlock),
        ("double-relu", StudentBlock),
        ("preact-shortcut", PreActBlock),
        ("preact-shortcut", MyPreActBlock),
        ("missing-projection", Bottleneck),
        ("missing-projection", ShortcutFirstBottleneck),
        ("v1-stride", Bottleneck),
        ("v1-stride", ShortcutFirstBottleneck),
        ("bn-running-stats", measure_a_copy),
        ("bn-running-stats", measure_functionally),
    ],
    ids=lambda v: v if isinstance(v, str) else v.__name__,
)
def test_a_fix_written_differently_passes(bug_id, fix):
    verdict = check_fix(fix, bug=bug_id)
    assert verdict, str(verdict)


# --- wrong kinds of answer: a Feedback in one sentence, never an exception -------------------------------


class Raises(nn.Module):
    def __init__(self, *args):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)

    def forward(self, x):
        raise ValueError("not written yet")


class NoArgs(nn.Module):
    def __init__(self):
        super().__init__()


class ReturnsTuple(BasicBlock):
    def forward(self, x):
        return super().forward(x), None


def half_measure(model, inputs, targets):
    with torch.no_grad():
        return buggy.measure_gradient_norms(
            copy.deepcopy(model).eval(), inputs, targets
        )


def eval_measure(model, inputs, targets):
    twin = copy.deepcopy(model).eval()
    loss = F.cross_entropy(twin(inputs), targets)
    weights = [
        m.weight
        for m in twin.modules()
        if isinstance(m, (nn.Conv2d, nn.Linear))
    ]
    return [g.norm().item() for g in torch.autograd.grad(loss, weights)]


def backward_measure(model, inputs, targets):
    state = copy.deepcopy(model.state_dict())
    model.train()
    F.cross_entropy(model(inputs), targets).backward()
    out = [
        m.weight.grad.norm().item()
        for m in model.modules()
        if isinstance(m, (nn.Conv2d, nn.Linear))
    ]
    model.load_state_dict(state)
    model.eval()
    return out


MODULE_MISTAKES = [
    None,
    3,
    "BasicBlock",
    BasicBlock(16, 16),
    lambda a, b, c: None,
    Raises,
    NoArgs,
    ReturnsTuple,
    int,
    Feedback,
]
FUNCTION_MISTAKES = [
    None,
    3,
    BasicBlock,
    BasicBlock(16, 16),
    lambda m: None,
    lambda m, x, y: "norms",
    lambda m, x, y: 1 / 0,
    half_measure,
    eval_measure,
    backward_measure,
]


@pytest.mark.parametrize(
    "bug_id, answer",
    [(b, a) for b in MODULE_BUGS for a in MODULE_MISTAKES]
    + [("bn-running-stats", a) for a in FUNCTION_MISTAKES],
)
def test_a_wrong_kind_of_answer_gets_one_clear_sentence(bug_id, answer):
    verdict = check_fix(answer, bug=bug_id)
    assert isinstance(verdict, Feedback) and not verdict
    assert "\n" not in verdict.message and len(verdict.message) < 600, (
        verdict.message
    )
    assert (
        "Sequential(" not in verdict.message
        and "Conv2d(" not in verdict.message
    )  # no repr dumps


def test_arguments_the_wrong_way_round_get_one_sentence():
    verdict = check_fix("double-relu", BasicBlock)
    assert (
        not verdict
        and "answer comes first" in verdict.message
        and "bug='double-relu'" in verdict.hint
    )
    assert not check_fix(
        BasicBlock
    )  # the bug left out: a Feedback from the checker decorator


@pytest.mark.parametrize("bug_id", [None, 7, "no-such-bug", "DOUBLE-RELU"])
def test_an_unknown_bug_id_is_the_questions_mistake(bug_id):
    with pytest.raises(QuestionError, match="double-relu"):
        check_fix(BasicBlock, bug=bug_id)


def test_the_measurement_mistakes_are_told_apart():
    assert (
        "eval mode" in check_fix(eval_measure, bug="bn-running-stats").message
    )
    assert (
        ".grad" in check_fix(backward_measure, bug="bn-running-stats").message
    )
    leaves_train = check_fix(
        lambda m, x, y: measure_a_copy(m, x, y) + [m.train()][:0],
        bug="bn-running-stats",
    )
    assert (
        "eval mode before your function and is in train mode"
        in leaves_train.message
    )


# --- independent evidence: each bug differs from torchvision / the library as named ---------------------


def _out(module, x):
    with torch.no_grad():
        return module.eval()(x)


def test_stride_once_leaves_layer3_at_16x16_where_the_paper_has_8x8():
    seen = {}
    for name, net in (
        ("bug", buggy.StrideOnceCifarResNet(n=3)),
        ("lib", cifar_resnet(20)),
    ):
        net.layer3.register_forward_hook(
            lambda m, i, o, name=name: seen.update({name: tuple(o.shape[-2:])})
        )
        _out(net, torch.zeros(1, 3, 32, 32))
    assert seen == {
        "bug": (16, 16),
        "lib": (8, 8),
    }  # the paper: 32x32, 16x16, 8x8 maps
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(buggy.StrideOnceCifarResNet(n=3)) == count(
        cifar_resnet(20)
    )  # a count cannot see it


def test_resnext_groups_differ_from_torchvisions_resnext50_32x4d():
    theirs = tv.resnext50_32x4d(weights=None)
    assert (
        sum(p.numel() for p in theirs.parameters()) == 25_028_904
    )  # torchvision's metadata
    block = buggy.GroupWidthResNeXtBlock(256, 64)
    assert theirs.layer1[1].conv2.weight.shape == (128, 4, 3, 3)
    assert block.conv2.weight.shape == (128, 32, 3, 3)
    assert sum(p.numel() for p in block.parameters()) > sum(
        p.numel() for p in theirs.layer1[1].parameters()
    )


def test_double_relu_never_lets_the_block_go_below_its_shortcut():
    torch.manual_seed(0)
    theirs = tv.BasicBlock(32, 32)
    for m in theirs.modules():
        if isinstance(m, nn.BatchNorm2d):
            nn.init.uniform_(m.bias, -1, 1)
    ours = buggy.DoubleReluBlock(32, 32)
    ours.load_state_dict(
        dict(zip(ours.state_dict(), theirs.state_dict().values()))
    )  # same layers, same order
    x = torch.relu(torch.randn(2, 32, 8, 8))
    assert (
        _out(ours, x) >= x
    ).all()  # relu(relu(F) + x) >= x: the residual only adds
    assert (_out(theirs, x) < x).any()  # torchvision's block can subtract
    assert not torch.allclose(_out(ours, x), _out(theirs, x))


def test_preact_projection_reads_the_raw_input_where_the_library_reads_the_preactivation():
    torch.manual_seed(0)
    ours, lib = (
        buggy.RawInputPreActBlock(16, 32, 2),
        PreActBlock(16, 32, 2, shortcut="B"),
    )
    x = torch.randn(2, 16, 8, 8)
    seen = {}
    for name, block in (("bug", ours), ("lib", lib)):
        block.downsample.register_forward_hook(
            lambda m, i, o, name=name: seen.update({name: i[0]})
        )
        _out(block, x)
    assert torch.equal(seen["bug"], x)
    assert torch.allclose(seen["lib"], torch.relu(lib.bn1(x)))


def test_missing_projection_breaks_layer1_where_torchvision_projects():
    assert isinstance(
        tv.resnet50(weights=None).layer1[0].downsample[0], nn.Conv2d
    )  # stride 1, 64 -> 256
    with pytest.raises(RuntimeError, match="size of tensor"):
        _out(
            buggy.StrideOnlyProjectionBottleneck(64, 64, 1),
            torch.zeros(1, 64, 8, 8),
        )


def test_v1_stride_loads_torchvisions_weights_and_computes_something_else():
    theirs = tv.resnet50(weights=None).layer2[0]
    assert theirs.conv2.stride == (2, 2) and theirs.conv1.stride == (
        1,
        1,
    )  # torchvision: V1.5
    ours = buggy.V1StrideBottleneck(256, 128, 2)
    assert ours.conv1.stride == (2, 2) and ours.conv2.stride == (1, 1)
    ours.load_state_dict(theirs.state_dict())  # strict: loads without a word
    x = torch.randn(1, 256, 8, 8)
    assert _out(ours, x).shape == _out(theirs, x).shape
    assert not torch.allclose(_out(ours, x), _out(theirs, x), atol=1e-3)


def test_the_buggy_measurement_moves_the_running_statistics():
    model = cifar_resnet(8).eval()
    before = model.bn1.running_mean.clone()
    buggy.measure_gradient_norms(
        model, torch.randn(4, 3, 32, 32), torch.tensor([0, 1, 2, 3])
    )
    assert not torch.equal(before, model.bn1.running_mean)
    assert int(model.bn1.num_batches_tracked) == 1 and model.training


# --- near misses: a half-fixed bug gets its own diagnosis, not a generic one ------------------------------


class ReluBeforeTheSum(buggy.DoubleReluBlock):
    def forward(self, x):
        return self.unit2(self.unit1(x)) + self.shortcut(x)


class PreactivatedIdentity(buggy.RawInputPreActBlock):
    def forward(self, x):
        pre = F.relu(self.bn1(x))
        return self.conv2(F.relu(self.bn2(self.conv1(pre)))) + self.downsample(
            pre
        )


class StridedTwice(buggy.V1StrideBottleneck):
    def __init__(self, cin, planes, stride=1):
        super().__init__(cin, planes, stride)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)


class Ungrouped(buggy.GroupWidthResNeXtBlock):
    def __init__(self, cin, planes, stride=1):
        super().__init__(cin, planes, stride)
        self.conv2 = nn.Conv2d(
            self.conv2.in_channels,
            self.conv2.in_channels,
            3,
            stride,
            1,
            bias=False,
        )


class EveryBlockStrided(buggy.StrideOnceCifarResNet):
    def _make_layer(self, planes, blocks):
        layers = [
            BasicBlock(
                self.in_channels if i == 0 else planes,
                planes,
                self.stride,
                shortcut="A",
            )
            for i in range(blocks)
        ]
        self.in_channels = planes
        return nn.Sequential(*layers)


class ZeroPaddedShortcut(buggy.StrideOnlyProjectionBottleneck):
    def __init__(self, cin, planes, stride=1):
        from resnet_lib import PadShortcut

        super().__init__(cin, planes, stride)
        if stride == 1 and cin != 4 * planes:
            self.downsample = PadShortcut(cin, 4 * planes)


@pytest.mark.parametrize(
    "bug_id, near_miss, said",
    [
        (
            "double-relu",
            ReluBeforeTheSum,
            "ReLU now comes before the addition",
        ),
        (
            "preact-shortcut",
            PreactivatedIdentity,
            "identity shortcut carries relu(bn1(x))",
        ),
        ("v1-stride", StridedTwice, "both the first 1x1 and the 3x3"),
        ("resnext-groups", Ungrouped, "not grouped (groups=1)"),
        ("stride-once", EveryBlockStrided, "32x32 -> 16x16 -> 8x8 -> 4x4"),
        ("missing-projection", ZeroPaddedShortcut, "has no 1x1 projection"),
    ],
    ids=lambda v: (
        v if isinstance(v, str) and "-" in v and " " not in v else ""
    ),
)
def test_a_near_miss_is_diagnosed(bug_id, near_miss, said):
    verdict = check_fix(near_miss, bug=bug_id, hint=3)
    assert not verdict and said in verdict.hint, verdict.hint
    assert "unchanged" not in verdict.message
