"""`prune-lsp schedule` end to end: its JSON (design.md's format) carries INC's own recorded
targets, the text table and chart name every update, --plot writes an SVG with one line per
pruner and one dot per update, --total-steps turns on PL090, exit codes follow the contract."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from tests.schedule.conftest import HERE

CFG = HERE / "configs"


def cli(*args):
    return subprocess.run([sys.executable, "-m", "prune_lsp", "schedule", *map(str, args)], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["b_two_pruners.yaml", "b_progressive_f3.yaml", "c_cos.yaml", "d_two.yaml",
                                  "a_local_scope.yaml"])
def test_json_targets_are_inc_targets(inc_record, name):
    p = cli(CFG / name, "--format", "json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    rec = inc_record[name]
    assert [q["index"] for q in out["pruners"]] == list(range(1, len(rec["pruners"]) + 1))
    for ours, theirs in zip(out["pruners"], rec["pruners"]):
        assert set(ours) >= {"index", "label", "pruning_type", "targets"}
        prunes = [u for u in ours["updates"] if u["kind"] == "prune"]
        assert [u["step"] for u in prunes] == [c[0] for c in theirs["calls"]]
        assert [u["scheduler_target"] for u in prunes] == pytest.approx([c[3] for c in theirs["calls"]], abs=1e-12)
        assert [t[0] for t in ours["targets"]] == [u["step"] for u in ours["updates"]]


def test_text_table_and_chart():
    p = cli(CFG / "b_two_pruners.yaml")
    assert p.returncode == 0, p.stderr
    assert "pruner 1" in p.stdout and "pruner 2" in p.stdout
    rows = [ln.split() for ln in p.stdout.splitlines() if ln.strip().split(" ")[0].isdigit()]
    assert [int(r[0]) for r in rows[:5]] == [0, 5, 10, 15, 20]  # pruner 1 updates every 5 steps
    assert "1 = pruner 1" in p.stdout and "2 = pruner 2" in p.stdout


def test_plot_writes_an_svg(tmp_path):
    svg = tmp_path / "s.svg"
    p = cli(CFG / "b_two_pruners.yaml", "--plot", svg, "--format", "json")
    assert p.returncode == 0, p.stderr
    n_updates = sum(len(q["updates"]) for q in json.loads(p.stdout)["pruners"])
    root = ET.parse(svg).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}path")) == 2
    assert len(root.findall(f"{ns}circle")) == n_updates
    assert cli(CFG / "b_two_pruners.yaml", "--plot", tmp_path / "s.png").returncode == 2


def test_total_steps_reports_updates_after_the_run():
    p = cli(CFG / "b_exp_div.yaml", "--total-steps", "15", "--format", "json")
    assert p.returncode == 0
    f = json.loads(p.stdout)["findings"]
    assert [x["code"] for x in f] == ["PL090"] and "18, 22" in f[0]["message"]
    p = cli(CFG / "b_exp_div.yaml", "--total-steps", "23", "--format", "json")
    assert json.loads(p.stdout)["findings"] == []


def test_exit_codes(tmp_path):
    assert cli(tmp_path / "missing.yaml").returncode == 2
    (tmp_path / "x.yaml").write_text("foo: 1\n")
    assert cli(tmp_path / "x.yaml").returncode == 2
    assert cli(CFG / "c_divzero.yaml").returncode == 1  # INC raises: an error finding


def test_calibration_time_pruners_are_shown_per_batch(tmp_path):
    """sparse_gpt: one pruning at calibration, no step range; retrain_free: its updates per
    calibration batch, and when the weights get them; the chart's axis counts batches."""
    gpt = cli(CFG / "a_sparse_gpt_cap.yaml")
    assert gpt.returncode == 0, gpt.stderr
    head = gpt.stdout.splitlines()[2]
    assert "sparse_gpt, calibration, target 0.7" in head and ".." not in head
    rf = cli(CFG / "a_retrain_free_short.yaml", "--plot", tmp_path / "rf.svg")
    assert rf.returncode == 0, rf.stderr
    assert "batches 1..5 every 2" in rf.stdout and "only at batch 5" in rf.stdout
    assert ">batches</text>" in (tmp_path / "rf.svg").read_text()


def test_units_are_spelt_right_in_the_table():
    from analysis.schedule.inc import plural

    assert [plural(u) for u in ("step", "epoch", "batch")] == ["steps", "epochs", "batches"]  # was "epoches"
    r = cli(CFG / "d_train_loop.yaml")
    assert r.returncode == 0 and "epochs 0..3 every 1" in r.stdout and "epoches" not in r.stdout


def _strict_json(text: str):
    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)  # Python's json reads Infinity; JSON parsers do not


def test_a_config_inc_rejects_gets_its_schedule_and_the_reason_and_exit_1(tmp_path):
    f = tmp_path / "inf.yaml"
    f.write_text("pruning:\n  approach:\n    weight_compression_v2:\n      target_sparsity: .inf\n"
                 "      pruning_type: magnitude\n      end_step: 10\n      pruners: []\n")
    r = cli(f)
    assert r.returncode == 1 and "step" in r.stdout
    assert f"{f}: INC rejects this config: line 4: PL003 " in r.stderr, r.stderr
    r = cli(f, "--format", "json")
    out = _strict_json(r.stdout)
    assert r.returncode == 1 and [e["code"] for e in out["errors"]] == ["PL003"]


def test_json_configs_are_read_as_json(tmp_path):
    f = tmp_path / "c.json"
    f.write_text('{"target_sparsity": 0.5, "pruning_type": "magnitude", "end_step": 1e3, "pruning_configs": [{}]}')
    r = cli(f)  # 1e3 is a JSON number (YAML 1.1 would read the string "1e3")
    assert r.returncode == 0 and "steps 0..1000 every 1" in r.stdout, r.stdout + r.stderr
    f.write_text('{"target_sparsity": 0.5, "pruning_configs": [{"pattern": "2:4",}]}')
    r = cli(f)
    assert r.returncode == 2 and "PL050 JSON syntax error" in r.stderr, r.stderr


def python_config(f, *lines: str):
    """A training script `f` that imports WeightPruningConfig and runs `lines`."""
    f.write_text("from neural_compressor.training import WeightPruningConfig\n\n" + "".join(ln + "\n" for ln in lines))
    return f


def test_a_value_the_script_computes_is_said_so_not_blamed_on_inc(tmp_path):
    f = python_config(tmp_path / "train.py", "def build(steps):",
                      "    return WeightPruningConfig([{'op_names': ['layer1']}], pruning_type='magnitude',",
                      "                               start_step=1, end_step=steps)")
    r = cli(f)
    assert "steps 1..? every 1" in r.stdout and "INC raises" not in r.stdout, r.stdout
    assert "no schedule: end_step is computed when the script runs" in r.stdout
    (p,) = json.loads(cli(f, "--format", "json").stdout)["pruners"]
    assert p["error"] is None and p["unknown"].startswith("end_step is computed when the script runs"), p


def test_a_file_with_several_configs_says_which_one_is_shown(tmp_path):
    f = python_config(tmp_path / "two.py",
                      "a = WeightPruningConfig([{'op_names': ['l1']}], pruning_type='magnitude', end_step=4)",
                      "b = WeightPruningConfig([{'op_names': ['l2']}], pruning_type='magnitude', end_step=8)")
    r = cli(f)
    assert r.returncode == 0 and "steps 0..4 every 1" in r.stdout and "0..8" not in r.stdout, r.stdout
    assert "the file holds 2 pruning configs; this is the schedule of the first" in r.stderr, r.stderr
