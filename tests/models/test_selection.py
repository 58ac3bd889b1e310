"""select_layers' reporting fields, Keras and MHA semantics, and block divisibility (vs INC)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from analysis.models import LayerIndex, LayerInfo, load_layer_index
from analysis.selection import block_divisibility, reshape_2d, select_layers
from inc_env import inc_python

HERE = Path(__file__).resolve().parent


def L(name, cls, shape=(), params=None):  # noqa: N802 - a tiny factory for readable tables
    n = 1
    for d in shape:
        n *= d
    weight = f"{name}.weight" if shape else None
    return LayerInfo(name, cls, False, weight, tuple(shape), "float32" if shape else "", n if shape else 0,
                     tuple(params if params is not None else ([weight] if weight else [])))


def torch_index(*layers, ordered=True, complete=True) -> LayerIndex:
    return LayerIndex("m", "pytorch", list(layers), "test", True, ordered=ordered, complete=complete)


MLP = torch_index(L("fc1", "Linear", (64, 32)), L("act", "ReLU"), L("fc2", "Linear", (64, 64)),
                  L("drop", "Dropout"), L("fc", "Linear", (10, 64)))


def test_head_over_match_is_reported():
    sel = select_layers({"op_names": [], "excluded_op_names": [], "pruning_op_types": ["Linear"]}, MLP)
    assert sel.head == "fc" and sel.names == [] and sel.excluded_by_head == ["fc1", "fc2"]
    assert sel.errors == []


def test_user_exclusions_are_not_blamed_on_the_head():
    sel = select_layers({"excluded_op_names": ["fc2"]}, MLP)
    assert sel.excluded_by_head == ["fc1"]


def test_unmatched_entries_by_index():
    sel = select_layers({"op_names": ["fc1", "nomatch", "f.2"], "excluded_op_names": ["zzz", "act"]}, MLP)
    assert sel.unmatched_op_names == [1] and sel.unmatched_excluded == [0]


def test_config_is_not_mutated():
    cfg = {"excluded_op_names": ["x"]}
    select_layers(cfg, MLP)
    assert cfg == {"excluded_op_names": ["x"]}  # INC appends the head in place; we must not


def test_errors_stop_selection():
    assert select_layers({"op_names": ["(unclosed"]}, MLP).errors == [
        "AssertionError: regular expression match does not support (unclosed"]
    assert select_layers({"excluded_op_names": ["[x"]}, MLP).errors[0].startswith("re.error: unterminated")
    assert select_layers({"excluded_op_names": "fc"}, MLP).errors == [
        "AttributeError: 'str' object has no attribute 'append'"]
    no_lc = torch_index(L("emb", "Embedding", (10, 4)), L("ln", "LayerNorm", (4,)))
    sel = select_layers({"pruning_op_types": ["Embedding"]}, no_lc)
    assert sel.errors == ["IndexError: list index out of range"] and sel.selected == []


def test_unordered_index_warns_that_the_head_is_a_guess():
    ix = torch_index(*MLP.layers, ordered=False, complete=False)
    assert any("guess" in w for w in select_layers({}, ix).warnings)
    assert not any("guess" in w for w in select_layers({}, MLP).warnings)


def test_mha_uses_attention_modules_by_name(torch_files):
    ix = load_layer_index(torch_files["bert.pt"])
    sel = select_layers({"pattern": "mha", "op_names": ["nothing"]}, ix)
    assert sel.mha and sel.errors == []
    assert len(sel.mha_groups) == 2
    g = sel.mha_groups[0]
    assert g["qkv"] == [f"bert.encoder.layer.0.attention.self.{x}" for x in ("query", "key", "value")]
    assert g["ffn"] == ["bert.encoder.layer.0.attention.output.dense"]
    assert len(sel.selected) == 8
    mlp = select_layers({"pattern": "mha"}, MLP)
    assert mlp.selected == [] and any("no attention" in w for w in mlp.warnings)


KERAS = LayerIndex("k", "keras", [
    LayerInfo("img", "InputLayer", False, None, (), "", 0, ()),
    L("conv", "Conv2D", (3, 3, 3, 4), ["conv/kernel", "conv/bias"]),
    LayerInfo("flat", "Flatten", False, None, (), "", 0, ()),
    L("fc1", "Dense", (144, 16), ["fc1/kernel", "fc1/bias"]),
    LayerInfo("drop", "Dropout", False, None, (), "", 0, ()),
    L("fc", "Dense", (16, 10), ["fc/kernel", "fc/bias"]),
], "test", True)


def test_keras_semantics_match_the_spec():
    # inc-pruning-spec.md 1.13, verified with TF 2.21 / Keras 3.15 on this very model
    assert select_layers({"pruning_op_types": ["Conv", "Dense"]}, KERAS).names == ["conv"]
    sel = select_layers({"pruning_op_types": ["Conv", "Dense"]}, KERAS)
    assert sel.head == "fc" and sel.excluded_by_head == ["fc1"]
    assert select_layers({}, KERAS).names == ["conv"]  # default ["Conv","Linear"]: Dense never matches
    nomatch = select_layers({"op_names": ["nomatch"], "pruning_op_types": ["Conv", "Dense"]}, KERAS)
    assert nomatch.names == ["conv"] and any("ignored" in w for w in nomatch.warnings)
    assert select_layers({"pattern": "mha"}, KERAS).errors == ["AssertionError: Currently mha only support pytorch framework."]


def test_keras_file_selection(keras_files):
    ix = load_layer_index(keras_files["func.keras"])
    assert select_layers({"pruning_op_types": ["Conv", "Dense"]}, ix).names == ["conv"]


def test_reshape_2d_like_inc():
    assert reshape_2d((8, 3, 3, 3)) == (8, 27)
    assert reshape_2d((30, 32, 1)) == (30, 32)
    assert reshape_2d((32,)) == (4, 8)
    assert "invalid for input of size 12" in reshape_2d((12,))
    assert reshape_2d((3, 3, 3, 4), "keras") == (3, 36)  # INC permutes the HWIO kernel as if OIHW


def test_block_divisibility_messages():
    fc = L("fc", "Linear", (10, 64))
    assert block_divisibility(fc, "4x1") == "fc shape 10x64 cannot be divided by 4x1"
    assert block_divisibility(fc, "2x1") is None
    assert block_divisibility(fc, "2:4") is None and block_divisibility(L("x", "Linear", (4, 6)), "2:4")
    assert block_divisibility(fc, "channelx1") is None  # block rows = all 10 rows
    assert block_divisibility(fc, "1xchannel") is None
    assert block_divisibility(fc, "tile_pattern_5x1") is None  # INC ignores everything up to the last _
    assert block_divisibility(fc, "mha") is None and block_divisibility(fc, "bogus") is None
    dense = LayerInfo("d", "Dense", False, "d/kernel", (144, 10), "float32", 1440, ())
    # INC checks the raw Keras [in, out] kernel: rows are the 144 inputs, so 4x1 fits and 1x4 does not
    assert block_divisibility(dense, "4x1", "keras") is None
    assert block_divisibility(dense, "1x4", "keras") == "d shape 144x10 cannot be divided by 1x4"


PATTERNS = ["4x1", "1x16", "2:4", "1:8", "channelx1", "1xchannel", "8x2", "3x1", "tile_pattern_1x2", "16x1"]


@pytest.fixture(scope="module")
def inc_patterns() -> dict:
    py = inc_python()
    if py is None:
        pytest.skip("INC 2.6 oracle venv not found at /root/.cache/prune-lsp-inc26")
    req = {"cases": [], "patterns": [{"id": f"{m}/{p}", "model": m, "pattern": p}
                                     for m in ("mlp", "convnet", "bert", "mixed") for p in PATTERNS]}
    r = subprocess.run([str(py), str(HERE / "inc_oracle.py")], input=json.dumps(req), capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.oracle
@pytest.mark.parametrize("model", ["mlp", "convnet", "bert", "mixed"])
def test_block_divisibility_matches_inc(inc_patterns, model):
    """Over every weighted module: the layers INC marks invalid, with INC's exact warning text."""
    import toy_models
    from analysis.models.torch_files import index_from_worker_modules
    from analysis.models.worker import _describe_torch_module

    ix = index_from_worker_modules(model, _describe_torch_module(toy_models.build(model)), "factory")
    for p in PATTERNS:
        inc = inc_patterns[f"{model}/{p}"]
        ours = {ly.name: block_divisibility(ly, p) for ly in ix.layers if ly.weight}
        msgs = {n: m for n, m in ours.items() if m}
        if "error" in inc:  # INC's pattern construction itself raised
            assert any(inc["error"].split(":")[0] in m for m in msgs.values()), (p, inc, msgs)
            continue
        assert sorted(msgs) == inc["invalid"], p
        # INC's warning prints the shape as a Python object (torch.Size([10, 64])); ours writes 10x64
        assert sorted(msgs.values()) == sorted(_plain_shape(w) for w in inc["warnings"]), p


def _plain_shape(inc_warning: str) -> str:
    import re
    return re.sub(r"torch\.Size\(\[([0-9, ]*)\]\)", lambda m: "x".join(d.strip() for d in m[1].split(",")), inc_warning)


def test_values_derived_from_a_layer_list_are_built_once_per_list():
    from analysis.models.memo import per_layer_list

    calls = []
    a, b = [LayerInfo("x", "Linear", False, "x.weight", (2, 2), "float32", 4, ())], []
    build = lambda layers: calls.append(len(layers)) or len(layers)  # noqa: E731
    assert per_layer_list(a, "n", build) == 1 and per_layer_list(a, "n", build) == 1
    assert per_layer_list(b, "n", build) == 0 and per_layer_list(a, "other", build) == 1
    assert calls == [1, 0, 1]  # one build per (list, what); an equal-looking list is not the same key
