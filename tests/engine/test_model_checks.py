"""Model-aware rules on a real model file (the example's safetensors, written by the example
script) and on a hand-made index where the file format cannot express the case."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.engine import check_text
from analysis.models import cached_layer_index
from analysis.models.types import LayerIndex, LayerInfo
from tests.conftest import REPO

CONFIG = """\
pruning:
  approach:
    weight_compression_v2:
      target_sparsity: 0.5
      start_step: 0
      end_step: 10
      pruning_type: magnitude
      pruners:
        - !PrunerV2
            op_names: {ops}
            pattern: "{pattern}"
            pruning_scope: {scope}
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    spec = importlib.util.spec_from_file_location("make_tiny_model", REPO / "examples" / "make_tiny_model.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path_factory.mktemp("model") / "tiny.safetensors"
    mod.write_safetensors(out, mod.tensors(__import__("numpy").random.default_rng(0)))
    return out


def diags(text, model):
    return check_text(text, model=cached_layer_index(model)).diagnostics


def test_clean_config_against_the_model(tiny):
    text = CONFIG.format(ops=r"['bert\.encoder\.layer\.\d+\.attention\.self\.']", pattern="4x1", scope="local")
    assert diags(text, tiny) == []


def test_op_name_matching_nothing_is_reported_on_the_entry_with_a_hint(tiny):
    text = CONFIG.format(ops="['bert.encoder.layer.0.attention.self.query', 'bert.encodr.layer']", pattern="4x1",
                         scope="local")
    ds = diags(text, tiny)
    (d,) = [d for d in ds if d.code == "PL045"]
    line = text.splitlines()[9]
    assert d.range.start.line == 9 and d.range.start.character == line.index("'bert.encodr")
    assert "bert.enc" in d.message  # the near miss
    assert not [d for d in ds if d.code == "PL037"]  # the other entry still selects


def test_block_not_dividing_is_an_error_in_global_scope_and_a_warning_in_local(tiny):
    g = [d for d in diags(CONFIG.format(ops="['attention']", pattern="3x1", scope="global"), tiny) if d.code == "PL035"]
    l_ = [d for d in diags(CONFIG.format(ops="['attention']", pattern="3x1", scope="local"), tiny) if d.code == "PL035"]
    assert g[0].severity.value == "error" and "ZeroDivisionError" in g[0].message
    assert l_[0].severity.value == "warning"
    assert g[0].range.start.line == 10  # on the pattern


def test_pruner_selecting_nothing(tiny):
    ds = diags(CONFIG.format(ops="['decoder']", pattern="4x1", scope="local"), tiny)
    (d,) = [d for d in ds if d.code in ("PL037", "PL045")]  # one finding per problem, not one per code
    assert d.code == "PL037" and "`decoder` matches nothing" in d.message and d.severity.value == "warning"


def test_nm_pruner_selecting_nothing_is_an_error(tiny):
    ds = diags(CONFIG.format(ops="['decoder']", pattern="2:4", scope="local"), tiny)
    (d,) = [d for d in ds if d.code in ("PL037", "PL045")]
    assert d.severity.value == "error" and "ZeroDivisionError" in d.message


def test_layers_in_two_pruners(tiny):
    text = CONFIG.format(ops="['attention']", pattern="4x1", scope="local") + (
        "        - !PrunerV2\n            op_names: ['layer.0']\n            pattern: '4x1'\n")
    (d,) = [d for d in diags(text, tiny) if d.code == "PL047"]
    assert d.related and d.related[0].range.start.line == 9


def test_head_over_exclusion_on_an_ordered_index():
    def lin(name, o=8, i=8):
        return LayerInfo(name, "Linear", False, f"{name}.weight", (o, i), "float32", o * i, (f"{name}.weight",))
    index = LayerIndex("toy.pt", "pytorch", [LayerInfo("", "Net", False, None, (), "", 0), lin("fc1"), lin("fc2"),
                                             lin("fc", 2, 8)], "torch-zip", True, ordered=True, complete=True)
    text = CONFIG.format(ops="[]", pattern="4x1", scope="local")
    ds = check_text(text, model=index).diagnostics
    (d,) = [d for d in ds if d.code == "PL036"]
    assert "`fc1`" in d.message and "`fc2`" in d.message
    assert "selects no layer" in d.message  # everything was excluded: said once, on the same token
    assert "PL037" not in {x.code for x in ds}


def _lin(name, o=8, i=8, cls="Linear"):
    return LayerInfo(name, cls, False, f"{name}.weight", (o, i), "float32", o * i, (f"{name}.weight",))


def test_excluded_entry_matching_nothing_is_information_on_the_entry(tiny):
    text = CONFIG.format(ops="['attention']", pattern="4x1", scope="local") + \
        "            excluded_op_names: ['value', 'no_such_layer']\n"
    (d,) = [d for d in diags(text, tiny) if d.code == "PL046"]
    assert d.severity.name == "INFORMATION" and "`no_such_layer` excludes no layer" in d.message
    assert (d.range.start.line, d.range.start.character) == (12, 41)  # the entry itself, not `value`


def test_mha_on_a_model_without_attention_warns_on_the_pattern(tiny):
    mlp = LayerIndex("mlp.pt", "pytorch", [_lin("fc1"), _lin("fc2"), _lin("out", 2, 8)], "torch-zip", True,
                     ordered=True, complete=True)
    text = CONFIG.format(ops="['fc']", pattern="mha", scope="local")
    (d,) = [d for d in check_text(text, model=mlp).diagnostics if d.code == "PL048"]
    assert d.range.start.line == 10 and "no attention module" in d.message
    assert not [d for d in diags(text, tiny) if d.code == "PL048"]  # BERT's query/key/value are found


def test_head_search_raising_is_an_error_on_the_pruner():
    # no Linear or Conv2d at all: INC's classifier-head search indexes an empty list (IndexError)
    norms = LayerIndex("n.pt", "pytorch", [_lin("emb", cls="Embedding"), _lin("ln", 1, 8, cls="LayerNorm")],
                       "torch-zip", True, ordered=True, complete=True)
    text = CONFIG.format(ops="['emb']", pattern="4x1", scope="local")
    (d,) = [d for d in check_text(text, model=norms).diagnostics if d.code == "PL049"]
    assert d.severity.name == "ERROR" and "no Linear or Conv2d module" in d.message


def test_cli_reports_an_unreadable_model_on_the_modeline(tmp_path: Path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("# prune-lsp: model=nope.safetensors\n" + CONFIG.format(ops="[]", pattern="4x1", scope="local"))
    r = subprocess.run([sys.executable, "-m", "prune_lsp", "check", str(cfg)], cwd=REPO, capture_output=True,
                       text=True)
    assert f"{cfg}:1:20: warning PL070" in r.stdout and r.returncode == 0
    # the language server's wording (lsp_server/features/models.py): one message, two front ends
    assert "cannot read the model nope.safetensors: no such file or directory" in r.stdout


def test_nm_pattern_no_selected_layer_divides_is_an_error_some_is_a_warning():
    """INC's N:M count divides by the selected weights it can use: when no selected layer divides by M
    it raises ZeroDivisionError at the first pruning step (checked with INC on the corpus model,
    tests/oracle/test_corpus.py); when some do, it only skips the others."""
    def lin(name, o, i):
        return LayerInfo(name, "Linear", False, f"{name}.weight", (o, i), "float32", o * i, (f"{name}.weight",))
    index = LayerIndex("toy.pt", "pytorch", [lin("layer1.a", 64, 64), lin("layer1.b", 64, 62), lin("head", 8, 64)],
                       "torch-zip", True, ordered=True, complete=True)
    text = CONFIG.format(ops="['layer1']", pattern="3:5", scope="local").replace("0.5", "0.3")
    (d,) = [d for d in check_text(text, model=index).diagnostics if d.code == "PL035"]
    assert d.severity.value == "error" and "ZeroDivisionError" in d.message and "64x64" in d.message
    some = CONFIG.format(ops="['layer1']", pattern="2:4", scope="global")
    (w,) = [d for d in check_text(some, model=index).diagnostics if d.code == "PL035"]
    assert w.severity.value == "warning" and "64x62" in w.message
