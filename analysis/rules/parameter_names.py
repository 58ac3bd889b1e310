"""An `op_names` entry written as a parameter name (`bert.encoder.layer.0.output.dense.weight`).

INC 1.x (`weight_compression`) named parameters; INC 2.x matches `op_names` with `re.search` against
module names from `named_modules()`, which never end in `.weight` or `.bias`. Such an entry selects no
layer and INC says nothing about it (it only logs that a pruner hooks no layers when all its entries
miss), so a config migrated by hand from 1.x trains without pruning. Seen in INC's own prune_and_ptq
example. With a model, PL045/PL037 name the entry against the real layer names instead (one finding
per problem), so this rule speaks only where no model is known.
"""

from __future__ import annotations

import re

from ..diagnostics import Fix
from ..yaml_tree import Scalar, Sequence
from .context import RuleContext
from .helpers import setting
from .registry import WARNING, checker, rule

PARAMETER_NAME = rule(
    "PL079", "op-name-is-parameter", WARNING, "An `op_names` entry that names a parameter, not a module",
    dialects="AB", fixable=True,
    explanation="INC 2.x matches op_names against module names (`named_modules()`), which never end in `.weight` "
    "or `.bias`: the entry selects no layer, silently. INC 1.x's `names` were parameter names, so this is the usual "
    "slip when a 1.x config is migrated by hand. Drop the suffix. With a model, PL045 reports the entry instead.")

# A dotted name (dots optionally escaped) whose last part is a parameter: no other regex syntax, so the
# entry is certainly meant as a literal name.
_PARAM = re.compile(r"(?:[\w\-:]+(?:\.|\\\.))+(?P<param>weight|bias)")


@checker(PARAMETER_NAME)
def check_parameter_names(ctx: RuleContext) -> None:
    if ctx.model is not None or ctx.doc.unrecognised:
        return
    for p in ctx.pruners:
        pattern = p.value("pattern")
        if isinstance(pattern, str) and "mha" in pattern:  # mha pruners ignore op_names
            continue
        s = setting(p, "op_names")
        if s is None or s.pair is None or not isinstance(s.node, Sequence) or not isinstance(s.value, list):
            continue
        for raw, node in zip(s.value, s.node.items):
            if not isinstance(raw, str) or not isinstance(node, Scalar):
                continue
            m = _PARAM.fullmatch(raw)
            if m is None:
                continue
            module = raw[:m.start("param")].removesuffix(".").removesuffix("\\.").removesuffix("\\")
            ctx.report(PARAMETER_NAME.code, node,
                       f"`{raw}` is a parameter name; INC 2.x matches module names, so this entry selects no layer "
                       f"(silently): write `{module}`", fixes=_drop_suffix(ctx, node, raw, module))


def _drop_suffix(ctx: RuleContext, node: Scalar, raw: str, module: str) -> list[Fix]:
    source = ctx.parsed.text[node.start:node.end]
    cut = source.rfind(raw)
    if cut < 0:  # escapes in a quoted scalar: the source does not spell the value as-is
        return []
    new = source[:cut] + module + source[cut + len(raw):]
    return [Fix(f"use the module name `{module}`", (ctx.edit(node, new),))]
