"""Keys of INC 2.x's pruning config: the `WeightPruningConfig` arguments (dialect A) and the
`weight_compression_v2` YAML (dialect B). Source: inc-pruning-spec.md sections 1.9, 2, 3.1, 3.3.
"""

from __future__ import annotations

from .spec import (T_BOOL, T_BOOLISH, T_DICT, T_FLOAT, T_INT, T_PRUNERS, T_STR, T_STR_LIST, KeySpec)

PRUNING_TYPES = (
    "snip_momentum", "magnitude", "snip", "gradient", "pattern_lock",
    "magnitude_progressive", "snip_progressive", "snip_momentum_progressive", "gradient_progressive",
    "block_mask", "retrain_free", "sparse_gpt",
)
# Names INC's get_pruner resolves (to its progressive pruner) but cannot build: that pruner creates the
# block_mask / retrain_free criterion without the `masks` argument it requires (TypeError, INC 2.6).
BROKEN_PRUNING_TYPES = ("block_mask_progressive", "retrain_free_progressive")
GRADIENT_CRITERIA = ("gradient", "snip", "snip_momentum", "block_mask", "retrain_free")
CRITERIA = ("magnitude",) + GRADIENT_CRITERIA
SCOPES = ("global", "local")
DECAY_TYPES = ("exp", "cos", "linear", "cube")
REDUCE_TYPES = ("mean", "sum", "max")
REG_TYPES = ("group_lasso",)
PATTERN_EXAMPLES = ("4x1", "1x1", "2x1", "8x1", "16x1", "channelx1", "1xchannel", "2:4", "1:4", "4:8", "mha")

_K = KeySpec

TARGET_SPARSITY = _K(
    "target_sparsity", T_FLOAT, 0.9,
    "Fraction of the selected weights to prune by `end_step`, in [0, 1).",
    "target_sparsity: 0.8",
    quirks=("INC's message for a value outside [0, 1) wrongly says `begin_pruning_step should be in range [0,1)`.",
            "With an N:M pattern it must be at most N/M (0.5 for 2:4); the default 0.9 is too high for every N:M pattern.",
            "`9e-1` without a dot is read by YAML 1.1 as a string; write `0.9`."),
    consumer="compression/pruner/utils.py check_config; pruners/base.py", rules=("PL003", "PL010", "PL013", "PL034"))
PRUNING_TYPE = _K(
    "pruning_type", T_STR, "snip_momentum",
    "The pruning criterion and schedule: a criterion name, optionally with `_progressive`, or a special pruner.",
    "pruning_type: magnitude", allowed=PRUNING_TYPES,
    value_docs={
        "magnitude": "prune the smallest |w|; needs no gradients, works one-shot at step 0",
        "snip": "|w * grad| scores; gradient-based, needs end_step > 0",
        "snip_momentum": "snip scores with momentum (INC's default); gradient-based, needs end_step > 0",
        "gradient": "|grad| scores; gradient-based, needs end_step > 0",
        "pattern_lock": "keep the existing zero pattern (one shot: start_step == end_step); exempt from the N:M target cap",
        "block_mask": "learned block masks; not with N:M patterns; only Linear layers",
        "retrain_free": "retrain-free pruning; needs a channel pattern and a dataloader",
        "sparse_gpt": "SparseGPT; only 1x1 and N:M patterns; needs a dataloader",
        "magnitude_progressive": "magnitude, progressive schedule (falls back to plain when end-start <= 4 or frequency == 1)",
        "snip_progressive": "snip, progressive schedule",
        "snip_momentum_progressive": "snip_momentum, progressive schedule",
    },
    quirks=("Checked only when the pruner is created, not when the config is read.",
            "A bare `progressive` becomes the empty criterion `pt_` and fails.",
            "`block_mask_progressive` and `retrain_free_progressive` are accepted by name but fail when the pruner is "
            "built (TypeError: ...Criterion.__init__() missing 'masks')."),
    consumer="compression/pruner/pruners/__init__.py get_pruner", rules=("PL017", "PL018", "PL019", "PL020", "PL021", "PL022"))
PATTERN = _K(
    "pattern", T_STR, "4x1",
    "Shape of the pruned unit: `NxM` blocks (N rows/output channels by M columns/inputs; `channel` for a whole dimension), "
    "`N:M` (N of every M consecutive input weights pruned), or `mha` (attention heads).",
    'pattern: "4x1"', snippet_values=PATTERN_EXAMPLES,
    value_docs={"1x1": "unstructured, element-wise", "4x1": "blocks of 4 output rows by 1 input column",
                "channelx1": "whole input columns (groups of 1)", "1xchannel": "whole output rows",
                "2:4": "2 of every 4 consecutive input weights (max sparsity 0.5)", "mha": "attention heads (PyTorch only)"},
    quirks=('Unquoted `2:4` is the YAML 1.1 sexagesimal integer 124: always quote N:M patterns ("2:4").',
            "Anything before the last `_` is ignored (`tile_pattern_4x1` works).",
            "`4X1` (capital X) and `4by1` fail when the pruner is created."),
    consumer="compression/pruner/patterns/__init__.py get_pattern", rules=("PL007", "PL008", "PL009", "PL014", "PL015", "PL016", "PL041"))
OP_NAMES = _K(
    "op_names", T_STR_LIST, [],
    "Regular expressions (Python `re.search`, so substrings) over module names; a module matching any is a candidate. Empty means every module.",
    "op_names: ['layer1.*', 'bert.encoder.layer.[0-5].']",
    quirks=("`.` matches any character; escape it (`\\.`) for a literal dot.",
            "A bare string is iterated per character, each character a regex: it matches almost everything.",
            "An empty `op_names:` (YAML null) becomes `{}` in INC 2.x and selects nothing."),
    consumer="compression/pruner/utils.py parse_to_prune", rules=("PL027", "PL030", "PL040"))
EXCLUDED_OP_NAMES = _K(
    "excluded_op_names", T_STR_LIST, [],
    "Regular expressions (`re.search`) over module names; a module matching any is not pruned. INC also appends the classifier head's name.",
    "excluded_op_names: ['classifier', 'pooler']",
    quirks=("The auto-excluded head name is itself used as a regex: `fc` also excludes `fc1`.",
            "A string instead of a list crashes with `AttributeError: 'str' object has no attribute 'append'`."),
    consumer="compression/pruner/utils.py parse_to_prune", rules=("PL028", "PL029"))
START_STEP = _K(
    "start_step", T_INT, 0, "Optimizer step at which pruning starts (steps counted by INC's on_after_optimizer_step hook).",
    "start_step: 0", consumer="pruners/base.py", rules=("PL001", "PL002", "PL013"))
END_STEP = _K(
    "end_step", T_INT, 0,
    "Optimizer step at which the target sparsity is reached. `start_step == end_step` is one-shot pruning.",
    "end_step: 1000",
    quirks=("Gradient-based criteria (snip, snip_momentum, gradient, block_mask, retrain_free) need end_step > 0: "
            "the all-defaults config fails with `please set end_step > 0 for gradient based criterion`.",),
    consumer="pruners/base.py", rules=("PL002", "PL018", "PL013"))
PRUNING_SCOPE = _K(
    "pruning_scope", T_STR, "global", "How scores are ranked: across all selected layers (`global`) or per layer (`local`).",
    "pruning_scope: local", allowed=SCOPES,
    value_docs={"global": "rank scores across all layers of the pruner: layers end with different sparsities",
                "local": "rank scores within each layer: every layer reaches the target"},
    consumer="patterns/base.py", rules=("PL006",))
PRUNING_FREQUENCY = _K(
    "pruning_frequency", T_INT, 1, "Prune every this many steps between start_step and end_step.",
    "pruning_frequency: 50", consumer="pruners/base.py", rules=("PL004", "PL038"))
MIN_RATIO = _K(
    "min_sparsity_ratio_per_op", T_FLOAT, 0.0, "Lower bound of each layer's sparsity, in [0, max_sparsity_ratio_per_op].",
    "min_sparsity_ratio_per_op: 0.1", consumer="patterns/base.py adjust_ratio", rules=("PL011",),
    quirks=("Compared after INC caps max_sparsity_ratio_per_op to N/M for N:M patterns.",))
MAX_RATIO = _K(
    "max_sparsity_ratio_per_op", T_FLOAT, 0.98, "Upper bound of each layer's sparsity, in [0, 1).",
    "max_sparsity_ratio_per_op: 0.95", consumer="patterns/base.py; schedulers.py", rules=("PL005", "PL034"),
    quirks=("INC's message for a bad value wrongly says `pruning_frequency should be greater than 0`.",
            "INC lowers it to N/M for N:M patterns."))
DECAY = _K(
    "sparsity_decay_type", T_STR, "exp", "Shape of the sparsity schedule between start_step and end_step.",
    "sparsity_decay_type: cos", allowed=DECAY_TYPES,
    value_docs={"exp": "fast at first, slow at the end", "cos": "cosine ramp", "linear": "constant rate", "cube": "slow at first, fast at the end"},
    quirks=("An unknown value fails only at the first pruning step, minutes into training (not for one-shot).",),
    consumer="schedulers.py", rules=("PL026",))
CRITERION_TYPE = _K(
    "criterion_type", T_STR, "snip_momentum", "The scoring criterion. Normally derived from pruning_type.",
    "criterion_type: snip_momentum", allowed=CRITERIA,
    quirks=("Overwritten by pruning_type whenever pruning_type names a criterion; only used by mha patterns.",
            "Not accepted inside a `!PrunerV2` entry."),
    consumer="pruners/__init__.py get_pruner", rules=("PL033",))
OP_TYPES = _K(
    "pruning_op_types", T_STR_LIST, ["Conv", "Linear"],
    "Substrings of module class names to prune (case-sensitive, `in` test), e.g. `Linear` also matches `NonDynamicallyQuantizableLinear`.",
    "pruning_op_types: ['Linear']",
    quirks=("A bare string is iterated per character: `Linear` also prunes LayerNorm and Embedding.",
            "For Keras use `Dense`: the default selects no Dense layer."),
    consumer="compression/pruner/utils.py parse_to_prune", rules=("PL030", "PL039"))
LOW_MEMORY = _K(
    "low_memory_usage", T_BOOL, False, "Keep scores in bf16 (CPU) or fp16 (GPU) to save memory (INC >= 2.3).",
    "low_memory_usage: true", quirks=("Global only: not accepted inside a `!PrunerV2` entry.",),
    consumer="criteria.py; pruners/base.py", rules=("PL044",))
RESUME = _K(
    "resume_from_pruned_checkpoint", T_BOOLISH, False, "Accepted for compatibility; INC only converts it to bool and never reads it.",
    "resume_from_pruned_checkpoint: false", consumer="utils.check_config", rules=("PL042",))
REG_TYPE = _K(
    "reg_type", T_STR, None, "Regularization added during pruning: `group_lasso` or none.",
    "reg_type: group_lasso", allowed=REG_TYPES, nullable=True,
    value_docs={"group_lasso": "group lasso over the pattern's blocks; needs an NxM pattern; coefficient in parameters.reg_coeff"},
    consumer="regs.py get_reg", rules=("PL023", "PL024"))
REDUCE = _K(
    "criterion_reduce_type", T_STR, "mean", "How element scores are reduced to block scores.",
    "criterion_reduce_type: mean", allowed=REDUCE_TYPES,
    value_docs={"mean": "average score of the block", "sum": "sum of the block's scores", "max": "largest score in the block"},
    consumer="patterns/base.py reduce_tensor", rules=("PL025",))
PARAMETERS = _K(
    "parameters", T_DICT, {"reg_coeff": 0.0},
    "Extra pruner parameters; every key is copied to the pruner's top level (overwriting it). Holds `reg_coeff`.",
    "parameters: {reg_coeff: 0.1}", consumer="utils.update_params", rules=("PL032",))
REG_COEFF = _K(
    "reg_coeff", T_FLOAT, 0.0, "Coefficient of the group-lasso regularization, >= 0.",
    "reg_coeff: 0.1",
    quirks=("A pruner-level `reg_coeff` is always overwritten by `parameters.reg_coeff` (default 0.0): put it under `parameters`.",),
    consumer="regs.py GroupLasso", rules=("PL012", "PL032"))

# The 20 keys INC merges from global into each pruner (utils.process_and_check_config).
DEFAULT_CONFIG_KEYS: dict[str, KeySpec] = {k.name: k for k in (
    TARGET_SPARSITY, PRUNING_TYPE, PATTERN, OP_NAMES, EXCLUDED_OP_NAMES, START_STEP, END_STEP,
    PRUNING_SCOPE, PRUNING_FREQUENCY, MIN_RATIO, MAX_RATIO, DECAY, CRITERION_TYPE, OP_TYPES, LOW_MEMORY,
    RESUME, REG_TYPE, REDUCE, PARAMETERS, REG_COEFF)}

PRUNERS = _K(
    "pruners", T_PRUNERS, [],
    "The list of pruners, each a `!PrunerV2` mapping whose keys override the global ones. Required: `[]` means one pruner built from the global keys.",
    "pruners:\n  - !PrunerV2\n      op_names: ['layer1.*']", consumer="utils.process_and_check_config", rules=("PL052", "PL053"))

# Keys the `!PrunerV2` constructor accepts (conf/config.py PrunerV2.__init__): any other key is a TypeError.
PRUNERV2_KEYS = ("target_sparsity", "pruning_type", "pattern", "op_names", "excluded_op_names", "start_step",
                 "end_step", "pruning_scope", "pruning_frequency", "min_sparsity_ratio_per_op",
                 "max_sparsity_ratio_per_op", "sparsity_decay_type", "pruning_op_types", "reg_type",
                 "criterion_reduce_type", "parameters", "resume_from_pruned_checkpoint")

BACKEND = _K("backend", T_STR, None, "Backend for Keras pruning (`itex`); ignored for PyTorch. (INC >= 2.2)",
             "backend: itex", nullable=True, consumer="config.WeightPruningConfig")
PRUNING_CONFIGS = _K(
    "pruning_configs", "list[dict]", [{}],
    "One mapping per pruner; missing keys are taken from the global arguments, then INC's defaults.",
    "pruning_configs:\n  - op_names: ['layer1.*']\n    pattern: '4x1'", consumer="config.WeightPruningConfig")
