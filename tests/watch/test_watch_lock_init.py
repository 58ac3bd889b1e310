"""watch with lock_init_sparsity (a pruner's own key): INC starts the curve from the pattern
sparsity the weights have at start_step, which only the run knows. Until a checkpoint shows it the
schedule is drawn from 0 and sparsity above it is not flagged; a checkpoint written after exactly
start_step steps gives it, and from then on the schedule is INC's curve from that point (the same
curve tests/schedule checks against INC 2.6's recording of a_lock_init_below.yaml)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from analysis.schedule import schedule_v2
from analysis.watch.follow import Watcher

torch = pytest.importorskip("torch")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from sim_training import state  # noqa: E402

CONFIG = HERE.parent / "schedule" / "configs" / "a_lock_init_below.yaml"  # start 0, end 8, every 2; 4x1
BLOCKS = 16 * 64


def _save(path: Path, ratio: float, seed: int) -> None:
    buf = io.BytesIO()
    torch.save(state(ratio, seed), buf)
    path.write_bytes(buf.getvalue())


def _rows(w):
    out = []
    w.poll(out.append)
    return out


def test_the_curve_starts_from_the_sparsity_at_start_step(tmp_path):
    w = Watcher(str(tmp_path), str(CONFIG))
    assert w.schedule.pruners[0].init_unknown
    _save(tmp_path / "step_3.pt", 0.5, 1)  # before any checkpoint at start_step: above the curve from 0 ...
    (r,) = _rows(w)
    assert r.pruners[0]["scheduled"] < 0.5 and r.pruners[0]["flags"] == []  # ... and not flagged
    _save(tmp_path / "step_0.pt", 0.25, 2)  # the weights INC locks at start_step 0
    (r0,) = _rows(w)
    init = int(0.25 * BLOCKS) / BLOCKS
    assert r0.pruners[0]["measured"] == pytest.approx(init, abs=1e-12)
    assert any("lock_init_sparsity" in n for n in r0.notes)
    s = w.schedule.pruners[0]
    assert not s.init_unknown and s.targets[0] == [0, pytest.approx(init)]
    cfg = dict(lock_init_sparsity=True, start_step=0, end_step=8, pruning_frequency=2, target_sparsity=0.8,
               sparsity_decay_type="exp", pruning_type="magnitude")
    theirs = schedule_v2(cfg, init_sparsity=init).targets
    assert [t[0] for t in s.targets] == [t[0] for t in theirs]
    assert [t[1] for t in s.targets] == pytest.approx([t[1] for t in theirs], abs=1e-12)
    expected = s.expected_after(5)
    _save(tmp_path / "step_5.pt", expected, 3)
    (r5,) = _rows(w)
    assert r5.pruners[0]["scheduled"] == pytest.approx(expected) and r5.pruners[0]["flags"] == []
    assert expected > schedule_v2(dict(cfg, lock_init_sparsity=False)).expected_after(5)  # higher than from 0
