"""Which documents the server checks, and how: YAML/JSON through analysis.engine, Python through
analysis.python_config when that module is installed. Anything else is left alone."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from pygls.uris import to_fs_path

if TYPE_CHECKING:  # pragma: no cover
    import asyncio

    from analysis.engine import CheckResult

# analysis.engine (the rules, the schema, PyYAML) is imported on first use, not at start-up:
# the initialize answer must not wait for it (lsp_server.server warms it up after `initialized`).

log = logging.getLogger(__name__)

YAML_SUFFIXES = (".yaml", ".yml", ".json")
_python_mod: Any = None  # analysis.python_config once imported; False when not installed


def doc_kind(uri: str, language_id: Optional[str]) -> Optional[str]:
    """"yaml" (YAML or JSON config), "python", or None (not ours)."""
    low = uri.lower().split("?", 1)[0]
    if language_id in ("yaml", "json", "jsonc") or low.endswith(YAML_SUFFIXES):
        return "yaml"
    if language_id == "python" or low.endswith(".py"):
        return "python"
    return None


def _python_config():
    global _python_mod
    if _python_mod is None:
        try:
            from analysis import python_config as mod  # written by another engineer; optional
            _python_mod = mod
        except ImportError:
            _python_mod = False
    return _python_mod or None


def empty_result() -> "CheckResult":
    from analysis.comments import Directives
    from analysis.engine import CheckResult

    return CheckResult(None, Directives())


def run_check(text: str, uri: str, kind: Optional[str], disabled: frozenset, model: Any = None) -> "CheckResult":
    """The check of one document's text; `model` is its loaded LayerIndex, if any (the model rules)."""
    from analysis.engine import CheckSettings, check_text

    path = fs_path(uri)
    settings = CheckSettings(disabled_rules=frozenset(disabled))
    if kind == "yaml":
        return check_text(text, path, settings, model=model)
    if kind == "python":
        mod = _python_config()
        if mod is None:
            return empty_result()
        might = getattr(mod, "might_contain_config", None)
        if might is not None and not might(text):
            return empty_result()  # most Python files: left alone, quickly
        return mod.check_python_text(text, path, settings, model=model)
    return empty_result()


def fs_path(uri: str) -> Optional[str]:
    try:
        return to_fs_path(uri)
    except Exception:
        return None


@dataclass
class DocState:
    """What the server knows about one open document, beyond pygls's text."""

    uri: str
    kind: Optional[str]
    result: "Optional[CheckResult]" = None
    result_version: Optional[int] = None
    result_gen: Any = None  # the (settings, models) generation the result was computed under
    timer: "Optional[asyncio.TimerHandle]" = None
    running: bool = False
    rerun: bool = False
    published: bool = False  # something non-empty was published (so an empty list must clear it)
    closed: bool = False

    def fresh(self, version: Optional[int], gen: Any) -> bool:
        return self.result is not None and self.result_version == version and self.result_gen == gen

    @property
    def folder(self) -> Optional[str]:
        p = fs_path(self.uri)
        return os.path.dirname(p) if p else None
