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


def compare(report: dict, schedule, step: Optional[int], measured: Optional[list] = None) -> list[dict]:
    """`step`: where the checkpoint is in the schedule's unit (for INC 1.x, the epochs begun: see
    legacy.py); `measured`: each pruner's figure when it is not INC 2.x's pattern ratio (INC 1.x)."""
    out = []
    scheds = schedule.pruners if schedule is not None else []
    for i, entry in enumerate(report.get("pruners", [])):
        s = scheds[i] if i < len(scheds) else None
        now = measured[i] if measured is not None else pruner_measured(entry)
        row = {"index": i + 1, "label": entry.get("label"), "measured": now, "scheduled": None,
               "scheduled_low": None, "target": entry.get("target_sparsity"), "flags": []}
        rng = s.expected_range_after(step) if (s is not None and step is not None) else None
        if rng is not None:
            row["scheduled_low"], row["scheduled"] = rng
        flags = row["flags"]
        layers = entry.get("layers") or []
        if not layers:
            flags.append("no layers: none of the pruner's `names` is a 2-D or 4-D weight of this model (INC 1.x "
                         "prunes nothing, silently)" if s is not None and s.dialect == "D" else
                         "no layers: the pruner selects no layer of this model (INC: 'one pruner hooks no layers')")
        elif now is not None and rng is not None:
            low, high = rng
            started = s.updates and step is not None and any(u.step < step and u.ratio > 0 for u in s.updates)
            if started and high >= TOLERANCE and now < 0.001:
                flags.append(f"not pruning: nothing pruned although the schedule expects {high:.1%} after "
                             f"{s.unit} {step} (did the training loop call INC's hooks / optimizer step?)")
            elif now < low - TOLERANCE:
                flags.append(f"behind schedule: {now:.1%} < {low:.1%}")
            elif now > high + TOLERANCE and s.dialect != "C" and not s.init_unknown:
                # (lock_init_sparsity from weights of unknown sparsity: INC's curve starts higher)
                # (the experimental pytorch_pruner itself overshoots its own schedule at some steps,
                # by up to 14 points in tests/schedule's recording: no flag there)
                flags.append(f"above target: {now:.1%} > {high:.1%} expected")
            if high >= 0.1 and now >= 0.001:
                dense = [lay["name"] for lay in report.get("layers", [])
                         if lay.get("pruner_index") == entry.get("index") and lay.get("name") in layers
                         and lay.get("read", True) and lay.get("zeros") == 0 and not lay.get("invalid_reason")]
                if dense:
                    flags.append(f"{len(dense)} layer(s) still dense: {', '.join(dense[:4])}"
                                 + (", ..." if len(dense) > 4 else ""))
        out.append(row)
    return out
