import random

import pytest
import torch

from resnet_lib import cifar_resnet, pick_device, seed_everything


def test_pick_device_falls_back_in_order():
    expected = (
        "cuda"
        if torch.cuda.is_available()
        else "mps"
        if torch.backends.mps.is_available()
        else "cpu"
    )
    assert pick_device().type == expected
    assert pick_device("cpu") == torch.device("cpu")


def test_pick_device_bad_input():
    with pytest.raises(ValueError, match="unknown device type 'tpu'"):
        pick_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(
            ValueError, match="'cuda' is not available here; available:"
        ):
            pick_device("cuda")


def test_seeding_makes_models_reproducible():
    seed_everything(3)
    a, r1 = cifar_resnet(20).state_dict(), random.random()
    g = seed_everything(3)
    b, r2 = cifar_resnet(20).state_dict(), random.random()
    assert r1 == r2 and all(torch.equal(a[k], b[k]) for k in a)
    assert isinstance(g, torch.Generator) and g.initial_seed() == 3
    with pytest.raises(ValueError, match="non-negative integer; got -1"):
        seed_everything(-1)


def test_import_touches_no_global_state():
    import subprocess
    import sys

    code = (
        "import torch; s = torch.random.get_rng_state().clone(); t = torch.get_num_threads();"
        "d = torch.get_default_dtype(); import resnet_lib;"
        "assert torch.equal(s, torch.random.get_rng_state()) and t == torch.get_num_threads()"
        " and d == torch.get_default_dtype(); print('ok')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "ok"
