"""Checks that need the model: what each pruner really selects, by INC's own selection rules
(analysis/selection.py), on the layer index the caller loaded. They run only when a model is known.
"""

from __future__ import annotations

from ..selection import Selection, block_divisibility, select_layers
from ..yaml_tree import Sequence
from .context import RuleContext
from .helpers import pattern_of, setting, string
from .pruner_kinds import TARGET, for_each_pruner
from .registry import ERROR, INFO, WARNING, checker, rule

BLOCK_NOT_DIVISIBLE = rule(
    "PL035", "block-not-divisible", ERROR, "A selected layer's shape does not divide by the pattern's block",
    spec="R35", dialects="AB", needs_model=True,
    explanation="INC reshapes each weight to 2-D (conv [cout, k*k*cin]) and needs rows % N == 0 and cols % M == 0 "
    "(N:M: cols % M == 0). A layer that does not divide is logged once and never pruned. INC crashes at the first "
    "pruning step with ZeroDivisionError (float division by zero) when the pattern is NxM in global scope and any "
    "selected layer does not divide, or when the pattern is N:M and no selected layer divides (either scope): "
    "an error then, a warning otherwise. Without a model, check the selected layers' shapes: rows (output features "
    "or channels) by N and columns (input features, k*k*cin for a conv) by M.")
HEAD_OVERMATCH = rule(
    "PL036", "head-exclusion-overmatch", WARNING, "INC's classifier-head exclusion also removes other layers",
    spec="R36", dialects="AB", needs_model=True,
    explanation="INC appends the last Linear's name to excluded_op_names and uses it as a regex with re.search, so "
    "a head named `fc` also excludes `fc1` and `fc2`.")
SELECTS_NOTHING = rule(
    "PL037", "pruner-selects-nothing", WARNING, "A pruner that selects no layer of the model", spec="R37",
    dialects="AB", needs_model=True,
    explanation="INC only logs 'one pruner hooks no layers, please have a check' and trains without pruning; with an "
    "N:M pattern its sparsity count then divides by zero (ZeroDivisionError, at the latest in on_train_end): an "
    "error in that case. The op_names entries that match nothing are named in this one finding.")
OP_NAME_UNMATCHED = rule("PL045", "op-name-matches-nothing", WARNING, "An `op_names` entry that matches no layer",
                         dialects="AB", needs_model=True)
EXCLUDED_UNMATCHED = rule("PL046", "excluded-matches-nothing", INFO,
                          "An `excluded_op_names` entry that matches no layer", dialects="AB", needs_model=True)
OVERLAP = rule("PL047", "layer-in-two-pruners", WARNING, "Layers selected by more than one pruner", dialects="AB",
               needs_model=True,
               explanation="Each pruner keeps its own mask for the layer; the layer ends with the union of the zeros and "
               "the sparsity of neither pruner is what its config says.")
MHA_NOTHING = rule("PL048", "mha-finds-nothing", WARNING, "An `mha` pattern on a model without attention INC can find",
                   dialects="AB", needs_model=True)
SELECTION_RAISES = rule("PL049", "selection-raises", ERROR, "INC's layer selection raises on this model",
                        dialects="AB", needs_model=True,
                        explanation="INC's classifier-head search raises IndexError on a model with no Linear or "
                        "Conv2d module, whatever pruning_op_types says.")


def _list_node_item(s, i: int):
    if s is None or s.pair is None or not isinstance(s.node, Sequence) or i >= len(s.node.items):
        return None
    return s.node.items[i]


def _few(names: list[str], n: int = 3) -> str:
    shown = ", ".join(f"`{x}`" for x in names[:n])
    return shown + (f" and {len(names) - n} more" if len(names) > n else "")


@checker(BLOCK_NOT_DIVISIBLE, HEAD_OVERMATCH, SELECTS_NOTHING, OP_NAME_UNMATCHED, EXCLUDED_UNMATCHED, OVERLAP,
         MHA_NOTHING, SELECTION_RAISES)
def check_against_model(ctx: RuleContext) -> None:
    index = ctx.model
    if index is None or ctx.doc.unrecognised:
        return
    framework = getattr(index, "framework", "pytorch")
    owner: dict[str, tuple[object, object]] = {}  # layer name -> (pruner, where) of the first pruner selecting it
    for p in ctx.pruners:
        sel: Selection = select_layers(p.as_dict(), index)
        anchor = ctx.pruner_anchor(p)
        s_ops, s_exc = setting(p, "op_names"), setting(p, "excluded_op_names")
        where_ops = s_ops.node if s_ops is not None and s_ops.pair is not None else anchor
        if sel.errors:
            for err in sel.errors:
                if err.startswith("IndexError"):
                    ctx.report(SELECTION_RAISES.code, anchor, f"INC's classifier-head search fails on this model "
                               f"({err}): it has no Linear or Conv2d module")
            continue
        if sel.mha:
            if not sel.mha_groups:
                ctx.report_setting(MHA_NOTHING.code, p, setting(p, "pattern"),
                                   "pattern `mha` but no attention module (query/key/value projections) was found in "
                                   "the model: INC would log 'one pruner hooks no mha modules'")
            continue
        nm = _bookkept_nm(p)
        head_cause = bool(sel.head and sel.excluded_by_head)
        if head_cause and (sel.selected or not nm):
            ctx.report(HEAD_OVERMATCH.code, where_ops if s_exc is None or s_exc.pair is None else s_exc.node,
                       f"INC auto-excludes the classifier head `{sel.head}` and, because it uses the name as a regex, "
                       f"also {_few(sel.excluded_by_head)}, which this pruner then never prunes"
                       + ("" if sel.selected else "; so it selects no layer at all and INC only logs 'one pruner "
                          "hooks no layers'"))
        if not sel.selected:
            if nm or not head_cause:  # one finding per problem: PL036 already says it selects nothing
                _report_nothing(ctx, p, sel, index, s_ops, where_ops, nm)
            continue
        for i in sel.unmatched_op_names:
            node = _list_node_item(s_ops, i)
            if node is not None:
                raw = s_ops.value[i]
                ctx.report(OP_NAME_UNMATCHED.code, node, f"`{raw}` matches no layer of {_model_name(index)}"
                           + _hint(raw, index))
        for i in sel.unmatched_excluded:
            node = _list_node_item(s_exc, i)
            if node is not None:
                ctx.report(EXCLUDED_UNMATCHED.code, node, f"`{s_exc.value[i]}` excludes no layer of {_model_name(index)}")
        pattern = string(p, "pattern")
        if pattern:
            bad = [m for m in (block_divisibility(layer, pattern, framework) for layer in sel.selected) if m]
            if bad:
                scope = string(p, "pruning_scope") or "global"
                every = len(bad) == len(sel.selected)
                if nm and every:
                    crash = True
                    msg = (f"none of the {len(bad)} selected layer(s) divides by \"{pattern}\" ({bad[0]}"
                           + (f", and {len(bad) - 1} more" if len(bad) > 1 else "") + "): INC skips each one and its "
                           "N:M sparsity count divides by zero at the first pruning step (ZeroDivisionError: float "
                           "division by zero)")
                else:
                    crash = scope == "global" and not nm and pattern_of(pattern).kind == "nxm"
                    msg = (f"{len(bad)} selected layer(s) do not divide by \"{pattern}\": {bad[0]}"
                           + (f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""))
                    msg += (": in global scope INC crashes at the first pruning step (ZeroDivisionError)" if crash
                            else ": INC skips them silently")
                _report_block(ctx, p, msg, crash)
        both = [layer.name for layer in sel.selected if layer.name in owner]
        if both:
            first_p, first_where = owner[both[0]]
            ctx.report(OVERLAP.code, where_ops, f"{_few(both)} also selected by {first_p.label()}: each pruner masks "
                       "it with its own target", related=[(first_where, f"{first_p.label()} selects it too")])
        for layer in sel.selected:
            owner.setdefault(layer.name, (p, where_ops))


def _bookkept_nm(p) -> bool:
    """True when the pruner's pattern is INC's N:M one (get_pattern tests `x` first, then `:`) and the
    pruner keeps INC's sparsity count (sparse_gpt and retrain_free prune at prepare time instead)."""
    pattern, ptype = p.value("pattern"), p.value("pruning_type")
    if not isinstance(pattern, str) or "mha" in pattern:
        return False
    if isinstance(ptype, str) and ("gpt" in ptype or "retrain" in ptype):
        return False
    name = pattern.split("_")[-1]
    return ":" in name and "x" not in name


def _report_nothing(ctx: RuleContext, p, sel: Selection, index, s_ops, where_ops, nm: bool) -> None:
    """One finding for a pruner that selects nothing (not one per op_names entry besides): the
    entries that match no layer are named in it."""
    why = ""
    if sel.head and sel.excluded_by_head:
        why = f" (the head `{sel.head}` exclusion removed {_few(sel.excluded_by_head)})"
    elif sel.unmatched_op_names and s_ops is not None and isinstance(s_ops.value, list):
        raws = [str(s_ops.value[i]) for i in sel.unmatched_op_names if i < len(s_ops.value)]
        why = f" ({_few(raws)} match{'es' if len(raws) == 1 else ''} nothing{_hint(raws[0], index) if raws else ''})"
    if nm:
        ctx.report(SELECTS_NOTHING.code, where_ops, f"{p.label()} selects no layer of {_model_name(index)}{why}; with "
                   f"the N:M pattern \"{p.value('pattern')}\" INC's sparsity count divides by zero (ZeroDivisionError: "
                   "float division by zero, at the latest when training ends)", severity=ERROR)
    else:
        ctx.report(SELECTS_NOTHING.code, where_ops, f"{p.label()} selects no layer of {_model_name(index)}{why}; "
                   "INC only logs 'one pruner hooks no layers' and trains without pruning")


def _report_block(ctx: RuleContext, p, msg: str, crash: bool) -> None:
    d = ctx.report_setting(BLOCK_NOT_DIVISIBLE.code, p, setting(p, "pattern"), msg)
    if d is not None and not crash:  # INC only skips these layers: a warning, not the rule's error
        d.severity = WARNING


def _model_name(index) -> str:
    import os
    return f"the model ({os.path.basename(getattr(index, 'path', '') or 'model')})"


def _hint(raw: str, index) -> str:
    """A near miss: the longest prefix of the regex that does match something."""
    import re
    names = [layer.name for layer in index.layers]
    for cut in range(len(raw) - 1, 2, -1):
        try:
            rx = re.compile(raw[:cut])
        except re.error:
            continue
        hits = [n for n in names if rx.search(n)]
        if hits:
            return f"; `{raw[:cut]}` would match {_few(hits, 2)}"
    return ""


SHAPES_UNCHECKED = rule(
    "PL065", "block-shape-unchecked", INFO, "A block size that common layer widths do not divide, with no model to check",
    dialects="AB",
    explanation="Without a model prune-lsp cannot see the selected layers' shapes. INC needs rows % N == 0 and "
    "cols % M == 0 (N:M: cols % M == 0) after its 2-D reshape (a conv's columns are k*k*cin); layers that do not "
    "divide are skipped, and when an N:M pattern leaves no layer, or an NxM pattern in global scope skips any, the "
    "first pruning step fails with ZeroDivisionError. Block sides that are not powers of two (`3:5`, `3x1`) divide "
    "few real widths, so this says what to check; naming the model (`# prune-lsp: model=PATH`, `--model`) turns it "
    "into PL035 on the real shapes.")


def _pow2(n) -> bool:
    return isinstance(n, int) and n > 0 and n & (n - 1) == 0


@checker(SHAPES_UNCHECKED)
def check_shapes_without_model(ctx: RuleContext) -> None:
    if ctx.model is not None or ctx.doc.unrecognised:
        return
    for_each_pruner(ctx, _check_shapes_without_model, never_reads=TARGET)


def _check_shapes_without_model(ctx: RuleContext, p) -> None:
    """One pruner's part of check_shapes_without_model: pruner_kinds.py runs it once per kind of pruner."""
    pattern = string(p, "pattern")
    if not pattern or "mha" in pattern:
        return
    pat = pattern_of(pattern)
    if pat.problems or pat.kind not in ("nxm", "nm"):
        return
    if pat.kind == "nm" and _bookkept_nm(p) and not _pow2(pat.m):
        what = (f"each selected layer's input features (k*k*cin for a conv) must divide by {pat.m}; if none "
                "does, INC crashes at the first pruning step (ZeroDivisionError), if some do not, it skips them")
    elif pat.kind == "nxm" and any(isinstance(x, int) and x > 1 and not _pow2(x) for x in (pat.n, pat.m)):
        crash = (string(p, "pruning_scope") or "global") == "global"
        what = (f"each selected layer's output features must divide by {pat.n} and its input features by {pat.m}; "
                + ("in global scope one that does not crashes the first pruning step (ZeroDivisionError)" if crash
                   else "INC skips layers that do not"))
    else:
        return
    ctx.report_setting(SHAPES_UNCHECKED.code, p, setting(p, "pattern"),
                       f"\"{pattern}\": {what}. Name the model (`# prune-lsp: model=PATH` in the first lines, or "
                       "--model) to check the real shapes")
