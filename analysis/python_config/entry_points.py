"""INC's `prepare_pruning` called with the config where INC 2.6 expects the model.

INC 2.6 takes the model first: `prepare_pruning(model, config, optimizer=None, dataloader=None,
loss_func=None, framework="pytorch", device=None)` (neural_compressor/compression/pruner/__init__.py).
INC's earlier releases took the config first, and scripts and tests written for them still pass
`prepare_pruning(config, model, ...)` (INC's own ResNet50 and GLUE pruning examples, its
pruning_2_plus.x tests); INC 2.6 then hands the model to process_config, which fails with
`AssertionError: not supported type <the model>` before any pruner exists.

A call is flagged only when its first positional argument is certainly one of the file's
WeightPruningConfig(...) objects: the call itself, or a name whose every binding in its scope is
such a call. Anything else (a parameter, an attribute, a YAML path) is left alone.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Optional

from .scopes import CallSite, ScopeIndex
from .source import SourceMap

ENTRY = "prepare_pruning"
# Where INC defines or re-exports prepare_pruning (2.x), and INC's top level (not in 2.6: an import error
# of its own, but the call order is wrong either way).
ENTRY_MODULES = ("neural_compressor.training", "neural_compressor.compression.pruner",
                 "neural_compressor.compression", "neural_compressor")


@dataclass(frozen=True)
class ConfigFirstCall:
    """`prepare_pruning(config, model, ...)`: where to report it and the two arguments a fix swaps."""

    config_arg: tuple[int, int]
    model_arg: Optional[tuple[int, int]]  # None: the call passes no second positional argument
    callee: tuple[int, int]


def _is_entry(index: ScopeIndex, site: CallSite) -> bool:
    func = site.call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    if name != ENTRY:
        return False
    target = index.dotted(func, site.scope)
    if target is not None:
        return target[:-len(ENTRY) - 1] in ENTRY_MODULES
    if isinstance(func, ast.Name):  # a snippet without its import, or a star import from INC
        stars = index.star_imported(site.scope)
        return any(s in ENTRY_MODULES for s in stars) or func.id not in index.bound_anywhere
    return False


def _config_indexes(index: ScopeIndex, expr: ast.expr, config_calls: dict[int, int]) -> list[int]:
    """Indexes of the config calls `expr` certainly is ([] when it may be anything else)."""
    if isinstance(expr, ast.Call):
        return [config_calls[id(expr)]] if id(expr) in config_calls else []
    if not isinstance(expr, ast.Name):
        return []
    scope = index.name_scope.get(id(expr))
    for s in scope.chain() if scope is not None else ():
        if expr.id in s.bindings:
            values = s.bindings[expr.id]
            if values and all(v is not None and id(v) in config_calls for v in values):
                return sorted({config_calls[id(v)] for v in values})
            return []
    return []


def find_config_first_calls(index: ScopeIndex, smap: SourceMap,
                            config_calls: dict[int, int]) -> dict[int, list[ConfigFirstCall]]:
    """config index -> the prepare_pruning calls that pass it where INC 2.6 expects the model."""
    out: dict[int, list[ConfigFirstCall]] = {}
    for site in index.calls:
        args = site.call.args
        if not args or isinstance(args[0], ast.Starred) or not _is_entry(index, site):
            continue
        found = _config_indexes(index, args[0], config_calls)
        if not found:
            continue
        second = args[1] if len(args) > 1 and not isinstance(args[1], ast.Starred) else None
        found_call = ConfigFirstCall(smap.span(args[0]), smap.span(second) if second is not None else None,
                                     smap.span(site.call.func))
        for i in found:
            out.setdefault(i, []).append(found_call)
    return out
