"""Every rule of prune-lsp, one module per theme; importing this package registers them all.

| module | codes |
|---|---|
| structure.py | PL050-PL059, PL099: syntax, dialect, required sections, pruner entries |
| unknown_keys.py | PL031, PL042, PL043, PL044, PL078: keys INC does not know or ignores |
| value_types.py | PL013: values of the wrong type, as YAML 1.1 reads them |
| yaml_traps.py | PL014, PL040: unquoted N:M, empty values that INC turns into {} |
| steps.py | PL001, PL002, PL004, PL018, PL022, PL038: start/end/frequency |
| ratios.py | PL003, PL005, PL010, PL011, PL034: target, min and max sparsity |
| pattern.py | PL007-PL009, PL015, PL016, PL041: the pattern grammar |
| pruning_type.py | PL017, PL019-PL021, PL033, PL064: pruner types and their constraints |
| enums.py | PL006, PL025, PL026: closed sets of values |
| regularization.py | PL012, PL023, PL024, PL032: reg_type, reg_coeff, parameters |
| layer_regex.py | PL027-PL030: op_names, excluded_op_names, pruning_op_types |
| parameter_names.py | PL079: an op_names entry written as a 1.x parameter name (`.weight`) |
| keras.py | PL039: Keras-specific limits |
| legacy.py | PL060-PL063, PL067: INC 1.x schema rules, 1.x pruner needs |
| legacy_schema.py | PL066: the 1.x schema's other sections (model, tuning, evaluation, train) |
| legacy_run.py | PL071: what INC's 1.x and experimental pruners do with the values once training runs |
| model_checks.py | PL035-PL037, PL045-PL049: against the model (selection, block shapes) |
| model_ref.py | PL070: the model a config names cannot be read |
| schedule.py | PL090, PL091, PL093: INC's schedule against the run (analysis.schedule) |
"""

from . import (  # noqa: F401
    structure, unknown_keys, value_types, yaml_traps, steps, ratios, pattern, pruning_type, enums,
    regularization, layer_regex, keras, legacy, legacy_schema, legacy_run,
)
from . import model_ref  # noqa: F401,E402  (PL070, reported by the language server)
from . import model_checks  # noqa: F401,E402
from . import python_calls  # noqa: F401,E402  (PL080-PL087: WeightPruningConfig calls, pruning_configs shape)
from . import parameter_names  # noqa: F401,E402  (PL079; a twin-less code >= 70, tested in tests/configs/rules)
from . import schedule  # noqa: F401,E402  (PL090, PL091, PL093: what INC's schedule says about the run)
