"""resnet_lib.i18n: the words that code writes, in the reader's language.

The catalogs are real gettext catalogs written and read by Babel; the figures are real
matplotlib SVGs.
"""

from __future__ import annotations

import string

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from resnet_lib import i18n
from resnet_lib.i18n import Text, _


@pytest.fixture
def zh(tmp_path, monkeypatch):
    """A Chinese catalog of a few messages, one of them fuzzy, as the library's."""
    catalog = Catalog(locale="zh_CN", domain="resnet_lib")
    catalog.add("iterations", "迭代次数")
    catalog.add("training error", "训练误差")
    catalog.add(
        "{n:,} paths of mean length {mean:g}",
        "{n:,} 条路径，平均长度 {mean:g}",
    )
    catalog.add("the network is {verdict}", "该网络{verdict}")
    catalog.add("better", "更好")
    catalog.add("the network is\nbetter", "该网络更好")
    catalog.add("{n} paths of mean\nlength {m}", "{n} 条路径，\n平均长度 {m}")
    catalog.add("worse", "更差", flags=["fuzzy"])
    catalog.add("{name}:", "{name}：")
    folder = tmp_path / "zh_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "resnet_lib.po").open("wb") as f:
        write_po(f, catalog)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    monkeypatch.delenv("RESNET_LANG", raising=False)
    yield "zh_CN"
    i18n._current.clear()


def test_text_reads_as_str_format_would():
    t = Text("{n:,} paths of mean length {mean:g}", n=1024, mean=5.0)
    assert str(t) == "1,024 paths of mean length 5"
    assert f"[{t}]" == "[1,024 paths of mean length 5]"
    bundle = t._repr_mimebundle_()
    assert bundle["text/plain"] == repr(str(t))  # as IPython shows a str
    assert Text.from_json(t.to_json()) == t


@pytest.mark.parametrize(
    "template, values, error",
    [
        ("{n} paths", {}, "has the fields ['n'] but was given []"),
        ("{n} paths", {"n": 1, "m": 2}, "was given ['m', 'n']"),
        ("{} paths", {}, "name their fields"),
        ("{0} paths", {}, "name their fields"),
    ],
)
def test_text_rejects_a_template_its_values_do_not_fill(
    template, values, error
):
    with pytest.raises(ValueError, match=error.replace("[", r"\[")):
        Text(template, **values)


def test_text_holds_only_values_it_can_carry():
    with pytest.raises(TypeError, match=r"value n=\[1\] is a list"):
        Text("{n}", n=[1])  # type: ignore[arg-type]


def test_a_corrupt_json_form_is_named():
    with pytest.raises(ValueError, match="not a Text's JSON form"):
        Text.from_json({"template": "{n}"})


def test_unknown_language_lists_the_known_ones(zh):
    with pytest.raises(ValueError, match=r"'fr'.*en, zh_CN"):
        i18n.set_language("fr")


def test_language_choice_env_and_context(zh, monkeypatch):
    assert i18n.language() == "en" and _("iterations") == "iterations"
    monkeypatch.setenv("RESNET_LANG", zh)
    assert _("iterations") == "迭代次数"
    with i18n.speaking("en"):
        assert _("iterations") == "iterations"
    assert i18n.language() == zh
    monkeypatch.setenv("RESNET_LANG", "xx")
    with pytest.raises(ValueError, match="'xx'"):
        i18n.language()


def test_translations_nested_and_fuzzy(zh):
    better = Text("the network is {verdict}", verdict=Text("better"))
    worse = Text("the network is {verdict}", verdict=Text("worse"))
    assert better.render(zh) == "该网络更好"
    # a fuzzy translation awaits review: the English is shown
    assert worse.render(zh) == "该网络worse"
    assert better.render("en") == "the network is better"
    assert _("not in the catalog", zh) == "not in the catalog"


def test_a_glued_sentence_is_its_rendering_in_the_current_language(zh):
    """A page executed in Chinese glues the Chinese sentence (quoted, as IPython shows
    a str, which myst-nb's glue unquotes): nothing is translated after the fact."""
    t = Text("{n:,} paths of mean length {mean:g}", n=1024, mean=5.0)
    assert t._repr_mimebundle_() == {
        "text/plain": "'1,024 paths of mean length 5'"
    }
    with i18n.speaking(zh):
        assert t._repr_mimebundle_() == {
            "text/plain": "'1,024 条路径，平均长度 5'"
        }


def test_a_figure_in_chinese_is_svg_with_its_words_as_text(zh):
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from resnet_lib.book.language import figure_svg

    with i18n.speaking(zh):
        fig, ax = plt.subplots()
        ax.plot([1, 2, 3], label="plain-20")
        ax.set_xlabel(_("iterations"))
        ax.set_title(
            str(Text("{n:,} paths of mean length {mean:g}", n=8, mean=2))
        )
        ax.legend()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no missing-glyph warning
        svg = figure_svg(fig)
    assert ">迭代次数<" in svg and ">8 条路径，平均长度 2<" in svg
    assert "plain-20" in svg and "iterations" not in svg
    assert figure_svg(fig) == svg  # the same bytes each time
    plt.close(fig)


def test_an_explorer_frame_in_chinese_is_svg_and_in_english_png(zh):
    import base64

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from resnet_lib.book.explorer import render_to_html

    with i18n.speaking(zh):
        fig, ax = plt.subplots()
        ax.set_xlabel(_("iterations"))
        frame = render_to_html(fig)
    src = frame.split('src="data:image/svg+xml;base64,')[1].split('"')[0]
    assert ">迭代次数<" in base64.b64decode(src).decode("utf-8")
    fig, ax = plt.subplots()
    frame = render_to_html(fig)
    assert (
        'src="data:image/png;base64,' in frame and "data-resnet" not in frame
    )


def test_an_explorer_translates_its_control_names_but_not_its_values(zh):
    """A value that reads like a word ("none") stays a value; a control's name and
    an option given translated read in the page's language."""
    from resnet_lib.book.explorer import Explorer

    with i18n.speaking(zh):
        page = Explorer(
            lambda iterations, norm: f"<p>{norm}</p>",
            {"iterations": [1, 2], "norm": ["none", "better"]},
        ).to_html()
    assert (
        ">迭代次数：<" in page and "iterations" not in page.split("<script")[0]
    )
    assert "none" in page and "更好" not in page


def _fields(message: str) -> set[str]:
    return {
        name
        for _, name, _, _ in string.Formatter().parse(message)
        if name is not None
    }


def test_the_librarys_catalogs_keep_every_field():
    """A translation with a field missing, extra or renamed would fail at run time."""
    checked = 0
    for po in sorted(i18n.LOCALE_DIR.glob("*/LC_MESSAGES/resnet_lib.po")):
        with po.open("rb") as f:
            catalog = read_po(f)
        for m in catalog:
            if not m.id or not m.string:
                continue
            assert _fields(m.string) == _fields(m.id), (po, m.id, m.string)
            checked += 1
    assert i18n.languages() == ("en", "zh_CN")
    assert checked == sum(
        1
        for po in i18n.LOCALE_DIR.glob("*/LC_MESSAGES/resnet_lib.po")
        for m in read_po(po.open("rb"))
        if m.id and m.string
    )


def test_no_message_hides_inside_an_f_string():
    """Babel does not look inside an f-string's braces: a message there would never
    reach the catalogs (and stay English in every translation)."""
    import io
    import re
    import tokenize
    from pathlib import Path

    import jupytext

    root = Path(__file__).resolve().parents[1]
    sources = {
        p: p.read_text(encoding="utf-8")
        for p in [
            *(root / "resnet_lib").rglob("*.py"),
            root / "scripts" / "learner_notebook.py",
        ]
    }
    for chapter in (root / "book").glob("*.md"):
        cells = [
            c.source
            for c in jupytext.read(chapter).cells
            if c.cell_type == "code"
        ]
        sources[chapter] = "\n".join(
            line if not line.lstrip().startswith(("%", "!")) else ""
            for line in "\n\n".join(cells).splitlines()
        )
    # a literal message inside the braces (a constant marked with N_ elsewhere is
    # found there)
    call = re.compile(r"\{[^{}]*\b(?:_|N_|gettext|Text)\(\s*[rbu]?['\"]")
    found = []
    for path, source in sources.items():
        try:
            tokens = list(
                tokenize.generate_tokens(io.StringIO(source).readline)
            )
        except (tokenize.TokenError, IndentationError, SyntaxError):
            continue
        for tok in tokens:
            prefix = re.match(r"[A-Za-z]*", tok.string).group(0).lower()
            if tok.type == tokenize.STRING and "f" in prefix:
                if call.search(tok.string):
                    found.append(f"{path.name}:{tok.start[0]}")
    assert sources and not found, found


@pytest.mark.slow  # starts a kernel
def test_a_chinese_notebook_shows_its_figures_as_chinese_svg(tmp_path):
    """As a learner's Chinese notebook runs: use_language first, figures later (the
    inline backend registers its own formats when it is first used)."""
    import nbformat
    from nbclient import NotebookClient

    cells = [
        "from resnet_lib.book.language import use_language\n"
        'use_language("zh_CN")',
        "import matplotlib.pyplot as plt\nfrom resnet_lib.i18n import _\n"
        "fig, ax = plt.subplots(1, 2)\n"
        'ax[0].set_xlabel(_("iteration"))\nax[1].set_title(_("iteration"))\n'
        "fig.tight_layout()\nplt.show()",
    ]
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(c) for c in cells]
    )
    NotebookClient(nb, timeout=120, kernel_name="python3").execute(
        cwd=str(tmp_path)
    )
    outputs = nb.cells[1].outputs
    # laid out and drawn without a missing-glyph warning (the browser draws them)
    assert [o["output_type"] for o in outputs] == ["display_data"], outputs
    data = outputs[0]["data"]
    assert "image/png" not in data
    assert i18n.gettext("iteration", "zh_CN") in data["image/svg+xml"]
    assert i18n.gettext("iteration", "zh_CN") != "iteration"


def test_a_long_whole_number_is_written_as_a_float_would_be():
    """A sentence never holds hundreds of digits: a whole number of more than
    24 digits is written with six significant digits, whatever the field's
    format; the number itself is kept (and the digits counted) exactly."""
    from resnet_lib.i18n import digit_count, scientific

    assert str(Text("{n:,} paths", n=2**27)) == "134,217,728 paths"
    assert str(Text("{n:,} paths", n=2**1000)) == "1.07151e+301 paths"
    assert str(Text("{n} paths", n=-(10**400))) == "-1e+400 paths"
    assert Text("{n}", n=2**1000).values["n"] == 2**1000
    assert [digit_count(v) for v in (0, 9, 10, 10**400 - 1, 10**400)] == [
        1,
        1,
        2,
        400,
        401,
    ]
    assert scientific(10**5000) == "1e+5000"  # str() refuses it
    assert scientific(123456) == "123456"


def test_a_text_of_a_number_too_long_for_str_can_be_hashed_and_shown():
    """Python's ``str`` refuses a whole number of over 4,300 digits; a Text holding one
    still renders, hashes (equal Texts alike) and has a repr that says what it holds."""
    huge = 10**5000 + 1
    one, other = Text("{n} paths", n=huge), Text("{n} paths", n=huge)
    assert one == other and hash(one) == hash(other) and len({one, other}) == 1
    assert one != Text("{n} paths", n=huge + 1)
    assert (
        repr(one)
        == "Text('{n} paths', n=<a whole number of 5,001 digits, 1e+5000>)"
    )
    assert str(one) == "1e+5000 paths"
    with pytest.raises(ValueError):
        str(huge)  # the reason for all this
    assert repr(Text("{n} of {m}", n=3, m=Text("{x}", x="a"))) == (
        "Text('{n} of {m}', n=3, m=Text('{x}', x='a'))"
    )
