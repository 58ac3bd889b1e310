"""PL090, PL091, PL093: what INC's schedule (analysis.schedule) says about a config: a pruner whose
last update falls after the run ends (INC 1.x: `pruning.train.epoch`; `prune-lsp schedule
--total-steps N` for the others), an iterative pruner whose frequency makes it prune once, a
schedule that ends short of its target. (A schedule INC divides by zero in is PL068, steps.py.)"""

from __future__ import annotations

from dataclasses import replace

from ..schedule import findings as F
from .context import RuleContext
from .registry import WARNING, checker, rule

ENDS_AFTER_RUN = rule(F.ENDS_AFTER_RUN, "schedule-ends-after-run", WARNING,
                      "A pruner's last mask update falls after the run ends", dialects="ABCD",
                      explanation="INC updates a pruner's masks up to its end step (end_epoch in INC 1.x). When the "
                      "training run stops earlier, the model keeps the sparsity of the last update that did happen. "
                      "For an INC 1.x config the run length is what INC's own loop reads from `pruning.train`: "
                      "epochs start_epoch..end_epoch-1 (PyTorch ignores `epoch`; TensorFlow runs end_epoch - "
                      "start_epoch, else `epoch`, epochs from 0); for the others pass "
                      "`prune-lsp schedule CONFIG --total-steps N`.")
PRUNES_ONCE = rule(F.PRUNES_ONCE, "frequency-prunes-once", WARNING,
                   "The pruning frequency is so large that an iterative pruner prunes once", dialects="ABC",
                   explanation="With start_step < end_step but a frequency larger than end_step - start_step, INC "
                   "makes a single update at start_step, and (counting it as the last) goes straight to the target: "
                   "one-shot pruning where gradual pruning was written. Recorded from INC 2.6 (tests/schedule).")
STOPS_SHORT = rule(F.STOPS_SHORT, "schedule-stops-short", WARNING,
                   "The schedule ends below the target sparsity", dialects="CD",
                   explanation="The experimental pytorch_pruner (C) divides its curve into `(end_step - start_step "
                   "+ 1) // update_frequency_on_step` parts but updates one time fewer, so with a frequency of 1 "
                   "(and other ranges) the last update aims below target_sparsity. An INC 1.x pruner (D) works by "
                   "epochs: at epoch e it aims at `initial + (target - initial) * ((e - start_epoch + 1) // f) * f "
                   "/ (end_epoch - start_epoch + 1)` with f its update_frequency, so when f does not divide the "
                   "number of epochs its last epoch stays below the target. A cap below the target is PL034.")


@checker(ENDS_AFTER_RUN, PRUNES_ONCE, STOPS_SHORT)
def check_schedule_findings(ctx: RuleContext) -> None:
    from ..engine import CheckedConfig
    from ..schedule.config import schedules_for_checked

    if ctx.doc.unrecognised:
        return
    try:
        # The findings below read a schedule's first and last updates only (a run length is known
        # only for INC 1.x, whose epochs are few): 21,000 distinct 1,000-step curves took 20 s.
        # Dialects A and B: only the pruners whose schedule can have a finding (F.v2_may_find).
        cs = schedules_for_checked(CheckedConfig(ctx.doc, ctx.pruners), listed=2,
                                   only_v2=lambda ep: F.v2_may_find(ep.value))
    except Exception:  # a malformed config: the other rules say why
        return
    for s, anchor, finding in _each(cs):
        if finding.code == F.STOPS_SHORT and finding.cause == "cap":
            continue  # PL034 reports a cap below the target
        if finding.code == F.DIVIDES_BY_ZERO:
            continue  # PL068 (steps.py) reports it
        if ctx.dialect == "D":
            _report_d(ctx, anchor, finding, cs.train_epochs_key)
            continue
        setting = anchor.settings.get(finding.key or "")
        if setting is not None:
            ctx.report_setting(finding.code, anchor, setting, finding.message)
        else:
            where = ctx.pruner_anchor(anchor)
            if where is not None:
                ctx.report(finding.code, where, finding.message)


def _each(cs):
    total = cs.train_epochs if cs.dialect == "D" else None
    done: dict[int, tuple] = {}  # pruners sharing one computed schedule (schedules_for_checked) share findings
    for s, anchor in zip(cs.pruners, cs.anchors):
        got = done.get(id(s.updates))
        if got is None or got[0] is not s.updates:
            got = done[id(s.updates)] = (s.updates, F.pruner_findings(s, total))
        for f in got[1]:
            yield s, anchor, (f if f.pruner == s.index else replace(f, pruner=s.index))


def _report_d(ctx: RuleContext, entry, finding, train_key=None) -> None:
    from ..config_doc import path_value
    from ..yaml_tree import Mapping

    node = None
    if isinstance(entry.mapping, Mapping):
        pair = entry.mapping.get_pair(finding.key or "")
        node = pair.key if pair is not None else None
    if node is None and finding.code == F.ENDS_AFTER_RUN:
        node = path_value(ctx.doc.root, "pruning", "train", train_key or "epoch")
    if node is None:
        node = entry.node
    ctx.report(finding.code, node, finding.message)
