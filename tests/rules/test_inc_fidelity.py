"""Behaviours of INC 2.6 that the differential test (tests/oracle) found the first rules getting wrong.

Each case states what INC does (verified with INC 2.6 in its venv) and checks our verdict:
"error" (INC raises), or at most a warning (INC accepts).
"""

from __future__ import annotations

import pytest

from analysis.diagnostics import Severity
from analysis.engine import check_text


def b(glob: str, *pruners: str) -> str:
    out = "model: {name: toy, framework: pytorch}\npruning:\n  approach:\n    weight_compression_v2:\n" + glob
    if not pruners:
        return out + "      pruners: []\n"
    return out + "      pruners:\n" + "".join("        - !PrunerV2\n" + p for p in pruners)


def errors(text: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for d in check_text(text, path="t.yaml").diagnostics:
        if d.severity is Severity.ERROR:
            out.setdefault(d.code, []).append(d)
    return out


MAG = "      pruning_type: magnitude\n      end_step: 4\n"
P_OWN = "            target_sparsity: 0.5\n            pattern: 4x1\n            op_names: [layer1]\n"

CASES = [
    # check_config validates max_sparsity_ratio_per_op before capping it to N/M
    ("max 1.5 with an N:M pattern", b(MAG + "      max_sparsity_ratio_per_op: 1.5\n      pattern: '2:4'\n"
                                        "      target_sparsity: 0.5\n"), "PL005"),
    # `yes` is True, and check_config compares True < 1.0: False
    ("target yes", b(MAG + "      target_sparsity: yes\n"), "PL003"),
    ("target no (0) is accepted", b(MAG + "      target_sparsity: no\n"), None),
    # a wrong global value every pruner overrides is never read
    ("overridden global, wrong type", b(MAG + "      target_sparsity: '0.5'\n", P_OWN), None),
    ("inherited global, wrong type", b(MAG + "      target_sparsity: '0.5'\n",
                                        "            pattern: 4x1\n            op_names: [layer1]\n"), "PL013"),
    ("overridden global, unquoted N:M", b(MAG + "      pattern: 2:4\n", P_OWN), None),
    # excluded_op_names null -> {} under INC's loader: appending the classifier head fails
    ("excluded_op_names empty", b(MAG + "      excluded_op_names:\n"), "PL013"),
    # op_names null -> {} selects nothing: an N:M pattern then divides by zero at the first pruning step
    ("empty selection with N:M", b(MAG + "      op_names:\n      pattern: '2:4'\n      target_sparsity: 0.5\n"),
     "PL040"),
    ("empty selection with NxM", b(MAG + "      op_names:\n      pattern: '4x1'\n"), None),
    # op_names as a mapping: INC iterates its keys
    ("op_names mapping", b(MAG + "      op_names: {layer1: 1}\n"), None),
    # progressive pruning with blocks under 4 weights fails when the pruner is built
    ("progressive 2:4", b("      pruning_type: magnitude_progressive\n      end_step: 12\n      pruning_frequency: 2\n"
                          "      pattern: '2:4'\n      target_sparsity: 0.5\n"), "PL064"),
    ("progressive 2:4, degraded", b("      pruning_type: magnitude_progressive\n      end_step: 12\n"
                                    "      pruning_frequency: 1\n      pattern: '2:4'\n      target_sparsity: 0.5\n"), None),
    ("progressive 1x1", b("      pruning_type: snip_progressive\n      end_step: 12\n      pruning_frequency: 3\n"
                          "      pattern: 1x1\n"), "PL064"),
    # INC's progressive pruner builds these criteria without the masks they need
    ("block_mask_progressive", b("      pruning_type: block_mask_progressive\n      end_step: 12\n"), "PL017"),
    ("retrain_free_progressive", b("      pruning_type: retrain_free_progressive\n      end_step: 12\n"
                                   "      pattern: channelx1\n"), "PL017"),
    # pattern_lock and sparse_gpt build no regularizer: reg_type is never read
    ("group_lasso N:M with pattern_lock", b("      pruning_type: pattern_lock\n      reg_type: group_lasso\n"
                                            "      pattern: '2:4'\n      start_step: 1\n      end_step: 1\n"), None),
    ("group_lasso N:M with magnitude", b(MAG + "      reg_type: group_lasso\n      pattern: '2:4'\n"
                                         "      target_sparsity: 0.5\n"), "PL024"),
    # only the last of duplicate keys reaches INC
    ("duplicate key, first value bad", b(MAG + "      target_sparsity: '0.5'\n      target_sparsity: 0.5\n"), None),
    # a one-shot schedule never reads sparsity_decay_type, whatever its type
    ("decay list, one-shot", b("      pruning_type: magnitude\n      start_step: 2\n      end_step: 2\n"
                               "      sparsity_decay_type: [cos]\n"), None),
    ("decay list, iterative", b(MAG + "      sparsity_decay_type: [cos]\n"), "PL026"),
    # a WeightPruningConfig YAML read by a script's yaml.safe_load: one document only
    ("dialect A, two documents", "pruning_type: magnitude\npruning_configs: []\n---\nfoo: 1\n", "PL057"),
    # the tag's class is built with construct_mapping: a tagged list, string or null fails at load
    *((f"!PrunerV2 on {what}", b(MAG).replace("      pruners: []\n", f"      pruners:\n        - !PrunerV2 {what}\n"),
       "PL053") for what in ("[]", "[a]", '"x"', "null", "")),
    ("!PrunerV2 on a mapping", b(MAG).replace("      pruners: []\n", "      pruners:\n        - !PrunerV2 {}\n"), None),
]


@pytest.mark.parametrize("name,text,code", CASES, ids=[c[0] for c in CASES])
def test_verdict_follows_inc(name, text, code):
    found = errors(text)
    if code is None:
        assert not found, f"INC accepts this, we report errors: {[(c, d[0].message) for c, d in found.items()]}"
    else:
        assert code in found, f"INC rejects this ({code}); we report {sorted(found)}"
        assert all(d.message for d in found[code])


def test_unused_global_value_is_still_a_warning_that_says_why():
    text = b(MAG + "      target_sparsity: '0.5'\n", P_OWN)
    (d,) = [d for d in check_text(text).diagnostics if d.code == "PL013"]
    assert d.severity is Severity.WARNING
    assert "no pruner uses this global value" in d.message


def test_empty_excluded_op_names_fix_writes_a_list():
    text = b(MAG + "      excluded_op_names:\n")
    (d,) = errors(text)["PL013"]
    (edit,) = d.fixes[0].edits
    assert edit.new_text == " []"
    assert (edit.range.start.line, edit.range.start.character) == (d.range.start.line, len("      excluded_op_names:"))
