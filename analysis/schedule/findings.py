"""What a schedule tells about a run (codes PL090, PL091, PL093, registered in analysis/rules/schedule.py):
the run ends before a pruner's last update, a frequency so large that an iterative pruner prunes
once, a schedule INC cannot compute (it divides by zero), a schedule that ends short of its target.
Used by `prune-lsp schedule` (with --total-steps) and by the rules (without it: only what the config
itself says, e.g. an INC 1.x `pruning.train.epoch`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from .inc import PrunerSchedule, plural, step_int

# PL068 (rules/steps.py, frequency-over-span) is the rule for the divide by zero
ENDS_AFTER_RUN, PRUNES_ONCE, DIVIDES_BY_ZERO, STOPS_SHORT = "PL090", "PL091", "PL068", "PL093"
SHORT_BY = 0.005  # a schedule ending this far below its target is reported
SEVERITY = {ENDS_AFTER_RUN: "warning", PRUNES_ONCE: "warning", DIVIDES_BY_ZERO: "error", STOPS_SHORT: "warning"}


@dataclass
class Finding:
    code: str
    pruner: int  # 1-based
    message: str
    key: Optional[str] = None  # the setting to point at
    cause: str = ""  # STOPS_SHORT: "cap" or "count"

    @property
    def severity(self) -> str:
        return SEVERITY[self.code]

    def to_json(self) -> dict:
        return {"code": self.code, "severity": self.severity, "pruner": self.pruner, "message": self.message}


def v2_may_find(get: Callable[[str, Any], Any]) -> bool:
    """Whether a 2.x pruner (dialects A and B) can have a finding the check reports, run without a
    run length (`total` None), from its effective values (`get(key, default)`, as schedule_v2 reads
    them). False only where pruner_findings(schedule_v2(...)) certainly holds nothing but what the
    check leaves to other rules (a cap below the target: PL034): a 2.x curve ends at
    min(target, cap) (its last update counts every round), it never divides by zero, and ENDS_AFTER_RUN
    needs `total`. What remains is PRUNES_ONCE: whole steps 0 <= start < end and a frequency > 0 larger
    than end - start. The check computes no schedule for the other pruners (a 2 MB config of 20,000
    distinct pruners spent 0.3 s on them); tests/schedule/test_schedule_listed.py holds this on random
    schedules."""
    start, end = step_int(get("start_step", 0)), step_int(get("end_step", 0))
    freq = step_int(get("pruning_frequency", 1))
    if start is None or end is None or freq is None:
        return False  # schedule_v2 refuses the schedule: no update, no finding
    return 0 <= start < end and freq > end - start


def pruner_findings(s: PrunerSchedule, total: Optional[int] = None) -> list[Finding]:
    out: list[Finding] = []
    unit = s.unit
    end_key = "end_epoch" if unit == "epoch" else "end_step"
    freq_key = {"C": "update_frequency_on_step", "D": "update_frequency"}.get(s.dialect, "pruning_frequency")
    if s.error and s.error.startswith("ZeroDivisionError"):
        out.append(Finding(DIVIDES_BY_ZERO, s.index, f"INC raises {s.error}", freq_key))
        return out
    prunes = s.prune_updates
    if s.mode == "iterative" and len(prunes) == 1 and s.frequency and s.start is not None and s.end is not None:
        out.append(Finding(PRUNES_ONCE, s.index,
                           f"{freq_key} {_count(s.frequency)} is larger than the range {s.start}..{s.end}: INC "
                           f"updates the masks once, at {unit} {prunes[0].step}, straight to {prunes[0].ratio:.4g} (one-shot, "
                           f"not gradual); lower the frequency or say start_step == end_step", freq_key))
    if total is not None and s.updates and s.mode not in ("lock", "calibration", "none"):
        last = s.updates[-1]
        if last.step >= total:
            reached = s.expected_after(total) or 0.0
            missed = [u.step for u in s.updates if u.step >= total]
            out.append(Finding(ENDS_AFTER_RUN, s.index,
                               f"the run ends after {total} {plural(unit)} but this pruner still updates at {unit}"
                               f"{'s' if len(missed) > 1 else ''} {_steps(missed)}: the last checkpoint has "
                               f"{reached:.4g}, not {s.final_ratio:.4g}", end_key))
    if s.target is not None and s.updates and s.mode in ("iterative", "progressive", "oneshot"):
        final = s.expected_after(s.updates[-1].step + 1)
        # material only: C's one-short count costs 0.03 % over 1000 steps, 9 % over 8
        if final is not None and final < s.target - SHORT_BY:
            if s.cap is not None and s.cap < s.target:
                msg = (f"the target {s.target:g} is above the cap of {s.cap:g} per layer: the schedule ends at "
                       f"{final:.4g}")
                out.append(Finding(STOPS_SHORT, s.index, msg, "target_sparsity", "cap"))
            else:
                key = end_key
                if s.dialect == "C":
                    why = "the experimental pruner counts (end - start + 1) // frequency updates and stops one short"
                elif s.dialect == "D":
                    why, key = _d_short(s), "update_frequency"
                else:
                    why = f"INC's last mask update, at {unit} {s.updates[-1].step}, does not reach it"
                msg = f"the schedule ends at {final:.4g}, short of the target {s.target:g}: {why}"
                out.append(Finding(STOPS_SHORT, s.index, msg, key, "count"))
    return out


def _d_short(s: PrunerSchedule) -> str:
    """INC 1.x (pruner_legacy/pruner.py update_sparsity): epochs, not steps, and whole frequencies."""
    span = s.end - s.start + 1
    f = s.frequency
    reached = (span // f) * f
    return (f"INC 1.x raises the ratio by whole update_frequency ({f:g}) epochs, ((epoch - start_epoch + 1) // "
            f"{f:g}) * {f:g} / {span} of the way, and {f:g} does not divide the {span} epochs "
            f"{s.start}..{s.end}, so its last epoch ({s.end}) gets {reached:g}/{span} of it; make end_epoch - "
            f"start_epoch + 1 a multiple of update_frequency")


def _steps(steps: list[int]) -> str:
    return ", ".join(map(str, steps[:6])) + (f" and {len(steps) - 6} more" if len(steps) > 6 else "")


def schedule_findings(cs, total: Optional[int] = None) -> list[Finding]:
    out: list[Finding] = []
    for s in cs.pruners:
        out.extend(pruner_findings(s, total))
    return out


def _count(x) -> str:
    """A step count as written: 99999999999999999999999999999, not `:g`'s 1e+29."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
