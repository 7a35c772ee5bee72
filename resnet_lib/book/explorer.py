"""Explorers that respond in the static HTML book *and* live in a kernel.

A saved ipywidget in a static page is a frozen snapshot: its slider moves but nothing
happens. So an :class:`Explorer` has two faces, chosen when it is displayed:

* **static** (while the book is built): every option of the main control is rendered
  once, ahead of time, and the page gets a self-contained HTML+JavaScript block (a
  slider or a select over precomputed frames, no CDN, no kernel). This is what
  matplotlib's ``to_jshtml`` does for animations, applied to any render function.
* **live** (Jupyter, Colab, VS Code): ipywidgets controls for every parameter; each
  change calls the render function again, on the GPU when the chapter chose one.

The book's build sets ``RESNET_BOOK_STATIC=1`` (a tiny Sphinx extension does it before
notebooks are executed), so the same chapter cell gives the right face everywhere;
``mode=`` overrides it. A render function returns a matplotlib ``Figure``, an HTML string
or anything with ``_repr_html_``.

Errors: a ``ValueError`` or ``TypeError`` from the render function means "impossible
choice" (e.g. a stage with 0 blocks) and is shown as a message in both faces. Any other
exception is a bug: in the live face it is shown as a message too (a widget callback's
traceback would vanish into the log), but while the book is built it propagates, so the
cell fails and the build fails instead of publishing an error frame.

Why a mode switch and not one MIME bundle with both faces: myst-nb can prefer
``text/html`` over the widget view (``nb_mime_priority_overrides``), but then every
display in a live kernel would precompute every frame nobody sees (a chapter's frames
can cost seconds each), and the build would still create widgets and save their frozen
state into the page. Choosing the face at display time does neither.

Links: a control can set others (``links``), so that the controls always show what is
built: in the architecture builder, choosing ResNet-18 sets the block, the blocks per stage
and every other knob to ResNet-18's, and turning a knob makes the network "custom". The live
face applies a link when the reader changes its control (one frame for the whole change);
the static page applies the precomputed control's link to each frame, and its note says
what each frame was computed with.

Words: the explorer's own (its static page's note, an error's heading) are in the reader's
language (:mod:`resnet_lib.i18n`), and so are the title, the controls' names and the
options' labels where the library's catalog has them (mark them with ``_`` or ``N_``):
each is a whole text node of the static page, which is how a translated edition of the
book finds them.
"""

from __future__ import annotations

import html
import itertools
import json
import os
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, Mapping, Optional, Sequence, Union

from .. import i18n
from ..i18n import Text, _

#: the environment variable that asks for the static face: the book's build sets it
#: (book/_ext/book_build.py, and scripts/execute_book.py for the kernels it starts)
STATIC_ENV = "RESNET_BOOK_STATIC"
_ids = itertools.count()

Options = Union[Sequence[Any], Mapping[str, Any]]


def _as_pairs(options: Options) -> list[tuple[str, Any]]:
    """``[(label, value), ...]`` from a list of values or a ``{label: value}`` mapping."""
    # a label marked with N_ (an i18n.Message) stays one: it is shown translated
    if isinstance(options, Mapping):
        pairs = [
            (k if isinstance(k, str) else str(k), v)
            for k, v in options.items()
        ]
    else:
        pairs = [(v if isinstance(v, str) else str(v), v) for v in options]
    if not pairs:
        raise ValueError("a control needs at least one option")
    return pairs


def _label(label: Any) -> str:
    """An option's label: words marked with ``N_`` in the reader's language, a value
    as it is (``"none"``, ``"basic"`` stay values)."""
    return (
        i18n.gettext(label) if isinstance(label, i18n.Message) else str(label)
    )


def _shown(name: Any) -> str:
    """A control's name or a title in the reader's language, where the library's
    catalog has it as a whole message (``"depth"``). An option's label is shown as it
    was given: a value (``"none"``, ``"basic"``) stays a value, and a word is given
    translated (``{_("all"): None, ...}``)."""
    return i18n.gettext(str(name))


def render_to_html(result: Any) -> str:
    """HTML for what a render function returned: a Figure (as PNG), HTML, or text.

    In a language other than English a Figure is an SVG with its words as text, which
    the reader's browser draws (matplotlib's fonts have no Chinese glyphs).
    """
    figure_types: tuple[type, ...]
    try:
        from matplotlib.figure import Figure

        figure_types = (Figure,)
    except ImportError:  # pragma: no cover
        figure_types = ()
    if isinstance(result, figure_types):
        from .notebook import figure_uri

        alt = html.escape(_("explorer frame"))
        style = "max-width:100%;background:white"
        return f'<img src="{figure_uri(result)}" style="{style}" alt="{alt}">'
    if hasattr(result, "_repr_html_"):
        return result._repr_html_()
    if isinstance(result, str):
        return result
    return f"<pre>{html.escape(str(result))}</pre>"


def error_html(message: str, prefix: Optional[str] = None) -> str:
    """A message box in place of a frame (never a traceback).

    ``prefix``: the bold words before the message, colon included (default "Not
    possible:", in the reader's language).
    """
    prefix = _("Not possible:") if prefix is None else prefix
    return (
        f'<div class="explorer-error" style="border-left:4px solid #b35900;padding:6px 10px">'
        f"<b>{html.escape(prefix)}</b> {html.escape(message)}</div>"
    )


#: exceptions that mean "this combination of values is impossible", not "bug"
IMPOSSIBLE = (ValueError, TypeError)


def _safe_render(
    render: Callable[..., Any], kwargs: dict, strict: bool
) -> str:
    """``render(**kwargs)`` as HTML; an impossible choice (or, unless ``strict``, any
    error) becomes a message."""
    try:
        return render_to_html(render(**kwargs))
    except IMPOSSIBLE as err:
        return error_html(str(err))
    except Exception as err:
        if strict:
            raise
        return error_html(f"{type(err).__name__}: {err}", prefix=_("Error:"))


def static_mode() -> bool:
    """True while the book is being built (``RESNET_BOOK_STATIC`` is set)."""
    return os.environ.get(STATIC_ENV, "") not in ("", "0")


@dataclass
class Explorer:
    """An explorer over ``controls``; displays as precomputed frames or live widgets.

    Args:
        render: ``render(**values) -> Figure | HTML str | object with _repr_html_``.
        controls: ``{name: options}``, options a list of values or ``{label: value}``;
            the first control is the main one, precomputed for the static page.
        defaults: starting value of each control (default: the first option; for the
            main control of a slider, too).
        static: the control to precompute (default: the first); the others stay at
            their defaults in the static page, which says so.
        static_options: the values of the ``static`` control to precompute (default:
            all of them); the live face still offers every option.
        title: a caption shown above the explorer (``_("...")``: in the reader's
            language).
        kind: ``"slider"`` (ordered options, e.g. depth) or ``"select"`` for the main control.
        mode: ``"static"``, ``"live"`` or ``None`` (decide from the environment).
        links: ``{name: function}``: when control ``name`` takes a value, ``function(value)``
            gives other controls' new values (``{}``: they keep theirs). A value not among
            a control's options is added to them. The links of the main control and of
            the controls in ``defaults`` set the starting values (``defaults`` win).
    """

    render: Callable[..., Any]
    controls: dict[str, Options]
    defaults: dict[str, Any] = field(default_factory=dict)
    static: Optional[str] = None
    static_options: Optional[Sequence[Any]] = None
    title: Union[str, Text] = ""
    kind: str = "slider"
    mode: Optional[str] = None
    links: Mapping[str, Callable[[Any], Mapping[str, Any]]] = field(
        default_factory=dict
    )

    def __post_init__(self) -> None:
        if not self.controls:
            raise ValueError("an Explorer needs at least one control")
        self.static = self.static or next(iter(self.controls))
        if self.static not in self.controls:
            raise ValueError(
                f"static control {self.static!r} is not one of {list(self.controls)}"
            )
        if self.kind not in ("slider", "select"):
            raise ValueError(
                f"kind must be 'slider' or 'select'; got {self.kind!r}"
            )
        if self.mode not in (None, "static", "live"):
            raise ValueError(
                f"mode must be 'static', 'live' or None; got {self.mode!r}"
            )
        self._pairs = {
            name: _as_pairs(opts) for name, opts in self.controls.items()
        }
        for name, value in self.defaults.items():
            if name not in self._pairs or value not in [
                v for _, v in self._pairs[name]
            ]:
                raise ValueError(
                    f"default {name}={value!r} is not among its options"
                )
        if self.static_options is not None:
            values = [v for _, v in self._pairs[self.static]]
            unknown = [v for v in self.static_options if v not in values]
            if unknown or not self.static_options:
                raise ValueError(
                    f"static_options must be a non-empty subset of {values}; got {list(self.static_options)}"
                )
        unknown = [name for name in self.links if name not in self._pairs]
        if unknown:
            raise ValueError(
                f"links of {unknown} name no control; the controls are {list(self._pairs)}"
            )
        self._cache: dict[tuple, str] = {}
        self._widget: Any = None  # an ipywidgets VBox, once built

    # ---------------------------------------------------------------- values

    def linked(self, name: str, value: Any) -> dict[str, Any]:
        """The other controls' values that control ``name`` sets when it takes ``value``
        (``links``; ``{}`` where it has none)."""
        if name not in self.links:
            return {}
        values = dict(self.links[name](value))
        wrong = [n for n in values if n not in self._pairs or n == name]
        if wrong:
            raise ValueError(
                f"the link of {name!r} sets {wrong}; it may set only the other controls, "
                f"{[n for n in self._pairs if n != name]}"
            )
        return values

    def default_values(self) -> dict[str, Any]:
        """Each control's starting value: its default, or what the links of the main
        control and of the defaults set, or its first option."""
        values = {
            name: self.defaults.get(name, pairs[0][1])
            for name, pairs in self._pairs.items()
        }
        main = self._static_control()
        for name in [main, *(n for n in self.defaults if n != main)]:
            values.update(
                self.linked(name, self.defaults.get(name, values[name]))
            )
        return {**values, **self.defaults}

    def frame(self, **values: Any) -> str:
        """HTML of one frame (cached by the control values and the language)."""
        full = {**self.default_values(), **values}
        key = (i18n.language(), *(repr(full[name]) for name in self._pairs))
        if key not in self._cache:
            self._cache[key] = _safe_render(
                self.render, full, strict=self.resolved_mode() == "static"
            )
        return self._cache[key]

    # ---------------------------------------------------------------- static face

    def _static_control(self) -> str:
        """The name of the control the static page precomputes (``__post_init__`` fills ``static`` in)."""
        if self.static is None:
            raise RuntimeError(
                "Explorer.static is unset; __post_init__ sets it to the first control"
            )
        return self.static

    def to_html(self) -> str:
        """Self-contained HTML: precomputed frames of the main control and a control to flip them."""
        uid = f"rexp{os.getpid()}x{next(_ids)}"
        static = self._static_control()
        pairs = self._pairs[static]
        if self.static_options is not None:
            pairs = [
                (label, v) for label, v in pairs if v in self.static_options
            ]
        base = self.default_values()
        if base[static] not in [v for _, v in pairs]:
            base = {
                **base,
                **self.linked(static, pairs[0][1]),
                static: pairs[0][1],
            }
        # each frame with the values its link sets (the others stay at their defaults)
        settings = [
            {**base, **self.linked(static, value), static: value}
            for _, value in pairs
        ]
        frames = [self.frame(**values) for values in settings]
        start = [v for _, v in pairs].index(base[static])
        notes = [self._note(values, static) for values in settings]
        if len(set(notes)) == 1:  # the same for every frame: said once
            note = notes[0]
        else:  # shown with its frame
            note = "".join(
                f'<div class="explorer-note" data-index="{i}" style="display:{"block" if i == start else "none"}">{n}</div>'
                for i, n in enumerate(notes)
            )
        shown = [_label(label) for label, _v in pairs]
        labels = json.dumps(shown).replace(
            "</", "<\\/"
        )  # safe inside <script>
        if self.kind == "slider":
            control = (
                f'<input type="range" id="{uid}-in" min="0" max="{len(pairs) - 1}" step="1" value="{start}" '
                f'style="width:min(420px,90%)" aria-label="{html.escape(_shown(static))}">'
            )
        else:
            opts = "".join(
                f'<option value="{i}"{" selected" if i == start else ""}>{html.escape(label)}</option>'
                for i, label in enumerate(shown)
            )
            control = f'<select id="{uid}-in" aria-label="{html.escape(_shown(static))}">{opts}</select>'
        divs = "".join(
            f'<div class="explorer-frame" data-index="{i}" style="display:{"block" if i == start else "none"}">{f}</div>'
            for i, f in enumerate(frames)
        )
        title = (
            f'<div style="font-weight:bold">{html.escape(_shown(self.title))}</div>'
            if self.title
            else ""
        )
        # the control's name with its colon (a full-width one in Chinese)
        name = html.escape(str(Text("{name}:", name=_shown(static))))
        return f"""<div class="resnet-explorer" id="{uid}" data-frames="{len(frames)}">{title}
<label style="display:flex;gap:0.6em;align-items:center;flex-wrap:wrap"><span>{name}</span> {control}
<output id="{uid}-out" style="font-weight:bold">{html.escape(shown[start])}</output></label>{note}
<div class="explorer-frames">{divs}</div>
<script>(function() {{
  var root = document.getElementById("{uid}"), input = document.getElementById("{uid}-in"),
      out = document.getElementById("{uid}-out"), labels = {labels};
  function show() {{
    var k = parseInt(input.value, 10);
    root.querySelectorAll(".explorer-frame, .explorer-note").forEach(function(f) {{
      f.style.display = (parseInt(f.dataset.index, 10) === k) ? "block" : "none"; }});
    out.textContent = input.options ? input.options[k].text : labels[k];
  }}
  input.addEventListener("input", show); input.addEventListener("change", show);
}})();</script></div>"""

    def _note(self, values: Mapping[str, Any], static: str) -> str:
        """The static page's note: what the controls other than ``static`` were set to."""
        fixed = [
            f"{html.escape(_shown(n))} = "
            f"{html.escape(_label(self._label(n, values[n])))}"
            for n in self._pairs
            if n != static
        ]
        if not fixed:
            return ""
        precomputed = Text(
            "Precomputed for this page with {settings}; run the chapter "
            "(Colab / Jupyter) to change everything.",
            settings=", ".join(fixed),
        )
        return (
            f'<div style="font-size:0.85em;opacity:0.8">{precomputed!s}</div>'
        )

    def _label(self, name: str, value: Any) -> str:
        return next(
            (label for label, v in self._pairs[name] if v == value), str(value)
        )

    # ---------------------------------------------------------------- live face

    def widget(self):
        """The live ipywidgets UI (built once)."""
        if self._widget is not None:
            return self._widget
        import ipywidgets as w

        start = self.default_values()
        # a description as wide as its words: at the default width (a fixed 80 px)
        # JupyterLab and the Notebook cut "width_per_group" to "width_per..."
        style = {"description_width": "initial"}
        controls = {}
        for name, pairs in self._pairs.items():
            options = self._with_option(
                name, [(_label(label), v) for label, v in pairs], start[name]
            )
            if name == self.static and self.kind == "slider":
                controls[name] = w.SelectionSlider(
                    options=options,
                    value=start[name],
                    description=_shown(name),
                    continuous_update=False,
                    style=style,
                )
            else:
                controls[name] = w.Dropdown(
                    options=options,
                    value=start[name],
                    description=_shown(name),
                    style=style,
                )
        out = w.HTML(self.frame(**start))
        # while a link sets other controls: no frame until the end
        linking = False

        def update(_change=None) -> None:
            if not linking:
                out.value = self.frame(
                    **{n: c.value for n, c in controls.items()}
                )

        def follow(change, name: str) -> None:
            """Set the controls that ``name``'s link sets, then draw one frame."""
            nonlocal linking
            if linking:  # a value set by a link sets nothing in turn
                return
            linking = True
            try:
                for other, value in self.linked(name, change["new"]).items():
                    control = controls[other]
                    control.options = self._with_option(
                        other, list(control.options), value
                    )
                    control.value = value
            # a link's error, shown (a widget callback's would be lost in the log)
            except Exception as err:
                out.value = error_html(
                    f"{type(err).__name__}: {err}", prefix=_("Error:")
                )
                return
            finally:
                linking = False
            update()

        for name, c in controls.items():
            if name in self.links:
                c.observe(partial(follow, name=name), names="value")
            else:
                c.observe(update, names="value")
        title = (
            [w.HTML(f"<b>{html.escape(_shown(self.title))}</b>")]
            if self.title
            else []
        )
        self._widget = w.VBox(
            title
            + [
                w.HBox(
                    list(controls.values()),
                    layout=w.Layout(flex_flow="row wrap"),
                ),
                out,
            ]
        )
        self._widget.update = (
            update  # for tests and callers that change values programmatically
        )
        self._widget.controls = controls
        self._widget.output = out
        return self._widget

    def _with_option(
        self, name: str, options: list[tuple[str, Any]], value: Any
    ) -> list[tuple[str, Any]]:
        """``options`` of control ``name`` with ``value`` added where a link (or a
        default) set it to a value it did not offer."""
        if value in [v for _, v in options]:
            return options
        return [*options, (_label(self._label(name, value)), value)]

    # ---------------------------------------------------------------- display

    def resolved_mode(self) -> str:
        return self.mode or ("static" if static_mode() else "live")

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        if self.resolved_mode() == "static":
            display(HTML(self.to_html()))
        else:
            display(self.widget())
