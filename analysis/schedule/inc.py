"""INC 2.6's pruning schedule, step by step, as its pruners compute it (no torch, no INC).

Sources (INC 2.6), each reproduced here with its quirks:
- 2.x pruners (dialects A and B; compression/pruner/pruners/base.py, basic.py, progressive.py,
  schedulers.py). `total_prune_cnt = (end - start + freq) // freq - 1`; when that is 0 it becomes 1
  and the first update already counts as done. Masks update at the start of every step s with
  `start <= s <= end and (s - start) % freq == 0`; the k-th update (k = 0, 1, ...) aims at
  `oneshot`: the target itself (no cap) when start == end, else `iterative`: the decay curve from
  0 towards min(target, max_sparsity_ratio_per_op) at k / total, clamped to the target. The first
  iterative update (k = 0) therefore aims at 0: nothing is pruned at start_step.
- progressive 2.x pruners (`*_progressive`): not progressive when end - start <= 4 or the frequency
  is 1. Otherwise each update computes the full masks but applies only part of the newly pruned
  weights, 1/4 more at each progressive step (every freq // 4 steps); when the frequency is 2 or 3
  the progressive steps coincide with the updates, so only 1/4 of each round's new zeros is ever
  applied before the next round (INC keeps progressive_configs["progressive_steps"] at 4 while it
  lowers its own copy). At the first step after end_step INC applies the complete masks ("align"),
  yet keeps masking with the last progressive masks, so checkpoints after it fall in between.
- experimental pytorch_pruner (dialect C; experimental/pytorch_pruner/pruner.py, scheduler.py):
  `total = (end - start + 1) // freq` (no "-1", no guard: 0 divides by zero at the first update),
  so with frequency 1 the curve stops one step short of the target.
- INC 1.x pruners (dialect D; experimental/pruner_legacy/pruner.py): per epoch, not per step:
  `initial + (target - initial) * ((e - start + 1) // freq) * freq / (end - start + 1)`, masks
  recomputed at every epoch from start_epoch to end_epoch (per weight tensor).

A "step" here is INC's global_step when it updates: the number of optimizer steps done before.
So a checkpoint written after N optimizer steps carries every update at a step < N.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional

DECAY_TYPES = ("exp", "cos", "linear", "cube")
# A schedule with more updates than this is listed sampled (evenly, first and last kept): an
# `end_step: 100000000` with frequency 1 must not build a list of 10^8 steps in the editor.
MAX_LISTED = 5_000


def _sampled(n: int, limit: int = MAX_LISTED) -> list[int]:
    """Indices 0..n-1, all of them or `limit` (kept within 2..MAX_LISTED) evenly spread (first and last
    included)."""
    limit = min(max(limit, 2), MAX_LISTED)
    if n <= limit:
        return list(range(n))
    return sorted({round(j * (n - 1) / (limit - 1)) for j in range(limit)})


def plural(unit: str) -> str:
    """"steps", "epochs", "batches" (a schedule's unit, counted; "epoch" ends in "ch" too)."""
    return unit + ("es" if unit.endswith("ch") and unit != "epoch" else "s")


PROGRESSIVE_STEPS = 4  # pruners/progressive.py progressive_configs, not configurable


@dataclass
class Update:
    step: int  # INC's global_step (steps done) when the masks change; epochs for dialect D
    ratio: float  # the sparsity the pruner's applied masks aim at from this step on
    kind: str  # "prune" (the scheduler's target), "progressive" (part of it), "align" (full masks after end)
    count: Optional[int] = None  # completed_pruned_cnt passed to the scheduler ("prune" only)
    target: Optional[float] = None  # the scheduler's value of the round ("progressive"/"align": that round's)
    low: Optional[float] = None  # "align": what checkpoints can fall back to (see _progressive_updates)

    def to_json(self) -> dict:
        out = {"step": self.step, "ratio": self.ratio, "kind": self.kind, "count": self.count,
               "scheduler_target": self.target if self.target is not None else self.ratio}
        if self.low is not None:
            out["low"] = self.low
        return out


@dataclass
class PrunerSchedule:
    index: int  # 1-based, in the order of the config's pruners
    label: str
    dialect: str
    pruning_type: str
    mode: str  # oneshot | iterative | progressive | lock | calibration | none
    unit: str = "step"  # "epoch" for dialect D
    start: Optional[int] = None
    end: Optional[int] = None
    frequency: Optional[float] = None
    decay: Optional[str] = None
    target: Optional[float] = None
    cap: Optional[float] = None  # max sparsity per layer (max_sparsity_ratio_per_op, N/M capped)
    initial: float = 0.0
    updates: list[Update] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: Optional[str] = None  # what INC raises when it runs this schedule
    # why there is no schedule though INC may well run one: values a Python script computes at run time
    unknown: Optional[str] = None
    # lock_init_sparsity with the weights' sparsity at start_step not known yet: the curve is shown
    # from 0, though INC starts it from that sparsity (watch learns it from a checkpoint at start_step)
    init_unknown: bool = False

    @property
    def targets(self) -> list[list]:
        return [[u.step, u.ratio] for u in self.updates]

    @property
    def prune_updates(self) -> list[Update]:
        return [u for u in self.updates if u.kind == "prune"]

    @property
    def last_update(self) -> Optional[int]:
        return self.updates[-1].step if self.updates else None

    @property
    def final_ratio(self) -> Optional[float]:
        return self.updates[-1].ratio if self.updates else None

    def expected_after(self, steps_done: int) -> Optional[float]:
        """The ratio the masks aim at in a checkpoint written after `steps_done` steps (epochs for
        dialect D: after `steps_done` epochs began). None when the schedule is unknown."""
        if self.mode in ("lock", "calibration", "none") or self.error or self.unknown:
            return None
        # INC 1.x: initial_sparsity is only where the curve starts; before start_epoch no masks exist
        ratio = 0.0 if self.dialect == "D" else self.initial
        for u in self.updates:
            if u.step < steps_done:
                ratio = u.ratio
            else:
                break
        # every layer is capped (patterns' max_sparsity_ratio_per_op): a one-shot target above the cap
        return min(ratio, self.cap) if self.cap is not None else ratio

    def expected_range_after(self, steps_done: int) -> Optional[tuple[float, float]]:
        """(lowest, highest) ratio a checkpoint written after `steps_done` steps may show by the
        schedule: one value except after a progressive pruner's "align" (see _progressive_updates)."""
        hi = self.expected_after(steps_done)
        if hi is None:
            return None
        last = next((u for u in reversed(self.updates) if u.step < steps_done), None)
        return (last.low if last is not None and last.low is not None else hi, hi)

    def after_calibration(self, batches: int) -> Optional[float]:
        """The ratio the saved weights hold once a calibration-time pruner (mode "calibration") ran
        `batches` calibration batches: sparse_gpt its target; retrain_free its last update at or
        before end_step once batch end_step ran, else nothing (0)."""
        if self.mode != "calibration" or not self.updates:
            return None
        if "retrain" not in self.pruning_type:
            return self.updates[-1].ratio if batches > 0 else 0.0
        if batches <= (self.end or 0):
            return 0.0
        return [u.ratio for u in self.updates if u.step <= self.end][-1]

    def to_json(self) -> dict:
        return {"index": self.index, "label": self.label, "pruning_type": self.pruning_type,
                "targets": self.targets, "dialect": self.dialect, "mode": self.mode, "unit": self.unit,
                "start": self.start, "end": self.end, "frequency": self.frequency, "decay": self.decay,
                "target_sparsity": self.target, "cap": self.cap,
                "updates": [u.to_json() for u in self.updates], "notes": list(self.notes), "error": self.error,
                "unknown": self.unknown}


def decay_ratio(decay: str, target: float, cap: float, k: int, total: int, init: float = 0.0) -> float:
    """schedulers.IterativeScheduler.update_sparsity_ratio, same float operations in the same order."""
    aggressive = min(cap, target)
    if decay == "cos":
        cur = (aggressive - init) * (1.0 - math.cos(float(k) / total * (math.pi / 2))) + init
    elif decay == "exp":
        change = ((1.0 - aggressive) / (1.0 - init)) ** (1 / total)
        cur = 1.0 - (1.0 - init) * change ** k
    elif decay == "linear":
        cur = (aggressive - init) * float(k) / total + init
    elif decay == "cube":
        cur = (aggressive - init) * ((float(k) / total) ** 3) + init
    else:
        raise ValueError(f"{decay} is not supported")
    return min(target, cur)


def decay_ratio_c(decay: str, target: float, cap: float, k: int, total: int) -> float:
    """experimental/pytorch_pruner/scheduler.py IterativeScheduler (no initial ratio)."""
    aggressive = min(cap, target)
    if decay == "cos":
        cur = aggressive * (1.0 - math.cos(float(k) / total * (math.pi / 2)))
    elif decay == "exp":
        cur = 1.0 - ((1.0 - aggressive) ** (1 / total)) ** k
    elif decay == "linear":
        cur = aggressive * float(k) / total
    elif decay == "cube":
        cur = aggressive * ((float(k) / total) ** 3)
    else:
        raise ValueError(f"{decay} is not supported")
    return min(target, cur)


def _at_run_time(v: Any) -> bool:
    from ..python_config.literals import Unknown

    return isinstance(v, Unknown)


def step_int(v: Any) -> Optional[int]:
    """A step count as INC reads it: an int, or a float with an integral value; else None (the rules
    report the value; the schedule has no step to place)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v in (math.inf, -math.inf):
        return None
    return int(v) if float(v).is_integer() else None


def _num(v: Any) -> Optional[float]:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v:
        return None
    return float(v)


def _base(index: int, label: str, dialect: str, ptype: str) -> PrunerSchedule:
    return PrunerSchedule(index, label, dialect, ptype, "none")


def schedule_v2(cfg: dict, index: int = 1, label: str = "", dialect: str = "B",
                init_sparsity: Optional[float] = None, listed: int = MAX_LISTED) -> PrunerSchedule:
    """One 2.x pruner (dialects A and B): `cfg` is its effective config (INC's 20 merged keys).
    `init_sparsity`: with lock_init_sparsity, the pattern sparsity the weights already have at
    start_step (INC's init_sparsity_ratio), when known; the curve then starts there, and a pruner
    whose weights are already above its target never updates (basic.py update_masks: `if
    current_sparsity_ratio > target_sparsity_ratio: return`, before the scheduler is asked).
    `listed`: at most this many updates are computed, first and last kept (`listed=2`: what the
    check's rules read, at a thousandth of the cost of a 1,000-step curve; a progressive pruner
    is always listed in full up to MAX_LISTED: its updates are built from every round)."""
    ptype = str(cfg.get("pruning_type") or "snip_momentum")
    s = _base(index, label or f"pruner {index}", dialect, ptype)
    start, end = step_int(cfg.get("start_step", 0)), step_int(cfg.get("end_step", 0))
    freq = step_int(cfg.get("pruning_frequency", 1))
    target, cap = _num(cfg.get("target_sparsity", 0.9)), _num(cfg.get("max_sparsity_ratio_per_op", 0.98))
    decay = cfg.get("sparsity_decay_type", "exp")
    s.start, s.end, s.frequency, s.target, s.cap = start, end, freq, target, cap
    s.decay = decay if isinstance(decay, str) else str(decay)
    if "gpt" in ptype:
        # pruning.py SparseGPTPruning: layer by layer while prepare_pruning(dataloader=...) runs the
        # calibration data; patterns' fasterprune prunes each row block to target_sparsity itself
        # (no scheduler, no decay, no max_sparsity_ratio_per_op: recorded from INC 2.6)
        s.mode, s.unit = "calibration", "batch"
        s.start = s.end = s.frequency = s.decay = s.cap = None  # none of them is read
        if target is not None:
            s.updates = [Update(0, target, "prune", None)]
        s.notes.append(f"`{ptype}` prunes each layer once to target_sparsity while prepare_pruning(..., "
                       "dataloader=...) runs the calibration data (no decay, no cap); not during training")
        return s
    if None in (start, end, freq, target, cap) or freq <= 0 or end < start or start < 0:
        later = [k for k in ("start_step", "end_step", "pruning_frequency", "target_sparsity",
                             "max_sparsity_ratio_per_op") if _at_run_time(cfg.get(k))]
        if later:
            s.unknown = (f"{', '.join(later)} {'is' if len(later) == 1 else 'are'} computed when the script runs: "
                         "the schedule needs the value")
        else:
            s.error = "the schedule needs integer start_step <= end_step and pruning_frequency > 0, numeric ratios"
        return s
    n_steps = (end - start) // freq + 1
    progressive = "progressive" in ptype and not ((end - start) <= PROGRESSIVE_STEPS or freq == 1)
    picked = _sampled(n_steps, MAX_LISTED if progressive else listed)
    steps = [start + j * freq for j in picked]
    if len(picked) < n_steps:
        s.notes.append(f"{n_steps} mask updates: listed sampled ({len(picked)} of them)")
    if ptype == "pattern_lock":
        s.mode = "lock"
        s.notes.append("pattern_lock keeps the zeros the weights already have; it sets no target")
        return s
    init = 0.0
    if cfg.get("lock_init_sparsity"):
        if init_sparsity is None:
            s.init_unknown = True
            s.notes.append("lock_init_sparsity: the curve starts from the weights' existing sparsity, known only at "
                           "run time (shown from 0); INC skips every update while that is above target_sparsity")
        else:
            init = s.initial = float(init_sparsity)
            if target is not None and init > target:
                s.mode = "lock"
                s.notes.append(f"lock_init_sparsity: the weights already have {init:.4g}, above the target "
                               f"{target:g}: INC never updates the masks (it stops once above target)")
                return s
            s.notes.append(f"lock_init_sparsity: the curve starts from the weights' existing sparsity {init:.4g}")
    total = (end - start + freq) // freq - 1
    done = 0
    if total == 0:
        total, done = 1, 1
    oneshot = start == end
    if "progressive" in ptype and not progressive:
        s.notes.append(f"`{ptype}` runs as plain pruning: " + ("end_step - start_step <= 4" if end - start <= 4
                                                                  else "pruning_frequency is 1"))
    s.mode = "oneshot" if oneshot else ("progressive" if progressive else "iterative")
    rounds: list[tuple[int, float, int]] = []
    for j, step in zip(picked, steps):
        k = done + j
        if oneshot:
            r = target
        else:
            try:
                r = decay_ratio(s.decay, target, cap, k, total, init)
                if isinstance(r, complex):  # a ratio above 1 that check_config would have refused
                    raise ArithmeticError("the curve leaves the real numbers (a ratio above 1?)")
            except Exception as e:
                s.error = f"AssertionError: {e}" if isinstance(e, ValueError) else f"{type(e).__name__}: {e}"
                s.updates = []
                return s
        rounds.append((step, r, k))
    if oneshot and target > cap:
        s.notes.append(f"one-shot: the scheduler asks {target:g}, each layer is capped at {cap:g}")
    if not progressive or len(picked) < n_steps:
        s.updates = [Update(st, r, "prune", k) for st, r, k in rounds]
        if "retrain" in ptype:
            _retrain_free(s)
        return s
    s.updates = _progressive_updates(rounds, start, end, freq)
    return s


def _retrain_free(s: PrunerSchedule) -> None:
    """pruning.py RetrainFreePruning / pruners/retrain_free.py: the same scheduler, but its steps
    are calibration batches run by prepare_pruning(..., dataloader=...), and the weights are only
    masked at the batch where global_step == end_step (before, INC masks the forward only)."""
    s.mode, s.unit = "calibration", "batch"
    s.notes.append(f"`{s.pruning_type}` updates its masks per calibration batch of prepare_pruning(..., "
                   f"dataloader=...) and writes them into the weights only at batch {s.end}: a calibration "
                   f"shorter than {s.end + 1} batches leaves the saved weights dense")


def _progressive_updates(rounds, start: int, end: int, freq: int) -> list[Update]:
    """pruners/progressive.py update_masks_progressive + align_masks_after_pruning."""
    if freq < PROGRESSIVE_STEPS:
        own_steps, pfp = freq, freq  # INC's "trick": its own copy shrinks, the dict keeps 4
    else:
        own_steps, pfp = PROGRESSIVE_STEPS, freq // PROGRESSIVE_STEPS
    out: list[Update] = []
    prev_full = 0.0
    prune_at = {st: (r, k) for st, r, k in rounds}
    cur_round = None  # (step, ratio, base)
    for step in sorted(set(range(start, end + 1, freq)) | set(range(start, end + 1, pfp))):
        if step in prune_at:
            r, k = prune_at[step]
            base = prev_full if cur_round is None else cur_round[1]
            cur_round = (step, r, base)
            out.append(Update(step, base + (r - base) * 1 / PROGRESSIVE_STEPS, "prune", k, r))
            prev_full = r
            continue
        if cur_round is None or (step - start) % pfp:
            continue
        idx = (step - cur_round[0]) // pfp
        rstep, r, base = cur_round
        if idx < own_steps - 1:
            ratio = base + (r - base) * (idx + 1) / PROGRESSIVE_STEPS
        else:
            ratio = r
        if out and out[-1].ratio == ratio:
            continue  # masks already complete: nothing changes
        out.append(Update(step, ratio, "progressive", None, r))
    if rounds and (not out or out[-1].ratio != rounds[-1][1]):
        # align_masks_after_pruning: the complete masks once, at the first step after end_step; but
        # after every optimizer step INC keeps multiplying by the last progressive masks, so the
        # weights only the complete masks zeroed are updated again and come back (recorded from INC
        # 2.6): later checkpoints show between the last progressive ratio and the target.
        out.append(Update(end + 1, rounds[-1][1], "align", None, rounds[-1][1], low=out[-1].ratio if out else 0.0))
    return out


def schedule_c(cfg: dict, index: int = 1, label: str = "", listed: int = MAX_LISTED) -> PrunerSchedule:
    """One experimental pytorch_pruner pruner (dialect C); `listed` as in schedule_v2."""
    ptype = str(cfg.get("prune_type") or "snip_momentum")
    s = _base(index, label or f"pruner {index}", "C", ptype)
    start, end = step_int(cfg.get("start_step", 0)), step_int(cfg.get("end_step", 0))
    freq = step_int(cfg.get("update_frequency_on_step", 1))
    target, cap = _num(cfg.get("target_sparsity", 0.0)), _num(cfg.get("max_sparsity_ratio_per_layer", 0.98))
    decay = cfg.get("sparsity_decay_type", "exp")
    s.start, s.end, s.frequency, s.target, s.cap = start, end, freq, target, cap
    s.decay = decay if isinstance(decay, str) else str(decay)
    if None in (start, end, freq, target, cap) or freq <= 0 or end < start or start < 0:
        s.error = "the schedule needs integer start_step <= end_step and update_frequency_on_step > 0"
        return s
    if ptype == "pattern_lock":
        s.mode = "lock"
        s.notes.append("pattern_lock keeps the zeros the weights already have; it sets no target")
        return s
    total = (end - start + 1) // freq
    oneshot = start == end
    s.mode = "oneshot" if oneshot else "iterative"
    n_steps = (end - start) // freq + 1
    picked = _sampled(n_steps, listed)
    if len(picked) < n_steps:
        s.notes.append(f"{n_steps} mask updates: listed sampled ({len(picked)} of them)")
    for i in picked:
        step = start + i * freq
        if oneshot:
            r = target
        else:
            try:
                r = decay_ratio_c(s.decay, target, cap, i, total)
            except ZeroDivisionError:
                s.error = (f"ZeroDivisionError: end_step - start_step + 1 ({end - start + 1}) is smaller than "
                           f"update_frequency_on_step ({freq}): INC divides by zero at step {start}")
                s.updates = []
                return s
            except Exception as e:
                s.error = f"AssertionError: {e}" if isinstance(e, ValueError) else f"{type(e).__name__}: {e}"
                s.updates = []
                return s
            if isinstance(r, complex):
                s.error = "ArithmeticError: the curve leaves the real numbers (a ratio above 1?)"
                s.updates = []
                return s
        s.updates.append(Update(step, r, "prune", i))
    if not oneshot and s.updates and s.updates[-1].ratio < min(target, cap) - 1e-12:
        s.notes.append(f"the experimental pruner's last update aims at {s.updates[-1].ratio:.4g}, short of "
                       f"{min(target, cap):g} (it divides by (end - start + 1) // frequency updates)")
    return s


def schedule_d(cfg: dict, index: int = 1, label: str = "") -> PrunerSchedule:
    """One INC 1.x pruner (dialect D): epochs, not steps."""
    ptype = str(cfg.get("prune_type") or "basic_magnitude")
    s = _base(index, label or f"pruner {index}", "D", ptype)
    s.unit = "epoch"
    start, end = step_int(cfg.get("start_epoch", 0)), step_int(cfg.get("end_epoch", 4))
    freq = _num(cfg.get("update_frequency", 1.0))
    initial, target = _num(cfg.get("initial_sparsity", 0.0)), _num(cfg.get("target_sparsity", 0.97))
    s.start, s.end, s.frequency, s.target = start, end, freq, target
    s.initial = initial or 0.0
    if ptype == "pattern_lock":
        s.mode = "lock"
        s.notes.append("pattern_lock keeps the zeros the weights already have; it sets no target")
        return s
    if ptype == "gradient_sensitivity" and cfg.get("parameters"):
        s.mode = "none"
        s.notes.append("gradient_sensitivity with parameters prunes heads by importance, not by this curve")
        return s
    if None in (start, end, freq, initial, target) or freq <= 0 or end < start:
        s.error = "the schedule needs integer start_epoch <= end_epoch, update_frequency > 0, numeric ratios"
        return s
    s.mode = "oneshot" if start == end else "iterative"
    for e in (start + j for j in _sampled(end - start + 1)):
        if start == end:
            r = target
        else:
            r = initial + (target - initial) * ((e - start + 1) // freq) * freq / (end - start + 1)
        s.updates.append(Update(e, r, "prune", e - start))
    s.notes.append("INC 1.x prunes each weight tensor to this ratio at the start of each epoch, plus the "
                   "elements equal to the threshold (at least one per tensor)")
    return s
