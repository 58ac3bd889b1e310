"""`prune-lsp watch` end to end on a simulated training run (sim_training.py writes checkpoints with
known sparsity at known steps, slowly, while watch polls): every checkpoint reported once, never
half-written, at its step, with the exact sparsity written, against the schedule INC 2.6 itself
recorded for the config; a checkpoint whose tensors did not change is not recounted; a run that
does not prune is flagged; Ctrl-C stops it with exit 130 and no traceback."""

from __future__ import annotations

import json

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CONFIG = HERE.parent / "schedule" / "configs" / "b_exp_div.yaml"
BLOCKS = 16 * 64  # 4x1 blocks of one 64x64 layer


def inc_expected(calls, step):
    """The ratio INC's scheduler set at its last update before `step` optimizer steps."""
    r = 0.0
    for c in calls:
        if c[0] < step:
            r = c[3]
    return r


def start_when_first_file_appears(run_dir: Path, argv: list, writer: subprocess.Popen,
                                  timeout: float = 120.0) -> subprocess.Popen:
    """Start `argv` as soon as the run folder has its first (still half-written) entry, so that a
    slow start of the writer (torch's import on a loaded machine) does not count as idle time."""
    t_end = time.time() + timeout
    while not any(run_dir.iterdir()):
        assert time.time() < t_end, "the run wrote nothing"
        if writer.poll() is not None:
            raise AssertionError(f"the run ended without writing: {writer.stderr.read()[-2000:]}")
        time.sleep(0.02)
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_watch(tmp_path, plan, idle=6.0):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    sim = subprocess.Popen([sys.executable, str(HERE / "sim_training.py"), str(run_dir), str(tmp_path / "plan.json")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watch = start_when_first_file_appears(run_dir, [
        sys.executable, "-m", "prune_lsp", "watch", str(run_dir), "--config", str(CONFIG), "--format", "jsonl",
        "--poll", "0.05", "--exit-when-idle", str(idle)], sim)
    _, sim_err = sim.communicate(timeout=300)
    assert sim.returncode == 0, sim_err[-2000:]
    out, err = watch.communicate(timeout=120)
    assert watch.returncode == 0, err[-2000:]
    return [json.loads(line) for line in out.splitlines()], run_dir


@pytest.mark.oracle
def test_simulated_run_on_schedule(tmp_path, inc_record):
    calls = inc_record[CONFIG.name]["pruners"][0]["calls"]
    steps = [(7, "hf", 0), (11, "pt", 1), (15, "hf", 2), (19, "pt", 3), (23, "pt", 3)]  # 23 repeats 19's tensors
    plan = {"checkpoints": [{"step": s, "ratio": inc_expected(calls, s if s != 23 else 19), "format": f, "seed": seed}
                            for s, f, seed in steps], "pause": 0.3, "chunk_pause": 0.25}
    rows, run_dir = run_watch(tmp_path, plan)
    assert [r["step"] for r in rows] == [s for s, _, _ in steps]  # each once, in order, no half-written one
    for r, ck in zip(rows, plan["checkpoints"]):
        assert r["error"] is None
        assert set(r) >= {"path", "step", "inc", "pruners"}
        (p,) = r["pruners"]
        written = int(ck["ratio"] * BLOCKS) / BLOCKS
        assert p["measured"] == pytest.approx(written, abs=1e-12)
        assert p["scheduled"] == pytest.approx(inc_expected(calls, r["step"]), abs=1e-12)
        if r["step"] != 23:  # 23 still shows step 19's sparsity while INC's schedule moved on (update at 22)
            assert p["flags"] == [], p["flags"]
    assert rows[-1]["tensors"]["reused"] == 8 and rows[-1]["tensors"]["counted"] == 0  # unchanged: not recounted
    # step 19's weights are new, its 4 biases (all ones) are the bytes step 11's .pt already had
    assert rows[-2]["tensors"] == {"counted": 4, "reused": 4}
    assert any("behind schedule" in f for f in rows[-1]["pruners"][0]["flags"])
    svg = (run_dir / "prune-lsp-watch.svg").read_text()
    assert svg.count("<title>measured ") == len(rows)  # one measured point per checkpoint in the chart


def test_a_run_that_does_not_prune_is_flagged(tmp_path):
    plan = {"checkpoints": [{"step": 11, "ratio": 0.0, "format": "hf"}, {"step": 15, "ratio": 0.0, "format": "pt"}],
            "pause": 0.2, "chunk_pause": 0.1}
    rows, _ = run_watch(tmp_path, plan)
    assert [r["step"] for r in rows] == [11, 15]
    for r in rows:
        assert any(f.startswith("not pruning") for f in r["pruners"][0]["flags"]), r


def test_dense_layers_and_sparsity_above_the_schedule_are_flagged(tmp_path):
    plan = {"checkpoints": [{"step": 11, "ratio": 0.9, "format": "pt", "dense": ["fc2"]}], "pause": 0.1,
            "chunk_pause": 0.1}
    rows, _ = run_watch(tmp_path, plan)
    (r,) = rows
    flags = r["pruners"][0]["flags"]
    assert r["pruners"][0]["measured"] == pytest.approx(2 * int(0.9 * BLOCKS) / (3 * BLOCKS), abs=1e-12)
    assert any(f.startswith("above target") for f in flags), flags
    assert any(f.endswith("still dense: fc2") for f in flags), flags


def test_ctrl_c_stops_cleanly(tmp_path):
    p = subprocess.Popen([sys.executable, "-m", "prune_lsp", "watch", str(tmp_path), "--poll", "0.05"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    line = p.stdout.readline()  # "watching ..." once it runs
    assert line.startswith("watching") and time.time() < deadline
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 130
    assert "Traceback" not in err

