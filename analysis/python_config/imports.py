"""Imports of INC's pruning API from where INC 2.6 does not have it.

INC moved its pruning entry points between releases, and scripts written for an earlier one import
them from a module that INC 2.6 no longer (or never) fills: `from neural_compressor import
prepare_pruning` (INC's GLUE mixed-pattern example), `from neural_compressor.compression import
model_slim` (its language-modeling example), INC 2.0's `neural_compressor.pruner` package. Python
raises ImportError there, before any config is built. Only the names below are judged, each with the
modules INC 2.6 exports it from (checked against INC 2.6 itself, tests/python/test_python_imports.py);
every other import is left alone.
"""

from __future__ import annotations

import ast
from typing import Optional

from .source import SourceMap

# name -> the modules INC 2.6 exports it from (the first is the one to suggest)
HOMES = {
    "WeightPruningConfig": ("neural_compressor.training", "neural_compressor", "neural_compressor.config",
                            "neural_compressor.conf.pythonic_config"),
    "prepare_pruning": ("neural_compressor.training", "neural_compressor.compression.pruner"),
    "prepare_compression": ("neural_compressor.training",),
    "model_slim": ("neural_compressor.compression.pruner",),
    "parse_auto_slim_config": ("neural_compressor.compression.pruner",),
}
# INC 2.0's pruning packages, gone from INC 2.6
GONE = ("neural_compressor.pruning", "neural_compressor.pruner")


def _gone(module: str) -> Optional[str]:
    return next((g for g in GONE if module == g or module.startswith(g + ".")), None)


def find_missing_imports(tree: ast.AST, smap: SourceMap) -> list[tuple[int, int, str]]:
    """(start, end, message) for each import of INC's pruning API that fails on INC 2.6."""
    out: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                gone = _gone(a.name)
                if gone:
                    out.append((*smap.span(a), f"INC 2.6 has no module `{gone}` (INC 2.0's pruning package): "
                                "Python raises ModuleNotFoundError"))
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            module = node.module
            gone = _gone(module)
            if gone:
                names = ", ".join(f"`{a.name}`" for a in node.names if a.name in HOMES)
                where = f"; import {names} from `{HOMES[node.names[0].name][0]}`" \
                    if names and node.names[0].name in HOMES else ""
                out.append((*smap.span(node), f"INC 2.6 has no module `{gone}` (INC 2.0's pruning package): Python "
                            f"raises ModuleNotFoundError{where}"))
                continue
            if module != "neural_compressor" and not module.startswith("neural_compressor."):
                continue
            for a in node.names:
                homes = HOMES.get(a.name)
                if homes and module not in homes:
                    out.append((*smap.span(a), f"INC 2.6 has no `{a.name}` in `{module}`: Python raises "
                                f"ImportError; import it from `{homes[0]}`"))
    return out

