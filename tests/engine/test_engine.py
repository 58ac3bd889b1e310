"""The engine end to end on small configs: detection, positions, suppression, settings."""

from analysis.engine import CheckSettings, check_text
from analysis.positions import Position

V2 = """\
pruning:
  approach:
    weight_compression_v2:
      target_sparsity: 0.9
      start_step: 0
      end_step: 10
      pruners:
        - !PrunerV2
            pattern: {pattern}
            pruning_type: magnitude
"""


def codes(text, **kw):
    return [d.code for d in check_text(text, **kw).diagnostics]


def test_clean_config_has_no_diagnostics():
    r = check_text(V2.format(pattern='"4x1"'))
    assert r.diagnostics == []
    assert r.is_pruning_config and r.configs[0].config.dialect.id == "B"


def test_plain_yaml_is_left_alone():
    assert check_text("name: ci\non: [push]\njobs: {}\n").diagnostics == []
    r = check_text("pruning_notes: 'x'\nfoo: [\n")  # mentions pruning, holds no config, broken: still silent
    assert r.diagnostics == [] and not r.is_pruning_config


def test_nm_target_reported_on_the_value_to_change_with_related_pattern():
    r = check_text(V2.format(pattern='"2:4"'))
    (d,) = r.diagnostics
    assert d.code == "PL010" and d.severity.value == "error"
    assert d.range.start == Position(3, 23)  # the inherited global target_sparsity, where it is written
    assert "pruner 1" in d.message
    assert d.related and d.related[0].range.start.line == 8


def test_non_ascii_comment_does_not_shift_the_range():
    plain = check_text(V2.format(pattern="2:4")).diagnostics
    text = "# 日本語 é 😀 comment\n" + V2.format(pattern="2:4").replace("pattern: 2:4", "pattern: 2:4  # 😀😀")
    shifted = check_text(text).diagnostics
    p = [d for d in plain if d.code == "PL014"][0]
    s = [d for d in shifted if d.code == "PL014"][0]
    assert (s.range.start.line, s.range.start.character, s.range.end.character) == (
        p.range.start.line + 1, p.range.start.character, p.range.end.character)


def test_line_and_file_suppression_and_disabled_rules():
    base = V2.format(pattern="2:4")
    assert "PL014" in codes(base)
    assert "PL014" not in codes(base.replace("pattern: 2:4", "pattern: 2:4  # prune-lsp: disable=PL014"))
    assert "PL014" not in codes("# prune-lsp: disable-file=PL014\n" + base)
    assert "PL014" not in codes(base, settings=CheckSettings(disabled_rules=frozenset({"PL014"})))
    assert "PL014" not in codes(base, settings=CheckSettings(disabled_rules=frozenset({"unquoted-nm-pattern"})))


def test_syntax_error_and_the_rest_still_checked():
    text = V2.format(pattern='"4x1"').replace("end_step: 10", "end_step: 10\n      pruning_typ")
    text = text.replace("pruning_type: magnitude", "pruning_type: magnitud")
    r = check_text(text)
    got = {d.code for d in r.diagnostics}
    assert "PL050" in got and "PL017" in got  # the typo in the pruner is still found


def test_retired_dialect_gets_one_diagnostic():
    text = "pruning:\n  magnitude:\n    prune1: {weights: [a], target_sparsity: 0.3}\n  start_epoch: 0\n"
    r = check_text(text)
    assert [d.code for d in r.diagnostics] == ["PL051"]


def test_all_problems_at_once_each_at_its_token():
    text = V2.format(pattern='"4X1"').replace("target_sparsity: 0.9", "target_sparsity: 1.5").replace(
        "start_step: 0", "start_step: -1")
    got = {d.code: d.range.start for d in check_text(text).diagnostics}
    assert got["PL003"] == Position(3, 23)
    assert got["PL001"] == Position(4, 18)
    assert got["PL015"] == Position(8, 21)


def test_did_you_mean_fix_renames_the_key():
    text = V2.format(pattern='"4x1"').replace("start_step", "strat_step")
    (d,) = [d for d in check_text(text).diagnostics if d.code == "PL031"]
    assert d.fixes and d.fixes[0].edits[0].new_text == "start_step"
    assert d.severity.value == "warning"  # INC only warns on an unknown global key


def test_unknown_pruner_key_is_an_error_in_v2():
    text = V2.format(pattern='"4x1"').replace("pruning_type: magnitude", "pruning_tpye: magnitude")
    (d,) = [d for d in check_text(text).diagnostics if d.code == "PL031"]
    assert d.severity.value == "error" and "pruning_type" in d.message


def test_dialect_a_yaml():
    text = "target_sparsity: 0.5\npattern: '2:4'\nend_step: 10\npruning_configs:\n  - op_names: ['layer1.*']\n    target_sparsity: 0.8\n"
    r = check_text(text)
    assert r.configs[0].config.dialect.id == "A"
    assert [d.code for d in r.diagnostics] == ["PL010"]
