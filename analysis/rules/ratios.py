"""target_sparsity and the per-layer bounds (check_config #4, #6, #10b, #12; schedulers)."""

from __future__ import annotations

from ..merge import nm_ratio
from .context import RuleContext
from .helpers import fmt, num, replace_fix, setting, shown, string
from .keynames import names_for
from .pruner_kinds import for_each_pruner
from .registry import ERROR, WARNING, checker, rule

TARGET_RANGE = rule("PL003", "target-out-of-range", ERROR, "`target_sparsity` outside [0, 1)", spec="R3", dialects="ABC",
                    explanation="check_config asserts `0 <= target_sparsity < 1` (with the misleading message "
                    "`begin_pruning_step should be in range [0,1)`).")
MAX_RANGE = rule("PL005", "max-ratio-out-of-range", ERROR, "`max_sparsity_ratio_per_op` outside [0, 1)", spec="R5",
                 dialects="ABC", explanation="INC's message for this one wrongly says `pruning_frequency should be greater than 0`.")
NM_TARGET = rule("PL010", "nm-target-too-high", ERROR, "`target_sparsity` above N/M for an N:M pattern", spec="R10",
                 dialects="ABC", fixable=True,
                 explanation="An N:M pattern prunes at most N of every M weights. check_config asserts "
                 "`target_sparsity <= N/M` (except for pattern_lock in INC 2.x). INC's default target 0.9 is above "
                 "every N:M ratio, so a config that only sets `pattern: \"2:4\"` fails.")
MIN_RANGE = rule("PL011", "min-ratio-out-of-range", ERROR, "`min_sparsity_ratio_per_op` outside [0, max]", spec="R11",
                 dialects="AB")
TARGET_ABOVE_MAX = rule("PL034", "target-above-max-ratio", WARNING, "`target_sparsity` above the per-layer maximum",
                        spec="R34", dialects="ABC",
                        explanation="The scheduler aims at min(max_sparsity_ratio_per_op, target_sparsity): the target is never reached.")


@checker(TARGET_RANGE, MAX_RANGE, NM_TARGET, MIN_RANGE, TARGET_ABOVE_MAX)
def check_ratios(ctx: RuleContext) -> None:
    keys = names_for(ctx.dialect)
    for_each_pruner(ctx, lambda c, p: _check_ratios(c, p, keys))


def _check_ratios(ctx: RuleContext, p, k) -> None:
    """One pruner's part of check_ratios: pruner_kinds.py runs it once per kind of pruner."""
    target = num(p, k["target"])
    s_target = setting(p, k["target"])
    if target is not None and not (0 <= target < 1):
        fix = replace_fix(ctx, s_target, str(target / 100), f"write {fmt(target / 100)}", safe=False) \
            if 1 < target <= 100 else []
        ctx.report_setting(TARGET_RANGE.code, p, s_target,
                           f"`{k['target']}` is {shown(s_target, target)}; it must be in [0, 1)"
                           + (" (a fraction, not a percentage)" if 1 < target <= 100 else ""), fixes=fix)
    s_max = setting(p, k["max"])
    # check_config validates the range before it caps the value to N/M: check the value as written
    s_written = s_max.capped_from if s_max is not None and s_max.capped_from is not None else s_max
    raw_max = s_written.value if s_written is not None else None
    if isinstance(raw_max, bool):
        raw_max = int(raw_max)
    if s_written is not None and s_written.origin != "cap" and isinstance(raw_max, (int, float)) \
            and not (0 <= raw_max < 1):
        ctx.report_setting(MAX_RANGE.code, p, s_written, f"`{k['max']}` is {fmt(raw_max)}; it must be in [0, 1)")
    pattern = string(p, "pattern")
    nm = nm_ratio(pattern)
    exempt = ctx.dialect in "AB" and string(p, k["type"]) == "pattern_lock"
    if nm and target is not None and not exempt and target > nm[0] / nm[1]:
        cap = nm[0] / nm[1]
        s_pattern = setting(p, "pattern")
        msg = (f"with pattern \"{pattern}\" at most {nm[0]} of every {nm[1]} weights are pruned, so "
               f"`{k['target']}` must be <= {fmt(cap)}; it is {fmt(target)}")
        if s_target.pair is not None:
            related = [(s_pattern.node, f"pattern \"{pattern}\"")] if s_pattern.node is not None else []
            ctx.report_setting(NM_TARGET.code, p, s_target, msg, related=related,
                               fixes=replace_fix(ctx, s_target, fmt(cap), f"set {k['target']} to {fmt(cap)}", safe=False))
        else:
            ctx.report_setting(NM_TARGET.code, p, s_pattern,
                               msg + f" (INC's default); add `{k['target']}: {fmt(cap)}`")
    mx = num(p, k["max"])
    mn = num(p, k["min"]) if k["min"] else None
    if mn is not None and mx is not None and not (0 <= mn <= mx):
        s_min = setting(p, k["min"])
        why = "it must be >= 0" if mn < 0 else (
            f"it must be <= max_sparsity_ratio_per_op ({fmt(mx)}"
            + (f", lowered by INC to N/M for pattern \"{pattern}\")" if s_max.origin == "cap" else ")"))
        related = [(s_max.node, "max_sparsity_ratio_per_op")] if s_max is not None and s_max.node is not None else []
        ctx.report_setting(MIN_RANGE.code, p, s_min, f"`{k['min']}` is {fmt(mn)}; {why}", related=related)
    if target is not None and mx is not None and 0 <= target < 1 and target > mx and not (nm and target > nm[0] / nm[1]):
        related = [(s_max.node, f"{k['max']} is {fmt(mx)}")] if s_max.node is not None else []
        ctx.report_setting(TARGET_ABOVE_MAX.code, p, s_target,
                           f"`{k['target']}` {fmt(target)} is above `{k['max']}` {fmt(mx)}: no layer can exceed "
                           f"{fmt(mx)}, so the target is never reached", related=related)
