"""INC 2.6's pruning schedule: the target sparsity each pruner sets at each step where it updates
its masks (inc.py), for a config file of any dialect INC trains with (config.py).

    from analysis.schedule import schedules_from_file
    cs = schedules_from_file("prune.yaml")
    cs.pruners[0].targets            # [[step, ratio], ...]
    cs.pruners[0].expected_after(N)  # what a checkpoint written after N optimizer steps should show

Pure Python: no torch, no INC.
"""

from __future__ import annotations

from .config import ConfigSchedule, ScheduleError, schedules_for_checked, schedules_from_file, schedules_from_text
from .inc import DECAY_TYPES, PrunerSchedule, Update, decay_ratio, schedule_c, schedule_d, schedule_v2

__all__ = ["ConfigSchedule", "ScheduleError", "schedules_for_checked", "schedules_from_file", "schedules_from_text",
           "DECAY_TYPES", "PrunerSchedule", "Update", "decay_ratio", "schedule_c", "schedule_d", "schedule_v2"]
