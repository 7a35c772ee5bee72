"""The explorer: precomputed frames that respond with no kernel, live widgets with one."""

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from resnet_lib.explorer import Explorer, render_to_html


def square(n: int, label: str = "x"):
    if n < 0:
        raise ValueError(f"n must be >= 0; got {n}")
    return f"<p>{label}: {n * n}</p>"


def test_static_html_has_one_frame_per_option_and_a_working_control():
    ex = Explorer(square, {"n": [1, 2, 3, 4]}, defaults={"n": 3}, mode="static")
    page = ex.to_html()
    frames = re.findall(r'<div class="explorer-frame" data-index="(\d)" style="display:(\w+)">(.*?)</div>', page)
    assert [f[0] for f in frames] == ["0", "1", "2", "3"]
    assert [f[2] for f in frames] == ["<p>x: 1</p>", "<p>x: 4</p>", "<p>x: 9</p>", "<p>x: 16</p>"]
    assert [f[1] for f in frames] == ["none", "none", "block", "none"]  # the default is shown first
    assert 'type="range"' in page and 'max="3"' in page and 'value="2"' in page
    assert 'addEventListener("input", show)' in page and "<script" in page and "http" not in page  # no CDN


def test_other_controls_are_fixed_and_said_so_in_static_mode():
    ex = Explorer(square, {"n": [1, 2], "label": {"ex": "x", "why": "y"}}, mode="static", kind="select")
    page = ex.to_html()
    assert "<select" in page and "label = ex" in page and "run the chapter" in page


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
    assert "Not possible:</b> n must be &gt;= 0; got -1" in page and "Traceback" not in page


def test_figures_become_inline_png_with_a_white_background():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    html = render_to_html(fig)
    assert html.startswith('<img src="data:image/png;base64,') and "background:white" in html
    assert not plt.get_fignums()  # the figure was closed


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
    monkeypatch.setenv("RESNET_BOOK_STATIC", "1")
    assert ex.resolved_mode() == "static"
    monkeypatch.delenv("RESNET_BOOK_STATIC")
    assert ex.resolved_mode() == "live"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"controls": {}}, "at least one control"),
        ({"controls": {"n": []}}, "at least one option"),
        ({"controls": {"n": [1]}, "static": "m"}, "static control 'm' is not one of"),
        ({"controls": {"n": [1]}, "defaults": {"n": 5}}, "default n=5 is not among its options"),
        ({"controls": {"n": [1]}, "kind": "knob"}, "kind must be 'slider' or 'select'"),
    ],
)
def test_bad_explorer_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Explorer(square, **kwargs)
