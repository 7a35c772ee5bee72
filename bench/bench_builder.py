"""Architecture builder speed: one update for ResNet-152 at 224x224, first and repeated.

Targets (issue 5): first update <= 2 s, repeated <= 0.5 s on a 2-core CPU. Printed beside a
reference measured in the same run: a bare torchinfo.summary of torchvision's resnet152
(including building it), which is what a naive builder would do on every update.
"""

import time

import torchinfo
import torchvision

from resnet_lib.architecture import _report, describe_named


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    describe_named("ResNet-18")  # warm up imports and allocator
    _report.cache_clear()
    reference = min(timed(lambda: torchinfo.summary(torchvision.models.resnet152(), input_size=(1, 3, 224, 224),
                                                    verbose=0)) for _ in range(2))
    first = timed(lambda: describe_named("ResNet-152"))
    repeated = min(timed(lambda: describe_named("ResNet-152")) for _ in range(20))
    print(f"reference (torchvision resnet152 + torchinfo.summary): {reference:.3f} s")
    print(f"builder, first update:    {first:.3f} s   ratio to reference {first / reference:.2f}   target <= 2 s")
    print(f"builder, repeated update: {repeated * 1000:.3f} ms  ratio to reference {repeated / reference:.5f}   target <= 0.5 s")


if __name__ == "__main__":
    main()
