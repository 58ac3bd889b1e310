"""INC 2.6 as the oracle: models pruned by INC itself (magnitude, one-shot, 4x1 and 2:4/1:4, two
targets each), saved as state dicts; prune-lsp's figures on the file must equal what INC's
get_sparsity_ratio returned, and where INC is known wrong (Q2 Conv1D outside its denominator,
Q3 invalid layers, Q4 1:4) our "selected" figures must be the true zero ratios, counted here
independently with torch."""

from __future__ import annotations

import copy

import pytest

from analysis.sparsity.access import open_model_tensors
from analysis.sparsity.report import PrunerSpec, build_report, default_pruner_config

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.oracle

THREE = ("elementwise_over_matmul_gemm_conv", "elementwise_over_all", "blockwise_over_matmul_gemm_conv")


def effective(cfg: dict) -> list[dict]:
    """INC's merge for these simple configs: defaults < global keys < the pruner's own keys."""
    glob = {k: v for k, v in cfg.items() if k != "pruning_configs"}
    out = []
    for local in cfg["pruning_configs"]:
        d = default_pruner_config()
        d.update(copy.deepcopy(glob))
        d.update(copy.deepcopy(local))
        out.append(d)
    return out


def report_for(path, info, use_inc_selection=True):
    from analysis.models import load_layer_index

    index = load_layer_index(path)
    # a state dict does not record classes: give the index the classes INC saw
    index.layers = [lay._replace(class_name=info["classes"][lay.name], class_inferred=False)
                    if lay.name in info["classes"] else lay for lay in index.layers]
    selections = []
    for i, (cfg, inc_p) in enumerate(zip(effective(info["config"]), info["pruners"])):
        names = inc_p["modules"]
        if not use_inc_selection:
            from analysis.selection import select_layers

            names = [lay.name for lay in select_layers(cfg, index).selected]
        selections.append((PrunerSpec(i, f"pruner {i + 1}", cfg), names))
    with open_model_tensors(str(path), index) as tensors:
        return build_report(index, tensors, selections, "cpu")


def true_zeros(path, names):
    sd = torch.load(path, weights_only=True)
    z = sum(int((sd[f"{n}.weight"] == 0).sum()) for n in names)
    s = sum(sd[f"{n}.weight"].numel() for n in names)
    return z, s


@pytest.mark.parametrize("case", ["model_a", "model_b"])
def test_inc_figures_match_inc(inc_pruned, case):
    path, info = inc_pruned[case]
    rep = report_for(path, info)
    for key, inc_value in zip(THREE, info["figures"]):
        assert rep["inc"][key] == pytest.approx(inc_value, abs=1e-12), key
    for ours, theirs in zip(rep["pruners"], info["pruners"]):
        assert ours["inc"]["pattern_ratio"] == pytest.approx(theirs["pattern_ratio"], abs=1e-12)
        assert ours["invalid_layers"] == theirs["invalid_layers"]
        # INC's element count = its mask zeros on valid layers = our weight zeros there
        valid = [n for n in theirs["modules"] if n not in theirs["invalid_layers"]]
        assert ours["inc"]["element_zeros"] == sum(theirs["mask_zeros"][n] for n in valid)


@pytest.mark.parametrize("case", ["model_a", "model_b"])
def test_our_selection_is_inc_selection(inc_pruned, case):
    pytest.importorskip("analysis.selection")
    path, info = inc_pruned[case]
    rep = report_for(path, info, use_inc_selection=False)
    assert [p["layers"] for p in rep["pruners"]] == [p["modules"] for p in info["pruners"]]


def test_q2_conv1d_outside_inc_denominator(inc_pruned):
    path, info = inc_pruned["model_a"]
    rep = report_for(path, info)
    selected = [n for p in info["pruners"] for n in p["modules"]]
    z, s = true_zeros(path, selected)
    assert rep["selected"]["elementwise_over_matmul_gemm_conv"] == z / s
    # INC divides the zeros of conv, fc1, c1d, odd by Linear+Conv.d weights only (no c1d)
    assert info["figures"][0] > z / s + 0.1
    assert any(n["code"] == "Q2" and "Conv1D" in n["message"] for n in rep["notes"])


def test_q3_invalid_layer_inflates_inc_blockwise(inc_pruned):
    path, info = inc_pruned["model_a"]
    rep = report_for(path, info)
    p2 = rep["pruners"][1]
    assert p2["invalid_layers"] == ["odd"]
    # true: odd was never pruned, c1d is 75 % zero in 4x1 blocks
    sd = torch.load(path, weights_only=True)
    w = sd["c1d.weight"]
    zero_blocks = int((~(w != 0).view(w.shape[0] // 4, 4, w.shape[1]).any(1)).sum())
    assert p2["selected"]["pattern_zeros"] == zero_blocks * 4
    assert int((sd["odd.weight"] == 0).sum()) == 0
    assert p2["inc"]["pattern_zeros"] > p2["selected"]["pattern_zeros"]
    assert any(n["code"] == "Q3" and "odd" in n["message"] for n in rep["notes"])


def test_q4_one_in_four_logged_as_zero(inc_pruned):
    path, info = inc_pruned["model_b"]
    rep = report_for(path, info)
    p2 = rep["pruners"][1]
    assert info["pruners"][1]["pattern_ratio"] == 0.0  # INC's bug, reproduced
    assert p2["inc"]["blockwise_over_matmul_gemm_conv"] == 0.0
    w = torch.load(path, weights_only=True)["lin2.weight"]
    groups_with_a_zero = int(((w == 0).view(w.shape[0], -1, 4).sum(-1) >= 1).sum())
    assert groups_with_a_zero > 0
    assert p2["selected"]["blockwise_over_matmul_gemm_conv"] == groups_with_a_zero / w.numel()
    assert p2["selected"]["blockwise_over_matmul_gemm_conv"] == pytest.approx(0.25)
    assert any(n["code"] == "Q4" for n in rep["notes"])
    # 2:4 is judged right by INC: ours and INC's agree for pruner 1
    p1 = rep["pruners"][0]
    assert p1["inc"]["pattern_ratio"] == pytest.approx(0.5)
    assert p1["selected"]["blockwise_over_matmul_gemm_conv"] == pytest.approx(0.5)
