"""Scripts that change their config before INC builds the pruners (the patterns of INC's own training
scripts, ../shared/corpus/realworld/SOURCES.md): what they override is a run-time value, so no finding
rests on the value written in the call; everything else is still checked. Each case has a twin where
the override is missing or touches something else, and the finding is back."""

from __future__ import annotations

import pytest

from analysis.python_config import check_python_text

HEAD = "from neural_compressor.training import WeightPruningConfig, prepare_compression\n"
CALL = 'config = WeightPruningConfig(pruning_type="snip_momentum", pattern="4x1", target_sparsity=0.8)\n'


def codes(src: str) -> set[str]:
    return {d.code for d in check_python_text(src, "train.py").diagnostics}


CASES = {
    # INC 2.x: the Pruning callbacks' update_config, called with the script's step counts
    "update_config": ("manager = prepare_compression(model, config)\n"
                      "manager.callbacks.callbacks_list[0].update_config(start_step=1, end_step=total_steps)\n"),
    # INC 1.x / experimental: update_items_for_all_pruners
    "update_items": ("pruner = Pruning(config)\n"
                     "pruner.update_items_for_all_pruners(start_step=int(0.1 * n), end_step=int(0.7 * n))\n"),
    # an attribute of the config object
    "attribute": "config.end_step = args.max_train_steps\n",
    # an entry of its pruning_configs
    "pruning_configs_entry": 'config.pruning_configs[0]["end_step"] = total_steps\n',
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_overridden_key_is_a_runtime_value(name):
    assert "PL018" in codes(HEAD + CALL)  # as written: snip_momentum with INC's default end_step 0
    assert "PL018" not in codes(HEAD + CALL + CASES[name])


def test_an_override_of_something_else_keeps_the_finding():
    assert "PL018" in codes(HEAD + CALL + "args.end_step = 100\nconfig.start_step = 1\n")
    assert "PL018" in codes(HEAD + CALL + "pruner.update_config(target_sparsity=0.5)\n")


def test_other_findings_stay():
    bad = HEAD + 'config = WeightPruningConfig(pruning_type="snip_momentum", pattern="4X1")\n' + CASES["update_items"]
    assert "PL018" not in codes(bad) and "PL015" in codes(bad)


def test_a_local_list_changed_in_place_is_a_runtime_value():
    src = HEAD + ('configs = [{"pattern": "4x1", "pruning_type": "snip_momentum"}]\n'
                  'configs[0]["end_step"] = total_steps\nconfig = WeightPruningConfig(configs)\n')
    assert "PL018" not in codes(src)


def test_a_copy_of_inc_in_another_package_is_checked_like_inc():
    src = ("from intel_extension_for_transformers.transformers.utils.pruning import WeightPruningConfig\n"
           'config = WeightPruningConfig(pattern="2:4", target_sparsity=0.9, pruning_type="magnitude")\n')
    assert "PL010" in codes(src)
    other = src.replace("intel_extension_for_transformers.transformers.utils.pruning", "my_project.pruning")
    assert "PL010" not in codes(other)  # a class of the user's own with the same name is not INC's


def test_values_computed_from_the_scripts_arguments_are_runtime_values():
    """INC's run_glue_no_trainer.py pattern: steps, frequency, pattern and target from argparse; the
    pruner list literal. Nothing can be said about the computed values; the literal ones are checked."""
    body = ('def main(args, model, optimizer, warm):\n'
            '    total = int(args.steps * (args.epochs - args.cooldown))\n'
            '    frequency = int((total - warm + 1) / 40) if args.pruning_frequency == -1 else args.pruning_frequency\n'
            '    configs = [{"pruning_type": "snip_momentum", "pruning_scope": "global", "excluded_op_names": ["pooler"],\n'
            '                "pruning_op_types": ["Linear"], "max_sparsity_ratio_per_op": 0.98}]\n'
            '    config = WeightPruningConfig(configs, target_sparsity=args.target_sparsity, pattern=args.pattern,\n'
            '                                 pruning_frequency=frequency, start_step=warm, end_step=total)\n')
    assert not codes(HEAD + body)
    assert "PL006" in codes(HEAD + body.replace('"global"', '"globl"'))


def test_the_1x_v2_test_pattern_is_clean():
    """INC's test/pruning_with_pt/pruning_1.x_v2/test_pruning.py pattern: the pythonic_config import, an
    unsupported local key (INC only warns), progressive types and default steps that `update_config`
    sets before the pruners exist."""
    src = ("from neural_compressor.conf.pythonic_config import Config, WeightPruningConfig\n"
           "local = [{'op_names': ['layer1.*'], 'target_sparsity': 0.5, 'pattern': '8x2',\n"
           "          'pruning_type': 'magnitude_progressive', 'unsupported_key': 1},\n"
           "         {'op_names': ['layer2.*'], 'target_sparsity': 0.5, 'pattern': '2:4'}]\n"
           "conf = WeightPruningConfig(local, target_sparsity=0.8)\n"
           "prune = Pruning(Config(pruning=conf))\n"
           "prune.update_config(start_step=1, end_step=10)\n")
    found = check_python_text(src, "t.py").diagnostics
    assert not [d for d in found if d.severity.value == "error"], [(d.code, d.message) for d in found]
    assert "PL031" in {d.code for d in found}  # the unsupported key: INC warns, so do we
    assert "PL018" in codes(src.replace("prune.update_config(start_step=1, end_step=10)\n", ""))
