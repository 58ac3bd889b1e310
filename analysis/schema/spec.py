"""Data types of the key schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Optional


class Level(str, Enum):
    GLOBAL = "global"  # the section under pruning.approach.<container> (or WeightPruningConfig kwargs)
    PRUNER = "pruner"  # one entry of `pruners` / `pruning_configs`
    PARAMETERS = "parameters"  # the `parameters` mapping of a pruner


# Value types, named as users read them; `check_type` in rules/types.py knows each.
T_FLOAT = "float"  # a number; INC 2.x compares it, so int is fine
T_STRICT_FLOAT = "strict-float"  # 1.x schema: `float` only, an int such as 0 or 1 is rejected
T_INT = "int"
T_STR = "str"
T_BOOL = "bool"
T_BOOLISH = "boolish"  # anything bool() accepts
T_STR_LIST = "list[str]"
T_LIST = "list"
T_DICT = "dict"
T_PRUNERS = "pruners"  # the list of tagged pruner mappings
T_ANY = "any"


@dataclass(frozen=True)
class KeySpec:
    name: str
    type: str
    default: Any
    doc: str  # what it does, one or two sentences
    example: str = ""  # a YAML line as a user would write it
    allowed: Optional[tuple[str, ...]] = None  # closed set of values, when INC checks one
    value_docs: dict[str, str] = field(default_factory=dict)  # meaning of each (or common) value
    quirks: tuple[str, ...] = ()  # INC behaviour a user would not guess
    consumer: str = ""  # where INC reads it
    rules: tuple[str, ...] = ()  # codes of the rules that check this key
    snippet_values: tuple[str, ...] = ()  # values to offer in completion besides `allowed`
    nullable: bool = False  # None is a documented value (reg_type)

    def markdown(self) -> str:
        """Hover/completion documentation."""
        parts = [f"**{self.name}** (`{self.type}`, default `{_show(self.default)}`)", "", self.doc]
        if self.allowed:
            parts += ["", "Allowed: " + ", ".join(f"`{v}`" for v in self.allowed)]
        if self.value_docs:
            parts += [""] + [f"- `{k}`: {v}" for k, v in self.value_docs.items()]
        if self.example:
            parts += ["", "```yaml", self.example, "```"]
        if self.quirks:
            parts += ["", "INC quirks:"] + [f"- {q}" for q in self.quirks]
        if self.consumer:
            parts += ["", f"Read by INC in `{self.consumer}`."]
        if self.rules:
            parts += ["", "Checked by: " + ", ".join(self.rules)]
        return "\n".join(parts)


def _show(v: Any) -> str:
    if v is None:
        return "None"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, list):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    return str(v)


@dataclass(frozen=True)
class DialectSchema:
    id: str  # "A", "B", "C", "D", "E"
    name: str  # "v2", "pytorch", "1.x", ...
    title: str
    container_path: tuple[str, ...]  # where the global section lives in the YAML
    pruner_tag: Optional[str]  # required YAML tag on each pruner entry
    global_keys: dict[str, KeySpec]
    pruner_keys: dict[str, KeySpec]
    parameter_keys: dict[str, KeySpec]
    unknown_global_is_error: bool
    unknown_pruner_is_error: bool
    pruners_key: str = "pruners"
    supported: bool = True  # False: retired format, one diagnostic and nothing else

    def keys_at(self, level: Level) -> dict[str, KeySpec]:
        return {Level.GLOBAL: self.global_keys, Level.PRUNER: self.pruner_keys,
                Level.PARAMETERS: self.parameter_keys}[level]
