"""The patterns of INC's real-world pruning files (../shared/corpus/realworld/SOURCES.md: INC's example
configs and READMEs, its tests' YAML strings, its training scripts), written here as the project's
own configs: each is checked by prune-lsp and, when the INC 2.6 oracle venv is there, run by INC
itself (tests/oracle/inc_runner.py), so that the expected verdict is INC's, not ours.

- `inc` is INC's verdict: True (accepted) or the stage where it raises.
- prune-lsp must report an error exactly when INC raises, and the listed codes.
"""

from __future__ import annotations

import pytest

from analysis.diagnostics import Severity
from analysis.engine import check_text

import oracle

_C_HEAD = "model:\n  name: bert-mini\n  framework: pytorch\npruning:\n  approach:\n    weight_compression_pytorch:\n"
_D_HEAD = "model:\n  name: resnet\n  framework: pytorch\npruning:\n  approach:\n    weight_compression:\n"

PATTERNS = [
    # INC's pytorch_pruner example READMEs and configs: steps left at 0 because the script sets them at
    # run time (update_items_for_all_pruners); as written INC rejects them at construction.
    ("c-readme-steps-at-runtime", "C", _C_HEAD + (
        "      start_step: 0\n      end_step: 0\n      excluded_names: [classifier, pooler]\n"
        "      prune_layer_type: [Linear]\n      target_sparsity: 0.8\n      update_frequency_on_step: 1000\n"
        "      prune_domain: global\n      pruners:\n        - !Pruner\n            pattern: oc_pattern_4x1\n"
        "            prune_type: snip_momentum\n            sparsity_decay_type: exp\n"), "construct", {"PL018"}),
    # ... the same with the steps the script would set: accepted
    ("c-readme-steps-written", "C", _C_HEAD + (
        "      start_step: 0\n      end_step: 20\n      excluded_names: [classifier, pooler]\n"
        "      prune_layer_type: [Linear]\n      target_sparsity: 0.8\n      update_frequency_on_step: 5\n"
        "      prune_domain: global\n      pruners:\n        - !Pruner\n            pattern: oc_pattern_4x1\n"
        "            prune_type: snip_momentum\n            sparsity_decay_type: exp\n"), True, set()),
    # ... and with the README's large frequency kept: the experimental scheduler divides by zero
    ("c-frequency-over-span", "C", _C_HEAD + (
        "      start_step: 0\n      end_step: 20\n      prune_layer_type: [Linear]\n      target_sparsity: 0.8\n"
        "      update_frequency_on_step: 1000\n      pruners:\n        - !Pruner\n            pattern: '4x1'\n"
        "            prune_type: magnitude\n"), "train", {"PL068"}),
    # the yolo README: keys of another era (`exclude_names`, `max_layer_sparsity_ratio`)
    ("c-keys-of-another-era", "C", _C_HEAD + (
        "      start_step: 0\n      end_step: 10\n      max_layer_sparsity_ratio: 0.98\n      pruners:\n"
        "        - !Pruner\n            exclude_names: ['.*head']\n            prune_type: magnitude\n"),
     "load", {"PL031"}),
    # INC's progressive test YAML: 2.x pruner types in a 1.x `!Pruner`
    ("d-progressive-types", "D", _D_HEAD + (
        "      start_epoch: 0\n      end_epoch: 2\n      pruners:\n        - !Pruner\n"
        "            prune_type: magnitude_progressive\n            names: ['layer1.0.conv1.weight']\n"),
     "construct", {"PL061"}),
    # INC's scheduler/oneshot tests: a complete 1.x file with train, evaluation and tuning sections
    ("d-complete-file", "D", _D_HEAD.replace("pruning:\n", "pruning:\n  train:\n    start_epoch: 0\n    end_epoch: 2\n"
                                             "    iteration: 10\n    optimizer:\n      SGD:\n        learning_rate: 0.1\n"
                                             "    criterion:\n      CrossEntropyLoss:\n        reduction: mean\n") + (
        "      initial_sparsity: 0.0\n      target_sparsity: 0.7\n      start_epoch: 0\n      end_epoch: 2\n"
        "      pruners:\n        - !Pruner\n            prune_type: basic_magnitude\n"
        "            names: ['layer1.0.conv1.weight']\n"
        "evaluation:\n  accuracy:\n    metric:\n      topk: 1\ntuning:\n  accuracy_criterion:\n    relative: 0.01\n"
        "  exit_policy:\n    timeout: 0\n  random_seed: 9527\n"), True, set()),
    # ... with a train section that has no criterion (required by the 1.x schema)
    ("d-train-without-criterion", "D", _D_HEAD.replace("pruning:\n", "pruning:\n  train:\n    start_epoch: 0\n"
                                                        "    end_epoch: 2\n") + (
        "      pruners:\n        - !Pruner\n            prune_type: basic_magnitude\n"), "config", {"PL066"}),
    # the docs' group lasso example without its alpha
    ("d-group-lasso-without-alpha", "D", _D_HEAD + (
        "      pruners:\n        - !Pruner\n            prune_type: group_lasso\n"
        "            names: ['layer1.0.conv1.weight']\n"), "construct", {"PL067"}),
    # a 2.x file whose pruners mapping is empty (what a null becomes): one pruner from the global keys
    ("b-empty-pruners-mapping", "B", "model: {name: toy, framework: pytorch}\npruning:\n  approach:\n"
     "    weight_compression_v2:\n      pruning_type: magnitude\n      start_step: 0\n      end_step: 4\n"
     "      op_names: ['layer1']\n      pruners: {}\n", True, set()),
]


@pytest.mark.parametrize("name,dialect,text,inc,codes", PATTERNS, ids=[p[0] for p in PATTERNS])
def test_prune_lsp_matches_the_expected_verdict(name, dialect, text, inc, codes):
    diags = check_text(text, path=f"{name}.yaml").diagnostics
    errors = [d for d in diags if d.severity is Severity.ERROR]
    shown = [(d.code, d.message[:90]) for d in diags]
    assert bool(errors) == (inc is not True), shown
    assert codes <= {d.code for d in errors}, shown


def test_runtime_steps_message_says_how_to_silence():
    text = PATTERNS[0][2]
    (d,) = [d for d in check_text(text).diagnostics if d.code == "PL018"]
    assert "update_items_for_all_pruners" in d.message and "disable=PL018" in d.message
    silenced = "# prune-lsp: disable-file=PL018\n" + text
    assert not [x for x in check_text(silenced).diagnostics if x.severity is Severity.ERROR]


@pytest.mark.oracle
def test_inc_gives_the_expected_verdicts():
    python, why = oracle.inc_python()
    if python is None:
        pytest.skip(why)
    Case = type("Case", (), {})
    cases = []
    for name, dialect, text, _inc, _codes in PATTERNS:
        c = Case()
        c.id, c.dialect, c.text = name, dialect, text
        cases.append(c)
    results, _stats = oracle.verdicts(python, cases)
    got = {n: (True if results[n]["ok"] else results[n]["stage"], results[n]["error"]) for n, *_r in PATTERNS}
    want = {n: inc for n, _d, _t, inc, _c in PATTERNS}
    assert {n: g[0] for n, g in got.items()} == want, got
