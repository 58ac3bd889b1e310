"""YAML 1.1 readings that differ from what the user evidently meant (PyYAML, as INC uses it)."""

from __future__ import annotations

from ..diagnostics import Fix
from ..schema.spec import Level
from ..yaml_tree import Scalar
from .context import RuleContext
from .helpers import UNUSED_NOTE, global_pair_unused
from .registry import ERROR, WARNING, checker, rule
from .unknown_keys import _levels, merged_from_elsewhere

UNQUOTED_NM = rule("PL014", "unquoted-nm-pattern", ERROR, "An unquoted N:M pattern, read as a base-60 integer", spec="R14",
                   dialects="ABCD", fixable=True,
                   explanation="YAML 1.1 reads `2:4` as the sexagesimal integer 124 (`1:4` is 64). INC then fails with "
                   "`TypeError: argument of type 'int' is not iterable`. Quote it: `pattern: \"2:4\"`.")
NULL_SELECTS_NOTHING = rule("PL040", "empty-list-selects-nothing", WARNING,
                            "An empty value that INC 2.x reads as {} and that then selects nothing", spec="R40",
                            dialects="BCD", fixable=True,
                            explanation="INC 2.x's loader turns every YAML null into `{}`. `op_names:` with nothing after "
                            "it is not 'all layers' but an empty selection: the pruner hooks no layer and INC only logs "
                            "'one pruner hooks no layers'. Remove the key, or write `op_names: ['.*']`.")

_LISTS = ("op_names", "pruning_op_types", "names", "excluded_op_names", "excluded_names", "extra_excluded_names",
          "prune_layer_type")


@checker(UNQUOTED_NM, NULL_SELECTS_NOTHING)
def check_yaml_traps(ctx: RuleContext) -> None:
    if ctx.doc.unrecognised or not ctx.doc.dialect.supported:
        return
    for level, mapping, _index in _levels(ctx):
        pairs = mapping.pairs
        names = [p.name for p in pairs]
        # only a mapping with a repeated key needs get_pair to find the pair PyYAML keeps
        try:
            repeated = len(set(names)) < len(names)
        except TypeError:  # an unhashable name
            repeated = True
        for pair in pairs:
            v = pair.value
            if not isinstance(v, Scalar) or (pair.merged and merged_from_elsewhere(ctx, pair)) or (
                    repeated and mapping.get_pair(pair.name) is not pair):
                continue  # a duplicate PyYAML discards never reaches INC
            if pair.name == "pattern" and not v.style and isinstance(v.value, int) and ":" in v.raw:
                msg = f"`{v.raw}` unquoted is the integer {v.value} in YAML 1.1, not an N:M pattern; write \"{v.raw}\""
                unused = level is Level.GLOBAL and global_pair_unused(ctx, pair)
                ctx.report(UNQUOTED_NM.code, v, msg + (UNUSED_NOTE.format(key="pattern") if unused else ""),
                           severity=WARNING if unused else ERROR,
                           fixes=[Fix(f'quote it: "{v.raw}"', (ctx.edit(v, f'"{v.raw}"'),))])
            elif pair.name in ("op_names", "names", "pruning_op_types", "prune_layer_type") and v.is_null \
                    and ctx.dialect == "B":
                msg = (f"`{pair.name}:` is empty, which INC 2.x reads as {{}}: this pruner selects no layer. "
                       "Remove the key to select all, or list the layers")
                crash = _nm_users(ctx, pair)
                if crash:
                    msg += (f"; with the N:M pattern \"{crash}\" and no layer INC divides by zero computing the "
                            "sparsity (ZeroDivisionError at the first pruning step)")
                ctx.report(NULL_SELECTS_NOTHING.code, pair, msg, severity=ERROR if crash else WARNING,
                           fixes=[Fix("select every layer: ['.*']", (ctx.edit(after_colon(ctx, pair), " ['.*']"),),
                                      safe=False)] if pair.name in ("op_names", "names") else [])


def _nm_users(ctx: RuleContext, pair) -> str:
    """The N:M pattern of a pruner that takes this (empty) selection key, if any: PytorchPatternNInM's
    get_sparsity_ratio divides by the number of selected blocks, zero here."""
    for p in ctx.pruners:
        s = p.settings.get(pair.name)
        pattern, ptype = p.value("pattern"), p.value("pruning_type")
        if s is None or s.pair is not pair or not isinstance(pattern, str) or "mha" in pattern:
            continue
        if isinstance(ptype, str) and ("gpt" in ptype or "retrain" in ptype):
            continue  # pruned at prepare time, without the sparsity bookkeeping
        name = pattern.split("_")[-1]
        if ":" in name and "x" not in name:  # get_pattern's order: x first, then ":"
            return pattern
    return ""


def after_colon(ctx: RuleContext, pair):
    """The empty range right after `key:`."""
    from ..positions import Range
    end = ctx.parsed.lines.position(pair.key.end)
    line = ctx.parsed.lines.line_text(end.line)
    col = line.find(":", end.character)
    pos = type(end)(end.line, col + 1 if col >= 0 else end.character)
    return Range(pos, pos)
