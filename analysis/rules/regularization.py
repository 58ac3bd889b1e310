"""reg_type, reg_coeff and parameters (regs.py; utils.update_params)."""

from __future__ import annotations

from ..yaml_tree import Mapping
from .context import RuleContext
from .helpers import move_under_parameters_fix, setting, string
from .pruner_kinds import TARGET, for_each_pruner
from .pruning_type import pruner_class
from .registry import ERROR, WARNING, checker, rule

NEGATIVE_COEFF = rule("PL012", "reg-coeff-negative", ERROR, "`parameters.reg_coeff` is negative", spec="R12", dialects="AB")
REG_TYPE = rule("PL023", "reg-type-invalid", ERROR, "`reg_type` is not group_lasso", spec="R23", dialects="AB")
LASSO_PATTERN = rule("PL024", "group-lasso-needs-nxm", ERROR, "group_lasso needs an NxM pattern", spec="R24", dialects="AB")
REG_COEFF_IGNORED = rule("PL032", "reg-coeff-ignored", WARNING, "A `reg_coeff` outside `parameters` is ignored",
                         spec="R32", dialects="AB", fixable=True,
                         explanation="INC fills `parameters` with its default `{reg_coeff: 0.0}` and then copies it over "
                         "the pruner's own `reg_coeff`: a reg_coeff written beside the other keys is always replaced by 0.0. "
                         "Write `parameters: {reg_coeff: 0.1}`.")


@checker(NEGATIVE_COEFF, REG_TYPE, LASSO_PATTERN, REG_COEFF_IGNORED)
def check_regularization(ctx: RuleContext) -> None:
    for_each_pruner(ctx, _check_regularization, never_reads=TARGET)
    _ignored_coeffs(ctx)


def _check_regularization(ctx: RuleContext, p) -> None:
    """One pruner's part of check_regularization: pruner_kinds.py runs it once per kind of pruner."""
    s_coeff = setting(p, "reg_coeff")
    coeff = s_coeff.value if s_coeff else None
    if coeff is not None:
        try:
            c = float(coeff)
        except (TypeError, ValueError):
            c = None
            if s_coeff.origin == "parameters":
                ctx.report_setting(NEGATIVE_COEFF.code, p, s_coeff, f"`reg_coeff` must be a number, not `{coeff}`")
        if c is not None and c < 0:
            ctx.report_setting(NEGATIVE_COEFF.code, p, s_coeff, f"`reg_coeff` is {coeff}; it must be >= 0")
    s_type = setting(p, "reg_type")
    rt = s_type.value if s_type else None
    if not _uses_regularizer(p):
        return  # pattern_lock, sparse_gpt and mha pruners never read reg_type
    if rt is not None and rt != "group_lasso" and not (isinstance(rt, dict) and ctx.dialect == "B"):
        ctx.report_setting(REG_TYPE.code, p, s_type, f"`reg_type` is `{rt}`; INC only supports group_lasso "
                           "(or no reg_type)")
    pattern = string(p, "pattern")
    if rt == "group_lasso" and pattern is not None and "x" not in pattern:
        s_pat = setting(p, "pattern")
        related = [(s_pat.node, f"pattern \"{pattern}\"")] if s_pat.node is not None else []
        ctx.report_setting(LASSO_PATTERN.code, p, s_type, f"group_lasso only supports NxM patterns, not \"{pattern}\"",
                           related=related)


def _uses_regularizer(p) -> bool:
    """basic, progressive, block_mask and retrain_free pruners call regs.get_reg at construction."""
    pattern, ptype = p.value("pattern"), p.value("pruning_type")
    if isinstance(pattern, str) and "mha" in pattern:
        return False
    if not isinstance(ptype, str):
        return True
    return pruner_class(ptype) in ("pt_basic", "pt_progressive", "pt_block_mask", "pt_retrain_free")


def _ignored_coeffs(ctx: RuleContext) -> None:
    """A reg_coeff written beside the pruner keys (A: global or local; B: global) is overwritten by parameters."""
    mappings = []
    if isinstance(ctx.doc.globals, Mapping):
        mappings.append(ctx.doc.globals)
    if ctx.dialect == "A":
        mappings += [e.mapping for e in ctx.doc.pruners if e.mapping is not None]
    for m in mappings:
        pair = m.get_pair("reg_coeff")
        if pair is None:
            continue
        fixes = move_under_parameters_fix(ctx, m, pair)
        ctx.report(REG_COEFF_IGNORED.code, pair, "`reg_coeff` here is overwritten by `parameters.reg_coeff` "
                   "(default 0.0): write `parameters: {reg_coeff: ...}` instead", fixes=fixes,
                   severity=WARNING)
