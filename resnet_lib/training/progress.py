"""How :func:`~resnet_lib.training.fit` shows its progress: the caller's choice.

``fit(progress=...)`` takes one of

* ``True`` or ``"bar"``: a tqdm bar with loss, accuracy and images per second (a live
  widget in Jupyter and Colab, text in a terminal);
* ``"lines"``: about eight printed lines, which read well in a log or on a static page
  (where a frozen bar would show its first frame, "0%");
* ``False``, ``None`` or ``"none"``: nothing;
* a callable ``(step, total, history) -> None``, called after every optimizer step.

The training loop does not look at its environment to decide; a book chapter asks
:func:`resnet_lib.book.notebook.training_progress` which one suits the page it is on.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Callable, Optional, Union

if TYPE_CHECKING:
    from .history import History

ProgressCallback = Callable[[int, int, "History"], None]
ProgressArg = Union[bool, str, ProgressCallback, None]
STYLES = ("bar", "lines", "none")


class Progress:
    """Shows nothing; the base of the other displays."""

    def update(self, step: int, history: History) -> None:
        pass

    def close(self) -> None:
        pass


class BarProgress(Progress):
    """A tqdm bar (``tqdm.auto``: a widget in notebooks, text in a terminal)."""

    def __init__(self, total: int, initial: int, desc: str):
        from tqdm.auto import tqdm

        self.bar = tqdm(
            total=total,
            initial=initial,
            desc=desc,
            mininterval=1.0,
            leave=True,
            dynamic_ncols=True,
        )

    def update(self, step: int, history: History) -> None:
        if not history.train_loss:
            return
        self.bar.update(step - self.bar.n)
        self.bar.set_postfix(
            loss=f"{history.train_loss[-1]:.3f}",
            acc=f"{1 - history.train_error[-1]:.3f}",
            img_s=f"{history.images_per_second:.0f}",
            refresh=False,
        )

    def close(self) -> None:
        self.bar.close()


class LineProgress(Progress):
    """About ``lines`` printed lines over the run, each with loss, accuracies and speed."""

    def __init__(self, total: int, desc: str, lines: int = 8):
        self.total, self.desc = total, desc
        self.every = max(total // lines, 1)

    def update(self, step: int, history: History) -> None:
        if not history.train_loss or not self._prints(step):
            return
        test = (
            history.test_error[-1]
            if history.eval_steps and history.eval_steps[-1] == step
            else None
        )
        self._line(step, len(history.steps) - 1, history, test)

    def replay(self, history: History) -> None:
        """Print the lines a finished run printed, from its history (a network loaded
        from the trained-network cache shows the log of its training, as the run that
        trained it did; the speed is the run's average)."""
        evals = dict(zip(history.eval_steps, history.test_error))
        for step in range(1, self.total + 1):
            # the last logging interval averaged by then, as update() saw it
            i = bisect.bisect_right(history.steps, step) - 1
            if i >= 0 and self._prints(step):
                self._line(step, i, history, evals.get(step))

    def _prints(self, step: int) -> bool:
        return step % self.every == 0 or step == self.total

    def _line(
        self, step: int, i: int, history: History, test_error: Optional[float]
    ) -> None:
        # compact, so that a line fits the book's 79-character column
        test = (
            f" test acc {1 - test_error:.1%}" if test_error is not None else ""
        )
        print(
            f"{self.desc} {step:>{len(str(self.total))}}/{self.total} "
            f"loss {history.train_loss[i]:.3f} "
            f"train acc {1 - history.train_error[i]:.1%}{test} "
            f"{history.images_per_second:,.0f} img/s",
            flush=True,
        )


class CallbackProgress(Progress):
    """Calls ``callback(step, total, history)`` after every step."""

    def __init__(self, callback: ProgressCallback, total: int):
        self.callback, self.total = callback, total

    def update(self, step: int, history: History) -> None:
        self.callback(step, self.total, history)


def make_progress(
    progress: ProgressArg,
    total: int,
    initial: int = 0,
    desc: str = "train",
    enabled: bool = True,
) -> Progress:
    """The display that ``progress`` names (see the module's docstring); nothing when not
    ``enabled`` (the processes other than rank 0 of a distributed run).

    Raises:
        ValueError: ``progress`` is none of the allowed values.
    """
    if callable(progress):
        return CallbackProgress(progress, total) if enabled else Progress()
    if progress is True:
        style = "bar"
    elif progress is False or progress is None:
        style = "none"
    elif isinstance(progress, str) and progress in STYLES:
        style = progress
    else:
        raise ValueError(
            f"progress must be True, False, None, one of {', '.join(map(repr, STYLES))} "
            f"or a callable (step, total, history); got {progress!r}"
        )
    if not enabled or style == "none":
        return Progress()
    if style == "bar":
        return BarProgress(total, initial, desc)
    return LineProgress(total, desc)
