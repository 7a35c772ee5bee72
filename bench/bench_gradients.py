"""Gradient explorer speed: one update (a new frame) at depth 110, every architecture choice.

Target (issue 4): <= 2 s per update on a 2-core CPU. Printed beside a reference measured in
the same run, so that a loaded or faster machine reads the same: one bare forward+backward
of torchvision's resnet18 on a batch of 2 images at 224x224 (train mode, cross-entropy),
on one thread, as the explorer's profiles run (``gradient_profile`` uses one CPU thread:
on a busy 2-core machine that was 1.5-10x faster than two).
An update is what the explorer does when a control moves: build the network, one
forward+backward, the plot, and its PNG (``Explorer.frame``, uncached).

    .venv/bin/python bench/bench_gradients.py
"""

import time

import torch
import torch.nn.functional as F
import torchvision

from resnet_lib.book.explorer import Explorer
from resnet_lib.book.plots import ARCHITECTURES, gradient_plot
from resnet_lib.device import cpu_threads


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def reference() -> float:
    net = torchvision.models.resnet18().train()
    x, y = torch.randn(2, 3, 224, 224), torch.randint(0, 1000, (2,))

    def step():
        F.cross_entropy(net(x), y).backward()

    with cpu_threads(1):
        step()  # warm-up
        return min(timed(step) for _ in range(3))


def main() -> None:
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    gradient_plot(20)  # warm up imports, matplotlib and the allocator
    ref = reference()
    print(
        f"reference (torchvision resnet18, forward+backward, 2 x 224x224, 1 thread): {ref:.3f} s"
    )
    for architecture in ARCHITECTURES:
        for activation in ("relu", "sigmoid"):
            explorer = Explorer(
                gradient_plot,
                {
                    "depth": [110],
                    "architecture": [architecture],
                    "activation": [activation],
                },
                mode="live",
            )
            times = [
                timed(lambda: (explorer._cache.clear(), explorer.frame()))
                for _ in range(3)
            ]
            best, worst = min(times), max(times)
            print(
                f"depth 110, {architecture:17s} {activation:7s}: best {best:.2f} s, worst {worst:.2f} s, "
                f"ratio to reference {best / ref:.1f}   target <= 2 s"
            )


if __name__ == "__main__":
    main()
