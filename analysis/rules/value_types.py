"""PL013: values of the wrong type, as PyYAML's YAML 1.1 reads them (INC's reading)."""

from __future__ import annotations

import math

import re
from typing import Any, Optional

from ..diagnostics import Fix
from ..schema import spec as T
from ..schema.spec import KeySpec, Level
from ..yaml_tree import Mapping, Node, Pair, Scalar, Sequence
from .context import RuleContext
from .helpers import UNUSED_NOTE, global_pair_unused
from .registry import ERROR, WARNING, checker, rule
from .unknown_keys import _levels
from .yaml_traps import after_colon

WRONG_TYPE = rule("PL013", "wrong-type", ERROR, "A value of the wrong type", spec="R13", fixable=True,
                  explanation="INC compares numbers (`target_sparsity >= 0`), tests substrings (`'x' in pattern`) and "
                  "iterates lists: a value of another type raises TypeError when the config is read or the pruner is "
                  "built. YAML 1.1 traps: `1e-3` and `9e-1` (no dot) are strings, `yes`/`no`/`on`/`off` are booleans, "
                  "an empty value is null (and `{}` under INC 2.x's loader). The 1.x schema also rejects an int where "
                  "it wants a float (`0` for `initial_sparsity`).")

_SCI = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)[eE][-+]?\d+$")
_BOOL_WORDS = {"yes", "no", "on", "off", "y", "n", "true", "false"}
# Keys whose string value is handled by a more specific rule (layer_regex.py, yaml_traps.py).
_SKIP_STR_LISTS = True


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _describe(node: Node, value: Any) -> str:
    if isinstance(node, Scalar) and node.is_null:
        return "empty (null)"
    if isinstance(node, Sequence):  # a nested list: no `.value` to describe
        return "a list"
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(value, bool):
        raw = node.raw if isinstance(node, Scalar) else str(value)
        return f"`{raw}`, which YAML 1.1 reads as the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string \"{value}\""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(node, Scalar):
        return f"`{node.raw}`"
    return repr(value)


@checker(WRONG_TYPE)
def check_value_types(ctx: RuleContext) -> None:
    d = ctx.doc.dialect
    if ctx.doc.unrecognised or not d.supported:
        return
    unread_local = UNREAD_LOCAL.get(d.id, frozenset())
    known_at = {lv: d.keys_at(lv) for lv in Level}
    for level, mapping, _index in _levels(ctx):
        known = known_at[level]
        schema_checked = d.id in "CD" and level is Level.GLOBAL
        pairs = mapping.pairs
        # get_pair below finds the pair PyYAML keeps; only a mapping with a repeated key needs asking
        names = [p.name for p in pairs if isinstance(p.name, str)]
        repeated = len(set(names)) < len(names)
        unread = None
        for pair in pairs:
            spec = known.get(pair.name) if isinstance(pair.name, str) else None
            if spec is None or (repeated and mapping.get_pair(pair.name) is not pair):
                continue  # unknown, or a duplicate PyYAML discards (PL059 says so)
            if d.id == "D" and level is Level.PRUNER and pair.name in LEGACY_RUN_CHECKED:
                continue  # PL071 (legacy_run.py): what the 1.x pruner of this type does with the value
            if d.id == "C" and level is Level.PRUNER and pair.name == "names" and (
                    isinstance(pair.value, Mapping) or (isinstance(pair.value, Scalar)
                                                        and isinstance(pair.value.value, str))):
                continue  # PL071: the experimental pruner iterates it (characters, keys) as regexes
            before = len(ctx.diagnostics)
            _check(ctx, d.id, level, spec, pair, schema_checked)
            if len(ctx.diagnostics) == before:
                continue  # nothing found: nothing to soften
            if unread is None:
                unread = unread_local
                if d.id == "D" and _prune_type(mapping) == "pattern_lock":
                    unread = unread | PATTERN_LOCK_UNREAD
            if level is Level.PRUNER and pair.name in unread:
                for diag in ctx.diagnostics[before:]:
                    if diag.code == WRONG_TYPE.code and diag.severity is ERROR:
                        diag.severity = WARNING
                        diag.message += (f"; INC's {'1.x' if d.id == 'D' else 'experimental'} pruners never read "
                                         f"`{pair.name}` from a `!Pruner`, so INC does not fail on it")
            if level is Level.GLOBAL and len(ctx.diagnostics) > before and global_pair_unused(ctx, pair):
                for diag in ctx.diagnostics[before:]:
                    if diag.code == WRONG_TYPE.code and diag.severity is ERROR:
                        diag.severity = WARNING
                        diag.message += UNUSED_NOTE.format(key=spec.name)


# `!Pruner` keys that INC's pruners of the dialect never read (the 1.x pruners schedule by epochs,
# the experimental pytorch_pruner by steps): a wrong type there cannot make INC fail.
UNREAD_LOCAL = {
    "C": frozenset({"start_epoch", "end_epoch", "initial_sparsity", "update_frequency", "method", "parameters"}),
    "D": frozenset({"start_step", "end_step", "update_frequency_on_step", "prune_domain", "sparsity_decay_type",
                    "extra_excluded_names"}),
}


# `!Pruner` keys whose values PL071 replays through the 1.x pruners (an error only where INC fails).
LEGACY_RUN_CHECKED = frozenset({"start_epoch", "end_epoch", "initial_sparsity", "target_sparsity", "update_frequency",
                                "names", "parameters"})


# The 1.x PatternLockPruner only keeps the existing zeros: it never schedules a sparsity.
PATTERN_LOCK_UNREAD = frozenset({"start_epoch", "end_epoch", "initial_sparsity", "target_sparsity", "update_frequency"})


def _prune_type(mapping) -> Any:
    node = mapping.get("prune_type") if hasattr(mapping, "get") else None
    return node.value if isinstance(node, Scalar) else "basic_magnitude"


def _check(ctx: RuleContext, dialect: str, level: Level, spec: KeySpec, pair: Pair, schema_checked: bool) -> None:
    node = pair.value
    null = isinstance(node, Scalar) and node.is_null
    if null and dialect == "A":
        return  # a plain yaml.safe_load keeps None: "unset", INC falls back to global/default
    value: Any = {} if (null and dialect in "BCD") else (node.value if isinstance(node, Scalar) else None)
    t = spec.type
    if t in (T.T_ANY, T.T_BOOLISH, T.T_PRUNERS, "list[dict]"):  # pruner lists: structure.py
        return
    if spec.name == "sparsity_decay_type" and (dialect in "AB" or (dialect == "C" and level is Level.PRUNER)):
        return  # any non-allowed value, whatever its type, is PL026's: INC reads it only in iterative schedules
    if isinstance(node, Sequence):
        if t in (T.T_STR_LIST, T.T_LIST):
            if t == T.T_STR_LIST:
                for item in node.items:
                    if not (isinstance(item, Scalar) and isinstance(item.value, str)):
                        ctx.report(WRONG_TYPE.code, item, f"every entry of `{spec.name}` must be a string "
                                   f"(a regex or class name); this one is {_describe(item, getattr(item, 'value', None))}"
                                   + ("; quote it" if isinstance(item, Scalar) else ""))
            return
        return _bad(ctx, spec, pair, "a list", ERROR)
    if isinstance(node, Mapping):
        if t == T.T_DICT:
            return
        if t == T.T_STR_LIST and dialect in "AB" and spec.name != "excluded_op_names":
            # parse_to_prune iterates it: a mapping's keys act as the list (excluded_op_names fails on append)
            return _bad(ctx, spec, pair, "a mapping", WARNING, extra="INC uses its keys as the list entries")
        return _bad(ctx, spec, pair, "a mapping", ERROR)
    assert isinstance(node, Scalar)
    raw = node.raw
    if t == T.T_DICT:
        if null:
            return
        return _bad(ctx, spec, pair, _describe(node, value), ERROR)
    if t in (T.T_STR_LIST, T.T_LIST):
        if null and t == T.T_STR_LIST and dialect == "B" and spec.name == "excluded_op_names":
            # {} has no append(): INC fails adding the classifier head to the exclusions
            fix = Fix("write `[]`", (ctx.edit(after_colon(ctx, pair), " []"),))
            return _bad(ctx, spec, pair, "empty, which INC 2.x's loader reads as {}", ERROR,
                        extra="INC appends the classifier head's name to it and fails (TypeError); "
                        "write `[]` or remove the key", fixes=[fix])
        if null and t == T.T_STR_LIST:
            return  # PL040 explains `op_names:` -> {}
        if isinstance(value, str) and t == T.T_STR_LIST:
            return  # PL029/PL030: a bare string, iterated per character
        if schema_checked or not null:
            return _bad(ctx, spec, pair, _describe(node, value), ERROR if (schema_checked or not null) else WARNING)
        return
    if t in (T.T_FLOAT, T.T_STRICT_FLOAT):
        if t == T.T_STRICT_FLOAT and schema_checked and isinstance(value, int) and not isinstance(value, bool):
            fix = Fix(f"write `{value}.0`", (ctx.edit(node, f"{value}.0"),))
            return _bad(ctx, spec, pair, f"the int `{raw}`", ERROR, extra="INC 1.x's schema wants a float literal: "
                        f"write `{value}.0`", fixes=[fix])
        if _is_num(value):
            return
        if isinstance(value, str) and _SCI.match(value.strip()) and not node.style and math.isfinite(float(value)):
            num = float(value)  # (1e400 is no number to suggest: it overflows to inf, reported below as a string)
            text = _decimal(num)
            fix = Fix(f"write `{text}`", (ctx.edit(node, text),))
            return _bad(ctx, spec, pair, f"`{raw}`", ERROR,
                        extra=f"YAML 1.1 reads a number in e-notation without a dot as a string; write `{text}`",
                        fixes=[fix])
        if isinstance(value, bool):
            return _bad(ctx, spec, pair, _describe(node, value), WARNING if not schema_checked else ERROR)
        if isinstance(value, str) and node.style and _float_or_none(value) is not None and spec.name == "reg_coeff":
            return  # INC calls float() on reg_coeff: "0.1" works
        return _bad(ctx, spec, pair, _describe(node, value), ERROR)
    if t == T.T_INT:
        if isinstance(value, int) and not isinstance(value, bool):
            return
        if isinstance(value, bool):
            return _bad(ctx, spec, pair, _describe(node, value), ERROR if schema_checked else WARNING)
        if isinstance(value, float):
            sev = ERROR if schema_checked else WARNING
            fixes = [Fix(f"write `{int(value)}`", (ctx.edit(node, str(int(value))),))] if value == int(value) else []
            return _bad(ctx, spec, pair, f"the float `{raw}`", sev, extra="steps are whole numbers", fixes=fixes)
        if isinstance(value, str) and _SCI.match(value.strip()) and not node.style:
            return _bad(ctx, spec, pair, f"`{raw}`", ERROR, extra="YAML 1.1 reads e-notation without a dot as a string")
        return _bad(ctx, spec, pair, _describe(node, value), ERROR)
    if t == T.T_STR:
        if isinstance(value, str):
            return
        if spec.name == "pattern" and isinstance(value, int) and not node.style and ":" in raw:
            return  # PL014 (yaml_traps.py) reports unquoted N:M
        if null and spec.nullable and dialect != "B":
            return
        if spec.name in ("reg_type", "backend") and null and dialect == "B":
            # INC 2.x reads `reg_type:` as {}: not None, so group lasso is looked up and fails.
            return _bad(ctx, spec, pair, "empty, which INC 2.x's loader turns into {}", ERROR,
                        extra="remove the key to mean 'no regularization'")
        fixes = []
        if isinstance(value, bool) or _is_num(value):
            fixes = [Fix(f"quote it: \"{raw}\"", (ctx.edit(node, f'"{raw}"'),))]
        sev = ERROR
        if dialect == "D" and not schema_checked:
            sev = WARNING
        return _bad(ctx, spec, pair, _describe(node, value), sev, extra="quote it" if fixes else "", fixes=fixes)
    if t == T.T_BOOL:
        if isinstance(value, bool):
            return
        return _bad(ctx, spec, pair, _describe(node, value), WARNING, extra="write true or false")


def _bad(ctx: RuleContext, spec: KeySpec, pair: Pair, got: str, severity, *, extra: str = "", fixes=()) -> None:
    want = {T.T_FLOAT: "a number", T.T_STRICT_FLOAT: "a float", T.T_INT: "an integer", T.T_STR: "a string",
            T.T_STR_LIST: "a list of strings", T.T_LIST: "a list", T.T_BOOL: "true or false",
            T.T_DICT: "a mapping"}.get(spec.type, spec.type)
    msg = f"`{spec.name}` must be {want}, not {got}"
    if extra:
        msg += f"; {extra}"
    ctx.report(WRONG_TYPE.code, pair.value if not (isinstance(pair.value, Scalar) and pair.value.is_null) else pair,
               msg, severity=severity, fixes=fixes)


def _decimal(x: float) -> str:
    s = repr(x)
    if "e" in s or "E" in s:
        s = f"{x:.12f}".rstrip("0")
        if s.endswith("."):
            s += "0"
    return s


def _float_or_none(s: str) -> Optional[float]:
    try:
        return float(s)
    except ValueError:
        return None
