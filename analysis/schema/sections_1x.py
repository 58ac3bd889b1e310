"""The sections of an INC 1.x YAML config besides the pruning approach, as INC 2.6's 1.x schema
(neural_compressor/conf/config.py `schema` and the schemas it nests: train, optimizer, criterion,
dataloader, dataset, transform, filter, postprocess, configs, the metrics, quantization,
graph_optimization, mixed_precision, model_conversion, distillation, auto_distillation, nas)
validates them for `weight_compression` and `weight_compression_pytorch` files. The schema
library rejects unknown keys, missing required keys and values of the wrong Python type (`float`
does not accept an int, and `int` does not accept a bool, although Python's bool is an int: the
library checks that case, so a YAML 1.1 `yes` is no integer); INC's loader reads an empty value as {}.

A spec is one of:
  "str" | "int" | "float" | "bool" | "list" | "dict" | "any"
  ("enum", values)           a str among values
  ("int_in", values)         an int among values
  ("num",)                   float, int or a numeric string (Use(float), Use(input_int_to_float))
  ("percent", ints)          percent_to_float: a float, "N%", and an int only when `ints`
  ("null_or_empty",)         Or({}, None): nothing, or an empty mapping (after INC's null -> {})
  Check(test, what)          And/Or/Use clauses: `test(value)` on the value as INC's loader gives it
  Section(keys, required, any_key)   a mapping with exactly these keys (required ones must be
                             there); `any_key`: the spec of every key of a `{str: schema}` mapping
The hooks (`_valid_accuracy_field`, `_valid_multi_objectives`, `_valid_metric_length`,
`_valid_prune_epoch`) are in analysis/rules/legacy_schema.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional


@dataclass(frozen=True)
class Section:
    keys: dict
    required: frozenset = field(default_factory=frozenset)
    any_key: Optional[object] = None


@dataclass(frozen=True)
class Check:
    test: Callable[[Any], bool]
    what: str


def _ok(fn: Callable[[Any], Any]) -> Callable[[Any], bool]:
    """A Use(...) conversion or lambda as a test: it passes when it returns truthy without raising."""
    def test(v: Any) -> bool:
        try:
            return bool(fn(v))
        except Exception:  # noqa: BLE001 - any exception is the schema's SchemaError
            return False
    return test


# INC's conversion helpers (conf/config.py), as tests of the value they are given.
def _to_list(v):  # input_to_list
    if isinstance(v, str):
        return [s.strip() for s in v.split(",")] if "," in v else [s.strip() for s in v.split()]
    if isinstance(v, int):
        return [v]
    assert isinstance(v, list)
    return v


def to_float_list(v):  # input_to_list_float
    if isinstance(v, str):
        return [float(s.strip()) for s in v.split()]
    if isinstance(v, float):
        return [v]
    assert isinstance(v, list)
    return [float(d) for d in v]


def to_bool_list(v):  # input_to_list_bool
    if isinstance(v, str):
        return [s.strip() == "True" for s in (v.split(",") if "," in v else v.split())]
    if isinstance(v, bool):
        return [v]
    assert isinstance(v, list) and all(isinstance(i, bool) for i in v)
    return v


def _int_to_float(v):  # input_int_to_float
    if isinstance(v, str):
        parts = v.split(",") if "," in v else v.split()
        return float(parts[0].strip()) if len(parts) == 1 else [float(s.strip()) for s in parts]
    if isinstance(v, list):
        return [float(s) for s in v]
    if isinstance(v, int):
        return float(v)
    return None


def _to_tuple(v):  # list_to_tuple
    if isinstance(v, str):
        return tuple(int(s.strip()) for s in v.split(","))
    if isinstance(v, list):
        if isinstance(v[0], list):
            return [tuple(int(s) for s in item) for item in v]
        return tuple(int(s) for s in v)
    return None


def _to_int_list(v):  # input_to_list_int
    if isinstance(v, str):
        return [int(s.strip()) for s in v.split(",")]
    if isinstance(v, int):
        return [v]
    assert isinstance(v, list)
    return [int(d) for d in v]


def _int(v: Any) -> bool:
    """The schema library's `int`: a bool is not one (its type check excludes bool explicitly)."""
    return isinstance(v, int) and not isinstance(v, bool)


def _is(v: Any, *types) -> bool:
    """isinstance for the schema library's Or(types...): `int` there does not take a bool either."""
    return any(_int(v) if t is int else isinstance(v, t) for t in types)


def enum_list(values, *, strings: bool) -> Check:
    """And(list, all in values), or with `strings` And(Or(str, list), Use(input_to_list), all in values)."""
    if strings:
        return Check(_ok(lambda v: isinstance(v, (str, list)) and all(i in values for i in _to_list(v))),
                     "one or more of " + ", ".join(values) + " (a list, or a string separated by commas)")
    return Check(_ok(lambda v: isinstance(v, list) and all(i in values for i in v)),
                 "a list of " + ", ".join(values))


INT_POS = Check(lambda v: _int(v) and v > 0, "an integer > 0")
INT_NONNEG = Check(lambda v: _int(v) and v >= 0, "an integer >= 0")
FLOAT_POS = Check(lambda v: isinstance(v, float) and v > 0, "a float > 0 (write 1.0, not 1)")
SIZE = Check(lambda v: (isinstance(v, list) and all(_int(i) for i in v)) or (_int(v) and v > 0),
             "an integer > 0 or a list of integers")
FLOAT_LIST = Check(lambda v: isinstance(v, list) and all(isinstance(i, float) for i in v),
                   "a list of floats (write 1.0, not 1)")
INT_LIST = Check(lambda v: isinstance(v, list) and all(_int(i) for i in v), "a list of integers")
STR_OR_LIST = Check(_ok(lambda v: isinstance(v, (str, list)) and _to_list(v) is not None), "a string or a list")
SHAPE = Check(_ok(lambda v: isinstance(v, (str, list)) and _to_tuple(v) is not None),
              "a shape: a list of integers or \"N, M, ...\"")
LOW_HIGH = Check(_ok(lambda v: isinstance(v, float) or (_is(v, int, list, str) and _int_to_float(v) is not None)), "a number, a list of numbers or a string of numbers")
FLOAT_LIST_STR = Check(_ok(lambda v: isinstance(v, (str, list)) and to_float_list(v) is not None),
                       "a list of numbers or a string of numbers separated by spaces")
INT_LIST_STR = Check(_ok(lambda v: isinstance(v, (str, list)) and _to_int_list(v) is not None),
                     "a list of integers or \"N, M\"")
WEIGHTS = Check(_ok(lambda v: isinstance(v, (str, list)) and to_float_list(v) is not None),
                "a list of numbers or a string of numbers separated by spaces")
BOOLS = Check(_ok(lambda v: isinstance(v, (str, list)) and to_bool_list(v) is not None),
              "a list of booleans or a string such as \"True, False\"")
BOOLS_OR_BOOL = Check(_ok(lambda v: isinstance(v, (str, bool, list)) and to_bool_list(v) is not None),
                      "true, false, a list of booleans or a string such as \"True, False\"")
BIT = Check(_ok(lambda v: isinstance(v, (float, list)) and all(0.0 < i <= 7.0 for i in to_float_list(v))),
            "a float in (0, 7] or a list of them (write 7.0, not 7)")
SAMPLING = Check(_ok(lambda v: _is(v, str, int, list) and _to_list(v) is not None),
                 "an integer, a list or a string of sizes")
QUANT_LEVEL = Check(lambda v: _is(v, str, int) and v in ("auto", 0, 1), "auto, 0 or 1")
IOU = Check(lambda v: (isinstance(v, str) and v == "0.5:0.05:0.95") or (isinstance(v, float) and 0.0 <= v <= 1.0),
            "a float in [0, 1] or \"0.5:0.05:0.95\"")
LOSS_WEIGHTS_KD = Check(_ok(lambda v: isinstance(v, list) and all(i >= 0 for i in v) and sum(v) == 1.0),
                        "a list of weights >= 0 that sum to 1.0")
WEIGHTS_NONNEG = Check(_ok(lambda v: isinstance(v, (tuple, list)) and all(i >= 0 for i in v)),
                       "a list of numbers >= 0")
WEIGHTS_UNIT = Check(_ok(lambda v: isinstance(v, (tuple, list)) and all(0.0 <= i < 1.0 for i in v)),
                     "a list of numbers in [0, 1)")


def _nonempty_items(sizes) -> Check:
    return Check(_ok(lambda v: isinstance(v, (tuple, list)) and all(len(i) in sizes for i in v)),
                 f"a list of layer mappings of {' or '.join(map(str, sizes))} entries")


LAYER_MAPPINGS_1_2 = _nonempty_items((1, 2))
LAYER_MAPPINGS_ANY = Check(_ok(lambda v: isinstance(v, (tuple, list)) and all(len(i) >= 1 for i in v)),
                           "a list of non-empty layer mappings")

FRAMEWORKS = ("template", "tensorflow", "tensorflow_itex", "keras", "mxnet", "onnxrt_qlinearops", "onnxrt_integerops",
              "onnxrt_qdq", "onnxruntime", "onnxrt_weightonly", "pytorch", "pytorch_ipex", "pytorch_fx",
              "pytorchweightonly", "NA")
EXP_STRATEGIES = ("basic", "auto_mixed_precision", "bayesian", "conservative", "exhaustive", "hawq_v2", "mse",
                  "mse_v2", "random", "sigopt", "tpe", "fake")
OBJECTIVES = ("performance", "accuracy", "modelsize", "footprint")
REDUCTIONS = ("none", "sum", "mean", "auto", "sum_over_batch_size")
INTERPOLATIONS = ("nearest", "bilinear", "bicubic")
DTYPES = ("int8", "uint8", "fp32", "bf16", "fp16")

_ANY_MAP = "dict"
_EMPTY = ("null_or_empty",)

# ---- dataloader (dataloader_schema, dataset_schema, transform_schema, filter_schema) ----
_ROOT = Section({"root": "str"}, frozenset({"root"}))
_TV = Section({"root": "str", "train": "bool", "download": "bool"}, frozenset({"root"}))
_DUMMY_LH = {"low": LOW_HIGH, "high": LOW_HIGH, "dtype": STR_OR_LIST}
_BERT = Section({"root": "str", "label_file": "str", "task": ("enum", ("classifier", "squad")),
                 "model_type": ("enum", ("bert", "xlnet", "xlm"))}, frozenset({"root", "label_file"}))
_COCO = {"root": "str", "num_cores": "int"}
DATASET = Section({
    "CIFAR10": _TV, "CIFAR100": _TV, "MNIST": _TV, "FashionMNIST": _TV, "ImageFolder": _ROOT,
    "TFRecordDataset": _ROOT, "ImageRecord": _ROOT, "VOCRecord": _ROOT, "Imagenet": _ROOT,
    "dummy_v2": Section(dict(_DUMMY_LH, input_shape=SHAPE, label_shape=SHAPE), frozenset({"input_shape"})),
    "sparse_dummy_v2": Section(dict(_DUMMY_LH, dense_shape=SHAPE, label_shape=SHAPE,
                                    sparse_ratio=Check(_ok(lambda v: isinstance(v, float) or _is(v, list, int) and _int_to_float(v)
                                                           is not None), "a number or a list of numbers")),
                               frozenset({"dense_shape"})),
    "dummy": Section(dict(_DUMMY_LH, shape=SHAPE, label="bool"), frozenset({"shape"})),
    "bert": _BERT, "mzbert": _BERT,
    "COCORecord": Section(_COCO, frozenset({"root"})),
    "COCORaw": Section(dict(_COCO, img_dir="str", anno_dir="str"), frozenset({"root"})),
    "COCONpy": Section(dict(_COCO, npy_dir="str", anno_dir="str"), frozenset({"root", "npy_dir"})),
    "ImagenetRaw": Section({"data_path": "str", "image_list": "str"}, frozenset({"data_path"})),
    "style_transfer": Section({"content_folder": "str", "style_folder": "str", "crop_ratio": "float",
                               "resize_shape": INT_LIST_STR, "image_format": "str"},
                              frozenset({"content_folder", "style_folder"})),
    "GLUE": Section({"data_dir": "str", "model_name_or_path": "str", "max_seq_length": "int", "do_lower_case": "bool",
                     "task": "str", "model_type": "str", "dynamic_length": "bool", "evaluate": "bool"},
                    frozenset({"data_dir", "model_name_or_path"})),
})
_HW = {"height": INT_POS, "width": INT_POS}
_QIN = Section({"dtype": ("enum", ("int8", "uint8")), "scale": FLOAT_POS})
TRANSFORM = Section({
    "ResizeWithRatio": Section({"min_dim": "int", "max_dim": "int", "padding": "bool", "constant_value": "int"}),
    "CropToBoundingBox": Section({k: "int" for k in ("offset_height", "offset_width", "target_height", "target_width")},
                                 frozenset({"offset_height", "offset_width", "target_height", "target_width"})),
    "Cast": Section({"dtype": "str"}),
    "RandomResizedCrop": Section({"size": SIZE, "scale": FLOAT_LIST, "ratio": FLOAT_LIST,
                                  "interpolation": ("enum", INTERPOLATIONS)}, frozenset({"size"})),
    "AlignImageChannel": Section({"dim": "int"}),
    "ToNDArray": _EMPTY, "RandomHorizontalFlip": _EMPTY, "RandomVerticalFlip": _EMPTY, "ToTensor": _EMPTY,
    "ToPILImage": _EMPTY, "Rescale": _EMPTY, "ToArray": _EMPTY, "ParseDecodeImagenet": _EMPTY,
    "ParseDecodeCoco": _EMPTY, "ParseDecodeVoc": _EMPTY,
    "CropResize": Section({"x": "int", "y": "int", "width": "int", "height": "int", "size": SIZE,
                           "interpolation": ("enum", INTERPOLATIONS)}, frozenset({"x", "y", "width", "height", "size"})),
    "Normalize": Section({"mean": FLOAT_LIST, "std": FLOAT_LIST, "rescale": "list"}),
    "Resize": Section({"size": SIZE, "interpolation": ("enum", INTERPOLATIONS)}, frozenset({"size"})),
    "RandomCrop": Section({"size": SIZE}, frozenset({"size"})),
    "CenterCrop": Section({"size": SIZE}, frozenset({"size"})),
    "PaddedCenterCrop": Section({"size": SIZE, "crop_padding": INT_POS}, frozenset({"size"})),
    "QuantizedInput": _QIN,
    "Transpose": Section({"perm": INT_LIST}, frozenset({"perm"})),
    "BilinearImagenet": Section(dict(_HW, central_fraction="float", mean_value=FLOAT_LIST_STR, scale="float"),
                                frozenset({"height", "width"})),
    "ResizeCropImagenet": Section(dict(_HW, random_crop="bool", slice_crop="bool", resize_side=INT_POS,
                                       resize_method=("enum", ("bilinear", "lanczos3", "lanczos5", "bicubic", "gaussian",
                                                               "nearest", "area", "mitchellcubic")),
                                       random_flip_left_right="bool",
                                       data_format=("enum", ("channels_first", "channels_last")),
                                       subpixels=("enum", ("BGR", "RGB")), mean_value=FLOAT_LIST_STR, scale="float"),
                                  frozenset({"height", "width"})),
    "ResizeWithAspectRatio": Section(_HW, frozenset({"height", "width"})),
})
FILTER = Section({"LabelBalance": Section({"size": INT_POS}, frozenset({"size"}))})
DATALOADER = Section({
    "last_batch": ("enum", ("rollover", "discard")), "batch_size": INT_POS, "dataset": DATASET, "filter": FILTER,
    "transform": TRANSFORM, "shuffle": "bool", "distributed": "bool",
}, frozenset({"dataset"}))
_SQUAD = Section({"label_file": "str", "vocab_file": "str", "do_lower_case": "bool", "max_seq_length": "int"},
                 frozenset({"label_file", "vocab_file"}))
POSTPROCESS = Section({"transform": Section({"LabelShift": "int", "Collect": Section({"length": "int"},
                                                                                        frozenset({"length"})),
                                             "SquadV1": _SQUAD, "SquadV1ModelZoo": _SQUAD})})

# ---- train (train_schema, optimizer_schema, criterion_schema) ----
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
    "KnowledgeDistillationLoss": Section({"temperature": FLOAT_POS,
                                          "loss_types": enum_list(("CE", "KL", "MSE"), strings=False),
                                          "loss_weights": LOSS_WEIGHTS_KD}),
    "IntermediateLayersKnowledgeDistillationLoss": Section({
        "layer_mappings": LAYER_MAPPINGS_1_2, "loss_types": enum_list(("MSE", "KL", "L1"), strings=False),
        "loss_weights": WEIGHTS_NONNEG, "add_origin_loss": "bool"}, frozenset({"layer_mappings"})),
    "SelfKnowledgeDistillationLoss": Section({
        "layer_mappings": LAYER_MAPPINGS_ANY, "loss_types": enum_list(("L2", "CE", "KL"), strings=False),
        "loss_weights": WEIGHTS_UNIT, "add_origin_loss": "bool", "temperature": FLOAT_POS},
        frozenset({"layer_mappings"})),
})
TRAIN = Section({
    "criterion": _CRITERION, "optimizer": _OPTIMIZER, "dataloader": DATALOADER, "epoch": "int", "start_epoch": "int",
    "end_epoch": "int", "iteration": "int", "frequency": "int", "execution_mode": ("enum", ("eager", "graph")),
    "postprocess": POSTPROCESS, "hostfile": "str",
}, frozenset({"criterion"}))

# ---- evaluation ----
_CONFIGS = Section({"cores_per_instance": INT_POS, "num_of_instance": INT_POS, "inter_num_of_threads": INT_POS,
                    "intra_num_of_threads": INT_POS, "kmp_blocktime": INT_NONNEG, "kmp_affinity": "str"})
_COMPARE = Section({"compare_label": "bool"})
_METRICS = {
    "topk": ("int_in", (1, 5)),
    "mAP": Section({"anno_path": "str", "iou_thrs": IOU, "map_points": ("int_in", (0, 11, 101))}),
    "COCOmAP": Section({"anno_path": "str", "map_key": "str"}),
    "COCOmAPv2": Section({"anno_path": "str", "map_key": "str",
                          "output_index_mapping": Section({"num_detections": "int", "boxes": "int", "scores": "int",
                                                           "classes": "int"}, frozenset({"boxes", "scores", "classes"}))}),
    "VOCmAP": Section({"anno_path": "str"}), "SquadF1": _EMPTY, "MSE": _COMPARE, "RMSE": _COMPARE, "MAE": _COMPARE,
    "Accuracy": _EMPTY, "Loss": _EMPTY, "BLEU": _EMPTY, "F1": _EMPTY, "mIOU": Section({"num_classes": "int"}),
    "GLUE": Section({"task": "str"}), "ROC": Section({"task": "str"}),
}
METRIC_NAMES = tuple(_METRICS)
_ACCURACY = Section({
    "multi_metrics": Section(dict(_METRICS, weight=WEIGHTS, higher_is_better=BOOLS)),
    "metric": Section(_METRICS), "configs": _CONFIGS, "iteration": "int", "dataloader": DATALOADER,
    "postprocess": POSTPROCESS,
})
EVALUATION = Section({
    "accuracy": _ACCURACY,
    "performance": Section({"warmup": "int", "iteration": "int", "configs": _CONFIGS, "dataloader": DATALOADER,
                            "postprocess": POSTPROCESS}),
    "diagnosis": "bool",
})

# ---- tuning ----
TUNING = Section({
    "strategy": Section({"name": ("enum", EXP_STRATEGIES), "sigopt_api_token": "str", "sigopt_project_id": "str",
                         "sigopt_experiment_name": "str", "accuracy_weight": "float", "latency_weight": "float",
                         "confidence_batches": "int", "hawq_v2_loss": "any"}, frozenset({"name"})),
    "accuracy_criterion": Section({"relative": ("percent", False), "absolute": ("percent", True),
                                   "higher_is_better": "bool"}),
    "objective": ("enum", OBJECTIVES),
    "multi_objectives": Section({"objective": Check(_ok(lambda v: isinstance(v, (str, list))
                                                        and all(i in OBJECTIVES for i in _to_list(v))),
                                                    "one or more of " + ", ".join(OBJECTIVES)),
                                 "weight": WEIGHTS, "higher_is_better": BOOLS_OR_BOOL}),
    "exit_policy": Section({"timeout": "int", "max_trials": "int", "performance_only": "bool"}),
    "random_seed": "int", "tensorboard": "bool",
    "workspace": Section({"path": "str", "resume": "str"}), "diagnosis": "bool",
})

# ---- quantization and the other approaches a 1.x file may carry ----
_W_OPS = {"granularity": ("per_channel", "per_tensor"), "scheme": ("asym", "sym", "asym_float"), "dtype": DTYPES,
          "algorithm": ("minmax",)}
_A_OPS = {"granularity": ("per_channel", "per_tensor"), "scheme": ("asym", "sym"), "dtype": DTYPES,
          "compute_dtype": ("int8", "uint8", "fp32", "bf16", "None"),
          "algorithm": ("minmax", "kl", "placeholder", "percentile")}


def _ops(strings: bool) -> Section:
    """ops_schema (op_wise/optype_wise entries: lists) or model_wise (a string is split into a list)."""
    weight = {k: enum_list(v, strings=strings) for k, v in _W_OPS.items()}
    weight["bit"] = BIT
    return Section({"weight": Section(weight),
                    "activation": Section({k: enum_list(v, strings=strings) for k, v in _A_OPS.items()})})


_BOOLS = ("scale_propagation_max_pooling", "scale_propagation_concat", "first_conv_or_matmul_quantization",
          "last_conv_or_matmul_quantization", "pre_post_process_quantization", "fast_bias_correction",
          "weight_correction")
QUANTIZATION = Section({
    "approach": ("enum", ("post_training_static_quant", "post_training_dynamic_quant", "post_training_auto_quant",
                          "quant_aware_training")),
    "train": TRAIN,
    "advance": Section({"bias_correction": ("enum", ("weight_empirical",))}),
    "calibration": Section({"sampling_size": SAMPLING, "dataloader": DATALOADER}),
    "recipes": Section({k: "bool" for k in _BOOLS}),
    "model_wise": _ops(True),
    "optype_wise": Section({}, any_key=_ops(False)),
    "op_wise": Section({}, any_key=_ops(False)),
    "quant_level": QUANT_LEVEL,
})


def _precisions(values) -> Section:
    dtype = enum_list(("fp32", "bf16", "fp16"), strings=True)
    return Section({"precisions": enum_list(values, strings=True),
                    "op_wise": Section({"weight": Section({"dtype": dtype}), "activation": Section({"dtype": dtype})})})


_KT = Section({"block_names": "list", "layer_mappings_for_knowledge_transfer": "list", "loss_types": "list",
               "loss_weights": "list", "add_origin_loss": "list", "train_steps": "list"},
              frozenset({"layer_mappings_for_knowledge_transfer"}))
AUTO_DISTILLATION = Section({
    "search": Section({"search_space": "dict", "search_algorithm": "str", "metrics": "list",
                       "higher_is_better": "list", "max_trials": "int", "seed": "int"}, frozenset({"search_space"})),
    "flash_distillation": Section({"knowledge_transfer": _KT, "regular_distillation": _KT}),
}, frozenset({"search"}))
_STR_OR_NULL = Check(lambda v: isinstance(v, str) or v is None, "a string")
NAS = Section({
    "approach": _STR_OR_NULL,
    "search": Section({"search_space": Check(lambda v: isinstance(v, dict) or v is None, "a mapping"),
                       "search_algorithm": _STR_OR_NULL, "metrics": "list", "higher_is_better": "list",
                       "max_trials": "int", "seed": "int"}),
    "dynas": Section({"supernet": "str", "metrics": "list", "population": "int", "num_evals": "int",
                      "results_csv_path": "str", "dataset_path": "str", "supernet_ckpt_path": "str",
                      "batch_size": "int", "eval_batch_size": "int", "num_workers": "int", "distributed": "bool",
                      "test_fraction": "float"}),
})
MODEL_CONVERSION = Section({"source": Check(lambda v: isinstance(v, str) and v.lower() == "qat", "qat"),
                            "destination": Check(lambda v: isinstance(v, str) and v.lower() == "default", "default")},
                           frozenset({"source", "destination"}))
MODEL = Section({"name": "str", "framework": ("enum", FRAMEWORKS), "inputs": STR_OR_LIST, "outputs": STR_OR_LIST},
                frozenset({"name", "framework"}))

# Every top-level section INC's 1.x schema knows; `pruning` is checked by the approach rules and
# legacy_schema.py (train, approach). Any other top-level key is a SchemaError (Wrong key).
VERSION = Check(_ok(lambda v: isinstance(v, float) or (_is(v, int, str) and _int_to_float(v) is not None)),
                "a number")
TOP = {"model": MODEL, "version": VERSION, "device": ("enum", ("cpu", "gpu")), "tuning": TUNING,
       "evaluation": EVALUATION, "quantization": QUANTIZATION, "use_bf16": "bool",
       "graph_optimization": _precisions(("fp32", "bf16")), "mixed_precision": _precisions(("fp32", "bf16", "fp16")),
       "model_conversion": MODEL_CONVERSION, "distillation": Section({"train": TRAIN}),
       "auto_distillation": AUTO_DISTILLATION, "nas": NAS, "train": TRAIN}
OTHER_TOP = ("pruning",)
