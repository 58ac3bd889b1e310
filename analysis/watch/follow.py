"""The poll loop: discover checkpoints, wait until each is complete, measure each once (unchanged
tensors reused), compare with the schedule, hand each result to a callback."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from .complete import file_complete, files_of_index, needs_stable_poll, snapshot
from .discover import Candidate, discover
from .reuse import CountsCache

SETTLE_S = 0.05
  # a complete-looking checkpoint is stat'ed again after this long before it is read


@dataclass
class Result:
    path: str
    step: Optional[int]
    report: Optional[dict]
    pruners: list = field(default_factory=list)
    error: Optional[str] = None
    seconds: float = 0.0
    reused: int = 0
    counted: int = 0
    completed_at: float = 0.0  # when the checkpoint was seen complete (time.time())
    epoch: Optional[float] = None  # epochs done (trainer_state.json, or steps / steps per epoch)
    epoch_source: str = ""
    unit: str = "step"  # the schedule's: "epoch" for an INC 1.x config
    inc_1x: Optional[dict] = None  # INC 1.x config: {"total_sparsity": report_sparsity() as a ratio}
    notes: list = field(default_factory=list)

    @property
    def x(self) -> Optional[float]:
        """Where the checkpoint sits on the schedule's axis (steps, or epochs done for INC 1.x)."""
        return self.epoch if self.unit == "epoch" else self.step

    def to_json(self) -> dict:
        r = self.report or {}
        # (INC 2.x's get_sparsity_ratio figures mean nothing for an INC 1.x run: inc_1x instead)
        out = {"path": self.path, "step": self.step, "epoch": self.epoch,
               "inc": r.get("inc") if self.unit != "epoch" else None,
               "pruners": [{"index": p["index"], "measured": p["measured"], "scheduled": p["scheduled"],
                            "scheduled_low": p["scheduled_low"], "flags": p["flags"]} for p in self.pruners],
               "error": self.error, "seconds": round(self.seconds, 4),
               "tensors": {"counted": self.counted, "reused": self.reused}, "notes": list(self.notes)}
        if self.unit == "epoch":
            out["epoch_source"] = self.epoch_source or None
            out["inc_1x"] = self.inc_1x
        return out


class Watcher:
    def __init__(self, run_dir: str, config: Optional[str] = None, device: str = "cpu",
                 steps_per_epoch: Optional[int] = None):
        from analysis.sparsity.torch_backend import resolve_device

        self.run_dir = run_dir
        self.config = config
        self.device = resolve_device(device)
        self.cache = CountsCache()
        self.seen: dict[str, tuple] = {}  # path -> snapshot measured
        self.pending: dict[str, tuple] = {}
        self.schedule = None
        self.specs = None
        self.notes: list[str] = []
        self.clock = None  # INC 1.x config: how steps map to epochs (legacy.py)
        if config is not None:
            from analysis.schedule import ScheduleError, schedules_from_file
            from analysis.sparsity.report import SparsityError, pruner_specs_from_config

            from .legacy import clock_for

            try:
                self.schedule = schedules_from_file(config)
            except ScheduleError as e:
                self.notes.append(f"no schedule: {e}")
            if self.legacy:
                self.clock = clock_for(self.schedule, steps_per_epoch)
                self.notes.append("INC 1.x config: pruners schedule by epoch and prune the parameters their `names` "
                                  "list; " + (f"{self.clock.steps_per_epoch} steps per epoch ({self.clock.source})"
                                              if self.clock.steps_per_epoch else
                                              "a checkpoint's epoch comes from its trainer_state.json only (pass "
                                              "--steps-per-epoch N for others)"))
                self.specs = []  # selected per checkpoint by parameter name (measure)
            else:
                try:
                    self.specs, _ = pruner_specs_from_config(config)
                except SparsityError as e:
                    self.notes.append(f"no pruner selection ({e}); INC's default pruner is used")
        if self.specs is None:
            from analysis.sparsity.report import pruner_specs_from_config

            self.specs, _ = pruner_specs_from_config(None)

    @property
    def legacy(self) -> bool:
        return self.schedule is not None and self.schedule.dialect == "D"

    def _files(self, c: Candidate) -> list[str]:
        out = []
        for f in c.files:
            out.extend(files_of_index(f) if f.endswith(".safetensors.index.json") else [f])
        return out

    def ready(self, c: Candidate) -> Optional[tuple]:
        """The checkpoint's snapshot when it is completely written and new, else None."""
        files = self._files(c)
        snap = snapshot(files)
        if snap is None or self.seen.get(c.path) == snap:
            return None
        structural = all(file_complete(f) for f in files)
        if not structural:
            self.pending[c.path] = snap
            return None
        if self.pending.get(c.path) != snap and any(needs_stable_poll(f) for f in files):
            self.pending[c.path] = snap  # no end marker: unchanged until the next poll
            return None
        if self.pending.get(c.path) != snap:
            time.sleep(SETTLE_S)  # complete and maybe still being touched: look again shortly
            again = snapshot(files)
            if again != snap:
                self.pending[c.path] = again
                return None
        return snap

    def poll(self, on_result: Callable[[Result], None]) -> int:
        """One pass over the folder; returns how many checkpoints were measured."""
        n = 0
        for c in discover(self.run_dir):
            snap = self.ready(c)
            if snap is None:
                continue
            t_complete = time.time()
            res = self.measure(c)
            res.completed_at = t_complete
            self.seen[c.path] = snap
            self.pending.pop(c.path, None)
            on_result(res)
            n += 1
        return n

    def measure(self, c: Candidate) -> Result:
        from analysis.sparsity.access import open_model_tensors
        from analysis.sparsity.report import _select, build_report

        from .compare import compare

        t0 = time.perf_counter()
        res = Result(os.path.relpath(c.path, self.run_dir), c.step, None)
        try:
            from analysis.models import load_layer_index

            index = load_layer_index(c.path)
            with open_model_tensors(c.path, index) as tensors:
                if self.legacy:
                    self._measure_legacy(c, res, index, tensors, build_report, compare)
                else:
                    selections = [(spec, _select(spec.config, index)[0]) for spec in self.specs]
                    report = build_report(index, tensors, selections, self.device, reuse=self.cache)
                    res.report = report
                    res.reused, res.counted = self.cache.last_reused, self.cache.last_counted
                    res.pruners = compare(report, self.schedule, c.step)
                    res.epoch = c.epoch
                    if self._learn_locked_init(c, res):
                        res.pruners = compare(report, self.schedule, c.step)
        except Exception as e:  # one checkpoint that cannot be read does not stop the watch
            res.error = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        res.seconds = time.perf_counter() - t0
        return res

    def _learn_locked_init(self, c: Candidate, res: Result) -> bool:
        """lock_init_sparsity: INC starts a pruner's curve from the pattern sparsity its weights have
        at start_step (basic.py update_masks). A checkpoint written after exactly start_step steps
        holds those weights, so its measured figure is that starting point: the schedule is rebuilt
        from it (once). True when a schedule changed."""
        from analysis.schedule.inc import schedule_v2

        changed = False
        for i, s in enumerate(self.schedule.pruners if self.schedule is not None else []):
            row = res.pruners[i] if i < len(res.pruners) else None
            if not s.init_unknown or c.step is None or c.step != s.start or row is None or row["measured"] is None:
                continue
            cfg = dict(self.schedule.anchors[i].as_dict(), lock_init_sparsity=True)
            learned = schedule_v2(cfg, s.index, s.label, s.dialect, init_sparsity=row["measured"])
            self.schedule.pruners[i] = learned
            res.notes.append(f"pruner {i + 1}: lock_init_sparsity: the weights at start_step {s.start} have "
                             f"{row['measured']:.4g}, where INC starts its curve: the schedule now starts there")
            changed = True
        return changed

    def _measure_legacy(self, c: Candidate, res: Result, index, tensors, build_report, compare) -> None:
        """An INC 1.x config: selection by parameter name, INC 1.x's figure, the epoch's schedule."""
        from analysis.sparsity.report import PrunerSpec

        from . import legacy

        shapes = {}
        for lay in index.layers:
            for p in (lay.params or ()) + ((lay.weight,) if lay.weight else ()):
                h = tensors.get(p)
                if h is not None:
                    shapes[p] = tuple(h.shape)
        selections = []
        for i, (sched, names) in enumerate(zip(self.schedule.pruners, self.schedule.names)):
            layers, notes = legacy.selected_layers(names, index, shapes)
            res.notes.extend(f"pruner {i + 1}: {n}" for n in notes)
            # "1x1": element-wise counts (INC 1.x's masks zero single weights, or whole tiles that
            # still count as their elements)
            spec = PrunerSpec(i + 1, sched.label, {"pattern": "1x1", "prune_type": sched.pruning_type,
                                                   "target_sparsity": sched.target})
            selections.append((spec, layers))
        report = build_report(index, tensors, selections, self.device, reuse=self.cache)
        res.report = report
        res.reused, res.counted = self.cache.last_reused, self.cache.last_counted
        res.unit = "epoch"
        res.inc_1x = {"total_sparsity": legacy.report_sparsity(report, index, tensors, self.cache)}
        res.epoch, res.epoch_source, first = legacy.checkpoint_epoch(c.epoch, c.step, self.clock)
        position = legacy.epochs_begun(res.epoch, first) if res.epoch is not None else None
        if position is None:
            res.notes.append(legacy.unknown_epoch_note(self.clock))
        measured = [legacy.pruner_ratio(report, layers) for _, layers in selections]
        res.pruners = compare(report, self.schedule, position, measured=measured)
