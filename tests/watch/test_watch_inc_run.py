"""One real run: INC 2.6 prunes a small model with one of the project's configs (its own
prepare_pruning hooks drive the pruners; torch.save writes a state dict every 3 steps), while
`prune-lsp watch` follows the folder. At every checkpoint watch's three figures must equal INC's
own get_sparsity_ratio at that moment, its per-pruner measure INC's current_sparsity_ratio, and the
schedule it compares with is met (no flag)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import INC_PYTHON
from tests.watch.test_watch_sim import start_when_first_file_appears

HERE = Path(__file__).resolve().parent
CONFIG = HERE.parent / "schedule" / "configs" / "b_exp_div.yaml"

pytestmark = pytest.mark.oracle


def test_watch_agrees_with_inc_during_a_real_run(tmp_path):
    if not INC_PYTHON.exists():
        pytest.skip(f"INC 2.6 oracle venv absent ({INC_PYTHON}; scripts/test builds it)")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    figures = tmp_path / "inc_figures.jsonl"
    inc = subprocess.Popen([str(INC_PYTHON), str(HERE / "inc_training_run.py"), str(CONFIG), str(run_dir), str(figures),
                            "26", "3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watch = start_when_first_file_appears(run_dir, [
        sys.executable, "-m", "prune_lsp", "watch", str(run_dir), "--config", str(CONFIG), "--format", "jsonl",
        "--poll", "0.1", "--exit-when-idle", "15"], inc, timeout=600)
    _, inc_err = inc.communicate(timeout=600)
    assert inc.returncode == 0, inc_err[-3000:]
    out, err = watch.communicate(timeout=180)
    assert watch.returncode == 0, err[-2000:]
    rows = [json.loads(line) for line in out.splitlines()]
    theirs = {r["step"]: r for r in map(json.loads, figures.read_text().splitlines())}
    assert [r["step"] for r in rows] == sorted(theirs) == list(range(3, 27, 3))
    for r in rows:
        t = theirs[r["step"]]
        assert list(r["inc"].values()) == pytest.approx(t["inc"], abs=1e-12), r["step"]
        assert [p["measured"] for p in r["pruners"]] == pytest.approx(t["current"], abs=1e-12)
        assert all(p["flags"] == [] for p in r["pruners"]), r
    assert max(t["current"][0] for t in theirs.values()) > 0.75  # the run really pruned
