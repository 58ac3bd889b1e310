"""pruning_type's grammar and each pruner's constraints (pruners/__init__.py get_pruner, spec 2.1)."""

from __future__ import annotations

from ..diagnostics import Fix
from ..schema.keys_v2 import CRITERIA, PRUNING_TYPES
from ..schema.keys_legacy import LEGACY_PRUNE_TYPES_C
from .context import RuleContext
from .helpers import pruners, setting, string
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


@checker(UNKNOWN_TYPE, NM_NOT_SUPPORTED, RETRAIN_FREE_CHANNEL, SPARSE_GPT_PATTERN, CRITERION_OVERWRITTEN)
def check_pruning_type(ctx: RuleContext) -> None:
    for p, k in pruners(ctx):
        s = setting(p, k["type"])
        t = string(p, k["type"])
        pattern = string(p, "pattern") or ""
        if t is None:
            continue
        if ctx.dialect == "C":
            if t not in LEGACY_PRUNE_TYPES_C:
                why = " (the `!Pruner` class default when an entry omits prune_type)" if s.origin == "class-default" else ""
                ctx.report_setting(UNKNOWN_TYPE.code, p, s, f"prune_type `{t}`{why} is not a weight_compression_pytorch "
                                   f"pruner; use one of {', '.join(LEGACY_PRUNE_TYPES_C)}",
                                   fixes=_suggest(ctx, s, t, LEGACY_PRUNE_TYPES_C))
            continue
        if "mha" in pattern:
            continue  # get_pruner returns the mha pruner before reading pruning_type
        cls = pruner_class(t)
        if cls is None:
            ctx.report_setting(UNKNOWN_TYPE.code, p, s, f"pruning_type `{t}` is not a pruner INC knows "
                               f"(INC: does not support pt_{t[:-12] if 'progressive' in t else t})",
                               fixes=_suggest(ctx, s, t, PRUNING_TYPES))
            continue
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
        name = t[:-12] if "progressive" in t else t
        s_crit = setting(p, "criterion_type")
        if name in CRITERIA and s_crit is not None and s_crit.pair is not None and s_crit.value != name:
            ctx.report_setting(CRITERION_OVERWRITTEN.code, p, s_crit,
                               f"criterion_type `{s_crit.value}` has no effect: INC sets it to `{name}` from pruning_type")


def _suggest(ctx: RuleContext, s, value: str, choices) -> list[Fix]:
    guess = closest(value, choices)
    if guess and s is not None and s.pair is not None:
        return [Fix(f"use `{guess}`", (ctx.edit(s.node, guess),))]
    return []
