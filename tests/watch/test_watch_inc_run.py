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
    rows, theirs = _run_inc_and_watch(tmp_path, CONFIG, "26", "3")
    assert [r["step"] for r in rows] == sorted(theirs) == list(range(3, 27, 3))
    for r in rows:
        t = theirs[r["step"]]
        assert list(r["inc"].values()) == pytest.approx(t["inc"], abs=1e-12), r["step"]
        assert [p["measured"] for p in r["pruners"]] == pytest.approx(t["current"], abs=1e-12)
        assert all(p["flags"] == [] for p in r["pruners"]), r
    assert max(t["current"][0] for t in theirs.values()) > 0.75  # the run really pruned


CONFIG_1X = HERE.parent / "schedule" / "configs" / "d_train_loop.yaml"


def test_watch_agrees_with_inc_during_a_real_1x_run(tmp_path):
    """INC 1.x (dialect D): INC 2.6's experimental Pruning trains with its own loop from the config's
    `pruning.train` (3 steps an epoch), checkpoints every 2 steps (alternately HF checkpoint-N/ with
    trainer_state.json's epoch, and step_N.pt placed by pruning.train.iteration). At each: watch's
    epoch is the run's, its 1.x total is INC's report_sparsity(), each pruner's figure the zeros of
    INC's masks over the parameters `names` lists (2-D ones only: fc3.bias is skipped, the head is
    pruned), and its schedule the sparsity INC computed those masks for."""
    if not INC_PYTHON.exists():
        pytest.skip(f"INC 2.6 oracle venv absent ({INC_PYTHON}; scripts/test builds it)")
    rows, theirs = _run_inc_and_watch(tmp_path, CONFIG_1X, "0", "2")
    run_dir = tmp_path / "run"  # the folder INC filled, watched again below
    assert [r["step"] for r in rows] == sorted(theirs) == list(range(2, 16, 2))  # 5 epochs of 3 steps
    assert {r["epoch_source"] for r in rows} == {"trainer_state.json", "pruning.train.iteration"}
    for r in rows:
        t = theirs[r["step"]]
        assert r["epoch"] == pytest.approx(t["epoch"], abs=1e-12)
        assert r["inc"] is None  # INC 2.x's figures do not apply to a 1.x run
        assert r["inc_1x"]["total_sparsity"] == pytest.approx(t["report_sparsity"], abs=1e-12), r["step"]
        assert [p["measured"] for p in r["pruners"]] == pytest.approx(t["current"], abs=1e-12), r["step"]
        assert [p["scheduled"] for p in r["pruners"]] == pytest.approx(t["scheduled"], abs=1e-12), r["step"]
        assert all(p["flags"] == [] for p in r["pruners"]), r
    assert max(t["current"][0] for t in theirs.values()) > 0.79  # the run really pruned to 80 %

    # the same folder without a way to place step_N.pt in epochs: said, not guessed ...
    no_iteration = tmp_path / "no_iteration.yaml"
    no_iteration.write_text(CONFIG_1X.read_text().replace("    iteration: 3\n", ""))
    blind = _watch_done(run_dir, no_iteration)
    for r in blind:
        if r["path"].startswith("step_"):
            assert r["epoch"] is None and all(p["scheduled"] is None for p in r["pruners"])
            assert any("epoch unknown" in n for n in r["notes"])
        else:
            assert r["epoch"] == pytest.approx(theirs[r["step"]]["epoch"], abs=1e-12)
    # ... and --steps-per-epoch places them again
    told = _watch_done(run_dir, no_iteration, "--steps-per-epoch", "3")
    assert [[p["scheduled"] for p in r["pruners"]] for r in told] == [[p["scheduled"] for p in r["pruners"]]
                                                                     for r in rows]
    assert {r["epoch_source"] for r in told} == {"trainer_state.json", "--steps-per-epoch"}


def _watch_done(run_dir: Path, config: Path, *extra: str) -> list:
    out = subprocess.run([sys.executable, "-m", "prune_lsp", "watch", str(run_dir), "--config", str(config),
                          "--format", "jsonl", "--poll", "0.1", "--exit-when-idle", "0.5", "--chart", "-", *extra],
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    return [json.loads(line) for line in out.stdout.splitlines()]


def _run_inc_and_watch(tmp_path, config, *run_args: str) -> tuple[list[dict], dict[int, dict]]:
    """INC 2.6 trains with `config` (tests/watch/inc_training_run.py, `run_args` after its paths) while
    `prune-lsp watch` follows the folder: watch's jsonl rows, and INC's own figures by step."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    figures = tmp_path / "inc_figures.jsonl"
    inc = subprocess.Popen([str(INC_PYTHON), str(HERE / "inc_training_run.py"), str(config), str(run_dir),
                            str(figures), *run_args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watch = start_when_first_file_appears(run_dir, [
        sys.executable, "-m", "prune_lsp", "watch", str(run_dir), "--config", str(config), "--format", "jsonl",
        "--poll", "0.1", "--exit-when-idle", "15"], inc, timeout=600)
    _, inc_err = inc.communicate(timeout=600)
    assert inc.returncode == 0, inc_err[-3000:]
    out, err = watch.communicate(timeout=180)
    assert watch.returncode == 0, err[-2000:]
    rows = [json.loads(line) for line in out.splitlines()]
    return rows, {r["step"]: r for r in map(json.loads, figures.read_text().splitlines())}
