"""`watch` on an INC 1.x config (dialect D), whose pruners schedule by epoch and select by
parameter name (INC 2.6, experimental/pruner_legacy, experimental/pruning.py):

- Where a checkpoint falls: the Hugging Face Trainer writes `epoch` (epochs done, a float) beside
  `global_step` in trainer_state.json; otherwise optimizer steps / steps per epoch, from
  `--steps-per-epoch N` or the config's `pruning.train.iteration` (INC's own PyTorch loop,
  adaptor/pytorch.py `train`, runs at most `iteration` steps per epoch, numbering epochs from
  `pruning.train.start_epoch`). Without either, the epoch is unknown and nothing is compared.
- Which epoch's masks a checkpoint holds: a pruner computes its masks in on_epoch_begin(e) and
  applies them at every step of epoch e, so a checkpoint written after x epochs' worth of steps
  (x > 0) holds the masks of the epoch in progress, ceil(x) - 1 (1.5 -> epoch 1; exactly 2.0 is
  the end of epoch 1, before epoch 2 begins). The schedule's expected_after(n) takes the number of
  epochs begun, first_epoch + ceil(x).
- What a pruner prunes: `names` are parameter names ("fc1.weight"); INC 1.x masks those with 2 or
  4 dimensions (Pruner.tensor_dims) and silently skips the others and names the model lacks.
  Without `names`, every parameter (get_all_weight_names: named_parameters()), so the classifier
  head and embeddings too: 1.x has no auto-exclusion. Elementwise: the mask zeroes each tensor's
  smallest |w| (tile patterns repeat the mask, so the element ratio is still the mask ratio).
- INC's own figure: every epoch end, Pruning logs PyTorchModel.report_sparsity(): zeros over all
  state-dict tensors of 2 or 4 dimensions whose name holds "weight", "bias" or "_packed_params"
  (returned in percent; here as a ratio).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

TENSOR_DIMS = (2, 4)  # experimental/pruner_legacy/pruner.py: "2 for linear weight, 4 for conv weight"
REPORT_NAME_PARTS = ("weight", "bias", "_packed_params")  # model/torch_model.py report_sparsity


@dataclass(frozen=True)
class EpochClock:
    """How optimizer steps map to INC 1.x epochs, when the run says."""

    steps_per_epoch: Optional[int]
    source: str  # "--steps-per-epoch" | "pruning.train.iteration" | ""
    first_epoch: int = 0  # pruning.train.start_epoch: the number INC's loop gives its first epoch


def clock_for(schedule, steps_per_epoch: Optional[int]) -> EpochClock:
    train = getattr(schedule, "train", None) or {}
    first = train.get("start_epoch", 0)
    if steps_per_epoch:
        return EpochClock(int(steps_per_epoch), "--steps-per-epoch", first)
    it = train.get("iteration")
    if isinstance(it, int) and it > 0:
        return EpochClock(it, "pruning.train.iteration", first)
    return EpochClock(None, "", first)


def checkpoint_epoch(trainer_epoch: Optional[float], step: Optional[int],
                     clock: EpochClock) -> tuple[Optional[float], str, int]:
    """(epochs done as a float, where that came from, the number of the run's first epoch)."""
    if trainer_epoch is not None:
        return float(trainer_epoch), "trainer_state.json", 0  # the Trainer numbers epochs from 0
    if step is not None and clock.steps_per_epoch:
        return step / clock.steps_per_epoch, clock.source, clock.first_epoch
    return None, "", 0


def epochs_begun(epochs_done: float, first_epoch: int = 0) -> int:
    """What the schedule's expected_after() takes for a checkpoint `epochs_done` epochs into the
    run: the epochs that have begun, counted in INC's numbering."""
    if epochs_done <= 0:
        return first_epoch
    return first_epoch + math.ceil(epochs_done - 1e-9)


def unknown_epoch_note(clock: EpochClock) -> str:
    return ("epoch unknown: INC 1.x schedules by epoch; this checkpoint has no trainer_state.json epoch"
            + ("" if clock.steps_per_epoch else " and neither --steps-per-epoch N nor pruning.train.iteration "
               "says how many steps an epoch has"))


def selected_layers(names: Optional[list], index, shapes: dict) -> tuple[list[str], list[str]]:
    """(layers whose weight INC 1.x prunes, notes): `names` are parameter names; None: all.
    `shapes`: parameter name -> shape, as stored."""
    by_weight = {lay.weight: lay.name for lay in index.layers if lay.weight is not None}
    wanted = list(shapes) if names is None else list(dict.fromkeys(names))
    out, notes = [], []
    skipped_dims, missing, not_layer = [], [], []
    for n in wanted:
        shape = shapes.get(n)
        if shape is None:
            missing.append(n)
        elif len(shape) not in TENSOR_DIMS:
            if names is not None:
                skipped_dims.append(n)
        elif n not in by_weight:
            not_layer.append(n)
        else:
            out.append(by_weight[n])
    if missing:
        notes.append(f"not in the model, INC 1.x skips them silently: {', '.join(missing[:4])}"
                     + (", ..." if len(missing) > 4 else ""))
    if skipped_dims:
        notes.append(f"not 2-D or 4-D, INC 1.x does not prune them: {', '.join(skipped_dims[:4])}"
                     + (", ..." if len(skipped_dims) > 4 else ""))
    if not_layer:
        notes.append(f"pruned by INC 1.x but not a layer's weight, not measured here: {', '.join(not_layer[:4])}"
                     + (", ..." if len(not_layer) > 4 else ""))
    return out, notes


def pruner_ratio(report: dict, layers: list[str]) -> Optional[float]:
    """Zeros over the pruner's weights (element-wise); None when one was not read."""
    rows = {r["name"]: r for r in report.get("layers", [])}
    zeros = size = 0
    for name in layers:
        r = rows.get(name)
        if r is None or not r.get("read", True) or r.get("zeros") is None:
            return None
        zeros += r["zeros"]
        size += r["size"]
    return zeros / size if size else None


def report_sparsity(report: dict, index, tensors, cache) -> Optional[float]:
    """INC 1.x's total sparsity (PyTorchModel.report_sparsity, as a ratio): layer weights from the
    report's rows, other tensors from the counts the measurement just stored in `cache`."""
    rows = {r["tensor"]: r for r in report.get("layers", []) if r.get("tensor")}
    names: list[str] = []
    for lay in index.layers:
        for p in (lay.params or ((lay.weight,) if lay.weight else ())):
            names.append(p)
        if lay.weight:
            names.append(lay.weight)
    zeros = size = 0
    for name in dict.fromkeys(names):
        h = tensors.get(name)
        if h is None or len(h.shape) not in TENSOR_DIMS or not any(s in name for s in REPORT_NAME_PARTS):
            continue
        r = rows.get(name)
        if r is not None and r.get("read", True) and r.get("zeros") is not None:
            zeros, size = zeros + r["zeros"], size + r["size"]
            continue
        counts = cache.get(cache.key(tensors, h, None)) if cache is not None else None
        if counts is None:
            return None
        zeros, size = zeros + counts.zeros, size + counts.size
    return zeros / size if size else None
