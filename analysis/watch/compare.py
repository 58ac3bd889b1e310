"""A measured checkpoint against the schedule at its step, per pruner, with flags when they
diverge: nothing pruned after start_step, a pruner's layers still dense, sparsity above or below
what the schedule allows."""

from __future__ import annotations

from typing import Optional

TOLERANCE = 0.02  # rounding of block counts, ties in scores: INC itself lands within this (tests/schedule)


def pruner_measured(entry: dict) -> Optional[float]:
    """What INC calls the pruner's current sparsity: its pattern ratio over its valid layers."""
    r = (entry.get("inc") or {}).get("pattern_ratio")
    if r is None:
        r = (entry.get("selected") or {}).get("elementwise_over_all")
    return r


def compare(report: dict, schedule, step: Optional[int]) -> list[dict]:
    out = []
    scheds = schedule.pruners if schedule is not None else []
    for i, entry in enumerate(report.get("pruners", [])):
        s = scheds[i] if i < len(scheds) else None
        measured = pruner_measured(entry)
        row = {"index": i + 1, "label": entry.get("label"), "measured": measured, "scheduled": None,
               "scheduled_low": None, "target": entry.get("target_sparsity"), "flags": []}
        rng = s.expected_range_after(step) if (s is not None and step is not None) else None
        if rng is not None:
            row["scheduled_low"], row["scheduled"] = rng
        flags = row["flags"]
        layers = entry.get("layers") or []
        if not layers:
            flags.append("no layers: the pruner selects no layer of this model (INC: 'one pruner hooks no layers')")
        elif measured is not None and rng is not None:
            low, high = rng
            started = s.updates and step is not None and any(u.step < step and u.ratio > 0 for u in s.updates)
            if started and high >= TOLERANCE and measured < 0.001:
                flags.append(f"not pruning: nothing pruned although the schedule expects {high:.1%} after "
                             f"{s.unit} {step} (did the training loop call INC's hooks / optimizer step?)")
            elif measured < low - TOLERANCE:
                flags.append(f"behind schedule: {measured:.1%} < {low:.1%}")
            elif measured > high + TOLERANCE and s.dialect != "C":
                # (the experimental pytorch_pruner itself overshoots its own schedule at some steps,
                # by up to 14 points in tests/schedule's recording: no flag there)
                flags.append(f"above target: {measured:.1%} > {high:.1%} expected")
            if high >= 0.1 and measured >= 0.001:
                dense = [lay["name"] for lay in report.get("layers", [])
                         if lay.get("pruner_index") == entry.get("index") and lay.get("name") in layers
                         and lay.get("read", True) and lay.get("zeros") == 0 and not lay.get("invalid_reason")]
                if dense:
                    flags.append(f"{len(dense)} layer(s) still dense: {', '.join(dense[:4])}"
                                 + (", ..." if len(dense) > 4 else ""))
        out.append(row)
    return out
