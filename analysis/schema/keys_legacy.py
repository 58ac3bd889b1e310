"""Keys of the INC 1.x YAML schema: `weight_compression` (dialect D) and the experimental
`weight_compression_pytorch` (dialect C), both validated by `conf/config.py`'s schema
(`weight_compression_schema`) and the `!Pruner` class. Source: inc-pruning-spec.md 3.4, 3.5.
"""

from __future__ import annotations

from .spec import T_DICT, T_FLOAT, T_INT, T_LIST, T_PRUNERS, T_STR, T_STRICT_FLOAT, T_ANY, KeySpec

_K = KeySpec
_STRICT = "The 1.x schema wants a float literal here: `0` or `1` (an int) is rejected; write `0.0`/`1.0`."

LEGACY_PRUNE_TYPES_D = ("basic_magnitude", "pattern_lock", "gradient_sensitivity", "group_lasso")
LEGACY_PRUNE_TYPES_C = ("magnitude", "snip", "snip_momentum", "pattern_lock")
LEGACY_PATTERNS = ("tile_pattern_1x1", "tile_pattern_2x2", "tile_pattern_1x16", "tile_pattern_4x1", "tile_pattern_1x2")

SCHEMA_KEYS: dict[str, KeySpec] = {k.name: k for k in (
    _K("initial_sparsity", T_STRICT_FLOAT, 0.0, "Sparsity at start_epoch/start_step, in [0, 1) and <= target_sparsity.",
       "initial_sparsity: 0.0", quirks=(_STRICT,), consumer="conf/config.py weight_compression_schema", rules=("PL013", "PL003")),
    _K("target_sparsity", T_STRICT_FLOAT, 0.97, "Sparsity to reach by the end, < 1.", "target_sparsity: 0.9",
       quirks=(_STRICT,), consumer="conf/config.py", rules=("PL003", "PL013", "PL010")),
    _K("max_sparsity_ratio_per_layer", T_STRICT_FLOAT, 0.98, "Upper bound of each layer's sparsity.",
       "max_sparsity_ratio_per_layer: 0.98", quirks=(_STRICT,), rules=("PL005", "PL013")),
    _K("prune_type", T_STR, "basic_magnitude", "The pruning algorithm.", "prune_type: basic_magnitude",
       snippet_values=LEGACY_PRUNE_TYPES_D + LEGACY_PRUNE_TYPES_C, rules=("PL017",)),
    _K("start_epoch", T_INT, 0, "Epoch at which pruning starts.", "start_epoch: 0", rules=("PL013",)),
    _K("end_epoch", T_INT, 4, "Epoch at which pruning ends.", "end_epoch: 4", rules=("PL013",)),
    _K("start_step", T_INT, 0, "Step at which pruning starts.", "start_step: 0", rules=("PL001", "PL013")),
    _K("end_step", T_INT, 0, "Step at which pruning ends.", "end_step: 0", rules=("PL002", "PL013")),
    _K("update_frequency", T_STRICT_FLOAT, 1.0, "Prune every this many epochs.", "update_frequency: 1.0",
       quirks=(_STRICT,), rules=("PL013",)),
    _K("update_frequency_on_step", T_INT, 1, "Prune every this many steps.", "update_frequency_on_step: 1",
       rules=("PL004", "PL013")),
    _K("excluded_names", T_LIST, [], "Regexes (`re.search`) of names not to prune.", "excluded_names: ['classifier']",
       rules=("PL013",)),
    _K("prune_domain", T_STR, "global", "`global` or `local` score ranking.", "prune_domain: global",
       allowed=("global", "local"), rules=("PL006",)),
    _K("names", T_LIST, [], "Names to prune: full parameter names in 1.x (`layer1.0.conv1.weight`), module regexes in weight_compression_pytorch.",
       "names: ['layer1.0.conv1.weight']", rules=("PL013",)),
    _K("extra_excluded_names", T_LIST, None, "More regexes of names not to prune.", "extra_excluded_names: ['.*query']",
       rules=("PL013",)),
    _K("prune_layer_type", T_LIST, None, "Exact module class names to prune (weight_compression_pytorch).",
       "prune_layer_type: ['Linear']", rules=("PL013",)),
    _K("sparsity_decay_type", T_STR, "exp", "Shape of the schedule.", "sparsity_decay_type: exp",
       snippet_values=("exp", "cos", "linear", "cube"), rules=("PL013",)),
    _K("pattern", T_STR, "tile_pattern_1x1", "Pruned unit: legacy `tile_pattern_NxM`, or `NxM`/`N:M` in weight_compression_pytorch.",
       'pattern: "tile_pattern_1x1"', snippet_values=LEGACY_PATTERNS + ("4x1", "2:4", "channelx1", "1xchannel"),
       quirks=('Unquoted `2:4` is the integer 124: quote it.',), rules=("PL013", "PL014")),
    _K("pruners", T_PRUNERS, [], "The list of `!Pruner` entries.", "pruners:\n  - !Pruner\n      prune_type: basic_magnitude",
       rules=("PL052", "PL053")),
)}

# `!Pruner` (conf/config.py Pruner.__init__): any other key is a TypeError at load.
PRUNER_KEYS: dict[str, KeySpec] = {}
for _name, _default in (("start_epoch", None), ("end_epoch", None), ("initial_sparsity", None),
                        ("target_sparsity", None), ("update_frequency", 1), ("method", "per_tensor"),
                        ("prune_type", "basic_magnitude"), ("start_step", None), ("end_step", None),
                        ("update_frequency_on_step", None), ("prune_domain", None),
                        ("sparsity_decay_type", None), ("pattern", "tile_pattern_1x1"), ("names", None),
                        ("extra_excluded_names", None), ("parameters", None)):
    base = SCHEMA_KEYS.get(_name)
    if _name == "method":
        PRUNER_KEYS[_name] = _K("method", T_STR, "per_tensor", "Legacy sparsity granularity.", "method: per_tensor")
    elif _name == "parameters":
        PRUNER_KEYS[_name] = _K("parameters", T_DICT, None, "Algorithm parameters (group_lasso: `alpha`; gradient_sensitivity: `target`, `stride`, ...).",
                                "parameters: {alpha: 0.006}")
    else:
        quirks = base.quirks
        if _name in ("prune_type", "pattern"):
            quirks = quirks + (f"A `!Pruner` that omits it gets `{_default}`, not the global value.",)
        # `!Pruner` values are not type-checked by the schema, only by how INC uses them: compared and
        # computed with as numbers (an int is fine, a string or a YAML 1.1 `9e-1` is not).
        PRUNER_KEYS[_name] = _K(_name, T_FLOAT if base.type == T_STRICT_FLOAT else base.type, _default, base.doc,
                                base.example, base.allowed, base.value_docs, quirks, "conf/config.py Pruner",
                                base.rules, base.snippet_values, nullable=True)

TOP_LEVEL_1X = ("model", "version", "device", "quantization", "pruning", "evaluation", "tuning",
                "distillation", "graph_optimization", "mixed_precision", "benchmark", "nas", "auto_distillation",
                "model_conversion")
