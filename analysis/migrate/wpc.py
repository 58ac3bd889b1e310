"""Any dialect -> `WeightPruningConfig(...)` (Python) or its key set (JSON), with the same meaning.

From v2 YAML (B, or C/D after legacy.py): the global section's keys are the keyword arguments, the
`!PrunerV2` entries the `pruning_configs` dicts. INC 2.x's YAML loader reads every null as `{}`
(spec 3.3), where WeightPruningConfig treats None as unset: a null is written as `{}`, and said so.
`pruners: []` and `pruning_configs=[]` mean the same (one pruner from the global keys).
"""

from __future__ import annotations

import json
from typing import Any, Optional

from .rt import eol_comment, plain

NULL_NOTE = ("`{key}` is empty (null) in the YAML, which INC 2.x's loader reads as {{}}: written as {{}} "
             "(None would mean the default)")


def _entries(data: Any, dialect: str, notes: list[str]) -> tuple[list[tuple[str, Any, Optional[str]]], Optional[list]]:
    """(global keyword args with their comments, pruner dicts with their comments or None)."""
    if dialect == "A":
        g, pk = data, "pruning_configs"
    else:
        g, pk = data["pruning"]["approach"]["weight_compression_v2"], "pruners"
    kwargs = []
    for k, v in g.items():
        if k == pk:
            continue
        kwargs.append((str(k), _value(k, v, dialect, notes), _comment(g, k)))
    pruners = None
    if pk in g:
        raw = g[pk]
        if raw is None and dialect == "B":
            pruners = []
        elif isinstance(raw, list):
            pruners = []
            for p in raw:
                if hasattr(p, "items"):
                    pruners.append([(str(k), _value(k, v, dialect, notes), _comment(p, k)) for k, v in p.items()])
                else:
                    pruners.append(plain(p))
    return kwargs, pruners


def _value(key: Any, v: Any, dialect: str, notes: list[str]) -> Any:
    if v is None and dialect == "B":
        notes.append(NULL_NOTE.format(key=key))
        return {}
    return plain(v)


def _comment(m: Any, key: Any) -> Optional[str]:
    text = eol_comment(m, key)
    if not text:
        return None
    lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("#")]
    return " ".join(ln.lstrip("#").strip() for ln in lines) or None


def to_json(data: Any, dialect: str, notes: list[str]) -> str:
    kwargs, pruners = _entries(data, dialect, notes)
    out: dict[str, Any] = {}
    if pruners is not None:
        out["pruning_configs"] = [dict((k, v) for k, v, _c in p) if isinstance(p, list) else p for p in pruners]
    for k, v, _c in kwargs:
        out[k] = v
    lost = [c for k, v, c in kwargs if c] + [c for p in (pruners or []) if isinstance(p, list) for _k, _v, c in p if c]
    if lost:
        notes.append(f"JSON has no comments: {len(lost)} comment(s) not carried (use --to python to keep them)")
    return json.dumps(out, indent=2) + "\n"


def _py(v: Any) -> str:
    return repr(v)


def to_python(data: Any, dialect: str, notes: list[str]) -> str:
    kwargs, pruners = _entries(data, dialect, notes)
    lines = ["from neural_compressor.config import WeightPruningConfig", ""]
    for n in notes:
        lines.append(f"# migrate: {n}")
    lines.append("config = WeightPruningConfig(")
    if pruners is not None:
        lines.append("    pruning_configs=[")
        for p in pruners:
            if not isinstance(p, list):
                lines.append(f"        {_py(p)},")
                continue
            lines.append("        {")
            for k, v, c in p:
                lines.append(f"            {json.dumps(k)}: {_py(v)}," + (f"  # {c}" if c else ""))
            lines.append("        },")
        lines.append("    ],")
    for k, v, c in kwargs:
        if k.isidentifier():
            lines.append(f"    {k}={_py(v)}," + (f"  # {c}" if c else ""))
        else:
            lines.append(f"    **{{{json.dumps(k)}: {_py(v)}}},")
    lines.append(")")
    return "\n".join(lines) + "\n"
