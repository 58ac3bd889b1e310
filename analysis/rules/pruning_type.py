"""pruning_type's grammar and each pruner's constraints (pruners/__init__.py get_pruner, spec 2.1)."""

from __future__ import annotations

from ..diagnostics import Fix
from ..schema.keys_v2 import BROKEN_PRUNING_TYPES, CRITERIA, PRUNING_TYPES
from ..schema.keys_legacy import LEGACY_PRUNE_TYPES_C
from .context import RuleContext
from .helpers import num, pattern_of, setting, string
from .keynames import names_for
from .pruner_kinds import TARGET, for_each_pruner
from .registry import ERROR, WARNING, checker, rule
from .suggest import closest

_PT_PRUNERS = {"pt_basic", "pt_block_mask", "pt_mha", "pt_pattern_lock", "pt_progressive", "pt_retrain_free",
               "pt_sparse_gpt"}

UNKNOWN_TYPE = rule("PL017", "pruning-type-unknown", ERROR, "A pruning_type INC has no pruner for", spec="R17",
                    dialects="ABC", fixable=True)
NM_NOT_SUPPORTED = rule("PL019", "pruner-rejects-nm", ERROR, "block_mask and retrain_free do not support N:M patterns",
                        spec="R19", dialects="AB")
RETRAIN_FREE_CHANNEL = rule("PL020", "retrain-free-needs-channel", ERROR, "retrain_free needs a channel pattern",
                            spec="R20", dialects="AB")
SPARSE_GPT_PATTERN = rule("PL021", "sparse-gpt-pattern", ERROR, "sparse_gpt supports only 1x1 and N:M patterns",
                          spec="R21", dialects="AB")
PROGRESSIVE_BLOCK = rule("PL064", "progressive-block-too-small", ERROR,
                         "A progressive pruner whose pattern has fewer than 4 weights per block", dialects="AB",
                         explanation="Progressive pruning (a `*_progressive` type that is not degraded to plain "
                         "pruning, i.e. end_step - start_step > 4 and pruning_frequency != 1) spreads each block over 4 "
                         "progressive steps. pruners/progressive.py check_progressive_validity raises ValueError when the "
                         "pruner is built if an NxM block has fewer than 4 weights (`1x1`, `2x1`, `1x3`) or an N:M "
                         "pattern has N < 4 (`2:4`, `3:5`): `... while progressive steps 4 is overflowing`.")
PROGRESSIVE_STEPS = 4  # pruners/progressive.py: progressive_configs["progressive_steps"], not configurable

CRITERION_OVERWRITTEN = rule("PL033", "criterion-type-overwritten", WARNING,
                             "`criterion_type` is overwritten by pruning_type", spec="R33", dialects="AB")


def pruner_class(pruning_type: str):
    """INC's get_pruner name resolution (non-mha): the registered pruner, or None."""
    if "progressive" not in pruning_type:
        name, progressive = pruning_type, False
    else:
        name, progressive = pruning_type[0:-12], True
    if name in CRITERIA:
        if not progressive:
            name = name if ("block" in name or "free" in name) else "basic"
        else:
            name = "progressive"
    full = f"pt_{name}"
    return full if full in _PT_PRUNERS else None


@checker(UNKNOWN_TYPE, NM_NOT_SUPPORTED, RETRAIN_FREE_CHANNEL, SPARSE_GPT_PATTERN, CRITERION_OVERWRITTEN,
         PROGRESSIVE_BLOCK)
def check_pruning_type(ctx: RuleContext) -> None:
    keys = names_for(ctx.dialect)
    for_each_pruner(ctx, lambda c, p: _check_pruning_type(c, p, keys), never_reads=TARGET)


def _check_pruning_type(ctx: RuleContext, p, k) -> None:
    """One pruner's part of check_pruning_type: pruner_kinds.py runs it once per kind of pruner."""
    s = setting(p, k["type"])
    t = string(p, k["type"])
    pattern = string(p, "pattern") or ""
    if t is None:
        return
    if ctx.dialect == "C":
        if t not in LEGACY_PRUNE_TYPES_C:
            why = " (the `!Pruner` class default when an entry omits prune_type)" if s.origin == "class-default" else ""
            fixes, hint = _suggest(ctx, s, t, LEGACY_PRUNE_TYPES_C)
            ctx.report_setting(UNKNOWN_TYPE.code, p, s, f"prune_type `{t}`{why} is not a weight_compression_pytorch "
                               f"pruner{hint}; use one of {', '.join(LEGACY_PRUNE_TYPES_C)}", fixes=fixes)
        return
    if "mha" in pattern:
        return  # get_pruner returns the mha pruner before reading pruning_type
    cls = pruner_class(t)
    if cls is None:
        fixes, hint = _suggest(ctx, s, t, PRUNING_TYPES)
        ctx.report_setting(UNKNOWN_TYPE.code, p, s, f"pruning_type `{t}` is not a pruner INC knows "
                           f"(INC: does not support pt_{t[:-12] if 'progressive' in t else t}){hint}",
                           fixes=fixes)
        return
    if t in BROKEN_PRUNING_TYPES:
        base = t[:-12]
        ctx.report_setting(UNKNOWN_TYPE.code, p, s, f"pruning_type `{t}` cannot be built: INC's progressive pruner "
                           f"creates the {base} criterion without the masks it needs (TypeError: "
                           f"__init__() missing 1 required positional argument: 'masks'); use `{base}`",
                           fixes=[Fix(f"use `{base}`", (ctx.edit(s.node, base),), safe=False)]
                           if s.pair is not None else [])
        return
    s_pat = setting(p, "pattern")
    related = [(s_pat.node, f"pattern \"{pattern}\"")] if s_pat is not None and s_pat.node is not None else []
    if cls in ("pt_block_mask", "pt_retrain_free") and ":" in pattern:
        ctx.report_setting(NM_NOT_SUPPORTED.code, p, s, f"`{t}` does not support the N:M pattern \"{pattern}\"; "
                           "use an NxM or channel pattern", related=related)
    if cls == "pt_retrain_free" and "channel" not in pattern:
        ctx.report_setting(RETRAIN_FREE_CHANNEL.code, p, s, f"`{t}` only supports channel patterns "
                           f"(\"channelx1\", \"1xchannel\"), not \"{pattern}\"", related=related)
    if cls == "pt_sparse_gpt" and not ("1x1" in pattern or ":" in pattern):
        ctx.report_setting(SPARSE_GPT_PATTERN.code, p, s, f"`sparse_gpt` supports only 1x1 and N:M patterns, "
                           f"not \"{pattern}\"", related=related)
    if cls == "pt_progressive":
        _check_progressive_block(ctx, p, s, t, pattern, related)
    name = t[:-12] if "progressive" in t else t
    s_crit = setting(p, "criterion_type")
    if name in CRITERIA and s_crit is not None and s_crit.pair is not None and s_crit.value != name:
        ctx.report_setting(CRITERION_OVERWRITTEN.code, p, s_crit,
                           f"criterion_type `{s_crit.value}` has no effect: INC sets it to `{name}` from pruning_type")


def _check_progressive_block(ctx: RuleContext, p, s, t: str, pattern: str, related) -> None:
    start, end, freq = num(p, "start_step"), num(p, "end_step"), num(p, "pruning_frequency")
    if start is None or end is None or freq is None or end - start <= PROGRESSIVE_STEPS or freq == 1:
        return  # INC degrades it to plain pruning before checking the pattern (PL038)
    pat = pattern_of(pattern)
    if pat.problems:
        return
    if pat.kind == "nm" and pat.nm[0] < PROGRESSIVE_STEPS:
        why = (f"an N:M pattern needs N >= {PROGRESSIVE_STEPS} (INC: Pruning pattern is {pat.nm[0]} in {pat.nm[1]}, "
               f"while progressive steps {PROGRESSIVE_STEPS} is overflowing)")
    elif pat.kind == "nxm" and isinstance(pat.n, int) and isinstance(pat.m, int) and pat.n * pat.m < PROGRESSIVE_STEPS:
        why = (f"an NxM block needs at least {PROGRESSIVE_STEPS} weights, and {pattern} has {pat.n * pat.m} "
               f"(INC: ... while progressive steps {PROGRESSIVE_STEPS} is overflowing)")
    else:
        return
    ctx.report_setting(PROGRESSIVE_BLOCK.code, p, s, f"`{t}` spreads each block over {PROGRESSIVE_STEPS} progressive "
                       f"steps, so {why}; use a larger pattern (\"4x1\", \"4:8\") or the non-progressive type",
                       related=related)


def _suggest(ctx: RuleContext, s, value: str, choices) -> tuple[list[Fix], str]:
    """The quick fix and the message's did-you-mean, from one guess (the CLI's text shows no fixes)."""
    guess = closest(value, choices)
    if not guess:
        return [], ""
    fixes = [Fix(f"use `{guess}`", (ctx.edit(s.node, guess),))] if s is not None and s.pair is not None else []
    return fixes, f"; did you mean `{guess}`?"
