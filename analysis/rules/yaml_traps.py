"""YAML 1.1 readings that differ from what the user evidently meant (PyYAML, as INC uses it)."""

from __future__ import annotations

from ..diagnostics import Fix
from ..yaml_tree import Scalar
from .context import RuleContext
from .registry import ERROR, WARNING, checker, rule
from .unknown_keys import _levels

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
    for _level, mapping, _index in _levels(ctx):
        for pair in mapping.pairs:
            v = pair.value
            if not isinstance(v, Scalar) or pair.merged:
                continue
            if pair.name == "pattern" and not v.style and isinstance(v.value, int) and ":" in v.raw:
                ctx.report(UNQUOTED_NM.code, v, f"`{v.raw}` unquoted is the integer {v.value} in YAML 1.1, not an N:M "
                           f"pattern; write \"{v.raw}\"", fixes=[Fix(f'quote it: "{v.raw}"', (ctx.edit(v, f'"{v.raw}"'),))])
            elif pair.name in ("op_names", "names", "pruning_op_types", "prune_layer_type") and v.is_null \
                    and ctx.dialect == "B":
                ctx.report(NULL_SELECTS_NOTHING.code, pair, f"`{pair.name}:` is empty, which INC 2.x reads as {{}}: "
                           "this pruner selects no layer. Remove the key to select all, or list the layers",
                           fixes=[Fix("select every layer: ['.*']", (ctx.edit(_after_colon(ctx, pair), " ['.*']"),),
                                      safe=False)] if pair.name in ("op_names", "names") else [])


def _after_colon(ctx: RuleContext, pair):
    """The empty range right after `key:`."""
    from ..positions import Range
    end = ctx.parsed.lines.position(pair.key.end)
    line = ctx.parsed.lines.line_text(end.line)
    col = line.find(":", end.character)
    pos = type(end)(end.line, col + 1 if col >= 0 else end.character)
    return Range(pos, pos)
