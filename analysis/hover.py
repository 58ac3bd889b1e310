"""Hover: what a key does (from analysis.schema), what a value means, and for a pruner's key the
value INC will really use and where it comes from (this pruner, the global section, INC's default).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from .merge import EffectivePruner, Setting
from .positions import Position, Range
from .schema import KeySpec, Level
from .schema.patterns import parse_pattern
from .schema.spec import _show
from .yaml_tree import Mapping, Pair, Scalar, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from .engine import CheckedConfig, CheckResult

_ORIGIN = {
    "pruner": "set in this pruner",
    "global": "inherited from the global section",
    "parameters": "from this pruner's `parameters` (copied over the top-level key)",
    "default": "INC's default (not written anywhere)",
    "class-default": "the `!Pruner` class default (the global value is not used)",
    "cap": "capped by INC to N/M for the N:M pattern",
}


@dataclass
class HoverInfo:
    markdown: str
    range: Range  # the key or value hovered, engine units


@dataclass
class _Hit:
    config: "CheckedConfig"
    pair: Pair
    level: Level
    pruner: Optional[EffectivePruner]  # the pruner the pair belongs to (None: global section)
    on_key: bool
    item: Optional[int] = None  # the list entry hovered, in a list value (`op_names: [a, b]`)


def _contains(node: Any, off: int) -> bool:
    return node is not None and node.start <= off <= node.end


def _find_in_mapping(m: Any, off: int) -> Optional[tuple[Pair, bool, Optional[int]]]:
    if not isinstance(m, Mapping):
        return None
    for p in m.pairs:
        if p.merged:
            continue
        if _contains(p.key, off):
            return p, True, None
        if isinstance(p.value, Scalar) and _contains(p.value, off):
            return p, False, None
        if isinstance(p.value, Sequence) and _contains(p.value, off):
            for i, item in enumerate(p.value.items):
                if isinstance(item, Scalar) and _contains(item, off):
                    return p, False, i
    return None


def _locate(result: "CheckResult", off: int) -> Optional[_Hit]:
    for checked in result.configs:
        doc = checked.config
        # No test on the document's span: a Python call's pruner dicts may be written before the
        # call (`configs = [{...}]; WeightPruningConfig(configs)`); the nodes' own spans decide.
        by_entry = {ep.index: ep for ep in checked.pruners}
        # pruner entries first (they sit inside the global mapping), then the global section
        scopes = [(e.mapping, Level.PRUNER, by_entry.get(e.index)) for e in doc.pruners if e.mapping is not None]
        if isinstance(doc.globals, Mapping):
            scopes.append((doc.globals, Level.GLOBAL, None))
        for mapping, level, ep in scopes:
            if level is Level.PRUNER and not _contains(mapping, off):
                continue
            params = mapping.get("parameters")
            hit = _find_in_mapping(params, off) if isinstance(params, Mapping) else None
            if hit:
                return _Hit(checked, hit[0], Level.PARAMETERS, ep, hit[1], hit[2])
            hit = _find_in_mapping(mapping, off)
            if hit:
                return _Hit(checked, hit[0], level, ep, hit[1], hit[2])
    return None


def _fmt(v: Any) -> str:
    return f"`{_show(v)}`"


def _effective_line(ep: EffectivePruner, key: str) -> Optional[str]:
    s: Optional[Setting] = ep.settings.get(key)
    if s is None:
        return None
    return f"Effective value in {ep.label()}: {_fmt(s.value)}, {_ORIGIN.get(s.origin, s.origin)}."


def _global_usage(checked: "CheckedConfig", key: str, pair: Pair) -> list[str]:
    out = []
    for ep in checked.pruners:
        s = ep.settings.get(key)
        if s is None:
            continue
        if s.pair is pair:
            out.append(f"- {ep.label()}: uses it")
        else:
            out.append(f"- {ep.label()}: {_fmt(s.value)} ({_ORIGIN.get(s.origin, s.origin)})")
    return out


def _pattern_meaning(raw: str) -> str:
    p = parse_pattern(raw)
    if p.problems:
        return f"INC rejects `{raw}`: " + "; ".join(m for _, m in p.problems)
    if p.kind == "nxm":
        return (f"blocks of {p.n} x {p.m} (rows/output channels by columns/inputs) are pruned together"
                if p.n != 1 or p.m != 1 else "unstructured, element-wise pruning")
    if p.kind == "nm":
        return f"{p.n} of every {p.m} consecutive input weights pruned (at most {int(p.n) / int(p.m):g} sparsity)"
    if p.kind == "mha":
        return "whole attention heads (PyTorch only)"
    return ""


def _value_markdown(spec: Optional[KeySpec], key: str, node: Scalar) -> str:
    raw = node.raw
    parts = []
    if spec is not None:
        meaning = spec.value_docs.get(str(node.value)) or spec.value_docs.get(raw)
        if key == "pattern" and not meaning:
            meaning = _pattern_meaning(str(node.value)) if isinstance(node.value, str) else ""
        if key == "pattern" and not isinstance(node.value, str) and node.plain and ":" in raw:
            meaning = f"YAML 1.1 reads unquoted `{raw}` as the integer {node.value}, not an N:M pattern: quote it"
        parts.append(f"**{key}**: `{raw}`" + (f": {meaning}" if meaning else ""))
        if spec.allowed:
            parts += ["", "Allowed: " + ", ".join(f"`{v}`" for v in spec.allowed)]
        parts += ["", spec.doc]
    else:
        parts.append(f"**{key}**: `{raw}`")
    return "\n".join(parts)


def _entry_hover(hit: _Hit, key: str, lines: Any, index: Any) -> Optional[HoverInfo]:
    """An entry of a layer list: what it selects in the model (analysis.layer_hints)."""
    from .layer_hints import entry_markdown

    assert isinstance(hit.pair.value, Sequence) and hit.item is not None
    node = hit.pair.value.items[hit.item]
    md = entry_markdown(hit.config, hit.pruner, hit.pair, key, hit.item, index)
    if md is None:
        return None
    return HoverInfo(f"**{key}** entry `{node.raw}`: " + md, lines.range(node.start, node.end))


def hover(result: "CheckResult", pos: Position, index: Any = None) -> Optional[HoverInfo]:
    """Hover text at `pos` (engine units), or None where there is nothing to say; `index` is the
    config's loaded model (analysis.models.LayerIndex), for what a layer-list entry selects."""
    if result.parsed is None or not result.configs:
        return None
    lines = result.parsed.lines
    off = lines.offset(pos)
    hit = _locate(result, off)
    if hit is None:
        return None
    key = hit.pair.name
    if not isinstance(key, str):
        return None
    dialect = hit.config.config.dialect
    spec = dialect.keys_at(hit.level).get(key)
    if spec is None and hit.level is Level.PRUNER:
        spec = dialect.global_keys.get(key)
    if hit.item is not None:
        from .layer_hints import LAYER_LIST_KEYS

        return _entry_hover(hit, key, lines, index) if key in LAYER_LIST_KEYS else None
    node = hit.pair.key if hit.on_key else hit.pair.value
    rng = lines.range(node.start, node.end)
    if not hit.on_key:
        assert isinstance(hit.pair.value, Scalar)
        md = _value_markdown(spec, key, hit.pair.value)
    elif spec is None:
        md = f"**{key}**: not a key INC reads at this level ({hit.level.value})."
    else:
        md = spec.markdown()
    extra: list[str] = []
    if hit.pruner is not None and key in hit.pruner.settings:
        line = _effective_line(hit.pruner, key)
        if line:
            extra.append(line)
        if hit.on_key and index is not None and key in ("op_names", "excluded_op_names", "pattern",
                                                        "pruning_op_types"):
            from .layer_hints import SELECTION_DIALECTS, pruner_lens_title

            if dialect.id in SELECTION_DIALECTS:
                extra.append(f"In the model, {hit.pruner.label()} {pruner_lens_title(hit.pruner, index)}.")
    elif hit.level is Level.GLOBAL and hit.config.pruners:
        usage = _global_usage(hit.config, key, hit.pair)
        if usage:
            extra += ["Pruners:"] + usage
    if hit.on_key:
        extra += _schedule_lines(hit, key)
    if extra:
        md = "\n\n".join(["\n".join(extra), "---", md])
    return HoverInfo(md, rng)


def _schedule_lines(hit: _Hit, key: str) -> list[str]:
    """On a key that shapes the schedule: each affected pruner's curve (analysis.schedule)."""
    from .schedule.chart import SCHEDULE_KEYS, schedule_summary
    from .schedule.config import schedules_for_checked

    if key not in SCHEDULE_KEYS:
        return []
    try:
        cs = schedules_for_checked(hit.config)
    except Exception:  # a config too broken to schedule: the diagnostics say why
        return []
    if hit.pruner is not None:
        cs.pruners = [s for s, a in zip(cs.pruners, cs.anchors) if a is hit.pruner]
    elif hit.level is Level.PRUNER and hit.config.config.dialect.id == "D":
        cs.pruners = [s for s, a in zip(cs.pruners, cs.anchors) if a.mapping is not None
                      and a.mapping.start <= hit.pair.key.start <= a.mapping.end]
    return ["INC's schedule (sparsity at each mask update):"] + [f"- {schedule_summary(s)}" for s in cs.pruners] \
        if cs.pruners else []
