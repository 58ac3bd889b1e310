"""start_step, end_step and the pruning frequency (check_config #1-#3, #5; pruner construction)."""

from __future__ import annotations

from ..schema.keys_v2 import GRADIENT_CRITERIA
from .context import RuleContext
from .helpers import fmt, num, setting, string
from .keynames import names_for
from .pruner_kinds import TARGET, for_each_pruner
from .registry import ERROR, WARNING, checker, rule

START_NEGATIVE = rule("PL001", "start-step-negative", ERROR, "`start_step` is negative", spec="R1", dialects="ABC",
                      explanation="check_config asserts `start_step >= 0` (message: `start_step should be greater than 0`).")
END_BEFORE_START = rule("PL002", "end-before-start", ERROR, "`end_step` is before `start_step`", spec="R2",
                        dialects="ABC", explanation="check_config asserts `end_step >= -1` and `end_step >= start_step`.")
FREQUENCY = rule("PL004", "frequency-not-positive", ERROR, "The pruning frequency is not positive", spec="R4",
                 dialects="ABC")
GRADIENT_END = rule("PL018", "gradient-needs-end-step", ERROR, "A gradient-based criterion with `end_step <= 0`",
                    spec="R18", dialects="ABC",
                    explanation="snip, snip_momentum (INC's default), gradient, block_mask and retrain_free need "
                    "gradients from at least one training step: INC raises `please set end_step > 0 for gradient based "
                    "criterion` when the pruner is created. The all-defaults config (snip_momentum, end_step 0) fails "
                    "this way. Use `pruning_type: magnitude` for one-shot pruning at step 0, or set end_step. "
                    "In `weight_compression_pytorch` (the experimental pytorch_pruner) the snip and snip_momentum "
                    "pruners assert the same when they are built (`gradient based criteria does not work on step 0`). "
                    "INC's own example configs of that dialect leave end_step at 0 because their training scripts set "
                    "the steps at run time (`pruning.update_items_for_all_pruners(start_step=..., end_step=...)`) "
                    "before the pruners are built; a config used that way can silence the rule with "
                    "`# prune-lsp: disable-file=PL018`.")
FREQ_OVER_SPAN = rule("PL068", "frequency-over-span", ERROR,
                      "An update frequency longer than the pruning span (weight_compression_pytorch)", dialects="C",
                      explanation="The experimental pytorch_pruner plans (end_step - start_step + 1) // "
                      "update_frequency_on_step pruning steps; when that is 0 (a frequency longer than the span) and "
                      "start_step != end_step, its scheduler divides by it at the first pruning step "
                      "(ZeroDivisionError). INC's example configs leave end_step at 0 and set the steps at run time "
                      "(update_items_for_all_pruners), which is why their frequencies (100, 500, 1000) look this way.")
# the experimental pytorch_pruner's gradient pruners (experimental/pytorch_pruner/pruner.py)
GRADIENT_TYPES_C = ("snip", "snip_momentum")
PATTERN_LOCK_ONESHOT = rule("PL022", "pattern-lock-not-oneshot", ERROR, "`pattern_lock` with start_step != end_step",
                            spec="R22", dialects="ABC")
PROGRESSIVE_DEGRADES = rule("PL038", "progressive-degrades", WARNING,
                            "A progressive pruner that INC silently runs as non-progressive", spec="R38", dialects="AB",
                            explanation="pruners/progressive.py falls back to plain pruning when `end_step - start_step <= 4` "
                            "or `pruning_frequency == 1`.")


@checker(START_NEGATIVE, END_BEFORE_START, FREQUENCY)
def check_steps(ctx: RuleContext) -> None:
    keys = names_for(ctx.dialect)
    for_each_pruner(ctx, lambda c, p: _check_steps(c, p, keys), never_reads=TARGET)


def _check_steps(ctx: RuleContext, p, k) -> None:
    """One pruner's part of check_steps: pruner_kinds.py runs it once per kind of pruner."""
    start, end, freq = num(p, k["start"]), num(p, k["end"]), num(p, k["freq"])
    if start is not None and start < 0:
        ctx.report_setting(START_NEGATIVE.code, p, setting(p, k["start"]),
                           f"`{k['start']}` is {start}; it must be >= 0")
    if end is not None and end < -1:
        ctx.report_setting(END_BEFORE_START.code, p, setting(p, k["end"]),
                           f"`{k['end']}` is {end}; it must be >= 0 (INC: end_step should be greater than 0)")
    elif end is not None and start is not None and end < start:
        s_end, s_start = setting(p, k["end"]), setting(p, k["start"])
        related = [(s_start.node, f"{k['start']} is {start}")] if s_start.node is not None else []
        ctx.report_setting(END_BEFORE_START.code, p, s_end,
                           f"`{k['end']}` ({end}) is before `{k['start']}` ({start}); INC requires end_step >= start_step",
                           related=related)
    if freq is not None and freq <= 0:
        ctx.report_setting(FREQUENCY.code, p, setting(p, k["freq"]), f"`{k['freq']}` is {freq}; it must be > 0")


def criterion_of(p) -> str | None:
    """The criterion INC will score with, or None (pattern_lock, sparse_gpt and unknown types use none)."""
    pattern = p.value("pattern")
    if isinstance(pattern, str) and "mha" in pattern:
        ct = p.value("criterion_type")
        return ct if isinstance(ct, str) else None
    t = p.value("pruning_type")
    if not isinstance(t, str):
        return None
    name = t[:-12] if "progressive" in t else t
    return name if name in GRADIENT_CRITERIA or name == "magnitude" else None


@checker(GRADIENT_END, PATTERN_LOCK_ONESHOT, PROGRESSIVE_DEGRADES, FREQ_OVER_SPAN)
def check_schedule(ctx: RuleContext) -> None:
    if ctx.dialect == "C":
        _check_schedule_c(ctx)
        return
    for_each_pruner(ctx, _check_schedule_v2, never_reads=TARGET)


def _check_schedule_v2(ctx: RuleContext, p) -> None:
    """One pruner's part of check_schedule: pruner_kinds.py runs it once per kind of pruner."""
    start, end, freq = num(p, "start_step"), num(p, "end_step"), num(p, "pruning_frequency")
    ptype = string(p, "pruning_type")
    crit = criterion_of(p)
    if crit in GRADIENT_CRITERIA and end is not None and end <= 0:
        s_end, s_type = setting(p, "end_step"), setting(p, "pruning_type")
        who = f"`{ptype}`" if crit == ptype else f"`{ptype}` (criterion {crit})"
        if s_type.origin == "default":
            who = f"INC's default pruning_type `{ptype}`"
        related = [(s_type.node, f"pruning_type is {ptype}")] if s_type.node is not None else []
        msg = (f"{who} scores with gradients and needs `end_step` > 0 (it is {end}); INC raises 'please set "
               "end_step > 0 for gradient based criterion'. For one-shot pruning at step 0 use `pruning_type: magnitude`")
        if s_end.origin in ("default",) and s_type.pair is not None:
            ctx.report_setting(GRADIENT_END.code, p, s_type, msg)
        else:
            ctx.report_setting(GRADIENT_END.code, p, s_end, msg, related=related)
    if ptype == "pattern_lock" and start is not None and end is not None and start != end:
        ctx.report_setting(PATTERN_LOCK_ONESHOT.code, p, setting(p, "pruning_type"),
                           f"`pattern_lock` only supports one-shot pruning: start_step ({start}) must equal "
                           f"end_step ({end})")
    if ptype and "progressive" in ptype and crit is not None and start is not None and end is not None:
        # pruners/progressive.py tests the span first, then the frequency: name the one that decides
        if end - start <= 4:
            why = (f"its span is too short: end_step - start_step is {fmt(end - start)} (steps {fmt(start)}.."
                   f"{fmt(end)}) and INC needs more than its 4 progressive steps; set end_step above "
                   f"{fmt(start + 4)}")
        elif freq == 1:
            s_freq = setting(p, "pruning_frequency")
            default = s_freq is None or s_freq.origin == "default"
            why = ("pruning_frequency is 1" + (" (INC's default, not set here)" if default else "")
                   + ": INC spreads each pruning step over 4 progressive steps between two pruning steps, which "
                   "needs pruning_frequency > 1 (the span is long enough)")
        else:
            return
        ctx.report_setting(PROGRESSIVE_DEGRADES.code, p, setting(p, "pruning_type"),
                           f"`{ptype}` runs as plain (non-progressive) pruning because {why}")


def _check_schedule_c(ctx: RuleContext) -> None:
    """weight_compression_pytorch: SnipPruner/SnipMomentumPruner assert end_step > 0 when built;
    PatternLockPruner asserts end_step == start_step."""
    for_each_pruner(ctx, _check_schedule_c_one, never_reads=TARGET)


def _check_schedule_c_one(ctx: RuleContext, p) -> None:
    """One pruner's part of _check_schedule_c: pruner_kinds.py runs it once per kind of pruner."""
    end, start = num(p, "end_step"), num(p, "start_step")
    ptype = string(p, "prune_type")
    s_end, s_type = setting(p, "end_step"), setting(p, "prune_type")
    if ptype in GRADIENT_TYPES_C and end is not None and end <= 0:
        related = [(s_type.node, f"prune_type is {ptype}")] if s_type is not None and s_type.node is not None else []
        msg = (f"`{ptype}` scores with gradients and INC's experimental pruner asserts 'gradient based criteria does "
               f"not work on step 0' when it builds this pruner (end_step is {end}). INC's example scripts set the "
               "steps at run time with `pruning.update_items_for_all_pruners(start_step=..., end_step=...)` before "
               "`on_train_begin`; if yours does, add `# prune-lsp: disable-file=PL018` (or `disable=PL018` on "
               "this line), else set end_step > 0 or use `prune_type: magnitude`")
        if s_end is not None and s_end.pair is None and s_type is not None and s_type.pair is not None:
            ctx.report_setting(GRADIENT_END.code, p, s_type, msg)
        else:
            ctx.report_setting(GRADIENT_END.code, p, s_end, msg, related=related)
    freq = num(p, "update_frequency_on_step")
    if start is not None and end is not None and freq and freq > 0 and end > start and ptype != "pattern_lock" \
            and (end - start + 1) // freq == 0:
        ctx.report_setting(FREQ_OVER_SPAN.code, p, setting(p, "update_frequency_on_step"),
                           f"update_frequency_on_step {fmt(freq)} is longer than the pruning span (steps "
                           f"{fmt(start)}..{fmt(end)}): INC's experimental pruner plans 0 pruning steps and divides by "
                           "that at the first one (ZeroDivisionError). Lower the frequency or widen the span (if a "
                           "script sets the steps at run time, add `# prune-lsp: disable-file=PL068`)")
    if ptype == "pattern_lock" and start is not None and end is not None and start != end:
        ctx.report_setting(PATTERN_LOCK_ONESHOT.code, p, s_type,
                           f"`pattern_lock` only supports one-shot pruning: start_step ({start}) must equal "
                           f"end_step ({end})")
