"""op_names, excluded_op_names and pruning_op_types as INC's parse_to_prune reads them (spec 4)."""

from __future__ import annotations

import functools
import re
from typing import Optional

from ..diagnostics import Fix
from ..yaml_tree import Scalar, Sequence
from .context import RuleContext
from .helpers import pruners, setting
from .registry import ERROR, INFO, WARNING, checker, rule

BAD_REGEX = rule("PL027", "op-names-bad-regex", ERROR, "An `op_names` entry that is not a valid regex", spec="R27",
                 dialects="AB")
BAD_EXCLUDED_REGEX = rule("PL028", "excluded-bad-regex", ERROR, "An `excluded_op_names` entry that is not a valid regex",
                          spec="R28", dialects="AB")
EXCLUDED_STRING = rule("PL029", "excluded-is-string", ERROR, "`excluded_op_names` written as a string, not a list",
                       spec="R29", dialects="AB", fixable=True,
                       explanation="INC appends the classifier head's name to excluded_op_names: on a string that fails "
                       "with `AttributeError: 'str' object has no attribute 'append'`; without a head the string is "
                       "iterated per character, each character a regex that excludes almost every layer.")
STRING_AS_LIST = rule("PL030", "string-iterated-per-char", WARNING,
                      "`op_names` or `pruning_op_types` written as a string, not a list", spec="R30", dialects="AB",
                      fixable=True,
                      explanation="INC iterates a string per character: `pruning_op_types: Linear` tests the classes "
                      "against 'L', 'i', 'n', 'e', 'a', 'r', so LayerNorm and Embedding are pruned too.")


@checker(BAD_REGEX, BAD_EXCLUDED_REGEX, EXCLUDED_STRING, STRING_AS_LIST)
def check_layer_selection(ctx: RuleContext) -> None:
    for p, _k in pruners(ctx):
        pattern = p.value("pattern")
        mha = isinstance(pattern, str) and "mha" in pattern  # mha pruners ignore these keys
        for key, code in (("op_names", BAD_REGEX.code), ("excluded_op_names", BAD_EXCLUDED_REGEX.code)):
            s = setting(p, key)
            if s is None or mha:
                continue
            if isinstance(s.value, str):
                if key == "excluded_op_names":
                    ctx.report_setting(EXCLUDED_STRING.code, p, s, "`excluded_op_names` must be a list: INC appends the "
                                       "classifier head to it (AttributeError on a string)", fixes=_listify(ctx, s))
                else:
                    ctx.report_setting(STRING_AS_LIST.code, p, s, f"`{key}` is a string, so INC uses each character "
                                       "as a regex and selects almost every layer; write a list", fixes=_listify(ctx, s))
                continue
            if not isinstance(s.value, list):
                continue
            items = s.node.items if isinstance(s.node, Sequence) else [None] * len(s.value)
            for raw, node in zip(s.value, items):
                if not isinstance(raw, str):
                    continue
                problem = regex_problem(raw)
                if problem is not None:
                    where = node if node is not None else None
                    msg = f"`{raw}` is not a valid regular expression: {problem}"
                    if where is not None and s.origin in ("pruner", "global"):
                        inherited = s.origin == "global" and p.index is not None
                        ctx.report(code, where, msg + (f" (inherited by {p.label()})" if inherited else ""))
                    else:
                        ctx.report_setting(code, p, s, msg)
        s = setting(p, "pruning_op_types")
        if s is not None and isinstance(s.value, str) and not mha:
            chars = ", ".join(f"'{c}'" for c in dict.fromkeys(s.value))
            ops = setting(p, "op_names")
            narrowed = ops is not None and isinstance(ops.value, list) and bool(ops.value) \
                and all(isinstance(x, str) and x not in (".*", "") for x in ops.value)
            if narrowed:
                msg = (f"`pruning_op_types` is the string \"{s.value}\": INC matches each character ({chars}) as a "
                       "class-name substring, so among the layers `op_names` selects, every module with a weight is "
                       f"pruned whatever its class (LayerNorm, Embedding, BatchNorm, not only {s.value}). op_names "
                       "narrows it here, so this matters only if those names also match such modules; write a list")
                d = ctx.report_setting(STRING_AS_LIST.code, p, s, msg, fixes=_listify(ctx, s))
                if d is not None:
                    d.severity = INFO
            else:
                ctx.report_setting(STRING_AS_LIST.code, p, s, f"`pruning_op_types` is the string \"{s.value}\": INC "
                                   f"matches each character ({chars}) as a class-name substring, so almost every module "
                                   "with a weight is pruned (LayerNorm, Embedding, ...); write a list",
                                   fixes=_listify(ctx, s))


# Layer names as most configs write them (`bert.encoder.layer.0`): always a valid regex, no need to compile
# (a generated config names 20,000 distinct layers; compiling each took a second).
_PLAIN_NAME = re.compile(r"[\w.\-/: ]*").fullmatch


def regex_problem(raw: str) -> Optional[str]:
    """Why `raw` does not compile, or None."""
    return None if _PLAIN_NAME(raw) else _compile_problem(raw)


@functools.lru_cache(maxsize=20_000)
def _compile_problem(raw: str) -> Optional[str]:
    """Cached beyond re's own 512-entry cache: a config with a thousand pruners is re-checked on every
    keystroke with the same regexes."""
    try:
        re.compile(raw)
    except re.error as exc:
        return str(exc)
    except (RecursionError, OverflowError) as exc:  # pathological nesting or repeat counts
        return f"{type(exc).__name__}: {exc}"
    return None


def _listify(ctx: RuleContext, s) -> list[Fix]:
    node = s.node
    if not isinstance(node, Scalar):
        return []
    text = ctx.parsed.text[node.start:node.end]
    if not node.style:
        text = repr(node.value) if "'" not in node.value else f'"{node.value}"'
    return [Fix("make it a list", (ctx.edit(node, f"[{text}]"),))]
