"""Pruning a BERT-like model with INC's WeightPruningConfig: `prune-lsp check examples/` checks this
file's config without running it (2:4 pattern on the encoder, 4x1 blocks on the FFN)."""

from neural_compressor.training import WeightPruningConfig, prepare_compression

pruning_configs = [
    {"op_names": ["encoder\\.layer\\.[0-5]\\.attention"], "pattern": "2:4", "target_sparsity": 0.5},
    {"op_names": ["encoder\\.layer\\.\\d+\\.intermediate"], "pattern": "4x1", "pruning_frequency": 50},
]


def make_config(end_step: int):
    # pruning_configs is passed explicitly: INC's default list is shared between calls (PL080).
    return WeightPruningConfig(
        pruning_configs,
        target_sparsity=0.8,
        pruning_type="snip_momentum",
        start_step=1,
        end_step=end_step,  # known only at run time: findings that depend on it are skipped
        excluded_op_names=["classifier", "pooler"],
    )


def train(model, optimizer, end_step: int):
    manager = prepare_compression(model, make_config(end_step))
    manager.callbacks.on_train_begin()
    return manager
