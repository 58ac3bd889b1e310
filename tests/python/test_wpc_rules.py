"""PL080-PL085, unknown values, Python-valid fixes, and INC 2.6 as the oracle for literal calls."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers_wpc import apply_fix, codes, span_text  # noqa: E402

from analysis.diagnostics import Severity  # noqa: E402
from analysis.python_config import check_python_text  # noqa: E402
from analysis.python_config.checking import candidates  # noqa: E402

HEAD = "from neural_compressor import WeightPruningConfig\n"
from tests.conftest import INC_PYTHON  # noqa: E402  (scripts/inc_oracle_venv.sh builds it)


def check(body: str):
    return check_python_text(HEAD + body).diagnostics


def test_shared_default_pruning_configs_warns_each_call_and_fix_removes_it():
    src = HEAD + "a = WeightPruningConfig(target_sparsity=0.8, end_step=10)\nb = WeightPruningConfig(\n    end_step=5,\n)\n"
    diags = [d for d in check_python_text(src).diagnostics if d.code == "PL080"]
    assert [d.range.start.line for d in diags] == [1, 2]
    assert all(span_text(src, d) == "WeightPruningConfig" and d.severity is Severity.WARNING for d in diags)
    fixed = apply_fix(apply_fix(src, diags[1].fixes[0]), diags[0].fixes[0])
    ast.parse(fixed)
    assert "PL080" not in codes(check_python_text(fixed).diagnostics)
    assert "end_step=5, pruning_configs=[{}]," in fixed


def test_one_call_is_fine_unless_in_a_loop():
    assert "PL080" not in codes(check("a = WeightPruningConfig(end_step=10)\n"))
    assert "PL080" in codes(check("for t in (0.5, 0.6):\n    a = WeightPruningConfig(target_sparsity=t, end_step=10)\n"))
    both_explicit = "a = WeightPruningConfig([{}], end_step=10)\nb = WeightPruningConfig([{}], end_step=5)\n"
    assert "PL080" not in codes(check(both_explicit))
    assert codes(check(both_explicit)).count("PL081") == 2  # the default excluded_op_names is still shared
    assert "PL081" not in codes(check("a = WeightPruningConfig([{}], end_step=10, excluded_op_names=[])\n"
                                      "b = WeightPruningConfig([{}], end_step=5, excluded_op_names=[])\n"))


def test_pruning_configs_as_dict_is_an_error_with_a_list_fix():
    src = HEAD + "c = WeightPruningConfig(pruning_configs={'op_names': ['x'], 'end_step': 5})\n"
    (d,) = [d for d in check_python_text(src).diagnostics if d.code == "PL082"]
    assert d.severity is Severity.ERROR and span_text(src, d).startswith("{'op_names'")
    fixed = apply_fix(src, d.fixes[0])
    assert "pruning_configs=[{'op_names': ['x'], 'end_step': 5}]" in fixed
    assert "PL082" not in codes(check_python_text(fixed).diagnostics)
    assert "PL013" not in codes(check_python_text(src).diagnostics)  # one finding for one problem


def test_entries_that_are_not_dicts_and_invalid_calls():
    assert "PL083" in codes(check("c = WeightPruningConfig(['layer1', {}], end_step=5)\n"))
    assert "PL084" in codes(check("c = WeightPruningConfig([{}], pruning_configs=[{}], end_step=5)\n"))
    assert "PL084" in codes(check("c = WeightPruningConfig(pattern='1x1', end_step=5, **{'pattern': '4x1'})\n"))
    assert "PL084" in codes(check("c = WeightPruningConfig(" + ", ".join(["0"] * 17) + ")\n"))


def test_unreadable_values_are_skipped_not_guessed():
    # target_sparsity from the command line: no verdict on 2:4 vs the default 0.9
    assert "PL010" not in codes(check("c = WeightPruningConfig(target_sparsity=args.t, pattern='2:4', end_step=9)\n"))
    assert "PL010" in codes(check("c = WeightPruningConfig(target_sparsity=0.9, pattern='2:4', end_step=9)\n"))
    # pruning_configs from elsewhere may set pruning_type and end_step: no verdict on the defaults
    assert codes(check("c = WeightPruningConfig(load_configs())\n")) == []
    # ...but a wrong value written in the call itself is still wrong
    assert "PL003" in codes(check("c = WeightPruningConfig(load_configs(), target_sparsity=1.5)\n"))
    # an unreadable **kwargs is noted, and nothing is guessed about the keys it may hold
    diags = check("c = WeightPruningConfig(**yaml.safe_load(open('p.yaml')))\n")
    assert codes(diags) == ["PL085"] and diags[0].severity is Severity.INFORMATION
    # pattern from run time: no retrain_free/sparse_gpt pattern verdict
    assert codes(check("c = WeightPruningConfig([{'pruning_type': 'retrain_free', 'pattern': p}], end_step=5)\n")) == []


def test_fixes_are_valid_python():
    src = HEAD + ("c = WeightPruningConfig([{'targt_sparsity': 0.5}], pruning_scope='Global', end_step=5,\n"
                  "                        pruning_type='magnitde', targt_sparsity=0.3)\n")
    diags = check_python_text(src).diagnostics
    fixed_any = 0
    for d in diags:
        for f in d.fixes:
            new = apply_fix(src, f)
            ast.parse(new)
            after = check_python_text(new).diagnostics
            assert (d.code, d.range) not in {(a.code, a.range) for a in after}, (d.code, f)
            fixed_any += 1
    assert fixed_any >= 4
    rename = [d for d in diags if d.code == "PL031" and span_text(src, d) == "'targt_sparsity'"][0]
    assert rename.fixes[0].edits[0].new_text == "'target_sparsity'"
    kw = [d for d in diags if d.code == "PL031" and span_text(src, d) == "targt_sparsity"][0]
    assert kw.fixes[0].edits[0].new_text == "target_sparsity"


BASES = [
    "c = WeightPruningConfig([{'op_names': ['a.*'], 'pattern': '2:4'}], target_sparsity=0.9, end_step=10, {K}={V})\n",
    "c = WeightPruningConfig([{'pruning_type': 'retrain_free', {K!r}: {V}}], start_step=3, end_step=2)\n",
    "c = WeightPruningConfig([{'pattern': '1x1', 'target_sparsity': 0.95}, {{'pruning_type': 'sparse_gpt'}}], "
    "max_sparsity_ratio_per_op=0.9, {K}={V})\n",
]
KEYS = ["target_sparsity", "pattern", "pruning_type", "start_step", "end_step", "max_sparsity_ratio_per_op",
        "pruning_frequency", "min_sparsity_ratio_per_op", "criterion_type", "reg_type"]


@pytest.mark.parametrize("key", KEYS)
def test_what_is_reported_for_an_unknown_value_holds_for_every_value(key):
    """Soundness of the unknown-value handling: a finding with `key` unreadable is also a finding
    with `key` set to each value the schema knows for it."""
    for base in BASES:
        with_unknown = {(d.code, d.range) for d in check(base.replace("{K}", key).replace("{K!r}", repr(key))
                                                          .replace("{V}", "runtime()").replace("{{", "{")
                                                          .replace("}}", "}"))}
        for value in candidates(key):
            src = base.replace("{K}", key).replace("{K!r}", repr(key)).replace("{V}", repr(value)) \
                .replace("{{", "{").replace("}}", "}")
            concrete = {(d.code, d.range.start.line) for d in check(src)}
            for code, rng in with_unknown:
                if code == "PL085":
                    continue
                assert (code, rng.start.line) in concrete, (base, key, value, code)


ORACLE_CASES = {
    "defaults": ("WeightPruningConfig()", True),
    "nm_default_target": ("WeightPruningConfig([{}], pattern='2:4', pruning_type='magnitude')", True),
    "nm_ok": ("WeightPruningConfig([{}], pattern='2:4', target_sparsity=0.5, pruning_type='magnitude')", False),
    "dict_configs": ("WeightPruningConfig({'op_names': ['layer1']}, end_step=10)", True),
    "empty_dict_configs": ("WeightPruningConfig({}, end_step=10)", False),
    "tuple_configs": ("WeightPruningConfig(({'op_names': ['layer1']},), end_step=10)", False),
    "str_entry": ("WeightPruningConfig(['layer1'], end_step=10)", True),
    "none_configs": ("WeightPruningConfig(None, end_step=10)", True),
    "dup_positional": ("WeightPruningConfig([{}], pruning_configs=[{}], end_step=10)", True),
    "dup_starstar": ("WeightPruningConfig(end_step=10, **{'end_step': 5})", True),
    "unknown_kw": ("WeightPruningConfig(end_step=10, targt_sparsity=0.5)", False),
    "top_reg_coeff": ("WeightPruningConfig(end_step=10, reg_coeff=0.1)", False),
    "sparse_gpt_4x1": ("WeightPruningConfig([{'pruning_type': 'sparse_gpt', 'pattern': '4x1'}], target_sparsity=0.5)", True),
    "retrain_free": ("WeightPruningConfig([{'pruning_type': 'retrain_free', 'pattern': 'channelx1'}], end_step=5)", False),
    "start_after_end": ("WeightPruningConfig(start_step=5, end_step=2, pruning_type='magnitude')", True),
    "scope": ("WeightPruningConfig(end_step=10, pruning_scope='Global')", True),
    "excluded_str": ("WeightPruningConfig(end_step=10, excluded_op_names='classifier')", True),
}


def test_literal_calls_agree_with_inc():
    if not INC_PYTHON.exists():
        pytest.skip("INC 2.6 oracle venv unavailable")
    script = Path(__file__).resolve().parent / "inc_wpc_oracle.py"
    cases = [{"id": k, "source": src} for k, (src, _e) in ORACLE_CASES.items()]
    proc = subprocess.run([str(INC_PYTHON), str(script)], input=json.dumps({"cases": cases}),
                          capture_output=True, text=True, timeout=300)
    verdicts = json.loads(proc.stdout.strip().splitlines()[-1])
    wrong = []
    for k, (src, expect_error) in ORACLE_CASES.items():
        inc_error = "error" in verdicts[k]
        ours = [d.code for d in check("c = " + src + "\n") if d.severity is Severity.ERROR]
        if inc_error != expect_error or bool(ours) != inc_error:
            wrong.append((k, verdicts[k], ours))
    assert not wrong, wrong
