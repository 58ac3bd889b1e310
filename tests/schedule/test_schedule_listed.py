"""The check's schedule rules (analysis/rules/schedule.py) compute each pruner's first and last updates
only (`listed=2`); `prune-lsp schedule` and the hover list them all. The findings must not tell the two
apart: random schedules of dialects A/B and C, every pruning and decay type, compared finding by finding."""

from __future__ import annotations

import random

from analysis.schedule.findings import pruner_findings
from analysis.schedule.inc import MAX_LISTED, schedule_c, schedule_v2

V2_TYPES = ["magnitude", "snip_momentum", "snip_momentum_progressive", "magnitude_progressive", "pattern_lock",
            "snip", "retrain_free", "sparse_gpt"]
C_TYPES = ["magnitude", "snip_momentum", "snip", "pattern_lock"]
DECAYS = ["exp", "cos", "linear", "cube", "bogus"]


def _cfg(rnd: random.Random) -> dict:
    start = rnd.choice([0, 0, 1, 5, 10, 100])
    end = start + rnd.choice([0, 1, 3, 4, 5, 9, 10, 99, 1000, 7001])
    freq = rnd.choice([1, 1, 2, 3, 4, 7, 10, 50, 2000, 10000])
    return {"start_step": start, "end_step": end, "freq": freq, "target_sparsity": rnd.choice([0.0, 0.3, 0.5, 0.9, 0.99, 1.0]),
            "cap": rnd.choice([0.98, 0.5, 0.95, 1.0]), "sparsity_decay_type": rnd.choice(DECAYS)}


def _v2(c: dict, rnd: random.Random) -> dict:
    """A 2.x pruner's effective config from _cfg's values, with a random pruning type."""
    return {"start_step": c["start_step"], "end_step": c["end_step"], "pruning_frequency": c["freq"],
            "target_sparsity": c["target_sparsity"], "max_sparsity_ratio_per_op": c["cap"],
            "sparsity_decay_type": c["sparsity_decay_type"], "pruning_type": rnd.choice(V2_TYPES)}


def _same(full, short) -> None:
    assert pruner_findings(full) == pruner_findings(short)
    assert (full.error, full.mode) == (short.error, short.mode)
    assert full.updates[-1:] == short.updates[-1:] and full.updates[:1] == short.updates[:1]


def test_first_and_last_updates_give_the_findings_of_the_whole_curve():
    rnd = random.Random(11)
    compared = shortened = 0
    for _ in range(3000):
        c = _cfg(rnd)
        v2 = _v2(c, rnd)
        if rnd.random() < 0.1:
            v2["lock_init_sparsity"] = True
        full, short = schedule_v2(v2), schedule_v2(v2, listed=2)
        _same(full, short)
        shortened += len(short.updates) < len(full.updates)
        cc = {"start_step": c["start_step"], "end_step": c["end_step"], "update_frequency_on_step": c["freq"],
              "target_sparsity": c["target_sparsity"], "max_sparsity_ratio_per_layer": c["cap"],
              "sparsity_decay_type": c["sparsity_decay_type"], "prune_type": rnd.choice(C_TYPES)}
        full, short = schedule_c(cc), schedule_c(cc, listed=2)
        _same(full, short)
        shortened += len(short.updates) < len(full.updates)
        compared += 2
    assert compared == 6000 and shortened > 1000  # the short path was really taken


def test_listed_never_goes_above_the_listing_limit():
    s = schedule_v2({"start_step": 0, "end_step": 100_000, "pruning_frequency": 1, "pruning_type": "magnitude"},
                    listed=10 * MAX_LISTED)
    assert len(s.updates) == MAX_LISTED


def test_a_v2_pruner_left_out_by_the_check_has_no_finding_it_reports():
    """The check computes a 2.x schedule only where F.v2_may_find says a finding is possible: on random
    schedules (odd values too), every other one has no finding but the cap's, which PL034 reports."""
    from analysis.schedule import findings as F

    rnd = random.Random(5)
    odd = [None, "10", 2.5, -3, True, float("nan"), 0]
    left_out = kept = found = 0
    for _ in range(4000):
        c = _cfg(rnd)
        v2 = _v2(c, rnd)
        if rnd.random() < 0.2:
            v2[rnd.choice(["start_step", "end_step", "pruning_frequency"])] = rnd.choice(odd)
        if rnd.random() < 0.2:
            v2["target_sparsity"] = rnd.choice([1.5, -0.2, 0.999, 2.0])
        if rnd.random() < 0.1:
            v2["lock_init_sparsity"] = True
        got = [f for f in pruner_findings(schedule_v2(v2, listed=2))
               if not (f.code == F.STOPS_SHORT and f.cause == "cap")]
        found += bool(got)
        if F.v2_may_find(v2.get):
            kept += 1
        else:
            left_out += 1
            assert got == [], (v2, got)
    assert left_out > 2000 and kept > 300 and found > 100  # both paths taken, findings really made
