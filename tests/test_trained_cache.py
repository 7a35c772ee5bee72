"""The trained-network cache (issue 15): train once, load after; a stale, corrupt or
foreign entry is detected and trained again; two processes asking at once train once."""

import multiprocessing
import warnings

import pytest
import torch

import resnet_lib.training.cache as cache_module
from resnet_lib import cifar_resnet
from resnet_lib.data import synthetic_cifar
from resnet_lib.device import seeded
from resnet_lib.training import TrainConfig, cached_fit

CFG = TrainConfig(iterations=6, batch_size=16, lr=0.05, eval_every=0)


@pytest.fixture(scope="module")
def data():
    return synthetic_cifar("train", 8, size=8), synthetic_cifar(
        "test", 4, size=8
    )


def build(seed=0):
    def make():
        with seeded(seed):
            return cifar_resnet(8, num_classes=10)

    return make


def run(data, folder, **kw):
    train, test = data
    options = dict(name="resnet-8", folder=folder, progress=False)
    options.update(kw)
    return cached_fit(
        options.pop("build", build()),
        train,
        options.pop("config", CFG),
        test,
        **options,
    )


def same_weights(a, b):
    return all(
        torch.equal(x, y)
        for x, y in zip(a.state_dict().values(), b.state_dict().values())
    )


def test_second_call_loads_what_the_first_trained(data, tmp_path, monkeypatch):
    first = run(data, tmp_path)
    assert not first.from_cache and first.path.exists()
    monkeypatch.setattr(
        cache_module, "fit_named", lambda *a, **k: pytest.fail("trained again")
    )
    second = run(data, tmp_path)
    assert second.from_cache and second.path == first.path
    assert same_weights(first.model, second.model)
    assert second.history.train_loss == first.history.train_loss
    untrained = build()()
    assert not same_weights(
        untrained, second.model
    )  # the weights are the trained ones


@pytest.mark.parametrize(
    "change",
    ["config", "seed", "data", "code"],
)
def test_anything_that_decides_the_result_is_in_the_key(
    data, tmp_path, monkeypatch, change
):
    first = run(data, tmp_path)
    train, test = data
    kw = {}
    if change == "config":
        kw["config"] = TrainConfig(
            iterations=6, batch_size=16, lr=0.1, eval_every=0
        )
    elif change == "seed":
        kw["build"] = build(seed=1)
    elif change == "data":
        other = synthetic_cifar("train", 8, size=8, seed=1)
        second = cached_fit(
            build(),
            other,
            CFG,
            test,
            name="resnet-8",
            folder=tmp_path,
            progress=False,
        )
        assert not second.from_cache and second.path != first.path
        return
    else:
        monkeypatch.setattr(
            cache_module, "code_digest", lambda: "0.2.0+edited"
        )
    second = run(data, tmp_path, **kw)
    assert not second.from_cache and second.path != first.path


def test_a_corrupt_entry_is_reported_and_trained_again(data, tmp_path):
    first = run(data, tmp_path)
    first.path.write_bytes(
        first.path.read_bytes()[:200]
    )  # truncated, as by a full disk
    with pytest.warns(UserWarning, match="cannot be used .*training again"):
        again = run(data, tmp_path)
    assert not again.from_cache
    assert same_weights(first.model, again.model)  # deterministic on the CPU
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert run(data, tmp_path).from_cache  # the replacement is good


def test_an_entry_written_for_another_key_is_never_used(data, tmp_path):
    first = run(data, tmp_path)
    state = torch.load(first.path, weights_only=True)
    state["cache_key"]["train_config"]["lr"] = (
        0.5  # a stale entry under this name
    )
    torch.save(state, first.path)
    with pytest.warns(UserWarning, match="another key"):
        assert not run(data, tmp_path).from_cache


def _worker(folder, queue):
    torch.set_num_threads(1)
    data = (
        synthetic_cifar("train", 8, size=8),
        synthetic_cifar("test", 4, size=8),
    )
    result = run(data, folder)
    queue.put(
        (
            result.from_cache,
            [v.sum().item() for v in result.model.state_dict().values()][:3],
        )
    )


@pytest.mark.slow  # two fresh interpreters importing torch: about 13 s
def test_two_processes_at_once_train_once(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(tmp_path, queue)) for _ in range(2)
    ]
    for p in procs:
        p.start()
    results = [queue.get(timeout=240) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert sorted(hit for hit, _ in results) == [
        False,
        True,
    ]  # one trained, one loaded
    assert results[0][1] == results[1][1]
    assert len(list(tmp_path.glob("*.pt"))) == 1 and not list(
        tmp_path.glob("*.tmp*")
    )


def test_a_network_loaded_from_the_cache_prints_the_log_of_its_training(
    data, tmp_path, capsys
):
    """On a page, a chapter whose networks come from the cache (the book's second
    language, a rebuild) shows the same training log as the run that trained them;
    only the speed, the run's average, may differ."""
    config = TrainConfig(iterations=8, batch_size=16, lr=0.05, eval_every=4)
    run(data, tmp_path, config=config, progress="lines", log_every=2)
    trained = capsys.readouterr().out.splitlines()
    loaded = run(data, tmp_path, config=config, progress="lines", log_every=2)
    replayed = capsys.readouterr().out.splitlines()
    assert loaded.from_cache and len(trained) >= 2

    def without_speed(lines):
        return [line.rsplit(" ", 2)[0] for line in lines]

    assert without_speed(replayed) == without_speed(trained)
    assert any("test acc" in line for line in trained)
