"""Keras pruning limits (spec 1.13, 2.1): the config says `model.framework: keras|tensorflow`."""

from __future__ import annotations

from ..config_doc import path_value
from ..yaml_tree import Scalar
from .context import RuleContext
from .helpers import pruners, setting, string
from .registry import ERROR, WARNING, checker, rule

KERAS_LIMITS = rule("PL039", "keras-unsupported", ERROR, "A setting INC's Keras pruner does not support", spec="R39",
                    dialects="AB",
                    explanation="For Keras INC has one pruner (`keras_basic`), one pattern family (NxM) and one "
                    "criterion (magnitude); it ignores `op_names` and selects layers by class name, so the default "
                    "`pruning_op_types` ['Conv', 'Linear'] selects no Dense layer.")


def _framework(ctx: RuleContext):
    node = path_value(ctx.doc.root, "model", "framework")
    if isinstance(node, Scalar) and isinstance(node.value, str):
        return node.value.lower()
    backend = path_value(ctx.doc.root, "backend")
    if isinstance(backend, Scalar) and backend.value == "itex":
        return "keras"
    return None


@checker(KERAS_LIMITS)
def check_keras(ctx: RuleContext) -> None:
    fw = _framework(ctx)
    if fw not in ("keras", "tensorflow", "tensorflow_itex", "keras_itex"):
        return
    for p, _k in pruners(ctx):
        t, pattern = string(p, "pruning_type"), string(p, "pattern")
        if t is not None and t != "magnitude":
            ctx.report_setting(KERAS_LIMITS.code, p, setting(p, "pruning_type"),
                               f"Keras pruning only supports `pruning_type: magnitude` (INC: criteria does not support {t})")
        if pattern is not None and (":" in pattern or "mha" in pattern):
            ctx.report_setting(KERAS_LIMITS.code, p, setting(p, "pattern"),
                               f"Keras pruning only supports NxM patterns, not \"{pattern}\"")
        s_ops = setting(p, "op_names")
        if s_ops is not None and s_ops.pair is not None and s_ops.value not in ([], None):
            ctx.report(KERAS_LIMITS.code, s_ops.node, "INC ignores `op_names` for Keras models: it selects "
                       "layers by class name (pruning_op_types) only", severity=WARNING)
        types = p.value("pruning_op_types")
        if isinstance(types, list) and not any(isinstance(x, str) and x in "Dense" for x in types if x):
            s_types = setting(p, "pruning_op_types")
            where = s_types.node if s_types.pair is not None else ctx.pruner_anchor(p)
            if where is not None:
                ctx.report(KERAS_LIMITS.code, where, f"pruning_op_types {types} selects no Keras Dense layer; add "
                           "'Dense'", severity=WARNING)
