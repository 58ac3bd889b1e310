"""WeightPruningConfig(...) calls that break the Python-only rules (dialect A in a script, never run)."""

from neural_compressor import WeightPruningConfig

# PL080 and PL081: two calls share INC's mutable defaults (pruning_configs and excluded_op_names)
first = WeightPruningConfig(target_sparsity=0.8, end_step=10)
second = WeightPruningConfig(end_step=5)

# PL082: pruning_configs is a dict, not a list of dicts
as_dict = WeightPruningConfig(pruning_configs={"op_names": ["layer1"], "end_step": 5}, excluded_op_names=[])

# PL083: an entry of pruning_configs that is not a dict
not_dict = WeightPruningConfig(["layer1", {}], end_step=5, excluded_op_names=[])

# PL084: Python itself rejects the call (pruning_configs given twice)
twice = WeightPruningConfig([{}], pruning_configs=[{}], end_step=5, excluded_op_names=[])


def at_run_time(options):
    # PL085: arguments that only exist at run time
    return WeightPruningConfig([{}], excluded_op_names=[], **options)


def config_first(model, optimizer):
    # PL086: the config passed where INC 2.6's prepare_pruning takes the model
    from neural_compressor.training import prepare_pruning
    config = WeightPruningConfig([{}], start_step=1, end_step=4, excluded_op_names=[])
    return prepare_pruning(config, model, optimizer)


def moved_entry_point():
    # PL087: INC 2.6 has prepare_pruning in neural_compressor.training, not at the top level
    from neural_compressor import prepare_pruning
    return prepare_pruning
