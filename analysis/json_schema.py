"""JSON Schema (draft-07) export of a dialect, generated from analysis/schema: for editors that
only speak yaml-language-server, and for the VS Code extension's opt-in fallback.

It can say less than the rules (no cross-field checks, no INC quirks), but never something else:
types, enumerations, defaults and descriptions all come from the same KeySpec tables.
"""

from __future__ import annotations

from typing import Any

from .schema import DialectSchema, KeySpec, dialect_schema
from .schema import spec as T

# The pattern grammar INC accepts (spec 2.2): NxM with ints or `channel`, quoted N:M, or mha,
# after an optional prefix ending in `_`.
PATTERN_REGEX = r"^(.*_)?(((\d+|channel)x(\d+|channel))|(\d+:\d+)|(.*mha.*))$"

CHOICES = {"v2": "B", "pytorch": "C", "1.x": "D", "weightpruningconfig": "A"}


def _type_schema(spec: KeySpec) -> dict[str, Any]:
    t = spec.type
    out: dict[str, Any]
    if t == T.T_FLOAT:
        out = {"type": "number"}
    elif t == T.T_STRICT_FLOAT:
        out = {"type": "number"}
    elif t == T.T_INT:
        out = {"type": "integer"}
    elif t == T.T_STR:
        out = {"type": "string"}
        if spec.allowed:
            out["enum"] = list(spec.allowed)
        if spec.name == "pattern":
            out["pattern"] = PATTERN_REGEX
    elif t == T.T_BOOL:
        out = {"type": "boolean"}
    elif t == T.T_STR_LIST:
        out = {"type": "array", "items": {"type": "string"}}
    elif t == T.T_LIST:
        out = {"type": "array"}
    elif t == T.T_DICT:
        out = {"type": "object"}
    else:
        out = {}
    if spec.nullable and "type" in out:
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = out["enum"] + [None]
    return out


def key_schema(spec: KeySpec) -> dict[str, Any]:
    s = _type_schema(spec)
    s["description"] = spec.doc + ("\n\nINC quirks:\n- " + "\n- ".join(spec.quirks) if spec.quirks else "")
    s["markdownDescription"] = spec.markdown()
    if spec.default is not None or spec.nullable:
        s["default"] = spec.default
    if spec.snippet_values or spec.allowed:
        s["examples"] = list(spec.allowed or spec.snippet_values)
    return s


def _object(keys: dict[str, KeySpec], closed: bool, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {name: key_schema(spec) for name, spec in keys.items() if name not in skip},
        "additionalProperties": not closed,
    }


def dialect_json_schema(choice: str) -> dict[str, Any]:
    d: DialectSchema = dialect_schema(CHOICES.get(choice, choice))
    pruner = _object(d.pruner_keys, d.unknown_pruner_is_error)
    if d.parameter_keys and "parameters" in pruner["properties"]:
        pruner["properties"]["parameters"]["properties"] = {k: key_schema(s) for k, s in d.parameter_keys.items()}
    if d.id == "A":
        body = _object(d.global_keys, False, skip=("pruning_configs",))
        body["properties"]["pruning_configs"] = {
            "type": "array", "items": pruner, "description": d.global_keys["pruning_configs"].doc}
        return {"$schema": "http://json-schema.org/draft-07/schema#", "title": d.title, **body}
    container = _object(d.global_keys, d.unknown_global_is_error, skip=(d.pruners_key,))
    container["properties"][d.pruners_key] = {
        "type": "array", "items": pruner,
        "description": f"Each entry is a `{d.pruner_tag}` tagged mapping (add `{d.pruner_tag} mapping` to yaml.customTags).",
    }
    if d.id == "B":
        container["required"] = [d.pruners_key]
    schema: dict[str, Any] = container
    for key in reversed(d.container_path):
        schema = {"type": "object", "properties": {key: schema}, "required": [key]}
    root = {"$schema": "http://json-schema.org/draft-07/schema#", "title": d.title, **schema}
    if d.id in "CD":
        root["properties"]["model"] = {"type": "object", "required": ["name", "framework"],
                                       "properties": {"name": {"type": "string"}, "framework": {"type": "string"}}}
        root["required"] = sorted(set(root.get("required", [])) | {"model"})
    return root
