"""The trainer: learning, resumability, atomic checkpoints, clear errors."""

import math
import os
from dataclasses import asdict, replace
from pathlib import Path

import pytest
import torch

from resnet_lib import cifar_resnet
from resnet_lib.book.explorer import STATIC_ENV
from resnet_lib.data import synthetic_cifar
from resnet_lib.device import amp_dtype
from resnet_lib.reference import CIFAR10_RECIPE
from resnet_lib.training import (
    CheckpointError,
    History,
    TrainConfig,
    augment_batch,
    evaluate,
    fast_recipe,
    fit,
    load_checkpoint,
    paper_recipe,
    paper_warmup,
    restore,
    save_checkpoint,
)


@pytest.fixture(scope="module")
def tiny():
    return synthetic_cifar("train", 16, size=8), synthetic_cifar(
        "test", 8, size=8
    )


def _model(seed=0):
    torch.manual_seed(seed)
    return cifar_resnet(8, base_width=4)


CFG = TrainConfig(
    iterations=12,
    batch_size=32,
    lr=0.05,
    schedule="multistep",
    milestones=(8,),
    eval_every=4,
)
# a warm-up on ``tiny`` (160 images / 32 = 5 steps per epoch), then a constant lr
WARMUP = TrainConfig(
    iterations=10,
    batch_size=32,
    lr=0.05,
    schedule="constant",
    warmup_iterations=6,
    warmup_lr=0.001,
    eval_every=0,
)


def test_paper_recipe_is_the_paper():
    cfg = paper_recipe()
    assert (
        cfg.iterations,
        cfg.batch_size,
        cfg.lr,
        cfg.momentum,
        cfg.weight_decay,
    ) == (64_000, 128, 0.1, 0.9, 1e-4)
    assert cfg.milestones == (32_000, 48_000) and cfg.augment
    assert [
        cfg.lr_at(s) for s in (0, 31_999, 32_000, 48_000)
    ] == pytest.approx([0.1, 0.1, 0.01, 0.001])
    warm = paper_recipe(warmup_iterations=400)  # ResNet-110
    assert warm.lr_at(399) == 0.01 and warm.lr_at(400) == 0.1
    assert paper_recipe(iterations=1000).milestones == (500, 750)


def test_fast_recipe_schedule_peaks_then_anneals():
    cfg = fast_recipe(iterations=100)
    lrs = [cfg.lr_at(s) for s in range(100)]
    assert (
        max(lrs) == pytest.approx(cfg.lr, rel=0.05)
        and lrs[0] < 0.1 * cfg.lr
        and lrs[-1] < 0.01 * cfg.lr
    )
    assert cfg.label_smoothing == 0.1 and cfg.channels_last and cfg.amp


def test_augmentation_is_crop_and_flip():
    g = torch.Generator().manual_seed(0)
    x = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).view(2, 3, 8, 8) + 1
    y = augment_batch(x, g, pad=4)
    assert y.shape == x.shape
    for i in range(
        2
    ):  # every output is a (flipped?) window of the zero-padded input
        padded = torch.nn.functional.pad(x[i], (4, 4, 4, 4))
        windows = [
            padded[:, a : a + 8, b : b + 8] for a in range(9) for b in range(9)
        ]
        assert any(
            torch.equal(y[i], w) or torch.equal(y[i], w.flip(-1))
            for w in windows
        )


@pytest.mark.slow  # a real training run: about 10 s
def test_training_learns_the_offline_data():
    train, test = (
        synthetic_cifar("train", 100, size=16),
        synthetic_cifar("test", 30, size=16),
    )
    torch.manual_seed(0)
    model = cifar_resnet(8, base_width=16)
    before = evaluate(model, test)[1]
    h = fit(
        model,
        train,
        TrainConfig(
            iterations=400,
            batch_size=50,
            lr=0.1,
            schedule="cosine",
            eval_every=0,
        ),
        test,
        progress=False,
    )
    assert before > 0.7 and h.test_error[-1] < 0.35  # chance is 0.9
    assert h.train_loss[-1] < h.train_loss[0]
    assert h.images_seen == 400 * 50 and h.images_per_second > 0


def test_resumed_run_equals_uninterrupted_run(tiny, tmp_path):
    train, test = tiny  # 160 images / 32 = 5 steps per epoch
    straight = _model()
    h1 = fit(
        straight,
        train,
        CFG,
        test,
        checkpoint=tmp_path / "a.pt",
        progress=False,
    )

    killed = _model()
    fit(
        killed,
        train,
        CFG,
        test,
        checkpoint=tmp_path / "b.pt",
        progress=False,
        stop_after=8,
    )  # dies mid-epoch 2
    assert (
        load_checkpoint(tmp_path / "b.pt")["step"] == 5
    )  # the last completed epoch
    resumed = _model(
        seed=123
    )  # a fresh process: different init, overwritten by the checkpoint
    h2 = fit(
        resumed,
        train,
        CFG,
        test,
        checkpoint=tmp_path / "b.pt",
        resume=True,
        progress=False,
    )

    for (k, a), b in zip(
        straight.state_dict().items(), resumed.state_dict().values()
    ):
        assert torch.equal(a, b), k
    assert h1.test_error == h2.test_error and h1.train_loss == h2.train_loss


def test_interrupted_write_keeps_last_good_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ck.pt"
    save_checkpoint(path, {"step": 1, "model": {"w": torch.ones(3)}})

    def dying_save(obj, f, *a, **k):
        f.write(b"PK\x03\x04 half a zip file")
        raise KeyboardInterrupt  # the process is killed mid-write

    monkeypatch.setattr(torch, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, {"step": 2, "model": {"w": torch.zeros(3)}})
    monkeypatch.undo()
    state = load_checkpoint(path)
    assert state["step"] == 1 and torch.equal(
        state["model"]["w"], torch.ones(3)
    )
    assert os.listdir(tmp_path) == ["ck.pt"]  # no temporary file left behind


@pytest.mark.parametrize("content", [b"", b"not a checkpoint at all", None])
def test_corrupt_checkpoint_is_a_clear_error(tmp_path, content):
    path = tmp_path / "ck.pt"
    if content is None:  # truncated real checkpoint
        save_checkpoint(path, {"step": 3, "model": _model().state_dict()})
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_bytes(content)
    with pytest.raises(
        CheckpointError,
        match=r"cannot be read; it is corrupt or truncated.*Nothing was loaded",
    ):
        load_checkpoint(path)


def test_foreign_or_malicious_pickle_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save(
        {"format": "resnet_lib.checkpoint/1", "obj": Path("x")}, path
    )  # not a plain tensor/dict
    with pytest.raises(CheckpointError, match="cannot be read"):
        load_checkpoint(path)
    torch.save({"model": {}}, path)
    with pytest.raises(CheckpointError, match="not a resnet_lib checkpoint"):
        load_checkpoint(path)
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "missing.pt")


def test_mismatched_checkpoint_is_refused_and_model_untouched(tmp_path):
    path = tmp_path / "ck.pt"
    src = cifar_resnet(20)
    save_checkpoint(
        path,
        {"model": src.state_dict(), "model_signature": asdict(src.config)},
    )
    other = cifar_resnet(32)
    before = {k: v.clone() for k, v in other.state_dict().items()}
    with pytest.raises(CheckpointError, match="different model.*layers"):
        restore(other, load_checkpoint(path), path=str(path))
    assert all(
        torch.equal(before[k], v) for k, v in other.state_dict().items()
    )


def test_resume_with_other_recipe_is_refused(tiny, tmp_path):
    train, _ = tiny
    fit(
        _model(),
        train,
        CFG,
        checkpoint=tmp_path / "c.pt",
        progress=False,
        stop_after=5,
    )
    with pytest.raises(CheckpointError, match="different TrainConfig"):
        fit(
            _model(),
            train,
            TrainConfig(iterations=12, batch_size=32, lr=0.1),
            checkpoint=tmp_path / "c.pt",
            resume=True,
            progress=False,
        )


def test_config_bad_input(tiny):
    with pytest.raises(ValueError, match="unknown schedule 'step'; allowed"):
        TrainConfig(schedule="step")
    with pytest.raises(ValueError, match="iterations must be positive; got 0"):
        TrainConfig(iterations=0)
    with pytest.raises(ValueError, match="smaller than one batch"):
        fit(
            _model(),
            tiny[0],
            TrainConfig(iterations=1, batch_size=1000),
            progress=False,
        )


def test_adaptive_warmup_ends_when_training_error_drops(tiny):
    train, _ = tiny
    cfg = WARMUP
    easy = fit(
        _model(),
        train,
        replace(cfg, warmup_until_error=1.0),
        progress=False,
        log_every=2,
    )
    assert (
        easy.warmup_end == 2
    )  # below 100% error at the first check: the warm-up ends there
    assert easy.lr == [0.001] + [0.05] * (len(easy.lr) - 1)
    never = fit(
        _model(),
        train,
        replace(cfg, warmup_until_error=1e-9),
        progress=False,
        log_every=2,
    )
    assert never.warmup_end == 6  # never below the threshold: the cap ends it
    assert {lr for s, lr in zip(never.steps, never.lr) if s <= 6} == {0.001}
    assert {lr for s, lr in zip(never.steps, never.lr) if s > 6} == {0.05}
    assert (
        fit(_model(), train, cfg, progress=False).warmup_end == 6
    )  # fixed warm-up
    assert (
        cfg.lr_at(3) == 0.001
        and cfg.lr_at(3, warmup_end=2) == 0.05
        and cfg.lr_at(5, warmup_end=None) == 0.001
    )
    with pytest.raises(ValueError, match="warmup_until_error"):
        TrainConfig(warmup_until_error=80)


def test_resume_mid_adaptive_warmup_equals_uninterrupted(tiny, tmp_path):
    train, _ = tiny
    cfg = replace(
        WARMUP,
        iterations=12,
        warmup_iterations=10,
        warmup_lr=0.01,
        warmup_until_error=0.97,
    )
    h1 = fit(
        _model(),
        train,
        cfg,
        checkpoint=tmp_path / "a.pt",
        progress=False,
        log_every=1,
    )
    fit(
        _model(),
        train,
        cfg,
        checkpoint=tmp_path / "b.pt",
        progress=False,
        log_every=1,
        stop_after=7,
    )
    h2 = fit(
        _model(seed=1),
        train,
        cfg,
        checkpoint=tmp_path / "b.pt",
        resume=True,
        progress=False,
        log_every=1,
    )
    assert (
        h1.warmup_end == h2.warmup_end
        and h1.lr == h2.lr
        and h1.train_loss == h2.train_loss
    )


def test_history_summary_is_one_line(tiny):
    h = History(
        steps=[10],
        train_loss=[1.0],
        train_error=[0.25],
        test_error=[0.5],
        seconds=2.0,
        images_seen=640,
    )
    assert (
        h.summary("resnet20")
        == "resnet20: 10 it in 2.0 s (320 img/s), train err 25.0%, test err 50.0%"
    )


def test_paper_warmup_is_lr_001_until_80_percent_error():
    cfg = paper_recipe(**paper_warmup())
    assert (
        cfg.warmup_lr == 0.01
        and cfg.warmup_until_error == 0.8
        and cfg.lr == 0.1
    )
    assert (
        cfg.lr_at(100, warmup_end=400) == 0.01
        and cfg.lr_at(400, warmup_end=400) == 0.1
    )


def test_progress_lines_are_a_few_plain_lines_and_true_is_a_bar(
    tiny, monkeypatch, capsys
):
    train, test = tiny
    monkeypatch.setenv(
        STATIC_ENV, "1"
    )  # the book's build: the loop must not look at it
    fit(_model(), train, CFG, test, progress="lines", log_every=1, desc="r8")
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert (
        1 < len(lines) <= 13 and "\r" not in out + err and "%|" not in err
    )  # no tqdm bar
    assert (
        lines[-1].startswith("r8 12/12 loss ")
        and "test acc" in lines[-1]
        and "img/s" in lines[-1]
    )
    fit(_model(), train, CFG, test, progress=True, log_every=1, desc="r8")
    assert (
        "r8: 100%" in capsys.readouterr().err
    )  # a tqdm bar in a terminal, whatever the environment says
    fit(_model(), train, CFG, test, progress=False, log_every=1)
    assert capsys.readouterr() == ("", "")


def test_progress_callback_sees_every_step_and_bad_values_are_refused(tiny):
    train, _ = tiny
    seen = []
    fit(
        _model(),
        train,
        CFG,
        progress=lambda step, total, history: seen.append(
            (step, total, len(history.steps))
        ),
        log_every=4,
    )
    assert [s for s, _, _ in seen] == list(range(1, 13)) and {
        t for _, t, _ in seen
    } == {12}
    assert (
        seen[-1][2] == 5
    )  # logged every 4 steps and at the epoch ends: 4, 5, 8, 10, 12
    with pytest.raises(
        ValueError,
        match=r"progress must be True, False, None, one of 'bar', 'lines', 'none'.*got 'tqdm'",
    ):
        fit(_model(), train, CFG, progress="tqdm")


def test_chapters_ask_the_book_how_to_show_progress(monkeypatch):
    from resnet_lib.book.notebook import training_progress

    monkeypatch.setenv(STATIC_ENV, "1")
    assert training_progress() == "lines"
    monkeypatch.setenv(STATIC_ENV, "0")
    assert training_progress() == "bar"


# ---------------------------------------------------------------- mixed precision


@pytest.mark.parametrize(
    "capability, expected",
    [
        ((7, 0), torch.float16),
        ((7, 5), torch.float16),
        ((8, 0), torch.bfloat16),
        ((9, 0), torch.bfloat16),
    ],
)
def test_amp_dtype_is_bfloat16_only_where_the_gpu_computes_it(
    monkeypatch, capability, expected
):
    # A T4 (7.5) *emulates* bfloat16: torch.cuda.is_bf16_supported() says True there by default
    monkeypatch.setattr(
        torch.cuda, "is_bf16_supported", lambda including_emulation=True: True
    )
    monkeypatch.setattr(
        torch.cuda, "get_device_capability", lambda device=None: capability
    )
    monkeypatch.setattr(torch.version, "hip", None)
    assert amp_dtype("cuda") == expected
    assert amp_dtype("cpu") == torch.bfloat16  # CPU autocast's dtype


def test_fit_uses_a_grad_scaler_exactly_for_float16(monkeypatch):
    import resnet_lib.training.loop as training

    made = []
    real = training._grad_scaler
    monkeypatch.setattr(
        training,
        "_grad_scaler",
        lambda device, enabled: made.append(enabled) or real(device, enabled),
    )
    for dtype, scaled in ((torch.float16, True), (torch.bfloat16, False)):
        monkeypatch.setattr(
            training,
            "_precision",
            lambda config, device, dtype=dtype: (True, dtype),
        )
        fit(
            _model(),
            synthetic_cifar("train", 4, size=8),
            TrainConfig(iterations=1, batch_size=8, eval_every=0),
            progress=False,
        )
        assert made.pop() is scaled


def test_checkpoint_round_trips_the_grad_scaler(tmp_path):
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**20, growth_interval=3)
    w = torch.nn.Parameter(torch.ones(2))
    opt = torch.optim.SGD([w], lr=0.1)
    for value in (
        float("inf"),
        1.0,
        1.0,
    ):  # one overflow (scale halves, step skipped), two good steps
        opt.zero_grad()
        scaler.scale((w * value).sum()).backward()
        scaler.step(opt)
        scaler.update()
    assert (
        scaler.get_scale() == 2.0**19
        and scaler.state_dict()["_growth_tracker"] == 2
    )
    model = _model()
    save_checkpoint(
        tmp_path / "ck.pt",
        {"model": model.state_dict(), "scaler": scaler.state_dict()},
    )
    fresh = torch.amp.GradScaler("cpu", init_scale=2.0**20, growth_interval=3)
    restore(model, load_checkpoint(tmp_path / "ck.pt"), scaler=fresh)
    assert fresh.state_dict() == scaler.state_dict()
    # a bfloat16 or float32 run's checkpoint (scaler state {}) leaves a float16 run's scaler as it is
    restore(model, {"model": model.state_dict(), "scaler": {}}, scaler=fresh)
    assert fresh.get_scale() == 2.0**19


def test_float16_run_resumes_to_the_uninterrupted_result(
    tiny, tmp_path, monkeypatch
):
    """float16 autocast + GradScaler (on the CPU here; a T4 runs the same code on CUDA).
    A large initial scale overflows float16 in some steps, which the scaler skips while it
    halves the scale (and doubles it after two good steps): a resumed run must continue with
    the scale the killed run reached. (Checked: without restoring it the weights differ.)"""
    import resnet_lib.training.loop as training

    monkeypatch.setattr(
        training, "_precision", lambda config, device: (True, torch.float16)
    )
    monkeypatch.setattr(
        training,
        "_grad_scaler",
        lambda device, enabled: torch.amp.GradScaler(
            device.type, init_scale=2.0**24, growth_interval=2, enabled=enabled
        ),
    )
    train, _ = tiny
    straight = _model()
    fit(straight, train, CFG, checkpoint=tmp_path / "a.pt", progress=False)
    fit(
        _model(),
        train,
        CFG,
        checkpoint=tmp_path / "b.pt",
        progress=False,
        stop_after=7,
    )
    saved = load_checkpoint(tmp_path / "b.pt")["scaler"]
    assert (
        saved and saved["scale"] < 2.0**24
    )  # the scale moved: restoring it matters
    resumed = _model(seed=5)
    fit(
        resumed,
        train,
        CFG,
        checkpoint=tmp_path / "b.pt",
        resume=True,
        progress=False,
    )
    assert not torch.equal(
        straight.fc.weight, _model().fc.weight
    )  # it trained: not every step was skipped
    for (k, a), b in zip(
        straight.state_dict().items(), resumed.state_dict().values()
    ):
        assert torch.equal(a, b), k
    assert (
        load_checkpoint(tmp_path / "a.pt")["scaler"]
        == load_checkpoint(tmp_path / "b.pt")["scaler"]
    )


# ---------------------------------------------------------------- schedules and global state


def test_cosine_starts_at_the_actual_end_of_an_adaptive_warmup(tiny):
    cfg = TrainConfig(
        iterations=2_000,
        schedule="cosine",
        warmup_iterations=1_000,
        warmup_until_error=0.8,
    )
    # the warm-up ended at 400 (not the planned 1,000): the cosine runs from 400 to 2,000
    assert cfg.lr_at(399, warmup_end=400) == cfg.warmup_lr
    assert (
        cfg.lr_at(400, warmup_end=400) == cfg.lr
    )  # cos(0) = 1: the full lr, not a decayed one
    assert cfg.lr_at(1_200, warmup_end=400) == pytest.approx(
        cfg.lr / 2
    )  # halfway: cos(pi/2) = 0
    assert (
        cfg.lr_at(1_000) == cfg.lr
    )  # planned end, when nothing else is known
    train, _ = (
        tiny  # in fit: the first logged lr after an early end is the peak
    )
    run = replace(WARMUP, schedule="cosine", warmup_until_error=1.0)
    h = fit(_model(), train, run, progress=False, log_every=1)
    assert h.warmup_end == 1
    expected = [0.001] + [
        0.05 * 0.5 * (1 + math.cos(math.pi * (s - 1) / 9))
        for s in range(1, 10)
    ]
    assert h.lr == pytest.approx(expected)


def test_fit_leaves_the_global_random_state_alone(tiny):
    model = _model()
    before = torch.get_rng_state()
    fit(model, tiny[0], CFG, progress=False)
    assert torch.equal(torch.get_rng_state(), before)


def test_paper_recipe_matches_the_reference_table():
    cfg, paper = paper_recipe(), CIFAR10_RECIPE
    assert (cfg.batch_size, cfg.lr, cfg.momentum, cfg.weight_decay) == (
        paper["batch_size"],
        paper["lr"],
        paper["momentum"],
        paper["weight_decay"],
    )
    assert (cfg.iterations, cfg.milestones, cfg.crop_padding) == (
        paper["iterations"],
        paper["milestones"],
        paper["crop_padding"],
    )
    warm = paper_recipe(**paper_warmup())
    assert (warm.warmup_lr, warm.warmup_until_error) == (
        paper["warmup_lr"],
        paper["warmup_until_error"],
    )
    assert (
        warm.warmup_iterations > paper["warmup_iterations_approx"]
    )  # a cap, not the expected length
