"""Document symbols (the outline): the global section and each pruner, named by what it prunes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from .merge import EffectivePruner
from .positions import Range
from .schema.spec import _show
from .yaml_tree import Mapping, Node, Pair

if TYPE_CHECKING:  # pragma: no cover
    from .engine import CheckResult

MAX_SYMBOLS = 5000  # an outline past this is noise, and costs the client (yaml-language-server caps too)

KIND_NAMESPACE, KIND_OBJECT, KIND_PROPERTY = "namespace", "object", "property"


@dataclass
class Symbol:
    name: str
    kind: str
    range: Range  # the whole entry
    selection_range: Range  # its key or tag
    detail: str = ""
    children: list["Symbol"] = field(default_factory=list)


def _short(v: Any, limit: int = 40) -> str:
    s = _show(v)
    return s if len(s) <= limit else s[:limit - 3] + "..."


def pruner_name(ep: Optional[EffectivePruner], index: int) -> str:
    """`pruner 2: layer1.*, layer2.*` (op_names), else the layer types it takes."""
    if ep is None:
        return f"pruner {index + 1}"
    for key in ("op_names", "names"):
        v = ep.value(key)
        if isinstance(v, list) and v and all(isinstance(x, str) for x in v):
            shown = ", ".join(v[:3]) + (", ..." if len(v) > 3 else "")
            return f"pruner {index + 1}: {shown}"
    types = ep.value("pruning_op_types") or ep.value("prune_layer_type")
    if isinstance(types, list) and types:
        return f"pruner {index + 1}: every {'/'.join(str(t) for t in types[:3])} layer"
    return f"pruner {index + 1}: every layer"


def _pruner_detail(ep: Optional[EffectivePruner]) -> str:
    if ep is None:
        return ""
    parts = []
    t = ep.value("pruning_type") or ep.value("prune_type")
    if t:
        parts.append(str(t))
    p = ep.value("pattern")
    if p is not None:
        parts.append(str(p))
    s = ep.value("target_sparsity")
    if isinstance(s, (int, float)) and not isinstance(s, bool):
        parts.append(f"-> {s:g}")
    return " ".join(parts)


def _trimmed(result: "CheckResult", start: int, end: int) -> Range:
    """A node's range without the blank lines and indentation PyYAML counts into a block's end."""
    text = result.parsed.text
    while end > start and text[end - 1] in " \t\r\n":
        end -= 1
    return result.parsed.lines.range(start, end)


def _pair_range(result: "CheckResult", pair: Pair) -> Range:
    return _trimmed(result, pair.key.start, max(pair.value.end, pair.key.end))


def _key_children(result: "CheckResult", m: Mapping, budget: list[int]) -> list[Symbol]:
    out = []
    lines = result.parsed.lines
    for p in m.pairs:
        if p.merged or not isinstance(p.name, str) or budget[0] <= 0:
            continue
        budget[0] -= 1
        val = p.value
        detail = _short(getattr(val, "value", "")) if not isinstance(val, (Mapping,)) and hasattr(val, "value") else ""
        out.append(Symbol(p.name, KIND_PROPERTY, _pair_range(result, p), lines.range(p.key.start, p.key.end), detail))
    return out


def document_symbols(result: "CheckResult") -> list[Symbol]:
    if result.parsed is None:
        return []
    lines = result.parsed.lines
    budget = [MAX_SYMBOLS]
    out: list[Symbol] = []
    for checked in result.configs:
        doc = checked.config
        by_index = {ep.index: ep for ep in checked.pruners}
        g = doc.globals
        title = doc.container.name if doc.container is not None else "WeightPruningConfig"
        if isinstance(g, Mapping) and budget[0] > 0:
            budget[0] -= 1
            sel: Node = doc.container.key if doc.container is not None else g
            rng = _pair_range(result, doc.container) if doc.container is not None else _trimmed(result, g.start, g.end)
            keys = [p for p in g.pairs if p.name not in (doc.dialect.pruners_key,)]
            sym = Symbol(f"global section ({title})", KIND_NAMESPACE, rng, lines.range(sel.start, sel.end),
                         doc.dialect.title)
            sub = Mapping(g.start, g.end, g.tag, pairs=keys)
            sym.children = _key_children(result, sub, budget)
            out.append(sym)
        for entry in doc.pruners:
            if budget[0] <= 0:
                break
            budget[0] -= 1
            ep = by_index.get(entry.index)
            node = entry.node
            rng = _trimmed(result, node.start, node.end)
            first = lines.position(node.start)
            sel_rng = Range(first, lines.position(min(node.end, lines.line_end(first.line))))
            sym = Symbol(pruner_name(ep, entry.index), KIND_OBJECT, rng, sel_rng, _pruner_detail(ep))
            if isinstance(node, Mapping):
                sym.children = _key_children(result, node, budget)
            out.append(sym)
    return out
