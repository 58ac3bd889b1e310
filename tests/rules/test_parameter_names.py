"""PL079: an op_names entry written as a parameter name (INC 1.x's `names`) selects no module in INC 2.x."""

from __future__ import annotations

import pytest

from analysis.diagnostics import Severity
from analysis.engine import check_text
from analysis.fix_all import fix_text

HEAD = ("version: 1.0\nmodel: {name: toy, framework: pytorch}\npruning:\n  approach:\n    weight_compression_v2:\n"
        "      target_sparsity: 0.8\n      end_step: 10\n      pruners:\n        - !PrunerV2\n          pattern: 4x1\n")


def _pl079(text: str, model=None):
    return [d for d in check_text(text, path="t.yaml", model=model).diagnostics if d.code == "PL079"]


def _model():
    from analysis.models.types import LayerIndex, LayerInfo
    return LayerIndex("toy.pt", "pytorch", [
        LayerInfo("fc", "Linear", False, "fc.weight", (8, 8), "float32", 64, ("fc.weight", "fc.bias")),
        LayerInfo("head", "Linear", False, "head.weight", (2, 8), "float32", 16, ("head.weight", "head.bias"))],
        "torch-zip", True)


@pytest.mark.parametrize("entry", ["fc.weight", "encoder.layer.0.output.dense.bias", r"encoder\.layer\.0\.dense\.weight"])
def test_a_parameter_name_is_flagged_at_its_entry(entry):
    line = f"          op_names: [ok_module, '{entry}']\n"
    found = _pl079(HEAD + line)
    assert len(found) == 1 and found[0].severity is Severity.WARNING
    col = line.index(f"'{entry}'")
    assert (found[0].range.start.line, found[0].range.start.character) == (HEAD.count("\n"), col)
    assert "selects no layer" in found[0].message


@pytest.mark.parametrize("entry", ["fc", "encoder.layer.0.output.dense", ".*weight", "layer.*.weight_proj", "weight",
                                   "fc.weights", "(fc|head).weight"])
def test_module_names_and_regexes_are_not_flagged(entry):
    assert _pl079(HEAD + f"          op_names: ['{entry}']\n") == []


def test_with_a_model_pl045_speaks_instead():
    text = HEAD + "          op_names: ['fc', 'fc.weight']\n"
    assert _pl079(text) and not _pl079(text, _model())
    assert [d.code for d in check_text(text, path="t.yaml", model=_model()).diagnostics if d.code == "PL045"] == ["PL045"]


def test_the_fix_drops_the_suffix_and_keeps_quotes():
    text = HEAD + "          op_names: ['fc.weight', \"x.y.bias\", enc.weight]\n"
    assert len(_pl079(text)) == 3
    fixed = fix_text(text, lambda t: check_text(t, path="t.yaml").diagnostics).text
    assert fixed.endswith("op_names: ['fc', \"x.y\", enc]\n"), fixed
    assert _pl079(fixed) == []


def test_no_fix_where_the_source_spells_the_value_with_escapes():
    text = HEAD + "          op_names: [\"x\\\\.y\\\\.bias\"]\n"  # YAML "x\\.y\\.bias" is the regex x\.y\.bias
    found = _pl079(text)
    assert len(found) == 1 and found[0].fixes == []


def test_mha_pruners_ignore_op_names():
    assert _pl079(HEAD.replace("pattern: 4x1", "pattern: 1xchannel\n          prune_domain: mha") + "") == []
    text = HEAD.replace("pattern: 4x1", "pattern: mha") + "          op_names: ['fc.weight']\n"
    assert _pl079(text) == []
