"""Small helpers shared by the checks over effective pruner configs."""

from __future__ import annotations

import functools
from typing import Any, Iterator, Optional

from ..diagnostics import Fix, TextEdit
from ..merge import EffectivePruner, Setting
from ..schema.keys_v2 import DEFAULT_CONFIG_KEYS
from ..schema.patterns import Pattern, parse_pattern
from ..yaml_tree import Mapping, Pair, Scalar
from .context import RuleContext
from .keynames import names_for


def is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def pruners(ctx: RuleContext) -> Iterator[tuple[EffectivePruner, dict]]:
    """Each effective pruner with the dialect's key names."""
    keys = names_for(ctx.dialect)
    for p in ctx.pruners:
        yield p, keys


def setting(p: EffectivePruner, key: Optional[str]) -> Optional[Setting]:
    return p.settings.get(key) if key else None


def num(p: EffectivePruner, key: Optional[str]) -> Optional[float]:
    """The setting as the number INC compares: a YAML 1.1 boolean (`yes`, `off`) is the int 1 or 0
    to check_config (`True < 1.0` is False), so it counts as that number here."""
    # setting() and is_num() inlined: these two run ~30 times per pruner (700,000 calls on a
    # 21,000-pruner config).
    s = p.settings.get(key) if key else None
    if s is None:
        return None
    v = s.value
    if isinstance(v, bool):
        return int(v)
    return v if isinstance(v, (int, float)) else None


def string(p: EffectivePruner, key: Optional[str]) -> Optional[str]:
    s = p.settings.get(key) if key else None
    return s.value if s is not None and isinstance(s.value, str) else None


@functools.lru_cache(maxsize=1024)
def pattern_of(raw: str) -> Pattern:
    """parse_pattern, once per spelling: a generated config writes one pattern 20,000 times. The
    Pattern is shared: read it, never change it."""
    return parse_pattern(raw)


def replace_fix(ctx: RuleContext, s: Optional[Setting], text: str, title: str, safe: bool = True) -> list[Fix]:
    if s is None or s.pair is None or not isinstance(s.node, Scalar):
        return []
    return [Fix(title, (ctx.edit(s.node, text),), safe=safe)]


def fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.6g}"
    return str(x)


def move_under_parameters_fix(ctx: RuleContext, mapping: Mapping, pair: Pair) -> list[Fix]:
    """`reg_coeff: 0.1` -> `parameters: {reg_coeff: 0.1}`, when the mapping has no `parameters` yet."""
    if mapping.get_pair("parameters") is not None or not isinstance(pair.value, Scalar) \
            or not isinstance(pair.key, Scalar) or pair.key.style:
        return []
    value_text = ctx.parsed.text[pair.value.start:pair.value.end]
    rng = ctx.parsed.lines.range(pair.key.start, pair.value.end)
    return [Fix("move under `parameters`", (TextEdit(rng, f"parameters: {{reg_coeff: {value_text}}}"),))]


def shown(s: Optional[Setting], value: Any) -> str:
    """A value as the user wrote it, saying what YAML 1.1 made of a boolean."""
    if isinstance(s.value if s else None, bool) and s is not None and isinstance(s.node, Scalar):
        return f"`{s.node.raw}` (YAML 1.1's boolean {str(s.value).lower()}, the number {int(s.value)} to INC)"
    return fmt(value)


def global_pair_unused(ctx: RuleContext, pair: Pair) -> bool:
    """A global key of dialects A/B that every pruner sets itself: INC merges it into no pruner and
    never reads it (process_*_config only checks the per-pruner dicts when there are pruners)."""
    if ctx.dialect not in ("A", "B") or not ctx.pruners or pair.name not in DEFAULT_CONFIG_KEYS:
        return False
    g = ctx.doc.globals
    if not isinstance(g, Mapping) or not any(q is pair for q in g.pairs):
        return False
    for p in ctx.pruners:
        s = p.settings.get(pair.name)
        if s is not None and (s.pair is pair or (s.capped_from is not None and s.capped_from.pair is pair)):
            return False
    return True


UNUSED_NOTE = ("; no pruner uses this global value (each sets its own `{key}`), so INC does not fail on it, "
               "but it would as soon as a pruner inherits it")
