"""Architecture builder speed: one update for ResNet-152 at 224x224, first and repeated.

Targets (issue 5): first update <= 2 s, repeated <= 0.5 s on a 2-core CPU. An "update" is
what the builder does when a control changes: describe the network (build it, run
torchinfo, count in closed form, find the nearest named ResNet) and render the report's
HTML. Printed beside a reference measured in the same run: a bare torchinfo.summary of
torchvision's resnet152 (including building it), which is what a naive builder would do
on every update. Wall and CPU seconds are both printed, with the load average, because
the machine may be shared (CPU seconds are less sensitive to other people's jobs).

    .venv/bin/python bench/bench_builder.py
"""

import os
import time

import torch
import torchinfo
import torchvision

from resnet_lib.book.architecture_builder import _report, describe_named


def timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def update() -> str:
    return describe_named("ResNet-152")._repr_html_()


def main() -> None:
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.1f}"
    )
    describe_named("ResNet-18")  # warm up imports and allocator
    _report.cache_clear()
    reference = min(
        (
            timed(
                lambda: torchinfo.summary(
                    torchvision.models.resnet152(weights=None),
                    input_size=(1, 3, 224, 224),
                    verbose=0,
                )
            )
            for _ in range(2)
        ),
        key=lambda t: t[0],
    )
    first = timed(update)
    repeated = min((timed(update) for _ in range(20)), key=lambda t: t[0])
    print(
        f"reference (torchvision resnet152 + torchinfo.summary): {reference[0]:.3f} s wall, {reference[1]:.3f} s CPU"
    )
    print(
        f"builder, first update:    {first[0]:.3f} s wall, {first[1]:.3f} s CPU; "
        f"ratio to reference {first[0] / reference[0]:.2f}; target <= 2 s"
    )
    print(
        f"builder, repeated update: {repeated[0] * 1000:.3f} ms wall; "
        f"ratio to reference {repeated[0] / reference[0]:.5f}; target <= 0.5 s"
    )


if __name__ == "__main__":
    main()
