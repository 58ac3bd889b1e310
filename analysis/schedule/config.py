"""Schedules of a config file: each pruner's effective settings (analysis.engine / merge, INC's own
merge) turned into INC's schedule (inc.py). Dialect D (INC 1.x) is merged here: a `!Pruner`
overrides the global `initial_sparsity, target_sparsity, start_epoch, end_epoch, update_frequency`
(experimental/pruner_legacy/pruner.py), but a `!Pruner` always has an update_frequency (class
default 1), so the global one is never used (recorded from INC 2.6: tests/schedule). Its
`pruning.train` section says how many epochs run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Optional

from ..diagnostics import Severity
from .findings import DIVIDES_BY_ZERO, ENDS_AFTER_RUN, PRUNES_ONCE, STOPS_SHORT
from .inc import MAX_LISTED, PrunerSchedule, schedule_c, schedule_d, schedule_v2

# Codes `schedule` finds itself, with the run length it is given (schedule_findings)
_OWN_FINDINGS = frozenset({DIVIDES_BY_ZERO, ENDS_AFTER_RUN, PRUNES_ONCE, STOPS_SHORT})

# Every key schedule_v2 reads: two pruners equal on these have the same schedule.
_V2_SCHEDULE_KEYS = ("pruning_type", "start_step", "end_step", "pruning_frequency", "target_sparsity",
                     "max_sparsity_ratio_per_op", "sparsity_decay_type", "lock_init_sparsity")

_D_GLOBAL = {"initial_sparsity": 0.0, "target_sparsity": 0.97, "start_epoch": 0, "end_epoch": 4,
             "update_frequency": 1.0, "prune_type": "basic_magnitude"}
_D_LOCAL = ("initial_sparsity", "target_sparsity", "start_epoch", "end_epoch", "update_frequency")


class ScheduleError(Exception):
    """The config cannot be read or holds no pruning config (one line)."""


@dataclass
class ConfigSchedule:
    path: Optional[str]
    dialect: str
    pruners: list[PrunerSchedule] = field(default_factory=list)
    # dialect D: how many epochs INC's own loop runs, as the first epoch number it never reaches
    # (adaptor/pytorch.py train: range(start_epoch, end_epoch), `epoch` unused; tensorflow.py:
    # range(end_epoch - start_epoch) when both are set, else range(epoch)); train_epochs_key says
    # which key that came from
    train_epochs: Optional[int] = None
    train_epochs_key: Optional[str] = None
    anchors: list = field(default_factory=list)  # per pruner: the EffectivePruner (A/B/C) or entry (D)
    # dialect D, per pruner: its `names` (parameter names INC 1.x prunes), None when absent (then INC
    # 1.x prunes every parameter of 2 or 4 dimensions: Pruner.__init__ takes get_all_weight_names())
    names: list = field(default_factory=list)
    # dialect D: pruning.train's integer keys (start_epoch, end_epoch, iteration, epoch); INC's own
    # PyTorch loop (adaptor/pytorch.py train) runs epochs start_epoch..end_epoch-1 of at most
    # `iteration` steps each, calling on_epoch_begin(epoch) with those numbers
    train: dict = field(default_factory=dict)
    # the config's errors (Diagnostics): INC would not train with it, so the schedule is hypothetical
    errors: list = field(default_factory=list)
    configs_in_file: int = 1  # a Python file may build several; the schedule is the first's

    def to_json(self) -> dict:
        out = {"pruners": [p.to_json() for p in self.pruners], "dialect": self.dialect}
        if self.train_epochs is not None:
            out["train_epochs"] = self.train_epochs
        return out


def _copy(s: PrunerSchedule) -> PrunerSchedule:
    out = object.__new__(PrunerSchedule)
    out.__dict__.update(s.__dict__)
    return out


def schedules_for_checked(checked, listed: int = MAX_LISTED, only_v2=None) -> ConfigSchedule:
    """From an analysis.engine CheckedConfig (its ConfigDoc and effective pruners). `listed`: how many
    updates of each A/B/C pruner to compute (schedule_v2); the rules ask for 2, the first and last.
    `only_v2`: for dialects A and B, a test of an effective pruner; the others are left out (the
    rules compute only the schedules that can have a finding)."""
    doc = checked.config
    dialect = doc.dialect.id
    cs = ConfigSchedule(None, dialect)
    if dialect in ("A", "B"):
        # A generated config repeats one schedule thousands of times (21,000 pruners took 60 s to
        # simulate step by step): compute each distinct one once, per check.
        seen: dict[str, PrunerSchedule] = {}
        for i, ep in enumerate(checked.pruners):
            if only_v2 is not None and not only_v2(ep):
                continue
            st = ep.settings  # the key reads the settings as ep.as_dict() would give them, without the dict
            lock = _lock_init(ep)
            key = repr([(k in st, st[k].value if k in st else None) for k in _V2_SCHEDULE_KEYS] + [lock])
            got = seen.get(key)
            if got is None:
                cfg = ep.as_dict()
                if lock is not None:
                    cfg["lock_init_sparsity"] = lock
                got = seen[key] = schedule_v2(cfg, i + 1, ep.label(), dialect, listed=listed)
            else:
                # A shallow copy (what dataclasses.replace makes, at a tenth of its cost): shares the
                # (read-only) updates and notes.
                got = _copy(got)
                got.index, got.label = i + 1, ep.label()
            cs.pruners.append(got)
            cs.anchors.append(ep)
    elif dialect == "C":
        for i, ep in enumerate(checked.pruners):
            cfg = ep.as_dict()
            cs.pruners.append(schedule_c(cfg, i + 1, ep.label(), listed=listed))
            cs.anchors.append(ep)
    elif dialect == "D":
        _d(doc, cs)
    return cs


def _lock_init(ep):
    """A pruner's own `lock_init_sparsity` (INC keeps a pruner's unknown keys as extras, and its
    pruners read this one); as a global WeightPruningConfig keyword INC drops it (recorded from INC
    2.6: tests/schedule/configs/a_lock_init_global_ignored.yaml)."""
    pair = (getattr(ep, "extra", None) or {}).get("lock_init_sparsity")
    return getattr(pair.value, "value", None) if pair is not None else None


def _d(doc, cs: ConfigSchedule) -> None:
    from ..config_doc import path_value
    from ..yaml_tree import Mapping, to_python

    g = doc.globals
    glob = dict(_D_GLOBAL)
    if isinstance(g, Mapping):
        for p in g.pairs:
            if isinstance(p.name, str) and p.name != "pruners":
                v = to_python(p.value, null_as_empty_dict=True)
                if v is not None:
                    glob[p.name] = v
    for key in ("epoch", "start_epoch", "end_epoch", "iteration"):
        node = path_value(doc.root, "pruning", "train", key)
        v = to_python(node) if node is not None else None
        if isinstance(v, int) and not isinstance(v, bool):
            cs.train[key] = v
    fw = path_value(doc.root, "model", "framework")
    tf = isinstance(to_python(fw) if fw is not None else None, str) and "tensorflow" in to_python(fw).lower()
    if "end_epoch" in cs.train:
        cs.train_epochs_key = "end_epoch"
        cs.train_epochs = cs.train["end_epoch"] - (cs.train.get("start_epoch", 0) if tf else 0)
    elif "epoch" in cs.train:
        cs.train_epochs_key, cs.train_epochs = "epoch", cs.train["epoch"]
    for i, entry in enumerate(doc.pruners):
        cfg = dict(glob)
        m = entry.mapping
        if isinstance(m, Mapping):
            for p in m.pairs:
                if not isinstance(p.name, str):
                    continue
                v = to_python(p.value, null_as_empty_dict=True)
                if p.name in _D_LOCAL and v is not None:
                    cfg[p.name] = v
                elif p.name in ("prune_type", "parameters", "names"):
                    cfg[p.name] = v
        local = set(m.keys()) if isinstance(m, Mapping) else set()
        # the `!Pruner` class defaults (conf/config.py Pruner), not the global values
        if "prune_type" not in local:
            cfg["prune_type"] = "basic_magnitude"
        if "update_frequency" not in local or cfg.get("update_frequency") is None:
            cfg["update_frequency"] = 1
        names = cfg.get("names")
        label = f"pruner {i + 1}" + (f" ({', '.join(map(str, names[:2]))}{', ...' if len(names) > 2 else ''})"
                                     if isinstance(names, list) and names else "")
        sched = schedule_d(cfg, i + 1, label)
        cs.names.append([str(n) for n in names] if isinstance(names, list) else None)
        gfreq = glob.get("update_frequency")
        if "update_frequency" not in local and gfreq not in (None, 1, 1.0):
            sched.notes.append(f"the global update_frequency ({gfreq}) is ignored: a `!Pruner` has its own, 1 by "
                               "default (conf/config.py Pruner)")
        cs.pruners.append(sched)
        cs.anchors.append(entry)


def schedules_from_text(text: str, path: Optional[str] = None) -> ConfigSchedule:
    if path is not None and str(path).endswith(".py"):
        from ..python_config import check_python_text

        result = check_python_text(text, str(path))
    elif path is not None and str(path).endswith(".json"):  # JSON's own grammar: no trailing commas, 1e3 a number
        from ..json_config import check_json_text

        result = check_json_text(text, str(path))
    else:
        from ..engine import check_text

        result = check_text(text, path=os.fspath(path) if path else None)
    for checked in result.configs:
        if checked.config.unrecognised:
            continue
        cs = schedules_for_checked(checked)
        if cs.pruners:
            cs.path = os.fspath(path) if path else None
            # What `check` finds that INC raises on (the schedule's own findings are made with the run length)
            cs.errors = [d for d in result.diagnostics if d.severity is Severity.ERROR and d.code not in _OWN_FINDINGS]
            cs.configs_in_file = sum(1 for c in result.configs if not c.config.unrecognised)
            return cs
    first = next((d for d in result.diagnostics if d.severity is Severity.ERROR), None)
    why = f" (line {first.range.start.line + 1}: {first.code} {first.message})" if first is not None else ""
    raise ScheduleError(f"{path or '<text>'}: no pruning config with pruners INC schedules (dialects A, B, C or D)"
                        f"{why}")


def schedules_from_file(path) -> ConfigSchedule:
    from pathlib import Path

    from ..files import ReadError, read_text

    try:
        text = read_text(Path(path))
    except ReadError as e:
        raise ScheduleError(f"{path}: {e}") from None
    return schedules_from_text(text, os.fspath(path))
