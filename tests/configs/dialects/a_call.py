"""Dialect A as a WeightPruningConfig(...) call in a training script (never run by prune-lsp)."""

from neural_compressor.training import WeightPruningConfig, prepare_compression

configs = [
    {"op_names": ["encoder\\.layer\\.[0-5]\\.attention"], "pattern": "2:4", "target_sparsity": 0.5},
    {"op_names": ["encoder\\.layer\\.\\d+\\.intermediate"], "pattern": "4x1", "pruning_scope": "local"},
]


def compression(model):
    config = WeightPruningConfig(
        configs,
        target_sparsity=0.8,
        pruning_type="snip_momentum",
        start_step=0,
        end_step=1000,
        pruning_frequency=50,
        excluded_op_names=["classifier", "pooler"],
    )
    return prepare_compression(model, config)
