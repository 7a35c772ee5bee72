"""cpu_threads: a scoped thread count that always restores torch's setting."""

import pytest
import torch

from resnet_lib.device import cpu_threads


def test_sets_and_restores_also_after_an_error():
    outer = torch.get_num_threads()
    torch.set_num_threads(
        2
    )  # not 1, so that restoring is visible (xdist workers may start at 1)
    try:
        before = torch.get_num_threads()
        with cpu_threads(1):
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == before
        with pytest.raises(RuntimeError, match="boom"):
            with cpu_threads(1, "cpu"):
                raise RuntimeError("boom")
        assert torch.get_num_threads() == before
    finally:
        torch.set_num_threads(outer)


def test_leaves_other_devices_alone():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with cpu_threads(
            1, torch.device("meta")
        ):  # any non-CPU device: the setting is not touched
            assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("n", [0, -1, 1.5, True])
def test_rejects_bad_counts(n):
    with pytest.raises(ValueError, match="positive number of threads"):
        with cpu_threads(n):
            pass
