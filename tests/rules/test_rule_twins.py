"""For every rule: a small config that breaks it and a twin, one change away, that does not.

The breaking config marks the exact range of the expected diagnostic with « and »; the test asserts
the code, the severity and that range (0-based line, code-point character), that the twin has no
diagnostic of that code, and, for a fixable rule, that applying the fix's edits to the text makes
the diagnostic go away. A rule added to the registry without a twin here fails
`test_every_rule_has_twins`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pytest

from analysis.diagnostics import Severity, TextEdit
from analysis.engine import check_text
from analysis.positions import Position, Range
from analysis.rules.registry import RULES

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFORMATION

# Rules no YAML text can trigger on its own: they need a model file (the model-reference engineer
# tests them with real model files) or a bug in prune-lsp.
EXEMPT = {
    "PL070": "needs a model file (analysis/rules/model_ref.py, tested with real models)",
    "PL099": "reported only when a check itself crashes (a prune-lsp bug)",
}


def exempt(code: str) -> bool:
    r = RULES[code]
    return code in EXEMPT or r.needs_model or int(code[2:]) >= 70


@dataclass
class Twin:
    bad: str  # with «» around the expected range
    good: str
    severity: Severity
    fix_title: Optional[str] = None  # for fixable rules: a substring of the fix to apply (default: the first)


def _head(container: str = "weight_compression_v2") -> str:
    return f"model:\n  name: toy\n  framework: pytorch\npruning:\n  approach:\n    {container}:\n"


def b(glob: str, pruners: str = "      pruners: []\n") -> str:
    """A dialect-B config: `glob` are lines at the global level (6 spaces), `pruners` the pruners block."""
    return _head() + glob + pruners


def bp(glob: str, *pruners: str) -> str:
    """A dialect-B config with `!PrunerV2` entries; each entry's lines are indented by 12 spaces."""
    block = "      pruners:\n" + "".join("        - !PrunerV2\n" + p for p in pruners)
    return _head() + glob + block


def d(body: str) -> str:
    """A dialect-D (INC 1.x weight_compression) config (with `pruners: []` unless the body has a list:
    INC 1.x builds its pruners from that list and fails without it)."""
    return _head("weight_compression") + body + ("" if "pruners:" in body else "      pruners: []\n")


def c(body: str) -> str:
    """A dialect-C (weight_compression_pytorch) config."""
    return _head("weight_compression_pytorch") + body


OK_B = "      start_step: 0\n      end_step: 10\n      pruning_type: magnitude\n"

TWINS: dict[str, Twin] = {
    # --- structure.py
    "PL050": Twin("model: {name: toy}\npruning:\n  approach:\n    weight_compression_v2:\n      pruners: []\n"
                  "      end_step: [1, 2\n«»",
                  b(OK_B), E),
    "PL051": Twin("«pruning»:\n  magnitude:\n    prune1: {weights: [a], target_sparsity: 0.3}\n  start_epoch: 0\n",
                  b(OK_B), E),
    "PL052": Twin(_head().replace("    weight_compression_v2", "    «weight_compression_v2»") + OK_B,
                  b(OK_B), E),
    "PL053": Twin(b(OK_B, "      pruners:\n        - «»op_names: ['layer1']\n          pattern: 4x1\n"),
                  bp(OK_B, "            op_names: ['layer1']\n            pattern: 4x1\n"), E),
    "PL054": Twin("pruning:\n  «approach»:\n    weight_compression_v3:\n      pruners: []\n", b(OK_B), E),
    "PL055": Twin("# prune-lsp: model=«model.pt»\nfoo: 1\n", "# prune-lsp: model=model.pt\n" + b(OK_B), I),
    "PL056": Twin("weight_compression_v2: " + "[" * 209 + "«[»" + "]" * 210 + "\n", b(OK_B), E),
    "PL057": Twin(b(OK_B).replace("pruning:", "«pruning»:", 1) + "---\nfoo: 1\n", b(OK_B), E),
    "PL058": Twin("«pruning»:\n  approach:\n    weight_compression:\n      initial_sparsity: 0.0\n",
                  d("      initial_sparsity: 0.0\n"), E),
    "PL059": Twin(b("      «end_step»: 5\n" + OK_B), b(OK_B), W),
    # --- unknown_keys.py
    "PL031": Twin(b(OK_B + "      «target_sparsty»: 0.5\n"), b(OK_B + "      target_sparsity: 0.5\n"), W),
    "PL042": Twin(b(OK_B + "      «resume_from_pruned_checkpoint»: true\n"), b(OK_B), I),
    "PL043": Twin("pruning_type: magnitude\n«lock_init_sparsity»: true\npruning_configs: []\n",
                  "pruning_type: magnitude\npruning_configs: []\n", I),
    "PL044": Twin(bp(OK_B, "            op_names: ['layer1']\n            «reg_coeff»: 0.1\n"),
                  bp(OK_B, "            op_names: ['layer1']\n            parameters: {reg_coeff: 0.1}\n"), E),
    # --- value_types.py, yaml_traps.py
    "PL013": Twin(b(OK_B + "      target_sparsity: «9e-1»\n"), b(OK_B + "      target_sparsity: 0.9\n"), E),
    "PL014": Twin(b(OK_B + "      pattern: «2:4»\n      target_sparsity: 0.5\n"),
                  b(OK_B + "      pattern: \"2:4\"\n      target_sparsity: 0.5\n"), E),
    "PL040": Twin(b(OK_B + "      «op_names»:\n"), b(OK_B + "      op_names: ['.*']\n"), W),
    # --- steps.py
    "PL001": Twin(b(OK_B.replace("start_step: 0", "start_step: «-1»")), b(OK_B), E),
    "PL002": Twin(b(OK_B.replace("start_step: 0\n      end_step: 10", "start_step: 5\n      end_step: «3»")),
                  b(OK_B.replace("start_step: 0\n      end_step: 10", "start_step: 5\n      end_step: 8")), E),
    "PL004": Twin(b(OK_B + "      pruning_frequency: «0»\n"), b(OK_B + "      pruning_frequency: 1\n"), E),
    "PL018": Twin(b("      pruning_type: snip\n      end_step: «0»\n"),
                  b("      pruning_type: snip\n      end_step: 1\n"), E),
    "PL022": Twin(b("      pruning_type: «pattern_lock»\n      start_step: 0\n      end_step: 5\n"),
                  b("      pruning_type: pattern_lock\n      start_step: 5\n      end_step: 5\n"), E),
    "PL038": Twin(b("      pruning_type: «magnitude_progressive»\n      start_step: 0\n      end_step: 3\n"),
                  b("      pruning_type: magnitude_progressive\n      start_step: 0\n      end_step: 12\n"
                    "      pruning_frequency: 2\n"), W),
    # --- ratios.py
    "PL003": Twin(b(OK_B + "      target_sparsity: «1.2»\n"), b(OK_B + "      target_sparsity: 0.8\n"), E),
    "PL005": Twin(b(OK_B + "      max_sparsity_ratio_per_op: «1.5»\n"),
                  b(OK_B + "      max_sparsity_ratio_per_op: 0.95\n"), E),
    "PL010": Twin(b(OK_B + "      pattern: \"2:4\"\n      target_sparsity: «0.9»\n"),
                  b(OK_B + "      pattern: \"2:4\"\n      target_sparsity: 0.5\n"), E),
    "PL011": Twin(b(OK_B + "      min_sparsity_ratio_per_op: «0.99»\n"),
                  b(OK_B + "      min_sparsity_ratio_per_op: 0.5\n"), E),
    "PL034": Twin(b(OK_B + "      target_sparsity: «0.9»\n      max_sparsity_ratio_per_op: 0.7\n"),
                  b(OK_B + "      target_sparsity: 0.6\n      max_sparsity_ratio_per_op: 0.7\n"), W),
    # --- pattern.py
    "PL007": Twin(b(OK_B + "      pattern: «ax1»\n"), b(OK_B + "      pattern: 8x1\n"), E),
    "PL008": Twin(b(OK_B + "      pattern: «\"0x1\"»\n"), b(OK_B + "      pattern: \"1x1\"\n"), E),
    "PL009": Twin(b(OK_B + "      pattern: «\"3:2\"»\n      target_sparsity: 0.5\n"),
                  b(OK_B + "      pattern: \"2:3\"\n      target_sparsity: 0.5\n"), E),
    "PL015": Twin(b(OK_B + "      pattern: «4X1»\n"), b(OK_B + "      pattern: 4x1\n"), E),
    "PL016": Twin(b(OK_B + "      pattern: «channelxchannel»\n"), b(OK_B + "      pattern: channelx1\n"), E),
    "PL041": Twin(b(OK_B + "      pattern: «\"1:4\"»\n      target_sparsity: 0.25\n"),
                  b(OK_B + "      pattern: \"2:4\"\n      target_sparsity: 0.25\n"), W),
    # --- pruning_type.py
    "PL017": Twin(b("      pruning_type: «magnitud»\n"), b("      pruning_type: magnitude\n"), E),
    "PL019": Twin(b("      pruning_type: «block_mask»\n      end_step: 10\n      pattern: \"2:4\"\n"
                    "      target_sparsity: 0.5\n"),
                  b("      pruning_type: block_mask\n      end_step: 10\n      pattern: \"4x1\"\n"
                    "      target_sparsity: 0.5\n"), E),
    "PL020": Twin(b("      pruning_type: «retrain_free»\n      end_step: 10\n      pattern: 4x1\n"),
                  b("      pruning_type: retrain_free\n      end_step: 10\n      pattern: channelx1\n"), E),
    "PL021": Twin(b("      pruning_type: «sparse_gpt»\n      pattern: 4x1\n"),
                  b("      pruning_type: sparse_gpt\n      pattern: 1x1\n"), E),
    "PL064": Twin(b("      pruning_type: «snip_progressive»\n      start_step: 0\n      end_step: 12\n"
                    "      pruning_frequency: 2\n      pattern: \"2:4\"\n      target_sparsity: 0.5\n"),
                  b("      pruning_type: snip_progressive\n      start_step: 0\n      end_step: 12\n"
                    "      pruning_frequency: 2\n      pattern: \"4:8\"\n      target_sparsity: 0.5\n"), E),
    "PL033": Twin(b(OK_B + "      criterion_type: «gradient»\n"), b(OK_B + "      criterion_type: magnitude\n"), W),
    # --- model_checks.py, without a model: say what to check
    "PL065": Twin(b(OK_B + "      pattern: «\"3:5\"»\n      target_sparsity: 0.5\n"),
                  b(OK_B + "      pattern: \"2:4\"\n      target_sparsity: 0.5\n"), I),
    # --- enums.py
    "PL006": Twin(b(OK_B + "      pruning_scope: «globl»\n"), b(OK_B + "      pruning_scope: global\n"), E),
    "PL025": Twin(b(OK_B + "      criterion_reduce_type: «meen»\n"), b(OK_B + "      criterion_reduce_type: mean\n"), E),
    "PL026": Twin(b(OK_B + "      sparsity_decay_type: «expo»\n"), b(OK_B + "      sparsity_decay_type: exp\n"), E),
    # --- regularization.py
    "PL012": Twin(bp(OK_B, "            parameters: {reg_coeff: «-0.1»}\n"),
                  bp(OK_B, "            parameters: {reg_coeff: 0.1}\n"), E),
    "PL023": Twin(b(OK_B + "      reg_type: «l1»\n"), b(OK_B + "      reg_type: group_lasso\n"), E),
    "PL024": Twin(b(OK_B + "      reg_type: «group_lasso»\n      pattern: \"2:4\"\n      target_sparsity: 0.5\n"),
                  b(OK_B + "      reg_type: group_lasso\n      pattern: \"4x1\"\n      target_sparsity: 0.5\n"), E),
    "PL032": Twin("pruning_type: magnitude\n«reg_coeff»: 0.1\npruning_configs: []\n",
                  "pruning_type: magnitude\nparameters: {reg_coeff: 0.1}\npruning_configs: []\n", W),
    # --- layer_regex.py
    "PL027": Twin(b(OK_B + "      op_names: [«'[bad'»]\n"), b(OK_B + "      op_names: ['\\[bad']\n"), E),
    "PL028": Twin(b(OK_B + "      excluded_op_names: [«'*x'»]\n"), b(OK_B + "      excluded_op_names: ['.*x']\n"), E),
    "PL029": Twin(b(OK_B + "      excluded_op_names: «classifier»\n"),
                  b(OK_B + "      excluded_op_names: [classifier]\n"), E),
    "PL030": Twin(b(OK_B + "      pruning_op_types: «Linear»\n"), b(OK_B + "      pruning_op_types: [Linear]\n"), W),
    # --- keras.py
    "PL039": Twin("model: {name: toy, framework: keras}\npruning:\n  approach:\n    weight_compression_v2:\n"
                  "      pruning_type: «snip_momentum»\n      end_step: 10\n      pruning_op_types: [Dense]\n"
                  "      pruners: []\n",
                  "model: {name: toy, framework: keras}\npruning:\n  approach:\n    weight_compression_v2:\n"
                  "      pruning_type: magnitude\n      end_step: 10\n      pruning_op_types: [Dense]\n"
                  "      pruners: []\n", E),
    # --- legacy.py (INC 1.x)
    "PL066": Twin(d("      initial_sparsity: 0.0\n") + "tuning:\n  «random_sed»: 1978\n",
                  d("      initial_sparsity: 0.0\n") + "tuning:\n  random_seed: 1978\n", E),
    "PL067": Twin(d("      pruners:\n        - !Pruner\n            prune_type: «group_lasso»\n"),
                  d("      pruners:\n        - !Pruner\n            prune_type: group_lasso\n"
                    "            parameters: {alpha: 0.006}\n            names: ['fc.weight']\n"), E),
    "PL071": Twin(d("      pruners:\n        - !Pruner\n            names: ['fc.weight']\n"
                    "            target_sparsity: «1.0»\n"),
                  d("      pruners:\n        - !Pruner\n            names: ['fc.weight']\n"
                    "            target_sparsity: 0.9\n"), E),
    "PL068": Twin(c("      start_step: 0\n      end_step: 4\n      update_frequency_on_step: «100»\n"
                    "      pruners:\n        - !Pruner\n            prune_type: magnitude\n"),
                  c("      start_step: 0\n      end_step: 4\n      update_frequency_on_step: 2\n"
                    "      pruners:\n        - !Pruner\n            prune_type: magnitude\n"), E),
    "PL069": Twin(c("      pruners:\n        - !Pruner\n            prune_type: magnitude\n            names: [«1»]\n"),
                  c("      pruners:\n        - !Pruner\n            prune_type: magnitude\n            names: ['1']\n"), E),
    "PL060": Twin(d("      initial_sparsity: «0.9»\n      target_sparsity: 0.5\n"),
                  d("      initial_sparsity: 0.1\n      target_sparsity: 0.5\n"), E),
    "PL061": Twin(d("      pruners:\n        - !Pruner\n            prune_type: «basic_magnitud»\n"),
                  d("      pruners:\n        - !Pruner\n            prune_type: basic_magnitude\n"), E),
    "PL062": Twin(d("      pruners:\n        - !Pruner\n            pattern: «tile_pattern_3x3»\n"),
                  d("      pruners:\n        - !Pruner\n            pattern: tile_pattern_1x1\n"), E),
    "PL063": Twin(_head("weight_compression").replace("pruning:\n", "pruning:\n  train:\n    criterion:\n"
                  "      CrossEntropyLoss:\n        reduction: «None»\n") + "      initial_sparsity: 0.0\n",
                  _head("weight_compression").replace("pruning:\n", "pruning:\n  train:\n    criterion:\n"
                  "      CrossEntropyLoss:\n        reduction: none\n") + "      initial_sparsity: 0.0\n"
                  "      pruners: []\n", E),
}


def marked(text: str) -> tuple[str, Range]:
    """Remove the « » markers and return the text and the marked range (code points)."""
    start, end = text.index("«"), text.index("»")
    clean = text[:start] + text[start + 1:end] + text[end + 1:]
    return clean, Range(_pos(clean, start), _pos(clean, end - 1))


def _pos(text: str, offset: int) -> Position:
    before = text[:offset]
    return Position(before.count("\n"), offset - (before.rfind("\n") + 1))


def apply_edits(text: str, edits: tuple[TextEdit, ...]) -> str:
    """Apply LSP-style edits (ranges in the original text), last first."""
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def off(p: Position) -> int:
        return starts[p.line] + p.character

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[:off(e.range.start)] + e.new_text + text[off(e.range.end):]
    return text


def test_apply_edits_helper():
    edits = (TextEdit(Range(Position(0, 1), Position(0, 2)), "XY"), TextEdit(Range(Position(1, 0), Position(1, 0)), "!"))
    assert apply_edits("abc\ndef", edits) == "aXYc\n!def"


def test_every_rule_has_twins():
    missing = sorted(code for code in RULES if code not in TWINS and not exempt(code))
    assert not missing, f"rules without a breaking config and a twin in tests/rules: {missing}"
    assert not set(TWINS) - set(RULES), "twins for rules that do not exist"


def _diags(text: str, code: str):
    return [x for x in check_text(text, path="t.yaml").diagnostics if x.code == code]


@pytest.mark.parametrize("code", sorted(TWINS))
def test_breaking_config(code):
    twin = TWINS[code]
    text, rng = marked(twin.bad)
    found = _diags(text, code)
    assert found, f"{code} not reported on:\n{text}\n(got: {[(x.code, x.message) for x in check_text(text).diagnostics]})"
    at = [x for x in found if x.range == rng]
    assert at, f"{code} reported at {[x.range for x in found]}, expected {rng}"
    assert at[0].severity is twin.severity
    assert at[0].message.strip()


@pytest.mark.parametrize("code", sorted(TWINS))
def test_twin_is_clean(code):
    twin = TWINS[code]
    found = _diags(twin.good, code)
    assert not found, f"{code} reported on the twin: {[x.message for x in found]}"
    if twin.severity is E and code not in ("PL050", "PL056"):
        # the twin differs in one thing: it must not be an error config for another reason either
        # (except where INC would raise something else, none of the twins here)
        errors = [x for x in check_text(twin.good).diagnostics if x.severity is E]
        assert not errors, f"the twin of {code} has errors: {[(x.code, x.message) for x in errors]}"


FIXABLE = sorted(code for code, r in RULES.items() if r.fixable and code in TWINS)


@pytest.mark.parametrize("code", FIXABLE)
def test_fix_removes_the_diagnostic(code):
    twin = TWINS[code]
    text, rng = marked(twin.bad)
    diag = next(x for x in _diags(text, code) if x.range == rng)
    assert diag.fixes, f"{code} is fixable but offers no fix here"
    fix = diag.fixes[0]
    fixed = apply_edits(text, fix.edits)
    assert fixed != text
    after = [x for x in _diags(fixed, code) if x.range.start.line == rng.start.line]
    assert not after, f"applying '{fix.title}' left {code}:\n{fixed}"
    # and the fix does not break the file
    assert not [x for x in check_text(fixed).diagnostics if x.code == "PL050"], fixed
