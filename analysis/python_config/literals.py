"""Python literal expressions as the engine's positioned nodes (analysis.yaml_tree).

Literals (numbers, strings, True/False/None, lists, tuples, dicts, and names bound once to such a
literal) become Scalar/Sequence/Mapping nodes with code-point offsets into the file, so the YAML
rules run on them unchanged. Anything computed at run time becomes an UnknownScalar: its value is
the UNKNOWN marker, which no rule mistakes for a number, string or list, and the checker never
reports a finding that depends on it. A `**expr` inside a dict that cannot be read makes the dict
"open": any key may come from it, so the keys written before it are unknown too (later keys win).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Callable, Optional

from ..yaml_tree import TAG_MAP, TAG_SEQ, Mapping, Node, Pair, Scalar, Sequence
from .source import SourceMap

TAG_UNKNOWN = "tag:prune-lsp,2024:unknown"
_TAGS = {bool: "bool", int: "int", float: "float", str: "str", type(None): "null"}
MAX_DEPTH = 60


class Unknown:
    """The value of an expression prune-lsp does not evaluate (a name, a call, an f-string...)."""

    _instance: Optional["Unknown"] = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<computed at run time>"


UNKNOWN = Unknown()


@dataclass(eq=False, slots=True)
class UnknownScalar(Scalar):
    # The config key this value stands for (None for a list item): the checker tries the schema's
    # values for it to find the findings that hold whatever it is.
    config_key: Optional[str] = None


def scalar_tag(value: Any) -> str:
    return "tag:yaml.org,2002:" + _TAGS.get(type(value), "str")


@dataclass
class Opened:
    """A `**expr` (or a computed key) whose keys cannot be known."""

    start: int
    end: int


Resolver = Callable[[ast.Name], Optional[ast.expr]]


class Converter:
    def __init__(self, smap: SourceMap, resolve: Resolver):
        self.smap = smap
        self.resolve = resolve
        self.unknowns: list[UnknownScalar] = []
        self.opened: dict[int, Opened] = {}  # id(Mapping) -> the first opener in it
        self.str_literals: set[tuple[int, int]] = set()  # spans of string literals (for fix repair)

    def unknown(self, expr: ast.AST, key: Optional[str]) -> UnknownScalar:
        start, end = self.smap.span(expr)
        return self.unknown_at(start, end, key)

    def unknown_at(self, start: int, end: int, key: Optional[str]) -> UnknownScalar:
        u = UnknownScalar(start, end, TAG_UNKNOWN, UNKNOWN, self.smap.text(start, end), None, key)
        self.unknowns.append(u)
        return u

    def value(self, expr: ast.expr, key: Optional[str] = None, depth: int = 0,
              seen: frozenset = frozenset()) -> Node:
        if depth > MAX_DEPTH:
            return self.unknown(expr, key)
        start, end = self.smap.span(expr)
        if isinstance(expr, ast.Constant):
            v = expr.value
            if isinstance(v, str):
                self.str_literals.add((start, end))
                return Scalar(start, end, scalar_tag(v), v, v, '"')
            if isinstance(v, (bool, int, float)) or v is None:
                return Scalar(start, end, scalar_tag(v), v, self.smap.text(start, end), None)
            return self.unknown(expr, key)  # bytes, complex, Ellipsis: not config values
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)) \
                and isinstance(expr.operand, ast.Constant) and type(expr.operand.value) in (int, float):
            v = expr.operand.value
            v = -v if isinstance(expr.op, ast.USub) else v
            return Scalar(start, end, scalar_tag(v), v, self.smap.text(start, end), None)
        if isinstance(expr, (ast.List, ast.Tuple)):
            items = [self.unknown(e, None) if isinstance(e, ast.Starred) else self.value(e, None, depth + 1, seen)
                     for e in expr.elts]
            return Sequence(start, end, TAG_SEQ, items, flow=True)
        if isinstance(expr, ast.Dict):
            return self.mapping(expr, depth, seen)
        if isinstance(expr, ast.Name):
            target = self.resolve(expr)
            if target is not None and id(target) not in seen:
                return self.value(target, key, depth + 1, seen | {id(target)})
        return self.unknown(expr, key)

    def mapping(self, expr: ast.Dict, depth: int, seen: frozenset) -> Mapping:
        start, end = self.smap.span(expr)
        out = Mapping(start, end, TAG_MAP, [], flow=True)
        for k, v in zip(expr.keys, expr.values):
            if k is None:  # {**other}
                spliced = self.value(v, None, depth + 1, seen)
                if isinstance(spliced, Mapping):
                    # merged: a later key overriding a spliced one is the point, not a duplicate
                    out.pairs.extend(Pair(p.key, p.value, merged=True) for p in spliced.pairs)
                    if id(spliced) in self.opened:
                        self._open(out, self.opened[id(spliced)])
                else:
                    self._open(out, Opened(*self.smap.span(v)))
                continue
            key = self.value(k, None, depth + 1, seen)
            if not isinstance(key, Scalar) or isinstance(key, UnknownScalar):
                self._open(out, Opened(key.start, key.end))
                continue
            name = key.value if isinstance(key.value, str) else None
            # Keys are plain so that rename fixes are offered; the checker re-quotes their text.
            key.style = None
            out.pairs.append(Pair(key, self.value(v, name, depth + 1, seen)))
        return out

    def _open(self, m: Mapping, opener: Opened) -> None:
        """Keys written so far may be overridden by what the opener holds: their values are unknown."""
        self.opened.setdefault(id(m), opener)
        for i, p in enumerate(m.pairs):
            if not isinstance(p.value, UnknownScalar):
                m.pairs[i] = Pair(p.key, self.unknown_at(p.value.start, p.value.end, p.name), p.merged)

    def fill_open(self, m: Mapping, keys) -> None:
        """Give an open mapping an unknown value for every key it may get from its opener."""
        opener = self.opened.get(id(m))
        if opener is None:
            return
        present = set(m.keys())
        for name in keys:
            if name not in present:
                k = Scalar(opener.start, opener.end, scalar_tag(name), name, name, None)
                m.pairs.append(Pair(k, self.unknown_at(opener.start, opener.end, name), merged=True))
