"""Dialect A (and B) in JSON files, and `prune-lsp check` over .py/.json/.yaml files and folders."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers_wpc import apply_fix, codes, span_text  # noqa: E402

from analysis.json_config import check_json_text, parse_json  # noqa: E402
from analysis.yaml_tree import to_python  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

TABBED = ('{\n\t"target_sparsity":\t0.9,\n\t"pattern": "2:4",\t"end_step": 1.0e2,\n\t"pruning_scope": "Glöbal",\n'
          '\t"pruning_configs": [\n\t\t{"op_names": ["layer1.*"], "pruning_type": "magnitude", "targt_sparsity": 0.8},\n'
          '\t\t3\n\t]\n}\n')


@pytest.mark.parametrize("text", [TABBED, '{"a": 1e-3, "b": [1.0e5, -0, true, null, "\\u00e9\\/"], "c": {}}',
                                  '\ufeff{"x": NaN}', "[]"])
def test_values_are_what_json_load_gives(text):
    (doc,) = parse_json(text).documents
    got, want = to_python(doc.root), json.loads(text.lstrip("\ufeff"))
    assert json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True)


def test_tab_indented_dialect_a_json_is_checked_at_exact_positions():
    diags = check_json_text(TABBED, "p.json").diagnostics
    by = {d.code: d for d in diags}
    assert span_text(TABBED, by["PL010"]) == "0.9"          # 2:4 allows at most 0.5
    assert span_text(TABBED, by["PL006"]) == '"Glöbal"'
    assert span_text(TABBED, by["PL031"]) == '"targt_sparsity"'
    assert span_text(TABBED, by["PL083"]) == "3"
    assert span_text(TABBED, by["PL013"]) == "1.0e2"        # a float step: json reads 100.0
    assert by["PL010"].range.start.character == 20          # tabs count as one code point
    for d in diags:
        for f in d.fixes:
            json.loads(apply_fix(TABBED, f))                # every fix keeps the file JSON


def test_json_syntax_error_only_in_configs():
    text = '{"pruning_configs": [{"op_names": ["a"]},]}'
    (d,) = check_json_text(text).diagnostics
    assert d.code == "PL050" and d.message.startswith("JSON syntax error")
    assert d.range.start.character == text.index(",]") + 1  # the trailing comma's missing value
    assert check_json_text('{"name": "pkg", "version": 1,}').diagnostics == []   # not a pruning config
    assert check_json_text('{"compilerOptions": {"target": "es2020"}}').parsed is None


def test_dialect_b_in_json_needs_tags_it_cannot_have():
    text = json.dumps({"pruning": {"approach": {"weight_compression_v2": {"pruners": [{"pattern": "4x1"}]}}}})
    assert "PL053" in codes(check_json_text(text).diagnostics)


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "prune_lsp", "check", *args], capture_output=True,
                          text=True, cwd=cwd or REPO, timeout=120)


@pytest.fixture()
def repo_tree(tmp_path):
    (tmp_path / "train.py").write_text("from neural_compressor import WeightPruningConfig\n"
                                       "cfg = WeightPruningConfig(pattern='2:4', pruning_type='magnitude')\n")
    (tmp_path / "utils.py").write_text("import os\nprint(os.getcwd())\n")
    (tmp_path / "broken_other.py").write_text("def f(:\n")  # not a config: not reported
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "prune.yaml").write_text("target_sparsity: 0.5\npattern: '2:4'\npruning_type: magnitude\n"
                                                 "pruning_configs:\n  - op_names: ['layer1.*']\n")
    (tmp_path / "pkg" / "package.json").write_text('{"name": "x"}')
    return tmp_path


def test_cli_checks_a_folder_of_python_and_yaml(repo_tree):
    r = _cli(str(repo_tree), "--format", "json")
    assert r.returncode == 1, r.stderr
    found = json.loads(r.stdout)
    assert {(Path(f["path"]).name, f["code"]) for f in found} == {("train.py", "PL010")}
    (f,) = found
    assert f["range"]["start"] == {"line": 1, "character": len("cfg = WeightPruningConfig(pattern=")}
    clean = _cli(str(repo_tree / "pkg"), str(repo_tree / "utils.py"))
    assert clean.returncode == 0 and clean.stdout == ""


def test_cli_reads_tabbed_json(tmp_path):
    p = tmp_path / "prune.json"
    p.write_text(TABBED)
    r = _cli(str(p), "--format", "json")
    got = {f["code"] for f in json.loads(r.stdout)}
    assert "PL050" not in got  # tabs are fine in JSON: not read as YAML
    assert {"PL010", "PL006", "PL083"} <= got
