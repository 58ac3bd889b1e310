"""Configs for the differential test of INC's older dialects: single mutations of the corpus's
`weight_compression_pytorch` (C) and 1.x `weight_compression` (D) configs.

The mutations come from INC 2.6's own checks, not from a hand list of mistakes: for each key of
the 1.x schema (conf/config.py `weight_compression_schema`, the `Pruner` class and the sections
`model`, `pruning.train`, `evaluation`, `tuning`), values below, at and above each bound the
schema, its hooks (`_valid_prune_sparsity`, `_valid_prune_epoch`) and the experimental pruner's
check_config assert; the wrong type as YAML 1.1 reads it (`0` for a float, `9e-1`, `yes`, a quoted
number, an unquoted `2:4`, a list, a mapping, a null); the key at the wrong level, missing,
duplicated or misspelt; and the pruner registries (1.x: basic_magnitude, pattern_lock,
gradient_sensitivity, group_lasso; experimental: magnitude, snip, snip_momentum, pattern_lock;
their patterns and parameters). Each case is labelled with its kind and the INC clause it probes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterator, Optional

import yaml

from mutations import Case, Items, _items, _line, _raw

CONTAINER = {"C": "weight_compression_pytorch", "D": "weight_compression"}


class _TagLoader(yaml.SafeLoader):
    pass


_TagLoader.add_constructor("!Pruner", lambda loader, node: loader.construct_mapping(node, deep=True))


@dataclass
class LCfg:
    dialect: str  # "C" or "D"
    model: Items  # the `model:` section's keys
    globals: Items
    pruners: Optional[list[Items]]
    train: Optional[Items] = None  # pruning.train (D)
    sections: Items = ()  # other top-level sections (evaluation, tuning, version, device), raw flow YAML
    untagged: frozenset = frozenset()
    pruners_raw: Optional[str] = None
    name: str = ""

    def copy(self) -> "LCfg":
        return replace(self, model=list(self.model), globals=list(self.globals), sections=list(self.sections),
                       train=None if self.train is None else list(self.train),
                       pruners=None if self.pruners is None else [list(p) for p in self.pruners])

    def render(self) -> str:
        out = []
        if self.model is not None:
            out.append("model:")
            out += ["  " + _line(k, v) for k, v in self.model]
        out.append("pruning:")
        if self.train is not None:
            out.append("  train:")
            out += ["    " + _line(k, v) for k, v in self.train]
        out += ["  approach:", f"    {CONTAINER[self.dialect]}:"]
        g = "      "
        out += [g + _line(k, v) for k, v in self.globals]
        if self.pruners is not None:
            out.append(g + "pruners:" + ("" if self.pruners else " []"))
            for i, items in enumerate(self.pruners):
                if i in self.untagged:
                    for j, (k, v) in enumerate(items):
                        out.append(g + ("  - " if j == 0 else "    ") + _line(k, v))
                else:
                    out.append(g + "  - !Pruner")
                    out += [g + "      " + _line(k, v) for k, v in items]
        elif self.pruners_raw is not None:
            out.append(g + _line("pruners", self.pruners_raw))
        out += [_line(k, v) for k, v in self.sections]
        return "\n".join(out) + "\n"


def heavy(seed: LCfg) -> bool:
    """A seed whose pruners name many weights (INC's group-lasso prune_all examples, 72 names): INC's
    1.x pruners read each weight through state_dict() every step, so one run takes a minute."""
    names = 0
    for items in seed.pruners or []:
        for k, v in items:
            if k == "names":
                names += v.count(",") + 1
    return names > 16


def seeds_from_texts(texts: dict[str, tuple[str, str]]) -> list[LCfg]:
    """name -> (dialect, text) of the corpus's C and D configs -> seeds (and, for the C examples whose
    scripts set the steps at run time, the seed with those steps written in, which INC accepts)."""
    seeds: list[LCfg] = []
    for name, (dialect, text) in sorted(texts.items()):
        doc = yaml.load(text, Loader=_TagLoader)
        if not isinstance(doc, dict) or not isinstance(doc.get("pruning"), dict):
            continue
        approach = (doc["pruning"].get("approach") or {}).get(CONTAINER[dialect])
        if not isinstance(approach, dict) or not isinstance(doc.get("model"), dict):
            continue
        short = (name.split("__")[-2] if name.startswith("INLINE") else name.split("__")[-1]).removesuffix(".yaml")
        glob = {k: v for k, v in approach.items() if k != "pruners"}
        pruners = [dict(p) for p in approach.get("pruners") or []]
        train = doc["pruning"].get("train")
        sections = [(k, _raw(v)) for k, v in doc.items() if k not in ("model", "pruning")]
        label = f"{dialect}-{short}"
        while any(s.name == label for s in seeds):  # several corpus files end in prune.yaml / conf.yaml
            label += "+"
        seed = LCfg(dialect, _items(doc["model"]), _items(glob), [_items(p) for p in pruners],
                    _items(train) if isinstance(train, dict) else None, sections, name=label)
        seeds.append(seed)
        if dialect == "C" and not glob.get("end_step"):
            fixed = seed.copy()
            set_(start_step="0", end_step="4")(fixed, None)
            fixed.name += "-steps"
            seeds.append(fixed)
    return seeds


Mut = Callable[[LCfg, Optional[int]], Optional[LCfg]]


def _at(c: LCfg, idx):
    if idx is None:
        return c.globals
    if idx == "model":
        return c.model
    if idx == "train":
        return c.train
    if idx == "sections":
        return c.sections
    if c.pruners is None or idx >= len(c.pruners):
        return None
    return c.pruners[idx]


def set_(**kv) -> Mut:
    def apply(c, idx):
        items = _at(c, idx)
        if items is None:
            return None
        for k, raw in kv.items():
            for j, (key, _v) in enumerate(items):
                if key == k:
                    items[j] = (k, raw)
                    break
            else:
                items.append((k, raw))
        return c
    return apply


def drop(*keys) -> Mut:
    def apply(c, idx):
        items = _at(c, idx)
        if items is None or not any(k in keys for k, _ in items):
            return None
        items[:] = [(k, v) for k, v in items if k not in keys]
        return c
    return apply


def rename(old: str, new: str) -> Mut:
    def apply(c, idx):
        items = _at(c, idx)
        if items is None:
            return None
        for j, (k, v) in enumerate(items):
            if k == old:
                items[j] = (new, v)
                return c
        return None
    return apply


def dup_first(c, idx):
    items = _at(c, idx)
    if not items:
        return None
    k, v = items[0]
    items.insert(0, (k, '"overwritten"'))
    return c


def untag(c, idx):
    if c.pruners is None or not isinstance(idx, int) or idx >= len(c.pruners):
        return None
    c.untagged = c.untagged | {idx}
    return c


def pruners_(raw: Optional[str]) -> Mut:
    def apply(c, idx):
        if idx is not None:
            return None
        c.pruners, c.pruners_raw = None, raw
        return c
    return apply


def no_model(c, idx):
    if idx is not None:
        return None
    c.model = None
    return c


def on(where: str, mut: Mut) -> Mut:
    """A mutation of a fixed section (model, train, sections), applied once per seed."""
    def apply(c, idx):
        if idx is not None:
            return None
        if where == "train" and c.train is None:
            c.train = []
        return mut(c, where)
    return apply


# (kind, level, mutation, INC clause). level: "global", "pruner", "any", or "once" (fixed section).
F = "float"
MUTATIONS: list[tuple[str, str, Mut, str]] = []


def _m(kind, level, mut, clause):
    MUTATIONS.append((kind, level, mut, clause))


# weight_compression_schema: float keys (And(float, ...)); ints, quoted numbers and YAML 1.1 forms are wrong types
for key, good in (("target_sparsity", "0.5"), ("initial_sparsity", "0.1"), ("max_sparsity_ratio_per_layer", "0.9"),
                  ("update_frequency", "2.0")):
    for raw, kind in ((good, "float-ok"), ("1", "float-given-int"), ("0", "float-given-int"), ('"0.5"', "quoted-number"),
                      ("9e-1", "sci-no-dot"), ("5.0e-1", "sci-with-dot"), ("yes", "yaml11-bool"), ("[0.5]", "list"),
                      ("", "null")):
        _m(f"{key}:{kind}", "any", set_(**{key: raw}), f"weight_compression_schema {key}: float")
# ranges: initial in [0, 1) (schema And), target < 1 and initial <= target (_valid_prune_sparsity),
# experimental check_config: target in [0, 1), max_sparsity_ratio_per_layer in [0, 1)
for key in ("initial_sparsity", "target_sparsity", "max_sparsity_ratio_per_layer"):
    for raw in ("-0.1", "0.0", "0.99", "1.0", "1.5"):
        _m(f"{key}:range", "any", set_(**{key: raw}), "schema And(0<=s<1) / _valid_prune_sparsity / check_config")
_m("initial-above-target", "global", set_(initial_sparsity="0.8", target_sparsity="0.5"), "_valid_prune_sparsity")
_m("initial-above-target", "pruner", set_(initial_sparsity="0.8", target_sparsity="0.5"), "Pruner (not schema-checked)")
_m("initial-equals-target", "global", set_(initial_sparsity="0.5", target_sparsity="0.5"), "_valid_prune_sparsity")
# int keys
for key in ("start_epoch", "end_epoch", "start_step", "end_step", "update_frequency_on_step"):
    for raw, kind in (("-1", "negative"), ("0", "zero"), ("3", "int-ok"), ("3.0", "int-given-float"),
                      ('"3"', "quoted-number"), ("1e1", "sci-no-dot"), ("no", "yaml11-bool"), ("", "null")):
        _m(f"{key}:{kind}", "any", set_(**{key: raw}), f"weight_compression_schema {key}: int / check_config")
_m("end-before-start", "any", set_(start_step="5", end_step="2"), "check_config end_step >= start_step")
_m("end-before-start", "any", set_(start_epoch="3", end_epoch="1"), "Pruner epochs (1.x schedule)")
_m("steps-ok", "any", set_(start_step="1", end_step="6"), "check_config")
# str keys and the registries
for key, values in (("prune_type", ("basic_magnitude", "magnitude", "snip", "snip_momentum", "pattern_lock",
                                    "gradient_sensitivity", "group_lasso", "magnitude_progressive", "snip_progressive",
                                    "Magnitude", "l1", "1", "[magnitude]")),
                    ("prune_domain", ("global", "local", "globl", "Local", "1")),
                    ("sparsity_decay_type", ("exp", "cos", "linear", "cube", "expo", "1")),
                    ("pattern", ('"4x1"', '"1x1"', "tile_pattern_1x1", "tile_pattern_4x1", "tile_pattern_1x16",
                                 "tile_pattern_2x2", "tile_pattern_16x1", "tile_pattern_3x3", '"2:4"', "2:4", '"1:4"',
                                 '"4X1"', "channelx1", "1xchannel", '"0x1"', '"4by1"', "ic_pattern_4x1", "1",
                                 '["4x1"]')),
                    ("method", ("per_tensor", "per_channel", "1")),
                    ):
    for raw in values:
        _m(f"{key}:value", "any", set_(**{key: raw}), f"{key}: str, and the pruner/pattern registries")
for key in ("names", "excluded_names", "extra_excluded_names", "prune_layer_type"):
    for raw, kind in (("[]", "empty-list"), ("layer1", "string"), ("[1]", "int-item"), ("{a: 1}", "mapping"),
                      ("", "null"), ("['[bad']", "bad-regex")):
        _m(f"{key}:{kind}", "any", set_(**{key: raw}), f"weight_compression_schema {key}: list")
_m("prune_layer_type:value", "any", set_(prune_layer_type="[Conv2d]"), "exact class names (experimental)")
_m("prune_layer_type:value", "any", set_(prune_layer_type="[Conv]"), "exact class names (experimental)")
# parameters (group_lasso needs alpha; gradient_sensitivity its own keys)
_m("parameters:group-lasso", "pruner", set_(prune_type="group_lasso", parameters="{alpha: 0.006}"), "GroupLasso")
_m("parameters:group-lasso", "pruner", set_(prune_type="group_lasso"), "GroupLasso without parameters")
_m("parameters:group-lasso", "pruner", set_(prune_type="group_lasso", parameters="{pattern: tile_pattern_1x16}"),
   "GroupLasso without alpha")
_m("parameters:group-lasso", "pruner", set_(prune_type="group_lasso", parameters="{alpha: -1.0}"), "GroupLasso alpha")
_m("parameters:value", "pruner", set_(parameters="[0.1]"), "Pruner parameters")
_m("parameters:value", "pruner", set_(parameters="0.1"), "Pruner parameters")
_m("parameters:value", "global", set_(parameters="{alpha: 0.1}"), "weight_compression_schema has no parameters")
# keys: unknown, misspelt, at the wrong level, missing, duplicated
for old, new in (("target_sparsity", "target_sparsty"), ("prune_type", "pruning_type"), ("pattern", "patern"),
                 ("names", "op_names"), ("excluded_names", "exclude_names"), ("start_epoch", "start_epochs"),
                 ("update_frequency_on_step", "pruning_frequency")):
    _m("misspelt-key", "any", rename(old, new), "schema: Optional keys only / Pruner(**kwargs)")
_m("unknown-key", "any", set_(low_memory_usage="true"), "schema / Pruner(**kwargs)")
_m("wrong-level", "pruner", set_(max_sparsity_ratio_per_layer="0.9"), "Pruner(**kwargs) has no such parameter")
_m("wrong-level", "pruner", set_(prune_layer_type="[Linear]"), "Pruner(**kwargs) has no such parameter")
_m("wrong-level", "pruner", set_(excluded_names="[classifier]"), "Pruner(**kwargs) has no such parameter")
_m("wrong-level", "global", set_(method="per_tensor"), "weight_compression_schema has no method")
_m("missing", "any", drop("prune_type"), "Pruner default basic_magnitude / global default")
_m("missing", "any", drop("pattern"), "Pruner default tile_pattern_1x1")
_m("missing", "any", drop("names"), "names default: all weights")
_m("duplicate-key", "any", dup_first, "PyYAML keeps the last")
_m("untagged-pruner", "pruner", untag, "pruners: [Pruner] (a plain mapping is not a Pruner)")
_m("pruners-missing", "global", pruners_(None), "val['pruners'] (experimental) / schema")
_m("pruners-empty", "global", pruners_("[]"), "pruners: []")
_m("pruners-null", "global", pruners_(""), "pruners: null")
_m("pruners-scalar", "global", pruners_("magnitude"), "pruners: list")
# the other sections the 1.x schema validates
_m("model:missing", "global", no_model, "schema: 'model' required")
_m("model:name", "once", on("model", drop("name")), "model: {name: str}")
_m("model:name", "once", on("model", set_(name="1")), "model: {name: str}")
_m("model:framework", "once", on("model", set_(framework="torch")), "model.framework in FRAMEWORKS or NA")
_m("model:framework", "once", on("model", set_(framework="NA")), "model.framework NA")
_m("model:framework", "once", on("model", drop("framework")), "model.framework required")
_m("model:unknown", "once", on("model", set_(nme="x")), "model: known keys only")
_m("section:version", "once", on("sections", set_(version="1.0")), "version: float")
_m("section:version", "once", on("sections", set_(version='"1.0"')), "version: float")
_m("section:device", "once", on("sections", set_(device="gpu")), "device: cpu|gpu")
_m("section:device", "once", on("sections", set_(device="tpu")), "device: cpu|gpu")
_m("section:unknown", "once", on("sections", set_(pruning_extra="1")), "top level: known sections only")
_m("tuning:seed", "once", on("sections", set_(tuning="{random_seed: 1978}")), "tuning.random_seed: int")
_m("tuning:seed", "once", on("sections", set_(tuning="{random_seed: x}")), "tuning.random_seed: int")
_m("tuning:criterion", "once", on("sections", set_(tuning="{accuracy_criterion: {relative: 0.01}}")),
   "tuning.accuracy_criterion")
_m("tuning:criterion", "once", on("sections", set_(tuning="{accuracy_criterion: {relative: 1}}")),
   "tuning.accuracy_criterion.relative: float")
_m("tuning:criterion", "once", on("sections", set_(tuning="{accuracy_criterion: {relativ: 0.01}}")),
   "tuning.accuracy_criterion: known keys")
_m("tuning:exit", "once", on("sections", set_(tuning="{exit_policy: {timeout: 0, max_trials: 10}}")),
   "tuning.exit_policy")
_m("tuning:exit", "once", on("sections", set_(tuning="{exit_policy: {timeout: x}}")), "tuning.exit_policy.timeout: int")
_m("evaluation:metric", "once", on("sections", set_(evaluation="{accuracy: {metric: {topk: 1}}}")), "evaluation")
_m("evaluation:metric", "once", on("sections", set_(evaluation="{accuracy: {metric: {topk: x}}}")),
   "evaluation.accuracy.metric.topk: int")
_m("evaluation:metric", "once", on("sections", set_(evaluation="{accuracy: {metric: {nometric: 1}}}")),
   "evaluation.accuracy.metric: known metrics")
_m("evaluation:unknown", "once", on("sections", set_(evaluation="{acuracy: {metric: {topk: 1}}}")),
   "evaluation: known keys")
for k, raw in (("start_epoch", "0"), ("end_epoch", "4"), ("start_epoch", "1.0"), ("end_epoch", '"4"'),
               ("iteration", "10"), ("iteration", "x"), ("frequency", "1"), ("epoch", "2"), ("epoch", "2.5"),
               ("optimizer", "{SGD: {learning_rate: 0.1}}"), ("optimizer", "{SGD: {learning_rate: 1}}"),
               ("optimizer", "{Adam: {learning_rate: 0.001}}"), ("optimizer", "{Sgd: {learning_rate: 0.1}}"),
               ("criterion", "{CrossEntropyLoss: {reduction: mean}}"),
               ("criterion", "{CrossEntropyLoss: {reduction: None}}"), ("criterion", "{CrossEntropyLos: {}}"),
               ("execution_mode", "eager"), ("execution_mode", "lazy"), ("trainer", "1"), ("unknown_train_key", "1")):
    _m(f"train:{k}", "once", on("train", set_(**{k: raw})), f"train_schema {k}")
_m("train:epochs", "once", on("train", set_(start_epoch="3", end_epoch="1")), "_valid_prune_epoch")

# Every other clause of the 1.x schema a file with a pruning section goes through (conf/config.py):
# dataloader_schema/dataset_schema/transform_schema/filter_schema, the metric schemas and their
# hooks, configs_schema, quantization (ops_schema, model_wise, recipes), the other top-level
# sections. Each value below, at or above a clause's bound, or of the wrong type.
_DL = "{{batch_size: {bs}, dataset: {ds}{extra}}}"
_DUMMY = "{dummy: {shape: [4, 8]}}"
for kind, raw in (
        ("dataloader:ok", _DL.format(bs=2, ds=_DUMMY, extra="")),
        ("dataloader:batch_size", _DL.format(bs=0, ds=_DUMMY, extra="")),
        ("dataloader:batch_size", _DL.format(bs="2.0", ds=_DUMMY, extra="")),
        ("dataloader:batch_size", _DL.format(bs='"2"', ds=_DUMMY, extra="")),
        ("dataloader:dataset", "{batch_size: 2}"),
        ("dataloader:dataset", _DL.format(bs=2, ds="{dumy: {shape: [4, 8]}}", extra="")),
        ("dataloader:dataset", _DL.format(bs=2, ds="{dummy: {low: 0.0}}", extra="")),
        ("dataloader:dataset", _DL.format(bs=2, ds="{dummy: {shape: '4, 8', low: 1, high: [1.0, 2]}}", extra="")),
        ("dataloader:dataset", _DL.format(bs=2, ds="{dummy: {shape: 'a, b'}}", extra="")),
        ("dataloader:dataset", _DL.format(bs=2, ds="{ImageFolder: {root: 1}}", extra="")),
        ("dataloader:dataset", _DL.format(bs=2, ds="{bert: {root: /d, label_file: l, task: ner}}", extra="")),
        ("dataloader:last_batch", _DL.format(bs=2, ds=_DUMMY, extra=", last_batch: rollover")),
        ("dataloader:last_batch", _DL.format(bs=2, ds=_DUMMY, extra=", last_batch: keep")),
        ("dataloader:shuffle", _DL.format(bs=2, ds=_DUMMY, extra=", shuffle: 1")),
        ("dataloader:transform", _DL.format(bs=2, ds=_DUMMY, extra=", transform: {Resize: {size: 0}}")),
        ("dataloader:transform", _DL.format(bs=2, ds=_DUMMY, extra=", transform: {Resize: {size: [2, 2]}}")),
        ("dataloader:transform", _DL.format(bs=2, ds=_DUMMY, extra=", transform: {Resize: {interpolation: bilinear}}")),
        ("dataloader:transform", _DL.format(bs=2, ds=_DUMMY, extra=", transform: {Normalize: {mean: [0, 1]}}")),
        ("dataloader:transform", _DL.format(bs=2, ds=_DUMMY, extra=", transform: {Normalize: {mean: [0.5, 1.0]}}")),
        ("dataloader:transform", _DL.format(bs=2, ds=_DUMMY, extra=", transform: {ToTensor: , Rescale: {}}")),
        ("dataloader:transform", _DL.format(bs=2, ds=_DUMMY, extra=", transform: {ToTensor: {a: 1}}")),
        ("dataloader:transform", _DL.format(bs=2, ds=_DUMMY, extra=", transform: {Resise: {size: 2}}")),
        ("dataloader:transform", _DL.format(bs=2, ds=_DUMMY, extra=", transform: {QuantizedInput: {scale: 1}}")),
        ("dataloader:filter", _DL.format(bs=2, ds=_DUMMY, extra=", filter: {LabelBalance: {size: 0}}")),
        ("dataloader:filter", _DL.format(bs=2, ds=_DUMMY, extra=", filter: {LabelBalance: {size: 1}}"))):
    _m(kind, "once", on("sections", set_(evaluation="{accuracy: {metric: {topk: 1}, dataloader: %s}}" % raw)),
       "dataloader_schema / dataset_schema / transform_schema / filter_schema")
    if kind in ("dataloader:ok", "dataloader:batch_size", "dataloader:transform"):
        _m(kind, "once", on("train", set_(dataloader=raw)), "train_schema dataloader")
for kind, raw in (
        ("metric:topk", "{topk: 5}"), ("metric:topk", "{topk: 2}"), ("metric:topk", "{topk: true}"),
        ("metric:empty", "{Accuracy: }"), ("metric:empty", "{Accuracy: {x: 1}}"), ("metric:empty", "{F1: 1}"),
        ("metric:mAP", "{mAP: {iou_thrs: 0.5, map_points: 11}}"), ("metric:mAP", "{mAP: {iou_thrs: 1.5}}"),
        ("metric:mAP", "{mAP: {iou_thrs: 1}}"), ("metric:mAP", "{mAP: {map_points: 7}}"),
        ("metric:mAP", "{mAP: {iou_thrs: '0.5:0.05:0.95'}}"),
        ("metric:COCOmAPv2", "{COCOmAPv2: {output_index_mapping: {boxes: 0, scores: 1, classes: 2}}}"),
        ("metric:COCOmAPv2", "{COCOmAPv2: {output_index_mapping: {scores: 1, classes: 2}}}"),
        ("metric:MSE", "{MSE: {compare_label: false}}"), ("metric:MSE", "{MSE: {compare_label: 0}}"),
        ("metric:mIOU", "{mIOU: {num_classes: 21}}"), ("metric:mIOU", "{mIOU: {num_classes: 21.0}}")):
    _m(kind, "once", on("sections", set_(evaluation="{accuracy: {metric: %s}}" % raw)), "evaluation metric schemas")
for kind, raw in (("multi_metrics:ok", "{topk: 1, MSE: {}, weight: [0.5, 0.5], higher_is_better: [true, false]}"),
                  ("multi_metrics:length", "{topk: 1, MSE: {}, weight: [0.5]}"),
                  ("multi_metrics:length", "{topk: 1, MSE: {}, weight: '0.5 0.5'}"),
                  ("multi_metrics:length", "{topk: 1, weight: 1}"),
                  ("multi_metrics:length", "{topk: 1, MSE: {}, higher_is_better: 'True False'}"),
                  ("multi_metrics:length", "{topk: 1, MSE: {}, higher_is_better: [true]}")):
    _m(kind, "once", on("sections", set_(evaluation="{accuracy: {multi_metrics: %s}}" % raw)), "_valid_metric_length")
for kind, raw in (("evaluation:configs", "{performance: {configs: {cores_per_instance: 4, kmp_blocktime: 0}}}"),
                  ("evaluation:configs", "{performance: {configs: {cores_per_instance: 0}}}"),
                  ("evaluation:configs", "{performance: {configs: {kmp_blocktime: -1}}}"),
                  ("evaluation:configs", "{performance: {warmup: x}}"),
                  ("evaluation:configs", "{diagnosis: yes}"), ("evaluation:configs", "{diagnosis: 1}")):
    _m(kind, "once", on("sections", set_(evaluation=raw)), "configs_schema / evaluation.performance")
for kind, raw in (("quantization:approach", "{approach: quant_aware_training}"),
                  ("quantization:approach", "{approach: qat}"),
                  ("quantization:bit", "{model_wise: {weight: {bit: 7.0}}}"),
                  ("quantization:bit", "{model_wise: {weight: {bit: 8.0}}}"),
                  ("quantization:bit", "{model_wise: {weight: {bit: 7}}}"),
                  ("quantization:bit", "{model_wise: {weight: {bit: [4.0, 7.0]}}}"),
                  ("quantization:model_wise", "{model_wise: {weight: {granularity: per_channel}}}"),
                  ("quantization:model_wise", "{model_wise: {weight: {granularity: per_layer}}}"),
                  ("quantization:model_wise", "{model_wise: {activation: {algorithm: 'minmax, kl'}}}"),
                  ("quantization:model_wise", "{model_wise: {activation: {scheme: asym_float}}}"),
                  ("quantization:op_wise", "{op_wise: {conv1: {weight: {dtype: [fp32]}}}}"),
                  ("quantization:op_wise", "{op_wise: {conv1: {weight: {dtype: fp32}}}}"),
                  ("quantization:op_wise", "{optype_wise: {Conv: {activation: {dtype: [int4]}}}}"),
                  ("quantization:recipes", "{recipes: {fast_bias_correction: true}}"),
                  ("quantization:recipes", "{recipes: {fast_bias_correction: 1}}"),
                  ("quantization:recipes", "{recipes: {fast_bias: true}}"),
                  ("quantization:calibration", "{calibration: {sampling_size: '100, 200'}}"),
                  ("quantization:calibration", "{calibration: {sampling_size: 1.5}}"),
                  ("quantization:quant_level", "{quant_level: 1}"), ("quantization:quant_level", "{quant_level: 2}"),
                  ("quantization:quant_level", "{quant_level: auto}"),
                  ("quantization:advance", "{advance: {bias_correction: weight_empirical}}"),
                  ("quantization:advance", "{advance: {bias_correction: none}}")):
    _m(kind, "once", on("sections", set_(quantization=raw)), "schema quantization / ops_schema")
for kind, key, raw in (("top:use_bf16", "use_bf16", "true"), ("top:use_bf16", "use_bf16", "1"),
                       ("top:benchmark", "benchmark", "{}"),
                       ("top:graph_optimization", "graph_optimization", "{precisions: 'bf16, fp32'}"),
                       ("top:graph_optimization", "graph_optimization", "{precisions: [fp16]}"),
                       ("top:mixed_precision", "mixed_precision", "{precisions: fp16}"),
                       ("top:mixed_precision", "mixed_precision", "{precisions: 16}"),
                       ("top:model_conversion", "model_conversion", "{source: QAT, destination: default}"),
                       ("top:model_conversion", "model_conversion", "{source: qat}"),
                       ("top:distillation", "distillation", "{train: {criterion: {KnowledgeDistillationLoss: "
                        "{temperature: 1.0, loss_types: [CE, KL], loss_weights: [0.5, 0.5]}}}}"),
                       ("top:distillation", "distillation", "{train: {criterion: {KnowledgeDistillationLoss: "
                        "{loss_weights: [0.5, 0.4]}}}}"),
                       ("top:distillation", "distillation", "{train: {criterion: {KnowledgeDistillationLoss: "
                        "{temperature: 1}}}}"),
                       ("top:train", "train", "{criterion: {CrossEntropyLoss: {}}}"), ("top:train", "train", "{epoch: 1}"),
                       ("top:nas", "nas", "{approach: basic}"), ("top:nas", "nas", "{approach: }"),
                       ("top:auto_distillation", "auto_distillation", "{search: {search_space: {}}}"),
                       ("top:auto_distillation", "auto_distillation", "{flash_distillation: {}}"),
                       ("tuning:strategy", "tuning", "{strategy: {name: mse}}"),
                       ("tuning:strategy", "tuning", "{strategy: {name: bayes}}"),
                       ("tuning:strategy", "tuning", "{strategy: {sigopt_project_id: p}}"),
                       ("tuning:objectives", "tuning", "{multi_objectives: {objective: [accuracy, performance], "
                        "weight: [0.8, 0.2]}}"),
                       ("tuning:objectives", "tuning", "{multi_objectives: {objective: accuracy, weight: [0.8]}}"),
                       ("tuning:objectives", "tuning", "{multi_objectives: {objective: [accuracy], weight: [0.8, 0.2]}}"),
                       ("tuning:objectives", "tuning", "{objective: latency}"),
                       ("tuning:workspace", "tuning", "{workspace: {path: 1}}"),
                       ("tuning:criterion", "tuning", "{accuracy_criterion: {absolute: 1}}"),
                       ("tuning:criterion", "tuning", "{accuracy_criterion: {relative: '1%'}}"),
                       ("tuning:criterion", "tuning", "{accuracy_criterion: {relative: 0.01, absolute: 0.01}}"),
                       ("model:inputs", "model_inputs", ""),):
    if key == "model_inputs":
        _m(kind, "once", on("model", set_(inputs="1")), "model.inputs: Or(str, list)")
        _m(kind, "once", on("model", set_(inputs="[input_ids, mask]")), "model.inputs: Or(str, list)")
        continue
    _m(kind, "once", on("sections", set_(**{key: raw})), f"schema {key}")


def generate(seeds: list[LCfg], seeds_per_mutation: Optional[int] = None) -> Iterator[Case]:
    """Every seed, then each mutation at the global level and at one pruner, on `seeds_per_mutation`
    seeds of each dialect (all seeds when None), rotating so that every seed is used."""
    seen: set[str] = set()

    def emit(kind: str, c: LCfg, label: str) -> Iterator[Case]:
        text = c.render()
        if (c.dialect, text) not in seen:
            seen.add((c.dialect, text))
            yield Case(f"{c.name}:{label}", kind, c.dialect, text)

    for s in seeds:
        yield from emit("seed", s.copy(), "seed")
    by_dialect = {d: [s for s in seeds if s.dialect == d] for d in ("C", "D")}
    for mi, (kind, level, mut, _clause) in enumerate(MUTATIONS):
        for dialect, group in by_dialect.items():
            if not group:
                continue
            chosen = range(len(group))
            if seeds_per_mutation and seeds_per_mutation < len(group):
                stride = len(group) / seeds_per_mutation
                chosen = sorted({(mi + int(j * stride)) % len(group) for j in range(seeds_per_mutation)})
            for si in chosen:
                s = group[si]
                places: list = []
                if level in ("global", "any", "once"):
                    places.append(None)
                if level in ("pruner", "any") and s.pruners:
                    places.append((mi + si) % len(s.pruners))
                for idx in places:
                    c = mut(s.copy(), idx)
                    if c is not None:
                        yield from emit(kind, c, f"{kind}#{mi}@{'g' if idx is None else f'p{idx + 1}'}")
