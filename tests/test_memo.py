"""resnet_lib.memo: an experiment computed once per build, and exactly as if computed."""

from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn

from resnet_lib import memo
from resnet_lib.data import synthetic_cifar
from resnet_lib.training import TrainConfig

CALLS: list = []


@memo.remembered
def draw(n: int, scale: float = 1.0, model=None):
    CALLS.append(n)
    return {"values": torch.rand(n) * scale, "pair": (n, "n"), 3: np.arange(n)}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(memo.ENV_VAR, str(tmp_path))
    CALLS.clear()
    return tmp_path


def test_a_second_call_reads_the_result_and_leaves_the_generator_as_computing_did(
    cache,
):
    torch.manual_seed(0)
    first = draw(4)
    after_first = torch.rand(2)  # what the code after it draws
    torch.manual_seed(0)
    second = draw(4)
    assert CALLS == [4]  # computed once
    torch.testing.assert_close(second["values"], first["values"])
    assert second["pair"] == (4, "n") and isinstance(second["pair"], tuple)
    np.testing.assert_array_equal(second[3], np.arange(4))
    torch.testing.assert_close(torch.rand(2), after_first)
    # a marker that it draws from the generator, and the entry of that state
    assert len(list(cache.glob("*.pt"))) == 2


def test_another_argument_or_generator_state_computes_again(cache):
    torch.manual_seed(0)
    draw(4)
    draw(4)  # the generator moved on: another key
    torch.manual_seed(0)
    draw(5)
    torch.manual_seed(0)
    draw(4, scale=2.0)
    torch.manual_seed(0)
    draw(4, model=nn.Linear(2, 2))
    assert CALLS == [4, 4, 5, 4, 4]


def test_a_networks_weights_are_part_of_the_key(cache):
    net = nn.Linear(2, 2)
    torch.manual_seed(0)
    draw(3, model=net)
    with torch.no_grad():
        net.weight.add_(1)
    torch.manual_seed(0)
    draw(3, model=net)
    assert CALLS == [3, 3]


def test_off_without_the_folder_and_for_arguments_it_cannot_name(
    cache, monkeypatch
):
    torch.manual_seed(0)
    draw(2, model=lambda x: x)  # a function: no key, it runs
    torch.manual_seed(0)
    draw(2, model=lambda x: x)
    monkeypatch.delenv(memo.ENV_VAR)
    torch.manual_seed(0)
    draw(2)
    torch.manual_seed(0)
    draw(2)
    assert CALLS == [2, 2, 2, 2] and not list(cache.glob("*.pt"))


@memo.remembered
def own_generator(n: int):
    CALLS.append(n)
    return torch.randn(n, generator=torch.Generator().manual_seed(0))


def test_a_function_that_leaves_the_generator_alone_hits_from_any_state(
    cache,
):
    # a new process starts from a random state: such a result must still be found
    torch.manual_seed(1)
    first = own_generator(3)
    torch.manual_seed(2)
    torch.testing.assert_close(own_generator(3), first)
    assert CALLS == [3] and len(list(cache.glob("*.pt"))) == 1


def test_an_unreadable_entry_is_computed_again_and_replaced(cache):
    torch.manual_seed(0)
    own_generator(3)
    (entry,) = cache.glob("*.pt")
    entry.write_bytes(b"not a checkpoint")
    with pytest.warns(UserWarning, match="cannot be used"):
        own_generator(3)
    own_generator(3)
    assert CALLS == [3, 3]


def test_the_librarys_dataclasses_and_data_sets_round_trip():
    data = synthetic_cifar(n_per_class=1, seed=1)
    config = TrainConfig(iterations=7)
    back = memo.decode(
        torch.load(_saved({"config": config, "data": data}), weights_only=True)
    )
    assert back["config"] == config
    assert torch.equal(back["data"].images, data.images)
    assert back["data"].classes == data.classes
    assert memo.key_of(data) == memo.key_of(
        synthetic_cifar(n_per_class=1, seed=1)
    )
    assert memo.key_of(data) != memo.key_of(
        synthetic_cifar(n_per_class=1, seed=2)
    )
    # its description is words in the reader's language, not data
    assert memo.key_of(data) == memo.key_of(replace(data, source="其他"))


def test_only_the_librarys_classes_are_rebuilt():
    with pytest.raises(ValueError, match="not a class of the library"):
        memo.decode({"__dataclass__": "os:system", "fields": {}})
    with pytest.raises(memo.Unkeyable, match="cannot store a object"):
        memo.encode(object())


def _saved(value, path=None):
    import io

    buffer = io.BytesIO()
    torch.save(memo.encode(value), buffer)
    buffer.seek(0)
    return buffer


@memo.remembered
def train_step(model):
    CALLS.append("step")
    model.train()
    model(torch.randn(4, 2))  # BatchNorm's running statistics move
    return 1.0


def test_a_call_that_changes_its_arguments_is_never_stored(cache):
    net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    torch.manual_seed(0)
    train_step(net)
    assert not list(cache.glob("*.pt")) and CALLS == ["step"]
