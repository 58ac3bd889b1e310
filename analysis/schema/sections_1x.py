"""The sections of an INC 1.x YAML config besides the pruning approach, as INC 2.6's 1.x schema
(neural_compressor/conf/config.py `schema`, `train_schema`, `optimizer_schema`, `criterion_schema`,
the `tuning` and `evaluation` clauses) validates them for `weight_compression` and
`weight_compression_pytorch` files. The schema library rejects unknown keys, missing required keys
and values of the wrong Python type (`float` does not accept an int; `int` accepts a YAML 1.1
boolean, which is a Python bool).

A spec is one of:
  "str" | "int" | "float" | "bool" | "list" | "dict" | "any"
  ("enum", values)           a str among values
  ("int_in", values)         an int among values
  ("num",)                   float, int or a numeric string (Use(float), Use(input_int_to_float))
  ("percent", ints)          percent_to_float: a float, "N%", and an int only when `ints`
  ("null_or_empty",)         Or({}, None): nothing, or an empty mapping (after INC's null -> {})
  Section(keys, required)    a mapping with exactly these keys (required ones must be there)
Dataloaders, datasets, transforms and postprocess are checked as mappings only (their schemas
are open-ended registries of INC's data components).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Section:
    keys: dict
    required: frozenset = field(default_factory=frozenset)


FRAMEWORKS = ("tensorflow", "tensorflow_itex", "keras", "mxnet", "onnxrt_qlinearops", "onnxrt_integerops",
              "onnxrt_qdq", "onnxruntime", "pytorch", "pytorch_ipex", "pytorch_fx", "NA")
EXP_STRATEGIES = ("basic", "auto_mixed_precision", "bayesian", "conservative", "exhaustive", "hawq_v2", "mse",
                  "mse_v2", "random", "sigopt", "tpe", "fake")
OBJECTIVES = ("performance", "accuracy", "modelsize", "footprint")
REDUCTIONS = ("none", "sum", "mean", "auto", "sum_over_batch_size")

_ANY_MAP = "dict"

_OPTIMIZER = Section({
    "SGD": Section({"learning_rate": ("num",), "momentum": ("num",), "nesterov": "bool", "weight_decay": ("num",)},
                   frozenset({"learning_rate"})),
    "AdamW": Section({"weight_decay": ("num",), "learning_rate": ("num",), "beta_1": ("num",), "beta_2": ("num",),
                      "epsilon": ("num",), "amsgrad": "bool"}, frozenset({"weight_decay"})),
    "Adam": Section({"learning_rate": ("num",), "beta_1": ("num",), "beta_2": ("num",), "epsilon": ("num",),
                     "amsgrad": "bool"}),
})
_CE = Section({"reduction": "any", "from_logits": "bool"})  # reduction: rules/legacy.py PL063
_CRITERION = Section({
    "CrossEntropyLoss": _CE,
    "SparseCategoricalCrossentropy": _CE,
    "KnowledgeDistillationLoss": Section({"temperature": "float", "loss_types": "list", "loss_weights": "list"}),
    "IntermediateLayersKnowledgeDistillationLoss": Section({"layer_mappings": "list", "loss_types": "list",
                                                            "loss_weights": "list", "add_origin_loss": "bool"},
                                                           frozenset({"layer_mappings"})),
    "SelfKnowledgeDistillationLoss": Section({"layer_mappings": "list", "loss_types": "list", "loss_weights": "list",
                                              "add_origin_loss": "bool", "temperature": "float"},
                                             frozenset({"layer_mappings"})),
})
TRAIN = Section({
    "criterion": _CRITERION, "optimizer": _OPTIMIZER, "dataloader": _ANY_MAP, "epoch": "int", "start_epoch": "int",
    "end_epoch": "int", "iteration": "int", "frequency": "int", "execution_mode": ("enum", ("eager", "graph")),
    "postprocess": Section({"transform": _ANY_MAP}), "hostfile": "str",
}, frozenset({"criterion"}))

_CONFIGS = Section({"cores_per_instance": "int", "num_of_instance": "int", "inter_num_of_threads": "int",
                    "intra_num_of_threads": "int", "kmp_blocktime": "int", "kmp_affinity": "str"})
_METRICS = {
    "topk": ("int_in", (1, 5)), "mAP": _ANY_MAP, "COCOmAP": _ANY_MAP, "COCOmAPv2": _ANY_MAP, "VOCmAP": _ANY_MAP,
    "MSE": _ANY_MAP, "RMSE": _ANY_MAP, "MAE": _ANY_MAP, "Accuracy": ("null_or_empty",), "Loss": ("null_or_empty",),
    "BLEU": ("null_or_empty",), "SquadF1": ("null_or_empty",), "F1": ("null_or_empty",), "mIOU": _ANY_MAP,
    "GLUE": _ANY_MAP, "ROC": _ANY_MAP,
}
_ACCURACY = Section({
    "multi_metrics": Section(dict(_METRICS, weight="any", higher_is_better="any")),
    "metric": Section(_METRICS), "configs": _CONFIGS, "iteration": "int", "dataloader": _ANY_MAP,
    "postprocess": Section({"transform": _ANY_MAP}),
})
EVALUATION = Section({
    "accuracy": _ACCURACY,
    "performance": Section({"warmup": "int", "iteration": "int", "configs": _CONFIGS, "dataloader": _ANY_MAP,
                            "postprocess": Section({"transform": _ANY_MAP})}),
    "diagnosis": "bool",
})
TUNING = Section({
    "strategy": Section({"name": ("enum", EXP_STRATEGIES), "sigopt_api_token": "str", "sigopt_project_id": "str",
                         "sigopt_experiment_name": "str", "accuracy_weight": "float", "latency_weight": "float",
                         "confidence_batches": "int", "hawq_v2_loss": "any"}, frozenset({"name"})),
    "accuracy_criterion": Section({"relative": ("percent", False), "absolute": ("percent", True),
                                   "higher_is_better": "bool"}),
    "objective": ("enum", OBJECTIVES),
    "multi_objectives": Section({"objective": "any", "weight": "any", "higher_is_better": "any"}),
    "exit_policy": Section({"timeout": "int", "max_trials": "int", "performance_only": "bool"}),
    "random_seed": "int", "tensorboard": "bool",
    "workspace": Section({"path": "str", "resume": "str"}), "diagnosis": "bool",
})
MODEL = Section({"name": "str", "framework": ("enum", FRAMEWORKS), "inputs": "any", "outputs": "any"},
                frozenset({"name", "framework"}))

# Top-level sections: the ones checked here, and the others INC's schema knows (not checked here).
TOP = {"model": MODEL, "version": ("num",), "device": ("enum", ("cpu", "gpu")), "tuning": TUNING,
       "evaluation": EVALUATION}
OTHER_TOP = ("quantization", "pruning", "distillation", "graph_optimization", "mixed_precision", "benchmark", "nas",
             "auto_distillation", "model_conversion")
