"""Per-pruner checks run once per kind of pruner (analysis/rules/pruner_kinds.py): each pruner still gets
its own findings at its own nodes, pruners that differ get different findings, and a check that reads
what a kind does not cover fails loudly instead of sharing findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.config_doc import detect
from analysis.engine import check_text
from analysis.merge import effective_pruners
from analysis.positions import Range
from analysis.rules import pruner_kinds
from analysis.rules.context import RuleContext
from analysis.rules.pruner_kinds import UndeclaredRead, for_each_pruner
from analysis.yaml_parse import parse_text

HEAD = ("pruning:\n  approach:\n    weight_compression_v2:\n      target_sparsity: 0.25\n      start_step: 0\n"
        "      end_step: 100\n      pruners:\n")


def _pruner(name: str, pattern: str, scope: str = "local", indent: str = "        ") -> str:
    return (f"{indent}- !PrunerV2\n{indent}  op_names: ['{name}']\n{indent}  pattern: {pattern}\n"
            f"{indent}  pruning_scope: {scope}\n")


def _findings(text: str, code: str):
    return [d for d in check_text(text).diagnostics if d.code == code]


def test_alike_pruners_get_findings_at_their_own_nodes():
    text = HEAD + "".join(_pruner(f"l{i}", "'1:4'", "globl") for i in range(4))
    lines = text.split("\n")
    nm = _findings(text, "PL041")  # from the pattern check
    assert [d.range.start.line for d in nm] == [i for i, ln in enumerate(lines) if "pattern: '1:4'" in ln]
    scope = _findings(text, "PL006")  # with a fix, whose edit must be at each pruner's own value
    assert [d.range.start.line for d in scope] == [i for i, ln in enumerate(lines) if "globl" in ln]
    for d in scope:
        (fix,) = d.fixes
        (edit,) = fix.edits
        assert edit.range == d.range and edit.new_text == "global"


def test_pruners_that_differ_get_their_own_findings():
    text = HEAD + _pruner("a", "'1:4'") + _pruner("b", "'2:4'") + _pruner("c", "'1:4'") + _pruner("d", "'4x1'", "globl")
    lines = text.split("\n")
    assert [lines[d.range.start.line].strip() for d in _findings(text, "PL041")] == ["pattern: '1:4'"] * 2
    assert [d.range.start.line for d in _findings(text, "PL041")] == \
        [i for i, ln in enumerate(lines) if "'1:4'" in ln]
    assert [lines[d.range.start.line].strip() for d in _findings(text, "PL006")] == ["pruning_scope: globl"]


def test_the_same_spelling_matters_not_just_the_same_value():
    # `yes` and `on` are both YAML 1.1's true, but the finding quotes what is written
    text = (HEAD.replace("target_sparsity: 0.25\n", "") + "        - !PrunerV2\n          target_sparsity: yes\n"
            "        - !PrunerV2\n          target_sparsity: on\n        - !PrunerV2\n          target_sparsity: yes\n")
    msgs = [d.message.split(";")[0] for d in _findings(text, "PL003")]
    assert msgs == ["`target_sparsity` is `yes` (YAML 1.1's boolean true, the number 1 to INC)",
                    "`target_sparsity` is `on` (YAML 1.1's boolean true, the number 1 to INC)",
                    "`target_sparsity` is `yes` (YAML 1.1's boolean true, the number 1 to INC)"]


def _all_diagnostics(texts):
    return [[d.to_json() for d in check_text(t).diagnostics] for t in texts]


def test_findings_are_those_of_checking_every_pruner_itself(monkeypatch):
    corpus = Path(__file__).resolve().parents[1] / "configs"
    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.rglob("*.yaml"))]
    texts.append(HEAD + "".join(_pruner(f"l{i}", ("'1:4'", "'2:4'", "4X1", "'1:4'")[i % 4],
                                        ("local", "globl", "global")[i % 3]) for i in range(24)))
    texts.append(HEAD.replace("start_step: 0", "start_step: -1") + "".join(_pruner(f"l{i}", "'1:4'") for i in range(5)))
    # pruners that differ only in their targets: one kind for the checks that never read the target
    texts.append(HEAD + "".join(_pruner(f"l{i}", ("'1:4'", "4X1")[i % 2]) + f"          target_sparsity: {0.1 * i:.1f}\n"
                                "          start_step: -2\n          pruning_scope: globl\n" for i in range(8)))
    shared = _all_diagnostics(texts)
    # every pruner its own kind: each runs the check itself under the recorder, nothing is replayed
    monkeypatch.setattr(pruner_kinds, "_kinds", lambda ctx, *hidden: (list(range(len(ctx.pruners))), frozenset()))
    assert _all_diagnostics(texts) == shared
    # ... and as a kind of one (what a config of pruners no two alike gets): the check itself, unrecorded
    monkeypatch.setattr(pruner_kinds, "_kinds", lambda ctx, *hidden: (list(range(len(ctx.pruners))),
                                                             frozenset(range(len(ctx.pruners)))))
    assert _all_diagnostics(texts) == shared


def _ctx(text: str) -> RuleContext:
    parsed = parse_text(text)
    doc = detect(parsed.documents[0])
    return RuleContext(parsed, doc, effective_pruners(doc))


def test_a_check_that_reads_the_layer_selection_fails_loudly():
    ctx = _ctx(HEAD + _pruner("a", "'1:4'") + _pruner("b", "'1:4'"))
    with pytest.raises(UndeclaredRead):
        for_each_pruner(ctx, lambda c, p: p.settings.get("op_names"))
    with pytest.raises(UndeclaredRead):
        for_each_pruner(ctx, lambda c, p: p.index)
    with pytest.raises(UndeclaredRead):
        for_each_pruner(ctx, lambda c, p: c.pruners)


def test_a_finding_at_a_place_no_setting_names_is_made_by_each_pruner_itself():
    ctx = _ctx(HEAD + _pruner("a", "'1:4'") + _pruner("b", "'1:4'") + _pruner("c", "'1:4'"))
    calls = []

    def body(c, p):
        calls.append(p)
        s = p.settings.get("pattern")
        line = c.doc.root.pairs[0].key.start  # not a place the recorder can name per pruner
        c.report("PL041", Range.point(len(calls), 0) if line >= 0 else s.node, "somewhere else")

    for_each_pruner(ctx, body)
    assert len(calls) == 3  # the first under the recorder, then each of the others itself
    assert [d.range.start.line for d in ctx.diagnostics] == [1, 2, 3]


def test_pruners_differing_only_in_their_targets_share_the_checks_that_never_read_it():
    # each pruner its own target (0.1 .. 0.7) and its own bad start_step: the steps check runs once
    # for all of them (never_reads=TARGET), yet each finding is at its own pruner's node; the target
    # check (ratios.py reads it) still tells them apart
    text = HEAD + "".join(_pruner(f"l{i}", "'1:4'") + f"          target_sparsity: {0.1 * (i + 1):.1f}\n"
                          "          start_step: -2\n" for i in range(7))
    lines = text.split("\n")
    assert [d.range.start.line for d in _findings(text, "PL001")] == \
        [i for i, ln in enumerate(lines) if "start_step: -2" in ln]
    nm = _findings(text, "PL010")  # '1:4' allows at most 0.25: the pruners with 0.3 .. 0.7
    assert [lines[d.range.start.line].strip() for d in nm] == [f"target_sparsity: {0.1 * i:.1f}" for i in range(3, 8)]
    ctx = _ctx(text)
    calls = []
    for_each_pruner(ctx, lambda c, p: calls.append(p.value("start_step")), never_reads=pruner_kinds.TARGET)
    assert len(calls) == 1  # one kind: run once, replayed for the other six
    with pytest.raises(UndeclaredRead):
        for_each_pruner(_ctx(text), lambda c, p: p.value("target_sparsity"), never_reads=pruner_kinds.TARGET)
    with pytest.raises(ValueError):
        for_each_pruner(ctx, lambda c, p: None, never_reads=frozenset({"pattern"}))
