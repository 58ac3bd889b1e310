"""Each pruner's effective config, built the way INC builds it, with where each value came from.

INC 2.x (dialects A and B, utils.process_weight_config / process_yaml_config): for each of the
20 default keys a pruner takes its own value when set and not None, else the global value when
set and not None, else INC's default; then every key of `parameters` is copied to the top level
(overwriting it); then check_config caps max_sparsity_ratio_per_op to N/M for N:M patterns.
Dialect C (experimental pytorch_pruner) has its own key list and the `!Pruner` class defaults.
A problem found in an effective value is reported where that value is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from .config_doc import ConfigDoc, PrunerEntry
from .schema.keys_v2 import DEFAULT_CONFIG_KEYS
from .yaml_tree import Mapping, Node, Pair, Scalar, Sequence, to_python

_TAG_NULL = "tag:yaml.org,2002:null"

# INC 2.x's loader turns every YAML null into {} (conf/config.py); a user's own yaml.safe_load
# feeding WeightPruningConfig(**cfg) (dialect A) keeps None.
NULL_AS_EMPTY_DICT = {"A": False, "B": True, "C": True, "D": True, "E": False}

_C_GLOBAL_DEFAULTS = {
    "start_step": 0, "end_step": 0, "excluded_names": [], "prune_layer_type": ["Conv2d", "Linear"],
    "target_sparsity": 0.0, "update_frequency_on_step": 1, "prune_domain": "global",
    "prune_type": "snip_momentum", "sparsity_decay_type": "exp", "max_sparsity_ratio_per_layer": 0.98,
    "names": [], "extra_excluded_names": [], "pattern": "tile_pattern_4x1",
}
# Attributes a `!Pruner` object has, with its class defaults (None = falls back to global).
_C_PRUNER_DEFAULTS = {
    "start_step": None, "end_step": None, "target_sparsity": None, "update_frequency_on_step": None,
    "prune_domain": None, "prune_type": "basic_magnitude", "sparsity_decay_type": None, "names": None,
    "extra_excluded_names": None, "pattern": "tile_pattern_1x1",
}


@dataclass
class Setting:
    key: str
    value: Any
    origin: str  # "pruner", "global", "parameters", "default", "class-default", "cap"
    pair: Optional[Pair] = None  # where the value is written; None for defaults
    # origin "cap": the setting INC lowered (check_config validates max_sparsity_ratio_per_op's
    # range BEFORE it caps it to N/M, so a range rule must look at this one)
    capped_from: Optional["Setting"] = None

    @property
    def node(self) -> Optional[Node]:
        return self.pair.value if self.pair else None


@dataclass
class EffectivePruner:
    index: Optional[int]  # position in `pruners`; None for the single pruner built from globals
    entry: Optional[PrunerEntry]
    settings: dict[str, Setting] = field(default_factory=dict)
    extra: dict[str, Pair] = field(default_factory=dict)  # unknown local keys, kept by INC as extras

    def value(self, key: str, default: Any = None) -> Any:
        s = self.settings.get(key)
        return s.value if s else default

    def label(self) -> str:
        # Asked per finding and per schedule (twice per pruner on a generated config): the settings
        # are complete once merged, so the label is made once.
        got = self.__dict__.get("_label")
        if got is None:
            got = self.__dict__["_label"] = self._make_label()
        return got

    def _make_label(self) -> str:
        s = self.settings.get("op_names") or self.settings.get("names")
        return pruner_label(self.index, s.value if s else None)

    def as_dict(self) -> dict[str, Any]:
        return {k: s.value for k, s in self.settings.items()}


def pruner_label(index: Optional[int], names: Any) -> str:
    """How messages name a pruner: its place in the list and its first layer names (`names`: the
    value of its op_names, or of INC 1.x's names)."""
    if index is None:
        return "the pruner built from the global section"
    name = ""
    if names and isinstance(names, list) and all(isinstance(x, str) for x in names):
        name = f" ({', '.join(names[:2])}{', ...' if len(names) > 2 else ''})"
    return f"pruner {index + 1}{name}"


def _pairs(m: Optional[Node]) -> dict[str, Pair]:
    if not isinstance(m, Mapping):
        return {}
    out: dict[str, Pair] = {}
    for p in m.pairs:
        if isinstance(p.name, str):
            out[p.name] = p  # last duplicate wins, as in PyYAML
    return out


def effective_pruners(doc: ConfigDoc) -> list[EffectivePruner]:
    if doc.dialect.id in ("A", "B"):
        return _effective_v2(doc)
    if doc.dialect.id == "C":
        return _effective_c(doc)
    return []


def _entries(doc: ConfigDoc) -> list[Optional[PrunerEntry]]:
    """INC's local configs: `[]`, `{}` (a YAML null under INC 2.x) or no list -> one global pruner."""
    pp = doc.pruners_pair
    if doc.dialect.id == "A" and pp is None:
        return [None]  # WeightPruningConfig's default pruning_configs=[{}]: one pruner inheriting everything
    if pp is None or not isinstance(pp.value, Sequence) or not pp.value.items:
        return [None]
    return list(doc.pruners)


def _effective_v2(doc: ConfigDoc) -> list[EffectivePruner]:
    nulls = NULL_AS_EMPTY_DICT[doc.dialect.id]
    gpairs = _pairs(doc.globals)

    def val(pair: Pair) -> Any:
        return to_python(pair.value, null_as_empty_dict=nulls)

    base: dict[str, Setting] = {}
    for key, spec in DEFAULT_CONFIG_KEYS.items():
        p = gpairs.get(key)
        v = val(p) if p is not None else None
        base[key] = Setting(key, v, "global", p) if v is not None else Setting(key, spec.default, "default")

    out: list[EffectivePruner] = []
    keys = DEFAULT_CONFIG_KEYS
    inherited_params: dict[int, list] = {}  # id(a base `parameters` setting) -> the settings it gives
    for entry in _entries(doc):
        settings = dict(base)
        ep = _pruner(entry.index if entry else None, entry, settings)
        if entry is not None:
            extra = ep.extra
            for key, p in _pairs(entry.node).items():
                if key in keys:
                    node = p.value
                    # to_python inlined for the common scalar (a 2 MB config has ~100,000 values)
                    if type(node) is Scalar:
                        v = {} if (nulls and node.tag == _TAG_NULL) else node.value
                    else:
                        v = val(p)
                    if v is not None:
                        settings[key] = _setting(key, v, "pruner", p)
                else:
                    extra[key] = p
        params = settings.get("parameters")
        if params is not None and params.origin in ("global", "default"):
            # every pruner that inherits `parameters` gets the same settings from it: made once, shared
            # (settings are never changed once merged, and base settings are shared the same way)
            got = inherited_params.get(id(params))
            if got is None:
                probe = _pruner(None, None, {"parameters": params})
                _apply_parameters(probe, nulls)
                got = inherited_params[id(params)] = [(k, v) for k, v in probe.settings.items() if v is not params]
            for k, v in got:
                settings[k] = v
        elif params is not None:
            _apply_parameters(ep, nulls)
        _apply_nm_cap(ep, "max_sparsity_ratio_per_op")
        out.append(ep)
    return out


_new = object.__new__


def _setting(key: str, value: Any, origin: str, pair: Optional[Pair]) -> Setting:
    """Setting(key, value, origin, pair), without the dataclass __init__ (same fields)."""
    s = _new(Setting)
    s.key, s.value, s.origin, s.pair, s.capped_from = key, value, origin, pair, None
    return s


def _pruner(index: Optional[int], entry: Optional[PrunerEntry], settings: dict) -> EffectivePruner:
    """EffectivePruner(index, entry, settings), without the dataclass __init__ (same fields)."""
    ep = _new(EffectivePruner)
    ep.index, ep.entry, ep.settings, ep.extra = index, entry, settings, {}
    return ep


def _apply_parameters(ep: EffectivePruner, nulls: bool) -> None:
    params = ep.settings.get("parameters")
    if params is None or not isinstance(params.value, dict):
        return
    node = params.node
    ppairs = _pairs(node)
    for k, v in params.value.items():
        if not isinstance(k, str):
            continue
        ep.settings[k] = Setting(k, v, "parameters", ppairs.get(k, params.pair))


def nm_ratio(pattern: Any) -> Optional[tuple[int, int]]:
    """(N, M) of an N:M pattern as check_config reads it, or None."""
    if not isinstance(pattern, str) or ":" not in pattern:
        return None
    parts = pattern.split("_")[-1].split(":")
    try:
        n, m = int(parts[0]), int(parts[1])
    except (ValueError, IndexError):
        return None
    if n <= 0 or m <= n:
        return None
    return n, m


def _apply_nm_cap(ep: EffectivePruner, max_key: str) -> None:
    pattern = ep.settings.get("pattern")
    if pattern is None or not isinstance(pattern.value, str) or ":" not in pattern.value:
        return  # nm_ratio(...) is None
    nm = nm_ratio(pattern.value)
    cur = ep.settings.get(max_key)
    if nm is None or cur is None or not _is_number(cur.value):
        return
    cap = nm[0] / nm[1]
    if cap < cur.value:
        ep.settings[max_key] = Setting(max_key, cap, "cap", ep.settings["pattern"].pair, capped_from=cur)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _effective_c(doc: ConfigDoc) -> list[EffectivePruner]:
    gpairs = _pairs(doc.globals)
    base: dict[str, Setting] = {}
    for key, default in _C_GLOBAL_DEFAULTS.items():
        p = gpairs.get(key)
        v = to_python(p.value, null_as_empty_dict=True) if p is not None else None
        base[key] = Setting(key, v, "global", p) if v is not None else Setting(key, default, "default")
    out = []
    pp = doc.pruners_pair
    if pp is None or not isinstance(pp.value, Sequence):
        return out  # INC iterates val["pruners"]: missing -> KeyError (a rule reports it)
    for entry in doc.pruners:
        ep = EffectivePruner(entry.index, entry, dict(base))
        lpairs = _pairs(entry.node)
        for key, cls_default in _C_PRUNER_DEFAULTS.items():
            p = lpairs.get(key)
            v = to_python(p.value, null_as_empty_dict=True) if p is not None else cls_default
            if p is not None and v is not None:
                ep.settings[key] = Setting(key, v, "pruner", p)
            elif v is not None:
                ep.settings[key] = Setting(key, v, "class-default", None)
        for key, p in lpairs.items():
            if key not in _C_PRUNER_DEFAULTS:
                ep.extra[key] = p
        _apply_nm_cap(ep, "max_sparsity_ratio_per_layer")
        out.append(ep)
    return out
