"""analysis.merge.effective_pruners against INC's merge semantics (inc-pruning-spec.md 1.6-1.9, 3.2).

tests/oracle/test_differential.py compares every merged value with INC 2.6's own on ~1,000 configs;
these are the spec's worked cases, readable one by one, with where each value comes from.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.engine import check_text

from tests.conftest import SHARED, corpus_dir, corpus_skip_reason

CORPUS = (corpus_dir() or SHARED / "corpus") / "inc-configs"
GOLDEN = CORPUS / "INLINE__test__pruning__test_pruning_yaml_config.py__build_fake_yaml.yaml"


def pruners(text: str):
    result = check_text(text, path="t.yaml")
    assert len(result.configs) == 1, "no pruning config found"
    return result.configs[0].pruners, result.diagnostics


def codes(diags) -> set[str]:
    return {d.code for d in diags}


def test_inherited_target_and_reg_coeff_overwritten_by_parameters():
    # WeightPruningConfig([{op_names, pattern 5x1, group_lasso, reg_coeff 0.1}], target 0.8, steps 1..10)
    ps, diags = pruners("target_sparsity: 0.8\nstart_step: 1\nend_step: 10\npruning_configs:\n"
                        "  - op_names: ['layer3.*']\n    pattern: 5x1\n    reg_type: group_lasso\n    reg_coeff: 0.1\n")
    (p,) = ps
    assert (p.value("target_sparsity"), p.settings["target_sparsity"].origin) == (0.8, "global")
    assert (p.value("pattern"), p.settings["pattern"].origin) == ("5x1", "pruner")
    # P1: parameters defaults to {reg_coeff: 0.0} and is copied over the pruner's own reg_coeff
    assert p.value("parameters") == {"reg_coeff": 0.0}
    assert (p.value("reg_coeff"), p.settings["reg_coeff"].origin) == (0.0, "parameters")
    assert p.value("start_step") == 1 and p.value("end_step") == 10
    assert (p.value("pruning_type"), p.settings["pruning_type"].origin) == ("snip_momentum", "default")
    assert "PL032" in codes(diags)  # the ignored reg_coeff is pointed out


def test_parameters_reg_coeff_is_used():
    ps, _ = pruners("pruning_type: magnitude\npruning_configs:\n  - parameters: {reg_coeff: 0.1}\n")
    assert (ps[0].value("reg_coeff"), ps[0].settings["reg_coeff"].origin) == (0.1, "parameters")


def test_nm_pattern_caps_max_ratio():
    ps, diags = pruners("max_sparsity_ratio_per_op: 0.95\nend_step: 5\npruning_configs:\n"
                        "  - pattern: '3:5'\n    target_sparsity: 0.3\n")
    s = ps[0].settings["max_sparsity_ratio_per_op"]
    assert s.value == pytest.approx(0.6) and s.origin == "cap"
    assert s.capped_from is not None and s.capped_from.value == 0.95 and s.capped_from.origin == "global"
    assert not [d for d in diags if d.severity.value == "error"]


def test_nm_pattern_with_the_default_target_fails():
    ps, diags = pruners("pattern: '2:4'\nstart_step: 0\nend_step: 10\npruning_configs: [{}]\n")
    assert (ps[0].value("target_sparsity"), ps[0].settings["target_sparsity"].origin) == (0.9, "default")
    assert "PL010" in codes(diags)


def test_all_defaults_config_is_unusable():
    ps, diags = pruners("pruning_configs: [{}]\npruning_scope: global\n")
    assert ps[0].value("pruning_type") == "snip_momentum" and ps[0].value("end_step") == 0
    assert "PL018" in codes(diags)


def test_none_means_unset_in_weightpruningconfig_dicts():
    ps, _ = pruners("target_sparsity: 0.7\npruning_configs:\n  - target_sparsity:\n    pruning_type: magnitude\n")
    assert (ps[0].value("target_sparsity"), ps[0].settings["target_sparsity"].origin) == (0.7, "global")


def test_yaml_null_is_an_empty_dict_under_inc_loader():
    text = ("pruning:\n  approach:\n    weight_compression_v2:\n      target_sparsity: 0.7\n      pruners:\n"
            "        - !PrunerV2\n            pruning_type: magnitude\n            op_names:\n")
    ps, diags = pruners(text)
    assert (ps[0].value("op_names"), ps[0].settings["op_names"].origin) == ({}, "pruner")
    assert "PL040" in codes(diags)


def test_no_local_configs_means_one_pruner_from_the_globals():
    text = ("pruning:\n  approach:\n    weight_compression_v2:\n      pruning_type: magnitude\n"
            "      target_sparsity: 0.4\n      pruners: []\n")
    ps, _ = pruners(text)
    assert len(ps) == 1 and ps[0].index is None
    assert (ps[0].value("target_sparsity"), ps[0].settings["target_sparsity"].origin) == (0.4, "global")


def test_global_values_outside_the_merged_keys_are_not_inherited():
    ps, _ = pruners("pruning_type: magnitude\nlock_init_sparsity: true\npruning_configs:\n  - pattern: 4x1\n")
    assert "lock_init_sparsity" not in ps[0].settings


def test_unknown_local_keys_stay_as_extras():
    ps, diags = pruners("pruning_type: magnitude\npruning_configs:\n  - pattern: 4x1\n    false_key: 1\n")
    assert "false_key" in ps[0].extra
    assert "PL031" in codes(diags)


@pytest.mark.skipif(not GOLDEN.is_file(), reason=corpus_skip_reason())
def test_pruning_yaml_config_golden_values():
    """INC's own test (test/pruning/test_pruning_yaml_config.py) asserts these merged values."""
    ps, diags = pruners(GOLDEN.read_text(encoding="utf-8"))
    p0, p1 = ps
    assert p0.value("sparsity_decay_type") == "cos"
    assert p0.value("end_step") == 2
    assert p0.value("pruning_type") == "magnitude"
    assert p0.value("op_names") == ["layer1.*"]
    assert p0.value("pruning_scope") == "global"
    assert p0.value("pattern") == "3:5"
    assert p0.value("excluded_op_names") == ["classifier"]  # inherited from the global section
    assert p0.value("max_sparsity_ratio_per_op") == pytest.approx(0.6)  # "changed by pruning code"
    assert p0.value("pruning_frequency") == 2
    assert p1.value("target_sparsity") == 0.5
    assert p1.value("pruning_scope") == "local"
    assert p1.value("pattern") == "4x1"
    assert p1.value("reg_type") == "group_lasso"
    assert p1.value("max_sparsity_ratio_per_op") == 0.95
    assert not [d for d in diags if d.severity.value == "error"]


def test_keys_merged_with_yaml_merge_keys_are_checked_where_they_are_written():
    """PyYAML's safe_load writes `<<` merges out, so INC sees the merged keys in the pruner: a mapping merged
    from nowhere the checks visit (inline, or an anchor at the top of the file) is checked as the pruner's;
    one merged from another pruner is reported once, at that pruner."""
    text = ("defaults: &d {bogus_top: 1, pattern: 2:4}\n"
            "pruning:\n  approach:\n    weight_compression_v2:\n      pruning_type: magnitude\n"
            "      target_sparsity: 0.5\n      end_step: 4\n      pruners:\n"
            "        - !PrunerV2\n            <<: {bogus_key: 1, pattern: 2:4}\n"
            "        - !PrunerV2\n            <<: *d\n"
            "        - !PrunerV2 &p3\n            op_names: [a]\n            typo_k: 1\n"
            "        - !PrunerV2\n            <<: *p3\n            op_names: [b]\n")
    _, diags = pruners(text)
    found = sorted((d.code, d.range.start.line + 1, d.range.start.character + 1) for d in diags
                   if d.code in ("PL031", "PL014"))
    assert found == [("PL014", 1, 38), ("PL014", 10, 41), ("PL031", 1, 15), ("PL031", 10, 18), ("PL031", 15, 13)]
