"""analysis.schedule against INC 2.6 itself: every config under tests/schedule/configs/ (the
project's own, >= 40, all four dialects INC trains with, every decay type, one-shot, iterative,
progressive, caps, frequencies that do not divide the range) is trained on a small model by INC's
own pruning code (inc_record_schedule.py, in the oracle venv), which records the target its
scheduler returns at each mask update and the real zero ratio of the pruned weights after every
step. Our schedule must give the same steps, counts and targets (to 1e-12), the same error where
INC raises, and a range that holds the weights INC really pruned.

Beyond training-time pruning (each recorded the same way): the `mha` pattern (whole attention
heads, on a model with one self-attention block), the calibration-time types (sparse_gpt prunes
once to its target, no decay and no cap; retrain_free runs the scheduler per calibration batch and
writes the masks into the weights only at batch end_step), INC's Keras pruner (k_*.yaml, in a
copy of the oracle venv with TensorFlow), and lock_init_sparsity (weights that already have zero
blocks: the curve starts from INC's init_sparsity_ratio, and a pruner already above its target
never updates: INC stops once above target).

The recording is cached in ~/.cache/prune-lsp/schedule/ (or $PRUNE_LSP_SCHEDULE_CACHE), keyed by the
hash of the recorder and the config text; without it the oracle is run again.
"""

from __future__ import annotations

import pytest

from analysis.schedule import DECAY_TYPES, schedule_v2, schedules_from_file
from tests.schedule.conftest import CONFIGS

HEADS = 8  # inc_toy_models.HEADS: an mha pruner prunes whole heads, 1/8 at a time

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
    assert {"oneshot", "iterative", "progressive", "lock", "calibration"} <= modes
    names = {p.stem for p in CONFIGS}
    assert any("mha" in n for n in names) and any(n.startswith("k_") for n in names)
    assert {"a_lock_init_below", "a_lock_init_above", "a_sparse_gpt_cap", "a_retrain_free_short"} <= names
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
        cfg = cs.anchors[i].as_dict() if cs.dialect in ("A", "B") else {}
        if theirs.get("prezero") is not None:
            if any("lock_init_sparsity" in n for n in ours.notes):
                # INC locked the zeros the model was given (exactly the share made) ...
                assert theirs["init"] == pytest.approx(theirs["prezero"], abs=1e-12)
                # ... and the schedule, told that run-time figure, is INC's
                ours = schedule_v2(dict(cfg, lock_init_sparsity=True), i + 1, "", cs.dialect,
                                   init_sparsity=theirs["init"])
            else:
                assert theirs["init"] == 0.0  # no lock_init_sparsity reached the pruner
        calls = theirs["calls"]
        mine = ours.prune_updates
        if "calibration" in rec:  # retrain_free: one scheduler step per calibration batch that ran
            mine = [u for u in mine if u.step < rec["calibration"]]
            if ours.pruning_type.startswith("sparse_gpt"):
                mine = []  # no scheduler: fasterprune takes target_sparsity itself
        assert [u.step for u in mine] == [c[0] for c in calls], f"pruner {i + 1}: update steps"
        if ours.unit != "epoch":
            assert [u.count for u in mine] == [c[1] for c in calls], f"pruner {i + 1}: completed_pruned_cnt"
        for u, c in zip(mine, calls):
            assert (u.target if u.target is not None else u.ratio) == pytest.approx(c[3], abs=1e-12, rel=0)
        if "calibration" in rec:  # what the saved weights hold once calibration ran
            ((batches, zero_ratio),) = theirs["weights"]
            assert zero_ratio == pytest.approx(ours.after_calibration(batches), abs=0.01), (batches, zero_ratio)
            continue
        if ours.mode == "lock" and theirs.get("prezero") is not None:  # never updated: the locked zeros stay
            assert calls == [] and theirs["weights"][-1][1] == pytest.approx(theirs["init"], abs=0.01)
            continue
        # the weights INC really pruned: never below the schedule; for magnitude pruners (no ties in
        # gradient scores) whose layers no other pruner touches, not above it either
        alone = not any(modules[i] & m for j, m in enumerate(modules) if j != i)
        # (zeros a model starts with, unlocked, fade as training updates them: no upper bound then)
        exact = alone and "magnitude" in ours.pruning_type and ours.dialect != "C" and theirs.get("prezero") is None
        heads = cfg.get("pattern") == "mha"
        for steps_done, zero_ratio in theirs["weights"]:
            rng = ours.expected_range_after(steps_done)
            if rng is None:
                continue
            if heads:  # whole heads: int(ratio * heads) of them
                assert rng[0] - 1 / HEADS - 1e-9 <= zero_ratio <= rng[1] + 1e-9, (steps_done, rng, zero_ratio)
                continue
            if alone:
                assert zero_ratio >= rng[0] - 0.01, (steps_done, rng, zero_ratio)
            if exact:
                assert zero_ratio <= rng[1] + 0.01, (steps_done, rng, zero_ratio)
