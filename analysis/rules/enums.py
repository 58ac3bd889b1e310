"""Keys with a closed set of values: pruning_scope, criterion_reduce_type, sparsity_decay_type."""

from __future__ import annotations

from ..diagnostics import Fix
from ..schema.keys_v2 import DECAY_TYPES, REDUCE_TYPES, SCOPES
from .context import RuleContext
from .helpers import num, setting
from .keynames import names_for
from .pruner_kinds import TARGET, for_each_pruner
from .registry import ERROR, checker, rule
from .suggest import closest

SCOPE = rule("PL006", "scope-invalid", ERROR, "`pruning_scope` is neither global nor local", spec="R6", dialects="ABC",
             fixable=True)
REDUCE = rule("PL025", "reduce-type-invalid", ERROR, "`criterion_reduce_type` is not mean, sum or max", spec="R25",
              dialects="AB", fixable=True)
DECAY = rule("PL026", "decay-type-invalid", ERROR, "`sparsity_decay_type` is not exp, cos, linear or cube", spec="R26",
             dialects="ABC", fixable=True,
             explanation="The scheduler checks it at the first pruning step of an iterative schedule, minutes into "
             "training; a one-shot schedule (start_step == end_step) never reads it, nor does the experimental "
             "pattern_lock pruner (weight_compression_pytorch).")


@checker(SCOPE, REDUCE, DECAY)
def check_enums(ctx: RuleContext) -> None:
    keys = names_for(ctx.dialect)
    for_each_pruner(ctx, lambda c, p: _check_enums(c, p, keys), never_reads=TARGET)


def _check_enums(ctx: RuleContext, p, k) -> None:
    """One pruner's part of check_enums: pruner_kinds.py runs it once per kind of pruner."""
    _enum(ctx, p, SCOPE.code, k["scope"], SCOPES)
    if ctx.dialect in "AB":
        _enum(ctx, p, REDUCE.code, "criterion_reduce_type", REDUCE_TYPES)
    if ctx.dialect in "ABC" and not (ctx.dialect == "C" and p.value("prune_type") == "pattern_lock"):
        start, end = num(p, "start_step"), num(p, "end_step")
        if start is None or end is None or start != end:
            _enum(ctx, p, DECAY.code, "sparsity_decay_type", DECAY_TYPES)


def _enum(ctx: RuleContext, p, code: str, key: str, allowed) -> None:
    s = setting(p, key)
    if s is None or s.value in allowed:
        return
    v = s.value
    if isinstance(v, bool):
        shown = f"`{s.node.raw}` (read by YAML 1.1 as the boolean {str(v).lower()})" if s.node is not None else str(v)
    elif isinstance(v, dict) and not v:
        shown = "empty"
    else:
        shown = f"`{v}`"
    guess = closest(v, allowed) if isinstance(v, str) else None
    fixes = [Fix(f"use `{guess}`", (ctx.edit(s.node, guess),))] if guess and s.node is not None else []
    msg = f"`{key}` is {shown}; allowed: {', '.join(allowed)}"
    if guess:
        msg += f" (did you mean `{guess}`?)"
    ctx.report_setting(code, p, s, msg, fixes=fixes)
