"""PL090, PL091, PL093 through the engine (the editor's and `check`'s path): each on a config that
breaks it, at the setting that causes it, and not on its twin one change away."""

from __future__ import annotations

from analysis.engine import check_text

from tests.schedule.conftest import HERE

CFG = HERE / "configs"


def codes(text):
    return [(d.code, d.range.start.line) for d in check_text(text).diagnostics if d.code in ("PL090", "PL091", "PL093")]


def test_pl091_frequency_prunes_once():
    text = (CFG / "b_range_below_freq.yaml").read_text()
    line = next(i for i, ln in enumerate(text.splitlines()) if "pruning_frequency" in ln)
    assert codes(text) == [("PL091", line)]
    assert codes(text.replace("pruning_frequency: 10", "pruning_frequency: 1")) == []


def test_pl093_schedule_stops_short():
    text = (CFG / "c_freq1.yaml").read_text()
    assert [c for c, _ in codes(text)] == ["PL093"]
    assert codes(text.replace("end_step: 9", "end_step: 1000")) == []  # 0.03 % short: not material


def test_pl090_run_ends_before_the_last_update():
    text = (CFG / "d_oneshot.yaml").read_text()
    assert [c for c, _ in codes(text)] == ["PL090"]
    assert codes(text.replace("\n    epoch: 2\n", "\n    epoch: 3\n")) == []
