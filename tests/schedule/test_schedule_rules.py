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


D_SHORT = """version: 2.0
model:
  name: toy
  framework: pytorch
pruning:
  approach:
    weight_compression:
      initial_sparsity: 0.1
      target_sparsity: 0.6
      start_epoch: 0
      end_epoch: 4
      pruners:
        - !Pruner
            update_frequency: 2
            prune_type: "basic_magnitude"
            names: ["fc1.weight"]
"""


def messages(text):
    return [d.message for d in check_text(text).diagnostics if d.code == "PL093"]


def test_pl093_says_each_dialects_own_reason():
    """C: the experimental pruner's one-short count of steps; D (INC 1.x): whole update_frequency
    epochs that do not divide the epoch range, at the pruner's update_frequency."""
    (c,) = messages((CFG / "c_freq1.yaml").read_text())
    assert "experimental pruner" in c and "epoch" not in c
    line = next(i for i, ln in enumerate(D_SHORT.splitlines()) if "update_frequency" in ln)
    assert codes(D_SHORT) == [("PL093", line)]
    (d,) = messages(D_SHORT)
    assert "0.5" in d and "INC 1.x" in d and "epochs 0..4" in d and "experimental" not in d and "step" not in d
    assert messages(D_SHORT.replace("end_epoch: 4", "end_epoch: 5")) == []  # 2 divides 6 epochs: reaches 0.6


def test_pl090_reads_the_run_length_inc_1x_runs():
    """INC 2.6's PyTorch loop runs epochs start_epoch..end_epoch-1 and ignores `epoch`
    (adaptor/pytorch.py train); PL090 points at end_epoch then."""
    text = (CFG / "d_oneshot.yaml").read_text()  # pruner prunes at epoch 2
    longer = text.replace("\n    epoch: 2\n", "\n    epoch: 2\n    start_epoch: 0\n    end_epoch: 3\n")
    assert codes(longer) == []  # epochs 0, 1, 2 run: `epoch: 2` does not end it
    shorter = text.replace("\n    epoch: 2\n", "\n    epoch: 9\n    end_epoch: 2\n")
    line = next(i for i, ln in enumerate(shorter.splitlines()) if "end_epoch: 2" in ln and ln.startswith("    end"))
    assert codes(shorter) == [("PL090", line)]
