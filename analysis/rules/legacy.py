"""INC 1.x (`weight_compression`, dialect D) rules from conf/config.py's schema hooks and
experimental/pruning.py."""

from __future__ import annotations

from ..diagnostics import Fix
from ..schema.keys_legacy import LEGACY_PATTERNS, LEGACY_PRUNE_TYPES_D
from ..yaml_tree import Mapping, Scalar
from .context import RuleContext
from .registry import ERROR, WARNING, checker, rule
from .suggest import closest

INITIAL_ABOVE_TARGET = rule("PL060", "initial-above-target", ERROR, "`initial_sparsity` above `target_sparsity`",
                            dialects="CD", explanation="The 1.x schema hook `_valid_prune_sparsity` asserts "
                            "initial_sparsity <= target_sparsity (or, with only one of them, initial >= 0 / target < 1).")
LEGACY_TYPE = rule("PL061", "legacy-prune-type-unknown", ERROR, "A 1.x prune_type INC has no pruner for", dialects="D",
                   fixable=True, explanation="experimental/pruning.py dispatches basic_magnitude, pattern_lock, "
                   "gradient_sensitivity and group_lasso; anything else fails with `now only support ...`.")
LEGACY_PATTERN = rule("PL062", "legacy-pattern-unknown", WARNING, "A 1.x pattern outside the tile patterns",
                      dialects="D")


def _num(node):
    if isinstance(node, Scalar) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    return None


@checker(INITIAL_ABOVE_TARGET, LEGACY_TYPE, LEGACY_PATTERN)
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
    elif tgt_p is not None and tgt is not None and tgt >= 1 and ctx.dialect == "D":
        ctx.report(INITIAL_ABOVE_TARGET.code, tgt_p.value, f"target_sparsity {tgt} must be < 1")
    if ctx.dialect != "D":
        return
    entries = [g] + [e.mapping for e in ctx.doc.pruners if e.mapping is not None]
    for m in entries:
        pt = m.get("prune_type")
        if isinstance(pt, Scalar) and isinstance(pt.value, str) and pt.value not in LEGACY_PRUNE_TYPES_D:
            guess = closest(pt.value, LEGACY_PRUNE_TYPES_D)
            hint = f" (did you mean `{guess}`?)" if guess else ""
            ctx.report(LEGACY_TYPE.code, pt, f"prune_type `{pt.value}` is not an INC 1.x pruner{hint}; use one of "
                       f"{', '.join(LEGACY_PRUNE_TYPES_D)}",
                       fixes=[Fix(f"use `{guess}`", (ctx.edit(pt, guess),))] if guess else [])
        pat = m.get("pattern")
        if isinstance(pat, Scalar) and isinstance(pat.value, str) and pat.value not in LEGACY_PATTERNS:
            ctx.report(LEGACY_PATTERN.code, pat, f"pattern `{pat.value}` is not one of INC 1.x's tile patterns "
                       f"({', '.join(LEGACY_PATTERNS)})")


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
