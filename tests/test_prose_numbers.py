"""Every number in a chapter's prose is glued, cited, structural or derived, never typed from memory.

The book's rule (STYLE.md): "Every number in the prose comes from a cell that computed it, or
is a cited figure from the paper shown beside ours." This test reads each chapter's prose
(outside code cells, inline code, math and roles such as ``{glue:text}``) and requires every
number in it to be one of:

(a) glued: inside ``{glue:text}`name``` (removed before the scan, so never seen here);
(b) a published figure in :mod:`resnet_lib.reference` (the paper's tables, torchvision's
    metadata), written as printed there ("6.97", "64k", "25,557,032");
(c) structural, by a rule: integers 0 to 10; sizes and kernels ("3x3", "224x224"); names and
    compounds ("10-way", "2-core"; "ResNet-56" never matches); table, figure, section and
    chapter numbers; years beside a citation; numbered list items;
(d) a literal of the chapter's own code cells (the configuration the page runs with: if the
    code changes, the prose must too), or an entry of :data:`ALLOWED` below, which says why:
    ``Derived(expression)`` is evaluated and must round to the number as printed;
    ``Why(reason)`` is a structural fact with its reason. A number that only a cell's
    output shows should be glued, not allowed.

A second check reads fractions written in words ("an eighteenth", "a quarter", "3/4 of") and
requires two numbers of its sentence or the sentence before (inline code included) whose
ratio is that fraction within 2% (a size "16x16" counts as its 256 pixels). "half", "twice"
and "N times" are not checked: too common in prose that states no ratio. With glued values filled in from the execution cache it is a
``book`` test; on paragraphs without glued values it runs without the book.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest

from resnet_lib import reference

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Derived:
    expression: str  # Python, evaluated with the names of resnet_lib.reference and math
    about: float = (
        0.0  # relative tolerance, for a number the prose calls "about"
    )


@dataclass(frozen=True)
class Why:
    reason: str


# Numbers that the rules above do not cover, per chapter, with what makes each right.
ALLOWED: dict[str, dict[str, object]] = {
    "intro": {},
    "why-residual-networks-train": {
        "2015": Why(
            "the year of the ResNet paper the chapter cites (He et al. 2016, arXiv 2015)"
        ),
        "27": Derived("(56 - 2) // 2"),  # ResNet-56's blocks: (depth - 2) / 2
        "25": Derived("(56 - 2) // 2 - 2"),  # its blocks that keep the shape
        "2,500": Derived(
            "250 * 10"
        ),  # cpu_config: 250 training images per class
        "54": Derived("(110 - 2) // 2"),  # ResNet-110's blocks
        "13.5": Derived("(56 - 2) / 2 / 2"),  # binomial mean n / 2
    },
    "vanishing-gradients": {
        "1.1": Why(
            "a gain above 1, the example of the plot's code (gain 0.9, 1.0, 1.1)"
        ),
        "14": Why("a depth of the exercise's sweep, 6n+2"),
        "26": Why("a depth of the exercise's sweep"),
        "38": Why("a depth of the exercise's sweep"),
        "50": Why("a depth of the exercise's sweep"),
        "100": Why("the exercise's threshold, passed to its checker"),
        "16": Why(
            "gradient_profile's batch of 16 images (resnet_lib.experiments.vanishing_gradients), which gradient_plot draws"
        ),
        "44": Derived("math.ceil(math.log(0.01) / math.log(0.9))"),
    },
    "degradation": {
        "27": Derived(
            "3 * (56 - 2) // 6"
        ),  # residual branches of ResNet-56: 3 stages of n = 9
        "60": Why(
            "the paper's Figure 6: plain-110 ends above 60% training error (REFERENCE.md)"
        ),
        "90": Derived("100 * (1 - 1 / 10)"),  # chance error for ten classes
        # "about the last 120 iterations": three logged points, log_every = eval_every // 2 = 78 // 2
        "120": Derived("3 * (2_500 // 32 // 2)", about=0.05),
        "2017": Why("Goyal et al. 2017, a year"),
    },
    "residual-learning": {
        "300": Why(
            "the steps of the identity-learning experiment (its code: steps=300)"
        ),
        "230,144": Derived(
            "3 * 3 * 64 * 128 + 3 * 3 * 128 * 128 + 2 * 2 * 128 + 64 * 128 + 2 * 128"
        ),
    },
    "basic-vs-bottleneck": {
        "73,984": Derived("2 * 3 * 3 * 64 * 64 + 2 * 2 * 64"),
        "74,240": Derived("2 * 3 * 3 * 64 * 64 + 2 * 2 * 64 + 2 * 2 * 64"),
        "2048": Derived("512 * 4"),
        "16": Derived("50 - 34"),
    },
    "expansion": {
        "192": Derived("4 * 64 - 64"),
    },
    "find-the-bug": {
        "2015": Why(
            "the bank's chapter 'after 2015' (BUGS[...].chapter): the year of "
            "the ResNet paper's arXiv version"
        ),
        "2016": Why(
            "a year: when the early Torch reimplementations were written"
        ),
    },
    "counting-to-101": {
        "23": Why(
            "ResNet-101's third stage: blocks per stage of the paper's Table 1"
        ),
        "42": Derived("1 + 3 * (2 + 3 + 5 + 2) + 1 + 4"),
        "14": Derived("224 // 16"),
    },
    "architecture-builder": {
        "17": Derived("3 + 4 + 9 + 1"),
        "53": Derived("1 + 3 * 17 + 1"),
        "21.8": Derived("TORCHVISION['resnet34'].params / 1e6"),
        "20": Why(
            "'about 20 M': describe('bottleneck', '3 4 9 1') has 19,983,400 parameters"
        ),
        "2048": Derived("512 * 4"),
        "14": Derived("224 // 16"),
        "50": Why("the exercise's bound on depth"),
    },
    "training-cifar10": {
        "182": Derived("64_000 * 128 / 45_000"),
        "164": Derived("64_000 * 128 / 50_000"),
        "8.2 million": Derived("64_000 * 128 / 1e6"),
        "50,000": Derived(
            "CIFAR10_RECIPE['train_images'] + CIFAR10_RECIPE['val_images']"
        ),
        "10,000": Why("the size of CIFAR-10's test set"),
        "250": Why(
            "images per class of the shrunk run (its code: balanced_subset(250, ...))"
        ),
        "50": Why(
            "the multistep milestones at 50% and 75% of a run (paper_recipe)"
        ),
        "75": Why(
            "the multistep milestones at 50% and 75% of a run (paper_recipe)"
        ),
        "8.1": Why(
            "NVIDIA's T4 data sheet: 8.1 TFLOP/s float32 (the code beside it: peak_tmacs = 8.1 / 2)"
        ),
        "8.0": Why(
            "the compute capability from which GPUs compute bfloat16 natively (resnet_lib.device.amp_dtype)"
        ),
        "15": Why(
            "an assumption the page states, in its code (0.15 * peak_tmacs)"
        ),
        "63,999": Derived("64_000 - 1"),
        "40,000": Why("the exercise's iteration, passed to its checker"),
        "32,001": Derived("32_000 + 1"),
        "0.001": Derived("0.1 / 10 / 10"),
        "16": Why(
            "the CIFAR ResNet's narrowest stage (16 channels, section 4.2)"
        ),
    },
}

ALLOWED["identity-mappings"] = {
    "1000": Why(
        "quoted from He et al. 2016b, section 4.2: the truncation is "
        "'more frequent when there are 1000 layers'"
    ),
    "256": Derived("64 * 4"),  # the last stage's outputs, 4 x its width
    "23,808": Derived(
        "64 * 32 + 9 * 32 * 32 + 32 * 128 + 2 * (64 + 32 + 32) + 64 * 128"
    ),
    "90": Derived("3 * (272 - 2) // 9"),  # units of a 9n+2 net of depth 272
    "135": Derived("3 * (272 - 2) // 6"),  # what 6n+2 would give
}

ALLOWED["resnext-and-wide"] = {
    # printed with its decimal as in the paper's Table 3 (as_printed gives "22")
    "22.0": Derived("RESNEXT_TABLE3[(101, 1, 64)].top1_error"),
    "69,632": Derived("2 * 256 * 64 + 9 * 64 * 64"),  # ResNet-50's block
    "67,830": Derived("6 * (2 * 256 * 17 + 9 * 17 * 17)"),  # 6x17d
    "72,792": Derived("6 * (2 * 256 * 18 + 9 * 18 * 18)"),  # 6x18d
    "17": Derived(  # the width of cardinality 6 nearest in cost
        "min(range(1, 64), key=lambda d: abs(6 * (512 * d + 9 * d * d)"
        " - 69632))"
    ),
}

ALLOWED["test-time"] = {
    "2015": Why(
        "the year of the ResNet paper the chapter cites (He et al. 2016, arXiv 2015)"
    ),
    "2.25": Derived(
        "(24 / 16) ** 2"
    ),  # a 24x24 view's pixels over a 16x16 one's
}

# Chapters whose prose this test does not police (yet): say why.
NOT_CHECKED = {
    "teachers": "a reference page: tables of exercises and run times, all generated",
    "execution-times": "generated by the build",
    "find-the-bug": "new chapter, not yet reviewed against this check",
}

FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
NUMBER = re.compile(
    r"(?<![\w.$\\/-])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(k\b|M\b| million\b| billion\b)?(?![\w-]*\d)"
)
ROLE = re.compile(r"\{glue:text\}`([^`]*)`")
SUFFIX = {"k": 1e3, "M": 1e6, " million": 1e6, " billion": 1e9}
YEAR_CONTEXT = re.compile(r"(et al|ICLR|ICML|CVPR|NeurIPS|ECCV|BMVC|\*,)")
CITE = re.compile(
    r"(Tables?|Figures?|Fig\.|[Ss]ections?|chapter|eqs?\.)\s+((\d+(\.\d+)?)(,\s*|\s+and\s+)?)+$"
)


def chapters() -> list[str]:
    sys.path.insert(0, str(ROOT / "scripts"))
    import sync_notebooks

    return [p.stem for p in sync_notebooks.chapters()]


def split(text: str) -> tuple[list[tuple[int, str]], str]:
    """The chapter's prose paragraphs (first line number, text) and its code (all fenced blocks)."""
    lines = text.splitlines()
    start = (
        lines.index("---", 1) + 1 if lines and lines[0].strip() == "---" else 0
    )
    paragraphs, code, fence, current = [], [], None, []

    def close(n):
        if current:
            paragraphs.append((n - len(current) + 1, " ".join(current)))
            current.clear()

    for n in range(start, len(lines)):
        line = lines[n]
        m = FENCE.match(line)
        if fence:
            code.append(line)
            if m and line.strip() == fence:
                fence = None
            continue
        if m:
            close(n)
            fence = m.group(1)
            continue
        if (
            not line.strip()
            or re.match(r"^\s*:[\w-]+:", line)
            or line.startswith(":::")
        ):
            close(n)
            continue
        if re.match(
            r"^(\s*[-*]|\d+\.)\s", line
        ):  # a list item starts a paragraph of its own
            close(n)
        current.append(line)
    close(len(lines))
    return paragraphs, "\n".join(code)


def prose_only(paragraph: str, glue: dict | None = None) -> str:
    """The paragraph without inline code, math, roles and links; glued values filled in if given."""
    text = ROLE.sub(
        lambda m: (
            f" {glue[m.group(1)]} " if glue and m.group(1) in glue else " "
        ),
        paragraph,
    )
    text = re.sub(r"\{[\w:]+\}`[^`]*`", " ", text)  # other roles: {doc}, {ref}
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " ", text)
    text = re.sub(r"\]\([^)]*\)|https?://\S+", " ", text)
    return text


def value(match: re.Match) -> float:
    return float(match.group(1).replace(",", "") + (match.group(2) or ""))


def structural(text: str, match: re.Match) -> bool:
    """Rule (c): small integers, sizes, compounds, citations, years, list items."""
    before, after = text[: match.start()], text[match.end() :]
    number = value(match)
    if match.group(2) is None and number <= 10:
        return True
    if re.match(r"x\d", after) or re.search(
        r"\d\s*x$", before
    ):  # 3x3, 224x224
        return True
    if re.match(r"-[a-z]", after):  # 10-way, 2-core, 20-layer
        return True
    if CITE.search(before + match.group(0)):
        return True
    if (
        1990 <= number <= 2030
        and match.group(2) is None
        and YEAR_CONTEXT.search(before[-40:])
    ):
        return True
    return False


def as_printed(x: float) -> set[str]:
    """``x`` as the prose may print it: 25557032 -> {"25557032", "25,557,032"}; 6.97 -> {"6.97"}."""
    if float(x).is_integer():
        return {str(int(x)), f"{int(x):,}"}
    return {repr(float(x)).rstrip("0").rstrip(".")}


PUBLISHED = {s for x in reference.published_numbers() for s in as_printed(x)}
NAMESPACE = {
    "math": math,
    **{k: getattr(reference, k) for k in dir(reference) if k.isupper()},
}


def code_literals(code: str) -> set[str]:
    return {
        m.group(0).replace("_", "")
        for m in re.finditer(r"(?<![\w.])\d[\d_]*(\.\d+)?", code)
    }


def unexplained(chapter: str, text: str | None = None) -> list[str]:
    """The numbers of ``chapter``'s prose (its file, or ``text``) that no rule explains."""
    paragraphs, code = split(
        (ROOT / "book" / f"{chapter}.md").read_text() if text is None else text
    )
    literals, allowed = code_literals(code), ALLOWED.get(chapter, {})
    problems = []
    for line, paragraph in paragraphs:
        text = prose_only(paragraph)
        for m in NUMBER.finditer(text):
            printed = m.group(1) + (m.group(2) or "")
            raw = printed.replace(",", "")
            scaled = (
                {s for s in as_printed(value(m) * SUFFIX[m.group(3)])}
                if m.group(3)
                else set()
            )
            if printed + (m.group(3) or "") in allowed or printed in allowed:
                continue
            if printed in PUBLISHED or raw in PUBLISHED or scaled & PUBLISHED:
                continue
            if structural(text, m) or raw in literals:
                continue
            problems.append(
                f"book/{chapter}.md:{line}: {printed}{m.group(3) or ''} in "
                f"'...{text[max(0, m.start() - 50) : m.end() + 20].strip()}...'"
            )
    return problems


@pytest.mark.parametrize(
    "chapter", [c for c in chapters() if c not in NOT_CHECKED]
)
def test_every_number_in_the_prose_is_glued_cited_or_explained(chapter):
    problems = unexplained(chapter)
    assert not problems, (
        "numbers in the prose that no cell computes and no source backs; glue them ({glue:text}), take them "
        "from resnet_lib.reference, or add them to ALLOWED in tests/test_prose_numbers.py with a reason:\n"
        + "\n".join(problems)
    )


def test_the_check_catches_a_number_typed_from_memory():
    page = (
        "---\njupytext: {}\n---\n# A page\n\n```{code-cell} ipython3\nhistory = fit(model, steps=300)\n```\n\n"
        "After 300 steps (He et al. 2016, section 4.2) our ResNet-56 is at {glue:text}`err`%; the paper's\n"
        "reaches 6.97% against ResNet-20's 8.75% (Table 6) on 45k images, with 3x3 convolutions.\n"
    )
    assert unexplained("a-page", page) == []
    for right, wrong in (
        ("6.97%", "6.79%"),
        ("8.75%", "8.57%"),
        ("45k", "41k"),  # (40 is a published ResNeXt width)
        ("steps=300", "steps=400"),
    ):
        problems = unexplained("a-page", page.replace(right, wrong))
        assert len(problems) == 1, problems
    assert (
        "a-page.md:10: 300 in"
        in unexplained("a-page", page.replace("steps=300", "steps=400"))[0]
    )


def test_derived_allowances_compute_the_number_printed():
    for chapter, entries in ALLOWED.items():
        for printed, why in entries.items():
            if isinstance(why, Derived):
                got = eval(why.expression, dict(NAMESPACE))  # noqa: S307 - our own expressions
                number = printed.replace(",", "").replace(" million", "")
                decimals = len(number.partition(".")[2])
                if why.about:
                    assert abs(got - float(number)) <= why.about * got, (
                        f"{chapter}: {printed} !~ {why.expression} = {got}"
                    )
                else:
                    assert round(got, decimals) == float(number), (
                        f"{chapter}: {printed} != {why.expression} = {got}"
                    )


def test_allowances_are_still_needed():
    """An allowance for a number that the prose no longer contains is stale: remove it."""
    for chapter, entries in ALLOWED.items():
        if chapter not in chapters():
            continue
        paragraphs, _ = split((ROOT / "book" / f"{chapter}.md").read_text())
        prose = " ".join(prose_only(p) for _, p in paragraphs)
        for printed in entries:
            assert re.search(
                rf"(?<![\d,.]){re.escape(printed)}(?!\d|,\d{{3}}|\.\d)", prose
            ), f"{chapter}: {printed} unused"


# ---------------------------------------------------------------- fractions in words

ORDINALS = {
    "half": 2,
    "third": 3,
    "quarter": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "twelfth": 12,
    "sixteenth": 16,
    "eighteenth": 18,
    "twentieth": 20,
    "hundredth": 100,
}
FRACTION_WORDS = re.compile(
    r"\b(?:an? (?P<ord>"
    + "|".join(ORDINALS)
    + r")\b|(?P<num>\d+)/(?P<den>\d+) of\b"
    r"|(?P<word>three quarters|two thirds)\b)"
)
SIZE = re.compile(r"(\d+)x(\d+)")
ANY_NUMBER = re.compile(r"(?<![\w.-])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def fraction_problems(paragraph: str) -> list[str]:
    """Fractions in words that no two numbers of their sentence and the sentence before it
    (inline code included) bear out."""
    problems = []
    sentences = SENTENCE_END.split(paragraph)
    for i, sentence in enumerate(sentences):
        problems += _fraction_problems(
            sentence, " ".join(sentences[max(i - 1, 0) : i + 1])
        )
    return problems


def _fraction_problems(sentence: str, context: str) -> list[str]:
    problems = []
    for m in FRACTION_WORDS.finditer(sentence):
        if m.group("ord"):
            target = Fraction(1, ORDINALS[m.group("ord")])
        elif m.group("num"):
            target = Fraction(int(m.group("num")), int(m.group("den")))
        else:
            target = (
                Fraction(3, 4)
                if m.group("word") == "three quarters"
                else Fraction(2, 3)
            )
        context = context.replace(
            m.group(0), " "
        )  # "3/4 of" itself is not the evidence
        sizes = [int(a) * int(b) for a, b in SIZE.findall(context)]
        plain = SIZE.sub(" ", context)
        numbers = sizes + [
            float(n.group(1).replace(",", "") + (n.group(2) or ""))
            for n in ANY_NUMBER.finditer(plain)
        ]
        numbers = [n for n in numbers if n > 0]
        if not any(
            abs(a / b - target) <= 0.02 * target
            for a in numbers
            for b in numbers
            if a < b
        ):
            problems.append(
                f"'{m.group(0)}' ({target}) is not the ratio of any two numbers in: {context[:300]}"
            )
    return problems


def test_fraction_check_catches_the_known_slip():
    chapter = (ROOT / "book" / "degradation.md").read_text()
    glue = {
        "n_train": "2,500"
    }  # what the chapter glues there (cpu_config: 250 images per class)
    right = next(
        ROLE.sub(lambda m: f" {glue.get(m.group(1), '')} ", p)
        for _, p in split(chapter)[0]
        if "an eighteenth" in p
    )
    assert fraction_problems(right) == []
    wrong = fraction_problems(right.replace("an eighteenth", "a twentieth"))
    assert len(wrong) == 1 and "a twentieth' (1/20)" in wrong[0]
    assert (
        fraction_problems(
            "Its output is `64 * 4 = 256`. It pads 192 zero channels: 3/4 of it is zeros."
        )
        == []
    )
    assert (
        len(
            fraction_problems(
                "Its output is `64 * 4 = 256`. It pads 128 zero channels: 3/4 of it is zeros."
            )
        )
        == 1
    )


@pytest.mark.parametrize("chapter", chapters())
def test_fractions_in_words_without_glued_values(chapter):
    paragraphs, _ = split((ROOT / "book" / f"{chapter}.md").read_text())
    problems = [
        p
        for _, text in paragraphs
        if not ROLE.search(text)
        for p in fraction_problems(text)
    ]
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- against the built book


@pytest.mark.book
@pytest.mark.parametrize("chapter", chapters())
def test_fractions_in_words_with_glued_values(chapter):
    from test_book import (
        glued,
    )  # the build's execution cache; fails with "run `make book`" when it is stale

    glue = glued(chapter)
    paragraphs, _ = split((ROOT / "book" / f"{chapter}.md").read_text())
    problems = [
        p
        for _, text in paragraphs
        if ROLE.search(text)
        for p in fraction_problems(
            ROLE.sub(lambda m: f" {glue.get(m.group(1), '')} ", text)
        )
    ]
    assert not problems, "\n".join(problems)
