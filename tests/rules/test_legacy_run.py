"""PL071: what INC 2.6's 1.x pruners (dialect D) and the experimental pytorch_pruner (C) do with a
config once training runs. Each case states INC's behaviour, as its callbacks compute it
(experimental/pruner_legacy, experimental/pytorch_pruner/patterns.py); the legacy differential
(tests/oracle/test_differential_legacy.py) checks the same against INC itself."""

from __future__ import annotations

import pytest

from analysis.diagnostics import Severity
from analysis.engine import check_text

HEAD = "model:\n  name: toy\n  framework: pytorch\npruning:\n  approach:\n    weight_compression:\n"


def d(glob: str, pruner: str) -> str:
    return HEAD + glob + "      pruners:\n        - !Pruner\n" + "".join(
        f"            {line}\n" for line in pruner.strip().splitlines())


def c(glob: str, pruner: str) -> str:
    return (HEAD.replace("weight_compression:", "weight_compression_pytorch:") + glob +
            "      pruners:\n        - !Pruner\n" + "".join(f"            {ln}\n" for ln in pruner.strip().splitlines()))


def pl071(text: str) -> list:
    return [x for x in check_text(text, path="t.yaml").diagnostics if x.code == "PL071"]


def errors(text: str) -> list:
    return [x for x in check_text(text, path="t.yaml").diagnostics if x.severity is Severity.ERROR]


W = "names: ['fc.weight']"

FAILS = {  # INC raises once training runs: an error at the value, saying when and why
    "target reaches 1 at the last epoch": (d("", f"{W}\nstart_epoch: 1\nend_epoch: 3\ntarget_sparsity: 1.0"),
                                           "1.0", "epoch 3"),
    "YAML 1.1 yes is the number 1": (d("", f"{W}\ntarget_sparsity: yes"), "yes", "IndexError"),
    "inherited global target 1.0": (d("      initial_sparsity: 0.0\n      target_sparsity: 1.0\n",
                                      f"{W}\nstart_epoch: 1\nend_epoch: 3"), "1.0", "inherits"),
    "initial 1.5 interpolated": (d("", f"{W}\ninitial_sparsity: 1.5\ntarget_sparsity: 0.6"), "1.5", "IndexError"),
    "a quoted number": (d("", f"{W}\nstart_epoch: 1\nend_epoch: 3\ntarget_sparsity: \"0.5\""), '"0.5"', "TypeError"),
    "start_epoch empty": (d("", f"{W}\nstart_epoch:"), "start_epoch", "epoch 0"),
    "update_frequency 0": (d("", f"{W}\nupdate_frequency: 0"), "0", "ZeroDivisionError"),
    "method per_channel": (d("", f"{W}\nmethod: per_channel"), "per_channel", "per_tensor"),
    "element-wise gradient_sensitivity": (d("", f"{W}\nprune_type: gradient_sensitivity\nstart_epoch: 1\n"
                                             "end_epoch: 3\ntarget_sparsity: \"0.5\""), '"0.5"', "TypeError"),
    "group_lasso over every parameter": (d("", "prune_type: group_lasso\nparameters: {alpha: 0.006}"),
                                         "group_lasso", "1-D"),
    "group_lasso over a bias": (d("", "prune_type: group_lasso\nparameters: {alpha: 0.006}\n"
                                  "names: ['fc.weight', 'fc.bias']"), "['fc.weight', 'fc.bias']", "bias"),
    "names a string on pattern_lock": (d("", "prune_type: pattern_lock\nnames: layer1"), "layer1", "fails"),
    "head pruning with a list": (d("", "prune_type: gradient_sensitivity\nparameters: [0.1]"), "[0.1]",
                                 "importance_metric"),
    "head pruning without its keys": (d("", "prune_type: gradient_sensitivity\nnames: ['bert.encoder.layer.*.x.weight']"
                                        "\nparameters: {target: 8}"), "{target: 8}", "importance_metric"),
    "an empty !Pruner entry": (HEAD + "      pruners:\n        - !Pruner\n", "!Pruner", "ConstructorError"),
    "head pruning without names": (d("", "prune_type: gradient_sensitivity\nparameters: {target: 8, normalize: true, "
                                      "stride: 64, transpose: false, importance_inputs: ['l.*.w'], "
                                      "importance_metric: weighted_gradient}"), "{target: 8", "every parameter"),
    "C one-shot with max ratio 0": (c("      start_step: 2\n      end_step: 2\n      max_sparsity_ratio_per_layer: 0.0\n"
                                      "      target_sparsity: 0.5\n", "pattern: '2:4'\nprune_type: snip_momentum"),
                                    "0.0", "kthvalue"),
}

ACCEPTS = {  # INC trains these to the end: no error (a warning where the value is useless)
    "target below 1": d("", f"{W}\ntarget_sparsity: 0.9"),
    "schedule stops short of 1 (update_frequency 2 over 3 epochs)": d("", f"{W}\nstart_epoch: 1\nend_epoch: 3\n"
                                                                      "target_sparsity: 1.0\nupdate_frequency: 2"),
    "a negative sparsity indexes from the end": d("", f"{W}\ninitial_sparsity: -0.1\ntarget_sparsity: 0.5"),
    "pattern_lock never schedules": d("", "prune_type: pattern_lock\ntarget_sparsity:\nstart_epoch: x"),
    "head pruning never reads target_sparsity": d("", "prune_type: gradient_sensitivity\ntarget_sparsity:\nparameters: "
                                                  "{target: 8, normalize: true, stride: 64, transpose: false, "
                                                  "importance_inputs: [head_mask], importance_metric: abs_gradient}\n"
                                                  "names: ['bert.encoder.layer.*.attention.self.query.weight']"),
    "basic_magnitude with names a string prunes nothing": d("", "names: layer1"),
    "parameters unread by basic_magnitude": d("", f"{W}\nparameters: [0.1]"),
    "start == end takes the target directly": d("", f"{W}\nstart_epoch: 2\nend_epoch: 2\ninitial_sparsity: x"),
    "head pruning with empty names walks nothing": d("", "prune_type: gradient_sensitivity\nnames: []\n"
                                                      "parameters: {importance_metric: abs_gradient}"),
    "C names as a string: regexes by character": c("", "prune_type: magnitude\nnames: layer1"),
    "C names as a mapping: regexes by key": c("", "prune_type: magnitude\nnames: {layer1: 1}"),
    "C iterative schedule with max ratio 0": c("      start_step: 0\n      end_step: 4\n      update_frequency_on_step: 1\n"
                                               "      max_sparsity_ratio_per_layer: 0.0\n      target_sparsity: 0.5\n",
                                               "prune_type: magnitude"),
}


@pytest.mark.parametrize("name", sorted(FAILS))
def test_inc_fails(name):
    text, token, why = FAILS[name]
    found = [x for x in pl071(text) if x.severity is Severity.ERROR]
    assert found, f"{name}: no PL071 error"
    line = text.splitlines()[found[0].range.start.line]
    assert token in line[found[0].range.start.character:] or token in line, (name, line)
    assert why in found[0].message, (name, found[0].message)


@pytest.mark.parametrize("name", sorted(ACCEPTS))
def test_inc_accepts(name):
    found = errors(ACCEPTS[name])
    assert not found, f"{name}: {[(x.code, x.message) for x in found]}"


def test_useless_values_are_warnings():
    warned = pl071(ACCEPTS["basic_magnitude with names a string prunes nothing"])
    assert [x.severity for x in warned] == [Severity.WARNING] and "prunes nothing" in warned[0].message
    unread = pl071(ACCEPTS["pattern_lock never schedules"])
    assert unread and all(x.severity is Severity.WARNING and "never reads" in x.message for x in unread)


def _model():
    """fc: Linear 8x8 (weight, bias); ln: LayerNorm (1-D weight, bias)."""
    from analysis.models.types import LayerIndex, LayerInfo
    return LayerIndex("toy.pt", "pytorch", [
        LayerInfo("fc", "Linear", False, "fc.weight", (8, 8), "float32", 64, ("fc.weight", "fc.bias")),
        LayerInfo("ln", "LayerNorm", False, "ln.weight", (8,), "float32", 8, ("ln.weight", "ln.bias"))],
        "torch-zip", True)


def _model_errors(text: str) -> list:
    return [x for x in check_text(text, path="t.yaml", model=_model()).diagnostics
            if x.code == "PL071" and x.severity is Severity.ERROR]


def test_with_the_model_a_1d_weight_breaks_group_lasso():
    """Whether a listed parameter is 2-D depends on the model: a LayerNorm's `.weight` is 1-D."""
    lasso = "prune_type: group_lasso\nparameters: {alpha: 0.006}\nnames: ['%s']"
    assert not _model_errors(d("", lasso % "fc.weight"))
    found = _model_errors(d("", lasso % "ln.weight"))
    assert found and "2-D/4-D" in found[0].message
    assert not errors(d("", lasso % "ln.weight"))  # without the model a `.weight` is taken for a Linear's


def test_with_the_model_a_missing_parameter_breaks_pattern_lock():
    lock = "prune_type: pattern_lock\nnames: ['%s']"
    assert not _model_errors(d("", lock % "fc.weight"))
    found = _model_errors(d("", lock % "layer9.weight"))
    assert found and "no parameter `layer9.weight`" in found[0].message
    warned = pl071(d("", lock % "layer1"))  # without a model: a warning that says how to check
    assert [x.severity for x in warned] == [Severity.WARNING] and "model=" in warned[0].message


def _conv_model():
    from analysis.models.types import LayerIndex, LayerInfo
    return LayerIndex("c.pt", "pytorch", [
        LayerInfo("layer2.0", "Conv2d", False, "layer2.0.weight", (32, 32, 1, 1), "float32", 1024,
                  ("layer2.0.weight", "layer2.0.bias")),
        LayerInfo("layer3.0", "Linear", False, "layer3.0.weight", (30, 64), "float32", 1920,
                  ("layer3.0.weight", "layer3.0.bias"))], "torch-zip", True)


def _c_errors(pruner: str) -> list:
    text = c("      start_step: 0\n      end_step: 4\n      target_sparsity: 0.5\n", pruner)
    return [x for x in check_text(text, path="t.yaml", model=_conv_model()).diagnostics
            if x.code == "PL071" and x.severity is Severity.ERROR]


def test_c_pattern_that_no_selected_layer_divides():
    """Whether a pattern's blocks divide the selected layers depends on the model's shapes: the C
    differential checks these on the oracle's model, which INC ran on."""
    assert not _c_errors("prune_type: magnitude\npattern: 4x1\nnames: ['layer.*']")
    found = _c_errors("prune_type: magnitude\npattern: tile_pattern_3x3\nnames: ['layer2.*']")
    assert found and "torch.cat" in found[0].message
    # global scope: one layer divides (30 rows by 3), so INC prunes it and skips the other
    assert not _c_errors("prune_type: magnitude\npattern: 3x1\nnames: ['layer.*']")
    # local scope masks layer by layer: the 32-row conv alone fails
    assert _c_errors("prune_type: magnitude\npattern: 3x1\nnames: ['layer.*']\nprune_domain: local")
    # pattern_lock reshapes every selected layer
    assert _c_errors("prune_type: pattern_lock\nstart_step: 1\nend_step: 1\npattern: 3x1\nnames: ['layer.*']")
    assert not errors(c("      start_step: 0\n      end_step: 4\n      target_sparsity: 0.5\n",
                        "prune_type: magnitude\npattern: tile_pattern_3x3\nnames: ['layer2.*']"))  # no model: silent
