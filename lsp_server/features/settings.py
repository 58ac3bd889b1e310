"""Settings (section `pruneLsp`, design.md): from initializationOptions, didChangeConfiguration and
workspace/configuration where the client offers it. A change re-checks the open documents."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Optional

from lsprotocol import types

if TYPE_CHECKING:  # pragma: no cover
    from ..server import PruneLanguageServer

log = logging.getLogger(__name__)
SECTION = "pruneLsp"
DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class Settings:
    models: dict = field(default_factory=dict)  # glob (relative to the workspace folder) -> model path
    device: str = "auto"  # auto, cpu, cuda, cuda:N
    allow_code_execution: bool = False
    debounce_ms: int = 150
    disabled_rules: frozenset = frozenset()

    def merged(self, raw: Any) -> tuple["Settings", list[str]]:
        """These settings updated from a client's JSON (the `pruneLsp` object, or an object
        holding it); returns the new settings and a message per value that was ignored."""
        if not isinstance(raw, dict):
            return self, ([] if raw is None else [f"{SECTION} settings must be an object, got {type(raw).__name__}"])
        if isinstance(raw.get(SECTION), dict):
            raw = raw[SECTION]
        new, bad = {}, []
        for key, value in raw.items():
            if key == "models":
                if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
                    new["models"] = dict(value)
                else:
                    bad.append("models must map globs to model paths (strings)")
            elif key == "device":
                if isinstance(value, str) and (value in DEVICES or value.startswith("cuda:")):
                    new["device"] = value
                else:
                    bad.append(f"device must be one of {', '.join(DEVICES)} or cuda:N, not {value!r}")
            elif key == "allowCodeExecution":
                if isinstance(value, bool):
                    new["allow_code_execution"] = value
                else:
                    bad.append("allowCodeExecution must be true or false")
            elif key == "debounceMs":
                if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 10_000:
                    new["debounce_ms"] = int(value)
                else:
                    bad.append(f"debounceMs must be a number of milliseconds in [0, 10000], not {value!r}")
            elif key == "disabledRules":
                if isinstance(value, list) and all(isinstance(x, str) for x in value):
                    # The same selectors as `check --disable`: codes or names, any case. An unknown
                    # one is reported with a did-you-mean; the known ones still apply.
                    from analysis.rules.selectors import UnknownRule, rule_code

                    codes = set()
                    for word in filter(str.strip, value):
                        try:
                            codes.add(rule_code(word))
                        except UnknownRule as exc:
                            bad.append(f"disabledRules: {exc}")
                    new["disabled_rules"] = frozenset(codes)
                else:
                    bad.append("disabledRules must be a list of rule codes or names")
        return replace(self, **new), bad


def register(server: "PruneLanguageServer") -> None:
    @server.feature(types.INITIALIZE)
    def on_initialize(ls: "PruneLanguageServer", params: types.InitializeParams) -> None:
        ls.on_initialize(params)
        ls.apply_settings(params.initialization_options, "initializationOptions", recheck=False)

    @server.feature(types.INITIALIZED)
    async def on_initialized(ls: "PruneLanguageServer", params: types.InitializedParams) -> None:
        ls.warm_up()
        await ls.models.register_watchers()
        try:
            await pull_configuration(ls)
        finally:
            ls.configuration_done()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def on_change(ls: "PruneLanguageServer", params: types.DidChangeConfigurationParams) -> None:
        changed = False
        if isinstance(params.settings, dict) and params.settings:
            changed = ls.apply_settings(params.settings, "didChangeConfiguration", recheck=False)
        pulled = await pull_configuration(ls, recheck=False)
        if changed or pulled:
            ls.settings_changed()


def client_pulls(ls: "PruneLanguageServer") -> bool:
    ws = ls.client_capabilities.workspace
    return bool(ws and ws.configuration)


async def pull_configuration(ls: "PruneLanguageServer", recheck: bool = True) -> bool:
    """Ask the client for `pruneLsp` (VS Code; not Neovim 0.7, which does not offer it)."""
    if not client_pulls(ls):
        return False
    try:
        got = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)]))
    except Exception as exc:  # a client that advertises the request but fails it
        log.warning("workspace/configuration failed: %s", exc)
        return False
    if not got or got[0] is None:
        return False
    return ls.apply_settings(got[0], "workspace/configuration", recheck=recheck)


def parse(raw: Optional[dict]) -> Settings:
    return Settings().merged(raw)[0]
