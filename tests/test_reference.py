"""The published numbers of resnet_lib.reference against their sources where a program can
read them (torchvision's weights metadata), and against each other where it cannot (the paper)."""

import subprocess
import sys

import pytest
import torchvision

from resnet_lib import reference as ref


@pytest.mark.parametrize("table", [ref.TORCHVISION, ref.TORCHVISION_V2])
def test_torchvision_rows_are_torchvisions_metadata(table):
    for builder, row in table.items():
        enum_name, member = row.weights.split(".")
        weights = torchvision.models.get_model_weights(builder)
        assert weights.__name__ == enum_name
        meta = weights[member].meta
        assert row.params == meta["num_params"], builder
        assert row.gflops == meta["_ops"], builder
        metrics = meta["_metrics"]["ImageNet-1K"]
        assert (row.acc1, row.acc5) == (metrics["acc@1"], metrics["acc@5"]), (
            builder
        )


def test_every_torchvision_resnet_builder_is_listed():
    family = {
        n
        for n in torchvision.models.list_models(torchvision.models)
        if n.startswith(("resnet", "resnext", "wide_resnet"))
    }
    assert family == set(ref.TORCHVISION)
    assert set(ref.TORCHVISION_V2) < family


def test_table1_depth_is_stem_plus_block_convs_plus_fc():
    for depth, a in ref.TABLE1.items():
        assert a.depth == depth == 1 + a.convs_per_block * sum(a.layers) + 1
        assert a.name == f"ResNet-{depth}" and a.source.endswith("Table 1")
    assert [a.flops for a in ref.TABLE1.values()] == sorted(
        a.flops for a in ref.TABLE1.values()
    )


def test_table6_depth_is_6n_plus_2_and_params_grow_like_n():
    for depth, row in ref.CIFAR10.items():
        assert row.depth == depth == 6 * row.n + 2
    # each block is two 3x3 convs; parameters are ~linear in n: 0.27M/3 blocks ~ 1.7M/18 ~ 19.4M/200
    per_block = [row.params_millions / row.n for row in ref.CIFAR10.values()]
    assert max(per_block) / min(per_block) < 1.1


def test_the_papers_claims_hold_in_its_own_tables():
    e = {k: v.top1_error for k, v in ref.IMAGENET_ERRORS.items()}
    assert e["plain-34"] > e["plain-18"]  # degradation
    assert e["ResNet-34 A"] < e["ResNet-18"]  # residual depth helps
    assert (
        e["ResNet-34 C"] < e["ResNet-34 B"] < e["ResNet-34 A"]
    )  # section 3.3: C > B > A, by small margins
    assert e["ResNet-152"] < e["ResNet-101"] < e["ResNet-50"]
    assert all(p.preact < p.original for p in ref.PREACT.values())
    assert (
        ref.CIFAR10[1202].test_error > ref.CIFAR10[110].test_error
    )  # overfitting
    assert (
        ref.CIFAR10_RECIPE["train_images"] + ref.CIFAR10_RECIPE["val_images"]
        == 50_000
    )


def test_every_number_has_a_source():
    rows = [
        *ref.TABLE1.values(),
        *ref.IMAGENET_ERRORS.values(),
        *ref.CIFAR10.values(),
        *ref.PREACT.values(),
        *ref.TORCHVISION.values(),
        *ref.TORCHVISION_V2.values(),
    ]
    for row in rows:
        assert (
            "arXiv:1512.03385" in row.source
            or "arXiv:1603.05027" in row.source
            or "_Weights.IMAGENET1K_" in row.source
        ), row
        assert any(w in row.source for w in ("Table", "meta")), row


def test_the_tables_cannot_be_changed():
    with pytest.raises(TypeError):
        ref.CIFAR10[20] = None
    with pytest.raises(AttributeError):
        ref.CIFAR10[20].test_error = 0.0


def test_helpers():
    assert (
        ref.torchvision_params(50) == 25_557_032
        and ref.torchvision_gflops(101) == 7.801
    )
    assert ref.TORCHVISION["resnet18"].top1_error == pytest.approx(30.242)
    with pytest.raises(
        ValueError, match="18, 34, 50, 101 and 152 deep; got 20"
    ):
        ref.torchvision_params(20)
    assert {
        8.75,
        6.97,
        0.27,
        0.85,
        4.089,
        11_689_512,
    } <= ref.published_numbers()


def test_importing_it_imports_no_torch():
    # resnet_lib/__init__ imports torch, so load the module's file on its own
    code = (
        "import importlib.util, sys; spec = importlib.util.spec_from_file_location('r', 'resnet_lib/reference.py'); "
        "m = importlib.util.module_from_spec(spec); sys.modules['r'] = m; spec.loader.exec_module(m); print('torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=__import__("pathlib").Path(__file__).resolve().parents[1],
    )
    assert out.stdout.strip() == "False"


def test_resnext_table3_agrees_with_the_authors_readme():
    """The authors' repository (facebookresearch/ResNeXt, README: "1x Complexity
    Configurations Reference Table" and "Single-crop (224x224) validation error rate")
    lists the (cardinality, width) pairs of one complexity and the single-crop errors
    of ResNet-50/101 (1x64d) and ResNeXt-50/101 (32x4d); the paper's Table 3 rows
    between them are not in it."""
    from resnet_lib.reference import RESNEXT_TABLE3

    readme_pairs = {(1, 64), (2, 40), (4, 24), (8, 14), (32, 4)}
    for depth in (50, 101):
        assert {(c, d) for dd, c, d in RESNEXT_TABLE3 if dd == depth} == (
            readme_pairs
        )
    readme_errors = {
        (50, 1, 64): 23.9,
        (50, 32, 4): 22.2,
        (101, 1, 64): 22.0,
        (101, 32, 4): 21.2,
    }
    for key, error in readme_errors.items():
        assert RESNEXT_TABLE3[key].top1_error == error
    # and cardinality helps at every step in between, as the paper reports
    for depth in (50, 101):
        errors = [
            RESNEXT_TABLE3[(depth, c, d)].top1_error
            for c, d in sorted(readme_pairs)
        ]
        assert errors == sorted(errors, reverse=True)
