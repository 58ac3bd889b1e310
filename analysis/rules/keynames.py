"""The same INC setting under each dialect's name (INC 1.x renamed several keys)."""

V2 = {"target": "target_sparsity", "max": "max_sparsity_ratio_per_op", "min": "min_sparsity_ratio_per_op",
      "freq": "pruning_frequency", "scope": "pruning_scope", "type": "pruning_type", "start": "start_step",
      "end": "end_step", "pattern": "pattern", "decay": "sparsity_decay_type"}
PYTORCH = {"target": "target_sparsity", "max": "max_sparsity_ratio_per_layer", "min": None,
           "freq": "update_frequency_on_step", "scope": "prune_domain", "type": "prune_type", "start": "start_step",
           "end": "end_step", "pattern": "pattern", "decay": "sparsity_decay_type"}


def names_for(dialect: str) -> dict:
    return PYTORCH if dialect == "C" else V2
