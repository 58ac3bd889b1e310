"""Config values a script changes at run time, before INC builds the pruners.

INC's own training scripts write a config, then change it: `config.end_step = ...` on the
WeightPruningConfig object, `config.pruning_configs[0]["end_step"] = ...`, `prune.update_config(
start_step=..., end_step=...)` on the experimental pruning_v2 Pruning built from it (INC's 1.x_v2 tests;
it sets the key in every pruner's merged config, a pruner's own value included; INC 2.6's
prepare_compression callbacks have no such method), or `update_items_for_all_pruners(...)` on the
experimental/1.x Pruning objects. The value in the call is then not what INC reads, so each
overridden key becomes a run-time value (an UnknownScalar, as an unreadable expression is): the
checker keeps only the findings that hold whatever that value is.

Which config an override touches: attribute and item assignments name the variable the call was
bound to; `update_config` / `update_items_for_all_pruners` go through INC's Pruning objects, which
this module does not follow, so they touch every config of the file.
"""

from __future__ import annotations

import ast
from typing import Optional

from ..yaml_tree import Mapping, Pair, Scalar
from .literals import TAG_UNKNOWN, UNKNOWN, Converter, UnknownScalar

UPDATE_METHODS = ("update_config", "update_items_for_all_pruners")


def _bound_names(tree: ast.AST, calls: dict[int, int]) -> dict[str, int]:
    """variable name -> index of the config call assigned to it (`cfg = WeightPruningConfig(...)`)."""
    out: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and id(node.value) in calls:
            for t in node.targets:
                if isinstance(t, ast.Name):
                    out[t.id] = calls[id(node.value)]
    return out


def _const_key(sub: ast.Subscript) -> Optional[str]:
    s = sub.slice
    return s.value if isinstance(s, ast.Constant) and isinstance(s.value, str) else None


def find_overrides(tree: ast.AST, calls: dict[int, int], n_docs: int) -> list[tuple[set, str, ast.AST, bool]]:
    """(config indexes, key, where, in_pruners) for each run-time change of a config key."""
    names = _bound_names(tree, calls)
    every = set(range(n_docs))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in UPDATE_METHODS:
            for kw in node.keywords:
                if kw.arg:
                    out.append((every, kw.arg, kw, True))
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
            if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        for t in targets:
            # cfg.end_step = ...
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id in names:
                out.append(({names[t.value.id]}, t.attr, t, False))
            # cfg.pruning_configs[i]["end_step"] = ...
            if isinstance(t, ast.Subscript) and _const_key(t) and isinstance(t.value, ast.Subscript):
                base = t.value.value
                if isinstance(base, ast.Attribute) and base.attr == "pruning_configs" \
                        and isinstance(base.value, ast.Name) and base.value.id in names:
                    out.append(({names[base.value.id]}, _const_key(t), t, True))
    return out


def _unknown(conv: Converter, where: ast.AST, key: str) -> UnknownScalar:
    start, end = conv.smap.span(where)
    return conv.unknown_at(start, end, key)


def _make_runtime(conv: Converter, doc, mapping: Mapping, key: str, where: ast.AST, add: bool) -> None:
    pair = mapping.get_pair(key)
    if pair is not None:
        u = conv.unknown_at(pair.value.start, pair.value.end, key)
        pair.value = u
        doc.unknowns.append(u)
    elif add:
        u = _unknown(conv, where, key)
        k = Scalar(u.start, u.end, "tag:yaml.org,2002:str", key, key, None)
        mapping.pairs.append(Pair(k, u))
        doc.unknowns.append(u)


def apply_overrides(tree: ast.AST, docs: list, sites: list, conv: Converter) -> None:
    """Turn every overridden key of `docs` (built from `sites`, in order) into a run-time value."""
    calls = {id(s.call): i for i, s in enumerate(sites)}
    for indexes, key, where, in_pruners in find_overrides(tree, calls, len(docs)):
        for i in indexes:
            doc = docs[i]
            root = doc.root
            if not isinstance(root, Mapping):
                continue
            # a global key that INC merges into every pruner (a pruner's own value would win, so
            # those become run-time too when the change is made per pruner)
            _make_runtime(conv, doc, root, key, where, add=not in_pruners or not doc.pruners)
            if in_pruners or key in ("start_step", "end_step"):
                for e in doc.pruners:
                    if isinstance(e.node, Mapping):
                        _make_runtime(conv, doc, e.node, key, where, add=in_pruners)


__all__ = ["apply_overrides", "find_overrides", "UPDATE_METHODS", "TAG_UNKNOWN", "UNKNOWN"]
