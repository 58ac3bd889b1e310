"""C (`weight_compression_pytorch`) and D (1.x `weight_compression`) -> `weight_compression_v2`, in
place on ruamel's round-trip model (spec 3.3-3.5).

C, INC's experimental pytorch_pruner: the same pruners as 2.x under other key names; its global
defaults differ (target_sparsity 0.0, prune_layer_type [Conv2d, Linear]) and a `!Pruner` that omits
`pattern` or `prune_type` gets the class defaults (tile_pattern_1x1, basic_magnitude), not the global
ones: all made explicit. Exclusion is extra_excluded_names + excluded_names.
D, the 1.x pruners: epochs instead of steps, per-tensor magnitude (2.x `local` scope), `names` are
parameter names matched exactly; only the pruner's own `pattern` and `prune_type` count.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from . import MigrateError
from .rt import columns, plain, rebuild, set_tag, show_value

# C key -> v2 key (both levels)
C_RENAME = {
    "start_step": "start_step", "end_step": "end_step", "target_sparsity": "target_sparsity",
    "update_frequency_on_step": "pruning_frequency", "prune_domain": "pruning_scope", "prune_type": "pruning_type",
    "sparsity_decay_type": "sparsity_decay_type", "max_sparsity_ratio_per_layer": "max_sparsity_ratio_per_op",
    "names": "op_names", "pattern": "pattern", "prune_layer_type": "pruning_op_types", "pruners": "pruners",
}
C_UNREAD = ("initial_sparsity", "start_epoch", "end_epoch", "update_frequency", "method", "parameters")
C_TYPES = {"magnitude", "snip", "snip_momentum", "pattern_lock"}

D_TYPES = {"basic_magnitude": "magnitude", "pattern_lock": "pattern_lock", "group_lasso": "magnitude"}
D_DEFAULTS = {"initial_sparsity": 0.0, "target_sparsity": 0.97, "start_epoch": 0, "end_epoch": 4,
              "update_frequency": 1.0}


def v2_pattern(p: Any) -> Any:
    """`tile_pattern_4x1` -> `4x1` (INC 2.x reads the part after the last `_` anyway), quoting kept."""
    if isinstance(p, str) and "_" in p:
        try:
            return type(p)(p.split("_")[-1])
        except Exception:
            return p.split("_")[-1]
    return p


def to_v2_data(data: Any, dialect: str, notes: list[str], *, steps_per_epoch: Optional[int] = None) -> None:
    approach = data["pruning"]["approach"]
    key = "weight_compression_pytorch" if dialect == "C" else "weight_compression"
    g = approach[key]
    new_g = _c_global(g, notes) if dialect == "C" else _d_global(g, notes, steps_per_epoch or 1,
                                                                steps_per_epoch is None)
    items = [("weight_compression_v2" if k == key else k, new_g if k == key else v, k) for k, v in approach.items()]
    approach_new = rebuild(approach, items, {})
    data["pruning"]["approach"] = approach_new
    if dialect == "C":
        others = [k for k in approach_new if k != "weight_compression_v2"]
        if others:
            notes.append(f"`pruning.approach` also has {', '.join(others)}: INC 2.x's YAML entry point reads only "
                         "weight_compression_v2")
    fw = data.get("model", {}).get("framework") if hasattr(data.get("model"), "get") else None
    if isinstance(fw, str) and fw.lower() not in ("pytorch", "pytorch_fx", "pytorch_ipex"):
        notes.append(f"model.framework is {fw}: INC 2.x reads weight_compression_v2 YAML for PyTorch only; "
                     "for Keras write WeightPruningConfig(...) (migrate --to python)")


# --- C ------------------------------------------------------------------------------------------

def _c_global(g: Any, notes: list[str]) -> Any:
    excluded = list(plain(g.get("excluded_names") or []))
    extra = list(plain(g.get("extra_excluded_names") or []))
    items: list[tuple[Any, Any, Optional[Any]]] = []
    key_notes: dict[Any, list[str]] = {}
    dropped: list[str] = []
    for k, v in g.items():
        if k == "pruners":
            continue
        if k in C_RENAME:
            nv = v2_pattern(v) if k == "pattern" else v
            items.append((C_RENAME[k], nv, k))
        elif k == "excluded_names":
            items.append(("excluded_op_names", _seq(extra + excluded, v), k))
        elif k == "extra_excluded_names":
            if "excluded_names" not in g:
                items.append(("excluded_op_names", _seq(extra, v), k))
        elif k in C_UNREAD:
            dropped.append(f"`{k}: {plain(v)}`")
    keys = [i[0] for i in items]
    if "target_sparsity" not in keys:  # C's default is 0.0, INC 2.x's 0.9
        items.append(("target_sparsity", 0.0, None))
        key_notes["target_sparsity"] = ["target_sparsity 0.0 is the pytorch_pruner default (INC 2.x's is 0.9)"]
    if "pruning_op_types" not in keys:
        items.append(("pruning_op_types", _flow(["Conv2d", "Linear"]), None))
        key_notes["pruning_op_types"] = ["[Conv2d, Linear] is the pytorch_pruner default (INC 2.x's is [Conv, Linear])"]
    if "pattern" not in keys:
        items.append(("pattern", "4x1", None))
    first = items[0][0] if items else None
    if dropped and first is not None:
        msg = (f"dropped {', '.join(dropped)}: the pytorch_pruner (weight_compression_pytorch) does not read "
               "them, and INC 2.x has no such key")
        key_notes.setdefault(first, []).insert(0, msg)
        notes.append(msg)
    for msg in ("INC 2.x matches pruning_op_types as substrings of the module's class name (`Linear` also "
                "selects NonDynamicallyQuantizableLinear); the pytorch_pruner matched class names exactly",
                "INC 2.x also excludes the classifier head it finds (the last Linear/Conv layer); the "
                "pytorch_pruner pruned it when selected"):
        notes.append(msg)
        key_notes.setdefault("pruning_op_types", []).append(msg)
    pruners = g.get("pruners")
    if not isinstance(pruners, list) or not pruners:
        # C iterates the list: none builds no pruner, where INC 2.x's `pruners: []` builds one from the
        # global keys; no v2 config means "no pruner"
        raise MigrateError("a weight_compression_pytorch config without pruners builds no pruner; nothing to migrate")
    if pruners is not None:
        for i, p in enumerate(pruners):
            if not hasattr(p, "items"):
                raise MigrateError(f"pruner {i + 1} is not a mapping")
            pruners[i] = _c_pruner(p, i, excluded, notes)
        items.append(("pruners", pruners, "pruners"))
    return rebuild(g, items, key_notes, columns()[0])


def _c_pruner(p: Any, index: int, global_excluded: list, notes: list[str]) -> Any:
    items: list[tuple[Any, Any, Optional[Any]]] = []
    key_notes: dict[Any, list[str]] = {}
    dropped = []
    for k, v in p.items():
        if k in C_RENAME and k not in ("prune_layer_type", "max_sparsity_ratio_per_layer", "pruners"):
            items.append((C_RENAME[k], v2_pattern(v) if k == "pattern" else v, k))
        elif k == "extra_excluded_names":
            items.append(("excluded_op_names", _seq(list(plain(v or [])) + global_excluded, v), k))
        elif k in C_UNREAD or k in ("prune_layer_type", "max_sparsity_ratio_per_layer", "excluded_names"):
            dropped.append(f"`{k}: {plain(v)}`")
        else:
            raise MigrateError(f"pruner {index + 1}: `{k}` is not a key of the pytorch_pruner's `!Pruner`")
    keys = [i[0] for i in items]
    if "pattern" not in keys:  # the `!Pruner` class default, not the global pattern
        items.append(("pattern", "1x1", None))
        key_notes["pattern"] = ["a `!Pruner` without `pattern` used tile_pattern_1x1 (its class default)"]
    if "pruning_type" not in keys:
        raise MigrateError(f"pruner {index + 1} has no `prune_type`: the pytorch_pruner then uses "
                           "`basic_magnitude`, which it cannot build (INC fails); set prune_type first")
    ptype = plain(p.get("prune_type"))
    if ptype not in C_TYPES:
        raise MigrateError(f"pruner {index + 1}: prune_type `{ptype}` is not a pytorch_pruner type "
                           f"({', '.join(sorted(C_TYPES))})")
    if dropped and items:
        msg = f"pruner {index + 1}: dropped {', '.join(dropped)}: the pytorch_pruner does not read them in a `!Pruner`"
        key_notes.setdefault(items[0][0], []).insert(0, msg)
        notes.append(msg)
    new = rebuild(p, items, key_notes, columns()[1])
    set_tag(new, "!PrunerV2")
    return new


# --- D ------------------------------------------------------------------------------------------

def _d_global(g: Any, notes: list[str], spe: int, spe_guessed: bool) -> Any:
    gv = {k: plain(g[k]) for k in g if k != "pruners"}
    eff = {k: (gv[k] if gv.get(k) is not None else d) for k, d in D_DEFAULTS.items()}
    pruners = g.get("pruners")
    if not isinstance(pruners, list) or not pruners:
        raise MigrateError("a 1.x weight_compression config with no `pruners` builds no pruner; nothing to migrate")
    items: list[tuple[Any, Any, Optional[Any]]] = []
    key_notes: dict[Any, list[str]] = {}
    # Global keys 1.x pruners read (initial/target sparsity, epochs, frequency) become each pruner's
    # explicit values; the global section keeps only what INC 2.x reads the same way.
    if "target_sparsity" in g:
        items.append(("target_sparsity", g["target_sparsity"], "target_sparsity"))
    else:
        items.append(("target_sparsity", eff["target_sparsity"], None))
        key_notes["target_sparsity"] = ["0.97 is the 1.x default target_sparsity (INC 2.x's is 0.9)"]
    if gv.get("update_frequency") not in (None, 1, 1.0):
        msg = (f"global update_frequency {gv['update_frequency']} is not read: each 1.x `!Pruner` has its own "
               "(class default 1)")
        notes.append(msg)
        key_notes.setdefault("target_sparsity", []).append(msg)
    unread = [k for k in gv if k not in D_DEFAULTS]
    for k in unread:
        if k == "excluded_names":
            continue
        msg = (f"dropped global `{k}: {gv[k]}`: the 1.x weight_compression pruners do not read it")
        notes.append(msg)
        key_notes.setdefault("target_sparsity", []).append(msg)
    if gv.get("excluded_names"):
        msg = (f"dropped global `excluded_names: {gv['excluded_names']}`: the 1.x pruners do not read it "
               "(they prune the parameters `names` lists)")
        notes.append(msg)
        key_notes.setdefault("target_sparsity", []).append(msg)
    if spe_guessed:
        msg = ("INC 1.x counted epochs; the steps below assume 1 step per epoch (start_step = start_epoch): "
               "run `prune-lsp migrate --steps-per-epoch N` with your steps per epoch")
    else:
        msg = f"INC 1.x counted epochs; steps below are epochs x {spe} steps per epoch"
    notes.append(msg)
    key_notes.setdefault("target_sparsity", []).append(msg)
    msg = ("INC 2.x also excludes the classifier head it finds (the last Linear/Conv layer of the model) from every "
           "pruner; the 1.x pruners pruned it when listed")
    notes.append(msg)
    key_notes.setdefault("target_sparsity", []).append(msg)
    if eff["initial_sparsity"]:
        msg = (f"initial_sparsity {eff['initial_sparsity']} has no INC 2.x equivalent: 2.x schedules start "
               "from the sparsity the weights have")
        notes.append(msg)
        key_notes.setdefault("target_sparsity", []).append(msg)
    for i, p in enumerate(pruners):
        if not hasattr(p, "items"):
            raise MigrateError(f"pruner {i + 1} is not a mapping")
        pruners[i] = _d_pruner(p, i, eff, spe, notes)
    items.append(("pruners", pruners, "pruners"))
    return rebuild(g, items, key_notes, columns()[0])


_SUFFIX = re.compile(r"\.(weight|bias)$")


def module_regex(param: str) -> str:
    """A 1.x parameter name (`layer1.0.conv1.weight`) as a 2.x op_names entry selecting that module only."""
    return "^" + re.escape(_SUFFIX.sub("", param)) + "$"


def _d_pruner(p: Any, index: int, eff: dict, spe: int, notes: list[str]) -> Any:
    pv = {k: plain(v) for k, v in p.items()}
    ptype = pv.get("prune_type", "basic_magnitude")
    if ptype == "gradient_sensitivity":
        raise MigrateError(f"pruner {index + 1}: gradient_sensitivity (head pruning by gradient) has no INC 2.x "
                           "equivalent; INC 2.x prunes attention heads with pattern `mha` (a different criterion)")
    if ptype not in D_TYPES:
        raise MigrateError(f"pruner {index + 1}: prune_type `{ptype}` is not a 1.x pruner type")
    label = f"pruner {index + 1}"
    local = {k: (pv[k] if pv.get(k) is not None else eff[k]) for k in D_DEFAULTS}
    # `update_frequency` has a `!Pruner` class default (1): the global value never reaches a pruner
    local["update_frequency"] = pv["update_frequency"] if pv.get("update_frequency") is not None else 1
    start = int(local["start_epoch"]) * spe
    end = int(local["end_epoch"]) * spe
    freq = max(1, int(round(float(local["update_frequency"]) * spe)))
    items: list[tuple[Any, Any, Optional[Any]]] = []
    key_notes: dict[Any, list[str]] = {}
    dropped = []
    items.append(("pruning_type", D_TYPES[ptype], "prune_type" if "prune_type" in p else None))
    if "prune_type" not in p:
        key_notes["pruning_type"] = ["a 1.x `!Pruner` without prune_type is basic_magnitude"]
    for k, v in p.items():
        if k == "names":
            names = [n for n in (pv.get("names") or [])]
            bad = next((n for n in names if not isinstance(n, str)), None)
            if bad is not None:  # INC 1.x matches each entry against parameter names: a list matches none
                raise MigrateError(f"{label}: `names` entries are parameter names; {show_value(bad)[:60]} is not one")
            items.append(("op_names", _seq([module_regex(n) for n in names], v), k))
            skipped = [n for n in names if not str(n).endswith(".weight")]
            if skipped:
                msg = (f"{label}: {', '.join(map(str, skipped))} are not `.weight` parameters: INC 2.x prunes a "
                       "module's weight only")
                notes.append(msg)
                key_notes.setdefault("op_names", []).append(msg)
        elif k == "pattern":
            items.append(("pattern", v2_pattern(v), k))
        elif k == "target_sparsity":
            items.append(("target_sparsity", v, k))
        elif k in ("prune_type", "start_epoch", "end_epoch", "update_frequency", "initial_sparsity"):
            continue
        elif k == "method":
            if pv[k] not in (None, "per_tensor"):
                raise MigrateError(f"{label}: method `{pv[k]}` has no INC 2.x equivalent")
        elif k == "parameters":
            continue
        else:
            dropped.append(f"`{k}: {pv[k]}`")
    keys = [i[0] for i in items]
    if "pattern" not in keys:
        items.append(("pattern", "1x1", None))
        key_notes["pattern"] = ["1.x pruners use their own pattern (default tile_pattern_1x1), never the global one"]
    if "op_names" not in keys:
        msg = (f"{label}: 1.x pruned every 2-D and 4-D parameter (no `names`); INC 2.x prunes the Conv and "
               "Linear layers' weights and excludes the classifier head")
        notes.append(msg)
        key_notes.setdefault("pattern", []).append(msg)
    items.append(("pruning_scope", "local", None))
    key_notes["pruning_scope"] = ["1.x pruned each tensor to the target on its own (per_tensor): INC 2.x's local scope"]
    if ptype == "pattern_lock":
        items += [("start_step", start, _src(p, "start_epoch")), ("end_step", start, _src(p, "end_epoch")),
                  ("pruning_frequency", freq, _src(p, "update_frequency"))]
        if end != start:
            msg = (f"{label}: pattern_lock in INC 2.x is one-shot (start_step == end_step); 1.x kept the "
                   f"pattern from epoch {local['start_epoch']} to {local['end_epoch']}")
            notes.append(msg)
            key_notes["start_step"] = [msg]
    else:
        items += [("start_step", start, _src(p, "start_epoch")), ("end_step", end, _src(p, "end_epoch")),
                  ("pruning_frequency", freq, _src(p, "update_frequency"))]
        key_notes["start_step"] = [f"from start_epoch {local['start_epoch']}, end_epoch {local['end_epoch']}, "
                                   f"update_frequency {local['update_frequency']} (epochs)"]
        msg = (f"{label}: 1.x raised sparsity once per epoch boundary with its own polynomial schedule; INC 2.x "
               "prunes every pruning_frequency steps along sparsity_decay_type (exp)")
        notes.append(msg)
    if "target_sparsity" in p and "target_sparsity" not in keys:
        pass
    if ptype == "group_lasso":
        alpha = (pv.get("parameters") or {}).get("alpha") if isinstance(pv.get("parameters"), dict) else None
        items.append(("reg_type", "group_lasso", None))
        items.append(("parameters", _flow_map({"reg_coeff": float(alpha) if alpha is not None else 0.0}), None))
        msg = (f"{label}: 1.x group_lasso is magnitude pruning with a group-lasso penalty (alpha): INC 2.x "
               "writes it as pruning_type magnitude, reg_type group_lasso, parameters.reg_coeff")
        notes.append(msg)
        key_notes["reg_type"] = [msg]
    if dropped:
        msg = f"{label}: dropped {', '.join(dropped)}: the 1.x pruners do not read them"
        notes.append(msg)
        key_notes.setdefault(items[0][0], []).insert(0, msg)
    new = rebuild(p, items, key_notes, columns()[1])
    set_tag(new, "!PrunerV2")
    return new


def _src(m: Any, key: str) -> Optional[str]:
    """`key` as the old key a converted item takes its comments from, when the mapping has it."""
    return key if key in m else None


def _seq(values: list, like: Any) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    s = CommentedSeq(values)
    fa = getattr(like, "fa", None)
    if fa is None or fa.flow_style():
        s.fa.set_flow_style()
    return s


def _flow(values: list) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    s = CommentedSeq(values)
    s.fa.set_flow_style()
    return s


def _flow_map(d: dict) -> Any:
    from ruamel.yaml.comments import CommentedMap

    m = CommentedMap(d)
    m.fa.set_flow_style()
    return m
