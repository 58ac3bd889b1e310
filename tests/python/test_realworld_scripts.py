"""INC's own Python files that use pruning configs (../shared/corpus/realworld/SOURCES.md: 45 training scripts,
tests and docs snippets of intel/neural-compressor), each read in full, turned into the project's own patterns.

The patterns below are written here (never copied): each reproduces what one or more of those files do with their
config, on the layer names of the oracle's model (tests/oracle/inc_runner.py: layer1, layer2, layer3, pooler,
classifier). prune-lsp must report an error exactly where INC 2.6 fails; INC's verdict comes from the oracle:
the literal parts of the call (run-time values replaced by the script's argparse defaults, literal
`update_config(...)` changes applied as INC applies them) through inc_runner's dialect-A pipeline (WeightPruningConfig,
pruner construction, prepare_pruning and the first training steps), and `prepare_pruning(config, model, ...)`
through inc_wpc_oracle.py.

Legend. INC: INC 2.6 on the file's literal config ("run time": nothing literal to run). before/after: prune-lsp
on the pattern before and after this work (PL086, prepare_pruning given the config first, is new; every other
pattern already gave the result below, and is now held by a test; PL087, INC's pruning API imported from where INC 2.6
lacks it, is new too). Files marked * are not stored at SOURCES' commit
in the reference index; the nearest stored version was read.

| file (intel/neural-compressor) | what it does with its config | INC 2.6 | prune-lsp before -> after |
|---|---|---|---|
| test/pruning_with_pt/pruning_2.x/test_pruning.py * | list literal in a test method (unsupported key, 8x2/2:4/5x1, progressive types), WPC(list, 0.8, 1, 10), prepare_compression | accepted (warns on the key) | PL031/PL038 warnings, no error (same) |
| pruning_2.x/test_pruning_config.py * | channelx1 snip_progressive local + pattern_lock, pruning_frequency=2 | accepted | clean (same) |
| pruning_2.x/test_pruning_criteria.py * | snip start=end=6, cube, snip_momentum_progressive freq 4 min/max; then assigns `pruners[0].progressive_configs[...]` (INC's objects, not the config) | accepted | PL038 warning (same) |
| pruning_2.x/test_pruning_patterns.py * | 5:8, 1xchannel global, 4x2 snip_progressive 2..20, cos, min 0.1, local | accepted | clean (same) |
| pruning_2.x/test_pruning_progressive.py * | as patterns with 6:8; `pruners[-1].progressive_configs[...]`/`progressive_logger` after on_train_begin | accepted | clean (same) |
| pruning_2.x/test_pruning_regs.py * | pruner-level reg_type group_lasso, reg_coeff 0.1 | accepted (reg_coeff becomes parameters' 0.0) | PL032 warning (same) |
| pruning_2.x/test_pruning_schedulers.py * | module-level list and WPC (backslash continuation) used in a test class | accepted | clean (same) |
| pruning_2.x/test_pruning_types.py * | module-level; pattern_lock 0..0, snip_momentum_progressive 1..1, snip_progressive 16x1 cube | accepted | PL038 warnings (same) |
| pruning_2.x/test_pruning_block.py * | block_mask with criterion_type/criterion_reduce_type, `pruning_op_types: "Linear"` (a string), retrain_free channelx1/x2 | accepted | PL030 information, PL033 warning (same) |
| pruning_2.x/test_auto_slim.py * | list from parse_auto_slim_config(model), `configs = []; configs += auto` | run time | clean (same) |
| pruning_2.x/test_conv_pruning.py * | Conv1d / transformers Conv1D model defined in the method; channelx1 snip local, 2:4 global | accepted | clean (same) |
| pruning_2_plus.x/test_pruning.py * | `prepare_pruning(config, self.model, optimizer)`, import inside the method | rejected: AssertionError not supported type <model> | clean -> PL086 error |
| pruning_2_plus.x/test_pruning_block.py * | block_mask, string op types; prepare_pruning(config, model, optimizer) | rejected (config first) | PL030 info -> + PL086 error |
| pruning_2_plus.x/test_pruning_retrain_free.py * | retrain_free; prepare_pruning(config, model, dataloader=, loss_func=) | rejected (config first) | clean -> PL086 error |
| pruning_2_plus.x/test_pruning_sparsegpt.py * | sparse_gpt 1x1 / 2:4; prepare_pruning(config, model, dataloader=, device=) | rejected (config first) | clean -> PL086 error |
| pruning_1.x_v2/test_pruning.py * | conf.pythonic_config WPC without steps; Pruning(Config(pruning=conf)); update_config(start_step=1, end_step=10) | accepted; without the update: rejected at construction (end_step 0) | clean; PL018 without the update (same) |
| pruning_1.x_v2/test_pruning_config.py * | same import; update_config(pruning_frequency=4) before on_train_begin | accepted | clean (same) |
| pruning_1.x_v2/test_pruning_criteria.py * | update_config(start_step=1, end_step=10) overrides the snip pruner's own 6..6 too | accepted | clean (same) |
| pruning_1.x_v2/test_pruning_patterns.py * | update_config(start_step=1, end_step=10) | accepted | clean (same) |
| pruning_1.x_v2/test_pruning_schedulers.py * | module-level WPC; update_config(start_step=1) only: end_step stays as written | accepted | clean (same) |
| pruning_1.x_v2/test_pruning_types.py * | module-level WPC; update_config(pruning_frequency=1) after on_train_begin | accepted | PL038 warning on the 1..1 span (same) |
| test/pruning_with_tf/pruning_2.x/test_pruning_keras.py * | WPC(backend="itex", 3x1, pruning_op_types ["Conv", "Dense"]) | accepted (torch model) | PL065 information (same) |
| test/scheduler/test_orchestration.py * | WPC([{start 0, end 2}], 0.64, local) with DistillationConfig in `confs=[d, p]` | accepted | clean (same) |
| examples/.../ResNet50/pruning/eager/train.py * | import inside main(); steps from if/else; args-driven target/pattern/frequency; prepare_pruning(configs, model, optimizer) | literal list accepted; call rejected (config first) | clean -> PL086 error |
| .../prune_and_ptq/fx/main.py * | op_names `layer1.0.conv1.weight` (1.x parameter names), steps from float division, import in `if` | accepted (selects no layer, no error) | clean (same) |
| .../qat_during_prune/fx/main.py * | op_names `layer1.0.conv*`, global; `confs.append(p_conf)` | accepted | clean (same) |
| .../language-modeling/pruning/eager/run_clm_no_trainer.py * | retrain_free channelx1 list literal; frequency from a conditional expression; commented-out keywords in the call; `from neural_compressor.compression import model_slim` | config accepted; the import fails (ImportError) | clean -> PL087 error |
| .../language-modeling/pruning/eager/run_clm_sparsegpt.py * | `pruning_configs` bound in if/else (literal sparse_gpt list, or [] += auto-slim); prepare_pruning(model, configs, dataloader=, device=) | accepted | clean (same) |
| .../language-modeling/pruning/multi_cards/run_clm_no_trainer.py * | not stored: magnitude/run_clm_no_trainer.py read instead; args-driven WPC around a literal magnitude list | accepted | clean (same) |
| .../multi_cards/run_clm_no_trainer_deepspeed.py * | dict values from argparse (`"pruning_type": args.pruning_type`) | accepted | clean (same) |
| .../question-answering/model_slim/run_qa_no_trainer_auto_slim.py * | `pruning_configs = []; pruning_configs += parse_auto_slim_config(...)` | run time | clean (same) |
| .../question-answering/.../prune_once_for_all/fx/run_qa_no_trainer_pruneOFA.py * | stored version: INC 2.0's `neural_compressor.config.Pruner/PruningConfig` (no WeightPruningConfig) | ImportError in 2.6 | nothing checked (same) |
| .../question-answering/pruning/eager/run_qa_no_trainer.py * | args-driven; excluded `.*embeddings*` | accepted | clean (same) |
| .../text-classification/.../run_glue_no_trainer_pruneOFA.py * | WPC(pruning_type="pattern_lock") only, import inside `if`, `combs.append` | accepted | clean (same) |
| .../text-classification/pruning/eager/run_glue_no_trainer.py * | global pruning_type from args; prepare_pruning(configs, model, optimizer) | rejected (config first) | clean -> PL086 error |
| .../text-classification/pruning/eager/run_glue_no_trainer_mixed.py * | `from neural_compressor import prepare_pruning` (ImportError in 2.6); two pruners 1x1 local / 4x1 global; prepare_pruning(configs, model, optimizer) | rejected (config first; the import too) | clean -> PL086 and PL087 errors |
| .../translation/pruning/eager/run_translation_no_trainer.py * | args-driven; excluded qa_outputs/pooler/.*embeddings*/lm_head | accepted | clean (same) |
| .../object_detection/yolo_v5/pruning/eager/train.py * | `from neural_compressor.pruning import Pruning`; Pruning(opt.pruning_config) (a YAML path) + update_config(start_step=, end_step=): the README's C config | run time (YAML checked apart); the import fails on 2.6 | nothing checked (same: no WeightPruningConfig in the file) |
| examples/tensorflow/.../ViT/pruning/magnitude/main.py * | experimental Pruning("./prune_vit.yaml") | run time (YAML) | nothing checked (same) |
| examples/tensorflow/.../resnet_v2/pruning/magnitude/main.py * | experimental Pruning("./prune.yaml") in `__main__` | run time (YAML) | nothing checked (same) |
| docs/source/migration.md block 9 | `pruning_configs: [pruning_config]` inside the call | SyntaxError | PL050 (same; test_wpc_docs_corpus) |
| docs/source/migration.md block 11 | global keys in a dict read as attributes (`config.target_sparsity`), list literal | run time (AttributeError) | clean (same) |
| docs/source/pruning.md blocks 0+1 | two-pruner list, prepare_pruning(model, config, optimizer) | accepted | clean (same) |
| docs/source/pruning.md blocks 3+5 | retrain_free list; args-driven WPC and WPC(list); prepare_pruning(model, configs, dataloader=) | accepted | clean (same) |
| docs/source/pruning.md blocks 6+7 | sparse_gpt list; prepare_pruning(model, configs, dataloader=, device=) | accepted | clean (same) |

Not reported: imports that fail on INC 2.6 in files without a WeightPruningConfig call (prune-lsp does not parse
those: yolo's `neural_compressor.pruning`, the QA pruneOFA script's `neural_compressor.config.Pruner`), names outside
PL087's table, and 2.x op_names written as 1.x parameter names (`....weight`), which INC accepts but which select no
layer.
"""

from __future__ import annotations

import ast
import copy
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "oracle"))
from helpers_wpc import apply_fix, span_text  # noqa: E402

from analysis.diagnostics import Severity  # noqa: E402
from analysis.python_config import check_python_text, find_configs  # noqa: E402
from tests.conftest import INC_PYTHON  # noqa: E402


@dataclass
class Pattern:
    name: str
    models: str  # the real files (SOURCES.md) whose use of the config this reproduces
    source: str
    inc: Union[bool, str, None]  # INC 2.6 on the literal config: True, the stage it fails at, None: run time only
    errors: set = field(default_factory=set)  # exactly the error codes prune-lsp must report
    present: set = field(default_factory=set)  # other codes that must be there
    runtime: dict = field(default_factory=dict)  # expression text -> the value the script computes (argparse default)
    config_first: bool = False  # the script calls prepare_pruning(config, model, ...)
    import_error: bool = False  # an import from INC fails on INC 2.6


_LOCAL_LIST = (
    '    {"op_names": ["layer1.*"], "target_sparsity": 0.5, "pattern": "8x2",\n'
    '     "pruning_type": "magnitude_progressive", "not_a_key": "INC only warns"},\n'
    '    {"op_names": ["layer2.*"], "target_sparsity": 0.5, "pattern": "2:4"},\n'
    '    {"op_names": ["layer3.*"], "target_sparsity": 0.7, "pattern": "5x1", "pruning_type": "snip_progressive",\n'
    '     "reg_type": "group_lasso", "reg_coeff": 0.1},\n')
_PYTHONIC = ("from neural_compressor.conf.pythonic_config import Config, WeightPruningConfig\n"
             "from neural_compressor.experimental.pruning_v2 import Pruning\n\n")
_ARGS_SCRIPT = '''import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--target_sparsity", type=float, default=0.8)
parser.add_argument("--pruning_pattern", type=str, default="4x1")
parser.add_argument("--pruning_frequency", type=int, default=-1)


def main(args, model, optimizer, num_iterations, total_iterations, num_warm):
    from neural_compressor.training import WeightPruningConfig, prepare_compression
    frequency = int((total_iterations - num_warm + 1) / 40) if args.pruning_frequency == -1 \\
        else args.pruning_frequency
    pruning_start = num_warm
    pruning_end = total_iterations
    if not args.do_prune:
        pruning_start = num_iterations * args.num_train_epochs + 1
        pruning_end = pruning_start
    pruning_configs = [
        {"pruning_type": "snip_momentum", "pruning_scope": "global", "sparsity_decay_type": "exp",
         "excluded_op_names": ["pooler", ".*embeddings*"], "pruning_op_types": ["Linear"],
         "max_sparsity_ratio_per_op": 0.98}
    ]
    configs = WeightPruningConfig(
        pruning_configs,
        target_sparsity=args.target_sparsity,
        # pattern=args.pruning_pattern,
        pruning_frequency=frequency,
        start_step=pruning_start,
        end_step=pruning_end,
    )
    manager = prepare_compression(model=model, confs=configs)
'''
_ARGS_RUNTIME = {"args.target_sparsity": 0.8, "frequency": 1, "pruning_start": 1, "pruning_end": 10}
_UPDATE_STEPS = "prune.update_config(start_step=1, end_step=10)\n"

PATTERNS = [
    Pattern("local-list-in-a-test-method",
            "pruning_2.x/test_pruning.py, test_pruning_regs.py; pruning_2_plus.x/test_pruning.py",
            "import unittest\nfrom neural_compressor import WeightPruningConfig\n"
            "from neural_compressor.training import prepare_compression\n\n\nclass TestPruning(unittest.TestCase):\n"
            "    def test_basic(self):\n        local = [\n"
            + "".join("        " + line + "\n" for line in _LOCAL_LIST.splitlines())
            + "        ]\n        config = WeightPruningConfig(local, target_sparsity=0.8, start_step=1, end_step=10)\n"
            "        manager = prepare_compression(model=self.model, confs=config)\n"
            "        manager.callbacks.on_train_begin()\n",
            True, present={"PL031", "PL032"}),
    Pattern("inc-objects-changed-after-build",
            "pruning_2.x/test_pruning_criteria.py, test_pruning_progressive.py",
            "from neural_compressor import WeightPruningConfig\nfrom neural_compressor.training import "
            "prepare_compression\n\nlocal = [\n"
            '    {"op_names": ["layer1.*"], "target_sparsity": 0.4, "pattern": "8x2",\n'
            '     "pruning_type": "magnitude_progressive", "pruning_scope": "local", "sparsity_decay_type": "cube"},\n'
            '    {"op_names": ["layer2.*"], "target_sparsity": 0.45, "pattern": "2:4", "pruning_type": "snip",\n'
            '     "start_step": 6, "end_step": 6},\n'
            '    {"op_names": ["layer3.*"], "excluded_op_names": ["downsample.*"], "target_sparsity": 0.7,\n'
            '     "pattern": "4x1", "pruning_type": "snip_momentum_progressive", "pruning_frequency": 4,\n'
            '     "min_sparsity_ratio_per_op": 0.5, "max_sparsity_ratio_per_op": 0.8},\n]\n'
            'config = WeightPruningConfig(local, target_sparsity=0.8, sparsity_decay_type="cube", start_step=1, '
            "end_step=10)\nmanager = prepare_compression(model=model, confs=config)\n"
            'manager.callbacks.callbacks_list[0].pruners[0].progressive_configs["progressive_type"] = "scores"\n'
            "manager.callbacks.callbacks_list[0].pruners[-1].progressive_logger = True\n"
            "manager.callbacks.on_train_begin()\n",
            True, present={"PL038"}),
    Pattern("n-m-and-channel-patterns",
            "pruning_2.x/test_pruning_patterns.py, test_pruning_progressive.py, test_pruning_config.py, "
            "test_conv_pruning.py",
            "from neural_compressor import WeightPruningConfig\n\nlocal = [\n"
            '    {"op_names": ["layer1.*"], "target_sparsity": 0.5, "pattern": "5:8", "pruning_type": "magnitude"},\n'
            '    {"op_names": ["layer2.*"], "pattern": "1xchannel", "pruning_scope": "global"},\n'
            '    {"start_step": 2, "end_step": 20, "op_names": ["layer3.*"], "target_sparsity": 0.666666,\n'
            '     "pattern": "4x2", "pruning_type": "snip_progressive", "pruning_frequency": 5},\n'
            '    {"op_names": ["pooler"], "pattern": "channelx1", "pruning_type": "snip", "pruning_scope": "local"},\n'
            ']\nconfig = WeightPruningConfig(local, target_sparsity=0.8, sparsity_decay_type="cos",\n'
            '                             excluded_op_names=["downsample.*"], pruning_scope="local",\n'
            "                             min_sparsity_ratio_per_op=0.1, start_step=1, end_step=10)\n",
            True),
    Pattern("block-mask-and-string-op-types",
            "pruning_2.x/test_pruning_block.py, pruning_2_plus.x/test_pruning_block.py, test_pruning_retrain_free.py",
            "from neural_compressor import WeightPruningConfig\n\nlocal = [\n"
            '    {"op_names": ["layer1"], "target_sparsity": 0.6, "pattern": "2xchannel",\n'
            '     "pruning_type": "block_mask", "pruning_scope": "global", "criterion_type": "snip_momentum_block",\n'
            '     "criterion_reduce_type": "mean",\n'
            '     "pruning_op_types": "Linear"},\n'
            '    {"op_names": ["layer2"], "target_sparsity": 0.9, "pattern": "32x32", "pruning_op_types": "Linear",\n'
            '     "pruning_type": "block_mask", "pruning_scope": "local"},\n'
            '    {"op_names": ["layer3", "pooler"], "target_sparsity": 0.4, "pattern": "channelx1",\n'
            '     "pruning_op_types": ["Linear", "Conv2d"], "pruning_type": "retrain_free", "pruning_frequency": 2},\n'
            "]\nconfig = WeightPruningConfig(local, target_sparsity=0.8, start_step=1, end_step=10)\n",
            True, present={"PL030"}),
    Pattern("module-level-config-shared-by-tests",
            "pruning_2.x/test_pruning_schedulers.py, test_pruning_types.py; pruning_1.x_v2 (same names)",
            "from neural_compressor import WeightPruningConfig\nfrom neural_compressor.training import "
            "prepare_compression\n\nlocal_types = [\n"
            '    {"start_step": 0, "end_step": 0, "pruning_type": "pattern_lock", "op_names": ["layer1.*"],\n'
            '     "excluded_op_names": ["layer2.*"], "pruning_scope": "global"},\n'
            '    {"start_step": 1, "end_step": 1, "target_sparsity": 0.5,\n'
            '     "pruning_type": "snip_momentum_progressive",\n'
            '     "pruning_frequency": 2, "op_names": ["layer2.*"], "pruning_scope": "local", "pattern": "4x1"},\n'
            '    {"start_step": 2, "end_step": 8, "target_sparsity": 0.8, "pruning_type": "snip_progressive",\n'
            '     "op_names": ["layer3.*"], "pruning_scope": "local", "pattern": "16x1",\n'
            '     "sparsity_decay_type": "cube"},\n'
            '    {"start_step": 0, "end_step": 0, "pruning_type": "pattern_lock", "op_names": ["pooler"],\n'
            '     "pattern": "2:4"},\n]\n\n'
            "shared_config = WeightPruningConfig(local_types, target_sparsity=0.9, start_step=0, \\\n"
            '                                    end_step=10, pruning_frequency=3, sparsity_decay_type="exp")\n\n\n'
            "class Case:\n    def test(self):\n"
            "        manager = prepare_compression(model=self.model, confs=shared_config)\n",
            True),
    Pattern("steps-set-by-update-config",
            "pruning_1.x_v2/test_pruning.py, test_pruning_criteria.py, test_pruning_patterns.py",
            _PYTHONIC + "local = [\n" + _LOCAL_LIST + "]\nconf = WeightPruningConfig(local, target_sparsity=0.8)\n"
            "prune = Pruning(Config(quantization=None, benchmark=None, pruning=conf, distillation=None))\n"
            + _UPDATE_STEPS + "prune.model = model\nprune.on_train_begin()\nprune.update_config(pruning_frequency=4)\n",
            True),
    Pattern("steps-as-written-without-update-config",
            "pruning_1.x_v2/test_pruning.py without its update_config (the 2:4 pruner is snip_momentum at step 0)",
            _PYTHONIC + "local = [\n" + _LOCAL_LIST + "]\nconf = WeightPruningConfig(local, target_sparsity=0.8)\n"
            "prune = Pruning(Config(quantization=None, benchmark=None, pruning=conf, distillation=None))\n",
            "construct", errors={"PL018"}),
    Pattern("only-start-step-updated",
            "pruning_1.x_v2/test_pruning_schedulers.py: end_step is still the written one",
            _PYTHONIC + "local = [\n"
            '    {"start_step": 0, "end_step": 2, "pruning_type": "magnitude", "op_names": ["layer1.*"],\n'
            '     "pruning_scope": "global", "target_sparsity": 0.5, "pattern": "4x1"},\n'
            '    {"start_step": 1, "end_step": 10, "pruning_type": "snip_momentum", "pruning_frequency": 2,\n'
            '     "op_names": ["layer2.*"], "pruning_scope": "local", "target_sparsity": 0.75, "pattern": "32x1"},\n]\n'
            "conf = WeightPruningConfig(local, target_sparsity=0.9, start_step=0, end_step=10, pruning_frequency=1)\n"
            "prune = Pruning(Config(quantization=None, benchmark=None, pruning=conf, distillation=None))\n"
            "prune.update_config(start_step=1)\n",
            True),
    Pattern("only-start-step-updated-end-still-zero",
            "twin of the above: a gradient pruner whose written end_step 0 the update does not touch",
            _PYTHONIC + 'local = [{"start_step": 0, "end_step": 0, "pruning_type": "snip_momentum",\n'
            '          "op_names": ["layer2"], "pattern": "4x1"}]\n'
            "conf = WeightPruningConfig(local, target_sparsity=0.9)\n"
            "prune = Pruning(Config(quantization=None, benchmark=None, pruning=conf, distillation=None))\n"
            "prune.update_config(start_step=1)\n",
            "config", errors={"PL018"}),
    Pattern("list-from-auto-slim",
            "pruning_2.x/test_auto_slim.py, question-answering/model_slim/run_qa_no_trainer_auto_slim.py",
            "from neural_compressor import WeightPruningConfig\n"
            "from neural_compressor.compression.pruner import parse_auto_slim_config\n\n"
            'auto = parse_auto_slim_config(model, ffn2_sparsity=0.5, mha_sparsity=0.5, pruning_scope="local")\n'
            "pruning_configs = []\npruning_configs += auto\n"
            "configs = WeightPruningConfig(pruning_configs, start_step=1, end_step=25)\n",
            None),
    Pattern("prepare-pruning-config-first",
            "pruning_2_plus.x/test_pruning*.py, ResNet50/pruning/eager/train.py, text-classification run_glue*.py",
            "from neural_compressor import WeightPruningConfig\n\n\ndef test_basic(model, optimizer):\n"
            '    local = [{"op_names": ["layer2.*"], "pruning_type": "snip_momentum", "target_sparsity": 0.5,\n'
            '              "pruning_scope": "local", "pattern": "2:4"}]\n'
            "    config = WeightPruningConfig(local, target_sparsity=0.8, start_step=1, end_step=4)\n"
            "    from neural_compressor.compression.pruner import prepare_pruning\n"
            "    pruning = prepare_pruning(config, model, optimizer)\n",
            True, errors={"PL086"}, config_first=True),
    Pattern("prepare-pruning-model-first-with-dataloader",
            "language-modeling run_clm_sparsegpt.py, docs pruning.md blocks 3+5 and 6+7",
            "from neural_compressor import WeightPruningConfig\n"
            "from neural_compressor.compression.pruner import prepare_pruning\n\nlocal = [\n"
            '    {"op_names": ["layer1"], "target_sparsity": 0.65, "pattern": "1x1", "pruning_type": "sparse_gpt"},\n'
            '    {"op_names": ["layer2"], "target_sparsity": 0.5, "pattern": "2:4", "pruning_type": "sparse_gpt"},\n]\n'
            "config = WeightPruningConfig(local, target_sparsity=0.5, start_step=1, end_step=10)\n"
            'pruning = prepare_pruning(model, config, dataloader=loader, device="cpu")\n',
            True),
    Pattern("args-driven-script",
            "ResNet50 train.py, language-modeling run_clm_no_trainer*.py, question-answering run_qa_no_trainer.py, "
            "translation, text-classification run_glue_no_trainer.py",
            _ARGS_SCRIPT, True, runtime=_ARGS_RUNTIME),
    Pattern("args-driven-script-with-a-literal-typo",
            "twin of the above: what is written in the script is still checked",
            _ARGS_SCRIPT.replace('"pruning_scope": "global"', '"pruning_scope": "globl"'),
            "config", errors={"PL006"}, runtime=_ARGS_RUNTIME),
    Pattern("dict-values-from-args",
            "language-modeling multi_cards/run_clm_no_trainer_deepspeed.py",
            "from neural_compressor.training import WeightPruningConfig, prepare_compression\n\n\n"
            "def main(args, model, start, end, frequency):\n    pruning_configs = [\n"
            '        {"pruning_type": args.pruning_type, "pruning_scope": args.pruning_scope,\n'
            '         "sparsity_decay_type": "exp", "excluded_op_names": ["pooler"], "pruning_op_types": ["Linear"],\n'
            '         "max_sparsity_ratio_per_op": 0.98}\n    ]\n'
            "    configs = WeightPruningConfig(pruning_configs, target_sparsity=args.target_sparsity,\n"
            "                                  pattern=args.pruning_pattern, pruning_frequency=frequency,\n"
            "                                  start_step=start, end_step=end)\n"
            "    manager = prepare_compression(model=model, confs=configs)\n",
            True, runtime={"args.pruning_type": "magnitude", "args.pruning_scope": "global",
                           "args.target_sparsity": 0.8, "args.pruning_pattern": "4x1", "frequency": 1, "start": 0,
                           "end": 8}),
    Pattern("config-list-bound-in-branches",
            "language-modeling run_clm_sparsegpt.py",
            "from neural_compressor.training import WeightPruningConfig\n"
            "from neural_compressor.compression.pruner import parse_auto_slim_config\n\n\n"
            "def main(args, model, loader):\n    if not args.auto_config:\n"
            '        pruning_configs = [{"pruning_type": "sparse_gpt", "op_names": ["layer1", "layer2", "pooler"]}]\n'
            "    else:\n        pruning_configs = []\n"
            '        pruning_configs += parse_auto_slim_config(model, ffn2_sparsity=0.5, pruning_type="sparse_gpt")\n'
            "    configs = WeightPruningConfig(pruning_configs, target_sparsity=args.target_sparsity,\n"
            "                                  pattern=args.pruning_pattern)\n"
            "    from neural_compressor.training import prepare_pruning\n"
            "    pruning = prepare_pruning(model, configs, dataloader=loader, device=args.device)\n",
            True, runtime={"pruning_configs": [{"pruning_type": "sparse_gpt", "op_names": ["layer1", "layer2",
                                                                                              "pooler"]}],
                           "args.target_sparsity": 0.8, "args.pruning_pattern": "1x1"}),
    Pattern("confs-list-built-in-branches",
            "qat_during_prune/fx/main.py, prune_and_ptq/fx/main.py, "
            "text-classification run_glue_no_trainer_pruneOFA.py",
            "def main(args, model, train_len):\n    confs = []\n    if args.prune:\n"
            "        num_iterations = (train_len / args.batch_size) * args.end_epoch\n"
            "        from neural_compressor.training import WeightPruningConfig\n"
            "        p_conf = WeightPruningConfig(pruning_type=args.pruning_type,\n"
            "                                     target_sparsity=args.target_sparsity,\n"
            '                                     pruning_frequency=1, op_names=["layer1*"], pruning_scope="global",\n'
            "                                     start_step=0, end_step=num_iterations)\n"
            "        confs.append(p_conf)\n    from neural_compressor.training import prepare_compression\n"
            "    manager = prepare_compression(model, confs)\n",
            True, runtime={"args.pruning_type": "magnitude", "args.target_sparsity": 0.3, "num_iterations": 4.0}),
    Pattern("parameter-names-as-op-names",
            "prune_and_ptq/fx/main.py: 1.x names ending in .weight select no 2.x layer, and INC does not fail",
            "from neural_compressor.training import WeightPruningConfig\n\n"
            'p_conf = WeightPruningConfig(pruning_type="magnitude", target_sparsity=0.3, pruning_frequency=1,\n'
            '                             op_names=["layer1.weight", "layer2.weight"], start_step=0, end_step=4)\n',
            True),
    Pattern("pattern-lock-with-every-default",
            "text-classification prune_once_for_all/fx/run_glue_no_trainer_pruneOFA.py",
            "def main(args, model):\n    combs = []\n    if args.do_prune:\n"
            "        from neural_compressor.config import WeightPruningConfig\n"
            '        combs.append(WeightPruningConfig(pruning_type="pattern_lock"))\n'
            "    from neural_compressor.training import prepare_compression\n"
            "    return prepare_compression(model, combs)\n",
            True),
    Pattern("pruning-beside-distillation",
            "scheduler/test_orchestration.py",
            "from neural_compressor.config import DistillationConfig, WeightPruningConfig\n"
            "from neural_compressor.training import prepare_compression\n\n"
            "d_conf = DistillationConfig(teacher, criterion)\n"
            'p_conf = WeightPruningConfig([{"start_step": 0, "end_step": 2}], target_sparsity=0.64, '
            'pruning_scope="local")\nmanager = prepare_compression(model=model, confs=[d_conf, p_conf])\n',
            True),
    Pattern("keras-backend-argument",
            "pruning_with_tf/pruning_2.x/test_pruning_keras.py",
            "from neural_compressor import WeightPruningConfig\n\n"
            'configs = WeightPruningConfig(backend="itex", pruning_type="magnitude", pattern="3x1",\n'
            '                              target_sparsity=0.5,\n'
            '                              start_step=1, end_step=10, pruning_op_types=["Conv", "Dense"])\n',
            True),
    Pattern("entry-points-imported-from-another-release",
            "text-classification run_glue_no_trainer_mixed.py, language-modeling eager/run_clm_no_trainer.py",
            "from neural_compressor import prepare_pruning, WeightPruningConfig\n"
            "from neural_compressor.compression import model_slim\n\n"
            'local = [{"op_names": ["layer1", "layer2"], "pattern": "1x1", "pruning_scope": "local"},\n'
            '         {"op_names": ["pooler"], "pattern": "4x1", "min_sparsity_ratio_per_op": 0.5}]\n'
            "configs = WeightPruningConfig(local, target_sparsity=0.8, start_step=1, end_step=10)\n"
            "prepare_pruning(model, configs, optimizer)\nmodel = model_slim(model)\n",
            True, errors={"PL087"}, import_error=True),
    Pattern("yaml-path-and-old-apis",
            "yolo_v5 train.py, tensorflow ViT/resnet_v2 main.py, question-answering run_qa_no_trainer_pruneOFA.py",
            "from neural_compressor.experimental import Pruning\n\n\ndef train(opt, model, start, end):\n"
            "    pruner = Pruning(opt.pruning_config)\n    pruner.update_config(start_step=start, end_step=end)\n"
            "    pruner.model = model\n    from neural_compressor.config import Pruner, PruningConfig\n"
            '    return PruningConfig(pruners=[Pruner(prune_type="pattern_lock")])\n',
            None, import_error=True),
]
BY_NAME = {p.name: p for p in PATTERNS}


def _diags(p: Pattern):
    return check_python_text(p.source, f"{p.name}.py").diagnostics


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_prune_lsp_reports_what_inc_rejects(name):
    p = BY_NAME[name]
    diags = _diags(p)
    shown = [(d.code, d.severity.value, d.range.start.line + 1, d.message[:100]) for d in diags]
    assert {d.code for d in diags if d.severity is Severity.ERROR} == p.errors, shown
    assert p.present <= {d.code for d in diags}, shown
    rejected = p.inc not in (True, None) or p.config_first or (p.import_error and p.inc is not None)
    assert bool(p.errors) == rejected, (p.inc, shown)


def test_every_pattern_is_a_config_prune_lsp_finds():
    """A config form not recognised would pass every test above silently."""
    for p in PATTERNS:
        if p.name == "yaml-path-and-old-apis":
            assert find_configs(p.source) == []  # no WeightPruningConfig: the YAML is checked on its own
        else:
            assert len(find_configs(p.source)) == 1, p.name


def test_config_first_fix_swaps_the_arguments():
    p = BY_NAME["prepare-pruning-config-first"]
    (d,) = [d for d in _diags(p) if d.code == "PL086"]
    assert span_text(p.source, d) == "config" and d.related
    fixed = apply_fix(p.source, d.fixes[0])
    assert "prepare_pruning(model, config, optimizer)" in fixed
    assert not [x for x in check_python_text(fixed, "t.py").diagnostics if x.severity is Severity.ERROR]


@pytest.mark.parametrize("call", [
    "prepare_pruning(WeightPruningConfig([{}], start_step=1, end_step=4), model)",  # the call itself
    "prepare_pruning(config, model, dataloader=loader, loss_func=loss)",  # retrain-free: no optimizer
    "prepare_pruning(config)",  # no model at all: still the config where the model goes
])
def test_config_first_forms(call):
    src = ("from neural_compressor.training import WeightPruningConfig, prepare_pruning\n"
           "config = WeightPruningConfig([{}], start_step=1, end_step=4)\n" + call + "\n")
    assert "PL086" in {d.code for d in check_python_text(src, "t.py").diagnostics}


@pytest.mark.parametrize("src", [
    # the model first (INC 2.6's order)
    "config = WeightPruningConfig([{}], start_step=1, end_step=4)\nprepare_pruning(model, config, opt)\n",
    # a name that may hold something else
    "config = WeightPruningConfig([{}], start_step=1, end_step=4)\nif x:\n    config = model\n"
    "prepare_pruning(config, model)\n",
    # a parameter: nothing known about it
    "def f(config, model):\n    return prepare_pruning(config, model)\nc = WeightPruningConfig([{}], end_step=4)\n",
    # a prepare_pruning of the user's own
    "def prepare_pruning(config, model):\n    pass\nconfig = WeightPruningConfig([{}], start_step=1, end_step=4)\n"
    "prepare_pruning(config, model)\n",
])
def test_config_first_only_where_certain(src):
    head = "from neural_compressor.training import WeightPruningConfig\n"
    if "def prepare_pruning" not in src:
        head += "from neural_compressor.training import prepare_pruning\n"
    assert "PL086" not in {d.code for d in check_python_text(head + src, "t.py").diagnostics}


# --- INC 2.6 as the oracle

SIGNATURE = ("pruning_configs", "target_sparsity", "pruning_type", "pattern", "op_names", "excluded_op_names")
UPDATES = ("update_config", "update_items_for_all_pruners")


def inc_input(p: Pattern) -> Optional[dict]:
    """The keyword arguments the script hands WeightPruningConfig at run time, read from the source with
    ast (never run, independent of prune-lsp): literals, names bound once to literals, the pattern's run-time
    values, then the literal `update_config(...)` changes, which INC applies to every pruner's config."""
    tree = ast.parse(p.source)
    bound: dict[str, list[ast.expr]] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
            bound.setdefault(n.targets[0].id, []).append(n.value)
        elif isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
            bound.setdefault(n.target.id, []).append(n.value)

    def value(node: ast.expr):
        text = ast.unparse(node)
        if text in p.runtime:
            return copy.deepcopy(p.runtime[text])
        if isinstance(node, ast.Name) and len(bound.get(node.id, ())) == 1:
            return value(bound[node.id][0])
        if isinstance(node, (ast.List, ast.Tuple)):
            return [value(e) for e in node.elts]
        if isinstance(node, ast.Dict):
            return {value(k): value(v) for k, v in zip(node.keys, node.values)}
        return ast.literal_eval(node)  # raises on anything computed: the pattern must give its run-time value

    calls = [n for n in ast.walk(tree)
             if isinstance(n, ast.Call) and ast.unparse(n.func).endswith("WeightPruningConfig")]
    if not calls:
        return None
    call = calls[0]
    cfg = {SIGNATURE[i]: value(a) for i, a in enumerate(call.args)}
    cfg.update({k.arg: value(k.value) for k in call.keywords})
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in UPDATES:
            changes = {k.arg: value(k.value) for k in n.keywords}
            cfg.update(changes)
            for local in cfg.get("pruning_configs") or []:
                local.update(changes)
    return cfg


def test_oracle_inputs_come_from_the_sources():
    cfg = inc_input(BY_NAME["steps-set-by-update-config"])
    assert cfg["target_sparsity"] == 0.8 and all(c["end_step"] == 10 for c in cfg["pruning_configs"])
    assert inc_input(BY_NAME["args-driven-script"])["pruning_frequency"] == 1
    assert inc_input(BY_NAME["yaml-path-and-old-apis"]) is None


@pytest.mark.oracle
def test_inc_gives_the_expected_verdicts():
    import oracle

    python, why = oracle.inc_python()
    if python is None:
        pytest.skip(why)
    Case = type("Case", (), {})
    cases = []
    for p in PATTERNS:
        if p.inc is not None:
            c = Case()
            c.id, c.dialect, c.text = p.name, "A", json.dumps(inc_input(p))
            cases.append(c)
    results, _stats = oracle.verdicts(python, cases)
    got = {c.id: True if results[c.id]["ok"] else results[c.id]["stage"] for c in cases}
    want = {p.name: p.inc for p in PATTERNS if p.inc is not None}
    assert got == want, {n: results[n].get("error") for n in got if got[n] != want[n]}


@pytest.mark.oracle
def test_inc_rejects_the_config_first_call():
    import oracle

    python, why = oracle.inc_python()
    if python is None:
        pytest.skip(why)
    cases = []
    for p in PATTERNS:
        if p.config_first:
            cfg = inc_input(p)
            args = [cfg.pop("pruning_configs")]
            cases += [{"id": p.name, "args": args, "kwargs": cfg, "config_first": True},
                      {"id": p.name + "/model-first", "args": copy.deepcopy(args), "kwargs": dict(cfg)}]
    proc = subprocess.run([str(python), str(HERE / "inc_wpc_oracle.py")], input=json.dumps({"cases": cases}),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    verdicts = json.loads(proc.stdout.strip().splitlines()[-1])
    for c in cases:
        if c.get("config_first"):
            assert verdicts[c["id"]]["error"].startswith("AssertionError: not supported type"), verdicts
        else:
            assert verdicts[c["id"]] == {"ok": True}, verdicts


@pytest.mark.oracle
def test_inc_imports_fail_exactly_where_expected():
    """Each pattern's imports from INC, run by INC 2.6 (the statements only, nothing else of the source)."""
    if not INC_PYTHON.exists():
        pytest.skip("INC 2.6 oracle venv unavailable (scripts/inc_oracle_venv.sh)")
    from test_wpc_docs_corpus import inc_imports

    cases = [{"id": p.name, "imports": inc_imports(p.source)} for p in PATTERNS]
    proc = subprocess.run([str(INC_PYTHON), str(HERE / "inc_wpc_oracle.py")], input=json.dumps({"cases": cases}),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    verdicts = json.loads(proc.stdout.strip().splitlines()[-1])
    assert {n: "error" in v for n, v in verdicts.items()} == {p.name: p.import_error for p in PATTERNS}, verdicts
