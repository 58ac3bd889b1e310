"""Dialect A in Python files: `WeightPruningConfig(...)` calls, found by parsing (never running) the file.

    might_contain_config(text) -> bool            # cheap pre-check before any parsing
    find_configs(text) -> list[PythonConfigDoc]   # one dialect-A ConfigDoc per call, positioned nodes
    check_python_text(text, path=None, settings=None) -> engine.CheckResult

The calls' literal arguments become the engine's own positioned nodes (analysis.yaml_tree), so the
YAML rules, merge semantics and fixes run unchanged; rules/python_calls.py adds the findings only
a Python call can have. Modules: source.py (byte columns to code points), literals.py (literals to
nodes, UNKNOWN for the rest), scopes.py (names and imports), calls.py (calls to ConfigDocs),
runtime.py (values the script changes before INC builds the pruners), entry_points.py (prepare_pruning
given the config where INC 2.6 expects the model), imports.py (INC's pruning API imported from where
INC 2.6 lacks it), checking.py (the check, unknown-aware).
"""

from .calls import CallInfo, PythonConfigDoc
from .checking import check_python_text, find_configs, might_contain_config
from .literals import UNKNOWN, UnknownScalar

__all__ = ["CallInfo", "PythonConfigDoc", "UNKNOWN", "UnknownScalar", "check_python_text", "find_configs",
           "might_contain_config"]
