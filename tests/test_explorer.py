"""The explorer: precomputed frames that respond with no kernel, live widgets with one."""

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from resnet_lib.book.explorer import STATIC_ENV, Explorer, render_to_html


def square(n: int, label: str = "x"):
    if n < 0:
        raise ValueError(f"n must be >= 0; got {n}")
    return f"<p>{label}: {n * n}</p>"


def test_static_html_has_one_frame_per_option_and_a_working_control():
    ex = Explorer(
        square, {"n": [1, 2, 3, 4]}, defaults={"n": 3}, mode="static"
    )
    page = ex.to_html()
    frames = re.findall(
        r'<div class="explorer-frame" data-index="(\d)" style="display:(\w+)">(.*?)</div>',
        page,
    )
    assert [f[0] for f in frames] == ["0", "1", "2", "3"]
    assert [f[2] for f in frames] == [
        "<p>x: 1</p>",
        "<p>x: 4</p>",
        "<p>x: 9</p>",
        "<p>x: 16</p>",
    ]
    assert [f[1] for f in frames] == [
        "none",
        "none",
        "block",
        "none",
    ]  # the default is shown first
    assert 'type="range"' in page and 'max="3"' in page and 'value="2"' in page
    assert (
        'addEventListener("input", show)' in page
        and "<script" in page
        and "http" not in page
    )  # no CDN


def test_other_controls_are_fixed_and_said_so_in_static_mode():
    ex = Explorer(
        square,
        {"n": [1, 2], "label": {"ex": "x", "why": "y"}},
        mode="static",
        kind="select",
    )
    page = ex.to_html()
    assert (
        "<select" in page
        and "label = ex" in page
        and "run the chapter" in page
    )


def test_live_widget_updates_on_change():
    ex = Explorer(square, {"n": [1, 2, 3], "label": ["x", "y"]}, mode="live")
    w = ex.widget()
    assert w.output.value == "<p>x: 1</p>"
    w.controls["n"].value = 3
    assert w.output.value == "<p>x: 9</p>"
    w.controls["label"].value = "y"
    assert w.output.value == "<p>y: 9</p>"
    assert ex.widget() is w


def test_impossible_choice_shows_a_message_not_a_traceback():
    ex = Explorer(square, {"n": [2, -1]}, mode="static")
    page = ex.to_html()
    assert (
        "Not possible:</b> n must be &gt;= 0; got -1" in page
        and "Traceback" not in page
    )


def test_figures_become_inline_png_with_a_white_background():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    html = render_to_html(fig)
    assert (
        html.startswith('<img src="data:image/png;base64,')
        and "background:white" in html
    )
    assert not plt.fignum_exists(fig.number)  # the figure was closed


def test_frames_are_cached():
    calls = []

    def render(n):
        calls.append(n)
        return str(n)

    ex = Explorer(render, {"n": [1, 2]}, mode="static")
    ex.to_html(), ex.to_html(), ex.frame(n=1)
    assert calls == [1, 2]


def test_mode_follows_the_book_build(monkeypatch):
    ex = Explorer(square, {"n": [1]})
    monkeypatch.setenv(STATIC_ENV, "1")
    assert ex.resolved_mode() == "static"
    monkeypatch.delenv(STATIC_ENV)
    assert ex.resolved_mode() == "live"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"controls": {}}, "at least one control"),
        ({"controls": {"n": []}}, "at least one option"),
        (
            {"controls": {"n": [1]}, "static": "m"},
            "static control 'm' is not one of",
        ),
        (
            {"controls": {"n": [1]}, "defaults": {"n": 5}},
            "default n=5 is not among its options",
        ),
        (
            {"controls": {"n": [1]}, "kind": "knob"},
            "kind must be 'slider' or 'select'",
        ),
    ],
)
def test_bad_explorer_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Explorer(square, **kwargs)


def test_static_options_precompute_a_subset_and_live_keeps_all():
    ex = Explorer(
        square,
        {"n": [1, 2, 3, 4, 5]},
        static_options=[2, 4],
        defaults={"n": 3},
    )
    page = ex.to_html()
    assert re.findall(
        r'data-index="\d" style="display:\w+">(.*?)</div>', page
    ) == ["<p>x: 4</p>", "<p>x: 16</p>"]
    assert 'max="1"' in page
    assert [v for _, v in ex.widget().controls["n"].options] == [1, 2, 3, 4, 5]
    with pytest.raises(
        ValueError, match="static_options must be a non-empty subset"
    ):
        Explorer(square, {"n": [1, 2]}, static_options=[7])


def broken(n: int):
    if n == 2:
        raise RuntimeError("out of memory")
    return str(n)


def test_a_bug_is_a_message_live_but_fails_the_book_build():
    live = Explorer(broken, {"n": [1, 2]}, mode="live").widget()
    live.controls["n"].value = 2
    assert (
        "<b>Error:</b> RuntimeError: out of memory" in live.output.value
        and "Traceback" not in live.output.value
    )
    with pytest.raises(
        RuntimeError, match="out of memory"
    ):  # a published error frame would hide the bug
        Explorer(broken, {"n": [1, 2]}, mode="static").to_html()


def test_static_explorer_works_in_chromium_with_no_kernel(chromium):
    """The page's JavaScript parses and runs: moving the control flips the frame."""
    ex = Explorer(
        square, {"n": {"one</script>": 1, "two": 2, "three": 3}}, mode="static"
    )
    sel = Explorer(
        square, {"label": ["a", "b"], "n": [1]}, kind="select", mode="static"
    )
    page = chromium.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    linked = linked_explorer(mode="static")
    page.set_content(
        f"<html><body>{ex.to_html()}{sel.to_html()}{linked.to_html()}</body></html>"
    )
    first, second, third = page.locator(".resnet-explorer").all()
    shown = lambda root: root.locator(".explorer-frame").evaluate_all(
        "fs => fs.filter(f => f.style.display !== 'none').map(f => f.textContent)"
    )
    assert shown(first) == ["x: 1"]
    first.locator("input[type=range]").fill("2")
    assert (
        shown(first) == ["x: 9"]
        and first.locator("output").inner_text() == "three"
    )
    first.locator("input[type=range]").fill("0")
    assert first.locator("output").inner_text() == "one</script>"
    second.locator("select").select_option("1")
    assert shown(second) == ["b: 1"]
    # a frame's note (what its link set) is shown with it
    notes = lambda root: root.locator(".explorer-note").evaluate_all(  # noqa: E731
        "ns => ns.filter(n => n.style.display !== 'none').map(n => n.textContent)"
    )
    assert (
        shown(third) == ["square: 2^2"] and "n = 2, p = 2" in notes(third)[0]
    )
    third.locator("select").select_option("1")
    assert shown(third) == ["big: 10^3"] and len(notes(third)) == 1
    assert "n = 10, p = 3" in notes(third)[0]
    assert not errors, errors
    page.close()


# ------------------------------------------------------------ links: a control sets others


def power(base: str, n: int = 1, p: int = 1):
    return f"<p>{base}: {n}^{p}</p>"


#: choosing a named base sets n and p (to a value n does not offer, for "big");
#: turning n or p makes the base "custom", which keeps them
PRESETS = {"square": {"n": 2, "p": 2}, "big": {"n": 10, "p": 3}, "custom": {}}
LINKS = {
    "base": lambda v: PRESETS[v],
    "n": lambda _v: {"base": "custom"},
    "p": lambda _v: {"base": "custom"},
}


def linked_explorer(**kwargs) -> Explorer:
    calls = []

    def render(**values):
        calls.append(values)
        return power(**values)

    ex = Explorer(
        render,
        {"base": ["square", "big", "custom"], "n": [1, 2, 3], "p": [1, 2, 3]},
        links=LINKS,
        kind="select",
        **kwargs,
    )
    ex.calls = calls
    return ex


def test_a_link_sets_the_other_controls_in_the_live_face():
    ex = linked_explorer(mode="live", defaults={"base": "square"})
    w = ex.widget()
    values = lambda: {n: c.value for n, c in w.controls.items()}  # noqa: E731
    # the default's link sets the starting values
    assert values() == {"base": "square", "n": 2, "p": 2}
    assert w.output.value == "<p>square: 2^2</p>"
    ex.calls.clear()
    w.controls["base"].value = "big"
    assert values() == {"base": "big", "n": 10, "p": 3}
    # a value it did not offer is added to the control's options
    assert [v for _, v in w.controls["n"].options] == [1, 2, 3, 10]
    # one frame for the whole change, none for the states in between
    assert ex.calls == [{"base": "big", "n": 10, "p": 3}]
    assert w.output.value == "<p>big: 10^3</p>"
    # "custom" keeps the values; turning a linked control makes the base "custom"
    w.controls["base"].value = "custom"
    assert values() == {"base": "custom", "n": 10, "p": 3}
    w.controls["base"].value = "square"
    w.controls["p"].value = 3
    assert values() == {"base": "custom", "n": 2, "p": 3}
    assert w.output.value == "<p>custom: 2^3</p>"


def test_the_static_page_says_what_each_frame_was_computed_with():
    ex = linked_explorer(mode="static")
    page = ex.to_html()
    frames = re.findall(
        r'<div class="explorer-frame" data-index="(\d)" style="display:(\w+)">(.*?)</div>',
        page,
    )
    notes = re.findall(
        r'<div class="explorer-note" data-index="(\d)" style="display:(\w+)">.*?with (.*?); run',
        page,
    )
    # the first option is the default, so its link sets the start (and "custom" keeps it)
    assert [f[2] for f in frames] == [
        "<p>square: 2^2</p>",
        "<p>big: 10^3</p>",
        "<p>custom: 2^2</p>",
    ]
    assert [n[2] for n in notes] == [
        "n = 2, p = 2",
        "n = 10, p = 3",
        "n = 2, p = 2",
    ]
    assert [n[:2] for n in notes] == [f[:2] for f in frames]  # shown together


@pytest.mark.parametrize(
    "links, match",
    [
        ({"m": lambda v: {}}, r"links of \['m'\] name no control"),
        ({"n": lambda v: {"q": 1}}, r"the link of 'n' sets \['q'\]"),
        ({"n": lambda v: {"n": 1}}, r"the link of 'n' sets \['n'\]"),
    ],
)
def test_bad_links(links, match):
    with pytest.raises(ValueError, match=match):
        Explorer(square, {"n": [1, 2], "label": ["x"]}, links=links).to_html()


def test_every_control_shows_its_whole_name():
    """The default description width (JupyterLab's and the Notebook's) cuts a long name
    ("width_per_group" to "width_per..."): every control's is as wide as its name."""
    ex = Explorer(
        lambda width_per_group, n: f"{n}x{width_per_group}",
        {"n": [1, 2], "width_per_group": [4, 64]},
        mode="live",
    )
    controls = ex.widget().controls
    assert {type(c).__name__ for c in controls.values()} == {
        "SelectionSlider",
        "Dropdown",
    }
    assert all(
        c.style.description_width == "initial" for c in controls.values()
    ), {n: c.style.description_width for n, c in controls.items()}
