"""Find the bug: ResNet code with the bugs that widely read implementations shipped.

Each entry of :data:`BUGS` holds a buggy class or function (in :mod:`.buggy`, so a
chapter can show it with ``show_source`` and a student can copy it), where the bug comes
from, and a checker. :func:`check_fix` (``check_fix(MyFix, bug="double-relu")``) builds
the student's fixed version, compares it with torchvision's module (resnet_lib's where
torchvision has none) on shapes, parameter counts and outputs after loading the
reference's weights, and names the bug if it is still there. It returns a :class:`~resnet_lib.exercises.feedback.Feedback` and never
raises on a student's code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


from ...device import seeded
from ...i18n import N_, Text, _
from ..answers import BOOKKEEPING
from ..feedback import Feedback, QuestionError, checker, describe
from . import checks
from .specs import check_block
from .buggy import (
    DoubleReluBlock,
    GroupWidthResNeXtBlock,
    RawInputPreActBlock,
    StrideOnceCifarResNet,
    StrideOnlyProjectionBottleneck,
    V1StrideBottleneck,
    measure_gradient_norms,
)
from ..harness import call_student, error_line


@dataclass(frozen=True)
class Bug:
    """One exercise of the bank.

    ``title``, ``difficulty`` and the chapter ``"after 2015"`` are English, marked
    with ``N_`` for the catalogs: show them as ``_(bug.title)``.
    """

    id: str
    title: str
    chapter: (
        str  # the book chapter it belongs to (its file name), or "after 2015"
    )
    difficulty: str  # "easy", "medium" or "hard"
    buggy: Any  # the buggy class or function
    symptom: str  # what goes wrong, in one line
    source: (
        str  # where this bug was shipped or reported, described generically
    )
    check: Callable[[Any], Feedback]


BUGS: dict[str, Bug] = {
    bug.id: bug
    for bug in (
        Bug(
            "stride-once",
            N_("The stride applied once"),
            "expansion",
            N_("easy"),
            StrideOnceCifarResNet,
            "layer3 works on 16x16 maps instead of 8x8: the network runs and trains, at 4x the cost of layer3",
            "The symptom is one that readers' issues against public ResNet tutorials and ports report: a stage "
            "that never halves the map (strides=(1,1) left where (2,2) belongs). The mechanism here, a stride kept "
            "in mutable builder state (like the self.inplanes of many reimplementations) and reset after the first "
            "block, is written for the exercise.",
            lambda c: check_block(c, checks.STRIDE_ONCE),
        ),
        Bug(
            "resnext-groups",
            N_("ResNeXt's groups"),
            N_("after 2015"),
            N_("medium"),
            GroupWidthResNeXtBlock,
            "the grouped 3x3 has 4 groups of 32 channels instead of 32 groups of 4: 8x its parameters",
            "A widely read textbook's ResNeXt block passes bot_channels // groups to nn.Conv2d's groups, so the "
            "convolution gets a group width where the number of groups belongs; readers reported it and proposed "
            "passing the cardinality directly. The name '32x4d' (32 groups, 4 channels each) invites the swap.",
            lambda c: check_block(c, checks.RESNEXT_GROUPS),
        ),
        Bug(
            "double-relu",
            N_("A ReLU too many"),
            "residual-learning",
            N_("easy"),
            DoubleReluBlock,
            "relu(relu(F(x)) + x): the residual can only add, never subtract",
            "Early (2016) reimplementations built blocks from a conv-BN-ReLU helper and reused it for the last "
            "convolution; a reader of one such Torch implementation reported that every block computed "
            "ReLU(ReLU(F(x)) + x).",
            lambda c: check_block(c, checks.DOUBLE_RELU),
        ),
        Bug(
            "preact-shortcut",
            N_("The pre-activation shortcut"),
            N_("after 2015"),
            N_("hard"),
            RawInputPreActBlock,
            "the 1x1 projection reads the raw, un-normalised x instead of relu(bn1(x))",
            "Public pre-activation code disagrees here: the authors' ResNet-1001 code shares the first BN-ReLU "
            "and feeds it to a bare 1x1 projection, while fb.resnet.torch's preresnet feeds the raw input to a "
            "projection followed by BatchNorm. Taking the bare projection of one and the raw input of the other "
            "leaves the shortcut un-normalised.",
            lambda c: check_block(c, checks.PREACT_SHORTCUT),
        ),
        Bug(
            "missing-projection",
            N_("The missing projection"),
            "expansion",
            N_("medium"),
            StrideOnlyProjectionBottleneck,
            "no projection where only the channels change (layer1's first Bottleneck: 64 -> 256 at stride 1)",
            "Blocks that decide the shortcut from the stride alone. Fine for BasicBlock networks, whose first stage "
            "keeps 64 channels; readers' issues against a public HRNet port and a widely used model library report "
            "the shape error it raises where a block changes only its channels.",
            lambda c: check_block(c, checks.MISSING_PROJECTION),
        ),
        Bug(
            "v1-stride",
            N_("V1 or V1.5?"),
            "basic-vs-bottleneck",
            N_("hard"),
            V1StrideBottleneck,
            "the stride sits on the first 1x1 (the paper's V1) in a block meant to load torchvision's V1.5 weights",
            "Both placements are called 'ResNet-50' and have the same parameters, so weights load without an error. "
            "Ports have been found on either side: a Julia model zoo moved its stride to the 3x3 to match PyTorch's "
            "weights, and a JAX example that said V1 was V1.5.",
            lambda c: check_block(c, checks.V1_V15),
        ),
        Bug(
            "bn-running-stats",
            N_("A measurement that trains"),
            "vanishing-gradients",
            N_("medium"),
            measure_gradient_norms,
            "every call moves BatchNorm's running_mean and running_var (and leaves the model in train mode)",
            "Measurement helpers (gradient norms, activation statistics) that call model.train() for batch "
            "statistics: in train mode every forward pass of nn.BatchNorm2d updates its running statistics, as "
            "PyTorch documents, so measuring a trained model changes how it evaluates.",
            checks.check_measurement,
        ),
    )
}


def _unchanged(candidate: Any, buggy: Any) -> bool:
    """The bank's buggy code itself, or a subclass of it that overrides nothing."""
    if candidate is buggy:
        return True
    if not (
        isinstance(candidate, type)
        and isinstance(buggy, type)
        and issubclass(candidate, buggy)
    ):
        return False
    return all(
        set(vars(cls)) <= BOOKKEEPING
        for cls in candidate.__mro__[: candidate.__mro__.index(buggy)]
    )


@checker
def check_fix(candidate: Any, bug: str) -> Feedback:
    """Check a student's fix of the bank's bug ``bug`` (see :data:`BUGS`).

    Args:
        candidate: the fixed class (for a module) or function (for a measurement).
        bug: the bug's id, e.g. ``"double-relu"``.

    Returns:
        ``Feedback.right`` when the fix behaves as the reference does; otherwise a
        ``Feedback.wrong`` that names the bug still there, or what else differs.

    Raises:
        QuestionError: for an unknown bug id (the question's mistake, not the answer's).
    """
    if not isinstance(bug, str):
        if isinstance(candidate, str) and candidate in BUGS:
            return Feedback.wrong(
                _("the answer comes first and the bug second"),
                f"check_fix(YourFix, bug={candidate!r})",
            )
        raise QuestionError(
            f"bug must be one of {', '.join(map(repr, BUGS))}; got {describe(bug)}"
        )
    entry = BUGS.get(bug)
    if entry is None:
        raise QuestionError(
            f"there is no bug {bug!r} in the bank; allowed: {', '.join(map(repr, BUGS))}"
        )
    # the student's constructors draw weights: leave the caller's RNG; a student's
    # module can fail anywhere, and the checker must not
    with seeded(0):
        verdict, problem = call_student(
            entry.check,
            (candidate,),
            N_("your code raised {error} while being checked"),
            _(
                "build it and run it on a small input yourself, and read the "
                "traceback"
            ),
            line=error_line,
        )
    if problem is not None:
        verdict = problem
    if not verdict.ok and _unchanged(candidate, entry.buggy):
        name = getattr(entry.buggy, "__name__", "code")
        return Feedback.wrong(
            Text(
                "this is the bank's {name}, unchanged: {message}",
                name=name,
                message=verdict.message_text,
            ),
            verdict.hint_text,
            verdict.steps,
        )
    return verdict


__all__ = [
    "BUGS",
    "Bug",
    "check_fix",
    "DoubleReluBlock",
    "GroupWidthResNeXtBlock",
    "RawInputPreActBlock",
    "StrideOnceCifarResNet",
    "StrideOnlyProjectionBottleneck",
    "V1StrideBottleneck",
    "measure_gradient_norms",
]
