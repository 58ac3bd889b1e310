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

SETTLE_S = 0.05  # a complete-looking checkpoint is stat'ed again after this long before it is read


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

    def to_json(self) -> dict:
        r = self.report or {}
        return {"path": self.path, "step": self.step, "inc": r.get("inc"),
                "pruners": [{"index": p["index"], "measured": p["measured"], "scheduled": p["scheduled"],
                             "scheduled_low": p["scheduled_low"], "flags": p["flags"]} for p in self.pruners],
                "error": self.error, "seconds": round(self.seconds, 4),
                "tensors": {"counted": self.counted, "reused": self.reused}}


class Watcher:
    def __init__(self, run_dir: str, config: Optional[str] = None, device: str = "cpu"):
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
        if config is not None:
            from analysis.schedule import ScheduleError, schedules_from_file
            from analysis.sparsity.report import SparsityError, pruner_specs_from_config

            try:
                self.schedule = schedules_from_file(config)
            except ScheduleError as e:
                self.notes.append(f"no schedule: {e}")
            try:
                self.specs, _ = pruner_specs_from_config(config)
            except SparsityError as e:
                self.notes.append(f"no pruner selection ({e}); INC's default pruner is used")
        if self.specs is None:
            from analysis.sparsity.report import pruner_specs_from_config

            self.specs, _ = pruner_specs_from_config(None)

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
            selections = [(spec, _select(spec.config, index)[0]) for spec in self.specs]
            with open_model_tensors(c.path, index) as tensors:
                report = build_report(index, tensors, selections, self.device, reuse=self.cache)
            res.report = report
            res.reused, res.counted = self.cache.last_reused, self.cache.last_counted
            res.pruners = compare(report, self.schedule, c.step)
        except Exception as e:  # one checkpoint that cannot be read does not stop the watch
            res.error = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        res.seconds = time.perf_counter() - t0
        return res
