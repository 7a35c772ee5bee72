"""CPU training throughput of CIFAR ResNet-20: resnet_lib's fit() vs a straightforward loop.

Issue 6: fit() must be at least as fast as a plain reference loop on the same model, and we
report the fraction of this machine's matmul peak it reaches. Everything is measured in
this one run, interleaved (fit, reference, fit, reference, ...) so that other processes on
a shared machine slow both alike; the medians are compared. Prints ratios, asserts nothing.

The reference is what one writes without a library: uint8 tensors in memory, per-image
pad-4 crop and flip by slicing in a Python loop (torchvision's RandomCrop + RandomHorizontalFlip,
without a DataLoader), normalisation, SGD momentum 0.9 with weight decay, batch 128.

FLOPs of one training image: 3 x forward multiply-adds (forward, and a backward pass that
costs about two forwards) x 2 FLOPs per multiply-add.

    .venv/bin/python bench/bench_training.py [--steps 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from resnet_lib import cifar_resnet, network_count
from resnet_lib.data import normalize, synthetic_cifar
from resnet_lib.training import TrainConfig, fit

BATCH = 128


def matmul_peak(n: int = 2048, repeats: int = 10) -> float:
    """Best-of fp32 GFLOP/s of an n x n matmul on this CPU (2 n^3 FLOPs each)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / best / 1e9


def reference_loop(
    model: torch.nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    steps: int,
    seed: int,
) -> float:
    """A straightforward training loop; returns images per second."""
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.SGD(
        model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4
    )
    model.train()
    order = torch.randperm(len(images), generator=g)
    t0 = time.perf_counter()
    for s in range(steps):
        idx = order[s * BATCH : (s + 1) * BATCH]
        padded = F.pad(images[idx], (4, 4, 4, 4))
        crops = []
        for img in padded:  # per image, as torchvision's transforms do
            dy, dx = torch.randint(0, 9, (2,), generator=g).tolist()
            crop = img[:, dy : dy + 32, dx : dx + 32]
            crops.append(
                crop.flip(-1)
                if torch.rand(1, generator=g).item() < 0.5
                else crop
            )
        x = normalize(torch.stack(crops))
        loss = F.cross_entropy(model(x), labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return steps * BATCH / (time.perf_counter() - t0)


def fit_throughput(
    model: torch.nn.Module, data, steps: int, seed: int, channels_last: bool
) -> float:
    cfg = TrainConfig(
        iterations=steps,
        batch_size=BATCH,
        lr=0.1,
        schedule="constant",
        eval_every=0,
        seed=seed,
        channels_last=channels_last,
    )
    h = fit(model, data, cfg, progress=False, log_every=steps)
    return h.images_per_second


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--steps", type=int, default=8, help="training steps per measurement"
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="interleaved rounds (medians are reported)",
    )
    args = p.parse_args()

    data = synthetic_cifar(
        "train", n_per_class=(args.steps * BATCH) // 10 + 1, size=32
    )
    torch.manual_seed(0)
    models = {name: cifar_resnet(20) for name in ("fit", "fit_cl", "ref")}
    for m in list(models.values())[1:]:
        m.load_state_dict(models["fit"].state_dict())
    # warm-up: first iterations allocate memory and pick kernels
    fit_throughput(models["fit"], data, 2, 99, False)
    fit_throughput(models["fit_cl"], data, 2, 99, True)
    reference_loop(models["ref"], data.images, data.labels, 2, 99)

    speeds: dict[str, list[float]] = {"ref": [], "fit": [], "fit_cl": []}
    peaks = []
    for r in range(args.rounds):
        peaks.append(matmul_peak())
        speeds["ref"].append(
            reference_loop(
                models["ref"], data.images, data.labels, args.steps, r
            )
        )
        speeds["fit"].append(
            fit_throughput(models["fit"], data, args.steps, r, False)
        )
        speeds["fit_cl"].append(
            fit_throughput(models["fit_cl"], data, args.steps, r, True)
        )
        print(
            f"round {r}: "
            + ", ".join(f"{k} {v[-1]:.0f} img/s" for k, v in speeds.items())
            + f", matmul {peaks[-1]:.0f} GFLOP/s",
            flush=True,
        )

    med = {k: statistics.median(v) for k, v in speeds.items()}
    peak = max(peaks)
    macs = network_count(models["fit"].config, 32).macs
    flops_per_image = 3 * macs * 2
    print(
        f"\nCIFAR ResNet-20, batch {BATCH}, {torch.get_num_threads()} threads, fp32, {args.rounds} rounds x {args.steps} steps"
    )
    print(
        f"forward multiply-adds per image {macs / 1e6:.1f} M -> training FLOPs per image {flops_per_image / 1e9:.3f} G"
    )
    print(
        f"matmul peak (best 2048^3 of {len(peaks) * 10}): {peak:.0f} GFLOP/s"
    )
    for k, label in (
        ("ref", "reference loop"),
        ("fit", "fit(), NCHW"),
        ("fit_cl", "fit(), channels_last"),
    ):
        gflops = med[k] * flops_per_image / 1e9
        print(
            f"{label:22s} {med[k]:7.0f} img/s  {gflops:6.1f} GFLOP/s  {100 * gflops / peak:5.1f}% of peak  "
            f"ratio to reference {med[k] / med['ref']:.2f}"
        )


if __name__ == "__main__":
    main()
