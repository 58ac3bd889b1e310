"""What each INC 1.x pruner (experimental/pruner_legacy, built by experimental/pruning.py
generate_pruners) reads from its `!Pruner` while training, for analysis/rules/legacy_run.py.

Pruner.__init__ takes every value from the `!Pruner` unless the key is absent, else from the
validated `weight_compression` section (whose schema defaults are EPOCH_DEFAULTS);
update_frequency defaults to 1 and method to per_tensor in the `!Pruner` class itself.
"""

from __future__ import annotations

RUN_KEYS = ("start_epoch", "end_epoch", "initial_sparsity", "target_sparsity", "update_frequency", "method", "names",
            "parameters")
EPOCH_DEFAULTS = {"start_epoch": 0, "end_epoch": 4, "initial_sparsity": 0.0, "target_sparsity": 0.97}
SCHEDULE_KEYS = frozenset({"start_epoch", "end_epoch", "initial_sparsity", "target_sparsity", "update_frequency",
                           "method"})

# gradient_sensitivity with `parameters` (elementwise_prune False) prunes heads/rows: on_step_end reads
# importance_metric (and importance_inputs), on_epoch_end normalize, transpose, target, stride.
GS_HEAD_KEYS = ("importance_metric", "normalize", "transpose", "target", "stride")
GS_ROW_KEYS = ("target", "stride")
GS_METRICS = ("abs_gradient", "weighted_gradient")


def schedules(prune_type: str, head: bool) -> bool:
    """Whether on_epoch_begin runs update_sparsity (and compute_mask) for this pruner: BasicMagnitude,
    GroupLasso (a BasicMagnitude) and element-wise GradientSensitivity; not PatternLock (it keeps the
    existing zeros) nor head-pruning GradientSensitivity."""
    return prune_type in ("basic_magnitude", "group_lasso") or (prune_type == "gradient_sensitivity" and not head)


def reads(prune_type: str, head: bool) -> frozenset:
    if schedules(prune_type, head):
        return SCHEDULE_KEYS
    return frozenset()


def first_mask_epoch(prune_type: str) -> int:
    """The first epoch whose on_epoch_begin computes masks: element-wise GradientSensitivity masks by
    the importance its step callbacks accumulate, which is empty before the first epoch's steps."""
    return 1 if prune_type == "gradient_sensitivity" else 0
