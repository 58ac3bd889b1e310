"""What INC's older pruners do with a config once training runs: the 1.x `!Pruner`s of
`weight_compression` (D, experimental/pruner_legacy) epoch by epoch, and the experimental
pytorch_pruner's one-shot masks (C). INC 2.6 builds these pruners without checking their values;
the errors come from the arithmetic and indexing in their callbacks, so this module replays that
arithmetic (analysis.schema.legacy_run holds what each 1.x pruner reads)."""

from __future__ import annotations

import re
from typing import Any, Optional

from ..diagnostics import Severity
from ..merge import nm_ratio
from ..schema.legacy_run import (EPOCH_DEFAULTS, GS_HEAD_KEYS, GS_METRICS, GS_ROW_KEYS, RUN_KEYS, first_mask_epoch,
                                 schedules)
from ..yaml_tree import Mapping, Scalar, to_python
from .context import RuleContext
from .registry import ERROR, WARNING, checker, rule

LEGACY_RUN = rule("PL071", "legacy-pruner-run-fails", ERROR, "A 1.x or weight_compression_pytorch pruner that INC "
                  "builds but that fails once training runs", dialects="CD",
                  explanation="INC 2.6 builds the 1.x `!Pruner`s (basic_magnitude, group_lasso, pattern_lock, "
                  "gradient_sensitivity) without checking their values: each epoch, update_sparsity compares "
                  "start_epoch/end_epoch with the epoch and interpolates initial_sparsity -> target_sparsity every "
                  "update_frequency epochs, and the mask computation indexes the sorted weights at "
                  "int(n * sparsity). A value that is not a number, update_frequency 0, a sparsity that reaches 1, "
                  "`method: per_channel` (a numpy reshape INC gets wrong), a group_lasso pruner over 1-D tensors "
                  "(biases, or every parameter when `names` is missing) and a head-pruning gradient_sensitivity "
                  "pruner without the `parameters` it reads fail in the epoch named. Values a pruner type never "
                  "reads are warnings. For weight_compression_pytorch, max_sparsity_ratio_per_layer 0 (or an N:M "
                  "cap) with a one-shot schedule (start_step == end_step) makes torch.kthvalue fail at the pruning "
                  "step. With a model named: 1.x names the model lacks, 1-D parameters under group_lasso, and "
                  "weight_compression_pytorch patterns whose blocks divide none of the layers a pruner selects (any, "
                  "in local scope or for pattern_lock), which INC meets at the first pruning step.")

_N = 4096  # a weight's element count: int(n * s) indexes past the end exactly when s >= 1, for any n


def _num(v: Any) -> bool:
    return isinstance(v, (int, float))  # a YAML 1.1 boolean is an int to Python's arithmetic


def _shown(v: Any) -> str:
    if v == {} or v is None:
        return "empty (INC's loader reads it as {})"
    if isinstance(v, bool):
        return f"the YAML 1.1 boolean `{v}` (the number {int(v)})"
    if isinstance(v, str):
        return f"the string \"{v}\""
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a mapping"
    return f"{v}"


class _Pruner:
    """One 1.x `!Pruner` as Pruner.__init__ resolves it: the local value unless the key is absent
    (null is {} under INC's loader, which is not None), else the validated global value."""

    def __init__(self, ctx: RuleContext, mapping: Mapping, index: int):
        self.ctx, self.m, self.index = ctx, mapping, index
        g = ctx.doc.globals if isinstance(ctx.doc.globals, Mapping) else None
        self.values: dict[str, Any] = {}
        self.where: dict[str, Any] = {}
        self.local: dict[str, bool] = {}
        for key in RUN_KEYS:
            pair = mapping.get_pair(key)
            if pair is not None:
                self.values[key] = to_python(pair.value, null_as_empty_dict=True)
                self.where[key], self.local[key] = pair.value if not _null(pair.value) else pair.key, True
                continue
            self.local[key] = False
            if key in EPOCH_DEFAULTS:  # falls back to the global section (with the 1.x schema's defaults)
                gp = g.get_pair(key) if g is not None else None
                self.values[key] = to_python(gp.value, null_as_empty_dict=True) if gp is not None else EPOCH_DEFAULTS[key]
                self.where[key] = gp.value if gp is not None else None
            else:
                self.values[key] = {"update_frequency": 1, "method": "per_tensor"}.get(key)
                self.where[key] = None
        self.model = _model_params(ctx)
        pt = mapping.get("prune_type")
        self.type = to_python(pt) if pt is not None else "basic_magnitude"
        self.names_given = mapping.get_pair("names") is not None
        self.head = self.type == "gradient_sensitivity" and mapping.get_pair("parameters") is not None

    def label(self) -> str:
        return f"pruner {self.index + 1} ({self.type})"

    def report(self, key: str, message: str, severity: Severity = ERROR) -> None:
        where = self.where.get(key)
        inherited = where is not None and not self.local.get(key)
        if where is None:
            where = self.m.get_pair("prune_type").key if self.m.get_pair("prune_type") else self.m
        if severity is ERROR and _has_error(self.ctx, where):
            return  # the schema or another rule already rejects this value
        msg = message + (f" ({self.label()} inherits the global `{key}`)" if inherited else "")
        self.ctx.report(LEGACY_RUN.code, where, msg, severity=severity)


def _null(node) -> bool:
    return isinstance(node, Scalar) and node.is_null


def _has_error(ctx: RuleContext, where) -> bool:
    rng = ctx.range(where)
    return any(d.severity is Severity.ERROR and d.range == rng for d in ctx.diagnostics)


def _model_params(ctx: RuleContext) -> Optional[dict]:
    """The model's parameter names -> shape (() when only the name is known: a bias, a norm's
    parameters), when the user named a torch model; None without one."""
    index = ctx.model
    if index is None or getattr(index, "framework", "") != "pytorch":
        return None
    params: dict = {}
    for layer in index.layers:
        for name in layer.params:
            params.setdefault(name, ())
        if layer.weight is not None:
            params[layer.weight] = tuple(layer.shape)
    return params


def _is_2d(p: _Pruner, name: str) -> bool:
    """A 2-D or 4-D parameter, which INC's tile patterns reshape: from the model when there is one;
    without one, a `.weight` is taken for a Linear's or Conv's (as on the oracle's stand-in)."""
    if p.model is not None:
        return len(p.model.get(name, ())) in (2, 4)
    return name.endswith(".weight")


def _has_2d_weights(p: _Pruner) -> bool:
    """Whether the mask computation meets a 2-D or 4-D weight: `names` lists parameter names;
    without `names` the pruner takes every parameter."""
    names = p.values.get("names") if p.names_given else None
    if not p.names_given:
        return p.model is None or any(len(shape) in (2, 4) for shape in p.model.values())
    return isinstance(names, list) and any(isinstance(n, str) and _is_2d(p, n) for n in names)


def _replay_schedule(p: _Pruner) -> None:
    """update_sparsity and compute_mask for epochs 0 .. end_epoch+1, as on_epoch_begin calls them."""
    v = p.values
    start, end, ini, tgt, freq = (v["start_epoch"], v["end_epoch"], v["initial_sparsity"], v["target_sparsity"],
                                  v["update_frequency"])
    last = end if isinstance(end, int) else 4
    masks = _has_2d_weights(p)
    for epoch in range(0, max(last, 0) + 2):
        if not _num(start):
            return p.report("start_epoch", f"`start_epoch` is {_shown(start)}: INC's {p.label()} compares it with "
                            f"the epoch number in update_sparsity and fails in epoch {epoch} (TypeError)")
        if epoch < start:
            continue
        if start == end:
            s, culprit = tgt, "target_sparsity"
        else:
            if not _num(end):
                return p.report("end_epoch", f"`end_epoch` is {_shown(end)}: INC's {p.label()} compares the epoch "
                                f"with it in update_sparsity and fails in epoch {epoch} (TypeError)")
            if epoch > end:
                s, culprit = tgt, "target_sparsity"
            else:
                for key, val in (("initial_sparsity", ini), ("target_sparsity", tgt), ("update_frequency", freq)):
                    if not _num(val):
                        return p.report(key, f"`{key}` is {_shown(val)}: INC's {p.label()} computes epoch {epoch}'s "
                                        "sparsity from it in update_sparsity and fails (TypeError)")
                if freq == 0:
                    return p.report("update_frequency", f"update_frequency 0: INC's {p.label()} divides by it in "
                                    f"update_sparsity and fails in epoch {epoch} (ZeroDivisionError)")
                s = ini + (tgt - ini) * ((epoch - start + 1) // freq) * freq / (end - start + 1)
                culprit = "target_sparsity" if tgt >= 1 or tgt < -1 else "initial_sparsity"
        if not (start <= epoch <= end) or not masks or epoch < first_mask_epoch(p.type):
            continue
        if p.values["method"] == "per_channel":
            return p.report("method", f"`method: per_channel` fails in INC's mask computation for {p.label()} in "
                            "epoch {} (numpy reshape with a list: TypeError); only per_tensor works".format(epoch))
        if not _num(s):
            return p.report(culprit, f"`{culprit}` is {_shown(s)}: INC's {p.label()} indexes the sorted weights at "
                            f"int(n * sparsity) in epoch {epoch} and fails")
        if not -_N <= int(_N * s) < _N:
            return p.report(culprit, f"{p.label()}'s sparsity reaches {s:g} in epoch {epoch}: INC indexes the sorted "
                            "weights at int(n * sparsity), past their end (IndexError); keep sparsities below 1")


def _type_warnings(p: _Pruner) -> None:
    """A written value of the wrong type that INC never computes with, for this pruner type and
    schedule: INC does not fail on it (a warning, unless an error is already there)."""
    for key in ("start_epoch", "end_epoch", "initial_sparsity", "target_sparsity", "update_frequency"):
        val = p.values[key]
        if not p.local[key] or _num(val) or _has_error(p.ctx, p.where[key]):
            continue
        why = ("never reads it" if not schedules(p.type, p.head)
               else "does not compute with it in this schedule")
        p.report(key, f"`{key}` is {_shown(val)}, not a number; INC's {p.label()} {why}, so INC does not fail on it",
                 severity=WARNING)


def _check_names(p: _Pruner) -> None:
    names = p.values.get("names")
    if not p.names_given or isinstance(names, list) and all(isinstance(n, str) for n in names):
        # head pruning expands `*` to each layer index (parse_weight_name); other pruners read names as written
        missing = [n for n in names or [] if p.model is not None and n not in p.model and not (p.head and "*" in n)]
        if missing and p.type != "basic_magnitude":
            return p.report("names", f"the model has no parameter `{missing[0]}`: INC's {p.label()} reads every "
                            "name it lists from the model and fails on this one (1.x names are parameter names, "
                            "such as `layer1.0.conv1.weight`)")
        odd = [n for n in names or [] if p.model is None and not n.endswith((".weight", ".bias"))]
        if odd and p.type in ("pattern_lock", "gradient_sensitivity") and "*" not in odd[0]:
            p.report("names", f"`{odd[0]}` does not look like a parameter name (1.x names are parameter names, "
                     f"such as `layer1.0.conv1.weight`): if the model has no such parameter, INC's {p.label()} fails "
                     "on it; name the model (# prune-lsp: model=...) to check", severity=WARNING)
        if p.type != "group_lasso":
            return
        if not p.names_given:
            flat = p.model is None or any(len(shape) not in (2, 4) for shape in p.model.values())
            why = "without `names` it takes every parameter, biases and norms too"
        else:
            flat = any(not _is_2d(p, n) for n in names)
            why = "`names` lists a parameter that is not a 2-D/4-D weight" + ("" if p.model is not None else
                                                                           " (a bias, or a name not ending in .weight)")
        if flat:
            p.report("names" if p.names_given else "prune_type", f"a group_lasso pruner reshapes every weight it "
                     f"names into tiles each step; {why}, and INC fails on a 1-D tensor (IndexError); list the "
                     "2-D/4-D `.weight` parameters to prune")
        return
    if names == {}:
        p.report("names", f"`names` is empty (INC's loader reads it as {{}}): {p.label()} prunes nothing; list the "
                 "parameters or remove the key to prune every weight", severity=WARNING)
        return
    what = _shown(names) if not isinstance(names, list) else "a list with entries that are not strings"
    if p.type == "basic_magnitude":
        p.report("names", f"`names` is {what}: INC iterates it as parameter names, finds none of them, so "
                 f"{p.label()} prunes nothing; write a list of parameter names", severity=WARNING)
    else:
        p.report("names", f"`names` is {what}: INC's {p.label()} looks each entry up as a parameter name and fails "
                 "on the first that the model does not have; write a list of parameter names")


def _check_parameters(p: _Pruner) -> None:
    params = p.values.get("parameters") if p.m.get_pair("parameters") is not None else None
    if p.m.get_pair("parameters") is None:
        return
    if p.type not in ("gradient_sensitivity", "group_lasso"):
        if not isinstance(params, dict) or params == {}:
            p.report("parameters", f"`parameters` is {_shown(params)}; INC's {p.label()} never reads `parameters`",
                     severity=WARNING)
        return
    if p.type == "group_lasso":
        return  # PL067 (legacy.py): parameters['alpha']
    # gradient_sensitivity with parameters prunes heads/rows: on_step_end and on_epoch_end read these keys
    if not isinstance(params, dict):
        return p.report("parameters", f"`parameters` is {_shown(params)}: a gradient_sensitivity pruner with "
                        "`parameters` prunes heads and rows and reads parameters['importance_metric'] at its first "
                        "step end (TypeError); write a mapping, or remove it for element-wise pruning")
    names = p.values.get("names")
    if not p.names_given:
        return p.report("parameters", f"a gradient_sensitivity pruner with `parameters` and no `names` prunes heads "
                        "in every parameter of the model: INC reads each one's importance by name (and `*` patterns "
                        "in importance_inputs stay unexpanded), and fails at the first step end; list the weights "
                        "to prune in `names`")
    if names in ([], {}):
        return  # no weight to walk: the callbacks read nothing from `parameters`
    needed = [k for k in GS_HEAD_KEYS if k not in params]
    metric = params.get("importance_metric")
    if "importance_metric" in params and metric not in GS_METRICS:
        return p.report("parameters", f"importance_metric `{metric}` is not one of {', '.join(GS_METRICS)}: INC "
                        "then computes no importance and fails in on_epoch_end (KeyError)")
    starred = isinstance(names, list) and any(isinstance(n, str) and "*" in n for n in names)
    if starred and "importance_inputs" not in params:
        needed.append("importance_inputs")
    if not starred and "index" not in params and metric == "abs_gradient":
        needed.append("index")
    if metric in GS_METRICS and "importance_inputs" not in params and "importance_inputs" not in needed:
        needed.append("importance_inputs")
    for k in GS_ROW_KEYS:
        if k in params and not _num(params[k]):
            return p.report("parameters", f"parameters['{k}'] is {_shown(params[k])}, not a number: INC's "
                            f"{p.label()} slices the weight with it in on_epoch_end and fails")
    if needed:
        p.report("parameters", f"a gradient_sensitivity pruner with `parameters` (head and row pruning) reads "
                 f"{', '.join(repr(k) for k in needed)} from it in its step and epoch callbacks; INC fails without "
                 "(KeyError)")


@checker(LEGACY_RUN)
def check_legacy_run(ctx: RuleContext) -> None:
    if ctx.doc.unrecognised or not isinstance(ctx.doc.globals, Mapping):
        return
    _check_empty_entries(ctx)
    if ctx.dialect == "C":
        _check_c_oneshot(ctx)
        check_c_names(ctx)
        if ctx.model is not None and getattr(ctx.model, "framework", "") == "pytorch":
            _check_c_blocks(ctx)
        return
    if ctx.dialect != "D":
        return
    for entry in ctx.doc.pruners:
        if entry.mapping is None:
            continue
        p = _Pruner(ctx, entry.mapping, entry.index)
        if p.type not in ("basic_magnitude", "group_lasso", "pattern_lock", "gradient_sensitivity"):
            continue  # PL061: INC cannot build it
        _check_names(p)
        _check_parameters(p)
        if schedules(p.type, p.head):
            _replay_schedule(p)
        _type_warnings(p)


def _check_c_oneshot(ctx: RuleContext) -> None:
    """get_mask_single(score, max_sparsity_ratio_per_layer) calls torch.kthvalue with
    k = int(ratio * n) before checking k >= 1: with a ratio of 0 it fails as soon as a one-shot
    pruning step (start_step == end_step) leaves any zero in a layer's mask. Iterative schedules
    never get there (the schedule is capped at the ratio, so they prune nothing)."""
    for p in ctx.pruners:
        ratio = p.settings.get("max_sparsity_ratio_per_layer")
        start, end, tgt = p.value("start_step"), p.value("end_step"), p.value("target_sparsity")
        if ratio is None or not _num(ratio.value) or ratio.value != 0 or p.value("prune_type") == "pattern_lock":
            continue
        if not (_num(start) and _num(end) and start == end and _num(tgt) and tgt > 0):
            continue
        how = ""
        if ratio.origin == "cap":
            continue  # an N:M cap is N/M > 0
        nm = nm_ratio(p.value("pattern"))
        if nm is not None:
            how = f" (the N:M cap {nm[0]}/{nm[1]} does not raise it)"
        ctx.report_setting(LEGACY_RUN.code, p, ratio, f"max_sparsity_ratio_per_layer 0 with a one-shot schedule "
                           f"(start_step == end_step == {start}){how}: at that step INC's mask computation calls "
                           "torch.kthvalue(k=0) for every layer it prunes, and fails (RuntimeError); use a ratio above "
                           "0, such as 0.98")


def _c_selected(ctx: RuleContext, p) -> list:
    """parse_to_prune + parse_not_to_prune on the model: modules whose name a `names` regex finds and
    whose class is in prune_layer_type, minus extra_excluded_names and excluded_names."""
    names = p.value("names") or [".*"]
    types = p.value("prune_layer_type")
    excluded = list(p.value("extra_excluded_names") or []) + list(p.value("excluded_names") or [])
    if not (isinstance(names, list) and isinstance(types, list) and isinstance(excluded, list)):
        return []
    try:
        wanted = [re.compile(n) for n in names]
        drop = [re.compile(n) for n in excluded]
    except (re.error, TypeError):
        return []  # PL069: INC fails compiling them
    return [layer for layer in ctx.model.layers if layer.weight is not None and len(layer.shape) in (2, 4)
            and layer.class_name in types and any(w.search(layer.name) for w in wanted)
            and not any(x.search(layer.name) for x in drop)]


def _c_divides(shape: tuple, kind: str, n: int, m: int, lock: bool) -> bool:
    """Whether INC's experimental pattern takes this weight: NxM blocks over the 2-D score (a conv's
    [out, kh*kw*in]); N:M groups of M along shape[1] as INC tests it (the input channels), or along
    the flattened score where pattern_lock reshapes it."""
    rows, cols = shape[0], 1
    for d in shape[1:]:
        cols *= d
    if kind == "NxM":
        return rows % n == 0 and cols % m == 0
    return (cols if lock else shape[1]) % m == 0


def _check_c_blocks(ctx: RuleContext) -> None:
    """With the model: the experimental NxM/N:M patterns skip a layer their blocks do not divide,
    and at a pruning step concatenate the scores of the rest; when none is left (every selected
    layer in global scope, any one in local scope, which masks layer by layer) torch.cat([]) fails.
    pattern_lock reshapes every selected layer into blocks and fails on any that does not divide."""
    for p in ctx.pruners:
        pattern, ptype = p.value("pattern"), p.value("prune_type")
        start, end = p.value("start_step"), p.value("end_step")
        if not isinstance(pattern, str) or not (_num(start) and _num(end)):
            continue
        name = pattern.split("_")[-1]
        try:
            if "x" in name:
                kind, (n, m) = "NxM", name.split("x")
                if "channel" in (n, m):
                    continue  # a channel block is a whole row or column: every layer divides
                n, m = int(n), int(m)
            elif ":" in name:
                kind, (n, m) = "N:M", (int(x) for x in name.split(":"))
            else:
                continue
        except ValueError:
            continue  # PL007/PL015: check_config rejects it
        if n <= 0 or m <= 0:
            continue
        if ptype == "snip" and not (start > 0 or start + (p.value("update_frequency_on_step") or 1) <= end):
            continue  # snip scores after its first step: a pruner that only prunes at step 0 never masks
        lock = ptype == "pattern_lock"
        chosen = _c_selected(ctx, p)
        bad = [layer for layer in chosen if not _c_divides(layer.shape, kind, n, m, lock)]
        if not bad:
            continue
        local = p.value("prune_domain") == "local"
        if lock or local:
            why = (f"`{bad[0].name}` {tuple(bad[0].shape)} does not divide into its {name} blocks, and "
                   + ("pattern_lock reshapes every selected layer" if lock else
                      "in local scope INC masks layer by layer") + f" ({len(bad)} of {len(chosen)} such layers)")
        elif len(bad) == len(chosen):
            why = f"none of the {len(chosen)} layers it selects on this model divides into its {name} blocks"
        else:
            continue
        s = p.settings.get("pattern")
        ctx.report_setting(LEGACY_RUN.code, p, s, f"{p.label()}: {why}: INC's experimental pruner fails at its first "
                           f"pruning step (step {start}; {'a reshape error' if lock else 'torch.cat of no scores'})",
                           fallback=ctx.pruner_anchor(p))


def _check_empty_entries(ctx: RuleContext) -> None:
    """`- !Pruner` with nothing after it (or a scalar or list): INC's constructor builds a Pruner from
    a mapping node and fails on anything else when the file is loaded."""
    for entry in ctx.doc.pruners:
        node = entry.node
        if entry.tag == "!Pruner" and not isinstance(node, Mapping) and not _has_error(ctx, node):
            what = "an empty `!Pruner` entry" if isinstance(node, Scalar) and not node.raw.strip() else \
                "a `!Pruner` entry that is not a mapping"
            ctx.report(LEGACY_RUN.code, node, f"{what}: INC's loader builds a Pruner from a mapping and fails on it "
                       "(ConstructorError: expected a mapping node); give it its keys, or remove it")


def check_c_names(ctx: RuleContext) -> None:
    """weight_compression_pytorch iterates a `!Pruner`'s `names` as regexes: a string is iterated by
    character and a mapping by key, so INC accepts them (selecting by single characters)."""
    for p in ctx.pruners:
        s = p.settings.get("names")
        if s is None or s.origin != "pruner" or s.node is None:
            continue
        if isinstance(s.value, (str, dict)) and s.value != {}:
            what = "a string" if isinstance(s.value, str) else "a mapping"
            ctx.report(LEGACY_RUN.code, s.node, f"`names` is {what}: INC iterates it as regular expressions, "
                       f"{'one per character' if isinstance(s.value, str) else 'one per key'}, so {p.label()} "
                       "selects every layer whose name contains any of them; write a list", severity=WARNING)
