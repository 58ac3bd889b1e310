"""INC 1.x (`weight_compression`, dialect D) rules from conf/config.py's schema hooks and
experimental/pruning.py."""

from __future__ import annotations

from ..diagnostics import Fix
from ..schema.keys_legacy import LEGACY_PATTERNS, LEGACY_PRUNE_TYPES_D
from ..yaml_tree import Mapping, Scalar, Sequence
from .context import RuleContext
from .registry import ERROR, WARNING, checker, rule
from .structure import MISSING_PRUNERS
from .suggest import closest

INITIAL_ABOVE_TARGET = rule("PL060", "initial-above-target", ERROR, "`initial_sparsity` above `target_sparsity`",
                            dialects="CD", explanation="The 1.x schema hook `_valid_prune_sparsity` asserts "
                            "initial_sparsity <= target_sparsity (or, with only one of them, initial >= 0 / target < 1), "
                            "and the schema wants initial_sparsity in [0, 1). A 1.x `!Pruner` is not schema-checked: "
                            "PL071 replays what its pruner does with its values.")
LEGACY_TYPE = rule("PL061", "legacy-prune-type-unknown", ERROR, "A 1.x prune_type INC has no pruner for", dialects="D",
                   fixable=True, explanation="experimental/pruning.py dispatches each `!Pruner`'s prune_type: "
                   "basic_magnitude, pattern_lock, gradient_sensitivity and group_lasso; anything else fails with "
                   "`now only support ...` when the pruners are built. The global `prune_type` is never read by the "
                   "1.x pruners (a `!Pruner` that omits it gets `basic_magnitude`): a warning there.")
LEGACY_PATTERN = rule("PL062", "legacy-pattern-unknown", ERROR, "A 1.x pattern outside the tile patterns",
                      dialects="D", explanation="Each 1.x pruner looks its pattern up in the tile-pattern registry when "
                      "it is built (`pattern type only support dict_keys([...])`): an error in a `!Pruner`. The global "
                      "`pattern` is never read by the 1.x pruners (a `!Pruner` without one gets tile_pattern_1x1): a "
                      "warning there.")
LEGACY_PARAMETERS = rule("PL067", "legacy-pruner-parameters", ERROR, "A 1.x pruner built without the parameters it reads",
                         dialects="D", explanation="GroupLassoPruner reads `parameters['alpha']` when it is built: a "
                         "group_lasso `!Pruner` without `parameters: {alpha: ...}` fails (TypeError or KeyError).")


def _has_error(ctx: RuleContext, node) -> bool:
    rng = ctx.range(node)
    return any(d.severity is ERROR and d.range == rng for d in ctx.diagnostics)


def _num(node):
    if isinstance(node, Scalar) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    return None


@checker(INITIAL_ABOVE_TARGET, LEGACY_TYPE, LEGACY_PATTERN, LEGACY_PARAMETERS)
def check_legacy(ctx: RuleContext) -> None:
    g = ctx.doc.globals
    if not isinstance(g, Mapping) or ctx.doc.unrecognised:
        return
    ini_p, tgt_p = g.get_pair("initial_sparsity"), g.get_pair("target_sparsity")
    ini = _num(ini_p.value) if ini_p else None
    tgt = _num(tgt_p.value) if tgt_p else None
    if ini_p is not None and tgt_p is not None:
        if ini is not None and tgt is not None and ini > tgt:
            ctx.report(INITIAL_ABOVE_TARGET.code, ini_p.value, f"initial_sparsity {ini} is above target_sparsity {tgt}",
                       related=[(tgt_p.value, "target_sparsity")])
    elif ini_p is not None and ini is not None and ini < 0:
        ctx.report(INITIAL_ABOVE_TARGET.code, ini_p.value, f"initial_sparsity {ini} must be >= 0")
    elif tgt_p is not None and tgt is not None and tgt >= 1 and not _has_error(ctx, tgt_p.value):
        ctx.report(INITIAL_ABOVE_TARGET.code, tgt_p.value, f"target_sparsity {tgt} must be < 1 (the 1.x schema's "
                   "_valid_prune_sparsity hook, with no initial_sparsity beside it)")
    if ini is not None and not 0 <= ini < 1 and isinstance(ini, float):  # schema: And(float, 0 <= s < 1)
        ctx.report(INITIAL_ABOVE_TARGET.code, ini_p.value, f"initial_sparsity {ini} must be in [0, 1) (INC's 1.x "
                   "schema rejects the file)")
    if ctx.dialect != "D":
        return
    entries = [(g, True)] + [(e.mapping, False) for e in ctx.doc.pruners if e.mapping is not None]
    for m, is_global in entries:
        unused = " (the global value is never read by INC 1.x's pruners, so INC does not fail on it here)"
        pt = m.get("prune_type")
        if not is_global and isinstance(pt, Scalar) and not isinstance(pt.value, str) and not pt.is_null:
            ctx.report(LEGACY_TYPE.code, pt, f"prune_type `{pt.raw}` is not an INC 1.x pruner name; use one of "
                       f"{', '.join(LEGACY_PRUNE_TYPES_D)}")
        elif not is_global and pt is not None and not isinstance(pt, Scalar):
            ctx.report(LEGACY_TYPE.code, pt, f"prune_type must be one of {', '.join(LEGACY_PRUNE_TYPES_D)}, not a "
                       f"{'list' if isinstance(pt, Sequence) else 'mapping'}")
        if isinstance(pt, Scalar) and isinstance(pt.value, str) and pt.value not in LEGACY_PRUNE_TYPES_D:
            guess = closest(pt.value, LEGACY_PRUNE_TYPES_D)
            hint = f" (did you mean `{guess}`?)" if guess else ""
            ctx.report(LEGACY_TYPE.code, pt, f"prune_type `{pt.value}` is not an INC 1.x pruner{hint}; use one of "
                       f"{', '.join(LEGACY_PRUNE_TYPES_D)}" + (unused if is_global else ""),
                       severity=WARNING if is_global else None,
                       fixes=[Fix(f"use `{guess}`", (ctx.edit(pt, guess),))] if guess else [])
        pat = m.get("pattern")
        unquoted_nm = isinstance(pat, Scalar) and isinstance(pat.value, int) and ":" in pat.raw  # PL014 says it
        if isinstance(pat, Scalar) and not unquoted_nm and not (isinstance(pat.value, str) and pat.value in LEGACY_PATTERNS):
            ctx.report(LEGACY_PATTERN.code, pat, f"pattern `{pat.raw}` is not one of INC 1.x's tile patterns "
                       f"({', '.join(LEGACY_PATTERNS)})" + (unused if is_global else
                                                           "; INC fails when it builds this pruner"),
                       severity=WARNING if is_global else None)
        if not is_global and isinstance(pt, Scalar) and pt.value == "group_lasso":
            params = m.get("parameters")
            has_alpha = isinstance(params, Mapping) and params.get_pair("alpha") is not None
            if not has_alpha:
                ctx.report(LEGACY_PARAMETERS.code, pt if params is None else m.get_pair("parameters").key,
                           "a group_lasso pruner needs `parameters: {alpha: ...}`: INC's GroupLassoPruner reads "
                           "parameters['alpha'] when it is built")


TRAIN_REDUCTION = rule("PL063", "train-criterion-reduction", ERROR, "A 1.x training loss reduction the schema rejects",
                       dialects="CD", fixable=True,
                       explanation="The 1.x schema validates `pruning.train.criterion.<Loss>.reduction` against "
                       "none, sum, mean, auto, sum_over_batch_size. `None` in YAML is the string 'None', not null.")
_REDUCTIONS = ("none", "sum", "mean", "auto", "sum_over_batch_size")


@checker(TRAIN_REDUCTION)
def check_train_section(ctx: RuleContext) -> None:
    pruning = ctx.doc.root.get("pruning")
    train = pruning.get("train") if isinstance(pruning, Mapping) else None
    crit = train.get("criterion") if isinstance(train, Mapping) else None
    if not isinstance(crit, Mapping):
        return
    for loss in ("CrossEntropyLoss", "SparseCategoricalCrossentropy"):
        m = crit.get(loss)
        red = m.get("reduction") if isinstance(m, Mapping) else None
        if isinstance(red, Scalar) and red.value not in _REDUCTIONS:
            hint = " (`None` is the string 'None' in YAML; INC wants the lower-case `none`)" if red.raw == "None" else ""
            fixes = [Fix("use `none`", (ctx.edit(red, "none"),))] if red.raw in ("None", "NONE") else []
            ctx.report(TRAIN_REDUCTION.code, red, f"`reduction: {red.raw}` is not one of {', '.join(_REDUCTIONS)}{hint}",
                       fixes=fixes)


LEGACY_SELECTION = rule("PL069", "legacy-names-rejected", ERROR,
                        "A weight_compression_pytorch name list INC cannot compile or extend", dialects="C",
                        explanation="The experimental pytorch_pruner compiles every `names`, `excluded_names` and "
                        "`extra_excluded_names` entry with re.compile when it builds the pruners (an int entry or an "
                        "invalid regex raises), and extends a pruner's `extra_excluded_names` list with "
                        "`excluded_names` (an empty value, which INC's loader makes {}, has no `extend`).")


@checker(LEGACY_SELECTION)
def check_legacy_selection(ctx: RuleContext) -> None:
    from .layer_regex import regex_problem
    for p in ctx.pruners:
        for key in ("names", "excluded_names", "extra_excluded_names"):
            s = p.settings.get(key)
            if s is None or s.node is None:
                continue
            if key == "extra_excluded_names" and isinstance(s.node, Scalar) and s.node.is_null:
                ctx.report_setting(LEGACY_SELECTION.code, p, s, "`extra_excluded_names:` is empty, which INC's loader "
                                   "reads as {}: the experimental pruner then fails extending it with excluded_names; "
                                   "write `[]` or remove the key")
                continue
            if not isinstance(s.value, list):
                continue
            items = s.node.items if isinstance(s.node, Sequence) else []
            for raw, node in zip(s.value, items):
                if not isinstance(raw, str):
                    ctx.report(LEGACY_SELECTION.code, node, f"`{key}` entries are regular expressions: `{node.raw if isinstance(node, Scalar) else raw}` "
                               "is not a string, and INC's re.compile raises when it builds the pruners")
                    continue
                problem = regex_problem(raw)
                if problem:
                    ctx.report(LEGACY_SELECTION.code, node, f"`{raw}` is not a valid regular expression: {problem} "
                               "(INC raises when it builds the pruners)")


# PL052 (structure.py) for the 1.x dialects: `pruners` missing from weight_compression, or null.
@checker(MISSING_PRUNERS)
def check_legacy_pruners_list(ctx: RuleContext) -> None:
    g = ctx.doc.globals
    if not isinstance(g, Mapping) or ctx.doc.unrecognised or ctx.dialect not in ("C", "D"):
        return
    pair = g.get_pair("pruners")
    if pair is None:
        if ctx.dialect == "D" and ctx.doc.container is not None:
            ctx.report(MISSING_PRUNERS.code, ctx.doc.container.key, "`weight_compression` has no `pruners`: INC 1.x "
                       "builds its pruners from that list only (TypeError: 'NoneType' object is not iterable); add "
                       "`pruners:` with at least one `!Pruner`")
    elif isinstance(pair.value, Scalar) and pair.value.is_null:
        ctx.report(MISSING_PRUNERS.code, pair.key, "`pruners:` is empty, which INC's loader reads as {}: the 1.x "
                   "schema wants a list of `!Pruner` entries (SchemaError); write `pruners: []` or list them")
