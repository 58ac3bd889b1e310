"""Finding WeightPruningConfig(...) calls: imports, aliases, names bound to literals, positions."""

from __future__ import annotations

import ast

import pytest

from analysis.python_config import UnknownScalar, check_python_text, find_configs, might_contain_config
from analysis.python_config.calls import SIGNATURE
from analysis.schema import DIALECTS
from analysis.yaml_tree import Mapping, Sequence
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers_wpc import codes, span_text  # noqa: E402


def test_signature_names_are_dialect_a_keys():
    assert set(SIGNATURE) <= set(DIALECTS["A"].global_keys)
    assert SIGNATURE[0] == "pruning_configs" and len(SIGNATURE) == len(set(SIGNATURE)) == 16


@pytest.mark.parametrize("src", [
    "from neural_compressor import WeightPruningConfig\nc = WeightPruningConfig(pattern='2:4')",
    "from neural_compressor.config import WeightPruningConfig as W\nc = W(pattern='2:4')",
    "from neural_compressor.training import prepare_pruning, WeightPruningConfig\nc = WeightPruningConfig(pattern='2:4')",
    "import neural_compressor as nc\nc = nc.WeightPruningConfig(pattern='2:4')",
    "import neural_compressor.config\nc = neural_compressor.config.WeightPruningConfig(pattern='2:4')",
    "from neural_compressor import config as cfg\nc = cfg.WeightPruningConfig(pattern='2:4')",
    "from neural_compressor.config import *\nc = WeightPruningConfig(pattern='2:4')",
    "c = WeightPruningConfig(pattern='2:4')  # a snippet without its import",
    "def f():\n    from neural_compressor import WeightPruningConfig as WPC\n    return WPC(pattern='2:4')",
])
def test_calls_are_found_under_any_import(src):
    docs = find_configs(src)
    assert len(docs) == 1
    assert docs[0].root.get("pattern").value == "2:4"
    assert "PL010" in codes(check_python_text(src).diagnostics)  # default target 0.9 > 2/4


@pytest.mark.parametrize("src", [
    "from mylib import WeightPruningConfig\nc = WeightPruningConfig(pattern='2:4')",
    "class WeightPruningConfig:\n    pass\nc = WeightPruningConfig(pattern='2:4')",
    "import mylib as nc\nc = nc.WeightPruningConfig(pattern='2:4')",
    "x = 'WeightPruningConfig(pattern=\"2:4\")'",
])
def test_other_things_named_weightpruningconfig_are_left_alone(src):
    assert find_configs(src) == []
    assert check_python_text(src).diagnostics == []


def test_files_without_the_name_are_not_parsed(monkeypatch):
    import ast

    def refuse(*args, **kwargs):
        raise AssertionError("a file that cannot hold a WeightPruningConfig call was parsed")

    src = "import torch\n" + "x = torch.zeros(3)\n" * 20000
    assert not might_contain_config(src)
    monkeypatch.setattr(ast, "parse", refuse)
    r = check_python_text(src)
    assert r.parsed is None and r.diagnostics == []
    with pytest.raises(AssertionError):  # the guard is live: a file that names it is parsed
        check_python_text("from neural_compressor import WeightPruningConfig\nWeightPruningConfig()\n")


def test_positional_and_keyword_arguments_become_positioned_nodes():
    src = ("from neural_compressor import WeightPruningConfig\n"
           "c = WeightPruningConfig([{'op_names': ['layer1.*'], 'pattern': '4x1'}], 0.7,\n"
           "                        end_step=100, pruning_type='magnitude')\n")
    (doc,) = find_configs(src)
    assert doc.dialect.id == "A"
    assert doc.root.get("target_sparsity").value == 0.7  # second positional parameter
    assert [p.name for p in doc.root.pairs] == ["pruning_configs", "target_sparsity", "end_step", "pruning_type"]
    end_key = doc.root.get_pair("end_step").key
    assert src[end_key.start:end_key.end] == "end_step"
    (entry,) = doc.pruners
    assert isinstance(entry.node, Mapping)
    v = entry.node.get("pattern")
    assert src[v.start:v.end] == "'4x1'" and v.value == "4x1" and v.style == '"'
    assert isinstance(doc.pruners_pair.value, Sequence)


def test_names_bound_once_to_literals_are_followed_in_any_enclosing_scope():
    src = ("from neural_compressor import WeightPruningConfig\n"
           "pruner = {'pattern': '2:4', 'target_sparsity': 0.9, 'pruning_type': 'magnitude'}\n"
           "configs = [pruner]\n"
           "def build():\n"
           "    return WeightPruningConfig(configs)\n")
    d = [d for d in check_python_text(src).diagnostics if d.code == "PL010"]
    assert len(d) == 1 and span_text(src, d[0]) == "0.9" and d[0].range.start.line == 1


@pytest.mark.parametrize("change", [
    "configs.append({'pattern': '1x1'})",
    "configs += extra",
    "configs[0]['target_sparsity'] = 0.4",
    "configs = load()",
    "for configs in x: pass",
    "del configs",
])
def test_names_changed_anywhere_are_not_known(change):
    src = ("from neural_compressor import WeightPruningConfig\n"
           "configs = [{'pattern': '2:4', 'target_sparsity': 0.9, 'pruning_type': 'magnitude'}]\n"
           f"{change}\n"
           "c = WeightPruningConfig(configs)\n")
    (doc,) = find_configs(src)
    assert isinstance(doc.root.get("pruning_configs"), Sequence)
    assert all(isinstance(p.value, UnknownScalar) for p in doc.pruners[0].node.pairs)
    assert check_python_text(src).diagnostics == []


def test_positions_with_comments_decorators_and_non_ascii():
    src = ("# -*- coding: utf-8 -*-\n"
           "\"\"\"Pruning — 剪枝 config.\"\"\"\n"
           "from neural_compressor.training import WeightPruningConfig  # 导入\n"
           "\n"
           "@decorator(\"ü\")\n"
           "def make():  # ☃\n"
           "    cfg = [  # 配置\n"
           "        {\"名\": 1, \"op_names\": [\"lay(er\"], \"pattern\": \"2:4\", \"target_sparsity\": 0.9},  # ✓\n"
           "    ]\n"
           "    return WeightPruningConfig(cfg, pruning_type=\"magnitude\", pruning_scope=\"glöbal\")\n")
    diags = check_python_text(src).diagnostics
    by_code = {d.code: d for d in diags}
    assert span_text(src, by_code["PL010"]) == "0.9"
    assert span_text(src, by_code["PL027"]) == '"lay(er"'
    assert span_text(src, by_code["PL031"]) == '"名"'
    assert span_text(src, by_code["PL006"]) == '"glöbal"'
    line = src.splitlines()[7]
    assert by_code["PL010"].range.start.character == line.index("0.9")  # code points, not UTF-8 bytes


def test_byte_order_mark_keeps_positions():
    src = "\ufefffrom neural_compressor import WeightPruningConfig; c = WeightPruningConfig(pattern='2:4')\n"
    d = [d for d in check_python_text(src).diagnostics if d.code == "PL010"][0]
    assert span_text(src, d) == "'2:4'"


def test_syntax_error_is_the_only_finding():
    src = ("from neural_compressor import WeightPruningConfig\n"
           "c = WeightPruningConfig(pattern='2:4')\n"
           "x = «oops»\n")
    diags = check_python_text(src).diagnostics
    assert codes(diags) == ["PL050"]
    assert diags[0].range.start.line == 2 and diags[0].range.start.character == 4
    assert "syntax" in diags[0].message


def test_each_call_is_its_own_config():
    src = ("from neural_compressor import WeightPruningConfig\n"
           "a = WeightPruningConfig([{}], pattern='2:4', target_sparsity=0.4, pruning_type='magnitude')\n"
           "b = WeightPruningConfig([{}], pattern='2:4', target_sparsity=0.8, pruning_type='magnitude')\n")
    r = check_python_text(src)
    assert len(r.configs) == 2
    (d,) = [d for d in r.diagnostics if d.code == "PL010"]
    assert d.range.start.line == 2


def test_suppression_comments_work_in_python():
    src = ("from neural_compressor import WeightPruningConfig\n"
           "c = WeightPruningConfig([{}], pattern='2:4', pruning_type='magnitude')  # prune-lsp: disable=PL010\n")
    assert "PL010" not in codes(check_python_text(src).diagnostics)


def test_parses_valid_python_only():
    src = "from neural_compressor import WeightPruningConfig\nc = WeightPruningConfig()\n"
    ast.parse(src)
    assert codes(check_python_text(src).diagnostics) == ["PL018"]  # the all-defaults config fails in INC


def test_python_examples_are_clean_configs():
    examples = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*_wpc.py"))
    assert examples
    for p in examples:
        text = p.read_text(encoding="utf-8")
        assert find_configs(text), p
        assert check_python_text(text, str(p)).diagnostics == [], p
