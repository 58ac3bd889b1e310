"""The dialects of INC pruning config (inc-pruning-spec.md section 3), each with its key tables."""

from __future__ import annotations

from . import keys_legacy as L
from . import keys_v2 as V
from .spec import DialectSchema

_v2_global = dict(V.DEFAULT_CONFIG_KEYS)
_v2_global["pruners"] = V.PRUNERS

DIALECT_B = DialectSchema(
    id="B", name="v2", title="INC 2.x YAML (pruning.approach.weight_compression_v2)",
    container_path=("pruning", "approach", "weight_compression_v2"), pruner_tag="!PrunerV2",
    global_keys=_v2_global,
    pruner_keys={k: V.DEFAULT_CONFIG_KEYS[k] for k in V.PRUNERV2_KEYS},
    parameter_keys={"reg_coeff": V.REG_COEFF},
    unknown_global_is_error=False, unknown_pruner_is_error=True)

_a_global = dict(V.DEFAULT_CONFIG_KEYS)
_a_global["backend"] = V.BACKEND
_a_global["pruning_configs"] = V.PRUNING_CONFIGS
DIALECT_A = DialectSchema(
    id="A", name="weightpruningconfig", title="WeightPruningConfig keys (INC 2.x/3.x Python API)",
    container_path=(), pruner_tag=None, global_keys=_a_global,
    pruner_keys=dict(V.DEFAULT_CONFIG_KEYS), parameter_keys={"reg_coeff": V.REG_COEFF},
    unknown_global_is_error=False, unknown_pruner_is_error=False, pruners_key="pruning_configs")

DIALECT_C = DialectSchema(
    id="C", name="pytorch", title="INC 1.14-2.x experimental YAML (pruning.approach.weight_compression_pytorch)",
    container_path=("pruning", "approach", "weight_compression_pytorch"), pruner_tag="!Pruner",
    global_keys=L.SCHEMA_KEYS, pruner_keys=L.PRUNER_KEYS, parameter_keys={},
    unknown_global_is_error=True, unknown_pruner_is_error=True)

DIALECT_D = DialectSchema(
    id="D", name="1.x", title="INC 1.x YAML (pruning.approach.weight_compression)",
    container_path=("pruning", "approach", "weight_compression"), pruner_tag="!Pruner",
    global_keys=L.SCHEMA_KEYS, pruner_keys=L.PRUNER_KEYS, parameter_keys={},
    unknown_global_is_error=True, unknown_pruner_is_error=True)

DIALECT_E = DialectSchema(
    id="E", name="1.0", title="INC 1.0 / ilit / lpot YAML (pruning.magnitude)",
    container_path=("pruning",), pruner_tag=None, global_keys={}, pruner_keys={}, parameter_keys={},
    unknown_global_is_error=False, unknown_pruner_is_error=False, supported=False)

DIALECTS: dict[str, DialectSchema] = {d.id: d for d in (DIALECT_A, DIALECT_B, DIALECT_C, DIALECT_D, DIALECT_E)}
_BY_NAME = {d.name: d for d in DIALECTS.values()}


def dialect_schema(id_or_name: str) -> DialectSchema:
    if id_or_name in DIALECTS:
        return DIALECTS[id_or_name]
    return _BY_NAME[id_or_name]
