"""analysis.schedule against INC 2.6 itself: every config under tests/schedule/configs/ (the
project's own, >= 40, all four dialects INC trains with, every decay type, one-shot, iterative,
progressive, caps, frequencies that do not divide the range) is trained on a small model by INC's
own pruning code (inc_record_schedule.py, in the oracle venv), which records the target its
scheduler returns at each mask update and the real zero ratio of the pruned weights after every
step. Our schedule must give the same steps, counts and targets (to 1e-12), the same error where
INC raises, and a range that holds the weights INC really pruned.

The recording is cached in ~/.cache/prune-lsp/schedule/ (or $PRUNE_LSP_SCHEDULE_CACHE), keyed by the
hash of the recorder and the config text; without it the oracle is run again.
"""

from __future__ import annotations

import pytest

from analysis.schedule import DECAY_TYPES, schedules_from_file
from tests.schedule.conftest import CONFIGS

def test_the_configs_cover_what_inc_schedules():
    assert len(CONFIGS) >= 40
    modes, decays, dialects = set(), set(), set()
    for p in CONFIGS:
        cs = schedules_from_file(p)
        dialects.add(cs.dialect)
        for s in cs.pruners:
            modes.add(s.mode)
            if s.mode in ("iterative", "progressive"):
                decays.add((s.dialect, s.decay))
    assert {"A", "B", "C", "D"} <= dialects
    assert {"oneshot", "iterative", "progressive", "lock"} <= modes
    assert {("B", d) for d in DECAY_TYPES} <= decays and {("C", d) for d in DECAY_TYPES} <= decays


@pytest.mark.oracle
@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_schedule_is_inc_schedule(inc_record, path):
    rec = inc_record[path.name]
    cs = schedules_from_file(path)
    if not rec["ok"]:
        assert any(s.error for s in cs.pruners), f"INC raises {rec['error']}; our schedule has no error"
        assert any(rec["error"].split(":")[0] in (s.error or "") for s in cs.pruners)
        return
    assert len(cs.pruners) == len(rec["pruners"])
    modules = [set(p["modules"]) for p in rec["pruners"]]
    for i, (ours, theirs) in enumerate(zip(cs.pruners, rec["pruners"])):
        assert ours.error is None, ours.error
        calls = theirs["calls"]
        mine = ours.prune_updates
        assert [u.step for u in mine] == [c[0] for c in calls], f"pruner {i + 1}: update steps"
        if ours.unit == "step":
            assert [u.count for u in mine] == [c[1] for c in calls], f"pruner {i + 1}: completed_pruned_cnt"
        for u, c in zip(mine, calls):
            assert (u.target if u.target is not None else u.ratio) == pytest.approx(c[3], abs=1e-12, rel=0)
        # the weights INC really pruned: never below the schedule; for magnitude pruners (no ties in
        # gradient scores) whose layers no other pruner touches, not above it either
        alone = not any(modules[i] & m for j, m in enumerate(modules) if j != i)
        exact = alone and "magnitude" in ours.pruning_type and ours.dialect != "C"
        for steps_done, zero_ratio in theirs["weights"]:
            rng = ours.expected_range_after(steps_done)
            if rng is None:
                continue
            if alone:
                assert zero_ratio >= rng[0] - 0.01, (steps_done, rng, zero_ratio)
            if exact:
                assert zero_ratio <= rng[1] + 0.01, (steps_done, rng, zero_ratio)
